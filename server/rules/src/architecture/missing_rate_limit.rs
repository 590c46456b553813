//! ARC206 missing-rate-limit: login, sign-up, token and password routes without a rate limiter.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, routes};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "ARC206",
    name: "missing-rate-limit",
    category: Category::Architecture,
    severity: Severity::Warning,
    cwe: &[307],
    owasp: None,
    summary: "A login, sign-up, token or password route has no rate limiter, so passwords and codes can be guessed at full speed; limit attempts per client (slowapi/flask-limiter `@limiter.limit`, express-rate-limit).",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/decorators.scm",
            query: include_str!("../../../../queries/python/decorators.scm"),
            run: check_python,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

/// What a path segment says the route does, if it guards credentials.
fn sensitive(path: &str) -> Option<&'static str> {
    // `/tokens/count`, `/chat/tokens/usage`: a language model's tokens, counted or priced, not
    // credentials.
    let model_tokens = path.split('/').any(|s| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "count"
                | "counts"
                | "usage"
                | "estimate"
                | "tokenize"
                | "tokenizer"
                | "cost"
                | "pricing"
        )
    });
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let lower = seg.to_ascii_lowercase().replace(['-', '_', '.'], "");
        let what = match lower.as_str() {
            "login" | "signin" | "logon" | "authenticate" => "sign-in",
            "signup" | "register" | "registration" => "sign-up",
            "token" | "tokens" if !model_tokens => "token",
            "otp" | "mfa" | "2fa" | "verifycode" | "verifyotp" | "magiclink" => "one-time code",
            s if s.contains("password") => "password",
            _ => continue,
        };
        return Some(what);
    }
    None
}

/// Whether text names a rate limiter: `@limiter.limit(…)`, `@ratelimit(…)`,
/// `Depends(RateLimiter(…))`, `loginLimiter`, `rateLimit({…})`, `throttle`, `slowDown`.
fn names_limiter(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("limit") || t.contains("throttl") || t.contains("slowdown") || t.contains("brute")
}

/// Whether a module-level statement applies a limiter to every route: slowapi/flask-limiter
/// `default_limits`, `SlowAPIMiddleware`, `app.use(rateLimit(…))`. Module-level statements
/// are part of the engine's cache context, so reading them is safe.
fn file_wide_limiter(checker: &Checker) -> bool {
    let Some(root) = checker.item.parent() else {
        return false;
    };
    named_children(root).into_iter().any(|stmt| {
        if !matches!(
            stmt.kind_str(),
            "expression_statement" | "lexical_declaration" | "variable_declaration"
        ) {
            return false;
        }
        let text = checker.text(stmt);
        if text.contains("default_limits")
            || text.contains("SlowAPIMiddleware")
            || text.contains("application_limits")
        {
            return true;
        }
        // `app.use(limiter)` / `router.use(rateLimit({…}))` without a path: every route after
        // it. (`app.use(express.json({ limit }))` is not a limiter; a limiter mounted on a path
        // such as `app.use("/api/admin", limiter)` guards that path only.)
        let Some(call) = stmt
            .named_child(0)
            .filter(|c| c.kind_str() == "call_expression")
        else {
            return false;
        };
        let is_use = call
            .field("function")
            .and_then(|f| f.field("property"))
            .is_some_and(|p| checker.text(p) == "use");
        let args = call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default();
        is_use
            && args.first().is_none_or(|a| a.kind_str() != "string")
            && args.iter().any(|a| js_limiter_argument(checker, *a))
    })
}

fn report<'a>(
    checker: &mut Checker<'a>,
    path_node: Node<'a>,
    path: &str,
    what: &str,
    framework: routes::Framework,
    fastify: bool,
) {
    let how = limiter_for(checker, framework, fastify);
    checker.report(path_node, format!(
        "the {what} route `{path}` has no rate limiter in sight, so an attacker can try passwords or codes as fast as the server answers; limit attempts per client and account ({how})"
    ));
}

