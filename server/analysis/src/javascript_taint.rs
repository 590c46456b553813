//! JavaScript and TypeScript taint (see `taint.rs`) for Node servers: sources in Express, Koa,
//! Fastify and NestJS plus `process.argv`; propagation; sanitisers per sink; guards.
//!
//! A request object is recognised by name, simply: a variable called `req`, `request` or `ctx`
//! (or a parameter typed `…Request`/`Context`) that is not bound to an import (the `request` HTTP
//! client is not a request). Its data attributes (`req.query`, `req.body`, `ctx.request.body`…)
//! and getters (`req.get("x")`, `req.header("x")`) are the sources. A function that takes such
//! an object is a handler: its other parameters (`res`, `next`, `reply`) carry no data, except
//! NestJS parameters decorated with `@Body()`, `@Query()`, `@Param()`, `@Headers()`. The
//! parameters of other functions are the caller's data (reported by injection rules only), and
//! a callback's parameters hold the data of the receiver it is passed to
//! (`req.body.items.forEach(item => …)`).

use ba_syntax::NodeExt;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::javascript::{constant_key, member_key, resolve, scoped_lookup, scoped_lookup_at};
use super::models::{describe_source, Argument, LangModels};
use super::taint::{
    after, assigned, best_of, records, stored, user_data_sinks, Taint, MAX_NESTING,
};
use super::{ancestors, named_children, text, Binding, Cx, Reach, ScopeIndex, Sink};

// Sources, propagators, neutral methods and sanitisers are data: the JavaScript rows of
// `queries/javascript/models/*.toml` (plus the user's), read through `Semantic::models`.

struct State<'a, 'c, 't> {
    cx: &'a Cx<'c, 't>,
    sink: Sink,
    /// (scope id, name) → the taint of the name's bindings; `None` while being computed.
    memo: RefCell<HashMap<(usize, String, Reach), Option<Taint>>>,
    /// (scope id, container, key) reads in progress: `o.k = o.k + x` stops there.
    keyed_active: RefCell<HashSet<(usize, String, String)>>,
    /// Set while `warm` runs (it does not nest).
    warming: std::cell::Cell<bool>,
    /// Record the steps of a parameter's data too (`param_route`; request data's always are).
    routes: bool,
    /// When set, only this parameter counts as caller data (to ask "does `p` reach here?").
    focus: Option<String>,
    /// Audit mode (`taint::audit_of`): a name bound nowhere in the function (a module global
    /// that is not a constant, a name the file never binds) is data of unknown origin.
    audit: bool,
}

impl<'a, 'c, 't> State<'a, 'c, 't> {
    fn new(cx: &'a Cx<'c, 't>, sink: Sink) -> Self {
        State {
            cx,
            sink,
            memo: RefCell::new(HashMap::new()),
            keyed_active: RefCell::default(),
            warming: Default::default(),
            focus: None,
            audit: false,
            routes: false,
        }
    }

    /// Whether the value of `node` can carry parameter `param` of its function (through
    /// locals, not through sanitisers for this state's sink).
    fn carries_param(&self, node: Node<'t>, param: &str) -> bool {
        self.focused(node, param, false).is_some()
    }

    /// When the value of `node` carries parameter `param`: the names it went through on the
    /// way (`Taint::route`: " via `name`", or nothing).
    fn param_route(&self, node: Node<'t>, param: &str) -> Option<String> {
        self.focused(node, param, true).map(|t| t.route())
    }

    /// The taint of `node` from parameter `param` alone (`routes`: with its steps).
    fn focused(&self, node: Node<'t>, param: &str, routes: bool) -> Option<Taint> {
        let focused = State {
            focus: Some(param.to_owned()),
            routes,
            ..State::new(self.cx, self.sink)
        };
        focused.expr(node, 0).filter(|t| !t.user)
    }
}

/// Where an upload middleware stored the file on the server (multer's `req.file.path`,
/// `destination` and generated `filename`, express-fileupload's `tempFilePath`, formidable's
/// `filepath` and `newFilename`): the server chose it, not the client (`originalname`, `name`
/// and `mimetype` stay the client's).
fn server_chosen_upload_field(taint: &Taint, prop: &str) -> bool {
    SERVER_CHOSEN_UPLOAD_FIELDS.contains(&prop)
        && (taint.what.contains(".file") || taint.what.contains("files"))
}

/// Properties of an uploaded file that the upload middleware set on the server.
const SERVER_CHOSEN_UPLOAD_FIELDS: &[&str] = &[
    "path",
    "destination",
    "filename",
    "size",
    "tempFilePath",
    "filepath",
    "newFilename",
];

/// For a cross-function entry: the sinks user data in `value` reaches, and how it is
/// described (a fresh analysis per sink: sanitisers differ by sink).
fn user_sinks<'t>(cx: &Cx<'_, 't>, value: Node<'t>) -> Option<(u32, String)> {
    user_data_sinks(|sink| State::new(cx, sink).expr(value, 0))
}

/// Every call in `item`.
fn calls_in(item: Node) -> Vec<Node> {
    let mut calls = Vec::new();
    super::walk_scope(item, &|_| false, &mut |n| {
        if n.kind_str() == "call_expression" {
            calls.push(n);
        }
    });
    calls
}

/// The taint of `node` for `sink`; with `audit`, names bound outside every enclosing function
/// count too, as data of unknown origin (`taint::unknown_name`).
pub(super) fn taint<'t>(cx: &Cx<'_, 't>, node: Node<'t>, sink: Sink, audit: bool) -> Option<Taint> {
    let mut state = State::new(cx, sink);
    state.audit = audit;
    state.expr(node, 0)
}

/// The last name of a callee: `escape` for `validator.escape`, `basename` for `path.basename`.
fn last_name<'s>(func: Node, src: &'s str) -> &'s str {
    match func.kind_str() {
        "member_expression" => func.field("property").map(|p| text(p, src)).unwrap_or(""),
        _ => text(func, src),
    }
}

/// Whether a callee's name says it cleans its argument for `sink`.
fn sanitiser_name(name: &str, sink: Sink) -> bool {
    let lower = name.to_ascii_lowercase();
    if matches!(
        name,
        "parseInt" | "parseFloat" | "Number" | "Boolean" | "toInt" | "toFloat" | "toBoolean"
    ) {
        return true;
    }
    match sink {
        Sink::Html | Sink::Redirect | Sink::Url | Sink::Log
            if matches!(name, "encodeURIComponent" | "encode" | "xss" | "filterXSS") =>
        {
            true
        }
        Sink::Path if name == "basename" => true,
        Sink::NoSql if lower.contains("mongo") && lower.contains("saniti") => true,
        _ => [
            "saniti", "escape", "clean", "quote", "valid", "safe", "allowed",
        ]
        .iter()
        .any(|w| lower.contains(w)),
    }
}

impl<'t> State<'_, '_, 't> {
    fn models(&self) -> &LangModels {
        self.cx.sem.lang_models(ba_syntax::Family::JavaScript)
    }

    /// The step of data returned by the helper `name()` called at `call`.
    fn returned(&self, t: Taint, call: Node<'t>, name: &str) -> Taint {
        if !records(&t, self.routes) {
            return t;
        }
        t.via(call.byte_range(), || format!("returned by `{name}()`"))
    }

    fn text(&self, node: Node) -> &str {
        text(node, self.cx.src)
    }

