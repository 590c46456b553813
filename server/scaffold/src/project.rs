//! The project: its root, manifests (dependencies, Python/Node versions, test framework) and
//! source files; and the project-level generators: Dockerfile, docker-compose.yml, Kubernetes
//! Deployment+Service, GitHub Actions workflow, `.env.example`.

use ba_syntax::NodeExt;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::{
    app_object, err, named_children, python_module, routes, text, Files, Framework, NewFile,
    Output, Result, Source,
};
use ba_syntax::{parse, Family, Language};

const MARKERS: &[&str] = &[
    "pyproject.toml",
    "package.json",
    "requirements.txt",
    "setup.py",
    "setup.cfg",
    "manage.py",
    "Pipfile",
    ".git",
];

/// A JavaScript test runner, as `Project::js_test_runner` finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsRunner {
    Vitest,
    Jest,
    /// Node's own `node:test` (no package to install).
    NodeTest,
}

/// Source files read at most, and their size limit: generators stay fast on big trees.
const MAX_FILES: usize = 5_000;
const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Project {
    pub root: PathBuf,
    /// Dependency names, lower-case with `_` as `-`.
    pub deps: BTreeSet<String>,
    pub python: bool,
    pub node: bool,
    pub python_version: Option<String>,
    pub node_version: Option<String>,
    pub package_json: Option<serde_json::Value>,
    pub name: String,
    pub version: Option<String>,
    /// pyproject `optional-dependencies` groups (`dev`, `test`).
    pub extras: Vec<String>,
    /// Which of `CHECKED` exist (through `Files`, so a file about to be generated counts).
    pub present: BTreeSet<&'static str>,
}

/// Files whose presence changes what the generators write.
const CHECKED: &[&str] = &[
    "requirements.txt",
    "requirements-dev.txt",
    "package-lock.json",
];

fn normalise(dep: &str) -> String {
    dep.trim().to_ascii_lowercase().replace('_', "-")
}

