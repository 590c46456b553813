//! Document symbols (routers with their routes, models with their fields), workspace symbols
//! (every route and model), code lenses above handlers, and hover on a route decorator.

use std::sync::Arc;

use ls_types::*;
use ropey::Rope;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types;

use super::convert;
use super::state::lock;
use super::workspace::Host;
use super::workspace::{key_of, uri_of};
use ba_app::{Anchor, RouteView};
use ba_syntax::PositionEncoding;

fn range(rope: &Rope, r: &std::ops::Range<usize>, enc: PositionEncoding) -> Range {
    let end = r.end.min(rope.len_bytes());
    let start = r.start.min(end);
    convert::range(rope, &(start..end), enc)
}

/// The open document's key, rope and index entry, brought up to date.
fn open_doc(inner: &impl Host, uri: &Uri) -> Result<(String, Rope)> {
    let Some(shared) = inner.docs().get(uri.as_str()) else {
        return Err(Error::invalid_params(format!(
            "{} is not open",
            uri.as_str()
        )));
    };
    let mut e = lock(&shared);
    e.analyze(uri.as_str());
    let key = key_of(uri.as_str(), e.path.as_ref());
    // The facts of the current text (analysis may not have been published yet).
    let _ = super::workspace::refresh(inner, uri.as_str(), &mut e);
    Ok((key, e.doc.rope().clone()))
}

#[allow(deprecated)]
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    full: Range,
    selection: Range,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: full,
        selection_range: selection,
        children: (!children.is_empty()).then_some(children),
    }
}

fn union(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

pub(super) fn document_symbols(
    inner: &impl Host,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let (key, rope) = open_doc(inner, &params.text_document.uri)?;
    let enc = inner.encoding();
    let mut index = lock(&inner.workspace().index);
    let resolved = index.resolved();
    let Some(file) = index.file(&key).cloned() else {
        return Ok(Some(DocumentSymbolResponse::Nested(Vec::new())));
    };
    let facts = &file.facts;
    // Full paths of this file's routes (a router mounted twice has two).
    let full_paths = |i: usize| -> Vec<String> {
        let mut v: Vec<String> = resolved
            .routes_in(&key)
            .filter(|r| r.registration == (file.key.clone(), Anchor::Route(i)))
            .map(|r| r.path.clone())
            .collect();
        v.dedup();
        v
    };
    let route_symbol = |i: usize| {
        let r = &facts.routes[i];
        let paths = full_paths(i);
        let path = paths.first().cloned().unwrap_or_else(|| r.path.clone());
        let full = union(&r.span.0, &r.handler_full.0);
        symbol(
            format!("{} {path}", r.methods.join(",")),
            Some(r.handler.clone()),
            SymbolKind::METHOD,
            range(&rope, &full, enc),
            range(&rope, &r.span.0, enc),
            Vec::new(),
        )
    };
    let mut out = Vec::new();
    let mut placed = vec![false; facts.routes.len()];
    for o in &facts.owners {
        let children: Vec<DocumentSymbol> = facts
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.owner == o.var)
            .map(|(i, _)| {
                placed[i] = true;
                route_symbol(i)
            })
            .collect();
        let detail = if o.prefix.is_empty() {
            o.framework.name().to_owned()
        } else {
            format!("{} prefix {}", o.framework.name(), o.prefix)
        };
        let mut full = o.span.0.clone();
        for r in facts.routes.iter().filter(|r| r.owner == o.var) {
            full = union(&full, &union(&r.span.0, &r.handler_full.0));
        }
        out.push(symbol(
            o.var.clone(),
            Some(detail),
            if o.is_app {
                SymbolKind::MODULE
            } else {
                SymbolKind::NAMESPACE
            },
            range(&rope, &full, enc),
            range(&rope, &o.span.0, enc),
            children,
        ));
    }
    // Routes on a router created elsewhere (imported, or passed in as a parameter).
    for (i, placed) in placed.iter().enumerate() {
        if !placed {
            out.push(route_symbol(i));
        }
    }
    // Django views: the routes that reach them.
    for (vi, v) in facts.views.iter().enumerate() {
        for r in resolved
            .routes_in(&key)
            .filter(|r| r.handler == (file.key.clone(), Anchor::View(vi)))
        {
            out.push(symbol(
                format!("{} {}", r.methods.join(","), r.path),
                Some(r.handler_name.clone()),
                SymbolKind::METHOD,
                range(&rope, &v.full.0, enc),
                range(&rope, &v.span.0, enc),
                Vec::new(),
            ));
        }
    }
    for m in &facts.models {
        let fields = m
            .fields
            .iter()
            .map(|f| {
                symbol(
                    f.name.clone(),
                    (!f.ty.is_empty()).then(|| f.ty.clone()),
                    SymbolKind::FIELD,
                    range(&rope, &f.span.0, enc),
                    range(&rope, &f.span.0, enc),
                    Vec::new(),
                )
            })
            .collect();
        out.push(symbol(
            m.name.clone(),
            Some(format!("{} model", m.kind.name())),
            SymbolKind::STRUCT,
            range(&rope, &union(&m.full.0, &m.span.0), enc),
            range(&rope, &m.span.0, enc),
            fields,
        ));
    }
    // GraphQL types with their resolved fields, WebSocket endpoints with their handlers.
    let mut types: Vec<(&str, Vec<&ba_app::graphql::Resolver>)> = Vec::new();
    for r in &facts.resolvers {
        match types.iter_mut().find(|(t, _)| *t == r.parent) {
            Some((_, v)) => v.push(r),
            None => types.push((&r.parent, vec![r])),
        }
    }
    for (parent, fields) in types {
        let mut full = fields[0].full.0.clone();
        let children = fields
            .iter()
            .map(|r| {
                full = union(&full, &r.full.0);
                symbol(
                    r.field.clone(),
                    Some(format!("{} resolver {}", r.library.name(), r.function)),
                    SymbolKind::FIELD,
                    range(&rope, &r.full.0, enc),
                    range(&rope, &r.span.0, enc),
                    Vec::new(),
                )
            })
            .collect();
        out.push(symbol(
            parent.to_owned(),
            Some("GraphQL type".to_owned()),
            SymbolKind::CLASS,
            range(&rope, &full, enc),
            range(&rope, &fields[0].span.0, enc),
            children,
        ));
    }
    for h in &facts.sockets {
        out.push(symbol(
            format!("{} \"{}\"", h.endpoint, h.event),
            Some(format!("{} handler {}", h.library.name(), h.handler)),
            SymbolKind::EVENT,
            range(&rope, &h.full.0, enc),
            range(&rope, &h.span.0, enc),
            Vec::new(),
        ));
    }
    out.sort_by_key(|s| (s.range.start.line, s.range.start.character));
    Ok(Some(DocumentSymbolResponse::Nested(out)))
}

