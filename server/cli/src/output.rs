//! Report formats: text (ruff-like), JSON, SARIF 2.1.0, GitHub annotations, JUnit XML.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};

use ba_rules::{Applicability, Finding, Severity, RULES};
use ba_syntax::position::LineIndex;

/// 1-based (line, column), columns in Unicode scalar values.
pub type LineCol1 = (usize, usize);

/// A finding with its positions and the text of its first line (for frames and fingerprints).
pub struct Reported {
    pub finding: Finding,
    pub start: LineCol1,
    pub end: LineCol1,
    pub edits: Vec<(LineCol1, LineCol1, String)>,
    /// The finding's related locations (where tainted data came from, protected siblings…).
    pub related: Vec<(LineCol1, LineCol1, String)>,
    pub line_text: String,
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
        let related = finding
            .related
            .iter()
            .filter(|r| r.range.end <= text.len())
            .map(|r| (pos(r.range.start), pos(r.range.end), r.message.clone()))
            .collect();
        let start = pos(finding.range.start);
        let line_start = index.line_start(start.0 - 1).unwrap_or(0);
        let line_end = index.line_start(start.0).unwrap_or(text.len());
        let line_text = text[line_start..line_end]
            .trim_end_matches(['\n', '\r'])
            .to_owned();
        Self {
            start,
            end: pos(finding.range.end),
            edits,
            related,
            finding,
            line_text,
        }
    }
}

pub struct FileReport {
    pub path: String,
    pub findings: Vec<Reported>,
}

#[derive(Clone, Copy)]
pub struct TextStyle {
    /// Show the source line under each finding.
    pub frames: bool,
    pub colour: bool,
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

fn per_rule(reports: &[FileReport]) -> BTreeMap<&'static str, (usize, &'static str, bool)> {
    let mut counts: BTreeMap<&'static str, (usize, &'static str, bool)> = BTreeMap::new();
    for r in reports.iter().flat_map(|r| &r.findings) {
        let e = counts
            .entry(r.finding.code())
            .or_insert((0, r.finding.rule.name, false));
        e.0 += 1;
        e.2 |= r
            .finding
            .fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe);
    }
    counts
}

pub fn text(reports: &[FileReport], files_checked: usize, style: TextStyle) -> String {
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
            // Like Ruff: `[*]` marks what `--fix` applies; `[-]` a fix that needs `--unsafe-fixes`.
            let marker = match fix.map(|f| f.applicability) {
                Some(Applicability::Safe) => " [*]",
                Some(Applicability::Unsafe) => " [-]",
                None => "",
            };
            let colour = match r.finding.severity {
                Severity::Error => "1;31",
                Severity::Warning => "1;33",
                _ => "1;36",
            };
            let _ = writeln!(
                out,
                "{}:{}:{}: {}{} {}",
                paint(style.colour, "1", &report.path),
                r.start.0,
                r.start.1,
                paint(style.colour, colour, r.finding.code()),
                marker,
                r.finding.message
            );
            if style.frames {
                let gutter = r.start.0.to_string();
                let pad = " ".repeat(gutter.len());
                let width = if r.end.0 == r.start.0 {
                    r.end.1.saturating_sub(r.start.1).max(1)
                } else {
                    1
                };
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{gutter} | {}", r.line_text);
                let caret = format!("{}{}", " ".repeat(r.start.1 - 1), "^".repeat(width));
                let _ = writeln!(out, "{pad} | {}", paint(style.colour, colour, &caret));
                out.push('\n');
            }
        }
    }
    let files = if files_checked == 1 { "file" } else { "files" };
    if total == 0 {
        let _ = writeln!(out, "All checks passed ({files_checked} {files} checked).");
        return out;
    }
    if style.frames {
        out.push_str(&statistics(reports));
    }
    let noun = if total == 1 { "finding" } else { "findings" };
    let with = reports.iter().filter(|r| !r.findings.is_empty()).count();
    let with_files = if with == 1 { "file" } else { "files" };
    let _ = write!(
        out,
        "Found {total} {noun} in {with} {with_files} ({files_checked} {files} checked)."
    );
    if fixable > 0 {
        let _ = write!(out, " [*] {fixable} fixable with `--fix`.");
    }
    let unsafe_fixable = reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|r| {
            r.finding
                .fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Unsafe)
        })
        .count();
    if unsafe_fixable > 0 {
        let _ = write!(
            out,
            " [-] {unsafe_fixable} more with `--fix --unsafe-fixes`."
        );
    }
    out.push('\n');
    out
}

