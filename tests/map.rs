//! `backend-architect map` and `check --format html`: the map of each framework's fixture app
//! and of the demo backend (snapshots in Mermaid, DOT and JSON), DOT accepted by Graphviz,
//! `--focus` and collapsing, and the HTML report escaping and redacting what it shows.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{run, stderr, stdout, write};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of a fixture app in a temporary directory (the run writes its results cache in the
/// working directory, which must not be the repository).
fn copy_app(rel: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join(rel);
    for entry in ignore::WalkBuilder::new(&src)
        .hidden(false)
        .build()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let rel = path.strip_prefix(&src).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            std::fs::create_dir_all(&to).unwrap();
        } else if entry.file_type().is_some_and(|t| t.is_file()) {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(path, &to).unwrap();
        }
    }
    dir
}

fn map(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["map"];
    all.extend(args);
    let out = run(dir, &all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// DOT that Graphviz renders (fails in CI when `dot` is missing; `.ci/run` installs it).
fn assert_graphviz_renders(dot: &str) {
    use std::io::Write;
    let child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(!in_ci(), "Graphviz `dot` is needed in CI: {e}");
            eprintln!("SKIPPED map::graphviz: Graphviz `dot` is not installed (CI installs it)");
            return;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dot failed: {err}\n{dot}");
    assert!(err.trim().is_empty(), "dot warned: {err}\n{dot}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

const APPS: &[(&str, &str)] = &[
    ("fastapi", "tests/fixtures/apps/fastapi_shop"),
    ("flask", "tests/fixtures/apps/flask"),
    ("django", "tests/fixtures/apps/django_blog"),
    ("express", "tests/fixtures/apps/express_api"),
    // Fastify: plugins under prefixes, hooks, an inline plugin.
    ("fastify", "tests/fixtures/apps/fastify_shop"),
    // hapi: plugins under `routes.prefix`, route arrays spread from modules, a default strategy.
    ("hapi", "tests/fixtures/apps/hapi_library"),
    // Next.js: Pages API routes and App Router route handlers under one project.
    ("next", "tests/fixtures/apps/next_blog"),
    ("shop", "examples/shop"),
    // GraphQL schemas and WebSocket endpoints: Strawberry + FastAPI WebSockets, Graphene +
    // Django Channels, Apollo Server + socket.io, Ariadne + Flask-SocketIO, NestJS.
    ("graphql_python", "tests/fixtures/apps/graphql_python"),
    ("graphql_django", "tests/fixtures/apps/graphql_django"),
    ("graphql_apollo", "tests/fixtures/apps/graphql_apollo"),
    ("realtime_flask", "tests/fixtures/apps/realtime_flask"),
    // NestJS: a resolver class guarded as a whole, a gateway.
    ("nest_graphql", "tests/fixtures/apps/nest_graphql"),
];

#[test]
fn every_framework_maps_to_the_expected_graph() {
    for (name, rel) in APPS {
        let dir = copy_app(rel);
        let mermaid = map(dir.path(), &["--expand"]);
        insta::assert_snapshot!(format!("map_{name}_mermaid"), mermaid);
        let dot = map(dir.path(), &["--expand", "--format", "dot"]);
        insta::assert_snapshot!(format!("map_{name}_dot"), dot);
        assert_graphviz_renders(&dot);
        // The same run twice gives the same bytes (the map diffs well).
        assert_eq!(map(dir.path(), &["--expand", "--format", "dot"]), dot);
        // The picture: a node for each node of the map, the same bytes every time.
        let svg = map(dir.path(), &["--expand", "--format", "svg"]);
        let v: Value =
            serde_json::from_str(&map(dir.path(), &["--expand", "--format", "json"])).unwrap();
        let list = |x: &Value| x.as_array().cloned().unwrap_or_default();
        let mut nodes = list(&v["models"]).len() + list(&v["clients"]).len();
        for app in list(&v["apps"]) {
            nodes += 1;
            for g in list(&app["groups"]) {
                nodes += 1 + list(&g["routes"]).len();
            }
        }
        for g in list(&v["unmounted"]) {
            nodes += 1 + list(&g["routes"]).len();
        }
        for s in list(&v["graphql"]) {
            nodes += 1 + list(&s["resolvers"]).len();
        }
        for e in list(&v["sockets"]) {
            nodes += 1 + list(&e["handlers"]).len();
        }
        assert_eq!(
            svg.matches("<g class=\"node ").count(),
            nodes,
            "{name}: {svg}"
        );
        assert_eq!(
            map(dir.path(), &["--expand", "--format", "svg"]),
            svg,
            "{name}"
        );
    }
}

#[test]
fn json_follows_the_schema() {
    let dir = copy_app("tests/fixtures/apps/fastapi_shop");
    let text = map(dir.path(), &["--format", "json"]);
    insta::assert_snapshot!("map_fastapi_json", text);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "backend-architect/map/v1");
    let routes: Vec<&Value> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["groups"].as_array().unwrap())
        .chain(v["unmounted"].as_array().unwrap())
        .flat_map(|g| g["routes"].as_array().unwrap())
        .collect();
    assert_eq!(
        routes.len() as u64,
        v["summary"]["routes"].as_u64().unwrap()
    );
    // Every id a route points at names a model or a client of the map.
    let ids: std::collections::HashSet<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["clients"].as_array().unwrap())
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for r in &routes {
        for id in r["models"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["clients"].as_array().unwrap())
        {
            assert!(ids.contains(id.as_str().unwrap()), "{id}");
        }
        assert!(["required", "public", "none"].contains(&r["auth"].as_str().unwrap()));
    }
    // The findings of the run are all counted, on the map's nodes or not.
    let check = run(dir.path(), &["check", "--format", "json", "--exit-zero"]);
    let findings: Vec<Value> = serde_json::from_str(&stdout(&check)).unwrap();
    let s = &v["summary"]["findings"];
    let total: u64 = ["error", "warning", "info", "hint"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, findings.len());
}

/// A project shaped like a real one: an app in one file, two routers under prefixes in others,
/// models and an HTTP client in their own modules.
fn project(dir: &Path) {
    write(
        dir,
        "svc/main.py",
        "from fastapi import FastAPI\nfrom svc.routers import users, billing\n\napp = FastAPI()\napp.include_router(users.router, prefix=\"/users\")\napp.include_router(billing.router, prefix=\"/billing\")\n",
    );
    write(
        dir,
        "svc/models.py",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n\n\nclass Invoice(Base):\n    __tablename__ = \"invoices\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n\n\nclass Audit(Base):\n    __tablename__ = \"audit\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
    );
    write(
        dir,
        "svc/clients.py",
        "import httpx\n\npayments = httpx.AsyncClient(base_url=\"https://pay.example.com\")\n",
    );
    write(dir, "svc/__init__.py", "");
    write(dir, "svc/routers/__init__.py", "");
    write(
        dir,
        "svc/routers/users.py",
        "from fastapi import APIRouter, Depends\nfrom svc.models import User\nfrom svc.auth import current_user\n\nrouter = APIRouter()\n\n\n@router.get(\"/{user_id}\")\ndef get_user(user_id: int, me=Depends(current_user)):\n    return User(id=user_id)\n\n\n@router.get(\"/\")\ndef list_users():\n    return [User(id=1)]\n",
    );
    write(
        dir,
        "svc/routers/billing.py",
        "from fastapi import APIRouter, Depends\nfrom svc.models import Invoice\nfrom svc.clients import payments\nfrom svc.auth import current_user\n\nrouter = APIRouter(dependencies=[Depends(current_user)])\n\n\n@router.post(\"/invoices\")\nasync def pay(invoice_id: int):\n    await payments.post(\"/charge\", json={\"id\": invoice_id})\n    return Invoice(id=invoice_id)\n",
    );
    write(dir, "svc/auth.py", "def current_user():\n    return None\n");
}

#[test]
fn routes_point_at_models_and_clients_across_modules() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let v: Value = serde_json::from_str(&map(dir.path(), &["--format", "json"])).unwrap();
    let app = &v["apps"][0];
    assert_eq!(app["framework"], "FastAPI");
    assert_eq!(app["file"], "svc/main.py");
    let groups = app["groups"].as_array().unwrap();
    let prefixes: Vec<&str> = groups
        .iter()
        .map(|g| g["prefix"].as_str().unwrap())
        .collect();
    assert_eq!(prefixes, ["/billing/invoices", "/users"]);
    let pay = &groups[0]["routes"][0];
    assert_eq!(pay["path"], "/billing/invoices");
    assert_eq!(pay["auth"], "required");
    assert_eq!(pay["models"], serde_json::json!(["model_invoice"]));
    assert_eq!(
        pay["clients"],
        serde_json::json!(["client_clients_py_payments"])
    );
    let users = groups[1]["routes"].as_array().unwrap();
    assert_eq!(users[0]["path"], "/users/");
    assert_eq!(users[0]["auth"], "none");
    assert_eq!(users[1]["path"], "/users/{user_id}");
    assert_eq!(users[1]["auth"], "required");
    assert_eq!(users[1]["models"], serde_json::json!(["model_user"]));
    assert_eq!(v["summary"]["routes_without_auth"], 1);

    // --focus: a path keeps its routes and only the nodes they use.
    let f: Value =
        serde_json::from_str(&map(dir.path(), &["--format", "json", "--focus", "/users"])).unwrap();
    assert_eq!(f["summary"]["routes"], 2);
    assert_eq!(f["models"].as_array().unwrap().len(), 1);
    assert!(f["clients"].as_array().unwrap().is_empty());
    // A file, a method and path, a handler name.
    let f: Value = serde_json::from_str(&map(
        dir.path(),
        &["--format", "json", "--focus", "svc/routers/billing.py"],
    ))
    .unwrap();
    assert_eq!(f["summary"]["routes"], 1);
    let f: Value = serde_json::from_str(&map(
        dir.path(),
        &["--format", "json", "--focus", "GET /users/{user_id}"],
    ))
    .unwrap();
    assert_eq!(f["summary"]["routes"], 1);
    let f: Value =
        serde_json::from_str(&map(dir.path(), &["--format", "json", "--focus", "pay"])).unwrap();
    assert_eq!(f["summary"]["routes"], 1);
    let out = run(dir.path(), &["map", "--focus", "/nothing"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("--focus /nothing: no route"),
        "{}",
        stderr(&out)
    );

    // Collapsed: one node per resource, with its counts.
    let collapsed = map(dir.path(), &["--collapse-over", "1"]);
    assert!(!collapsed.contains("route_"), "{collapsed}");
    assert!(collapsed.contains("2 routes (2 GET)"), "{collapsed}");
    assert!(collapsed.contains("1 without auth"), "{collapsed}");
    // A large map leaves out the models no route uses; the expanded one draws them.
    assert!(!collapsed.contains("model_audit"), "{collapsed}");
    assert!(
        collapsed.contains("1 models and clients no route uses are left out"),
        "{collapsed}"
    );
    assert!(map(dir.path(), &[]).contains("model_audit"));
    assert_graphviz_renders(&map(
        dir.path(),
        &["--collapse-over", "1", "--format", "dot"],
    ));
}

/// A file whose name and code hold markup: the report shows it as text. A secret the report
/// is about is not in the page.
#[test]
fn html_report_escapes_and_redacts() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "svc/<img src=x onerror=alert(1)>.py";
    write(
        dir.path(),
        evil,
        "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route(\"/x/</script><script>alert(2)</script>\")\ndef run():\n    # </script><script>alert(3)</script>\n    os.system(\"echo </script><script>alert(4)</script>\" + request.args[\"q\"])\n    return \"ok\"\n",
    );
    write(
        dir.path(),
        "svc/settings.py",
        "AWS_SECRET_ACCESS_KEY = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lq2Zk9a\"\n",
    );
    let out = run(
        dir.path(),
        &[
            "check",
            "--format",
            "html",
            "-o",
            "report.html",
            "--exit-zero",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for bad in [
        "<img src=x",
        "<script>alert",
        "</script><script>",
        "wJalrXUtnFEMI",
    ] {
        assert!(!page.contains(bad), "{bad} in the page");
    }
    // The escaped text is there, and so are the findings and the route.
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;.py"));
    assert!(page.contains("SEC102"), "no command injection finding");
    assert!(page.contains("SEC501"), "no secret finding");
    assert!(page.contains("[REDACTED]"));
    assert!(page.contains("&#x2f;x&#x2f;&lt;&#x2f;script&gt;&lt;script&gt;alert(2)"));
    // One inline script and one inline style; nothing to load.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(!page.contains("src=\"http"));
    assert!(!page.contains("href=\"http"));
    assert!(page.contains("Content-Security-Policy"));

    // The map formats escape the same text.
    let mermaid = map(dir.path(), &[]);
    assert!(!mermaid.contains("<script>"), "{mermaid}");
    let svg = map(dir.path(), &["--format", "svg"]);
    assert!(svg.starts_with("<?xml"), "{svg}");
    for bad in ["<img", "<script>", "</script><script>"] {
        assert!(!svg.contains(bad), "{bad} in the SVG");
    }
    assert!(
        svg.contains("&lt;img src=x onerror=alert(1)&gt;.py"),
        "{svg}"
    );
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(svg.matches("</svg>").count(), 1);
    assert_eq!(
        svg.matches("<g class=\"node ").count(),
        svg.matches("</g>").count()
    );
    assert_graphviz_renders(&map(dir.path(), &["--format", "dot"]));

    // The total the page shows is the JSON report's.
    let json = run(dir.path(), &["check", "--format", "json", "--exit-zero"]);
    let n = serde_json::from_str::<Vec<Value>>(&stdout(&json))
        .unwrap()
        .len();
    assert!(page.contains(&format!("data-total=\"{n}\"")), "{n}");
}

/// The editor command: `workspace/executeCommand backend-architect.showMap` answers from the
/// server's index (paths relative to the workspace folder), with the findings of open
/// documents on their nodes; bad arguments are a clear error, not a crash.
#[test]
fn the_server_draws_the_map_on_request() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    project(&root);
    // A finding in a handler: SQL built from a path parameter.
    write(
        &root,
        "svc/routers/users.py",
        "import sqlite3\nfrom fastapi import APIRouter, Depends\nfrom svc.models import User\nfrom svc.auth import current_user\n\nrouter = APIRouter()\n\n\n@router.get(\"/{user_id}\")\ndef get_user(user_id: str, me=Depends(current_user)):\n    sqlite3.connect(\"x.db\").execute(\"SELECT * FROM users WHERE id = \" + user_id)\n    return User(id=1)\n\n\n@router.get(\"/\")\ndef list_users():\n    return [User(id=1)]\n",
    );
    let mut c = common::Client::spawn();
    let resp = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": format!("file://{}", root.display()),
            "capabilities": {},
        }),
    );
    let commands = resp["result"]["capabilities"]["executeCommandProvider"]["commands"].clone();
    assert!(
        commands
            .as_array()
            .unwrap()
            .contains(&json!("backend-architect.showMap")),
        "{commands}"
    );
    c.notify("initialized", json!({}));
    let users = root.join("svc/routers/users.py");
    let u = format!("file://{}", users.display());
    c.open(&u, "python", &std::fs::read_to_string(&users).unwrap());
    let diags = c.diagnostics(&u, 1);
    assert!(diags.iter().any(|d| d["code"] == "SEC101"), "{diags:?}");

    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.showMap", "arguments": [{"format": "json"}]}),
    );
    let result = &resp["result"];
    assert_eq!(result["format"], "json", "{resp}");
    assert_eq!(result["routes"], 3);
    let v: Value = serde_json::from_str(result["content"].as_str().unwrap()).unwrap();
    assert_eq!(v["apps"][0]["file"], "svc/main.py");
    assert_eq!(v["apps"][0]["id"], "app_svc_main_py");
    let users_group = &v["apps"][0]["groups"][1];
    assert_eq!(users_group["file"], "svc/routers/users.py");
    let get_user = &users_group["routes"][1];
    assert_eq!(get_user["path"], "/users/{user_id}");
    assert_eq!(get_user["codes"], json!(["SEC101"]));
    assert_eq!(get_user["findings"]["error"], 1);

    // Mermaid by default; --focus as an argument.
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.showMap", "arguments": [{"focus": "/billing"}]}),
    );
    let mermaid = resp["result"]["content"].as_str().unwrap();
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("POST /billing/invoices"), "{mermaid}");
    assert!(!mermaid.contains("/users"), "{mermaid}");
    assert_eq!(resp["result"]["routes"], 1);

    // The page, for a webview: the map and the open documents' findings.
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.showMap", "arguments": [{"format": "html"}]}),
    );
    let page = resp["result"]["content"].as_str().unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{resp}");
    assert!(page.contains("data-total=\"1\""), "{page}");
    assert!(
        page.contains("svc&#x2f;routers&#x2f;users.py:11:"),
        "{page}"
    );

    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.showMap", "arguments": [{"format": "svg"}]}),
    );
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    assert!(resp["error"]["message"]
        .as_str()
        .unwrap()
        .contains("format must be"));
    assert!(c.shutdown().success());
}

