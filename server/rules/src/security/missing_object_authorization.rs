//! SEC704 missing-object-authorization: a handler loads an object by a client-supplied id and
//! changes or deletes it with no check tying the object to the current user (IDOR).

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::{self, is_js_function};
use ba_analysis::{ancestors, named_children};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC704",
    name: "missing-object-authorization",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[639],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "A handler loads an object by a client-supplied id and changes or deletes it without checking that it belongs to the current user; filter the query by the user, or compare the owner and answer 403/404.",
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

// ---------------------------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------------------------

/// Words that tie a query or a comparison to the current user (or a tenant).
const OWNER_WORDS: &[&str] = &[
    "user",
    "owner",
    "author",
    "creator",
    "created_by",
    "createdby",
    "tenant",
    "account",
    "member",
    "principal",
];

/// Words that show an authorization decision: permission checks, policies, admin-only guards.
const GUARD_WORDS: &[&str] = &[
    "admin",
    "is_staff",
    "isstaff",
    "staff_member",
    "superuser",
    "permission",
    "authoriz",
    "authoris",
    "has_perm",
    "role",
    "policy",
    "ability",
    "can(",
    "can_",
    "cannot(",
    "ensure_own",
    "isowner",
    "is_owner",
    "checkowner",
    "check_owner",
    "ownership",
    "owns",
    "permit(",
    "forbid",
    "access_control",
];

/// Decorators, class attributes, parameters and middleware that restrict who may call, beyond
/// being signed in (`permission_classes = [IsAuthenticated]` alone is not one).
const CONTEXT_GUARD_WORDS: &[&str] = &[
    "admin",
    "staff",
    "superuser",
    "permission_required",
    "has_perm",
    "objectpermission",
    "user_passes_test",
    "owner",
    "author",
    "role",
    "policy",
    "ability",
    "authoriz",
    "authoris",
    "can(",
    "permit(",
    "acl",
    // SCIM provisioning endpoints are called by the identity provider with an admin token.
    "scim",
];

/// Handler names and paths of actions any user may take on a shared object: the write records
/// the caller's relation to it (a vote, a like, a subscription), not a change of someone's data.
const SHARED_ACTIONS: &[&str] = &[
    "vote",
    "like",
    "star",
    "follow",
    "subscribe",
    "join",
    "bookmark",
    "favorite",
    "favourite",
    "react",
    "flag",
    "report",
    "rate",
    "rsvp",
    "enroll",
    "watch",
    "clap",
    "upvote",
    "downvote",
];

/// Whether the handler's name or path names a shared action (`vote`, `/posts/<id>/like`), or
/// it relates the object to the current user (`item.voted_by.add(request.user)`).
fn shared_action(checker: &Checker, name: &str, path: Option<&str>, body: Node) -> bool {
    let words = |t: &str| {
        t.split(|c: char| !c.is_ascii_alphanumeric())
            .flat_map(split_camel)
            .any(|w| SHARED_ACTIONS.contains(&w.to_ascii_lowercase().as_str()))
    };
    if words(name) || path.is_some_and(words) {
        return true;
    }
    descendants(body, &["call", "call_expression"])
        .iter()
        .any(|c| {
            let callee = c.field("function").map(|f| checker.text(f)).unwrap_or("");
            let relation = callee.matches('.').count() >= 2
                && matches!(
                    callee.rsplit('.').next(),
                    Some("add" | "remove" | "addToSet" | "push" | "pull")
                );
            relation
                && c.field("arguments").is_some_and(|a| {
                    has_any(checker.text(a), BODY_AUTH_WORDS)
                        || has_any(checker.text(a), &["voter", "user"])
                })
        })
}

/// `upvoteComment` → `upvote`, `Comment`.
fn split_camel(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            out.push(&word[start..i]);
            start = i;
        }
    }
    out.push(&word[start..]);
    out
}

/// Verbs of service and repository methods that change or delete one object.
const SERVICE_VERBS: &[&str] = &[
    "update",
    "delete",
    "remove",
    "destroy",
    "archive",
    "rename",
    "edit",
    "modify",
    "cancel",
    "close",
    "transfer",
    "move",
    "publish",
    "unpublish",
    "replace",
    "patch",
    "restore",
];

/// Receivers that are not a service layer over the application's records.
const NOT_SERVICES: &[&str] = &[
    "cache",
    "redis",
    "fs",
    "os",
    "shutil",
    "s3",
    "storage",
    "bucket",
    "client",
    "session",
    "db",
    "res",
    "req",
    "ctx",
    "request",
    "response",
    "reply",
    "logger",
    "log",
    "queue",
    "background_tasks",
    "headers",
    "map",
    "set",
    "params",
    "cookies",
    "localstorage",
    "store",
    "self",
    "this",
    "router",
    "app",
    "prisma",
    "knex",
    "path",
    "url",
    "object",
    "array",
];

/// Whether `callee` (`posts.updatePost`, `repo.rename`, `self.service.delete_note`) is a
/// service or repository method that changes one object: a compound name (`updatePost`,
/// `delete_note`), or a plain verb on a receiver named like a service (`noteService.update`).
fn service_write(receiver: &str, method: &str, service_typed: bool) -> Option<&'static str> {
    let words: Vec<String> = method
        .split('_')
        .flat_map(split_camel)
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let verb = SERVICE_VERBS
        .iter()
        .find(|v| words.first().map(String::as_str) == Some(**v))?;
    let last = receiver
        .rsplit('.')
        .next()
        .unwrap_or(receiver)
        .to_ascii_lowercase();
    if last.is_empty()
        || NOT_SERVICES.contains(&last.as_str())
        || last.contains("cache")
        || last.contains("storage")
        || last.contains("redis")
        || last.contains("session")
    {
        return None;
    }
    // `updateMany`/`deleteOne`-style driver calls are not service methods.
    if words.len() == 2 && matches!(words[1].as_str(), "one" | "many" | "all" | "by") {
        return None;
    }
    let serviceish = service_typed
        || ["service", "repo", "crud", "dao", "manager", "store"]
            .iter()
            .any(|w| last.contains(w));
    let compound = words.len() >= 2
        && !words.iter().any(|w| {
            w == "user" || w == "users" || w == "me" || w == "my" || w == "own" || w == "mine"
        });
    if !(compound || serviceish) {
        return None;
    }
    Some(match *verb {
        "delete" | "remove" | "destroy" => "deleted",
        _ => "changed",
    })
}

/// The body of the function that encloses `node` (the handler).
fn enclosing_body<'t>(item: Node<'t>, node: Node<'t>) -> Option<Node<'t>> {
    ancestors(item, node)
        .into_iter()
        .rev()
        .find(|a| a.kind_str() == "function_definition" || is_js_function(a.kind_str()))
        .and_then(|f| f.field("body"))
}

/// Whether another call checks the same id together with the caller or a secret:
/// `get_chat_by_id_and_user_id(id, user.id)`, `require_access(id, user)`,
/// `get_webhook_by_id_and_token(webhook_id, token)`.
fn verified_elsewhere(checker: &Checker, body: Node, load: &Load) -> bool {
    descendants(body, &["call", "call_expression"])
        .iter()
        .any(|c| {
            // Only a check made before the load counts (an audit log afterwards checks nothing).
            if c.end_byte() > load.node.start_byte() {
                return false;
            }
            let Some(args) = c.field("arguments") else {
                return false;
            };
            let args_text = checker.text(args);
            if !named_children(args)
                .iter()
                .any(|a| checker.text(*a) == load.id)
            {
                return false;
            }
            let callee = c.field("function").map(|f| checker.text(f)).unwrap_or("");
            if has_any(
                callee,
                &["log", "audit", "emit", "track", "notify", "send", "publish"],
            ) {
                return false;
            }
            has_any(args_text, OWNER_WORDS)
                || has_any(args_text, BODY_AUTH_WORDS)
                || has_any(callee, OWNER_WORDS)
                || has_any(callee, &["token", "secret", "access", "permission"])
        })
}

