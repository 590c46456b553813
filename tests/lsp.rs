//! End to end: the real binary speaking LSP over stdio.

mod common;

use common::{codes, Client};
use serde_json::{json, Value};

const PY: &str = "import subprocess\nimport yaml\n\n\ndef handler(cmd, stream):\n    subprocess.run(cmd, shell=True)\n    data = yaml.load(stream)\n    return data\n";
const URI: &str = "file:///tmp/backend_architect_e2e/app.py";

fn start() -> Client {
    let mut c = Client::spawn();
    c.initialize(
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        Value::Null,
    );
    c
}

fn change(c: &mut Client, uri: &str, version: i64, changes: Value) {
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
    );
}

#[test]
fn initialize_advertises_honest_capabilities_and_negotiates_encoding() {
    let mut c = Client::spawn();
    let resp = c.initialize(
        json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}}),
        Value::Null,
    );
    let caps = &resp["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["hoverProvider"], true);
    let kinds = caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap();
    assert!(kinds.contains(&json!("source.fixAll.backend-architect")));
    assert!(
        caps.get("diagnosticProvider").is_none(),
        "no pull diagnostics unless the client supports them"
    );
    assert_eq!(resp["result"]["serverInfo"]["name"], "backend-architect");
    assert!(c.shutdown().success());

    let mut c = Client::spawn();
    let resp = c.initialize(json!({}), Value::Null);
    assert_eq!(resp["result"]["capabilities"]["positionEncoding"], "utf-16");
    let mut c2 = Client::spawn();
    let resp = c2.initialize(
        json!({"general": {"positionEncodings": ["utf-32"]}}),
        Value::Null,
    );
    assert_eq!(resp["result"]["capabilities"]["positionEncoding"], "utf-32");
    assert!(c.shutdown().success());
}

#[test]
fn open_change_publishes_versioned_diagnostics() {
    let mut c = start();
    c.open(URI, "python", PY);
    let diags = c.diagnostics(URI, 1);
    assert_eq!(codes(&diags), vec!["SEC102", "SEC201"]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 5, "character": 4})
    );
    assert_eq!(diags[0]["source"], "backend-architect");
    assert_eq!(diags[0]["severity"], 1);
    assert!(diags[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .contains("cwe.mitre.org"));

    // Make the command constant: the SEC102 finding goes away.
    change(
        &mut c,
        URI,
        2,
        json!([{"range": {"start": {"line": 5, "character": 19}, "end": {"line": 5, "character": 22}}, "text": "\"ls\""}]),
    );
    let diags = c.diagnostics(URI, 2);
    assert_eq!(codes(&diags), vec!["SEC201"]);

    // Several changes in one notification, then a full replacement.
    change(
        &mut c,
        URI,
        3,
        json!([
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# header\n"},
            {"range": {"start": {"line": 7, "character": 11}, "end": {"line": 7, "character": 30}}, "text": "yaml.load(stream)"}
        ]),
    );
    let diags = c.diagnostics(URI, 3);
    assert_eq!(codes(&diags), vec!["SEC201"]);
    change(&mut c, URI, 4, json!([{"text": "x = 1\n"}]));
    assert!(c.diagnostics(URI, 4).is_empty());
    assert!(c.shutdown().success());
}

#[test]
fn rapid_changes_never_publish_a_stale_version() {
    let mut c = start();
    c.open(URI, "python", PY);
    c.diagnostics(URI, 1);
    for v in 2..40 {
        change(
            &mut c,
            URI,
            v,
            json!([{"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "text": "#"}]),
        );
    }
    let last = c.diagnostics(URI, 39);
    assert_eq!(codes(&last), vec!["SEC102", "SEC201"]);
    // Every publish seen was for a version that was current when it was sent: versions only grow.
    let versions: Vec<i64> = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert!(c.shutdown().success());
}

#[test]
fn hover_shows_rule_docs() {
    let mut c = start();
    c.open(URI, "python", PY);
    c.diagnostics(URI, 1);
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": {"line": 6, "character": 14}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("SEC201"), "{value}");
    assert!(value.contains("## Why is this bad?"), "{value}");
    assert!(value.contains("CWE-502"), "{value}");
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}),
    );
    assert!(resp["result"].is_null());
    assert!(c.shutdown().success());
}

