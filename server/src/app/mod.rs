//! The application model: per-file facts (routes, routers and how they are mounted, views,
//! models, clients, the paths tests call) and the workspace index that resolves them across
//! files into full route tables.
//!
//! Layering: `app` reads `syntax` and `analysis`; `rules::crossfile` reads `app`; `lsp` and
//! `cli` build the index. Facts carry byte ranges; positions are converted by the callers.

pub mod facts;
mod index;
mod javascript;
mod python;

use std::path::Path;

use tree_sitter::Tree;

pub use facts::{FileFacts, Framework, ModelKind};
pub use index::{Anchor, AppRoot, FileEntry, Loc, Resolved, ResolvedRoute, RouteView, WorkspaceIndex};

use crate::syntax::{Family, Language};

/// Whether a path names a test file (`test_x.py`, `x_test.py`, `tests/…`, `x.test.js`,
/// `x.spec.ts`, `__tests__/…`).
pub fn is_test_path(path: &str) -> bool {
    let p = path.replace('\\', "/");
    let mut parts = p.rsplit('/');
    let name = parts.next().unwrap_or(&p);
    // Only the file's own directory counts: fixtures live under a `tests/` tree themselves.
    let dir = parts.next().unwrap_or("");
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "tests.py"
        || name == "conftest.py"
        || name.contains(".test.")
        || name.contains(".spec.")
        || matches!(dir, "tests" | "test" | "__tests__")
}

/// Pre-order walk over the named nodes of `root`'s subtree with one cursor (facts are
/// extracted on every analysis, so no per-node allocation); `enter` returns whether to descend.
pub(crate) fn walk_named(root: tree_sitter::Node, enter: &mut dyn FnMut(tree_sitter::Node) -> bool) {
    let mut cursor = root.walk();
    let mut descend = enter(root);
    loop {
        if descend && cursor.goto_first_child() {
            let n = cursor.node();
            descend = !n.is_named() || enter(n);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                let n = cursor.node();
                descend = !n.is_named() || enter(n);
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Extracts one file's facts from its tree. Cheap: one walk, no name resolution.
pub fn extract(language: Language, tree: &Tree, source: &str, path: &str) -> FileFacts {
    let test = is_test_path(path);
    match language.family() {
        Family::Python => python::extract(
            tree.root_node(),
            source,
            python::Mentions::of(source, test),
        ),
        Family::JavaScript => javascript::extract(tree.root_node(), source, test),
    }
}

/// Parses and extracts a file from disk; `None` for unreadable, binary, huge or
/// non-source files (they simply contribute nothing).
pub fn extract_file(path: &Path) -> Option<(Language, FileFacts)> {
    let language = Language::from_path(path)?;
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > 2 * 1024 * 1024 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let tree = crate::syntax::parse::parse(language, &text, None)?;
    Some((language, extract(language, &tree, &text, &path.to_string_lossy())))
}

/// Builds an index of every analysable file under `roots` (gitignore-aware), in parallel.
/// `skip` leaves out files the caller supplies itself (open documents).
pub fn index_paths(
    index: &mut WorkspaceIndex,
    files: &[std::path::PathBuf],
    skip: &(dyn Fn(&Path) -> bool + Sync),
) {
    use rayon::prelude::*;
    let extracted: Vec<_> = files
        .par_iter()
        .filter(|p| !skip(p))
        .filter_map(|p| extract_file(p).map(|(l, f)| (p.clone(), l, f)))
        .collect();
    for (path, language, facts) in extracted {
        let key = path.to_string_lossy().into_owned();
        index.update(&key, &key, language, facts);
    }
}

/// Every analysable file under `roots`, respecting `.gitignore` and skipping hidden files.
pub fn walk(roots: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for root in roots {
        for entry in ignore::WalkBuilder::new(root)
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !matches!(
                    name.as_ref(),
                    "node_modules" | "target" | "__pycache__" | "venv" | ".venv" | "dist"
                )
            })
            .build()
            .filter_map(Result::ok)
        {
            let p = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file()) && Language::from_path(p).is_some() {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files
}

/// The resolved route table as text, one route per line, sorted: `METHOD PATH -> handler
/// (file) [auth] {chain}`. File keys are shown relative to `base`. Used by snapshots and by
/// `check --routes`-style debugging.
pub fn route_table(index: &mut WorkspaceIndex, base: &str) -> String {
    let resolved = index.resolved();
    let rel = |k: &str| {
        k.strip_prefix(base)
            .unwrap_or(k)
            .trim_start_matches(['/', '\\'])
            .replace('\\', "/")
    };
    let mut lines: Vec<String> = resolved
        .routes
        .iter()
        .map(|r| {
            let app = match &r.app {
                Some((k, _)) => format!("app {}", rel(k)),
                None => "not mounted".to_owned(),
            };
            format!(
                "{:<7} {:<32} -> {} ({}) auth={} chain=[{}] {app}",
                r.methods.join(","),
                r.path,
                r.handler_name,
                rel(&r.handler.0),
                if r.auth { "yes" } else { "no" },
                r.chain.join(", ")
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    let mut out = lines.join("\n");
    out.push('\n');
    out
}
