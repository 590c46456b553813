//! SEC507 sensitive-jwt-payload: passwords, personal data or whole user records put into a
//! JWT payload, which anyone holding the token can read.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{in_test_code, js_key_name, words};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC507",
    name: "sensitive-jwt-payload",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[312, 359],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A password, personal data or a whole user record is put into a JWT, whose payload anyone holding the token can read; sign only an identifier and the claims you need.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check_javascript,
    }],
};

/// What a claim name says it holds, when that must not travel in a token.
fn sensitive(name: &str) -> Option<&'static str> {
    let w = words(name);
    let has = |x: &str| w.iter().any(|y| y == x);
    if has("password") || has("passwd") || has("pwd") || has("passphrase") {
        Some("a password or password hash")
    } else if has("ssn") || (has("social") && has("security")) {
        Some("a social security number")
    } else if (has("credit") || has("debit")) && has("card")
        || has("card") && has("number")
        || has("pan") && w.len() == 1
        || has("cvv")
        || has("cvc")
    {
        Some("payment card data")
    } else if has("iban") || (has("bank") && has("account")) {
        Some("bank account details")
    } else if has("mfa") && has("secret")
        || has("totp") && has("secret")
        || has("otp") && has("secret")
    {
        Some("a one-time-password secret")
    } else {
        None
    }
}

/// Names of whole records: `user`, `account`, `customer`, `foundUser`, `userDoc`.
fn is_record_name(name: &str) -> bool {
    words(name).last().is_some_and(|l| {
        matches!(
            l.as_str(),
            "user"
                | "account"
                | "customer"
                | "member"
                | "profile"
                | "employee"
                | "patient"
                | "doc"
                | "document"
                | "record"
        )
    })
}

/// The name an expression is known by: `user`, `req.user` → user, `user.password` → password.
fn expr_name<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'a str> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "identifier" => Some(checker.text(node)),
        "member_expression" => node.field("property").map(|p| checker.text(p)),
        "parenthesized_expression" | "non_null_expression" | "await_expression" => {
            expr_name(checker, node.named_child(0)?)
        }
        _ => None,
    }
}

/// `user.toJSON()`, `user.toObject()`, `user.get({ plain: true })`, `user.dataValues`,
/// `Object.assign({}, user)`, `user` itself: the whole record.
fn whole_record<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<String> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "call_expression" => {
            let func = node.field("function")?;
            if func.kind_str() != "member_expression" {
                return None;
            }
            let method = checker.text(func.field("property")?);
            let object = func.field("object")?;
            match method {
                "toJSON" | "toObject" | "get" | "lean" => {
                    let name = expr_name(checker, object)?;
                    (is_record_name(name) || matches!(method, "toJSON" | "toObject"))
                        .then(|| checker.text(node).to_owned())
                }
                "assign" if checker.text(object) == "Object" => {
                    let args = node.field("arguments")?;
                    named_children(args)
                        .into_iter()
                        .find_map(|a| whole_record(checker, a))
                }
                _ => None,
            }
        }
        "member_expression" if expr_name(checker, node) == Some("dataValues") => {
            Some(checker.text(node).to_owned())
        }
        "identifier" | "member_expression" => {
            let name = expr_name(checker, node)?;
            is_record_name(name).then(|| checker.text(node).to_owned())
        }
        _ => None,
    }
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if checker
        .resolve_callee(func, &["jsonwebtoken.sign"])
        .is_none()
    {
        return;
    }
    let Some(claims) = checker.arguments(args).positional.clone().first().copied() else {
        return;
    };
    if in_test_code(checker, call) {
        return;
    }
    // `const payload = { ...user }; jwt.sign(payload, …)`: judge the local's object literal.
    let claims = match claims.kind_str() {
        "identifier" if !is_record_name(checker.text(claims)) => match checker.lookup(claims) {
            Lookup::Local(bindings) => match bindings.as_slice() {
                [Binding::Value(v)] if v.kind_str() == "object" => *v,
                _ => claims,
            },
            _ => claims,
        },
        _ => claims,
    };
    if claims.kind_str() != "object" {
        if let Some(record) = whole_record(checker, claims) {
            report_record(checker, claims, &record);
        }
        return;
    }
    for entry in named_children(claims) {
        match entry.kind_str() {
            "pair" => {
                let key = entry.field("key").and_then(|k| js_key_name(checker, k));
                let value = entry.field("value");
                let value_name = value.and_then(|v| expr_name(checker, v));
                let what = key
                    .as_deref()
                    .and_then(sensitive)
                    .or_else(|| value_name.and_then(sensitive));
                if let Some(what) = what {
                    report_claim(checker, entry, key.as_deref().unwrap_or("?"), what);
                } else if let Some(record) = value.and_then(|v| whole_record(checker, v)) {
                    report_record(checker, entry, &record);
                }
            }
            "shorthand_property_identifier" => {
                let name = checker.text(entry);
                if let Some(what) = sensitive(name) {
                    report_claim(checker, entry, name, what);
                } else if is_record_name(name) {
                    report_record(checker, entry, name);
                }
            }
            "spread_element" => {
                if let Some(record) = entry
                    .named_child(0)
                    .and_then(|inner| whole_record(checker, inner))
                {
                    report_record(checker, entry, &record);
                }
            }
            _ => {}
        }
    }
}

