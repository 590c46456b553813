//! SEC410 missing-body-limit: request body parsers and upload handlers without a sane limit.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::named_children;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC410",
    name: "missing-body-limit",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[770],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "A request body parser or upload handler accepts huge or unbounded bodies; keep the default limit or set one that fits the route (`limit: \"1mb\"`, multer `limits: { fileSize }`).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check,
    }],
};

const PARSERS: &[&str] = &[
    "express.json",
    "express.urlencoded",
    "express.raw",
    "express.text",
    "body-parser.json",
    "body-parser.urlencoded",
    "body-parser.raw",
    "body-parser.text",
];
const MULTER: &[&str] = &["multer"];

/// Bodies above this are reported (the parsers' default is 100kb).
const MAX_BODY: f64 = 10.0 * 1024.0 * 1024.0;
/// `parameterLimit` above this is reported (the default is 1000).
const MAX_PARAMETERS: f64 = 10_000.0;

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() == "identifier" {
        if checker.resolve_callee(func, MULTER).is_some() {
            check_multer(checker, func, args);
        }
        return;
    }
    if checker.resolve_callee(func, PARSERS).is_none() {
        return;
    }
    let Some(options) = js_args(args)
        .first()
        .copied()
        .filter(|o| o.kind_str() == "object")
    else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let shown = super::callee(checker.text(func));
    let props = Props::of(checker, options);
    if let (Some(pair), Some(value)) = (props.pair("limit"), props.get("limit")) {
        if let Some(size) = size_of(checker, value) {
            if size > MAX_BODY {
                let what = if size.is_infinite() {
                    format!("of any size (`limit: {}`)", checker.text(value))
                } else {
                    format!("up to `{}`", checker.text(value))
                };
                checker
                    .report(pair, format!(
                        "`{shown}` accepts request bodies {what}: a few clients sending bodies that large exhaust the server's memory and CPU while they are parsed; keep the default (100kb) or set the largest body this API needs (`limit: \"1mb\"`)"
                    ))
                    // The parsers' default, spelled out (unsafe: larger bodies get 413).
                    .with_fix(
                        "Use the default limit (`\"100kb\"`)",
                        Applicability::Unsafe,
                        vec![Edit {
                            range: value.byte_range(),
                            content: "\"100kb\"".to_owned(),
                        }],
                    );
            }
        }
    }
    if let (Some(pair), Some(value)) = (props.pair("parameterLimit"), props.get("parameterLimit")) {
        if number_of(checker, value).is_some_and(|n| n > MAX_PARAMETERS) {
            checker.report(pair, format!(
                "`{shown}` with `parameterLimit: {}` parses that many form fields per request, which makes parsing a cheap way to burn CPU; keep the default (1000) or a limit the forms need",
                checker.text(value)
            ));
        }
    }
}

/// `multer()` / `multer({ dest })` without `limits`: uploads of any size and number.
fn check_multer<'a>(checker: &mut Checker<'a>, func: Node<'a>, args_node: Node<'a>) {
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let args = js_args(args_node);
    let unbounded = match args.first() {
        None => true,
        Some(o) if o.kind_str() == "object" => {
            let props = Props::of(checker, *o);
            !props.opaque && props.get("limits").is_none()
        }
        Some(_) => false,
    };
    if unbounded {
        let shown = super::callee(checker.text(func));
        // Limits in the options (unsafe: the numbers are a choice; larger uploads then fail).
        const LIMITS: &str = "limits: { fileSize: 5 * 1024 * 1024, files: 1 }";
        let edit = match args.first() {
            None => args_node.start_byte() + 1..args_node.end_byte() - 1,
            Some(o) if named_children(*o).is_empty() => o.byte_range(),
            Some(o) => o.start_byte() + 1..o.start_byte() + 1,
        };
        let content = match args.first() {
            Some(o) if !named_children(*o).is_empty() => format!(" {LIMITS},"),
            _ => format!("{{ {LIMITS} }}"),
        };
        checker
            .report(func, format!(
                "`{shown}(...)` without `limits` accepts uploads of any size and any number of files and fields, which can fill the disk or memory; set `limits: {{ fileSize: 5 * 1024 * 1024, files: 1 }}`"
            ))
            .with_fix(
                "Limit uploads to one file of 5 MB",
                Applicability::Unsafe,
                vec![Edit { range: edit, content }],
            );
    }
}

