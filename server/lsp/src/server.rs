//! The `LanguageServer` implementation.

use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use futures::FutureExt;
use ls_types::*;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::{ls_types, Client, LanguageServer};

use super::actions;
use super::advisor;
use super::convert;
use super::outbound::Outbound;
use super::session::{uri_path, Session};
use super::state::{lock, DocEntry, Documents, Shared};
use ba_config::{file as config_file, ConfigCache, ConfigError, Options, Settings};
use ba_syntax::{Document, Language, PositionEncoding, TextChange};

pub use super::actions::FIX_ALL_KIND;
const SETTINGS_SECTION: &str = "backendArchitect";

pub struct Backend {
    client: Client,
    inner: Arc<Inner>,
    /// Where diagnostics are written directly (see `outbound.rs`); `None` publishes through
    /// the client.
    outbound: Option<Outbound>,
}

pub(super) struct Inner {
    pub docs: Documents,
    pub encoding: RwLock<PositionEncoding>,
    overrides: RwLock<Options>,
    configs: ConfigCache,
    pub(super) pull_diagnostics: AtomicBool,
    configuration_support: AtomicBool,
    /// `fixOnSave` (an editor setting): `willSaveWaitUntil` returns the safe fixes.
    fix_on_save: AtomicBool,
    watch_registration: AtomicBool,
    shown_errors: Mutex<HashSet<String>>,
    config_diagnostics: Mutex<HashSet<String>>,
    pub workspace: super::workspace::Workspace,
    pub advisor: advisor::AdvisorState,
    pub(super) scaffold: super::scaffold::State,
}

impl Inner {
    pub fn encoding(&self) -> PositionEncoding {
        *self.encoding.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn settings_for(
        &self,
        path: Option<&PathBuf>,
    ) -> (Arc<Settings>, Option<ConfigError>) {
        let overrides = self
            .overrides
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match path {
            Some(p) => self.configs.settings_for(p, &overrides),
            None => config_file::resolve(None, &overrides),
        }
    }
}

impl Session for Inner {
    fn docs(&self) -> &Documents {
        &self.docs
    }

    fn encoding(&self) -> PositionEncoding {
        Inner::encoding(self)
    }

    fn pulls_diagnostics(&self) -> bool {
        self.pull_diagnostics.load(Ordering::Relaxed)
    }

    fn settings_for(&self, path: Option<&PathBuf>) -> (Arc<Settings>, Option<ConfigError>) {
        Inner::settings_for(self, path)
    }
}

impl super::workspace::Host for Inner {
    fn workspace(&self) -> &super::workspace::Workspace {
        &self.workspace
    }
}

impl advisor::Host for Inner {
    fn advisor(&self) -> &advisor::AdvisorState {
        &self.advisor
    }
}

/// Runs a handler, turning a panic into a logged internal error instead of a dead server.
async fn guarded<T>(what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(panic) => {
            tracing::error!("{what} panicked: {}", ba_engine::panic_message(&panic));
            Err(Error::internal_error())
        }
    }
}

/// Editor settings that are the server's own, not configuration (`backend-architect.toml` has
/// no such key): `fixOnSave` makes `textDocument/willSaveWaitUntil` return the safe fixes.
const FIX_ON_SAVE: &str = "fixOnSave";

