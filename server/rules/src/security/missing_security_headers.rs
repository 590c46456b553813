//! SEC408 missing-security-headers: an Express app served without `helmet()`.
//!
//! Also home of the small Express helpers the configuration rules share (SEC307, SEC403,
//! SEC404, SEC408-SEC410): object literal options, the statements that configure an app, and
//! the calls among them.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{ancestors, named_children};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC408",
    name: "missing-security-headers",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[693, 200],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "An Express app is served without security headers (`helmet()`), and `X-Powered-By: Express` names the framework; add `app.use(helmet())`.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check,
    }],
};

// ---------------------------------------------------------------------------------------------
// Shared Express helpers.

const FUNCTIONS: &[&str] = &[
    "function_declaration",
    "generator_function_declaration",
    "function_expression",
    "function",
    "generator_function",
    "arrow_function",
    "method_definition",
];

/// The key of an object literal property (`pair`), without quotes.
pub(super) fn key_of<'a>(checker: &Checker<'a>, pair: Node<'a>) -> Option<&'a str> {
    let key = pair.field("key")?;
    Some(checker.text(key).trim_matches(['"', '\'', '`']))
}

/// The properties of an object literal: `(key, value, pair)`, and whether it also has a spread
/// or a method (options we cannot see).
pub(crate) struct Props<'a> {
    pub pairs: Vec<(&'a str, Node<'a>, Node<'a>)>,
    pub opaque: bool,
}

impl<'a> Props<'a> {
    pub(crate) fn of(checker: &Checker<'a>, object: Node<'a>) -> Self {
        let mut pairs = Vec::new();
        let mut opaque = false;
        for p in named_children(object) {
            match p.kind_str() {
                "pair" => {
                    if let (Some(k), Some(v)) = (key_of(checker, p), p.field("value")) {
                        pairs.push((k, v, p));
                    }
                }
                "shorthand_property_identifier" => {
                    // `{ secure }`: a value we do not see.
                    pairs.push((checker.text(p), p, p));
                }
                "comment" => {}
                _ => opaque = true,
            }
        }
        Self { pairs, opaque }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Node<'a>> {
        self.pairs
            .iter()
            .find(|(k, ..)| *k == key)
            .map(|(_, v, _)| *v)
    }

    pub(crate) fn pair(&self, key: &str) -> Option<Node<'a>> {
        self.pairs
            .iter()
            .find(|(k, ..)| *k == key)
            .map(|(.., p)| *p)
    }
}

/// The positional arguments of a JS call, without comments.
pub(crate) fn js_args(args: Node) -> Vec<Node> {
    named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect()
}

/// The statements that configure whatever `node` builds: the body of the function it is in, or
/// else the module's top-level statements except function and class declarations (their bodies
/// are not part of the module skeleton, which keys the per-item cache).
pub(crate) fn configuring_scope<'a>(checker: &Checker<'a>, node: Node<'a>) -> Vec<Node<'a>> {
    let outer = ancestors(checker.item, node);
    if let Some(f) = outer
        .iter()
        .rev()
        .find(|a| FUNCTIONS.contains(&a.kind_str()))
    {
        return vec![*f];
    }
    let Some(program) = checker.item.parent() else {
        return vec![checker.item];
    };
    named_children(program)
        .into_iter()
        .filter(|s| {
            let decl = if s.kind_str() == "export_statement" {
                s.field("declaration")
            } else {
                Some(*s)
            };
            !decl.is_some_and(|d| {
                matches!(
                    d.kind_str(),
                    "function_declaration" | "generator_function_declaration" | "class_declaration"
                )
            })
        })
        .collect()
}

/// Every node under `roots` (roots included), depth first.
pub(crate) fn descendants<'a>(roots: &[Node<'a>]) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    let mut stack: Vec<Node<'a>> = roots.iter().rev().copied().collect();
    while let Some(n) = stack.pop() {
        out.push(n);
        let mut cursor = n.walk();
        let children: Vec<Node<'a>> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// A call in a scope: `object.method(args)` or `name(args)`.
pub(super) struct Call<'a> {
    /// The receiver's text (`app` in `app.use(...)`), if the callee is a member.
    pub object: Option<&'a str>,
    /// The method or function name.
    pub name: &'a str,
    pub args: Vec<Node<'a>>,
}

