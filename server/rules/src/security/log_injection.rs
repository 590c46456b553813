//! SEC107 log-injection: raw request data written to logs.

use super::method_name;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Sink};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC107",
    name: "log-injection",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[117],
    owasp: Some("A09:2021 Security Logging and Monitoring Failures"),
    summary: "Raw request data is written to a log; log it with `%r` (or strip `\\r`/`\\n`) so a client cannot forge log lines.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    },
        // `sink = "log"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Log as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Log as u8 }>,
        },
    ],
};

const LEVELS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

const LOGGING: &[&str] = &[
    "logging.debug",
    "logging.info",
    "logging.warning",
    "logging.warn",
    "logging.error",
    "logging.exception",
    "logging.critical",
    "logging.fatal",
    "logging.log",
];

/// `logger.info(...)`, `app.logger.warning(...)`, `log.error(...)`, `self.logger.info(...)`.
fn is_logger_call(checker: &Checker, func: tree_sitter::Node) -> bool {
    let Some(object) = func.field("object") else {
        return false;
    };
    let receiver = checker
        .text(object)
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    receiver.contains("log")
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(method) = method_name(checker, func) else {
        return;
    };
    if !LEVELS.contains(&method) {
        return;
    }
    if !is_logger_call(checker, func) && checker.resolve_callee(func, LOGGING).is_none() {
        return;
    }
    let mut positional: Vec<_> = named_children(args)
        .into_iter()
        .filter(|a| !matches!(a.kind_str(), "keyword_argument" | "comment"))
        .collect();
    if method == "log" && !positional.is_empty() {
        positional.remove(0);
    }
    let Some(format) = positional.first().copied() else {
        return;
    };
    // `logger.info("user %r", name)` quotes the value, line breaks included.
    let quoted = checker.text(format).contains("%r");
    for (i, arg) in positional.iter().enumerate() {
        if i > 0 && quoted {
            break;
        }
        if let Some(taint) = checker.taint(*arg, Sink::Log).filter(|t| t.user) {
            let from = checker.describe(&taint);
            checker
                .report(
                    *arg,
                    format!("`{method}` logs {from} as is; a value with line breaks forges log entries: log it with `%r` or strip `\\r` and `\\n` first"),
                )
                .with_taint(&taint);
            return;
        }
    }
}

const DOCS: &str = r#"## What it does
Flags `logging` calls (module functions and logger methods) whose message or arguments are
request data used as is.

## Why is this bad?
A user name such as `alice\nINFO login succeeded for admin` writes a second, forged line into
the log. Incident responders and log-based alerting then act on entries the attacker wrote;
control characters can also attack log viewers.

## Example
```python
@app.post("/login")
def login():
    user = request.form["user"]
    logger.info(f"login attempt for {user}")
```

## Use instead
```python
@app.post("/login")
def login():
    user = request.form["user"]
    logger.info("login attempt for %r", user)  # repr() escapes line breaks
```

## References
- [CWE-117: Improper Output Neutralization for Logs](https://cwe.mitre.org/data/definitions/117.html)
- [OWASP A09:2021 Security Logging and Monitoring Failures](https://owasp.org/Top10/A09_2021-Security_Logging_and_Monitoring_Failures/)
- [OWASP Logging Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
"#;
