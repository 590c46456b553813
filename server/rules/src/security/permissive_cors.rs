//! SEC404 permissive-cors: CORS that lets every origin read responses.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{calls_in, configuring_scope, imports_any, js_args, Props};
use super::settings;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, Arguments, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC404",
    name: "permissive-cors",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[942],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary:
        "CORS allows every origin (worst with credentials); list the origins that may call the API.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_assignment,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

const CORS_MIDDLEWARE: &[&str] = &[
    "starlette.middleware.cors.CORSMiddleware",
    "fastapi.middleware.cors.CORSMiddleware",
];
const STARLETTE_MIDDLEWARE: &[&str] = &["starlette.middleware.Middleware"];
const FLASK_CORS: &[&str] = &["flask_cors.CORS"];
const CROSS_ORIGIN: &[&str] = &["flask_cors.cross_origin"];

/// django-cors-headers settings: two switches (current and old name), then two regex lists.
const DJANGO_SETTINGS: &[&str] = &[
    "CORS_ALLOW_ALL_ORIGINS",
    "CORS_ORIGIN_ALLOW_ALL",
    "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ORIGIN_REGEX_WHITELIST",
];

const OPEN: &str = "every website can read this API's responses in its visitors' browsers, which is only right for public data served without cookies; list the trusted origins";
const OPEN_WITH_CREDENTIALS: &str = "every website can send requests with your users' cookies and read the responses; list the trusted origins";

/// django-cors-headers settings.
fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(setting) = settings::assigned(checker, caps, DJANGO_SETTINGS) else {
        return;
    };
    let open = if DJANGO_SETTINGS[..2].contains(&setting.name) {
        setting.value.kind_str() == "true"
    } else {
        literal_strings(checker, setting.value).any(matches_every_origin)
    };
    if open {
        let snippet = super::callee(checker.text(setting.node));
        checker.report(
            setting.node,
            format!("`{snippet}` allows every origin: {OPEN} (`CORS_ALLOWED_ORIGINS`)"),
        );
    }
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if checker.resolve_callee(func, FLASK_CORS).is_some() {
        check_flask_cors(checker, func, &checker.arguments(args_node), "CORS");
        return;
    }
    if checker.resolve_callee(func, CROSS_ORIGIN).is_some() {
        check_flask_cors(checker, func, &checker.arguments(args_node), "cross_origin");
        return;
    }
    // `CORSMiddleware(app, ...)` directly, or `app.add_middleware(CORSMiddleware, ...)` /
    // `Middleware(CORSMiddleware, ...)`.
    let direct = checker.resolve_callee(func, CORS_MIDDLEWARE).is_some();
    let add_middleware = func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "add_middleware");
    if !direct && !add_middleware && checker.resolve_callee(func, STARLETTE_MIDDLEWARE).is_none() {
        return;
    }
    let args = checker.arguments(args_node);
    if direct
        || args
            .positional
            .first()
            .is_some_and(|a| checker.resolve_callee(*a, CORS_MIDDLEWARE).is_some())
    {
        check_middleware(checker, &args);
    }
}

fn check_middleware<'a>(checker: &mut Checker<'a>, args: &Arguments<'a>) {
    let source = checker.source;
    let open = args
        .keyword_node("allow_origins", source)
        .filter(|k| {
            k.field("value")
                .is_some_and(|v| literal_strings(checker, v).any(|s| s == "*"))
        })
        .or_else(|| {
            args.keyword_node("allow_origin_regex", source).filter(|k| {
                k.field("value")
                    .and_then(|v| checker.string_value(v))
                    .is_some_and(matches_every_origin)
            })
        });
    let Some(open) = open else {
        return;
    };
    let credentials = is_true(args.keyword("allow_credentials", source));
    let snippet = super::callee(checker.text(open));
    // `allow_origins=["*"]` → the origins listed in the environment (unsafe: until it is set,
    // no browser origin is allowed).
    let fix = open
        .field("name")
        .filter(|n| checker.text(*n) == "allow_origins")
        .and_then(|_| open.field("value"))
        .filter(|v| v.kind_str() == "list")
        .and_then(|v| Some((v, crate::imports::python_needs_import(checker, "os")?)));
    let finding = if credentials {
        let f = checker.report(
            open,
            format!("`{snippet}` with `allow_credentials=True`: Starlette then echoes the caller's origin, so {OPEN_WITH_CREDENTIALS}"),
        );
        f.severity = Severity::Error;
        f
    } else {
        checker.report(open, format!("`{snippet}` allows every origin: {OPEN}"))
    };
    if let Some((value, needs_os)) = fix {
        finding.with_fix(
            format!("Allow only the origins listed in `{ORIGINS_ENV}`"),
            Applicability::Unsafe,
            vec![Edit {
                range: value.byte_range(),
                content: format!(
                    "[o for o in os.environ.get(\"{ORIGINS_ENV}\", \"\").split(\",\") if o]"
                ),
            }],
        );
        if needs_os {
            finding.with_import("os");
        }
    }
}

