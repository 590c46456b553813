//! SEC411 trust-boundary-violation: request data stored into the server-side session without
//! validation (Flask/Quart `session[...]`, Django and Starlette `request.session[...]`,
//! Express `req.session.x`, Koa `ctx.session.x`, Fastify `request.session.set(...)`).

use ba_analysis::Sink;
use ba_syntax::{Family, NodeExt};
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "SEC411",
    name: "trust-boundary-violation",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[501],
    owasp: Some("A04:2021 Insecure Design"),
    summary: "Request data is stored into the session without validation; later code trusts the session, so check the value (allow-list, pattern, type) before storing it.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_python_assignment,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_python_call,
        },
        // `sink = "session"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Session as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/bindings.scm",
            query: include_str!("../../../../queries/javascript/bindings.scm"),
            run: check_javascript_assignment,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript_call,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Session as u8 }>,
        },
    ],
};

/// Module-level session proxies.
const SESSION_OBJECTS: &[&str] = &["flask.session", "quart.session"];

/// Names a request (or context) object goes by in handlers: `request.session` (Django,
/// Starlette, Pyramid), `self.request.session` (class-based views), `req.session` (Express),
/// `ctx.session` (Koa).
const REQUEST_NAMES: &[&str] = &["request", "req", "self.request", "ctx", "context"];

/// Whether `node` is a session: `session` imported from Flask/Quart, or `<request>.session`.
fn is_session<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    let member = match checker.language.family() {
        Family::Python => "attribute",
        Family::JavaScript => "member_expression",
    };
    if node.kind_str() == member {
        if checker.member_name(node) != Some("session") {
            return false;
        }
        let object = node.field("object");
        if object.is_some_and(|o| REQUEST_NAMES.contains(&checker.text(o))) {
            return true;
        }
    }
    checker.language.family() == Family::Python
        && matches!(node.kind_str(), "identifier" | "attribute")
        && checker.text(node).ends_with("session")
        && checker
            .resolve(node)
            .is_some_and(|q| SESSION_OBJECTS.contains(&q.as_str()))
}

fn report<'a>(
    checker: &mut Checker<'a>,
    range: std::ops::Range<usize>,
    value: Node<'a>,
    key: Option<&str>,
) {
    let Some(taint) = checker.taint(value, Sink::Session).filter(|t| t.user) else {
        return;
    };
    if schema_validated(checker, &taint) {
        return;
    }
    // One finding per statement.
    if checker
        .findings()
        .iter()
        .any(|f| f.rule.code == RULE.code && f.range.start < range.end && range.start < f.range.end)
    {
        return;
    }
    let from = checker.describe(&taint);
    let slot = key
        .map(|k| format!("session key `{k}`"))
        .unwrap_or_else(|| "the session".to_owned());
    checker
        .report_range(
            range,
            format!(
                "{from} is stored in {slot} unchecked: code that later reads the session trusts it as the server's own; validate it first (an allow-list, a pattern, a type) or store an ID the server looked up"
            ),
        )
        .with_taint(&taint);
}

/// Whether the data is a handler parameter the framework validated against a declared type: a
/// Pydantic model or an `Enum` (FastAPI), not a bare `str`, `dict` or `Any`.
fn schema_validated(checker: &Checker<'_>, taint: &ba_analysis::taint::Taint) -> bool {
    if checker.language.family() != Family::Python {
        return false;
    }
    let Some(node) = checker
        .item
        .descendant_for_byte_range(taint.origin.start, taint.origin.end)
    else {
        return false;
    };
    let parameter = if node.kind_str() == "identifier" {
        match ba_analysis::ancestors(checker.item, node).pop() {
            Some(p) => p,
            None => return false,
        }
    } else {
        node
    };
    if !matches!(
        parameter.kind_str(),
        "typed_parameter" | "typed_default_parameter"
    ) {
        return false;
    }
    let Some(ty) = parameter.field("type") else {
        return false;
    };
    let text = checker.text(ty).trim();
    let base = text
        .trim_start_matches("Optional[")
        .trim_start_matches("Annotated[")
        .split([',', ']', '|', ' ', '['])
        .next()
        .unwrap_or("");
    base.starts_with(|c: char| c.is_ascii_uppercase())
        && !matches!(
            base,
            "Any" | "Dict" | "List" | "Mapping" | "Request" | "Json" | "Body" | "Form" | "Query"
        )
}

