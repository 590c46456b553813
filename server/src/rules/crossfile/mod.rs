//! Cross-file rules (`ARC101`–`ARC109`): they judge the application model, not one item, so
//! they run as a file-level pass over the workspace index after the per-item engine. Their
//! findings point at facts (a route, an app's creation) and take their byte ranges from the
//! current facts, so an edit that keeps a file's shape moves them without re-running anything.

pub mod duplicate_route;
pub mod missing_auth;
pub mod missing_health_check;

use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::Tree;

use crate::app::Loc;
use crate::app::WorkspaceIndex;
use crate::config::suppression::Suppressions;
use crate::config::RuleSet;
use crate::rules::{Finding, Related, Rule, Severity};

/// A cross-file finding before positions: the file and fact it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrossFinding {
    pub code: &'static str,
    pub at: Loc,
    pub message: String,
    pub severity: Severity,
    /// Other facts in the same file worth pointing at.
    pub related: Vec<(crate::app::Anchor, String)>,
}

pub static RULES: &[&Rule] = &[
    &duplicate_route::RULE,
    &missing_auth::RULE,
    &missing_health_check::RULE,
];

/// Every cross-file finding of the workspace, grouped by file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CrossFindings {
    pub by_file: HashMap<Arc<str>, Vec<CrossFinding>>,
}

impl CrossFindings {
    pub fn compute(index: &mut WorkspaceIndex) -> Self {
        let resolved = index.resolved();
        let mut all = Vec::new();
        duplicate_route::check(&resolved, &mut all);
        missing_auth::check(&resolved, &mut all);
        missing_health_check::check(&resolved, &mut all);
        let mut by_file: HashMap<Arc<str>, Vec<CrossFinding>> = HashMap::new();
        for f in all {
            by_file.entry(f.at.0.clone()).or_default().push(f);
        }
        for v in by_file.values_mut() {
            v.sort();
            v.dedup();
        }
        CrossFindings { by_file }
    }

