//! SEC406 insecure-file-permissions: files and directories created or changed world-writable.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC406",
    name: "insecure-file-permissions",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[732],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "A file or directory gets a world-writable mode; use `0o600`/`0o644` for files and `0o700`/`0o755` for directories.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

/// `os` functions that take a mode (the third argument of `os.open`, else the second).
const OS_FUNCTIONS: &[&str] = &[
    "os.chmod",
    "os.lchmod",
    "os.fchmod",
    "os.mkdir",
    "os.makedirs",
    "os.mkfifo",
    "os.open",
];

/// Methods (`pathlib.Path`) whose first argument is a mode.
const MODE_METHODS: &[&str] = &["chmod", "lchmod", "mkdir", "touch"];

const WORLD_WRITABLE: u32 = 0o002;

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let (mode, name) = if let Some(name) = checker.resolve_callee(func, OS_FUNCTIONS) {
        let at = if name == "os.open" { 2 } else { 1 };
        (
            checker.arguments(args).get(at, "mode", checker.source),
            name,
        )
    } else {
        let Some(method) = func
            .field("attribute")
            .filter(|_| func.kind_str() == "attribute")
            .map(|a| checker.text(a))
            .filter(|m| MODE_METHODS.contains(m))
        else {
            return;
        };
        // `Path(p).chmod(0o777)`, `path.mkdir(mode=0o777)`; not a module function we do not know.
        if checker.resolve(func).is_some() {
            return;
        }
        (
            checker.arguments(args).get(0, "mode", checker.source),
            format!(".{method}"),
        )
    };
    let Some(mode) = mode else {
        return;
    };
    let bits = set_bits(checker, mode);
    if bits & WORLD_WRITABLE == 0 {
        return;
    }
    // The octal value too, when the expression fixes all of it and does not spell it out.
    let text = super::callee(checker.text(mode));
    let shown = match value(checker, mode).map(|v| format!("0o{v:o}")) {
        Some(octal) if octal != text => format!("`{text}` ({octal})"),
        _ => format!("`{text}`"),
    };
    // chmod sets the mode as given; creating calls narrow it by the umask.
    let effect = if name.ends_with("chmod") {
        "makes the path world-writable"
    } else {
        "asks for a world-writable path (only the umask narrows it, and containers often run with umask 0)"
    };
    // An octal literal loses its world-write bit (unsafe: other users lose write access, which
    // is the point, but a shared directory may rely on it).
    let fix = (matches!(mode.kind_str(), "integer" | "number")
        && (text.starts_with("0o") || text.starts_with("0O")))
    .then(|| value(checker, mode))
    .flatten()
    .map(|v| format!("0o{:o}", v & !WORLD_WRITABLE));
    let finding = checker.report(mode, format!(
        "`{name}` with mode {shown} {effect}: any local user or process can change or replace it; use `0o600`/`0o644` for files and `0o700`/`0o755` for directories"
    ));
    if let Some(octal) = fix {
        finding.with_fix(
            format!("Drop the world-write bit (`{octal}`)"),
            Applicability::Unsafe,
            vec![Edit {
                range: mode.byte_range(),
                content: octal,
            }],
        );
    }
}

/// The permission bits `stat` names.
fn stat_constant(name: &str) -> Option<u32> {
    Some(match name.strip_prefix("stat.")? {
        "S_ISUID" => 0o4000,
        "S_ISGID" => 0o2000,
        "S_ISVTX" => 0o1000,
        "S_IRWXU" => 0o700,
        "S_IRUSR" | "S_IREAD" => 0o400,
        "S_IWUSR" | "S_IWRITE" => 0o200,
        "S_IXUSR" | "S_IEXEC" => 0o100,
        "S_IRWXG" => 0o070,
        "S_IRGRP" => 0o040,
        "S_IWGRP" => 0o020,
        "S_IXGRP" => 0o010,
        "S_IRWXO" => 0o007,
        "S_IROTH" => 0o004,
        "S_IWOTH" => 0o002,
        "S_IXOTH" => 0o001,
        _ => return None,
    })
}