/// A file's text as a rope: the open document's, else the file on disk.
fn rope_of(inner: &impl Host, key: &str) -> Option<Rope> {
    let uri = uri_of(key)?;
    if let Some(shared) = inner.docs().get(uri.as_str()) {
        return Some(lock(&shared).doc.rope().clone());
    }
    std::fs::read_to_string(key)
        .ok()
        .map(|t| Rope::from_str(&t))
}

const MAX_WORKSPACE_SYMBOLS: usize = 500;

pub(super) fn workspace_symbols(
    inner: &impl Host,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let query = params.query.to_ascii_lowercase();
    let enc = inner.encoding();
    // (name, container, kind, key, range)
    // (name, container, kind, file, byte range)
    type Hit = (String, String, SymbolKind, Arc<str>, std::ops::Range<usize>);
    let mut hits: Vec<Hit> = Vec::new();
    {
        let mut index = lock(&inner.workspace().index);
        let resolved = index.resolved();
        for r in &resolved.routes {
            let name = format!("{} {}", r.methods.join(","), r.path);
            if !name.to_ascii_lowercase().contains(&query)
                && !r.handler_name.to_ascii_lowercase().contains(&query)
            {
                continue;
            }
            let Some(range) = index
                .file(&r.handler.0)
                .and_then(|f| f.handler_range(r.handler.1))
            else {
                continue;
            };
            hits.push((
                name,
                r.handler_name.clone(),
                SymbolKind::METHOD,
                r.handler.0.clone(),
                range,
            ));
        }
        for f in index.files() {
            for r in &f.facts.resolvers {
                let name = format!("{}.{}", r.parent, r.field);
                if name.to_ascii_lowercase().contains(&query)
                    || r.function.to_ascii_lowercase().contains(&query)
                {
                    hits.push((
                        name,
                        format!("{} resolver {}", r.library.name(), r.function),
                        SymbolKind::FIELD,
                        f.key.clone(),
                        r.span.0.clone(),
                    ));
                }
            }
            for h in &f.facts.sockets {
                let name = format!("{} \"{}\"", h.endpoint, h.event);
                if name.to_ascii_lowercase().contains(&query)
                    || h.handler.to_ascii_lowercase().contains(&query)
                {
                    hits.push((
                        name,
                        format!("{} handler {}", h.library.name(), h.handler),
                        SymbolKind::EVENT,
                        f.key.clone(),
                        h.span.0.clone(),
                    ));
                }
            }
            for m in &f.facts.models {
                if m.name.to_ascii_lowercase().contains(&query) {
                    hits.push((
                        m.name.clone(),
                        format!("{} model", m.kind.name()),
                        SymbolKind::STRUCT,
                        f.key.clone(),
                        m.span.0.clone(),
                    ));
                }
            }
        }
    }
    hits.sort_by(|a, b| (&a.0, &a.3).cmp(&(&b.0, &b.3)));
    hits.truncate(MAX_WORKSPACE_SYMBOLS);
    let mut ropes: std::collections::HashMap<Arc<str>, Option<Rope>> = Default::default();
    let mut out = Vec::new();
    for (name, container, kind, key, r) in hits {
        let rope = ropes
            .entry(key.clone())
            .or_insert_with(|| rope_of(inner, &key))
            .clone();
        let (Some(rope), Some(uri)) = (rope, uri_of(&key)) else {
            continue;
        };
        out.push(WorkspaceSymbol {
            name,
            kind,
            tags: None,
            container_name: Some(container),
            location: OneOf::Left(Location {
                uri,
                range: range(&rope, &r, enc),
            }),
            data: None,
        });
    }
    Ok(Some(WorkspaceSymbolResponse::Nested(out)))
}

