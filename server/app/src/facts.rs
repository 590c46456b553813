//! What one file says about the application, extracted from its tree: who creates apps and
//! routers, which routes they register, how routers are mounted, views, models, clients and the
//! paths tests call. Names are kept as written; the workspace index resolves them across files.

use ba_syntax::{Family, Language};
use std::hash::{Hash, Hasher};
use std::ops::Range;

/// A byte range that does not take part in equality or hashing, so two facts that differ only
/// in where things are (an edit above them) have the same *shape*: the index re-resolves only
/// when a file's shape changes and reads positions from the current facts.
#[derive(Clone, Debug, Default)]
pub struct Span(pub Range<usize>);

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Span {}
impl Hash for Span {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

impl Span {
    pub fn shifted(&self, delta: isize) -> Span {
        Span((self.0.start as isize + delta) as usize..(self.0.end as isize + delta) as usize)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    FastApi,
    Flask,
    Django,
    Express,
    Koa,
    NestJs,
    Fastify,
    Hapi,
    NextJs,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Self::FastApi => "FastAPI",
            Self::Flask => "Flask",
            Self::Django => "Django",
            Self::Express => "Express",
            Self::Koa => "Koa",
            Self::NestJs => "NestJS",
            Self::Fastify => "Fastify",
            Self::Hapi => "hapi",
            Self::NextJs => "Next.js",
        }
    }

    /// Node frameworks whose middleware applies to what is registered after it in the same
    /// file (`app.use(auth)` then `app.get(…)`), as opposed to a whole router or module.
    pub fn ordered_middleware(self) -> bool {
        matches!(self, Self::Express | Self::Koa)
    }
}

/// Something routes hang off: an application object or a router/blueprint.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    pub var: String,
    pub framework: Framework,
    /// An application (a root of path resolution) rather than a router.
    pub is_app: bool,
    /// The router's own prefix (`APIRouter(prefix=…)`, `Blueprint(url_prefix=…)`).
    pub prefix: String,
    /// Router-level dependencies or guards (`APIRouter(dependencies=[Depends(auth)])`,
    /// `@bp.before_request def require_login`).
    pub deps: Vec<String>,
    /// A Fastify plugin wrapped in `fastify-plugin`: it shares the context of whoever registers
    /// it, so its hooks apply there and a `prefix` given to `register` does not apply.
    pub shares_parent: bool,
    /// The creating call.
    pub span: Span,
}

/// `parent.include_router(child, prefix=…)`, `register_blueprint`, `app.use("/p", mw, child)`.
/// For Express the index decides which arguments are routers and which are middleware.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mount {
    pub parent: String,
    /// The arguments that may be routers, as written (`users.router`, `require:./users`).
    pub children: Vec<String>,
    /// `None` when the call gave no prefix (Flask then keeps the blueprint's own).
    pub prefix: Option<String>,
    pub deps: Vec<String>,
    /// Position among the file's facts, for Express's "middleware applies to what follows".
    pub order: usize,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    /// The app or router variable (`app`, `router`, `bp`).
    pub owner: String,
    pub framework: Framework,
    /// Upper-case methods; `ANY` for Express `all`.
    pub methods: Vec<String>,
    pub path: String,
    pub handler: String,
    /// Dependencies, decorators and middleware on the route itself, in order.
    pub deps: Vec<String>,
    pub params: Vec<String>,
    pub order: usize,
    /// The decorator or the registering call.
    pub span: Span,
    /// The handler's name (or the function, when it is anonymous).
    pub handler_span: Span,
    /// The whole handler definition (for document symbols).
    pub handler_full: Span,
}

/// A Django `path()`/`re_path()`/`url()` entry, or `router.urls` spliced into `urlpatterns`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlEntry {
    pub pattern: String,
    pub target: UrlTarget,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UrlTarget {
    /// A view expression, `.as_view()` removed: `views.index`, `UserDetail`.
    View(String),
    /// `include("blog.urls")`.
    Module(String),
    /// `include(router.urls)`: a DRF router variable.
    Router(String),
}

/// DRF `router.register(r"users", UserViewSet)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Registration {
    pub router: String,
    pub prefix: String,
    pub viewset: String,
    pub span: Span,
}