/// The environment variable the fixes read the allowed origins from (comma-separated).
const ORIGINS_ENV: &str = "CORS_ORIGINS";
/// The same list in JavaScript.
const JS_ORIGINS: &str = "(process.env.CORS_ORIGINS || \"\").split(\",\").filter(Boolean)";

/// flask-cors: `CORS(app, ...)` and `@cross_origin(...)` take the same options; without
/// `origins` (or `resources` that set them) every origin is allowed.
fn check_flask_cors<'a>(
    checker: &mut Checker<'a>,
    func: Node<'a>,
    args: &Arguments<'a>,
    what: &str,
) {
    let source = checker.source;
    // `cors = CORS()` configured later by `cors.init_app(app, ...)`.
    if what == "CORS" && args.positional.is_empty() && args.keywords.is_empty() {
        return;
    }
    let open: Option<(Node, String)> = match args.keyword_node("origins", source) {
        Some(origins) => origins
            .field("value")
            .is_some_and(|v| literal_strings(checker, v).any(|s| s == "*"))
            .then(|| {
                (
                    origins,
                    format!("`{}`", super::callee(checker.text(origins))),
                )
            }),
        None => match args.keyword("resources", source) {
            None => Some((func, format!("`{what}(...)` without `origins`"))),
            Some(resources) => resources_open(checker, resources).map(|node| {
                (
                    node,
                    format!("`{}` without `origins`", super::callee(checker.text(node))),
                )
            }),
        },
    };
    let Some((node, snippet)) = open else {
        return;
    };
    // The origins from the environment: in place of `origins="*"`, or after the last argument
    // when there is none (a `resources` map is left to a person).
    let origins = format!("[o for o in os.environ.get(\"{ORIGINS_ENV}\", \"\").split(\",\") if o]");
    let edit = if node == func {
        args.positional
            .iter()
            .chain(&args.keywords)
            .map(|a| a.end_byte())
            .max()
            .map(|end| Edit {
                range: end..end,
                content: format!(", origins={origins}"),
            })
    } else {
        node.field("name")
            .filter(|n| checker.text(*n) == "origins")
            .and_then(|_| node.field("value"))
            .map(|v| Edit {
                range: v.byte_range(),
                content: origins.clone(),
            })
    };
    let fix = edit.and_then(|e| Some((e, crate::imports::python_needs_import(checker, "os")?)));
    let finding = if is_true(args.keyword("supports_credentials", source)) {
        let f = checker.report(
            node,
            format!("{snippet} allows every origin, and with `supports_credentials=True` flask-cors answers with the caller's origin and allows cookies, so {OPEN_WITH_CREDENTIALS}"),
        );
        f.severity = Severity::Error;
        f
    } else {
        checker.report(node, format!("{snippet} allows every origin: {OPEN}"))
    };
    if let Some((edit, needs_os)) = fix {
        finding.with_fix(
            format!("Allow only the origins listed in `{ORIGINS_ENV}`"),
            Applicability::Unsafe,
            vec![edit],
        );
        if needs_os {
            finding.with_import("os");
        }
    }
}

/// The part of a flask-cors `resources` option that opens routes to every origin: a dict entry
/// whose options have no `origins` or `"*"`; a path or list of paths (default origins `*`).
/// Resources that are not literals are trusted.
fn resources_open<'a>(checker: &Checker<'a>, resources: Node<'a>) -> Option<Node<'a>> {
    match resources.kind_str() {
        "string" | "list" | "tuple" => Some(resources),
        "dictionary" => named_children(resources)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
            .find(|pair| {
                let Some(options) = pair.field("value") else {
                    return false;
                };
                if options.kind_str() != "dictionary" {
                    return false;
                }
                let origins = named_children(options).into_iter().find(|p| {
                    p.field("key").and_then(|k| checker.string_value(k)) == Some("origins")
                });
                match origins.and_then(|o| o.field("value")) {
                    None => true,
                    Some(v) => literal_strings(checker, v).any(|s| s == "*"),
                }
            }),
        _ => None,
    }
}

