//! hapi (`@hapi/hapi`): servers from `Hapi.server(…)`, routes as `{ method, path, handler,
//! options }` objects (given to `server.route`, or kept in arrays a module exports), plugins
//! (`{ name, register(server, options) {…} }`, registered with `server.register({ plugin,
//! routes: { prefix } })`), and authentication: `server.auth.default(…)` for every route of the
//! server (a plugin's default is the server's: authentication is not encapsulated), a route's
//! own `options.auth` (`false` turns the default off).
//!
//! A module of routes often imports nothing from hapi (`module.exports = [{ method: "GET",
//! path: "/", handler }]`): route objects are recognised by their shape (a method, a literal
//! path and a handler), plugin objects by theirs (a `register` function beside a `name`).

use super::*;

/// `Hapi.server({…})`, `new Hapi.Server()`, `server({…})` from `@hapi/hapi`.
pub(super) fn is_factory(f: &str, m: &Mentions) -> bool {
    m.hapi
        && matches!(
            f,
            "Hapi.server" | "Hapi.Server" | "hapi.server" | "hapi.Server" | "server" | "Server"
        )
}

/// The handler of a route object: `handler`, or `options.handler`/`config.handler`.
fn handler_of<'t>(obj: Node<'t>, src: &str) -> Option<Node<'t>> {
    prop(obj, "handler", src).or_else(|| {
        ["options", "config"]
            .iter()
            .filter_map(|k| prop(obj, k, src))
            .find_map(|o| prop(o, "handler", src))
    })
}

/// `{ method: "GET", path: "/users/{id}", handler }`.
pub(super) fn is_route_object(n: Node, src: &str) -> bool {
    n.kind_str() == "object"
        && prop(n, "method", src).is_some()
        && prop(n, "path", src)
            .and_then(|p| string_lit(p, src))
            .is_some_and(|p| p.starts_with('/'))
        && handler_of(n, src).is_some()
}

/// A value that holds routes: a route object, or an array with at least one.
pub(super) fn is_container(n: Node, src: &str) -> bool {
    match n.kind_str() {
        "object" => is_route_object(n, src),
        "array" => named_children(n)
            .into_iter()
            .any(|c| is_route_object(c, src)),
        _ => false,
    }
}

/// The `register` function of a plugin object (`{ name: "users", register: async (server)
/// => {…} }`, `{ pkg, register(server, options) {…} }`).
pub(super) fn plugin_register<'t>(n: Node<'t>, src: &str) -> Option<Node<'t>> {
    if n.kind_str() != "object" {
        return None;
    }
    let named = named_children(n).into_iter().any(|c| match c.kind_str() {
        "pair" => matches!(key_text(c, src), "name" | "pkg"),
        "shorthand_property_identifier" => matches!(text(c, src), "name" | "pkg"),
        _ => false,
    });
    if !named {
        return None;
    }
    named_children(n)
        .into_iter()
        .find_map(|c| match c.kind_str() {
            "method_definition" if c.field("name").is_some_and(|k| text(k, src) == "register") => {
                Some(c)
            }
            "pair" if key_text(c, src) == "register" => {
                c.field("value").filter(|v| is_function_literal(*v))
            }
            _ => None,
        })
}

/// Records the routes a container holds on the owner `var` (created here), and the route
/// arrays it spreads (`[...userRoutes, health]`) as its mounts.
pub(super) fn container(cx: &mut Cx, var: &str, n: Node) {
    cx.out.owners.push(Owner {
        var: var.to_owned(),
        framework: Framework::Hapi,
        is_app: false,
        prefix: String::new(),
        deps: Vec::new(),
        shares_parent: false,
        span: span(n),
    });
    routes_into(cx, var.to_owned(), n);
}

/// The routes of `server.route(arg)` (or of a container) on `owner`.
fn routes_into(cx: &mut Cx, owner: String, n: Node) {
    let src = cx.src;
    let items = if n.kind_str() == "array" {
        named_children(n)
            .into_iter()
            .filter(|c| c.kind_str() != "comment")
            .collect()
    } else {
        vec![n]
    };
    let mut children = Vec::new();
    for item in items {
        match item.kind_str() {
            "object" => route(cx, &owner, item),
            "spread_element" => {
                if let Some(inner) = item.named_child(0) {
                    children.push(arg_name(inner, src));
                }
            }
            "identifier" | "member_expression" | "call_expression" => {
                children.push(arg_name(item, src))
            }
            _ => {}
        }
    }
    if !children.is_empty() {
        let order = cx.next();
        cx.out.mounts.push(Mount {
            parent: owner,
            children,
            prefix: None,
            deps: Vec::new(),
            order,
            span: span(n),
        });
    }
}