/// A Django view: a function taking `request`, or a view class.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct View {
    pub name: String,
    /// For functions, the methods allowed by `require_http_methods`/`api_view`, or `ANY`; for
    /// classes, the handler methods it defines or inherits (DRF actions mapped to methods).
    pub methods: Vec<String>,
    /// For view sets: (action, method, on the detail path) pairs.
    pub actions: Vec<(String, String, bool)>,
    pub deps: Vec<String>,
    /// `permission_classes = [AllowAny]` or `@permission_classes([AllowAny])`: explicitly public.
    pub public: bool,
    /// A Django REST framework view (`APIView`, a generic view, a view set or `@api_view`):
    /// without its own `permission_classes` it gets the project's
    /// `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`.
    pub drf: bool,
    /// The view names its own `permission_classes`.
    pub own_permissions: bool,
    pub span: Span,
    pub full: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelKind {
    SqlAlchemy,
    Django,
    Pydantic,
    Mongoose,
    Sequelize,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::SqlAlchemy => "SQLAlchemy",
            Self::Django => "Django",
            Self::Pydantic => "Pydantic",
            Self::Mongoose => "Mongoose",
            Self::Sequelize => "Sequelize",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub name: String,
    /// The column or field type as written (`Integer`, `models.CharField`, `str`).
    pub ty: String,
    /// The referenced table/model of a foreign key.
    pub foreign_key: Option<String>,
    /// The target of a relationship (`relationship("Address")`, `ManyToManyField(Tag)`).
    pub relationship: Option<String>,
    pub indexed: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Model {
    pub name: String,
    pub kind: ModelKind,
    pub fields: Vec<Field>,
    pub span: Span,
    pub full: Span,
}

/// Where a client or connection is created: HTTP sessions, DB engines and pools, Redis, Mongo.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Client {
    /// Qualified kind, e.g. `httpx.AsyncClient`, `sqlalchemy.create_engine`, `pg.Pool`.
    pub kind: String,
    pub var: Option<String>,
    /// The enclosing function, if the client is not created at module level.
    pub function: Option<String>,
    pub span: Span,
}

/// `local` bound by an import. `target` is dotted for Python (`.routers.users.router`, leading
/// dots for relative imports) and `module#name` for JavaScript (`./routes/users#` for the
/// default export, `./routes/users#router` for a named one, `./routes/users#*` for the module).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Import {
    pub local: String,
    pub target: String,
}

/// A Python module-level function and the calls in its body (nested functions and classes
/// left out): enough to follow a handler's call into another module and see what it does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Function {
    pub name: String,
    pub is_async: bool,
    /// Calls by callee as written (`requests.get`, `crud.get_user`, `db.query`,
    /// `User.objects.get`); in an async function only the calls not awaited.
    pub calls: Vec<FunctionCall>,
    /// Whether the body mentions `timeout` (a wrapper that sets a default before forwarding
    /// `**kwargs` to an HTTP client, `kwargs.setdefault("timeout", 10)`).
    pub names_timeout: bool,
    /// The function's name.
    pub span: Span,
}

/// A call in a function body: the callee's text (a name or a dotted chain; a chain through a
/// call keeps only its last attribute after `…`, as in `….first`) and where the call is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionCall {
    pub callee: String,
    /// The names of its keyword arguments, and `**` for a `**kwargs` splat.
    pub keywords: Vec<String>,
    pub span: Span,
}

/// A DRF serializer class and the relations its fields read from each object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Serializer {
    pub name: String,
    pub relations: Vec<SerializerRelation>,
    pub span: Span,
}

/// A relation a serializer field follows: `author` for `source="author.username"`, a nested
/// `AuthorSerializer()`, or `obj.author.name` in a `get_…` method; `many` for to-many reads
/// (`many=True`, `obj.comments.count()`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SerializerRelation {
    pub relation: String,
    pub many: bool,
    /// The field (or method) that reads it, for messages.
    pub field: String,
}

/// A DRF view that lists objects (`ListAPIView`, `ModelViewSet`…) with its serializer class as
/// written and the relations its queryset loads with `select_related`/`prefetch_related`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListView {
    pub name: String,
    pub serializer: String,
    pub loaded: Vec<String>,
    /// The `serializer_class = …` assignment.
    pub span: Span,
}

