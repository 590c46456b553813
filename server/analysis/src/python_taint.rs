//! Python taint (see `taint.rs`): sources in Flask, Django, DRF, FastAPI/Starlette, aiohttp and
//! the standard library; propagation; sanitisers per sink.

use ba_syntax::NodeExt;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::models::{describe_source, Argument, LangModels};
use super::python::{
    collect_guards, constant_key, item_imports, resolve, scoped_lookup, scoped_lookup_at,
};
use super::taint::{
    after, assigned, best_of, records, stored, user_data_sinks, Taint, MAX_NESTING,
};
use super::{
    ancestors, named_children, text, Binding, Cx, Entry, Reach, ScopeCache, ScopeIndex, Semantic,
    Sink,
};

// What is a source, what carries data and what cleans it is data: the Python rows of
// `queries/python/models/*.toml` (plus the user's), read through `Semantic::models`.

struct State<'a, 'c, 't> {
    cx: &'a Cx<'c, 't>,
    sink: Sink,
    /// (scope id, name) → the taint of the name's bindings; `None` while being computed, which
    /// cuts cycles such as `q = q + x`.
    memo: RefCell<HashMap<(usize, String, Reach), Option<Taint>>>,
    /// When set, only this parameter counts as caller data (to ask "does `p` reach here?").
    focus: Option<String>,
    /// Audit mode (`taint::audit_of`): a name bound nowhere in the function (a module global
    /// that is not a constant, a name the file never binds) is data of unknown origin.
    audit: bool,
    /// (scope id, container, key) reads in progress: `d["k"] = d["k"] + x` stops there.
    keyed_active: RefCell<HashSet<(usize, String, String)>>,
    /// Set while `warm` runs (it does not nest).
    warming: std::cell::Cell<bool>,
    /// Record the steps of a parameter's data too (`param_route`; request data's always are).
    routes: bool,
    /// Set when an answer depended on the sink (`sink()`): a sanitiser or guard for some sinks
    /// only, a sink-specific rule. While it is unset, every sink would have had the same answer
    /// (`item_returns` then need not ask again per sink).
    sink_read: std::cell::Cell<bool>,
}

impl<'a, 'c, 't> State<'a, 'c, 't> {
    fn new(cx: &'a Cx<'c, 't>, sink: Sink) -> Self {
        State {
            cx,
            sink,
            memo: RefCell::new(HashMap::new()),
            focus: None,
            audit: false,
            keyed_active: RefCell::default(),
            warming: Default::default(),
            routes: false,
            sink_read: Default::default(),
        }
    }

    /// The sink, for an answer that depends on it (see `sink_read`).
    fn sink(&self) -> Sink {
        self.sink_read.set(true);
        self.sink
    }

    /// Whether the sink takes a location (a redirect or a fetched URL), where only what
    /// comes before the query string decides where it goes.
    fn location_sink(&self) -> bool {
        matches!(self.sink(), Sink::Redirect | Sink::Url)
    }

    /// Whether guard `g` cleans `name` at byte `at` for the sink (`Guard::cleans`), noting
    /// when the answer depends on the sink.
    fn guard_cleans(&self, g: &super::Guard, name: &str, at: usize) -> bool {
        g.name == name && g.at <= at && at < g.until && self.covers(g.kind)
    }

    /// Whether a guard of `kind` cleans for the sink, noting when that depends on the sink.
    fn covers(&self, kind: super::GuardKind) -> bool {
        use super::GuardKind;
        match kind {
            GuardKind::AllowList | GuardKind::Validated => true,
            kind => kind.covers(self.sink()),
        }
    }
}

/// For a cross-function entry: the sinks user data in `value` reaches, and how it is
/// described (a fresh analysis per sink: sanitisers differ by sink).
fn user_sinks<'t>(cx: &Cx<'_, 't>, value: Node<'t>) -> Option<(u32, String)> {
    user_data_sinks(|sink| State::new(cx, sink).expr(value, 0))
}

/// The calls in the request handlers `item` defines, with the handler's name.
fn handler_calls<'s, 't>(
    state: &State<'_, '_, 't>,
    item: Node<'t>,
    src: &'s str,
) -> Vec<(&'s str, Node<'t>)> {
    let mut out = Vec::new();
    for function in item_functions(item) {
        if matches!(state.route(function), Route::None) {
            continue;
        }
        let own = function.field("name").map(|n| text(n, src)).unwrap_or("");
        let Some(body) = function.field("body") else {
            continue;
        };
        super::walk_scope(body, &|_| false, &mut |n| {
            if n.kind_str() == "call" {
                out.push((own, n));
            }
        });
    }
    out
}

/// The taint of `node` for `sink`; with `audit`, names bound outside every enclosing function
/// count too, as data of unknown origin (`taint::unknown_name`).
pub(super) fn taint<'t>(cx: &Cx<'_, 't>, node: Node<'t>, sink: Sink, audit: bool) -> Option<Taint> {
    let mut state = State::new(cx, sink);
    state.audit = audit;
    state.expr(node, 0)
}

