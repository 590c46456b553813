//! `backend-architect.showMap`: the architecture map of the workspace, for any client to show
//! (the VS Code extension in a webview, Neovim in a split). Answers from the workspace index
//! (after the first walk), with the findings of the open documents on their nodes.
//!
//! Arguments (all optional): `{"format": "mermaid" | "dot" | "json" | "html", "focus": "/users",
//! "expand": true}`. Result: `{"format", "content", "routes", "apps"}`. `html` is the
//! self-contained page of `check --format html` for what the server knows: the map, and the
//! findings of the open documents.

use std::sync::Arc;

use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};

use super::state::lock;
use super::workspace::key_of;
use super::workspace::Host;
use ba_report::map::{MapOptions, DEFAULT_COLLAPSE};
use ba_report::FileFindings;

pub const MAP_COMMAND: &str = "backend-architect.showMap";

struct Request {
    format: String,
    focus: Option<String>,
    expand: bool,
}

fn request(arguments: &[Value]) -> Result<Request> {
    let arg = arguments.first().cloned().unwrap_or(Value::Null);
    let field = |k: &str| arg.get(k).filter(|v| !v.is_null());
    let format = match field("format") {
        None => "mermaid".to_owned(),
        Some(Value::String(f)) if ["mermaid", "dot", "json", "html"].contains(&f.as_str()) => {
            f.clone()
        }
        Some(other) => {
            return Err(Error::invalid_params(format!(
            "{MAP_COMMAND}: format must be \"mermaid\", \"dot\", \"json\" or \"html\", not {other}"
        )))
        }
    };
    let focus = match field("focus") {
        None => None,
        Some(Value::String(f)) if !f.trim().is_empty() => Some(f.clone()),
        Some(Value::String(_)) => None,
        Some(other) => {
            return Err(Error::invalid_params(format!(
                "{MAP_COMMAND}: focus must be a string (a route path, a file or a handler), not {other}"
            )))
        }
    };
    let expand = match field("expand") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(Error::invalid_params(format!(
                "{MAP_COMMAND}: expand must be true or false, not {other}"
            )))
        }
    };
    Ok(Request {
        format,
        focus,
        expand,
    })
}

pub async fn execute(inner: &Arc<impl Host>, arguments: &[Value]) -> Result<Option<Value>> {
    let req = request(arguments)?;
    inner.workspace().wait_ready().await;
    let inner = inner.clone();
    let answer = tokio::task::spawn_blocking(move || {
        // The open documents' findings, as last analysed (no analysis is started here).
        let mut files = Vec::new();
        for (uri, shared) in inner.docs().all() {
            let e = lock(&shared);
            if e.language().is_none() || e.findings_version != Some(e.doc.version()) {
                continue;
            }
            files.push(FileFindings {
                path: key_of(&uri, e.path.as_ref()),
                text: e.doc.text().to_owned(),
                findings: e.findings.clone(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let root = inner
            .workspace()
            .roots()
            .first()
            .map(|r| r.to_string_lossy().into_owned());
        let html = req.format == "html";
        let options = MapOptions {
            focus: req.focus,
            // The page folds resources itself.
            expand: req.expand || html,
            collapse_over: DEFAULT_COLLAPSE,
            root: root.clone(),
        };
        let map = {
            let mut index = lock(&inner.workspace().index);
            ba_report::build(&mut index, &files, &options)
        };
        let content = match req.format.as_str() {
            "dot" => ba_report::render::dot(&map),
            "json" => ba_report::render::json(&map),
            "html" => {
                let root = root.map(std::path::PathBuf::from);
                // The findings are shown with paths relative to the workspace folder.
                for f in &mut files {
                    if let Some(rel) = root
                        .as_deref()
                        .and_then(|r| std::path::Path::new(&f.path).strip_prefix(r).ok())
                    {
                        f.path = rel.to_string_lossy().replace('\\', "/");
                    }
                }
                ba_report::html::render(
                    &map,
                    &files,
                    &ba_report::html::HtmlOptions {
                        title: "Architecture map",
                        files_checked: files.len(),
                        root: root.as_deref(),
                    },
                )
                .map_err(|e| e.to_string())?
            }
            _ => ba_report::render::mermaid(&map),
        };
        Ok::<_, String>(json!({
            "format": req.format,
            "content": content,
            "apps": map.summary.apps,
            "routes": map.summary.routes,
        }))
    })
    .await
    .map_err(|e| {
        tracing::error!("{MAP_COMMAND}: {e}");
        Error::internal_error()
    })?;
    match answer {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            tracing::error!("{MAP_COMMAND}: {e}");
            Err(Error::internal_error())
        }
    }
}
