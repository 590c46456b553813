//! PERF205 fixes for single connections a handler opens and closes itself on every request:
//! a node-postgres `Client` becomes one module-level `Pool` (whose `query` takes a connection
//! for each query), a Node `MongoClient` becomes one module-level client (the driver pools its
//! connections), and an asyncpg connection is acquired from a pool the app creates at
//! start-up (in its lifespan) and released where it was closed.
//!
//! Every edit stays in the handler's item or just above it (cached findings move with their
//! item); a JavaScript import the fix needs is a `Fix::imports` entry the engine places.

use tree_sitter::Node;

use super::{binds_name, handler_locals, js_sole_declaration, referenced_names};
use crate::{Checker, Edit};
use ba_analysis::routes::is_js_function;
use ba_analysis::{ancestors, named_children, walk_scope};
use ba_syntax::NodeExt;

/// A fix: title, edits, and the import it needs (`pg#Pool`).
pub(super) type PoolFix = (String, Vec<Edit>, Option<&'static str>);

/// Statements (as SQL text starts) that hold state on one connection: a pool runs each query
/// on whichever connection is free, so a handler using these needs its own client.
const SESSION_SQL: &[&str] = &[
    "BEGIN",
    "START",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "SET",
    "RESET",
    "LISTEN",
    "UNLISTEN",
    "LOCK",
    "DECLARE",
    "FETCH",
    "PREPARE",
    "CREATE TEMP",
];

fn line_start(source: &str, at: usize) -> usize {
    source[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(source: &str, at: usize) -> usize {
    source[at..].find('\n').map_or(source.len(), |i| at + i + 1)
}

/// The whole lines of `node`, when nothing else shares them.
fn own_lines(source: &str, node: Node) -> Option<std::ops::Range<usize>> {
    let start = line_start(source, node.start_byte());
    let end = line_end(source, node.end_byte());
    let alone = source[start..node.start_byte()].trim().is_empty()
        && source[node.end_byte()..end].trim().is_empty();
    alone.then_some(start..end)
}

/// `await x.m(…);` / `x.m(…);` / `await x.m(…)` as a statement of its own: the statement.
fn call_statement(call: Node) -> Option<Node> {
    let mut n = call.parent()?;
    if n.kind_str() == "await_expression" || n.kind_str() == "await" {
        n = n.parent()?;
    }
    (n.kind_str() == "expression_statement" && n.named_child_count() == 1).then_some(n)
}

/// A try statement whose `finally` holds only `statement`: the try statement.
fn finally_only<'a>(statement: Node<'a>) -> Option<Node<'a>> {
    let block = statement.parent()?;
    let clause = block.parent()?;
    if !matches!(clause.kind_str(), "finally_clause") {
        return None;
    }
    let others = named_children(block)
        .into_iter()
        .filter(|s| s.kind_str() != "comment" && *s != statement)
        .count();
    (others == 0).then_some(clause.parent()?)
}

/// Applies `edits` (source ranges inside `range`) to that part of the source.
fn applied(source: &str, range: std::ops::Range<usize>, edits: &[Edit]) -> String {
    let mut out = String::new();
    let mut at = range.start;
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| e.range.start);
    for e in edits {
        out.push_str(&source[at..e.range.start]);
        out.push_str(&e.content);
        at = e.range.end;
    }
    out.push_str(&source[at..range.end]);
    out
}

/// The handler and statement shape both fixes need: `const name = new X(…)` (or
/// `name = await x.connect(…)`) directly in the handler's body or its `try` block, the
/// handler a top-level function or route registration, the statement on lines of its own.
/// The block the statement is in.
fn declared<'a>(checker: &Checker<'a>, handler: Node<'a>, statement: Node<'a>) -> Option<Node<'a>> {
    let body = handler.field("body")?;
    let block = statement.parent()?;
    let in_try = block
        .parent()
        .filter(|t| t.kind_str() == "try_statement" && t.field("body") == Some(block))
        .is_some_and(|t| t.parent() == Some(body));
    (block == body || in_try).then_some(())?;
    own_lines(checker.source, statement)?;
    let item = checker.item;
    let top_level = if checker.language.family() == ba_syntax::Family::Python {
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
    // The item starts its line (the moved code goes above it).
    (line_start(checker.source, item.start_byte()) == item.start_byte()).then_some(())?;
    Some(block)
}

