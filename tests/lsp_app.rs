//! End to end over stdio: the application model in the editor. Workspace indexing, cross-file
//! findings that follow edits in other files, document/workspace symbols, code lenses, hover.

mod common;

use std::path::{Path, PathBuf};

use common::{codes, Client};
use serde_json::{json, Value};

/// A copy of the FastAPI fixture app in a fresh directory (the test deletes files from it).
fn fastapi_workspace() -> (tempfile::TempDir, PathBuf) {
    workspace("fastapi")
}

fn workspace(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/apps")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    copy_dir(&src, &root);
    (dir, root)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn start_in(root: &Path) -> Client {
    let mut c = Client::spawn();
    let resp = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(root),
            "capabilities": {"window": {"workDoneProgress": true}},
        }),
    );
    let caps = &resp["result"]["capabilities"];
    assert_eq!(caps["documentSymbolProvider"], true);
    assert_eq!(caps["workspaceSymbolProvider"], true);
    assert!(caps["codeLensProvider"].is_object());
    c.notify("initialized", json!({}));
    // Indexing reports progress and ends.
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    c
}

fn open_file(c: &mut Client, path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let u = uri(path);
    c.open(&u, "python", &text);
    u
}

#[test]
fn an_edit_in_one_file_updates_cross_file_findings_in_another() {
    let (_dir, root) = fastapi_workspace();
    let mut c = start_in(&root);
    let users = root.join("app/routers/users.py");
    let admin = root.join("app/routers/admin.py");
    let users_uri = open_file(&mut c, &users);
    let diags = c.diagnostics(&users_uri, 1);
    // ARC206 (no rate limit on password reset) is a per-file rule beside ours.
    assert_eq!(
        codes(&diags),
        vec!["ARC101", "ARC102", "ARC206"],
        "{diags:?}"
    );
    assert!(diags[0]["message"].as_str().unwrap().contains("admin.py"));
    let admin_uri = open_file(&mut c, &admin);
    assert_eq!(codes(&c.diagnostics(&admin_uri, 1)), vec!["ARC101"]);

    // The index has what it needs in memory: delete the app's entry point from disk, then
    // move the admin route. If anything re-read the workspace, `main.py` (which mounts both
    // routers) would be gone and no route would resolve.
    std::fs::remove_file(root.join("app/main.py")).unwrap();
    let text = std::fs::read_to_string(&admin).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("@router.get(\"/{id}\")"))
        .unwrap();
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": admin_uri, "version": 2},
            "contentChanges": [{
                "range": {"start": {"line": line, "character": 13}, "end": {"line": line, "character": 17}},
                "text": "\"/{id}/details\""
            }]
        }),
    );
    assert!(codes(&c.diagnostics(&admin_uri, 2)).is_empty());
    // users.py is re-published without ARC101; its own ARC102 stays.
    let again = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == users_uri.as_str()
            && codes(p["diagnostics"].as_array().unwrap()) == vec!["ARC102", "ARC206"]
    });
    assert_eq!(again["version"], 1);
    assert!(c.shutdown().success());
}

#[test]
fn symbols_lenses_and_hover() {
    let (_dir, root) = fastapi_workspace();
    let mut c = start_in(&root);
    let users = root.join("app/routers/users.py");
    let users_uri = open_file(&mut c, &users);
    c.diagnostics(&users_uri, 1);

    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": users_uri}}),
    );
    let symbols = resp["result"].as_array().unwrap();
    let router = symbols.iter().find(|s| s["name"] == "router").unwrap();
    let names: Vec<&str> = router["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "GET /api/users/",
            "GET /api/users/{user_id}",
            "PUT /api/users/{user_id}",
            "DELETE /api/users/{user_id}",
            "POST /api/users/password-reset"
        ]
    );

    let db_uri = open_file(&mut c, &root.join("app/db.py"));
    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": db_uri}}),
    );
    let order = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Order")
        .unwrap()
        .clone();
    assert_eq!(order["detail"], "SQLAlchemy model");
    let fields: Vec<&str> = order["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["id", "user_id", "total", "user"]);

    // Workspace symbols come from the index, including files that are not open.
    let resp = c.request("workspace/symbol", json!({"query": "ban"}));
    let found = resp["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "POST /api/users/{id}/ban");
    assert!(found[0]["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("app/routers/admin.py"));

    let resp = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": users_uri}}),
    );
    let titles: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        titles.contains(&"GET /api/users/ · auth: yes · 1 test".to_owned()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"DELETE /api/users/{user_id} · auth: no · 1 test".to_owned()),
        "{titles:?}"
    );

    let text = std::fs::read_to_string(&users).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("@router.put"))
        .unwrap();
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": users_uri}, "position": {"line": line, "character": 3}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("**PUT /api/users/{user_id}** (FastAPI)"),
        "{value}"
    );
    assert!(value.contains("handler: `update_user`"), "{value}");
    assert!(value.contains("`get_current_user`"), "{value}");
    assert!(c.shutdown().success());
}