    /// The result of a call to another module's function (`Semantic::imported`): the request
    /// data it returns of its own, or the arguments its summary says reach its result for
    /// this sink.
    fn imported_call(
        &self,
        returned: &super::Returned,
        call: Node<'t>,
        args: Option<Node<'t>>,
        depth: u32,
    ) -> Option<Taint> {
        let shown = returned.shown();
        let step = |t: Taint| {
            if records(&t, self.routes) {
                t.via(call.byte_range(), || format!("returned by {shown}"))
            } else {
                t
            }
        };
        if let Some(source) = returned
            .source
            .as_ref()
            .filter(|s| s.sinks & self.sink.bit() != 0)
        {
            return Some(step(Taint {
                origin: call.byte_range(),
                what: format!("{} in {shown}", source.what),
                user: true,
                trail: Default::default(),
            }));
        }
        let mut spread = false;
        let through = best_of(
            args.map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.kind_str() != "comment")
                .enumerate()
                .filter(|(i, a)| {
                    spread |= a.kind_str() == "spread_element";
                    spread || returned.through_argument(Some(*i), None) & self.sink.bit() != 0
                })
                .map(|(_, a)| a),
            |a| self.expr(a, depth + 1),
        );
        through.map(step)
    }

    fn user(&self, node: Node<'t>, what: String) -> Option<Taint> {
        Some(Taint {
            origin: node.byte_range(),
            what,
            user: true,
            trail: Default::default(),
        })
    }

    fn expr(&self, node: Node<'t>, depth: u32) -> Option<Taint> {
        if depth > MAX_NESTING {
            return None;
        }
        let recurse = |n: Node<'t>| self.expr(n, depth + 1);
        // A document database is only hurt by objects: anything turned into a string is fine.
        let nosql = self.sink == Sink::NoSql;
        match node.kind_str() {
            "identifier" | "shorthand_property_identifier" => self.name(node, depth),
            "member_expression" => self.member(node, depth),
            "subscript_expression" => {
                let object = node.field("object")?;
                let keyed = match member_key(node, self.cx.src) {
                    Some((o, Some(key))) => self.keyed(o, &key, depth),
                    _ => None,
                };
                let t = match keyed {
                    Some(t) => t,
                    None => self.expr(object, depth + 1),
                }?;
                // `req.query["next"]` is that parameter.
                Some(self.narrow(t, object, node))
            }
            "call_expression" => self.call(node, depth),
            "new_expression" => {
                let ctor = node.field("constructor")?;
                if nosql || sanitiser_name(last_name(ctor, self.cx.src), self.sink) {
                    return None;
                }
                self.args(node.field("arguments"), depth)
            }
            "template_string" if nosql => None,
            "template_string" => best_of(
                named_children(node)
                    .into_iter()
                    .filter(|c| c.kind_str() == "template_substitution")
                    .filter_map(|s| s.named_child(0)),
                recurse,
            ),
            "binary_expression" => {
                let op = node.field("operator").map(|o| self.text(o)).unwrap_or("");
                match op {
                    "+" if nosql => None,
                    "+" | "||" | "??" | "&&" => best_of(
                        ["left", "right"].into_iter().filter_map(|f| node.field(f)),
                        recurse,
                    ),
                    // Arithmetic and comparisons make numbers and booleans.
                    _ => None,
                }
            }
            "ternary_expression" => best_of(
                ["consequence", "alternative"]
                    .into_iter()
                    .filter_map(|f| node.field(f)),
                recurse,
            ),
            "parenthesized_expression"
            | "await_expression"
            | "spread_element"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion" => named_children(node)
                .into_iter()
                .find(|c| !c.kind_str().contains("type") && c.kind_str() != "comment")
                .and_then(recurse),
            "sequence_expression" => named_children(node).last().copied().and_then(recurse),
            "assignment_expression" | "augmented_assignment_expression" => {
                node.field("right").and_then(recurse)
            }
            "pair" => node.field("value").and_then(recurse),
            "array" | "object" => best_of(named_children(node), recurse),
            _ => None,
        }
    }

    /// See `taint::warm_uses`.
    fn warm(&self, index: &ScopeIndex<'t>, name: &str, depth: u32) {
        super::taint::warm_uses(
            index,
            name,
            self.cx.src,
            &self.warming,
            &|n| super::javascript::is_scope(n),
            |u| {
                self.name(u, depth);
            },
        );
    }

    /// `name` in its scope: the taint of all its bindings, memoised, unless a guard before this
    /// use validated it.
    fn name(&self, ident: Node<'t>, depth: u32) -> Option<Taint> {
        let Some((scope, index, direct)) = scoped_lookup_at(self.cx, ident) else {
            return if self.audit {
                super::taint::unknown_name(
                    ident,
                    self.cx.src,
                    super::javascript::lookup(self.cx, ident),
                    super::javascript::is_global(self.text(ident)),
                )
            } else {
                None
            };
        };
        let name = self.text(ident).to_owned();
        // Only the bindings that reach this use count (flow order).
        let reach = index.reaching(&name, ident.start_byte(), direct);
        let key = (scope.id(), name.clone(), reach);
        let cached = self.memo.borrow().get(&key).cloned();
        let found = match cached {
            Some(t) => t,
            None => {
                self.warm(&index, &name, depth);
                self.memo.borrow_mut().insert(key.clone(), None);
                let mut best = None;
                if reach.param
                    && index.params.contains(&name)
                    && self.focus.as_ref().is_none_or(|f| *f == name)
                {
                    best = self.param(scope, &name, depth);
                }
                for (i, b) in index.bindings.get(&name).into_iter().flatten().enumerate() {
                    if !reach.has(i) {
                        continue;
                    }
                    let t = match b {
                        Binding::Value(v) | Binding::Augmented(v) => self.expr(*v, depth + 1),
                        Binding::Element(v) => self.element(*v, &name, depth),
                        _ => None,
                    };
                    best = Taint::best(best, t.map(|t| assigned(t, b, &name, self.routes)));
                }
                // A single element stored makes no key the client's (mass assignment).
                for (i, store) in index.stores.get(&name).into_iter().flatten().enumerate() {
                    if reach.has_store(i) && (store.merge || self.sink != Sink::MassAssign) {
                        let t = self.expr(store.value, depth + 1);
                        best = Taint::best(best, t.map(|t| stored(t, store, &name, self.routes)));
                    }
                }
                self.memo.borrow_mut().insert(key, best.clone());
                best
            }
        };
        let guarded = index
            .guards
            .iter()
            .any(|g| g.cleans(&name, ident.start_byte(), self.sink));
        found.filter(|_| !guarded)
    }

    /// `o.k`, `o["k"]`, `items[0]`, `m.get("k")` where `o` is a local: the taint of what was
    /// put under that key (an object literal's property, an array's element, `o.k = v`,
    /// `m.set("k", v)`, and what went in under any key: `push`, `o[name] = v`,
    /// `Object.assign`). `None` when `ident` is not local.
    fn keyed(&self, ident: Node<'t>, key: &str, depth: u32) -> Option<Option<Taint>> {
        if depth > MAX_NESTING {
            return Some(None);
        }
        let (scope, index, direct) = scoped_lookup_at(self.cx, ident)?;
        let name = self.text(ident).to_owned();
        let active = (scope.id(), name.clone(), key.to_owned());
        if !self.keyed_active.borrow_mut().insert(active.clone()) {
            return Some(None);
        }
        let at = ident.start_byte();
        let reach = index.reaching(&name, at, direct);
        let mut best = None;
        if reach.param
            && index.params.contains(&name)
            && self.focus.as_ref().is_none_or(|f| *f == name)
        {
            best = self.param(scope, &name, depth);
        }
        for (i, b) in index.bindings.get(&name).into_iter().flatten().enumerate() {
            if !reach.has(i) {
                continue;
            }
            let t = match b {
                Binding::Value(v) => self.element_at(*v, key, depth),
                Binding::Augmented(v) => self.expr(*v, depth + 1),
                Binding::Element(v) => self.element(*v, &name, depth),
                _ => None,
            };
            best = Taint::best(best, t.map(|t| assigned(t, b, &name, self.routes)));
        }
        for (i, store) in index.stores.get(&name).into_iter().flatten().enumerate() {
            if reach.has_store(i) && store.key.as_deref().is_none_or(|k| k == key) {
                let t = self.expr(store.value, depth + 1);
                best = Taint::best(best, t.map(|t| stored(t, store, &name, self.routes)));
            }
        }
        self.keyed_active.borrow_mut().remove(&active);
        let guarded = index.guards.iter().any(|g| g.cleans(&name, at, self.sink));
        Some(best.filter(|_| !guarded))
    }

    /// The element under constant `key` of `v` (an object or array literal), or the whole
    /// value when it is something else.
    fn element_at(&self, v: Node<'t>, key: &str, depth: u32) -> Option<Taint> {
        let src = self.cx.src;
        match v.kind_str() {
            "object" => best_of(
                named_children(v)
                    .into_iter()
                    .filter_map(|c| match c.kind_str() {
                        "pair" => {
                            let k = c.field("key")?;
                            let k = match k.kind_str() {
                                "property_identifier" => Some(self.text(k).to_owned()),
                                _ => constant_key(k, src),
                            };
                            match k {
                                Some(k) if k != key => None,
                                _ => c.field("value"),
                            }
                        }
                        "shorthand_property_identifier" => (self.text(c) == key).then_some(c),
                        "spread_element" => Some(c),
                        _ => None,
                    }),
                |n| self.expr(n, depth + 1),
            ),
            "array" => {
                let elements: Vec<Node> = named_children(v)
                    .into_iter()
                    .filter(|c| c.kind_str() != "comment")
                    .collect();
                let plain = !elements.iter().any(|e| e.kind_str() == "spread_element");
                match key.parse::<usize>() {
                    Ok(i) if plain => elements.get(i).and_then(|e| self.expr(*e, depth + 1)),
                    _ => self.expr(v, depth + 1),
                }
            }
            _ => self.expr(v, depth + 1),
        }
    }

    /// A name destructured from `value`: `const { body } = req` is the request body.
    fn element(&self, value: Node<'t>, name: &str, depth: u32) -> Option<Taint> {
        if self.is_request(value) {
            let declarator = ancestors(self.cx.within, value).pop()?;
            let pattern = declarator.field("name")?;
            for prop in named_children(pattern) {
                let (key, local) = match prop.kind_str() {
                    "shorthand_property_identifier_pattern" => (self.text(prop), self.text(prop)),
                    "pair_pattern" => (
                        prop.field("key").map(|k| self.text(k)).unwrap_or(""),
                        prop.field("value").map(|v| self.text(v)).unwrap_or(""),
                    ),
                    _ => continue,
                };
                if local == name && self.is_source_attr(key) {
                    return self.user(prop, format!("request data `{}.{key}`", self.text(value)));
                }
            }
            return None;
        }
        // `const { name } = req.body`: the binding holds that one property, not the object
        // (a rest element, `...rest`, still holds the remainder and is not narrowed).
        let key = ancestors(self.cx.within, value)
            .pop()
            .and_then(|d| d.field("name"))
            .filter(|p| p.kind_str() == "object_pattern")
            .and_then(|pattern| {
                named_children(pattern)
                    .into_iter()
                    .find_map(|prop| match prop.kind_str() {
                        "shorthand_property_identifier_pattern" if self.text(prop) == name => {
                            Some(name.to_owned())
                        }
                        "pair_pattern"
                            if prop.field("value").is_some_and(|v| self.text(v) == name) =>
                        {
                            prop.field("key")
                                .map(|k| self.text(k).trim_matches(['"', '\'']).to_owned())
                        }
                        _ => None,
                    })
            });
        // `const [a, b] = ["x", req.query.b]`: the element at the name's position.
        let index = ancestors(self.cx.within, value)
            .pop()
            .and_then(|d| d.field("name"))
            .filter(|p| p.kind_str() == "array_pattern")
            .and_then(|pattern| {
                let items = named_children(pattern);
                let plain = items.iter().all(|i| i.kind_str() == "identifier");
                items
                    .iter()
                    .position(|i| self.text(*i) == name)
                    .filter(|_| plain)
            })
            .map(|i| i.to_string());
        // `const { b } = o` of a local object: what was put under `b`.
        let keyed = match key.as_ref().or(index.as_ref()) {
            Some(k) if value.kind_str() == "identifier" => self.keyed(value, k, depth),
            Some(k) if matches!(value.kind_str(), "array" | "object") => {
                Some(self.element_at(value, k, depth))
            }
            _ => None,
        };
        let taint = match keyed {
            // Already that property's own data (and source).
            Some(t) => return t,
            None => self.expr(value, depth + 1)?,
        };
        match key {
            Some(key)
                if taint.user
                    && taint.what.starts_with("request data `")
                    && self.text(value).len() <= 60 =>
            {
                Some(Taint {
                    what: format!(
                        "request data `{}.{key}`",
                        self.text(value).trim_start_matches("await ")
                    ),
                    ..taint
                })
            }
            _ => Some(taint),
        }
    }

    fn is_source_attr(&self, attr: &str) -> bool {
        if self.sink == Sink::NoSql {
            self.models().object_attributes.contains(attr)
        } else {
            self.models().request_attributes.contains(attr)
        }
    }

    /// Whether `node` is a request object: `req`, `request` or `ctx` not bound to an import, a
    /// parameter typed as a request, or Koa's `ctx.request`/`ctx.req`.
    fn is_request(&self, node: Node<'t>) -> bool {
        let Some(_level) = ba_syntax::depth::enter() else {
            return false;
        };
        match node.kind_str() {
            "identifier" => {
                let name = self.text(node);
                let named = matches!(name, "req" | "request" | "ctx" | "context");
                if named && name != "context" {
                    return resolve(self.cx, node).is_none() && !self.bound_to_call(node);
                }
                scoped_lookup(self.cx, node).is_some_and(|(scope, index)| {
                    if !index.params.contains(name) {
                        return false;
                    }
                    let Some(param) = param_node(scope, name, self.cx.src) else {
                        return false;
                    };
                    // Next.js: `GET(request, context)`, whose `context.params` are the URL's.
                    param.field("type").is_some_and(|t| {
                        let t = self.text(t);
                        t.ends_with("Request")
                            || t.ends_with("Request>")
                            || (named && t.ends_with("Context"))
                    }) || (pattern_of(param).kind_str() == "identifier"
                        && next_route_context(self.cx.within, scope, param, self.cx.src))
                })
            }
            "member_expression" => {
                node.field("property")
                    .is_some_and(|p| matches!(self.text(p), "request" | "req"))
                    && node.field("object").is_some_and(|o| self.is_request(o))
            }
            "parenthesized_expression" | "non_null_expression" | "as_expression" => {
                node.named_child(0).is_some_and(|c| self.is_request(c))
            }
            _ => false,
        }
    }

    /// `const request = supertest(app)`: a local bound to a call result is not a request.
    fn bound_to_call(&self, ident: Node<'t>) -> bool {
        let Some((_, index)) = scoped_lookup(self.cx, ident) else {
            return false;
        };
        index
            .bindings
            .get(self.text(ident))
            .into_iter()
            .flatten()
            .any(|b| matches!(b, Binding::Value(v) if v.kind_str() != "identifier"))
    }

    /// `req.query.next` after `req.query`: name the parameter in the message.
    fn narrow(&self, taint: Taint, object: Node<'t>, access: Node<'t>) -> Taint {
        // A parameter that is request data itself (Next.js `{ params }`) narrows as well.
        let whole = taint.what == format!("request data `{}`", self.text(object));
        if taint.user
            && (taint.origin == object.byte_range() || whole)
            && taint.what.starts_with("request data")
            && self.text(access).len() <= 60
            && !self.text(access).contains('\n')
        {
            Taint {
                origin: access.byte_range(),
                what: format!("request data `{}`", self.text(access)),
                user: true,
                trail: taint.trail,
            }
        } else {
            taint
        }
    }

    fn member(&self, node: Node<'t>, depth: u32) -> Option<Taint> {
        let object = node.field("object")?;
        let property = node.field("property")?;
        let prop = self.text(property);
        if self.models().value_source_names.contains(prop) {
            if let Some(kind) = resolve(self.cx, node)
                .and_then(|q| self.models().value_sources.get(q.as_str()).cloned())
            {
                return self.user(
                    node,
                    format!("{} `{}`", describe_source(&kind), self.text(node)),
                );
            }
        }
        if self.is_request(object) {
            if self.is_source_attr(prop) {
                return self.user(node, format!("request data `{}`", self.text(node)));
            }
            return None;
        }
        if object.kind_str() == "this" {
            return self.constructor_property(node, prop);
        }
        if prop == "length" {
            return None;
        }
        // NestJS: a property of a `@Body()` DTO whose validators rule this sink out.
        if super::dto::validated(self.cx, object, prop, self.sink) {
            return None;
        }
        // `o.k` of a local object: what was put under `k`.
        if object.kind_str() == "identifier" {
            if let Some(t) = self.keyed(object, prop, depth) {
                return t
                    .filter(|t| !server_chosen_upload_field(t, prop))
                    .map(|t| self.narrow(t, object, node));
            }
        }
        let t = self.expr(object, depth + 1)?;
        if server_chosen_upload_field(&t, prop) {
            return None;
        }
        Some(self.narrow(t, object, node))
    }

    /// `this.command` where the constructor declares `private readonly command: string`: the
    /// constructor's caller chose it, like a parameter.
    fn constructor_property(&self, node: Node<'t>, prop: &str) -> Option<Taint> {
        let class = ancestors(self.cx.within, node)
            .into_iter()
            .rev()
            .find(|a| matches!(a.kind_str(), "class_declaration" | "class"))?;
        let body = class.field("body")?;
        let ctor = named_children(body).into_iter().find(|m| {
            m.kind_str() == "method_definition"
                && m.field("name")
                    .is_some_and(|n| self.text(n) == "constructor")
        })?;
        let param = param_node(ctor, prop, self.cx.src)?;
        let declared = named_children(param)
            .iter()
            .any(|c| matches!(c.kind_str(), "accessibility_modifier" | "readonly"))
            || self.text(param).starts_with("readonly");
        declared.then(|| Taint {
            origin: param.byte_range(),
            what: format!("constructor parameter `{prop}`"),
            user: false,
            trail: Default::default(),
        })
    }

    fn args(&self, args: Option<Node<'t>>, depth: u32) -> Option<Taint> {
        best_of(args.map(named_children).unwrap_or_default(), |a| {
            self.expr(a, depth + 1)
        })
    }

    fn call(&self, node: Node<'t>, depth: u32) -> Option<Taint> {
        let src = self.cx.src;
        let func = node.field("function")?;
        let args = node
            .field("arguments")
            .filter(|a| a.kind_str() == "arguments");
        let name = last_name(func, src);
        let nosql = self.sink == Sink::NoSql;
        if let Some(q) = resolve(self.cx, func) {
            let models = self.models();
            if sanitiser_name(name, self.sink) || models.sanitizes(&q, self.sink) {
                return None;
            }
            if let Some(kind) = models.source_callee(&q) {
                return self.user(
                    node,
                    format!("{} `{}`", describe_source(kind), self.text(node)),
                );
            }
            if q == "global.String" || q == "global.JSON.stringify" {
                return if nosql { None } else { self.args(args, depth) };
            }
            if models.propagates(&q) {
                return self.args(args, depth);
            }
            // A function of another project module: what its summary says it returns.
            if let Some(returned) = self.cx.sem.imported.get(&q) {
                return self.imported_call(returned, node, args, depth);
            }
            // Library calls return their own data (a connection, a row, a response).
            return None;
        }
        if sanitiser_name(name, self.sink) {
            return None;
        }
        match func.kind_str() {
            "member_expression" => {
                let object = func.field("object")?;
                // `req.get("host")`, `req.header("x-user")`, `ctx.cookies.get("sid")`.
                if self.models().request_methods.contains(name) && !nosql {
                    if self.is_request(object) {
                        return self.user(node, format!("request data `{}`", self.text(node)));
                    }
                    if object.kind_str() == "member_expression"
                        && object
                            .field("property")
                            .is_some_and(|p| self.text(p) == "cookies")
                        && object.field("object").is_some_and(|o| self.is_request(o))
                    {
                        return self.user(node, format!("request data `{}`", self.text(node)));
                    }
                }
                if self.models().neutral_methods.contains(name)
                    || (nosql && self.models().string_methods.contains(name))
                {
                    return None;
                }
                // `m.get("k")` of a local map: what was set under `k`.
                if name == "get" && object.kind_str() == "identifier" {
                    let key = args
                        .and_then(|a| a.named_child(0))
                        .and_then(|k| constant_key(k, src));
                    if let Some(t) = key.and_then(|k| self.keyed(object, &k, depth)) {
                        return t;
                    }
                }
                // `ids.map(() => "?")`: each element becomes a constant (placeholders).
                if matches!(name, "map" | "flatMap")
                    && args
                        .and_then(|a| a.named_child(0))
                        .filter(|f| {
                            matches!(
                                f.kind_str(),
                                "arrow_function" | "function_expression" | "function"
                            )
                        })
                        .is_some_and(|f| returns_only_constants(f, src))
                {
                    return None;
                }
                let from_object = self.expr(object, depth + 1);
                if from_object.as_ref().is_some_and(|t| t.user) {
                    return from_object;
                }
                let data_method = self.models().receiver_methods.contains(name);
                if data_method
                    && matches!(object.kind_str(), "string" | "template_string" | "array")
                {
                    return Taint::best(from_object, self.args(args, depth));
                }
                if data_method {
                    return from_object;
                }
                // An unknown method of a local object: assume it hands back what it holds.
                from_object.filter(|_| object.kind_str() == "identifier")
            }
            "identifier" => {
                // A function of this file that returns only constants hands back none of its
                // arguments; any other (or one we cannot see): assume it returns them.
                if self
                    .cx
                    .sem
                    .returns
                    .get(name)
                    .is_some_and(|(_, mask, _, _)| *mask == 0)
                {
                    return None;
                }
                self.args(args, depth).map(|t| self.returned(t, node, name))
            }
            _ => None,
        }
    }

    /// The taint of parameter `name` of `function`.
    fn param(&self, function: Node<'t>, name: &str, depth: u32) -> Option<Taint> {
        let src = self.cx.src;
        let param = param_node(function, name, src)?;
        // NestJS: `@Body() dto`, `@Query("q") q`, `@Param("id", ParseIntPipe) id`.
        // Any other decorator (`@Req()`, `@Res()`, `@Inject()`) injects a framework object.
        if let Some(decorator) = named_children(param)
            .into_iter()
            .find(|c| c.kind_str() == "decorator")
        {
            let d = self.text(decorator);
            let call = d.trim_start_matches('@');
            let dname = call.split('(').next().unwrap_or("").trim();
            if !self.models().decorators.contains(dname)
                || (d.contains("Pipe") && !d.contains("ValidationPipe"))
            {
                return None;
            }
            return self.user(param, format!("request data `{d} {name}`"));
        }
        // A GraphQL resolver: `(parent, args, context, info)`, `args` is what the client sent.
        if let Some(i) = super::resolvers::js_args_position(self.cx.within, function, src) {
            let index = function
                .field("parameters")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.kind_str() != "comment")
                .position(|p| p == param);
            if index == Some(i) {
                return self.user(param, format!("GraphQL argument `{name}`"));
            }
            return None;
        }
        // Next.js App Router: `GET(request, { params })`, the route's dynamic segments
        // (`const { id } = await params` in Next 15, where `params` is a promise).
        if pattern_of(param).kind_str() == "object_pattern"
            && next_route_context(self.cx.within, function, param, src)
        {
            return self.user(param, format!("request data `{name}`"));
        }
        let params = function
            .field("parameters")
            .or_else(|| function.field("parameter"))?;
        let mut names = Vec::new();
        super::javascript::pattern_names(params, src, &mut names);
        // A handler: the request object's attributes are the sources; `res`, `next` and
        // `reply` carry none.
        let handler = names
            .iter()
            .any(|n| matches!(*n, "req" | "request" | "ctx") || self.is_request_param(function, n));
        if handler {
            return None;
        }
        // A callback: `items.forEach(item => …)` holds the receiver's data.
        if let Some(call) = self.callback_of(function) {
            let callee = call
                .field("function")
                .filter(|f| f.kind_str() == "member_expression");
            if let Some(event) = callee.and_then(|f| self.socket_event(f, call)) {
                return self.user(param, format!("WebSocket message `{name}` ({event})"));
            }
            let receiver = callee.and_then(|f| f.field("object"))?;
            return self.expr(receiver, depth + 1);
        }
        // A top-level helper that a handler in this file passes request data to.
        let entry = top_level_function(self.cx.within, src)
            .filter(|(_, f)| *f == function)
            .and_then(|(f, _)| self.cx.sem.entries.get(&(f, name.to_owned())))
            .filter(|e| e.sinks & self.sink.bit() != 0);
        if let Some(e) = entry {
            return self.user(param, e.what.clone());
        }
        // Or one that a handler in another module passes request data to (a top-level
        // function, or a method of the item's class: services are classes).
        if !self.cx.sem.external.is_empty() {
            let external = top_level_function(self.cx.within, src)
                .filter(|(_, f)| *f == function)
                .or_else(|| class_method(self.cx.within, function, src))
                .and_then(|(f, function)| {
                    let i = positional_params(function, src)
                        .iter()
                        .position(|p| p == name)?;
                    self.cx.sem.external.get(&(f, Argument::Position(i)))
                })
                .filter(|e| e.sinks & self.sink.bit() != 0);
            if let Some(e) = external {
                return self.user(param, e.what.clone());
            }
        }
        Some(Taint {
            origin: param.byte_range(),
            what: format!("parameter `{name}`"),
            user: false,
            trail: Default::default(),
        })
    }

    /// For `ws.on("message", (data) => …)` (ws) or `socket.on("chat", (msg) => …)` where
    /// `socket` came from a `connection` event (socket.io, ws): the event, whose callback
    /// parameters are what the client sent.
    fn socket_event(&self, on: Node<'t>, call: Node<'t>) -> Option<String> {
        let method = on.field("property").map(|p| self.text(p))?;
        if !matches!(method, "on" | "once" | "addEventListener") {
            return None;
        }
        let args = named_children(call.field("arguments")?);
        let event = args.first().filter(|a| a.kind_str() == "string")?;
        let event = self.text(*event).trim_matches(['"', '\'', '`']);
        if matches!(
            event,
            "connection"
                | "connect"
                | "disconnect"
                | "disconnecting"
                | "close"
                | "error"
                | "open"
                | "listening"
                | "upgrade"
                | "headers"
                | "ping"
                | "pong"
        ) {
            return None;
        }
        if event == "message" {
            return Some(format!("\"{event}\" event"));
        }
        // Any other event is a socket.io event if the receiver is the socket a `connection`
        // callback received.
        let receiver = on
            .field("object")
            .filter(|o| o.kind_str() == "identifier")?;
        let (scope, index) = scoped_lookup(self.cx, receiver)?;
        if !index.params.contains(self.text(receiver)) {
            return None;
        }
        let outer = self.callback_of(scope)?;
        let outer_on = outer
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")?;
        let first = named_children(outer.field("arguments")?)
            .into_iter()
            .next()?;
        let is_connection = outer_on
            .field("property")
            .is_some_and(|p| self.text(p) == "on")
            && matches!(
                self.text(first).trim_matches(['"', '\'', '`']),
                "connection" | "connect"
            );
        is_connection.then(|| format!("socket event \"{event}\""))
    }

    fn is_request_param(&self, function: Node<'t>, name: &str) -> bool {
        param_node(function, name, self.cx.src)
            .and_then(|p| p.field("type"))
            .is_some_and(|t| {
                let t = self.text(t);
                t.ends_with("Request") || t.ends_with("Request>") || t.ends_with("Context")
            })
    }

    /// The call `function` is passed to as an argument, if any.
    fn callback_of(&self, function: Node<'t>) -> Option<Node<'t>> {
        if !matches!(
            function.kind_str(),
            "arrow_function" | "function_expression" | "function"
        ) {
            return None;
        }
        let path = ancestors(self.cx.within, function);
        let args = path.last().filter(|a| a.kind_str() == "arguments")?;
        let call = path.get(path.len().checked_sub(2)?)?;
        debug_assert!(args.kind_str() == "arguments");
        (call.kind_str() == "call_expression").then_some(*call)
    }
}

