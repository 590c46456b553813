//! Fuzz targets on a stable toolchain: proptest generates and shrinks the inputs, and each
//! target is a plain function, so a normal test replays every input kept in
//! `tests/fuzz/corpus/<target>/` (every crashing input found goes there).
//!
//! - `jsonrpc`: frames into the real server (framing faults, malformed and hostile messages,
//!   random requests and edits); it must answer a final request and exit cleanly.
//! - `edits`: random edit sequences; the incremental text equals the reference, and for a
//!   document without syntax errors the incremental tree equals a fresh parse and the
//!   incremental findings a fresh analysis, with findings present.
//! - `config`: `backend-architect.toml` and `pyproject.toml` text; a configuration is loaded
//!   or refused with an error naming the file, never a panic.
//! - `sources`: bytes as source files of each language (deep nesting, huge lines, invalid
//!   UTF-8, NUL, mixed line endings) through the in-process pipeline and through `check`.
//!
//! The budget: `BA_FUZZ_CASES` cases per target (8 by default; `.ci/run` runs more with a
//! fresh seed). A failing input, shrunk, is written to `target/tmp/fuzz-crashes/<target>/`;
//! an input that aborts the process (no test can catch that) is left there as `in-flight`.
//! `BA_FUZZ_DEBUG=1` shows the server's log and messages, and each edited document.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backend_architect::{app, engine, syntax};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use serde_json::{json, Value};
use syntax::{Document, Language, PositionEncoding, TextChange};

/// Cases per target: `BA_FUZZ_CASES`, else a few (the suite runs on every `cargo test`).
fn cases() -> u32 {
    std::env::var("BA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fuzz/corpus")
        .join(target)
}

fn crash_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-crashes")
        .join(target)
}

/// A short stable name for an input.
fn name_of(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Runs `check` on `count` generated inputs. Each input is written to `in-flight` first (an
/// abort leaves it behind); the shrunk input of a failure is kept and named in the panic.
fn fuzz<S>(target: &str, strategy: S, encode: fn(&S::Value) -> Vec<u8>, check: fn(&[u8]))
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let dir = crash_dir(target);
    std::fs::create_dir_all(&dir).unwrap();
    let in_flight = dir.join("in-flight");
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        // Shrinking re-runs the target; bounded so a failure is reported in reasonable time.
        max_shrink_iters: 200,
        ..Config::default()
    });
    let started = Instant::now();
    let result = runner.run(&strategy, |value| {
        let bytes = encode(&value);
        std::fs::write(&in_flight, &bytes).unwrap();
        check(&bytes);
        Ok(())
    });
    let _ = std::fs::remove_file(&in_flight);
    println!("{target}: {} cases in {:?}", cases(), started.elapsed());
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, value)) => {
            let bytes = encode(&value);
            let path = dir.join(name_of(&bytes));
            std::fs::write(&path, &bytes).unwrap();
            panic!(
                "{target}: {why}\nthe shrunk input is {}; keep it as a regression test: copy it into tests/fuzz/corpus/{target}/",
                path.display()
            );
        }
        Err(TestError::Abort(why)) => panic!("{target}: {why}"),
    }
}

/// Runs `f` on a thread with the stack of the server's and `check`'s threads' smallest
/// budget (see `tests/hostile.rs`): a recursion per tree level overflows it.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

// ---------------------------------------------------------------------------------------------
// jsonrpc: frames into the server

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

