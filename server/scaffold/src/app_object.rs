//! Generators on the app object: health check, CORS from the environment, security headers,
//! request-id/logging middleware, and a global error handler, for FastAPI, Flask, Express and
//! Django (`urlpatterns`; CORS, headers and middleware go to the settings module beside it).

use ba_syntax::NodeExt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::{
    err, imports_edit, insert_after_line, line_start, named_children, python_module, text, Files,
    Framework, Output, Project, Result, Source, Style,
};
use ba_rules::Edit;
use ba_syntax::{parse, Family, Language};

pub struct App {
    pub framework: Framework,
    /// The variable holding the app (`app`), or `urlpatterns` for Django.
    pub name: String,
    /// The whole statement: top-level, or in an app factory (`def create_app(): app = Flask(...)`).
    pub statement: Range<usize>,
    /// The statement's indentation: empty at the top level.
    pub indent: String,
}

/// The app object whose top-level statement contains `offset`.
pub fn app_at(src: &Source, offset: usize) -> Option<App> {
    find_apps(src)
        .into_iter()
        .find(|a| a.statement.start <= offset && offset <= a.statement.end)
}

pub fn find_apps(src: &Source) -> Vec<App> {
    let mut out = Vec::new();
    let mut statements = named_children(src.tree.root_node());
    if src.family() == Family::Python {
        // App factories: the statements of top-level functions (`create_app`, `make_app`).
        let bodies: Vec<Node> = statements
            .iter()
            .filter_map(|s| match s.kind_str() {
                "function_definition" => Some(*s),
                "decorated_definition" => s
                    .field("definition")
                    .filter(|d| d.kind_str() == "function_definition"),
                _ => None,
            })
            .filter(|f| {
                text(src.text, *f).contains("Flask(") || text(src.text, *f).contains("FastAPI(")
            })
            .filter_map(|f| f.field("body"))
            .collect();
        for body in bodies {
            statements.extend(named_children(body));
        }
    }
    for stmt in statements {
        match src.family() {
            Family::Python => {
                let Some(assign) = stmt.named_child(0).filter(|n| {
                    stmt.kind_str() == "expression_statement" && n.kind_str() == "assignment"
                }) else {
                    continue;
                };
                let (Some(left), Some(right)) = (assign.field("left"), assign.field("right"))
                else {
                    continue;
                };
                let name = text(src.text, left);
                let framework = if name == "urlpatterns" {
                    Some(Framework::Django)
                } else if right.kind_str() == "call" {
                    match right.field("function").map(|f| text(src.text, f)) {
                        Some("FastAPI") | Some("fastapi.FastAPI") => Some(Framework::FastApi),
                        Some("Flask") | Some("flask.Flask") => Some(Framework::Flask),
                        _ => None,
                    }
                } else {
                    None
                };
                if let Some(framework) = framework.filter(|_| left.kind_str() == "identifier") {
                    out.push(App {
                        framework,
                        name: name.to_owned(),
                        statement: stmt.byte_range(),
                        indent: super::indent_of_line(src.text, stmt.start_byte()).to_owned(),
                    });
                }
            }
            Family::JavaScript => {
                if let Some(app) = nest_app(src, stmt) {
                    out.push(app);
                    continue;
                }
                // `export const app = express()` declares inside the export.
                let outer = stmt;
                let stmt = match stmt.kind_str() {
                    "export_statement" => match stmt.field("declaration") {
                        Some(d) => d,
                        None => continue,
                    },
                    _ => stmt,
                };
                if !matches!(
                    stmt.kind_str(),
                    "lexical_declaration" | "variable_declaration"
                ) {
                    continue;
                }
                for decl in named_children(stmt) {
                    let (Some(name), Some(value)) = (decl.field("name"), decl.field("value"))
                    else {
                        continue;
                    };
                    let callee = match value.kind_str() {
                        "call_expression" => value.field("function"),
                        "new_expression" => value.field("constructor"),
                        _ => None,
                    }
                    .map(|f| text(src.text, f).replace('\'', "\""));
                    let framework = match (callee.as_deref(), value.kind_str()) {
                        (Some("express"), "call_expression") => Framework::Express,
                        (Some("Koa"), "new_expression") => Framework::Koa,
                        (
                            Some("fastify" | "Fastify" | "require(\"fastify\")"),
                            "call_expression",
                        ) => Framework::Fastify,
                        _ => continue,
                    };
                    if src.framework() == Some(framework) {
                        out.push(App {
                            framework,
                            name: text(src.text, name).to_owned(),
                            statement: outer.byte_range(),
                            indent: String::new(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// NestJS: `const app = await NestFactory.create(AppModule)` in the entry point's `bootstrap`
/// function (the generators work on the module it creates, not on this statement).
fn nest_app(src: &Source, stmt: Node) -> Option<App> {
    if src.framework() != Some(Framework::NestJs) {
        return None;
    }
    let function = match stmt.kind_str() {
        "function_declaration" => stmt,
        "export_statement" => stmt
            .field("declaration")
            .filter(|d| d.kind_str() == "function_declaration")?,
        _ => return None,
    };
    let body = function.field("body")?;
    named_children(body).into_iter().find_map(|s| {
        if !matches!(s.kind_str(), "lexical_declaration" | "variable_declaration") {
            return None;
        }
        let decl = named_children(s)
            .into_iter()
            .find(|d| d.kind_str() == "variable_declarator")?;
        let value = decl.field("value")?;
        let call = match value.kind_str() {
            "await_expression" => value.named_child(0)?,
            _ => value,
        };
        let callee = call.field("function").map(|f| text(src.text, f))?;
        let name = decl.field("name")?;
        (call.kind_str() == "call_expression" && callee == "NestFactory.create").then(|| App {
            framework: Framework::NestJs,
            name: text(src.text, name).to_owned(),
            statement: s.byte_range(),
            indent: super::indent_of_line(src.text, s.start_byte()).to_owned(),
        })
    })
}

/// Where a generator's presence is looked for.
#[derive(Clone, Copy)]
enum Place {
    /// The app's file.
    File,
    /// The app's file, lower-cased.
    FileLower,
    /// Django: the settings module beside urls.py.
    Settings,
}

/// `(generator, framework (None: any), where, any of these means it is already there)`; the
/// first row for the generator and framework decides.
const PRESENT: &[(&str, Option<Framework>, Place, &[&str])] = &[
    (
        "healthCheck",
        None,
        Place::FileLower,
        &["/health", "\"health", "'health"],
    ),
    (
        "cors",
        Some(Framework::FastApi),
        Place::File,
        &["CORSMiddleware"],
    ),
    (
        "cors",
        Some(Framework::Flask),
        Place::File,
        &["CORS(", "flask_cors"],
    ),
    ("cors", Some(Framework::Express), Place::File, &["cors("]),
    (
        "cors",
        Some(Framework::Django),
        Place::Settings,
        &["corsheaders"],
    ),
    (
        "securityHeaders",
        Some(Framework::Express),
        Place::File,
        &["helmet"],
    ),
    (
        "securityHeaders",
        Some(Framework::Django),
        Place::Settings,
        &["SECURE_CONTENT_TYPE_NOSNIFF"],
    ),
    (
        "securityHeaders",
        None,
        Place::File,
        &["X-Content-Type-Options"],
    ),
    (
        "requestId",
        Some(Framework::Django),
        Place::Settings,
        &["RequestIdMiddleware"],
    ),
    ("requestId", None, Place::FileLower, &["x-request-id"]),
    (
        "errorHandler",
        Some(Framework::FastApi),
        Place::File,
        &["exception_handler(Exception)"],
    ),
    (
        "errorHandler",
        Some(Framework::Flask),
        Place::File,
        &["errorhandler(Exception)", "errorhandler(500)"],
    ),
    (
        "errorHandler",
        Some(Framework::Express),
        Place::File,
        &["(err, req, res, next)", "(error, req, res, next)"],
    ),
    (
        "errorHandler",
        Some(Framework::Django),
        Place::File,
        &["handler500"],
    ),
];

/// The app generators that the file (or, for Django, its settings) does not already have.
pub fn applicable(src: &Source, app: &App) -> Vec<&'static str> {
    let t = src.text;
    let lower = t.to_ascii_lowercase();
    let settings = (app.framework == Framework::Django)
        .then(|| settings_path(src.path))
        .flatten()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let has = |name: &str| {
        PRESENT
            .iter()
            .find(|(g, f, _, _)| *g == name && f.is_none_or(|f| f == app.framework))
            .is_some_and(|(_, _, place, needles)| {
                let hay = match place {
                    Place::File => t,
                    Place::FileLower => lower.as_str(),
                    Place::Settings => settings.as_str(),
                };
                needles.iter().any(|n| hay.contains(n))
            })
    };
    [
        "healthCheck",
        "cors",
        "securityHeaders",
        "requestId",
        "errorHandler",
    ]
    .into_iter()
    .filter(|n| !has(n))
    // Koa, Fastify and NestJS have observability generators (`metrics`, `tracing`), not these.
    .filter(|n| {
        app.framework == Framework::Django
            || SNIPPETS
                .iter()
                .any(|s| s.generator == *n && s.framework == app.framework)
    })
    .filter(|n| {
        app.framework != Framework::Django
            || !matches!(*n, "cors" | "securityHeaders" | "requestId")
            || !settings.is_empty()
    })
    .collect()
}

/// An app generator's code for one framework. Placeholders: `{app}` (the app variable),
/// `{def}` (`def`/`async def`, the file's style), `{origins}` (allowed origins read from the
/// environment), `{set_headers}` (one `setdefault` line per security header), `{log}` (the
/// file's logger variable) and `{logger}` (its definition, when the file has none).
struct Snippet {
    generator: &'static str,
    framework: Framework,
    /// Python import lines.
    imports: &'static [&'static str],
    /// JavaScript `(binding, module)`: `require` or `import`, whichever the file uses.
    requires: &'static [(&'static str, &'static str)],
    code: &'static str,
    /// Registered after every route (Express error handlers): before `app.listen(...)` or the
    /// module's export rather than right after the app.
    at_tail: bool,
}

/// Django's generators edit settings and URLconfs: they are `django()`, not rows.
const SNIPPETS: &[Snippet] = &[
    // ---- FastAPI
    Snippet {
        generator: "healthCheck",
        framework: Framework::FastApi,
        imports: &[],
        requires: &[],
        code: "@{app}.get(\"/healthz\", include_in_schema=False)\n{def} healthz():\n    \"\"\"Liveness/readiness probe: answers without touching the database.\"\"\"\n    return {\"status\": \"ok\"}\n",
        at_tail: false,
    },
    Snippet {
        generator: "cors",
        framework: Framework::FastApi,
        imports: &["import os", "from fastapi.middleware.cors import CORSMiddleware"],
        requires: &[],
        code: "# Allowed origins come from the environment: CORS_ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com\n{app}.add_middleware(\n    CORSMiddleware,\n    allow_origins={origins},\n    allow_credentials=True,\n    allow_methods=[\"GET\", \"POST\", \"PUT\", \"PATCH\", \"DELETE\", \"OPTIONS\"],\n    allow_headers=[\"Authorization\", \"Content-Type\", \"X-Request-ID\"],\n)\n",
        at_tail: false,
    },
    Snippet {
        generator: "securityHeaders",
        framework: Framework::FastApi,
        imports: &["from fastapi import Request"],
        requires: &[],
        code: "@{app}.middleware(\"http\")\nasync def security_headers(request: Request, call_next):\n    response = await call_next(request)\n{set_headers}    return response\n",
        at_tail: false,
    },
    Snippet {
        generator: "requestId",
        framework: Framework::FastApi,
        imports: &["import logging", "import re", "import time", "import uuid", "from fastapi import Request"],
        requires: &[],
        code: "{logger}@{app}.middleware(\"http\")\nasync def request_id_and_logging(request: Request, call_next):\n    # A client's id is kept only if short and plain: it goes into logs and headers.\n    incoming = request.headers.get(\"X-Request-ID\", \"\")\n    request_id = incoming if re.fullmatch(r\"[A-Za-z0-9._-]{1,64}\", incoming) else uuid.uuid4().hex\n    request.state.request_id = request_id\n    started = time.perf_counter()\n    response = await call_next(request)\n    response.headers[\"X-Request-ID\"] = request_id\n    # %r escapes line breaks a client could put in the path to forge log lines.\n    {log}.info(\n        \"%s %r %s %.1fms request_id=%r\",\n        request.method,\n        request.url.path,\n        response.status_code,\n        (time.perf_counter() - started) * 1000,\n        request_id,\n    )\n    return response\n",
        at_tail: false,
    },
    Snippet {
        generator: "errorHandler",
        framework: Framework::FastApi,
        imports: &["import logging", "from fastapi import Request", "from fastapi.responses import JSONResponse"],
        requires: &[],
        code: "{logger}@{app}.exception_handler(Exception)\nasync def unhandled_error(request: Request, exc: Exception):\n    # Log the details here; the client never sees a stack trace.\n    {log}.exception(\"unhandled error on %s %s\", request.method, request.url.path)\n    return JSONResponse(status_code=500, content={\"detail\": \"Internal Server Error\"})\n",
        at_tail: false,
    },
    // ---- Flask
    Snippet {
        generator: "healthCheck",
        framework: Framework::Flask,
        imports: &[],
        requires: &[],
        code: "@{app}.route(\"/healthz\", methods=[\"GET\"])\ndef healthz():\n    \"\"\"Liveness/readiness probe: answers without touching the database.\"\"\"\n    return {\"status\": \"ok\"}\n",
        at_tail: false,
    },
    Snippet {
        generator: "cors",
        framework: Framework::Flask,
        imports: &["import os", "from flask_cors import CORS"],
        requires: &[],
        code: "# Allowed origins come from the environment: CORS_ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com\nCORS(\n    {app},\n    origins={origins},\n    supports_credentials=True,\n)\n",
        at_tail: false,
    },
    Snippet {
        generator: "securityHeaders",
        framework: Framework::Flask,
        imports: &[],
        requires: &[],
        code: "@{app}.after_request\ndef security_headers(response):\n{set_headers}    return response\n",
        at_tail: false,
    },
    Snippet {
        generator: "requestId",
        framework: Framework::Flask,
        imports: &["import re", "import time", "import uuid", "from flask import g, request"],
        requires: &[],
        code: "@{app}.before_request\ndef assign_request_id():\n    # A client's id is kept only if short and plain: it goes into logs and headers.\n    incoming = request.headers.get(\"X-Request-ID\", \"\")\n    g.request_id = incoming if re.fullmatch(r\"[A-Za-z0-9._-]{1,64}\", incoming) else uuid.uuid4().hex\n    g.request_started = time.perf_counter()\n\n\n@{app}.after_request\ndef log_request(response):\n    request_id = g.get(\"request_id\", \"-\")\n    response.headers[\"X-Request-ID\"] = request_id\n    elapsed = (time.perf_counter() - g.get(\"request_started\", time.perf_counter())) * 1000\n    # %r escapes line breaks a client could put in the path to forge log lines.\n    {app}.logger.info(\n        \"%s %r %s %.1fms request_id=%r\",\n        request.method,\n        request.path,\n        response.status_code,\n        elapsed,\n        request_id,\n    )\n    return response\n",
        at_tail: false,
    },
    Snippet {
        generator: "errorHandler",
        framework: Framework::Flask,
        imports: &["from werkzeug.exceptions import HTTPException"],
        requires: &[],
        code: "@{app}.errorhandler(Exception)\ndef handle_error(error):\n    # HTTP errors (404, 405, ...) keep their status; anything else is logged and hidden.\n    if isinstance(error, HTTPException):\n        return {\"error\": error.name, \"detail\": error.description}, error.code\n    {app}.logger.exception(\"unhandled error\")\n    return {\"error\": \"Internal Server Error\"}, 500\n",
        at_tail: false,
    },
    // ---- Express
    Snippet {
        generator: "healthCheck",
        framework: Framework::Express,
        imports: &[],
        requires: &[],
        code: "// Liveness/readiness probe: answers without touching the database.\n{app}.get(\"/healthz\", (req, res) => {\n    res.json({ status: \"ok\" });\n});\n",
        at_tail: false,
    },
    Snippet {
        generator: "cors",
        framework: Framework::Express,
        imports: &[],
        requires: &[("cors", "cors")],
        code: "// Allowed origins come from the environment: CORS_ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com\nconst allowedOrigins = (process.env.CORS_ALLOWED_ORIGINS || \"\")\n    .split(\",\")\n    .map((origin) => origin.trim())\n    .filter(Boolean);\n{app}.use(cors({ origin: allowedOrigins, credentials: true }));\n",
        at_tail: false,
    },
    Snippet {
        generator: "securityHeaders",
        framework: Framework::Express,
        imports: &[],
        requires: &[("helmet", "helmet")],
        code: "{app}.use(helmet());\n",
        at_tail: false,
    },
    Snippet {
        generator: "requestId",
        framework: Framework::Express,
        imports: &[],
        requires: &[("crypto", "node:crypto")],
        code: "{app}.use((req, res, next) => {\n    // A client's id is kept only if short and plain: it goes into logs and headers.\n    const incoming = req.get(\"X-Request-ID\") || \"\";\n    const requestId = /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();\n    const started = process.hrtime.bigint();\n    res.locals.requestId = requestId;\n    res.set(\"X-Request-ID\", requestId);\n    res.on(\"finish\", () => {\n        const ms = Number(process.hrtime.bigint() - started) / 1e6;\n        // One JSON line: escaping keeps a client from forging log lines through the URL.\n        console.log(JSON.stringify({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Number(ms.toFixed(1)), requestId }));\n    });\n    next();\n});\n",
        at_tail: false,
    },
    Snippet {
        generator: "errorHandler",
        framework: Framework::Express,
        imports: &[],
        requires: &[],
        code: "// Registered after every route so it sees their errors; never sends a stack trace.\n{app}.use((err, req, res, next) => {\n    if (res.headersSent) {\n        return next(err);\n    }\n    const status = err.status || err.statusCode || 500;\n    if (status >= 500) {\n        console.error(err);\n    }\n    res.status(status).json({ error: status >= 500 ? \"Internal Server Error\" : err.message });\n});\n",
        at_tail: true,
    },
];

pub fn generate(
    name: &str,
    src: &Source,
    app: &App,
    project: &Project,
    files: &dyn Files,
) -> Result<Output> {
    let style = Style::detect(src);
    if app.framework == Framework::Django {
        return django(name, src, app, &style, project, files);
    }
    let Some(snippet) = SNIPPETS
        .iter()
        .find(|s| s.generator == name && s.framework == app.framework)
    else {
        return err(if SNIPPETS.iter().any(|s| s.generator == name) {
            format!(
                "`{name}` is not available for {} apps (only `metrics`, `tracing` and `loadTest` are)",
                app.framework.name()
            )
        } else {
            format!("`{name}` is not an app generator")
        });
    };
    let set_headers: String = HEADERS
        .iter()
        .map(|(h, v)| format!("    response.headers.setdefault(\"{h}\", \"{v}\")\n"))
        .collect();
    let logger = if needs_logger(src) {
        "logger = logging.getLogger(__name__)\n\n\n"
    } else {
        ""
    };
    let code = snippet
        .code
        .replace("{app}", &app.name)
        .replace("{def}", style.def())
        .replace("{origins}", ORIGINS_PY)
        .replace("{set_headers}", &set_headers)
        .replace("{logger}", logger)
        .replace("{log}", logger_name(src));
    match src.family() {
        Family::Python => {
            let mut edits = vec![python_block(src, app, &style, &code)];
            edits.extend(py_imports(src, &style, snippet.imports));
            Ok(Output::edit(src.path, edits))
        }
        Family::JavaScript => {
            let imports: Vec<String> = snippet
                .requires
                .iter()
                .map(|(binding, module)| js_import(&style, binding, module))
                .collect();
            Ok(js_block(src, app, &style, &code, &imports, snippet.at_tail))
        }
    }
}

/// Python code after the app statement, in the statement's block: two blank lines around it
/// at the top level, one inside an app factory.
pub(crate) fn python_block(src: &Source, app: &App, style: &Style, code: &str) -> Edit {
    let at = super::line_end(src.text, app.statement.end);
    let blank = if app.indent.is_empty() { 2 } else { 1 };
    let following_blank = src.text[at..]
        .lines()
        .take_while(|l| l.trim().is_empty())
        .count();
    let mut content = format!("{}{}", "\n".repeat(blank), style.render(code, &app.indent));
    if at < src.text.len() {
        content.push_str(&"\n".repeat(blank.saturating_sub(following_blank)));
    }
    insert_after_line(src.text, app.statement.end, content)
}

pub(crate) fn py_imports(src: &Source, style: &Style, lines: &[&str]) -> Vec<Edit> {
    let rendered: Vec<String> = lines
        .iter()
        .map(|l| style.render(l, "").trim_end().to_owned())
        .collect();
    imports_edit(src, &rendered)
}

fn needs_logger(src: &Source) -> bool {
    !src.text
        .lines()
        .any(|l| l.starts_with("logger =") || l.starts_with("log ="))
}

fn logger_name(src: &Source) -> &'static str {
    if src.text.lines().any(|l| l.starts_with("log ="))
        && !src.text.lines().any(|l| l.starts_with("logger ="))
    {
        "log"
    } else {
        "logger"
    }
}

const HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Strict-Transport-Security",
        "max-age=31536000; includeSubDomains",
    ),
    (
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
];

const ORIGINS_PY: &str =
    "[o.strip() for o in os.environ.get(\"CORS_ALLOWED_ORIGINS\", \"\").split(\",\") if o.strip()]";

pub(crate) fn js_import(style: &Style, binding: &str, module: &str) -> String {
    let line = if style.esm {
        format!("import {binding} from \"{module}\";")
    } else {
        format!("const {binding} = require(\"{module}\");")
    };
    style.render(&line, "").trim_end().to_owned()
}

/// Where a handler registered after every route goes: before `app.listen(...)` or the
/// module's export, else at the end of the file.
fn express_tail(src: &Source, app: &App) -> usize {
    let listen = format!("{}.listen", app.name);
    for stmt in named_children(src.tree.root_node()) {
        if stmt.start_byte() <= app.statement.end {
            continue;
        }
        let t = text(src.text, stmt);
        if t.contains(&listen)
            || t.starts_with("module.exports")
            || t.starts_with("export default")
            || (stmt.kind_str() == "if_statement" && t.contains("require.main"))
        {
            return line_start(src.text, stmt.start_byte());
        }
    }
    src.text.len()
}

/// JavaScript code after the app statement (or, `at_tail`, before `app.listen`/the export)
/// with a blank line around it, and the imports it needs.
pub(crate) fn js_block(
    src: &Source,
    app: &App,
    style: &Style,
    code: &str,
    imports: &[String],
    at_tail: bool,
) -> Output {
    let rendered = style.render(code, "");
    let mut edits = Vec::new();
    if at_tail {
        let at = express_tail(src, app);
        let mut content = format!("{rendered}\n");
        if at == src.text.len() {
            content = format!("\n{rendered}");
            if !src.text.ends_with('\n') {
                content.insert(0, '\n');
            }
        }
        edits.push(Edit {
            range: at..at,
            content,
        });
    } else {
        // A blank line around the new code.
        let at = super::line_end(src.text, app.statement.end);
        let next_blank = src.text[at..]
            .lines()
            .next()
            .is_none_or(|l| l.trim().is_empty());
        let tail = if next_blank { "" } else { "\n" };
        edits.push(insert_after_line(
            src.text,
            app.statement.end,
            format!("\n{rendered}{tail}"),
        ));
    }
    edits.extend(imports_edit(src, imports));
    Output::edit(src.path, edits)
}
/// The settings module of a Django project, judged from its urls.py.
pub(crate) fn settings_path(urls: &Path) -> Option<PathBuf> {
    let dir = urls.parent()?;
    ["settings.py", "settings/__init__.py", "settings/base.py"]
        .iter()
        .map(|p| dir.join(p))
        .find(|p| p.is_file())
}

/// An insertion making `element` the first item of the top-level list `name = [...]`.
pub(crate) fn list_prepend(
    text_: &str,
    tree: &tree_sitter::Tree,
    name: &str,
    element: &str,
    indent: &str,
) -> Option<Edit> {
    let list = top_level_list(text_, tree, name)?;
    let items = named_children(list);
    let items: Vec<Node> = items
        .into_iter()
        .filter(|n| n.kind_str() != "comment")
        .collect();
    match items.first() {
        Some(first) if text_[list.start_byte()..first.start_byte()].contains('\n') => {
            let at = line_start(text_, first.start_byte());
            let ind = super::indent_of_line(text_, first.start_byte());
            Some(Edit {
                range: at..at,
                content: format!("{ind}{element},\n"),
            })
        }
        Some(first) => Some(Edit {
            range: first.start_byte()..first.start_byte(),
            content: format!("{element}, "),
        }),
        None => Some(Edit {
            range: list.start_byte() + 1..list.start_byte() + 1,
            content: format!("\n{indent}{element},\n"),
        }),
    }
}

/// Insertions making `element` the last item of the top-level list `name = [...]`.
pub(crate) fn list_append(
    text_: &str,
    tree: &tree_sitter::Tree,
    name: &str,
    element: &str,
    indent: &str,
) -> Option<Vec<Edit>> {
    let list = top_level_list(text_, tree, name)?;
    let close = list.end_byte() - 1;
    let items: Vec<Node> = named_children(list)
        .into_iter()
        .filter(|n| n.kind_str() != "comment")
        .collect();
    let Some(last) = items.last() else {
        return Some(vec![Edit {
            range: close..close,
            content: format!("\n{indent}{element},\n"),
        }]);
    };
    let has_comma = text_[last.end_byte()..close].trim_start().starts_with(',');
    let comma = if has_comma { "" } else { "," };
    if !text_[list.start_byte()..last.end_byte()].contains('\n') {
        return Some(vec![Edit {
            range: last.end_byte()..last.end_byte(),
            content: format!("{comma} {element}"),
        }]);
    }
    let ind = super::indent_of_line(text_, last.start_byte()).to_owned();
    let at = super::line_end(text_, last.end_byte());
    if at > close {
        // `]` closes on the last item's line.
        return Some(vec![Edit {
            range: last.end_byte()..last.end_byte(),
            content: format!("{comma}\n{ind}{element},"),
        }]);
    }
    let mut edits = vec![Edit {
        range: at..at,
        content: format!("{ind}{element},\n"),
    }];
    if !has_comma {
        edits.push(Edit {
            range: last.end_byte()..last.end_byte(),
            content: ",".into(),
        });
    }
    Some(edits)
}

fn top_level_list<'t>(text_: &str, tree: &'t tree_sitter::Tree, name: &str) -> Option<Node<'t>> {
    named_children(tree.root_node())
        .into_iter()
        .find_map(|stmt| {
            let assign = stmt
                .named_child(0)
                .filter(|n| n.kind_str() == "assignment")?;
            let left = assign.field("left")?;
            let right = assign.field("right")?;
            (text(text_, left) == name && right.kind_str() == "list").then_some(right)
        })
}

fn django(
    name: &str,
    src: &Source,
    app: &App,
    style: &Style,
    project: &Project,
    files: &dyn Files,
) -> Result<Output> {
    let indent = style.indent.clone();
    match name {
        "healthCheck" | "errorHandler" => {
            let (views, route, after) = if name == "healthCheck" {
                (
                    "def healthz(request):\n    \"\"\"Liveness/readiness probe: answers without touching the database.\"\"\"\n    return JsonResponse({\"status\": \"ok\"})\n".to_owned(),
                    Some("path(\"healthz\", healthz)"),
                    None,
                )
            } else {
                (
                    "def not_found(request, exception):\n    return JsonResponse({\"error\": \"Not Found\"}, status=404)\n\n\ndef server_error(request):\n    # Django logs the exception; the client never sees a stack trace.\n    return JsonResponse({\"error\": \"Internal Server Error\"}, status=500)\n".to_owned(),
                    None,
                    // Only the root URLconf's handlers count.
                    Some("handler404 = not_found\nhandler500 = server_error\n"),
                )
            };
            let at = line_start(src.text, app.statement.start);
            let mut edits = vec![Edit {
                range: at..at,
                content: format!("{}\n\n", style.render(&views, "")),
            }];
            if let Some(route) = route {
                let rendered = style.render(route, "").trim_end().to_owned();
                edits.extend(
                    list_append(src.text, src.tree, &app.name, &rendered, &indent).ok_or_else(
                        || super::ScaffoldError("`urlpatterns` is not a list literal".into()),
                    )?,
                );
                edits.extend(imports_edit(
                    src,
                    &[style
                        .render("from django.urls import path", "")
                        .trim_end()
                        .to_owned()],
                ));
            }
            if let Some(after) = after {
                edits.push(insert_after_line(
                    src.text,
                    app.statement.end,
                    format!("\n{}", style.render(after, "")),
                ));
            }
            edits.extend(py_imports(
                src,
                style,
                &["from django.http import JsonResponse"],
            ));
            edits.retain(|e| !(e.range.is_empty() && e.content.is_empty()));
            Ok(Output::edit(src.path, edits))
        }
        "cors" | "securityHeaders" | "requestId" => {
            let Some(settings) = settings_path(src.path) else {
                return err("no settings.py beside this urls.py: the Django generators for CORS, headers and middleware edit the settings module");
            };
            let Some(stext) = files.read(&settings) else {
                return err(format!("cannot read {}", settings.display()));
            };
            let tree = parse::parse(Language::Python, &stext, None)
                .ok_or_else(|| super::ScaffoldError("settings.py does not parse".into()))?;
            let ssrc = Source {
                path: &settings,
                language: Language::Python,
                text: &stext,
                tree: &tree,
            };
            let sstyle = Style::detect(&ssrc);
            let sind = sstyle.indent.clone();
            let mut edits = Vec::new();
            let mut out = Output::default();
            let mut tail = String::new();
            let q = |s: &str| sstyle.q(s);
            match name {
                "cors" => {
                    edits.extend(
                        list_append(&stext, &tree, "INSTALLED_APPS", &q("corsheaders"), &sind)
                            .unwrap_or_default(),
                    );
                    // CorsMiddleware must come before anything that can answer a request.
                    edits.extend(list_prepend(
                        &stext,
                        &tree,
                        "MIDDLEWARE",
                        &q("corsheaders.middleware.CorsMiddleware"),
                        &sind,
                    ));
                    tail.push_str(&format!("# Allowed origins come from the environment: CORS_ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com\nCORS_ALLOWED_ORIGINS = {ORIGINS_PY}\nCORS_ALLOW_CREDENTIALS = True\n"));
                }
                "securityHeaders" => {
                    if !stext.contains("SecurityMiddleware") {
                        edits.extend(list_prepend(
                            &stext,
                            &tree,
                            "MIDDLEWARE",
                            &q("django.middleware.security.SecurityMiddleware"),
                            &sind,
                        ));
                    }
                    tail.push_str("SECURE_CONTENT_TYPE_NOSNIFF = True\nSECURE_REFERRER_POLICY = \"same-origin\"\nX_FRAME_OPTIONS = \"DENY\"\nSECURE_HSTS_SECONDS = int(os.environ.get(\"SECURE_HSTS_SECONDS\", \"31536000\"))\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n");
                }
                _ => {
                    let dir = src.path.parent().unwrap_or(&project.root);
                    let path = super::free_path(files, dir.join("middleware.py"));
                    let module = python_module(&project.root, &path);
                    let code = "\"\"\"Request ids and one log line per request.\"\"\"\n\nimport logging\nimport re\nimport time\nimport uuid\n\nlogger = logging.getLogger(__name__)\n\n# A client's id is kept only if short and plain: it goes into logs and headers.\nPLAIN_ID = re.compile(r\"[A-Za-z0-9._-]{1,64}\")\n\n\nclass RequestIdMiddleware:\n    \"\"\"Takes X-Request-ID from the request (or makes one) and returns it on the response.\"\"\"\n\n    def __init__(self, get_response):\n        self.get_response = get_response\n\n    def __call__(self, request):\n        incoming = request.headers.get(\"X-Request-ID\", \"\")\n        request.request_id = incoming if PLAIN_ID.fullmatch(incoming) else uuid.uuid4().hex\n        started = time.perf_counter()\n        response = self.get_response(request)\n        response[\"X-Request-ID\"] = request.request_id\n        # %r escapes line breaks a client could put in the path to forge log lines.\n        logger.info(\n            \"%s %r %s %.1fms request_id=%r\",\n            request.method,\n            request.path,\n            response.status_code,\n            (time.perf_counter() - started) * 1000,\n            request.request_id,\n        )\n        return response\n";
                    out.files.push(super::NewFile {
                        path,
                        content: style.render(code, ""),
                    });
                    edits.extend(list_prepend(
                        &stext,
                        &tree,
                        "MIDDLEWARE",
                        &q(&format!("{module}.RequestIdMiddleware")),
                        &sind,
                    ));
                }
            }
            if !tail.is_empty() {
                let mut content = sstyle.render(&tail, "");
                content.insert(0, '\n');
                if !stext.ends_with('\n') {
                    content.insert(0, '\n');
                }
                edits.push(Edit {
                    range: stext.len()..stext.len(),
                    content,
                });
                edits.extend(py_imports(&ssrc, &sstyle, &["import os"]));
            }
            if edits.is_empty() {
                return err("settings.py has no MIDDLEWARE list to add to");
            }
            out.edits.push(super::FileEdit {
                path: settings,
                edits: super::merge_insertions(edits),
            });
            Ok(out)
        }
        _ => err(format!("`{name}` is not an app generator")),
    }
}
