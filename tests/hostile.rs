//! Hostile inputs: sources nested tens of thousands of levels deep, huge lines, invalid UTF-8,
//! NUL bytes, mixed line endings. `check` and the server must survive every one (a stack
//! overflow aborts the process: no `catch_unwind` catches it), and say when a file was
//! analysed only in part. Plus property tests that throw random hostile shapes at the whole
//! in-process pipeline within a fixed budget.

mod common;

use std::time::{Duration, Instant};

use backend_architect::{advisor, app, engine, scaffold, syntax};
use common::cli::{run, stderr, stdout, write};
use common::{codes, Client};
use proptest::prelude::*;
use serde_json::{json, Value};
use syntax::Language;

/// How deep the generated shapes nest. Deep enough that a recursion per level without the
/// depth bound overflows even the analysis threads' stacks in the in-process test below.
const DEEP: usize = 20_000;

/// `open` × n, `middle`, `close` × n, one per line when `lines`.
fn nest(open: &str, middle: &str, close: &str, n: usize, lines: bool) -> String {
    let sep = if lines { "\n" } else { "" };
    let mut s = String::with_capacity((open.len() + close.len() + 1) * n + middle.len());
    for _ in 0..n {
        s.push_str(open);
        s.push_str(sep);
    }
    s.push_str(middle);
    for _ in 0..n {
        s.push_str(sep);
        s.push_str(close);
    }
    s
}

/// `start`, then `step` n times (left-recursive shapes: `a.b.b.b`, `"a" + "a" + …`).
fn chain(start: &str, step: &str, n: usize) -> String {
    let mut s = String::from(start);
    for i in 0..n {
        s.push_str(step);
        if i % 20 == 19 {
            s.push('\n');
        }
    }
    s
}

/// A JavaScript Express handler around `expr`, so the handler rules (taint, performance)
/// look into it.
fn js_handler(expr: &str) -> String {
    format!(
        "const express = require(\"express\");\nconst app = express();\napp.get(\"/x\", async (req, res) => {{\n  const v = {expr};\n  res.send(v);\n}});\n"
    )
}

