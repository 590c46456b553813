//! SEC104 template-injection: template source built from request data (server-side template
//! injection).

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{method_name, sink_argument};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Sink};
use ba_syntax::Family;

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
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        // `sink = "template"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Template as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Template as u8 }>,
        },
    ],
};

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let (name, source) = match sink_argument(checker, func, args, Sink::Template) {
        Some(found) => found,
        // `env.from_string(source)` on a Jinja2 environment (or Django's engine).
        None if method_name(checker, func) == Some("from_string")
            && super::imports_any(checker, &["jinja2", "django", "flask"]) =>
        {
            match checker.arguments(args).get(0, "source", checker.source) {
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

/// Objects that have a `render(view, locals)` method rendering a named view.
const VIEW_RENDERERS: &[&str] = &["res", "response", "reply", "ctx", "app"];

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    if func.kind_str() == "member_expression" {
        let method = func
            .field("property")
            .map(|p| checker.text(p))
            .unwrap_or("");
        let object = func.field("object");
        let receiver = object.map(|o| checker.text(o)).unwrap_or("");
        if matches!(method, "render" | "view") && VIEW_RENDERERS.contains(&receiver) {
            let shown = format!("{receiver}.{method}");
            check_view(checker, func, &shown, &args);
            return;
        }
        // `env.renderString(source)` on a nunjucks `Environment`.
        if matches!(method, "renderString" | "compile")
            && object.is_some_and(|o| o.kind_str() == "identifier")
            && super::imports_any(checker, &["nunjucks"])
            && checker.resolve(func).is_none()
        {
            if let Some(source) = args.first().copied() {
                report_source(checker, func, method, source);
            }
            return;
        }
    }
    // Template engines that compile their first argument as template source: `sink =
    // "template"` rows with `reported-by = "rule"` (templates.toml).
    if super::rule_sink(checker, func, Sink::Template).is_none() {
        return;
    }
    let Some(source) = args.first().copied() else {
        return;
    };
    let short = super::callee(checker.text(func));
    report_source(checker, func, &short, source);
}

fn report_source<'a>(checker: &mut Checker<'a>, func: Node<'a>, short: &str, source: Node<'a>) {
    let Some(taint) = checker.taint(source, Sink::Template).filter(|t| t.user) else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(
            func,
            format!(
                "`{short}` compiles a template built from {from}; the client can run code on the server through template syntax (`<%= … %>`, `#{{…}}`, `{{{{…}}}}`): keep the template constant and pass the data in its locals"
            ),
        )
        .with_taint(&taint);
}

/// `res.render(view, locals)`: a view name or engine options chosen by the client.
fn check_view<'a>(checker: &mut Checker<'a>, func: Node<'a>, method: &str, args: &[Node<'a>]) {
    let Some(view) = args.first().copied() else {
        return;
    };
    if let Some(taint) = checker.taint(view, Sink::Template).filter(|t| t.user) {
        let from = checker.describe(&taint);
        checker
            .report(func, format!("`{method}` renders a view named by {from}; the client can render any template (or, with `../`, any file the engine can read): map the value to a fixed set of view names"))
            .with_taint(&taint);
        return;
    }
    let Some(locals) = args.get(1).copied() else {
        return;
    };
    let whole = match locals.kind_str() {
        "object" => named_children(locals)
            .into_iter()
            .filter(|p| p.kind_str() == "spread_element")
            .find_map(|p| whole_request_object(checker, p)),
        _ => whole_request_object(checker, locals),
    };
    if let Some(taint) = whole {
        let from = checker.describe(&taint);
        checker
            .report(func, format!("`{method}` passes all of {from} as the view's locals; the client can set engine options such as `settings`, `layout`, `client` or ejs's `outputFunctionName` and run code: pass only the fields the view needs (`{{ name: req.query.name }}`)"))
            .with_taint(&taint);
    }
}

/// The taint of `node` when it is a whole request object (`req.body`, `req.query`,
/// `ctx.request.body`), not one of its fields.
/// `dto` or `...dto`: the parameter itself (by its name), not a member of it, a literal built
/// from one, or a record it was partly copied into.
fn whole_name(checker: &Checker, node: Node, param: &str) -> bool {
    match node.kind_str() {
        "identifier" => checker.text(node) == param,
        "spread_element" | "await_expression" | "parenthesized_expression" | "as_expression" => {
            node.named_child(0)
                .is_some_and(|n| whole_name(checker, n, param))
        }
        _ => false,
    }
}

pub(crate) fn whole_request_object<'a>(
    checker: &Checker<'a>,
    node: Node<'a>,
) -> Option<ba_analysis::taint::Taint> {
    let taint = checker.taint(node, Sink::MassAssign).filter(|t| t.user)?;
    // "request data `req.body`", or across modules "request data `@Body() dto` passed to
    // `update()` by `update()` (src/invoices.controller.ts)".
    let what = taint.what.strip_prefix("request data `")?;
    let what = match what.strip_suffix('`') {
        Some(w) => w,
        None => what.split_once("` passed to `")?.0,
    };
    let whole = [".body", ".query"]
        .iter()
        .any(|s| what.ends_with(s) && !what.contains('('))
        // NestJS: `@Body() dto`, `@Query() filters` (a named field is `@Body("name") name`),
        // passed on whole (`dto`, `...dto`), not a field of it (`dto.name`, `{ name }`).
        || ["@Body() ", "@Query() "].iter().any(|d| {
            what.strip_prefix(d)
                .is_some_and(|param| whole_name(checker, node, param))
        });
    whole.then_some(taint)
}

const DOCS: &str = r#"## What it does
Flags template engines (Flask/Jinja2 `render_template_string`, `jinja2.Template`,
`Environment.from_string`, Django `Template`, Mako, Tornado) compiling template *source* that
is built from request data.

In Node: `ejs.render`/`ejs.compile`, `pug.render`/`pug.compile`, `Handlebars.compile`,
`nunjucks.renderString`/`compile` (and an `Environment`'s), lodash/underscore `_.template`,
doT, Eta and Squirrelly with request data as the template source; and Express-style
`res.render(view, locals)` (also `ctx.render`, `reply.view`) when the client names the view or
when a whole request object (`req.query`, `req.body`, or a spread of one) is passed as the
locals. `res.render("profile", { name: req.query.name })` is the safe idiom and is not
reported.

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
```javascript
app.get("/hello", (req, res) => {
  res.send(ejs.render(`<h1>Hello ${req.query.name}</h1>`));
});
// Lets the client set `settings[view options][outputFunctionName]` and run code.
app.get("/search", (req, res) => res.render("search", req.query));
```

## Use instead
```python
@app.get("/hello")
def hello():
    name = request.args.get("name", "")
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)
```
```javascript
app.get("/hello", (req, res) => {
  res.send(ejs.render("<h1>Hello <%= name %></h1>", { name: req.query.name }));
});
app.get("/search", (req, res) => res.render("search", { q: String(req.query.q ?? "") }));
```

## References
- [CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine](https://cwe.mitre.org/data/definitions/1336.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [Jinja2 sandbox and templates from untrusted sources](https://jinja.palletsprojects.com/en/stable/sandbox/)
- [EJS security: never give end users unfettered access to the EJS render method](https://github.com/mde/ejs/blob/main/SECURITY.md)
- [Express `res.render`](https://expressjs.com/en/api.html#res.render)
"#;