/// A body size in bytes: a number, `Infinity`, or a `bytes` string such as `"50mb"`.
fn size_of(checker: &Checker, value: Node) -> Option<f64> {
    if let Some(s) = checker.string_value(value) {
        return parse_bytes(s);
    }
    number_of(checker, value)
}

/// A numeric literal, `Infinity`, `Number.MAX_SAFE_INTEGER` or a product of numbers.
fn number_of(checker: &Checker, value: Node) -> Option<f64> {
    let _level = ba_syntax::depth::enter()?;
    match value.kind_str() {
        "number" => checker.text(value).replace('_', "").parse().ok(),
        "identifier" if checker.text(value) == "Infinity" => Some(f64::INFINITY),
        "member_expression" if checker.text(value) == "Number.MAX_SAFE_INTEGER" => {
            Some(f64::INFINITY)
        }
        "member_expression" if checker.text(value) == "Number.POSITIVE_INFINITY" => {
            Some(f64::INFINITY)
        }
        "binary_expression" => {
            let op = value.field("operator").map(|o| checker.text(o));
            let l = number_of(checker, value.field("left")?)?;
            let r = number_of(checker, value.field("right")?)?;
            match op {
                Some("*") => Some(l * r),
                Some("+") => Some(l + r),
                _ => None,
            }
        }
        "parenthesized_expression" => number_of(checker, value.named_child(0)?),
        _ => None,
    }
}

/// `"100kb"`, `"50 MB"`, `"1gb"`, `"1048576"` → bytes (the `bytes` package's units).
fn parse_bytes(s: &str) -> Option<f64> {
    let s = s.trim().to_ascii_lowercase();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "b" => 1.0,
        "kb" => 1024.0,
        "mb" => 1024.0 * 1024.0,
        "gb" => 1024.0 * 1024.0 * 1024.0,
        "tb" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "pb" => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number * factor)
}

const DOCS: &str = r#"## What it does
Flags request body parsers and upload handlers that accept huge or unbounded bodies:

- `express.json`, `express.urlencoded`, `express.raw`, `express.text` and their `body-parser`
  equivalents with a `limit` above 10mb (`"50mb"`, `"1gb"`, `Infinity`,
  `Number.MAX_SAFE_INTEGER`);
- `express.urlencoded` / `bodyParser.urlencoded` with a `parameterLimit` above 10,000;
- `multer()` or `multer({ dest })` without `limits`.

The defaults (`express.json()`: 100kb, 1000 parameters) and limits up to 10mb are not
reported, nor are options the rule cannot read (a variable, a spread), or development and test
files.

## Why is this bad?
A parser buffers and parses the whole body before your handler runs. With a limit of gigabytes
(or none), a handful of clients sending large bodies exhausts the server's memory and CPU, and
JSON or form parsing of a large body blocks the event loop for every other request. Multer
without `limits` writes uploads of any size and number to disk or memory.

## Example
```javascript
app.use(express.json({ limit: "500mb" }));
app.use(bodyParser.urlencoded({ extended: true, parameterLimit: 1000000 }));
const upload = multer({ dest: "uploads/" });
```

## Use instead
```javascript
app.use(express.json());                        // 100kb
app.use("/import", express.json({ limit: "5mb" }));
app.use(bodyParser.urlencoded({ extended: true }));
const upload = multer({ dest: "uploads/", limits: { fileSize: 5 * 1024 * 1024, files: 1 } });
```

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Express: `express.json` options](https://expressjs.com/en/4x/api.html#express.json)
- [body-parser](https://github.com/expressjs/body-parser#limit)
- [multer: limits](https://github.com/expressjs/multer#limits)
"#;

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn sizes_read_like_the_bytes_package() {
        assert_eq!(parse_bytes("100kb"), Some(102_400.0));
        assert_eq!(parse_bytes("50 MB"), Some(50.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1048576"), Some(1_048_576.0));
        assert_eq!(parse_bytes("1.5gb"), Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("lots"), None);
    }
}
