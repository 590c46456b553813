//! Route handlers: finding them (FastAPI/Flask decorators, Django views named in urls.py,
//! Express `app.get(...)` calls) and the in-place generators: the authentication its siblings
//! use, limit/offset pagination, and a FastAPI `response_model`.

use ba_syntax::NodeExt;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use tree_sitter::Node;

use super::{
    err, imports_edit, indent_of_line, line_start, named_children, text, Framework, Output, Result,
    Source, Style,
};
use ba_rules::Edit;
use ba_syntax::{parse, Family, Language};

const ROUTE_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "route",
    "api_route",
    "all",
];

#[derive(Clone, Debug)]
pub struct Handler {
    pub framework: Framework,
    /// The function's name; for an anonymous Express callback, `<method>_<path>`.
    pub name: String,
    /// The app/router/blueprint variable the route is registered on.
    pub owner: String,
    /// Upper-case HTTP methods.
    pub methods: Vec<String>,
    /// The route path as written (Django: from urls.py, with a leading `/`).
    pub path: Option<String>,
    /// The whole decorated definition or statement.
    pub range: Range<usize>,
    /// The function (Python `function_definition`, JS callback).
    pub function: Range<usize>,
    /// Python: the route decorator's call. Express: the registering call.
    pub call: Option<Range<usize>>,
}

pub fn handler_at(src: &Source, offset: usize) -> Option<Handler> {
    handlers(src)
        .into_iter()
        .find(|h| h.range.start <= offset && offset <= h.range.end)
}

pub fn handlers(src: &Source) -> Vec<Handler> {
    let Some(framework) = src.framework() else {
        return Vec::new();
    };
    match framework {
        Framework::FastApi | Framework::Flask => python_handlers(src, framework),
        Framework::Django => django_handlers(src),
        Framework::Express | Framework::Koa | Framework::Fastify => node_handlers(src, framework),
        Framework::NestJs => nest_handlers(src),
        // Not produced by `Source::framework`.
        Framework::Hapi | Framework::NextJs => Vec::new(),
    }
}

fn string_value(src: &str, node: Node) -> Option<String> {
    match node.kind_str() {
        "string" => {
            let mut c = node.walk();
            let content: String = node
                .named_children(&mut c)
                .filter(|n| n.kind_str() == "string_content" || n.kind_str() == "string_fragment")
                .map(|n| text(src, n))
                .collect();
            Some(content)
        }
        _ => None,
    }
}

fn python_handlers(src: &Source, framework: Framework) -> Vec<Handler> {
    let mut out = Vec::new();
    for item in named_children(src.tree.root_node()) {
        if item.kind_str() != "decorated_definition" {
            continue;
        }
        let Some(def) = item
            .field("definition")
            .filter(|d| d.kind_str() == "function_definition")
        else {
            continue;
        };
        for dec in named_children(item)
            .into_iter()
            .filter(|n| n.kind_str() == "decorator")
        {
            let Some(call) = dec.named_child(0).filter(|n| n.kind_str() == "call") else {
                continue;
            };
            let Some(func) = call
                .field("function")
                .filter(|f| f.kind_str() == "attribute")
            else {
                continue;
            };
            let (Some(obj), Some(attr)) = (func.field("object"), func.field("attribute")) else {
                continue;
            };
            let method = text(src.text, attr);
            if !ROUTE_METHODS.contains(&method) || obj.kind_str() != "identifier" {
                continue;
            }
            let args = call
                .field("arguments")
                .map(named_children)
                .unwrap_or_default();
            let path = args.first().and_then(|a| string_value(src.text, *a));
            let mut methods = vec![method.to_ascii_uppercase()];
            if matches!(method, "route" | "api_route") {
                methods = args
                    .iter()
                    .filter(|a| a.kind_str() == "keyword_argument")
                    .filter(|a| {
                        a.field("name")
                            .is_some_and(|n| text(src.text, n) == "methods")
                    })
                    .filter_map(|a| a.field("value"))
                    .flat_map(named_children)
                    .filter_map(|s| string_value(src.text, s))
                    .map(|s| s.to_ascii_uppercase())
                    .collect();
                if methods.is_empty() {
                    methods = vec!["GET".into()];
                }
            }
            out.push(Handler {
                framework,
                name: def
                    .field("name")
                    .map(|n| text(src.text, n).to_owned())
                    .unwrap_or_default(),
                owner: text(src.text, obj).to_owned(),
                methods,
                path,
                range: item.byte_range(),
                function: def.byte_range(),
                call: Some(call.byte_range()),
            });
            break;
        }
    }
    out
}

