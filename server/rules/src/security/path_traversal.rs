//! SEC302 path-traversal: file system paths built from request data.

use super::{method_name, sink_arguments};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::Sink;
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC302",
    name: "path-traversal",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[22],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "A file path is built from request data; reduce it to a base name (`secure_filename`) or resolve it and check it stays inside the intended directory.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        // `sink = "path"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Path as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Path as u8 }>,
        },
    ],
};

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let positional = checker.arguments(args).positional.clone();
    let method = match func.kind_str() {
        "member_expression" => func
            .field("property")
            .map(|p| checker.text(p))
            .unwrap_or(""),
        _ => checker.text(func),
    };
    let mut paths = Vec::new();
    let name;
    if matches!(method, "sendFile" | "download") {
        // Express `res.sendFile(path, { root })` confines the path to `root`.
        let receiver = func.field("object").map(|o| checker.text(o)).unwrap_or("");
        if method == "download" && !matches!(receiver, "res" | "response") {
            return;
        }
        // `@fastify/static`'s `reply.sendFile(name)`/`reply.download(name)` serve from the
        // plugin's `root` (or the root given), and `send` refuses `..` under a root.
        if matches!(receiver, "reply" | "rep") {
            return;
        }
        if positional
            .iter()
            .skip(1)
            .any(|o| confines_to_root(checker, *o))
        {
            return;
        }
        name = format!("res.{method}");
        paths.extend(positional.first().copied());
    } else {
        // `fs` functions (node.toml) and their re-exports (sinks.toml): `sink = "path"` rows
        // with `reported-by = "rule"`, the path and, for copies, renames and links, the
        // destination.
        let Some((q, values)) = sink_arguments(checker, func, args, Sink::Path) else {
            return;
        };
        // `koa-send` and `send` resolve the path under their `root` option and refuse `..`
        // there; without a root (or with `/`) the client names any file.
        if ROOTED_SENDERS.contains(&q.as_str())
            && positional
                .get(2)
                .is_some_and(|o| confines_to_root(checker, *o))
        {
            return;
        }
        name = q;
        paths = values;
    }
    for path in paths {
        let Some(taint) = checker.taint(path, Sink::Path).filter(|t| t.user) else {
            continue;
        };
        let from = checker.describe(&taint);
        let message = if ROOTED_SENDERS.contains(&name.as_str()) {
            format!("`{name}` serves a file named by {from} without a `root` directory (or with `/`): the client can read any file the server can; pass `{{ root: <the public directory> }}`, which makes `send` refuse paths outside it")
        } else {
            format!("`{name}` uses a path built from {from}; `../` in it reaches any file the server can read: reduce it to `path.basename(…)`, or resolve it and check it `startsWith` the base directory (or pass `{{ root }}` to `sendFile`)")
        };
        checker.report(path, message).with_taint(&taint);
    }
}

/// Functions serving the file at their second argument from the `root` option of their third
/// (`send(ctx, path, { root })` in Koa, `send(req, path, { root })`): sink rows in
/// `javascript/models/sinks.toml`.
const ROOTED_SENDERS: &[&str] = &["koa-send", "koa-send.default", "send", "send.default"];

/// Whether an options object gives a `root` directory that confines the path: a name, or a
/// literal other than the filesystem's root (`/`) or the empty string.
fn confines_to_root(checker: &Checker, options: tree_sitter::Node) -> bool {
    options.kind_str() == "object"
        && ba_analysis::named_children(options)
            .into_iter()
            .any(|p| match p.kind_str() {
                "shorthand_property_identifier" => checker.text(p) == "root",
                "pair" => {
                    p.field("key")
                        .is_some_and(|k| checker.text(k).trim_matches(['"', '\'']) == "root")
                        && p.field("value").is_some_and(|v| {
                            !ba_analysis::string_value(checker.language, v, checker.source)
                                .is_some_and(|r| r.trim_end_matches('/').is_empty())
                        })
                }
                _ => false,
            })
}

