//! ARC102 missing-auth: a route without the authentication its siblings have.

use std::collections::BTreeMap;

use super::{file_name, is_mutating, CrossFinding};
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::facts::{is_auth_name, normalize_path};
use ba_app::{Resolved, ResolvedRoute};

pub static RULE: Rule = Rule {
    code: "ARC102",
    name: "missing-auth",
    category: Category::Architecture,
    severity: Severity::Warning,
    cwe: &[],
    owasp: None,
    summary: "This route changes state (or returns per-user data) without authentication, while the routes of the same resource doing the same kind of work are protected; add the same guard, or mark it public on purpose.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[],
};

const DOCS: &str = r#"## What it does
Reports a route that has no authentication when both hold:
- it **changes state** (POST, PUT, PATCH, DELETE), or it reads **per-user data** (a path
  segment such as `me`, `my`, `profile`, `account`, `dashboard`, `notifications`, `cart`);
- the routes of the **same resource** that do the **same kind of work** are protected: the
  other writes to `/api/v1/items` and `/api/v1/items/{id}` for a write, the other reads of the
  same router for a per-user read. At least one of them is protected and at least as many are
  protected as not.

Reads beside authenticated writes are not reported (a public catalogue with an admin-only
editor is a common, deliberate design). The message names the protected siblings and their
guard, and points at them (`relatedInformation`) when they are in the same file; paths are
the full resolved paths (`POST /api/v1/items/`), prefixes of routers and mounts included.