/// Django views are functions taking `request` first; their paths come from urls.py beside.
fn django_handlers(src: &Source) -> Vec<Handler> {
    let routes = django_routes(src.path);
    let mut out = Vec::new();
    for item in named_children(src.tree.root_node()) {
        let def = match item.kind_str() {
            "function_definition" => Some(item),
            "decorated_definition" => item.field("definition"),
            _ => None,
        };
        let Some(def) = def.filter(|d| d.kind_str() == "function_definition") else {
            continue;
        };
        let first = def
            .field("parameters")
            .and_then(|p| p.named_child(0))
            .map(|p| text(src.text, p));
        if first != Some("request") {
            continue;
        }
        let name = def
            .field("name")
            .map(|n| text(src.text, n).to_owned())
            .unwrap_or_default();
        let methods = if text(src.text, item).contains("\"POST\"")
            || text(src.text, item).contains("'POST'")
        {
            vec!["POST".into()]
        } else {
            vec!["GET".into()]
        };
        out.push(Handler {
            framework: Framework::Django,
            path: routes.get(&name).cloned(),
            name,
            owner: "urlpatterns".into(),
            methods,
            range: item.byte_range(),
            function: def.byte_range(),
            call: None,
        });
    }
    out
}

/// View name → `/path/` from `path("...", views.name)` in the urls.py beside `views`.
pub fn django_routes(views: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(urls) = views.parent().map(|d| d.join("urls.py")) else {
        return out;
    };
    let Ok(t) = std::fs::read_to_string(&urls) else {
        return out;
    };
    let Some(tree) = parse::parse(Language::Python, &t, None) else {
        return out;
    };
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.kind_str() == "call" {
            let f = n.field("function").map(|f| text(&t, f));
            if matches!(f, Some("path") | Some("re_path")) {
                let args = n.field("arguments").map(named_children).unwrap_or_default();
                if let (Some(route), Some(view)) =
                    (args.first().and_then(|a| string_value(&t, *a)), args.get(1))
                {
                    let v = text(&t, *view);
                    let name = v.rsplit('.').next().unwrap_or(v);
                    out.entry(name.to_owned())
                        .or_insert_with(|| format!("/{}", route.trim_start_matches('^')));
                }
            }
        }
        stack.extend(named_children(n));
    }
    out
}

/// The statements routes are registered by: the module's, and (Fastify) those of the plugin
/// functions it defines (`module.exports = async function (fastify, opts) { … }`,
/// `async function routes(fastify) { … }`, `export default async function …`).
fn route_statements<'t>(src: &Source<'t>, framework: Framework) -> Vec<Node<'t>> {
    let top = named_children(src.tree.root_node());
    if framework != Framework::Fastify {
        return top;
    }
    let mut out = Vec::new();
    for stmt in top {
        out.push(stmt);
        let mut function = match stmt.kind_str() {
            "function_declaration" => Some(stmt),
            "export_statement" => stmt.field("declaration").or_else(|| stmt.field("value")),
            "expression_statement" => stmt
                .named_child(0)
                .filter(|a| a.kind_str() == "assignment_expression")
                .and_then(|a| a.field("right")),
            _ => None,
        };
        if let Some(f) = function.filter(|f| f.kind_str() == "call_expression") {
            // `module.exports = fp(async function (fastify) { … })`.
            function = f
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next());
        }
        let Some(f) = function.filter(|f| {
            matches!(
                f.kind_str(),
                "function_declaration" | "function_expression" | "function" | "arrow_function"
            )
        }) else {
            continue;
        };
        if let Some(body) = f
            .field("body")
            .filter(|b| b.kind_str() == "statement_block")
        {
            out.extend(named_children(body));
        }
    }
    out
}

