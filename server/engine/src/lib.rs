//! The engine: runs the enabled rules over one parsed file and returns findings. It knows
//! nothing of LSP; the server and `check` both call it.
//!
//! Rules see one top-level item (a statement, function or class) at a time plus the file's
//! semantic model. That makes results cacheable per item: on a keystroke only the items whose
//! text changed are re-analysed, unless the semantic model (imports, module constants) or the
//! rule set changed, which invalidates everything.

pub mod crossfile;
pub mod fix;
pub mod modules;

use ba_syntax::NodeExt;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use ba_analysis::{summaries, Semantic};
use ba_config::suppression::Suppressions;
use ba_config::RuleSet;
use ba_rules::{Captures, Check, Checker, Finding, Rule, RULES};
use ba_syntax::pattern::Patterns;
use ba_syntax::Language;

/// Every rule query of one language, compiled into one pattern set so that one walk over an
/// item matches all rules at once (see `syntax::pattern`).
pub struct CompiledQueries {
    pub patterns: Patterns,
    /// Pattern index → every (index of the rule in `RULES`, check) that uses the pattern.
    /// Rules that share a query file (e.g. `calls.scm`) share its patterns: one match, several
    /// checks.
    checks: Vec<Vec<(usize, &'static Check)>>,
}

/// The query files of one language's rules, each once, with the checks that use it.
pub fn query_files(language: Language) -> Vec<(&'static str, Vec<(usize, &'static Check)>)> {
    let mut files: Vec<(&'static str, Vec<(usize, &'static Check)>)> = Vec::new();
    for (rule_index, rule) in RULES.iter().enumerate() {
        for check in rule.checks.iter().filter(|c| c.family == language.family()) {
            match files.iter_mut().find(|f| f.0 == check.query) {
                Some(file) => file.1.push((rule_index, check)),
                None => files.push((check.query, vec![(rule_index, check)])),
            }
        }
    }
    files
}

fn compile(language: Language) -> CompiledQueries {
    let files = query_files(language);
    let sources: Vec<&'static str> = files.iter().map(|f| f.0).collect();
    let (patterns, ranges) = Patterns::new(language, &sources).unwrap_or_else(|e| {
        panic!(
            "query {} does not compile for {}: {e}",
            files[e.file].1[0].1.query_path,
            language.name()
        )
    });
    let mut checks = vec![Vec::new(); patterns.len()];
    for (range, (_, users)) in ranges.into_iter().zip(&files) {
        for index in range {
            checks[index] = users.clone();
        }
    }
    CompiledQueries { patterns, checks }
}

pub fn queries(language: Language) -> &'static CompiledQueries {
    static CELLS: [OnceLock<CompiledQueries>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let index = Language::ALL
        .iter()
        .position(|l| *l == language)
        .expect("known language");
    CELLS[index].get_or_init(|| compile(language))
}

/// Findings per top-level item, keyed by the item's text, valid for one semantic context.
#[derive(Default)]
pub struct ItemCache {
    /// The semantic model and the module skeleton it was built from.
    semantic: Option<(u64, std::sync::Arc<Semantic>)>,
    /// Item text hash → the item's contribution to the skeleton hash.
    parts: Marked<u64>,
    context: u64,
    /// Item text hash → (findings relative to the item, the item's first row if a message
    /// names a line).
    items: Marked<(Vec<Finding>, Option<usize>)>,
    /// Item text hash → its part of `Semantic::returns` (valid for one skeleton).
    returns: Marked<Part<summaries::ReturnsPart>>,
    /// Item text hash → its part of `Semantic::entries` (valid for one `entries_context`).
    entries: Marked<Part<summaries::EntriesPart>>,
    summary_skeleton: u64,
    entries_context: u64,
    /// The last merged model: (returns hash, entries hash, model).
    merged: Option<(u64, u64, std::sync::Arc<Semantic>)>,
    /// How many items the last analysis re-ran (for tests and benchmarks).
    pub last_rerun: usize,
    /// Request data handlers in other files pass to this file's functions (see
    /// `Semantic::external`); set by the caller, part of the semantic model's key.
    pub external: ba_analysis::ExternalEntries,
    /// What the other modules' functions this file imports return (see
    /// `Semantic::imported`); set by the caller, part of the semantic model's key.
    pub imported: ba_analysis::ImportedReturns,
    /// Validated DTO classes this file imports from other modules, by local name, and whether
    /// the project sets up a global `ValidationPipe` (see `Semantic::dtos`); set by the
    /// caller, part of the semantic model's key.
    pub dtos: (ba_analysis::dto::Dtos, bool),
    /// The file's path inside its project (`ba_app::classify::project_path`), which its
    /// class and the rules judge, as `check` names it to them; `None`: the `path` given to
    /// `analyze`. Set by the caller (the server: `path` is the document's URI).
    pub project_path: Option<String>,
    /// The file's class when the caller has already judged it for this very text and
    /// `project_path` (`check` does, to choose the rules); `None`: `analyze` classifies it.
    /// Taken by the next `analyze`, so a kept cache never judges a later text by it.
    pub class: Option<ba_app::FileClass>,
    /// Whether the semantic model in `semantic` was built only in part (a walk reached
    /// `ba_syntax::depth::MAX_DEPTH`).
    semantic_partial: bool,
    /// Item text hashes whose summary parts or findings were computed only in part.
    partial_items: rustc_hash::FxHashSet<u64>,
    /// Whether the last analysis was partial: some walk over the tree gave up at the depth
    /// bound, so findings in the deepest parts of the file may be missing.
    pub partial: bool,
    /// Item text hash → the item's outgoing calls (`outgoing_cached`), valid for one semantic
    /// model (`outgoing_context`).
    outgoing: Marked<Vec<ba_analysis::Outgoing>>,
    outgoing_context: u64,
    /// The last few `module_returns_cached` results, by what they were made from.
    module_returns: Vec<(u64, Vec<ba_analysis::Returned>)>,
    /// The last analysis's top-level items (byte range, text hash) and the length of the text.
    item_spans: (Vec<(std::ops::Range<usize>, u64)>, usize),
    /// Item text hash → the attributes it reads of imported names (`import_uses_cached`),
    /// valid for one set of imports (`uses_context`).
    uses: Marked<Vec<(String, String)>>,
    uses_context: u64,
    /// Item text hash → the function it defines (`summaries::function_name`) and the names
    /// it calls (`called_names`), for `module_returns_cached`.
    item_calls: Marked<(Option<String>, Vec<String>)>,
}

