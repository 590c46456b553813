//! Route handlers within one top-level item: "is this function a request handler, for which
//! methods and path". Cheap and per item: the cross-file route table lives in `app/`.
//!
//! Python: route decorators (`@app.get("/x")`, `@bp.route("/x", methods=[…])`,
//! `@router.api_route(…)`, DRF `@api_view([…])`, Django `@require_GET`/`@require_http_methods`),
//! Django function views (`def view(request, …)` in a file that imports Django) and the handler
//! methods of class-based views and viewsets. JavaScript: Express/Fastify/Koa-router
//! registrations (`app.get("/x", …, handler)`, `router.route("/x").post(handler)`) and functions
//! whose first parameter is the request (`req`, `request`, `ctx`).

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{ancestors, named_children, text, Semantic};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    Flask,
    /// FastAPI, Starlette and look-alikes (`{param}` paths).
    FastApi,
    Django,
    /// Express, Fastify, Koa routers.
    Node,
}

/// One route registration.
#[derive(Clone, Debug)]
pub struct Route<'t> {
    pub framework: Framework,
    /// Upper-case HTTP methods; empty when any method reaches the handler (a Django function
    /// view without a method decorator, `app.all`).
    pub methods: Vec<String>,
    /// The path literal, when the registration names one.
    pub path: Option<String>,
    pub path_node: Option<Node<'t>>,
    /// The decorator or registration call.
    pub registration: Node<'t>,
}

impl Route<'_> {
    /// Whether only GET (or HEAD) reaches the handler.
    pub fn is_get_only(&self) -> bool {
        !self.methods.is_empty() && self.methods.iter().all(|m| m == "GET" || m == "HEAD")
    }

    pub fn has_method(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method)
    }
}

/// Decorator or router methods that register a handler for one HTTP method.
pub const METHOD_NAMES: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// DRF viewset actions and the method each serves.
const VIEWSET_ACTIONS: &[(&str, &str)] = &[
    ("list", "GET"),
    ("retrieve", "GET"),
    ("create", "POST"),
    ("update", "PUT"),
    ("partial_update", "PATCH"),
    ("destroy", "DELETE"),
];

fn python_string(node: Node, src: &str) -> Option<String> {
    super::python::string_value(node, src).map(str::to_owned)
}

/// `["GET", "POST"]` (or a tuple/set) → upper-case names; `None` if not a literal list.
fn method_list(node: Node, src: &str, js: bool) -> Option<Vec<String>> {
    if !matches!(node.kind_str(), "list" | "tuple" | "set" | "array") {
        return None;
    }
    let mut out = Vec::new();
    for item in named_children(node) {
        let value = if js {
            super::javascript::string_value(item, src)
        } else {
            super::python::string_value(item, src)
        }?;
        out.push(value.to_ascii_uppercase());
    }
    Some(out)
}

/// Whether the file imports from one of the packages (`django`, `django.http`…).
pub fn imports_from(sem: &Semantic, packages: &[&str]) -> bool {
    packages.iter().any(|p| sem.imports_package(p))
}