fn py_handler(expr: &str) -> String {
    format!(
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.get(\"/x\")\ndef x():\n    v = {expr}\n    return os.system(v)\n"
    )
}

/// Every deep shape, as (name, language, source). Nested calls and long operator chains are
/// half as deep (10,000 levels, what the issue timed): each level of those is several levels
/// of the tree. Every shape's time grows linearly with its depth (rules asked each call for
/// its ancestors and its chain, which made these shapes quadratic: 2,000 chained calls took
/// 11 s, 10,000 minutes).
fn deep_sources(n: usize) -> Vec<(String, Language, String)> {
    let calls = n / 2;
    let js = |name: &str, expr: String| {
        (
            format!("{name}.js"),
            Language::JavaScript,
            js_handler(&expr),
        )
    };
    let py = |name: &str, expr: String| (format!("{name}.py"), Language::Python, py_handler(&expr));
    vec![
        js("parens", nest("(", "req.query.x", ")", n, true)),
        js("iife", nest("(() => ", "req.query.x", ")()", n / 4, true)),
        js("calls", nest("f(", "req.query.x", ")", calls, true)),
        js("require", nest("(", "require(\"child_process\")", ")", n, true)),
        js("arrays", nest("[", "req.query.x", "]", n, true)),
        js("objects", nest("{a: ", "req.query.x", "}", n, true)),
        js("members", chain("req", ".a", n)),
        js("method_chain", chain("db.find(req.query)", ".then(f)", calls)),
        js("concat", chain("\"SELECT \"", " + req.query.x", calls)),
        js("logical", chain("req.query.x", " || req.query.y", calls)),
        js(
            "ternary",
            nest("req.query.c ? req.query.x : ", "req.query.y", "", calls, true),
        ),
        js("await", nest("await ", "req.query.x", "", n, true)),
        js("not", nest("!", "req.query.x", "", n, true)),
        js("typeof", nest("typeof ", "req.query.x", "", n, true)),
        js("new", nest("new ", "X(req.query.x)", "", n, true)),
        js("subscripts", chain("req.query", "[0]", n)),
        js("templates", nest("`${", "req.query.x", "}`", n, true)),
        // Flow-ordered taint places every binding (its site): 20,000 nested assignments.
        js("assignments", nest("a = ", "req.query.x", "", n, true)),
        js("sequence", nest("(a, ", "req.query.x", ")", n, true)),
        js(
            "functions",
            nest("function f(req) { return ", "req.query.x", "}", n, true),
        ),
        js("arrows", nest("(req) => ", "req.query.x", "", n, true)),
        (
            "destructuring.js".to_owned(),
            Language::JavaScript,
            format!(
                "const express = require(\"express\");\nconst app = express();\napp.post(\"/x\", (req, res) => {{\n  const {} = req.body;\n  res.send(a);\n}});\n",
                nest("{a: ", "a", "}", n, true)
            ),
        ),
        (
            "blocks.js".to_owned(),
            Language::JavaScript,
            format!(
                "const cp = require(\"child_process\");\nfunction h(req) {{\n{}\n}}\n",
                nest("if (req.query.a) {", "cp.exec(req.query.x);", "}", n, true)
            ),
        ),
        (
            "types.ts".to_owned(),
            Language::TypeScript,
            format!(
                "type T = {};\nconst x: T = [];\n",
                nest("Array<", "string", ">", n, true)
            ),
        ),
        py("parens", nest("(", "request.args[\"x\"]", ")", n, true)),
        py("calls", nest("f(", "request.args[\"x\"]", ")", calls, true)),
        py("lists", nest("[", "request.args[\"x\"]", "]", n, true)),
        py("dicts", nest("{\"a\": ", "request.args[\"x\"]", "}", n, true)),
        py("tuples", nest("(", "request.args[\"x\"]", ",)", n, true)),
        py("attributes", chain("request", ".a", n)),
        py(
            "method_chain",
            chain("Model.objects.all()", ".filter(a=request.args)", calls),
        ),
        py("concat", chain("\"SELECT \"", " + request.args[\"x\"]", n)),
        py("boolean", chain("request.args[\"x\"]", " or request.args[\"y\"]", n)),
        py("not", nest("not ", "request.args[\"x\"]", "", n, false)),
        py("negation", nest("-", "request.args[\"x\"]", "", n, false)),
        py("await", nest("(await ", "request.args[\"x\"]", ")", n, true)),
        py("lambdas", nest("(lambda: ", "request.args[\"x\"]", ")", n, true)),
        py("conditional", nest("(a if b else ", "request.args[\"x\"]", ")", n, true)),
        py(
            "comprehensions",
            nest("[x for x in ", "request.args[\"x\"]", "]", n, true),
        ),
        py("subscripts", chain("request.args", "[0]", n)),
        py("chained_assignment", nest("a = ", "request.args[\"x\"]", "", n, false)),
        (
            "targets.py".to_owned(),
            Language::Python,
            format!("{} = request.args\n", nest("(", "a", ",)", n, true)),
        ),
    ]
}

/// Everything that walks a tree in-process: the engine (rules, semantic model, taint
/// summaries), fix-all, the application model, scaffolding offers and the advisor's context.
/// Returns whether the engine said the analysis was partial.
fn analyse_everything(name: &str, language: Language, source: &str) -> bool {
    let tree = syntax::parse::parse(language, source, None).expect("parses");
    let rules = backend_architect::config::RuleSet::default();
    let mut cache = engine::ItemCache::default();
    let findings = engine::analyze(name, language, source, &tree, &rules, Some(&mut cache));
    let partial = cache.partial;
    // Again with the cache warm: a partial analysis stays partial.
    let again = engine::analyze(name, language, source, &tree, &rules, Some(&mut cache));
    assert_eq!(findings.len(), again.len(), "{name}");
    assert_eq!(
        cache.partial, partial,
        "{name}: the mark survives the cache"
    );
    let _ = engine::fix::fix_all_in(language, source, Some(&tree), &findings, true);
    let _ = app::extract(language, &tree, source, name);
    let _ = app::extract_routes(language, &tree, source, name);
    let deepest = syntax::depth::deepest(tree.root_node()).1.start_byte();
    let range = deepest..deepest;
    let _ = advisor::context::target_at(language, source, &tree, &range);
    let _ = advisor::context::build(name, language, source, &tree, Some(range), &findings);
    let path = std::env::temp_dir().join(name);
    let src = scaffold::Source {
        path: &path,
        language,
        text: source,
        tree: &tree,
    };
    let project = scaffold::Project::load(std::env::temp_dir(), &scaffold::Disk);
    let _ = scaffold::offers(&src, deepest, &project);
    // Edit the deep tree (tree-sitter walks it) and reparse incrementally.
    let mut doc = syntax::Document::new(language, 1, source.to_owned());
    assert!(doc.tree().is_some());
    let at = syntax::position::position_at(doc.rope(), deepest, syntax::PositionEncoding::Utf8);
    doc.apply_changes(
        2,
        &[syntax::TextChange {
            range: Some((at, at)),
            text: "x".to_owned(),
        }],
        syntax::PositionEncoding::Utf8,
    );
    assert!(doc.tree().is_some());
    partial
}

/// Runs `f` on a thread with a stack of `size` bytes, as the CLI and server do.
fn on_stack<T: Send + 'static>(size: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(size)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// The stack the in-process tests run the pipeline on: a thirty-second of what analysis threads
/// get, and the default of tokio's and rayon's threads, on which 20,000 nested parentheses
/// aborted `check` and the server. The bounded walks fit in it (1,500 levels; 1 MiB is too
/// little in an unoptimised build); a recursion per level of a 20,000-level tree does not.
const SMALL_STACK: usize = 2 << 20;

/// Every walk over a tree is bounded: each deep shape goes through everything that walks
/// trees on `SMALL_STACK`. A recursion per tree level without the bound overflows it and
/// aborts the test binary.
#[test]
fn every_walk_over_a_deep_tree_is_bounded() {
    let partial = on_stack(SMALL_STACK, || {
        deep_sources(DEEP)
            .into_iter()
            .map(|(name, language, source)| {
                let started = Instant::now();
                let partial = analyse_everything(&name, language, &source);
                (name, partial, started.elapsed())
            })
            .collect::<Vec<_>>()
    });
    for (name, partial, took) in &partial {
        println!("{name}: partial {partial}, {took:?}");
    }
    // The shapes that made the old recursions overflow are the ones reported as partial.
    for name in ["require.js", "parens.js", "not.py", "targets.py"] {
        assert!(
            partial.iter().any(|(n, p, _)| n == name && *p),
            "{name} should be partial: {partial:?}"
        );
    }
    // Within the bound, nothing is partial.
    for (name, language, source) in deep_sources(100) {
        assert!(
            !analyse_everything(&name, language, &source),
            "{name} at depth 100 is not partial"
        );
    }
}

/// Writes every deep shape (at the sizes above) into `BA_HOSTILE_DIR`, for `bench/hostile.py`,
/// which times `check` and the server on each: `cargo test --test hostile write_shapes --
/// --ignored`.
#[test]
#[ignore = "writes files for bench/hostile.py"]
fn write_shapes() {
    let dir = std::env::var("BA_HOSTILE_DIR").expect("BA_HOSTILE_DIR: where to write the shapes");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, _, source) in deep_sources(DEEP) {
        std::fs::write(std::path::Path::new(&dir).join(name), source).unwrap();
    }
}