/// The parameter node of `function` whose pattern binds `name`.
fn param_node<'t>(function: Node<'t>, name: &str, src: &str) -> Option<Node<'t>> {
    if let Some(single) = function.field("parameter") {
        return (text(single, src) == name).then_some(single);
    }
    let params = function.field("parameters")?;
    named_children(params).into_iter().find(|p| {
        let mut names = Vec::new();
        super::javascript::pattern_names(*p, src, &mut names);
        names.contains(&name)
    })
}

/// A parameter's pattern: TypeScript wraps it with its type (`{ params }: Props`).
fn pattern_of(param: Node) -> Node {
    param.field("pattern").unwrap_or(param)
}

/// The methods a Next.js App Router route file exports handlers for.
const NEXT_VERBS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Whether `param` is the second parameter of a Next.js App Router route handler, the route
/// context whose `params` hold the URL's dynamic segments: `export async function GET(request,
/// { params })`, `export const PATCH = auth(async (req, context) => …)`, or any function that
/// takes a request first and `{ params }` (or a `context` typed with `params`) second.
fn next_route_context(within: Node, function: Node, param: Node, src: &str) -> bool {
    let Some(list) = function.field("parameters") else {
        return false;
    };
    let list: Vec<Node> = named_children(list)
        .into_iter()
        .filter(|p| p.kind_str() != "comment")
        .collect();
    if list.len() != 2 || list[1] != param {
        return false;
    }
    let pattern = pattern_of(param);
    let keys_params = || {
        named_children(pattern)
            .into_iter()
            .any(|p| match p.kind_str() {
                "shorthand_property_identifier_pattern" => text(p, src) == "params",
                "pair_pattern" => p.field("key").is_some_and(|k| text(k, src) == "params"),
                _ => false,
            })
    };
    let typed_params = param
        .field("type")
        .is_some_and(|t| text(t, src).contains("params"));
    match pattern.kind_str() {
        "object_pattern" if !keys_params() => return false,
        "object_pattern" | "identifier" => {}
        _ => return false,
    }
    if exported_verb(within, function, src) {
        return true;
    }
    // Not visibly a route file's export: the signature must say so.
    let first = pattern_of(list[0]);
    let request_like = first.kind_str() == "identifier"
        && matches!(
            text(first, src).trim_start_matches('_'),
            "" | "req" | "request"
        )
        || list[0]
            .field("type")
            .is_some_and(|t| text(t, src).trim_end().ends_with("Request"));
    request_like && (pattern.kind_str() == "object_pattern" || typed_params)
}

