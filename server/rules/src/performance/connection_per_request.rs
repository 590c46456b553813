//! PERF205 connection-per-request: engines, pools and clients created inside a request handler.

use super::python_handler_around;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::js_enclosing_handler;
use ba_analysis::{ancestors, named_children, resolvers};
use ba_syntax::Family;
use ba_syntax::NodeExt;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "PERF205",
    name: "connection-per-request",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[400],
    owasp: None,
    summary: "A database engine, connection pool or HTTP client is created inside a request handler, so every request pays for a new connection; create it once at startup and reuse it.",
    docs: DOCS,
    fix: FixAvailability::None,
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
        checker.report(func, format!(
            "`{short}(…)` creates {what} on every request to `{handler_name}`, paying the connection set-up each time and exhausting the server's connections under load; create it once at startup (module level, app factory or lifespan) and reuse it"
        ));
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
    if js_enclosing_handler(checker.item, call, checker.source).is_some() {
        checker.report(func, format!(
            "`{short}` creates {what} on every request, paying the connection set-up each time and exhausting the database's connections under load; create it once at module level and reuse it"
        ));
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
  `httpx.Client`/`AsyncClient`, `requests.Session`, `aiohttp.ClientSession`;
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
