//! The workspace index: every file's facts, and the route table resolved from them.
//!
//! Resolution follows mounts from each application (FastAPI/Flask/Express app objects, Django
//! root URLconfs) through routers in other files (`include_router`, `register_blueprint`,
//! `app.use`, `include()`, DRF routers), joining prefixes and collecting the dependency and
//! middleware chain. Resolved routes point at facts by index, not by byte range: an edit that
//! keeps a file's *shape* (its facts without positions) changes nothing here, and positions are
//! read from the current facts when asked. Only a shape change re-resolves.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::facts::*;
use crate::FileClass;
use ba_syntax::{Family, Language};

/// A file's facts and where the file is.
#[derive(Debug)]
pub struct FileEntry {
    pub key: Arc<str>,
    /// The file system path with `/` separators (for import resolution).
    pub path: String,
    pub language: Language,
    pub facts: FileFacts,
    route_shape: u64,
}

/// A fact of a file that a resolved route or finding points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Anchor {
    Route(usize),
    Url(usize),
    Registration(usize),
    View(usize),
    Owner(usize),
    Mount(usize),
    Urlpatterns,
    /// A module-level Python function (its name).
    Function(usize),
    /// A call in a module-level Python function: (function, call).
    Call(usize, usize),
    /// A DRF list view's `serializer_class` assignment.
    ListView(usize),
    /// A GraphQL resolver (its name).
    Resolver(usize),
    /// A WebSocket handler (its name).
    Socket(usize),
    /// A FastAPI/Starlette WebSocket route's handler (its name).
    WsRoute(usize),
    /// A model class (its name).
    Model(usize),
    /// A model's field: (model, field).
    ModelField(usize, usize),
}

impl FileEntry {
    /// The byte range of an anchor in the current facts.
    pub fn range(&self, anchor: Anchor) -> Option<std::ops::Range<usize>> {
        let f = &self.facts;
        Some(match anchor {
            Anchor::Route(i) => f.routes.get(i)?.span.0.clone(),
            Anchor::Url(i) => f.urls.get(i)?.span.0.clone(),
            Anchor::Registration(i) => f.registrations.get(i)?.span.0.clone(),
            Anchor::View(i) => f.views.get(i)?.span.0.clone(),
            Anchor::Owner(i) => f.owners.get(i)?.span.0.clone(),
            Anchor::Mount(i) => f.mounts.get(i)?.span.0.clone(),
            Anchor::Urlpatterns => f.urlpatterns.as_ref()?.0.clone(),
            Anchor::Function(i) => f.functions.get(i)?.span.0.clone(),
            Anchor::Call(i, j) => f.functions.get(i)?.calls.get(j)?.span.0.clone(),
            Anchor::ListView(i) => f.list_views.get(i)?.span.0.clone(),
            Anchor::Resolver(i) => f.resolvers.get(i)?.span.0.clone(),
            Anchor::Socket(i) => f.sockets.get(i)?.span.0.clone(),
            Anchor::WsRoute(i) => f.ws_routes.get(i)?.span.0.clone(),
            Anchor::Model(i) => f.models.get(i)?.span.0.clone(),
            Anchor::ModelField(i, j) => f.models.get(i)?.fields.get(j)?.span.0.clone(),
        })
    }

    /// The handler's name range for a route anchor (the view for Django).
    pub fn handler_range(&self, anchor: Anchor) -> Option<std::ops::Range<usize>> {
        match anchor {
            Anchor::Route(i) => Some(self.facts.routes.get(i)?.handler_span.0.clone()),
            other => self.range(other),
        }
    }
}

/// A location: a file key and a fact in it.
pub type Loc = (Arc<str>, Anchor);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedRoute {
    pub methods: Vec<String>,
    /// The full path, prefixes joined, placeholders as the framework writes them.
    pub path: String,
    pub framework: Framework,
    /// Where the route is registered (decorator, `router.get(…)`, `path(…)`, `register(…)`).
    pub registration: Loc,
    /// The handler: the route itself for decorators and calls, the view for Django.
    pub handler: Loc,
    pub handler_name: String,
    /// Dependencies, decorators, guards and middleware from the app down to the route.
    pub chain: Vec<String>,
    pub auth: bool,
    /// Explicitly public or optionally authenticated (`permission_classes = [AllowAny]`,
    /// `@jwt_optional`, `@Public()`, `auth.optional`): see `facts::is_public_name`.
    pub public: bool,
    /// The class of the file that registers the route (or handles it, if that one is not
    /// runtime code): routes a test or a script registers are not the application's.
    pub class: crate::FileClass,
    /// The application the route is reachable from; `None` for routers nothing mounts.
    pub app: Option<Loc>,
    /// Routes on the same router (or, on an app, under the same first path segment).
    pub group: String,
    /// The `if` arms the registration is in (`FileFacts::route_arms`).
    pub arms: Vec<(crate::facts::Span, u8)>,
}

impl ResolvedRoute {
    /// Registered in different arms of one `if` in the same file: never both.
    pub fn exclusive_with(&self, other: &ResolvedRoute) -> bool {
        self.registration.0 == other.registration.0
            && self
                .arms
                .iter()
                .any(|(s, a)| other.arms.iter().any(|(t, b)| s.0 == t.0 && a != b))
    }
}

/// The stable view of a route for other components (hover, the advisor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteView {
    pub methods: Vec<String>,
    pub path: String,
    pub framework: Framework,
    pub auth: bool,
    pub chain: Vec<String>,
    pub handler: String,
    pub app: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRoot {
    pub at: Loc,
    pub framework: Framework,
    /// Paths mounted on the app that are not routers we model (`app.use("/health", hc())`).
    pub extra_paths: Vec<String>,
    /// The class of the file that creates the app.
    pub class: FileClass,
    /// Whether the app is what a deployment serves: always for app objects; for a Django
    /// URLconf, only a project's (a `wsgi.py` or `asgi.py` beside it or one folder up), since
    /// a reusable app's `urls.py` is included by projects the workspace does not hold.
    pub deployed: bool,
}

#[derive(Debug, Default)]
pub struct Resolved {
    pub routes: Vec<ResolvedRoute>,
    pub apps: Vec<AppRoot>,
    /// Route indexes per file that registers or handles them.
    by_file: HashMap<Arc<str>, Vec<usize>>,
}

impl Resolved {
    pub fn routes_in(&self, key: &str) -> impl Iterator<Item = &ResolvedRoute> {
        self.by_file
            .get(key)
            .into_iter()
            .flatten()
            .map(|i| &self.routes[*i])
    }
}

#[derive(Default)]
pub struct WorkspaceIndex {
    files: BTreeMap<Arc<str>, Arc<FileEntry>>,
    resolved: Arc<Resolved>,
    dirty: bool,
    /// Increases whenever the resolved table is rebuilt.
    generation: u64,
}

fn route_shape(f: &FileFacts) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (
        &f.imports,
        &f.functions,
        (&f.serializers, &f.list_views),
        (&f.exports, &f.auto_prefix),
        &f.owners,
        &f.mounts,
        &f.routes,
        &f.urls,
        &f.registrations,
        &f.views,
        f.urlpatterns.is_some(),
        f.class,
    )
        .hash(&mut h);
    h.finish()
}