/// Express, Koa (`router.get(path, …, async (ctx) => …)`) and Fastify (route shorthand,
/// `fastify.get(path, [options], async (request, reply) => …)`) routes.
fn node_handlers(src: &Source, framework: Framework) -> Vec<Handler> {
    let mut out = Vec::new();
    for stmt in route_statements(src, framework) {
        let Some(call) = stmt.named_child(0).filter(|n| {
            stmt.kind_str() == "expression_statement" && n.kind_str() == "call_expression"
        }) else {
            continue;
        };
        let Some(func) = call
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")
        else {
            continue;
        };
        let (Some(obj), Some(prop)) = (func.field("object"), func.field("property")) else {
            continue;
        };
        let method = text(src.text, prop);
        if !ROUTE_METHODS.contains(&method) || method == "route" || obj.kind_str() != "identifier" {
            continue;
        }
        let args = call
            .field("arguments")
            .map(named_children)
            .unwrap_or_default();
        let (Some(first), Some(last)) = (args.first(), args.last()) else {
            continue;
        };
        let Some(path) = string_value(src.text, *first) else {
            continue;
        };
        if !matches!(last.kind_str(), "arrow_function" | "function_expression") || args.len() < 2 {
            continue;
        }
        let slug: String = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_start_matches(':'))
            .collect::<Vec<_>>()
            .join("_");
        out.push(Handler {
            framework,
            name: format!("{method}_{}", if slug.is_empty() { "root" } else { &slug }),
            owner: text(src.text, obj).to_owned(),
            methods: vec![method.to_ascii_uppercase()],
            path: Some(path),
            range: stmt.byte_range(),
            function: last.byte_range(),
            call: Some(call.byte_range()),
        });
    }
    out
}

/// NestJS: the methods of a `@Controller(prefix)` class decorated `@Get(path)`, `@Post()`, …;
/// the path is the controller's prefix joined to the method's.
fn nest_handlers(src: &Source) -> Vec<Handler> {
    let decorator_call = |d: Node| -> Option<(String, Option<String>)> {
        let expr = d.named_child(0)?;
        let (f, args) = match expr.kind_str() {
            "call_expression" => (expr.field("function")?, expr.field("arguments")),
            _ => (expr, None),
        };
        let first = args.and_then(|a| named_children(a).into_iter().next());
        Some((
            text(src.text, f).to_owned(),
            first.and_then(|a| string_value(src.text, a)),
        ))
    };
    let join = |a: &str, b: &str| {
        let p: Vec<&str> = [a, b]
            .iter()
            .flat_map(|s| s.split('/'))
            .filter(|s| !s.is_empty())
            .collect();
        format!("/{}", p.join("/"))
    };
    let mut out = Vec::new();
    for stmt in named_children(src.tree.root_node()) {
        let class = match stmt.kind_str() {
            "class_declaration" => stmt,
            "export_statement" => match stmt.field("declaration") {
                Some(d) if d.kind_str() == "class_declaration" => d,
                _ => continue,
            },
            _ => continue,
        };
        let class_decorators: Vec<Node> = named_children(stmt)
            .into_iter()
            .chain(named_children(class))
            .filter(|n| n.kind_str() == "decorator")
            .collect();
        let Some(prefix) = class_decorators.iter().find_map(|d| {
            let (name, path) = decorator_call(*d)?;
            (name == "Controller").then(|| path.unwrap_or_default())
        }) else {
            continue;
        };
        let (Some(class_name), Some(body)) = (class.field("name"), class.field("body")) else {
            continue;
        };
        let mut pending: Vec<Node> = Vec::new();
        for member in named_children(body) {
            match member.kind_str() {
                "decorator" => pending.push(member),
                "method_definition" => {
                    let decorators = std::mem::take(&mut pending);
                    let route = decorators.iter().find_map(|d| {
                        let (name, path) = decorator_call(*d)?;
                        let method = match name.as_str() {
                            "Get" | "Post" | "Put" | "Patch" | "Delete" | "Head" | "Options" => {
                                name.to_ascii_uppercase()
                            }
                            _ => return None,
                        };
                        Some((method, path.unwrap_or_default(), *d))
                    });
                    let (Some((method, path, decorator)), Some(name)) =
                        (route, member.field("name"))
                    else {
                        continue;
                    };
                    let first = decorators.first().copied().unwrap_or(member);
                    out.push(Handler {
                        framework: Framework::NestJs,
                        name: text(src.text, name).to_owned(),
                        owner: text(src.text, class_name).to_owned(),
                        methods: vec![method],
                        path: Some(join(&prefix, &path)),
                        range: first.start_byte()..member.end_byte(),
                        function: member.byte_range(),
                        call: Some(decorator.byte_range()),
                    });
                }
                "comment" => {}
                _ => pending.clear(),
            }
        }
    }
    out
}

/// The node spanning exactly `range` (the smallest one; no `Node::parent` walks, which are
/// quadratic on large files).
fn node_at<'t>(src: &'t Source, range: &Range<usize>) -> Option<Node<'t>> {
    src.tree
        .root_node()
        .descendant_for_byte_range(range.start, range.end)
}

