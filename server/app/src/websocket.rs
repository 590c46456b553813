//! WebSocket endpoints and message handlers as facts: Django Channels consumers and Starlette
//! `WebSocketEndpoint` classes, Flask-SocketIO / python-socketio event handlers
//! (`@socketio.on("chat")`, `@sio.event`), socket.io and `ws` (`io.on("connection", socket =>
//! socket.on("chat", …))`), and NestJS gateways (`@WebSocketGateway` classes with
//! `@SubscribeMessage("chat")` methods). FastAPI/Starlette `@app.websocket("/ws")` endpoints
//! are routes (method `WEBSOCKET`) and live with the other routes.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::facts::{FileFacts, HandlerAuth, Span};
pub use super::facts::{SocketHandler, SocketLibrary};
use super::graphql::{decorated_methods, decorator_name, decorator_string, js_decorator_name};
use ba_analysis::{named_children, text};

fn span(n: Node) -> Span {
    Span(n.byte_range())
}

/// Python: the consumer/endpoint class methods that handle a connection's lifecycle and
/// messages.
const PY_METHODS: &[&str] = &[
    "connect",
    "websocket_connect",
    "receive",
    "receive_json",
    "websocket_receive",
    "disconnect",
    "websocket_disconnect",
    "on_connect",
    "on_receive",
    "on_disconnect",
];

/// Python: socket handlers, FastAPI/Starlette WebSocket routes and connection guards in one
/// top-level item, each handler's auth judged on its text (`handler_auth::socket_auth`).
pub(crate) fn extract_python(item: Node, src: &str, socketio: bool, facts: &mut FileFacts) {
    let (before, routes_before) = (facts.sockets.len(), facts.ws_routes.len());
    extract_python_handlers(
        item,
        src,
        socketio,
        &mut facts.sockets,
        &mut facts.ws_routes,
    );
    judge(&mut facts.sockets[before..], src, true);
    judge(&mut facts.ws_routes[routes_before..], src, true);
    python_guards(item, src, &mut facts.socket_guards);
}

/// Each new handler's auth, judged on its text.
fn judge(handlers: &mut [SocketHandler], src: &str, python: bool) {
    for h in handlers {
        h.auth = crate::handler_auth::socket_auth(src, &h.full.0, h.span.0.start, python);
    }
}

/// ASGI middleware that authenticates WebSocket connections (Channels projects wrap the
/// `websocket` router in it: `TokenAuthMiddleware(URLRouter(…))`, `JWTAuthMiddlewareStack`).
/// Channels' own `AuthMiddlewareStack` only puts the user in the scope: the consumer checks.
fn python_guards(item: Node, src: &str, out: &mut Vec<String>) {
    let t = text(item, src);
    if !t.contains("Middleware") {
        return;
    }
    for name in crate::tokens::identifiers(t, true) {
        let lower = name.to_ascii_lowercase();
        if lower.contains("middleware")
            && (lower.contains("token") || lower.contains("jwt") || lower.contains("auth"))
            && !matches!(name, "AuthMiddlewareStack" | "AuthMiddleware")
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_owned());
        }
    }
}

fn extract_python_handlers(
    item: Node,
    src: &str,
    socketio: bool,
    out: &mut Vec<SocketHandler>,
    routes: &mut Vec<SocketHandler>,
) {
    // Handlers are definitions (possibly inside `if`/`try`/`with` or a factory function).
    if !super::graphql::may_define(item) {
        return;
    }
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    super::walk_named(item, &mut |n| match n.kind_str() {
        "decorated_definition" => {
            if let Some(def) = n
                .field("definition")
                .filter(|d| d.kind_str() == "function_definition")
            {
                socketio_handler(n, def, src, socketio, out);
                websocket_route(n, def, src, routes);
            }
            true
        }
        "class_definition" => {
            consumer(n, src, out);
            false
        }
        "string" | "comment" | "identifier" => false,
        _ => true,
    });
}