/// The configuration part of the editor settings, and `fixOnSave`.
fn parse_settings(value: &Value) -> (std::result::Result<Options, ConfigError>, bool) {
    // Clients send either the section itself or an object containing it.
    let mut section = value.get(SETTINGS_SECTION).unwrap_or(value).clone();
    let fix_on_save = match section.as_object_mut() {
        Some(o) => o.remove(FIX_ON_SAVE).and_then(|v| v.as_bool()) == Some(true),
        None => false,
    };
    (Options::from_json(&section), fix_on_save)
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Self::build(client, None)
    }

    /// A backend that publishes diagnostics through `outbound`, the stdout writer.
    pub fn with_outbound(client: Client, outbound: Outbound) -> Self {
        Self::build(client, Some(outbound))
    }

    fn build(client: Client, outbound: Option<Outbound>) -> Self {
        Self {
            client,
            outbound,
            inner: Arc::new(Inner {
                docs: Documents::default(),
                encoding: RwLock::new(PositionEncoding::Utf16),
                overrides: RwLock::new(Options::default()),
                configs: ConfigCache::default(),
                pull_diagnostics: AtomicBool::new(false),
                configuration_support: AtomicBool::new(false),
                fix_on_save: AtomicBool::new(false),
                watch_registration: AtomicBool::new(false),
                shown_errors: Mutex::new(HashSet::new()),
                config_diagnostics: Mutex::new(HashSet::new()),
                workspace: Default::default(),
                advisor: Default::default(),
                scaffold: Default::default(),
            }),
        }
    }

    async fn report_config_error(&self, error: Option<ConfigError>) {
        let Some(error) = error else { return };
        let text = error.to_string();
        if !lock(&self.inner.shown_errors).insert(text.clone()) {
            return;
        }
        tracing::warn!("{text}");
        self.client
            .show_message(
                MessageType::WARNING,
                format!("backend-architect: {text} (using the default settings)"),
            )
            .await;
        if let Some(uri) = error.path.as_ref().and_then(Uri::from_file_path) {
            let line = error.line.unwrap_or(0);
            let diag = Diagnostic {
                range: Range::new(Position::new(line, 0), Position::new(line, u32::MAX / 2)),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some(convert::SOURCE.to_owned()),
                message: format!("`{}`: {}", error.key, error.message),
                ..Default::default()
            };
            lock(&self.inner.config_diagnostics).insert(uri.as_str().to_owned());
            self.client.publish_diagnostics(uri, vec![diag], None).await;
        }
    }

    /// Config or settings changed: forget resolved settings and re-analyse every open document.
    async fn reload(&self) {
        self.inner.configs.clear();
        lock(&self.inner.shown_errors).clear();
        let stale: Vec<String> = lock(&self.inner.config_diagnostics).drain().collect();
        for uri in stale {
            if let Ok(uri) = uri.parse::<Uri>() {
                self.client.publish_diagnostics(uri, Vec::new(), None).await;
            }
        }
        for (uri, shared) in self.inner.docs.all() {
            let (path, version, manifest) = {
                let e = lock(&shared);
                (e.path.clone(), e.doc.version(), e.language().is_none())
            };
            let (settings, error) = self.inner.settings_for(path.as_ref());
            {
                let mut e = lock(&shared);
                e.settings = settings;
                e.findings_version = None;
            }
            if manifest {
                continue; // `advisor::reload` checks it again.
            }
            self.report_config_error(error).await;
            if let Ok(uri) = uri.parse::<Uri>() {
                self.schedule(uri, shared, version);
            }
        }
        advisor::reload(&self.client, &self.inner);
        if self.inner.pull_diagnostics.load(Ordering::Relaxed) {
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
        // `exclude` may have changed what belongs to the workspace index.
        super::workspace::index_workspace(self.client.clone(), self.inner.clone());
    }

    async fn fetch_workspace_settings(&self) {
        if !self.inner.configuration_support.load(Ordering::Relaxed) {
            return;
        }
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some(SETTINGS_SECTION.to_owned()),
        };
        match self.client.configuration(vec![item]).await {
            Ok(values) => {
                if let Some(v) = values.first() {
                    self.apply_settings(v).await;
                }
            }
            Err(e) => tracing::warn!("workspace/configuration failed: {e}"),
        }
    }

    async fn apply_settings(&self, value: &Value) {
        let (options, fix_on_save) = parse_settings(value);
        self.inner.fix_on_save.store(fix_on_save, Ordering::Relaxed);
        match options {
            Ok(opts) => {
                *self
                    .inner
                    .overrides
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = opts
            }
            Err(e) => self.report_config_error(Some(e)).await,
        }
    }

    /// Analyses `version` off the message loop and publishes the result if it is still current.
    fn schedule(&self, uri: Uri, shared: Shared, version: i32) {
        if self.inner.pull_diagnostics.load(Ordering::Relaxed) {
            return;
        }
        let inner = self.inner.clone();
        let Some(out) = self.outbound.clone() else {
            return self.schedule_through_client(uri, shared, version);
        };
        // Straight onto the blocking pool, and the result straight to the stdout writer: on a
        // keystroke, every thread hop shows in the latency.
        let name = uri.as_str().to_owned();
        let failed = name.clone();
        let (client, job_inner, job_shared) = (self.client.clone(), inner.clone(), shared.clone());
        let target = uri.clone();
        let sender =
            move |inner: &Inner, key: &str, e: &DocEntry, findings: &[ba_rules::Finding]| {
                let enc = inner.encoding();
                let (text, rope) = (e.doc.text(), e.doc.rope());
                // The advisor's review findings for this file (none unless a review ran).
                let mut extra = e.notices(enc);
                extra.extend(inner.advisor.review_diagnostics(&target, text, rope, enc));
                let body = convert::publish_body(key, Some(version), rope, findings, &extra, enc);
                out.send(body);
            };
        let later = sender.clone();
        let job = tokio::task::spawn_blocking(move || {
            let key = uri.as_str();
            let started = std::time::Instant::now();
            let mut entry = lock(&job_shared);
            if entry.doc.version() != version {
                // A newer change is queued; it will publish.
                return super::workspace::Published::Done(Vec::new());
            }
            super::workspace::analyze(&inner, key, &mut entry);
            tracing::debug!("{key} v{version}: analysed in {:?}", started.elapsed());
            // Edits take this lock, so the version cannot move on before the send.
            super::workspace::publish_with_cross(&inner, key, &mut entry, |e, findings| {
                sender(&inner, key, e, findings)
            })
        });
        tokio::spawn(async move {
            let others = match job.await {
                Ok(super::workspace::Published::Done(others)) => others,
                Ok(super::workspace::Published::RefreshLater) => {
                    // The facts wait for a pause in typing; a newer version refreshes instead.
                    tokio::time::sleep(super::workspace::REFRESH_AFTER_QUIET).await;
                    let refresh_inner = job_inner.clone();
                    let refreshed = tokio::task::spawn_blocking(move || {
                        let mut entry = lock(&shared);
                        if entry.doc.version() != version {
                            return Vec::new();
                        }
                        let inner = &*refresh_inner;
                        super::workspace::refresh_and_publish(
                            inner,
                            &name,
                            &mut entry,
                            |e, findings| later(inner, &name, e, findings),
                            false,
                        )
                    })
                    .await;
                    match refreshed {
                        Ok(others) => others,
                        Err(e) => {
                            tracing::error!("refreshing the facts of {failed} panicked: {e}");
                            return;
                        }
                    }
                }
                Err(e) => {
                    tracing::error!("analysis of {failed} panicked: {e}");
                    return;
                }
            };
            super::workspace::republish(client, job_inner, others);
        });
    }

    /// `schedule` for a backend without a stdout writer of its own (built with `new`).
    fn schedule_through_client(&self, uri: Uri, shared: Shared, version: i32) {
        let client = self.client.clone();
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let job_shared = shared.clone();
            let job_uri = uri.clone();
            let job_inner = inner.clone();
            let job = tokio::task::spawn_blocking(move || {
                let mut entry = lock(&job_shared);
                if entry.doc.version() != version {
                    return None;
                }
                super::workspace::analyze(&job_inner, job_uri.as_str(), &mut entry);
                let (findings, others) =
                    super::workspace::refresh(&job_inner, job_uri.as_str(), &mut entry);
                let enc = job_inner.encoding();
                let mut diags: Vec<Diagnostic> = findings
                    .iter()
                    .map(|f| convert::diagnostic(&job_uri, entry.doc.rope(), f, enc))
                    .collect();
                diags.extend(entry.notices(enc));
                let (text, rope) = (entry.doc.text(), entry.doc.rope());
                diags.extend(
                    job_inner
                        .advisor
                        .review_diagnostics(&job_uri, text, rope, enc),
                );
                Some((diags, others))
            });
            match job.await {
                // Never publish a result for an older version.
                Ok(Some((diags, others))) => {
                    if lock(&shared).doc.version() == version {
                        client.publish_diagnostics(uri, diags, Some(version)).await;
                    }
                    super::workspace::republish(client, inner, others);
                }
                Ok(_) => {}
                Err(e) => tracing::error!("analysis of {} panicked: {e}", uri.as_str()),
            }
        });
    }
}