fn function_node<'t>(src: &'t Source, h: &Handler) -> Option<Node<'t>> {
    let n = node_at(src, &h.function)?;
    if n.kind_str() == "function_definition"
        || matches!(n.kind_str(), "arrow_function" | "function_expression")
    {
        return Some(n);
    }
    let mut c = n.walk();
    let found = n.named_children(&mut c).find(|c| {
        matches!(
            c.kind_str(),
            "function_definition" | "arrow_function" | "function_expression"
        )
    });
    found
}

pub fn applicable(src: &Source, h: &Handler) -> Vec<&'static str> {
    let mut out = Vec::new();
    if auth_edits(src, h).is_some() {
        out.push("auth");
    }
    if h.methods.iter().any(|m| m == "GET") && pagination_target(src, h).is_some() {
        out.push("pagination");
    }
    if h.framework == Framework::FastApi && response_model_edit(src, h).is_some() {
        out.push("responseModel");
    }
    out
}

pub fn generate(name: &str, src: &Source, h: &Handler) -> Result<Output> {
    let edits = match name {
        "auth" => auth_edits(src, h).ok_or_else(|| {
            super::ScaffoldError(
                "no sibling route in this file uses an authentication dependency, decorator or middleware that this one lacks".into(),
            )
        })?,
        "pagination" => pagination_edits(src, h).ok_or_else(|| {
            super::ScaffoldError(
                "found nothing to paginate: no `.all()` query, `select(...)`, `.find(...)`/`findAll(...)` or returned list in this handler (or it already reads limit/offset)".into(),
            )
        })?,
        "responseModel" => {
            if h.framework != Framework::FastApi {
                return err("`response_model` is a FastAPI route option");
            }
            vec![response_model_edit(src, h).ok_or_else(|| {
                super::ScaffoldError("no Pydantic schema for what this handler returns was found (looked for <Model>Read/Out/Response/Public/Schema in this file and its imports), or the route already declares one".into())
            })?]
        }
        _ => return err(format!("`{name}` is not a route generator")),
    };
    Ok(Output::edit(src.path, edits))
}

const AUTH_WORDS: &[&str] = &[
    "auth",
    "login",
    "user",
    "token",
    "jwt",
    "permission",
    "admin",
    "current",
    "verify",
    "api_key",
    "apikey",
    "session",
    "principal",
    "scope",
    "role",
    "protect",
    "guard",
    "passport",
];

fn auth_like(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    AUTH_WORDS.iter().any(|w| l.contains(w))
}