/// Whether the constructor's arguments can be evaluated at module level: nothing of the
/// handler's, nothing the module binds only after it.
fn movable_arguments<'a>(checker: &Checker<'a>, handler: Node<'a>, args: Node<'a>) -> bool {
    let locals = handler_locals(checker, handler);
    let mut used = Vec::new();
    referenced_names(checker, args, &mut used);
    let item = checker.item;
    let Some(root) = std::iter::successors(Some(item), |n| n.parent()).last() else {
        return false;
    };
    let later: Vec<Node> = named_children(root)
        .into_iter()
        .filter(|n| n.start_byte() > item.start_byte())
        .collect();
    used.iter()
        .all(|u| !locals.contains(u) && !later.iter().any(|n| binds_name(checker, *n, u)))
}

/// Whether `name` is free for a new module-level binding (and, unless it is the handler's own
/// variable that moves there, unused in the handler).
fn free_name<'a>(checker: &Checker<'a>, handler: Node<'a>, name: &str, moved: bool) -> bool {
    if checker.semantic.imports.contains_key(name) || checker.semantic.bindings.contains_key(name) {
        return false;
    }
    let Some(root) = std::iter::successors(Some(checker.item), |n| n.parent()).last() else {
        return false;
    };
    !named_children(root)
        .into_iter()
        .any(|n| binds_name(checker, n, name))
        && (moved || !handler_locals(checker, handler).contains(&name))
}

/// The identifiers naming `var` in `handler`, except `binding`.
fn uses<'a>(
    checker: &Checker<'a>,
    handler: Node<'a>,
    binding: Node<'a>,
    var: &str,
) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    walk_scope(handler, &|_| false, &mut |n| {
        if n.kind_str() == "identifier" && n != binding && checker.text(n) == var {
            out.push(n);
        }
    });
    out
}

