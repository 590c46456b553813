//! The CLI as users of Ruff and ESLint expect it: standard input, colours, `-o`, the cache at
//! the project root, per-file ignores and shared base configurations, `--add-noqa` and
//! baselines for legacy code, statistics as JSON, and clear errors for what cannot be done.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::cli::{run, stderr, stdout, write};
use common::BIN;
use serde_json::Value;

const VIEWS: &str = "import os\n\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n";
const SERVER_JS: &str =
    "const cp = require('child_process');\nmodule.exports = (x) => cp.exec('ls ' + x);\n";

/// A small project: a package with a vulnerable view, a helper module, tests and a script.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "app/views.py", VIEWS);
    write(
        p,
        "app/services/users.py",
        "import pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n",
    );
    write(p, "app/server.js", SERVER_JS);
    write(
        p,
        "scripts/purge.py",
        "import os\n\ndef purge(name):\n    os.system(\"rm -rf \" + name)\n",
    );
    dir
}

fn with_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_codes(out: &std::process::Output) -> Vec<(String, String)> {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)));
    let mut codes: Vec<(String, String)> = v
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
    codes.sort();
    codes
}

#[test]
fn stdin_is_checked_as_the_named_file_and_fixed_to_stdout() {
    let dir = project();
    let p = dir.path();
    // The name decides the language, the class and the configuration.
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "app/views.py"],
        VIEWS,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("app/views.py:4:5: SEC102"),
        "{}",
        stdout(&out)
    );
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "src/server.js"],
        SERVER_JS,
    );
    assert!(
        stdout(&out).contains("src/server.js:2:25: SEC102"),
        "{}",
        stdout(&out)
    );
    // Without a name: Python.
    let out = with_stdin(p, &["check", "-"], VIEWS);
    assert!(stdout(&out).contains("-:4:5: SEC102"), "{}", stdout(&out));
    // A test file gets the rules for tests (none of the injection rules).
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "tests/test_views.py"],
        VIEWS,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // The configuration of the named file applies, exclusions included.
    write(p, "backend-architect.toml", "exclude = [\"legacy\"]\n");
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "legacy/views.py"],
        VIEWS,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // --fix: the fixed text on stdout (all of it, BOM and CRLF kept), the report on stderr.
    let yaml = "\u{feff}import yaml\r\n\r\ndef load(f):\r\n    return yaml.load(f)\r\n";
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "app/conf.py", "--fix"],
        yaml,
    );
    assert_eq!(
        stdout(&out),
        "\u{feff}import yaml\r\n\r\ndef load(f):\r\n    return yaml.safe_load(f)\r\n"
    );
    assert!(
        stderr(&out).contains("Fixed app/conf.py: SEC"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Nothing to fix: the text comes back unchanged, findings still reported (on stderr).
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "app/views.py", "--fix"],
        VIEWS,
    );
    assert_eq!(stdout(&out), VIEWS);
    assert!(stderr(&out).contains("SEC102"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));
    // --diff: the patch.
    let out = with_stdin(
        p,
        &["check", "-", "--stdin-filename", "app/conf.py", "--diff"],
        "import yaml\n\ndef load(f):\n    return yaml.load(f)\n",
    );
    assert!(
        stdout(&out).contains("-    return yaml.load(f)\n+    return yaml.safe_load(f)\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(1));

    // Misuse is a usage error.
    let out = with_stdin(p, &["check", "-", "app"], VIEWS);
    assert_eq!(out.status.code(), Some(2));
    let out = with_stdin(p, &["check", "--stdin-filename", "a.py", "app"], VIEWS);
    assert_eq!(out.status.code(), Some(2));
    let out = with_stdin(p, &["check", "-", "--stdin-filename", "notes.txt"], VIEWS);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("notes.txt"), "{}", stderr(&out));
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let dir = project();
    let p = dir.path();
    let check = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(p);
        for var in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let esc = |o: &std::process::Output| stdout(o).contains('\u{1b}');
    // A pipe: no colour by default, concise (one line per finding, no source frame).
    let plain = check(&["check", "app/views.py"], &[]);
    assert!(!esc(&plain), "{}", stdout(&plain));
    assert_eq!(
        stdout(&plain)
            .lines()
            .filter(|l| l.contains("SEC102"))
            .count(),
        1
    );
    assert!(!stdout(&plain).contains(" | "), "{}", stdout(&plain));
    assert!(esc(&check(
        &["check", "--color", "always", "app/views.py"],
        &[]
    )));
    assert!(esc(&check(
        &["check", "app/views.py"],
        &[("FORCE_COLOR", "1")]
    )));
    assert!(esc(&check(
        &["check", "app/views.py"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    assert!(!esc(&check(
        &["check", "app/views.py"],
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]
    )));
    assert!(!esc(&check(
        &["check", "--color", "never", "app/views.py"],
        &[("FORCE_COLOR", "1")]
    )));
    // Never into a report file: it is data.
    let out = check(
        &["check", "-o", "report.txt", "app/views.py"],
        &[("FORCE_COLOR", "1")],
    );
    assert_eq!(out.status.code(), Some(1));
    let report = std::fs::read_to_string(p.join("report.txt")).unwrap();
    assert!(
        report.contains("SEC102") && !report.contains('\u{1b}'),
        "{report}"
    );
    // The diff is coloured like git's.
    write(
        p,
        "app/conf.py",
        "import yaml\n\ndef load(f):\n    return yaml.load(f)\n",
    );
    let out = check(
        &["check", "--diff", "--color", "always", "app/conf.py"],
        &[],
    );
    assert!(
        stdout(&out).contains("\u{1b}[32m+    return yaml.safe_load(f)\u{1b}[0m\n"),
        "{:?}",
        stdout(&out)
    );
    let out = check(&["check", "--diff", "app/conf.py"], &[]);
    assert!(!esc(&out));
    assert!(check(&["check", "--color", "sometimes", "."], &[])
        .status
        .code()
        .is_some_and(|c| c == 2));
}

#[test]
fn the_cache_lives_at_the_project_root_and_can_be_moved() {
    let dir = project();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    // From a subfolder: the cache goes beside `.git`, tagged for backup tools.
    let out = run(&p.join("app"), &["check", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let cache = p.join(".backend-architect-cache");
    assert!(cache.join("results-v1.json").is_file());
    let tag = std::fs::read_to_string(cache.join("CACHEDIR.TAG")).unwrap();
    assert!(tag.starts_with("Signature: 8a477f597d28d172789f06886806bc55"));
    assert!(!p.join("app/.backend-architect-cache").exists());
    // A configuration file marks the root too (a project inside a monorepo).
    write(p, "svc/backend-architect.toml", "");
    write(p, "svc/api/views.py", VIEWS);
    let out = run(&p.join("svc/api"), &["check", "views.py"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(p
        .join("svc/.backend-architect-cache/results-v1.json")
        .is_file());
    // --cache-dir and the environment variable move it.
    let out = run(p, &["check", "--cache-dir", "elsewhere/c", "app"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(p.join("elsewhere/c/results-v1.json").is_file());
    let out = Command::new(BIN)
        .args(["check", "app"])
        .current_dir(p)
        .env("BACKEND_ARCHITECT_CACHE_DIR", p.join("from-env"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(p.join("from-env/results-v1.json").is_file());
    // The cache directory is never checked (its name is hidden; a moved one holds no code).
    let out = run(p, &["check", "--format", "json", "."]);
    assert!(json_codes(&out)
        .iter()
        .all(|(path, _)| !path.contains("cache") && !path.starts_with("elsewhere")));
}

#[test]
fn explicit_files_of_other_types_and_report_folders_get_clear_messages() {
    let dir = project();
    let p = dir.path();
    write(p, "README.md", "# docs\n");
    let out = run(p, &["check", "README.md", "app/views.py"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("warning: README.md: not a file backend-architect checks"),
        "{}",
        stderr(&out)
    );
    // As Ruff: a warning, and exit 0 when nothing else is wrong.
    let out = run(p, &["check", "README.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("README.md"), "{}", stderr(&out));

    // A report into a folder that does not exist: named, before any work, no temp file name.
    let out = run(
        p,
        &["check", "-o", "reports/out.sarif", "--format", "sarif", "."],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("the folder reports does not exist"), "{err}");
    assert!(!err.contains(".backend-architect-"), "{err}");
    let out = run(
        p,
        &[
            "check",
            "--output-file",
            "out.json",
            "--format",
            "json",
            "app",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(p.join("out.json").is_file());
}

#[test]
fn vendored_code_and_build_output_are_not_walked() {
    let dir = project();
    let p = dir.path();
    for skipped in [
        "vendor/lib/util.py",
        "third_party/x/run.py",
        "build/lib/app/views.py",
        "dist/server.js",
        "web/node_modules/left-pad/index.js",
    ] {
        write(p, skipped, VIEWS);
    }
    let out = run(p, &["check", "--no-cache", "--format", "json", "."]);
    let paths: Vec<String> = json_codes(&out).into_iter().map(|(p, _)| p).collect();
    assert!(
        paths
            .iter()
            .all(|f| f.starts_with("app/") || f.starts_with("scripts/")),
        "{paths:?}"
    );
    // Named explicitly, a vendored folder is read (and classified: no rule applies by default).
    let out = run(p, &["check", "--no-cache", "--statistics", "vendor"]);
    assert!(
        stdout(&out).contains("     1  vendored     skipped: no enabled rule applies to the class"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn statistics_as_json_with_totals() {
    let dir = project();
    let p = dir.path();
    let out = run(p, &["check", "--statistics", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v["rules"].as_array().unwrap();
    assert_eq!(rules[0]["code"], "SEC102");
    assert_eq!(rules[0]["count"], 3);
    assert_eq!(v["total"]["findings"], 4, "{v:#}");
    assert_eq!(v["total"]["files_with_findings"], 4);
    assert_eq!(v["total"]["files_checked"], 4);
    let classes = v["classes"].as_array().unwrap();
    assert!(classes
        .iter()
        .any(|c| c["class"] == "script" && c["checked"] == 1));
    let out = run(p, &["check", "--statistics", "."]);
    assert!(
        stdout(&out).contains("     4  findings in 4 files (4 files checked)"),
        "{}",
        stdout(&out)
    );
    let out = run(p, &["check", "--statistics", "--format", "sarif", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn per_file_ignores_and_a_shared_base_configuration() {
    let dir = project();
    let p = dir.path();
    // A base shared by several services (here beside them, in a folder the walk skips).
    let base = p.join(".shared/base.toml");
    write(
        p,
        ".shared/base.toml",
        "[per-file-ignores]\n\"scripts/**\" = [\"command-injection\"]\n\"app/services\" = [\"SEC2\"]\n",
    );
    write(
        p,
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.backend-architect]\nextend = \".shared/base.toml\"\n",
    );
    let out = run(p, &["check", "--no-cache", "--format", "json", "."]);
    assert_eq!(
        json_codes(&out),
        [
            ("app/server.js".to_owned(), "SEC102".to_owned()),
            ("app/views.py".to_owned(), "SEC102".to_owned()),
        ],
        "{}",
        stderr(&out)
    );
    // The same through --config, and the cache follows the per-file rule sets.
    let out = run(
        p,
        &[
            "check",
            "--config",
            "pyproject.toml",
            "--format",
            "json",
            "scripts",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A bad code in per-file-ignores is a configuration error naming the key.
    std::fs::write(
        &base,
        "[per-file-ignores]\n\"scripts/**\" = [\"SEC9999\"]\n",
    )
    .unwrap();
    let out = run(p, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("per-file-ignores.\"scripts/**\"")
            && stderr(&out).contains("unknown rule `SEC9999`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn add_noqa_then_baseline_adopt_a_legacy_codebase() {
    let dir = project();
    let p = dir.path();
    // CRLF and a BOM survive.
    std::fs::write(
        p.join("app/legacy.py"),
        "\u{feff}import os\r\n\r\ndef go(x):\r\n    os.system(\"a \" + x); os.system(\"b \" + x)\r\n",
    )
    .unwrap();
    let out = run(p, &["check", "--add-noqa", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Added 6 suppression comments to 5 files."),
        "{}",
        stderr(&out)
    );
    let legacy = std::fs::read_to_string(p.join("app/legacy.py")).unwrap();
    assert_eq!(
        legacy,
        "\u{feff}import os\r\n\r\ndef go(x):\r\n    os.system(\"a \" + x); os.system(\"b \" + x)  # noqa: SEC102\r\n"
    );
    let js = std::fs::read_to_string(p.join("app/server.js")).unwrap();
    assert!(
        js.contains("// backend-architect: ignore[SEC102]\n"),
        "{js}"
    );
    let out = run(p, &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Idempotent.
    let out = run(p, &["check", "--add-noqa", "."]);
    assert!(
        stderr(&out).contains("Added 0 suppression comments to 0 files."),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(p.join("app/legacy.py")).unwrap(),
        legacy
    );

    // A baseline: record, then only new findings are reported, wherever lines move.
    let dir = project();
    let p = dir.path();
    let out = run(
        p,
        &[
            "check",
            "--baseline",
            "ba-baseline.json",
            "--write-baseline",
            ".",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Wrote 4 findings to the baseline ba-baseline.json."),
        "{}",
        stderr(&out)
    );
    let out = run(p, &["check", "--baseline", "ba-baseline.json", "."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Left out 4 findings recorded in the baseline"),
        "{}",
        stderr(&out)
    );
    // Lines moved and re-indented: still known. A new copy of the same line: new.
    write(
        p,
        "app/views.py",
        "import os\n\n\n# moved down\ndef run(cmd):\n    if cmd:\n        os.system(\"ls \" + cmd)\n    os.system(\"ls \" + cmd)\n",
    );
    let out = run(
        p,
        &[
            "check",
            "--baseline",
            "ba-baseline.json",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(
        json_codes(&out),
        [("app/views.py".to_owned(), "SEC102".to_owned())],
        "{}",
        stderr(&out)
    );
    // From another folder, the baseline's paths still match (they are relative to it).
    let out = run(
        &p.join("app"),
        &[
            "check",
            "--baseline",
            "../ba-baseline.json",
            "--format",
            "json",
            "server.js",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A missing or foreign baseline is an error.
    let out = run(p, &["check", "--baseline", "nope.json", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--write-baseline"),
        "{}",
        stderr(&out)
    );
    std::fs::write(p.join("other.json"), "{\"a\": 1}").unwrap();
    let out = run(p, &["check", "--baseline", "other.json", "."]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(p, &["check", "--add-noqa", "--fix", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn closed_pipes_end_quietly() {
    for args in [
        &["rules"][..],
        &["check", "--format", "json", "."][..],
        &["models"][..],
    ] {
        let dir = project();
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read nothing and close: the first write fails with EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {}",
            out.status,
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
}

/// A report written with `-o` gets the mode any new file gets (0666 less the umask), not the
/// temporary file's private 0600: CI uploads and other users must be able to read it.
#[cfg(unix)]
#[test]
fn report_files_get_an_ordinary_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/views.py",
        "import yaml\n\n\ndef load(doc):\n    return yaml.load(doc)\n",
    );
    let out = run(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--format",
            "json",
            "-o",
            "report.json",
            "app",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = std::fs::metadata(dir.path().join("report.json")).unwrap();
    let ordinary = std::fs::File::create(dir.path().join("ordinary.txt"))
        .unwrap()
        .metadata()
        .unwrap();
    assert_eq!(
        report.permissions().mode() & 0o777,
        ordinary.permissions().mode() & 0o777
    );
}
