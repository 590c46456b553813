//! SEC306 host-header-injection: absolute URLs built from the request's Host header.

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Sink};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC306",
    name: "host-header-injection",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[644, 640],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "An absolute URL is built from the request's Host header; build links from a configured base URL instead.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/strings.scm",
        query: include_str!("../../../../queries/python/strings.scm"),
        run: check,
    }],
};

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(built) = caps.get("built") else {
        return;
    };
    // Report the outermost `a + b + c` once.
    if checker.findings.iter().any(|f| {
        f.rule.code == RULE.code
            && f.range.start <= built.start_byte()
            && built.end_byte() <= f.range.end
    }) {
        return;
    }
    let text = checker.text(built);
    if !(text.contains("://") || text.contains("http")) {
        return;
    }
    // `if origin != f"{base.scheme}://{base.netloc}"`: compared, not handed to anyone (a
    // browser sends its own Host and Origin together).
    if built
        .parent()
        .is_some_and(|p| p.kind_str() == "comparison_operator")
    {
        return;
    }
    // `Event.objects.filter(custom_domain=f"https://{request.host}")`: the URL is a lookup
    // value that finds the site the client asked for, not a link handed to anyone.
    let lookup = built
        .parent()
        .filter(|k| k.kind_str() == "keyword_argument")
        .and_then(|k| k.parent())
        .and_then(|args| args.parent())
        .and_then(|call| call.field("function"))
        .and_then(|f| checker.member_name(f))
        .is_some_and(|m| {
            matches!(
                m,
                "filter" | "get" | "exclude" | "filter_by" | "get_or_none"
            )
        });
    if lookup {
        return;
    }
    let parts: Vec<_> = match built.kind_str() {
        "string" => named_children(built)
            .into_iter()
            .filter(|c| c.kind_str() == "interpolation")
            .filter_map(|i| i.field("expression"))
            .collect(),
        "binary_operator" => ["left", "right"]
            .iter()
            .filter_map(|f| built.field(f))
            .collect(),
        _ => built
            .field("arguments")
            .map(named_children)
            .unwrap_or_default(),
    };
    for part in parts {
        let Some(taint) = checker.taint(part, Sink::Url) else {
            continue;
        };
        let origin = checker.source.get(taint.origin.clone()).unwrap_or("");
        // Django's `get_host()` and `build_absolute_uri()` check ALLOWED_HOSTS.
        if !taint.is_host(checker.source) || origin.contains("get_host") {
            continue;
        }
        let from = checker.describe(&taint);
        checker
            .report(built, format!("this URL is built from {from}, which the client sends: a forged `Host` header puts the attacker's domain into password-reset and confirmation links; use a configured base URL (e.g. `settings.SITE_URL`)"))
            .with_taint(&taint);
        return;
    }
}

const DOCS: &str = r#"## What it does
Flags absolute URLs built from the request's Host header: Flask/Werkzeug `request.host`,
`request.host_url`, `request.url_root`, `request.base_url`, Django `request.META["HTTP_HOST"]`,
and `request.headers["Host"]`. Django's `request.get_host()` and `build_absolute_uri()`, which
validate the host against `ALLOWED_HOSTS`, are not reported, nor is a URL used as a lookup value
(`Event.objects.filter(custom_domain=f"https://{host}")`, which finds the site the client asked
for).

## Why is this bad?
The Host header is whatever the client sends. A password-reset e-mail whose link is
`f"https://{request.host}/reset/{token}"` sends the victim, and their reset token, to the
attacker's server when the attacker requests the reset with `Host: evil.example`.

## Example
```python
@app.post("/password-reset")
def reset():
    token = make_token(user)
    link = f"{request.host_url}reset/{token}"
    send_mail(user.email, link)
```

## Use instead
```python
@app.post("/password-reset")
def reset():
    token = make_token(user)
    link = f"{current_app.config['SITE_URL']}/reset/{token}"
    send_mail(user.email, link)
```

## References
- [CWE-644: Improper Neutralization of HTTP Headers for Scripting Syntax](https://cwe.mitre.org/data/definitions/644.html)
- [CWE-640: Weak Password Recovery Mechanism](https://cwe.mitre.org/data/definitions/640.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Django: Host header validation](https://docs.djangoproject.com/en/stable/topics/security/#host-header-validation)
"#;
