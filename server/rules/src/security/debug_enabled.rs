//! SEC401 debug-enabled: debug mode switched on in code or settings that can ship.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::settings::{self, SettingKind};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC401",
    name: "debug-enabled",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[489, 215],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "Debug mode is switched on in code or settings that can ship; read it from the environment, off by default.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_assignment,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

/// GraphQL servers that take `debug=` (Ariadne: tracebacks in the `errors` of the response).
const GRAPHQL_DEBUG: &[&str] = &[
    "ariadne.asgi.GraphQL",
    "ariadne.wsgi.GraphQL",
    "ariadne.graphql",
    "ariadne.graphql_sync",
];
const GRAPHQL: &str = "GraphQL error responses then carry the Python traceback, file paths and source lines to every client";

/// Apollo Server: `includeStacktraceInErrorResponses` (v4) and `debug` (v2/v3).
const APOLLO: &[&str] = &[
    "@apollo/server.ApolloServer",
    "apollo-server.ApolloServer",
    "apollo-server-express.ApolloServer",
    "apollo-server-koa.ApolloServer",
    "apollo-server-fastify.ApolloServer",
    "apollo-server-lambda.ApolloServer",
];

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path)
        || checker.resolve_callee(func, APOLLO).is_none()
    {
        return;
    }
    let Some(options) = super::missing_security_headers::js_args(args)
        .first()
        .copied()
        .filter(|o| o.kind_str() == "object")
    else {
        return;
    };
    let props = super::missing_security_headers::Props::of(checker, options);
    for key in ["includeStacktraceInErrorResponses", "debug"] {
        let (Some(pair), Some(value)) = (props.pair(key), props.get(key)) else {
            continue;
        };
        if value.kind_str() != "true" {
            continue;
        }
        checker
            .report(pair, format!(
                "`{}` makes Apollo Server put the stack trace of every error into the response in every environment (Apollo leaves it off when `NODE_ENV` is `production` unless told otherwise): file paths, library versions and code lines go to any client; remove it, or tie it to the environment (`process.env.NODE_ENV !== \"production\"`)",
                checker.text(pair)
            ))
            .with_fix(
                "Only in development",
                Applicability::Safe,
                vec![Edit {
                    range: value.byte_range(),
                    content: "process.env.NODE_ENV !== \"production\"".to_owned(),
                }],
            );
    }
}

/// Constructors that take `debug=`.
const DEBUG_CONSTRUCTORS: &[&str] = &["fastapi.FastAPI", "starlette.applications.Starlette"];

const FLASK: &str = "Flask then shows tracebacks with local variables and, under `app.run`, serves the Werkzeug debugger's in-browser Python console";
const DJANGO: &str =
    "Django then shows tracebacks, settings and SQL to anyone who triggers an error";
const ASGI: &str = "error responses then carry tracebacks and source lines to the client";

fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(target) = caps.get("target") else {
        return;
    };
    if target.kind_str() == "attribute" {
        check_debug_attribute(checker, caps, target);
        return;
    }
    let Some(setting) = settings::assigned(checker, caps, &["DEBUG"]) else {
        return;
    };
    if setting.value.kind_str() != "true" {
        return;
    }
    let (what, env) = match setting.kind {
        SettingKind::Module if settings::is_settings_module(checker) => (DJANGO, "DEBUG"),
        SettingKind::Class(class) if class.ends_with("Config") || class.ends_with("Settings") => {
            (FLASK, "FLASK_DEBUG")
        }
        SettingKind::AppConfig => (FLASK, "FLASK_DEBUG"),
        _ => return,
    };
    report(checker, setting.node, setting.value, what, env);
}

/// `app.debug = True` on a web application object.
fn check_debug_attribute<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>, target: Node<'a>) {
    let (Some(object), Some(attr), Some(value), Some(node)) = (
        target.field("object"),
        target.field("attribute"),
        caps.get("value"),
        caps.get("assignment"),
    ) else {
        return;
    };
    if checker.text(attr) != "debug" || value.kind_str() != "true" || !is_app(checker, object) {
        return;
    }
    let place = settings::place(checker, node);
    if place.non_production || place.conditional {
        return;
    }
    report(checker, node, value, FLASK, "FLASK_DEBUG");
}

/// Web application classes.
const APPS: &[&str] = &[
    "flask.Flask",
    "quart.Quart",
    "fastapi.FastAPI",
    "starlette.applications.Starlette",
];

