//! SEC701 assert-for-access-control: `assert` used to enforce authentication or authorisation.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{ancestors, named_children};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC701",
    name: "assert-for-access-control",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[617, 285],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "An `assert` enforces an access check, and `python -O` removes asserts; raise an error (or return 401/403) instead.",
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

/// Names in an assert's condition that make it an access check.
const ACCESS_NAMES: &[&str] = &[
    "is_authenticated",
    "is_anonymous",
    "is_admin",
    "is_staff",
    "is_superuser",
    "has_perm",
    "has_perms",
    "has_permission",
    "has_object_permission",
    "has_role",
    "is_owner",
    "current_user",
    "check_password",
    "authorized",
    "authorised",
    "is_authorized",
    "logged_in",
    "is_logged_in",
    "permissions",
];

/// The access check an assert's condition makes, if any: a name from `ACCESS_NAMES`, or an
/// ownership or role comparison involving a user (`obj.owner == request.user`).
fn access_check(condition: &str) -> Option<&str> {
    let tokens: Vec<&str> = condition
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(t) = tokens.iter().find(|t| ACCESS_NAMES.contains(t)) {
        return Some(t);
    }
    let has = |w: &str| tokens.contains(&w);
    if has("user") || has("user_id") {
        for w in ["owner", "owner_id", "role", "roles", "author", "created_by"] {
            if has(w) {
                return Some(w);
            }
        }
    }
    None
}

/// Test code asserts on purpose.
fn in_tests(checker: &Checker, node: Node) -> bool {
    if super::imports_any(checker, &["pytest", "unittest"]) {
        return true;
    }
    ancestors(checker.item, node).iter().any(|a| {
        matches!(a.kind_str(), "function_definition" | "class_definition")
            && a.field("name").is_some_and(|n| {
                let name = checker.text(n);
                name.starts_with("test") || name.starts_with("Test")
            })
    })
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(stmt) = caps.get("assert") else {
        return;
    };
    let Some(condition) = named_children(stmt).into_iter().next() else {
        return;
    };
    let text = checker.text(condition);
    let Some(word) = access_check(text) else {
        return;
    };
    // `assert isinstance(user, User)` checks a type, not a permission.
    if text.starts_with("isinstance(") {
        return;
    }
    if in_tests(checker, stmt) {
        return;
    }
    checker.report(stmt, format!(
        "this `assert` enforces an access check (`{word}`), and Python drops asserts under `-O`/`PYTHONOPTIMIZE`; raise `PermissionDenied` (or return 403) instead"
    ));
}

const DOCS: &str = r#"## What it does
Flags `assert` statements whose condition is an authentication or authorisation check
(`request.user.is_authenticated`, `user.is_admin`, `has_perm(...)`, ownership checks) outside
test code.

## Why is this bad?
`python -O` and `PYTHONOPTIMIZE=1`, common in container images, remove every `assert`. The
check silently disappears and every user passes it. Even when asserts run, the failure is a 500
error, not a 403.

## Example
```python
def delete_project(request, pk):
    project = Project.objects.get(pk=pk)
    assert project.owner == request.user
    project.delete()
```

## Use instead
```python
def delete_project(request, pk):
    project = Project.objects.get(pk=pk)
    if project.owner != request.user:
        raise PermissionDenied
    project.delete()
```

## References
- [CWE-617: Reachable Assertion](https://cwe.mitre.org/data/definitions/617.html)
- [CWE-285: Improper Authorization](https://cwe.mitre.org/data/definitions/285.html)
- [OWASP A01:2021 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
- [Python: the `assert` statement and `-O`](https://docs.python.org/3/reference/simple_stmts.html#the-assert-statement)
"#;
