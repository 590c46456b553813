//! SEC608 ssh-host-key-not-verified: SSH clients that accept any server host key.

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC608",
    name: "ssh-host-key-not-verified",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[295],
    owasp: Some("A07:2021 Identification and Authentication Failures"),
    summary: "An SSH client accepts unknown host keys (`AutoAddPolicy`, `WarningPolicy`, `known_hosts=None`); load known hosts and reject unknown keys.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

const PERMISSIVE_POLICIES: &[&str] = &[
    "paramiko.AutoAddPolicy",
    "paramiko.WarningPolicy",
    "paramiko.client.AutoAddPolicy",
    "paramiko.client.WarningPolicy",
];

const ASYNCSSH: &[&str] = &[
    "asyncssh.connect",
    "asyncssh.connect_reverse",
    "asyncssh.create_connection",
    "asyncssh.SSHClientConnectionOptions",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args = checker.arguments(args_node);
    let src = checker.source;
    let method = (func.kind_str() == "attribute")
        .then(|| func.field("attribute"))
        .flatten()
        .map(|a| checker.text(a));
    if method == Some("set_missing_host_key_policy") {
        let Some(policy) = args.get(0, "policy", src) else {
            return;
        };
        // `AutoAddPolicy()` or the class itself (paramiko instantiates it).
        let class = if policy.kind_str() == "call" {
            policy.field("function")
        } else {
            Some(policy)
        };
        let Some(class) = class else {
            return;
        };
        let Some(name) = checker
            .resolve(class)
            .filter(|q| PERMISSIVE_POLICIES.contains(&q.as_str()))
        else {
            return;
        };
        let text = checker.text(policy).to_owned();
        let behaviour = if name.ends_with("AutoAddPolicy") {
            "trusts and saves any host key it has not seen"
        } else {
            "only logs a warning for an unknown host key and connects anyway"
        };
        let finding = checker.report(policy, format!(
            "`set_missing_host_key_policy({text})` {behaviour}, so a man in the middle can impersonate the server; call `load_system_host_keys()` and use `paramiko.RejectPolicy()`"
        ));
        if class.kind_str() == "attribute" {
            if let Some(attr) = class.field("attribute") {
                finding.with_fix(
                    "Use `RejectPolicy`",
                    Applicability::Unsafe,
                    vec![Edit {
                        range: attr.byte_range(),
                        content: "RejectPolicy".to_owned(),
                    }],
                );
            }
        }
        return;
    }
    let Some(name) = checker.resolve_callee(func, ASYNCSSH) else {
        return;
    };
    let Some(known_hosts) = args.keyword("known_hosts", src) else {
        return;
    };
    if known_hosts.kind_str() != "none" && checker.text(known_hosts) != "None" {
        return;
    }
    let short = checker.text(func).to_owned();
    let _ = name;
    checker.report(known_hosts, format!(
        "`{short}` is called with `known_hosts=None`, which accepts any server host key; pass a known_hosts file (or leave the default `~/.ssh/known_hosts`)"
    ));
}

const DOCS: &str = r#"## What it does
Flags SSH clients that do not verify the server's host key: paramiko's
`client.set_missing_host_key_policy(paramiko.AutoAddPolicy())` or `WarningPolicy()` (also when
the class is passed without calling it), and asyncssh's `connect(..., known_hosts=None)`.
`RejectPolicy()` and asyncssh connections with a known_hosts path are not reported.

## Why is this bad?
The host key is what proves the server is the server. Accepting unknown keys lets anyone who
can redirect the connection (DNS, ARP, a compromised bastion) impersonate it, capture the
password or agent-forwarded keys, and run or read whatever the automation sends.

## Example
```python
import paramiko

def deploy(host):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, username="deploy", key_filename=KEY_PATH)
```

## Use instead
```python
import paramiko

def deploy(host):
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, username="deploy", key_filename=KEY_PATH)
```

## Fix
`paramiko.AutoAddPolicy` / `WarningPolicy` becomes `paramiko.RejectPolicy` (unsafe: connections
to hosts missing from known_hosts start failing until their keys are added).

## References
- [CWE-295: Improper Certificate Validation](https://cwe.mitre.org/data/definitions/295.html)
- [OWASP A07:2021 Identification and Authentication Failures](https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/)
- [Paramiko: host key policies](https://docs.paramiko.org/en/stable/api/client.html#paramiko.client.MissingHostKeyPolicy)
- [AsyncSSH: `known_hosts` option](https://asyncssh.readthedocs.io/en/latest/api.html#specifying-known-hosts)
"#;
