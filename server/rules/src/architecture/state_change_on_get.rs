//! ARC202 state-change-on-get: GET handlers that write to the database.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::performance::{chain, is_db_name, receiver_name};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::{self, calls_in, is_js_function, Route};
use ba_analysis::{named_children, string_value};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "ARC202",
    name: "state-change-on-get",
    category: Category::Architecture,
    severity: Severity::Warning,
    cwe: &[650],
    owasp: None,
    summary: "A GET handler changes data; GET must be safe to repeat (crawlers, link prefetchers, caches and retries send it freely), so move the write to POST, PUT, PATCH or DELETE.",
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

/// Django manager/queryset methods that write (also read by the architecture map).
pub const DJANGO_WRITES: &[&str] = &[
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
];
/// SQLAlchemy session methods that write.
pub const SESSION_WRITES: &[&str] = &[
    "add",
    "add_all",
    "delete",
    "commit",
    "merge",
    "bulk_save_objects",
    "bulk_insert_mappings",
    "bulk_update_mappings",
];
const SQL_WRITES: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "UPSERT", "DROP", "ALTER", "TRUNCATE",
    "CREATE",
];
const SQL_BUILDERS: &[&str] = &[
    "sqlalchemy.insert",
    "sqlalchemy.update",
    "sqlalchemy.delete",
    "sqlalchemy.dialects.postgresql.insert",
];

/// Whether a string starts with a SQL statement that writes.
fn writes_sql(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    SQL_WRITES.contains(&first.as_str())
}

/// A SQL argument that writes: a literal, `text("UPDATE …")`, or `insert(Model)`.
fn sql_argument_writes<'a>(checker: &Checker<'a>, arg: Node<'a>) -> bool {
    if let Some(s) = string_value(checker.language, arg, checker.source) {
        return writes_sql(s);
    }
    match arg.kind_str() {
        // f-strings and template literals: the text before the first interpolation.
        "string" | "template_string" => writes_sql(
            checker
                .text(arg)
                .trim_start_matches(|c: char| !c.is_ascii_alphabetic() || c == 'f'),
        ),
        "call" => {
            // `update(Order).where(…).values(…)`: the statement is the chain's first call.
            let (root, _) = chain(checker, arg);
            if checker.resolve_callee(root, SQL_BUILDERS).is_some() {
                return true;
            }
            // `text("UPDATE …")`
            arg.field("arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| {
                    string_value(checker.language, a, checker.source).is_some_and(writes_sql)
                })
        }
        _ => false,
    }
}

fn first_arg(call: Node) -> Option<Node> {
    call.field("arguments").and_then(|a| {
        named_children(a)
            .into_iter()
            .find(|c| c.kind_str() != "comment")
    })
}

fn arg_count(call: Node) -> usize {
    call.field("arguments")
        .map(|a| {
            named_children(a)
                .into_iter()
                .filter(|c| c.kind_str() != "comment" && c.kind_str() != "keyword_argument")
                .count()
        })
        .unwrap_or(0)
}

/// What a Python call writes, if it writes.
fn python_write<'a>(checker: &Checker<'a>, call: Node<'a>, django: bool) -> Option<String> {
    let func = call.field("function")?;
    if func.kind_str() != "attribute" {
        return None;
    }
    let method = checker.member_name(func)?;
    let (_, names) = chain(checker, call);
    let object_text = func.field("object").map(|o| checker.text(o)).unwrap_or("");
    // The session of a request (`request.session`) is not the database.
    if object_text.contains("request.session") || object_text.contains("req.session") {
        return None;
    }
    if names.contains(&"objects") && DJANGO_WRITES.contains(&method) {
        return Some(format!("`{}`", crate::security::callee(checker.text(func))));
    }
    let receiver = receiver_name(checker, func);
    if SESSION_WRITES.contains(&method) && is_db_name(&receiver) && !receiver.contains("cursor") {
        return Some(format!("`{}`", crate::security::callee(checker.text(func))));
    }
    if matches!(method, "execute" | "executemany" | "exec_driver_sql")
        && (is_db_name(&receiver) || receiver == "connection")
        && first_arg(call).is_some_and(|a| sql_argument_writes(checker, a))
    {
        return Some(format!(
            "`{}` with a writing statement",
            crate::security::callee(checker.text(func))
        ));
    }
    // `order.save()`, `order.delete()` on a Django model instance.
    if django
        && matches!(method, "save" | "delete")
        && arg_count(call) == 0
        && receiver != "session"
        && receiver != "cache"
        && !bookkeeping_only(checker, call)
    {
        return Some(format!(
            "`{}()`",
            crate::security::callee(checker.text(func))
        ));
    }
    None
}