fn deep_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // The shapes the issue reported: 2,000 wrappers, 7,000 (here 20,000) parentheses.
    write(
        dir.path(),
        "iife.js",
        &js_handler(&nest("(() => ", "req.query.x", ")()", 2_000, false)),
    );
    write(
        dir.path(),
        "parens.js",
        &format!(
            "const cp = {};\ncp.exec(process.argv[2]);\n",
            nest("(", "require(\"child_process\")", ")", DEEP, true)
        ),
    );
    write(
        dir.path(),
        "ok.py",
        "import os\n\ndef f(x):\n    os.system(\"ls \" + x)\n",
    );
    dir
}

/// `check` on files nested 20,000 levels deep: no abort (it was exit 134), the other files'
/// findings are reported, and the deep file is named as analysed in part, in the text output
/// and as a SARIF notification.
#[test]
fn check_survives_deep_nesting_and_says_what_was_partial() {
    let dir = deep_project();
    let started = Instant::now();
    let out = run(dir.path(), &["check", "--no-cache", "."]);
    println!("check on deep files: {:?}", started.elapsed());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        stdout(&out).contains("ok.py:4:5: SEC102"),
        "{}",
        stdout(&out)
    );
    assert!(
        err.contains("warning: parens.js: analysed in part: it nests deeper than 1500 levels"),
        "{err}"
    );
    // Partial results are not cached: a second run says it again.
    let cached = run(dir.path(), &["check", "."]);
    let cached_again = run(dir.path(), &["check", "."]);
    assert!(
        stderr(&cached_again).contains("parens.js: analysed in part"),
        "{}",
        stderr(&cached)
    );
    let sarif = run(
        dir.path(),
        &["check", "--no-cache", "--format", "sarif", "."],
    );
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes.as_array().unwrap().iter().any(|n| {
            n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("analysed in part")
                && n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "parens.js"
        }),
        "{notes}"
    );
}