/// `@socketio.on("chat", namespace="/chat")`, `@sio.event`, `@sio.on("connect")`.
/// Without a Socket.IO import, only servers named as the libraries' documentation names them
/// (`sio`, `socketio`: imported from the project's own module).
fn socketio_handler(
    decorated: Node,
    def: Node,
    src: &str,
    imported: bool,
    out: &mut Vec<SocketHandler>,
) {
    let Some(fname) = def.field("name") else {
        return;
    };
    for d in named_children(decorated)
        .into_iter()
        .filter(|d| d.kind_str() == "decorator")
    {
        let name = decorator_name(d, src);
        let Some((var, method)) = name.rsplit_once('.') else {
            continue;
        };
        if !imported && !matches!(var, "sio" | "socketio") {
            continue;
        }
        let event = match method {
            "on" => decorator_string(d, src),
            "event" => Some(text(fname, src).to_owned()),
            _ => None,
        };
        let Some(event) = event else {
            continue;
        };
        let t = text(d, src);
        let namespace = t.split_once("namespace=").and_then(|(_, r)| {
            let r = r.trim_start();
            let q = r.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            r[1..].find(q).map(|e| r[1..1 + e].to_owned())
        });
        out.push(SocketHandler {
            library: SocketLibrary::PythonSocketIo,
            endpoint: match namespace {
                Some(ns) => format!("{var} {ns}"),
                None => var.to_owned(),
            },
            event,
            handler: text(fname, src).to_owned(),
            auth: HandlerAuth::None,
            span: span(fname),
            full: span(decorated),
        });
        return;
    }
}

/// FastAPI/Starlette `@app.websocket("/ws")` / `@router.websocket_route("/ws")`.
fn websocket_route(decorated: Node, def: Node, src: &str, out: &mut Vec<SocketHandler>) {
    let Some(fname) = def.field("name") else {
        return;
    };
    for d in named_children(decorated)
        .into_iter()
        .filter(|d| d.kind_str() == "decorator")
    {
        let name = decorator_name(d, src);
        let Some((var, method)) = name.rsplit_once('.') else {
            continue;
        };
        if !matches!(method, "websocket" | "websocket_route") {
            continue;
        }
        let Some(path) = decorator_string(d, src) else {
            continue;
        };
        out.push(SocketHandler {
            library: SocketLibrary::Starlette,
            endpoint: format!("{var} {path}"),
            event: "websocket".to_owned(),
            handler: text(fname, src).to_owned(),
            auth: HandlerAuth::None,
            span: span(fname),
            full: span(decorated),
        });
        return;
    }
}

/// Django Channels consumers (`WebsocketConsumer`, `AsyncJsonWebsocketConsumer`…) and
/// Starlette's `WebSocketEndpoint`.
fn consumer(class: Node, src: &str, out: &mut Vec<SocketHandler>) {
    let bases = class
        .field("superclasses")
        .map(|b| text(b, src))
        .unwrap_or("");
    let library = if bases.contains("WebsocketConsumer") {
        SocketLibrary::Channels
    } else if bases.contains("WebSocketEndpoint") {
        SocketLibrary::Starlette
    } else {
        return;
    };
    let (Some(cname), Some(body)) = (class.field("name"), class.field("body")) else {
        return;
    };
    let cname = text(cname, src);
    for stmt in named_children(body) {
        let def = match stmt.kind_str() {
            "decorated_definition" => stmt.field("definition"),
            "function_definition" => Some(stmt),
            _ => None,
        };
        let Some(fname) = def.and_then(|d| d.field("name")) else {
            continue;
        };
        let name = text(fname, src);
        if !PY_METHODS.contains(&name) {
            continue;
        }
        out.push(SocketHandler {
            library,
            endpoint: cname.to_owned(),
            event: name.to_owned(),
            handler: format!("{cname}.{name}"),
            auth: HandlerAuth::None,
            span: span(fname),
            full: span(stmt),
        });
    }
}

/// Lifecycle events of socket.io and `ws` sockets: not client messages.
pub const LIFECYCLE: &[&str] = &[
    "connect",
    "disconnect",
    "disconnecting",
    "close",
    "error",
    "open",
    "listening",
    "upgrade",
    "headers",
    "ping",
    "pong",
];

/// JavaScript: socket handlers and connection guards in one top-level item, each handler's auth
/// judged on its text.
pub(crate) fn extract_javascript(item: Node, src: &str, facts: &mut FileFacts) {
    let before = facts.sockets.len();
    extract_javascript_handlers(item, src, &mut facts.sockets);
    judge(&mut facts.sockets[before..], src, false);
    javascript_guards(item, src, &mut facts.socket_guards);
}