/// Words that show the handler knows who is calling (an authenticated context).
const AUTH_WORDS: &[&str] = &[
    "user",
    "auth",
    "login",
    "jwt",
    "token",
    "req.session",
    "request.session",
    "ctx.session",
    "ctx.state",
    "protect",
];

/// What a handler's body says when it knows who calls (`user` alone is too common a name).
const BODY_AUTH_WORDS: &[&str] = &[
    "current_user",
    "currentuser",
    "request.user",
    "req.user",
    "g.user",
    "ctx.state.user",
    "locals.user",
    "req.auth",
    "request.auth",
    "session[",
    "session.get(",
    "req.session",
    "request.session",
    "jwt",
    "token",
    "login",
];

/// Module-level middleware that authenticates (`router.use(requireAuth)`).
const MODULE_AUTH_WORDS: &[&str] = &[
    "auth", "login", "jwt", "token", "passport", "protect", "session", "verify",
];

/// Whether the file imports something that authenticates requests: `current_user`,
/// `login_required`, JWT or session helpers, passport (a `User` model alone is not enough).
fn imports_users(checker: &Checker) -> bool {
    checker.semantic.imports.values().any(|q| {
        let last = q.rsplit(['.', '/', ':']).next().unwrap_or(q);
        q == "flask.session"
            || q.starts_with("passport")
            || q.starts_with("flask_login")
            || q.starts_with("flask_jwt")
            || has_any(
                last,
                &[
                    "current_user",
                    "login",
                    "auth",
                    "jwt",
                    "token",
                    "get_user",
                    "requireuser",
                ],
            )
    })
}

fn has_any(text: &str, words: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    words.iter().any(|w| lower.contains(w))
}

/// Whether a name looks like an object id (`id`, `pk`, `note_id`, `noteId`, `uuid`).
fn id_like(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "id" | "pk" | "_id" | "uuid" | "guid")
        || lower.ends_with("_id")
        || lower.ends_with("_pk")
        || lower.ends_with("_uuid")
        || (name.ends_with("Id") && name.len() > 2)
        || (name.ends_with("ID") && name.len() > 2)
}

/// Every node of one of `kinds` under `node` (nested functions included), in source order.
fn descendants<'t>(node: Node<'t>, kinds: &[&str]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if kinds.contains(&n.kind_str()) {
            out.push(n);
        }
        for c in n.named_children(&mut cursor) {
            stack.push(c);
        }
    }
    out.sort_by_key(|n| (n.start_byte(), std::cmp::Reverse(n.end_byte())));
    out
}

/// Whether `text` uses `name` as a whole identifier (`note`, `note.owner`, not `notes`).
fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let start = from + i;
        let end = start + name.len();
        let before = start == 0 || !is_ident_byte(bytes[start - 1]) && bytes[start - 1] != b'.';
        let after = end >= bytes.len() || !is_ident_byte(bytes[end]);
        if before && after {
            return true;
        }
        from = end;
    }
    false
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Whether an expression is a literal (it scopes nothing to a user).
fn is_literal(kind: &str) -> bool {
    matches!(
        kind,
        "string"
            | "integer"
            | "float"
            | "true"
            | "false"
            | "none"
            | "number"
            | "null"
            | "undefined"
            | "template_string"
    )
}

/// A load of one object by a client-supplied id.
struct Load<'t> {
    /// The load expression (reported).
    node: Node<'t>,
    /// The model's name as written.
    model: String,
    /// The client id as written.
    id: String,
    /// The load changes the object itself (`findByIdAndDelete`, `.filter(pk=…).delete()`).
    writes: Option<String>,
    /// A service or repository method, not an ORM call.
    service: bool,
}

/// Whether the handler decides on authorization somewhere: an owner comparison, a permission
/// call, an admin-only guard.
fn comparison_with_owner(checker: &Checker, comparisons: &[Node]) -> bool {
    comparisons.iter().any(|c| {
        let text = checker.text(*c);
        if has_any(text, GUARD_WORDS) {
            return true;
        }
        // `note.owner_id != current_user.id`, not `user is None`.
        has_any(text, OWNER_WORDS)
            && named_children(*c)
                .iter()
                .filter(|o| !matches!(o.kind_str(), "comment"))
                .all(|o| !is_literal(o.kind_str()))
    })
}

/// What a write does, and where.
type Write = (String, Option<std::ops::Range<usize>>);

fn report(checker: &mut Checker, load: &Load, write: &Write) {
    if let Some(body) = enclosing_body(checker.item, load.node) {
        if verified_elsewhere(checker, body, load) {
            return;
        }
    }
    let Load {
        node, model, id, ..
    } = load;
    let (write, at) = write;
    let what = if load.service {
        format!("`{model}(…)` is given the client-supplied id `{id}` but not the current user, and the record is {write}")
    } else if load.writes.is_some() {
        format!("`{model}` is {write} by the client-supplied id `{id}`")
    } else {
        format!("`{model}` is loaded by the client-supplied id `{id}` and {write}")
    };
    let finding = checker.report(*node, format!(
        "{what} with no check that it belongs to the current user: any signed-in user can change or delete another user's record by changing the id (IDOR); filter the query by the current user (owner/user id), or compare the object's owner with the current user and answer 403/404"
    ));
    if let Some(at) = at {
        finding.with_related(at.clone(), format!("the `{model}` is {write} here"));
    }
}

// ---------------------------------------------------------------------------------------------
// Python: Django/DRF, SQLAlchemy (Flask, FastAPI)
// ---------------------------------------------------------------------------------------------

/// Handler parameters that are never client ids.
const PY_NOT_IDS: &[&str] = &["self", "cls", "request", "req", "current_user", "user"];

/// Keyword arguments that select an object by id.
fn py_id_key(key: &str) -> bool {
    matches!(
        key,
        "pk" | "id" | "uuid" | "pk__exact" | "id__exact" | "_id" | "guid"
    )
}

/// Request data attributes (`request.json`, `request.POST`, DRF `request.data`).
const PY_REQUEST_DATA: &[&str] = &[
    "request.json",
    "request.get_json",
    "request.form",
    "request.args",
    "request.values",
    "request.data",
    "request.POST",
    "request.GET",
    "request.query_params",
    "self.kwargs",
    "kwargs[",
    "kwargs.get",
];

struct PyHandler<'t> {
    /// Parameters and locals that hold a client id.
    ids: Vec<&'t str>,
}

impl PyHandler<'_> {
    fn is_client(&self, checker: &Checker, node: Node) -> bool {
        let text = checker.text(node);
        if PY_REQUEST_DATA.iter().any(|r| text.contains(r)) {
            return true;
        }
        // `int(note_id)`, `UUID(note_id)`, `str(pk)`
        let inner = match node.kind_str() {
            "call" => node
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next()),
            _ => Some(node),
        };
        inner.is_some_and(|n| n.kind_str() == "identifier" && self.ids.contains(&checker.text(n)))
    }
}

/// Whether a call's callee ends with `.method`.
fn py_method<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<&'a str> {
    let func = call.field("function")?;
    match func.kind_str() {
        "attribute" => func.field("attribute").map(|a| checker.text(a)),
        "identifier" => Some(checker.text(func)),
        _ => None,
    }
}

/// The calls of a method chain from the outermost (`x.filter(…).first()`) inwards.
fn py_chain<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let mut out = vec![call];
    let mut node = call;
    while let Some(object) = node
        .field("function")
        .filter(|f| f.kind_str() == "attribute")
        .and_then(|f| f.field("object"))
        .filter(|o| o.kind_str() == "call")
    {
        out.push(object);
        node = object;
    }
    out
}

/// The conditions of a chain's calls: keyword arguments and positional comparisons.
fn py_conditions<'t>(chain: &[Node<'t>]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    for call in chain {
        if let Some(args) = call.field("arguments") {
            out.extend(named_children(args).into_iter().filter(|a| {
                matches!(
                    a.kind_str(),
                    "keyword_argument" | "comparison_operator" | "call" | "attribute"
                )
            }));
        }
    }
    out
}