const DOC: &str = "file:///tmp/backend_architect_fuzz/app.py";
const DOC_TEXT: &str = "import os\n\ndef f(x):\n    os.system(\"ls \" + x)\n";

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
        Just(json!(DOC)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("textDocument".to_owned()),
                    Just("uri".to_owned()),
                    Just("position".to_owned()),
                    Just("range".to_owned()),
                    Just("line".to_owned()),
                    Just("character".to_owned()),
                    Just("text".to_owned()),
                    Just("contentChanges".to_owned()),
                    Just("version".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn position() -> impl Strategy<Value = Value> {
    (
        prop_oneof![0u64..8, Just(u64::from(u32::MAX)), Just(1 << 40)],
        prop_oneof![0u64..40, Just(u64::from(u32::MAX))],
    )
        .prop_map(|(line, character)| json!({"line": line, "character": character}))
}

fn source_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("import os\n".to_owned()),
            Just("os.system(x)\n".to_owned()),
            Just("def f(x):\n    eval(x)\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\r".to_owned()),
            Just("\0".to_owned()),
            Just("é😀\u{FEFF}".to_owned()),
            (1usize..400).prop_map(|n| "(".repeat(n)),
            (1usize..200).prop_map(|n| "(() => ".repeat(n)),
            "[ -~]{0,20}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// One message the client may send: a known method with plausible or random parameters.
fn message() -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        (0i64..1000).prop_map(Value::from),
        "[a-z0-9]{0,6}".prop_map(Value::from),
        Just(Value::Null),
        Just(json!(1.5)),
        Just(json!([1])),
    ];
    let plausible = prop_oneof![
        (position(), any::<bool>()).prop_map(|(p, known)| (
            "textDocument/hover",
            json!({"textDocument": {"uri": if known { DOC } else { "file:///nope.py" }}, "position": p})
        )),
        (position(), position()).prop_map(|(a, b)| (
            "textDocument/codeAction",
            json!({"textDocument": {"uri": DOC}, "range": {"start": a, "end": b}, "context": {"diagnostics": []}})
        )),
        (position(), position(), source_text(), 0i64..50).prop_map(|(a, b, text, version)| (
            "textDocument/didChange",
            json!({"textDocument": {"uri": DOC, "version": version}, "contentChanges": [{"range": {"start": a, "end": b}, "text": text}]})
        )),
        (source_text(), prop_oneof![Just("python"), Just("javascript"), Just("typescript"), Just("plaintext")], "[a-z]{1,4}\\.(py|js|ts|tsx|txt)")
            .prop_map(|(text, language, name)| (
                "textDocument/didOpen",
                json!({"textDocument": {"uri": format!("file:///tmp/backend_architect_fuzz/{name}"), "languageId": language, "version": 1, "text": text}})
            )),
        Just(("textDocument/didClose", json!({"textDocument": {"uri": DOC}}))),
        Just(("textDocument/documentSymbol", json!({"textDocument": {"uri": DOC}}))),
        Just(("textDocument/codeLens", json!({"textDocument": {"uri": DOC}}))),
        Just(("textDocument/diagnostic", json!({"textDocument": {"uri": DOC}}))),
        Just(("textDocument/willSaveWaitUntil", json!({"textDocument": {"uri": DOC}, "reason": 1}))),
        "[a-z]{0,6}".prop_map(|q| ("workspace/symbol", json!({"query": q}))),
        json_value().prop_map(|v| ("workspace/didChangeConfiguration", json!({"settings": v}))),
        json_value().prop_map(|v| ("workspace/executeCommand", json!({"command": "backend-architect.showMap", "arguments": [v]}))),
        Just(("$/cancelRequest", json!({"id": 1}))),
        Just(("initialize", json!({"capabilities": {}}))),
        Just(("shutdown", Value::Null)),
    ];
    let random = (
        prop_oneof![
            Just("textDocument/hover"),
            Just("textDocument/didChange"),
            Just("textDocument/didOpen"),
            Just("textDocument/codeAction"),
            Just("workspace/executeCommand"),
            Just("no/such/method"),
            Just("$/setTrace"),
        ],
        json_value(),
    );
    (prop_oneof![plausible, random], prop::option::of(id)).prop_map(|((method, params), id)| {
        let mut m = json!({"jsonrpc": "2.0", "method": method, "params": params});
        if let Some(id) = id {
            m["id"] = id;
        }
        m
    })
}

