//! A team's own validation functions as `[[models]]` rows (`validator = [...]`): a condition
//! that calls one cleans its first argument, in Python and JavaScript alike, the way built-in
//! checks such as `isdigit()` or validator.js's `isInt` do. Without the row the same code is
//! reported; a function the row does not name still is.

mod common;

use common::cli::{run, write};
use serde_json::Value;

const VIEWS: &str = "\
import subprocess

from flask import Flask, abort, request

from app import checks

app = Flask(__name__)


@app.post(\"/restock\")
def restock():
    sku = request.form[\"sku\"]
    if not checks.known_sku(sku):
        abort(400)
    subprocess.run(\"restock \" + sku, shell=True)
    return \"ok\"


@app.post(\"/reprice\")
def reprice():
    sku = request.form[\"sku\"]
    if not checks.in_stock(sku):
        abort(404)
    subprocess.run(\"reprice \" + sku, shell=True)
    return \"ok\"
";

const ROUTES: &str = "\
const express = require(\"express\");
const { exec } = require(\"child_process\");
const { knownSku, inStock } = require(\"./checks\");

const router = express.Router();

router.post(\"/restock\", (req, res) => {
  const sku = req.body.sku;
  if (!knownSku(sku)) {
    return res.status(400).send(\"unknown sku\");
  }
  exec(\"restock \" + sku, () => res.send(\"ok\"));
});

router.post(\"/reprice\", (req, res) => {
  const sku = req.body.sku;
  if (!inStock(sku)) {
    return res.status(404).send(\"not in stock\");
  }
  exec(\"reprice \" + sku, () => res.send(\"ok\"));
});

module.exports = router;
";

/// (path, line) of each SEC102 finding, with `config` as backend-architect.toml.
fn shell_findings(config: &str) -> Vec<(String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/views.py", VIEWS);
    write(dir.path(), "src/routes.js", ROUTES);
    write(dir.path(), "backend-architect.toml", config);
    let out = run(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--select",
            "SEC102",
            "--format",
            "json",
            ".",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn user_validators_clean_what_they_check() {
    let all = vec![
        ("app/views.py".to_owned(), 15),
        ("app/views.py".to_owned(), 24),
        ("src/routes.js".to_owned(), 12),
        ("src/routes.js".to_owned(), 20),
    ];
    assert_eq!(shell_findings(""), all);
    let rows = "[[models]]\nvalidator = [\"known_sku\"]\nlanguage = \"python\"\n\n[[models]]\nvalidator = [\"knownSku\"]\nlanguage = \"javascript\"\n";
    assert_eq!(
        shell_findings(rows),
        vec![
            ("app/views.py".to_owned(), 24),
            ("src/routes.js".to_owned(), 20),
        ]
    );
}

#[test]
fn user_validators_are_listed_by_the_models_command() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "backend-architect.toml",
        "[[models]]\nvalidator = [\"known_sku\"]\nlanguage = \"python\"\n",
    );
    let out = run(dir.path(), &["models", "--format", "json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "validator"
                && r["name"] == "known_sku"
                && r["language"] == "python"
                && r["builtin"] == false),
        "{rows:#}"
    );
}