fn apply(text: &str, edits: &[Value]) -> String {
    // Test-side application of LSP edits (UTF-16, ASCII test texts).
    let lines: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let off = |p: &Value| {
        lines[p["line"].as_u64().unwrap() as usize] + p["character"].as_u64().unwrap() as usize
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                off(&e["range"]["start"]),
                off(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_owned();
    for (s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

#[test]
fn code_actions_quickfix_suppress_and_fix_all() {
    let mut c = start();
    let text = "import yaml, subprocess\n\ndef f(p, name):\n    a = yaml.load(p)\n    subprocess.run([\"ls\", name], shell=True)\n    return a\n";
    c.open(URI, "python", text);
    let diags = c.diagnostics(URI, 1);
    assert_eq!(codes(&diags), vec!["SEC201", "SEC102"]);

    let resp = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": diags[0]["range"],
            "context": {"diagnostics": [diags[0]]}
        }),
    );
    let actions = resp["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("Use `safe_load`")),
        "{titles:?}"
    );
    assert!(titles.iter().any(|t| t.contains("(# noqa)")), "{titles:?}");
    assert!(
        titles.contains(&"Suppress SEC201 on this line"),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("in this file")),
        "{titles:?}"
    );
    let fix = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("safe_load"))
        .unwrap();
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    let edits = fix["edit"]["changes"][URI].as_array().unwrap();
    assert!(apply(text, edits).contains("a = yaml.safe_load(p)"));

    let noqa = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("(# noqa)"))
        .unwrap();
    let suppressed = apply(text, noqa["edit"]["changes"][URI].as_array().unwrap());
    assert!(
        suppressed.contains("yaml.load(p)  # noqa: SEC201\n"),
        "{suppressed}"
    );
    change(&mut c, URI, 2, json!([{"text": suppressed}]));
    assert_eq!(codes(&c.diagnostics(URI, 2)), vec!["SEC102"]);
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Suppress SEC201 on this line")
        .unwrap();
    let suppressed = apply(text, ignore["edit"]["changes"][URI].as_array().unwrap());
    assert!(
        suppressed.contains("    # backend-architect: ignore[SEC201]\n    a = yaml.load(p)"),
        "{suppressed}"
    );
    change(&mut c, URI, 3, json!([{"text": suppressed}]));
    assert_eq!(codes(&c.diagnostics(URI, 3)), vec!["SEC102"]);
    change(&mut c, URI, 4, json!([{"text": text}]));
    c.diagnostics(URI, 4);

    // Fix-all, as editors request it on save.
    let resp = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll.backend-architect"]}
        }),
    );
    let actions = resp["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.backend-architect");
    let fixed = apply(text, actions[0]["edit"]["changes"][URI].as_array().unwrap());
    assert_eq!(fixed, "import yaml, subprocess\n\ndef f(p, name):\n    a = yaml.safe_load(p)\n    subprocess.run([\"ls\", name])\n    return a\n");
    change(&mut c, URI, 5, json!([{"text": fixed}]));
    assert!(c.diagnostics(URI, 5).is_empty());

    // `only: ["quickfix"]` excludes fix-all; `only: ["source"]` includes it.
    let resp = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}},
            "context": {"diagnostics": [], "only": ["source"]}
        }),
    );
    assert!(
        resp["result"].as_array().unwrap().is_empty(),
        "nothing left to fix"
    );
    assert!(c.shutdown().success());
}

#[test]
fn pull_diagnostics_when_the_client_supports_them() {
    let mut c = Client::spawn();
    let resp = c.initialize(
        json!({
            "textDocument": {"diagnostic": {"dynamicRegistration": false}},
            "workspace": {"diagnostics": {"refreshSupport": true}}
        }),
        Value::Null,
    );
    assert_eq!(
        resp["result"]["capabilities"]["diagnosticProvider"]["identifier"],
        "backend-architect"
    );
    c.open(URI, "python", PY);
    let resp = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(resp["result"]["kind"], "full");
    assert_eq!(
        codes(resp["result"]["items"].as_array().unwrap()),
        vec!["SEC102", "SEC201"]
    );
    assert!(c.quiet("textDocument/publishDiagnostics", |_| true));
    assert!(c.shutdown().success());
}

#[test]
fn javascript_and_typescript_documents() {
    let mut c = start();
    let js = "const { exec } = require(\"child_process\");\napp.get(\"/x\", (req, res) => exec(`ls ${req.query.d}`));\n";
    c.open("file:///tmp/backend_architect_e2e/a.js", "javascript", js);
    assert_eq!(
        codes(&c.diagnostics("file:///tmp/backend_architect_e2e/a.js", 1)),
        vec!["SEC102"]
    );
    let ts = "import { exec } from \"child_process\";\nexport function run(cmd: string): void { exec(cmd); eval(cmd as string); }\n";
    c.open("file:///tmp/backend_architect_e2e/a.ts", "typescript", ts);
    assert_eq!(
        codes(&c.diagnostics("file:///tmp/backend_architect_e2e/a.ts", 1)),
        vec!["SEC102", "SEC103"]
    );
    // Other languages are ignored quietly.
    c.open(
        "file:///tmp/backend_architect_e2e/a.rs",
        "rust",
        "fn main() {}",
    );
    assert!(c.quiet("textDocument/publishDiagnostics", |p| p["uri"]
        .as_str()
        .unwrap()
        .ends_with(".rs")));
    assert!(c.shutdown().success());
}