/// Node: a pg `Client` or a `MongoClient` created, connected and ended/closed by the handler.
pub(super) fn js_connection_fix<'a>(
    checker: &Checker<'a>,
    handler: Node<'a>,
    call: Node<'a>,
    name: &str,
) -> Option<PoolFix> {
    let pg = name == "pg.Client";
    let closer = if pg { "end" } else { "close" };
    let (binding, statement) = js_sole_declaration(call)?;
    let block = declared(checker, handler, statement)?;
    let source = checker.source;
    let var = checker.text(binding);
    let args = call.field("arguments")?;
    movable_arguments(checker, handler, args).then_some(())?;
    // The pool's name: `pool` when it is free, else the client's own.
    let new_var = if pg && var != "pool" && free_name(checker, handler, "pool", false) {
        "pool"
    } else {
        free_name(checker, handler, var, true).then_some(var)?
    };
    let mut edits: Vec<Edit> = Vec::new();
    let mut unwrap: Option<Node> = None;
    let mut closed = false;
    for u in uses(checker, handler, binding, var) {
        let member = u
            .parent()
            .filter(|m| m.kind_str() == "member_expression" && m.field("object") == Some(u));
        let Some(member) = member else {
            // Passed along or reassigned: a pg client may be used for anything; a Mongo
            // client only read.
            let parent = u.parent()?;
            let assigned =
                parent.kind_str() == "assignment_expression" && parent.field("left") == Some(u);
            if pg || assigned {
                return None;
            }
            continue;
        };
        let method = member.field("property").map(|p| checker.text(p))?;
        let invoked = member
            .parent()
            .filter(|c| c.kind_str() == "call_expression" && c.field("function") == Some(member));
        match (method, invoked) {
            ("query", Some(q)) if pg => {
                // Session state on one connection (a transaction) needs one client.
                let first = q
                    .field("arguments")
                    .and_then(|a| named_children(a).into_iter().next());
                let sql = first
                    .filter(|f| matches!(f.kind_str(), "string" | "template_string"))
                    .map(|f| {
                        checker
                            .text(f)
                            .trim_matches(['"', '\'', '`'])
                            .trim_start()
                            .to_ascii_uppercase()
                    })
                    .unwrap_or_default();
                if SESSION_SQL.iter().any(|k| sql.starts_with(k)) {
                    return None;
                }
                if new_var != var {
                    edits.push(Edit {
                        range: u.byte_range(),
                        content: new_var.to_owned(),
                    });
                }
            }
            // A pool connects on its own; a Mongo client's `connect()` resolves at once once
            // connected (and connects it the first time).
            ("connect", Some(c)) if pg => {
                let s = call_statement(c)?;
                edits.push(Edit {
                    range: own_lines(source, s)?,
                    content: String::new(),
                });
            }
            (m, Some(c)) if m == closer => {
                let s = call_statement(c)?;
                if closed {
                    return None;
                }
                closed = true;
                if s.parent() == Some(block) {
                    edits.push(Edit {
                        range: own_lines(source, s)?,
                        content: String::new(),
                    });
                } else {
                    let t = finally_only(s)?;
                    let around = t.parent()?;
                    (around == block || Some(around) == handler.field("body")).then_some(())?;
                    match named_children(t)
                        .into_iter()
                        .find(|c| c.kind_str() == "catch_clause")
                    {
                        // `try { … } catch (e) { … }`: the `finally` goes.
                        Some(catch) => {
                            let finally = named_children(t)
                                .into_iter()
                                .find(|c| c.kind_str() == "finally_clause")?;
                            edits.push(Edit {
                                range: catch.end_byte()..finally.end_byte(),
                                content: String::new(),
                            });
                        }
                        // `try { … } finally { … }`: the try's body takes its place.
                        None => unwrap = Some(t),
                    }
                }
            }
            ("connect", _) if !pg => {}
            // Anything else on a pg client (events, `release`, `copyFrom`) is per connection.
            _ if pg => return None,
            // Another way to close a Mongo client, or a method reassigned.
            (m, _) if super::CLOSERS.contains(&m) => return None,
            _ => {}
        }
    }
    // The declaration itself goes.
    edits.push(Edit {
        range: own_lines(source, statement)?,
        content: String::new(),
    });
    if let Some(t) = unwrap {
        let body = t.field("body")?;
        let lines = own_lines(source, t)?;
        // `{` ends its line and `}` starts one: the body's lines move out, one level less indented.
        let inner = line_end(source, body.start_byte())..line_start(source, body.end_byte() - 1);
        if inner.start > inner.end
            || !source[inner.end..body.end_byte() - 1].trim().is_empty()
            || !source[body.start_byte() + 1..inner.start].trim().is_empty()
        {
            return None;
        }
        let (inside, outside): (Vec<Edit>, Vec<Edit>) = edits
            .into_iter()
            .partition(|e| inner.start <= e.range.start && e.range.end <= inner.end);
        if outside
            .iter()
            .any(|e| e.range.start < lines.end && lines.start < e.range.end)
        {
            return None;
        }
        let text = applied(source, inner.clone(), &inside);
        let indent = &source[lines.start..t.start_byte()];
        let first = named_children(body).into_iter().next()?;
        let deeper = &source[line_start(source, first.start_byte())..first.start_byte()];
        let extra = deeper.strip_prefix(indent)?;
        let dedented: String = text
            .split_inclusive('\n')
            .map(|l| l.strip_prefix(extra).unwrap_or(l))
            .collect();
        edits = outside;
        edits.push(Edit {
            range: lines,
            content: dedented,
        });
    }
    // The client (pool) at module level, above the handler's item.
    let stmt_lines = own_lines(source, statement)?;
    let indent = &source[stmt_lines.start..statement.start_byte()];
    let mut moved = Vec::new();
    let mut import = None;
    if new_var != var {
        moved.push(Edit {
            range: binding.byte_range(),
            content: new_var.to_owned(),
        });
    }
    if pg {
        // `new Client(…)` → `new Pool(…)`; `new pg.Client(…)` → `new pg.Pool(…)`.
        let constructor = call.field("constructor")?;
        let target = match constructor.kind_str() {
            "identifier" => {
                import = Some("pg#Pool");
                constructor
            }
            "member_expression" => constructor.field("property")?,
            _ => return None,
        };
        moved.push(Edit {
            range: target.byte_range(),
            content: "Pool".into(),
        });
    }
    let text =
        applied(source, statement.byte_range(), &moved).replace(&format!("\n{indent}"), "\n");
    let item_line = checker.item.start_byte();
    edits.push(Edit {
        range: item_line..item_line,
        content: format!("{text}\n\n"),
    });
    let title = if pg {
        format!("Query a module-level pg `Pool` (`{new_var}`) instead of connecting a `Client` on every request")
    } else {
        format!("Create `{var}` once at module level and stop closing it per request (the driver pools its connections)")
    };
    Some((title, edits, import))
}

