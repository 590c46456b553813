//! PERF201 blocking-call-in-async: synchronous I/O and sleeps that stall an event loop.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{is_async_def, python_function, python_param_type};
use crate::security::tls_verification_disabled::bound_to_call;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::routes::{imports_from, js_enclosing_handler};
use ba_analysis::{ancestors, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF201",
    name: "blocking-call-in-async",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[],
    owasp: None,
    summary: "A blocking call runs on the event loop, so every other request waits for it; use the async API (`await asyncio.sleep`, httpx.AsyncClient, `fs.promises`) or move the work to a thread.",
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

/// Blocking Python functions and what to use in async code instead.
const PYTHON_BLOCKING: &[(&str, &str)] = &[
    ("time.sleep", "`await asyncio.sleep(…)`"),
    ("requests.get", "`httpx.AsyncClient` or aiohttp"),
    ("requests.post", "`httpx.AsyncClient` or aiohttp"),
    ("requests.put", "`httpx.AsyncClient` or aiohttp"),
    ("requests.patch", "`httpx.AsyncClient` or aiohttp"),
    ("requests.delete", "`httpx.AsyncClient` or aiohttp"),
    ("requests.head", "`httpx.AsyncClient` or aiohttp"),
    ("requests.options", "`httpx.AsyncClient` or aiohttp"),
    ("requests.request", "`httpx.AsyncClient` or aiohttp"),
    ("httpx.get", "`httpx.AsyncClient`"),
    ("httpx.post", "`httpx.AsyncClient`"),
    ("httpx.put", "`httpx.AsyncClient`"),
    ("httpx.patch", "`httpx.AsyncClient`"),
    ("httpx.delete", "`httpx.AsyncClient`"),
    ("httpx.request", "`httpx.AsyncClient`"),
    ("urllib.request.urlopen", "`httpx.AsyncClient` or aiohttp"),
    ("subprocess.run", "`asyncio.create_subprocess_exec`"),
    ("subprocess.call", "`asyncio.create_subprocess_exec`"),
    ("subprocess.check_call", "`asyncio.create_subprocess_exec`"),
    (
        "subprocess.check_output",
        "`asyncio.create_subprocess_exec`",
    ),
    ("os.system", "`asyncio.create_subprocess_shell`"),
    (
        "psycopg2.connect",
        "asyncpg or psycopg 3's `AsyncConnection`",
    ),
    ("pymysql.connect", "aiomysql or asyncmy"),
    ("MySQLdb.connect", "aiomysql or asyncmy"),
    ("mysql.connector.connect", "aiomysql or asyncmy"),
    ("sqlite3.connect", "aiosqlite"),
    ("builtins.open", "aiofiles or `await asyncio.to_thread(…)`"),
    ("builtins.input", "nothing: a server must not read stdin"),
];

const PYTHON_NAMES: &[&str] = &[
    "time.sleep",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "requests.head",
    "requests.options",
    "requests.request",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.request",
    "urllib.request.urlopen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "os.system",
    "psycopg2.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "sqlite3.connect",
    "builtins.open",
    "builtins.input",
];

/// Types of synchronous SQLAlchemy/SQLModel sessions.
const SYNC_SESSIONS: &[&str] = &[
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session",
    "sqlmodel.Session",
    "sqlalchemy.orm.scoped_session",
];
/// Session methods that talk to the database.
const SESSION_IO: &[&str] = &[
    "query", "execute", "scalars", "scalar", "commit", "flush", "refresh", "get", "rollback",
];
/// Django QuerySet/manager methods that run a query at once (each has an `a…` variant).
const DJANGO_IO: &[&str] = &[
    "get",
    "create",
    "count",
    "exists",
    "first",
    "last",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "aggregate",
    "in_bulk",
];
const REQUESTS_SESSIONS: &[&str] = &["requests.Session", "requests.session"];

/// What blocks, and the async alternative, for a Python call.
fn python_blocking<'a>(
    checker: &Checker<'a>,
    func: Node<'a>,
    call: Node<'a>,
) -> Option<(String, String)> {
    if let Some(name) = checker.resolve_callee(func, PYTHON_NAMES) {
        let instead = PYTHON_BLOCKING.iter().find(|(n, _)| *n == name)?.1;
        return Some((name, instead.to_owned()));
    }
    if func.kind_str() != "attribute" {
        return None;
    }
    let method = checker.member_name(func)?;
    let object = func.field("object")?;
    // `db.query(…)` on a synchronous SQLAlchemy session (a typed parameter or a local one).
    if SESSION_IO.contains(&method)
        && object.kind_str() == "identifier"
        && imports_from(checker.semantic, &["sqlalchemy", "sqlmodel"])
    {
        let name = checker.text(object);
        let typed = matches!(checker.lookup(object), Lookup::Local(b) if b.iter().any(|b| matches!(b, Binding::Param)))
            && python_function(checker, call)
                .and_then(|function| python_param_type(checker, function, name))
                .is_some_and(|t| SYNC_SESSIONS.contains(&t.as_str()));
        if typed || bound_to_call(checker, object, SYNC_SESSIONS) {
            return Some((
                format!("{name}.{method}"),
                "an `AsyncSession` (`await session.execute(…)`) or a plain `def` endpoint, which FastAPI runs in a thread pool".to_owned(),
            ));
        }
    }
    // `Order.objects.get(…)`: Django raises SynchronousOnlyOperation in async code.
    if DJANGO_IO.contains(&method)
        && object.kind_str() == "attribute"
        && checker.member_name(object) == Some("objects")
        && imports_from(checker.semantic, &["django"])
    {
        return Some((
            checker.text(func).to_owned(),
            format!("`await ….a{method}(…)` (or `sync_to_async`)"),
        ));
    }
    if SESSION_METHODS.contains(&method)
        && imports_from(checker.semantic, &["requests"])
        && bound_to_call(checker, object, REQUESTS_SESSIONS)
    {
        return Some((
            checker.text(func).to_owned(),
            "`httpx.AsyncClient` or aiohttp".to_owned(),
        ));
    }
    None
}

