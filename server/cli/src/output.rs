//! Report formats: text (ruff-like), JSON, SARIF 2.1.0, GitHub annotations, JUnit XML.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};
use serde_sarif::sarif;

use ba_rules::{Applicability, Finding, RelatedKind, Severity, RULES};
use ba_syntax::position::LineIndex;

/// 1-based (line, column), columns in Unicode scalar values.
pub type LineCol1 = (usize, usize);

/// A finding with its positions and the text of its first line (for frames and fingerprints).
pub struct Reported {
    pub finding: Finding,
    pub start: LineCol1,
    pub end: LineCol1,
    pub edits: Vec<(LineCol1, LineCol1, String)>,
    /// The finding's related locations (where tainted data came from and the steps it took,
    /// in order; protected siblings…).
    pub related: Vec<(LineCol1, LineCol1, String, RelatedKind)>,
    pub line_text: String,
    /// A taint finding's path in one line ("from `request.args` (line 12) via `name` (line
    /// 14)"), for text output.
    pub path: Option<String>,
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
            .map(|r| {
                (
                    pos(r.range.start),
                    pos(r.range.end),
                    r.message.clone(),
                    r.kind,
                )
            })
            .collect();
        let path = finding.path_summary(text, |o| pos(o.min(text.len())).0);
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
            path,
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

fn paint(on: bool, style: anstyle::Style, s: &str) -> String {
    if on {
        format!("{}{s}{}", style.render(), style.render_reset())
    } else {
        s.to_owned()
    }
}

const BOLD: anstyle::Style = anstyle::Style::new().bold();

fn severity_style(severity: Severity) -> anstyle::Style {
    let colour = match severity {
        Severity::Error => anstyle::AnsiColor::Red,
        Severity::Warning => anstyle::AnsiColor::Yellow,
        _ => anstyle::AnsiColor::Cyan,
    };
    BOLD.fg_color(Some(colour.into()))
}

/// A unified diff with its lines coloured as git colours them (headers bold, hunks cyan,
/// removed red, added green).
pub fn colour_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() * 5 / 4);
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            BOLD
        } else if line.starts_with("@@") {
            anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Cyan.into()))
        } else if line.starts_with('+') {
            anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Green.into()))
        } else if line.starts_with('-') {
            anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into()))
        } else {
            out.push_str(line);
            continue;
        };
        let body = line.trim_end_matches(['\n', '\r']);
        out.push_str(&paint(true, style, body));
        out.push_str(&line[body.len()..]);
    }
    out
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
            let marker = if r.finding.audit {
                format!("{marker} [audit]")
            } else {
                marker.to_owned()
            };
            if style.frames {
                // The frame has the code, the message and `--> path:line:col` itself.
                out.push_str(&frame(&report.path, r, style.colour));
                out.push_str("\n\n");
                continue;
            }
            let colour = severity_style(r.finding.severity);
            let _ = writeln!(
                out,
                "{}:{}:{}: {}{} {}",
                paint(style.colour, BOLD, &report.path),
                r.start.0,
                r.start.1,
                paint(style.colour, colour, r.finding.code()),
                marker,
                r.finding.message
            );
            if let Some(path) = &r.path {
                let _ = writeln!(out, "    data path: {path}");
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

/// (code, count, name, whether some of its findings have a safe fix), most frequent first.
fn rule_rows(reports: &[FileReport]) -> Vec<(&'static str, usize, &'static str, bool)> {
    let mut rows: Vec<_> = per_rule(reports)
        .into_iter()
        .map(|(code, (count, name, fixable))| (code, count, name, fixable))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows
}

/// (findings, findings with a safe fix, files with findings).
fn totals(reports: &[FileReport]) -> (usize, usize, usize) {
    let findings = reports.iter().map(|r| r.findings.len()).sum();
    let fixable = reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|r| {
            r.finding
                .fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe)
        })
        .count();
    let files = reports.iter().filter(|r| !r.findings.is_empty()).count();
    (findings, fixable, files)
}