/// The language a document is analysed as: its file's extension, else its shebang, and the
/// client's languageId only when neither says (one client may send every file of a
/// multi-language project with the same languageId).
fn language_of(path: Option<&std::path::Path>, text: &str, language_id: &str) -> Option<Language> {
    path.and_then(Language::from_path)
        .or_else(|| shebang_language(text))
        .or_else(|| Language::from_language_id(language_id))
}

/// `#!/usr/bin/env python3`, `#!/usr/bin/node`, `#!/usr/bin/env -S deno run`…
fn shebang_language(text: &str) -> Option<Language> {
    let line = text.strip_prefix("#!")?.lines().next()?;
    let mut words = line.split_whitespace();
    let mut program = words.next()?.rsplit('/').next()?;
    if program == "env" {
        program = words.find(|w| !w.starts_with('-'))?;
    }
    let name = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match name {
        "python" | "pypy" => Some(Language::Python),
        "node" | "nodejs" | "bun" => Some(Language::JavaScript),
        "deno" | "ts-node" | "tsx" => Some(Language::TypeScript),
        _ => None,
    }
}

fn negotiate_encoding(params: &InitializeParams) -> PositionEncoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.clone())
        .unwrap_or_default();
    if offered.contains(&PositionEncodingKind::UTF8) {
        PositionEncoding::Utf8
    } else if offered.contains(&PositionEncodingKind::UTF32)
        && !offered.contains(&PositionEncodingKind::UTF16)
    {
        PositionEncoding::Utf32
    } else {
        PositionEncoding::Utf16
    }
}