/// `export async function GET(…)`, `export const POST = withAuth(async (req, ctx) => …)`:
/// `function` is the handler an item exports under an HTTP method's name.
fn exported_verb(within: Node, function: Node, src: &str) -> bool {
    if within.kind_str() != "export_statement" {
        return false;
    }
    let Some(decl) = within.field("declaration") else {
        return false;
    };
    match decl.kind_str() {
        "function_declaration" => {
            decl == function
                && decl
                    .field("name")
                    .is_some_and(|n| NEXT_VERBS.contains(&text(n, src)))
        }
        "lexical_declaration" | "variable_declaration" => {
            let path = ancestors(within, function);
            // export_statement, the declaration, the declarator, then only wrapper calls.
            let Some(declarator) = path
                .get(2)
                .filter(|d| d.kind_str() == "variable_declarator")
            else {
                return false;
            };
            declarator
                .field("name")
                .is_some_and(|n| NEXT_VERBS.contains(&text(n, src)))
                && path[3..].iter().all(|n| {
                    matches!(
                        n.kind_str(),
                        "call_expression"
                            | "arguments"
                            | "parenthesized_expression"
                            | "as_expression"
                            | "satisfies_expression"
                    )
                })
        }
        _ => false,
    }
}

/// Whether the file may hold request data at all (a cheap test before the summaries).
pub(super) fn may_have_request_data(src: &str) -> bool {
    // `req` but not as the start of `require`, which every CommonJS file has.
    src.match_indices("req")
        .any(|(i, _)| !src[i..].starts_with("require"))
        || [
            "ctx", "Request", "@Body", "@Query", "@Param", "argv", ".on(",
        ]
        .iter()
        .any(|w| src.contains(w))
}