impl<'t> State<'_, '_, 't> {
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
        if let Some(source) = returned
            .source
            .as_ref()
            .filter(|s| s.sinks & self.sink().bit() != 0)
        {
            let t = Taint {
                origin: call.byte_range(),
                what: format!("{} in {shown}", source.what),
                user: true,
                trail: Default::default(),
            };
            return Some(if records(&t, self.routes) {
                t.via(call.byte_range(), || format!("returned by {shown}"))
            } else {
                t
            });
        }
        let mut index = 0;
        let through = best_of(
            args.map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| {
                    let sinks = match a.kind_str() {
                        "keyword_argument" => {
                            let name = a.field("name").map(|n| self.text(n))?;
                            let sinks = returned.through_argument(None, Some(name));
                            return (sinks & self.sink().bit() != 0)
                                .then(|| a.field("value"))
                                .flatten();
                        }
                        "comment" => return None,
                        "list_splat" | "dictionary_splat" => u32::MAX,
                        _ => {
                            index += 1;
                            returned.through_argument(Some(index - 1), None)
                        }
                    };
                    (sinks & self.sink().bit() != 0).then_some(a)
                }),
            |a| self.expr(a, depth + 1),
        );
        through.map(|t| {
            if !records(&t, self.routes) {
                return t;
            }
            t.via(call.byte_range(), || format!("returned by {shown}"))
        })
    }

    fn models(&self) -> &LangModels {
        self.cx.sem.lang_models(ba_syntax::Family::Python)
    }

    fn is_request_object(&self, qualified: &str) -> bool {
        self.models()
            .request_objects
            .iter()
            .any(|g| qualified.starts_with(g.as_str()))
    }

    fn expr(&self, node: Node<'t>, depth: u32) -> Option<Taint> {
        if depth > MAX_NESTING {
            return None;
        }
        let recurse = |n: Node<'t>| self.expr(n, depth + 1);
        match node.kind_str() {
            "identifier" => self.name(node, depth),
            "attribute" => {
                if let Some(t) = self.source_attribute(node) {
                    return Some(t);
                }
                let attr = node.field("attribute").map(|a| self.text(a)).unwrap_or("");
                match attr {
                    // `Path(p).name` is a base name.
                    "name" | "stem" | "suffix" if self.sink() == Sink::Path => return None,
                    // Validated by a form or serializer.
                    "cleaned_data" | "validated_data" => return None,
                    _ => {}
                }
                let object = node.field("object")?;
                let found = recurse(object);
                // Audit: `self.term` spliced into SQL or a shell command, set who knows where
                // (a constructor's argument, a setter): data of unknown origin, as a module
                // global is.
                if found.is_none()
                    && self.audit
                    && matches!(self.sink(), Sink::Sql | Sink::Shell)
                    && self.text(object) == "self"
                    && !self.class_fixes(node, attr)
                {
                    return Some(Taint {
                        origin: node.byte_range(),
                        what: format!("`{}`, {}", self.text(node), super::taint::UNKNOWN_ORIGIN),
                        user: false,
                        trail: Default::default(),
                    });
                }
                found
            }
            // `d[key]` holds what `d` holds; a constant table indexed by user data is an
            // allow-list.
            "subscript" => {
                let value = node.field("value")?;
                let key = node
                    .field("subscript")
                    .and_then(|k| constant_key(k, self.cx.src));
                let t = match key {
                    Some(key) if value.kind_str() == "identifier" => {
                        match self.keyed(value, &key, depth) {
                            Some(t) => t,
                            None => recurse(value),
                        }
                    }
                    _ => recurse(value),
                }?;
                Some(self.narrow(t, node))
            }
            "call" => self.call(node, depth),
            "await"
            | "parenthesized_expression"
            | "list_splat"
            | "dictionary_splat"
            | "starred" => node.named_child(0).and_then(recurse),
            "keyword_argument" | "named_expression" | "pair" => {
                node.field("value").and_then(recurse)
            }
            "string" => best_of(
                named_children(node)
                    .into_iter()
                    .filter(|c| c.kind_str() == "interpolation")
                    // `f"{path}?{request.GET.urlencode()}"`: what follows a `?` or `#` is the
                    // query or fragment, which cannot send a redirect or a request elsewhere.
                    .filter(|i| !(self.location_sink() && after_query_mark(node, *i, self.cx.src)))
                    .filter(|i| {
                        // `{x!r}` escapes line breaks, which is what log injection needs.
                        !(i.field("type_conversion")
                            .is_some_and(|c| self.text(c).contains('r'))
                            && self.sink() == Sink::Log)
                    })
                    .filter_map(|i| i.field("expression")),
                recurse,
            ),
            "binary_operator" => best_of(
                ["left", "right"]
                    .into_iter()
                    .filter_map(|f| node.field(f))
                    // `path + "?" + query`: the right side is the query string.
                    .filter(|side| {
                        !(self.location_sink()
                            && Some(*side) == node.field("right")
                            && node
                                .field("left")
                                .is_some_and(|l| opens_query(l, self.cx.src)))
                    }),
                recurse,
            ),
            "boolean_operator" => best_of(
                ["left", "right"].into_iter().filter_map(|f| node.field(f)),
                recurse,
            ),
            "conditional_expression" => {
                let parts = named_children(node);
                // `"never" if 7 * 18 + num > 200 else param`: only the branch that runs.
                if let Some(value) = parts
                    .get(1)
                    .and_then(|c| super::python::fold_in_scope(self.cx, *c))
                {
                    let live = if value.truthy() {
                        parts.first()
                    } else {
                        parts.get(2)
                    };
                    return live.and_then(|n| recurse(*n));
                }
                best_of(
                    [parts.first(), parts.get(2)].into_iter().flatten().copied(),
                    recurse,
                )
            }
            "unary_operator" => node.field("argument").and_then(recurse),
            "concatenated_string" | "list" | "tuple" | "set" | "expression_list" | "dictionary" => {
                best_of(named_children(node), recurse)
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension"
                if self.filtered_comprehension(node) =>
            {
                None
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => best_of(
                named_children(node)
                    .into_iter()
                    .filter_map(|c| match c.kind_str() {
                        "if_clause" => None,
                        "for_in_clause" => c.field("right"),
                        _ => Some(c),
                    }),
                recurse,
            ),
            _ => None,
        }
    }

    /// `[x for x in xs if x in ALLOWED]`, `{k: v for k, v in d.items() if k in FIELDS}`: the
    /// element (or, for mass assignment, the key) is checked by the comprehension's own filter.
    fn filtered_comprehension(&self, node: Node<'t>) -> bool {
        let mut guards = Vec::new();
        for clause in named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() == "if_clause")
        {
            if let Some(cond) = clause.named_child(0) {
                collect_guards(cond, self.cx.src, &self.models().validators, &mut guards);
            }
        }
        let Some(body) = node.field("body") else {
            return false;
        };
        let checked = match body.kind_str() {
            "pair" if self.sink() == Sink::MassAssign => body.field("key"),
            "identifier" => Some(body),
            _ => None,
        };
        checked.is_some_and(|c| {
            let name = self.text(c);
            guards.iter().any(|g| g.name == name && self.covers(g.kind))
        })
    }

    /// `d["k"]`, `d.get("k")`, `items[0]` where `d` is a local container: the taint of what
    /// was put under that key (a dict literal's pair, a list's element, `d["k"] = v`, and what
    /// went in under any key: `append`, `d[name] = v`). `None` when `ident` is not local.
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
            best = self.param(scope, &name);
        }
        for (i, b) in index.bindings.get(&name).into_iter().flatten().enumerate() {
            if !reach.has(i) {
                continue;
            }
            let t = match b {
                Binding::Value(v) => self.element_at(*v, key, depth),
                Binding::Augmented(v) => self.expr(*v, depth + 1),
                Binding::Element(v) => self
                    .unpacked_element(*v, &name, depth)
                    .unwrap_or_else(|| self.expr(*v, depth + 1)),
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
        let guarded = index.guards.iter().any(|g| self.guard_cleans(g, &name, at));
        Some(best.filter(|_| !guarded))
    }

    /// Whether the function stores something into local container `ident` under `key` by a
    /// call (`config.set(section, key, value)`).
    fn stored_under(&self, ident: Node<'t>, key: &str) -> bool {
        let Some((_, index, _)) = scoped_lookup_at(self.cx, ident) else {
            return false;
        };
        index
            .stores
            .get(self.text(ident))
            .is_some_and(|stores| stores.iter().any(|s| s.key.as_deref() == Some(key)))
    }

    /// The element under constant `key` of the value `v` (a dict, list or tuple literal), or
    /// the whole value when it is something else.
    fn element_at(&self, v: Node<'t>, key: &str, depth: u32) -> Option<Taint> {
        let src = self.cx.src;
        match v.kind_str() {
            "dictionary" => best_of(
                named_children(v)
                    .into_iter()
                    .filter_map(|c| match c.kind_str() {
                        "pair" => match c.field("key").and_then(|k| constant_key(k, src)) {
                            Some(k) if k != key => None,
                            _ => c.field("value"),
                        },
                        "comment" => None,
                        _ => Some(c),
                    }),
                |n| self.expr(n, depth + 1),
            ),
            "list" | "tuple" => {
                let elements: Vec<Node> = named_children(v)
                    .into_iter()
                    .filter(|c| c.kind_str() != "comment")
                    .collect();
                let plain = !elements
                    .iter()
                    .any(|e| matches!(e.kind_str(), "list_splat" | "starred"));
                match key.parse::<i64>() {
                    Ok(i) if plain => {
                        let i = if i < 0 { elements.len() as i64 + i } else { i };
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| elements.get(i))
                            .and_then(|e| self.expr(*e, depth + 1))
                    }
                    _ => self.expr(v, depth + 1),
                }
            }
            _ => self.expr(v, depth + 1),
        }
    }

    /// Whether the value of `node` can carry parameter `param` of its function (through
    /// locals, not through sanitisers).
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
            cx: self.cx,
            sink: self.sink,
            memo: RefCell::new(HashMap::new()),
            focus: Some(param.to_owned()),
            keyed_active: RefCell::default(),
            warming: Default::default(),
            routes,
            sink_read: Default::default(),
            audit: false,
        };
        let taint = focused.expr(node, 0).filter(|t| !t.user);
        if focused.sink_read.get() {
            self.sink_read.set(true);
        }
        taint
    }

    /// See `taint::warm_uses`.
    fn warm(&self, index: &ScopeIndex<'t>, name: &str, depth: u32) {
        super::taint::warm_uses(
            index,
            name,
            self.cx.src,
            &self.warming,
            &|n| {
                matches!(
                    n.kind_str(),
                    "lambda" | "function_definition" | "class_definition"
                )
            },
            |u| {
                self.name(u, depth);
            },
        );
    }

    fn name(&self, ident: Node<'t>, depth: u32) -> Option<Taint> {
        let Some((scope, index, direct)) = scoped_lookup_at(self.cx, ident) else {
            return if self.audit {
                super::taint::unknown_name(
                    ident,
                    self.cx.src,
                    super::python::lookup(self.cx, ident),
                    super::python::is_builtin(self.text(ident)),
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
                    best = self.param(scope, &name);
                }
                for (i, b) in index.bindings.get(&name).into_iter().flatten().enumerate() {
                    if !reach.has(i) {
                        continue;
                    }
                    if let Binding::Value(v) | Binding::Augmented(v) | Binding::Element(v) = b {
                        let t = match b {
                            Binding::Element(v) => self
                                .unpacked_element(*v, &name, depth)
                                .unwrap_or_else(|| self.expr(*v, depth + 1)),
                            _ => self.expr(*v, depth + 1),
                        };
                        best = Taint::best(best, t.map(|t| assigned(t, b, &name, self.routes)));
                    }
                }
                // A single element stored makes no key the client's (mass assignment).
                for (i, store) in index.stores.get(&name).into_iter().flatten().enumerate() {
                    if reach.has_store(i) && (store.merge || self.sink() != Sink::MassAssign) {
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
            .any(|g| self.guard_cleans(g, &name, ident.start_byte()));
        found.filter(|_| !guarded)
    }

    /// Whether `node` is a request object: Flask's global `request`, a handler parameter named
    /// `request` or annotated as a request, or `self.request` in a class-based view.
    fn is_request(&self, node: Node<'t>) -> bool {
        match node.kind_str() {
            "identifier" => {
                let name = self.text(node);
                if let Some(q) = resolve(self.cx, node) {
                    return self.models().request_objects.contains(q.as_str());
                }
                if matches!(name, "request" | "req" | "http_request" | "websocket") {
                    // Unless a local binds the name to a call's result (an HTTP client's
                    // response: `request = session.get(url)`).
                    return !scoped_lookup(self.cx, node).is_some_and(|(_, index)| {
                        !index.params.contains(name)
                            && index.bindings.get(name).is_some_and(|bs| {
                                bs.iter().all(|b| {
                                    matches!(b, Binding::Value(v) if v.kind_str() == "call"
                                        || v.kind_str() == "await")
                                })
                            })
                    });
                }
                // `r: Request`
                scoped_lookup(self.cx, node).is_some_and(|(scope, index)| {
                    index.params.contains(name)
                        && param_node(scope, name, self.cx.src)
                            .and_then(|p| p.field("type"))
                            .is_some_and(|t| {
                                let t = self.text(t);
                                t.ends_with("Request") || t.ends_with("WebSocket")
                            })
                })
            }
            "attribute" => {
                // `self.request`, or a module's request object by attribute (`flask.request`).
                (node.field("object").is_some_and(|o| self.text(o) == "self")
                    && node
                        .field("attribute")
                        .is_some_and(|a| self.text(a) == "request"))
                    || resolve(self.cx, node)
                        .is_some_and(|q| self.models().request_objects.contains(q.as_str()))
            }
            _ => false,
        }
    }

    /// Whether the class around `node` fixes its attribute `attr` itself: a class-level
    /// default (`binary = "soffice"`), or only literals assigned to `self.attr`.
    fn class_fixes(&self, node: Node<'t>, attr: &str) -> bool {
        let Some(class) = ancestors(self.cx.within, node)
            .into_iter()
            .rev()
            .find(|a| a.kind_str() == "class_definition")
        else {
            return false;
        };
        let Some(body) = class.field("body") else {
            return false;
        };
        let class_default = named_children(body).into_iter().any(|s| {
            s.kind_str() == "expression_statement"
                && s.named_child(0).is_some_and(|a| {
                    a.kind_str() == "assignment"
                        && a.field("left")
                            .is_some_and(|l| l.kind_str() == "identifier" && self.text(l) == attr)
                })
        });
        if class_default {
            return true;
        }
        let mut fixed = true;
        let mut seen = false;
        super::walk_scope(body, &|n| n.kind_str() == "class_definition", &mut |n| {
            if n.kind_str() != "assignment" {
                return;
            }
            let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                return;
            };
            if self.text(left).strip_prefix("self.") == Some(attr) {
                seen = true;
                if !matches!(
                    right.kind_str(),
                    "string" | "integer" | "float" | "true" | "false" | "none"
                ) {
                    fixed = false;
                }
            }
        });
        seen && fixed
    }

    /// Whether `node` is inside a class-based view or handler (Django `View`/mixins, DRF
    /// `APIView`/`ViewSet`, Tornado `RequestHandler`), judged by the base class names.
    fn in_handler_class(&self, node: Node<'t>) -> bool {
        ancestors(self.cx.within, node).iter().any(|a| {
            a.kind_str() == "class_definition"
                && a.field("superclasses").is_some_and(|b| {
                    let bases = self.text(b);
                    ["View", "Mixin", "Handler", "ViewSet"]
                        .iter()
                        .any(|w| bases.contains(w))
                })
        })
    }

    /// `request.META["HTTP_HOST"]`, `request.headers.get("Host")`: when the key names a header,
    /// the source is that header (which matters for host-header injection), not the whole map.
    fn narrow(&self, taint: Taint, access: Node<'t>) -> Taint {
        let key = match access.kind_str() {
            "subscript" => access.field("subscript"),
            _ => access.field("arguments").and_then(|a| a.named_child(0)),
        };
        if !taint.user {
            return taint;
        }
        let is_key = key.is_some_and(|k| k.kind_str() == "string");
        let direct = self.cx.src.get(taint.origin.clone()).is_some_and(|o| {
            let access_text = self.text(access);
            access_text.starts_with(o)
        });
        if is_key && direct {
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

    fn source_attribute(&self, node: Node<'t>) -> Option<Taint> {
        let attr = self.text(node.field("attribute")?);
        let object = node.field("object")?;
        if self.models().value_source_names.contains(attr) {
            if let Some(kind) = resolve(self.cx, node)
                .and_then(|q| self.models().value_sources.get(q.as_str()).cloned())
            {
                return Some(Taint {
                    origin: node.byte_range(),
                    what: format!("{} `{}`", describe_source(&kind), self.text(node)),
                    user: true,
                    trail: Default::default(),
                });
            }
        }
        if self.models().self_attributes.contains(attr)
            && self.text(object) == "self"
            && self.in_handler_class(node)
        {
            return Some(Taint {
                origin: node.byte_range(),
                what: format!("request data `{}`", self.text(node)),
                user: true,
                trail: Default::default(),
            });
        }
        if !self.models().request_attributes.contains(attr) || !self.is_request(object) {
            return None;
        }
        Some(Taint {
            origin: node.byte_range(),
            what: format!("request data `{}`", self.text(node)),
            user: true,
            trail: Default::default(),
        })
    }

    fn args(&self, args: Option<Node<'t>>, depth: u32) -> Option<Taint> {
        best_of(args.map(named_children).unwrap_or_default(), |a| {
            self.expr(a, depth + 1)
        })
    }

    /// A call of function `name` of this file whose `returns` mask (of the whole result, or of
    /// one element of a returned tuple) is `mask`: request data it returns itself, or the
    /// arguments passed where the mask says they reach a `return`.
    #[allow(clippy::too_many_arguments)]
    fn local_call(
        &self,
        node: Node<'t>,
        args: Option<Node<'t>>,
        name: &str,
        params: &[String],
        mask: u64,
        clean: &[(u8, u32)],
        depth: u32,
    ) -> Option<Taint> {
        // A helper whose own sanitisers clean for some sinks answers per sink.
        let sink = if clean.is_empty() {
            self.sink
        } else {
            self.sink()
        };
        if returns_bit(mask, clean, RETURNS_REQUEST_DATA, sink) {
            return Some(Taint {
                origin: node.byte_range(),
                what: format!("request data returned by `{name}()`"),
                user: true,
                trail: Default::default(),
            });
        }
        let mut index = 0;
        let through = best_of(
            args.map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| {
                    let i = match a.kind_str() {
                        "keyword_argument" => a
                            .field("name")
                            .and_then(|n| params.iter().position(|p| p == self.text(n))),
                        "comment" => return false,
                        _ => {
                            index += 1;
                            Some(index - 1)
                        }
                    };
                    i.is_some_and(|i| i < 63 && returns_bit(mask, clean, i, sink))
                }),
            |a| self.expr(a, depth + 1),
        );
        through.map(|t| self.returned(t, node, name))
    }

    /// `model, url = target(form)`: the taint of `name`'s element when `target` is a function of
    /// this file whose every `return` is a tuple of that length (`None` when it is not: the
    /// caller then takes the whole value).
    fn unpacked_element(&self, bound: Node<'t>, name: &str, depth: u32) -> Option<Option<Taint>> {
        // `a, b = await target(form)` (an `async def` returns its tuple through the await).
        let value = match bound.kind_str() {
            "await" => bound.named_child(0)?,
            _ => bound,
        };
        if value.kind_str() != "call" {
            return None;
        }
        let func = value
            .field("function")
            .filter(|f| f.kind_str() == "identifier")?;
        let callee = self.text(func);
        let (params, _, clean, elements) = self.cx.sem.returns.get(callee)?;
        let assignment = bound.parent().filter(|p| p.kind_str() == "assignment")?;
        let left = assignment
            .field("left")
            .filter(|l| matches!(l.kind_str(), "pattern_list" | "tuple_pattern"))?;
        let targets: Vec<Node> = named_children(left);
        if targets.len() != elements.len() || targets.iter().any(|t| t.kind_str() != "identifier") {
            return None;
        }
        let i = targets.iter().position(|t| self.text(*t) == name)?;
        let args = value.field("arguments");
        Some(self.local_call(value, args, callee, params, elements[i], clean, depth))
    }

    fn call(&self, node: Node<'t>, depth: u32) -> Option<Taint> {
        let func = node.field("function")?;
        let args = node.field("arguments");
        let resolved = resolve(self.cx, func).filter(|q| !self.is_request_object(q));
        if let Some(q) = resolved {
            let models = self.models();
            let cleans = models.sanitizer_bits(&q);
            if cleans == u32::MAX || (cleans != 0 && cleans & self.sink().bit() != 0) {
                return None;
            }
            if let Some(kind) = models.source_callee(&q) {
                return Some(Taint {
                    origin: node.byte_range(),
                    what: format!("{} `{}`", describe_source(kind), self.text(node)),
                    user: true,
                    trail: Default::default(),
                });
            }
            if models.propagates(&q) {
                return self.args(args, depth);
            }
            // The contents of a file the data names are what that file holds: an attacker who
            // chooses the path chooses what is unpickled (an upload of theirs).
            if self.sink == Sink::Deserialize
                && matches!(q.as_str(), "builtins.open" | "io.open" | "codecs.open")
            {
                self.sink_read.set(true);
                return args
                    .and_then(|a| a.named_child(0))
                    .filter(|a| a.kind_str() != "keyword_argument")
                    .and_then(|a| self.expr(a, depth + 1));
            }
            // A function of another project module: what its summary says it returns.
            if let Some(returned) = self.cx.sem.imported.get(&q) {
                return self.imported_call(returned, node, args, depth);
            }
            // Library calls return their own data (a file object, a row, a response).
            return None;
        }
        match func.kind_str() {
            "attribute" => {
                if let Some(t) = self.source_attribute(func) {
                    return Some(t);
                }
                let method = self.text(func.field("attribute")?);
                let object = func.field("object")?;
                if self.models().neutral_methods.contains(method) {
                    return None;
                }
                let specific = matches!(
                    method,
                    "quote_name"
                        | "quote_name_unless_alias"
                        | "quote_identifier"
                        | "dict"
                        | "model_dump"
                        | "replace"
                );
                match (if specific { self.sink() } else { self.sink }, method) {
                    (Sink::Sql, "quote_name" | "quote_name_unless_alias" | "quote_identifier") => {
                        return None
                    }
                    // A schema's fields (`payload.dict()`), unless the receiver is the raw
                    // request data (`request.POST.dict()`).
                    (Sink::MassAssign, "dict" | "model_dump") => {
                        return match object.kind_str() {
                            "attribute" => self.source_attribute(object),
                            _ => None,
                        };
                    }
                    (Sink::Log, "replace")
                        if args.is_some_and(|a| {
                            let t = self.text(a);
                            t.contains("\\n") || t.contains("\\r")
                        }) =>
                    {
                        return None
                    }
                    _ => {}
                }
                // `request.args.get("n", type=int)` converts the value.
                if method == "get"
                    && args.is_some_and(|a| {
                        named_children(a).iter().any(|k| {
                            k.kind_str() == "keyword_argument"
                                && k.field("name").is_some_and(|n| self.text(n) == "type")
                                && k.field("value").is_some_and(|v| {
                                    matches!(self.text(v), "int" | "float" | "bool")
                                })
                        })
                    })
                {
                    return None;
                }
                // `d.get("k")`, `d.pop("k", default)` on a local container: that element.
                if matches!(method, "get" | "pop") && object.kind_str() == "identifier" {
                    let parts: Vec<Node> = args.map(named_children).unwrap_or_default();
                    // `config.get(section, option)` of a configparser the function filled
                    // with `config.set(section, option, value)`: that option's value.
                    if let (Some(_), Some(option)) = (
                        parts.first().and_then(|k| constant_key(*k, self.cx.src)),
                        parts.get(1).and_then(|k| constant_key(*k, self.cx.src)),
                    ) {
                        if method == "get" && self.stored_under(object, &option) {
                            if let Some(t) = self.keyed(object, &option, depth) {
                                return t.map(|t| self.narrow(t, node));
                            }
                        }
                    }
                    if let Some(key) = parts.first().and_then(|k| constant_key(*k, self.cx.src)) {
                        if let Some(t) = self.keyed(object, &key, depth) {
                            let default = parts.get(1).and_then(|d| self.expr(*d, depth + 1));
                            return Taint::best(t.map(|t| self.narrow(t, node)), default);
                        }
                    }
                }
                let from_object = self.expr(object, depth + 1);
                if method == "get" {
                    if let Some(t) = from_object.clone().filter(|t| t.user) {
                        return Some(self.narrow(t, node));
                    }
                }
                if from_object.as_ref().is_some_and(|t| t.user) {
                    return from_object;
                }
                if self.models().receiver_methods.contains(method) || object.kind_str() == "string"
                {
                    return Taint::best(from_object, self.args(args, depth));
                }
                from_object
            }
            "identifier" => {
                // A function of this file: its result carries the arguments that reach its
                // `return`s. Unknown (local) functions are assumed to return their arguments,
                // unless their name says they clean them.
                let name = self.text(func);
                if let Some((params, mask, clean, _)) = self.cx.sem.returns.get(name) {
                    return self.local_call(node, args, name, params, *mask, clean, depth);
                }
                let lower = name.to_ascii_lowercase();
                if [
                    "saniti", "escape", "clean", "quote", "valid", "safe", "allowed",
                ]
                .iter()
                .any(|w| lower.contains(w))
                {
                    return None;
                }
                self.args(args, depth).map(|t| self.returned(t, node, name))
            }
            _ => None,
        }
    }

    /// The taint of parameter `name` of `function`, judged by the framework that calls it.
    fn param(&self, function: Node<'t>, name: &str) -> Option<Taint> {
        if function.kind_str() != "function_definition" || matches!(name, "self" | "cls") {
            return None;
        }
        let src = self.cx.src;
        let param = param_node(function, name, src)?;
        let annotation = param.field("type").map(|t| text(t, src)).unwrap_or("");
        let default = param.field("value").map(|v| text(v, src)).unwrap_or("");
        if matches!(name, "request" | "req" | "resp" | "response")
            || annotation.ends_with("Request")
        {
            // A request object: its attributes are the sources.
            return None;
        }
        let origin = param.byte_range();
        let user = |what: String| {
            Some(Taint {
                origin: origin.clone(),
                what,
                user: true,
                trail: Default::default(),
            })
        };
        // A Django management command's `handle(self, *args, **options)`: the command line's
        // values, as `sys.argv` is.
        if function
            .field("name")
            .is_some_and(|n| text(n, src) == "handle")
            && ancestors(self.cx.within, function).iter().any(|a| {
                a.kind_str() == "class_definition"
                    && a.field("superclasses")
                        .is_some_and(|b| text(b, src).contains("BaseCommand"))
            })
        {
            return user(format!("command-line option `{name}` (argv)"));
        }
        match self.route(function) {
            Route::Flask(vars) => {
                let converter = vars
                    .iter()
                    .find(|(_, v)| v == name)
                    .map(|(c, _)| c.as_str())?;
                if matches!(converter, "int" | "float" | "uuid") {
                    return None;
                }
                user(format!("URL parameter `{name}`"))
            }
            Route::Api => {
                if default.contains("Depends(")
                    || default.contains("Security(")
                    || annotation.contains("Depends(")
                    || annotation.contains("Security(")
                    || default.contains("pattern=")
                    || default.contains("regex=")
                    || annotation.contains("pattern=")
                    || annotation.starts_with("Literal[")
                {
                    return None;
                }
                if self.models().safe_types.contains(base_type(annotation)) {
                    return None;
                }
                user(format!("request parameter `{name}`"))
            }
            Route::Client(entry) => {
                let position = function_params(function, src)
                    .iter()
                    .position(|p| p == name);
                if position.is_some_and(|i| i < entry.skip)
                    || super::resolvers::FRAMEWORK_PARAMS.contains(&name)
                    || annotation.contains("Info")
                    || self.models().safe_types.contains(base_type(annotation))
                {
                    return None;
                }
                user(format!("{} `{name}`", entry.what))
            }
            Route::Django => {
                // The URLconf says this parameter can carry any text (`<str:name>`, a broad
                // `re_path` group): request data whatever its name.
                // An entry with no sink: every URLconf route to this view captures it with a
                // converter that makes digits, letters, `_` and `-` only (`<int:q>`).
                let from_urlconf = function
                    .field("name")
                    .map(|n| (text(n, src).to_owned(), Argument::Keyword(name.to_owned())))
                    .and_then(|key| self.cx.sem.external.get(&key));
                match from_urlconf {
                    Some(e) if e.sinks & self.sink().bit() != 0 => return user(e.what.clone()),
                    Some(e) if e.sinks == 0 => return None,
                    _ => {}
                }
                let lower = name.to_ascii_lowercase();
                if matches!(
                    lower.as_str(),
                    "pk" | "id" | "slug" | "year" | "month" | "day" | "page" | "args" | "kwargs"
                ) || lower.ends_with("_id")
                    || lower.ends_with("_pk")
                    || self.models().safe_types.contains(base_type(annotation))
                {
                    return None;
                }
                // URL converters make strings and numbers: a parameter typed with a class
                // (`sociallogin: SocialLogin`) is a helper's argument, not a URL parameter.
                if !annotation.is_empty() && !matches!(base_type(annotation), "str" | "Any") {
                    return None;
                }
                // Names a URL pattern never captures: what a helper that takes the request
                // along is handed by its caller (`handle_exception(request, exception)`). One
                // such parameter makes the whole function a helper: in
                // `paginate_queryset(request, queryset, order_by)` `order_by` is the caller's
                // choice, not a URL capture.
                let helper_arg = |p: &str| {
                    let p = p.to_ascii_lowercase();
                    matches!(
                        p.as_str(),
                        "exception"
                            | "exc"
                            | "error"
                            | "err"
                            | "response"
                            | "form"
                            | "formset"
                            | "user"
                            | "instance"
                            | "obj"
                            | "queryset"
                            | "qs"
                            | "context"
                            | "serializer"
                            | "template_name"
                            | "extra_context"
                            | "backend"
                            | "adapter"
                    ) || p.ends_with("_form")
                        || p.ends_with("_queryset")
                };
                if helper_arg(name) || function_params(function, src).iter().any(|p| helper_arg(p))
                {
                    return None;
                }
                user(format!("URL parameter `{name}`"))
            }
            Route::None => {
                // A module-level helper that a handler in this file passes request data to.
                let outer = ancestors(self.cx.within, function);
                let top_level = outer
                    .iter()
                    .all(|a| matches!(a.kind_str(), "module" | "decorated_definition"));
                // Or a method of a top-level class (`Class.method`).
                let class = outer
                    .iter()
                    .rev()
                    .find(|a| a.kind_str() == "class_definition")
                    .filter(|c| {
                        ancestors(self.cx.within, **c)
                            .iter()
                            .all(|a| matches!(a.kind_str(), "module" | "decorated_definition"))
                    })
                    .and_then(|c| c.field("name"))
                    .map(|n| text(n, src));
                let entry = function
                    .field("name")
                    .and_then(|n| match (top_level, class) {
                        (true, _) => Some(text(n, src).to_owned()),
                        (false, Some(c)) => Some(format!("{c}.{}", text(n, src))),
                        _ => None,
                    })
                    .and_then(|key| self.cx.sem.entries.get(&(key, name.to_owned())))
                    .filter(|e| e.sinks & self.sink().bit() != 0);
                // Or one that a handler in another module passes request data to.
                let entry = entry.or_else(|| {
                    if !top_level || self.cx.sem.external.is_empty() {
                        return None;
                    }
                    let fname = text(function.field("name")?, src).to_owned();
                    let position = function_params(function, src)
                        .iter()
                        .position(|p| p == name);
                    let wanted = |e: &&Entry| e.sinks & self.sink().bit() != 0;
                    let by_position = position
                        .and_then(|i| {
                            self.cx
                                .sem
                                .external
                                .get(&(fname.clone(), Argument::Position(i)))
                        })
                        .filter(wanted);
                    by_position.or_else(|| {
                        self.cx
                            .sem
                            .external
                            .get(&(fname, Argument::Keyword(name.to_owned())))
                            .filter(wanted)
                    })
                });
                match entry {
                    Some(e) => user(e.what.clone()),
                    None => Some(Taint {
                        origin,
                        what: format!("parameter `{name}`"),
                        user: false,
                        trail: Default::default(),
                    }),
                }
            }
        }
    }

    /// How the framework calls `function`.
    fn route(&self, function: Node<'t>) -> Route {
        let src = self.cx.src;
        if let Some(entry) =
            super::resolvers::python_entry(self.cx.within, function, src, self.cx.sem)
        {
            return Route::Client(entry);
        }
        let parent = ancestors(self.cx.within, function).pop();
        if let Some(decorated) = parent.filter(|p| p.kind_str() == "decorated_definition") {
            for decorator in named_children(decorated)
                .into_iter()
                .filter(|d| d.kind_str() == "decorator")
            {
                // The route decorators are parsed in one place (`analysis::routes`); Django's
                // method decorators say nothing about parameters, so views are judged below.
                let Some(route) = super::routes::python_decorator(decorator, src, self.cx.sem)
                else {
                    continue;
                };
                match route.framework {
                    super::routes::Framework::Flask => {
                        return Route::Flask(flask_variables(route.path.as_deref().unwrap_or("")))
                    }
                    super::routes::Framework::FastApi => return Route::Api,
                    _ => continue,
                }
            }
        }
        // Django function views take `request` first; class-based views and DRF viewsets
        // take `self, request`.
        let params: Vec<String> = function
            .field("parameters")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let id = if p.kind_str() == "identifier" {
                    Some(p)
                } else {
                    p.field("name").or_else(|| p.named_child(0))
                };
                id.map(|i| text(i, src).to_owned()).unwrap_or_default()
            })
            .collect();
        let name = function.field("name").map(|n| text(n, src)).unwrap_or("");
        // Private helpers are not views, and a module that imports another web framework and
        // not Django holds none (`_tts_openai(request, payload, file_path)` in a FastAPI app).
        let imports = &self.cx.sem.imports;
        let other_framework = super::routes::imports_from(
            self.cx.sem,
            &[
                "fastapi",
                "starlette",
                "flask",
                "quart",
                "sanic",
                "aiohttp",
                "litestar",
            ],
        );
        let django = imports.values().any(|q| {
            q == "django"
                || q.starts_with("django.")
                || q.starts_with("rest_framework")
                || q.starts_with("ninja")
        });
        if name.starts_with('_') || (other_framework && !django) {
            return Route::None;
        }
        let is_view = match params.as_slice() {
            // A function view, unless this file calls it: then it is a helper that takes the
            // request along, and its other parameters are the caller's.
            [first, ..] if first == "request" => {
                src.matches(&format!("{name}(")).count() <= 1
                    && self.cx.sem.views_module != Some(false)
            }
            // Class-based views and viewsets: only the handler methods get URL parameters.
            [s, second, ..] if s == "self" && second == "request" => matches!(
                name,
                "get"
                    | "post"
                    | "put"
                    | "patch"
                    | "delete"
                    | "head"
                    | "options"
                    | "list"
                    | "create"
                    | "retrieve"
                    | "update"
                    | "partial_update"
                    | "destroy"
            ),
            // Falcon responders: `on_get(self, req, resp, **uri_params)`.
            [s, second, third, ..]
                if s == "self"
                    && name.starts_with("on_")
                    && matches!(second.as_str(), "req" | "request")
                    && matches!(third.as_str(), "resp" | "response") =>
            {
                true
            }
            // Tornado handlers: `get(self, *path_args)` in a `RequestHandler` subclass.
            [s, _, ..] if s == "self" => {
                matches!(
                    name,
                    "get" | "post" | "put" | "patch" | "delete" | "head" | "options"
                ) && self.in_handler_class(function)
                    && self
                        .cx
                        .sem
                        .imports
                        .values()
                        .any(|q| q == "tornado" || q.starts_with("tornado."))
            }
            _ => false,
        };
        if is_view {
            Route::Django
        } else {
            Route::None
        }
    }
}

/// The bit (index) of a `returns` mask that says a function returns request data of its own.
const RETURNS_REQUEST_DATA: usize = 63;

/// The name and parameter names of the module-level function an item defines.
fn signature(item: Node, src: &str) -> Option<(String, Vec<String>)> {
    let def = match item.kind_str() {
        "decorated_definition" => item.field("definition"),
        "function_definition" => Some(item),
        _ => None,
    }
    .filter(|d| d.kind_str() == "function_definition")?;
    let name = def.field("name")?;
    let params = def
        .field("parameters")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let id = match p.kind_str() {
                "identifier" => Some(p),
                "default_parameter" | "typed_default_parameter" => p.field("name"),
                "typed_parameter" => p.named_child(0),
                _ => None,
            };
            id.map(|i| text(i, src).to_owned())
        })
        .collect();
    Some((text(name, src).to_owned(), params))
}

