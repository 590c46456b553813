//! SEC105 ldap-injection: LDAP search filters built from request data.

use super::{imports_any, method_name};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{Arguments, Sink};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC105",
    name: "ldap-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[90],
    owasp: Some("A03:2021 Injection"),
    summary: "An LDAP filter or DN is built from request data; escape each value with `escape_filter_chars` (or `escape_rdn`).",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    },
        // `sink = "ldap"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Ldap as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Ldap as u8 }>,
        },
    ],
};

/// python-ldap: `search_s(base, scope, filterstr)`; ldap3: `search(search_base, search_filter)`.
fn filter_argument<'a>(
    method: &str,
    args: &Arguments<'a>,
    src: &str,
) -> Vec<tree_sitter::Node<'a>> {
    let mut out = Vec::new();
    match method {
        "search_s" | "search_st" | "search_ext" | "search_ext_s" => {
            out.extend(args.get(2, "filterstr", src));
            out.extend(args.get(0, "base", src));
        }
        "search" => {
            // python-ldap's `search(base, scope, filterstr)` or ldap3's `search(base, filter)`.
            out.extend(args.keyword("search_filter", src));
            out.extend(args.keyword("filterstr", src));
            out.extend(args.get(0, "search_base", src));
            if let Some(f) = args
                .positional
                .get(1)
                .filter(|a| a.kind_str() != "attribute")
            {
                out.push(*f);
            }
            out.extend(args.positional.get(2).copied());
        }
        "simple_bind_s" | "bind_s" => out.extend(args.get(0, "who", src)),
        _ => {}
    }
    out
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(method) = method_name(checker, func) else {
        return;
    };
    if !matches!(
        method,
        "search"
            | "search_s"
            | "search_st"
            | "search_ext"
            | "search_ext_s"
            | "simple_bind_s"
            | "bind_s"
    ) || !imports_any(checker, &["ldap", "ldap3"])
    {
        return;
    }
    let arguments = checker.arguments(args);
    for arg in filter_argument(method, &arguments, checker.source) {
        if arg.kind_str() == "integer" || checker.text(arg).starts_with("ldap.SCOPE") {
            continue;
        }
        if let Some(taint) = checker.taint(arg, Sink::Ldap).filter(|t| t.user) {
            let from = checker.describe(&taint);
            checker
                .report(
                    arg,
                    format!("LDAP `{method}` uses a filter built from {from}; escape each value with `ldap.filter.escape_filter_chars` (ldap3: `escape_filter_chars`)"),
                )
                .with_taint(&taint);
            return;
        }
    }
}

/// Whether `class` (a constructor's last name) is an ldapjs filter class (`new
/// ldap.EqualityFilter({ attribute, value })`): the `sanitizes = ["ldap"]` rows of `ldapjs.*`
/// (JavaScript sinks.toml), which escape the value when the filter is written out.
fn ldapjs_filter_class(checker: &Checker, class: &str) -> bool {
    let models = checker.semantic.lang_models(checker.language.family());
    models.sanitizers.iter().any(|(callee, sinks)| {
        sinks & Sink::Ldap.bit() != 0
            && callee
                .strip_prefix("ldapjs.")
                .is_some_and(|rest| rest == class)
    })
}

/// `new ldap.EqualityFilter({…})`, or a local whose every assignment is one.
fn filter_object<'a>(checker: &Checker<'a>, node: tree_sitter::Node<'a>) -> bool {
    let constructed = |n: tree_sitter::Node| {
        n.kind_str() == "new_expression"
            && n.field("constructor").is_some_and(|c| {
                let name = checker.text(c);
                ldapjs_filter_class(checker, name.rsplit('.').next().unwrap_or(name))
            })
    };
    if constructed(node) {
        return true;
    }
    if !matches!(
        node.kind_str(),
        "identifier" | "shorthand_property_identifier"
    ) {
        return false;
    }
    match checker.lookup(node) {
        ba_analysis::Lookup::Local(bindings) => {
            !bindings.is_empty()
                && bindings
                    .iter()
                    .all(|b| matches!(b, ba_analysis::Binding::Value(v) if constructed(*v)))
        }
        _ => false,
    }
}

/// ldapjs: `client.search(base, { filter }, cb)` (or a filter string in place of the options)
/// and `client.bind(dn, password, cb)`, in a module that imports `ldapjs`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" || func.kind_str() != "member_expression" {
        return;
    }
    let Some(method) = func.field("property").map(|p| checker.text(p)) else {
        return;
    };
    if !matches!(method, "search" | "bind" | "modify" | "del") || !imports_any(checker, &["ldapjs"])
    {
        return;
    }
    let args = super::missing_security_headers::js_args(args);
    let mut candidates = Vec::new();
    if method == "search" {
        match args.get(1) {
            Some(o) if o.kind_str() == "object" => {
                candidates
                    .extend(super::missing_security_headers::Props::of(checker, *o).get("filter"));
            }
            Some(f) if !ba_analysis::routes::is_js_function(f.kind_str()) => candidates.push(*f),
            _ => return,
        }
    }
    // The DN: the search base, the entry bound, modified or deleted.
    candidates.extend(args.first().copied());
    for arg in candidates {
        // A filter object escapes its values itself.
        if filter_object(checker, arg) {
            continue;
        }
        if let Some(taint) = checker.taint(arg, Sink::Ldap).filter(|t| t.user) {
            let from = checker.describe(&taint);
            let (what, fix) = if args.first() == Some(&arg) {
                (
                    "DN",
                    "escape each value with ldap-escape's `dn` tag (`ldapEscape.dn`)",
                )
            } else {
                (
                    "filter",
                    "escape each value with ldap-escape's `filter` tag (`ldapEscape.filter`), or build the filter as an object (`new ldap.EqualityFilter({ attribute: \"uid\", value })`)",
                )
            };
            checker
                .report(
                    arg,
                    format!("ldapjs `{method}` uses a {what} built from {from}; {fix}"),
                )
                .with_taint(&taint);
            return;
        }
    }
}

const DOCS: &str = r#"## What it does
Flags LDAP searches (python-ldap `search_s`/`search`/`search_ext`, ldap3 `Connection.search`,
ldapjs `client.search(base, { filter })`) and binds (ldapjs `client.bind(dn, …)`, `modify`,
`del`) whose filter or DN is built from request data without escaping. In JavaScript, values
escaped with `ldap-escape` (`ldapEscape.filter`, `ldapEscape.dn`) and ldapjs filter objects
(`new ldap.EqualityFilter({ attribute, value })`, which escape their values) are safe;
`ldap.parseFilter(text)` parses the text as written and is not.

## Why is this bad?
LDAP filters have their own syntax. A user name of `*)(uid=*))(|(uid=*` turns
`(&(uid={name})(objectClass=person))` into a filter that matches every entry: attackers log in
without a password or enumerate the directory.

## Example
```python
@app.post("/login")
def login():
    user = request.form["user"]
    conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={user})")
```

## Use instead
```python
from ldap.filter import escape_filter_chars

@app.post("/login")
def login():
    user = escape_filter_chars(request.form["user"])
    conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={user})")
```

## References
- [CWE-90: LDAP Injection](https://cwe.mitre.org/data/definitions/90.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [python-ldap `ldap.filter`](https://www.python-ldap.org/en/latest/reference/ldap-filter.html)
"#;