/// Express: the `cors` middleware, and `Access-Control-Allow-Origin` echoed from the request.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    if settings::is_non_production_file(checker.path) {
        if func.kind_str() == "member_expression" {
            check_js_header(checker, func, args_node);
        }
        return;
    }
    if func.kind_str() == "member_expression" {
        check_js_header(checker, func, args_node);
        check_js_plugin(checker, func, call, args_node);
        return;
    }
    let Some(package) = checker.resolve_callee(func, JS_CORS) else {
        return;
    };
    let args = js_args(args_node);
    judge_js_options(checker, call, args_node, args.first().copied(), &package);
}

/// CORS middleware: Express `cors`, Koa `@koa/cors` (`kcors`), Fastify `@fastify/cors`.
const JS_CORS: &[&str] = &["cors", "@koa/cors", "kcors", "@fastify/cors"];

/// `fastify.register(cors, { origin: true })`; NestJS `app.enableCors(options)` and
/// `NestFactory.create(AppModule, { cors: true })`.
fn check_js_plugin<'a>(
    checker: &mut Checker<'a>,
    func: Node<'a>,
    call: Node<'a>,
    args_node: Node<'a>,
) {
    let Some(method) = func.field("property").map(|p| checker.text(p)) else {
        return;
    };
    let args = js_args(args_node);
    match method {
        "register" => {
            let Some(plugin) = args.first() else { return };
            if checker.resolve(*plugin).as_deref() != Some("@fastify/cors") {
                return;
            }
            judge_js_options(
                checker,
                call,
                args_node,
                args.get(1).copied(),
                "@fastify/cors",
            );
        }
        // `app.enableCors(…)` on the application; Nest's own `this.enableCors()` (the
        // `cors: true` option) is judged where that option is written.
        "enableCors"
            if imports_any(checker, &["@nestjs/core", "@nestjs/common"])
                && func.field("object").is_some_and(|o| o.kind_str() != "this") =>
        {
            judge_js_options(
                checker,
                call,
                args_node,
                args.first().copied(),
                "enableCors",
            );
        }
        "create"
            if checker
                .resolve(func)
                .is_some_and(|q| q == "@nestjs/core.NestFactory.create") =>
        {
            let Some(options) = args.get(1).filter(|o| o.kind_str() == "object") else {
                return;
            };
            let props = Props::of(checker, *options);
            let (Some(pair), Some(value)) = (props.pair("cors"), props.get("cors")) else {
                return;
            };
            match value.kind_str() {
                "true" => {
                    checker.report(
                        pair,
                        format!("`cors: true` enables CORS with its defaults, which allow every origin: {OPEN}, e.g. `cors: {{ origin: [\"https://app.example.com\"] }}`"),
                    );
                }
                "object" => judge_js_options(checker, call, args_node, Some(value), "cors"),
                _ => {}
            }
        }
        _ => {}
    }
}