/// One client for a multi-language project (eglot, Helix, Zed, Kate) sends every file with the
/// same languageId: the file's extension decides, then its shebang, and the languageId only
/// when neither says.
#[test]
fn the_file_decides_the_language_before_the_language_id() {
    let mut c = start();
    let js = "const { exec } = require(\"child_process\");\napp.get(\"/x\", (req, res) => exec(`ls ${req.query.d}`));\n";
    let a = "file:///tmp/backend_architect_e2e/lang/a.js";
    c.open(a, "python", js);
    assert_eq!(codes(&c.diagnostics(a, 1)), vec!["SEC102"]);
    let b = "file:///tmp/backend_architect_e2e/lang/b.py";
    c.open(b, "javascript", PY);
    assert_eq!(codes(&c.diagnostics(b, 1)), vec!["SEC102", "SEC201"]);
    // No extension: the shebang.
    let script = "file:///tmp/backend_architect_e2e/lang/deploy";
    // A script: its wrapper of the whole command is judged by its callers, so the command is
    // built here.
    let py_script = PY.replace(
        "subprocess.run(cmd, shell=True)",
        "subprocess.run(\"make \" + cmd, shell=True)",
    );
    c.open(
        script,
        "javascript",
        &format!("#!/usr/bin/env python3\n{py_script}"),
    );
    assert_eq!(codes(&c.diagnostics(script, 1)), vec!["SEC102", "SEC201"]);
    let tool = "file:///tmp/backend_architect_e2e/lang/tool";
    c.open(tool, "python", &format!("#!/usr/bin/node\n{js}"));
    assert_eq!(codes(&c.diagnostics(tool, 1)), vec!["SEC102"]);
    // Neither: the languageId (an untitled buffer).
    let untitled = "untitled:Untitled-1";
    c.open(untitled, "python", PY);
    assert_eq!(codes(&c.diagnostics(untitled, 1)), vec!["SEC102", "SEC201"]);
    assert!(c.shutdown().success());
}

#[test]
fn utf8_and_utf16_positions() {
    for (enc, col) in [("utf-16", 15), ("utf-8", 18), ("utf-32", 14)] {
        let mut c = Client::spawn();
        c.initialize(
            json!({"general": {"positionEncodings": [enc]}}),
            Value::Null,
        );
        // `eval` follows "é😀": é is 1 UTF-16 unit and 2 bytes, 😀 is 2 units and 4 bytes.
        let text = "def f(x):\n    s = \"é😀\"; eval(x)\n";
        c.open(URI, "python", text);
        let diags = c.diagnostics(URI, 1);
        assert_eq!(diags[0]["range"]["start"]["character"], json!(col), "{enc}");
        assert!(c.shutdown().success());
    }
}

#[test]
fn bad_input_is_survived() {
    let mut c = start();
    // Malformed JSON body.
    c.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}");
    // A lone surrogate in a JSON string.
    let body = br#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/s.py","languageId":"python","version":1,"text":"x = '\ud800'"}}}"#;
    c.send_raw(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    c.send_raw(body);
    // null params, and unknown methods.
    let resp = c.request("textDocument/hover", Value::Null);
    assert!(resp.get("error").is_some(), "{resp}");
    let resp = c.request("backend-architect/nonsense", json!({}));
    assert_eq!(resp["error"]["code"], -32601);
    // Requests for documents never opened.
    let resp = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///nope.py"}, "position": {"line": 0, "character": 0}}));
    assert!(resp.get("error").is_some(), "{resp}");
    let resp = c.request("textDocument/codeAction", json!({"textDocument": {"uri": "file:///nope.py"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}));
    assert!(resp.get("error").is_some(), "{resp}");
    change(&mut c, "file:///nope.py", 2, json!([{"text": "x"}]));

    // NULs, a 200,000-character line, and out-of-range edits.
    let long = format!(
        "import os\ndef f(a):\n    os.system(a)\nx = \"{}\"\n",
        "a".repeat(200_000)
    );
    c.open(URI, "python", &long);
    assert_eq!(codes(&c.diagnostics(URI, 1)), vec!["SEC102"]);
    change(
        &mut c,
        URI,
        2,
        json!([{"range": {"start": {"line": 99, "character": 0}, "end": {"line": 120, "character": 5}}, "text": "\neval(input())\n"}]),
    );
    let d = c.diagnostics(URI, 2);
    assert_eq!(
        codes(&d),
        vec!["SEC102", "SEC103"],
        "an edit past the end is clamped to the end"
    );
    // Start after end: normalised, as editors do.
    change(
        &mut c,
        URI,
        3,
        json!([{"range": {"start": {"line": 2, "character": 999}, "end": {"line": 2, "character": 4}}, "text": "pass"}]),
    );
    assert_eq!(codes(&c.diagnostics(URI, 3)), vec!["SEC103"]);
    // Positions in the middle of nowhere are fine for requests too.
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": {"line": 4000, "character": 4000}}),
    );
    assert!(resp.get("error").is_none(), "{resp}");
    // A NUL in the text (tree-sitter stops reading at it; the text is kept whole).
    c.open(
        "file:///tmp/nul.py",
        "python",
        "eval(input())\n# \0 after\n",
    );
    assert_eq!(
        codes(&c.diagnostics("file:///tmp/nul.py", 1)),
        vec!["SEC103"]
    );
    // Still serving.
    c.open("file:///tmp/ok.py", "python", "eval(input())\n");
    assert_eq!(
        codes(&c.diagnostics("file:///tmp/ok.py", 1)),
        vec!["SEC103"]
    );
    assert!(c.is_alive());
    assert!(c.shutdown().success());
}

