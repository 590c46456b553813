//! Which project file and function a callee named through imports is, among a set of files
//! (`check`'s cross-module taint pass): Python dotted modules (absolute, matched as a path
//! suffix, or relative to the importing file) and relative JavaScript/TypeScript modules
//! (with or without extension, or a directory's `index`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use ba_analysis::models::Argument;
use ba_analysis::{Entry, ExternalEntries, ImportedReturns, Outgoing, Returned};
use ba_syntax::{Family, Language};

/// Sink kinds entries from other modules do not carry (see `external_entries_with`).
const CROSS_MODULE_EXCLUDED: u32 = 1 << (ba_analysis::Sink::Log as u8);

/// Sink kinds request data *returned* by another module's function does not carry, whether the
/// helper read it itself or was handed it: what a helper hands back is mostly a parsed, solved or
/// serialised structure whose keys it chose (FastAPI's `solve_dependencies()` result spread into
/// a response's keyword arguments; open-webui's `resolve_oauth_client_info(connection)` spread
/// into a Pydantic model; allauth's `serialize_request(request)` kept in the session to replay the
/// user's own request after re-authentication: each a new finding on real code, each false), and
/// log injection is not followed across modules either way (`CROSS_MODULE_EXCLUDED`).
const RETURNED_EXCLUDED: u32 = CROSS_MODULE_EXCLUDED
    | 1 << (ba_analysis::Sink::MassAssign as u8)
    | 1 << (ba_analysis::Sink::Session as u8);

const JS_EXTENSIONS: &[&str] = &["js", "ts", "mjs", "cjs", "jsx", "tsx", "mts", "cts"];

/// The project's files, indexed for module lookups.
#[derive(Default)]
pub struct ModuleMap {
    files: HashMap<PathBuf, Language>,
    /// Python module path without extension (`app/services/storage`, `app/services` for a
    /// package's `__init__.py`) → files with that tail.
    python: HashMap<String, Vec<PathBuf>>,
}

/// `path` without `.` and `..` components (lexically), as the map keys files.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A Python file's module path tails (`storage`, `services/storage`, `app/services/storage`;
/// a package's `__init__.py` stands for its directory); none for other languages.
fn python_tails(path: &Path, language: Language) -> Vec<String> {
    if language.family() != Family::Python {
        return Vec::new();
    }
    let stem = if path.file_stem().is_some_and(|s| s == "__init__") {
        path.parent().map(Path::to_path_buf)
    } else {
        Some(path.with_extension(""))
    };
    let Some(stem) = stem else {
        return Vec::new();
    };
    let parts: Vec<String> = stem
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    (0..parts.len())
        .map(|start| parts[start..].join("/"))
        .collect()
}

