//! Audit mode (`check --audit`, `audit = true`): dangerous calls fed by data of unknown origin
//! (parameters of functions no handler is seen calling, module globals, names the file never
//! binds) are reported one severity lower and tagged `audit`; constants, allow-list tables and
//! sanitised values stay clean, and default mode reports none of it.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::cli::{run, write};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/audit");

/// The fixture copied to a temporary project (so that its files are judged as an
/// application's, not as this repository's test data).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walk(Path::new(FIXTURE)) {
        let rel = entry
            .strip_prefix(FIXTURE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        write(dir.path(), &rel, &std::fs::read_to_string(&entry).unwrap());
    }
    dir
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// (path, line, code) of every `audit: CODE` marker, and (path, line) of every `safe` one.
/// (path, line, code) of an expected finding.
type Place = (String, u64, String);

fn markers() -> (BTreeSet<Place>, BTreeSet<(String, u64)>) {
    let (mut audit, mut safe) = (BTreeSet::new(), BTreeSet::new());
    for file in walk(Path::new(FIXTURE)) {
        let rel = file
            .strip_prefix(FIXTURE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        for (i, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let line_no = i as u64 + 1;
            if let Some(at) = line.find("audit: ") {
                let code = line[at + 7..].trim().to_owned();
                audit.insert((rel.clone(), line_no, code));
            } else if line.trim_end().ends_with("# safe") || line.trim_end().ends_with("// safe") {
                safe.insert((rel.clone(), line_no));
            }
        }
    }
    (audit, safe)
}

fn check(dir: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["check", "--no-cache", "--select", "SEC", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let out = run(dir, &args);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn place(f: &serde_json::Value) -> Place {
    (
        f["path"]
            .as_str()
            .unwrap()
            .trim_start_matches("./")
            .to_owned(),
        f["start"]["line"].as_u64().unwrap(),
        f["code"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn audit_mode_reports_data_of_unknown_origin_and_default_mode_does_not() {
    let (expected, safe) = markers();
    assert!(
        expected.len() >= 8 && safe.len() >= 6,
        "{expected:?} {safe:?}"
    );
    let dir = project();

    let default = check(dir.path(), &[]);
    assert!(
        default.is_empty(),
        "default mode proves none of it: {default:#?}"
    );

    let audit = check(dir.path(), &["--audit"]);
    let found: BTreeSet<_> = audit.iter().map(place).collect();
    assert_eq!(found, expected, "{audit:#?}");
    for f in &audit {
        let (path, line, _) = place(f);
        assert!(!safe.contains(&(path, line)), "a safe look-alike: {f:#?}");
        assert_eq!(f["audit"], true, "{f:#?}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("data of unknown origin"),
            "{f:#?}"
        );
        // One severity lower than the rule's (every rule here is an error by default).
        assert_eq!(f["severity"], "warning", "{f:#?}");
    }
}

#[test]
fn audit_mode_from_the_configuration_and_in_sarif() {
    let dir = project();
    write(dir.path(), "backend-architect.toml", "audit = true\n");
    let configured = check(dir.path(), &[]);
    assert_eq!(configured.len(), markers().0.len(), "{configured:#?}");

    let out = run(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--select",
            "SEC",
            "--format",
            "sarif",
            ".",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), configured.len());
    for r in results {
        assert_eq!(
            r["properties"]["tags"],
            serde_json::json!(["audit"]),
            "{r:#?}"
        );
        assert_eq!(r["level"], "warning", "{r:#?}");
    }

    // The text report marks them too.
    let text = run(dir.path(), &["check", "--no-cache", "--select", "SEC", "."]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("SEC302 [audit]"), "{text}");
}

#[test]
fn a_finding_default_mode_makes_is_not_repeated_as_an_audit_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        "import os\n\n\ndef backup(target):\n    os.system(\"tar czf /b.tgz \" + target)\n",
    );
    let default = check(dir.path(), &[]);
    let audit = check(dir.path(), &["--audit"]);
    assert_eq!(default.len(), 1, "{default:#?}");
    assert_eq!(audit, default, "the same single finding, not tagged audit");
}
