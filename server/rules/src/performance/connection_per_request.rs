//! PERF205 connection-per-request: engines, pools and clients created inside a request handler.

use tree_sitter::Node;

use super::python_handler_around;

mod pools;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::routes::{is_js_function, js_enclosing_handler};
use ba_analysis::{ancestors, named_children, resolvers, walk_scope};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "PERF205",
    name: "connection-per-request",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[400],
    owasp: None,
    summary: "A database engine, connection pool or HTTP client is created inside a request handler, so every request pays for a new connection; create it once at startup and reuse it.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
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

/// Python constructors of long-lived resources, and what they are.
const PYTHON: &[(&str, &str)] = &[
    (
        "sqlalchemy.create_engine",
        "a SQLAlchemy engine (with its connection pool)",
    ),
    (
        "sqlalchemy.ext.asyncio.create_async_engine",
        "a SQLAlchemy engine (with its connection pool)",
    ),
    ("psycopg2.connect", "a PostgreSQL connection"),
    ("psycopg.connect", "a PostgreSQL connection"),
    ("asyncpg.connect", "a PostgreSQL connection"),
    ("asyncpg.create_pool", "a PostgreSQL connection pool"),
    (
        "psycopg2.pool.SimpleConnectionPool",
        "a PostgreSQL connection pool",
    ),
    (
        "psycopg2.pool.ThreadedConnectionPool",
        "a PostgreSQL connection pool",
    ),
    ("pymysql.connect", "a MySQL connection"),
    ("MySQLdb.connect", "a MySQL connection"),
    ("mysql.connector.connect", "a MySQL connection"),
    (
        "pymongo.MongoClient",
        "a MongoDB client (with its connection pool)",
    ),
    (
        "motor.motor_asyncio.AsyncIOMotorClient",
        "a MongoDB client (with its connection pool)",
    ),
    ("redis.Redis", "a Redis client (with its connection pool)"),
    (
        "redis.StrictRedis",
        "a Redis client (with its connection pool)",
    ),
    (
        "redis.from_url",
        "a Redis client (with its connection pool)",
    ),
    (
        "redis.asyncio.Redis",
        "a Redis client (with its connection pool)",
    ),
    (
        "redis.asyncio.from_url",
        "a Redis client (with its connection pool)",
    ),
    ("httpx.Client", "an HTTP client (with its connection pool)"),
    (
        "httpx.AsyncClient",
        "an HTTP client (with its connection pool)",
    ),
    (
        "requests.Session",
        "an HTTP session (with its connection pool)",
    ),
    (
        "requests.session",
        "an HTTP session (with its connection pool)",
    ),
    (
        "aiohttp.ClientSession",
        "an HTTP client session (with its connection pool)",
    ),
    ("urllib3.PoolManager", "an HTTP connection pool manager"),
];

const PYTHON_NAMES: &[&str] = &[
    "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "psycopg2.connect",
    "psycopg.connect",
    "asyncpg.connect",
    "asyncpg.create_pool",
    "psycopg2.pool.SimpleConnectionPool",
    "psycopg2.pool.ThreadedConnectionPool",
    "pymysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "httpx.Client",
    "httpx.AsyncClient",
    "requests.Session",
    "requests.session",
    "aiohttp.ClientSession",
    "urllib3.PoolManager",
];

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, PYTHON_NAMES) else {
        return;
    };
    let what = PYTHON
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, w)| *w);
    let short = crate::security::callee(checker.text(func));
    if let Some((handler, _)) = python_handler_around(checker, call) {
        let handler_name = handler
            .field("name")
            .map(|n| checker.text(n))
            .unwrap_or("handler");
        let fix = if name == "asyncpg.connect" {
            pools::asyncpg_fix(checker, handler, call)
        } else {
            PYTHON_SHAREABLE
                .contains(&name.as_str())
                .then(|| module_level_fix(checker, handler, call, &name))
                .flatten()
                .map(|(title, edits)| (title, edits, None))
                .or_else(|| {
                    // Closed by the handler (PyMongo), or bound to an event loop (Motor).
                    matches!(
                        name.as_str(),
                        "pymongo.MongoClient" | "motor.motor_asyncio.AsyncIOMotorClient"
                    )
                    .then(|| pools::python_mongo_fix(checker, handler, call, &name))
                    .flatten()
                })
        }
        .filter(|(_, _, import)| {
            import.is_none_or(|m| crate::imports::python_needs_import(checker, m).is_some())
        });
        let f = checker.report(func, format!(
            "`{short}(…)` creates {what} on every request to `{handler_name}`, paying the connection set-up each time and exhausting the server's connections under load; create it once at startup (module level, app factory or lifespan) and reuse it"
        ));
        if let Some((title, edits, import)) = fix {
            f.with_fix(title, Applicability::Unsafe, edits);
            if let Some(m) = import {
                f.with_import(m);
            }
        }
    } else if let Some(handler) = python_message_handler_around(checker, call) {
        let handler_name = handler
            .field("name")
            .map(|n| checker.text(n))
            .unwrap_or("handler");
        checker.report(func, format!(
            "`{short}(…)` creates {what} for every WebSocket message `{handler_name}` handles: a chatty client opens connections as fast as it sends, exhausting the database's connections; create it once at startup (module level, or the consumer's `connect`) and reuse it"
        ));
    }
}

