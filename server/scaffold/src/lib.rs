//! Scaffolding: generators that write framework code in the style the project already uses.
//!
//! A generator looks at the file under the cursor (an app object, a route handler, a model
//! class) or at the project (manifests, the code's environment variables, its health endpoint)
//! and returns an [`Output`]: byte-range edits to existing files and new files to create. The
//! LSP layer turns that into a `WorkspaceEdit`; nothing here touches the disk except to read.

use ba_syntax::NodeExt;
mod app_object;
mod caching;
mod crud;
mod frameworks;
mod graphql_gen;
mod graphql_js;
mod graphql_nest;
mod json_schema;
mod loadtest;
mod manifest;
mod metrics;
mod migrations;
mod models;
mod nest_body;
mod nest_module;
mod project;
mod routes;
mod style;
mod tests_gen;
mod tracing_gen;
mod websocket_gen;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Tree};

use ba_rules::Edit;
use ba_syntax::{Family, Language};

pub use project::{python_manifest, JsRunner, Project, PythonManifest};
pub use style::Style;

/// `workspace/executeCommand` names are this prefix plus a generator's name.
pub const COMMAND_PREFIX: &str = "backend-architect.scaffold.";

/// The application model's framework: one enum for the index and the generators.
pub use ba_app::Framework;

/// Where a generator is offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// On the app object: `FastAPI()`, `Flask(__name__)`, `express()`, Django `urlpatterns`.
    App,
    /// On a route handler.
    Route,
    /// On a model class (SQLAlchemy, Django, Pydantic, Mongoose, Sequelize).
    Model,
    /// Project level: commands only.
    Project,
}

pub struct Generator {
    pub name: &'static str,
    pub title: &'static str,
    pub scope: Scope,
}

/// Every generator, in the order they are offered.
pub const GENERATORS: &[Generator] = &[
    Generator {
        name: "healthCheck",
        title: "Add a health check endpoint",
        scope: Scope::App,
    },
    Generator {
        name: "cors",
        title: "Add CORS configured from the environment",
        scope: Scope::App,
    },
    Generator {
        name: "securityHeaders",
        title: "Add security headers",
        scope: Scope::App,
    },
    Generator {
        name: "requestId",
        title: "Add request-id and logging middleware",
        scope: Scope::App,
    },
    Generator {
        name: "errorHandler",
        title: "Add a global error handler",
        scope: Scope::App,
    },
    Generator {
        name: "metrics",
        title: "Add Prometheus metrics, /metrics and alerting rules",
        scope: Scope::App,
    },
    Generator {
        name: "tracing",
        title: "Add OpenTelemetry tracing configured from the environment",
        scope: Scope::App,
    },
    Generator {
        name: "loadTest",
        title: "Generate a load test of this app's routes",
        scope: Scope::App,
    },
    Generator {
        name: "websocket",
        title: "Add an authenticated WebSocket endpoint and its test",
        scope: Scope::App,
    },
    Generator {
        name: "test",
        title: "Generate a test for this route",
        scope: Scope::Route,
    },
    Generator {
        name: "auth",
        title: "Add the authentication its sibling routes use",
        scope: Scope::Route,
    },
    Generator {
        name: "pagination",
        title: "Add limit/offset pagination",
        scope: Scope::Route,
    },
    Generator {
        name: "responseModel",
        title: "Add a response_model",
        scope: Scope::Route,
    },
    Generator {
        name: "loadTestRoute",
        title: "Generate a load test of this route",
        scope: Scope::Route,
    },
    Generator {
        name: "cache",
        title: "Cache this read route in Redis (cache-aside, invalidated by its writes)",
        scope: Scope::Route,
    },
    Generator {
        name: "crud",
        title: "Generate a CRUD router for this model",
        scope: Scope::Model,
    },
    Generator {
        name: "schemas",
        title: "Generate Pydantic create/read/update schemas",
        scope: Scope::Model,
    },
    Generator {
        name: "graphqlResolver",
        title: "Generate a GraphQL type, resolvers and their test for this model",
        scope: Scope::Model,
    },
    Generator {
        name: "dockerfile",
        title: "Generate a production Dockerfile",
        scope: Scope::Project,
    },
    Generator {
        name: "compose",
        title: "Generate docker-compose.yml",
        scope: Scope::Project,
    },
    Generator {
        name: "kubernetes",
        title: "Generate a Kubernetes Deployment and Service",
        scope: Scope::Project,
    },
    Generator {
        name: "githubActions",
        title: "Generate a GitHub Actions workflow",
        scope: Scope::Project,
    },
    Generator {
        name: "migrations",
        title: "Set up database migrations (Alembic, or the ORM's migration scripts)",
        scope: Scope::Project,
    },
    Generator {
        name: "envExample",
        title: "Generate .env.example",
        scope: Scope::Project,
    },
];

