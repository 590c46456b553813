//! SEC202 unsafe-deserialization: pickle-family loaders on data from outside the code.

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::Sink;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC202",
    name: "unsafe-deserialization",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[502],
    owasp: Some("A08:2021 Software and Data Integrity Failures"),
    summary: "Data from outside the code is unpickled, which runs code; use JSON (or another data-only format) for anything a client can touch.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    },
        // `sink = "deserialize"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Deserialize as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Deserialize as u8 }>,
        },
    ],
};

/// Loaders judged by their options rather than their input.
const OPTION_LOADS: &[&str] = &["torch.load", "numpy.load"];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // Loaders that run code from their input: `sink = "deserialization"` rows with
    // `reported-by = "rule"` (stdlib.toml, sinks.toml).
    let loader = super::rule_sink(checker, func, Sink::Deserialize);
    let Some(name) = loader
        .as_ref()
        .map(|(name, _)| name.clone())
        .or_else(|| checker.resolve_callee(func, OPTION_LOADS))
    else {
        return;
    };
    let args = checker.arguments(args_node);
    let src = checker.source;
    match name.as_str() {
        "torch.load" => {
            // torch.load unpickles unless `weights_only=True` (the default only from torch 2.6).
            let weights_only = args.keyword("weights_only", src);
            if weights_only.is_some_and(|v| checker.text(v) != "False") {
                return;
            }
            let f = checker.report(func, "`torch.load` without `weights_only=True` unpickles the file, which can run code; pass `weights_only=True` (or load `safetensors`)");
            if weights_only.is_none() {
                let end = args_node.end_byte() - 1;
                let sep = if args.positional.is_empty() && args.keywords.is_empty() {
                    ""
                } else {
                    ", "
                };
                f.with_fix(
                    "Pass `weights_only=True`",
                    Applicability::Unsafe,
                    vec![Edit {
                        range: end..end,
                        content: format!("{sep}weights_only=True"),
                    }],
                );
            }
        }
        "numpy.load"
            if args
                .keyword("allow_pickle", src)
                .is_some_and(|v| checker.text(v) == "True") =>
        {
            checker.report(func, "`numpy.load(..., allow_pickle=True)` unpickles object arrays, which can run code; save plain arrays and load them without `allow_pickle`");
        }
        _ if loader.is_some() => {
            let Some(data) = super::sink_argument(checker, func, args_node, Sink::Deserialize)
                .map(|(_, data)| data)
            else {
                return;
            };
            let Some(taint) = checker.taint(data, Sink::Deserialize) else {
                return;
            };
            let from = checker.describe(&taint);
            checker
                .report(
                    func,
                    format!("`{name}` deserialises {from}; unpickling runs code chosen by whoever wrote the bytes: use `json.loads` (or sign and verify the data with `hmac` first)"),
                )
                .with_taint(&taint);
        }
        _ => {}
    }
}

const DOCS: &str = r#"## What it does
Flags `pickle`, `cPickle`, `dill`, `cloudpickle`, `marshal`, `jsonpickle`, `shelve`,
`pandas.read_pickle` and `joblib.load` applied to data from outside the code (request data, or a
parameter of the function), `torch.load` without `weights_only=True`, and `numpy.load` with
`allow_pickle=True`. Loading a file the code names itself is not reported.

## Why is this bad?
Unpickling calls whatever constructor the byte stream names: a crafted cookie, upload or cache
entry runs `os.system` on the server. There is no safe way to unpickle untrusted data.

## Example
```python
@app.post("/session")
def restore():
    state = pickle.loads(base64.b64decode(request.cookies["state"]))
    return state
```

## Use instead
```python
@app.post("/session")
def restore():
    state = json.loads(base64.b64decode(request.cookies["state"]))
    return state
```
If the data must be pickled, sign it (`hmac`) and verify the signature before loading.

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [OWASP A08:2021 Software and Data Integrity Failures](https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/)
- [Python `pickle` warning](https://docs.python.org/3/library/pickle.html)
- [`torch.load` and `weights_only`](https://pytorch.org/docs/stable/generated/torch.load.html)
"#;