/// What a handler uses for authentication: parameter/decorator/middleware texts.
/// `item` is the handler's top-level statement (looked up by the caller: finding a node from
/// the root is linear in the number of top-level statements).
fn auth_of(src: &Source, h: &Handler, item: Node) -> Vec<String> {
    let Some(func) = item.descendant_for_byte_range(h.function.start, h.function.end) else {
        return Vec::new();
    };
    match h.framework {
        Framework::FastApi => {
            let mut found: Vec<String> = func
                .field("parameters")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| {
                    matches!(
                        p.kind_str(),
                        "default_parameter" | "typed_default_parameter"
                    )
                })
                .filter(|p| {
                    // `db: Session = Depends(get_db)`: a database session, not a login one.
                    let database = p.field("type").is_some_and(|t| {
                        let t = text(src.text, t);
                        let base = t.rsplit('.').next().unwrap_or(t);
                        matches!(
                            base,
                            "Session" | "AsyncSession" | "Connection" | "AsyncConnection"
                        )
                    });
                    !database
                        && p.field("value").is_some_and(|v| {
                            let t = text(src.text, v);
                            (t.starts_with("Depends(") || t.starts_with("Security("))
                                && auth_like(text(src.text, *p))
                        })
                })
                .map(|p| text(src.text, p).to_owned())
                .collect();
            // `@router.get(..., dependencies=[Depends(require_admin)])`, marked as such.
            let call = h
                .call
                .as_ref()
                .and_then(|c| item.descendant_for_byte_range(c.start, c.end));
            if let Some(list) = call.and_then(|c| keyword_value(src, c, "dependencies")) {
                found.extend(
                    named_children(list)
                        .into_iter()
                        .map(|d| text(src.text, d))
                        .filter(|t| auth_like(t))
                        .map(|t| format!("{DECORATOR_DEPENDENCY}{t}")),
                );
            }
            found
        }
        Framework::Flask | Framework::Django => Some(item)
            .filter(|n| n.kind_str() == "decorated_definition")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d.kind_str() == "decorator")
            .filter(|d| {
                !h.call
                    .as_ref()
                    .is_some_and(|c| d.byte_range().contains(&c.start))
            })
            .map(|d| text(src.text, d).to_owned())
            .filter(|t| auth_like(t) && !t.contains(".route(") && !t.contains("api_view"))
            .collect(),
        // Middleware (Koa) or a route options object (Fastify's `{ onRequest: [authenticate] }`)
        // between the path and the handler, like Express's.
        Framework::Express | Framework::Koa | Framework::Fastify => {
            let Some(call) = h
                .call
                .as_ref()
                .and_then(|c| item.descendant_for_byte_range(c.start, c.end))
            else {
                return Vec::new();
            };
            let args = call
                .field("arguments")
                .map(named_children)
                .unwrap_or_default();
            if args.len() < 3 {
                return Vec::new();
            }
            args[1..args.len() - 1]
                .iter()
                .map(|a| text(src.text, *a).to_owned())
                .filter(|t| auth_like(t))
                .collect()
        }
        // The method's decorators and its controller's: `@UseGuards(AuthGuard('jwt'))`, `@Roles(…)`.
        Framework::NestJs => {
            let class = src
                .text
                .match_indices(&format!("class {} ", h.owner))
                .map(|(i, _)| i)
                .find(|i| *i < h.range.start);
            let class_head = class.map_or("", |i| {
                let start = src.text[..i].rfind("\n\n").map_or(0, |j| j + 2);
                &src.text[start..i]
            });
            [class_head, &src.text[h.range.start..h.function.start]]
                .iter()
                .flat_map(|t| t.lines())
                .map(str::trim)
                .filter(|l| l.starts_with('@'))
                .filter(|l| l.starts_with("@UseGuards") || auth_like(l))
                .map(str::to_owned)
                .collect()
        }
        Framework::Hapi | Framework::NextJs => Vec::new(),
    }
}

/// The authentication a handler declares (dependencies, decorators, middleware).
pub fn auth_texts(src: &Source, h: &Handler) -> Vec<String> {
    node_at(src, &h.range).map_or_else(Vec::new, |item| auth_of(src, h, item))
}

/// Marks an auth dependency found in a route decorator's `dependencies=[...]`.
const DECORATOR_DEPENDENCY: &str = "dependencies:";

/// The value of keyword argument `name` of a call, if it is a list.
fn keyword_value<'t>(src: &Source, call: Node<'t>, name: &str) -> Option<Node<'t>> {
    call.field("arguments")
        .map(named_children)?
        .into_iter()
        .filter(|a| a.kind_str() == "keyword_argument")
        .find(|a| a.field("name").is_some_and(|n| text(src.text, n) == name))
        .and_then(|a| a.field("value"))
        .filter(|v| v.kind_str() == "list")
}

