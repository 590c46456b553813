//! Protocol glue for the opt-in advisor: the `backend-architect.review` command and its code
//! actions, `$/progress` while a review runs, ADV001 diagnostics merged into a file's
//! diagnostics, and DEP001 diagnostics and upgrade fixes on dependency manifests.
//!
//! Cancellation: tower-lsp drops the command's future on `$/cancelRequest`; the HTTP request
//! is part of that future, so it is dropped (its connection closed) with it, and the progress
//! guard ends the progress report.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ls_types::notification::Progress as ProgressNotification;
use ls_types::*;
use ropey::Rope;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::{ls_types, Client};

use super::convert;
use super::convert::workspace_edit;
use super::state::lock;
use ba_advisor::context::{self, Target};
use ba_advisor::deps;
use ba_advisor::manifests;
use ba_advisor::redact::Redactor;
use ba_advisor::review;
use ba_rules::{Finding, Severity};
use ba_syntax::PositionEncoding;

pub const REVIEW_COMMAND: &str = "backend-architect.review";
/// Commands this module executes (listed in `executeCommandProvider`).
pub const COMMANDS: &[&str] = &[REVIEW_COMMAND];
/// Diagnostics from the model carry this source, so users can tell them from rule findings.
pub const ADVISOR_SOURCE: &str = "backend-architect advisor";

/// An ADV001 finding and the text of its line when it was made: edits elsewhere move it, an
/// edit of its line drops it (the advice was about code that is no longer there).
struct Stored {
    finding: Finding,
    line_text: String,
    line: usize,
    column: usize,
}

/// What the advisor needs of the server: the index (for review context) and its own state.
pub trait Host: super::workspace::Host {
    fn advisor(&self) -> &AdvisorState;
}

impl<T: Host> Host for Arc<T> {
    fn advisor(&self) -> &AdvisorState {
        (**self).advisor()
    }
}

#[derive(Default)]
pub struct AdvisorState {
    work_done_progress: AtomicBool,
    show_document: AtomicBool,
    root: Mutex<Option<PathBuf>>,
    reviews: Mutex<HashMap<String, Vec<Stored>>>,
    /// DEP001 findings per file URI, with the text they were computed on (for quick fixes).
    dep_findings: Mutex<HashMap<String, (String, Vec<Finding>)>>,
    notices: Mutex<HashSet<String>>,
    next_token: AtomicU64,
}

impl AdvisorState {
    pub fn init(&self, params: &InitializeParams) {
        let window = params.capabilities.window.as_ref();
        self.work_done_progress.store(
            window.and_then(|w| w.work_done_progress).unwrap_or(false),
            Ordering::Relaxed,
        );
        self.show_document.store(
            window
                .and_then(|w| w.show_document.as_ref())
                .is_some_and(|s| s.support),
            Ordering::Relaxed,
        );
        *lock(&self.root) = super::workspace::first_root(params);
    }

    fn root(&self) -> Option<PathBuf> {
        lock(&self.root).clone()
    }

    /// ADV001 findings for `uri`, moved to where their lines are now in `text`.
    pub fn review_findings(&self, uri: &str, text: &str) -> Vec<Finding> {
        let reviews = lock(&self.reviews);
        let Some(stored) = reviews.get(uri) else {
            return Vec::new();
        };
        let lines: Vec<&str> = text.split('\n').collect();
        let mut starts = Vec::with_capacity(lines.len());
        let mut at = 0;
        for l in &lines {
            starts.push(at);
            at += l.len() + 1;
        }
        let mut out = Vec::new();
        for s in stored {
            let same = |i: usize| lines.get(i).is_some_and(|l| l.trim_end() == s.line_text);
            // The same line, else the nearest line with the same text.
            let found = if same(s.line) {
                Some(s.line)
            } else {
                (1..lines.len()).find_map(|d| {
                    [s.line.checked_sub(d), Some(s.line + d)]
                        .into_iter()
                        .flatten()
                        .find(|&i| same(i))
                })
            };
            let Some(line) = found else { continue };
            let start = starts[line] + s.column.min(lines[line].len());
            let len = s
                .finding
                .range
                .len()
                .min(lines[line].len().saturating_sub(s.column));
            let mut f = s.finding.clone();
            f.range = start..start + len;
            out.push(f);
        }
        out
    }

