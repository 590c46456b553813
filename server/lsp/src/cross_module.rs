//! Taint across modules in the server, as `check` does it (`cli/src/cross_module.rs`): each
//! indexed file's calls from request handlers to functions of other project modules
//! (`engine::outgoing`), a module map over the workspace index's files that resolves them to
//! the callee files, and the resulting request-data entries per callee file. An open callee
//! document gets its entries (`ItemCache::external`) before it is analysed; when a file's
//! calls change, the open documents whose entries changed are analysed and published again.
//!
//! Values *returned* by other modules, as `check` follows them: each file's imports
//! (`ImportUses`) and, for the files others import, return summaries (`engine::module_returns`,
//! cached per file and per `Demand`: which functions, which parameters, what its own imports
//! return); `recompute` composes them with the engine's `ModuleMap::compose_returns` and gives
//! each caller what the functions it imports return (`ItemCache::imported`), re-publishing
//! the open callers whose imported summaries changed. An open document's summaries are made in
//! `workspace::refresh` from its own tree, and compositions are recomputed only when a file's
//! imports or summaries changed.
//!
//! Validated NestJS DTO classes imported from other modules, as `check` reads them: each
//! file's own validated classes (`ba_analysis::dto`), its imports when it takes a `@Body(`,
//! and whether it sets up a global `ValidationPipe`; `recompute` gives each controller the
//! classes its imports name (`ItemCache::dtos`) and re-publishes the open ones that changed.
//!
//! Lock order: a document, then the workspace index, then this state.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ba_analysis::dto::Dtos;
use ba_analysis::{ExternalEntries, ImportedReturns, Outgoing, Returned};
use ba_config::Settings;
use ba_engine::modules::{normalize, Demand, ImportUses, ModuleMap};
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
    /// Index key → what its imports give and where its text is (files with imports or
    /// summaries).
    modules: BTreeMap<Arc<str>, ModuleFile>,
    /// Normalized path → index key, for `modules`.
    keys: HashMap<PathBuf, Arc<str>>,
    /// Normalized path → its summaries, per demand and text (`summary_key`); a few kept.
    summaries: HashMap<PathBuf, Vec<(u64, Vec<Returned>)>>,
    /// Normalized path → the demands the last `recompute` made of the file (what an open
    /// document's refresh summarises it for).
    demands: HashMap<PathBuf, Vec<Demand>>,
    /// Caller (normalized path) → what the functions it imports return.
    imported: HashMap<PathBuf, ImportedReturns>,
    /// Imports, calls, summaries or files changed since `imported` was computed.
    returns_dirty: bool,
    /// Stamps the texts modules are summarised from.
    stamps: u64,
    /// Controller (normalized path) → the validated DTO classes it imports, and whether the
    /// workspace sets up a global `ValidationPipe`.
    dtos: HashMap<PathBuf, (Dtos, bool)>,
    /// DTO facts or files changed since `dtos` was computed.
    dtos_dirty: bool,
}

/// A file as return summaries see it.
struct ModuleFile {
    path: PathBuf,
    language: Language,
    uses: ImportUses,
    /// Whether its text can hold request data: only such files are callers, as in `check`.
    request: bool,
    text: Text,
    settings: Arc<Settings>,
    /// Changes when the text does (summaries are cached per stamp).
    stamp: u64,
    dto: DtoFacts,
}

/// What a file gives DTO validation across modules (JavaScript; empty for most files).
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct DtoFacts {
    /// The validated DTO classes it declares (when it names class-validator).
    pub classes: Dtos,
    /// Its imports, (local name, qualified name), when it takes a `@Body(`.
    pub imports: Vec<(String, String)>,
    /// It sets up a global pipe: `app.useGlobalPipes(new ValidationPipe())`.
    pub pipe: bool,
}

impl DtoFacts {
    /// A file's DTO facts from its text and tree; `names` gives its imports (asked only of a
    /// file that takes a `@Body(`).
    pub fn of(
        language: Language,
        text: &str,
        tree: &tree_sitter::Tree,
        names: impl FnOnce() -> Vec<(String, String)>,
    ) -> Self {
        if language.family() != ba_syntax::Family::JavaScript {
            return Self::default();
        }
        DtoFacts {
            classes: if text.contains("class-validator") {
                ba_analysis::dto::javascript_dtos(tree.root_node(), text)
            } else {
                Dtos::new()
            },
            imports: if text.contains("@Body(") {
                names()
            } else {
                Vec::new()
            },
            pipe: text.contains("useGlobalPipes") && text.contains("ValidationPipe"),
        }
    }
}

