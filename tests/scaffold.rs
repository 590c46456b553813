//! Scaffolding generators over small real projects (`tests/scaffold/<project>/`): a snapshot
//! of every generator in every framework, and the generated code checked by the tools that
//! run it: `python3 -m py_compile` for Python, `node --check` for JavaScript, a YAML parser for
//! YAML. Each case works on a fresh copy of its project in a temporary directory.

mod common;
#[path = "scaffold_run.rs"]
mod scaffold_run;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use backend_architect::engine::analyze_text;
use backend_architect::fix::apply_edits;
use backend_architect::scaffold::{self as scaffold, Disk, Output, Project, Source};
use backend_architect::syntax::{parse, Language};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scaffold")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A fresh copy of a fixture project; the directory keeps the project's name.
fn project_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(name);
    copy_dir(&fixtures().join(name), &root);
    (tmp, root)
}

/// A tool the checks need: missing is a skip locally, a failure in CI (which installs it).
fn tool(cmd: &str, args: &[&str]) -> bool {
    let ok = Command::new(cmd)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{cmd} is needed to verify generated code");
        }
        eprintln!("note: `{cmd}` is not available; generated code is not verified by it");
    }
    ok
}

fn run(root: &Path, file: &str, at: &str, generator: &str) -> Result<Output, String> {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let language = Language::from_path(&path).unwrap();
    let tree = parse::parse(language, &text, None).unwrap();
    let offset = text
        .find(at)
        .unwrap_or_else(|| panic!("`{at}` not in {file}"));
    let src = Source {
        path: &path,
        language,
        text: &text,
        tree: &tree,
    };
    let project = Project::discover(&path, &Disk);
    scaffold::generate(generator, Some(&src), offset, &project, &Disk).map_err(|e| e.0)
}

fn run_project(root: &Path, generator: &str) -> Result<Output, String> {
    let project = Project::discover(root, &Disk);
    scaffold::generate(generator, None, 0, &project, &Disk).map_err(|e| e.0)
}

/// The server's own findings on a file: generated code must not add any.
fn findings(path: &Path, text: &str) -> Vec<String> {
    let Some(lang) = Language::from_path(path) else {
        return Vec::new();
    };
    let rules = backend_architect::config::RuleSet::default();
    let mut codes: Vec<String> = analyze_text(&path.display().to_string(), lang, text, &rules)
        .iter()
        .map(|f| f.rule.code.to_owned())
        .collect();
    codes.sort();
    codes
}

/// Writes the output into the project copy; returns the touched files' new contents.
fn apply(root: &Path, out: &Output) -> Vec<(String, String)> {
    let mut touched = Vec::new();
    for e in &out.edits {
        let old = std::fs::read_to_string(&e.path).unwrap();
        let before = findings(&e.path, &old);
        let mut edits = e.edits.clone();
        edits.sort_by_key(|x| (x.range.start, x.range.end));
        for w in edits.windows(2) {
            assert!(
                w[0].range.end <= w[1].range.start,
                "overlapping edits in {:?}: {edits:?}",
                e.path
            );
        }
        let new = apply_edits(&old, &edits);
        // Generated code adds no finding of the server's own rules (it may remove some).
        let after = findings(&e.path, &new);
        let added: Vec<&String> = after.iter().filter(|c| !before.contains(c)).collect();
        assert!(added.is_empty(), "the edit adds {added:?}:\n{new}");
        std::fs::write(&e.path, &new).unwrap();
        touched.push((rel(root, &e.path) + " (edited)", new));
    }
    for f in &out.files {
        assert!(
            !f.path.exists(),
            "{} would be overwritten",
            f.path.display()
        );
        let found = findings(&f.path, &f.content);
        assert!(
            found.is_empty(),
            "{}: {found:?}\n{}",
            f.path.display(),
            f.content
        );
        std::fs::create_dir_all(f.path.parent().unwrap()).unwrap();
        std::fs::write(&f.path, &f.content).unwrap();
        touched.push((rel(root, &f.path) + " (new)", f.content.clone()));
    }
    touched
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// Python compiles, JavaScript passes `node --check`, YAML parses.
fn verify(root: &Path, touched: &[(String, String)]) {
    for (name, _) in touched {
        let file = root.join(name.split(" (").next().unwrap());
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "ts" | "tsx") {
            // No TypeScript compiler here: the grammar must accept it without an error node.
            let text = std::fs::read_to_string(&file).unwrap();
            let lang = Language::from_path(&file).unwrap();
            let tree = parse::parse(lang, &text, None).unwrap();
            assert!(
                !tree.root_node().has_error(),
                "{name} does not parse:\n{text}"
            );
            continue;
        }
        let (cmd, args): (&str, Vec<String>) = match ext {
            "py" => (
                "python3",
                vec!["-m".into(), "py_compile".into(), file.display().to_string()],
            ),
            "js" | "mjs" | "cjs" => ("node", vec!["--check".into(), file.display().to_string()]),
            "yml" | "yaml" => (
                "python3",
                vec![
                    "-c".into(),
                    "import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))".into(),
                    file.display().to_string(),
                ],
            ),
            _ => continue,
        };
        // YAML checking is a bonus (PyYAML is not a project dependency): skipped without it.
        if ext.starts_with('y')
            && !Command::new("python3")
                .args(["-c", "import yaml"])
                .output()
                .is_ok_and(|o| o.status.success())
        {
            eprintln!("note: PyYAML is not installed; {name} is not parsed");
            continue;
        }
        if !tool(cmd, &["--version"]) {
            continue;
        }
        let out = Command::new(cmd)
            .args(&args)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} does not pass `{cmd} {}`:\n{}\n--- file ---\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&file).unwrap_or_default()
        );
    }
}

fn snapshot(name: &str, touched: &[(String, String)]) {
    let mut out = String::new();
    for (file, content) in touched {
        out.push_str(&format!("=== {file} ===\n{content}\n"));
    }
    insta::with_settings!({
        snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots/scaffold"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, out);
    });
}

/// Runs a cursor generator on a fresh copy, snapshots, verifies; returns the touched files.
fn case(project: &str, file: &str, at: &str, generator: &str, tag: &str) -> Vec<(String, String)> {
    let (_tmp, root) = project_copy(project);
    let out = run(&root, file, at, generator)
        .unwrap_or_else(|e| panic!("{project}/{file} {generator}: {e}"));
    let touched = apply(&root, &out);
    assert!(!touched.is_empty(), "{generator} wrote nothing");
    verify(&root, &touched);
    snapshot(&format!("{project}__{generator}{tag}"), &touched);
    touched
}

fn project_case(project: &str, generator: &str) -> Vec<(String, String)> {
    let (_tmp, root) = project_copy(project);
    let out =
        run_project(&root, generator).unwrap_or_else(|e| panic!("{project} {generator}: {e}"));
    let touched = apply(&root, &out);
    verify(&root, &touched);
    snapshot(&format!("{project}__{generator}"), &touched);
    touched
}

const APP_GENERATORS: [&str; 5] = [
    "healthCheck",
    "cors",
    "securityHeaders",
    "requestId",
    "errorHandler",
];

#[test]
fn fastapi_app_object() {
    for g in APP_GENERATORS {
        case("fastapi", "app/main.py", "app = FastAPI", g, "");
    }
    // The project's style: FastAPI handlers are async here, four spaces, double quotes.
    let t = case("fastapi", "app/main.py", "app = FastAPI", "healthCheck", "");
    assert!(t[0].1.contains("async def healthz():\n    \"\"\""));
}

#[test]
fn fastapi_routes() {
    case(
        "fastapi",
        "app/main.py",
        "async def list_items",
        "test",
        "_list",
    );
    case(
        "fastapi",
        "app/main.py",
        "async def create_order",
        "test",
        "_post",
    );
    case(
        "fastapi",
        "app/main.py",
        "async def create_order",
        "auth",
        "",
    );
    case(
        "fastapi",
        "app/main.py",
        "async def list_items",
        "pagination",
        "",
    );
    case(
        "fastapi",
        "app/main.py",
        "async def read_item",
        "responseModel",
        "",
    );
    // Siblings declaring it in the decorator: `dependencies=[Depends(require_admin)]`.
    let t = case(
        "fastapi",
        "app/admin.py",
        "async def reindex",
        "auth",
        "_dependencies",
    );
    assert!(t[0]
        .1
        .contains("@router.post(\"/reindex\", dependencies=[Depends(require_admin)])"));
    // A route on an APIRouter: the test mounts the router on a bare app.
    let t = case(
        "fastapi",
        "app/admin.py",
        "async def reindex",
        "test",
        "_router",
    );
    assert!(t[0].1.contains("app.include_router(router)"));
}

#[test]
fn fastapi_models_and_project() {
    case("fastapi", "app/models.py", "class Item", "crud", "");
    case("fastapi", "app/models.py", "class Item", "schemas", "");
    for g in ["dockerfile", "compose", "githubActions", "envExample"] {
        project_case("fastapi", g);
    }
}

#[test]
fn kubernetes_probes_point_at_the_health_endpoint_found_in_code() {
    let (_tmp, root) = project_copy("fastapi");
    let e = run_project(&root, "kubernetes").unwrap_err();
    assert!(e.contains("no health endpoint"), "{e}");
    // Add the health check with its generator, then the probes find it.
    let out = run(&root, "app/main.py", "app = FastAPI", "healthCheck").unwrap();
    apply(&root, &out);
    let out = run_project(&root, "kubernetes").unwrap();
    let touched = apply(&root, &out);
    verify(&root, &touched);
    assert!(touched[0].1.contains("path: /healthz"));
    snapshot("fastapi__kubernetes", &touched);
    // Generated files are never overwritten.
    let e = run_project(&root, "kubernetes").unwrap_err();
    assert!(e.contains("already exists"), "{e}");
}

