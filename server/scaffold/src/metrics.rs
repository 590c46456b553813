//! The `metrics` generator on the app object: Prometheus request metrics (count, latency
//! histogram, requests in flight, labelled by route template), a `/metrics` route outside the
//! API schema and registered before any authentication, the client library added to the
//! project's manifest, and a starter alerting rule file whose expressions use the metric names
//! written here.
//!
//! What differs per framework is one row of [`KITS`]; the code around it is shared.

use super::app_object::{js_block, js_import, py_imports, python_block, App};
use super::{err, free_path, Files, Framework, NewFile, Output, Project, Result, Source, Style};

/// The metric names every kit writes (the alerting rules use them).
pub const REQUESTS: &str = "http_requests_total";
pub const LATENCY: &str = "http_request_duration_seconds";
pub const IN_PROGRESS: &str = "http_requests_in_progress";

/// The prom-client declarations every Node kit writes (`{prom_client_metrics}` in its code):
/// Node's process metrics and the three request metrics, named by the constants above.
fn prom_client_metrics() -> String {
    format!(
        "promClient.collectDefaultMetrics();\nconst httpRequests = new promClient.Counter({{\n    name: \"{REQUESTS}\",\n    help: \"HTTP requests by method, route and status.\",\n    labelNames: [\"method\", \"route\", \"status\"],\n}});\nconst httpLatency = new promClient.Histogram({{\n    name: \"{LATENCY}\",\n    help: \"HTTP request latency by method and route.\",\n    labelNames: [\"method\", \"route\"],\n}});\nconst httpInProgress = new promClient.Gauge({{\n    name: \"{IN_PROGRESS}\",\n    help: \"HTTP requests being served.\",\n}});"
    )
}

/// What a framework needs for request metrics.
pub struct Kit {
    pub framework: Framework,
    /// Import lines (template style: double quotes, semicolons).
    pub imports: &'static [&'static str],
    /// The code after the app statement: `{app}` is the app variable, `{def}` the handler
    /// keyword (`def`/`async def`).
    pub code: &'static str,
    /// The distribution to add to the manifest, and its version range.
    pub package: (&'static str, &'static str),
    /// Whether the file already has metrics (the generator is not offered then).
    pub present: &'static [&'static str],
}

pub const KITS: &[Kit] = &[
    Kit {
        framework: Framework::FastApi,
        imports: &[
            "import time",
            "from fastapi import Request, Response",
            "from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest",
        ],
        code: r#"# Prometheus metrics labelled by route template (`/items/{item_id}`), never the raw path,
# so an id in the URL does not create a time series. Several worker processes need
# prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR).
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests by method, route and status.", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency by method and route.", ["method", "route"])
HTTP_IN_PROGRESS = Gauge("http_requests_in_progress", "HTTP requests being served.")


def route_template(request: Request) -> str:
    """The matched route's path template, with the prefix of the router it is included under."""
    route_path = getattr(request.scope.get("route"), "path_format", None)
    if route_path is None:
        return "unmatched"
    # The route knows its path within its router; the prefixes are the start of the URL.
    prefix = request.url.path.split("/")[: -route_path.count("/")]
    return "/".join(prefix) + route_path


@{app}.middleware("http")
async def prometheus_metrics(request: Request, call_next):
    if request.url.path == "/metrics":
        return await call_next(request)
    HTTP_IN_PROGRESS.inc()
    started = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        HTTP_IN_PROGRESS.dec()
        route = route_template(request)
        HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


# Left out of the OpenAPI schema and registered before any authentication: Prometheus scrapes
# it. Keep it off the public network (scrape inside the cluster, or block it at the proxy).
@{app}.get("/metrics", include_in_schema=False)
{def} metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
"#,
        package: ("prometheus-client", ">=0.20"),
        present: &["prometheus_client", "prometheus_fastapi_instrumentator", "/metrics"],
    },
    Kit {
        framework: Framework::Flask,
        imports: &[
            "import time",
            "from flask import Response, g, request",
            "from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest",
        ],
        code: r#"# Prometheus metrics labelled by route rule (`/todos/<int:todo_id>`), never the raw path,
# so an id in the URL does not create a time series. Several gunicorn workers need
# prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR).
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests by method, route and status.", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency by method and route.", ["method", "route"])
HTTP_IN_PROGRESS = Gauge("http_requests_in_progress", "HTTP requests being served.")