/// Python: `conn = await asyncpg.connect(…)` in a FastAPI route on the module's `app`, closed
/// in a `finally`: the connection is acquired from `app.state.db_pool` (created by the app's
/// lifespan, wrapped once with `with_db_pool`) and released where it was closed.
pub(super) fn asyncpg_fix<'a>(
    checker: &Checker<'a>,
    handler: Node<'a>,
    call: Node<'a>,
) -> Option<PoolFix> {
    // `conn = await asyncpg.connect(…)`.
    let awaited = call.parent().filter(|p| p.kind_str() == "await")?;
    let assignment = awaited.parent().filter(|p| p.kind_str() == "assignment")?;
    (assignment.field("right") == Some(awaited)).then_some(())?;
    let binding = assignment
        .field("left")
        .filter(|l| l.kind_str() == "identifier")?;
    let statement = assignment
        .parent()
        .filter(|s| s.kind_str() == "expression_statement" && s.named_child_count() == 1)?;
    // Async handlers only (`await` is there, but a sync one would not parse as this).
    checker.text(handler).starts_with("async").then_some(())?;
    declared(checker, handler, statement)?;
    let app = fastapi_app_of_route(checker)?;
    let func = call.field("function")?;
    let module = checker.text(func).strip_suffix(".connect")?;
    (checker.semantic.imports.get(module).map(String::as_str) == Some("asyncpg")).then_some(())?;
    let args = call.field("arguments")?;
    movable_arguments(checker, handler, args).then_some(())?;
    let var = checker.text(binding);
    // Used as a connection; closed once, in a `finally` of the handler.
    let pool = format!("{app}.state.db_pool");
    let mut edits = Vec::new();
    let mut released = false;
    for u in uses(checker, handler, binding, var) {
        let parent = u.parent()?;
        if parent.kind_str() == "assignment" && parent.field("left") == Some(u) {
            return None;
        }
        let closes = parent.kind_str() == "attribute"
            && parent.field("object") == Some(u)
            && parent.field("attribute").map(|a| checker.text(a)) == Some("close");
        if !closes {
            continue;
        }
        let close_call = parent.parent().filter(|c| c.kind_str() == "call")?;
        let awaited = close_call.parent().filter(|a| a.kind_str() == "await")?;
        let s = awaited
            .parent()
            .filter(|s| s.kind_str() == "expression_statement")?;
        let block = s.parent()?;
        let in_finally = block
            .parent()
            .is_some_and(|c| c.kind_str() == "finally_clause");
        if released || !in_finally {
            return None;
        }
        released = true;
        edits.push(Edit {
            range: awaited.byte_range(),
            content: format!("await {pool}.release({var})"),
        });
    }
    released.then_some(())?;
    edits.push(Edit {
        range: awaited.byte_range(),
        content: format!("await {pool}.acquire()"),
    });
    // Once per module: the lifespan wrapper creating the pool at start-up.
    let create = format!("await {module}.create_pool{}", checker.text(args));
    let import = lifespan_wrapper(
        checker,
        handler,
        &mut edits,
        Lifespan {
            app,
            state: "db_pool",
            what: "PostgreSQL pool",
            create: &create,
            close: "await app.state.db_pool.close()",
        },
    )?;
    Some((
        format!("Acquire `{var}` from a pool created at start-up (`{pool}`) and release it instead of closing"),
        edits,
        import,
    ))
}

/// The module's FastAPI app the checked item's route is registered on (`@app.get(…)` with
/// `app = FastAPI(…)` at module level).
fn fastapi_app_of_route<'a>(checker: &Checker<'a>) -> Option<&'a str> {
    let app = named_children(checker.item)
        .into_iter()
        .filter(|d| d.kind_str() == "decorator")
        .find_map(|d| {
            let t = checker.text(d).trim_start_matches('@');
            let owner = t.split('.').next()?;
            let method = t.split('.').nth(1)?.split('(').next()?;
            matches!(
                method,
                "get" | "post" | "put" | "patch" | "delete" | "api_route"
            )
            .then_some(owner)
        })?;
    let fastapi_app = checker.source.lines().any(|l| {
        l.strip_prefix(app)
            .and_then(|r| r.trim_start().strip_prefix('='))
            .is_some_and(|r| {
                let r = r.trim_start();
                r.starts_with("FastAPI(") || r.starts_with("fastapi.FastAPI(")
            })
    });
    fastapi_app.then_some(app)
}

/// A resource the app's lifespan creates at start-up as `app.state.<state>` and closes at
/// shutdown; `create` and `close` are the statements' expressions (at eight spaces).
struct Lifespan<'s> {
    app: &'s str,
    state: &'s str,
    what: &'s str,
    create: &'s str,
    close: &'s str,
}

