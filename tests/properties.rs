//! Property tests: random edits sent as protocol positions, in every encoding, give the same
//! text as a reference implementation and the same tree as a fresh parse; positions round-trip.

use proptest::prelude::*;
use ropey::Rope;

use backend_architect::syntax::parse::parse;
use backend_architect::syntax::position::{offset_at, position_at, span_at};
use backend_architect::syntax::{Document, Language, LineCol, PositionEncoding, TextChange};

fn encodings() -> impl Strategy<Value = PositionEncoding> {
    prop_oneof![
        Just(PositionEncoding::Utf8),
        Just(PositionEncoding::Utf16),
        Just(PositionEncoding::Utf32)
    ]
}

/// Python-ish text with multi-byte characters and all three line endings.
fn text_strategy(with_cr: bool) -> impl Strategy<Value = String> {
    let pieces = if with_cr {
        prop::sample::select(vec![
            "def f(x):\n",
            "    eval(x)\n",
            "é",
            "😀",
            "\r\n",
            "\r",
            "\n",
            " ",
            "a",
            "(",
            "'",
            "\"",
            "#",
            "x = 1",
        ])
    } else {
        prop::sample::select(vec![
            "def f(x):\n",
            "    eval(x)\n",
            "é",
            "😀",
            "\r\n",
            "\n",
            " ",
            "a",
            "(",
            "'",
            "\"",
            "#",
            "x = 1",
        ])
    };
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

/// Reference: the byte offset of a position, by walking the string, with editor clamping.
fn reference_offset(text: &str, pos: LineCol, enc: PositionEncoding) -> usize {
    let mut line_starts = vec![0];
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            line_starts.push(i + 2);
            i += 2;
            continue;
        }
        if b[i] == b'\n' || b[i] == b'\r' {
            line_starts.push(i + 1);
        }
        i += 1;
    }
    let line = pos.line as usize;
    if line >= line_starts.len() {
        return text.len();
    }
    let start = line_starts[line];
    let mut end = line_starts.get(line + 1).copied().unwrap_or(text.len());
    let content = &text[start..end];
    if content.ends_with("\r\n") {
        end = start + content.len() - 2;
    } else if content.ends_with('\n') || content.ends_with('\r') {
        end = start + content.len() - 1;
    }
    let mut units = 0usize;
    for (off, ch) in text[start..end].char_indices() {
        let w = match enc {
            PositionEncoding::Utf8 => ch.len_utf8(),
            PositionEncoding::Utf16 => ch.len_utf16(),
            PositionEncoding::Utf32 => 1,
        };
        if units + w > pos.character as usize {
            return start + off;
        }
        units += w;
    }
    end
}

fn same_tree(a: &tree_sitter::Tree, b: &tree_sitter::Tree) -> bool {
    fn walk(a: tree_sitter::Node, b: tree_sitter::Node) -> bool {
        a.kind_id() == b.kind_id()
            && a.byte_range() == b.byte_range()
            && a.start_position() == b.start_position()
            && a.end_position() == b.end_position()
            && a.child_count() == b.child_count()
            && (0..a.child_count()).all(|i| walk(a.child(i).unwrap(), b.child(i).unwrap()))
    }
    walk(a.root_node(), b.root_node())
}

