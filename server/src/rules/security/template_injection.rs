//! SEC104 template-injection: template source built from request data (server-side template
//! injection).

use super::{method_name, sink_argument, CallSink};
use crate::analysis::Sink;
use crate::rules::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use crate::syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC104",
    name: "template-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[1336, 94],
    owasp: Some("A03:2021 Injection"),
    summary: "A template's source is built from request data; keep templates constant and pass the data as context variables.",
    docs: DOCS,
    fix: FixAvailability::None,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

const SINKS: &[CallSink] = &[
    CallSink {
        callees: &[
            "flask.render_template_string",
            "quart.render_template_string",
        ],
        index: 0,
        keyword: "source",
    },
    CallSink {
        callees: &["jinja2.Template", "jinja2.environment.Template"],
        index: 0,
        keyword: "source",
    },
    CallSink {
        callees: &["mako.template.Template"],
        index: 0,
        keyword: "text",
    },
    CallSink {
        callees: &["django.template.Template"],
        index: 0,
        keyword: "template_string",
    },
    CallSink {
        callees: &["tornado.template.Template"],
        index: 0,
        keyword: "template_string",
    },
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let (name, source) = match sink_argument(checker, func, args, SINKS) {
        Some(found) => found,
        // `env.from_string(source)` on a Jinja2 environment (or Django's engine).
        None if method_name(checker, func) == Some("from_string")
            && super::imports_any(checker, &["jinja2", "django", "flask"]) =>
        {
            match crate::analysis::Arguments::of(args).get(0, "source", checker.source) {
                Some(s) => ("from_string".to_owned(), s),
                None => return,
            }
        }
        None => return,
    };
    let Some(taint) = checker.taint(source, Sink::Template).filter(|t| t.user) else {
        return;
    };
    let from = checker.describe(&taint);
    let short = name.rsplit('.').next().unwrap_or(&name).to_owned();
    checker
        .report(
            func,
            format!(
                "`{short}` compiles a template built from {from}; the client can run code through template syntax (`{{{{ … }}}}`); use a constant template and pass the data as a context variable"
            ),
        )
        .with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags template engines (Flask/Jinja2 `render_template_string`, `jinja2.Template`,
`Environment.from_string`, Django `Template`, Mako, Tornado) compiling template *source* that
is built from request data.

## Why is this bad?
Template languages are programming languages. With `{{ ''.__class__.__mro__[1].__subclasses__() }}`
a client walks from a string to `subprocess.Popen` and runs commands on the server (server-side
template injection). Autoescaping does not help: the client writes the template, not a value.

## Example
```python
@app.get("/hello")
def hello():
    name = request.args.get("name", "")
    return render_template_string(f"<h1>Hello {name}</h1>")
```

## Use instead
```python
@app.get("/hello")
def hello():
    name = request.args.get("name", "")
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)
```

## References
- [CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine](https://cwe.mitre.org/data/definitions/1336.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [Jinja2 sandbox and templates from untrusted sources](https://jinja.palletsprojects.com/en/stable/sandbox/)
"#;
