//! SEC703 unsafe-archive-extraction: tar archives extracted without a filter, and archive
//! members written to paths joined from their names ("zip slip").

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::method_name;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, walk_scope, Binding, Lookup, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC703",
    name: "unsafe-archive-extraction",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[22],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "Archive members are extracted without checking their paths; pass `filter=\"data\"` to `tarfile` (Python 3.12+) or check each member's resolved path stays inside the target directory.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::Python,
            query_path: "python/statements.scm",
            query: include_str!("../../../../queries/python/statements.scm"),
            run: check_loop,
        },
    ],
};

/// Whether `object` is a tar archive: bound to `tarfile.open(...)`/`TarFile(...)`, or named so.
fn is_tarfile<'a>(checker: &Checker<'a>, object: Node<'a>) -> bool {
    let Some(_level) = ba_syntax::depth::enter() else {
        return false;
    };
    if object.kind_str() == "call" {
        return object
            .field("function")
            .and_then(|f| checker.resolve(f))
            .is_some_and(|q| q.starts_with("tarfile."));
    }
    if object.kind_str() == "identifier" {
        if let Lookup::Local(bindings) = checker.lookup(object) {
            if bindings.iter().any(|b| match b {
                Binding::Value(v) | Binding::Element(v) => is_tarfile(checker, *v),
                _ => false,
            }) {
                return true;
            }
        }
    }
    let name = checker.text(object).to_ascii_lowercase();
    name.contains("tar") && super::imports_any(checker, &["tarfile"])
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args = checker.arguments(args_node);
    if let Some(method @ ("extractall" | "extract")) = method_name(checker, func) {
        let Some(object) = func.field("object") else {
            return;
        };
        if !is_tarfile(checker, object) {
            return;
        }
        if let Some(filter) = args.keyword("filter", checker.source) {
            // `filter="fully_trusted"` (or `tarfile.fully_trusted_filter`) switches the checks off.
            let text = checker.text(filter);
            if text.trim_matches(|c| c == '"' || c == '\'') == "fully_trusted"
                || text.ends_with("fully_trusted_filter")
            {
                checker.report(func, format!(
                    "`{method}` with `filter=\"fully_trusted\"` writes tar members wherever their names point (`../../etc/cron.d/x`, absolute paths, symlinks); use `filter=\"data\"` unless the archive is your own build artefact"
                ));
            }
            return;
        }
        // Members checked one by one (`members=safe_members(tar)`) are the pre-3.12 idiom.
        if method == "extractall" && args.keyword("members", checker.source).is_some() {
            return;
        }
        checker.report(func, format!(
            "`{method}` writes tar members wherever their names point (`../../etc/cron.d/x`, absolute paths, symlinks); pass `filter=\"data\"` (Python 3.12+, backported to 3.8+) or check each member first"
        ));
        return;
    }
    if checker
        .resolve_callee(func, &["shutil.unpack_archive"])
        .is_some()
        && args.keyword("filter", checker.source).is_none()
    {
        if let Some(archive) = args.get(0, "filename", checker.source) {
            if checker.taint(archive, Sink::Path).is_some() {
                checker.report(func, "`shutil.unpack_archive` of an archive from outside the code extracts tar members without a filter; pass `filter=\"data\"` (Python 3.12+)");
            }
        }
    }
}

/// `for member in zf.infolist(): open(os.path.join(dest, member.filename), "wb")`
fn check_loop<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(stmt) = caps.get("for") else {
        return;
    };
    let (Some(left), Some(right), Some(body)) =
        (stmt.field("left"), stmt.field("right"), stmt.field("body"))
    else {
        return;
    };
    let listing = checker.text(right);
    if !["infolist()", "namelist()", "getmembers()", "getnames()"]
        .iter()
        .any(|m| listing.ends_with(m))
    {
        return;
    }
    let member = checker.text(left);
    let body_text = checker.text(body);
    // A containment check anywhere in the loop is taken as the guard.
    if [
        "commonpath",
        "is_relative_to",
        "startswith",
        "realpath",
        "abspath",
        "basename",
    ]
    .iter()
    .any(|g| body_text.contains(g))
    {
        return;
    }
    let mut join = None;
    walk_scope(body, &|_| false, &mut |n| {
        if join.is_some() || n.kind_str() != "call" {
            return;
        }
        let callee = n.field("function").and_then(|f| checker.resolve(f));
        if !matches!(callee.as_deref(), Some("os.path.join" | "pathlib.Path")) {
            return;
        }
        let uses_member = n
            .field("arguments")
            .map(named_children)
            .unwrap_or_default()
            .iter()
            .any(|a| {
                let t = checker.text(*a);
                t == member || t.starts_with(&format!("{member}."))
            });
        if uses_member {
            join = Some(n);
        }
    });
    if let Some(join) = join {
        checker.report(join, format!(
            "the path is joined from archive member `{member}`'s name without a check; a name like `../../app/settings.py` writes outside the target (zip slip): resolve it and check it stays inside the directory"
        ));
    }
}

const DOCS: &str = r#"## What it does
Flags `TarFile.extractall`/`extract` without a `filter=` (or a vetted `members=` list),
`shutil.unpack_archive` of archives from outside the code without `filter=`, and loops over
`ZipFile.infolist()`/`namelist()` or `TarFile.getmembers()` that join member names into output
paths without a containment check. `ZipFile.extractall` sanitises names itself and is not
reported.

## Why is this bad?
Archive member names are chosen by whoever made the archive. `../../home/app/.ssh/authorized_keys`,
absolute paths and symlinks write files anywhere the process can (CVE-2007-4559 for `tarfile`):
uploading an archive becomes remote code execution.

## Example
```python
with tarfile.open(upload_path) as tar:
    tar.extractall(target_dir)
```

## Use instead
```python
with tarfile.open(upload_path) as tar:
    tar.extractall(target_dir, filter="data")
```

## References
- [CWE-22: Path Traversal](https://cwe.mitre.org/data/definitions/22.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [Python `tarfile` extraction filters](https://docs.python.org/3/library/tarfile.html#tarfile-extraction-filter)
"#;