fn report_claim(checker: &mut Checker, entry: Node, key: &str, what: &str) {
    checker.report(
        entry,
        format!(
            "`jwt.sign` puts `{key}` ({what}) into the token: a JWT payload is only base64-encoded, so anyone holding the token (the browser, logs, proxies) can read it; keep it on the server and sign only an identifier (`sub`) and the claims you need"
        ),
    );
}

fn report_record(checker: &mut Checker, node: Node, record: &str) {
    let shown = super::callee(record);
    checker.report(
        node,
        format!(
            "`jwt.sign` puts the whole record `{shown}` into the token: every field (password hash, email, internal flags) becomes readable by anyone holding it and stays there until it expires; sign only `{{ sub: user.id }}` and the claims you need"
        ),
    );
}

const DOCS: &str = r#"## What it does
Flags `jsonwebtoken`'s `jwt.sign(payload, …)` (resolved through `require`/`import`) when the
payload carries data that must not leave the server:

- a claim whose name (or the name of its value, `pw: user.password`) says it holds a password or
  its hash, a social security number, payment card data (`creditCard`, `cardNumber`, `cvv`), bank
  details (`iban`) or a one-time-password secret (`mfaSecret`, `totpSecret`);
- a whole user record: `jwt.sign(user, …)`, `jwt.sign(user.toJSON(), …)`,
  `jwt.sign(doc.toObject(), …)`, `jwt.sign({ ...user }, …)`, `Object.assign({}, user)`,
  Sequelize's `user.dataValues` / `user.get({ plain: true })` (records are names whose last
  word is `user`, `account`, `customer`, `member`, `profile`, `employee`, `patient`, `doc` or
  `record`).

A payload variable bound to an object literal in the same function is judged by that literal.
Not reported: identifiers and roles (`{ sub: user.id, role: user.role }`), payloads built
elsewhere, and test files.

## Why is this bad?
A JWT is signed, not encrypted: its payload is base64url-encoded JSON that anyone holding the
token can read (it sits in browser storage, `Authorization` headers, proxy and server logs). A
user record signed into a token leaks its password hash, e-mail and internal fields, and keeps
them valid, unchanged, until the token expires.

## Example
```javascript
const jwt = require("jsonwebtoken");

async function login(req, res) {
  const user = await User.findOne({ email: req.body.email });
  const token = jwt.sign(user.toJSON(), process.env.JWT_SECRET, { expiresIn: "1h" });
  res.json({ token });
}
```

## Use instead
```javascript
const jwt = require("jsonwebtoken");

async function login(req, res) {
  const user = await User.findOne({ email: req.body.email });
  const token = jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET, {
    expiresIn: "1h",
  });
  res.json({ token });
}
```

## References
- [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
- [CWE-359: Exposure of Private Personal Information to an Unauthorized Actor](https://cwe.mitre.org/data/definitions/359.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [RFC 7519: JSON Web Token](https://www.rfc-editor.org/rfc/rfc7519)
- [jsonwebtoken: `jwt.sign`](https://github.com/auth0/node-jsonwebtoken#jwtsignpayload-secretorprivatekey-options-callback)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_claims() {
        for yes in [
            "password",
            "passwordHash",
            "ssn",
            "creditCardNumber",
            "cardNumber",
            "cvv",
            "iban",
            "mfaSecret",
        ] {
            assert!(sensitive(yes).is_some(), "{yes}");
        }
        for no in [
            "sub", "role", "email", "id", "scope", "tenantId", "cardType",
        ] {
            assert!(sensitive(no).is_none(), "{no}");
        }
    }

    #[test]
    fn record_names() {
        assert!(is_record_name("user"));
        assert!(is_record_name("foundUser"));
        assert!(is_record_name("customerDoc"));
        assert!(!is_record_name("userId"));
        assert!(!is_record_name("payload"));
    }
}