/// One framed chunk of input: a message, or a fault in the framing or the JSON.
fn body() -> impl Strategy<Value = Vec<u8>> {
    message().prop_map(|m| serde_json::to_vec(&m).unwrap())
}

fn chunk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => body().prop_map(|b| frame(&b)),
        // The JSON cut short, or bytes that are not UTF-8 or not JSON.
        1 => (body(), any::<prop::sample::Index>()).prop_map(|(b, i)| frame(&b[..i.index(b.len())])),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| frame(&b)),
        // A Content-Length shorter than the body: the rest is read as headers.
        1 => (body(), 1usize..8).prop_map(|(b, short)| {
            let mut out = format!("Content-Length: {}\r\n\r\n", b.len().saturating_sub(short)).into_bytes();
            out.extend_from_slice(&b);
            out
        }),
        // Odd headers: none, unknown ones, a negative or absurd length, bare newlines.
        1 => body().prop_map(|b| {
            let mut out = format!("Content-Type: application/vscode-jsonrpc; charset=utf-8\nContent-Length: {}\n\n", b.len()).into_bytes();
            out.extend_from_slice(&b);
            out
        }),
        1 => prop_oneof![
            Just(b"Content-Length: -5\r\n\r\n".to_vec()),
            Just(b"Content-Length: 99999999999999999999\r\n\r\n".to_vec()),
            Just(b"X-Nothing: 1\r\n\r\n".to_vec()),
            Just(b"\r\n\r\n\r\n".to_vec()),
            Just(b"\x00\xff\xfe garbage line\n".to_vec()),
        ],
        // Lone surrogates, deep nesting, batches.
        1 => Just(frame(br#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/backend_architect_fuzz/s.py","languageId":"python","version":1,"text":"x = '\ud800'\n"}}}"#)),
        1 => (1usize..3000).prop_map(|n| frame(format!("{}1{}", "[".repeat(n), "]".repeat(n)).as_bytes())),
        1 => prop::collection::vec(message(), 0..3).prop_map(|ms| frame(&serde_json::to_vec(&ms).unwrap())),
    ]
}

fn session() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(chunk(), 0..16).prop_map(|chunks| {
        // `exit` is the one message that ends the session; the harness sends it last.
        chunks.concat()
    })
}

/// The server gets an initialised session with one open document, then `input`, then a
/// resynchronisation (a blank line ends any header block the input left open), and must answer
/// `shutdown` and exit with code 0.
fn jsonrpc(input: &[u8]) {
    let mut child = Command::new(common::BIN)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("BA_FUZZ_DEBUG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("spawn server");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read everything the server writes, looking for the answer to `shutdown` (id "last").
    let (answered_tx, answered) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        while let Some(length) = read_headers(&mut reader) {
            let mut body = vec![0; length];
            if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                return;
            }
            let Ok(msg) = serde_json::from_slice::<Value>(&body) else {
                continue;
            };
            if std::env::var_os("BA_FUZZ_DEBUG").is_some() {
                eprintln!("server: {msg}");
            }
            if msg.get("method").is_none() && (msg["id"] == 0 || msg["id"] == "last") {
                let _ = answered_tx.send(msg["id"].clone());
            }
        }
    });
    let initialize = frame(
        &serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}))
            .unwrap(),
    );
    let mut all = Vec::new();
    for m in [
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": DOC, "languageId": "python", "version": 1, "text": DOC_TEXT}}}),
    ] {
        all.extend(frame(&serde_json::to_vec(&m).unwrap()));
    }
    all.extend_from_slice(input);
    all.extend_from_slice(b"\r\n\r\n");
    all.extend(frame(
        br#"{"jsonrpc":"2.0","id":"last","method":"shutdown"}"#,
    ));
    // A writer thread: a server that stops reading (dead or stuck) blocks the write, and the
    // deadlines below decide. As a client does, it waits for the answer to `initialize`
    // before the rest (messages before it are refused), and to `shutdown` before `exit`.
    let (go_tx, go) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&initialize);
        let _ = stdin.flush();
        if go.recv().is_ok() {
            let _ = stdin.write_all(&all);
            let _ = stdin.flush();
        }
        if go.recv().is_ok() {
            let _ = stdin.write_all(&frame(br#"{"jsonrpc":"2.0","method":"exit"}"#));
            let _ = stdin.flush();
        }
    });
    let initialized = answered.recv_timeout(Duration::from_secs(60)) == Ok(json!(0));
    let _ = go_tx.send(());
    // The input may itself use the id 0 of `initialize` (`{"id":0,"method":"textDocument/didChange"}`
    // is answered with an error): only the answer with the id "last" is the one to `shutdown`.
    let replied = initialized
        && loop {
            match answered.recv_timeout(Duration::from_secs(60)) {
                Ok(id) if id == json!("last") => break true,
                Ok(_) => continue,
                Err(_) => break false,
            }
        };
    let _ = go_tx.send(());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    let _ = reader.join();
    assert!(initialized, "no answer to `initialize` (status {status:?})");
    assert!(
        replied,
        "no answer to the final `shutdown` (status {status:?})"
    );
    let status = status.expect("the server exits after `exit`");
    assert_eq!(status.code(), Some(0), "exit after shutdown");
}

