//! The application model: per-file facts (routes, routers and how they are mounted, views,
//! models, clients, the paths tests call) and the workspace index that resolves them across
//! files into full route tables.
//!
//! Layering: `app` reads `syntax` and `analysis`; `rules::crossfile` reads `app`; `lsp` and
//! `cli` build the index. Facts carry byte ranges; positions are converted by the callers.

use ba_syntax::NodeExt;
pub mod classify;
pub mod facts;
pub mod graphql;
pub mod handler_auth;
mod index;
mod javascript;
pub mod nextjs;
mod python;
pub mod tokens;
pub mod websocket;

use std::path::Path;

use tree_sitter::Tree;

pub use classify::{classify, ClassSet, FileClass};
pub use facts::{FileFacts, Framework, ModelKind};
pub use index::{
    Anchor, AppRoot, FileEntry, Loc, PythonFunctions, Resolved, ResolvedRoute, RouteView,
    WorkspaceIndex,
};

use ba_syntax::{Family, Language};

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
    extract_with(language, tree, source, path, cache, false)
}

/// The facts the cross-file rules read (apps, routers, mounts, routes, views, URL entries,
/// imports), for `check`: no clients or test paths, and a Python file that imports no web
/// framework contributes only its module-level imports (it can define no route, app or mount,
/// but may re-export a router).
pub fn extract_routes(language: Language, tree: &Tree, source: &str, path: &str) -> FileFacts {
    extract_with(
        language,
        tree,
        source,
        path,
        &mut FactsCache::default(),
        true,
    )
}

