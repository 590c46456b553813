//! Facts from Python files: FastAPI, Flask and Django/DRF routes, routers and mounts; SQLAlchemy,
//! Django and Pydantic models; HTTP/DB/cache clients; the paths tests call.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::facts::*;
use ba_analysis::{named_children, text, Arguments};

/// Which frameworks and client libraries the file mentions, computed once per file: it decides
/// what an ambiguous name (`router.get`, `Redis`) means, and is part of the per-item cache key.
#[derive(Clone, Copy, Default)]
pub(super) struct Mentions {
    fastapi: bool,
    flask: bool,
    django: bool,
    drf: bool,
    pydantic: bool,
    sqlmodel: bool,
    test: bool,
    /// Bit `i` set when the file mentions `CLIENTS[i].1`.
    clients: u64,
}

impl Mentions {
    pub(super) fn of(source: &str, is_test: bool) -> Self {
        let mut clients = 0u64;
        for (i, (_, word, _)) in CLIENTS.iter().enumerate() {
            if source.contains(word) {
                clients |= 1 << i;
            }
        }
        Mentions {
            fastapi: source.contains("fastapi"),
            flask: source.contains("flask"),
            django: source.contains("django") || source.contains("rest_framework"),
            drf: source.contains("rest_framework"),
            pydantic: source.contains("pydantic"),
            sqlmodel: source.contains("sqlmodel"),
            test: is_test,
            clients,
        }
    }

    /// What the cross-file rules need: clients and test paths are for the editor.
    pub(super) fn routes_only(self) -> Self {
        Mentions {
            clients: 0,
            test: false,
            ..self
        }
    }

    /// Whether the file imports a web framework (only then can it define routes or apps).
    pub(super) fn any_framework(&self) -> bool {
        self.fastapi || self.flask || self.django || self.drf
    }

    pub(super) fn key(&self) -> u64 {
        let flags = [
            self.fastapi,
            self.flask,
            self.django,
            self.drf,
            self.pydantic,
            self.sqlmodel,
            self.test,
        ];
        flags
            .iter()
            .fold(self.clients, |k, f| (k << 1) | u64::from(*f))
    }

    /// Whether the file mentions a client library of `CLIENTS`.
    fn mentions(&self, word: &str) -> bool {
        CLIENTS
            .iter()
            .position(|(_, w, _)| *w == word)
            .is_some_and(|i| self.clients & (1 << i) != 0)
    }

    /// Whether a call in `text` can be a fact for a file with these mentions: only calls whose
    /// callee names a client this file imports, an app or router constructor, or a mount of
    /// a framework it imports are. The walk skips expressions where none can be (a text search
    /// is much cheaper than visiting every node of a function body).
    fn calls_in(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let has = |w: &str| memchr::memmem::find(t, w.as_bytes()).is_some();
        (self.clients != 0
            && CLIENTS
                .iter()
                .enumerate()
                .any(|(i, (suffix, _, _))| self.clients & (1 << i) != 0 && has(suffix)))
            || (self.fastapi
                && [
                    "include_router",
                    "add_api_route",
                    "FastAPI",
                    "APIRouter",
                    "mount",
                ]
                .into_iter()
                .any(has))
            || (self.flask
                && [
                    "register_blueprint",
                    "before_request",
                    "add_url_rule",
                    "Flask",
                    "Blueprint",
                ]
                .into_iter()
                .any(has))
            || (self.drf
                && ["register", "DefaultRouter", "SimpleRouter"]
                    .into_iter()
                    .any(has))
    }

    fn route_framework(&self) -> Framework {
        if self.flask && !self.fastapi {
            Framework::Flask
        } else {
            Framework::FastApi
        }
    }
}

struct Cx<'s> {
    src: &'s str,
    m: Mentions,
    /// Facts are numbered in source order.
    order: std::cell::Cell<usize>,
    function: Option<String>,
    out: FileFacts,
    /// Whether a call in the subtree being walked can be a fact (`Mentions::calls_in`); when
    /// not, the walk stays on statements.
    calls: bool,
}

impl Cx<'_> {
    fn next(&self) -> usize {
        self.order.set(self.order.get() + 1);
        self.order.get()
    }
}

fn span(n: Node) -> Span {
    Span(n.byte_range())
}

/// The value of a plain or f-string literal, placeholders kept as written.
fn string_lit<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    if n.kind_str() != "string" {
        return None;
    }
    let parts = named_children(n);
    let start = parts.iter().find(|c| c.kind_str() == "string_start")?;
    let end = parts.iter().rfind(|c| c.kind_str() == "string_end")?;
    src.get(start.end_byte()..end.start_byte())
}

/// A list/tuple of strings (`methods=["GET", "POST"]`).
fn string_list(n: Node, src: &str) -> Vec<String> {
    named_children(n)
        .into_iter()
        .filter_map(|c| string_lit(c, src))
        .map(str::to_owned)
        .collect()
}

fn callee<'s>(call: Node, src: &'s str) -> &'s str {
    call.field("function").map_or("", |f| text(f, src))
}

fn last_segment(s: &str) -> &str {
    s.rsplit('.').next().unwrap_or(s)
}

/// `[Depends(auth), Depends(db)]` → `["auth", "db"]`; other elements as written.
fn dependency_list(n: Node, src: &str) -> Vec<String> {
    named_children(n)
        .into_iter()
        .filter(|c| c.kind_str() != "comment")
        .map(|c| dependency_name(c, src))
        .collect()
}

/// `Depends(get_user)` → `get_user`; `Security(scheme, scopes=[…])` → `Security(scheme)`.
fn dependency_name(n: Node, src: &str) -> String {
    if n.kind_str() == "call" {
        let f = last_segment(callee(n, src));
        if let Some(args) = n.field("arguments") {
            let first = Arguments::of(args)
                .get(0, "dependency", src)
                .map(|a| text(a, src).to_owned());
            match f {
                "Depends" => return first.unwrap_or_else(|| "Depends()".to_owned()),
                "Security" => return format!("Security({})", first.unwrap_or_default()),
                _ => {}
            }
        }
    }
    text(n, src).to_owned()
}

const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// The facts of one top-level item (byte ranges absolute, orders from 1).
pub(super) fn extract_item(item: Node, src: &str, m: Mentions) -> FileFacts {
    let mut cx = Cx {
        src,
        m,
        order: std::cell::Cell::new(0),
        function: None,
        out: FileFacts::default(),
        calls: m.calls_in(&src[item.byte_range()]),
    };
    visit(&mut cx, item);
    cx.out
}

fn visit(cx: &mut Cx, n: Node) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    super::walk_named(n, &mut |n| enter(cx, n));
}

/// Visits a function or class body, narrowing `calls` to the body's text.
fn visit_body(cx: &mut Cx, body: Node) {
    let outer = cx.calls;
    cx.calls = outer && cx.m.calls_in(&cx.src[body.byte_range()]);
    visit(cx, body);
    cx.calls = outer;
}

/// Nodes that can hold statements (definitions, imports, assignments): what the walk still
/// enters when no call can be a fact.
fn holds_statements(kind: &str) -> bool {
    matches!(
        kind,
        "module"
            | "block"
            | "expression_statement"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "match_statement"
            | "case_clause"
    )
}

