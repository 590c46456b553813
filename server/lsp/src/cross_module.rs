//! Taint across modules in the server, as `check` does it (`cli/src/cross_module.rs`): each
//! indexed file's calls from request handlers to functions of other project modules
//! (`engine::outgoing`), a module map over the workspace index's files that resolves them to
//! the callee files, and the resulting request-data entries per callee file. An open callee
//! document gets its entries (`ItemCache::external`) before it is analysed; when a file's
//! calls change, the open documents whose entries changed are analysed and published again.
//!
//! Lock order: a document, then the workspace index, then this state.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ba_analysis::{ExternalEntries, Outgoing};
use ba_config::Settings;
use ba_engine::modules::{normalize, ModuleMap};
use ba_syntax::Language;

use super::state::DocEntry;

#[derive(Default)]
pub struct CrossModule {
    /// The workspace index's files (those with a path).
    map: ModuleMap,
    /// Index key → the file's path, language and outgoing calls (files that have some).
    calls: BTreeMap<Arc<str>, (PathBuf, Language, Vec<Outgoing>)>,
    /// Callee file (normalized) → the entries other files' calls give it.
    external: HashMap<PathBuf, ExternalEntries>,
    /// Workspace folders, to name callers relative to them.
    roots: Vec<PathBuf>,
    /// Calls or files changed since the entries were computed.
    dirty: bool,
}

impl CrossModule {
    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.roots = roots;
        self.dirty = true;
    }

    /// The workspace index holds `path` (an open document or a file on disk).
    pub fn add_file(&mut self, path: &Path, language: Language) {
        if self.map.insert(path, language) {
            self.dirty = true;
        }
    }

    /// `path` left the workspace index: its calls go too.
    pub fn remove_file(&mut self, key: &str, path: &Path) {
        if self.map.remove(path) {
            self.dirty = true;
        }
        self.set_calls(key, path, Language::Python, Vec::new());
    }

    /// Replaces the file's outgoing calls.
    pub fn set_calls(&mut self, key: &str, path: &Path, language: Language, calls: Vec<Outgoing>) {
        let same = match self.calls.get(key) {
            Some((_, l, old)) => *l == language && *old == calls,
            None => calls.is_empty(),
        };
        if same {
            return;
        }
        if calls.is_empty() {
            self.calls.remove(key);
        } else {
            self.calls
                .insert(key.into(), (path.to_path_buf(), language, calls));
        }
        self.dirty = true;
    }

    /// Rebuilds the file set from scratch (after a walk of the workspace).
    pub fn reset_files<'a>(&mut self, files: impl IntoIterator<Item = (&'a Path, Language)>) {
        self.map = ModuleMap::new(files);
        self.dirty = true;
    }

    /// Drops the calls of files the module map no longer holds (after `reset_files`).
    pub fn retain_known(&mut self) {
        let map = &self.map;
        let before = self.calls.len();
        self.calls.retain(|_, (path, _, _)| map.contains(path));
        if self.calls.len() != before {
            self.dirty = true;
        }
    }

    /// Computes the entries again if calls or files changed; returns the index keys of the
    /// callee files whose entries differ from before.
    pub fn recompute(&mut self) -> Vec<Arc<str>> {
        if !self.dirty {
            return Vec::new();
        }
        self.dirty = false;
        let roots = &self.roots;
        let shown = |from: &Path| {
            roots
                .iter()
                .filter_map(|r| from.strip_prefix(r).ok())
                .min_by_key(|rel| rel.components().count())
                .unwrap_or(from)
                .display()
                .to_string()
        };
        let next: HashMap<PathBuf, ExternalEntries> = self
            .map
            .external_entries_with(
                self.calls
                    .values()
                    .map(|(path, language, calls)| (path.as_path(), *language, calls.as_slice())),
                shown,
            )
            .into_iter()
            .collect();
        let mut changed: Vec<Arc<str>> = Vec::new();
        for (path, entries) in &next {
            if self.external.get(path) != Some(entries) {
                changed.push(path.to_string_lossy().into());
            }
        }
        for path in self.external.keys() {
            if !next.contains_key(path) {
                changed.push(path.to_string_lossy().into());
            }
        }
        self.external = next;
        changed
    }

    /// The entries of the file at `path` (none for most files).
    pub fn external_for(&self, path: &Path) -> ExternalEntries {
        if self.external.is_empty() {
            return ExternalEntries::new();
        }
        self.external
            .get(&normalize(path))
            .cloned()
            .unwrap_or_default()
    }
}

/// The outgoing calls of an open document that was just analysed (its cache reused); none for
/// documents not analysed (too large, excluded, a manifest).
pub fn of_document(entry: &mut DocEntry) -> Vec<Outgoing> {
    let Some(language) = entry.language() else {
        return Vec::new();
    };
    let excluded = entry
        .path
        .as_ref()
        .is_some_and(|p| entry.settings.is_excluded(p));
    if entry.doc.is_too_large() || excluded || entry.path.is_none() {
        return Vec::new();
    }
    let Some(tree) = entry.doc.tree().cloned() else {
        return Vec::new();
    };
    let settings = entry.settings.clone();
    let DocEntry { doc, cache, .. } = entry;
    ba_engine::outgoing_cached(language, doc.text(), &tree, &settings.rules, cache, true)
}

/// The outgoing calls of a file on disk, under its settings; empty when it cannot hold
/// request data (checked on the text, before parsing), or cannot be read.
pub fn of_file(path: &Path, settings: &Settings) -> Vec<Outgoing> {
    let Some(language) = Language::from_path(path) else {
        return Vec::new();
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return Vec::new();
    };
    if meta.len() > 2 * 1024 * 1024 {
        return Vec::new();
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if !ba_engine::may_call_out(language, text) {
        return Vec::new();
    }
    let Some(tree) = ba_syntax::parse::parse(language, text, None) else {
        return Vec::new();
    };
    ba_engine::outgoing_and_relays(language, text, &tree, &settings.rules)
}
