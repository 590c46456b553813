//! Running the CLI in a project directory, for the `check`/`fix` tests.

use std::path::Path;
use std::process::{Command, Output};

use super::BIN;

/// The binary with `args`, run in `dir`, colours off.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `text` to `name` under `dir`, creating the directories on the way.
pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Writes `files` (path, text) into a fresh project folder and runs
/// `check --no-cache --select SEC --format json .` there: the reported findings.
#[allow(dead_code)]
pub fn check_security(files: &[(&str, &str)]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    let out = run(
        dir.path(),
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
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().clone()
}
