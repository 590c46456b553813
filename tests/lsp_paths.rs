//! A taint finding's path over LSP: `relatedInformation` lists the source and each step in the
//! order the data took them, and the hover says the path in one line.

mod common;

use common::{codes, Client};
use serde_json::{json, Value};

const URI: &str = "file:///tmp/backend_architect_paths/views.py";
const VIEWS: &str = "\
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.post(\"/convert\")
def convert():
    raw = request.form[\"name\"]
    name = raw.strip()
    jobs = []
    jobs.append(name)
    command = \"convert \" + jobs[0]
    subprocess.run(command, shell=True)
    return \"ok\"
";

#[test]
fn related_information_lists_the_path_in_order() {
    let mut c = Client::spawn();
    c.initialize(
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        Value::Null,
    );
    c.open(URI, "python", VIEWS);
    let diags = c.diagnostics(URI, 1);
    assert!(codes(&diags).iter().any(|c| c == "SEC102"), "{diags:#?}");
    let sec102 = diags.iter().find(|d| d["code"] == "SEC102").unwrap();
    let related: Vec<(u64, String)> = sec102["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["location"]["uri"], URI);
            (
                r["location"]["range"]["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            (8, "request data `request.form[\"name\"]`".to_owned()),
            (8, "assigned to `raw`".to_owned()),
            (9, "assigned to `name`".to_owned()),
            (11, "stored in `jobs`".to_owned()),
            (12, "assigned to `command`".to_owned()),
        ]
    );
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": sec102["range"]["start"]}),
    );
    let value = resp["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp:#}"));
    assert!(
        value.contains("data path: from request data `request.form[\"name\"]` (line 9) via `raw` (line 9) → `name` (line 10) → `jobs` (line 12) → `command` (line 13) → sink (line 14)"),
        "{value}"
    );
    assert!(c.shutdown().success());
}