@{app}.before_request
def start_request_metrics():
    if request.path != "/metrics":
        g.metrics_started = time.perf_counter()
        HTTP_IN_PROGRESS.inc()


@{app}.after_request
def record_request_metrics(response):
    started = g.get("metrics_started")
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
    return response


@{app}.teardown_request
def end_request_metrics(error=None):
    if g.pop("metrics_started", None) is not None:
        HTTP_IN_PROGRESS.dec()


# Registered before any authentication: Prometheus scrapes it. Keep it off the public
# network (scrape inside the cluster, or block it at the proxy).
@{app}.route("/metrics", methods=["GET"])
def metrics():
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
"#,
        package: ("prometheus-client", ">=0.20"),
        present: &["prometheus_client", "prometheus_flask_exporter", "/metrics"],
    },
    Kit {
        framework: Framework::Express,
        imports: &["const promClient = require(\"prom-client\");"],
        code: r#"// Prometheus metrics labelled by route pattern (`/users/:id`), never the raw URL, so an id
// in the path does not create a time series; plus Node's process metrics (heap, event loop lag).
{prom_client_metrics}
{app}.use((req, res, next) => {
    if (req.path === "/metrics") {
        return next();
    }
    httpInProgress.inc();
    const endTimer = httpLatency.startTimer();
    let done = false;
    const record = () => {
        if (done) {
            return;
        }
        done = true;
        httpInProgress.dec();
        let route = "unmatched";
        if (req.route) {
            // The router's mount path plus the route's own (`/api/dogs` + `/:id`).
            route = req.baseUrl && req.route.path === "/" ? req.baseUrl : req.baseUrl + req.route.path;
        }
        httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
        endTimer({ method: req.method, route });
    };
    res.on("finish", record);
    res.on("close", record);
    next();
});

// Registered before any authentication: Prometheus scrapes it. Keep it off the public
// network (scrape inside the cluster, or block it at the proxy).
{app}.get("/metrics", (req, res, next) => {
    promClient.register
        .metrics()
        .then((body) => {
            res.set("Content-Type", promClient.register.contentType);
            res.end(body);
        })
        .catch(next);
});
"#,
        package: ("prom-client", "^15.1.3"),
        present: &["prom-client", "express-prom-bundle", "/metrics"],
    },
    Kit {
        framework: Framework::Koa,
        imports: &["const promClient = require(\"prom-client\");"],
        code: r#"// Prometheus metrics labelled by the router's pattern (`/users/:id`, from @koa/router or
// koa-router), never the raw URL, so an id in the path does not create a time series; plus
// Node's process metrics (heap, event loop lag).
{prom_client_metrics}
{app}.use(async (ctx, next) => {
    // GET /metrics, answered here: before any authentication middleware, which Prometheus
    // could not pass. Keep it off the public network (scrape inside the cluster, or block it
    // at the proxy).
    if (ctx.path === "/metrics" && ctx.method === "GET") {
        ctx.type = promClient.register.contentType;
        ctx.body = await promClient.register.metrics();
        return;
    }
    httpInProgress.inc();
    const endTimer = httpLatency.startTimer();
    let status = 500;
    try {
        await next();
        status = ctx.status;
    } catch (err) {
        // What Koa will answer for the error.
        status = err.status || err.statusCode || 500;
        throw err;
    } finally {
        httpInProgress.dec();
        // The matched route's pattern, with the router's prefix (`/api/users/:id`).
        const route = ctx._matchedRoute ? String(ctx._matchedRoute) : "unmatched";
        httpRequests.inc({ method: ctx.method, route, status: String(status) });
        endTimer({ method: ctx.method, route });
    }
});
"#,
        package: ("prom-client", "^15.1.3"),
        present: &["prom-client", "koa-prometheus", "/metrics"],
    },
    Kit {
        framework: Framework::Fastify,
        imports: &["const promClient = require(\"prom-client\");"],
        code: r#"// Prometheus metrics labelled by route pattern (`/users/:id`, with the plugin's prefix), never
// the raw URL, so an id in the path does not create a time series; plus Node's process
// metrics (heap, event loop lag). Hooks on the root instance run for the routes of every
// plugin.
{prom_client_metrics}
// The requests counted in flight (an aborted one is uncounted once, by whichever hook runs).
const metricsInFlight = new WeakSet();
{app}.addHook("onRequest", async (request) => {
    if (request.routeOptions.url !== "/metrics") {
        metricsInFlight.add(request);
        httpInProgress.inc();
    }
});
{app}.addHook("onResponse", async (request, reply) => {
    if (!metricsInFlight.delete(request)) {
        return;
    }
    httpInProgress.dec();
    const route = request.is404 ? "unmatched" : request.routeOptions.url;
    httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    httpLatency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
});
{app}.addHook("onRequestAbort", async (request) => {
    if (metricsInFlight.delete(request)) {
        httpInProgress.dec();
    }
});

// Registered on the root instance, outside the plugins that authenticate, and hidden from
// the OpenAPI document (@fastify/swagger): Prometheus scrapes it. Keep it off the public
// network (scrape inside the cluster, or block it at the proxy).
{app}.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    reply.type(promClient.register.contentType);
    return promClient.register.metrics();
});
"#,
        package: ("prom-client", "^15.1.3"),
        present: &["prom-client", "fastify-metrics", "/metrics"],
    },
];