/// If `cond` selects by id with a client value, its id text.
fn py_id_condition<'a>(checker: &Checker<'a>, h: &PyHandler, cond: Node<'a>) -> Option<&'a str> {
    match cond.kind_str() {
        "keyword_argument" => {
            let key = checker.text(cond.field("name")?);
            let value = cond.field("value")?;
            (py_id_key(key) && h.is_client(checker, value)).then(|| checker.text(value))
        }
        "comparison_operator" => {
            let text = checker.text(cond);
            if !text.contains("==") {
                return None;
            }
            let parts = named_children(cond);
            let (left, right) = (parts.first()?, parts.get(1)?);
            let column = checker.text(*left);
            let column = column.rsplit('.').next().unwrap_or(column);
            (py_id_key(column) && h.is_client(checker, *right)).then(|| checker.text(*right))
        }
        _ => None,
    }
}

/// Whether the other conditions scope the load (to the user, a tenant, a parent object).
fn py_scoped(checker: &Checker, h: &PyHandler, conditions: &[Node], id_cond: Node) -> bool {
    conditions.iter().filter(|c| **c != id_cond).any(|c| {
        let text = checker.text(*c);
        if has_any(text, OWNER_WORDS) {
            return true;
        }
        let value = match c.kind_str() {
            "keyword_argument" => c.field("value"),
            "comparison_operator" => named_children(*c).get(1).copied(),
            _ => None,
        };
        match value {
            // A constant (`is_deleted=False`) or another client id scopes nothing.
            Some(v) => !is_literal(v.kind_str()) && !h.is_client(checker, v),
            // `select_related(…)`, `Note.deleted_at.is_(None)`: not a scope.
            None => false,
        }
    })
}

/// Django/SQLAlchemy loads by client id.
fn py_load<'a>(checker: &Checker<'a>, h: &PyHandler, top: Node<'a>) -> Option<Load<'a>> {
    let chain = py_chain(top);
    let root = *chain.last()?;
    let root_func = root.field("function")?;
    let root_text = checker.text(root_func);
    let top_method = py_method(checker, top).unwrap_or("");
    let writes = match top_method {
        "delete" => Some("deleted".to_owned()),
        "update" => Some("updated".to_owned()),
        _ => None,
    };
    // `get_object_or_404(Model, pk=…)`: the queryset argument may itself be scoped.
    if matches!(root_text, "get_object_or_404" | "get_list_or_404") && chain.len() == 1 {
        let args = named_children(root.field("arguments")?);
        let model = *args.first()?;
        let conditions: Vec<Node> = args
            .iter()
            .copied()
            .filter(|a| a.kind_str() == "keyword_argument")
            .collect();
        let id_cond = conditions
            .iter()
            .copied()
            .find(|c| py_id_condition(checker, h, *c).is_some())?;
        if has_any(checker.text(model), OWNER_WORDS)
            || py_scoped(checker, h, &conditions, id_cond)
            || model.kind_str() != "identifier"
        {
            return None;
        }
        return Some(Load {
            node: top,
            model: checker.text(model).to_owned(),
            id: py_id_condition(checker, h, id_cond)?.to_owned(),
            writes,
            service: false,
        });
    }
    let conditions = py_conditions(&chain);
    let id_cond = conditions
        .iter()
        .copied()
        .find(|c| py_id_condition(checker, h, *c).is_some());
    let receiver_text = checker.text(root_func);
    // `Model.objects.get(pk=…)`, `Model.objects.filter(id=…)`
    let model = if let Some(model) = receiver_text
        .split(".objects.")
        .next()
        .filter(|_| receiver_text.contains(".objects."))
    {
        model.to_owned()
    } else if let Some(model) = receiver_text
        .strip_suffix(".query.get")
        .or_else(|| receiver_text.strip_suffix(".query.get_or_404"))
        .or_else(|| receiver_text.strip_suffix(".query.filter_by"))
        .or_else(|| receiver_text.strip_suffix(".query.filter"))
    {
        // Flask-SQLAlchemy `Model.query.get(id)`
        if matches!(py_method(checker, root), Some("get" | "get_or_404")) {
            let id = root
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next())?;
            if !h.is_client(checker, id) || chain.len() > 1 && writes.is_none() {
                return None;
            }
            return Some(Load {
                node: top,
                model: model.to_owned(),
                id: checker.text(id).to_owned(),
                writes,
                service: false,
            });
        }
        model.to_owned()
    } else if matches!(py_method(checker, root), Some("get" | "get_or_404"))
        && is_session(receiver_text)
    {
        // `session.get(Model, id)`, `db.get_or_404(Model, id)`
        let args = named_children(root.field("arguments")?);
        let (model, id) = (*args.first()?, *args.get(1)?);
        if model.kind_str() != "identifier" || !h.is_client(checker, id) || chain.len() > 1 {
            return None;
        }
        return Some(Load {
            node: top,
            model: checker.text(model).to_owned(),
            id: checker.text(id).to_owned(),
            writes: None,
            service: false,
        });
    } else if py_method(checker, root) == Some("query") && is_session(receiver_text) {
        // `db.query(Model).get(id)` / `.filter(Model.id == id)`
        let model = root
            .field("arguments")
            .and_then(|a| named_children(a).into_iter().next())?;
        if chain.len() >= 2 && py_method(checker, chain[chain.len() - 2]) == Some("get") {
            let id = chain[chain.len() - 2]
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next())?;
            if !h.is_client(checker, id) {
                return None;
            }
            return Some(Load {
                node: top,
                model: checker.text(model).to_owned(),
                id: checker.text(id).to_owned(),
                writes: None,
                service: false,
            });
        }
        checker.text(model).to_owned()
    } else if matches!(
        root_text,
        "select" | "sqlalchemy.select" | "delete" | "update"
    ) {
        // `select(Model).where(Model.id == id)`, `delete(Model).where(…)`
        let model = root
            .field("arguments")
            .and_then(|a| named_children(a).into_iter().next())?;
        let writes = match root_text {
            "delete" => Some("deleted".to_owned()),
            "update" => Some("updated".to_owned()),
            _ => writes,
        };
        let id_cond = id_cond?;
        if py_scoped(checker, h, &conditions, id_cond) || model.kind_str() != "identifier" {
            return None;
        }
        return Some(Load {
            node: top,
            model: checker.text(model).to_owned(),
            id: py_id_condition(checker, h, id_cond)?.to_owned(),
            writes,
            service: false,
        });
    } else {
        return None;
    };
    let id_cond = id_cond?;
    if py_scoped(checker, h, &conditions, id_cond) || has_any(&model, OWNER_WORDS) {
        return None;
    }
    Some(Load {
        node: top,
        model,
        id: py_id_condition(checker, h, id_cond)?.to_owned(),
        writes,
        service: false,
    })
}

/// A FastAPI handler's call of a service or repository method that changes an object by a
/// client id without passing the current user (`await repo.rename(file_id, body.name)`).
/// FastAPI has no ambient current user: a service not given one cannot check ownership.
fn py_service_load<'a>(
    checker: &Checker<'a>,
    h: &PyHandler,
    function: Node<'a>,
    call: Node<'a>,
) -> Option<Load<'a>> {
    let func = call
        .field("function")
        .filter(|f| f.kind_str() == "attribute")?;
    let method = checker.text(func.field("attribute")?);
    let receiver = checker.text(func.field("object")?);
    // A parameter typed or injected as a service (`r: FileRepo = Depends(repo)`).
    let service_typed = function
        .field("parameters")
        .map(named_children)
        .unwrap_or_default()
        .iter()
        .any(|p| {
            let t = checker.text(*p);
            t.split([':', '='])
                .next()
                .is_some_and(|n| n.trim() == receiver)
                && ["repo", "service", "crud", "dao", "manager"]
                    .iter()
                    .any(|w| t.to_ascii_lowercase().contains(w))
        });
    let what = service_write(receiver.trim_start_matches("self."), method, service_typed)?;
    let args = named_children(call.field("arguments")?);
    let id = args
        .iter()
        .copied()
        .find(|a| a.kind_str() == "identifier" && h.is_client(checker, *a))?;
    if args.iter().any(|a| {
        let t = checker.text(*a);
        has_any(t, OWNER_WORDS) || has_any(t, BODY_AUTH_WORDS)
    }) {
        return None;
    }
    Some(Load {
        node: call,
        model: crate::security::callee(checker.text(func)),
        id: checker.text(id).to_owned(),
        writes: Some(what.to_owned()),
        service: true,
    })
}

