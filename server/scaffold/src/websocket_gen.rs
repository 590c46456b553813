//! An authenticated WebSocket endpoint and its test, on the app object: FastAPI/Starlette
//! (`@app.websocket`, tested with `TestClient.websocket_connect`), Django Channels (an
//! `AsyncWebsocketConsumer` checking `scope["user"]`, its routing and the ASGI application,
//! tested with `WebsocketCommunicator`), and Node's `ws` or socket.io beside an Express app
//! (tested with the library's own client).
//!
//! Every endpoint checks the browser's Origin against `WEBSOCKET_ALLOWED_ORIGINS`, refuses a
//! caller who does not authenticate on connect (with the project's own authentication where
//! one can be called: a FastAPI dependency that reads only headers, an Express middleware;
//! else a token from `WEBSOCKET_TOKEN` compared in constant time), bounds messages and
//! (Node) pings its clients, closing with the protocol's codes (1008 policy, 1009 too big).

use std::path::{Path, PathBuf};

use ba_syntax::NodeExt;

use super::app_object::App;
use super::{
    err, free_path, imports_edit, manifest, named_children, python_module, relative_specifier,
    text, FileEdit, Files, Framework, JsRunner, NewFile, Output, Project, Result, Source, Style,
};
use ba_rules::Edit;
use ba_syntax::{parse, Family, Language};

/// The largest message a generated endpoint accepts (64 KiB).
const MAX_MESSAGE: &str = "64 * 1024";

/// The Node libraries, in the order a project's dependencies are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeLibrary {
    SocketIo,
    Ws,
}

pub fn applicable(src: &Source, app: &App, project: &Project) -> bool {
    match app.framework {
        Framework::FastApi => !has_ws_route(src.text),
        Framework::Express => !matches!(src.language, Language::TypeScript | Language::Tsx),
        Framework::Django => project.has("channels"),
        _ => false,
    }
}

/// What the endpoint is written with, for the code action's title.
pub fn library_name(app: &App, project: &Project) -> &'static str {
    match app.framework {
        Framework::Django => "Django Channels",
        Framework::Express => match node_library(project) {
            NodeLibrary::SocketIo => "socket.io",
            NodeLibrary::Ws => "ws",
        },
        _ => "FastAPI",
    }
}

pub fn generate(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    let style = Style::detect(src);
    match app.framework {
        Framework::FastApi => fastapi(src, app, project, files),
        Framework::Express => node(src, project, files, &style),
        Framework::Django => channels(src, project, files, &style),
        f => err(format!("{} has no WebSocket generator yet", f.name())),
    }
}

// ---- FastAPI ---------------------------------------------------------------------------------

/// The app already has the endpoint this writes (`@app.websocket("/ws"…)`).
fn has_ws_route(text: &str) -> bool {
    text.contains(".websocket(\"/ws\"") || text.contains(".websocket('/ws'")
}

/// A function of the project that authenticates a caller from request headers and can be
/// called with a handshake's: `get_current_user(authorization: str = Header(...))`.
struct PyAuth {
    module: String,
    name: String,
    is_async: bool,
    /// The keyword its credentials go to, and whether it takes the whole `Bearer …` value.
    parameter: String,
    bearer: bool,
}

/// The project's auth dependency that only reads the `Authorization` header or a token (the
/// one most used in `Depends(...)`), so the endpoint can call it with the handshake's value.
fn find_py_auth(project: &Project, files: &dyn Files) -> Option<PyAuth> {
    let mut found: Vec<(usize, PyAuth)> = Vec::new();
    let sources: Vec<(PathBuf, String)> = project
        .source_files()
        .into_iter()
        .filter(|(_, l)| *l == Language::Python)
        .filter_map(|(p, _)| files.read(&p).map(|t| (p, t)))
        .collect();
    for (path, t) in &sources {
        let Some(tree) = parse::parse(Language::Python, t, None) else {
            continue;
        };
        for stmt in named_children(tree.root_node()) {
            if stmt.kind_str() != "function_definition" {
                continue;
            }
            let Some(name) = stmt.field("name").map(|n| text(t, n)) else {
                continue;
            };
            if !ba_app::facts::is_auth_name(name) || ba_app::facts::is_public_name(name) {
                continue;
            }
            let params = stmt
                .field("parameters")
                .map(named_children)
                .unwrap_or_default();
            let mut credential = None;
            let mut callable = !params.is_empty();
            for p in &params {
                let ptext = text(t, *p);
                let pname = p
                    .field("name")
                    .or_else(|| p.named_child(0))
                    .map(|n| text(t, n))
                    .unwrap_or(ptext);
                let lower = pname.to_ascii_lowercase();
                let has_default = matches!(
                    p.kind_str(),
                    "default_parameter" | "typed_default_parameter"
                );
                if ptext.contains("Depends(") || ptext.contains("Security(") {
                    callable = false;
                } else if credential.is_none()
                    && (lower.contains("authorization") || lower.contains("token"))
                {
                    credential = Some((pname.to_owned(), lower.contains("authorization")));
                } else if !has_default {
                    callable = false;
                }
            }
            let Some((parameter, bearer)) = credential.filter(|_| callable) else {
                continue;
            };
            let uses = sources
                .iter()
                .map(|(_, s)| s.matches(&format!("Depends({name})")).count())
                .sum();
            found.push((
                uses,
                PyAuth {
                    module: python_module(&project.root, path),
                    name: name.to_owned(),
                    is_async: text(t, stmt).starts_with("async"),
                    parameter,
                    bearer,
                },
            ));
        }
    }
    found.sort_by_key(|(uses, _)| std::cmp::Reverse(*uses));
    found.into_iter().next().map(|(_, a)| a)
}

