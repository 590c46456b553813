//! End to end: fix-all (`source.fixAll.backend-architect`, what editors run on save) over the
//! real binary's stdio, on documents with several findings; the resulting text is asserted
//! exactly, and re-opening it leaves only what has no safe fix.

mod common;

use common::{codes, Client};
use serde_json::{json, Value};

fn start() -> Client {
    let mut c = Client::spawn();
    c.initialize(
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        Value::Null,
    );
    c
}

/// Applies LSP edits (UTF-16 positions; the texts here are ASCII) the way an editor does:
/// every range refers to the original text.
fn apply(text: &str, edits: &[Value]) -> String {
    let lines: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let off = |p: &Value| {
        lines[p["line"].as_u64().unwrap() as usize] + p["character"].as_u64().unwrap() as usize
    };
    let mut edits: Vec<(usize, usize, usize, String)> = edits
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                i,
                off(&e["range"]["start"]),
                off(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Back to front; of two insertions at one point the later-listed goes in first, so they
    // end up in the order listed.
    edits.sort_by_key(|e| std::cmp::Reverse((e.1, e.0)));
    let mut out = text.to_owned();
    for (_, s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

fn fix_all(c: &mut Client, uri: &str, text: &str) -> Option<String> {
    let resp = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll"], "triggerKind": 2}
        }),
    );
    let actions = resp["result"].as_array().unwrap();
    assert!(actions.len() <= 1, "{actions:?}");
    let action = actions.first()?;
    assert_eq!(action["kind"], "source.fixAll.backend-architect");
    let edits = action["edit"]["changes"][uri].as_array().unwrap();
    // One edit per change, none overlapping.
    let mut ranges: Vec<(u64, u64, u64, u64)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            (
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    ranges.sort();
    for w in ranges.windows(2) {
        assert!(
            (w[0].2, w[0].3) <= (w[1].0, w[1].1),
            "overlapping edits: {edits:?}"
        );
    }
    Some(apply(text, edits))
}

#[test]
fn fix_all_on_a_python_service() {
    let mut c = start();
    let uri = "file:///tmp/backend_architect_fix_all/service.py";
    let text = "\"\"\"Billing service.\"\"\"\nimport subprocess\n\nimport requests\nimport yaml\nfrom flask import Flask, request\n\napp = Flask(__name__)\nAPI_TOKEN = \"tok-9f8e7d6c5b4a3f2e1d0c\"\n\n\n@app.post(\"/import\")\ndef import_rates():\n    rates = yaml.load(request.data)\n    subprocess.run([\"convert\", request.form[\"path\"]], shell=True)\n    resp = requests.get(\"https://rates.example.com\", verify=False, timeout=5)\n    return {\"rates\": rates, \"upstream\": resp.json()}\n\n\nif __name__ == \"__main__\":\n    app.run(debug=True)\n";
    c.open(uri, "python", text);
    let before = codes(&c.diagnostics(uri, 1));
    assert_eq!(
        before,
        vec!["SEC501", "SEC201", "SEC102", "SEC604", "SEC401"],
        "the case must have these findings"
    );
    let fixed = fix_all(&mut c, uri, text).expect("a fix-all action");
    assert_eq!(
        fixed,
        "\"\"\"Billing service.\"\"\"\nimport os\nimport subprocess\n\nimport requests\nimport yaml\nfrom flask import Flask, request\n\napp = Flask(__name__)\nAPI_TOKEN = \"tok-9f8e7d6c5b4a3f2e1d0c\"\n\n\n@app.post(\"/import\")\ndef import_rates():\n    rates = yaml.safe_load(request.data)\n    subprocess.run([\"convert\", request.form[\"path\"]])\n    resp = requests.get(\"https://rates.example.com\", timeout=5)\n    return {\"rates\": rates, \"upstream\": resp.json()}\n\n\nif __name__ == \"__main__\":\n    app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")\n"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    // Only the unsafe one is left (the secret's fix needs a decision about deployment), beside
    // ARC103 (the app has no health endpoint), which has no fix.
    assert_eq!(codes(&c.diagnostics(uri, 2)), vec!["ARC103", "SEC501"]);
    assert_eq!(
        fix_all(&mut c, uri, &fixed),
        None,
        "nothing safe left to fix"
    );
    assert!(c.shutdown().success());
}

#[test]
fn fix_all_on_an_express_app_with_crlf() {
    let mut c = start();
    let uri = "file:///tmp/backend_architect_fix_all/server.js";
    let text = "const express = require(\"express\");\r\nconst crypto = require(\"crypto\");\r\nconst cors = require(\"cors\");\r\n\r\nconst app = express();\r\napp.use(cors());\r\n\r\napp.post(\"/login\", (req, res) => {\r\n  const token = crypto.pseudoRandomBytes(32).toString(\"hex\");\r\n  res.cookie(\"session\", token);\r\n  res.cookie(\"csrf\", token, { httpOnly: false, maxAge: 3600000 });\r\n  res.sendStatus(204);\r\n});\r\n\r\nmodule.exports = app;\r\n";
    c.open(uri, "javascript", text);
    let before = codes(&c.diagnostics(uri, 1));
    assert!(
        before.iter().filter(|c| *c == "SEC403").count() == 2
            && before.contains(&"SEC505".to_owned())
            && before.contains(&"SEC404".to_owned()),
        "{before:?}"
    );
    let fixed = fix_all(&mut c, uri, text).expect("a fix-all action");
    assert_eq!(
        fixed,
        "const express = require(\"express\");\r\nconst crypto = require(\"crypto\");\r\nconst cors = require(\"cors\");\r\n\r\nconst app = express();\r\napp.use(cors());\r\n\r\napp.post(\"/login\", (req, res) => {\r\n  const token = crypto.randomBytes(32).toString(\"hex\");\r\n  res.cookie(\"session\", token, { httpOnly: true, secure: true, sameSite: \"lax\" });\r\n  res.cookie(\"csrf\", token, { httpOnly: false, maxAge: 3600000, secure: true, sameSite: \"lax\" });\r\n  res.sendStatus(204);\r\n});\r\n\r\nmodule.exports = app;\r\n",
        "a CSRF cookie stays readable by scripts (the double-submit pattern needs that)"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let after = codes(&c.diagnostics(uri, 2));
    assert!(
        !after.iter().any(|c| c == "SEC403" || c == "SEC505")
            && after.contains(&"SEC404".to_owned()),
        "the unsafe CORS fix is not applied on save: {after:?}"
    );
    assert!(c.shutdown().success());
}

#[test]
fn suppression_actions_for_javascript_silence_the_finding() {
    let mut c = start();
    let uri = "file:///tmp/backend_architect_fix_all/token.js";
    let text = "#!/usr/bin/env node\nconst crypto = require(\"crypto\");\n\nfunction token() {\n  return crypto.pseudoRandomBytes(16).toString(\"hex\");\n}\n\nmodule.exports = { token };\n";
    c.open(uri, "javascript", text);
    let diags = c.diagnostics(uri, 1);
    assert_eq!(codes(&diags), vec!["SEC505"]);
    let resp = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": diags[0]["range"],
            "context": {"diagnostics": [diags[0]], "only": ["quickfix"]}
        }),
    );
    let actions = resp["result"].as_array().unwrap();
    let mut version = 1;
    for title in [
        "Suppress SEC505 on this line",
        "Suppress SEC505 in this file",
    ] {
        let action = actions
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no `{title}` in {actions:?}"));
        let after = apply(text, action["edit"]["changes"][uri].as_array().unwrap());
        version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": after}]}),
        );
        assert!(c.diagnostics(uri, version).is_empty(), "{title}: {after}");
        if title.contains("file") {
            assert!(
                after.starts_with(
                    "#!/usr/bin/env node\n// backend-architect: ignore-file[SEC505]\n"
                ),
                "{after}"
            );
        } else {
            assert!(
                after.contains("\n  // backend-architect: ignore[SEC505]\n  return crypto"),
                "{after}"
            );
        }
    }
    assert!(c.shutdown().success());
}

