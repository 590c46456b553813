//! Conversions between byte offsets and `(line, character)` positions in a negotiated encoding.
//!
//! This is the one place that knows about UTF-16 code units and line terminators. Lines end at
//! `\n`, `\r\n` or `\r`, as the LSP specification says. Out-of-range positions are clamped the way
//! editors clamp them: a line past the end means the end of the document, a character past the
//! end of its line means the end of that line (before its terminator), and a character inside a
//! multi-unit character rounds down to the start of that character.

use ropey::Rope;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub character: u32,
}

impl LineCol {
    pub fn new(line: u32, character: u32) -> Self {
        Self { line, character }
    }
}

/// Byte offset of the end of `line`'s content, excluding its terminator.
fn line_content_end(rope: &Rope, line: usize) -> usize {
    let start = rope.line_to_byte(line);
    let slice = rope.line(line);
    let mut len = slice.len_bytes();
    // A line slice ends with at most one terminator: "\r\n", "\n" or "\r".
    if len > 0 && slice.byte(len - 1) == b'\n' {
        len -= 1;
        if len > 0 && slice.byte(len - 1) == b'\r' {
            len -= 1;
        }
    } else if len > 0 && slice.byte(len - 1) == b'\r' {
        len -= 1;
    }
    start + len
}

/// The byte offset of `pos`, clamped into the document and onto a character boundary.
pub fn offset_at(rope: &Rope, pos: LineCol, encoding: PositionEncoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let end = line_content_end(rope, line);
    let character = pos.character as usize;
    let offset = match encoding {
        PositionEncoding::Utf8 => {
            let wanted = start.saturating_add(character).min(end);
            // Round down onto a char boundary.
            rope.char_to_byte(rope.byte_to_char(wanted))
        }
        PositionEncoding::Utf16 => {
            let start_char = rope.byte_to_char(start);
            let start_cu = rope.char_to_utf16_cu(start_char);
            let end_cu = rope.char_to_utf16_cu(rope.byte_to_char(end));
            let cu = start_cu.saturating_add(character).min(end_cu);
            // `utf16_cu_to_char` rounds a position inside a surrogate pair down.
            rope.char_to_byte(rope.utf16_cu_to_char(cu))
        }
        PositionEncoding::Utf32 => {
            let start_char = rope.byte_to_char(start);
            let end_char = rope.byte_to_char(end);
            rope.char_to_byte(start_char.saturating_add(character).min(end_char))
        }
    };
    offset.min(end)
}

/// Columns are counted by scanning the line's text up to the offset when it is at most this
/// many bytes in (cheaper than the rope's index for the short prefixes real code has); longer
/// prefixes (minified files) use the index, which is logarithmic.
const SCAN_LIMIT: usize = 256;

/// The position of byte `offset` (clamped into the document and rounded down to a character).
pub fn position_at(rope: &Rope, offset: usize, encoding: PositionEncoding) -> LineCol {
    let offset = floor_char_boundary(rope, offset.min(rope.len_bytes()));
    let line = rope.byte_to_line(offset);
    let line_start = rope.line_to_byte(line);
    let prefix = offset - line_start;
    let character = match encoding {
        PositionEncoding::Utf8 => prefix,
        _ if prefix <= SCAN_LIMIT => {
            let count: fn(char) -> usize = match encoding {
                PositionEncoding::Utf16 => char::len_utf16,
                _ => |_| 1,
            };
            // Usually the prefix lies in one chunk: count on the `&str` without building a
            // slice of the rope.
            let (chunk, chunk_start, _, _) = rope.chunk_at_byte(line_start);
            match chunk.get(line_start - chunk_start..offset - chunk_start) {
                Some(prefix) => prefix.chars().map(count).sum(),
                None => rope
                    .byte_slice(line_start..offset)
                    .chunks()
                    .map(|chunk| chunk.chars().map(count).sum::<usize>())
                    .sum(),
            }
        }
        PositionEncoding::Utf16 => {
            rope.char_to_utf16_cu(rope.byte_to_char(offset))
                - rope.char_to_utf16_cu(rope.byte_to_char(line_start))
        }
        PositionEncoding::Utf32 => rope.byte_to_char(offset) - rope.byte_to_char(line_start),
    };
    LineCol::new(line as u32, character as u32)
}