fn read_headers(reader: &mut impl std::io::BufRead) -> Option<usize> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return length;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse().ok();
        }
    }
}

#[test]
fn fuzz_jsonrpc() {
    fuzz("jsonrpc", session(), |b| b.clone(), jsonrpc);
}

// ---------------------------------------------------------------------------------------------
// edits: incremental equals fresh, with findings present

/// Steps (of all edit cases) whose document had findings: the comparison is not empty
/// against empty.
static EDIT_STEPS_WITH_FINDINGS: AtomicUsize = AtomicUsize::new(0);

/// Whole statements: each, added at the end of a file that parses, leaves one that parses.
fn statements(python: bool) -> Vec<&'static str> {
    if python {
        vec![
            "import os\n",
            "import subprocess\n",
            "def f(x):\n    os.system(\"ls \" + x)\n",
            "def g(cmd):\n    subprocess.run(cmd, shell=True)\n",
            "def h(x):\n    return eval(x)\n",
            "y = 1\n",
            "\n",
            "\r\n",
        ]
    } else {
        vec![
            "const cp = require(\"child_process\");\n",
            "function f(x) {\n  cp.exec(\"ls \" + x);\n}\n",
            "app.get(\"/a\", (req, res) => { eval(req.query.x); });\n",
            "const express = require(\"express\");\nconst app = express();\n",
            "let y = 1;\n",
            "\n",
            "\r\n",
        ]
    }
}

/// A program with findings that every case starts from.
fn base(python: bool) -> &'static str {
    if python {
        "import os\n\ndef f(x):\n    os.system(\"ls \" + x)\n"
    } else {
        "const express = require(\"express\");\nconst app = express();\napp.get(\"/a\", (req, res) => { eval(req.query.x); });\n"
    }
}

/// Whole statements and, less often, tokens that break the syntax.
fn edit_fragment(python: bool) -> impl Strategy<Value = String> {
    let tokens: Vec<&'static str> = if python {
        vec!["(", ")", ":", "    ", "x", "é😀", "'", "#", "\r"]
    } else {
        vec!["{", "}", "(", ")", ";", "x", "é😀", "`${", "\""]
    };
    prop_oneof![
        3 => prop::sample::select(statements(python)).prop_map(str::to_owned),
        1 => prop::collection::vec(prop::sample::select(tokens), 1..3).prop_map(|p| p.concat()),
    ]
}

/// Where an edit with this start fraction goes: the end of the document.
const AT_END: u16 = u16::MAX;