/// `numpy>=1.2 ; python_version < "3.12"` → `numpy`.
fn requirement_name(line: &str) -> Option<String> {
    let line = line.split('#').next()?.trim();
    if line.is_empty() || line.starts_with('-') {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(line.len());
    (end > 0).then(|| normalise(&line[..end]))
}

/// `>=3.11,<4` / `^3.10` / `3.12.1` / `v20.11.0` → the first `major.minor` (or `major`).
fn version_from(spec: &str, parts: usize) -> Option<String> {
    let start = spec.find(|c: char| c.is_ascii_digit())?;
    let digits: String = spec[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v: Vec<&str> = digits
        .split('.')
        .filter(|s| !s.is_empty())
        .take(parts)
        .collect();
    (!v.is_empty()).then(|| v.join("."))
}

impl Project {
    /// The nearest directory at or above `start` holding a project marker.
    pub fn discover(start: &Path, files: &dyn Files) -> Project {
        let dir = if start.is_dir() {
            start
        } else {
            start.parent().unwrap_or(start)
        };
        let root = dir
            .ancestors()
            .find(|d| MARKERS.iter().any(|m| d.join(m).exists()))
            .unwrap_or(dir);
        Self::load(root.to_owned(), files)
    }

    /// Whether `name` (one of `CHECKED`) exists at the project root.
    pub fn is_present(&self, name: &str) -> bool {
        self.present.contains(name)
    }

    pub fn load(root: PathBuf, files: &dyn Files) -> Project {
        let mut p = Project {
            name: root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "app".into()),
            root,
            ..Default::default()
        };
        for name in CHECKED {
            if files.exists(&p.root.join(name)) {
                p.present.insert(name);
            }
        }
        let read = |name: &str| files.read(&p.root.join(name));
        for req in [
            "requirements.txt",
            "requirements-dev.txt",
            "requirements/base.txt",
            "requirements/dev.txt",
        ] {
            if let Some(t) = read(req) {
                p.python = true;
                p.deps.extend(t.lines().filter_map(requirement_name));
            }
        }
        if let Some(t) = read("pyproject.toml") {
            p.python = true;
            if let Ok(doc) = t.parse::<toml::Table>() {
                let project = doc.get("project");
                let strings = |v: Option<&toml::Value>| -> Vec<String> {
                    v.and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let mut reqs = strings(project.and_then(|x| x.get("dependencies")));
                if let Some(opt) = project
                    .and_then(|x| x.get("optional-dependencies"))
                    .and_then(|x| x.as_table())
                {
                    p.extras = opt.keys().cloned().collect();
                    for v in opt.values() {
                        reqs.extend(strings(Some(v)));
                    }
                }
                if let Some(groups) = doc.get("dependency-groups").and_then(|x| x.as_table()) {
                    for v in groups.values() {
                        reqs.extend(strings(Some(v)));
                    }
                }
                p.deps
                    .extend(reqs.iter().filter_map(|r| requirement_name(r)));
                let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
                for key in ["dependencies", "dev-dependencies"] {
                    if let Some(t) = poetry.and_then(|x| x.get(key)).and_then(|x| x.as_table()) {
                        p.deps
                            .extend(t.keys().filter(|k| *k != "python").map(|k| normalise(k)));
                    }
                }
                if let Some(groups) = poetry
                    .and_then(|x| x.get("group"))
                    .and_then(|x| x.as_table())
                {
                    for g in groups.values() {
                        if let Some(t) = g.get("dependencies").and_then(|x| x.as_table()) {
                            p.deps.extend(t.keys().map(|k| normalise(k)));
                        }
                    }
                }
                p.python_version = project
                    .and_then(|x| x.get("requires-python"))
                    .and_then(|x| x.as_str())
                    .or_else(|| {
                        poetry
                            .and_then(|x| x.get("dependencies"))
                            .and_then(|d| d.get("python"))
                            .and_then(|x| x.as_str())
                    })
                    .and_then(|s| version_from(s, 2));
                if let Some(n) = project.and_then(|x| x.get("name")).and_then(|x| x.as_str()) {
                    p.name = n.to_owned();
                }
                p.version = project
                    .and_then(|x| x.get("version"))
                    .and_then(|x| x.as_str())
                    .map(str::to_owned);
            }
        }
        if let Some(t) = read("Pipfile") {
            p.python = true;
            if let Ok(doc) = t.parse::<toml::Table>() {
                for key in ["packages", "dev-packages"] {
                    if let Some(t) = doc.get(key).and_then(|x| x.as_table()) {
                        p.deps.extend(t.keys().map(|k| normalise(k)));
                    }
                }
            }
        }
        if read("manage.py").is_some() || read("setup.py").is_some() {
            p.python = true;
        }
        if let Some(v) = read(".python-version").and_then(|t| version_from(t.lines().next()?, 2)) {
            p.python_version = Some(v);
        } else if p.python_version.is_none() {
            p.python_version = read("runtime.txt").and_then(|t| version_from(&t, 2));
        }
        if let Some(t) = read("package.json") {
            p.node = true;
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&t) {
                for key in ["dependencies", "devDependencies"] {
                    if let Some(o) = v.get(key).and_then(|x| x.as_object()) {
                        p.deps.extend(o.keys().map(|k| k.to_ascii_lowercase()));
                    }
                }
                p.node_version = v
                    .pointer("/engines/node")
                    .and_then(|x| x.as_str())
                    .and_then(|s| version_from(s, 1));
                if let Some(n) = v.get("name").and_then(|x| x.as_str()) {
                    p.name = n.trim_start_matches('@').replace('/', "-");
                }
                if p.version.is_none() {
                    p.version = v.get("version").and_then(|x| x.as_str()).map(str::to_owned);
                }
                p.package_json = Some(v);
            }
        }
        if let Some(v) = read(".nvmrc")
            .or_else(|| read(".node-version"))
            .and_then(|t| version_from(t.lines().next()?, 1))
        {
            p.node_version = Some(v);
        }
        p.name = p
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .trim_matches('-')
            .to_owned();
        if p.name.is_empty() {
            p.name = "app".into();
        }
        p
    }

    pub fn has(&self, dep: &str) -> bool {
        self.deps.contains(dep)
    }

    pub fn framework(&self) -> Option<Framework> {
        super::frameworks::FRAMEWORKS
            .iter()
            .find(|r| r.packages.iter().any(|p| self.has(p)))
            .map(|r| r.framework)
    }

    /// The project's JavaScript test runner: Vitest when package.json lists it, Jest when it lists
    /// it or its `test` script runs it, else `default` (what the generated test can be written for
    /// when the project shows no runner).
    pub fn js_test_runner(&self, default: JsRunner) -> JsRunner {
        if self.has("vitest") {
            JsRunner::Vitest
        } else if self.has("jest")
            || self
                .package_script("test")
                .is_some_and(|s| s.contains("jest"))
        {
            JsRunner::Jest
        } else {
            default
        }
    }

    /// Where a generated JavaScript test goes: the project's `__tests__/`, `test/` or `tests/`
    /// folder (the first that exists), else `beside` (the folder of the code under test).
    pub fn js_test_dir(&self, beside: &Path) -> PathBuf {
        self.test_dir(&["__tests__", "test", "tests"], beside)
    }

    /// Where a generated Python test goes: the project's `tests/` folder, else `beside`.
    pub fn py_test_dir(&self, beside: &Path) -> PathBuf {
        self.test_dir(&["tests"], beside)
    }

    fn test_dir(&self, names: &[&str], beside: &Path) -> PathBuf {
        names
            .iter()
            .map(|d| self.root.join(d))
            .find(|d| d.is_dir())
            .unwrap_or_else(|| beside.to_owned())
    }

    pub(crate) fn package_script(&self, name: &str) -> Option<&str> {
        self.package_json
            .as_ref()?
            .get("scripts")?
            .get(name)?
            .as_str()
    }

    /// The project's Python and JavaScript/TypeScript files (gitignore-aware, bounded).
    pub fn source_files(&self) -> Vec<(PathBuf, Language)> {
        let mut out = Vec::new();
        let walker = ignore::WalkBuilder::new(&self.root)
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                !matches!(
                    n.as_ref(),
                    "node_modules"
                        | ".venv"
                        | "venv"
                        | "dist"
                        | "build"
                        | "__pycache__"
                        | "site-packages"
                        | "migrations"
                        | "target"
                        | "coverage"
                )
            })
            .build();
        for entry in walker.flatten() {
            if out.len() >= MAX_FILES {
                tracing::warn!(
                    "scaffold: stopped reading the project after {MAX_FILES} source files"
                );
                break;
            }
            let path = entry.path();
            let Some(lang) = Language::from_path(path) else {
                continue;
            };
            if entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES)
            {
                out.push((path.to_owned(), lang));
            }
        }
        out.sort();
        out
    }
}

/// The manifest to create for a Python service that has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PythonManifest {
    Requirements,
    Pyproject,
}

impl PythonManifest {
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Requirements => "requirements.txt",
            Self::Pyproject => "pyproject.toml",
        }
    }
}