/// The authentication the most sibling routes use, if this handler lacks it.
fn auth_edits(src: &Source, h: &Handler) -> Option<Vec<Edit>> {
    let mine = auth_of(src, h, node_at(src, &h.range)?);
    let siblings: HashMap<usize, Handler> = handlers(src)
        .into_iter()
        .filter(|s| s.range != h.range)
        .map(|s| (s.range.start, s))
        .collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for item in named_children(src.tree.root_node()) {
        let Some(sib) = siblings.get(&item.start_byte()) else {
            continue;
        };
        for a in auth_of(src, sib, item) {
            match counts.iter_mut().find(|(t, _)| *t == a) {
                Some((_, n)) => *n += 1,
                None => counts.push((a, 1)),
            }
        }
    }
    let (wanted, _) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    // `user=Depends(f)` and `dependencies=[Depends(f)]` are the same authentication.
    let key = |s: &str| {
        let s = s.strip_prefix(DECORATOR_DEPENDENCY).unwrap_or(s);
        s.split_once('=').map_or(s, |(_, v)| v).trim().to_owned()
    };
    if mine.iter().any(|m| key(m) == key(&wanted)) {
        return None;
    }
    let func = function_node(src, h)?;
    match h.framework {
        Framework::FastApi => {
            if let Some(dep) = wanted.strip_prefix(DECORATOR_DEPENDENCY) {
                let call = node_at(src, h.call.as_ref()?)?;
                if let Some(list) = keyword_value(src, call, "dependencies") {
                    // Into the existing list, after its last element.
                    let at = list.end_byte() - 1;
                    let sep = if named_children(list).is_empty() {
                        ""
                    } else {
                        ", "
                    };
                    return Some(vec![Edit {
                        range: at..at,
                        content: format!("{sep}{dep}"),
                    }]);
                }
                let args = call.field("arguments")?;
                let at = args.end_byte() - 1;
                let sep = if named_children(args).is_empty() {
                    ""
                } else {
                    ", "
                };
                return Some(vec![Edit {
                    range: at..at,
                    content: format!("{sep}dependencies=[{dep}]"),
                }]);
            }
            let params = func.field("parameters")?;
            Some(vec![append_parameter(src, params, &wanted)])
        }
        Framework::Flask | Framework::Django => {
            // Innermost, right above `def`: the route decorator stays outermost.
            let at = line_start(src.text, func.start_byte());
            let indent = indent_of_line(src.text, func.start_byte());
            Some(vec![Edit {
                range: at..at,
                content: format!("{indent}{wanted}\n"),
            }])
        }
        Framework::Express => {
            let at = func.start_byte();
            Some(vec![Edit {
                range: at..at,
                content: format!("{wanted}, "),
            }])
        }
        Framework::Koa
        | Framework::NestJs
        | Framework::Fastify
        | Framework::Hapi
        | Framework::NextJs => None,
    }
}

/// Adds a parameter at the end of a Python parameter list (before `*args`/`**kwargs`).
fn append_parameter(src: &Source, params: Node, param: &str) -> Edit {
    let items = named_children(params);
    let last = items
        .iter()
        .rev()
        .find(|p| {
            !matches!(
                p.kind_str(),
                "list_splat_pattern" | "dictionary_splat_pattern"
            )
        })
        .copied();
    let before_splat = items.iter().find(|p| {
        matches!(
            p.kind_str(),
            "list_splat_pattern" | "dictionary_splat_pattern"
        )
    });
    if let Some(splat) = before_splat {
        return Edit {
            range: splat.start_byte()..splat.start_byte(),
            content: format!("{param}, "),
        };
    }
    let Some(last) = last else {
        let at = params.start_byte() + 1;
        return Edit {
            range: at..at,
            content: param.to_owned(),
        };
    };
    let multiline = text(src.text, params).contains('\n');
    if multiline {
        let indent = indent_of_line(src.text, last.start_byte());
        let after = &src.text[last.end_byte()..params.end_byte()];
        if after.trim_start().starts_with(',') {
            let at = last.end_byte() + after.find(',').unwrap_or(0) + 1;
            return Edit {
                range: at..at,
                content: format!("\n{indent}{param},"),
            };
        }
        return Edit {
            range: last.end_byte()..last.end_byte(),
            content: format!(",\n{indent}{param}"),
        };
    }
    Edit {
        range: last.end_byte()..last.end_byte(),
        content: format!(", {param}"),
    }
}

/// The first statement of a body (after a docstring) and its indent.
fn body_start(src: &Source, func: Node) -> Option<(usize, String)> {
    let body = func.field("body")?;
    if !matches!(body.kind_str(), "block" | "statement_block") {
        return None;
    }
    let stmts = named_children(body);
    let first = stmts.iter().find(|s| {
        !(s.kind_str() == "comment"
            || (s.kind_str() == "expression_statement"
                && s.named_child(0).is_some_and(|n| n.kind_str() == "string")
                && src.family() == Family::Python))
    })?;
    Some((
        line_start(src.text, first.start_byte()),
        indent_of_line(src.text, first.start_byte()).to_owned(),
    ))
}