#[test]
fn huge_files_are_kept_but_not_analysed() {
    let mut c = start();
    let big = format!("eval(input())\n{}", "x = 1\n".repeat(400_000));
    c.open(URI, "python", &big);
    assert!(c.diagnostics(URI, 1).is_empty());
    // Shrinking it below the limit makes it analysable again, with the edits intact.
    change(
        &mut c,
        URI,
        2,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 400_001, "character": 0}}, "text": ""}]),
    );
    assert_eq!(codes(&c.diagnostics(URI, 2)), vec!["SEC103"]);
    assert!(c.shutdown().success());
}

#[test]
fn cancel_request_is_accepted() {
    let mut c = start();
    c.open(URI, "python", PY);
    c.notify("$/cancelRequest", json!({"id": 999}));
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": {"line": 6, "character": 14}}),
    );
    assert!(resp["result"]["contents"].is_object());
    assert!(c.shutdown().success());
}

#[test]
fn config_files_and_editor_settings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("backend-architect.toml"),
        "ignore = [\"SEC201\"]\n",
    )
    .unwrap();
    let file = root.join("app.py");
    std::fs::write(&file, PY).unwrap();
    let uri = format!("file://{}", file.display());

    let mut c = Client::spawn();
    c.initialize(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        Value::Null,
    );
    c.open(&uri, "python", PY);
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["SEC102"]);

    // A broken config file: the error is shown, defaults apply, the server keeps going.
    std::fs::write(
        root.join("backend-architect.toml"),
        "ignore = [\"SEC201\"]\nsevrity = 3\n",
    )
    .unwrap();
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": format!("file://{}/backend-architect.toml", root.display()), "type": 2}]}));
    let msg = c.wait_for("window/showMessage", |_| true);
    let text = msg["message"].as_str().unwrap();
    assert!(
        text.contains("backend-architect.toml:2")
            && text.contains("sevrity")
            && text.contains("allowed keys"),
        "{text}"
    );
    let cfg_diag = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"]
            .as_str()
            .unwrap()
            .ends_with("backend-architect.toml")
    });
    assert_eq!(cfg_diag["diagnostics"][0]["range"]["start"]["line"], 1);
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["SEC102", "SEC201"]);

    // Editor settings override the file.
    std::fs::write(
        root.join("backend-architect.toml"),
        "ignore = [\"SEC201\"]\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"backendArchitect": {"ignore": ["command-injection"]}}}),
    );
    let cleared = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"]
            .as_str()
            .unwrap()
            .ends_with("backend-architect.toml")
    });
    assert!(cleared["diagnostics"].as_array().unwrap().is_empty());
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["SEC201"]);

    // Unknown rule codes in editor settings: reported, not fatal.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"backendArchitect": {"select": ["NOPE42"]}}}),
    );
    let msg = c.wait_for("window/showMessage", |m| {
        m["message"].as_str().unwrap().contains("NOPE42")
    });
    assert!(msg["message"].as_str().unwrap().contains("unknown rule"));
    assert!(c.shutdown().success());
}

#[test]
fn workspace_configuration_is_requested() {
    let mut c = Client::spawn();
    c.settings = json!({"ignore": ["SEC102"]});
    c.initialize(
        json!({"workspace": {"configuration": true}}),
        json!({"severity": {"SEC201": "warning"}}),
    );
    // Settings arrive after `initialized`; a short pause lets the request complete.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while let Some(m) = c.recv(deadline) {
        c.backlog.push(m);
    }
    c.open(URI, "python", PY);
    let diags = c.diagnostics(URI, 1);
    assert_eq!(codes(&diags), vec!["SEC201"]);
    assert!(c.shutdown().success());
}