pub(super) fn calls_in<'a>(checker: &Checker<'a>, nodes: &[Node<'a>]) -> Vec<Call<'a>> {
    descendants(nodes)
        .into_iter()
        .filter(|n| n.kind_str() == "call_expression")
        .filter_map(|node| {
            let func = node.field("function")?;
            let args = node.field("arguments")?;
            let (object, name) = match func.kind_str() {
                "member_expression" => (
                    func.field("object").map(|o| checker.text(o)),
                    checker.text(func.field("property")?),
                ),
                "identifier" => (None, checker.text(func)),
                _ => return None,
            };
            Some(Call {
                object,
                name,
                args: js_args(args),
            })
        })
        .collect()
}

/// The name `call`'s result is stored in: `const app = express()`.
pub(super) fn declared_name<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<&'a str> {
    let parent = *ancestors(checker.item, call).last()?;
    if parent.kind_str() != "variable_declarator" || parent.field("value") != Some(call) {
        return None;
    }
    let name = parent.field("name")?;
    (name.kind_str() == "identifier").then(|| checker.text(name))
}

/// Whether a module imports one of `modules` (or a member of one).
pub(super) fn imports_any(checker: &Checker, modules: &[&str]) -> bool {
    checker.semantic.imports.values().any(|q| {
        modules
            .iter()
            .any(|m| q == m || q.strip_prefix(m).is_some_and(|r| r.starts_with('.')))
    })
}

/// Whether `node` (or something under it) is the identifier `name`.
/// Whether a call's argument hands the app over: the app itself (`mountRoutes(app)`) or an
/// object holding it (`server.applyMiddleware({ app })`). One level only: `calls_in` lists
/// every call of the scope, and walking each one's arguments whole would be quadratic.
fn hands_over(checker: &Checker, arg: Node, app: &str) -> bool {
    match arg.kind_str() {
        "identifier" => checker.text(arg) == app,
        "object" => named_children(arg).into_iter().any(|p| match p.kind_str() {
            "shorthand_property_identifier" => checker.text(p) == app,
            "pair" => p.field("value").is_some_and(|v| checker.text(v) == app),
            _ => false,
        }),
        _ => false,
    }
}

fn mentions(checker: &Checker, node: Node, name: &str) -> bool {
    descendants(&[node]).into_iter().any(|n| {
        matches!(n.kind_str(), "identifier" | "shorthand_property_identifier")
            && checker.text(n) == name
    })
}

// ---------------------------------------------------------------------------------------------
// The rule.

/// Packages that set the usual security headers.
const HEADER_MIDDLEWARE: &[&str] = &["helmet", "lusca"];

/// Headers whose presence shows the app sets security headers itself.
const SECURITY_HEADERS: &[&str] = &[
    "content-security-policy",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
];

/// What the statements configuring an app do with it.
#[derive(Default)]
struct AppFacts {
    served: bool,
    /// The app gets middleware or routes (`app.use(…)`, `app.get(…)`), is handed to other code
    /// (`mountRoutes(app)`) or exported: something answers its requests. A bare
    /// `createServer(express())` that only carries a WebSocket server answers every request
    /// with Express's 404.
    handles: bool,
    headers_middleware: bool,
    powered_by_off: bool,
    manual_headers: bool,
}

fn gather<'a>(checker: &Checker<'a>, scope: &[Node<'a>], app: &str) -> AppFacts {
    let mut facts = AppFacts {
        headers_middleware: imports_any(checker, HEADER_MIDDLEWARE),
        ..Default::default()
    };
    for node in descendants(scope) {
        match node.kind_str() {
            "export_statement" | "return_statement" => {
                let mentioned = mentions(checker, node, app);
                facts.served |= mentioned;
                facts.handles |= mentioned;
            }
            "assignment_expression" => {
                let left = node.field("left").map(|l| checker.text(l));
                if left
                    .is_some_and(|l| l.starts_with("module.exports") || l.starts_with("exports."))
                {
                    let mentioned = node
                        .field("right")
                        .is_some_and(|r| mentions(checker, r, app));
                    facts.served |= mentioned;
                    facts.handles |= mentioned;
                }
            }
            _ => {}
        }
    }
    for call in calls_in(checker, scope) {
        let first = call.args.first().and_then(|a| checker.string_value(*a));
        facts.handles |= (call.object == Some(app) && call.name != "listen")
            || (call.name != "createServer"
                && call.args.iter().any(|a| hands_over(checker, *a, app)));
        match (call.object, call.name) {
            (Some(o), "listen") if o == app => facts.served = true,
            (_, "createServer") if call.args.iter().any(|a| checker.text(*a) == app) => {
                facts.served = true
            }
            (Some(o), "disable") if o == app => {
                facts.powered_by_off |= first.is_some_and(is_powered_by);
            }
            (Some(o), "set") if o == app && first.is_some_and(is_powered_by) => {
                facts.powered_by_off |= call.args.get(1).is_some_and(|v| v.kind_str() == "false");
            }
            (_, "setHeader" | "set" | "header") => {
                facts.manual_headers |= first
                    .is_some_and(|h| SECURITY_HEADERS.contains(&h.to_ascii_lowercase().as_str()));
            }
            (_, name) if HEADER_MIDDLEWARE.contains(&name) => {
                facts.headers_middleware = true;
            }
            _ => {}
        }
    }
    facts
}

