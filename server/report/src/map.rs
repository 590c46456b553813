//! The architecture map: applications, the routers mounted on them (grouped by resource), each
//! route with its handler, the auth that guards it (or its absence), the models and outbound
//! clients its handler uses, and the findings that concern each node.
//!
//! Built from the workspace index (`ba_app`) and the findings of a run; every list is sorted
//! and every id derived from what it names (not from a counter over the whole run), so a map
//! diffs well in a pull request. `render` turns it into Mermaid, DOT or JSON.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use ba_app::{Anchor, FileClass, Loc, WorkspaceIndex};
use ba_rules::{Finding, Severity};

/// The version of the JSON shape (`docs/map.md` documents it). Changes that remove or rename a
/// field bump it.
pub const SCHEMA: &str = "backend-architect/map/v1";

/// Above this many routes the graph formats draw each resource as one node (`--expand` draws
/// every route anyway; `--focus` narrows the map first).
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
    /// Whether the graph formats draw resources as single nodes (too many routes to draw).
    pub collapsed: bool,
    pub apps: Vec<App>,
    /// Routers that nothing mounts (their own prefix only).
    pub unmounted: Vec<Group>,
    pub models: Vec<ModelNode>,
    pub clients: Vec<ClientNode>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub apps: usize,
    pub routes: usize,
    pub routes_without_auth: usize,
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
    /// Ids of the clients the handler uses.
    pub clients: Vec<String>,
    /// Outbound HTTP calls in the handler without a timeout (PERF204).
    pub calls_without_timeout: usize,
    pub findings: Counts,
    /// The rule codes of its findings, sorted.
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
    }
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

/// Identifiers in code, skipping comments and string literals (good enough to see which model
/// and client names a handler mentions; nothing here evaluates code).
fn identifiers(code: &str, python: bool) -> BTreeSet<&str> {
    let b = code.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if (python && c == b'#') || (!python && c == b'/' && b.get(i + 1) == Some(&b'/')) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if !python && c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'"' || c == b'\'' || (!python && c == b'`') {
            let triple = python && b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
            if triple {
                i += 3;
                while i + 2 < b.len() && !(b[i] == c && b[i + 1] == c && b[i + 2] == c) {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 3;
            } else {
                i += 1;
                while i < b.len() && b[i] != c && !(b[i] == b'\n' && c != b'`') {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            out.insert(&code[start..i]);
        } else {
            i += 1;
        }
    }
    out
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

struct HandlerUse {
    models: Vec<String>,
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
            && (!entry.facts.models.is_empty() || !entry.facts.clients.is_empty())
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
    for m in &models {
        model_by_name.entry(&m.name).or_default().push(m.id.clone());
    }

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
        let mut counts = Counts::default();
        let mut codes = BTreeSet::new();
        let mut calls_without_timeout = 0;
        for f in findings.get(key.as_str()).map_or(&[][..], |f| &f.findings) {
            if f.range.start >= full.start && f.range.end <= full.end.max(full.start + 1) {
                counts.add(f.severity);
                codes.insert(f.rule.code.to_owned());
                calls_without_timeout += usize::from(f.rule.code == "PERF204");
            }
        }
        let used = uses(&key, text, full.clone(), &r.handler_name);
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
            clients: used.clients,
            calls_without_timeout,
            findings: counts,
            codes: codes.into_iter().collect(),
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

    let all_routes = || {
        apps.iter()
            .flat_map(|a| &a.groups)
            .chain(&unmounted)
            .flat_map(|g| &g.routes)
    };
    if options.focus.is_some() {
        let used_models: BTreeSet<&String> = all_routes().flat_map(|r| &r.models).collect();
        let used_clients: BTreeSet<&String> = all_routes().flat_map(|r| &r.clients).collect();
        models.retain(|m| used_models.contains(&m.id));
        clients.retain(|c| used_clients.contains(&c.id));
    }
    summary.apps = apps.len();
    summary.routes = all_routes().count();
    summary.routes_without_auth = all_routes().filter(|r| r.auth == Auth::None).count();
    summary.models = models.len();
    summary.clients = clients.len();
    let mut map = Map {
        schema: SCHEMA,
        collapsed: !options.expand && summary.routes > options.collapse_over.max(1),
        focus: options.focus.clone(),
        summary,
        apps,
        unmounted,
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
    fn identifiers_skip_strings_and_comments() {
        let code = "def f():\n    # User is not here\n    x = \"Order\"\n    return Item.query.get(1)  # Nope\n";
        let ids = identifiers(code, true);
        assert!(ids.contains("Item"));
        assert!(!ids.contains("User"));
        assert!(!ids.contains("Order"));
        assert!(!ids.contains("Nope"));
        let js = "async (req, res) => { /* User */ const o = `Order ${x}`; await Item.find(); }";
        let ids = identifiers(js, false);
        assert!(ids.contains("Item"));
        assert!(!ids.contains("User"));
        assert!(!ids.contains("Order"));
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
