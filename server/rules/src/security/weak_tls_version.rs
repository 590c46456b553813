//! SEC605 weak-tls-version: SSLv2/SSLv3/TLS 1.0/TLS 1.1 protocol selections and `ssl.wrap_socket`.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC605",
    name: "weak-tls-version",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[326, 757],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A legacy protocol version (SSLv2, SSLv3, TLS 1.0 or 1.1) is allowed or selected; use `ssl.create_default_context()` and `minimum_version = ssl.TLSVersion.TLSv1_2`.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/weak-tls-constants.scm",
            query: include_str!("../../../../queries/python/weak-tls-constants.scm"),
            run: check_constant,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_assignment,
        },
    ],
};

/// Legacy protocol constants by qualified name, with the protocol they select.
const WEAK_CONSTANTS: &[(&str, &str)] = &[
    ("ssl.PROTOCOL_SSLv2", "SSLv2"),
    ("ssl.PROTOCOL_SSLv3", "SSLv3"),
    ("ssl.PROTOCOL_TLSv1", "TLS 1.0"),
    ("ssl.PROTOCOL_TLSv1_1", "TLS 1.1"),
    ("OpenSSL.SSL.SSLv2_METHOD", "SSLv2"),
    ("OpenSSL.SSL.SSLv3_METHOD", "SSLv3"),
    ("OpenSSL.SSL.TLSv1_METHOD", "TLS 1.0"),
    ("OpenSSL.SSL.TLSv1_1_METHOD", "TLS 1.1"),
];

const WEAK_VERSIONS: &[(&str, &str)] = &[
    ("ssl.TLSVersion.SSLv3", "SSLv3"),
    ("ssl.TLSVersion.TLSv1", "TLS 1.0"),
    ("ssl.TLSVersion.TLSv1_1", "TLS 1.1"),
];

const WRAP_SOCKET: &[&str] = &["ssl.wrap_socket"];

fn check_constant<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(constant) = caps.get("constant") else {
        return;
    };
    if constant.kind_str() == "identifier" && !is_reference(constant) {
        return;
    }
    let Some(name) = checker.resolve(constant) else {
        return;
    };
    let Some((_, protocol)) = WEAK_CONSTANTS.iter().find(|(q, _)| *q == name) else {
        return;
    };
    let text = checker.text(constant).to_owned();
    let instead = if name.starts_with("OpenSSL.") {
        "`SSL.TLS_METHOD` (or `TLS_CLIENT_METHOD`) with `set_min_proto_version(SSL.TLS1_2_VERSION)`"
    } else {
        "`ssl.PROTOCOL_TLS_CLIENT` (or `ssl.create_default_context()`)"
    };
    let why = weakness(protocol);
    checker.report(
        constant,
        format!("`{text}` selects {protocol}, {why}; use {instead}"),
    );
}

/// Why a protocol version is weak, for messages.
fn weakness(protocol: &str) -> &'static str {
    match protocol {
        "SSLv2" | "SSLv3" => "which is broken (DROWN, POODLE) and refused by current peers",
        _ => "which is deprecated by RFC 8996 (BEAST, CBC and SHA-1 suites) and refused by current browsers",
    }
}

/// Whether a bare identifier is a use of the name, not part of an attribute (`x.PROTOCOL_TLSv1`
/// is matched as the attribute), an import, or a keyword argument's name.
fn is_reference(ident: Node) -> bool {
    let Some(parent) = ident.parent() else {
        return true;
    };
    match parent.kind_str() {
        "dotted_name" | "aliased_import" | "import_from_statement" => false,
        "attribute" => parent.field("attribute") != Some(ident),
        "keyword_argument" => parent.field("name") != Some(ident),
        _ => true,
    }
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(func) = caps.get("func") else {
        return;
    };
    if checker.resolve_callee(func, WRAP_SOCKET).is_none() {
        return;
    }
    let short = checker.text(func).to_owned();
    checker.report(func, format!(
        "`{short}` is deprecated (removed in Python 3.12): it checks neither the certificate nor the host name by default and may allow legacy protocols; use `ssl.create_default_context().wrap_socket(sock, server_hostname=host)`"
    ));
}

fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value), Some(assignment)) = (
        caps.get("target"),
        caps.get("value"),
        caps.get("assignment"),
    ) else {
        return;
    };
    if target.kind_str() != "attribute" {
        return;
    }
    let Some(attr) = target.field("attribute") else {
        return;
    };
    let which = checker.text(attr);
    if which != "minimum_version" && which != "maximum_version" {
        return;
    }
    let Some(version) = checker.resolve(value) else {
        return;
    };
    let Some((_, protocol)) = WEAK_VERSIONS.iter().find(|(q, _)| *q == version) else {
        return;
    };
    let target_text = checker.text(target).to_owned();
    let value_text = checker.text(value).to_owned();
    let what = if which == "minimum_version" {
        "allows"
    } else {
        "limits connections to"
    };
    // `minimum_version = ssl.TLSVersion.TLSv1` → `TLSv1_2` (unsafe: clients that only speak
    // the old versions are refused, which is the point).
    let fix = (which == "minimum_version" && value.kind_str() == "attribute")
        .then(|| value.field("attribute"))
        .flatten();
    let finding = checker.report(assignment, format!(
        "`{target_text} = {value_text}` {what} {protocol}, {}; use `ssl.TLSVersion.TLSv1_2` or later",
        weakness(protocol)
    ));
    if let Some(attr) = fix {
        finding.with_fix(
            "Require TLS 1.2 or later",
            Applicability::Unsafe,
            vec![Edit {
                range: attr.byte_range(),
                content: "TLSv1_2".to_owned(),
            }],
        );
    }
}

const DOCS: &str = r#"## What it does
Flags legacy protocol versions: the `ssl.PROTOCOL_SSLv2`, `PROTOCOL_SSLv3`, `PROTOCOL_TLSv1` and
`PROTOCOL_TLSv1_1` constants wherever they are used (`ssl.SSLContext(ssl.PROTOCOL_TLSv1)`,
`ssl_version=...`); `ctx.minimum_version` / `maximum_version` set to `ssl.TLSVersion.SSLv3`,
`TLSv1` or `TLSv1_1`; pyOpenSSL's `SSL.SSLv2_METHOD`, `SSLv3_METHOD`, `TLSv1_METHOD` and
`TLSv1_1_METHOD`; and the deprecated `ssl.wrap_socket(...)`.

`PROTOCOL_SSLv23` / `SSLv23_METHOD` are not reported: despite the name they negotiate the best
version both sides support (they are aliases of `PROTOCOL_TLS` / `TLS_METHOD`).

## Why is this bad?
SSLv3 (POODLE) and TLS 1.0 (BEAST, weak CBC and RC4 suites) are broken; TLS 1.0 and 1.1 were
deprecated by RFC 8996 and are refused by current browsers and PCI DSS. Pinning a client or
server to them forces the weakest cipher suites or fails outright. `ssl.wrap_socket` creates
a context that verifies neither the certificate nor the host name and was removed in
Python 3.12.

## Example
```python
import ssl

context = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
context.minimum_version = ssl.TLSVersion.TLSv1
```

## Use instead
```python
import ssl

context = ssl.create_default_context()
context.minimum_version = ssl.TLSVersion.TLSv1_2
```

## References
- [CWE-326: Inadequate Encryption Strength](https://cwe.mitre.org/data/definitions/326.html)
- [CWE-757: Selection of Less-Secure Algorithm During Negotiation](https://cwe.mitre.org/data/definitions/757.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [RFC 8996: Deprecating TLS 1.0 and TLS 1.1](https://www.rfc-editor.org/rfc/rfc8996)
- [Python `ssl.SSLContext.minimum_version`](https://docs.python.org/3/library/ssl.html#ssl.SSLContext.minimum_version)
"#;