/// Import name → distribution, for the packages a backend commonly imports under another name
/// or needs a server for. Anything not listed here is left out (the file says so): a wrong
/// dependency is worse than a missing one.
const DISTRIBUTIONS: &[(&str, &[&str])] = &[
    ("fastapi", &["fastapi", "uvicorn[standard]"]),
    ("starlette", &["starlette", "uvicorn[standard]"]),
    ("flask", &["flask", "gunicorn"]),
    ("django", &["django", "gunicorn"]),
    ("rest_framework", &["djangorestframework"]),
    ("aiohttp", &["aiohttp"]),
    ("pydantic", &["pydantic"]),
    ("pydantic_settings", &["pydantic-settings"]),
    ("sqlalchemy", &["sqlalchemy"]),
    ("sqlmodel", &["sqlmodel"]),
    ("alembic", &["alembic"]),
    ("psycopg", &["psycopg[binary]"]),
    ("psycopg2", &["psycopg2-binary"]),
    ("asyncpg", &["asyncpg"]),
    ("pymongo", &["pymongo"]),
    ("motor", &["motor"]),
    ("redis", &["redis"]),
    ("celery", &["celery"]),
    ("requests", &["requests"]),
    ("httpx", &["httpx"]),
    ("yaml", &["pyyaml"]),
    ("jwt", &["pyjwt"]),
    ("jose", &["python-jose"]),
    ("passlib", &["passlib"]),
    ("bcrypt", &["bcrypt"]),
    ("dotenv", &["python-dotenv"]),
    ("jinja2", &["jinja2"]),
    ("boto3", &["boto3"]),
    ("stripe", &["stripe"]),
    ("gunicorn", &["gunicorn"]),
    ("uvicorn", &["uvicorn[standard]"]),
];

/// A requirements.txt or pyproject.toml for the Python service at `root`, listing the packages
/// its code imports that `DISTRIBUTIONS` knows (unpinned: the user pins them).
pub fn python_manifest(kind: PythonManifest, root: &Path, files: &dyn Files) -> NewFile {
    let probe = Project {
        root: root.to_owned(),
        ..Default::default()
    };
    let mut deps: Vec<&str> = Vec::new();
    for (path, language) in probe.source_files() {
        if language != Language::Python {
            continue;
        }
        let Some(text) = files.read(&path) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim_start();
            let module = line
                .strip_prefix("import ")
                .or_else(|| line.strip_prefix("from "))
                .and_then(|rest| rest.split([' ', '.', ',']).next())
                .unwrap_or("");
            if let Some((_, dists)) = DISTRIBUTIONS.iter().find(|(m, _)| *m == module) {
                for d in *dists {
                    if !deps.contains(d) {
                        deps.push(d);
                    }
                }
            }
        }
    }
    deps.sort_unstable();
    let note = "Generated by backend-architect from the imports it recognised: add what it missed and pin versions.";
    let content = match kind {
        PythonManifest::Requirements => {
            let mut out = format!("# {note}\n");
            for d in &deps {
                out.push_str(d);
                out.push('\n');
            }
            out
        }
        PythonManifest::Pyproject => {
            let name = root
                .file_name()
                .map(|n| {
                    n.to_string_lossy()
                        .to_ascii_lowercase()
                        .replace([' ', '_'], "-")
                })
                .unwrap_or_else(|| "app".into());
            let list: Vec<String> = deps.iter().map(|d| format!("    \"{d}\",\n")).collect();
            format!(
                "# {note}\n[project]\nname = \"{name}\"\nversion = \"0.1.0\"\nrequires-python = \">={PYTHON_DEFAULT}\"\ndependencies = [\n{}]\n\n[build-system]\nrequires = [\"setuptools>=69\"]\nbuild-backend = \"setuptools.build_meta\"\n",
                list.concat()
            )
        }
    };
    NewFile {
        path: root.join(kind.file_name()),
        content,
    }
}

pub fn generate(name: &str, project: &Project, files: &dyn Files) -> Result<Output> {
    if !project.python && !project.node {
        return err(format!(
            "{} has no requirements.txt, pyproject.toml, Pipfile or package.json: cannot tell what to generate for",
            project.root.display()
        ));
    }
    let scan = Scan::of(project, files);
    let (file, content) = match name {
        "dockerfile" => ("Dockerfile", dockerfile(project, &scan)),
        "compose" => ("docker-compose.yml", compose(project, &scan)),
        "kubernetes" => ("k8s/deployment.yaml", kubernetes(project, &scan)?),
        "githubActions" => (".github/workflows/ci.yml", github_actions(project, &scan)),
        "envExample" => (".env.example", env_example(project, &scan)?),
        _ => return err(format!("`{name}` is not a project generator")),
    };
    let path = project.root.join(file);
    if files.exists(&path) {
        return err(format!("{file} already exists; it was left as it is (rename or delete it to generate a new one)"));
    }
    let mut out = Output::file(path, content);
    let ignore = project.root.join(".dockerignore");
    if name == "dockerfile" && !files.exists(&ignore) {
        // Without it `COPY . .` sends local environments and secrets into the image.
        out.files.push(super::NewFile {
            path: ignore,
            content: dockerignore(project),
        });
    }
    Ok(out)
}

/// What the code says: the app module, health path, port, environment variables.
#[derive(Default)]
struct Scan {
    /// (module or file, variable) of the app object.
    app: Option<(PathBuf, String, Framework)>,
    health: Option<String>,
    port: Option<u16>,
    /// (name, default, where) in first-seen order.
    env: Vec<(String, Option<String>, String)>,
    has_python_tests: bool,
}

