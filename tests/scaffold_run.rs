//! The generated code, run: `cache` is applied to a FastAPI, a Flask, a Django and an Express
//! route, each app is started against a Redis server of the test's own (Debian's
//! `redis-server`, on a free port), and a second read must be answered from Redis (the entry
//! stored by the first is replaced behind the app's back, or, for Django, the data behind the
//! view is) while a write to the same resource makes the next read come from the handler again.
//! `metrics` is applied to a FastAPI, a Flask and an Express app that
//! are then started, and `/metrics` must answer Prometheus text with the request metrics of
//! routes just requested (labelled by route template) and every metric the generated alerting
//! rules use; `loadTest` writes a Locust file (FastAPI) and an autocannon script (Express) that
//! run headless for a few seconds against the app, pass, and fail when a threshold is not met.
//!
//! Koa, Fastify and NestJS apps get `metrics`, `tracing`, `cache` and `loadTest` together and
//! are run the same way (`node_observability_and_cache_run`; the NestJS one compiled with `tsc`
//! first). The NestJS and TypeGraphQL resolvers `graphqlResolver` writes are compiled with `tsc`
//! and put in a schema (`nest_graphql_resolver_compiles_to_a_schema`,
//! `typegraphql_resolver_compiles_and_runs_with_the_projects_auth_checker`).
//!
//! The Python packages are installed once per build directory (`pip install --target`, no
//! virtual environment needed), the Node ones by one `npm install` per build directory shared
//! by every Node test (`NODE_PACKAGES`, checked against the manifests the generators edited). Without python3/pip/node/npm or the registries this is a
//! skip locally and a failure in CI (`CI` set).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{apply, project_copy, run, run_project};

/// What the generated Python code needs, beside the fixtures' own requirements (also read by
/// `.ci/run`, which installs it while the workspace builds).
const PYTHON_REQUIREMENTS: &str = "../../tests/scaffold/run-requirements.txt";

fn unavailable(what: &str) -> Option<PathBuf> {
    if std::env::var_os("CI").is_some() {
        panic!("{what}: needed to run the generated code");
    }
    eprintln!("note: {what}; the generated code is not run");
    None
}

/// A directory with the Python packages (for `PYTHONPATH`), installed on first use.
fn python_packages() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold-python");
        // Found, not imported: some (graphene_django) need Django's settings to import.
        let probe = "import importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in \
            ('fastapi', 'uvicorn', 'flask', 'prometheus_client', 'locust', 'sqlalchemy', 'alembic', 'redis', \
            'django', 'django_prometheus', 'pytest', 'httpx', 'strawberry', 'graphene', 'ariadne', \
            'graphene_django', 'channels', 'daphne', 'opentelemetry.instrumentation.django', 'aiosqlite')))";
        let ready = |dir: &Path| {
            Command::new("python3")
                .args(["-c", probe])
                .env("PYTHONPATH", dir)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if ready(&dir) {
            return Some(dir);
        }
        let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join(PYTHON_REQUIREMENTS);
        let out = Command::new("python3")
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(["--upgrade", "--target"])
            .arg(&dir)
            .arg("-r")
            .arg(&requirements)
            .output();
        match out {
            Ok(o) if o.status.success() && ready(&dir) => Some(dir),
            Ok(o) => unavailable(&format!(
                "pip install -r {} failed:\n{}",
                requirements.display(),
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => unavailable(&format!("python3 -m pip: {e}")),
        }
    })
    .clone()
}

/// A process killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.0 request: (status, headers, body).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Starts `cmd` in `root` and waits until `port` answers (the server's output on failure).
fn start(root: &Path, cmd: &mut Command, port: u16) -> Server {
    let log = root.join("server.log");
    let file = std::fs::File::create(&log).unwrap();
    let child = cmd
        .current_dir(root)
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline || server.0.try_wait().unwrap().is_some() {
            panic!(
                "the server did not start:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// Every `http_…` metric the alerting rules use is exported by `/metrics`.
fn alerts_match(root: &Path, exposition: &str) {
    let rules = std::fs::read_to_string(root.join("prometheus/alerts.yml")).unwrap();
    let mut used: Vec<&str> = rules
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("http_") || w.starts_with("django_http_"))
        .collect();
    used.sort();
    used.dedup();
    assert!(used.len() >= 3, "{used:?}");
    for m in used {
        assert!(
            exposition
                .lines()
                .any(|l| !l.starts_with('#') && l.starts_with(m)),
            "alerts.yml uses {m}, which /metrics does not export:\n{exposition}"
        );
    }
}

fn metrics_answer(port: u16, root: &Path, route: &str) -> String {
    let (status, head, body) = http(port, "GET", "/metrics", None);
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(head.contains("content-type: text/plain"), "{head}");
    assert!(
        body.contains(&format!("route=\"{route}\"")),
        "no series for {route}:\n{body}"
    );
    assert!(!body.contains("route=\"/metrics\""), "{body}");
    alerts_match(root, &body);
    body
}

fn run_checked(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs the generated Locust file headless for three seconds against the app on `port`.
fn locust_run(root: &Path, packages: &Path, port: u16, max_p95: &str) -> (bool, String) {
    run_checked(
        Command::new("python3")
            .args([
                "-m",
                "locust",
                "-f",
                "loadtests/locustfile.py",
                "--headless",
            ])
            .args(["--users", "10", "--spawn-rate", "10", "--run-time", "3s"])
            .args([
                "--host",
                &format!("http://127.0.0.1:{port}"),
                "--only-summary",
            ])
            .env("PYTHONPATH", packages)
            .env("LOAD_TEST_MAX_P95_MS", max_p95)
            .env("LOAD_TEST_TOKEN", "load-test")
            .current_dir(root),
    )
}

#[test]
fn fastapi_metrics_and_locust_load_test_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = project_copy("shelf");
    let out = run(&root, "app/main.py", "app = FastAPI", "metrics").unwrap();
    apply(&root, &out);
    let requirements = std::fs::read_to_string(root.join("requirements.txt")).unwrap();
    assert!(
        requirements.contains("prometheus-client>=0.20"),
        "{requirements}"
    );
    let out = run(&root, "app/main.py", "app = FastAPI", "tracing").unwrap();
    apply(&root, &out);
    let out = run(&root, "app/main.py", "app = FastAPI", "loadTest").unwrap();
    apply(&root, &out);
    let locustfile = std::fs::read_to_string(root.join("loadtests/locustfile.py")).unwrap();
    // Routes under the routers' prefixes, a body from the Pydantic model, reads weighted
    // over writes, no DELETE, the authenticated route listed and not requested.
    assert!(locustfile.contains("@task(3)\n    def list_books(self):\n        self.client.get(\"/api/books\", name=\"/api/books\")"), "{locustfile}");
    assert!(
        locustfile.contains("self.client.get(\"/api/books/1\", name=\"/api/books/{book_id}\")"),
        "{locustfile}"
    );
    assert!(
        locustfile.contains("json={\"title\": \"example\", \"author\": \"example\", \"year\": 1}"),
        "{locustfile}"
    );
    assert!(!locustfile.contains("delete"), "{locustfile}");
    assert!(locustfile.contains("        # Needs authentication (LOAD_TEST_TOKEN).\n        self.client.get(\"/api/readers/me\""), "{locustfile}");

    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args(["-m", "uvicorn", "app.main:app", "--port", &port.to_string()])
            .env("PYTHONPATH", &packages)
            // Spans printed (and exported quickly) rather than sent anywhere.
            .env("OTEL_TRACES_EXPORTER", "console")
            .env("OTEL_BSP_SCHEDULE_DELAY", "50"),
        port,
    );
    assert_eq!(http(port, "GET", "/api/books/1", None).0, 200);
    assert_eq!(http(port, "GET", "/api/nope", None).0, 404);
    let body = metrics_answer(port, &root, "/api/books/{book_id}");
    assert!(body.contains("route=\"unmatched\""), "{body}");
    // The request's span reached the console exporter, named by the route template.
    let log = root.join("server.log");
    wait_for_log(&log, "\"name\": \"GET /api/books/{book_id}\"");
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("\"service.name\": \"shelf\""));
    // `/metrics` is not in the API schema.
    let (_, _, schema) = http(port, "GET", "/openapi.json", None);
    assert!(
        schema.contains("/api/books") && !schema.contains("/metrics"),
        "{schema}"
    );

    // The body the load test posts is one the app accepts.
    let (status, _, created) = http(
        port,
        "POST",
        "/api/books",
        Some("{\"title\": \"example\", \"author\": \"example\", \"year\": 1}"),
    );
    assert_eq!(status, 201, "{created}");
    let locust = |max_p95: &str| locust_run(&root, &packages, port, max_p95);
    // Generous: a shared CI machine is slow, and this proves the run, not the app's speed.
    let (ok, report) = locust("5000");
    assert!(ok, "the load test failed:\n{report}");
    let aggregated = report
        .lines()
        .find(|l| l.trim_start().starts_with("Aggregated"))
        .unwrap_or_else(|| panic!("no summary:\n{report}"));
    assert!(
        aggregated.contains(" 0(0.00%)"),
        "requests failed:\n{report}"
    );
    assert!(report.contains("/api/books"), "{report}");
    // The threshold is enforced: no latency is below -1 ms.
    let (ok, report) = locust("-1");
    assert!(!ok, "a p95 threshold of -1 ms passed:\n{report}");
    assert!(report.contains("p95 latency"), "{report}");
    // One route's load test: only its requests, at its full path.
    let out = run(
        &root,
        "app/routers/books.py",
        "async def read_book",
        "loadTestRoute",
    )
    .unwrap();
    apply(&root, &out);
    let (ok, report) = run_checked(
        Command::new("python3")
            .args([
                "-m",
                "locust",
                "-f",
                "loadtests/locustfile_read_book.py",
                "--headless",
            ])
            .args(["--users", "5", "--spawn-rate", "5", "--run-time", "3s"])
            .args([
                "--host",
                &format!("http://127.0.0.1:{port}"),
                "--only-summary",
            ])
            .env("PYTHONPATH", &packages)
            .env("LOAD_TEST_MAX_P95_MS", "5000")
            .current_dir(&root),
    );
    assert!(ok, "the route's load test failed:\n{report}");
    let rows: Vec<&str> = report
        .lines()
        .filter(|l| l.trim_start().starts_with("GET") || l.trim_start().starts_with("POST"))
        .collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.contains("/api/books/{book_id}")),
        "{report}"
    );
}