/// A count per rule, most frequent first.
pub fn statistics(reports: &[FileReport]) -> String {
    let mut rows: Vec<_> = per_rule(reports).into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let mut out = String::new();
    for (code, (count, name, fixable)) in rows {
        let mark = if fixable { "[*]" } else { "   " };
        let _ = writeln!(out, "{count:>6}  {code:<8} {mark} {name}");
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
                    "related": r.related.iter().map(|(s, e, m)| json!({
                        "start": { "line": s.0, "column": s.1 },
                        "end": { "line": e.0, "column": e.1 },
                        "message": m,
                    })).collect::<Vec<_>>(),
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
    let p = path.strip_prefix("./").unwrap_or(path).replace('\\', "/");
    let mut out = String::with_capacity(p.len());
    for ch in p.chars() {
        match ch {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            _ => out.push(ch),
        }
    }
    // An absolute path is not a relative reference: SARIF wants a `file` URI for it.
    if out.starts_with('/') {
        return format!("file://{out}");
    }
    if out.as_bytes().get(1) == Some(&b':') {
        return format!("file:///{out}");
    }
    out
}

fn fingerprint(parts: &[&str]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    parts.hash(&mut h);
    format!("{:016x}", h.finish())
}

fn region(start: LineCol1, end: LineCol1) -> Value {
    json!({ "startLine": start.0, "startColumn": start.1, "endLine": end.0, "endColumn": end.1 })
}

/// The message `Finding::with_taint` gives the source of tainted data.
const TAINT_SOURCE: &str = "the data comes from here";

/// Something a run has to say about a file besides findings: it was skipped, or analysed only
/// in part. SARIF carries these as tool execution notifications.
pub struct Notice {
    pub path: Option<String>,
    pub message: String,
}

pub fn sarif(reports: &[FileReport], notices: &[Notice]) -> String {
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
                "help": { "text": r.summary, "markdown": ba_rules::catalog::explain(r) },
                "defaultConfiguration": { "level": sarif_level(r.severity) },
                "properties": { "tags": tags, "precision": "high" },
            })
        })
        .collect();
    let mut artifacts = BTreeSet::new();
    let mut results = Vec::new();
    for report in reports {
        let uri = uri_of(&report.path);
        artifacts.insert(uri.clone());
        // Occurrences of the same rule on identical line text, so fingerprints stay stable when
        // lines move but distinguish repeated lines.
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in &report.findings {
            let f = &r.finding;
            let index = RULES.iter().position(|x| x.code == f.code()).unwrap_or(0);
            let normalised: String = r.line_text.split_whitespace().collect::<Vec<_>>().join(" ");
            let n = seen
                .entry((f.code().to_owned(), normalised.clone()))
                .or_insert(0);
            *n += 1;
            let occurrence = n.to_string();
            let mut result = json!({
                "ruleId": f.code(),
                "ruleIndex": index,
                "level": sarif_level(f.severity),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": region(r.start, r.end),
                    }
                }],
                "partialFingerprints": {
                    "backendArchitect/v1": fingerprint(&[f.code(), &uri, &normalised, &occurrence]),
                },
            });
            if !r.related.is_empty() {
                let location = |(s, e): (LineCol1, LineCol1)| {
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": region(s, e),
                        }
                    })
                };
                result["relatedLocations"] = json!(r
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, (s, e, m))| {
                        let mut l = location((*s, *e));
                        l["id"] = json!(i + 1);
                        l["message"] = json!({ "text": m });
                        l
                    })
                    .collect::<Vec<_>>());
                // Taint findings: the path the data took, from its source to the sink.
                if let Some((s, e, _)) = r.related.iter().find(|(_, _, m)| m == TAINT_SOURCE) {
                    result["codeFlows"] = json!([{
                        "message": { "text": "request data from its source to the sink" },
                        "threadFlows": [{
                            "locations": [
                                {
                                    "location": {
                                        "physicalLocation": location((*s, *e))["physicalLocation"].clone(),
                                        "message": { "text": "source: the data comes from here" },
                                    },
                                    "nestingLevel": 0,
                                    "executionOrder": 1,
                                },
                                {
                                    "location": {
                                        "physicalLocation": location((r.start, r.end))["physicalLocation"].clone(),
                                        "message": { "text": format!("sink: {}", f.rule.name) },
                                    },
                                    "nestingLevel": 0,
                                    "executionOrder": 2,
                                },
                            ],
                        }],
                    }]);
                }
            }
            if let Some(fix) = &f.fix {
                result["fixes"] = json!([{
                    "description": { "text": match fix.applicability {
                        Applicability::Safe => fix.title.clone(),
                        Applicability::Unsafe => format!("{} (unsafe: review the change)", fix.title),
                    } },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": uri },
                        "replacements": r.edits.iter().map(|(s, e, c)| json!({
                            "deletedRegion": region(*s, *e),
                            "insertedContent": { "text": c },
                        })).collect::<Vec<_>>(),
                    }],
                }]);
            }
            results.push(result);
        }
    }
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
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notices.iter().map(|n| {
                    let mut note = json!({
                        "level": "warning",
                        "message": { "text": n.message },
                    });
                    if let Some(path) = &n.path {
                        note["locations"] = json!([{
                            "physicalLocation": { "artifactLocation": { "uri": uri_of(path) } }
                        }]);
                    }
                    note
                }).collect::<Vec<_>>(),
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn github_escape(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

/// GitHub Actions workflow commands: one annotation per finding.
pub fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for r in &report.findings {
            let level = match r.finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                _ => "notice",
            };
            let title = format!("{} {}", r.finding.code(), r.finding.rule.name);
            let _ = writeln!(
                out,
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                github_escape(&report.path, true),
                r.start.0,
                r.start.1,
                r.end.0,
                r.end.1,
                github_escape(&title, true),
                github_escape(&r.finding.message, false)
            );
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test case per checked file with findings (one failure each) and one passing
/// case for the clean rest, so CI test reports show both.
pub fn junit(reports: &[FileReport], files_checked: usize) -> String {
    let total: usize = reports.iter().map(|r| r.findings.len()).sum();
    let mut cases = String::new();
    for report in reports {
        for r in &report.findings {
            let f = &r.finding;
            let name = format!("{}:{}:{} {}", report.path, r.start.0, r.start.1, f.code());
            let _ = write!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}:{}:{}: {} {}\n{}</failure>\n    </testcase>\n",
                xml_escape(&report.path),
                xml_escape(&name),
                f.code(),
                xml_escape(&f.message),
                xml_escape(&report.path),
                r.start.0,
                r.start.1,
                f.code(),
                xml_escape(&f.message),
                xml_escape(&r.line_text),
            );
        }
    }
    let clean =
        files_checked.saturating_sub(reports.iter().filter(|r| !r.findings.is_empty()).count());
    let _ = writeln!(
        cases,
        "    <testcase classname=\"backend-architect\" name=\"{clean} files without findings\"/>"
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"backend-architect\" tests=\"{}\" failures=\"{total}\">\n  <testsuite name=\"backend-architect\" tests=\"{}\" failures=\"{total}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n</testsuites>\n",
        total + 1,
        total + 1
    )
}