fn fastapi(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    if has_ws_route(src.text) {
        return err("this app already has a WebSocket endpoint at /ws");
    }
    let a = &app.name;
    let auth = find_py_auth(project, files);
    let mut imports = vec![
        "import os".to_owned(),
        "from fastapi import Depends, WebSocket, WebSocketDisconnect, WebSocketException, status"
            .to_owned(),
    ];
    let (check, how) = match &auth {
        Some(pa) => {
            if python_module(&project.root, src.path) != pa.module {
                imports.push(format!("from {} import {}", pa.module, pa.name));
            }
            imports.push("from fastapi import HTTPException".to_owned());
            let value = if pa.bearer {
                "f\"Bearer {token}\"".to_owned()
            } else {
                "token".to_owned()
            };
            let aw = if pa.is_async { "await " } else { "" };
            (
                format!("    try:\n        return {aw}{name}({param}={value})\n    except HTTPException:\n        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason=\"authentication required\") from None\n", name = pa.name, param = pa.parameter),
                format!("checked by `{}`, as the HTTP routes are", pa.name),
            )
        }
        None => {
            imports.push("import secrets".to_owned());
            (
                "    expected = os.environ.get(\"WEBSOCKET_TOKEN\", \"\")\n    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):\n        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason=\"authentication required\")\n    return {\"token\": \"websocket\"}\n".to_owned(),
                "compared with `WEBSOCKET_TOKEN` (the project has no header-reading auth dependency to reuse)".to_owned(),
            )
        }
    };
    let code = format!(
        "# WebSocket /ws. Browsers' Origin must be one of WEBSOCKET_ALLOWED_ORIGINS (comma-separated);\n# the caller sends a token on connect (the Authorization header, or `?token=` from a browser),\n# {how}; a message over WEBSOCKET_MAX_MESSAGE_BYTES closes the socket (1009).\n\
WEBSOCKET_ALLOWED_ORIGINS = {{o.strip() for o in os.environ.get(\"WEBSOCKET_ALLOWED_ORIGINS\", \"\").split(\",\") if o.strip()}}\nWEBSOCKET_MAX_MESSAGE_BYTES = {MAX_MESSAGE}\n\n\n\
async def websocket_origin(websocket: WebSocket):\n    \"\"\"Refuses cross-site connections: a browser always sends its page's Origin.\"\"\"\n    origin = websocket.headers.get(\"origin\")\n    if origin is not None and origin not in WEBSOCKET_ALLOWED_ORIGINS:\n        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason=\"origin not allowed\")\n\n\n\
async def websocket_user(websocket: WebSocket):\n    \"\"\"The caller, authenticated before the connection is accepted.\"\"\"\n    authorization = websocket.headers.get(\"authorization\", \"\")\n    token = authorization.removeprefix(\"Bearer \") if authorization.startswith(\"Bearer \") else websocket.query_params.get(\"token\", \"\")\n    if not token:\n        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason=\"authentication required\")\n{check}\n\n\
@{a}.websocket(\"/ws\", dependencies=[Depends(websocket_origin)])\nasync def websocket_endpoint(websocket: WebSocket, user=Depends(websocket_user)):\n    await websocket.accept()\n    try:\n        while True:\n            message = await websocket.receive_text()\n            if len(message.encode()) > WEBSOCKET_MAX_MESSAGE_BYTES:\n                await websocket.close(code=status.WS_1009_MESSAGE_TOO_BIG, reason=\"message too big\")\n                return\n            await websocket.send_json({{\"echo\": message}})\n    except WebSocketDisconnect:\n        pass\n"
    );
    let style = Style::detect(src);
    let mut content = String::from("\n\n");
    if !src.text.ends_with('\n') {
        content.insert(0, '\n');
    }
    content.push_str(&style.render(&code, ""));
    let mut edits = vec![Edit {
        range: src.text.len()..src.text.len(),
        content,
    }];
    let rendered: Vec<String> = imports
        .iter()
        .map(|l| style.render(l, "").trim_end().to_owned())
        .collect();
    edits.extend(imports_edit(src, &rendered));
    let mut out = Output::edit(src.path, edits);
    // The test.
    let module = python_module(&project.root, src.path);
    let credentials = match &auth {
        Some(pa) => format!("# No token: refused before `{}` is asked.", pa.name),
        None => "# No token: refused.".to_owned(),
    };
    let test = format!(
        "\"\"\"Tests of the WebSocket endpoint /ws ({module}).\"\"\"\nimport pytest\nfrom fastapi.testclient import TestClient\nfrom starlette.websockets import WebSocketDisconnect\n\nfrom {module} import WEBSOCKET_MAX_MESSAGE_BYTES, {a}, websocket_user\n\n\n\
@pytest.fixture\ndef client():\n    return TestClient({a})\n\n\n\
@pytest.fixture\ndef signed_in():\n    # A caller the authentication accepted (the test of the authentication is the app's own).\n    {a}.dependency_overrides[websocket_user] = lambda: {{\"name\": \"test-user\"}}\n    yield\n    {a}.dependency_overrides.pop(websocket_user, None)\n\n\n\
def test_a_connection_without_credentials_is_refused(client):\n    {credentials}\n    with pytest.raises(WebSocketDisconnect) as refused:\n        with client.websocket_connect(\"/ws\"):\n            pass\n    assert refused.value.code == 1008\n\n\n\
def test_an_authenticated_caller_is_answered(client, signed_in):\n    with client.websocket_connect(\"/ws\") as websocket:\n        websocket.send_text(\"hello\")\n        assert websocket.receive_json() == {{\"echo\": \"hello\"}}\n\n\n\
def test_a_cross_site_origin_is_refused(client, signed_in):\n    with pytest.raises(WebSocketDisconnect) as refused:\n        with client.websocket_connect(\"/ws\", headers={{\"Origin\": \"https://evil.example\"}}):\n            pass\n    assert refused.value.code == 1008\n\n\n\
def test_a_message_over_the_limit_closes_the_socket(client, signed_in):\n    with client.websocket_connect(\"/ws\") as websocket:\n        websocket.send_text(\"x\" * (WEBSOCKET_MAX_MESSAGE_BYTES + 1))\n        with pytest.raises(WebSocketDisconnect) as closed:\n            websocket.receive_json()\n    assert closed.value.code == 1009\n"
    );
    let dir = project.py_test_dir(src.path.parent().unwrap_or(&project.root));
    out.files.push(NewFile {
        path: free_path(files, dir.join("test_websocket.py")),
        content: style.render(&test, ""),
    });
    Ok(out)
}