    /// ADV001 diagnostics for `uri` (see `review_findings`), with the advisor's source.
    pub fn review_diagnostics(
        &self,
        uri: &Uri,
        text: &str,
        rope: &Rope,
        enc: PositionEncoding,
    ) -> Vec<Diagnostic> {
        self.review_findings(uri.as_str(), text)
            .iter()
            .map(|f| {
                let mut d = convert::diagnostic(uri, rope, f, enc);
                d.source = Some(ADVISOR_SOURCE.to_owned());
                d
            })
            .collect()
    }

    pub fn did_close(&self, uri: &Uri) {
        lock(&self.reviews).remove(uri.as_str());
    }

    fn first_notice(&self, text: &str) -> bool {
        lock(&self.notices).insert(text.to_owned())
    }
}

// ---- review -------------------------------------------------------------------------------

/// Ends the progress report even when the review is cancelled (its future dropped).
struct ProgressGuard {
    client: Client,
    token: Option<ProgressToken>,
}

impl ProgressGuard {
    async fn begin(
        client: &Client,
        state: &AdvisorState,
        given: Option<ProgressToken>,
        title: String,
    ) -> Self {
        let token = match given {
            Some(t) => Some(t),
            None if state.work_done_progress.load(Ordering::Relaxed) => {
                let n = state.next_token.fetch_add(1, Ordering::Relaxed);
                let t = ProgressToken::String(format!("backend-architect/review/{n}"));
                client
                    .create_work_done_progress(t.clone())
                    .await
                    .ok()
                    .map(|_| t)
            }
            None => None,
        };
        if let Some(t) = &token {
            client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token: t.clone(),
                    value: ProgressParamsValue::WorkDone(WorkDoneProgress::Begin(
                        WorkDoneProgressBegin {
                            title,
                            cancellable: Some(true),
                            message: Some("waiting for the model".to_owned()),
                            percentage: None,
                        },
                    )),
                })
                .await;
        }
        Self {
            client: client.clone(),
            token,
        }
    }
}

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token,
                    value: ProgressParamsValue::WorkDone(WorkDoneProgress::End(
                        WorkDoneProgressEnd { message: None },
                    )),
                })
                .await;
        });
    }
}

fn review_arguments(args: &[Value]) -> Option<(Uri, Option<Range>)> {
    let first = args.first()?;
    let (uri, range) = match first {
        Value::String(s) => (s.clone(), args.get(1).cloned()),
        Value::Object(o) => (o.get("uri")?.as_str()?.to_owned(), o.get("range").cloned()),
        _ => return None,
    };
    let uri = uri.parse::<Uri>().ok()?;
    let range = range.and_then(|r| serde_json::from_value::<Range>(r).ok());
    Some((uri, range))
}

/// `workspace/executeCommand` for the commands in `COMMANDS`.
pub async fn execute_command(
    client: &Client,
    inner: &Arc<impl Host>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    match params.command.as_str() {
        REVIEW_COMMAND => {
            let Some((uri, range)) = review_arguments(&params.arguments) else {
                return Err(Error::invalid_params(
                    "backend-architect.review takes {\"uri\": …, \"range\"?: …} (or uri, range)",
                ));
            };
            run_review(
                client,
                inner,
                uri,
                range,
                params.work_done_progress_params.work_done_token,
            )
            .await
        }
        other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
    }
}