impl ModuleMap {
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a Path, Language)>) -> Self {
        let mut map = ModuleMap::default();
        for (path, language) in files {
            map.insert(path, language);
        }
        map
    }

    /// Adds a file (the server's workspace index gained it); whether it is new to the map.
    pub fn insert(&mut self, path: &Path, language: Language) -> bool {
        let path = normalize(path);
        if self.files.get(&path) == Some(&language) {
            return false;
        }
        self.remove(&path);
        for tail in python_tails(&path, language) {
            self.python.entry(tail).or_default().push(path.clone());
        }
        self.files.insert(path, language);
        true
    }

    /// Drops a file; whether the map had it.
    pub fn remove(&mut self, path: &Path) -> bool {
        let path = normalize(path);
        let Some(language) = self.files.remove(&path) else {
            return false;
        };
        for tail in python_tails(&path, language) {
            if let Some(list) = self.python.get_mut(&tail) {
                list.retain(|p| *p != path);
                if list.is_empty() {
                    self.python.remove(&tail);
                }
            }
        }
        true
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(&normalize(path))
    }

    /// The file and function `callee` names, as imported by the file at `from`.
    pub fn target(
        &self,
        from: &Path,
        language: Language,
        callee: &str,
    ) -> Option<(PathBuf, String)> {
        let from = normalize(from);
        match language.family() {
            Family::Python => {
                let (module, function) = callee.rsplit_once('.')?;
                let dots = module.len() - module.trim_start_matches('.').len();
                let rest = &module[dots..];
                if dots > 0 || callee.starts_with('.') {
                    // `from .services import storage` → `.services.storage.save`.
                    let (module, function) = if module.chars().all(|c| c == '.') {
                        (String::new(), function)
                    } else {
                        (rest.replace('.', "/"), function)
                    };
                    let mut base = from.parent()?.to_path_buf();
                    for _ in 1..dots.max(1) {
                        base = base.parent()?.to_path_buf();
                    }
                    let stem = if module.is_empty() {
                        base
                    } else {
                        base.join(module)
                    };
                    for candidate in [stem.with_extension("py"), stem.join("__init__.py")] {
                        let candidate = normalize(&candidate);
                        if self.files.contains_key(&candidate) {
                            return Some((candidate, function.to_owned()));
                        }
                    }
                    return None;
                }
                let tail = module.replace('.', "/");
                let found = self.python.get(&tail)?;
                // Several files with that tail: the one sharing the longest prefix with the
                // importer (the same project).
                let best = found.iter().max_by_key(|p| {
                    p.components()
                        .zip(from.components())
                        .take_while(|(a, b)| a == b)
                        .count()
                })?;
                Some((best.clone(), function.to_owned()))
            }
            Family::JavaScript => {
                let (spec, function) = callee.rsplit_once('.')?;
                if !spec.starts_with('.')
                    || function.is_empty()
                    || !function
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    return None;
                }
                let base = normalize(&from.parent()?.join(spec));
                let mut candidates = vec![base.clone()];
                for ext in JS_EXTENSIONS {
                    let mut with = base.clone().into_os_string();
                    with.push(format!(".{ext}"));
                    candidates.push(PathBuf::from(with));
                    candidates.push(base.join(format!("index.{ext}")));
                }
                // `./posts.js` written for a TypeScript file `posts.ts`.
                if let Some(stem) = base.extension().and(Some(base.with_extension(""))) {
                    for ext in JS_EXTENSIONS {
                        candidates.push(stem.with_extension(ext));
                    }
                }
                candidates
                    .into_iter()
                    .find(|c| {
                        self.files
                            .get(c)
                            .is_some_and(|l| l.family() == Family::JavaScript)
                    })
                    .map(|c| (c, function.to_owned()))
            }
        }
    }

    /// Every file's outgoing calls, grouped by the callee's file as external entries. The
    /// first caller's description wins for an argument; sink sets are merged.
    pub fn external_entries(
        &self,
        outgoing: &[(PathBuf, Language, Vec<Outgoing>)],
    ) -> BTreeMap<PathBuf, ExternalEntries> {
        self.external_entries_with(
            outgoing
                .iter()
                .map(|(from, language, calls)| (from.as_path(), *language, calls.as_slice())),
            |from| from.strip_prefix(".").unwrap_or(from).display().to_string(),
        )
    }

    /// `external_entries` with the callers' files named by `shown` (the server shows them
    /// relative to their workspace folder).
    ///
    /// Request handlers' calls give the callees' parameters entries; then calls that pass a
    /// parameter on (`Outgoing::relay`: a service handing its caller's data to a repository)
    /// carry an entry of that parameter on to their callee, for the sinks of both, hop after
    /// hop up to `MAX_HOPS`. Entries only grow (a new parameter, or more sinks for one), so
    /// cycles (`a` calls `b` calls `a`) end when nothing new arrives.
    pub fn external_entries_with<'a>(
        &self,
        outgoing: impl IntoIterator<Item = (&'a Path, Language, &'a [Outgoing])>,
        shown: impl Fn(&Path) -> String,
    ) -> BTreeMap<PathBuf, ExternalEntries> {
        let outgoing: Vec<(&Path, Language, &[Outgoing])> = outgoing.into_iter().collect();
        let mut out: BTreeMap<PathBuf, ExternalEntries> = BTreeMap::new();
        // Each call's callee, resolved once: (caller file, callee file, function).
        let mut calls: Vec<(PathBuf, String, &Outgoing, PathBuf, String)> = Vec::new();
        for (from, language, list) in &outgoing {
            let caller = normalize(from);
            let shown = shown(from);
            for call in list.iter() {
                // An entry with no sink at all says the parameter is clean (a Django URL
                // parameter captured as an int); one with only excluded sinks is dropped.
                if call.entry.sinks != 0 && call.entry.sinks & !CROSS_MODULE_EXCLUDED == 0 {
                    continue;
                }
                let Some((file, function)) = self.target(from, *language, &call.callee) else {
                    continue;
                };
                if caller == file {
                    continue;
                }
                calls.push((caller.clone(), shown.clone(), call, file, function));
            }
        }
        // Log injection is not followed into other modules: what handlers hand to a service
        // is mostly a parsed model whose logged form escapes line breaks, and those findings
        // drowned the injections on a real FastAPI backend.
        for (_, shown, call, file, function) in calls.iter().filter(|c| c.2.relay.is_none()) {
            let sinks = call.entry.sinks & !CROSS_MODULE_EXCLUDED;
            let entries = out.entry(file.clone()).or_default();
            let key = (function.clone(), call.argument.clone());
            match entries.get_mut(&key) {
                Some(e) => e.sinks |= sinks,
                None => {
                    let mut entry = call.entry.clone();
                    entry.sinks = sinks;
                    entry.what = format!("{} ({shown})", entry.what);
                    entries.insert(key, entry);
                }
            }
        }
        let relays: Vec<_> = calls
            .iter()
            .filter_map(|(caller, shown, call, file, function)| {
                Some((caller, shown, call, call.relay.as_ref()?, file, function))
            })
            .collect();
        for _ in 0..MAX_HOPS {
            let mut arrived: Vec<(PathBuf, (String, Argument), Entry)> = Vec::new();
            for (caller, shown, call, relay, file, function) in &relays {
                let Some(received) = out.get(*caller).and_then(|entries| {
                    entries
                        .get(&(relay.function.clone(), Argument::Position(relay.position)))
                        .or_else(|| {
                            entries.get(&(
                                relay.function.clone(),
                                Argument::Keyword(relay.param.clone()),
                            ))
                        })
                }) else {
                    continue;
                };
                let sinks = received.sinks & call.entry.sinks & !CROSS_MODULE_EXCLUDED;
                if sinks == 0 {
                    continue;
                }
                arrived.push((
                    (*file).clone(),
                    ((*function).clone(), call.argument.clone()),
                    Entry {
                        what: format!("{}, then {} ({shown})", received.what, call.entry.what),
                        sinks,
                    },
                ));
            }
            let mut grew = false;
            for (file, key, entry) in arrived {
                let entries = out.entry(file).or_default();
                match entries.get_mut(&key) {
                    Some(e) if e.sinks | entry.sinks == e.sinks => {}
                    Some(e) => {
                        e.sinks |= entry.sinks;
                        grew = true;
                    }
                    None => {
                        entries.insert(key, entry);
                        grew = true;
                    }
                }
            }
            if !grew {
                break;
            }
        }
        out
    }
}