/// A cache keyed by item text hash whose entries are marked with the last analysis that used
/// them. Entries are looked up and updated in place (a keystroke touches one item, so
/// rebuilding the maps on every analysis cost more than the re-run item), and the ones no
/// longer used are dropped once they outnumber the used ones.
struct Marked<T> {
    map: HashMap<u64, (T, u32)>,
    generation: u32,
    used: usize,
}

impl<T> Default for Marked<T> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            generation: 0,
            used: 0,
        }
    }
}

impl<T> Marked<T> {
    /// Starts an analysis: entries not used from here on are stale.
    fn begin(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        self.used = 0;
    }

    /// The entry for `key`, marked as used by this analysis.
    fn get(&mut self, key: u64) -> Option<&T> {
        let generation = self.generation;
        let (value, mark) = self.map.get_mut(&key)?;
        if *mark != generation {
            *mark = generation;
            self.used += 1;
        }
        Some(value)
    }

    fn insert(&mut self, key: u64, value: T) -> &T {
        let generation = self.generation;
        let slot = self
            .map
            .entry(key)
            .or_insert((value, generation.wrapping_sub(1)));
        if slot.1 != generation {
            slot.1 = generation;
            self.used += 1;
        }
        &slot.0
    }

    /// Replaces the entry for `key` (a cached value that no longer applies).
    fn replace(&mut self, key: u64, value: T) -> &T {
        if let Some((_, mark)) = self.map.remove(&key) {
            if mark == self.generation {
                self.used -= 1;
            }
        }
        self.insert(key, value)
    }

    /// Ends an analysis: drops unused entries when they are most of the map.
    fn end(&mut self) {
        if self.map.len() > 2 * self.used + 64 {
            let generation = self.generation;
            self.map.retain(|_, (_, mark)| *mark == generation);
        }
    }

    fn clear(&mut self) {
        self.map.clear();
        self.used = 0;
    }
}

