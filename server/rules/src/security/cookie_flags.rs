//! SEC412 cookie-without-flags: any cookie (not only session and auth cookies, which SEC403
//! judges) set with `secure=False`, or with none of `Secure`, `HttpOnly` and `SameSite`.

use ba_syntax::{Family, NodeExt};

use super::{imports_any, insecure_cookie, settings};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};

pub static RULE: Rule = Rule {
    code: "SEC412",
    name: "cookie-without-flags",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[614, 1004, 1275],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "A cookie is set with `secure=False`, or with none of `secure`, `httponly` and `samesite`; set `secure=True` and a `samesite` policy (and `httponly=True` unless page scripts must read it).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
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
    ],
};

/// JavaScript: a cookie whose options turn `secure` off on purpose (`res.cookie(name, value,
/// { secure: false })`, Koa's `ctx.cookies.set`, Fastify's `reply.setCookie`). Session and auth
/// cookies are SEC403's; cookies set without options are not judged here (Express leaves the
/// flags to the deployment's proxy and middleware more often than not).
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    use super::missing_security_headers::{js_args, Props};
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "member_expression" || settings::is_non_production_file(checker.path) {
        return;
    }
    if insecure_cookie::js_cookie_setter(checker, func).is_none() {
        return;
    }
    let args = js_args(args_node);
    let (Some(name), Some(options)) = (
        args.first().and_then(|n| checker.string_value(*n)),
        args.get(2).filter(|o| o.kind_str() == "object"),
    ) else {
        return;
    };
    if insecure_cookie::is_sensitive(name) {
        return;
    }
    let props = Props::of(checker, *options);
    let Some(secure) = props.get("secure").filter(|v| v.kind_str() == "false") else {
        return;
    };
    checker
        .report(
            secure,
            format!("cookie `{name}` is set with `secure: false`: browsers also send it over plain HTTP, where anyone on the network can read or change it; set `secure: true` (and a `sameSite` policy)"),
        )
        .with_fix(
            "Set `secure: true`",
            Applicability::Unsafe,
            vec![Edit {
                range: secure.byte_range(),
                content: "true".to_owned(),
            }],
        );
}

/// Cookie setters: Flask/Werkzeug/Quart, Django, Starlette/FastAPI and aiohttp `set_cookie`,
/// Django's `set_signed_cookie`, Tornado's `set_cookie`/`set_signed_cookie`/`set_secure_cookie`,
/// Bottle's `set_cookie`.
const SETTERS: &[&str] = &["set_cookie", "set_signed_cookie", "set_secure_cookie"];

