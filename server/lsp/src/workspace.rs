//! The workspace index in the server: startup indexing of the workspace folders (gitignore-aware,
//! `exclude` honoured, in parallel, with `$/progress`), source files changed on disk brought in
//! as the client reports them (`workspace/didChangeWatchedFiles`), open documents overriding
//! disk contents, facts refreshed on every analysis, and cross-file findings re-published on
//! the other open files they touch.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use ls_types::*;
use tower_lsp_server::{ls_types, Client};

use super::convert;
use super::cross_module::{self, CrossModule, FileCalls};
use super::session::{uri_path, Session};
use super::state::{lock, DocEntry};
use ba_app::{self as app, WorkspaceIndex};
use ba_rules::crossfile::CrossFindings;
use ba_rules::Finding;
use ba_syntax::Language;

/// What the index needs of the server: the session, and the index itself.
pub trait Host: Session {
    fn workspace(&self) -> &Workspace;
}

impl<T: Host> Host for Arc<T> {
    fn workspace(&self) -> &Workspace {
        (**self).workspace()
    }
}

#[derive(Default)]
pub struct Workspace {
    pub index: Mutex<WorkspaceIndex>,
    cross: Mutex<Arc<CrossFindings>>,
    /// Request data handlers pass to other modules' functions (see `cross_module.rs`).
    xmod: Mutex<CrossModule>,
    /// Per open document: facts of its top-level items, so a keystroke re-extracts one item.
    facts: Mutex<std::collections::HashMap<String, app::FactsCache>>,
    roots: Mutex<Vec<PathBuf>>,
    progress_support: AtomicBool,
    /// The client takes `workspace/codeLens/refresh`: code lenses read the index.
    lens_refresh: AtomicBool,
    /// Disk work waiting for the index (see `disk_changed` and `index_workspace`).
    pending: Mutex<Pending>,
    /// The first walk of the workspace is done (or there is nothing to walk): requests that
    /// answer from the whole index (`workspace/symbol`) wait for it.
    ready: AtomicBool,
    ready_changed: tokio::sync::Notify,
}

/// Reads of the disk the index waits for. One task at a time does them, in order, so a read
/// never lands after a newer one.
#[derive(Default)]
struct Pending {
    /// Source files reported created, changed or deleted.
    paths: HashSet<PathBuf>,
    /// Walk and read the whole workspace (startup; settings or ignore files changed).
    rescan: bool,
    /// A task is draining this.
    running: bool,
}

/// The source files the client is asked to watch: every extension `Language::from_path` knows.
pub const SOURCE_GLOB: &str = "**/*.{py,pyi,js,mjs,cjs,jsx,ts,mts,cts,tsx}";
/// Ignore files that change what the workspace walk lists.
pub const IGNORE_GLOB: &str = "**/.gitignore";

/// The index key of a document: its file path when it has one, else its URI.
pub fn key_of(uri: &str, path: Option<&PathBuf>) -> String {
    match path {
        Some(p) => p.to_string_lossy().into_owned(),
        None => uri.to_owned(),
    }
}

/// The first workspace folder as a path, or the root of clients that send only `rootUri`: where
/// generated project files and review output go.
pub fn first_root(params: &InitializeParams) -> Option<PathBuf> {
    #[allow(deprecated)] // `root_uri` is what older clients send.
    params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or_else(|| params.root_uri.clone())
        .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
}

/// A URI for an index key.
pub fn uri_of(key: &str) -> Option<Uri> {
    if key.contains("://") {
        return key.parse().ok();
    }
    Uri::from_file_path(Path::new(key))
}