/// The function a top-level item defines, with its name: `function f() {}`,
/// `export function f() {}`, `const f = (…) => …`, `const f = function (…) {…}`.
fn top_level_function<'t>(item: Node<'t>, src: &str) -> Option<(String, Node<'t>)> {
    let item = match item.kind_str() {
        "export_statement" => item.field("declaration")?,
        _ => item,
    };
    match item.kind_str() {
        "function_declaration" | "generator_function_declaration" => {
            let name = item.field("name")?;
            Some((text(name, src).to_owned(), item))
        }
        "lexical_declaration" | "variable_declaration" => {
            let declarators = named_children(item);
            let [declarator] = declarators.as_slice() else {
                return None;
            };
            let name = declarator
                .field("name")
                .filter(|n| n.kind_str() == "identifier")?;
            let value = declarator.field("value").filter(|v| {
                matches!(
                    v.kind_str(),
                    "arrow_function" | "function_expression" | "function"
                )
            })?;
            Some((text(name, src).to_owned(), value))
        }
        // `exports.list = async (q) => …`, `module.exports.list = function (q) { … }`.
        "expression_statement" => {
            let assignment = item
                .named_child(0)
                .filter(|a| a.kind_str() == "assignment_expression")?;
            let left = assignment
                .field("left")
                .filter(|l| l.kind_str() == "member_expression")?;
            let object = text(left.field("object")?, src);
            if !matches!(object, "exports" | "module.exports") {
                return None;
            }
            let name = text(left.field("property")?, src);
            let value = assignment.field("right").filter(|v| {
                matches!(
                    v.kind_str(),
                    "arrow_function" | "function_expression" | "function"
                )
            })?;
            Some((name.to_owned(), value))
        }
        _ => None,
    }
}