/// `node` and its named descendants, in document order (what the generators search for calls
/// and decorators).
pub(crate) fn descendants(node: Node) -> Vec<Node> {
    let mut out = vec![node];
    ba_analysis::walk_scope(node, &|_| false, &mut |n| out.push(n));
    out
}

pub fn generator(name: &str) -> Option<&'static Generator> {
    GENERATORS.iter().find(|g| g.name == name)
}

/// The file a generator works on.
pub struct Source<'a> {
    /// Absolute path (for new files beside it and for the module name).
    pub path: &'a Path,
    pub language: Language,
    pub text: &'a str,
    pub tree: &'a Tree,
}

impl Source<'_> {
    pub fn family(&self) -> Family {
        self.language.family()
    }
    pub fn framework(&self) -> Option<Framework> {
        Framework::of_source(self.language, self.text)
    }
    pub fn text_of(&self, node: Node) -> &str {
        &self.text[node.byte_range()]
    }
}

/// Reads files for generators: the LSP layer serves open documents first, then the disk.
pub trait Files {
    fn read(&self, path: &Path) -> Option<String>;
    fn exists(&self, path: &Path) -> bool {
        self.read(path).is_some() || path.exists()
    }
}

/// Plain disk access (the CLI and tests).
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > ba_syntax::document::MAX_ANALYSED_BYTES as u64 {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }
}

/// Edits to a file that exists (byte ranges in its current text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    pub path: PathBuf,
    pub content: String,
}

/// What a generator writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub edits: Vec<FileEdit>,
    pub files: Vec<NewFile>,
}

impl Output {
    fn edit(path: &Path, edits: Vec<Edit>) -> Self {
        Self {
            edits: vec![FileEdit {
                path: path.to_owned(),
                edits: merge_insertions(edits),
            }],
            files: Vec::new(),
        }
    }

    fn file(path: PathBuf, content: String) -> Self {
        Self {
            edits: Vec::new(),
            files: vec![NewFile { path, content }],
        }
    }

    /// A plain-text account of what would be written, for clients that cannot create files.
    pub fn describe(&self, root: &Path) -> String {
        let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let mut out = String::new();
        for f in &self.files {
            out.push_str(&format!(
                "=== new file {} ===\n{}\n",
                rel(&f.path),
                f.content
            ));
        }
        for e in &self.edits {
            for x in &e.edits {
                out.push_str(&format!(
                    "=== {} (bytes {}..{}) ===\n{}\n",
                    rel(&e.path),
                    x.range.start,
                    x.range.end,
                    x.content
                ));
            }
        }
        out
    }
}

/// Insertions at the same point are joined (editors reject overlapping edits), in given order.
fn merge_insertions(mut edits: Vec<Edit>) -> Vec<Edit> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        match out.last_mut() {
            Some(last) if last.range == e.range && e.range.is_empty() => {
                last.content.push_str(&e.content)
            }
            _ => out.push(e),
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaffoldError(pub String);

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScaffoldError {}

pub type Result<T> = std::result::Result<T, ScaffoldError>;

fn err<T>(message: impl Into<String>) -> Result<T> {
    Err(ScaffoldError(message.into()))
}

/// A generator offered at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub name: &'static str,
    pub title: String,
    /// Creates files (a `source` action) rather than rewriting code at the cursor.
    pub creates_files: bool,
}

