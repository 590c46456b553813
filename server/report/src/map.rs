//! The architecture map: applications, the routers mounted on them (grouped by resource), each
//! route with its handler, the auth that guards it (or its absence), the models and outbound
//! clients its handler uses, and the findings that concern each node.
//!
//! Built from the workspace index (`ba_app`) and the findings of a run; every list is sorted
//! and every id derived from what it names (not from a counter over the whole run), so a map
//! diffs well in a pull request. `render` turns it into Mermaid, DOT or JSON.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use ba_app::{Anchor, FileClass, Loc, ModelKind, WorkspaceIndex};
use ba_rules::{Finding, Severity};

use crate::access::{access, identifiers};

/// The version of the JSON shape (`docs/map.md` documents it). Changes that remove or rename a
/// field bump it.
pub const SCHEMA: &str = "backend-architect/map/v1";

/// Above this many handlers (routes, GraphQL resolvers, WebSocket handlers) the graph formats
/// draw each resource, schema and endpoint as one node (`--expand` draws every handler anyway;
/// `--focus` narrows the map first).
pub const DEFAULT_COLLAPSE: usize = 60;

/// The handler name the application model gives an inline function.
pub const ANONYMOUS: &str = "anonymous function";

/// One file's findings, with the text they were computed for. `path` is the key the file has in
/// the index (what the report shows).
pub struct FileFindings {
    pub path: String,
    pub text: String,
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, Default)]
pub struct MapOptions {
    /// Keep only one neighbourhood: a route path (`/users`, `GET /users/{id}`), a file (suffix
    /// of its path) or a handler or router name.
    pub focus: Option<String>,
    /// Draw every route even above `collapse_over` routes.
    pub expand: bool,
    pub collapse_over: usize,
    /// Show file paths relative to this directory (the language server's index keys are
    /// absolute paths).
    pub root: Option<String>,
}

/// Findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub hint: usize,
}

impl Counts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
            Severity::Hint => self.hint += 1,
        }
    }

    pub fn merge(&mut self, o: &Counts) {
        self.error += o.error;
        self.warning += o.warning;
        self.info += o.info;
        self.hint += o.hint;
    }

    pub fn total(&self) -> usize {
        self.error + self.warning + self.info + self.hint
    }

    /// The worst severity present.
    pub fn worst(&self) -> Option<Severity> {
        [
            (self.error, Severity::Error),
            (self.warning, Severity::Warning),
            (self.info, Severity::Info),
            (self.hint, Severity::Hint),
        ]
        .into_iter()
        .find(|(n, _)| *n > 0)
        .map(|(_, s)| s)
    }

    /// `2 errors, 1 warning`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.error, "error", "errors"),
            (self.warning, "warning", "warnings"),
            (self.info, "info", "info"),
            (self.hint, "hint", "hints"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        }
        parts.join(", ")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// A dependency, decorator, guard or middleware that authenticates is on the chain.
    Required,
    /// Explicitly public or optionally authenticated (`AllowAny`, `@Public()`).
    Public,
    /// Nothing on the chain authenticates.
    None,
}