/// JavaScript exports: (exported name, local variable); `None` is the default export.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Export {
    pub name: Option<String>,
    pub local: String,
}

/// A test and the literal paths it requests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TestCalls {
    pub test: String,
    pub paths: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileFacts {
    pub imports: Vec<Import>,
    /// Python module-level functions with the calls they make (`blocking_call_in_async` follows
    /// an async handler's calls through them, across modules).
    pub functions: Vec<Function>,
    /// DRF serializers and the relations each reads per object (`n_plus_one_query` joins them
    /// to the list views that use them).
    pub serializers: Vec<Serializer>,
    /// DRF list views: the serializer they use and what their queryset loads up front.
    pub list_views: Vec<ListView>,
    pub exports: Vec<Export>,
    pub owners: Vec<Owner>,
    pub mounts: Vec<Mount>,
    pub routes: Vec<Route>,
    /// For each route (same index), the branches it is registered in: (the `if` statement,
    /// which arm). Two routes registered in different arms of one `if` never both exist
    /// (`if (cache) app.get("/x", a) else app.get("/x", b)`).
    pub route_arms: Vec<Vec<(Span, u8)>>,
    pub urls: Vec<UrlEntry>,
    pub registrations: Vec<Registration>,
    pub views: Vec<View>,
    pub models: Vec<Model>,
    pub clients: Vec<Client>,
    pub tests: Vec<TestCalls>,
    /// GraphQL fields and their resolvers (`graphql.rs`).
    pub resolvers: Vec<Resolver>,
    /// WebSocket connection and message handlers (`websocket.rs`).
    pub sockets: Vec<SocketHandler>,
    /// FastAPI/Starlette `@app.websocket("/ws")` endpoints as socket handlers (event
    /// `websocket`, endpoint the path), with the auth their code shows: they are routes too
    /// (method `WEBSOCKET`), so the map and symbols list them with the routes, not here.
    pub ws_routes: Vec<SocketHandler>,
    /// What authenticates WebSocket connections before any handler runs, as written:
    /// socket.io middleware (`io.use`), `ws`'s `verifyClient`, an authenticating `upgrade`
    /// handler, a custom Socket.IO adapter, NestJS global guards, an ASGI token middleware.
    pub socket_guards: Vec<String>,
    /// Where `urlpatterns` is assigned (Django's app anchor).
    pub urlpatterns: Option<Span>,
    /// A settings module's `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`, when it names a
    /// permission other than `AllowAny`: what every DRF view without its own
    /// `permission_classes` requires.
    pub drf_default_permissions: Option<String>,
    /// The file defines a Django `class Migration(migrations.Migration)`.
    pub migration: bool,
    /// A Django migration's operations: the (model, field) pairs they create or add
    /// (`CreateModel` fields, `AddField`, `RenameField`'s new name), models lower-case.
    pub migration_fields: Vec<(String, String)>,
    /// A Django migration's `RenameModel` operations: (old, new), lower-case.
    pub migration_renames: Vec<(String, String)>,
    /// Django models of this file with no table of their own to migrate: abstract, proxy or
    /// `managed = False`.
    pub unmanaged_models: Vec<String>,
    /// What the file is for (runtime, test, migration, …); routes count only in runtime files.
    pub class: crate::FileClass,
    /// While extracting: Mongoose schemas by variable, models built from a schema variable,
    /// and Sequelize associations, joined to their models once the whole file is known.
    #[doc(hidden)]
    pub schemas: Vec<(String, Vec<Field>)>,
    #[doc(hidden)]
    pub model_schemas: Vec<(String, String)>,
    #[doc(hidden)]
    pub associations: Vec<(String, Field)>,
    /// While extracting: the names a file wraps in `fastify-plugin` (`module.exports =
    /// fp(users)`), marked on their owners once the whole file is known.
    #[doc(hidden)]
    pub shared_plugins: Vec<String>,
    /// A Fastify plugin module's `autoPrefix` and `prefixOverride` exports, which
    /// `@fastify/autoload` applies when it loads the module.
    pub auto_prefix: (Option<String>, Option<String>),
    /// While extracting: arrays made only of other arrays (`module.exports = [...users,
    /// ...books]`), hapi route lists once one of them is known to be.
    #[doc(hidden)]
    pub spread_routes: Vec<(String, Vec<String>, Span)>,
}