/// Clients that are safe to share between requests and threads, created lazily (no connection
/// at import time): moving them to module level is the fix. Single connections
/// (`psycopg2.connect`, `asyncpg.connect`, …) cannot be shared and need a pool with
/// acquire/release around each use, which is not a mechanical rewrite; `aiohttp.ClientSession`
/// must be created inside a running event loop.
const PYTHON_SHAREABLE: &[&str] = &[
    "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "pymongo.MongoClient",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "httpx.Client",
    "httpx.AsyncClient",
];

/// JavaScript pools and clients that are shared by design and connect lazily or on their own
/// (node-redis's `createClient` needs an explicit `connect()` per client, `pg.Client` and
/// `createConnection` are single connections: not these).
const JAVASCRIPT_SHAREABLE: &[&str] = &[
    "pg.Pool",
    "mongodb.MongoClient",
    "sequelize.Sequelize",
    "sequelize",
    "ioredis",
    "ioredis.Redis",
    "mysql.createPool",
    "mysql2.createPool",
    "mysql2/promise.createPool",
    "knex",
    "knex.knex",
];

/// Methods that end a client: a handler calling one on the client expects a fresh one each
/// time, and moving it would close the shared one for every other request.
const CLOSERS: &[&str] = &[
    "dispose",
    "close",
    "aclose",
    "quit",
    "disconnect",
    "end",
    "destroy",
];

/// `const x = call(…)` (or `let`/`var`) declaring that one name: the name and the declaration.
fn js_sole_declaration(call: Node) -> Option<(Node, Node)> {
    let declarator = call
        .parent()
        .filter(|p| p.kind_str() == "variable_declarator")?;
    (declarator.field("value") == Some(call)).then_some(())?;
    let name = declarator
        .field("name")
        .filter(|l| l.kind_str() == "identifier")?;
    let statement = declarator.parent().filter(|s| {
        matches!(s.kind_str(), "lexical_declaration" | "variable_declaration")
            && s.named_child_count() == 1
    })?;
    Some((name, statement))
}

