//! SEC804 websocket-message-size: a WebSocket server that accepts messages of any size (or of
//! the `ws` package's 100 MiB default).

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC804",
    name: "websocket-message-size",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[770, 400],
    owasp: Some("A04:2021 Insecure Design"),
    summary: "A WebSocket server accepts messages of any size (or `ws`'s 100 MiB default), which it buffers whole; set a limit that fits your messages.",
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

/// Larger than any message a chat, a feed or an RPC needs: 100 MB.
const TOO_LARGE: f64 = 1e8;

const PY_WEBSOCKETS: &[&str] = &[
    "websockets.serve",
    "websockets.server.serve",
    "websockets.asyncio.server.serve",
    "websockets.sync.server.serve",
    "websockets.legacy.server.serve",
];
const PY_SOCKETIO: &[&str] = &[
    "flask_socketio.SocketIO",
    "socketio.Server",
    "socketio.AsyncServer",
];
const JS_SOCKETIO: &[&str] = &[
    "socket.io",
    "socket.io.Server",
    "@nestjs/websockets.WebSocketGateway",
];
const WS_SERVER: &[&str] = &["ws.WebSocketServer", "ws.Server", "ws.WebSocket.Server"];

/// The value of a constant number expression: `1e6`, `64 * 1024`, `float("inf")`, `Infinity`.
fn number(checker: &Checker, node: Node, depth: u32) -> Option<f64> {
    if depth > 8 {
        return None;
    }
    match node.kind_str() {
        "integer" | "float" | "number" => checker.text(node).replace('_', "").parse().ok(),
        "identifier" if checker.text(node) == "Infinity" => Some(f64::INFINITY),
        "parenthesized_expression" => number(checker, node.named_child(0)?, depth + 1),
        "binary_operator" | "binary_expression" => {
            let left = number(checker, node.field("left")?, depth + 1)?;
            let right = number(checker, node.field("right")?, depth + 1)?;
            match node.field("operator").map(|o| checker.text(o)) {
                Some("*") => Some(left * right),
                Some("+") => Some(left + right),
                Some("**") => Some(left.powf(right)),
                _ => None,
            }
        }
        "call" if matches!(checker.text(node), "float(\"inf\")" | "float('inf')") => {
            Some(f64::INFINITY)
        }
        _ => None,
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let args = checker.arguments(args_node);
    if let Some(name) = checker.resolve_callee(func, PY_WEBSOCKETS) {
        // The default is 1 MiB; only `max_size=None` lifts it.
        let Some(k) = args.keyword_node("max_size", checker.source) else {
            return;
        };
        let Some(v) = k.field("value") else {
            return;
        };
        let unlimited =
            v.kind_str() == "none" || number(checker, v, 0).is_some_and(|n| n >= TOO_LARGE);
        if unlimited {
            let short = name.rsplit('.').next().unwrap_or(&name);
            checker.report(k, format!(
                "`{short}(…, {})` accepts WebSocket messages of any size and buffers each whole: a client can send one message as large as the server's memory; keep the 1 MiB default or set the largest message you expect (`max_size=2**16`)",
                checker.text(k)
            ));
        }
        return;
    }
    if checker.resolve_callee(func, PY_SOCKETIO).is_some() {
        let Some(k) = args.keyword_node("max_http_buffer_size", checker.source) else {
            return;
        };
        if k.field("value")
            .and_then(|v| number(checker, v, 0))
            .is_some_and(|n| n >= TOO_LARGE)
        {
            checker.report(k, format!(
                "`{}` lets one Socket.IO message take that much memory: a few clients can exhaust the server; keep the 1 MB default or set the largest message you expect",
                checker.text(k)
            ));
        }
    }
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let args = js_args(args_node);
    if checker.resolve_callee(func, JS_SOCKETIO).is_some() {
        let Some(options) = args.iter().rev().find(|a| a.kind_str() == "object") else {
            return;
        };
        let props = Props::of(checker, *options);
        let (Some(pair), Some(v)) = (
            props.pair("maxHttpBufferSize"),
            props.get("maxHttpBufferSize"),
        ) else {
            return;
        };
        if number(checker, v, 0).is_some_and(|n| n >= TOO_LARGE) {
            checker.report(pair, format!(
                "`{}` lets one Socket.IO message take that much memory: a few clients can exhaust the server; keep the 1 MB default or set the largest message you expect",
                checker.text(pair)
            ));
        }
        return;
    }
    if checker.resolve_callee(func, WS_SERVER).is_none() {
        return;
    }
    let Some(options) = args.first().filter(|a| a.kind_str() == "object") else {
        return;
    };
    let props = Props::of(checker, *options);
    if props.opaque {
        return;
    }
    match (props.pair("maxPayload"), props.get("maxPayload")) {
        (Some(pair), Some(v)) => {
            // `0` lifts the limit; a constant of 100 MB or more keeps the default's risk.
            let n = number(checker, v, 0);
            if n.is_some_and(|n| n == 0.0 || n >= TOO_LARGE) {
                checker.report(pair, format!(
                    "`{}` lets a client send WebSocket messages as large as the server's memory, each buffered whole; set the largest message you expect (`maxPayload: 64 * 1024`)",
                    checker.text(pair)
                ));
            }
        }
        _ => {
            checker.report(func, "`WebSocketServer` without `maxPayload` accepts messages up to `ws`'s default of 100 MiB, each buffered whole (and inflated first with `perMessageDeflate`): a few clients can exhaust the server's memory; set the largest message you expect (`maxPayload: 64 * 1024`)");
        }
    }
}

const DOCS: &str = r#"## What it does
Flags WebSocket servers that accept messages far larger than any application message:

- `ws`: `new WebSocketServer({…})` without `maxPayload` (the package's default is 100 MiB), or
  with `maxPayload: 0` or a constant of 100 MB or more;
- Socket.IO (Node `Server`, NestJS `@WebSocketGateway`, Flask-SocketIO, python-socketio):
  `maxHttpBufferSize` / `max_http_buffer_size` of 100 MB or more, or `Infinity` (the default,
  1 MB, is fine);
- Python `websockets`: `serve(…, max_size=None)` or a constant of 100 MB or more (the default,
  1 MiB, is fine).

Options spread in from elsewhere are not judged; development settings files are not checked.

## Why is this bad?
A WebSocket server reads each message whole into memory before the handler sees it (and
inflates it first when per-message compression is on). With no practical limit, a handful of
clients sending large messages, or one sending a compressed message that inflates to gigabytes,
exhausts the process's memory and takes every connection down with it.

## Example
```javascript
const wss = new WebSocketServer({ server });
```

```python
async with websockets.serve(handler, "0.0.0.0", 8765, max_size=None):
    await asyncio.Future()
```

## Use instead
```javascript
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });
```

```python
async with websockets.serve(handler, "0.0.0.0", 8765, max_size=2**16):
    await asyncio.Future()
```

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [ws: `maxPayload`](https://github.com/websockets/ws/blob/master/doc/ws.md#new-websocketserveroptions-callback)
- [websockets: `max_size`](https://websockets.readthedocs.io/en/stable/reference/asyncio/server.html)
- [OWASP WebSocket Security Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/WebSocket_Security_Cheat_Sheet.html)
"#;