fn is_session(receiver: &str) -> bool {
    let first = receiver.split('.').next().unwrap_or("");
    let lower = first.to_ascii_lowercase();
    lower == "db" || lower.contains("session") || lower == "database"
}

/// The name a load is bound to (`note = …`, `note = await …`).
fn py_binding<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'a str> {
    let mut parent = node.parent()?;
    while matches!(parent.kind_str(), "await" | "parenthesized_expression") {
        parent = parent.parent()?;
    }
    if parent.kind_str() != "assignment" || parent.field("right") != Some(node) {
        let right = parent.field("right")?;
        if !ancestors_contains(right, node) {
            return None;
        }
    }
    let left = parent.field("left")?;
    (left.kind_str() == "identifier").then(|| checker.text(left))
}

fn ancestors_contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// A write to the object bound to `name` after `from`: `name.save()`, `name.delete()`,
/// `session.delete(name)`, a field assignment followed by a commit, a serializer or form over it.
fn py_write<'a>(checker: &Checker<'a>, body: Node<'a>, name: &str, from: usize) -> Option<Write> {
    let calls: Vec<Node> = descendants(body, &["call"])
        .into_iter()
        .filter(|c| c.start_byte() >= from)
        .collect();
    let commit_after = |at: usize| {
        calls
            .iter()
            .find(|c| {
                c.start_byte() >= at
                    && matches!(
                        py_method(checker, **c),
                        Some("commit" | "flush" | "save" | "save_changes")
                    )
            })
            .map(|c| c.byte_range())
    };
    let here = |what: &str, node: Node| Some((what.to_owned(), Some(node.byte_range())));
    for call in &calls {
        let Some(func) = call.field("function") else {
            continue;
        };
        let method = py_method(checker, *call).unwrap_or("");
        let object = func.field("object").map(|o| checker.text(o)).unwrap_or("");
        if object == name {
            match method {
                "delete" => return here("deleted", *call),
                "save" | "update" | "update_from_dict" => return here("changed", *call),
                _ => {}
            }
        }
        let args = call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default();
        let first = args.first().map(|a| checker.text(*a)).unwrap_or("");
        if first == name && func.kind_str() == "attribute" && is_session(object) {
            match method {
                "delete" => return here("deleted", *call),
                "merge" | "add" => return here("changed", *call),
                _ => {}
            }
        }
        // `setattr(note, field, value)` then commit
        if method == "setattr" && first == name {
            if let Some(commit) = commit_after(call.end_byte()) {
                return Some(("changed".into(), Some(commit)));
            }
        }
        // `NoteSerializer(note, data=request.data)`, `NoteForm(request.POST, instance=note)`
        let callee = checker.text(func);
        if (callee.ends_with("Serializer") || callee.ends_with("Form"))
            && args.iter().any(|a| {
                let t = checker.text(*a);
                t == name || t == format!("instance={name}")
            })
            && args
                .iter()
                .any(|a| checker.text(*a).contains("request") || checker.text(*a).contains("data"))
        {
            return here("changed", *call);
        }
    }
    // `note.title = payload.title` … `db.commit()`
    for assignment in descendants(body, &["assignment", "augmented_assignment"]) {
        if assignment.start_byte() < from {
            continue;
        }
        let Some(left) = assignment.field("left") else {
            continue;
        };
        if left.kind_str() == "attribute"
            && left
                .field("object")
                .is_some_and(|o| checker.text(o) == name)
        {
            if let Some(commit) = commit_after(assignment.end_byte()) {
                return Some(("changed".into(), Some(commit)));
            }
        }
    }
    None
}

/// The text of the decorators and signature of a handler, its class and the module's
/// top-level guards (`bp.before_request(admin_only)`).
fn py_context<'a>(checker: &Checker<'a>, function: Node<'a>) -> (String, Option<Node<'a>>) {
    let path = ancestors(checker.item, function);
    let class = path
        .iter()
        .rev()
        .find(|a| a.kind_str() == "class_definition")
        .copied()
        .or((checker.item.kind_str() == "class_definition").then_some(checker.item));
    let mut text = String::new();
    if let Some(parent) = function
        .parent()
        .filter(|p| p.kind_str() == "decorated_definition")
    {
        for d in named_children(parent)
            .into_iter()
            .filter(|d| d.kind_str() == "decorator")
        {
            text.push_str(checker.text(d));
            text.push('\n');
        }
    }
    if let Some(params) = function.field("parameters") {
        text.push_str(checker.text(params));
        text.push('\n');
    }
    if let Some(class) = class {
        // The class's own attributes and decorators (`permission_classes = […]`).
        if let Some(body) = class.field("body") {
            for stmt in named_children(body)
                .into_iter()
                .filter(|s| s.kind_str() == "expression_statement")
            {
                text.push_str(checker.text(stmt));
                text.push('\n');
            }
        }
        if let Some(parent) = class
            .parent()
            .filter(|p| p.kind_str() == "decorated_definition")
        {
            text.push_str(checker.text(parent).lines().next().unwrap_or(""));
        }
        if let Some(bases) = class.field("superclasses") {
            text.push_str(checker.text(bases));
        }
    }
    (text, class)
}

/// Module-level statements that guard every route of the file (`bp.before_request(…)`,
/// `router = APIRouter(dependencies=[Depends(require_admin)])`).
fn module_guard(checker: &Checker, words: &[&str]) -> bool {
    let Some(root) = module_root(checker.item) else {
        return false;
    };
    named_children(root)
        .into_iter()
        .filter(|s| s.kind_str() == "expression_statement")
        .any(|s| {
            let t = checker.text(s);
            (t.contains("before_request")
                || t.contains("dependencies=")
                || t.contains(".use(")
                || t.contains("APIRouter("))
                && has_any(t, words)
        })
}

/// Whether the file or the route is a back-office area (`admin/views.py`, `routes/admin.js`,
/// `/admin/...`): those are guarded as a whole, usually where the blueprint or router is mounted.
fn admin_area(checker: &Checker, route_path: Option<&str>) -> bool {
    let in_path = |p: &str| {
        p.split(['/', '\\'])
            .any(|c| c.to_ascii_lowercase().starts_with("admin") || c == "backoffice")
    };
    in_path(checker.path) || route_path.is_some_and(in_path)
}

