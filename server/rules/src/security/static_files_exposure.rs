//! SEC409 static-files-exposure: static file serving that exposes dotfiles, directory listings
//! or the project's own source.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC409",
    name: "static-files-exposure",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[538, 548],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "Static file serving exposes dotfiles (`.env`, `.git`), directory listings or the project root; serve a dedicated `public` directory with the default `dotfiles: \"ignore\"`.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check,
    }],
};

const STATIC: &[&str] = &["express.static", "serve-static"];
const SERVE_INDEX: &[&str] = &["serve-index"];
const PATH_JOIN: &[&str] = &["path.join", "path.resolve", "path.normalize"];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    if checker.resolve_callee(func, SERVE_INDEX).is_some() {
        if settings::is_non_production_file(checker.path) {
            return;
        }
        let dir = js_args(args).first().map_or("a directory".to_owned(), |d| {
            format!("`{}`", super::callee(checker.text(*d)))
        });
        checker.report(call, format!(
            "`serve-index` lists the files in {dir} to anyone who asks, including ones nobody links to (backups, exports, uploads); remove it, or mount it behind authentication"
        ));
        return;
    }
    let Some(name) = checker.resolve_callee(func, STATIC) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let shown = if name == "serve-static" {
        "serveStatic"
    } else {
        "express.static"
    };
    let args = js_args(args);
    if let Some(root) = args
        .first()
        .copied()
        .filter(|d| is_project_root(checker, *d))
    {
        let dir = super::callee(checker.text(root));
        checker.report(root, format!(
            "`{shown}({dir})` serves the project's own directory: the source code, `package.json` and anything next to them can be downloaded; serve a dedicated directory such as `path.join(__dirname, \"public\")`"
        ));
    }
    let Some(options) = args.get(1).copied().filter(|o| o.kind_str() == "object") else {
        return;
    };
    let props = Props::of(checker, options);
    if let (Some(pair), Some(value)) = (props.pair("dotfiles"), props.get("dotfiles")) {
        if checker.string_value(value) == Some("allow") {
            checker.report(pair, format!(
                "`{shown}` with `dotfiles: \"allow\"` serves files such as `.env`, `.git/config` and `.npmrc`, which hold secrets; leave the default (`\"ignore\"`) or use `\"deny\"`"
            ));
        }
    }
}

/// `"."`, `"./"`, `__dirname`, `process.cwd()`, `path.join(__dirname)`,
/// `path.resolve(__dirname, "..")`: the directory the code lives in, or a parent of it.
fn is_project_root<'a>(checker: &Checker<'a>, dir: Node<'a>) -> bool {
    if let Some(s) = checker.string_value(dir) {
        return matches!(s, "." | "./" | ".." | "../" | "");
    }
    match dir.kind_str() {
        "identifier" => checker.text(dir) == "__dirname",
        "call_expression" => {
            let (Some(func), Some(args)) = (dir.field("function"), dir.field("arguments")) else {
                return false;
            };
            if checker.text(func) == "process.cwd" {
                return true;
            }
            if checker.resolve_callee(func, PATH_JOIN).is_none() {
                return false;
            }
            let parts = js_args(args);
            !parts.is_empty()
                && parts.iter().all(|p| {
                    checker.text(*p) == "__dirname"
                        || checker.text(*p) == "process.cwd()"
                        || checker
                            .string_value(*p)
                            .is_some_and(|s| matches!(s, "." | "./" | ".." | "../" | ""))
                })
        }
        _ => false,
    }
}

const DOCS: &str = r#"## What it does
Flags static file serving that exposes more than the public assets:

- `express.static(dir, { dotfiles: "allow" })` (also `serve-static`): dotfiles are served;
- `express.static(".")`, `express.static(__dirname)`, `express.static(process.cwd())` and
  `express.static(path.join(__dirname, ".."))`: the project root (or its parent) is served;
- `serve-index` (`serveIndex(dir)`): directory listings are mounted.

`express.static(path.join(__dirname, "public"))`, `express.static("public")`, and
`dotfiles: "deny"` / `"ignore"` are not reported, nor are development or test files.

## Why is this bad?
Serving the project root publishes the server's source code, its `package.json` (exact
dependency versions to look up in advisories) and whatever sits beside it. With
`dotfiles: "allow"` the same goes for `.env` (database passwords, API keys), `.git/` (the whole
history) and `.npmrc` (registry tokens). A directory listing hands a crawler the names of every
file, including backups and uploads that nothing links to.

## Example
```javascript
app.use(express.static(__dirname));
app.use("/files", express.static("uploads", { dotfiles: "allow" }), serveIndex("uploads"));
```

## Use instead
```javascript
app.use(express.static(path.join(__dirname, "public")));
app.use("/files", requireLogin, express.static(path.join(__dirname, "uploads")));
```

## References
- [CWE-538: Insertion of Sensitive Information into Externally-Accessible File or Directory](https://cwe.mitre.org/data/definitions/538.html)
- [CWE-548: Exposure of Information Through Directory Listing](https://cwe.mitre.org/data/definitions/548.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Express: `express.static` options](https://expressjs.com/en/4x/api.html#express.static)
- [serve-index](https://www.npmjs.com/package/serve-index)
"#;