fn hash_of(value: impl Hash) -> u64 {
    // FxHash: item texts are hashed on every keystroke, so speed matters more than DoS
    // resistance (the input is the user's own file).
    let mut h = rustc_hash::FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// What the semantic model can depend on: the text of every top-level statement except the
/// bodies of functions and classes (their names count). A keystroke inside a function keeps the
/// skeleton, so the model is reused.
fn skeleton_part(item: Node, source: &str) -> u64 {
    let mut def = item;
    while matches!(def.kind_str(), "decorated_definition" | "export_statement") {
        match def.field("definition").or_else(|| def.field("declaration")) {
            Some(d) => def = d,
            None => break,
        }
    }
    let name = match def.kind_str() {
        "function_definition"
        | "class_definition"
        | "function_declaration"
        | "generator_function_declaration"
        | "class_declaration" => def.field("name"),
        _ => None,
    };
    match name {
        // A DTO's validators sanitise its properties (`ba_analysis::dto`): its text keys the
        // semantic model.
        Some(_)
            if def.kind_str() == "class_declaration"
                && ba_analysis::dto::has_validators(&source[def.byte_range()]) =>
        {
            hash_of(&source.as_bytes()[item.byte_range()])
        }
        Some(n) => hash_of((def.kind_id(), &source.as_bytes()[n.byte_range()])),
        None => hash_of(&source.as_bytes()[item.byte_range()]),
    }
}

/// One item's part of a summary, with its hash.
type Part<T> = (T, u64);

/// The skeleton semantic model plus the cross-function taint summaries of this text, and a
/// hash of the summaries (for the findings cache context).
///
/// Parts are cached per item text; each has a hash, and the merged model is rebuilt only when
/// the sequence of part hashes changes, so a keystroke costs one item's part and a pass over
/// `u64`s.
fn with_summaries(
    cache: &mut ItemCache,
    base: &std::sync::Arc<Semantic>,
    language: Language,
    items: &[(Node, u64)],
    source: &str,
    skeleton: u64,
) -> (std::sync::Arc<Semantic>, u64) {
    if !summaries::wants_returns(language, source) {
        return (base.clone(), 0);
    }
    if cache.summary_skeleton != skeleton {
        cache.returns.clear();
        cache.merged = None;
        cache.summary_skeleton = skeleton;
    }
    cache.returns.begin();
    let mut combined = rustc_hash::FxHasher::default();
    for (item, key) in items {
        let hash = match cache.returns.get(*key) {
            Some(p) => p.1,
            None => {
                let (part, partial) =
                    ba_syntax::depth::tracked(|| summaries::returns(language, base, *item, source));
                if partial {
                    cache.partial_items.insert(*key);
                }
                let h = hash_of(&part);
                cache.returns.insert(*key, (part, h)).1
            }
        };
        hash.hash(&mut combined);
    }
    let returns_hash = combined.finish();
    // A file without request data needs only the functions that return constants (for its
    // parameters' taint): no entries, and no copy of the model when it has none.
    if !summaries::apply(language, source) {
        let mut constant = Vec::new();
        for (_, key) in items {
            if let Some((Some((name, summary)), _)) = cache.returns.get(*key) {
                if summary.1 == 0 {
                    constant.push((name.clone(), summary.clone()));
                }
            }
        }
        cache.returns.end();
        if constant.is_empty() {
            return (base.clone(), 0);
        }
        let hash = hash_of(&constant);
        // Kept like the full merge (entries hash 0: there are none), so a keystroke that
        // changes no function's constant return does not copy the model again.
        if let Some((h, 0, sem)) = &cache.merged {
            if *h == hash {
                return (sem.clone(), hash);
            }
        }
        let mut sem = (**base).clone();
        sem.returns.extend(constant);
        let sem = std::sync::Arc::new(sem);
        cache.merged = Some((hash, 0, sem.clone()));
        return (sem, hash);
    }
    let with_returns = match &cache.merged {
        Some((h, _, sem)) if *h == returns_hash => sem.clone(),
        _ => {
            let mut sem = (**base).clone();
            for (_, key) in items {
                if let Some((Some((name, summary)), _)) = cache.returns.get(*key) {
                    sem.returns.insert(name.clone(), summary.clone());
                }
            }
            std::sync::Arc::new(sem)
        }
    };
    cache.returns.end();
    // The parts read the model (its entries from other files too), not only the returns.
    let entries_context = hash_of((skeleton, returns_hash));
    if cache.entries_context != entries_context {
        cache.entries.clear();
        cache.entries_context = entries_context;
    }
    cache.entries.begin();
    let mut combined = rustc_hash::FxHasher::default();
    for (item, key) in items {
        let hash = match cache.entries.get(*key) {
            Some(p) => p.1,
            None => {
                let (part, partial) = ba_syntax::depth::tracked(|| {
                    summaries::entries(language, &with_returns, *item, source)
                });
                if partial {
                    cache.partial_items.insert(*key);
                }
                let h = hash_of(&part);
                cache.entries.insert(*key, (part, h)).1
            }
        };
        hash.hash(&mut combined);
    }
    let entries_hash = hash_of((returns_hash, combined.finish()));
    let merged = match &cache.merged {
        Some((h, e, sem)) if *h == returns_hash && *e == entries_hash => sem.clone(),
        _ => {
            let mut sem = (*with_returns).clone();
            for (_, key) in items {
                let Some((part, _)) = cache.entries.get(*key) else {
                    continue;
                };
                for (k, e) in part {
                    sem.entries
                        .entry(k.clone())
                        .and_modify(|m| m.sinks |= e.sinks)
                        .or_insert_with(|| e.clone());
                }
            }
            std::sync::Arc::new(sem)
        }
    };
    cache.entries.end();
    cache.merged = Some((returns_hash, entries_hash, merged.clone()));
    (merged, entries_hash)
}

/// Analyses one file. `path` (a file path or URI) names the file in log lines, and rules read
/// its name (a `settings` module, a test file).
pub fn analyze(
    path: &str,
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    cache: Option<&mut ItemCache>,
) -> Vec<Finding> {
    let mut local_cache = ItemCache::default();
    let cache = cache.unwrap_or(&mut local_cache);
    // What classes and rules read: the path inside the project when the caller knows it.
    let judged = cache.project_path.clone();
    let judged = judged.as_deref().unwrap_or(path);
    let root = tree.root_node();
    // Top-level items with their text hash; the skeleton part of an item is a function of its
    // text, so it is reused from the last run for unchanged items.
    let mut walk = root.walk();
    let mut skeleton_hasher = rustc_hash::FxHasher::default();
    cache.parts.begin();
    let items: Vec<(Node, u64)> = root
        .named_children(&mut walk)
        .map(|item| {
            let key = hash_of(&source.as_bytes()[item.byte_range()]);
            let part = match cache.parts.get(key) {
                Some(p) => *p,
                None => *cache.parts.insert(key, skeleton_part(item, source)),
            };
            part.hash(&mut skeleton_hasher);
            (item, key)
        })
        .collect();
    cache.parts.end();
    cache.item_spans.0.clear();
    cache
        .item_spans
        .0
        .extend(items.iter().map(|(item, key)| (item.byte_range(), *key)));
    cache.item_spans.1 = source.len();
    let item_keys: rustc_hash::FxHashSet<u64> = items.iter().map(|(_, k)| *k).collect();
    let skeleton = skeleton_hasher.finish();
    // The semantic model carries the detection models and the entries from other files, so
    // they key it too.
    let semantic_key = hash_of((
        skeleton,
        rules.models().fingerprint(),
        &cache.external,
        &cache.imported,
        &cache.dtos,
    ));
    let semantic = match &cache.semantic {
        Some((key, sem)) if *key == semantic_key => sem.clone(),
        _ => {
            let (sem, partial) = ba_syntax::depth::tracked(|| {
                let mut sem = Semantic::build_with(language, tree, source, rules.models().clone());
                sem.external = cache.external.clone();
                sem.imported = cache.imported.clone();
                sem.dtos
                    .extend(cache.dtos.0.iter().map(|(k, v)| (k.clone(), v.clone())));
                sem.validation_pipe |= cache.dtos.1;
                sem.views_module = Some(ba_analysis::holds_views(judged));
                sem
            });
            let sem = std::sync::Arc::new(sem);
            cache.semantic_partial = partial;
            cache.semantic = Some((semantic_key, sem.clone()));
            sem
        }
    };
    // What helpers return and which of their parameters handlers pass request data to depends
    // on function bodies, not on the skeleton: merge it from per-item parts (cached by item
    // text), and let it invalidate the findings cache when it changes.
    let (semantic, summaries_hash) =
        with_summaries(cache, &semantic, language, &items, source, semantic_key);
    let semantic = &*semantic;
    // What the nearest package.json says (the Express version) is read by rules too.
    let node_project = match language.family() {
        ba_syntax::Family::JavaScript => ba_analysis::project::node_project(path),
        ba_syntax::Family::Python => Default::default(),
    };
    // What the file is for decides which rules run (their `classes`); it is read from the
    // path and the top-level statements, so it is part of the context.
    let class = cache
        .class
        .take()
        .unwrap_or_else(|| ba_app::classify(judged, language, Some(root), source));
    let active: Vec<bool> = RULES
        .iter()
        .enumerate()
        .map(|(i, r)| rules.is_enabled_index(i) && rules.applies(r, class))
        .collect();
    // The rest of the semantic model is a function of the skeleton (and of the entries from
    // other files), so its key stands for it. Rules may read the path, so it is part of the
    // context too.
    let context = hash_of((
        semantic_key,
        summaries_hash,
        rules.fingerprint(),
        language,
        path,
        judged,
        &node_project,
        class,
    ));
    if cache.context != context {
        cache.items.clear();
        cache.context = context;
    }
    let compiled = queries(language);
    let mut checker = Checker::new(judged, source, language, semantic, root);
    checker.http_timeout = rules.http_timeout();
    checker.class = class;
    let any_active = active.iter().any(|a| *a);
    checker.node_project = node_project;
    cache.items.begin();
    let mut findings = Vec::new();
    let mut rerun = 0;
    for (item, key) in items {
        let range = item.byte_range();
        let start = range.start as isize;
        let row = item.start_position().row;
        let hit = cache
            .items
            .get(key)
            .is_some_and(|(_, at)| at.is_none_or(|at| at == row));
        let entry = if hit {
            cache.items.get(key).expect("just found")
        } else {
            rerun += 1;
            let text = &source[range.clone()];
            let ((), partial) = ba_syntax::depth::tracked(|| {
                let imports = if text.contains("import") || text.contains("require") {
                    ba_analysis::item_imports(language, item, source)
                } else {
                    Default::default()
                };
                checker.begin_item(item, imports);
                if any_active {
                    run_pass(path, &mut checker, compiled, &active, item, source);
                    // Audit mode: the same checks again, taking data of unknown origin for the
                    // client's; what only that pass finds is an audit finding.
                    if rules.audit() {
                        let ordinary = checker.begin_audit();
                        run_pass(path, &mut checker, compiled, &active, item, source);
                        checker.end_audit(ordinary);
                    }
                }
            });
            if partial {
                cache.partial_items.insert(key);
            }
            let relative = checker
                .findings()
                .iter()
                .map(|f| f.shifted(-start))
                .collect();
            let entry = (relative, checker.line_dependent().then_some(row));
            cache.items.replace(key, entry)
        };
        findings.extend(entry.0.iter().map(|f| f.shifted(start)));
    }
    cache.items.end();
    cache.last_rerun = rerun;
    cache.partial_items.retain(|k| item_keys.contains(k));
    cache.partial = cache.semantic_partial || !cache.partial_items.is_empty();
    if cache.partial {
        tracing::info!(
            file = path,
            "analysed in part: the file nests deeper than {} levels",
            ba_syntax::depth::MAX_DEPTH
        );
    }

    let suppressions = Suppressions::parse(source, tree);
    findings.retain(|f| !suppressions.suppresses(f));
    for f in &mut findings {
        if let Some(severity) = rules.severity_override(f.rule) {
            f.severity = severity;
        }
    }
    findings.sort_by(|a, b| (a.range.start, a.rule.code).cmp(&(b.range.start, b.rule.code)));
    // One query pattern may match the same node twice (e.g. via alternations).
    findings.dedup_by(|a, b| a.range == b.range && a.rule.code == b.rule.code);
    ba_rules::imports::resolve(language, source, tree, &mut findings);
    findings
}

/// `analyze` with the request data handlers in other files pass to this file's functions
/// (`check`'s cross-module pass).
pub fn analyze_with_external(
    path: &str,
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    external: ba_analysis::ExternalEntries,
) -> Vec<Finding> {
    let mut cache = ItemCache {
        external,
        ..ItemCache::default()
    };
    analyze(path, language, source, tree, rules, Some(&mut cache))
}

/// `analyze` with what other modules tell it (`Cross`: the entries from other files, what the
/// functions it imports return, the DTOs it imports; `check`'s cross-module pass).
pub fn analyze_with_cross(
    path: &str,
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    cross: Cross,
) -> Vec<Finding> {
    let mut cache = ItemCache {
        external: cross.external,
        imported: cross.imported,
        dtos: cross.dtos,
        ..ItemCache::default()
    };
    analyze(path, language, source, tree, rules, Some(&mut cache))
}

/// What other modules tell a file's analysis (`analyze_with_cross`): request data passed to
/// its functions, what the functions it imports return, the validated DTO classes it imports
/// and whether the project sets up a global `ValidationPipe`.
#[derive(Default)]
pub struct Cross {
    pub external: ba_analysis::ExternalEntries,
    pub imported: ba_analysis::ImportedReturns,
    pub dtos: (ba_analysis::dto::Dtos, bool),
}

/// What the module-level functions of a file return, for callers in other modules
/// (`summaries::module_returns`), given what the functions it imports return (`imported`:
/// summaries compose one module per pass). Only functions that return request data or a
/// parameter are listed, and only those `wanted` names (the ones other files import); which
/// parameters reach the result is asked only of the functions `params` names (those called
/// with request data), the others are asked only whether they return request data.
pub fn module_returns(
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    imported: &ba_analysis::ImportedReturns,
    wanted: &dyn Fn(&str) -> bool,
    params: &dyn Fn(&str) -> bool,
) -> Vec<ba_analysis::Returned> {
    if !may_return_values(source) {
        return Vec::new();
    }
    let root = tree.root_node();
    let mut walk = root.walk();
    let items: Vec<Node> = root.named_children(&mut walk).collect();
    let named: Vec<(Node, String)> = items
        .iter()
        .filter_map(|item| Some((*item, summaries::function_name(language, *item, source)?)))
        .collect();
    let chosen: Vec<(Node, bool)> = named
        .iter()
        .filter(|(_, n)| wanted(n))
        .map(|(item, n)| (*item, params(n)))
        // Asked only whether it returns request data: not when its text cannot name any.
        .filter(|(item, params)| {
            *params
                || ba_analysis::may_return_request_data(
                    language,
                    imported,
                    &source[item.byte_range()],
                )
        })
        .collect();
    if chosen.is_empty() {
        return Vec::new();
    }
    let mut sem = Semantic::build_with(language, tree, source, rules.models().clone());
    sem.imported = imported.clone();
    // Same-file helpers first, so `return clean(x)` is judged by what `clean` returns: those
    // the chosen functions call (by the text), one level deep.
    let base = std::sync::Arc::new(sem.clone());
    let called = called_names(chosen.iter().map(|(i, _)| &source[i.byte_range()]));
    for (item, name) in &named {
        if !called.contains(name.as_str()) {
            continue;
        }
        if let Some((name, summary)) = summaries::returns(language, &base, *item, source) {
            sem.returns.insert(name, summary);
        }
    }
    chosen
        .into_iter()
        .filter_map(|(item, params)| {
            summaries::module_returns(language, &sem, item, source, params)
        })
        .collect()
}

/// The module-level functions `module_returns` may list for a file when nothing it imports
/// returns anything (an empty `imported`), by name: those whose text may return request data.
/// `check` reads them in its first analysis, so its cross-module pass parses a module again
/// only when an importer wants one of these or calls one with request data.
pub fn returning_candidates(language: Language, source: &str, tree: &Tree) -> Vec<String> {
    if !may_return_values(source) {
        return Vec::new();
    }
    let empty = ba_analysis::ImportedReturns::new();
    let root = tree.root_node();
    let mut walk = root.walk();
    root.named_children(&mut walk)
        .filter(|item| {
            ba_analysis::may_return_request_data(language, &empty, &source[item.byte_range()])
        })
        .filter_map(|item| summaries::function_name(language, item, source))
        .collect()
}

/// `module_returns` for a document the server keeps, right after `analyze` with the same
/// cache: the result is reused while what it is made of is unchanged — the module's skeleton
/// (the semantic model's key), what its imports return, and the text of each wanted function
/// and of the same-file functions they call — so typing in any other function costs a hash
/// of the wanted functions' text, not a summary.
#[allow(clippy::too_many_arguments)]
pub fn module_returns_cached(
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    cache: &mut ItemCache,
    imported: &ba_analysis::ImportedReturns,
    wanted: &dyn Fn(&str) -> bool,
    params: &dyn Fn(&str) -> bool,
) -> Vec<ba_analysis::Returned> {
    if !may_return_values(source) {
        return Vec::new();
    }
    let Some((semantic, _)) = &cache.semantic else {
        return module_returns(language, source, tree, rules, imported, wanted, params);
    };
    let semantic = *semantic;
    let root = tree.root_node();
    let mut walk = root.walk();
    let nodes: Vec<Node> = root.named_children(&mut walk).collect();
    if cache.item_spans.1 != source.len() || cache.item_spans.0.len() != nodes.len() {
        return module_returns(language, source, tree, rules, imported, wanted, params);
    }
    let spans = std::mem::take(&mut cache.item_spans.0);
    // Each item's function and calls are read once per item text: a keystroke hashes lookups.
    let mut hasher = rustc_hash::FxHasher::default();
    (semantic, imported).hash(&mut hasher);
    let mut called: rustc_hash::FxHashSet<String> = Default::default();
    let mut any = false;
    cache.item_calls.begin();
    for (node, (range, key)) in nodes.iter().zip(&spans) {
        let (name, calls) = match cache.item_calls.get(*key) {
            Some(found) => found,
            None => {
                let name = summaries::function_name(language, *node, source);
                let calls = called_names(std::iter::once(&source[range.clone()]))
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                cache.item_calls.insert(*key, (name, calls))
            }
        };
        if let Some(name) = name.as_deref().filter(|n| wanted(n)) {
            (name, params(name), key).hash(&mut hasher);
            called.extend(calls.iter().cloned());
            any = true;
        }
    }
    if !any {
        cache.item_calls.end();
        cache.item_spans.0 = spans;
        return Vec::new();
    }
    for (_, key) in &spans {
        if let Some((Some(name), _)) = cache.item_calls.get(*key) {
            if called.contains(name) {
                (name, key).hash(&mut hasher);
            }
        }
    }
    cache.item_calls.end();
    cache.item_spans.0 = spans;
    let key = hasher.finish();
    if let Some((_, found)) = cache.module_returns.iter().find(|(k, _)| *k == key) {
        return found.clone();
    }
    let found = module_returns(language, source, tree, rules, imported, wanted, params);
    cache.module_returns.push((key, found.clone()));
    if cache.module_returns.len() > 2 * (modules::MAX_HOPS + 1) {
        cache.module_returns.remove(0);
    }
    found
}

/// The names called in `texts` (`name(`, `obj.name(`), found in one pass: which same-file
/// functions a summary reads (a name right before a parenthesis; bytes of non-ASCII characters
/// count as parts of names).
fn called_names<'t>(texts: impl Iterator<Item = &'t str>) -> rustc_hash::FxHashSet<&'t str> {
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut out = rustc_hash::FxHashSet::default();
    for text in texts {
        let bytes = text.as_bytes();
        for open in memchr::memchr_iter(b'(', bytes) {
            let start = bytes[..open]
                .iter()
                .rposition(|b| !name_byte(*b))
                .map_or(0, |i| i + 1);
            if start < open {
                out.insert(&text[start..open]);
            }
        }
    }
    out
}