Authentication is read from FastAPI `Depends`/`Security` dependencies on the route, its router
or the `include_router` call; Flask decorators (`@login_required`, `@jwt_required()`) and
`before_request` guards; Django decorators, `LoginRequiredMixin` and DRF `permission_classes`
(a DRF view without its own gets the settings module's
`REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` unless that is `AllowAny`);
Express middleware on the route, the router or an earlier `use`; Fastify `onRequest`,
`preParsing`, `preValidation` and `preHandler` hooks on the route (`{ onRequest:
[fastify.authenticate] }`, `fastify.auth([…])`) or added with `addHook` in the plugin or any
plugin above it (a `fastify-plugin`-wrapped plugin's hooks apply to the plugin registering it),
an inline hook naming its check (`await request.jwtVerify()`). Registering `@fastify/jwt` or
`@fastify/auth` alone protects nothing: they only decorate the instance. hapi: `server.auth.default(…)`
(set anywhere, a plugin included: it is the server's) and a route's `options.auth` (a strategy,
or `{ strategy, scope }`); registering `@hapi/jwt` or `hapi-auth-jwt2` and declaring
`server.auth.strategy` protect nothing until a default or a route names the strategy.
Next.js API routes (`pages/api/…`, `app/…/route.ts`) of one project are compared with each
other: a handler is protected when it calls an authentication function (`getServerSession`,
`auth()`, `getToken`, `currentUser`, a project helper such as `requireUser`), is wrapped in one
(`withApiAuthRequired(handler)`), reads the `Authorization` header or answers 401/403 itself,
or when an authenticating `middleware.ts` matches its path (`config.matcher`; a matcher with a
regular expression is taken to cover every route).

Never reported:
- routes marked public or optionally authenticated: `@jwt_optional`,
  `@jwt_required(optional=True)`, `auth.optional`, `permission_classes = [AllowAny]`,
  `@Public()`, `@SkipAuth()`, `@AllowAnonymous()`, `@login_not_required`,
  `Depends(get_optional_user)`, Fastify `config: { public: true }` on the route, hapi
  `options: { auth: false }` and `auth: { mode: "try" }` / `"optional"`;
- routes that are public by nature: registration and sign-up, login and logout, password reset
  and forgotten passwords, email verification and confirmation, token issue and refresh, OAuth
  callbacks, health and readiness probes, metrics, docs and OpenAPI, webhooks (which
  authenticate by signature, not by session), static files, and the sign-in router itself
  (paths under an `auth` or `authentication` segment, such as a first-run
  `/authentication/setup` that creates the first user);
- routes registered in tests, migrations, scripts or vendored code (file classes).

## Why is this bad?
An endpoint that forgot its guard is the classic broken-access-control bug: it sits next to
protected endpoints, looks the same in review, and hands data or actions to anyone.

## Example
```python
router = APIRouter(prefix="/items")

@router.put("/{item_id}", dependencies=[Depends(get_current_user)])
def update_item(item_id: int): ...

@router.delete("/{item_id}", dependencies=[Depends(get_current_user)])
def delete_item(item_id: int): ...

@router.post("/")            # anyone can create items
def create_item(item: ItemIn): ...
```

## Use instead
```python
router = APIRouter(prefix="/items", dependencies=[Depends(get_current_user)])
```
Put the guard on the router (or blueprint, or `router.use(auth)`) so new routes inherit it. If a
route is public on purpose, say so with the framework's marker (`AllowAny`, `@Public()`,
`@jwt_required(optional=True)`) or `# backend-architect: ignore[ARC102]` with the reason.

## References
- CWE-306: Missing Authentication for Critical Function
- OWASP Top 10 2021: A01 Broken Access Control
- FastAPI: [Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
- Express: [Using middleware](https://expressjs.com/en/guide/using-middleware.html)
- Fastify: [Hooks](https://fastify.dev/docs/latest/Reference/Hooks/) and
  [`@fastify/jwt`](https://github.com/fastify/fastify-jwt)
"#;

/// Path words of routes that are public by nature: sign-up, sign-in and out, password and
/// account recovery, token issue and refresh, OAuth callbacks, probes, docs, webhooks.
pub(crate) const PUBLIC_WORDS: &[&str] = &[
    "login",
    "logout",
    "signin",
    "signout",
    "signup",
    "register",
    "registration",
    "password",
    "passwords",
    "forgot",
    "reset",
    "recover",
    "recovery",
    "token",
    "tokens",
    "refresh",
    "verify",
    "verification",
    "confirm",
    "confirmation",
    "activate",
    "activation",
    "unsubscribe",
    "oauth",
    "oauth2",
    "sso",
    "saml",
    "oidc",
    "callback",
    "callbacks",
    "webhook",
    "webhooks",
    "hook",
    "hooks",
    "health",
    "healthz",
    "healthcheck",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
    "metrics",
    "docs",
    "redoc",
    "swagger",
    "openapi",
    "static",
    "favicon",
    "robots",
    "csrf",
    "public",
];

/// Path words of data that belongs to the caller.
const PER_USER_WORDS: &[&str] = &[
    "me",
    "my",
    "mine",
    "self",
    "profile",
    "account",
    "dashboard",
    "notifications",
    "inbox",
    "billing",
    "cart",
    "wallet",
    "favorites",
    "favourites",
    "bookmarks",
    "preferences",
];

/// The words of each literal path segment (placeholders left out), split at `-`, `_`, `.` and
/// case changes: `/forgotPassword/{uid}` → `forgot`, `password`.
fn path_words(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty() && !is_placeholder(s))
        .flat_map(ba_app::classify::words)
        .collect()
}

fn is_placeholder(segment: &str) -> bool {
    segment.starts_with('{')
        || segment.starts_with('<')
        || segment.starts_with(':')
        || segment.starts_with('(')
        || segment.starts_with('^')
        || segment.contains("(?P<")
}

/// Public by nature: one of `PUBLIC_WORDS`, an `auth` or `authentication` segment (the sign-in
/// router: Ghost's `/authentication/setup` creates the first user), the root,
/// or a one-segment probe such as `/status` or `/version`.
fn looks_public(path: &str) -> bool {
    let words = path_words(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.is_empty()
        || words.iter().any(|w| PUBLIC_WORDS.contains(&w.as_str()))
        || segments
            .iter()
            .any(|s| s.eq_ignore_ascii_case("auth") || s.eq_ignore_ascii_case("authentication"))
        || (segments.len() == 1
            && matches!(
                segments[0].to_ascii_lowercase().as_str(),
                "status" | "version" | "info" | "sitemap.xml"
            ))
}

fn per_user(path: &str) -> bool {
    path_words(path)
        .iter()
        .any(|w| PER_USER_WORDS.contains(&w.as_str()))
}

/// The resource a route works on: its normalised path up to the last placeholder, when at
/// most one action segment follows it (`/items/{}/publish` → `/items`,
/// `/users/{}/posts/{}` → `/users/{}/posts`), else the whole path (`/items` → `/items`); form
/// pages (`/posts/new`, `/posts/{}/edit`) belong to their collection.
fn resource(path: &str) -> String {
    let norm = normalize_path(path);
    let mut segments: Vec<&str> = norm
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // Form and action pages of server-rendered apps: `/posts/new/`, `/posts/{}/edit/`.
    if segments.len() > 1
        && segments.last().is_some_and(|s| {
            matches!(
                s.to_ascii_lowercase().as_str(),
                "new" | "create" | "add" | "edit" | "update" | "delete" | "remove" | "destroy"
            )
        })
    {
        segments.pop();
    }
    if let Some(last) = segments.iter().rposition(|s| is_placeholder(s)) {
        if segments.len() - last <= 2 {
            return format!("/{}", segments[..last].join("/"));
        }
    }
    format!("/{}", segments.join("/"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Work {
    Write,
    PerUserRead,
    Read,
}

fn work(r: &ResolvedRoute) -> Work {
    if is_mutating(&r.methods) {
        Work::Write
    } else if per_user(&r.path) {
        Work::PerUserRead
    } else {
        Work::Read
    }
}

/// The guard a protected route has, for the message.
fn guard(r: &ResolvedRoute) -> Option<&str> {
    r.chain
        .iter()
        .rev()
        .find(|d| is_auth_name(d))
        .map(String::as_str)
}

fn route_label(r: &ResolvedRoute) -> String {
    format!("{} {}", r.methods.join(","), r.path)
}

pub fn check(resolved: &Resolved, out: &mut Vec<CrossFinding>) {
    // Routes of one application (or unmounted router), by router or first path segment.
    let mut groups: BTreeMap<(String, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in resolved.routes.iter().enumerate() {
        // Routes a test, a script or a migration registers are not served.
        if !r.class.serves_routes() {
            continue;
        }
        let app = r
            .app
            .as_ref()
            .map(|(k, a)| format!("{k}:{a:?}"))
            .unwrap_or_default();
        groups.entry((app, r.group.as_str())).or_default().push(i);
    }
    for list in groups.values() {
        for &i in list {
            let r = &resolved.routes[i];
            if r.auth || r.public || looks_public(&r.path) {
                continue;
            }
            let kind = work(r);
            let own_resource = resource(&r.path);
            // Siblings: the same kind of work; for writes, on the same resource; for reads of
            // per-user data, anywhere on the router (`/users/me` beside `/users/{id}`).
            let siblings: Vec<usize> = list
                .iter()
                .copied()
                .filter(|&j| j != i && resolved.routes[j].registration != r.registration)
                .filter(|&j| {
                    let s = &resolved.routes[j];
                    match kind {
                        // A view that accepts any method (a Django function view) may write.
                        Work::Write => {
                            (work(s) == Work::Write || s.methods.iter().any(|m| m == "ANY"))
                                && resource(&s.path) == own_resource
                        }
                        Work::PerUserRead => work(s) != Work::Write,
                        Work::Read => false,
                    }
                })
                .filter(|&j| !looks_public(&resolved.routes[j].path))
                .collect();
            let authed: Vec<usize> = siblings
                .iter()
                .copied()
                .filter(|&j| resolved.routes[j].auth)
                .collect();
            if authed.is_empty() || authed.len() * 2 < siblings.len() {
                continue;
            }
            let mut named = Vec::new();
            let mut related = Vec::new();
            for &j in &authed {
                let s = &resolved.routes[j];
                let how = guard(s).map(|g| format!(" (`{g}`)")).unwrap_or_default();
                let place = if s.registration.0 == r.handler.0 {
                    related.push((
                        s.registration.1,
                        format!("`{}` is protected{how}", route_label(s)),
                    ));
                    String::new()
                } else {
                    format!(" in {}", file_name(&s.registration.0))
                };
                named.push(format!("`{}`{how}{place}", route_label(s)));
            }
            named.sort();
            named.dedup();
            let shown = named.len().min(3);
            let more = if named.len() > shown {
                format!(" and {} more", named.len() - shown)
            } else {
                String::new()
            };
            let what = match kind {
                Work::Write => format!("changes state on `{own_resource}`"),
                _ => "returns per-user data".to_owned(),
            };
            let siblings_are = match kind {
                Work::Write => "the other routes that change it are protected",
                _ => "the other reads on its router are protected",
            };
            let here = if r.handler.0 == r.registration.0 {
                String::new()
            } else {
                format!(" (routed in {})", file_name(&r.registration.0))
            };
            out.push(CrossFinding {
                code: RULE.code,
                at: r.handler.clone(),
                message: format!(
                    "`{}`{here} {what} without authentication, but {siblings_are}: {}{more}; add the same guard, or mark the route public on purpose",
                    route_label(r),
                    named[..shown].join(", "),
                ),
                severity: RULE.severity,
                related,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_group_collection_item_and_action_routes() {
        assert_eq!(resource("/api/v1/items/"), "/api/v1/items");
        assert_eq!(resource("/api/v1/items/{item_id}"), "/api/v1/items");
        assert_eq!(resource("/api/v1/items/:id/publish"), "/api/v1/items");
        // One segment after a placeholder reads as an action on the item (`/publish`), so a
        // nested collection joins its parent; its items are their own resource.
        assert_eq!(resource("/users/<int:uid>/posts/"), "/users");
        assert_eq!(resource("/users/{uid}/posts/{pid}"), "/users/{}/posts");
        assert_eq!(resource("/blog/<int:pk>/delete/"), "/blog");
        assert_eq!(resource("/blog/new/"), "/blog");
    }

    #[test]
    fn public_by_nature() {
        for p in [
            "/auth/github",
            "/api/users/register",
            "/api/forgotPassword",
            "/api/token/refresh/",
            "/hooks/stripe",
            "/healthz",
            "/status",
            "/",
        ] {
            assert!(looks_public(p), "{p}");
        }
        for p in [
            "/authors/{id}",
            "/orders/{id}/status",
            "/api/items",
            "/publish",
        ] {
            assert!(!looks_public(p), "{p}");
        }
        assert!(per_user("/api/users/me"));
        assert!(per_user("/my/orders"));
        assert!(!per_user("/api/members"));
    }
}