fn relative(path: Option<&Path>, root: Option<&Path>, uri: &Uri) -> String {
    match (path, root) {
        (Some(p), Some(r)) => p.strip_prefix(r).unwrap_or(p).display().to_string(),
        // Without a workspace root, only the file name (no home directory in the prompt).
        (Some(p), None) => p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        _ => uri.as_str().to_owned(),
    }
}

async fn run_review(
    client: &Client,
    inner: &Arc<impl Host>,
    uri: Uri,
    range: Option<Range>,
    token: Option<ProgressToken>,
) -> Result<Option<Value>> {
    let Some(shared) = inner.docs().get(uri.as_str()) else {
        return Err(Error::invalid_params(format!(
            "{} is not open",
            uri.as_str()
        )));
    };
    let enc = inner.encoding();
    let root = inner.advisor().root();
    let key = uri.as_str().to_owned();
    // Off the executor (parsing, rules, reading `.env` files): gather everything under the
    // lock, then release it before the network.
    let job_root = root.clone();
    let job_inner = inner.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let mut e = lock(&shared);
        e.analyze(&key);
        let settings = e.settings.advisor.clone();
        let text = e.doc.text().to_owned();
        let language = e.language()?;
        let path = e.path.clone();
        let byte_range = range.map(|r| {
            let a = convert::offset(e.doc.rope(), r.start, enc);
            let b = convert::offset(e.doc.rope(), r.end, enc);
            a.min(b)..a.max(b)
        });
        let shown = relative(path.as_deref(), job_root.as_deref(), &uri);
        let tree = e.doc.tree().cloned()?;
        let at = byte_range.as_ref().map(|r| r.start);
        let mut ctx = context::build(&shown, language, &text, &tree, byte_range, &e.findings);
        // The application model knows the full path (router and app prefixes) and the
        // middleware and dependencies from other files; the local reading does not.
        let index_key = super::workspace::key_of(&key, path.as_ref());
        // At the cursor, else where the function under review starts (its decorator).
        let function_start = (ctx.first_line > 1).then(|| {
            memchr::memchr_iter(b'\n', text.as_bytes())
                .nth(ctx.first_line as usize - 2)
                .map_or(0, |i| i + 1)
        });
        let view = {
            let mut index = lock(&job_inner.workspace().index);
            [at, function_start]
                .into_iter()
                .flatten()
                .find_map(|offset| index.route_at(&index_key, offset))
        };
        if let Some(view) = view {
            let local = ctx.route.take().unwrap_or_default();
            ctx.route = Some(review::RouteEntry {
                method: view.methods.join(", "),
                path: view.path,
                auth: local
                    .auth
                    .or_else(|| view.auth.then(|| view.chain.join(", "))),
                dependencies: if view.chain.is_empty() {
                    local.dependencies
                } else {
                    view.chain
                },
            });
        }
        drop(e);
        // Only read secrets (and `.env` files) when something may be sent.
        let redactor = settings.enabled.then(|| {
            Redactor::for_file(path.as_deref(), Some(language), &text, job_root.as_deref())
        });
        Some((settings, ctx, text, redactor, uri))
    })
    .await
    .map_err(|_| Error::internal_error())?;
    let Some((settings, ctx, text, redactor, uri)) = prepared else {
        return Err(Error::invalid_params("the file could not be parsed"));
    };
    let key = uri.as_str().to_owned();
    let Some(redactor) = redactor else {
        let msg = review::ReviewError::Disabled.to_string();
        client
            .show_message(MessageType::INFO, format!("backend-architect: {msg}"))
            .await;
        return Ok(Some(json!({"error": msg})));
    };
    let progress = ProgressGuard::begin(
        client,
        inner.advisor(),
        token,
        format!("Reviewing the {}", ctx.target),
    )
    .await;
    let result = review::run(&settings, &ctx, &redactor).await;
    drop(progress);
    let review = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("review of {key} failed: {e}");
            client
                .show_message(
                    MessageType::ERROR,
                    format!("backend-architect advisor: {e}"),
                )
                .await;
            return Ok(Some(json!({"error": e.to_string()})));
        }
    };
    // Store the findings against the text they were made for.
    let findings = review::findings(&review, &text);
    let lines: Vec<&str> = text.split('\n').collect();
    let stored: Vec<Stored> = findings
        .into_iter()
        .map(|f| {
            let line = text[..f.range.start].matches('\n').count();
            let line_start = text[..f.range.start].rfind('\n').map_or(0, |i| i + 1);
            Stored {
                line_text: lines.get(line).map_or("", |l| l.trim_end()).to_owned(),
                line,
                column: f.range.start - line_start,
                finding: f,
            }
        })
        .collect();
    let count = stored.len();
    {
        let mut reviews = lock(&inner.advisor().reviews);
        let entry = reviews.entry(key.clone()).or_default();
        // A new review of part of the file replaces the old findings for those lines.
        let (first, last) = (ctx.first_line as usize - 1, ctx.last_line as usize - 1);
        entry.retain(|s| s.line < first || s.line > last);
        entry.extend(stored);
    }
    publish(client, inner, &uri).await;

    let md = review::markdown(&ctx, &review, &settings.model);
    let document = match ba_advisor::cache_dir() {
        Some(dir) => {
            match review::write_markdown(&dir, &ctx, &md) {
                Ok(p) => Some(p),
                Err(e) => {
                    client
                    .show_message(MessageType::WARNING, format!("backend-architect advisor: could not write the review document: {e}"))
                    .await;
                    None
                }
            }
        }
        None => None,
    };
    let doc_uri = document.as_ref().and_then(Uri::from_file_path);
    if let Some(doc_uri) = &doc_uri {
        if inner.advisor().show_document.load(Ordering::Relaxed) {
            let shown = client
                .show_document(ShowDocumentParams {
                    uri: doc_uri.clone(),
                    external: Some(false),
                    take_focus: Some(true),
                    selection: None,
                })
                .await;
            if let Err(e) = shown {
                tracing::warn!("window/showDocument failed: {e}");
            }
        } else {
            client
                .show_message(
                    MessageType::INFO,
                    format!(
                        "backend-architect advisor: {count} findings; the review is in {}",
                        doc_uri.as_str()
                    ),
                )
                .await;
        }
    }
    Ok(Some(json!({
        "findings": count,
        "document": doc_uri.map(|u| u.as_str().to_owned()),
    })))
}