/// Whether a file's text can hold a function that returns a value (else it has no
/// `module_returns`): a check on the text alone, so callers skip parsing the rest.
pub fn may_return_values(source: &str) -> bool {
    source.contains("return")
}

/// The local names the module-level imports of a file bind, with the qualified names they
/// give (`app.services`,
/// `app.services.get_params`, `./utils.clean`), which the cross-module pass resolves to the
/// other modules' functions the file may call.
pub fn import_names(language: Language, source: &str, tree: &Tree) -> Vec<(String, String)> {
    let sem = Semantic::build(language, tree, source);
    sem.imports.into_iter().collect()
}

/// `import_names` for a document the server keeps, right after `analyze` with the same cache:
/// read from the semantic model `analyze` built (the imports are the same whatever entries
/// it carries), so a keystroke does not build another.
pub fn import_names_cached(
    language: Language,
    source: &str,
    tree: &Tree,
    cache: &ItemCache,
) -> Vec<(String, String)> {
    match &cache.semantic {
        Some((_, sem)) => sem
            .imports
            .iter()
            .map(|(l, q)| (l.clone(), q.clone()))
            .collect(),
        None => import_names(language, source, tree),
    }
}

/// `modules::import_uses` for a document the server keeps, right after `analyze` with the
/// same cache: the attributes each imported name is read for are found per top-level item and
/// cached by the item's text (while the imports stay the same), so a keystroke scans the
/// edited item, not the file.
pub fn import_uses_cached(
    language: Language,
    source: &str,
    tree: &Tree,
    cache: &mut ItemCache,
) -> modules::ImportUses {
    let names = import_names_cached(language, source, tree, cache);
    if cache.item_spans.1 != source.len() || cache.item_spans.0.is_empty() {
        return modules::import_uses(&names, source);
    }
    let context = hash_of(&names);
    if cache.uses_context != context {
        cache.uses.clear();
        cache.uses_context = context;
    }
    let spans = std::mem::take(&mut cache.item_spans.0);
    let mut read: rustc_hash::FxHashMap<String, Vec<String>> = Default::default();
    cache.uses.begin();
    for (range, key) in &spans {
        let found = match cache.uses.get(*key) {
            Some(found) => found,
            None => {
                let found = modules::import_uses(&names, &source[range.clone()])
                    .into_iter()
                    .flat_map(|(q, attributes)| attributes.into_iter().map(move |a| (q.clone(), a)))
                    .collect();
                cache.uses.insert(*key, found)
            }
        };
        for (q, attribute) in found {
            read.entry(q.clone()).or_default().push(attribute.clone());
        }
    }
    cache.uses.end();
    cache.item_spans.0 = spans;
    names
        .into_iter()
        .map(|(_, q)| {
            let mut attributes = read.get(&q).cloned().unwrap_or_default();
            attributes.sort();
            attributes.dedup();
            (q, attributes)
        })
        .collect()
}