fn deep_js() -> String {
    format!(
        "const cp = {};\ncp.exec(process.argv[2]);\n",
        nest("(", "require(\"child_process\")", ")", DEEP, true)
    )
}

/// The server opens and edits a file nested 20,000 levels deep (it aborted on a tokio
/// worker), says the analysis was partial, and keeps serving other documents.
#[test]
fn server_survives_deep_nesting_and_keeps_serving() {
    let mut c = Client::spawn();
    c.initialize(json!({}), json!({}));
    let deep = "file:///tmp/hostile/deep.js";
    let text = deep_js();
    c.open(deep, "javascript", &text);
    let diags = c.diagnostics(deep, 1);
    assert!(
        codes(&diags).contains(&"partial-analysis".to_owned()),
        "{diags:?}"
    );
    // Incremental edits of the deep tree: insert and delete at the deepest point.
    let middle = text.find("require").unwrap();
    let line = text[..middle].matches('\n').count();
    for (version, edit) in [(2, "x"), (3, "")] {
        let end = if edit.is_empty() { 1 } else { 0 };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": deep, "version": version}, "contentChanges": [
                {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": end}}, "text": edit}
            ]}),
        );
        c.diagnostics(deep, version);
    }
    // And another document still gets its findings.
    let ok = "file:///tmp/hostile/ok.py";
    c.open(
        ok,
        "python",
        "import os\n\ndef f(x):\n    os.system(\"ls \" + x)\n",
    );
    assert_eq!(codes(&c.diagnostics(ok, 1)), ["SEC102"]);
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": ok}, "position": {"line": 3, "character": 6}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    assert!(c.is_alive());
    assert!(c.shutdown().success());
}

/// Files that are not text, or barely: each is skipped or analysed, and named; nothing kills
/// the run.
#[test]
fn check_survives_invalid_utf8_nul_and_mixed_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("latin1.py"),
        b"x = '\xe9t\xe9'\nimport os\nos.system(x)\n",
    )
    .unwrap();
    std::fs::write(p.join("nul.js"), b"eval(\0req.query.x);\n").unwrap();
    std::fs::write(
        p.join("mixed.py"),
        "import os\r\n\rdef f(x):\n    os.system(\"ls \" + x)\r\n\r\n",
    )
    .unwrap();
    std::fs::write(
        p.join("long_line.js"),
        format!("const s = \"{}\";\n", "a".repeat(200_000)),
    )
    .unwrap();
    std::fs::write(p.join("empty.py"), "").unwrap();
    let out = run(p, &["check", "--no-cache", "."]);
    let (err, text) = (stderr(&out), stdout(&out));
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("latin1.py: skipped, not valid UTF-8"), "{err}");
    assert!(err.contains("nul.js: skipped, binary content"), "{err}");
    assert!(text.contains("mixed.py:"), "{text}");
    assert!(
        !err.contains("long_line.js"),
        "a long string is analysed: {err}"
    );
}