/// The fix moving `name = <call>` (a statement of the handler's own body) to module level,
/// just above the handler's top-level item: offered only when the rewrite keeps meaning —
/// the handler is a top-level item, the name is assigned once and never closed or used as a
/// context manager, the module has no binding of that name, and the call's arguments use
/// nothing local to the handler nor anything the module binds only after it.
fn module_level_fix<'a>(
    checker: &Checker<'a>,
    handler: Node<'a>,
    call: Node<'a>,
    name: &str,
) -> Option<(String, Vec<Edit>)> {
    let python = checker.language.family() == Family::Python;
    // `engine = create_engine(…)` / `const pool = new Pool(…)`, directly in the handler body.
    let (binding, statement) = if python {
        let assignment = call.parent().filter(|p| p.kind_str() == "assignment")?;
        (assignment.field("right") == Some(call)).then_some(())?;
        let left = assignment
            .field("left")
            .filter(|l| l.kind_str() == "identifier")?;
        let statement = assignment
            .parent()
            .filter(|s| s.kind_str() == "expression_statement" && s.named_child_count() == 1)?;
        (left, statement)
    } else {
        js_sole_declaration(call)?
    };
    let body = handler.field("body")?;
    // In the handler's body, or in a `try` block that is (Express handlers pass errors on
    // with try/catch).
    let block = statement.parent()?;
    let in_try = block
        .parent()
        .filter(|t| t.kind_str() == "try_statement" && t.field("body") == Some(block))
        .is_some_and(|t| t.parent() == Some(body));
    (block == body || in_try).then_some(())?;
    // The only statement: the block would be left empty (and uses nothing of it).
    (named_children(block)
        .iter()
        .filter(|s| s.kind_str() != "comment")
        .count()
        > 1)
    .then_some(())?;
    // The handler is the item, or the item's only function on the way to it.
    let item = checker.item;
    let top_level = if python {
        handler == item
            || (item.kind_str() == "decorated_definition"
                && item.field("definition") == Some(handler))
    } else {
        ancestors(item, handler)
            .iter()
            .filter(|a| is_js_function(a.kind_str()))
            .all(|a| *a == handler)
    };
    top_level.then_some(())?;
    let var = checker.text(binding);
    // Assigned once, never closed, never the subject of `with`.
    let handler_text = checker.text(handler);
    let words = |t: &str| -> Vec<usize> {
        t.match_indices(var)
            .filter(|(i, _)| {
                let before = t[..*i].chars().next_back();
                let after = t[i + var.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$')
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
            })
            .map(|(i, _)| i)
            .collect()
    };
    for i in words(handler_text) {
        let after = handler_text[i + var.len()..].trim_start();
        let before = handler_text[..i].trim_end();
        let reassigned = (after.starts_with('=') && !after.starts_with("=="))
            || after.starts_with(":=")
            || after.starts_with("+=");
        let closed = after
            .strip_prefix('.')
            .is_some_and(|m| CLOSERS.iter().any(|c| m.starts_with(&format!("{c}("))));
        // `with engine:` / `with client as c:` closes it on exit (`with engine.connect()`
        // only closes the connection it takes from the pool).
        let context = (before.ends_with("with") && !after.starts_with('.'))
            || after.starts_with("as ")
            || before.ends_with("del");
        let own = binding.start_byte() == handler.start_byte() + i;
        if (reassigned && !own) || closed || context {
            return None;
        }
    }
    // The module does not bind the name already.
    if checker.semantic.imports.contains_key(var) || checker.semantic.bindings.contains_key(var) {
        return None;
    }
    let root = {
        let mut r = item;
        while let Some(p) = r.parent() {
            r = p;
        }
        r
    };
    let module_items = named_children(root);
    let binds = |n: Node, name: &str| -> bool { binds_name(checker, n, name) };
    if module_items.iter().any(|n| *n != item && binds(*n, var)) {
        return None;
    }
    // The arguments use nothing of the handler's, nor module names bound after it.
    let locals = handler_locals(checker, handler);
    let args = call.field("arguments")?;
    let mut used = Vec::new();
    referenced_names(checker, args, &mut used);
    for u in used {
        if locals.contains(&u) {
            return None;
        }
        if module_items
            .iter()
            .filter(|n| n.start_byte() > item.start_byte())
            .any(|n| binds(*n, u))
        {
            return None;
        }
    }
    // The statement, dedented to module level, with pre-ping for SQLAlchemy engines (a pooled
    // connection the database dropped is replaced instead of failing a request).
    let indent_start = checker.source[..statement.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent = &checker.source[indent_start..statement.start_byte()];
    if !indent.trim().is_empty() {
        return None;
    }
    let mut moved = checker
        .text(statement)
        .replace(&format!("\n{indent}"), "\n");
    let engine = name.ends_with("create_engine") || name.ends_with("create_async_engine");
    if engine && !checker.text(args).contains("pool_pre_ping") {
        let close = args.end_byte() - statement.start_byte();
        let inside = checker.text(args)[1..checker.text(args).len() - 1].trim_end();
        let sep = if inside.is_empty() {
            ""
        } else if inside.ends_with(',') {
            " "
        } else {
            ", "
        };
        let original = checker.text(statement);
        let at = original[..close - 1].trim_end().len();
        let with_ping = format!(
            "{}{sep}pool_pre_ping=True{}",
            &original[..at],
            &original[close - 1..]
        );
        moved = with_ping.replace(&format!("\n{indent}"), "\n");
    }
    let end = checker.source[statement.end_byte()..]
        .find('\n')
        .map_or(checker.source.len(), |i| statement.end_byte() + i + 1);
    // Nothing else on the statement's line.
    if !checker.source[statement.end_byte()..end].trim().is_empty()
        && !checker.source[statement.end_byte()..end]
            .trim()
            .starts_with(['#', '/'])
    {
        return None;
    }
    let item_line = checker.source[..item.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    if item_line != item.start_byte() {
        return None;
    }
    let gap = if python { "\n\n\n" } else { "\n\n" };
    let what = if engine {
        "engine"
    } else if name.ends_with("Pool") || name.ends_with("createPool") {
        "pool"
    } else {
        "client"
    };
    Some((
        format!("Create `{var}` once at module level (a shared {what}, reused by every request)"),
        vec![
            Edit {
                range: item_line..item_line,
                content: format!("{moved}{gap}"),
            },
            Edit {
                range: indent_start..end,
                content: String::new(),
            },
        ],
    ))
}

/// Whether a top-level statement binds `name` (assignment, import, def, class, declaration).
fn binds_name(checker: &Checker, n: Node, name: &str) -> bool {
    let t = checker.text(n);
    if !t.contains(name) {
        return false;
    }
    let mut found = false;
    let mut check = |target: Node| {
        if checker.text(target) == name {
            found = true;
        }
    };
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        match x.kind_str() {
            "function_definition"
            | "class_definition"
            | "function_declaration"
            | "class_declaration" => {
                if let Some(nm) = x.field("name") {
                    check(nm);
                }
                continue;
            }
            "assignment" | "augmented_assignment" => {
                if let Some(l) = x.field("left") {
                    let mut ids = Vec::new();
                    identifiers(l, &mut ids);
                    for i in ids {
                        check(i);
                    }
                }
            }
            "variable_declarator" => {
                if let Some(l) = x.field("name") {
                    let mut ids = Vec::new();
                    identifiers(l, &mut ids);
                    for i in ids {
                        check(i);
                    }
                }
            }
            "import_statement"
            | "import_from_statement"
            | "import_clause"
            | "aliased_import"
            | "dotted_name"
            | "import_specifier"
            | "namespace_import" => {
                let mut ids = Vec::new();
                identifiers(x, &mut ids);
                for i in ids {
                    check(i);
                }
            }
            "arrow_function" | "function_expression" | "lambda" => continue,
            _ => {}
        }
        stack.extend(named_children(x));
    }
    found
}

fn identifiers<'a>(n: Node<'a>, out: &mut Vec<Node<'a>>) {
    if matches!(
        n.kind_str(),
        "identifier" | "shorthand_property_identifier_pattern"
    ) {
        out.push(n);
        return;
    }
    for c in named_children(n) {
        identifiers(c, out);
    }
}

/// The handler's parameters and every name its body binds.
fn handler_locals<'a>(checker: &Checker<'a>, handler: Node<'a>) -> Vec<&'a str> {
    let mut ids = Vec::new();
    if let Some(p) = handler
        .field("parameters")
        .or_else(|| handler.field("parameter"))
    {
        identifiers(p, &mut ids);
    }
    if let Some(body) = handler.field("body") {
        walk_scope(body, &|_| false, &mut |n| match n.kind_str() {
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_statement" => {
                if let Some(l) = n.field("left") {
                    identifiers(l, &mut ids);
                }
            }
            "variable_declarator" => {
                if let Some(l) = n.field("name") {
                    identifiers(l, &mut ids);
                }
            }
            "as_pattern" | "named_expression" | "with_item" => {
                if let Some(a) = n.field("alias").or_else(|| n.field("name")) {
                    identifiers(a, &mut ids);
                }
            }
            "function_definition" | "function_declaration" | "class_definition" => {
                if let Some(nm) = n.field("name") {
                    ids.push(nm);
                }
            }
            _ => {}
        });
    }
    ids.into_iter().map(|i| checker.text(i)).collect()
}

