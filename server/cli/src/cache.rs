//! The results cache of `check`: per file, the findings for a content hash, rule set and tool
//! version, so a second run over an unchanged tree re-analyses nothing (like Ruff's cache).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use ba_rules::{self as rules, Applicability, Edit, Finding, Fix, Related, RelatedKind, Severity};

pub const DIR: &str = ".backend-architect-cache";
const FILE: &str = "results-v1.json";

/// The environment variable that moves the cache (as `--cache-dir` does).
pub const ENV: &str = "BACKEND_ARCHITECT_CACHE_DIR";

/// Where the cache lives: `--cache-dir` or `$BACKEND_ARCHITECT_CACHE_DIR` if given, else
/// `.backend-architect-cache` at the project root of the first checked path: the nearest
/// directory at or above it with a configuration file (`backend-architect.toml`, a
/// `pyproject.toml` with the tool's table) or a `.git`, so runs from any folder of a project
/// share one cache. Without either, the current directory.
pub fn locate(explicit: Option<&Path>, paths: &[PathBuf]) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let start = paths
        .first()
        .and_then(|p| std::path::absolute(p).ok())
        .map(|p| {
            if p.is_dir() {
                p
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or(p)
            }
        });
    project_root(start.as_deref()).join(DIR)
}

/// The project root above `start` (see `locate`), or `.`.
fn project_root(start: Option<&Path>) -> PathBuf {
    let mut current = start;
    while let Some(dir) = current {
        if dir.join(".git").exists() || ba_config::discover_here(dir) {
            return dir.to_path_buf();
        }
        current = dir.parent();
    }
    PathBuf::from(".")
}

/// Creates the cache directory with a `.gitignore` (so it is never committed) and a
/// `CACHEDIR.TAG` (so backup tools skip it: https://bford.info/cachedir/).
fn prepare(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        let _ = std::fs::write(gitignore, "# Created by backend-architect.\n*\n");
    }
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        let _ = std::fs::write(
            tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n\
             # This file is a cache directory tag created by backend-architect.\n\
             # For information about cache directory tags see https://bford.info/cachedir/\n",
        );
    }
    Ok(())
}

#[derive(Serialize, Deserialize, Clone)]
struct CachedFix {
    title: String,
    safe: bool,
    edits: Vec<(usize, usize, String)>,
}

#[derive(Serialize, Deserialize, Clone)]
struct CachedFinding {
    code: String,
    start: usize,
    end: usize,
    message: String,
    severity: String,
    fix: Option<CachedFix>,
    /// (start, end, message, kind: `RelatedKind::name`).
    related: Vec<(usize, usize, String, String)>,
    /// An audit finding (`Finding::audit`).
    #[serde(default)]
    audit: bool,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    content: u64,
    rules: u64,
    findings: Vec<CachedFinding>,
}

#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    version: String,
    entries: HashMap<String, Entry>,
}

pub struct Cache {
    path: PathBuf,
    old: HashMap<String, Entry>,
    new: Mutex<HashMap<String, Entry>>,
    hits: std::sync::atomic::AtomicUsize,
}

/// The tool's identity for the cache: its version, plus the size and modification time of the
/// running binary, so a rebuilt development binary never reads results of the old one.
fn tool_identity() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok());
    let stamp = exe
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("{}-{}", m.len(), mtime.map_or(0, |d| d.as_nanos()))
        })
        .unwrap_or_default();
    format!("{}+{stamp}", env!("CARGO_PKG_VERSION"))
}

pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    bytes.len().hash(&mut h);
    h.finish()
}

fn to_cached(f: &Finding) -> CachedFinding {
    CachedFinding {
        code: f.rule.code.to_owned(),
        start: f.range.start,
        end: f.range.end,
        message: f.message.clone(),
        severity: f.severity.name().to_owned(),
        fix: f.fix.as_ref().map(|fix| CachedFix {
            title: fix.title.clone(),
            safe: fix.applicability == Applicability::Safe,
            edits: fix
                .edits
                .iter()
                .map(|e| (e.range.start, e.range.end, e.content.clone()))
                .collect(),
        }),
        related: f
            .related
            .iter()
            .map(|r| {
                (
                    r.range.start,
                    r.range.end,
                    r.message.clone(),
                    r.kind.name().to_owned(),
                )
            })
            .collect(),
        audit: f.audit,
    }
}