#[test]
fn flask_app_object_in_two_space_single_quote_style() {
    for g in APP_GENERATORS {
        let t = case("flask", "app.py", "app = Flask", g, "");
        for (_, content) in &t {
            let mut previous = 0;
            for line in content.lines().filter(|l| !l.trim().is_empty()) {
                let n = line.len() - line.trim_start().len();
                assert!(
                    n <= previous + 2,
                    "an indent step over two spaces: {line:?}"
                );
                previous = n;
            }
        }
    }
    let t = case("flask", "app.py", "app = Flask", "healthCheck", "");
    assert!(t[0].1.contains("def healthz():\n  \"\"\""), "{}", t[0].1);
    assert!(t[0].1.contains("return {'status': 'ok'}"));
    assert!(!t[0].1.contains("async def healthz"));
}

#[test]
fn flask_app_factory_with_tabs() {
    for g in APP_GENERATORS {
        let t = case("factory", "service/__init__.py", "app = Flask", g, "");
        // Inside `create_app`, indented with its tabs, before `return app`.
        let text = &t[0].1;
        assert!(
            text.contains("\n\t@app.") || text.contains("\n\tCORS("),
            "{text}"
        );
        assert!(text.trim_end().ends_with("\treturn app"), "{text}");
    }
    // A blueprint route's test registers the blueprint on a bare app.
    let t = case("factory", "service/views.py", "def ping", "test", "");
    assert!(t[0].1.contains("app.register_blueprint(bp)"));
}

#[test]
fn flask_routes_models_and_project() {
    case("flask", "app.py", "def get_todo", "test", "_get");
    case("flask", "app.py", "def create_todo", "test", "_post");
    case("flask", "app.py", "def get_todo", "auth", "");
    case("flask", "app.py", "def list_todos", "pagination", "");
    case("flask", "app.py", "class Todo", "crud", "");
    for g in ["dockerfile", "compose", "githubActions", "envExample"] {
        project_case("flask", g);
    }
}

#[test]
fn django_urlpatterns_and_settings() {
    for g in APP_GENERATORS {
        case("django", "shop/urls.py", "urlpatterns", g, "");
    }
}

#[test]
fn django_views_models_and_project() {
    let t = case("django", "catalog/views.py", "def book_detail", "test", "");
    assert!(
        t[0].1.contains("\"/catalog/books/1/\""),
        "the include() prefix is part of the URL"
    );
    case("django", "catalog/views.py", "def book_detail", "auth", "");
    case(
        "django",
        "catalog/views.py",
        "def book_list",
        "pagination",
        "",
    );
    case("django", "catalog/models.py", "class Book", "crud", "");
    for g in ["dockerfile", "compose", "githubActions", "envExample"] {
        project_case("django", g);
    }
}

#[test]
fn express_app_object_and_routes() {
    for g in APP_GENERATORS {
        case("express", "src/app.js", "const app = express()", g, "");
    }
    case(
        "express",
        "src/app.js",
        "app.get('/cats/:id'",
        "test",
        "_get",
    );
    case("express", "src/app.js", "app.post('/cats'", "test", "_post");
    case("express", "src/app.js", "app.post('/cats'", "auth", "");
    case(
        "express",
        "src/app.js",
        "app.get('/cats',",
        "pagination",
        "",
    );
    case(
        "express",
        "src/routes/users.js",
        "router.get('/users/:id'",
        "test",
        "_router",
    );
    case(
        "express",
        "src/routes/users.js",
        "router.get('/users',",
        "pagination",
        "_router",
    );
    case("express", "src/models/cat.js", "mongoose.model", "crud", "");
}

#[test]
fn express_project() {
    for g in ["dockerfile", "compose", "githubActions", "envExample"] {
        project_case("express", g);
    }
    let t = project_case("express", "dockerfile");
    assert!(
        t[0].1.contains("FROM node:20-bookworm-slim AS build"),
        ".nvmrc pins Node 20"
    );
    assert!(
        t[0].1.contains("EXPOSE 8080"),
        "the port the server listens on"
    );
}

#[test]
fn esm_express_without_semicolons_and_vitest() {
    for g in ["healthCheck", "securityHeaders", "errorHandler"] {
        let t = case("esm", "app.mjs", "export const app = express()", g, "");
        for line in t[0].1.lines() {
            assert!(
                !line.trim_end().ends_with(';'),
                "semicolon in a file without them: {line}"
            );
        }
    }
    let t = case(
        "esm",
        "app.mjs",
        "export const app = express()",
        "securityHeaders",
        "",
    );
    assert!(t[0].1.contains("import helmet from \"helmet\"\n"));
    let t = case("esm", "app.mjs", "app.get(\"/orders\"", "test", "");
    assert!(t[0]
        .1
        .contains("import { describe, expect, it } from \"vitest\""));
    assert!(
        t[0].1.contains("import { app } from \"../app.mjs\"")
            || t[0].1.contains("import { app } from \"./app.mjs\"")
    );
    case("esm", "app.mjs", "app.get(\"/orders\"", "pagination", "");
    case("esm", "models.mjs", "sequelize.define", "crud", "");
    for g in ["dockerfile", "compose"] {
        project_case("esm", g);
    }
}

#[test]
fn typescript_express() {
    for g in APP_GENERATORS {
        case("ts", "src/app.ts", "export const app = express()", g, "");
    }
    let t = case("ts", "src/app.ts", "app.post(\"/invoices\"", "test", "");
    assert!(t[0].0.ends_with(".test.ts (new)"), "{}", t[0].0);
    case(
        "ts",
        "src/app.ts",
        "app.get(\"/invoices\"",
        "pagination",
        "",
    );
    project_case("ts", "dockerfile");
}

#[test]
fn metrics_load_tests_and_migrations() {
    let t = case("fastapi", "app/main.py", "app = FastAPI", "metrics", "");
    // The project's manifest gets the client; the alerting rules use the metric names written.
    assert!(t.iter().any(|(f, c)| f == "pyproject.toml (edited)"
        && c.contains("    \"prometheus-client>=0.20\",\n]")));
    assert!(t.iter().any(|(f, c)| f == "prometheus/alerts.yml (new)"
        && c.contains("http_request_duration_seconds_bucket")));
    case("flask", "app.py", "app = Flask", "metrics", "");
    case("fastapi", "app/main.py", "app = FastAPI", "tracing", "");
    case("flask", "app.py", "app = Flask", "tracing", "");
    // Express: tracing.js, required first by the entry point package.json names.
    let t = case(
        "express",
        "src/app.js",
        "const app = express()",
        "tracing",
        "",
    );
    assert!(t.iter().any(|(f, _)| f == "src/tracing.js (new)"), "{t:?}");
    let (_tmp, root) = project_copy("esm");
    let e = run(&root, "app.mjs", "export const app = express()", "tracing").unwrap_err();
    assert!(e.contains("node --import"), "{e}");
    case(
        "express",
        "src/app.js",
        "const app = express()",
        "metrics",
        "",
    );
    let t = case(
        "esm",
        "app.mjs",
        "export const app = express()",
        "metrics",
        "",
    );
    assert!(
        t[0].1.contains("import promClient from \"prom-client\"\n"),
        "{}",
        t[0].1
    );
    // One route: its full path (the routers' prefixes), a body from its model.
    let t = case(
        "shelf",
        "app/routers/books.py",
        "async def create_book",
        "loadTestRoute",
        "",
    );
    assert!(
        t[0].0 == "loadtests/locustfile_create_book.py (new)"
            && t[0].1.contains("@task(1)\n    def create_book(self):\n        self.client.post(\"/api/books\", json={\"title\": \"example\", \"author\": \"example\", \"year\": 1}, name=\"/api/books\")"),
        "{t:?}"
    );
    assert_eq!(t[0].1.matches("@task").count(), 1);
    let t = case(
        "kennel",
        "src/routes/dogs.js",
        "router.get('/:id'",
        "loadTestRoute",
        "",
    );
    assert!(
        t.iter()
            .any(|(f, c)| f == "loadtests/load-test-get-id.js (new)"
                && c.contains("{ weight: 1, method: 'GET', path: '/api/dogs/1' },")),
        "{t:?}"
    );
    case(
        "django",
        "catalog/views.py",
        "def book_detail",
        "loadTestRoute",
        "",
    );
    let (_tmp, root) = project_copy("shelf");
    let e = run(
        &root,
        "app/routers/books.py",
        "async def delete_book",
        "loadTestRoute",
    )
    .unwrap_err();
    assert!(e.contains("must not empty the database"), "{e}");
    // Django: django-prometheus in the settings and the root URLconf, rules on its names.
    let t = case("django", "shop/urls.py", "urlpatterns", "metrics", "");
    assert!(
        t.iter().any(|(f, c)| f == "prometheus/alerts.yml (new)"
            && c.contains("django_http_requests_latency_including_middlewares_seconds_bucket")),
        "{t:?}"
    );
    // Django tracing: tracing.py beside the settings, started by manage.py (and wsgi/asgi).
    let t = case("django", "shop/urls.py", "urlpatterns", "tracing", "");
    assert!(
        t.iter()
            .any(|(f, c)| f == "shop/tracing.py (new)"
                && c.contains("DjangoInstrumentor().instrument(")),
        "{t:?}"
    );
    assert!(
        t.iter().any(|(f, c)| f == "manage.py (edited)"
            && c.contains("from shop.tracing import start_tracing")),
        "{t:?}"
    );
    case("shelf", "app/main.py", "app = FastAPI", "loadTest", "");
    case(
        "kennel",
        "src/app.js",
        "const app = express()",
        "loadTest",
        "",
    );
    let t = case(
        "esm",
        "app.mjs",
        "export const app = express()",
        "loadTest",
        "",
    );
    assert!(
        t.iter().any(|(f, _)| f == "loadtests/load-test.mjs (new)"),
        "{t:?}"
    );
    // Inside an app factory metrics would register again on each call: not offered, and the
    // command says why.
    let (_tmp, root) = project_copy("factory");
    let e = run(&root, "service/__init__.py", "app = Flask", "metrics").unwrap_err();
    assert!(e.contains("not inside an app factory"), "{e}");
    project_case("ledger", "migrations");
    // Django and Node projects are told what their own tools run.
    let (_tmp, root) = project_copy("django");
    let e = run_project(&root, "migrations").unwrap_err();
    assert!(e.contains("python manage.py makemigrations"), "{e}");
    let (_tmp, root) = project_copy("esm");
    let e = run_project(&root, "migrations").unwrap_err();
    assert!(e.contains("npx sequelize-cli db:migrate"), "{e}");
    // A TypeORM project with a data source file gets its CLI's commands as npm scripts.
    let t = project_case("pottery", "migrations");
    assert!(
        t.iter().any(|(f, c)| f == "package.json (edited)"
            && c.contains("\"migration:run\": \"typeorm-ts-node-commonjs migration:run -d src/data-source.ts\"")
            && c.contains("\"ts-node\": \"^10.9.2\"")),
        "{t:?}"
    );
    // One configured through NestJS's TypeOrmModule has none: told what the CLI needs.
    let (_tmp, root) = project_copy("kiln");
    let e = run_project(&root, "migrations").unwrap_err();
    assert!(e.contains("no data source file"), "{e}");
    // Authenticated routes are requested with the token, and say so.
    let t = case(
        "express",
        "src/app.js",
        "const app = express()",
        "loadTest",
        "",
    );
    let script = &t
        .iter()
        .find(|(f, _)| f.starts_with("loadtests/"))
        .unwrap()
        .1;
    assert!(script.contains("{ weight: 3, method: 'GET', path: '/cats' }, // needs authentication (LOAD_TEST_TOKEN)"), "{script}");
    // A Django project's routes come from the root URLconf, whichever urls.py has the cursor.
    let t = case("django", "catalog/urls.py", "urlpatterns", "loadTest", "");
    assert!(t[0].1.contains("/catalog/"), "{}", t[0].1);
}