/// An app whose only API is a mounted GraphQL router (Strawberry's `GraphQLRouter`): the load
/// test posts a query of the schema's fields and counts a 200 with `errors` as a failure.
#[test]
fn graphql_only_app_locust_load_test_runs() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = project_copy("atlas");
    let main = std::fs::read_to_string(root.join("app/main.py")).unwrap();
    let cut = main.find("\n\n@app.get(\"/api/version\")").unwrap();
    std::fs::write(root.join("app/main.py"), format!("{}\n", &main[..cut])).unwrap();
    apply(
        &root,
        &run(&root, "app/main.py", "app = FastAPI", "loadTest").unwrap(),
    );
    let locustfile = std::fs::read_to_string(root.join("loadtests/locustfile.py")).unwrap();
    assert!(
        locustfile.contains("self.client.post(\"/graphql\", json={\"query\": \"query LoadTest { version }\"}, name=\"/graphql\", catch_response=True)"),
        "{locustfile}"
    );
    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args(["-m", "uvicorn", "app.main:app", "--port", &port.to_string()])
            .env("PYTHONPATH", &packages)
            .env("DATABASE_URL", "sqlite://"),
        port,
    );
    let locust = |file: &str| {
        run_checked(
            Command::new("python3")
                .args(["-m", "locust", "-f", file, "--headless"])
                .args(["--users", "5", "--spawn-rate", "5", "--run-time", "2s"])
                .args([
                    "--host",
                    &format!("http://127.0.0.1:{port}"),
                    "--only-summary",
                ])
                .env("PYTHONPATH", &packages)
                .env("LOAD_TEST_MAX_P95_MS", "5000")
                .current_dir(&root),
        )
    };
    let (ok, report) = locust("loadtests/locustfile.py");
    assert!(ok, "the load test failed:\n{report}");
    assert!(
        report.contains("POST") && report.contains("/graphql"),
        "{report}"
    );
    // A query the schema refuses is answered 200 with `errors`: counted as failed.
    std::fs::write(
        root.join("loadtests/locustfile_broken.py"),
        locustfile.replace("{ version }", "{ nope }"),
    )
    .unwrap();
    let (ok, report) = locust("loadtests/locustfile_broken.py");
    assert!(!ok, "GraphQL errors passed as successes:\n{report}");
    assert!(report.contains("error rate"), "{report}");
}

#[test]
fn flask_metrics_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("requirements.txt"), "flask>=3\n").unwrap();
    std::fs::write(
        root.join("app.py"),
        "from flask import Flask, abort\n\napp = Flask(__name__)\nNOTES = {1: {\"id\": 1, \"text\": \"hello\"}}\n\n\n@app.route(\"/notes/<int:note_id>\")\ndef read_note(note_id):\n    note = NOTES.get(note_id)\n    if note is None:\n        abort(404)\n    return note\n",
    )
    .unwrap();
    for g in ["metrics", "tracing", "loadTest"] {
        apply(&root, &run(&root, "app.py", "app = Flask", g).unwrap());
    }
    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args([
                "-m",
                "flask",
                "--app",
                "app",
                "run",
                "--port",
                &port.to_string(),
            ])
            .env("PYTHONPATH", &packages)
            .env("OTEL_TRACES_EXPORTER", "console")
            .env("OTEL_BSP_SCHEDULE_DELAY", "50"),
        port,
    );
    assert_eq!(http(port, "GET", "/notes/1", None).0, 200);
    assert_eq!(http(port, "GET", "/notes/2", None).0, 404);
    let body = metrics_answer(port, &root, "/notes/<int:note_id>");
    assert!(body.contains("status=\"404\""), "{body}");
    // The request's span, named by the route rule, on the console exporter.
    wait_for_log(&root.join("server.log"), "/notes/<int:note_id>\"");
    let (ok, report) = locust_run(&root, &packages, port, "5000");
    assert!(ok, "the load test failed:\n{report}");
}

#[test]
fn django_metrics_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = django_project();
    let store = root.join("notes.json");
    std::fs::write(&store, "[{\"id\": 1, \"text\": \"hello\"}]").unwrap();
    apply(
        &root,
        &run(&root, "memo/urls.py", "urlpatterns", "metrics").unwrap(),
    );
    apply(
        &root,
        &run(&root, "memo/urls.py", "urlpatterns", "loadTest").unwrap(),
    );
    let settings = std::fs::read_to_string(root.join("memo/settings.py")).unwrap();
    // First and last: the latency covers every other middleware.
    assert!(
        settings.contains("MIDDLEWARE = [\n    \"django_prometheus.middleware.PrometheusBeforeMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n    \"django_prometheus.middleware.PrometheusAfterMiddleware\",\n]"),
        "{settings}"
    );
    let requirements = std::fs::read_to_string(root.join("requirements.txt")).unwrap();
    assert!(
        requirements.contains("django-prometheus>=2.3"),
        "{requirements}"
    );
    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args(["manage.py", "runserver", "--noreload"])
            .arg(format!("127.0.0.1:{port}"))
            .env("PYTHONPATH", &packages)
            .env("NOTES_FILE", &store),
        port,
    );
    assert_eq!(http(port, "GET", "/api/notes/1/", None).0, 200);
    assert_eq!(http(port, "GET", "/api/notes/9/", None).0, 404);
    let (status, head, body) = http(port, "GET", "/metrics", None);
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(head.contains("content-type: text/plain"), "{head}");
    assert!(
        body.lines().any(
            |l| l.starts_with("django_http_responses_total_by_status_total{")
                && l.contains("status=\"404\"")
        ),
        "{body}"
    );
    alerts_match(&root, &body);
    // The routes under `include("notes.urls")`, a note posted with the key the view reads.
    let locustfile = std::fs::read_to_string(root.join("loadtests/locustfile.py")).unwrap();
    assert!(locustfile.contains("/api/notes/1/"), "{locustfile}");
    let (ok, report) = locust_run(&root, &packages, port, "5000");
    assert!(ok, "the load test failed:\n{report}");
}

/// Django `tracing`: `tracing.py` in the project package, started by manage.py right after it
/// names the settings; a request's span reaches the console exporter.
#[test]
fn django_tracing_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = django_project();
    let store = root.join("notes.json");
    std::fs::write(&store, "[{\"id\": 1, \"text\": \"hello\"}]").unwrap();
    apply(
        &root,
        &run(&root, "memo/urls.py", "urlpatterns", "tracing").unwrap(),
    );
    let manage = std::fs::read_to_string(root.join("manage.py")).unwrap();
    assert!(
        manage.contains("os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"memo.settings\")\n    from memo.tracing import start_tracing\n    start_tracing()\n"),
        "{manage}"
    );
    let requirements = std::fs::read_to_string(root.join("requirements.txt")).unwrap();
    assert!(
        requirements.contains("opentelemetry-instrumentation-django>=0.46b0"),
        "{requirements}"
    );
    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args(["manage.py", "runserver", "--noreload"])
            .arg(format!("127.0.0.1:{port}"))
            .env("PYTHONPATH", &packages)
            .env("NOTES_FILE", &store)
            .env("OTEL_TRACES_EXPORTER", "console")
            .env("OTEL_BSP_SCHEDULE_DELAY", "50"),
        port,
    );
    assert_eq!(http(port, "GET", "/api/notes/1/", None).0, 200);
    let log = root.join("server.log");
    // Named by the route, not the raw path.
    wait_for_log(&log, "notes/<int:pk>/");
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("\"http.status_code\": 200"));
}