/// Names that authenticate connections before any handler runs: `ws`'s `verifyClient`,
/// Socket.IO's `allowRequest`, a custom NestJS adapter (`createIOServer`), NestJS global guards
/// (`APP_GUARD`, `useGlobalGuards`: they apply to gateways' handlers too).
const JS_GUARD_NAMES: &[&str] = &[
    "verifyClient",
    "allowRequest",
    "createIOServer",
    "APP_GUARD",
    "useGlobalGuards",
];

/// Whether the receiver of `.use(…)` is a socket server or namespace (`io`, `io.of("/x")`,
/// `socketServer`, `nsp`), not an HTTP app.
fn socket_receiver(receiver: Node, src: &str) -> bool {
    let t = text(receiver, src);
    if receiver.kind_str() == "call_expression" {
        return receiver
            .field("function")
            .is_some_and(|f| text(f, src).ends_with(".of"));
    }
    let last = t.rsplit('.').next().unwrap_or(t).to_ascii_lowercase();
    last == "io"
        || last == "sio"
        || last.contains("socket")
        || last.contains("nsp")
        || last.contains("namespace")
        || last.starts_with("wss")
}

/// Connection guards in one JavaScript item: `io.use(…)` (and on a namespace), `verifyClient`,
/// an `upgrade` handler that authenticates the request, the names of `JS_GUARD_NAMES`.
fn javascript_guards(item: Node, src: &str, out: &mut Vec<String>) {
    let t = text(item, src);
    if !t.contains(".use(")
        && !t.contains("upgrade")
        && !JS_GUARD_NAMES.iter().any(|g| t.contains(g))
    {
        return;
    }
    for name in crate::tokens::identifiers(t, false) {
        if JS_GUARD_NAMES.contains(&name) && !out.iter().any(|o| o == name) {
            out.push(name.to_owned());
        }
    }
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    super::walk_named(item, &mut |n| {
        if n.kind_str() == "call_expression" {
            if let Some(f) = n
                .field("function")
                .filter(|f| f.kind_str() == "member_expression")
            {
                let method = f.field("property").map(|p| text(p, src));
                if method == Some("use")
                    && f.field("object").is_some_and(|o| socket_receiver(o, src))
                {
                    let g = format!("{}.use", text(f.field("object").unwrap_or(f), src));
                    if !out.contains(&g) {
                        out.push(g);
                    }
                }
            }
            if let Some((_, event, handler)) = on_call(n, src) {
                if event == "upgrade"
                    && crate::tokens::tokens(text(handler, src), false)
                        .into_iter()
                        .any(|t| match t {
                            crate::tokens::Tok::Ident(s) | crate::tokens::Tok::Str(s) => {
                                crate::handler_auth::names_caller(s)
                            }
                            crate::tokens::Tok::Punct(_) => false,
                        })
                    && !out.iter().any(|o| o == "upgrade")
                {
                    out.push("upgrade".to_owned());
                }
            }
        }
        !matches!(n.kind_str(), "comment" | "string" | "template_string")
    });
}

fn extract_javascript_handlers(item: Node, src: &str, out: &mut Vec<SocketHandler>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    let t = text(item, src);
    let connections = t.contains("\"connection\"") || t.contains("'connection'");
    let gateways = t.contains("WebSocketGateway");
    if !connections && !gateways {
        return;
    }
    super::walk_named(item, &mut |n| match n.kind_str() {
        "call_expression" if connections => {
            connection(n, src, out);
            true
        }
        "class_declaration" | "class" if gateways => {
            let decs: Vec<Node> = named_children(n)
                .into_iter()
                .filter(|d| d.kind_str() == "decorator")
                .collect();
            gateway(n, &decs, src, out);
            false
        }
        "export_statement" if gateways => {
            if let Some(class) = n
                .field("declaration")
                .filter(|d| d.kind_str().contains("class"))
            {
                let mut decs: Vec<Node> = named_children(n)
                    .into_iter()
                    .filter(|d| d.kind_str() == "decorator")
                    .collect();
                decs.extend(
                    named_children(class)
                        .into_iter()
                        .filter(|d| d.kind_str() == "decorator"),
                );
                gateway(class, &decs, src, out);
                return false;
            }
            true
        }
        "comment" | "template_string" => false,
        _ => true,
    });
}