#[test]
fn express_version_and_http_timeout_reach_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(
        root.join("package.json"),
        r#"{"dependencies": {"express": "^4.21.0"}}"#,
    )
    .unwrap();
    let js = "const express = require(\"express\");\nconst router = express.Router();\nrouter.get(\"/orders/:id\", async (req, res) => {\n  res.json(await Order.findById(req.params.id));\n});\n";
    let js_uri = format!("file://{}/routes.js", root.display());
    let py = "import requests\n\n\ndef rates():\n    return requests.get(\"https://rates.example.com/v1/eur\").json()\n";
    let py_uri = format!("file://{}/client.py", root.display());

    let mut c = Client::spawn();
    c.initialize(json!({}), json!({"httpTimeout": 3}));
    c.open(&js_uri, "javascript", js);
    assert_eq!(codes(&c.diagnostics(&js_uri, 1)), vec!["ARC203"]);
    // Express 5 passes rejected promises on: the next analysis drops the finding even though
    // the document's items are cached.
    std::fs::write(
        root.join("package.json"),
        r#"{"dependencies": {"express": "^5.1.0", "left-pad": "1.3.0"}}"#,
    )
    .unwrap();
    change(&mut c, &js_uri, 2, json!([{"text": format!("{js}\n")}]));
    assert!(codes(&c.diagnostics(&js_uri, 2)).is_empty());

    c.open(&py_uri, "python", py);
    let diags = c.diagnostics(&py_uri, 1);
    assert_eq!(codes(&diags), vec!["PERF204"]);
    let resp = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": py_uri},
            "range": diags[0]["range"],
            "context": {"diagnostics": [diags[0]]}
        }),
    );
    let titles: Vec<String> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        titles.iter().any(|t| t == "PERF204: Add `timeout=3`"),
        "{titles:?}"
    );
    c.shutdown();
}

fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// A FastAPI app that mounts routers from the given modules, with `/items` and `/healthz`.
fn app_py(modules: &[&str]) -> String {
    let mut s = "from fastapi import FastAPI\n\n".to_owned();
    for (i, m) in modules.iter().enumerate() {
        s.push_str(&format!("from {m} import router as router{i}\n"));
    }
    s.push_str("\napp = FastAPI()\n");
    for i in 0..modules.len() {
        s.push_str(&format!("app.include_router(router{i})\n"));
    }
    s.push_str("\n\n@app.get(\"/items\")\ndef items():\n    return []\n\n\n@app.get(\"/healthz\")\ndef healthz():\n    return {}\n");
    s
}

/// A router with one GET route at `path`.
fn router_py(path: &str) -> String {
    format!("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"{path}\")\ndef listing():\n    return []\n")
}

/// The line of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap()
}

/// The lines the ARC101 diagnostics of a publishDiagnostics notification are on.
fn arc101_lines(params: &Value) -> Vec<u64> {
    params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "ARC101")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect()
}

/// A server on the workspace `root` whose client lets it register file watchers; returns once
/// startup indexing has ended.
fn start_watching(root: &std::path::Path) -> Client {
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(root),
            "capabilities": {
                "window": {"workDoneProgress": true},
                "workspace": {
                    "didChangeWatchedFiles": {"dynamicRegistration": true},
                    "codeLens": {"refreshSupport": true}
                }
            },
        }),
    );
    c.notify("initialized", json!({}));
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    c
}

/// `workspace/didChangeWatchedFiles` (1 created, 2 changed, 3 deleted).
fn watched(c: &mut Client, changes: &[(&std::path::Path, u8)]) {
    let changes: Vec<Value> = changes
        .iter()
        .map(|(p, t)| json!({"uri": file_uri(p), "type": t}))
        .collect();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": changes }),
    );
}

/// The URIs of the files `workspace/symbol` finds `query` in.
fn symbol_files(c: &mut Client, query: &str) -> Vec<String> {
    let resp = c.request("workspace/symbol", json!({ "query": query }));
    resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["location"]["uri"].as_str().unwrap().to_owned())
        .collect()
}

/// Reports `path` as watched-file event `kind` (after writing `text` to it, if given) and
/// returns the next publish for `uri` that has ARC101 findings (`found`) or none.
fn after_disk_change(
    c: &mut Client,
    (path, text, kind): (&std::path::Path, Option<String>, u8),
    uri: &str,
    found: bool,
) -> Value {
    if let Some(text) = text {
        std::fs::write(path, text).unwrap();
    }
    c.backlog.clear();
    watched(c, &[(path, kind)]);
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && arc101_lines(p).is_empty() != found
    })
}

