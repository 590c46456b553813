//! PERF208 uncached-aggregate-read: a public GET endpoint that takes nothing from the request
//! and runs an aggregating query (GROUP BY, aggregate functions, annotate/aggregate, a join
//! sorted in the database) on every request: the same work for the same answer each time, a
//! candidate for the `cache` generator.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::chain;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::{self, is_js_function, Framework};
use ba_analysis::{named_children, walk_scope};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF208",
    name: "uncached-aggregate-read",
    category: Category::Performance,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "This public GET endpoint runs the same aggregating query on every request (nothing from the request changes it); cache its answer for a short TTL and invalidate it on writes (the `cache` code action writes Redis cache-aside).",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/functions.scm",
            query: include_str!("../../../../queries/python/functions.scm"),
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

/// Text in a handler that reads request input (the answer may differ per request), the user,
/// or a cache already.
const PY_VARIES: &[&str] = &[
    "request.args",
    "request.GET",
    "request.POST",
    "request.query_params",
    "request.path_params",
    "request.values",
    "request.form",
    "request.json",
    "request.get_json",
    "request.body",
    "request.data",
    "request.headers",
    "request.META",
    "request.cookies",
    "request.COOKIES",
    "request.session",
    "request.user",
    "request.view_args",
    "current_user",
    "g.user",
    "session[",
    "session.get(",
    "cache",
];

const JS_VARIES: &[&str] = &[
    "req.params",
    "req.query",
    "req.body",
    "req.headers",
    "req.get(",
    "req.header(",
    "req.cookies",
    "req.signedCookies",
    "req.session",
    "req.user",
    "req.auth",
    "res.locals",
    "cache",
];

/// Names that mark authentication (a per-user answer must not be shared). The cache generator
/// (`ba_scaffold::caching`) refuses such routes by the same words.
const AUTH_WORDS: &[&str] = &[
    "auth",
    "login",
    "user",
    "token",
    "jwt",
    "permission",
    "admin",
    "current",
    "verify",
    "api_key",
    "apikey",
    "principal",
    "scope",
    "role",
    "protect",
    "guard",
    "passport",
];

pub fn auth_like(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    AUTH_WORDS.iter().any(|w| l.contains(w))
}

/// Parameter types and names that are injected, not taken from the request.
const INJECTED_TYPES: &[&str] = &[
    "Request",
    "Response",
    "Session",
    "AsyncSession",
    "Connection",
    "AsyncConnection",
    "BackgroundTasks",
];

/// SQL text that aggregates: the database reads every matching row to answer.
fn sql_aggregates(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.contains("select ")
        && (s.contains("group by")
            || ["count(", "sum(", "avg(", "max(", "min("]
                .iter()
                .any(|f| s.contains(f))
            || (s.contains(" join ") && s.contains("order by")))
}