/// The names an expression reads: identifiers, except attribute and property names and
/// keyword-argument names.
fn referenced_names<'a>(checker: &Checker<'a>, n: Node<'a>, out: &mut Vec<&'a str>) {
    match n.kind_str() {
        "identifier" | "shorthand_property_identifier" => {
            out.push(checker.text(n));
            return;
        }
        "attribute" => {
            if let Some(o) = n.field("object") {
                referenced_names(checker, o, out);
            }
            return;
        }
        "member_expression" => {
            if let Some(o) = n.field("object") {
                referenced_names(checker, o, out);
            }
            return;
        }
        "keyword_argument" => {
            if let Some(v) = n.field("value") {
                referenced_names(checker, v, out);
            }
            return;
        }
        "pair" => {
            if let Some(v) = n.field("value") {
                referenced_names(checker, v, out);
            }
            if let Some(k) = n
                .field("key")
                .filter(|k| k.kind_str() == "computed_property_name")
            {
                referenced_names(checker, k, out);
            }
            return;
        }
        _ => {}
    }
    for c in named_children(n) {
        referenced_names(checker, c, out);
    }
}

/// Events of a socket's life, not messages: a connection made there serves the whole socket.
const LIFECYCLE: &[&str] = &[
    "connect",
    "connection",
    "disconnect",
    "disconnecting",
    "websocket_connect",
    "websocket_disconnect",
    "on_connect",
    "on_disconnect",
    "close",
    "error",
    "open",
    "listening",
    "upgrade",
    "headers",
    "ping",
    "pong",
];

