//! The rule catalogue as text, JSON and Markdown, and one rule's documentation as shown on
//! hover and by `explain` (`docs/rules.md` is generated from this).

use std::fmt::Write;

use crate::{FixAvailability, Rule, FAMILIES, RULES};

pub fn fix_label(rule: &Rule) -> &'static str {
    match rule.fix {
        FixAvailability::None => "",
        FixAvailability::Sometimes => "fix sometimes",
        FixAvailability::Always => "fix",
    }
}

pub fn is_cross_file(rule: &Rule) -> bool {
    crate::crossfile::RULES.iter().any(|r| r.code == rule.code)
}

pub fn languages(rule: &Rule) -> String {
    // Cross-file rules judge the application model, whatever language its files are in.
    if is_cross_file(rule) {
        let names: Vec<&str> = crate::crossfile::families(rule)
            .iter()
            .map(|f| f.name())
            .collect();
        return format!("{} (cross-file)", names.join(", "));
    }
    rule.families()
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn rules_text() -> String {
    let rows: Vec<[String; 7]> = RULES
        .iter()
        .map(|r| {
            [
                r.code.to_owned(),
                r.name.to_owned(),
                r.category.name().to_owned(),
                r.severity.name().to_owned(),
                r.cwe_tags().join(","),
                languages(r),
                fix_label(r).to_owned(),
            ]
        })
        .collect();
    // Columns as wide as their widest cell.
    let mut widths = [0usize; 7];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn rules_json() -> String {
    let list: Vec<_> = RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code,
                "name": r.name,
                "category": r.category.name(),
                "severity": r.severity.name(),
                "cwe": r.cwe_tags(),
                "owasp": r.owasp,
                "languages": if is_cross_file(r) {
                    crate::crossfile::families(r)
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                } else {
                    r.families().iter().map(|f| f.name()).collect::<Vec<_>>()
                },
                "summary": r.summary,
                "fix": fix_label(r),
                "classes": r.classes.iter().map(|c| c.name()).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
}

/// The Markdown shown on hover and by `explain`: a header line and the rule's docs.
pub fn explain(rule: &Rule) -> String {
    let mut out = format!("# {} {}\n\n", rule.code, rule.name);
    let mut facts = vec![
        format!("**{}**", rule.category.name()),
        format!("default severity: {}", rule.severity.name()),
    ];
    if !rule.cwe.is_empty() {
        facts.push(rule.cwe_tags().join(", "));
    }
    if let Some(o) = rule.owasp {
        facts.push(format!("OWASP {o}"));
    }
    facts.push(format!("languages: {}", languages(rule)));
    facts.push(format!("files: {}", rule.classes.names()));
    if rule.fix != FixAvailability::None {
        facts.push(fix_label(rule).to_owned());
    }
    let _ = writeln!(out, "{}\n\n{}\n", facts.join(" · "), rule.summary);
    out.push_str(rule.docs.trim());
    out.push('\n');
    if let Some((kind, _, _)) = model_kind(rule) {
        let _ = write!(
            out,
            "\n## Your own APIs\nThis rule also reports request data reaching the sinks of `sink = \"{kind}\"` rows in the detection models, built-in or yours:\n\n```toml\n# backend-architect.toml\n[[models]]\nsink = \"{kind}\"\ncallee = \"myapp.helpers.wrapper\"   # qualified through imports\nargument = 0                        # or a keyword name\n```\n\n`backend-architect models` lists the rows in effect; docs/models.md describes the format.\n"
        );
    }
    out
}

/// The model sink kind a rule reports, if it runs the model sink check.
fn model_kind(rule: &Rule) -> Option<&'static (&'static str, ba_analysis::Sink, &'static str)> {
    if !rule
        .checks
        .iter()
        .any(|c| c.query_path.ends_with(crate::MODEL_CHECK))
    {
        return None;
    }
    let code = rule.code;
    ba_analysis::models::KINDS
        .iter()
        .find(|(_, sink, _)| crate::security::model_sinks::rule_code(*sink) == code)
}

/// How file classes decide which rules run, for docs/rules.md.
const CLASSES_DOC: &str = "## File classes\n\nEvery file is classified once, from its path and its top-level statements: `runtime` (the default), `test` (`test_*.py`, `conftest.py`, `tests/`, `*.spec.ts`, modules importing a test framework), `migration` (Alembic `versions/` and `from alembic import op` with `revision =`, Django `migrations/` and `class Migration(migrations.Migration)`, knex/Sequelize migrations, seed data under `seeds/` and `seeders/`), `script` (`scripts/`, `tools/`, `bin/`, `setup.py`, `noxfile.py`, `tasks.py`, `fabfile.py`, `manage.py`, Django management commands, build-tool configs, a `__main__` script that imports no web framework and starts no server, and the top-level `docs/` and `examples/` (`demo/`, `samples/`) folders a repository ships beside its package, unless one of those examples is what was asked for: `check examples/shop` or an editor opened on it judges the example as its own project), `dev-settings` (a settings or config module named for development, tests or CI: `settings/dev.py`, `local_settings.py`, `config/testing.py`, `settings_ci.py`, or any settings module under the top-level `docs/` and `examples/` folders) and `vendored` (`vendor/`, `node_modules/`, `site-packages/`, `dist/`, `build/`, collected `staticfiles/`, client code under `static/` or `public/`, minified bundles, `_pb2.py` and files marked generated). Each rule runs on the classes in its *files* line: request handling, API design, data access and deployment configuration on `runtime`; injection, deserialisation, crypto, TLS, token handling and archive extraction on `runtime` and `script` (scripts and management commands run against production data); hard-coded secrets everywhere but `vendored` (in tests only well-known live key formats). Cross-file rules judge routes registered in runtime files. `include-classes = [\"migration\"]` in the configuration (editor setting `includeClasses`) runs every rule on a class too; `check --statistics` counts the files of each class and those skipped.\n";

pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated by `cargo run -p backend-architect -- rules --format markdown > docs/rules.md`; a test fails when it is stale. -->\n\n",
    );
    out.push_str("Code families: ");
    out.push_str(
        &FAMILIES
            .iter()
            .map(|(c, d)| format!("`{c}` {d}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(".\n\n");
    out.push_str(CLASSES_DOC);
    out.push_str("\n| Code | Name | Category | Severity | CWE | Languages | Fix |\n|---|---|---|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            out,
            "| [{}](#{}) | `{}` | {} | {} | {} | {} | {} |",
            r.code,
            format!("{}-{}", r.code, r.name).to_lowercase(),
            r.name,
            r.category.name(),
            r.severity.name(),
            r.cwe_tags().join(", "),
            languages(r),
            fix_label(r)
        );
    }
    for r in RULES {
        out.push('\n');
        // Demote the rule's own headings below the rule heading.
        let body = explain(r)
            .replace("\n## ", "\n### ")
            .replacen("# ", "## ", 1);
        out.push_str(&body);
    }
    out
}
