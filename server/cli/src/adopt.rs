//! Adopting the tool on a legacy codebase: `--add-noqa` (a suppression comment for every
//! current finding, in the form `config::suppression` reads) and `--baseline FILE` (report only
//! findings that are not in a recorded baseline, matched by rule, file and a fingerprint of the
//! code rather than by line numbers, so edits elsewhere in a file do not resurface old findings).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fix::{self, write_fixes};
use super::output::{self, FileReport};
use ba_rules::Finding;
use ba_syntax::Language;

/// The baseline file: findings as (rule, file, fingerprint) with how many there were.
#[derive(Serialize, Deserialize, Default)]
struct BaselineFile {
    /// What wrote it (to tell a baseline from another JSON file).
    tool: String,
    version: u32,
    findings: Vec<BaselineEntry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct BaselineEntry {
    code: String,
    /// The file, relative to the baseline's directory, with `/` separators.
    path: String,
    /// `output::line_fingerprint` of the finding's line (whitespace-insensitive).
    fingerprint: String,
    /// How many findings of this rule the file had on lines with this fingerprint.
    count: usize,
}

const TOOL: &str = "backend-architect";
const VERSION: u32 = 1;

/// `path` (as reported: relative to the current directory, or absolute) relative to `base`.
fn relative_to(base: &Path, path: &str) -> String {
    let abs = std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| PathBuf::from(path));
    abs.strip_prefix(base)
        .unwrap_or(&abs)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The baseline's folder, resolved (`../baseline.json` from `app/` is the project's folder).
fn base_dir(baseline: &Path) -> PathBuf {
    let abs = std::path::absolute(baseline).unwrap_or_else(|_| baseline.to_path_buf());
    let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// (code, path, fingerprint) → count, for the reports.
fn counts(base: &Path, reports: &[FileReport]) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for report in reports {
        let path = relative_to(base, &report.path);
        for r in &report.findings {
            let key = (
                r.finding.code().to_owned(),
                path.clone(),
                output::line_fingerprint(&r.line_text),
            );
            *out.entry(key).or_insert(0) += 1;
        }
    }
    out
}

/// Writes the findings of `reports` as the baseline `file`; returns how many it holds.
pub(super) fn write_baseline(file: &Path, reports: &[FileReport]) -> Result<usize, String> {
    let base = base_dir(file);
    let findings: Vec<BaselineEntry> = counts(&base, reports)
        .into_iter()
        .map(|((code, path, fingerprint), count)| BaselineEntry {
            code,
            path,
            fingerprint,
            count,
        })
        .collect();
    let total = findings.iter().map(|e| e.count).sum();
    let baseline = BaselineFile {
        tool: TOOL.to_owned(),
        version: VERSION,
        findings,
    };
    let text = serde_json::to_string_pretty(&baseline).map_err(|e| e.to_string())? + "\n";
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(fix::missing_folder(file, dir));
        }
    }
    fix::write_atomically(file, text.as_bytes())?;
    Ok(total)
}

/// Drops from `reports` the findings the baseline `file` records (per rule, file and line
/// fingerprint, up to the recorded count: a second copy of a recorded line is new); returns
/// how many were dropped.
pub(super) fn apply_baseline(file: &Path, reports: &mut [FileReport]) -> Result<usize, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let baseline: BaselineFile = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a baseline file: {e}", file.display()))?;
    if baseline.tool != TOOL || baseline.version != VERSION {
        return Err(format!(
            "{}: not a backend-architect baseline (version {VERSION}); write one with \
             `check --baseline {} --write-baseline`",
            file.display(),
            file.display()
        ));
    }
    let base = base_dir(file);
    let mut left: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for e in baseline.findings {
        *left.entry((e.code, e.path, e.fingerprint)).or_insert(0) += e.count;
    }
    let mut dropped = 0;
    for report in reports.iter_mut() {
        let path = relative_to(&base, &report.path);
        report.findings.retain(|r| {
            let key = (
                r.finding.code().to_owned(),
                path.clone(),
                output::line_fingerprint(&r.line_text),
            );
            match left.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    dropped += 1;
                    false
                }
                _ => true,
            }
        });
    }
    Ok(dropped)
}