/// The finding's source line with the range marked under it, as rustc and Ruff show it
/// (annotate-snippets): `--> path:line:col`, the line, carets, and the rule's code.
fn frame(path: &str, r: &Reported, colour: bool) -> String {
    use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
    let line = r.line_text.as_str();
    // Columns are 1-based Unicode scalar values; the snippet wants byte offsets in the line.
    let byte_at = |column: usize| {
        line.char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i)
    };
    let start = byte_at(r.start.1);
    // A range over several lines is marked to the end of its first.
    let end = if r.end.0 == r.start.0 {
        byte_at(r.end.1).max(start)
    } else {
        line.len()
    };
    let level = match r.finding.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Hint => Level::NOTE,
    };
    let fix = r.finding.fix.as_ref().map(|f| match f.applicability {
        Applicability::Safe => format!("[*] {} (`--fix`)", f.title),
        Applicability::Unsafe => format!("[-] {} (`--fix --unsafe-fixes`)", f.title),
    });
    let mut group = level
        .primary_title(if r.finding.audit {
            format!("[audit] {}", r.finding.message)
        } else {
            r.finding.message.clone()
        })
        .id(r.finding.code())
        .element(
            Snippet::source(line)
                .line_start(r.start.0)
                .path(path)
                .annotation(AnnotationKind::Primary.span(start..end)),
        );
    let path = r.path.as_ref().map(|p| format!("data path: {p}"));
    if let Some(path) = &path {
        group = group.element(Level::NOTE.message(path.as_str()));
    }
    if let Some(fix) = &fix {
        group = group.element(Level::HELP.message(fix.as_str()));
    }
    let report = &[group];
    let renderer = if colour {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(report)
}

/// A count per rule, most frequent first.
pub fn statistics(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for (code, count, name, fixable) in rule_rows(reports) {
        let mark = if fixable { "[*]" } else { "   " };
        let _ = writeln!(out, "{count:>6}  {code:<8} {mark} {name}");
    }
    out
}

/// `--statistics` as text: the count per rule and a total line.
pub fn statistics_text(reports: &[FileReport], files_checked: usize) -> String {
    let mut out = statistics(reports);
    let (findings, fixable, files) = totals(reports);
    let _ = write!(
        out,
        "{findings:>6}  {} in {files} {} ({files_checked} {} checked)",
        plural(findings, "finding", "findings"),
        plural(files, "file", "files"),
        plural(files_checked, "file", "files"),
    );
    if fixable > 0 {
        let _ = write!(out, ", {fixable} fixable with `--fix`");
    }
    out.push('\n');
    out
}