/// The same inputs over LSP: every document gets an answer, and the server outlives them all.
#[test]
fn server_survives_hostile_documents() {
    let mut c = Client::spawn();
    c.initialize(json!({}), json!({}));
    let docs: Vec<(&str, &str, String)> = vec![
        ("nul.js", "javascript", "eval(\0req.query.x);\n".to_owned()),
        (
            "mixed.py",
            "python",
            "import os\r\n\rdef f(x):\n    os.system(\"ls \" + x)\r\n".to_owned(),
        ),
        (
            "long.js",
            "javascript",
            format!("const s = \"{}\";\n", "a".repeat(500_000)),
        ),
        (
            "lone_surrogate.py",
            "python",
            "x = '\u{FFFD}\u{10FFFF}'\n".to_owned(),
        ),
        (
            "deep.py",
            "python",
            py_handler(&nest("(", "request.args[\"x\"]", ")", DEEP, true)),
        ),
    ];
    for (i, (name, language, text)) in docs.iter().enumerate() {
        let uri = format!("file:///tmp/hostile/{i}/{name}");
        c.open(&uri, language, text);
        c.diagnostics(&uri, 1);
    }
    assert!(c.is_alive());
    assert!(c.shutdown().success());
}

/// `exit` without `shutdown` ends the server with code 1, as the protocol says (it was 0).
#[test]
fn exit_without_shutdown_exits_with_code_1() {
    let mut c = Client::spawn();
    c.initialize(json!({}), json!({}));
    c.open("file:///tmp/hostile/a.py", "python", "import os\n");
    c.notify("exit", Value::Null);
    let status = c
        .wait_exit(Duration::from_secs(5))
        .expect("the server exits");
    assert_eq!(status.code(), Some(1));
}

/// `exit` right after `initialized`, while the server waits for the client to answer its
/// `workspace/configuration` request (never answered here): the server exits at once (it
/// waited forever).
#[test]
fn exit_while_the_configuration_request_is_unanswered() {
    let mut c = Client::spawn();
    let resp = c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {"workspace": {"configuration": true}}}),
    );
    assert!(resp.get("error").is_none(), "{resp}");
    // Not `c.initialize`, and no reads from here on: they would answer the request.
    c.notify("initialized", json!({}));
    c.notify("exit", Value::Null);
    let status = c
        .wait_exit(Duration::from_secs(5))
        .expect("the server exits");
    assert_eq!(status.code(), Some(1));
}

/// The input ending right after `initialized` (the client died) ends the server too.
#[test]
fn end_of_input_after_initialized_ends_the_server() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(common::BIN)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for msg in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {"workspace": {"configuration": true}}}}),
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ] {
        let body = serde_json::to_vec(&msg).unwrap();
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        stdin.write_all(&body).unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(stdin);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("the server is still running after its input ended");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
}

fn hostile_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\0".to_owned()),
        Just("\r".to_owned()),
        Just("\r\n".to_owned()),
        Just("\n".to_owned()),
        Just("`${".to_owned()),
        Just("\"".to_owned()),
        Just("'''".to_owned()),
        Just("    ".to_owned()),
        Just("req.query.x".to_owned()),
        Just("request.args['x']".to_owned()),
        Just("os.system(".to_owned()),
        Just("require(\"child_process\").exec(".to_owned()),
        Just("lambda: ".to_owned()),
        Just("() => ".to_owned()),
        Just(" + ".to_owned()),
        Just("\u{FEFF}".to_owned()),
        Just("\u{1F600}".to_owned()),
        (1usize..3_000).prop_map(|n| "(".repeat(n)),
        (1usize..3_000).prop_map(|n| "a".repeat(n)),
        (1usize..500).prop_map(|n| "(() => ".repeat(n)),
        (1usize..500).prop_map(|n| "x = ".repeat(n)),
    ]
}

fn hostile_source() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_fragment(), 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    // A fixed budget: 64 random sources per language family, well under ten seconds.
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random hostile sources through everything that walks trees, on the stack analysis
    /// threads get: no panic escapes, no overflow.
    #[test]
    fn hostile_sources_never_kill_the_pipeline(source in hostile_source(), python in any::<bool>()) {
        let language = if python { Language::Python } else { Language::JavaScript };
        let name = if python { "fuzz.py" } else { "fuzz.js" };
        on_stack(SMALL_STACK, move || analyse_everything(name, language, &source));
    }
}

/// `check` (its worker threads, its output) over every deep shape: it finishes and reports.
#[test]
fn check_survives_every_deep_shape() {
    let dir = tempfile::tempdir().unwrap();
    for (name, _, source) in deep_sources(DEEP).into_iter().step_by(2) {
        write(dir.path(), &name, &source);
    }
    let out = run(dir.path(), &["check", "--no-cache", "."]);
    let err = stderr(&out);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    assert!(err.contains("parens.js: analysed in part"), "{err}");
}
