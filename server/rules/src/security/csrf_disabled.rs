//! SEC307 csrf-disabled: CSRF protection switched off for a view or the whole app.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{calls_in, configuring_scope, imports_any, js_args, Props};
use super::settings;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::named_children;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC307",
    name: "csrf-disabled",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[352],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "CSRF protection is switched off; keep it on, and verify a signature where a view must accept cross-site posts (webhooks).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/decorators.scm",
            query: include_str!("../../../../queries/python/decorators.scm"),
            run: check_decorator,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_assignment,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

const JS_SESSIONS: &[&str] = &["express-session", "cookie-session"];
/// CSRF middleware packages: a module that imports one is taken to use it.
const JS_CSRF: &[&str] = &[
    "csurf",
    "csrf-csrf",
    "csrf-sync",
    "lusca",
    "@dr.pogodin/csurf",
    "tiny-csrf",
    "csrf",
];
const STATE_CHANGING: &[&str] = &["post", "put", "patch", "delete"];

/// Express: a cookie session (`express-session`, `cookie-session`) in a module that registers
/// state-changing routes and never sets up CSRF middleware.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    let Some(module) = checker.resolve_callee(func, JS_SESSIONS) else {
        return;
    };
    if settings::is_non_production_file(checker.path) || imports_any(checker, JS_CSRF) {
        return;
    }
    // `sameSite: "strict"` (or `true`, which is strict) keeps the browser from sending the
    // cookie on cross-site requests at all.
    if let Some(options) = js_args(args).first().filter(|o| o.kind_str() == "object") {
        let props = Props::of(checker, *options);
        let cookie = if module == "express-session" {
            props
                .get("cookie")
                .filter(|c| c.kind_str() == "object")
                .map(|c| Props::of(checker, c))
        } else {
            Some(props)
        };
        let strict = cookie.and_then(|c| c.get("sameSite")).is_some_and(|v| {
            v.kind_str() == "true"
                || checker
                    .string_value(v)
                    .is_some_and(|s| s.eq_ignore_ascii_case("strict"))
        });
        if strict {
            return;
        }
    }
    let scope = configuring_scope(checker, call);
    let calls = calls_in(checker, &scope);
    let route = calls.iter().find(|c| {
        STATE_CHANGING.contains(&c.name)
            && c.object.is_some()
            && c.args.len() >= 2
            && c.args
                .first()
                .is_some_and(|p| checker.string_value(*p).is_some())
    });
    let Some(route) = route else {
        return;
    };
    let uses_csrf = calls
        .iter()
        .any(|c| c.name.to_ascii_lowercase().contains("csrf") || c.name == "csurf");
    if uses_csrf {
        return;
    }
    let method = route.name.to_owned();
    let path = route
        .args
        .first()
        .and_then(|p| checker.string_value(*p))
        .unwrap_or("")
        .to_owned();
    checker.report(call, format!(
        "`{module}` keeps users logged in with a cookie, and this app accepts `{method}` requests (`{path}`) without CSRF protection: {WHY}; add CSRF middleware (`csrf-csrf`, `csrf-sync`, `lusca.csrf()`) or set the session cookie's `sameSite: \"strict\"`"
    ));
}

const CSRF_EXEMPT: &[&str] = &["django.views.decorators.csrf.csrf_exempt"];
const METHOD_DECORATOR: &[&str] = &["django.utils.decorators.method_decorator"];
const CSRF_PROTECT: &[&str] = &[
    "flask_wtf.CSRFProtect",
    "flask_wtf.csrf.CSRFProtect",
    "flask_wtf.CsrfProtect",
    "flask_wtf.csrf.CsrfProtect",
];
/// Calls that verify a request's signature: a view that makes one authenticates its caller
/// without cookies, so it needs no CSRF token (webhooks).
const VERIFIERS: &[&str] = &[
    "hmac.compare_digest",
    "secrets.compare_digest",
    "stripe.Webhook.construct_event",
    "stripe.WebhookSignature.verify_header",
];