/// The parameter names of a function, in order (`*args`/`**kwargs` and bare `*` excluded).
fn function_params(def: Node, src: &str) -> Vec<String> {
    def.field("parameters")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let id = match p.kind_str() {
                "identifier" => Some(p),
                "default_parameter" | "typed_default_parameter" => p.field("name"),
                "typed_parameter" => p.named_child(0),
                _ => None,
            };
            id.filter(|i| i.kind_str() == "identifier")
                .map(|i| text(i, src).to_owned())
        })
        .collect()
}

/// Calls that the request handlers `item` defines make to functions of other modules (named
/// through imports), with the request data each argument carries and the sinks it is not
/// sanitised for. The callee's file turns them into `Semantic::external`.
pub(super) fn item_outgoing(sem: &Semantic, item: Node, src: &str) -> Vec<super::Outgoing> {
    let mut out = Vec::new();
    let urlconf = text(item, src).starts_with("urlpatterns");
    if !urlconf && !may_handle_requests(text(item, src)) {
        return out;
    }
    let imports = item_imports(item, src);
    let scopes = ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    if urlconf {
        return urlconf_outgoing(&cx, item, src);
    }
    let state = State::new(&cx, Sink::Code);
    let models = sem.lang_models(ba_syntax::Family::Python);
    for (own, call) in handler_calls(&state, item, src) {
        let Some(callee) = project_callee(&cx, models, call) else {
            continue;
        };
        let short = callee.rsplit('.').next().unwrap_or(&callee).to_owned();
        for (argument, value) in call_arguments(call, src) {
            let tainted = user_sinks(&cx, value);
            if let Some((sinks, what)) = tainted {
                out.push(super::Outgoing {
                    callee: callee.clone(),
                    argument,
                    entry: Entry {
                        what: format!("{what} passed to `{short}()` by `{own}()`"),
                        sinks,
                    },
                    relay: None,
                });
            }
        }
    }
    out
}

