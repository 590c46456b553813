//! The incremental reparse (the patched tree-sitter in `vendor/tree-sitter`, see its PATCH.md):
//! a keystroke at the boundary of a Python block re-lexes the edit, not the rest of the file,
//! and the tree after any sequence of edits is the tree a fresh parse gives.
//!
//! Work is counted in tokens the lexer produced (tree-sitter's log), not timed.

use std::sync::{Arc, Mutex};

use ba_syntax::document::Document;
use ba_syntax::Language;
use proptest::prelude::*;
use tree_sitter::{InputEdit, LogType, Parser, Point, Tree};

/// `n` small top-level functions, the shape of issue #22's worst case.
fn many_functions(n: usize) -> String {
    let mut out = String::from("import subprocess\nfrom flask import request\n\n");
    for i in 0..n {
        out.push_str(&format!("def f{i}(x):\n    y = x + {i}\n    return y\n\n"));
    }
    out
}

fn point(text: &[u8], offset: usize) -> Point {
    let before = &text[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
    Point::new(row, column)
}

/// Types a space at `offset` and deletes it again, `rounds` times, with the parser's log on;
/// returns how many tokens each reparse lexed.
fn lexes_per_keystroke(text: &str, offset: usize, rounds: usize) -> Vec<usize> {
    let mut parser = Parser::new();
    parser
        .set_language(&Language::Python.grammar())
        .expect("grammar");
    let mut current = text.as_bytes().to_vec();
    let mut tree = parser.parse(&current, None).expect("parse");
    let lexed = Arc::new(Mutex::new(0usize));
    let counter = lexed.clone();
    parser.set_logger(Some(Box::new(move |_kind: LogType, message: &str| {
        if message.starts_with("lexed_lookahead") {
            *counter.lock().unwrap() += 1;
        }
    })));
    let mut counts = Vec::new();
    for i in 0..rounds * 2 {
        let (new, old_end, new_end) = if i % 2 == 0 {
            let mut new = current.clone();
            new.insert(offset, b' ');
            (new, offset, offset + 1)
        } else {
            let mut new = current.clone();
            new.remove(offset);
            (new, offset + 1, offset)
        };
        tree.edit(&InputEdit {
            start_byte: offset,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position: point(&current, offset),
            old_end_position: point(&current, old_end),
            new_end_position: point(&new, new_end),
        });
        *lexed.lock().unwrap() = 0;
        tree = parser.parse(&new, Some(&tree)).expect("reparse");
        counts.push(*lexed.lock().unwrap());
        current = new;
    }
    counts
}

/// The byte offset of `column` on line `row`, where `column` may be the line's end.
fn offset_of(text: &str, row: usize, column: usize) -> usize {
    text.split_inclusive('\n')
        .take(row)
        .map(str::len)
        .sum::<usize>()
        + column
}

#[test]
fn a_keystroke_at_a_block_boundary_relexes_the_edit_not_the_rest_of_the_file() {
    let text = many_functions(1_000);
    let lines: Vec<&str> = text.lines().collect();
    // A function's last line in the middle of the file (`    return y`), the blank line after
    // it, the start of the next `def` and the start of a statement inside a block: the edits
    // upstream tree-sitter answers by parsing every later function again.
    let middle = 3 + 4 * 500;
    assert_eq!(lines[middle + 2], "    return y");
    let cases = [
        (
            "end of a function's last line",
            middle + 2,
            lines[middle + 2].len(),
        ),
        ("blank line between functions", middle + 3, 0),
        ("start of a def", middle + 4, 0),
        ("start of a statement", middle + 1, 4),
        ("end of a def line", middle, lines[middle].len()),
    ];
    for (what, row, column) in cases {
        let counts = lexes_per_keystroke(&text, offset_of(&text, row, column), 3);
        // The first reparse after a fresh parse lexes each later `def` once (its first leaf
        // was lexed in another state); from then on only the edit's neighbourhood.
        let steady = &counts[2..];
        assert!(
            steady.iter().all(|&n| n < 50),
            "{what}: tokens lexed per keystroke {counts:?} (the file has 1,000 functions, \
             about 12,000 tokens): the reparse is not incremental; was vendor/tree-sitter's \
             patch lost in an upgrade?"
        );
    }
}

fn fresh(language: Language, text: &str) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(&language.grammar()).expect("grammar");
    parser.parse(text, None).expect("parse")
}

const PIECES: &[&str] = &[
    " ",
    "\n",
    "    ",
    ":",
    "(",
    ")",
    "\"",
    "'",
    "#",
    "x",
    "def ",
    "\t",
    "{",
    "}",
    "\n    ",
    "class A:\n",
    "pass",
    "return y",
    "\n\n",
    "if x:\n        ",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any sequence of insertions and deletions through `Document` (the server's path) leaves
    /// the tree a fresh parse of the same text gives, whenever that text parses without error
    /// (error recovery may legitimately differ between an incremental and a fresh parse).
    #[test]
    fn edits_leave_the_tree_a_fresh_parse_gives(
        functions in 2usize..40,
        edits in prop::collection::vec((0.0f64..1.0, 0usize..PIECES.len(), 0usize..4), 1..30),
    ) {
        let mut text = many_functions(functions);
        text.push_str("class Service:\n    def get(self, id):\n        return id\n");
        let mut doc = Document::new(Language::Python, 1, text.clone());
        doc.tree();
        for (at, piece, delete) in edits {
            let mut start = ((text.len() as f64) * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let (end, insert) = if delete > 0 {
                ((start + delete).min(text.len()), "")
            } else {
                (start, PIECES[piece])
            };
            doc.edit(start, end, insert);
            text.replace_range(start..end, insert);
            let incremental = doc.tree().expect("tree").root_node().to_sexp();
            let reference = fresh(Language::Python, &text);
            if !reference.root_node().has_error() {
                prop_assert_eq!(incremental, reference.root_node().to_sexp(), "text:\n{}", text);
            }
        }
    }
}