/// Calls that the request handlers in `item` make to functions of other modules of the project
/// (a relative `require`/`import`), with the request data each argument carries and the sinks
/// it is not sanitised for. The callee's file turns them into `Semantic::external`. With
/// `relays`, also the calls its other functions make passing a parameter on (`relay_call`).
pub(super) fn item_outgoing(
    sem: &super::Semantic,
    item: Node,
    src: &str,
    relays: bool,
) -> Vec<super::Outgoing> {
    let mut out = Vec::new();
    let handlers = may_have_request_data(text(item, src));
    if !handlers && !relays {
        return out;
    }
    let imports = super::javascript::item_imports(item, src);
    let scopes = super::ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    for call in calls_in(item) {
        let Some(callee) = call
            .field("function")
            .and_then(|f| resolve(&cx, f).or_else(|| injected_callee(&cx, f)))
        else {
            continue;
        };
        // Packages are libraries (judged where they are called); project modules are files.
        if !callee.starts_with('.') {
            continue;
        }
        let short = callee
            .rsplit(['.', '/'])
            .next()
            .unwrap_or(&callee)
            .to_owned();
        let Some(caller) = enclosing_handler(&cx, call).filter(|_| handlers) else {
            if relays {
                relay_call(&cx, item, call, &callee, &short, &mut out);
            }
            continue;
        };
        let args = call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default();
        for (index, arg) in args
            .into_iter()
            .filter(|a| a.kind_str() != "comment")
            .enumerate()
        {
            if arg.kind_str() == "spread_element" {
                break;
            }
            let tainted = user_sinks(&cx, arg);
            if let Some((sinks, what)) = tainted {
                out.push(super::Outgoing {
                    callee: callee.clone(),
                    argument: Argument::Position(index),
                    entry: super::Entry {
                        what: format!("{what} passed to `{short}()` by {caller}"),
                        sinks,
                    },
                    relay: None,
                });
            }
        }
    }
    out
}

/// How many parameters of one function are followed into the calls it makes to other modules.
const MAX_RELAYED_PARAMS: usize = 16;