/// Any client can fix on save without editor-specific code: `willSaveWaitUntil` returns the
/// edits of fix-all when the user turned `fixOnSave` on, and nothing otherwise. `willSave` and
/// `didSave` are accepted without a word in the log.
#[test]
fn will_save_wait_until_returns_the_safe_fixes_when_fix_on_save_is_on() {
    let text = "import yaml\nimport subprocess\n\n\ndef load(stream, cmd):\n    subprocess.run(cmd, shell=True)\n    return yaml.load(stream)\n";
    let uri = "file:///tmp/backend_architect_fix_all/on_save.py";
    let will_save = |c: &mut Client| {
        c.request(
            "textDocument/willSaveWaitUntil",
            json!({"textDocument": {"uri": uri}, "reason": 1}),
        )
    };
    for (options, on) in [
        (Value::Null, false),
        (json!({"fixOnSave": false}), false),
        (json!({"fixOnSave": true, "select": ["SEC"]}), true),
        (json!({"backendArchitect": {"fixOnSave": true}}), true),
    ] {
        let mut c = Client::spawn();
        let resp = c.initialize(
            json!({"general": {"positionEncodings": ["utf-16"]}, "textDocument": {"synchronization": {"willSaveWaitUntil": true, "didSave": true}}}),
            options.clone(),
        );
        assert_eq!(
            resp["result"]["capabilities"]["textDocumentSync"]["willSaveWaitUntil"],
            true
        );
        c.open(uri, "python", text);
        assert_eq!(codes(&c.diagnostics(uri, 1)), vec!["SEC102", "SEC201"]);
        c.notify(
            "textDocument/willSave",
            json!({"textDocument": {"uri": uri}, "reason": 1}),
        );
        let resp = will_save(&mut c);
        assert!(resp.get("error").is_none(), "{resp}");
        if on {
            let edits = resp["result"].as_array().expect("edits");
            let saved = apply(text, edits);
            assert_eq!(Some(saved.clone()), fix_all(&mut c, uri, text), "{options}");
            // SEC201's fix is safe; SEC102's (a command string from a parameter) is not.
            assert!(saved.contains("yaml.safe_load(stream)") && saved.contains("shell=True"));
            // The editor applies the edits and saves.
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": saved}]}),
            );
            assert_eq!(codes(&c.diagnostics(uri, 2)), vec!["SEC102"]);
            assert!(will_save(&mut c)["result"].is_null(), "nothing left to fix");
        } else {
            assert!(resp["result"].is_null(), "{options}: {resp}");
        }
        c.notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri}}),
        );
        // A request after it: the notifications before it have been handled.
        c.request("workspace/symbol", json!({"query": ""}));
        std::thread::sleep(std::time::Duration::from_millis(100));
        let log = c.log();
        assert!(!log.contains("not implemented"), "{log}");
        assert!(!log.contains("WARN") && !log.contains("ERROR"), "{log}");
        assert!(c.shutdown().success());
    }
}