/// Handlers point at the models they read and the models they write, told apart by what they
/// call: a query, or a save/create/update/delete/add (a commit after changing a loaded row).
#[test]
fn reads_and_writes_split_per_handler() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "shop/app.py",
        "from flask import Flask, request\nfrom flask_sqlalchemy import SQLAlchemy\n\napp = Flask(__name__)\ndb = SQLAlchemy(app)\n\n\nclass Product(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    name = db.Column(db.String(80))\n\n\nclass Order(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    product_id = db.Column(db.Integer, db.ForeignKey(\"product.id\"))\n\n\n@app.get(\"/products\")\ndef list_products():\n    return [p.name for p in Product.query.limit(50).all()]\n\n\n@app.post(\"/orders\")\ndef place_order():\n    product = Product.query.get_or_404(request.json[\"product\"])\n    order = Order(product_id=product.id)\n    db.session.add(order)\n    db.session.commit()\n    return {\"id\": order.id}\n\n\n@app.put(\"/products/<int:pid>\")\ndef rename(pid):\n    product = db.session.get(Product, pid)\n    product.name = request.json[\"name\"]\n    db.session.commit()\n    return {}\n\n\n@app.delete(\"/orders/<int:oid>\")\ndef cancel(oid):\n    Order.query.filter_by(id=oid).delete()\n    db.session.commit()\n    return {}\n",
    );
    write(
        dir.path(),
        "api/server.js",
        "const express = require(\"express\");\nconst mongoose = require(\"mongoose\");\n\nconst Note = mongoose.model(\"Note\", new mongoose.Schema({ text: String }));\nconst app = express();\n\napp.get(\"/notes\", async (req, res) => {\n  res.json(await Note.find({}).limit(20));\n});\n\napp.post(\"/notes\", async (req, res) => {\n  const note = new Note({ text: String(req.body.text) });\n  await note.save();\n  res.status(201).json(note);\n});\n\napp.listen(3000);\n",
    );
    let v: Value = serde_json::from_str(&map(dir.path(), &["--format", "json"])).unwrap();
    let routes: Vec<&Value> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["groups"].as_array().unwrap())
        .flat_map(|g| g["routes"].as_array().unwrap())
        .collect();
    let route = |method: &str, path: &str| -> &Value {
        routes
            .iter()
            .find(|r| r["methods"][0] == method && r["path"] == path)
            .unwrap_or_else(|| panic!("{method} {path} in {routes:?}"))
    };
    let rw = |r: &Value| (r["reads"].clone(), r["writes"].clone());
    use serde_json::json;
    assert_eq!(
        rw(route("GET", "/products")),
        (json!(["model_product"]), json!([]))
    );
    assert_eq!(
        rw(route("POST", "/orders")),
        (json!(["model_product"]), json!(["model_order"]))
    );
    assert_eq!(
        rw(route("PUT", "/products/<int:pid>")),
        (json!(["model_product"]), json!(["model_product"]))
    );
    assert_eq!(
        rw(route("DELETE", "/orders/<int:oid>")),
        (json!([]), json!(["model_order"]))
    );
    assert_eq!(
        rw(route("GET", "/notes")),
        (json!(["model_note"]), json!([]))
    );
    assert_eq!(
        rw(route("POST", "/notes")),
        (json!([]), json!(["model_note"]))
    );
    // Every format draws the two kinds of edge.
    let mermaid = map(dir.path(), &[]);
    assert!(
        mermaid.contains("route_post_orders_place_order ==>|writes| model_order"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("route_post_orders_place_order -->|reads| model_product"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("route_put_products_int_pid_rename ==>|reads, writes| model_product"),
        "{mermaid}"
    );
    let dot = map(dir.path(), &["--format", "dot"]);
    assert!(
        dot.contains("\"route_get_notes\" -> \"model_note\" [label=\"reads\""),
        "{dot}"
    );
    assert_graphviz_renders(&dot);
}

/// GraphQL resolvers grouped under their schema (with where it is served), WebSocket handlers
/// under their endpoint (with its path), auth shown, findings on the handler they are in.
#[test]
fn graphql_and_websocket_endpoints_on_the_map() {
    let dir = copy_app("tests/fixtures/apps/graphql_django");
    let v: Value = serde_json::from_str(&map(dir.path(), &["--format", "json"])).unwrap();
    let schema = &v["graphql"][0];
    assert_eq!(schema["library"], "Graphene");
    assert_eq!(schema["files"], serde_json::json!(["catalog/schema.py"]));
    // Served by `path("graphql/", csrf_exempt(GraphQLView.as_view(…)))`.
    assert_eq!(schema["paths"], serde_json::json!(["/graphql/"]));
    let fields: Vec<String> = schema["resolvers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}.{}",
                r["parent"].as_str().unwrap(),
                r["field"].as_str().unwrap()
            )
        })
        .collect();
    // Queries before mutations.
    assert_eq!(fields.first().map(String::as_str), Some("Query.product"));
    assert!(
        fields.last().unwrap().starts_with("Mutation."),
        "{fields:?}"
    );
    assert_eq!(v["summary"]["resolvers"], fields.len());
    let sockets = v["sockets"].as_array().unwrap();
    let price = sockets
        .iter()
        .find(|e| e["endpoint"] == "PriceConsumer")
        .unwrap();
    assert_eq!(price["library"], "Django Channels");
    assert_eq!(price["path"], "/ws/prices/");
    assert_eq!(price["auth"], "none");
    let receive = price["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "receive")
        .unwrap();
    assert_eq!(receive["codes"], serde_json::json!(["SEC101"]));

    // Auth: a consumer that checks the user, a resolver behind a permission class.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "live/consumers.py",
        "from channels.generic.websocket import AsyncJsonWebsocketConsumer\n\n\nclass FeedConsumer(AsyncJsonWebsocketConsumer):\n    async def connect(self):\n        if not self.scope[\"user\"].is_authenticated:\n            await self.close()\n            return\n        await self.accept()\n\n    async def receive_json(self, content, **kwargs):\n        await self.send_json({\"echo\": content})\n",
    );
    write(
        dir.path(),
        "live/routing.py",
        "from channels.routing import URLRouter\nfrom django.urls import re_path\n\nfrom live import consumers\n\nwebsocket_urlpatterns = [\n    re_path(r\"^ws/feed/(?P<room>\\w+)/$\", consumers.FeedConsumer.as_asgi()),\n]\n",
    );
    write(
        dir.path(),
        "live/schema.py",
        "import strawberry\nfrom strawberry.permission import BasePermission\n\n\nclass IsAuthenticated(BasePermission):\n    message = \"login first\"\n\n    def has_permission(self, source, info, **kwargs):\n        return info.context.request.user.is_authenticated\n\n\n@strawberry.type\nclass Query:\n    @strawberry.field(permission_classes=[IsAuthenticated])\n    def me(self, info) -> str:\n        return info.context.request.user.username\n\n    @strawberry.field\n    def version(self) -> str:\n        return \"1\"\n\n\nschema = strawberry.Schema(query=Query)\n",
    );
    let v: Value = serde_json::from_str(&map(dir.path(), &["--format", "json"])).unwrap();
    let feed = &v["sockets"][0];
    assert_eq!(feed["endpoint"], "FeedConsumer");
    assert_eq!(feed["path"], "/ws/feed/(?P<room>\\w+)/");
    assert_eq!(feed["auth"], "required");
    let resolvers = v["graphql"][0]["resolvers"].as_array().unwrap();
    let auth: Vec<(&str, &str)> = resolvers
        .iter()
        .map(|r| (r["field"].as_str().unwrap(), r["auth"].as_str().unwrap()))
        .collect();
    assert_eq!(auth, [("me", "required"), ("version", "none")]);
    // --focus narrows to a handler.
    let f: Value =
        serde_json::from_str(&map(dir.path(), &["--format", "json", "--focus", "me"])).unwrap();
    assert_eq!(f["summary"]["resolvers"], 1);
    assert_eq!(f["summary"]["socket_handlers"], 0);
    // Collapsed: one node per schema and endpoint.
    let collapsed = map(dir.path(), &["--collapse-over", "0"]);
    assert!(!collapsed.contains("resolver_"), "{collapsed}");
    assert!(collapsed.contains("2 resolvers (2 Query)"), "{collapsed}");
    assert!(
        collapsed.contains("2 handlers (connect, receive_json)"),
        "{collapsed}"
    );
    assert_graphviz_renders(&map(dir.path(), &["--format", "dot"]));
}