impl WorkspaceIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces one file's facts. Returns true when the route table must be re-resolved
    /// (the file's routing shape changed); position-only changes return false.
    pub fn update(&mut self, key: &str, path: &str, language: Language, facts: FileFacts) -> bool {
        let shape = route_shape(&facts);
        let old = self.files.get(key);
        let changed = old.is_none_or(|o| {
            o.route_shape != shape || o.path != normalize(&path.replace('\\', "/"))
        });
        if facts.is_empty() && old.is_none() {
            return false;
        }
        let key: Arc<str> = old.map(|o| o.key.clone()).unwrap_or_else(|| key.into());
        self.files.insert(
            key.clone(),
            Arc::new(FileEntry {
                key,
                path: normalize(&path.replace('\\', "/")),
                language,
                facts,
                route_shape: shape,
            }),
        );
        self.dirty |= changed;
        changed
    }

    pub fn remove(&mut self, key: &str) -> bool {
        let had = self.files.remove(key).is_some();
        self.dirty |= had;
        had
    }

    pub fn file(&self, key: &str) -> Option<&Arc<FileEntry>> {
        self.files.get(key)
    }

    pub fn files(&self) -> impl Iterator<Item = &Arc<FileEntry>> {
        self.files.values()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The resolved route table, re-resolved first if any file's shape changed.
    pub fn resolved(&mut self) -> Arc<Resolved> {
        if self.dirty {
            self.resolved = Arc::new(Resolver::new(&self.files).run());
            self.dirty = false;
            self.generation += 1;
        }
        self.resolved.clone()
    }

    /// The route registered or handled at `offset` in file `key`, for hover and the advisor.
    pub fn route_at(&mut self, key: &str, offset: usize) -> Option<RouteView> {
        let resolved = self.resolved();
        let file = self.files.get(key)?;
        let hit = resolved.routes_in(key).find(|r| {
            [&r.registration, &r.handler].iter().any(|(k, a)| {
                **k == *key
                    && file
                        .range(*a)
                        .is_some_and(|rg| rg.start <= offset && offset <= rg.end)
            })
        })?;
        Some(self.view(hit))
    }

    pub fn view(&self, r: &ResolvedRoute) -> RouteView {
        RouteView {
            methods: r.methods.clone(),
            path: r.path.clone(),
            framework: r.framework,
            auth: r.auth,
            chain: r.chain.clone(),
            handler: r.handler_name.clone(),
            app: r.app.as_ref().map(|(k, _)| k.to_string()),
        }
    }

    /// How many tests request a path that matches `path`.
    pub fn tests_calling(&self, path: &str) -> usize {
        self.files
            .values()
            .flat_map(|f| &f.facts.tests)
            .filter(|t| t.paths.iter().any(|p| path_matches(path, p)))
            .count()
    }
}

/// Finds the Python function a call names, across the index's files (`WorkspaceIndex::
/// python_functions`; build it once per pass: it maps every file's module path).
pub struct PythonFunctions<'a> {
    resolver: Resolver<'a>,
}

impl WorkspaceIndex {
    pub fn python_functions(&self) -> PythonFunctions<'_> {
        PythonFunctions {
            resolver: Resolver::new(&self.files),
        }
    }
}

impl<'a> PythonFunctions<'a> {
    /// The module-level function (and its file, and its index there) that a call to `callee`
    /// written in `from` runs: a function of `from` itself (`get_user(…)`), one imported by name
    /// (`from .crud import get_user`), or one of an imported module (`crud.get_user(…)` after
    /// `from . import crud` or `import app.crud as crud`).
    pub fn resolve(
        &self,
        from: &'a FileEntry,
        callee: &str,
    ) -> Option<(&'a FileEntry, usize, &'a crate::facts::Function)> {
        let (file, name) = self.target(from, callee)?;
        file.facts
            .functions
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
            .map(|(i, f)| (file, i, f))
    }

    /// The file and module-level name that `name` (as written in `from`: `X`, `module.X`)
    /// refers to: `from` itself when nothing imports it.
    pub fn target(&self, from: &'a FileEntry, name: &str) -> Option<(&'a FileEntry, String)> {
        let (head, rest) = match name.split_once('.') {
            None => (name, None),
            Some((h, r)) if !r.contains(['.', '(']) && !h.contains('(') => (h, Some(r)),
            _ => return None,
        };
        let import = from.facts.imports.iter().find(|i| i.local == head);
        let target = match (rest, import) {
            (None, None) => return Some((from, name.to_owned())),
            (None, Some(import)) => import.target.clone(),
            (Some(rest), Some(import)) => format!("{}.{rest}", import.target),
            (Some(_), None) => return None,
        };
        let (key, found) = self.resolver.python_target(from, &target)?;
        Some((self.resolver.file(&key)?, found?))
    }
}

type OwnerId = (Arc<str>, String);

struct Resolver<'a> {
    files: &'a BTreeMap<Arc<str>, Arc<FileEntry>>,
    /// Path without extension (and package directories) → file key.
    by_path: HashMap<String, Arc<str>>,
    /// Every `/`-joined suffix of a Python module path → files.
    by_suffix: HashMap<String, Vec<Arc<str>>>,
    /// `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` of the project's settings (a runtime
    /// file's, the first by path), when it requires more than `AllowAny`.
    drf_default_permissions: Option<&'a str>,
}

