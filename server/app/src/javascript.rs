//! Facts from JavaScript/TypeScript files: Express apps, routers, `use` chains and routes
//! (`router.route(p).get().post()` too), `require`/`import`/`export`; Mongoose and Sequelize
//! models; HTTP/DB/cache clients; the paths tests call.

use ba_syntax::NodeExt;
use std::collections::HashMap;

use tree_sitter::Node;

use super::facts::*;
use ba_analysis::{named_children, text};

#[path = "hapi.rs"]
mod hapi;

/// What the file mentions, computed once per file and part of the per-item cache key.
#[derive(Clone, Copy, Default)]
pub(super) struct Mentions {
    express: bool,
    /// `koa` and a Koa router (`@koa/router`, `koa-router`).
    koa: bool,
    koa_router: bool,
    /// `@nestjs/…`.
    nest: bool,
    /// Fastify: an import of `fastify`, or a plugin module whose first line names it
    /// (`module.exports = async function (fastify, opts) {`).
    fastify: bool,
    /// An import of the `fastify` package itself: apps are made only with it (the framework's
    /// own examples import `../fastify.js` and are not applications).
    fastify_package: bool,
    /// `@hapi/hapi` (or the old `hapi` package).
    hapi: bool,
    sequelize: bool,
    test: bool,
    /// Bit `i` set when the file imports `CLIENTS[i].1` (quoted, as a module name).
    clients: u64,
}

impl Mentions {
    pub(super) fn of(source: &str, is_test: bool) -> Self {
        let mut clients = 0u64;
        for (i, (_, word, _)) in CLIENTS.iter().enumerate() {
            if source.contains(&format!("'{word}") as &str)
                || source.contains(&format!("\"{word}") as &str)
            {
                clients |= 1 << i;
            }
        }
        Mentions {
            express: source.contains("express"),
            koa: source.contains("'koa'") || source.contains("\"koa\""),
            koa_router: source.contains("koa-router") || source.contains("@koa/router"),
            nest: source.contains("@nestjs/"),
            fastify: source.contains("astify"),
            fastify_package: source.contains("'fastify'") || source.contains("\"fastify\""),
            hapi: source.contains("@hapi/hapi")
                || source.contains("'hapi'")
                || source.contains("\"hapi\""),
            sequelize: source.contains("sequelize"),
            test: is_test,
            clients,
        }
    }

    pub(super) fn key(&self) -> u64 {
        (self.clients << 9)
            | (u64::from(self.hapi) << 8)
            | (u64::from(self.fastify_package) << 7)
            | (u64::from(self.fastify) << 6)
            | (u64::from(self.nest) << 5)
            | (u64::from(self.koa_router) << 4)
            | (u64::from(self.koa) << 3)
            | (u64::from(self.express) << 2)
            | (u64::from(self.sequelize) << 1)
            | u64::from(self.test)
    }
}

struct Cx<'s> {
    src: &'s str,
    m: Mentions,
    order: usize,
    function: Option<String>,
    /// The NestJS class already read through its `export` statement.
    nest_done: Option<usize>,
    /// The Fastify plugin whose body the walk is in: (its instance parameter, the owner it
    /// registers on, the function's range).
    plugin: Option<(String, String, Span)>,
    /// Names given to function literals by where they stand (`module.exports = async
    /// function (fastify) {…}`, `fp(async (fastify) => …)`, `fastify.register(async (f) =>
    /// …)`): (start byte, name, a position only plugins take, wrapped in `fastify-plugin`).
    named_fns: Vec<(usize, String, bool, bool)>,
    /// Inline plugins registered in this item, for their names.
    inline_plugins: usize,
    /// The start bytes of hapi plugins' `register` functions among `named_fns`.
    hapi_fns: Vec<usize>,
    out: FileFacts,
}

impl Cx<'_> {
    fn next(&mut self) -> usize {
        self.order += 1;
        self.order
    }
}

fn span(n: Node) -> Span {
    Span(n.byte_range())
}

/// A string or template literal's content, `${…}` kept as written.
fn string_lit<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    match n.kind_str() {
        "string" | "template_string" => {
            let t = text(n, src);
            t.get(1..t.len().saturating_sub(1))
        }
        _ => None,
    }
}

fn args_of(call: Node) -> Vec<Node> {
    call.field("arguments")
        .map(|a| {
            named_children(a)
                .into_iter()
                .filter(|c| c.kind_str() != "comment")
                .collect()
        })
        .unwrap_or_default()
}

/// `require("x")` → `x`.
fn require_path<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    if n.kind_str() != "call_expression" {
        return None;
    }
    let f = n.field("function")?;
    if text(f, src) != "require" {
        return None;
    }
    string_lit(*args_of(n).first()?, src)
}

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "all", "options", "head",
];

/// The names a function returns (`return app;`), outside functions nested in it.
fn returned_names(function: Node, src: &str) -> Vec<String> {
    fn walk(n: Node, src: &str, out: &mut Vec<String>) {
        let Some(_level) = ba_syntax::depth::enter() else {
            return;
        };
        for c in named_children(n) {
            if ba_analysis::routes::is_js_function(c.kind_str())
                || c.kind_str() == "class_declaration"
            {
                continue;
            }
            if c.kind_str() == "return_statement" {
                if let Some(v) = c.named_child(0).filter(|v| v.kind_str() == "identifier") {
                    out.push(text(v, src).to_owned());
                }
                continue;
            }
            walk(c, src, out);
        }
    }
    let mut out = Vec::new();
    match function.field("body") {
        // `() => app` returns its expression body.
        Some(b) if b.kind_str() == "identifier" => out.push(text(b, src).to_owned()),
        Some(b) => walk(b, src, &mut out),
        None => {}
    }
    out.dedup();
    out
}

/// How a middleware or router argument is named: identifiers and members as written,
/// `require("./x")` as `require:./x`, other calls by their function.
fn arg_name(n: Node, src: &str) -> String {
    if let Some(p) = require_path(n, src) {
        return format!("require:{p}");
    }
    match n.kind_str() {
        // A factory module called where it is mounted: `app.use("/members", require("./members")())`.
        "call_expression"
            if n.field("function")
                .and_then(|f| require_path(f, src))
                .is_some() =>
        {
            arg_name(n.field("function").unwrap_or(n), src)
        }
        // Koa routers mount as `router.routes()` (or `.middleware()`).
        "call_expression"
            if n.field("function")
                .filter(|f| f.kind_str() == "member_expression")
                .and_then(|f| f.field("property"))
                .is_some_and(|p| matches!(text(p, src), "routes" | "middleware")) =>
        {
            let object = n
                .field("function")
                .and_then(|f| f.field("object"))
                .unwrap_or(n);
            arg_name(object, src)
        }
        "call_expression" => n
            .field("function")
            .map_or_else(|| text(n, src).to_owned(), |f| text(f, src).to_owned()),
        "arrow_function" | "function_expression" | "function" => "anonymous function".to_owned(),
        _ => text(n, src).to_owned(),
    }
}

/// The facts of one top-level item (byte ranges absolute, orders from 1); `finish` completes
/// the file's facts once every item's are merged.
pub(super) fn extract_item(item: Node, src: &str, m: Mentions) -> FileFacts {
    let mut cx = Cx {
        src,
        m,
        order: 0,
        function: None,
        nest_done: None,
        plugin: None,
        named_fns: Vec::new(),
        inline_plugins: 0,
        hapi_fns: Vec::new(),
        out: FileFacts::default(),
    };
    visit(&mut cx, item);
    cx.out
}