#[test]
fn cache_reads_and_invalidates_writes() {
    // FastAPI (async, redis.asyncio): keyed by the path parameter; the POST and DELETE of the
    // same router invalidate.
    let t = case(
        "shelf",
        "app/routers/books.py",
        "async def read_book",
        "cache",
        "",
    );
    let books = &t[0].1;
    assert!(
        books.contains(
            "@router.get(\"/{book_id}\")\n@cached(\"books\", \"book_id\")\nasync def read_book"
        ),
        "{books}"
    );
    assert!(
        books.contains("@invalidates(\"books\")\nasync def create_book"),
        "{books}"
    );
    assert!(
        books.contains("@invalidates(\"books\")\nasync def delete_book"),
        "{books}"
    );
    assert!(t
        .iter()
        .any(|(f, c)| f == "requirements.txt (edited)" && c.contains("redis>=5")));
    // Flask (redis-py), two-space single-quote style; the write keeps its login decorator.
    case("flask", "app.py", "def get_todo", "cache", "");
    // Django: the cache framework, and CACHES in the settings manage.py names.
    let t = case("django", "catalog/views.py", "def book_detail", "cache", "");
    assert!(
        t.iter().any(|(f, c)| f == "shop/settings.py (edited)"
            && c.contains("django.core.cache.backends.redis.RedisCache")),
        "{t:?}"
    );
    // Express (ioredis): a middleware before the handler.
    let t = case(
        "kennel",
        "src/routes/dogs.js",
        "router.get('/:id'",
        "cache",
        "",
    );
    assert!(
        t[0].1
            .contains("router.get('/:id', cached('dogs'), (req, res) => {"),
        "{}",
        t[0].1
    );
    assert!(
        t[0].1
            .contains("router.post('/', invalidates('dogs'), (req, res) => {"),
        "{}",
        t[0].1
    );
    // A database session is not authentication; an auth dependency is.
    let (_tmp, root) = project_copy("shelf");
    std::fs::write(
        root.join("app/routers/stats.py"),
        "from fastapi import APIRouter, Depends\nfrom sqlalchemy import func\nfrom sqlalchemy.orm import Session\n\nfrom app.db import get_db\nfrom app.models import Order\nfrom app.security import get_current_user\n\nrouter = APIRouter()\n\n\n@router.get(\"/stats/orders\")\ndef order_stats(db: Session = Depends(get_db)):\n    return dict(db.query(Order.status, func.count(Order.id)).group_by(Order.status).all())\n\n\n@router.get(\"/stats/mine\")\ndef my_stats(db: Session = Depends(get_db), user=Depends(get_current_user)):\n    return {\"n\": db.query(func.count(Order.id)).filter(Order.user_id == user.id).scalar()}\n",
    )
    .unwrap();
    // PERF208 reports the aggregation; the code action is offered right there.
    {
        let path = root.join("app/routers/stats.py");
        let text = std::fs::read_to_string(&path).unwrap();
        let found = findings(&path, &text);
        assert!(found.contains(&"PERF208".to_owned()), "{found:?}");
        let tree = parse::parse(Language::Python, &text, None).unwrap();
        let src = Source {
            path: &path,
            language: Language::Python,
            text: &text,
            tree: &tree,
        };
        let project = Project::discover(&path, &Disk);
        let at = text.find("db.query(Order.status").unwrap();
        assert!(scaffold::offers(&src, at, &project)
            .iter()
            .any(|o| o.name == "cache"));
    }
    let out = run(&root, "app/routers/stats.py", "def order_stats", "cache").unwrap();
    let touched = apply(&root, &out);
    assert!(
        touched[0]
            .1
            .contains("@cached(\"stats\")\ndef order_stats(db: Session"),
        "{}",
        touched[0].1
    );
    let e = run(&root, "app/routers/stats.py", "def my_stats", "cache").unwrap_err();
    assert!(e.contains("depends on who asks"), "{e}");
    // Offered on a public read, not on a write.
    let path = fixtures().join("shelf/app/routers/books.py");
    let text = std::fs::read_to_string(&path).unwrap();
    let tree = parse::parse(Language::Python, &text, None).unwrap();
    let src = Source {
        path: &path,
        language: Language::Python,
        text: &text,
        tree: &tree,
    };
    let project = Project::discover(&path, &Disk);
    let offered = |at: &str| -> Vec<&str> {
        scaffold::offers(&src, text.find(at).unwrap(), &project)
            .into_iter()
            .map(|o| o.name)
            .collect()
    };
    assert!(offered("async def read_book").contains(&"cache"));
    assert!(!offered("async def create_book").contains(&"cache"));
    // Routes whose answer depends on the user are not cached.
    let (_tmp, root) = project_copy("flask");
    let e = run(&root, "app.py", "def list_todos", "cache").unwrap_err();
    assert!(e.contains("depends on who asks"), "{e}");
    let e = run(&root, "app.py", "def create_todo", "cache").unwrap_err();
    assert!(e.contains("read (GET) route"), "{e}");
}