/// (python, initial text, edits as (start fraction, length fraction, inserted text)). The
/// text is a program with findings plus whole statements, and the first edit adds a statement
/// at its end: every case compares at least one edited document that parses and has findings.
type EditCase = (bool, String, Vec<(u16, u16, String)>);

fn edit_case() -> impl Strategy<Value = EditCase> {
    any::<bool>().prop_flat_map(|python| {
        (
            prop::collection::vec(prop::sample::select(statements(python)), 0..5),
            prop::sample::select(statements(python)),
            prop::collection::vec((any::<u16>(), any::<u16>(), edit_fragment(python)), 0..12),
        )
            .prop_map(move |(more, first, mut edits)| {
                edits.insert(0, (AT_END, 0, first.to_owned()));
                (python, format!("{}{}", base(python), more.concat()), edits)
            })
    })
}

fn encode_edits(case: &EditCase) -> Vec<u8> {
    let (python, text, edits) = case;
    serde_json::to_vec_pretty(&json!({"python": python, "text": text, "edits": edits})).unwrap()
}

/// The char boundary at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn findings_key(
    findings: &[backend_architect::rules::Finding],
) -> Vec<(String, usize, usize, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.code().to_owned(),
                f.range.start,
                f.range.end,
                f.message.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn edits(input: &[u8]) {
    let case: Value = serde_json::from_slice(input).expect("an edit case is JSON");
    let python = case["python"].as_bool().unwrap_or(true);
    let (language, name) = if python {
        (Language::Python, "fuzz.py")
    } else {
        (Language::JavaScript, "fuzz.js")
    };
    let mut reference = case["text"].as_str().unwrap_or("").to_owned();
    let mut doc = Document::new(language, 1, reference.clone());
    let rules = backend_architect::config::RuleSet::default();
    let mut cache = engine::ItemCache::default();
    let steps = case["edits"].as_array().cloned().unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        let fraction = step[0].as_u64().unwrap_or(0);
        let start = if fraction == u64::from(AT_END) {
            reference.len()
        } else {
            fraction as usize * reference.len() / 65_536
        };
        let len = step[1].as_u64().unwrap_or(0) as usize * (reference.len() - start) / 65_536 / 4;
        let text = step[2].as_str().unwrap_or("");
        let mut start = floor_boundary(&reference, start);
        let mut end = floor_boundary(&reference, start + len);
        // Whole lines go in at the start of a line, over whole lines: they keep the file
        // parsing (often), which is where findings are compared.
        if text.ends_with('\n') && start < reference.len() {
            let line_start = |at: usize| reference[..at].rfind('\n').map_or(0, |i| i + 1);
            start = line_start(start);
            end = line_start(end).max(start);
        }
        let rope = doc.rope().clone();
        let a = syntax::position::position_at(&rope, start, PositionEncoding::Utf16);
        let b = syntax::position::position_at(&rope, end, PositionEncoding::Utf16);
        // What the positions say (an offset inside a CRLF has no position of its own).
        let start = syntax::position::offset_at(&rope, a, PositionEncoding::Utf16);
        let end = syntax::position::offset_at(&rope, b, PositionEncoding::Utf16);
        doc.apply_changes(
            i as i32 + 2,
            &[TextChange {
                range: Some((a, b)),
                text: text.to_owned(),
            }],
            PositionEncoding::Utf16,
        );
        reference.replace_range(start..end, text);
        assert_eq!(doc.text(), reference, "text after edit {i}");
        let tree = doc.tree().expect("parses").clone();
        let fresh = syntax::parse::parse(language, &reference, None).expect("parses");
        // How tree-sitter recovers from a syntax error depends on the tree it reparses (an
        // unclosed template literal in JavaScript recovers differently; tree-sitter's own API,
        // fed the same edits, gives the same different tree), so a document with errors is
        // compared by its text only (`javascript-template-error-recovery`).
        if fresh.root_node().has_error() {
            continue;
        }
        assert_eq!(
            tree.root_node().to_sexp(),
            fresh.root_node().to_sexp(),
            "tree after edit {i}"
        );
        let incremental =
            engine::analyze(name, language, doc.text(), &tree, &rules, Some(&mut cache));
        let from_scratch = engine::analyze(name, language, &reference, &fresh, &rules, None);
        assert_eq!(
            findings_key(&incremental),
            findings_key(&from_scratch),
            "findings after edit {i}"
        );
        if std::env::var_os("BA_FUZZ_DEBUG").is_some() {
            eprintln!(
                "{name} edit {i}: {} findings\n{reference}",
                from_scratch.len()
            );
        }
        if !from_scratch.is_empty() {
            EDIT_STEPS_WITH_FINDINGS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[test]
fn fuzz_edits() {
    let before = EDIT_STEPS_WITH_FINDINGS.load(Ordering::Relaxed);
    fuzz("edits", edit_case(), encode_edits, edits);
    assert!(
        EDIT_STEPS_WITH_FINDINGS.load(Ordering::Relaxed) > before,
        "no edited document had findings: the comparison proved nothing"
    );
}

// ---------------------------------------------------------------------------------------------
// config: loaded or refused with an error naming the file

fn config_text() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "select",
            "ignore",
            "exclude",
            "extend",
            "severity",
            "per-file-ignores",
            "include-classes",
            "http-timeout",
            "models",
            "advisor",
        ])
        .prop_map(str::to_owned),
        "[a-z-]{1,8}",
    ];
    let value = prop_oneof![
        Just("[\"SEC101\"]".to_owned()),
        Just("[\"sql-injection\", \"NOPE1\"]".to_owned()),
        Just("\"S\"".to_owned()),
        Just("3.5".to_owned()),
        Just("-1".to_owned()),
        Just("true".to_owned()),
        Just("{ SEC101 = \"error\" }".to_owned()),
        Just("{ \"*.py\" = [\"SEC\"] }".to_owned()),
        Just("[{ callee = \"a.b\", kind = \"shell\", argument = 0 }]".to_owned()),
        Just("\"../../../etc/passwd\"".to_owned()),
        Just("\"base.toml\"".to_owned()),
        "[ -~]{0,12}",
    ];
    let line = prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("{k} = {v}\n").into_bytes()),
        1 => Just(b"[tool.backend-architect]\n".to_vec()),
        1 => Just(b"[[models]]\nsink = \"sql\"\ncallee = \"x.y\"\n".to_vec()),
        1 => Just(b"[advisor]\nenabled = true\n".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..24),
        1 => Just(b"\xef\xbb\xbf".to_vec()),
        1 => Just(b"\r\n".to_vec()),
    ];
    prop::collection::vec(line, 0..10).prop_map(|l| l.concat())
}

