//! SEC801 websocket-any-origin: a WebSocket server that accepts connections from any website.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::named_children;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC801",
    name: "websocket-any-origin",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[1385],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "A WebSocket server accepts connections from any website (cross-site WebSocket hijacking); check the Origin against a list.",
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

const PY_SOCKETIO: &[&str] = &[
    "flask_socketio.SocketIO",
    "socketio.Server",
    "socketio.AsyncServer",
];
const CHANNELS_ROUTER: &[&str] = &["channels.routing.ProtocolTypeRouter"];
const JS_SOCKETIO: &[&str] = &[
    "socket.io",
    "socket.io.Server",
    "@nestjs/websockets.WebSocketGateway",
];
const WS_SERVER: &[&str] = &["ws.WebSocketServer", "ws.Server", "ws.WebSocket.Server"];

const HIJACK: &str = "any website a logged-in user visits can open a socket with the user's cookies and read and send messages as them (cross-site WebSocket hijacking)";

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    if let Some(name) = checker.resolve_callee(func, PY_SOCKETIO) {
        let args = checker.arguments(args_node);
        let Some(k) = args.keyword_node("cors_allowed_origins", checker.source) else {
            return;
        };
        let Some(value) = k.field("value") else {
            return;
        };
        let any = checker.string_value(value) == Some("*")
            || (matches!(value.kind_str(), "list" | "tuple")
                && named_children(value)
                    .iter()
                    .any(|e| checker.string_value(*e) == Some("*")));
        if any {
            let short = name.rsplit('.').next().unwrap_or(&name);
            checker.report(
                k,
                format!("`{short}(…, cors_allowed_origins=\"*\")` turns off the Origin check on the Socket.IO connection: {HIJACK}; list the origins of your front end (from configuration)"),
            );
        }
        return;
    }
    if checker.resolve_callee(func, CHANNELS_ROUTER).is_some() {
        // `ProtocolTypeRouter({"websocket": AuthMiddlewareStack(URLRouter(…))})` without
        // `AllowedHostsOriginValidator`/`OriginValidator` around it.
        let args = checker.arguments(args_node);
        let Some(map) = args
            .positional
            .first()
            .filter(|m| m.kind_str() == "dictionary")
        else {
            return;
        };
        for pair in named_children(*map)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
        {
            let (Some(key), Some(value)) = (pair.field("key"), pair.field("value")) else {
                continue;
            };
            if checker.string_value(key) != Some("websocket") || value.kind_str() != "call" {
                continue;
            }
            if checker.text(value).contains("OriginValidator") {
                continue;
            }
            checker.report(
                value,
                format!("the Channels `websocket` application is not wrapped in `AllowedHostsOriginValidator`: {HIJACK}; wrap it in `AllowedHostsOriginValidator(…)` (from `channels.security.websocket`), which checks the Origin against `ALLOWED_HOSTS`"),
            );
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
    if let Some(name) = checker.resolve_callee(func, JS_SOCKETIO) {
        // `new Server(http, { cors })`, `io(http, { cors })`, `@WebSocketGateway({ cors })`,
        // `@WebSocketGateway(81, { cors })`.
        let Some(options) = args.iter().rev().find(|a| a.kind_str() == "object") else {
            return;
        };
        let props = Props::of(checker, *options);
        let Some(cors) = props.get("cors").filter(|c| c.kind_str() == "object") else {
            return;
        };
        let cors = Props::of(checker, cors);
        let (Some(pair), Some(origin)) = (cors.pair("origin"), cors.get("origin")) else {
            return;
        };
        let credentials = cors
            .get("credentials")
            .is_some_and(|v| v.kind_str() == "true");
        let any = origin.kind_str() == "true" || checker.string_value(origin) == Some("*");
        if any && credentials {
            let short = if name.ends_with("WebSocketGateway") {
                "@WebSocketGateway"
            } else {
                "Socket.IO server"
            };
            checker.report(
                pair,
                format!("the {short} allows every origin (`{}`) with `credentials: true`: {HIJACK}; list the origins of your front end, and check `socket.handshake.headers.origin` in `allowRequest` for the WebSocket transport", checker.text(pair)),
            );
        }
        return;
    }
    if checker.resolve_callee(func, WS_SERVER).is_some() {
        let Some(options) = args.first().filter(|a| a.kind_str() == "object") else {
            return;
        };
        let props = Props::of(checker, *options);
        let (Some(pair), Some(verify)) = (props.pair("verifyClient"), props.get("verifyClient"))
        else {
            return;
        };
        if always_accepts(verify) {
            checker.report(
                pair,
                format!("`verifyClient` accepts every connection: {HIJACK}; compare `info.origin` with the origins of your front end and authenticate `info.req`"),
            );
        }
    }
}

/// `() => true`, `function () { return true; }`, `(info, cb) => cb(true)`.
fn always_accepts(f: Node) -> bool {
    if !matches!(
        f.kind_str(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return false;
    }
    let Some(body) = f.field("body") else {
        return false;
    };
    let accepting = |e: Node| -> bool {
        match e.kind_str() {
            "true" => true,
            "call_expression" => e
                .field("arguments")
                .map(js_args)
                .is_some_and(|a| a.len() == 1 && a[0].kind_str() == "true"),
            _ => false,
        }
    };
    if body.kind_str() != "statement_block" {
        return accepting(body);
    }
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|s| s.kind_str() != "comment")
        .collect();
    match statements.as_slice() {
        [only] => match only.kind_str() {
            "return_statement" => only.named_child(0).is_some_and(accepting),
            "expression_statement" => only.named_child(0).is_some_and(accepting),
            _ => false,
        },
        _ => false,
    }
}

const DOCS: &str = r#"## What it does
Flags WebSocket servers told to accept connections from any website:

- Flask-SocketIO / python-socketio with `cors_allowed_origins="*"` (their default checks the
  Origin against the server's own host);
- a Django Channels `ProtocolTypeRouter` whose `"websocket"` application is not wrapped in
  `AllowedHostsOriginValidator` (or `OriginValidator`);
- a socket.io server or NestJS `@WebSocketGateway` with `cors: { origin: true | "*",
  credentials: true }`;
- a `ws` server whose `verifyClient` accepts every connection (`() => true`, `(info, cb) =>
  cb(true)`).

Development settings files are not checked.

## Why is this bad?
Browsers do not apply the same-origin policy to WebSockets: any page can open a socket to your
server, and the browser sends the user's cookies with the upgrade request. If the server
authenticates the socket by those cookies and does not check the `Origin` header, a malicious
page the user visits can talk to the socket as the user and read the answers: cross-site
WebSocket hijacking (CSWSH), the WebSocket form of CSRF, but with the responses readable.

## Example
```python
socketio = SocketIO(app, cors_allowed_origins="*")

application = ProtocolTypeRouter({
    "http": get_asgi_application(),
    "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
})
```

```javascript
const io = new Server(httpServer, { cors: { origin: true, credentials: true } });
const wss = new WebSocketServer({ server, verifyClient: () => true });
```

## Use instead
```python
socketio = SocketIO(app, cors_allowed_origins=os.environ["ALLOWED_ORIGINS"].split(","))

application = ProtocolTypeRouter({
    "http": get_asgi_application(),
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
})
```

```javascript
const io = new Server(httpServer, { cors: { origin: ["https://app.example.com"], credentials: true } });
const wss = new WebSocketServer({
  server,
  verifyClient: ({ origin }) => ALLOWED_ORIGINS.includes(origin),
});
```

## References
- [CWE-1385: Missing Origin Validation in WebSockets](https://cwe.mitre.org/data/definitions/1385.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [OWASP WebSocket Security Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/WebSocket_Security_Cheat_Sheet.html)
- [Django Channels: AllowedHostsOriginValidator](https://channels.readthedocs.io/en/latest/topics/security.html)
- [python-socketio: cors_allowed_origins](https://python-socketio.readthedocs.io/en/latest/api.html)
"#;