/// Reference: the position of any byte offset through the rope's char/UTF-16 indexes.
fn reference_position(rope: &Rope, offset: usize, enc: PositionEncoding) -> LineCol {
    let char_idx = rope.byte_to_char(offset.min(rope.len_bytes()));
    let offset = rope.char_to_byte(char_idx);
    let line = rope.byte_to_line(offset);
    let line_start = rope.line_to_byte(line);
    let line_char = rope.byte_to_char(line_start);
    let character = match enc {
        PositionEncoding::Utf8 => offset - line_start,
        PositionEncoding::Utf16 => {
            rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_char)
        }
        PositionEncoding::Utf32 => char_idx - line_char,
    };
    LineCol::new(line as u32, character as u32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any byte offset, on a character boundary or not, past the end or not, on short lines
    /// (counted by scanning) and long ones (counted with the rope's index).
    #[test]
    fn positions_of_any_offset_match_the_reference(
        text in text_strategy(true),
        long in prop::collection::vec(prop::sample::select(vec!["é", "😀", "ab", "\t"]), 0..200),
        tail in text_strategy(true),
        at in 0usize..2000,
        enc in encodings(),
    ) {
        let text = format!("{text}{}{tail}", long.concat());
        let rope = Rope::from_str(&text);
        prop_assert_eq!(position_at(&rope, at, enc), reference_position(&rope, at, enc));
        // A span is its two positions, however it is computed.
        for len in [0, 1, 2, 3, 7, 40] {
            prop_assert_eq!(
                span_at(&rope, at, at + len, enc),
                (reference_position(&rope, at, enc), reference_position(&rope, at + len, enc))
            );
        }
    }

    #[test]
    fn offsets_match_the_reference_and_round_trip(text in text_strategy(true), line in 0u32..12, character in 0u32..30, enc in encodings()) {
        let rope = Rope::from_str(&text);
        let pos = LineCol::new(line, character);
        let offset = offset_at(&rope, pos, enc);
        prop_assert_eq!(offset, reference_offset(&text, pos, enc));
        // Every valid offset maps to a position and back.
        let back = position_at(&rope, offset, enc);
        prop_assert_eq!(offset_at(&rope, back, enc), offset);
    }

    #[test]
    fn incremental_edits_match_a_fresh_parse(
        text in text_strategy(false),
        edits in prop::collection::vec((0u32..12, 0u32..30, 0u32..12, 0u32..30, text_strategy(false)), 1..8),
        enc in encodings(),
    ) {
        let mut doc = Document::new(Language::Python, 1, text.clone());
        doc.tree();
        let mut expected = text;
        for (version, (l1, c1, l2, c2, insert)) in edits.into_iter().enumerate() {
            let (a, b) = (LineCol::new(l1, c1), LineCol::new(l2, c2));
            let (mut s, mut e) = (reference_offset(&expected, a, enc), reference_offset(&expected, b, enc));
            if s > e { std::mem::swap(&mut s, &mut e); }
            expected.replace_range(s..e, &insert);
            doc.apply_changes(version as i32 + 2, &[TextChange { range: Some((a, b)), text: insert }], enc);
            prop_assert_eq!(doc.text(), expected.as_str());
            prop_assert_eq!(doc.rope().to_string(), expected.clone());
            // Reparse incrementally after some edits, not all, so several edits pile up too.
            if version % 2 == 0 {
                let incremental = doc.tree().unwrap().clone();
                let fresh = parse(Language::Python, &expected, None).unwrap();
                prop_assert!(same_tree(&incremental, &fresh), "incremental tree differs for {:?}", expected);
            }
        }
        let incremental = doc.tree().unwrap().clone();
        let fresh = parse(Language::Python, &expected, None).unwrap();
        prop_assert!(same_tree(&incremental, &fresh));
    }
}