const SESSION_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "request"];

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    // Cheap tests first (a callee that can block, by its resolved name or receiver), then
    // whether the call is in an `async def` (and not in a nested plain `def` or lambda, which
    // may run in a thread).
    let Some((name, instead)) = python_blocking(checker, func, call) else {
        return;
    };
    let Some(function) = python_function(checker, call) else {
        return;
    };
    if !is_async_def(function) {
        return;
    }
    let short = crate::security::callee(checker.text(func));
    // `time.sleep(x)` as a statement → `await asyncio.sleep(x)`, where `asyncio` is imported
    // under its own name (the fix cannot add an import outside this item).
    let fixable = name == "time.sleep"
        && checker.semantic.imports.get("asyncio").map(String::as_str) == Some("asyncio")
        && ancestors(function, call)
            .last()
            .is_some_and(|p| p.kind_str() == "expression_statement");
    let f = checker.report(func, format!(
        "`{short}` blocks the event loop inside an `async def`, so every other request waits for it; use {instead}"
    ));
    if fixable {
        f.with_fix(
            "Use `await asyncio.sleep`",
            Applicability::Safe,
            vec![Edit {
                range: func.byte_range(),
                content: "await asyncio.sleep".to_owned(),
            }],
        );
    }
}

/// Modules whose `…Sync` functions block.
const JS_MODULES: &[&str] = &["fs", "fs-extra", "child_process", "crypto", "zlib"];