impl FileFacts {
    /// Appends an item's facts, moved by `delta` bytes and with orders after `base`.
    pub fn append(&mut self, other: &FileFacts, delta: isize, base: usize) {
        let s = |x: &Span| x.shifted(delta);
        let field = |f: &Field| Field {
            span: s(&f.span),
            ..f.clone()
        };
        self.imports.extend(other.imports.iter().cloned());
        self.functions.extend(other.functions.iter().map(|f| {
            Function {
                span: s(&f.span),
                calls: f
                    .calls
                    .iter()
                    .map(|c| FunctionCall {
                        span: s(&c.span),
                        ..c.clone()
                    })
                    .collect(),
                ..f.clone()
            }
        }));
        self.serializers
            .extend(other.serializers.iter().map(|x| Serializer {
                span: s(&x.span),
                ..x.clone()
            }));
        self.list_views
            .extend(other.list_views.iter().map(|x| ListView {
                span: s(&x.span),
                ..x.clone()
            }));
        self.exports.extend(other.exports.iter().cloned());
        self.owners.extend(other.owners.iter().map(|o| Owner {
            span: s(&o.span),
            ..o.clone()
        }));
        self.mounts.extend(other.mounts.iter().map(|m| Mount {
            span: s(&m.span),
            order: m.order + base,
            ..m.clone()
        }));
        self.routes.extend(other.routes.iter().map(|r| Route {
            span: s(&r.span),
            handler_span: s(&r.handler_span),
            handler_full: s(&r.handler_full),
            order: r.order + base,
            ..r.clone()
        }));
        self.urls.extend(other.urls.iter().map(|u| UrlEntry {
            span: s(&u.span),
            ..u.clone()
        }));
        self.registrations
            .extend(other.registrations.iter().map(|r| Registration {
                span: s(&r.span),
                ..r.clone()
            }));
        self.views.extend(other.views.iter().map(|v| View {
            span: s(&v.span),
            full: s(&v.full),
            ..v.clone()
        }));
        self.models.extend(other.models.iter().map(|m| Model {
            span: s(&m.span),
            full: s(&m.full),
            fields: m.fields.iter().map(field).collect(),
            ..m.clone()
        }));
        self.clients.extend(other.clients.iter().map(|c| Client {
            span: s(&c.span),
            ..c.clone()
        }));
        self.tests.extend(other.tests.iter().cloned());
        self.resolvers
            .extend(other.resolvers.iter().map(|r| Resolver {
                span: s(&r.span),
                full: s(&r.full),
                ..r.clone()
            }));
        self.sockets
            .extend(other.sockets.iter().map(|h| SocketHandler {
                span: s(&h.span),
                full: s(&h.full),
                ..h.clone()
            }));
        self.ws_routes
            .extend(other.ws_routes.iter().map(|h| SocketHandler {
                span: s(&h.span),
                full: s(&h.full),
                ..h.clone()
            }));
        self.socket_guards
            .extend(other.socket_guards.iter().cloned());
        if other.drf_default_permissions.is_some() {
            self.drf_default_permissions
                .clone_from(&other.drf_default_permissions);
        }
        if let Some(u) = &other.urlpatterns {
            self.urlpatterns = Some(s(u));
        }
        self.migration |= other.migration;
        self.migration_fields
            .extend(other.migration_fields.iter().cloned());
        self.migration_renames
            .extend(other.migration_renames.iter().cloned());
        self.unmanaged_models
            .extend(other.unmanaged_models.iter().cloned());
        self.schemas.extend(
            other
                .schemas
                .iter()
                .map(|(v, fs)| (v.clone(), fs.iter().map(field).collect())),
        );
        self.model_schemas
            .extend(other.model_schemas.iter().cloned());
        self.associations.extend(
            other
                .associations
                .iter()
                .map(|(m, f)| (m.clone(), field(f))),
        );
        self.shared_plugins
            .extend(other.shared_plugins.iter().cloned());
        if other.auto_prefix.0.is_some() {
            self.auto_prefix.0 = other.auto_prefix.0.clone();
        }
        if other.auto_prefix.1.is_some() {
            self.auto_prefix.1 = other.auto_prefix.1.clone();
        }
        self.spread_routes.extend(
            other
                .spread_routes
                .iter()
                .map(|(v, names, at)| (v.clone(), names.clone(), s(at))),
        );
    }

