//! The path a taint finding carries: its source, then each step the data took (assignments,
//! container stores, helper calls), in order, as the engine hands them to every output.

use ba_config::RuleSet;
use ba_engine::{analyze, analyze_text, analyze_with_external, modules, outgoing, ItemCache};
use ba_rules::Finding;
use ba_syntax::Language;

/// (kind, message, 1-based line) of each location on the path of the one finding of `code`.
fn path_of(source: &str, findings: &[Finding], code: &str) -> Vec<(&'static str, String, usize)> {
    let hits: Vec<&Finding> = findings.iter().filter(|f| f.code() == code).collect();
    assert_eq!(hits.len(), 1, "one {code} finding expected: {findings:#?}");
    let line = |o: usize| source[..o].matches('\n').count() + 1;
    hits[0]
        .path()
        .map(|r| (r.kind.name(), r.message.clone(), line(r.range.start)))
        .collect()
}

fn python(source: &str) -> Vec<Finding> {
    analyze_text("views.py", Language::Python, source, &RuleSet::default())
}

fn javascript(source: &str) -> Vec<Finding> {
    analyze_text(
        "routes.js",
        Language::JavaScript,
        source,
        &RuleSet::default(),
    )
}

fn step(message: &str, line: usize) -> (&'static str, String, usize) {
    ("step", message.to_owned(), line)
}