/// Records what `n` says; false when its subtree is handled (or cannot hold facts).
fn enter(cx: &mut Cx, n: Node) -> bool {
    match n.kind_str() {
        "import_statement" | "import_from_statement" => {
            import(cx, n);
            false
        }
        "decorated_definition" => {
            decorated(cx, n);
            false
        }
        "function_definition" => {
            function(cx, n, &[]);
            false
        }
        "class_definition" => {
            class(cx, n, &[]);
            false
        }
        "string" | "comment" | "identifier" | "integer" | "float" => false,
        "assignment" => {
            assignment(cx, n);
            cx.calls
        }
        "augmented_assignment"
            if n.field("left")
                .is_some_and(|l| text(l, cx.src) == "urlpatterns") =>
        {
            if let Some(r) = n.field("right") {
                urlpatterns(cx, r);
            }
            false
        }
        "call" if !cx.calls || call(cx, n) => false,
        kind => cx.calls || holds_statements(kind),
    }
}

fn import(cx: &mut Cx, n: Node) {
    let src = cx.src;
    let module = n.field("module_name").map(|m| text(m, src).to_owned());
    let mut cursor = n.walk();
    for name in n.children_by_field_name("name", &mut cursor) {
        let (dotted, alias) = match name.kind_str() {
            "aliased_import" => (
                name.field("name").map(|x| text(x, src)),
                name.field("alias").map(|x| text(x, src)),
            ),
            _ => (Some(text(name, src)), None),
        };
        let Some(dotted) = dotted else { continue };
        let (local, target) = match &module {
            Some(module) => {
                let sep = if module.ends_with('.') { "" } else { "." };
                (
                    alias.unwrap_or(dotted).to_owned(),
                    format!("{module}{sep}{dotted}"),
                )
            }
            // `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
            None => match alias {
                Some(a) => (a.to_owned(), dotted.to_owned()),
                None => {
                    let first = dotted.split('.').next().unwrap_or(dotted);
                    (first.to_owned(), first.to_owned())
                }
            },
        };
        cx.out.imports.push(Import { local, target });
    }
}

fn assignment(cx: &mut Cx, n: Node) {
    let src = cx.src;
    let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
        return;
    };
    let var = text(left, src);
    if var == "urlpatterns" && cx.m.django {
        cx.out.urlpatterns = Some(span(n));
        urlpatterns(cx, right);
        return;
    }
    if var.starts_with("REST_FRAMEWORK") {
        drf_settings(cx, var, right);
        return;
    }
    if right.kind_str() != "call" {
        return;
    }
    let f = callee(right, src);
    let args = right
        .field("arguments")
        .filter(|a| a.kind_str() == "argument_list")
        .map(Arguments::of);
    let kw = |name: &str| args.as_ref().and_then(|a| a.keyword(name, src));
    let owner = match last_segment(f) {
        "FastAPI" if cx.m.fastapi => Some((Framework::FastApi, true, "prefix")),
        "APIRouter" if cx.m.fastapi => Some((Framework::FastApi, false, "prefix")),
        "Flask" if cx.m.flask => Some((Framework::Flask, true, "url_prefix")),
        "Blueprint" if cx.m.flask => Some((Framework::Flask, false, "url_prefix")),
        "DefaultRouter" | "SimpleRouter" if cx.m.drf => Some((Framework::Django, false, "")),
        _ => None,
    };
    if let Some((framework, is_app, prefix_kw)) = owner {
        let prefix = kw(prefix_kw)
            .and_then(|p| string_lit(p, src))
            .unwrap_or("")
            .to_owned();
        let deps = kw("dependencies")
            .map(|d| dependency_list(d, src))
            .unwrap_or_default();
        cx.out.owners.push(Owner {
            var: var.to_owned(),
            framework,
            is_app,
            prefix,
            deps,
            shares_parent: false,
            span: span(right),
        });
        return;
    }
    client(cx, right, Some(var));
}

/// Client constructors: (callee suffix, word the file must mention, kind).
const CLIENTS: &[(&str, &str, &str)] = &[
    ("requests.Session", "requests", "requests.Session"),
    ("requests.session", "requests", "requests.Session"),
    ("httpx.Client", "httpx", "httpx.Client"),
    ("httpx.AsyncClient", "httpx", "httpx.AsyncClient"),
    ("ClientSession", "aiohttp", "aiohttp.ClientSession"),
    ("PoolManager", "urllib3", "urllib3.PoolManager"),
    ("create_engine", "sqlalchemy", "sqlalchemy.create_engine"),
    (
        "create_async_engine",
        "sqlalchemy",
        "sqlalchemy.create_async_engine",
    ),
    ("psycopg2.connect", "psycopg2", "psycopg2.connect"),
    ("psycopg.connect", "psycopg", "psycopg.connect"),
    ("asyncpg.connect", "asyncpg", "asyncpg.connect"),
    ("asyncpg.create_pool", "asyncpg", "asyncpg.create_pool"),
    ("pymysql.connect", "pymysql", "pymysql.connect"),
    ("sqlite3.connect", "sqlite3", "sqlite3.connect"),
    ("Redis", "redis", "redis.Redis"),
    ("StrictRedis", "redis", "redis.Redis"),
    ("redis.from_url", "redis", "redis.Redis"),
    ("MongoClient", "pymongo", "pymongo.MongoClient"),
    ("AsyncIOMotorClient", "motor", "motor.AsyncIOMotorClient"),
];

fn client(cx: &mut Cx, call: Node, var: Option<&str>) {
    // An assignment records its call with the variable first; the walk then meets the call.
    if cx.out.clients.iter().any(|c| c.span.0 == call.byte_range()) {
        return;
    }
    let f = callee(call, cx.src);
    // Called for every call in the file: compare without allocating.
    let hit = CLIENTS.iter().enumerate().find(|(i, (suffix, _, _))| {
        f.strip_suffix(suffix)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            && cx.m.clients & (1 << i) != 0
    });
    if let Some((_, (_, _, kind))) = hit {
        cx.out.clients.push(Client {
            kind: (*kind).to_owned(),
            var: var.map(str::to_owned),
            function: cx.function.clone(),
            span: span(call),
        });
    }
}