impl ModuleMap {
    /// What the other modules' functions the file at `from` imports return, keyed by the
    /// qualified name its imports give each (`Semantic::imported`): a name that is a function
    /// (`from app.services import get_params`), or a module whose functions are called through
    /// it (`from app import services` → `app.services.get_params`; a JavaScript default import
    /// is the module's `default`). `returns` holds each file's summaries (by normalized
    /// path); `shown` names the callee's file in data paths.
    pub fn imported_returns(
        &self,
        from: &Path,
        language: Language,
        names: &[String],
        returns: &HashMap<PathBuf, Vec<Returned>>,
        shown: impl Fn(&Path) -> String,
    ) -> ImportedReturns {
        let own = normalize(from);
        let mut out = ImportedReturns::new();
        let resolved = |summary: &Returned, file: &Path| {
            let mut summary = Returned {
                file: shown(file),
                ..summary.clone()
            };
            if let Some(source) = &mut summary.source {
                source.sinks &= !RETURNED_EXCLUDED;
                if source.sinks == 0 {
                    summary.source = None;
                }
            }
            for sinks in &mut summary.through {
                *sinks &= !RETURNED_EXCLUDED;
            }
            summary
        };
        for q in names {
            if let Some((file, function)) = self.target(from, language, q) {
                if let Some(summary) = returns
                    .get(&file)
                    .filter(|_| file != own)
                    .and_then(|list| list.iter().find(|r| r.function == function))
                {
                    out.insert(q.clone(), resolved(summary, &file));
                }
            }
            let Some((file, _)) = self.target(from, language, &format!("{q}._")) else {
                continue;
            };
            let Some(list) = returns.get(&file).filter(|_| file != own) else {
                continue;
            };
            for summary in list {
                if language.family() == Family::JavaScript && summary.function == "default" {
                    out.insert(q.clone(), resolved(summary, &file));
                } else {
                    out.insert(
                        format!("{q}.{}", summary.function),
                        resolved(summary, &file),
                    );
                }
            }
        }
        // What only excluded sinks would read carries nothing.
        out.retain(|_, r| r.carries());
        out
    }
}

