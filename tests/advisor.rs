//! The opt-in advisor end to end: the real binary (LSP over stdio and `check --deps`) against
//! OpenAI- and OSV-compatible servers this test starts on 127.0.0.1. Nothing here reaches
//! the internet.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{codes, Client, BIN};
use fake_http::{closed_url, json, FakeServer, Recorded, Reply};
use serde_json::{json, Value};

const KEY_VAR: &str = "BACKEND_ARCHITECT_TEST_MODEL_KEY";
const KEY: &str = "test-key-0f3c9a";

/// One cache directory for the whole test process (the server finds it via
/// `XDG_CACHE_HOME`); tests do not collide in it because cache keys include the endpoint.
fn cache_home() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under the target directory (cleaned with it), not the system's temporary folder,
        // which kept one directory per test run.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "backend-architect-advisor-test-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Set once, before any server is spawned; the children inherit it.
        std::env::set_var("XDG_CACHE_HOME", &dir);
        std::env::set_var(KEY_VAR, KEY);
        // The fake servers are on this machine: never through a proxy the environment names.
        for var in ["NO_PROXY", "no_proxy"] {
            let mut list = std::env::var(var).unwrap_or_default();
            if !list.is_empty() {
                list.push(',');
            }
            list.push_str("127.0.0.1,localhost");
            std::env::set_var(var, list);
        }
        dir
    })
}

const HANDLER: &str = r#"import os

from fastapi import Depends, FastAPI

from .db import Base, get_db

app = FastAPI()

DB_PASSWORD = "Tr0ub4dor-and-3"
AWS_KEY = "AKIAZ7QX4JMP2LRT5NVB"


class Order(Base):
    __tablename__ = "orders"


@app.get("/orders/{order_id}")
def get_order(order_id: int, db=Depends(get_db)):
    audit = AuditClient(token="q8Zr2LmX9vT4kP7wN3sY6hJ1bC5dF0gA", webhook="whsec_from_dotenv_42")
    order = db.query(Order).get(order_id)
    return order
"#;
/// The line (1-based) of `order = db.query…` in HANDLER.
const QUERY_LINE: u64 = 20;

fn review_answer(line: u64) -> Value {
    let content = json!({
        "summary": "The endpoint returns any order to anyone.",
        "findings": [{
            "line": line,
            "severity": "high",
            "title": "Missing object-level authorisation",
            "explanation": "Any caller can read any order by guessing its id.",
            "suggestion": "Filter by the current user's id and return 404 otherwise."
        }]
    });
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content.to_string()}, "finish_reason": "stop"}]
    })
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        cache_home();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "STRIPE_SECRET=whsec_from_dotenv_42\nDEBUG=true\n",
        )
        .unwrap();
        Workspace { dir }
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}", self.dir.path().join(name).display())
    }
}

fn start(ws: &Workspace, advisor: Value, extra: Value) -> Client {
    let mut c = Client::spawn_in(ws.dir.path());
    let mut options = json!({"advisor": advisor});
    if let (Some(o), Some(e)) = (options.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    let resp = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": format!("file://{}", ws.dir.path().display()),
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "window": {"workDoneProgress": true, "showDocument": {"support": true}}
            },
            "initializationOptions": options
        }),
    );
    let commands = &resp["result"]["capabilities"]["executeCommandProvider"]["commands"];
    assert!(
        commands
            .as_array()
            .unwrap()
            .contains(&json!("backend-architect.review")),
        "{resp}"
    );
    c.notify("initialized", json!({}));
    c
}

fn advisor_on(url: &str) -> Value {
    json!({"enabled": true, "endpoint": format!("{url}/v1"), "model": "test-model", "apiKeyEnv": KEY_VAR, "timeoutSecs": 5})
}

fn review(c: &mut Client, uri: &str, line: u32) -> Value {
    c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.review", "arguments": [{"uri": uri, "range": {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 4}}}]}),
    )
}

