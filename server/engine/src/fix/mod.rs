//! Applying fixes: fix-all for a document (what editors run on save and `check --fix` uses).
//!
//! Fixes are chosen in document order without overlapping edits, applied together, and the
//! result is re-parsed: a fix that would introduce a syntax error is dropped.

use tree_sitter::Tree;

pub mod suppress;

use ba_rules::{Applicability, Edit, Finding, Fix};
use ba_syntax::{parse, Language};

pub struct FixAllResult {
    /// Non-overlapping edits against the original text, in order.
    pub edits: Vec<Edit>,
    pub text: String,
    /// Codes of the findings fixed, in order.
    pub fixed: Vec<&'static str>,
}

fn error_count(tree: &Tree) -> usize {
    let mut count = 0;
    let mut cursor = tree.walk();
    'outer: loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'outer;
            }
        }
    }
    count
}

/// Applies edits (sorted, non-overlapping) to `text`.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for e in edits {
        out.push_str(&text[last..e.range.start]);
        out.push_str(&e.content);
        last = e.range.end;
    }
    out.push_str(&text[last..]);
    out
}

/// An `import x` line that a fix adds (see `rules::imports`): such insertions commute, so two
/// at the same point do not clash.
fn is_import_line(e: &Edit) -> bool {
    e.range.is_empty() && e.content.starts_with("import ") && e.content.ends_with('\n')
}

fn overlaps(a: &Edit, b: &Edit) -> bool {
    // The same edit twice (two fixes adding `import os`) is applied once.
    a != b
        && (a.range.start < b.range.end && b.range.start < a.range.end
        // Two insertions at the same point would be ambiguous, unless both are import lines.
            || (a.range.is_empty()
                && b.range.is_empty()
                && a.range.start == b.range.start
                && !(is_import_line(a) && is_import_line(b))))
}

fn combined(fixes: &[(&'static str, Fix)]) -> Vec<Edit> {
    let mut edits: Vec<Edit> = fixes
        .iter()
        .flat_map(|(_, f)| f.edits.iter().cloned())
        .collect();
    // Import lines added at one point go in alphabetical order.
    edits.sort_by(|a, b| {
        (a.range.start, a.range.end, &a.content).cmp(&(b.range.start, b.range.end, &b.content))
    });
    edits.dedup();
    edits
}

/// Whether `text` parses with no more errors than the original had.
fn parses_as_well(language: Language, text: &str, baseline: usize) -> bool {
    parse::parse(language, text, None).is_some_and(|t| error_count(&t) <= baseline)
}

/// Judges edits of one source by reparsing incrementally from its tree: a file's fixes are
/// checked with one short reparse instead of a full parse (tens of milliseconds on a large file,
/// which fix-all on save would pay).
struct SyntaxCheck<'s> {
    language: Language,
    source: &'s str,
    tree: Tree,
    baseline: usize,
    /// Byte offsets where lines start, for tree-sitter points.
    lines: Vec<usize>,
}

impl<'s> SyntaxCheck<'s> {
    fn new(language: Language, source: &'s str, tree: Option<&Tree>) -> Option<Self> {
        let tree = match tree {
            Some(t) => t.clone(),
            None => parse::parse(language, source, None)?,
        };
        let lines = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1))
            .collect();
        Some(Self {
            language,
            source,
            baseline: error_count(&tree),
            tree,
            lines,
        })
    }

    fn point(&self, offset: usize) -> tree_sitter::Point {
        let row = self.lines.partition_point(|&l| l <= offset) - 1;
        tree_sitter::Point::new(row, offset - self.lines[row])
    }

    /// The text after `edits` (sorted, not overlapping) if it parses as well as the source.
    fn check(&self, edits: &[Edit]) -> Option<String> {
        let text = apply_edits(self.source, edits);
        let mut tree = self.tree.clone();
        // Back to front: the text before each edit is still the source's.
        for e in edits.iter().rev() {
            let start = self.point(e.range.start);
            let new_end = match e.content.rfind('\n') {
                Some(i) => tree_sitter::Point::new(
                    start.row + e.content.matches('\n').count(),
                    e.content.len() - i - 1,
                ),
                None => tree_sitter::Point::new(start.row, start.column + e.content.len()),
            };
            tree.edit(&tree_sitter::InputEdit {
                start_byte: e.range.start,
                old_end_byte: e.range.end,
                new_end_byte: e.range.start + e.content.len(),
                start_position: start,
                old_end_position: self.point(e.range.end),
                new_end_position: new_end,
            });
        }
        let new_tree = parse::parse(self.language, &text, Some(&tree))?;
        (error_count(&new_tree) <= self.baseline).then_some(text)
    }
}