/// Every Node package the tests run generated code with: the fixtures' own and what the
/// generators add, at the ranges they write (`node_modules_for` checks that each project's
/// package.json asks for nothing else).
const NODE_PACKAGES: &[(&str, &str)] = &[
    // The fixtures: kennel (Express), burrow (Koa), stable (Fastify).
    ("express", "^4.21.2"),
    ("koa", "^3.1.1"),
    ("@koa/router", "^15.0.0"),
    ("koa-router", "^14.0.0"),
    ("@koa/bodyparser", "^6.0.0"),
    ("fastify", "^5.6.1"),
    // metrics, cache, loadTest.
    ("prom-client", "^15.1.3"),
    ("ioredis", "^5.4.1"),
    ("autocannon", "^9.0.0"),
    // tracing.
    ("@opentelemetry/sdk-trace-node", "^2.12.0"),
    ("@opentelemetry/resources", "^2.12.0"),
    ("@opentelemetry/exporter-trace-otlp-http", "^0.223.0"),
    ("@opentelemetry/instrumentation", "^0.223.0"),
    ("@opentelemetry/instrumentation-http", "^0.223.0"),
    ("@opentelemetry/instrumentation-express", "^0.71.1"),
    ("@opentelemetry/instrumentation-koa", "^0.71.0"),
    ("@fastify/otel", "^0.21.2"),
    // NestJS (cattery), its tracing and the TypeScript compiler that builds it.
    ("@nestjs/common", "^11.1.6"),
    ("@nestjs/core", "^11.1.6"),
    ("@nestjs/platform-express", "^11.1.6"),
    ("@nestjs/swagger", "^11.2.0"),
    ("reflect-metadata", "^0.2.2"),
    ("rxjs", "^7.8.2"),
    ("@opentelemetry/instrumentation-nestjs-core", "^0.70.0"),
    ("typescript", "^5.9.2"),
    ("@types/node", "^22.18.0"),
    // What the NestJS GraphQL resolver and its Jest spec import (kiln), for `tsc`.
    ("@nestjs/graphql", "^13.4.4"),
    ("@nestjs/typeorm", "^11.0.3"),
    ("typeorm", "^0.3.27"),
    ("@nestjs/testing", "^11.1.6"),
    ("@types/jest", "^30.0.0"),
    // TypeGraphQL (pottery).
    ("type-graphql", "^2.0.0-rc.4"),
    ("graphql-scalars", "^1.24.2"),
    // What the generated GraphQL and WebSocket tests use (`websocket`, `graphqlResolver`).
    ("ws", "^8.18.0"),
    ("socket.io", "^4.8.1"),
    ("socket.io-client", "^4.8.1"),
    ("@apollo/server", "^4.11.3"),
    ("graphql-yoga", "^5.10.0"),
    ("mercurius", "^16.0.0"),
    ("@graphql-tools/schema", "^10.0.0"),
    ("graphql", "^16.10.0"),
    ("mongoose", "^8.9.5"),
];

/// One `npm install` of [`NODE_PACKAGES`] per build directory, shared by every Node test (an
/// install per project would cost each test its own 10–20 s in CI).
fn shared_node_modules() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let ok = |cmd: &str| {
            Command::new(cmd)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !ok("node") || !ok("npm") {
            return unavailable("node or npm is missing");
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold-node");
        std::fs::create_dir_all(&dir).unwrap();
        let deps: serde_json::Map<String, serde_json::Value> = NODE_PACKAGES
            .iter()
            .map(|(n, v)| ((*n).to_owned(), serde_json::Value::from(*v)))
            .collect();
        let manifest = serde_json::to_string_pretty(&serde_json::json!({
            "name": "scaffold-run",
            "private": true,
            "dependencies": deps,
        }))
        .unwrap();
        // Installed already for this very list: nothing to do.
        let stamp = dir.join("node_modules/.installed-for");
        if std::fs::read_to_string(&stamp).is_ok_and(|s| s == manifest) {
            return Some(dir.join("node_modules"));
        }
        std::fs::write(dir.join("package.json"), &manifest).unwrap();
        let (installed, log) = run_checked(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir),
        );
        if !installed {
            return unavailable(&format!("npm install failed:\n{log}"));
        }
        std::fs::write(&stamp, &manifest).unwrap();
        Some(dir.join("node_modules"))
    })
    .clone()
}

/// Links the shared `node_modules` into a project copy, after checking that its package.json
/// (as the generators left it) asks for what is installed there.
fn node_modules_for(root: &Path) -> bool {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("package.json")).unwrap()).unwrap();
    for section in ["dependencies", "devDependencies"] {
        for (name, range) in manifest[section].as_object().into_iter().flatten() {
            // The fixtures' test runners are not run here.
            if section == "devDependencies" && name != "autocannon" {
                continue;
            }
            assert!(
                NODE_PACKAGES
                    .iter()
                    .any(|(n, r)| n == name && Some(*r) == range.as_str()),
                "{name}@{range} ({section} of {}) is not among the tests' Node packages",
                root.display()
            );
        }
    }
    let Some(modules) = shared_node_modules() else {
        return false;
    };
    std::os::unix::fs::symlink(modules, root.join("node_modules")).unwrap();
    true
}

/// Waits until `log` contains `needle` (a span printed by the console exporter).
fn wait_for_log(log: &Path, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(log)
        .unwrap_or_default()
        .contains(needle)
    {
        assert!(
            Instant::now() < deadline,
            "no `{needle}` in the log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn express_metrics_and_autocannon_load_test_run() {
    let (_tmp, root) = project_copy("kennel");
    let out = run(&root, "src/app.js", "const app = express()", "metrics").unwrap();
    apply(&root, &out);
    let out = run(&root, "src/app.js", "const app = express()", "loadTest").unwrap();
    apply(&root, &out);
    let out = run(&root, "src/app.js", "const app = express()", "tracing").unwrap();
    apply(&root, &out);
    let entry = std::fs::read_to_string(root.join("src/server.js")).unwrap();
    assert!(
        entry.starts_with("'use strict';\n\nrequire('./tracing'); // first"),
        "{entry}"
    );
    let manifest = std::fs::read_to_string(root.join("package.json")).unwrap();
    assert!(
        manifest.contains("\"prom-client\": \"^15.1.3\","),
        "{manifest}"
    );
    assert!(
        manifest.contains("\"autocannon\": \"^9.0.0\","),
        "{manifest}"
    );
    let script = std::fs::read_to_string(root.join("loadtests/load-test.js")).unwrap();
    assert!(
        script.contains("{ weight: 3, method: 'GET', path: '/api/dogs' },"),
        "{script}"
    );
    assert!(script.contains("path: '/api/dogs/1'"), "{script}");
    assert!(
        script.contains("body: JSON.stringify({ name: 'example', breed: 'example' })"),
        "{script}"
    );
    assert!(
        script.contains("path: '/api/admin/stats' }, // needs authentication"),
        "{script}"
    );
    if !node_modules_for(&root) {
        return;
    }
    let port = free_port();
    let _server = start(
        &root,
        Command::new("node")
            .arg("src/server.js")
            .env("PORT", port.to_string())
            .env("ADMIN_TOKEN", "load-test"),
        port,
    );
    assert_eq!(http(port, "GET", "/api/dogs/1", None).0, 200);
    metrics_answer(port, &root, "/api/dogs/:id");
    // Without OTEL_* nothing is traced; with the console exporter the request's span is
    // printed, named by the route pattern (a second instance: the load test below would
    // print thousands).
    let traced_port = free_port();
    let traced_root = root.join("traced");
    std::fs::create_dir_all(&traced_root).unwrap();
    {
        let _traced = start(
            &traced_root,
            Command::new("node")
                .arg(root.join("src/server.js"))
                .env("PORT", traced_port.to_string())
                .env("OTEL_TRACES_EXPORTER", "console")
                .env("OTEL_BSP_SCHEDULE_DELAY", "50"),
            traced_port,
        );
        assert_eq!(http(traced_port, "GET", "/api/dogs/1", None).0, 200);
        let log = traced_root.join("server.log");
        wait_for_log(&log, "name: 'GET /api/dogs/:id'");
        assert!(std::fs::read_to_string(&log)
            .unwrap()
            .contains("'service.name': 'kennel'"));
    }
    assert!(
        !std::fs::read_to_string(root.join("server.log"))
            .unwrap()
            .contains("service.name"),
        "traced without OTEL_* set"
    );
    let autocannon = |max_p95: &str| {
        run_checked(
            Command::new("node")
                .arg("loadtests/load-test.js")
                .env("BASE_URL", format!("http://127.0.0.1:{port}"))
                .env("DURATION", "2")
                .env("CONNECTIONS", "4")
                .env("LOAD_TEST_MAX_P95_MS", max_p95)
                .env("LOAD_TEST_TOKEN", "load-test")
                .current_dir(&root),
        )
    };
    let (ok, report) = autocannon("5000");
    assert!(ok, "the load test failed:\n{report}");
    assert!(report.contains("\"errorRate\":0"), "{report}");
    let (ok, report) = autocannon("-1");
    assert!(!ok, "a p95 threshold of -1 ms passed:\n{report}");
    assert!(report.contains("over the thresholds"), "{report}");
    // One route's load test (its full path under the router's mount).
    let out = run(
        &root,
        "src/routes/dogs.js",
        "router.get('/:id'",
        "loadTestRoute",
    )
    .unwrap();
    apply(&root, &out);
    let (ok, report) = run_checked(
        Command::new("node")
            .arg("loadtests/load-test-get-id.js")
            .env("BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("DURATION", "1")
            .env("CONNECTIONS", "2")
            .env("LOAD_TEST_MAX_P95_MS", "5000")
            .current_dir(&root),
    );
    assert!(ok, "the route's load test failed:\n{report}");
    assert!(report.contains("\"errorRate\":0"), "{report}");
}

#[test]
fn alembic_migrations_autogenerate_and_upgrade_sqlite() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = project_copy("ledger");
    let out = run_project(&root, "migrations").unwrap();
    apply(&root, &out);
    let env_py = std::fs::read_to_string(root.join("migrations/env.py")).unwrap();
    assert!(
        env_py.contains("import ledger.models  # noqa: F401"),
        "{env_py}"
    );
    assert!(env_py.contains("from ledger.db import Base"), "{env_py}");
    assert!(
        env_py.contains("os.environ[\"LEDGER_DATABASE_URL\"]"),
        "{env_py}"
    );
    let db = root.join("ledger.sqlite3");
    let alembic = |args: &[&str]| {
        run_checked(
            Command::new("python3")
                .args(["-m", "alembic"])
                .args(args)
                .env("PYTHONPATH", &packages)
                .env("LEDGER_DATABASE_URL", format!("sqlite:///{}", db.display()))
                .current_dir(&root),
        )
    };
    let (ok, log) = alembic(&["revision", "--autogenerate", "-m", "create tables"]);
    assert!(ok, "{log}");
    assert!(log.contains("Detected added table 'accounts'"), "{log}");
    assert!(log.contains("Detected added table 'entries'"), "{log}");
    let (ok, log) = alembic(&["upgrade", "head"]);
    assert!(ok, "{log}");
    let (ok, tables) = run_checked(
        Command::new("python3")
            .args([
                "-c",
                "import sqlite3, sys; print(sorted(r[0] for r in sqlite3.connect(sys.argv[1]).execute(\"select name from sqlite_master where type = 'table'\")))",
            ])
            .arg(&db),
    );
    assert!(ok, "{tables}");
    assert!(
        tables.contains("['accounts', 'alembic_version', 'entries']"),
        "{tables}"
    );
    // Nothing left to migrate: a second autogenerate finds no change.
    let (ok, log) = alembic(&["check"]);
    assert!(
        ok && log.contains("No new upgrade operations detected"),
        "{log}"
    );
}

// ---- cache: a Redis server of our own, the generated cache-aside run against it ------------

/// A `redis-server` on a free port, with nothing saved to disk, stopped when dropped; `None`
/// (a skip locally, a failure in CI, which installs Debian's redis-server) when it is missing.
struct Redis {
    _server: Server,
    port: u16,
    // Its working directory (and log), removed after the server stops.
    _dir: tempfile::TempDir,
}

fn redis_server() -> Option<Redis> {
    let installed = |cmd: &str| {
        Command::new(cmd)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !installed("redis-server") || !installed("redis-cli") {
        unavailable("redis-server or redis-cli is missing (apt-get install redis-server)");
        return None;
    }
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        dir.path(),
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path()),
        port,
    );
    Some(Redis {
        _server: server,
        port,
        _dir: dir,
    })
}

/// `redis-cli -p port args…`, its output trimmed.
fn redis_cli(port: u16, args: &[&str]) -> String {
    let (ok, out) = run_checked(
        Command::new("redis-cli")
            .args(["-p", &port.to_string()])
            .args(args),
    );
    assert!(ok, "redis-cli {args:?}: {out}");
    out.trim().to_owned()
}

/// The one key matching `pattern`, once it is there (a Node app stores after answering).
fn cache_key(port: u16, pattern: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let keys = redis_cli(port, &["--scan", "--pattern", pattern]);
        let keys: Vec<&str> = keys.lines().filter(|l| !l.is_empty()).collect();
        match keys.as_slice() {
            [one] => return (*one).to_owned(),
            [] if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => panic!(
                "expected one key matching {pattern}, found {keys:?} (all: {})",
                redis_cli(port, &["--scan"])
            ),
        }
    }
}