/// Koa (`burrow`: @koa/router and koa-router), Fastify (`stable`: a plugin under a prefix)
/// and NestJS (`cattery`: a global guard with `@Public()`, Swagger): metrics, tracing, the
/// load test and the cache, in each framework's own idiom.
#[test]
fn koa_fastify_and_nest_observability_and_cache() {
    // Koa: one middleware answering /metrics before the routers, labelled by `_matchedRoute`.
    let t = case(
        "burrow",
        "src/app.js",
        "const app = new Koa()",
        "metrics",
        "",
    );
    let app = &t[0].1;
    assert!(
        app.find("app.use(async (ctx, next)").unwrap() < app.find("app.use(bodyParser())").unwrap(),
        "{app}"
    );
    assert!(t
        .iter()
        .any(|(f, c)| f == "package.json (edited)" && c.contains("\"prom-client\": \"^15.1.3\"")));
    let t = case(
        "burrow",
        "src/app.js",
        "const app = new Koa()",
        "tracing",
        "",
    );
    assert!(t
        .iter()
        .any(|(f, c)| f == "src/tracing.js (new)" && c.contains("new KoaInstrumentation(")));
    assert!(t.iter().any(|(f, c)| f == "src/server.js (edited)"
        && c.starts_with("'use strict';\n\nrequire('./tracing'); // first")));
    let t = case(
        "burrow",
        "src/app.js",
        "const app = new Koa()",
        "loadTest",
        "",
    );
    let script = &t[0].1;
    assert!(script.contains("path: '/api/rabbits/1'"), "{script}");
    assert!(
        script.contains("path: '/api/admin/stats' }, // needs authentication"),
        "{script}"
    );
    let t = case(
        "burrow",
        "src/routes/rabbits.js",
        "router.get('/:id'",
        "cache",
        "",
    );
    let routes = &t[0].1;
    assert!(
        routes.contains("router.get('/:id', cached('rabbits'), async (ctx) =>"),
        "{routes}"
    );
    assert!(
        routes.contains("router.post('/', invalidates('rabbits'), async (ctx) =>"),
        "{routes}"
    );
    assert!(
        routes.contains("router.put('/:id', invalidates('rabbits'), async (ctx) =>"),
        "{routes}"
    );

    // Fastify: hooks on the root instance, `/metrics` hidden from the schema; the cache's
    // hooks are the route's options, or spread into the ones it has.
    let t = case(
        "stable",
        "src/app.js",
        "const app = Fastify(",
        "metrics",
        "",
    );
    assert!(t[0]
        .1
        .contains("app.addHook('onResponse', async (request, reply) =>"));
    assert!(t[0]
        .1
        .contains("app.get('/metrics', { schema: { hide: true } }, async (request, reply) =>"));
    let t = case(
        "stable",
        "src/app.js",
        "const app = Fastify(",
        "tracing",
        "",
    );
    assert!(t.iter().any(|(f, c)| f == "src/tracing.js (new)"
        && c.contains("new FastifyOtelInstrumentation({ registerOnInitialization: true")));
    // JSON bodies from the route's schema (a constant of the file): enum, format, bounds.
    let t = case(
        "stable",
        "src/app.js",
        "const app = Fastify(",
        "loadTest",
        "",
    );
    assert!(
        t[0].1.contains("body: JSON.stringify({ name: 'example', breed: 'andalusian', foaled: '2024-01-01', heightHands: 9 })"),
        "{}",
        t[0].1
    );
    let t = case(
        "stable",
        "src/routes/horses.js",
        "fastify.get('/:id'",
        "cache",
        "",
    );
    let routes = &t[0].1;
    assert!(
        routes.contains("fastify.get('/:id', cached('horses'), async (request, reply) =>"),
        "{routes}"
    );
    assert!(
        routes.contains(
            "fastify.put('/:id', { ...invalidates('horses'), schema: { body: horseBody } },"
        ),
        "{routes}"
    );

    // NestJS: a metrics module imported by the root module, its controller public (the
    // project's `@Public()`) and out of the Swagger document; tracing imported first by main.ts;
    // the cache as decorators backed by an interceptor.
    let t = case(
        "cattery",
        "src/main.ts",
        "const app = await NestFactory.create",
        "metrics",
        "",
    );
    assert!(t.iter().any(|(f, c)| f == "src/app.module.ts (edited)"
        && c.contains("imports: [CatsModule, MetricsModule],")
        && c.contains("import { MetricsModule } from './metrics/metrics.module';")));
    assert!(t
        .iter()
        .any(|(f, c)| f == "src/metrics/metrics.controller.ts (new)"
            && c.contains("@ApiExcludeController()\n@Public()\n@Controller('metrics')")
            && c.contains("import { Public } from '../auth/public.decorator';")));
    let t = case(
        "cattery",
        "src/main.ts",
        "const app = await NestFactory.create",
        "tracing",
        "",
    );
    assert!(
        t.iter()
            .any(|(f, c)| f == "src/main.ts (edited)"
                && c.starts_with("import './tracing'; // first"))
    );
    let t = case(
        "cattery",
        "src/main.ts",
        "const app = await NestFactory.create",
        "loadTest",
        "",
    );
    let (_, script) = t
        .iter()
        .find(|(f, _)| f == "loadtests/load-test.mjs (new)")
        .unwrap();
    assert!(script.contains("path: '/cats/1' },"), "{script}");
    // `@UseGuards(AdminGuard)` under the controller's `@Public()`: still guarded.
    assert!(
        script.contains("path: '/cats/admin/stats' }, // needs authentication"),
        "{script}"
    );
    let t = case(
        "cattery",
        "src/cats/cats.controller.ts",
        "findOne(@Param",
        "cache",
        "",
    );
    let controller = &t[0].1;
    assert!(
        controller.contains("  @Get(':id')\n  @Cached('cats')\n  findOne("),
        "{controller}"
    );
    assert!(
        controller.contains("  @Post()\n  @Invalidates('cats')\n  create("),
        "{controller}"
    );
    assert!(t.iter().any(|(f, _)| f == "src/cache/redis-cache.ts (new)"));
    // The image runs the build (`start:prod`), not `nest start` or the TypeScript source.
    let t = project_case("cattery", "dockerfile");
    assert!(
        t[0].1.contains("npm run build") && t[0].1.contains("\"dist/main\""),
        "{}",
        t[0].1
    );
}

/// What Koa, Fastify and NestJS do not have is neither offered nor run: no Express code in them.
#[test]
fn node_frameworks_without_a_generator_refuse() {
    let offers_at = |root: &Path, file: &str, at: &str| -> Vec<&'static str> {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let language = Language::from_path(&path).unwrap();
        let tree = parse::parse(language, &text, None).unwrap();
        let src = Source {
            path: &path,
            language,
            text: &text,
            tree: &tree,
        };
        let project = Project::discover(&path, &Disk);
        scaffold::offers(&src, text.find(at).unwrap(), &project)
            .into_iter()
            .map(|o| o.name)
            .collect()
    };
    let (_tmp, koa) = project_copy("burrow");
    assert_eq!(
        offers_at(&koa, "src/app.js", "const app = new Koa()"),
        ["metrics", "tracing", "loadTest"]
    );
    assert_eq!(
        offers_at(&koa, "src/routes/rabbits.js", "router.get('/:id'"),
        ["cache", "loadTestRoute"]
    );
    // Behind `requireToken`: not cached (one user's answer would be served to another).
    assert_eq!(
        offers_at(&koa, "src/routes/admin.js", "router.get('/stats'"),
        ["loadTestRoute"]
    );
    let e = run(&koa, "src/app.js", "const app = new Koa()", "healthCheck").unwrap_err();
    assert!(e.contains("not available for Koa apps"), "{e}");
    let e = run(&koa, "src/routes/rabbits.js", "router.get('/:id'", "test").unwrap_err();
    assert!(e.contains("Koa handlers have no test generator"), "{e}");
    let e = run(
        &koa,
        "src/routes/rabbits.js",
        "router.get('/:id'",
        "pagination",
    )
    .unwrap_err();
    assert!(e.contains("found nothing to paginate"), "{e}");
    // A Mongoose model in a Koa project: no Express router.
    write(
        &koa,
        "src/models/rabbit.js",
        "const mongoose = require('mongoose');\nconst rabbitSchema = new mongoose.Schema({ name: String });\nmodule.exports = mongoose.model('Rabbit', rabbitSchema);\n",
    );
    assert!(offers_at(&koa, "src/models/rabbit.js", "rabbitSchema =").is_empty());
    let e = run(&koa, "src/models/rabbit.js", "rabbitSchema =", "crud").unwrap_err();
    assert!(e.contains("Koa has no CRUD generator"), "{e}");

    let (_tmp, fastify) = project_copy("stable");
    assert_eq!(
        offers_at(&fastify, "src/app.js", "const app = Fastify("),
        ["metrics", "tracing", "loadTest"]
    );
    assert_eq!(
        offers_at(&fastify, "src/app.js", "app.get('/api/admin/stats'"),
        ["loadTestRoute"]
    );
    assert_eq!(
        offers_at(&fastify, "src/routes/horses.js", "fastify.get('/'"),
        ["cache", "loadTestRoute"]
    );
    let e = run(&fastify, "src/app.js", "const app = Fastify(", "cors").unwrap_err();
    assert!(e.contains("not available for Fastify apps"), "{e}");

    let (_tmp, nest) = project_copy("cattery");
    assert_eq!(
        offers_at(&nest, "src/cats/cats.controller.ts", "findOne(@Param"),
        ["cache", "loadTestRoute"]
    );
    // `@UseGuards(AdminGuard)`: not cached.
    assert_eq!(
        offers_at(&nest, "src/cats/cats.controller.ts", "stats()"),
        ["loadTestRoute"]
    );
    let e = run(&nest, "src/cats/cats.controller.ts", "stats()", "cache").unwrap_err();
    assert!(e.contains("depends on who asks"), "{e}");
}

#[test]
fn offers_follow_the_cursor() {
    let root = fixtures().join("fastapi");
    let offers_at = |file: &str, at: &str| -> Vec<&'static str> {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let tree = parse::parse(Language::Python, &text, None).unwrap();
        let src = Source {
            path: &path,
            language: Language::Python,
            text: &text,
            tree: &tree,
        };
        let project = Project::discover(&path, &Disk);
        scaffold::offers(&src, text.find(at).unwrap(), &project)
            .into_iter()
            .map(|o| o.name)
            .collect()
    };
    let mut app = APP_GENERATORS.to_vec();
    app.extend(["metrics", "tracing", "loadTest", "websocket"]);
    assert_eq!(offers_at("app/main.py", "app = FastAPI"), app);
    assert_eq!(
        offers_at("app/main.py", "async def create_order"),
        ["test", "auth", "loadTestRoute"]
    );
    assert_eq!(
        offers_at("app/main.py", "async def list_items"),
        ["test", "pagination", "responseModel", "loadTestRoute"]
    );
    assert_eq!(
        offers_at("app/main.py", "async def read_item"),
        ["test", "responseModel", "loadTestRoute"]
    );
    assert_eq!(
        offers_at("app/models.py", "class Item"),
        ["crud", "schemas"]
    );
    assert!(offers_at("app/main.py", "import os").is_empty());
}

#[test]
fn errors_say_what_to_do() {
    let (_tmp, root) = project_copy("express");
    let e = run(&root, "src/app.js", "'use strict'", "healthCheck").unwrap_err();
    assert!(e.contains("place the cursor on the app object"), "{e}");
    let e = run(&root, "src/app.js", "'use strict'", "nope").unwrap_err();
    assert!(e.contains("unknown generator `nope`"), "{e}");
    // server.js registers no routes; the router file is fine, but an unexported router is not.
    std::fs::write(
        root.join("src/routes/users.js"),
        "const express = require('express');\nconst router = express.Router();\nrouter.get('/x', (req, res) => res.json([]));\n",
    )
    .unwrap();
    let e = run(&root, "src/routes/users.js", "router.get", "test").unwrap_err();
    assert!(e.contains("does not export `router`"), "{e}");
    let (_tmp, root) = project_copy("esm");
    std::fs::remove_file(root.join("package.json")).unwrap();
    let e = run_project(&root, "dockerfile").unwrap_err();
    assert!(e.contains("cannot tell what to generate"), "{e}");
}

// ---- over LSP ------------------------------------------------------------------------------

fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn lsp_client(root: &Path, create_files: bool) -> common::Client {
    let mut c = common::Client::spawn();
    let edit = if create_files {
        json!({"documentChanges": true, "resourceOperations": ["create"]})
    } else {
        json!({"documentChanges": false})
    };
    let resp = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(root),
            "capabilities": {"workspace": {"applyEdit": true, "workspaceEdit": edit}},
        }),
    );
    let caps = &resp["result"]["capabilities"];
    let commands = caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap();
    assert!(commands.contains(&json!("backend-architect.scaffold.healthCheck")));
    let scaffolding = commands
        .iter()
        .filter(|c| {
            c.as_str()
                .is_some_and(|c| c.starts_with("backend-architect.scaffold."))
        })
        .count();
    assert_eq!(scaffolding, scaffold::GENERATORS.len());
    assert!(commands.contains(&json!("backend-architect.review")));
    let kinds = caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap();
    assert!(kinds.contains(&json!("refactor.rewrite")) && kinds.contains(&json!("source")));
    c.notify("initialized", json!({}));
    c
}