/// `(pyproject, text)`: the first byte of an encoded input says which file it is.
fn encode_config(case: &(bool, Vec<u8>)) -> Vec<u8> {
    let mut out = vec![u8::from(case.0)];
    out.extend_from_slice(&case.1);
    out
}

fn config(input: &[u8]) {
    let (pyproject, text) = match input.split_first() {
        Some((first, rest)) => (*first == 1, rest),
        None => (false, &[][..]),
    };
    let dir = tempfile::tempdir().unwrap();
    let name = if pyproject {
        "pyproject.toml"
    } else {
        "backend-architect.toml"
    };
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.path().join("base.toml"), "select = [\"SEC\"]\n").unwrap();
    let overrides = backend_architect::config::Options::default();
    let (_settings, error) = backend_architect::config::file::resolve(Some(&path), &overrides);
    if let Some(e) = error {
        assert!(
            e.path.is_some() && !e.message.is_empty(),
            "an error names the file and what is wrong: {e:?}"
        );
    }
}

#[test]
fn fuzz_config() {
    fuzz(
        "config",
        (any::<bool>(), config_text()),
        encode_config,
        config,
    );
}

// ---------------------------------------------------------------------------------------------
// sources: hostile files of each language, in process and through `check`

const EXTENSIONS: [&str; 4] = ["py", "js", "ts", "tsx"];

