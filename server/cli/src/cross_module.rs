//! `check`'s cross-module taint pass: request handlers that pass request data to a function of
//! another project module make that function's parameter a source there. One pass collects the
//! calls (`engine::outgoing`) from every file that can hold request data, resolves each callee
//! to a checked file (`engine::modules`); the files reached are read for the calls that pass a
//! parameter on (`engine::outgoing_and_relays`), hop after hop, and the callee files are
//! analysed again with their entries; their reports replace the first analysis.

use std::collections::{HashMap, HashSet};
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
            if !engine::may_have_request_data(language, &text) {
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
    let settings: HashMap<PathBuf, &Settings> =
        files.iter().map(|(p, s)| (normalize(p), *s)).collect();
    let originals: HashMap<PathBuf, &Path> =
        files.iter().map(|(p, _)| (normalize(p), *p)).collect();
    // Files that receive request data may pass it on (a service to a repository): their
    // relays are read once they do, hop after hop, so only the files the data reaches cost a
    // second look.
    let mut outgoing = outgoing;
    let mut external = map.external_entries(&outgoing);
    let mut relayed: HashSet<PathBuf> = HashSet::new();
    for _ in 0..=engine::modules::MAX_HOPS {
        let reached: Vec<PathBuf> = external
            .keys()
            .filter(|p| !relayed.contains(*p))
            .cloned()
            .collect();
        relayed.extend(reached.iter().cloned());
        let relays: Vec<(PathBuf, Language, Vec<ba_analysis::Outgoing>)> = reached
            .par_iter()
            .filter_map(|path| {
                let original = originals.get(path)?;
                let settings = settings.get(path)?;
                let language = Language::from_path(path)?;
                let text = read(original)?;
                if !engine::may_call_out(language, &text) {
                    return None;
                }
                let tree = ba_syntax::parse::parse(language, &text, None)?;
                let calls: Vec<_> =
                    engine::outgoing_and_relays(language, &text, &tree, &settings.rules)
                        .into_iter()
                        .filter(|c| c.relay.is_some())
                        .collect();
                (!calls.is_empty()).then(|| (original.to_path_buf(), language, calls))
            })
            .collect();
        if relays.is_empty() {
            break;
        }
        outgoing.extend(relays);
        external = map.external_entries(&outgoing);
    }
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
