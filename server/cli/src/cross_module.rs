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

/// What the first analysis of a file read of its imports for this pass (`check::ImportsSink`).
pub struct Imports {
    pub uses: engine::modules::ImportUses,
    /// A JavaScript file with no relative specifier imports no project module.
    pub relative: bool,
    /// `engine::may_have_request_data`.
    pub request_data: bool,
    /// `engine::may_return_values`.
    pub returns_values: bool,
    /// `engine::returning_candidates`: the only functions a summary lists while nothing the
    /// file imports returns anything.
    pub candidates: Vec<String>,
}

/// The reports of `reports`' findings (the files read again for their lines).
pub fn file_reports(raw: HashMap<PathBuf, Vec<ba_rules::Finding>>) -> HashMap<PathBuf, FileReport> {
    raw.into_par_iter()
        .filter_map(|(path, findings)| {
            let text = read(&path)?;
            let index = LineIndex::new(&text);
            let findings = findings
                .into_iter()
                .map(|f| Reported::new(f, &text, &index))
                .collect();
            let report = FileReport {
                path: shown(&path),
                findings,
            };
            Some((path, report))
        })
        .collect()
}

/// New findings for the files that receive request data from other modules, by path. `files`
/// are the analysed files (not skipped) with their settings; `known` holds the outgoing calls
/// and `imports` the imports the analysis computed already (files the results cache answered
/// are read and parsed here).
pub fn reports(
    files: &[(&Path, &Settings)],
    mut known: HashMap<PathBuf, Vec<ba_analysis::Outgoing>>,
    imports: HashMap<PathBuf, Imports>,
) -> HashMap<PathBuf, Vec<ba_rules::Finding>> {
    let clock = std::time::Instant::now();
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
    let map = engine::modules::ModuleMap::new(
        files
            .iter()
            .filter_map(|(p, _)| Some((*p, Language::from_path(p)?))),
    );
    let settings: HashMap<PathBuf, &Settings> =
        files.iter().map(|(p, s)| (normalize(p), *s)).collect();
    let originals: HashMap<PathBuf, &Path> =
        files.iter().map(|(p, _)| (normalize(p), *p)).collect();
    // The handlers' calls into other modules with request data: the functions whose
    // parameters are worth summarising, and the callers whose analysis they change.
    let passed: HashMap<PathBuf, HashSet<String>> = outgoing
        .iter()
        .map(|(path, _, calls)| {
            (
                normalize(path),
                calls.iter().map(|c| c.callee.clone()).collect(),
            )
        })
        .collect();
    tracing::debug!(
        "cross-module: outgoing calls of {} files in {:?}",
        outgoing.len(),
        clock.elapsed()
    );
    let mut imported = imported_returns(files, &map, &settings, &originals, &passed, &imports);
    tracing::debug!(
        "cross-module: imported returns for {} files at {:?}",
        imported.len(),
        clock.elapsed()
    );
    // A caller whose request data goes through an imported helper's result into another
    // module's function (`run_query("… " + build_filter(field, value))`) makes that call only
    // once it knows what the helper returns: its outgoing calls are read again with it.
    let mut outgoing = outgoing;
    let seen: Vec<(PathBuf, Language, Vec<ba_analysis::Outgoing>)> = imported
        .par_iter()
        .filter(|(_, returns)| returns.values().any(|r| r.carries()))
        .filter_map(|(path, returns)| {
            let original = originals.get(path)?;
            let settings = settings.get(path)?;
            let language = Language::from_path(path)?;
            let text = read(original)?;
            let tree = ba_syntax::parse::parse(language, &text, None)?;
            let calls =
                engine::outgoing_with_imported(language, &text, &tree, &settings.rules, returns);
            Some((original.to_path_buf(), language, calls))
        })
        .collect();
    for (path, language, calls) in seen {
        match outgoing.iter_mut().find(|(p, _, _)| *p == path) {
            Some((_, _, known)) => {
                for call in calls {
                    if !known.contains(&call) {
                        known.push(call);
                    }
                }
            }
            None if !calls.is_empty() => outgoing.push((path, language, calls)),
            None => {}
        }
    }
    // Files that receive request data may pass it on (a service to a repository): their
    // relays are read once they do, hop after hop, so only the files the data reaches cost a
    // second look.
    let mut external = if outgoing.is_empty() {
        Default::default()
    } else {
        map.external_entries(&outgoing)
    };
    let mut relayed: HashSet<PathBuf> = HashSet::new();
    for _ in 0..=engine::modules::MAX_HOPS {
        if outgoing.is_empty() {
            break;
        }
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
    tracing::debug!("cross-module: relays at {:?}", clock.elapsed());
    // Every file that receives entries, imports functions whose results carry something or
    // imports validated DTOs is analysed again with all of them.
    let mut dtos = imported_dtos(files, &map);
    tracing::debug!("cross-module: DTOs at {:?}", clock.elapsed());
    let mut again: Vec<(
        PathBuf,
        ba_analysis::ExternalEntries,
        ba_analysis::ImportedReturns,
        (ba_analysis::dto::Dtos, bool),
    )> = external
        .into_iter()
        .map(|(path, entries)| {
            let returns = imported.remove(&path).unwrap_or_default();
            let dtos = dtos.remove(&path).unwrap_or_default();
            (path, entries, returns, dtos)
        })
        .collect();
    again.extend(imported.into_iter().map(|(path, returns)| {
        let dtos = dtos.remove(&path).unwrap_or_default();
        (path, Default::default(), returns, dtos)
    }));
    again.extend(
        dtos.into_iter()
            .map(|(path, dtos)| (path, Default::default(), Default::default(), dtos)),
    );
    again
        .into_par_iter()
        .filter_map(|(path, entries, returns, dtos)| {
            let settings = settings.get(&path)?;
            let language = Language::from_path(&path)?;
            let original = *originals.get(&path)?;
            let text = read(original)?;
            let tree = ba_syntax::parse::parse(language, &text, None)?;
            let display = shown(original);
            let findings = engine::analyze_with_cross(
                &display,
                language,
                &text,
                &tree,
                &settings.rules,
                engine::Cross {
                    external: entries,
                    imported: returns,
                    dtos,
                },
            );
            Some((original.to_path_buf(), findings))
        })
        .collect()
}

/// NestJS controllers that take a `@Body()` typed with a validated DTO class of another
/// module (`ba_analysis::dto`): per controller (normalized path), those classes by the local
/// name its imports give them, and whether some file sets up a global `ValidationPipe`
/// (`app.useGlobalPipes(new ValidationPipe())`). Only files that name class-validator, a pipe
/// or `@Body(` are parsed.
fn imported_dtos(
    files: &[(&Path, &Settings)],
    map: &engine::modules::ModuleMap,
) -> HashMap<PathBuf, (ba_analysis::dto::Dtos, bool)> {
    let scripts: Vec<(PathBuf, Language, String)> = files
        .par_iter()
        .filter_map(|(path, _)| {
            let language = Language::from_path(path)?;
            if language.family() != ba_syntax::Family::JavaScript {
                return None;
            }
            let text = read(path)?;
            (text.contains("class-validator")
                || text.contains("ValidationPipe")
                || text.contains("@Body("))
            .then(|| (path.to_path_buf(), language, text))
        })
        .collect();
    if !scripts
        .iter()
        .any(|(_, _, t)| t.contains("class-validator"))
    {
        return HashMap::new();
    }
    let pipe = scripts
        .iter()
        .any(|(_, _, t)| t.contains("useGlobalPipes") && t.contains("ValidationPipe"));
    let modules: HashMap<PathBuf, ba_analysis::dto::Dtos> = scripts
        .par_iter()
        .filter(|(_, _, t)| t.contains("class-validator"))
        .filter_map(|(path, language, text)| {
            let tree = ba_syntax::parse::parse(*language, text, None)?;
            let dtos = ba_analysis::dto::javascript_dtos(tree.root_node(), text);
            (!dtos.is_empty()).then(|| (normalize(path), dtos))
        })
        .collect();
    scripts
        .par_iter()
        .filter(|(_, _, t)| t.contains("@Body("))
        .filter_map(|(path, language, text)| {
            let tree = ba_syntax::parse::parse(*language, text, None)?;
            let mut found = ba_analysis::dto::Dtos::new();
            for (local, q) in engine::import_names(*language, text, &tree) {
                let Some((file, name)) = map.target(path, *language, &q) else {
                    continue;
                };
                if let Some(props) = modules.get(&file).and_then(|m| m.get(&name)) {
                    found.insert(local, props.clone());
                }
            }
            (!found.is_empty()).then(|| (normalize(path), (found, pipe)))
        })
        .collect()
}

/// A file as reports and data paths name it.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// A file read for the return summaries: its language, what its imports give, and (for the
/// modules whose functions are summarised) its text and tree.
struct Module {
    language: Language,
    parsed: Option<(String, tree_sitter::Tree)>,
    uses: engine::modules::ImportUses,
}

/// Whether a JavaScript file can import a project module (only relative specifiers do).
pub(super) fn imports_relative(language: Language, text: &str) -> bool {
    language.family() != ba_syntax::Family::JavaScript
        || ["\"./", "'./", "`./", "\"../", "'../", "`../"]
            .iter()
            .any(|s| text.contains(s))
}

impl Module {
    fn qualified(&self) -> Vec<String> {
        self.uses.iter().map(|(q, _)| q.clone()).collect()
    }
}

/// What the other modules' functions that files holding request data import return
/// (`Semantic::imported`), per such file (normalized path), for the files whose imports
/// name at least one function that returns request data or a parameter.
///
/// The files that can hold request data are read for their imports; the modules those point
/// into (and the modules *they* import, up to `MAX_HOPS` levels) get their return summaries
/// (`engine::module_returns`), first alone, then again with what their own imports return,
/// so `return services.get_params()` in a third module returns request data too; a file is
/// summarised again only when what it imports changed, at most `MAX_HOPS` times, so modules
/// importing each other end.
fn imported_returns(
    files: &[(&Path, &Settings)],
    map: &engine::modules::ModuleMap,
    settings: &HashMap<PathBuf, &Settings>,
    originals: &HashMap<PathBuf, &Path>,
    passed: &HashMap<PathBuf, HashSet<String>>,
    imports: &HashMap<PathBuf, Imports>,
) -> HashMap<PathBuf, ba_analysis::ImportedReturns> {
    // Functions handlers pass request data to, by file: only their parameters are followed.
    let propagating = map.propagating(passed);
    let load = |path: &Path, callers: bool| -> Option<Module> {
        let language = Language::from_path(path)?;
        // What the first analysis read of the file's imports: no second parse.
        if let Some(found) = imports.get(path) {
            if callers && !found.request_data || !found.relative || found.uses.is_empty() {
                return None;
            }
            return Some(Module {
                language,
                parsed: None,
                uses: found.uses.clone(),
            });
        }
        let text = read(path)?;
        if callers && !engine::may_have_request_data(language, &text) {
            return None;
        }
        // A JavaScript file imports project modules only by relative specifiers.
        if !imports_relative(language, &text) {
            return None;
        }
        let tree = ba_syntax::parse::parse(language, &text, None)?;
        let names = engine::import_names(language, &text, &tree);
        let uses = engine::modules::import_uses(&names, &text);
        (!uses.is_empty()).then_some(Module {
            language,
            parsed: Some((text, tree)),
            uses,
        })
    };
    let callers: HashMap<PathBuf, Module> = files
        .par_iter()
        .filter_map(|(path, _)| Some((normalize(path), load(path, true)?)))
        .collect();
    let clock = std::time::Instant::now();
    if callers.is_empty() {
        return HashMap::new();
    }
    // The modules the callers import, and theirs, level by level, with the functions of each
    // that importers may call (only those are summarised).
    let mut modules: HashMap<PathBuf, Module> = HashMap::new();
    let mut wanted: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let want = |list: Vec<(PathBuf, String)>, wanted: &mut HashMap<PathBuf, HashSet<String>>| {
        let mut files = Vec::new();
        for (file, function) in list {
            wanted.entry(file.clone()).or_default().insert(function);
            files.push(file);
        }
        files
    };
    let mut frontier: Vec<PathBuf> = Vec::new();
    for (path, m) in &callers {
        frontier.extend(want(map.wanted(path, m.language, &m.uses), &mut wanted));
    }
    for _ in 0..=engine::modules::MAX_HOPS {
        frontier.sort();
        frontier.dedup();
        frontier.retain(|p| !modules.contains_key(p));
        if frontier.is_empty() {
            break;
        }
        let loaded: Vec<(PathBuf, Option<Module>)> = frontier
            .par_iter()
            .filter_map(|path| {
                let original = originals.get(path)?;
                let module = match callers.get(path) {
                    // Read already; a caller's text is the same.
                    Some(m) => Some(Module {
                        language: m.language,
                        parsed: m.parsed.clone(),
                        uses: m.uses.clone(),
                    }),
                    None => {
                        let language = Language::from_path(path)?;
                        if let Some(found) = imports.get(*original) {
                            // Parsed below only if an importer wants a function it may list.
                            return Some((
                                path.clone(),
                                found.returns_values.then(|| Module {
                                    language,
                                    parsed: None,
                                    uses: found.uses.clone(),
                                }),
                            ));
                        }
                        let text = read(original)?;
                        if !engine::may_return_values(&text) {
                            return None;
                        }
                        let tree = ba_syntax::parse::parse(language, &text, None)?;
                        let uses = match imports.get(*original) {
                            Some(found) => found.uses.clone(),
                            None => {
                                let names = engine::import_names(language, &text, &tree);
                                engine::modules::import_uses(&names, &text)
                            }
                        };
                        Some(Module {
                            language,
                            parsed: Some((text, tree)),
                            uses,
                        })
                    }
                };
                Some((path.clone(), module))
            })
            .collect();
        frontier = Vec::new();
        for (path, module) in loaded {
            if let Some(module) = module {
                frontier.extend(want(
                    map.wanted(&path, module.language, &module.uses),
                    &mut wanted,
                ));
                modules.insert(path, module);
            }
        }
    }
    tracing::debug!(
        "imported returns: {} callers, {} modules loaded at {:?}",
        callers.len(),
        modules.len(),
        clock.elapsed()
    );
    // The modules a first summary (nothing imported returns anything yet) can list something
    // of: an importer wants a function that may return request data or is called with it.
    // The others are parsed only if composing gives their imports a result.
    let unparsed: Vec<PathBuf> = modules
        .iter()
        .filter(|(path, m)| {
            m.parsed.is_none()
                && wanted.get(*path).is_some_and(|names| {
                    let original = originals.get(*path).copied().unwrap_or(path.as_path());
                    let candidates = imports.get(original).map(|i| &i.candidates);
                    names.iter().any(|n| {
                        propagating.get(*path).is_some_and(|p| p.contains(n))
                            || candidates.is_none_or(|c| c.contains(n))
                    })
                })
        })
        .map(|(path, _)| path.clone())
        .collect();
    let parsed: Vec<(PathBuf, (String, tree_sitter::Tree))> = unparsed
        .into_par_iter()
        .filter_map(|path| {
            let m = modules.get(&path)?;
            let text = read(originals.get(&path)?)?;
            let tree = ba_syntax::parse::parse(m.language, &text, None)?;
            Some((path, (text, tree)))
        })
        .collect();
    tracing::debug!(
        "imported returns: {} of {} modules parsed for their first summary",
        parsed.len(),
        modules.len()
    );
    for (path, p) in parsed {
        if let Some(m) = modules.get_mut(&path) {
            m.parsed = Some(p);
        }
    }
    let summarise = |path: &PathBuf, imported: &ba_analysis::ImportedReturns| {
        let module = modules.get(path)?;
        let read_now;
        let (text, tree) = match &module.parsed {
            Some(parsed) => parsed,
            // Not needed for the first summary; composing gave its imports a result.
            None if !imported.is_empty() => {
                let text = read(originals.get(path)?)?;
                let tree = ba_syntax::parse::parse(module.language, &text, None)?;
                read_now = (text, tree);
                &read_now
            }
            None => return None,
        };
        let settings = settings.get(path)?;
        let wanted = wanted.get(path)?;
        Some(engine::module_returns(
            module.language,
            text,
            tree,
            &settings.rules,
            imported,
            &|name| wanted.contains(name),
            &|name| propagating.get(path).is_some_and(|p| p.contains(name)),
        ))
    };
    let empty = ba_analysis::ImportedReturns::new();
    let mut returns: HashMap<PathBuf, Vec<ba_analysis::Returned>> = modules
        .par_iter()
        .filter_map(|(path, _)| {
            let list = summarise(path, &empty)?;
            (!list.is_empty()).then(|| (path.clone(), list))
        })
        .collect();
    tracing::debug!(
        "imported returns: {} summarised at {:?}",
        returns.len(),
        clock.elapsed()
    );
    let shown = |p: &Path| shown(originals.get(p).copied().unwrap_or(p));
    let composing: Vec<(&Path, Language, Vec<String>)> = modules
        .iter()
        .map(|(path, m)| (path.as_path(), m.language, m.qualified()))
        .collect();
    map.compose_returns(
        &composing,
        &mut returns,
        &|changed| {
            changed
                .par_iter()
                .filter_map(|(path, imported)| Some((path.clone(), summarise(path, imported)?)))
                .collect()
        },
        &shown,
    );
    tracing::debug!("imported returns: composed at {:?}", clock.elapsed());
    if returns.is_empty() {
        return HashMap::new();
    }
    // A caller is analysed again when it imports a function that returns request data, or
    // passes request data to one that returns it.
    callers
        .iter()
        .filter_map(|(path, m)| {
            let imported = map.caller_returns(
                path,
                m.language,
                &m.qualified(),
                &returns,
                passed.get(path),
                &shown,
            );
            (!imported.is_empty()).then(|| (path.clone(), imported))
        })
        .collect()
}