impl Workspace {
    /// Remembers the workspace folders (or the root) to index once initialised.
    pub fn configure(&self, params: &InitializeParams) {
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            if let Some(p) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
                roots.push(p.into_owned());
            }
        }
        if roots.is_empty() {
            self.set_ready();
        }
        lock(&self.xmod).set_roots(roots.clone());
        // Files are classified as `check` run on each folder classifies them.
        app::classify::judge_from(&roots);
        *lock(&self.roots) = roots;
        let progress = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        self.progress_support.store(progress, Ordering::Relaxed);
        let lenses = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        self.lens_refresh.store(lenses, Ordering::Relaxed);
    }

    /// Recomputes the cross-file findings if the route table changed; returns the keys of the
    /// files whose cross-file findings differ from before.
    fn recompute(&self, index: &mut WorkspaceIndex) -> Vec<Arc<str>> {
        let before = index.generation();
        let _ = index.resolved();
        if index.generation() == before {
            return Vec::new();
        }
        let next = CrossFindings::compute(index);
        let mut cross = lock(&self.cross);
        let changed = cross.changed_files(&next);
        *cross = Arc::new(next);
        changed
    }

    pub fn cross(&self) -> Arc<CrossFindings> {
        lock(&self.cross).clone()
    }

    /// The workspace folders (what `map` shows paths relative to).
    pub fn roots(&self) -> Vec<PathBuf> {
        lock(&self.roots).clone()
    }

    fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
        self.ready_changed.notify_waiters();
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Returns once the workspace has been indexed from disk (at once if it has).
    pub async fn wait_ready(&self) {
        loop {
            let changed = self.ready_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.is_ready() {
                return;
            }
            changed.await;
        }
    }
}

/// Brings the document's facts into the index (after `entry.analyze`), and returns its
/// findings with its cross-file findings, plus the keys of other files whose cross-file
/// findings changed. Runs on a blocking thread.
pub(super) fn refresh(
    inner: &impl Host,
    uri: &str,
    entry: &mut DocEntry,
) -> (Vec<Finding>, Vec<Arc<str>>) {
    let key = key_of(uri, entry.path.as_ref());
    let Some(language) = entry.language() else {
        return (entry.findings.clone(), Vec::new()); // A manifest: not part of the index.
    };
    let ws = inner.workspace();
    // An excluded file is not part of the application, as in `check`: its routes do not count.
    let excluded = entry
        .path
        .as_ref()
        .is_some_and(|p| entry.settings.is_excluded(p));
    // Computed before taking the index lock (the text's own model is reused: cheap).
    let calls = cross_module::of_document(entry);
    // Its return summaries, for what other files asked of it at the last recompute.
    let demands = entry
        .path
        .as_ref()
        .map(|path| lock(&ws.xmod).demands_for(path))
        .unwrap_or_default();
    let module = cross_module::module_of_document(entry, &demands);
    let changed = {
        let facts = if entry.doc.is_too_large() || excluded {
            Default::default()
        } else {
            let mut cache = lock(&ws.facts).remove(&key).unwrap_or_default();
            let facts = match entry.doc.tree().cloned() {
                Some(tree) => {
                    app::extract_cached(language, &tree, entry.doc.text(), &key, &mut cache)
                }
                None => Default::default(),
            };
            lock(&ws.facts).insert(key.clone(), cache);
            facts
        };
        let mut index = lock(&ws.index);
        index.update(&key, &key, language, facts);
        let mut changed = ws.recompute(&mut index);
        if let Some(path) = &entry.path {
            let mut xmod = lock(&ws.xmod);
            xmod.add_file(path, language);
            xmod.set_calls(&key, path, language, calls);
            match module {
                Some(module) => xmod.set_module(&key, path, language, module),
                None => xmod.remove_module(&key),
            }
            changed.extend(xmod.recompute());
        }
        changed
    };
    let findings = own_and_cross(inner, &key, entry);
    // The document itself is analysed again when what its imports return changed (an
    // import added or removed in this edit).
    let own = entry.path.as_ref().is_some_and(|path| {
        let xmod = lock(&ws.xmod);
        xmod.imported_for(path) != entry.cache.imported || xmod.dtos_for(path) != entry.cache.dtos
    });
    let others = changed.into_iter().filter(|k| own || **k != *key).collect();
    (findings, others)
}

/// What `publish_with_cross` did.
pub(super) enum Published {
    /// Published with current cross-file findings; these other files' cross-file findings
    /// changed.
    Done(Vec<Arc<str>>),
    /// The document has no cross-file findings: published at once, and its facts are left for
    /// `refresh_and_publish` once typing pauses (`REFRESH_AFTER_QUIET`).
    RefreshLater,
}