/// The answer stored under `key` is replaced with `marker` (same TTL, which must be the
/// generated 60 s): a read that answers it came from the cache, not the handler.
fn plant(port: u16, key: &str, marker: &str) {
    let ttl: i64 = redis_cli(port, &["ttl", key]).parse().unwrap();
    assert!((1..=60).contains(&ttl), "{key} has TTL {ttl}");
    assert_eq!(redis_cli(port, &["set", key, marker, "keepttl"]), "OK");
}

#[test]
fn fastapi_cache_serves_reads_from_redis_and_writes_invalidate() {
    let Some(packages) = python_packages() else {
        return;
    };
    let Some(redis) = redis_server() else {
        return;
    };
    let redis_port = redis.port;
    let (_tmp, root) = project_copy("shelf");
    let file = "app/routers/books.py";
    apply(
        &root,
        &run(&root, file, "async def read_book", "cache").unwrap(),
    );
    // A second route of the file reuses the helpers; the writes are not decorated twice.
    apply(
        &root,
        &run(&root, file, "async def list_books", "cache").unwrap(),
    );
    let books = std::fs::read_to_string(root.join(file)).unwrap();
    assert_eq!(books.matches("def cached(").count(), 1, "{books}");
    assert_eq!(books.matches("@invalidates(").count(), 2, "{books}");
    assert!(
        books.contains("@cached(\"books\", \"limit\")\nasync def list_books"),
        "{books}"
    );

    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args(["-m", "uvicorn", "app.main:app", "--port", &port.to_string()])
            .env("PYTHONPATH", &packages)
            .env("REDIS_URL", format!("redis://127.0.0.1:{redis_port}/0")),
        port,
    );
    let (status, _, body) = http(port, "GET", "/api/books/1", None);
    assert_eq!((status, body.contains("Dune")), (200, true), "{body}");
    let item = cache_key(redis_port, "shelf:cache:books:0:read_book:*");
    plant(
        redis_port,
        &item,
        "{\"id\": 1, \"title\": \"from the cache\"}",
    );
    let (_, _, body) = http(port, "GET", "/api/books/1", None);
    assert!(
        body.contains("from the cache"),
        "the second read was not served from Redis: {body}"
    );
    // Keyed by the parameters: another id is its own entry; a 404 is not stored.
    assert_eq!(http(port, "GET", "/api/books/7", None).0, 404);
    cache_key(redis_port, "shelf:cache:books:0:read_book:*");
    let (_, _, body) = http(port, "GET", "/api/books?limit=5", None);
    assert!(body.contains("Dune"), "{body}");
    let list = cache_key(redis_port, "shelf:cache:books:0:list_books:*");
    plant(redis_port, &list, "[{\"title\": \"a cached list\"}]");
    assert!(http(port, "GET", "/api/books?limit=5", None)
        .2
        .contains("a cached list"));
    assert!(http(port, "GET", "/api/books?limit=6", None)
        .2
        .contains("Dune"));

    // A write invalidates both: the next reads come from the handler again.
    let (status, _, created) = http(
        port,
        "POST",
        "/api/books",
        Some("{\"title\": \"Emma\", \"author\": \"Jane Austen\", \"year\": 1815}"),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        redis_cli(redis_port, &["get", "shelf:cache:books:generation"]),
        "1"
    );
    let (_, _, body) = http(port, "GET", "/api/books/1", None);
    assert!(
        body.contains("Dune") && !body.contains("from the cache"),
        "{body}"
    );
    let (_, _, body) = http(port, "GET", "/api/books?limit=5", None);
    assert!(
        body.contains("Emma") && !body.contains("a cached list"),
        "{body}"
    );
}

#[test]
fn flask_cache_serves_reads_from_redis_and_writes_invalidate() {
    let Some(packages) = python_packages() else {
        return;
    };
    let Some(redis) = redis_server() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("requirements.txt"), "flask>=3\n").unwrap();
    std::fs::write(
        root.join("app.py"),
        "from flask import Flask, abort, request\n\napp = Flask(__name__)\nNOTES = {1: {\"id\": 1, \"text\": \"hello\"}}\n\n\n@app.route(\"/notes/<int:note_id>\")\ndef read_note(note_id):\n    note = NOTES.get(note_id)\n    if note is None:\n        abort(404)\n    return note\n\n\n@app.put(\"/notes/<int:note_id>\")\ndef update_note(note_id):\n    NOTES[note_id] = {\"id\": note_id, \"text\": request.get_json()[\"text\"]}\n    return NOTES[note_id]\n",
    )
    .unwrap();
    apply(
        &root,
        &run(&root, "app.py", "def read_note", "cache").unwrap(),
    );
    let app = std::fs::read_to_string(root.join("app.py")).unwrap();
    assert!(
        app.contains("@invalidates(\"notes\")\ndef update_note"),
        "{app}"
    );
    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args([
                "-m",
                "flask",
                "--app",
                "app",
                "run",
                "--port",
                &port.to_string(),
            ])
            .env("PYTHONPATH", &packages)
            .env("REDIS_URL", format!("redis://127.0.0.1:{}/0", redis.port)),
        port,
    );
    assert!(http(port, "GET", "/notes/1", None).2.contains("hello"));
    let key = cache_key(redis.port, "notes:cache:notes:0:read_note:*");
    plant(
        redis.port,
        &key,
        "{\"id\": 1, \"text\": \"from the cache\"}",
    );
    let (status, head, body) = http(port, "GET", "/notes/1", None);
    assert_eq!(status, 200);
    assert!(head.contains("application/json"), "{head}");
    assert!(
        body.contains("from the cache"),
        "the second read was not served from Redis: {body}"
    );
    // Query parameters are part of the key.
    assert!(http(port, "GET", "/notes/1?fields=text", None)
        .2
        .contains("hello"));
    assert_eq!(http(port, "GET", "/notes/2", None).0, 404);
    let (status, _, body) = http(port, "PUT", "/notes/1", Some("{\"text\": \"edited\"}"));
    assert_eq!(status, 200, "{body}");
    let (_, _, body) = http(port, "GET", "/notes/1", None);
    assert!(
        body.contains("edited"),
        "the write did not invalidate: {body}"
    );
}