fn messages(c: &mut Client) -> Vec<String> {
    // Give late notifications a moment to arrive.
    let _ = c.try_wait_for("never/arrives", |_| false, Duration::from_millis(300));
    c.backlog
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .map(|m| m["params"]["message"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn review_sends_context_without_secrets_and_publishes_advice() {
    let ws = Workspace::new();
    let model = FakeServer::start(|_, _| json(review_answer(QUERY_LINE)));
    let mut c = start(&ws, advisor_on(&model.url), json!({}));
    let uri = ws.uri("app.py");
    c.open(&uri, "python", HANDLER);
    let first = c.diagnostics(&uri, 1);
    assert!(codes(&first).contains(&"SEC501".to_owned()), "{first:?}");

    // The code actions offer the endpoint review.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 20, "character": 4}, "end": {"line": 20, "character": 4}}, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Review this endpoint (`get_order`) with the advisor"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Review this file with the advisor"),
        "{titles:?}"
    );

    let resp = review(&mut c, &uri, 20);
    assert_eq!(resp["result"]["findings"], 1, "{resp}");

    // What the model endpoint received.
    let reqs = model.requests();
    assert_eq!(reqs.len(), 1);
    let req: &Recorded = &reqs[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let body = req.json();
    assert_eq!(body["model"], "test-model");
    let prompt = body["messages"][1]["content"].as_str().unwrap();
    assert!(prompt.contains("Route: GET /orders/{order_id}"), "{prompt}");
    assert!(
        prompt.contains("Dependencies and middleware: get_db"),
        "{prompt}"
    );
    assert!(prompt.contains("Data models used: Order"), "{prompt}");
    assert!(
        prompt.contains(&format!(
            "{QUERY_LINE:>5} |     order = db.query(Order).get(order_id)"
        )),
        "{prompt}"
    );
    assert!(
        prompt.contains("AuditClient(token=\"[REDACTED]\", webhook=\"[REDACTED]\")"),
        "{prompt}"
    );

    // A whole-file review carries the module's constants too: masked as well.
    let whole = c.request(
        "workspace/executeCommand",
        json!({"command": "backend-architect.review", "arguments": [uri]}),
    );
    assert_eq!(whole["result"]["findings"], 1, "{whole}");
    let reqs = model.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].json()["messages"][1]["content"]
        .as_str()
        .unwrap()
        .contains("Review the file"));
    assert!(
        reqs[1].body.contains("DB_PASSWORD = \\\"[REDACTED]\\\""),
        "{}",
        reqs[1].body
    );
    for req in &reqs {
        for secret in [
            "Tr0ub4dor-and-3",
            "AKIAZ7QX4JMP2LRT5NVB",
            "q8Zr2LmX9vT4kP7wN3sY6hJ1bC5dF0gA",
            "whsec_from_dotenv_42",
        ] {
            assert!(!req.body.contains(secret), "{secret} was sent to the model");
        }
    }

    // Progress began and ended; the review opened from the user cache, not the workspace.
    let progress: Vec<&Value> = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "$/progress")
        .collect();
    assert!(
        progress
            .iter()
            .any(|m| m["params"]["value"]["kind"] == "begin"),
        "{progress:?}"
    );
    let ended = c.try_wait_for(
        "$/progress",
        |p| p["value"]["kind"] == "end",
        Duration::from_secs(5),
    );
    assert!(ended.is_some());
    let shown = c
        .backlog
        .iter()
        .find(|m| m["method"] == "window/showDocument")
        .cloned()
        .expect("showDocument");
    let doc = shown["params"]["uri"]
        .as_str()
        .unwrap()
        .trim_start_matches("file://")
        .to_owned();
    assert!(Path::new(&doc).starts_with(cache_home()), "{doc}");
    assert!(!Path::new(&doc).starts_with(ws.dir.path()));
    let md = std::fs::read_to_string(&doc).unwrap();
    assert!(
        md.contains("Missing object-level authorisation")
            && md.contains("Filter by the current user's id"),
        "{md}"
    );

    // The advice is a diagnostic on the line the model named, beside the rule findings.
    let diags = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri.as_str()
            && p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|x| x["code"] == "ADV001"))
    })["diagnostics"]
        .as_array()
        .cloned()
        .unwrap();
    let adv = diags.iter().find(|d| d["code"] == "ADV001").unwrap();
    assert_eq!(adv["source"], "backend-architect advisor");
    assert_eq!(adv["range"]["start"]["line"], QUERY_LINE - 1);
    assert_eq!(adv["severity"], 1);
    assert!(codes(&diags).contains(&"SEC501".to_owned()));

    // Hover on it explains the rule.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": QUERY_LINE - 1, "character": 8}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.contains("**ADV001** Missing object-level authorisation")
            && value.contains("## What it does"),
        "{hover}"
    );

    // An edit above moves the advice with its line.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# moved\n"}]}),
    );
    let moved = c.diagnostics(&uri, 2);
    let adv = moved
        .iter()
        .find(|d| d["code"] == "ADV001")
        .expect("ADV001 kept");
    assert_eq!(adv["range"]["start"]["line"], QUERY_LINE);
    assert!(c.shutdown().success());
}

