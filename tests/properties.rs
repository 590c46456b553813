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