/// Judges the options of a CORS middleware (`None`: no options, the package's defaults).
/// Every package here defaults to `*`; `@koa/cors` then reflects the caller's origin when
/// `credentials` is set.
fn judge_js_options<'a>(
    checker: &mut Checker<'a>,
    call: Node<'a>,
    args_node: Node<'a>,
    options: Option<Node<'a>>,
    package: &str,
) {
    let shown = match package {
        "enableCors" => "`enableCors()`".to_owned(),
        "@fastify/cors" => "`@fastify/cors`".to_owned(),
        "@koa/cors" | "kcors" => "`@koa/cors`".to_owned(),
        _ => "`cors()`".to_owned(),
    };
    // Options kept in a variable (`const corsOptions = { … }`, in the function or at the top
    // of the module): judged from its value, reported on the name here (the value may be in
    // another top-level item, so no fix).
    let (options, via) = match options {
        Some(o) if o.kind_str() == "identifier" => {
            match super::regex_injection::binding_value(checker, o)
                .filter(|v| v.kind_str() == "object")
            {
                Some(value) => (Some(value), Some(o)),
                None => return,
            }
        }
        o => (o, None),
    };
    let insert_options = match package {
        "@fastify/cors" => None,
        _ => Some(args_node),
    };
    // The fix: the origin list from the environment (unsafe: until it is set, no browser
    // origin is allowed).
    let fix;
    let (node, snippet, credentials) = match options {
        None => {
            fix = insert_options.map(|a| Edit {
                range: a.byte_range(),
                content: format!("({{ origin: {JS_ORIGINS} }})"),
            });
            (call, format!("{shown} without options"), false)
        }
        Some(options) if options.kind_str() == "object" => {
            let props = Props::of(checker, options);
            let credentials = props
                .get("credentials")
                .is_some_and(|v| v.kind_str() == "true");
            match (props.pair("origin"), props.get("origin")) {
                (Some(pair), Some(value)) => {
                    let reflects = reflects_origin(checker, value);
                    let open = value.kind_str() == "true"
                        || reflects
                        || checker.string_value(value) == Some("*")
                        || (value.kind_str() == "array"
                            && named_children(value)
                                .iter()
                                .any(|e| checker.string_value(*e) == Some("*")));
                    if !open {
                        return;
                    }
                    fix = Some(Edit {
                        range: value.byte_range(),
                        content: JS_ORIGINS.to_owned(),
                    });
                    let what = if value.kind_str() == "true" || reflects {
                        " reflects the caller's origin, so it"
                    } else {
                        ""
                    };
                    (
                        pair,
                        format!("`{}`{what}", super::callee(checker.text(pair))),
                        credentials,
                    )
                }
                _ if props.opaque => return,
                _ => {
                    let open_brace = options.start_byte() + 1;
                    fix = Some(if named_children(options).is_empty() {
                        Edit {
                            range: options.byte_range(),
                            content: format!("{{ origin: {JS_ORIGINS} }}"),
                        }
                    } else {
                        Edit {
                            range: open_brace..open_brace,
                            content: format!(" origin: {JS_ORIGINS},"),
                        }
                    });
                    let shown = shown.replace("()", "(...)");
                    (call, format!("{shown} without `origin`"), credentials)
                }
            }
        }
        // A per-request delegate, or options built elsewhere: not judged.
        Some(_) => return,
    };
    let (node, fix) = match via {
        Some(name) => (name, None),
        None => (node, fix),
    };
    let finding = if credentials {
        let f = checker.report(
            node,
            format!("{snippet} allows every origin, and with `credentials: true` {OPEN_WITH_CREDENTIALS}, e.g. `origin: [\"https://app.example.com\"]`"),
        );
        f.severity = Severity::Error;
        f
    } else {
        checker.report(
            node,
            format!("{snippet} allows every origin: {OPEN}, e.g. `cors({{ origin: [\"https://app.example.com\"] }})`"),
        )
    };
    if let Some(edit) = fix {
        finding.with_fix(
            format!("Allow only the origins listed in `{ORIGINS_ENV}`"),
            Applicability::Unsafe,
            vec![edit],
        );
    }
}