/// `text` (without a byte order mark) with a suppression comment for each finding: `# noqa:
/// CODE` at the end of a Python line (extending an existing list), `// backend-architect:
/// ignore[CODE]` on the line above elsewhere (extending an existing directive). Findings are
/// handled from the last to the first, so each one's offsets are still those of the text it
/// was found in; returns the new text and how many findings got a comment.
pub(super) fn add_noqa(language: Language, text: &str, findings: &[Finding]) -> (String, usize) {
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by_key(|f| std::cmp::Reverse((f.range.start, f.rule.code)));
    let mut current = text.to_owned();
    let mut added = 0;
    // (offset, delta) of each edit applied so far, to move the findings still to come.
    let mut shifts: Vec<(usize, isize)> = Vec::new();
    for finding in order {
        let mut f = finding.clone();
        for &(at, delta) in &shifts {
            if f.range.start >= at {
                f.range.start = f.range.start.saturating_add_signed(delta);
                f.range.end = f.range.end.saturating_add_signed(delta);
            }
        }
        if f.range.end > current.len() || !current.is_char_boundary(f.range.start) {
            continue;
        }
        let Some(tree) = ba_syntax::parse::parse(language, &current, None) else {
            continue;
        };
        // Another finding of the rule on the line has its comment already.
        if ba_config::suppression::Suppressions::parse(&current, &tree).suppresses(&f) {
            added += 1;
            continue;
        }
        let offered = ba_engine::fix::suppress::suppressions(language, &current, &tree, &f);
        // The line's own directive (`# noqa` first in Python), never the whole file.
        let Some(s) = offered
            .into_iter()
            .find(|s| !s.title.ends_with("in this file"))
        else {
            continue;
        };
        let edit = s.edit;
        let delta = edit.content.len() as isize - (edit.range.end - edit.range.start) as isize;
        current = ba_engine::fix::apply_edits(&current, std::slice::from_ref(&edit));
        shifts.push((edit.range.end.max(edit.range.start), delta));
        added += 1;
    }
    (current, added)
}

/// `--add-noqa`: a suppression comment for every finding in `reports`, written to the files
/// (byte order mark and line breaks kept; a file changed since it was read is left alone).
/// Returns (comments added, files changed, problems).
pub(super) fn add_noqa_to_files(reports: &[FileReport]) -> (usize, usize, Vec<String>) {
    let mut added = 0;
    let mut files = 0;
    let mut problems = Vec::new();
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let path = Path::new(&report.path);
        let Some(language) = Language::from_path(path) else {
            // Manifests (`--deps`): nothing to suppress in.
            continue;
        };
        let original = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{}: cannot read: {e}", report.path));
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(&original) else {
            continue;
        };
        let (bom, body) = match text.strip_prefix(fix::BOM) {
            Some(rest) => (fix::BOM, rest),
            None => ("", text),
        };
        let findings: Vec<Finding> = report.findings.iter().map(|r| r.finding.clone()).collect();
        let (new, n) = add_noqa(language, body, &findings);
        if n == 0 || new == body {
            continue;
        }
        match write_fixes(path, &original, format!("{bom}{new}").as_bytes()) {
            Ok(()) => {
                added += n;
                files += 1;
            }
            Err(e) => problems.push(format!("{}: {e}", report.path)),
        }
    }
    (added, files, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_config::RuleSet;

    fn findings(path: &str, language: Language, text: &str) -> Vec<Finding> {
        ba_engine::analyze_text(path, language, text, &RuleSet::default())
    }

    /// Every finding gets a comment, several on one line share it, the result has no findings
    /// left, and a second run changes nothing; CRLF line breaks stay.
    #[test]
    fn add_noqa_silences_every_finding_once() {
        let py = "import os\r\nimport pickle\r\n\r\ndef run(cmd, blob):\r\n    os.system(\"ls \" + cmd); pickle.loads(blob)\r\n    os.system(\"rm \" + cmd)\r\n";
        let found = findings("app/views.py", Language::Python, py);
        assert!(found.len() >= 3, "{found:?}");
        let (new, n) = add_noqa(Language::Python, py, &found);
        assert_eq!(n, found.len(), "{new}");
        assert!(new.contains("# noqa: "), "{new}");
        assert!(
            !new.replace("\r\n", "").contains('\n'),
            "CRLF kept: {new:?}"
        );
        assert!(
            findings("app/views.py", Language::Python, &new).is_empty(),
            "{new}"
        );
        let (again, n) = add_noqa(
            Language::Python,
            &new,
            &findings("app/views.py", Language::Python, &new),
        );
        assert_eq!((again.as_str(), n), (new.as_str(), 0));

        let js = "const cp = require('child_process');\nmodule.exports = (x) => { cp.exec('ls ' + x); cp.exec('rm ' + x); };\n";
        let found = findings("app/server.js", Language::JavaScript, js);
        assert_eq!(found.len(), 2, "{found:?}");
        let (new, n) = add_noqa(Language::JavaScript, js, &found);
        assert_eq!(n, 2);
        assert!(
            new.contains("// backend-architect: ignore[SEC102]"),
            "{new}"
        );
        assert!(
            findings("app/server.js", Language::JavaScript, &new).is_empty(),
            "{new}"
        );
    }
}