/// A block a fix adds whole at the start of a line (an `import` line, a helper `def`): two
/// fixes adding the same one need it once, wherever each would put it.
fn is_shared_block(e: &Edit, source: &str) -> bool {
    e.range.is_empty()
        && (e.range.start == 0 || source[..e.range.start].ends_with('\n'))
        && (e.content.starts_with("import ") || e.content.starts_with("def "))
}

/// The module-level names a fix's inserted text binds: lines at column 0 of a block inserted
/// at a line's start that assign a name (`engine = create_engine(…)`, `const pool = new
/// Pool(…)`, `client: Redis = …`).
fn module_bindings<'e>(fix: &'e Fix, source: &str) -> Vec<&'e str> {
    let at_line_start = |e: &Edit| e.range.start == 0 || source[..e.range.start].ends_with('\n');
    fix.edits
        .iter()
        .filter(|e| e.range.is_empty() && at_line_start(e))
        .flat_map(|e| e.content.lines())
        .filter_map(|line| {
            let line = ["const ", "let ", "var "]
                .iter()
                .find_map(|k| line.strip_prefix(k))
                .unwrap_or(line);
            let end = line
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(line.len());
            let (name, rest) = line.split_at(end);
            let rest = rest.trim_start();
            let assigns = (rest.starts_with('=') && !rest.starts_with("=="))
                || (rest.starts_with(':') && rest.contains('='));
            (!name.is_empty() && assigns && !name.starts_with(|c: char| c.is_ascii_digit()))
                .then_some(name)
        })
        .collect()
}

/// Whether two fixes would each add a module-level binding of one name: applied together, the
/// second would silently rebind what the first one's code uses (two handlers' different
/// `engine = create_engine(…)` moved to module level).
fn binds_same_name(a: &Fix, b: &Fix, source: &str) -> bool {
    let names = module_bindings(a, source);
    !names.is_empty() && module_bindings(b, source).iter().any(|n| names.contains(n))
}