/// The positions of `start` and `end` (both clamped and rounded down like `position_at`). A
/// range within one line and one rope chunk, which is what nearly every diagnostic is, costs
/// one position lookup and a scan of its own text instead of two lookups.
pub fn span_at(
    rope: &Rope,
    start: usize,
    end: usize,
    encoding: PositionEncoding,
) -> (LineCol, LineCol) {
    let first = position_at(rope, start, encoding);
    let len = rope.len_bytes();
    let (start, end) = (floor_char_boundary(rope, start.min(len)), end.min(len));
    if end > start && end < len {
        let (chunk, chunk_start, _, _) = rope.chunk_at_byte(start);
        let mut local_end = end - chunk_start;
        if local_end < chunk.len() {
            while !chunk.is_char_boundary(local_end) {
                local_end -= 1;
            }
            let text = &chunk[start - chunk_start..local_end];
            if !text.contains(['\n', '\r']) {
                let width: usize = match encoding {
                    PositionEncoding::Utf8 => text.len(),
                    PositionEncoding::Utf16 => text.chars().map(char::len_utf16).sum(),
                    PositionEncoding::Utf32 => text.chars().count(),
                };
                return (
                    first,
                    LineCol::new(first.line, first.character + width as u32),
                );
            }
        }
    }
    (first, position_at(rope, end, encoding))
}

/// `offset` moved down onto the start of the character it is in.
fn floor_char_boundary(rope: &Rope, offset: usize) -> usize {
    if offset == rope.len_bytes() {
        return offset;
    }
    let (chunk, chunk_start, _, _) = rope.chunk_at_byte(offset);
    let mut local = offset - chunk_start;
    while !chunk.is_char_boundary(local) {
        local -= 1;
    }
    chunk_start + local
}

/// A tree-sitter point (row, byte column) for `offset`, using the rope's line index.
pub fn point_at(rope: &Rope, offset: usize) -> tree_sitter::Point {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    tree_sitter::Point::new(line, offset - rope.line_to_byte(line))
}

/// A line index over a plain string, for callers (the CLI) that hold text rather than a rope.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Self { starts }
    }

    /// Zero-based line and zero-based column in Unicode scalar values.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, col)
    }

    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_and_rounds() {
        let rope = Rope::from_str("a😀b\r\nxyz\rq");
        let enc = PositionEncoding::Utf16;
        assert_eq!(offset_at(&rope, LineCol::new(0, 1), enc), 1);
        // Inside the surrogate pair: round down to the emoji's start.
        assert_eq!(offset_at(&rope, LineCol::new(0, 2), enc), 1);
        assert_eq!(offset_at(&rope, LineCol::new(0, 3), enc), 5);
        // Past the end of the line: before "\r\n".
        assert_eq!(offset_at(&rope, LineCol::new(0, 99), enc), 6);
        assert_eq!(offset_at(&rope, LineCol::new(1, 99), enc), 11);
        assert_eq!(offset_at(&rope, LineCol::new(2, 0), enc), 12);
        assert_eq!(offset_at(&rope, LineCol::new(9, 0), enc), 13);
        assert_eq!(position_at(&rope, 5, enc), LineCol::new(0, 3));
        assert_eq!(
            position_at(&rope, 5, PositionEncoding::Utf8),
            LineCol::new(0, 5)
        );
        assert_eq!(
            position_at(&rope, 5, PositionEncoding::Utf32),
            LineCol::new(0, 2)
        );
        assert_eq!(position_at(&rope, 12, enc), LineCol::new(2, 0));
    }

    #[test]
    fn line_index_columns_are_chars() {
        let text = "é = 1\nx = é\r\ny";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, text.find("x").unwrap()), (1, 0));
        assert_eq!(idx.line_col(text, text.rfind("é").unwrap()), (1, 4));
        assert_eq!(idx.line_col(text, text.len() - 1), (2, 0));
    }
}
