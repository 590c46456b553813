//! The CLI: exit codes, formats, configuration and bad input.

mod common;

use std::process::Command;

use common::cli::{run, stderr, stdout, write};
use common::BIN;
use serde_json::Value;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("app")).unwrap();
    std::fs::write(
        p.join("app/views.py"),
        "import os\n\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n    os.system(\"ls\")\n",
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
        text.contains("app/views.py:4:5: SEC102 `os.system` runs `\"ls \" + cmd` through a shell"),
        "{text}"
    );
    assert!(text.contains("app/server.js:2:25: SEC102"), "{text}");
    assert!(
        text.contains("Found 2 findings in 2 files (3 files checked)."),
        "{text}"
    );

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
        .contains(&Value::from("external/cwe/cwe-89")));
    // What code-scanning services read: the tool's version, a help link per rule, a score for
    // security rules (none for architecture suggestions).
    assert_eq!(
        run["tool"]["driver"]["version"],
        env!("CARGO_PKG_VERSION"),
        "{:#}",
        run["tool"]["driver"]["version"]
    );
    assert!(sql["helpUri"]
        .as_str()
        .unwrap()
        .ends_with("/docs/rules.md#sec101-sql-injection"));
    assert_eq!(sql["properties"]["security-severity"], "8.0");
    let arc = rules
        .iter()
        .find(|r| r["id"].as_str().unwrap().starts_with("ARC"))
        .unwrap();
    assert!(
        arc["properties"].get("security-severity").is_none(),
        "{arc:#}"
    );
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
    // The data's path: where `cmd` enters (the parameter, line 3) to the sink (line 4).
    assert_eq!(
        r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    let flow = &r["codeFlows"][0]["threadFlows"][0]["locations"];
    assert_eq!(flow.as_array().unwrap().len(), 2, "{r:#}");
    assert_eq!(
        flow[0]["location"]["physicalLocation"]["region"]["startLine"],
        3
    );
    assert_eq!(
        flow[1]["location"]["physicalLocation"]["region"]["startLine"],
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
    assert!(
        err.contains("Skipped 2 files: 1 too large, 1 not UTF-8."),
        "{err}"
    );
    assert_eq!(err.lines().count(), 3, "{err}");
}

#[test]
fn rules_and_explain() {
    let dir = project();
    let out = run(dir.path(), &["rules"]);
    // Columns are padded to the longest code (`PERF201`), so compare words, not spaces.
    assert!(stdout(&out)
        .lines()
        .any(|l| l.split_whitespace().take(2).eq(["SEC101", "sql-injection"])));
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

#[test]
fn github_and_junit_formats() {
    let dir = project();
    let out = run(dir.path(), &["check", "--format", "github", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("::error file=app/views.py,line=4,col=5,endLine=4,endColumn=14,title=SEC102 command-injection::`os.system` runs"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2);

    let out = run(dir.path(), &["check", "--format", "junit", "."]);
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(
            "<testsuites name=\"backend-architect\" tests=\"3\" skipped=\"0\" failures=\"2\" errors=\"0\">"
        ),
        "{xml}"
    );
    assert!(xml.contains("type=\"SEC102\">"), "{xml}");
    assert!(xml.contains("name=\"1 file without findings\""), "{xml}");
    assert_eq!(xml.matches("<testcase").count(), 3);
}

#[test]
fn statistics_and_fail_on() {
    let dir = project();
    let out = run(dir.path(), &["check", "--statistics", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(
        text.trim().lines().next(),
        Some("2  SEC102       command-injection"),
        "{text}"
    );
    assert!(
        text.contains("Files by class:\n     3  runtime      checked with every rule"),
        "{text}"
    );

    std::fs::write(
        dir.path().join("backend-architect.toml"),
        "[severity]\nSEC102 = \"warning\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "--fail-on", "error", "."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings do not fail with --fail-on error"
    );
    let out = run(dir.path(), &["check", "--fail-on", "warning", "."]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(dir.path(), &["check", "--fail-on", "loud", "."]);
    assert_eq!(out.status.code(), Some(2));
}

/// Files are classified once: rules run on the classes they declare, `--statistics` counts the
/// files of each class, `include-classes` turns a class back on, an unknown class is an error.
#[test]
fn file_classes_decide_which_rules_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let files = [
        // Runtime: an outbound call without a timeout is reported.
        ("app/client.py", "import requests\n\ndef fetch(url):\n    return requests.get(url)\n"),
        // A migration: the same call is not (a one-off run), a live key is.
        (
            "alembic/versions/1a2b_backfill.py",
            "import requests\nfrom alembic import op\n\nrevision = \"1a2b\"\ndown_revision = None\nKEY = \"sk_live_51HxQ2eLkdIwq8V9t4bGkR3mZp7\"\n\ndef upgrade():\n    requests.get(\"https://x.internal/prices\")\n",
        ),
        // A script: injection counts, timeouts do not.
        (
            "scripts/purge.py",
            "import os\nimport requests\n\ndef purge(name):\n    os.system(\"rm -rf \" + name)\n    requests.get(\"https://x.internal\")\n",
        ),
        // Tests: only live key formats; generated code (vendored: no rule applies) is skipped.
        // (`vendor/` itself is not walked at all.)
        ("tests/test_client.py", "import requests\n\ndef test_fetch():\n    requests.get(\"http://localhost\")\n"),
        ("api/users_pb2.py", "import os\n\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n"),
    ];
    for (path, text) in files {
        std::fs::create_dir_all(p.join(path).parent().unwrap()).unwrap();
        std::fs::write(p.join(path), text).unwrap();
    }
    let codes = |out: &std::process::Output| -> Vec<(String, String)> {
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut v: Vec<(String, String)> = report
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    f["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let out = run(p, &["check", "--no-cache", "--format", "json", "."]);
    assert_eq!(
        codes(&out),
        vec![
            (
                "alembic/versions/1a2b_backfill.py".to_owned(),
                "SEC501".to_owned()
            ),
            ("app/client.py".to_owned(), "PERF204".to_owned()),
            ("scripts/purge.py".to_owned(), "SEC102".to_owned()),
        ],
        "{}",
        stderr(&out)
    );
    let out = run(p, &["check", "--no-cache", "--statistics", "."]);
    let text = stdout(&out);
    for line in [
        "     1  runtime      checked with every rule",
        // Hard-coded live keys are looked for in tests too.
        "     1  test         checked with the rules that apply to the class",
        "     1  migration    checked with the rules that apply to the class",
        "     1  script       checked with the rules that apply to the class",
        "     1  vendored     skipped: no enabled rule applies to the class",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let out = run(p, &["check", "--no-cache", "."]);
    assert!(
        stderr(&out).contains("Left out 1 file no enabled rule applies to: 1 vendored"),
        "{}",
        stderr(&out)
    );
    // One setting turns migrations back on, with every rule.
    std::fs::write(
        p.join("backend-architect.toml"),
        "include-classes = [\"migration\"]\n",
    )
    .unwrap();
    let out = run(p, &["check", "--no-cache", "--format", "json", "."]);
    let found = codes(&out);
    assert!(
        found.contains(&(
            "alembic/versions/1a2b_backfill.py".to_owned(),
            "PERF204".to_owned()
        )),
        "{found:?}"
    );
    std::fs::write(
        p.join("backend-architect.toml"),
        "include-classes = [\"migrashuns\"]\n",
    )
    .unwrap();
    let out = run(p, &["check", "--no-cache", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "`include-classes`: unknown file class `migrashuns`; expected \"runtime\", \"test\""
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn shards_cover_everything_once_and_merge_back() {
    let dir = project();
    for i in 0..12 {
        std::fs::write(
            dir.path().join(format!("app/m{i}.py")),
            format!("import os\n\ndef f{i}(x):\n    os.system(x)\n"),
        )
        .unwrap();
    }
    let full = run(
        dir.path(),
        &["check", "--format", "json", "--no-cache", "."],
    );
    let all: Value = serde_json::from_slice(&full.stdout).unwrap();
    let mut seen = Vec::new();
    let mut sarifs = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = run(
            dir.path(),
            &["check", "--format", "json", "--shard", &shard, "."],
        );
        let part: Value = serde_json::from_slice(&out.stdout).unwrap();
        seen.extend(
            part.as_array()
                .unwrap()
                .iter()
                .map(|f| f["path"].as_str().unwrap().to_owned()),
        );
        let file = format!("shard{k}.sarif");
        run(
            dir.path(),
            &[
                "check",
                "--format",
                "sarif",
                "--shard",
                &shard,
                "--output-file",
                &file,
                ".",
            ],
        );
        sarifs.push(file);
    }
    seen.sort();
    let mut expected: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    assert_eq!(seen, expected);

    let mut args = vec!["merge-sarif", "-o", "merged.sarif"];
    args.extend(sarifs.iter().map(String::as_str));
    let out = run(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("merged.sarif")).unwrap())
            .unwrap();
    let results = merged["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    let rules = merged["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }
    let out = run(dir.path(), &["merge-sarif", "app/views.py"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(dir.path(), &["check", "--shard", "4/3", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sarif_carries_fixes_and_stable_fingerprints() {
    let dir = project();
    // Artifact URIs are percent-encoded (spaces, `#`, non-ASCII), `/` kept.
    common::cli::write(
        dir.path(),
        "app/my views#1/café.py",
        "import os\n\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n",
    );
    let out = run(
        dir.path(),
        &["check", "--format", "sarif", "app/my views#1"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/my%20views%231/caf%C3%A9.py"
    );
    // The fingerprint is a stable hash (XXH3 of rule, path, normalised line, occurrence): the
    // same value on every platform and Rust version.
    assert_eq!(
        v["runs"][0]["results"][0]["partialFingerprints"]["backendArchitect/v2"],
        "5c1a3b8e8a702708"
    );
    std::fs::write(
        dir.path().join("app/conf.py"),
        "import yaml\n\ndef load(f):\n    return yaml.load(f)\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "--format", "sarif", "app/conf.py"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    let fix = &r["fixes"][0];
    assert_eq!(fix["description"]["text"], "Use `safe_load`");
    let rep = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(rep["insertedContent"]["text"], "safe_load");
    assert_eq!(rep["deletedRegion"]["startLine"], 4);
    let fp = r["partialFingerprints"]["backendArchitect/v2"]
        .as_str()
        .unwrap()
        .to_owned();
    // Moving the line keeps the fingerprint.
    std::fs::write(
        dir.path().join("app/conf.py"),
        "import yaml\n\n\n# moved\ndef load(f):\n    return yaml.load(f)\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check", "--format", "sarif", "app/conf.py"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["partialFingerprints"]["backendArchitect/v2"],
        fp.as_str()
    );
}

/// Cross-file findings are cached under every checked file's content: an unchanged tree
/// `check` extracts only what the cross-file rules read, and from a file that imports no web
/// framework only its imports: a router re-exported by such a package `__init__` still counts.
#[test]
fn cross_file_rules_follow_a_router_reexported_by_a_plain_module() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| common::cli::write(dir.path(), name, text);
    write(
        "app/main.py",
        "from fastapi import FastAPI\n\nfrom app.api import router\n\napp = FastAPI()\napp.include_router(router, prefix=\"/v1\")\n\n\n@app.get(\"/v1/users\")\ndef all_users():\n    return []\n",
    );
    // No framework import here: only the re-export matters.
    write(
        "app/api/__init__.py",
        "\"\"\"The API package.\"\"\"\nfrom .users import router\n\n\ndef version():\n    return \"1\"\n",
    );
    write(
        "app/api/users.py",
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"/users\")\ndef list_users():\n    return []\n",
    );
    let out = Command::new(BIN)
        .args(["check", "--no-cache", "--select", "ARC101", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("main.py") && text.contains("users.py"),
        "{text}"
    );
    assert!(text.contains("ARC101"), "{text}");
}

/// reuses them (a warm run parses nothing), and a change in one file recomputes them for all.
#[test]
fn cross_file_findings_are_cached_and_follow_changes_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| common::cli::write(dir.path(), name, text);
    write(
        "main.py",
        "from fastapi import FastAPI\n\nfrom users import router\n\napp = FastAPI()\napp.include_router(router)\n\n\n@app.get(\"/health\")\ndef health():\n    return {\"ok\": True}\n\n\n@app.get(\"/users\")\ndef all_users():\n    return []\n",
    );
    write(
        "users.py",
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"/users\")\ndef list_users():\n    return []\n",
    );
    let run = || {
        Command::new(BIN)
            .args(["check", "--select", "ARC101", "."])
            .current_dir(dir.path())
            .env("BACKEND_ARCHITECT_LOG", "info")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        stderr(&first).contains("cross-file findings: computed"),
        "{}",
        stderr(&first)
    );
    assert!(stdout(&first).contains("main.py"), "{}", stdout(&first));
    assert!(stdout(&first).contains("users.py"), "{}", stdout(&first));
    let second = run();
    assert!(
        stderr(&second).contains("cross-file findings: reused from the cache"),
        "{}",
        stderr(&second)
    );
    assert_eq!(stdout(&first), stdout(&second));
    // Renaming the route in one file clears the finding in both.
    write(
        "users.py",
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"/members\")\ndef list_users():\n    return []\n",
    );
    let third = run();
    assert!(
        stderr(&third).contains("cross-file findings: computed"),
        "{}",
        stderr(&third)
    );
    assert!(!stdout(&third).contains("ARC101"), "{}", stdout(&third));
}

#[test]
fn results_cache_reuses_unchanged_files() {
    let dir = project();
    let log = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env("BACKEND_ARCHITECT_LOG", "info")
            .output()
            .unwrap()
    };
    let first = log(&["check", "."]);
    assert!(
        stderr(&first).contains("results cache: 0 of 3 files reused"),
        "{}",
        stderr(&first)
    );
    assert!(dir
        .path()
        .join(".backend-architect-cache/results-v1.json")
        .is_file());
    let second = log(&["check", "."]);
    assert!(
        stderr(&second).contains("results cache: 3 of 3 files reused"),
        "{}",
        stderr(&second)
    );
    assert_eq!(stdout(&first), stdout(&second));
    std::fs::write(dir.path().join("app/safe.py"), "eval(input())\n").unwrap();
    let third = log(&["check", "."]);
    assert!(
        stderr(&third).contains("results cache: 2 of 3 files reused"),
        "{}",
        stderr(&third)
    );
    assert!(stdout(&third).contains("app/safe.py:1:1: SEC103"));
    // Another rule selection is another cache key.
    let fourth = log(&["check", "--ignore", "SEC103", "."]);
    assert!(
        stderr(&fourth).contains("results cache: 0 of 3 files reused"),
        "{}",
        stderr(&fourth)
    );
    let fifth = log(&["check", "--no-cache", "."]);
    assert!(
        !stderr(&fifth).contains("results cache"),
        "{}",
        stderr(&fifth)
    );
}

#[test]
fn binary_minified_and_broken_links_are_skipped_and_counted() {
    let dir = project();
    std::fs::write(dir.path().join("app/blob.py"), b"\x00\x01\x02binary").unwrap();
    std::fs::write(dir.path().join("app/vendor.min.js"), "eval(location.hash);").unwrap();
    std::fs::write(
        dir.path().join("app/gen.js"),
        format!(
            "var x = \"{}\"; require(\"child_process\").exec(process.argv[2]);\n",
            "a".repeat(6000)
        ),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("missing.py"),
        dir.path().join("app/dangling.py"),
    )
    .unwrap();
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("app/blob.py: skipped, binary content"),
        "{err}"
    );
    assert!(
        err.contains("app/dangling.py: broken symlink, skipped"),
        "{err}"
    );
    // A minified name is evidence; one long line (a long string) is not: the three-line way
    // to hide a call from CI.
    assert!(
        err.contains("app/vendor.min.js: skipped, minified (its name says so)"),
        "{err}"
    );
    assert!(
        err.contains("Skipped 3 files: 1 generated or minified, 1 binary, 1 broken symlink."),
        "{err}"
    );
    assert!(!stdout(&out).contains("vendor.min.js"));
    // A bundle over the size limit in a build-output folder is build output, counted with its
    // class, not read and warned about.
    std::fs::create_dir_all(dir.path().join("web/assets")).unwrap();
    std::fs::write(
        dir.path().join("web/assets/app.js"),
        "var a = 1;\n".repeat(250_000),
    )
    .unwrap();
    let with_stats = run(dir.path(), &["check", "--statistics", "."]);
    let err = stderr(&with_stats);
    assert!(!err.contains("web/assets/app.js"), "{err}");
    let stats = stdout(&with_stats);
    assert!(
        stats
            .lines()
            .any(|l| l.split_whitespace().take(2).eq(["1", "vendored"])),
        "{stats}"
    );
    assert!(stdout(&out).contains("app/gen.js:1:"), "{}", stdout(&out));
}

/// Generated and minified files are recognised by evidence, and every one skipped is named
/// with the reason, in the text output and as SARIF notifications.
#[test]
fn generated_files_are_skipped_on_evidence_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let call = "const cp = require(\"child_process\");\ncp.exec(process.argv[2]);\n";
    write(
        p,
        "header.js",
        &format!("// @generated by protoc. DO NOT EDIT.\n{call}"),
    );
    write(
        p,
        "mapped.js",
        &format!("{call}//# sourceMappingURL=mapped.js.map\n"),
    );
    // Minified: all of it in long lines dense with code.
    let packed: String = (0..400)
        .map(|i| format!("function f{i}(a,b){{return a+b}};"))
        .collect();
    write(p, "packed.js", &format!("{packed}{call}"));
    // Not generated: a long string among ordinary lines, and long lines that are not code.
    write(
        p,
        "long_string.js",
        &format!("const s = \"{}\";\n{call}", "a".repeat(6000)),
    );
    let out = run(p, &["check", "--no-cache", "."]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: header.js: skipped, generated (a `@generated` header)"),
        "{err}"
    );
    assert!(
        err.contains("warning: mapped.js: skipped, generated (a sourceMappingURL comment)"),
        "{err}"
    );
    assert!(
        err.contains(
            "warning: packed.js: skipped, minified (99% of it is in lines over 1000 bytes)"
        ),
        "{err}"
    );
    assert!(!err.contains("long_string.js"), "{err}");
    assert!(
        stdout(&out).contains("long_string.js:3:"),
        "{}",
        stdout(&out)
    );
    let sarif = run(p, &["check", "--no-cache", "--format", "sarif", "."]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .clone();
    let uris: Vec<&str> = notes
        .iter()
        .map(|n| {
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["header.js", "mapped.js", "packed.js"], "{notes:?}");

    // A Django project's migrations all say "Generated by Django": more than three generated
    // files are counted on standard error, not named one by one; SARIF still names each.
    for n in 1..=4 {
        write(
            p,
            &format!("shop/migrations/000{n}_auto.py"),
            "# Generated by Django 4.2 on 2024-01-01 00:00\nfrom django.db import migrations\n",
        );
    }
    let out = run(p, &["check", "--no-cache", "."]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: skipped 7 generated or minified files"),
        "{err}"
    );
    assert!(!err.contains("0001_auto.py"), "{err}");
    assert!(!err.contains("header.js: skipped"), "{err}");
    let sarif = run(p, &["check", "--no-cache", "--format", "sarif", "."]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(notes, 7);
}

#[test]
fn fix_diff_and_unsafe_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // CRLF line endings and a mode that must survive the rewrite.
    let original = "import subprocess\r\nimport yaml\r\n\r\ndef run(name, stream):\r\n    subprocess.run([\"ls\", name], shell=True)\r\n    a = yaml.load(stream)\r\n    b = yaml.full_load(stream)\r\n    return eval(name + \"()\"), a, b\r\n";
    std::fs::write(p.join("tool.py"), original).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p.join("tool.py"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }

    let out = run(p, &["check", "--diff", "tool.py"]);
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    assert!(
        diff.contains("--- a/tool.py") && diff.contains("+++ b/tool.py"),
        "{diff}"
    );
    assert!(diff.contains("+    a = yaml.safe_load(stream)"), "{diff}");
    assert!(
        !diff.contains("full_load(stream)\r\n+"),
        "unsafe fixes need --unsafe-fixes"
    );
    assert!(
        stderr(&out).contains("Would fix 2 findings in 1 file."),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(p.join("tool.py")).unwrap(),
        original,
        "--diff writes nothing"
    );

    let out = run(p, &["check", "--fix", "tool.py"]);
    assert_eq!(out.status.code(), Some(1), "eval and full_load remain");
    assert!(
        stderr(&out).contains("Fixed tool.py: SEC102, SEC201"),
        "{}",
        stderr(&out)
    );
    let fixed = std::fs::read_to_string(p.join("tool.py")).unwrap();
    assert_eq!(
        fixed,
        "import subprocess\r\nimport yaml\r\n\r\ndef run(name, stream):\r\n    subprocess.run([\"ls\", name])\r\n    a = yaml.safe_load(stream)\r\n    b = yaml.full_load(stream)\r\n    return eval(name + \"()\"), a, b\r\n"
    );
    let text = stdout(&out);
    assert!(
        text.contains("tool.py:7:9: SEC201") && text.contains("tool.py:8:12: SEC103"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(p.join("tool.py"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o755
        );
    }

    let out = run(p, &["check", "--fix", "--unsafe-fixes", "tool.py"]);
    assert!(
        stderr(&out).contains("Fixed tool.py: SEC103, SEC201"),
        "{}",
        stderr(&out)
    );
    let fixed = std::fs::read_to_string(p.join("tool.py")).unwrap();
    assert!(fixed.contains("b = yaml.safe_load(stream)"), "{fixed}");
    assert!(fixed.contains("ast.literal_eval(name + \"()\")"), "{fixed}");
    let out = run(p, &["check", "--diff", "tool.py"]);
    assert_eq!(out.status.code(), Some(0), "nothing left to fix");
}

#[test]
fn http_timeout_setting_drives_the_timeout_fix() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("backend-architect.toml"), "http-timeout = 2.5\n").unwrap();
    std::fs::write(
        p.join("client.py"),
        "import requests\n\n\ndef rates():\n    return requests.get(\"https://rates.example.com/v1/eur\").json()\n",
    )
    .unwrap();
    let out = run(p, &["check", "--select", "PERF204", "client.py"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("pass `timeout=2.5`"),
        "{}",
        stdout(&out)
    );
    let out = run(p, &["check", "--select", "PERF204", "--fix", "client.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(p.join("client.py"))
        .unwrap()
        .contains("requests.get(\"https://rates.example.com/v1/eur\", timeout=2.5)"),);
    std::fs::write(p.join("backend-architect.toml"), "http-timeout = -1\n").unwrap();
    let out = run(p, &["check", "client.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("http-timeout"), "{}", stderr(&out));
}

/// A team's own wrappers as `[[models]]` rows: a sink, a source and a sanitizer, in
/// `backend-architect.toml` and in `pyproject.toml`; bad rows name the file, line and key;
/// `models` lists the effective rows.
#[test]
fn user_models_extend_the_taint_engine() {
    let dir = tempfile::tempdir().unwrap();
    let views = "import os\nfrom app.db import run_raw\nfrom app.web import current_params\nfrom app.util import clean_path\n\n\ndef report(request):\n    name = request.GET[\"name\"]\n    rows = run_raw(\"SELECT * FROM reports WHERE name = '\" + name + \"'\")\n    total = run_raw(\"SELECT count(*) FROM reports\")\n    return rows, total\n\n\ndef download():\n    params = current_params()\n    with open(os.path.join(\"/srv/files\", params[\"file\"])) as f:\n        data = f.read()\n    with open(os.path.join(\"/srv/files\", clean_path(params[\"file\"]))) as f:\n        data += f.read()\n    return data\n";
    write(dir.path(), "app/views.py", views);
    // Without models: the wrappers are opaque.
    let out = run(
        dir.path(),
        &["check", "--no-cache", "--format", "json", "app"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let models = "[[models]]\nsink = \"sql\"\ncallee = \"app.db.run_raw\"\nargument = 0\n\n[[models]]\nsource = \"request\"\ncallee = \"app.web.current_params\"\n\n[[models]]\nsanitizes = [\"path\"]\ncallee = \"app.util.clean_path\"\n";
    for (file, text) in [
        ("backend-architect.toml", models.to_owned()),
        (
            "pyproject.toml",
            format!(
                "[project]\nname = \"app\"\n\n[tool.backend-architect]\nhttp-timeout = 5\n\n{}",
                models.replace("[[models]]", "[[tool.backend-architect.models]]")
            ),
        ),
    ] {
        let _ = std::fs::remove_file(dir.path().join("backend-architect.toml"));
        let _ = std::fs::remove_file(dir.path().join("pyproject.toml"));
        write(dir.path(), file, &text);
        let out = run(
            dir.path(),
            &["check", "--no-cache", "--format", "json", "app"],
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let found: Vec<(String, u64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_owned(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![("SEC101".to_owned(), 9), ("SEC302".to_owned(), 16)],
            "{file}: the sink and the source count, the constant query and the sanitised path do not: {v}"
        );
    }
    // `models` lists the rows, the user's marked as not built in.
    let out = run(dir.path(), &["models", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "app.db.run_raw"
            && r["role"] == "sink"
            && r["kind"] == "sql"
            && r["builtin"] == false));
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "flask.request" && r["builtin"] == true));
    // Built-in sinks the rules report from their own checks say so; the user's row does not.
    let rows = rows.as_array().unwrap();
    assert!(rows
        .iter()
        .any(|r| r["name"] == "os.system" && r["kind"] == "shell" && r["reported_by"] == "rule"));
    assert!(rows
        .iter()
        .any(|r| r["name"] == "app.db.run_raw" && r.get("reported_by").is_none()));
    let kinds = stdout(&run(dir.path(), &["models", "--kinds"]));
    assert!(
        kinds.contains("sql") && kinds.contains("ssrf") && kinds.contains("request"),
        "{kinds}"
    );
    // A bad row: exit 2, the file, the row's line and the key.
    let _ = std::fs::remove_file(dir.path().join("pyproject.toml"));
    write(
        dir.path(),
        "backend-architect.toml",
        "select = [\"SEC\"]\n\n[[models]]\nsink = \"sql\"\ncallee = \"a.b\"\n\n[[models]]\nsink = \"sqll\"\ncallee = \"app.db.run\"\n",
    );
    for args in [&["check", "app"][..], &["models"][..]] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("backend-architect.toml:7")
                && err.contains("models[1].sink")
                && err.contains("did you mean `sql`"),
            "{args:?}: {err}"
        );
    }
}

/// Request data handed to a function of another module is followed into it: the finding is
/// at the sink in the callee's file and names the handler that passed the data. Calls with
/// constants or sanitised values, and functions no handler calls, stay quiet.
#[test]
fn taint_follows_request_data_into_other_modules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "app/__init__.py", "");
    write(d, "app/routes/__init__.py", "");
    write(d, "app/services/__init__.py", "");
    write(
        d,
        "app/routes/files.py",
        "import os\n\nfrom flask import Blueprint, request\n\nfrom ..services import storage\nfrom app.services.storage import remove\n\nbp = Blueprint(\"files\", __name__, url_prefix=\"/files\")\n\n\n@bp.get(\"/download\")\ndef download():\n    return storage.read_file(request.args.get(\"folder\", \"public\"))\n\n\n@bp.get(\"/report\")\ndef report():\n    return storage.read_file(\"reports\")\n\n\n@bp.delete(\"/\")\ndef delete():\n    remove(os.path.basename(request.json[\"path\"]))\n    return \"\", 204\n\n\n@bp.post(\"/purge\")\ndef purge():\n    storage.purge(path=request.form[\"path\"])\n    return \"\", 204\n",
    );
    write(
        d,
        "app/services/storage.py",
        "import os\n\nROOT = \"/srv/files\"\n\n\ndef read_file(folder):\n    with open(os.path.join(ROOT, folder, \"index.txt\")) as f:\n        return f.read()\n\n\ndef remove(path):\n    os.remove(path)\n\n\ndef purge(force=False, path=\"\"):\n    os.remove(path)\n\n\ndef cleanup(path):\n    os.remove(os.path.join(ROOT, path))\n",
    );
    write(
        d,
        "src/routes/posts.js",
        "const Router = require(\"@koa/router\");\nconst posts = require(\"../services/posts\");\nconst { archive } = require(\"../services/posts\");\n\nconst router = new Router({ prefix: \"/posts\" });\n\nrouter.get(\"/\", async (ctx) => {\n  ctx.body = await posts.search(ctx.query.q);\n});\n\nrouter.post(\"/:id/archive\", async (ctx) => {\n  ctx.body = await archive(ctx.params.id);\n});\n\nrouter.get(\"/top\", async (ctx) => {\n  ctx.body = await posts.search(\"featured\");\n});\n\nmodule.exports = router;\n",
    );
    write(
        d,
        "src/services/posts.js",
        "const db = require(\"../db\");\n\nasync function search(term) {\n  return db.query(\"SELECT * FROM posts WHERE title LIKE '%\" + term + \"%'\");\n}\n\nasync function archive(id) {\n  return db.query(\"UPDATE posts SET archived = true WHERE id = $1\", [id]);\n}\n\nexports.byTag = async (tag) => db.query(\"SELECT * FROM posts WHERE tag = $1\", [tag]);\n\nmodule.exports = { search, archive };\n",
    );
    write(
        d,
        "src/db.js",
        "const { Pool } = require(\"pg\");\nmodule.exports = new Pool();\n",
    );
    let out = run(
        d,
        &[
            "check",
            "--no-cache",
            "--select",
            "SEC",
            "--format",
            "json",
            ".",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("app/services/storage.py".to_owned(), "SEC302".to_owned(), 7),
            (
                "app/services/storage.py".to_owned(),
                "SEC302".to_owned(),
                16
            ),
            ("src/services/posts.js".to_owned(), "SEC101".to_owned(), 4),
        ],
        "{v:#}"
    );
    let messages: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("passed to `read_file()` by `download()` (app/routes/files.py)"),
        "{}",
        messages[0]
    );
    assert!(
        messages[2].contains(
            "`ctx.query.q` passed to `search()` by the `GET /` handler (src/routes/posts.js)"
        ),
        "{}",
        messages[2]
    );
}

/// Services are classes: a NestJS controller calls the service injected in its constructor
/// (`this.invoices.search(q)`), a Koa route calls a method of the instance a module exports.
/// Request data is followed into the method (TypeORM query builders, a promisified `exec`);
/// constants, pipes that parse integers and parameterised queries stay quiet.
#[test]
fn taint_follows_request_data_into_service_classes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "src/invoices/invoices.controller.ts",
        "import { Body, Controller, Get, Param, ParseIntPipe, Post, Query } from '@nestjs/common';\nimport { InvoicesService } from './invoices.service';\n\n@Controller('invoices')\nexport class InvoicesController {\n  constructor(private readonly invoices: InvoicesService) {}\n\n  @Get('totals')\n  totals(@Query('by') by: string) {\n    return this.invoices.totalsBy(by);\n  }\n\n  @Get('recent')\n  recent() {\n    return this.invoices.totalsBy('customer');\n  }\n\n  @Post(':id/pdf')\n  pdf(@Param('id', ParseIntPipe) id: number, @Body('template') template: string) {\n    return this.invoices.render(id, template);\n  }\n\n  @Get(':id')\n  one(@Param('id', ParseIntPipe) id: number) {\n    return this.invoices.byId(id);\n  }\n}\n",
    );
    write(
        d,
        "src/invoices/invoices.service.ts",
        "import { Injectable } from '@nestjs/common';\nimport { InjectRepository } from '@nestjs/typeorm';\nimport { Repository } from 'typeorm';\nimport { exec } from 'child_process';\nimport { promisify } from 'util';\nimport { Invoice } from './invoice.entity';\n\nconst run = promisify(exec);\n\n@Injectable()\nexport class InvoicesService {\n  constructor(@InjectRepository(Invoice) private readonly repo: Repository<Invoice>) {}\n\n  totalsBy(column: string) {\n    return this.repo\n      .createQueryBuilder('i')\n      .select(`i.${column}`, 'key')\n      .getRawMany();\n  }\n\n  async render(id: number, template: string) {\n    const { stdout } = await run(`wkhtmltopdf /templates/${template}.html /tmp/${id}.pdf`);\n    return stdout;\n  }\n\n  byId(id: number) {\n    return this.repo.createQueryBuilder('i').where('i.id = :id', { id }).getOne();\n  }\n}\n",
    );
    write(
        d,
        "src/invoices/invoice.entity.ts",
        "export class Invoice {\n  id: number;\n  customer: string;\n}\n",
    );
    write(
        d,
        "koa/routes/comments.js",
        "const Router = require('@koa/router');\nconst comments = require('../services/comments');\n\nconst router = new Router({ prefix: '/comments' });\n\nrouter.get('/', async (ctx) => {\n  ctx.body = await comments.search(ctx.query.q);\n});\n\nrouter.get('/top', async (ctx) => {\n  ctx.body = await comments.search('featured');\n});\n\nmodule.exports = router;\n",
    );
    write(
        d,
        "koa/services/comments.js",
        "const { knex } = require('../db');\n\nclass CommentService {\n  async search(term) {\n    return knex('comments').whereRaw(`body LIKE '%${term}%'`);\n  }\n}\n\nmodule.exports = new CommentService();\n",
    );
    write(
        d,
        "koa/db.js",
        "const knex = require('knex')({ client: 'pg' });\nmodule.exports = { knex };\n",
    );
    let out = run(
        d,
        &[
            "check",
            "--no-cache",
            "--select",
            "SEC",
            "--format",
            "json",
            ".",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "koa/services/comments.js".to_owned(),
                "SEC101".to_owned(),
                5
            ),
            (
                "src/invoices/invoices.service.ts".to_owned(),
                "SEC101".to_owned(),
                17
            ),
            (
                "src/invoices/invoices.service.ts".to_owned(),
                "SEC102".to_owned(),
                22
            ),
        ],
        "{v:#}"
    );
    let messages: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[1].contains("passed to `totalsBy()` by `totals()`"),
        "{}",
        messages[1]
    );
}

/// `# noqa: CODE` reads to the end of its line only: a next line starting at column 0 used to be
/// read as part of the code list, and the finding stayed. Unknown whole codes are errors (a
/// prefix may select nothing), with a suggestion for a typo.
#[test]
fn noqa_before_a_column_zero_line_and_unknown_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/jobs.py",
        "import os\n\n\ndef run(x):\n    os.system(\"ls \" + x)  # noqa: SEC102\nprint(1)\n\n\ndef other(x):\n    os.system(\"ls \" + x)  # backend-architect: ignore[SEC102]\nprint(2)\n",
    );
    let out = run(dir.path(), &["check", "--no-cache", "app"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    for (selector, hint) in [
        ("SEC999", None),
        ("sql-injecton", Some("did you mean `SEC101` sql-injection?")),
    ] {
        let out = run(dir.path(), &["check", "--select", selector, "app"]);
        assert_eq!(out.status.code(), Some(2), "{selector}");
        let err = stderr(&out);
        assert!(err.contains(&format!("unknown rule `{selector}`")), "{err}");
        if let Some(hint) = hint {
            assert!(err.contains(hint), "{err}");
        }
    }
    // A prefix that selects nothing is not an error.
    let out = run(dir.path(), &["check", "--select", "SEC9", "app"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A file's class is judged on its path inside the project, so `check proj` from the folder
/// above gives what `check .` inside it gives: `proj/scripts/purge.py` is a script either way.
#[test]
fn file_classes_are_judged_inside_the_project_whatever_the_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let files = [
        ("proj/pyproject.toml", "[project]\nname = \"proj\"\n"),
        // The project's documentation build: tooling, where timeouts do not matter.
        (
            "proj/docs/conf_fetch.py",
            "import requests\n\ndef fetch(url):\n    return requests.get(url)\n",
        ),
        // The same call in the application is reported.
        (
            "proj/app/client.py",
            "import requests\n\ndef fetch(url):\n    return requests.get(url)\n",
        ),
    ];
    for (path, text) in files {
        std::fs::create_dir_all(p.join(path).parent().unwrap()).unwrap();
        std::fs::write(p.join(path), text).unwrap();
    }
    let findings = |cwd: &std::path::Path, target: &str| -> Vec<String> {
        let out = run(cwd, &["check", "--no-cache", "--format", "json", target]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut v: Vec<String> = report
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap().replace('\\', "/");
                format!(
                    "{} {}",
                    f["code"].as_str().unwrap(),
                    path.trim_start_matches("proj/")
                )
            })
            .collect();
        v.sort();
        v
    };
    let inside = findings(&p.join("proj"), ".");
    let above = findings(p, "proj");
    assert_eq!(inside, vec!["PERF204 app/client.py".to_owned()]);
    assert_eq!(above, inside);
}