/// Merges SARIF logs from sharded runs: one run, results and artifacts concatenated, rules
/// re-indexed by id.
pub fn merge_sarif(logs: &[Value]) -> Result<Value, String> {
    let mut merged_run: Option<Value> = None;
    let mut rules: Vec<Value> = Vec::new();
    let mut artifacts: BTreeSet<String> = BTreeSet::new();
    let mut results: Vec<Value> = Vec::new();
    let mut notifications: Vec<Value> = Vec::new();
    for (i, log) in logs.iter().enumerate() {
        if log["version"] != "2.1.0" {
            return Err(format!("input {}: not a SARIF 2.1.0 log", i + 1));
        }
        for run in log["runs"]
            .as_array()
            .ok_or(format!("input {}: no runs", i + 1))?
        {
            let driver_rules = run["tool"]["driver"]["rules"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for rule in &driver_rules {
                if !rules.iter().any(|r| r["id"] == rule["id"]) {
                    rules.push(rule.clone());
                }
            }
            for a in run["artifacts"].as_array().into_iter().flatten() {
                if let Some(u) = a["location"]["uri"].as_str() {
                    artifacts.insert(u.to_owned());
                }
            }
            for invocation in run["invocations"].as_array().into_iter().flatten() {
                notifications.extend(
                    invocation["toolExecutionNotifications"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
            }
            for r in run["results"].as_array().into_iter().flatten() {
                let mut r = r.clone();
                if let Some(pos) = rules.iter().position(|x| x["id"] == r["ruleId"]) {
                    r["ruleIndex"] = json!(pos);
                }
                results.push(r);
            }
            if merged_run.is_none() {
                merged_run = Some(run.clone());
            }
        }
    }
    let mut run = merged_run.ok_or("no runs to merge")?;
    run["tool"]["driver"]["rules"] = Value::Array(rules);
    run["artifacts"] = Value::Array(
        artifacts
            .iter()
            .map(|u| json!({ "location": { "uri": u } }))
            .collect(),
    );
    run["results"] = Value::Array(results);
    run["invocations"] = json!([{
        "executionSuccessful": true,
        "toolExecutionNotifications": notifications,
    }]);
    Ok(json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }))
}

pub fn merge_sarif_command(files: &[PathBuf], output: Option<&Path>) -> ExitCode {
    let mut logs = Vec::new();
    for f in files {
        let parsed = std::fs::read(f).map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<Value>(&b).map_err(|e| format!("not JSON: {e}"))
        });
        match parsed {
            Ok(v) => logs.push(v),
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return ExitCode::from(2);
            }
        }
    }
    let merged = match merge_sarif(&logs) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = serde_json::to_string_pretty(&merged).unwrap_or_default() + "\n";
    let written = match output {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