/// Where the page is applied: a query, a select, a find, or the returned list.
fn paginate_query(src: &Source, func: Node, django: bool) -> Option<Edit> {
    let nodes = super::descendants(func);
    let called = |n: &Node, name: &str| {
        n.kind_str() == "call" || n.kind_str() == "call_expression"
    } && n.field("function").is_some_and(|f| {
        let t = text(src.text, f);
        t == name || t.ends_with(&format!(".{name}"))
    });
    if src.family() == Family::Python {
        if let Some(all) = nodes.iter().find(|n| called(n, "all")) {
            if django {
                let at = all.end_byte();
                return Some(Edit {
                    range: at..at,
                    content: "[offset : offset + limit]".into(),
                });
            }
            let f = all.field("function")?;
            let dot = f.field("attribute")?.start_byte() - 1;
            return Some(Edit {
                range: dot..dot,
                content: ".offset(offset).limit(limit)".into(),
            });
        }
        if let Some(sel) = nodes.iter().find(|n| called(n, "select")) {
            let at = sel.end_byte();
            return Some(Edit {
                range: at..at,
                content: ".offset(offset).limit(limit)".into(),
            });
        }
        let ret = nodes.iter().find(|n| n.kind_str() == "return_statement")?;
        let value = ret
            .named_child(0)
            .filter(|v| matches!(v.kind_str(), "identifier" | "attribute"))?;
        let at = value.end_byte();
        return Some(Edit {
            range: at..at,
            content: "[offset : offset + limit]".into(),
        });
    }
    if let Some(find) = nodes.iter().find(|n| called(n, "find")) {
        let at = find.end_byte();
        return Some(Edit {
            range: at..at,
            content: ".skip(offset).limit(limit)".into(),
        });
    }
    if let Some(fa) = nodes
        .iter()
        .find(|n| called(n, "findAll") || called(n, "findAndCountAll"))
    {
        let args = fa.field("arguments")?;
        let items = named_children(args);
        return match items.first() {
            None => Some(Edit {
                range: args.start_byte() + 1..args.start_byte() + 1,
                content: "{ limit, offset }".into(),
            }),
            Some(o) if o.kind_str() == "object" => {
                let at = o.start_byte() + 1;
                Some(Edit {
                    range: at..at,
                    content: " limit, offset,".into(),
                })
            }
            _ => None,
        };
    }
    let json = nodes
        .iter()
        .find(|n| called(n, "json") || called(n, "send"))?;
    let arg = json
        .field("arguments")
        .and_then(|a| a.named_child(0))
        .filter(|a| matches!(a.kind_str(), "identifier" | "member_expression"))?;
    let at = arg.end_byte();
    Some(Edit {
        range: at..at,
        content: ".slice(offset, offset + limit)".into(),
    })
}

/// The handler's function and the edit applying the page, when the route can be paginated.
fn pagination_target<'t>(src: &'t Source, h: &Handler) -> Option<(Node<'t>, Edit)> {
    // Only collections are paginated: a path with a parameter names one resource.
    if h.path
        .as_deref()
        .is_some_and(|p| p.contains(['{', '<', ':']))
    {
        return None;
    }
    let func = function_node(src, h)?;
    let ftext = text(src.text, func);
    if ftext.contains("offset") || ftext.contains("limit") {
        return None;
    }
    if h.framework != Framework::FastApi {
        body_start(src, func)?;
    }
    let django_orm = src.text.contains("from django") || src.text.contains(".objects.");
    Some((func, paginate_query(src, func, django_orm)?))
}

fn pagination_edits(src: &Source, h: &Handler) -> Option<Vec<Edit>> {
    let (func, query) = pagination_target(src, h)?;
    let style = Style::detect(src);
    let mut edits = vec![query];
    let render_imports = |lines: &[&str]| {
        let v: Vec<String> = lines
            .iter()
            .map(|l| style.render(l, "").trim_end().to_owned())
            .collect();
        imports_edit(src, &v)
    };
    match h.framework {
        Framework::FastApi => {
            let params = func.field("parameters")?;
            edits.push(append_parameter(
                src,
                params,
                "limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)",
            ));
            edits.extend(render_imports(&["from fastapi import Query"]));
        }
        Framework::Flask => {
            let (at, indent) = body_start(src, func)?;
            let code = "limit = min(max(request.args.get(\"limit\", 20, type=int), 1), 100)\noffset = max(request.args.get(\"offset\", 0, type=int), 0)\n";
            edits.push(Edit {
                range: at..at,
                content: style.render(code, &indent),
            });
            edits.extend(render_imports(&["from flask import request"]));
        }
        Framework::Django => {
            let (at, indent) = body_start(src, func)?;
            let code = "try:\n    limit = min(max(int(request.GET.get(\"limit\", 20)), 1), 100)\n    offset = max(int(request.GET.get(\"offset\", 0)), 0)\nexcept ValueError:\n    return JsonResponse({\"error\": \"limit and offset must be integers\"}, status=400)\n";
            edits.push(Edit {
                range: at..at,
                content: style.render(code, &indent),
            });
            edits.extend(render_imports(&["from django.http import JsonResponse"]));
        }
        Framework::Express => {
            let req = func
                .field("parameters")
                .and_then(|p| p.named_child(0))
                .or_else(|| func.field("parameter"))
                .map(|p| {
                    text(src.text, p)
                        .split(':')
                        .next()
                        .unwrap_or("req")
                        .trim()
                        .to_owned()
                })
                .unwrap_or_else(|| "req".into());
            let (at, indent) = body_start(src, func)?;
            let code = format!("const limit = Math.min(Math.max(Number.parseInt(String({req}.query.limit), 10) || 20, 1), 100);\nconst offset = Math.max(Number.parseInt(String({req}.query.offset), 10) || 0, 0);\n");
            edits.push(Edit {
                range: at..at,
                content: style.render(&code, &indent),
            });
        }
        Framework::Koa
        | Framework::NestJs
        | Framework::Fastify
        | Framework::Hapi
        | Framework::NextJs => return None,
    }
    Some(edits)
}