    pub fn is_empty(&self) -> bool {
        *self
            == FileFacts {
                class: self.class,
                ..FileFacts::default()
            }
    }

    /// A hash of everything but positions: equal shapes resolve to the same routes.
    pub fn shape(&self) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        self.hash(&mut h);
        h.finish()
    }
}

/// Words in a dependency, decorator or middleware name that mean it authenticates or
/// authorises the caller.
const AUTH_WORDS: &[&str] = &[
    "auth",
    "login",
    "current_user",
    "currentuser",
    "jwt",
    "token",
    "permission",
    "protect",
    "verify_user",
    "require_user",
    "requireuser",
    "passport",
    "isadmin",
    "is_admin",
    "admin_required",
    "guard",
    "api_key",
    "apikey",
    "oauth",
    "bearer",
    "session_required",
    "ensureloggedin",
    "isauthenticated",
    "roles_required",
    "role_required",
    "signed_in",
    "security",
    "admin",
    "require_role",
    "staff",
    "superuser",
];

/// Whether a dependency/decorator/middleware name is an authentication or authorisation check.
pub fn is_auth_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // Opting out is not authentication (hapi's `options: { auth: false }`).
    if lower.contains("allowany")
        || lower.contains("optional")
        || lower.contains("csrf_exempt")
        || lower == "auth: false"
    {
        return false;
    }
    AUTH_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a dependency/decorator/middleware name marks a route public or its authentication