/// The calls this file's request handlers make to functions of other modules with request
/// data (for the callee files' `Semantic::external`). Empty for files that cannot hold
/// request data.
pub fn outgoing(
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
) -> Vec<ba_analysis::Outgoing> {
    if !summaries::apply(language, source) {
        return Vec::new();
    }
    let sem = Semantic::build_with(language, tree, source, rules.models().clone());
    outgoing_of(language, &sem, tree, source, None, false)
}

/// `outgoing`, knowing what the other modules' functions the file imports return
/// (`imported`): request data that goes through an imported helper's result on its way into
/// another module's function (`run_query("… " + build_filter(field, value))`) is an outgoing
/// call too.
pub fn outgoing_with_imported(
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    imported: &ba_analysis::ImportedReturns,
) -> Vec<ba_analysis::Outgoing> {
    if !summaries::apply(language, source) {
        return Vec::new();
    }
    let mut sem = Semantic::build_with(language, tree, source, rules.models().clone());
    sem.imported = imported.clone();
    outgoing_of(language, &sem, tree, source, None, false)
}

/// `outgoing`, and the calls the file's other functions make passing one of their parameters
/// on to another module's function (`Outgoing::relay`), which carry request data when a
/// handler elsewhere hands it to that parameter (`modules::ModuleMap::external_entries`).
pub fn outgoing_and_relays(
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
) -> Vec<ba_analysis::Outgoing> {
    if !summaries::may_call_out(language, source) {
        return Vec::new();
    }
    let sem = Semantic::build_with(language, tree, source, rules.models().clone());
    outgoing_of(language, &sem, tree, source, None, true)
}