#[test]
fn express_cache_serves_reads_from_redis_and_writes_invalidate() {
    let Some(redis) = redis_server() else {
        return;
    };
    let (_tmp, root) = project_copy("kennel");
    apply(
        &root,
        &run(&root, "src/routes/dogs.js", "router.get('/:id'", "cache").unwrap(),
    );
    let manifest = std::fs::read_to_string(root.join("package.json")).unwrap();
    assert!(manifest.contains("\"ioredis\": \"^5.4.1\","), "{manifest}");
    if !node_modules_for(&root) {
        return;
    }
    let port = free_port();
    let _server = start(
        &root,
        Command::new("node")
            .arg("src/server.js")
            .env("PORT", port.to_string())
            .env("REDIS_URL", format!("redis://127.0.0.1:{}", redis.port)),
        port,
    );
    assert!(http(port, "GET", "/api/dogs/1", None).2.contains("Rex"));
    let key = cache_key(redis.port, "kennel:cache:dogs:0:GET:/api/dogs/:id:*");
    plant(
        redis.port,
        &key,
        "{\"id\": 1, \"name\": \"from the cache\"}",
    );
    let (status, head, body) = http(port, "GET", "/api/dogs/1", None);
    assert_eq!(status, 200);
    assert!(head.contains("application/json"), "{head}");
    assert!(
        body.contains("from the cache"),
        "the second read was not served from Redis: {body}"
    );
    assert_eq!(http(port, "GET", "/api/dogs/9", None).0, 404);
    // The write's answer waits for the invalidation: the very next read misses.
    let (status, _, body) = http(
        port,
        "POST",
        "/api/dogs",
        Some("{\"name\": \"Fido\", \"breed\": \"beagle\"}"),
    );
    assert_eq!(status, 201, "{body}");
    let (_, _, body) = http(port, "GET", "/api/dogs/1", None);
    assert!(body.contains("Rex"), "the write did not invalidate: {body}");
}

#[test]
fn django_cache_serves_reads_from_the_cache_and_writes_invalidate() {
    let Some(packages) = python_packages() else {
        return;
    };
    let Some(redis) = redis_server() else {
        return;
    };
    // A Django project whose notes live in a JSON file: changing the file behind the app's back
    // shows whether a read came from the cache or from the view.
    let (_tmp, root) = django_project();
    let store = root.join("notes.json");
    std::fs::write(&store, "[{\"id\": 1, \"text\": \"hello\"}]").unwrap();
    apply(
        &root,
        &run(&root, "notes/views.py", "def note_detail", "cache").unwrap(),
    );
    let views = std::fs::read_to_string(root.join("notes/views.py")).unwrap();
    assert!(
        views.contains("@invalidates(\"notes\")\ndef note_list"),
        "{views}"
    );
    let settings = std::fs::read_to_string(root.join("memo/settings.py")).unwrap();
    assert!(settings.contains("RedisCache"), "{settings}");
    let port = free_port();
    let _server = start(
        &root,
        Command::new("python3")
            .args(["manage.py", "runserver", "--noreload"])
            .arg(format!("127.0.0.1:{port}"))
            .env("PYTHONPATH", &packages)
            .env("NOTES_FILE", &store)
            .env("REDIS_URL", format!("redis://127.0.0.1:{}/0", redis.port)),
        port,
    );
    assert!(http(port, "GET", "/api/notes/1/", None).2.contains("hello"));
    // Django's keys carry its prefix and version (`:1:`); the entry has the generated TTL.
    let key = cache_key(redis.port, ":1:memo:cache:notes:0:note_detail:*");
    let ttl: i64 = redis_cli(redis.port, &["ttl", &key]).parse().unwrap();
    assert!((1..=60).contains(&ttl), "{key} has TTL {ttl}");
    std::fs::write(
        &store,
        "[{\"id\": 1, \"text\": \"changed behind the app\"}]",
    )
    .unwrap();
    let (status, head, body) = http(port, "GET", "/api/notes/1/", None);
    assert_eq!(status, 200);
    assert!(head.contains("application/json"), "{head}");
    assert!(
        body.contains("hello"),
        "the second read was not served from the cache: {body}"
    );
    assert_eq!(http(port, "GET", "/api/notes/2/", None).0, 404);
    // A GET of the write view does not invalidate; its POST does.
    assert!(http(port, "GET", "/api/notes/", None)
        .2
        .contains("changed behind the app"));
    assert!(http(port, "GET", "/api/notes/1/", None).2.contains("hello"));
    let (status, _, body) = http(port, "POST", "/api/notes/", Some("{\"text\": \"new\"}"));
    assert_eq!(status, 201, "{body}");
    let (_, _, body) = http(port, "GET", "/api/notes/1/", None);
    assert!(
        body.contains("changed behind the app"),
        "the write did not invalidate: {body}"
    );
}

/// A small Django project (`memo`, app `notes`) whose notes live in the JSON file named by
/// `NOTES_FILE`; no database.
fn django_project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("memo");
    let files: &[(&str, &str)] = &[
        ("requirements.txt", "django>=4.2\n"),
        ("manage.py", "import os\nimport sys\n\nif __name__ == \"__main__\":\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"memo.settings\")\n    from django.core.management import execute_from_command_line\n\n    execute_from_command_line(sys.argv)\n"),
        ("memo/__init__.py", ""),
        ("memo/settings.py", "SECRET_KEY = \"test-only\"\nDEBUG = True\nALLOWED_HOSTS = [\"127.0.0.1\"]\nINSTALLED_APPS = [\"notes\"]\nMIDDLEWARE = [\n    \"django.middleware.common.CommonMiddleware\",\n]\nROOT_URLCONF = \"memo.urls\"\nDATABASES = {}\n"),
        ("memo/urls.py", "from django.urls import include, path\n\nurlpatterns = [\n    path(\"api/\", include(\"notes.urls\")),\n]\n"),
        ("notes/__init__.py", ""),
        ("notes/urls.py", "from django.urls import path\n\nfrom . import views\n\nurlpatterns = [\n    path(\"notes/\", views.note_list),\n    path(\"notes/<int:pk>/\", views.note_detail),\n]\n"),
        ("notes/views.py", "import json\nimport os\n\nfrom django.http import Http404, JsonResponse\n\nSTORE = os.environ[\"NOTES_FILE\"]\n\n\ndef load():\n    with open(STORE) as f:\n        return json.load(f)\n\n\ndef note_list(request):\n    notes = load()\n    if request.method == \"POST\":\n        note = {\"id\": len(notes) + 1, \"text\": json.loads(request.body)[\"text\"]}\n        notes.append(note)\n        with open(STORE, \"w\") as f:\n            json.dump(notes, f)\n        return JsonResponse(note, status=201)\n    return JsonResponse({\"notes\": notes})\n\n\ndef note_detail(request, pk):\n    for note in load():\n        if note[\"id\"] == pk:\n            return JsonResponse(note)\n    raise Http404(\"no such note\")\n"),
    ];
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (tmp, root)
}