fn is_powered_by(s: &str) -> bool {
    s.eq_ignore_ascii_case("x-powered-by")
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call), Some(args)) =
        (caps.get("func"), caps.get("call"), caps.get("args"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    // `app.enable("x-powered-by")`, `app.set("x-powered-by", true)`, `helmet({ xPoweredBy: false })`.
    if func.kind_str() == "member_expression" {
        check_powered_by_on(checker, func, args);
    }
    if checker.resolve_callee(func, &["express"]).is_none()
        || settings::is_non_production_file(checker.path)
    {
        return;
    }
    let Some(app) = declared_name(checker, call) else {
        return;
    };
    let scope = configuring_scope(checker, call);
    let facts = gather(checker, &scope, app);
    if !facts.served || !facts.handles || facts.headers_middleware {
        return;
    }
    if !facts.manual_headers {
        if !facts.powered_by_off {
            checker.report(call, format!(
                "the Express app `{app}` is served without `helmet()`: its responses carry no security headers (Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options), and `X-Powered-By: Express` tells attackers what to probe; add `{app}.use(helmet())`"
            ));
        }
        return;
    }
    if !facts.powered_by_off {
        checker.report(call, format!(
            "the Express app `{app}` sets its own security headers but still answers with `X-Powered-By: Express`, which tells attackers what to probe; add `{app}.disable(\"x-powered-by\")` (or use `helmet()`)"
        ));
    }
}

fn check_powered_by_on<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: Node<'a>) {
    let Some(property) = func.field("property") else {
        return;
    };
    let args = js_args(args);
    let method = checker.text(property);
    let first = args.first().and_then(|a| checker.string_value(*a));
    let on = match method {
        "enable" => first.is_some_and(is_powered_by),
        "set" => {
            first.is_some_and(is_powered_by) && args.get(1).is_some_and(|v| v.kind_str() == "true")
        }
        _ => false,
    };
    if on {
        let shown = super::callee(checker.text(func));
        checker.report(func, format!(
            "`{shown}(\"x-powered-by\")` turns `X-Powered-By: Express` back on, which tells attackers what to probe; remove it"
        ));
    }
}

const DOCS: &str = r#"## What it does
Flags an Express application (`const app = express()`) that a module serves (`app.listen(...)`,
`http.createServer(app)`) or exports (`module.exports = app`, `export default app`, `return app`
from a factory) without security headers:

- no `helmet()` (nor `lusca`) anywhere in the module, and `X-Powered-By` left on: the app
  answers without Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options or
  X-Frame-Options, and announces `X-Powered-By: Express`;
- security headers set by hand (`res.setHeader("X-Frame-Options", ...)`) but
  `X-Powered-By` not disabled;
- `app.enable("x-powered-by")` / `app.set("x-powered-by", true)`, which turn the header back on.

An app that uses `helmet()` (or imports it to configure in a helper), an app that calls
`app.disable("x-powered-by")` and sets its headers by hand (or at least disables the header),
are not reported, nor are routers (`express.Router()`), apps that are neither served nor exported,
apps that nothing answers on (no middleware, routes or code they are handed to: a bare
`http.createServer(express())` carrying a WebSocket server), and
development or test files. The module's top-level statements (or the factory function that
creates the app) are what is read: helmet applied in a separate file that receives the app is
not seen, so import it where the app is built.

## Why is this bad?
Security headers are the browser's second line of defence: a Content-Security-Policy stops
injected scripts from running, `X-Content-Type-Options: nosniff` stops uploaded files from being
run as scripts, frame options stop clickjacking, and HSTS keeps visitors on HTTPS. Express sets
none of them, and its `X-Powered-By: Express` header tells scanners which exploits to try.

## Example
```javascript
const express = require("express");

const app = express();
app.use(express.json());
app.use("/api", api);
app.listen(3000);
```

## Use instead
```javascript
const express = require("express");
const helmet = require("helmet");

const app = express();
app.use(helmet());          // CSP, HSTS, nosniff, frame options; removes X-Powered-By
app.use(express.json());
app.use("/api", api);
app.listen(3000);
```
At the least, `app.disable("x-powered-by")`.

## References
- [CWE-693: Protection Mechanism Failure](https://cwe.mitre.org/data/definitions/693.html)
- [CWE-200: Exposure of Sensitive Information to an Unauthorized Actor](https://cwe.mitre.org/data/definitions/200.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Express: production security best practices (helmet, x-powered-by)](https://expressjs.com/en/advanced/best-practice-security.html)
- [helmet](https://helmetjs.github.io/)
- [OWASP HTTP Security Response Headers Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html)
"#;