/// The WebSocket message handler around `node`: a Channels consumer's `receive`, a Starlette
/// `WebSocketEndpoint.on_receive`, a Flask-SocketIO/python-socketio event other than `connect`
/// and `disconnect` (`analysis::resolvers`).
fn python_message_handler_around<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<Node<'a>> {
    ancestors(checker.item, node)
        .into_iter()
        .filter(|a| a.kind_str() == "function_definition")
        .find(|f| {
            let message =
                resolvers::python_entry(checker.item, *f, checker.source, checker.semantic)
                    .is_some_and(|e| e.what == "WebSocket message");
            if !message {
                return false;
            }
            let name = f.field("name").map_or("", |n| checker.text(n));
            let event = f
                .parent()
                .filter(|p| p.kind_str() == "decorated_definition")
                .and_then(|d| {
                    named_children(d)
                        .into_iter()
                        .filter(|c| c.kind_str() == "decorator")
                        .find_map(|c| first_string(checker, c))
                });
            !LIFECYCLE.contains(&event.unwrap_or(name))
        })
}

/// The first string literal under `node`, unquoted (`"chat"` in `@sio.on("chat")`).
fn first_string<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'a str> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind_str() == "string" {
            return Some(checker.text(n).trim_matches(['"', '\'', '`']));
        }
        let mut children = named_children(n);
        children.reverse();
        stack.extend(children);
    }
    None
}

