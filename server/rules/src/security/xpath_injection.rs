//! SEC106 xpath-injection: XPath expressions built from request data.

use super::{imports_any, method_name};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::Sink;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC106",
    name: "xpath-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[643],
    owasp: Some("A03:2021 Injection"),
    summary: "An XPath expression is built from request data; use XPath variables (`tree.xpath(\"//user[@name=$name]\", name=value)`).",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    },
        // `sink = "xpath"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Xpath as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Xpath as u8 }>,
        },
    ],
};

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let is_sink = match method_name(checker, func) {
        Some("xpath" | "XPath" | "evaluate") => {
            imports_any(checker, &["lxml", "elementpath", "xml"])
        }
        Some("find" | "findall" | "findtext" | "iterfind") => {
            imports_any(checker, &["lxml", "xml.etree", "defusedxml"])
        }
        // `sink = "xpath"` rows with `reported-by = "rule"` (sinks.toml): lxml's `XPath`.
        _ => super::rule_sink(checker, func, Sink::Xpath).is_some(),
    };
    if !is_sink {
        return;
    }
    let Some(expr) = checker.arguments(args).get(0, "path", checker.source) else {
        return;
    };
    let Some(taint) = checker.taint(expr, Sink::Xpath).filter(|t| t.user) else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(
            expr,
            format!("XPath expression built from {from}; pass the value as an XPath variable (`$name`) instead of splicing it in"),
        )
        .with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags lxml `xpath()`/`XPath()` and ElementTree `find`/`findall` calls whose expression is
built from request data.

## Why is this bad?
A value like `' or '1'='1` changes the meaning of `//user[@name='{name}']` and returns every
node: attackers bypass XML-backed logins or read documents they should not.

## Example
```python
@app.get("/user")
def user():
    name = request.args["name"]
    return tree.xpath(f"//user[@name='{name}']/email/text()")
```

## Use instead
```python
@app.get("/user")
def user():
    return tree.xpath("//user[@name=$name]/email/text()", name=request.args["name"])
```

## References
- [CWE-643: XPath Injection](https://cwe.mitre.org/data/definitions/643.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [lxml: XPath variables](https://lxml.de/xpathxslt.html#the-xpath-method)
"#;
