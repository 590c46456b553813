//! File classes: what a file is for (serving requests, testing, migrating the schema, tooling,
//! development settings, other people's or generated code), decided once from its path and its
//! top-level statements. Rules declare the classes they apply to (`ba_rules::Rule::classes`); the
//! engine, `check`, the editor and the cross-file pass all read this one answer.
//!
//! Only the last few directories of a path count for names that also name ordinary places on a
//! disk (`tests/`, `build/`, `scripts/`): a project checked out under `~/build/` is not build
//! output. Names that only ever mean other people's code (`node_modules/`, `site-packages/`)
//! count anywhere.

use std::path::{Path, PathBuf};

use ba_syntax::{Family, Language, NodeExt};

/// What marks the top of a project: the folder a repository, a Python or Node package, or a
/// backend-architect configuration starts at.
pub const PROJECT_MARKERS: &[&str] = &[
    ".git",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "backend-architect.toml",
    ".backend-architect.toml",
];

/// The project folder of `dir`: the nearest folder at or above it with a project marker
/// (`PROJECT_MARKERS`). `check` judges file classes on the path inside it, and so does the
/// editor (`project_path`).
pub fn project_root(dir: &Path) -> Option<&Path> {
    dir.ancestors()
        .find(|d| PROJECT_MARKERS.iter().any(|m| d.join(m).exists()))
}

/// A relative path (as the command line names files, from the working folder) as a path
/// inside the project its folder is judged from (`judging_root`), cached per folder. `None`
/// for an absolute path or a URI (the editor's; see `project_path`), or outside any project.
pub fn relative_to_project(path: &Path) -> Option<String> {
    if path.is_absolute() || path.to_string_lossy().contains("://") {
        return None;
    }
    let absolute = std::path::absolute(path).ok()?;
    let dir = absolute.parent()?.to_path_buf();
    static ROOTS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
    > = std::sync::OnceLock::new();
    let cache = ROOTS.get_or_init(Default::default);
    let cached = cache.lock().ok().and_then(|c| c.get(&dir).cloned());
    let root = match cached {
        Some(root) => root,
        None => {
            let root = judging_root(&dir);
            if let Ok(mut c) = cache.lock() {
                c.insert(dir, root.clone());
            }
            root
        }
    }?;
    absolute
        .strip_prefix(root)
        .ok()
        .map(|p| p.display().to_string())
}

/// Top-level folders of example and demo projects a repository ships beside its package.
pub const EXAMPLE_DIRS: &[&str] = &["examples", "example", "demo", "demos", "samples", "sample"];

/// The project folder files under `start` (a folder someone asked to check, or opened in the
/// editor) are judged from: `project_root`, except that asking for a folder inside the
/// project's `examples/` (or `demo/`, `samples/`) asks for that example: it is then the
/// project (`check examples/shop` judges the demo shop as an application, while `check .` on the
/// repository judges `examples/` as demos beside the package).
pub fn judging_root(start: &Path) -> Option<PathBuf> {
    let root = project_root(start)?;
    let inside = start.strip_prefix(root).ok()?;
    let mut parts = inside.components();
    match (parts.next(), parts.next()) {
        (Some(first), second)
            if EXAMPLE_DIRS
                .iter()
                .any(|d| first.as_os_str().eq_ignore_ascii_case(d)) =>
        {
            Some(match second {
                Some(example) => root.join(first).join(example),
                None => root.join(first),
            })
        }
        _ => Some(root.to_path_buf()),
    }
}

/// The folders the editor was opened on (its workspace folders), each with the project folder
/// `check` would judge its files from when given that folder: the nearest project marker at
/// or above it, else the folder itself. Deepest first.
fn judging() -> &'static std::sync::RwLock<Vec<(PathBuf, PathBuf)>> {
    static JUDGING: std::sync::OnceLock<std::sync::RwLock<Vec<(PathBuf, PathBuf)>>> =
        std::sync::OnceLock::new();
    JUDGING.get_or_init(Default::default)
}