/// The aggregating query in a Python handler's body, if any: the outermost call of a chain.
fn python_query<'a>(checker: &Checker<'a>, function: Node<'a>) -> Option<Node<'a>> {
    let body = function.field("body")?;
    let mut found = None;
    walk_scope(
        body,
        &|n| {
            matches!(
                n.kind_str(),
                "function_definition" | "class_definition" | "lambda"
            )
        },
        &mut |n| {
            if found.is_some() {
                return;
            }
            match n.kind_str() {
                "call" => {
                    let (root, names) = chain(checker, n);
                    let root_text = checker.text(root);
                    let has = |m: &str| names.contains(&m);
                    let django = has("objects") && (has("annotate") || has("aggregate"));
                    let query = has("query")
                        || has("execute")
                        || has("scalar")
                        || has("scalars")
                        || has("select")
                        || root_text == "select";
                    let sqlalchemy = query
                        && (has("group_by")
                            || has("having")
                            || ((has("join") || has("outerjoin")) && has("order_by"))
                            || [
                                "func.count(",
                                "func.sum(",
                                "func.avg(",
                                "func.max(",
                                "func.min(",
                            ]
                            .iter()
                            .any(|f| checker.text(n).contains(f)));
                    if django || sqlalchemy {
                        found = Some(n);
                    }
                }
                "string" => {
                    let in_execute = n
                        .parent()
                        .filter(|p| p.kind_str() == "argument_list")
                        .and_then(|p| p.parent())
                        .and_then(|c| c.field("function"))
                        .is_some_and(|f| {
                            let t = checker.text(f);
                            t.ends_with(".execute") || t == "text" || t.ends_with(".text")
                        });
                    if in_execute && sql_aggregates(checker.text(n)) {
                        found = Some(n);
                    }
                }
                _ => {}
            }
        },
    );
    found
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    // A top-level handler (where the `cache` generator finds it).
    let item = checker.item;
    let top_level = function == item
        || (item.kind_str() == "decorated_definition"
            && item.field("definition") == Some(function));
    if !top_level {
        return;
    }
    let Some(route) =
        routes::python_handler(checker.item, function, checker.source, checker.semantic)
    else {
        return;
    };
    let fn_text = checker.text(function);
    let get = match route.framework {
        Framework::Django => route.methods.is_empty() && !fn_text.contains("request.method"),
        _ => route.is_get_only(),
    };
    if !get
        || route
            .path
            .as_deref()
            .is_some_and(|p| p.contains(['{', '<']))
        || PY_VARIES.iter().any(|w| fn_text.contains(w))
    {
        return;
    }
    // Every parameter is injected (the request, a session, a non-auth dependency): nothing a
    // client sends reaches the query. Django: the request alone (others are path parameters).
    let Some(params) = function.field("parameters") else {
        return;
    };
    for p in named_children(params) {
        let (name, ty, default) = match p.kind_str() {
            "identifier" => (Some(p), None, None),
            "typed_parameter" => (p.named_child(0), p.field("type"), None),
            "default_parameter" | "typed_default_parameter" => {
                (p.field("name"), p.field("type"), p.field("value"))
            }
            _ => return,
        };
        let name = name.map_or("", |n| checker.text(n));
        let ty = ty.map_or("", |t| checker.text(t));
        let default = default.map_or("", |d| checker.text(d));
        let depends = default.starts_with("Depends(")
            || default.starts_with("Security(")
            || (ty.contains("Annotated[") && ty.contains("Depends("));
        // The dependency's own name says what it is (`Depends(get_current_user)`); a
        // `Session` parameter is the database's.
        if depends && (auth_like(default) || (ty.contains("Annotated[") && auth_like(ty))) {
            return;
        }
        let injected = depends
            || INJECTED_TYPES
                .iter()
                .any(|t| ty.rsplit('.').next() == Some(*t))
            || name == "request";
        if !injected {
            return;
        }
    }
    // Authentication or a cache in the decorators.
    if item.kind_str() == "decorated_definition" {
        let guarded = named_children(item)
            .into_iter()
            .filter(|d| d.kind_str() == "decorator")
            .filter(|d| {
                *d != route.registration
                    && !d.byte_range().contains(&route.registration.start_byte())
            })
            .any(|d| {
                let t = checker.text(d);
                auth_like(t) || t.contains("cache")
            });
        // `@app.get(..., dependencies=[Depends(require_admin)])`.
        let registration = checker.text(route.registration);
        if guarded || (registration.contains("dependencies") && auth_like(registration)) {
            return;
        }
    }
    let Some(query) = python_query(checker, function) else {
        return;
    };
    let name = function
        .field("name")
        .map_or("this handler", |n| checker.text(n));
    report(checker, query, name);
}

fn report<'a>(checker: &mut Checker<'a>, query: Node<'a>, handler: &str) {
    let short = crate::security::callee(checker.text(query));
    checker.report(query, format!(
        "`{handler}` runs the same aggregating query (`{short}`) on every request: nothing from the request changes it and no user is involved, so every caller pays for the same scan; cache the answer for a short TTL and invalidate it on writes (code action: \"Cache this read route in Redis\")"
    ));
}