/// A call statement; returns true when it consumed the call (no need to descend).
fn call(cx: &mut Cx, n: Node) -> bool {
    let src = cx.src;
    let Some(func) = n.field("function") else {
        return false;
    };
    let Some(args) = n
        .field("arguments")
        .filter(|a| a.kind_str() == "argument_list")
    else {
        return false;
    };
    client(cx, n, None);
    if func.kind_str() != "attribute" {
        return false;
    }
    let (Some(object), Some(attr)) = (func.field("object"), func.field("attribute")) else {
        return false;
    };
    let attr = text(attr, src);
    if !matches!(
        attr,
        "include_router"
            | "mount"
            | "register_blueprint"
            | "before_request"
            | "add_api_route"
            | "add_url_rule"
            | "register"
    ) {
        return false;
    }
    let a = Arguments::of(args);
    let owner = text(object, src).to_owned();
    match attr {
        "include_router" if cx.m.fastapi => {
            let Some(child) = a.get(0, "router", src) else {
                return false;
            };
            cx.out.mounts.push(Mount {
                parent: owner,
                children: vec![text(child, src).to_owned()],
                prefix: a
                    .keyword("prefix", src)
                    .and_then(|p| string_lit(p, src))
                    .map(str::to_owned),
                deps: a
                    .keyword("dependencies", src)
                    .map(|d| dependency_list(d, src))
                    .unwrap_or_default(),
                order: cx.next(),
                span: span(n),
            });
            true
        }
        // `app.mount("/admin/api", api_app)`: a Starlette mount of a sub-application (or of
        // `StaticFiles(…)`, which the index keeps as a mounted path, not a router).
        "mount" if cx.m.fastapi => {
            let (Some(path), Some(child)) = (
                a.get(0, "path", src).and_then(|p| string_lit(p, src)),
                a.get(1, "app", src),
            ) else {
                return false;
            };
            cx.out.mounts.push(Mount {
                parent: owner,
                children: vec![text(child, src).to_owned()],
                prefix: Some(path.trim_end_matches('/').to_owned()),
                deps: Vec::new(),
                order: cx.next(),
                span: span(n),
            });
            true
        }
        "register_blueprint" if cx.m.flask => {
            let Some(child) = a.get(0, "blueprint", src) else {
                return false;
            };
            cx.out.mounts.push(Mount {
                parent: owner,
                children: vec![text(child, src).to_owned()],
                prefix: a
                    .keyword("url_prefix", src)
                    .and_then(|p| string_lit(p, src))
                    .map(str::to_owned),
                deps: Vec::new(),
                order: cx.next(),
                span: span(n),
            });
            true
        }
        "before_request" if cx.m.flask => {
            if let Some(f) = a.get(0, "f", src) {
                cx.out.mounts.push(Mount {
                    parent: owner,
                    children: Vec::new(),
                    prefix: None,
                    deps: vec![text(f, src).to_owned()],
                    order: cx.next(),
                    span: span(n),
                });
            }
            true
        }
        "add_api_route" if cx.m.fastapi => {
            let (Some(path), Some(endpoint)) = (
                a.get(0, "path", src).and_then(|p| string_lit(p, src)),
                a.get(1, "endpoint", src),
            ) else {
                return false;
            };
            let methods = a
                .keyword("methods", src)
                .map(|m| string_list(m, src))
                .unwrap_or_else(|| vec!["GET".to_owned()]);
            push_call_route(
                cx,
                n,
                owner,
                Framework::FastApi,
                methods,
                path,
                endpoint,
                &a,
            );
            true
        }
        "add_url_rule" if cx.m.flask => {
            let Some(path) = a.get(0, "rule", src).and_then(|p| string_lit(p, src)) else {
                return false;
            };
            let Some(view) = a
                .keyword("view_func", src)
                .or_else(|| a.positional.get(2).copied())
            else {
                return false;
            };
            let methods = a
                .keyword("methods", src)
                .map(|m| string_list(m, src))
                .unwrap_or_else(|| vec!["GET".to_owned()]);
            push_call_route(cx, n, owner, Framework::Flask, methods, path, view, &a);
            true
        }
        "register" if cx.m.drf => {
            let (Some(prefix), Some(viewset)) = (
                a.get(0, "prefix", src).and_then(|p| string_lit(p, src)),
                a.get(1, "viewset", src),
            ) else {
                return false;
            };
            cx.out.registrations.push(Registration {
                router: owner,
                prefix: prefix.to_owned(),
                viewset: text(viewset, src).to_owned(),
                span: span(n),
            });
            true
        }
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn push_call_route(
    cx: &mut Cx,
    call: Node,
    owner: String,
    framework: Framework,
    methods: Vec<String>,
    path: &str,
    handler: Node,
    a: &Arguments,
) {
    let src = cx.src;
    let deps = a
        .keyword("dependencies", src)
        .map(|d| dependency_list(d, src))
        .unwrap_or_default();
    cx.out.routes.push(Route {
        owner,
        framework,
        methods: methods.iter().map(|m| m.to_ascii_uppercase()).collect(),
        path: path.to_owned(),
        handler: text(handler, src).to_owned(),
        deps,
        params: Vec::new(),
        order: cx.next(),
        span: span(call),
        handler_span: span(handler),
        handler_full: span(handler),
    });
}

/// `REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": (…), …}` or
/// `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = (…)`: the permissions every DRF view without
/// its own `permission_classes` requires, unless they let anyone in (`AllowAny`, or none).
fn drf_settings(cx: &mut Cx, var: &str, right: Node) {
    let src = cx.src;
    let value = if var.contains("DEFAULT_PERMISSION_CLASSES") {
        Some(right)
    } else if right.kind_str() == "dictionary" {
        named_children(right)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
            .find(|p| {
                p.field("key")
                    .and_then(|k| string_lit(k, src))
                    .is_some_and(|k| k == "DEFAULT_PERMISSION_CLASSES")
            })
            .and_then(|p| p.field("value"))
    } else {
        None
    };
    let Some(value) = value else {
        return;
    };
    let names: Vec<&str> = text(value, src)
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.')))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .collect();
    if names.is_empty() || names.iter().any(|n| last_segment(n) == "AllowAny") {
        return;
    }
    cx.out.drf_default_permissions = Some(names.join(", "));
}

/// `urlpatterns = [path(…), …] + router.urls`.
fn urlpatterns(cx: &mut Cx, n: Node) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    let src = cx.src;
    match n.kind_str() {
        "call" => {
            let f = last_segment(callee(n, src));
            if !matches!(f, "path" | "re_path" | "url") {
                return;
            }
            let Some(args) = n.field("arguments") else {
                return;
            };
            let a = Arguments::of(args);
            let (Some(pattern), Some(target)) = (
                a.get(0, "route", src).and_then(|p| string_lit(p, src)),
                a.get(1, "view", src),
            ) else {
                return;
            };
            let pattern = pattern.trim_start_matches('^').trim_end_matches('$');
            let target = url_target(target, src);
            if let Some(target) = target {
                cx.out.urls.push(UrlEntry {
                    pattern: pattern.to_owned(),
                    target,
                    span: span(n),
                });
            }
        }
        "attribute" => {
            if n.field("attribute").is_some_and(|a| text(a, src) == "urls") {
                if let Some(o) = n.field("object") {
                    cx.out.urls.push(UrlEntry {
                        pattern: String::new(),
                        target: UrlTarget::Router(text(o, src).to_owned()),
                        span: span(n),
                    });
                }
            }
        }
        _ => {
            for c in named_children(n) {
                urlpatterns(cx, c);
            }
        }
    }
}

fn url_target(n: Node, src: &str) -> Option<UrlTarget> {
    if n.kind_str() == "call" {
        let f = callee(n, src);
        if last_segment(f) == "include" {
            let arg = n
                .field("arguments")
                .and_then(|a| Arguments::of(a).positional.first().copied())?;
            // include(("app.urls", "ns")) and include((router.urls, "ns")).
            let arg = if arg.kind_str() == "tuple" {
                named_children(arg).into_iter().next()?
            } else {
                arg
            };
            if let Some(module) = string_lit(arg, src) {
                return Some(UrlTarget::Module(module.to_owned()));
            }
            let t = text(arg, src);
            return t
                .strip_suffix(".urls")
                .map(|r| UrlTarget::Router(r.to_owned()));
        }
        if let Some(view) = f.strip_suffix(".as_view") {
            return Some(UrlTarget::View(view.to_owned()));
        }
        return Some(UrlTarget::View(f.to_owned()));
    }
    Some(UrlTarget::View(text(n, src).to_owned()))
}

fn decorated(cx: &mut Cx, n: Node) {
    let decorators: Vec<Node> = named_children(n)
        .into_iter()
        .filter(|c| c.kind_str() == "decorator")
        .collect();
    let Some(def) = n.field("definition") else {
        return;
    };
    match def.kind_str() {
        "function_definition" => function(cx, def, &decorators),
        "class_definition" => class(cx, def, &decorators),
        _ => {}
    }
}

/// A decorator's expression and, for a call, its function text.
fn decorator_parts<'t>(d: Node<'t>, src: &str) -> (Node<'t>, String) {
    let e = named_children(d)
        .into_iter()
        .find(|c| c.kind_str() != "comment")
        .unwrap_or(d);
    let name = if e.kind_str() == "call" {
        callee(e, src).to_owned()
    } else {
        text(e, src).to_owned()
    };
    (e, name)
}