// ---- Node: ws and socket.io ------------------------------------------------------------------

/// An Express middleware of the project that authenticates (`requireAuth(req, res, next)`),
/// exported from its module: (its file, its name).
fn find_js_middleware(project: &Project, files: &dyn Files) -> Option<(PathBuf, String)> {
    for (path, lang) in project.source_files() {
        if lang.family() != Family::JavaScript {
            continue;
        }
        let Some(t) = files.read(&path) else { continue };
        let Some(tree) = parse::parse(lang, &t, None) else {
            continue;
        };
        for stmt in named_children(tree.root_node()) {
            let def = match stmt.kind_str() {
                "function_declaration" => Some(stmt),
                "export_statement" => stmt
                    .field("declaration")
                    .filter(|d| d.kind_str() == "function_declaration"),
                _ => None,
            };
            let Some(def) = def else { continue };
            let Some(name) = def.field("name").map(|n| text(&t, n)) else {
                continue;
            };
            let params = def
                .field("parameters")
                .map(|p| text(&t, p).replace(' ', ""))
                .unwrap_or_default();
            if params != "(req,res,next)"
                || !ba_app::facts::is_auth_name(name)
                || ba_app::facts::is_public_name(name)
            {
                continue;
            }
            let exported = stmt.kind_str() == "export_statement"
                || t.contains(&format!("exports.{name}"))
                || t.lines().any(|l| {
                    l.starts_with("module.exports") && l.contains(name) && l.contains('{')
                });
            if exported {
                return Some((path, name.to_owned()));
            }
        }
    }
    None
}

fn node_library(project: &Project) -> NodeLibrary {
    if project.has("socket.io") {
        NodeLibrary::SocketIo
    } else {
        NodeLibrary::Ws
    }
}