fn from_cached(c: &CachedFinding) -> Option<Finding> {
    Some(Finding {
        rule: rules::by_code(&c.code)?,
        range: c.start..c.end,
        message: c.message.clone(),
        severity: Severity::parse(&c.severity)?,
        fix: c.fix.as_ref().map(|fix| Fix {
            title: fix.title.clone(),
            applicability: if fix.safe {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            },
            edits: fix
                .edits
                .iter()
                .map(|(s, e, t)| Edit {
                    range: *s..*e,
                    content: t.clone(),
                })
                .collect(),
            imports: Vec::new(),
        }),
        related: c
            .related
            .iter()
            .map(|(s, e, m, k)| Related {
                range: *s..*e,
                message: m.clone(),
                kind: RelatedKind::parse(k),
            })
            .collect(),
        audit: c.audit,
    })
}

impl Cache {
    /// Opens the cache in `dir` (see `locate`); a missing, stale or unreadable cache is simply
    /// empty.
    pub fn open(dir: &Path) -> Self {
        let path = dir.join(FILE);
        let old = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<CacheFile>(&b).ok())
            .filter(|c| c.version == tool_identity())
            .map(|c| c.entries)
            .unwrap_or_default();
        Self {
            path,
            old,
            new: Mutex::new(HashMap::new()),
            hits: Default::default(),
        }
    }

    pub fn get(&self, file: &str, content: u64, rules: u64) -> Option<Vec<Finding>> {
        let entry = self
            .old
            .get(file)
            .filter(|e| e.content == content && e.rules == rules)?;
        let findings = entry
            .findings
            .iter()
            .map(from_cached)
            .collect::<Option<Vec<_>>>()?;
        self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.new
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(file.to_owned(), entry.clone());
        Some(findings)
    }

    pub fn put(&self, file: &str, content: u64, rules: u64, findings: &[Finding]) {
        let entry = Entry {
            content,
            rules,
            findings: findings.iter().map(to_cached).collect(),
        };
        self.new
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(file.to_owned(), entry);
    }

    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes the entries seen in this run (others are dropped), atomically.
    pub fn save(self) -> Result<(), String> {
        let entries = self.new.into_inner().unwrap_or_else(|e| e.into_inner());
        let dir = self.path.parent().expect("cache file has a directory");
        prepare(dir)?;
        let file = CacheFile {
            version: tool_identity(),
            entries,
        };
        let bytes = serde_json::to_vec(&file).map_err(|e| e.to_string())?;
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// Where the cross-file findings of the last run are kept.
pub const CROSS_FILE: &str = "cross-v1.json";
/// Where the last run's cross-module taint results are kept: the findings of the files
/// analysed again with what other modules pass them and return.
pub const MODULES_FILE: &str = "modules-v1.json";

/// The cross-file findings of the last run, under a key that covers every checked file.
#[derive(Serialize, Deserialize)]
struct CrossCache {
    version: String,
    key: u64,
    files: Vec<(PathBuf, Vec<CachedFinding>)>,
}

/// The key of a cross-file result: every checked file's path, content and rule set (a
/// cross-file finding in one file may depend on any other).
pub fn cross_key<'a>(files: impl Iterator<Item = (&'a Path, u64)>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut all: Vec<(&Path, u64, u64)> = files
        .map(|(p, rules)| {
            let content = std::fs::read(p).map_or(0, |b| content_hash(&b));
            (p, content, rules)
        })
        .collect();
    all.sort();
    all.hash(&mut h);
    tool_identity().hash(&mut h);
    h.finish()
}

/// The findings stored in `file` under `key` in the cache `dir` (`CROSS_FILE`,
/// `MODULES_FILE`), if the last run had the same key.
pub fn load_cross(dir: &Path, file: &str, key: u64) -> Option<Vec<(PathBuf, Vec<Finding>)>> {
    let bytes = std::fs::read(dir.join(file)).ok()?;
    let cached: CrossCache = serde_json::from_slice(&bytes).ok()?;
    if cached.key != key || cached.version != tool_identity() {
        return None;
    }
    cached
        .files
        .iter()
        .map(|(p, fs)| {
            Some((
                p.clone(),
                fs.iter().map(from_cached).collect::<Option<_>>()?,
            ))
        })
        .collect()
}

/// Stores findings in `file` under `key` (best effort: a failure only costs the next run).
pub fn store_cross(dir: &Path, file: &str, key: u64, files: &[(PathBuf, &[Finding])]) {
    let cached = CrossCache {
        version: tool_identity(),
        key,
        files: files
            .iter()
            .map(|(p, fs)| (p.clone(), fs.iter().map(to_cached).collect()))
            .collect(),
    };
    if prepare(dir).is_err() {
        return;
    }
    if let Ok(bytes) = serde_json::to_vec(&cached) {
        let tmp = dir.join(format!("{file}.tmp"));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, dir.join(file));
        }
    }
}
