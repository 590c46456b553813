//! SEC504 timing-unsafe-comparison: secrets compared with `==` / `!=`.

use tree_sitter::Node;

use super::secret_names::{in_test_code, is_secret_compare_name, operand_name};
use crate::analysis::{ancestors, named_children};
use crate::rules::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use crate::syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC504",
    name: "timing-unsafe-comparison",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[208],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A secret (token, signature, MAC, API key…) is compared with `==`/`!=`, whose timing leaks how much matched; use `hmac.compare_digest`.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/comparisons.scm",
        query: include_str!("../../../../queries/python/comparisons.scm"),
        run: check,
    }],
};

fn is_literal(node: Node) -> bool {
    matches!(
        node.kind(),
        "string" | "concatenated_string" | "integer" | "float" | "none" | "true" | "false"
    ) || (node.kind() == "unary_operator"
        && node
            .child_by_field_name("argument")
            .is_some_and(|a| matches!(a.kind(), "integer" | "float")))
}

/// `ApiKey.token == token` builds a SQL expression (SQLAlchemy columns are class attributes).
fn is_class_attribute(checker: &Checker, node: Node) -> bool {
    node.kind() == "attribute"
        && node
            .child_by_field_name("object")
            .filter(|o| o.kind() == "identifier")
            .is_some_and(|o| {
                let name = checker.text(o);
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().any(|c| c.is_ascii_lowercase())
            })
}

/// Where the comparison is not a run-time comparison of two secrets: an ORM filter argument
/// (`.filter(Token.value == token)`, `.where(...)`), an `assert` (tests).
fn in_expression_context(checker: &Checker, cmp: Node) -> bool {
    let chain = ancestors(checker.item, cmp);
    for a in chain.iter().rev() {
        match a.kind() {
            "boolean_operator" | "parenthesized_expression" | "not_operator" => continue,
            "argument_list" | "assert_statement" => return true,
            _ => return false,
        }
    }
    false
}

/// How this file can call `compare_digest`, if it imports it.
fn compare_digest_callee(checker: &Checker) -> Option<String> {
    let imports = &checker.semantic.imports;
    for (local, qualified) in imports {
        if qualified == "hmac.compare_digest" || qualified == "secrets.compare_digest" {
            return Some(local.clone());
        }
    }
    for module in ["hmac", "secrets"] {
        if imports.get(module).map(String::as_str) == Some(module) {
            return Some(format!("{module}.compare_digest"));
        }
    }
    None
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(cmp) = caps.get("comparison") else {
        return;
    };
    let operands = named_children(cmp);
    let mut c = cmp.walk();
    let operators: Vec<Node> = cmp.children_by_field_name("operators", &mut c).collect();
    if operands.len() != 2 || operators.len() != 1 {
        return;
    }
    let negated = match operators[0].kind() {
        "==" => false,
        "!=" => true,
        _ => return,
    };
    let (a, b) = (operands[0], operands[1]);
    if is_literal(a) || is_literal(b) {
        return;
    }
    let names = [operand_name(checker, a), operand_name(checker, b)];
    let Some(secret) = names
        .iter()
        .flatten()
        .find(|n| is_secret_compare_name(n))
        .cloned()
    else {
        return;
    };
    if is_class_attribute(checker, a)
        || is_class_attribute(checker, b)
        || in_expression_context(checker, cmp)
        || in_test_code(checker, cmp)
    {
        return;
    }
    let (ta, tb) = (checker.text(a), checker.text(b));
    let op = if negated { "!=" } else { "==" };
    let callee = compare_digest_callee(checker);
    let suggestion = format!(
        "{}{}({ta}, {tb})",
        if negated { "not " } else { "" },
        callee.as_deref().unwrap_or("hmac.compare_digest")
    );
    let message = format!(
        "`{}` is compared with `{op}`, which stops at the first differing byte and so leaks through timing how much of the {} matched; use `{}`",
        super::callee(&format!("{ta} {op} {tb}")),
        describe(&secret),
        super::callee(&suggestion),
    );
    let finding = checker.report(cmp, message);
    if callee.is_some() {
        finding.with_fix(
            "Compare with `compare_digest`",
            Applicability::Unsafe,
            vec![Edit {
                range: cmp.byte_range(),
                content: suggestion,
            }],
        );
    }
}

/// "signature", "token", … for the message.
fn describe(name: &str) -> String {
    let words = super::secret_names::words(name);
    match words.last().map(String::as_str) {
        Some("sig" | "signature") => "signature".to_owned(),
        Some("digest" | "hexdigest" | "hmac" | "mac") => "MAC".to_owned(),
        Some("key") => "key".to_owned(),
        Some("hash") => "hash".to_owned(),
        Some("otp" | "totp") => "one-time code".to_owned(),
        Some("csrf" | "xsrf") => "CSRF token".to_owned(),
        Some("nonce") => "nonce".to_owned(),
        Some("secret") => "secret".to_owned(),
        _ => "token".to_owned(),
    }
}

const DOCS: &str = r#"## What it does
Flags `==` and `!=` between two non-literal values when one of them holds a secret: its name (a
variable, attribute, dictionary key, `.get("…")` key or header name, or the function that
computed it) ends in `token`, `secret`, `signature`, `sig`, `digest`/`hexdigest`, `hmac`,
`mac`, `otp`, `csrf`, `nonce`, `api_key` (and other credential keys) or `password_hash`.

Not reported: comparisons with literals or `None` (`token is None`, `token == ""`,
`token_type == "bearer"`), names whose last word is something else (`token_count`,
`signature_version`, `len(token) == 32`), `hmac.compare_digest` / `secrets.compare_digest`,
SQL expressions (`.filter(ApiKey.token == token)`, `Token.value == value`), `assert`s, and test
modules.

## Why is this bad?
String and bytes equality returns at the first byte that differs. By timing many requests an
attacker learns how long a prefix of a guessed signature, token or API key was right, and
recovers it byte by byte instead of guessing it whole. The difference is tiny, but it has been
measured over networks.

## Example
```python
@app.post("/webhooks/github")
def github_webhook():
    expected = "sha256=" + hmac.new(SECRET, request.data, hashlib.sha256).hexdigest()
    if request.headers.get("X-Hub-Signature-256") != expected:
        abort(401)
```

## Use instead
```python
@app.post("/webhooks/github")
def github_webhook():
    expected = "sha256=" + hmac.new(SECRET, request.data, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
        abort(401)
```

## Fix
When `hmac` or `secrets` (or `compare_digest` from either) is imported, an unsafe fix rewrites
`a == b` to `hmac.compare_digest(a, b)` and `a != b` to `not hmac.compare_digest(a, b)`. It is
unsafe because `compare_digest` raises `TypeError` on `None`, on a `str`/`bytes` mix and on
non-ASCII `str`, where `==` returned `False`.

## References
- [CWE-208: Observable Timing Discrepancy](https://cwe.mitre.org/data/definitions/208.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [Python `hmac.compare_digest`](https://docs.python.org/3/library/hmac.html#hmac.compare_digest)
- [Python `secrets.compare_digest`](https://docs.python.org/3/library/secrets.html#secrets.compare_digest)
"#;