/// An `origin` option that lets whatever origin asks: a function whose only statement returns
/// (or calls back with) the request's `Origin` header, its own `origin` parameter, or `true`:
/// `(ctx) => ctx.get("Origin")`, `(origin, cb) => cb(null, true)`. A function that decides
/// anything (an `if`, a lookup, a ternary) is not judged.
fn reflects_origin(checker: &Checker, value: Node) -> bool {
    if !matches!(
        value.kind_str(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return false;
    }
    let mut params = Vec::new();
    if let Some(p) = value.field("parameter") {
        params.push(checker.text(p));
    } else if let Some(ps) = value.field("parameters") {
        for p in named_children(ps) {
            let id = if p.kind_str() == "identifier" {
                Some(p)
            } else {
                p.field("pattern").filter(|n| n.kind_str() == "identifier")
            };
            params.push(id.map_or("", |i| checker.text(i)));
        }
    }
    let Some(body) = value.field("body") else {
        return false;
    };
    let result = if body.kind_str() == "statement_block" {
        let statements: Vec<Node> = named_children(body)
            .into_iter()
            .filter(|c| c.kind_str() != "comment")
            .collect();
        let [only] = statements.as_slice() else {
            return false;
        };
        match only.kind_str() {
            "return_statement" => only.named_child(0),
            "expression_statement" => only.named_child(0),
            _ => None,
        }
    } else {
        Some(body)
    };
    let Some(mut result) = result else {
        return false;
    };
    if result.kind_str() == "await_expression" {
        match result.named_child(0) {
            Some(inner) => result = inner,
            None => return false,
        }
    }
    // `callback(null, true)` / `cb(null, origin)` with the function's own callback.
    if result.kind_str() == "call_expression" {
        let callee = result.field("function").map(|f| checker.text(f));
        if callee.is_some_and(|c| params.len() >= 2 && params[1..].contains(&c)) {
            let args = result.field("arguments").map(js_args).unwrap_or_default();
            return args.get(1).is_some_and(|a| allows(checker, *a, &params));
        }
    }
    allows(checker, result, &params)
}

/// `true`, the origin parameter of an `(origin, callback)` function, or the request's
/// `Origin` header (`ctx.get("Origin")`, `ctx.request.header.origin`, `req.headers.origin`).
fn allows(checker: &Checker, n: Node, params: &[&str]) -> bool {
    match n.kind_str() {
        "true" => true,
        "identifier" => params.len() >= 2 && params.first() == Some(&checker.text(n)),
        "member_expression" => {
            n.field("property")
                .is_some_and(|p| checker.text(p).eq_ignore_ascii_case("origin"))
                && n.field("object").is_some_and(|o| {
                    let t = checker.text(o);
                    t.ends_with("header") || t.ends_with("headers")
                })
        }
        "subscript_expression" => {
            n.field("index")
                .and_then(|i| checker.string_value(i))
                .is_some_and(|k| k.eq_ignore_ascii_case("origin"))
                && n.field("object").is_some_and(|o| {
                    let t = checker.text(o);
                    t.ends_with("header") || t.ends_with("headers")
                })
        }
        "call_expression" => {
            let method = n
                .field("function")
                .filter(|f| f.kind_str() == "member_expression")
                .and_then(|f| f.field("property"))
                .map(|p| checker.text(p));
            matches!(method, Some("get" | "header" | "getHeader" | "get_header"))
                && n.field("arguments")
                    .map(js_args)
                    .unwrap_or_default()
                    .first()
                    .and_then(|a| checker.string_value(*a))
                    .is_some_and(|k| k.eq_ignore_ascii_case("origin"))
        }
        _ => false,
    }
}

/// `res.setHeader("Access-Control-Allow-Origin", req.headers.origin)` (also `res.header`,
/// `res.set`): every origin is echoed back; with `Access-Control-Allow-Credentials: true` set in
/// the same function or module statement, cookies go along.
fn check_js_header<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: Node<'a>) {
    let Some(method) = func.field("property").map(|p| checker.text(p)) else {
        return;
    };
    if !matches!(method, "setHeader" | "header" | "set") {
        return;
    }
    let args = js_args(args);
    let (Some(name), Some(value)) = (args.first(), args.get(1)) else {
        return;
    };
    if !checker
        .string_value(*name)
        .is_some_and(|n| n.eq_ignore_ascii_case("access-control-allow-origin"))
    {
        return;
    }
    let Some(taint) = checker
        .taint(*value, Sink::Redirect)
        .filter(|t| t.user && t.what.to_ascii_lowercase().contains("origin"))
    else {
        return;
    };
    let scope = configuring_scope(checker, func);
    let credentials = calls_in(checker, &scope).iter().any(|c| {
        matches!(c.name, "setHeader" | "header" | "set")
            && c.args
                .first()
                .and_then(|a| checker.string_value(*a))
                .is_some_and(|n| n.eq_ignore_ascii_case("access-control-allow-credentials"))
            && c.args
                .get(1)
                .is_some_and(|v| v.kind_str() == "true" || checker.string_value(*v) == Some("true"))
    });
    let from = checker.describe(&taint);
    let shown = super::callee(checker.text(func));
    if credentials {
        checker
            .report(func, format!(
                "`{shown}` sets `Access-Control-Allow-Origin` to the caller's own origin ({from}) and credentials are allowed: {OPEN_WITH_CREDENTIALS}, and echo only an origin found on that list"
            ))
            .with_taint(&taint)
            .severity = Severity::Error;
    } else {
        checker
            .report(func, format!(
                "`{shown}` sets `Access-Control-Allow-Origin` to the caller's own origin ({from}), which allows every origin: {OPEN}, and echo only an origin found on that list"
            ))
            .with_taint(&taint);
    }
}

fn is_true(node: Option<Node>) -> bool {
    node.is_some_and(|n| n.kind_str() == "true")
}

/// The plain string literals of a string, list, tuple or set literal.
fn literal_strings<'a>(checker: &Checker<'a>, node: Node<'a>) -> impl Iterator<Item = &'a str> {
    let elements = match node.kind_str() {
        "list" | "tuple" | "set" => named_children(node),
        _ => vec![node],
    };
    let source = checker.source;
    let language = checker.language;
    elements
        .into_iter()
        .filter_map(move |e| ba_analysis::string_value(language, e, source))
}

