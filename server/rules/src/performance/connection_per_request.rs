//! PERF205 connection-per-request: engines, pools and clients created inside a request handler.

use super::python_handler_around;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::js_enclosing_handler;
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
    let Some((handler, _)) = python_handler_around(checker, call) else {
        return;
    };
    let what = PYTHON
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, w)| *w);
    let handler_name = handler
        .field("name")
        .map(|n| checker.text(n))
        .unwrap_or("handler");
    let short = crate::security::callee(checker.text(func));
    checker.report(func, format!(
        "`{short}(…)` creates {what} on every request to `{handler_name}`, paying the connection set-up each time and exhausting the server's connections under load; create it once at startup (module level, app factory or lifespan) and reuse it"
    ));
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
    // `new Sequelize(…)`/`Pool`, and factory calls; `sequelize` as a call is the default export.
    if js_enclosing_handler(checker.item, call, checker.source).is_none() {
        return;
    }
    let callee = crate::security::callee(checker.text(func));
    let short = if call.kind_str() == "new_expression" {
        format!("new {callee}(…)")
    } else {
        format!("{callee}(…)")
    };
    checker.report(func, format!(
        "`{short}` creates {what} on every request, paying the connection set-up each time and exhausting the database's connections under load; create it once at module level and reuse it"
    ));
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
