//! SEC806 websocket-missing-auth: a WebSocket endpoint that accepts every connection without
//! checking the caller, in an application whose HTTP side requires authentication.

use super::{is_mutating, CrossFinding};
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::facts::{HandlerAuth, SocketHandler, SocketLibrary};
use ba_app::{Anchor, FileClass, Resolved, WorkspaceIndex};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC806",
    name: "websocket-missing-auth",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[306],
    owasp: Some("A07:2021 Identification and Authentication Failures"),
    summary: "A WebSocket endpoint accepts every connection without checking who is connecting, while the application's HTTP routes require authentication; check a token or the session on connect and refuse the connection when it fails.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[],
};

/// Words of sockets that are public by design: a public feed, a broadcast, a probe, a
/// development reload channel.
const PUBLIC_SOCKET_WORDS: &[&str] = &[
    "public",
    "anonymous",
    "guest",
    "guests",
    "health",
    "healthz",
    "healthcheck",
    "ping",
    "heartbeat",
    "status",
    "broadcast",
    "broadcasts",
    "feed",
    "ticker",
    "prices",
    "quotes",
    "scores",
    "announcements",
    "livereload",
    "reload",
    "hmr",
    "metrics",
];

fn public_by_name(names: &[&str]) -> bool {
    names.iter().any(|n| {
        ba_app::classify::words(n)
            .iter()
            .any(|w| PUBLIC_SOCKET_WORDS.contains(&w.as_str()))
    })
}

/// The connection handler events of each library.
fn is_connect(h: &SocketHandler) -> bool {
    match h.library {
        SocketLibrary::Channels => matches!(h.event.as_str(), "connect" | "websocket_connect"),
        SocketLibrary::Starlette => matches!(h.event.as_str(), "on_connect" | "websocket"),
        SocketLibrary::PythonSocketIo => h.event == "connect",
        SocketLibrary::NodeSocket => h.event == "connection",
        SocketLibrary::NestGateway => h.event == "handleConnection",
    }
}

fn family(library: SocketLibrary) -> Family {
    match library {
        SocketLibrary::NodeSocket | SocketLibrary::NestGateway => Family::JavaScript,
        _ => Family::Python,
    }
}

/// What to do, in the library's words.
fn advice(library: SocketLibrary) -> &'static str {
    match library {
        SocketLibrary::Channels => "wrap the `websocket` router in `AuthMiddlewareStack` (or a token middleware) and `close()` in `connect` unless `self.scope[\"user\"].is_authenticated`",
        SocketLibrary::Starlette => "read a token (a query parameter, a cookie or the `Sec-WebSocket-Protocol` header) or depend on the current user, and `close(code=1008)` before `accept()` when it is missing or invalid",
        SocketLibrary::PythonSocketIo => "check the `auth` argument (or the session) in the `connect` handler and refuse the connection (`return False` or `raise ConnectionRefusedError(\"unauthorized\")`)",
        SocketLibrary::NodeSocket => "verify a token from the handshake before the connection is accepted (`io.use((socket, next) => …)` middleware for socket.io, `verifyClient` or an authenticating `upgrade` handler for `ws`) and refuse it when it fails",
        SocketLibrary::NestGateway => "verify the handshake token in `handleConnection` and `client.disconnect()` when it fails, or guard the gateway with `@UseGuards(…)`",
    }
}

/// How many HTTP routes (and GraphQL resolvers) of the workspace check their caller, when the
/// application clearly authenticates its HTTP side: at least two do, and they are not
/// outnumbered by writes that do not.
fn http_auth(index: &WorkspaceIndex, resolved: &Resolved) -> Option<(usize, Vec<String>)> {
    let mut guarded = 0;
    let mut open_writes = 0;
    let mut shown = Vec::new();
    for r in &resolved.routes {
        if !r.class.serves_routes() || r.methods.iter().any(|m| m == "WEBSOCKET") {
            continue;
        }
        if r.auth {
            guarded += 1;
            if shown.len() < 2 {
                shown.push(format!("`{} {}`", r.methods.join(","), r.path));
            }
        } else if is_mutating(&r.methods) && !r.public {
            open_writes += 1;
        }
    }
    for file in index.files() {
        if file.facts.class != FileClass::Runtime {
            continue;
        }
        for r in &file.facts.resolvers {
            if r.auth == HandlerAuth::Required {
                guarded += 1;
                if shown.len() < 2 {
                    shown.push(format!("GraphQL `{}.{}`", r.parent, r.field));
                }
            }
        }
    }
    (guarded >= 2 && guarded >= open_writes).then_some((guarded, shown))
}