fn encoding_kind(e: PositionEncoding) -> PositionEncodingKind {
    match e {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let enc = negotiate_encoding(&params);
        *self
            .inner
            .encoding
            .write()
            .unwrap_or_else(|e| e.into_inner()) = enc;
        let caps = &params.capabilities;
        let workspace = caps.workspace.as_ref();
        // Pull only when the client can also be asked to pull again: cross-file findings and
        // advisor results change documents the user is not editing. A client that pulls but
        // takes no `workspace/diagnostic/refresh` (Neovim 0.12) gets pushed diagnostics, all of
        // them (no `diagnosticProvider`), so nothing is shown twice or left stale.
        let pull = caps
            .text_document
            .as_ref()
            .and_then(|t| t.diagnostic.as_ref())
            .is_some()
            && workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false);
        self.inner.pull_diagnostics.store(pull, Ordering::Relaxed);
        self.inner.configuration_support.store(
            workspace.and_then(|w| w.configuration).unwrap_or(false),
            Ordering::Relaxed,
        );
        self.inner.watch_registration.store(
            workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            Ordering::Relaxed,
        );
        if let Some(opts) = &params.initialization_options {
            self.apply_settings(opts).await;
        }
        self.inner.workspace.configure(&params);
        self.inner.advisor.init(&params);
        self.inner.scaffold.init(&params);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding_kind(enc)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        // Answered with the safe fixes when `fixOnSave` is on, else nothing.
                        will_save_wait_until: Some(true),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(FIX_ALL_KIND),
                            CodeActionKind::REFACTOR_REWRITE,
                            CodeActionKind::SOURCE,
                        ]),
                        resolve_provider: Some(false),
                        ..Default::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: advisor::COMMANDS
                        .iter()
                        .chain([&super::map::MAP_COMMAND])
                        .map(|c| (*c).to_owned())
                        .chain(super::scaffold::commands())
                        .collect(),
                    ..Default::default()
                }),
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some(convert::SOURCE.to_owned()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: false,
                        work_done_progress_options: Default::default(),
                    })
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "backend-architect".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.inner.watch_registration.load(Ordering::Relaxed) {
            // Config files, dependency files, and what the workspace index follows: source
            // files, `.gitignore` files, and directories created or deleted.
            let watchers = ["**/backend-architect.toml", "**/pyproject.toml"]
                .iter()
                .chain(advisor::WATCHED_GLOBS)
                .chain([
                    &super::workspace::SOURCE_GLOB,
                    &super::workspace::IGNORE_GLOB,
                ])
                .map(|g| FileSystemWatcher {
                    glob_pattern: GlobPattern::String((*g).to_owned()),
                    kind: None,
                })
                // A directory deleted, created or moved is reported for itself alone, which no
                // glob above matches.
                .chain([FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*".to_owned()),
                    kind: Some(WatchKind::Create | WatchKind::Delete),
                }])
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "backend-architect-file-watch".to_owned(),
                method: "workspace/didChangeWatchedFiles".to_owned(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = self.client.register_capability(vec![registration]).await {
                tracing::warn!("could not register file watchers: {e}");
            }
        }
        self.fetch_workspace_settings().await;
        super::workspace::index_workspace(self.client.clone(), self.inner.clone());
        advisor::initialized(&self.client, &self.inner).await;
        tracing::info!("backend-architect {} ready", env!("CARGO_PKG_VERSION"));
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        self.inner.scaffold.touched(&item.uri);
        let path = uri_path(&item.uri);
        let manifest = advisor::is_manifest(&item.uri);
        let doc = if manifest {
            Document::plain(item.version, item.text)
        } else {
            let Some(language) = language_of(path.as_deref(), &item.text, &item.language_id) else {
                return; // Not a language we analyse: ignore quietly.
            };
            Document::new(language, item.version, item.text)
        };
        let (settings, error) = self.inner.settings_for(path.as_ref());
        let version = item.version;
        let entry = DocEntry {
            doc,
            path,
            cache: Default::default(),
            findings: Vec::new(),
            findings_version: None,
            settings,
            logged_too_large: false,
            partial: None,
            republished: 0,
        };
        let shared = self.inner.docs.insert(item.uri.as_str().to_owned(), entry);
        if manifest {
            advisor::manifest_opened(&self.client, &self.inner, item.uri, version);
            return;
        }
        self.report_config_error(error).await;
        self.schedule(item.uri, shared, version);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        self.inner.scaffold.touched(&uri);
        let Some(shared) = self.inner.docs.get(uri.as_str()) else {
            tracing::warn!("didChange for {} which is not open; ignored", uri.as_str());
            return;
        };
        let version = params.text_document.version;
        let changes: Vec<TextChange> = params
            .content_changes
            .into_iter()
            .map(|c| TextChange {
                range: c
                    .range
                    .map(|r| (convert::line_col(r.start), convert::line_col(r.end))),
                text: c.text,
            })
            .collect();
        let enc = self.inner.encoding();
        // Applied synchronously, in arrival order; parsing and analysis happen later, off the loop.
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut e = lock(&shared);
            e.doc.apply_changes(version, &changes, enc);
            e.language().is_none()
        }));
        match applied {
            Err(_) => tracing::error!(
                "applying a change to {} panicked; the document keeps its last good state",
                uri.as_str()
            ),
            Ok(true) => advisor::manifest_changed(&self.client, &self.inner, uri, version),
            Ok(false) => self.schedule(uri, shared, version),
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let path = self
            .inner
            .docs
            .get(uri.as_str())
            .and_then(|s| lock(&s).path.clone());
        self.inner.docs.remove(uri.as_str());
        super::workspace::closed(self.client.clone(), self.inner.clone(), &uri, path);
        self.inner.advisor.did_close(&uri);
        if !self.inner.pull_diagnostics.load(Ordering::Relaxed) {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn will_save(&self, _: WillSaveTextDocumentParams) {}

    /// Fix on save for any client: the edits of fix-all (safe fixes only), when the user turned
    /// `fixOnSave` on; nothing otherwise, so saving never changes a file by surprise.
    async fn will_save_wait_until(
        &self,
        params: WillSaveTextDocumentParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        if !self.inner.fix_on_save.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let inner = self.inner.clone();
        guarded("textDocument/willSaveWaitUntil", async move {
            let uri = params.text_document.uri;
            let Some(shared) = inner.docs.get(uri.as_str()) else {
                return Ok(None);
            };
            let enc = inner.encoding();
            tokio::task::spawn_blocking(move || {
                let mut e = lock(&shared);
                e.analyze(uri.as_str());
                actions::fix_all_edits(&e, enc)
            })
            .await
            .map_err(|_| Error::internal_error())
        })
        .await
    }

    /// Nothing to do: the open document already is the saved text, and files changed on disk
    /// come through watched-file events.
    async fn did_save(&self, _: DidSaveTextDocumentParams) {}

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if self.inner.configuration_support.load(Ordering::Relaxed) {
            self.fetch_workspace_settings().await;
        } else if !params.settings.is_null() {
            self.apply_settings(&params.settings).await;
        }
        self.reload().await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // Source files go to the workspace index, and a `.gitignore` makes it walk the
        // workspace again; the rest keep their handling: lock and requirement files re-check
        // the open manifests, anything else (a config file) reloads the settings (and walks
        // the workspace again). One notification may mix them.
        let (mut sources, mut rest, mut ignore_files) = (Vec::new(), Vec::new(), false);
        for change in params.changes {
            let Some(path) = uri_path(&change.uri) else {
                rest.push(change);
                continue;
            };
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.as_deref().unwrap_or("");
            let settings_file = name == config_file::CONFIG_FILE
                || name == "pyproject.toml"
                || advisor::is_dependency_file(name);
            if name == ".gitignore" {
                ignore_files = true;
            } else if Language::from_path(&path).is_some()
                // Anything else created or deleted may be a directory of source files.
                || (change.typ != FileChangeType::CHANGED && !settings_file)
            {
                sources.push(path);
            } else {
                rest.push(change);
            }
        }
        let rest = DidChangeWatchedFilesParams { changes: rest };
        let mut reloaded = false;
        if advisor::only_dependency_files(&rest) {
            advisor::reload(&self.client, &self.inner); // A lock file: only manifests change.
        } else if !rest.changes.is_empty() || (sources.is_empty() && !ignore_files) {
            self.reload().await; // Walks the workspace again too.
            reloaded = true;
        }
        if ignore_files && !reloaded {
            super::workspace::index_workspace(self.client.clone(), self.inner.clone());
        }
        // Read after any rescan (or by it).
        super::workspace::disk_changed(self.client.clone(), self.inner.clone(), sources);
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let inner = self.inner.clone();
        let client = self.client.clone();
        guarded("textDocument/diagnostic", async move {
            let uri = params.text_document.uri;
            // A manifest (open or not: a file a manifest includes) has the advisor's findings.
            let items = match advisor::manifest_diagnostics(&inner, &uri) {
                Some(items) => Ok(items),
                None => source_diagnostics(client, inner, uri).await,
            }?;
            Ok(DocumentDiagnosticReportResult::Report(
                DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                    related_documents: None,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id: None,
                        items,
                    },
                }),
            ))
        })
        .await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let inner = self.inner.clone();
        self.inner
            .scaffold
            .touched(&params.text_document_position_params.text_document.uri);
        guarded("textDocument/hover", async move {
            if let Some(hover) = advisor::manifest_hover(&inner, &params) {
                return Ok(hover);
            }
            let pos = params.text_document_position_params;
            let Some(shared) = inner.docs.get(pos.text_document.uri.as_str()) else {
                return Err(Error::invalid_params(format!(
                    "{} is not open",
                    pos.text_document.uri.as_str()
                )));
            };
            let key = pos.text_document.uri.as_str().to_owned();
            let enc = inner.encoding();
            tokio::task::spawn_blocking(move || {
                let mut e = lock(&shared);
                super::workspace::analyze(&inner, &key, &mut e);
                let offset = convert::offset(e.doc.rope(), pos.position, enc);
                let index_key = super::workspace::key_of(&key, e.path.as_ref());
                let route = super::symbols::route_hover(&inner, &index_key, offset);
                let advice = inner.advisor.review_findings(&key, e.doc.text());
                // Cross-file findings (ARC101–ARC103) are shown on this file too.
                let (findings, _) = super::workspace::refresh(&inner, &key, &mut e);
                let hits: Vec<_> = findings
                    .iter()
                    .chain(&advice)
                    .filter(|f| f.range.start <= offset && offset <= f.range.end)
                    .collect();
                let Some(first) = hits.first() else {
                    return route.map(|value| Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value,
                        }),
                        range: None,
                    });
                };
                let mut value = route.map(|r| r + "\n---\n\n").unwrap_or_default();
                for f in &hits {
                    value.push_str(&format!("**{}** {}\n\n", f.rule.code, f.message));
                    if let Some(path) = convert::hover_path(e.doc.rope(), e.doc.text(), f) {
                        value.push_str(&format!("{path}\n\n"));
                    }
                }
                // The docs of every rule under the cursor, once each.
                let mut shown: Vec<&str> = Vec::new();
                for f in &hits {
                    if !shown.contains(&f.rule.code) {
                        shown.push(f.rule.code);
                        value.push_str("---\n\n");
                        value.push_str(&ba_rules::catalog::explain(f.rule));
                        value.push('\n');
                    }
                }
                Some(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    }),
                    range: Some(convert::range(e.doc.rope(), &first.range, enc)),
                })
            })
            .await
            .map_err(|_| Error::internal_error())
        })
        .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let inner = self.inner.clone();
        guarded("textDocument/documentSymbol", async move {
            tokio::task::spawn_blocking(move || super::symbols::document_symbols(&inner, params))
                .await
                .map_err(|_| Error::internal_error())?
        })
        .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let inner = self.inner.clone();
        guarded("workspace/symbol", async move {
            if !inner.workspace.is_ready() {
                // Asked right after start: answer from the whole workspace, not from the
                // part indexed so far (or nothing).
                let token = params.work_done_progress_params.work_done_token.clone();
                let progress = match token {
                    Some(token) => Some(
                        self.client
                            .progress(token, "Waiting for the workspace index")
                            .begin()
                            .await,
                    ),
                    None => None,
                };
                inner.workspace.wait_ready().await;
                if let Some(p) = progress {
                    p.finish().await;
                }
            }
            tokio::task::spawn_blocking(move || super::symbols::workspace_symbols(&inner, params))
                .await
                .map_err(|_| Error::internal_error())?
        })
        .await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let inner = self.inner.clone();
        guarded("textDocument/codeLens", async move {
            tokio::task::spawn_blocking(move || super::symbols::code_lenses(&inner, params))
                .await
                .map_err(|_| Error::internal_error())?
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.inner.scaffold.touched(&params.text_document.uri);
        let inner = self.inner.clone();
        guarded("textDocument/codeAction", async move {
            if let Some(actions) = advisor::manifest_code_actions(&inner, &params) {
                return Ok(Some(actions));
            }
            let Some(shared) = inner.docs.get(params.text_document.uri.as_str()) else {
                return Err(Error::invalid_params(format!(
                    "{} is not open",
                    params.text_document.uri.as_str()
                )));
            };
            let enc = inner.encoding();
            tokio::task::spawn_blocking(move || {
                let mut e = lock(&shared);
                let key = params.text_document.uri.as_str().to_owned();
                e.analyze(&key);
                let mut list = actions::code_actions(&params, &e, enc);
                list.extend(advisor::review_actions(&params, &mut e, enc));
                list.extend(super::scaffold::code_actions(&params, &mut e, enc));
                Some(list)
            })
            .await
            .map_err(|_| Error::internal_error())
        })
        .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if advisor::COMMANDS.contains(&params.command.as_str()) {
            let run = advisor::execute_command(&self.client, &self.inner, params);
            return guarded("workspace/executeCommand", run).await;
        }
        if params.command == super::map::MAP_COMMAND {
            let run = super::map::execute(&self.inner, &params.arguments);
            return guarded("workspace/executeCommand", run).await;
        }
        let (inner, enc) = (&self.inner, self.inner.encoding());
        let run = super::scaffold::execute(&self.client, &inner.docs, &inner.scaffold, enc, params);
        guarded("workspace/executeCommand", run).await
    }
}