impl Scan {
    fn of(project: &Project, files: &dyn Files) -> Scan {
        let mut s = Scan::default();
        for (path, lang) in project.source_files() {
            let Some(t) = files.read(&path) else { continue };
            let Some(tree) = parse::parse(lang, &t, None) else {
                continue;
            };
            let src = Source {
                path: &path,
                language: lang,
                text: &t,
                tree: &tree,
            };
            let rel = path
                .strip_prefix(&project.root)
                .unwrap_or(&path)
                .display()
                .to_string();
            if lang == Language::Python
                && (rel.starts_with("tests/") || rel.contains("/test_") || rel.starts_with("test_"))
            {
                s.has_python_tests = true;
            }
            if s.app.is_none() {
                if let Some(a) = app_object::find_apps(&src)
                    .into_iter()
                    .find(|a| a.framework != Framework::Django)
                {
                    s.app = Some((path.clone(), a.name, a.framework));
                }
            }
            if s.health.is_none() {
                s.health = routes::handlers(&src)
                    .into_iter()
                    .filter_map(|h| h.path)
                    .find(|p| {
                        let l = p.to_ascii_lowercase();
                        ["health", "livez", "readyz", "ping"]
                            .iter()
                            .any(|w| l.contains(w))
                    });
            }
            if s.port.is_none() && lang.family() == Family::JavaScript {
                s.port = js_port(&t);
            }
            env_reads(&src, &rel, &mut s.env);
        }
        s
    }
}

/// `listen(3000` / `PORT || 3000` / `PORT ?? 3000`.
fn js_port(t: &str) -> Option<u16> {
    for pat in ["PORT || ", "PORT ?? ", ".listen("] {
        let mut rest = t;
        while let Some(i) = rest.find(pat) {
            rest = &rest[i + pat.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                return Some(n);
            }
        }
    }
    None
}

fn string_arg(src: &Source, node: Node) -> Option<String> {
    if node.kind_str() != "string" {
        return None;
    }
    let t = text(src.text, node);
    let t = t.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let q = t.chars().next()?;
    Some(t.trim_matches(q).to_owned())
}

fn push_env(
    out: &mut Vec<(String, Option<String>, String)>,
    name: String,
    default: Option<String>,
    at: String,
) {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return;
    }
    match out.iter_mut().find(|(n, _, _)| *n == name) {
        Some(e) => {
            if e.1.is_none() {
                e.1 = default;
            }
        }
        None => out.push((name, default, at)),
    }
}

/// Environment variables a file reads: `os.environ[...]`, `os.getenv`, `environ.get`,
/// django-environ `env(...)`, pydantic `BaseSettings` fields, `process.env.X`.
fn env_reads(src: &Source, rel: &str, out: &mut Vec<(String, Option<String>, String)>) {
    let reads_env = |n: Node, field: &str| {
        n.field(field)
            .is_some_and(|o| text(src.text, o) == "process.env")
    };
    let mut stack = vec![src.tree.root_node()];
    while let Some(n) = stack.pop() {
        let at = format!("{rel}:{}", n.start_position().row + 1);
        match (src.family(), n.kind_str()) {
            (Family::Python, "subscript") => {
                let v = n.field("value").map(|v| text(src.text, v));
                if matches!(v, Some("os.environ") | Some("environ")) {
                    if let Some(s) = n.field("subscript").and_then(|s| string_arg(src, s)) {
                        push_env(out, s, None, at);
                    }
                }
            }
            (Family::Python, "call") => {
                let f = n.field("function").map(|f| text(src.text, f)).unwrap_or("");
                let env_call = matches!(
                    f,
                    "os.environ.get"
                        | "os.getenv"
                        | "environ.get"
                        | "getenv"
                        | "os.environ.setdefault"
                ) || f == "env"
                    || (f.starts_with("env.") && !f.contains('('));
                if env_call {
                    let args = n.field("arguments").map(named_children).unwrap_or_default();
                    if let Some(name) = args.first().and_then(|a| string_arg(src, *a)) {
                        let default = args.get(1).and_then(|d| {
                            let d = if d.kind_str() == "keyword_argument" {
                                d.field("value")?
                            } else {
                                *d
                            };
                            string_arg(src, d).or_else(|| {
                                matches!(d.kind_str(), "integer" | "float" | "true" | "false")
                                    .then(|| text(src.text, d).to_owned())
                            })
                        });
                        push_env(out, name, default, at);
                    }
                }
            }
            (Family::Python, "class_definition") => {
                let supers = n
                    .field("superclasses")
                    .map(|s| text(src.text, s))
                    .unwrap_or("");
                if supers.contains("BaseSettings") {
                    let body_text = text(src.text, n);
                    let prefix = body_text
                        .split("env_prefix")
                        .nth(1)
                        .and_then(|r| r.split(['"', '\'']).nth(1))
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    for stmt in n.field("body").map(named_children).unwrap_or_default() {
                        let Some(assign) =
                            stmt.named_child(0).filter(|a| a.kind_str() == "assignment")
                        else {
                            continue;
                        };
                        let Some(left) = assign.field("left") else {
                            continue;
                        };
                        if assign.field("type").is_none() {
                            continue;
                        }
                        let field = text(src.text, left);
                        if field.starts_with('_') || field == "model_config" {
                            continue;
                        }
                        let default = assign.field("right").and_then(|r| {
                            string_arg(src, r).or_else(|| {
                                matches!(r.kind_str(), "integer" | "float" | "true" | "false")
                                    .then(|| text(src.text, r).to_owned())
                            })
                        });
                        let at = format!("{rel}:{}", stmt.start_position().row + 1);
                        push_env(
                            out,
                            format!("{prefix}{}", field.to_ascii_uppercase()),
                            default,
                            at,
                        );
                    }
                }
            }
            (Family::JavaScript, "member_expression") if reads_env(n, "object") => {
                if let Some(p) = n.field("property") {
                    push_env(out, text(src.text, p).to_owned(), js_default(src, n), at);
                }
            }
            (Family::JavaScript, "subscript_expression") if reads_env(n, "object") => {
                if let Some(s) = n.field("index").and_then(|s| string_js(src, s)) {
                    push_env(out, s, js_default(src, n), at);
                }
            }
            (Family::JavaScript, "variable_declarator") if reads_env(n, "value") => {
                if let Some(pat) = n.field("name").filter(|p| p.kind_str() == "object_pattern") {
                    for prop in named_children(pat) {
                        let name = match prop.kind_str() {
                            "shorthand_property_identifier_pattern" => {
                                Some(text(src.text, prop).to_owned())
                            }
                            "pair_pattern" => {
                                prop.field("key").map(|k| text(src.text, k).to_owned())
                            }
                            "object_assignment_pattern" => {
                                prop.field("left").map(|k| text(src.text, k).to_owned())
                            }
                            _ => None,
                        };
                        let default = (prop.kind_str() == "object_assignment_pattern")
                            .then(|| prop.field("right"))
                            .flatten()
                            .and_then(|r| string_js(src, r));
                        if let Some(name) = name {
                            push_env(out, name, default, at.clone());
                        }
                    }
                }
            }
            _ => {}
        }
        let mut kids = named_children(n);
        kids.reverse();
        stack.extend(kids);
    }
}