/// Whether an origin regex matches every origin: `.*`, `.+`, `^https?://.*$` and the like.
fn matches_every_origin(regex: &str) -> bool {
    let mut r = regex.trim_start_matches('^').trim_end_matches('$');
    for scheme in [
        "(https?://)?",
        "https?://",
        "https?:\\/\\/",
        "https://",
        "http://",
    ] {
        if let Some(rest) = r.strip_prefix(scheme) {
            r = rest;
            break;
        }
    }
    matches!(r, ".*" | ".+" | "(.*)" | "(.+)")
}

const DOCS: &str = r#"## What it does
Flags CORS configurations that let every origin read responses:

- FastAPI/Starlette `CORSMiddleware` (through `app.add_middleware(...)`, `Middleware(...)` or
  directly) with `allow_origins=["*"]` or an `allow_origin_regex` that matches everything
  (`".*"`). With `allow_credentials=True` the finding is an error.
- flask-cors `CORS(app)` and `@cross_origin()` without `origins` (or with `origins="*"`, or
  `resources` whose options lack `origins`); an error with `supports_credentials=True`.
- django-cors-headers `CORS_ALLOW_ALL_ORIGINS = True` / `CORS_ORIGIN_ALLOW_ALL = True`, and
  `CORS_ALLOWED_ORIGIN_REGEXES` with a match-everything pattern.

- Express `cors()` without options, `cors({ origin: "*" })`, `cors({ origin: true })` (which
  reflects the caller's origin) and options without `origin`; an error with `credentials: true`.
  The same for Koa's `@koa/cors` (whose default, with `credentials: true`, reflects the
  caller's origin), Fastify's `fastify.register(cors, …)` with `@fastify/cors`, NestJS
  `app.enableCors(…)` and `NestFactory.create(AppModule, { cors: true })`. Options kept in a
  variable (`const corsOptions = { … }` in the function or at the top of the module) are judged
  from its value and reported where they are passed.
- An `origin` function that lets whatever origin asks: one statement returning (or calling
  back with) the request's `Origin` header, its own `origin` parameter or `true`
  (`origin: (ctx) => ctx.get("Origin")`, `origin: (origin, cb) => cb(null, true)`). A function
  that decides anything (an allow-list lookup, an `if`, a ternary) is not judged.
- Express handlers that echo the request's `Origin` into `Access-Control-Allow-Origin`
  (`res.setHeader("Access-Control-Allow-Origin", req.headers.origin)`) without checking it
  against an allow-list; an error when `Access-Control-Allow-Credentials: true` is set too.

Explicit origin lists, origins read from settings or the environment, and
`CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})` are not reported,
nor are development or test settings.

## Why is this bad?
CORS relaxes the browser's same-origin policy. A wildcard tells every browser that any website
may read this API's responses. With credentials allowed, Starlette and flask-cors answer with
the caller's own origin instead of `*`, so a page on any site can make requests with the
visitor's cookies and read their data: account details, CSRF tokens, anything the API returns.

## Example
```python
app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
)
```
```python
app = Flask(__name__)
CORS(app, supports_credentials=True)
```

```javascript
app.use(cors({ origin: true, credentials: true }));
app.use((req, res, next) => {
  res.setHeader("Access-Control-Allow-Origin", req.headers.origin);
  res.setHeader("Access-Control-Allow-Credentials", "true");
  next();
});
```

## Use instead
```python
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origins,        # ["https://app.example.com"]
    allow_credentials=True,
    allow_methods=["GET", "POST"],
)
```
```python
CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}}, supports_credentials=True)
```

```javascript
app.use(cors({ origin: config.allowedOrigins, credentials: true }));   // ["https://app.example.com"]
app.use(cors({ origin: (origin, cb) => cb(null, ALLOWED.has(origin)) }));
```

## References
- [CWE-942: Permissive Cross-domain Policy with Untrusted Domains](https://cwe.mitre.org/data/definitions/942.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Starlette: CORSMiddleware](https://www.starlette.io/middleware/#corsmiddleware)
- [flask-cors: options](https://flask-cors.readthedocs.io/en/latest/api.html)
- [Express `cors` middleware: configuration options](https://expressjs.com/en/resources/middleware/cors.html)
- [django-cors-headers: settings](https://github.com/adamchainz/django-cors-headers#configuration)
"#;
