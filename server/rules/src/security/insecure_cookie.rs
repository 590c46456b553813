//! SEC403 insecure-cookie: session and auth cookies without `Secure`/`HttpOnly`.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC403",
    name: "insecure-cookie",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[614, 1004],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "A session or auth cookie is set without `Secure` or `HttpOnly`; set `secure=True`, `httponly=True` and a `samesite` policy.",
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

/// Settings that weaken the framework's own cookies.
const SETTING_NAMES: &[&str] = &[
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "REMEMBER_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
];

/// What a weak value of the setting `name` means for its cookie.
fn consequence(name: &str) -> String {
    let cookie = match name.split('_').next() {
        Some("CSRF") => "CSRF",
        Some("REMEMBER") => "remember-me",
        _ => "session",
    };
    if name.ends_with("_SECURE") {
        format!("the {cookie} cookie is also sent over plain HTTP, where anyone on the network can read it")
    } else if name.ends_with("_HTTPONLY") {
        format!("page scripts, and so any XSS bug, can read the {cookie} cookie")
    } else {
        format!("the {cookie} cookie has no `SameSite` attribute and rides along on cross-site requests")
    }
}

fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    if let Some(setting) = settings::assigned(checker, caps, SETTING_NAMES) {
        report_setting(checker, setting);
    }
}

fn report_setting<'a>(checker: &mut Checker<'a>, setting: settings::Setting<'a>) {
    let samesite = setting.name.ends_with("_SAMESITE");
    let weak = match setting.value.kind_str() {
        "false" => true,
        "none" => samesite,
        _ => false,
    };
    if !weak {
        return;
    }
    let snippet = super::callee(checker.text(setting.node));
    let advice = if samesite {
        "set it to `\"Lax\"` (or `\"Strict\"`)"
    } else {
        "set it to `True`"
    };
    let consequence = consequence(setting.name);
    checker.report(
        setting.node,
        format!("`{snippet}`: {consequence}; {advice}"),
    );
}

/// Words in a cookie name that mark a session, login or token cookie.
const SENSITIVE: &[&str] = &[
    "session", "token", "auth", "jwt", "remember", "csrf", "xsrf", "refresh", "access",
];

pub(crate) fn is_sensitive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE.iter().any(|w| lower.contains(w))
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| part.ends_with("sid"))
}

/// `set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)`: the same
/// positions in Flask/Werkzeug, Django and Starlette.
const SECURE_AT: usize = 6;
const HTTPONLY_AT: usize = 7;
const SAMESITE_AT: usize = 8;

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    for setting in settings::updated(checker, caps, SETTING_NAMES) {
        report_setting(checker, setting);
    }
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "attribute"
        || func
            .field("attribute")
            .is_none_or(|a| checker.text(a) != "set_cookie")
    {
        return;
    }
    let args = checker.arguments(args_node);
    let Some(name) = args
        .get(0, "key", checker.source)
        .and_then(|k| checker.string_value(k))
    else {
        return;
    };
    // `**options` may carry the flags.
    if !is_sensitive(name)
        || args
            .positional
            .iter()
            .any(|a| a.kind_str() == "dictionary_splat")
        || settings::place(checker, func).non_production
    {
        return;
    }
    // A CSRF token cookie is read by page scripts on purpose (double-submit): it needs `Secure`
    // only.
    let csrf = ["csrf", "xsrf"]
        .iter()
        .any(|w| name.to_ascii_lowercase().contains(w));
    let flag = |at: usize, keyword: &str| args.get(at, keyword, checker.source);
    let mut missing: Vec<(&str, Option<Node>)> = Vec::new();
    for (at, keyword) in [(SECURE_AT, "secure"), (HTTPONLY_AT, "httponly")] {
        if keyword == "httponly" && csrf {
            continue;
        }
        match flag(at, keyword) {
            None => missing.push((keyword, None)),
            Some(v) if matches!(v.kind_str(), "false" | "none") => missing.push((keyword, Some(v))),
            Some(_) => {}
        }
    }
    if missing.is_empty() {
        return;
    }
    let flags = missing
        .iter()
        .map(|(k, _)| format!("`{k}=True`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let risk = match (
        missing.iter().any(|(k, _)| *k == "secure"),
        missing.iter().any(|(k, _)| *k == "httponly"),
    ) {
        (true, true) => "it is also sent over plain HTTP, and page scripts (any XSS) can read it",
        (true, false) => "it is also sent over plain HTTP, where anyone on the network can read it",
        _ => "page scripts, and so any XSS bug, can read it",
    };
    // `False` becomes `True`; absent flags (and `samesite="Lax"` when there is no policy) are
    // appended after the last argument.
    let mut edits = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let mut appended = Vec::new();
    for (keyword, value) in &missing {
        added.push(format!("`{keyword}=True`"));
        match value {
            Some(v) => edits.push(Edit {
                range: v.byte_range(),
                content: "True".into(),
            }),
            None => appended.push(format!("{keyword}=True")),
        }
    }
    if flag(SAMESITE_AT, "samesite").is_none() {
        added.push("`samesite=\"Lax\"`".into());
        appended.push("samesite=\"Lax\"".into());
    }
    let last = args
        .positional
        .iter()
        .chain(&args.keywords)
        .max_by_key(|a| a.end_byte());
    if let (Some(last), false) = (last, appended.is_empty()) {
        edits.push(Edit {
            range: last.end_byte()..last.end_byte(),
            content: format!(", {}", appended.join(", ")),
        });
    }
    checker
        .report(
            func,
            format!(
                "cookie `{name}` is set without {flags}: {risk}; add {} (and a `samesite` policy)",
                if missing.len() == 1 { "it" } else { "them" }
            ),
        )
        .with_fix(
            format!("Set {}", added.join(", ")),
            Applicability::Unsafe,
            edits,
        );
}