/// Publishes a document's rule findings plus its advisor findings (push clients), or asks a
/// pull client to refresh.
async fn publish(client: &Client, inner: &Arc<impl Host>, uri: &Uri) {
    if inner.pulls_diagnostics() {
        let _ = client.workspace_diagnostic_refresh().await;
        return;
    }
    let Some(shared) = inner.docs().get(uri.as_str()) else {
        return;
    };
    let enc = inner.encoding();
    let (diags, version) = {
        let mut e = lock(&shared);
        e.analyze(uri.as_str());
        let mut diags: Vec<Diagnostic> = e
            .findings
            .iter()
            .map(|f| convert::diagnostic(uri, e.doc.rope(), f, enc))
            .collect();
        diags.extend(e.notices(enc));
        diags.extend(
            inner
                .advisor()
                .review_diagnostics(uri, e.doc.text(), e.doc.rope(), enc),
        );
        (diags, e.doc.version())
    };
    client
        .publish_diagnostics(uri.clone(), diags, Some(version))
        .await;
}

/// "Review this endpoint / model / file" actions at the request's range (advisor enabled).
pub fn review_actions(
    params: &CodeActionParams,
    e: &mut super::state::DocEntry,
    enc: PositionEncoding,
) -> Vec<CodeActionOrCommand> {
    if !e.settings.advisor.enabled {
        return Vec::new();
    }
    let wanted = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|k| {
                kind.as_str() == k.as_str()
                    || kind.as_str().starts_with(&format!("{}.", k.as_str()))
            })
        })
    };
    let kind = CodeActionKind::new("refactor.rewrite.backend-architect.review");
    if !wanted(&kind) {
        return Vec::new();
    }
    let uri = params.text_document.uri.as_str();
    let mut out = Vec::new();
    let mut command = |title: String, range: Option<Range>| {
        let mut arg = json!({"uri": uri});
        if let Some(r) = range {
            arg["range"] = serde_json::to_value(r).unwrap_or(Value::Null);
        }
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(kind.clone()),
            command: Some(Command {
                title,
                command: REVIEW_COMMAND.to_owned(),
                arguments: Some(vec![arg]),
            }),
            ..Default::default()
        }));
    };
    if let (Some(language), Some(tree)) = (e.language(), e.doc.tree().cloned()) {
        let tree = &tree;
        let rope = e.doc.rope();
        let start = convert::offset(rope, params.range.start, enc);
        let end = convert::offset(rope, params.range.end, enc);
        match context::target_at(
            language,
            e.doc.text(),
            tree,
            &(start.min(end)..start.max(end)),
        ) {
            Target::Endpoint { name, range } => command(
                format!("Review this endpoint (`{name}`) with the advisor"),
                Some(convert::range(rope, &range, enc)),
            ),
            Target::Model { name, range } => command(
                format!("Review this model (`{name}`) with the advisor"),
                Some(convert::range(rope, &range, enc)),
            ),
            Target::File => {}
        }
    }
    command("Review this file with the advisor".to_owned(), None);
    out
}

