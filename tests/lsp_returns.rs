//! Values returned from another module in the language server, as `check` follows them
//! (`tests/cli_returns.rs`): a view puts what a service's `get_params()` returns into SQL and
//! gets SEC101; when the service returns `int(...)` instead, the view is published again
//! without it, whether the service is edited in the editor, closed unsaved or deleted. The same
//! for a JavaScript named export, and a same-named local function stays quiet.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{codes, Client};
use serde_json::{json, Value};

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

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn start_in(root: &Path) -> Client {
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(root),
            "capabilities": {"window": {"workDoneProgress": true}},
        }),
    );
    c.notify("initialized", json!({}));
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    c
}

fn open(c: &mut Client, path: &Path, language: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let u = uri(path);
    c.open(&u, language, &text);
    u
}

/// One line replaced in an open document.
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

/// Waits (at most `within`) for diagnostics of `uri` that `want` accepts.
fn wait_diags(
    c: &mut Client,
    uri: &str,
    within: Duration,
    want: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, Duration) {
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

/// Drops what was published for `uri` so far (after a moment for stragglers), returning it.
fn forget(c: &mut Client, uri: &str) -> Vec<Vec<Value>> {
    let _ = c.try_wait_for("never/sent", |_| false, Duration::from_millis(200));
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

const SERVICES: &str =
    "from flask import request\n\n\ndef get_params():\n    return request.args.get(\"q\")\n";
const SERVICES_INT: &str = "    return int(request.args.get(\"q\"))\n";
const VIEWS: &str = "import sqlite3\n\nfrom flask import Blueprint, request\n\nfrom app.services import get_params\n\nbp = Blueprint(\"items\", __name__)\ndb = sqlite3.connect(\"app.db\")\n\n\n@bp.get(\"/search\")\ndef search():\n    q = get_params()\n    return db.execute(\"SELECT * FROM items WHERE name = '%s'\" % q).fetchall()\n";
/// The same view with a function of its own by that name (it returns a constant).
const LOCAL: &str = "import sqlite3\n\nfrom flask import Blueprint, request\n\nbp = Blueprint(\"local\", __name__)\ndb = sqlite3.connect(\"app.db\")\n\n\ndef get_params():\n    return \"fixed\"\n\n\n@bp.get(\"/local\")\ndef search():\n    q = get_params()\n    return db.execute(\"SELECT * FROM items WHERE name = '%s'\" % q).fetchall()\n";

/// The SEC101 line of VIEWS (0-based) and of the data path's step.
const SINK_LINE: u64 = 13;

#[test]
fn python_values_returned_by_an_open_service_follow_its_edits() {
    let (_dir, root) = write_workspace(&[
        ("app/__init__.py", ""),
        ("app/services.py", SERVICES),
        ("app/views.py", VIEWS),
        ("app/local.py", LOCAL),
    ]);
    let mut c = start_in(&root);
    let views = open(&mut c, &root.join("app/views.py"), "python");
    let (diags, _) = wait_diags(&mut c, &views, Duration::from_secs(5), has("SEC101"));
    let sec101: Vec<&Value> = diags.iter().filter(|d| d["code"] == "SEC101").collect();
    assert_eq!(sec101.len(), 1, "{diags:#?}");
    assert_eq!(sec101[0]["range"]["start"]["line"], SINK_LINE);
    let message = sec101[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`get_params()` (app/services.py)"),
        "{message}"
    );
    let related = sec101[0]["relatedInformation"].to_string();
    assert!(
        related.contains("returned by `get_params()` (app/services.py)"),
        "{related}"
    );

    // The same-named function of the module itself is not the imported one.
    let local = open(&mut c, &root.join("app/local.py"), "python");
    let diags = c.diagnostics(&local, 1);
    assert!(lacks("SEC101")(&diags), "{diags:#?}");

    // The service edited in the editor: it returns a number.
    let services = open(&mut c, &root.join("app/services.py"), "python");
    c.diagnostics(&services, 1);
    forget(&mut c, &views);
    replace_line(&mut c, &services, 2, 4, SERVICES_INT);
    let (_, took) = wait_diags(&mut c, &views, Duration::from_secs(2), lacks("SEC101"));
    eprintln!("SEC101 left the view after {took:?}");

    // And back.
    forget(&mut c, &views);
    replace_line(
        &mut c,
        &services,
        3,
        4,
        "    return request.args.get(\"q\")\n",
    );
    let (_, took) = wait_diags(&mut c, &views, Duration::from_secs(2), has("SEC101"));
    eprintln!("SEC101 came back to the view after {took:?}");

    // Edited to return a number again, then closed unsaved: the disk returns request data.
    forget(&mut c, &views);
    replace_line(&mut c, &services, 4, 4, SERVICES_INT);
    wait_diags(&mut c, &views, Duration::from_secs(2), lacks("SEC101"));
    forget(&mut c, &views);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": services}}),
    );
    wait_diags(&mut c, &views, Duration::from_secs(2), has("SEC101"));

    // Deleted on disk: nothing is known of `get_params()` any more.
    forget(&mut c, &views);
    std::fs::remove_file(root.join("app/services.py")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": services, "type": 3}]}),
    );
    wait_diags(&mut c, &views, Duration::from_secs(2), lacks("SEC101"));

    // Nothing ever reached the local module.
    for diags in forget(&mut c, &local) {
        assert!(lacks("SEC101")(&diags), "{diags:#?}");
    }
    assert!(c.shutdown().success());
}

/// Adding the import in the open view itself brings the finding, removing it takes it away.
#[test]
fn python_an_import_added_in_the_open_caller_counts_at_once() {
    let plain = VIEWS.replace("from app.services import get_params\n", "\n");
    let (_dir, root) = write_workspace(&[
        ("app/__init__.py", ""),
        ("app/services.py", SERVICES),
        ("app/views.py", &plain),
    ]);
    let mut c = start_in(&root);
    let views = open(&mut c, &root.join("app/views.py"), "python");
    let diags = c.diagnostics(&views, 1);
    assert!(lacks("SEC101")(&diags), "{diags:#?}");
    replace_line(
        &mut c,
        &views,
        2,
        4,
        "from app.services import get_params\n",
    );
    wait_diags(&mut c, &views, Duration::from_secs(2), has("SEC101"));
    forget(&mut c, &views);
    replace_line(&mut c, &views, 3, 4, "\n");
    wait_diags(&mut c, &views, Duration::from_secs(2), lacks("SEC101"));
    assert!(c.shutdown().success());
}

const JS_PARAMS: &str = "export function searchTerm(req) {\n  return req.query.q;\n}\n\nexport function pageSize() {\n  return 20;\n}\n";
const JS_ROUTES: &str = "import express from \"express\";\nimport { Pool } from \"pg\";\nimport { searchTerm } from \"../services/params.js\";\n\nconst db = new Pool();\nconst router = express.Router();\n\nrouter.get(\"/search\", async (req, res) => {\n  const q = searchTerm(req);\n  res.json(await db.query(\"SELECT * FROM items WHERE name = '\" + q + \"'\"));\n});\n\nexport default router;\n";

#[test]
fn javascript_named_exports_follow_their_edits() {
    let (_dir, root) = write_workspace(&[
        ("src/services/params.js", JS_PARAMS),
        ("src/routes/items.js", JS_ROUTES),
    ]);
    let mut c = start_in(&root);
    let routes = open(&mut c, &root.join("src/routes/items.js"), "javascript");
    let (diags, _) = wait_diags(&mut c, &routes, Duration::from_secs(5), has("SEC101"));
    let sec101: Vec<&Value> = diags.iter().filter(|d| d["code"] == "SEC101").collect();
    assert_eq!(sec101.len(), 1, "{diags:#?}");
    assert_eq!(sec101[0]["range"]["start"]["line"], 9);
    let related = sec101[0]["relatedInformation"].to_string();
    assert!(
        related.contains("returned by `searchTerm()` (src/services/params.js)"),
        "{related}"
    );
    let params = open(&mut c, &root.join("src/services/params.js"), "javascript");
    c.diagnostics(&params, 1);
    forget(&mut c, &routes);
    replace_line(
        &mut c,
        &params,
        2,
        1,
        "  return parseInt(req.query.q, 10);\n",
    );
    let (_, took) = wait_diags(&mut c, &routes, Duration::from_secs(2), lacks("SEC101"));
    eprintln!("SEC101 left the JavaScript route after {took:?}");
    forget(&mut c, &routes);
    replace_line(&mut c, &params, 3, 1, "  return req.query.q;\n");
    wait_diags(&mut c, &routes, Duration::from_secs(2), has("SEC101"));
    assert!(c.shutdown().success());
}

/// The SEC101 lines (0-based) of published diagnostics.
fn sec101_lines(d: &[Value]) -> Vec<u64> {
    let mut out: Vec<u64> = d
        .iter()
        .filter(|d| d["code"] == "SEC101")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    out.sort();
    out
}

/// NestJS DTO validation across modules in the server, as `check` does it
/// (`tests/cli_returns.rs`): a controller's `@Body()` typed with a DTO class of another module
/// whose class-validator decorators rule SQL out is clean under a global `ValidationPipe`;
/// when the DTO is edited in the editor (`@IsInt()` → `@IsString()`), the controller is
/// published again with the finding, and back.
#[test]
fn nest_dtos_imported_from_another_module_follow_their_edits() {
    const DTO: &str = "import { IsEmail, IsIn, IsInt, IsString, Matches } from 'class-validator';\n\nexport class SearchNotesDto {\n  @IsInt()\n  limit: number;\n\n  @IsIn(['createdAt', 'title'])\n  sort: string;\n\n  @Matches(/^[a-z0-9-]+$/)\n  tag: string;\n\n  @IsString()\n  text: string;\n\n  @IsEmail()\n  sharedWith: string;\n}\n";
    const CONTROLLER: &str = "import { Body, Controller, Post } from '@nestjs/common';\nimport { DataSource } from 'typeorm';\nimport { SearchNotesDto } from './dto/search-notes.dto';\n\n@Controller('notes')\nexport class NotesController {\n  constructor(private readonly db: DataSource) {}\n\n  @Post('search')\n  search(@Body() dto: SearchNotesDto) {\n    this.db.query(`SELECT * FROM note WHERE tag = '${dto.tag}' ORDER BY \"${dto.sort}\" LIMIT ${dto.limit}`);\n    this.db.query(`SELECT * FROM note WHERE text ILIKE '%${dto.text}%'`);\n    return this.db.query(`SELECT * FROM note WHERE \"sharedWith\" = '${dto.sharedWith}'`);\n  }\n}\n";
    const MAIN: &str = "import { ValidationPipe } from '@nestjs/common';\nimport { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));\n  await app.listen(3000);\n}\nbootstrap();\n";
    let (_dir, root) = write_workspace(&[
        (
            "package.json",
            "{\"name\": \"notes\", \"dependencies\": {\"@nestjs/core\": \"10.0.0\"}}\n",
        ),
        ("src/main.ts", MAIN),
        ("src/notes/dto/search-notes.dto.ts", DTO),
        ("src/notes/notes.controller.ts", CONTROLLER),
    ]);
    let mut c = start_in(&root);
    let controller = open(
        &mut c,
        &root.join("src/notes/notes.controller.ts"),
        "typescript",
    );
    // `text` (`@IsString()`) and `sharedWith` (`@IsEmail()`) only: the DTO's validators rule
    // SQL out for `tag`, `sort` and `limit` (line 10).
    let (diags, _) = wait_diags(&mut c, &controller, Duration::from_secs(5), |d| {
        sec101_lines(d) == [11, 12]
    });
    assert_eq!(sec101_lines(&diags), [11, 12], "{diags:#?}");

    // The DTO edited in the editor: `limit` is any string now.
    let dto = open(
        &mut c,
        &root.join("src/notes/dto/search-notes.dto.ts"),
        "typescript",
    );
    c.diagnostics(&dto, 1);
    forget(&mut c, &controller);
    replace_line(&mut c, &dto, 2, 3, "  @IsString()\n");
    let (_, took) = wait_diags(&mut c, &controller, Duration::from_secs(3), |d| {
        sec101_lines(d) == [10, 11, 12]
    });
    eprintln!("SEC101 came to the controller after {took:?}");

    // And back.
    forget(&mut c, &controller);
    replace_line(&mut c, &dto, 3, 3, "  @IsInt()\n");
    wait_diags(&mut c, &controller, Duration::from_secs(3), |d| {
        sec101_lines(d) == [11, 12]
    });
}
