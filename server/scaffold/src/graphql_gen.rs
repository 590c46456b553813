//! GraphQL from a model class, in the library the project uses: the type, a query resolver
//! (by id, and a list paged by `limit`/`offset` with a maximum), a create mutation carrying the
//! authorization the project's other mutations carry (only when they carry one: no unguarded
//! write is generated), and a pytest test that executes them through the library's own schema.
//!
//! One row per library (`LIBRARIES`: its packages and imports, how it is detected); the shared
//! code around the rows finds the library, the session the resolvers use and the mutations'
//! authorization, and the per-library templates differ only where the libraries do.

use crate::camel;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::graphql_js::JsServer;
use super::models::{Field, Kind, Model, Orm};
use super::{
    err, free_path, named_children, plural, python_module, snake, text, Files, NewFile, Output,
    Project, Result, Source, Style,
};
use ba_app::facts::{GraphqlLibrary, HandlerAuth};
use ba_syntax::{parse, Family, Language};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    Strawberry,
    Graphene,
    Ariadne,
    /// A schema-first JavaScript server's resolver maps (`graphql_js.rs`).
    Js(JsServer),
    /// NestJS `@nestjs/graphql`, code first (`graphql_nest.rs`).
    NestGraphql,
    /// TypeGraphQL (`graphql_nest.rs`).
    TypeGraphql,
}

pub struct Row {
    pub library: Library,
    pub family: Family,
    pub name: &'static str,
    /// Manifest names that mean the project uses it.
    pub packages: &'static [&'static str],
    /// Import lines (their start) that mean a file uses it.
    pub imports: &'static [&'static str],
    /// The application model's name for it (whose resolvers are the project's mutations).
    pub facts: GraphqlLibrary,
}

pub const LIBRARIES: &[Row] = &[
    Row {
        library: Library::Strawberry,
        family: Family::Python,
        name: "Strawberry",
        packages: &["strawberry-graphql", "strawberry-graphql-django"],
        imports: &["import strawberry", "from strawberry"],
        facts: GraphqlLibrary::Strawberry,
    },
    Row {
        library: Library::Graphene,
        family: Family::Python,
        name: "Graphene",
        packages: &["graphene", "graphene-django", "graphene-sqlalchemy"],
        imports: &["import graphene", "from graphene"],
        facts: GraphqlLibrary::Graphene,
    },
    Row {
        library: Library::Ariadne,
        family: Family::Python,
        name: "Ariadne",
        packages: &["ariadne"],
        imports: &["import ariadne", "from ariadne"],
        facts: GraphqlLibrary::Ariadne,
    },
    Row {
        library: Library::Js(JsServer::Apollo),
        family: Family::JavaScript,
        name: "Apollo Server",
        packages: &["@apollo/server", "apollo-server", "apollo-server-express"],
        imports: &["@apollo/server", "apollo-server"],
        facts: GraphqlLibrary::ResolverMap,
    },
    Row {
        library: Library::Js(JsServer::Yoga),
        family: Family::JavaScript,
        name: "graphql-yoga",
        packages: &["graphql-yoga"],
        imports: &["graphql-yoga"],
        facts: GraphqlLibrary::ResolverMap,
    },
    Row {
        library: Library::Js(JsServer::Mercurius),
        family: Family::JavaScript,
        name: "Mercurius",
        packages: &["mercurius"],
        imports: &["mercurius"],
        facts: GraphqlLibrary::ResolverMap,
    },
    Row {
        library: Library::Js(JsServer::GraphqlHttp),
        family: Family::JavaScript,
        name: "graphql-http",
        packages: &["graphql-http", "express-graphql"],
        imports: &["graphql-http", "express-graphql"],
        facts: GraphqlLibrary::ResolverMap,
    },
    Row {
        library: Library::NestGraphql,
        family: Family::JavaScript,
        name: "NestJS GraphQL",
        packages: &["@nestjs/graphql"],
        imports: &["@nestjs/graphql"],
        facts: GraphqlLibrary::Decorators,
    },
    Row {
        library: Library::TypeGraphql,
        family: Family::JavaScript,
        name: "TypeGraphQL",
        packages: &["type-graphql"],
        imports: &["type-graphql"],
        facts: GraphqlLibrary::Decorators,
    },
];

/// The most rows one request can ask for, written into the generated module.
const MAX_PAGE_SIZE: u32 = 100;

fn imports_library(text: &str, row: &Row) -> bool {
    if row.family == Family::JavaScript {
        // `from "@apollo/server"`, `require('apollo-server-express')`.
        return row
            .imports
            .iter()
            .any(|i| text.contains(&format!("\"{i}")) || text.contains(&format!("'{i}")));
    }
    text.lines().any(|l| {
        let l = l.trim_start();
        row.imports.iter().any(|i| {
            l.strip_prefix(i)
                .is_some_and(|rest| rest.starts_with([' ', '.', '\n']) || rest.is_empty())
        })
    })
}

/// The project's files of `family` that import a GraphQL library, with their text.
fn library_files(project: &Project, files: &dyn Files, family: Family) -> Vec<(PathBuf, String)> {
    project
        .source_files()
        .into_iter()
        .filter(|(_, l)| l.family() == family)
        .filter_map(|(p, _)| files.read(&p).map(|t| (p, t)))
        .filter(|(_, t)| {
            LIBRARIES
                .iter()
                .any(|r| r.family == family && imports_library(t, r))
        })
        .collect()
}

/// The library the project uses: the one most of its files import, else the one its manifest
/// lists; `None` when neither names one.
pub fn detect(project: &Project, files: &dyn Files, family: Family) -> Option<&'static Row> {
    let found = library_files(project, files, family);
    LIBRARIES
        .iter()
        .filter(|r| r.family == family)
        .map(|r| {
            let importing = found.iter().filter(|(_, t)| imports_library(t, r)).count();
            let listed = r.packages.iter().any(|p| project.has(p));
            (r, importing, listed)
        })
        .filter(|(_, importing, listed)| *importing > 0 || *listed)
        .max_by_key(|(_, importing, listed)| (*importing, *listed))
        .map(|(r, _, _)| r)
}

/// The library the generator is offered for on this model: what the manifest lists or the
/// model's own file imports (cheap enough for every code action request; running it looks at
/// every file's imports).
pub fn offered(m: &Model, project: &Project, src: &Source) -> Option<&'static Row> {
    if !matches!(
        m.orm,
        Orm::SqlAlchemy
            | Orm::FlaskSqlAlchemy
            | Orm::Mongoose
            | Orm::Sequelize
            | Orm::Django
            | Orm::TypeOrmEntity
    ) {
        return None;
    }
    LIBRARIES.iter().find(|r| {
        r.family == m.family
            // Django models: Graphene (graphene-django) only.
            && (m.orm != Orm::Django || r.library == Library::Graphene)
            // TypeORM entities: NestJS's GraphQL; Mongoose and Sequelize models: Apollo.
            && ((m.orm == Orm::TypeOrmEntity)
                == matches!(r.library, Library::NestGraphql | Library::TypeGraphql))
            && (r.packages.iter().any(|p| project.has(p)) || imports_library(src.text, r))
    })
}

/// How resolvers reach the SQLAlchemy session: `info.context["session"]` or
/// `info.context.session`, as the project's resolvers already do.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Context {
    Key(String),
    Attribute(String),
}

impl Context {
    fn session(&self) -> String {
        match self {
            Context::Key(k) => format!("info.context[\"{k}\"]"),
            Context::Attribute(a) => format!("info.context.{a}"),
        }
    }
    /// The test's context value holding `session`.
    fn test_value(&self) -> String {
        match self {
            Context::Key(k) => format!("{{\"{k}\": session}}"),
            Context::Attribute(a) => format!("SimpleNamespace({a}=session)"),
        }
    }
}

/// Where the resolvers read and write rows: a SQLAlchemy session from the context, or the
/// Django ORM (graphene-django).
enum Store<'c> {
    Session(&'c Context),
    Django,
}