/// Files under `folders` are judged as `check folder` judges them (`project_path`): the server
/// calls this with its workspace folders.
pub fn judge_from(folders: &[PathBuf]) {
    let mut list: Vec<(PathBuf, PathBuf)> = folders
        .iter()
        .map(|f| {
            let root = judging_root(f).unwrap_or_else(|| f.clone());
            (f.clone(), root)
        })
        .collect();
    list.sort_by_key(|(f, _)| std::cmp::Reverse(f.components().count()));
    *judging().write().unwrap_or_else(|e| e.into_inner()) = list;
}

/// The path of the file at `path` (absolute) inside its project, as `check` names it to the
/// classes and rules (`app/views.py`) when given the workspace folder the file is under
/// (`judge_from`): inside the project `check` finds for that folder. `None` for a file under
/// no workspace folder (nothing says where its project starts: a file opened alone keeps
/// being judged on its absolute path) or a relative path.
pub fn project_path(path: &Path) -> Option<String> {
    if !path.is_absolute() {
        return None;
    }
    let judging = judging().read().unwrap_or_else(|e| e.into_inner());
    let (_, root) = judging.iter().find(|(f, _)| path.starts_with(f))?;
    path.strip_prefix(root)
        .ok()
        .map(|p| p.display().to_string())
}

/// What a file is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileClass {
    /// Code that serves requests or runs in production (the default).
    #[default]
    Runtime,
    /// Tests, test helpers and fixtures (`test_*.py`, `conftest.py`, `tests/`, `*.spec.ts`,
    /// modules that import a test framework).
    Test,
    /// Schema and data migrations (Alembic `versions/`, Django `migrations/`, knex/Sequelize
    /// migrations).
    Migration,
    /// Scripts and tooling run by developers or operators, not per request (`scripts/`,
    /// `tools/`, `bin/`, `setup.py`, `noxfile.py`, Django management commands, build configs,
    /// a `__main__` script that imports no web framework).
    Script,
    /// Settings for development, tests and CI (`settings/dev.py`, `local_settings.py`,
    /// `config/testing.py`, `settings_ci.py`).
    DevSettings,
    /// Other people's code or generated code: `vendor/`, `node_modules/`, collected `static/`
    /// files, `dist/`, `build/`, protobuf and other generated modules.
    Vendored,
}

impl FileClass {
    pub const ALL: [FileClass; 6] = [
        FileClass::Runtime,
        FileClass::Test,
        FileClass::Migration,
        FileClass::Script,
        FileClass::DevSettings,
        FileClass::Vendored,
    ];