impl Auth {
    pub fn label(self) -> &'static str {
        match self {
            Auth::Required => "auth",
            Auth::Public => "public",
            Auth::None => "no auth",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Map {
    pub schema: &'static str,
    pub summary: Summary,
    /// The `--focus` the map was narrowed to.
    pub focus: Option<String>,
    /// Whether the graph formats draw resources, schemas and endpoints as single nodes (too
    /// many handlers to draw).
    pub collapsed: bool,
    pub apps: Vec<App>,
    /// Routers that nothing mounts (their own prefix only).
    pub unmounted: Vec<Group>,
    /// GraphQL schemas with their resolvers.
    pub graphql: Vec<GraphqlSchema>,
    /// WebSocket endpoints (consumers, gateways, Socket.IO servers) with their handlers.
    pub sockets: Vec<SocketEndpoint>,
    pub models: Vec<ModelNode>,
    pub clients: Vec<ClientNode>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub apps: usize,
    pub routes: usize,
    pub routes_without_auth: usize,
    pub resolvers: usize,
    pub socket_handlers: usize,
    pub models: usize,
    pub clients: usize,
    /// Every finding of the run, also those on no node of the map.
    pub findings: Counts,
}

#[derive(Clone, Debug, Serialize)]
pub struct App {
    pub id: String,
    pub framework: &'static str,
    pub file: String,
    pub line: usize,
    /// The findings of its routes.
    pub findings: Counts,
    pub groups: Vec<Group>,
}

/// A resource: the routes of one router (or, on the application itself, under one first path
/// segment).
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub id: String,
    /// The path prefix the routes share (`/api/users`), or `/`.
    pub prefix: String,
    /// The router variable (`router`, `bp`), `None` for routes on the application itself.
    pub router: Option<String>,
    pub file: String,
    pub findings: Counts,
    pub routes_without_auth: usize,
    pub routes: Vec<RouteNode>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RouteNode {
    pub id: String,
    pub methods: Vec<String>,
    pub path: String,
    pub handler: String,
    /// Where the handler is.
    pub file: String,
    pub line: usize,
    pub auth: Auth,
    /// Dependencies, decorators, guards and middleware from the app down to the route.
    pub guards: Vec<String>,
    /// Ids of the models the handler names.
    pub models: Vec<String>,
    /// Ids of the ORM models the handler queries (`User.objects.filter`, `select(User)`).
    pub reads: Vec<String>,
    /// Ids of the ORM models the handler stores or deletes (`save`, `create`, `update`,
    /// `delete`, `session.add`, a commit after changing a loaded instance).
    pub writes: Vec<String>,
    /// Ids of the clients the handler uses.
    pub clients: Vec<String>,
    /// Outbound HTTP calls in the handler without a timeout (PERF204).
    pub calls_without_timeout: usize,
    pub findings: Counts,
    /// The rule codes of its findings, sorted.
    pub codes: Vec<String>,
}

/// The resolvers of one GraphQL library in the workspace (one schema: a project serves one
/// schema per library).
#[derive(Clone, Debug, Serialize)]
pub struct GraphqlSchema {
    pub id: String,
    /// `Strawberry`, `Graphene`, `Ariadne`, `resolver map` (Apollo Server, graphql-yoga,
    /// Mercurius), `NestJS/TypeGraphQL`.
    pub library: &'static str,
    /// The files its resolvers are defined in.
    pub files: Vec<String>,
    /// Where the workspace serves GraphQL: mounts of a GraphQL server (`GraphQLRouter`,
    /// `expressMiddleware(apollo)`, `graphqlHTTP`), Django URLs of a `GraphQLView`, routes whose
    /// path or handler says `graphql`.
    pub paths: Vec<String>,
    pub findings: Counts,
    pub resolvers_without_auth: usize,
    /// Sorted by type (`Query`, `Mutation`, …) and field.
    pub resolvers: Vec<ResolverNode>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResolverNode {
    pub id: String,
    /// The GraphQL type: `Query`, `Mutation`, `Subscription` or an object type.
    pub parent: String,
    pub field: String,
    /// The resolving function as written.
    pub function: String,
    pub file: String,
    pub line: usize,
    /// `required` when its decorators or permission classes authenticate, or its code checks
    /// the user (`is_authenticated`, `IsAuthenticated`, an `AuthenticationError`).
    pub auth: Auth,
    pub models: Vec<String>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    pub clients: Vec<String>,
    pub findings: Counts,
    pub codes: Vec<String>,
}

/// A WebSocket endpoint: a Channels consumer or Starlette endpoint class, a NestJS gateway, or a
/// Socket.IO/`ws` server variable (with its namespace).
#[derive(Clone, Debug, Serialize)]
pub struct SocketEndpoint {
    pub id: String,
    /// `Django Channels`, `Starlette`, `Socket.IO`, `socket.io/ws`, `NestJS gateway`.
    pub library: &'static str,
    /// The class or server variable, with the namespace when one is given (`sio /chat`).
    pub endpoint: String,
    /// The URL path a routing table gives the class (`path("ws/chat/", ChatConsumer.as_asgi())`,
    /// `WebSocketRoute("/ws", Echo)`), when one names it.
    pub path: Option<String>,
    pub file: String,
    /// `required` when a handler checks the user or an authenticating decorator guards one.
    pub auth: Auth,
    pub findings: Counts,
    pub handlers: Vec<SocketHandlerNode>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SocketHandlerNode {
    pub id: String,
    /// `connect`, `receive`, `connection`, a Socket.IO event name…
    pub event: String,
    pub handler: String,
    pub file: String,
    pub line: usize,
    pub models: Vec<String>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    pub clients: Vec<String>,
    pub findings: Counts,
    pub codes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelNode {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub file: String,
    pub line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientCategory {
    Http,
    Database,
    Cache,
    Queue,
}

impl ClientCategory {
    fn of(kind: &str) -> Self {
        let k = kind.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| k.contains(w));
        if has(&["redis", "memcache"]) {
            ClientCategory::Cache
        } else if has(&["kafka", "pika", "amqp", "celery", "sqs", "bull", "nats"]) {
            ClientCategory::Queue
        } else if has(&[
            "requests", "httpx", "aiohttp", "urllib", "axios", "got.", "fetch",
        ]) {
            ClientCategory::Http
        } else {
            ClientCategory::Database
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClientNode {
    pub id: String,
    /// The qualified constructor (`httpx.AsyncClient`, `pg.Pool`).
    pub kind: String,
    pub category: ClientCategory,
    pub var: Option<String>,
    /// The function that creates it, if not created at module level.
    pub function: Option<String>,
    pub file: String,
    pub line: usize,
    /// `false` when the client is created without a timeout (a PERF204 finding on its
    /// creation); `None` when nothing says (database and cache clients, or none is needed).
    pub timeout: Option<bool>,
    pub findings: Counts,
}

impl Map {
    /// Shows file paths relative to `root` (index keys are absolute in the language server).
    pub fn relative_to(&mut self, root: &str) {
        let root = root.trim_end_matches(['/', '\\']);
        let rel = |f: &mut String| {
            if let Some(rest) = f.strip_prefix(root) {
                if let Some(rest) = rest.strip_prefix(['/', '\\']) {
                    *f = rest.replace('\\', "/");
                }
            }
        };
        for app in &mut self.apps {
            rel(&mut app.file);
        }
        let groups = self
            .apps
            .iter_mut()
            .flat_map(|a| &mut a.groups)
            .chain(&mut self.unmounted);
        for g in groups {
            rel(&mut g.file);
            for r in &mut g.routes {
                rel(&mut r.file);
            }
        }
        for m in &mut self.models {
            rel(&mut m.file);
        }
        for c in &mut self.clients {
            rel(&mut c.file);
        }
        for g in &mut self.graphql {
            g.files.iter_mut().for_each(&rel);
            for r in &mut g.resolvers {
                rel(&mut r.file);
            }
        }
        for e in &mut self.sockets {
            rel(&mut e.file);
            for h in &mut e.handlers {
                rel(&mut h.file);
            }
        }
    }

    /// Every node that stands for a handler (routes, resolvers, socket handlers) with the
    /// models, reads, writes and clients it points at.
    pub fn handlers(&self) -> impl Iterator<Item = HandlerRef<'_>> {
        let routes = self
            .apps
            .iter()
            .flat_map(|a| &a.groups)
            .chain(&self.unmounted)
            .flat_map(|g| {
                g.routes.iter().map(move |r| HandlerRef {
                    id: &r.id,
                    container: &g.id,
                    models: &r.models,
                    reads: &r.reads,
                    writes: &r.writes,
                    clients: &r.clients,
                })
            });
        let resolvers = self.graphql.iter().flat_map(|g| {
            g.resolvers.iter().map(move |r| HandlerRef {
                id: &r.id,
                container: &g.id,
                models: &r.models,
                reads: &r.reads,
                writes: &r.writes,
                clients: &r.clients,
            })
        });
        let sockets = self.sockets.iter().flat_map(|e| {
            e.handlers.iter().map(move |h| HandlerRef {
                id: &h.id,
                container: &e.id,
                models: &h.models,
                reads: &h.reads,
                writes: &h.writes,
                clients: &h.clients,
            })
        });
        routes.chain(resolvers).chain(sockets)
    }
}

/// A handler node and what it points at (see `Map::handlers`).
pub struct HandlerRef<'m> {
    pub id: &'m str,
    /// The resource, schema or endpoint that holds it (what a collapsed map draws).
    pub container: &'m str,
    pub models: &'m [String],
    pub reads: &'m [String],
    pub writes: &'m [String],
    pub clients: &'m [String],
}

/// Ids made of what they name: `[A-Za-z0-9_]`, unique within a map.
#[derive(Default)]
struct Ids(BTreeSet<String>);

impl Ids {
    fn make(&mut self, prefix: &str, parts: &[&str]) -> String {
        let mut id = String::from(prefix);
        for p in parts {
            id.push('_');
            let mut last_us = true;
            for c in p.chars() {
                if c.is_ascii_alphanumeric() {
                    id.push(c.to_ascii_lowercase());
                    last_us = false;
                } else if !last_us {
                    id.push('_');
                    last_us = true;
                }
            }
            while id.ends_with('_') {
                id.pop();
            }
        }
        let mut unique = id.clone();
        let mut n = 2;
        while self.0.contains(&unique) {
            unique = format!("{id}_{n}");
            n += 1;
        }
        self.0.insert(unique.clone());
        unique
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// `/a/b/{id}` and `/a/b` → `/a/b`, segment-wise.
fn common_prefix(paths: &[&str]) -> String {
    let mut it = paths.iter();
    let Some(first) = it.next() else {
        return "/".to_owned();
    };
    let mut common: Vec<&str> = first.split('/').filter(|s| !s.is_empty()).collect();
    for p in it {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        let n = common.iter().zip(&segs).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    // A placeholder is not a resource name.
    while common
        .last()
        .is_some_and(|s| s.contains(['{', '<', ':', '(']))
    {
        common.pop();
    }
    format!("/{}", common.join("/"))
}

/// Whether a route (or a file, or a name) is what `--focus` asked for.
fn focus_matches(
    focus: &str,
    methods: &[String],
    path: &str,
    files: &[&str],
    names: &[&str],
) -> bool {
    let focus = focus.trim();
    let (method, target) = match focus.split_once(' ') {
        Some((m, rest)) if m.chars().all(|c| c.is_ascii_alphabetic()) => {
            (Some(m.to_ascii_uppercase()), rest.trim())
        }
        _ => (None, focus),
    };
    if let Some(m) = &method {
        if !methods.iter().any(|x| x == m || x == "ANY") {
            return false;
        }
    }
    if target.starts_with('/') {
        let t = target.trim_end_matches('/');
        return t.is_empty()
            || path == t
            || path
                .strip_prefix(t)
                .is_some_and(|rest| rest.starts_with('/'));
    }
    let t = target.replace('\\', "/");
    let t = t.trim_start_matches("./");
    files
        .iter()
        .any(|f| *f == t || f.ends_with(&format!("/{t}")) || f.starts_with(&format!("{t}/")))
        || names.contains(&t)
}

type GroupKey = (Option<Loc>, String);

/// A WebSocket endpoint: (library, endpoint, file).
type EndpointKey = (&'static str, String, String);

fn make_group(
    ids: &mut Ids,
    meta: &HashMap<GroupKey, (Option<String>, String)>,
    key: &GroupKey,
    mut routes: Vec<RouteNode>,
    app_id: &str,
) -> Group {
    routes
        .sort_by(|a, b| (&a.path, &a.methods, &a.handler).cmp(&(&b.path, &b.methods, &b.handler)));
    let paths: Vec<&str> = routes.iter().map(|r| r.path.as_str()).collect();
    let prefix = common_prefix(&paths);
    let (router, file) = meta.get(key).cloned().unwrap_or_default();
    let mut findings = Counts::default();
    for r in &routes {
        findings.merge(&r.findings);
    }
    Group {
        id: ids.make(
            "group",
            &[app_id, &prefix, router.as_deref().unwrap_or("app")],
        ),
        routes_without_auth: routes.iter().filter(|r| r.auth == Auth::None).count(),
        prefix,
        router,
        file,
        findings,
        routes,
    }
}

/// Routes on no router (on the application itself, or in one Django URLconf) by resource: the
/// first path segment after the prefix they share that is not a placeholder. A router's routes
/// stay together: the router is the grouping its authors chose.
fn by_resource(
    key: &GroupKey,
    routes: Vec<RouteNode>,
    meta: &HashMap<GroupKey, (Option<String>, String)>,
) -> Vec<Vec<RouteNode>> {
    if meta.get(key).is_some_and(|(router, _)| router.is_some()) || routes.len() < 2 {
        return vec![routes];
    }
    let prefix = common_prefix(&routes.iter().map(|r| r.path.as_str()).collect::<Vec<_>>());
    let depth = prefix.split('/').filter(|s| !s.is_empty()).count();
    let mut parts: BTreeMap<String, Vec<RouteNode>> = BTreeMap::new();
    for r in routes {
        let resource = r
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .nth(depth)
            .filter(|s| !s.contains(['{', '<', ':', '(']))
            .unwrap_or("")
            .to_owned();
        parts.entry(resource).or_default().push(r);
    }
    // A route at the prefix itself (or one placeholder below it) makes the prefix a resource
    // (`/health` and `/health/db`); otherwise it is a namespace (`/api`) over resources.
    if parts.contains_key("") {
        return vec![parts.into_values().flatten().collect()];
    }
    parts.into_values().collect()
}

/// The findings of a file inside a byte range: counts, rule codes, and PERF204 (calls without
/// a timeout).
fn findings_in(
    findings: &HashMap<&str, &FileFindings>,
    key: &str,
    range: &std::ops::Range<usize>,
) -> (Counts, Vec<String>, usize) {
    findings_inside(findings, key, range, &[])
}

/// `findings_in`, leaving out the findings of handlers nested inside this one (a socket.io
/// `connection` handler holds its sockets' event handlers).
fn findings_inside(
    findings: &HashMap<&str, &FileFindings>,
    key: &str,
    range: &std::ops::Range<usize>,
    nested: &[std::ops::Range<usize>],
) -> (Counts, Vec<String>, usize) {
    let inside = |r: &std::ops::Range<usize>, o: &std::ops::Range<usize>| {
        r.start >= o.start && r.end <= o.end.max(o.start + 1)
    };
    let nested: Vec<&std::ops::Range<usize>> = nested
        .iter()
        .filter(|n| *n != range && inside(n, range))
        .collect();
    let mut counts = Counts::default();
    let mut codes = BTreeSet::new();
    let mut no_timeout = 0;
    for f in findings.get(key).map_or(&[][..], |f| &f.findings) {
        if inside(&f.range, range) && !nested.iter().any(|n| inside(&f.range, n)) {
            counts.add(f.severity);
            codes.insert(f.rule.code.to_owned());
            no_timeout += usize::from(f.rule.code == "PERF204");
        }
    }
    (counts, codes.into_iter().collect(), no_timeout)
}

/// The auth of a resolver or socket handler (`ba_app::handler_auth`), as the map labels it.
fn auth_of(text: &str, full: &std::ops::Range<usize>, name_at: usize, python: bool) -> Auth {
    match ba_app::handler_auth::handler_auth(text, full, name_at, python) {
        ba_app::facts::HandlerAuth::Required => Auth::Required,
        ba_app::facts::HandlerAuth::Public => Auth::Public,
        ba_app::facts::HandlerAuth::None => Auth::None,
    }
}

/// Whether code that serves something names a GraphQL server.
fn names_graphql(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "graphql",
        "expressmiddleware",
        "yoga",
        "mercurius",
        "apollo",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// The paths where the workspace serves GraphQL (see `GraphqlSchema::paths`).
fn served_graphql<'t>(
    runtime: &[&std::sync::Arc<ba_app::FileEntry>],
    resolved: &ba_app::Resolved,
    text_for: &impl Fn(&str) -> &'t str,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let slash = |p: &str| {
        if p.starts_with('/') {
            p.to_owned()
        } else {
            format!("/{p}")
        }
    };
    for entry in runtime {
        for m in &entry.facts.mounts {
            if let Some(prefix) = &m.prefix {
                if m.children.iter().any(|c| names_graphql(c)) {
                    out.insert(slash(prefix));
                }
            }
        }
        for u in &entry.facts.urls {
            if let ba_app::facts::UrlTarget::View(v) = &u.target {
                // The view as written: `csrf_exempt(GraphQLView.as_view())` is recorded as its
                // decorator.
                let written = text_for(&entry.key).get(u.span.0.clone()).unwrap_or("");
                if names_graphql(v) || names_graphql(written) {
                    out.insert(slash(
                        u.pattern.trim_start_matches('^').trim_end_matches('$'),
                    ));
                }
            }
        }
    }
    for r in &resolved.routes {
        if r.class == FileClass::Runtime
            && (r.path.to_ascii_lowercase().contains("graphql") || names_graphql(&r.handler_name))
        {
            out.insert(r.path.clone());
        }
    }
    out
}

/// `Query`, `Mutation`, `Subscription`, then object types.
fn type_rank(parent: &str) -> u8 {
    match parent {
        "Query" => 0,
        "Mutation" => 1,
        "Subscription" => 2,
        _ => 3,
    }
}

/// Whether a file may route WebSocket endpoint classes (Channels' `URLRouter`, Starlette's
/// `WebSocketRoute`): it imports from `channels` or `starlette`.
fn routes_sockets(entry: &ba_app::FileEntry) -> bool {
    entry.facts.imports.iter().any(|i| {
        let t = i.target.trim_start_matches('.');
        t.starts_with("channels") || t.starts_with("starlette")
    })
}

/// The path a routing table gives an endpoint class: `path("ws/chat/", ChatConsumer.as_asgi())`,
/// `re_path(r"ws/(?P<room>\w+)/$", consumers.ChatConsumer.as_asgi())`,
/// `WebSocketRoute("/ws", Echo)`: a string argument followed by the class name.
fn socket_path<'t>(
    runtime: &[&std::sync::Arc<ba_app::FileEntry>],
    text_for: &impl Fn(&str) -> &'t str,
    class: &str,
    file: &str,
) -> Option<String> {
    use crate::access::{tokens, Tok};
    if class.is_empty() || !class.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    for entry in runtime {
        if !(routes_sockets(entry) || *entry.key == *file)
            || entry.language.family() != ba_syntax::Family::Python
        {
            continue;
        }
        let toks = tokens(text_for(&entry.key), true);
        for (i, t) in toks.iter().enumerate() {
            let Tok::Str(path) = t else {
                continue;
            };
            if toks.get(i + 1) != Some(&Tok::Punct(b',')) {
                continue;
            }
            // `mod.sub.Class` after the comma.
            let mut j = i + 2;
            let mut last = None;
            while let Some(Tok::Ident(name)) = toks.get(j) {
                last = Some(*name);
                if toks.get(j + 1) == Some(&Tok::Punct(b'.')) && *name != class {
                    j += 2;
                } else {
                    break;
                }
            }
            if last == Some(class) {
                let p = path.trim_start_matches('^').trim_end_matches('$');
                return Some(if p.starts_with('/') {
                    p.to_owned()
                } else {
                    format!("/{p}")
                });
            }
        }
    }
    None
}

struct HandlerUse {
    models: Vec<String>,
    reads: Vec<String>,
    writes: Vec<String>,
    clients: Vec<String>,
}

/// Builds the map. `index` holds the files of the run, keyed by the paths the findings use.
pub fn build(index: &mut WorkspaceIndex, files: &[FileFindings], options: &MapOptions) -> Map {
    let resolved = index.resolved();
    let mut ids = Ids::default();
    let mut summary = Summary::default();
    let findings: HashMap<&str, &FileFindings> =
        files.iter().map(|f| (f.path.as_str(), f)).collect();
    for f in files {
        for x in &f.findings {
            summary.findings.add(x.severity);
        }
    }
    // The texts things are positioned in: the run's, else read from disk once (the language
    // server has the open documents' only), for the files the map shows something of.
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    for entry in index.files() {
        if entry.facts.class == FileClass::Runtime
            && (!entry.facts.models.is_empty()
                || !entry.facts.clients.is_empty()
                || !entry.facts.resolvers.is_empty()
                || !entry.facts.sockets.is_empty()
                || routes_sockets(entry))
        {
            wanted.insert(&entry.key);
        }
    }
    wanted.extend(resolved.apps.iter().map(|a| &*a.at.0));
    wanted.extend(resolved.routes.iter().map(|r| &*r.handler.0));
    let disk: HashMap<&str, String> = wanted
        .into_iter()
        .filter(|k| !findings.contains_key(k))
        .filter_map(|k| Some((k, std::fs::read_to_string(k).ok()?)))
        .collect();
    let text_for = |key: &str| -> &str {
        findings
            .get(key)
            .map(|f| f.text.as_str())
            .or_else(|| disk.get(key).map(String::as_str))
            .unwrap_or("")
    };

    // Models and clients, sorted, with ids from their names.
    let mut model_rows: Vec<(String, &'static str, String, usize)> = Vec::new();
    let mut client_rows: Vec<(String, usize, ba_app::facts::Client, std::ops::Range<usize>)> =
        Vec::new();
    for entry in index.files() {
        if entry.facts.class != FileClass::Runtime {
            continue;
        }
        let key = entry.key.to_string();
        let text = text_for(&key);
        for m in &entry.facts.models {
            model_rows.push((
                m.name.clone(),
                m.kind.name(),
                key.clone(),
                line_of(text, m.span.0.start),
            ));
        }
        for c in &entry.facts.clients {
            client_rows.push((
                key.clone(),
                line_of(text, c.span.0.start),
                c.clone(),
                c.span.0.clone(),
            ));
        }
    }
    model_rows.sort();
    model_rows.dedup();
    client_rows.sort_by(|a, b| (&a.0, a.1, &a.2.kind).cmp(&(&b.0, b.1, &b.2.kind)));
    let mut models: Vec<ModelNode> = model_rows
        .into_iter()
        .map(|(name, kind, file, line)| ModelNode {
            id: ids.make("model", &[&name]),
            name,
            kind,
            file,
            line,
        })
        .collect();
    let mut clients: Vec<ClientNode> = client_rows
        .iter()
        .map(|(file, line, c, span)| {
            let mut counts = Counts::default();
            let mut no_timeout = false;
            for f in findings.get(file.as_str()).map_or(&[][..], |f| &f.findings) {
                if f.range.start >= span.start && f.range.end <= span.end {
                    counts.add(f.severity);
                    no_timeout |= f.rule.code == "PERF204";
                }
            }
            let category = ClientCategory::of(&c.kind);
            let stem = file.rsplit('/').next().unwrap_or(file);
            ClientNode {
                id: ids.make("client", &[stem, c.var.as_deref().unwrap_or(&c.kind)]),
                kind: c.kind.clone(),
                category,
                var: c.var.clone(),
                function: c.function.clone(),
                file: file.clone(),
                line: *line,
                timeout: (category == ClientCategory::Http)
                    .then_some(!no_timeout)
                    .filter(|t| !t),
                findings: counts,
            }
        })
        .collect();
    // Model names → ids (a name defined twice, say a SQLAlchemy model and its Pydantic schema
    // of the same name, is one node per definition; a handler mentioning it uses both).
    let mut model_by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    // ORM models (not Pydantic schemas) by name: what a handler can read or write.
    let mut orm_by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for m in &models {
        model_by_name.entry(&m.name).or_default().push(m.id.clone());
        if m.kind != ModelKind::Pydantic.name() {
            orm_by_name.entry(&m.name).or_default().push(m.id.clone());
        }
    }
    let orm_names: BTreeSet<&str> = orm_by_name.keys().copied().collect();

    // What a handler uses: the models it names, the clients it creates, the module-level
    // clients of its own file it names, and clients it imports by name.
    let uses =
        |key: &str, text: &str, range: std::ops::Range<usize>, handler: &str| -> HandlerUse {
            let python = key.ends_with(".py") || key.ends_with(".pyi");
            let body = text.get(range).unwrap_or("");
            let names = identifiers(body, python);
            let mut used_models: Vec<String> = names
                .iter()
                .filter_map(|n| model_by_name.get(n))
                .flatten()
                .cloned()
                .collect();
            used_models.sort();
            used_models.dedup();
            let (read, written) = access(body, python, &orm_names);
            let ids = |names: BTreeSet<&str>| -> Vec<String> {
                let mut v: Vec<String> = names
                    .into_iter()
                    .filter_map(|n| orm_by_name.get(n))
                    .flatten()
                    .cloned()
                    .collect();
                v.sort();
                v
            };
            let entry = index.file(key);
            let imports: Vec<(&str, &str)> = entry
                .map(|e| {
                    e.facts
                        .imports
                        .iter()
                        .map(|i| (i.local.as_str(), i.target.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            let mut used_clients: Vec<String> = clients
                .iter()
                .filter(|c| {
                    // What the handler must name: the client's variable (module level) or the
                    // function that creates it.
                    let name = match (&c.function, &c.var) {
                        (Some(f), _) => f.as_str(),
                        (None, Some(v)) => v.as_str(),
                        (None, None) => return false,
                    };
                    if c.file == key {
                        return c.function.as_deref() == Some(handler) || names.contains(name);
                    }
                    // Imported by name from the client's module.
                    let module = c
                        .file
                        .rsplit('/')
                        .next()
                        .unwrap_or(&c.file)
                        .split('.')
                        .next()
                        .unwrap_or("");
                    imports.iter().any(|(local, target)| {
                        names.contains(local)
                            && (target.ends_with(&format!("{module}.{name}"))
                                || target.ends_with(&format!("{module}#{name}")))
                    })
                })
                .map(|c| c.id.clone())
                .collect();
            used_clients.sort();
            HandlerUse {
                models: used_models,
                reads: ids(read),
                writes: ids(written),
                clients: used_clients,
            }
        };

    // Apps: runtime application roots, sorted by file.
    let mut app_roots: Vec<(String, usize, &'static str, Option<Loc>)> = Vec::new();
    for a in &resolved.apps {
        if a.class != FileClass::Runtime {
            continue;
        }
        let key = a.at.0.to_string();
        let text = text_for(&key);
        let start = index
            .file(&key)
            .and_then(|f| f.range(a.at.1))
            .map_or(0, |r| r.start);
        app_roots.push((
            key,
            line_of(text, start),
            a.framework.name(),
            Some(a.at.clone()),
        ));
    }
    app_roots.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    app_roots.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);

    // Routes by (app, group).
    let mut grouped: BTreeMap<GroupKey, Vec<RouteNode>> = BTreeMap::new();
    let mut group_meta: HashMap<GroupKey, (Option<String>, String)> = HashMap::new();
    let mut seen: BTreeSet<(Option<Loc>, Vec<String>, String, String)> = BTreeSet::new();
    for r in &resolved.routes {
        if r.class != FileClass::Runtime {
            continue;
        }
        if !seen.insert((
            r.app.clone(),
            r.methods.clone(),
            r.path.clone(),
            r.handler_name.clone(),
        )) {
            continue;
        }
        let key = r.handler.0.to_string();
        let Some(entry) = index.file(&key) else {
            continue;
        };
        let text = text_for(&key);
        let full = match r.handler.1 {
            Anchor::Route(i) => entry.facts.routes.get(i).map(|x| {
                // The decorator and the definition, or the registering call and its function.
                let a = x.span.0.start.min(x.handler_full.0.start);
                let b = x.span.0.end.max(x.handler_full.0.end);
                a..b
            }),
            Anchor::View(i) => entry.facts.views.get(i).map(|v| v.full.0.clone()),
            other => entry.range(other),
        }
        .unwrap_or(0..0);
        let name_at = entry
            .handler_range(r.handler.1)
            .map_or(full.start, |x| x.start);
        let registration_file = r.registration.0.to_string();
        let focus_names = [r.handler_name.as_str()];
        if let Some(f) = &options.focus {
            if !focus_matches(
                f,
                &r.methods,
                &r.path,
                &[key.as_str(), registration_file.as_str()],
                &focus_names,
            ) {
                continue;
            }
        }
        let (counts, codes, calls_without_timeout) = findings_in(&findings, &key, &full);
        let mut used = uses(&key, text, full.clone(), &r.handler_name);
        // A Django or REST framework generic view (a class with a `queryset` or
        // `get_queryset`) creates, updates and deletes its queryset's model on the unsafe
        // methods (through its serializer or form).
        if matches!(r.handler.1, Anchor::View(_))
            && r.methods
                .iter()
                .any(|m| !matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"))
            && crate::access::has_queryset(text.get(full.clone()).unwrap_or(""))
        {
            used.writes.extend(used.reads.iter().cloned());
            used.writes.sort();
            used.writes.dedup();
        }
        let auth = if r.auth {
            Auth::Required
        } else if r.public {
            Auth::Public
        } else {
            Auth::None
        };
        let (router, group_file) = match r.group.split_once('#') {
            Some((file, rest)) if !rest.contains('|') => (Some(rest.to_owned()), file.to_owned()),
            Some((file, _)) => (None, file.to_owned()),
            None => (None, registration_file.clone()),
        };
        let gk = (r.app.clone(), r.group.clone());
        group_meta.entry(gk.clone()).or_insert((router, group_file));
        let methods = r.methods.clone();
        let named = r.handler_name != ANONYMOUS;
        let id = ids.make(
            "route",
            &[
                &methods.join("_"),
                &r.path,
                if named { &r.handler_name } else { "" },
            ],
        );
        grouped.entry(gk).or_default().push(RouteNode {
            id,
            methods,
            path: r.path.clone(),
            handler: r.handler_name.clone(),
            file: key.clone(),
            line: line_of(text, name_at),
            auth,
            guards: r.chain.clone(),
            models: used.models,
            reads: used.reads,
            writes: used.writes,
            clients: used.clients,
            calls_without_timeout,
            findings: counts,
            codes,
        });
    }

    let mut apps = Vec::new();
    let mut unmounted = Vec::new();
    let mut by_app: BTreeMap<Option<Loc>, Vec<(GroupKey, Vec<RouteNode>)>> = BTreeMap::new();
    for (k, routes) in grouped {
        by_app.entry(k.0.clone()).or_default().push((k, routes));
    }
    for (file, line, framework, at) in &app_roots {
        let shown = options
            .root
            .as_deref()
            .and_then(|r| file.strip_prefix(r.trim_end_matches(['/', '\\'])))
            .map_or(file.as_str(), |f| f.trim_start_matches(['/', '\\']));
        let app_id = ids.make("app", &[shown]);
        let mut groups: Vec<Group> = by_app
            .remove(at)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(k, routes)| {
                by_resource(&k, routes, &group_meta)
                    .into_iter()
                    .map(move |part| (k.clone(), part))
            })
            .map(|(k, routes)| make_group(&mut ids, &group_meta, &k, routes, &app_id))
            .collect();
        groups
            .sort_by(|a, b| (&a.prefix, &a.file, &a.router).cmp(&(&b.prefix, &b.file, &b.router)));
        if options.focus.is_some() && groups.is_empty() {
            continue;
        }
        let mut findings = Counts::default();
        for g in &groups {
            findings.merge(&g.findings);
        }
        apps.push(App {
            id: app_id,
            framework,
            file: file.clone(),
            line: *line,
            findings,
            groups,
        });
    }
    // Routes of apps that are not runtime code (an app a test builds), and routers nothing
    // mounts.
    if let Some(groups) = by_app.remove(&None) {
        for (k, routes) in groups {
            unmounted.push(make_group(&mut ids, &group_meta, &k, routes, "unmounted"));
        }
    }
    unmounted.sort_by(|a, b| (&a.prefix, &a.file, &a.router).cmp(&(&b.prefix, &b.file, &b.router)));

    // GraphQL: one schema per library, its resolvers sorted by type and field.
    let mut schemas: BTreeMap<&'static str, Vec<ResolverNode>> = BTreeMap::new();
    // WebSocket endpoints by (library, endpoint, file).
    let mut endpoints: BTreeMap<EndpointKey, Vec<(SocketHandlerNode, Auth)>> = BTreeMap::new();
    let mut runtime: Vec<&std::sync::Arc<ba_app::FileEntry>> = index
        .files()
        .filter(|e| e.facts.class == FileClass::Runtime)
        .collect();
    runtime.sort_by(|a, b| a.key.cmp(&b.key));
    for entry in &runtime {
        let key = entry.key.to_string();
        let text = text_for(&key);
        let python = entry.language.family() == ba_syntax::Family::Python;
        for r in &entry.facts.resolvers {
            let names = [r.function.as_str(), r.field.as_str()];
            if let Some(f) = &options.focus {
                if !focus_matches(f, &[], "", &[key.as_str()], &names) {
                    continue;
                }
            }
            let full = r.full.0.clone();
            let (findings, codes, _) = findings_in(&findings, &key, &full);
            let used = uses(&key, text, full.clone(), &r.function);
            schemas
                .entry(r.library.name())
                .or_default()
                .push(ResolverNode {
                    id: String::new(),
                    parent: r.parent.clone(),
                    field: r.field.clone(),
                    function: r.function.clone(),
                    file: key.clone(),
                    line: line_of(text, r.span.0.start),
                    auth: auth_of(text, &full, r.span.0.start, python),
                    models: used.models,
                    reads: used.reads,
                    writes: used.writes,
                    clients: used.clients,
                    findings,
                    codes,
                });
        }
        let socket_ranges: Vec<std::ops::Range<usize>> = entry
            .facts
            .sockets
            .iter()
            .map(|h| h.full.0.clone())
            .collect();
        for h in &entry.facts.sockets {
            let names = [h.handler.as_str(), h.endpoint.as_str()];
            if let Some(f) = &options.focus {
                if !focus_matches(f, &[], "", &[key.as_str()], &names) {
                    continue;
                }
            }
            let full = h.full.0.clone();
            let (findings, codes, _) = findings_inside(&findings, &key, &full, &socket_ranges);
            let used = uses(&key, text, full.clone(), &h.handler);
            endpoints
                .entry((h.library.name(), h.endpoint.clone(), key.clone()))
                .or_default()
                .push((
                    SocketHandlerNode {
                        id: String::new(),
                        event: h.event.clone(),
                        handler: h.handler.clone(),
                        file: key.clone(),
                        line: line_of(text, h.span.0.start),
                        models: used.models,
                        reads: used.reads,
                        writes: used.writes,
                        clients: used.clients,
                        findings,
                        codes,
                    },
                    auth_of(text, &full, h.span.0.start, python),
                ));
        }
    }
    let graphql_paths = served_graphql(&runtime, &resolved, &text_for);
    let graphql: Vec<GraphqlSchema> = schemas
        .into_iter()
        .map(|(library, mut resolvers)| {
            resolvers.sort_by(|a, b| {
                (type_rank(&a.parent), &a.parent, &a.field, &a.file, a.line).cmp(&(
                    type_rank(&b.parent),
                    &b.parent,
                    &b.field,
                    &b.file,
                    b.line,
                ))
            });
            let id = ids.make("graphql", &[library]);
            let mut counts = Counts::default();
            for r in &mut resolvers {
                r.id = ids.make("resolver", &[library, &r.parent, &r.field]);
                counts.merge(&r.findings);
            }
            let files: BTreeSet<String> = resolvers.iter().map(|r| r.file.clone()).collect();
            GraphqlSchema {
                id,
                library,
                files: files.into_iter().collect(),
                paths: graphql_paths.iter().cloned().collect(),
                findings: counts,
                resolvers_without_auth: resolvers.iter().filter(|r| r.auth == Auth::None).count(),
                resolvers,
            }
        })
        .collect();
    let sockets: Vec<SocketEndpoint> = endpoints
        .into_iter()
        .map(|((library, endpoint, file), mut handlers)| {
            handlers.sort_by(|a, b| (a.0.line, &a.0.event).cmp(&(b.0.line, &b.0.event)));
            let auth = handlers.iter().map(|(_, a)| *a).min().unwrap_or(Auth::None);
            let stem = file.rsplit('/').next().unwrap_or(&file);
            let id = ids.make("socket", &[stem, &endpoint]);
            let mut counts = Counts::default();
            let handlers: Vec<SocketHandlerNode> = handlers
                .into_iter()
                .map(|(mut h, _)| {
                    h.id = ids.make(&id, &[&h.event]);
                    counts.merge(&h.findings);
                    h
                })
                .collect();
            let class = endpoint.split(' ').next().unwrap_or(&endpoint);
            let path = socket_path(&runtime, &text_for, class, &file);
            SocketEndpoint {
                id,
                library,
                path,
                endpoint,
                file,
                auth,
                findings: counts,
                handlers,
            }
        })
        .collect();

    let all_routes = || {
        apps.iter()
            .flat_map(|a| &a.groups)
            .chain(&unmounted)
            .flat_map(|g| &g.routes)
    };
    if options.focus.is_some() {
        let mut used_models: BTreeSet<String> = BTreeSet::new();
        let mut used_clients: BTreeSet<String> = BTreeSet::new();
        let handlers = all_routes()
            .map(|r| (&r.models, &r.clients))
            .chain(
                graphql
                    .iter()
                    .flat_map(|g| &g.resolvers)
                    .map(|r| (&r.models, &r.clients)),
            )
            .chain(
                sockets
                    .iter()
                    .flat_map(|e| &e.handlers)
                    .map(|h| (&h.models, &h.clients)),
            );
        for (m, c) in handlers {
            used_models.extend(m.iter().cloned());
            used_clients.extend(c.iter().cloned());
        }
        models.retain(|m| used_models.contains(&m.id));
        clients.retain(|c| used_clients.contains(&c.id));
    }
    summary.apps = apps.len();
    summary.routes = all_routes().count();
    summary.routes_without_auth = all_routes().filter(|r| r.auth == Auth::None).count();
    summary.resolvers = graphql.iter().map(|g| g.resolvers.len()).sum();
    summary.socket_handlers = sockets.iter().map(|e| e.handlers.len()).sum();
    summary.models = models.len();
    summary.clients = clients.len();
    let mut map = Map {
        schema: SCHEMA,
        collapsed: !options.expand
            && summary.routes + summary.resolvers + summary.socket_handlers
                > options.collapse_over.max(1),
        focus: options.focus.clone(),
        summary,
        apps,
        unmounted,
        graphql,
        sockets,
        models,
        clients,
    };
    if let Some(root) = &options.root {
        map.relative_to(root);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_guards_cover_their_methods() {
        let ts = "@Resolver(() => Order)\n@UseGuards(GqlAuthGuard)\nexport class OrdersResolver {\n  @Query(() => [Order])\n  findAll() {}\n}\n";
        let at = ts.find("@Query").unwrap();
        let name = ts.find("findAll").unwrap();
        let end = ts.find("{}").unwrap() + 2;
        assert_eq!(auth_of(ts, &(at..end), name, false), Auth::Required);
        let open = ts.replace("@UseGuards(GqlAuthGuard)\n", "");
        let at = open.find("@Query").unwrap();
        let name = open.find("findAll").unwrap();
        let end = open.find("{}").unwrap() + 2;
        assert_eq!(auth_of(&open, &(at..end), name, false), Auth::None);
        // Python: the keyword alone is not a permission.
        let py = "@strawberry.field(permission_classes=[])\ndef me(self) -> str:\n    return 'x'\n";
        assert_eq!(
            auth_of(py, &(0..py.len()), py.find("me").unwrap(), true),
            Auth::None
        );
        let py = py.replace("[]", "[IsAuthenticated]");
        assert_eq!(
            auth_of(&py, &(0..py.len()), py.find("me(").unwrap(), true),
            Auth::Required
        );
    }

    #[test]
    fn prefixes_stop_before_placeholders() {
        assert_eq!(common_prefix(&["/users", "/users/{id}"]), "/users");
        assert_eq!(common_prefix(&["/a/{id}/x", "/a/{id}/y"]), "/a");
        assert_eq!(common_prefix(&["/x", "/y"]), "/");
        assert_eq!(common_prefix(&["/items/:id"]), "/items");
    }

    #[test]
    fn focus_by_path_method_file_and_name() {
        let get = vec!["GET".to_owned()];
        assert!(focus_matches("/users", &get, "/users/{id}", &[], &[]));
        assert!(!focus_matches("/user", &get, "/users/{id}", &[], &[]));
        assert!(focus_matches("GET /users", &get, "/users", &[], &[]));
        assert!(!focus_matches("POST /users", &get, "/users", &[], &[]));
        assert!(focus_matches(
            "routers/users.py",
            &get,
            "/u",
            &["shop/routers/users.py"],
            &[]
        ));
        assert!(focus_matches(
            "shop/routers",
            &get,
            "/u",
            &["shop/routers/users.py"],
            &[]
        ));
        assert!(!focus_matches(
            "users",
            &get,
            "/u",
            &["shop/routers/users.py"],
            &[]
        ));
        assert!(focus_matches("get_user", &get, "/u", &[], &["get_user"]));
    }

    #[test]
    fn ids_are_readable_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(
            ids.make("route", &["GET", "/users/{id}"]),
            "route_get_users_id"
        );
        assert_eq!(
            ids.make("route", &["GET", "/users/<id>"]),
            "route_get_users_id_2"
        );
    }
}