pub fn kit(framework: Framework) -> Option<&'static Kit> {
    KITS.iter().find(|k| k.framework == framework)
}

/// Whether `metrics` is offered on this app: a top-level app (not one inside a factory), a kit
/// exists and the file has no metrics yet. Django: the root URLconf (settings beside it) of a
/// project without django-prometheus.
pub fn applicable(src: &Source, app: &App) -> bool {
    if app.framework == Framework::NestJs {
        return !src.text.contains("prom-client") && !src.text.contains("MetricsModule");
    }
    if app.framework == Framework::Django {
        return !src.text.contains("django_prometheus")
            && super::app_object::settings_path(src.path)
                .and_then(|p| std::fs::read_to_string(p).ok())
                .is_some_and(|t| !t.contains("django_prometheus"));
    }
    app.indent.is_empty()
        && kit(app.framework).is_some_and(|k| !k.present.iter().any(|p| src.text.contains(p)))
}

/// The metric names django-prometheus exports that the alerting rules use.
pub const DJANGO_RESPONSES: &str = "django_http_responses_total_by_status_total";
pub const DJANGO_LATENCY: &str = "django_http_requests_latency_including_middlewares_seconds";
pub const DJANGO_BEFORE: &str = "django_http_requests_before_middlewares_total";
pub const DJANGO_AFTER: &str = "django_http_responses_before_middlewares_total";

