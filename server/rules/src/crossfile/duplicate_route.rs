//! ARC101 duplicate-route: the same method and full path registered twice in one application,
//! across files too.

use std::collections::BTreeMap;

use super::{file_name, CrossFinding};
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::facts::normalize_path;
use ba_app::Resolved;

pub static RULE: Rule = Rule {
    code: "ARC101",
    name: "duplicate-route",
    category: Category::Architecture,
    severity: Severity::Warning,
    cwe: &[],
    owasp: None,
    summary: "The same method and path is registered twice in one application; only the first handler ever runs, so remove or rename one of them.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[],
};

const DOCS: &str = r#"## What it does
Resolves every route of an application to its full path (router prefixes, `include_router`,
`register_blueprint`, `app.use`, Fastify `register(plugin, { prefix })`, Django `include()`
chains) and reports a method and path that
two registrations share, in the same file or in different files. Placeholders are compared by
position, so `/users/{id}` and `/users/{user_id}` are the same path.

## Why is this bad?
FastAPI, Flask, Django and Express dispatch to the first matching registration. The second
handler is dead code that looks alive: a fix made there never ships, tests that import it pass,
and which one wins depends on import or mount order. It usually comes from a copy-pasted router or
a router mounted twice. Fastify (plugins registered with their prefixes) refuses the second
registration and the application does not start.

## Example
```python
# users.py
router = APIRouter(prefix="/users")

@router.get("/{user_id}")
def get_user(user_id: int): ...

# admin.py
@app.get("/users/{id}")
def admin_get_user(id: int): ...
```

## Use instead
Give each handler its own path (`/admin/users/{id}`), or delete the stale copy.

## References
- FastAPI: [Bigger applications, multiple files](https://fastapi.tiangolo.com/tutorial/bigger-applications/)
- Flask: [URL route registrations](https://flask.palletsprojects.com/en/latest/api/#url-route-registrations)
- Django: [How Django processes a request](https://docs.djangoproject.com/en/stable/topics/http/urls/#how-django-processes-a-request)
- Express: [Routing](https://expressjs.com/en/guide/routing.html)
- Fastify: [Routes](https://fastify.dev/docs/latest/Reference/Routes/) (a duplicate fails with
  `FST_ERR_DUPLICATED_ROUTE` at start-up)
- hapi: [`server.route()`](https://hapi.dev/api/#-serverrouteroute) (a conflicting route throws
  when it is added)
"#;

pub fn check(resolved: &Resolved, out: &mut Vec<CrossFinding>) {
    // (application or unmounted router, method, normalised path) → route indexes.
    let mut groups: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in resolved.routes.iter().enumerate() {
        if !r.class.serves_routes() {
            continue;
        }
        let app = match &r.app {
            Some((k, a)) => format!("{k}:{a:?}"),
            None => format!("router:{}", r.group.split('|').next().unwrap_or("")),
        };
        for m in &r.methods {
            groups
                .entry((app.clone(), m.clone(), normalize_path(&r.path)))
                .or_default()
                .push(i);
        }
    }
    for ((_, method, _), list) in groups {
        if list.len() < 2 {
            continue;
        }
        for &i in &list {
            let r = &resolved.routes[i];
            let others: Vec<String> = list
                .iter()
                .filter(|j| **j != i && !r.exclusive_with(&resolved.routes[**j]))
                .map(|&j| {
                    let o = &resolved.routes[j];
                    if o.registration == r.registration {
                        "again through a second mount of the same router".to_owned()
                    } else if o.registration.0 == r.registration.0 {
                        format!("in this file (`{}`)", o.handler_name)
                    } else {
                        format!("in {} (`{}`)", file_name(&o.registration.0), o.handler_name)
                    }
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            let path = &r.path;
            // Fastify refuses a second registration of a route: the application does not start.
            let effect = if r.framework == ba_app::Framework::Fastify {
                "Fastify refuses to start (`FST_ERR_DUPLICATED_ROUTE`)"
            } else if r.framework == ba_app::Framework::NextJs {
                "Next.js reports the conflict (a page file and an app route, or two files, for one path) and serves at most one of them"
            } else if r.framework == ba_app::Framework::Hapi {
                "hapi refuses to start (`New route … conflicts with existing`)"
            } else {
                "only the first registration runs"
            };
            out.push(CrossFinding {
                code: RULE.code,
                at: r.registration.clone(),
                message: format!(
                    "`{method} {path}` is also registered {}; {effect}, so remove or rename one of them",
                    others.join(" and ")
                ),
                severity: RULE.severity,
                related: list
                    .iter()
                    .filter(|&&j| !r.exclusive_with(&resolved.routes[j]))
                    .map(|&j| &resolved.routes[j].registration)
                    .filter(|o| o.0 == r.registration.0 && **o != r.registration)
                    .map(|o| (o.1, format!("`{method} {path}` is registered here too")))
                    .collect(),
            });
        }
    }
}