fn apply_edit_requests(c: &common::Client) -> Vec<Value> {
    c.backlog
        .iter()
        .filter(|m| m["method"] == "workspace/applyEdit")
        .map(|m| m["params"]["edit"].clone())
        .collect()
}

#[test]
fn lsp_code_actions_run_commands_that_apply_edits_and_create_files() {
    let (_tmp, root) = project_copy("fastapi");
    let main = root.join("app/main.py");
    let text = std::fs::read_to_string(&main).unwrap();
    let uri = file_uri(&main);
    let mut c = lsp_client(&root, true);
    c.open(&uri, "python", &text);
    let line = |needle: &str| text[..text.find(needle).unwrap()].matches('\n').count();
    let at = |l: usize| json!({"start": {"line": l, "character": 0}, "end": {"line": l, "character": 0}});

    // On the app object: in-place generators, offered as refactor.rewrite actions.
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": at(line("app = FastAPI")), "context": {"diagnostics": [], "only": ["refactor.rewrite"]}}),
    );
    let actions = resp["result"].as_array().unwrap();
    let commands: Vec<&str> = actions
        .iter()
        .map(|a| a["command"]["command"].as_str().unwrap())
        .collect();
    // The five app generators, `metrics` and `tracing`; `loadTest` creates files (a `source`
    // action).
    assert_eq!(commands.len(), 7, "{actions:?}");
    assert!(actions.iter().all(|a| a["kind"] == "refactor.rewrite"));
    let health = actions
        .iter()
        .find(|a| a["command"]["command"] == "backend-architect.scaffold.healthCheck")
        .unwrap();
    assert!(health["title"].as_str().unwrap().contains("health check"));

    // Running the action's command applies the edit through workspace/applyEdit.
    let resp = c.request("workspace/executeCommand", health["command"].clone());
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let edits = apply_edit_requests(&c);
    let change = &edits[0]["documentChanges"][0];
    assert_eq!(change["textDocument"]["uri"], json!(uri));
    assert_eq!(change["textDocument"]["version"], 1);
    assert!(change["edits"][0]["newText"]
        .as_str()
        .unwrap()
        .contains("@app.get(\"/healthz\""));

    // On a handler, the test generator is a `source` action creating a file.
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": at(line("async def list_items")), "context": {"diagnostics": [], "only": ["source"]}}),
    );
    let action = resp["result"].as_array().unwrap()[0].clone();
    assert_eq!(
        action["command"]["command"],
        "backend-architect.scaffold.test"
    );
    let resp = c.request("workspace/executeCommand", action["command"].clone());
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let edits = apply_edit_requests(&c);
    let ops = edits[1]["documentChanges"].as_array().unwrap();
    assert_eq!(ops[0]["kind"], "create");
    assert_eq!(
        ops[0]["uri"],
        json!(file_uri(&root.join("test_list_items.py")))
    );
    assert_eq!(ops[0]["options"]["overwrite"], false);
    assert!(ops[1]["edits"][0]["newText"]
        .as_str()
        .unwrap()
        .contains("client = TestClient(app)"));

    // Project commands work from the workspace root; a failure says why, as an error.
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.scaffold.kubernetes", "arguments": []}),
    );
    assert_eq!(resp["error"]["code"], -32803, "{resp}");
    assert!(resp["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no health endpoint"));
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.scaffold.nope", "arguments": []}),
    );
    assert_eq!(resp["error"]["code"], -32602);
    assert!(c.shutdown().success());
}

#[test]
fn lsp_without_resource_operations_returns_what_it_would_write() {
    let (_tmp, root) = project_copy("express");
    let mut c = lsp_client(&root, false);
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.scaffold.dockerfile", "arguments": [{"uri": file_uri(&root)}]}),
    );
    let result = &resp["result"];
    assert_eq!(result["applied"], false, "{resp}");
    assert!(result["preview"]
        .as_str()
        .unwrap()
        .contains("FROM node:20-bookworm-slim AS build"));
    assert!(!root.join("Dockerfile").exists());
    assert!(apply_edit_requests(&c).is_empty());
    let note = c.wait_for("window/showMessage", |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot create files"))
    });
    assert_eq!(note["type"], 3);
    // Edits to existing files still go through (a plain `changes` map), for a file not open.
    let app = root.join("src/app.js");
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.scaffold.securityHeaders", "arguments": [{"uri": file_uri(&app), "position": {"line": 6, "character": 0}}]}),
    );
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let edits = apply_edit_requests(&c);
    let changes = edits[0]["changes"][file_uri(&app)].as_array().unwrap();
    assert!(changes.iter().any(|e| e["newText"]
        .as_str()
        .unwrap()
        .contains("app.use(helmet());")));
    assert!(c.shutdown().success());
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The new files (uri → text) of the `index`th workspace/applyEdit.
fn created(c: &common::Client, index: usize) -> Vec<(String, String)> {
    let edits = apply_edit_requests(c);
    let ops = edits[index]["documentChanges"].as_array().unwrap().clone();
    ops.iter()
        .filter(|o| o["kind"] == "create")
        .map(|o| {
            let uri = o["uri"].as_str().unwrap().to_owned();
            let text = ops
                .iter()
                .find(|e| e["textDocument"]["uri"] == uri.as_str())
                .map(|e| e["edits"][0]["newText"].as_str().unwrap().to_owned())
                .unwrap_or_default();
            (uri, text)
        })
        .collect()
}

const FASTAPI_MAIN: &str = "from fastapi import FastAPI\nimport yaml\nimport os\n\napp = FastAPI()\n\n\n@app.get(\"/healthz\")\ndef healthz():\n    return {\"ok\": True}\n";

/// A monorepo (one git repository, a Node front end and a Python service): "Generate:
/// Dockerfile" given the workspace folder (as the VS Code command sends it) builds the project
/// of the active file, found by the nearest manifest above it.
#[test]
fn lsp_project_generators_start_from_the_active_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(
        &root,
        "web/package.json",
        "{\"name\": \"web\", \"dependencies\": {\"express\": \"4.18.2\"}}\n",
    );
    write(&root, "web/server.js", "const express = require(\"express\");\nconst app = express();\napp.get(\"/healthz\", (req, res) => res.send(\"ok\"));\napp.listen(3000);\n");
    write(&root, "services/api/requirements.txt", "fastapi\nuvicorn\n");
    write(&root, "services/api/app/__init__.py", "");
    write(&root, "services/api/app/main.py", FASTAPI_MAIN);
    let mut c = lsp_client(&root, true);
    let main = root.join("services/api/app/main.py");
    c.open(&file_uri(&main), "python", FASTAPI_MAIN);
    let run = |c: &mut common::Client| {
        c.request(
            "workspace/executeCommand",
            json!({"command": "backend-architect.scaffold.dockerfile", "arguments": [{"uri": file_uri(&root)}]}),
        )
    };
    let resp = run(&mut c);
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let files = created(&c, 0);
    assert_eq!(
        files[0].0,
        file_uri(&root.join("services/api/Dockerfile")),
        "{files:?}"
    );
    assert!(
        files[0].1.contains("FROM python:") && files[0].1.contains("COPY requirements.txt"),
        "{}",
        files[0].1
    );
    // Another file becomes the active one: its project.
    let server = root.join("web/server.js");
    c.open(
        &file_uri(&server),
        "javascript",
        &std::fs::read_to_string(&server).unwrap(),
    );
    let resp = run(&mut c);
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let files = created(&c, 1);
    assert_eq!(
        files[0].0,
        file_uri(&root.join("web/Dockerfile")),
        "{files:?}"
    );
    assert!(files[0].1.contains("FROM node:"), "{}", files[0].1);
    assert!(c.shutdown().success());
}

/// A Python service with no requirements.txt or pyproject.toml: the server offers to create
/// one from what the code imports, and the Dockerfile installs from it; declining writes
/// nothing.
#[test]
fn lsp_offers_a_manifest_to_a_python_service_without_one() {
    for choice in ["requirements.txt", "pyproject.toml", ""] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        write(&root, "svc/main.py", FASTAPI_MAIN);
        let mut c = lsp_client(&root, true);
        if !choice.is_empty() {
            c.choose = vec![choice.to_owned()];
        }
        let main = root.join("svc/main.py");
        c.open(&file_uri(&main), "python", FASTAPI_MAIN);
        let resp = c.request(
            "workspace/executeCommand",
            json!({"command": "backend-architect.scaffold.dockerfile", "arguments": []}),
        );
        let asked = c
            .backlog
            .iter()
            .find(|m| m["method"] == "window/showMessageRequest")
            .expect("the user is asked");
        assert!(asked["params"]["message"]
            .as_str()
            .unwrap()
            .contains("has no requirements.txt or pyproject.toml"));
        if choice.is_empty() {
            assert_eq!(resp["result"]["applied"], false, "{resp}");
            assert!(apply_edit_requests(&c).is_empty());
            assert!(c.shutdown().success());
            continue;
        }
        assert_eq!(resp["result"]["applied"], true, "{resp}");
        let files = created(&c, 0);
        let names: Vec<&str> = files
            .iter()
            .map(|(u, _)| u.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            names,
            vec![choice, "Dockerfile", ".dockerignore"],
            "{files:?}"
        );
        assert_eq!(files[0].0, file_uri(&root.join("svc").join(choice)));
        let (manifest, docker) = (&files[0].1, &files[1].1);
        for dep in ["fastapi", "pyyaml", "uvicorn[standard]"] {
            assert!(manifest.contains(dep), "{manifest}");
        }
        assert!(!manifest.contains("\nos"), "{manifest}");
        if choice == "requirements.txt" {
            assert!(
                docker.contains("COPY requirements.txt ./\nRUN pip install -r requirements.txt"),
                "{docker}"
            );
        } else {
            assert!(
                manifest.contains("[project]\nname = \"svc\"")
                    && manifest.contains("    \"fastapi\",\n"),
                "{manifest}"
            );
            assert!(docker.contains("RUN pip install ."), "{docker}");
        }
        assert!(docker.contains("uvicorn"), "{docker}");
        assert!(c.shutdown().success());
    }
}

