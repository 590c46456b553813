//! The CLI: exit codes, formats, configuration and bad input.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_backend-architect");

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("app")).unwrap();
    std::fs::write(
        p.join("app/views.py"),
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n    os.system(\"ls\")\n",
    )
    .unwrap();
    std::fs::write(
        p.join("app/safe.py"),
        "import yaml\n\ndef load(f):\n    return yaml.safe_load(f)\n",
    )
    .unwrap();
    std::fs::write(
        p.join("app/server.js"),
        "const cp = require('child_process');\nmodule.exports = (x) => cp.exec('ls ' + x);\n",
    )
    .unwrap();
    std::fs::write(p.join("README.txt"), "not code").unwrap();
    dir
}

#[test]
fn exit_codes_and_text_output() {
    let dir = project();
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("app/views.py:4:5: SEC102 `os.system` runs `cmd` through a shell"),
        "{text}"
    );
    assert!(text.contains("app/server.js:2:25: SEC102"), "{text}");
    assert!(text.contains("Found 2 findings in 3 files."), "{text}");

    let out = run(dir.path(), &["check", "app/safe.py"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("All checks passed (1 file checked)."));

    let out = run(dir.path(), &["check", "--exit-zero", "."]);
    assert_eq!(out.status.code(), Some(0));

    let out = run(dir.path(), &["check", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does-not-exist: no such file or directory"));

    let out = run(dir.path(), &["check", "--format", "xml", "."]);
    assert_eq!(out.status.code(), Some(2));

    let out = run(dir.path(), &["check", "--select", "NOPE1", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown rule `NOPE1`"),
        "{}",
        stderr(&out)
    );

    let out = run(dir.path(), &["check", "--ignore", "command-injection", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn json_output() {
    let dir = project();
    let out = run(dir.path(), &["check", "--format", "json", "app/views.py"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v[0];
    assert_eq!(f["code"], "SEC102");
    assert_eq!(f["name"], "command-injection");
    assert_eq!(f["path"], "app/views.py");
    assert_eq!(f["start"]["line"], 4);
    assert_eq!(f["start"]["column"], 5);
    assert_eq!(f["cwe"][0], "CWE-78");
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[test]
fn sarif_output() {
    let dir = project();
    let out = run(
        dir.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--output-file",
            "report.sarif",
            ".",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.sarif")).unwrap())
            .unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let sql = rules.iter().find(|r| r["id"] == "SEC101").unwrap();
    assert_eq!(sql["name"], "sql-injection");
    assert!(sql["properties"]["tags"]
        .as_array()
        .unwrap()
        .contains(&Value::from("CWE-89")));
    assert!(sql["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("## Use instead"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let r = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/views.py"
        })
        .unwrap();
    assert_eq!(r["ruleId"], "SEC102");
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "SEC102"
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

#[test]
fn config_file_is_honoured_and_errors_are_clear() {
    let dir = project();
    std::fs::write(
        dir.path().join("backend-architect.toml"),
        "exclude = [\"app/server.js\"]\n[severity]\nSEC102 = \"warning\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "--format", "json", "."]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["severity"], "warning");

    std::fs::write(
        dir.path().join("backend-architect.toml"),
        "selct = [\"SEC\"]\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("backend-architect.toml:1")
            && err.contains("selct")
            && err.contains("allowed keys"),
        "{err}"
    );

    std::fs::remove_file(dir.path().join("backend-architect.toml")).unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.backend-architect]\nignore = [\"SEC1\"]\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn bad_files_are_skipped_with_one_line_each() {
    let dir = project();
    std::fs::write(
        dir.path().join("app/latin1.py"),
        b"x = '\xe9'\nos.system(x)\n",
    )
    .unwrap();
    let big = format!(
        "import os\nos.system(input())\n{}",
        "x = 1\n".repeat(400_000)
    );
    std::fs::write(dir.path().join("app/huge.py"), big).unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules/lib")).unwrap();
    std::fs::write(
        dir.path().join("node_modules/lib/index.js"),
        "eval(process.argv[2]);\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("app/latin1.py: skipped, not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("app/huge.py: skipped"), "{err}");
    assert!(!stdout(&out).contains("node_modules"));
    assert_eq!(err.lines().count(), 2, "{err}");
}

#[test]
fn rules_and_explain() {
    let dir = project();
    let out = run(dir.path(), &["rules"]);
    assert!(stdout(&out).contains("SEC101   sql-injection"));
    let out = run(dir.path(), &["rules", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 4);
    let out = run(dir.path(), &["explain", "sql-injection"]);
    assert!(stdout(&out).starts_with("# SEC101 sql-injection"));
    let out = run(dir.path(), &["explain", "SEC999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule is called `SEC999`"));
    let out = run(dir.path(), &["--version"]);
    assert!(stdout(&out).starts_with("backend-architect "));
    let out = run(dir.path(), &["bogus"]);
    assert_eq!(out.status.code(), Some(2));
}