/// Positions in a document of many rope chunks, where a line prefix can straddle two chunks.
#[test]
fn positions_across_rope_chunks_match_the_reference() {
    let line = "x = \"é😀\" + naïve  # ünïcödé ✓\r\n";
    let mut text = String::new();
    let chars: Vec<char> = line.chars().collect();
    for i in 0..3000 {
        text.extend(&chars[..(i % chars.len()).max(1)]);
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    let rope = Rope::from_str(&text);
    assert!(rope.chunks().count() > 50);
    for enc in [
        PositionEncoding::Utf8,
        PositionEncoding::Utf16,
        PositionEncoding::Utf32,
    ] {
        for offset in (0..=text.len() + 3).step_by(3) {
            assert_eq!(
                position_at(&rope, offset, enc),
                reference_position(&rope, offset, enc),
                "offset {offset} {enc:?}"
            );
            for len in [1, 5, 30] {
                assert_eq!(
                    span_at(&rope, offset, offset + len, enc),
                    (
                        reference_position(&rope, offset, enc),
                        reference_position(&rope, offset + len, enc)
                    ),
                    "span at {offset} + {len} {enc:?}"
                );
            }
        }
    }
}

/// A Flask module of several handlers and helpers with findings in most of them (SQL from a
/// parameter, a shell command, `eval`, a suppression comment), where edits go.
const EDITED_PY: &str = r#"import sqlite3
import subprocess
from flask import Flask, request

app = Flask(__name__)


def lookup(name):
    db = sqlite3.connect("app.db")
    return db.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()


@app.route("/users")
def users():
    name = request.args.get("name", "")
    # A comment inside the handler.
    return {"rows": lookup(name)}


@app.route("/run")
def run():
    cmd = request.args["cmd"]
    subprocess.run(cmd, shell=True)  # noqa: SEC102
    return eval(request.args["expr"])


class Report:
    def render(self, q):
        db = sqlite3.connect("app.db")
        return db.execute("SELECT * FROM t WHERE x = " + q)


def safe(n):
    return n + 1
"#;

const EDITED_JS: &str = r#"const express = require("express");
const { exec } = require("child_process");
const app = express();

function run(req, res) {
  exec("ls " + req.query.dir);
  res.send("ok");
}

function helper(x) {
  return x + 1;
}

class Store {
  find(db, req) {
    return db.query("SELECT * FROM t WHERE id = " + req.params.id);
  }
}

app.get("/run", run);
"#;

/// The file with 40 small functions after it: an item is parsed alone only when it is small
/// beside what follows it (see `Document::edited_item`).
fn padded(text: &str, javascript: bool) -> String {
    let mut out = text.to_owned();
    for i in 0..40 {
        out += &if javascript {
            format!("\nfunction pad{i}(x) {{\n  return x + {i};\n}}\n")
        } else {
            format!("\n\ndef pad{i}(x):\n    return x + {i}\n")
        };
    }
    out
}

fn summary(findings: &[backend_architect::rules::Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?} {} {:?} {:?}",
                f.rule.code,
                f.range,
                f.severity,
                f.message,
                f.fix.as_ref().map(|x| &x.edits),
                f.related.iter().map(|r| &r.range).collect::<Vec<_>>()
            )
        })
        .collect()
}

/// Snippets typed into the file: text that keeps it valid, text that breaks it, strings,
/// brackets, new lines and indentation, names, calls with findings and suppressions.
fn snippet() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "x",
        " ",
        "\n",
        "\n    ",
        "    ",
        "(",
        ")",
        "\"",
        "'",
        "\"\"\"",
        "`",
        "{",
        "}",
        ":",
        ";",
        "# ",
        "# noqa",
        "  # noqa: SEC103",
        "// ",
        "def g():\n    ",
        "return 1",
        "eval(q)",
        "eval(request.args['a'])",
        "subprocess.run(c, shell=True)",
        "\\",
        "@app.route('/x')\n",
        "exec(req.query.a);",
        "import os\n",
        "",
    ])
    .prop_map(str::to_owned)
}