/// How long a document without cross-file findings must go without an edit before its facts
/// (the application model, the cross-module summaries) are refreshed. A keystroke's refresh
/// holds the document's lock for as long as it takes (a few milliseconds on a 2,000-function
/// module), and the next keystroke's edit waited for it; typed faster than this, only the last
/// keystroke refreshes.
pub(super) const REFRESH_AFTER_QUIET: std::time::Duration = std::time::Duration::from_millis(25);

/// Publishes the analysed document's findings with its cross-file findings. A file that has
/// cross-file findings is refreshed first (its facts, then its findings with the other files'
/// current ones) and published once; one that has none is published at once and its refresh
/// left to the caller (`Published::RefreshLater`, then `refresh_and_publish`), so the
/// application model adds nothing to a keystroke's latency there, unless it was never
/// refreshed (then it refreshes at once and publishes again if that gave it some).
pub(super) fn publish_with_cross(
    inner: &impl Host,
    uri: &str,
    entry: &mut DocEntry,
    mut publish: impl FnMut(&DocEntry, &[Finding]),
) -> Published {
    let key = key_of(uri, entry.path.as_ref());
    let ws = inner.workspace();
    if ws.cross().by_file.contains_key(&*key) {
        return Published::Done(refresh_and_publish(inner, uri, entry, publish, true));
    }
    publish(entry, &entry.findings);
    // A document's first refresh (just opened) is not left for later: until it runs, the
    // index does not know whether the file has cross-file findings, and the next edit would
    // publish without them.
    if lock(&ws.facts).contains_key(&*key) {
        return Published::RefreshLater;
    }
    Published::Done(refresh_and_publish(inner, uri, entry, publish, false))
}

/// Refreshes the document's facts and returns the other files whose cross-file findings
/// changed; publishes its findings again when `always` or when the refresh gave it cross-file
/// findings.
pub(super) fn refresh_and_publish(
    inner: &impl Host,
    uri: &str,
    entry: &mut DocEntry,
    mut publish: impl FnMut(&DocEntry, &[Finding]),
    always: bool,
) -> Vec<Arc<str>> {
    let (findings, others) = refresh(inner, uri, entry);
    if always || findings.len() != entry.findings.len() {
        publish(entry, &findings);
    }
    others
}

/// Gives the document the request data other files' handlers pass to its functions, and what
/// the functions of other modules it imports return; a change makes its findings stale.
pub(super) fn sync_external(inner: &impl Host, entry: &mut DocEntry) {
    let Some(path) = &entry.path else { return };
    let (external, imported, dtos) = {
        let xmod = lock(&inner.workspace().xmod);
        (
            xmod.external_for(path),
            xmod.imported_for(path),
            xmod.dtos_for(path),
        )
    };
    if entry.cache.external != external {
        entry.cache.external = external;
        entry.findings_version = None;
    }
    if entry.cache.imported != imported {
        entry.cache.imported = imported;
        entry.findings_version = None;
    }
    if entry.cache.dtos != dtos {
        entry.cache.dtos = dtos;
        entry.findings_version = None;
    }
}

/// `entry.analyze` with the document's entries from other files brought up to date first.
pub(super) fn analyze(inner: &impl Host, uri: &str, entry: &mut DocEntry) {
    sync_external(inner, entry);
    entry.analyze(uri);
}

/// The document's findings followed by its cross-file findings.
fn own_and_cross(inner: &impl Host, key: &str, entry: &mut DocEntry) -> Vec<Finding> {
    let mut findings = entry.findings.clone();
    let excluded = entry
        .path
        .as_ref()
        .is_some_and(|p| entry.settings.is_excluded(p));
    // A document over the size limit has no facts, so no cross-file findings: never parse it
    // here (a 2 MB file took seconds, holding its lock, and every later edit waited).
    if !excluded && !entry.doc.is_too_large() {
        let cross = inner.workspace().cross();
        let index = lock(&inner.workspace().index);
        let tree = entry.doc.tree().cloned();
        let rules = &entry.settings.rules;
        let cross = ba_engine::crossfile::findings_for(
            &cross,
            &index,
            key,
            rules,
            entry.doc.text(),
            tree.as_ref(),
        );
        if !cross.is_empty() {
            findings.extend(cross);
            findings.sort_by_key(|f| (f.range.start, f.rule.code));
        }
    }
    findings
}