/// `response_model=<Schema>` on a FastAPI route whose schema can be found.
fn response_model_edit(src: &Source, h: &Handler) -> Option<Edit> {
    let call = node_at(src, h.call.as_ref()?)?;
    if text(src.text, call).contains("response_model") {
        return None;
    }
    let func = function_node(src, h)?;
    if func.field("return_type").is_some() {
        // FastAPI already uses the return annotation as the response model.
        return None;
    }
    let entity = returned_entity(src, func, h)?;
    let names = visible_class_names(src);
    let schema = ["Read", "Out", "Response", "Public", "Schema"]
        .iter()
        .map(|s| format!("{entity}{s}"))
        .find(|n| names.contains(n))?;
    let many = h.path.as_deref().is_some_and(|p| !p.contains('{'))
        && text(src.text, func).contains(".all()");
    let model = if many {
        format!("list[{schema}]")
    } else {
        schema
    };
    let args = call.field("arguments")?;
    let items = named_children(args);
    let last = items.last()?;
    let after = &src.text[last.end_byte()..args.end_byte()];
    let content = if after.trim_start().starts_with(',') && text(src.text, args).contains('\n') {
        let indent = indent_of_line(src.text, last.start_byte());
        let at = last.end_byte() + after.find(',')? + 1;
        return Some(Edit {
            range: at..at,
            content: format!("\n{indent}response_model={model},"),
        });
    } else {
        format!(", response_model={model}")
    };
    Some(Edit {
        range: last.end_byte()..last.end_byte(),
        content,
    })
}

/// The model a handler returns: from `db.get(Item, …)`, `query(Item)`, `select(Item)`,
/// `Item(...)`, or else from the path (`/items/{id}` → `Item`).
fn returned_entity(src: &Source, func: Node, h: &Handler) -> Option<String> {
    for n in super::descendants(func) {
        if n.kind_str() != "call" {
            continue;
        }
        let f = n.field("function").map(|f| text(src.text, f)).unwrap_or("");
        let last = f.rsplit('.').next().unwrap_or(f);
        if matches!(
            last,
            "get" | "query" | "select" | "get_or_404" | "first_or_404"
        ) || f.ends_with("get")
        {
            if let Some(arg) = n.field("arguments").and_then(|a| a.named_child(0)) {
                let t = text(src.text, arg);
                if arg.kind_str() == "identifier" && t.starts_with(|c: char| c.is_uppercase()) {
                    return Some(t.to_owned());
                }
            }
        }
    }
    let seg = h
        .path
        .as_deref()?
        .split('/')
        .find(|s| !s.is_empty() && !s.starts_with('{'))?;
    let singular = seg
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| seg.strip_suffix('s').map(str::to_owned))
        .unwrap_or_else(|| seg.to_owned());
    let mut c = singular.chars();
    Some(c.next()?.to_uppercase().chain(c).collect())
}

/// Class names defined or imported in the file.
fn visible_class_names(src: &Source) -> Vec<String> {
    let mut out = Vec::new();
    for n in named_children(src.tree.root_node()) {
        match n.kind_str() {
            "class_definition" => out.extend(n.field("name").map(|x| text(src.text, x).to_owned())),
            "import_from_statement" => {
                for c in named_children(n).into_iter().skip(1) {
                    let t = text(src.text, c);
                    let t = t.rsplit(" as ").next().unwrap_or(t);
                    out.push(t.trim().to_owned());
                }
            }
            _ => {}
        }
    }
    out
}
