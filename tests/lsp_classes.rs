//! The editor classifies a file (runtime, test, vendored…) on its path inside the project, as
//! `check` does, not on its absolute path: a project checked out under a `vendor/` folder is
//! not other people's code, and `tests/unit/api/` holds tests however deep it is. Each file's
//! codes in the editor are the codes `check` reports for it (the per-file rules: cross-file
//! findings such as ARC103 wait for the workspace index in the editor).

mod common;

use std::path::Path;

use common::{cli, codes, Client};
use serde_json::json;

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The codes the server publishes for each of `files` (inside the workspace folder `root`).
fn editor_codes(root: &Path, files: &[&str]) -> Vec<Vec<String>> {
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let out = files
        .iter()
        .map(|f| {
            let path = root.join(f);
            let u = uri(&path);
            c.open(&u, "python", &std::fs::read_to_string(&path).unwrap());
            per_file(codes(&c.diagnostics(&u, 1)))
        })
        .collect();
    assert!(c.shutdown().success());
    out
}

/// The codes `check` reports for each of `files`, run in `root` on `.`.
fn check_codes(root: &Path, files: &[&str]) -> Vec<Vec<String>> {
    let out = cli::run(root, &["check", "--no-cache", "--format", "json", "."]);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    files
        .iter()
        .map(|f| {
            found
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["path"].as_str().unwrap().trim_start_matches("./") == *f)
                .map(|d| d["code"].as_str().unwrap().to_owned())
                .collect()
        })
        .map(per_file)
        .collect()
}

/// The codes of per-file rules (the application model's ARC1xx left out).
fn per_file(codes: Vec<String>) -> Vec<String> {
    codes
        .into_iter()
        .filter(|c| !c.starts_with("ARC1"))
        .collect()
}

const CLIENT: &str = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).json()\n";
const VIEWS: &str = "import subprocess\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.post(\"/run\")\ndef run():\n    subprocess.run(request.form[\"cmd\"], shell=True)\n    return \"ok\"\n";

#[test]
fn files_are_classified_on_their_path_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    // A test helper three folders down: a test, so no runtime-only rule (PERF204) runs there;
    // the same code in the application is reported.
    let repo = top.join("repo");
    cli::write(&repo, "pyproject.toml", "[project]\nname = \"shop\"\n");
    cli::write(&repo, "tests/unit/api/helpers.py", CLIENT);
    cli::write(&repo, "app/client.py", CLIENT);
    let files = ["tests/unit/api/helpers.py", "app/client.py"];
    let editor = editor_codes(&repo, &files);
    assert_eq!(editor, [vec![], vec!["PERF204".to_owned()]]);
    assert_eq!(editor, check_codes(&repo, &files));

    // A project checked out under a `vendor/` folder is the user's own code.
    let shop = top.join("vendor/shop");
    cli::write(&shop, "pyproject.toml", "[project]\nname = \"shop\"\n");
    cli::write(&shop, "app/views.py", VIEWS);
    let files = ["app/views.py"];
    let editor = editor_codes(&shop, &files);
    assert!(editor[0].iter().any(|c| c == "SEC102"), "{editor:?}");
    assert_eq!(editor, check_codes(&shop, &files));
}