/// eglot 1.9 announces no resource operations: after the user agrees, the server writes the
/// new files itself (never over an existing one) and shows the first.
#[test]
fn lsp_writes_files_after_asking_when_the_client_cannot_create_them() {
    let (_tmp, root) = project_copy("express");
    let mut c = common::Client::spawn();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(&root),
            "capabilities": {
                "workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": false}},
                "window": {"showDocument": {"support": true}}
            },
        }),
    );
    c.notify("initialized", json!({}));
    c.choose = vec!["Write the files".to_owned()];
    let run = |c: &mut common::Client| {
        c.request(
            "workspace/executeCommand",
            json!({"command": "backend-architect.scaffold.dockerfile", "arguments": [{"uri": file_uri(&root)}]}),
        )
    };
    let resp = run(&mut c);
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let dockerfile = root.join("Dockerfile");
    let written = std::fs::read_to_string(&dockerfile).unwrap();
    assert!(
        written.contains("FROM node:20-bookworm-slim AS build"),
        "{written}"
    );
    assert!(root.join(".dockerignore").exists());
    let shown = c
        .backlog
        .iter()
        .find(|m| m["method"] == "window/showDocument")
        .expect("the new file is shown");
    assert_eq!(shown["params"]["uri"], json!(file_uri(&dockerfile)));
    // Never over an existing file.
    std::fs::write(&dockerfile, "# mine\n").unwrap();
    let resp = run(&mut c);
    assert!(resp.get("error").is_some(), "{resp}");
    assert_eq!(std::fs::read_to_string(&dockerfile).unwrap(), "# mine\n");
    // Declined: nothing is written, the content is in the result.
    std::fs::remove_file(&dockerfile).unwrap();
    std::fs::remove_file(root.join(".dockerignore")).unwrap();
    c.choose = vec!["Show the content only".to_owned()];
    let resp = run(&mut c);
    assert_eq!(resp["result"]["applied"], false, "{resp}");
    assert!(resp["result"]["preview"]
        .as_str()
        .unwrap()
        .contains("FROM node:"));
    assert!(!dockerfile.exists());
    assert!(c.shutdown().success());
}

/// Every fixture file, the cursor at every line: whatever is offered also runs, and nothing
/// panics, also on the same files cut off mid-way (broken syntax).
#[test]
fn whatever_is_offered_runs_and_broken_code_does_not_panic() {
    let mut offered = 0;
    for project in [
        "fastapi", "flask", "django", "express", "esm", "factory", "ts", "burrow", "stable",
        "cattery", "atlas", "warren", "relay", "apiary", "paddock", "aviary", "kiln", "pottery",
    ] {
        let (_tmp, root) = project_copy(project);
        let files: Vec<PathBuf> = ignore::Walk::new(&root)
            .flatten()
            .map(|e| e.into_path())
            .filter(|p| Language::from_path(p).is_some())
            .collect();
        for path in files {
            let full = std::fs::read_to_string(&path).unwrap();
            let language = Language::from_path(&path).unwrap();
            let project_info = Project::discover(&path, &Disk);
            for cut in [full.len(), full.len() * 2 / 3, full.len() / 3] {
                let cut = (0..=cut).rev().find(|i| full.is_char_boundary(*i)).unwrap();
                let text = &full[..cut];
                let tree = parse::parse(language, text, None).unwrap();
                let src = Source {
                    path: &path,
                    language,
                    text,
                    tree: &tree,
                };
                let mut at = 0;
                for line in text.split_inclusive('\n') {
                    for offer in scaffold::offers(&src, at, &project_info) {
                        let out =
                            scaffold::generate(offer.name, Some(&src), at, &project_info, &Disk);
                        if cut == full.len() {
                            offered += 1;
                            let out = out.unwrap_or_else(|e| {
                                panic!(
                                    "{} offered at {}:{at} but fails: {e}",
                                    offer.name,
                                    path.display()
                                )
                            });
                            assert!(!out.edits.is_empty() || !out.files.is_empty());
                        }
                    }
                    at += line.len();
                }
            }
        }
    }
    assert!(offered > 50, "only {offered} offers");
}

#[test]
fn crud_reuses_schemas_that_exist_and_schemas_refuses_to_duplicate_them() {
    let (_tmp, root) = project_copy("fastapi");
    let out = run(&root, "app/models.py", "class Item", "schemas").unwrap();
    apply(&root, &out);
    let e = run(&root, "app/models.py", "class Item", "schemas").unwrap_err();
    assert!(e.contains("already has schemas for `Item`"), "{e}");
    let out = run(&root, "app/models.py", "class Item", "crud").unwrap();
    assert!(out.edits.is_empty(), "schemas.py is left alone");
    let touched = apply(&root, &out);
    assert_eq!(touched.len(), 1);
    assert!(touched[0]
        .1
        .contains("from app.schemas import ItemCreate, ItemRead, ItemUpdate"));
    verify(&root, &touched);
}

#[test]
fn edits_keep_crlf_line_endings() {
    let (_tmp, root) = project_copy("flask");
    let path = root.join("app.py");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace('\n', "\r\n");
    std::fs::write(&path, &text).unwrap();
    let out = run(&root, "app.py", "app = Flask", "securityHeaders").unwrap();
    let touched = apply(&root, &out);
    let new = &touched[0].1;
    assert!(
        new.contains("def security_headers(response):\r\n"),
        "{new:?}"
    );
    assert_eq!(
        new.matches('\n').count(),
        new.matches("\r\n").count(),
        "a bare \\n slipped in"
    );
    verify(&root, &touched);
}

/// `auth` on FastAPI: a database session (`db: Session = Depends(get_db)`) is not the
/// authentication the siblings use, so a route holding only one still gets the real one.
#[test]
fn fastapi_auth_is_not_a_database_session() {
    let (_tmp, root) = project_copy("shelf");
    std::fs::write(
        root.join("app/routers/notes.py"),
        "from fastapi import APIRouter, Depends\nfrom sqlalchemy.orm import Session\n\nfrom app.db import get_db\nfrom app.security import get_current_user\n\nrouter = APIRouter()\n\n\n@router.post(\"/notes\")\ndef create_note(db: Session = Depends(get_db), user=Depends(get_current_user)):\n    return {\"ok\": True}\n\n\n@router.put(\"/notes/{note_id}\")\ndef update_note(note_id: int, db: Session = Depends(get_db), user=Depends(get_current_user)):\n    return {\"ok\": True}\n\n\n@router.delete(\"/notes/{note_id}\")\ndef delete_note(note_id: int, db: Session = Depends(get_db)):\n    return None\n",
    )
    .unwrap();
    // Siblings that only take a database session offer no authentication to copy.
    std::fs::write(
        root.join("app/routers/tags.py"),
        "from fastapi import APIRouter, Depends\nfrom sqlalchemy.orm import Session\n\nfrom app.db import get_db\n\nrouter = APIRouter()\n\n\n@router.post(\"/tags\")\ndef create_tag(db: Session = Depends(get_db)):\n    return {\"ok\": True}\n\n\n@router.put(\"/tags/{tag_id}\")\ndef rename_tag(tag_id: int, db: Session = Depends(get_db)):\n    return {\"ok\": True}\n\n\n@router.delete(\"/tags/{tag_id}\")\ndef delete_tag(tag_id: int):\n    return None\n",
    )
    .unwrap();
    assert!(run(&root, "app/routers/tags.py", "def delete_tag", "auth").is_err());
    let out = run(&root, "app/routers/notes.py", "def delete_note", "auth").unwrap();
    let touched = apply(&root, &out);
    assert!(
        touched[0].1.contains(
            "def delete_note(note_id: int, db: Session = Depends(get_db), user=Depends(get_current_user)):"
        ),
        "{}",
        touched[0].1
    );
}

/// `check` over the whole project copy, cross-file rules included: the findings of the GraphQL
/// and WebSocket rules (SEC8xx, PERF30x) in the files `touched` names.
fn graphql_and_socket_findings(root: &Path, touched: &[(String, String)]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_backend-architect"))
        .current_dir(root)
        .args(["check", "--no-cache", "--format", "json", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let files: Vec<&str> = touched
        .iter()
        .map(|(name, _)| name.split(" (").next().unwrap())
        .collect();
    report
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let code = f["code"].as_str().unwrap_or("");
            code.starts_with("SEC8") || code.starts_with("PERF30")
        })
        .filter(|f| {
            let path = f["path"].as_str().unwrap_or("");
            files.iter().any(|g| path.ends_with(g))
        })
        .map(|f| format!("{} {}: {}", f["path"], f["code"], f["message"]))
        .collect()
}

/// `case`, and `check` over the project before and afterwards: the generated code adds no
/// finding of the GraphQL and WebSocket rules, the project-wide ones (mutation auth, socket
/// auth) included (an edited file may keep the findings it had).
fn checked_case(project: &str, file: &str, at: &str, generator: &str) -> Vec<(String, String)> {
    let (_tmp, root) = project_copy(project);
    let out = run(&root, file, at, generator)
        .unwrap_or_else(|e| panic!("{project}/{file} {generator}: {e}"));
    let edited: Vec<(String, String)> = out
        .edits
        .iter()
        .map(|e| {
            let name = e.path.strip_prefix(&root).unwrap_or(&e.path);
            (name.display().to_string(), String::new())
        })
        .collect();
    let before = graphql_and_socket_findings(&root, &edited);
    let touched = apply(&root, &out);
    verify(&root, &touched);
    snapshot(&format!("{project}__{generator}"), &touched);
    let found: Vec<String> = graphql_and_socket_findings(&root, &touched)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert!(found.is_empty(), "{project}: {found:#?}");
    touched
}