/// The WebSocket message handler around `node` (JavaScript): a callback of `ws.on("message", …)`,
/// of `socket.on("event", …)` on the socket a `connection` callback received, or a NestJS
/// `@SubscribeMessage` method.
fn js_message_handler_around<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<Node<'a>> {
    let path = ancestors(checker.item, node);
    for (i, f) in path.iter().enumerate().rev() {
        if f.kind_str() == "method_definition" {
            let mut prev = f.prev_named_sibling();
            while let Some(d) = prev.filter(|d| d.kind_str() == "decorator") {
                if checker
                    .text(d)
                    .trim_start_matches('@')
                    .starts_with("SubscribeMessage")
                {
                    return Some(*f);
                }
                prev = d.prev_named_sibling();
            }
            continue;
        }
        if !matches!(
            f.kind_str(),
            "arrow_function" | "function_expression" | "function"
        ) {
            continue;
        }
        let Some(call) = i.checked_sub(2).map(|j| path[j]) else {
            continue;
        };
        if path[i - 1].kind_str() != "arguments" || call.kind_str() != "call_expression" {
            continue;
        }
        let Some((receiver, event)) = socket_on(checker, call) else {
            continue;
        };
        if LIFECYCLE.contains(&event) {
            continue;
        }
        if event == "message" {
            return Some(*f);
        }
        // A Socket.IO event: its receiver is the parameter of an enclosing `connection` callback.
        let connection = path[..i.saturating_sub(2)]
            .iter()
            .enumerate()
            .any(|(j, outer)| {
                matches!(
                    outer.kind_str(),
                    "arrow_function" | "function_expression" | "function"
                ) && j >= 2
                    && path[j - 1].kind_str() == "arguments"
                    && socket_on(checker, path[j - 2])
                        .is_some_and(|(_, e)| matches!(e, "connection" | "connect"))
                    && outer
                        .field("parameters")
                        .or_else(|| outer.field("parameter"))
                        .and_then(|p| {
                            if p.kind_str() == "identifier" {
                                return Some(p);
                            }
                            let first = named_children(p).into_iter().next()?;
                            Some(first.field("pattern").unwrap_or(first))
                        })
                        .is_some_and(|p| checker.text(p) == receiver)
            });
        if connection {
            return Some(*f);
        }
    }
    None
}

/// `x.on("event", …)` (or `once`, `addEventListener`): the receiver's text and the event.
fn socket_on<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<(&'a str, &'a str)> {
    let on = call
        .field("function")
        .filter(|f| f.kind_str() == "member_expression")?;
    let method = on.field("property").map(|p| checker.text(p))?;
    if !matches!(method, "on" | "once" | "addEventListener") {
        return None;
    }
    let first = named_children(call.field("arguments")?)
        .into_iter()
        .next()?;
    if first.kind_str() != "string" {
        return None;
    }
    let receiver = on.field("object").map(|o| checker.text(o))?;
    Some((receiver, checker.text(first).trim_matches(['"', '\'', '`'])))
}