// ---- dependency manifests ---------------------------------------------------------------

fn manifest_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    let p = uri.to_file_path()?.into_owned();
    manifests::is_manifest(&p).then_some(p)
}

/// `Some` for a manifest, or a file with DEP001 findings (one a manifest includes with `-r`).
fn dependency_file(inner: &impl Host, uri: &Uri) -> Option<()> {
    let known = lock(&inner.advisor().dep_findings).contains_key(uri.as_str());
    (known || manifest_path(uri).is_some()).then_some(())
}

/// Whether a document at `uri` is a dependency manifest: the store keeps it as text only
/// (no language) and the advisor checks it.
pub fn is_manifest(uri: &Uri) -> bool {
    manifest_path(uri).is_some()
}

/// A manifest was opened (it is in the document store): check it, if enabled.
pub fn manifest_opened(client: &Client, inner: &Arc<impl Host>, uri: Uri, version: i32) {
    spawn_manifest_check(client, inner, uri, version, false);
}

/// An open manifest was edited (in the document store): check it again after a pause.
pub fn manifest_changed(client: &Client, inner: &Arc<impl Host>, uri: Uri, version: i32) {
    spawn_manifest_check(client, inner, uri, version, true);
}

/// The path and text of the open manifest at `uri` if it is still at `version` (`None` for any
/// version).
fn open_manifest(inner: &impl Host, uri: &Uri, version: Option<i32>) -> Option<(PathBuf, String)> {
    let shared = inner.docs().get(uri.as_str())?;
    let e = lock(&shared);
    if e.language().is_some() || version.is_some_and(|v| v != e.doc.version()) {
        return None;
    }
    Some((e.path.clone()?, e.doc.text().to_owned()))
}

/// The version of the open manifest at `uri`.
fn manifest_version(inner: &impl Host, uri: &Uri) -> Option<i32> {
    let shared = inner.docs().get(uri.as_str())?;
    let e = lock(&shared);
    e.language().is_none().then(|| e.doc.version())
}

/// Checks the manifest at `uri` (if still at `version`) and publishes DEP001 diagnostics on
/// it and on the files it includes.
fn spawn_manifest_check(
    client: &Client,
    inner: &Arc<impl Host>,
    uri: Uri,
    version: i32,
    debounce: bool,
) {
    let client = client.clone();
    let inner = inner.clone();
    tokio::spawn(async move {
        if debounce {
            // Typing a version number should not query every prefix of it.
            tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        }
        let Some((path, text)) = open_manifest(&inner, &uri, Some(version)) else {
            return; // Closed, or edited since (that edit has its own check).
        };
        check_and_publish(&client, &inner, vec![(path, text)], Some((uri, version))).await;
    });
}

