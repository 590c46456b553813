//! Facts about the project a file belongs to that rules need and the file cannot tell: for
//! JavaScript, the Express major version from the nearest `package.json`.
//!
//! Lookups are cached: the nearest `package.json` per directory (found once), and the facts
//! per `package.json` (re-read only when its modification time changes, one `stat` per
//! analysis). The engine hashes the facts into the item cache's context, so a changed
//! `package.json` re-runs the rules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

/// What a Node project's `package.json` says about its server framework.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeProject {
    /// Whether a `package.json` was found above the file.
    pub found: bool,
    /// The major version of `express` in `dependencies` (or `devDependencies`), when the range
    /// names one (`^4.18.2` → 4, `5.0.0-beta.1` → 5, `latest` → none).
    pub express_major: Option<u64>,
    /// `express-async-errors` (or `@awaitjs/express`) is a dependency: it forwards rejected
    /// promises of Express 4 handlers to the error middleware.
    pub async_errors_patched: bool,
    /// A MongoDB driver or ODM is a dependency (`mongoose`, `mongodb`, `monk`, `mongojs`,
    /// `@typegoose/typegoose`, `@nestjs/mongoose`): only then can a `findOne({...})` filter
    /// carry query operators.
    pub mongo: bool,
}

/// Packages that talk to MongoDB.
pub const MONGO_PACKAGES: &[&str] = &[
    "mongoose",
    "mongodb",
    "monk",
    "mongojs",
    "mongoist",
    "@typegoose/typegoose",
    "@nestjs/mongoose",
    "mongorito",
    "mongodb-memory-server",
];

/// `package.json` → (modification time and length when read, facts).
type FactsCache = HashMap<PathBuf, (Option<(SystemTime, u64)>, NodeProject)>;

fn nearest_cache() -> &'static Mutex<HashMap<PathBuf, Option<PathBuf>>> {
    static CELL: OnceLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> = OnceLock::new();
    CELL.get_or_init(Default::default)
}

fn facts_cache() -> &'static Mutex<FactsCache> {
    static CELL: OnceLock<Mutex<FactsCache>> = OnceLock::new();
    CELL.get_or_init(Default::default)
}

/// A file path from what the engine was given: a path, or a `file://` URI from an editor.
pub fn file_path(path_or_uri: &str) -> Option<PathBuf> {
    match path_or_uri.strip_prefix("file://") {
        Some(rest) => {
            // `file:///home/x` → `/home/x`; percent-decoding bytes (spaces, non-ASCII).
            let bytes = rest.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    if let Ok(b) = u8::from_str_radix(
                        std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                        16,
                    ) {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            let decoded = String::from_utf8(out).ok()?;
            // `file:///C:/x` on Windows.
            let trimmed = match decoded.as_bytes() {
                [b'/', _, b':', ..] => decoded[1..].to_owned(),
                _ => decoded,
            };
            Some(PathBuf::from(trimmed))
        }
        None if path_or_uri.contains("://") => None,
        None => Some(PathBuf::from(path_or_uri)),
    }
}

fn nearest_package_json(dir: &Path) -> Option<PathBuf> {
    if let Some(hit) = nearest_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(dir).cloned())
    {
        return hit;
    }
    let candidate = dir.join("package.json");
    let found = if candidate.is_file() {
        Some(candidate)
    } else {
        // Stop at the top of a repository: a package.json above it belongs to something else.
        match dir.parent() {
            Some(parent) if !dir.join(".git").exists() && !parent.as_os_str().is_empty() => {
                nearest_package_json(parent)
            }
            _ => None,
        }
    };
    if let Ok(mut c) = nearest_cache().lock() {
        c.insert(dir.to_owned(), found.clone());
    }
    found
}