#[test]
fn file_watchers_cover_source_files_when_the_client_can_register_them() {
    let mut c = Client::spawn();
    c.initialize(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        Value::Null,
    );
    let reg = c.wait_for("client/registerCapability", |_| true);
    let registration = &reg["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = registration["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(
        globs.contains(&"**/*.{py,pyi,js,mjs,cjs,jsx,ts,mts,cts,tsx}"),
        "{globs:?}"
    );
    assert!(globs.contains(&"**/backend-architect.toml"), "{globs:?}");
    assert!(globs.contains(&"**/.gitignore"), "{globs:?}");
    // Creations and deletions of anything: a directory is reported for itself alone.
    let watchers = registration["registerOptions"]["watchers"]
        .as_array()
        .unwrap();
    assert!(
        watchers.contains(&json!({"globPattern": "**/*", "kind": 5})),
        "{watchers:?}"
    );
    assert!(globs.contains(&"**/poetry.lock"), "{globs:?}");
    assert!(c.shutdown().success());

    // A client that cannot register watchers is not asked to.
    let mut c = Client::spawn();
    c.initialize(json!({}), Value::Null);
    assert!(c.quiet("client/registerCapability", |_| true));
    assert!(c.shutdown().success());
}

/// A git work tree (so `.gitignore` applies) with this `.gitignore`; its canonical root.
fn git_tree(gitignore: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join(".gitignore"), gitignore).unwrap();
    (dir, root)
}

#[test]
fn source_files_changed_on_disk_update_cross_file_findings() {
    let (_dir, root) = git_tree("staging/\n");
    std::fs::write(
        root.join("backend-architect.toml"),
        "exclude = [\"extra\"]\n",
    )
    .unwrap();
    let main_text = app_py(&["routes", "ok", "staging.routes", "extra.routes"]);
    let main = root.join("main.py");
    std::fs::write(&main, &main_text).unwrap();
    let items_line = line_of(&main_text, "@app.get(\"/items\")") as u64;
    let health_line = line_of(&main_text, "@app.get(\"/healthz\")") as u64;

    let mut c = start_watching(&root);
    // Code lenses read the index: the client is asked to refresh them once it is built, and
    // whenever the disk changes it.
    c.wait_for("workspace/codeLens/refresh", |_| true);
    let main_uri = file_uri(&main);
    c.open(&main_uri, "python", &main_text);
    assert!(!codes(&c.diagnostics(&main_uri, 1)).contains(&"ARC101".to_owned()));
    let on_main = |p: &Value| p["uri"] == main_uri.as_str();

    // Created: a router written to disk (not open) registers the app's `/items` again.
    let routes = root.join("routes.py");
    let change = |text: Option<&str>, kind| (routes.as_path(), text.map(router_py), kind);
    let p = after_disk_change(&mut c, change(Some("/items"), 1), &main_uri, true);
    assert_eq!(arc101_lines(&p), vec![items_line]);
    assert_eq!(p["version"], 1, "the open document's version");
    let message = p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "ARC101")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("routes.py"), "{message}");
    c.wait_for("workspace/codeLens/refresh", |_| true);

    // Changed: the file is read again.
    after_disk_change(&mut c, change(Some("/other"), 2), &main_uri, false);
    let p = after_disk_change(&mut c, change(Some("/items"), 2), &main_uri, true);
    assert_eq!(arc101_lines(&p), vec![items_line]);

    // Deleted: it leaves the index.
    std::fs::remove_file(&routes).unwrap();
    after_disk_change(&mut c, change(None, 3), &main_uri, false);

    // One batch: files startup indexing would skip (gitignored, excluded), and an open
    // document (its editor text wins over the disk), all duplicating `/items`, beside a file
    // that duplicates `/healthz`. Only the last counts.
    c.open(&file_uri(&routes), "python", &router_py("/other"));
    c.diagnostics(&file_uri(&routes), 1);
    std::fs::write(&routes, router_py("/items")).unwrap();
    let built = root.join("staging/routes.py");
    let generated = root.join("extra/routes.py");
    for p in [&built, &generated] {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, router_py("/items")).unwrap();
    }
    let ok = root.join("ok.py");
    std::fs::write(&ok, router_py("/healthz")).unwrap();
    c.backlog.clear();
    watched(
        &mut c,
        &[(&routes, 1), (&built, 1), (&generated, 1), (&ok, 1)],
    );
    let p = c.wait_for("textDocument/publishDiagnostics", |p| {
        on_main(p) && !arc101_lines(p).is_empty()
    });
    assert_eq!(arc101_lines(&p), vec![health_line]);

    // Workspace symbols follow the disk too.
    let files = symbol_files(&mut c, "listing");
    assert!(files.contains(&file_uri(&ok)), "{files:?}");
    assert!(!files.contains(&file_uri(&built)), "{files:?}");
    assert!(!files.contains(&file_uri(&generated)), "{files:?}");

    // A changed `.gitignore` re-reads the workspace: `staging/` counts now.
    std::fs::write(root.join(".gitignore"), "").unwrap();
    c.backlog.clear();
    watched(&mut c, &[(&root.join(".gitignore"), 2)]);
    c.wait_for("textDocument/publishDiagnostics", |p| {
        on_main(p) && arc101_lines(p) == vec![items_line, health_line]
    });
    assert!(c.shutdown().success());
}