/// Publishes again, with current cross-file findings, every open document among `keys`.
pub(super) fn republish(client: Client, inner: Arc<impl Host>, keys: Vec<Arc<str>>) {
    if keys.is_empty() {
        return;
    }
    tokio::spawn(async move {
        if inner.pulls_diagnostics() {
            // Pull clients ask again; the findings of other files changed.
            let _ = client.workspace_diagnostic_refresh().await;
            return;
        }
        for (uri, shared) in inner.docs().all() {
            let path = lock(&shared).path.clone();
            let key = key_of(&uri, path.as_ref());
            if !keys.iter().any(|k| **k == *key) {
                continue;
            }
            let job_inner = inner.clone();
            let job_shared = shared.clone();
            let job = tokio::task::spawn_blocking(move || {
                let mut entry = lock(&job_shared);
                analyze(&job_inner, &uri, &mut entry);
                let version = entry.doc.version();
                let findings = own_and_cross(&job_inner, &key, &mut entry);
                let enc = job_inner.encoding();
                let parsed = uri.parse::<Uri>().ok()?;
                let diags: Vec<Diagnostic> = findings
                    .iter()
                    .map(|f| convert::diagnostic(&parsed, entry.doc.rope(), f, enc))
                    .collect();
                // Computed under the document's lock: a later number saw a newer index.
                let number = crate::state::REPUBLICATIONS
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                    + 1;
                Some((parsed, diags, version, number))
            });
            if let Ok(Some((uri, diags, version, number))) = job.await {
                // Two re-publications of one document may finish out of order (one waited
                // longer to be sent): the findings computed last are the ones that stand.
                let send = {
                    let mut entry = lock(&shared);
                    let newest = entry.doc.version() == version && number > entry.republished;
                    if newest {
                        entry.republished = number;
                    }
                    newest
                };
                if send {
                    client.publish_diagnostics(uri, diags, Some(version)).await;
                }
            }
        }
    });
}

/// Indexes the workspace folders from disk in the background, then re-publishes open files
/// whose cross-file findings changed. Open documents keep their editor contents. Called at
/// startup, and again when the settings or an ignore file change what belongs to the
/// workspace: the index then drops what the walk no longer lists.
pub(super) fn index_workspace(client: Client, inner: Arc<impl Host>) {
    if lock(&inner.workspace().roots).is_empty() {
        return;
    }
    enqueue(client, inner, |p| p.rescan = true);
}