/// Whether a file's text may hold calls that `outgoing_and_relays` reports (request data
/// handed to other modules, or parameters passed on to them): a check on the text alone, so
/// callers skip parsing the files it rules out.
pub fn may_call_out(language: Language, source: &str) -> bool {
    summaries::may_call_out(language, source)
}

/// Whether a file's text can hold request data at all (else it has no outgoing calls): a
/// check on the text alone, so callers skip parsing the files it rules out.
pub fn may_have_request_data(language: Language, source: &str) -> bool {
    summaries::apply(language, source)
}

/// `outgoing` (or, with `relays`, `outgoing_and_relays`) for a document the server keeps:
/// called right after `analyze` on the same text with the same cache, it reuses the semantic
/// model `analyze` built (when that model carries no entries from other files, which
/// `outgoing` leaves out) and each unchanged item's calls, so a keystroke re-runs one item.
/// One cache is asked with one `relays` value.
pub fn outgoing_cached(
    language: Language,
    source: &str,
    tree: &Tree,
    rules: &RuleSet,
    cache: &mut ItemCache,
    relays: bool,
) -> Vec<ba_analysis::Outgoing> {
    let wanted = if relays {
        summaries::may_call_out(language, source)
    } else {
        summaries::apply(language, source)
    };
    if !wanted {
        cache.outgoing.clear();
        return Vec::new();
    }
    let (context, sem) = match &cache.semantic {
        Some((key, sem)) if sem.external.is_empty() => (*key ^ u64::from(relays), sem.clone()),
        _ => {
            let sem = Semantic::build_with(language, tree, source, rules.models().clone());
            // Not the model `analyze` keeps: nothing to reuse it with.
            cache.outgoing.clear();
            cache.outgoing_context = 0;
            return outgoing_of(language, &sem, tree, source, None, relays);
        }
    };
    if cache.outgoing_context != context {
        cache.outgoing.clear();
        cache.outgoing_context = context;
    }
    outgoing_of(
        language,
        &sem,
        tree,
        source,
        Some(&mut cache.outgoing),
        relays,
    )
}

/// The outgoing calls of every item, sorted and deduplicated; `parts` caches them per item.
fn outgoing_of(
    language: Language,
    sem: &Semantic,
    tree: &Tree,
    source: &str,
    mut parts: Option<&mut Marked<Vec<ba_analysis::Outgoing>>>,
    relays: bool,
) -> Vec<ba_analysis::Outgoing> {
    let root = tree.root_node();
    let mut walk = root.walk();
    let items: Vec<Node> = root.named_children(&mut walk).collect();
    let mut out = Vec::new();
    if let Some(p) = parts.as_deref_mut() {
        p.begin();
    }
    for item in items {
        let key = hash_of(&source.as_bytes()[item.byte_range()]);
        if let Some(found) = parts.as_deref_mut().and_then(|p| p.get(key)) {
            out.extend(found.iter().cloned());
            continue;
        }
        let found = catch_unwind(AssertUnwindSafe(|| {
            if relays {
                summaries::outgoing_and_relays(language, sem, item, source)
            } else {
                summaries::outgoing(language, sem, item, source)
            }
        }));
        let calls = match found {
            Ok(o) => o,
            Err(panic) => {
                tracing::error!("cross-module summary panicked: {}", panic_message(&panic));
                Vec::new()
            }
        };
        out.extend(calls.iter().cloned());
        if let Some(p) = parts.as_deref_mut() {
            p.insert(key, calls);
        }
    }
    if let Some(p) = parts {
        p.end();
    }
    out.sort_by(|a, b| (&a.callee, &a.argument, &a.relay).cmp(&(&b.callee, &b.argument, &b.relay)));
    // One call per (callee, argument, relay); two calls of the function with the same argument
    // carry the data to every sink either of them does.
    out.dedup_by(|a, b| {
        let same = a.callee == b.callee && a.argument == b.argument && a.relay == b.relay;
        if same {
            b.entry.sinks |= a.entry.sinks;
        }
        same
    });
    out
}

/// Runs every active rule's checks on one item.
fn run_pass<'a>(
    path: &str,
    checker: &mut Checker<'a>,
    compiled: &CompiledQueries,
    active: &[bool],
    item: Node<'a>,
    source: &'a str,
) {
    let names = compiled.patterns.capture_names();
    compiled
        .patterns
        .for_each_match(item, source, &mut |pattern, captures| {
            let captures = Captures::new(names, captures);
            for &(rule_index, check) in &compiled.checks[pattern] {
                if active[rule_index] {
                    run_check(path, checker, RULES[rule_index], check, &captures);
                }
            }
        });
}

/// Runs one check; a panic is logged with the file and rule and costs only that match.
fn run_check<'a>(
    path: &str,
    checker: &mut Checker<'a>,
    rule: &'static Rule,
    check: &Check,
    captures: &Captures<'_, 'a>,
) {
    checker.set_rule(rule);
    let before = checker.findings().len();
    let result = catch_unwind(AssertUnwindSafe(|| (check.run)(checker, captures)));
    if let Err(panic) = result {
        checker.truncate_findings(before);
        tracing::error!(
            file = path,
            rule = rule.code,
            "rule panicked: {}",
            panic_message(&panic)
        );
    }
}

pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Parses and analyses a whole text in one go (the CLI and tests use this).
pub fn analyze_text(path: &str, language: Language, source: &str, rules: &RuleSet) -> Vec<Finding> {
    match ba_syntax::parse::parse(language, source, None) {
        Some(tree) => analyze(path, language, source, &tree, rules, None),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_rules::{Category, FixAvailability, Severity};
    use ba_syntax::Family;

    fn explode(_: &mut Checker, _: &Captures) {
        panic!("rule bug");
    }

    static BROKEN: Rule = Rule {
        code: "SEC999",
        name: "broken",
        category: Category::Security,
        severity: Severity::Error,
        cwe: &[],
        owasp: None,
        summary: "",
        docs: "",
        fix: FixAvailability::None,
        classes: ba_rules::classes::RUNTIME,
        checks: &[Check {
            family: Family::Python,
            query_path: "test",
            query: "",
            run: explode,
        }],
    };

    #[test]
    fn outgoing_calls_of_a_kept_document_follow_its_edits() {
        let rules = RuleSet::default();
        let handler = "from flask import Blueprint, request\n\nfrom ..services import storage\n\nbp = Blueprint(\"files\", __name__)\n\n\n@bp.get(\"/download\")\ndef download():\n    return storage.read_file(request.args.get(\"folder\"))\n";
        let mut cache = ItemCache::default();
        let tree = ba_syntax::parse::parse(Language::Python, handler, None).unwrap();
        analyze(
            "files.py",
            Language::Python,
            handler,
            &tree,
            &rules,
            Some(&mut cache),
        );
        let fresh = outgoing(Language::Python, handler, &tree, &rules);
        assert_eq!(fresh.len(), 1, "{fresh:?}");
        assert!(fresh[0].callee.ends_with("services.storage.read_file"));
        let cached = outgoing_cached(Language::Python, handler, &tree, &rules, &mut cache, false);
        assert_eq!(cached, fresh);
        // A constant instead: the edited item runs again, and has no call with request data.
        let constant = handler.replace("request.args.get(\"folder\")", "\"public\"");
        let tree = ba_syntax::parse::parse(Language::Python, &constant, None).unwrap();
        analyze(
            "files.py",
            Language::Python,
            &constant,
            &tree,
            &rules,
            Some(&mut cache),
        );
        assert!(outgoing_cached(
            Language::Python,
            &constant,
            &tree,
            &rules,
            &mut cache,
            false
        )
        .is_empty());
        let tree = ba_syntax::parse::parse(Language::Python, handler, None).unwrap();
        analyze(
            "files.py",
            Language::Python,
            handler,
            &tree,
            &rules,
            Some(&mut cache),
        );
        assert_eq!(
            outgoing_cached(Language::Python, handler, &tree, &rules, &mut cache, false),
            fresh
        );
    }

    #[test]
    fn entries_from_other_files_key_the_findings_cache() {
        let rules = RuleSet::default();
        let source = "import os\n\n\ndef remove(path):\n    os.remove(path)\n";
        let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
        let mut cache = ItemCache::default();
        let run = |cache: &mut ItemCache| {
            analyze("s.py", Language::Python, source, &tree, &rules, Some(cache))
                .iter()
                .filter(|f| f.rule.code == "SEC302")
                .count()
        };
        assert_eq!(run(&mut cache), 0);
        let mut from = entries_for_s_py(source);
        std::mem::swap(&mut cache.external, &mut from);
        assert_eq!(run(&mut cache), 1, "the entries make `path` a source");
        cache.external.clear();
        assert_eq!(run(&mut cache), 0, "and the finding goes with them");
    }

    #[test]
    fn entries_from_other_files_key_the_findings_cache_in_javascript() {
        let rules = RuleSet::default();
        let service = "const db = require(\"../db\");\n\nasync function search(term) {\n  return db.query(\"SELECT * FROM posts WHERE title LIKE '%\" + term + \"%'\");\n}\n\nmodule.exports = { search };\n";
        let handler = "const Router = require(\"@koa/router\");\nconst posts = require(\"../services/posts\");\n\nconst router = new Router();\n\nrouter.get(\"/\", async (ctx) => {\n  ctx.body = await posts.search(ctx.query.q);\n});\n";
        let js = Language::JavaScript;
        let tree = ba_syntax::parse::parse(js, handler, None).unwrap();
        let calls = outgoing(js, handler, &tree, &rules);
        let map = modules::ModuleMap::new([
            (std::path::Path::new("src/routes/posts.js"), js),
            (std::path::Path::new("src/services/posts.js"), js),
        ]);
        let entries = map
            .external_entries(&[("src/routes/posts.js".into(), js, calls)])
            .remove(std::path::Path::new("src/services/posts.js"))
            .expect("entries");
        let tree = ba_syntax::parse::parse(js, service, None).unwrap();
        let mut cache = ItemCache::default();
        let mut run = |external: &ba_analysis::ExternalEntries| {
            cache.external = external.clone();
            analyze("posts.js", js, service, &tree, &rules, Some(&mut cache))
                .iter()
                // Without the entries, the parameter's concatenation is reported as such.
                .filter(|f| f.rule.code == "SEC101" && f.message.contains("by the `GET /` handler"))
                .count()
        };
        assert_eq!(run(&Default::default()), 0);
        assert_eq!(run(&entries), 1);
        assert_eq!(run(&Default::default()), 0);
    }

    /// The entries a handler calling `remove(request.json["path"])` gives `s.py`.
    fn entries_for_s_py(_: &str) -> ba_analysis::ExternalEntries {
        let handler = "from flask import request\nfrom s import remove\n\n@app.delete(\"/\")\ndef delete():\n    remove(request.json[\"path\"])\n";
        let tree = ba_syntax::parse::parse(Language::Python, handler, None).unwrap();
        let calls = outgoing(Language::Python, handler, &tree, &RuleSet::default());
        let map = modules::ModuleMap::new([
            (std::path::Path::new("h.py"), Language::Python),
            (std::path::Path::new("s.py"), Language::Python),
        ]);
        map.external_entries(&[("h.py".into(), Language::Python, calls)])
            .remove(std::path::Path::new("s.py"))
            .expect("entries for s.py")
    }

    #[test]
    fn a_panicking_check_costs_only_its_match() {
        let source = "eval(input())\n";
        let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
        let sem = Semantic::build(Language::Python, &tree, source);
        let mut checker = Checker::new("t.py", source, Language::Python, &sem, tree.root_node());
        checker.report(tree.root_node(), "kept");
        let captures = Captures::new(&[], &[]);
        run_check("t.py", &mut checker, &BROKEN, &BROKEN.checks[0], &captures);
        assert_eq!(checker.findings().len(), 1, "earlier findings survive");
        // And a whole analysis still works afterwards.
        let findings = analyze_text("t.py", Language::Python, source, &RuleSet::default());
        assert_eq!(findings.len(), 1);
    }

    #[test]
    fn a_helper_finding_follows_edits_to_its_caller() {
        let rules = RuleSet::default();
        let mut cache = ItemCache::default();
        let mut run = |source: &str| {
            let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
            analyze(
                "t.py",
                Language::Python,
                source,
                &tree,
                &rules,
                Some(&mut cache),
            )
            .iter()
            .map(|f| f.code())
            .collect::<Vec<_>>()
        };
        let helper = "from flask import Flask, request\napp = Flask(__name__)\n\ndef read(name):\n    return open(name).read()\n\n";
        let tainted =
            format!("{helper}@app.get(\"/a\")\ndef a():\n    return read(request.args[\"f\"])\n");
        let constant =
            format!("{helper}@app.get(\"/a\")\ndef a():\n    return read(\"static.txt\")\n");
        assert_eq!(run(&tainted), vec!["SEC302"]);
        // Only the caller changed; the helper's cached result must not survive.
        assert!(run(&constant).is_empty());
        assert_eq!(run(&tainted), vec!["SEC302"]);
    }

    #[test]
    fn module_returns_are_summarised_again_only_when_what_they_read_changed() {
        let rules = RuleSet::default();
        let mut cache = ItemCache::default();
        let imported = ba_analysis::ImportedReturns::new();
        let mut run = |source: &str| {
            let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
            analyze(
                "s.py",
                Language::Python,
                source,
                &tree,
                &rules,
                Some(&mut cache),
            );
            let found = module_returns_cached(
                Language::Python,
                source,
                &tree,
                &rules,
                &mut cache,
                &imported,
                &|name| name == "get_params",
                &|_| false,
            );
            let names: Vec<String> = found.into_iter().map(|r| r.function).collect();
            (names, cache.module_returns.len())
        };
        let source = "from flask import request\n\n\ndef get_params():\n    return clean(request.args)\n\n\ndef clean(v):\n    return v\n\n\ndef other():\n    return 1\n";
        assert_eq!(run(source), (vec!["get_params".to_owned()], 1));
        // Typing in a function the summary does not read reuses it.
        let source = source.replace("return 1", "return 2");
        assert_eq!(run(&source), (vec!["get_params".to_owned()], 1));
        // The helper it calls is read.
        let source = source.replace("return v\n", "return int(v)\n");
        assert_eq!(run(&source), (vec![], 2));
        // So is the function itself.
        let source = source.replace("return clean(request.args)", "return request.args");
        assert_eq!(run(&source), (vec!["get_params".to_owned()], 3));
    }

    #[test]
    fn import_uses_of_a_kept_document_are_those_of_its_text() {
        let rules = RuleSet::default();
        let mut cache = ItemCache::default();
        let mut run = |source: &str| {
            let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
            analyze(
                "v.py",
                Language::Python,
                source,
                &tree,
                &rules,
                Some(&mut cache),
            );
            let cached = import_uses_cached(Language::Python, source, &tree, &mut cache);
            let names = import_names(Language::Python, source, &tree);
            assert_eq!(cached, modules::import_uses(&names, source), "{source}");
            cached
        };
        let source = "from app import services\nimport os.path\n\n\ndef a():\n    return services.get_params()\n\n\ndef b():\n    return os.path.join(services.root, \"x\")\n";
        let uses = run(source);
        assert_eq!(
            uses[1],
            (
                "app.services".to_owned(),
                vec!["get_params".to_owned(), "root".to_owned()]
            )
        );
        // An edit in one function: the others' attributes are reused, the edited one's read.
        let source = source.replace("services.get_params()", "services.other()");
        let uses = run(&source);
        assert_eq!(uses[1].1, ["other", "root"]);
        // A new import reads every item again.
        run(&format!("import json\n{source}json.dumps(1)\n"));
    }

    #[test]
    fn keystrokes_rerun_only_the_changed_item() {
        let rules = RuleSet::default();
        let mut cache = ItemCache::default();
        let mut run = |source: &str| {
            let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
            let findings = analyze(
                "t.py",
                Language::Python,
                source,
                &tree,
                &rules,
                Some(&mut cache),
            );
            (findings, cache.last_rerun)
        };
        let mut source = String::from(
            "import os\n\ndef a(x):\n    os.system(\"ls \" + x)\n\ndef b(y):\n    return y\n",
        );
        let (findings, rerun) = run(&source);
        assert_eq!((findings.len(), rerun), (1, 3));
        // Edit inside `b`: only `b` re-runs, and `a`'s finding is reused.
        source = source.replace("return y", "return y + 1");
        let (findings, rerun) = run(&source);
        assert_eq!((findings.len(), rerun), (1, 1));
        // Insert lines above `a`: its finding moves with it.
        source.insert_str(0, "# header\n# more\n");
        let (findings, _) = run(&source);
        assert_eq!(&source[findings[0].range.clone()], "os.system");
        // Shadowing `os` at module level changes the semantic model: everything re-runs.
        source.push_str("os = None\n");
        let (findings, rerun) = run(&source);
        assert!(rerun >= 3);
        assert_eq!(
            findings.len(),
            1,
            "import and assignment both bind `os`; the import is kept"
        );
    }

    #[test]
    fn a_message_naming_a_line_follows_lines_added_above() {
        let rules = RuleSet::default();
        let mut cache = ItemCache::default();
        let mut run = |source: &str| {
            let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
            let findings = analyze(
                "t.py",
                Language::Python,
                source,
                &tree,
                &rules,
                Some(&mut cache),
            );
            let messages: Vec<String> = findings.iter().map(|f| f.message.clone()).collect();
            (messages, cache.last_rerun)
        };
        let handler = "from flask import Flask, request\nimport sqlite3\napp = Flask(__name__)\n\ndef helper():\n    return 1\n\n@app.get(\"/u\")\ndef u():\n    name = request.args[\"n\"]\n    sqlite3.connect(\"d\").execute(f\"SELECT {name}\")\n";
        let (messages, _) = run(handler);
        assert!(messages[0].contains("(line 10)"), "{messages:?}");
        // A line added inside the function above: the skeleton and the handler's text are
        // unchanged, but the handler moved down.
        let moved = handler.replacen("    return 1\n", "    x = 2\n    return x\n", 1);
        let (messages, rerun) = run(&moved);
        assert!(messages[0].contains("(line 11)"), "{messages:?}");
        assert!(rerun >= 1);
        // Items whose messages name no line are still reused when they move.
        let (_, rerun) = run(&moved);
        assert_eq!(rerun, 0);
    }

    #[test]
    fn marked_caches_keep_what_the_last_analysis_used() {
        let mut cache = Marked::default();
        cache.begin();
        for k in 0..100 {
            cache.insert(k, k * 2);
        }
        cache.end();
        // The next analysis uses only ten of them: the rest go once they dominate.
        cache.begin();
        for k in 0..10 {
            assert_eq!(cache.get(k), Some(&(k * 2)));
        }
        cache.replace(3, 7);
        cache.end();
        assert_eq!(cache.map.len(), 10);
        cache.begin();
        assert_eq!(cache.get(3), Some(&7));
        assert_eq!(cache.get(50), None);
    }
}