/// `save(update_fields=["unread_notifications"])`, `save(update_fields=["last_seen"])`: a read
/// that keeps a counter or an access time in step. Repeating it changes nothing a user did, so
/// crawlers and prefetchers replaying the `GET` do no harm.
fn bookkeeping_only<'a>(checker: &Checker<'a>, call: Node<'a>) -> bool {
    let Some(fields) = call.field("arguments").and_then(|a| {
        named_children(a)
            .into_iter()
            .filter(|k| k.kind_str() == "keyword_argument")
            .find(|k| k.field("name").is_some_and(|n| checker.text(n) == "update_fields"))
            .and_then(|k| k.field("value"))
    }) else {
        return false;
    };
    if !matches!(fields.kind_str(), "list" | "tuple") {
        return false;
    }
    let names: Vec<Option<&str>> = named_children(fields)
        .into_iter()
        .map(|f| string_value(checker.language, f, checker.source))
        .collect();
    !names.is_empty()
        && names.iter().all(|n| {
            n.is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                n.starts_with("last_")
                    || n.starts_with("unread")
                    || n.ends_with("_count")
                    || n.ends_with("_seen")
                    || n.ends_with("_seen_at")
                    || n.ends_with("_accessed_at")
                    || n.ends_with("_visited_at")
                    || matches!(n.as_str(), "views" | "hits" | "seen" | "visits")
            })
        })
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let Some(route) =
        routes::python_handler(checker.item, function, checker.source, checker.semantic)
    else {
        return;
    };
    // Django views without a method decorator serve any method; only decorated or
    // class-based GET handlers are known to be GET.
    if !route.is_get_only() {
        return;
    }
    let django = checker
        .semantic
        .imports
        .values()
        .any(|q| q.starts_with("django") || q.starts_with("rest_framework"));
    let Some(body) = function.field("body") else {
        return;
    };
    for call in calls_in(body) {
        // A nested `def` is not run by this request (or is judged as its own handler).
        if ba_analysis::ancestors(body, call)
            .iter()
            .any(|a| matches!(a.kind_str(), "function_definition" | "class_definition"))
        {
            continue;
        }
        if let Some(what) = python_write(checker, call, django) {
            report(checker, call, &what, &route);
        }
    }
}

fn report<'a>(checker: &mut Checker<'a>, call: Node<'a>, what: &str, route: &Route) {
    let path = route
        .path
        .as_deref()
        .map(|p| format!(" `{p}`"))
        .unwrap_or_default();
    let func = call.field("function").unwrap_or(call);
    checker.report(func, format!(
        "the GET handler{path} writes ({what}); GET must be safe to repeat, since crawlers, link prefetchers, caches and retries send it freely: move the write to a POST, PUT, PATCH or DELETE route"
    ));
}

/// Methods of Mongoose/Sequelize/Prisma/MongoDB/TypeORM that always write.
pub const JS_WRITES: &[&str] = &[
    "insertOne",
    "insertMany",
    "updateOne",
    "updateMany",
    "deleteOne",
    "deleteMany",
    "replaceOne",
    "bulkWrite",
    "findByIdAndUpdate",
    "findByIdAndDelete",
    "findByIdAndRemove",
    "findOneAndUpdate",
    "findOneAndDelete",
    "findOneAndRemove",
    "findOneAndReplace",
    "bulkCreate",
    "createMany",
    "upsert",
];
/// Methods that write when called on a model (capitalised receiver, `prisma.x`, a repository).
pub const JS_MODEL_WRITES: &[&str] = &[
    "create",
    "update",
    "destroy",
    "delete",
    "increment",
    "decrement",
    "save",
    "insert",
    "remove",
];

