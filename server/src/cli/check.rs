//! `backend-architect check`: the engine over files and directories, in parallel.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use rayon::prelude::*;

use super::output::{self, FileReport, Reported};
use super::CheckArgs;
use crate::config::{self, ConfigCache, Options, Settings};
use crate::engine;
use crate::syntax::document::MAX_ANALYSED_BYTES;
use crate::syntax::position::LineIndex;
use crate::syntax::Language;

/// Directories that hold other people's code or build output.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "site-packages",
    ".venv",
    "venv",
    "__pycache__",
    ".git",
    "dist-packages",
];

enum Outcome {
    Report(FileReport),
    Skipped(String),
}

fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        if path.is_file() {
            if Language::from_path(path).is_some() {
                files.push(path.clone());
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e)
                    if e.file_type().is_some_and(|t| t.is_file())
                        && Language::from_path(e.path()).is_some() =>
                {
                    files.push(e.into_path())
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("{e}"),
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn check_file(path: &Path, settings: &Settings) -> Outcome {
    let language = Language::from_path(path).expect("collected files have a language");
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Outcome::Skipped(format!("{}: cannot read: {e}", path.display())),
    };
    if bytes.len() > MAX_ANALYSED_BYTES {
        return Outcome::Skipped(format!(
            "{}: skipped, {} bytes is over the {} byte limit",
            path.display(),
            bytes.len(),
            MAX_ANALYSED_BYTES
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::Skipped(format!(
                "{}: skipped, not valid UTF-8 (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        }
    };
    let display = path.display().to_string();
    let findings = engine::analyze_text(&display, language, &text, &settings.rules);
    let index = LineIndex::new(&text);
    let reported = findings
        .into_iter()
        .map(|f| Reported::new(f, &text, &index))
        .collect();
    Outcome::Report(FileReport {
        path: display,
        findings: reported,
    })
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let overrides = Options {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        ..Options::default()
    };
    if let Err(e) = config::Settings::from_options(&overrides, None, None) {
        eprintln!(
            "error: --{}",
            e.to_string()
                .trim_start_matches("settings: `")
                .replacen('`', "", 1)
        );
        return ExitCode::from(2);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match collect_files(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cache = ConfigCache::default();
    let explicit = args
        .config
        .as_ref()
        .map(|c| config::file::resolve(Some(c), &overrides));
    if let Some(path) = &args.config {
        if !path.is_file() {
            eprintln!("error: --config {}: no such file", path.display());
            return ExitCode::from(2);
        }
    }
    // Resolve settings per file first, so a config error stops the run before any output.
    let mut jobs: Vec<(PathBuf, Arc<Settings>)> = Vec::with_capacity(files.len());
    for file in files {
        let (settings, error) = match &explicit {
            Some((s, e)) => (s.clone(), e.clone()),
            None => {
                let abs = std::path::absolute(&file).unwrap_or_else(|_| file.clone());
                cache.settings_for(&abs, &overrides)
            }
        };
        if let Some(e) = error {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        let abs = std::path::absolute(&file).unwrap_or_else(|_| file.clone());
        if !settings.is_excluded(&abs) {
            jobs.push((file, settings));
        }
    }
    let outcomes: Vec<Outcome> = jobs.par_iter().map(|(f, s)| check_file(f, s)).collect();
    let mut reports = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Report(r) => reports.push(r),
            Outcome::Skipped(msg) => eprintln!("warning: {msg}"),
        }
    }
    let total: usize = reports.iter().map(|r| r.findings.len()).sum();
    let rendered = match args.format {
        super::OutputFormat::Text => output::text(&reports, jobs.len()),
        super::OutputFormat::Json => output::json(&reports),
        super::OutputFormat::Sarif => output::sarif(&reports),
    };
    let written = match &args.output_file {
        Some(path) => std::fs::write(path, rendered.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(rendered.as_bytes())
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if total > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