fn route(cx: &mut Cx, owner: &str, obj: Node) {
    let src = cx.src;
    let Some(path) = prop(obj, "path", src)
        .and_then(|p| string_lit(p, src))
        .filter(|p| p.starts_with('/') && !p.contains("${"))
    else {
        return;
    };
    let Some(handler) = handler_of(obj, src) else {
        return;
    };
    let method = |m: &str| {
        if m == "*" {
            "ANY".to_owned()
        } else {
            m.to_ascii_uppercase()
        }
    };
    let methods: Vec<String> = match prop(obj, "method", src) {
        Some(m) if m.kind_str() == "array" => named_children(m)
            .into_iter()
            .filter_map(|x| string_lit(x, src))
            .map(method)
            .collect(),
        Some(m) => string_lit(m, src)
            .map(|x| vec![method(x)])
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if methods.is_empty() {
        return;
    }
    let mut deps = Vec::new();
    for options in ["options", "config"]
        .iter()
        .filter_map(|k| prop(obj, k, src))
    {
        deps.extend(route_options(options, src));
    }
    let params = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|s| s.trim_end_matches(|c: char| c == '?' || c == '*' || c.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    let owner = owner_name(cx, owner);
    let order = cx.next();
    cx.out.routes.push(Route {
        owner,
        framework: Framework::Hapi,
        methods,
        path: path.to_owned(),
        handler: if is_function_literal(handler) {
            "anonymous function".to_owned()
        } else {
            text(handler, src).to_owned()
        },
        deps,
        params,
        order,
        span: span(obj),
        handler_span: span(handler),
        handler_full: span(handler),
    });
}

/// A route's `options` as chain entries: `auth` (`false` → `auth: false`, a strategy →
/// `auth: jwt`, `{ mode: "try" }` → `auth: optional`) and its `pre` methods.
fn route_options(options: Node, src: &str) -> Vec<String> {
    let mut deps = Vec::new();
    if let Some(auth) = prop(options, "auth", src) {
        let dep = match auth.kind_str() {
            "false" => "false".to_owned(),
            "object" => {
                let mode = prop(auth, "mode", src).and_then(|m| string_lit(m, src));
                let strategy = prop(auth, "strategy", src)
                    .or_else(|| prop(auth, "strategies", src).and_then(|a| a.named_child(0)))
                    .and_then(|s| string_lit(s, src));
                match (mode, strategy) {
                    // `try` authenticates when it can and lets everyone through.
                    (Some("try" | "optional"), _) => "optional".to_owned(),
                    (_, Some(s)) => s.to_owned(),
                    _ => "required".to_owned(),
                }
            }
            _ => string_lit(auth, src).unwrap_or("required").to_owned(),
        };
        deps.push(format!("auth: {dep}"));
    }
    if let Some(pre) = prop(options, "pre", src) {
        for p in named_children(pre) {
            let m = if p.kind_str() == "object" {
                prop(p, "method", src)
            } else {
                Some(p)
            };
            if let Some(m) = m {
                deps.push(hook_name(m, src));
            }
        }
    }
    deps
}

/// `server.route(…)`, `server.register(…)`, `server.auth.default(…)` in a hapi file or plugin;
/// true when `n` was one of them.
pub(super) fn call(cx: &mut Cx, n: Node, object: Node, method: &str) -> bool {
    let src = cx.src;
    let args = args_of(n);
    let Some(first) = args.first().copied() else {
        return false;
    };
    match method {
        "route" if object.kind_str() == "identifier" => {
            if !matches!(
                first.kind_str(),
                "object" | "array" | "identifier" | "member_expression" | "call_expression"
            ) || first.kind_str() == "object" && !is_route_object(first, src)
            {
                return false;
            }
            let owner = owner_name(cx, text(object, src));
            routes_into(cx, owner, first);
            true
        }
        "register" if object.kind_str() == "identifier" => {
            let parent = owner_name(cx, text(object, src));
            let outer_prefix = args.get(1).and_then(|o| routes_prefix(*o, src));
            let items = if first.kind_str() == "array" {
                named_children(first)
                    .into_iter()
                    .filter(|c| c.kind_str() != "comment")
                    .collect()
            } else {
                vec![first]
            };
            for item in items {
                let (plugin, prefix) = match prop(item, "plugin", src) {
                    Some(p) => (p, routes_prefix(item, src).or_else(|| outer_prefix.clone())),
                    None => (item, outer_prefix.clone()),
                };
                let child = if let Some(p) = require_path(plugin, src) {
                    format!("require:{p}")
                } else if plugin.kind_str() == "member_expression"
                    && plugin
                        .field("object")
                        .and_then(|o| require_path(o, src))
                        .is_some()
                {
                    // `require("./users").plugin`: the module's plugin (also its default).
                    format!(
                        "require:{}",
                        plugin
                            .field("object")
                            .and_then(|o| require_path(o, src))
                            .unwrap_or("")
                    )
                } else if plugin_register(plugin, src).is_some() {
                    let name = format!("{parent}.register({})", plugin_name(plugin, src));
                    name_plugin_object(cx, plugin, &name);
                    name
                } else {
                    arg_name(plugin, src)
                };
                let order = cx.next();
                cx.out.mounts.push(Mount {
                    parent: parent.clone(),
                    children: vec![child],
                    prefix,
                    deps: Vec::new(),
                    order,
                    span: span(n),
                });
            }
            true
        }
        "default"
            if object.kind_str() == "member_expression"
                && object
                    .field("property")
                    .is_some_and(|p| text(p, src) == "auth") =>
        {
            let Some(server) = object
                .field("object")
                .filter(|o| o.kind_str() == "identifier")
            else {
                return false;
            };
            let strategy = if first.kind_str() == "object" {
                match prop(first, "mode", src).and_then(|m| string_lit(m, src)) {
                    Some("try" | "optional") => "optional".to_owned(),
                    _ => prop(first, "strategy", src)
                        .and_then(|s| string_lit(s, src))
                        .unwrap_or("required")
                        .to_owned(),
                }
            } else {
                string_lit(first, src).unwrap_or("required").to_owned()
            };
            let parent = owner_name(cx, text(server, src));
            let order = cx.next();
            cx.out.mounts.push(Mount {
                parent,
                children: Vec::new(),
                prefix: None,
                deps: vec![format!("server.auth.default({strategy})")],
                order,
                span: span(n),
            });
            true
        }
        _ => false,
    }
}

/// `{ routes: { prefix: "/api" } }`.
fn routes_prefix(options: Node, src: &str) -> Option<String> {
    prop(options, "routes", src)
        .and_then(|r| prop(r, "prefix", src))
        .and_then(|p| string_lit(p, src))
        .filter(|p| !p.contains("${"))
        .map(str::to_owned)
}

fn plugin_name(obj: Node, src: &str) -> String {
    prop(obj, "name", src)
        .and_then(|n| string_lit(n, src))
        .unwrap_or("…")
        .to_owned()
}

/// Names the `register` function of plugin object `obj` as the plugin `name`: calls on its
/// first parameter belong to that plugin.
pub(super) fn name_plugin_object(cx: &mut Cx, obj: Node, name: &str) -> bool {
    let Some(register) = plugin_register(obj, cx.src) else {
        return false;
    };
    cx.named_fns
        .push((register.start_byte(), name.to_owned(), true, false));
    cx.hapi_fns.push(register.start_byte());
    true
}

/// An array of spread names only (`[...userRoutes, ...bookRoutes]`): their names.
fn spread_names(n: Node, src: &str) -> Option<Vec<String>> {
    if n.kind_str() != "array" {
        return None;
    }
    let mut names = Vec::new();
    for c in named_children(n) {
        match c.kind_str() {
            "comment" => {}
            "spread_element" => names.push(c.named_child(0).map(|x| arg_name(x, src))?),
            _ => return None,
        }
    }
    (!names.is_empty()).then_some(names)
}

/// Remembers `var = [...a, ...b]` for `finish`, which makes it a route list when `a` or `b`
/// is one.
pub(super) fn spread_list(cx: &mut Cx, var: &str, n: Node) -> bool {
    let Some(names) = spread_names(n, cx.src) else {
        return false;
    };
    cx.out.spread_routes.push((var.to_owned(), names, span(n)));
    true
}

/// `finish`'s half of `spread_list`.
pub(super) fn finish_spreads(facts: &mut FileFacts) {
    for (var, names, at) in std::mem::take(&mut facts.spread_routes) {
        let lists = |name: &String| {
            facts
                .owners
                .iter()
                .any(|o| &o.var == name && o.framework == Framework::Hapi && !o.is_app)
        };
        if !names.iter().any(lists) {
            continue;
        }
        let order = facts.routes.len() + facts.mounts.len() + 1;
        facts.owners.push(Owner {
            var: var.clone(),
            framework: Framework::Hapi,
            is_app: false,
            prefix: String::new(),
            deps: Vec::new(),
            shares_parent: false,
            span: at.clone(),
        });
        facts.mounts.push(Mount {
            parent: var,
            children: names,
            prefix: None,
            deps: Vec::new(),
            order,
            span: at,
        });
    }
}

/// Whether function `f` registers hapi routes on its first parameter: `(server) => {
/// server.route(…) }`, `function register(server, options, next)`. The parameter is named
/// `server` (or typed as one) and the body calls `.route(`: Express and restify modules that
/// take a `server` add routes with `server.get(…)` and are left alone.
pub(super) fn is_route_function(f: Node, src: &str) -> bool {
    if !matches!(
        f.kind_str(),
        "arrow_function" | "function_expression" | "function" | "function_declaration"
    ) {
        return false;
    }
    let params = ba_analysis::routes::js_params(f, src);
    if params.is_empty() || params.len() > 3 {
        return false;
    }
    let typed = first_param_type(f, src).is_some_and(|t| t.contains("Server"));
    (params[0] == "server" || typed)
        && f.field("body")
            .is_some_and(|b| text(b, src).contains(".route("))
}

/// Names a route function standing at `value` (`module.exports = (server) => …`, `export
/// default function (server)`, `exports.register = function (server, options, next)`): its
/// routes belong to the owner `name`. True when `value` is one.
pub(super) fn name_route_function(cx: &mut Cx, value: Node, name: &str) -> bool {
    let value = if value.kind_str() == "parenthesized_expression" {
        value.named_child(0).unwrap_or(value)
    } else {
        value
    };
    if !is_route_function(value, cx.src) {
        return false;
    }
    cx.named_fns
        .push((value.start_byte(), name.to_owned(), true, false));
    cx.hapi_fns.push(value.start_byte());
    true
}

/// `routes(server)`, `require("./routes/users")(server)` in a hapi file: the module's route
/// function adds its routes to `server`, as a mount without a prefix.
pub(super) fn route_function_call(cx: &mut Cx, n: Node, func: Node) -> bool {
    let src = cx.src;
    let args = args_of(n);
    let [server] = args.as_slice() else {
        return false;
    };
    if server.kind_str() != "identifier"
        || !matches!(func.kind_str(), "identifier" | "call_expression")
    {
        return false;
    }
    if func.kind_str() == "call_expression" && require_path(func, src).is_none() {
        return false;
    }
    let server_name = text(*server, src);
    let known = cx
        .out
        .owners
        .iter()
        .any(|o| o.var == server_name && o.framework == Framework::Hapi && o.is_app);
    if !known && server_name != "server" {
        return false;
    }
    let parent = owner_name(cx, server_name);
    let order = cx.next();
    cx.out.mounts.push(Mount {
        parent,
        children: vec![arg_name(func, src)],
        prefix: None,
        deps: Vec::new(),
        order,
        span: span(n),
    });
    true
}

/// `{ name, register }` with `register` a function declared elsewhere in the module: the
/// plugin is that function's (named after it by `plugin_context`).
pub(super) fn shorthand_register(obj: Node, src: &str) -> Option<String> {
    if obj.kind_str() != "object" {
        return None;
    }
    let mut named = false;
    let mut register = None;
    for c in named_children(obj) {
        match c.kind_str() {
            "pair" if matches!(key_text(c, src), "name" | "pkg") => named = true,
            "shorthand_property_identifier" if matches!(text(c, src), "name" | "pkg") => {
                named = true
            }
            "shorthand_property_identifier" if text(c, src) == "register" => {
                register = Some("register".to_owned())
            }
            "pair" if key_text(c, src) == "register" => {
                register = c
                    .field("value")
                    .filter(|v| v.kind_str() == "identifier")
                    .map(|v| text(v, src).to_owned())
            }
            _ => {}
        }
    }
    register.filter(|_| named)
}
