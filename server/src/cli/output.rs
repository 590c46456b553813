//! Report formats: text (ruff-like), JSON, SARIF 2.1.0.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::rules::{Applicability, Finding, Severity, RULES};
use crate::syntax::position::LineIndex;

/// 1-based (line, column).
pub type LineCol1 = (usize, usize);

/// A finding with 1-based line/column (columns in Unicode scalar values).
pub struct Reported {
    pub finding: Finding,
    pub start: LineCol1,
    pub end: LineCol1,
    /// Fix edits with their positions.
    pub edits: Vec<(LineCol1, LineCol1, String)>,
}

impl Reported {
    pub fn new(finding: Finding, text: &str, index: &LineIndex) -> Self {
        let pos = |o: usize| {
            let (l, c) = index.line_col(text, o);
            (l + 1, c + 1)
        };
        let edits = finding
            .fix
            .iter()
            .flat_map(|f| f.edits.iter())
            .map(|e| (pos(e.range.start), pos(e.range.end), e.content.clone()))
            .collect();
        Self {
            start: pos(finding.range.start),
            end: pos(finding.range.end),
            edits,
            finding,
        }
    }
}

pub struct FileReport {
    pub path: String,
    pub findings: Vec<Reported>,
}

pub fn text(reports: &[FileReport], files_checked: usize) -> String {
    let mut out = String::new();
    let mut total = 0;
    let mut fixable = 0;
    for report in reports {
        for r in &report.findings {
            total += 1;
            let fix = r.finding.fix.as_ref();
            if fix.is_some_and(|f| f.applicability == Applicability::Safe) {
                fixable += 1;
            }
            let marker = if fix.is_some() { " [*]" } else { "" };
            let _ = writeln!(
                out,
                "{}:{}:{}: {}{} {}",
                report.path,
                r.start.0,
                r.start.1,
                r.finding.code(),
                marker,
                r.finding.message
            );
        }
    }
    let files = if files_checked == 1 { "file" } else { "files" };
    if total == 0 {
        let _ = writeln!(out, "All checks passed ({files_checked} {files} checked).");
    } else {
        let noun = if total == 1 { "finding" } else { "findings" };
        let _ = write!(out, "Found {total} {noun} in {files_checked} {files}.");
        if fixable > 0 {
            let _ = write!(out, " [*] {fixable} fixable with a safe fix.");
        }
        out.push('\n');
    }
    out
}

pub fn json(reports: &[FileReport]) -> String {
    let list: Vec<Value> = reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |r| {
                let f = &r.finding;
                json!({
                    "code": f.code(),
                    "name": f.rule.name,
                    "severity": f.severity.name(),
                    "message": f.message,
                    "path": report.path,
                    "start": { "line": r.start.0, "column": r.start.1 },
                    "end": { "line": r.end.0, "column": r.end.1 },
                    "cwe": f.rule.cwe_tags(),
                    "fix": f.fix.as_ref().map(|fix| json!({
                        "title": fix.title,
                        "applicability": match fix.applicability { Applicability::Safe => "safe", Applicability::Unsafe => "unsafe" },
                        "edits": r.edits.iter().map(|(s, e, c)| json!({
                            "start": { "line": s.0, "column": s.1 },
                            "end": { "line": e.0, "column": e.1 },
                            "content": c,
                        })).collect::<Vec<_>>(),
                    })),
                })
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

fn uri_of(path: &str) -> String {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.replace('\\', "/").replace(' ', "%20")
}

pub fn sarif(reports: &[FileReport]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let mut tags = vec![r.category.name().to_owned()];
            tags.extend(r.cwe_tags());
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.summary, "markdown": super::catalog::explain(r) },
                "defaultConfiguration": { "level": sarif_level(r.severity) },
                "properties": { "tags": tags, "precision": "high" },
            })
        })
        .collect();
    let mut artifacts = BTreeSet::new();
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|report| {
            artifacts.insert(uri_of(&report.path));
            report.findings.iter().map(move |r| {
                let f = &r.finding;
                let index = RULES.iter().position(|x| x.code == f.code()).unwrap_or(0);
                json!({
                    "ruleId": f.code(),
                    "ruleIndex": index,
                    "level": sarif_level(f.severity),
                    "message": { "text": f.message },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri_of(&report.path) },
                            "region": {
                                "startLine": r.start.0, "startColumn": r.start.1,
                                "endLine": r.end.0, "endColumn": r.end.1,
                            }
                        }
                    }],
                })
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "backend-architect",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/backend-architect/backend-architect",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts.iter().map(|u| json!({ "location": { "uri": u } })).collect::<Vec<_>>(),
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}
