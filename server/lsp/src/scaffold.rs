//! Scaffolding over LSP: code actions where the cursor is (`refactor.rewrite` for code written
//! in place, `source` for new files) that call `workspace/executeCommand` commands
//! `backend-architect.scaffold.<name>`; the command runs the generator and applies its output
//! with `workspace/applyEdit`. New files are `CreateFile` resource operations when the client
//! supports them; otherwise the server asks (`window/showMessageRequest`) and, if the user
//! agrees, writes them itself (never over an existing file) and shows the first one
//! (`window/showDocument`); if not, the command's result carries what it would write.
//!
//! Project generators start from the active document (the one the client last opened, edited
//! or asked about) when given a folder or nothing: the nearest manifest above that file is the
//! project, so a monorepo's folder is not mistaken for a service. A Python service without a
//! manifest is offered a requirements.txt or pyproject.toml first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use ls_types::*;
use ropey::Rope;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::{ls_types, Client};

use super::convert;
use super::state::{lock, DocEntry, Documents};
use ba_scaffold::{self as scaffold, Disk, Files, Output, Project, Source, COMMAND_PREFIX};
use ba_syntax::{parse, Language, PositionEncoding};

/// What the client told us at `initialize`.
#[derive(Default)]
pub struct State {
    create_files: AtomicBool,
    apply_edit: AtomicBool,
    show_document: AtomicBool,
    root: RwLock<Option<PathBuf>>,
    /// The file of the document the client last opened, edited or asked about.
    active: RwLock<Option<PathBuf>>,
}

impl State {
    pub fn init(&self, params: &InitializeParams) {
        let workspace = params.capabilities.workspace.as_ref();
        let create = workspace
            .and_then(|w| w.workspace_edit.as_ref())
            // Resource operations only exist inside `documentChanges`, so announcing "create"
            // implies it (Neovim 0.7 announces the operations without the flag).
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create));
        self.create_files.store(create, Ordering::Relaxed);
        self.apply_edit.store(
            workspace.and_then(|w| w.apply_edit).unwrap_or(false),
            Ordering::Relaxed,
        );
        self.show_document.store(
            params
                .capabilities
                .window
                .as_ref()
                .and_then(|w| w.show_document.as_ref())
                .is_some_and(|s| s.support),
            Ordering::Relaxed,
        );
        *self.root.write().unwrap_or_else(|e| e.into_inner()) =
            super::workspace::first_root(params);
    }

    fn root(&self) -> Option<PathBuf> {
        self.root.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The client opened, edited or asked about the document at `uri`.
    pub fn touched(&self, uri: &Uri) {
        if let Some(path) = super::session::uri_path(uri) {
            *self.active.write().unwrap_or_else(|e| e.into_inner()) = Some(path);
        }
    }

    fn active(&self) -> Option<PathBuf> {
        self.active
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Where a project generator starts looking for the project: the file given, else the
    /// active document if it is inside the folder given (or no folder was given), else the
    /// folder (or the workspace root).
    fn project_start(&self, given: Option<PathBuf>) -> Option<PathBuf> {
        if let Some(p) = &given {
            if !p.is_dir() {
                return given;
            }
        }
        let active = self
            .active()
            .filter(|a| given.as_ref().is_none_or(|dir| a.starts_with(dir)));
        active.or(given).or_else(|| self.root())
    }
}

/// The directory a Python file's service lives in: above the packages (directories with
/// `__init__.py`) the file is in.
fn python_service_root(file: &Path) -> PathBuf {
    let mut dir = file.parent().unwrap_or(file);
    while dir.join("__init__.py").exists() {
        match dir.parent() {
            Some(parent) => dir = parent,
            None => break,
        }
    }
    dir.to_owned()
}

/// Asks which manifest to create for the Python service at `root`; `None`: neither.
async fn ask_manifest(client: &Client, root: &Path) -> Option<scaffold::PythonManifest> {
    use scaffold::PythonManifest::{Pyproject, Requirements};
    let actions = [Requirements, Pyproject]
        .iter()
        .map(|k| MessageActionItem {
            title: format!("Create {}", k.file_name()),
            properties: Default::default(),
        })
        .chain([MessageActionItem {
            title: "Cancel".to_owned(),
            properties: Default::default(),
        }])
        .collect();
    let message = format!(
        "backend-architect: the Python service in {} has no requirements.txt or pyproject.toml. Create one (from the packages its code imports) with the generated files?",
        root.display()
    );
    let answer = client
        .show_message_request(MessageType::INFO, message, Some(actions))
        .await;
    let title = answer.ok().flatten()?.title;
    [Requirements, Pyproject]
        .into_iter()
        .find(|k| title == format!("Create {}", k.file_name()))
}

/// Every scaffolding command, for `executeCommandProvider`.
pub fn commands() -> Vec<String> {
    scaffold::GENERATORS
        .iter()
        .map(|g| format!("{COMMAND_PREFIX}{}", g.name))
        .collect()
}

fn wants(only: &Option<Vec<CodeActionKind>>, kind: &CodeActionKind) -> bool {
    match only {
        None => true,
        Some(list) => list.iter().any(|k| {
            kind.as_str() == k.as_str() || kind.as_str().starts_with(&format!("{}.", k.as_str()))
        }),
    }
}

/// The generators offered at the cursor, as code actions that run their command. A bug here
/// never costs the quick fixes computed beside it: a panic is logged and offers nothing.
pub fn code_actions(
    params: &CodeActionParams,
    e: &mut DocEntry,
    enc: PositionEncoding,
) -> Vec<CodeActionOrCommand> {
    let run = std::panic::AssertUnwindSafe(|| offered(params, e, enc));
    std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        tracing::error!(
            "scaffold offers for {} panicked: {}",
            params.text_document.uri.as_str(),
            ba_engine::panic_message(&panic)
        );
        Vec::new()
    })
}

