//! Applying fixes: fix-all for a document (what editors run on save and `check --fix` uses).
//!
//! Fixes are chosen in document order without overlapping edits, applied together, and the
//! result is re-parsed: a fix that would introduce a syntax error is dropped.

use tree_sitter::Tree;

pub mod scaffold;

use crate::rules::{Applicability, Edit, Finding, Fix};
use crate::syntax::{parse, Language};

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

fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.range.start < b.range.end && b.range.start < a.range.end
        // Two insertions at the same point would be ambiguous.
        || (a.range.is_empty() && b.range.is_empty() && a.range.start == b.range.start)
}

fn combined(fixes: &[(&'static str, &Fix)]) -> Vec<Edit> {
    let mut edits: Vec<Edit> = fixes
        .iter()
        .flat_map(|(_, f)| f.edits.iter().cloned())
        .collect();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits
}

/// Whether `text` parses with no more errors than the original had.
fn parses_as_well(language: Language, text: &str, baseline: usize) -> bool {
    parse::parse(language, text, None).is_some_and(|t| error_count(&t) <= baseline)
}

/// Every applicable fix among `findings` (safe ones, plus unsafe ones if asked), applied at once.
pub fn fix_all(
    language: Language,
    source: &str,
    findings: &[Finding],
    include_unsafe: bool,
) -> Option<FixAllResult> {
    let mut candidates: Vec<(&'static str, &Fix)> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref().map(|fix| (f.rule.code, fix)))
        .filter(|(_, fix)| fix.applicability == Applicability::Safe || include_unsafe)
        .filter(|(_, fix)| {
            fix.edits
                .iter()
                .all(|e| e.range.start <= e.range.end && e.range.end <= source.len())
        })
        .collect();
    candidates.sort_by_key(|(_, f)| f.edits.iter().map(|e| e.range.start).min().unwrap_or(0));
    let mut chosen: Vec<(&'static str, &Fix)> = Vec::new();
    for cand in candidates {
        let clash = chosen.iter().any(|(_, c)| {
            c.edits
                .iter()
                .any(|a| cand.1.edits.iter().any(|b| overlaps(a, b)))
        });
        if !clash {
            chosen.push(cand);
        }
    }
    if chosen.is_empty() {
        return None;
    }
    let baseline = parse::parse(language, source, None).map_or(usize::MAX, |t| error_count(&t));
    // Drop fixes that break the syntax on their own, then make sure they also work together.
    chosen.retain(|c| {
        parses_as_well(
            language,
            &apply_edits(source, &combined(std::slice::from_ref(c))),
            baseline,
        )
    });
    while !chosen.is_empty() {
        let edits = combined(&chosen);
        let text = apply_edits(source, &edits);
        if parses_as_well(language, &text, baseline) {
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

/// The edits of one fix as a result, after the same syntax check.
pub fn apply_one(language: Language, source: &str, fix: &Fix) -> Option<String> {
    let baseline = parse::parse(language, source, None).map_or(usize::MAX, |t| error_count(&t));
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let text = apply_edits(source, &edits);
    parses_as_well(language, &text, baseline).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleSet;
    use crate::engine::analyze_text;
    use crate::rules::by_code;

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

    #[test]
    fn a_fix_that_breaks_syntax_is_dropped() {
        let src = "x = 1\n";
        let bad = Finding {
            rule: by_code("SEC201").unwrap(),
            range: 0..1,
            message: String::new(),
            severity: crate::rules::Severity::Error,
            fix: Some(Fix {
                title: "break".into(),
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    range: 0..1,
                    content: "def (".into(),
                }],
            }),
            related: vec![],
        };
        assert!(fix_all(Language::Python, src, &[bad], false).is_none());
    }
}