impl Store<'_> {
    /// The row with primary key `pk` (a parameter), or `None`.
    fn get(&self, model: &str, pk: &str) -> String {
        match self {
            Store::Session(c) => format!("{}.get({model}, {pk})", c.session()),
            Store::Django => format!("{model}.objects.filter(pk={pk}).first()"),
        }
    }
    /// The statements returning a page (`limit`, `offset` clamped), in key order.
    fn page(&self, model: &str, pk: &str) -> String {
        match self {
            Store::Session(c) => format!(
                "query = select({model}).order_by({model}.{pk}).offset(offset).limit(limit)\nreturn {}.scalars(query).all()\n",
                c.session()
            ),
            Store::Django => format!(
                "return {model}.objects.order_by(\"{pk}\")[offset : offset + limit]\n"
            ),
        }
    }
    /// The statements storing a new row `var`.
    fn save(&self, var: &str) -> String {
        match self {
            Store::Session(c) => {
                let s = c.session();
                format!("{s}.add({var})\n{s}.commit()\n{s}.refresh({var})\n")
            }
            Store::Django => format!("{var}.full_clean()\n{var}.save()\n"),
        }
    }
    fn described(&self) -> String {
        match self {
            Store::Session(c) => format!("the SQLAlchemy session in `{}`", c.session()),
            Store::Django => "the Django ORM".to_owned(),
        }
    }
}

fn session_like(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.contains("session") || l == "db" || l.ends_with("_db") || l == "dbsession"
}

/// The first `info.context["db"]`/`info.context.session` the project's GraphQL code uses for
/// its database session.
fn find_context(texts: &[(PathBuf, String)]) -> Context {
    for (_, t) in texts {
        for (i, _) in t.match_indices("info.context") {
            let rest = &t[i + "info.context".len()..];
            let key = rest
                .strip_prefix("[\"")
                .and_then(|r| r.split_once("\"]"))
                .or_else(|| rest.strip_prefix("['").and_then(|r| r.split_once("']")))
                .map(|(k, _)| Context::Key(k.to_owned()))
                .or_else(|| {
                    let a = rest.strip_prefix('.')?;
                    let end = a
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(a.len());
                    Some(Context::Attribute(a[..end].to_owned()))
                });
            match key {
                Some(c @ Context::Key(_)) | Some(c @ Context::Attribute(_))
                    if session_like(match &c {
                        Context::Key(k) | Context::Attribute(k) => k,
                    }) =>
                {
                    return c;
                }
                _ => {}
            }
        }
    }
    Context::Key("session".into())
}

/// What the project's mutations do to check their caller, copied onto the generated one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Auth {
    /// Decorators (`@login_required`), as written.
    decorators: Vec<String>,
    /// Strawberry's `permission_classes=[IsAuthenticated]`.
    permission: Option<String>,
    /// A check at the top of the resolver (`if not info.context.user…: raise …`), dedented.
    check: Option<String>,
    /// Imports of the names those use.
    imports: Vec<String>,
    /// The mutation it was copied from (named in the generated docstring).
    from: String,
}

/// Whether a decorator is the library's own field registration.
fn library_decorator(name: &str, library: Library) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    match library {
        Library::Strawberry => {
            (name.starts_with("strawberry") || !name.contains('.'))
                && matches!(last, "mutation" | "field")
        }
        Library::Ariadne => name.contains('.') && matches!(last, "field" | "source"),
        Library::Graphene | Library::Js(_) | Library::NestGraphql | Library::TypeGraphql => false,
    }
}

fn auth_names(code: &str) -> bool {
    ba_app::tokens::identifiers(code, true)
        .iter()
        .any(|n| ba_app::facts::is_auth_name(n) && !ba_app::facts::is_public_name(n))
}

/// The authorization of the first of the project's mutations that checks its caller.
fn find_auth(project: &Project, texts: &[(PathBuf, String)], row: &Row) -> Option<Auth> {
    for (path, t) in texts {
        let tree = parse::parse(Language::Python, t, None)?;
        let facts = ba_app::extract(Language::Python, &tree, t, &path.display().to_string());
        for r in &facts.resolvers {
            if r.library != row.facts
                || !r.parent.ends_with("Mutation")
                || r.auth != HandlerAuth::Required
            {
                continue;
            }
            let Some(def) = tree
                .root_node()
                .descendant_for_byte_range(r.span.0.start, r.span.0.end)
                .and_then(|n| n.parent())
                .filter(|d| d.kind_str() == "function_definition")
            else {
                continue;
            };
            let mut auth = Auth {
                from: r.field.clone(),
                ..Auth::default()
            };
            if let Some(decorated) = def
                .parent()
                .filter(|p| p.kind_str() == "decorated_definition")
            {
                for d in named_children(decorated)
                    .into_iter()
                    .filter(|d| d.kind_str() == "decorator")
                {
                    let code = text(t, d);
                    let name = code
                        .trim_start_matches('@')
                        .split('(')
                        .next()
                        .unwrap_or("")
                        .trim();
                    if library_decorator(name, row.library) {
                        auth.permission = permission_classes(d, t);
                    } else if auth_names(code) {
                        auth.decorators.push(code.to_owned());
                    }
                }
            }
            if auth.decorators.is_empty() && auth.permission.is_none() {
                auth.check = first_check(def, t);
            }
            if auth.decorators.is_empty() && auth.permission.is_none() && auth.check.is_none() {
                continue;
            }
            let used: String = [
                auth.decorators.join("\n"),
                auth.permission.clone().unwrap_or_default(),
                auth.check.clone().unwrap_or_default(),
            ]
            .join("\n");
            auth.imports = imports_for(&used, project, path, &tree, t);
            return Some(auth);
        }
    }
    None
}

/// `permission_classes=[...]` of a Strawberry field decorator.
fn permission_classes(d: Node, t: &str) -> Option<String> {
    let call = d.named_child(0).filter(|c| c.kind_str() == "call")?;
    named_children(call.field("arguments")?)
        .into_iter()
        .filter(|a| a.kind_str() == "keyword_argument")
        .find(|a| {
            a.field("name")
                .is_some_and(|n| text(t, n) == "permission_classes")
        })
        .map(|a| text(t, a).to_owned())
        .filter(|a| auth_names(a))
}

/// The `if` at the top of a resolver that checks its caller, dedented to no indentation.
fn first_check(def: Node, t: &str) -> Option<String> {
    let body = def.field("body")?;
    let stmt = named_children(body)
        .into_iter()
        .filter(|s| s.kind_str() != "comment")
        .take(3)
        .find(|s| s.kind_str() == "if_statement")?;
    let code = text(t, stmt);
    let checks = ba_app::tokens::identifiers(code, true).iter().any(|n| {
        matches!(
            *n,
            "is_authenticated" | "has_perm" | "PermissionDenied" | "login_required"
        ) || ba_app::handler_auth::names_caller(n)
    });
    if !checks || !code.contains("raise") {
        return None;
    }
    let indent = super::indent_of_line(t, stmt.start_byte()).len();
    let lines: Vec<String> = code
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_owned()
            } else {
                l.get(indent.min(l.len() - l.trim_start().len())..)
                    .unwrap_or(l)
                    .to_owned()
            }
        })
        .collect();
    Some(lines.join("\n") + "\n")
}