/// optional on purpose: `@jwt_optional`, `@jwt_required(optional=True)`, `auth.optional`,
/// `AllowAny`, NestJS `@Public()`, `@SkipAuth()`, `@AllowAnonymous()`, Django's
/// `@login_not_required`, `Depends(get_optional_user)`.
pub fn is_public_name(name: &str) -> bool {
    // What the JavaScript model calls an inline middleware (`app.use((req, res, next) => …)`)
    // says nothing about authentication.
    if name == "anonymous function" {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("optional")
        || lower.contains("allowany")
        || lower.contains("allow_any")
        || lower.contains("anonymous")
        || lower.contains("skipauth")
        || lower.contains("skip_auth")
        || lower.contains("noauth")
        || lower.contains("no_auth")
        || lower.contains("login_not_required")
        || lower.contains("auth_exempt")
        || lower.contains("unauthenticated")
        || lower == "auth: false"
    {
        return true;
    }
    // `Public`, `@public`, `public_route`, `isPublic`, `IS_PUBLIC_KEY`: the word, not `publish`.
    crate::classify::words(&lower.replace('.', "_"))
        .iter()
        .any(|w| w == "public" || w == "ispublic")
}

/// Placeholders in any framework's syntax become `{}`: `{id}`, `<int:id>`, `:id`, `(?P<id>…)`.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                }
                out.push_str("{}");
            }
            '<' => {
                for d in chars.by_ref() {
                    if d == '>' {
                        break;
                    }
                }
                out.push_str("{}");
            }
            ':' if out.ends_with('/') || out.is_empty() => {
                while chars
                    .peek()
                    .is_some_and(|d| d.is_alphanumeric() || *d == '_')
                {
                    chars.next();
                }
                // Express optional/regex suffixes (`:id?`, `:id(\\d+)`).
                if chars.peek() == Some(&'?') {
                    chars.next();
                }
                out.push_str("{}");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Joins path pieces with exactly one `/` between them (Django-style pieces carry their own
/// trailing slashes; FastAPI/Flask/Express pieces start with one).
pub fn join_paths(a: &str, b: &str) -> String {
    if a.is_empty() {
        return b.to_owned();
    }
    if b.is_empty() {
        return a.to_owned();
    }
    match (a.ends_with('/'), b.starts_with('/')) {
        (true, true) => format!("{a}{}", &b[1..]),
        (false, false) => format!("{a}/{b}"),
        _ => format!("{a}{b}"),
    }
}

/// Whether a test's literal path (`/users/42?x=1`, `/users/{uid}`) calls a route's full path.
pub fn path_matches(route: &str, called: &str) -> bool {
    let called = called.split(['?', '#']).next().unwrap_or("");
    let called = called
        .find("://")
        .and_then(|i| called[i + 3..].find('/').map(|j| &called[i + 3 + j..]))
        .unwrap_or(called);
    let r: Vec<&str> = route.trim_end_matches('/').split('/').collect();
    let c: Vec<&str> = called.trim_end_matches('/').split('/').collect();
    if r.len() != c.len() {
        return false;
    }
    r.iter().zip(&c).all(|(r, c)| {
        let placeholder = r.contains('{') || r.contains('<') || r.starts_with(':');
        (placeholder && !c.is_empty()) || r == c || c.starts_with('{') || c.starts_with("${")
    })
}

impl Framework {
    /// The framework a file uses, judged by its imports.
    pub fn of_source(language: Language, text: &str) -> Option<Self> {
        let lines = text.lines().map(str::trim_start);
        match language.family() {
            Family::Python => {
                let mut found = None;
                for l in lines {
                    let module = l
                        .strip_prefix("from ")
                        .or_else(|| l.strip_prefix("import "))
                        .map(|m| m.split(['.', ' ', ',']).next().unwrap_or(""));
                    match module {
                        Some("fastapi") | Some("starlette") => return Some(Self::FastApi),
                        Some("flask") => found = found.or(Some(Self::Flask)),
                        Some("django") | Some("rest_framework") => {
                            found = found.or(Some(Self::Django))
                        }
                        _ => {}
                    }
                }
                found
            }
            Family::JavaScript => {
                // The module a `require`/`import` line loads, in either quote style.
                let loads = |l: &str, module: &str| {
                    (l.contains("require(") || l.starts_with("import") || l.contains("from "))
                        && (l.contains(&format!("'{module}'"))
                            || l.contains(&format!("\"{module}\"")))
                };
                let mut found = None;
                for l in lines {
                    if (l.starts_with("import") || l.contains("require(")) && l.contains("@nestjs/")
                    {
                        return Some(Self::NestJs);
                    }
                    let f = if loads(l, "fastify") {
                        Self::Fastify
                    } else if loads(l, "koa") || loads(l, "@koa/router") || loads(l, "koa-router") {
                        Self::Koa
                    } else if loads(l, "express") {
                        Self::Express
                    } else {
                        continue;
                    };
                    found = found.or(Some(f));
                }
                // A Fastify plugin module takes the instance as a parameter and imports nothing
                // of Fastify's: `module.exports = async function (fastify, opts) { fastify.get(…) }`.
                found.or_else(|| {
                    let plugin_route =
                        ["get", "post", "put", "patch", "delete", "route", "register"]
                            .iter()
                            .any(|m| text.contains(&format!("fastify.{m}(")));
                    (plugin_route && text.contains("(fastify")).then_some(Self::Fastify)
                })
            }
        }
    }
}

// GraphQL and WebSocket facts (extracted by `graphql.rs` and `websocket.rs`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GraphqlLibrary {
    Strawberry,
    Graphene,
    Ariadne,
    /// A resolver map: Apollo Server, graphql-yoga, Mercurius, graphql-tools.
    ResolverMap,
    /// NestJS `@nestjs/graphql` or TypeGraphQL: `@Resolver` classes.
    Decorators,
}

impl GraphqlLibrary {
    pub fn name(self) -> &'static str {
        match self {
            Self::Strawberry => "Strawberry",
            Self::Graphene => "Graphene",
            Self::Ariadne => "Ariadne",
            Self::ResolverMap => "resolver map",
            Self::Decorators => "NestJS/TypeGraphQL",
        }
    }
}

/// One field of a GraphQL type and the function that resolves it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resolver {
    pub library: GraphqlLibrary,
    /// Whether the resolver checks its caller (`handler_auth`).
    pub auth: HandlerAuth,
    /// The GraphQL type: `Query`, `Mutation`, `Subscription`, or an object type (`User`).
    pub parent: String,
    /// The field name as the schema exposes it (as written; Strawberry's camel-casing is not
    /// applied).
    pub field: String,
    /// The resolving function as written (`resolve_user`, `CreateUser.mutate`, `Query.user`).
    pub function: String,
    /// The resolver's name (or the field's key).
    pub span: Span,
    /// The whole resolver definition.
    pub full: Span,
}

