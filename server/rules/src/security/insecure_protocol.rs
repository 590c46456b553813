//! SEC607 insecure-protocol: FTP, Telnet, and SMTP/IMAP/POP3 logins without TLS.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::ancestors;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC607",
    name: "insecure-protocol",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[319],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A cleartext protocol (FTP, Telnet, or a mail login without TLS) is used; use FTP_TLS/SFTP, SSH, or `SMTP_SSL`/`starttls()`.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

const ALL: &[&str] = &[
    "ftplib.FTP",
    "telnetlib.Telnet",
    "smtplib.SMTP",
    "imaplib.IMAP4",
    "poplib.POP3",
];

/// The text of the function (or, at module level, the item) around `node`.
fn enclosing_body<'a>(checker: &Checker<'a>, node: Node<'a>) -> &'a str {
    let scope = ancestors(checker.item, node)
        .into_iter()
        .rev()
        .find(|n| n.kind_str() == "function_definition")
        .unwrap_or(checker.item);
    checker.text(scope)
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(func) = caps.get("func") else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, ALL) else {
        return;
    };
    let short = checker.text(func).to_owned();
    let message = match name.as_str() {
        "ftplib.FTP" => format!(
            "`{short}` sends the login, the password and the files in cleartext (FTP); use `ftplib.FTP_TLS` (then `prot_p()`) or SFTP (`paramiko`)"
        ),
        "telnetlib.Telnet" => format!(
            "`{short}` opens a cleartext Telnet session (and `telnetlib` was removed in Python 3.13); use SSH (`paramiko`, `asyncssh`)"
        ),
        _ => {
            // Mail protocols: only a login over a connection never upgraded to TLS.
            let body = enclosing_body(checker, func);
            let (logs_in, upgrades) = match name.as_str() {
                "poplib.POP3" => (
                    body.contains(".pass_(") || body.contains(".apop(") || body.contains(".rpop("),
                    body.contains(".stls("),
                ),
                _ => (
                    body.contains(".login(") || body.contains(".authenticate("),
                    body.contains(".starttls("),
                ),
            };
            if !logs_in || upgrades {
                return;
            }
            let (secure, upgrade) = match name.as_str() {
                "smtplib.SMTP" => ("smtplib.SMTP_SSL", "starttls()"),
                "imaplib.IMAP4" => ("imaplib.IMAP4_SSL", "starttls()"),
                _ => ("poplib.POP3_SSL", "stls()"),
            };
            format!(
                "`{short}` logs in over a connection that is never upgraded to TLS, so the password crosses the network in cleartext; use `{secure}` or call `{upgrade}` before logging in"
            )
        }
    };
    checker.report(func, message);
}

const DOCS: &str = r#"## What it does
Flags clients of cleartext protocols: `ftplib.FTP(...)` (not `FTP_TLS`), `telnetlib.Telnet(...)`,
and `smtplib.SMTP` / `imaplib.IMAP4` / `poplib.POP3` connections that log in within the same
function without `starttls()` / `stls()`. `FTP_TLS`, `SMTP_SSL`, `IMAP4_SSL`, `POP3_SSL`,
SFTP and SMTP relays that never log in are not reported.

## Why is this bad?
FTP, Telnet and unencrypted mail logins send user names and passwords in the clear; anyone on
the network path can read them and the transferred data, and change what is transferred.

## Example
```python
import smtplib

def send_report(msg):
    with smtplib.SMTP("smtp.example.com", 587) as smtp:
        smtp.login(SMTP_USER, SMTP_PASSWORD)
        smtp.send_message(msg)
```

## Use instead
```python
import smtplib
import ssl

def send_report(msg):
    with smtplib.SMTP("smtp.example.com", 587) as smtp:
        smtp.starttls(context=ssl.create_default_context())
        smtp.login(SMTP_USER, SMTP_PASSWORD)
        smtp.send_message(msg)
```

## References
- [CWE-319: Cleartext Transmission of Sensitive Information](https://cwe.mitre.org/data/definitions/319.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [Python `ftplib.FTP_TLS`](https://docs.python.org/3/library/ftplib.html#ftplib.FTP_TLS)
- [Python `smtplib.SMTP.starttls`](https://docs.python.org/3/library/smtplib.html#smtplib.SMTP.starttls)
"#;