/// The limiter of the route's own framework, as the message suggests it: a Flask app is not
/// told about an Express middleware.
fn limiter_for(checker: &Checker, framework: routes::Framework, fastify: bool) -> &'static str {
    let uses = |packages: &[&str]| routes::imports_from(checker.semantic, packages);
    match framework {
        routes::Framework::Flask => "`@limiter.limit(\"5/minute\")` with Flask-Limiter",
        routes::Framework::FastApi => {
            "`@limiter.limit(\"5/minute\")` with slowapi, or `Depends(RateLimiter(times=5, seconds=60))` with fastapi-limiter"
        }
        routes::Framework::Django => {
            "`@ratelimit(key=\"ip\", rate=\"5/m\")` with django-ratelimit, or DRF throttle classes"
        }
        routes::Framework::Node if fastify || uses(&["fastify"]) => {
            "the @fastify/rate-limit plugin, `config: { rateLimit: { max: 5, timeWindow: \"1 minute\" } }` on the route"
        }
        routes::Framework::Node if uses(&["koa", "koa-router", "@koa/router"]) => {
            "koa-ratelimit middleware on the route"
        }
        routes::Framework::Node => {
            "express-rate-limit middleware on the route: `rateLimit({ windowMs: 60_000, limit: 5 })`"
        }
    }
}

fn accepts_post(route: &routes::Route) -> bool {
    route.methods.is_empty() || route.has_method("POST") || route.has_method("PUT")
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(decorator), Some(definition)) = (caps.get("decorator"), caps.get("definition"))
    else {
        return;
    };
    let Some(route) = routes::python_decorator(decorator, checker.source, checker.semantic) else {
        return;
    };
    let (Some(path), Some(path_node)) = (route.path.as_deref(), route.path_node) else {
        return;
    };
    let Some(what) = sensitive(path) else {
        return;
    };
    if !accepts_post(&route) {
        return;
    }
    // The decorators of the same function (`@limiter.limit`), its dependencies
    // (`dependencies=[Depends(RateLimiter(…))]`) and parameters (`_: None = Depends(limit)`).
    let params = definition
        .field("parameters")
        .map(|p| checker.text(p))
        .unwrap_or("");
    if names_limiter(preceding_decorators(checker, definition))
        || names_limiter(params)
        || body_calls_limiter(checker, definition)
    {
        return;
    }
    if file_wide_limiter(checker) {
        return;
    }
    let framework = route.framework;
    report(checker, path_node, path, what, framework, false);
}

/// Whether the handler asks a limiter itself (`if await signin_rate_limiter.is_limited(redis,
/// email): raise HTTPException(429)`, `await limiter.consume(req.ip)`): a call whose callee
/// names a rate limiter or a throttle (a query's `.limit(10)` does not).
fn body_calls_limiter(checker: &Checker, function: Node) -> bool {
    let Some(body) = function.field("body") else {
        return false;
    };
    let mut stack = vec![body];
    let mut budget = 20_000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        if matches!(n.kind_str(), "call" | "call_expression") {
            let callee = n
                .field("function")
                .map(|f| checker.text(f).to_ascii_lowercase())
                .unwrap_or_default();
            if [
                "limiter",
                "rate_limit",
                "ratelimit",
                "throttl",
                "is_limited",
                "brute",
            ]
            .iter()
            .any(|w| callee.contains(w))
            {
                return true;
            }
        }
        stack.extend(ba_analysis::named_children(n));
    }
    false
}

/// The text of the decorators of `definition` itself (not of its class, nor of other methods
/// before it: each route is judged on its own).
fn preceding_decorators<'a>(checker: &Checker<'a>, definition: Node<'a>) -> &'a str {
    let path = ba_analysis::ancestors(checker.item, definition);
    match path
        .last()
        .filter(|p| p.kind_str() == "decorated_definition")
    {
        Some(decorated) => &checker.source[decorated.start_byte()..definition.start_byte()],
        None => "",
    }
}