/// The route a Python decorator registers, if it is a route decorator.
pub fn python_decorator<'t>(decorator: Node<'t>, src: &str, sem: &Semantic) -> Option<Route<'t>> {
    let expr = decorator.named_child(0)?;
    let (func, args) = match expr.kind_str() {
        "call" => (expr.field("function")?, expr.field("arguments")),
        _ => (expr, None),
    };
    let name = match func.kind_str() {
        "attribute" => text(func.field("attribute")?, src),
        "identifier" => text(func, src),
        _ => return None,
    };
    let args: Vec<Node> = args.map(named_children).unwrap_or_default();
    let keyword = |key: &str| {
        args.iter()
            .filter(|a| a.kind_str() == "keyword_argument")
            .find(|a| a.field("name").is_some_and(|n| text(n, src) == key))
            .and_then(|a| a.field("value"))
    };
    let first = args
        .iter()
        .find(|a| !matches!(a.kind_str(), "keyword_argument" | "comment"))
        .copied();
    // Django and DRF decorators on function views.
    if func.kind_str() == "identifier" {
        let methods = match name {
            "require_GET" | "require_safe" => vec!["GET".to_owned(), "HEAD".to_owned()],
            "require_POST" => vec!["POST".to_owned()],
            "require_http_methods" | "api_view" => method_list(first?, src, false)?,
            _ => return None,
        };
        return Some(Route {
            framework: Framework::Django,
            methods,
            path: None,
            path_node: None,
            registration: decorator,
        });
    }
    if name == "action" && args.iter().any(|a| text(*a, src).starts_with("detail")) {
        // DRF `@action(detail=…, methods=[…])`: GET unless told otherwise.
        let methods = keyword("methods")
            .and_then(|m| method_list(m, src, false))
            .unwrap_or_else(|| vec!["GET".to_owned()]);
        return Some(Route {
            framework: Framework::Django,
            methods,
            path: None,
            path_node: None,
            registration: decorator,
        });
    }
    let path_node = first
        .or_else(|| keyword("path"))
        .or_else(|| keyword("rule"));
    let path = path_node.and_then(|p| python_string(p, src));
    // A route path is a literal starting with `/` (or FastAPI's empty prefix-relative ""), or
    // at least not a literal: `@cache.get("key")` is not a route.
    if let Some(p) = &path {
        if !(p.is_empty() || p.starts_with('/')) {
            return None;
        }
    } else if path_node.is_some_and(|p| p.kind_str() == "string") {
        return None;
    }
    let methods = match name {
        "route" => keyword("methods")
            .and_then(|m| method_list(m, src, false))
            .unwrap_or_else(|| vec!["GET".to_owned()]),
        "api_route" => keyword("methods")
            .and_then(|m| method_list(m, src, false))
            .unwrap_or_else(|| vec!["GET".to_owned()]),
        "websocket" => Vec::new(),
        m if METHOD_NAMES.contains(&m) => vec![m.to_ascii_uppercase()],
        _ => return None,
    };
    path_node?;
    let flask = path.as_deref().is_some_and(|p| p.contains('<'))
        || (sem
            .imports
            .values()
            .any(|q| q.starts_with("flask") || q.starts_with("quart"))
            && !path.as_deref().is_some_and(|p| p.contains('{')));
    Some(Route {
        framework: if flask {
            Framework::Flask
        } else {
            Framework::FastApi
        },
        methods,
        path,
        path_node,
        registration: decorator,
    })
}

/// The parameter names of a Python function, in order.
pub fn python_params<'s>(function: Node, src: &'s str) -> Vec<&'s str> {
    function
        .field("parameters")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let id = if p.kind_str() == "identifier" {
                Some(p)
            } else {
                p.field("name").or_else(|| p.named_child(0))
            };
            id.filter(|i| i.kind_str() == "identifier")
                .map(|i| text(i, src))
        })
        .collect()
}

/// The route that makes `function` (a `function_definition` inside `item`) a request handler.
pub fn python_handler<'t>(
    item: Node<'t>,
    function: Node<'t>,
    src: &str,
    sem: &Semantic,
) -> Option<Route<'t>> {
    // Most handlers are top-level functions: their decorated definition is the item itself,
    // found without walking the tree.
    let path = if function == item
        || (item.kind_str() == "decorated_definition" && item.field("definition") == Some(function))
    {
        vec![item]
    } else {
        ancestors(item, function)
    };
    let parent = path.last().copied().filter(|p| *p != function);
    let mut django_methods: Option<Route<'t>> = None;
    if let Some(decorated) = parent.filter(|p| p.kind_str() == "decorated_definition") {
        for decorator in named_children(decorated)
            .into_iter()
            .filter(|d| d.kind_str() == "decorator")
        {
            if let Some(route) = python_decorator(decorator, src, sem) {
                if route.framework != Framework::Django {
                    return Some(route);
                }
                django_methods.get_or_insert(route);
            }
        }
    }
    if django_methods.is_some() {
        return django_methods;
    }
    if !imports_from(sem, &["django", "rest_framework"]) {
        return None;
    }
    let params = python_params(function, src);
    let name = function.field("name").map(|n| text(n, src)).unwrap_or("");
    let in_class = path.iter().any(|a| a.kind_str() == "class_definition");
    let methods = match params.as_slice() {
        [first, ..] if *first == "request" && !in_class => {
            // A function view, unless this file calls it (then it is a helper).
            if src.matches(&format!("{name}(")).count() > 1 {
                return None;
            }
            Vec::new()
        }
        [s, second, ..] if *s == "self" && *second == "request" && in_class => {
            if METHOD_NAMES.contains(&name) {
                vec![name.to_ascii_uppercase()]
            } else {
                let (_, m) = VIEWSET_ACTIONS.iter().find(|(a, _)| *a == name)?;
                vec![(*m).to_owned()]
            }
        }
        _ => return None,
    };
    Some(Route {
        framework: Framework::Django,
        methods,
        path: None,
        path_node: None,
        registration: function,
    })
}