/// The generators that apply at `offset` in `src`.
pub fn offers(src: &Source, offset: usize, project: &Project) -> Vec<Offer> {
    let mut out = Vec::new();
    let mut push = |name: &'static str, what: String, creates_files: bool| {
        if let Some(g) = generator(name) {
            out.push(Offer {
                name,
                title: format!("{} ({what})", g.title),
                creates_files,
            });
        }
    };
    if let Some(app) = app_object::app_at(src, offset) {
        for name in app_object::applicable(src, &app) {
            push(name, app.framework.name().to_owned(), false);
        }
        if metrics::applicable(src, &app) {
            push("metrics", app.framework.name().to_owned(), false);
        }
        if tracing_gen::applicable(src, &app) {
            push("tracing", app.framework.name().to_owned(), false);
        }
        let tool = if src.family() == Family::Python {
            "Locust"
        } else {
            "autocannon"
        };
        push("loadTest", tool.to_owned(), true);
        if websocket_gen::applicable(src, &app, project) {
            push(
                "websocket",
                websocket_gen::library_name(&app, project).to_owned(),
                true,
            );
        }
    }
    if let Some(h) = routes::handler_at(src, offset) {
        if tests_gen::supports(h.framework) {
            push("test", h.framework.name().to_owned(), true);
        }
        for name in routes::applicable(src, &h) {
            push(name, h.name.clone(), false);
        }
        if caching::applicable(src, &h) {
            push("cache", h.name.clone(), false);
        }
        if h.path.is_some() && !h.methods.iter().all(|m| m == "DELETE") {
            let tool = if src.family() == Family::Python {
                "Locust"
            } else {
                "autocannon"
            };
            push("loadTestRoute", tool.to_owned(), true);
        }
    }
    if let Some(m) = models::model_at(src, offset) {
        let target = crud::target_framework(src, project, &m);
        if let Some(fw) = target.filter(|f| crud::supported(*f)) {
            push("crud", format!("{} for {}", fw.name(), m.name), true);
        }
        if m.family == Family::Python && target != Some(Framework::Django) {
            push("schemas", m.name.clone(), true);
        }
        if let Some(row) = graphql_gen::offered(&m, project, src) {
            push(
                "graphqlResolver",
                format!("{} for {}", row.name, m.name),
                true,
            );
        }
    }
    out
}

/// Runs generator `name`. `src` and `offset` are the cursor (project generators only use the
/// project).
pub fn generate(
    name: &str,
    src: Option<&Source>,
    offset: usize,
    project: &Project,
    files: &dyn Files,
) -> Result<Output> {
    let Some(g) = generator(name) else {
        let known: Vec<&str> = GENERATORS.iter().map(|g| g.name).collect();
        return err(format!(
            "unknown generator `{name}`; known: {}",
            known.join(", ")
        ));
    };
    if g.scope == Scope::Project {
        if name == "migrations" {
            return migrations::generate(project, files);
        }
        return project::generate(name, project, files);
    }
    let Some(src) = src else {
        return err(format!(
            "`{name}` works on the code under the cursor: pass a document and position"
        ));
    };
    let mut out = match g.scope {
        Scope::App => {
            let Some(app) = app_object::app_at(src, offset) else {
                return err("place the cursor on the app object (`FastAPI()`, `Flask(__name__)`, `express()`, `new Koa()`, `Fastify()`, NestJS's `NestFactory.create(…)` or Django `urlpatterns`)");
            };
            match name {
                "metrics" => metrics::generate(src, &app, project, files),
                "tracing" => tracing_gen::generate(src, &app, project, files),
                "loadTest" => loadtest::generate(src, &app, project, files),
                "websocket" => websocket_gen::generate(src, &app, project, files),
                _ => app_object::generate(name, src, &app, project, files),
            }
        }
        Scope::Route => {
            let Some(h) = routes::handler_at(src, offset) else {
                return err("place the cursor on a route handler");
            };
            if name == "test" {
                tests_gen::generate(src, &h, project, files)
            } else if name == "cache" {
                caching::generate(src, &h, project, files)
            } else if name == "loadTestRoute" {
                loadtest::generate_route(src, &h, project, files)
            } else {
                routes::generate(name, src, &h)
            }
        }
        Scope::Model => {
            let Some(m) = models::model_at(src, offset) else {
                return err("place the cursor on a model class (SQLAlchemy, Django, Pydantic, Mongoose or Sequelize)");
            };
            if name == "graphqlResolver" {
                graphql_gen::generate(src, &m, project, files)
            } else {
                crud::generate(name, src, &m, project, files)
            }
        }
        Scope::Project => unreachable!("handled above"),
    }?;
    // Edits keep the line endings of the file they go into.
    for fe in &mut out.edits {
        let crlf = if fe.path == src.path {
            src.text.contains("\r\n")
        } else {
            files.read(&fe.path).is_some_and(|t| t.contains("\r\n"))
        };
        if crlf {
            for e in &mut fe.edits {
                e.content = e.content.replace("\r\n", "\n").replace('\n', "\r\n");
            }
        }
    }
    Ok(out)
}