/// Once per module, above the checked item: `with_<state>(lifespan)`, which wraps whatever
/// lifespan the app has (`app.router.lifespan_context`) with the resource's creation and
/// closing. When the module has it already (applied for another route), the fix stands only if
/// it creates the same resource. The import the wrapper needs, if any.
fn lifespan_wrapper<'a>(
    checker: &Checker<'a>,
    handler: Node<'a>,
    edits: &mut Vec<Edit>,
    l: Lifespan,
) -> Option<Option<&'static str>> {
    let Lifespan {
        app,
        state,
        what,
        create,
        close,
    } = l;
    let wrapper = format!("with_{state}");
    if checker.source.contains(&format!("def {wrapper}(")) {
        return checker.source.contains(create).then_some(None);
    }
    free_name(checker, handler, &wrapper, false).then_some(())?;
    let text = format!(
        "def {wrapper}(lifespan):\n    \"\"\"The app's lifespan, plus one {what} for the process ({app}.state.{state}),\n    created at start-up and closed at shutdown.\"\"\"\n\n    @contextlib.asynccontextmanager\n    async def lifespan_{wrapper}(app):\n        app.state.{state} = {create}\n        try:\n            async with lifespan(app) as state:\n                yield state\n        finally:\n            {close}\n\n    return lifespan_{wrapper}\n\n\n{app}.router.lifespan_context = {wrapper}({app}.router.lifespan_context)\n\n\n"
    );
    let at = checker.item.start_byte();
    edits.push(Edit {
        range: at..at,
        content: text,
    });
    Some(Some("contextlib"))
}

/// Python: a MongoDB client (`client = MongoClient(…)` / `AsyncIOMotorClient(…)`) a route
/// creates on every request, closed by it or not. PyMongo's client is thread-safe and connects
/// in the background: it moves to module level. Motor's binds to the event loop it is first used
/// on (a module-level one fails under a second loop, such as each `TestClient`'s), so in a
/// FastAPI route on the module's `app` it is created by the app's lifespan, on the server's
/// loop, as `app.state.mongo_client`, and closed at shutdown. The handler's own `close()`
/// goes (a `try`/`finally` left with nothing to do is unwrapped).
pub(super) fn python_mongo_fix<'a>(
    checker: &Checker<'a>,
    handler: Node<'a>,
    call: Node<'a>,
    name: &str,
) -> Option<PoolFix> {
    let source = checker.source;
    let motor = name.starts_with("motor.");
    let assignment = call.parent().filter(|p| p.kind_str() == "assignment")?;
    (assignment.field("right") == Some(call)).then_some(())?;
    let binding = assignment
        .field("left")
        .filter(|l| l.kind_str() == "identifier")?;
    let statement = assignment
        .parent()
        .filter(|s| s.kind_str() == "expression_statement" && s.named_child_count() == 1)?;
    let block = declared(checker, handler, statement)?;
    let args = call.field("arguments")?;
    movable_arguments(checker, handler, args).then_some(())?;
    let var = checker.text(binding);
    let app = if motor {
        // Motor's methods are coroutines: an async route of the module's FastAPI app.
        checker.text(handler).starts_with("async").then_some(())?;
        Some(fastapi_app_of_route(checker)?)
    } else {
        free_name(checker, handler, var, true).then_some(())?;
        None
    };
    let mut edits: Vec<Edit> = Vec::new();
    let mut unwrap: Option<Node> = None;
    let mut close_statement: Option<Node> = None;
    for u in uses(checker, handler, binding, var) {
        let parent = u.parent()?;
        match parent.kind_str() {
            // Rebound, used as a context manager (closed on exit) or deleted.
            "assignment" | "augmented_assignment" if parent.field("left") == Some(u) => {
                return None
            }
            "with_item" | "as_pattern" | "delete_statement" => return None,
            "attribute" if parent.field("object") == Some(u) => {
                let method = parent.field("attribute").map(|a| checker.text(a))?;
                if !super::CLOSERS.contains(&method) {
                    continue;
                }
                // `client.close()` as a statement of its own, once.
                (method == "close" && close_statement.is_none()).then_some(())?;
                let c = parent
                    .parent()
                    .filter(|c| c.kind_str() == "call" && c.field("function") == Some(parent))?;
                let s = c
                    .parent()
                    .filter(|s| s.kind_str() == "expression_statement")?;
                close_statement = Some(s);
                if s.parent() == Some(block) {
                    edits.push(Edit {
                        range: own_lines(source, s)?,
                        content: String::new(),
                    });
                } else {
                    let t = finally_only(s)?;
                    let around = t.parent()?;
                    (around == block || Some(around) == handler.field("body")).then_some(())?;
                    let clauses = named_children(t);
                    let finally = clauses
                        .iter()
                        .copied()
                        .find(|c| c.kind_str() == "finally_clause")?;
                    if clauses.iter().any(|c| c.kind_str() == "except_clause") {
                        // `try: … except …: … finally: client.close()`: the `finally` goes.
                        edits.push(Edit {
                            range: own_lines(source, finally)?,
                            content: String::new(),
                        });
                    } else {
                        unwrap = Some(t);
                    }
                }
            }
            _ => {}
        }
    }
    // Something is left of the block once the client is gone from it.
    let left = named_children(block)
        .into_iter()
        .filter(|s| s.kind_str() != "comment" && Some(*s) != close_statement)
        .count();
    (left > 1 || motor).then_some(())?;
    let import;
    if let Some(app) = app {
        // `client = app.state.mongo_client`; the lifespan creates and closes it.
        let indent = &source[line_start(source, statement.start_byte())..statement.start_byte()];
        let create = checker
            .text(call)
            .replace(&format!("\n{indent}"), "\n        ");
        edits.push(Edit {
            range: call.byte_range(),
            content: format!("{app}.state.mongo_client"),
        });
        import = lifespan_wrapper(
            checker,
            handler,
            &mut edits,
            Lifespan {
                app,
                state: "mongo_client",
                what: "MongoDB client",
                create: &create,
                close: "app.state.mongo_client.close()",
            },
        )?;
    } else {
        let lines = own_lines(source, statement)?;
        let indent = &source[lines.start..statement.start_byte()];
        let moved = checker
            .text(statement)
            .replace(&format!("\n{indent}"), "\n");
        edits.push(Edit {
            range: lines,
            content: String::new(),
        });
        let at = checker.item.start_byte();
        edits.push(Edit {
            range: at..at,
            content: format!("{moved}\n\n\n"),
        });
        import = None;
    }
    if let Some(t) = unwrap {
        edits = python_unwrap_try(source, t, edits)?;
    }
    let title = if motor {
        format!("Use one Motor client created at start-up (`{}.state.mongo_client`, on the server's event loop) instead of one per request", app.unwrap_or("app"))
    } else if close_statement.is_some() {
        format!("Create `{var}` once at module level and stop closing it per request (PyMongo pools its connections)")
    } else {
        format!("Create `{var}` once at module level (a shared client, reused by every request)")
    };
    Some((title, edits, import))
}

