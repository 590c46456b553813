//! The HTML report: one self-contained page (styles and script inlined, a Content Security
//! Policy that forbids loading anything) with a summary by severity, rule and file, the
//! architecture map, and a table of findings that filters and sorts, each with its code frame,
//! data path, fix and the rule's documentation.
//!
//! The page is a MiniJinja template with auto-escaping: every path, message, name and line of
//! code is text, never markup. Code frames, messages and fixes pass through the advisor's
//! redactor first, so a report shared with a team does not carry the secrets it reports.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use minijinja::{context, Environment, Value};
use serde::Serialize;

use ba_advisor::redact::Redactor;
use ba_rules::{Applicability, RelatedKind, Severity};
use ba_syntax::position::LineIndex;
use ba_syntax::Language;

use crate::map::{FileFindings, Map};

const TEMPLATE: &str = include_str!("../assets/report.html");
const CSS: &str = include_str!("../assets/report.css");
const JS: &str = include_str!("../assets/report.js");

/// Lines of code shown around a finding.
const CONTEXT: usize = 2;
/// A frame longer than this shows its first lines only.
const MAX_FRAME: usize = 14;

#[derive(Serialize)]
struct FrameLine {
    number: usize,
    text: String,
    hit: bool,
}

#[derive(Serialize)]
struct Step {
    line: usize,
    column: usize,
    message: String,
    /// `source`, `step`, `elided`, `sink` on a taint path; `note` otherwise.
    kind: &'static str,
    /// The code at the step (its first line, redacted).
    code: String,
}

#[derive(Serialize)]
struct EditView {
    start: String,
    end: String,
    content: String,
}

#[derive(Serialize)]
struct FixView {
    title: String,
    safe: bool,
    edits: Vec<EditView>,
}

#[derive(Serialize)]
struct FindingView {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    rank: u8,
    message: String,
    path: String,
    line: usize,
    column: usize,
    frame: Vec<FrameLine>,
    steps: Vec<Step>,
    fix: Option<FixView>,
    cwe: Vec<String>,
    owasp: Option<&'static str>,
}

#[derive(Serialize)]
struct RuleRow {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct FileRow {
    path: String,
    count: usize,
}

#[derive(Serialize)]
struct SeverityRow {
    name: &'static str,
    count: usize,
}

pub struct HtmlOptions<'a> {
    pub title: &'a str,
    pub files_checked: usize,
    /// Where `.env` files are looked for, for redaction (the run's directory).
    pub root: Option<&'a Path>,
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
        Severity::Hint => 3,
    }
}

/// The findings of one file, positioned and redacted.
fn file_views(file: &FileFindings, root: Option<&Path>) -> Vec<FindingView> {
    let text = &file.text;
    let index = LineIndex::new(text);
    let redactor = Redactor::for_file(
        Some(Path::new(&file.path)),
        Language::from_path(Path::new(&file.path)),
        text,
        root,
    );
    let pos = |o: usize| {
        let (l, c) = index.line_col(text, o);
        (l + 1, c + 1)
    };
    let line_text = |line: usize| -> &str {
        let start = index.line_start(line - 1).unwrap_or(text.len());
        let end = index.line_start(line).unwrap_or(text.len());
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    };
    let lines = index.line_count();
    file.findings
        .iter()
        .map(|f| {
            let (line, column) = pos(f.range.start);
            let (end_line, _) = pos(f.range.end.max(f.range.start));
            let first = line.saturating_sub(CONTEXT).max(1);
            let last = (end_line + CONTEXT).min(lines).min(first + MAX_FRAME - 1);
            let frame = (first..=last)
                .map(|n| FrameLine {
                    number: n,
                    text: redactor.redact(line_text(n)),
                    hit: n >= line && n <= end_line,
                })
                .collect();
            let code = |r: &std::ops::Range<usize>| {
                let code = text.get(r.clone()).unwrap_or("");
                let first = code.lines().next().unwrap_or("").trim();
                let cut: String = first.chars().take(80).collect();
                redactor.redact(&cut)
            };
            let mut steps: Vec<Step> = f
                .related
                .iter()
                .filter(|r| r.range.end <= text.len())
                .map(|r| {
                    let (l, c) = pos(r.range.start);
                    Step {
                        line: l,
                        column: c,
                        message: redactor.redact(&r.message),
                        kind: r.kind.name(),
                        code: if r.kind.on_path() && r.kind != RelatedKind::Elided {
                            code(&r.range)
                        } else {
                            String::new()
                        },
                    }
                })
                .collect();
            // A taint path ends at the sink, the finding itself.
            if f.path().next().is_some() {
                steps.push(Step {
                    line,
                    column,
                    message: format!("sink: {}", f.rule.name),
                    kind: "sink",
                    code: code(&f.range),
                });
            }
            let fix = f.fix.as_ref().map(|fix| FixView {
                title: redactor.redact(&fix.title),
                safe: fix.applicability == Applicability::Safe,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| {
                        let (sl, sc) = pos(e.range.start);
                        let (el, ec) = pos(e.range.end);
                        EditView {
                            start: format!("{sl}:{sc}"),
                            end: format!("{el}:{ec}"),
                            content: redactor.redact(&e.content),
                        }
                    })
                    .collect(),
            });
            FindingView {
                code: f.rule.code,
                name: f.rule.name,
                severity: f.severity.name(),
                rank: rank(f.severity),
                message: redactor.redact(&f.message),
                path: file.path.clone(),
                line,
                column,
                frame,
                steps,
                fix,
                cwe: f.rule.cwe_tags(),
                owasp: f.rule.owasp,
            }
        })
        .collect()
}