// ---- helpers shared by the generators -------------------------------------------------------

fn text<'s>(src: &'s str, node: Node) -> &'s str {
    &src[node.byte_range()]
}

fn named_children(node: Node) -> Vec<Node> {
    let mut c = node.walk();
    node.named_children(&mut c).collect()
}

/// The start of the line containing `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the line containing `offset` (after its `\n`, or the end of the text).
fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

fn indent_of_line(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let line = &text[start..];
    let n = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..n]
}

/// An insertion that starts on a fresh line after `offset`'s line (adding a newline if the
/// file does not end with one).
fn insert_after_line(text: &str, offset: usize, content: String) -> Edit {
    let at = line_end(text, offset);
    let content = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        format!("\n{content}")
    } else {
        content
    };
    Edit {
        range: at..at,
        content,
    }
}

/// Whether a Python/JS import statement (or an equivalent) is already in the file.
fn has_import(text: &str, line: &str) -> bool {
    let line = line.trim();
    if text.lines().any(|l| l.trim() == line) {
        return true;
    }
    // `from a import b`: satisfied by any `from a import ..., b, ...`.
    if let Some(rest) = line.strip_prefix("from ") {
        if let Some((module, names)) = rest.split_once(" import ") {
            let prefix = format!("from {module} import ");
            return names.split(',').map(str::trim).all(|n| {
                text.lines().any(|l| {
                    l.trim_start().strip_prefix(&prefix).is_some_and(|r| {
                        r.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .any(|w| w == n)
                    })
                })
            });
        }
    }
    false
}

/// Where new top-level imports go: after the last top-level import (or `require`), else after
/// a module docstring, shebang or `"use strict"`.
fn import_insertion_point(src: &Source) -> usize {
    let root = src.tree.root_node();
    let mut after = None;
    for (i, child) in named_children(root).into_iter().enumerate() {
        let t = text(src.text, child);
        let is_import = match src.family() {
            Family::Python => {
                matches!(
                    child.kind_str(),
                    "import_statement" | "import_from_statement" | "future_import_statement"
                ) || (i == 0
                    && child.kind_str() == "expression_statement"
                    && t.starts_with(['"', '\'']))
            }
            Family::JavaScript => {
                child.kind_str() == "import_statement"
                    || (matches!(
                        child.kind_str(),
                        "lexical_declaration" | "variable_declaration"
                    ) && t.contains("require(")
                        && !t.contains("=>")
                        && !t.contains("function"))
                    || (i == 0 && t.starts_with(['"', '\'']))
            }
        };
        if child.kind_str() == "comment" {
            continue;
        }
        if is_import {
            after = Some(child.end_byte());
        } else {
            break;
        }
    }
    match after {
        Some(end) => line_end(src.text, end),
        None => {
            // After a shebang / coding line / leading comments.
            let mut at = 0;
            for l in src.text.split_inclusive('\n') {
                let t = l.trim_start();
                if t.starts_with("#!") || (t.starts_with('#') && t.contains("coding")) {
                    at += l.len();
                } else {
                    break;
                }
            }
            at
        }
    }
}