/// A file's imports as return summaries read them: each qualified name its imports give
/// (`app.services`, `app.services.get_params`, `../slug`), with the attributes the file reads of
/// the local name it binds (`services.get_params` → `get_params`).
pub type ImportUses = Vec<(String, Vec<String>)>;

/// `ImportUses` of a file from its imports (local name, qualified name; `import_names`) and its
/// text. The attributes of plain local names are found in one pass over the text (every
/// `name.attr`), so a file with many imports costs no more than one with few.
pub fn import_uses(names: &[(String, String)], text: &str) -> ImportUses {
    let simple: rustc_hash::FxHashSet<&str> = names
        .iter()
        .map(|(local, _)| local.as_str())
        .filter(|l| !l.is_empty() && l.bytes().all(ident_byte))
        .collect();
    let mut found: rustc_hash::FxHashMap<&str, Vec<&str>> = Default::default();
    if !simple.is_empty() {
        let bytes = text.as_bytes();
        for dot in memchr::memchr_iter(b'.', bytes) {
            let start = bytes[..dot]
                .iter()
                .rposition(|b| !ident_byte(*b))
                .map_or(0, |i| i + 1);
            if start == dot {
                continue;
            }
            let Some(local) = simple.get(&text[start..dot]) else {
                continue;
            };
            let len = bytes[dot + 1..]
                .iter()
                .take_while(|b| ident_byte(**b))
                .count();
            if len > 0 {
                found
                    .entry(*local)
                    .or_default()
                    .push(&text[dot + 1..dot + 1 + len]);
            }
        }
    }
    names
        .iter()
        .map(|(local, q)| {
            let mut attributes: Vec<String> = if simple.contains(local.as_str()) {
                found
                    .get(local.as_str())
                    .into_iter()
                    .flatten()
                    .map(|a| (*a).to_owned())
                    .collect()
            } else {
                attributes(text, local).map(str::to_owned).collect()
            };
            attributes.sort();
            attributes.dedup();
            (q.clone(), attributes)
        })
        .collect()
}

fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The names read as attributes of `local` in `text` (`services.get_params` → `get_params`).
fn attributes<'t>(text: &'t str, local: &str) -> impl Iterator<Item = &'t str> + 't {
    let pattern = format!("{local}.");
    let bytes = text.as_bytes();
    text.match_indices(&pattern)
        .filter(move |(i, _)| *i == 0 || !ident_byte(bytes[i - 1]))
        .filter_map(move |(i, m)| {
            let start = i + m.len();
            let len = bytes[start..]
                .iter()
                .take_while(|b| ident_byte(**b))
                .count();
            (len > 0).then(|| &text[start..start + len])
        })
        .collect::<Vec<_>>()
        .into_iter()
}