fn module_root(item: Node) -> Option<Node> {
    let mut node = item;
    while let Some(p) = node.parent() {
        node = p;
    }
    Some(node)
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let Some(route) =
        routes::python_handler(checker.item, function, checker.source, checker.semantic)
    else {
        return;
    };
    // Reads are not judged here: only handlers that may change state.
    if route.is_get_only() {
        return;
    }
    let Some(body) = function.field("body") else {
        return;
    };
    let (context, _) = py_context(checker, function);
    let body_text = checker.text(body);
    // No notion of a current user: an unauthenticated app is ARC102's concern, not an IDOR.
    // DRF views are authenticated by the project's default permission classes.
    let drf = routes::imports_from(checker.semantic, &["rest_framework"])
        && ["api_view", "APIView", "ViewSet", "generics."]
            .iter()
            .any(|w| context.contains(w));
    if !drf
        && !has_any(&context, AUTH_WORDS)
        && !has_any(body_text, BODY_AUTH_WORDS)
        && !imports_users(checker)
    {
        return;
    }
    if has_any(&context, CONTEXT_GUARD_WORDS)
        || module_guard(checker, CONTEXT_GUARD_WORDS)
        || admin_area(checker, route.path.as_deref())
        || context.contains("AllowAny")
    {
        return;
    }
    let name = function
        .field("name")
        .map(|n| checker.text(n))
        .unwrap_or_default();
    if shared_action(checker, name, route.path.as_deref(), body) {
        return;
    }
    // A permission or ownership decision in the body.
    let calls = descendants(body, &["call"]);
    if calls.iter().any(|c| {
        let callee = c
            .field("function")
            .map(|f| checker.text(f))
            .unwrap_or_default();
        has_any(callee, GUARD_WORDS) || has_any(callee, &["owner", "check_object", "verify_own"])
    }) {
        return;
    }
    let comparisons = descendants(body, &["comparison_operator"]);
    if comparison_with_owner(checker, &comparisons) {
        return;
    }
    // Client ids: the handler's id-like parameters (path parameters, DRF `pk`), and locals
    // assigned from request data.
    let mut ids: Vec<&'a str> = Vec::new();
    if let Some(params) = function.field("parameters") {
        for p in named_children(params) {
            let ptext = checker.text(p);
            if ptext.contains("Depends(") || ptext.contains("Security(") {
                continue;
            }
            let name_node = if p.kind_str() == "identifier" {
                Some(p)
            } else {
                p.field("name").or_else(|| p.named_child(0))
            };
            let Some(name) = name_node
                .filter(|n| n.kind_str() == "identifier")
                .map(|n| checker.text(n))
            else {
                continue;
            };
            if !PY_NOT_IDS.contains(&name) && id_like(name) {
                ids.push(name);
            }
        }
    }
    for assignment in descendants(body, &["assignment"]) {
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
        else {
            continue;
        };
        let name = checker.text(left);
        if left.kind_str() == "identifier"
            && id_like(name)
            && PY_REQUEST_DATA
                .iter()
                .any(|r| checker.text(right).contains(r))
        {
            ids.push(name);
        }
    }
    let handler = PyHandler { ids };
    // Statements bound to a `select(…)` by id, then executed: `stmt = select(Note).where(…)`.
    let mut statements: Vec<(&'a str, Load<'a>)> = Vec::new();
    let mut done: Vec<(usize, usize)> = Vec::new();
    for call in &calls {
        // Only the outermost call of a chain.
        if call.parent().is_some_and(|p| {
            p.kind_str() == "attribute"
                && p.parent().is_some_and(|pp| pp.kind_str() == "call")
                && p.field("object") == Some(*call)
        }) {
            continue;
        }
        if done
            .iter()
            .any(|(s, e)| *s <= call.start_byte() && call.end_byte() <= *e)
        {
            continue;
        }
        let load = match py_load(checker, &handler, *call) {
            Some(load) => load,
            None if route.framework == routes::Framework::FastApi
                && py_service_load(checker, &handler, function, *call).is_some() =>
            {
                if let Some(load) = py_service_load(checker, &handler, function, *call) {
                    report(
                        checker,
                        &load,
                        &(load.writes.clone().unwrap_or_default(), None),
                    );
                }
                return;
            }
            None => {
                // `session.scalar(stmt)`, `db.execute(stmt).scalar_one()` over a bound select.
                let text = checker.text(*call);
                let Some(i) = statements.iter().position(|(n, _)| mentions(text, n)) else {
                    continue;
                };
                let (_, stmt) = statements.remove(i);
                if let Some(what) = stmt.writes.clone() {
                    report(checker, &stmt, &(what, Some(call.byte_range())));
                    return;
                }
                let Some(name) = py_binding(checker, *call) else {
                    continue;
                };
                if let Some(what) = py_write(checker, body, name, call.end_byte()) {
                    report(checker, &stmt, &what);
                    return;
                }
                continue;
            }
        };
        done.push((call.start_byte(), call.end_byte()));
        let root_text = py_chain(*call)
            .last()
            .and_then(|r| r.field("function"))
            .map(|f| checker.text(f))
            .unwrap_or("");
        if matches!(
            root_text,
            "select" | "sqlalchemy.select" | "delete" | "update"
        ) {
            if let Some(name) = py_binding(checker, *call) {
                statements.push((name, load));
                continue;
            }
        }
        if let Some(what) = load.writes.clone() {
            report(checker, &load, &(what, None));
            return;
        }
        let Some(name) = py_binding(checker, *call) else {
            continue;
        };
        if let Some(what) = py_write(checker, body, name, call.end_byte()) {
            report(checker, &load, &what);
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JavaScript/TypeScript: Mongoose, Sequelize, Prisma, TypeORM
// ---------------------------------------------------------------------------------------------

/// Request data a client controls.
const JS_REQUEST_DATA: &[&str] = &[
    "req.params",
    "req.body",
    "req.query",
    "request.params",
    "request.body",
    "request.query",
    "ctx.params",
    "ctx.request.body",
    "ctx.query",
];

/// Loads by id: method → the argument holding the id or the filter.
const JS_BY_ID: &[&str] = &["findById", "findByPk", "findByIdOrFail"];
const JS_BY_FILTER: &[&str] = &[
    "findOne",
    "findUnique",
    "findFirst",
    "findUniqueOrThrow",
    "findFirstOrThrow",
    "findOneBy",
    "findOneOrFail",
];
/// Methods that load and write in one call.
const JS_WRITE_BY_ID: &[(&str, &str)] = &[
    ("findByIdAndUpdate", "updated"),
    ("findByIdAndDelete", "deleted"),
    ("findByIdAndRemove", "deleted"),
];
const JS_WRITE_BY_FILTER: &[(&str, &str)] = &[
    ("findOneAndUpdate", "updated"),
    ("findOneAndDelete", "deleted"),
    ("findOneAndRemove", "deleted"),
    ("deleteOne", "deleted"),
    ("updateOne", "updated"),
    ("destroy", "deleted"),
    ("update", "updated"),
    ("delete", "deleted"),
];

/// Whether a receiver is a model: `Note`, `prisma.note`, `noteRepository`, `db.Note`.
fn js_model(checker: &Checker, object: Node) -> Option<String> {
    let text = checker.text(object);
    if JS_REQUEST_DATA.iter().any(|r| text.starts_with(r))
        || text.starts_with("req")
        || text.starts_with("res")
        || text.starts_with("ctx")
    {
        return None;
    }
    let last = text.rsplit('.').next().unwrap_or(text);
    let capital = last.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && last.chars().any(|c| c.is_ascii_lowercase())
        && !matches!(
            last,
            "Object" | "Array" | "Promise" | "Math" | "JSON" | "Reflect" | "Date" | "Map" | "Set"
        );
    let prisma = text.starts_with("prisma.") || text.starts_with("this.prisma.");
    let repository =
        last.ends_with("Repository") || last.ends_with("Repo") || last.ends_with("Model");
    (capital || prisma || repository).then(|| {
        if prisma {
            text.trim_start_matches("this.").to_owned()
        } else {
            last.to_owned()
        }
    })
}

struct JsHandler<'t> {
    function: Node<'t>,
}

impl JsHandler<'_> {
    fn is_client(&self, checker: &Checker, node: Node) -> bool {
        let text = checker.text(node);
        if JS_REQUEST_DATA.iter().any(|r| text.contains(r)) {
            return true;
        }
        if nest_client(checker, self.function, node) {
            return true;
        }
        // `Number(id)`, `+id`, `parseInt(id, 10)`
        let inner = match node.kind_str() {
            "call_expression" => node
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next()),
            "unary_expression" => node.field("argument"),
            _ => Some(node),
        };
        let Some(inner) = inner
            .filter(|n| matches!(n.kind_str(), "identifier" | "shorthand_property_identifier"))
        else {
            return false;
        };
        let name = checker.text(inner);
        // `const { id } = req.params`, `const id = req.params.id`
        descendants(self.function, &["variable_declarator"])
            .into_iter()
            .any(|d| {
                let (Some(n), Some(v)) = (d.field("name"), d.field("value")) else {
                    return false;
                };
                let vtext = checker.text(v);
                mentions(checker.text(n), name) && JS_REQUEST_DATA.iter().any(|r| vtext.contains(r))
            })
    }
}