fn js_write<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<String> {
    let func = call.field("function")?;
    if func.kind_str() != "member_expression" {
        return None;
    }
    let method = checker.member_name(func)?;
    let object = func.field("object")?;
    let object_text = checker.text(object);
    if object_text.starts_with("req")
        || object_text.starts_with("res")
        || object_text.starts_with("ctx")
        || object_text.contains("session")
        || object_text.contains("cache")
    {
        return None;
    }
    let short = crate::security::callee(checker.text(func));
    if JS_WRITES.contains(&method) {
        return Some(format!("`{short}`"));
    }
    let (root, _) = chain(checker, call);
    let root_name = checker.text(root);
    let model = root_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && !matches!(
            root_name,
            "Object" | "Array" | "Promise" | "Math" | "JSON" | "Reflect" | "Date" | "Map" | "Set"
        )
        || root_name == "prisma"
        || root_name.ends_with("Repository")
        || root_name.ends_with("repository");
    if JS_MODEL_WRITES.contains(&method) && model {
        return Some(format!("`{short}`"));
    }
    // `doc.save()` with no arguments: a Mongoose document or Sequelize instance.
    if method == "save"
        && call
            .field("arguments")
            .is_some_and(|a| a.named_child_count() == 0)
    {
        return Some(format!("`{short}()`"));
    }
    if matches!(method, "query" | "execute" | "run" | "raw") {
        let receiver = receiver_name(checker, func);
        if (receiver.contains("pool")
            || receiver.contains("db")
            || receiver.contains("client")
            || receiver.contains("conn")
            || receiver == "knex"
            || receiver == "sequelize")
            && first_arg(call).is_some_and(|a| sql_argument_writes(checker, a))
        {
            return Some(format!("`{short}` with a writing statement"));
        }
    }
    None
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    let Some(route) = routes::js_route(call, checker.source) else {
        return;
    };
    if !route.route.is_get_only() {
        return;
    }
    for handler in route
        .handlers
        .iter()
        .filter(|h| is_js_function(h.kind_str()))
    {
        let Some(body) = handler.field("body") else {
            continue;
        };
        for inner in calls_in(body) {
            if let Some(what) = js_write(checker, inner) {
                report(checker, inner, &what, &route.route);
            }
        }
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags writes in handlers that serve only GET (or HEAD): FastAPI/Flask GET routes, Django views
decorated `@require_GET`/`@require_safe`/`@api_view(["GET"])`, class-based `get`/`list`/
`retrieve` handlers, and Express/Koa/Fastify `get` routes. A write is:
- Django `Model.objects.create/update/delete/bulk_create/get_or_create/update_or_create(…)` and
  `instance.save()`/`instance.delete()`;
- SQLAlchemy `session.add/delete/commit/merge(…)`, and `execute` of `insert()`/`update()`/
  `delete()` or SQL text starting with `INSERT`, `UPDATE`, `DELETE` (and DDL);
- Mongoose/MongoDB `save()`, `insertOne/Many`, `updateOne/Many`, `deleteOne/Many`,
  `findByIdAndUpdate/Delete`, `findOneAndUpdate/Delete`; Sequelize/Prisma/TypeORM
  `Model.create/update/destroy/upsert/bulkCreate`, `prisma.x.create/update/delete`; SQL writes
  through `pool.query`/`db.execute`.

The request's session (`request.session`, `req.session`) and caches are not the database and
are not reported, nor is a Django `save(update_fields=[…])` that only keeps counters or access
times in step (`unread_notifications`, `views`, `*_count`, `last_*`, `*_seen_at`): repeating it
undoes nothing a user did. Django function views without a method decorator serve every method
and are not judged.

## Why is this bad?
HTTP says GET is *safe*: it must not change state, so anything may send it again. Browsers
prefetch links, crawlers follow them, proxies and CDNs replay and cache them, and clients retry
them on timeouts. A GET that deletes or updates does so whenever any of these happens, and is
an easy cross-site request forgery target, since an `<img src>` on any page triggers it.

## Example
```python
@app.get("/orders/<int:order_id>/cancel")
def cancel(order_id):
    order = db.session.get(Order, order_id)
    order.status = "cancelled"
    db.session.commit()
    return redirect(url_for("orders"))
```

## Use instead
```python
@app.post("/orders/<int:order_id>/cancellation")
def cancel(order_id):
    order = db.session.get(Order, order_id)
    order.status = "cancelled"
    db.session.commit()
    return redirect(url_for("orders"), code=303)
```

## References
- [CWE-650: Trusting HTTP Permission Methods on the Server Side](https://cwe.mitre.org/data/definitions/650.html)
- [RFC 9110 §9.2.1: safe methods](https://www.rfc-editor.org/rfc/rfc9110#name-safe-methods)
- [MDN: safe HTTP methods](https://developer.mozilla.org/en-US/docs/Glossary/Safe/HTTP)
"#;