/// Whether a JS node is a function (any syntax).
pub fn is_js_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function_declaration"
            | "generator_function"
    )
}

/// Objects that are not routers even though they have `get`/`delete` methods.
const NOT_ROUTERS: &[&str] = &[
    "axios",
    "got",
    "http",
    "https",
    "request",
    "superagent",
    "fetch",
    "client",
    "api",
    "map",
    "cache",
    "redis",
    "store",
    "headers",
    "params",
    "searchParams",
    "res",
    "req",
    "ky",
    "session",
];

/// A JS route registration: `app.get("/x", …handlers)`, `router.route("/x").post(h)`, Fastify's
/// `fastify.get("/x", opts, h)`. The handlers are the function arguments (and identifiers).
pub struct JsRoute<'t> {
    pub route: Route<'t>,
    pub handlers: Vec<Node<'t>>,
}

pub fn js_route<'t>(call: Node<'t>, src: &str) -> Option<JsRoute<'t>> {
    if call.kind_str() != "call_expression" {
        return None;
    }
    let func = call.field("function")?;
    if func.kind_str() != "member_expression" {
        return None;
    }
    let method = text(func.field("property")?, src);
    let all = method == "all";
    if !all && !METHOD_NAMES.contains(&method) {
        return None;
    }
    let object = func.field("object")?;
    let args = named_children(call.field("arguments")?);
    let args: Vec<Node> = args
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    // `router.route("/x").get(h).post(h)`: the path is the `route` call's, down the chain.
    let mut route_call = None;
    let mut inner = object;
    while inner.kind_str() == "call_expression" {
        let Some(f) = inner
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")
        else {
            break;
        };
        let property = f.field("property").map_or("", |p| text(p, src));
        if property == "route" {
            route_call = Some(inner);
            break;
        }
        if !(METHOD_NAMES.contains(&property) || property == "all") {
            break;
        }
        match f.field("object") {
            Some(o) => inner = o,
            None => break,
        }
    }
    let (path_node, rest) = match route_call {
        Some(route) => {
            let path = route.field("arguments").and_then(|a| a.named_child(0));
            (path, &args[..])
        }
        None => {
            let receiver = match object.kind_str() {
                "identifier" => text(object, src),
                "member_expression" => object.field("property").map_or("", |p| text(p, src)),
                _ => return None,
            };
            if NOT_ROUTERS.iter().any(|n| receiver.eq_ignore_ascii_case(n)) {
                return None;
            }
            (Some(*args.first()?), args.get(1..).unwrap_or(&[]))
        }
    };
    let path_node = path_node?;
    let path = super::javascript::string_value(path_node, src).map(str::to_owned);
    match &path {
        Some(p) if p.starts_with('/') || p == "*" => {}
        Some(_) => return None,
        // A template or a constant: accept only with a function argument below.
        None if !matches!(
            path_node.kind_str(),
            "template_string" | "identifier" | "regex"
        ) =>
        {
            return None
        }
        None => {}
    }
    let handlers: Vec<Node> = rest
        .iter()
        .copied()
        .filter(|a| is_js_function(a.kind_str()) || a.kind_str() == "identifier")
        .collect();
    if !handlers.iter().any(|h| is_js_function(h.kind_str())) && path.is_none() {
        return None;
    }
    if handlers.is_empty() {
        return None;
    }
    Some(JsRoute {
        route: Route {
            framework: Framework::Node,
            methods: if all {
                Vec::new()
            } else {
                vec![method.to_ascii_uppercase()]
            },
            path,
            path_node: Some(path_node),
            registration: call,
        },
        handlers,
    })
}

/// The names of a JS function's parameters (patterns flattened), in order.
pub fn js_params<'s>(function: Node, src: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    if let Some(single) = function.field("parameter") {
        names.push(text(single, src));
        return names;
    }
    if let Some(params) = function.field("parameters") {
        for p in named_children(params) {
            let mut one = Vec::new();
            super::javascript::pattern_names(p, src, &mut one);
            // A destructured parameter keeps its place with an empty name.
            names.push(if one.len() == 1 { one[0] } else { "" });
        }
    }
    names
}

