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
/// exists and the file has no metrics yet.
pub fn applicable(src: &Source, app: &App) -> bool {
    app.indent.is_empty()
        && kit(app.framework).is_some_and(|k| !k.present.iter().any(|p| src.text.contains(p)))
}

pub fn generate(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    let Some(kit) = kit(app.framework) else {
        return err(format!(
            "`metrics` is not available for {} yet: add django-prometheus (INSTALLED_APPS, its two middlewares and `include(\"django_prometheus.urls\")`)",
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

/// Starter alerting rules on the metrics written above: error rate, p95 latency, saturation.
pub fn alert_rules(service: &str) -> String {
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
          sum(rate({REQUESTS}{{status=~"5.."}}[5m]))
            / sum(rate({REQUESTS}[5m])) > 0.05
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "{service}: more than 5% of requests fail"
      - alert: HighLatencyP95
        # The 95th percentile of request latency above 500 ms over 5 minutes.
        expr: |
          histogram_quantile(0.95,
            sum by (le) (rate({LATENCY}_bucket[5m]))) > 0.5
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "{service}: p95 latency above 500 ms"
      - alert: Saturation
        # Requests piling up in a process: it cannot keep up with the traffic.
        expr: max({IN_PROGRESS}) > 50
        for: 5m
        labels:
          severity: warn
        annotations:
          summary: "{service}: more than 50 requests in flight in one process"
"#
    )
}
