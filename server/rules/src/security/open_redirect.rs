//! SEC303 open-redirect: redirects to a location taken from request data.

use super::{sink_argument, url_prefix_fixed};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::Sink;
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC303",
    name: "open-redirect",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[601],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "The response redirects to a location taken from request data; check it with `url_has_allowed_host_and_scheme` (or allow only local paths) first.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
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
        // `sink = "redirect"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Redirect as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Redirect as u8 }>,
        },
    ],
};

/// Express `res.redirect([status,] url)`, `res.location(url)`, Koa `ctx.redirect(url)`,
/// Fastify `reply.redirect([code,] url)` / `reply.redirect(url, code)`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // Next.js `NextResponse.redirect(url)`, `redirect(path)` (`reported-by = "rule"` rows).
    if let Some((name, target)) = sink_argument(checker, func, args, Sink::Redirect) {
        let short = name.rsplit('.').next().unwrap_or(&name).to_owned();
        report_javascript(checker, target, &short);
        return;
    }
    if func.kind_str() != "member_expression" {
        return;
    }
    let method = func
        .field("property")
        .map(|p| checker.text(p))
        .unwrap_or("");
    if !matches!(
        method,
        "redirect" | "location" | "writeHead" | "setHeader" | "set" | "header"
    ) {
        return;
    }
    // The receiver is a response (or Koa's context), not a router or an import.
    let Some(object) = func.field("object") else {
        return;
    };
    if checker.resolve(object).is_some() {
        return;
    }
    // The `Location` header written by hand: `res.writeHead(302, { Location: url })`,
    // `res.setHeader("Location", url)`, `ctx.set("Location", url)`, `reply.header(…)`.
    if matches!(method, "writeHead" | "setHeader" | "set" | "header") {
        let positional = checker.arguments(args).positional.clone();
        let is_location = |k: tree_sitter::Node| {
            checker
                .string_value(k)
                .or_else(|| (k.kind_str() == "property_identifier").then(|| checker.text(k)))
                .is_some_and(|k| k.eq_ignore_ascii_case("location"))
        };
        let target = if method == "writeHead" {
            positional
                .iter()
                .filter(|o| o.kind_str() == "object")
                .flat_map(|o| ba_analysis::named_children(*o))
                .filter(|p| p.kind_str() == "pair")
                .find(|p| p.field("key").is_some_and(is_location))
                .and_then(|p| p.field("value"))
        } else if positional.first().is_some_and(|k| is_location(*k)) {
            positional.get(1).copied()
        } else {
            None
        };
        // A `Location` on a 201 or 202 names the created resource; browsers follow it only
        // on a 3xx answer.
        let status_not_redirect = if method == "writeHead" {
            positional
                .first()
                .filter(|s| s.kind_str() == "number")
                .is_some_and(|s| !checker.text(*s).starts_with('3'))
        } else {
            created_status_in_handler(checker, func)
        };
        if let Some(target) = target.filter(|_| !status_not_redirect) {
            report_javascript(checker, target, "Location");
        }
        return;
    }
    let Some(target) = checker
        .arguments(args)
        .positional
        .iter()
        .copied()
        .find(|a| a.kind_str() != "number")
    else {
        return;
    };
    report_javascript(checker, target, method);
}

/// Whether the function around `node` answers with 201 or 202 (`res.status(201)`,
/// `res.statusCode = 201`, `ctx.status = 201`, Fastify's `reply.code(201)`).
fn created_status_in_handler(checker: &Checker, node: tree_sitter::Node) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if matches!(
            parent.kind_str(),
            "function_declaration" | "function_expression" | "arrow_function" | "method_definition"
        ) {
            let text: String = checker
                .text(parent)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            return ["status(201)", "status(202)", "code(201)", "code(202)"]
                .iter()
                .any(|s| text.contains(s))
                || ["tatusCode=20", "status=201", "status=202"]
                    .iter()
                    .any(|s| text.contains(s));
        }
        current = parent;
    }
    false
}