/// Fastify: routes registered in plugins show with their full paths (the `register` prefixes
/// joined) in document symbols, code lenses, workspace symbols and hover.
#[test]
fn fastify_plugin_routes_in_symbols_lenses_and_hover() {
    let (_dir, root) = workspace("fastify_shop");
    let mut c = start_in(&root);
    let products = root.join("src/routes/products.js");
    let uri = open_file(&mut c, &products);
    c.diagnostics(&uri, 1);

    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    fn names(symbols: &Value, out: &mut Vec<String>) {
        for s in symbols.as_array().into_iter().flatten() {
            out.push(s["name"].as_str().unwrap_or("").to_owned());
            names(&s["children"], out);
        }
    }
    let mut found = Vec::new();
    names(&resp["result"], &mut found);
    for route in [
        "GET /api/products/",
        "GET /api/products/search",
        "POST /api/products/",
        "DELETE /api/products/:id",
    ] {
        assert!(found.iter().any(|n| n == route), "{route}: {found:?}");
    }

    let resp = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let titles: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("POST /api/products/ · auth: yes")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("DELETE /api/products/:id · auth: no")),
        "{titles:?}"
    );

    // An inline plugin inside a plugin, in a file that is not open.
    let resp = c.request("workspace/symbol", json!({"query": "daily"}));
    let found = resp["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "GET /api/admin/reports/daily");

    let text = std::fs::read_to_string(&products).unwrap();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("fastify.put("))
        .unwrap();
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 4}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("**PUT /api/products/:id** (Fastify)"),
        "{value}"
    );
    assert!(value.contains("`fastify.authenticate`"), "{value}");
    assert!(c.shutdown().success());
}

/// hapi: routes in a plugin's `server.route([...])` and in route arrays spread from another
/// module show with their full paths (the `routes: { prefix }` of the registration joined), and
/// hover says which routes turn the server's default strategy off.
#[test]
fn hapi_plugin_routes_in_symbols_and_hover() {
    let (_dir, root) = workspace("hapi_library");
    let mut c = start_in(&root);
    let books = root.join("lib/plugins/books.js");
    let uri = open_file(&mut c, &books);
    c.diagnostics(&uri, 1);

    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    fn names(symbols: &Value, out: &mut Vec<String>) {
        for s in symbols.as_array().into_iter().flatten() {
            out.push(s["name"].as_str().unwrap_or("").to_owned());
            names(&s["children"], out);
        }
    }
    let mut found = Vec::new();
    names(&resp["result"], &mut found);
    for route in [
        "GET /api/books/",
        "GET /api/books/{id}",
        "POST /api/books/",
        "DELETE /api/books/{id}",
    ] {
        assert!(found.iter().any(|n| n == route), "{route}: {found:?}");
    }

    // Routes of an array spread into `module.exports`, and of a module exporting a function
    // of the server (`require('./routes/loans')(server)`), in files that are not open.
    let resp = c.request("workspace/symbol", json!({"query": "loans"}));
    let mut found: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "GET /api/loans/overdue",
            "GET /api/members/{memberId}/loans",
            "PUT,PATCH /api/members/{memberId}/loans/{loanId}"
        ],
        "{found:?}"
    );

    let text = std::fs::read_to_string(&books).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("method: 'DELETE'"))
        .unwrap();
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 8}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("**DELETE /api/books/{id}** (hapi)"),
        "{value}"
    );
    assert!(value.contains("`server.auth.default(jwt)`"), "{value}");
    assert!(c.shutdown().success());
}

/// Next.js: an App Router route file's exported handlers and a Pages API route show with the
/// paths their files give them.
#[test]
fn next_file_routes_in_symbols() {
    let (_dir, root) = workspace("next_blog");
    let mut c = start_in(&root);
    let bookmarks = root.join("src/app/api/bookmarks/route.ts");
    let uri = open_file(&mut c, &bookmarks);
    c.diagnostics(&uri, 1);
    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let found: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap_or("").to_owned())
        .collect();
    for route in ["GET /api/bookmarks", "POST /api/bookmarks"] {
        assert!(found.iter().any(|n| n == route), "{route}: {found:?}");
    }
    // Files in dynamic segments (`[id]/route.ts`, `comments/[id]/report.ts`), not open.
    let resp = c.request("workspace/symbol", json!({"query": "bookmarks/:id"}));
    let mut names: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap_or("").to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["DELETE /api/bookmarks/:id", "PATCH /api/bookmarks/:id"],
        "{names:?}"
    );
    let resp = c.request("workspace/symbol", json!({"query": "report"}));
    let found = resp["result"].as_array().unwrap();
    assert!(
        found
            .iter()
            .any(|s| s["name"] == "POST /api/comments/:id/report"),
        "{found:?}"
    );
    assert!(c.shutdown().success());
}