/// The key/value pairs of an object literal (`{ id }` is `id: id`).
fn js_pairs<'t>(checker: &Checker<'t>, object: Node<'t>) -> Vec<(&'t str, Node<'t>)> {
    named_children(object)
        .into_iter()
        .filter_map(|p| match p.kind_str() {
            "pair" => {
                let key = p.field("key")?;
                let k = checker
                    .string_value(key)
                    .unwrap_or_else(|| checker.text(key));
                Some((k, p.field("value")?))
            }
            "shorthand_property_identifier" => Some((checker.text(p), p)),
            _ => None,
        })
        .collect()
}

/// The filter object of a call: Prisma/Sequelize `{ where: {…} }`, Mongoose's first argument.
fn js_filter<'t>(checker: &Checker<'t>, args: &[Node<'t>], method: &str) -> Option<Node<'t>> {
    // Sequelize `Model.update(values, { where })`
    let candidates: Vec<Node> = args
        .iter()
        .copied()
        .filter(|a| a.kind_str() == "object")
        .collect();
    for object in &candidates {
        if let Some((_, where_)) = js_pairs(checker, *object)
            .into_iter()
            .find(|(k, _)| *k == "where")
        {
            return (where_.kind_str() == "object").then_some(where_);
        }
    }
    if matches!(method, "update" | "delete" | "destroy") {
        // Without `where`, Mongoose `update`/`delete` calls take a filter first; Prisma and
        // Sequelize always use `where`.
        return None;
    }
    args.first().copied().filter(|a| a.kind_str() == "object")
}

/// If the filter selects by a client id: (id text, scoped by something else).
fn js_filter_id<'t>(
    checker: &Checker<'t>,
    h: &JsHandler,
    filter: Node<'t>,
) -> Option<(&'t str, bool)> {
    let pairs = js_pairs(checker, filter);
    let (_, id) = pairs
        .iter()
        .find(|(k, v)| matches!(*k, "id" | "_id" | "uuid" | "pk") && h.is_client(checker, *v))?;
    let scoped = pairs.iter().any(|(k, v)| {
        if v == id {
            return false;
        }
        has_any(k, OWNER_WORDS)
            || has_any(checker.text(*v), OWNER_WORDS)
            || !is_literal(v.kind_str())
                && v.kind_str() != "shorthand_property_identifier"
                && !h.is_client(checker, *v)
            || v.kind_str() == "shorthand_property_identifier" && !h.is_client(checker, *v)
    }) || pairs
        .iter()
        .any(|(k, _)| k.starts_with('$') || *k == "OR" || *k == "AND");
    Some((checker.text(*id), scoped))
}

fn js_load<'t>(checker: &Checker<'t>, h: &JsHandler, call: Node<'t>) -> Option<Load<'t>> {
    let func = call
        .field("function")
        .filter(|f| f.kind_str() == "member_expression")?;
    let method = checker.text(func.field("property")?);
    let mut args: Vec<Node> = named_children(call.field("arguments")?)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let object = func.field("object")?;
    if let Some((model, entity_first)) = typeorm_receiver(checker, object, &args) {
        if entity_first {
            args.remove(0);
        }
        if let Some(load) = typeorm_write(checker, h, call, method, &model, &args) {
            return load;
        }
        return js_load_from(checker, h, call, method, model, &args);
    }
    let model = js_model(checker, object)?;
    js_load_from(checker, h, call, method, model, &args)
}

fn js_load_from<'t>(
    checker: &Checker<'t>,
    h: &JsHandler,
    call: Node<'t>,
    method: &str,
    model: String,
    args: &[Node<'t>],
) -> Option<Load<'t>> {
    let by_id = JS_BY_ID.contains(&method);
    let write_by_id = JS_WRITE_BY_ID.iter().find(|(m, _)| *m == method);
    if by_id || write_by_id.is_some() {
        let id = *args.first()?;
        if !h.is_client(checker, id) {
            return None;
        }
        return Some(Load {
            node: call,
            model,
            id: checker.text(id).to_owned(),
            writes: write_by_id.map(|(_, w)| (*w).to_owned()),
            service: false,
        });
    }
    let write_by_filter = JS_WRITE_BY_FILTER.iter().find(|(m, _)| *m == method);
    if !JS_BY_FILTER.contains(&method) && write_by_filter.is_none() {
        return None;
    }
    let filter = js_filter(checker, args, method)?;
    let (id, scoped) = js_filter_id(checker, h, filter)?;
    if scoped {
        return None;
    }
    Some(Load {
        node: call,
        model,
        id: id.to_owned(),
        writes: write_by_filter.map(|(_, w)| (*w).to_owned()),
        service: false,
    })
}

// TypeORM: repositories by type (`@InjectRepository(Note) private notes: Repository<Note>`),
// `dataSource.getRepository(Note)`, and the entity manager, whose calls name the entity first
// (`manager.findOne(Note, { where: { id } })`, `manager.delete(Note, id)`).

/// A TypeORM receiver: (the entity, whether the call names it first as a manager's does).
fn typeorm_receiver(checker: &Checker, object: Node, args: &[Node]) -> Option<(String, bool)> {
    let text = checker.text(object);
    // `AppDataSource.getRepository(Note)`, `getRepository(Note)`.
    if object.kind_str() == "call_expression"
        && object
            .field("function")
            .is_some_and(|f| checker.text(f).ends_with("getRepository"))
    {
        let entity = object
            .field("arguments")
            .and_then(|a| named_children(a).into_iter().next())?;
        return Some((checker.text(entity).to_owned(), false));
    }
    let last = text.rsplit('.').next().unwrap_or(text);
    let manager = matches!(last, "manager" | "em" | "entityManager") || last.ends_with("Manager");
    if manager {
        let entity = args.first().filter(|a| {
            a.kind_str() == "identifier"
                && checker
                    .text(**a)
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
        })?;
        return Some((checker.text(*entity).to_owned(), true));
    }
    // `noteRepository`, `this.usersRepo`.
    if last.ends_with("Repository") || last.ends_with("Repo") {
        return Some((last.to_owned(), false));
    }
    // `this.notes` declared `private readonly notes: Repository<Note>` in the class.
    let field = text.strip_prefix("this.")?;
    let item = checker.text(checker.item);
    let declared = format!("{field}: Repository<");
    let at = item.find(&declared)? + declared.len();
    let entity: String = item[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!entity.is_empty()).then_some((entity, false))
}

/// TypeORM writes by id or by criteria: `delete(id)`, `softDelete(id)`, `update(id, values)`,
/// `delete({ id })`, `update({ id }, values)`. `None` when the method is none of them;
/// `Some(None)` when it is but the call is not keyed on a client id without an owner.
fn typeorm_write<'t>(
    checker: &Checker<'t>,
    h: &JsHandler,
    call: Node<'t>,
    method: &str,
    model: &str,
    args: &[Node<'t>],
) -> Option<Option<Load<'t>>> {
    let what = match method {
        "delete" | "softDelete" => "deleted",
        "update" => "updated",
        _ => return None,
    };
    let first = *args.first()?;
    let id = if first.kind_str() == "object" {
        match js_filter_id(checker, h, first) {
            Some((id, false)) => id,
            _ => return Some(None),
        }
    } else if h.is_client(checker, first) {
        checker.text(first)
    } else {
        return Some(None);
    };
    Some(Some(Load {
        node: call,
        model: model.to_owned(),
        id: id.to_owned(),
        writes: Some(what.to_owned()),
        service: false,
    }))
}