fn edited_item_matches_a_fresh_analysis(
    language: Language,
    path: &str,
    text: &str,
    edits: Vec<(prop::sample::Index, prop::sample::Index, String, bool)>,
) -> Result<usize, TestCaseError> {
    use backend_architect::config::RuleSet;
    use backend_architect::engine::{analyze, analyze_edited, analyze_text, ItemCache};
    let rules = RuleSet::default();
    // `doc` takes the edited-item path where it can; `whole` always reparses the file, with
    // its own cache of the same history.
    let mut doc = Document::new(language, 1, text.to_owned());
    let mut whole = Document::new(language, 1, text.to_owned());
    let (mut cache, mut whole_cache) = (ItemCache::default(), ItemCache::default());
    let tree = doc.tree().unwrap().clone();
    analyze(path, language, doc.text(), &tree, &rules, Some(&mut cache));
    let tree = whole.tree().unwrap().clone();
    analyze(
        path,
        language,
        whole.text(),
        &tree,
        &rules,
        Some(&mut whole_cache),
    );
    let mut fast = 0;
    for (version, (at, len, insert, reparse)) in edits.into_iter().enumerate() {
        let mut start = at.index(doc.text().len() + 1).min(doc.text().len());
        while !doc.text().is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len.index(4)).min(doc.text().len());
        while !doc.text().is_char_boundary(end) {
            end -= 1;
        }
        doc.edit(start, end, &insert);
        whole.edit(start, end, &insert);
        let got = match doc.edited_item() {
            Some(edited) => {
                match analyze_edited(path, language, doc.text(), &edited, &rules, &mut cache) {
                    Some(findings) => {
                        fast += 1;
                        Some(findings)
                    }
                    None => None,
                }
            }
            None => None,
        };
        let got = got.unwrap_or_else(|| {
            let tree = doc.tree().unwrap().clone();
            analyze(path, language, doc.text(), &tree, &rules, Some(&mut cache))
        });
        let tree = whole.tree().unwrap().clone();
        let expected = analyze(
            path,
            language,
            whole.text(),
            &tree,
            &rules,
            Some(&mut whole_cache),
        );
        prop_assert_eq!(
            summary(&got),
            summary(&expected),
            "edit {} of {:?} at {}..{} gives {:?}",
            version,
            insert,
            start,
            end,
            doc.text()
        );
        // Where the text parses, a fresh analysis agrees too (with errors, tree-sitter's
        // recovery may differ between an incremental and a fresh parse).
        if !tree.root_node().has_error() {
            let fresh = analyze_text(path, language, whole.text(), &rules);
            prop_assert_eq!(summary(&expected), summary(&fresh));
        }
        if reparse {
            let tree = doc.tree().unwrap().clone();
            let full = analyze(path, language, doc.text(), &tree, &rules, Some(&mut cache));
            prop_assert_eq!(summary(&full), summary(&expected));
        }
    }
    Ok(fast)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Findings from the edited item parsed alone (`Document::edited_item`, the keystroke's
    /// path) equal a fresh parse and analysis of the same text, with findings present, after
    /// any sequence of edits anywhere (most land inside a function, some break the file).
    #[test]
    fn an_edited_item_analysed_alone_matches_a_fresh_analysis(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), snippet(), any::<bool>()), 1..8),
        javascript in any::<bool>(),
    ) {
        let (language, path, text) = if javascript {
            (Language::JavaScript, "routes/app.js", padded(EDITED_JS, true))
        } else {
            (Language::Python, "app/views.py", padded(EDITED_PY, false))
        };
        edited_item_matches_a_fresh_analysis(language, path, &text, edits)?;
    }
}

/// The keystroke's path is taken at all: typing into a handler's body analyses the handler
/// alone, and the findings are those of a fresh analysis.
#[test]
fn typing_inside_a_handler_takes_the_edited_item_path() {
    let at = EDITED_PY.find("# A comment").unwrap() + 2;
    let edits: Vec<_> = (0..6).map(|i| (i, at + i)).collect();
    let rules = backend_architect::config::RuleSet::default();
    let mut doc = Document::new(Language::Python, 1, padded(EDITED_PY, false));
    let mut cache = backend_architect::engine::ItemCache::default();
    let tree = doc.tree().unwrap().clone();
    backend_architect::engine::analyze(
        "a.py",
        Language::Python,
        doc.text(),
        &tree,
        &rules,
        Some(&mut cache),
    );
    for (_, offset) in edits {
        doc.edit(offset, offset, "y");
        let edited = doc
            .edited_item()
            .expect("an edit inside a handler's comment");
        let got = backend_architect::engine::analyze_edited(
            "a.py",
            Language::Python,
            doc.text(),
            &edited,
            &rules,
            &mut cache,
        )
        .expect("the skeleton is unchanged");
        let expected =
            backend_architect::engine::analyze_text("a.py", Language::Python, doc.text(), &rules);
        assert_eq!(summary(&got), summary(&expected));
        assert!(!expected.is_empty());
    }
    // Typing at the end of a function's last line (tree-sitter's edit extends the function),
    // white space included.
    let end = doc
        .text()
        .find("    return eval(request.args[\"expr\"])")
        .unwrap()
        + "    return eval(request.args[\"expr\"])".len();
    doc.tree();
    for insert in [" ", "  ", "\n", "\n    y = 1"] {
        doc.edit(end, end, insert);
        let edited = doc.edited_item().expect("typing at the end of a function");
        let got = backend_architect::engine::analyze_edited(
            "a.py",
            Language::Python,
            doc.text(),
            &edited,
            &rules,
            &mut cache,
        )
        .expect("the skeleton is unchanged");
        let expected =
            backend_architect::engine::analyze_text("a.py", Language::Python, doc.text(), &rules);
        assert_eq!(summary(&got), summary(&expected));
        doc.edit(end, end + insert.len(), "");
    }
    // An edit to a top-level statement (the skeleton) needs the whole file.
    doc.edit(0, 0, "import os\n");
    assert!(doc.edited_item().is_none());
}