/// The route in the prompt comes from the application model: the full path through the
/// router's and the app's prefixes, and the router's dependencies, from other files.
#[test]
fn review_context_carries_the_route_table_entry() {
    let ws = Workspace::new();
    std::fs::write(
        ws.dir.path().join("main.py"),
        "from fastapi import FastAPI\n\nfrom orders import router as orders_router\n\napp = FastAPI()\napp.include_router(orders_router, prefix=\"/api\")\n\n\n@app.get(\"/health\")\ndef health():\n    return {\"ok\": True}\n",
    )
    .unwrap();
    let orders = "from fastapi import APIRouter, Depends\n\nfrom auth import require_user\n\nrouter = APIRouter(prefix=\"/orders\", dependencies=[Depends(require_user)])\n\n\n@router.get(\"/{order_id}\")\ndef get_order(order_id: int):\n    return {\"id\": order_id}\n";
    std::fs::write(ws.dir.path().join("orders.py"), orders).unwrap();
    let model = FakeServer::start(|_, _| json(review_answer(9)));
    let mut c = start(&ws, advisor_on(&model.url), json!({}));
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    let uri = ws.uri("orders.py");
    c.open(&uri, "python", orders);
    c.diagnostics(&uri, 1);
    // On the handler's name: the route is found from the function's first line.
    let resp = review(&mut c, &uri, 8);
    assert_eq!(resp["result"]["findings"], 1, "{resp}");
    let reqs = model.requests();
    let prompt = reqs[0].json()["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        prompt.contains("Route: GET /api/orders/{order_id}"),
        "{prompt}"
    );
    assert!(prompt.contains("require_user"), "{prompt}");
}