const WHY: &str = "any website can then make a logged-in visitor's browser submit to it";

/// `@csrf_exempt`, `@method_decorator(csrf_exempt, ...)` and `@csrf.exempt` on a view.
fn check_decorator<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(decorator), Some(definition)) = (caps.get("decorator"), caps.get("definition"))
    else {
        return;
    };
    let Some(expression) = named_children(decorator)
        .into_iter()
        .find(|n| n.kind_str() != "comment")
    else {
        return;
    };
    let exempt = if expression.kind_str() == "call" {
        // `@method_decorator(csrf_exempt, name="dispatch")`, also with a list of decorators.
        let (Some(func), Some(args)) =
            (expression.field("function"), expression.field("arguments"))
        else {
            return;
        };
        checker.resolve_callee(func, METHOD_DECORATOR).is_some()
            && checker
                .arguments(args)
                .positional
                .clone()
                .first()
                .is_some_and(|a| {
                    let decorators = match a.kind_str() {
                        "list" | "tuple" => named_children(*a),
                        _ => vec![*a],
                    };
                    decorators.into_iter().any(|d| is_exemption(checker, d))
                })
    } else {
        is_exemption(checker, expression)
    };
    let name = definition
        .field("name")
        .map_or("this view", |n| checker.text(n));
    if !exempt
        || settings::place(checker, decorator).non_production
        || verifies_signature(checker, definition)
        || protocol_endpoint(name, checker.path)
        || reads_only(checker, definition)
        || answers_only(checker, definition)
    {
        return;
    }
    let shown = super::callee(checker.text(expression));
    // A plain `@csrf_exempt` line goes (unsafe: clients that post without a token, such as a
    // webhook sender, are then refused).
    let src = checker.source;
    let line_start = src[..decorator.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = src[decorator.end_byte()..]
        .find('\n')
        .map_or(src.len(), |i| decorator.end_byte() + i + 1);
    let own_line = expression.kind_str() != "call"
        && src[line_start..decorator.start_byte()].trim().is_empty()
        && src[decorator.end_byte()..line_end].trim().is_empty();
    let finding = checker.report(expression, format!(
        "`@{shown}` turns CSRF protection off for `{name}`: {WHY}; keep the check on, or verify a signature (`hmac.compare_digest`) if this is a webhook"
    ));
    if own_line {
        finding.with_fix(
            format!("Remove `@{shown}`"),
            Applicability::Unsafe,
            vec![Edit {
                range: line_start..line_end,
                content: String::new(),
            }],
        );
    }
}

/// Whether the exempted `dispatch` belongs to a class-based view that only reads: it defines
/// `get` (or `head`/`options`) and no handler of a method that changes state, and its bases
/// are plain views or mixins (not a form, create, update, delete or API view, which bring
/// their own `post`). Django checks CSRF only on POST, PUT, PATCH and DELETE.
fn reads_only<'a>(checker: &Checker<'a>, definition: Node<'a>) -> bool {
    if definition.field("name").map(|n| checker.text(n)) != Some("dispatch") {
        return false;
    }
    let mut class = definition;
    while class.kind_str() != "class_definition" {
        match class.parent() {
            Some(p) => class = p,
            None => return false,
        }
    }
    let bases = class.field("superclasses").map_or("", |b| checker.text(b));
    if [
        "Form", "Create", "Update", "Delete", "Edit", "APIView", "ViewSet", "Mutation",
    ]
    .iter()
    .any(|w| bases.contains(w))
    {
        return false;
    }
    let Some(body) = class.field("body") else {
        return false;
    };
    let handlers: Vec<&str> = named_children(body)
        .into_iter()
        .filter_map(|s| match s.kind_str() {
            "decorated_definition" => s.field("definition"),
            "function_definition" => Some(s),
            _ => None,
        })
        .filter_map(|f| f.field("name").map(|n| checker.text(n)))
        .collect();
    handlers.iter().any(|h| matches!(*h, "get" | "head"))
        && !handlers
            .iter()
            .any(|h| matches!(*h, "post" | "put" | "patch" | "delete"))
}