/// What needs the whole file: routes only on apps and routers (not any object with a `get`
/// method, like `axios.get` or `map.get`), Mongoose schemas and Sequelize associations joined
/// to their models.
pub(super) fn finish(facts: &mut FileFacts, m: Mentions) {
    hapi::finish_spreads(facts);
    let owners: Vec<String> = facts.owners.iter().map(|o| o.var.clone()).collect();
    // A route takes its framework from the owner it is registered on (Koa routers use the
    // same calls as Express), or from what the file imports for a router from elsewhere.
    for r in &mut facts.routes {
        match facts.owners.iter().find(|o| o.var == r.owner) {
            Some(o) => r.framework = o.framework,
            None if m.koa_router && !m.express => r.framework = Framework::Koa,
            None if m.fastify && !m.express && !m.koa_router => r.framework = Framework::Fastify,
            None => {}
        }
    }
    // hapi unwraps a module's `plugin` export: `export const plugin = { name, register }`.
    if !facts.exports.iter().any(|e| e.name.is_none()) {
        if let Some(e) = facts
            .exports
            .iter()
            .find(|e| e.name.as_deref() == Some("plugin"))
        {
            let local = e.local.clone();
            facts.exports.push(Export { name: None, local });
        }
    }
    for name in std::mem::take(&mut facts.shared_plugins) {
        for o in facts.owners.iter_mut().filter(|o| o.var == name) {
            o.shares_parent = true;
        }
    }
    let imported: Vec<String> = facts.imports.iter().map(|i| i.local.clone()).collect();
    let node_router = m.express || m.koa || m.koa_router;
    facts.routes.retain(|r| {
        owners.contains(&r.owner)
            || (looks_like_router(&r.owner) && node_router)
            || imported.contains(&r.owner) && looks_like_router(&r.owner)
    });
    facts
        .mounts
        .retain(|x| owners.contains(&x.parent) || looks_like_router(&x.parent) && node_router);
    let schemas: HashMap<String, Vec<Field>> =
        std::mem::take(&mut facts.schemas).into_iter().collect();
    for (model, var) in std::mem::take(&mut facts.model_schemas) {
        if let (Some(x), Some(fields)) = (
            facts.models.iter_mut().find(|x| x.name == model),
            schemas.get(&var),
        ) {
            x.fields = fields.clone();
        }
    }
    for (model, field) in std::mem::take(&mut facts.associations) {
        if let Some(x) = facts.models.iter_mut().find(|x| x.name == model) {
            x.fields.push(field);
        }
    }
}

fn looks_like_router(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "app" | "api" | "server" | "routes")
        || lower.ends_with("router")
        || lower.ends_with("app")
}

fn visit(cx: &mut Cx, n: Node) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    super::walk_named(n, &mut |n| enter(cx, n));
}

/// Records what `n` says; false when its subtree is handled (or cannot hold facts).
fn enter(cx: &mut Cx, n: Node) -> bool {
    match n.kind_str() {
        "variable_declarator" => declarator(cx, n),
        "import_statement" => {
            import(cx, n);
            return false;
        }
        "export_statement" => export_statement(cx, n),
        "class_declaration" if cx.m.nest && cx.nest_done != Some(n.start_byte()) => {
            nest_class_declaration(cx, n)
        }
        "assignment_expression" => assignment(cx, n),
        "call_expression" if call(cx, n) => return false,
        "new_expression" => client(cx, n, None),
        "function_declaration" | "method_definition" => {
            if n.kind_str() == "function_declaration" {
                hapi_function_declaration(cx, n);
            }
            let name = n.field("name").map(|x| text(x, cx.src).to_owned());
            let outer = std::mem::replace(&mut cx.function, name);
            function_body(cx, n);
            cx.function = outer;
            return false;
        }
        "arrow_function" | "function_expression" | "function"
            if cx.m.fastify || !cx.hapi_fns.is_empty() =>
        {
            function_body(cx, n);
            return false;
        }
        "string" | "comment" | "identifier" | "number" | "property_identifier" => return false,
        _ => {}
    }
    true
}

fn declarator(cx: &mut Cx, n: Node) {
    let src = cx.src;
    let (Some(name), Some(value)) = (n.field("name"), n.field("value")) else {
        return;
    };
    // `const { a, b: c } = require("./x")`.
    if name.kind_str() == "object_pattern" {
        if let Some(p) = require_path(value, src) {
            for prop in named_children(name) {
                let (key, local) = match prop.kind_str() {
                    "shorthand_property_identifier_pattern" => (text(prop, src), text(prop, src)),
                    "pair_pattern" => (
                        prop.field("key").map_or("", |k| text(k, src)),
                        prop.field("value").map_or("", |v| text(v, src)),
                    ),
                    _ => continue,
                };
                cx.out.imports.push(Import {
                    local: local.to_owned(),
                    target: format!("{p}#{key}"),
                });
            }
        }
        return;
    }
    let var = text(name, src);
    if cx.m.fastify && name_plugin(cx, value, var, false) {
        return;
    }
    // `export const autoPrefix = "/users"` (a declaration's only `autoPrefix` is an export or
    // a local nobody reads).
    if cx.m.fastify && auto_prefix(cx, var, value) {
        return;
    }
    if hapi::is_container(value, src) {
        hapi::container(cx, var, value);
        return;
    }
    if hapi::name_plugin_object(cx, value, var) {
        return;
    }
    if hapi::spread_list(cx, var, value) {
        return;
    }
    if let Some(p) = require_path(value, src) {
        cx.out.imports.push(Import {
            local: var.to_owned(),
            target: format!("{p}#"),
        });
        return;
    }
    // `require("./x").router`.
    if value.kind_str() == "member_expression" {
        if let (Some(o), Some(prop)) = (value.field("object"), value.field("property")) {
            if let Some(p) = require_path(o, src) {
                cx.out.imports.push(Import {
                    local: var.to_owned(),
                    target: format!("{p}#{}", text(prop, src)),
                });
                return;
            }
        }
    }
    let call = match value.kind_str() {
        "call_expression" | "new_expression" => value,
        "await_expression" => match named_children(value).first() {
            Some(c) => *c,
            None => return,
        },
        _ => return,
    };
    let f = call
        .field("function")
        .or_else(|| call.field("constructor"))
        .map_or("", |f| text(f, src));
    if cx.m.koa || cx.m.koa_router {
        // `new Koa()`, `new Router({ prefix: "/posts" })` from `@koa/router`/`koa-router`.
        let owner = if f == "Koa" && cx.m.koa {
            Some(true)
        } else if cx.m.koa_router && (f == "Router" || f.ends_with("Router")) {
            Some(false)
        } else {
            None
        };
        if let Some(is_app) = owner {
            let prefix = args_of(call)
                .first()
                .and_then(|o| prop(*o, "prefix", src))
                .and_then(|p| string_lit(p, src))
                .unwrap_or("")
                .to_owned();
            cx.out.owners.push(Owner {
                var: var.to_owned(),
                framework: Framework::Koa,
                is_app,
                prefix,
                deps: Vec::new(),
                shares_parent: false,
                span: span(call),
            });
            return;
        }
    }
    if hapi::is_factory(f, &cx.m) {
        // `const server = Hapi.server({ port: 3000 })`.
        cx.out.owners.push(Owner {
            var: var.to_owned(),
            framework: Framework::Hapi,
            is_app: true,
            prefix: String::new(),
            deps: Vec::new(),
            shares_parent: false,
            span: span(call),
        });
        return;
    }
    if cx.m.fastify_package && call.kind_str() == "call_expression" && fastify_factory(call, src) {
        // `const app = Fastify({ logger: true })`, `require("fastify")()`.
        cx.out.owners.push(Owner {
            var: var.to_owned(),
            framework: Framework::Fastify,
            is_app: true,
            prefix: String::new(),
            deps: Vec::new(),
            shares_parent: false,
            span: span(call),
        });
        return;
    }
    if cx.m.nest && f == "NestFactory.create" {
        // `const app = await NestFactory.create(AppModule)`: the app mounts the root module.
        cx.out.owners.push(Owner {
            var: var.to_owned(),
            framework: Framework::NestJs,
            is_app: true,
            prefix: String::new(),
            deps: Vec::new(),
            shares_parent: false,
            span: span(call),
        });
        if let Some(module) = args_of(call).first() {
            let order = cx.next();
            cx.out.mounts.push(Mount {
                parent: var.to_owned(),
                children: vec![text(*module, src).to_owned()],
                prefix: None,
                deps: Vec::new(),
                order,
                span: span(call),
            });
        }
        return;
    }
    if cx.m.express {
        let owner = if f == "express" {
            Some(true)
        } else if f == "express.Router"
            || f == "Router"
            || f.ends_with("express\").Router")
            || f.ends_with("express').Router")
        {
            Some(false)
        } else {
            None
        };
        if let Some(is_app) = owner {
            cx.out.owners.push(Owner {
                var: var.to_owned(),
                framework: Framework::Express,
                is_app,
                prefix: String::new(),
                deps: Vec::new(),
                shares_parent: false,
                span: span(call),
            });
            return;
        }
    }
    if matches!(f, "Schema" | "mongoose.Schema") && call.kind_str() == "new_expression" {
        if let Some(obj) = args_of(call).first() {
            let fields = mongoose_fields(*obj, src);
            cx.out.schemas.push((var.to_owned(), fields));
        }
        return;
    }
    if model_call(cx, call, f) {
        return;
    }
    client(cx, call, Some(var));
}

