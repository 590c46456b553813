//! Every fix, before and after: the cases under `tests/fixes/<language>/` are analysed, each
//! finding's fix is applied on its own and the change snapshotted (insta) as a diff; the whole
//! file is also fixed at once (safe fixes, then safe and unsafe). Fixed Python must pass
//! `python3 -m py_compile` and fixed JavaScript `node --check` (when the tools are installed).
//! `docs/fixes.md` is generated from the same cases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use backend_architect::config::RuleSet;
use backend_architect::engine::analyze_text;
use backend_architect::fix::{apply_one, fix_all};
use backend_architect::rules::{Applicability, FixAvailability, RULES};
use backend_architect::syntax::{Family, Language};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixes")
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(cases_dir())
        .build()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && Language::from_path(p).is_some())
        .collect();
    files.sort();
    files
}

fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(1)
        .to_string()
}

/// One applied fix, for the snapshot and the docs.
struct Example {
    code: &'static str,
    applicability: Applicability,
    title: String,
    file: String,
    diff: String,
}

/// Fixed code waiting to be compiled with the language's own tool, and what it came from.
#[derive(Default)]
struct Compiles {
    python: Vec<(PathBuf, String)>,
    javascript: Vec<(PathBuf, String)>,
}

impl Compiles {
    fn add(&mut self, language: Language, text: &str, dir: &Path, label: String) {
        let n = self.python.len() + self.javascript.len();
        let (list, ext) = match language {
            Language::JavaScript => (&mut self.javascript, "js"),
            // `node --check` reads JavaScript only; TypeScript cases are checked by re-parsing.
            _ if language.family() == Family::JavaScript => return,
            _ => (&mut self.python, "py"),
        };
        let path = dir.join(format!("f{n}.{ext}"));
        std::fs::write(&path, text).unwrap();
        list.push((path, label));
    }