#[test]
fn endpoint_failures_give_one_message_and_change_nothing() {
    let ws = Workspace::new();
    let cases: Vec<(FakeServer, &str)> = vec![
        (
            FakeServer::start(|_, _| Reply::Status(401, "{\"error\": \"bad key\"}".into())),
            "check the API key",
        ),
        (
            FakeServer::start(|_, _| Reply::Status(200, "<html>not json</html>".into())),
            "not JSON",
        ),
        (
            FakeServer::start(|_, _| {
                json(json!({"choices": [{"message": {"content": "I'd rather not."}}]}))
            }),
            "not a usable review",
        ),
        (
            FakeServer::start(|_, _| {
                Reply::Slow(
                    Duration::from_secs(8),
                    Box::new(json(review_answer(QUERY_LINE))),
                )
            }),
            "did not answer within 1 s",
        ),
    ];
    for (server, expected) in &cases {
        let mut advisor = advisor_on(&server.url);
        advisor["timeoutSecs"] = json!(1);
        let mut c = start(&ws, advisor, json!({}));
        let uri = ws.uri("app.py");
        c.open(&uri, "python", HANDLER);
        let before = c.diagnostics(&uri, 1);
        let resp = review(&mut c, &uri, 20);
        assert!(
            resp["result"]["error"].as_str().unwrap().contains(expected),
            "{resp}"
        );
        let shown = messages(&mut c);
        let errors: Vec<&String> = shown.iter().filter(|m| m.contains("advisor")).collect();
        assert_eq!(errors.len(), 1, "{shown:?}");
        assert!(errors[0].contains(expected), "{errors:?}");
        assert!(
            !c.backlog
                .iter()
                .any(|m| m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["diagnostics"]
                        .as_array()
                        .is_some_and(|d| d.iter().any(|x| x["code"] == "ADV001"))),
            "no advice after a failure"
        );
        assert!(!before.is_empty());
        assert!(c.shutdown().success());
    }

    // Unreachable: nothing listens on the port.
    let mut c = start(&ws, advisor_on(&closed_url()), json!({}));
    let uri = ws.uri("app.py");
    c.open(&uri, "python", HANDLER);
    c.diagnostics(&uri, 1);
    let resp = review(&mut c, &uri, 20);
    assert!(
        resp["result"]["error"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{resp}"
    );
    assert!(c.shutdown().success());
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let ws = Workspace::new();
    let model = FakeServer::start(|_, n| match n {
        0 => Reply::WithHeaders(429, vec![("Retry-After".into(), "0".into())], "{}".into()),
        1 => Reply::Status(503, "busy".into()),
        _ => json(review_answer(QUERY_LINE)),
    });
    let mut c = start(&ws, advisor_on(&model.url), json!({}));
    let uri = ws.uri("app.py");
    c.open(&uri, "python", HANDLER);
    c.diagnostics(&uri, 1);
    let resp = review(&mut c, &uri, 20);
    assert_eq!(resp["result"]["findings"], 1, "{resp}");
    assert_eq!(model.requests().len(), 3);
    assert!(c.shutdown().success());
}

#[test]
fn retries_stop_after_three_attempts_and_a_long_retry_after_is_not_waited_for() {
    let ws = Workspace::new();
    let uri = ws.uri("app.py");
    // Always busy: the first attempt and two retries, then the last answer is reported.
    let busy = FakeServer::start(|_, _| Reply::Status(503, "busy".into()));
    let mut c = start(&ws, advisor_on(&busy.url), json!({}));
    c.open(&uri, "python", HANDLER);
    c.diagnostics(&uri, 1);
    let resp = review(&mut c, &uri, 20);
    let error = resp["result"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("answered 503") && error.contains("busy"),
        "{resp}"
    );
    assert_eq!(busy.requests().len(), 3);
    assert!(c.shutdown().success());

    // An hour's `Retry-After` (as an HTTP date, too) is reported at once instead of blocking.
    for after in ["3600", "Fri, 01 Jan 2100 00:00:00 GMT"] {
        let limited = FakeServer::start(move |_, _| {
            Reply::WithHeaders(
                429,
                vec![("Retry-After".into(), after.into())],
                "slow down".into(),
            )
        });
        let mut c = start(&ws, advisor_on(&limited.url), json!({}));
        c.open(&uri, "python", HANDLER);
        c.diagnostics(&uri, 1);
        let started = Instant::now();
        let resp = review(&mut c, &uri, 20);
        assert!(
            resp["result"]["error"]
                .as_str()
                .unwrap_or_default()
                .contains("answered 429"),
            "{resp}"
        );
        assert_eq!(limited.requests().len(), 1, "{after}");
        assert!(started.elapsed() < Duration::from_secs(5), "{after}");
        assert!(c.shutdown().success());
    }
}

#[test]
fn cancel_aborts_the_http_request() {
    let ws = Workspace::new();
    let model = FakeServer::start(|_, _| {
        Reply::Slow(
            Duration::from_secs(30),
            Box::new(json(review_answer(QUERY_LINE))),
        )
    });
    let mut c = start(&ws, advisor_on(&model.url), json!({}));
    let uri = ws.uri("app.py");
    c.open(&uri, "python", HANDLER);
    c.diagnostics(&uri, 1);
    c.send(&json!({"jsonrpc": "2.0", "id": 9001, "method": "workspace/executeCommand", "params": {"command": "backend-architect.review", "arguments": [uri]}}));
    // Wait until the request reached the model, then cancel.
    let started = Instant::now();
    while model.requests().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the model was never asked"
        );
        // Reading answers the server's own requests (workDoneProgress/create).
        let _ = c.try_wait_for("never/arrives", |_| false, Duration::from_millis(20));
    }
    c.notify("$/cancelRequest", json!({"id": 9001}));
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let m = c
            .recv(deadline)
            .expect("an answer to the cancelled request");
        if m["id"] == 9001 && m.get("method").is_none() {
            break m;
        }
        c.backlog.push(m);
    };
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while model.hung_up.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        assert!(
            Instant::now() < deadline,
            "the HTTP request was not aborted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    // The progress report still ends.
    assert!(c
        .try_wait_for(
            "$/progress",
            |p| p["value"]["kind"] == "end",
            Duration::from_secs(5)
        )
        .is_some());
    assert!(c.shutdown().success());
}

