//! The application model: per-file facts (routes, routers and how they are mounted, views,
//! models, clients, the paths tests call) and the workspace index that resolves them across
//! files into full route tables.
//!
//! Layering: `app` reads `syntax` and `analysis`; `rules::crossfile` reads `app`; `lsp` and
//! `cli` build the index. Facts carry byte ranges; positions are converted by the callers.

use crate::syntax::NodeExt;
pub mod facts;
mod index;
mod javascript;
mod python;

use std::path::Path;

use tree_sitter::Tree;

pub use facts::{FileFacts, Framework, ModelKind};
pub use index::{
    Anchor, AppRoot, FileEntry, Loc, Resolved, ResolvedRoute, RouteView, WorkspaceIndex,
};

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
pub(crate) fn walk_named(
    root: tree_sitter::Node,
    enter: &mut dyn FnMut(tree_sitter::Node) -> bool,
) {
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

/// Facts of top-level items, relative to the item's start, by (item text hash, what the file
/// mentions): a keystroke re-extracts only the item it changed.
#[derive(Default)]
pub struct FactsCache {
    items: std::collections::HashMap<(u64, u64), std::sync::Arc<FileFacts>>,
    /// How many items the last extraction re-ran (for tests and benchmarks).
    pub last_rerun: usize,
}

/// Extracts one file's facts from its tree: one walk per top-level item that is not cached, no
/// name resolution.
pub fn extract(language: Language, tree: &Tree, source: &str, path: &str) -> FileFacts {
    extract_cached(language, tree, source, path, &mut FactsCache::default())
}

pub fn extract_cached(
    language: Language,
    tree: &Tree,
    source: &str,
    path: &str,
    cache: &mut FactsCache,
) -> FileFacts {
    use std::hash::{Hash, Hasher};
    let test = is_test_path(path);
    let family = language.family();
    let root = tree.root_node();
    // What the file mentions is read from its top-level imports (and the statements that may
    // hold them), not from the whole text: cheap on every keystroke, and typing inside a
    // function cannot change it.
    let mut heads = String::new();
    let mut cursor = root.walk();
    for item in root.named_children(&mut cursor) {
        let t = &source[item.byte_range()];
        let wanted = match item.kind_str() {
            "import_statement" | "import_from_statement" | "future_import_statement" => true,
            "if_statement" | "try_statement" => family == Family::Python && t.contains("import"),
            "lexical_declaration" | "variable_declaration" | "expression_statement" => {
                family == Family::JavaScript && t.contains("require(")
            }
            _ => false,
        };
        if wanted {
            heads.push_str(t);
            heads.push('\n');
        }
    }
    let (py, js) = match family {
        Family::Python => (python::Mentions::of(&heads, test), Default::default()),
        Family::JavaScript => (Default::default(), javascript::Mentions::of(&heads, test)),
    };
    let mentions = match family {
        Family::Python => py.key(),
        Family::JavaScript => js.key(),
    };
    let mut cursor = root.walk();
    let mut next = std::collections::HashMap::with_capacity(cache.items.len());
    let mut facts = FileFacts::default();
    let mut rerun = 0;
    for item in root.named_children(&mut cursor) {
        let range = item.byte_range();
        let mut h = rustc_hash::FxHasher::default();
        source.as_bytes()[range.clone()].hash(&mut h);
        let key = (h.finish(), mentions);
        let part = match cache.items.remove(&key).or_else(|| next.get(&key).cloned()) {
            Some(p) => p,
            None => {
                rerun += 1;
                let absolute = match family {
                    Family::Python => python::extract_item(item, source, py),
                    Family::JavaScript => javascript::extract_item(item, source, js),
                };
                let mut relative = FileFacts::default();
                relative.append(&absolute, -(range.start as isize), 0);
                std::sync::Arc::new(relative)
            }
        };
        // Orders continue from the facts before the item, so an item that adds no route or
        // mount (a comment, a helper) leaves every order, and so the shape, as it was.
        if !part.is_empty() {
            let base = facts.routes.len() + facts.mounts.len();
            facts.append(&part, range.start as isize, base);
        }
        next.insert(key, part);
    }
    cache.items = next;
    cache.last_rerun = rerun;
    if family == Family::JavaScript {
        javascript::finish(&mut facts, js);
    }
    facts
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
    Some((
        language,
        extract(language, &tree, &text, &path.to_string_lossy()),
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keystroke_re_extracts_one_item() {
        let mut cache = FactsCache::default();
        let mut run = |text: &str| {
            let tree = crate::syntax::parse::parse(Language::Python, text, None).unwrap();
            let facts = extract_cached(Language::Python, &tree, text, "/p/app.py", &mut cache);
            (facts, cache.last_rerun)
        };
        let text = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/a\")\ndef a():\n    return 1\n\n@app.post(\"/b\")\ndef b():\n    return 2\n";
        let (whole, rerun) = run(text);
        assert_eq!((whole.routes.len(), rerun), (2, 4));
        let edited = text.replace("return 1", "return 10");
        let (facts, rerun) = run(&edited);
        assert_eq!(rerun, 1);
        assert_eq!(facts.shape(), whole.shape());
        // Positions after the edit moved with it.
        let b = &facts.routes[1];
        assert_eq!(&edited[b.span.0.clone()], "@app.post(\"/b\")");
        // The same result as extracting from scratch.
        let tree = crate::syntax::parse::parse(Language::Python, &edited, None).unwrap();
        let fresh = extract(Language::Python, &tree, &edited, "/p/app.py");
        assert_eq!(
            fresh
                .routes
                .iter()
                .map(|r| r.span.0.clone())
                .collect::<Vec<_>>(),
            facts
                .routes
                .iter()
                .map(|r| r.span.0.clone())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn mongoose_schema_in_another_item_joins_its_model() {
        let text = "const mongoose = require(\"mongoose\");\nconst s = new mongoose.Schema({ user: { type: mongoose.Schema.Types.ObjectId, ref: \"User\", index: true } });\nmodule.exports = mongoose.model(\"Post\", s);\n";
        let tree = crate::syntax::parse::parse(Language::JavaScript, text, None).unwrap();
        let facts = extract(Language::JavaScript, &tree, text, "/p/post.js");
        let post = &facts.models[0];
        assert_eq!(post.name, "Post");
        assert_eq!(post.fields[0].foreign_key.as_deref(), Some("User"));
        assert!(post.fields[0].indexed);
    }
}