/// `session["k"] = v`, `request.session["k"] = v`.
fn check_python_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value), Some(assignment)) = (
        caps.get("target"),
        caps.get("value"),
        caps.get("assignment"),
    ) else {
        return;
    };
    if target.kind_str() != "subscript" {
        return;
    }
    let Some(object) = target.field("value") else {
        return;
    };
    if !is_session(checker, object) {
        return;
    }
    let key_node = target.field("subscript");
    let key = key_node.and_then(|k| checker.string_value(k));
    // `session[name] = "x"`: the client chooses which session entry the server writes, and
    // so what a later `session["is_admin"]` reads.
    if let Some(k) = key_node.filter(|_| key.is_none()) {
        if let Some(taint) = checker.taint(k, Sink::Session).filter(|t| t.user) {
            let from = checker.describe(&taint);
            checker
                .report_range(
                    assignment.byte_range(),
                    format!(
                        "{from} chooses the session key this statement writes: a client can then set any entry the code later trusts (`is_admin`, `user_id`); write fixed keys, or check the name against an allow-list"
                    ),
                )
                .with_taint(&taint);
            return;
        }
    }
    report(checker, assignment.byte_range(), value, key);
}

/// `session.update({...})`, `session.setdefault("k", v)`, `request.session.update(k=v)`.
fn check_python_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if func.kind_str() != "attribute" {
        return;
    }
    let method = checker.member_name(func);
    if !matches!(method, Some("update" | "setdefault" | "__setitem__")) {
        return;
    }
    let Some(object) = func.field("object") else {
        return;
    };
    if !is_session(checker, object) {
        return;
    }
    let arguments = checker.arguments(args);
    let values: Vec<Node<'a>> = if method == Some("update") {
        arguments
            .positional
            .iter()
            .copied()
            .chain(arguments.keywords.iter().filter_map(|k| k.field("value")))
            .collect()
    } else {
        arguments.positional.get(1).copied().into_iter().collect()
    };
    for value in values {
        report(checker, call.byte_range(), value, None);
    }
}

/// `req.session.user = v`, `req.session["k"] = v`, `ctx.session.cart = v`.
fn check_javascript_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    let object = match target.kind_str() {
        "member_expression" | "subscript_expression" => target.field("object"),
        _ => None,
    };
    let Some(object) = object else {
        return;
    };
    if !is_session(checker, object) {
        return;
    }
    let key = match target.kind_str() {
        "member_expression" => checker.member_name(target),
        _ => target.field("index").and_then(|k| checker.string_value(k)),
    };
    report(checker, target.start_byte()..value.end_byte(), value, key);
}

/// Fastify's `request.session.set("k", v)`; `Object.assign(req.session, req.body)`.
fn check_javascript_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if func.kind_str() != "member_expression" {
        return;
    }
    let arguments = checker.arguments(args);
    let method = checker.member_name(func);
    let Some(object) = func.field("object") else {
        return;
    };
    if method == Some("set") && is_session(checker, object) {
        if let Some(value) = arguments.positional.get(1).copied() {
            let key = arguments
                .positional
                .first()
                .and_then(|k| checker.string_value(*k));
            report(checker, call.byte_range(), value, key);
        }
    } else if method == Some("assign")
        && checker.text(object) == "Object"
        && arguments
            .positional
            .first()
            .is_some_and(|t| is_session(checker, *t))
    {
        for value in arguments.positional.iter().skip(1).copied() {
            report(checker, call.byte_range(), value, None);
        }
    }
}

const DOCS: &str = r#"## What it does
Flags request data stored into the server-side session without validation: Flask and Quart
`session["k"] = …` (and `session.update(…)`, `setdefault`), Django and Starlette
`request.session["k"] = …`, Express `req.session.k = …`, Koa `ctx.session.k = …`, Fastify
`request.session.set("k", …)` and `Object.assign(req.session, …)`.

Values that passed a check are not reported: an allow-list (`if lang not in LANGS: …`), a
pattern (`re.fullmatch`), a conversion (`int(…)`, `UUID(…)`), or an ID the server looked up
(`session["user_id"] = user.id` after checking the password).

## Why is this bad?
The session is the server's own state: code that reads it later trusts what it finds there
as something the server decided (the user's role, the cart's prices, where to redirect after
login, the display name rendered without escaping). Storing a client's value there unchecked
moves it across that trust boundary: a later `redirect(session["next"])`, a query that reads
`session["sort"]` or a template that renders `session["display_name"]` is exploitable even
though it reads no request data itself.

## Example
```python
@bp.post("/preferences")
def preferences():
    session["currency"] = request.form["currency"]
    session["next"] = request.args.get("next", "/")
    return redirect(url_for("home"))
```

## Use instead
```python
CURRENCIES = {"EUR", "USD", "GBP"}

@bp.post("/preferences")
def preferences():
    currency = request.form["currency"]
    if currency not in CURRENCIES:
        abort(400)
    session["currency"] = currency
    return redirect(url_for("home"))
```

## References
- [CWE-501: Trust Boundary Violation](https://cwe.mitre.org/data/definitions/501.html)
- [OWASP A04:2021 Insecure Design](https://owasp.org/Top10/A04_2021-Insecure_Design/)
- [OWASP Session Management Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html)
"#;