/// `mongoose.model("User", schema)`, `sequelize.define("User", {…})`, `User.init({…})`.
fn model_call(cx: &mut Cx, call: Node, f: &str) -> bool {
    let src = cx.src;
    let last = f.rsplit('.').next().unwrap_or(f);
    if !matches!(last, "model" | "define") {
        return false;
    }
    // `const User = sequelize.define(…)` is met as a declaration and then as a call.
    if cx.out.models.iter().any(|m| m.span.0 == call.byte_range()) {
        return true;
    }
    let args = args_of(call);
    match last {
        "model" if f.starts_with("mongoose") || f == "model" => {
            let (Some(name), Some(schema)) =
                (args.first().and_then(|a| string_lit(*a, src)), args.get(1))
            else {
                return false;
            };
            let fields = if schema.kind_str() == "new_expression" {
                args_of(*schema)
                    .first()
                    .map(|o| mongoose_fields(*o, src))
                    .unwrap_or_default()
            } else {
                // The schema may be declared in another item: joined in `finish`.
                cx.out
                    .model_schemas
                    .push((name.to_owned(), text(*schema, src).to_owned()));
                Vec::new()
            };
            cx.out.models.push(Model {
                name: name.to_owned(),
                kind: ModelKind::Mongoose,
                fields,
                span: span(call),
                full: span(call),
            });
            true
        }
        "define" if cx.m.sequelize => {
            let (Some(name), Some(attrs)) =
                (args.first().and_then(|a| string_lit(*a, src)), args.get(1))
            else {
                return false;
            };
            let fields = sequelize_fields(*attrs, args.get(2).copied(), src);
            cx.out.models.push(Model {
                name: name.to_owned(),
                kind: ModelKind::Sequelize,
                fields,
                span: span(call),
                full: span(call),
            });
            true
        }
        _ => false,
    }
}

fn pairs(obj: Node) -> Vec<Node> {
    if obj.kind_str() != "object" {
        return Vec::new();
    }
    named_children(obj)
        .into_iter()
        .filter(|p| p.kind_str() == "pair")
        .collect()
}

fn key_text<'s>(pair: Node, src: &'s str) -> &'s str {
    pair.field("key")
        .map_or("", |k| string_lit(k, src).unwrap_or_else(|| text(k, src)))
}

/// The value of `key` in an object literal.
fn prop<'t>(obj: Node<'t>, key: &str, src: &str) -> Option<Node<'t>> {
    pairs(obj)
        .into_iter()
        .find(|p| key_text(*p, src) == key)
        .and_then(|p| p.field("value"))
}

fn mongoose_fields(obj: Node, src: &str) -> Vec<Field> {
    let mut out = Vec::new();
    for p in pairs(obj) {
        let Some(v) = p.field("value") else {
            continue;
        };
        let mut field = Field {
            name: key_text(p, src).to_owned(),
            ty: text(v, src).to_owned(),
            foreign_key: None,
            relationship: None,
            indexed: false,
            span: p.field("key").map(span).unwrap_or_else(|| span(p)),
        };
        let (def, many) = match v.kind_str() {
            "array" => match named_children(v).first() {
                Some(first) => (*first, true),
                None => (v, true),
            },
            _ => (v, false),
        };
        if def.kind_str() == "object" {
            if let Some(t) = prop(def, "type", src) {
                field.ty = text(t, src).to_owned();
            }
            if let Some(r) = prop(def, "ref", src) {
                let target = string_lit(r, src).unwrap_or(text(r, src)).to_owned();
                if many {
                    field.relationship = Some(target);
                } else {
                    field.foreign_key = Some(target);
                }
            }
            field.indexed = ["index", "unique"]
                .iter()
                .any(|k| prop(def, k, src).is_some_and(|x| text(x, src) == "true"));
        }
        if many {
            field.ty = format!("[{}]", field.ty);
        }
        out.push(field);
    }
    out
}