/// Django: django-prometheus — its app in `INSTALLED_APPS`, its middlewares first and last in
/// `MIDDLEWARE` (so the latency covers every other middleware), its URLs (`/metrics`) in the
/// root URLconf, the package in the manifest, and alerting rules on the names it exports.
fn django(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    use super::app_object::{list_append, list_prepend, settings_path};
    use ba_syntax::{parse, Language};
    let Some(settings) = settings_path(src.path) else {
        return err("no settings.py beside this urls.py: `metrics` goes in the project's root URLconf, beside its settings (django-prometheus is configured there)");
    };
    let Some(stext) = files.read(&settings) else {
        return err(format!("cannot read {}", settings.display()));
    };
    if stext.contains("django_prometheus") {
        return err("the settings already configure django_prometheus");
    }
    let tree = parse::parse(Language::Python, &stext, None)
        .ok_or_else(|| super::ScaffoldError("settings.py does not parse".into()))?;
    let ssrc = Source {
        path: &settings,
        language: Language::Python,
        text: &stext,
        tree: &tree,
    };
    let sstyle = Style::detect(&ssrc);
    let q = |s: &str| sstyle.q(s);
    let ind = sstyle.indent.clone();
    let no_list = |name: &str| {
        super::ScaffoldError(format!(
            "settings.py has no `{name} = [...]` list to add django-prometheus to"
        ))
    };
    let mut sedits = list_append(
        &stext,
        &tree,
        "INSTALLED_APPS",
        &q("django_prometheus"),
        &ind,
    )
    .ok_or_else(|| no_list("INSTALLED_APPS"))?;
    sedits.push(
        list_prepend(
            &stext,
            &tree,
            "MIDDLEWARE",
            &q("django_prometheus.middleware.PrometheusBeforeMiddleware"),
            &ind,
        )
        .ok_or_else(|| no_list("MIDDLEWARE"))?,
    );
    sedits.extend(
        list_append(
            &stext,
            &tree,
            "MIDDLEWARE",
            &q("django_prometheus.middleware.PrometheusAfterMiddleware"),
            &ind,
        )
        .ok_or_else(|| no_list("MIDDLEWARE"))?,
    );
    let style = Style::detect(src);
    // `/metrics`: keep it off the public network (the comment says so).
    let route = style
        .render("path(\"\", include(\"django_prometheus.urls\"))", "")
        .trim_end()
        .to_owned();
    let mut edits = list_append(src.text, src.tree, &app.name, &route, &style.indent)
        .ok_or_else(|| super::ScaffoldError("`urlpatterns` is not a list literal".into()))?;
    let at = super::line_start(src.text, app.statement.start);
    edits.push(super::Edit {
        range: at..at,
        content: "# django-prometheus serves /metrics (included below) for Prometheus to scrape: keep it\n# off the public network (scrape inside the cluster, or block it at the proxy).\n".into(),
    });
    edits.extend(py_imports(
        src,
        &style,
        &["from django.urls import include, path"],
    ));
    let mut out = Output::edit(src.path, edits);
    out.edits.push(super::FileEdit {
        path: settings,
        edits: super::merge_insertions(sedits),
    });
    if let Some(e) = super::manifest::add_dependency(project, files, "django-prometheus", ">=2.3") {
        out.edits.push(e);
    }
    out.files.push(NewFile {
        path: free_path(files, project.root.join("prometheus").join("alerts.yml")),
        content: alert_rules_on(
            &project.name,
            &Exprs {
                errors: &format!(
                    "sum(rate({DJANGO_RESPONSES}{{status=~\"5..\"}}[5m]))\n            / sum(rate({DJANGO_RESPONSES}[5m])) > 0.05"
                ),
                latency: &format!(
                    "histogram_quantile(0.95,\n            sum by (le) (rate({DJANGO_LATENCY}_bucket[5m]))) > 0.5"
                ),
                in_flight: &format!(
                    "max({DJANGO_BEFORE} - {DJANGO_AFTER}) > 50"
                ),
            },
        ),
    });
    Ok(out)
}

/// NestJS: a global interceptor recording every route (labelled by its pattern).
const NEST_INTERCEPTOR: &str = r#"import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from "@nestjs/common";
import * as promClient from "prom-client";
import { Observable } from "rxjs";

// Prometheus metrics labelled by route pattern (`/cats/:id`), never the raw URL, so an id in
// the path does not create a time series; plus Node's process metrics (heap, event loop lag).
// Requests a guard rejects never reach an interceptor: they are not counted.
{prom_client_metrics}

@Injectable()
export class MetricsInterceptor implements NestInterceptor {
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
        if (context.getType() !== "http") {
            return next.handle();
        }
        const http = context.switchToHttp();
        const request = http.getRequest();
        // The route's pattern: Express's `req.route`, Fastify's `routeOptions`.
        const route: string = request.route?.path ?? request.routeOptions?.url ?? "unmatched";
        if (route === "/metrics") {
            return next.handle();
        }
        const method: string = request.method;
        // The status is known once the answer is written (exception filters included).
        const response = http.getResponse();
        const raw = response.raw ?? response;
        httpInProgress.inc();
        const endTimer = httpLatency.startTimer({ method, route });
        let done = false;
        const record = () => {
            if (done) {
                return;
            }
            done = true;
            httpInProgress.dec();
            httpRequests.inc({ method, route, status: String(raw.statusCode) });
            endTimer();
        };
        raw.once("finish", record);
        raw.once("close", record);
        return next.handle();
    }
}
"#;

const NEST_CONTROLLER: &str = r#"import { Controller, Get, Header } from "@nestjs/common";
{imports}import * as promClient from "prom-client";
{local}
// Prometheus scrapes it: keep it off the public network (scrape inside the cluster, or block it
// at the proxy).{note}
{decorators}@Controller("metrics")
export class MetricsController {
    @Get()
    @Header("Content-Type", promClient.register.contentType)
    metrics(): Promise<string> {
        return promClient.register.metrics();
    }
}
"#;

const NEST_MODULE: &str = r#"import { Module } from "@nestjs/common";
import { APP_INTERCEPTOR } from "@nestjs/core";

import { MetricsController } from "./metrics.controller";
import { MetricsInterceptor } from "./metrics.interceptor";