fn integer(text: &str) -> Option<u32> {
    let t = text.replace('_', "").to_ascii_lowercase();
    let (digits, radix) = match t.get(..2) {
        Some("0o") => (&t[2..], 8),
        Some("0x") => (&t[2..], 16),
        Some("0b") => (&t[2..], 2),
        _ => (t.as_str(), 10),
    };
    u32::from_str_radix(digits, radix).ok()
}

/// The mode's value, when the expression fixes it: integer literals and `stat` constants
/// combined with `|`, `&`, `+`, `^` and `~`.
fn value<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<u32> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "integer" => integer(checker.text(node)),
        "identifier" | "attribute" => stat_constant(&checker.resolve(node)?),
        "parenthesized_expression" => value(checker, node.named_child(0)?),
        "unary_operator" if checker.text(node).starts_with('~') => {
            Some(!value(checker, node.field("argument")?)? & 0o7777)
        }
        "binary_operator" => {
            let left = value(checker, node.field("left")?)?;
            let right = value(checker, node.field("right")?)?;
            let operator = node.field("operator")?;
            match checker.text(operator) {
                "|" => Some(left | right),
                "&" => Some(left & right),
                "+" => left.checked_add(right),
                "^" => Some(left ^ right),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The bits the mode certainly has: its value if the expression fixes it, and through `|` the
/// bits of the parts that are fixed (`mode | stat.S_IWOTH` has `S_IWOTH` whatever `mode` is).
/// Modes from variables have none.
fn set_bits<'a>(checker: &Checker<'a>, node: Node<'a>) -> u32 {
    let Some(_level) = ba_syntax::depth::enter() else {
        return 0;
    };
    if let Some(v) = value(checker, node) {
        return v;
    }
    match node.kind_str() {
        "parenthesized_expression" => node.named_child(0).map_or(0, |n| set_bits(checker, n)),
        "binary_operator"
            if node
                .field("operator")
                .is_some_and(|o| checker.text(o) == "|") =>
        {
            let side = |field| node.field(field).map_or(0, |n| set_bits(checker, n));
            side("left") | side("right")
        }
        _ => 0,
    }
}

const DOCS: &str = r#"## What it does
Flags modes with the world-writable bit (`0o002`): a literal such as `0o777` or `0o666`, or an
expression with `stat.S_IWOTH` or `stat.S_IRWXO`, passed to `os.chmod`, `os.lchmod`,
`os.fchmod`, `os.mkdir`, `os.makedirs`, `os.mkfifo`, `os.open` (its third argument), or to the
`chmod`, `mkdir` and `touch` methods of `pathlib.Path`. Modes such as `0o600`, `0o644`, `0o700`
and `0o755`, and modes held in variables, are not reported; neither is
`mode & ~stat.S_IWOTH`.

## Why is this bad?
Any local user, and any process running under another account (a compromised worker, a
container sharing the volume), can rewrite a world-writable file or swap the files in a
world-writable directory: scripts and configuration become code execution, logs can be forged,
uploads replaced. `mkdir`/`makedirs`/`open` modes are narrowed by the umask, but a umask of `0`
is common in containers.

## Example
```python
os.makedirs(UPLOAD_DIR, mode=0o777, exist_ok=True)
os.chmod(script_path, 0o777)
```

## Use instead
```python
os.makedirs(UPLOAD_DIR, mode=0o750, exist_ok=True)
os.chmod(script_path, 0o755)   # owner writes, others read and execute
```

## References
- [CWE-732: Incorrect Permission Assignment for Critical Resource](https://cwe.mitre.org/data/definitions/732.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [Python `os.chmod`](https://docs.python.org/3/library/os.html#os.chmod)
- [Python `stat` constants](https://docs.python.org/3/library/stat.html#stat.S_IRWXO)
"#;