    /// Files whose findings differ between `self` and `other`.
    pub fn changed_files(&self, other: &CrossFindings) -> Vec<Arc<str>> {
        let mut out: Vec<Arc<str>> = self
            .by_file
            .keys()
            .chain(other.by_file.keys())
            .filter(|k| self.by_file.get(*k) != other.by_file.get(*k))
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The findings of one file in byte ranges, filtered by the rule set and the file's
    /// suppression comments (`tree` is the file's current tree).
    pub fn findings_for(
        &self,
        index: &WorkspaceIndex,
        key: &str,
        rules: &RuleSet,
        source: &str,
        tree: Option<&Tree>,
    ) -> Vec<Finding> {
        let (Some(list), Some(file)) = (self.by_file.get(key), index.file(key)) else {
            return Vec::new();
        };
        let suppressions = tree.map(|t| Suppressions::parse(source, t));
        let mut out = Vec::new();
        for f in list {
            let Some(rule) = RULES.iter().copied().find(|r| r.code == f.code) else {
                continue;
            };
            if !rules.is_enabled(rule) {
                continue;
            }
            let Some(range) = file.range(f.at.1) else {
                continue;
            };
            if range.end > source.len() {
                continue;
            }
            let finding = Finding {
                rule,
                range,
                message: f.message.clone(),
                severity: rules.severity_override(rule).unwrap_or(f.severity),
                fix: None,
                related: f
                    .related
                    .iter()
                    .filter_map(|(a, m)| {
                        file.range(*a).map(|range| Related {
                            range,
                            message: m.clone(),
                        })
                    })
                    .collect(),
            };
            if suppressions
                .as_ref()
                .is_some_and(|s| s.suppresses(&finding))
            {
                continue;
            }
            out.push(finding);
        }
        out.sort_by(|a, b| (a.range.start, a.rule.code).cmp(&(b.range.start, b.rule.code)));
        out
    }
}

/// A short, stable description of where a fact lives, for messages (`users.py: list_users`).
pub(crate) fn file_name(key: &str) -> &str {
    key.rsplit(['/', '\\']).next().unwrap_or(key)
}

pub(crate) fn is_mutating(methods: &[String]) -> bool {
    methods
        .iter()
        .any(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
}

/// One file's cross-file findings, with the text they were positioned in.
pub struct FileFindings {
    pub path: std::path::PathBuf,
    pub text: String,
    pub findings: Vec<Finding>,
}

/// Cross-file findings for files on disk (`check` and the fixture harness): builds the index
/// from exactly these files, runs the cross-file rules, and returns the findings of each file
/// that has any, filtered by that file's rule set and suppression comments.
/// Whether any of these rule sets enables a cross-file rule (else there is no index to build).
pub fn any_enabled(sets: &[&RuleSet]) -> bool {
    sets.iter()
        .any(|rules| RULES.iter().any(|r| rules.is_enabled(r)))
}

/// The cross-file findings for `files`. `extracted` holds facts the caller already extracted
/// from its own parse (`check` does it while analysing); the other files are read and parsed.
pub fn project_findings(
    files: &[(std::path::PathBuf, &RuleSet)],
    extracted: Vec<(
        std::path::PathBuf,
        crate::syntax::Language,
        crate::app::FileFacts,
    )>,
) -> Vec<FileFindings> {
    // `--select SEC` and the like: no index to build.
    if !any_enabled(&files.iter().map(|(_, r)| *r).collect::<Vec<_>>()) {
        return Vec::new();
    }
    let mut index = WorkspaceIndex::new();
    let have: std::collections::HashSet<std::path::PathBuf> =
        extracted.iter().map(|(p, _, _)| p.clone()).collect();
    for (path, language, facts) in extracted {
        let key = path.to_string_lossy().into_owned();
        index.update(&key, &key, language, facts);
    }
    let paths: Vec<std::path::PathBuf> = files
        .iter()
        .map(|(p, _)| p.clone())
        .filter(|p| !have.contains(p))
        .collect();
    crate::app::index_paths(&mut index, &paths, &|_| false);
    let cross = CrossFindings::compute(&mut index);
    let mut out = Vec::new();
    for (path, rules) in files {
        let key = path.to_string_lossy();
        if !cross.by_file.contains_key(&*key) {
            continue;
        }
        let (Some(language), Ok(text)) = (
            crate::syntax::Language::from_path(path),
            std::fs::read_to_string(path),
        ) else {
            continue;
        };
        let tree = crate::syntax::parse::parse(language, &text, None);
        let findings = cross.findings_for(&index, &key, rules, &text, tree.as_ref());
        if !findings.is_empty() {
            out.push(FileFindings {
                path: path.clone(),
                text,
                findings,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Language;

    fn findings(files: &[(&str, &str)]) -> Vec<(String, &'static str)> {
        let mut index = WorkspaceIndex::new();
        for (path, text) in files {
            let language = Language::from_path(std::path::Path::new(path)).unwrap();
            let tree = crate::syntax::parse::parse(language, text, None).unwrap();
            index.update(
                path,
                path,
                language,
                crate::app::extract(language, &tree, text, path),
            );
        }
        let cross = CrossFindings::compute(&mut index);
        let mut out: Vec<(String, &'static str)> = cross
            .by_file
            .values()
            .flatten()
            .map(|f| (f.at.0.to_string(), f.code))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn apps_in_tests_are_left_alone() {
        let app = "const express = require(\"express\");\nconst app = express();\napp.get(\"/a\", h);\napp.get(\"/a\", h2);\n";
        assert!(findings(&[("/p/test/app.test.js", app)]).is_empty());
        assert_eq!(
            findings(&[("/p/src/app.js", app)]),
            vec![
                ("/p/src/app.js".to_owned(), "ARC101"),
                ("/p/src/app.js".to_owned(), "ARC101"),
                ("/p/src/app.js".to_owned(), "ARC103"),
            ]
        );
    }

    #[test]
    fn different_methods_or_apps_are_not_duplicates() {
        let a = "from fastapi import FastAPI\napp = FastAPI()\n@app.get(\"/x\")\ndef a():\n    pass\n@app.post(\"/x\")\ndef b():\n    pass\n@app.get(\"/health\")\ndef h():\n    pass\n";
        let b = "from fastapi import FastAPI\nother = FastAPI()\n@other.get(\"/x\")\ndef a():\n    pass\n@other.get(\"/healthz\")\ndef h():\n    pass\n";
        assert!(findings(&[("/p/a.py", a), ("/p/b.py", b)]).is_empty());
    }
}
