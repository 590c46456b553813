//! OSV results on disk (`<user cache dir>/backend-architect/osv.json`), so that a restart or a
//! second manifest does not ask again, and so that results survive going offline.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::osv::{Advisory, Query};

const FILE: &str = "osv.json";
/// Entries older than this are dropped when the file is written, whatever the TTL.
const KEEP_SECS: u64 = 30 * 24 * 3600;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    /// Seconds since the Unix epoch.
    fetched: u64,
    advisories: Vec<Advisory>,
}

#[derive(Debug, Default)]
pub struct OsvCache {
    path: Option<PathBuf>,
    entries: HashMap<String, Entry>,
    dirty: bool,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn key(endpoint: &str, q: &Query) -> String {
    format!(
        "{endpoint}|{}|{}|{}",
        q.ecosystem.osv_name(),
        q.ecosystem.normalise(&q.name),
        q.version
    )
}

impl OsvCache {
    /// The cache in `dir` (created when first written); `None` keeps it in memory only.
    /// An unreadable or corrupt file is logged and treated as empty.
    pub fn open(dir: Option<&Path>) -> Self {
        let path = dir.map(|d| d.join(FILE));
        let entries = match path.as_ref().map(std::fs::read_to_string) {
            Some(Ok(text)) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!("ignoring the corrupt OSV cache: {e}");
                HashMap::new()
            }),
            _ => HashMap::new(),
        };
        Self {
            path,
            entries,
            dirty: false,
        }
    }

    /// The cached advisories if fetched within `ttl_hours`.
    pub fn fresh(&self, endpoint: &str, q: &Query, ttl_hours: u64) -> Option<&[Advisory]> {
        let e = self.entries.get(&key(endpoint, q))?;
        (now().saturating_sub(e.fetched) < ttl_hours * 3600).then_some(e.advisories.as_slice())
    }

    /// The cached advisories however old, with when they were fetched.
    pub fn stale(&self, endpoint: &str, q: &Query) -> Option<(&[Advisory], u64)> {
        let e = self.entries.get(&key(endpoint, q))?;
        Some((e.advisories.as_slice(), e.fetched))
    }

    pub fn put(&mut self, endpoint: &str, q: &Query, advisories: Vec<Advisory>) {
        self.entries.insert(
            key(endpoint, q),
            Entry {
                fetched: now(),
                advisories,
            },
        );
        self.dirty = true;
    }

    /// Writes the file (atomically) if anything changed.
    pub fn save(&mut self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if !self.dirty {
            return Ok(());
        }
        let cutoff = now().saturating_sub(KEEP_SECS);
        self.entries.retain(|_, e| e.fetched >= cutoff);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(&self.entries)?)?;
        std::fs::rename(&tmp, path)?;
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifests::Ecosystem;

    #[test]
    fn round_trips_and_expires() {
        let dir = tempfile::tempdir().unwrap();
        let q = Query {
            ecosystem: Ecosystem::PyPI,
            name: "PyYAML".into(),
            version: "5.3".into(),
        };
        let mut c = OsvCache::open(Some(dir.path()));
        assert!(c.fresh("e", &q, 24).is_none());
        c.put("e", &q, Vec::new());
        c.save().unwrap();
        let c = OsvCache::open(Some(dir.path()));
        assert!(c.fresh("e", &q, 24).is_some());
        assert!(
            c.fresh("e", &q, 0).is_none(),
            "a TTL of 0 never trusts the cache"
        );
        assert!(c.stale("e", &q).is_some());
        assert!(c.fresh("other-endpoint", &q, 24).is_none());
        std::fs::write(dir.path().join(FILE), "garbage").unwrap();
        assert!(OsvCache::open(Some(dir.path())).stale("e", &q).is_none());
    }
}