fn function(cx: &mut Cx, def: Node, decorators: &[Node]) {
    let src = cx.src;
    let name_node = def.field("name");
    let name = name_node.map_or("", |x| text(x, src)).to_owned();
    // Parameters matter to routes and Django views only; most functions are neither.
    let params_node = def
        .field("parameters")
        .filter(|_| cx.m.django || (!decorators.is_empty() && (cx.m.fastapi || cx.m.flask)));
    let mut params = Vec::new();
    let mut param_deps = Vec::new();
    if let Some(ps) = params_node {
        for p in named_children(ps) {
            let pname = match p.kind_str() {
                "identifier" => Some(text(p, src)),
                "typed_parameter" => named_children(p)
                    .into_iter()
                    .find(|c| c.kind_str() == "identifier")
                    .map(|c| text(c, src)),
                _ => p.field("name").map(|c| text(c, src)),
            };
            if let Some(pn) = pname {
                params.push(pn.to_owned());
            }
            find_depends(p, src, &mut param_deps);
        }
    }
    let decorator_names: Vec<(Node, String)> = decorators
        .iter()
        .map(|d| decorator_parts(*d, src))
        .collect();
    let mut routed = false;
    for (i, (e, dname)) in decorator_names.iter().enumerate() {
        let Some((owner, method)) = dname.rsplit_once('.') else {
            continue;
        };
        if e.kind_str() != "call" {
            if method == "before_request" && cx.m.flask {
                cx.out.mounts.push(Mount {
                    parent: owner.to_owned(),
                    children: Vec::new(),
                    prefix: None,
                    deps: vec![name.clone()],
                    order: cx.next(),
                    span: span(decorators[i]),
                });
            }
            continue;
        }
        let framework = cx.m.route_framework();
        let Some(args) = e.field("arguments") else {
            continue;
        };
        let a = Arguments::of(args);
        let methods: Vec<String> = match method {
            m if HTTP_METHODS.contains(&m) => vec![m.to_ascii_uppercase()],
            "route" | "api_route" => a
                .keyword("methods", src)
                .map(|m| string_list(m, src))
                .unwrap_or_else(|| vec!["GET".to_owned()])
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect(),
            "websocket" if framework == Framework::FastApi => vec!["WEBSOCKET".to_owned()],
            _ => continue,
        };
        if !(cx.m.fastapi || cx.m.flask) {
            continue;
        }
        let Some(path) = a
            .get(0, if method == "route" { "rule" } else { "path" }, src)
            .and_then(|p| string_lit(p, src))
        else {
            continue;
        };
        // Other decorators on the handler (`@login_required`) and `dependencies=[…]`.
        let mut deps: Vec<String> = a
            .keyword("dependencies", src)
            .map(|d| dependency_list(d, src))
            .unwrap_or_default();
        for (j, (e, other)) in decorator_names.iter().enumerate() {
            if j != i && !is_route_decorator(other) {
                // `@jwt_required(optional=True)` is optional authentication, not a guard.
                let optional = e.kind_str() == "call"
                    && e.field("arguments").is_some_and(|a| {
                        let t: String = text(a, src).split_whitespace().collect();
                        t.contains("optional=True")
                    });
                deps.push(if optional {
                    format!("{other}(optional=True)")
                } else {
                    other.clone()
                });
            }
        }
        deps.extend(param_deps.iter().cloned());
        cx.out.routes.push(Route {
            owner: owner.to_owned(),
            framework,
            methods,
            path: path.to_owned(),
            handler: name.clone(),
            deps,
            params: params.clone(),
            order: cx.next(),
            span: span(decorators[i]),
            handler_span: name_node.map(span).unwrap_or_else(|| span(def)),
            handler_full: span(def),
        });
        routed = true;
    }
    if !routed && cx.m.django && params.first().is_some_and(|p| p == "request") {
        django_function_view(cx, def, &name, &decorator_names);
    }
    if cx.m.test && name.starts_with("test") {
        let mut paths = Vec::new();
        collect_paths(def, src, &mut paths);
        if !paths.is_empty() {
            cx.out.tests.push(TestCalls { test: name, paths });
        }
        return;
    }
    if cx.function.is_none() {
        cx.out
            .functions
            .push(function_fact(def, &name, name_node, src));
    }
    let outer = cx.function.replace(name);
    if let Some(body) = def.field("body") {
        visit_body(cx, body);
    }
    cx.function = outer;
}

/// Builtins and methods no project module defines: calls to them are not recorded.
const NOT_PROJECT_CALLS: &[&str] = &[
    "print",
    "len",
    "str",
    "int",
    "float",
    "bool",
    "dict",
    "list",
    "set",
    "tuple",
    "range",
    "isinstance",
    "getattr",
    "setattr",
    "hasattr",
    "super",
    "enumerate",
    "zip",
    "sorted",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "repr",
    "type",
    "iter",
    "next",
    "map",
    "filter",
];

/// The calls a module-level function makes (see `Function`).
fn function_fact(def: Node, name: &str, name_node: Option<Node>, src: &str) -> Function {
    let is_async = def.child(0).is_some_and(|c| c.kind_str() == "async");
    let mut calls = Vec::new();
    // Calls under `await` (pre-order: the `await` is seen before its call).
    let mut awaited = Vec::new();
    if let Some(body) = def.field("body") {
        ba_analysis::walk_scope(
            body,
            &|n| {
                matches!(
                    n.kind_str(),
                    "function_definition" | "class_definition" | "lambda"
                )
            },
            &mut |n| {
                if n.kind_str() == "await" {
                    awaited.extend(n.named_child(0).map(|c| c.id()));
                    return;
                }
                if n.kind_str() != "call" || calls.len() >= MAX_FUNCTION_CALLS {
                    return;
                }
                // `await service.get(…)`: the callee is a coroutine function.
                if awaited.contains(&n.id()) {
                    return;
                }
                let Some(func) = n.field("function") else {
                    return;
                };
                let Some(callee) = callee_chain(func, src, 0) else {
                    return;
                };
                if NOT_PROJECT_CALLS.contains(&callee.as_str()) || callee.len() > 120 {
                    return;
                }
                let keywords = n
                    .field("arguments")
                    .map(named_children)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|a| match a.kind_str() {
                        "keyword_argument" => a.field("name").map(|k| text(k, src).to_owned()),
                        "dictionary_splat" => Some("**".to_owned()),
                        _ => None,
                    })
                    .collect();
                calls.push(FunctionCall {
                    callee,
                    keywords,
                    span: span(n),
                });
            },
        );
    }
    let names_timeout = def
        .field("body")
        .is_some_and(|b| text(b, src).contains("timeout"));
    Function {
        name: name.to_owned(),
        is_async,
        calls,
        names_timeout,
        span: name_node.map(span).unwrap_or_else(|| span(def)),
    }
}