/// Django's URLconf hands each captured URL parameter to its view by keyword: a
/// `path("files/<str:name>/", views.download)` (or `<name>`, `<path:…>`, a `re_path` group
/// that matches more than letters, digits, `_` and `-`) is request data passed to
/// `download(request, name)`. `int`, `slug` and `uuid` parameters (and `\d+`/`[-\w]+` groups)
/// cannot carry quotes, slashes or line breaks: they are not. Class-based views
/// (`View.as_view()`) and `include(…)` are left out.
fn urlconf_outgoing<'t>(cx: &Cx<'_, 't>, item: Node<'t>, src: &str) -> Vec<super::Outgoing> {
    const MAX_PATTERNS: usize = 2000;
    let mut out = Vec::new();
    let mut calls = Vec::new();
    super::walk_scope(item, &|_| false, &mut |n| {
        if n.kind_str() == "call" && calls.len() < MAX_PATTERNS {
            calls.push(n);
        }
    });
    for call in calls {
        let Some(function) = call.field("function").and_then(|f| resolve(cx, f)) else {
            continue;
        };
        let regex = match function.as_str() {
            "django.urls.path" => false,
            "django.urls.re_path" | "django.conf.urls.url" => true,
            _ => continue,
        };
        let args = call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default();
        let (Some(route), Some(view)) = (args.first(), args.get(1)) else {
            continue;
        };
        let Some(route) = super::python::string_value(*route, src) else {
            continue;
        };
        if !matches!(view.kind_str(), "identifier" | "attribute") {
            continue;
        }
        let Some(callee) = resolve(cx, *view) else {
            continue;
        };
        if callee.starts_with("django.") {
            continue;
        }
        let short = callee.rsplit('.').next().unwrap_or(&callee).to_owned();
        for (name, text) in url_parameters(route, regex) {
            // A parameter that cannot carry text is handed over with no sink: the view's
            // parameter is known clean, whatever its name.
            out.push(super::Outgoing {
                callee: callee.clone(),
                argument: Argument::Keyword(name.clone()),
                entry: Entry {
                    what: format!(
                        "URL parameter `{name}` of `{route}` passed to `{short}()` by the URLconf"
                    ),
                    sinks: if text { u32::MAX } else { 0 },
                },
                relay: None,
            });
        }
    }
    out
}

