//! PERF304 websocket-serial-broadcast: an async loop over every connection that awaits each
//! client's send in turn, with nothing around the send to catch a closed connection.

use ba_syntax::{Family, NodeExt};
use tree_sitter::Node;

use crate::performance::{is_async_def, python_function};
use crate::security::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "PERF304",
    name: "websocket-serial-broadcast",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[400, 755],
    owasp: None,
    summary: "A broadcast awaits each WebSocket client's send in turn with nothing catching a closed connection: one dead client ends the loop and the rest miss the message, one slow client delays them all; send concurrently and drop the clients that fail.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check_python,
    }],
};

/// Starlette/FastAPI's `WebSocket` send methods: distinctive enough to judge on their own.
const STARLETTE_SENDS: &[&str] = &["send_text", "send_json", "send_bytes"];

/// Words that name a collection of connections, for the generic `send` of `websockets`,
/// aiohttp (`send_str`) and Channels consumers.
const CONNECTION_WORDS: &[&str] = &[
    "conn",
    "client",
    "socket",
    "websocket",
    "ws",
    "peer",
    "subscriber",
    "listener",
    "viewer",
    "watcher",
];

/// Whether an identifier names connections: `connections`, `active_clients`, `self.sockets`,
/// `WS_CLIENTS` (not users or members: `member.send()` is a chat bot's direct message).
fn names_connections(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            CONNECTION_WORDS
                .iter()
                .any(|w| word == *w || word.strip_suffix('s') == Some(w))
        })
}

/// Whether `target` (a `for` loop's left side) binds `name`: `ws`, or `ws` in `user, ws`.
fn binds(checker: &Checker, target: Node, name: &str) -> bool {
    match target.kind_str() {
        "identifier" => checker.text(target) == name,
        "pattern_list" | "tuple_pattern" | "list_pattern" => {
            let mut cursor = target.walk();
            let found = target
                .named_children(&mut cursor)
                .any(|c| binds(checker, c, name));
            found
        }
        _ => false,
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    if func.kind_str() != "attribute" || settings::is_non_production_file(checker.path) {
        return;
    }
    let (Some(receiver), Some(method)) = (func.field("object"), func.field("attribute")) else {
        return;
    };
    if receiver.kind_str() != "identifier" {
        return;
    }
    let method = checker.text(method);
    let starlette = STARLETTE_SENDS.contains(&method);
    if !starlette && !matches!(method, "send" | "send_str" | "send_message") {
        return;
    }
    // Awaited right here, one client at a time (a `gather` over the sends is the fix).
    let Some(awaited) = call.parent().filter(|p| p.kind_str() == "await") else {
        return;
    };
    let Some(function) = python_function(checker, call) else {
        return;
    };
    if !is_async_def(function) {
        return;
    }
    let name = checker.text(receiver);
    // Up from the await to the loop over the connections; a `try` (or a `with` that suppresses)
    // on the way catches a closed connection per client, which is the careful version.
    let mut node = awaited;
    let the_loop = loop {
        let Some(parent) = node.parent() else { return };
        if parent.id() == function.id() {
            return;
        }
        match parent.kind_str() {
            "try_statement" | "with_statement" => return,
            "function_definition" | "lambda" | "class_definition" => return,
            "for_statement" => {
                let Some(target) = parent.field("left") else {
                    return;
                };
                if binds(checker, target, name) {
                    break parent;
                }
            }
            _ => {}
        }
        node = parent;
    };
    // `async for` reads a stream; the broadcast loop walks a collection.
    if the_loop.child(0).is_some_and(|c| c.kind_str() == "async") {
        return;
    }
    let Some(iterable) = the_loop.field("right") else {
        return;
    };
    let iterable_text = checker.text(iterable);
    if !starlette && !names_connections(iterable_text) && !names_connections(name) {
        return;
    }
    let send = checker.text(func);
    let target = the_loop
        .field("left")
        .map(|t| checker.text(t))
        .unwrap_or(name);
    let fix = if starlette {
        format!("send concurrently and drop the clients that fail (`await asyncio.gather(*({send}(…) for {target} in {iterable_text}), return_exceptions=True)`), or catch the error per client inside the loop")
    } else {
        format!("with the `websockets` library use `websockets.broadcast({iterable_text}, …)` (it skips closed clients and waits for none), otherwise send with `asyncio.gather(…, return_exceptions=True)` and drop the clients that fail")
    };
    checker.report(call, format!(
        "`await {send}(…)` in a loop over `{iterable_text}` sends to one client at a time and nothing in the loop catches a closed connection: the first client that went away raises and ends the loop, so every client after it misses the message, and a slow client delays all the others; {fix}"
    ));
}

const DOCS: &str = r#"## What it does
Flags a broadcast written as a loop over every connection that awaits each client's send in turn
with nothing inside the loop to catch a send that fails:

```python
for connection in self.active_connections:
    await connection.send_text(message)
```

It looks at `await x.send_text/send_json/send_bytes(…)` (Starlette and FastAPI WebSockets), and at
`await x.send(…)`/`send_str(…)` (`websockets`, aiohttp) when the collection or the variable is
named for connections (`connections`, `clients`, `sockets`, `peers`, `subscribers`…), inside an
`async def`, where `x` is the loop's variable (also `for user_id, ws in rooms.items()`). A `try`
(or `with`) between the loop and the send, an `async for` over a stream, and sends gathered with
`asyncio.gather` are not reported.

## Why is this bad?
- **One dead client stops the broadcast.** A client that went away without the server noticing
  yet makes its send raise (`WebSocketDisconnect` or `RuntimeError` in Starlette,
  `ConnectionClosed` in `websockets`). The exception leaves the loop, so every client after it in
  the collection never receives the message, and the caller (often the handler of the client that
  sent it) fails too.
- **One slow client delays everyone.** Each `await` waits until that client's socket accepts the
  data; a client on a poor network holds every client behind it, and the sender's own handler.
- The `websockets` documentation warns against this loop for these reasons and provides
  `websockets.broadcast()`.

## Example
```python
class ConnectionManager:
    async def broadcast(self, message: str):
        for connection in self.active_connections:
            await connection.send_text(message)
```

## Use instead
```python
class ConnectionManager:
    async def broadcast(self, message: str):
        connections = list(self.active_connections)
        results = await asyncio.gather(
            *(c.send_text(message) for c in connections), return_exceptions=True
        )
        for connection, result in zip(connections, results):
            if isinstance(result, Exception):
                self.disconnect(connection)
```

With the `websockets` library: `websockets.broadcast(CONNECTIONS, message)` (it skips clients that
are not open and does not wait for slow ones). For many clients, a queue per client with a
bounded size, drained by the client's own task, keeps a slow client from holding memory for
everyone.

## Not reported
- `try: await ws.send_text(m) except …: drop(ws)` inside the loop: a failing client is handled
  and the loop goes on (the sends are still serial; that is a choice, not a bug);
- Channels `channel_layer.group_send` and `send` to a channel name (the layer delivers), Socket.IO
  `emit`/`broadcast` (the library fans out), and Node `ws`'s `clients.forEach(c => c.send(…))`,
  which does not wait for each client and does not throw for a closed one;
- test, script and migration files.

## References
- [CWE-400: Uncontrolled Resource Consumption](https://cwe.mitre.org/data/definitions/400.html)
- [CWE-755: Improper Handling of Exceptional Conditions](https://cwe.mitre.org/data/definitions/755.html)
- websockets documentation, "Broadcasting"
"#;
