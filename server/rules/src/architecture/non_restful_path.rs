//! ARC201 non-restful-path: route paths that name actions or formats instead of resources.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "ARC201",
    name: "non-restful-path",
    category: Category::Architecture,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "A route path names an action (`/getUser`, `/delete_item`) or a format (`.json`) instead of a resource; name the resource and let the HTTP method and `Accept` header say the rest.",
    docs: DOCS,
    fix: FixAvailability::None,
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
            run: check_django_path,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

/// Verbs that say what a handler does to a resource, and the HTTP method that says it instead.
const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("fetch", "GET"),
    ("retrieve", "GET"),
    ("read", "GET"),
    ("list", "GET"),
    ("create", "POST"),
    ("add", "POST"),
    ("insert", "POST"),
    ("make", "POST"),
    ("update", "PUT/PATCH"),
    ("modify", "PATCH"),
    ("edit", "PATCH"),
    ("change", "PATCH"),
    ("set", "PUT"),
    ("save", "PUT"),
    ("delete", "DELETE"),
    ("remove", "DELETE"),
    ("destroy", "DELETE"),
    ("del", "DELETE"),
];

/// Documents that are files by nature and keep their extension.
const KNOWN_FILES: &[&str] = &[
    "openapi",
    "swagger",
    "sitemap",
    "manifest",
    "feed",
    "rss",
    "atom",
    "robots",
    "security",
    "apple-app-site-association",
    "assetlinks",
    "package",
    "schema",
    "favicon",
    "humans",
    // JSON Web Key Sets (`/.well-known/jwks.json`): a path OpenID Connect clients expect.
    "jwks",
    "oauth-authorization-server",
    "openid-configuration",
];

/// `getUserById` → [get, user, by, id]; `delete_item` → [delete, item]; `create-order` →
/// [create, order].
fn words(segment: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in segment.chars() {
        if c == '-' || c == '_' || c == '.' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a path segment is a parameter (`{id}`, `<int:id>`, `:id`, `*`, a regex group).
fn is_param(segment: &str) -> bool {
    segment.starts_with('{')
        || segment.starts_with('<')
        || segment.starts_with(':')
        || segment.starts_with('*')
        || segment.starts_with('(')
        || segment.contains('$')
        || segment.contains('^')
        || segment.contains('\\')
}

/// What is wrong with a path, if anything.
#[cfg(test)]
fn smell(path: &str) -> Option<String> {
    smell_in(path, true, false)
}

/// What is wrong with a path; verbs in segments only when `actions` (an HTTP API, where the
/// method can say the action; HTML forms can only `GET` and `POST`, so server-rendered pages
/// name their actions in the path); format extensions only on an API (`api`: known to be one,
/// such as a FastAPI path operation or a Django API view; otherwise when the path says so).
fn smell_in(path: &str, actions: bool, api: bool) -> Option<String> {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && !is_param(s))
        .collect();
    // Outside APIs only an RPC-style camelCase name (`getOrder`) is judged: no server-rendered
    // convention spells pages that way, while `change-password/` is how forms are named.
    for seg in segments
        .iter()
        .filter(|s| actions || s.chars().any(|c| c.is_ascii_uppercase()))
    {
        let w = words(seg);
        let Some(first) = w.first() else {
            continue;
        };
        let Some((verb, method)) = VERBS.iter().find(|(v, _)| v == first) else {
            continue;
        };
        // `/get-started`, `/set-up`: onboarding pages, not actions on a resource.
        if matches!(
            w.get(1).map(String::as_str),
            Some("started" | "up" | "in" | "out")
        ) {
            continue;
        }
        // A bare verb segment (`/users/add/`, `/orders/{id}/delete/`) is how server-rendered
        // apps name form and confirmation pages (Django admin does); only a verb joined to a
        // noun (`getUser`, `delete_item`) is an RPC name for a resource.
        if w.len() == 1 {
            continue;
        }
        let resource = format!("`/{}`", w[1..].join("-"));
        return Some(format!(
            "the path segment `{seg}` names an action (`{verb}`); name {resource} and let the HTTP method say the action (`{method}`)"
        ));
    }
    // A format extension on an API resource (`/api/users.json`, `/users/:id/orders.json`); a fixed
    // path outside an API is a document served as a file (`/locales.json`,
    // `/sitemap-posts.xml`, a plugin's `plugin-definitions.json`).
    let api_like =
        api || path.split('/').any(|s| {
            let s = s.to_ascii_lowercase();
            s == "api"
                || s == "rest"
                || (s.len() >= 2
                    && s.starts_with('v')
                    && s[1..].bytes().all(|b| b.is_ascii_digit()))
        }) || path.split('/').any(|s| !s.is_empty() && is_param(s));
    if let Some(last) = segments.last().filter(|_| api_like) {
        for ext in [".json", ".xml"] {
            if let Some(stem) = last.strip_suffix(ext) {
                let file = words(stem)
                    .iter()
                    .any(|w| KNOWN_FILES.contains(&w.as_str()))
                    || KNOWN_FILES.contains(&stem.to_ascii_lowercase().as_str());
                if !file {
                    return Some(format!(
                        "the path ends in `{ext}`, a format rather than a resource; serve one URL and choose the format from the `Accept` header"
                    ));
                }
            }
        }
    }
    // `/userProfiles/{id}/order-items`: one path, two spelling conventions.
    let mut camel = None;
    let mut kebab = None;
    for seg in &segments {
        let has_upper = seg.chars().any(|c| c.is_ascii_uppercase())
            && seg.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if has_upper {
            camel.get_or_insert(*seg);
        }
        if seg.contains('-') || seg.contains('_') {
            kebab.get_or_insert(*seg);
        }
    }
    if let (Some(c), Some(k)) = (camel, kebab) {
        return Some(format!(
            "the path mixes camelCase (`{c}`) and `{}`-separated (`{k}`) segments; use one convention (kebab-case is the common one for URLs)",
            if k.contains('-') { "-" } else { "_" }
        ));
    }
    None
}

fn report<'a>(checker: &mut Checker<'a>, path_node: Node<'a>, path: &str, api: bool) {
    report_in(checker, path_node, path, true, api);
}