/// At most this many calls are kept per function (generated code can hold thousands).
const MAX_FUNCTION_CALLS: usize = 256;

/// `db.query(User).filter(x).first` → `db.query().filter().first`: a callee chain with the
/// arguments left out; `None` for callees that are not names, attributes or calls of them.
fn callee_chain(n: Node, src: &str, depth: u32) -> Option<String> {
    if depth > 12 {
        return None;
    }
    match n.kind_str() {
        "identifier" => Some(text(n, src).to_owned()),
        "attribute" => {
            let object = callee_chain(n.field("object")?, src, depth + 1)?;
            Some(format!("{object}.{}", text(n.field("attribute")?, src)))
        }
        "call" => Some(format!(
            "{}()",
            callee_chain(n.field("function")?, src, depth + 1)?
        )),
        _ => None,
    }
}

fn is_route_decorator(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, m)| {
        HTTP_METHODS.contains(&m) || matches!(m, "route" | "api_route" | "websocket")
    })
}

/// `Depends(x)` / `Security(x)` anywhere in a parameter (default or `Annotated[…]`).
fn find_depends(n: Node, src: &str, out: &mut Vec<String>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    if n.kind_str() == "call" && matches!(last_segment(callee(n, src)), "Depends" | "Security") {
        out.push(dependency_name(n, src));
        return;
    }
    for c in named_children(n) {
        find_depends(c, src, out);
    }
}

fn collect_paths(n: Node, src: &str, out: &mut Vec<String>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    if n.kind_str() == "string" {
        if let Some(s) = string_lit(n, src) {
            if s.starts_with('/') || s.starts_with("http://testserver/") {
                out.push(s.to_owned());
            }
        }
        return;
    }
    for c in named_children(n) {
        collect_paths(c, src, out);
    }
}

fn django_function_view(cx: &mut Cx, def: Node, name: &str, decorators: &[(Node, String)]) {
    let src = cx.src;
    let mut methods = vec!["ANY".to_owned()];
    let mut deps = Vec::new();
    let mut public = false;
    let mut drf = false;
    let mut own_permissions = false;
    for (e, d) in decorators {
        let args = (e.kind_str() == "call")
            .then(|| e.field("arguments"))
            .flatten();
        let first_list = || {
            args.and_then(|a| Arguments::of(a).positional.first().copied())
                .map(|l| string_list(l, src))
        };
        match last_segment(d) {
            "require_http_methods" | "api_view" => {
                drf |= last_segment(d) == "api_view";
                methods = first_list().unwrap_or_else(|| vec!["GET".to_owned()]);
            }
            "require_GET" => methods = vec!["GET".to_owned()],
            "require_POST" => methods = vec!["POST".to_owned()],
            "require_safe" => methods = vec!["GET".to_owned(), "HEAD".to_owned()],
            "permission_classes" => {
                own_permissions = true;
                let t = e.field("arguments").map_or("", |a| text(a, src));
                if t.contains("AllowAny") {
                    public = true;
                } else {
                    deps.push(t.trim_matches(['(', ')', '[', ']']).to_owned());
                }
            }
            _ => deps.push(d.clone()),
        }
    }
    cx.out.views.push(View {
        name: name.to_owned(),
        methods: methods.iter().map(|m| m.to_ascii_uppercase()).collect(),
        actions: Vec::new(),
        deps,
        public,
        drf,
        own_permissions,
        span: def.field("name").map(span).unwrap_or_else(|| span(def)),
        full: span(def),
    });
}

/// What a generic view base class handles.
fn base_methods(base: &str) -> &'static [&'static str] {
    match base {
        "ListView" | "DetailView" | "TemplateView" | "RedirectView" | "ListAPIView"
        | "RetrieveAPIView" => &["GET"],
        "CreateView" | "FormView" | "UpdateView" | "DeleteView" => &["GET", "POST"],
        "CreateAPIView" => &["POST"],
        "ListCreateAPIView" => &["GET", "POST"],
        "RetrieveUpdateAPIView" => &["GET", "PUT", "PATCH"],
        "RetrieveDestroyAPIView" => &["GET", "DELETE"],
        "RetrieveUpdateDestroyAPIView" => &["GET", "PUT", "PATCH", "DELETE"],
        "UpdateAPIView" => &["PUT", "PATCH"],
        "DestroyAPIView" => &["DELETE"],
        _ => &[],
    }
}

/// DRF view set actions a base class provides.
fn base_actions(base: &str) -> &'static [&'static str] {
    match base {
        "ModelViewSet" => &[
            "list",
            "create",
            "retrieve",
            "update",
            "partial_update",
            "destroy",
        ],
        "ReadOnlyModelViewSet" => &["list", "retrieve"],
        "ListModelMixin" => &["list"],
        "CreateModelMixin" => &["create"],
        "RetrieveModelMixin" => &["retrieve"],
        "UpdateModelMixin" => &["update", "partial_update"],
        "DestroyModelMixin" => &["destroy"],
        _ => &[],
    }
}

/// (method, on the detail path) of a standard view set action.
fn action_route(action: &str) -> Option<(&'static str, bool)> {
    Some(match action {
        "list" => ("GET", false),
        "create" => ("POST", false),
        "retrieve" => ("GET", true),
        "update" => ("PUT", true),
        "partial_update" => ("PATCH", true),
        "destroy" => ("DELETE", true),
        _ => return None,
    })
}

fn class(cx: &mut Cx, def: Node, decorators: &[Node]) {
    let src = cx.src;
    let name_node = def.field("name");
    let name = name_node.map_or("", |x| text(x, src)).to_owned();
    let bases: Vec<String> = def
        .field("superclasses")
        .map(|s| {
            named_children(s)
                .into_iter()
                .filter(|b| b.kind_str() != "keyword_argument")
                .map(|b| text(b, src).to_owned())
                .collect()
        })
        .unwrap_or_default();
    let keywords: Vec<String> = def
        .field("superclasses")
        .map(|s| {
            named_children(s)
                .into_iter()
                .filter(|b| b.kind_str() == "keyword_argument")
                .map(|b| text(b, src).to_owned())
                .collect()
        })
        .unwrap_or_default();
    let body = def.field("body");
    let statements = body.map(named_children).unwrap_or_default();
    let name_span = name_node.map(span).unwrap_or_else(|| span(def));

    if name == "Migration" && bases.iter().any(|b| b == "migrations.Migration") {
        django_migration(cx, &statements);
    }
    if let Some(kind) = model_kind(cx, &bases, &keywords, &statements) {
        if kind == ModelKind::Django && django_unmanaged(&statements, src) {
            cx.out.unmanaged_models.push(name.clone());
        }
        let fields = statements
            .iter()
            .filter_map(|s| model_field(s, src, kind))
            .collect();
        cx.out.models.push(Model {
            name: name.clone(),
            kind,
            fields,
            span: name_span.clone(),
            full: span(def),
        });
    } else if cx.m.django
        && bases
            .iter()
            .any(|b| b.contains("View") || b.ends_with("Mixin"))
    {
        django_class_view(cx, def, &name, &bases, &statements, decorators);
    }
    if cx.m.drf && cx.function.is_none() {
        if bases.iter().any(|b| b.ends_with("Serializer")) {
            let relations = serializer_relations(&statements, src);
            if !relations.is_empty() {
                cx.out.serializers.push(Serializer {
                    name: name.clone(),
                    relations,
                    span: name_span.clone(),
                });
            }
        } else if bases.iter().any(|b| LIST_VIEWS.contains(&last_segment(b))) {
            list_view(cx, &name, &statements);
        }
    }
    let outer = cx.function.replace(name);
    if let Some(body) = body {
        visit_body(cx, body);
    }
    cx.function = outer;
}