fn js_instead(module: &str, name: &str) -> String {
    let base = name.trim_end_matches("Sync");
    match module {
        "fs" | "fs-extra" => format!("`await fs.promises.{base}(…)`"),
        "child_process" => format!("the callback or promisified `{base}`"),
        "crypto" => format!("`util.promisify(crypto.{base})`"),
        "zlib" => format!("`util.promisify(zlib.{base})` or a stream"),
        _ => format!("the asynchronous `{base}`"),
    }
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    let last = match func.kind_str() {
        "identifier" => checker.text(func),
        _ => checker.member_name(func).unwrap_or(""),
    };
    if !last.ends_with("Sync") || last.len() <= 4 {
        return;
    }
    let Some(name) = checker.resolve(func) else {
        return;
    };
    let Some((module, function)) = name.rsplit_once('.') else {
        return;
    };
    let module = module.strip_suffix(".default").unwrap_or(module);
    if !JS_MODULES.contains(&module) {
        return;
    }
    // Startup code (module scope, `loadConfig()`) may block; request handlers must not.
    if js_enclosing_handler(checker.item, call, checker.source).is_none() {
        return;
    }
    let short = crate::security::callee(checker.text(func));
    let instead = js_instead(module, function);
    checker.report(func, format!(
        "`{short}` blocks the event loop in a request handler, so every other request waits for it; use {instead}"
    ));
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

// ---------------------------------------------------------------------------------------------
// Through layers: an async handler calls a synchronous function of the workspace that blocks.
// This part judges the application model (`ba_app` records each module-level function's
// calls), so it runs in the cross-file pass (`crossfile::CrossFindings::compute`).

/// How many synchronous functions deep a handler's call is followed.
const MAX_LAYERS: usize = 3;

/// What a recorded call does that blocks, if it does: `requests.get`, `db.query`,
/// `Order.objects.get`. `callee` is the call's chain as `ba_app` records it
/// (`db.query().filter().first`), resolved through the file's imports.
fn blocking_callee(file: &ba_app::FileEntry, callee: &str) -> Option<String> {
    let segments: Vec<&str> = callee
        .split('.')
        .map(|s| s.trim_end_matches("()"))
        .collect();
    let (first, last) = (*segments.first()?, *segments.last()?);
    // A library function through the file's imports (`import requests`, `from time import
    // sleep`, `import urllib.request`).
    let import = file.facts.imports.iter().find(|i| i.local == first);
    if let Some(import) = import {
        let rest = &segments[1..];
        let qualified = if rest.is_empty() {
            import.target.clone()
        } else {
            format!("{}.{}", import.target, rest.join("."))
        };
        if PYTHON_NAMES.contains(&qualified.as_str()) {
            return Some(qualified);
        }
    } else if matches!(first, "open" | "input") && segments.len() == 1 {
        return Some(first.to_owned());
    }
    // `db.query(…)`, `self.session.execute(…)`: a session in a synchronous function is a
    // synchronous session.
    // Not `get`: `session.get("user_id")` and `connection.get("url")` read dictionaries.
    if segments.len() >= 2 && SESSION_IO.contains(&last) && last != "get" {
        let receiver = segments[segments.len() - 2];
        if super::is_db_name(receiver) && !callee[..callee.len() - last.len()].contains("()") {
            return Some(format!("{receiver}.{last}"));
        }
    }
    // `Order.objects.get(…)`, `Order.objects.filter(…).first()`.
    if let Some(at) = segments.iter().position(|s| *s == "objects") {
        if at >= 1 && DJANGO_IO.contains(&last) && at + 1 < segments.len() {
            return Some(format!("{}.objects.….{last}", segments[at - 1]));
        }
    }
    None
}

/// The chain from a synchronous function to a blocking call: the functions passed through
/// (`crud.get_user` in `crud.py`) and what blocks.
fn blocking_chain<'a>(
    functions: &ba_app::PythonFunctions<'a>,
    file: &'a ba_app::FileEntry,
    function: &'a ba_app::facts::Function,
    depth: usize,
    seen: &mut Vec<(*const ba_app::FileEntry, &'a str)>,
) -> Option<(Vec<String>, String)> {
    if depth > MAX_LAYERS || function.is_async {
        return None;
    }
    let here = (file as *const _, function.name.as_str());
    if seen.contains(&here) {
        return None;
    }
    seen.push(here);
    for call in &function.calls {
        if let Some(what) = blocking_callee(file, &call.callee) {
            return Some((Vec::new(), what));
        }
    }
    for call in &function.calls {
        let Some((target, _, next)) = functions.resolve(file, &call.callee) else {
            continue;
        };
        if let Some((mut via, what)) = blocking_chain(functions, target, next, depth + 1, seen) {
            via.insert(0, format!("`{}` ({})", next.name, short_path(&target.path)));
            return Some((via, what));
        }
    }
    None
}

/// The last two parts of a path, for messages (`services/orders.py`).
pub(crate) fn short_path(path: &str) -> &str {
    let mut cut = path.len();
    for _ in 0..2 {
        match path[..cut].rfind(['/', '\\']) {
            Some(at) => cut = at,
            None => return path,
        }
    }
    &path[cut + 1..]
}

/// Async route handlers that call, without `await` and outside a thread pool, a synchronous
/// function of the workspace that blocks (directly or through up to `MAX_LAYERS` functions).
pub fn check_layers(
    index: &ba_app::WorkspaceIndex,
    out: &mut Vec<crate::crossfile::finding::CrossFinding>,
) {
    let functions = index.python_functions();
    for file in index.files() {
        if file.language.family() != Family::Python
            || file.facts.class != ba_app::FileClass::Runtime
        {
            continue;
        }
        for (i, handler) in file.facts.functions.iter().enumerate() {
            if !handler.is_async || !file.facts.routes.iter().any(|r| r.handler == handler.name) {
                continue;
            }
            for (j, call) in handler.calls.iter().enumerate() {
                // Blocking calls in the handler's own body are the per-item check's.
                let Some((target, _, callee)) = functions.resolve(file, &call.callee) else {
                    continue;
                };
                if callee.is_async {
                    continue;
                }
                let mut seen = Vec::new();
                let Some((via, what)) = blocking_chain(&functions, target, callee, 1, &mut seen)
                else {
                    continue;
                };
                let mut chain = vec![format!("`{}` ({})", callee.name, short_path(&target.path))];
                chain.extend(via);
                chain.push(format!("`{what}`"));
                out.push(crate::crossfile::finding::CrossFinding {
                    code: RULE.code,
                    at: (file.key.clone(), ba_app::Anchor::Call(i, j)),
                    message: format!(
                        "`{}` is synchronous and blocks ({}): called from this `async def` handler it runs on the event loop, so every other request waits for it; call it with `await run_in_threadpool({}, …)` or `await asyncio.to_thread(…)`, make the chain async, or declare the handler with plain `def`",
                        call.callee,
                        chain.join(" → "),
                        call.callee,
                    ),
                    severity: RULE.severity,
                    related: vec![(
                        ba_app::Anchor::Function(i),
                        format!("the async handler `{}`", handler.name),
                    )],
                });
            }
        }
    }
}

const DOCS: &str = r#"## What it does
Flags blocking calls where they stall an event loop:
- in Python `async def` functions (FastAPI/Starlette handlers, Django async views, any
  coroutine): `time.sleep`, `requests`/`httpx` module functions and `requests.Session` methods,
  `urllib.request.urlopen`, `subprocess.run/call/check_*`, `os.system`, synchronous database
  drivers (`psycopg2`, `pymysql`, `MySQLdb`, `mysql.connector`, `sqlite3`), queries on a
  synchronous SQLAlchemy/SQLModel `Session` (a parameter typed `Session` or a local
  `Session(engine)`), Django ORM calls that run a query (`Model.objects.get/create/count/…`),
  and `open()`/`input()`. A call inside a nested plain `def` or `lambda` is not reported: it is
  usually handed to a thread (`run_in_executor`, `asyncio.to_thread`);
- through layers: an `async def` route handler that calls (without `await`) a synchronous
  function of the workspace, in the same module or another one (`from .crud import get_user`,
  `crud.get_user(…)`, `from app.services import users`), which does any of the above itself
  or through up to three more synchronous functions (`service → repository → db.query`). In
  those functions a `session.query/execute/commit/…` on a receiver named like a session or
  connection (`db`, `session`, `self.db`) counts as synchronous database work, and so does a
  Django ORM call that runs a query. The finding is on the handler's call and names the
  chain. `await run_in_threadpool(fn, …)`, `await asyncio.to_thread(fn, …)`,
  `await sync_to_async(fn)(…)` and calls of `async def` helpers are not reported;
- in JavaScript and TypeScript request handlers (Express/Koa/Fastify routes and functions taking
  `req`/`ctx`): `fs.*Sync`, `child_process.execSync/spawnSync/execFileSync`,
  `crypto.pbkdf2Sync/scryptSync/…Sync`, `zlib.*Sync`. The same calls at module level or in
  startup functions are fine and not reported.

## Why is this bad?
An event loop runs one thing at a time. While a coroutine sleeps in `time.sleep(1)` or waits
for `requests.get`, no other request on that worker makes progress: latency for everyone grows
with the slowest call, and a hung dependency stops the whole process. Django raises
`SynchronousOnlyOperation` for ORM queries in async code.

## Example
```python
@app.get("/report")
async def report(db: Session = Depends(get_db)):
    time.sleep(1)
    rows = db.query(Order).all()
    return requests.get(f"{BILLING}/totals").json()
```

```javascript
app.get("/avatar/:id", (req, res) => {
  res.send(fs.readFileSync(`/data/avatars/${Number(req.params.id)}.png`));
});
```

## Use instead
```python
@app.get("/report")
async def report(db: AsyncSession = Depends(get_async_db)):
    await asyncio.sleep(1)
    rows = (await db.execute(select(Order))).scalars().all()
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.get(f"{BILLING}/totals")).json()
```

Or declare the endpoint with plain `def`: FastAPI runs it in a thread pool.

```javascript
app.get("/avatar/:id", async (req, res) => {
  res.send(await fs.promises.readFile(`/data/avatars/${Number(req.params.id)}.png`));
});
```

## Fix
`time.sleep(x)` as a statement becomes `await asyncio.sleep(x)` when the module imports
`asyncio` (safe: the coroutine still waits as long, without holding the loop). Other calls need
a different library and are left to you.

## References
- [Python: developing with asyncio, "Running blocking code"](https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code)
- [FastAPI: concurrency and `async def`](https://fastapi.tiangolo.com/async/)
- [Django: asynchronous support, async safety](https://docs.djangoproject.com/en/stable/topics/async/#async-safety)
- [Node.js: don't block the event loop](https://nodejs.org/en/learn/asynchronous-work/dont-block-the-event-loop)
"#;