/// The aggregating query in an Express handler, if any.
fn js_query<'a>(checker: &Checker<'a>, handler: Node<'a>) -> Option<Node<'a>> {
    let body = handler.field("body")?;
    let mut found = None;
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if found.is_some() {
            break;
        }
        match n.kind_str() {
            "call_expression" => {
                let (root, names) = chain(checker, n);
                let root_text = checker.text(root);
                let has = |m: &str| names.contains(&m);
                let model = root_text.starts_with(|c: char| c.is_ascii_uppercase())
                    || root_text == "prisma"
                    || has("collection");
                let last = names.last().copied().unwrap_or("");
                let aggregate = model
                    && (has("aggregate")
                        || has("groupBy")
                        || (matches!(last, "findAll" | "findAndCountAll") && {
                            let t = checker.text(n);
                            t.contains("group:") || t.contains("fn(")
                        }));
                let sql = matches!(last, "query" | "execute")
                    && n.field("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(|a| {
                            matches!(a.kind_str(), "string" | "template_string")
                                && sql_aggregates(checker.text(a))
                        });
                if aggregate || sql {
                    found = Some(n);
                    continue;
                }
            }
            k if is_js_function(k) && n != body => continue,
            _ => {}
        }
        let mut children = named_children(n);
        children.reverse();
        stack.extend(children);
    }
    found
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    // Express only: the generator writes Express middleware.
    if !checker.source.contains("express") {
        return;
    }
    let Some(route) = routes::js_route(call, checker.source) else {
        return;
    };
    if !route.route.is_get_only() || route.route.path.as_deref().is_none_or(|p| p.contains(':')) {
        return;
    }
    let Some(handler) = route
        .handlers
        .last()
        .filter(|h| is_js_function(h.kind_str()))
    else {
        return;
    };
    // Middleware before the handler that authenticates or caches.
    if route.handlers[..route.handlers.len() - 1].iter().any(|m| {
        let t = checker.text(*m);
        auth_like(t) || t.contains("cache") || t.contains("session")
    }) {
        return;
    }
    let text = checker.text(*handler);
    if JS_VARIES.iter().any(|w| text.contains(w)) {
        return;
    }
    let Some(query) = js_query(checker, *handler) else {
        return;
    };
    let name = route.route.path.clone().unwrap_or_default();
    report(checker, query, &format!("GET {name}"));
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Suggests a cache in front of a read endpoint when all of these hold, so that it fires on
dashboards and statistics endpoints and stays quiet elsewhere:
- the route is a public GET: a FastAPI/Flask GET route or a Django function view that does not
  branch on `request.method` (top-level functions), or an Express `app.get`/`router.get` route;
  no authentication decorator, dependency or middleware (`login_required`,
  `Depends(get_current_user)`, `requireAuth`);
- nothing from the request reaches the query: no path parameter, every handler parameter is
  injected (the request, a session, a non-auth `Depends`), and the body reads no query string,
  body, headers, cookies, session or user (`request.args`, `request.GET`, `req.query`,
  `req.params`, `req.user`, …);
- the handler runs an aggregating query: SQLAlchemy `group_by`/`having`, `func.count/sum/avg/
  max/min`, or a `join` sorted by `order_by`; Django `annotate(...)`/`aggregate(...)`; Mongoose
  `aggregate`, Prisma `groupBy`/`aggregate`, Sequelize `findAll` with `group:` or `fn(...)`; SQL
  text passed to `execute`/`query` with `GROUP BY`, an aggregate function, or a `JOIN` with
  `ORDER BY`;
- the handler does not use a cache already (no `cache` in it or its decorators).

## Why is this bad?
An aggregation reads every row it summarises, and the answer only changes when the data does.
With nothing from the request in the query, every caller of the endpoint pays for the same scan,
and a popular dashboard multiplies the database's load by its traffic. Caching the answer for a
short TTL, and dropping it when the resource is written, turns that into one query per TTL or
write.

## Example
```python
@app.get("/stats/orders")
def order_stats(db: Session = Depends(get_db)):
    rows = db.query(Order.status, func.count(Order.id)).group_by(Order.status).all()
    return {status: n for status, n in rows}
```

## Use instead
The code action *Cache this read route in Redis* (`backend-architect.scaffold.cache`) writes
cache-aside for the route and invalidation for the resource's writes:
```python
@app.get("/stats/orders")
@cached("stats")
def order_stats(db: Session = Depends(get_db)):
    rows = db.query(Order.status, func.count(Order.id)).group_by(Order.status).all()
    return {status: n for status, n in rows}
```
Where stale answers are unacceptable even for seconds, a materialised view or a counter
maintained on write is the alternative.

## References
- [AWS: Caching strategies — cache-aside (lazy loading)](https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Strategies.html)
- [Django: the cache framework](https://docs.djangoproject.com/en/stable/topics/cache/)
- [Redis: client-side caching and cache-aside](https://redis.io/docs/latest/develop/use/patterns/)
"#;