/// Whether a handler without a route chain (a resolver, a socket handler) checks its caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HandlerAuth {
    /// A decorator, guard or check in its code authenticates or authorises.
    Required,
    /// Marked public or optionally authenticated on purpose (`@Public()`, `AllowAny`).
    Public,
    /// Nothing checks the caller.
    #[default]
    None,
}

impl Resolver {
    /// `Query.user → resolve_user`
    pub fn label(&self) -> String {
        format!("{}.{} → {}", self.parent, self.field, self.function)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketLibrary {
    Channels,
    Starlette,
    /// Flask-SocketIO or python-socketio.
    PythonSocketIo,
    /// socket.io or `ws` (`x.on("connection", …)`).
    NodeSocket,
    NestGateway,
}

impl SocketLibrary {
    pub fn name(self) -> &'static str {
        match self {
            Self::Channels => "Django Channels",
            Self::Starlette => "Starlette",
            Self::PythonSocketIo => "Socket.IO",
            Self::NodeSocket => "socket.io/ws",
            Self::NestGateway => "NestJS gateway",
        }
    }
}

/// One WebSocket handler: a connection handler or the handler of one message event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SocketHandler {
    pub library: SocketLibrary,
    /// What the handler hangs off: the consumer or gateway class, the server variable
    /// (`socketio`, `io`, `wss`), with the namespace when one is given (`sio /chat`).
    pub endpoint: String,
    /// `connection`, `connect`, `receive`, a Socket.IO event name…
    pub event: String,
    /// The handler as written (`handle_chat`, `ChatConsumer.receive`), or `anonymous`.
    pub handler: String,
    /// Whether the handler checks its caller (`handler_auth::socket_auth`).
    pub auth: HandlerAuth,
    pub span: Span,
    pub full: Span,
}

impl SocketHandler {
    /// `socket.io event "chat" → handle_chat`
    pub fn label(&self) -> String {
        format!("{} \"{}\" → {}", self.endpoint, self.event, self.handler)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_normalise_across_frameworks() {
        assert_eq!(normalize_path("/users/{id}"), "/users/{}");
        assert_eq!(normalize_path("/users/<int:id>"), "/users/{}");
        assert_eq!(normalize_path("/users/:id"), "/users/{}");
        assert_eq!(normalize_path("/users/:id?/x"), "/users/{}/x");
        assert_eq!(normalize_path("/a:b"), "/a:b");
    }

    #[test]
    fn joins_keep_one_slash() {
        assert_eq!(join_paths("/api", "/users"), "/api/users");
        assert_eq!(join_paths("/api/", "/users"), "/api/users");
        assert_eq!(join_paths("api/", "users/"), "api/users/");
        assert_eq!(join_paths("", "/x"), "/x");
        assert_eq!(join_paths("/x", ""), "/x");
    }

    #[test]
    fn test_paths_match_routes() {
        assert!(path_matches("/users/{id}", "/users/42"));
        assert!(path_matches("/users/:id", "/users/42?full=1"));
        assert!(path_matches("/users/<int:id>/", "/users/7/"));
        assert!(path_matches("/users/{id}", "/users/{user.id}"));
        assert!(path_matches("/health", "http://testserver/health"));
        assert!(!path_matches("/users/{id}", "/users"));
        assert!(!path_matches("/users", "/orders"));
    }

    #[test]
    fn auth_names() {
        for yes in [
            "get_current_user",
            "login_required",
            "requireAuth",
            "passport.authenticate",
            "jwt_required",
            "IsAuthenticated",
            "verify_token",
        ] {
            assert!(is_auth_name(yes), "{yes}");
        }
        for no in ["get_db", "AllowAny", "cors", "json", "get_optional_user"] {
            assert!(!is_auth_name(no), "{no}");
        }
        for public in [
            "jwt_optional",
            "jwt_required(optional=True)",
            "auth.optional",
            "AllowAny",
            "Public",
            "SkipAuth",
            "login_not_required",
            "get_optional_user",
        ] {
            assert!(is_public_name(public), "{public}");
        }
        for not_public in [
            "publish",
            "login_required",
            "republish_post",
            "get_current_user",
            "anonymous function",
        ] {
            assert!(!is_public_name(not_public), "{not_public}");
        }
    }
}
