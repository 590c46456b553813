//! PERF303 websocket-missing-heartbeat: a WebSocket server that never pings its clients, so
//! connections that died without a close frame stay open for good.

use ba_analysis::named_children;
use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::security::missing_security_headers::{configuring_scope, descendants, js_args};
use crate::security::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF303",
    name: "websocket-missing-heartbeat",
    category: Category::Performance,
    severity: Severity::Info,
    cwe: &[772, 400],
    owasp: None,
    summary: "A WebSocket server never pings its clients (or never times out a missing pong), so connections that died without a close frame stay open and pile up; keep a heartbeat.",
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

const PY_WEBSOCKETS: &[&str] = &[
    "websockets.serve",
    "websockets.server.serve",
    "websockets.asyncio.server.serve",
    "websockets.sync.server.serve",
    "websockets.legacy.server.serve",
    "websockets.unix_serve",
    "websockets.asyncio.server.unix_serve",
];

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let Some(name) = checker.resolve_callee(func, PY_WEBSOCKETS) else {
        return;
    };
    let short = name.rsplit('.').next().unwrap_or(&name).to_owned();
    let args = checker.arguments(args_node);
    for keyword in ["ping_interval", "ping_timeout"] {
        let Some(k) = args.keyword_node(keyword, checker.source) else {
            continue;
        };
        if k.field("value").map(|v| v.kind_str()) != Some("none") {
            continue;
        }
        let what = if keyword == "ping_interval" {
            "never pings its clients"
        } else {
            "never gives up on a client that stops answering pings"
        };
        checker.report(k, format!(
            "`{short}(…, {})` {what}: a client whose network went away without a close frame (a phone that lost signal, a NAT that dropped the mapping) keeps its connection, its handler task and its buffers on the server forever; keep the defaults (a ping every 20 s, closed after 20 s without a pong) or set other numbers",
            checker.text(k)
        ));
        return;
    }
}

const WS_SERVER: &[&str] = &["ws.WebSocketServer", "ws.Server", "ws.WebSocket.Server"];

/// Whether `scope` keeps a heartbeat: pings clients (`ws.ping()`), closes the ones that stopped
/// answering (`ws.terminate()`), listens for pongs or keeps the `isAlive` flag of ws's
/// documentation.
fn has_heartbeat(checker: &Checker, nodes: &[Node]) -> bool {
    nodes.iter().any(|n| match n.kind_str() {
        "property_identifier" | "identifier" | "shorthand_property_identifier" => {
            let t = checker.text(*n);
            let lower = t.to_ascii_lowercase();
            matches!(t, "ping" | "terminate" | "alive")
                || lower.starts_with("ping")
                || [
                    "heartbeat",
                    "keepalive",
                    "keep_alive",
                    "isalive",
                    "is_alive",
                ]
                .iter()
                .any(|w| lower.contains(w))
        }
        "string" => matches!(
            checker.text(*n).trim_matches(['"', '\'', '`']),
            "pong" | "ping"
        ),
        _ => false,
    })
}

/// The variable the server is assigned to: `wss` in `const wss = new WebSocketServer(…)`.
fn server_name<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<&'a str> {
    let parent = call.parent()?;
    let target = match parent.kind_str() {
        "variable_declarator" => parent.field("name")?,
        "assignment_expression" => parent.field("left")?,
        _ => return None,
    };
    matches!(target.kind_str(), "identifier" | "member_expression").then(|| checker.text(target))
}