    /// Failures; tools that are not installed are skipped.
    fn run(&self) -> Vec<String> {
        let mut failures = Vec::new();
        // One interpreter for every Python file (a pyenv shim costs a process per call).
        if !self.python.is_empty() {
            let out = Command::new("python3")
                .args(["-m", "py_compile"])
                .args(self.python.iter().map(|(p, _)| p))
                .output();
            if let Ok(out) = out {
                let err = String::from_utf8_lossy(&out.stderr);
                for (path, label) in &self.python {
                    // py_compile names the failing file as `File "<path>"`.
                    let quoted = format!("\"{}\"", path.display());
                    if !out.status.success() && err.contains(&quoted) {
                        failures.push(format!("{label}: py_compile fails: {err}"));
                    }
                }
            }
        }
        for (path, label) in &self.javascript {
            if let Ok(out) = Command::new("node").arg("--check").arg(path).output() {
                if !out.status.success() {
                    failures.push(format!(
                        "{label}: node --check fails: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
        }
        failures
    }
}

type Case = (String, String, Vec<Example>);

/// The cases, analysed and fixed once for all tests in this file.
fn collect() -> &'static [Case] {
    static CASES: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    CASES.get_or_init(collect_cases)
}

fn collect_cases() -> Vec<Case> {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut compiles = Compiles::default();
    let mut out = Vec::new();
    for path in case_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let language = Language::from_path(&path).unwrap();
        let rel = path
            .strip_prefix(cases_dir())
            .unwrap()
            .display()
            .to_string()
            .replace('\\', "/");
        let findings = analyze_text(&rel, language, &text, &RuleSet::default());
        let mut examples = Vec::new();
        let mut snapshot = String::new();
        for f in &findings {
            let Some(fix) = &f.fix else {
                // Findings a fix must leave alone are part of the record too.
                let line = text[..f.range.start].matches('\n').count() + 1;
                snapshot.push_str(&format!("## {} (no fix) line {line}\n\n", f.code()));
                continue;
            };
            let Some(after) = apply_one(language, &text, fix) else {
                failures.push(format!("{rel}: the {} fix breaks the syntax", f.code()));
                continue;
            };
            let before_count = findings.iter().filter(|g| g.code() == f.code()).count();
            let after_count = analyze_text(&rel, language, &after, &RuleSet::default())
                .iter()
                .filter(|g| g.code() == f.code())
                .count();
            if after_count >= before_count {
                failures.push(format!(
                    "{rel}: the {} fix `{}` leaves the finding",
                    f.code(),
                    fix.title
                ));
            }
            compiles.add(
                language,
                &after,
                tmp.path(),
                format!("{rel}: after the {} fix `{}`", f.code(), fix.title),
            );
            let d = diff(&text, &after);
            snapshot.push_str(&format!(
                "## {} ({:?}) {}\n{d}\n",
                f.code(),
                fix.applicability,
                fix.title
            ));
            examples.push(Example {
                code: f.code(),
                applicability: fix.applicability,
                title: fix.title.clone(),
                file: rel.clone(),
                diff: d,
            });
        }
        if examples.is_empty() {
            failures.push(format!("{rel}: a fix case with no fix"));
        }
        for (label, include_unsafe) in [("safe", false), ("safe and unsafe", true)] {
            let Some(all) = fix_all(language, &text, &findings, include_unsafe) else {
                continue;
            };
            compiles.add(
                language,
                &all.text,
                tmp.path(),
                format!("{rel}: after fix-all ({label})"),
            );
            snapshot.push_str(&format!(
                "## fix-all, {label}: {}\n{}\n",
                all.fixed.join(", "),
                diff(&text, &all.text)
            ));
        }
        out.push((rel, snapshot, examples));
    }
    failures.extend(compiles.run());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    out
}

#[test]
fn every_fix_before_and_after() {
    for (rel, snapshot, _) in collect() {
        let snapshot = snapshot.clone();
        let name = format!("fix__{}", rel.replace(['/', '.'], "__"));
        insta::with_settings!({
            snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots"),
            prepend_module_to_snapshot => false,
            description => rel.clone(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

/// Every rule that says it has a fix shows it in a case, in every language it covers that the
/// rule fixes.
#[test]
fn every_rule_with_a_fix_has_a_case() {
    let all = collect();
    let fixed: Vec<&str> = all
        .iter()
        .flat_map(|(_, _, e)| e.iter().map(|x| x.code))
        .collect();
    let missing: Vec<&str> = RULES
        .iter()
        // Rules without checks are not run by the engine on source files: DEP001's upgrade fix
        // edits manifests and is tested with the advisor (tests/advisor.rs).
        .filter(|r| r.fix != FixAvailability::None && !r.checks.is_empty())
        .filter(|r| !fixed.contains(&r.code))
        .map(|r| r.code)
        .collect();
    assert!(
        missing.is_empty(),
        "rules with a fix but no case under tests/fixes: {missing:?}"
    );
    let undeclared: Vec<&str> = fixed
        .iter()
        .copied()
        .filter(|c| backend_architect::rules::by_code(c).unwrap().fix == FixAvailability::None)
        .collect();
    assert!(
        undeclared.is_empty(),
        "rules that fix but say `FixAvailability::None`: {undeclared:?}"
    );
}

fn fixes_markdown() -> String {
    let mut by_rule: BTreeMap<&str, Vec<&Example>> = BTreeMap::new();
    for (_, _, examples) in collect() {
        for e in examples {
            by_rule.entry(e.code).or_default().push(e);
        }
    }
    let mut md = String::from(
        "# Fixes\n\n\
         Generated from `tests/fixes/` by `UPDATE_DOCS=1 cargo test --test fix_snapshots fixes_md_is_current`; do not edit.\n\n\
         A **safe** fix keeps the program's behaviour apart from the flaw: fix-all\n\
         (`source.fixAll.backend-architect`, what editors run on save) and `backend-architect check --fix`\n\
         apply it. An **unsafe** fix changes behaviour or makes a choice for you (a placeholder style,\n\
         an environment variable's name): it is offered as a code action, and `check --fix --unsafe-fixes`\n\
         applies it. `check --diff` shows the patch without writing. Every fix is dropped if the result\n\
         would not parse. Every finding also has two suppression actions: for its line\n\
         (`# noqa: CODE` in Python, `// backend-architect: ignore[CODE]` in JavaScript and TypeScript)\n\
         and for the file (`backend-architect: ignore-file[CODE]` at the top).\n\n",
    );
    md.push_str("| rule | fix | kind |\n| --- | --- | --- |\n");
    for rule in RULES {
        let Some(examples) = by_rule.get(rule.code) else {
            continue;
        };
        let mut seen: Vec<(&str, Applicability)> = Vec::new();
        for e in examples {
            let title = e.title.as_str();
            if !seen
                .iter()
                .any(|(t, a)| *t == title && *a == e.applicability)
            {
                seen.push((title, e.applicability));
                md.push_str(&format!(
                    "| [{}](#{}) {} | {} | {} |\n",
                    rule.code,
                    rule.code.to_ascii_lowercase(),
                    rule.name,
                    title.replace('|', "\\|"),
                    if e.applicability == Applicability::Safe {
                        "safe"
                    } else {
                        "unsafe"
                    }
                ));
            }
        }
    }
    for rule in RULES {
        let Some(examples) = by_rule.get(rule.code) else {
            continue;
        };
        md.push_str(&format!(
            "\n## {}\n\n`{}`: {}\n",
            rule.code, rule.name, rule.summary
        ));
        for e in examples {
            let kind = if e.applicability == Applicability::Safe {
                "safe"
            } else {
                "unsafe"
            };
            md.push_str(&format!(
                "\n**{}** ({kind}), from `tests/fixes/{}`:\n\n```diff\n{}```\n",
                e.title, e.file, e.diff
            ));
        }
    }
    md
}

#[test]
fn fixes_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/fixes.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = fixes_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    assert!(
        current == generated,
        "docs/fixes.md is stale: run `UPDATE_DOCS=1 cargo test --test fix_snapshots fixes_md_is_current`"
    );
}
