//! `check`'s cross-module taint pass: request handlers that pass request data to a function of
//! another project module make that function's parameter a source there. One pass collects the
//! calls (`engine::outgoing`) from every file that can hold request data, resolves each callee
//! to a checked file (`engine::modules`), and analyses the callee files again with those
//! entries; their reports replace the first analysis.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::output::{FileReport, Reported};
use ba_config::Settings;
use ba_engine as engine;
use ba_engine::modules::normalize;
use ba_syntax::position::LineIndex;
use ba_syntax::Language;

/// Reads a file as `check` analyses it (without a byte order mark), if it is text.
fn read(path: &Path) -> Option<String> {
    let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
    Some(match text.strip_prefix(super::fix::BOM) {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// New reports for the files that receive request data from other modules, by path. `files`
/// are the analysed files (not skipped) with their settings; `known` holds the outgoing calls
/// the analysis computed already (files the results cache answered are read and parsed here).
pub fn reports(
    files: &[(&Path, &Settings)],
    mut known: HashMap<PathBuf, Vec<ba_analysis::Outgoing>>,
) -> HashMap<PathBuf, FileReport> {
    let missing: Vec<(PathBuf, Language, Vec<ba_analysis::Outgoing>)> = files
        .par_iter()
        .filter(|(path, _)| !known.contains_key(*path))
        .filter_map(|(path, settings)| {
            let language = Language::from_path(path)?;
            let text = read(path)?;
            if !engine::may_call_out(language, &text) {
                return None;
            }
            let tree = ba_syntax::parse::parse(language, &text, None)?;
            let calls = engine::outgoing(language, &text, &tree, &settings.rules);
            (!calls.is_empty()).then(|| (path.to_path_buf(), language, calls))
        })
        .collect();
    let outgoing: Vec<(PathBuf, Language, Vec<ba_analysis::Outgoing>)> = files
        .iter()
        .filter_map(|(path, _)| {
            let calls = known.remove(*path)?;
            let language = Language::from_path(path)?;
            (!calls.is_empty()).then(|| (path.to_path_buf(), language, calls))
        })
        .chain(missing)
        .collect();
    if outgoing.is_empty() {
        return HashMap::new();
    }
    let map = engine::modules::ModuleMap::new(
        files
            .iter()
            .filter_map(|(p, _)| Some((*p, Language::from_path(p)?))),
    );
    let external = map.external_entries(&outgoing);
    let settings: HashMap<PathBuf, &Settings> =
        files.iter().map(|(p, s)| (normalize(p), *s)).collect();
    external
        .into_par_iter()
        .filter_map(|(path, entries)| {
            let settings = settings.get(&path)?;
            let language = Language::from_path(&path)?;
            let original = files.iter().find(|(p, _)| normalize(p) == path)?.0;
            let text = read(original)?;
            let tree = ba_syntax::parse::parse(language, &text, None)?;
            let display = original
                .strip_prefix(".")
                .unwrap_or(original)
                .display()
                .to_string();
            let findings = engine::analyze_with_external(
                &display,
                language,
                &text,
                &tree,
                &settings.rules,
                entries,
            );
            let index = LineIndex::new(&text);
            let findings = findings
                .into_iter()
                .map(|f| Reported::new(f, &text, &index))
                .collect();
            Some((
                original.to_path_buf(),
                FileReport {
                    path: display,
                    findings,
                },
            ))
        })
        .collect()
}
