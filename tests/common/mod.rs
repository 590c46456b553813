//! A minimal LSP client over the real binary's stdio, for end-to-end tests, and (`cli`) the
//! helpers the CLI tests share.
#![allow(dead_code)]

pub mod cli;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_backend-architect");
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications and server requests seen while waiting for something else.
    pub backlog: Vec<Value>,
    /// Answer to `workspace/configuration`.
    pub settings: Value,
    /// `window/showMessageRequest` is answered with the first action whose title contains one
    /// of these (in order), else null (the user dismissed it).
    pub choose: Vec<String>,
    /// What the server wrote to stderr (its log) so far.
    stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
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
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    pub fn spawn() -> Self {
        Self::spawn_in(std::env::temp_dir())
    }

    pub fn spawn_in(dir: impl AsRef<std::path::Path>) -> Self {
        let mut child = Command::new(BIN)
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        // Drain stderr so the server never blocks on a full pipe; keep it for `log`.
        let mut stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            backlog: Vec::new(),
            settings: Value::Null,
            choose: Vec::new(),
            stderr: log,
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend(body);
        self.send_raw(&framed);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn answer_server_request(&mut self, msg: &Value) {
        let (Some(id), Some(method)) = (msg.get("id"), msg.get("method").and_then(Value::as_str))
        else {
            return;
        };
        let result = match method {
            "workspace/configuration" => json!([self.settings.clone()]),
            "workspace/applyEdit" => json!({"applied": true}),
            "window/showDocument" => json!({"success": true}),
            "window/showMessageRequest" => {
                let actions = msg["params"]["actions"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                self.choose
                    .iter()
                    .find_map(|want| {
                        actions.iter().find(|a| {
                            a["title"]
                                .as_str()
                                .is_some_and(|t| t.contains(want.as_str()))
                        })
                    })
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        };
        let id = id.clone();
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    /// Next message from the server, answering server→client requests on the way.
    pub fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.checked_duration_since(Instant::now())?;
        let msg = match self.rx.recv_timeout(left) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => return None,
        };
        if msg.get("method").is_some() && msg.get("id").is_some() {
            self.answer_server_request(&msg);
        }
        Some(msg)
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("no response to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.backlog.push(msg);
        }
    }

    /// Waits for a notification matching `pred`, looking at the backlog first.
    pub fn wait_for(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.try_wait_for(method, pred, TIMEOUT)
            .unwrap_or_else(|| panic!("no {method} notification"))
    }

    /// Whether no `method` message matching `pred` arrives for 300 ms.
    pub fn quiet(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> bool {
        self.try_wait_for(method, pred, Duration::from_millis(300))
            .is_none()
    }

    pub fn try_wait_for(
        &mut self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Option<Value> {
        if let Some(i) = self
            .backlog
            .iter()
            .position(|m| m["method"] == method && pred(&m["params"]))
        {
            return Some(self.backlog.remove(i)["params"].clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let msg = self.recv(deadline)?;
            if msg["method"] == method && pred(&msg["params"]) {
                return Some(msg["params"].clone());
            }
            self.backlog.push(msg);
        }
    }

    pub fn initialize(&mut self, capabilities: Value, init_options: Value) -> Value {
        let resp = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": capabilities, "initializationOptions": init_options}),
        );
        self.notify("initialized", json!({}));
        resp
    }

    pub fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    /// Diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let p = self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["version"] == version
        });
        p["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    pub fn shutdown(mut self) -> std::process::ExitStatus {
        let resp = self.request("shutdown", Value::Null);
        assert!(resp.get("error").is_none(), "{resp}");
        self.notify("exit", Value::Null);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < TIMEOUT, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's log (stderr) so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// The exit status once the server exits, or None if it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn is_alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_owned())
        .collect()
}