/// The URL parameters of a route that can carry any text (see [`urlconf_outgoing`]).
/// Each with whether it can carry any text (`true`) or only letters, digits, `_` and `-`
/// (`false`: Django's `int`, `slug` and `uuid` converters, narrow regex groups). A custom
/// converter's parameters are left out: what they match is in Python code.
fn url_parameters(route: &str, regex: bool) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if !regex {
        let mut rest = route;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>') else {
                break;
            };
            let inner = &rest[open + 1..open + close];
            let (converter, name) = inner.split_once(':').unwrap_or(("str", inner));
            let text = match converter {
                "str" | "path" => Some(true),
                "int" | "slug" | "uuid" => Some(false),
                _ => None,
            };
            if let Some(text) = text.filter(|_| !name.is_empty()) {
                out.push((name.to_owned(), text));
            }
            rest = &rest[open + close + 1..];
        }
        return out;
    }
    let mut rest = route;
    while let Some(start) = rest.find("(?P<") {
        let after = &rest[start + 4..];
        let Some(close) = after.find('>') else { break };
        let name = &after[..close];
        // The group's pattern up to its closing parenthesis (groups do not nest in URLconfs).
        let pattern = after[close + 1..].split(')').next().unwrap_or("");
        if !name.is_empty() {
            out.push((name.to_owned(), !narrow_pattern(pattern)));
        }
        rest = &after[close + 1..];
    }
    out
}

