//! ARC102 missing-auth: a route without the authentication its siblings have.

use std::collections::BTreeMap;

use super::{file_name, is_mutating, CrossFinding};
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::facts::is_auth_name;
use ba_app::Resolved;

pub static RULE: Rule = Rule {
    code: "ARC102",
    name: "missing-auth",
    category: Category::Architecture,
    severity: Severity::Warning,
    cwe: &[],
    owasp: None,
    summary: "This route has no authentication while most routes beside it require it; add the same dependency, decorator or middleware, or mark it public on purpose.",
    docs: DOCS,
    fix: FixAvailability::None,
    checks: &[],
};

const DOCS: &str = r#"## What it does
Looks at each route's authentication: FastAPI `Depends`/`Security` dependencies on the route,
its router or the `include_router` call; Flask decorators (`@login_required`, `@jwt_required()`)
and `before_request` guards; Django decorators, `LoginRequiredMixin` and DRF
`permission_classes`; Express middleware on the route, the router or an earlier `use`. A route
is reported when it has none while most of its siblings (routes on the same router, or under the
same first path segment of an app) do. Routes that change state (POST, PUT, PATCH, DELETE) are
reported when at least half of their siblings are protected; read-only routes need a clear
majority. Login, sign-up, token, password-reset, health and webhook paths are public by nature
and never reported; DRF views with `permission_classes = [AllowAny]` are public on purpose.

## Why is this bad?
An endpoint that forgot its guard is the classic broken-access-control bug: it sits next to
protected endpoints, looks the same in review, and hands data or actions to anyone.

## Example
```python
router = APIRouter(prefix="/orders")

@router.get("/", dependencies=[Depends(get_current_user)])
def list_orders(): ...

@router.get("/{id}", dependencies=[Depends(get_current_user)])
def get_order(id: int): ...

@router.delete("/{id}")
def delete_order(id: int): ...
```

## Use instead
```python
router = APIRouter(prefix="/orders", dependencies=[Depends(get_current_user)])
```
Put the guard on the router (or blueprint, or `router.use(auth)`) so new routes inherit it. If a
route is public on purpose, say so: `# backend-architect: ignore[ARC102]` with the reason.

## References
- CWE-306: Missing Authentication for Critical Function
- OWASP Top 10 2021: A01 Broken Access Control
- FastAPI: [Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
- Express: [Using middleware](https://expressjs.com/en/guide/using-middleware.html)
"#;

/// Paths that are public by nature.
const PUBLIC_WORDS: &[&str] = &[
    "login", "logout", "signin", "sign-in", "sign_in", "signup", "sign-up", "sign_up", "register",
    "token", "auth", "password", "forgot", "reset", "verify", "confirm", "health", "ready", "live",
    "ping", "status", "metrics", "public", "webhook", "callback", "oauth", "docs", "openapi",
    "static", "favicon",
];

fn looks_public(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower == "/" || PUBLIC_WORDS.iter().any(|w| lower.contains(w))
}

pub fn check(resolved: &Resolved, out: &mut Vec<CrossFinding>) {
    let mut groups: BTreeMap<(String, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in resolved.routes.iter().enumerate() {
        // Routes a test registers on a throwaway app are not served.
        if ba_app::is_test_path(&r.registration.0) {
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
            let siblings: Vec<usize> = list
                .iter()
                .copied()
                .filter(|&j| j != i && resolved.routes[j].registration != r.registration)
                .collect();
            let authed: Vec<usize> = siblings
                .iter()
                .copied()
                .filter(|&j| resolved.routes[j].auth)
                .collect();
            let total = siblings.len();
            let mutating = is_mutating(&r.methods);
            let flagged = if mutating {
                !authed.is_empty() && authed.len() * 2 >= total
            } else {
                authed.len() >= 2 && authed.len() * 2 > total
            };
            if !flagged {
                continue;
            }
            // The guard the siblings use most, to name it.
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &j in &authed {
                for d in resolved.routes[j].chain.iter().filter(|d| is_auth_name(d)) {
                    *counts.entry(d.as_str()).or_default() += 1;
                }
            }
            let guard = counts
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(d, _)| format!(" (`{d}`)"))
                .unwrap_or_default();
            let here = if r.handler.0 == r.registration.0 {
                String::new()
            } else {
                format!(" (routed in {})", file_name(&r.registration.0))
            };
            out.push(CrossFinding {
                code: RULE.code,
                at: r.handler.clone(),
                message: format!(
                    "`{} {}`{here} has no authentication, but {} of the {} routes beside it require it{guard}; add the same guard, or mark the route public on purpose",
                    r.methods.join(","),
                    r.path,
                    authed.len(),
                    total
                ),
                severity: RULE.severity,
                related: Vec::new(),
            });
        }
    }
}
