//! Facts from JavaScript/TypeScript files: Express apps, routers, `use` chains and routes
//! (`router.route(p).get().post()` too), `require`/`import`/`export`; Mongoose and Sequelize
//! models; HTTP/DB/cache clients; the paths tests call.

use ba_syntax::NodeExt;
use std::collections::HashMap;

use tree_sitter::Node;

use super::facts::*;
use ba_analysis::{named_children, text};

/// What the file mentions, computed once per file and part of the per-item cache key.
#[derive(Clone, Copy, Default)]
pub(super) struct Mentions {
    express: bool,
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
            sequelize: source.contains("sequelize"),
            test: is_test,
            clients,
        }
    }

    pub(super) fn key(&self) -> u64 {
        (self.clients << 3)
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
    "get", "post", "put", "patch", "delete", "all", "options", "head",
];

/// How a middleware or router argument is named: identifiers and members as written,
/// `require("./x")` as `require:./x`, other calls by their function.
fn arg_name(n: Node, src: &str) -> String {
    if let Some(p) = require_path(n, src) {
        return format!("require:{p}");
    }
    match n.kind_str() {
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
        out: FileFacts::default(),
    };
    visit(&mut cx, item);
    cx.out
}

/// What needs the whole file: routes only on apps and routers (not any object with a `get`
/// method, like `axios.get` or `map.get`), Mongoose schemas and Sequelize associations joined
/// to their models.
pub(super) fn finish(facts: &mut FileFacts, m: Mentions) {
    let owners: Vec<String> = facts.owners.iter().map(|o| o.var.clone()).collect();
    let imported: Vec<String> = facts.imports.iter().map(|i| i.local.clone()).collect();
    facts.routes.retain(|r| {
        owners.contains(&r.owner)
            || (looks_like_router(&r.owner) && m.express)
            || imported.contains(&r.owner) && looks_like_router(&r.owner)
    });
    facts
        .mounts
        .retain(|x| owners.contains(&x.parent) || looks_like_router(&x.parent) && m.express);
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
        "export_statement" => export(cx, n),
        "assignment_expression" => assignment(cx, n),
        "call_expression" if call(cx, n) => return false,
        "new_expression" => client(cx, n, None),
        "function_declaration" | "method_definition" => {
            let name = n.field("name").map(|x| text(x, cx.src).to_owned());
            let outer = std::mem::replace(&mut cx.function, name);
            for c in named_children(n) {
                visit(cx, c);
            }
            cx.function = outer;
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
        if is_default && v.kind_str() == "identifier" {
            cx.out.exports.push(Export {
                name: None,
                local: text(v, src).to_owned(),
            });
        }
    }
    if let Some(d) = n.field("declaration") {
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
    if l == "module.exports" {
        match right.kind_str() {
            "identifier" => cx.out.exports.push(Export {
                name: None,
                local: text(right, src).to_owned(),
            }),
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
        client(cx, n, None);
        return false;
    }
    let (Some(object), Some(property)) = (func.field("object"), func.field("property")) else {
        return false;
    };
    let method = text(property, src);
    if !METHODS.contains(&method)
        && !matches!(
            method,
            "use" | "belongsTo" | "hasMany" | "hasOne" | "belongsToMany" | "init"
        )
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
        if let (Some(path), Some(handler)) = (path, rest.last()) {
            if base.kind_str() == "identifier" && !path.contains("${") {
                let deps = rest[..rest.len() - 1]
                    .iter()
                    .map(|a| arg_name(*a, src))
                    .collect();
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
                cx.out.routes.push(Route {
                    owner: text(base, src).to_owned(),
                    framework: Framework::Express,
                    methods: vec![if method == "all" {
                        "ANY".to_owned()
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
    if method == "use" && object.kind_str() == "identifier" {
        let (prefix, rest) = match args.first().and_then(|a| string_lit(*a, src)) {
            Some(p) => (Some(p.to_owned()), &args[1..]),
            None => (None, &args[..]),
        };
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