pub fn check(index: &WorkspaceIndex, resolved: &Resolved, out: &mut Vec<CrossFinding>) {
    let runtime = || {
        index
            .files()
            .filter(|f| f.facts.class == FileClass::Runtime)
    };
    if runtime().all(|f| f.facts.sockets.is_empty() && f.facts.ws_routes.is_empty()) {
        return;
    }
    let Some((guarded, shown)) = http_auth(index, resolved) else {
        return;
    };
    // Connection-level guards (socket.io middleware, `verifyClient`, an ASGI token middleware)
    // anywhere in the workspace authenticate the language's sockets before any handler runs.
    let guarded_families: Vec<Family> = runtime()
        .filter(|f| !f.facts.socket_guards.is_empty())
        .map(|f| f.language.family())
        .collect();
    for file in runtime() {
        let stem = super::file_name(&file.key);
        let stem = stem.split('.').next().unwrap_or(stem);
        let candidates = file
            .facts
            .sockets
            .iter()
            .enumerate()
            .map(|(i, h)| (Anchor::Socket(i), h))
            .chain(
                file.facts
                    .ws_routes
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (Anchor::WsRoute(i), h)),
            );
        for (anchor, h) in candidates {
            if !is_connect(h)
                || h.auth != HandlerAuth::None
                || guarded_families.contains(&family(h.library))
                || public_by_name(&[&h.endpoint, stem])
                || (h.handler != "anonymous" && public_by_name(&[&h.handler]))
            {
                continue;
            }
            // Another handler of the same endpoint that checks the caller (a NestJS gateway
            // guarding its messages, a consumer checking in `receive`) is the endpoint's check.
            let checked_elsewhere = file
                .facts
                .sockets
                .iter()
                .any(|o| o.endpoint == h.endpoint && o.auth != HandlerAuth::None);
            if checked_elsewhere {
                continue;
            }
            // A FastAPI WebSocket route is a route: a dependency on its router authenticates it.
            if let Anchor::WsRoute(_) = anchor {
                let routed = resolved.routes_in(&file.key).any(|r| {
                    r.methods.iter().any(|m| m == "WEBSOCKET")
                        && r.handler_name == h.handler
                        && (r.auth || r.public)
                });
                if routed {
                    continue;
                }
            }
            let what = match h.library {
                SocketLibrary::Starlette if h.event == "websocket" => format!(
                    "the WebSocket route `{}` (`{}`)",
                    h.endpoint
                        .split_once(' ')
                        .map_or(h.endpoint.as_str(), |p| p.1),
                    h.handler
                ),
                _ if h.handler == "anonymous" => format!(
                    "the {} endpoint `{}` (its `{}` handler)",
                    h.library.name(),
                    h.endpoint,
                    h.event
                ),
                _ => format!(
                    "the {} endpoint `{}` (`{}`)",
                    h.library.name(),
                    h.endpoint,
                    h.handler
                ),
            };
            let more = if guarded > shown.len() {
                format!(" and {} more", guarded - shown.len())
            } else {
                String::new()
            };
            out.push(CrossFinding {
                code: RULE.code,
                at: (file.key.clone(), anchor),
                message: format!(
                    "{what} accepts every connection without checking who is connecting, while this application's HTTP side requires authentication ({}{more}): anyone who can reach it can open the socket and send or receive its messages; {}, or mark the endpoint public on purpose",
                    shown.join(", "),
                    advice(h.library),
                ),
                severity: RULE.severity,
                related: Vec::new(),
            });
        }
    }
}

const DOCS: &str = r#"## What it does
Reads every WebSocket endpoint of the workspace and reports a connection handler that
accepts the connection without checking who is connecting, in an application whose HTTP side
requires authentication (at least two routes or GraphQL resolvers check their caller, and
they are not outnumbered by writes that do not). The connection handlers are Django Channels
consumers' `connect`, Starlette `WebSocketEndpoint.on_connect` and FastAPI/Starlette
`@app.websocket(…)` routes, python-socketio and Flask-SocketIO `connect` handlers, socket.io
and `ws` `on("connection", …)` callbacks, and NestJS `@WebSocketGateway` classes'
`handleConnection`.

A handler checks its caller when its code reads anything that identifies the caller (a user,
a token, a session, credentials, a cookie: `self.scope["user"]`, `socket.handshake.auth`,
`websocket.cookies`, the `auth` argument of a python-socketio `connect`) or carries an
authenticating decorator or guard. Nothing is reported when the connection is authenticated
before any handler runs: socket.io middleware (`io.use(…)`, on a namespace too), `ws`'s
`verifyClient`, an `upgrade` handler that authenticates the request, Socket.IO's
`allowRequest`, a custom NestJS adapter (`createIOServer`) or global guards, an ASGI token
middleware around the Channels router (`TokenAuthMiddleware(URLRouter(…))`; Channels' own
`AuthMiddlewareStack` only puts the user in the scope), a dependency on a FastAPI router's
WebSocket route, or another handler of the same endpoint that checks the caller.

Sockets that are public by design are not reported: those whose endpoint, handler or file
name says so (`public`, `anonymous`, `guest`, `broadcast`, `feed`, `ticker`, `prices`,
`health`, `ping`, `heartbeat`, `status`, `livereload`, `metrics`) or that carry a public
marker (`@Public()`).

## Why is this bad?
A WebSocket upgrade is an HTTP request, but the authentication of the HTTP routes (a
dependency, a middleware, a guard) does not run for it unless the socket asks for it. A socket
that accepts everyone hands its messages (chat, notifications, live data) to anyone who can
reach the server, and often lets them send messages that act on other users' data.
Browsers send cookies with the upgrade from any origin, so an unchecked socket is also open to
cross-site WebSocket hijacking.

## Example
```python
class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()
```

```javascript
io.on("connection", (socket) => {
  socket.on("message", (msg) => io.to(msg.room).emit("message", msg));
});
```

## Use instead
```python
# asgi.py: application = ProtocolTypeRouter({"websocket": AuthMiddlewareStack(URLRouter(urls))})
class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        if not self.scope["user"].is_authenticated:
            await self.close(code=4401)
            return
        ...
```

```javascript
io.use((socket, next) => {
  try {
    socket.data.user = jwt.verify(socket.handshake.auth.token, process.env.JWT_SECRET);
    next();
  } catch {
    next(new Error("unauthorized"));
  }
});
```

## References
- [CWE-306: Missing Authentication for Critical Function](https://cwe.mitre.org/data/definitions/306.html)
- [OWASP WebSocket Security Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/WebSocket_Security_Cheat_Sheet.html)
- [Django Channels: authentication](https://channels.readthedocs.io/en/latest/topics/authentication.html)
- [Socket.IO: middlewares](https://socket.io/docs/v4/middlewares/)
- [FastAPI: WebSockets with dependencies](https://fastapi.tiangolo.com/advanced/websockets/#using-depends-and-others)
"#;