fn string_js(src: &Source, n: Node) -> Option<String> {
    (n.kind_str() == "string").then(|| text(src.text, n).trim_matches(['"', '\'']).to_owned())
}

/// `process.env.X || "d"` / `?? "d"`: the literal default, if any.
fn js_default(src: &Source, member: Node) -> Option<String> {
    let rest = &src.text[member.end_byte()..];
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("||")
        .or_else(|| rest.strip_prefix("??"))?
        .trim_start();
    let q = rest.chars().next()?;
    if q == '"' || q == '\'' {
        let body = &rest[1..];
        return body.find(q).map(|i| body[..i].to_owned());
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "SECRET",
        "PASSWORD",
        "TOKEN",
        "KEY",
        "CREDENTIAL",
        "PRIVATE",
        "DSN",
    ]
    .iter()
    .any(|w| n.contains(w))
}

fn env_example(project: &Project, scan: &Scan) -> Result<String> {
    if scan.env.is_empty() {
        return err(format!("no environment variable reads (os.environ, os.getenv, environ.get, BaseSettings fields, process.env) were found under {}", project.root.display()));
    }
    let mut out = String::from("# Environment variables the code reads, generated by backend-architect.\n# Copy to .env and fill in; never commit real secrets.\n");
    for (name, default, at) in &scan.env {
        out.push('\n');
        out.push_str(&format!("# {at}"));
        if looks_secret(name) {
            out.push_str(" (secret: set it, no default is written)");
        }
        out.push('\n');
        let value = if looks_secret(name) {
            String::new()
        } else {
            default.clone().unwrap_or_default()
        };
        let value = if value.contains([' ', '#', '"', '\'']) {
            format!("\"{}\"", value.replace('"', "\\\""))
        } else {
            value
        };
        out.push_str(&format!("{name}={value}\n"));
    }
    Ok(out)
}

fn dockerignore(project: &Project) -> String {
    let mut out = String::from("# Generated by backend-architect: kept out of the image build context.\n.git\n.github\n.env\n.env.*\n!.env.example\nDockerfile\ndocker-compose.yml\nk8s\n");
    if project.python {
        out.push_str("__pycache__/\n*.pyc\n.venv/\nvenv/\n.pytest_cache/\n.mypy_cache/\n");
    }
    if project.node {
        out.push_str("node_modules/\nnpm-debug.log*\ncoverage/\n");
    }
    out
}

fn python_port() -> u16 {
    8000
}

fn port(project: &Project, scan: &Scan) -> u16 {
    if project.python {
        python_port()
    } else {
        scan.port.unwrap_or(3000)
    }
}

fn node_entry(project: &Project, scan: &Scan) -> String {
    // NestJS starts with `nest start` and runs the build with `start:prod` (`node dist/main`).
    for script in ["start", "start:prod"] {
        if let Some(file) = project
            .package_script(script)
            .and_then(|s| s.strip_prefix("node "))
        {
            return file.split_whitespace().last().unwrap_or(file).to_owned();
        }
    }
    if let Some(main) = project
        .package_json
        .as_ref()
        .and_then(|p| p.get("main"))
        .and_then(|m| m.as_str())
    {
        return main.to_owned();
    }
    scan.app
        .as_ref()
        .map(|(p, _, _)| {
            p.strip_prefix(&project.root)
                .unwrap_or(p)
                .display()
                .to_string()
        })
        .unwrap_or_else(|| "index.js".into())
}

