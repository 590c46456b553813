//! SEC203 xml-external-entities: XML parsers that expand entities, on data from outside.

use crate::analysis::{Arguments, Sink};
use crate::rules::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use crate::syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC203",
    name: "xml-external-entities",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[611, 776],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "Untrusted XML is parsed by a parser that expands entities; use `defusedxml` (or an lxml parser with `resolve_entities=False, no_network=True`).",
    docs: DOCS,
    fix: FixAvailability::None,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

const LXML_PARSE: &[&str] = &[
    "lxml.etree.fromstring",
    "lxml.etree.parse",
    "lxml.etree.XML",
    "lxml.etree.iterparse",
    "lxml.objectify.fromstring",
    "lxml.objectify.parse",
];

const STDLIB_PARSE: &[&str] = &[
    "xml.etree.ElementTree.fromstring",
    "xml.etree.ElementTree.parse",
    "xml.etree.ElementTree.XML",
    "xml.etree.ElementTree.iterparse",
    "xml.etree.cElementTree.fromstring",
    "xml.etree.cElementTree.parse",
    "xml.dom.minidom.parseString",
    "xml.dom.minidom.parse",
    "xml.dom.pulldom.parseString",
    "xml.dom.pulldom.parse",
    "xml.sax.parseString",
    "xml.sax.parse",
    "xmlrpc.client.loads",
];

const ALL: &[&str] = &[
    "lxml.etree.fromstring",
    "lxml.etree.parse",
    "lxml.etree.XML",
    "lxml.etree.iterparse",
    "lxml.objectify.fromstring",
    "lxml.objectify.parse",
    "lxml.etree.XMLParser",
    "xml.etree.ElementTree.fromstring",
    "xml.etree.ElementTree.parse",
    "xml.etree.ElementTree.XML",
    "xml.etree.ElementTree.iterparse",
    "xml.etree.cElementTree.fromstring",
    "xml.etree.cElementTree.parse",
    "xml.dom.minidom.parseString",
    "xml.dom.minidom.parse",
    "xml.dom.pulldom.parseString",
    "xml.dom.pulldom.parse",
    "xml.sax.parseString",
    "xml.sax.parse",
    "xmlrpc.client.loads",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, ALL) else {
        return;
    };
    let args = Arguments::of(args_node);
    let src = checker.source;
    if name == "lxml.etree.XMLParser" {
        if args
            .keyword("resolve_entities", src)
            .is_some_and(|v| checker.text(v) == "True")
            || args
                .keyword("no_network", src)
                .is_some_and(|v| checker.text(v) == "False")
        {
            checker.report(func, "this lxml `XMLParser` resolves external entities; pass `resolve_entities=False, no_network=True` (or use `defusedxml.lxml`)");
        }
        return;
    }
    let Some(data) = args.positional.first().copied() else {
        return;
    };
    let Some(taint) = checker.taint(data, Sink::Xml) else {
        return;
    };
    let from = checker.describe(&taint);
    let short = name.rsplit('.').next().unwrap_or(&name);
    if LXML_PARSE.contains(&name.as_str()) {
        // A parser built with `resolve_entities=False` is the safe idiom.
        if args.positional.len() > 1 || args.keyword("parser", src).is_some() {
            let parser = args
                .keyword("parser", src)
                .or(args.positional.get(1).copied());
            if parser.is_some_and(|p| !checker.text(p).contains("resolve_entities=True")) {
                return;
            }
        }
        checker
            .report(func, format!("lxml `{short}` parses {from} with entity expansion on; use `defusedxml.lxml` or a parser with `resolve_entities=False, no_network=True`"))
            .with_taint(&taint);
    } else if STDLIB_PARSE.contains(&name.as_str()) && taint.user {
        checker
            .report(func, format!("`{short}` parses {from} with the standard library parser, which is open to entity-expansion attacks; use `defusedxml` (`defusedxml.ElementTree.{short}`)"))
            .with_taint(&taint);
    }
}

const DOCS: &str = r#"## What it does
Flags XML parsing of data from outside the code (request data or a function parameter) with
lxml's default parser or with the standard library's `xml.etree`, `minidom`, `pulldom`, `sax`
and `xmlrpc`; and lxml `XMLParser(resolve_entities=True)` or `no_network=False`.

## Why is this bad?
External entities (`<!ENTITY x SYSTEM "file:///etc/passwd">`) make the parser read local files
or fetch URLs from inside your network (XXE, CWE-611); nested entities ("billion laughs")
exhaust memory (CWE-776). `defusedxml` refuses both.

## Example
```python
from lxml import etree

@app.post("/import")
def import_feed():
    doc = etree.fromstring(request.data)
    return {"items": len(doc)}
```

## Use instead
```python
from defusedxml.lxml import fromstring

@app.post("/import")
def import_feed():
    doc = fromstring(request.data)
    return {"items": len(doc)}
```

## References
- [CWE-611: Improper Restriction of XML External Entity Reference](https://cwe.mitre.org/data/definitions/611.html)
- [CWE-776: XML Entity Expansion](https://cwe.mitre.org/data/definitions/776.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Python XML vulnerabilities and `defusedxml`](https://docs.python.org/3/library/xml.html#xml-vulnerabilities)
"#;
