//! SEC407 insecure-temp-file: predictable names in shared temporary directories.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Arguments, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC407",
    name: "insecure-temp-file",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[377],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "A temporary file has a predictable name in a shared directory; use `tempfile.NamedTemporaryFile`, `mkstemp` or `TemporaryDirectory`.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

/// Functions whose first positional argument is a path they open, create or write.
const PATH_FUNCTIONS: &[&str] = &[
    "builtins.open",
    "io.open",
    "codecs.open",
    "os.open",
    "os.mkdir",
    "os.makedirs",
    "os.mkfifo",
    "pathlib.Path",
    "pathlib.PosixPath",
    "logging.FileHandler",
    "logging.handlers.RotatingFileHandler",
    "logging.handlers.TimedRotatingFileHandler",
    "logging.handlers.WatchedFileHandler",
    "sqlite3.connect",
    "tarfile.open",
    "zipfile.ZipFile",
    "gzip.open",
];

/// `shutil` functions that take paths (sources and destinations alike).
const SHUTIL: &[&str] = &[
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.copytree",
    "shutil.copymode",
    "shutil.copystat",
    "shutil.move",
    "shutil.rmtree",
    "shutil.chown",
    "shutil.make_archive",
    "shutil.unpack_archive",
];

/// Methods that write to the path given first (pandas, matplotlib, PIL, model `save`s).
const WRITE_METHODS: &[&str] = &[
    "save",
    "savefig",
    "to_csv",
    "to_json",
    "to_parquet",
    "to_pickle",
    "to_excel",
    "to_feather",
    "to_hdf",
];

/// World-writable directories every local user shares.
const SHARED_DIRS: &[&str] = &["/tmp", "/var/tmp", "/dev/shm"];

const ADVICE: &str = "use `tempfile.NamedTemporaryFile()`, `tempfile.mkstemp()` or `tempfile.TemporaryDirectory()`, which create unpredictable names atomically";

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args = || checker.arguments(args_node);
    let paths: Vec<Node> = if checker.resolve_callee(func, &["tempfile.mktemp"]).is_some() {
        checker.report(func, format!(
            "`tempfile.mktemp` returns a name that another process can create (or symlink) before this one opens it; {ADVICE}"
        ));
        return;
    } else if checker.resolve_callee(func, PATH_FUNCTIONS).is_some() {
        args().positional.iter().copied().take(1).collect()
    } else if checker.resolve_callee(func, SHUTIL).is_some() {
        args().positional.clone()
    } else if func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| WRITE_METHODS.contains(&checker.text(a)))
        && checker.resolve(func).is_none()
    {
        args().positional.iter().copied().take(1).collect()
    } else {
        return;
    };
    for path in paths {
        if let Some((literal, dir)) = shared_literal(checker, path, false, 0) {
            let callee = super::callee(checker.text(func));
            let shown = super::callee(checker.text(literal));
            checker.report(literal, format!(
                "`{callee}` uses a predictable path in `{dir}` ({shown}), which every local user can write to: another process can create the file first, or a symlink with its name, and read or redirect what is written; {ADVICE}"
            ));
        }
    }
}