/// A call to another module's function from a function that is not a request handler (the
/// item's top-level function, or a method of its class): for each of the function's
/// parameters the argument carries, an `Outgoing` with its `relay` set (see
/// `modules::ModuleMap::external_entries`).
fn relay_call<'t>(
    cx: &Cx<'_, 't>,
    item: Node<'t>,
    call: Node<'t>,
    callee: &str,
    short: &str,
    out: &mut Vec<super::Outgoing>,
) {
    let src = cx.src;
    let Some(function) = ancestors(item, call).into_iter().rev().find(|a| {
        matches!(
            a.kind_str(),
            "arrow_function"
                | "function_expression"
                | "function"
                | "function_declaration"
                | "generator_function_declaration"
                | "method_definition"
        )
    }) else {
        return;
    };
    let Some((own, function)) = top_level_function(item, src)
        .filter(|(_, f)| *f == function)
        .or_else(|| class_method(item, function, src))
    else {
        return;
    };
    let params = positional_params(function, src);
    let probe = State::new(cx, Sink::Code);
    let args = call
        .field("arguments")
        .map(named_children)
        .unwrap_or_default();
    for (index, arg) in args
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .enumerate()
    {
        if arg.kind_str() == "spread_element" {
            break;
        }
        for (position, param) in params.iter().enumerate().take(MAX_RELAYED_PARAMS) {
            if param.is_empty() {
                continue;
            }
            let Some(route) = probe.param_route(arg, param) else {
                continue;
            };
            let sinks = Sink::carried(0, |sink| State::new(cx, sink).carries_param(arg, param));
            out.push(super::Outgoing {
                callee: callee.to_owned(),
                argument: Argument::Position(index),
                entry: super::Entry {
                    what: format!("{}passed to `{short}()` by `{own}()`", after(&route)),
                    sinks,
                },
                relay: Some(super::Relay {
                    function: own.clone(),
                    position,
                    param: param.clone(),
                }),
            });
        }
    }
}

/// `function` when it is a method of the class `item` declares (exported or not), with its
/// name: `PostService.list` is reached as `posts.list(…)` on the instance a module exports,
/// or as `this.posts.list(…)` on an injected service.
fn class_method<'t>(item: Node<'t>, function: Node<'t>, src: &str) -> Option<(String, Node<'t>)> {
    let class = match item.kind_str() {
        "export_statement" => item.field("declaration")?,
        _ => item,
    };
    if !matches!(
        class.kind_str(),
        "class_declaration" | "abstract_class_declaration"
    ) || function.kind_str() != "method_definition"
    {
        return None;
    }
    let body = class.field("body")?;
    if !named_children(body).contains(&function) {
        return None;
    }
    let name = text(function.field("name")?, src);
    (name != "constructor").then(|| (name.to_owned(), function))
}

/// Dependency injection (NestJS, and any TypeScript class that takes its services in the
/// constructor): `this.invoices.search(…)` in a class whose constructor declares
/// `private readonly invoices: InvoicesService`, with `InvoicesService` imported from a
/// project module, calls `./invoices.service.search`.
fn injected_callee(cx: &Cx, func: Node) -> Option<String> {
    let src = cx.src;
    if func.kind_str() != "member_expression" {
        return None;
    }
    let object = func
        .field("object")
        .filter(|o| o.kind_str() == "member_expression")?;
    if object.field("object")?.kind_str() != "this" {
        return None;
    }
    let field = text(object.field("property")?, src);
    let method = text(func.field("property")?, src);
    let class = ancestors(cx.within, func).into_iter().rev().find(|a| {
        matches!(
            a.kind_str(),
            "class_declaration" | "abstract_class_declaration" | "class"
        )
    })?;
    let constructor = named_children(class.field("body")?).into_iter().find(|m| {
        m.kind_str() == "method_definition"
            && m.field("name")
                .is_some_and(|n| text(n, src) == "constructor")
    })?;
    let param = named_children(constructor.field("parameters")?)
        .into_iter()
        .find(|p| {
            p.field("pattern")
                .is_some_and(|n| n.kind_str() == "identifier" && text(n, src) == field)
        })?;
    let ty = param.field("type")?.named_child(0)?;
    if ty.kind_str() != "type_identifier" {
        return None;
    }
    let qualified = cx.sem.imports.get(text(ty, src))?;
    let (module, _class) = qualified.rsplit_once('.')?;
    module
        .starts_with('.')
        .then(|| format!("{module}.{method}"))
}

/// The parameter names of `function`, in order (a destructured parameter counts as one, with
/// an empty name: no entry can name it).
fn positional_params(function: Node, src: &str) -> Vec<String> {
    if let Some(single) = function.field("parameter") {
        return vec![text(single, src).to_owned()];
    }
    let Some(params) = function.field("parameters") else {
        return Vec::new();
    };
    named_children(params)
        .into_iter()
        .filter(|p| p.kind_str() != "comment")
        .map(|p| {
            let ident = match p.kind_str() {
                "identifier" => Some(p),
                // TypeScript: `required_parameter`/`optional_parameter` with a `pattern`.
                _ => p
                    .field("pattern")
                    .or_else(|| p.field("left"))
                    .filter(|n| n.kind_str() == "identifier"),
            };
            ident.map(|i| text(i, src).to_owned()).unwrap_or_default()
        })
        .collect()
}

/// For the top-level function `item` defines (if any): its name and parameters. JavaScript
/// taint already assumes a same-file call returns what it is given, so only the parameters
/// matter here (for `item_entries`); the mask says every parameter may be returned.
pub(super) fn item_returns(item: Node, src: &str) -> super::summaries::ReturnsPart {
    let (name, function) = top_level_function(item, src)?;
    let params = positional_params(function, src);
    // A function whose every `return` is a constant (`(type) => type === "ts" ? " AT TIME
    // ZONE 'UTC'" : ""`) hands back none of its arguments.
    let mask = if returns_only_constants(function, src) {
        0
    } else {
        u64::MAX >> 1
    };
    Some((name, (params, mask, Vec::new(), Vec::new())))
}

/// Whether a constant: a string without substitutions, a number, `true`/`false`/`null`/
/// `undefined`, or a conditional or `||`/`??` choosing between constants.
fn constant_value(node: Node, src: &str) -> bool {
    let Some(_level) = ba_syntax::depth::enter() else {
        return false;
    };
    match node.kind_str() {
        "string" | "number" | "true" | "false" | "null" | "undefined" => true,
        "template_string" => !named_children(node)
            .iter()
            .any(|c| c.kind_str() == "template_substitution"),
        "parenthesized_expression" => node.named_child(0).is_some_and(|c| constant_value(c, src)),
        "ternary_expression" => ["consequence", "alternative"]
            .iter()
            .all(|f| node.field(f).is_some_and(|c| constant_value(c, src))),
        "identifier" => text(node, src) == "undefined",
        _ => false,
    }
}

/// Whether every value `function` returns is a constant (`constant_value`), so its result
/// carries none of its arguments: an arrow's expression body, or each `return` of its own
/// (not of nested functions); a function that returns nothing counts too.
fn returns_only_constants(function: Node, src: &str) -> bool {
    let Some(body) = function.field("body") else {
        return false;
    };
    if body.kind_str() != "statement_block" {
        return constant_value(body, src);
    }
    let nested = |n: Node| {
        matches!(
            n.kind_str(),
            "function_declaration"
                | "function_expression"
                | "function"
                | "arrow_function"
                | "method_definition"
                | "class_declaration"
                | "class"
                | "generator_function_declaration"
        )
    };
    super::statements_by_keyword(body, src, "return", "return_statement", &nested)
        .into_iter()
        .all(|r| r.named_child(0).is_none_or(|v| constant_value(v, src)))
}

/// The name of the top-level function `item` defines, as `item_module_returns` names it.
pub(super) fn function_name(item: Node, src: &str) -> Option<String> {
    if item.kind_str() == "export_statement" && text(item, src).starts_with("export default") {
        return Some("default".to_owned());
    }
    top_level_function(item, src)
        .or_else(|| default_export(item, src))
        .map(|(name, _)| name)
}