#[test]
fn graphql_resolvers_in_the_library_each_project_uses() {
    // Strawberry: `permission_classes` copied from the project's mutations, the session from
    // `info.context["session"]`, the test in the project's tests/.
    let touched = checked_case("atlas", "app/models.py", "class Author", "graphqlResolver");
    let module = &touched[0].1;
    assert!(
        touched[0].0.starts_with("app/author_graphql.py"),
        "{touched:?}"
    );
    assert!(
        touched[1].0.starts_with("tests/test_author_graphql.py"),
        "{touched:?}"
    );
    assert!(
        module.contains("@strawberry.mutation(permission_classes=[IsAuthenticated])"),
        "{module}"
    );
    assert!(
        module.contains("from app.permissions import IsAuthenticated"),
        "{module}"
    );
    // Graphene: the project's decorator on `mutate`.
    let touched = checked_case(
        "bazaar",
        "app/models.py",
        "class Product",
        "graphqlResolver",
    );
    assert!(
        touched[0]
            .1
            .contains("    @login_required\n    def mutate(root, info, input):"),
        "{}",
        touched[0].1
    );
    // Ariadne: the check at the top of the project's mutations.
    let touched = checked_case("quarry", "app/models.py", "class Site", "graphqlResolver");
    assert!(touched[0].1.contains("    if not info.context[\"request\"].user.is_authenticated:\n        raise GraphQLError"), "{}", touched[0].1);
}

#[test]
fn graphene_django_resolvers_for_a_django_model() {
    // The Django ORM instead of a session, the project's decorator (imported from the app's
    // `auth` module), a `django.test.TestCase` test beside the schema.
    let touched = checked_case("agora", "forum/models.py", "class Topic", "graphqlResolver");
    assert_eq!(touched[0].0, "forum/topic_graphql.py (new)");
    assert_eq!(touched[1].0, "forum/test_topic_graphql.py (new)");
    let module = &touched[0].1;
    assert!(
        module.contains("return Topic.objects.order_by(\"id\")[offset : offset + limit]"),
        "{module}"
    );
    assert!(
        module.contains("from forum.auth import login_required"),
        "{module}"
    );
    assert!(touched[1].1.contains("class TopicGraphQLTests(TestCase):"));
}

#[test]
fn apollo_resolvers_for_a_mongoose_model() {
    // Beside the project's resolvers, whose check (and its import) it copies; node:test.
    let touched = checked_case(
        "warren",
        "src/models/rabbit.js",
        "rabbitSchema = new",
        "graphqlResolver",
    );
    assert_eq!(touched[0].0, "src/graphql/rabbit.js (new)");
    let module = &touched[0].1;
    assert!(
        module.contains("const { AuthenticationError } = require('./errors');"),
        "{module}"
    );
    assert!(
        module.contains(
            "      if (!context.user) {\n        throw new AuthenticationError();\n      }\n"
        ),
        "{module}"
    );
    // No GraphQL library: refused.
    let (_tmp, root) = project_copy("express");
    let e = run(
        &root,
        "src/models/cat.js",
        "catSchema = new",
        "graphqlResolver",
    )
    .unwrap_err();
    assert!(e.contains("no GraphQL library"), "{e}");
}

/// graphql-yoga (an ES-module project), Mercurius (Fastify) and graphql-http (Express over
/// `makeExecutableSchema`): the same module as Apollo's, the check and its import copied from
/// the project's guarded mutation, and a test executing it through the server the project uses.
#[test]
fn schema_first_resolvers_for_yoga_mercurius_and_graphql_http() {
    let touched = checked_case(
        "apiary",
        "src/models/hive.js",
        "hiveSchema = new",
        "graphqlResolver",
    );
    assert_eq!(touched[0].0, "src/schema/hive.js (new)");
    let module = &touched[0].1;
    assert!(
        module.starts_with("// GraphQL for Hive (graphql-yoga)"),
        "{module}"
    );
    assert!(
        module.contains("import { GraphQLError } from 'graphql';")
            && module.contains("import { isAuthenticated } from '../auth.js';"),
        "{module}"
    );
    assert!(
        module.contains(
            "createHive: async (_, { input }, { user }) => {\n      if (!isAuthenticated(user)) {"
        ),
        "{module}"
    );
    assert!(
        touched[1]
            .1
            .contains("import { createSchema, createYoga } from 'graphql-yoga';"),
        "{}",
        touched[1].1
    );

    let touched = checked_case(
        "paddock",
        "src/models/pony.js",
        "ponySchema = new",
        "graphqlResolver",
    );
    assert_eq!(touched[0].0, "src/graphql/pony.js (new)");
    assert!(
        touched[0]
            .1
            .contains("const { AuthenticationError } = require('./errors');"),
        "{}",
        touched[0].1
    );
    assert!(
        touched[1]
            .1
            .contains("app.register(mercurius, { schema: [root, typeDefs], resolvers });"),
        "{}",
        touched[1].1
    );

    let touched = checked_case(
        "aviary",
        "src/models/parrot.js",
        "parrotSchema = new",
        "graphqlResolver",
    );
    assert_eq!(touched[0].0, "src/graphql/parrot.js (new)");
    assert!(
        touched[1]
            .1
            .contains("const { makeExecutableSchema } = require('@graphql-tools/schema');"),
        "{}",
        touched[1].1
    );
    // Without `@graphql-tools/schema`, which resolver maps need there, it is added.
    let (_tmp, root) = project_copy("aviary");
    let manifest = std::fs::read_to_string(root.join("package.json")).unwrap();
    std::fs::write(
        root.join("package.json"),
        manifest.replace("    \"@graphql-tools/schema\": \"^10.0.0\",\n", ""),
    )
    .unwrap();
    let out = run(
        &root,
        "src/models/parrot.js",
        "parrotSchema = new",
        "graphqlResolver",
    )
    .unwrap();
    let touched = apply(&root, &out);
    assert!(
        touched.iter().any(|(f, c)| f == "package.json (edited)"
            && c.contains("\"@graphql-tools/schema\": \"^10.0.0\"")),
        "{touched:?}"
    );
}

const ASYNC_DB: &str = "import os\n\nfrom sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\nfrom sqlalchemy.orm import DeclarativeBase\n\nengine = create_async_engine(os.environ.get(\"DATABASE_URL\", \"sqlite+aiosqlite:///app.db\"))\nSessionLocal = async_sessionmaker(engine)\n\n\nclass Base(DeclarativeBase):\n    pass\n";

/// A Strawberry project on SQLAlchemy's asyncio sessions: the resolvers are coroutines that
/// await the session, and the test drives an aiosqlite database on its own event loop.
#[test]
fn strawberry_resolvers_on_async_sessions() {
    let (_tmp, root) = project_copy("atlas");
    write(&root, "app/db.py", ASYNC_DB);
    let out = run(&root, "app/models.py", "class Author", "graphqlResolver").unwrap();
    let touched = apply(&root, &out);
    verify(&root, &touched);
    snapshot("atlas__graphqlResolver_async", &touched);
    let resolvers = &touched[0].1;
    for expected in [
        "    async def author(self, info: Info, id: int) -> Optional[AuthorType]:\n        author = await info.context[\"session\"].get(Author, id)",
        "for author in await info.context[\"session\"].scalars(query)]",
        "        await info.context[\"session\"].commit()\n        await info.context[\"session\"].refresh(author)",
    ] {
        assert!(resolvers.contains(expected), "no `{expected}` in:\n{resolvers}");
    }
    assert!(touched[1]
        .1
        .contains("create_async_engine(\"sqlite+aiosqlite://\""));
    let found = graphql_and_socket_findings(&root, &touched);
    assert!(found.is_empty(), "{found:#?}");
}

/// Graphene and Ariadne run synchronous resolvers here: on asyncio sessions they are refused
/// with the reason, not given resolvers whose session calls would return coroutines.
#[test]
fn graphene_resolvers_are_refused_on_async_sessions() {
    let (_tmp, root) = project_copy("bazaar");
    write(&root, "app/database.py", ASYNC_DB);
    let e = run(&root, "app/models.py", "class Product", "graphqlResolver").unwrap_err();
    assert!(
        e.contains("asyncio sessions (app/database.py)") && e.contains("only Strawberry"),
        "{e}"
    );
}

#[test]
fn nest_graphql_resolver_for_a_typeorm_entity() {
    // Code first beside the entity; the create mutation carries the `@UseGuards(GqlAuthGuard)`
    // of the project's `createKiln` (its import re-rooted); a Jest spec beside it.
    let touched = checked_case(
        "kiln",
        "src/glazes/glaze.entity.ts",
        "export class Glaze",
        "graphqlResolver",
    );
    let names: Vec<&str> = touched.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        [
            "src/app.module.ts (edited)",
            "src/glazes/glaze.resolver.ts (new)",
            "src/glazes/glaze-graphql.module.ts (new)",
            "src/glazes/glaze.resolver.spec.ts (new)",
        ]
    );
    // The module that sets up GraphQLModule imports the new one.
    let app_module = &touched[0].1;
    assert!(
        app_module.contains("    KilnsModule,\n    GlazeGraphqlModule,\n  ],")
            && app_module
                .contains("import { GlazeGraphqlModule } from './glazes/glaze-graphql.module';"),
        "{app_module}"
    );
    let resolver = &touched[1].1;
    assert!(
        resolver
            .contains("  @Mutation(() => GlazeObject)\n  @UseGuards(GqlAuthGuard)\n  createGlaze("),
        "{resolver}"
    );
    assert!(
        resolver.contains("import { GqlAuthGuard } from '../auth/gql-auth.guard';"),
        "{resolver}"
    );
    assert!(
        resolver.contains("take: Math.min(Math.max(limit, 1), MAX_PAGE_SIZE),"),
        "{resolver}"
    );
    // Offered on the entity; a project whose mutations carry no guard gets no mutation.
    let (_tmp, root) = project_copy("kiln");
    let resolver_file = root.join("src/kilns/kilns.resolver.ts");
    let text = std::fs::read_to_string(&resolver_file)
        .unwrap()
        .replace("  @UseGuards(GqlAuthGuard)\n", "");
    std::fs::write(&resolver_file, text).unwrap();
    let out = run(
        &root,
        "src/glazes/glaze.entity.ts",
        "export class Glaze",
        "graphqlResolver",
    )
    .unwrap();
    let resolver = &out.files[0].content;
    assert!(
        !resolver.contains("@Mutation") && resolver.contains("No `createGlaze`"),
        "{resolver}"
    );
}

