//! GraphQL resolvers and WebSocket message handlers: functions a library calls with what the
//! client sent, and which of their parameters carry it. The taint engine makes those
//! parameters sources (so every injection rule applies to them); `app::graphql` and
//! `app::websocket` record the same functions as facts for symbols and lenses.
//!
//! Python: Strawberry (`@strawberry.field`/`mutation`/`subscription` methods: every parameter
//! but `self`/`root`/`info`), Graphene (`resolve_<field>(root, info, …)` on an `ObjectType`,
//! `mutate(root, info, …)` on a `Mutation`), Ariadne (`@query.field("x")` functions: after
//! `obj, info`), Flask-SocketIO (`@socketio.on("x")`: every parameter), python-socketio
//! (`@sio.event`/`@sio.on`: after `sid`), Django Channels consumers (`receive`,
//! `receive_json`) and Starlette `WebSocketEndpoint.on_receive`.
//!
//! JavaScript: resolver maps (`Query`/`Mutation`/`Subscription` objects of functions, and
//! graphql-js field configs `{ type, args, resolve }`): the second parameter (`args`). NestJS
//! `@Args()`/TypeGraphQL `@Arg()` and gateway `@MessageBody()` are decorator rows in the
//! models; socket.io/ws `message` callbacks are judged in `javascript_taint`.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{ancestors, named_children, routes::imports_from, text, Semantic};

/// How a library calls a function with client data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientEntry {
    /// What the parameters carry, for messages: "GraphQL argument", "WebSocket message".
    pub what: &'static str,
    /// Leading positional parameters that are the library's own objects (`root, info`, `sid`).
    pub skip: usize,
}

const GRAPHQL: &str = "GraphQL argument";
const MESSAGE: &str = "WebSocket message";

/// Parameter names that never carry client data in a resolver or handler.
pub const FRAMEWORK_PARAMS: &[&str] = &[
    "self",
    "cls",
    "info",
    "_info",
    "root",
    "_root",
    "sid",
    "websocket",
    "ws",
    "context",
];

fn decorator_callee<'s>(d: Node, src: &'s str) -> &'s str {
    let t = text(d, src).trim_start_matches('@').trim();
    t.split('(').next().unwrap_or(t).trim()
}

/// The client-data entry of a Python function (`function_definition` inside `item`).
pub fn python_entry(item: Node, function: Node, src: &str, sem: &Semantic) -> Option<ClientEntry> {
    let path = if function == item {
        Vec::new()
    } else {
        ancestors(item, function)
    };
    let mut up = path.iter().rev().copied();
    let mut parent = up.next();
    let mut decorators = Vec::new();
    if let Some(d) = parent.filter(|p| p.kind_str() == "decorated_definition") {
        decorators = named_children(d)
            .into_iter()
            .filter(|c| c.kind_str() == "decorator")
            .collect();
        parent = up.next();
    }
    // The class the function is a method of (its body block's parent).
    let class = parent
        .filter(|p| p.kind_str() == "block")
        .and_then(|_| up.next())
        .filter(|c| c.kind_str() == "class_definition");
    let name = function.field("name").map(|n| text(n, src)).unwrap_or("");
    for d in &decorators {
        let callee = decorator_callee(*d, src);
        let (object, last) = callee.rsplit_once('.').unwrap_or(("", callee));
        match last {
            "field" | "mutation" | "subscription"
                if callee.starts_with("strawberry")
                    || (object.is_empty() && imports_from(sem, &["strawberry"])) =>
            {
                return Some(ClientEntry {
                    what: GRAPHQL,
                    skip: 0,
                });
            }
            "field" | "source"
                if !object.is_empty()
                    && class.is_none()
                    && text(*d, src).contains('(')
                    && imports_from(sem, &["ariadne"]) =>
            {
                return Some(ClientEntry {
                    what: GRAPHQL,
                    skip: 2,
                });
            }
            "on" | "event" | "on_event" if !object.is_empty() => {
                if imports_from(sem, &["flask_socketio"]) {
                    return Some(ClientEntry {
                        what: MESSAGE,
                        skip: 0,
                    });
                }
                // python-socketio, or its server imported from the project's own module
                // under the name its documentation uses.
                if imports_from(sem, &["socketio"]) || matches!(object, "sio" | "socketio") {
                    return Some(ClientEntry {
                        what: MESSAGE,
                        skip: 1,
                    });
                }
            }
            _ => {}
        }
    }
    let class = class?;
    let bases = class
        .field("superclasses")
        .map(|b| text(b, src))
        .unwrap_or("");
    if imports_from(sem, &["graphene", "graphene_django"]) {
        if bases.contains("ObjectType") && name.starts_with("resolve_") {
            return Some(ClientEntry {
                what: GRAPHQL,
                skip: 2,
            });
        }
        if bases.contains("Mutation") {
            match name {
                "mutate" => {
                    return Some(ClientEntry {
                        what: GRAPHQL,
                        skip: 2,
                    })
                }
                "mutate_and_get_payload" => {
                    return Some(ClientEntry {
                        what: GRAPHQL,
                        skip: 3,
                    })
                }
                _ => {}
            }
        }
    }
    if bases.contains("WebsocketConsumer")
        && matches!(name, "receive" | "receive_json" | "websocket_receive")
    {
        return Some(ClientEntry {
            what: MESSAGE,
            skip: 1,
        });
    }
    if bases.contains("WebSocketEndpoint") && name == "on_receive" {
        return Some(ClientEntry {
            what: MESSAGE,
            skip: 2,
        });
    }
    None
}

/// For a JavaScript function that a GraphQL server calls as a resolver (`(parent, args,
/// context, info)`), the position of its `args` parameter.
pub fn js_args_position(within: Node, function: Node, src: &str) -> Option<usize> {
    if !matches!(
        function.kind_str(),
        "arrow_function" | "function_expression" | "function" | "method_definition"
    ) {
        return None;
    }
    let path = ancestors(within, function);
    let mut up = path.iter().rev().copied();
    // `key: (…) => …` or `key(…) {…}`.
    let (key, object) = match function.kind_str() {
        "method_definition" => (function.field("name")?, up.next()?),
        _ => {
            let pair = up.next().filter(|p| p.kind_str() == "pair")?;
            (pair.field("key")?, up.next()?)
        }
    };
    if object.kind_str() != "object" {
        return None;
    }
    let key = text(key, src).trim_matches(['"', '\'', '`']);
    let keys: Vec<&str> = named_children(object)
        .into_iter()
        .filter_map(|p| match p.kind_str() {
            "pair" => p.field("key").map(|k| text(k, src)),
            _ => None,
        })
        .collect();
    // graphql-js: `{ type: UserType, args: {…}, resolve(source, args) {…} }`.
    if matches!(key, "resolve" | "subscribe") && keys.iter().any(|k| matches!(*k, "type" | "args"))
    {
        return Some(1);
    }
    // A resolver map: the object is the value of `Query:` / `Mutation:` / `Subscription:`,
    // directly or as `Subscription: { x: { subscribe } }`.
    let mut holder = up.next().filter(|p| p.kind_str() == "pair");
    if matches!(key, "resolve" | "subscribe") {
        holder = holder
            .and_then(|_| up.next())
            .filter(|o| o.kind_str() == "object")
            .and_then(|_| up.next())
            .filter(|p| p.kind_str() == "pair");
    }
    let holder = holder?;
    let root = holder
        .field("key")
        .map(|k| text(k, src).trim_matches(['"', '\'', '`']))?;
    matches!(root, "Query" | "Mutation" | "Subscription").then_some(1)
}