/// `set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)` in
/// Werkzeug, Django and Starlette; the other frameworks take the flags as keywords only.
const SECURE_AT: usize = 6;
const HTTPONLY_AT: usize = 7;
const SAMESITE_AT: usize = 8;

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "attribute" {
        return;
    }
    let Some(method) = checker.member_name(func).filter(|m| SETTERS.contains(m)) else {
        return;
    };
    let args = checker.arguments(args_node);
    // `**options` may carry the flags; a call with no value is not a cookie being set.
    if args.positional.len() < 2 && args.get(1, "value", checker.source).is_none()
        || args
            .positional
            .iter()
            .chain(&args.keywords)
            .any(|a| a.kind_str() == "dictionary_splat")
    {
        return;
    }
    let name = args
        .get(0, "key", checker.source)
        .or_else(|| args.keyword("name", checker.source))
        .and_then(|k| checker.string_value(k));
    // Session and auth cookies are SEC403's.
    if name.is_some_and(insecure_cookie::is_sensitive) {
        return;
    }
    // Falcon's `resp.set_cookie` is secure and HttpOnly unless told otherwise.
    let falcon = imports_any(checker, &["falcon"]);
    let flag = |at: usize, keyword: &str| {
        let by_position = if method == "set_cookie" && !falcon {
            args.positional.get(at).copied()
        } else {
            None
        };
        by_position.or_else(|| args.keyword(keyword, checker.source))
    };
    let secure = flag(SECURE_AT, "secure");
    let httponly = flag(HTTPONLY_AT, "httponly").or_else(|| flag(usize::MAX, "http_only"));
    let samesite = flag(SAMESITE_AT, "samesite").or_else(|| flag(usize::MAX, "same_site"));
    let off = secure.filter(|v| matches!(v.kind_str(), "false" | "none"));
    if off.is_none() && (falcon || secure.is_some() || httponly.is_some() || samesite.is_some()) {
        return;
    }
    if settings::place(checker, func).non_production {
        return;
    }
    let shown = name
        .map(|n| format!("cookie `{n}`"))
        .unwrap_or_else(|| "this cookie".to_owned());
    let Some(last) = args
        .positional
        .iter()
        .chain(&args.keywords)
        .max_by_key(|a| a.end_byte())
        .copied()
    else {
        return;
    };
    if let Some(value) = off {
        let mut edits = vec![Edit {
            range: value.byte_range(),
            content: "True".into(),
        }];
        let mut title = "Set `secure=True`";
        if samesite.is_none() {
            title = "Set `secure=True` and `samesite=\"Lax\"`";
            edits.push(Edit {
                range: last.end_byte()..last.end_byte(),
                content: ", samesite=\"Lax\"".into(),
            });
        }
        checker
            .report(
                value,
                format!("{shown} is set with `secure=False`: browsers also send it over plain HTTP, where anyone on the network can read or replace it; set `secure=True` (serve the site over HTTPS)"),
            )
            .with_fix(title, Applicability::Unsafe, edits);
        return;
    }
    checker
        .report(
            func,
            format!("{shown} is set without `secure`, `httponly` or `samesite`: it travels over plain HTTP, page scripts can read it and it rides along on cross-site requests; add `secure=True, samesite=\"Lax\"` (and `httponly=True` unless page scripts must read it)"),
        )
        .with_fix(
            "Add `secure=True, samesite=\"Lax\"`",
            Applicability::Unsafe,
            vec![Edit {
                range: last.end_byte()..last.end_byte(),
                content: ", secure=True, samesite=\"Lax\"".into(),
            }],
        );
}

const DOCS: &str = r#"## What it does
Flags cookies set with `secure=False`, or with none of the `secure`, `httponly` and `samesite`
flags, in Flask/Werkzeug/Quart, Django, Starlette/FastAPI, aiohttp, Tornado and Bottle
(`set_cookie`, `set_signed_cookie`, `set_secure_cookie`). Session, login and token cookies are
judged more strictly by SEC403 (`insecure-cookie`); this rule covers every other cookie: device
IDs, carts, preferences, tracking IDs. Falcon's `set_cookie`, which is secure and HttpOnly by
default, is reported only with `secure=False`. Calls that pass `**options` are not reported.
In JavaScript, cookies set with `secure: false` in their options (Express `res.cookie`, Koa
`ctx.cookies.set`, Fastify `reply.setCookie`); cookies set without options are not judged.

## Why is this bad?
Without `Secure`, the browser also sends the cookie over plain HTTP, where anyone on the
network can read it, and an active attacker can set or replace it (a planted cart or device ID
is a session-fixation foothold). Without `SameSite`, it rides along on cross-site requests;
without `HttpOnly`, any XSS bug can read it. Writing `secure=False` in code that runs in
production switches the protection off for every user.

## Example
```python
@bp.post("/remember-device")
def remember_device():
    resp = make_response("", 204)
    resp.set_cookie("device", new_device_id(), max_age=30 * 24 * 3600)
    return resp
```

## Use instead
```python
@bp.post("/remember-device")
def remember_device():
    resp = make_response("", 204)
    resp.set_cookie("device", new_device_id(), max_age=30 * 24 * 3600,
                    secure=True, httponly=True, samesite="Lax")
    return resp
```

## References
- [CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute](https://cwe.mitre.org/data/definitions/614.html)
- [CWE-1004: Sensitive Cookie Without 'HttpOnly' Flag](https://cwe.mitre.org/data/definitions/1004.html)
- [CWE-1275: Sensitive Cookie with Improper SameSite Attribute](https://cwe.mitre.org/data/definitions/1275.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [MDN: Set-Cookie](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie)
"#;