/// Indexing proper; returns when the index holds the workspace (or indexing failed).
async fn index_from_disk(client: &Client, inner: &Arc<impl Host>) {
    let roots = lock(&inner.workspace().roots).clone();
    let token = NumberOrString::String("backend-architect/indexing".to_owned());
    let progress = if inner.workspace().progress_support.load(Ordering::Relaxed) {
        let created = client
            .send_request::<request::WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                token: token.clone(),
            })
            .await;
        match created {
            Ok(()) => Some(
                client
                    .progress(token, "Indexing the application")
                    .with_percentage(0)
                    .begin()
                    .await,
            ),
            Err(e) => {
                tracing::debug!("no progress token: {e}");
                None
            }
        }
    } else {
        None
    };
    let started = std::time::Instant::now();
    let walk_inner = inner.clone();
    let walked = tokio::task::spawn_blocking(move || {
        let mut files = app::walk(&roots);
        files.retain(|p| !excluded(&walk_inner, p));
        files
    });
    let Ok(files) = walked.await else {
        tracing::error!("walking the workspace panicked");
        return;
    };
    let count = files.len();
    // Extract in a few chunks (each in parallel) to report progress between them.
    let chunks: Vec<Vec<PathBuf>> = files
        .chunks(count.div_ceil(10).max(1))
        .map(<[PathBuf]>::to_vec)
        .collect();
    let mut fresh = WorkspaceIndex::new();
    let mut fresh_calls = Vec::new();
    let mut done = 0;
    for chunk in chunks {
        let job_inner = inner.clone();
        let n = chunk.len();
        let job = tokio::task::spawn_blocking(move || {
            let open = open_keys(&job_inner);
            let is_open = |p: &Path| open.contains(&*p.to_string_lossy());
            let mut part = WorkspaceIndex::new();
            app::index_paths(&mut part, &chunk, &is_open);
            let calls = calls_of_files(&job_inner, &chunk, &is_open);
            (part, calls)
        });
        let Ok((part, calls)) = job.await else {
            tracing::error!("workspace indexing panicked");
            return;
        };
        for f in part.files() {
            fresh.update(&f.key, &f.path, f.language, f.facts.clone());
        }
        fresh_calls.extend(calls);
        done += n;
        if let Some(p) = &progress {
            p.report_with_message(
                format!("{done}/{count} files"),
                (done * 100 / count.max(1)) as u32,
            )
            .await;
        }
    }
    // Return summaries of the modules other files import, without the index lock.
    let mut calls = fresh_calls;
    let prefetched = tokio::task::spawn_blocking(move || {
        cross_module::prefetch(&mut calls);
        calls
    });
    let Ok(fresh_calls) = prefetched.await else {
        tracing::error!("summarising the workspace's modules panicked");
        return;
    };
    let changed = {
        let mut index = lock(&inner.workspace().index);
        let open = open_keys(inner);
        // Files no longer on disk, or no longer part of the workspace (a rescan).
        let gone: Vec<Arc<str>> = index
            .files()
            .filter(|f| !open.contains(&*f.key) && fresh.file(&f.key).is_none())
            .map(|f| f.key.clone())
            .collect();
        for key in gone {
            index.remove(&key);
        }
        for f in fresh.files() {
            // A document opened meanwhile is newer than the disk.
            if !open.contains(&*f.key) {
                index.update(&f.key, &f.path, f.language, f.facts.clone());
            }
        }
        let mut changed = inner.workspace().recompute(&mut index);
        let mut xmod = lock(&inner.workspace().xmod);
        xmod.reset_files(
            index
                .files()
                .filter(|f| !f.key.contains("://"))
                .map(|f| (Path::new(&*f.key), f.language)),
        );
        for (path, language, calls, module) in fresh_calls {
            let key = key_of("", Some(&path));
            if !open.contains(&key) {
                xmod.set_calls(&key, &path, language, calls);
                match module {
                    Some(module) => xmod.set_module(&key, &path, language, module),
                    None => xmod.remove_module(&key),
                }
            }
        }
        xmod.retain_known();
        changed.extend(xmod.recompute());
        changed
    };
    tracing::info!("indexed {count} files in {:?}", started.elapsed());
    if let Some(p) = progress {
        p.finish_with_message(format!("{count} files")).await;
    }
    refresh_lenses(client, inner);
    republish(client.clone(), inner.clone(), changed);
}

/// Asks the client to request code lenses again (their paths, auth and test counts come from
/// the index), if it can be asked.
fn refresh_lenses(client: &Client, inner: &impl Host) {
    if !inner.workspace().lens_refresh.load(Ordering::Relaxed) {
        return;
    }
    let client = client.clone();
    tokio::spawn(async move {
        if let Err(e) = client.code_lens_refresh().await {
            tracing::debug!("workspace/codeLens/refresh failed: {e}");
        }
    });
}

/// A document was closed: its facts go back to what the disk says (or away, for a file that
/// is not on disk), and the open files it affected are re-published.
pub(super) fn closed(client: Client, inner: Arc<impl Host>, uri: &Uri, path: Option<PathBuf>) {
    let key = key_of(uri.as_str(), path.as_ref());
    lock(&inner.workspace().facts).remove(&key);
    tokio::spawn(async move {
        let job_inner = inner.clone();
        let changed = tokio::task::spawn_blocking(move || {
            let on_disk = path
                .as_deref()
                .filter(|p| !excluded(&job_inner, p))
                .and_then(app::extract_file);
            let (calls, module) = match (&path, &on_disk) {
                (Some(p), Some(_)) => cross_module::of_file(p, &job_inner.settings_for(Some(p)).0),
                _ => (Vec::new(), None),
            };
            let mut index = lock(&job_inner.workspace().index);
            let mut xmod = lock(&job_inner.workspace().xmod);
            match on_disk {
                Some((language, facts)) => {
                    index.update(&key, &key, language, facts);
                    if let Some(p) = &path {
                        xmod.set_calls(&key, p, language, calls);
                        match module {
                            Some(module) => xmod.set_module(&key, p, language, module),
                            None => xmod.remove_module(&key),
                        }
                    }
                }
                None => {
                    index.remove(&key);
                    if let Some(p) = &path {
                        xmod.remove_file(&key, p);
                    }
                }
            }
            let mut changed = job_inner.workspace().recompute(&mut index);
            changed.extend(xmod.recompute());
            changed
        })
        .await
        .unwrap_or_default();
        republish(client, inner, changed);
    });
}

