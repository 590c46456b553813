//! What the combined rule query costs over a directory of Python files, and each pattern alone.
//!
//! `cargo run --release --example query_cost DIR`
//!
//! Prints the time of one pass of the combined query over every top-level item, then per
//! pattern its match count and the time of a pass with that pattern alone. A pattern alone costs
//! about as much as the whole query: the price is the walk over the tree, not the patterns.

use std::time::{Duration, Instant};

use backend_architect::syntax::{parse::parse, Language};
use streaming_iterator::StreamingIterator;
use tree_sitter::{Query, QueryCursor, Tree};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: query_cost DIR (Python files)");
    let language = Language::Python;
    let files = python_files(&dir);
    let trees: Vec<Tree> = files
        .iter()
        .map(|source| parse(language, source, None).expect("parse"))
        .collect();
    let query = &backend_architect::engine::queries(language).query;
    let mut counts = vec![0usize; query.pattern_count()];
    let all = pass(query, &files, &trees, |pattern| counts[pattern] += 1);
    println!(
        "{} files, combined query ({} patterns): {all:?}",
        files.len(),
        query.pattern_count()
    );

    // The combined query's source, rebuilt the way the engine builds it.
    let mut source = String::new();
    let mut seen = Vec::new();
    for rule in backend_architect::rules::RULES.iter() {
        for check in rule.checks.iter().filter(|c| c.family == language.family()) {
            if !seen.contains(&check.query) {
                seen.push(check.query);
                source.push_str(check.query);
                source.push('\n');
            }
        }
    }
    for (pattern, count) in counts.iter().enumerate() {
        let start = query.start_byte_for_pattern(pattern);
        let end = if pattern + 1 < query.pattern_count() {
            query.start_byte_for_pattern(pattern + 1)
        } else {
            source.len()
        };
        let text = &source[start..end];
        let alone = Query::new(&language.grammar(), text).expect("pattern compiles alone");
        let took = pass(&alone, &files, &trees, |_| {});
        let summary: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(80)
            .collect();
        println!("{pattern:3} {count:8} matches {took:>10.1?}  {summary}");
    }
}

fn pass(query: &Query, files: &[String], trees: &[Tree], mut seen: impl FnMut(usize)) -> Duration {
    let start = Instant::now();
    let mut cursor = QueryCursor::new();
    for (source, tree) in files.iter().zip(trees) {
        let root = tree.root_node();
        let mut walk = root.walk();
        for item in root.named_children(&mut walk) {
            cursor.set_byte_range(item.byte_range());
            let mut matches = cursor.matches(query, item, source.as_bytes());
            while let Some(m) = matches.next() {
                seen(m.pattern_index);
            }
        }
    }
    start.elapsed()
}

fn python_files(dir: &str) -> Vec<String> {
    ignore::WalkBuilder::new(dir)
        .build()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}