/// Whether a regex group matches only letters, digits, `_` and `-` (`\d+`, `[0-9]{4}`,
/// `[-\w]+`, `[a-f0-9-]+`).
fn narrow_pattern(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d' | 'w') => any = true,
                _ => return false,
            },
            '[' => {
                let mut class = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    class.push(c);
                }
                if class.starts_with('^') {
                    return false;
                }
                let cleaned = class.replace("\\d", "").replace("\\w", "");
                if !cleaned
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return false;
                }
                any = true;
            }
            '+' | '*' | '?' | '{' | '}' | ',' | '0'..='9' => {}
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => any = true,
            _ => return false,
        }
    }
    any
}

/// The qualified callee of `call` when it may be a function of another module of the project:
/// only functions named through imports can be; library APIs the models know (builtins, sinks,
/// propagators, sources) are judged where they are called.
fn project_callee<'t>(
    cx: &Cx<'_, 't>,
    models: &crate::models::LangModels,
    call: Node<'t>,
) -> Option<String> {
    let callee = call.field("function").and_then(|f| resolve(cx, f))?;
    let known = callee.starts_with("builtins.")
        || models.sinks.contains_key(callee.as_str())
        || models.propagates(&callee)
        || models.source_callee(&callee).is_some();
    (!known).then_some(callee)
}

/// A call's arguments with how the callee receives each (by position or keyword), up to the
/// first `*args`/`**kwargs` splat, after which positions are unknown.
fn call_arguments<'t>(call: Node<'t>, src: &str) -> Vec<(Argument, Node<'t>)> {
    let mut out = Vec::new();
    let mut index = 0;
    for arg in call
        .field("arguments")
        .map(named_children)
        .unwrap_or_default()
    {
        match arg.kind_str() {
            "keyword_argument" => {
                if let (Some(name), Some(value)) = (arg.field("name"), arg.field("value")) {
                    out.push((Argument::Keyword(text(name, src).to_owned()), value));
                }
            }
            "comment" => {}
            "list_splat" | "dictionary_splat" => break,
            _ => {
                out.push((Argument::Position(index), arg));
                index += 1;
            }
        }
    }
    out
}

/// How many parameters of one function are followed into the calls it makes to other modules.
const MAX_RELAYED_PARAMS: usize = 16;