/// The NestJS controller method around `call` when a decorator routes writes to it
/// (`@Patch(":id")`, `@Delete(":id")`, `@Post()`, `@Put()`).
fn nest_write_handler<'t>(checker: &Checker<'t>, call: Node<'t>) -> Option<Node<'t>> {
    let path = ba_analysis::ancestors(checker.item, call);
    let i = path
        .iter()
        .position(|a| a.kind_str() == "method_definition")?;
    let method = path[i];
    let body = *path
        .get(i.checked_sub(1)?)
        .filter(|b| b.kind_str() == "class_body")?;
    let mut decorators: Vec<Node> = Vec::new();
    for member in named_children(body) {
        if member == method {
            break;
        }
        match member.kind_str() {
            "decorator" => decorators.push(member),
            "comment" => {}
            _ => decorators.clear(),
        }
    }
    decorators
        .iter()
        .any(|d| {
            let t = checker.text(*d);
            ["@Post(", "@Put(", "@Patch(", "@Delete("]
                .iter()
                .any(|w| t.starts_with(w))
        })
        .then_some(method)
}

/// A NestJS handler's parameter the client fills (`@Param("id") id`, `@Body() dto`,
/// `@Query("id") id`), or a property of one (`dto.noteId`).
fn nest_client(checker: &Checker, function: Node, node: Node) -> bool {
    let mut root = node;
    for _ in 0..16 {
        match root.kind_str() {
            "member_expression" => match root.field("object") {
                Some(o) => root = o,
                None => return false,
            },
            "identifier" | "shorthand_property_identifier" => break,
            _ => return false,
        }
    }
    if !matches!(
        root.kind_str(),
        "identifier" | "shorthand_property_identifier"
    ) {
        return false;
    }
    let name = checker.text(root);
    let Some(params) = function.field("parameters") else {
        return false;
    };
    named_children(params).into_iter().any(|p| {
        let t = checker.text(p);
        (t.starts_with("@Param") || t.starts_with("@Body") || t.starts_with("@Query"))
            && p.field("pattern").is_some_and(|x| checker.text(x) == name)
    })
}

/// A service call that changes an object by a client id without passing who asks:
/// `posts.updatePost(ctx.params.id, ctx.request.body)`.
fn js_service_load<'t>(
    checker: &Checker<'t>,
    h: &JsHandler,
    call: Node<'t>,
    what: &str,
) -> Option<Load<'t>> {
    let args: Vec<Node> = named_children(call.field("arguments")?)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let id = args.iter().copied().find(|a| {
        h.is_client(checker, *a) && {
            let t = checker.text(*a);
            let last = t
                .trim_end_matches(')')
                .rsplit(['.', '('])
                .next()
                .unwrap_or(t);
            id_like(last) || a.kind_str() == "identifier" && id_like(t)
        }
    })?;
    // The service is told who asks (`updatePost(id, body, req.user)`): it can check.
    if args.iter().any(|a| {
        has_any(checker.text(*a), OWNER_WORDS) || has_any(checker.text(*a), BODY_AUTH_WORDS)
    }) {
        return None;
    }
    Some(Load {
        node: call,
        model: crate::security::callee(checker.text(call.field("function")?)),
        id: checker.text(id).to_owned(),
        writes: Some(what.to_owned()),
        service: true,
    })
}

fn js_binding<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<&'a str> {
    let mut node = call;
    let mut parent = call.parent()?;
    while matches!(
        parent.kind_str(),
        "await_expression" | "parenthesized_expression"
    ) {
        node = parent;
        parent = parent.parent()?;
    }
    let target = match parent.kind_str() {
        "variable_declarator" if parent.field("value") == Some(node) => parent.field("name")?,
        "assignment_expression" if parent.field("right") == Some(node) => parent.field("left")?,
        _ => return None,
    };
    (target.kind_str() == "identifier").then(|| checker.text(target))
}

/// A write to the object bound to `name` after `from`.
fn js_write<'a>(checker: &Checker<'a>, body: Node<'a>, name: &str, from: usize) -> Option<Write> {
    let here = |what: &str, node: Node| Some((what.to_owned(), Some(node.byte_range())));
    for call in descendants(body, &["call_expression"]) {
        if call.start_byte() < from {
            continue;
        }
        let Some(func) = call
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")
        else {
            continue;
        };
        let object = func.field("object").map(|o| checker.text(o)).unwrap_or("");
        let method = func
            .field("property")
            .map(|p| checker.text(p))
            .unwrap_or("");
        if object == name {
            match method {
                "destroy" | "remove" | "deleteOne" | "delete" | "softDelete" => {
                    return here("deleted", call)
                }
                "save" | "update" | "set" | "updateOne" | "increment" | "decrement" => {
                    return here("changed", call)
                }
                _ => {}
            }
        }
        // `repository.remove(note)`, `repository.save(note)`, `em.remove(note)`
        let first = call
            .field("arguments")
            .and_then(|a| named_children(a).into_iter().next())
            .map(|a| checker.text(a))
            .unwrap_or("");
        if first == name && matches!(method, "remove" | "delete" | "softRemove") {
            return here("deleted", call);
        }
        if first == name && method == "save" && !object.starts_with("res") {
            return here("changed", call);
        }
        // `prisma.note.update({ where: { id: note.id } })`
        if matches!(method, "update" | "delete" | "destroy") && {
            let t = checker.text(call);
            t.contains("where")
                && (t.contains(&format!("{name}.id")) || t.contains(&format!("{name}._id")))
        } {
            return here(
                if method == "update" {
                    "changed"
                } else {
                    "deleted"
                },
                call,
            );
        }
    }
    None
}

/// The registration of a handler (`router.put("/:id", auth, handler)`), if it is an argument
/// of one.
fn js_registration<'t>(checker: &Checker<'t>, handler: Node<'t>) -> Option<routes::JsRoute<'t>> {
    let args = handler.parent().filter(|p| p.kind_str() == "arguments")?;
    routes::js_route(args.parent()?, checker.source)
}

/// The declared type of a field the class's constructor receives (`constructor(private readonly
/// invoices: InvoicesService)`: `InvoicesService`), as NestJS and Angular inject them.
pub(crate) fn injected_type<'a>(
    checker: &Checker<'a>,
    node: Node<'a>,
    field: &str,
) -> Option<&'a str> {
    let class_body = ba_analysis::ancestors(checker.item, node)
        .into_iter()
        .rev()
        .find(|a| a.kind_str() == "class_body")?;
    let constructor = named_children(class_body).into_iter().find(|m| {
        m.kind_str() == "method_definition"
            && m.field("name")
                .is_some_and(|n| checker.text(n) == "constructor")
    })?;
    named_children(constructor.field("parameters")?)
        .into_iter()
        .filter(|p| p.kind_str() == "required_parameter" || p.kind_str() == "optional_parameter")
        .find(|p| p.field("pattern").is_some_and(|n| checker.text(n) == field))
        .and_then(|p| p.field("type"))
        .map(|t| checker.text(t).trim_start_matches(':').trim())
}