/// Python: `from m import y` joins an existing single-line `from m import ...`.
fn extend_from_import(src: &Source, module: &str, names: &str) -> Option<Edit> {
    named_children(src.tree.root_node())
        .into_iter()
        .filter(|n| n.kind_str() == "import_from_statement")
        .find(|n| {
            let t = text(src.text, *n);
            n.field("module_name")
                .is_some_and(|m| text(src.text, m) == module)
                && !t.contains(['(', '\\', '*'])
        })
        .map(|n| Edit {
            range: n.end_byte()..n.end_byte(),
            content: format!(", {names}"),
        })
}

/// Python: the module's leading import block (after a docstring), in order.
fn python_import_block<'t>(src: &Source<'t>) -> Vec<Node<'t>> {
    named_children(src.tree.root_node())
        .into_iter()
        .take_while(|n| {
            matches!(
                n.kind_str(),
                "import_statement"
                    | "import_from_statement"
                    | "future_import_statement"
                    | "comment"
            ) || (n.kind_str() == "expression_statement"
                && n.named_child(0).is_some_and(|c| c.kind_str() == "string"))
        })
        .filter(|n| {
            matches!(
                n.kind_str(),
                "import_statement" | "import_from_statement" | "future_import_statement"
            )
        })
        .collect()
}

/// Python: where `import name` (standard library style) goes: alphabetically among the plain
/// `import x` lines, else before the first `from` import (after `__future__`).
fn plain_import_position(src: &Source, name: &str) -> Option<usize> {
    let block = python_import_block(src);
    let plain: Vec<&Node> = block
        .iter()
        .filter(|n| n.kind_str() == "import_statement")
        .collect();
    let after = plain
        .iter()
        .find(|n| text(src.text, ***n).trim_start_matches("import ") > name)
        .map(|n| line_start(src.text, n.start_byte()));
    after
        .or_else(|| plain.last().map(|n| line_end(src.text, n.end_byte())))
        .or_else(|| {
            block
                .iter()
                .find(|n| n.kind_str() == "import_from_statement")
                .map(|n| line_start(src.text, n.start_byte()))
        })
}

/// Python: a new absolute `from` import goes after the last absolute import when relative
/// imports (`from .x import y`) follow it.
fn absolute_import_position(src: &Source) -> Option<usize> {
    let block = python_import_block(src);
    let relative = |n: &Node| text(src.text, *n).starts_with("from .");
    let last_absolute = block.iter().rposition(|n| !relative(n))?;
    block[last_absolute + 1..]
        .iter()
        .any(relative)
        .then(|| line_end(src.text, block[last_absolute].end_byte()))
}

/// Python: `from fastapi.encoders import x` goes after the last import from the same top-level
/// package (`from fastapi import …`), so it stays in that package's group.
fn same_package_import_position(src: &Source, line: &str) -> Option<usize> {
    let module = line.strip_prefix("from ")?.split_whitespace().next()?;
    let root = module.split('.').next()?;
    if root.is_empty() {
        return None;
    }
    let last = python_import_block(src).into_iter().rev().find(|n| {
        let t = text(src.text, *n);
        let m = t
            .strip_prefix("from ")
            .or_else(|| t.strip_prefix("import "))
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("");
        m.split('.').next() == Some(root)
    })?;
    Some(line_end(src.text, last.end_byte()))
}