#[test]
fn typegraphql_resolver_for_a_typeorm_entity() {
    // Beside the project's resolvers; the repository from its DataSource; `@Authorized()`
    // copied from `createKiln`; a Jest test executing through `buildSchema`.
    let touched = checked_case(
        "pottery",
        "src/entities/glaze.ts",
        "export class Glaze",
        "graphqlResolver",
    );
    let names: Vec<&str> = touched.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        [
            "src/resolvers/glaze.resolver.ts (new)",
            "src/resolvers/glaze.resolver.test.ts (new)",
        ]
    );
    let resolver = &touched[0].1;
    assert!(
        resolver.contains("  @Mutation(() => GlazeObject)\n  @Authorized()\n  createGlaze(@Arg('input') input: GlazeInput)"),
        "{resolver}"
    );
    assert!(
        resolver.contains("  private readonly repository = AppDataSource.getRepository(Glaze);"),
        "{resolver}"
    );
    assert!(
        resolver.contains("import { Arg, Authorized, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';"),
        "{resolver}"
    );
}

#[test]
fn graphql_resolvers_need_a_graphql_library() {
    let (_tmp, root) = project_copy("ledger");
    let e = run(
        &root,
        "ledger/models.py",
        "class Account",
        "graphqlResolver",
    )
    .unwrap_err();
    assert!(e.contains("no GraphQL library"), "{e}");
}

#[test]
fn websocket_endpoints_with_the_projects_authentication() {
    // FastAPI: `get_current_user(authorization: str = Header(...))` called on the handshake.
    let touched = checked_case("shelf", "app/main.py", "app = FastAPI", "websocket");
    assert!(
        touched[0]
            .1
            .contains("return await get_current_user(authorization=f\"Bearer {token}\")"),
        "{}",
        touched[0].1
    );
    assert!(touched[0]
        .1
        .contains("from app.security import get_current_user"));
    // ws beside an Express app: the app's `requireToken` middleware on the upgrade request;
    // `ws` added to package.json; a node:test test (the project has no Jest).
    let touched = checked_case("kennel", "src/app.js", "express()", "websocket");
    let names: Vec<&str> = touched.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "package.json (edited)",
            "src/websocket.js (new)",
            "src/websocket.test.js (new)"
        ]
    );
    assert!(
        touched[0].1.contains("\"ws\": \"^8.18.0\""),
        "{}",
        touched[0].1
    );
    assert!(
        touched[1]
            .1
            .contains("const { requireToken } = require('./auth');"),
        "{}",
        touched[1].1
    );
    assert!(touched[2]
        .1
        .contains("const { test } = require('node:test');"));
    // Jest projects get a Jest test (the runner's globals).
    let touched = checked_case("express", "src/app.js", "express()", "websocket");
    assert!(!touched[2].1.contains("node:test"), "{}", touched[2].1);
    // socket.io, in an ES module without semicolons; its client for the test.
    let touched = checked_case("relay", "src/app.js", "express()", "websocket");
    assert!(
        touched[0].1.contains("\"socket.io-client\": \"^4.8.1\""),
        "{}",
        touched[0].1
    );
    assert!(
        touched[1]
            .1
            .contains("import { requireUser } from './auth.js'\n"),
        "{}",
        touched[1].1
    );
    // Django Channels: consumer, routing, the ASGI application, a WebsocketCommunicator test.
    let (_tmp, root) = project_copy("django");
    let mut requirements = std::fs::read_to_string(root.join("requirements.txt")).unwrap();
    requirements.push_str("channels>=4.1\n");
    std::fs::write(root.join("requirements.txt"), requirements).unwrap();
    let out = run(&root, "shop/urls.py", "urlpatterns", "websocket").unwrap();
    let touched = apply(&root, &out);
    verify(&root, &touched);
    snapshot("django__websocket", &touched);
}

#[test]
fn websocket_needs_channels_in_django() {
    let (_tmp, root) = project_copy("django");
    let e = run(&root, "shop/urls.py", "urlpatterns", "websocket").unwrap_err();
    assert!(e.contains("channels"), "{e}");
}

#[test]
fn lsp_offers_graphql_resolvers_on_a_model_and_creates_their_files() {
    let (_tmp, root) = project_copy("atlas");
    let models = root.join("app/models.py");
    let text = std::fs::read_to_string(&models).unwrap();
    let uri = file_uri(&models);
    let mut c = lsp_client(&root, true);
    c.open(&uri, "python", &text);
    let line = text[..text.find("class Author").unwrap()]
        .matches('\n')
        .count();
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "context": {"diagnostics": [], "only": ["source"]}}),
    );
    let actions = resp["result"].as_array().unwrap();
    let action = actions
        .iter()
        .find(|a| a["command"]["command"] == "backend-architect.scaffold.graphqlResolver")
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert!(
        action["title"]
            .as_str()
            .unwrap()
            .contains("(Strawberry for Author)"),
        "{action}"
    );
    let resp = c.request("workspace/executeCommand", action["command"].clone());
    assert_eq!(resp["result"]["applied"], true, "{resp}");
    let edits = apply_edit_requests(&c);
    let created: Vec<&Value> = edits[0]["documentChanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["kind"] == "create")
        .map(|op| &op["uri"])
        .collect();
    assert_eq!(
        created,
        [
            &json!(file_uri(&root.join("app/author_graphql.py"))),
            &json!(file_uri(&root.join("tests/test_author_graphql.py")))
        ]
    );
    // And the app object offers the WebSocket endpoint.
    let main = root.join("app/main.py");
    let main_text = std::fs::read_to_string(&main).unwrap();
    c.open(&file_uri(&main), "python", &main_text);
    let line = main_text[..main_text.find("app = FastAPI").unwrap()]
        .matches('\n')
        .count();
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": file_uri(&main)}, "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "context": {"diagnostics": [], "only": ["source"]}}),
    );
    assert!(
        resp["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["command"]["command"] == "backend-architect.scaffold.websocket"),
        "{resp}"
    );
    assert!(c.shutdown().success());
}

/// `loadTest` on an app that mounts a GraphQL endpoint: its REST routes, and a POST of a query
/// of the schema (Strawberry's `version` field here) at the mount's prefix.
#[test]
fn load_test_posts_a_graphql_query_to_a_mounted_graphql_router() {
    let t = case("atlas", "app/main.py", "app = FastAPI", "loadTest", "");
    let locustfile = &t[0].1;
    assert!(
        locustfile.contains("self.client.get(\"/api/version\", name=\"/api/version\")"),
        "{locustfile}"
    );
    assert!(
        locustfile.contains("json={\"query\": \"query LoadTest { version }\"}, name=\"/graphql\", catch_response=True"),
        "{locustfile}"
    );
    // An Express app serving an SDL schema through Apollo's middleware.
    let (_tmp, root) = project_copy("express");
    write(
        &root,
        "src/graphql.js",
        "const typeDefs = `#graphql\n  type Query {\n    status: String!\n    dogs(limit: Int = 20): [Dog!]!\n    dog(id: ID!): Dog\n    count(kind: String): Int\n  }\n`;\nmodule.exports = { typeDefs };\n",
    );
    let app = std::fs::read_to_string(root.join("src/app.js")).unwrap();
    assert!(app.contains("const app = express()"), "{app}");
    std::fs::write(
        root.join("src/app.js"),
        app.replacen(
            "const app = express();",
            "const app = express();\napp.use('/graphql', express.json(), expressMiddleware(server));",
            1,
        ),
    )
    .unwrap();
    let out = run(&root, "src/app.js", "const app = express()", "loadTest").unwrap();
    let script = &out.files[0].content;
    assert!(
        script.contains("path: '/graphql', headers: json, body: JSON.stringify({ query: 'query LoadTest { status count }' }), onResponse: graphqlAnswer }, // GraphQL"),
        "{script}"
    );
    assert!(
        script.contains("const failed = result.non2xx + result.errors + graphqlFailures;"),
        "{script}"
    );
    // Mercurius registered on a Fastify app (its default `/graphql`), and graphql-http's
    // handler as an Express route: GraphQL POSTs, not a GET of the endpoint.
    let t = case(
        "paddock",
        "src/app.js",
        "const app = Fastify(",
        "loadTest",
        "",
    );
    assert!(
        t[0].1.contains("{ weight: 3, method: 'POST', path: '/graphql', headers: json, body: JSON.stringify({ query: 'query LoadTest { version }' }), onResponse: graphqlAnswer },"),
        "{}",
        t[0].1
    );
    let t = case(
        "aviary",
        "src/server.js",
        "const app = express()",
        "loadTest",
        "",
    );
    assert!(
        t[0].1.contains("method: 'POST', path: '/graphql', headers: json, body: JSON.stringify({ query: 'query LoadTest { version }' })")
            && !t[0].1.contains("method: 'GET', path: '/graphql'"),
        "{}",
        t[0].1
    );
}
