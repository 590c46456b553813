//! Profiles keystrokes on a file: `cargo run --release --example profile FILE [N]`.
use std::time::Instant;

use backend_architect::config::RuleSet;
use backend_architect::engine::{analyze, ItemCache};
use backend_architect::syntax::{Document, Language, LineCol, PositionEncoding, TextChange};

fn main() {
    let path = std::env::args().nth(1).expect("file");
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let src = std::fs::read_to_string(&path).unwrap();
    let rules = RuleSet::default();
    let t = Instant::now();
    let mut doc = Document::new(Language::Python, 1, src.clone());
    let mut cache = ItemCache::default();
    let tree = doc.tree().unwrap().clone();
    let f = analyze(
        "x",
        Language::Python,
        doc.text(),
        &tree,
        &rules,
        Some(&mut cache),
    );
    println!("open: {:?}, {} findings", t.elapsed(), f.len());
    let line = (src.lines().count() / 2) as u32;
    // Type inside a comment (after its `#`), as `bench/lsp_latency.py` does: the text stays
    // valid, so the timing is not an error-recovery reparse.
    let (line, column) = src
        .lines()
        .enumerate()
        .skip(line as usize)
        .find_map(|(i, l)| l.find('#').map(|c| (i as u32, c as u32 + 1)))
        .unwrap();
    let mut times = Vec::new();
    let mut parse_times = Vec::new();
    for i in 0..n {
        let change = if i % 2 == 0 {
            TextChange {
                range: Some((LineCol::new(line, column), LineCol::new(line, column))),
                text: "x".into(),
            }
        } else {
            TextChange {
                range: Some((LineCol::new(line, column), LineCol::new(line, column + 1))),
                text: String::new(),
            }
        };
        let t = Instant::now();
        doc.apply_changes(i as i32 + 2, &[change], PositionEncoding::Utf16);
        let tree = doc.tree().unwrap().clone();
        parse_times.push(t.elapsed());
        let f = analyze(
            "x",
            Language::Python,
            doc.text(),
            &tree,
            &rules,
            Some(&mut cache),
        );
        times.push(t.elapsed());
        std::hint::black_box(f);
    }
    times.sort();
    parse_times.sort();
    println!("edit+reparse median {:?}", parse_times[n / 2]);
    println!(
        "keystroke median {:?} p90 {:?} (items re-run last: {})",
        times[n / 2],
        times[n * 9 / 10],
        cache.last_rerun
    );
}