/// Pulled diagnostics of an open source document: its findings, its cross-file findings and
/// the advisor's review findings. Other documents whose findings this analysis changed are
/// pulled again (`workspace/diagnostic/refresh`).
async fn source_diagnostics(
    client: Client,
    inner: Arc<Inner>,
    uri: Uri,
) -> Result<Vec<Diagnostic>> {
    let Some(shared) = inner.docs.get(uri.as_str()) else {
        return Err(Error::invalid_params(format!(
            "{} is not open",
            uri.as_str()
        )));
    };
    let key = uri.as_str().to_owned();
    let enc = inner.encoding();
    let job_inner = inner.clone();
    let (items, others) = tokio::task::spawn_blocking(move || {
        let inner = job_inner;
        let mut e = lock(&shared);
        super::workspace::analyze(&inner, &key, &mut e);
        let (findings, others) = super::workspace::refresh(&inner, &key, &mut e);
        let mut items: Vec<Diagnostic> = findings
            .iter()
            .map(|f| convert::diagnostic(&uri, e.doc.rope(), f, enc))
            .collect();
        items.extend(e.notices(enc));
        let (text, rope) = (e.doc.text(), e.doc.rope());
        items.extend(inner.advisor.review_diagnostics(&uri, text, rope, enc));
        (items, others)
    })
    .await
    .map_err(|_| Error::internal_error())?;
    super::workspace::republish(client, inner, others);
    Ok(items)
}