fn report_in<'a>(
    checker: &mut Checker<'a>,
    path_node: Node<'a>,
    path: &str,
    actions: bool,
    api: bool,
) {
    if let Some(message) = smell_in(path, actions, api) {
        checker.report(path_node, message);
    }
}

fn check_decorator_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(decorator) = caps.get("decorator") else {
        return;
    };
    let Some(route) = routes::python_decorator(decorator, checker.source, checker.semantic) else {
        return;
    };
    if let (Some(node), Some(path)) = (route.path_node, route.path.as_deref()) {
        let api = route.framework == routes::Framework::FastApi || in_api_folder(checker);
        report(checker, node, path, api);
    }
}

const DJANGO_PATHS: &[&str] = &[
    "django.urls.path",
    "django.urls.re_path",
    "django.conf.urls.url",
];

fn check_django_path_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if checker.resolve_callee(func, DJANGO_PATHS).is_none() {
        return;
    }
    let args = checker.arguments(args);
    let Some(node) = args.get(0, "route", checker.source) else {
        return;
    };
    // An `include(…)` prefix is part of a path too; its segments are judged the same way.
    let Some(path) = checker.string_value(node) else {
        return;
    };
    let view = args.get(1, "view", checker.source);
    let api = django_api(checker, view);
    report_in(checker, node, path, api, api);
}

/// Whether the module lives in an `api` folder (`routes/api/users.js`, `app/api/v1/orders.py`).
fn in_api_folder(checker: &Checker<'_>) -> bool {
    let path = checker.path.replace('\\', "/").to_ascii_lowercase();
    let mut dirs: Vec<&str> = path.split('/').collect();
    dirs.pop();
    dirs.iter().any(|d| *d == "api" || *d == "apis")
}

/// Whether a Django route serves an HTTP API rather than a server-rendered page: the URLconf
/// lives in an `api` folder or module, or the view is an API view by its name (`UserViewSet`,
/// `ProfileAPIView.as_view()`, `api.change_password`), or the URLconf's module defines views
/// that answer JSON. A URLconf that only mounts a Django REST framework router beside HTML views
/// is judged route by route.
fn django_api(checker: &Checker<'_>, view: Option<Node<'_>>) -> bool {
    let path = checker.path.replace('\\', "/").to_ascii_lowercase();
    let api_name = |part: &str| {
        part == "api"
            || part.starts_with("api.")
            || part.starts_with("apiv")
            || part.ends_with("_api")
            || part.ends_with("_api.py")
    };
    // Views that answer JSON in the URLconf's own module (`@api_view`, `JsonResponse`): a
    // module that only mounts a REST framework router beside HTML views does not say so.
    let json_views = checker.semantic.imports.values().any(|q| {
        (q.starts_with("rest_framework") && !q.starts_with("rest_framework.routers"))
            || q.starts_with("ninja")
            || q == "django.http.JsonResponse"
    });
    path.split('/').any(api_name)
        || json_views
        || view.is_some_and(|v| {
            let text = checker.text(v);
            text.contains("ViewSet")
                || text.contains("APIView")
                || text.to_ascii_lowercase().split(['.', '(']).any(api_name)
        })
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    let Some(route) = routes::js_route(call, checker.source) else {
        return;
    };
    // `router.route("/x").get(h).post(h)`: judge the path once, at the first method.
    let Some(node) = route.route.path_node else {
        return;
    };
    let own_argument = call
        .field("arguments")
        .is_some_and(|a| a.byte_range().contains(&node.start_byte()));
    let on_route_call = call
        .field("function")
        .and_then(|f| f.field("object"))
        .and_then(|o| o.field("function"))
        .and_then(|f| f.field("property"))
        .is_some_and(|p| checker.text(p) == "route");
    if !own_argument && !on_route_call {
        return;
    }
    if let Some(path) = route.route.path.as_deref() {
        let api = in_api_folder(checker);
        report(checker, node, path, api);
    }
}