/// What one Node framework's app must show once `metrics`, `tracing`, `cache` and `loadTest`
/// are applied: the project, the files to run them on and the requests to make.
struct NodeCase {
    project: &'static str,
    app: (&'static str, &'static str),
    routes: (&'static str, &'static str),
    /// The cached read (its route template is the metrics label and part of the cache key).
    read: (&'static str, &'static str),
    /// The name of the request's span on the console exporter.
    span: &'static str,
    /// A write to the same resource: method, path, body and its status.
    write: (&'static str, &'static str, &'static str, u16),
    resource: &'static str,
    /// The file `tracing` must make load the tracing setup first, and how it must start.
    entry: (&'static str, &'static str),
    /// What `node` runs (for TypeScript, what `tsc` compiled the entry point to).
    main: &'static str,
    load_test: &'static str,
    /// Where the app serves its OpenAPI document (which must not list `/metrics`), if it does.
    api_document: Option<&'static str>,
}

/// Koa and Fastify, run: `/metrics` answers Prometheus text labelled by the route template,
/// the console exporter prints the request's span, the read is served from Redis until a
/// write invalidates it, and the autocannon load test passes (and fails on a -1 ms p95).
fn node_observability_and_cache_run(c: &NodeCase) {
    let Some(redis) = redis_server() else {
        return;
    };
    let (_tmp, root) = project_copy(c.project);
    for g in ["metrics", "tracing", "loadTest"] {
        apply(&root, &run(&root, c.app.0, c.app.1, g).unwrap());
    }
    apply(&root, &run(&root, c.routes.0, c.routes.1, "cache").unwrap());
    let entry = std::fs::read_to_string(root.join(c.entry.0)).unwrap();
    assert!(entry.starts_with(c.entry.1), "{entry}");
    if !node_modules_for(&root) {
        return;
    }
    if root.join("tsconfig.json").exists() {
        tsc(&root);
    }
    let node = |dir: &Path, port: u16, traced: bool| {
        let mut cmd = Command::new("node");
        cmd.arg(root.join(c.main))
            .env("PORT", port.to_string())
            .env("REDIS_URL", format!("redis://127.0.0.1:{}", redis.port))
            // The fixtures' guards: an admin bearer token, an API key (NestJS's global guard,
            // which `/metrics` must be let past without it).
            .env("ADMIN_TOKEN", "load-test")
            .env("API_KEY", "not-sent");
        if traced {
            cmd.env("OTEL_TRACES_EXPORTER", "console")
                .env("OTEL_BSP_SCHEDULE_DELAY", "50");
        }
        start(dir, &mut cmd, port)
    };
    let port = free_port();
    let _server = node(&root, port, false);
    let (route, path) = c.read;
    // Cache-aside: the first read stores, the second is answered from Redis.
    let (status, _, first) = http(port, "GET", path, None);
    assert_eq!(status, 200, "{first}");
    let pattern = format!("{}:cache:{}:0:GET:{route}:*", c.project, c.resource);
    let key = cache_key(redis.port, &pattern);
    plant(
        redis.port,
        &key,
        "{\"id\": 1, \"name\": \"from the cache\"}",
    );
    let (status, head, body) = http(port, "GET", path, None);
    assert_eq!(status, 200);
    assert!(head.contains("application/json"), "{head}");
    assert!(
        body.contains("from the cache"),
        "the second read was not served from Redis: {body}"
    );
    // A 404 is not stored.
    let missing = path.replace("/1", "/9");
    assert_eq!(http(port, "GET", &missing, None).0, 404);
    assert_eq!(cache_key(redis.port, &pattern), key);
    // The write's answer waits for the invalidation: the very next read misses.
    let (method, write_path, write_body, write_status) = c.write;
    let (status, _, body) = http(port, method, write_path, Some(write_body));
    assert_eq!(status, write_status, "{body}");
    let (status, _, body) = http(port, "GET", path, None);
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("from the cache") && body.contains("\"id\":1"),
        "the write did not invalidate: {body}"
    );
    // Metrics: the read's series under its route template, none for /metrics itself.
    let exposition = metrics_answer(port, &root, route);
    assert!(
        exposition.contains(&format!(
            "http_requests_total{{method=\"GET\",route=\"{route}\",status=\"200\"}} 3"
        )),
        "{exposition}"
    );
    assert!(
        exposition.contains("route=\"unmatched\"") || exposition.contains("status=\"404\""),
        "{exposition}"
    );
    // Served past the app's global guard (no API key sent); not in the API document.
    if let Some(document) = c.api_document {
        let (status, _, body) = http(port, "GET", document, None);
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains(&format!("\"{}\"", route.replace(":id", "{id}")))
                && !body.contains("\"/metrics\""),
            "{body}"
        );
    }
    // Without OTEL_* nothing is traced; with the console exporter the request's span is
    // printed (a second instance: the load test below would print thousands).
    {
        let traced_root = root.join("traced");
        std::fs::create_dir_all(&traced_root).unwrap();
        let traced_port = free_port();
        let _traced = node(&traced_root, traced_port, true);
        assert_eq!(http(traced_port, "GET", path, None).0, 200);
        let log = traced_root.join("server.log");
        wait_for_log(&log, c.span);
        wait_for_log(&log, &format!("'service.name': '{}'", c.project));
    }
    assert!(
        !std::fs::read_to_string(root.join("server.log"))
            .unwrap()
            .contains("service.name"),
        "traced without OTEL_* set"
    );
    let autocannon = |max_p95: &str| {
        run_checked(
            Command::new("node")
                .arg(c.load_test)
                .env("BASE_URL", format!("http://127.0.0.1:{port}"))
                .env("DURATION", "2")
                .env("CONNECTIONS", "4")
                .env("LOAD_TEST_MAX_P95_MS", max_p95)
                .env("LOAD_TEST_TOKEN", "load-test")
                .current_dir(&root),
        )
    };
    let (ok, report) = autocannon("5000");
    assert!(ok, "the load test failed:\n{report}");
    assert!(report.contains("\"errorRate\":0"), "{report}");
    let (ok, report) = autocannon("-1");
    assert!(!ok, "a p95 threshold of -1 ms passed:\n{report}");
    assert!(report.contains("over the thresholds"), "{report}");
}

/// Compiles a TypeScript project copy with the shared `typescript` (its own tsconfig.json).
fn tsc(root: &Path) {
    let started = Instant::now();
    let (ok, log) = run_checked(
        Command::new("node")
            .args(["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"])
            .current_dir(root),
    );
    assert!(ok, "tsc failed on the generated code:\n{log}");
    eprintln!("tsc: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn koa_metrics_tracing_cache_and_load_test_run() {
    node_observability_and_cache_run(&NodeCase {
        project: "burrow",
        app: ("src/app.js", "const app = new Koa()"),
        routes: ("src/routes/rabbits.js", "router.get('/:id'"),
        read: ("/api/rabbits/:id", "/api/rabbits/1"),
        span: "name: 'GET /api/rabbits/:id'",
        write: ("PUT", "/api/rabbits/1", "{\"colour\": \"white\"}", 200),
        resource: "rabbits",
        entry: ("src/server.js", CJS_TRACING_FIRST),
        main: "src/server.js",
        load_test: "loadtests/load-test.js",
        api_document: None,
    });
}

#[test]
fn fastify_metrics_tracing_cache_and_load_test_run() {
    node_observability_and_cache_run(&NodeCase {
        project: "stable",
        app: ("src/app.js", "const app = Fastify("),
        routes: ("src/routes/horses.js", "fastify.get('/:id'"),
        read: ("/api/horses/:id", "/api/horses/1"),
        span: "'http.route': '/api/horses/:id'",
        write: ("POST", "/api/horses", "{\"name\": \"Epona\"}", 201),
        resource: "horses",
        entry: ("src/server.js", CJS_TRACING_FIRST),
        main: "src/server.js",
        load_test: "loadtests/load-test.js",
        api_document: None,
    });
}

/// NestJS (`cattery`: a global API-key guard, `@Public()` controllers, Swagger), compiled with
/// `tsc` as `nest build` would and run from `dist/`.
#[test]
fn nest_metrics_tracing_cache_and_load_test_run() {
    node_observability_and_cache_run(&NodeCase {
        project: "cattery",
        app: ("src/main.ts", "const app = await NestFactory.create"),
        routes: ("src/cats/cats.controller.ts", "findOne(@Param"),
        read: ("/cats/:id", "/cats/1"),
        span: "name: 'GET /cats/:id'",
        write: (
            "POST",
            "/cats",
            "{\"name\": \"Felix\", \"breed\": \"tuxedo\"}",
            201,
        ),
        resource: "cats",
        entry: ("src/main.ts", "import './tracing'; // first"),
        main: "dist/main.js",
        load_test: "loadtests/load-test.mjs",
        api_document: Some("/docs-json"),
    });
}

/// How `tracing` starts a CommonJS entry point.
const CJS_TRACING_FIRST: &str = "'use strict';\n\nrequire('./tracing'); // first";

/// Runs the generated pytest file in the project copy (its packages and the project importable).
fn pytest(root: &Path, packages: &Path, test: &str) -> String {
    let (ok, report) = run_checked(
        Command::new("python3")
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", test])
            .env(
                "PYTHONPATH",
                format!("{}:{}", packages.display(), root.display()),
            )
            .current_dir(root),
    );
    assert!(
        ok,
        "{test} failed:\n{report}\n--- test ---\n{}",
        std::fs::read_to_string(root.join(test)).unwrap_or_default()
    );
    report
}

/// Runs a Python snippet in the project copy; its output.
fn python(root: &Path, packages: &Path, code: &str) -> String {
    let (ok, out) = run_checked(
        Command::new("python3")
            .args(["-c", code])
            .env(
                "PYTHONPATH",
                format!("{}:{}", packages.display(), root.display()),
            )
            .current_dir(root),
    );
    assert!(ok, "{code}\n{out}");
    out
}

/// What the generated pytest tests cannot know, run beside them: the create mutation writes its
/// row when the caller passes the project's own guard (each fixture's guard reads a user from
/// the context), the camel-cased input and the model's defaults included.
const AUTHORIZED_CREATE: &[(&str, &str, &str, &str)] = &[
    (
        "atlas",
        "class Author",
        "tests/test_author_graphql.py",
        r#"
import strawberry
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from app.author_graphql import AuthorMutation, AuthorQuery
from app.db import Base

engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
schema = strawberry.Schema(query=AuthorQuery, mutation=AuthorMutation)
with Session(engine) as session:
    result = schema.execute_sync(
        'mutation { createAuthor(input: {name: "Ada", bio: "mathematician"}) { id name bio active createdAt } }',
        context_value={"session": session, "user": {"name": "ada"}},
    )
    assert result.errors is None, result.errors
    created = result.data["createAuthor"]
    assert created["name"] == "Ada" and created["bio"] == "mathematician", created
    assert created["active"] is True and created["createdAt"], created
    result = schema.execute_sync("{ authors { name } }", context_value={"session": session})
    assert result.data == {"authors": [{"name": "Ada"}]}, result
print("created")
"#,
    ),
    (
        "bazaar",
        "class Product",
        "app/test_product_graphql.py",
        r#"
import graphene
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from app.product_graphql import ProductMutation, ProductQuery
from app.database import Base

engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
schema = graphene.Schema(query=ProductQuery, mutation=ProductMutation)
with Session(engine) as session:
    result = schema.execute(
        'mutation { createProduct(input: {title: "Lamp", price: "12.50"}) { id title price stock } }',
        context_value={"session": session, "user": {"name": "ada"}},
    )
    assert result.errors is None, result.errors
    created = result.data["createProduct"]
    assert created["title"] == "Lamp" and created["price"] == "12.50" and created["stock"] == 0, created
print("created")
"#,
    ),
    (
        "quarry",
        "class Site",
        "app/test_site_graphql.py",
        r#"
from types import SimpleNamespace
from ariadne import graphql_sync, make_executable_schema
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from app.site_graphql import bindables, type_defs
from app.schema import type_defs as root_type_defs, query, mutation
from app.db import Base

engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
# The module merged into the project's schema as its docstring says.
schema = make_executable_schema([root_type_defs, type_defs], query, mutation, *bindables)
user = SimpleNamespace(user=SimpleNamespace(is_authenticated=True))
with Session(engine) as session:
    ok, result = graphql_sync(
        schema,
        {"query": 'mutation { createSite(input: {name: "Quarry", openedOn: "2021-05-04"}) { id name openedOn rating } }'},
        context_value={"session": session, "request": user},
    )
    assert "errors" not in result, result
    assert result["data"]["createSite"] == {"id": 1, "name": "Quarry", "openedOn": "2021-05-04", "rating": None}, result
    ok, result = graphql_sync(schema, {"query": "{ version sites { name } }"}, context_value={"session": session})
    assert result["data"] == {"version": "1", "sites": [{"name": "Quarry"}]}, result
print("created")
"#,
    ),
];

#[test]
fn graphql_resolvers_and_their_tests_run_in_strawberry_graphene_and_ariadne() {
    let Some(packages) = python_packages() else {
        return;
    };
    for (project, model, test, authorized) in AUTHORIZED_CREATE {
        let (_tmp, root) = project_copy(project);
        let out = run(&root, "app/models.py", model, "graphqlResolver").unwrap();
        apply(&root, &out);
        let report = pytest(&root, &packages, test);
        assert!(report.contains("5 passed"), "{project}: {report}");
        assert!(python(&root, &packages, authorized).contains("created"));
    }
}

/// Strawberry on SQLAlchemy's asyncio sessions: the generated test passes against aiosqlite, and
/// an authorized caller creates a row through the awaited session.
#[test]
fn strawberry_resolvers_on_an_async_session_and_their_test_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = project_copy("atlas");
    std::fs::write(
        root.join("app/db.py"),
        "import os\n\nfrom sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\nfrom sqlalchemy.orm import DeclarativeBase\n\nengine = create_async_engine(os.environ.get(\"DATABASE_URL\", \"sqlite+aiosqlite:///atlas.db\"))\nSessionLocal = async_sessionmaker(engine)\n\n\nclass Base(DeclarativeBase):\n    pass\n",
    )
    .unwrap();
    apply(
        &root,
        &run(&root, "app/models.py", "class Author", "graphqlResolver").unwrap(),
    );
    let report = pytest(&root, &packages, "tests/test_author_graphql.py");
    assert!(report.contains("5 passed"), "{report}");
    let out = python(
        &root,
        &packages,
        r#"
import asyncio
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from app.author_graphql import AuthorMutation, AuthorQuery
from app.db import Base

async def main():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    schema = strawberry.Schema(query=AuthorQuery, mutation=AuthorMutation)
    async with AsyncSession(engine) as session:
        result = await schema.execute(
            'mutation { createAuthor(input: {name: "Ada", bio: "mathematician"}) { id name active createdAt } }',
            context_value={"session": session, "user": {"name": "ada"}},
        )
        assert result.errors is None, result.errors
        assert result.data["createAuthor"]["name"] == "Ada", result.data
        result = await schema.execute("{ authors { name } }", context_value={"session": session})
        assert result.data == {"authors": [{"name": "Ada"}]}, result
    await engine.dispose()

asyncio.run(main())
print("created")
"#,
    );
    assert!(out.contains("created"), "{out}");
}