/// `a/b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "." | "" if !parts.is_empty() => {}
            ".." => {
                if parts.len() > 1 || parts.first().is_some_and(|p| !p.is_empty()) {
                    parts.pop();
                }
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn strip_ext(path: &str) -> &str {
    for ext in [".py", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx"] {
        if let Some(s) = path.strip_suffix(ext) {
            return s;
        }
    }
    path
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl<'a> Resolver<'a> {
    fn new(files: &'a BTreeMap<Arc<str>, Arc<FileEntry>>) -> Self {
        let mut by_path = HashMap::new();
        let mut by_suffix: HashMap<String, Vec<Arc<str>>> = HashMap::new();
        for f in files.values() {
            let mut base = strip_ext(&f.path).to_owned();
            for index in ["/__init__", "/index"] {
                if let Some(pkg) = base.strip_suffix(index) {
                    by_path
                        .entry(pkg.to_owned())
                        .or_insert_with(|| f.key.clone());
                    if index == "/__init__" {
                        base = pkg.to_owned();
                    }
                }
            }
            by_path.insert(strip_ext(&f.path).to_owned(), f.key.clone());
            if f.language.family() == Family::Python {
                let segs: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
                for i in 0..segs.len() {
                    by_suffix
                        .entry(segs[i..].join("/"))
                        .or_default()
                        .push(f.key.clone());
                }
            }
        }
        let drf_default_permissions = files
            .values()
            .filter(|f| f.facts.class == FileClass::Runtime)
            .find_map(|f| f.facts.drf_default_permissions.as_deref());
        Resolver {
            files,
            by_path,
            by_suffix,
            drf_default_permissions,
        }
    }

    fn file(&self, key: &str) -> Option<&'a FileEntry> {
        self.files.get(key).map(|f| &**f)
    }

    /// A Python module (dotted, leading dots relative to `from`) → file key.
    fn python_module(&self, from: &FileEntry, module: &str) -> Option<Arc<str>> {
        let dots = module.len() - module.trim_start_matches('.').len();
        let rest = module[dots..].replace('.', "/");
        if dots > 0 {
            let mut dir = dir_of(&from.path).to_owned();
            for _ in 1..dots {
                dir = dir_of(&dir).to_owned();
            }
            let p = if rest.is_empty() {
                dir
            } else {
                format!("{dir}/{rest}")
            };
            return self.by_path.get(&p).cloned();
        }
        let candidates = self.by_suffix.get(&rest)?;
        // The candidate sharing the longest directory prefix with the importer.
        candidates
            .iter()
            .max_by_key(|k| {
                let p = &self.files[*k].path;
                p.chars()
                    .zip(from.path.chars())
                    .take_while(|(a, b)| a == b)
                    .count()
            })
            .cloned()
    }

    /// A dotted Python target → (file, name in it) or (file, None) for the module itself.
    fn python_target(&self, from: &FileEntry, target: &str) -> Option<(Arc<str>, Option<String>)> {
        if let Some(k) = self.python_module(from, target) {
            return Some((k, None));
        }
        let (module, name) = target.rsplit_once('.')?;
        let module = if module.is_empty() { "." } else { module };
        let module = if module.chars().all(|c| c == '.') && target.starts_with('.') {
            &target[..target.len() - name.len()]
        } else {
            module
        };
        let k = self.python_module(from, module)?;
        Some((k, Some(name.to_owned())))
    }

    /// A relative JavaScript module → file key.
    fn js_module(&self, from: &FileEntry, spec: &str) -> Option<Arc<str>> {
        if !spec.starts_with('.') {
            return None;
        }
        let p = normalize(&format!("{}/{spec}", dir_of(&from.path)));
        self.by_path
            .get(strip_ext(&p))
            .or_else(|| self.by_path.get(&p))
            .cloned()
    }

    /// What a name written in file `key` refers to: a variable in some file.
    fn resolve_ref(&self, key: &Arc<str>, name: &str, depth: usize) -> Option<OwnerId> {
        if depth > 8 {
            return None;
        }
        let file = self.file(key)?;
        if let Some(spec) = name.strip_prefix("require:") {
            let target = self.js_module(file, spec)?;
            return self.export_of(&target, None, depth + 1);
        }
        let (head, rest) = match name.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (name, None),
        };
        let defined = |var: &str| {
            file.facts.owners.iter().any(|o| o.var == var)
                || file.facts.views.iter().any(|v| v.name == var)
        };
        if defined(name) {
            return Some((key.clone(), name.to_owned()));
        }
        let import = file.facts.imports.iter().rev().find(|i| i.local == head)?;
        match file.language.family() {
            Family::Python => {
                let target = match rest {
                    Some(r) => format!("{}.{r}", import.target),
                    None => import.target.clone(),
                };
                let (k, var) = self.python_target(file, &target)?;
                let var = var?;
                if var.contains('.') {
                    return None;
                }
                self.resolve_ref(&k, &var, depth + 1)
            }
            Family::JavaScript => {
                let (spec, export) = import.target.split_once('#')?;
                let k = self.js_module(file, spec)?;
                let export = match (export, rest) {
                    ("*", Some(r)) => Some(r.to_owned()),
                    // `import * as users from "./users"; server.register(users)`: a hapi
                    // plugin module exports `plugin`.
                    ("*", None) => Some("plugin".to_owned()),
                    ("", None) => None,
                    (e, None) => Some(e.to_owned()),
                    _ => return None,
                };
                self.export_of(&k, export.as_deref(), depth + 1)
            }
        }
    }

    /// The variable a JavaScript file exports under `name` (`None`: the default export).
    fn export_of(&self, key: &Arc<str>, name: Option<&str>, depth: usize) -> Option<OwnerId> {
        let file = self.file(key)?;
        let local = file
            .facts
            .exports
            .iter()
            .rev()
            .find(|e| e.name.as_deref() == name)
            .map(|e| e.local.clone())
            .or_else(|| name.map(str::to_owned))?;
        self.resolve_ref(key, &local, depth)
    }

    fn run(&self) -> Resolved {
        let mut out = Resolved::default();
        self.routers(&mut out);
        self.django(&mut out);
        for (i, r) in out.routes.iter().enumerate() {
            out.by_file
                .entry(r.registration.0.clone())
                .or_default()
                .push(i);
            if r.handler.0 != r.registration.0 {
                out.by_file.entry(r.handler.0.clone()).or_default().push(i);
            }
        }
        out
    }

    /// FastAPI, Flask and Express: owners, mounts, middleware, routes.
    fn routers(&self, out: &mut Resolved) {
        // Owners by id, with where they are created.
        let mut owners: HashMap<OwnerId, (&Owner, usize)> = HashMap::new();
        for f in self.files.values() {
            for (i, o) in f.facts.owners.iter().enumerate() {
                owners.insert((f.key.clone(), o.var.clone()), (o, i));
            }
        }
        // A name that resolves to no known owner still groups its file's routes.
        let owner_of = |key: &Arc<str>, name: &str| -> OwnerId {
            // Every route file of a Next.js project hangs off the project's one owner.
            if name.starts_with(crate::nextjs::NEXT_OWNER) {
                return (Arc::from(name), name.to_owned());
            }
            self.resolve_ref(key, name, 0)
                .filter(|id| owners.contains_key(id))
                .unwrap_or_else(|| (key.clone(), name.to_owned()))
        };
        let nest_module = |id: &OwnerId| {
            owners
                .get(id)
                .is_some_and(|(o, _)| o.framework == Framework::NestJs && !o.is_app)
        };
        let fastify = |id: &OwnerId| {
            owners
                .get(id)
                .is_some_and(|(o, _)| o.framework == Framework::Fastify)
        };
        let hapi = |id: &OwnerId| {
            owners
                .get(id)
                .is_some_and(|(o, _)| o.framework == Framework::Hapi)
        };
        let mut routes: HashMap<OwnerId, Vec<(Arc<str>, usize)>> = HashMap::new();
        let mut edges: HashMap<OwnerId, Vec<Edge>> = HashMap::new();
        let mut middleware: HashMap<OwnerId, Vec<Mw>> = HashMap::new();
        let mut mounted: HashSet<OwnerId> = HashSet::new();
        for f in self.files.values() {
            for (i, r) in f.facts.routes.iter().enumerate() {
                routes
                    .entry(owner_of(&f.key, &r.owner))
                    .or_default()
                    .push((f.key.clone(), i));
            }
            for (i, m) in f.facts.mounts.iter().enumerate() {
                let parent = owner_of(&f.key, &m.parent);
                let mut deps = m.deps.clone();
                let mut any_child = false;
                for c in &m.children {
                    // `@fastify/autoload`: every module under the folder that exports a plugin,
                    // prefixed with its sub-folder (`routes/users/index.js` → `/users`).
                    if let Some(dir) = c.strip_prefix("autoload:") {
                        let (dir, flat) = match dir.strip_suffix("|flat") {
                            Some(d) => (d, true),
                            None => (dir, false),
                        };
                        let base = normalize(&format!("{}/{dir}", dir_of(&f.path)));
                        for g in self.files.values() {
                            let Some(rest) = g.path.strip_prefix(&format!("{base}/")) else {
                                continue;
                            };
                            let Some(child) = self
                                .export_of(&g.key, None, 0)
                                .filter(|id| owners.contains_key(id))
                            else {
                                continue;
                            };
                            let sub = if flat { "" } else { dir_of(rest) };
                            // The module's `autoPrefix` replaces the folder's prefix; its
                            // `prefixOverride` replaces the autoload's `options.prefix` too
                            // (`=` marks it), as `@fastify/autoload` computes them.
                            let folder = match &g.facts.auto_prefix {
                                (_, Some(over)) => Some(format!("={over}")),
                                (Some(auto), None) => Some(auto.clone()),
                                (None, None) => (!sub.is_empty()).then(|| format!("/{sub}")),
                            };
                            any_child = true;
                            mounted.insert(child.clone());
                            edges.entry(parent.clone()).or_default().push((
                                f.key.clone(),
                                i,
                                child,
                                deps.clone(),
                                folder,
                            ));
                        }
                        continue;
                    }
                    match self
                        .resolve_ref(&f.key, c, 0)
                        .filter(|id| owners.contains_key(id))
                    {
                        Some(child) => {
                            any_child = true;
                            mounted.insert(child.clone());
                            edges.entry(parent.clone()).or_default().push((
                                f.key.clone(),
                                i,
                                child,
                                deps.clone(),
                                None,
                            ));
                        }
                        // A NestJS module's unresolved imports are other packages' modules
                        // (`ConfigModule`), not middleware.
                        None if nest_module(&parent) => {}
                        // A package's Fastify plugin registered without a prefix
                        // (`@fastify/jwt`, `@fastify/cors`) decorates the instance or adds
                        // hooks we cannot see; naming it in the chain would claim what it
                        // does (`jwt` is not a check until a hook calls `jwtVerify`).
                        None if fastify(&parent) && m.prefix.is_none() => {}
                        // hapi: a package plugin (`hapi-auth-jwt2`, `@hapi/inert`) adds a
                        // scheme or a handler type; only `server.auth.default` and a
                        // route's `auth` protect routes.
                        None if hapi(&parent) => {}
                        None => deps.push(c.clone()),
                    }
                }
                if !any_child {
                    middleware.entry(parent).or_default().push((
                        f.key.clone(),
                        m.order,
                        deps,
                        m.prefix.clone(),
                    ));
                }
            }
        }
        // A Fastify plugin wrapped in `fastify-plugin` shares its parent's context: its hooks
        // are the parent's (and so apply to the parent's other routes and plugins too).
        for _ in 0..8 {
            let mut moved = false;
            for (parent, list) in &edges {
                for (_, _, child, _, _) in list {
                    let shared = owners.get(child).is_some_and(|(o, _)| {
                        o.shares_parent
                            && matches!(o.framework, Framework::Fastify | Framework::Hapi)
                    });
                    if !shared || child == parent {
                        continue;
                    }
                    let Some(hooks) = middleware.get_mut(child) else {
                        continue;
                    };
                    let taken: Vec<Mw> = hooks.iter().filter(|m| m.3.is_none()).cloned().collect();
                    hooks.retain(|m| m.3.is_some());
                    if !taken.is_empty() {
                        middleware.entry(parent.clone()).or_default().extend(taken);
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
        let mut roots: Vec<(OwnerId, bool)> = Vec::new();
        let mut ids: Vec<&OwnerId> = owners.keys().chain(routes.keys()).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let is_app = owners.get(id).is_some_and(|(o, _)| o.is_app);
            // A FastAPI application mounted into another (`app.mount("/admin/api", api_app)`)
            // is served through it: its routes take the mount's prefix and belong to the
            // outer application.
            // So is an Express application mounted into another (`app.use("/members",
            // membersApp)`): the outer one's middleware runs first.
            let sub_app = mounted.contains(id)
                && owners.get(id).is_some_and(|(o, _)| {
                    matches!(o.framework, Framework::FastApi | Framework::Express)
                });
            if (is_app && !sub_app) || !mounted.contains(id) {
                roots.push((id.clone(), is_app));
            }
        }
        for (root, is_app) in roots {
            let app = if is_app {
                let (o, i) = owners[&root];
                let extra = middleware
                    .get(&root)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.3.clone())
                    .collect();
                out.apps.push(AppRoot {
                    at: (root.0.clone(), Anchor::Owner(i)),
                    framework: o.framework,
                    extra_paths: extra,
                    class: self.class_of(&root.0, &root.0),
                    deployed: true,
                });
                Some((root.0.clone(), Anchor::Owner(i)))
            } else {
                None
            };
            let walk = Walk {
                owners: &owners,
                routes: &routes,
                edges: &edges,
                middleware: &middleware,
                app,
            };
            // NestJS `APP_GUARD` providers guard the whole application, whichever module
            // declares them.
            let global = if owners
                .get(&root)
                .is_some_and(|(o, _)| o.framework == Framework::NestJs)
            {
                global_guards(&root, &owners, &edges)
            } else {
                Vec::new()
            };
            let mut stack = Vec::new();
            walk.visit(self, &root, String::new(), global, None, &mut stack, out);
        }
    }

    /// Whether a URLconf belongs to a Django project: a `wsgi.py` or `asgi.py` in its folder
    /// or the folder above (`startproject` puts them beside `urls.py`).
    fn django_project(&self, urlconf: &str) -> bool {
        let Some((dir, _)) = urlconf.rsplit_once('/') else {
            return false;
        };
        let parent = dir.rsplit_once('/').map_or("", |(p, _)| p);
        self.files.values().any(|f| {
            f.path.rsplit_once('/').is_some_and(|(d, name)| {
                matches!(name, "wsgi.py" | "asgi.py") && (d == dir || d == parent)
            })
        })
    }

    /// Django URLconfs from the roots (URLconfs nothing includes) down.
    fn django(&self, out: &mut Resolved) {
        let mut included: HashSet<Arc<str>> = HashSet::new();
        for f in self.files.values() {
            for u in &f.facts.urls {
                if let UrlTarget::Module(m) = &u.target {
                    if let Some(k) = self.python_module(f, m) {
                        included.insert(k);
                    }
                }
            }
        }
        for f in self.files.values() {
            if f.facts.urls.is_empty() || included.contains(&f.key) {
                continue;
            }
            let app = f
                .facts
                .urlpatterns
                .as_ref()
                .map(|_| (f.key.clone(), Anchor::Urlpatterns));
            if let Some(at) = &app {
                out.apps.push(AppRoot {
                    at: at.clone(),
                    framework: Framework::Django,
                    extra_paths: Vec::new(),
                    class: f.facts.class,
                    deployed: self.django_project(&f.path),
                });
            }
            let mut stack = Vec::new();
            self.urlconf(f, String::from("/"), &app, &mut stack, out);
        }
    }

    fn urlconf(
        &self,
        f: &FileEntry,
        prefix: String,
        app: &Option<Loc>,
        stack: &mut Vec<Arc<str>>,
        out: &mut Resolved,
    ) {
        if stack.contains(&f.key) || stack.len() > 16 {
            return;
        }
        stack.push(f.key.clone());
        for (i, u) in f.facts.urls.iter().enumerate() {
            let path = format!("{prefix}{}", u.pattern);
            match &u.target {
                UrlTarget::Module(m) => {
                    match self.python_module(f, m).and_then(|k| self.file(&k)) {
                        Some(child) => self.urlconf(child, path, app, stack, out),
                        // A third-party URLconf (`health_check.urls`): its prefix still counts.
                        None => {
                            if let Some(root) =
                                out.apps.iter_mut().find(|a| Some(&a.at) == app.as_ref())
                            {
                                root.extra_paths.push(format!("{path} ({m})"));
                            }
                        }
                    }
                }
                UrlTarget::Router(r) => {
                    let Some((rk, rvar)) = self.resolve_ref(&f.key, r, 0) else {
                        continue;
                    };
                    let Some(rf) = self.file(&rk) else { continue };
                    for (j, reg) in rf.facts.registrations.iter().enumerate() {
                        if reg.router != rvar {
                            continue;
                        }
                        let base = format!("{path}{}/", reg.prefix.trim_matches('/'));
                        let Some((vk, vname)) = self.resolve_ref(&rk, &reg.viewset, 0) else {
                            continue;
                        };
                        let Some((vf, vi, view)) = self.view(&vk, &vname) else {
                            continue;
                        };
                        for (action, method, detail) in &view.actions {
                            let standard = matches!(
                                action.as_str(),
                                "list"
                                    | "create"
                                    | "retrieve"
                                    | "update"
                                    | "partial_update"
                                    | "destroy"
                            );
                            let mut p = base.clone();
                            if *detail {
                                p.push_str("{pk}/");
                            }
                            if !standard {
                                p.push_str(action);
                                p.push('/');
                            }
                            self.push_django(
                                out,
                                vec![method.clone()],
                                p,
                                (rk.clone(), Anchor::Registration(j)),
                                (vf.key.clone(), Anchor::View(vi)),
                                format!("{vname}.{action}"),
                                view,
                                app,
                                &rk,
                            );
                        }
                    }
                }
                UrlTarget::View(v) => {
                    let Some((vk, vname)) = self.resolve_ref(&f.key, v, 0) else {
                        continue;
                    };
                    let Some((vf, vi, view)) = self.view(&vk, &vname) else {
                        continue;
                    };
                    let methods = if view.methods.is_empty() {
                        vec!["ANY".to_owned()]
                    } else {
                        view.methods.clone()
                    };
                    self.push_django(
                        out,
                        methods,
                        path,
                        (f.key.clone(), Anchor::Url(i)),
                        (vf.key.clone(), Anchor::View(vi)),
                        vname.clone(),
                        view,
                        app,
                        &f.key,
                    );
                }
            }
        }
        stack.pop();
    }

    /// The registering file's class, or the handler's when the registering file is runtime code.
    fn class_of(&self, registration: &str, handler: &str) -> FileClass {
        let class = |k: &str| self.file(k).map_or(FileClass::Runtime, |f| f.facts.class);
        match class(registration) {
            FileClass::Runtime => class(handler),
            other => other,
        }
    }

    fn view(&self, key: &Arc<str>, name: &str) -> Option<(&'a FileEntry, usize, &'a View)> {
        let f = self.file(key)?;
        let (i, v) = f
            .facts
            .views
            .iter()
            .enumerate()
            .find(|(_, v)| v.name == name)?;
        Some((f, i, v))
    }

    #[allow(clippy::too_many_arguments)]
    fn push_django(
        &self,
        out: &mut Resolved,
        methods: Vec<String>,
        path: String,
        registration: Loc,
        handler: Loc,
        handler_name: String,
        view: &View,
        app: &Option<Loc>,
        group: &Arc<str>,
    ) {
        let class = self.class_of(&registration.0, &handler.0);
        let mut chain = view.deps.clone();
        // A DRF view without its own `permission_classes` requires the project's default.
        let default = self
            .drf_default_permissions
            .filter(|_| view.drf && !view.own_permissions && !view.public);
        if let Some(default) = default {
            chain.push(format!("DEFAULT_PERMISSION_CLASSES: {default}"));
        }
        out.routes.push(ResolvedRoute {
            methods,
            path,
            framework: Framework::Django,
            registration,
            handler,
            handler_name,
            auth: default.is_some() || view.deps.iter().any(|d| is_auth_name(d)),
            public: view.public || view.deps.iter().any(|d| is_public_name(d)),
            class,
            chain,
            app: app.clone(),
            group: group.to_string(),
            arms: Vec::new(),
        });
    }
}

/// The `APP_GUARD` providers of the NestJS modules reachable from `root`.
fn global_guards(
    root: &OwnerId,
    owners: &HashMap<OwnerId, (&Owner, usize)>,
    edges: &HashMap<OwnerId, Vec<Edge>>,
) -> Vec<String> {
    let mut seen: HashSet<&OwnerId> = HashSet::new();
    let mut todo = vec![root];
    let mut out = Vec::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Some((o, _)) = owners.get(id) {
            out.extend(
                o.deps
                    .iter()
                    .filter(|d| d.starts_with("APP_GUARD "))
                    .cloned(),
            );
        }
        todo.extend(edges.get(id).into_iter().flatten().map(|e| &e.2));
    }
    out.sort();
    out.dedup();
    out
}

/// A mount of a router: (file, mount index, child, middleware in the same call, the folder
/// prefix `@fastify/autoload` adds after the mount's own).
type Edge = (Arc<str>, usize, OwnerId, Vec<String>, Option<String>);
/// Middleware on an owner: (file, order, names, prefix).
type Mw = (Arc<str>, usize, Vec<String>, Option<String>);

struct Walk<'w> {
    owners: &'w HashMap<OwnerId, (&'w Owner, usize)>,
    routes: &'w HashMap<OwnerId, Vec<(Arc<str>, usize)>>,
    edges: &'w HashMap<OwnerId, Vec<Edge>>,
    middleware: &'w HashMap<OwnerId, Vec<Mw>>,
    app: Option<Loc>,
}