#[test]
fn excluded_files_are_not_part_of_the_application() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let main_text = app_py(&["extra.routes", "ok"]);
    let main = root.join("main.py");
    std::fs::write(&main, &main_text).unwrap();
    std::fs::create_dir(root.join("extra")).unwrap();
    std::fs::write(root.join("extra/routes.py"), router_py("/items")).unwrap();
    std::fs::write(root.join("ok.py"), router_py("/healthz")).unwrap();
    let items_line = line_of(&main_text, "@app.get(\"/items\")") as u64;
    let health_line = line_of(&main_text, "@app.get(\"/healthz\")") as u64;
    let main_uri = file_uri(&main);
    let arc101 = |c: &mut Client| {
        c.open(&main_uri, "python", &main_text);
        c.diagnostics(&main_uri, 1)
            .iter()
            .filter(|d| d["code"] == "ARC101")
            .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };

    // Without configuration both duplicates count.
    let mut c = start_watching(&root);
    assert_eq!(arc101(&mut c), vec![items_line, health_line]);
    assert!(c.shutdown().success());

    std::fs::write(
        root.join("backend-architect.toml"),
        "exclude = [\"extra\"]\n",
    )
    .unwrap();
    let mut c = start_watching(&root);
    // Opened in the editor, an excluded file is still not part of the application.
    let generated = file_uri(&root.join("extra/routes.py"));
    c.open(&generated, "python", &router_py("/items"));
    assert!(c.diagnostics(&generated, 1).is_empty());
    assert_eq!(arc101(&mut c), vec![health_line]);

    // A changed configuration re-reads the workspace: `ok.py` leaves the index, and the open
    // `extra/routes.py` counts now.
    let config = root.join("backend-architect.toml");
    std::fs::write(&config, "exclude = [\"ok.py\"]\n").unwrap();
    c.backlog.clear();
    watched(&mut c, &[(&config, 2)]);
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri.as_str() && arc101_lines(p) == vec![items_line]
    });
    assert!(c.shutdown().success());
}

#[test]
fn a_closed_document_goes_back_to_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let main_text = app_py(&["routes"]);
    let main = root.join("main.py");
    std::fs::write(&main, &main_text).unwrap();
    let routes = root.join("routes.py");
    std::fs::write(&routes, router_py("/other")).unwrap();
    let items_line = line_of(&main_text, "@app.get(\"/items\")") as u64;
    let mut c = start_watching(&root);
    let main_uri = file_uri(&main);
    c.open(&main_uri, "python", &main_text);
    assert!(!codes(&c.diagnostics(&main_uri, 1)).contains(&"ARC101".to_owned()));

    // Unsaved editor text duplicates `/items`; closing it without saving restores the disk's.
    let routes_uri = file_uri(&routes);
    c.open(&routes_uri, "python", &router_py("/items"));
    let p = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri.as_str() && !arc101_lines(p).is_empty()
    });
    assert_eq!(arc101_lines(&p), vec![items_line]);
    c.backlog.clear();
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": routes_uri}}),
    );
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri.as_str() && arc101_lines(p).is_empty()
    });
    assert!(c.shutdown().success());
}

#[test]
fn directories_created_or_deleted_as_a_whole() {
    let (_dir, root) = git_tree("ignored/\n");
    let main_text = app_py(&["pkg.routes", "moved.routes", "ignored.routes"]);
    let main = root.join("main.py");
    std::fs::write(&main, &main_text).unwrap();
    std::fs::create_dir_all(root.join("pkg/sub")).unwrap();
    std::fs::write(root.join("pkg/routes.py"), router_py("/items")).unwrap();
    std::fs::write(root.join("pkg/sub/other.py"), router_py("/elsewhere")).unwrap();
    // A file beside the directory whose name starts the same stays.
    std::fs::write(root.join("pkg_extra.py"), router_py("/extra")).unwrap();
    let items_line = line_of(&main_text, "@app.get(\"/items\")") as u64;
    let health_line = line_of(&main_text, "@app.get(\"/healthz\")") as u64;
    let mut c = start_watching(&root);
    let main_uri = file_uri(&main);
    c.open(&main_uri, "python", &main_text);
    let first = json!({"diagnostics": c.diagnostics(&main_uri, 1)});
    assert_eq!(arc101_lines(&first), vec![items_line]);

    // Deleted: only the directory is reported.
    std::fs::remove_dir_all(root.join("pkg")).unwrap();
    c.backlog.clear();
    watched(&mut c, &[(&root.join("pkg"), 3)]);
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri.as_str() && arc101_lines(p).is_empty()
    });
    let files = symbol_files(&mut c, "listing");
    assert_eq!(files, vec![file_uri(&root.join("pkg_extra.py"))]);

    // Created (moved in): only the directory is reported; a gitignored one does not count.
    for (d, path) in [("moved", "/healthz"), ("ignored", "/items")] {
        std::fs::create_dir_all(root.join(d).join("deep")).unwrap();
        std::fs::write(root.join(d).join("routes.py"), router_py(path)).unwrap();
    }
    c.backlog.clear();
    watched(
        &mut c,
        &[(&root.join("moved"), 1), (&root.join("ignored"), 1)],
    );
    let p = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri.as_str() && !arc101_lines(p).is_empty()
    });
    assert_eq!(arc101_lines(&p), vec![health_line]);
    assert!(c.shutdown().success());
}