/// What the top-level function `item` defines returns, for callers in other modules (see
/// `python_taint::item_module_returns`). `export default function …` and `module.exports =
/// function …` are named `default`, as a default import names them.
pub(super) fn item_module_returns(
    sem: &super::Semantic,
    item: Node,
    src: &str,
    with_params: bool,
) -> Option<super::Returned> {
    let (mut name, function) =
        top_level_function(item, src).or_else(|| default_export(item, src))?;
    if item.kind_str() == "export_statement" && text(item, src).starts_with("export default") {
        name = "default".to_owned();
    }
    let may_source = super::may_return_request_data(
        ba_syntax::Language::JavaScript,
        &sem.imported,
        text(function, src),
    );
    if !with_params && !may_source {
        return None;
    }
    let params: Vec<String> = positional_params(function, src)
        .into_iter()
        .take(MAX_RELAYED_PARAMS)
        .collect();
    let body = function.field("body")?;
    let mut values = Vec::new();
    if body.kind_str() == "statement_block" {
        let nested = |n: Node| {
            matches!(
                n.kind_str(),
                "arrow_function"
                    | "function_expression"
                    | "function"
                    | "function_declaration"
                    | "generator_function_declaration"
                    | "method_definition"
                    | "class_declaration"
                    | "class"
            )
        };
        super::walk_scope(body, &nested, &mut |n| {
            if n.kind_str() == "return_statement" {
                if let Some(v) = n.named_child(0) {
                    values.push(v);
                }
            }
        });
    } else {
        values.push(body);
    }
    if values.is_empty() {
        return None;
    }
    let imports = super::javascript::item_imports(item, src);
    let scopes = super::ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    // No handler test here (unlike Python's decorated views): a helper taking `req` is a
    // handler by its shape, and what it returns is exactly what its callers get.
    let probe = State::new(&cx, Sink::Code);
    let mut source: Option<super::Entry> = None;
    let mut through = vec![0u32; params.len()];
    for value in values {
        let user = may_source && probe.expr(value, 0).is_some_and(|t| t.user);
        if let Some((sinks, what)) = user.then(|| user_sinks(&cx, value)).flatten() {
            if what.starts_with("request data") {
                match &mut source {
                    Some(e) => e.sinks |= sinks,
                    None => {
                        source = Some(super::Entry {
                            what: what.split(" via ").next().unwrap_or(&what).to_owned(),
                            sinks,
                        })
                    }
                }
            }
        }
        for (i, param) in params.iter().enumerate().filter(|_| with_params) {
            if param.is_empty() || !probe.carries_param(value, param) {
                continue;
            }
            through[i] = Sink::carried(through[i], |sink| {
                State::new(&cx, sink).carries_param(value, param)
            });
        }
    }
    Some(super::Returned {
        function: name,
        file: String::new(),
        params,
        source,
        through,
    })
}

/// `export default function (…) {…}`, `export default (…) => …` and `module.exports =
/// function (…) {…}`: the function a default import names.
fn default_export<'t>(item: Node<'t>, src: &str) -> Option<(String, Node<'t>)> {
    let is_function = |v: &Node| {
        matches!(
            v.kind_str(),
            "arrow_function" | "function_expression" | "function" | "function_declaration"
        )
    };
    let value = match item.kind_str() {
        "export_statement" if text(item, src).starts_with("export default") => item
            .field("value")
            .or_else(|| item.field("declaration"))
            .filter(is_function)?,
        "expression_statement" => {
            let assignment = item
                .named_child(0)
                .filter(|a| a.kind_str() == "assignment_expression")?;
            let left = assignment.field("left")?;
            if text(left, src) != "module.exports" {
                return None;
            }
            assignment.field("right").filter(is_function)?
        }
        _ => return None,
    };
    Some(("default".to_owned(), value))
}

/// The request data the handlers in `item` pass to top-level functions of the file (known from
/// `sem.returns`): (function, parameter) → what and for which sinks. A function of the item's
/// text and `sem`, so the engine caches it per item.
pub(super) fn item_entries(
    sem: &super::Semantic,
    item: Node,
    src: &str,
) -> Vec<((String, String), super::Entry)> {
    let mut out = Vec::new();
    if sem.returns.is_empty() || !may_have_request_data(text(item, src)) {
        return out;
    }
    let imports = super::javascript::item_imports(item, src);
    let scopes = super::ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    let own = top_level_function(item, src)
        .map(|(n, _)| n)
        .unwrap_or_default();
    for call in calls_in(item) {
        let Some(callee) = call
            .field("function")
            .filter(|f| f.kind_str() == "identifier")
        else {
            continue;
        };
        let name = text(callee, src);
        let Some((params, _, _, _)) = sem.returns.get(name).filter(|_| name != own) else {
            continue;
        };
        let Some(caller) = enclosing_handler(&cx, call) else {
            continue;
        };
        let args = call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default();
        for (index, arg) in args
            .into_iter()
            .filter(|a| a.kind_str() != "comment")
            .enumerate()
        {
            let Some(param) = params.get(index).filter(|p| !p.is_empty()) else {
                continue;
            };
            if arg.kind_str() == "spread_element" {
                break;
            }
            let tainted = user_sinks(&cx, arg);
            if let Some((sinks, what)) = tainted {
                // No line numbers: an entry must not change when lines move.
                out.push((
                    (name.to_owned(), param.clone()),
                    super::Entry {
                        what: format!("{what} passed to `{name}()` by {caller}"),
                        sinks,
                    },
                ));
            }
        }
    }
    out
}

/// The request handler `node` is in, described for messages (`the handler of GET /users`,
/// `handler()`), if it is in one: a function taking a request object.
fn enclosing_handler<'t>(cx: &Cx<'_, 't>, node: Node<'t>) -> Option<String> {
    let state = State::new(cx, Sink::Code);
    let function = ancestors(cx.within, node).into_iter().rev().find(|a| {
        matches!(
            a.kind_str(),
            "arrow_function"
                | "function_expression"
                | "function"
                | "function_declaration"
                | "method_definition"
        )
    })?;
    let params = function
        .field("parameters")
        .or_else(|| function.field("parameter"))?;
    let mut names = Vec::new();
    super::javascript::pattern_names(params, cx.src, &mut names);
    let handler = names
        .iter()
        .any(|n| matches!(*n, "req" | "request" | "ctx") || state.is_request_param(function, n))
        || named_children(params).iter().any(|p| {
            named_children(*p)
                .iter()
                .any(|c| c.kind_str() == "decorator")
        });
    if !handler {
        return None;
    }
    if let Some(n) = function.field("name") {
        return Some(format!("`{}()`", text(n, cx.src)));
    }
    // `app.get("/preview", async (req, res) => …)`: name it by its route.
    let route = state.callback_of(function).and_then(|call| {
        let method = call
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")?
            .field("property")
            .map(|p| text(p, cx.src))?;
        let path = named_children(call.field("arguments")?)
            .into_iter()
            .next()
            .filter(|a| a.kind_str() == "string")?;
        let verb = match method {
            "get" | "post" | "put" | "patch" | "delete" | "head" | "options" => {
                method.to_ascii_uppercase()
            }
            "all" | "use" => method.to_owned(),
            _ => return None,
        };
        Some(format!(
            "the `{verb} {}` handler",
            text(path, cx.src).trim_matches(['"', '\'', '`'])
        ))
    });
    Some(route.unwrap_or_else(|| "a request handler".to_owned()))
}