fn check_decorator<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_decorator_inner(checker, caps);
}

fn check_django_path<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_django_path_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags route paths with naming smells:
- a segment that joins a verb to a noun: `/getUser`, `/createOrder`, `/delete_item`,
  `/users/update-email`. In Django URLconfs this is judged only for API routes (the URLconf
  lives in an `api` folder or module, its module holds views answering JSON, or the view is an
  API view: `…ViewSet`, `…APIView`, a view from an `api` module), or when spelt in camelCase (`getOrder/`): HTML forms can only `GET`
  and `POST`, so server-rendered pages such as `change-password/` name their action. A bare verb segment (`/users/add/`, `/posts/{id}/delete/`) is how
  server-rendered apps name form and confirmation pages (the Django admin does), and page names
  like `/posts/new` or actions like `/login` and `/search` are not reported either;
- a format extension at the end of an API path, `/api/users.json` or `/users/:id/orders.json`
  (documents that are files by nature, such as
  `/openapi.json`, `/sitemap.xml` or the JSON Web Key Set `/.well-known/jwks.json`, are not
  reported);
- camelCase and kebab-/snake-case segments mixed in one path.

Paths are read from FastAPI/Flask route decorators, Django `path()`/`re_path()`, and
Express/Koa/Fastify route registrations.

## Why is this bad?
In an HTTP API the method already says what happens: `GET /users/{id}` reads,
`DELETE /users/{id}` deletes. Verbs in paths duplicate that, drift from it (`GET /deleteUser`
is a state change that caches and crawlers repeat), and multiply endpoints per resource. Format
suffixes split one resource over several URLs, and mixed spelling makes clients guess.

## Example
```python
@router.get("/getUser/{user_id}")
def get_user(user_id: int): ...

@router.post("/delete_item")
def delete_item(item: ItemRef): ...
```

## Use instead
```python
@router.get("/users/{user_id}")
def get_user(user_id: int): ...

@router.delete("/items/{item_id}")
def delete_item(item_id: int): ...
```

## References
- [Microsoft REST API guidelines: resource naming](https://github.com/microsoft/api-guidelines/blob/vNext/azure/Guidelines.md)
- [Google API design guide: resource names](https://cloud.google.com/apis/design/resource_names)
- [RFC 9110: method definitions](https://www.rfc-editor.org/rfc/rfc9110#name-method-definitions)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smells() {
        assert!(smell("/getUser/{id}").is_some());
        assert!(smell("/api/v1/delete_item").is_some());
        assert!(smell("/orders/create").is_none());
        assert!(smell("/orders/create-bulk").is_some());
        assert!(smell("/api/users.json").is_some());
        assert!(smell("/users/{id}/orders.json").is_some());
        assert!(smell("/v2/orders.xml").is_some());
        assert!(smell("/locales.json").is_none());
        assert!(smell("/pluginfw/plugin-definitions.json").is_none());
        assert!(smell("/sitemap-:resource.xml").is_none());
        assert!(smell("/.well-known/jwks.json").is_none());
        assert!(smell("/userProfiles/{id}/order-items").is_some());
        assert!(smell("/users/{id}").is_none());
        assert!(smell("/posts/new").is_none());
        assert!(smell("/posts/<int:id>/edit").is_none());
        assert!(smell("/login").is_none());
        assert!(smell("/openapi.json").is_none());
        assert!(smell("/settings/get-started").is_none());
        assert!(smell("/getaway").is_none());
        assert!(smell("/user-settings/{userId}").is_none());
    }
}