// Prometheus request metrics for every route (a global interceptor) and GET /metrics.
@Module({
    controllers: [MetricsController],
    providers: [{ provide: APP_INTERCEPTOR, useClass: MetricsInterceptor }],
})
export class MetricsModule {}
"#;

/// The decorator that lets a route past the project's global guard (`@Public()` from the
/// NestJS docs' `SetMetadata(IS_PUBLIC_KEY, true)` pattern, or the like): its name and file.
fn nest_public_decorator(
    project: &Project,
    files: &dyn Files,
) -> Option<(String, std::path::PathBuf)> {
    for (path, _) in project.source_files() {
        let Some(text) = files.read(&path) else {
            continue;
        };
        if !text.contains("SetMetadata") {
            continue;
        }
        for name in ["Public", "SkipAuth", "AllowAnonymous", "IsPublic", "NoAuth"] {
            if text.contains(&format!("export const {name} = ")) {
                return Some((name.to_owned(), path));
            }
        }
    }
    None
}

/// `a/./b/../c` → `a/c` (a relative import joined to its directory).
fn normalize(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// NestJS: `metrics/` beside the root module (a module with a global interceptor and the
/// `/metrics` controller), imported by the module `NestFactory.create` starts.
fn nest(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    let statement = &src.text[app.statement.clone()];
    let root_module = statement
        .split_once("NestFactory.create(")
        .map(|(_, r)| {
            r.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
        })
        .filter(|m| !m.is_empty())
        .ok_or_else(|| super::ScaffoldError("`NestFactory.create(…)` names no module".into()))?;
    // `import { AppModule } from './app.module';`
    let specifier = src
        .text
        .lines()
        .find(|l| {
            l.trim_start().starts_with("import")
                && l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == root_module)
        })
        .and_then(|l| l.rsplit_once(" from ").map(|(_, m)| m))
        .map(|m| m.trim().trim_end_matches(';').trim_matches(['"', '\'']))
        .filter(|m| m.starts_with('.'))
        .ok_or_else(|| {
            super::ScaffoldError(format!(
                "cannot find where {root_module} is imported from in this file"
            ))
        })?;
    let dir = src.path.parent().unwrap_or(&project.root);
    let module_path = ["ts", "js"]
        .iter()
        .map(|ext| dir.join(format!("{specifier}.{ext}")))
        .map(|p| normalize(&p))
        .find(|p| files.exists(p))
        .ok_or_else(|| super::ScaffoldError(format!("cannot read {specifier}")))?;
    let mtext = files
        .read(&module_path)
        .ok_or_else(|| super::ScaffoldError(format!("cannot read {}", module_path.display())))?;
    if mtext.contains("MetricsModule") || mtext.contains("PrometheusModule") {
        return err(format!(
            "{} already imports a metrics module",
            module_path.display()
        ));
    }
    let (edits, style) = super::nest_module::add_module_import(
        &module_path,
        &mtext,
        src.language,
        "MetricsModule",
        "import { MetricsModule } from \"./metrics/metrics.module\";",
    )?;
    let module_dir = module_path.parent().unwrap_or(dir).to_owned();
    let metrics_dir = module_dir.join("metrics");
    if files.exists(&metrics_dir.join("metrics.module.ts")) {
        return err(format!(
            "{} exists",
            metrics_dir.join("metrics.module.ts").display()
        ));
    }
    let mut out = Output::edit(&module_path, edits);
    // The controller passes the global guard the way the project's public routes do.
    let (local, decorators, note) = match nest_public_decorator(project, files) {
        Some((name, path)) => (
            format!(
                "\nimport {{ {name} }} from \"{}\";\n",
                super::relative_specifier(&metrics_dir, &path, false)
            ),
            format!("@{name}()\n"),
            String::new(),
        ),
        None => (
            String::new(),
            String::new(),
            "\n// A global guard (APP_GUARD) would reject Prometheus: let this controller past it."
                .into(),
        ),
    };
    let (imports, decorators) = if project.has("@nestjs/swagger") {
        (
            "import { ApiExcludeController } from \"@nestjs/swagger\";\n",
            format!("@ApiExcludeController()\n{decorators}"),
        )
    } else {
        ("", decorators)
    };
    let controller = NEST_CONTROLLER
        .replace("{imports}", imports)
        .replace("{local}", &local)
        .replace("{decorators}", &decorators)
        .replace("{note}", &note);
    let interceptor = NEST_INTERCEPTOR.replace("{prom_client_metrics}", &prom_client_metrics());
    for (name, code) in [
        ("metrics.module.ts", NEST_MODULE),
        ("metrics.controller.ts", controller.as_str()),
        ("metrics.interceptor.ts", interceptor.as_str()),
    ] {
        out.files.push(NewFile {
            path: metrics_dir.join(name),
            content: style.render(code, ""),
        });
    }
    if let Some(e) = super::manifest::add_dependency(project, files, "prom-client", "^15.1.3") {
        out.edits.push(e);
    }
    out.files.push(NewFile {
        path: free_path(files, project.root.join("prometheus").join("alerts.yml")),
        content: alert_rules(&project.name),
    });
    Ok(out)
}