/// JavaScript constructors and factories of long-lived resources.
const JAVASCRIPT: &[(&str, &str)] = &[
    ("pg.Pool", "a PostgreSQL pool"),
    ("pg.Client", "a PostgreSQL connection"),
    ("mongoose.connect", "a MongoDB connection"),
    ("mongoose.createConnection", "a MongoDB connection"),
    ("mongodb.MongoClient", "a MongoDB client"),
    ("mongodb.MongoClient.connect", "a MongoDB client"),
    (
        "sequelize.Sequelize",
        "a Sequelize instance (with its pool)",
    ),
    ("sequelize", "a Sequelize instance (with its pool)"),
    ("redis.createClient", "a Redis client"),
    ("ioredis", "a Redis client"),
    ("ioredis.Redis", "a Redis client"),
    ("mysql.createConnection", "a MySQL connection"),
    ("mysql.createPool", "a MySQL pool"),
    ("mysql2.createConnection", "a MySQL connection"),
    ("mysql2.createPool", "a MySQL pool"),
    ("mysql2/promise.createConnection", "a MySQL connection"),
    ("mysql2/promise.createPool", "a MySQL pool"),
    ("knex", "a Knex instance (with its pool)"),
    ("knex.knex", "a Knex instance (with its pool)"),
];

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    let last = match func.kind_str() {
        "identifier" => checker.text(func),
        _ => checker.member_name(func).unwrap_or(""),
    };
    // Most calls name nothing of the kind: reject them before resolving.
    let plausible = JAVASCRIPT
        .iter()
        .any(|(n, _)| n.rsplit(['.', '/']).next() == Some(last))
        || checker.semantic.imports.contains_key(last)
        || checker.item_imports.contains(last);
    if !plausible {
        return;
    }
    let Some(name) = checker.resolve(func) else {
        return;
    };
    let name = name.strip_suffix(".default").unwrap_or(&name);
    let Some((_, what)) = JAVASCRIPT.iter().find(|(n, _)| *n == name) else {
        return;
    };
    let callee = crate::security::callee(checker.text(func));
    let short = if call.kind_str() == "new_expression" {
        format!("new {callee}(…)")
    } else {
        format!("{callee}(…)")
    };
    // `new Sequelize(…)`/`Pool`, and factory calls; `sequelize` as a call is the default export.
    if let Some(handler) = js_enclosing_handler(checker.item, call, checker.source) {
        let fix = JAVASCRIPT_SHAREABLE
            .contains(&name)
            .then(|| module_level_fix(checker, handler, call, name))
            .flatten()
            .map(|(title, edits)| (title, edits, None))
            .or_else(|| {
                // Connected and ended (closed) by the handler itself.
                matches!(name, "pg.Client" | "mongodb.MongoClient")
                    .then(|| pools::js_connection_fix(checker, handler, call, name))
                    .flatten()
            });
        let f = checker.report(func, format!(
            "`{short}` creates {what} on every request, paying the connection set-up each time and exhausting the database's connections under load; create it once at module level and reuse it"
        ));
        if let Some((title, edits, import)) = fix {
            f.with_fix(title, Applicability::Unsafe, edits);
            if let Some(m) = import {
                f.with_import(m);
            }
        }
    } else if js_message_handler_around(checker, call).is_some() {
        checker.report(func, format!(
            "`{short}` creates {what} for every WebSocket message: a chatty client opens connections as fast as it sends, exhausting the database's connections; create it once at module level (or once per socket, in the `connection` handler) and reuse it"
        ));
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags clients that own connections when they are created inside a request handler:
- Python (Flask, FastAPI, Django views and their nested callbacks): `create_engine`,
  `create_async_engine`, `psycopg2/psycopg/asyncpg/pymysql/MySQLdb/mysql.connector` connections
  and pools, `MongoClient`/`AsyncIOMotorClient`, `redis.Redis`/`from_url`,
  `httpx.Client`/`AsyncClient`, `requests.Session`, `aiohttp.ClientSession`, `urllib3.PoolManager`;
- JavaScript and TypeScript (Express/Koa/Fastify handlers): `new Pool`/`new Client` (pg),
  `mongoose.connect`, `new MongoClient`, `new Sequelize`, `createClient` (redis),
  `new Redis` (ioredis), `mysql.createConnection/createPool`, `knex(…)`.

The same clients are reported in WebSocket message handlers, which run once per message:
Django Channels `receive`/`receive_json`, Starlette `WebSocketEndpoint.on_receive`,
Flask-SocketIO and python-socketio events, `ws.on("message", …)`, Socket.IO events on the socket
a `connection` callback received, and NestJS `@SubscribeMessage` methods. Connection and
disconnection handlers (`connect`, `websocket_connect`, `io.on("connection", …)`) run once per
socket and are not reported.

`sqlite3.connect` is not reported: opening a SQLite file is cheap and connections cannot be
shared across threads by default, so a connection per request (Flask's `g.db` pattern) is the
usual idiom. Taking a connection from a pool per request (`pool.connect()`, `engine.connect()`,
`Session(engine)`) is what pools are for and is not reported either.

The quick fix (unsafe: a code action to review, not applied by fix-all) moves
`name = <constructor>(…)` out of the handler to module level, just above it, for clients that
are shared between requests by design and connect lazily: SQLAlchemy engines (with
`pool_pre_ping=True` added, so a pooled connection the database dropped is replaced rather than
failing a request), `MongoClient`, redis-py clients, `httpx` clients, pg `Pool`, `MongoClient`
(Node), ioredis, Sequelize, Knex and MySQL pools. It is offered only when the move keeps
meaning: the statement is in the handler's own body (or its `try` block), the handler is a
top-level function or route registration, the name is assigned once and the handler does not
close it (`dispose()`, `close()`, `end()`, `quit()`, `with client:`), the module binds no such
name, and the constructor's arguments use nothing of the handler (parameters, locals: a
per-tenant URL) nor a module name bound below it. Fix-all (on save, `check --fix`) moves only
one of two handlers' clients of the same name (two differently configured `engine`s would
otherwise become one): the other stays reported, to be renamed and moved by hand.