/// The file's line break, for text a fix adds: a CRLF file stays CRLF.
fn line_break(source: &str) -> &'static str {
    match source.find('\n') {
        Some(i) if source[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// A fix's edits with line breaks in the file's style; `None` if an edit is out of range or
/// splits a character.
fn normalised(source: &str, fix: &Fix) -> Option<Fix> {
    let newline = line_break(source);
    let mut fix = fix.clone();
    for e in &mut fix.edits {
        if e.range.start > e.range.end
            || e.range.end > source.len()
            || !source.is_char_boundary(e.range.start)
            || !source.is_char_boundary(e.range.end)
        {
            return None;
        }
        if newline == "\r\n" && e.content.contains('\n') {
            e.content = e.content.replace("\r\n", "\n").replace('\n', "\r\n");
        }
    }
    // A fix whose own edits overlap cannot be applied (and would make `apply_edits` panic).
    fix.edits.sort_by_key(|e| (e.range.start, e.range.end));
    if fix.edits.windows(2).any(|w| overlaps(&w[0], &w[1])) {
        return None;
    }
    Some(fix)
}

/// Every applicable fix among `findings` (safe ones, plus unsafe ones if asked), applied at once.
pub fn fix_all(
    language: Language,
    source: &str,
    findings: &[Finding],
    include_unsafe: bool,
) -> Option<FixAllResult> {
    fix_all_in(language, source, None, findings, include_unsafe)
}

/// `fix_all` with the source's syntax tree when the caller has it (an open document), so the
/// result is checked by an incremental reparse.
pub fn fix_all_in(
    language: Language,
    source: &str,
    tree: Option<&Tree>,
    findings: &[Finding],
    include_unsafe: bool,
) -> Option<FixAllResult> {
    let mut candidates: Vec<(&'static str, Fix)> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref().map(|fix| (f.rule.code, fix)))
        .filter(|(_, fix)| fix.applicability == Applicability::Safe || include_unsafe)
        .filter_map(|(code, fix)| Some((code, normalised(source, fix)?)))
        .collect();
    candidates.sort_by_key(|(_, f)| f.edits.iter().map(|e| e.range.start).min().unwrap_or(0));
    let mut chosen: Vec<(&'static str, Fix)> = Vec::new();
    for (code, mut fix) in candidates {
        // A block an earlier fix adds already is not added again.
        fix.edits.retain(|b| {
            !(is_shared_block(b, source)
                && chosen
                    .iter()
                    .any(|(_, c)| c.edits.iter().any(|a| a.content == b.content)))
        });
        let clash = chosen.iter().any(|(_, c)| {
            c.edits
                .iter()
                .any(|a| fix.edits.iter().any(|b| overlaps(a, b)))
                || binds_same_name(c, &fix, source)
        });
        if !clash {
            chosen.push((code, fix));
        }
    }
    if chosen.is_empty() {
        return None;
    }
    let syntax = SyntaxCheck::new(language, source, tree)?;
    // Usually every fix is fine: one reparse of the result says so.
    let edits = combined(&chosen);
    if let Some(text) = syntax.check(&edits) {
        return Some(FixAllResult {
            edits,
            text,
            fixed: chosen.iter().map(|(c, _)| *c).collect(),
        });
    }
    // Otherwise drop fixes that break the syntax on their own, then make sure the rest also
    // work together.
    chosen.retain(|c| syntax.check(&combined(std::slice::from_ref(c))).is_some());
    while !chosen.is_empty() {
        let edits = combined(&chosen);
        if let Some(text) = syntax.check(&edits) {
            return Some(FixAllResult {
                edits,
                text,
                fixed: chosen.iter().map(|(c, _)| *c).collect(),
            });
        }
        chosen.pop();
    }
    None
}

/// The edits of one fix, in order and in the file's line-break style, if applying them keeps
/// the file parsing as well as before (what a quick fix offers).
pub fn checked_edits(language: Language, source: &str, fix: &Fix) -> Option<Vec<Edit>> {
    let fix = normalised(source, fix)?;
    let edits = combined(&[("", fix)]);
    let baseline = parse::parse(language, source, None).map_or(usize::MAX, |t| error_count(&t));
    parses_as_well(language, &apply_edits(source, &edits), baseline).then_some(edits)
}

/// The text after one fix, after the same checks as `checked_edits`.
pub fn apply_one(language: Language, source: &str, fix: &Fix) -> Option<String> {
    checked_edits(language, source, fix).map(|edits| apply_edits(source, &edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze_text;
    use ba_config::RuleSet;
    use ba_rules::by_code;

    #[test]
    fn fix_all_applies_safe_fixes_and_keeps_syntax() {
        let src = "import yaml, subprocess\n\ndef f(p, name):\n    a = yaml.load(p)\n    subprocess.run([\"ls\", name], shell=True)\n    return a\n";
        let findings = analyze_text("t.py", Language::Python, src, &RuleSet::default());
        assert_eq!(findings.len(), 2, "{findings:?}");
        let result = fix_all(Language::Python, src, &findings, false).unwrap();
        assert_eq!(result.fixed, vec!["SEC201", "SEC102"]);
        assert!(result.text.contains("yaml.safe_load(p)"));
        assert!(
            result.text.contains("subprocess.run([\"ls\", name])\n"),
            "{}",
            result.text
        );
        assert!(
            analyze_text("t.py", Language::Python, &result.text, &RuleSet::default()).is_empty()
        );
    }

    /// Two handlers that each create a differently configured engine: moving both to module
    /// level under one name would make the first handler use the second's engine. Fix-all moves
    /// the first; the second stays reported (its fix is offered again only if the name is free).
    #[test]
    fn two_fixes_binding_one_module_name_are_not_applied_together() {
        let src = "from fastapi import FastAPI\nfrom sqlalchemy import create_engine, text\n\napp = FastAPI()\n\n\n@app.get(\"/orders\")\ndef orders():\n    engine = create_engine(\"postgresql://db/orders\")\n    with engine.connect() as conn:\n        return list(conn.execute(text(\"select 1\")))\n\n\n@app.get(\"/users\")\ndef users():\n    engine = create_engine(\"postgresql://db/users\")\n    with engine.connect() as conn:\n        return list(conn.execute(text(\"select 2\")))\n";
        let findings: Vec<Finding> =
            analyze_text("app.py", Language::Python, src, &RuleSet::default())
                .into_iter()
                .filter(|f| f.code() == "PERF205")
                .collect();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings.iter().all(|f| f.fix.is_some()));
        let result = fix_all(Language::Python, src, &findings, true).unwrap();
        assert_eq!(result.fixed, vec!["PERF205"]);
        assert_eq!(
            result.text.matches("\nengine = create_engine(").count(),
            1,
            "{}",
            result.text
        );
        assert!(result
            .text
            .contains("engine = create_engine(\"postgresql://db/orders\""));
        assert!(result
            .text
            .contains("    engine = create_engine(\"postgresql://db/users\")"));
        // Distinct names do move together.
        let src = src
            .replace(
                "    engine = create_engine(\"postgresql://db/orders",
                "    orders_engine = create_engine(\"postgresql://db/orders",
            )
            .replacen("with engine.", "with orders_engine.", 1);
        let findings: Vec<Finding> =
            analyze_text("app.py", Language::Python, &src, &RuleSet::default())
                .into_iter()
                .filter(|f| f.code() == "PERF205")
                .collect();
        let result = fix_all(Language::Python, &src, &findings, true).unwrap();
        assert_eq!(result.fixed, vec!["PERF205", "PERF205"], "{}", result.text);
    }

    #[test]
    fn module_bindings_of_inserted_text() {
        let fix = |content: &str| Fix {
            title: String::new(),
            applicability: Applicability::Safe,
            edits: vec![Edit {
                range: 0..0,
                content: content.into(),
            }],
            imports: Vec::new(),
        };
        let names = |c: &str| {
            module_bindings(&fix(c), "x = 1\n")
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("engine = create_engine(url)\n\n\n"), ["engine"]);
        assert_eq!(names("const pool = new Pool();\n"), ["pool"]);
        assert_eq!(names("client: Redis = Redis()\n"), ["client"]);
        assert!(names("import os\n").is_empty());
        assert!(names("def helper(x):\n    y = 2\n").is_empty());
        assert!(names("a == b\n").is_empty());
    }

    /// A rule with an off-by-one edit (it also eats the closing parenthesis) must not break the
    /// file: fix-all drops that fix, applies the others, and the result parses.
    #[test]
    fn an_off_by_one_fix_is_dropped_and_the_others_still_apply() {
        let src = "import requests, yaml\n\n\ndef f(url, p):\n    cfg = yaml.load(p)\n    return requests.get(url, verify=False, timeout=5), cfg\n";
        let mut findings = analyze_text("t.py", Language::Python, src, &RuleSet::default());
        assert_eq!(
            findings.iter().map(|f| f.code()).collect::<Vec<_>>(),
            vec!["SEC201", "SEC604"]
        );
        let broken = findings[1].fix.as_mut().unwrap();
        assert_eq!(&src[broken.edits[0].range.clone()], ", verify=False");
        broken.edits[0].range.end += 1;
        assert_eq!(
            apply_one(Language::Python, src, broken),
            None,
            "the quick fix is not offered either"
        );
        let result = fix_all(Language::Python, src, &findings, false).unwrap();
        assert_eq!(result.fixed, vec!["SEC201"]);
        assert_eq!(
            result.text,
            "import requests, yaml\n\n\ndef f(url, p):\n    cfg = yaml.safe_load(p)\n    return requests.get(url, verify=False, timeout=5), cfg\n"
        );
    }

    /// Two fixes that each need `import os` and a helper add them once; different imports at
    /// the same point both go in, in order.
    #[test]
    fn shared_imports_and_helpers_are_added_once() {
        let src = "import hashlib\n\nSECRET_KEY = \"Zq8-very-long-secret-value-2024\"\n\n\ndef a(password):\n    return hashlib.sha256(password.encode()).hexdigest()\n\n\ndef b(password):\n    return hashlib.sha1(password.encode()).hexdigest()\n";
        let findings = analyze_text("t.py", Language::Python, src, &RuleSet::default());
        let result = fix_all(Language::Python, src, &findings, true).unwrap();
        assert_eq!(
            result.fixed,
            vec!["SEC501", "SEC503", "SEC503"],
            "{}",
            result.text
        );
        assert_eq!(
            result.text.matches("import os\n").count(),
            1,
            "{}",
            result.text
        );
        assert_eq!(
            result.text.matches("def hash_password").count(),
            1,
            "{}",
            result.text
        );
        assert_eq!(
            result
                .text
                .matches("hash_password(password.encode())")
                .count(),
            2
        );
        assert!(result.text.starts_with("import os\nimport hashlib\n"));
    }

    /// A rule bug that gives one fix overlapping edits costs that fix, not a panic.
    #[test]
    fn a_fix_with_overlapping_edits_is_skipped() {
        let src = "import yaml\n\n\ndef f(p):\n    return yaml.load(p)\n";
        let mut findings = analyze_text("t.py", Language::Python, src, &RuleSet::default());
        let fix = findings[0].fix.as_mut().unwrap();
        let range = fix.edits[0].range.clone();
        fix.edits.push(Edit {
            range: range.start - 2..range.end,
            content: "x".into(),
        });
        assert!(apply_one(Language::Python, src, fix).is_none());
        assert!(fix_all(Language::Python, src, &findings, true).is_none());
    }

    /// The incremental check agrees with a fresh parse, with edits that add and remove lines.
    #[test]
    fn the_incremental_check_matches_a_fresh_parse() {
        let src = "import yaml\n\n\ndef f(p):\n    return yaml.load(p)\n";
        let syntax = SyntaxCheck::new(Language::Python, src, None).unwrap();
        let ok = [
            Edit {
                range: 0..0,
                content: "import os\nimport sys\n".into(),
            },
            Edit {
                range: 40..44,
                content: "safe_load".into(),
            },
        ];
        let text = syntax.check(&ok).unwrap();
        assert_eq!(
            text,
            "import os\nimport sys\nimport yaml\n\n\ndef f(p):\n    return yaml.safe_load(p)\n"
        );
        let bad = [
            Edit {
                range: 0..0,
                content: "import os\n".into(),
            },
            Edit {
                range: 45..48,
                content: "(p".into(),
            },
        ];
        assert_eq!(syntax.check(&bad), None);
        assert!(!parses_as_well(
            Language::Python,
            &apply_edits(src, &bad),
            0
        ));
    }

    proptest::proptest! {
        /// Any set of edits: the incremental check says what a fresh parse says.
        #[test]
        fn incremental_check_agrees_with_a_fresh_parse(
            cuts in proptest::collection::vec((0usize..120, 0usize..6, 0usize..6), 1..5)
        ) {
            let src = "import yaml\n\n\ndef f(p, q):\n    if p:\n        return yaml.load(p)\n    return [q, (p + 1)]\n";
            let snippets = ["", "(", ")", "\n", "x = 1\n", "    "];
            let mut edits: Vec<Edit> = Vec::new();
            for (at, len, snippet) in cuts {
                let start = at.min(src.len());
                let end = (start + len).min(src.len());
                if edits.iter().any(|e| start < e.range.end + 1 && e.range.start < end + 1) {
                    continue;
                }
                edits.push(Edit { range: start..end, content: snippets[snippet].to_owned() });
            }
            edits.sort_by_key(|e| e.range.start);
            let syntax = SyntaxCheck::new(Language::Python, src, None).unwrap();
            let fresh = parses_as_well(Language::Python, &apply_edits(src, &edits), syntax.baseline);
            proptest::prop_assert_eq!(syntax.check(&edits).is_some(), fresh);
        }
    }

    #[test]
    fn a_fix_that_breaks_syntax_is_dropped() {
        let src = "x = 1\n";
        let bad = Finding {
            rule: by_code("SEC201").unwrap(),
            range: 0..1,
            message: String::new(),
            severity: ba_rules::Severity::Error,
            fix: Some(Fix {
                title: "break".into(),
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    range: 0..1,
                    content: "def (".into(),
                }],
                imports: vec![],
            }),
            related: vec![],
            audit: false,
        };
        assert!(fix_all(Language::Python, src, &[bad], false).is_none());
    }
}