/// Whether other code of the module reads who is calling (`ctx.session.userId`,
/// `req.user.id`): the application authenticates, so a handler of the same module that
/// changes an object by a client id without a check is missing one its siblings have.
fn js_module_knows_caller(checker: &Checker) -> bool {
    let Some(root) = module_root(checker.item) else {
        return false;
    };
    has_any(
        checker.text(root),
        &[
            "ctx.session.user",
            "ctx.state.user",
            "req.session.user",
            "req.user.",
            "req.user)",
            "any).user.",
            "req.auth.",
            "res.locals.user",
        ],
    )
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    // Cheap filter before any tree walk.
    let Some(method) = call
        .field("function")
        .filter(|f| f.kind_str() == "member_expression")
        .and_then(|f| f.field("property"))
        .map(|p| checker.text(p))
    else {
        return;
    };
    let receiver = call
        .field("function")
        .and_then(|f| f.field("object"))
        .map(|o| checker.text(o))
        .unwrap_or("");
    let service_typed = receiver
        .strip_prefix("this.")
        .and_then(|field| injected_type(checker, call, field))
        .is_some_and(|t| {
            ["Service", "Repository", "Repo", "Dao", "Manager"]
                .iter()
                .any(|w| t.ends_with(w))
        });
    let service = service_write(receiver.trim_start_matches("this."), method, service_typed);
    if !JS_BY_ID.contains(&method)
        && !JS_BY_FILTER.contains(&method)
        && method != "softDelete"
        && !JS_WRITE_BY_ID.iter().any(|(m, _)| *m == method)
        && !JS_WRITE_BY_FILTER.iter().any(|(m, _)| *m == method)
        && service.is_none()
    {
        return;
    }
    let Some(function) = routes::js_enclosing_handler(checker.item, call, checker.source)
        .or_else(|| nest_write_handler(checker, call))
    else {
        return;
    };
    if !is_js_function(function.kind_str()) {
        return;
    }
    let h = JsHandler { function };
    let Some(load) = js_load(checker, &h, call).or_else(|| {
        let what = service?;
        js_service_load(checker, &h, call, what)
    }) else {
        return;
    };
    let Some(body) = function.field("body") else {
        return;
    };
    let registration = js_registration(checker, function);
    if registration.as_ref().is_some_and(|r| r.route.is_get_only()) {
        return;
    }
    // Middleware of the registration (`router.delete("/:id", requireAuth, isOwner, h)`).
    let middleware: String = registration
        .as_ref()
        .map(|r| {
            named_children(
                r.route
                    .registration
                    .field("arguments")
                    .unwrap_or(r.route.registration),
            )
            .into_iter()
            .filter(|a| *a != function && !matches!(a.kind_str(), "string" | "template_string"))
            .map(|a| checker.text(a))
            .collect::<Vec<_>>()
            .join("\n")
        })
        .unwrap_or_default();
    let body_text = checker.text(body);
    let params = checker.text(function.field("parameters").unwrap_or(function));
    if !has_any(&middleware, AUTH_WORDS)
        && !has_any(body_text, BODY_AUTH_WORDS)
        && !module_guard(checker, MODULE_AUTH_WORDS)
        && !imports_users(checker)
        && !js_module_knows_caller(checker)
    {
        return;
    }
    if has_any(&middleware, CONTEXT_GUARD_WORDS)
        || admin_area(
            checker,
            registration.as_ref().and_then(|r| r.route.path.as_deref()),
        )
        || has_any(params, CONTEXT_GUARD_WORDS)
        || module_guard(checker, CONTEXT_GUARD_WORDS)
    {
        return;
    }
    let name = function
        .field("name")
        .or_else(|| {
            function
                .parent()
                .filter(|p| p.kind_str() == "variable_declarator")
                .and_then(|p| p.field("name"))
        })
        .or_else(|| {
            function
                .parent()
                .filter(|p| p.kind_str() == "assignment_expression")
                .and_then(|p| p.field("left"))
        })
        .map(|n| checker.text(n))
        .unwrap_or_default();
    let path = registration.as_ref().and_then(|r| r.route.path.as_deref());
    if shared_action(checker, name, path, body) {
        return;
    }
    if descendants(body, &["call_expression"]).iter().any(|c| {
        let callee = c
            .field("function")
            .map(|f| checker.text(f))
            .unwrap_or_default();
        has_any(callee, GUARD_WORDS)
            || has_any(callee, &["owner", "equals"]) && has_any(checker.text(*c), OWNER_WORDS)
    }) {
        return;
    }
    let comparisons: Vec<Node> = descendants(body, &["binary_expression"])
        .into_iter()
        .filter(|b| {
            let t = checker.text(*b);
            t.contains("==") || t.contains("!=")
        })
        .collect();
    if comparison_with_owner(checker, &comparisons) {
        return;
    }
    if let Some(what) = load.writes.clone() {
        report(checker, &load, &(what, None));
        return;
    }
    let Some(name) = js_binding(checker, call) else {
        return;
    };
    if let Some(what) = js_write(checker, body, name, call.end_byte()) {
        report(checker, &load, &what);
    }
}

const DOCS: &str = r#"## What it does
Flags request handlers that load one object by an id the client chose (a path parameter, a
field of the body or query) and then change or delete it, with nothing in between that ties the
object to the current user. Loads it recognises:
- Django `Model.objects.get(pk=…)`, `.filter(id=…)`, `get_object_or_404(Model, pk=…)`;
- SQLAlchemy `session.get(Model, id)`, `db.query(Model).get(id)`, `.filter(Model.id == id)`,
  `.filter_by(id=…)`, `Model.query.get(id)`, `select(Model).where(Model.id == id)` and
  `update()`/`delete()` statements;
- Mongoose `findById(req.params.id)`, `findOne({ _id })`, `findByIdAndUpdate/Delete`,
  `deleteOne`/`updateOne`; Sequelize `findByPk`, `update(…, { where: { id } })`,
  `destroy({ where: { id } })`; Prisma `findUnique/update/delete({ where: { id } })`;
  TypeORM repositories (a `…Repository` variable, `dataSource.getRepository(Note)`, a field
  typed `Repository<Note>`) with `findOneBy({ id })`, `findOne({ where: { id } })`,
  `delete(id)`, `softDelete(id)`, `update(id, values)` and their criteria forms, and the entity
  manager (`manager.findOne(Note, { where: { id } })`, `manager.update(Note, id, values)`);
  in NestJS controllers, the methods routed by `@Post`/`@Put`/`@Patch`/`@Delete`, with ids
  from `@Param`/`@Body`/`@Query` parameters.

A write is `.save()`, `.delete()`, `.update(…)`, `.destroy()`, `session.delete(obj)`, a field
assignment followed by a commit, or a DRF serializer/Django form bound to the object with request
data.

Handlers that go through a service layer are judged too where the framework has no ambient
current user (FastAPI, Express, Koa): a call such as `posts.updatePost(req.params.id, body)` or
`await repo.rename(file_id, name)` (a method named update/delete/remove/archive/rename/move/…
on a service, repository or module) that receives the client id but not the current user cannot
check ownership.

No finding when any of these holds: the query is also filtered by the user or by another scope
(`owner=request.user`, `Note.user_id == current_user.id`, `where: { id, userId: req.user.id }`,
a parent object); the handler compares the object's owner with the current user; an earlier
call checks the same id together with the caller or a secret (`get_by_id_and_user_id(id,
user.id)`, `require_access(id, user)`, `get_webhook_by_id_and_token(id, token)`); it calls a
permission or policy check (`check_object_permissions`, `has_object_permission`, `authorize`,
`can`, an `is_owner` helper); it is admin- or staff-only (`@admin_required`,
`@staff_member_required`, `@permission_required`, `is_staff`, `role === "admin"`, an admin
middleware); the id is the current user's own (`request.user.pk`); the action is one any user may
take on a shared object (vote, like, follow, subscribe, bookmark…, or a write that only relates
the object to the caller, `item.voters.add(request.user)`); the file or route is a back-office
area (`admin/`, `/admin/…`) or SCIM provisioning; or the handler has no notion of a current user
at all (a missing login is ARC102's concern). Read-only (GET) handlers are not judged.

## Why is this bad?
Insecure direct object reference (CWE-639) is the most common access-control flaw in APIs
(OWASP API1:2023, Broken Object Level Authorization). Authentication says who the caller is;
nothing says the note `42` is theirs. Any signed-in user can edit or delete everyone else's
records by counting through ids, which are usually sequential.

## Example
```python
@router.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, db: Session = Depends(get_db),
                user: User = Depends(get_current_user)):
    note = db.get(Note, note_id)
    if note is None:
        raise HTTPException(404)
    db.delete(note)
    db.commit()
```

## Use instead
```python
@router.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, db: Session = Depends(get_db),
                user: User = Depends(get_current_user)):
    note = db.scalar(select(Note).where(Note.id == note_id, Note.owner_id == user.id))
    if note is None:
        raise HTTPException(404)  # 404, not 403: do not reveal that the id exists
    db.delete(note)
    db.commit()
```

## References
- [CWE-639: Authorization Bypass Through User-Controlled Key](https://cwe.mitre.org/data/definitions/639.html)
- [OWASP API Security Top 10: API1:2023 Broken Object Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/)
- [OWASP Cheat Sheet: Insecure Direct Object Reference Prevention](https://cheatsheetseries.owasp.org/cheatsheets/Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet.html)
"#;