/// Import lines binding the names `code` uses, as the file at `path` binds them (relative
/// imports made absolute; names the file defines imported from it).
fn imports_for(
    code: &str,
    project: &Project,
    path: &Path,
    tree: &tree_sitter::Tree,
    t: &str,
) -> Vec<String> {
    let used = ba_app::tokens::identifiers(code, true);
    let module = python_module(&project.root, path);
    let package: Vec<&str> = module.split('.').collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |line: String| {
        if !out.contains(&line) {
            out.push(line);
        }
    };
    for stmt in named_children(tree.root_node()) {
        match stmt.kind_str() {
            "import_from_statement" => {
                let Some(m) = stmt.field("module_name").map(|m| text(t, m)) else {
                    continue;
                };
                let absolute = if let Some(rel) = m.strip_prefix('.') {
                    let dots = 1 + rel.len() - rel.trim_start_matches('.').len();
                    let rest = rel.trim_start_matches('.');
                    let keep = package.len().saturating_sub(dots);
                    let mut parts: Vec<&str> = package[..keep].to_vec();
                    if !rest.is_empty() {
                        parts.push(rest);
                    }
                    parts.join(".")
                } else {
                    m.to_owned()
                };
                let mut c = stmt.walk();
                for name in stmt.children_by_field_name("name", &mut c) {
                    let (imported, bound) = match name.kind_str() {
                        "aliased_import" => (
                            name.field("name").map(|n| text(t, n)).unwrap_or(""),
                            name.field("alias").map(|n| text(t, n)).unwrap_or(""),
                        ),
                        _ => (text(t, name), text(t, name)),
                    };
                    if used.contains(bound) {
                        if imported == bound {
                            push(format!("from {absolute} import {imported}"));
                        } else {
                            push(format!("from {absolute} import {imported} as {bound}"));
                        }
                    }
                }
            }
            "import_statement" => {
                let line = text(t, stmt);
                let bound = line
                    .trim_start_matches("import ")
                    .split([' ', '.', ','])
                    .next()
                    .unwrap_or("");
                if used.contains(bound) {
                    push(line.to_owned());
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {
                let def = if stmt.kind_str() == "decorated_definition" {
                    stmt.field("definition")
                } else {
                    Some(stmt)
                };
                if let Some(name) = def.and_then(|d| d.field("name")).map(|n| text(t, n)) {
                    if used.contains(name) {
                        push(format!("from {module} import {name}"));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Import lines into the third-party or the project's group, by whether their top-level module
/// is a package or module of the project.
fn split_imports(lines: &[String], root: &Path, third: &mut Vec<String>, own: &mut Vec<String>) {
    for l in lines {
        let module = l
            .strip_prefix("from ")
            .or_else(|| l.strip_prefix("import "))
            .and_then(|r| r.split([' ', '.']).next())
            .unwrap_or("");
        let ours = root.join(module).is_dir() || root.join(format!("{module}.py")).is_file();
        if ours {
            own.push(l.clone());
        } else {
            third.push(l.clone());
        }
    }
}

/// Names and values of the model in the templates.
struct Names {
    model: String,
    var: String,
    coll: String,
    /// The GraphQL field of the create mutation: `createAuthor`.
    create: String,
    pk: Field,
}

/// A Python expression of `kind` for the test's row number `i`.
fn py_row_value(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "i",
        Kind::Float => "i + 0.5",
        Kind::Decimal => "Decimal(i)",
        Kind::Str => "f\"example {i}\"",
        Kind::Bool => "True",
        Kind::DateTime => "datetime(2024, 1, i)",
        Kind::Date => "date(2024, 1, i)",
        Kind::Uuid => "UUID(int=i)",
        Kind::Json => "{}",
    }
}

/// A JSON-ish Python literal of `kind` for a GraphQL variable (what a client sends).
fn py_variable(kind: Kind, library: Library) -> &'static str {
    match (kind, library) {
        (Kind::Int, _) => "1",
        (Kind::Float, _) => "1.5",
        (Kind::Decimal, _) => "\"1.50\"",
        (Kind::Str, _) => "\"example\"",
        (Kind::Bool, _) => "True",
        (Kind::DateTime, _) => "\"2024-01-01T00:00:00\"",
        (Kind::Date, _) => "\"2024-01-01\"",
        (Kind::Uuid, _) => "\"00000000-0000-0000-0000-000000000001\"",
        (Kind::Json, Library::Ariadne) => "\"{}\"",
        (Kind::Json, _) => "{}",
    }
}

fn test_imports(kinds: &BTreeSet<&'static str>) -> Vec<String> {
    let mut out = Vec::new();
    match (kinds.contains("datetime"), kinds.contains("date")) {
        (true, true) => out.push("from datetime import date, datetime".to_owned()),
        (true, false) => out.push("from datetime import datetime".to_owned()),
        (false, true) => out.push("from datetime import date".to_owned()),
        _ => {}
    }
    if kinds.contains("Decimal") {
        out.push("from decimal import Decimal".to_owned());
    }
    if kinds.contains("SimpleNamespace") {
        out.push("from types import SimpleNamespace".to_owned());
    }
    if kinds.contains("UUID") {
        out.push("from uuid import UUID".to_owned());
    }
    out
}

pub fn generate(src: &Source, m: &Model, project: &Project, files: &dyn Files) -> Result<Output> {
    if m.family == Family::JavaScript {
        let names: Vec<&str> = LIBRARIES
            .iter()
            .filter(|r| r.family == Family::JavaScript)
            .flat_map(|r| r.packages.iter().copied())
            .collect();
        return match detect(project, files, m.family).map(|r| r.library) {
            Some(Library::Js(server)) => super::graphql_js::generate(src, m, server, project, files),
            Some(Library::NestGraphql) => super::graphql_nest::generate(src, m, project, files, super::graphql_nest::Flavour::Nest),
            Some(Library::TypeGraphql) => super::graphql_nest::generate(src, m, project, files, super::graphql_nest::Flavour::TypeGraphql),
            _ => err(format!("no GraphQL library was found in this project (its package.json and imports name none of {}): add the one you use and run this again", names.join(", "))),
        };
    }
    if m.orm == Orm::Pydantic {
        return err(format!("`{}` is a Pydantic model without storage: put the cursor on the ORM model the resolvers should read", m.name));
    }
    if !matches!(m.orm, Orm::SqlAlchemy | Orm::FlaskSqlAlchemy | Orm::Django) {
        return err(format!(
            "GraphQL resolvers are generated for SQLAlchemy and Django models; `{}` is neither",
            m.name
        ));
    }
    let Some(row) = detect(project, files, m.family) else {
        let known: Vec<&str> = LIBRARIES
            .iter()
            .filter(|r| r.family == m.family)
            .map(|r| r.packages[0])
            .collect();
        return err(format!(
            "no GraphQL library was found in this project (its manifest and imports name none of {}): add the one you use to the manifest, or import it, and run this again",
            known.join(", ")
        ));
    };
    let texts: Vec<(PathBuf, String)> = library_files(project, files, m.family)
        .into_iter()
        .filter(|(_, t)| imports_library(t, row))
        .collect();
    let django = m.orm == Orm::Django;
    if django && row.library != Library::Graphene {
        return err(format!(
            "Django models get Graphene (graphene-django) resolvers; {} resolvers are generated for SQLAlchemy models",
            row.name
        ));
    }
    // On SQLAlchemy's asyncio sessions Strawberry's resolvers are coroutines that await the
    // session; Graphene and Ariadne resolvers here are synchronous, so those projects get an
    // explanation rather than resolvers whose session calls would return coroutines.
    let mut asyncio_session = false;
    if !django {
        let asyncio = project
            .source_files()
            .into_iter()
            .filter(|(_, l)| l.family() == Family::Python)
            .filter_map(|(p, _)| files.read(&p).map(|t| (p, t)))
            .find(|(_, t)| {
                [
                    "create_async_engine(",
                    "async_sessionmaker(",
                    "AsyncSession",
                ]
                .iter()
                .any(|k| t.contains(k))
            });
        match asyncio {
            Some(_) if row.library == Library::Strawberry => asyncio_session = true,
            Some((path, _)) => {
                let at = path.strip_prefix(&project.root).unwrap_or(&path);
                return err(format!(
                    "this project uses SQLAlchemy's asyncio sessions ({}): {} runs synchronous resolvers here, which cannot await an `AsyncSession`; only Strawberry resolvers are generated for one",
                    at.display(),
                    row.name
                ));
            }
            None => {}
        }
    }
    let context = find_context(&texts);
    let store = if django {
        Store::Django
    } else {
        Store::Session(&context)
    };
    let auth = find_auth(project, &texts, row);
    let Some(pk) = m.primary_key().cloned() else {
        return err(format!(
            "`{}` has no primary key column: the resolvers look rows up by it",
            m.name
        ));
    };
    let var = snake(&m.name);
    let names = Names {
        model: m.name.clone(),
        create: format!("create{}", m.name),
        coll: plural(&var),
        var,
        pk,
    };
    // Beside the project's schema (the first file that declares a root type), else beside
    // the model.
    let dir = texts
        .iter()
        .filter(|(p, _)| p != src.path)
        .find(|(_, t)| t.contains("Query") || t.contains("Mutation"))
        .or_else(|| texts.iter().find(|(p, _)| p != src.path))
        .map(|(p, _)| p.as_path())
        .unwrap_or(src.path)
        .parent()
        .unwrap_or(&project.root)
        .to_owned();
    let module_path = free_path(files, dir.join(format!("{}_graphql.py", names.var)));
    let module = python_module(&project.root, &module_path);
    let model_module = python_module(&project.root, src.path);
    let style = Style::detect(src);
    let code = match row.library {
        Library::Strawberry => strawberry(
            m,
            &names,
            &context,
            auth.as_ref(),
            &model_module,
            &project.root,
            asyncio_session,
        ),
        Library::Graphene => graphene(
            m,
            &names,
            &store,
            auth.as_ref(),
            &model_module,
            &project.root,
        ),
        Library::Ariadne => ariadne(
            m,
            &names,
            &context,
            auth.as_ref(),
            &model_module,
            &project.root,
        ),
        Library::Js(_) | Library::NestGraphql | Library::TypeGraphql => {
            unreachable!("JavaScript models are handled above")
        }
    };
    let test = if django {
        django_test(m, &names, auth.as_ref(), &module, &model_module)
    } else {
        python_test(
            m,
            &names,
            &context,
            auth.as_ref(),
            row.library,
            &module,
            &model_module,
            src,
            asyncio_session,
        )
    };
    let test_dir = project.py_test_dir(module_path.parent().unwrap_or(&project.root));
    let test_path = free_path(
        files,
        test_dir.join(format!("test_{}_graphql.py", names.var)),
    );
    Ok(Output {
        edits: Vec::new(),
        files: vec![
            NewFile {
                path: module_path,
                content: style.render(&code, ""),
            },
            NewFile {
                path: test_path,
                content: style.render(&test, ""),
            },
        ],
    })
}

/// Sorted import lines, standard library first, a blank line before the project's own.
fn import_block(stdlib: &[String], third: &[String], own: &[String]) -> String {
    let mut blocks = Vec::new();
    for group in [stdlib, third, own] {
        let mut g: Vec<&String> = group.iter().collect();
        g.sort_by_key(|l| {
            (
                l.starts_with("from "),
                l.split_whitespace().nth(1).unwrap_or("").to_owned(),
            )
        });
        g.dedup();
        if !g.is_empty() {
            blocks.push(g.into_iter().map(|l| format!("{l}\n")).collect::<String>());
        }
    }
    blocks.join("\n")
}

fn field_kinds_imports(fields: &[&Field]) -> Vec<String> {
    let mut kinds = BTreeSet::new();
    for f in fields {
        match f.kind {
            Kind::DateTime => {
                kinds.insert("datetime");
            }
            Kind::Date => {
                kinds.insert("date");
            }
            Kind::Decimal => {
                kinds.insert("Decimal");
            }
            Kind::Uuid => {
                kinds.insert("UUID");
            }
            _ => {}
        }
    }
    test_imports(&kinds)
}

fn header(library: &str, n: &Names, auth: Option<&Auth>, merge: &str, store: &Store) -> String {
    let mutation = match auth {
        Some(a) => format!(", and `{}(input)` guarded like `{}`", n.create, a.from),
        None => String::new(),
    };
    let no_mutation = if auth.is_none() {
        "\nNo create mutation: the project's mutations have no authorization to copy onto one.\n"
    } else {
        ""
    };
    format!(
        "\"\"\"GraphQL for {model} ({library}): the `{model}` type, `{var}(id)`, `{coll}(limit, offset)`{mutation}.\n\n{merge}\nThe resolvers use {store}.\n{no_mutation}\"\"\"\n",
        model = n.model,
        var = n.var,
        coll = n.coll,
        store = store.described(),
    )
}

/// A field of a dict-like input: `input["name"]` when required, else `input.get("name")`.
fn input_get(f: &Field, key: &str) -> String {
    if f.optional || f.has_default {
        format!("input.get(\"{key}\")")
    } else {
        format!("input[\"{key}\"]")
    }
}

/// The row a create mutation builds, field by field (no request data spread into the model):
/// fields with a default are set only when the client sent them, so the model's default holds.
fn create_row(
    m: &Model,
    var: &str,
    raw: impl Fn(&Field) -> String,
    parse: impl Fn(&Field, &str) -> Option<String>,
) -> String {
    let direct: Vec<String> = m
        .writable()
        .filter(|f| !f.has_default)
        .map(|f| {
            let value = raw(f);
            let value = match parse(f, &value) {
                Some(p) if f.optional => format!("{p} if {value} is not None else None"),
                Some(p) => p,
                None => value,
            };
            format!("{}={value}", f.name)
        })
        .collect();
    let mut out = format!("{var} = {}({})\n", m.name, direct.join(", "));
    for f in m.writable().filter(|f| f.has_default) {
        let value = raw(f);
        out.push_str(&format!(
            "if {value} is not None:\n    {var}.{} = {}\n",
            f.name,
            parse(f, &value).unwrap_or_else(|| value.clone())
        ));
    }
    out
}

fn strawberry_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Json => "JSON",
        k => k.py(),
    }
}

fn strawberry(
    m: &Model,
    n: &Names,
    context: &Context,
    auth: Option<&Auth>,
    model_module: &str,
    project_root: &Path,
    asyncio: bool,
) -> String {
    let model = &n.model;
    let fields: Vec<&Field> = m.fields.iter().collect();
    let mut stdlib = field_kinds_imports(&fields);
    stdlib.push("from typing import Optional".into());
    // On an `AsyncSession` the resolvers are coroutines awaiting each session call.
    let (def, wait) = if asyncio {
        ("async def", "await ")
    } else {
        ("def", "")
    };
    let mut third = vec![
        "import strawberry".to_owned(),
        "from sqlalchemy import select".to_owned(),
        "from strawberry.types import Info".to_owned(),
    ];
    if m.fields.iter().any(|f| f.kind == Kind::Json) {
        third.push("from strawberry.scalars import JSON".into());
    }
    let mut own = vec![format!("from {model_module} import {model}")];
    if let Some(a) = auth {
        split_imports(&a.imports, project_root, &mut third, &mut own);
    }
    let merge = format!("Merge the classes into the schema's root types:\n\n    @strawberry.type\n    class Query({model}Query, ...):\n        ...\n");
    let ty = |f: &Field| {
        let t = strawberry_type(f.kind);
        if f.optional && !f.primary_key {
            format!("Optional[{t}]")
        } else {
            t.to_owned()
        }
    };
    let session = context.session();
    let pk = &n.pk;
    let mut out = header("Strawberry", n, auth, &merge, &Store::Session(context));
    if asyncio {
        out = out.replace("the SQLAlchemy session", "the SQLAlchemy asyncio session");
    }
    out.push_str(&import_block(&stdlib, &third, &own));
    out.push_str(&format!(
        "\n# The most rows one request can ask for.\nMAX_PAGE_SIZE = {MAX_PAGE_SIZE}\n\n\n"
    ));
    out.push_str(&format!(
        "@strawberry.type(name=\"{model}\")\nclass {model}Type:\n"
    ));
    for f in &m.fields {
        out.push_str(&format!("    {}: {}\n", f.name, ty(f)));
    }
    let args: Vec<String> = m
        .fields
        .iter()
        .map(|f| format!("{0}={1}.{0}", f.name, n.var))
        .collect();
    out.push_str(&format!(
        "\n    @classmethod\n    def from_model(cls, {var}: {model}) -> \"{model}Type\":\n        return cls({args})\n\n\n",
        var = n.var,
        args = args.join(", ")
    ));
    out.push_str(&format!(
        "@strawberry.type\nclass {model}Query:\n    @strawberry.field\n    {def} {var}(self, info: Info, {pk}: {pkty}) -> Optional[{model}Type]:\n        {var} = {wait}{session}.get({model}, {pk})\n        return {model}Type.from_model({var}) if {var} is not None else None\n\n    @strawberry.field\n    {def} {coll}(self, info: Info, limit: int = 20, offset: int = 0) -> list[{model}Type]:\n        limit = min(max(limit, 1), MAX_PAGE_SIZE)\n        offset = max(offset, 0)\n        query = select({model}).order_by({model}.{pk}).offset(offset).limit(limit)\n        return [{model}Type.from_model({var}) for {var} in {wait}{session}.scalars(query)]\n",
        var = n.var,
        coll = n.coll,
        pk = pk.name,
        pkty = strawberry_type(pk.kind),
    ));
    if let Some(a) = auth {
        out.push_str(&format!(
            "\n\n@strawberry.input(name=\"{model}Input\")\nclass {model}Input:\n"
        ));
        let mut writable: Vec<&Field> = m.writable().collect();
        // Required fields first: a dataclass needs them before the ones with defaults.
        writable.sort_by_key(|f| f.optional || f.has_default);
        for f in &writable {
            if f.optional || f.has_default {
                out.push_str(&format!(
                    "    {}: Optional[{}] = None\n",
                    f.name,
                    strawberry_type(f.kind)
                ));
            } else {
                out.push_str(&format!("    {}: {}\n", f.name, strawberry_type(f.kind)));
            }
        }
        if writable.is_empty() {
            out.push_str("    pass\n");
        }
        let permission = a
            .permission
            .as_ref()
            .map(|p| format!("({p})"))
            .unwrap_or_default();
        let decorators: String = a.decorators.iter().map(|d| format!("    {d}\n")).collect();
        let check = a.check.as_ref().map(|c| indent(c, 2)).unwrap_or_default();
        out.push_str(&format!(
            "\n\n@strawberry.type\nclass {model}Mutation:\n    @strawberry.mutation{permission}\n{decorators}    {def} {create}(self, info: Info, input: {model}Input) -> {model}Type:\n{check}{row}        {session}.add({var})\n        {wait}{session}.commit()\n        {wait}{session}.refresh({var})\n        return {model}Type.from_model({var})\n",
            create = snake(&n.create),
            var = n.var,
            row = indent(&create_row(m, &n.var, |f| format!("input.{}", f.name), |_, _| None), 2),
        ));
    }
    out
}

fn graphene_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "graphene.Int",
        Kind::Float => "graphene.Float",
        Kind::Decimal => "graphene.Decimal",
        Kind::Str => "graphene.String",
        Kind::Bool => "graphene.Boolean",
        Kind::DateTime => "graphene.DateTime",
        Kind::Date => "graphene.Date",
        Kind::Uuid => "graphene.UUID",
        Kind::Json => "graphene.JSONString",
    }
}

fn graphene(
    m: &Model,
    n: &Names,
    store: &Store,
    auth: Option<&Auth>,
    model_module: &str,
    project_root: &Path,
) -> String {
    let model = &n.model;
    let mut third = vec!["import graphene".to_owned()];
    if matches!(store, Store::Session(_)) {
        third.push("from sqlalchemy import select".to_owned());
    }
    let mut own = vec![format!("from {model_module} import {model}")];
    if let Some(a) = auth {
        split_imports(&a.imports, project_root, &mut third, &mut own);
    }
    let merge = format!("Merge the classes into the schema's root types:\n\n    class Query({model}Query, graphene.ObjectType):\n        ...\n");
    let pk = &n.pk;
    let mut out = header("Graphene", n, auth, &merge, store);
    out.push_str(&import_block(&[], &third, &own));
    out.push_str(&format!(
        "\n# The most rows one request can ask for.\nMAX_PAGE_SIZE = {MAX_PAGE_SIZE}\n\n\n"
    ));
    out.push_str(&format!(
        "class {model}Type(graphene.ObjectType):\n    class Meta:\n        name = \"{model}\"\n\n"
    ));
    for f in &m.fields {
        let required = if f.optional && !f.primary_key {
            ""
        } else {
            "required=True"
        };
        out.push_str(&format!(
            "    {} = {}({required})\n",
            f.name,
            graphene_type(f.kind)
        ));
    }
    out.push_str(&format!(
        "\n\nclass {model}Query(graphene.ObjectType):\n    {var} = graphene.Field({model}Type, {pk}={pkty}(required=True))\n    {coll} = graphene.List(\n        graphene.NonNull({model}Type),\n        required=True,\n        limit=graphene.Int(default_value=20),\n        offset=graphene.Int(default_value=0),\n    )\n\n    def resolve_{var}(root, info, {pk}):\n        return {get}\n\n    def resolve_{coll}(root, info, limit=20, offset=0):\n        limit = min(max(limit, 1), MAX_PAGE_SIZE)\n        offset = max(offset, 0)\n{page}",
        get = store.get(model, &pk.name),
        page = indent(&store.page(model, &pk.name), 2),
        var = n.var,
        coll = n.coll,
        pk = pk.name,
        pkty = graphene_type(pk.kind),
    ));
    if let Some(a) = auth {
        out.push_str(&format!(
            "\n\nclass {model}Input(graphene.InputObjectType):\n"
        ));
        for f in m.writable() {
            let required = if f.optional || f.has_default {
                ""
            } else {
                "required=True"
            };
            out.push_str(&format!(
                "    {} = {}({required})\n",
                f.name,
                graphene_type(f.kind)
            ));
        }
        if m.writable().next().is_none() {
            out.push_str("    pass\n");
        }
        let decorators: String = a.decorators.iter().map(|d| format!("    {d}\n")).collect();
        let check = a.check.as_ref().map(|c| indent(c, 2)).unwrap_or_default();
        out.push_str(&format!(
            "\n\nclass Create{model}(graphene.Mutation):\n    class Arguments:\n        input = {model}Input(required=True)\n\n    Output = {model}Type\n\n{decorators}    def mutate(root, info, input):\n{check}{row}{save}        return {var}\n\n\nclass {model}Mutation(graphene.ObjectType):\n    {create} = Create{model}.Field()\n",
            create = snake(&n.create),
            var = n.var,
            save = indent(&store.save(&n.var), 2),
            row = indent(&create_row(m, &n.var, |f| input_get(f, &f.name), |_, _| None), 2),
        ));
    }
    out
}

/// Ariadne SDL type of a field, and whether the value is converted to text by a resolver.
fn sdl_type(kind: Kind) -> (&'static str, bool) {
    match kind {
        Kind::Int => ("Int", false),
        Kind::Float => ("Float", false),
        Kind::Bool => ("Boolean", false),
        Kind::Str => ("String", false),
        // No built-in scalar: sent as text (ISO dates, decimal strings, UUIDs, JSON).
        Kind::Decimal | Kind::DateTime | Kind::Date | Kind::Uuid | Kind::Json => ("String", true),
    }
}

fn ariadne(
    m: &Model,
    n: &Names,
    context: &Context,
    auth: Option<&Auth>,
    model_module: &str,
    project_root: &Path,
) -> String {
    let model = &n.model;
    let var = &n.var;
    let mut stdlib = Vec::new();
    let parsed_on_create: Vec<&Field> = m.writable().filter(|f| sdl_type(f.kind).1).collect();
    if auth.is_some() {
        stdlib = field_kinds_imports(&parsed_on_create);
    }
    if m.fields.iter().any(|f| f.kind == Kind::Json) {
        stdlib.push("import json".into());
    }
    let mut third_line = "from ariadne import MutationType, ObjectType, QueryType, gql".to_owned();
    if auth.is_none() {
        third_line = "from ariadne import ObjectType, QueryType, gql".into();
    }
    let mut third = vec![third_line, "from sqlalchemy import select".to_owned()];
    third.sort();
    let mut own = vec![format!("from {model_module} import {model}")];
    if let Some(a) = auth {
        split_imports(&a.imports, project_root, &mut third, &mut own);
    }
    let merge = format!("Add `type_defs` and `bindables` to the schema (Query and Mutation are extended):\n\n    make_executable_schema([type_defs, {var}_graphql.type_defs], query, mutation, *{var}_graphql.bindables)\n");
    let session = context.session();
    let pk = &n.pk;
    let mut out = header("Ariadne", n, auth, &merge, &Store::Session(context));
    stdlib.dedup();
    out.push_str(&import_block(&stdlib, &third, &own));
    out.push_str(&format!(
        "\n# The most rows one request can ask for.\nMAX_PAGE_SIZE = {MAX_PAGE_SIZE}\n\n"
    ));
    let mut sdl = format!("    type {model} {{\n");
    for f in &m.fields {
        let bang = if f.optional && !f.primary_key {
            ""
        } else {
            "!"
        };
        sdl.push_str(&format!(
            "        {}: {}{bang}\n",
            camel(&f.name),
            sdl_type(f.kind).0
        ));
    }
    sdl.push_str("    }\n\n");
    if auth.is_some() {
        sdl.push_str(&format!("    input {model}Input {{\n"));
        for f in m.writable() {
            let bang = if f.optional || f.has_default { "" } else { "!" };
            sdl.push_str(&format!(
                "        {}: {}{bang}\n",
                camel(&f.name),
                sdl_type(f.kind).0
            ));
        }
        sdl.push_str("    }\n\n");
    }
    sdl.push_str(&format!(
        "    extend type Query {{\n        {var}({pkc}: {pkty}!): {model}\n        {coll}(limit: Int = 20, offset: Int = 0): [{model}!]!\n    }}\n",
        pkc = camel(&pk.name),
        pkty = sdl_type(pk.kind).0,
        coll = n.coll,
    ));
    if auth.is_some() {
        sdl.push_str(&format!(
            "\n    extend type Mutation {{\n        {create}(input: {model}Input!): {model}!\n    }}\n",
            create = n.create
        ));
    }
    out.push_str(&format!("type_defs = gql(\"\"\"\n{sdl}\"\"\")\n\n"));
    out.push_str(&format!(
        "{var}_query = QueryType()\n{var}_type = ObjectType(\"{model}\")\n"
    ));
    if auth.is_some() {
        out.push_str(&format!("{var}_mutation = MutationType()\n"));
    }
    // snake_case attributes under camelCase fields.
    for f in m
        .fields
        .iter()
        .filter(|f| camel(&f.name) != f.name && !sdl_type(f.kind).1)
    {
        out.push_str(&format!(
            "{var}_type.set_alias(\"{}\", \"{}\")\n",
            camel(&f.name),
            f.name
        ));
    }
    for f in m.fields.iter().filter(|f| sdl_type(f.kind).1) {
        let conv = match f.kind {
            Kind::DateTime | Kind::Date => "value.isoformat()".to_owned(),
            Kind::Json => "json.dumps(value)".to_owned(),
            _ => "str(value)".to_owned(),
        };
        out.push_str(&format!(
            "\n\n@{var}_type.field(\"{field}\")\ndef resolve_{var}_{name}({var}, info):\n    value = {var}.{name}\n    return {conv} if value is not None else None\n",
            field = camel(&f.name),
            name = f.name,
        ));
    }
    out.push_str(&format!(
        "\n\n@{var}_query.field(\"{var}\")\ndef resolve_{var}(_, info, {pkc}):\n    return {session}.get({model}, {pkc})\n\n\n@{var}_query.field(\"{coll}\")\ndef resolve_{coll}(_, info, limit=20, offset=0):\n    limit = min(max(limit, 1), MAX_PAGE_SIZE)\n    offset = max(offset, 0)\n    query = select({model}).order_by({model}.{pk}).offset(offset).limit(limit)\n    return {session}.scalars(query).all()\n",
        pkc = camel(&pk.name),
        pk = pk.name,
        coll = n.coll,
    ));
    if let Some(a) = auth {
        let decorators: String = a.decorators.iter().map(|d| format!("{d}\n")).collect();
        let check = a.check.as_ref().map(|c| indent(c, 1)).unwrap_or_default();
        let raw = |f: &Field| input_get(f, &camel(&f.name));
        let parse = |f: &Field, value: &str| {
            let parse = match f.kind {
                Kind::DateTime => "datetime.fromisoformat",
                Kind::Date => "date.fromisoformat",
                Kind::Decimal => "Decimal",
                Kind::Uuid => "UUID",
                Kind::Json => "json.loads",
                _ => return None,
            };
            Some(format!("{parse}({value})"))
        };
        out.push_str(&format!(
            "\n\n@{var}_mutation.field(\"{create}\")\n{decorators}def resolve_{create_snake}(_, info, input):\n{check}{row}    {session}.add({var})\n    {session}.commit()\n    {session}.refresh({var})\n    return {var}\n",
            create = n.create,
            create_snake = snake(&n.create),
            row = indent(&create_row(m, var, raw, parse), 1),
        ));
        out.push_str(&format!(
            "\n\nbindables = [{var}_query, {var}_mutation, {var}_type]\n"
        ));
    } else {
        out.push_str(&format!("\n\nbindables = [{var}_query, {var}_type]\n"));
    }
    out
}

/// `code` indented by `levels` four-space levels (empty lines kept empty).
fn indent(code: &str, levels: usize) -> String {
    let pad = "    ".repeat(levels);
    code.lines()
        .map(|l| {
            if l.trim().is_empty() {
                "\n".to_owned()
            } else {
                format!("{pad}{l}\n")
            }
        })
        .collect()
}

/// The declarative base a model derives from (`class Author(Base)` → `Base`), imported from
/// the model's module for the test's `create_all`; Flask-SQLAlchemy's `db.Model` → `db`.
fn base_of(src: &Source, m: &Model) -> Option<(String, String)> {
    let class = src
        .tree
        .root_node()
        .descendant_for_byte_range(m.range.start, m.range.start)?;
    let class = std::iter::successors(Some(class), |n| n.parent())
        .find(|n| n.kind_str() == "class_definition")?;
    let supers = class.field("superclasses")?;
    let first = named_children(supers).into_iter().next()?;
    let t = text(src.text, first);
    if let Some(db) = t.strip_suffix(".Model") {
        return Some((db.to_owned(), format!("{db}.metadata")));
    }
    let name = t.rsplit('.').next().unwrap_or(t);
    Some((name.to_owned(), format!("{name}.metadata")))
}

#[allow(clippy::too_many_arguments)]
fn python_test(
    m: &Model,
    n: &Names,
    context: &Context,
    auth: Option<&Auth>,
    library: Library,
    module: &str,
    model_module: &str,
    src: &Source,
    asyncio: bool,
) -> String {
    let model = &n.model;
    let var = &n.var;
    let coll = &n.coll;
    let (base, metadata) =
        base_of(src, m).unwrap_or_else(|| ("Base".into(), "Base.metadata".into()));
    let mut kinds: BTreeSet<&'static str> = BTreeSet::new();
    let required: Vec<&Field> = m
        .writable()
        .filter(|f| !f.optional && !f.has_default)
        .collect();
    for f in &required {
        match f.kind {
            Kind::DateTime => {
                kinds.insert("datetime");
            }
            Kind::Date => {
                kinds.insert("date");
            }
            Kind::Decimal => {
                kinds.insert("Decimal");
            }
            Kind::Uuid => {
                kinds.insert("UUID");
            }
            _ => {}
        }
    }
    if matches!(context, Context::Attribute(_)) {
        kinds.insert("SimpleNamespace");
    }
    let mut stdlib = test_imports(&kinds);
    // `func` and `select` are only used by the mutation's test.
    let sqlalchemy = match (asyncio, auth.is_some()) {
        (false, true) => Some("from sqlalchemy import create_engine, func, select"),
        (false, false) => Some("from sqlalchemy import create_engine"),
        (true, true) => Some("from sqlalchemy import func, select"),
        (true, false) => None,
    };
    let mut third: Vec<String> = ["import pytest"]
        .into_iter()
        .chain(sqlalchemy)
        .chain(if asyncio {
            ["from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine"]
        } else {
            ["from sqlalchemy.orm import Session"]
        })
        .chain(["from sqlalchemy.pool import StaticPool"])
        .map(str::to_owned)
        .collect();
    if asyncio {
        stdlib.insert(0, "import asyncio".to_owned());
    }
    let schema_classes = if auth.is_some() {
        format!("{model}Mutation, {model}Query")
    } else {
        format!("{model}Query")
    };
    let (setup, own_module) = match library {
        Library::Strawberry => {
            third.push("import strawberry".into());
            let mutation = if auth.is_some() {
                format!(", mutation={model}Mutation")
            } else {
                String::new()
            };
            let execute = if asyncio {
                // The tests call the database as they would a synchronous session.
                format!(
                    "class Database:\n    \"\"\"An in-memory SQLite database behind an `AsyncSession`, on its own event loop: the tests\n    call it as they would a synchronous session.\"\"\"\n\n    def __init__(self):\n        self.loop = asyncio.new_event_loop()\n        self.engine = create_async_engine(\"sqlite+aiosqlite://\", poolclass=StaticPool)\n        self.run(self._create_tables())\n        self.session = AsyncSession(self.engine, expire_on_commit=False)\n\n    async def _create_tables(self):\n        async with self.engine.begin() as connection:\n            await connection.run_sync({metadata}.create_all)\n\n    def run(self, awaitable):\n        return self.loop.run_until_complete(awaitable)\n\n    def add_all(self, rows):\n        self.session.add_all(rows)\n\n    def commit(self):\n        self.run(self.session.commit())\n\n    def scalar(self, statement):\n        return self.run(self.session.scalar(statement))\n\n    def close(self):\n        self.run(self.session.close())\n        self.run(self.engine.dispose())\n        self.loop.close()\n\n\n\
def execute(database, query, variables=None):\n    \"\"\"Runs an operation: (data, errors as dicts).\"\"\"\n    session = database.session\n    result = database.run(schema.execute(query, variable_values=variables, context_value={ctx}))\n    return result.data, [error.formatted for error in result.errors or []]\n",
                    ctx = context.test_value()
                )
            } else {
                format!(
                    "def execute(session, query, variables=None):\n    \"\"\"Runs an operation: (data, errors as dicts).\"\"\"\n    result = schema.execute_sync(query, variable_values=variables, context_value={ctx})\n    return result.data, [error.formatted for error in result.errors or []]\n",
                    ctx = context.test_value()
                )
            };
            (
                format!("schema = strawberry.Schema(query={model}Query{mutation})\n\n\n{execute}"),
                format!("from {module} import MAX_PAGE_SIZE, {schema_classes}"),
            )
        }
        Library::Graphene => {
            third.push("import graphene".into());
            let mutation = if auth.is_some() {
                format!(", mutation={model}Mutation")
            } else {
                String::new()
            };
            (
                format!(
                    "schema = graphene.Schema(query={model}Query{mutation})\n\n\n\
def execute(session, query, variables=None):\n    \"\"\"Runs an operation: (data, errors as dicts).\"\"\"\n    result = schema.execute(query, variables=variables, context_value={ctx})\n    return result.data, [error.formatted for error in result.errors or []]\n",
                    ctx = context.test_value()
                ),
                format!("from {module} import MAX_PAGE_SIZE, {schema_classes}"),
            )
        }
        Library::Js(_) | Library::NestGraphql | Library::TypeGraphql => {
            unreachable!("JavaScript models have their own tests")
        }
        Library::Ariadne => {
            third.push("from ariadne import graphql_sync, make_executable_schema".into());
            let root = if auth.is_some() {
                "type Query {\n    _root: Boolean\n}\n\ntype Mutation {\n    _root: Boolean\n}\n"
            } else {
                "type Query {\n    _root: Boolean\n}\n"
            };
            (
                format!(
                    "# The root types the module extends.\nROOT = \"\"\"\n{root}\"\"\"\nschema = make_executable_schema([ROOT, type_defs], *bindables)\n\n\n\
def execute(session, query, variables=None):\n    \"\"\"Runs an operation: (data, errors as dicts).\"\"\"\n    _, result = graphql_sync(schema, {{\"query\": query, \"variables\": variables}}, context_value={ctx})\n    return result.get(\"data\"), result.get(\"errors\", [])\n",
                    ctx = context.test_value()
                ),
                format!("from {module} import MAX_PAGE_SIZE, bindables, type_defs"),
            )
        }
    };
    let mut imported = [base.as_str(), model.as_str()];
    imported.sort_unstable();
    let own = vec![
        own_module,
        format!("from {model_module} import {}", imported.join(", ")),
    ];
    // Strawberry and Graphene camel-case field names; the Ariadne module writes them so.
    let field = camel;
    // Keyword arguments of row `i` (a loop variable of the test).
    let row_args = required
        .iter()
        .map(|f| format!("{}={}", f.name, py_row_value(f.kind)))
        .collect::<Vec<_>>()
        .join(", ");
    let pk = &n.pk;
    let pkc = field(&pk.name);
    let pk_var_type = match pk.kind {
        Kind::Int => "Int",
        Kind::Uuid if library != Library::Ariadne => "UUID",
        _ => "String",
    };
    let pk_value = |e: &str| match pk.kind {
        Kind::Int => e.to_owned(),
        _ => format!("str({e})"),
    };
    let shown = m
        .fields
        .iter()
        .take(3)
        .map(|f| field(&f.name))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = format!(
        "\"\"\"Tests of the {model} GraphQL type, queries and mutation ({module}).\"\"\"\n"
    );
    out.push_str(&import_block(&stdlib, &third, &own));
    out.push_str(&format!("\n{setup}\n\n"));
    out.push_str(&if asyncio {
        "@pytest.fixture\ndef session():\n    database = Database()\n    yield database\n    database.close()\n"
            .to_owned()
    } else {
        format!("@pytest.fixture\ndef session():\n    engine = create_engine(\"sqlite://\", connect_args={{\"check_same_thread\": False}}, poolclass=StaticPool)\n    {metadata}.create_all(engine)\n    with Session(engine) as session:\n        yield session\n    engine.dispose()\n")
    });
    out.push_str(&format!(
        "\n\n\
def add_{coll}(session, count):\n    {coll} = [{model}({row}) for i in range(1, count + 1)]\n    session.add_all({coll})\n    session.commit()\n    return {coll}\n\n\n\
def test_{var}_by_{pk}(session):\n    {var} = add_{coll}(session, 1)[0]\n    data, errors = execute(\n        session,\n        \"query ($id: {pk_var_type}!) {{ {var}({pkc}: $id) {{ {shown} }} }}\",\n        {{\"id\": {pk_val}}},\n    )\n    assert errors == []\n    assert data[\"{var}\"][\"{pkc}\"] == {pk_val}\n\n\n\
def test_missing_{var}_is_null(session):\n    data, errors = execute(session, \"query ($id: {pk_var_type}!) {{ {var}({pkc}: $id) {{ {pkc} }} }}\", {{\"id\": {missing}}})\n    assert errors == []\n    assert data[\"{var}\"] is None\n\n\n\
def test_{coll}_are_paged_in_order(session):\n    {coll} = add_{coll}(session, 3)\n    data, errors = execute(session, \"{{ {coll}(limit: 2, offset: 1) {{ {pkc} }} }}\")\n    assert errors == []\n    assert [row[\"{pkc}\"] for row in data[\"{coll}\"]] == [{pk1}, {pk2}]\n\n\n\
def test_{coll}_page_size_is_capped(session):\n    add_{coll}(session, MAX_PAGE_SIZE + 1)\n    data, errors = execute(session, \"{{ {coll}(limit: 100000, offset: -5) {{ {pkc} }} }}\")\n    assert errors == []\n    assert len(data[\"{coll}\"]) == MAX_PAGE_SIZE\n",
        row = row_args,
        pk = pk.name,
        pk_val = pk_value(&format!("{var}.{}", pk.name)),
        missing = match pk.kind {
            Kind::Int => "987654".to_owned(),
            Kind::Uuid => "\"00000000-0000-0000-0000-00000000ffff\"".to_owned(),
            _ => "\"missing\"".to_owned(),
        },
        pk1 = pk_value(&format!("{coll}[1].{}", pk.name)),
        pk2 = pk_value(&format!("{coll}[2].{}", pk.name)),
    ));
    if let Some(a) = auth {
        let input: Vec<String> = m
            .writable()
            .filter(|f| !f.optional && !f.has_default)
            .map(|f| format!("\"{}\": {}", field(&f.name), py_variable(f.kind, library)))
            .collect();
        out.push_str(&format!(
            "\n\n\
def test_create_{var}_is_refused_without_authorization(session):\n    # Guarded like `{from}`: an anonymous caller gets an error at the field and nothing is written.\n    data, errors = execute(\n        session,\n        \"mutation ($input: {model}Input!) {{ {create}(input: $input) {{ {pkc} }} }}\",\n        {{\"input\": {{{input}}}}},\n    )\n    assert errors and errors[0][\"path\"] == [\"{create}\"]\n    assert (data or {{}}).get(\"{create}\") is None\n    assert session.scalar(select(func.count()).select_from({model})) == 0\n",
            from = a.from,
            create = n.create,
            input = input.join(", "),
        ));
    }
    out
}

/// The Django test of the Graphene module: `django.test.TestCase` (a test database per test),
/// the operations executed as an anonymous visitor (graphene-django's context is the request).
fn django_test(
    m: &Model,
    n: &Names,
    auth: Option<&Auth>,
    module: &str,
    model_module: &str,
) -> String {
    let model = &n.model;
    let var = &n.var;
    let coll = &n.coll;
    let required: Vec<&Field> = m
        .writable()
        .filter(|f| !f.optional && !f.has_default)
        .collect();
    let mut kinds: BTreeSet<&'static str> = BTreeSet::new();
    kinds.insert("SimpleNamespace");
    for f in &required {
        match f.kind {
            Kind::DateTime => {
                kinds.insert("datetime");
            }
            Kind::Date => {
                kinds.insert("date");
            }
            Kind::Decimal => {
                kinds.insert("Decimal");
            }
            Kind::Uuid => {
                kinds.insert("UUID");
            }
            _ => {}
        }
    }
    let classes = if auth.is_some() {
        format!("{model}Mutation, {model}Query")
    } else {
        format!("{model}Query")
    };
    let mutation = if auth.is_some() {
        format!(", mutation={model}Mutation")
    } else {
        String::new()
    };
    let third = vec![
        "import graphene".to_owned(),
        "from django.contrib.auth.models import AnonymousUser".to_owned(),
        "from django.test import TestCase".to_owned(),
    ];
    let own = vec![
        format!("from {model_module} import {model}"),
        format!("from {module} import MAX_PAGE_SIZE, {classes}"),
    ];
    let row = required
        .iter()
        .map(|f| format!("{}={}", f.name, py_row_value(f.kind)))
        .collect::<Vec<_>>()
        .join(", ");
    let pk = &n.pk;
    let pkc = camel(&pk.name);
    let shown = m
        .fields
        .iter()
        .take(3)
        .map(|f| camel(&f.name))
        .collect::<Vec<_>>()
        .join(" ");
    let pk_type = if pk.kind == Kind::Int {
        "Int"
    } else {
        "String"
    };
    let pk_value = |e: &str| {
        if pk.kind == Kind::Int {
            e.to_owned()
        } else {
            format!("str({e})")
        }
    };
    let mut out = format!(
        "\"\"\"Tests of the {model} GraphQL type, queries and mutation ({module}).\"\"\"\n"
    );
    out.push_str(&import_block(&test_imports(&kinds), &third, &own));
    out.push_str(&format!(
        "\nschema = graphene.Schema(query={model}Query{mutation})\n\n\n\
def execute(query, variables=None):\n    \"\"\"Runs an operation as an anonymous visitor (graphene-django's context is the request).\"\"\"\n    result = schema.execute(query, variables=variables, context_value=SimpleNamespace(user=AnonymousUser()))\n    return result.data, [error.formatted for error in result.errors or []]\n\n\n\
def add_{coll}(count):\n    return [{model}.objects.create({row}) for i in range(1, count + 1)]\n\n\n\
class {model}GraphQLTests(TestCase):\n    def test_{var}_by_{pkn}(self):\n        {var} = add_{coll}(1)[0]\n        data, errors = execute(\"query ($id: {pk_type}!) {{ {var}({pkc}: $id) {{ {shown} }} }}\", {{\"id\": {pk_val}}})\n        self.assertEqual(errors, [])\n        self.assertEqual(data[\"{var}\"][\"{pkc}\"], {pk_val})\n\n    def test_missing_{var}_is_null(self):\n        data, errors = execute(\"query ($id: {pk_type}!) {{ {var}({pkc}: $id) {{ {pkc} }} }}\", {{\"id\": {missing}}})\n        self.assertEqual(errors, [])\n        self.assertIsNone(data[\"{var}\"])\n\n    def test_{coll}_are_paged_in_order(self):\n        {coll} = add_{coll}(3)\n        data, errors = execute(\"{{ {coll}(limit: 2, offset: 1) {{ {pkc} }} }}\")\n        self.assertEqual(errors, [])\n        self.assertEqual([row[\"{pkc}\"] for row in data[\"{coll}\"]], [{pk1}, {pk2}])\n\n    def test_{coll}_page_size_is_capped(self):\n        add_{coll}(MAX_PAGE_SIZE + 1)\n        data, errors = execute(\"{{ {coll}(limit: 100000, offset: -5) {{ {pkc} }} }}\")\n        self.assertEqual(errors, [])\n        self.assertEqual(len(data[\"{coll}\"]), MAX_PAGE_SIZE)\n",
        pkn = pk.name,
        pk_val = pk_value(&format!("{var}.{}", pk.name)),
        missing = if pk.kind == Kind::Int { "987654" } else { "\"missing\"" },
        pk1 = pk_value(&format!("{coll}[1].{}", pk.name)),
        pk2 = pk_value(&format!("{coll}[2].{}", pk.name)),
    ));
    if let Some(a) = auth {
        let input: Vec<String> = required
            .iter()
            .map(|f| {
                format!(
                    "\"{}\": {}",
                    camel(&f.name),
                    py_variable(f.kind, Library::Graphene)
                )
            })
            .collect();
        out.push_str(&format!(
            "\n    def test_create_{var}_is_refused_without_authorization(self):\n        # Guarded like `{from}`: an anonymous visitor gets an error at the field and nothing is written.\n        data, errors = execute(\n            \"mutation ($input: {model}Input!) {{ {create}(input: $input) {{ {pkc} }} }}\",\n            {{\"input\": {{{input}}}}},\n        )\n        self.assertTrue(errors)\n        self.assertEqual(errors[0][\"path\"], [\"{create}\"])\n        self.assertIsNone((data or {{}}).get(\"{create}\"))\n        self.assertEqual({model}.objects.count(), 0)\n",
            from = a.from,
            create = n.create,
            input = input.join(", "),
        ));
    }
    out
}