/// `try:` + body + `finally:` (nothing else) replaced by its body, one level less indented,
/// with the edits inside the body applied to it. None when the shape is not plain enough
/// (a body on the `try:` line, comments between the body and `finally`, a line less indented
/// than the body, an edit across the statement's edge).
fn python_unwrap_try(source: &str, t: Node, edits: Vec<Edit>) -> Option<Vec<Edit>> {
    let body = t.field("body")?;
    let lines = own_lines(source, t)?;
    let inner = line_start(source, body.start_byte())..line_end(source, body.end_byte());
    (source[lines.start..inner.start].trim() == "try:").then_some(())?;
    let finally = named_children(t).into_iter().last()?;
    (finally.kind_str() == "finally_clause").then_some(())?;
    source[inner.end..finally.start_byte()]
        .trim()
        .is_empty()
        .then_some(())?;
    let (inside, outside): (Vec<Edit>, Vec<Edit>) = edits
        .into_iter()
        .partition(|e| inner.start <= e.range.start && e.range.end <= inner.end);
    if outside
        .iter()
        .any(|e| e.range.start < lines.end && lines.start < e.range.end)
    {
        return None;
    }
    let indent = &source[lines.start..t.start_byte()];
    let deeper = &source[inner.start..body.start_byte()];
    let extra = deeper.strip_prefix(indent)?;
    let mut dedented = String::new();
    for l in applied(source, inner, &inside).split_inclusive('\n') {
        match l.strip_prefix(extra) {
            Some(rest) => dedented.push_str(rest),
            None if l.trim().is_empty() => dedented.push_str(l),
            None => return None,
        }
    }
    let mut edits = outside;
    edits.push(Edit {
        range: lines,
        content: dedented,
    });
    Some(edits)
}