fn offered(
    params: &CodeActionParams,
    e: &mut DocEntry,
    enc: PositionEncoding,
) -> Vec<CodeActionOrCommand> {
    let Some(path) = e.path.clone() else {
        return Vec::new(); // Untitled buffers have no project to generate into.
    };
    let only = &params.context.only;
    let rewrite = CodeActionKind::REFACTOR_REWRITE;
    let source = CodeActionKind::SOURCE;
    if !wants(only, &rewrite) && !wants(only, &source) {
        return Vec::new();
    }
    let offset = convert::offset(e.doc.rope(), params.range.start, enc);
    let Some(language) = e.language() else {
        return Vec::new();
    };
    let Some(tree) = e.doc.tree().cloned() else {
        return Vec::new();
    };
    let text = e.doc.text();
    let src = Source {
        path: &path,
        language,
        text,
        tree: &tree,
    };
    let project = Project::discover(&path, &Disk);
    scaffold::offers(&src, offset, &project)
        .into_iter()
        .filter_map(|o| {
            let kind = if o.creates_files {
                source.clone()
            } else {
                rewrite.clone()
            };
            wants(only, &kind).then(|| {
                let command = Command {
                    title: o.title.clone(),
                    command: format!("{COMMAND_PREFIX}{}", o.name),
                    arguments: Some(vec![json!({
                        "uri": params.text_document.uri,
                        "position": params.range.start,
                    })]),
                };
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: o.title,
                    kind: Some(kind),
                    command: Some(command),
                    ..Default::default()
                })
            })
        })
        .collect()
}

/// Open documents first, then the disk: generators see unsaved edits.
struct OpenFiles(HashMap<PathBuf, String>);

impl Files for OpenFiles {
    fn read(&self, path: &Path) -> Option<String> {
        self.0.get(path).cloned().or_else(|| Disk.read(path))
    }
}