/// The HTML report draws the map as an SVG graph: one node per app, resource, route, model and
/// client of the map, coloured by the worst finding, with its edges.
#[test]
fn html_report_draws_the_map() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let out = run(
        dir.path(),
        &[
            "check",
            "--format",
            "html",
            "-o",
            "report.html",
            "--exit-zero",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let v: Value =
        serde_json::from_str(&map(dir.path(), &["--format", "json", "--expand"])).unwrap();
    assert!(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map-graph\""));
    let mut ids: Vec<String> = vec![];
    for app in v["apps"].as_array().unwrap() {
        ids.push(app["id"].as_str().unwrap().to_owned());
        for g in app["groups"].as_array().unwrap() {
            ids.push(g["id"].as_str().unwrap().to_owned());
            for r in g["routes"].as_array().unwrap() {
                ids.push(r["id"].as_str().unwrap().to_owned());
            }
        }
    }
    for n in v["models"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["clients"].as_array().unwrap())
    {
        ids.push(n["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        page.matches("<g class=\"node ").count(),
        ids.len(),
        "{ids:?}"
    );
    for id in &ids {
        assert!(
            page.contains(&format!("data-id=\"{id}\"")),
            "{id} not drawn"
        );
    }
    // The route without auth is dashed; the client call is an edge.
    assert!(page
        .contains("class=\"node route sev-clean noauth\" data-id=\"route_get_users_list_users\""));
    assert!(page.contains("class=\"edge calls\""));
    // A large system: one node per resource.
    let many: String = (0..70)
        .map(|i| format!("\n\n@router.get(\"/r{i}\")\ndef r{i}():\n    return {{}}\n"))
        .collect();
    write(
        dir.path(),
        "svc/routers/users.py",
        &format!("from fastapi import APIRouter\n\nrouter = APIRouter()\n{many}"),
    );
    run(
        dir.path(),
        &[
            "check",
            "--format",
            "html",
            "-o",
            "report.html",
            "--exit-zero",
        ],
    );
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains("The system is large"));
    assert!(
        !page.contains("class=\"node route"),
        "routes drawn one by one"
    );
    assert!(page.contains("70 routes (70 GET)"));
    // The tables still list every route.
    assert_eq!(
        page.matches("<td class=\"path\">&#x2f;users&#x2f;r")
            .count(),
        70
    );
}
