//! Next.js routes, which come from where files are rather than from calls: API routes
//! (`pages/api/users/[id].ts`, a default-exported `handler(req, res)`) and App Router route
//! handlers (`app/api/users/[id]/route.ts`, exported `GET`/`POST`/… functions), and the
//! project's `middleware.ts` with its `config.matcher`.
//!
//! Every route of one Next.js project hangs off the owner `next:<project dir>`, which the
//! index resolves to the same id from every file (`NEXT_OWNER`), so ARC101/ARC102 compare
//! routes across files. A Next.js project is no application object: no ARC103.
//!
//! Authentication is read conservatively (ARC102 must not report a route a reviewer would
//! accept): a handler is protected when it calls an authentication function (`auth()`,
//! `getServerSession`, `getToken`, `currentUser`, Supabase `auth.getUser`, anything
//! `is_auth_name` accepts), is wrapped in one (`withApiAuthRequired(handler)`), reads the
//! `Authorization` header, or answers 401/403 itself; and when an authenticating
//! `middleware.ts` matches its path.

use ba_analysis::{named_children, text};
use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::facts::*;

/// The prefix of the owner every route of a Next.js project is registered on.
pub const NEXT_OWNER: &str = "next:";

/// The methods an App Router route file may export.
const VERBS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Functions whose call authenticates the caller (beside what `is_auth_name` accepts).
const AUTH_CALLS: &[&str] = &[
    "getServerSession",
    "getSession",
    "unstable_getServerSession",
    "getToken",
    "currentUser",
    "getAuth",
    "getUser",
    "getKindeServerSession",
    "getIronSession",
    "withIronSessionApiRoute",
    "validateRequest",
    "withApiAuthRequired",
    "getAccessToken",
    "requireSession",
    "clerkClient",
];

/// What kind of Next.js file `path` is: (project dir, route path) for routes, or the project
/// dir of a middleware file.
enum Kind {
    Pages(String, String),
    App(String, String),
    Middleware(String),
}

fn stem_ext(path: &str) -> Option<(&str, &str, &str)> {
    let (dir, file) = path.rsplit_once('/')?;
    let (stem, ext) = file.rsplit_once('.')?;
    if !matches!(ext, "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs") || stem.ends_with(".d") {
        return None;
    }
    Some((dir, stem, ext))
}

fn project_dir(before: &str) -> String {
    before.strip_suffix("/src").unwrap_or(before).to_owned()
}

/// `[id]` → `:id`, `[...slug]`/`[[...slug]]` → `:slug*`; `None` for a segment that makes the
/// file no route (a private `_folder`, an intercepting `(.)` route).
fn segment(s: &str) -> Option<Option<String>> {
    if s.starts_with('_') || s.starts_with("(.") {
        return None;
    }
    // Route groups `(admin)` and parallel-route slots `@modal` are not in the URL.
    if (s.starts_with('(') && s.ends_with(')')) || s.starts_with('@') {
        return Some(None);
    }
    let inner = s
        .strip_prefix("[[")
        .and_then(|x| x.strip_suffix("]]"))
        .or_else(|| s.strip_prefix('[').and_then(|x| x.strip_suffix(']')));
    Some(Some(match inner {
        Some(name) => match name.strip_prefix("...") {
            Some(rest) => format!(":{rest}*"),
            None => format!(":{name}"),
        },
        None => s.to_owned(),
    }))
}

fn url(segments: &[&str]) -> Option<String> {
    let mut out = String::new();
    for s in segments.iter().filter(|s| !s.is_empty()) {
        if let Some(part) = segment(s)? {
            out.push('/');
            out.push_str(&part);
        }
    }
    Some(if out.is_empty() { "/".to_owned() } else { out })
}

fn kind(path: &str) -> Option<Kind> {
    let path = path.replace('\\', "/");
    let (dir, stem, _) = stem_ext(&path)?;
    if let Some(i) = path.rfind("/pages/api/") {
        if stem.starts_with('_') {
            return None;
        }
        let rel = &path[i + "/pages".len()..];
        let rel = rel.rsplit_once('.').map_or(rel, |(r, _)| r);
        let rel = rel.strip_suffix("/index").unwrap_or(rel);
        let segments: Vec<&str> = rel.split('/').collect();
        return Some(Kind::Pages(project_dir(&path[..i]), url(&segments)?));
    }
    if stem == "route" {
        let i = path
            .find("/src/app/")
            .map(|i| i + 4)
            .or_else(|| path.rfind("/app/"))?;
        let rel = &dir[i + "/app".len()..];
        let segments: Vec<&str> = rel.split('/').collect();
        return Some(Kind::App(project_dir(&path[..i]), url(&segments)?));
    }
    if stem == "middleware" {
        return Some(Kind::Middleware(project_dir(dir)));
    }
    None
}