fn source_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"(".to_vec()),
        Just(b")".to_vec()),
        Just(b"[".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"<div>".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\xed\xa0\x80".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"`${".to_vec()),
        Just(b"'''".to_vec()),
        Just(b"    ".to_vec()),
        Just(b"req.query.x".to_vec()),
        Just(b"request.args['x']".to_vec()),
        Just(b"os.system(".to_vec()),
        Just(b"require(\"child_process\").exec(".to_vec()),
        Just(b"lambda: ".to_vec()),
        Just(b"() => ".to_vec()),
        Just(b": any = ".to_vec()),
        (1usize..4_000).prop_map(|n| b"(".repeat(n)),
        (1usize..20_000).prop_map(|n| b"a".repeat(n)),
        (1usize..600).prop_map(|n| b"(() => ".repeat(n)),
        (1usize..600).prop_map(|n| b"x = ".repeat(n)),
        (1usize..600).prop_map(|n| b".then(f)".repeat(n)),
    ];
    (0u8..4, prop::collection::vec(piece, 0..30)).prop_map(|(language, parts)| {
        let mut out = vec![language];
        out.extend(parts.concat());
        out
    })
}

/// The first byte picks the language (`EXTENSIONS`), the rest is the file.
fn sources(input: &[u8]) {
    let (language, bytes) = match input.split_first() {
        Some((l, rest)) => (usize::from(*l) % EXTENSIONS.len(), rest.to_vec()),
        None => (0, Vec::new()),
    };
    let extension = EXTENSIONS[language];
    let lang = Language::from_path(Path::new(&format!("f.{extension}"))).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let name = format!("fuzz.{extension}");
    on_small_stack(move || {
        let tree = syntax::parse::parse(lang, &text, None).expect("parses");
        let rules = backend_architect::config::RuleSet::default();
        let mut cache = engine::ItemCache::default();
        let findings = engine::analyze(&name, lang, &text, &tree, &rules, Some(&mut cache));
        let again = engine::analyze(&name, lang, &text, &tree, &rules, Some(&mut cache));
        assert_eq!(findings_key(&findings), findings_key(&again));
        let _ = engine::fix::fix_all_in(lang, &text, Some(&tree), &findings, true);
        let _ = app::extract(lang, &tree, &text, &name);
    });
    // And the bytes as a file on disk, through `check`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("f.{extension}")), &bytes).unwrap();
    let out = Command::new(common::BIN)
        .args(["check", "--no-cache", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && !err.contains("panicked"),
        "check: {:?}\n{err}",
        out.status
    );
}

#[test]
fn fuzz_sources() {
    fuzz("sources", source_bytes(), |b| b.clone(), sources);
}

// ---------------------------------------------------------------------------------------------
// the corpus: every input kept, replayed

/// A fuzz target: panics on a failing input.
type Target = fn(&[u8]);

#[test]
fn corpus_inputs_still_pass() {
    let targets: [(&str, Target); 4] = [
        ("jsonrpc", jsonrpc),
        ("edits", edits),
        ("config", config),
        ("sources", sources),
    ];
    for (target, check) in targets {
        let dir = corpus_dir(target);
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{}: no inputs", dir.display());
        for path in inputs {
            let bytes = std::fs::read(&path).unwrap();
            let started = Instant::now();
            let result = std::panic::catch_unwind(|| check(&bytes));
            println!("{}: {:?}", path.display(), started.elapsed());
            if let Err(e) = result {
                panic!(
                    "{} fails again: {}",
                    path.display(),
                    backend_architect::engine::panic_message(&e)
                );
            }
        }
    }
}