/// The string literal that puts the path `node` builds in a shared temporary directory, with
/// that directory: `"/tmp/report.csv"`, `f"/tmp/{name}"`, `"/tmp/" + name`,
/// `os.path.join("/tmp", name)`, `Path("/tmp") / name`, or a local variable assigned one of
/// those. `appended`: something is added after the literal, so the directory alone (`"/tmp"`)
/// counts.
fn shared_literal<'a>(
    checker: &Checker<'a>,
    node: Node<'a>,
    appended: bool,
    depth: u32,
) -> Option<(Node<'a>, &'static str)> {
    if depth > 4 {
        return None;
    }
    let recurse = |n: Node<'a>, appended: bool| shared_literal(checker, n, appended, depth + 1);
    match node.kind_str() {
        "string" => {
            let (prefix, more) = literal_prefix(checker, node)?;
            under_shared_dir(prefix, appended || more).map(|dir| (node, dir))
        }
        "concatenated_string" => {
            let parts = named_children(node);
            recurse(*parts.first()?, appended || parts.len() > 1)
        }
        "parenthesized_expression" => recurse(node.named_child(0)?, appended),
        "binary_operator" => {
            let operator = checker.text(node.field("operator")?);
            if !matches!(operator, "+" | "/") {
                return None;
            }
            recurse(node.field("left")?, true)
        }
        "call" => {
            let func = node.field("function")?;
            let args = Arguments::of(node.field("arguments")?);
            checker.resolve_callee(
                func,
                &[
                    "os.path.join",
                    "posixpath.join",
                    "pathlib.Path",
                    "pathlib.PosixPath",
                ],
            )?;
            let first = *args.positional.first()?;
            recurse(first, appended || args.positional.len() > 1)
        }
        "identifier" => match checker.lookup(node) {
            Lookup::Local(bindings) => bindings.iter().find_map(|b| match b {
                Binding::Value(v) => recurse(*v, appended),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// The literal text at the start of a string (up to its first interpolation), and whether an
/// interpolation follows.
fn literal_prefix<'a>(checker: &Checker<'a>, string: Node<'a>) -> Option<(&'a str, bool)> {
    let parts = named_children(string);
    let start = parts.iter().find(|p| p.kind_str() == "string_start")?;
    let end = parts
        .iter()
        .find(|p| matches!(p.kind_str(), "interpolation" | "string_end"))?;
    let prefix = checker.source.get(start.end_byte()..end.start_byte())?;
    Some((prefix, end.kind_str() == "interpolation"))
}

/// The shared directory a path is in: `/tmp/x` is; `/tmp` itself only when more is appended.
fn under_shared_dir(path: &str, appended: bool) -> Option<&'static str> {
    SHARED_DIRS.iter().copied().find(|dir| {
        let Some(rest) = path.strip_prefix(dir) else {
            return false;
        };
        match rest.strip_prefix('/') {
            Some(name) => !name.is_empty() || appended,
            None => rest.is_empty() && appended,
        }
    })
}

const DOCS: &str = r#"## What it does
Flags temporary files with predictable names in directories every local user can write to:

- `tempfile.mktemp()`, which returns a name without creating the file;
- a literal path under `/tmp/`, `/var/tmp/` or `/dev/shm/` (also `f"/tmp/{name}"`,
  `"/tmp/" + name`, `os.path.join("/tmp", name)`, `Path("/tmp") / name`) passed to `open`,
  `os.open`, `os.mkdir`/`makedirs`, `pathlib.Path`, the `shutil` functions that take paths
  (`copy`, `move`, `rmtree`, `make_archive`, …), logging file
  handlers, `sqlite3.connect`, `tarfile.open`, `zipfile.ZipFile`, or as the first argument of a
  writing method such as `to_csv`, `savefig` or `save`.

`tempfile.mkstemp()`, `NamedTemporaryFile()`, `TemporaryDirectory()`, paths built from
`tempfile.gettempdir()` with a random name, and `/tmp` paths in log messages or docstrings are
not reported.

## Why is this bad?
`/tmp` is shared by every account on the machine. A process that knows the name can create the
file first, or plant a symlink with that name pointing at a file the service may write (its
own code, `~/.ssh/authorized_keys`), and then read what the service writes, feed it crafted
content, or make it overwrite the symlink's target. `mktemp` only picks a name; the file is
created later, so the same race applies.

## Example
```python
def export(rows):
    path = "/tmp/export.csv"
    with open(path, "w") as f:
        csv.writer(f).writerows(rows)
    return path
```

## Use instead
```python
def export(rows):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        csv.writer(f).writerows(rows)
    return f.name
```

## References
- [CWE-377: Insecure Temporary File](https://cwe.mitre.org/data/definitions/377.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [Python `tempfile`](https://docs.python.org/3/library/tempfile.html)
- [Bandit B108: hardcoded_tmp_directory](https://bandit.readthedocs.io/en/latest/plugins/b108_hardcoded_tmp_directory.html)
"#;
