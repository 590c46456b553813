//! A taint finding's path in `check`'s outputs: the text report's "data path" line and SARIF's
//! `codeFlows` (every step in order, then the sink) with the same steps in `relatedLocations`.

mod common;

use common::cli::{run, stdout};
use serde_json::Value;

const VIEWS: &str = "\
import sqlite3
from flask import Flask, request

app = Flask(__name__)


def by_name(name):
    return \"SELECT * FROM users WHERE name = '\" + name + \"'\"


@app.get(\"/users\")
def users():
    raw = request.args.get(\"name\", \"\")
    name = raw.strip()
    filters = {\"active\": True}
    filters[\"name\"] = name
    query = by_name(filters[\"name\"])
    conn = sqlite3.connect(\"app.db\")
    return conn.execute(query).fetchone()
";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/views.py"), VIEWS).unwrap();
    dir
}

#[test]
fn the_text_report_says_where_the_data_went() {
    let dir = project();
    let out = run(
        dir.path(),
        &["check", "--select", "SEC101", "--no-cache", "."],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn sarif_code_flows_list_every_step_in_order() {
    let dir = project();
    let out = run(
        dir.path(),
        &[
            "check",
            "--select",
            "SEC101",
            "--no-cache",
            "--format",
            "sarif",
            ".",
        ],
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    let flow = &result["codeFlows"][0]["threadFlows"][0]["locations"];
    let steps: Vec<String> = flow
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{} {} {}: {}",
                l["executionOrder"],
                l["kinds"][0].as_str().unwrap(),
                l["location"]["physicalLocation"]["region"]["startLine"],
                l["location"]["message"]["text"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(steps.join("\n"));
    // The same places, in the same order, as related locations (the sink is the result).
    let related: Vec<&Value> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["physicalLocation"]["region"])
        .collect();
    let on_flow: Vec<&Value> = flow.as_array().unwrap()[..flow.as_array().unwrap().len() - 1]
        .iter()
        .map(|l| &l["location"]["physicalLocation"]["region"])
        .collect();
    assert_eq!(related, on_flow);
    assert_eq!(
        result["codeFlows"][0]["message"]["text"],
        "from request data `request.args.get(\"name\", \"\")` (line 13) via `raw` (line 13) → `name` (line 14) → `filters[\"name\"]` (line 16) → `by_name()` (line 17) → `query` (line 17)"
    );
}

#[test]
fn the_html_report_lists_the_data_path_then_the_sink() {
    let dir = project();
    let out = run(
        dir.path(),
        &[
            "check",
            "--select",
            "SEC101",
            "--no-cache",
            "--format",
            "html",
            ".",
        ],
    );
    let page = stdout(&out);
    let start = page.find("<ol class=\"steps\">").expect("a data path");
    let list = &page[start..start + page[start..].find("</ol>").unwrap()];
    let kinds: Vec<&str> = list
        .split("<li class=\"step-")
        .skip(1)
        .map(|li| li.split('"').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["source", "step", "step", "step", "step", "step", "sink"],
        "{list}"
    );
    assert!(
        list.contains("app&#x2f;views.py:16:23</span> stored in `filters[&quot;name&quot;]`"),
        "{list}"
    );
    assert!(
        list.contains("sink: sql-injection <code>query</code>"),
        "{list}"
    );
}
