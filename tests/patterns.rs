//! The pattern matcher (`syntax::pattern`) gives the same matches as tree-sitter's own query
//! engine, for every rule query file, on every fixture, fix case, example and app in the repo.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use backend_architect::engine::query_files;
use backend_architect::syntax::pattern::Patterns;
use backend_architect::syntax::{parse::parse, Family, Language};
use streaming_iterator::StreamingIterator;
use tree_sitter::{Query, QueryCapture, QueryCursor};

/// One match: pattern index in its file, and (capture name, byte range) sorted.
type Match = (usize, Vec<(String, usize, usize)>);

/// A match's captures as (name, byte range), sorted: comparable across the two engines, whose
/// capture indices differ.
fn named(names: &[&str], captures: &[QueryCapture]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<_> = captures
        .iter()
        .map(|c| {
            let name = names[c.index as usize].to_owned();
            (name, c.node.start_byte(), c.node.end_byte())
        })
        .collect();
    out.sort();
    out
}

fn sources(root: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "node_modules") {
                sources(&path, out);
            }
        } else if Language::from_path(&path).is_some() {
            out.push(path);
        }
    }
}

const BROKEN: &[(Family, &str)] = &[
    (
        Family::Python,
        "def f(x:\n    cur.execute(f\"SELECT {x}\" +\n    return (x for\nyaml.load(s, Loader=\n",
    ),
    (
        Family::Python,
        "@app.get('/x'\nasync def h(q: str = Query(None)):\n    x += 'a' 'b'\n    [y for y in q if\n",
    ),
    (
        Family::JavaScript,
        "app.get('/x', (req, res) => { db.query(`SELECT ${req.query.id}` + ; obj[req.body.k] = \n",
    ),
    (
        Family::JavaScript,
        "const { a } = require('x'\nfor (const k in req.body { items.forEach((i) => { x == y\n",
    ),
];

#[test]
fn patterns_match_like_tree_sitter_queries() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in [
        "tests/fixtures",
        "tests/fixes",
        "tests/scaffold",
        "examples",
    ] {
        sources(&repo.join(dir), &mut files);
    }
    assert!(files.len() > 50, "{} source files", files.len());
    // More code to compare on, e.g. the benchmark corpora after a grammar upgrade:
    // `PATTERN_CORPUS=bench/corpus cargo test --release --test patterns`.
    if let Ok(dir) = std::env::var("PATTERN_CORPUS") {
        sources(&repo.join(dir), &mut files);
    }
    let mut compared = 0;
    for language in Language::ALL {
        let queries = query_files(language);
        let texts: Vec<&'static str> = queries.iter().map(|q| q.0).collect();
        let (patterns, ranges) = Patterns::new(language, &texts).unwrap();
        let mut inputs: Vec<(String, String)> = files
            .iter()
            .filter(|f| Language::from_path(f) == Some(language))
            .map(|f| (std::fs::read_to_string(f).unwrap(), f.display().to_string()))
            .collect();
        // Text being typed: matches inside and around ERROR and MISSING nodes.
        for (family, text) in BROKEN {
            if *family == language.family() {
                inputs.push((text.to_string(), format!("broken: {text}")));
            }
        }
        let trees: Vec<(String, tree_sitter::Tree, String)> = inputs
            .into_iter()
            .map(|(text, label)| {
                let tree = parse(language, &text, None).unwrap();
                (text, tree, label)
            })
            .collect();
        for (file, (text, range)) in texts.iter().zip(&ranges).enumerate() {
            let query = Query::new(&language.grammar(), text).unwrap();
            assert_eq!(
                query.pattern_count(),
                range.len(),
                "{}",
                queries[file].1[0].1.query_path
            );
            for (source, tree, path) in &trees {
                let mut expected: BTreeSet<Match> = BTreeSet::new();
                let mut cursor = QueryCursor::new();
                let mut matches = cursor.matches(&query, tree.root_node(), source.as_bytes());
                while let Some(m) = matches.next() {
                    let caps = named(query.capture_names(), m.captures());
                    expected.insert((m.pattern_index, caps));
                }
                let mut actual: BTreeSet<Match> = BTreeSet::new();
                patterns.for_each_match(tree.root_node(), source, &mut |index, captures| {
                    if !range.contains(&index) {
                        return;
                    }
                    let caps = named(patterns.capture_names(), captures);
                    actual.insert((index - range.start, caps));
                });
                assert_eq!(
                    actual, expected,
                    "{} on {}",
                    queries[file].1[0].1.query_path, path
                );
                compared += expected.len();
            }
        }
    }
    assert!(compared > 1000, "{compared} matches compared");
}