/// Calls that the module-level function `item` defines (not a request handler) makes to
/// functions of other modules, passing on one of its own parameters: (parameter → callee's
/// argument, for which sinks). They carry request data only when another module hands it to
/// that parameter, which `modules::ModuleMap::external_entries` decides.
pub(super) fn item_relays(sem: &Semantic, item: Node, src: &str) -> Vec<super::Outgoing> {
    let mut out = Vec::new();
    let Some((own, params)) = signature(item, src) else {
        return out;
    };
    let params: Vec<String> = params
        .into_iter()
        .filter(|p| !matches!(p.as_str(), "self" | "cls"))
        .take(MAX_RELAYED_PARAMS)
        .collect();
    if params.is_empty() {
        return out;
    }
    let imports = item_imports(item, src);
    let scopes = ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    let probe = State::new(&cx, Sink::Code);
    let Some(function) = item_functions(item).first().copied() else {
        return out;
    };
    if !matches!(probe.route(function), Route::None) {
        return out;
    }
    let Some(body) = function.field("body") else {
        return out;
    };
    let all_params = function_params(function, src);
    let models = sem.lang_models(ba_syntax::Family::Python);
    let mut calls = Vec::new();
    super::walk_scope(
        body,
        &|n| {
            matches!(
                n.kind_str(),
                "function_definition" | "class_definition" | "lambda"
            )
        },
        &mut |n| {
            if n.kind_str() == "call" {
                calls.push(n);
            }
        },
    );
    for call in calls {
        let Some(callee) = project_callee(&cx, models, call) else {
            continue;
        };
        let short = callee.rsplit('.').next().unwrap_or(&callee).to_owned();
        for (argument, value) in call_arguments(call, src) {
            for param in &params {
                // Cheap first: does the value carry the parameter at all?
                let Some(route) = probe.param_route(value, param) else {
                    continue;
                };
                let sinks =
                    Sink::carried(0, |sink| State::new(&cx, sink).carries_param(value, param));
                let Some(position) = all_params.iter().position(|p| p == param) else {
                    continue;
                };
                out.push(super::Outgoing {
                    callee: callee.clone(),
                    argument: argument.clone(),
                    entry: Entry {
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
    out
}

/// The functions an item defines: itself, or the methods of a class.
fn item_functions(item: Node) -> Vec<Node> {
    let def = match item.kind_str() {
        "decorated_definition" => item.field("definition"),
        _ => Some(item),
    };
    let Some(def) = def else {
        return Vec::new();
    };
    match def.kind_str() {
        "function_definition" => vec![def],
        "class_definition" => def
            .field("body")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| match m.kind_str() {
                "function_definition" => Some(m),
                "decorated_definition" => m.field("definition"),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a file can contain request data at all (the summaries are only worth computing
/// there; elsewhere a call's result is assumed to carry its arguments). A text test.
pub(super) fn may_have_request_data(src: &str) -> bool {
    // FastAPI and its kin hand request data to typed handler parameters: their files need
    // not say "request" anywhere.
    [
        "request",
        "Request",
        "argv",
        "input(",
        "self.get_",
        "fastapi",
        "litestar",
        // A Django URLconf hands URL parameters to its views (`urlconf_outgoing`).
        "urlpatterns",
    ]
    .iter()
    .any(|w| src.contains(w))
}

/// Whether an item of a file that may hold request data can be a request handler: it says
/// "request" (or the like), or it is decorated (a route decorator gives FastAPI handlers
/// their parameters).
fn may_handle_requests(item: &str) -> bool {
    item.starts_with('@') || may_have_request_data(item)
}

/// For the module-level function `item` defines (if any): its parameters and which of them
/// reach a `return` value, plus `RETURNS_REQUEST_DATA`. A function of the item's text and the
/// skeleton semantic model only, so the engine caches it per item.
pub(super) fn item_returns(sem: &Semantic, item: Node, src: &str) -> super::summaries::ReturnsPart {
    let (name, params) = signature(item, src)?;
    let body = item_functions(item).first().and_then(|f| f.field("body"))?;
    let imports = item_imports(item, src);
    let scopes = ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    // `Sink::Code` decides what a return carries (as it did alone before: no sanitiser
    // cleans for it only). A return that carries something is asked again per sink when the
    // answer depended on the sink (`State::sink_read`: a sanitiser or guard for some sinks
    // only, like `os.path.basename(x)`, clean for paths but not for SQL).
    let state = State::new(&cx, Sink::Code);
    let others: Vec<State> = Sink::ALL
        .into_iter()
        .filter(|s| *s != Sink::Code)
        .map(|s| State::new(&cx, s))
        .collect();
    // Per mask bit: the sinks some return carries it to.
    let mut carried = [0u32; 64];
    // Per tuple element (while every return is a tuple of one length): the mask it carries.
    let mut elements: Option<Vec<u64>> = None;
    let mut uniform = true;
    let all = Sink::ALL.iter().fold(0, |bits, s| bits | s.bit());
    let nested = |n: Node| {
        matches!(
            n.kind_str(),
            "function_definition" | "class_definition" | "lambda"
        )
    };
    for statement in super::statements_by_keyword(body, src, "return", "return_statement", &nested)
    {
        let Some(value) = statement.named_child(0) else {
            uniform = false;
            continue;
        };
        if uniform {
            let parts: Vec<Node> = if matches!(value.kind_str(), "expression_list" | "tuple") {
                named_children(value)
                    .into_iter()
                    .filter(|p| p.kind_str() != "comment")
                    .collect()
            } else {
                Vec::new()
            };
            let same_length = elements.as_ref().is_none_or(|e| e.len() == parts.len());
            if parts.len() < 2
                || !same_length
                || parts
                    .iter()
                    .any(|p| matches!(p.kind_str(), "list_splat" | "parenthesized_list_splat"))
            {
                uniform = false;
            } else {
                let masks = elements.get_or_insert_with(|| vec![0; parts.len()]);
                for (slot, part) in masks.iter_mut().zip(&parts) {
                    if returns_request_data(&state, *part) {
                        *slot |= 1 << RETURNS_REQUEST_DATA;
                    }
                    for (i, p) in params.iter().enumerate().take(63) {
                        if state.carries_param(*part, p) {
                            *slot |= 1 << i;
                        }
                    }
                }
            }
        }
        // Request data only: a helper returning `sys.argv` or `input()` is a CLI's own.
        if returns_request_data(&state, value) {
            carried[RETURNS_REQUEST_DATA] |= Sink::Code.bit();
            if !state.sink_read.get() {
                carried[RETURNS_REQUEST_DATA] = all;
            }
            for other in others.iter().filter(|_| state.sink_read.get()) {
                if carried[RETURNS_REQUEST_DATA] & other.sink.bit() == 0
                    && returns_request_data(other, value)
                {
                    carried[RETURNS_REQUEST_DATA] |= other.sink.bit();
                }
            }
        }
        for (i, p) in params.iter().enumerate().take(63) {
            if state.carries_param(value, p) {
                carried[i] |= Sink::Code.bit();
                if !state.sink_read.get() {
                    carried[i] = all;
                }
                for other in others.iter().filter(|_| state.sink_read.get()) {
                    if carried[i] & other.sink.bit() == 0 && other.carries_param(value, p) {
                        carried[i] |= other.sink.bit();
                    }
                }
            }
        }
    }
    let mut mask = 0u64;
    let mut clean = Vec::new();
    for (i, sinks) in carried.iter().enumerate() {
        if *sinks != 0 {
            mask |= 1 << i;
            if all & !sinks != 0 {
                clean.push((i as u8, all & !sinks));
            }
        }
    }
    let elements = elements.filter(|_| uniform).unwrap_or_default();
    Some((name, (params, mask, clean, elements)))
}

/// Whether `value` is request data (not `sys.argv` or `input()`: a CLI's own) for `state`'s
/// sink.
fn returns_request_data<'t>(state: &State<'_, '_, 't>, value: Node<'t>) -> bool {
    state
        .expr(value, 0)
        .is_some_and(|t| t.user && t.what.starts_with("request data"))
}

/// Whether bit `bit` of a `returns` mask is set and not cleaned for `sink` by the function's
/// own sanitisers (`clean`: (bit, sinks)).
fn returns_bit(mask: u64, clean: &[(u8, u32)], bit: usize, sink: Sink) -> bool {
    bit < 64
        && mask & (1 << bit) != 0
        && !clean
            .iter()
            .any(|(b, sinks)| *b as usize == bit && sinks & sink.bit() != 0)
}

/// The name of the module-level function `item` defines (`summaries::function_name`).
pub(super) fn function_name(item: Node, src: &str) -> Option<String> {
    signature(item, src).map(|(name, _)| name)
}

/// What the module-level function `item` defines returns, for callers in other modules: the
/// request data it returns of its own and, per parameter, the sinks a value passed there still
/// reaches its result for (each sink analysed apart: sanitisers differ by sink). `sem` holds
/// the file's same-file returns and what it imports from other modules.
pub(super) fn item_module_returns(
    sem: &Semantic,
    item: Node,
    src: &str,
    with_params: bool,
) -> Option<super::Returned> {
    let (name, _) = signature(item, src)?;
    let function = item_functions(item).first().copied()?;
    // Only a function whose text can name request data can return some of its own.
    let may_source = super::may_return_request_data(
        ba_syntax::Language::Python,
        &sem.imported,
        text(function, src),
    );
    if !with_params && !may_source {
        return None;
    }
    let body = function.field("body")?;
    let params: Vec<String> = function_params(function, src)
        .into_iter()
        .filter(|p| !matches!(p.as_str(), "self" | "cls"))
        .take(MAX_RELAYED_PARAMS)
        .collect();
    let nested = |n: Node| {
        matches!(
            n.kind_str(),
            "function_definition" | "class_definition" | "lambda"
        )
    };
    let values: Vec<Node> =
        super::statements_by_keyword(body, src, "return", "return_statement", &nested)
            .into_iter()
            .filter_map(|s| s.named_child(0))
            .collect();
    if values.is_empty() {
        return None;
    }
    let imports = item_imports(item, src);
    let scopes = ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    let probe = State::new(&cx, Sink::Code);
    // A handler's own returns are responses, not data for callers.
    if !matches!(probe.route(function), Route::None) {
        return None;
    }
    let mut source: Option<Entry> = None;
    let mut through = vec![0u32; params.len()];
    for value in values {
        // Request data only: a helper returning `sys.argv` or `input()` is a CLI's own. The
        // sixteen sinks are asked only when one of them finds request data.
        let user = may_source && probe.expr(value, 0).is_some_and(|t| t.user);
        if let Some((sinks, what)) = user.then(|| user_sinks(&cx, value)).flatten() {
            if what.starts_with("request data") {
                match &mut source {
                    Some(e) => e.sinks |= sinks,
                    None => {
                        source = Some(Entry {
                            what: what.split(" via ").next().unwrap_or(&what).to_owned(),
                            sinks,
                        })
                    }
                }
            }
        }
        for (i, param) in params.iter().enumerate().filter(|_| with_params) {
            // Cheap first: does the value carry the parameter at all?
            if !probe.carries_param(value, param) {
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

/// The request data the handlers `item` defines pass to module-level functions of the file
/// (known from `sem.returns`): (function, parameter) → what and for which sinks. A function of
/// the item's text and `sem`, so the engine caches it per item.
pub(super) fn item_entries(
    sem: &Semantic,
    item: Node,
    src: &str,
) -> Vec<((String, String), Entry)> {
    let mut out = Vec::new();
    if sem.returns.is_empty() || !may_handle_requests(text(item, src)) {
        return out;
    }
    let imports = item_imports(item, src);
    let scopes = ScopeCache::default();
    let cx = Cx {
        sem,
        src,
        within: item,
        item_imports: &imports,
        scopes: &scopes,
    };
    let state = State::new(&cx, Sink::Code);
    for (own, call) in handler_calls(&state, item, src) {
        // A method of a class of this file on an instance made here
        // (`PreviewClient().fetch(url)`, `client = PreviewClient(); client.fetch(url)`).
        let method = call
            .field("function")
            .filter(|f| f.kind_str() == "attribute")
            .and_then(|f| same_file_method(&cx, f, item));
        let (name, params) = match &method {
            Some((qualified, params)) => (qualified.as_str(), params),
            None => {
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
                (name, params)
            }
        };
        let mut index = 0;
        for arg in call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default()
        {
            let (param, value) = match arg.kind_str() {
                "keyword_argument" => (
                    arg.field("name").map(|n| text(n, src).to_owned()),
                    arg.field("value"),
                ),
                "comment" | "list_splat" | "dictionary_splat" => continue,
                _ => {
                    index += 1;
                    (params.get(index - 1).cloned(), Some(arg))
                }
            };
            let (Some(param), Some(value)) = (param, value) else {
                continue;
            };
            let tainted = user_sinks(&cx, value);
            if let Some((sinks, what)) = tainted {
                // No line numbers: an entry must not change when lines move.
                out.push((
                    (name.to_owned(), param),
                    Entry {
                        what: format!("{what} passed to `{name}()` by `{own}()`"),
                        sinks,
                    },
                ));
            }
        }
    }
    out
}

/// `Class(...).method` or `obj.method` with `obj` bound once to `Class(...)`, where `Class` is a
/// class defined at the top of this file: `("Class.method", parameters after self)`.
fn same_file_method<'t>(
    cx: &Cx<'_, 't>,
    func: Node<'t>,
    item: Node<'t>,
) -> Option<(String, Vec<String>)> {
    let src = cx.src;
    let method = text(func.field("attribute")?, src);
    let object = func.field("object")?;
    let ctor = match object.kind_str() {
        "call" => object,
        "identifier" => match scoped_lookup(cx, object) {
            Some((_, index)) => match index.bindings.get(text(object, src)).map(Vec::as_slice) {
                Some([Binding::Value(v)]) if v.kind_str() == "call" => *v,
                _ => return None,
            },
            None => return None,
        },
        _ => return None,
    };
    let class_name = ctor
        .field("function")
        .filter(|f| f.kind_str() == "identifier")
        .map(|f| text(f, src))?;
    let mut root = item;
    while let Some(p) = root.parent() {
        root = p;
    }
    let class = named_children(root).into_iter().find_map(|stmt| {
        let def = match stmt.kind_str() {
            "decorated_definition" => stmt.field("definition")?,
            _ => stmt,
        };
        (def.kind_str() == "class_definition"
            && def
                .field("name")
                .is_some_and(|n| text(n, src) == class_name))
        .then_some(def)
    })?;
    let def = item_functions(class)
        .into_iter()
        .find(|m| m.field("name").is_some_and(|n| text(n, src) == method))?;
    let params = function_params(def, src)
        .into_iter()
        .filter(|p| p != "self" && p != "cls")
        .collect();
    Some((format!("{class_name}.{method}"), params))
}

enum Route {
    /// A Flask-style route: (converter, variable) pairs from `<converter:variable>`.
    Flask(Vec<(String, String)>),
    /// FastAPI, Starlette and similar: parameters are query/path/body data.
    Api,
    /// A Django or DRF view: parameters after `request` come from the URL.
    Django,
    /// A GraphQL resolver or WebSocket message handler (`analysis::resolvers`).
    Client(super::resolvers::ClientEntry),
    /// Not a handler.
    None,
}

/// `/<int:id>/<name>` → [("int", "id"), ("string", "name")].
fn flask_variables(path: &str) -> Vec<(String, String)> {
    path.split('<')
        .skip(1)
        .filter_map(|part| part.split_once('>'))
        .map(|(var, _)| match var.split_once(':') {
            Some((conv, name)) => (conv.trim().to_owned(), name.trim().to_owned()),
            None => ("string".to_owned(), var.trim().to_owned()),
        })
        .collect()
}

/// `Optional[int]`, `int | None`, `Annotated[int, Query()]` → `int`.
pub fn base_type(annotation: &str) -> &str {
    let mut t = annotation.trim();
    for wrapper in ["Optional[", "Annotated["] {
        if let Some(inner) = t.strip_prefix(wrapper) {
            t = inner.trim_end_matches(']');
            t = t.split(',').next().unwrap_or(t).trim();
        }
    }
    t.split('|').next().unwrap_or(t).trim()
}

/// The parameter node of `function` named `name`.
fn param_node<'t>(function: Node<'t>, name: &str, src: &str) -> Option<Node<'t>> {
    let params = function.field("parameters")?;
    named_children(params).into_iter().find(|p| {
        let id = match p.kind_str() {
            "identifier" => Some(*p),
            "default_parameter" | "typed_default_parameter" => p.field("name"),
            _ => p.named_child(0),
        };
        id.is_some_and(|i| text(i, src) == name)
    })
}

/// Whether `interpolation` of the f-string `string` comes after a literal `?` or `#` in it.
fn after_query_mark(string: Node, interpolation: Node, src: &str) -> bool {
    named_children(string)
        .into_iter()
        .take_while(|c| *c != interpolation)
        .filter(|c| c.kind_str() == "string_content")
        .any(|c| text(c, src).contains(['?', '#']))
}

/// Whether `node` (the left side of a `+`) holds a string literal with `?` or `#`, so what is
/// added after it lands in a URL's query or fragment. It looks at no more than 64 nodes: each
/// `+` of a long chain asks about everything left of it.
fn opens_query(node: Node, src: &str) -> bool {
    let mut stack = vec![node];
    let mut budget = 64;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        match n.kind_str() {
            "string"
                if named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_str() == "string_content")
                    .any(|c| text(c, src).contains(['?', '#'])) =>
            {
                return true;
            }
            "binary_operator" => {
                stack.extend(["left", "right"].into_iter().filter_map(|f| n.field(f)))
            }
            "parenthesized_expression" => stack.extend(n.named_child(0)),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{base_type, flask_variables, narrow_pattern, url_parameters};

    #[test]
    fn django_url_parameters_that_carry_text() {
        assert_eq!(
            url_parameters(
                "files/<str:name>/<int:pk>/<slug:s>/<rest>/<path:p>/<year4:y>/",
                false
            ),
            [
                ("name".into(), true),
                ("pk".into(), false),
                ("s".into(), false),
                ("rest".into(), true),
                ("p".into(), true)
            ]
        );
        assert_eq!(
            url_parameters(
                r"^(?P<year>\d{4})/(?P<code>[-\w]+)/(?P<q>[^/]+)/(?P<any>.*)$",
                true
            ),
            [
                ("year".into(), false),
                ("code".into(), false),
                ("q".into(), true),
                ("any".into(), true)
            ]
        );
        assert!(narrow_pattern(r"[a-f0-9-]+") && narrow_pattern(r"\d+"));
        assert!(!narrow_pattern(r"[\w.]+") && !narrow_pattern(".+") && !narrow_pattern(""));
    }

    #[test]
    fn flask_route_variables() {
        assert_eq!(
            flask_variables("/users/<int:id>/files/<path:name>/<tag>"),
            vec![
                ("int".to_owned(), "id".to_owned()),
                ("path".to_owned(), "name".to_owned()),
                ("string".to_owned(), "tag".to_owned()),
            ]
        );
    }

    #[test]
    fn annotation_base_types() {
        assert_eq!(base_type("Optional[int]"), "int");
        assert_eq!(base_type("int | None"), "int");
        assert_eq!(base_type("Annotated[str, Query(max_length=5)]"), "str");
        assert_eq!(base_type("UUID"), "UUID");
    }
}