#[test]
fn fastapi_websocket_endpoint_and_its_test_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = project_copy("shelf");
    apply(
        &root,
        &run(&root, "app/main.py", "app = FastAPI", "websocket").unwrap(),
    );
    let report = pytest(&root, &packages, "app/test_websocket.py");
    assert!(report.contains("4 passed"), "{report}");
    // The project's own authentication decides, with a real handshake: `get_current_user`
    // refuses a header that is not a bearer token, and the listed origin is let in.
    let out = python(
        &root,
        &packages,
        r#"
import os
os.environ["WEBSOCKET_ALLOWED_ORIGINS"] = "https://shelf.example"
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from app.main import app
client = TestClient(app)
with client.websocket_connect("/ws?token=t", headers={"Origin": "https://shelf.example"}) as ws:
    ws.send_text("hi")
    assert ws.receive_json() == {"echo": "hi"}
try:
    with client.websocket_connect("/ws", headers={"Authorization": "Basic x"}):
        raise SystemExit("a Basic credential was accepted")
except WebSocketDisconnect as refused:
    assert refused.code == 1008, refused.code
print("handshakes ok")
"#,
    );
    assert!(out.contains("handshakes ok"), "{out}");
}

#[test]
fn channels_consumer_and_its_test_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = django_project();
    std::fs::write(
        root.join("requirements.txt"),
        "django>=4.2\nchannels>=4.1\n",
    )
    .unwrap();
    let settings = root.join("memo/settings.py");
    let text = std::fs::read_to_string(&settings).unwrap().replace(
        "INSTALLED_APPS = [\"notes\"]",
        "INSTALLED_APPS = [\"django.contrib.auth\", \"django.contrib.contenttypes\", \"notes\"]",
    );
    std::fs::write(&settings, text).unwrap();
    apply(
        &root,
        &run(&root, "memo/urls.py", "urlpatterns", "websocket").unwrap(),
    );
    let (ok, report) = run_checked(
        Command::new("python3")
            .args(["manage.py", "test", "memo.test_consumers", "-v", "2"])
            .env("PYTHONPATH", &packages)
            .env("NOTES_FILE", root.join("notes.json"))
            .current_dir(&root),
    );
    assert!(ok && report.contains("Ran 4 tests"), "{report}");
    // The ASGI application the generator wrote loads, with the consumer routed.
    let out = python(
        &root,
        &packages,
        "import os\nos.environ[\"NOTES_FILE\"] = \"notes.json\"\nimport memo.asgi\nprint(type(memo.asgi.application).__name__)",
    );
    assert!(out.contains("ProtocolTypeRouter"), "{out}");
}

fn node_test(root: &Path, test: &str) {
    let Some(modules) = shared_node_modules() else {
        return;
    };
    std::os::unix::fs::symlink(&modules, root.join("node_modules")).unwrap();
    let (ok, report) = run_checked(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", test])
            .current_dir(root),
    );
    assert!(
        ok && report.contains("ℹ fail 0") && !report.contains("ℹ pass 0"),
        "{test} failed:\n{report}\n--- test ---\n{}",
        std::fs::read_to_string(root.join(test)).unwrap_or_default()
    );
}

#[test]
fn ws_server_and_its_node_test_run() {
    let (_tmp, root) = project_copy("kennel");
    apply(
        &root,
        &run(&root, "src/app.js", "const app = express()", "websocket").unwrap(),
    );
    node_test(&root, "src/websocket.test.js");
}

#[test]
fn socket_io_server_and_its_node_test_run() {
    let (_tmp, root) = project_copy("relay");
    apply(
        &root,
        &run(
            &root,
            "src/app.js",
            "export const app = express()",
            "websocket",
        )
        .unwrap(),
    );
    node_test(&root, "src/socket.test.js");
}

#[test]
fn apollo_resolvers_and_their_node_test_run() {
    let (_tmp, root) = project_copy("warren");
    apply(
        &root,
        &run(
            &root,
            "src/models/rabbit.js",
            "rabbitSchema = new",
            "graphqlResolver",
        )
        .unwrap(),
    );
    node_test(&root, "src/graphql/rabbit.graphql.test.js");
}

/// The graphql-yoga, Mercurius and graphql-http resolvers' tests, each through its server.
#[test]
fn yoga_mercurius_and_graphql_http_resolvers_and_their_node_tests_run() {
    for (project, model, at, test) in [
        (
            "apiary",
            "src/models/hive.js",
            "hiveSchema = new",
            "src/schema/hive.graphql.test.js",
        ),
        (
            "paddock",
            "src/models/pony.js",
            "ponySchema = new",
            "src/graphql/pony.graphql.test.js",
        ),
        (
            "aviary",
            "src/models/parrot.js",
            "parrotSchema = new",
            "src/graphql/parrot.graphql.test.js",
        ),
    ] {
        let (_tmp, root) = project_copy(project);
        apply(&root, &run(&root, model, at, "graphqlResolver").unwrap());
        node_test(&root, test);
    }
}

#[test]
fn graphene_django_resolvers_and_their_test_run() {
    let Some(packages) = python_packages() else {
        return;
    };
    let (_tmp, root) = project_copy("agora");
    apply(
        &root,
        &run(&root, "forum/models.py", "class Topic", "graphqlResolver").unwrap(),
    );
    let (ok, report) = run_checked(
        Command::new("python3")
            .args(["manage.py", "test", "forum", "-v", "2"])
            .env("PYTHONPATH", &packages)
            .env("DJANGO_SECRET_KEY", "test-only")
            .current_dir(&root),
    );
    assert!(ok && report.contains("Ran 5 tests"), "{report}");
    // A signed-in visitor creates a topic through the mutation (the model's defaults kept).
    let out = python(
        &root,
        &packages,
        r#"
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only")
import django
django.setup()
from django.core.management import call_command
from django.test.utils import setup_test_environment
from django.db import connection
from types import SimpleNamespace
setup_test_environment()
connection.creation.create_test_db(verbosity=0)
import graphene
from forum.topic_graphql import TopicMutation, TopicQuery
from forum.models import Topic
schema = graphene.Schema(query=TopicQuery, mutation=TopicMutation)
visitor = SimpleNamespace(user=SimpleNamespace(is_authenticated=True))
result = schema.execute('mutation { createTopic(input: {title: "Hello"}) { id title body pinned created } }', context_value=visitor)
assert result.errors is None, result.errors
created = result.data["createTopic"]
assert created["title"] == "Hello" and created["body"] == "" and created["pinned"] is False and created["created"], created
assert Topic.objects.count() == 1
print("created")
"#,
    );
    assert!(out.contains("created"), "{out}");
}

