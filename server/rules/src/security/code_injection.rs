//! SEC103 code-injection: `eval`/`exec` of data the code does not fix.

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::Sink;
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC103",
    name: "code-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[95],
    owasp: Some("A03:2021 Injection"),
    summary: "Code built from non-constant data is evaluated; parse the data instead (`ast.literal_eval`, `json.loads`, `JSON.parse`) or dispatch through an explicit table.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
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
        // `sink = "code"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Code as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Code as u8 }>,
        },
    ],
};

/// The code rows (stdlib.toml) that import a module by name rather than run code: only a
/// client-chosen name is reported, with its own message.
const PY_IMPORTERS: &[&str] = &[
    "builtins.__import__",
    "importlib.import_module",
    "importlib.__import__",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // `sink = "code"` rows with `reported-by = "rule"` (stdlib.toml): `eval`, `exec`,
    // `compile` and the importers, with their first argument.
    let Some((name, code)) = super::sink_argument(checker, func, args, Sink::Code) else {
        return;
    };
    if PY_IMPORTERS.contains(&name.as_str()) {
        // Importing by name is routine (plugins, settings); only a client-chosen module is not.
        let Some(taint) = checker.taint(code, Sink::Code).filter(|t| t.user) else {
            return;
        };
        let from = checker.describe(&taint);
        checker
            .report(
                func,
                format!(
                "`{}` imports a module named by {from}; map the allowed names to modules in a dict",
                name.trim_start_matches("builtins.")
            ),
            )
            .with_taint(&taint);
        return;
    }
    let what = name
        .trim_start_matches("builtins.")
        .trim_start_matches("global.");
    let advice = match checker.language.family() {
        Family::Python => "use `ast.literal_eval` for literals, `json.loads` for data, or look the operation up in a dict of allowed functions",
        Family::JavaScript => "use `JSON.parse` for data, or look the operation up in a map of allowed functions",
    };
    let Some(taint) = checker.taint(code, Sink::Code) else {
        return;
    };
    let from = checker.describe(&taint);
    // `eval(data)` → `ast.literal_eval(data)` (unsafe: expressions other than literals then
    // raise `ValueError`).
    let literal_eval = (name == "builtins.eval"
        && checker.text(func) == "eval"
        && checker.arguments(args).positional.len() == 1
        && checker.arguments(args).keywords.is_empty())
    .then(|| crate::imports::python_needs_import(checker, "ast"))
    .flatten();
    let finding = checker.report(
        func,
        format!(
            "`{what}` runs code built from {from}{}; {advice}",
            super::expression_note(&from, checker.text(code))
        ),
    );
    finding.with_taint(&taint);
    if let Some(needs_ast) = literal_eval {
        finding.with_fix(
            "Parse a literal with `ast.literal_eval`",
            Applicability::Unsafe,
            vec![Edit {
                range: func.byte_range(),
                content: "ast.literal_eval".to_owned(),
            }],
        );
        if needs_ast {
            finding.with_import("ast");
        }
    }
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // Callees that compile a string: `sink = "code"` rows with `reported-by = "rule"`
    // (ecmascript.toml, node.toml), and `new Function(arg1, …, body)`, whose body is the last
    // argument.
    let (name, code) = match super::sink_argument(checker, func, args, Sink::Code) {
        Some(found) => found,
        None => {
            let Some(name) = checker.resolve_callee(func, &["global.Function"]) else {
                return;
            };
            let Some(body) = checker.arguments(args).positional.last().copied() else {
                return;
            };
            (name, body)
        }
    };
    // `setTimeout(() => …)` schedules a function, not a string.
    if matches!(
        code.kind_str(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return;
    }
    let Some(taint) = checker.taint(code, Sink::Code) else {
        return;
    };
    // `setTimeout(callback, ms)` with a caller's callback is routine: only a string built here,
    // or request data, is code.
    if name.starts_with("global.set")
        && !taint.user
        && !matches!(code.kind_str(), "template_string" | "binary_expression")
    {
        return;
    }
    let what = name.trim_start_matches("global.");
    let what = if what == "Function" || what == "vm.Script" {
        format!("new {what}")
    } else {
        what.to_owned()
    };
    let from = checker.describe(&taint);
    let json_parse = what == "eval"
        && checker.text(func) == "eval"
        && checker.arguments(args).positional.len() == 1;
    let finding = checker.report(
        func,
        format!(
            "`{what}` runs code built from {from}{}; use `JSON.parse` for data, or look the operation up in a map of allowed functions",
            super::expression_note(&from, checker.text(code))
        ),
    );
    finding.with_taint(&taint);
    // `eval(data)` → `JSON.parse(data)` (unsafe: anything but JSON then throws).
    if json_parse {
        finding.with_fix(
            "Parse data with `JSON.parse`",
            Applicability::Unsafe,
            vec![Edit {
                range: func.byte_range(),
                content: "JSON.parse".to_owned(),
            }],
        );
    }
}

const DOCS: &str = r#"## What it does
Flags `eval` and `exec` (Python) and `eval`, `new Function`, `vm.runInNewContext` /
`runInThisContext` / `runInContext`, `new vm.Script` and `setTimeout`/`setInterval` with a string
(JavaScript/TypeScript) called on a value the code does not fix: request data, or a function's
own parameter. Calls on constant
strings are left alone, and names are resolved through imports, so a method such as
`model.eval()` or a local function called `eval` is not reported.

## Why is this bad?
Whoever controls the string controls the process: `eval(request.args["expr"])` lets a client run
`__import__("os").system("…")`, read secrets from memory, or pivot into the network. Filtering
the input does not work; the language is too large to sanitise.

## Example
```python
@app.get("/calc")
def calc(expr: str):
    return {"result": eval(expr)}
```
```javascript
app.post("/rules", (req, res) => {
  const ok = eval(req.body.condition);
  res.json({ ok });
});
```

## Use instead
```python
import ast

@app.get("/calc")
def calc(expr: str):
    return {"result": ast.literal_eval(expr)}  # literals only, or a real expression parser
```
```javascript
const OPS = { gt: (a, b) => a > b, lt: (a, b) => a < b };
app.post("/rules", (req, res) => {
  const op = OPS[req.body.op];
  if (!op) return res.status(400).end();
  res.json({ ok: op(req.body.a, req.body.b) });
});
```

## References
- [CWE-95: Eval Injection](https://cwe.mitre.org/data/definitions/95.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [Python `ast.literal_eval`](https://docs.python.org/3/library/ast.html#ast.literal_eval)
"#;