pub fn generate(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    if app.framework == Framework::Django {
        return django(src, app, project, files);
    }
    if app.framework == Framework::NestJs {
        return nest(src, app, project, files);
    }
    let Some(kit) = kit(app.framework) else {
        return err(format!(
            "`metrics` is not available for {} yet",
            app.framework.name()
        ));
    };
    if !app.indent.is_empty() {
        // Metrics register once per process: a factory called twice (tests do) would register
        // them again and fail.
        return err("`metrics` works on an app created at the top level of a module, not inside an app factory: define the metrics at module level and register the hooks in the factory");
    }
    let style = Style::detect(src);
    let code = kit
        .code
        .replace("{app}", &app.name)
        .replace("{def}", style.def())
        .replace("{prom_client_metrics}", &prom_client_metrics());
    let mut out = match src.family() {
        ba_syntax::Family::Python => {
            let mut edits = vec![python_block(src, app, &style, &code)];
            edits.extend(py_imports(src, &style, kit.imports));
            Output::edit(src.path, edits)
        }
        ba_syntax::Family::JavaScript => {
            let imports: Vec<String> = kit
                .imports
                .iter()
                .filter_map(|l| {
                    let (binding, module) = l
                        .strip_prefix("const ")?
                        .trim_end_matches(';')
                        .split_once(" = require(")?;
                    Some(js_import(&style, binding, module.trim_matches(['"', ')'])))
                })
                .collect();
            js_block(src, app, &style, &code, &imports, false)
        }
    };
    if let Some(e) = super::manifest::add_dependency(project, files, kit.package.0, kit.package.1) {
        out.edits.push(e);
    }
    out.files.push(NewFile {
        path: free_path(files, project.root.join("prometheus").join("alerts.yml")),
        content: alert_rules(&project.name),
    });
    Ok(out)
}

/// The expressions of the three alerting rules.
struct Exprs<'a> {
    errors: &'a str,
    latency: &'a str,
    in_flight: &'a str,
}

/// Starter alerting rules on the metrics written above: error rate, p95 latency, saturation.
pub fn alert_rules(service: &str) -> String {
    alert_rules_on(
        service,
        &Exprs {
            errors: &format!(
                "sum(rate({REQUESTS}{{status=~\"5..\"}}[5m]))\n            / sum(rate({REQUESTS}[5m])) > 0.05"
            ),
            latency: &format!(
                "histogram_quantile(0.95,\n            sum by (le) (rate({LATENCY}_bucket[5m]))) > 0.5"
            ),
            in_flight: &format!("max({IN_PROGRESS}) > 50"),
        },
    )
}

fn alert_rules_on(service: &str, e: &Exprs) -> String {
    let Exprs {
        errors,
        latency,
        in_flight,
    } = e;
    format!(
        r#"# Prometheus alerting rules for {service} (generated by backend-architect), on the metrics
# its /metrics endpoint exports. Load with `rule_files: [alerts.yml]` in prometheus.yml and
# tune the thresholds to the service's objectives.
groups:
  - name: {service}-http
    rules:
      - alert: HighErrorRate
        # More than 5% of requests answered 5xx over 5 minutes.
        expr: |
          {errors}
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "{service}: more than 5% of requests fail"
      - alert: HighLatencyP95
        # The 95th percentile of request latency above 500 ms over 5 minutes.
        expr: |
          {latency}
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "{service}: p95 latency above 500 ms"
      - alert: Saturation
        # Requests piling up in a process: it cannot keep up with the traffic.
        expr: {in_flight}
        for: 5m
        labels:
          severity: warn
        annotations:
          summary: "{service}: more than 50 requests in flight in one process"
"#
    )
}