/// Whether the settings that apply to `path` exclude it (`exclude`, `extend-exclude`): such a
/// file is neither analysed nor indexed, as in `check`. A broken configuration is reported
/// when a file under it is opened; here it means the defaults.
fn excluded(inner: &impl Host, path: &Path) -> bool {
    inner
        .settings_for(Some(&path.to_path_buf()))
        .0
        .is_excluded(path)
}

/// The index keys of the open documents, from their URIs alone (a document's path is its
/// URI's), so no document lock is taken: callers may hold the index lock, which analyses
/// take while holding their document's.
fn open_keys(inner: &impl Host) -> HashSet<String> {
    inner
        .docs()
        .all()
        .into_iter()
        .map(|(uri, _)| {
            let path = uri.parse::<Uri>().ok().and_then(|u| uri_path(&u));
            key_of(&uri, path.as_ref())
        })
        .collect()
}

/// Source files created, changed or deleted on disk (`workspace/didChangeWatchedFiles`).
/// They are queued and one task at a time drains the queue, so a burst of notifications (a
/// branch switch) becomes a few batches, each read in parallel off the async runtime and
/// followed by one recompute of the cross-file findings. Only clients that let us register
/// file watchers send these; for the others the index follows open documents only.
pub(super) fn disk_changed(client: Client, inner: Arc<impl Host>, paths: Vec<PathBuf>) {
    if paths.is_empty() {
        return;
    }
    enqueue(client, inner, |p| p.paths.extend(paths));
}

/// Adds work to the queue and starts a task to drain it unless one is running (it takes the
/// new work next).
fn enqueue(client: Client, inner: Arc<impl Host>, add: impl FnOnce(&mut Pending)) {
    {
        let mut pending = lock(&inner.workspace().pending);
        add(&mut pending);
        if pending.running {
            return;
        }
        pending.running = true;
    }
    tokio::spawn(async move {
        loop {
            // `None`: a rescan.
            let batch: Option<Vec<PathBuf>> = {
                let mut pending = lock(&inner.workspace().pending);
                if pending.rescan {
                    // The rescan reads every file queued so far anyway.
                    pending.rescan = false;
                    pending.paths.clear();
                    None
                } else if pending.paths.is_empty() {
                    pending.running = false;
                    return;
                } else {
                    Some(std::mem::take(&mut pending.paths).into_iter().collect())
                }
            };
            let Some(batch) = batch else {
                // A panic here must not leave the queue marked as running forever.
                let run = AssertUnwindSafe(index_from_disk(&client, &inner)).catch_unwind();
                if let Err(panic) = run.await {
                    let message = ba_engine::panic_message(&panic);
                    tracing::error!("indexing the workspace panicked: {message}");
                }
                // Whatever happened, nobody waits for the index any longer than this.
                inner.workspace().set_ready();
                continue;
            };
            let job_inner = inner.clone();
            let job = tokio::task::spawn_blocking(move || apply_disk_changes(&job_inner, batch));
            match job.await {
                Ok((changed, touched)) => {
                    if touched {
                        refresh_lenses(&client, &inner);
                    }
                    republish(client.clone(), inner.clone(), changed);
                }
                Err(e) => tracing::error!("bringing changed files into the index panicked: {e}"),
            }
        }
    });
}

