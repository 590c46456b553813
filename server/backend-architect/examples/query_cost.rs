//! What matching the rule patterns costs over a directory of Python files (and what parsing
//! them costs, on one thread): a plain cursor walk for scale, tree-sitter's query engine over
//! the combined query, and `syntax::pattern`.
//!
//! `cargo run --release --example query_cost DIR`

use std::time::Instant;

use backend_architect::engine::query_files;
use backend_architect::syntax::pattern::Patterns;
use backend_architect::syntax::{parse::parse, Language};
use streaming_iterator::StreamingIterator;
use tree_sitter::{Query, QueryCursor, Tree};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: query_cost DIR (Python files)");
    let language = Language::Python;
    let files = python_files(&dir);
    let start = Instant::now();
    let trees: Vec<Tree> = files
        .iter()
        .map(|source| parse(language, source, None).expect("parse"))
        .collect();
    println!("parse on one thread: {:?}", start.elapsed());
    let sources: Vec<&'static str> = query_files(language).iter().map(|q| q.0).collect();

    let start = Instant::now();
    let mut nodes = 0usize;
    for tree in &trees {
        let mut cursor = tree.walk();
        'walk: loop {
            nodes += 1;
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
    }
    println!(
        "{} files, {nodes} nodes: plain cursor walk {:?}",
        files.len(),
        start.elapsed()
    );

    let start = Instant::now();
    let query = Query::new(&language.grammar(), &sources.join("\n")).expect("query compiles");
    let compiled = start.elapsed();
    let start = Instant::now();
    let mut cursor = QueryCursor::new();
    let mut found = 0usize;
    for_each_item(&files, &trees, |item, source| {
        let mut matches = cursor.matches(&query, item, source.as_bytes());
        while matches.next().is_some() {
            found += 1;
        }
    });
    println!(
        "tree-sitter query: {found} matches in {:?} (compiled in {compiled:?})",
        start.elapsed()
    );

    let start = Instant::now();
    let (patterns, _) = Patterns::new(language, &sources).expect("patterns compile");
    let compiled = start.elapsed();
    let start = Instant::now();
    let mut found = 0usize;
    for_each_item(&files, &trees, |item, source| {
        patterns.for_each_match(item, source, &mut |_, _| found += 1);
    });
    println!(
        "syntax::pattern:   {found} matches in {:?} (compiled in {compiled:?})",
        start.elapsed()
    );
}

/// Calls `f` on every top-level item, as the engine does.
fn for_each_item(files: &[String], trees: &[Tree], mut f: impl FnMut(tree_sitter::Node, &str)) {
    for (source, tree) in files.iter().zip(trees) {
        let root = tree.root_node();
        let mut walk = root.walk();
        for item in root.named_children(&mut walk) {
            f(item, source);
        }
    }
}

fn python_files(dir: &str) -> Vec<String> {
    ignore::WalkBuilder::new(dir)
        .build()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}
