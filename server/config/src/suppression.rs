//! Suppression comments.
//!
//! - `# noqa` / `# noqa: SEC101, sql-injection` on the line a finding starts or ends (other
//!   tools' codes in the same `noqa` list are ignored, so `# noqa: S608` never hides ours);
//! - `backend-architect: ignore[SEC101]` (or bare `ignore`) in a comment on the line or the line
//!   above;
//! - `backend-architect: ignore-file[SEC101]` (or bare `ignore-file`) anywhere in the file.

use ba_syntax::NodeExt;
use std::ops::Range;

use tree_sitter::Tree;

use ba_rules::{self as rules, Finding, Rule};

#[derive(Clone, Debug, PartialEq)]
enum Codes {
    All,
    Some(Vec<&'static Rule>),
}

impl Codes {
    fn covers(&self, rule: &Rule) -> bool {
        match self {
            Codes::All => true,
            Codes::Some(list) => list.iter().any(|r| r.code == rule.code),
        }
    }
}

#[derive(Debug, Default)]
pub struct Suppressions {
    /// Byte ranges of lines (without terminator) and what is suppressed there.
    lines: Vec<(Range<usize>, Codes)>,
    file: Vec<Codes>,
}

pub const MARKER: &str = "backend-architect:";

fn line_range(source: &str, offset: usize) -> Range<usize> {
    let start = source[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = source[offset..]
        .find(['\n', '\r'])
        .map_or(source.len(), |i| offset + i);
    start..end
}

fn next_line_range(source: &str, line: &Range<usize>) -> Option<Range<usize>> {
    let rest = &source[line.end..];
    let skip = if rest.starts_with("\r\n") {
        2
    } else if rest.is_empty() {
        return None;
    } else {
        1
    };
    let start = line.end + skip;
    Some(line_range(source, start.min(source.len())))
}

/// Parses `[A, b-c]` following a directive; no brackets means every rule.
fn parse_bracket_list(rest: &str) -> Codes {
    let rest = this_line(rest).trim_start();
    let Some(inner) = rest.strip_prefix('[').and_then(|r| r.split(']').next()) else {
        return Codes::All;
    };
    Codes::Some(
        inner
            .split(',')
            .filter_map(|c| rules::lookup(c.trim()))
            .collect(),
    )
}

/// `rest` up to the end of its line: a directive never reads the next line (`# noqa: SEC102`
/// followed by a line starting at column 0 read as one token and suppressed nothing).
fn this_line(rest: &str) -> &str {
    rest.find(['\n', '\r']).map_or(rest, |i| &rest[..i])
}

fn parse_noqa(rest: &str) -> Codes {
    let Some(list) = this_line(rest).trim_start().strip_prefix(':') else {
        return Codes::All;
    };
    // Codes run until something that is not a code list (e.g. trailing prose).
    let codes = list
        .split([',', ' ', '\t'])
        .map(str::trim)
        .take_while(|c| {
            c.is_empty()
                || c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        })
        .filter(|c| !c.is_empty());
    Codes::Some(codes.filter_map(rules::lookup).collect())
}

fn is_in_comment(tree: &Tree, offset: usize) -> bool {
    tree.root_node()
        .descendant_for_byte_range(offset, offset + 1)
        .is_some_and(|n| n.kind_str().contains("comment"))
}

impl Suppressions {
    pub fn parse(source: &str, tree: &Tree) -> Self {
        let mut out = Suppressions::default();
        // memmem: this scan runs on every keystroke over the whole file.
        for pos in memchr::memmem::find_iter(source.as_bytes(), "noqa") {
            if !is_in_comment(tree, pos) {
                continue;
            }
            let codes = parse_noqa(&source[pos + 4..]);
            out.lines.push((line_range(source, pos), codes));
        }
        for pos in memchr::memmem::find_iter(source.as_bytes(), MARKER) {
            if !is_in_comment(tree, pos) {
                continue;
            }
            let rest = source[pos + MARKER.len()..].trim_start();
            if let Some(list) = rest.strip_prefix("ignore-file") {
                out.file.push(parse_bracket_list(list));
            } else if let Some(list) = rest.strip_prefix("ignore") {
                let codes = parse_bracket_list(list);
                let line = line_range(source, pos);
                if let Some(next) = next_line_range(source, &line) {
                    out.lines.push((next, codes.clone()));
                }
                out.lines.push((line, codes));
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.file.is_empty()
    }

    pub fn suppresses(&self, finding: &Finding) -> bool {
        let rule = finding.rule;
        if self.file.iter().any(|c| c.covers(rule)) {
            return true;
        }
        let start = finding.range.start;
        let end = finding.range.end.saturating_sub(1).max(start);
        self.lines.iter().any(|(range, codes)| {
            let on_line = |o: usize| range.start <= o && o <= range.end;
            (on_line(start) || on_line(end)) && codes.covers(rule)
        })
    }
}