/// Adds the Next.js routes (or middleware) of the file at `path` to its facts.
pub(crate) fn extract(root: Node, src: &str, path: &str, facts: &mut FileFacts) {
    let Some(kind) = kind(path) else {
        return;
    };
    match kind {
        Kind::Pages(project, route) => pages(root, src, &project, &route, facts),
        Kind::App(project, route) => app_route(root, src, &project, &route, facts),
        Kind::Middleware(project) => middleware(root, src, &project, facts),
    }
}

fn is_function(n: Node) -> bool {
    matches!(
        n.kind_str(),
        "arrow_function" | "function_expression" | "function" | "function_declaration"
    )
}

/// A top-level function or `const name = …` named `name`.
fn top_level<'t>(root: Node<'t>, src: &str, name: &str) -> Option<Node<'t>> {
    for item in named_children(root) {
        let decl = if item.kind_str() == "export_statement" {
            match item.field("declaration") {
                Some(d) => d,
                None => continue,
            }
        } else {
            item
        };
        match decl.kind_str() {
            "function_declaration" if decl.field("name").is_some_and(|n| text(n, src) == name) => {
                return Some(decl)
            }
            "lexical_declaration" | "variable_declaration" => {
                for d in named_children(decl) {
                    if d.kind_str() == "variable_declarator"
                        && d.field("name").is_some_and(|n| text(n, src) == name)
                    {
                        return d.field("value");
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Unwraps `withAuth(withCors(handler))`: the function (looked up by name at the top level)
/// and the wrappers' names, outermost first. Bounded: wrappers nest a few levels.
fn unwrap<'t>(root: Node<'t>, src: &str, mut n: Node<'t>) -> Option<(Node<'t>, Vec<String>)> {
    let mut wrappers = Vec::new();
    for _ in 0..8 {
        match n.kind_str() {
            _ if is_function(n) => return Some((n, wrappers)),
            "identifier" => n = top_level(root, src, text(n, src))?,
            "call_expression" => {
                let f = n.field("function")?;
                wrappers.push(text(f, src).to_owned());
                n = n.field("arguments").and_then(|a| {
                    named_children(a)
                        .into_iter()
                        .find(|c| c.kind_str() != "comment")
                })?;
            }
            "parenthesized_expression" | "as_expression" | "satisfies_expression" => {
                n = n.named_child(0)?
            }
            _ => return None,
        }
    }
    None
}

/// Whether a call or wrapper authenticates (precision first: a project's `withSession`,
/// `requireRole`, `protectedRoute` count).
fn authenticates(callee: &str) -> bool {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    let lower = last.to_ascii_lowercase();
    AUTH_CALLS.contains(&last)
        || is_auth_name(callee)
        || ["session", "protect", "role", "signedin", "loggedin"]
            .iter()
            .any(|w| lower.contains(w))
}

/// The authentication a handler does itself, as chain entries.
fn auth_deps(function: Node, src: &str, wrappers: &[String]) -> Vec<String> {
    let mut deps: Vec<String> = wrappers
        .iter()
        .filter(|w| authenticates(w))
        .map(|w| format!("auth: {w}()"))
        .collect();
    let body = function.field("body").unwrap_or(function);
    let mut stack = vec![body];
    let mut cursor = body.walk();
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 20_000 {
            break;
        }
        match n.kind_str() {
            "call_expression" => {
                if let Some(f) = n.field("function") {
                    let callee = text(f, src);
                    if authenticates(callee) {
                        let dep = format!("auth: {callee}()");
                        if !deps.contains(&dep) {
                            deps.push(dep);
                        }
                    }
                }
            }
            "string" | "template_string" => {
                let t = text(n, src).to_ascii_lowercase();
                if t.contains("authorization") || t.contains("unauthorized") {
                    push_once(&mut deps, "auth: checks the caller");
                }
            }
            "number" if matches!(text(n, src), "401" | "403") => {
                push_once(&mut deps, "auth: checks the caller");
            }
            "property_identifier" if text(n, src).eq_ignore_ascii_case("authorization") => {
                push_once(&mut deps, "auth: checks the caller");
            }
            _ => {}
        }
        for c in n.named_children(&mut cursor) {
            stack.push(c);
        }
    }
    deps
}

fn push_once(deps: &mut Vec<String>, dep: &str) {
    if !deps.iter().any(|d| d == dep) {
        deps.push(dep.to_owned());
    }
}

/// The methods a Pages API handler answers: the literals it compares `req.method` with
/// (`if (req.method !== "POST")`, `switch (req.method) { case "GET": … }`,
/// `["GET", "HEAD"].includes(req.method)`); `ANY` when it does not look.
fn pages_methods(function: Node, src: &str) -> Vec<String> {
    let body = function.field("body").unwrap_or(function);
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let m = s.to_ascii_uppercase();
        if VERBS.contains(&m.as_str()) && !out.contains(&m) {
            out.push(m);
        }
    };
    let method_of = |n: Node| {
        let t = text(n, src).trim_start_matches('(').trim_end_matches(')');
        t.ends_with(".method") || t == "method"
    };
    let mut stack = vec![body];
    let mut cursor = body.walk();
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 20_000 {
            break;
        }
        match n.kind_str() {
            "binary_expression" => {
                if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                    for (a, b) in [(l, r), (r, l)] {
                        if method_of(a) {
                            if let Some(s) = lit(b, src) {
                                push(s);
                            }
                        }
                    }
                }
            }
            "switch_statement" if n.field("value").is_some_and(&method_of) => {
                let mut inner = vec![n];
                while let Some(x) = inner.pop() {
                    if x.kind_str() == "switch_case" {
                        if let Some(s) = x.field("value").and_then(|v| lit(v, src)) {
                            push(s);
                        }
                    }
                    if matches!(x.kind_str(), "switch_statement" | "switch_body") {
                        inner.extend(named_children(x));
                    }
                }
            }
            "call_expression" => {
                // `["GET", "HEAD"].includes(req.method)`.
                let f = n.field("function");
                let args = n.field("arguments").map(named_children).unwrap_or_default();
                if f.and_then(|f| f.field("property"))
                    .is_some_and(|p| text(p, src) == "includes")
                    && args.first().is_some_and(|a| method_of(*a))
                {
                    if let Some(arr) = f.and_then(|f| f.field("object")) {
                        for x in named_children(arr) {
                            if let Some(s) = lit(x, src) {
                                push(s);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        for c in n.named_children(&mut cursor) {
            stack.push(c);
        }
    }
    if out.is_empty() {
        vec!["ANY".to_owned()]
    } else {
        out.sort();
        out
    }
}

fn lit<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    match n.kind_str() {
        "string" => {
            let t = text(n, src);
            t.get(1..t.len().saturating_sub(1))
        }
        _ => None,
    }
}

fn params(route: &str) -> Vec<String> {
    route
        .split('/')
        .filter_map(|s| s.strip_prefix(':'))
        .map(|s| s.trim_end_matches('*').to_owned())
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn push_route(
    facts: &mut FileFacts,
    project: &str,
    route: &str,
    methods: Vec<String>,
    handler: String,
    deps: Vec<String>,
    at: Node,
    handler_node: Node,
) {
    let order = facts.routes.len() + facts.mounts.len() + 1;
    facts.routes.push(Route {
        owner: format!("{NEXT_OWNER}{project}"),
        framework: Framework::NextJs,
        methods,
        path: route.to_owned(),
        handler,
        deps,
        params: params(route),
        order,
        span: Span(at.byte_range()),
        handler_span: Span(handler_node.byte_range()),
        handler_full: Span(handler_node.byte_range()),
    });
}

fn function_name(f: Node, src: &str, fallback: &str) -> String {
    f.field("name")
        .map_or_else(|| fallback.to_owned(), |n| text(n, src).to_owned())
}

/// `export default function handler(req, res)`, `export default withAuth(handler)`.
fn pages(root: Node, src: &str, project: &str, route: &str, facts: &mut FileFacts) {
    for item in named_children(root) {
        if item.kind_str() != "export_statement"
            || !(0..item.child_count())
                .filter_map(|i| item.child(i))
                .any(|c| c.kind_str() == "default")
        {
            continue;
        }
        let Some(value) = item.field("declaration").or_else(|| item.field("value")) else {
            continue;
        };
        let Some((function, wrappers)) = unwrap(root, src, value) else {
            continue;
        };
        // `handler(req, res)`: a request and a response (or one destructured request).
        let count = ba_analysis::routes::js_params(function, src).len();
        if count == 0 || count > 2 {
            continue;
        }
        let deps = auth_deps(function, src, &wrappers);
        let name = match value.kind_str() {
            "identifier" => text(value, src).to_owned(),
            _ => function_name(function, src, "handler"),
        };
        let methods = pages_methods(function, src);
        push_route(facts, project, route, methods, name, deps, value, function);
    }
}

/// `export async function GET(request)`, `export const POST = auth(async (req) => …)`,
/// `export { handler as GET, handler as POST }`.
fn app_route(root: Node, src: &str, project: &str, route: &str, facts: &mut FileFacts) {
    for item in named_children(root) {
        if item.kind_str() != "export_statement" {
            continue;
        }
        let mut found: Vec<(String, Node, Node)> = Vec::new();
        if let Some(d) = item.field("declaration") {
            match d.kind_str() {
                "function_declaration" => {
                    if let Some(n) = d.field("name") {
                        found.push((text(n, src).to_owned(), d, d));
                    }
                }
                "lexical_declaration" | "variable_declaration" => {
                    for v in named_children(d) {
                        let (Some(n), Some(value)) = (v.field("name"), v.field("value")) else {
                            continue;
                        };
                        if n.kind_str() == "object_pattern" {
                            // Auth.js v5: `export const { GET, POST } = handlers`.
                            for p in named_children(n) {
                                if p.kind_str() == "shorthand_property_identifier_pattern" {
                                    found.push((text(p, src).to_owned(), p, value));
                                }
                            }
                        } else {
                            found.push((text(n, src).to_owned(), v, value));
                        }
                    }
                }
                _ => {}
            }
        }
        for clause in named_children(item)
            .into_iter()
            .filter(|c| c.kind_str() == "export_clause")
        {
            for spec in named_children(clause) {
                let Some(name) = spec.field("name") else {
                    continue;
                };
                let exported = spec.field("alias").unwrap_or(name);
                if let Some(value) = top_level(root, src, text(name, src)) {
                    found.push((text(exported, src).to_owned(), spec, value));
                }
            }
        }
        for (verb, at, value) in found {
            if !VERBS.contains(&verb.as_str()) {
                continue;
            }
            let Some((function, wrappers)) = unwrap(root, src, value) else {
                // A handler a library makes (`const handler = NextAuth(authOptions)`, Auth.js
                // v5's `handlers`): a route whose code we cannot read.
                if let Some(deps) = made_handler(root, src, route, value) {
                    push_route(
                        facts,
                        project,
                        route,
                        vec![verb.clone()],
                        verb,
                        deps,
                        at,
                        value,
                    );
                }
                continue;
            };
            let deps = auth_deps(function, src, &wrappers);
            push_route(
                facts,
                project,
                route,
                vec![verb.clone()],
                verb,
                deps,
                at,
                function,
            );
        }
    }
}

/// The chain of a route handler a library call makes, when `value` is one: `NextAuth(options)`
/// (through a top-level `const handler = …`), `handlers` or `auth.handlers` (Auth.js v5), or
/// another factory's result (`toNextJsHandler(auth)`). The sign-in endpoint of an
/// authentication library is public by design.
fn made_handler(root: Node, src: &str, route: &str, value: Node) -> Option<Vec<String>> {
    let mut n = value;
    for _ in 0..4 {
        match n.kind_str() {
            "identifier" => match top_level(root, src, text(n, src)) {
                Some(v) => n = v,
                // Imported (`import { handlers } from "@/auth"`).
                None => break,
            },
            "parenthesized_expression" | "as_expression" | "satisfies_expression" => {
                n = n.named_child(0)?
            }
            _ => break,
        }
    }
    let factory = match n.kind_str() {
        "call_expression" => text(n.field("function")?, src),
        "identifier" | "member_expression" => text(n, src),
        _ => return None,
    };
    if factory.len() > 80 || factory.contains('\n') {
        return None;
    }
    // `NextAuth(…)`, `auth.handlers`, or any factory serving `/api/auth/…` (better-auth's
    // `toNextJsHandler(auth)`).
    let auth_library = factory.to_ascii_lowercase().contains("auth")
        || route.split('/').any(|s| {
            s.trim_start_matches(':')
                .to_ascii_lowercase()
                .contains("auth")
        });
    Some(if auth_library {
        // Named without the factory: `NextAuth` would read as authentication.
        vec!["public: sign-in endpoint".to_owned()]
    } else {
        Vec::new()
    })
}

/// An authenticating `middleware.ts`: a mount on the project's owner whose prefix is each
/// `config.matcher` path as `matcher:<path>` (none: every route).
fn middleware(root: Node, src: &str, project: &str, facts: &mut FileFacts) {
    let lower = src.to_ascii_lowercase();
    let authenticates = [
        "auth", "session", "token", "clerk", "jwt", "signin", "login",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let exports = lower.contains("export default")
        || lower.contains("export function middleware")
        || lower.contains("export async function middleware")
        || lower.contains("export const middleware")
        || lower.contains("export { default }");
    if !authenticates || !exports {
        return;
    }
    let mut matchers: Vec<String> = Vec::new();
    let mut any = false;
    if let Some(config) = top_level(root, src, "config") {
        let matcher = named_children(config)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
            .find(|p| p.field("key").is_some_and(|k| text(k, src) == "matcher"))
            .and_then(|p| p.field("value"));
        match matcher {
            Some(m) if m.kind_str() == "array" => {
                for x in named_children(m) {
                    match lit(x, src) {
                        Some(s) => matchers.push(s.to_owned()),
                        None => any = true,
                    }
                }
            }
            Some(m) => match lit(m, src) {
                Some(s) => matchers.push(s.to_owned()),
                None => any = true,
            },
            None => any = true,
        }
    } else {
        any = true;
    }
    let file = "middleware.ts".to_owned();
    let prefixes: Vec<Option<String>> = if any || matchers.is_empty() {
        vec![None]
    } else {
        matchers
            .into_iter()
            .map(|m| Some(format!("matcher:{m}")))
            .collect()
    };
    for prefix in prefixes {
        let order = facts.routes.len() + facts.mounts.len() + 1;
        facts.mounts.push(Mount {
            parent: format!("{NEXT_OWNER}{project}"),
            children: Vec::new(),
            prefix,
            deps: vec![format!("auth: {file}")],
            order,
            span: Span(root.byte_range()),
        });
    }
}

/// Whether a `middleware.ts` matcher (`/api/admin/:path*`, `/dashboard/(.*)`) covers `path`:
/// a matcher with a regular expression group covers everything (precision first: it usually
/// excludes only static files), otherwise its literal head must be a prefix of the path.
pub fn matcher_covers(matcher: &str, path: &str) -> bool {
    if matcher.contains('(') {
        return true;
    }
    let head = matcher
        .split(':')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    path == head || path.starts_with(&format!("{head}/")) || head.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route_of(path: &str) -> Option<String> {
        match kind(path)? {
            Kind::Pages(_, r) | Kind::App(_, r) => Some(r),
            Kind::Middleware(_) => None,
        }
    }

    #[test]
    fn file_paths_become_routes() {
        assert_eq!(
            route_of("/p/pages/api/users/[id].ts").unwrap(),
            "/api/users/:id"
        );
        assert_eq!(
            route_of("/p/src/pages/api/users/index.js").unwrap(),
            "/api/users"
        );
        assert_eq!(
            route_of("/p/pages/api/files/[...path].ts").unwrap(),
            "/api/files/:path*"
        );
        assert_eq!(route_of("/p/pages/api/_utils.ts"), None);
        assert_eq!(
            route_of("/p/app/(shop)/api/orders/[orderId]/route.ts").unwrap(),
            "/api/orders/:orderId"
        );
        assert_eq!(
            route_of("/p/src/app/api/[[...slug]]/route.ts").unwrap(),
            "/api/:slug*"
        );
        assert_eq!(route_of("/p/app/_lib/route.ts"), None);
        assert_eq!(route_of("/p/app/page.tsx"), None);
        assert!(matches!(kind("/p/src/middleware.ts"), Some(Kind::Middleware(p)) if p == "/p"));
        assert!(matcher_covers("/api/admin/:path*", "/api/admin/users"));
        assert!(!matcher_covers("/api/admin/:path*", "/api/posts"));
        assert!(matcher_covers("/((?!_next/static).*)", "/api/posts"));
        assert!(authenticates("withSessionRoute"));
        assert!(authenticates("getServerSession"));
        assert!(authenticates("requireRole"));
        assert!(!authenticates("prisma.post.findMany"));
    }
}