/// The page. `map` is the map of the same run (built with `expand`: the page's tables list
/// every route, and its picture collapses resources above `DEFAULT_COLLAPSE` routes).
pub fn render(map: &Map, files: &[FileFindings], options: &HtmlOptions) -> Result<String, String> {
    let mut findings: Vec<FindingView> = files
        .iter()
        .flat_map(|f| file_views(f, options.root))
        .collect();
    findings.sort_by(|a, b| {
        (a.rank, &a.path, a.line, a.column, a.code)
            .cmp(&(b.rank, &b.path, b.line, b.column, b.code))
    });
    let mut severities: Vec<SeverityRow> = Vec::new();
    for s in [
        Severity::Error,
        Severity::Warning,
        Severity::Info,
        Severity::Hint,
    ] {
        let count = findings.iter().filter(|f| f.severity == s.name()).count();
        if count > 0 {
            severities.push(SeverityRow {
                name: s.name(),
                count,
            });
        }
    }
    let mut rules: BTreeMap<&'static str, RuleRow> = BTreeMap::new();
    let mut docs: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    for f in files.iter().flat_map(|f| &f.findings) {
        let row = rules.entry(f.rule.code).or_insert(RuleRow {
            code: f.rule.code,
            name: f.rule.name,
            severity: f.rule.severity.name(),
            count: 0,
        });
        row.count += 1;
        docs.insert(f.rule.code, f.rule.docs);
    }
    let mut rules: Vec<RuleRow> = rules.into_values().collect();
    rules.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    let mut by_file: Vec<FileRow> = files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .map(|f| FileRow {
            path: f.path.clone(),
            count: f.findings.len(),
        })
        .collect();
    by_file.sort_by(|a, b| b.count.cmp(&a.count).then(a.path.cmp(&b.path)));
    let model_names: HashMap<&str, String> = map
        .models
        .iter()
        .map(|m| (m.id.as_str(), m.name.clone()))
        .collect();
    let client_names: HashMap<&str, String> = map
        .clients
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                c.var.clone().unwrap_or_else(|| c.kind.clone()),
            )
        })
        .collect();
    let total = findings.len();
    let routes = map.summary.routes;
    // The picture of a large system draws resources as single nodes, as `map` does (the
    // tables still list every route).
    let mut drawn = map.clone();
    drawn.collapsed |=
        routes + map.summary.resolvers + map.summary.socket_handlers > crate::map::DEFAULT_COLLAPSE;

    let mut env = Environment::new();
    // `.html` templates escape every value unless it is marked safe (only the inlined CSS and
    // script, which are ours).
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| format!("report template: {e}"))?;
    let template = env
        .get_template("report.html")
        .map_err(|e| format!("report template: {e}"))?;
    template
        .render(context! {
            title => options.title,
            version => env!("CARGO_PKG_VERSION"),
            files_checked => options.files_checked,
            total => total,
            severities => severities,
            rules => rules,
            by_file => by_file,
            map => map,
            mermaid => crate::render::mermaid(&drawn),
            collapsed => drawn.collapsed,
            // Built by `svg.rs`, which escapes every string it writes.
            svg => crate::svg::svg(&drawn).map(Value::from_safe_string),
            model_names => model_names,
            client_names => client_names,
            open_groups => routes <= 200,
            open_findings => total <= 20,
            findings => findings,
            docs => docs,
            css => Value::from_safe_string(format!("{CSS}{}", crate::svg::CSS)),
            js => Value::from_safe_string(JS.to_owned()),
        })
        .map_err(|e| format!("report template: {e}"))
}
