//! `backend-architect models`: the detection models in effect (built-in rows and the
//! configuration's `[[models]]`), or the sink kinds they may name.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use ba_analysis::models::{Models, KINDS, SOURCE_KINDS};
use ba_config::{file as config_file, Options};
use ba_rules::security::model_sinks;

use super::CatalogFormat;

pub fn run(format: CatalogFormat, kinds: bool, config: Option<&Path>) -> ExitCode {
    if kinds {
        return super::print_out(&kinds_text(format));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let found = config
        .map(Path::to_path_buf)
        .or_else(|| config_file::discover(&cwd));
    let (settings, error) = config_file::resolve(found.as_deref(), &Options::default());
    if let Some(e) = &error {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let models = settings.rules.models();
    super::print_out(&listing(models, format))
}

fn kinds_text(format: CatalogFormat) -> String {
    match format {
        CatalogFormat::Json => {
            let sinks: Vec<_> = KINDS
                .iter()
                .map(|(name, sink, what)| serde_json::json!({"kind": name, "role": "sink", "description": what, "rule": model_sinks::rule_code(*sink)}))
                .chain(SOURCE_KINDS.iter().map(|(name, what)| {
                    serde_json::json!({"kind": name, "role": "source", "description": what})
                }))
                .collect();
            serde_json::to_string_pretty(&sinks).unwrap_or_default() + "\n"
        }
        _ => {
            let mut out = String::from("sink kinds (`sink = KIND`, `sanitizes = [KIND, …]`):\n");
            for (name, sink, what) in KINDS {
                let _ = writeln!(
                    out,
                    "  {name:<17} {what} ({})",
                    model_sinks::rule_code(*sink)
                );
            }
            out.push_str("source kinds (`source = KIND`):\n");
            for (name, what) in SOURCE_KINDS {
                let _ = writeln!(out, "  {name:<17} {what}");
            }
            out
        }
    }
}

fn listing(models: &Models, format: CatalogFormat) -> String {
    match format {
        CatalogFormat::Json => {
            serde_json::to_string_pretty(&models.rows).unwrap_or_default() + "\n"
        }
        CatalogFormat::Markdown => {
            let mut out = String::from("| language | library | role | kind | applies to | name | argument |\n|---|---|---|---|---|---|---|\n");
            for r in &models.rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | `{}` | {} |",
                    r.language,
                    r.library,
                    r.role,
                    r.kind,
                    r.applies_to,
                    r.name,
                    r.argument.as_deref().unwrap_or("")
                );
            }
            out
        }
        CatalogFormat::Text => {
            let mut out = String::new();
            let builtin = models.rows.iter().filter(|r| r.builtin).count();
            let _ = writeln!(
                out,
                "{} model rows ({builtin} built-in, {} from the configuration)\n",
                models.rows.len(),
                models.rows.len() - builtin
            );
            let _ = writeln!(out, "rows per library and role:");
            for ((language, library, role), n) in models.counts() {
                let _ = writeln!(out, "  {language:<10} {library:<22} {role:<10} {n}");
            }
            let mut per_kind: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
            for r in models.rows.iter().filter(|r| r.role == "sink") {
                *per_kind.entry((r.language, r.kind.as_str())).or_default() += 1;
            }
            let _ = writeln!(out, "\nsink rows per kind:");
            for ((language, kind), n) in per_kind {
                let _ = writeln!(out, "  {language:<10} {kind:<17} {n}");
            }
            let _ = writeln!(out, "\nrows:");
            for r in &models.rows {
                let arg = r
                    .argument
                    .as_deref()
                    .map(|a| format!(" argument {a}"))
                    .unwrap_or_default();
                let kind = if r.kind.is_empty() {
                    String::new()
                } else {
                    format!(" {}", r.kind)
                };
                let _ = writeln!(
                    out,
                    "  {:<10} {:<22} {}{kind} {} `{}`{arg}",
                    r.language, r.library, r.role, r.applies_to, r.name
                );
            }
            out
        }
    }
}