fn failed(message: String) -> Error {
    Error {
        // LSP's RequestFailed: the request was valid but could not be carried out.
        code: ErrorCode::ServerError(-32803),
        message: message.into(),
        data: None,
    }
}

struct Cursor {
    path: PathBuf,
    language: Language,
    text: String,
    tree: tree_sitter::Tree,
    offset: usize,
}

/// Runs `workspace/executeCommand` for a scaffolding command.
pub async fn execute(
    client: &Client,
    docs: &Documents,
    state: &State,
    enc: PositionEncoding,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    let name = params
        .command
        .strip_prefix(COMMAND_PREFIX)
        .filter(|n| scaffold::generator(n).is_some())
        .ok_or_else(|| Error::invalid_params(format!("unknown command `{}`", params.command)))?
        .to_owned();
    let arg = params.arguments.first().cloned().unwrap_or(Value::Null);
    let uri: Option<Uri> = match arg.get("uri") {
        Some(v) => Some(
            serde_json::from_value(v.clone())
                .map_err(|e| Error::invalid_params(format!("`uri`: {e}")))?,
        ),
        None => None,
    };
    let position: Option<Position> = match arg.get("position") {
        Some(v) => Some(
            serde_json::from_value(v.clone())
                .map_err(|e| Error::invalid_params(format!("`position`: {e}")))?,
        ),
        None => None,
    };
    let path = uri
        .as_ref()
        .and_then(|u| u.to_file_path().map(|p| p.into_owned()));
    if uri.is_some() && path.is_none() {
        return Err(Error::invalid_params("`uri` must be a file: URI"));
    }

    // Snapshot the open documents (and the one under the cursor) without holding locks later.
    let mut open = HashMap::new();
    let mut versions = HashMap::new();
    let mut cursor = None;
    for (key, shared) in docs.all() {
        let mut e = lock(&shared);
        let Some(p) = e.path.clone() else { continue };
        if path.as_ref() == Some(&p) {
            if let (Some(pos), Some(language), Some(tree)) =
                (position, e.language(), e.doc.tree().cloned())
            {
                cursor = Some(Cursor {
                    offset: convert::offset(e.doc.rope(), pos, enc),
                    path: p.clone(),
                    language,
                    text: e.doc.text().to_owned(),
                    tree,
                });
            }
        }
        versions.insert(p.clone(), (key, e.doc.version()));
        open.insert(p, e.doc.text().to_owned());
    }
    let files = OpenFiles(open);
    let generator = scaffold::generator(&name).expect("checked above");
    if generator.scope != scaffold::Scope::Project && cursor.is_none() {
        // Not open (or no position): read it from disk.
        let (Some(p), Some(pos)) = (path.clone(), position) else {
            return Err(Error::invalid_params(format!(
                "`{name}` needs {{\"uri\", \"position\"}} of the code it works on"
            )));
        };
        let language = Language::from_path(&p)
            .ok_or_else(|| failed(format!("{} is not Python or JavaScript", p.display())))?;
        let text = files
            .read(&p)
            .ok_or_else(|| failed(format!("cannot read {}", p.display())))?;
        let tree = parse::parse(language, &text, None)
            .ok_or_else(|| failed(format!("{} does not parse", p.display())))?;
        let offset = convert::offset(&Rope::from_str(&text), pos, enc);
        cursor = Some(Cursor {
            path: p,
            language,
            text,
            tree,
            offset,
        });
    }
    let start = if generator.scope == scaffold::Scope::Project {
        state.project_start(path.clone())
    } else {
        path.clone().or_else(|| state.root())
    };
    let start = start.ok_or_else(|| {
        Error::invalid_params(
            "no workspace folder: pass {\"uri\": <a file or folder of the project>}",
        )
    })?;
    // A Python service without a manifest: offer to create one with the generated files.
    let mut files = files;
    let mut manifest = None;
    if generator.scope == scaffold::Scope::Project
        && Language::from_path(&start) == Some(Language::Python)
    {
        let project = Project::discover(&start, &files);
        if !project.python && !project.node {
            let root = python_service_root(&start);
            let Some(kind) = ask_manifest(client, &root).await else {
                return Ok(Some(json!({"applied": false, "files": [], "edited": []})));
            };
            let (job_root, job_files) = (root.clone(), files);
            let (new, back) = tokio::task::spawn_blocking(move || {
                (
                    scaffold::python_manifest(kind, &job_root, &job_files),
                    job_files,
                )
            })
            .await
            .map_err(|_| Error::internal_error())?;
            files = back;
            // The generator reads it as if it were there.
            files.0.insert(new.path.clone(), new.content.clone());
            manifest = Some((root, new));
        }
    }

    let job = tokio::task::spawn_blocking(move || {
        let project = match &manifest {
            Some((root, _)) => Project::load(root.clone(), &files),
            None => Project::discover(&start, &files),
        };
        let out = match &cursor {
            Some(c) => {
                let src = Source {
                    path: &c.path,
                    language: c.language,
                    text: &c.text,
                    tree: &c.tree,
                };
                scaffold::generate(&name, Some(&src), c.offset, &project, &files)
            }
            None => scaffold::generate(&name, None, 0, &project, &files),
        };
        let out = out.map(|mut out| {
            if let Some((_, new)) = manifest {
                out.files.insert(0, new);
            }
            out
        });
        (out, project.root, files)
    });
    let (out, root, files) = job.await.map_err(|e| {
        tracing::error!("scaffold {} panicked: {e}", params.command);
        Error::internal_error()
    })?;
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            client
                .show_message(MessageType::WARNING, format!("backend-architect: {e}"))
                .await;
            return Err(failed(e.0));
        }
    };
    let summary = json!({
        "files": out.files.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
        "edited": out.edits.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
    });
    let can_create = state.create_files.load(Ordering::Relaxed);
    let can_apply = state.apply_edit.load(Ordering::Relaxed);
    if !out.files.is_empty() && !can_create && (can_apply || out.edits.is_empty()) {
        // The editor cannot create files (eglot 1.9): the server writes them, if the user says so.
        if let Some(result) =
            write_after_asking(client, state, &out, &files, &versions, enc, &root).await?
        {
            return Ok(Some(result));
        }
    }
    if !can_apply || (!out.files.is_empty() && !can_create) {
        let preview = out.describe(&root);
        client
            .show_message(
                MessageType::INFO,
                format!(
                    "backend-architect: this editor cannot {} through LSP, so nothing was written; the command's result holds the content",
                    if can_apply { "create files" } else { "apply edits" }
                ),
            )
            .await;
        return Ok(Some(json!({
            "applied": false,
            "files": summary["files"],
            "edited": summary["edited"],
            "preview": preview,
        })));
    }
    let edit = workspace_edit(&out, &files, &versions, enc, can_create);
    match client.apply_edit(edit).await {
        Ok(resp) => {
            if !resp.applied {
                let reason = resp
                    .failure_reason
                    .unwrap_or_else(|| "no reason given".into());
                client
                    .show_message(
                        MessageType::WARNING,
                        format!("backend-architect: the editor did not apply the change: {reason}"),
                    )
                    .await;
            }
            Ok(Some(json!({
                "applied": resp.applied,
                "files": summary["files"],
                "edited": summary["edited"],
            })))
        }
        Err(e) => Err(failed(format!("workspace/applyEdit failed: {e}"))),
    }
}