/// Brings `paths` in the index to what the disk says, as startup indexing would: a file it
/// would index (listed by the walk: under a workspace folder, not gitignored, hidden or in a
/// skipped directory; not excluded; readable, UTF-8, not huge) gets its facts, and any other
/// path (deleted, or now ignored) leaves the index. The event's kind is not trusted: the disk
/// is read when the batch runs, so a file deleted and created again is simply read. Open
/// documents own their text and are left alone. Returns the files whose cross-file findings
/// changed, and whether the index changed at all.
fn apply_disk_changes(inner: &impl Host, mut paths: Vec<PathBuf>) -> (Vec<Arc<str>>, bool) {
    let started = std::time::Instant::now();
    // Saving an open document reports it too: nothing to read.
    let open = open_keys(inner);
    paths.retain(|p| !open.contains(&key_of("", Some(p))));
    if paths.is_empty() {
        return (Vec::new(), false);
    }
    let roots = lock(&inner.workspace().roots).clone();
    let mut filter = app::WalkFilter::new(&roots);
    // A directory reported as a whole (created, or moved in): the files the walk lists in it.
    let dirs: Vec<PathBuf> = paths
        .iter()
        .filter(|p| Language::from_path(p).is_none() && p.is_dir() && filter.enters(p))
        .cloned()
        .collect();
    if !dirs.is_empty() {
        paths.extend(app::walk(&dirs));
    }
    paths.sort();
    paths.dedup();
    let (wanted, gone): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .into_iter()
        .partition(|p| filter.contains(p) && !excluded(inner, p));
    // Read and parse without the index lock: keystrokes keep going meanwhile.
    let read = app::extract_files(&wanted);
    let calls = calls_of_files(inner, &wanted, &|_| false);
    let mut index = lock(&inner.workspace().index);
    let mut xmod = lock(&inner.workspace().xmod);
    // Again under the index lock: a document opened from now on is refreshed after us.
    let open = open_keys(inner);
    let (mut updated, mut removed) = (0, 0);
    type Read = (
        Vec<ba_analysis::Outgoing>,
        Option<cross_module::ModuleFacts>,
    );
    let mut calls: std::collections::HashMap<PathBuf, Read> = calls
        .into_iter()
        .map(|(path, _, calls, module)| (path, (calls, module)))
        .collect();
    for (path, facts) in wanted
        .iter()
        .zip(read)
        .chain(gone.iter().map(|p| (p, None)))
    {
        let key = key_of("", Some(path));
        if open.contains(&key) {
            continue;
        }
        match facts {
            Some((language, facts)) => {
                index.update(&key, &key, language, facts);
                xmod.add_file(path, language);
                let (calls, module) = calls.remove(path).unwrap_or_default();
                xmod.set_calls(&key, path, language, calls);
                match module {
                    Some(module) => xmod.set_module(&key, path, language, module),
                    None => xmod.remove_module(&key),
                }
                updated += 1;
            }
            None => {
                removed += usize::from(index.remove(&key));
                xmod.remove_file(&key, path);
            }
        }
    }
    // A path that is not a source file and is gone may have been a directory: what was
    // indexed under it is gone too (deleting a directory is reported for it alone).
    for dir in gone
        .iter()
        .filter(|p| Language::from_path(p).is_none() && !p.exists())
    {
        let prefix = format!("{}{}", key_of("", Some(dir)), std::path::MAIN_SEPARATOR);
        let under: Vec<Arc<str>> = index
            .files()
            .filter(|f| f.key.starts_with(&prefix) && !open.contains(&*f.key))
            .map(|f| f.key.clone())
            .collect();
        for key in under {
            removed += usize::from(index.remove(&key));
            xmod.remove_file(&key, Path::new(&*key));
        }
    }
    let mut changed = inner.workspace().recompute(&mut index);
    changed.extend(xmod.recompute());
    // Most events are for files the index does not hold (build output, caches): no news.
    if updated + removed > 0 {
        tracing::info!(
            "files changed on disk: {updated} read, {removed} removed from the index in {:?}",
            started.elapsed()
        );
    }
    (changed, updated + removed > 0)
}

/// The outgoing calls of files on disk (not `skip`ped), and what they give return summaries,
/// in parallel, each under its settings.
fn calls_of_files(
    inner: &impl Host,
    files: &[PathBuf],
    skip: &(dyn Fn(&Path) -> bool + Sync),
) -> Vec<FileCalls> {
    use rayon::prelude::*;
    files
        .par_iter()
        .filter(|p| !skip(p))
        .filter_map(|p| {
            let language = Language::from_path(p)?;
            let (calls, module) = cross_module::of_file(p, &inner.settings_for(Some(p)).0);
            Some((p.clone(), language, calls, module))
        })
        .collect()
}
