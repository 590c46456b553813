//! Cross-file findings in byte ranges: the cross-file rules (`ba_rules::crossfile`) judge the
//! workspace index; this module positions their findings in a file's current text and filters
//! them by the file's rule set and suppression comments, for the server and for files on disk
//! (`check`, the fixture harness).

use tree_sitter::Tree;

use ba_app::WorkspaceIndex;
use ba_config::suppression::Suppressions;
use ba_config::RuleSet;
use ba_rules::crossfile::{CrossFindings, REPORTED};
use ba_rules::{Finding, Related};

/// The findings of one file in byte ranges, filtered by the rule set and the file's
/// suppression comments (`tree` is the file's current tree).
pub fn findings_for(
    cross: &CrossFindings,
    index: &WorkspaceIndex,
    key: &str,
    rules: &RuleSet,
    source: &str,
    tree: Option<&Tree>,
) -> Vec<Finding> {
    let (Some(list), Some(file)) = (cross.by_file.get(key), index.file(key)) else {
        return Vec::new();
    };
    let suppressions = tree.map(|t| Suppressions::parse(source, t));
    let mut out = Vec::new();
    for f in list {
        let Some(rule) = REPORTED.iter().copied().find(|r| r.code == f.code) else {
            continue;
        };
        if !rules.is_enabled(rule) || !rules.applies(rule, file.facts.class) {
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
                        kind: Default::default(),
                    })
                })
                .collect(),
            audit: false,
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
        .any(|rules| REPORTED.iter().any(|r| rules.is_enabled(r)))
}

/// The cross-file findings for `files`. `extracted` holds facts the caller already extracted
/// from its own parse (`check` does it while analysing); the other files are read and parsed.
pub fn project_findings(
    files: &[(std::path::PathBuf, &RuleSet)],
    extracted: Vec<(std::path::PathBuf, ba_syntax::Language, ba_app::FileFacts)>,
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
    ba_app::index_paths(&mut index, &paths, &|_| false);
    let cross = CrossFindings::compute(&mut index);
    let mut out = Vec::new();
    for (path, rules) in files {
        let key = path.to_string_lossy();
        if !cross.by_file.contains_key(&*key) {
            continue;
        }
        let (Some(language), Ok(text)) = (
            ba_syntax::Language::from_path(path),
            std::fs::read_to_string(path),
        ) else {
            continue;
        };
        let tree = ba_syntax::parse::parse(language, &text, None);
        let findings = findings_for(&cross, &index, &key, rules, &text, tree.as_ref());
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