/// `.on(event, fn)`: the event's literal and the handler.
fn on_call<'t>(call: Node<'t>, src: &'t str) -> Option<(Node<'t>, String, Node<'t>)> {
    let f = call
        .field("function")
        .filter(|f| f.kind_str() == "member_expression")?;
    if !matches!(
        f.field("property").map(|p| text(p, src)),
        Some("on" | "once")
    ) {
        return None;
    }
    let args: Vec<Node> = named_children(call.field("arguments")?)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let event = args.first().filter(|a| a.kind_str() == "string")?;
    let event = text(*event, src).trim_matches(['"', '\'']).to_owned();
    let handler = *args.get(1)?;
    Some((f.field("object")?, event, handler))
}

fn handler_name(handler: Node, src: &str) -> String {
    match handler.kind_str() {
        "identifier" | "member_expression" => text(handler, src).to_owned(),
        _ => "anonymous".to_owned(),
    }
}

/// `io.on("connection", (socket) => { socket.on("chat", …) })`, `wss.on("connection", …)`.
fn connection(call: Node, src: &str, out: &mut Vec<SocketHandler>) {
    let Some((server, event, handler)) = on_call(call, src) else {
        return;
    };
    if event != "connection" {
        return;
    }
    let endpoint = text(server, src).to_owned();
    out.push(SocketHandler {
        library: SocketLibrary::NodeSocket,
        endpoint: endpoint.clone(),
        event,
        handler: handler_name(handler, src),
        auth: HandlerAuth::None,
        span: span(call.field("function").unwrap_or(call)),
        full: span(call),
    });
    // The events registered on the connected socket inside an inline handler.
    let Some(socket) = first_param(handler, src) else {
        return;
    };
    let Some(body) = handler.field("body") else {
        return;
    };
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    super::walk_named(body, &mut |n| {
        if n.kind_str() == "call_expression" {
            if let Some((on, event, h)) = on_call(n, src) {
                if text(on, src) == socket && !LIFECYCLE.contains(&event.as_str()) {
                    out.push(SocketHandler {
                        library: SocketLibrary::NodeSocket,
                        endpoint: endpoint.clone(),
                        event,
                        handler: handler_name(h, src),
                        auth: HandlerAuth::None,
                        span: span(n.field("function").unwrap_or(n)),
                        full: span(n),
                    });
                }
            }
        }
        !matches!(n.kind_str(), "comment" | "string" | "template_string")
    });
}