/// Methods of `pathlib.Path` that touch the file system.
const PATH_METHODS: &[&str] = &[
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "open",
    "unlink",
    "rmdir",
    "touch",
    "mkdir",
    "rename",
    "replace",
    "iterdir",
    "glob",
    "rglob",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // `sink = "path"` rows with `reported-by = "rule"` (stdlib.toml, flask.toml…): every
    // argument they name (`shutil.copy`'s source and destination); the first tainted one is
    // reported.
    let (name, paths) = match sink_arguments(checker, func, args, Sink::Path) {
        Some(found) => found,
        // An upload saved under a client-chosen name: `f.save(os.path.join(UPLOADS, f.filename))`.
        None if method_name(checker, func) == Some("save") => {
            match checker.arguments(args).get(0, "dst", checker.source) {
                Some(dst) => ("save".to_owned(), vec![dst]),
                None => return,
            }
        }
        None => {
            // `Path(base, name).read_text()`, `(UPLOADS / name).unlink()`.
            let Some(method) = method_name(checker, func).filter(|m| PATH_METHODS.contains(m))
            else {
                return;
            };
            let Some(object) = func.field("object") else {
                return;
            };
            let is_path = match object.kind_str() {
                "call" => object
                    .field("function")
                    .and_then(|f| checker.resolve(f))
                    .is_some_and(|q| q.starts_with("pathlib.")),
                "binary_operator" => checker.text(object).contains(" / "),
                "parenthesized_expression" => checker.text(object).contains(" / "),
                _ => false,
            };
            if !is_path {
                return;
            }
            (format!("Path.{method}"), vec![object])
        }
    };
    let Some((path, taint)) = paths.into_iter().find_map(|p| {
        checker
            .taint(p, Sink::Path)
            .filter(|t| t.user)
            .map(|t| (p, t))
    }) else {
        return;
    };
    let from = checker.describe(&taint);
    let short = name.trim_start_matches("builtins.");
    checker
        .report(
            path,
            format!("`{short}` uses a path built from {from}; `../` in it reaches any file the server can read: use `werkzeug.utils.secure_filename` (or `os.path.basename`), or resolve the path and check it stays under the base directory"),
        )
        .with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags file system calls (`open`, `os.remove`, `shutil.*`, `pathlib.Path` methods, Flask
`send_file` and the directory of `send_from_directory`, Starlette/FastAPI/Django
`FileResponse`) whose path is built from request data. Paths reduced to a base name
(`secure_filename`, `os.path.basename`, `Path(x).name`) or checked after resolving
(`if not path.resolve().is_relative_to(BASE): abort(404)`, `os.path.commonpath`) are not
reported. In Node: `fs` functions (callback, `Sync`, `fs/promises`, `fs-extra`) and Express
`res.sendFile`/`res.download`, `koa-send` and `send` without a `root` option (or with `root:
"/"`); `path.basename(…)` and a `p.startsWith(BASE)` check clear the path.

## Why is this bad?
`os.path.join("/srv/uploads", "../../etc/passwd")` is `/etc/passwd`, and an absolute second
argument replaces the base altogether. Clients read configuration and keys, or overwrite files
the server later executes.

## Example
```python
@app.get("/files/<name>")
def download(name):
    return send_file(os.path.join(UPLOAD_DIR, name))
```
```javascript
app.get("/files/:name", (req, res) => {
  res.sendFile(path.join(UPLOAD_DIR, req.params.name));
});
```

## Use instead
```python
@app.get("/files/<name>")
def download(name):
    return send_from_directory(UPLOAD_DIR, secure_filename(name))
```
```javascript
app.get("/files/:name", (req, res) => {
  res.sendFile(path.basename(req.params.name), { root: UPLOAD_DIR });
});
```

## References
- [CWE-22: Path Traversal](https://cwe.mitre.org/data/definitions/22.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [Werkzeug `secure_filename`](https://werkzeug.palletsprojects.com/en/stable/utils/#werkzeug.utils.secure_filename)
"#;