Single connections cannot serve concurrent requests, so they are not moved; where the handler
connects and closes one itself, the fix puts a pool in its place:
- node-postgres: `const client = new Client(…)`, `await client.connect()`, queries and
  `await client.end()` (directly, or in a `finally`) become one module-level `new Pool(…)`
  (named `pool` when the name is free, `Pool` added to the file's `pg` import) whose `query`
  takes a connection for each query; the `connect`/`end` calls go (a `try`/`finally` left with
  nothing to do is unwrapped). Not offered when the handler uses the client for anything but
  `query`, or sends statements that hold state on one connection (`BEGIN`/`COMMIT`, `SET`,
  `LISTEN`, `LOCK`, cursors): a transaction needs all its queries on the same client.
- MongoDB (Node): a `MongoClient` the handler closes (`await client.close()`, directly or in a
  `finally`) moves to module level and the close goes; the driver pools its connections and
  `connect()` on a connected client returns at once.
- PyMongo: a `MongoClient` the handler closes (`client.close()`, directly or in a `finally`)
  moves to module level the same way and the close goes (a `try`/`finally` left with nothing to
  do is unwrapped); not when it is used as a context manager (`with MongoClient(…) as client:`).
- Motor, in an async FastAPI route on the module's `app`: `client = AsyncIOMotorClient(…)`
  becomes `client = app.state.mongo_client`, a client the app's lifespan creates at start-up
  with the same arguments and closes at shutdown (a module-level `with_mongo_client` wraps
  whatever lifespan the app has, once per module), and the handler's `close()` goes. Not module
  level: a Motor client binds to the event loop it is first used on, and fails on any other
  (a second `TestClient`, a second `asyncio.run`).
- asyncpg, in a FastAPI route on the module's `app`: `conn = await asyncpg.connect(…)` closed in
  a `finally` becomes `await app.state.db_pool.acquire()` and the close
  `await app.state.db_pool.release(conn)`; the pool is created at start-up by the app's lifespan
  (`asyncpg.create_pool(…)` with the same arguments, closed at shutdown), which a module-level
  `with_db_pool` wraps around whatever lifespan the app has (`app.router.lifespan_context`), once
  per module. Not offered when the connection is not closed in a `finally` (a pool's connection
  that is never released is lost to every later request).

Other single connections (`psycopg2.connect`, `mysql.createConnection`) still need a pool by
hand (`psycopg2.pool.ThreadedConnectionPool`, `mysql2.createPool`) with acquire/release around
each use.

## Why is this bad?
A new engine or client opens new TCP (and TLS) connections and authenticates on each request:
milliseconds of latency every time, and a connection count that grows with traffic until the
database refuses new ones (`too many connections`). Pools created per request are never shared,
so they pool nothing, and clients that are not closed leak sockets.

## Example
```python
@app.get("/orders")
def orders():
    engine = create_engine(DATABASE_URL)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM orders LIMIT 50"))]
```

```javascript
app.get("/orders", async (req, res) => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const { rows } = await pool.query("SELECT * FROM orders LIMIT 50");
  res.json(rows);
});
```

## Use instead
```python
engine = create_engine(DATABASE_URL)

@app.get("/orders")
def orders():
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM orders LIMIT 50"))]
```

```javascript
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

app.get("/orders", async (req, res) => {
  const { rows } = await pool.query("SELECT * FROM orders LIMIT 50");
  res.json(rows);
});
```

## References
- [SQLAlchemy: engine and connection pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
- [HTTPX: why use a Client](https://www.python-httpx.org/advanced/clients/#why-use-a-client)
- [node-postgres: pooling](https://node-postgres.com/features/pooling)
- [MongoDB Node driver: connection pools](https://www.mongodb.com/docs/drivers/node/current/fundamentals/connections/connection-pools/)
"#;