const WRITE: &str = "Write the files";

/// For a client that cannot create files: asks, then writes the new files from the server
/// (never over an existing file), applies the edits to existing files through the client, and
/// shows the first new file. `None` when the user declines (the caller shows a preview).
async fn write_after_asking(
    client: &Client,
    state: &State,
    out: &Output,
    files: &OpenFiles,
    versions: &HashMap<PathBuf, (String, i32)>,
    enc: PositionEncoding,
    root: &Path,
) -> Result<Option<Value>> {
    let names: Vec<String> = out
        .files
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(root)
                .unwrap_or(&f.path)
                .display()
                .to_string()
        })
        .collect();
    let message = format!(
        "backend-architect: this editor cannot create files through LSP. Write {} in {} from the server?",
        names.join(", "),
        root.display()
    );
    let actions = vec![
        MessageActionItem {
            title: WRITE.to_owned(),
            properties: Default::default(),
        },
        MessageActionItem {
            title: "Show the content only".to_owned(),
            properties: Default::default(),
        },
    ];
    let answer = client
        .show_message_request(MessageType::INFO, message, Some(actions))
        .await;
    if !matches!(answer, Ok(Some(ref a)) if a.title == WRITE) {
        return Ok(None);
    }
    let new_files = out.files.clone();
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<PathBuf>> {
        // All or nothing: refuse before writing anything if one exists.
        if let Some(f) = new_files.iter().find(|f| f.path.exists()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", f.path.display()),
            ));
        }
        let mut done = Vec::new();
        for f in &new_files {
            if let Some(dir) = f.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&f.path)?;
            std::io::Write::write_all(&mut file, f.content.as_bytes())?;
            done.push(f.path.clone());
        }
        Ok(done)
    })
    .await
    .map_err(|_| Error::internal_error())?;
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            let message = format!("backend-architect: nothing was written: {e}");
            client.show_message(MessageType::ERROR, &message).await;
            return Err(failed(message));
        }
    };
    let mut applied = true;
    if !out.edits.is_empty() {
        let edit = workspace_edit(out, files, versions, enc, false);
        applied = client.apply_edit(edit).await.is_ok_and(|r| r.applied);
    }
    if state.show_document.load(Ordering::Relaxed) {
        if let Some(uri) = written.first().and_then(Uri::from_file_path) {
            let shown = client
                .show_document(ShowDocumentParams {
                    uri,
                    external: Some(false),
                    take_focus: Some(true),
                    selection: None,
                })
                .await;
            if let Err(e) = shown {
                tracing::debug!("window/showDocument failed: {e}");
            }
        }
    }
    Ok(Some(json!({
        "applied": applied,
        "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "files": out.files.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
        "edited": out.edits.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
    })))
}

