//! The fixture harness: every rule over every fixture. A line annotated `# expect: CODE` (or
//! `// expect: CODE`) on the line before must produce that finding on the next line; any finding
//! without such an annotation fails the test, and `ok:` annotations document safe look-alikes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use backend_architect::config::RuleSet;
use backend_architect::engine::analyze_text;
use backend_architect::rules::RULES;
use backend_architect::syntax::position::LineIndex;
use backend_architect::syntax::{Family, Language};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(fixtures_dir())
        .build()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && Language::from_path(p).is_some())
        .collect();
    files.sort();
    files
}

/// The cross-file findings (ARC101–ARC109) of a file in a fixture app (`apps/<name>/…`): the
/// cross-file pass runs over the whole app, once per app. Other fixtures are single files and
/// get none.
fn cross_file(path: &Path) -> Vec<backend_architect::rules::Finding> {
    use std::sync::{Mutex, OnceLock};
    type Apps = BTreeMap<PathBuf, Vec<backend_architect::engine::crossfile::FileFindings>>;
    static APPS: OnceLock<Mutex<Apps>> = OnceLock::new();
    let apps = fixtures_dir().join("apps");
    let Ok(rest) = path.strip_prefix(&apps) else {
        return Vec::new();
    };
    let Some(name) = rest.components().next() else {
        return Vec::new();
    };
    let root = apps.join(name);
    let rules = RuleSet::default();
    let mut cache = APPS.get_or_init(Default::default).lock().unwrap();
    let found = cache.entry(root.clone()).or_insert_with(|| {
        let files: Vec<(PathBuf, &RuleSet)> = fixture_files()
            .into_iter()
            .filter(|p| p.starts_with(&root))
            .map(|p| (p, &rules))
            .collect();
        backend_architect::engine::crossfile::project_findings(&files, Vec::new())
    });
    found
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.findings.clone())
        .unwrap_or_default()
}

#[derive(Default)]
struct Annotations {
    /// (line, code) that must be reported.
    expect: BTreeSet<(usize, String)>,
    /// (line, code) that must not be reported.
    ok: BTreeSet<(usize, String)>,
}

fn annotation(line: &str) -> Option<(&'static str, Vec<String>)> {
    let t = line.trim_start();
    let body = t
        .strip_prefix('#')
        .or_else(|| t.strip_prefix("//"))?
        .trim_start();
    for kind in ["expect:", "ok:"] {
        if let Some(rest) = body.strip_prefix(kind) {
            let codes = rest
                .split(',')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect();
            return Some((if kind == "ok:" { "ok" } else { "expect" }, codes));
        }
    }
    None
}

fn parse_annotations(text: &str) -> Annotations {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Annotations::default();
    let mut pending: Vec<(&str, Vec<String>)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(a) = annotation(line) {
            pending.push(a);
            continue;
        }
        for (kind, codes) in pending.drain(..) {
            for code in codes {
                assert!(
                    backend_architect::rules::lookup(&code).is_some(),
                    "unknown code {code} in an annotation"
                );
                let set = if kind == "ok" {
                    &mut out.ok
                } else {
                    &mut out.expect
                };
                set.insert((i, code));
            }
        }
    }
    out
}