/// The NestJS code-first resolver, its module and its Jest spec type-check with `tsc` (with
/// the fixture's compiler options: decorator metadata, strict null checks) and compile to a
/// GraphQL schema Nest accepts (`GraphQLSchemaFactory`, as `autoSchemaFile` builds it) beside
/// the project's own resolver. Only the generated files (and what they import) are compiled:
/// the fixture's root module needs `@nestjs/apollo` and Apollo Server 5, which the shared
/// install does not have (the Apollo generator's tests pin Apollo Server 4).
#[test]
fn nest_graphql_resolver_compiles_to_a_schema() {
    let (_tmp, root) = project_copy("kiln");
    apply(
        &root,
        &run(
            &root,
            "src/glazes/glaze.entity.ts",
            "export class Glaze",
            "graphqlResolver",
        )
        .unwrap(),
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("package.json")).unwrap()).unwrap();
    // What the compiled files and the schema check load is what kiln asks for.
    let loaded = [
        "@nestjs/common",
        "@nestjs/core",
        "@nestjs/graphql",
        "@nestjs/typeorm",
        "@nestjs/testing",
        "@types/jest",
        "graphql",
        "typeorm",
        "typescript",
    ];
    for (name, range) in NODE_PACKAGES.iter().filter(|(n, _)| loaded.contains(n)) {
        if let Some(wanted) = manifest["dependencies"][name]
            .as_str()
            .or(manifest["devDependencies"][name].as_str())
        {
            assert_eq!(wanted, *range, "{name}: kiln asks for another version");
        }
    }
    let Some(modules) = shared_node_modules() else {
        return;
    };
    std::os::unix::fs::symlink(modules, root.join("node_modules")).unwrap();
    std::fs::write(
        root.join("tsconfig.generated.json"),
        r#"{
  "extends": "./tsconfig.json",
  "compilerOptions": { "types": ["node", "jest"] },
  "include": [],
  "files": ["src/kilns/kilns.resolver.ts", "src/glazes/glaze.resolver.ts", "src/glazes/glaze-graphql.module.ts", "src/glazes/glaze.resolver.spec.ts"]
}
"#,
    )
    .unwrap();
    let started = Instant::now();
    let (ok, log) = run_checked(
        Command::new("node")
            .args([
                "node_modules/typescript/bin/tsc",
                "-p",
                "tsconfig.generated.json",
            ])
            .current_dir(&root),
    );
    assert!(ok, "tsc failed on the generated code:\n{log}");
    eprintln!("tsc: {:.1} s", started.elapsed().as_secs_f64());
    let (ok, schema) = run_checked(
        Command::new("node")
            .arg("-e")
            .arg(
                r#"
const { NestFactory } = require("@nestjs/core");
const { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } = require("@nestjs/graphql");
const { printSchema } = require("graphql");
const { GlazeResolver } = require("./dist/glazes/glaze.resolver");
const { GlazeGraphqlModule } = require("./dist/glazes/glaze-graphql.module");
const { KilnsResolver } = require("./dist/kilns/kilns.resolver");
(async () => {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  const schema = await app.get(GraphQLSchemaFactory).create([KilnsResolver, GlazeResolver]);
  console.log(printSchema(schema));
  console.log(typeof GlazeGraphqlModule);
  await app.close();
})().catch((e) => { console.error(e); process.exit(1); });
"#,
            )
            .current_dir(&root),
    );
    assert!(ok, "{schema}");
    for expected in [
        "type Glaze {\n  id: ID!\n  name: String!\n  colour: String\n  cone: Float!\n  foodSafe: Boolean!\n  createdAt: DateTime!\n}",
        "glaze(id: ID!): Glaze",
        "glazes(limit: Int! = 20, offset: Int! = 0): [Glaze!]!",
        "createGlaze(input: GlazeInput!): Glaze!",
        "input GlazeInput {\n  name: String!\n  colour: String\n  cone: Float\n  foodSafe: Boolean\n}",
        "createKiln(",
    ] {
        assert!(schema.contains(expected), "no `{expected}` in:\n{schema}");
    }
}

/// TypeGraphQL: the generated resolver and its Jest test type-check with `tsc`, and the
/// resolver, in a schema built with the project's own `authChecker` beside its resolvers,
/// answers the queries (the repository from its DataSource stubbed: no database driver here),
/// refuses `createGlaze` to an anonymous caller, and creates a row field by field for a
/// signed-in one.
#[test]
fn typegraphql_resolver_compiles_and_runs_with_the_projects_auth_checker() {
    let (_tmp, root) = project_copy("pottery");
    apply(
        &root,
        &run(
            &root,
            "src/entities/glaze.ts",
            "export class Glaze",
            "graphqlResolver",
        )
        .unwrap(),
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("package.json")).unwrap()).unwrap();
    for (name, range) in NODE_PACKAGES {
        if let Some(wanted) = manifest["dependencies"][name]
            .as_str()
            .or(manifest["devDependencies"][name].as_str())
        {
            assert_eq!(wanted, *range, "{name}: pottery asks for another version");
        }
    }
    let Some(modules) = shared_node_modules() else {
        return;
    };
    std::os::unix::fs::symlink(modules, root.join("node_modules")).unwrap();
    // Not src/index.ts: it starts a server (and needs a database driver).
    std::fs::write(
        root.join("tsconfig.generated.json"),
        r#"{
  "extends": "./tsconfig.json",
  "compilerOptions": { "types": ["node", "jest"] },
  "include": [],
  "files": ["src/auth.ts", "src/resolvers/kiln.resolver.ts", "src/resolvers/glaze.resolver.ts", "src/resolvers/glaze.resolver.test.ts"]
}
"#,
    )
    .unwrap();
    let (ok, log) = run_checked(
        Command::new("node")
            .args([
                "node_modules/typescript/bin/tsc",
                "-p",
                "tsconfig.generated.json",
            ])
            .current_dir(&root),
    );
    assert!(ok, "tsc failed on the generated code:\n{log}");
    // The DataSource loads its driver when constructed; nothing here connects, and the native
    // sqlite3 build is not worth installing: a stand-in found through NODE_PATH.
    let stubs = root.join("stubs/sqlite3");
    std::fs::create_dir_all(&stubs).unwrap();
    std::fs::write(
        stubs.join("index.js"),
        "module.exports = { verbose() { return this; } };\n",
    )
    .unwrap();
    let (ok, out) = run_checked(
        Command::new("node")
            .env("NODE_PATH", root.join("stubs"))
            .arg("-e")
            .arg(
                r#"
require("reflect-metadata");
const assert = require("node:assert/strict");
const { graphql } = require("graphql");
const { buildSchema } = require("type-graphql");
const { AppDataSource } = require("./dist/data-source");
const saved = [];
const repository = {
  findOneBy: async ({ id }) => (id === 1 ? { id: 1, name: "Celadon", cone: 10, foodSafe: true, createdAt: new Date() } : null),
  find: async (options) => { repository.options = options; return []; },
  create: () => ({}),
  save: async (row) => { saved.push(row); return { id: 2, cone: 6, foodSafe: false, createdAt: new Date(), ...row }; },
};
AppDataSource.getRepository = () => repository;
const { authChecker } = require("./dist/auth");
const { KilnResolver } = require("./dist/resolvers/kiln.resolver");
const { GlazeResolver } = require("./dist/resolvers/glaze.resolver");
(async () => {
  const schema = await buildSchema({ resolvers: [KilnResolver, GlazeResolver], authChecker });
  // Plain objects (graphql-js answers with null-prototype ones).
  const run = async (source, contextValue = {}, variableValues) =>
    JSON.parse(JSON.stringify(await graphql({ schema, source, contextValue, variableValues })));
  let r = await run('{ glaze(id: "1") { id name cone foodSafe } missing: glaze(id: "9") { id } }');
  assert.deepEqual(r, { data: { glaze: { id: "1", name: "Celadon", cone: 10, foodSafe: true }, missing: null } });
  r = await run("{ glazes(limit: 1000, offset: -1) { id } }");
  assert.equal(r.errors, undefined);
  assert.deepEqual(repository.options, { order: { id: "ASC" }, skip: 0, take: 100 });
  const create = "mutation ($input: GlazeInput!) { createGlaze(input: $input) { id name colour cone } }";
  r = await run(create, {}, { input: { name: "Tenmoku" } });
  assert.deepEqual(r.errors[0].path, ["createGlaze"]);
  assert.equal(saved.length, 0);
  r = await run(create, { user: { id: "u1", roles: [] } }, { input: { name: "Tenmoku", colour: "brown" } });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.deepEqual(r.data.createGlaze, { id: "2", name: "Tenmoku", colour: "brown", cone: 6 });
  assert.deepEqual(saved, [{ name: "Tenmoku", colour: "brown" }]);
  console.log("typegraphql ok");
})().catch((e) => { console.error(e); process.exit(1); });
"#,
            )
            .current_dir(&root),
    );
    assert!(ok && out.contains("typegraphql ok"), "{out}");
}