/// The output as one `WorkspaceEdit`: resource operations when the client creates files,
/// else a plain `changes` map (only edits to existing files then).
fn workspace_edit(
    out: &Output,
    files: &OpenFiles,
    versions: &HashMap<PathBuf, (String, i32)>,
    enc: PositionEncoding,
    create: bool,
) -> WorkspaceEdit {
    let mut edits_by_file: Vec<(Uri, Option<i32>, Vec<TextEdit>)> = Vec::new();
    for fe in &out.edits {
        let Some(uri) = Uri::from_file_path(&fe.path) else {
            continue;
        };
        let text = files.read(&fe.path).unwrap_or_default();
        let rope = Rope::from_str(&text);
        let edits = fe
            .edits
            .iter()
            .map(|x| convert::text_edit(&rope, x, enc))
            .collect();
        let version = versions.get(&fe.path).map(|(_, v)| *v);
        edits_by_file.push((uri, version, edits));
    }
    if !create {
        return WorkspaceEdit {
            changes: Some(edits_by_file.into_iter().map(|(u, _, e)| (u, e)).collect()),
            ..Default::default()
        };
    }
    let mut ops = Vec::new();
    for f in &out.files {
        let Some(uri) = Uri::from_file_path(&f.path) else {
            continue;
        };
        ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
            CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            },
        )));
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(TextEdit::new(
                Range::new(Position::new(0, 0), Position::new(0, 0)),
                f.content.clone(),
            ))],
        }));
    }
    for (uri, version, edits) in edits_by_file {
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: edits.into_iter().map(OneOf::Left).collect(),
        }));
    }
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(ops)),
        ..Default::default()
    }
}