#[test]
fn nothing_is_sent_while_the_advisor_is_off() {
    let ws = Workspace::new();
    let model = FakeServer::start(|_, _| json(review_answer(QUERY_LINE)));
    let mut off = advisor_on(&model.url);
    off["enabled"] = json!(false);
    let mut c = start(&ws, off, json!({}));
    let uri = ws.uri("app.py");
    c.open(&uri, "python", HANDLER);
    c.diagnostics(&uri, 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 20, "character": 4}, "end": {"line": 20, "character": 4}}, "context": {"diagnostics": []}}),
    );
    assert!(!actions.to_string().contains("Review this"), "{actions}");
    let resp = review(&mut c, &uri, 20);
    assert!(
        resp["result"]["error"]
            .as_str()
            .unwrap()
            .contains("advisor is off"),
        "{resp}"
    );
    assert!(model.requests().is_empty());
    assert!(c.shutdown().success());
}

#[test]
fn bad_advisor_settings_are_reported_with_the_key() {
    let ws = Workspace::new();
    std::fs::write(
        ws.dir.path().join("backend-architect.toml"),
        "[advisor]\nenabled = true\ntimeout_secs = \"soon\"\n",
    )
    .unwrap();
    std::fs::write(ws.dir.path().join("app.py"), "x = 1\n").unwrap();
    let out2 = Command::new(BIN)
        .args(["check", "app.py"])
        .current_dir(ws.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out2.stderr);
    assert_eq!(out2.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("advisor.timeout_secs") && stderr.contains("whole number of seconds"),
        "{stderr}"
    );
    std::fs::write(
        ws.dir.path().join("backend-architect.toml"),
        "[advisor]\nmodle = \"x\"\n",
    )
    .unwrap();
    let out3 = Command::new(BIN)
        .args(["check", "app.py"])
        .current_dir(ws.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out3.stderr);
    assert!(
        stderr.contains("advisor.modle")
            && stderr.contains("allowed keys: enabled, endpoint, model"),
        "{stderr}"
    );
}

// ---- dependencies -----------------------------------------------------------------------

/// An OSV-compatible server: jinja2 2.10 has two advisories (fixed in 2.10.1 and 2.11.3),
/// lodash 4.17.20 one; everything else is clean.
fn osv_server() -> FakeServer {
    FakeServer::start(|req, _| {
        if req.method == "POST" && req.path == "/v1/querybatch" {
            let body = req.json();
            let results: Vec<Value> = body["queries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| match (q["package"]["name"].as_str().unwrap().to_ascii_lowercase().as_str(), q["version"].as_str().unwrap()) {
                    ("jinja2", "2.10") => json!({"vulns": [{"id": "GHSA-462w-v97r-4m45"}, {"id": "PYSEC-2021-66"}]}),
                    ("lodash", "4.17.20") => json!({"vulns": [{"id": "GHSA-35jh-r3h4-6jhm"}]}),
                    _ => json!({}),
                })
                .collect();
            return json(json!({"results": results}));
        }
        let record = match req.path.as_str() {
            "/v1/vulns/GHSA-462w-v97r-4m45" => json!({
                "id": "GHSA-462w-v97r-4m45", "summary": "Jinja2 sandbox escape via string formatting",
                "aliases": ["CVE-2019-10906"], "database_specific": {"severity": "HIGH"},
                "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}]}]
            }),
            "/v1/vulns/PYSEC-2021-66" => json!({
                "id": "PYSEC-2021-66", "details": "This affects the package jinja2 from 0.0.0 and before 2.11.3. ReDoS.",
                "aliases": ["CVE-2020-28493"],
                "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11.3"}]}]}]
            }),
            "/v1/vulns/GHSA-35jh-r3h4-6jhm" => json!({
                "id": "GHSA-35jh-r3h4-6jhm", "summary": "Command Injection in lodash",
                "aliases": ["CVE-2021-23337"], "database_specific": {"severity": "HIGH"},
                "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]
            }),
            _ => return Reply::Status(404, "{}".into()),
        };
        json(record)
    })
}

fn deps_project(endpoint: &str, ttl: u32) -> tempfile::TempDir {
    cache_home();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("backend-architect.toml"),
        format!("[dependencies]\nosv_endpoint = \"{endpoint}\"\ncache_ttl_hours = {ttl}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "-r base.txt\nflask>=2.0\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("base.txt"), "# pinned\njinja2==2.10\n").unwrap();
    std::fs::create_dir(dir.path().join("web")).unwrap();
    std::fs::write(
        dir.path().join("web/package.json"),
        "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"lodash\": \"^4.17.0\",\n    \"express\": \"4.18.2\"\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("web/package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"node_modules/lodash": {"version": "4.17.20"}, "node_modules/express": {"version": "4.18.2"}}}"#,
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("web/node_modules")).unwrap();
    std::fs::write(
        dir.path().join("web/node_modules/package.json"),
        "{\"dependencies\": {\"lodash\": \"4.17.20\"}}",
    )
    .unwrap();
    dir
}