/// `--statistics --format json`: the count per rule, the totals and the files per class
/// (`classes`: class name → (checked, left out because no enabled rule applies)).
pub fn statistics_json(
    reports: &[FileReport],
    files_checked: usize,
    classes: &[(&'static str, usize, usize)],
) -> String {
    let (findings, fixable, files) = totals(reports);
    let value = json!({
        "rules": rule_rows(reports).into_iter().map(|(code, count, name, fixable)| json!({
            "code": code,
            "name": name,
            "count": count,
            "fixable": fixable,
        })).collect::<Vec<_>>(),
        "total": {
            "findings": findings,
            "fixable": fixable,
            "files_with_findings": files,
            "files_checked": files_checked,
        },
        "classes": classes.iter().map(|(name, checked, left_out)| json!({
            "class": name,
            "checked": checked,
            "left_out": left_out,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub fn json(reports: &[FileReport]) -> String {
    let list: Vec<Value> = reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |r| {
                let f = &r.finding;
                let mut value = json!({
                    "code": f.code(),
                    "name": f.rule.name,
                    "severity": f.severity.name(),
                    "message": f.message,
                    "path": report.path,
                    "start": { "line": r.start.0, "column": r.start.1 },
                    "end": { "line": r.end.0, "column": r.end.1 },
                    "cwe": f.rule.cwe_tags(),
                    "related": r.related.iter().map(|(s, e, m, k)| json!({
                        "start": { "line": s.0, "column": s.1 },
                        "end": { "line": e.0, "column": e.1 },
                        "message": m,
                        "kind": k.name(),
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
                });
                // Audit mode's findings (data of unknown origin); the key is absent otherwise.
                if f.audit {
                    value["audit"] = json!(true);
                }
                value
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

/// Characters a URI path keeps as they are (RFC 3986 unreserved, and `/` between segments);
/// everything else is percent-encoded, as code-scanning services expect.
const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

fn uri_of(path: &str) -> String {
    let p = path.strip_prefix("./").unwrap_or(path).replace('\\', "/");
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, URI_PATH).to_string();
    // An absolute path is not a relative reference: SARIF wants a `file` URI for it.
    if p.starts_with('/') {
        return format!("file://{}", encode(&p));
    }
    if p.as_bytes().get(1) == Some(&b':') && p.as_bytes()[0].is_ascii_alphabetic() {
        return format!("file:///{}{}", &p[..2], encode(&p[2..]));
    }
    encode(&p)
}

/// Where the tool's documentation lives; each rule's `helpUri` is its section of the rules page.
const INFORMATION_URI: &str = "https://github.com/backend-architect/backend-architect";

fn help_uri(rule: &ba_rules::Rule) -> String {
    format!(
        "{INFORMATION_URI}/blob/main/docs/rules.md#{}-{}",
        rule.code.to_ascii_lowercase(),
        rule.name
    )
}

/// GitHub code scanning's `security-severity` (a CVSS-like score: 9.0+ critical, 7.0 high, 4.0
/// medium, below that low) for security rules, from the rule's default severity.
fn security_severity(rule: &ba_rules::Rule) -> Option<&'static str> {
    if !matches!(
        rule.category,
        ba_rules::Category::Security | ba_rules::Category::Dependencies
    ) {
        return None;
    }
    Some(match rule.severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "3.0",
        Severity::Hint => "1.0",
    })
}

/// A line with its whitespace runs made one space (indentation and spacing changes keep a
/// finding's identity).
fn normalise_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fingerprint of a finding's line for baselines: stable across moves and re-indentation.
pub fn line_fingerprint(line: &str) -> String {
    fingerprint(&[&normalise_line(line)])
}

/// A stable fingerprint: XXH3 of the parts (NUL-separated), the same on every platform, Rust
/// version and run (std's hashers promise none of that).
fn fingerprint(parts: &[&str]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(&[0]);
    }
    format!("{:016x}", h.digest())
}

fn region(start: LineCol1, end: LineCol1) -> sarif::Region {
    sarif::Region {
        start_line: Some(start.0 as i64),
        start_column: Some(start.1 as i64),
        end_line: Some(end.0 as i64),
        end_column: Some(end.1 as i64),
        ..Default::default()
    }
}

fn msg(text: impl Into<String>) -> sarif::Message {
    sarif::Message {
        text: Some(text.into()),
        ..Default::default()
    }
}

fn physical(uri: &str, region: Option<sarif::Region>) -> sarif::PhysicalLocation {
    sarif::PhysicalLocation {
        artifact_location: Some(sarif::ArtifactLocation {
            uri: Some(uri.to_owned()),
            ..Default::default()
        }),
        region,
        ..Default::default()
    }
}

fn location(uri: &str, region: Option<sarif::Region>) -> sarif::Location {
    sarif::Location {
        physical_location: Some(physical(uri, region)),
        ..Default::default()
    }
}

fn tags(tags: Vec<String>, more: &[(&str, &str)]) -> sarif::PropertyBag {
    sarif::PropertyBag {
        tags: Some(tags),
        additional_properties: more
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect(),
    }
}

/// Something a run has to say about a file besides findings: it was skipped, or analysed only
/// in part. SARIF carries these as tool execution notifications.
pub struct Notice {
    pub path: Option<String>,
    pub message: String,
}

/// The SARIF 2.1.0 log, built from `serde-sarif`'s types (generated from the SARIF schema).
pub fn sarif(reports: &[FileReport], notices: &[Notice]) -> String {
    let rules: Vec<sarif::ReportingDescriptor> = RULES
        .iter()
        .map(|r| {
            let mut rule_tags = vec![r.category.name().to_owned()];
            if security_severity(r).is_some() && r.category.name() != "security" {
                // Known-vulnerable dependencies are security alerts too.
                rule_tags.push("security".to_owned());
            }
            // The form GitHub code scanning reads (and links to the CWE entry).
            rule_tags.extend(r.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
            let mut more = vec![("precision", "high")];
            if let Some(score) = security_severity(r) {
                more.push(("security-severity", score));
            }
            let summary = || {
                sarif::MultiformatMessageString::builder()
                    .text(r.summary)
                    .build()
            };
            sarif::ReportingDescriptor::builder()
                .id(r.code)
                .name(r.name)
                .short_description(summary())
                .full_description(summary())
                .help(
                    sarif::MultiformatMessageString::builder()
                        .text(r.summary)
                        .markdown(ba_rules::catalog::explain(r))
                        .build(),
                )
                .help_uri(help_uri(r))
                .default_configuration(sarif::ReportingConfiguration {
                    level: Some(json!(sarif_level(r.severity))),
                    ..Default::default()
                })
                .properties(tags(rule_tags, &more))
                .build()
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
            let normalised = normalise_line(&r.line_text);
            let n = seen
                .entry((f.code().to_owned(), normalised.clone()))
                .or_insert(0);
            *n += 1;
            let occurrence = n.to_string();
            let mut result = sarif::Result::builder()
                .rule_id(f.code())
                .rule_index(index as i64)
                .level(match f.severity {
                    Severity::Error => sarif::ResultLevel::Error,
                    Severity::Warning => sarif::ResultLevel::Warning,
                    Severity::Info | Severity::Hint => sarif::ResultLevel::Note,
                })
                .message(msg(f.message.as_str()))
                .locations(vec![location(&uri, Some(region(r.start, r.end)))])
                .partial_fingerprints(BTreeMap::from([(
                    "backendArchitect/v2".to_owned(),
                    fingerprint(&[f.code(), &uri, &normalised, &occurrence]),
                )]))
                .build();
            result.properties = f.audit.then(|| tags(vec!["audit".to_owned()], &[]));
            if !r.related.is_empty() {
                result.related_locations = Some(
                    r.related
                        .iter()
                        .enumerate()
                        .map(|(i, (s, e, m, _))| sarif::Location {
                            id: Some(i as i64 + 1),
                            message: Some(msg(m.as_str())),
                            ..location(&uri, Some(region(*s, *e)))
                        })
                        .collect(),
                );
                // Taint findings: the path the data took, from its source through each step to
                // the sink.
                let path: Vec<_> = r.related.iter().filter(|x| x.3.on_path()).collect();
                if path.first().is_some_and(|x| x.3 == RelatedKind::Source) {
                    let step = |(s, e): (LineCol1, LineCol1), message: String, kind: &str| {
                        sarif::ThreadFlowLocation {
                            location: Some(sarif::Location {
                                message: Some(msg(message)),
                                ..location(&uri, Some(region(s, e)))
                            }),
                            kinds: Some(vec![kind.to_owned()]),
                            nesting_level: Some(0),
                            ..Default::default()
                        }
                    };
                    let mut locations: Vec<_> = path
                        .iter()
                        .map(|(s, e, m, k)| match k {
                            RelatedKind::Source => step((*s, *e), format!("source: {m}"), "source"),
                            _ => step((*s, *e), m.clone(), "taint"),
                        })
                        .collect();
                    locations.push(step(
                        (r.start, r.end),
                        format!("sink: {}", f.rule.name),
                        "sink",
                    ));
                    for (i, l) in locations.iter_mut().enumerate() {
                        l.execution_order = Some(i as i64 + 1);
                    }
                    let flow = sarif::CodeFlow::builder()
                        .message(msg(r.path.clone().unwrap_or_else(|| {
                            "request data from its source to the sink".to_owned()
                        })))
                        .thread_flows(vec![sarif::ThreadFlow::builder()
                            .locations(locations)
                            .build()])
                        .build();
                    result.code_flows = Some(vec![flow]);
                }
            }
            if let Some(fix) = &f.fix {
                let replacements: Vec<_> = r
                    .edits
                    .iter()
                    .map(|(s, e, c)| {
                        sarif::Replacement::builder()
                            .deleted_region(region(*s, *e))
                            .inserted_content(sarif::ArtifactContent {
                                text: Some(c.clone()),
                                ..Default::default()
                            })
                            .build()
                    })
                    .collect();
                let change = sarif::ArtifactChange::builder()
                    .artifact_location(sarif::ArtifactLocation {
                        uri: Some(uri.clone()),
                        ..Default::default()
                    })
                    .replacements(replacements)
                    .build();
                let fix = sarif::Fix::builder()
                    .description(msg(match fix.applicability {
                        Applicability::Safe => fix.title.clone(),
                        Applicability::Unsafe => {
                            format!("{} (unsafe: review the change)", fix.title)
                        }
                    }))
                    .artifact_changes(vec![change])
                    .build();
                result.fixes = Some(vec![fix]);
            }
            results.push(result);
        }
    }
    let notifications: Vec<_> = notices
        .iter()
        .map(|n| {
            let mut note = sarif::Notification::builder()
                .level(json!("warning"))
                .message(msg(n.message.as_str()))
                .build();
            note.locations = n
                .path
                .as_deref()
                .map(|path| vec![location(&uri_of(path), None)]);
            note
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("backend-architect")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let artifacts: Vec<_> = artifacts
        .into_iter()
        .map(|u| sarif::Artifact {
            location: Some(sarif::ArtifactLocation {
                uri: Some(u),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notifications)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .column_kind(json!("unicodeCodePoints"))
        .artifacts(artifacts)
        .invocations(vec![invocation])
        .results(results)
        .build();
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
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
            let audit = if r.finding.audit { " (audit)" } else { "" };
            let title = format!("{} {}{audit}", r.finding.code(), r.finding.rule.name);
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

/// JUnit XML (written by `quick-junit`): a test case per finding (one failure each) and one
/// passing case for the clean rest, so CI test reports show both.
pub fn junit(reports: &[FileReport], files_checked: usize) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("backend-architect");
    for report in reports {
        for r in &report.findings {
            let f = &r.finding;
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_type(f.code())
                .set_message(f.message.as_str())
                .set_description(format!(
                    "{}:{}:{}: {} {}\n{}",
                    report.path,
                    r.start.0,
                    r.start.1,
                    f.code(),
                    f.message,
                    r.line_text
                ));
            let name = format!("{}:{}:{} {}", report.path, r.start.0, r.start.1, f.code());
            let mut case = TestCase::new(name, status);
            case.set_classname(report.path.as_str());
            suite.add_test_case(case);
        }
    }
    let clean =
        files_checked.saturating_sub(reports.iter().filter(|r| !r.findings.is_empty()).count());
    let mut case = TestCase::new(
        format!(
            "{clean} {} without findings",
            plural(clean, "file", "files")
        ),
        TestCaseStatus::success(),
    );
    case.set_classname("backend-architect");
    suite.add_test_case(case);
    let mut report = Report::new("backend-architect");
    report.add_test_suite(suite);
    // Serialising into memory fails only on a writer error, which a `Vec` never returns.
    report
        .to_string()
        .expect("JUnit XML serialises into memory")
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
        None => return super::print_out(&text),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> Vec<FileReport> {
        let findings = ba_engine::analyze_text(
            "app/conf.py",
            ba_syntax::Language::Python,
            text,
            &ba_config::RuleSet::default(),
        );
        let index = LineIndex::new(text);
        vec![FileReport {
            path: "app/conf.py".to_owned(),
            findings: findings
                .into_iter()
                .map(|f| Reported::new(f, text, &index))
                .collect(),
        }]
    }

    /// The log reads back as the SARIF schema's types (`serde-sarif`, generated from the
    /// schema) with nothing lost: the taint path, the fix and a notice included.
    #[test]
    fn sarif_reads_back_as_the_schema_types() {
        let reports = report(
            "import os\nfrom flask import request\n\ndef run():\n    cmd = request.args[\"c\"]\n    os.system(cmd)\n\nimport yaml\n\ndef load(f):\n    return yaml.load(f)\n",
        );
        let notices = [Notice {
            path: Some("static/app.min.js".to_owned()),
            message: "skipped: minified".to_owned(),
        }];
        let out = sarif(&reports, &notices);
        let typed: sarif::Sarif = serde_json::from_str(&out).expect("valid SARIF types");
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), value);
        let run = &typed.runs[0];
        let results = run.results.as_ref().unwrap();
        assert!(results.iter().any(|r| r.code_flows.is_some()), "{out}");
        assert!(results.iter().any(|r| r.fixes.is_some()), "{out}");
        let notes = run.invocations.as_ref().unwrap()[0]
            .tool_execution_notifications
            .as_ref()
            .unwrap();
        assert_eq!(notes.len(), 1);
    }

    /// Pipes get one line per finding; a terminal gets the source frame (annotate-snippets),
    /// with the range marked by columns in characters, and the fix as help.
    #[test]
    fn concise_lines_and_source_frames() {
        let reports = report("import yaml\n\ndef load(f):\n    é = 1; return yaml.load(f)\n");
        let concise = text(
            &reports,
            1,
            TextStyle {
                frames: false,
                colour: false,
            },
        );
        assert!(
            concise.starts_with("app/conf.py:4:19: SEC201 [*] `yaml.load`"),
            "{concise}"
        );
        assert_eq!(concise.lines().count(), 2, "{concise}");
        let framed = text(
            &reports,
            1,
            TextStyle {
                frames: true,
                colour: false,
            },
        );
        for part in [
            "error[SEC201]: `yaml.load`",
            " --> app/conf.py:4:19\n",
            "4 |     é = 1; return yaml.load(f)\n",
            "  |                   ^^^^^^^^^\n",
            "= help: [*] Use `safe_load` (`--fix`)",
        ] {
            assert!(framed.contains(part), "{part}\n{framed}");
        }
        assert!(!framed.contains('\u{1b}'));
        let coloured = text(
            &reports,
            1,
            TextStyle {
                frames: true,
                colour: true,
            },
        );
        assert!(coloured.contains('\u{1b}'));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri_of("./app/my views#1/café.py"),
            "app/my%20views%231/caf%C3%A9.py"
        );
        assert_eq!(uri_of("/srv/a b.py"), "file:///srv/a%20b.py");
        assert_eq!(uri_of("C:\\src\\a b.py"), "file:///C:/src/a%20b.py");
        assert_eq!(uri_of("app/100%.py"), "app/100%25.py");
    }
}