/// Whether a JS function takes a request first (`(req, res)`, `async (ctx, next)`,
/// `(request: FastifyRequest, reply)`): a handler or middleware.
pub fn is_js_request_function(function: Node, src: &str) -> bool {
    let params = js_params(function, src);
    match params.first() {
        Some(&("req" | "request")) => params.len() >= 2,
        Some(&"ctx") => true,
        _ => false,
    }
}

/// The request handler that encloses `node` within `item` (outermost first wins: a callback
/// inside a handler runs per request too), from a route registration or request parameter.
pub fn js_enclosing_handler<'t>(item: Node<'t>, node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let path = ancestors(item, node);
    for (i, a) in path.iter().enumerate() {
        if !is_js_function(a.kind_str()) {
            continue;
        }
        if is_js_request_function(*a, src) {
            return Some(*a);
        }
        // An argument of a route registration.
        if i >= 2 && path[i - 1].kind_str() == "arguments" && js_route(path[i - 2], src).is_some() {
            return Some(*a);
        }
    }
    None
}

/// Calls `f` on every call inside `node` (nested functions included: callbacks of a handler run
/// per request too).
pub fn each_call<'t>(node: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    let mut cursor = node.walk();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if matches!(n.kind_str(), "call" | "call_expression" | "new_expression") {
            f(n);
        }
        for c in n.named_children(&mut cursor) {
            stack.push(c);
        }
    }
}

/// Calls `f` on every call inside `node`, in source order.
pub fn calls_in<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    each_call(node, &mut |c| out.push(c));
    out.sort_by_key(|c| (c.start_byte(), std::cmp::Reverse(c.end_byte())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::Language;

    fn first<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
        if node.kind_str() == kind {
            return Some(node);
        }
        named_children(node)
            .into_iter()
            .find_map(|c| first(c, kind))
    }

    fn py_route(src: &str) -> Option<(Framework, Vec<String>, Option<String>)> {
        let tree = ba_syntax::parse::parse(Language::Python, src, None).unwrap();
        let sem = Semantic::build(Language::Python, &tree, src);
        let root = tree.root_node();
        let item = named_children(root).into_iter().last().unwrap();
        let function = first(item, "function_definition").unwrap();
        python_handler(item, function, src, &sem).map(|r| (r.framework, r.methods, r.path))
    }

    #[test]
    fn python_routes() {
        let fastapi = "from fastapi import FastAPI\napp = FastAPI()\n@app.get(\"/users/{id}\")\nasync def read(id: int):\n    pass\n";
        assert_eq!(
            py_route(fastapi),
            Some((
                Framework::FastApi,
                vec!["GET".into()],
                Some("/users/{id}".into())
            ))
        );
        let flask = "from flask import Flask\napp = Flask(__name__)\n@app.route(\"/u\", methods=[\"POST\", \"put\"])\ndef u():\n    pass\n";
        assert_eq!(
            py_route(flask),
            Some((
                Framework::Flask,
                vec!["POST".into(), "PUT".into()],
                Some("/u".into())
            ))
        );
        let cache = "@cache.get(\"key\")\ndef u():\n    pass\n";
        assert_eq!(py_route(cache), None);
        let django = "from django.http import JsonResponse\ndef index(request):\n    pass\n";
        assert_eq!(py_route(django), Some((Framework::Django, vec![], None)));
        let cbv = "from django.views import View\nclass V(View):\n    def get(self, request):\n        pass\n";
        assert_eq!(
            py_route(cbv),
            Some((Framework::Django, vec!["GET".into()], None))
        );
        let helper = "def helper(x):\n    pass\n";
        assert_eq!(py_route(helper), None);
    }

    #[test]
    fn javascript_routes() {
        let src = "router.route('/a').post(async (req, res) => {}).get((req, res) => {});\napp.get('/b', auth, (req, res) => {});\naxios.get('/c', () => {});\nmap.get('k');\n";
        let tree = ba_syntax::parse::parse(Language::JavaScript, src, None).unwrap();
        let routes: Vec<(Vec<String>, Option<String>, usize)> = calls_in(tree.root_node())
            .into_iter()
            .filter_map(|c| js_route(c, src))
            .map(|r| (r.route.methods, r.route.path, r.handlers.len()))
            .collect();
        assert_eq!(
            routes,
            vec![
                (vec!["GET".into()], Some("/a".into()), 1),
                (vec!["POST".into()], Some("/a".into()), 1),
                (vec!["GET".into()], Some("/b".into()), 2),
            ]
        );
    }
}
