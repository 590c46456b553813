//! The one store of open documents: source files (parsed and analysed) and dependency
//! manifests (text only, checked by the advisor), edited by one path (`Document::apply_changes`)
//! and read by every consumer.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use ba_config::Settings;
use ba_engine::{self as engine, ItemCache};
use ba_rules::Finding;
use ba_syntax::Document;
use tower_lsp_server::ls_types;

pub struct DocEntry {
    pub doc: Document,
    pub path: Option<PathBuf>,
    pub cache: ItemCache,
    /// Findings for `findings_version` of the document.
    pub findings: Vec<Finding>,
    pub findings_version: Option<i32>,
    pub settings: Arc<Settings>,
    pub logged_too_large: bool,
    /// Where the deepest code starts when the last analysis was partial (a walk over the tree
    /// gave up at the depth bound), for a diagnostic that says so.
    pub partial: Option<usize>,
    /// The newest re-publication (`workspace::republish`) sent for this document: one computed
    /// earlier, against an older index, is not sent after it.
    pub republished: u64,
}

/// Numbers the re-publications of documents, in the order their findings were computed.
pub static REPUBLICATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl DocEntry {
    /// The language it is analysed as; `None` for a dependency manifest (text only).
    pub fn language(&self) -> Option<ba_syntax::Language> {
        self.doc.language()
    }

    /// Brings `findings` up to date with the document (reparsing incrementally).
    pub fn analyze(&mut self, uri: &str) {
        let version = self.doc.version();
        if self.findings_version == Some(version) {
            return;
        }
        let excluded = self
            .path
            .as_ref()
            .is_some_and(|p| self.settings.is_excluded(p));
        if self.doc.is_too_large() {
            if !self.logged_too_large {
                tracing::warn!(
                    "{uri}: not analysed, {} bytes is over the size limit",
                    self.doc.text().len()
                );
                self.logged_too_large = true;
            }
            self.findings.clear();
        } else if excluded {
            self.findings.clear();
        } else if let Some(language) = self.doc.language() {
            self.logged_too_large = false;
            // Classes and rules judge the path inside the project, as `check` does.
            self.cache.project_path = self
                .path
                .as_deref()
                .and_then(ba_app::classify::project_path);
            let settings = self.settings.clone();
            let DocEntry { doc, cache, .. } = self;
            let mut partial = None;
            let findings = match doc.tree().cloned() {
                Some(tree) => {
                    let findings = engine::analyze(
                        uri,
                        language,
                        doc.text(),
                        &tree,
                        &settings.rules,
                        Some(cache),
                    );
                    if cache.partial {
                        partial = Some(ba_syntax::depth::deepest(tree.root_node()).1.start_byte());
                    }
                    findings
                }
                None => Vec::new(),
            };
            self.findings = findings;
            self.partial = partial;
            self.findings_version = Some(version);
            return;
        } else {
            self.findings.clear(); // A manifest: the advisor checks it.
        }
        self.partial = None;
        self.findings_version = Some(version);
    }

    /// Diagnostics about the analysis itself (it was partial), published after the findings.
    pub fn notices(&self, enc: ba_syntax::PositionEncoding) -> Vec<ls_types::Diagnostic> {
        self.partial
            .map(|at| super::convert::partial_diagnostic(self.doc.rope(), at, enc))
            .into_iter()
            .collect()
    }
}

pub type Shared = Arc<Mutex<DocEntry>>;

/// Locks a mutex even if a panic poisoned it: the document state is replaced whole by each
/// edit, so the data is still consistent.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
pub struct Documents {
    map: Mutex<HashMap<String, Shared>>,
}

impl Documents {
    pub fn get(&self, uri: &str) -> Option<Shared> {
        lock(&self.map).get(uri).cloned()
    }

    pub fn insert(&self, uri: String, entry: DocEntry) -> Shared {
        let shared = Arc::new(Mutex::new(entry));
        lock(&self.map).insert(uri, shared.clone());
        shared
    }

    pub fn remove(&self, uri: &str) {
        lock(&self.map).remove(uri);
    }

    pub fn all(&self) -> Vec<(String, Shared)> {
        lock(&self.map)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}