/// `^4.18.2`, `~5.0.0`, `>=4 <6`, `4.x`, `5.0.0-beta.1` → the first major version named.
pub fn major_of(range: &str) -> Option<u64> {
    let start = range.find(|c: char| c.is_ascii_digit())?;
    // `npm:express@5` aliases and `workspace:*` still name it first; a URL or tag does not.
    if range.contains("://") || range.contains('/') {
        return None;
    }
    let digits: String = range[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn parse_package(text: &str) -> NodeProject {
    let mut facts = NodeProject {
        found: true,
        ..Default::default()
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        // A broken package.json tells nothing; the rules assume the defaults.
        return facts;
    };
    for table in ["dependencies", "devDependencies", "peerDependencies"] {
        let Some(deps) = json.get(table).and_then(|d| d.as_object()) else {
            continue;
        };
        if facts.express_major.is_none() {
            facts.express_major = deps
                .get("express")
                .and_then(|v| v.as_str())
                .and_then(major_of);
        }
        facts.async_errors_patched |=
            deps.contains_key("express-async-errors") || deps.contains_key("@awaitjs/express");
        facts.mongo |= MONGO_PACKAGES.iter().any(|p| deps.contains_key(*p));
    }
    facts
}

/// The Node project facts for the file at `path_or_uri` (defaults when there is no
/// `package.json` above it or it cannot be read).
pub fn node_project(path_or_uri: &str) -> NodeProject {
    let Some(file) = file_path(path_or_uri) else {
        return NodeProject::default();
    };
    let Some(dir) = file.parent() else {
        return NodeProject::default();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Some(package) = nearest_package_json(dir) else {
        return NodeProject::default();
    };
    let mtime = std::fs::metadata(&package)
        .ok()
        .and_then(|m| Some((m.modified().ok()?, m.len())));
    if let Some((cached_mtime, facts)) = facts_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&package).cloned())
    {
        if cached_mtime == mtime {
            return facts;
        }
    }
    let facts = match std::fs::read_to_string(&package) {
        Ok(text) => parse_package(&text),
        Err(e) => {
            tracing::warn!(file = %package.display(), "cannot read package.json: {e}");
            NodeProject::default()
        }
    };
    if let Ok(mut c) = facts_cache().lock() {
        c.insert(package, (mtime, facts.clone()));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors() {
        assert_eq!(major_of("^4.18.2"), Some(4));
        assert_eq!(major_of("~5.0.0"), Some(5));
        assert_eq!(major_of(">=4 <6"), Some(4));
        assert_eq!(major_of("5.0.0-beta.1"), Some(5));
        assert_eq!(major_of("latest"), None);
        assert_eq!(major_of("github:expressjs/express"), None);
    }

    #[test]
    fn uris() {
        assert_eq!(
            file_path("file:///home/u/my%20app/index.js"),
            Some(PathBuf::from("/home/u/my app/index.js"))
        );
        assert_eq!(file_path("src/a.js"), Some(PathBuf::from("src/a.js")));
        assert_eq!(file_path("untitled://x"), None);
    }

    #[test]
    fn reads_the_nearest_package_json_and_notices_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let app = dir.path().join("src/routes");
        std::fs::create_dir_all(&app).unwrap();
        let file = app.join("users.js");
        let file = file.to_str().unwrap();
        assert_eq!(node_project(file), NodeProject::default());
        let package = dir.path().join("package.json");
        std::fs::write(&package, r#"{"dependencies": {"express": "^5.1.0"}}"#).unwrap();
        // The directory lookup was cached as "none"; a new process (or server restart) sees
        // the file. A changed file is seen at once.
        nearest_cache().lock().unwrap().clear();
        assert_eq!(node_project(file).express_major, Some(5));
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(
            &package,
            r#"{"dependencies": {"express": "4.21.0", "express-async-errors": "^3"}}"#,
        )
        .unwrap();
        let facts = node_project(&format!("file://{file}"));
        assert_eq!(facts.express_major, Some(4));
        assert!(facts.async_errors_patched);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&package, "{ not json").unwrap();
        let broken = node_project(file);
        assert!(broken.found && broken.express_major.is_none());
    }
}