/// The flags `res.cookie` needs, with the value the fix writes.
const JS_FLAGS: &[(&str, &str)] = &[
    ("httpOnly", "true"),
    ("secure", "true"),
    ("sameSite", "\"lax\""),
];
const SESSION_MIDDLEWARE: &[&str] = &["express-session", "cookie-session", "koa-session"];

/// Express `res.cookie(name, value, options)` (and Fastify `reply.setCookie`, Koa
/// `ctx.cookies.set`), and the `express-session` / `cookie-session` options.
/// Whether the member call `func` sets a cookie: Express `res.cookie`, Fastify
/// `reply.setCookie` (`Some(false)`) or Koa `ctx.cookies.set` (`Some(true)`).
pub(crate) fn js_cookie_setter(checker: &Checker, func: Node) -> Option<bool> {
    let property = checker.text(func.field("property")?);
    let koa = property == "set"
        && func
            .field("object")
            .filter(|o| o.kind_str() == "member_expression")
            .and_then(|o| o.field("property"))
            .is_some_and(|p| checker.text(p) == "cookies");
    (koa || matches!(property, "cookie" | "setCookie")).then_some(koa)
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" || settings::is_non_production_file(checker.path) {
        return;
    }
    if let Some(module) = checker.resolve_callee(func, SESSION_MIDDLEWARE) {
        check_session_middleware(checker, &module, args_node);
        return;
    }
    if func.kind_str() != "member_expression" {
        return;
    }
    // Koa's `ctx.cookies.set(name, value, options)` (the `cookies` package): `httpOnly` is on
    // unless turned off; `secure` and `sameSite` are off unless set.
    let Some(koa) = js_cookie_setter(checker, func) else {
        return;
    };
    let args = js_args(args_node);
    let (Some(name), Some(value)) = (
        args.first().and_then(|n| checker.string_value(*n)),
        args.get(1),
    ) else {
        return;
    };
    if !is_sensitive(name) {
        return;
    }
    // `ctx.cookies.set("session", null)` deletes the cookie.
    if koa && matches!(value.kind_str(), "null" | "undefined") {
        return;
    }
    let csrf = ["csrf", "xsrf"]
        .iter()
        .any(|w| name.to_ascii_lowercase().contains(w));
    let options = args.get(2).copied();
    let props = match options {
        None => None,
        Some(o) if o.kind_str() == "object" => {
            let props = Props::of(checker, o);
            if props.opaque {
                return;
            }
            Some(props)
        }
        // Options from a variable or a call: not judged.
        Some(_) => return,
    };
    // (flag, the `false` to replace, if any)
    let mut missing: Vec<(&str, &str, Option<Node>)> = Vec::new();
    for (flag, good) in JS_FLAGS {
        if *flag == "httpOnly" && csrf {
            continue;
        }
        match props.as_ref().and_then(|p| p.get(flag)) {
            None if koa && *flag == "httpOnly" => {}
            None => missing.push((flag, good, None)),
            Some(v) if v.kind_str() == "false" => missing.push((flag, good, Some(v))),
            Some(_) => {}
        }
    }
    if missing.is_empty() {
        return;
    }
    let names = missing
        .iter()
        .map(|(f, ..)| format!("`{f}`"))
        .collect::<Vec<_>>();
    let names = match names.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => return,
    };
    let mut risks = Vec::new();
    if missing.iter().any(|(f, ..)| *f == "secure") {
        risks.push("it is also sent over plain HTTP");
    }
    if missing.iter().any(|(f, ..)| *f == "httpOnly") {
        risks.push("page scripts (any XSS) can read it");
    }
    if missing.iter().any(|(f, ..)| *f == "sameSite") {
        risks.push("it rides along on cross-site requests");
    }
    let risk = match risks.as_slice() {
        [rest @ .., last] if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => risks.join(""),
    };
    let wanted = missing
        .iter()
        .map(|(f, g, _)| format!("{f}: {g}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut edits = Vec::new();
    let mut appended = Vec::new();
    for (flag, good, value) in &missing {
        match value {
            Some(v) => edits.push(Edit {
                range: v.byte_range(),
                content: (*good).into(),
            }),
            None => appended.push(format!("{flag}: {good}")),
        }
    }
    if !appended.is_empty() {
        let added = appended.join(", ");
        match (options, props.as_ref().and_then(|p| p.pairs.last())) {
            (Some(_), Some((.., last))) => edits.push(Edit {
                range: last.end_byte()..last.end_byte(),
                content: format!(", {added}"),
            }),
            (Some(o), None) => edits.push(Edit {
                range: o.byte_range(),
                content: format!("{{ {added} }}"),
            }),
            (None, _) => edits.push(Edit {
                range: value.end_byte()..value.end_byte(),
                content: format!(", {{ {added} }}"),
            }),
        }
    }
    let title = format!(
        "Set {}",
        missing
            .iter()
            .map(|(f, g, _)| format!("`{f}: {g}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    checker
        .report(
            func,
            format!("cookie `{name}` is set without {names}: {risk}; add `{wanted}`"),
        )
        .with_fix(title, Applicability::Safe, edits);
}

/// `session({ cookie: { secure: false } })` and `cookieSession({ secure: false })`; Koa's
/// `session({ httpOnly: false }, app)` takes the cookie options flat, like `cookie-session`.
fn check_session_middleware<'a>(checker: &mut Checker<'a>, module: &str, args: Node<'a>) {
    let Some(options) = js_args(args)
        .first()
        .copied()
        .filter(|o| o.kind_str() == "object")
    else {
        return;
    };
    let props = Props::of(checker, options);
    let cookie = if module == "express-session" {
        match props.get("cookie").filter(|c| c.kind_str() == "object") {
            Some(c) => Props::of(checker, c),
            None => return,
        }
    } else {
        props
    };
    for (flag, consequence) in [
        ("secure", "the session cookie is also sent over plain HTTP, where anyone on the network can read it"),
        ("httpOnly", "page scripts, and so any XSS bug, can read the session cookie"),
    ] {
        let (Some(value), Some(pair)) = (cookie.get(flag), cookie.pair(flag)) else {
            continue;
        };
        if value.kind_str() != "false" {
            continue;
        }
        checker
            .report(pair, format!("`{module}` with `{flag}: false`: {consequence}; set it to `true`"))
            .with_fix(
                format!("Set `{flag}: true`"),
                Applicability::Unsafe,
                vec![Edit {
                    range: value.byte_range(),
                    content: "true".into(),
                }],
            );
    }
}

const DOCS: &str = r#"## What it does
Flags cookies that carry sessions, logins or tokens without the browser protections:

- `set_cookie(name, value, …)` on a Flask/Werkzeug, Django or Starlette response when the
  cookie's name looks sensitive (it contains `session`, `sid`, `token`, `auth`, `jwt`,
  `remember`, `csrf`, `refresh` or `access`) and `secure=True` or `httponly=True` is missing or
  `False`. The message names the missing flags. A CSRF token cookie needs only `secure=True`:
  the double-submit pattern has page scripts read it.
- Settings that turn the framework's protections off: `SESSION_COOKIE_SECURE = False`,
  `CSRF_COOKIE_SECURE = False`, `REMEMBER_COOKIE_SECURE = False` (Flask-Login),
  `SESSION_COOKIE_HTTPONLY = False`, `REMEMBER_COOKIE_HTTPONLY = False`, and
  `SESSION_COOKIE_SAMESITE` / `CSRF_COOKIE_SAMESITE` set to `None` or `False`, as module
  settings, in config classes, or through `app.config[...]` / `app.config.update(...)`.

- Express `res.cookie(name, value, options)` (and Fastify `reply.setCookie`) with a sensitive
  name when `httpOnly`, `secure` or `sameSite` is missing or `false` (a CSRF cookie needs no
  `httpOnly`); `express-session` with `cookie: { secure: false }` or `httpOnly: false`, and
  `cookie-session` or `koa-session` with `secure: false` or `httpOnly: false`. Koa's
  `ctx.cookies.set(name, value, options)` likewise when `secure` or `sameSite` is missing or
  `false`, or `httpOnly: false` (Koa's cookies are `HttpOnly` unless told otherwise);
  `ctx.cookies.set(name, null)` deletes a cookie and is not reported.

Cookies with non-sensitive names (`theme`, `lang`), cookies with every flag, flags passed as
expressions (`secure=not app.debug`), `**options`, and development or test settings and test
code are not reported.

## Why is this bad?
Without `Secure`, the browser also sends the cookie over plain HTTP: one request on hotel Wi-Fi
(or a forced `http://` redirect) hands the session to whoever listens. Without `HttpOnly`, any
script on the page, including one injected through an XSS bug, can read the cookie and send it
away. Without `SameSite`, the cookie rides along on requests other sites trigger (CSRF).

## Example
```python
@app.post("/login")
def login():
    resp = make_response(redirect("/"))
    resp.set_cookie("session_token", issue_token(current_user))
    return resp
```
```python
# settings.py
SESSION_COOKIE_SECURE = False
```

```javascript
app.post("/login", (req, res) => {
  res.cookie("session_token", issueToken(req.user));
  res.redirect("/");
});
```

## Use instead
```python
@app.post("/login")
def login():
    resp = make_response(redirect("/"))
    resp.set_cookie("session_token", issue_token(current_user),
                    secure=True, httponly=True, samesite="Lax")
    return resp
```
```python
# settings.py
SESSION_COOKIE_SECURE = True
```

```javascript
res.cookie("session_token", issueToken(req.user), { httpOnly: true, secure: true, sameSite: "lax" });
```

## Fix
For `set_cookie`, the missing `secure=True` / `httponly=True` (and `samesite="Lax"` when no
`samesite` is given) are added, or `False` is replaced by `True`. It is unsafe: over plain HTTP
(local development without TLS) the browser then no longer sends the cookie, and scripts that
read it stop working.

For Express `res.cookie`, the missing `httpOnly: true`, `secure: true` and `sameSite: "lax"` are
added to the options object (or as a new options argument), and `false` becomes `true`. This
fix is offered as safe, as the product decided for Express (issue #6): session cookies set by
`res.cookie` are meant for HTTPS deployments. For `express-session` / `cookie-session`,
`secure: false` / `httpOnly: false` become `true` as an unsafe fix (sessions stop working over
plain HTTP).

## References
- [CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute](https://cwe.mitre.org/data/definitions/614.html)
- [CWE-1004: Sensitive Cookie Without 'HttpOnly' Flag](https://cwe.mitre.org/data/definitions/1004.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Flask: Set-Cookie options](https://flask.palletsprojects.com/en/stable/security/#set-cookie-options)
- [Django: `SESSION_COOKIE_SECURE`](https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure)
- [Express: `res.cookie`](https://expressjs.com/en/4x/api.html#res.cookie)
- [express-session: `cookie` options](https://github.com/expressjs/session#cookie)
- [Koa: `ctx.cookies.set`](https://koajs.com/#ctx-cookies-set-name-value-options) and its
  [`cookies` options](https://github.com/pillarjs/cookies#cookiesset-name--value---options--)
- [MDN: `Set-Cookie`](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie)
"#;