fn check_deps(dir: &Path) -> (Option<i32>, Value, String) {
    let out = Command::new(BIN)
        .args(["check", "--deps", "--format", "json", "--no-cache", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        out.status.code(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dep_findings(report: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = report
        .as_array()
        .into_iter()
        .flatten()
        .filter(|x| x["code"] == "DEP001")
        .map(|x| {
            (
                x["path"].as_str().unwrap_or("").to_owned(),
                x["start"]["line"].as_u64().unwrap_or(0),
                x["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn check_deps_reports_vulnerable_versions_and_falls_back_to_the_cache() {
    let osv = osv_server();
    let dir = deps_project(&osv.url, 24);
    let (code, report, stderr) = check_deps(dir.path());
    let found = dep_findings(&report);
    assert_eq!(code, Some(1), "{stderr}\n{report}");
    assert_eq!(found.len(), 2, "{found:?}\n{report}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("base.txt", 2),
        "{found:?}"
    );
    assert!(
        found[0]
            .2
            .contains("jinja2 2.10 has 2 known vulnerabilities"),
        "{}",
        found[0].2
    );
    assert!(
        found[0]
            .2
            .contains("GHSA-462w-v97r-4m45 (CVE-2019-10906, high): Jinja2 sandbox escape"),
        "{}",
        found[0].2
    );
    assert!(
        found[0].2.contains("Jinja2 sandbox escape via string formatting, fixed in 2.10.1;")
            && found[0].2.contains("PYSEC-2021-66 (CVE-2020-28493): This affects the package jinja2 from 0.0.0 and before 2.11.3, fixed in 2.11.3"),
        "{}",
        found[0].2
    );
    assert!(found[0].2.contains("Upgrade to 2.11.3"), "{}", found[0].2);
    assert_eq!(
        (found[1].0.as_str(), found[1].1),
        ("web/package.json", 4),
        "{found:?}"
    );
    assert!(
        found[1]
            .2
            .contains("lodash 4.17.20 (locked in package-lock.json)"),
        "{}",
        found[1].2
    );
    // node_modules is never read; flask (a range) and express (clean) give nothing.
    let asked: Vec<Value> = osv
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/querybatch")
        .map(|r| r.json())
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0]["queries"].as_array().unwrap().len(),
        4,
        "{asked:?}"
    );

    // Again: the disk cache answers, OSV is not asked.
    let before = osv.requests().len();
    let (_, report, _) = check_deps(dir.path());
    assert_eq!(dep_findings(&report).len(), 2);
    assert_eq!(
        osv.requests().len(),
        before,
        "fresh cache entries are reused"
    );

    // OSV gone and the cache expired (TTL 0): cached results and a one-line notice.
    let url = osv.url.clone();
    drop(osv);
    std::thread::sleep(Duration::from_millis(50));
    std::fs::write(
        dir.path().join("backend-architect.toml"),
        format!("[dependencies]\nosv_endpoint = \"{url}\"\ncache_ttl_hours = 0\n"),
    )
    .unwrap();
    let (code, report, stderr) = check_deps(dir.path());
    assert_eq!(dep_findings(&report).len(), 2, "{stderr}");
    assert_eq!(code, Some(1));
    let notices: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("dependency advisories"))
        .collect();
    assert_eq!(notices.len(), 1, "{stderr}");
    assert!(notices[0].contains("showing cached results"), "{stderr}");
}

#[test]
fn check_deps_survives_garbage_and_errors() {
    for reply in [
        Reply::Status(200, "not json at all".into()),
        Reply::Status(500, "oops".into()),
        Reply::Status(200, "{\"results\": []}".into()),
    ] {
        let body = match &reply {
            Reply::Status(s, b) => (*s, b.clone()),
            _ => unreachable!(),
        };
        let osv = FakeServer::start(move |_, _| Reply::Status(body.0, body.1.clone()));
        let dir = deps_project(&osv.url, 24);
        let (code, report, stderr) = check_deps(dir.path());
        assert!(dep_findings(&report).is_empty(), "{report}");
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("dependency advisories:") && stderr.contains("showing no results"),
            "{stderr}"
        );
        drop(reply);
    }
}

#[test]
fn manifests_get_diagnostics_and_an_upgrade_fix_in_the_editor() {
    let osv = osv_server();
    let ws = Workspace::new();
    let mut c = start(
        &ws,
        json!({"enabled": false}),
        json!({"dependencies": {"osv": true, "osvEndpoint": osv.url}}),
    );
    let uri = ws.uri("requirements.txt");
    let text = "flask>=2.0\njinja2==2.10  # templates\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "pip-requirements", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(codes(&diags), ["DEP001"]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 1, "character": 0})
    );
    assert_eq!(diags[0]["severity"], 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 3}, "end": {"line": 1, "character": 3}}, "context": {"diagnostics": diags}}),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "Upgrade jinja2 to 2.11.3", "{actions}");
    let edit = &action["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "2.11.3");
    assert_eq!(
        edit["range"],
        json!({"start": {"line": 1, "character": 8}, "end": {"line": 1, "character": 12}})
    );

    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.contains("**DEP001** jinja2 2.10 has 2 known vulnerabilities")
            && value.contains("CWE-1395"),
        "{hover}"
    );

    // The user applies it: the diagnostic goes away.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": edit["range"], "text": "2.11.3"}]}),
    );
    assert!(c.diagnostics(&uri, 2).is_empty());
    assert!(c.shutdown().success());
}