/// Whether `node` uses `name` (an identifier, or `this.wss`).
fn mentions(checker: &Checker, node: Node, name: &str) -> bool {
    descendants(&[node]).iter().any(|n| {
        matches!(n.kind_str(), "identifier" | "member_expression") && checker.text(*n) == name
    })
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    if call.kind_str() != "new_expression" || settings::is_non_production_file(checker.path) {
        return;
    }
    if checker.resolve_callee(func, WS_SERVER).is_none() {
        return;
    }
    // Only servers whose connections are handled here: the `connection` listener is where a
    // heartbeat starts, so a module that hands the server to another one is not judged. The
    // evidence is looked for in the statements that use this server (`feed.on(…)`,
    // `setInterval(() => feed.clients.forEach(…))`), so a neighbour's heartbeat does not count.
    let name = server_name(checker, call);
    let scope = configuring_scope(checker, call);
    // Every statement where the server is set up (a set-up function's body counts as its
    // statements), and those of them that use this server.
    let everywhere: Vec<Node> = scope
        .iter()
        .flat_map(|s| {
            if s.kind_str().contains("function") || s.kind_str() == "method_definition" {
                s.field("body").map(named_children).unwrap_or_default()
            } else {
                vec![*s]
            }
        })
        .collect();
    let statements: Vec<Node> = everywhere
        .iter()
        .copied()
        .filter(|s| name.is_none_or(|name| mentions(checker, *s, name)))
        .collect();
    let mut nodes = descendants(&statements);
    // The `connection` listeners of this server; one written elsewhere (`wss.on("connection",
    // onConnection)`) may start the heartbeat where we do not look, so it is not judged.
    let listeners: Vec<Node> = nodes
        .iter()
        .filter(|n| {
            n.kind_str() == "call_expression"
                && n.field("function").is_some_and(|f| {
                    f.kind_str() == "member_expression"
                        && f.field("property").is_some_and(|p| checker.text(p) == "on")
                        && f.field("object")
                            .is_some_and(|o| name.is_none_or(|name| checker.text(o) == name))
                })
                && n.field("arguments")
                    .and_then(|a| js_args(a).first().copied())
                    .is_some_and(|a| checker.text(a).trim_matches(['"', '\'', '`']) == "connection")
        })
        .filter_map(|n| {
            n.field("arguments")
                .and_then(|a| js_args(a).get(1).copied())
        })
        .collect();
    let inline = |l: &Node| {
        matches!(
            l.kind_str(),
            "arrow_function" | "function_expression" | "function"
        )
    };
    if listeners.is_empty() || !listeners.iter().all(inline) {
        return;
    }
    // An interval started with a module function named for it (`setInterval(pingClients,
    // 30000)`): its body is not read here, its name says what it does.
    for s in &scope {
        if s.kind_str() != "expression_statement" {
            continue;
        }
        let Some(call) = s
            .named_child(0)
            .filter(|c| c.kind_str() == "call_expression")
        else {
            continue;
        };
        let interval = call
            .field("function")
            .is_some_and(|f| checker.text(f) == "setInterval");
        if let Some(callback) = call
            .field("arguments")
            .and_then(|a| js_args(a).first().copied())
            .filter(|c| interval && c.kind_str() == "identifier")
        {
            nodes.push(callback);
        }
    }
    // `heartbeatTimer = setInterval(…)` anywhere the server is set up: an interval kept under a
    // heartbeat's name (Node-RED's editor sends its own `hb` messages that way).
    let named_interval = descendants(&everywhere).into_iter().any(|n| {
        n.kind_str() == "call_expression"
            && n.field("function")
                .is_some_and(|f| checker.text(f) == "setInterval")
            && n.parent()
                .and_then(|p| match p.kind_str() {
                    "assignment_expression" => p.field("left"),
                    "variable_declarator" => p.field("name"),
                    _ => None,
                })
                .is_some_and(|holder| {
                    has_heartbeat(checker, &[holder])
                        || has_heartbeat(checker, &descendants(&[holder]))
                })
    });
    if named_interval || has_heartbeat(checker, &nodes) {
        return;
    }
    checker.report(func, "this `WebSocketServer` never pings its clients: `ws` sends no heartbeat of its own, so a client whose network went away without a close frame (a phone that lost signal, a NAT or proxy that dropped the connection) stays in `wss.clients` with its socket and buffers until the process restarts; ping every client on an interval and `terminate()` the ones that did not answer the last ping (the `isAlive` pattern in ws's README)");
}

const DOCS: &str = r#"## What it does
Flags WebSocket servers that keep connections without checking that the other side is still
there:

- Node `ws`: a `new WebSocketServer(…)` whose module (or function) handles its `connection`
  events with an inline listener, where no statement that uses the server pings a client,
  listens for `pong`, calls `terminate()` or keeps an `isAlive`/heartbeat flag, and no interval
  runs a module function named for a heartbeat (`setInterval(pingClients, 30000)`). `ws` sends
  no pings of its own. Servers handed to another module, or whose `connection` listener is a
  function written elsewhere, are not judged;
- Python `websockets`: `serve(…, ping_interval=None)` (no pings) or `ping_timeout=None` (pings
  whose missing answers are never acted on). The defaults (20 s and 20 s) are fine.

Socket.IO (Node and Python) and Flask-SocketIO have their own ping/pong with timeouts, and
Django Channels, Starlette and FastAPI leave it to the ASGI server (uvicorn and daphne ping by
default): none of them is reported.

## Why is this bad?
TCP does not notice a peer that disappeared without closing: a phone that lost signal, a laptop
that went to sleep, a NAT or load balancer that dropped the mapping. Without a heartbeat the
server keeps every such connection, its socket, buffers and handler state, and keeps writing
broadcasts into it. They pile up until the process runs out of memory or file descriptors,
and presence lists show users who left hours ago.

## Example
```javascript
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });

wss.on("connection", (ws) => {
  ws.on("message", (data) => broadcast(data));
});
```

## Use instead
```javascript
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });

wss.on("connection", (ws) => {
  ws.isAlive = true;
  ws.on("pong", () => { ws.isAlive = true; });
  ws.on("message", (data) => broadcast(data));
});

const interval = setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.isAlive) { ws.terminate(); continue; }
    ws.isAlive = false;
    ws.ping();
  }
}, 30_000);
wss.on("close", () => clearInterval(interval));
```

## References
- [CWE-772: Missing Release of Resource after Effective Lifetime](https://cwe.mitre.org/data/definitions/772.html)
- [ws: how to detect and close broken connections](https://github.com/websockets/ws#how-to-detect-and-close-broken-connections)
- [websockets: keepalive and latency](https://websockets.readthedocs.io/en/stable/topics/keepalive.html)
"#;