/// Whether the exempted view does nothing but answer (`return HttpResponse(status=204)`, after
/// its docstring), without reading the request: a forged request has nothing to change.
fn answers_only<'a>(checker: &Checker<'a>, definition: Node<'a>) -> bool {
    let Some(body) = definition.field("body") else {
        return false;
    };
    let request = definition.field("parameters").and_then(|p| {
        named_children(p)
            .into_iter()
            .map(|p| checker.text(p))
            .find(|p| !matches!(*p, "self" | "cls"))
    });
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|s| s.kind_str() != "comment")
        .filter(|s| {
            !(s.kind_str() == "expression_statement"
                && s.named_child(0).is_some_and(|e| e.kind_str() == "string"))
        })
        .collect();
    let [only] = statements.as_slice() else {
        return false;
    };
    only.kind_str() == "return_statement"
        && request.is_some_and(|r| {
            !checker
                .text(*only)
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == r)
        })
}

/// `csrf_exempt` (Django) or `csrf.exempt` where `csrf = CSRFProtect(...)` (Flask-WTF).
fn is_exemption<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    match node.kind_str() {
        "identifier" => checker.resolve_callee(node, CSRF_EXEMPT).is_some(),
        "attribute" => {
            let (Some(object), Some(attr)) = (node.field("object"), node.field("attribute")) else {
                return false;
            };
            match checker.text(attr) {
                "exempt" => settings::instance_of(checker, object)
                    .is_some_and(|class| CSRF_PROTECT.contains(&class.as_str())),
                _ => checker.resolve_callee(node, CSRF_EXEMPT).is_some(),
            }
        }
        _ => false,
    }
}

/// Whether a view is an endpoint that another server or an identity provider calls by
/// protocol, cross-site and without the visitor's session cookie authenticating the request
/// (OAuth 2.0 token, revocation, introspection, device authorization and client registration;
/// OpenID Connect userinfo; SAML assertion consumer and single logout services; identity-provider
/// callbacks, webhooks and payment notifications). Such views must accept cross-site posts: the
/// protocol authenticates them (client credentials, signed assertions, `state`), so exempting
/// them from CSRF is their design, not a hole. Decided from the view's name, and for the words
/// that also name user actions (`revoke`, `complete`) from an identity-protocol module path.
fn protocol_endpoint(name: &str, path: &str) -> bool {
    let words = super::secret_names::words(name);
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !matches!(*w, "view" | "views" | "api" | "endpoint" | "handler"))
        .collect();
    let has = |w: &str| words.contains(&w);
    let path = path.to_ascii_lowercase();
    let identity_module = ["oauth", "oidc", "openid", "/idp/", "saml", "sso", "social"]
        .iter()
        .any(|m| path.contains(m));
    const USER_ACTIONS: &[&str] = &[
        "add",
        "create",
        "delete",
        "generate",
        "new",
        "regenerate",
        "remove",
        "reset",
        "rotate",
        "update",
    ];
    words.last() == Some(&"token") && !words.iter().any(|w| USER_ACTIONS.contains(w))
        || [
            "introspect",
            "introspection",
            "userinfo",
            "jwks",
            "acs",
            "sls",
        ]
        .iter()
        .any(|w| has(w))
        || words.windows(2).any(|p| p == ["user", "info"])
        || has("device") && (has("code") || has("authorization") || has("token"))
        || has("client") && has("registration")
        || ["callback", "webhook", "webhooks", "ipn"]
            .iter()
            .any(|w| has(w))
        || identity_module && ["revoke", "revocation", "complete"].iter().any(|w| has(w))
}

/// Whether the view (or class) calls a signature check anywhere in its body.
fn verifies_signature<'a>(checker: &Checker<'a>, definition: Node<'a>) -> bool {
    let mut found = false;
    let mut stack = vec![definition];
    while let Some(node) = stack.pop() {
        if node.kind_str() == "call" {
            if let Some(func) = node.field("function") {
                if checker.resolve_callee(func, VERIFIERS).is_some() {
                    found = true;
                    break;
                }
            }
        }
        stack.extend(named_children(node));
    }
    found
}