/// Whether an argument of `x.use(…)` is a limiter: a name or call that names one
/// (`loginLimiter`, `rateLimit({…})`, `slowDown(…)`), not an options object that happens to
/// have a `limit` (`express.json({ limit: "1mb" })`).
fn js_limiter_argument(checker: &Checker, arg: Node) -> bool {
    match arg.kind_str() {
        "identifier" | "member_expression" => names_limiter(checker.text(arg)),
        "call_expression" => arg
            .field("function")
            .is_some_and(|f| names_limiter(checker.text(f))),
        _ => false,
    }
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    let Some(route) = routes::js_route(call, checker.source) else {
        return;
    };
    let (Some(path), Some(path_node)) = (route.route.path.as_deref(), route.route.path_node) else {
        return;
    };
    let Some(what) = sensitive(path) else {
        return;
    };
    if !accepts_post(&route.route) {
        return;
    }
    // Middleware in the route's chain: every argument before the last handler.
    let args = call
        .field("arguments")
        .map(named_children)
        .unwrap_or_default();
    let chain_has_limiter = args
        .iter()
        .filter(|a| !routes::is_js_function(a.kind_str()))
        .any(|a| names_limiter(checker.text(*a)))
        || args
            .iter()
            .filter(|a| routes::is_js_function(a.kind_str()))
            .any(|f| body_calls_limiter(checker, *f));
    if chain_has_limiter || file_wide_limiter(checker) {
        return;
    }
    // `router.route("/login").post(…)`: one report for the path, on its first method.
    let own_argument = call
        .field("arguments")
        .is_some_and(|a| a.byte_range().contains(&path_node.start_byte()));
    let on_route_call = call
        .field("function")
        .and_then(|f| f.field("object"))
        .and_then(|o| o.field("function"))
        .and_then(|f| f.field("property"))
        .is_some_and(|p| checker.text(p) == "route");
    if !own_argument && !on_route_call {
        return;
    }
    let framework = route.route.framework;
    // A Fastify plugin (`async function routes(fastify) { fastify.post(…) }`) imports nothing.
    let fastify_receiver = call
        .field("function")
        .and_then(|f| f.field("object"))
        .is_some_and(|o| checker.text(o) == "fastify");
    report(checker, path_node, path, what, framework, fastify_receiver);
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags routes that take credentials or one-time codes (a path segment such as `login`,
`signin`, `signup`, `register`, `token`, `otp`, `mfa`, or one containing `password`; not a
language model's tokens counted or priced, `/tokens/count`) and accept POST, when no rate
limiter is in sight (a call the handler makes to one, `limiter.is_limited(…)`, counts):
- Python (FastAPI, Flask): no decorator of the handler, dependency or parameter names a limiter
  (`@limiter.limit(…)` from slowapi or flask-limiter, `@ratelimit(…)`,
  `Depends(RateLimiter(…))` from fastapi-limiter), and no module-level `Limiter(…,
  default_limits=…)` or `SlowAPIMiddleware`;
- JavaScript (Express, Fastify, Koa routers): no middleware in the route's chain names a limiter
  (`loginLimiter`, `rateLimit({…})`, `slowDown(…)`, `brute.prevent`), and no module-level
  `app.use(…limiter…)`.

The rule sees one file: a limiter applied in another file (a gateway, `app.use` in the entry
point, DRF `DEFAULT_THROTTLE_CLASSES` in settings) is not visible, so Django views are not
judged. Suppress the finding where a limiter upstream covers the route.

## Why is this bad?
Without a limit, an attacker can try thousands of passwords per minute against one account
(brute force) or one password against many (credential stuffing), enumerate accounts through
sign-up and password-reset responses, and guess six-digit codes in minutes. Password hashing
makes each attempt expensive for the server too, so the same traffic is also a denial of
service.

## Example
```python
@app.post("/login")
def login(form: OAuth2PasswordRequestForm = Depends()):
    ...
```

```javascript
router.post("/login", async (req, res) => { /* … */ });
```

## Use instead
```python
limiter = Limiter(key_func=get_remote_address)

@app.post("/login")
@limiter.limit("5/minute")
def login(request: Request, form: OAuth2PasswordRequestForm = Depends()):
    ...
```

```javascript
const rateLimit = require("express-rate-limit");
const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10 });

router.post("/login", loginLimiter, async (req, res) => { /* … */ });
```

## References
- [CWE-307: Improper Restriction of Excessive Authentication Attempts](https://cwe.mitre.org/data/definitions/307.html)
- [OWASP API4:2023 Unrestricted Resource Consumption](https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/)
- [OWASP Authentication Cheat Sheet: login throttling](https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling)
- [slowapi](https://slowapi.readthedocs.io/) · [Flask-Limiter](https://flask-limiter.readthedocs.io/) · [express-rate-limit](https://express-rate-limit.mintlify.app/)
"#;