fn extract_with(
    language: Language,
    tree: &Tree,
    source: &str,
    path: &str,
    cache: &mut FactsCache,
    routes_only: bool,
) -> FileFacts {
    use std::hash::{Hash, Hasher};
    let family = language.family();
    let root = tree.root_node();
    // Judged on the path inside the project, as `check` judges it: the editor's workspace
    // folders say where it starts. A relative path from the command line that starts in an
    // example (`map examples/shop` names `examples/shop/api/main.py`) is judged inside that
    // example, as `check examples/shop` judges it, not as a demo beside a package.
    let inside = classify::project_path(std::path::Path::new(path)).or_else(|| {
        let first = path
            .trim_start_matches("./")
            .split(['/', '\\'])
            .next()
            .unwrap_or("");
        classify::EXAMPLE_DIRS
            .contains(&first)
            .then(|| classify::relative_to_project(std::path::Path::new(path)))
            .flatten()
    });
    let judged = inside.as_deref().unwrap_or(path);
    let class = classify(judged, language, Some(root), source);
    let test = class == FileClass::Test || is_test_path(judged);
    // What the file mentions is read from its top-level imports (and the statements that may
    // hold them), not from the whole text: cheap on every keystroke, and typing inside a
    // function cannot change it.
    let mut heads = String::new();
    let mut cursor = root.walk();
    for item in root.named_children(&mut cursor) {
        let wanted = match family {
            Family::Python => is_import_head(item, source),
            Family::JavaScript => match item.kind_str() {
                "import_statement" => true,
                "lexical_declaration" | "variable_declaration" | "expression_statement" => {
                    source[item.byte_range()].contains("require(")
                }
                _ => false,
            },
        };
        if wanted {
            heads.push_str(&source[item.byte_range()]);
            heads.push('\n');
        } else if family == Family::JavaScript {
            // A Fastify plugin module may import nothing: `module.exports = async function
            // (fastify, opts) {`. Its first line names it.
            let text = &source[item.byte_range()];
            let first = &text[..text.find('\n').unwrap_or(text.len())];
            if first.contains("astify") {
                heads.push_str(first);
                heads.push('\n');
            }
        }
    }
    let (py, js) = match family {
        Family::Python if routes_only => (
            python::Mentions::of(&heads, test).routes_only(),
            Default::default(),
        ),
        Family::Python => (python::Mentions::of(&heads, test), Default::default()),
        Family::JavaScript => (Default::default(), javascript::Mentions::of(&heads, test)),
    };
    // GraphQL and WebSocket libraries (Python: by import; JavaScript resolver maps and
    // sockets are recognised by their shape).
    let py_graphql = graphql::PyMentions::of(&heads);
    let py_socketio = heads.contains("socketio");
    let api = !routes_only;
    let mentions =
        match family {
            Family::Python => py.key(),
            Family::JavaScript => js.key(),
        } ^ (py_graphql.key() << 58 | u64::from(py_socketio) << 61 | u64::from(api) << 62);
    let mut cursor = root.walk();
    let mut next = std::collections::HashMap::with_capacity(cache.items.len());
    let mut facts = FileFacts::default();
    let mut rerun = 0;
    // A Strawberry or Graphene schema module imports no web framework but defines resolvers,
    // and a Channels or Socket.IO module defines socket handlers (and an ASGI module the
    // middleware around them), which the cross-file rules read too.
    let py_sockets = py_socketio || heads.contains("channels") || heads.contains("starlette");
    let imports_only = routes_only
        && family == Family::Python
        && !py.any_framework()
        && !py_graphql.any()
        && !py_sockets;
    for item in root.named_children(&mut cursor) {
        // Module-level functions too: their calls are followed from handlers in other files.
        // A settings module's `REST_FRAMEWORK` tells which permissions guard DRF views.
        if imports_only
            && !is_import_head(item, source)
            && !is_python_function(item)
            && !source[item.byte_range()].starts_with("REST_FRAMEWORK")
        {
            continue;
        }
        let range = item.byte_range();
        let mut h = rustc_hash::FxHasher::default();
        source.as_bytes()[range.clone()].hash(&mut h);
        let key = (h.finish(), mentions);
        let part = match cache.items.remove(&key).or_else(|| next.get(&key).cloned()) {
            Some(p) => p,
            None => {
                rerun += 1;
                let mut absolute = match family {
                    Family::Python => python::extract_item(item, source, py),
                    Family::JavaScript => javascript::extract_item(item, source, js),
                };
                // GraphQL resolvers (the mutation-auth rule reads them) and WebSocket
                // handlers (the socket-auth rule), in `check` as in the editor.
                match family {
                    Family::Python => {
                        if py_graphql.any() {
                            graphql::extract_python(
                                item,
                                source,
                                py_graphql,
                                &mut absolute.resolvers,
                            );
                        }
                        websocket::extract_python(item, source, py_socketio, &mut absolute);
                    }
                    Family::JavaScript => {
                        graphql::extract_javascript(item, source, &mut absolute.resolvers);
                        websocket::extract_javascript(item, source, &mut absolute);
                    }
                }
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
        // Next.js routes come from the file's path, and its exports (not cached per item).
        nextjs::extract(root, source, path, &mut facts);
    }
    facts.route_arms = facts
        .routes
        .iter()
        .map(|r| branch_arms(root, &r.span.0))
        .collect();
    facts.class = class;
    facts
}

/// The `if` arms around the node at `range`, innermost first: (the `if` statement, the arm:
/// 0 for the consequence, 1 and up for `elif`/`else`).
fn branch_arms(
    root: tree_sitter::Node,
    range: &std::ops::Range<usize>,
) -> Vec<(crate::facts::Span, u8)> {
    let mut out = Vec::new();
    let Some(mut node) = root.descendant_for_byte_range(range.start, range.end) else {
        return out;
    };
    while let Some(parent) = node.parent() {
        if parent.kind_str() == "if_statement" {
            let arm = if parent.field("consequence") == Some(node) {
                Some(0u8)
            } else {
                // `else` / `elif` clauses, in order (Python may have several).
                let mut cursor = parent.walk();
                let position = parent
                    .children_by_field_name("alternative", &mut cursor)
                    .position(|a| a == node);
                position.map(|i| u8::try_from(i + 1).unwrap_or(u8::MAX))
            };
            if let Some(arm) = arm {
                out.push((crate::facts::Span(parent.byte_range()), arm));
            }
        }
        node = parent;
    }
    out
}

/// A Python module-level `def` (decorated or not).
fn is_python_function(item: tree_sitter::Node) -> bool {
    match item.kind_str() {
        "function_definition" => true,
        "decorated_definition" => item
            .field("definition")
            .is_some_and(|d| d.kind_str() == "function_definition"),
        _ => false,
    }
}

/// A Python module-level import, or an `if`/`try` that holds one.
fn is_import_head(item: tree_sitter::Node, source: &str) -> bool {
    match item.kind_str() {
        "import_statement" | "import_from_statement" | "future_import_statement" => true,
        "if_statement" | "try_statement" => source[item.byte_range()].contains("import"),
        _ => false,
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
    let tree = ba_syntax::parse::parse(language, &text, None)?;
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

/// The walker behind `walk`, `WalkFilter` and `check`'s file collection: gitignore-aware,
/// hidden files and the directories `classify::is_skipped_dir` names (dependencies, vendored
/// code, build output, virtual environments) left out. One definition, so the editor's index and
/// `check` agree on what the workspace is. A root itself is always entered (`check vendor/`
/// checks vendored code on request).
pub fn walker(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder.filter_entry(|e| {
        !(e.depth() > 0
            && e.file_type().is_some_and(|t| t.is_dir())
            && classify::is_skipped_dir(&e.file_name().to_string_lossy()))
    });
    builder
}

/// Every analysable file under `roots`, respecting `.gitignore` and skipping hidden files.
pub fn walk(roots: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for root in roots {
        for entry in walker(root).build().filter_map(Result::ok) {
            let p = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file()) && Language::from_path(p).is_some() {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files
}

/// Answers "would `walk(roots)` list this file?" for a few files without walking the whole
/// tree: each directory between a root and a file is listed once, one level deep, with the
/// same rules (a directory's ignore files and its parents' apply as in the full walk), and
/// the listing is kept for the next file. A batch of files in a few directories costs a few
/// listings.
pub struct WalkFilter {
    roots: Vec<std::path::PathBuf>,
    /// Directory → the entries the walk keeps in it, each with whether it is a directory.
    listed: std::collections::HashMap<std::path::PathBuf, DirListing>,
}

type DirListing = std::collections::HashMap<std::ffi::OsString, bool>;

impl WalkFilter {
    pub fn new(roots: &[std::path::PathBuf]) -> Self {
        WalkFilter {
            roots: roots.to_vec(),
            listed: Default::default(),
        }
    }

    /// Whether `walk` would list `path` (an existing analysable file, reachable from a root).
    pub fn contains(&mut self, path: &Path) -> bool {
        Language::from_path(path).is_some() && self.reaches(path, false)
    }

    /// Whether `walk` would descend into the directory `path` (a root itself or below one).
    pub fn enters(&mut self, path: &Path) -> bool {
        self.roots.iter().any(|r| r == path) || self.reaches(path, true)
    }

    /// Whether the walk reaches `path` below a root, as a directory or as a file.
    fn reaches(&mut self, path: &Path, as_dir: bool) -> bool {
        use std::path::Component;
        let roots = self.roots.clone();
        roots.iter().any(|root| {
            let Ok(rel) = path.strip_prefix(root) else {
                return false;
            };
            let parts: Vec<&std::ffi::OsStr> = rel
                .components()
                .map_while(|c| match c {
                    Component::Normal(n) => Some(n),
                    _ => None,
                })
                .collect();
            // `..` or the root itself: not below the root.
            if parts.is_empty() || parts.len() != rel.components().count() {
                return false;
            }
            let mut dir = root.clone();
            for (i, name) in parts.iter().enumerate() {
                let want_dir = as_dir || i + 1 < parts.len();
                match self.listing(&dir).get(*name) {
                    Some(is_dir) if *is_dir == want_dir => dir.push(name),
                    _ => return false,
                }
            }
            true
        })
    }

    fn listing(&mut self, dir: &Path) -> &DirListing {
        self.listed.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut builder = walker(dir);
            builder.max_depth(Some(1));
            builder
                .build()
                .filter_map(Result::ok)
                .filter(|e| e.depth() == 1)
                .filter_map(|e| {
                    let t = e.file_type()?;
                    // The walk lists regular files and descends into directories; it follows
                    // no symbolic links.
                    (t.is_file() || t.is_dir()).then(|| (e.file_name().to_owned(), t.is_dir()))
                })
                .collect()
        })
    }
}

/// `extract_file` for many files, in parallel, in the order given.
pub fn extract_files(paths: &[std::path::PathBuf]) -> Vec<Option<(Language, FileFacts)>> {
    use rayon::prelude::*;
    paths.par_iter().map(|p| extract_file(p)).collect()
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

    /// `WalkFilter` says yes to exactly the files `walk` lists: gitignore (nested, negated,
    /// only inside a repository), hidden files, skipped directories, other roots, non-source
    /// files, directories and missing files.
    #[test]
    fn walk_filter_agrees_with_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let repo = base.join("repo");
        let plain = base.join("plain");
        let files = [
            "repo/app.py",
            "repo/pkg/routes.ts",
            "repo/pkg/keep.gen.py",
            "repo/pkg/drop.gen.py",
            "repo/build/out.js",
            "repo/pkg/deep/build/out.js",
            "repo/.hidden/x.py",
            "repo/node_modules/lib/index.js",
            "repo/venv/lib/site.py",
            "repo/vendor/lib/util.py",
            "repo/dist/server.js",
            "plain/third_party/x/y.py",
            "plain/pkg/build/z.py",
            "repo/notes.txt",
            "plain/reports/out.js",
            "plain/a.py",
            "outside/b.py",
        ];
        for f in files {
            let p = base.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "x = 1\n").unwrap();
        }
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::write(repo.join(".gitignore"), "build/\n*.gen.py\n").unwrap();
        std::fs::write(repo.join("pkg/.gitignore"), "!keep.gen.py\n").unwrap();
        // Not a repository: its `.gitignore` does not apply, as in git.
        std::fs::write(plain.join(".gitignore"), "reports/\n").unwrap();

        let roots = vec![repo.clone(), plain.clone()];
        let listed = walk(&roots);
        assert!(listed.contains(&repo.join("pkg/keep.gen.py")), "{listed:?}");
        assert!(
            !listed.contains(&repo.join("pkg/drop.gen.py")),
            "{listed:?}"
        );
        assert!(listed.contains(&plain.join("reports/out.js")), "{listed:?}");
        let mut filter = WalkFilter::new(&roots);
        let mut candidates: Vec<std::path::PathBuf> = files.iter().map(|f| base.join(f)).collect();
        candidates.extend([
            repo.join("missing.py"),
            repo.join("pkg"),
            repo.clone(),
            repo.join("pkg/../app.py"),
        ]);
        for c in &candidates {
            assert_eq!(filter.contains(c), listed.contains(c), "{}", c.display());
        }
        assert_eq!(
            candidates.iter().filter(|c| filter.contains(c)).count(),
            listed.len()
        );
        // Directories: entered unless ignored, hidden or skipped.
        assert!(filter.enters(&repo));
        assert!(filter.enters(&repo.join("pkg")));
        assert!(filter.enters(&repo.join("pkg/deep")));
        assert!(filter.enters(&plain.join("reports")));
        assert!(!filter.enters(&repo.join("build")));
        assert!(!filter.enters(&repo.join("pkg/deep/build")));
        assert!(!filter.enters(&repo.join(".hidden")));
        assert!(!filter.enters(&repo.join("node_modules")));
        // Vendored code and build output, repository or not (`classify::is_skipped_dir`).
        for skipped in ["vendor", "dist"] {
            assert!(!filter.enters(&repo.join(skipped)), "{skipped}");
        }
        assert!(!filter.enters(&plain.join("third_party")));
        assert!(!filter.enters(&plain.join("pkg/build")));
        assert!(!listed
            .iter()
            .any(|p| p.starts_with(plain.join("pkg/build"))));
        // A root is entered whatever its name: `check vendor/` checks vendored code.
        assert_eq!(
            walk(&[repo.join("vendor")]),
            vec![repo.join("vendor/lib/util.py")]
        );
        assert!(!filter.enters(&repo.join("app.py")));
        assert!(!filter.enters(&base.join("outside")));
    }

    #[test]
    fn a_keystroke_re_extracts_one_item() {
        let mut cache = FactsCache::default();
        let mut run = |text: &str| {
            let tree = ba_syntax::parse::parse(Language::Python, text, None).unwrap();
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
        let tree = ba_syntax::parse::parse(Language::Python, &edited, None).unwrap();
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
        let tree = ba_syntax::parse::parse(Language::JavaScript, text, None).unwrap();
        let facts = extract(Language::JavaScript, &tree, text, "/p/post.js");
        let post = &facts.models[0];
        assert_eq!(post.name, "Post");
        assert_eq!(post.fields[0].foreign_key.as_deref(), Some("User"));
        assert!(post.fields[0].indexed);
    }
}