/// Summarises modules again (`ModuleMap::compose_returns`): for each file and what its imports
/// return, its new summaries (the files it could summarise).
pub type Summarise<'a> =
    dyn Fn(&[(PathBuf, ImportedReturns)]) -> Vec<(PathBuf, Vec<Returned>)> + 'a;

/// Which functions a summary is asked for, and with what: the functions other files import
/// (`wanted`), those handlers pass request data to (`params`: which parameters reach the
/// result is asked only of them) and what the file's own imports return (`imported`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Demand {
    pub wanted: std::collections::BTreeSet<String>,
    pub params: std::collections::BTreeSet<String>,
    pub imported: ImportedReturns,
}

impl Demand {
    /// A key for the summaries made for this demand from one text (`stamp`).
    pub fn key(&self, stamp: u64) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        (stamp, self).hash(&mut h);
        h.finish()
    }
}

impl ModuleMap {
    /// The functions of other files the file at `from` may call through its imports, by file:
    /// a name imported from a module (`from app.utils import clean`), the attributes used of an
    /// imported module (`services.get_params` after `from app import services`), and a
    /// JavaScript module's default export.
    pub fn wanted(
        &self,
        from: &Path,
        language: Language,
        uses: &ImportUses,
    ) -> Vec<(PathBuf, String)> {
        let own = normalize(from);
        let mut out = Vec::new();
        for (q, attributes) in uses {
            if let Some((file, function)) = self.target(from, language, q) {
                out.push((file, function));
            }
            let Some((file, _)) = self.target(from, language, &format!("{q}._")) else {
                continue;
            };
            if language.family() == Family::JavaScript {
                out.push((file.clone(), "default".to_owned()));
            }
            for attribute in attributes {
                out.push((file.clone(), attribute.clone()));
            }
        }
        out.retain(|(f, _)| *f != own);
        out
    }

    /// The functions handlers pass request data to, by file (normalized), from each caller's
    /// callees (`Outgoing::callee` of calls that are not relays): only their parameters are
    /// followed into what they return.
    pub fn propagating(
        &self,
        passed: &HashMap<PathBuf, HashSet<String>>,
    ) -> HashMap<PathBuf, HashSet<String>> {
        let mut out: HashMap<PathBuf, HashSet<String>> = HashMap::new();
        for (from, callees) in passed {
            let Some(language) = Language::from_path(from) else {
                continue;
            };
            for callee in callees {
                if let Some((file, function)) = self.target(from, language, callee) {
                    out.entry(file).or_default().insert(function);
                } else if let Some((file, _)) = self
                    .target(from, language, &format!("{callee}._"))
                    .filter(|_| language.family() == Family::JavaScript)
                {
                    // A JavaScript module called as a function: its default export.
                    out.entry(file).or_default().insert("default".to_owned());
                }
            }
        }
        out
    }

    /// Composes return summaries across modules: `returns` holds each file's summaries made
    /// without knowing what its imports return; a module is summarised again
    /// (`summarise`: the files it could summarise, with their new summaries) with the
    /// functions its imports name that return request data of their own, so
    /// `return services.get_params()` in a third module returns request data too. A module is
    /// summarised again only when what it imports changed, at most `MAX_HOPS` times, so
    /// modules importing each other end. (A module's function returning what another
    /// module's function makes of its parameter is not followed: that took a second summary
    /// of most modules, for little.) `modules` are the files with imports (normalized path,
    /// language, qualified names); `shown` names files in data paths.
    pub fn compose_returns(
        &self,
        modules: &[(&Path, Language, Vec<String>)],
        returns: &mut HashMap<PathBuf, Vec<Returned>>,
        summarise: &Summarise,
        shown: &dyn Fn(&Path) -> String,
    ) {
        let empty = ImportedReturns::new();
        let mut used: HashMap<PathBuf, ImportedReturns> = HashMap::new();
        for _ in 0..MAX_HOPS {
            let changed: Vec<(PathBuf, ImportedReturns)> = modules
                .iter()
                .filter_map(|(path, language, names)| {
                    let mut imported =
                        self.imported_returns(path, *language, names, returns, shown);
                    imported.retain(|_, r| r.source.is_some());
                    let before = used.get(*path).unwrap_or(&empty);
                    (imported != *before).then(|| (path.to_path_buf(), imported))
                })
                .collect();
            if changed.is_empty() {
                break;
            }
            let next = summarise(&changed);
            used.extend(changed);
            for (path, list) in next {
                if list.is_empty() {
                    returns.remove(&path);
                } else {
                    returns.insert(path, list);
                }
            }
        }
    }