fn python_cmd(project: &Project, scan: &Scan) -> (String, Option<&'static str>) {
    let port = python_port();
    let framework = scan.app.as_ref().map(|a| a.2).or(project.framework());
    let app = scan
        .app
        .as_ref()
        .map(|(p, v, _)| format!("{}:{v}", python_module(&project.root, p)))
        .unwrap_or_else(|| "app:app".into());
    // Django serves its WSGI application, the others the app object found in the code.
    let target = if framework == Some(Framework::Django) {
        project
            .source_files()
            .into_iter()
            .find(|(p, _)| p.file_name().is_some_and(|n| n == "wsgi.py"))
            .map(|(p, _)| format!("{}:application", python_module(&project.root, &p)))
            .or_else(|| {
                // No wsgi.py yet: Django's layout puts it beside settings.py.
                project
                    .source_files()
                    .into_iter()
                    .find(|(p, _)| p.file_name().is_some_and(|n| n == "settings.py"))
                    .map(|(p, _)| {
                        format!(
                            "{}:application",
                            python_module(&project.root, &p.with_file_name("wsgi.py"))
                        )
                    })
            })
            .unwrap_or_else(|| format!("{}.wsgi:application", project.name.replace('-', "_")))
    } else {
        app
    };
    let (package, cmd) = super::frameworks::python_server(framework);
    (
        cmd.replace("{app}", &target)
            .replace("{port}", &port.to_string()),
        (!project.has(package)).then_some(package),
    )
}

const PYTHON_DEFAULT: &str = "3.12";
const NODE_DEFAULT: &str = "22";

/// How to add a health endpoint: the `healthCheck` generator where it exists.
fn health_hint(scan: &Scan) -> &'static str {
    match scan.app.as_ref().map(|a| a.2) {
        Some(Framework::Koa | Framework::Fastify | Framework::NestJs) => {
            "a `GET /healthz` route answering 200 without touching the database"
        }
        _ => "the healthCheck generator",
    }
}