/// Whether `object` is a web application: an instance of one of `APPS`, or (an app from a
/// factory) a name such as `app`, `flask_app` or `self.app`.
fn is_app<'a>(checker: &Checker<'a>, object: Node<'a>) -> bool {
    if settings::instance_of(checker, object).is_some_and(|class| APPS.contains(&class.as_str())) {
        return true;
    }
    let name = match object.kind_str() {
        "identifier" => checker.text(object),
        "attribute" => object.field("attribute").map_or("", |a| checker.text(a)),
        _ => return false,
    };
    name == "app" || name == "application" || name.ends_with("_app")
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    for setting in settings::updated(checker, caps, &["DEBUG"]) {
        if setting.value.kind_str() == "true" {
            report(checker, setting.node, setting.value, FLASK, "FLASK_DEBUG");
        }
    }
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let (what, env) = if checker.resolve_callee(func, DEBUG_CONSTRUCTORS).is_some() {
        (ASGI, "DEBUG")
    } else if checker.resolve_callee(func, GRAPHQL_DEBUG).is_some() {
        (GRAPHQL, "DEBUG")
    } else if settings::is_app_run(checker, func) {
        (FLASK, "FLASK_DEBUG")
    } else {
        return;
    };
    let Some(debug) = checker
        .arguments(args)
        .keyword_node("debug", checker.source)
    else {
        return;
    };
    let Some(value) = debug.field("value") else {
        return;
    };
    if value.kind_str() != "true" || settings::place(checker, func).non_production {
        return;
    }
    report(checker, debug, value, what, env);
}

fn report<'a>(checker: &mut Checker<'a>, node: Node<'a>, value: Node<'a>, what: &str, env: &str) {
    let snippet = super::callee(checker.text(node));
    let needs_os = crate::imports::python_needs_import(checker, "os");
    let finding = checker.report(
        node,
        format!(
            "`{snippet}` switches debug mode on: {what}; read it from the environment, off by default (`os.environ.get(\"{env}\") == \"1\"`)"
        ),
    );
    if let Some(needs_os) = needs_os {
        finding.with_fix(
            format!("Read debug mode from `{env}`"),
            Applicability::Safe,
            vec![Edit {
                range: value.byte_range(),
                content: format!("os.environ.get(\"{env}\") == \"1\""),
            }],
        );
        if needs_os {
            finding.with_import("os");
        }
    }
}

const DOCS: &str = r#"## What it does
Flags debug mode switched on with a literal `True`: `app.run(debug=True)`, `app.debug = True`,
`app.config["DEBUG"] = True` / `app.config.update(DEBUG=True)` and `DEBUG = True` in a Flask
config class (Flask); `FastAPI(debug=True)` and `Starlette(debug=True)`; and `DEBUG = True` at
module level in a Django settings module (a file whose name contains `settings`, or one that
assigns `INSTALLED_APPS`, `ROOT_URLCONF` or `MIDDLEWARE`); GraphQL servers that put
tracebacks into error responses: Ariadne's `GraphQL(schema, debug=True)` (and `graphql(…,
debug=True)`), Apollo Server's `includeStacktraceInErrorResponses: true` (v4) or `debug: true`
(v2/v3), whose fix ties the value to `NODE_ENV`.

`app.run(debug=True)` under `if __name__ == "__main__":` is still reported: that is how the
Werkzeug debugger ends up on a server started with `python app.py`. Not reported: values read
from the environment (`DEBUG = env.bool("DEBUG", default=False)`), `DEBUG = False`, settings
chosen under another `if` (`if ENV == "dev": DEBUG = True`), development and test
configuration (files such as `settings/dev.py`, `local_settings.py`, `settings_dev.py`,
`development.py`, `test_*.py`, `conftest.py`, or classes such as `DevelopmentConfig`).

## Why is this bad?
The Werkzeug debugger that Flask's debug mode enables is an interactive Python console in the
browser, guarded only by a PIN derived from machine data that file-read bugs leak; its
tracebacks show source and local variables to anyone who triggers an error. Django's debug pages
show settings, SQL and source code; FastAPI and Starlette return tracebacks. Attackers use these
pages to find secrets and the next bug.

## Example
```python
# settings.py
DEBUG = True
```
```python
app = Flask(__name__)

if __name__ == "__main__":
    app.run(debug=True)
```

## Use instead
```python
# settings.py
import os

DEBUG = os.environ.get("DEBUG") == "1"
```
```python
if __name__ == "__main__":
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")   # or: flask --app app run --debug
```

## Fix
When the module imports `os`, the literal `True` is replaced by
`os.environ.get("FLASK_DEBUG") == "1"` (Flask) or `os.environ.get("DEBUG") == "1"` (Django,
FastAPI, Starlette). It is unsafe: debug mode is then off unless the variable is set, which is
the point but changes how the app behaves locally.

## References
- [CWE-489: Active Debug Code](https://cwe.mitre.org/data/definitions/489.html)
- [CWE-215: Insertion of Sensitive Information Into Debugging Code](https://cwe.mitre.org/data/definitions/215.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Flask: debug mode](https://flask.palletsprojects.com/en/stable/quickstart/#debug-mode)
- [Django: `DEBUG`](https://docs.djangoproject.com/en/stable/ref/settings/#debug)
"#;