async fn check_and_publish(
    client: &Client,
    inner: &Arc<impl Host>,
    manifests: Vec<(PathBuf, String)>,
    open: Option<(Uri, i32)>,
) {
    let Some(first) = manifests.first() else {
        return;
    };
    let (settings, _) = inner.settings_for(Some(&first.0));
    if !settings.dependencies.osv {
        // Turned off: take back what an earlier check published.
        let uri = Uri::from_file_path(&first.0);
        let had = uri
            .as_ref()
            .and_then(|u| lock(&inner.advisor().dep_findings).remove(u.as_str()));
        if let (Some(uri), Some(_)) = (uri, had) {
            client
                .publish_diagnostics(uri, Vec::new(), open.map(|(_, v)| v))
                .await;
        }
        return;
    }
    let report = deps::check(
        &manifests,
        &settings.dependencies,
        ba_advisor::cache_dir().as_deref(),
    )
    .await;
    if let Some(notice) = &report.notice {
        tracing::warn!("{notice}");
        if inner.advisor().first_notice(notice) {
            client
                .show_message(MessageType::WARNING, format!("backend-architect: {notice}"))
                .await;
        }
    }
    for e in &report.errors {
        tracing::warn!("{e}");
    }
    let enc = inner.encoding();
    let pull = inner.pulls_diagnostics();
    for file in report.files {
        let Some(file_uri) = Uri::from_file_path(&file.path) else {
            continue;
        };
        // Never publish for a manifest that changed while OSV was asked.
        let version = match &open {
            Some((u, v)) if u.as_str() == file_uri.as_str() => {
                if manifest_version(inner, u) != Some(*v) {
                    continue;
                }
                Some(*v)
            }
            _ => None,
        };
        let rope = Rope::from_str(&file.text);
        let diags: Vec<Diagnostic> = file
            .findings
            .iter()
            .map(|f| convert::diagnostic(&file_uri, &rope, f, enc))
            .collect();
        tracing::debug!(
            "{}: {} dependency findings",
            file_uri.as_str(),
            file.findings.len()
        );
        lock(&inner.advisor().dep_findings)
            .insert(file_uri.as_str().to_owned(), (file.text, file.findings));
        if !pull {
            client.publish_diagnostics(file_uri, diags, version).await;
        }
    }
    if pull {
        let _ = client.workspace_diagnostic_refresh().await;
    }
}

/// Pull diagnostics (`textDocument/diagnostic`) for a manifest; `None` if `uri` is not one.
pub fn manifest_diagnostics(inner: &impl Host, uri: &Uri) -> Option<Vec<Diagnostic>> {
    dependency_file(inner, uri)?;
    let enc = inner.encoding();
    let all = lock(&inner.advisor().dep_findings);
    Some(match all.get(uri.as_str()) {
        Some((text, findings)) => {
            let rope = Rope::from_str(text);
            findings
                .iter()
                .map(|f| convert::diagnostic(uri, &rope, f, enc))
                .collect()
        }
        None => Vec::new(),
    })
}

/// On startup, with `[dependencies] osv = true` for the workspace root: the root's manifests.
pub async fn initialized(client: &Client, inner: &Arc<impl Host>) {
    let Some(root) = inner.advisor().root() else {
        return;
    };
    let (settings, _) = inner.settings_for(Some(&root.join("pyproject.toml")));
    if !settings.dependencies.osv {
        return;
    }
    let found: Vec<(PathBuf, String)> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| manifests::is_manifest(p))
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    let client = client.clone();
    let inner = inner.clone();
    tokio::spawn(async move {
        for m in found {
            check_and_publish(&client, &inner, vec![m], None).await;
        }
    });
}