/// `csrf_exempt(view)` in a URLconf, `csrf.exempt(blueprint)`, and
/// `app.config.update(WTF_CSRF_ENABLED=False)`.
fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    for setting in settings::updated(checker, caps, &["WTF_CSRF_ENABLED"]) {
        report_setting(checker, setting);
    }
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if !is_exemption(checker, func) || settings::place(checker, func).non_production {
        return;
    }
    let Some(view) = checker.arguments(args).positional.clone().first().copied() else {
        return;
    };
    let shown = super::callee(checker.text(func));
    let view = super::callee(checker.text(view));
    if protocol_endpoint(view.trim_end_matches(".as_view()"), checker.path) {
        return;
    }
    checker.report(func, format!(
        "`{shown}({view})` turns CSRF protection off for `{view}`: {WHY}; keep the check on, or verify a signature (`hmac.compare_digest`) in the view if it is a webhook"
    ));
}

/// Flask-WTF's `WTF_CSRF_ENABLED = False` in a config module or class, or `app.config[...]`.
fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    if let Some(setting) = settings::assigned(checker, caps, &["WTF_CSRF_ENABLED"]) {
        report_setting(checker, setting);
    }
}

fn report_setting<'a>(checker: &mut Checker<'a>, setting: settings::Setting<'a>) {
    if setting.value.kind_str() != "false" {
        return;
    }
    let shown = super::callee(checker.text(setting.node));
    checker
        .report(
            setting.node,
            format!("`{shown}` turns Flask-WTF's CSRF protection off for every form: {WHY}; keep it on outside tests (exempt single webhook views with `csrf.exempt` and a signature check)"),
        )
        // Unsafe: forms and clients that post without a token are then refused.
        .with_fix(
            "Turn CSRF protection on",
            Applicability::Unsafe,
            vec![Edit {
                range: setting.value.byte_range(),
                content: "True".to_owned(),
            }],
        );
}

const DOCS: &str = r#"## What it does
Flags CSRF protection switched off:

- Django's `@csrf_exempt` on a view (also `@method_decorator(csrf_exempt, name="dispatch")` on
  a class-based view, and `csrf_exempt(view)` in a URLconf);
- Flask-WTF's `@csrf.exempt` (where `csrf = CSRFProtect(app)`), `csrf.exempt(blueprint)`, and
  `WTF_CSRF_ENABLED = False` in a config module or class, `app.config["WTF_CSRF_ENABLED"] = False`
  or `app.config.update(WTF_CSRF_ENABLED=False)`.

- Express: a cookie session (`express-session`, `cookie-session`) set up in a module (or app
  factory function) that registers state-changing routes (`app.post/put/patch/delete`) and
  never imports CSRF middleware (`csurf`, `@dr.pogodin/csurf`, `csrf-csrf`, `csrf-sync`,
  `lusca`, `tiny-csrf`). It is reported once, at the session middleware.

Not reported: `@csrf_protect`, `WTF_CSRF_ENABLED = True`, test configuration (files such as
`test_*.py`, `conftest.py`, `tests.py`, classes such as `TestingConfig`), and an exempt view
that verifies a request signature in its body (`hmac.compare_digest`,
`stripe.Webhook.construct_event`), which is how webhooks authenticate; nor an exempt `dispatch`
of a class-based view that only defines `get`/`head` (Django checks CSRF on unsafe methods only),
or a view that only answers without reading its request (`return HttpResponse(status=204)`). Nor are endpoints that
other servers and identity providers call across sites by protocol, named as such: OAuth 2.0
token, introspection, device-authorization and client-registration endpoints, OpenID Connect
userinfo, SAML assertion-consumer (ACS) and single-logout (SLS) services, identity-provider
callbacks, webhooks and payment notifications (IPN), and `revoke`/`complete` views in
OAuth/OIDC/SAML/social-login modules. The protocol authenticates those requests (client
credentials, signed assertions, `state`), so their exemption is their design; a view named for
a user's action on a token (`delete_token`, `regenerate_api_token`) is still reported. In Express, APIs without a cookie session (bearer
tokens), modules whose routes live elsewhere, and sessions whose cookie is
`sameSite: "strict"` (or `sameSite: true`) are not reported: a strict cookie is never sent
on requests another site starts, which is a CSRF defence of its own (`"lax"` still lets
top-level `GET` navigations through, so state must never change on `GET`). `cookie-parser`
alone is not judged: whether its cookies authenticate is not visible.