/// DRF views that serve a list action.
const LIST_VIEWS: &[&str] = &[
    "ListAPIView",
    "ListCreateAPIView",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "ListModelMixin",
];

/// DRF relational fields that read the related object (`StringRelatedField` calls its
/// `__str__`); `PrimaryKeyRelatedField` reads only the key column of a to-one relation.
const RELATED_FIELDS: &[&str] = &[
    "StringRelatedField",
    "SlugRelatedField",
    "HyperlinkedRelatedField",
    "PrimaryKeyRelatedField",
];

/// Manager and queryset methods that run a query over a to-many relation.
const MANY_METHODS: &[&str] = &[
    "all",
    "count",
    "filter",
    "exclude",
    "exists",
    "first",
    "last",
    "values",
    "values_list",
    "order_by",
    "aggregate",
];

/// The string arguments of a call (`"author"`, `'tags'`), from its text.
fn quoted(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(open) = rest.find(['"', '\'']) {
        let quote = rest.as_bytes()[open] as char;
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            break;
        };
        out.push(after[..close].to_owned());
        rest = &after[close + 1..];
    }
    out
}

/// The relations a serializer's fields and `get_…` methods read per object.
fn serializer_relations(statements: &[Node], src: &str) -> Vec<SerializerRelation> {
    // Fields the serializer declares as values (`file = serializers.FileField()`): a `get_…`
    // method reading `obj.file.size` reads the file, not a related row.
    let values: Vec<&str> = statements
        .iter()
        .filter_map(|s| s.named_child(0).filter(|a| a.kind_str() == "assignment"))
        .filter_map(|a| {
            let call = a.field("right").filter(|c| c.kind_str() == "call")?;
            let callee = last_segment(callee(call, src));
            let value = callee.ends_with("Field")
                && !RELATED_FIELDS.contains(&callee)
                && !matches!(
                    callee,
                    "SerializerMethodField" | "ReadOnlyField" | "HiddenField"
                )
                && !text(call, src).contains("source=");
            value.then(|| a.field("left").map(|l| text(l, src)))?
        })
        .collect();
    let mut out: Vec<SerializerRelation> = Vec::new();
    let mut push = |relation: &str, many: bool, field: &str| {
        if relation.is_empty()
            || out.iter().any(|r| r.relation == relation)
            || values.contains(&relation)
        {
            return;
        }
        out.push(SerializerRelation {
            relation: relation.to_owned(),
            many,
            field: field.to_owned(),
        });
    };
    for s in statements {
        match s.kind_str() {
            "expression_statement" => {
                let Some(a) = s.named_child(0).filter(|a| a.kind_str() == "assignment") else {
                    continue;
                };
                let (Some(left), Some(call)) = (a.field("left"), a.field("right")) else {
                    continue;
                };
                if call.kind_str() != "call" {
                    continue;
                }
                let field = text(left, src);
                let callee = last_segment(callee(call, src));
                let args = call.field("arguments").map(Arguments::of);
                let keyword = |k: &str| {
                    args.as_ref()
                        .and_then(|a| a.keyword(k, src))
                        .map(|v| text(v, src))
                };
                let many = keyword("many") == Some("True");
                let source = keyword("source").and_then(|v| quoted(v).into_iter().next());
                if let Some(source) = &source {
                    if let Some((relation, _)) = source.split_once('.') {
                        push(relation, false, field);
                        continue;
                    }
                }
                let relation = source.as_deref().unwrap_or(field);
                let nested = callee.ends_with("Serializer") && callee != "Serializer";
                let related = RELATED_FIELDS.contains(&callee)
                    && (many || callee != "PrimaryKeyRelatedField");
                if (nested || related) && relation != "*" {
                    push(relation, many, field);
                }
            }
            "function_definition" => {
                let name = s.field("name").map_or("", |n| text(n, src));
                if !name.starts_with("get_") {
                    continue;
                }
                // `def get_x(self, obj)`: the object is the second parameter.
                let params = s
                    .field("parameters")
                    .map(named_children)
                    .unwrap_or_default();
                let Some(obj) = params.get(1).map(|p| text(*p, src)) else {
                    continue;
                };
                let Some(body) = s.field("body") else {
                    continue;
                };
                let body = text(body, src);
                let prefix = format!("{obj}.");
                for (at, _) in body.match_indices(&prefix) {
                    if at > 0 && body.as_bytes()[at - 1].is_ascii_alphanumeric() {
                        continue;
                    }
                    let rest = &body[at + prefix.len()..];
                    let rel_len = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    let (relation, after) = rest.split_at(rel_len);
                    let Some(after) = after.strip_prefix('.') else {
                        continue;
                    };
                    let attr_len = after
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(after.len());
                    let (attr, tail) = after.split_at(attr_len);
                    if MANY_METHODS.contains(&attr) && tail.starts_with('(') {
                        push(relation, true, name);
                    } else if !tail.starts_with('(')
                        && !attr.is_empty()
                        && !relation.ends_with("_id")
                    {
                        push(relation, false, name);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A DRF list view's serializer and the relations its queryset (or `get_queryset`) loads.
fn list_view(cx: &mut Cx, name: &str, statements: &[Node]) {
    let src = cx.src;
    let mut serializer = None;
    let mut queryset = None;
    for s in statements {
        match s.kind_str() {
            "expression_statement" => {
                let Some(a) = s.named_child(0).filter(|a| a.kind_str() == "assignment") else {
                    continue;
                };
                let (Some(left), Some(right)) = (a.field("left"), a.field("right")) else {
                    continue;
                };
                match text(left, src) {
                    "serializer_class" => serializer = Some((text(right, src).to_owned(), span(a))),
                    "queryset" => queryset = Some(text(right, src)),
                    _ => {}
                }
            }
            "function_definition"
                if s.field("name")
                    .is_some_and(|n| text(n, src) == "get_queryset") =>
            {
                queryset = s.field("body").map(|b| text(b, src));
            }
            _ => {}
        }
    }
    let (Some((serializer, at)), Some(queryset)) = (serializer, queryset) else {
        return;
    };
    let mut loaded = Vec::new();
    for method in ["select_related(", "prefetch_related(", "Prefetch("] {
        for (at, _) in queryset.match_indices(method) {
            let rest = &queryset[at + method.len()..];
            let end = rest.find(')').unwrap_or(rest.len());
            let args = &rest[..end];
            if method == "Prefetch(" {
                loaded.extend(quoted(args).into_iter().take(1));
            } else {
                loaded.extend(quoted(args));
            }
            // `select_related()` with no arguments follows every to-one relation.
            if method == "select_related(" && args.trim().is_empty() {
                loaded.push("*".to_owned());
            }
            // `prefetch_related(*fields)`: the relations are chosen at run time (the
            // client's `?expand=`), which the facts cannot tell apart.
            if method != "Prefetch(" && args.trim_start().starts_with('*') {
                loaded.push("**".to_owned());
            }
        }
    }
    cx.out.list_views.push(ListView {
        name: name.to_owned(),
        serializer,
        loaded,
        span: at,
    });
}

/// A Django model's `class Meta` says it has no table of its own to migrate.
fn django_unmanaged(body: &[Node], src: &str) -> bool {
    body.iter()
        .filter(|s| s.kind_str() == "class_definition")
        .filter(|c| c.field("name").is_some_and(|n| text(n, src) == "Meta"))
        .filter_map(|c| c.field("body"))
        .flat_map(named_children)
        .any(|s| {
            let t: String = text(s, src).split_whitespace().collect();
            t == "abstract=True" || t == "proxy=True" || t == "managed=False"
        })
}

/// A Python string literal's value (no prefix other than `r`/`u`, no interpolation).
fn string_literal(n: Node, src: &str) -> Option<String> {
    if n.kind_str() != "string"
        || named_children(n)
            .iter()
            .any(|c| c.kind_str() == "interpolation")
    {
        return None;
    }
    let t = text(n, src);
    let t = t.trim_start_matches(['r', 'u', 'R', 'U']);
    let q = t.chars().next()?;
    Some(t.trim_matches(q).to_owned())
}

/// The items of a list literal, or of every list a list expression is made of: `[a] + ([b] if
/// SITES_ENABLED else [])` (allauth builds its `fields=` and `operations` that way).
fn list_items(n: Node, depth: u32) -> Vec<Node> {
    if depth > 8 {
        return Vec::new();
    }
    match n.kind_str() {
        "list" => named_children(n)
            .into_iter()
            .filter(|c| c.kind_str() != "comment")
            .collect(),
        "binary_operator" | "parenthesized_expression" | "conditional_expression" => {
            named_children(n)
                .into_iter()
                .flat_map(|c| list_items(c, depth + 1))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A Django migration's `operations = [...]`: the fields each operation creates, adds or
/// renames to, and the models it renames.
fn django_migration(cx: &mut Cx, body: &[Node]) {
    let src = cx.src;
    cx.out.migration = true;
    let operations = body.iter().find_map(|s| {
        let a = named_children(*s).into_iter().next()?;
        (a.kind_str() == "assignment"
            && a.field("left")
                .is_some_and(|l| text(l, src) == "operations"))
        .then(|| a.field("right"))
        .flatten()
    });
    let Some(operations) = operations else {
        return;
    };
    let mut ops: Vec<Node> = list_items(operations, 0);
    let mut i = 0;
    while i < ops.len() {
        let op = ops[i];
        i += 1;
        if op.kind_str() != "call" {
            continue;
        }
        let Some(args) = op.field("arguments").map(Arguments::of) else {
            continue;
        };
        // `SeparateDatabaseAndState(state_operations=[CreateModel(…)])`: what the model state
        // gains (the table itself was renamed or made by the database operations).
        if last_segment(callee(op, src)) == "SeparateDatabaseAndState" {
            if let Some(state) = args
                .keyword("state_operations", src)
                .or_else(|| args.positional.get(1).copied())
            {
                ops.extend(list_items(state, 0));
            }
            continue;
        }
        let arg = |keyword: &str, position: usize| {
            args.keyword(keyword, src)
                .or_else(|| args.positional.get(position).copied())
        };
        let string = |keyword: &str, position: usize| {
            arg(keyword, position).and_then(|n| string_literal(n, src))
        };
        match last_segment(callee(op, src)) {
            "CreateModel" => {
                let (Some(model), Some(fields)) = (string("name", 0), arg("fields", 1)) else {
                    continue;
                };
                let model = model.to_ascii_lowercase();
                for f in list_items(fields, 0) {
                    if let Some(field) = f
                        .named_child(0)
                        .filter(|_| f.kind_str() == "tuple")
                        .and_then(|n| string_literal(n, src))
                    {
                        cx.out.migration_fields.push((model.clone(), field));
                    }
                }
            }
            "AddField" => {
                if let (Some(model), Some(field)) = (string("model_name", 0), string("name", 1)) {
                    cx.out
                        .migration_fields
                        .push((model.to_ascii_lowercase(), field));
                }
            }
            "RenameField" => {
                if let (Some(model), Some(field)) = (string("model_name", 0), string("new_name", 2))
                {
                    cx.out
                        .migration_fields
                        .push((model.to_ascii_lowercase(), field));
                }
            }
            "RenameModel" => {
                if let (Some(old), Some(new)) = (string("old_name", 0), string("new_name", 1)) {
                    cx.out
                        .migration_renames
                        .push((old.to_ascii_lowercase(), new.to_ascii_lowercase()));
                }
            }
            _ => {}
        }
    }
}

fn model_kind(cx: &Cx, bases: &[String], keywords: &[String], body: &[Node]) -> Option<ModelKind> {
    let has_table = body
        .iter()
        .any(|s| text(*s, cx.src).starts_with("__tablename__"));
    for b in bases {
        let last = last_segment(b);
        if cx.m.django && b == "models.Model" {
            return Some(ModelKind::Django);
        }
        if last == "SQLModel" && cx.m.sqlmodel {
            return Some(
                if keywords.iter().any(|k| k.replace(' ', "") == "table=True") {
                    ModelKind::SqlAlchemy
                } else {
                    ModelKind::Pydantic
                },
            );
        }
        if last == "BaseModel" && cx.m.pydantic {
            return Some(ModelKind::Pydantic);
        }
        if matches!(b.as_str(), "Base" | "DeclarativeBase" | "Model") && has_table {
            return Some(ModelKind::SqlAlchemy);
        }
        // Flask-SQLAlchemy derives the table name.
        if b == "db.Model" && cx.m.mentions("sqlalchemy") {
            return Some(ModelKind::SqlAlchemy);
        }
    }
    if has_table {
        return Some(ModelKind::SqlAlchemy);
    }
    if cx.m.django
        && bases
            .iter()
            .any(|b| b.ends_with("Model") && b != "BaseModel")
    {
        return Some(ModelKind::Django);
    }
    // A subclass of another model (an abstract base, multi-table inheritance): its body
    // declares `models.…Field(…)` columns.
    let declares_columns = || {
        body.iter().any(|s| {
            named_children(*s).into_iter().next().is_some_and(|a| {
                a.kind_str() == "assignment"
                    && a.field("right").is_some_and(|r| {
                        r.kind_str() == "call" && {
                            let f = callee(r, cx.src);
                            f.starts_with("models.") && (f.ends_with("Field") || f.ends_with("Key"))
                        }
                    })
            })
        })
    };
    if cx.m.django && !bases.is_empty() && declares_columns() {
        return Some(ModelKind::Django);
    }
    None
}

fn model_field(stmt: &Node, src: &str, kind: ModelKind) -> Option<Field> {
    let a = if stmt.kind_str() == "expression_statement" {
        named_children(*stmt).into_iter().next()?
    } else {
        return None;
    };
    if a.kind_str() != "assignment" {
        return None;
    }
    let left = a.field("left")?;
    if left.kind_str() != "identifier" {
        return None;
    }
    let name = text(left, src);
    if name.starts_with("__") || name == "model_config" || name == "Meta" {
        return None;
    }
    let ty = a.field("type").map(|t| text(t, src));
    let right = a.field("right");
    let mut field = Field {
        name: name.to_owned(),
        ty: ty.unwrap_or("").to_owned(),
        foreign_key: None,
        relationship: None,
        indexed: false,
        span: span(left),
    };
    if let Some(t) = ty {
        // `Mapped[int]` → `int`.
        if let Some(inner) = t.strip_prefix("Mapped[").and_then(|r| r.strip_suffix(']')) {
            field.ty = inner.to_owned();
        }
    }
    let Some(right) = right.filter(|r| r.kind_str() == "call") else {
        // Pydantic fields, and SQLAlchemy 2.0 columns declared by annotation alone.
        return (kind == ModelKind::Pydantic || ty.is_some_and(|t| t.starts_with("Mapped[")))
            .then_some(field);
    };
    let f = callee(right, src);
    let args = right
        .field("arguments")
        .map(Arguments::of)
        .unwrap_or(Arguments {
            positional: Vec::new(),
            keywords: Vec::new(),
        });
    let truthy = |k: &str| args.keyword(k, src).is_some_and(|v| text(v, src) == "True");
    match kind {
        ModelKind::SqlAlchemy => {
            let last = last_segment(f);
            match last {
                "relationship" => {
                    // `relationship("Address")`, else the `Mapped[list["Address"]]` type.
                    field.relationship = args
                        .positional
                        .first()
                        .map(|a| string_lit(*a, src).unwrap_or(text(*a, src)).to_owned())
                        .or_else(|| {
                            let t = field
                                .ty
                                .rsplit('[')
                                .next()
                                .unwrap_or("")
                                .trim_end_matches(']')
                                .trim_matches(['"', '\'']);
                            (!t.is_empty()).then(|| t.to_owned())
                        });
                }
                "Column" | "mapped_column" => {
                    for p in &args.positional {
                        if p.kind_str() == "call" && last_segment(callee(*p, src)) == "ForeignKey" {
                            field.foreign_key = p
                                .field("arguments")
                                .and_then(|x| Arguments::of(x).positional.first().copied())
                                .map(|x| string_lit(x, src).unwrap_or(text(x, src)).to_owned());
                        } else if (field.ty.is_empty() || last == "Column")
                            && p.kind_str() != "string"
                        {
                            field.ty = text(*p, src).to_owned();
                        }
                    }
                    field.indexed = truthy("index") || truthy("unique") || truthy("primary_key");
                }
                _ => return None,
            }
        }
        ModelKind::Django => {
            if !f.starts_with("models.") && !f.ends_with("Field") && !f.ends_with("Key") {
                return None;
            }
            field.ty = f.to_owned();
            let target = args
                .get(0, "to", src)
                .map(|x| string_lit(x, src).unwrap_or(text(x, src)).to_owned());
            match last_segment(f) {
                "ForeignKey" | "OneToOneField" => {
                    field.foreign_key = target;
                    // Django indexes foreign keys unless told not to.
                    field.indexed = args
                        .keyword("db_index", src)
                        .is_none_or(|v| text(v, src) != "False");
                }
                "ManyToManyField" => field.relationship = target,
                _ => {
                    field.indexed = truthy("db_index") || truthy("unique") || truthy("primary_key")
                }
            }
        }
        ModelKind::Pydantic => {}
        ModelKind::Mongoose | ModelKind::Sequelize => return None,
    }
    Some(field)
}

fn django_class_view(
    cx: &mut Cx,
    def: Node,
    name: &str,
    bases: &[String],
    statements: &[Node],
    decorators: &[Node],
) {
    let src = cx.src;
    let mut methods: Vec<String> = Vec::new();
    let mut actions: Vec<(String, String, bool)> = Vec::new();
    let mut deps = Vec::new();
    let mut public = false;
    let mut own_permissions = false;
    let viewset = bases.iter().any(|b| b.contains("ViewSet"));
    let drf = bases.iter().any(|b| {
        let last = last_segment(b);
        last.contains("ViewSet") || last.ends_with("APIView")
    });
    let push_action = |actions: &mut Vec<(String, String, bool)>, a: &str| {
        if let Some((m, detail)) = action_route(a) {
            if !actions.iter().any(|x| x.0 == a) {
                actions.push((a.to_owned(), m.to_owned(), detail));
            }
        }
    };
    for b in bases {
        let last = last_segment(b);
        for m in base_methods(last) {
            if !methods.iter().any(|x| x == m) {
                methods.push((*m).to_owned());
            }
        }
        for a in base_actions(last) {
            push_action(&mut actions, a);
        }
        if last.contains("LoginRequired") || last.contains("Permission") {
            deps.push(last.to_owned());
        }
    }
    for d in decorators {
        let (_, dname) = decorator_parts(*d, src);
        // `@method_decorator(login_required, name="dispatch")`.
        deps.push(if dname.ends_with("method_decorator") {
            text(*d, src).trim_start_matches('@').to_owned()
        } else {
            dname
        });
    }
    for s in statements {
        let (def_node, decos) = match s.kind_str() {
            "decorated_definition" => (
                s.field("definition"),
                named_children(*s)
                    .into_iter()
                    .filter(|c| c.kind_str() == "decorator")
                    .collect::<Vec<_>>(),
            ),
            "function_definition" => (Some(*s), Vec::new()),
            "expression_statement" => {
                let t = text(*s, src);
                if let Some(rest) = t.strip_prefix("permission_classes") {
                    own_permissions = true;
                    if rest.contains("AllowAny") {
                        public = true;
                    } else {
                        deps.push(
                            rest.trim_start_matches([' ', '=', ':'])
                                .trim_matches(['[', ']', '(', ')'])
                                .to_owned(),
                        );
                    }
                }
                if let Some(rest) = t.strip_prefix("authentication_classes") {
                    if !rest.contains("[]") && !rest.contains("()") {
                        deps.push(
                            rest.trim_start_matches([' ', '=', ':'])
                                .trim_matches(['[', ']', '(', ')'])
                                .to_owned(),
                        );
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some(def_node) = def_node.filter(|d| d.kind_str() == "function_definition") else {
            continue;
        };
        let m = def_node.field("name").map_or("", |x| text(x, src));
        if HTTP_METHODS.contains(&m) && !methods.iter().any(|x| x.eq_ignore_ascii_case(m)) {
            methods.push(m.to_ascii_uppercase());
        }
        if viewset {
            push_action(&mut actions, m);
            // `@action(detail=True, methods=["post"])` adds `<prefix>/{pk}/<name>/`.
            for d in decos {
                let (e, dn) = decorator_parts(d, src);
                if last_segment(&dn) == "action" && e.kind_str() == "call" {
                    let a = e
                        .field("arguments")
                        .map(Arguments::of)
                        .unwrap_or(Arguments {
                            positional: Vec::new(),
                            keywords: Vec::new(),
                        });
                    let detail = a
                        .keyword("detail", src)
                        .is_some_and(|v| text(v, src) == "True");
                    let ms = a
                        .keyword("methods", src)
                        .map(|l| string_list(l, src))
                        .unwrap_or_else(|| vec!["get".to_owned()]);
                    for method in ms {
                        actions.push((m.to_owned(), method.to_ascii_uppercase(), detail));
                    }
                }
            }
        }
    }
    cx.out.views.push(View {
        name: name.to_owned(),
        methods,
        actions,
        deps,
        public,
        drf,
        own_permissions,
        span: def.field("name").map(span).unwrap_or_else(|| span(def)),
        full: span(def),
    });
}