impl Walk<'_> {
    /// Emits `id`'s routes under `prefix` and follows its mounts. `mount_prefix` is the prefix
    /// the mounting call gave (Flask's overrides the blueprint's own).
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &self,
        r: &Resolver,
        id: &OwnerId,
        prefix: String,
        chain: Vec<String>,
        mount_prefix: Option<&str>,
        stack: &mut Vec<OwnerId>,
        out: &mut Resolved,
    ) {
        if stack.contains(id) || stack.len() > 16 {
            return;
        }
        stack.push(id.clone());
        let owner = self.owners.get(id).map(|(o, _)| *o);
        let own = owner.map_or("", |o| o.prefix.as_str());
        let prefix = match (owner.map(|o| o.framework), mount_prefix) {
            (Some(Framework::Flask), Some(m)) => join_paths(&prefix, m),
            // `fastify-plugin` ignores the `prefix` it is registered with.
            (Some(Framework::Fastify), Some(_)) if owner.is_some_and(|o| o.shares_parent) => {
                join_paths(&prefix, own)
            }
            (_, Some(m)) => join_paths(&join_paths(&prefix, m), own),
            (_, None) => join_paths(&prefix, own),
        };
        let mut chain = chain;
        if let Some(o) = owner {
            // NestJS `APP_GUARD`s are global: the root's walk starts with them.
            chain.extend(
                o.deps
                    .iter()
                    .filter(|d| !d.starts_with("APP_GUARD "))
                    .cloned(),
            );
        }
        let mws = self.middleware.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let express = owner.map_or_else(
            || id.0.ends_with(".js") || id.0.ends_with(".ts"),
            |o| o.framework.ordered_middleware(),
        );
        // Express middleware applies to what is registered after it in the same file; a
        // Flask `before_request` applies to everything on its blueprint.
        let applies = |file: &Arc<str>, order: usize| -> Vec<String> {
            mws.iter()
                .filter(|(f, o, _, p)| p.is_none() && !(express && f == file && *o >= order))
                .flat_map(|(_, _, names, _)| names.iter().cloned())
                .collect()
        };
        let group = match owner {
            Some(o) if !o.is_app => format!("{}#{}", id.0, id.1),
            _ => String::new(),
        };
        for (key, i) in self.routes.get(id).into_iter().flatten() {
            let Some(f) = r.file(key) else { continue };
            let route = &f.facts.routes[*i];
            let mut c = chain.clone();
            c.extend(applies(key, route.order));
            let path = join_paths(&prefix, &route.path);
            // A Next.js `middleware.ts` applies to the paths its `config.matcher` covers.
            for (_, _, names, p) in mws {
                if p.as_deref()
                    .and_then(|p| p.strip_prefix("matcher:"))
                    .is_some_and(|m| crate::nextjs::matcher_covers(m, &path))
                {
                    c.extend(names.iter().cloned());
                }
            }
            c.extend(route.deps.iter().cloned());
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                path
            };
            let group = if group.is_empty() {
                let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
                format!("{}#{}|/{first}", id.0, id.1)
            } else {
                group.clone()
            };
            out.routes.push(ResolvedRoute {
                methods: route.methods.clone(),
                path,
                framework: route.framework,
                registration: (key.clone(), Anchor::Route(*i)),
                handler: (key.clone(), Anchor::Route(*i)),
                handler_name: route.handler.clone(),
                // hapi's `options: { auth: false }` turns the default strategy off.
                auth: c.iter().any(|d| is_auth_name(d))
                    && !c
                        .iter()
                        .any(|d| d == "auth: false" || d == "auth: optional"),
                public: c.iter().any(|d| is_public_name(d)),
                class: f.facts.class,
                chain: c,
                app: self.app.clone(),
                group,
                arms: f.facts.route_arms.get(*i).cloned().unwrap_or_default(),
            });
        }
        for (key, i, child, deps, folder) in self.edges.get(id).into_iter().flatten() {
            let Some(f) = r.file(key) else { continue };
            let m = &f.facts.mounts[*i];
            let mut c = chain.clone();
            c.extend(applies(key, m.order));
            c.extend(deps.iter().cloned());
            let mount_prefix = match (&m.prefix, folder) {
                (_, Some(over)) if over.starts_with('=') => Some(over[1..].to_owned()),
                (Some(p), Some(sub)) => Some(join_paths(p, sub)),
                (p, sub) => p.clone().or_else(|| sub.clone()),
            };
            self.visit(
                r,
                child,
                prefix.clone(),
                c,
                mount_prefix.as_deref(),
                stack,
                out,
            );
        }
        stack.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::Language;

    fn add(index: &mut WorkspaceIndex, path: &str, text: &str) -> bool {
        let language = Language::from_path(std::path::Path::new(path)).unwrap();
        let tree = ba_syntax::parse::parse(language, text, None).unwrap();
        let facts = crate::extract(language, &tree, text, path);
        index.update(path, path, language, facts)
    }

    fn table(index: &mut WorkspaceIndex) -> Vec<String> {
        let mut v: Vec<String> = index
            .resolved()
            .routes
            .iter()
            .map(|r| format!("{} {} auth={}", r.methods.join(","), r.path, r.auth))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn express_esm_named_and_namespace_imports() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/src/server.mjs",
            "import express from \"express\";\nimport { usersRouter } from \"./users.mjs\";\nimport * as admin from \"./admin/index.mjs\";\nconst app = express();\napp.use(\"/users\", usersRouter);\napp.use(\"/admin\", requireAuth, admin.router);\n",
        );
        add(
            &mut index,
            "/p/src/users.mjs",
            "import { Router } from \"express\";\nexport const usersRouter = Router();\nusersRouter.get(\"/:id\", (req, res) => res.end());\n",
        );
        add(
            &mut index,
            "/p/src/admin/index.mjs",
            "import express from \"express\";\nconst router = express.Router();\nrouter.post(\"/ban/:id\", ban);\nexport { router };\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["GET /users/:id auth=false", "POST /admin/ban/:id auth=true"]
        );
    }

    #[test]
    fn fastapi_sub_applications_are_served_through_their_mount() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/fief/app.py",
            "from fastapi import FastAPI\nfrom fastapi.staticfiles import StaticFiles\nfrom fief.apps.api import app as api_app\n\napp = FastAPI()\n\n@app.get(\"/health\")\ndef health():\n    return {}\n\napp.mount(\"/static\", StaticFiles(directory=\"static\"), name=\"static\")\napp.mount(\"/admin/api\", api_app)\n",
        );
        add(
            &mut index,
            "/p/fief/apps/api.py",
            "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get(\"/users\")\ndef users():\n    return []\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["GET /admin/api/users auth=false", "GET /health auth=false"]
        );
        // One application: the mounted one is part of the outer app, not a root of its own.
        let resolved = index.resolved();
        assert_eq!(resolved.apps.len(), 1, "{:?}", resolved.apps);
        assert!(resolved
            .routes
            .iter()
            .all(|r| r.app.as_ref() == Some(&resolved.apps[0].at)));
    }

    #[test]
    fn express_middleware_applies_to_what_follows() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/app.js",
            "const express = require(\"express\");\nconst app = express();\napp.get(\"/open\", h);\napp.use(authenticate);\napp.get(\"/closed\", h);\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["GET /closed auth=true", "GET /open auth=false"]
        );
    }

    #[test]
    fn position_only_edits_keep_the_resolved_table() {
        let mut index = WorkspaceIndex::new();
        let text = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/a\")\ndef a():\n    return 1\n";
        assert!(add(&mut index, "/p/main.py", text));
        let _ = index.resolved();
        let generation = index.generation();
        // Lines above and a body edit: same shape, nothing re-resolves, positions follow.
        let moved = format!("# header\n\n{}", text.replace("return 1", "return 2"));
        assert!(!add(&mut index, "/p/main.py", &moved));
        let _ = index.resolved();
        assert_eq!(index.generation(), generation);
        let at = moved.find("@app.get").unwrap() + 2;
        let view = index.route_at("/p/main.py", at).unwrap();
        assert_eq!(
            (view.methods, view.path),
            (vec!["GET".to_owned()], "/a".to_owned())
        );
        // A new route changes the shape.
        assert!(add(
            &mut index,
            "/p/main.py",
            &format!("{moved}\n@app.post(\"/b\")\ndef b():\n    return 3\n")
        ));
        assert_eq!(
            table(&mut index),
            vec!["GET /a auth=false", "POST /b auth=false"]
        );
        assert!(index.generation() > generation);
    }

    #[test]
    fn flask_register_prefix_overrides_the_blueprints_own() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/app/__init__.py",
            "from flask import Flask\nfrom .bp import bp, other\napp = Flask(__name__)\napp.register_blueprint(bp, url_prefix=\"/v2\")\napp.register_blueprint(other)\n",
        );
        add(
            &mut index,
            "/p/app/bp.py",
            "from flask import Blueprint\nbp = Blueprint(\"bp\", __name__, url_prefix=\"/v1\")\nother = Blueprint(\"o\", __name__, url_prefix=\"/o\")\n@bp.route(\"/x\", methods=[\"PUT\"])\ndef x():\n    pass\n@other.route(\"/y\")\ndef y():\n    pass\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["GET /o/y auth=false", "PUT /v2/x auth=false"]
        );
    }

    /// NestJS: the global prefix, controllers reached through modules, class and method
    /// guards, `APP_GUARD` providers declared in an imported module (global), `@Public()`.
    #[test]
    fn nest_modules_controllers_and_guards() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/src/main.ts",
            "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.setGlobalPrefix('api');\n  await app.listen(3000);\n}\nbootstrap();\n",
        );
        add(
            &mut index,
            "/p/src/app.module.ts",
            "import { Module } from '@nestjs/common';\nimport { TypeOrmModule } from '@nestjs/typeorm';\nimport { AuthModule } from './auth/auth.module';\nimport { CatsController } from './cats.controller';\n@Module({ imports: [TypeOrmModule.forRoot(), AuthModule], controllers: [CatsController] })\nexport class AppModule {}\n",
        );
        add(
            &mut index,
            "/p/src/auth/auth.module.ts",
            "import { Module } from '@nestjs/common';\nimport { APP_GUARD } from '@nestjs/core';\nimport { JwtAuthGuard } from './jwt.guard';\nimport { AuthController } from './auth.controller';\n@Module({ controllers: [AuthController], providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }] })\nexport class AuthModule {}\n",
        );
        add(
            &mut index,
            "/p/src/auth/auth.controller.ts",
            "import { Controller, Post } from '@nestjs/common';\nimport { Public } from './public';\n@Controller('auth')\nexport class AuthController {\n  @Public()\n  @Post('login')\n  login() {}\n}\n",
        );
        add(
            &mut index,
            "/p/src/cats.controller.ts",
            "import { Controller, Get, Post, UseGuards } from '@nestjs/common';\nimport { ApiTags } from '@nestjs/swagger';\n@ApiTags('cats')\n@Controller({ path: 'cats', version: '1' })\nexport class CatsController {\n  @Get()\n  findAll() {}\n  @Get(':id')\n  @UseGuards(RolesGuard)\n  findOne() {}\n}\n",
        );
        assert_eq!(
            table(&mut index),
            vec![
                "GET /api/cats auth=true",
                "GET /api/cats/:id auth=true",
                "POST /api/auth/login auth=true",
            ]
        );
        let resolved = index.resolved();
        let login = resolved
            .routes
            .iter()
            .find(|r| r.path == "/api/auth/login")
            .unwrap();
        assert!(login.public);
        assert_eq!(login.framework, Framework::NestJs);
        let one = resolved
            .routes
            .iter()
            .find(|r| r.path == "/api/cats/:id")
            .unwrap();
        // Swagger's `@ApiTags` and packages' modules are not in the chain.
        assert_eq!(
            one.chain,
            vec![
                "APP_GUARD JwtAuthGuard".to_owned(),
                "UseGuards(RolesGuard)".to_owned()
            ]
        );
        assert_eq!(one.handler_name, "findOne");
        assert!(resolved
            .apps
            .iter()
            .any(|a| a.framework == Framework::NestJs));
    }

    /// Without `APP_GUARD`, a controller's own guard is all a route has; `useGlobalGuards`
    /// guards everything and `ThrottlerGuard` guards nothing.
    #[test]
    fn nest_global_guards_and_throttling() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/main.ts",
            "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.useGlobalGuards(new ThrottlerGuard());\n  await app.listen(3000);\n}\n",
        );
        add(
            &mut index,
            "/p/app.module.ts",
            "import { Module } from '@nestjs/common';\nimport { ItemsController } from './items.controller';\n@Module({ controllers: [ItemsController], providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }] })\nexport class AppModule {}\n",
        );
        add(
            &mut index,
            "/p/items.controller.ts",
            "import { Controller, Delete, Get } from '@nestjs/common';\n@Controller('items')\nexport class ItemsController {\n  @Get()\n  list() {}\n  @Delete(':id')\n  remove() {}\n}\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["DELETE /items/:id auth=false", "GET /items auth=false"]
        );
        add(
            &mut index,
            "/p/main.ts",
            "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.useGlobalGuards(new JwtAuthGuard(app.get(Reflector)));\n  await app.listen(3000);\n}\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["DELETE /items/:id auth=true", "GET /items auth=true"]
        );
    }

    /// Koa: `new Router({ prefix })`, nested routers mounted with `router.use(path,
    /// child.routes())`, middleware before the child, `app.use(router.routes())`, `del`.
    #[test]
    fn koa_nested_routers() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/app.js",
            "const Koa = require('koa');\nconst api = require('./api');\nconst app = new Koa();\napp.use(api.routes()).use(api.allowedMethods());\n",
        );
        add(
            &mut index,
            "/p/api.js",
            "const Router = require('@koa/router');\nconst users = require('./users');\nconst { requireAuth } = require('./auth');\nconst router = new Router({ prefix: '/api' });\nrouter.use('/users', requireAuth, users.routes(), users.allowedMethods());\nrouter.get('/ping', (ctx) => { ctx.body = 'pong'; });\nmodule.exports = router;\n",
        );
        add(
            &mut index,
            "/p/users.js",
            "const Router = require('@koa/router');\nconst router = new Router();\nrouter.get('/:id', async (ctx) => {});\nrouter.del('/:id', async (ctx) => {});\nmodule.exports = router;\n",
        );
        assert_eq!(
            table(&mut index),
            vec![
                "DELETE /api/users/:id auth=true",
                "GET /api/ping auth=false",
                "GET /api/users/:id auth=true",
            ]
        );
        let resolved = index.resolved();
        assert!(resolved
            .routes
            .iter()
            .all(|r| r.framework == Framework::Koa));
        assert!(resolved.routes.iter().all(|r| r.app.is_some()));
        let chain = &resolved
            .routes
            .iter()
            .find(|r| r.path == "/api/users/:id")
            .unwrap()
            .chain;
        assert_eq!(chain, &vec!["requireAuth".to_owned()]);
    }

    /// Fastify: registering `@fastify/jwt` protects nothing; a `fastify-plugin` whose
    /// `onRequest` hook verifies the token protects its parent's routes and the plugins the
    /// parent registers (its `prefix` ignored); an encapsulated plugin's hook stays inside it;
    /// `config: { public: true }` and the `{ handler }` form of the shorthand.
    #[test]
    fn fastify_plugins_share_or_encapsulate_hooks() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/src/app.mjs",
            "import Fastify from 'fastify';\nimport jwt from '@fastify/jwt';\nimport guard from './guard.mjs';\nimport users from './users.mjs';\nconst app = Fastify();\napp.register(jwt, { secret: process.env.SECRET });\napp.get('/open', async () => 'x');\napp.register(users, { prefix: '/users' });\napp.register(import('./billing.mjs'), { prefix: '/billing' });\n",
        );
        add(
            &mut index,
            "/p/src/users.mjs",
            "export default async function users(fastify) {\n  fastify.post('/', { config: { public: true }, handler: async (request) => request.body });\n  fastify.delete('/:id', async () => null);\n}\n",
        );
        add(
            &mut index,
            "/p/src/billing.mjs",
            "export default async (fastify) => {\n  fastify.register(async (scoped) => {\n    scoped.addHook('preHandler', async (request, reply) => { await verifyToken(request); });\n    scoped.post('/charge', async () => 1);\n  }, { prefix: '/v2' });\n  fastify.post('/refund', async () => 2);\n};\n",
        );
        assert_eq!(
            table(&mut index),
            vec![
                "DELETE /users/:id auth=false",
                "GET /open auth=false",
                "POST /billing/refund auth=false",
                "POST /billing/v2/charge auth=true",
                "POST /users/ auth=false",
            ]
        );
        let resolved = index.resolved();
        assert!(resolved
            .routes
            .iter()
            .all(|r| r.framework == Framework::Fastify && r.app.is_some()));
        let create = resolved
            .routes
            .iter()
            .find(|r| r.path == "/users/")
            .unwrap();
        assert!(create.public, "{:?}", create.chain);
        let charge = resolved
            .routes
            .iter()
            .find(|r| r.path == "/billing/v2/charge")
            .unwrap();
        assert_eq!(charge.chain, vec!["verifyToken()".to_owned()]);
        // The guard, wrapped in fastify-plugin and registered with a prefix that it ignores,
        // protects every route of the app.
        add(
            &mut index,
            "/p/src/guard.mjs",
            "import fp from 'fastify-plugin';\nexport default fp(async (fastify) => {\n  fastify.addHook('onRequest', async (request) => { await request.jwtVerify(); });\n  fastify.get('/whoami', async (request) => request.user);\n});\n",
        );
        add(
            &mut index,
            "/p/src/app.mjs",
            "import Fastify from 'fastify';\nimport jwt from '@fastify/jwt';\nimport guard from './guard.mjs';\nimport users from './users.mjs';\nconst app = Fastify();\napp.register(jwt, { secret: process.env.SECRET });\napp.register(guard, { prefix: '/ignored' });\napp.get('/open', async () => 'x');\napp.register(users, { prefix: '/users' });\napp.register(import('./billing.mjs'), { prefix: '/billing' });\n",
        );
        assert_eq!(
            table(&mut index),
            vec![
                "DELETE /users/:id auth=true",
                "GET /open auth=true",
                "GET /whoami auth=true",
                "POST /billing/refund auth=true",
                "POST /billing/v2/charge auth=true",
                "POST /users/ auth=true",
            ]
        );
    }

    /// A fastify-cli project: `app.js` exports a plugin that autoloads `plugins/` (shared
    /// with the root through fastify-plugin, so the `support` hook protects everything) and
    /// `routes/` (sub-folders become prefixes, after the autoload's own `options.prefix`).
    #[test]
    fn fastify_autoload_folders() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/server.js",
            "'use strict';\nconst Fastify = require('fastify');\nconst app = Fastify();\napp.register(require('./app.js'));\n",
        );
        add(
            &mut index,
            "/p/app.js",
            "'use strict';\nconst path = require('node:path');\nconst AutoLoad = require('@fastify/autoload');\nmodule.exports = async function (fastify, opts) {\n  fastify.register(AutoLoad, { dir: path.join(__dirname, 'plugins'), options: Object.assign({}, opts) });\n  fastify.register(AutoLoad, { dir: path.join(__dirname, 'routes'), options: { prefix: '/api' } });\n};\n",
        );
        add(
            &mut index,
            "/p/plugins/support.js",
            "'use strict';\nconst fp = require('fastify-plugin');\nmodule.exports = fp(async function (fastify) {\n  fastify.addHook('onRequest', async (request) => { await request.jwtVerify(); });\n});\n",
        );
        add(
            &mut index,
            "/p/routes/root.js",
            "'use strict';\nmodule.exports = async function (fastify, opts) {\n  fastify.get('/', async () => ({ root: true }));\n};\n",
        );
        add(
            &mut index,
            "/p/routes/users/index.js",
            "'use strict';\nmodule.exports = async function (fastify, opts) {\n  fastify.get('/:id', async (request) => request.params.id);\n};\n",
        );
        assert_eq!(
            table(&mut index),
            vec!["GET /api/ auth=true", "GET /api/users/:id auth=true"]
        );
    }

    /// `register(a).register(b, { prefix })` chains, and `dirNameRoutePrefix: false` (folders
    /// add no prefix) beside a module's `export const autoPrefix`.
    #[test]
    fn fastify_register_chains_and_flat_autoload() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/server.mjs",
            "import Fastify from 'fastify';\nimport path from 'node:path';\nimport AutoLoad from '@fastify/autoload';\nimport users from './users.mjs';\nconst app = Fastify();\napp.register(users, { prefix: '/users' }).register(AutoLoad, { dir: path.join(__dirname, 'routes'), dirNameRoutePrefix: false });\n",
        );
        add(
            &mut index,
            "/p/users.mjs",
            "export default async function users(fastify) {\n  fastify.get('/:id', async () => null);\n}\n",
        );
        add(
            &mut index,
            "/p/routes/billing/invoices.mjs",
            "export default async function (fastify) {\n  fastify.get('/invoices', async () => []);\n}\n",
        );
        add(
            &mut index,
            "/p/routes/billing/plans.mjs",
            "export const autoPrefix = '/plans';\nexport default async function (fastify) {\n  fastify.get('/', async () => []);\n}\n",
        );
        assert_eq!(
            table(&mut index),
            vec![
                "GET /invoices auth=false",
                "GET /plans/ auth=false",
                "GET /users/:id auth=false"
            ]
        );
    }

    #[test]
    fn mount_cycles_terminate() {
        let mut index = WorkspaceIndex::new();
        add(
            &mut index,
            "/p/a.js",
            "const express = require(\"express\");\nconst b = require(\"./b\");\nconst router = express.Router();\nrouter.use(\"/b\", b);\nrouter.get(\"/a\", h);\nmodule.exports = router;\n",
        );
        add(
            &mut index,
            "/p/b.js",
            "const express = require(\"express\");\nconst a = require(\"./a\");\nconst router = express.Router();\nrouter.use(\"/a\", a);\nmodule.exports = router;\n",
        );
        // Both routers are mounted by each other, so neither is a root: no routes, no hang.
        let _ = table(&mut index);
    }
}
