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
promClient.collectDefaultMetrics();
const httpRequests = new promClient.Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route and status.",
    labelNames: ["method", "route", "status"],
});
const httpLatency = new promClient.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency by method and route.",
    labelNames: ["method", "route"],
});
const httpInProgress = new promClient.Gauge({
    name: "http_requests_in_progress",
    help: "HTTP requests being served.",
});
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
];

pub fn kit(framework: Framework) -> Option<&'static Kit> {
    KITS.iter().find(|k| k.framework == framework)
}

/// Whether `metrics` is offered on this app: a top-level app (not one inside a factory), a kit
/// exists and the file has no metrics yet. Django: the root URLconf (settings beside it) of a
/// project without django-prometheus.
pub fn applicable(src: &Source, app: &App) -> bool {
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

pub fn generate(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    if app.framework == Framework::Django {
        return django(src, app, project, files);
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
        .replace("{def}", style.def());
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
