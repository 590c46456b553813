//! Suppression comments.
//!
//! - `# noqa` / `# noqa: SEC101, sql-injection` on the line a finding starts or ends (other
//!   tools' codes in the same `noqa` list are ignored, so `# noqa: S608` never hides ours);
//! - `backend-architect: ignore[SEC101]` (or bare `ignore`) in a comment on the line or the line
//!   above;
//! - `backend-architect: ignore-file[SEC101]` (or bare `ignore-file`) anywhere in the file;
//! - Bandit's `# nosec` on the line: bare, it hides the security rules there (Bandit's scope);
//!   with test ids (`# nosec B101, B608`), only the rules those tests correspond to, so a
//!   project that silenced Bandit on a line reviewed by a person is not asked again.

use ba_syntax::NodeExt;
use std::ops::Range;

use tree_sitter::Tree;

use ba_rules::{self as rules, Finding, Rule};

#[derive(Clone, Debug, PartialEq)]
enum Codes {
    All,
    Some(Vec<&'static Rule>),
    /// Every rule of the security category (a bare Bandit `# nosec`).
    Security,
}

impl Codes {
    fn covers(&self, rule: &Rule) -> bool {
        match self {
            Codes::All => true,
            Codes::Some(list) => list.iter().any(|r| r.code == rule.code),
            Codes::Security => rule.category == rules::Category::Security,
        }
    }
}

/// Bandit test ids and the rules that find the same problem.
const BANDIT: &[(&str, &[&str])] = &[
    ("B101", &["SEC701"]),
    ("B102", &["SEC103"]),
    ("B103", &["SEC406"]),
    ("B104", &["SEC405"]),
    ("B105", &["SEC501"]),
    ("B106", &["SEC501"]),
    ("B107", &["SEC501"]),
    ("B108", &["SEC407"]),
    ("B110", &["SEC702"]),
    ("B112", &["SEC702"]),
    ("B113", &["PERF204"]),
    ("B201", &["SEC401"]),
    ("B202", &["SEC703"]),
    ("B301", &["SEC202"]),
    ("B302", &["SEC202"]),
    ("B303", &["SEC601"]),
    ("B304", &["SEC602"]),
    ("B305", &["SEC602"]),
    ("B306", &["SEC407"]),
    ("B307", &["SEC103"]),
    ("B308", &["SEC304"]),
    ("B310", &["SEC301"]),
    ("B311", &["SEC505"]),
    ("B313", &["SEC203"]),
    ("B314", &["SEC203"]),
    ("B315", &["SEC203"]),
    ("B316", &["SEC203"]),
    ("B317", &["SEC203"]),
    ("B318", &["SEC203"]),
    ("B319", &["SEC203"]),
    ("B320", &["SEC203"]),
    ("B321", &["SEC607"]),
    ("B323", &["SEC604"]),
    ("B324", &["SEC601"]),
    ("B501", &["SEC604"]),
    ("B502", &["SEC605"]),
    ("B503", &["SEC605"]),
    ("B504", &["SEC605"]),
    ("B505", &["SEC603"]),
    ("B506", &["SEC201"]),
    ("B507", &["SEC608"]),
    ("B601", &["SEC102"]),
    ("B602", &["SEC102"]),
    ("B603", &["SEC102"]),
    ("B604", &["SEC102"]),
    ("B605", &["SEC102"]),
    ("B606", &["SEC102"]),
    ("B607", &["SEC102"]),
    ("B608", &["SEC101"]),
    ("B609", &["SEC102"]),
    ("B610", &["SEC101"]),
    ("B611", &["SEC101"]),
    ("B701", &["SEC304"]),
    ("B702", &["SEC304"]),
    ("B703", &["SEC304"]),
    ("B704", &["SEC304"]),
];

/// `# nosec`, `# nosec B101`, `# nosec: B101,B102` (Bandit's forms): bare means every security
/// rule; ids that Bandit knows map to ours; ids it does not know hide nothing.
fn parse_nosec(rest: &str) -> Codes {
    let list = this_line(rest);
    let list = list.trim_start().trim_start_matches(':');
    let ids: Vec<&str> = list
        .split([',', ' ', '\t'])
        .map(str::trim)
        .take_while(|c| {
            c.is_empty()
                || (c.len() == 4
                    && c.starts_with('B')
                    && c[1..].chars().all(|d| d.is_ascii_digit()))
        })
        .filter(|c| !c.is_empty())
        .collect();
    if ids.is_empty() {
        return Codes::Security;
    }
    Codes::Some(
        ids.iter()
            .flat_map(|id| {
                BANDIT
                    .iter()
                    .filter(move |(b, _)| b == id)
                    .flat_map(|(_, codes)| codes.iter())
            })
            .filter_map(|c| rules::lookup(c))
            .collect(),
    )
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

/// The lines a Bandit `# nosec` at `offset` covers: its own line, and, when the comment ends a
/// statement that spans several lines (`data["sig"] = md5(\n    …\n).hexdigest()  # nosec`),
/// every line of that statement, as Bandit reads it.
fn statement_lines(source: &str, tree: &Tree, offset: usize) -> std::ops::Range<usize> {
    let line = line_range(source, offset);
    let statement = tree
        .root_node()
        .descendant_for_byte_range(offset, offset + 1)
        .filter(|n| n.kind_str().contains("comment"))
        .and_then(|comment| comment.prev_named_sibling())
        .filter(|s| {
            // The statement ends on the comment's line, before it.
            s.end_byte() <= offset
                && s.end_byte() >= line.start
                && !s.kind_str().contains("comment")
        });
    match statement {
        Some(s) if s.start_byte() < line.start => {
            line_range(source, s.start_byte()).start..line.end
        }
        _ => line,
    }
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
        for pos in memchr::memmem::find_iter(source.as_bytes(), "nosec") {
            // `# nosec`, not `nosecure` or `# NOSECURITY`.
            let word_end = source[pos + 5..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_');
            if !word_end || !is_in_comment(tree, pos) {
                continue;
            }
            let codes = parse_nosec(&source[pos + 5..]);
            out.lines.push((statement_lines(source, tree, pos), codes));
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

#[cfg(test)]
mod tests {
    use super::Suppressions;
    use ba_rules::{lookup, Finding, Severity};
    use ba_syntax::{parse::parse, Language};

    fn finding(code: &str, source: &str, needle: &str) -> Finding {
        let start = source.find(needle).expect("needle in source");
        Finding {
            rule: lookup(code).expect("known code"),
            range: start..start + needle.len(),
            message: String::new(),
            severity: Severity::Warning,
            fix: None,
            related: Vec::new(),
            audit: false,
        }
    }

    /// Bandit's `# nosec`: bare, every security rule on the line (and nothing else); with test
    /// ids, only the rules those tests correspond to; `nosecure` in prose is not a directive.
    #[test]
    fn bandit_nosec() {
        let source = "assert user.is_authenticated  # nosec\n\
                      requests.get(url)  # nosec\n\
                      subprocess.run(cmd, shell=True)  # nosec B602\n\
                      yaml.load(doc)  # nosec: B101\n\
                      eval(code)  # nosecure, says the comment\n";
        let tree = parse(Language::Python, source, None).expect("parses");
        let s = Suppressions::parse(source, &tree);
        assert!(s.suppresses(&finding("SEC701", source, "assert user")));
        assert!(!s.suppresses(&finding("PERF204", source, "requests.get")));
        assert!(s.suppresses(&finding("SEC102", source, "subprocess.run")));
        assert!(!s.suppresses(&finding("SEC201", source, "yaml.load")));
        assert!(!s.suppresses(&finding("SEC103", source, "eval(code)")));
    }

    /// A `# nosec` that ends a statement spanning several lines covers all of them (Bandit reads
    /// the statement's line range), and nothing before the statement.
    #[test]
    fn bandit_nosec_covers_a_multi_line_statement() {
        let source = "digest = md5(\n    secret.encode()\n).hexdigest()\n\
                      data[\"sig\"] = md5(\n    (params + secret).encode()\n).hexdigest()  # nosec\n";
        let tree = parse(Language::Python, source, None).expect("parses");
        let s = Suppressions::parse(source, &tree);
        assert!(!s.suppresses(&finding("SEC601", source, "md5(\n    secret")));
        assert!(s.suppresses(&finding("SEC601", source, "md5(\n    (params")));
    }
}