fn sequelize_fields(attrs: Node, options: Option<Node>, src: &str) -> Vec<Field> {
    // `indexes: [{ fields: ["userId"] }]` in the options.
    let indexed: Vec<String> = options
        .and_then(|o| prop(o, "indexes", src))
        .map(|list| {
            named_children(list)
                .into_iter()
                .filter_map(|i| prop(i, "fields", src))
                .flat_map(named_children)
                .filter_map(|f| string_lit(f, src).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for p in pairs(attrs) {
        let Some(v) = p.field("value") else {
            continue;
        };
        let name = key_text(p, src).to_owned();
        let mut field = Field {
            indexed: indexed.contains(&name),
            name,
            ty: text(v, src).to_owned(),
            foreign_key: None,
            relationship: None,
            span: p.field("key").map(span).unwrap_or_else(|| span(p)),
        };
        if v.kind_str() == "object" {
            if let Some(t) = prop(v, "type", src) {
                field.ty = text(t, src).to_owned();
            }
            if let Some(r) = prop(v, "references", src) {
                field.foreign_key = prop(r, "model", src)
                    .map(|m| string_lit(m, src).unwrap_or(text(m, src)).to_owned());
            }
            field.indexed |= ["unique", "primaryKey"]
                .iter()
                .any(|k| prop(v, k, src).is_some_and(|x| text(x, src) == "true"));
        }
        out.push(field);
    }
    out
}

/// Client constructors: (callee, word the file must mention, kind).
const CLIENTS: &[(&str, &str, &str)] = &[
    ("axios.create", "axios", "axios.create"),
    ("got.extend", "got", "got.extend"),
    ("Pool", "pg", "pg.Pool"),
    ("pg.Pool", "pg", "pg.Pool"),
    ("Client", "pg", "pg.Client"),
    ("pg.Client", "pg", "pg.Client"),
    ("Redis", "ioredis", "ioredis.Redis"),
    ("createClient", "redis", "redis.createClient"),
    ("redis.createClient", "redis", "redis.createClient"),
    ("MongoClient", "mongodb", "mongodb.MongoClient"),
    ("mongoose.connect", "mongoose", "mongoose.connect"),
    (
        "mongoose.createConnection",
        "mongoose",
        "mongoose.createConnection",
    ),
    ("Sequelize", "sequelize", "sequelize.Sequelize"),
    ("mysql.createPool", "mysql", "mysql.createPool"),
    ("mysql.createConnection", "mysql", "mysql.createConnection"),
    ("knex", "knex", "knex"),
];

fn client(cx: &mut Cx, call: Node, var: Option<&str>) {
    // An assignment records its call with the variable first; the walk then meets the call.
    if cx.out.clients.iter().any(|c| c.span.0 == call.byte_range()) {
        return;
    }
    let f = call
        .field("function")
        .or_else(|| call.field("constructor"))
        .map_or("", |f| text(f, cx.src));
    // `new Client()` is too common a name to count without the module that defines it.
    let hit = CLIENTS
        .iter()
        .enumerate()
        .find(|(i, (name, _, _))| f == *name && cx.m.clients & (1 << i) != 0);
    if let Some((_, (_, _, kind))) = hit {
        cx.out.clients.push(Client {
            kind: (*kind).to_owned(),
            var: var.map(str::to_owned),
            function: cx.function.clone(),
            span: span(call),
        });
    }
}

fn import(cx: &mut Cx, n: Node) {
    let src = cx.src;
    let Some(source) = n.field("source").and_then(|s| string_lit(s, src)) else {
        return;
    };
    for clause in named_children(n)
        .into_iter()
        .filter(|c| c.kind_str() == "import_clause")
    {
        for part in named_children(clause) {
            match part.kind_str() {
                "identifier" => cx.out.imports.push(Import {
                    local: text(part, src).to_owned(),
                    target: format!("{source}#"),
                }),
                "namespace_import" => {
                    if let Some(id) = named_children(part)
                        .into_iter()
                        .find(|c| c.kind_str() == "identifier")
                    {
                        cx.out.imports.push(Import {
                            local: text(id, src).to_owned(),
                            target: format!("{source}#*"),
                        });
                    }
                }
                "named_imports" => {
                    for spec in named_children(part) {
                        if spec.kind_str() != "import_specifier" {
                            continue;
                        }
                        let Some(name) = spec.field("name") else {
                            continue;
                        };
                        let local = spec.field("alias").unwrap_or(name);
                        let name = text(name, src);
                        cx.out.imports.push(Import {
                            local: text(local, src).to_owned(),
                            target: if name == "default" {
                                format!("{source}#")
                            } else {
                                format!("{source}#{name}")
                            },
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

fn export(cx: &mut Cx, n: Node) {
    let src = cx.src;
    let is_default = (0..n.child_count())
        .filter_map(|i| n.child(i))
        .any(|c| c.kind_str() == "default");
    if let Some(v) = n.field("value") {
        if is_default && hapi::spread_list(cx, "export default", v) {
            cx.out.exports.push(Export {
                name: None,
                local: "export default".to_owned(),
            });
        } else if is_default && hapi::is_container(v, src) {
            hapi::container(cx, "export default", v);
            cx.out.exports.push(Export {
                name: None,
                local: "export default".to_owned(),
            });
        } else if is_default && hapi::name_plugin_object(cx, v, "export default") {
            cx.out.exports.push(Export {
                name: None,
                local: "export default".to_owned(),
            });
        }
        if is_default
            && (!cx.m.fastify || cx.m.hapi)
            && hapi::name_route_function(cx, v, "export default")
        {
            cx.out.exports.push(Export {
                name: None,
                local: "export default".to_owned(),
            });
        }
        if is_default && cx.m.fastify && name_plugin(cx, v, "export default", true) {
            if let Some(local) = plugin_export(cx, v) {
                cx.out.exports.push(Export { name: None, local });
            }
        }
        if is_default && v.kind_str() == "identifier" {
            cx.out.exports.push(Export {
                name: None,
                local: text(v, src).to_owned(),
            });
        }
    }
    if let Some(d) = n.field("declaration") {
        // `export default async function users(fastify) {…}`: a plugin by its position.
        if cx.m.fastify && d.kind_str() == "function_declaration" {
            if let Some(name) = d.field("name") {
                let name = text(name, src).to_owned();
                cx.named_fns.push((d.start_byte(), name, true, false));
            }
        }
        // hapi: `export default function routes(server) { server.route(…) }`.
        if d.kind_str() == "function_declaration" {
            hapi_function_declaration(cx, d);
            if is_default {
                for local in returned_names(d, src) {
                    cx.out.exports.push(Export { name: None, local });
                }
            }
        }
        // `export class UsersController`, `export function handler`.
        if matches!(
            d.kind_str(),
            "class_declaration" | "function_declaration" | "abstract_class_declaration"
        ) {
            if let Some(name) = d.field("name") {
                let name = text(name, src).to_owned();
                cx.out.exports.push(Export {
                    name: (!is_default).then(|| name.clone()),
                    local: name,
                });
            }
        }
        for decl in named_children(d) {
            if decl.kind_str() == "variable_declarator" {
                if let Some(name) = decl.field("name") {
                    let name = text(name, src).to_owned();
                    cx.out.exports.push(Export {
                        name: Some(name.clone()),
                        local: name,
                    });
                }
            }
        }
    }
    for clause in named_children(n)
        .into_iter()
        .filter(|c| c.kind_str() == "export_clause")
    {
        for spec in named_children(clause) {
            let Some(name) = spec.field("name") else {
                continue;
            };
            let alias = spec.field("alias").map(|a| text(a, src));
            let local = text(name, src).to_owned();
            cx.out.exports.push(Export {
                name: match alias.unwrap_or(&local) {
                    "default" => None,
                    other => Some(other.to_owned()),
                },
                local,
            });
        }
    }
}

fn assignment(cx: &mut Cx, n: Node) {
    let src = cx.src;
    let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
        return;
    };
    let l = text(left, src);
    // hapi: `module.exports = [{ method, path, handler }]`, `exports.plugin = { name,
    // register }`; hapi unwraps a module's `plugin`, so it is the default export too.
    let hapi_routes = hapi::is_container(right, src);
    if hapi_routes
        || hapi::plugin_register(right, src).is_some()
        || matches!(
            l,
            "module.exports" | "exports.routes" | "module.exports.routes"
        ) && hapi::spread_list(cx, l, right)
    {
        if hapi_routes {
            hapi::container(cx, l, right);
        } else {
            hapi::name_plugin_object(cx, right, l);
        }
        let name = l
            .strip_prefix("module.exports.")
            .or_else(|| l.strip_prefix("exports."));
        if name.is_none() || name == Some("plugin") {
            cx.out.exports.push(Export {
                name: None,
                local: l.to_owned(),
            });
        }
        if let Some(name) = name {
            cx.out.exports.push(Export {
                name: Some(name.to_owned()),
                local: l.to_owned(),
            });
        }
        return;
    }
    // hapi: a module whose export adds routes to the server it is given (`module.exports =
    // (server) => { server.route(…) }`), or an old-style plugin module (`exports.register =
    // function (server, options, next)`): the module's default export.
    let hapi_ok = !cx.m.fastify || cx.m.hapi;
    if hapi_ok
        && matches!(
            l,
            "module.exports" | "exports.register" | "module.exports.register" | "exports.plugin"
        )
        && hapi::name_route_function(cx, right, l)
    {
        cx.out.exports.push(Export {
            name: None,
            local: l.to_owned(),
        });
        if let Some(name) = l
            .strip_prefix("module.exports.")
            .or_else(|| l.strip_prefix("exports."))
        {
            cx.out.exports.push(Export {
                name: Some(name.to_owned()),
                local: l.to_owned(),
            });
        }
        return;
    }
    // `module.exports = { name, register }` with `async function register(server) {…}`
    // declared beside it: the plugin is that function's.
    if hapi_ok
        && matches!(
            l,
            "module.exports" | "exports.plugin" | "module.exports.plugin"
        )
    {
        if let Some(register) = hapi::shorthand_register(right, src) {
            cx.out.exports.push(Export {
                name: None,
                local: register.clone(),
            });
            if l != "module.exports" {
                cx.out.exports.push(Export {
                    name: Some("plugin".to_owned()),
                    local: register,
                });
                return;
            }
        }
    }
    // `@fastify/autoload` reads a plugin module's `autoPrefix` and `prefixOverride`
    // (`module.exports.autoPrefix = "/users"`, `plugin.autoPrefix = …`).
    if cx.m.fastify && auto_prefix(cx, l.rsplit('.').next().unwrap_or(""), right) {
        return;
    }
    if cx.m.fastify && l == "module.exports" && name_plugin(cx, right, "module.exports", true) {
        if let Some(local) = plugin_export(cx, right) {
            cx.out.exports.push(Export { name: None, local });
        }
        return;
    }
    if l == "module.exports" {
        match right.kind_str() {
            "identifier" => cx.out.exports.push(Export {
                name: None,
                local: text(right, src).to_owned(),
            }),
            // A re-export: `module.exports = require("./app")`.
            "call_expression" if require_path(right, src).is_some() => {
                cx.out.exports.push(Export {
                    name: None,
                    local: arg_name(right, src),
                })
            }
            // A factory (`module.exports = function setupMembersApp() { const app =
            // express(); …; return app; }`): whoever mounts the module mounts what it returns.
            "function_expression" | "function" | "arrow_function" => {
                for local in returned_names(right, src) {
                    cx.out.exports.push(Export { name: None, local });
                }
            }
            "object" => {
                for p in named_children(right) {
                    match p.kind_str() {
                        "shorthand_property_identifier" => {
                            let t = text(p, src).to_owned();
                            cx.out.exports.push(Export {
                                name: Some(t.clone()),
                                local: t,
                            });
                        }
                        "pair" => {
                            if let Some(v) = p.field("value") {
                                cx.out.exports.push(Export {
                                    name: Some(key_text(p, src).to_owned()),
                                    local: text(v, src).to_owned(),
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    } else if let Some(name) = l
        .strip_prefix("module.exports.")
        .or_else(|| l.strip_prefix("exports."))
    {
        cx.out.exports.push(Export {
            name: Some(name.to_owned()),
            local: text(right, src).to_owned(),
        });
    }
}

/// Routes, `use`, models, associations and tests; true when the call was fully handled.
fn call(cx: &mut Cx, n: Node) -> bool {
    let src = cx.src;
    let Some(func) = n.field("function") else {
        return false;
    };
    if cx.m.test && func.kind_str() == "identifier" && matches!(text(func, src), "it" | "test") {
        let args = args_of(n);
        if let Some(name) = args.first().and_then(|a| string_lit(*a, src)) {
            let mut paths = Vec::new();
            for a in &args[1..] {
                collect_paths(*a, src, &mut paths);
            }
            if !paths.is_empty() {
                cx.out.tests.push(TestCalls {
                    test: name.to_owned(),
                    paths,
                });
            }
            return true;
        }
    }
    if func.kind_str() != "member_expression" {
        if cx.m.hapi && hapi::route_function_call(cx, n, func) {
            return true;
        }
        client(cx, n, None);
        return false;
    }
    let (Some(object), Some(property)) = (func.field("object"), func.field("property")) else {
        return false;
    };
    let method = text(property, src);
    if (cx.m.hapi
        || cx
            .plugin
            .as_ref()
            .is_some_and(|p| cx.hapi_fns.contains(&p.2 .0.start)))
        && matches!(method, "route" | "register" | "default")
        && hapi::call(cx, n, object, method)
    {
        // Plugins registered inline hold routes: keep walking.
        return false;
    }
    if cx.m.fastify && fastify_call(cx, n, object, method) {
        // Inline plugins and handlers hold routes and clients: keep walking.
        return false;
    }
    if !METHODS.contains(&method)
        && !matches!(
            method,
            "use" | "lazyUse" | "belongsTo" | "hasMany" | "hasOne" | "belongsToMany" | "init"
        )
        && (!cx.m.nest || !matches!(method, "setGlobalPrefix" | "useGlobalGuards"))
    {
        let f = text(func, src);
        if !model_call(cx, n, f) {
            client(cx, n, None);
            return false;
        }
        return true;
    }
    let args = args_of(n);
    if METHODS.contains(&method) {
        // `router.route("/p").get(h).post(h)`: find the `.route(path)` at the chain's root.
        let mut base = object;
        let mut chained_path = None;
        while base.kind_str() == "call_expression" {
            let Some(f) = base
                .field("function")
                .filter(|f| f.kind_str() == "member_expression")
            else {
                break;
            };
            let prop = f.field("property").map_or("", |p| text(p, src));
            let inner = f.field("object");
            if prop == "route" {
                chained_path = args_of(base)
                    .first()
                    .and_then(|a| string_lit(*a, src))
                    .map(str::to_owned);
                base = inner.unwrap_or(base);
                break;
            }
            if !METHODS.contains(&prop) {
                break;
            }
            match inner {
                Some(i) => base = i,
                None => break,
            }
        }
        let (path, rest) = match &chained_path {
            Some(p) => (Some(p.clone()), &args[..]),
            None => (
                args.first()
                    .and_then(|a| string_lit(*a, src))
                    .map(str::to_owned),
                args.get(1..).unwrap_or(&[]),
            ),
        };
        if let (Some(path), Some(last)) = (path, rest.last()) {
            if base.kind_str() == "identifier" && !path.contains("${") {
                // Fastify: `fastify.get(path, { preHandler }, handler)` or
                // `fastify.get(path, { handler, onRequest })`.
                let handler = &prop(*last, "handler", src).unwrap_or(*last);
                let mut deps: Vec<String> = Vec::new();
                for a in &rest[..rest.len() - 1] {
                    if a.kind_str() == "object" {
                        deps.extend(route_option_deps(*a, src));
                    } else {
                        deps.push(arg_name(*a, src));
                    }
                }
                if handler != last {
                    deps.extend(route_option_deps(*last, src));
                }
                let params = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix(':'))
                    .map(|s| s.trim_end_matches('?').to_owned())
                    .collect();
                let order = cx.next();
                let anonymous = matches!(
                    handler.kind_str(),
                    "arrow_function" | "function_expression" | "function"
                );
                let owner = owner_name(cx, text(base, src));
                cx.out.routes.push(Route {
                    owner,
                    framework: Framework::Express,
                    methods: vec![if method == "all" {
                        "ANY".to_owned()
                    } else if method == "del" {
                        // koa-router's alias.
                        "DELETE".to_owned()
                    } else {
                        method.to_ascii_uppercase()
                    }],
                    path,
                    handler: if anonymous {
                        "anonymous function".to_owned()
                    } else {
                        text(*handler, src).to_owned()
                    },
                    deps,
                    params,
                    order,
                    // A chained `.post(h)` starts where the chain does; point at its method.
                    span: if chained_path.is_some() {
                        Span(property.start_byte()..n.end_byte())
                    } else {
                        span(n)
                    },
                    handler_span: span(*handler),
                    handler_full: span(*handler),
                });
            }
        }
        // Handlers may create clients or hold nested routes; keep walking.
        return false;
    }
    if cx.m.nest && object.kind_str() == "identifier" {
        let app = text(object, src);
        let owner = cx
            .out
            .owners
            .iter_mut()
            .find(|o| o.var == app && o.is_app && o.framework == Framework::NestJs);
        if let Some(owner) = owner {
            match method {
                // `app.setGlobalPrefix("api")`.
                "setGlobalPrefix" => {
                    if let Some(p) = args.first().and_then(|a| string_lit(*a, src)) {
                        owner.prefix = slash(p);
                    }
                    return true;
                }
                // `app.useGlobalGuards(new JwtAuthGuard(reflector))`: every route.
                "useGlobalGuards" => {
                    let guards: Vec<String> = args
                        .iter()
                        .map(|a| guard_name(*a, src))
                        .filter(|g| !rate_limit_only(g))
                        .collect();
                    if !guards.is_empty() {
                        let order = cx.next();
                        cx.out.mounts.push(Mount {
                            parent: app.to_owned(),
                            children: Vec::new(),
                            prefix: None,
                            deps: guards,
                            order,
                            span: span(n),
                        });
                    }
                    return true;
                }
                _ => {}
            }
        }
    }
    // `lazyUse` and the like: wrappers that mount a factory's app when first requested.
    if (method == "use" || method == "lazyUse") && object.kind_str() == "identifier" {
        let (prefix, rest) = match args.first().and_then(|a| string_lit(*a, src)) {
            Some(p) => (Some(p.to_owned()), &args[1..]),
            None => (None, &args[..]),
        };
        // koa-router's `router.allowedMethods()` answers OPTIONS and 405s: not a guard.
        let rest: Vec<Node> = rest
            .iter()
            .filter(|a| {
                !(a.kind_str() == "call_expression"
                    && a.field("function")
                        .and_then(|f| f.field("property"))
                        .is_some_and(|p| text(p, src) == "allowedMethods"))
            })
            .copied()
            .collect();
        if !rest.is_empty() {
            let order = cx.next();
            cx.out.mounts.push(Mount {
                parent: text(object, src).to_owned(),
                children: rest.iter().map(|a| arg_name(*a, src)).collect(),
                prefix,
                deps: Vec::new(),
                order,
                span: span(n),
            });
        }
        return false;
    }
    if matches!(method, "belongsTo" | "hasMany" | "hasOne" | "belongsToMany") && cx.m.sequelize {
        if let Some(target) = args.first() {
            let model = text(object, src).to_owned();
            let target = text(*target, src).to_owned();
            let fk = args
                .get(1)
                .and_then(|o| prop(*o, "foreignKey", src))
                .map(|k| string_lit(k, src).unwrap_or(text(k, src)).to_owned());
            let field = Field {
                name: fk.unwrap_or_else(|| format!("{method}({target})")),
                ty: method.to_owned(),
                foreign_key: (method == "belongsTo").then(|| target.clone()),
                relationship: Some(target),
                indexed: false,
                span: span(n),
            };
            cx.out.associations.push((model, field));
        }
        return false;
    }
    if method == "init" && cx.m.sequelize && object.kind_str() == "identifier" {
        if let Some(attrs) = args.first() {
            let fields = sequelize_fields(*attrs, args.get(1).copied(), src);
            cx.out.models.push(Model {
                name: text(object, src).to_owned(),
                kind: ModelKind::Sequelize,
                fields,
                span: span(n),
                full: span(n),
            });
            return true;
        }
    }
    let f = text(func, src);
    if model_call(cx, n, f) {
        return true;
    }
    client(cx, n, None);
    false
}

fn collect_paths(n: Node, src: &str, out: &mut Vec<String>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    if matches!(n.kind_str(), "string" | "template_string") {
        if let Some(s) = string_lit(n, src) {
            if s.starts_with('/') {
                out.push(s.to_owned());
            }
        }
        return;
    }
    for c in named_children(n) {
        collect_paths(c, src, out);
    }
}

// `enter` recurses (through `visit`) once per nested function, up to the depth bound: what
// it does for other nodes lives in functions of their own, so its stack frame stays small.

#[inline(never)]
fn export_statement(cx: &mut Cx, n: Node) {
    export(cx, n);
    // `@Controller("x") export class X {}`: the decorators are the export's.
    if cx.m.nest {
        if let Some(class) = n
            .field("declaration")
            .filter(|d| d.kind_str() == "class_declaration")
        {
            let mut decorators = decorators_of(n);
            decorators.extend(decorators_of(class));
            nest_class(cx, class, &decorators);
        }
    }
}

#[inline(never)]
fn nest_class_declaration(cx: &mut Cx, n: Node) {
    let decorators = decorators_of(n);
    nest_class(cx, n, &decorators);
}

/// A path piece with a leading `/` (NestJS writes `@Controller("users")`, `@Get(":id")`).
fn slash(p: &str) -> String {
    let p = p.trim();
    if p.is_empty() || p.starts_with('/') {
        p.to_owned()
    } else {
        format!("/{p}")
    }
}

/// `new JwtAuthGuard(reflector)` → `JwtAuthGuard`; other expressions as written.
fn guard_name(n: Node, src: &str) -> String {
    match n.kind_str() {
        "new_expression" => n
            .field("constructor")
            .map_or_else(|| text(n, src).to_owned(), |c| text(c, src).to_owned()),
        _ => text(n, src).to_owned(),
    }
}

/// `ThrottlerGuard` (`@nestjs/throttler`) limits rates; it authenticates no one.
fn rate_limit_only(guard: &str) -> bool {
    guard.contains("Throttler")
}

/// The decorators written on `n` (a class, an export statement).
fn decorators_of(n: Node) -> Vec<Node> {
    named_children(n)
        .into_iter()
        .filter(|c| c.kind_str() == "decorator")
        .collect()
}

/// A decorator's name (`Get` for `@Get(":id")`, `Public` for `@auth.Public()`) and its
/// arguments.
fn decorator_call<'t>(d: Node<'t>, src: &'t str) -> Option<(&'t str, Vec<Node<'t>>)> {
    let expr = d.named_child(0)?;
    let (f, args) = match expr.kind_str() {
        "call_expression" => (expr.field("function")?, args_of(expr)),
        _ => (expr, Vec::new()),
    };
    let name = text(f, src);
    Some((name.rsplit('.').next().unwrap_or(name), args))
}

/// NestJS route decorators and their methods.
fn nest_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "Get" => "GET",
        "Post" => "POST",
        "Put" => "PUT",
        "Patch" => "PATCH",
        "Delete" => "DELETE",
        "Options" => "OPTIONS",
        "Head" => "HEAD",
        "All" => "ANY",
        _ => return None,
    })
}

/// Class and method decorators that say nothing about who may call a route: documentation
/// (`@ApiTags`, `@ApiBearerAuth` documents a scheme, it does not enforce one), serialisation,
/// pipes, filters, response shaping.
fn nest_inert(name: &str) -> bool {
    name.starts_with("Api")
        || matches!(
            name,
            "Controller"
                | "Injectable"
                | "UseInterceptors"
                | "UsePipes"
                | "UseFilters"
                | "HttpCode"
                | "Header"
                | "Render"
                | "Redirect"
                | "Version"
                | "Sse"
                | "SerializeOptions"
                | "Throttle"
                | "SkipThrottle"
                | "CacheKey"
                | "CacheTTL"
        )
}

/// The first path of a NestJS decorator argument: `"users"`, `["users", "people"]`,
/// `{ path: "users", version: "1" }`.
fn nest_path(arg: Option<&Node>, src: &str) -> Option<String> {
    let Some(arg) = arg else {
        return Some(String::new());
    };
    let arg = match arg.kind_str() {
        "array" => named_children(*arg).into_iter().next()?,
        "object" => match prop(*arg, "path", src) {
            Some(p) => p,
            None => return Some(String::new()),
        },
        _ => *arg,
    };
    let arg = if arg.kind_str() == "array" {
        named_children(arg).into_iter().next()?
    } else {
        arg
    };
    string_lit(arg, src)
        .filter(|p| !p.contains("${"))
        .map(slash)
}

/// A NestJS `@Controller` (an owner whose routes are its decorated methods, with its guards)
/// or `@Module` (an owner mounting its controllers and imported modules; `APP_GUARD`
/// providers guard every route of the application).
fn nest_class(cx: &mut Cx, class: Node, decorators: &[Node]) {
    let src = cx.src;
    cx.nest_done = Some(class.start_byte());
    let Some(name) = class.field("name").map(|n| text(n, src).to_owned()) else {
        return;
    };
    let calls: Vec<(&str, Vec<Node>, Node)> = decorators
        .iter()
        .filter_map(|d| decorator_call(*d, src).map(|(n, a)| (n, a, *d)))
        .collect();
    if let Some((_, args, _)) = calls.iter().find(|(n, _, _)| *n == "Module") {
        nest_module(cx, &name, class, args.first().copied());
        return;
    }
    let Some((_, args, _)) = calls.iter().find(|(n, _, _)| *n == "Controller") else {
        return;
    };
    let Some(prefix) = nest_path(args.first(), src) else {
        return;
    };
    let deps = calls
        .iter()
        .filter(|(n, _, d)| !nest_inert(n) && !rate_limit_only(text(*d, src)))
        .map(|(_, _, d)| text(*d, src).trim_start_matches('@').to_owned())
        .collect();
    cx.out.owners.push(Owner {
        var: name.clone(),
        framework: Framework::NestJs,
        is_app: false,
        prefix,
        deps,
        shares_parent: false,
        span: span(class.field("name").unwrap_or(class)),
    });
    let Some(body) = class.field("body") else {
        return;
    };
    let mut pending: Vec<Node> = Vec::new();
    for member in named_children(body) {
        match member.kind_str() {
            "decorator" => pending.push(member),
            "method_definition" => {
                let decorators = std::mem::take(&mut pending);
                nest_route(cx, &name, member, &decorators);
            }
            "comment" => {}
            _ => pending.clear(),
        }
    }
}

fn nest_route(cx: &mut Cx, owner: &str, method: Node, decorators: &[Node]) {
    let src = cx.src;
    let mut route = None;
    let mut deps = Vec::new();
    for d in decorators {
        let Some((name, args)) = decorator_call(*d, src) else {
            continue;
        };
        match nest_method(name) {
            Some(m) if route.is_none() => {
                if let Some(path) = nest_path(args.first(), src) {
                    route = Some((m, path, *d));
                }
            }
            Some(_) => {}
            None if !nest_inert(name) && !rate_limit_only(text(*d, src)) => {
                deps.push(text(*d, src).trim_start_matches('@').to_owned())
            }
            None => {}
        }
    }
    let Some((m, path, decorator)) = route else {
        return;
    };
    let Some(name) = method.field("name") else {
        return;
    };
    let params = path
        .split('/')
        .filter_map(|s| s.strip_prefix(':'))
        .map(|s| s.trim_end_matches('?').to_owned())
        .collect();
    let order = cx.next();
    cx.out.routes.push(Route {
        owner: owner.to_owned(),
        framework: Framework::NestJs,
        methods: vec![m.to_owned()],
        path,
        handler: text(name, src).to_owned(),
        deps,
        params,
        order,
        span: span(decorator),
        handler_span: span(name),
        handler_full: span(method),
    });
}

fn nest_module(cx: &mut Cx, name: &str, class: Node, meta: Option<Node>) {
    let src = cx.src;
    let list = |key: &str| -> Vec<Node> {
        meta.and_then(|m| prop(m, key, src))
            .filter(|l| l.kind_str() == "array")
            .map(named_children)
            .unwrap_or_default()
    };
    // `{ provide: APP_GUARD, useClass: JwtAuthGuard }`.
    let deps = list("providers")
        .into_iter()
        .filter(|p| prop(*p, "provide", src).is_some_and(|v| text(v, src) == "APP_GUARD"))
        .filter_map(|p| {
            prop(p, "useClass", src)
                .or_else(|| prop(p, "useExisting", src))
                .or_else(|| prop(p, "useValue", src))
                .map(|g| guard_name(g, src))
                .filter(|g| !rate_limit_only(g))
                .map(|g| format!("APP_GUARD {g}"))
        })
        .collect();
    cx.out.owners.push(Owner {
        var: name.to_owned(),
        framework: Framework::NestJs,
        is_app: false,
        prefix: String::new(),
        deps,
        shares_parent: false,
        span: span(class.field("name").unwrap_or(class)),
    });
    // Controllers and imported modules; `TypeOrmModule.forFeature([…])` and other packages'
    // dynamic modules hold no routes of the project.
    let children: Vec<String> = list("controllers")
        .into_iter()
        .chain(list("imports"))
        .filter(|c| c.kind_str() == "identifier")
        .map(|c| text(c, src).to_owned())
        .collect();
    if !children.is_empty() {
        let order = cx.next();
        cx.out.mounts.push(Mount {
            parent: name.to_owned(),
            children,
            prefix: None,
            deps: Vec::new(),
            order,
            span: span(class.field("name").unwrap_or(class)),
        });
    }
}

// Fastify: apps from the `fastify` factory, plugins (functions taking the instance, registered
// with `register(plugin, { prefix })`), routes by shorthand or `route({…})`, and the hooks that
// gate requests (`addHook("onRequest", …)` for a plugin's context, `preHandler` on a route).

/// The hooks that run before the handler and can refuse a request.
const GATING_HOOKS: &[&str] = &["onRequest", "preParsing", "preValidation", "preHandler"];

/// `fastify(…)`, `Fastify(…)`, `fastify.default(…)`, `require("fastify")(…)`.
fn fastify_factory(call: Node, src: &str) -> bool {
    let Some(f) = call.field("function") else {
        return false;
    };
    if require_path(f, src) == Some("fastify") {
        return true;
    }
    matches!(
        text(f, src),
        "fastify" | "Fastify" | "fastify.default" | "Fastify.default" | "createFastify"
    )
}

/// `fp(fn)`, `fastifyPlugin(fn)`: the wrapped function or name.
fn fastify_plugin_arg<'t>(n: Node<'t>, src: &str) -> Option<Node<'t>> {
    if n.kind_str() != "call_expression" {
        return None;
    }
    let f = n.field("function")?;
    if !matches!(text(f, src), "fp" | "fastifyPlugin" | "fastify_plugin") {
        return None;
    }
    args_of(n).first().copied()
}

fn is_function_literal(n: Node) -> bool {
    matches!(
        n.kind_str(),
        "arrow_function" | "function_expression" | "function"
    )
}

/// Names a function literal standing at `value` (directly or wrapped in `fastify-plugin`) as
/// the plugin `name`; `strong` for positions only plugins take in a Fastify file (an export).
/// True when `value` is such a function (or `fp(name)`).
fn name_plugin(cx: &mut Cx, value: Node, name: &str, strong: bool) -> bool {
    let src = cx.src;
    let value = if value.kind_str() == "parenthesized_expression" {
        value.named_child(0).unwrap_or(value)
    } else {
        value
    };
    if is_function_literal(value) {
        cx.named_fns
            .push((value.start_byte(), name.to_owned(), strong, false));
        return true;
    }
    match fastify_plugin_arg(value, src) {
        Some(f) if is_function_literal(f) => {
            cx.named_fns
                .push((f.start_byte(), name.to_owned(), true, true));
            true
        }
        Some(f) if f.kind_str() == "identifier" => {
            cx.out.shared_plugins.push(text(f, src).to_owned());
            true
        }
        _ => false,
    }
}

/// What a module exporting a plugin exports: the synthetic name of a function literal, or the
/// name `fp(name)` wraps.
fn plugin_export(cx: &Cx, value: Node) -> Option<String> {
    let src = cx.src;
    match fastify_plugin_arg(value, src) {
        Some(f) if f.kind_str() == "identifier" => Some(text(f, src).to_owned()),
        Some(f) => cx
            .named_fns
            .iter()
            .find(|x| x.0 == f.start_byte())
            .map(|x| x.1.clone()),
        None => cx
            .named_fns
            .iter()
            .find(|x| x.0 == value.start_byte())
            .map(|x| x.1.clone()),
    }
}

/// A function declaration that adds hapi routes to its `server` parameter (`async function
/// register(server, options)`): a plugin named after the function.
fn hapi_function_declaration(cx: &mut Cx, d: Node) {
    if (cx.m.fastify && !cx.m.hapi) || cx.hapi_fns.contains(&d.start_byte()) {
        return;
    }
    if !hapi::is_route_function(d, cx.src) {
        return;
    }
    if let Some(name) = d.field("name") {
        let name = text(name, cx.src).to_owned();
        cx.named_fns.push((d.start_byte(), name, true, false));
        cx.hapi_fns.push(d.start_byte());
    }
}

/// The first parameter's type annotation, as written (`FastifyInstance`).
fn first_param_type<'s>(function: Node, src: &'s str) -> Option<&'s str> {
    let params = function.field("parameters")?;
    let first = named_children(params)
        .into_iter()
        .find(|p| p.kind_str() != "comment")?;
    first.field("type").map(|t| text(t, src))
}

/// Walks a function's body, in the plugin context it opens (if it is a Fastify plugin) or the
/// one around it.
fn function_body(cx: &mut Cx, n: Node) {
    // A nested function costs two levels of the depth bound: its walk recurses through
    // `visit`, `walk_named`, `enter` and this frame, which at 1,500 levels overflowed the 2 MiB
    // stacks of tokio's and rayon's threads in an unoptimised build (tests/hostile.rs).
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    let outer = cx.plugin.clone();
    if cx.m.fastify || !cx.hapi_fns.is_empty() {
        cx.plugin = plugin_context(cx, n);
    }
    for c in named_children(n) {
        visit(cx, c);
    }
    cx.plugin = outer;
}

/// The plugin context inside function `n`: its own when it is a plugin (a named function whose
/// first parameter is the Fastify instance), none when its parameter shadows the enclosing
/// plugin's instance, the enclosing one otherwise (closures register on it too).
fn plugin_context(cx: &Cx, n: Node) -> Option<(String, String, Span)> {
    let src = cx.src;
    let params = ba_analysis::routes::js_params(n, src);
    let first = params.first().copied().unwrap_or("");
    let named = cx
        .named_fns
        .iter()
        .find(|x| x.0 == n.start_byte())
        .map(|x| (x.1.clone(), x.2));
    let named = named.or_else(|| {
        (n.kind_str() == "function_declaration")
            .then(|| n.field("name").map(|x| (text(x, src).to_owned(), false)))
            .flatten()
    });
    let instance_like = |p: &str| {
        let lower = p.to_ascii_lowercase();
        [
            "fastify", "app", "server", "instance", "router", "api", "plugin", "scope",
        ]
        .iter()
        .any(|w| lower.contains(w))
    };
    let plugin = match named {
        Some((name, strong))
            if !first.is_empty()
                && params.len() <= 3
                && !matches!(
                    first,
                    "req"
                        | "request"
                        | "ctx"
                        | "context"
                        | "res"
                        | "reply"
                        | "next"
                        | "err"
                        | "error"
                        | "e"
                        | "_"
                )
                && (strong
                    || instance_like(first)
                    || first_param_type(n, src).is_some_and(|t| t.contains("Fastify"))) =>
        {
            Some((first.to_owned(), name, span(n)))
        }
        _ => None,
    };
    match (plugin, &cx.plugin) {
        (Some(p), _) => Some(p),
        (None, Some((instance, _, _))) if params.contains(&instance.as_str()) => None,
        (None, outer) => outer.clone(),
    }
}

/// The owner a call's receiver names: the enclosing plugin when it is the plugin's instance
/// parameter (recording the plugin as an owner the first time), the name as written otherwise.
fn owner_name(cx: &mut Cx, name: &str) -> String {
    let Some((instance, owner, at)) = &cx.plugin else {
        return name.to_owned();
    };
    if name != instance {
        return name.to_owned();
    }
    let owner = owner.clone();
    if !cx.out.owners.iter().any(|o| o.var == owner) {
        // A hapi plugin's `server.auth.default` is the server's: authentication is not
        // encapsulated in plugins.
        let hapi = cx.hapi_fns.contains(&at.0.start);
        let shares_parent = hapi
            || cx
                .named_fns
                .iter()
                .any(|x| x.1 == owner && x.3 && x.0 == at.0.start);
        cx.out.owners.push(Owner {
            var: owner.clone(),
            framework: if hapi {
                Framework::Hapi
            } else {
                Framework::Fastify
            },
            is_app: false,
            prefix: String::new(),
            deps: Vec::new(),
            shares_parent,
            span: at.clone(),
        });
    }
    owner
}

/// A hook as the chain names it: a name or member as written, a call by its function
/// (`fastify.auth([…])` → `fastify.auth`), an inline function by the authentication call it
/// makes (`async (request) => { await request.jwtVerify() }` → `request.jwtVerify()`).
fn hook_name(n: Node, src: &str) -> String {
    if is_function_literal(n) {
        let mut found = None;
        let body = n.field("body").unwrap_or(n);
        ba_analysis::routes::each_call(body, &mut |c| {
            if found.is_some() || c.kind_str() != "call_expression" {
                return;
            }
            if let Some(f) = c.field("function") {
                let callee = text(f, src);
                let last = callee.rsplit('.').next().unwrap_or(callee);
                if is_auth_name(last) {
                    found = Some(format!("{callee}()"));
                }
            }
        });
        return found.unwrap_or_else(|| "anonymous function".to_owned());
    }
    arg_name(n, src)
}

/// The hooks a value names: one, or an array of them.
fn hook_names(n: Node, src: &str) -> Vec<String> {
    if n.kind_str() == "array" {
        named_children(n)
            .into_iter()
            .filter(|c| c.kind_str() != "comment")
            .map(|c| hook_name(c, src))
            .collect()
    } else {
        vec![hook_name(n, src)]
    }
}

/// A Fastify route's options as chain entries: its gating hooks in the order Fastify runs them,
/// and a `config` flag that marks it public (`config: { public: true }`).
fn route_option_deps(options: Node, src: &str) -> Vec<String> {
    let mut deps = Vec::new();
    for hook in GATING_HOOKS {
        if let Some(v) = prop(options, hook, src) {
            deps.extend(hook_names(v, src));
        }
    }
    if let Some(config) = prop(options, "config", src) {
        for p in pairs(config) {
            let key = key_text(p, src);
            if is_public_name(key) && p.field("value").is_some_and(|v| text(v, src) == "true") {
                deps.push(format!("config.{key}"));
            }
        }
    }
    deps
}

/// `autoPrefix = "/x"` / `prefixOverride = "/x"`: recorded for `@fastify/autoload`; true when
/// `name` was one of them with a literal value.
fn auto_prefix(cx: &mut Cx, name: &str, value: Node) -> bool {
    let Some(p) = string_lit(value, cx.src).filter(|p| !p.contains("${")) else {
        return false;
    };
    match name {
        "autoPrefix" => cx.out.auto_prefix.0 = Some(p.to_owned()),
        "prefixOverride" => cx.out.auto_prefix.1 = Some(p.to_owned()),
        _ => return false,
    }
    true
}

/// `dir: path.join(__dirname, "routes")` (or `join(__dirname, "src", "routes")`) in
/// `@fastify/autoload`'s options: the folder relative to the file, `/`-separated.
fn autoload_dir(options: Node, src: &str) -> Option<String> {
    let dir = prop(options, "dir", src)?;
    if dir.kind_str() != "call_expression"
        || !matches!(
            dir.field("function").map(|f| text(f, src)),
            Some("path.join" | "join" | "path.resolve" | "resolve")
        )
    {
        return None;
    }
    let args = args_of(dir);
    if args.first().map(|a| text(*a, src)) != Some("__dirname") || args.len() < 2 {
        return None;
    }
    let parts: Option<Vec<&str>> = args[1..].iter().map(|a| string_lit(*a, src)).collect();
    let joined = parts?
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/");
    (!joined.is_empty() && !joined.contains("${")).then_some(joined)
}

/// The instance a chain of Fastify calls starts at: `fastify` in
/// `fastify.register(a).register(b)` (`register`, `addHook`, `decorate`, `after` return it).
fn chain_root<'t>(mut object: Node<'t>, src: &str) -> Option<Node<'t>> {
    for _ in 0..64 {
        match object.kind_str() {
            "identifier" => return Some(object),
            "call_expression" => {
                let f = object
                    .field("function")
                    .filter(|f| f.kind_str() == "member_expression")?;
                let chained = f.field("property").is_some_and(|p| {
                    matches!(
                        text(p, src),
                        "register"
                            | "addHook"
                            | "decorate"
                            | "decorateRequest"
                            | "decorateReply"
                            | "after"
                    )
                });
                if !chained {
                    return None;
                }
                object = f.field("object")?;
            }
            _ => return None,
        }
    }
    None
}

/// `fastify.register(plugin, { prefix })`, `fastify.addHook("onRequest", hook)`,
/// `fastify.route({ method, url, handler, … })`; true when `n` was one of them.
fn fastify_call(cx: &mut Cx, n: Node, object: Node, method: &str) -> bool {
    let src = cx.src;
    if !matches!(method, "register" | "addHook" | "route") {
        return false;
    }
    // `fastify.register(a).register(b, { prefix })`: each call returns the instance.
    let Some(object) = chain_root(object, src) else {
        return false;
    };
    let args = args_of(n);
    match method {
        "register" => {
            let Some(plugin) = args.first() else {
                return false;
            };
            let options = args.get(1).copied();
            // `@fastify/autoload`: `register(AutoLoad, { dir: path.join(__dirname, "routes"),
            // options: { prefix: "/api" } })` registers every plugin module under the folder.
            let autoload = options.and_then(|o| autoload_dir(o, src));
            let prefix = options
                .and_then(|o| {
                    if autoload.is_some() {
                        prop(o, "options", src).and_then(|x| prop(x, "prefix", src))
                    } else {
                        prop(o, "prefix", src)
                    }
                })
                .and_then(|p| string_lit(p, src))
                .filter(|p| !p.contains("${"))
                .map(str::to_owned);
            let parent = owner_name(cx, text(object, src));
            let child = if let Some(dir) = autoload {
                // `dirNameRoutePrefix: false`: sub-folders add no prefix.
                let flat = options
                    .and_then(|o| prop(o, "dirNameRoutePrefix", src))
                    .is_some_and(|v| text(v, src) == "false");
                format!("autoload:{dir}{}", if flat { "|flat" } else { "" })
            } else if is_function_literal(*plugin)
                || fastify_plugin_arg(*plugin, src).is_some_and(is_function_literal)
            {
                // Named by where it is registered; a counter tells apart the inline plugins
                // an item registers without a prefix.
                cx.inline_plugins += 1;
                let name = match &prefix {
                    Some(p) => format!("{parent}.register(\"{p}\")"),
                    None => format!("{parent}.register(…) {}", cx.inline_plugins),
                };
                name_plugin(cx, *plugin, &name, true);
                name
            } else if plugin.kind_str() == "call_expression"
                && plugin
                    .field("function")
                    .is_some_and(|f| f.kind_str() == "import")
            {
                // `fastify.register(import("./routes/users.js"))`.
                match args_of(*plugin).first().and_then(|a| string_lit(*a, src)) {
                    Some(p) => format!("require:{p}"),
                    None => return true,
                }
            } else {
                if fastify_plugin_arg(*plugin, src).is_some() {
                    name_plugin(cx, *plugin, "", true);
                }
                match fastify_plugin_arg(*plugin, src) {
                    Some(inner) => arg_name(inner, src),
                    None => arg_name(*plugin, src),
                }
            };
            let order = cx.next();
            cx.out.mounts.push(Mount {
                parent,
                children: vec![child],
                prefix,
                deps: Vec::new(),
                order,
                span: span(n),
            });
            true
        }
        "addHook" => {
            let (Some(hook), Some(f)) =
                (args.first().and_then(|a| string_lit(*a, src)), args.get(1))
            else {
                return false;
            };
            if !GATING_HOOKS.contains(&hook) {
                return true;
            }
            let parent = owner_name(cx, text(object, src));
            let order = cx.next();
            cx.out.mounts.push(Mount {
                parent,
                children: Vec::new(),
                prefix: None,
                deps: hook_names(*f, src),
                order,
                span: span(n),
            });
            true
        }
        _ => {
            let Some(options) = args.first().filter(|a| a.kind_str() == "object") else {
                return false;
            };
            let path = prop(*options, "url", src)
                .or_else(|| prop(*options, "path", src))
                .and_then(|p| string_lit(p, src))
                .filter(|p| !p.contains("${"));
            let (Some(path), Some(handler)) = (path, prop(*options, "handler", src)) else {
                return true;
            };
            let methods: Vec<String> = match prop(*options, "method", src) {
                Some(m) if m.kind_str() == "array" => named_children(m)
                    .into_iter()
                    .filter_map(|x| string_lit(x, src))
                    .map(str::to_ascii_uppercase)
                    .collect(),
                Some(m) => string_lit(m, src)
                    .map(|x| vec![x.to_ascii_uppercase()])
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            if methods.is_empty() {
                return true;
            }
            let params = path
                .split('/')
                .filter_map(|s| s.strip_prefix(':'))
                .map(|s| s.trim_end_matches('?').to_owned())
                .collect();
            let owner = owner_name(cx, text(object, src));
            let order = cx.next();
            cx.out.routes.push(Route {
                owner,
                framework: Framework::Fastify,
                methods,
                path: path.to_owned(),
                handler: if is_function_literal(handler) {
                    "anonymous function".to_owned()
                } else {
                    text(handler, src).to_owned()
                },
                deps: route_option_deps(*options, src),
                params,
                order,
                span: span(n),
                handler_span: span(handler),
                handler_full: span(handler),
            });
            true
        }
    }
}
