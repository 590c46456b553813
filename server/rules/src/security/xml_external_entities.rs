//! SEC203 xml-external-entities: XML parsers that expand entities, on data from outside.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{ancestors, named_children, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC203",
    name: "xml-external-entities",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[611, 776],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "Untrusted XML is parsed by a parser that expands entities; use `defusedxml` (or an lxml parser with `resolve_entities=False, no_network=True`); in Node, drop libxmljs's `noent: true`.",
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
        // `sink = "xml"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Xml as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Xml as u8 }>,
        },
    ],
};

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // The parse functions are `sink = "xml"` rows with `reported-by = "rule"` (stdlib.toml,
    // sinks.toml); what makes one unsafe depends on the library, below.
    // `parser.setFeature(feature_external_ges, True)`: a SAX parser told to read external
    // entities (off by default since Python 3.7.1).
    if func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "setFeature")
    {
        let args = checker.arguments(args_node);
        let (Some(feature), Some(on)) = (args.positional.first(), args.positional.get(1)) else {
            return;
        };
        let feature_text = checker.text(*feature);
        let external = feature_text.ends_with("feature_external_ges")
            || feature_text.ends_with("feature_external_pes")
            || feature_text.contains("external-general-entities")
            || feature_text.contains("external-parameter-entities");
        if external && matches!(checker.text(*on), "True" | "1") {
            checker
                .report(
                    func,
                    "this SAX parser is told to read external entities (`setFeature(feature_external_ges, True)`), so a document can make it read local files and fetch URLs; leave the feature off (the default) or parse with `defusedxml.sax`",
                )
                .with_fix(
                    "Turn the feature off",
                    Applicability::Unsafe,
                    vec![Edit {
                        range: on.byte_range(),
                        content: "False".to_owned(),
                    }],
                );
        }
        return;
    }
    let Some(name) = super::rule_sink(checker, func, Sink::Xml)
        .map(|(name, _)| name)
        .or_else(|| checker.resolve_callee(func, &["lxml.etree.XMLParser"]))
    else {
        return;
    };
    let args = checker.arguments(args_node);
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
    // lxml's default parser resolves entities; the standard library's expand them (billion
    // laughs), which matters for request data.
    if name.starts_with("lxml.") {
        // A parser built with `resolve_entities=False` is the safe idiom.
        if args.positional.len() > 1 || args.keyword("parser", src).is_some() {
            let parser = args
                .keyword("parser", src)
                .or(args.positional.get(1).copied());
            // The parser inline, or the one a local name holds (`parser =
            // etree.XMLParser(resolve_entities=True)` a line above).
            let parser_text = |p: tree_sitter::Node<'a>| match p.kind_str() {
                "identifier" => match checker.lookup(p) {
                    ba_analysis::Lookup::Local(bindings) => match bindings.as_slice() {
                        [ba_analysis::Binding::Value(v)] => checker.text(*v),
                        _ => checker.text(p),
                    },
                    _ => checker.text(p),
                },
                _ => checker.text(p),
            };
            if parser.is_some_and(|p| !parser_text(p).contains("resolve_entities=True")) {
                return;
            }
        }
        checker
            .report(func, format!("lxml `{short}` parses {from} with entity expansion on; use `defusedxml.lxml` or a parser with `resolve_entities=False, no_network=True`"))
            .with_taint(&taint);
    } else if taint.user {
        checker
            .report(func, format!("`{short}` parses {from} with the standard library parser, which is open to entity-expansion attacks; use `defusedxml` (`defusedxml.ElementTree.{short}`)"))
            .with_taint(&taint);
    }
}

/// The `noent: true` property of an options object (a literal, or a local bound to one).
fn noent_true<'a>(checker: &Checker<'a>, options: Node<'a>) -> Option<Node<'a>> {
    super::js_option(checker, options, "noent")
        .filter(|v| v.kind_str() == "true")
        .and_then(|v| ancestors(checker.item, v).pop())
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // libxmljs parse functions (data first, options second): `sink = "xml"` rows with
    // `reported-by = "rule"` (sinks.toml); only `noent: true` makes them expand entities.
    if super::rule_sink(checker, func, Sink::Xml).is_none() {
        return;
    }
    let args: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let (Some(data), Some(options)) = (args.first().copied(), args.get(1).copied()) else {
        return;
    };
    let Some(noent) = noent_true(checker, options) else {
        return;
    };
    if checker.is_constant(data, Sink::Xml) {
        return;
    }
    let short = super::callee(checker.text(func));
    let from = checker
        .taint(data, Sink::Xml)
        .map(|t| checker.describe(&t))
        .unwrap_or_else(|| format!("`{}`", super::callee(checker.text(data))));
    let taint = checker.taint(data, Sink::Xml);
    let finding = checker.report(func, format!(
        "`{short}` parses {from} with `noent: true`, which expands external entities (`<!ENTITY x SYSTEM \"file:///etc/passwd\">`): remove `noent` (libxmljs then leaves entities unexpanded)"
    ));
    if let Some(t) = &taint {
        finding.with_taint(t);
    }
    if let Some(value) = noent.field("value") {
        finding.with_fix(
            "Set `noent: false`",
            Applicability::Unsafe,
            vec![Edit {
                range: value.byte_range(),
                content: "false".to_owned(),
            }],
        );
    }
}

const DOCS: &str = r#"## What it does
Flags XML parsing of data from outside the code (request data or a function parameter) with
lxml's default parser or with the standard library's `xml.etree`, `minidom`, `pulldom`, `sax`
and `xmlrpc`; lxml `XMLParser(resolve_entities=True)` or `no_network=False` (and the parse
call given such a parser, inline or through a local name); and a SAX parser
given `setFeature(feature_external_ges, True)` (or `feature_external_pes`), which makes it read
external entities whatever the document is.

In Node: `libxmljs` / `libxmljs2` `parseXml`, `parseXmlString` and `Document.fromXml` with
`noent: true` on data that is not a constant. Without `noent` libxmljs does not expand
entities; `xml2js`, `fast-xml-parser` and `@xmldom/xmldom` do not resolve external entities
and are not reported.

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
```javascript
const libxmljs = require("libxmljs");

app.post("/import", express.text({ type: "application/xml" }), (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: true });
  res.json({ items: doc.root().childNodes().length });
});
```

## Use instead
```python
from defusedxml.lxml import fromstring

@app.post("/import")
def import_feed():
    doc = fromstring(request.data)
    return {"items": len(doc)}
```
```javascript
app.post("/import", express.text({ type: "application/xml" }), (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: false, nonet: true });
  res.json({ items: doc.root().childNodes().length });
});
```

## Fix
For libxmljs, an unsafe fix sets `noent: false`: documents that rely on entities defined in
their DTD will parse differently.

## References
- [CWE-611: Improper Restriction of XML External Entity Reference](https://cwe.mitre.org/data/definitions/611.html)
- [CWE-776: XML Entity Expansion](https://cwe.mitre.org/data/definitions/776.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Python XML vulnerabilities and `defusedxml`](https://docs.python.org/3/library/xml.html#xml-vulnerabilities)
- [OWASP XXE Prevention Cheat Sheet (libxmljs)](https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html)
"#;