#[test]
fn every_rule_on_every_fixture() {
    let files = fixture_files();
    assert!(
        !files.is_empty(),
        "no fixtures found under {}",
        fixtures_dir().display()
    );
    let mut failures = Vec::new();
    // (code, family) → (expect count, ok count), to require both kinds per rule and language.
    let mut coverage: BTreeMap<(String, Family), (usize, usize)> = BTreeMap::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let language = Language::from_path(path).unwrap();
        let ann = parse_annotations(&text);
        let mut findings = analyze_text(
            &path.display().to_string(),
            language,
            &text,
            &RuleSet::default(),
        );
        findings.extend(cross_file(path));
        let index = LineIndex::new(&text);
        let actual: BTreeSet<(usize, String)> = findings
            .iter()
            .map(|f| (index.line_col(&text, f.range.start).0, f.code().to_owned()))
            .collect();
        let rel = path
            .strip_prefix(fixtures_dir())
            .unwrap()
            .display()
            .to_string();
        for (line, code) in ann.expect.difference(&actual) {
            failures.push(format!("{rel}:{}: missing {code}", line + 1));
        }
        for (line, code) in actual.difference(&ann.expect) {
            let f = findings
                .iter()
                .find(|f| f.code() == code && index.line_col(&text, f.range.start).0 == *line)
                .unwrap();
            failures.push(format!(
                "{rel}:{}: unexpected {code}: {}",
                line + 1,
                f.message
            ));
        }
        for (_, code) in &ann.expect {
            coverage
                .entry((code.clone(), language.family()))
                .or_default()
                .0 += 1;
        }
        for (_, code) in &ann.ok {
            coverage
                .entry((code.clone(), language.family()))
                .or_default()
                .1 += 1;
        }
    }
    for rule in RULES {
        // Cross-file rules have no per-language query; they need fixtures in the languages
        // they judge (both, but for Django-only ones).
        let families = if backend_architect::rules::crossfile::RULES.contains(rule) {
            backend_architect::rules::crossfile::families(rule)
        } else {
            rule.families()
        };
        for family in families {
            let (expect, ok) = coverage
                .get(&(rule.code.to_owned(), family))
                .copied()
                .unwrap_or_default();
            if expect == 0 || ok == 0 {
                failures.push(format!(
                    "{} ({}) needs true-positive and true-negative fixtures in {}: has {expect} expect and {ok} ok",
                    rule.code,
                    rule.name,
                    family.name()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Messages, ranges and fixes for every fixture, as snapshots.
#[test]
fn finding_snapshots() {
    for path in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let language = Language::from_path(&path).unwrap();
        let rel = path
            .strip_prefix(fixtures_dir())
            .unwrap()
            .display()
            .to_string();
        // Rules read the file's name (settings modules, development settings, tests).
        let mut findings = analyze_text(&rel, language, &text, &RuleSet::default());
        findings.extend(cross_file(&path));
        findings.sort_by_key(|f| (f.range.start, f.rule.code));
        let index = LineIndex::new(&text);
        let mut out = String::new();
        for f in &findings {
            let (l, c) = index.line_col(&text, f.range.start);
            out.push_str(&format!("{}:{} {} {}\n", l + 1, c + 1, f.code(), f.message));
            for r in &f.related {
                let (l, c) = index.line_col(&text, r.range.start);
                out.push_str(&format!("    related {}:{} {}\n", l + 1, c + 1, r.message));
            }
            if let Some(fix) = &f.fix {
                out.push_str(&format!(
                    "    fix ({:?}) {}: ",
                    fix.applicability, fix.title
                ));
                for e in &fix.edits {
                    out.push_str(&format!(
                        "replace {:?} with {:?}; ",
                        &text[e.range.clone()],
                        e.content
                    ));
                }
                out.push('\n');
            }
        }
        let name = rel.replace(['/', '.'], "__");
        insta::with_settings!({
            snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots"),
            prepend_module_to_snapshot => false,
            description => rel.clone(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, out);
        });
    }
}

#[test]
fn rules_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = backend_architect::rules::catalog::rules_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    assert!(
        current == generated,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test fixtures rules_md_is_current` or `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn every_rule_is_documented_in_the_house_shape() {
    for rule in RULES {
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(
                rule.docs.contains(heading),
                "{} docs lack `{heading}`",
                rule.code
            );
        }
        assert!(
            rule.code.len() >= 5
                && rule
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{:?}",
            rule
        );
        if rule.category == backend_architect::rules::Category::Security {
            assert!(
                !rule.cwe.is_empty() && rule.owasp.is_some(),
                "{} needs CWE and OWASP",
                rule.code
            );
        }
    }
    let mut codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
    codes.dedup();
    assert_eq!(codes.len(), RULES.len(), "codes are unique and sorted");
}

/// Every built-in sink row of the detection models is exercised by a fixture with a finding
/// (`expect:`) and a safe look-alike (`ok:`) on a line that calls it, and every model check is
/// registered on the rule its kind reports under.
#[test]
fn every_sink_model_row_has_a_finding_and_a_safe_fixture() {
    use backend_architect::analysis::models::Models;
    use backend_architect::analysis::Sink;
    use backend_architect::rules::security::model_sinks;
    let mut annotated: Vec<(String, String, String)> = Vec::new(); // (kind, code, next line)
    for path in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            for kind in ["expect:", "ok:"] {
                if let Some(rest) = line.split(kind).nth(1) {
                    if !(line.trim_start().starts_with('#') || line.trim_start().starts_with("//"))
                    {
                        continue;
                    }
                    for code in rest.split([',', ' ']).filter(|c| !c.is_empty()) {
                        annotated.push((
                            kind.to_owned(),
                            code.to_owned(),
                            lines.get(i + 1).copied().unwrap_or("").to_owned(),
                        ));
                    }
                }
            }
        }
    }
    let mut missing = Vec::new();
    for row in Models::builtin().rows.iter().filter(|r| r.role == "sink") {
        let sink = Sink::from_kind_name(&row.kind).expect("known kind");
        let code = model_sinks::rule_code(sink);
        let rule = RULES.iter().find(|r| r.code == code).unwrap();
        assert!(
            rule.checks.iter().any(|c| c
                .query_path
                .ends_with(backend_architect::rules::MODEL_CHECK)),
            "{code} does not run the model sink check"
        );
        // The call as written in a fixture: `tarfile.open(`, `fse.remove(`; a package called
        // itself (`axios`, `got.default`, `cross-spawn`, `node-fetch`) by the name an import
        // gives it: the package, in camel case (`nodeFetch(`) or its last word (`spawn(`).
        let last = row.name.rsplit(['.', '/']).next().unwrap_or(&row.name);
        let package = row.name.strip_suffix(".default").unwrap_or(&row.name);
        let mut names = vec![last.to_owned()];
        if !package.contains('.') {
            let words: Vec<&str> = package.split('-').collect();
            let camel: String = words
                .iter()
                .enumerate()
                .map(|(i, w)| match i {
                    0 => (*w).to_owned(),
                    _ => w[..1].to_uppercase() + &w[1..],
                })
                .collect();
            names.push(camel);
            names.extend(words.last().map(|w| (*w).to_owned()));
        }
        let calls = |line: &str| {
            names
                .iter()
                .any(|n| line.contains(&format!("{n}(")) || line.contains(&format!("({n}")))
        };
        for kind in ["expect:", "ok:"] {
            if !annotated
                .iter()
                .any(|(k, c, next)| k == kind && c == code && calls(next))
            {
                missing.push(format!(
                    "{} {} ({}): no `{kind} {code}` fixture",
                    row.language, row.name, row.kind
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "sink rows without fixtures:\n{}",
        missing.join("\n")
    );
}