#[test]
fn without_a_workspace_open_files_still_form_an_index() {
    let mut c = Client::spawn();
    c.initialize(json!({}), Value::Null);
    let a = "file:///tmp/backend_architect_app_e2e/main.py";
    c.open(
        a,
        "python",
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/items\")\ndef items():\n    return []\n",
    );
    // The file's own findings come first; its cross-file findings follow once its facts are in
    // the index (a file without any is never held back by the application model).
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == a
            && p["version"] == 1
            && codes(p["diagnostics"].as_array().unwrap()) == vec!["ARC103"]
    });
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": a, "version": 2}, "contentChanges": [{"text": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/items\")\ndef items():\n    return []\n\n\n@app.get(\"/healthz\")\ndef healthz():\n    return {}\n"}]}),
    );
    assert!(codes(&c.diagnostics(a, 2)).is_empty());
    assert!(c.shutdown().success());
}

/// Django: the route is declared in `urls.py` and handled in `views.py`; the lens sits on the
/// view, hover works on the `path(...)` entry, and ARC102 lands on the view.
#[test]
fn django_views_get_lenses_and_urlconf_entries_hover() {
    let (_dir, root) = workspace("django");
    let mut c = start_in(&root);
    let views = root.join("blog/views.py");
    let views_uri = open_file(&mut c, &views);
    let diags = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == views_uri.as_str() && !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let diags = diags["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diags), vec!["ARC102"]);
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("`POST /blog/<int:pk>/delete/` (routed in urls.py)"));

    let resp = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": views_uri}}),
    );
    let mut titles: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        vec![
            "ANY /blog/<int:pk>/ · auth: no · 0 tests",
            "ANY /blog/<int:pk>/edit/ · auth: yes · 0 tests",
            "GET /blog/ · auth: no · 0 tests",
            "GET,POST /blog/<int:pk>/comments/ · auth: no · 0 tests",
            "GET,POST /blog/new/ · auth: yes · 0 tests",
            "POST /blog/<int:pk>/delete/ · auth: no · 0 tests",
        ]
    );

    let urls = root.join("blog/urls.py");
    let urls_uri = open_file(&mut c, &urls);
    let text = std::fs::read_to_string(&urls).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("views.post_edit"))
        .unwrap();
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": urls_uri}, "position": {"line": line, "character": 8}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("**ANY /blog/<int:pk>/edit/** (Django)"),
        "{value}"
    );
    assert!(value.contains("`login_required`"), "{value}");
    assert!(c.shutdown().success());
}

/// Neovim 0.12 pulls diagnostics but cannot be asked to pull again. Such a client gets pushed
/// diagnostics for every document (no `diagnosticProvider`, so nothing shows twice), and a
/// cross-file finding in a document the user is not editing appears and disappears with its
/// cause, within a second.
#[test]
fn pull_clients_without_refresh_support_get_cross_file_findings_pushed() {
    let (_dir, root) = fastapi_workspace();
    let mut c = Client::spawn();
    let resp = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&root),
            "capabilities": {
                "textDocument": {"diagnostic": {"dynamicRegistration": false}},
                "window": {"workDoneProgress": true}
            },
        }),
    );
    assert!(
        resp["result"]["capabilities"]
            .get("diagnosticProvider")
            .is_none(),
        "{resp}"
    );
    c.notify("initialized", json!({}));
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    let users = root.join("app/routers/users.py");
    let admin = root.join("app/routers/admin.py");
    let users_uri = open_file(&mut c, &users);
    let admin_uri = open_file(&mut c, &admin);
    assert_eq!(
        codes(&c.diagnostics(&users_uri, 1)),
        vec!["ARC101", "ARC102", "ARC206"]
    );
    assert_eq!(codes(&c.diagnostics(&admin_uri, 1)), vec!["ARC101"]);
    let text = std::fs::read_to_string(&admin).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("@router.get(\"/{id}\")"))
        .unwrap();
    let edit = |c: &mut Client, version: i64, new: &str, old_len: u32| {
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": admin_uri, "version": version},
                "contentChanges": [{
                    "range": {"start": {"line": line, "character": 12}, "end": {"line": line, "character": 12 + old_len}},
                    "text": new
                }]
            }),
        );
    };
    let users_codes = |c: &mut Client, want: Vec<&str>| {
        let started = std::time::Instant::now();
        assert!(
            !c.backlog
                .iter()
                .any(|m| m["params"]["uri"] == users_uri.as_str()),
            "only publications after the edit count"
        );
        c.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == users_uri.as_str() && codes(p["diagnostics"].as_array().unwrap()) == want
        });
        started.elapsed()
    };
    // Whatever was still on its way about users.py arrives and is set aside.
    let forget_users = |c: &mut Client| {
        let _ = c.try_wait_for(
            "never/sent",
            |_| false,
            std::time::Duration::from_millis(300),
        );
        c.backlog
            .retain(|m| m["params"]["uri"] != users_uri.as_str());
    };
    forget_users(&mut c);
    // The duplicate goes: users.py (not edited) loses its ARC101.
    edit(&mut c, 2, "\"/{id}/details\"", 7);
    let took = users_codes(&mut c, vec!["ARC102", "ARC206"]);
    eprintln!("ARC101 left the other document after {took:?}");
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    assert!(codes(&c.diagnostics(&admin_uri, 2)).is_empty());
    // And comes back.
    forget_users(&mut c);
    edit(&mut c, 3, "\"/{id}\"", 15);
    let took = users_codes(&mut c, vec!["ARC101", "ARC102", "ARC206"]);
    eprintln!("ARC101 came back to the other document after {took:?}");
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    // The edited file's own findings come first, its cross-file findings right after.
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == admin_uri.as_str()
            && p["version"] == 3
            && codes(p["diagnostics"].as_array().unwrap()) == vec!["ARC101"]
    });
    assert!(c.shutdown().success());
}

/// Every code a fixture expects (`expect: CODE` annotations).
fn expected_codes(dir: &Path, out: &mut std::collections::BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            expected_codes(&p, out);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            for line in text.lines() {
                if let Some((_, rest)) = line.split_once("expect:") {
                    out.extend(
                        rest.split(|c: char| c == ',' || c.is_whitespace())
                            .filter(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_alphanumeric()))
                            .map(str::to_owned),
                    );
                }
            }
        }
    }
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            source_files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("py" | "js" | "ts" | "tsx")
        ) {
            out.push(p);
        }
    }
}

/// Opens each file, pulls its diagnostics (its own and its cross-file findings) and hovers
/// every one of them: each hover must show the finding and its rule's documentation. Returns
/// the codes hovered.
fn hover_every_finding(c: &mut Client, files: &[PathBuf]) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    for path in files {
        let u = uri(path);
        let text = std::fs::read_to_string(path).unwrap();
        // The languageId is deliberately the same for every file: the extension decides.
        c.open(&u, "python", &text);
        let pulled = c.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": u}}),
        );
        for d in pulled["result"]["items"].as_array().unwrap() {
            let code = d["code"].as_str().unwrap();
            let hover = c.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": u}, "position": d["range"]["start"]}),
            );
            let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
            assert!(
                value.contains(&format!("**{code}**")) && value.contains(&format!("# {code} ")),
                "hover on {code} at {} in {}: {hover}",
                d["range"]["start"],
                path.display()
            );
            seen.insert(code.to_owned());
        }
    }
    seen
}

fn pull_client(root: Option<&Path>) -> Client {
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": root.map(uri),
            "capabilities": {
                "textDocument": {"diagnostic": {}},
                "workspace": {"diagnostics": {"refreshSupport": true}},
                "window": {"workDoneProgress": true}
            },
        }),
    );
    c.notify("initialized", json!({}));
    if root.is_some() {
        c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    }
    c
}

/// Hover on any finding shows its rule's docs: every code the fixtures produce, the
/// cross-file ones (ARC101–ARC103, computed from the application model) included.
#[test]
fn hover_shows_the_docs_of_every_code_the_fixtures_produce() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut expected = std::collections::BTreeSet::new();
    expected_codes(&fixtures, &mut expected);
    let mut seen = std::collections::BTreeSet::new();
    // Each application in its own workspace, indexed from disk.
    for app in [
        "fastapi",
        "flask",
        "django",
        "express",
        "idor_django",
        "idor_fastapi",
        "idor_flask",
        "idor_express",
        "graphql_mutations",
        "realtime_channels",
        "realtime_express",
        "django_migrations",
    ] {
        let (_dir, root) = workspace(app);
        let mut c = pull_client(Some(&root));
        let mut files = Vec::new();
        source_files(&root, &mut files);
        seen.extend(hover_every_finding(&mut c, &files));
        assert!(c.shutdown().success());
    }
    // The single-file fixtures, without a workspace.
    let mut c = pull_client(None);
    for family in ["python", "javascript", "typescript"] {
        let mut files = Vec::new();
        source_files(&fixtures.join(family), &mut files);
        seen.extend(hover_every_finding(&mut c, &files));
    }
    assert!(c.shutdown().success());
    let missing: Vec<&String> = expected.difference(&seen).collect();
    assert!(missing.is_empty(), "never hovered: {missing:?}");
    for family in [
        "SEC1", "SEC2", "SEC3", "SEC4", "SEC5", "SEC6", "SEC7", "ARC1", "ARC2", "PERF2",
    ] {
        assert!(
            seen.iter().any(|c| c.starts_with(family)),
            "{family}: {seen:?}"
        );
    }
    for code in ["ARC101", "ARC102", "ARC103"] {
        assert!(seen.contains(code), "{code}: {seen:?}");
    }
}

/// `workspace/symbol` asked right after start waits for the first indexing of the workspace
/// (reporting on the request's work-done token) instead of answering from a partial index.
#[test]
fn workspace_symbols_asked_at_once_wait_for_the_index() {
    let (_dir, root) = fastapi_workspace();
    // Enough files that indexing is still running when the request arrives.
    let generated = root.join("extra");
    std::fs::create_dir(&generated).unwrap();
    for i in 0..1500 {
        std::fs::write(
            generated.join(format!("r{i}.py")),
            format!("from fastapi import APIRouter\n\nrouter = APIRouter(prefix=\"/g{i}\")\n\n\n@router.get(\"/items\")\ndef items_{i}():\n    return []\n\n\n@router.post(\"/items\")\ndef create_{i}(body: dict):\n    return body\n"),
        )
        .unwrap();
    }
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&root),
            "capabilities": {"window": {"workDoneProgress": true}},
        }),
    );
    c.notify("initialized", json!({}));
    let started = std::time::Instant::now();
    let resp = c.request(
        "workspace/symbol",
        json!({"query": "ban", "workDoneToken": "symbols-1"}),
    );
    let took = started.elapsed();
    let found = resp["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{resp}");
    assert_eq!(found[0]["name"], "POST /api/users/{id}/ban");
    // The wait was reported on the request's token, and indexing had not finished before.
    let progress: Vec<&Value> = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "$/progress")
        .map(|m| &m["params"])
        .collect();
    let kinds = |token: &str| -> Vec<&str> {
        progress
            .iter()
            .filter(|p| p["token"] == token)
            .map(|p| p["value"]["kind"].as_str().unwrap())
            .collect()
    };
    assert_eq!(kinds("symbols-1"), vec!["begin", "end"], "{progress:?}");
    assert_eq!(
        kinds("backend-architect/indexing").last(),
        Some(&"end"),
        "{progress:?}"
    );
    eprintln!("workspace/symbol waited {took:?} for the index");
    let resp = c.request("workspace/symbol", json!({"query": "items_1499"}));
    assert_eq!(resp["result"].as_array().unwrap().len(), 1, "{resp}");
    assert!(c.shutdown().success());
}

/// Writes `files` (path, text) under a fresh directory.
fn write_workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

/// One line-range replacement in an open document.
fn replace_line(c: &mut Client, uri: &str, version: i64, line: usize, text: &str) {
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{
                "range": {"start": {"line": line, "character": 0}, "end": {"line": line + 1, "character": 0}},
                "text": text
            }]
        }),
    );
}

/// Waits (at most `within`) for diagnostics of `uri` that `want` accepts, ignoring what was
/// published for it before; returns them and how long it took.
fn wait_diags(
    c: &mut Client,
    uri: &str,
    within: std::time::Duration,
    want: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, std::time::Duration) {
    let started = std::time::Instant::now();
    let p = c
        .try_wait_for(
            "textDocument/publishDiagnostics",
            |p| p["uri"] == uri && want(p["diagnostics"].as_array().unwrap()),
            within,
        )
        .unwrap_or_else(|| {
            panic!(
                "no matching diagnostics for {uri} within {within:?}; server log:\n{}",
                c.log()
            )
        });
    (
        p["diagnostics"].as_array().unwrap().clone(),
        started.elapsed(),
    )
}

/// Sets aside what was published for `uri` so far (and what is still on its way); returns
/// the diagnostics of those publications.
fn forget(c: &mut Client, uri: &str) -> Vec<Vec<Value>> {
    let _ = c.try_wait_for(
        "never/sent",
        |_| false,
        std::time::Duration::from_millis(200),
    );
    let (gone, kept) = std::mem::take(&mut c.backlog)
        .into_iter()
        .partition(|m| m["params"]["uri"] == uri);
    c.backlog = kept;
    gone.into_iter()
        .map(|m| {
            m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

fn has(code: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| codes(d).iter().any(|c| c == code)
}

fn lacks(code: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| !codes(d).iter().any(|c| c == code)
}

/// Whether a diagnostic's message names the handler's file.
fn names(file: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| {
        d.iter()
            .any(|d| d["message"].as_str().is_some_and(|m| m.contains(file)))
    }
}

const FLASK_FILES: &str = "from flask import Blueprint, request\n\nfrom ..services import storage\n\nbp = Blueprint(\"files\", __name__, url_prefix=\"/files\")\n\n\n@bp.get(\"/download\")\ndef download():\n    return storage.read_file(request.args.get(\"folder\", \"public\"))\n";
const FLASK_STORAGE: &str = "import os\n\nROOT = \"/srv/files\"\n\n\ndef read_file(folder):\n    with open(os.path.join(ROOT, folder, \"index.txt\")) as f:\n        return f.read()\n";

/// A Flask handler passes a query parameter to a function of a services module: the service's
/// `open()` gets SEC302 naming the handler and its file, the finding leaves the service
/// document within a second when the handler passes a constant, and comes back with the
/// request data.
#[test]
fn taint_follows_request_data_into_open_service_modules() {
    let (_dir, root) = write_workspace(&[
        ("app/__init__.py", ""),
        ("app/routes/__init__.py", ""),
        ("app/services/__init__.py", ""),
        ("app/routes/files.py", FLASK_FILES),
        ("app/services/storage.py", FLASK_STORAGE),
    ]);
    let mut c = start_in(&root);
    let storage_uri = open_file(&mut c, &root.join("app/services/storage.py"));
    let diags = c.diagnostics(&storage_uri, 1);
    let sec302: Vec<&Value> = diags.iter().filter(|d| d["code"] == "SEC302").collect();
    assert_eq!(sec302.len(), 1, "{diags:?}");
    assert_eq!(sec302[0]["range"]["start"]["line"], 6);
    let message = sec302[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`download()` (app/routes/files.py)"),
        "{message}"
    );
    let files_uri = open_file(&mut c, &root.join("app/routes/files.py"));
    c.diagnostics(&files_uri, 1);

    // Opening the handler (the same calls as on disk) changes nothing in the service.
    for diags in forget(&mut c, &storage_uri) {
        assert!(has("SEC302")(&diags), "{diags:?}");
    }
    replace_line(
        &mut c,
        &files_uri,
        2,
        9,
        "    return storage.read_file(\"public\")\n",
    );
    let (_, took) = wait_diags(
        &mut c,
        &storage_uri,
        std::time::Duration::from_secs(1),
        lacks("SEC302"),
    );
    eprintln!("SEC302 left the service after {took:?}");
    c.diagnostics(&files_uri, 2);

    forget(&mut c, &storage_uri);
    replace_line(
        &mut c,
        &files_uri,
        3,
        9,
        "    return storage.read_file(request.args[\"folder\"])\n",
    );
    let (_, took) = wait_diags(
        &mut c,
        &storage_uri,
        std::time::Duration::from_secs(1),
        has("SEC302"),
    );
    eprintln!("SEC302 came back to the service after {took:?}");
    assert!(c.shutdown().success());
}

const KOA_ROUTES: &str = "const Router = require(\"@koa/router\");\nconst posts = require(\"../services/posts\");\n\nconst router = new Router({ prefix: \"/posts\" });\n\nrouter.get(\"/\", async (ctx) => {\n  ctx.body = await posts.search(ctx.query.q);\n});\n\nmodule.exports = router;\n";
const KOA_ROUTES_CONSTANT: &str = "const Router = require(\"@koa/router\");\nconst posts = require(\"../services/posts\");\n\nconst router = new Router({ prefix: \"/posts\" });\n\nrouter.get(\"/\", async (ctx) => {\n  ctx.body = await posts.search(\"featured\");\n});\n\nmodule.exports = router;\n";
const KOA_SERVICE: &str = "const db = require(\"../db\");\n\nasync function search(term) {\n  return db.query(\"SELECT * FROM posts WHERE title LIKE '%\" + term + \"%'\");\n}\n\nmodule.exports = { search };\n";

/// The same for a Koa router and a relative `require`d service: the open edit, closing the
/// handler (the disk's text counts again), and a change on disk reported by the client. The
/// service's concatenation of a parameter into SQL is SEC101 on its own; the request data makes
/// it name the handler.
#[test]
fn taint_follows_request_data_into_open_javascript_services() {
    let (_dir, root) = write_workspace(&[
        ("src/routes/posts.js", KOA_ROUTES),
        ("src/services/posts.js", KOA_SERVICE),
        (
            "src/db.js",
            "const { Pool } = require(\"pg\");\nmodule.exports = new Pool();\n",
        ),
    ]);
    let mut c = start_in(&root);
    let service = root.join("src/services/posts.js");
    let service_uri = uri(&service);
    c.open(&service_uri, "javascript", KOA_SERVICE);
    let diags = c.diagnostics(&service_uri, 1);
    let sec101: Vec<&Value> = diags.iter().filter(|d| d["code"] == "SEC101").collect();
    assert_eq!(sec101.len(), 1, "{diags:?}");
    assert_eq!(sec101[0]["range"]["start"]["line"], 3);
    let message = sec101[0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "`ctx.query.q` passed to `search()` by the `GET /` handler (src/routes/posts.js)"
        ),
        "{message}"
    );
    let routes = root.join("src/routes/posts.js");
    let routes_uri = uri(&routes);
    c.open(&routes_uri, "javascript", KOA_ROUTES);
    c.diagnostics(&routes_uri, 1);

    // Edited in the editor.
    forget(&mut c, &service_uri);
    replace_line(
        &mut c,
        &routes_uri,
        2,
        6,
        "  ctx.body = await posts.search(\"featured\");\n",
    );
    let (_, took) = wait_diags(
        &mut c,
        &service_uri,
        std::time::Duration::from_secs(1),
        |d| !names("src/routes/posts.js")(d),
    );
    eprintln!("SEC101 left the service after {took:?}");

    // Closed unsaved: the disk still passes the query.
    forget(&mut c, &service_uri);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": routes_uri}}),
    );
    wait_diags(
        &mut c,
        &service_uri,
        std::time::Duration::from_secs(2),
        names("src/routes/posts.js"),
    );

    // Changed on disk.
    forget(&mut c, &service_uri);
    std::fs::write(&routes, KOA_ROUTES_CONSTANT).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": routes_uri, "type": 2}]}),
    );
    wait_diags(
        &mut c,
        &service_uri,
        std::time::Duration::from_secs(2),
        |d| !names("src/routes/posts.js")(d),
    );
    assert!(c.shutdown().success());
}

/// GraphQL resolvers and WebSocket handlers: document symbols (types with their fields,
/// socket events), code lenses ("Query.search → search") and workspace symbols from files
/// that are not open.
#[test]
fn graphql_and_websocket_symbols_and_lenses() {
    let (_dir, root) = workspace("graphql_python");
    let mut c = start_in(&root);
    let schema = root.join("library/graphql/schema.py");
    let schema_uri = open_file(&mut c, &schema);
    c.diagnostics(&schema_uri, 1);
    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": schema_uri}}),
    );
    let symbols = resp["result"].as_array().unwrap();
    let query = symbols.iter().find(|s| s["name"] == "Query").unwrap();
    assert_eq!(query["detail"], "GraphQL type");
    let fields: Vec<&str> = query["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "books",
            "search",
            "search_safe",
            "by_author",
            "book",
            "page"
        ]
    );
    assert!(symbols.iter().any(|s| s["name"] == "Mutation"));

    let resp = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": schema_uri}}),
    );
    let lenses = resp["result"].as_array().unwrap();
    let text = std::fs::read_to_string(&schema).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("def export_catalog"))
        .unwrap();
    let lens = lenses
        .iter()
        .find(|l| {
            l["command"]["title"] == "GraphQL Mutation.export_catalog → export_catalog · Strawberry"
        })
        .unwrap_or_else(|| panic!("{lenses:?}"));
    // Above the decorator, the line before the `def`.
    assert_eq!(lens["range"]["start"]["line"], line - 1);
    assert!(lenses.iter().any(|l| l["command"]["title"]
        .as_str()
        .unwrap()
        .starts_with("GraphQL Query.books → all_books")));

    // The WebSocket routes of the same app are routes; workspace symbols find resolvers in
    // files that are not open.
    let resp = c.request("workspace/symbol", json!({"query": "add_book"}));
    let found = resp["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "Mutation.add_book");
    assert!(c.shutdown().success());

    let (_dir, root) = workspace("graphql_apollo");
    let mut c = start_in(&root);
    let chat = root.join("src/realtime/chat.js");
    let text = std::fs::read_to_string(&chat).unwrap();
    let u = uri(&chat);
    c.open(&u, "javascript", &text);
    c.diagnostics(&u, 1);
    let resp = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let names: Vec<&str> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["io \"connection\"", "io \"history\"", "io \"send\""]
    );
    let resp = c.request("textDocument/codeLens", json!({"textDocument": {"uri": u}}));
    let titles: Vec<&str> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"WebSocket io \"history\" → anonymous · socket.io/ws"),
        "{titles:?}"
    );
    let resp = c.request("workspace/symbol", json!({"query": "renamebook"}));
    let found = resp["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "Mutation.renameBook");
    assert!(found[0]["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("src/graphql/resolvers.js"));
    assert!(c.shutdown().success());
}

const CHAIN_ROUTER: &str = "from flask import Blueprint, request\n\nfrom shop.services import reports as report_service\n\nbp = Blueprint(\"reports\", __name__, url_prefix=\"/reports\")\n\n\n@bp.get(\"/download\")\ndef download():\n    return report_service.render(request.args.get(\"name\", \"summary\"))\n";
const CHAIN_SERVICE: &str = "from shop.repositories import reports as report_repository\n\n\ndef render(name):\n    title = name.strip()\n    return report_repository.load(title)\n";
const CHAIN_REPOSITORY: &str = "import os\n\nfrom shop.storage import files\n\n\ndef load(title):\n    return files.read_text(os.path.join(\"/srv/reports\", title + \".txt\"))\n";
const CHAIN_STORAGE: &str = "import os\n\n\ndef read_text(path):\n    if not os.path.exists(path):\n        return \"\"\n    with open(path) as f:\n        return f.read()\n";

/// Request data that goes through a service and a repository before it reaches `open()` in a
/// storage module: the open storage document gets SEC302 naming the handler and each hop, and
/// loses it within a second when the open service passes a constant on instead.
#[test]
fn taint_follows_request_data_through_several_modules_in_the_server() {
    let (_dir, root) = write_workspace(&[
        ("shop/__init__.py", ""),
        ("shop/routers/__init__.py", ""),
        ("shop/services/__init__.py", ""),
        ("shop/repositories/__init__.py", ""),
        ("shop/storage/__init__.py", ""),
        ("shop/routers/reports.py", CHAIN_ROUTER),
        ("shop/services/reports.py", CHAIN_SERVICE),
        ("shop/repositories/reports.py", CHAIN_REPOSITORY),
        ("shop/storage/files.py", CHAIN_STORAGE),
    ]);
    let mut c = start_in(&root);
    let storage_uri = open_file(&mut c, &root.join("shop/storage/files.py"));
    let (diags, _) = wait_diags(
        &mut c,
        &storage_uri,
        std::time::Duration::from_secs(5),
        has("SEC302"),
    );
    let sec302: Vec<&Value> = diags.iter().filter(|d| d["code"] == "SEC302").collect();
    assert_eq!(sec302.len(), 1, "{diags:?}");
    assert_eq!(sec302[0]["range"]["start"]["line"], 6);
    let message = sec302[0]["message"].as_str().unwrap();
    assert!(
        message.contains("passed to `render()` by `download()` (shop/routers/reports.py), then via `title` passed to `load()` by `render()` (shop/services/reports.py), then passed to `read_text()` by `load()` (shop/repositories/reports.py)"),
        "{message}"
    );
    let service_uri = open_file(&mut c, &root.join("shop/services/reports.py"));
    c.diagnostics(&service_uri, 1);
    forget(&mut c, &storage_uri);
    replace_line(
        &mut c,
        &service_uri,
        2,
        5,
        "    return report_repository.load(\"summary\")\n",
    );
    let (_, took) = wait_diags(
        &mut c,
        &storage_uri,
        std::time::Duration::from_secs(1),
        lacks("SEC302"),
    );
    eprintln!("SEC302 left the storage module after {took:?}");
    assert!(c.shutdown().success());
}

/// A file without cross-file findings is published at once and its facts refreshed once
/// typing pauses (`REFRESH_AFTER_QUIET`): a burst of keystrokes that ends by making one of its
/// routes a duplicate of another router's still gets ARC101, for the last version, and the
/// other open router is re-published with it.
#[test]
fn a_burst_of_keystrokes_refreshes_the_facts_once_typing_pauses() {
    let (_dir, root) = write_workspace(&[
        (
            "app/main.py",
            "from fastapi import FastAPI\n\nfrom app import things, items\n\napp = FastAPI()\napp.include_router(items.router, prefix=\"/api\")\napp.include_router(things.router, prefix=\"/api\")\n",
        ),
        ("app/__init__.py", ""),
        (
            "app/items.py",
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"/items\")\ndef list_items():\n    return []\n",
        ),
        (
            "app/things.py",
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"/things\")\ndef list_things():\n    # a comment\n    return []\n",
        ),
    ]);
    let mut c = start_in(&root);
    let items_uri = open_file(&mut c, &root.join("app/items.py"));
    let things_uri = open_file(&mut c, &root.join("app/things.py"));
    assert!(lacks("ARC101")(&c.diagnostics(&things_uri, 1)));
    assert!(lacks("ARC101")(&c.diagnostics(&items_uri, 1)));
    // Twenty keystrokes with no pause: the route becomes `/items` on the first, then a space
    // is typed and deleted in the comment.
    replace_line(&mut c, &things_uri, 2, 5, "@router.get(\"/items\")\n");
    for version in 3..=21 {
        let change = if version % 2 == 1 {
            json!({"range": {"start": {"line": 7, "character": 5}, "end": {"line": 7, "character": 5}}, "text": " "})
        } else {
            json!({"range": {"start": {"line": 7, "character": 5}, "end": {"line": 7, "character": 6}}, "text": ""})
        };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": things_uri, "version": version}, "contentChanges": [change]}),
        );
    }
    let last = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == things_uri.as_str()
            && p["version"] == 21
            && has("ARC101")(p["diagnostics"].as_array().unwrap())
    });
    assert!(
        names("items.py")(last["diagnostics"].as_array().unwrap()),
        "{last}"
    );
    wait_diags(
        &mut c,
        &items_uri,
        std::time::Duration::from_secs(10),
        has("ARC101"),
    );
    assert!(c.shutdown().success());
}