/// A hover and a code action on one document never wait behind another document: one of
/// 22 MB (kept, not analysed; it stalled every request for 3.8 s) or one whose tree is 10,000
/// calls deep (analysed for a while). Both answers come before the deep document's
/// diagnostics, and the times are printed.
#[test]
fn requests_never_wait_behind_a_huge_or_deep_document() {
    let mut c = start();
    c.open(URI, "python", PY);
    c.diagnostics(URI, 1);
    let hover = json!({"textDocument": {"uri": URI}, "position": {"line": 6, "character": 14}});
    let action = json!({
        "textDocument": {"uri": URI},
        "range": {"start": {"line": 6, "character": 11}, "end": {"line": 6, "character": 20}},
        "context": {"diagnostics": []}
    });
    let ask = |c: &mut Client| {
        let started = std::time::Instant::now();
        let h = c.request("textDocument/hover", hover.clone());
        let hover_took = started.elapsed();
        let a = c.request("textDocument/codeAction", action.clone());
        assert!(
            h["result"]["contents"]["value"]
                .as_str()
                .is_some_and(|v| v.contains("SEC201")),
            "{h}"
        );
        assert!(a["result"].as_array().is_some_and(|a| !a.is_empty()), "{a}");
        (hover_took, started.elapsed())
    };
    let (idle_hover, idle_both) = ask(&mut c);
    println!("idle: hover {idle_hover:?}, hover + code action {idle_both:?}");
    let huge = format!(
        "const express = require(\"express\");\n{}",
        "const a = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\";\n"
            .repeat(22 * 1024 * 1024 / 72)
    );
    assert!(huge.len() > 22_000_000);
    let deep = format!(
        "const express = require(\"express\");\nconst app = express();\napp.get(\"/x\", (req, res) => {{\n  res.send({}req.query.x{});\n}});\n{}",
        "f(\n".repeat(10_000),
        ")".repeat(10_000),
        "db.find(req.query)\n.then(f)".repeat(10_000)
    );
    for (name, text) in [("huge.js", huge), ("deep.js", deep)] {
        let uri = format!("file:///tmp/backend_architect_e2e/{name}");
        let started = std::time::Instant::now();
        c.open(&uri, "javascript", &text);
        let sent = started.elapsed();
        let (hover_took, both) = ask(&mut c);
        let published_before = c.backlog.iter().any(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
        });
        let diagnostics = c.diagnostics(&uri, 1);
        println!(
            "{name} ({} bytes): sent in {sent:?}; hover {hover_took:?}, hover + code action {both:?}; its diagnostics after {:?} ({} of them)",
            text.len(),
            started.elapsed(),
            diagnostics.len()
        );
        if name == "deep.js" {
            assert!(
                !published_before,
                "the deep document was analysed before the hover was answered"
            );
            assert!(
                codes(&diagnostics).contains(&"partial-analysis".to_owned()),
                "{diagnostics:?}"
            );
        }
    }
    assert!(c.shutdown().success());
}

#[test]
fn audit_setting_adds_findings_of_unknown_origin_marked_by_their_source() {
    const JOBS: &str = "import requests\n\n\ndef fetch_feed(feed_url):\n    return requests.get(feed_url, timeout=10)\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.py");
    std::fs::write(&file, JOBS).unwrap();
    let uri = format!("file://{}", file.display());
    let mut c = Client::spawn();
    c.initialize(json!({}), Value::Null);
    c.open(&uri, "python", JOBS);
    assert!(c.diagnostics(&uri, 1).is_empty());
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"backendArchitect": {"audit": true}}}),
    );
    let p = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri.as_str() && !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let d = &p["diagnostics"][0];
    assert_eq!(d["code"], "SEC301", "{d}");
    assert_eq!(d["source"], "backend-architect audit", "{d}");
    assert_eq!(
        d["severity"], 2,
        "one severity lower than the rule's error: {d}"
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("data of unknown origin"),
        "{d}"
    );
    assert!(c.shutdown().success());
}