fn report_javascript<'a>(checker: &mut Checker<'a>, target: tree_sitter::Node<'a>, method: &str) {
    let Some(taint) = checker
        .taint(target, Sink::Redirect)
        .filter(|t| t.user && !t.is_host(checker.source))
    else {
        return;
    };
    if url_prefix_fixed(checker, target, 0) {
        return;
    }
    let from = checker.describe(&taint);
    checker
        .report(
            target,
            format!("`{method}` sends the browser to a location taken from {from}; a link to your site can then forward users to a phishing page: accept only paths starting with a single `/`, or check the host against an allow-list"),
        )
        .with_taint(&taint);
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // Tornado: `self.redirect(url)` in a `RequestHandler`.
    let tornado = super::tornado_self_call(checker, func, &["redirect"])
        .then(|| checker.arguments(args).get(0, "url", checker.source))
        .flatten()
        .map(|t| ("redirect".to_owned(), t));
    let Some((name, target)) = sink_argument(checker, func, args, Sink::Redirect).or(tornado)
    else {
        return;
    };
    let Some(taint) = checker
        .taint(target, Sink::Redirect)
        .filter(|t| t.user && !t.is_host(checker.source))
    else {
        return;
    };
    if url_prefix_fixed(checker, target, 0) {
        return;
    }
    let from = checker.describe(&taint);
    let short = name.rsplit('.').next().unwrap_or(&name);
    checker
        .report(
            target,
            format!("`{short}` sends the browser to a location taken from {from}; a link to your site can then forward users to a phishing page: check it with `url_has_allowed_host_and_scheme` or accept only paths starting with a single `/`"),
        )
        .with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags redirects (Flask/Werkzeug `redirect`, Django `redirect` and `HttpResponseRedirect`,
Starlette/FastAPI `RedirectResponse`, Tornado `self.redirect` in a `RequestHandler`; Express `res.redirect`/`res.location`, a
`Location` header set by hand (`res.writeHead(302, { Location })`, `res.setHeader("Location",
…)`, Koa `ctx.set`, Fastify `reply.header`; not on a 201 or 202 answer, where it names the
created resource and browsers do not follow it), Koa
`ctx.redirect`, Fastify `reply.redirect`) whose target comes from request data, such as a `next`
parameter. Targets checked with `url_has_allowed_host_and_scheme`/`is_safe_url` or an
allow-list, built by `url_for`/`reverse`, or starting with a fixed local path are not reported,
nor is request data after a literal `?` or `#` (`reverse(…) + "?" + request.GET.urlencode()`,
`f"{checked}?{params.urlencode()}"`: the query string cannot change where the browser goes),
nor are targets built on the request's own host (`request.base_url`, `request.host_url`): a link
cannot make a victim's browser send another host, so that is SEC306's (host header) concern.

## Why is this bad?
`https://yourbank.example/login?next=https://evil.example` looks trustworthy in an e-mail; after
logging in, the user lands on the attacker's copy of your site and types their password again.

## Example
```python
@app.post("/login")
def login():
    ...
    return redirect(request.args.get("next", "/"))
```
```javascript
app.post("/login", (req, res) => {
  // ...
  res.redirect(req.query.next || "/");
});
```

## Use instead
```python
from django.utils.http import url_has_allowed_host_and_scheme

def login(request):
    ...
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
```
```javascript
app.post("/login", (req, res) => {
  const next = String(req.query.next || "/");
  // A local path: one leading slash, not `//host` or `/\host`.
  if (!/^\/(?![\/\\])/.test(next)) return res.redirect("/");
  res.redirect(next);
});
```

## References
- [CWE-601: URL Redirection to Untrusted Site](https://cwe.mitre.org/data/definitions/601.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [OWASP Unvalidated Redirects Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html)
"#;