    /// What a caller's analysis learns of the functions it imports (`Semantic::imported`): the
    /// functions that return request data, and those it passes request data to (`passed`:
    /// its handlers' callees) that return what they are given.
    pub fn caller_returns(
        &self,
        from: &Path,
        language: Language,
        names: &[String],
        returns: &HashMap<PathBuf, Vec<Returned>>,
        passed: Option<&HashSet<String>>,
        shown: &dyn Fn(&Path) -> String,
    ) -> ImportedReturns {
        if returns.is_empty() {
            return ImportedReturns::new();
        }
        let mut imported = self.imported_returns(from, language, names, returns, shown);
        imported.retain(|q, r| r.source.is_some() || passed.is_some_and(|c| c.contains(q)));
        imported
    }
}

/// How many modules request data is followed through beyond the first callee: a handler in
/// one module, a service, a repository and a helper of the repository.
pub const MAX_HOPS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    /// A handler's call (`relay: None`) or a relayed parameter (`Some((function, param))`).
    fn call(callee: &str, relay: Option<(&str, &str)>, sinks: u32) -> Outgoing {
        Outgoing {
            callee: callee.to_owned(),
            argument: Argument::Position(0),
            entry: Entry {
                what: format!("passed to `{callee}()`"),
                sinks,
            },
            relay: relay.map(|(function, param)| ba_analysis::Relay {
                function: function.to_owned(),
                position: 0,
                param: param.to_owned(),
            }),
        }
    }

    #[test]
    fn relayed_parameters_carry_entries_hop_by_hop_up_to_the_bound() {
        // m0 (handler) → m1.f1 → m2.f2 → … → m6.f6: each module passes its parameter on.
        let files: Vec<String> = (0..7).map(|i| format!("app/m{i}.py")).collect();
        let m = map(&files.iter().map(String::as_str).collect::<Vec<_>>());
        let py = Language::Python;
        let mut outgoing = vec![(
            PathBuf::from("app/m0.py"),
            py,
            vec![call("app.m1.f1", None, 0b110)],
        )];
        for i in 1..6 {
            outgoing.push((
                PathBuf::from(format!("app/m{i}.py")),
                py,
                // The third module sanitises for one of the two sinks.
                vec![call(
                    &format!("app.m{}.f{}", i + 1, i + 1),
                    Some((&format!("f{i}"), "x")),
                    if i == 3 { 0b010 } else { 0b111 },
                )],
            ));
        }
        let entries = m.external_entries(&outgoing);
        let sinks = |i: usize| {
            entries
                .get(Path::new(&format!("app/m{i}.py")))
                .and_then(|e| e.get(&(format!("f{i}"), Argument::Position(0))))
                .map(|e| e.sinks)
        };
        assert_eq!(sinks(1), Some(0b110), "the handler's own call");
        assert_eq!(sinks(2), Some(0b110));
        assert_eq!(sinks(3), Some(0b110));
        assert_eq!(
            sinks(4),
            Some(0b010),
            "what the third module cleans stays clean"
        );
        assert_eq!(sinks(5), None, "beyond MAX_HOPS relays");
        let what = &entries[Path::new("app/m4.py")][&("f4".to_owned(), Argument::Position(0))].what;
        assert_eq!(
            what,
            "passed to `app.m1.f1()` (app/m0.py), then passed to `app.m2.f2()` (app/m1.py), then passed to `app.m3.f3()` (app/m2.py), then passed to `app.m4.f4()` (app/m3.py)"
        );
    }

    fn returned(function: &str, source: Option<u32>, through: Vec<u32>) -> Returned {
        Returned {
            function: function.to_owned(),
            file: String::new(),
            params: (0..through.len()).map(|i| format!("p{i}")).collect(),
            source: source.map(|sinks| Entry {
                what: "request data `request.args`".to_owned(),
                sinks,
            }),
            through,
        }
    }

    #[test]
    fn imported_returns_follow_function_module_and_default_imports() {
        let m = map(&[
            "app/routes/items.py",
            "app/services.py",
            "app/legacy.py",
            "src/routes/items.js",
            "src/slug.js",
        ]);
        let mass = ba_analysis::Sink::MassAssign.bit();
        let session = ba_analysis::Sink::Session.bit();
        let sql = ba_analysis::Sink::Sql.bit();
        let returns: HashMap<PathBuf, Vec<Returned>> = [
            (
                PathBuf::from("app/services.py"),
                vec![
                    returned("get_params", Some(sql | mass), vec![]),
                    returned("solved", Some(mass), vec![]),
                    // Builds a structure from its argument (`resolve_client_info(connection)`):
                    // spread into a model or kept in the session, it carries nothing.
                    returned("resolve", None, vec![mass | session]),
                ],
            ),
            (
                PathBuf::from("app/legacy.py"),
                vec![returned("lookup", Some(sql), vec![])],
            ),
            (
                PathBuf::from("app/routes/items.py"),
                vec![returned("own", Some(sql), vec![])],
            ),
            (
                PathBuf::from("src/slug.js"),
                vec![returned("default", None, vec![sql])],
            ),
        ]
        .into_iter()
        .collect();
        let shown = |p: &Path| p.display().to_string();
        let names = ["app.services".to_owned(), "app.routes.items.own".to_owned()];
        let py = m.imported_returns(
            Path::new("app/routes/items.py"),
            Language::Python,
            &names,
            &returns,
            shown,
        );
        let keys: Vec<&str> = py.keys().map(String::as_str).collect();
        // `solved` and `resolve` carry only what mass assignment and the session would read:
        // nothing is left of them; the file's own function and the module nobody imported are
        // not there.
        assert_eq!(keys, ["app.services.get_params"]);
        let params = &py["app.services.get_params"];
        assert_eq!(params.source.as_ref().map(|s| s.sinks), Some(sql));
        assert_eq!(params.shown(), "`get_params()` (app/services.py)");
        let js = m.imported_returns(
            Path::new("src/routes/items.js"),
            Language::JavaScript,
            &["../slug".to_owned()],
            &returns,
            shown,
        );
        assert_eq!(js["../slug"].through_argument(Some(0), None), sql);
    }

    #[test]
    fn modules_calling_each_other_end_when_nothing_new_arrives() {
        let m = map(&["app/h.py", "app/a.py", "app/b.py"]);
        let py = Language::Python;
        let outgoing = vec![
            (
                PathBuf::from("app/h.py"),
                py,
                vec![call("app.a.fa", None, 0b1)],
            ),
            (
                PathBuf::from("app/a.py"),
                py,
                vec![call("app.b.fb", Some(("fa", "x")), 0b11)],
            ),
            (
                PathBuf::from("app/b.py"),
                py,
                vec![call("app.a.fa", Some(("fb", "x")), 0b11)],
            ),
        ];
        let entries = m.external_entries(&outgoing);
        let a = &entries[Path::new("app/a.py")][&("fa".to_owned(), Argument::Position(0))];
        let b = &entries[Path::new("app/b.py")][&("fb".to_owned(), Argument::Position(0))];
        assert_eq!((a.sinks, b.sinks), (0b1, 0b1));
        // The first description stays: the cycle does not grow it.
        assert_eq!(a.what, "passed to `app.a.fa()` (app/h.py)");
    }

    #[test]
    fn import_uses_read_the_attributes_of_each_imported_name_in_one_pass() {
        let names = [
            ("services".to_owned(), "app.services".to_owned()),
            (
                "get_params".to_owned(),
                "app.services.get_params".to_owned(),
            ),
            ("os.path".to_owned(), "os.path".to_owned()),
            ("$db".to_owned(), "./db".to_owned()),
        ];
        let text = "x = services.get_params()\ny = my_services.other()\nz = services.clean(services.get_params)\nos.path.join(a)\n$db.query(q)\nservices.\n";
        let uses = import_uses(&names, text);
        let of = |q: &str| {
            uses.iter()
                .find(|(n, _)| n == q)
                .map(|(_, a)| a.clone())
                .unwrap()
        };
        assert_eq!(of("app.services"), ["clean", "get_params"]);
        assert!(of("app.services.get_params").is_empty());
        assert_eq!(of("os.path"), ["join"]);
        assert_eq!(of("./db"), ["query"]);
        // The same as looking for each name apart.
        for (local, q) in &names {
            let mut apart: Vec<String> = attributes(text, local).map(str::to_owned).collect();
            apart.sort();
            apart.dedup();
            assert_eq!(of(q), apart, "{local}");
        }
    }

    fn map(files: &[&str]) -> ModuleMap {
        ModuleMap::new(
            files
                .iter()
                .map(|f| (Path::new(*f), Language::from_path(Path::new(f)).unwrap())),
        )
    }

    #[test]
    fn python_modules_absolute_relative_and_packages() {
        let m = map(&[
            "proj/app/routes/notes.py",
            "proj/app/services/storage.py",
            "proj/app/services/__init__.py",
            "other/app/services/storage.py",
        ]);
        let from = Path::new("proj/app/routes/notes.py");
        let py = Language::Python;
        assert_eq!(
            m.target(from, py, "app.services.storage.save"),
            Some((PathBuf::from("proj/app/services/storage.py"), "save".into()))
        );
        assert_eq!(
            m.target(from, py, "..services.storage.save"),
            Some((PathBuf::from("proj/app/services/storage.py"), "save".into()))
        );
        assert_eq!(
            m.target(from, py, "app.services.helper"),
            Some((
                PathBuf::from("proj/app/services/__init__.py"),
                "helper".into()
            ))
        );
        assert_eq!(m.target(from, py, "requests.get"), None);
    }

    #[test]
    fn files_come_and_go() {
        let mut m = map(&["proj/app/routes/notes.py"]);
        let from = Path::new("proj/app/routes/notes.py");
        let py = Language::Python;
        assert_eq!(m.target(from, py, "app.services.storage.save"), None);
        assert!(m.insert(Path::new("proj/app/services/storage.py"), py));
        assert!(!m.insert(Path::new("proj/app/services/storage.py"), py));
        assert_eq!(
            m.target(from, py, "app.services.storage.save"),
            Some((PathBuf::from("proj/app/services/storage.py"), "save".into()))
        );
        assert!(m.remove(Path::new("proj/./app/services/storage.py")));
        assert_eq!(m.target(from, py, "app.services.storage.save"), None);
        assert!(!m.contains(Path::new("proj/app/services/storage.py")));
        assert!(m.python.values().all(|v| !v.is_empty()));
    }

    #[test]
    fn javascript_relative_modules() {
        let m = map(&[
            "src/routes/posts.js",
            "src/services/posts.js",
            "src/db/index.ts",
        ]);
        let from = Path::new("src/routes/posts.js");
        let js = Language::JavaScript;
        assert_eq!(
            m.target(from, js, "../services/posts.list"),
            Some((PathBuf::from("src/services/posts.js"), "list".into()))
        );
        assert_eq!(
            m.target(from, js, "../services/posts.js.list"),
            Some((PathBuf::from("src/services/posts.js"), "list".into()))
        );
        assert_eq!(
            m.target(from, js, "../db.query"),
            Some((PathBuf::from("src/db/index.ts"), "query".into()))
        );
        assert_eq!(m.target(from, js, "express.Router"), None);
    }
}