## Why is this bad?
Browsers attach cookies to requests that other sites trigger. Without a CSRF token check, a
page on any website can make a logged-in visitor's browser post to the view: change their
e-mail or password, transfer money, delete data, all with the visitor's session.

## Example
```python
@csrf_exempt
def update_email(request):
    request.user.email = request.POST["email"]
    request.user.save()
    return HttpResponse(status=204)
```

```javascript
app.use(session({ secret: process.env.SESSION_SECRET, cookie: { secure: true } }));
app.post("/account/email", requireLogin, updateEmail);
```

## Use instead
```python
def update_email(request):          # the CSRF middleware checks the token
    ...

@csrf_exempt
def stripe_webhook(request):        # a webhook proves who sent it with a signature instead
    event = stripe.Webhook.construct_event(
        request.body, request.headers["Stripe-Signature"], settings.STRIPE_WEBHOOK_SECRET)
    ...
```

```javascript
const { doubleCsrfProtection } = doubleCsrf({ getSecret: () => process.env.CSRF_SECRET });
app.use(session({ secret: process.env.SESSION_SECRET, cookie: { secure: true } }));
app.use(doubleCsrfProtection);
app.post("/account/email", requireLogin, updateEmail);
```

## References
- [CWE-352: Cross-Site Request Forgery (CSRF)](https://cwe.mitre.org/data/definitions/352.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [Django: Cross Site Request Forgery protection](https://docs.djangoproject.com/en/stable/howto/csrf/)
- [csrf-csrf (double submit cookie for Express)](https://github.com/Psifi-Solutions/csrf-csrf)
- [OWASP CSRF Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html)
- [Flask-WTF: CSRF protection](https://flask-wtf.readthedocs.io/en/stable/csrf/)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words() {
        assert_eq!(
            super::super::secret_names::words("apple_post_callback"),
            ["apple", "post", "callback"]
        );
        assert_eq!(
            super::super::secret_names::words("OpenIDCallbackView"),
            ["open", "id", "callback", "view"]
        );
        assert_eq!(
            super::super::secret_names::words("ACSView"),
            ["acs", "view"]
        );
        assert_eq!(
            super::super::secret_names::words("UserInfoView"),
            ["user", "info", "view"]
        );
    }

    #[test]
    fn protocol_endpoints_are_told_from_user_actions() {
        for name in [
            "TokenView",
            "obtain_auth_token",
            "IntrospectView",
            "UserInfoView",
            "DeviceAuthorizationView",
            "ClientRegistrationView",
            "ACSView",
            "apple_post_callback",
            "stripe_webhook",
        ] {
            assert!(protocol_endpoint(name, "app/views.py"), "{name}");
        }
        assert!(protocol_endpoint("RevokeView", "allauth/idp/oidc/views.py"));
        assert!(protocol_endpoint("complete", "misago/socialauth/views.py"));
        for name in [
            "delete_token",
            "regenerate_api_token",
            "update_email",
            "reorder_tasks",
        ] {
            assert!(!protocol_endpoint(name, "app/views.py"), "{name}");
        }
        // `revoke` and `complete` name user actions outside identity-protocol modules.
        assert!(!protocol_endpoint("revoke_invitation", "teams/views.py"));
        assert!(!protocol_endpoint("complete", "orders/views.py"));
    }
}