pub(super) fn code_lenses(
    inner: &impl Host,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    let (key, rope) = open_doc(inner, &params.text_document.uri)?;
    let enc = inner.encoding();
    let mut index = lock(&inner.workspace().index);
    let resolved = index.resolved();
    let Some(file) = index.file(&key).cloned() else {
        return Ok(Some(Vec::new()));
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in resolved.routes_in(&key) {
        // Above the handler: the decorator or registering call, or the Django view.
        let at = if r.handler.0 == file.key {
            r.handler.1
        } else {
            continue;
        };
        let Some(span) = (match at {
            Anchor::Route(i) => file.facts.routes.get(i).map(|x| x.span.0.clone()),
            other => file.range(other),
        }) else {
            continue;
        };
        if !seen.insert((span.start, r.methods.clone(), r.path.clone())) {
            continue;
        }
        let tests = index.tests_calling(&r.path);
        let title = format!(
            "{} {} · auth: {} · {} test{}",
            r.methods.join(","),
            r.path,
            if r.auth { "yes" } else { "no" },
            tests,
            if tests == 1 { "" } else { "s" }
        );
        let line_start = range(&rope, &(span.start..span.start), enc).start;
        out.push(CodeLens {
            range: Range::new(
                Position::new(line_start.line, 0),
                Position::new(line_start.line, 0),
            ),
            command: Some(Command {
                title,
                command: String::new(),
                arguments: None,
            }),
            data: None,
        });
    }
    // GraphQL: "Query.user → resolve_user" above each resolver; WebSocket: the endpoint and
    // event above each handler.
    let lens = |at: usize, title: String| {
        let line = range(&rope, &(at..at), enc).start.line;
        CodeLens {
            range: Range::new(Position::new(line, 0), Position::new(line, 0)),
            command: Some(Command {
                title,
                command: String::new(),
                arguments: None,
            }),
            data: None,
        }
    };
    for r in &file.facts.resolvers {
        out.push(lens(
            r.full.0.start,
            format!("GraphQL {} · {}", r.label(), r.library.name()),
        ));
    }
    for h in &file.facts.sockets {
        out.push(lens(
            h.full.0.start,
            format!("WebSocket {} · {}", h.label(), h.library.name()),
        ));
    }
    Ok(Some(out))
}

/// Markdown for a hover on a route's decorator or registering call, if `offset` is on one.
pub(super) fn route_hover(inner: &impl Host, key: &str, offset: usize) -> Option<String> {
    let view: RouteView = {
        let mut index = lock(&inner.workspace().index);
        index.route_at(key, offset)?
    };
    let chain = if view.chain.is_empty() {
        "none".to_owned()
    } else {
        view.chain
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    Some(format!(
        "**{} {}** ({})\n\n- handler: `{}`\n- authentication: {}\n- dependencies / middleware: {}\n",
        view.methods.join(","),
        view.path,
        view.framework.name(),
        view.handler,
        if view.auth { "yes" } else { "no" },
        chain
    ))
}