#[test]
fn startup_checks_the_root_manifests_only_when_enabled() {
    let osv = osv_server();
    // `deps_project` configures the endpoint but not `osv = true`: nothing happens.
    let dir = deps_project(&osv.url, 24);
    let ws = Workspace { dir };
    let mut c = start(&ws, json!({"enabled": false}), json!({}));
    let uri = ws.uri("requirements.txt");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "pip-requirements", "version": 1, "text": "jinja2==2.10\n"}}),
    );
    let published = c.try_wait_for(
        "textDocument/publishDiagnostics",
        |_| true,
        Duration::from_secs(2),
    );
    assert!(published.is_none(), "{published:?}");
    assert!(osv.requests().is_empty(), "OSV was asked while off");
    assert!(c.shutdown().success());

    // With `osv = true` in the project file, the root's manifests are checked on startup,
    // including the file `requirements.txt` includes with `-r`.
    let config = ws.dir.path().join("backend-architect.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[dependencies]\n", "[dependencies]\nosv = true\n"),
    )
    .unwrap();
    let mut c = start(&ws, json!({"enabled": false}), json!({}));
    let base = ws.uri("base.txt");
    let p = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == base.as_str()
    });
    let diags = p["diagnostics"].as_array().unwrap().clone();
    assert_eq!(codes(&diags), ["DEP001"]);
    assert_eq!(diags[0]["range"]["start"]["line"], 1);
    assert!(!osv.requests().is_empty());
    // The included file is not a manifest by name, but its finding still has the fix.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": base}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    assert_eq!(
        actions["result"][0]["title"], "Upgrade jinja2 to 2.11.3",
        "{actions}"
    );
    assert!(c.shutdown().success());
}

#[test]
fn enabling_osv_in_the_editor_checks_open_manifests_and_pull_clients_get_them() {
    let osv = osv_server();
    let ws = Workspace::new();
    let mut c = Client::spawn_in(ws.dir.path());
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": null,
            // A pull client (textDocument/diagnostic, and it can be asked to pull again)
            // without workspace/configuration.
            "capabilities": {
                "textDocument": {"diagnostic": {}},
                "workspace": {"diagnostics": {"refreshSupport": true}}
            },
            "initializationOptions": {}
        }),
    );
    c.notify("initialized", json!({}));
    let uri = ws.uri("package.json");
    let text = "{\n  \"dependencies\": {\n    \"lodash\": \"4.17.20\"\n  }\n}\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}),
    );
    let pulled = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(pulled["result"]["items"], json!([]), "{pulled}");
    assert!(osv.requests().is_empty());

    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"backendArchitect": {"dependencies": {"osv": true, "osvEndpoint": osv.url}}}}),
    );
    // The server asks the client to pull again once the check is done (the settings change
    // itself asks too, for the source files): pull after each refresh until the finding shows.
    let deadline = Instant::now() + Duration::from_secs(10);
    let pulled = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        c.try_wait_for("workspace/diagnostic/refresh", |_| true, left)
            .expect("a diagnostic refresh");
        let pulled = c.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        );
        if pulled["result"]["items"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
        {
            break pulled;
        }
    };
    assert!(!osv.requests().is_empty());
    let items = pulled["result"]["items"].as_array().unwrap();
    assert_eq!(codes(items), ["DEP001"]);
    assert_eq!(
        items[0]["range"]["start"],
        json!({"line": 2, "character": 4})
    );
    assert!(items[0]["message"]
        .as_str()
        .unwrap()
        .contains("GHSA-35jh-r3h4-6jhm (CVE-2021-23337, high)"));
    assert!(c.shutdown().success());
}