/// Where a module's text is, when it has to be summarised again.
#[derive(Clone)]
pub enum Text {
    /// An open document's text at a version (a rope clone costs nothing).
    Open(ropey::Rope, i32),
    /// The file on disk.
    Disk,
}

/// What a file gives the return summaries (computed off the locks).
pub struct ModuleFacts {
    pub uses: ImportUses,
    pub request: bool,
    pub text: Text,
    pub settings: Arc<Settings>,
    /// Summaries made already, from the document's tree, for the demands of the last
    /// recompute.
    pub made: Vec<(Demand, Vec<Returned>)>,
    pub dto: DtoFacts,
}

fn summary_key(stamp: u64, demand: &Demand) -> u64 {
    demand.key(stamp)
}

/// How many summaries of one file are kept (the plain one and a composed one, for a few
/// texts).
const KEPT_SUMMARIES: usize = 2 * (ba_engine::modules::MAX_HOPS + 1);

impl CrossModule {
    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.roots = roots;
        self.dirty = true;
        self.returns_dirty = true;
        self.dtos_dirty = true;
    }

    /// The workspace index holds `path` (an open document or a file on disk).
    pub fn add_file(&mut self, path: &Path, language: Language) {
        if self.map.insert(path, language) {
            self.dirty = true;
            self.returns_dirty = true;
            self.dtos_dirty = true;
        }
    }

    /// `path` left the workspace index: its calls go too.
    pub fn remove_file(&mut self, key: &str, path: &Path) {
        if self.map.remove(path) {
            self.dirty = true;
            self.returns_dirty = true;
            self.dtos_dirty = true;
        }
        self.set_calls(key, path, Language::Python, Vec::new());
        self.remove_module(key);
    }

    /// The file gives return summaries nothing (it cannot be read, or holds no function).
    pub fn remove_module(&mut self, key: &str) {
        if let Some(old) = self.modules.remove(key) {
            let path = normalize(&old.path);
            self.keys.remove(&path);
            self.summaries.remove(&path);
            self.returns_dirty = true;
            if old.dto != DtoFacts::default() {
                self.dtos_dirty = true;
            }
        }
    }

    /// What the file's demands were at the last recompute (for a refresh to summarise it
    /// from its own tree).
    pub fn demands_for(&self, path: &Path) -> Vec<Demand> {
        self.demands
            .get(&normalize(path))
            .cloned()
            .unwrap_or_default()
    }

    /// Replaces what the file gives return summaries. Compositions are made again only when
    /// its imports changed, or a summary it made differs from the one before.
    pub fn set_module(&mut self, key: &str, path: &Path, language: Language, facts: ModuleFacts) {
        let normalized = normalize(path);
        let old = self.modules.get(key);
        // Summaries are cached per stamp: a new text, or new settings (detection models),
        // gets a new one.
        let same_text = old.is_some_and(|m| {
            Arc::ptr_eq(&m.settings, &facts.settings)
                && matches!((&m.text, &facts.text), (Text::Open(_, a), Text::Open(_, b)) if a == b)
        });
        let stamp = match old {
            Some(m) if same_text => m.stamp,
            _ => {
                self.stamps += 1;
                self.stamps
            }
        };
        let same_facts = old.is_some_and(|m| {
            m.language == language && m.uses == facts.uses && m.request == facts.request
        });
        // Does the new text summarise differently? Only what was asked before counts.
        let mut differs = !same_facts;
        if old.is_some_and(|m| m.stamp != stamp) {
            let before = old.map_or(0, |m| m.stamp);
            let cached = self.summaries.get(&normalized);
            let made: HashMap<u64, &Vec<Returned>> = facts
                .made
                .iter()
                .map(|(d, r)| (summary_key(stamp, d), r))
                .collect();
            for demand in self.demands.get(&normalized).into_iter().flatten() {
                let was = cached.and_then(|c| {
                    let k = summary_key(before, demand);
                    c.iter().find(|(key, _)| *key == k).map(|(_, r)| r)
                });
                let now = made.get(&summary_key(stamp, demand)).copied();
                if was.is_none() || was != now {
                    differs = true;
                }
            }
        }
        if differs {
            self.returns_dirty = true;
        }
        if old.map_or(facts.dto != DtoFacts::default(), |m| m.dto != facts.dto) {
            self.dtos_dirty = true;
        }
        let list = self.summaries.entry(normalized.clone()).or_default();
        for (demand, returned) in facts.made {
            let k = summary_key(stamp, &demand);
            list.retain(|(key, _)| *key != k);
            list.push((k, returned));
        }
        if list.len() > KEPT_SUMMARIES {
            list.drain(..list.len() - KEPT_SUMMARIES);
        }
        self.keys.insert(normalized, key.into());
        self.modules.insert(
            key.into(),
            ModuleFile {
                path: path.to_path_buf(),
                language,
                uses: facts.uses,
                request: facts.request,
                text: facts.text,
                settings: facts.settings,
                stamp,
                dto: facts.dto,
            },
        );
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
        // Handlers' calls decide which parameters return summaries follow.
        self.returns_dirty = true;
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
        self.returns_dirty = true;
        self.dtos_dirty = true;
    }

    /// Drops the calls of files the module map no longer holds (after `reset_files`).
    pub fn retain_known(&mut self) {
        let map = &self.map;
        let before = self.calls.len();
        self.calls.retain(|_, (path, _, _)| map.contains(path));
        if self.calls.len() != before {
            self.dirty = true;
            self.returns_dirty = true;
            self.dtos_dirty = true;
        }
        let gone: Vec<Arc<str>> = self
            .modules
            .iter()
            .filter(|(_, m)| !map.contains(&m.path))
            .map(|(k, _)| k.clone())
            .collect();
        for key in gone {
            self.remove_module(&key);
        }
    }

    /// Computes the entries again if calls or files changed; returns the index keys of the
    /// callee files whose entries differ from before.
    pub fn recompute(&mut self) -> Vec<Arc<str>> {
        let mut changed = self.recompute_entries();
        changed.extend(self.recompute_returns());
        for key in self.recompute_dtos() {
            if !changed.contains(&key) {
                changed.push(key);
            }
        }
        changed
    }

    /// Gives each controller the validated DTO classes its imports name (as `check`'s
    /// `imported_dtos`) if DTO facts or files changed; returns the index keys of the files
    /// whose classes differ from before.
    fn recompute_dtos(&mut self) -> Vec<Arc<str>> {
        if !self.dtos_dirty {
            return Vec::new();
        }
        self.dtos_dirty = false;
        let classes: HashMap<PathBuf, &Dtos> = self
            .modules
            .values()
            .filter(|m| !m.dto.classes.is_empty())
            .map(|m| (normalize(&m.path), &m.dto.classes))
            .collect();
        let mut next: HashMap<PathBuf, (Dtos, bool)> = HashMap::new();
        if !classes.is_empty() {
            let pipe = self.modules.values().any(|m| m.dto.pipe);
            for m in self.modules.values().filter(|m| !m.dto.imports.is_empty()) {
                let mut found = Dtos::new();
                for (local, q) in &m.dto.imports {
                    let Some((file, name)) = self.map.target(&m.path, m.language, q) else {
                        continue;
                    };
                    if let Some(props) = classes.get(&file).and_then(|c| c.get(&name)) {
                        found.insert(local.clone(), props.clone());
                    }
                }
                if !found.is_empty() {
                    next.insert(normalize(&m.path), (found, pipe));
                }
            }
        }
        let mut changed: Vec<Arc<str>> = Vec::new();
        for (path, dtos) in &next {
            if self.dtos.get(path) != Some(dtos) {
                changed.push(self.key_of(path));
            }
        }
        for path in self.dtos.keys() {
            if !next.contains_key(path) {
                changed.push(self.key_of(path));
            }
        }
        self.dtos = next;
        changed
    }

    /// The validated DTO classes the file at `path` imports, and whether the workspace sets
    /// up a global `ValidationPipe` (nothing for most files).
    pub fn dtos_for(&self, path: &Path) -> (Dtos, bool) {
        if self.dtos.is_empty() {
            return Default::default();
        }
        self.dtos.get(&normalize(path)).cloned().unwrap_or_default()
    }

    fn recompute_entries(&mut self) -> Vec<Arc<str>> {
        if !self.dirty {
            return Vec::new();
        }
        self.dirty = false;
        let shown = |from: &Path| self.shown(from);
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

    /// A file as data paths name it: relative to its workspace folder.
    fn shown(&self, path: &Path) -> String {
        shown_in(&self.roots, path)
    }

    /// Composes the return summaries again if imports, summaries, calls or files changed;
    /// returns the index keys of the callers whose imported summaries differ from before.
    fn recompute_returns(&mut self) -> Vec<Arc<str>> {
        if !self.returns_dirty {
            return Vec::new();
        }
        self.returns_dirty = false;
        // The handlers' callees per caller, and the functions they reach.
        let mut passed: HashMap<PathBuf, HashSet<String>> = HashMap::new();
        for (path, _, calls) in self.calls.values() {
            let callees: HashSet<String> = calls
                .iter()
                .filter(|c| c.relay.is_none())
                .map(|c| c.callee.clone())
                .collect();
            if !callees.is_empty() {
                passed.entry(normalize(path)).or_default().extend(callees);
            }
        }
        let propagating = self.map.propagating(&passed);
        let mut wanted: HashMap<PathBuf, HashSet<String>> = HashMap::new();
        for m in self.modules.values() {
            for (file, function) in self.map.wanted(&m.path, m.language, &m.uses) {
                wanted.entry(file).or_default().insert(function);
            }
        }
        let demand = |path: &Path, imported: &ImportedReturns| -> Option<Demand> {
            Some(demand_for(
                wanted.get(path)?,
                propagating.get(path),
                imported,
            ))
        };
        let cache = RefCell::new(std::mem::take(&mut self.summaries));
        let asked: RefCell<HashMap<PathBuf, Vec<Demand>>> = RefCell::default();
        let summarise = |list: &[(PathBuf, ImportedReturns)]| -> Vec<(PathBuf, Vec<Returned>)> {
            let mut out = Vec::new();
            let mut missing = Vec::new();
            for (path, imported) in list {
                let Some(demand) = demand(path, imported) else {
                    continue;
                };
                let Some(module) = self.keys.get(path).and_then(|k| self.modules.get(k)) else {
                    continue;
                };
                let k = summary_key(module.stamp, &demand);
                asked
                    .borrow_mut()
                    .entry(path.clone())
                    .or_default()
                    .push(demand.clone());
                let found = cache
                    .borrow()
                    .get(path)
                    .and_then(|c| c.iter().find(|(key, _)| *key == k).map(|(_, r)| r.clone()));
                match found {
                    Some(r) => out.push((path.clone(), r)),
                    None => missing.push((path.clone(), k, module, demand)),
                }
            }
            use rayon::prelude::*;
            let made: Vec<(PathBuf, u64, Vec<Returned>)> = missing
                .par_iter()
                .map(|(path, k, module, demand)| (path.clone(), *k, summarise_text(module, demand)))
                .collect();
            let mut cache = cache.borrow_mut();
            for (path, k, returned) in made {
                let list = cache.entry(path.clone()).or_default();
                list.push((k, returned.clone()));
                if list.len() > KEPT_SUMMARIES {
                    list.remove(0);
                }
                out.push((path, returned));
            }
            out
        };
        let empty = ImportedReturns::new();
        let plain: Vec<(PathBuf, ImportedReturns)> = wanted
            .keys()
            .filter(|p| self.keys.contains_key(*p))
            .map(|p| (p.clone(), empty.clone()))
            .collect();
        let mut returns: HashMap<PathBuf, Vec<Returned>> = summarise(&plain)
            .into_iter()
            .filter(|(_, r)| !r.is_empty())
            .collect();
        let composing: Vec<(&Path, Language, Vec<String>)> = self
            .modules
            .values()
            .filter(|m| !m.uses.is_empty())
            .map(|m| {
                (
                    m.path.as_path(),
                    m.language,
                    m.uses.iter().map(|(q, _)| q.clone()).collect(),
                )
            })
            .collect();
        let roots = self.roots.clone();
        let shown = |p: &Path| shown_in(&roots, p);
        if !returns.is_empty() {
            self.map
                .compose_returns(&composing, &mut returns, &summarise, &shown);
        }
        let mut next: HashMap<PathBuf, ImportedReturns> = HashMap::new();
        if !returns.is_empty() {
            for m in self
                .modules
                .values()
                .filter(|m| m.request && !m.uses.is_empty())
            {
                let path = normalize(&m.path);
                let names: Vec<String> = m.uses.iter().map(|(q, _)| q.clone()).collect();
                let imported = self.map.caller_returns(
                    &m.path,
                    m.language,
                    &names,
                    &returns,
                    passed.get(&path),
                    &shown,
                );
                if !imported.is_empty() {
                    next.insert(path, imported);
                }
            }
        }
        self.summaries = cache.into_inner();
        self.demands = asked.into_inner();
        let mut changed: Vec<Arc<str>> = Vec::new();
        for (path, imported) in &next {
            if self.imported.get(path) != Some(imported) {
                changed.push(self.key_of(path));
            }
        }
        for path in self.imported.keys() {
            if !next.contains_key(path) {
                changed.push(self.key_of(path));
            }
        }
        self.imported = next;
        changed
    }

    fn key_of(&self, path: &Path) -> Arc<str> {
        self.keys
            .get(path)
            .cloned()
            .unwrap_or_else(|| path.to_string_lossy().into())
    }

    /// What the functions the file at `path` imports return (none for most files).
    pub fn imported_for(&self, path: &Path) -> ImportedReturns {
        if self.imported.is_empty() {
            return ImportedReturns::new();
        }
        self.imported
            .get(&normalize(path))
            .cloned()
            .unwrap_or_default()
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

/// The outgoing calls of a file on disk, under its settings, and what it gives return
/// summaries; nothing when it can neither call out nor import (checked on the text, before
/// parsing), or cannot be read.
pub fn of_file(path: &Path, settings: &Arc<Settings>) -> (Vec<Outgoing>, Option<ModuleFacts>) {
    let Some(language) = Language::from_path(path) else {
        return (Vec::new(), None);
    };
    let Some(text) = read(path) else {
        return (Vec::new(), None);
    };
    if !ba_engine::may_call_out(language, &text) {
        // No imports (or no functions): summarised from the disk if another file asks.
        let module = ba_engine::may_return_values(&text).then(|| ModuleFacts {
            uses: ImportUses::new(),
            request: false,
            text: Text::Disk,
            settings: settings.clone(),
            made: Vec::new(),
            dto: DtoFacts::default(),
        });
        return (Vec::new(), module);
    }
    let Some(tree) = ba_syntax::parse::parse(language, &text, None) else {
        return (Vec::new(), None);
    };
    let calls = ba_engine::outgoing_and_relays(language, &text, &tree, &settings.rules);
    let names = ba_engine::import_names(language, &text, &tree);
    let dto = DtoFacts::of(language, &text, &tree, || names.clone());
    let module = ModuleFacts {
        uses: ba_engine::modules::import_uses(&names, &text),
        request: ba_engine::may_have_request_data(language, &text),
        text: Text::Disk,
        settings: settings.clone(),
        made: Vec::new(),
        dto,
    };
    (calls, Some(module))
}

/// `path` relative to the workspace folder it is in (the innermost), as data paths name files.
fn shown_in(roots: &[PathBuf], path: &Path) -> String {
    roots
        .iter()
        .filter_map(|r| path.strip_prefix(r).ok())
        .min_by_key(|rel| rel.components().count())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A module's summaries for a demand, from its text (an open document's, or the disk's).
fn summarise_text(module: &ModuleFile, demand: &Demand) -> Vec<Returned> {
    let text = match &module.text {
        Text::Open(rope, _) => rope.to_string(),
        Text::Disk => match read(&module.path) {
            Some(t) => t,
            None => return Vec::new(),
        },
    };
    summarise(module.language, &text, None, &module.settings, demand)
}

/// `engine::module_returns` for a demand (parsing the text unless its tree is given).
fn summarise(
    language: Language,
    text: &str,
    tree: Option<&tree_sitter::Tree>,
    settings: &Settings,
    demand: &Demand,
) -> Vec<Returned> {
    if demand.wanted.is_empty() || !ba_engine::may_return_values(text) {
        return Vec::new();
    }
    let parsed;
    let tree = match tree {
        Some(t) => t,
        None => match ba_syntax::parse::parse(language, text, None) {
            Some(t) => {
                parsed = t;
                &parsed
            }
            None => return Vec::new(),
        },
    };
    ba_engine::module_returns(
        language,
        text,
        tree,
        &settings.rules,
        &demand.imported,
        &|name| demand.wanted.contains(name),
        &|name| demand.params.contains(name),
    )
}

/// A source file's text as the server reads it from disk (no byte order mark; not over the
/// size limit).
fn read(path: &Path) -> Option<String> {
    if std::fs::metadata(path).ok()?.len() > 2 * 1024 * 1024 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    Some(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// What an open document that was just analysed gives return summaries: its imports, and its
/// summaries for `demands` (the last recompute's), made from its own tree.
pub fn module_of_document(entry: &mut DocEntry, demands: &[Demand]) -> Option<ModuleFacts> {
    let language = entry.language()?;
    let excluded = entry
        .path
        .as_ref()
        .is_some_and(|p| entry.settings.is_excluded(p));
    if entry.doc.is_too_large() || excluded || entry.path.is_none() {
        return None;
    }
    let tree = entry.doc.tree().cloned()?;
    let tree = &tree;
    let uses = ba_engine::import_uses_cached(language, entry.doc.text(), tree, &mut entry.cache);
    let settings = entry.settings.clone();
    let made = demands
        .iter()
        .map(|d| {
            let returned = if d.wanted.is_empty() {
                Vec::new()
            } else {
                ba_engine::module_returns_cached(
                    language,
                    entry.doc.text(),
                    tree,
                    &settings.rules,
                    &mut entry.cache,
                    &d.imported,
                    &|name| d.wanted.contains(name),
                    &|name| d.params.contains(name),
                )
            };
            (d.clone(), returned)
        })
        .collect();
    let text = entry.doc.text();
    let cache = &entry.cache;
    let dto = DtoFacts::of(language, text, tree, || {
        ba_engine::import_names_cached(language, text, tree, cache)
    });
    Some(ModuleFacts {
        uses,
        request: ba_engine::may_have_request_data(language, text),
        text: Text::Open(entry.doc.rope().clone(), entry.doc.version()),
        settings: entry.settings.clone(),
        made,
        dto,
    })
}

/// What a file's summaries are asked for: the functions other files import (`wanted`), the
/// parameters followed of those handlers pass request data to, and what its imports return.
fn demand_for(
    wanted: &HashSet<String>,
    propagating: Option<&HashSet<String>>,
    imported: &ImportedReturns,
) -> Demand {
    Demand {
        wanted: wanted.iter().cloned().collect(),
        params: propagating
            .map(|p| p.iter().filter(|f| wanted.contains(*f)).cloned().collect())
            .unwrap_or_default(),
        imported: imported.clone(),
    }
}

/// A file read from disk for the index: its path, language, outgoing calls and what it gives
/// return summaries.
pub type FileCalls = (PathBuf, Language, Vec<Outgoing>, Option<ModuleFacts>);

/// Summaries of the files of a workspace read from disk, for what the others ask of them
/// (`Demand` without what their imports return), made in parallel before the index lock is
/// taken (`set_module` keeps them), so the first `recompute` finds them made. What open
/// documents ask, and compositions, are made by `recompute`.
pub fn prefetch(files: &mut [FileCalls]) {
    use rayon::prelude::*;
    let map = ModuleMap::new(files.iter().map(|(p, l, _, _)| (p.as_path(), *l)));
    let mut passed: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    for (path, _, calls, _) in files.iter() {
        for call in calls.iter().filter(|c| c.relay.is_none()) {
            passed
                .entry(normalize(path))
                .or_default()
                .insert(call.callee.clone());
        }
    }
    let propagating = map.propagating(&passed);
    let mut wanted: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    for (path, language, _, module) in files.iter() {
        let Some(module) = module else { continue };
        for (file, function) in map.wanted(path, *language, &module.uses) {
            wanted.entry(file).or_default().insert(function);
        }
    }
    if wanted.is_empty() {
        return;
    }
    let empty = ImportedReturns::new();
    files
        .par_iter_mut()
        .for_each(|(path, language, _, module)| {
            let Some(module) = module else { return };
            let normalized = normalize(path);
            let Some(wanted) = wanted.get(&normalized) else {
                return;
            };
            let demand = demand_for(wanted, propagating.get(&normalized), &empty);
            let Some(text) = read(path) else { return };
            let returned = summarise(*language, &text, None, &module.settings, &demand);
            module.made = vec![(demand, returned)];
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICES: &str = "from flask import request\n\n\ndef get_params():\n    return request.args\n\n\ndef other():\n    return 1\n";
    const VIEWS: &str =
        "import sqlite3\nfrom flask import request\n\nfrom app.services import get_params\n";

    fn disk(path: &Path, settings: &Arc<Settings>) -> ModuleFacts {
        of_file(path, settings).1.unwrap()
    }

    /// An open module summarised from its own tree, for the demands of the last recompute.
    fn open(
        xmod: &CrossModule,
        path: &Path,
        text: &str,
        version: i32,
        settings: &Arc<Settings>,
    ) -> ModuleFacts {
        let tree = ba_syntax::parse::parse(Language::Python, text, None).unwrap();
        let made = xmod
            .demands_for(path)
            .into_iter()
            .map(|d| {
                let r = summarise(Language::Python, text, Some(&tree), settings, &d);
                (d, r)
            })
            .collect();
        ModuleFacts {
            uses: ba_engine::modules::import_uses(
                &ba_engine::import_names(Language::Python, text, &tree),
                text,
            ),
            request: true,
            text: Text::Open(ropey::Rope::from_str(text), version),
            settings: settings.clone(),
            made,
            dto: DtoFacts::default(),
        }
    }

    #[test]
    fn compositions_are_made_again_only_when_a_summary_changed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let services = root.join("app/services.py");
        let views = root.join("app/views.py");
        std::fs::create_dir_all(root.join("app")).unwrap();
        std::fs::write(&services, SERVICES).unwrap();
        std::fs::write(&views, VIEWS).unwrap();
        let settings = Arc::new(Settings::default());
        let key = |p: &Path| p.to_string_lossy().into_owned();
        let mut xmod = CrossModule::default();
        xmod.set_roots(vec![root.clone()]);
        for p in [&services, &views] {
            xmod.add_file(p, Language::Python);
        }
        xmod.set_module(
            &key(&views),
            &views,
            Language::Python,
            disk(&views, &settings),
        );
        xmod.set_module(
            &key(&services),
            &services,
            Language::Python,
            disk(&services, &settings),
        );
        assert_eq!(xmod.recompute(), [Arc::<str>::from(key(&views))]);
        let imported = xmod.imported_for(&views);
        assert_eq!(
            imported.keys().collect::<Vec<_>>(),
            ["app.services.get_params"]
        );
        assert_eq!(
            imported["app.services.get_params"].shown(),
            "`get_params()` (app/services.py)"
        );

        // The module opened, then typed in where the summary does not change: nothing to
        // compose again.
        let facts = open(&xmod, &services, SERVICES, 1, &settings);
        xmod.set_module(&key(&services), &services, Language::Python, facts);
        assert!(!xmod.returns_dirty);
        let edited = SERVICES.replace("return 1", "return 2");
        let facts = open(&xmod, &services, &edited, 2, &settings);
        xmod.set_module(&key(&services), &services, Language::Python, facts);
        assert!(!xmod.returns_dirty);
        assert!(xmod.recompute().is_empty());

        // Returning a number instead: the caller learns nothing any more.
        let edited = edited.replace("return request.args", "return int(request.args[\"q\"])");
        let facts = open(&xmod, &services, &edited, 3, &settings);
        xmod.set_module(&key(&services), &services, Language::Python, facts);
        assert!(xmod.returns_dirty);
        assert_eq!(xmod.recompute(), [Arc::<str>::from(key(&views))]);
        assert!(xmod.imported_for(&views).is_empty());

        // Gone from the workspace: nothing either way, and no stale summary comes back.
        xmod.remove_file(&key(&services), &services);
        assert!(xmod.recompute().is_empty());
        assert!(xmod.imported_for(&views).is_empty());
    }
}