/// Insertions adding the imports the file lacks (lines already rendered in the file's style).
fn imports_edit(src: &Source, lines: &[String]) -> Vec<Edit> {
    let missing: Vec<&String> = {
        let mut seen = BTreeSet::new();
        lines
            .iter()
            .filter(|l| !has_import(src.text, l) && seen.insert(l.as_str()))
            .collect()
    };
    let mut edits = Vec::new();
    let mut rest = Vec::new();
    for line in missing {
        if src.family() == Family::Python {
            if let Some((module, names)) = line
                .strip_prefix("from ")
                .and_then(|r| r.split_once(" import "))
            {
                // Only the names the file lacks.
                let names: Vec<&str> = names
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !has_import(src.text, &format!("from {module} import {n}")))
                    .collect();
                if let Some(e) = extend_from_import(src, module, &names.join(", ")) {
                    edits.push(e);
                    continue;
                }
            } else if let Some(name) = line.strip_prefix("import ") {
                if let Some(at) = plain_import_position(src, name) {
                    edits.push(Edit {
                        range: at..at,
                        content: format!("{line}\n"),
                    });
                    continue;
                }
            }
        }
        if src.family() == Family::Python && line.starts_with("from ") {
            if let Some(at) = same_package_import_position(src, line) {
                edits.push(Edit {
                    range: at..at,
                    content: format!("{line}\n"),
                });
                continue;
            }
            if let Some(at) = absolute_import_position(src) {
                edits.push(Edit {
                    range: at..at,
                    content: format!("{line}\n"),
                });
                continue;
            }
        }
        rest.push(line);
    }
    if rest.is_empty() {
        return edits;
    }
    let at = import_insertion_point(src);
    let mut content: String = rest.iter().map(|l| format!("{l}\n")).collect();
    if at == src.text.len() && !src.text.is_empty() && !src.text.ends_with('\n') {
        content.insert(0, '\n');
    }
    // Keep a blank line between the imports and the code when inserting at the very top.
    if at == 0 && !src.text.is_empty() {
        content.push('\n');
    }
    edits.push(Edit {
        range: at..at,
        content,
    });
    edits
}

/// Python module name of `path` relative to `root` (`app/main.py` → `app.main`).
fn python_module(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".py").to_owned();
    }
    if parts.first().is_some_and(|p| p == "src") && parts.len() > 1 {
        parts.remove(0);
    }
    parts.join(".")
}

/// A relative import specifier from `from_dir` to `target` (`../app` style, extension kept
/// off for CommonJS and on for ES modules).
fn relative_specifier(from_dir: &Path, target: &Path, keep_extension: bool) -> String {
    let target = if keep_extension {
        target.to_owned()
    } else {
        target.with_extension("")
    };
    let from: Vec<_> = from_dir.components().collect();
    let to: Vec<_> = target.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

/// A snake_case `name` in camelCase (`created_at` → `createdAt`; a leading underscore kept).
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in name.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `name` in snake_case.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// A simple English plural for route paths (`category` → `categories`).
fn plural(word: &str) -> String {
    if word.ends_with('y')
        && !word.ends_with("ay")
        && !word.ends_with("ey")
        && !word.ends_with("oy")
    {
        format!("{}ies", &word[..word.len() - 1])
    } else if word.ends_with('s')
        || word.ends_with('x')
        || word.ends_with("sh")
        || word.ends_with("ch")
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// A path for a new file that does not exist yet: `base`, else `stem_2.ext`, `stem_3.ext`, ….
fn free_path(files: &dyn Files, base: PathBuf) -> PathBuf {
    if !files.exists(&base) {
        return base;
    }
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `x.test.js`: number before the first dot.
    let name = base
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (head, tail) = match name.find('.') {
        Some(i) => (name[..i].to_owned(), name[i..].to_owned()),
        None => (stem, String::new()),
    };
    (2..)
        .map(|n| base.with_file_name(format!("{head}_{n}{tail}")))
        .find(|p| !files.exists(p))
        .expect("an unused name exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("OrderItem"), "order_item");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("user"), "users");
        assert_eq!(
            python_module(Path::new("/p"), Path::new("/p/src/app/main.py")),
            "app.main"
        );
        assert_eq!(
            relative_specifier(Path::new("/p/tests"), Path::new("/p/src/app.js"), false),
            "../src/app"
        );
        assert_eq!(
            relative_specifier(Path::new("/p"), Path::new("/p/app.mjs"), true),
            "./app.mjs"
        );
    }

    #[test]
    fn imports_already_present_are_recognised() {
        let t = "from fastapi import FastAPI, Depends\nimport os\n";
        assert!(has_import(t, "from fastapi import Depends"));
        assert!(has_import(t, "import os"));
        assert!(!has_import(t, "from fastapi import Request"));
    }
}