fn dockerfile(project: &Project, scan: &Scan) -> String {
    let port = port(project, scan);
    let probe = |cmd: String| match &scan.health {
        Some(_) => format!("HEALTHCHECK --interval=30s --timeout=3s CMD {cmd}\n"),
        None => format!(
            "# No health endpoint was found in the code: add one ({}) and a HEALTHCHECK.\n",
            health_hint(scan)
        ),
    };
    let health = scan.health.clone().unwrap_or_default();
    if project.python {
        let v = project.python_version.as_deref().unwrap_or(PYTHON_DEFAULT);
        let image = format!("python:{v}-slim-bookworm");
        let (cmd, extra) = python_cmd(project, scan);
        let install = if project.is_present("requirements.txt") {
            "COPY requirements.txt ./\nRUN pip install -r requirements.txt".to_owned()
        } else {
            "COPY . .\nRUN pip install .".to_owned()
        };
        let extra = extra.map(|e| format!("\n# The server is not among the dependencies: installed here.\nRUN pip install {e}")).unwrap_or_default();
        format!(
            "# syntax=docker/dockerfile:1\n# Generated by backend-architect: multi-stage, non-root, base image pinned to Python {v}.\n\n# Build stage: dependencies into a virtual environment.\nFROM {image} AS build\nENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1\nWORKDIR /app\nRUN python -m venv /opt/venv\nENV PATH=\"/opt/venv/bin:$PATH\"\n{install}{extra}\n\n# Runtime stage: the virtual environment and the code, run by an unprivileged user.\nFROM {image}\nENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=\"/opt/venv/bin:$PATH\"\nRUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app\nWORKDIR /app\nCOPY --from=build /opt/venv /opt/venv\nCOPY --chown=app:app . .\nUSER 10001\nEXPOSE {port}\n{probe}CMD {cmd}\n",
            probe = probe(format!("[\"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{health}', timeout=2)\"]"))
        )
    } else {
        let v = project.node_version.as_deref().unwrap_or(NODE_DEFAULT);
        let image = format!("node:{v}-bookworm-slim");
        let lock = project.is_present("package-lock.json");
        let (copy, install) = if lock {
            ("COPY package.json package-lock.json ./", "npm ci")
        } else {
            ("COPY package.json ./", "npm install")
        };
        let build = if project.package_script("build").is_some() {
            "\nRUN npm run build"
        } else {
            ""
        };
        let entry = node_entry(project, scan);
        format!(
            "# syntax=docker/dockerfile:1\n# Generated by backend-architect: multi-stage, non-root, base image pinned to Node {v}.\n\n# Build stage: every dependency, the build, then only production dependencies.\nFROM {image} AS build\nWORKDIR /app\n{copy}\nRUN {install}\nCOPY . .{build}\nRUN npm prune --omit=dev\n\n# Runtime stage: run by the image's unprivileged `node` user (uid 1000).\nFROM {image}\nENV NODE_ENV=production PORT={port}\nWORKDIR /app\nCOPY --from=build --chown=node:node /app /app\nUSER 1000\nEXPOSE {port}\n{probe}CMD [\"node\", \"{entry}\"]\n",
            probe = probe(format!("[\"node\", \"-e\", \"fetch('http://127.0.0.1:{port}{health}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"]"))
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Postgres,
    MySql,
    Redis,
    Mongo,
}

fn services(project: &Project) -> Vec<Service> {
    let any = |names: &[&str]| names.iter().any(|n| project.has(n));
    let mut out = Vec::new();
    if any(&[
        "psycopg2",
        "psycopg2-binary",
        "psycopg",
        "psycopg-binary",
        "asyncpg",
        "pg",
        "pg-promise",
        "postgres",
        "@prisma/client",
    ]) {
        out.push(Service::Postgres);
    }
    if any(&[
        "mysqlclient",
        "pymysql",
        "mysql-connector-python",
        "aiomysql",
        "asyncmy",
        "mysql",
        "mysql2",
    ]) {
        out.push(Service::MySql);
    }
    if any(&[
        "redis",
        "aioredis",
        "ioredis",
        "django-redis",
        "rq",
        "bullmq",
        "celery",
    ]) {
        out.push(Service::Redis);
    }
    if any(&[
        "pymongo",
        "motor",
        "mongoengine",
        "beanie",
        "mongoose",
        "mongodb",
    ]) {
        out.push(Service::Mongo);
    }
    out
}

/// The variable the code reads for a service's URL, or the usual name.
fn env_name(scan: &Scan, words: &[&str], default: &str) -> String {
    if scan.env.iter().any(|(n, _, _)| n == default) {
        return default.to_owned();
    }
    scan.env
        .iter()
        .map(|(n, _, _)| n)
        .find(|n| {
            words.iter().any(|w| n.contains(w))
                && (n.ends_with("URL") || n.ends_with("URI") || n.ends_with("DSN"))
        })
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

fn compose(project: &Project, scan: &Scan) -> String {
    let port = port(project, scan);
    let svcs = services(project);
    let mut env = Vec::new();
    let mut blocks = String::new();
    let mut volumes = Vec::new();
    for s in &svcs {
        match s {
            Service::Postgres => {
                // SQLAlchemy picks the driver from the URL's scheme.
                let scheme = match (
                    project.has("sqlalchemy"),
                    project.has("psycopg"),
                    project.has("asyncpg"),
                ) {
                    (true, true, _) => "postgresql+psycopg",
                    (true, false, true) => "postgresql+asyncpg",
                    _ => "postgresql",
                };
                env.push(format!(
                    "{}: {scheme}://app:${{POSTGRES_PASSWORD:-app}}@postgres:5432/app",
                    env_name(scan, &["DATABASE", "POSTGRES", "DB_"], "DATABASE_URL")
                ));
                blocks.push_str("  postgres:\n    image: postgres:16-alpine\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-app}\n      POSTGRES_DB: app\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U app -d app\"]\n      interval: 5s\n      timeout: 3s\n      retries: 10\n    volumes:\n      - postgres-data:/var/lib/postgresql/data\n");
                volumes.push("postgres-data");
            }
            Service::MySql => {
                let scheme = if project.has("sqlalchemy") || project.has("flask-sqlalchemy") {
                    if project.has("pymysql") {
                        "mysql+pymysql"
                    } else {
                        "mysql+mysqldb"
                    }
                } else {
                    "mysql"
                };
                env.push(format!(
                    "{}: {scheme}://app:${{MYSQL_PASSWORD:-app}}@mysql:3306/app",
                    env_name(scan, &["DATABASE", "MYSQL", "DB_"], "DATABASE_URL")
                ));
                blocks.push_str("  mysql:\n    image: mysql:8.4\n    environment:\n      MYSQL_DATABASE: app\n      MYSQL_USER: app\n      MYSQL_PASSWORD: ${MYSQL_PASSWORD:-app}\n      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD:-root}\n    healthcheck:\n      test: [\"CMD\", \"mysqladmin\", \"ping\", \"-h\", \"127.0.0.1\"]\n      interval: 5s\n      timeout: 3s\n      retries: 10\n    volumes:\n      - mysql-data:/var/lib/mysql\n");
                volumes.push("mysql-data");
            }
            Service::Redis => {
                env.push(format!(
                    "{}: redis://redis:6379/0",
                    env_name(scan, &["REDIS", "CACHE", "BROKER"], "REDIS_URL")
                ));
                blocks.push_str("  redis:\n    image: redis:7-alpine\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"ping\"]\n      interval: 5s\n      timeout: 3s\n      retries: 10\n    volumes:\n      - redis-data:/data\n");
                volumes.push("redis-data");
            }
            Service::Mongo => {
                env.push(format!(
                    "{}: mongodb://mongo:27017/app",
                    env_name(scan, &["MONGO"], "MONGODB_URI")
                ));
                blocks.push_str("  mongo:\n    image: mongo:7\n    healthcheck:\n      test: [\"CMD\", \"mongosh\", \"--quiet\", \"--eval\", \"db.adminCommand('ping')\"]\n      interval: 5s\n      timeout: 3s\n      retries: 10\n    volumes:\n      - mongo-data:/data/db\n");
                volumes.push("mongo-data");
            }
        }
    }
    let mut out = format!("# Generated by backend-architect: the app and the services its drivers talk to.\n# Development defaults only: set the *_PASSWORD variables for anything shared.\nservices:\n  app:\n    build: .\n    ports:\n      - \"{port}:{port}\"\n");
    if !env.is_empty() {
        out.push_str("    environment:\n");
        for e in &env {
            out.push_str(&format!("      {e}\n"));
        }
        out.push_str("    depends_on:\n");
        for s in &svcs {
            let n = match s {
                Service::Postgres => "postgres",
                Service::MySql => "mysql",
                Service::Redis => "redis",
                Service::Mongo => "mongo",
            };
            out.push_str(&format!("      {n}:\n        condition: service_healthy\n"));
        }
    }
    out.push_str(&blocks);
    if !volumes.is_empty() {
        out.push_str("volumes:\n");
        for v in volumes {
            out.push_str(&format!("  {v}:\n"));
        }
    }
    out
}

fn kubernetes(project: &Project, scan: &Scan) -> Result<String> {
    let Some(health) = scan.health.as_deref() else {
        return err(format!("no health endpoint was found in the code (a route whose path has health, livez, readyz or ping): add one ({}) first, so the probes point at something real", health_hint(scan)));
    };
    let name = &project.name;
    let port = port(project, scan);
    let uid = if project.python { 10001 } else { 1000 };
    let version = project.version.as_deref().unwrap_or("0.1.0");
    Ok(format!(
        "# Generated by backend-architect. Probes use {health}, found in the code.\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/name: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: {uid}\n        seccompProfile:\n          type: RuntimeDefault\n      containers:\n        - name: {name}\n          # The image the Dockerfile builds, pushed to your registry.\n          image: {name}:{version}\n          ports:\n            - name: http\n              containerPort: {port}\n          envFrom:\n            - secretRef:\n                name: {name}-env\n                optional: true\n          readinessProbe:\n            httpGet:\n              path: {health}\n              port: http\n            periodSeconds: 10\n          livenessProbe:\n            httpGet:\n              path: {health}\n              port: http\n            initialDelaySeconds: 10\n            periodSeconds: 20\n          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              memory: 512Mi\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [\"ALL\"]\n          volumeMounts:\n            - name: tmp\n              mountPath: /tmp\n      volumes:\n        - name: tmp\n          emptyDir: {{}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/name: {name}\nspec:\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n"
    ))
}

fn github_actions(project: &Project, scan: &Scan) -> String {
    let mut out = String::from("# Generated by backend-architect: tests, then findings uploaded to code scanning.\nname: ci\n\non:\n  push:\n    branches: [main]\n  pull_request:\n\npermissions:\n  contents: read\n\njobs:\n");
    if project.python {
        let v = project.python_version.as_deref().unwrap_or(PYTHON_DEFAULT);
        let install = if project.is_present("requirements.txt") {
            let dev = if project.is_present("requirements-dev.txt") {
                " -r requirements-dev.txt"
            } else {
                ""
            };
            format!("pip install -r requirements.txt{dev}")
        } else {
            match project
                .extras
                .iter()
                .find(|e| matches!(e.as_str(), "dev" | "test" | "tests"))
            {
                Some(extra) => format!("pip install \".[{extra}]\""),
                None => "pip install .".to_owned(),
            }
        };
        let framework = scan.app.as_ref().map(|a| a.2).or(project.framework());
        let test = if framework == Some(Framework::Django) && !project.has("pytest-django") {
            "python manage.py test".to_owned()
        } else if project.has("pytest") || scan.has_python_tests {
            let extra = if project.has("pytest") {
                ""
            } else {
                "pip install pytest && "
            };
            format!("{extra}python -m pytest")
        } else {
            "python -m unittest discover".to_owned()
        };
        // setup-python's pip cache keys on requirements*.txt unless told otherwise.
        let cache_path = if project.is_present("requirements.txt") {
            ""
        } else {
            "          cache-dependency-path: pyproject.toml\n"
        };
        out.push_str(&format!("  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n        with:\n          python-version: \"{v}\"\n          cache: pip\n{cache_path}      - run: {install}\n      - run: {test}\n\n"));
    } else {
        let v = project.node_version.as_deref().unwrap_or(NODE_DEFAULT);
        let install = if project.is_present("package-lock.json") {
            "npm ci"
        } else {
            "npm install"
        };
        // setup-node's npm cache needs a lock file.
        let cache = if project.is_present("package-lock.json") {
            "          cache: npm\n"
        } else {
            ""
        };
        out.push_str(&format!("  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: \"{v}\"\n{cache}      - run: {install}\n      - run: npm test\n\n"));
    }
    // The tool from its PyPI wheel (pipx is on GitHub's runners), at the version that wrote the
    // workflow: seconds, where compiling it took minutes and a Rust toolchain.
    out.push_str(&format!("  backend-architect:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: actions/checkout@v4\n      - run: pipx install backend-architect=={}\n      # --exit-zero: findings are reported through code scanning rather than failing this step.\n      - run: backend-architect check --format sarif --output-file backend-architect.sarif --exit-zero .\n      - uses: github/codeql-action/upload-sarif@v3\n        with:\n          sarif_file: backend-architect.sarif\n          category: backend-architect\n", env!("CARGO_PKG_VERSION")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_requirements() {
        assert_eq!(version_from(">=3.11,<4", 2).as_deref(), Some("3.11"));
        assert_eq!(version_from("^3.10", 2).as_deref(), Some("3.10"));
        assert_eq!(version_from("v20.11.0", 1).as_deref(), Some("20"));
        assert_eq!(version_from("lts/*", 1), None);
        assert_eq!(
            requirement_name("psycopg[binary]>=3 ; python_version>'3'").as_deref(),
            Some("psycopg")
        );
        assert_eq!(requirement_name("Flask_Cors==4"), Some("flask-cors".into()));
        assert_eq!(requirement_name("-r base.txt"), None);
        assert_eq!(js_port("app.listen(process.env.PORT || 8080)"), Some(8080));
    }

    #[test]
    fn js_test_runner_takes_the_projects_or_the_default() {
        let with = |deps: &[&str], test: Option<&str>| Project {
            deps: deps.iter().map(|d| d.to_string()).collect(),
            package_json: test.map(|t| serde_json::json!({ "scripts": { "test": t } })),
            ..Project::default()
        };
        let none = with(&[], None);
        assert_eq!(none.js_test_runner(JsRunner::NodeTest), JsRunner::NodeTest);
        assert_eq!(none.js_test_runner(JsRunner::Jest), JsRunner::Jest);
        let vitest = with(&["vitest", "jest"], None);
        assert_eq!(vitest.js_test_runner(JsRunner::NodeTest), JsRunner::Vitest);
        let script = with(&[], Some("jest --runInBand"));
        assert_eq!(script.js_test_runner(JsRunner::NodeTest), JsRunner::Jest);
        let node = with(&[], Some("node --test"));
        assert_eq!(node.js_test_runner(JsRunner::Jest), JsRunner::Jest);
        assert_eq!(node.js_test_runner(JsRunner::NodeTest), JsRunner::NodeTest);
    }
}
