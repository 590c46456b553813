//! SEC702 swallowed-security-exception: `try`/`except: pass` around a security check.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, walk_scope};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC702",
    name: "swallowed-security-exception",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[390, 703],
    owasp: Some("A07:2021 Identification and Authentication Failures"),
    summary: "A failed security check is caught and ignored (`except: pass`), so the code goes on as if it passed; deny the request in the `except` block.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/statements.scm",
        query: include_str!("../../../../queries/python/statements.scm"),
        run: check,
    }],
};

/// Callee name fragments of security checks that signal failure by raising.
const CHECKS: &[&str] = &[
    "verify",
    "validate_token",
    "check_password",
    "authenticate",
    "compare_digest",
    "has_perm",
    "check_permission",
    "check_object_permissions",
    "check_permissions",
    "csrf",
    "verify_signature",
    "check_signature",
    "validate_signature",
    "unsign",
    "jwt.decode",
    "decode_token",
    "construct_event",
    "verify_oauth2_token",
    "loads_signed",
];

/// An except body that ignores the error: only `pass`, `...` or `continue`.
fn ignores(clause: Node, checker: &Checker) -> bool {
    let Some(body) = named_children(clause)
        .into_iter()
        .find(|c| c.kind_str() == "block")
    else {
        return false;
    };
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|s| s.kind_str() != "comment")
        .collect();
    !statements.is_empty()
        && statements.iter().all(|s| {
            matches!(s.kind_str(), "pass_statement" | "continue_statement")
                || (s.kind_str() == "expression_statement" && checker.text(*s) == "...")
        })
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(stmt) = caps.get("try") else {
        return;
    };
    let Some(body) = stmt.field("body") else {
        return;
    };
    let mut found: Option<Node> = None;
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            if found.is_none() && n.kind_str() == "call" {
                let callee = n
                    .field("function")
                    .map(|f| checker.text(f).to_ascii_lowercase())
                    .unwrap_or_default();
                if CHECKS.iter().any(|c| callee.contains(c)) {
                    found = Some(n);
                }
            }
        },
    );
    let Some(call) = found else {
        return;
    };
    // `try: return verify(x)` / `except: pass` falls through to code after the `try`, which
    // is the failure path (usually a safe default).
    let mut returns = false;
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| returns |= n.kind_str() == "return_statement",
    );
    if returns {
        return;
    }
    for clause in named_children(stmt)
        .into_iter()
        .filter(|c| c.kind_str() == "except_clause")
    {
        if ignores(clause, checker) {
            let callee = call
                .field("function")
                .map(|f| super::callee(checker.text(f)))
                .unwrap_or_default();
            checker.report(clause, format!(
                "this `except` ignores a failure of `{callee}`, so execution continues as if the check passed; reject the request (raise, or return 401/403) here"
            ));
            return;
        }
    }
}

const DOCS: &str = r#"## What it does
Flags `try` blocks that run a security check which reports failure by raising
(`jwt.decode`, `verify`, `check_password`, signature checks such as
`stripe.Webhook.construct_event` or `signer.unsign`, permission checks) when an `except`
clause only `pass`es or `continue`s.

## Why is this bad?
The exception *is* the verdict. Swallowing it turns "invalid signature" into "carry on": forged
tokens, tampered webhooks and unauthorised users are treated as valid.

## Example
```python
try:
    claims = jwt.decode(token, key, algorithms=["HS256"])
except jwt.InvalidTokenError:
    pass
process(request.json)
```

## Use instead
```python
try:
    claims = jwt.decode(token, key, algorithms=["HS256"])
except jwt.InvalidTokenError:
    return {"error": "invalid token"}, 401
process(request.json)
```

## References
- [CWE-390: Detection of Error Condition Without Action](https://cwe.mitre.org/data/definitions/390.html)
- [CWE-703: Improper Check or Handling of Exceptional Conditions](https://cwe.mitre.org/data/definitions/703.html)
- [OWASP A07:2021 Identification and Authentication Failures](https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/)
"#;