fn first_param(f: Node, src: &str) -> Option<String> {
    if !matches!(
        f.kind_str(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return None;
    }
    if let Some(p) = f.field("parameter") {
        return Some(text(p, src).to_owned());
    }
    let first = named_children(f.field("parameters")?).into_iter().next()?;
    let id = match first.kind_str() {
        "identifier" => first,
        _ => first
            .field("pattern")
            .filter(|p| p.kind_str() == "identifier")?,
    };
    Some(text(id, src).to_owned())
}

/// `@WebSocketGateway({ namespace: "chat" }) class ChatGateway { @SubscribeMessage("msg") … }`.
fn gateway(class: Node, decs: &[Node], src: &str, out: &mut Vec<SocketHandler>) {
    if !decs
        .iter()
        .any(|d| js_decorator_name(*d, src) == "WebSocketGateway")
    {
        return;
    }
    let Some(cname) = class.field("name").map(|n| text(n, src)) else {
        return;
    };
    for (method, mdecs) in decorated_methods(class) {
        let Some(name) = method.field("name") else {
            continue;
        };
        let mname = text(name, src);
        let event = mdecs
            .iter()
            .find(|d| js_decorator_name(**d, src) == "SubscribeMessage")
            .and_then(|d| {
                let t = text(*d, src);
                let args = t.split_once('(')?.1.trim_start();
                let q = args
                    .chars()
                    .next()
                    .filter(|c| matches!(c, '"' | '\'' | '`'))?;
                let end = args[1..].find(q)?;
                Some(args[1..1 + end].to_owned())
            })
            .or_else(|| {
                matches!(mname, "handleConnection" | "handleDisconnect" | "afterInit")
                    .then(|| mname.to_owned())
            });
        let Some(event) = event else {
            continue;
        };
        out.push(SocketHandler {
            library: SocketLibrary::NestGateway,
            endpoint: cname.to_owned(),
            event,
            handler: format!("{cname}.{mname}"),
            auth: HandlerAuth::None,
            span: span(name),
            full: span(method),
        });
    }
}

#[cfg(test)]
mod tests {
    use ba_syntax::Language;

    fn labels(language: Language, src: &str) -> Vec<String> {
        let tree = ba_syntax::parse::parse(language, src, None).unwrap();
        let facts = crate::extract(language, &tree, src, "/p/app/sockets.x");
        facts.sockets.iter().map(|r| r.label()).collect()
    }

    #[test]
    fn python_handlers() {
        let src = r#"
from flask_socketio import SocketIO, emit
socketio = SocketIO()

@socketio.on("chat message", namespace="/chat")
def handle_chat(data):
    emit("reply", data)

@socketio.event
def join(data):
    pass
"#;
        assert_eq!(
            labels(Language::Python, src),
            [
                "socketio /chat \"chat message\" → handle_chat",
                "socketio \"join\" → join"
            ]
        );
        let src = r#"
from channels.generic.websocket import AsyncJsonWebsocketConsumer

class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()

    async def receive_json(self, content):
        pass

    async def chat_message(self, event):
        pass
"#;
        assert_eq!(
            labels(Language::Python, src),
            [
                "ChatConsumer \"connect\" → ChatConsumer.connect",
                "ChatConsumer \"receive_json\" → ChatConsumer.receive_json"
            ]
        );
        // `@cache.on("x")` in a file without Socket.IO is not a handler.
        assert!(labels(Language::Python, "@bus.on(\"x\")\ndef f(data): pass\n").is_empty());
    }

    #[test]
    fn connection_auth_routes_and_guards() {
        let src = r#"
from fastapi import APIRouter, WebSocket
router = APIRouter()

@router.websocket("/ws/orders")
async def orders(websocket: WebSocket):
    await websocket.accept()

@router.websocket("/ws/me")
async def me(websocket: WebSocket, token: str):
    await websocket.accept()
"#;
        let tree = ba_syntax::parse::parse(Language::Python, src, None).unwrap();
        let facts = crate::extract_routes(Language::Python, &tree, src, "/p/app/live.py");
        let routes: Vec<(String, crate::facts::HandlerAuth)> = facts
            .ws_routes
            .iter()
            .map(|h| (h.label(), h.auth))
            .collect();
        assert_eq!(
            routes,
            [
                (
                    "router /ws/orders \"websocket\" → orders".to_owned(),
                    crate::facts::HandlerAuth::None
                ),
                (
                    "router /ws/me \"websocket\" → me".to_owned(),
                    crate::facts::HandlerAuth::Required
                ),
            ]
        );
        let src = "const app = express();\napp.use(helmet());\nio.of(\"/admin\").use(adminAuth);\nio.use(auth);\nconst wss = new WebSocketServer({ verifyClient });\n";
        let tree = ba_syntax::parse::parse(Language::JavaScript, src, None).unwrap();
        let facts = crate::extract_routes(Language::JavaScript, &tree, src, "/p/app/io.js");
        assert_eq!(
            facts.socket_guards,
            ["io.of(\"/admin\").use", "io.use", "verifyClient"]
        );
    }

    #[test]
    fn javascript_handlers() {
        let src = r#"
const { Server } = require("socket.io");
const io = new Server(httpServer);
io.on("connection", (socket) => {
  socket.on("chat", (msg) => io.emit("chat", msg));
  socket.on("disconnect", () => {});
  socket.on("join", onJoin);
});
"#;
        assert_eq!(
            labels(Language::JavaScript, src),
            [
                "io \"connection\" → anonymous",
                "io \"chat\" → anonymous",
                "io \"join\" → onJoin"
            ]
        );
        let src = r#"
@WebSocketGateway({ cors: { origin: "*" } })
export class EventsGateway {
  @SubscribeMessage("events")
  handleEvent(@MessageBody() data: string) { return data; }

  handleConnection(client: Socket) {}

  private helper() {}
}
"#;
        assert_eq!(
            labels(Language::TypeScript, src),
            [
                "EventsGateway \"events\" → EventsGateway.handleEvent",
                "EventsGateway \"handleConnection\" → EventsGateway.handleConnection"
            ]
        );
    }
}