/// Lock files and included requirement files: when they change, open manifests are checked
/// again (the server watches them with the configuration files).
pub const WATCHED_GLOBS: &[&str] = &[
    "**/requirements*.txt",
    "**/poetry.lock",
    "**/Pipfile.lock",
    "**/package-lock.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
];

/// Whether every changed file is a lock or requirements file (nothing else to reload).
pub fn only_dependency_files(params: &DidChangeWatchedFilesParams) -> bool {
    !params.changes.is_empty()
        && params
            .changes
            .iter()
            .all(|c| is_dependency_file(c.uri.path().as_str().rsplit('/').next().unwrap_or("")))
}

/// Whether a file name is one of the lock or requirements files `WATCHED_GLOBS` matches.
pub fn is_dependency_file(name: &str) -> bool {
    matches!(
        name,
        "poetry.lock" | "Pipfile.lock" | "package-lock.json" | "yarn.lock" | "pnpm-lock.yaml"
    ) || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// Settings changed: check the open manifests again.
pub fn reload(client: &Client, inner: &Arc<impl Host>) {
    for (uri, shared) in inner.docs().all() {
        let version = {
            let e = lock(&shared);
            e.language().is_none().then(|| e.doc.version())
        };
        if let (Some(version), Ok(uri)) = (version, uri.parse::<Uri>()) {
            spawn_manifest_check(client, inner, uri, version, false);
        }
    }
}

/// Upgrade quick fixes on a manifest with DEP001 findings; `None` if `uri` is not one.
pub fn manifest_code_actions(
    inner: &impl Host,
    params: &CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = &params.text_document.uri;
    dependency_file(inner, uri)?;
    let enc = inner.encoding();
    let all = lock(&inner.advisor().dep_findings);
    let Some((text, findings)) = all.get(uri.as_str()) else {
        return Some(Vec::new());
    };
    // Only if the editor's text is still what the findings were computed on.
    if let Some((_, open)) = open_manifest(inner, uri, None) {
        if &open != text {
            return Some(Vec::new());
        }
    }
    let rope = Rope::from_str(text);
    let start = convert::offset(&rope, params.range.start, enc);
    let end = convert::offset(&rope, params.range.end, enc);
    let mut out = Vec::new();
    for f in findings {
        if f.range.end < start.min(end) || f.range.start > start.max(end) {
            continue;
        }
        let Some(fix) = &f.fix else { continue };
        let edits = fix
            .edits
            .iter()
            .map(|e| convert::text_edit(&rope, e, enc))
            .collect();
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![convert::diagnostic(uri, &rope, f, enc)]),
            edit: Some(workspace_edit(uri, edits)),
            is_preferred: Some(f.severity <= Severity::Warning),
            ..Default::default()
        }));
    }
    Some(out)
}

/// Hover on a manifest: the DEP001 finding under the cursor and the rule's docs; `None` if
/// `uri` is not a manifest.
pub fn manifest_hover(inner: &impl Host, params: &HoverParams) -> Option<Option<Hover>> {
    let pos = &params.text_document_position_params;
    dependency_file(inner, &pos.text_document.uri)?;
    let enc = inner.encoding();
    let all = lock(&inner.advisor().dep_findings);
    let Some((text, findings)) = all.get(pos.text_document.uri.as_str()) else {
        return Some(None);
    };
    let rope = Rope::from_str(text);
    let offset = convert::offset(&rope, pos.position, enc);
    let f = findings
        .iter()
        .find(|f| f.range.start <= offset && offset <= f.range.end)?;
    let value = format!(
        "**{}** {}\n\n---\n\n{}",
        f.rule.code,
        f.message,
        ba_rules::catalog::explain(f.rule)
    );
    Some(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(convert::range(&rope, &f.range, enc)),
    }))
}