#[test]
fn a_changed_lock_file_rechecks_open_manifests() {
    let osv = osv_server();
    let ws = Workspace::new();
    let lock = ws.dir.path().join("package-lock.json");
    let write_lock = |v: &str| {
        std::fs::write(
            &lock,
            format!(r#"{{"lockfileVersion": 3, "packages": {{"node_modules/lodash": {{"version": "{v}"}}}}}}"#),
        )
        .unwrap()
    };
    write_lock("4.17.21");
    let mut c = start(
        &ws,
        json!({"enabled": false}),
        json!({"dependencies": {"osv": true, "osvEndpoint": osv.url}}),
    );
    let uri = ws.uri("package.json");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": "{\"dependencies\": {\"lodash\": \"^4.17.0\"}}\n"}}),
    );
    assert!(c.diagnostics(&uri, 1).is_empty(), "4.17.21 is fixed");
    write_lock("4.17.20");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": ws.uri("package-lock.json"), "type": 2}]}),
    );
    let p = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri.as_str() && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    let message = p["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("lodash 4.17.20 (locked in package-lock.json)"),
        "{message}"
    );
    assert!(c.shutdown().success());
}

/// The manifest lives in the one document store and is edited by its one edit path: a series
/// of incremental changes (several in one notification, positions after non-ASCII text in
/// UTF-16) moves, adds and removes DEP001 findings as the text says.
#[test]
fn incremental_edits_of_a_manifest_move_its_findings() {
    let osv = osv_server();
    let ws = Workspace::new();
    let mut c = start(
        &ws,
        json!({"enabled": false}),
        json!({"dependencies": {"osv": true, "osvEndpoint": osv.url}}),
    );
    let uri = ws.uri("requirements.txt");
    // "é" and "🎉" are 1 and 2 UTF-16 units (2 and 4 bytes).
    let text = "# café 🎉 deps\nflask>=2.0\njinja2==2.11.3  # 🎉 templates\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "pip-requirements", "version": 1, "text": text}}),
    );
    assert!(c.diagnostics(&uri, 1).is_empty(), "2.11.3 is fixed");
    let change = |c: &mut Client, version: i64, changes: Value| {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    };
    let range = |l1: u32, c1: u32, l2: u32, c2: u32| json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}});
    // Downgrade to 2.10: "2.11.3" is characters 8..14 of line 2.
    change(
        &mut c,
        2,
        json!([{"range": range(2, 8, 2, 14), "text": "2.10"}]),
    );
    let diags = c.diagnostics(&uri, 2);
    assert_eq!(codes(&diags), ["DEP001"]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 2, "character": 0})
    );
    // Two changes in one notification: a line inserted above, and text typed after the emoji
    // on the first line (character 8 in UTF-16 is just after "🎉", byte 11).
    change(
        &mut c,
        3,
        json!([
            {"range": range(1, 0, 1, 0), "text": "requests==2.31.0\n"},
            {"range": range(0, 8, 0, 8), "text": " python"}
        ]),
    );
    let diags = c.diagnostics(&uri, 3);
    assert_eq!(codes(&diags), ["DEP001"]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 3, "character": 0})
    );
    // The quick fix is offered on the current text, so the edits were applied as the editor did.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range(3, 2, 3, 2), "context": {"diagnostics": diags}}),
    );
    let edit = &actions["result"][0]["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["range"], range(3, 8, 3, 12), "{actions}");
    // Delete the jinja2 line: nothing is left.
    change(&mut c, 4, json!([{"range": range(3, 0, 4, 0), "text": ""}]));
    assert!(c.diagnostics(&uri, 4).is_empty());
    // A full replacement also goes through the same path.
    change(&mut c, 5, json!([{"text": "jinja2==2.10\n"}]));
    let diags = c.diagnostics(&uri, 5);
    assert_eq!(codes(&diags), ["DEP001"]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert!(c.shutdown().success());
}
