//! Builds the workspace index of a project and reports how long it takes:
//! `cargo run --release --example index_bench [DIR] [RUNS]` (default `/tmp/app2000`, 7 runs;
//! generate it with `python3 bench/gen_app.py 2000 /tmp/app2000`).
//!
//! One run = walk the tree (gitignore-aware) + read, parse and extract every file in parallel +
//! resolve the route table + run the cross-file rules: what the server does on `initialized`.
//! It also times, on one thread, parse, fact extraction and full rule analysis of the same
//! files, to show that facts cost a small fraction of the analysis.
use std::time::{Duration, Instant};

use backend_architect::app::{self, WorkspaceIndex};
use backend_architect::config::RuleSet;
use backend_architect::rules::crossfile::CrossFindings;
use backend_architect::syntax::Language;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/app2000".to_owned());
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut times = Vec::new();
    let mut summary = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        let files = app::walk(&[std::path::PathBuf::from(&dir)]);
        let mut index = WorkspaceIndex::new();
        app::index_paths(&mut index, &files, &|_| false);
        let resolved = index.resolved();
        let cross = CrossFindings::compute(&mut index);
        times.push(t.elapsed());
        summary = format!(
            "{} files, {} indexed, {} routes, {} apps, {} cross-file findings",
            files.len(),
            index.len(),
            resolved.routes.len(),
            resolved.apps.len(),
            cross.by_file.values().map(Vec::len).sum::<usize>()
        );
    }
    println!("{summary}");
    println!(
        "index build (walk + parse + extract + resolve + cross-file rules), {} threads: median {:?} of {runs} (min {:?}, max {:?})",
        rayon::current_num_threads(),
        median(times.clone()),
        times.iter().min().unwrap(),
        times.iter().max().unwrap()
    );

    // One thread: what each step costs on the same files.
    let files = app::walk(&[std::path::PathBuf::from(&dir)]);
    let rules = RuleSet::default();
    let (mut parse, mut extract, mut analyse) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for f in &files {
        let Some(language) = Language::from_path(f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        let t = Instant::now();
        let tree = backend_architect::syntax::parse::parse(language, &text, None).unwrap();
        parse += t.elapsed();
        let key = f.to_string_lossy();
        let t = Instant::now();
        let facts = app::extract(language, &tree, &text, &key);
        extract += t.elapsed();
        std::hint::black_box(facts);
        let t = Instant::now();
        let findings =
            backend_architect::engine::analyze(&key, language, &text, &tree, &rules, None);
        analyse += t.elapsed();
        std::hint::black_box(findings);
    }
    println!(
        "one thread over {} files: parse {parse:?}, extract facts {extract:?}, analyse (all rules) {analyse:?}; facts = {:.1}% of analysis",
        files.len(),
        100.0 * extract.as_secs_f64() / analyse.as_secs_f64()
    );
    if let Some(file) = std::env::args().nth(3) {
        keystroke(&file);
    }
}

/// What a keystroke adds in the server for the application model: re-extracting the facts of
/// the changed item and updating the index. `cargo run --release --example index_bench -- DIR
/// RUNS FILE` with FILE a large Python file (e.g. `python3 bench/gen_python.py 8000 /tmp/big.py`).
fn keystroke(file: &str) {
    use backend_architect::app::FactsCache;
    let text = std::fs::read_to_string(file).unwrap();
    let language = Language::from_path(std::path::Path::new(file)).unwrap();
    let tree = backend_architect::syntax::parse::parse(language, &text, None).unwrap();
    let mut cache = FactsCache::default();
    let t = Instant::now();
    let facts = app::extract_cached(language, &tree, &text, file, &mut cache);
    let cold = t.elapsed();
    let mut index = WorkspaceIndex::new();
    index.update(file, file, language, facts);
    let _ = index.resolved();
    // Type in the middle of the file, inside a function body (a comment line, as the latency
    // benchmark does, so the text stays valid): alternate between the two texts, both parsed
    // beforehand, so each step re-extracts the one changed item and updates the index.
    let mid = text.len() / 2;
    let at = text[mid..].find("\n    ").map_or(mid, |i| mid + i + 1);
    let mut edited = text.clone();
    edited.insert_str(at, "#x\n    ");
    let trees = [
        backend_architect::syntax::parse::parse(language, &text, None).unwrap(),
        backend_architect::syntax::parse::parse(language, &edited, None).unwrap(),
    ];
    let texts = [&text, &edited];
    let steps = 400;
    let (mut extracting, mut updating) = (Duration::ZERO, Duration::ZERO);
    let mut reruns = 0;
    for i in 0..steps {
        let t = Instant::now();
        let facts = app::extract_cached(language, &trees[i % 2], texts[i % 2], file, &mut cache);
        extracting += t.elapsed();
        reruns += cache.last_rerun;
        let t = Instant::now();
        index.update(file, file, language, facts);
        let _ = index.resolved();
        updating += t.elapsed();
    }
    let times = vec![(extracting + updating) / steps as u32];
    let extract_times = vec![extracting / steps as u32];
    println!(
        "keystroke in {file} ({} lines): facts from scratch {cold:?}; per keystroke (extract changed item + index update) mean {:?} (extract {:?}), {} item(s) re-extracted per step",
        text.lines().count(),
        median(times),
        median(extract_times),
        reruns as f64 / steps as f64
    );
}