    /// The name used in configuration (`include-classes`) and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Runtime => "runtime",
            Self::Test => "test",
            Self::Migration => "migration",
            Self::Script => "script",
            Self::DevSettings => "dev-settings",
            Self::Vendored => "vendored",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|c| c.name() == n)
            .or(match n.as_str() {
                "tests" => Some(Self::Test),
                "migrations" => Some(Self::Migration),
                "scripts" | "tooling" | "tools" => Some(Self::Script),
                "generated" | "vendor" => Some(Self::Vendored),
                "settings" | "dev" => Some(Self::DevSettings),
                _ => None,
            })
    }

    /// Whether routes registered in a file of this class are served: a test's throwaway app, a
    /// script or a migration serves nothing; vendored and generated routers that the app mounts
    /// are served all the same.
    pub fn serves_routes(self) -> bool {
        matches!(self, Self::Runtime | Self::Vendored | Self::DevSettings)
    }

    /// The names `parse` accepts, for error messages.
    pub const NAMES: &'static str =
        "\"runtime\", \"test\", \"migration\", \"script\", \"dev-settings\" or \"vendored\"";

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of file classes (a rule's, or the ones configuration turns back on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClassSet(u8);

impl ClassSet {
    pub const EMPTY: ClassSet = ClassSet(0);
    pub const RUNTIME: ClassSet = ClassSet(FileClass::Runtime.bit());
    pub const TEST: ClassSet = ClassSet(FileClass::Test.bit());
    pub const MIGRATION: ClassSet = ClassSet(FileClass::Migration.bit());
    pub const SCRIPT: ClassSet = ClassSet(FileClass::Script.bit());
    pub const DEV_SETTINGS: ClassSet = ClassSet(FileClass::DevSettings.bit());
    pub const VENDORED: ClassSet = ClassSet(FileClass::Vendored.bit());
    pub const ALL: ClassSet = ClassSet(0b11_1111);

    pub const fn union(self, other: ClassSet) -> ClassSet {
        ClassSet(self.0 | other.0)
    }

    pub const fn contains(self, class: FileClass) -> bool {
        self.0 & class.bit() != 0
    }

    pub fn insert(&mut self, class: FileClass) {
        self.0 |= class.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = FileClass> {
        FileClass::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }

    /// `runtime, script`, for docs.
    pub fn names(self) -> String {
        self.iter()
            .map(FileClass::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The directories of a path (not the file), split at `/` and `\`, without a URI scheme.
fn dirs(path: &str) -> Vec<&str> {
    let path = path.strip_prefix("file://").unwrap_or(path);
    let mut parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    parts.pop();
    parts
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The lowercased words of a name, split at non-alphanumerics and at lower-to-upper case
/// changes: `DevelopmentConfig` → `development`, `config`; `settings_dev` → `settings`, `dev`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut after_lower = false;
    for c in name.chars() {
        if (!c.is_alphanumeric() || (c.is_uppercase() && after_lower)) && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        after_lower = c.is_lowercase() || c.is_ascii_digit();
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Words that mark development, test or CI configuration in a settings file's name.
pub const NON_PRODUCTION_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "local",
    "test",
    "tests",
    "testing",
    "ci",
    "conftest",
];

/// Directory names that only ever hold other people's code.
const VENDOR_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "site-packages",
    "dist-packages",
    "vendor",
    "vendored",
    "_vendor",
    "third_party",
    "thirdparty",
    "jspm_packages",
];

/// Directories of build output and collected assets: they count within the last three
/// directories of a path (a project checked out under `~/build/` is not build output).
const BUILD_DIRS: &[&str] = &[
    "dist",
    "build",
    "staticfiles",
    "collected_static",
    "coverage",
    "generated",
    "__generated__",
];

/// Directories of tools and environments: never the project's code.
const ENVIRONMENT_DIRS: &[&str] = &[
    "__pycache__",
    "__pypackages__",
    "venv",
    ".venv",
    ".tox",
    ".nox",
    ".eggs",
    ".git",
    "target",
];

/// Whether the workspace walk (`crate::walker`: `check`, the editor's index) leaves a
/// directory of this name out: dependencies and vendored code, build output and generated code
/// (files there would be classified `Vendored`, to which no rule applies by default), and
/// environments. Build directories count wherever they are below the walked root (the root
/// itself is always entered).
pub fn is_skipped_dir(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower.as_str();
    VENDOR_DIRS.contains(&lower) || BUILD_DIRS.contains(&lower) || ENVIRONMENT_DIRS.contains(&lower)
}

/// The same for JavaScript and TypeScript only: client code served as files (a Python package
/// may well be called `public` or `static`).
const JS_BUILD_DIRS: &[&str] = &["static", "public", "assets", ".next", "out", "lib-cov"];

const SCRIPT_DIRS: &[&str] = &[
    "scripts",
    "script",
    "tools",
    "tooling",
    "bin",
    "devtools",
    "ci",
    "deploy",
    "benchmarks",
    "bench",
    // A web app's command-line package (`flaskbb/cli/main.py`: click commands that make
    // configuration files and run maintenance).
    "cli",
];

const TEST_DIRS: &[&str] = &[
    "tests",
    "test",
    "__tests__",
    "testing",
    "e2e",
    "__mocks__",
    "testutils",
    "test_utils",
];

/// File names of tooling: packaging, task runners, build and test-runner configuration.
const SCRIPT_FILES: &[&str] = &[
    "setup.py",
    "noxfile.py",
    "tasks.py",
    "fabfile.py",
    "dodo.py",
    "manage.py",
    "conf.py",
    "gulpfile.js",
    "gruntfile.js",
    "webpack.config.js",
    "rollup.config.js",
    "vite.config.js",
    "vite.config.ts",
    "babel.config.js",
    "jest.config.js",
    "jest.config.ts",
    "vitest.config.ts",
    "karma.conf.js",
    "tailwind.config.js",
    "postcss.config.js",
    "eslint.config.js",
    "eslint.config.mjs",
    "prettier.config.js",
    "playwright.config.ts",
    "cypress.config.ts",
    "cypress.config.js",
    "commitlint.config.js",
];

/// File stems of application entry points: a `__main__` block there starts the app.
const ENTRY_POINTS: &[&str] = &[
    "wsgi",
    "asgi",
    "app",
    "application",
    "server",
    "main",
    "run",
    "serve",
    "__main__",
];

/// Imports that make a module a test module.
const PY_TEST_MODULES: &[&str] = &[
    "pytest",
    "unittest",
    "django.test",
    "rest_framework.test",
    "hypothesis",
    "flask.testing",
    "fastapi.testclient",
    "starlette.testclient",
    "factory",
    "faker",
    "pytest_django",
    "responses",
    "respx",
    "freezegun",
];

const JS_TEST_MODULES: &[&str] = &[
    "@jest/globals",
    "vitest",
    "mocha",
    "chai",
    "supertest",
    "ava",
    "tap",
    "node:test",
    "@playwright/test",
    "cypress",
    "sinon",
    "@testing-library/",
    "@nestjs/testing",
];

const PY_FRAMEWORKS: &[&str] = &[
    "flask",
    "fastapi",
    "starlette",
    "django",
    "rest_framework",
    "aiohttp",
    "sanic",
    "tornado",
    "falcon",
    "bottle",
    "pyramid",
    "quart",
    "litestar",
    "celery",
    "uvicorn",
    "gunicorn",
];

/// What the top-level statements say.
#[derive(Default)]
struct Content {
    test_import: bool,
    framework_import: bool,
    alembic: bool,
    django_migration: bool,
    revision: bool,
    main_guard: bool,
    /// The `__main__` block starts a server (`app.run(…)`, `serve_forever()`, `uvicorn.run`).
    serves: bool,
    /// A module-level statement reads the command line (`URL = URL_T.format(sys.argv[1])`):
    /// the module is a program, since importing it would need arguments.
    reads_argv: bool,
    js_migration: bool,
    generated: bool,
    management_command: bool,
}

/// The module a Python import statement names first (`from a.b import c` → `a.b`).
fn python_import_modules(text: &str) -> Vec<&str> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix("from ") {
        return rest.split_whitespace().next().into_iter().collect();
    }
    if let Some(rest) = text.strip_prefix("import ") {
        return rest
            .split(',')
            .filter_map(|m| m.split_whitespace().next())
            .collect();
    }
    Vec::new()
}

fn module_is(module: &str, wanted: &str) -> bool {
    ba_analysis::within_package(module, wanted)
}

/// The module a JS import or require names (`import x from "m"`, `require("m")`).
fn js_module_names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for quote in ['"', '\''] {
        let mut rest = text;
        while let Some(i) = rest.find(quote) {
            let after = &rest[i + 1..];
            let Some(j) = after.find(quote) else { break };
            let before = rest[..i].trim_end();
            if before.ends_with("from")
                || before.ends_with("require(")
                || before.ends_with("import")
            {
                out.push(&after[..j]);
            }
            rest = &after[j + 1..];
        }
    }
    out
}

fn content(language: Language, root: Option<tree_sitter::Node>, source: &str) -> Content {
    let mut c = Content::default();
    // The first 600 bytes, cut at a character boundary (a multi-byte character may straddle it).
    let mut cut = source.len().min(600);
    while !source.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &source[..cut];
    c.generated = head.contains("@generated")
        || head.contains("DO NOT EDIT")
        || head.contains("Generated by the protocol buffer compiler")
        || head.contains("Code generated by")
        || head.contains("This file is automatically generated")
        || head.contains("Autogenerated by");
    let Some(root) = root else { return c };
    let mut cursor = root.walk();
    for item in root.named_children(&mut cursor) {
        let text = &source[item.byte_range()];
        match language.family() {
            Family::Python => match item.kind_str() {
                "import_statement" | "import_from_statement" => {
                    for m in python_import_modules(text) {
                        c.test_import |= PY_TEST_MODULES.iter().any(|t| module_is(m, t));
                        c.framework_import |= PY_FRAMEWORKS.iter().any(|f| module_is(m, f));
                        c.alembic |= module_is(m, "alembic");
                        c.management_command |= module_is(m, "django.core.management.base")
                            || (module_is(m, "django.core.management")
                                && text.contains("BaseCommand"));
                    }
                }
                "expression_statement" => {
                    let t = text.trim_start();
                    c.reads_argv |= t.contains("sys.argv");
                    c.revision |= t.starts_with("revision =")
                        || t.starts_with("revision:")
                        || t.starts_with("down_revision");
                }
                "class_definition" | "decorated_definition" => {
                    let header = text.split(':').next().unwrap_or("");
                    c.django_migration |= header.contains("class Migration(")
                        && header.contains("migrations.Migration");
                }
                "if_statement" => {
                    let cond: String = text
                        .split(':')
                        .next()
                        .unwrap_or("")
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .map(|c| if c == '\'' { '"' } else { c })
                        .collect();
                    let guard =
                        cond == "if__name__==\"__main__\"" || cond == "if\"__main__\"==__name__";
                    c.main_guard |= guard;
                    c.serves |= guard
                        && [
                            "run(", "serve", "listen(", "uvicorn", "gunicorn", "waitress",
                        ]
                        .iter()
                        .any(|w| text.contains(w));
                }
                _ => {}
            },
            Family::JavaScript => {
                let kind = item.kind_str();
                if matches!(
                    kind,
                    "import_statement"
                        | "lexical_declaration"
                        | "variable_declaration"
                        | "expression_statement"
                ) && (kind == "import_statement" || text.contains("require("))
                {
                    for m in js_module_names(text) {
                        c.test_import |= JS_TEST_MODULES
                            .iter()
                            .any(|t| m == *t || (t.ends_with('/') && m.starts_with(t)));
                        c.framework_import |=
                            matches!(m, "express" | "koa" | "fastify" | "@hapi/hapi" | "hapi")
                                || m.starts_with("@nestjs/");
                    }
                }
                let t = text.trim_start();
                // `exports.up = …`, not a controller's `exports.update = …`.
                c.js_migration |= t.strip_prefix("exports.up").is_some_and(|rest| {
                    !rest.starts_with(|ch: char| {
                        ch.is_ascii_alphanumeric() || ch == '_' || ch == '$'
                    })
                }) || t.starts_with("export async function up")
                    || t.starts_with("export function up")
                    || (t.starts_with("module.exports")
                        && t.contains("up:")
                        && t.contains("down:"))
                    || (t.starts_with("module.exports")
                        && t.contains("async up(")
                        && t.contains("async down("));
            }
        }
    }
    c
}

/// The class of a file from its path (relative to the project when the caller knows the root;
/// otherwise as given) and its top-level statements (`root`, the tree's root; `None` judges by
/// the path and the first lines alone).
pub fn classify(
    path: &str,
    language: Language,
    root: Option<tree_sitter::Node>,
    source: &str,
) -> FileClass {
    let dirs = dirs(path);
    let lower_dirs: Vec<String> = dirs.iter().map(|d| d.to_ascii_lowercase()).collect();
    let name = file_name(path).to_ascii_lowercase();
    let stem = name.split('.').next().unwrap_or(&name).to_owned();
    let near = |n: usize| lower_dirs.iter().rev().take(n);
    let c = content(language, root, source);
    let python = language.family() == Family::Python;

    // Other people's code and generated code.
    if lower_dirs.iter().any(|d| VENDOR_DIRS.contains(&d.as_str()))
        || near(3).any(|d| {
            BUILD_DIRS.contains(&d.as_str()) || (!python && JS_BUILD_DIRS.contains(&d.as_str()))
        })
        || name.contains(".min.")
        || name.ends_with("-min.js")
        || name.contains(".bundle.")
        || name.ends_with("_pb2.py")
        || name.ends_with("_pb2_grpc.py")
        || name.ends_with(".pb.js")
        || name.ends_with("_pb.js")
        || name.ends_with(".generated.ts")
        || name.ends_with(".gen.ts")
        || name.ends_with(".d.ts")
        || c.generated
    {
        return FileClass::Vendored;
    }

    // Migrations: Alembic revisions and environment, Django migrations, JS migrations.
    // Seed data (knex `seeds/`, Sequelize `seeders/`, Ghost's `data/seeders/`) runs at deploy
    // or development time like a data migration, never for a request.
    let in_migrations = near(3).any(|d| {
        matches!(
            d.as_str(),
            "migrations" | "alembic" | "migration" | "seeds" | "seeders"
        )
    });
    let alembic_versions = lower_dirs.last().is_some_and(|d| d == "versions")
        && lower_dirs
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|d| d == "alembic" || d == "migrations" || d == "migration");
    if c.django_migration
        || (c.alembic && (c.revision || in_migrations))
        || alembic_versions
        || (python && in_migrations)
        || (!python && (c.js_migration || in_migrations))
    {
        return FileClass::Migration;
    }

    // Tests.
    let test_name = name.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || name == "tests.py"
        || name == "conftest.py"
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.contains(".e2e.")
        || stem == "factories"
        || stem == "fixtures";
    // A relative path starts at the project (what `check` sees), so a test directory anywhere
    // in it counts (`tests/projects/regular/settings.py`); an absolute path or URI also holds
    // the directories above the project, so only the last two count there.
    let absolute = path.starts_with('/')
        || path.starts_with("file:")
        || path.starts_with('\\')
        || path.as_bytes().get(1) == Some(&b':');
    // `spec/` holds tests in JavaScript projects, OpenAPI documents in Python ones.
    let is_test_dir = |d: &String| {
        TEST_DIRS.contains(&d.as_str()) || (!python && matches!(d.as_str(), "spec" | "specs"))
    };
    let test_dir = if absolute {
        near(2).any(is_test_dir)
    } else {
        lower_dirs.iter().any(is_test_dir)
    };
    if test_name || test_dir || c.test_import {
        // Test settings are settings, which `dev-settings` covers as well as `test`.
        return FileClass::Test;
    }

    // Development, test and CI settings: a settings module (by name or by package) whose name
    // has a non-production word.
    let settings_like = stem.contains("settings")
        || stem.contains("config")
        || near(1).any(|d| matches!(d.as_str(), "settings" | "config" | "conf" | "configs"));
    let word_list = words(&stem);
    // The project a repository ships to develop or demonstrate the package
    // (`devproject/settings.py`, `examples/regular-django/example/settings.py`).
    let dev_project = near(1).any(|d| {
        matches!(
            d.as_str(),
            "devproject"
                | "dev_project"
                | "testproject"
                | "test_project"
                | "example"
                | "demo"
                | "sample"
                | "sandbox"
                | "playground"
        )
    });
    // The top of the project: documentation and the example or demo projects a repository
    // ships beside the package (`docs/settings.py` that Sphinx builds the docs with,
    // `examples/react-spa/backend/backend/settings.py`). They show how to use the package; no
    // production deployment runs them. Only a relative path knows where the project starts.
    let top = if absolute {
        None
    } else {
        lower_dirs.first().map(String::as_str)
    };
    let top_docs = matches!(top, Some("docs" | "doc"));
    let top_examples = top.is_some_and(|t| EXAMPLE_DIRS.contains(&t));
    if settings_like
        && (stem.starts_with("test")
            || dev_project
            || top_docs
            || top_examples
            || word_list
                .iter()
                .any(|w| NON_PRODUCTION_WORDS.contains(&w.as_str())))
    {
        return FileClass::DevSettings;
    }

    // Scripts and tooling.
    let management_command = lower_dirs.len() >= 2
        && lower_dirs[lower_dirs.len() - 1] == "commands"
        && lower_dirs[lower_dirs.len() - 2] == "management";
    // The project's documentation (`docs/conf.py`) and example projects (see `top_docs`): a
    // top-level folder only, since `app/docs/` may serve API documentation.
    if SCRIPT_FILES.contains(&name.as_str())
        || near(2).any(|d| SCRIPT_DIRS.contains(&d.as_str()))
        || top_docs
        || top_examples
        || management_command
        || c.management_command
        || (c.reads_argv && !c.framework_import)
        || (c.main_guard
            && !c.framework_import
            && !c.serves
            && !ENTRY_POINTS.contains(&stem.as_str()))
        || (source.starts_with("#!") && !c.framework_import)
    {
        return FileClass::Script;
    }
    FileClass::Runtime
}

/// The class a path alone says (the language from its extension, Python otherwise; no content).
pub fn classify_path(path: &str) -> FileClass {
    let language = Language::from_path(std::path::Path::new(
        path.rsplit(['/', '\\']).next().unwrap_or(path),
    ))
    .unwrap_or(Language::Python);
    classify(path, language, None, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_asked_for_is_its_own_project() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        std::fs::create_dir(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("examples/shop/api")).unwrap();
        std::fs::create_dir_all(repo.join("app")).unwrap();
        let root = |p: &str| judging_root(&repo.join(p)).unwrap();
        assert_eq!(root("examples/shop"), repo.join("examples/shop"));
        assert_eq!(root("examples/shop/api"), repo.join("examples/shop"));
        assert_eq!(root("examples"), repo.join("examples"));
        assert_eq!(root("app"), repo.to_path_buf());
        assert_eq!(root(""), repo.to_path_buf());
    }

    #[test]
    fn words_of_names() {
        assert_eq!(words("DevelopmentConfig"), ["development", "config"]);
        assert_eq!(words("settings_dev"), ["settings", "dev"]);
        assert_eq!(words("HTTPConfig"), ["httpconfig"]);
    }

    fn class_of(path: &str, source: &str) -> FileClass {
        let language = Language::from_path(std::path::Path::new(path)).unwrap();
        let tree = ba_syntax::parse::parse(language, source, None).unwrap();
        classify(path, language, Some(tree.root_node()), source)
    }

    #[test]
    fn by_path() {
        use FileClass::*;
        let cases = [
            ("app/main.py", Runtime),
            ("app/routers/users.py", Runtime),
            ("/home/u/build/proj/app/api/views.py", Runtime),
            ("/work/repo/tests/fixtures/python/security/x.py", Runtime),
            ("tests/test_users.py", Test),
            ("app/tests.py", Test),
            ("conftest.py", Test),
            ("tests/helpers.py", Test),
            ("tests/api/helpers.py", Test),
            ("tests/projects/regular/settings.py", Test),
            ("/home/u/tests/projects/regular/app/views.py", Runtime),
            ("src/users.spec.ts", Test),
            ("src/__tests__/a.js", Test),
            ("spec/users.js", Test),
            ("allauth/headless/spec/urls.py", Runtime),
            ("blog/migrations/0001_initial.py", Migration),
            ("alembic/versions/abc123_add_users.py", Migration),
            ("migrations/versions/abc123_add_users.py", Migration),
            ("db/migrations/20200101-create-users.js", Migration),
            ("db/seeds/01_users.js", Migration),
            (
                "core/server/data/seeders/importers/TableImporter.js",
                Migration,
            ),
            ("app/seeders/demo_products.py", Migration),
            ("scripts/seed.py", Script),
            ("tools/release.py", Script),
            ("setup.py", Script),
            ("noxfile.py", Script),
            ("manage.py", Script),
            ("blog/management/commands/import_posts.py", Script),
            ("flaskbb/cli/main.py", Script),
            ("webpack.config.js", Script),
            ("docs/settings.py", DevSettings),
            ("docs/conf.py", Script),
            ("examples/react-spa/backend/backend/urls.py", Script),
            (
                "examples/react-spa/backend/backend/settings.py",
                DevSettings,
            ),
            ("/home/u/examples/shop/app/views.py", Runtime),
            ("devproject/settings.py", DevSettings),
            ("examples/regular-django/example/settings.py", DevSettings),
            ("examples/shop/api/settings.py", DevSettings),
            ("shop/examples/api/views.py", Runtime),
            ("app/docs/router.py", Runtime),
            ("proj/settings/dev.py", DevSettings),
            ("proj/settings/production.py", Runtime),
            ("proj/settings_ci.py", DevSettings),
            ("local_settings.py", DevSettings),
            ("config/testing.py", DevSettings),
            ("config/development.py", DevSettings),
            ("devices.py", Runtime),
            ("static/admin/js/actions.js", Vendored),
            ("proj/staticfiles/rest_framework/js/ajax-form.js", Vendored),
            ("node_modules/express/index.js", Vendored),
            ("vendor/lib.py", Vendored),
            ("dist/server.js", Vendored),
            ("api/users_pb2.py", Vendored),
            ("public/js/app.min.js", Vendored),
        ];
        for (path, want) in cases {
            assert_eq!(class_of(path, "x = 1\n"), want, "{path}");
        }
    }

    #[test]
    fn by_content() {
        use FileClass::*;
        // A module that reads its command line at import is a program (a theme's build script).
        assert_eq!(
            class_of(
                "themes/aurora/build_emoji_set.py",
                "import sys\nimport requests\n\nURL = 'https://unicode.org/{}'.format(sys.argv[1])\n"
            ),
            Script
        );
        // Reading it inside a function, or in a framework module, does not say so.
        assert_eq!(
            class_of(
                "app/settings_loader.py",
                "import sys\n\ndef args():\n    return sys.argv[1:]\n"
            ),
            Runtime
        );
        assert_eq!(
            class_of(
                "app/main.py",
                "import sys\nfrom flask import Flask\n\napp = Flask(__name__)\nDEBUG = '--debug' in sys.argv\n"
            ),
            Runtime
        );
        assert_eq!(
            class_of(
                "db/0a1b2c_add_index.py",
                "from alembic import op\nrevision = \"0a1b\"\ndown_revision = None\n"
            ),
            Migration
        );
        assert_eq!(
            class_of(
                "blog/m/0002_auto.py",
                "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    pass\n"
            ),
            Migration
        );
        // A multi-byte character across the 600-byte header window does not panic.
        let straddling = format!("// {}\u{0DAD}\nmodule.exports = {{}};\n", "x".repeat(595));
        assert_eq!(class_of("locale/si.js", &straddling), Runtime);
        // A knex migration exports `up`; a controller that exports `update` is not one.
        assert_eq!(
            class_of(
                "db/20240101_users.js",
                "exports.up = (knex) => knex.schema.createTable(\"users\", () => {});\n"
            ),
            Migration
        );
        assert_eq!(
            class_of(
                "src/controllers/projects.js",
                "exports.updateMe = async (req, res) => {\n  res.json({});\n};\n"
            ),
            Runtime
        );
        // A `__main__` script without a web framework is tooling; an app that runs itself is not.
        assert_eq!(
            class_of(
                "fix_data.py",
                "import argparse\n\ndef main():\n    pass\n\nif __name__ == '__main__':\n    main()\n"
            ),
            Script
        );
        // An entry point that serves the app from `__main__` is runtime code.
        assert_eq!(
            class_of(
                "storefront/config_wsgi.py",
                "import os\nfrom storefront import create_app\napp = create_app()\n\nif __name__ == \"__main__\":\n    app.run(\"0.0.0.0\")\n"
            ),
            Runtime
        );
        assert_eq!(
            class_of(
                "app.py",
                "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == \"__main__\":\n    app.run()\n"
            ),
            Runtime
        );
        assert_eq!(
            class_of(
                "helpers.py",
                "import pytest\n\n@pytest.fixture\ndef client():\n    pass\n"
            ),
            Test
        );
        assert_eq!(
            class_of(
                "src/helpers.js",
                "const request = require(\"supertest\");\n"
            ),
            Test
        );
        assert_eq!(
            class_of(
                "api/gen.py",
                "# Generated by the protocol buffer compiler.  DO NOT EDIT!\nx = 1\n"
            ),
            Vendored
        );
        assert_eq!(
            class_of(
                "blog/sync.py",
                "from django.core.management.base import BaseCommand\n\nclass Command(BaseCommand):\n    pass\n"
            ),
            Script
        );
    }

    #[test]
    fn names_round_trip() {
        for c in FileClass::ALL {
            assert_eq!(FileClass::parse(c.name()), Some(c));
        }
        assert_eq!(FileClass::parse("migrations"), Some(FileClass::Migration));
        assert_eq!(FileClass::parse("nonsense"), None);
        let set = ClassSet::RUNTIME.union(ClassSet::SCRIPT);
        assert_eq!(set.names(), "runtime, script");
        assert!(set.contains(FileClass::Script) && !set.contains(FileClass::Test));
    }
}