fn js_require(style: &Style, binding: &str, module: &str) -> String {
    if style.esm {
        format!("import {binding} from \"{module}\";")
    } else {
        format!("const {binding} = require(\"{module}\");")
    }
}

fn node(src: &Source, project: &Project, files: &dyn Files, style: &Style) -> Result<Output> {
    if !project.node {
        return err(
            "no package.json was found for this app: the WebSocket server's package goes there",
        );
    }
    let library = node_library(project);
    let ts = matches!(src.language, Language::TypeScript | Language::Tsx);
    if ts {
        return err("TypeScript apps have no WebSocket generator yet (the JavaScript one would not type-check)");
    }
    let ext = src
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("js");
    let dir = src.path.parent().unwrap_or(&project.root);
    let stem = match library {
        NodeLibrary::Ws => "websocket",
        NodeLibrary::SocketIo => "socket",
    };
    let path = free_path(files, dir.join(format!("{stem}.{ext}")));
    let esm = style.esm;
    let middleware = find_js_middleware(project, files);
    let mut imports = vec![match library {
        NodeLibrary::Ws => js_require(style, "{ WebSocketServer }", "ws"),
        NodeLibrary::SocketIo => js_require(style, "{ Server }", "socket.io"),
    }];
    let (authenticate, how) = match &middleware {
        Some((mpath, name)) => {
            let spec = relative_specifier(path.parent().unwrap_or(dir), mpath, esm);
            imports.push(js_require(style, &format!("{{ {name} }}"), &spec));
            (
                format!(
                    "// The app's own `{name}` middleware, run on the handshake request: a socket accepts exactly\n// the callers its HTTP routes accept. Resolves to the user it set (`req.user`), or null.\nfunction authenticate(req, token) {{\n    if (token && !req.headers.authorization) {{\n        req.headers.authorization = `Bearer ${{token}}`;\n    }}\n    // The Express request helpers the middleware may use, on the plain upgrade request.\n    req.get = req.get ?? ((header) => req.headers[String(header).toLowerCase()]);\n    req.header = req.header ?? req.get;\n    return new Promise((resolve) => {{\n        const refuse = () => resolve(null);\n        const res = {{ status: () => res, set: () => res, setHeader: () => res, json: refuse, send: refuse, end: refuse, sendStatus: refuse }};\n        {name}(req, res, (error) => resolve(error ? null : (req.user ?? {{}})));\n    }});\n}}\n"
                ),
                format!("`{name}`, as the HTTP routes"),
            )
        }
        None => {
            imports.push(js_require(style, "crypto", "node:crypto"));
            (
                "// A token from WEBSOCKET_TOKEN, compared in constant time (the app has no authentication\n// middleware to reuse). Resolves to the caller, or null.\nasync function authenticate(req, token) {\n    const header = req.headers.authorization ?? \"\";\n    const given = Buffer.from(token || header.replace(/^Bearer /, \"\"));\n    const expected = Buffer.from(process.env.WEBSOCKET_TOKEN ?? \"\");\n    if (expected.length === 0 || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {\n        return null;\n    }\n    return { token: \"websocket\" };\n}\n".to_owned(),
                "`WEBSOCKET_TOKEN`".to_owned(),
            )
        }
    };
    let heartbeat = if library == NodeLibrary::Ws {
        "const HEARTBEAT_MS = 30000;\n"
    } else {
        ""
    };
    let common = format!(
        "const MAX_PAYLOAD_BYTES = {MAX_MESSAGE};\n{heartbeat}const allowedOrigins = (process.env.WEBSOCKET_ALLOWED_ORIGINS ?? \"\")\n    .split(\",\")\n    .map((origin) => origin.trim())\n    .filter(Boolean);\n\n\
// Browsers always send their page's Origin: one that is not listed is a cross-site page.\nfunction originAllowed(origin) {{\n    return !origin || allowedOrigins.includes(origin);\n}}\n\n{authenticate}"
    );
    let (body, name) = match library {
        NodeLibrary::Ws => (
            format!(
                "// WebSocket server at /ws on the app's HTTP server: attachWebSocket(server) after\n// `const server = app.listen(...)`. The caller authenticates on the handshake (the Authorization\n// header, or `?token=` from a browser) with {how}; browsers' Origin must be one of\n// WEBSOCKET_ALLOWED_ORIGINS (comma-separated); messages over MAX_PAYLOAD_BYTES close the socket\n// (1009); clients that stop answering pings are dropped.\n\n{common}\n\
function attachWebSocket(server, {{ path = \"/ws\", heartbeatMs = HEARTBEAT_MS, authenticateWith = authenticate }} = {{}}) {{\n    const wss = new WebSocketServer({{\n        server,\n        path,\n        maxPayload: MAX_PAYLOAD_BYTES,\n        verifyClient: (info, done) => {{\n            if (!originAllowed(info.origin)) {{\n                return done(false, 403, \"origin not allowed\");\n            }}\n            const token = new URL(info.req.url, \"http://localhost\").searchParams.get(\"token\");\n            Promise.resolve(authenticateWith(info.req, token)).then(\n                (user) => {{\n                    if (!user) {{\n                        return done(false, 401, \"authentication required\");\n                    }}\n                    info.req.user = user;\n                    done(true);\n                }},\n                () => done(false, 401, \"authentication required\"),\n            );\n        }},\n    }});\n    const heartbeat = setInterval(() => {{\n        for (const socket of wss.clients) {{\n            if (!socket.isAlive) {{\n                socket.terminate();\n                continue;\n            }}\n            socket.isAlive = false;\n            socket.ping();\n        }}\n    }}, heartbeatMs);\n    wss.on(\"close\", () => clearInterval(heartbeat));\n    wss.on(\"connection\", (socket) => {{\n        socket.isAlive = true;\n        // A protocol error (a message over maxPayload, invalid UTF-8): ws closes the socket with\n        // its code (1009, 1007) and reports it here.\n        socket.on(\"error\", (error) => console.warn(`websocket closed: ${{error.message}}`));\n        socket.on(\"pong\", () => {{\n            socket.isAlive = true;\n        }});\n        socket.on(\"message\", (data, isBinary) => {{\n            if (isBinary) {{\n                socket.close(1003, \"text messages only\");\n                return;\n            }}\n            socket.send(JSON.stringify({{ echo: data.toString() }}));\n        }});\n    }});\n    return wss;\n}}\n"
            ),
            "attachWebSocket",
        ),
        NodeLibrary::SocketIo => (
            format!(
                "// Socket.IO on the app's HTTP server: attachSocketIo(server) after\n// `const server = app.listen(...)`. The caller authenticates on the handshake (`auth: {{ token }}`\n// from the client, or the Authorization header) with {how}; browsers' Origin must be one of\n// WEBSOCKET_ALLOWED_ORIGINS (comma-separated); messages over MAX_PAYLOAD_BYTES close the\n// connection; Socket.IO pings every 25 s and drops clients silent for 20 s more.\n\n{common}\n\
function attachSocketIo(server, {{ authenticateWith = authenticate }} = {{}}) {{\n    const io = new Server(server, {{\n        maxHttpBufferSize: MAX_PAYLOAD_BYTES,\n        pingInterval: 25000,\n        pingTimeout: 20000,\n        cors: {{ origin: allowedOrigins, credentials: true }},\n        allowRequest: (req, callback) => callback(null, originAllowed(req.headers.origin)),\n    }});\n    io.use((socket, next) => {{\n        Promise.resolve(authenticateWith(socket.request, socket.handshake.auth?.token)).then(\n            (user) => {{\n                if (!user) {{\n                    return next(new Error(\"authentication required\"));\n                }}\n                socket.data.user = user;\n                next();\n            }},\n            () => next(new Error(\"authentication required\")),\n        );\n    }});\n    io.on(\"connection\", (socket) => {{\n        socket.on(\"echo\", (message, reply) => {{\n            if (typeof message === \"string\" && typeof reply === \"function\") {{\n                reply({{ echo: message }});\n            }}\n        }});\n    }});\n    return io;\n}}\n"
            ),
            "attachSocketIo",
        ),
    };
    let export = if esm {
        format!("export {{ {name}, authenticate }};\n")
    } else {
        format!("module.exports = {{ {name}, authenticate }};\n")
    };
    let code = format!("{}\n\n{body}\n{export}", imports.join("\n"),);
    let mut out = Output::file(path.clone(), style.render(&code, ""));
    // The package, and the client the test uses.
    let (package, version) = match library {
        NodeLibrary::Ws => ("ws", "^8.18.0"),
        NodeLibrary::SocketIo => ("socket.io", "^4.8.1"),
    };
    let mut edits: Vec<FileEdit> = Vec::new();
    if let Some(e) = manifest::add_dependency(project, files, package, version) {
        edits.push(e);
    }
    if library == NodeLibrary::SocketIo {
        if let Some(e) = manifest::add_dev_dependency(project, files, "socket.io-client", "^4.8.1")
        {
            edits.push(e);
        }
    }
    // Both edit package.json: one edit list.
    if let Some(first) = edits.first().cloned() {
        let mut merged = first;
        for e in edits.into_iter().skip(1) {
            merged.edits.extend(e.edits);
        }
        merged.edits = super::merge_insertions(merged.edits);
        out.edits.push(merged);
    }
    out.files.push(node_test(
        project,
        files,
        style,
        library,
        &path,
        name,
        middleware.is_some(),
    ));
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn node_test(
    project: &Project,
    files: &dyn Files,
    style: &Style,
    library: NodeLibrary,
    module: &Path,
    name: &str,
    middleware: bool,
) -> NewFile {
    let esm = style.esm;
    let ext = module.extension().and_then(|e| e.to_str()).unwrap_or("js");
    // The project's test runner: Jest or Vitest when package.json has one, else node:test.
    let runner = project.js_test_runner(JsRunner::NodeTest);
    let dir = project.js_test_dir(module.parent().unwrap_or(&project.root));
    let path = free_path(
        files,
        dir.join(format!(
            "{}.test.{ext}",
            module
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("websocket")
        )),
    );
    let spec = relative_specifier(path.parent().unwrap_or(&project.root), module, esm);
    let mut imports = vec![
        js_require(style, "assert", "node:assert/strict"),
        js_require(style, "http", "node:http"),
    ];
    match runner {
        JsRunner::Vitest => imports.push(js_require(style, "{ test }", "vitest")),
        JsRunner::NodeTest => imports.push(js_require(style, "{ test }", "node:test")),
        JsRunner::Jest => {}
    }
    match library {
        NodeLibrary::Ws => imports.push(js_require(style, "{ WebSocket }", "ws")),
        NodeLibrary::SocketIo => imports.push(js_require(style, "{ io }", "socket.io-client")),
    }
    imports.push(js_require(style, &format!("{{ {name} }}"), &spec));
    let refused = if middleware {
        "// No credentials: the app's authentication middleware refuses the handshake."
    } else {
        "// No credentials: refused."
    };
    let body = match library {
        NodeLibrary::Ws => format!(
            "// A caller the authentication accepted (the test of the authentication is the app's own).\nconst signedIn = () => ({{ name: \"test-user\" }});\n\n\
async function serve(options) {{\n    const server = http.createServer();\n    const wss = {name}(server, options);\n    await new Promise((resolve) => server.listen(0, \"127.0.0.1\", resolve));\n    const url = `ws://127.0.0.1:${{server.address().port}}/ws`;\n    return {{ url, close: () => new Promise((resolve) => {{ wss.close(); server.close(resolve); }}) }};\n}}\n\n\
// The handshake's HTTP status when it is refused, or the open socket.\nfunction connect(url, options) {{\n    return new Promise((resolve, reject) => {{\n        const socket = new WebSocket(url, options);\n        socket.on(\"open\", () => resolve({{ socket }}));\n        socket.on(\"unexpected-response\", (req, res) => resolve({{ status: res.statusCode }}));\n        socket.on(\"error\", reject);\n    }});\n}}\n\n\
test(\"a connection without credentials is refused\", async () => {{\n    const server = await serve();\n    try {{\n        {refused}\n        assert.equal((await connect(server.url)).status, 401);\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"an authenticated caller is answered\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn }});\n    try {{\n        const {{ socket }} = await connect(server.url);\n        const reply = new Promise((resolve) => socket.once(\"message\", (data) => resolve(JSON.parse(data.toString()))));\n        socket.send(\"hello\");\n        assert.deepEqual(await reply, {{ echo: \"hello\" }});\n        socket.close();\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"a cross-site origin is refused\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn }});\n    try {{\n        assert.equal((await connect(server.url, {{ origin: \"https://evil.example\" }})).status, 403);\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"a message over the limit closes the socket\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn }});\n    try {{\n        const {{ socket }} = await connect(server.url);\n        const closed = new Promise((resolve) => socket.on(\"close\", (code) => resolve(code)));\n        socket.send(\"x\".repeat(64 * 1024 + 1));\n        assert.equal(await closed, 1009);\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"clients are pinged\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn, heartbeatMs: 50 }});\n    try {{\n        const {{ socket }} = await connect(server.url);\n        await new Promise((resolve) => socket.once(\"ping\", resolve));\n        socket.close();\n    }} finally {{\n        await server.close();\n    }}\n}});\n"
        ),
        NodeLibrary::SocketIo => format!(
            "// A caller the authentication accepted (the test of the authentication is the app's own).\nconst signedIn = () => ({{ name: \"test-user\" }});\n\n\
async function serve(options) {{\n    const server = http.createServer();\n    const socketServer = {name}(server, options);\n    await new Promise((resolve) => server.listen(0, \"127.0.0.1\", resolve));\n    const url = `http://127.0.0.1:${{server.address().port}}`;\n    return {{ url, close: () => new Promise((resolve) => socketServer.close(() => resolve())) }};\n}}\n\n\
// The connected client, or the error that refused it.\nfunction connect(url, options = {{}}) {{\n    return new Promise((resolve) => {{\n        const client = io(url, {{ transports: [\"websocket\"], reconnection: false, ...options }});\n        client.on(\"connect\", () => resolve({{ client }}));\n        client.on(\"connect_error\", (error) => {{\n            client.close();\n            resolve({{ error }});\n        }});\n    }});\n}}\n\n\
test(\"a connection without credentials is refused\", async () => {{\n    const server = await serve();\n    try {{\n        {refused}\n        const {{ error }} = await connect(server.url);\n        assert.equal(error.message, \"authentication required\");\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"an authenticated caller is answered\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn }});\n    try {{\n        const {{ client }} = await connect(server.url, {{ auth: {{ token: \"test-token\" }} }});\n        assert.deepEqual(await client.emitWithAck(\"echo\", \"hello\"), {{ echo: \"hello\" }});\n        client.close();\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"a cross-site origin is refused\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn }});\n    try {{\n        const {{ error }} = await connect(server.url, {{ extraHeaders: {{ origin: \"https://evil.example\" }} }});\n        assert.ok(error);\n    }} finally {{\n        await server.close();\n    }}\n}});\n\n\
test(\"a message over the limit closes the connection\", async () => {{\n    const server = await serve({{ authenticateWith: signedIn }});\n    try {{\n        const {{ client }} = await connect(server.url);\n        const closed = new Promise((resolve) => client.on(\"disconnect\", resolve));\n        client.emit(\"echo\", \"x\".repeat(64 * 1024 + 1));\n        assert.equal(await closed, \"transport close\");\n    }} finally {{\n        await server.close();\n    }}\n}});\n"
        ),
    };
    let code = format!("{}\n\n{body}", imports.join("\n"));
    NewFile {
        path,
        content: style.render(&code, ""),
    }
}

// ---- Django Channels -------------------------------------------------------------------------

const ASGI_APP: &str = "application = ProtocolTypeRouter(\n    {\n        \"http\": django_asgi_app,\n        \"websocket\": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),\n    }\n)\n";
const ASGI_IMPORTS: &str = "from channels.auth import AuthMiddlewareStack\nfrom channels.routing import ProtocolTypeRouter, URLRouter\nfrom channels.security.websocket import AllowedHostsOriginValidator\n";

fn channels(src: &Source, project: &Project, files: &dyn Files, style: &Style) -> Result<Output> {
    if !project.has("channels") {
        return err("Django serves WebSockets through Channels, which this project does not list: add `channels` to its requirements and run this again");
    }
    let dir = src.path.parent().unwrap_or(&project.root).to_owned();
    let package = python_module(&project.root, &dir.join("x.py"))
        .trim_end_matches(".x")
        .to_owned();
    let consumers = dir.join("consumers.py");
    if files.exists(&consumers) {
        return err(format!(
            "{} exists: add the consumer to it by hand, or move it aside",
            consumers.display()
        ));
    }
    let routing = free_path(files, dir.join("routing.py"));
    let routing_module = python_module(&project.root, &routing);
    let consumer = format!(
        "\"\"\"WebSocket consumers. The connection is accepted only for a signed-in user\n(`scope[\"user\"]`, set by AuthMiddlewareStack from the session); the ASGI application checks the\nOrigin (AllowedHostsOriginValidator, against ALLOWED_HOSTS).\n\"\"\"\nimport json\n\nfrom channels.generic.websocket import AsyncWebsocketConsumer\n\n# The largest message accepted (bytes of text).\nMAX_MESSAGE_BYTES = {MAX_MESSAGE}\n\n# Close codes: the policy was violated (no user), a message was too big.\nPOLICY_VIOLATION = 1008\nMESSAGE_TOO_BIG = 1009\n\n\n\
class EchoConsumer(AsyncWebsocketConsumer):\n    async def connect(self):\n        user = self.scope.get(\"user\")\n        if user is None or not user.is_authenticated:\n            await self.close(code=POLICY_VIOLATION)\n            return\n        await self.accept()\n\n    async def receive(self, text_data=None, bytes_data=None):\n        if text_data is None or len(text_data.encode()) > MAX_MESSAGE_BYTES:\n            await self.close(code=MESSAGE_TOO_BIG)\n            return\n        await self.send(text_data=json.dumps({{\"echo\": text_data}}))\n"
    );
    let routing_code = format!(
        "from django.urls import path\n\nfrom {package}.consumers import EchoConsumer\n\nwebsocket_urlpatterns = [\n    path(\"ws/echo/\", EchoConsumer.as_asgi()),\n]\n"
    );
    let mut out = Output::default();
    let asgi = dir.join("asgi.py");
    match files.read(&asgi) {
        Some(existing) if existing.contains("ProtocolTypeRouter") => {
            return err(format!(
                "{} already routes WebSockets (ProtocolTypeRouter): add the consumer to its websocket routes by hand",
                asgi.display()
            ));
        }
        Some(existing) => {
            let Some(at) = existing.find("application = get_asgi_application()") else {
                return err(format!(
                    "{} does not assign `application = get_asgi_application()`; wrap your application in ProtocolTypeRouter by hand",
                    asgi.display()
                ));
            };
            let end = at + "application = get_asgi_application()".len();
            // The HTTP application is created first: it sets Django up before the consumers
            // (and the models they import) are imported.
            let replacement = format!(
                "django_asgi_app = get_asgi_application()\n\n{ASGI_IMPORTS}\nfrom {routing_module} import websocket_urlpatterns  # noqa: E402\n\n{ASGI_APP}"
            );
            let replacement = replacement.trim_end().to_owned();
            out.edits.push(FileEdit {
                path: asgi.clone(),
                edits: vec![Edit {
                    range: at..end,
                    content: style.render(&replacement, "").trim_end().to_owned(),
                }],
            });
        }
        None => {
            let settings = format!("{package}.settings");
            let code = format!(
                "\"\"\"ASGI entry point: HTTP through Django, WebSockets through Channels.\"\"\"\nimport os\n\nfrom django.core.asgi import get_asgi_application\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"{settings}\")\n# Created first: it sets Django up before the consumers (and the models they use) are imported.\ndjango_asgi_app = get_asgi_application()\n\n{ASGI_IMPORTS}\nfrom {routing_module} import websocket_urlpatterns  # noqa: E402\n\n{ASGI_APP}"
            );
            out.files.push(NewFile {
                path: asgi,
                content: style.render(&code, ""),
            });
        }
    }
    // Channels' test utilities (and its recommended server) need Daphne.
    if let Some(e) = manifest::add_dependency(project, files, "daphne", ">=4.1") {
        out.edits.push(e);
    }
    out.files.push(NewFile {
        path: consumers,
        content: style.render(&consumer, ""),
    });
    out.files.push(NewFile {
        path: routing,
        content: style.render(&routing_code, ""),
    });
    let test = format!(
        "\"\"\"Tests of the WebSocket consumer ({package}.consumers).\"\"\"\nfrom channels.security.websocket import AllowedHostsOriginValidator\nfrom channels.testing import WebsocketCommunicator\nfrom django.contrib.auth.models import AnonymousUser, User\nfrom django.test import SimpleTestCase, override_settings\n\nfrom {package}.consumers import MAX_MESSAGE_BYTES, EchoConsumer\n\n\n\
def communicator(user, origin=\"https://app.example\"):\n    # Through the Origin check of the ASGI application; a browser on the site sends its Origin.\n    connection = WebsocketCommunicator(\n        AllowedHostsOriginValidator(EchoConsumer.as_asgi()), \"/ws/echo/\", headers=[(b\"origin\", origin.encode())]\n    )\n    connection.scope[\"user\"] = user\n    return connection\n\n\n\
@override_settings(ALLOWED_HOSTS=[\"app.example\"])\nclass EchoConsumerTests(SimpleTestCase):\n    async def test_an_anonymous_connection_is_refused(self):\n        connection = communicator(AnonymousUser())\n        connected, code = await connection.connect()\n        self.assertFalse(connected)\n        self.assertEqual(code, 1008)\n\n    async def test_a_signed_in_user_is_answered(self):\n        connection = communicator(User(username=\"ada\"))\n        connected, _ = await connection.connect()\n        self.assertTrue(connected)\n        await connection.send_to(text_data=\"hello\")\n        self.assertEqual(await connection.receive_json_from(), {{\"echo\": \"hello\"}})\n        await connection.disconnect()\n\n    async def test_a_cross_site_origin_is_refused(self):\n        connection = communicator(User(username=\"ada\"), origin=\"https://evil.example\")\n        connected, _ = await connection.connect()\n        self.assertFalse(connected)\n\n    async def test_a_message_over_the_limit_closes_the_socket(self):\n        connection = communicator(User(username=\"ada\"))\n        await connection.connect()\n        await connection.send_to(text_data=\"x\" * (MAX_MESSAGE_BYTES + 1))\n        self.assertEqual(await connection.receive_output(), {{\"type\": \"websocket.close\", \"code\": 1009}})\n"
    );
    out.files.push(NewFile {
        path: free_path(files, dir.join("test_consumers.py")),
        content: style.render(&test, ""),
    });
    Ok(out)
}