#[test]
fn a_reassignment_chain_is_every_name_in_order() {
    let source = "\
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.post(\"/convert\")
def convert():
    raw = request.form[\"name\"]
    name = raw.strip()
    target = name + \".pdf\"
    command = \"convert \" + target
    subprocess.run(command, shell=True)
    return \"ok\"
";
    let findings = python(source);
    let path = path_of(source, &findings, "SEC102");
    assert_eq!(
        path,
        vec![
            (
                "source",
                "request data `request.form[\"name\"]`".to_owned(),
                9
            ),
            step("assigned to `raw`", 9),
            step("assigned to `name`", 10),
            step("assigned to `target`", 11),
            step("assigned to `command`", 12),
        ]
    );
    let sql = findings.iter().find(|f| f.code() == "SEC102").unwrap();
    assert_eq!(
        sql.path_summary(source, |o| source[..o].matches('\n').count() + 1)
            .unwrap(),
        "from request data `request.form[\"name\"]` (line 9) via `raw` (line 9) → `name` (line 10) → `target` (line 11) → `command` (line 12)"
    );
}

#[test]
fn a_container_store_and_read_are_steps() {
    let source = "\
import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.get(\"/search\")
def search():
    params = {\"order\": \"name\"}
    params[\"term\"] = request.args.get(\"q\", \"\")
    term = params[\"term\"]
    conn = sqlite3.connect(\"app.db\")
    return conn.execute(\"SELECT * FROM items WHERE name = '\" + term + \"'\").fetchall()
";
    let path = path_of(source, &python(source), "SEC101");
    assert_eq!(
        path,
        vec![
            (
                "source",
                "request data `request.args.get(\"q\", \"\")`".to_owned(),
                10
            ),
            step("stored in `params[\"term\"]`", 10),
            step("assigned to `term`", 11),
        ]
    );
}

#[test]
fn a_helper_in_the_same_file_is_a_step() {
    let source = "\
import sqlite3
from flask import Flask, request

app = Flask(__name__)


def by_name(name):
    return \"SELECT * FROM users WHERE name = '\" + name + \"'\"


@app.get(\"/users\")
def users():
    name = request.args.get(\"name\")
    query = by_name(name)
    conn = sqlite3.connect(\"app.db\")
    return conn.execute(query).fetchone()
";
    let path = path_of(source, &python(source), "SEC101");
    assert_eq!(
        path,
        vec![
            (
                "source",
                "request data `request.args.get(\"name\")`".to_owned(),
                13
            ),
            step("assigned to `name`", 13),
            step("returned by `by_name()`", 14),
            step("assigned to `query`", 14),
        ]
    );
}

#[test]
fn a_helper_in_another_module_starts_the_path_at_its_parameter() {
    let handler = "\
from flask import request

from .services import files


@app.get(\"/download\")
def download():
    folder = request.args.get(\"folder\")
    return files.read_report(folder)
";
    let service = "\
import os


def read_report(folder):
    base = os.path.join(\"/srv/reports\", folder)
    with open(base) as f:
        return f.read()
";
    let rules = RuleSet::default();
    let tree = ba_syntax::parse::parse(Language::Python, handler, None).unwrap();
    let calls = outgoing(Language::Python, handler, &tree, &rules);
    let map = modules::ModuleMap::new([
        (std::path::Path::new("app/views.py"), Language::Python),
        (
            std::path::Path::new("app/services/files.py"),
            Language::Python,
        ),
    ]);
    let external = map
        .external_entries(&[("app/views.py".into(), Language::Python, calls)])
        .remove(std::path::Path::new("app/services/files.py"))
        .expect("entries for the service");
    let tree = ba_syntax::parse::parse(Language::Python, service, None).unwrap();
    let findings = analyze_with_external(
        "app/services/files.py",
        Language::Python,
        service,
        &tree,
        &rules,
        external,
    );
    let path = path_of(service, &findings, "SEC302");
    assert_eq!(
        path,
        vec![
            (
                "source",
                "request data `request.args.get(\"folder\")` via `folder` passed to `read_report()` by `download()` (app/views.py)"
                    .to_owned(),
                4
            ),
            step("assigned to `base`", 5),
        ]
    );
}

#[test]
fn javascript_paths_follow_destructuring_and_objects() {
    let source = "\
const express = require(\"express\");
const { exec } = require(\"child_process\");
const router = express.Router();

router.post(\"/export\", (req, res) => {
  const { format } = req.body;
  const options = { flag: \"--fast\" };
  options.format = format;
  const command = \"export --format \" + options.format;
  exec(command, () => res.send(\"ok\"));
});
";
    let path = path_of(source, &javascript(source), "SEC102");
    assert_eq!(path[0].0, "source");
    assert_eq!(
        path[1..].to_vec(),
        vec![
            step("assigned to `format`", 6),
            step("stored in `options[\"format\"]`", 8),
            step("assigned to `command`", 9),
        ]
    );
}

#[test]
fn a_long_chain_keeps_its_ends_and_counts_the_rest() {
    let mut source = String::from(
        "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.get(\"/run\")\ndef run():\n    v0 = request.args[\"cmd\"]\n",
    );
    for i in 1..=12 {
        source.push_str(&format!("    v{i} = v{} + \" \"\n", i - 1));
    }
    source.push_str("    os.system(v12)\n    return \"\"\n");
    let findings = python(&source);
    let path = path_of(&source, &findings, "SEC102");
    let kinds: Vec<&str> = path.iter().map(|p| p.0).collect();
    assert_eq!(
        kinds,
        ["source", "step", "step", "step", "elided", "step", "step", "step", "step"]
    );
    assert_eq!(path[1].1, "assigned to `v0`");
    assert_eq!(path[4].1, "6 more steps");
    assert_eq!(path.last().unwrap().1, "assigned to `v12`");
}

#[test]
fn cached_findings_move_their_path_with_the_item() {
    let source = "\
import os
from flask import Flask, request

app = Flask(__name__)


@app.get(\"/run\")
def run():
    cmd = request.args[\"cmd\"]
    os.system(cmd)
    return \"\"
";
    let rules = RuleSet::default();
    let mut cache = ItemCache::default();
    let run = |text: &str, cache: &mut ItemCache| {
        let tree = ba_syntax::parse::parse(Language::Python, text, None).unwrap();
        let findings = analyze("v.py", Language::Python, text, &tree, &rules, Some(cache));
        path_of(text, &findings, "SEC102")
    };
    let before = run(source, &mut cache);
    let moved = source.replace("app = Flask", "# a comment\n\napp = Flask");
    let after = run(&moved, &mut cache);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((b.0, &b.1, b.2 + 2), (a.0, &a.1, a.2));
    }
}

/// Steps are recorded for request data: a finding about a function's own parameter (the
/// injection rules report those too) points at the parameter, and its locals are not steps.
#[test]
fn a_functions_own_parameter_is_its_whole_path() {
    let source = "import os\n\n\ndef run(cmd):\n    full = \"ls \" + cmd\n    os.system(full)\n";
    let path = path_of(source, &python(source), "SEC102");
    assert_eq!(path, vec![("source", "parameter `cmd`".to_owned(), 4)]);
}

/// A service that calls the same repository function twice with its parameter, once reduced
/// to a base name and once as it came, passes it on for path sinks: the calls' sinks merge.
#[test]
fn relays_of_one_argument_merge_their_sinks() {
    let service = "\
import os

from app.repositories import files


def fetch(name):
    files.read(os.path.basename(name))
    return files.read(name)
";
    let rules = RuleSet::default();
    let tree = ba_syntax::parse::parse(Language::Python, service, None).unwrap();
    let calls = ba_engine::outgoing_and_relays(Language::Python, service, &tree, &rules);
    let relays: Vec<_> = calls.iter().filter(|c| c.relay.is_some()).collect();
    assert_eq!(relays.len(), 1, "{calls:#?}");
    let path = 1 << (ba_analysis::Sink::Path as u8);
    assert_ne!(relays[0].entry.sinks & path, 0, "{relays:#?}");
}
