//! SEC402 allowed-hosts-wildcard: Django accepts any `Host` header.

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::named_children;
use ba_syntax::Family;
use ba_syntax::NodeExt;

use super::settings;

pub static RULE: Rule = Rule {
    code: "SEC402",
    name: "allowed-hosts-wildcard",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[20, 644],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "`ALLOWED_HOSTS` accepts any `Host` header; list the host names the site serves.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check,
        },
        Check {
            family: Family::Python,
            query_path: "python/augmented-assignments.scm",
            query: include_str!("../../../../queries/python/augmented-assignments.scm"),
            run: check,
        },
    ],
};

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(setting) = settings::assigned(checker, caps, &["ALLOWED_HOSTS"]) else {
        return;
    };
    let value = setting.value;
    let elements = match value.kind_str() {
        "list" | "tuple" | "set" => named_children(value),
        _ => vec![value],
    };
    let Some(star) = elements
        .into_iter()
        .find(|e| checker.string_value(*e) == Some("*"))
    else {
        return;
    };
    // `ALLOWED_HOSTS = ["*"]` → the hosts listed in the environment (unsafe: until it is set,
    // Django answers no host at all).
    let only_star =
        matches!(value.kind_str(), "list" | "tuple") && named_children(value).len() == 1;
    let fix = only_star
        .then(|| crate::imports::python_needs_import(checker, "os"))
        .flatten();
    let finding = checker.report(
        star,
        "`ALLOWED_HOSTS` contains `\"*\"`, so Django accepts any `Host` header and builds absolute URLs (password-reset links, redirects) from it; list the host names the site serves, e.g. from the environment",
    );
    if let Some(needs_os) = fix {
        finding.with_fix(
            "Allow only the hosts listed in `ALLOWED_HOSTS` in the environment",
            Applicability::Unsafe,
            vec![Edit {
                range: value.byte_range(),
                content: "[h for h in os.environ.get(\"ALLOWED_HOSTS\", \"\").split(\",\") if h]"
                    .to_owned(),
            }],
        );
        if needs_os {
            finding.with_import("os");
        }
    }
}

const DOCS: &str = r#"## What it does
Flags a Django `ALLOWED_HOSTS` that contains `"*"`: `ALLOWED_HOSTS = ["*"]`, a tuple or a bare
`"*"`, and `ALLOWED_HOSTS += ["*"]`. Explicit host names, lists read from the environment, and
development or test settings (`settings/dev.py`, `local_settings.py`, `settings_dev.py`,
`development.py`, `test*.py`) are not reported.

## Why is this bad?
`ALLOWED_HOSTS` is Django's defence against `Host` header attacks. With `"*"`, a request with
`Host: evil.example` is accepted and `request.get_host()` returns it: password-reset e-mails,
`build_absolute_uri()` and redirects then point at the attacker's domain, and caches keyed by
host can be poisoned.

## Example
```python
# settings.py
ALLOWED_HOSTS = ["*"]
```

## Use instead
```python
# settings.py
import os

ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "shop.example.com").split(",")
```

## References
- [CWE-20: Improper Input Validation](https://cwe.mitre.org/data/definitions/20.html)
- [CWE-644: Improper Neutralization of HTTP Headers for Scripting Syntax](https://cwe.mitre.org/data/definitions/644.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Django: `ALLOWED_HOSTS`](https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts)
- [Django: Host header validation](https://docs.djangoproject.com/en/stable/topics/security/#host-header-validation)
"#;
