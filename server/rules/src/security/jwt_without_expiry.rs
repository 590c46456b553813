//! SEC506 jwt-without-expiry: JWTs signed without an expiry.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{in_test_code, js_entry, js_has_spread};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC506",
    name: "jwt-without-expiry",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[613],
    owasp: Some("A07:2021 Identification and Authentication Failures"),
    summary: "A JWT is signed without an expiry, so it stays valid forever; pass `expiresIn` (or put `exp` in the payload).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check_javascript,
    }],
};

/// What a payload argument says about `exp`.
enum Payload {
    /// An object literal (or a local bound to one) without `exp` and without spreads.
    NoExp,
    /// It has `exp`, or we cannot tell (a parameter, a spread, a string payload).
    Unknown,
}

fn payload<'a>(checker: &Checker<'a>, node: Node<'a>, depth: u32) -> Payload {
    let Some(_level) = ba_syntax::depth::enter() else {
        return Payload::Unknown;
    };
    match node.kind_str() {
        "object" => {
            // Computed keys (`[Claims.EXP]: …`) may well be `exp`.
            let computed = named_children(node).iter().any(|p| {
                p.kind_str() == "pair"
                    && p.field("key")
                        .is_some_and(|k| k.kind_str() == "computed_property_name")
            });
            if computed || js_has_spread(node) || js_entry(checker, node, "exp").is_some() {
                Payload::Unknown
            } else {
                Payload::NoExp
            }
        }
        "identifier" if depth < 3 => match checker.lookup(node) {
            Lookup::Local(bindings) => match bindings.as_slice() {
                [Binding::Value(v)] => {
                    // `const payload = {…}; payload.exp = …` sets it later.
                    let function = super::secret_names::js_enclosing_function(checker, node);
                    let name = checker.text(node);
                    if checker.text(function).contains(&format!("{name}.exp")) {
                        return Payload::Unknown;
                    }
                    payload(checker, *v, depth + 1)
                }
                _ => Payload::Unknown,
            },
            _ => Payload::Unknown,
        },
        _ => Payload::Unknown,
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
    let positional = checker.arguments(args).positional.clone();
    let (Some(claims), Some(key)) = (positional.first().copied(), positional.get(1).copied())
    else {
        return;
    };
    let options = positional.get(2).copied();
    let is_callback = |n: Node| {
        matches!(
            n.kind_str(),
            "arrow_function" | "function_expression" | "function"
        )
    };
    match options {
        None => {}
        Some(o) if is_callback(o) => {}
        Some(o)
            if o.kind_str() == "object"
                && !js_has_spread(o)
                && js_entry(checker, o, "expiresIn").is_none() => {}
        // Options that set `expiresIn`, or are built elsewhere and may.
        Some(_) => return,
    }
    if !matches!(payload(checker, claims, 0), Payload::NoExp) || in_test_code(checker, call) {
        return;
    }
    let edit = match options {
        Some(o) if o.kind_str() == "object" => {
            let open = o.start_byte() + 1;
            let content = if named_children(o).is_empty() {
                " expiresIn: \"1h\" ".to_owned()
            } else {
                " expiresIn: \"1h\",".to_owned()
            };
            Edit {
                range: open..open,
                content,
            }
        }
        Some(callback) => Edit {
            range: callback.start_byte()..callback.start_byte(),
            content: "{ expiresIn: \"1h\" }, ".to_owned(),
        },
        None => Edit {
            range: key.end_byte()..key.end_byte(),
            content: ", { expiresIn: \"1h\" }".to_owned(),
        },
    };
    checker
        .report(
            func,
            "`jwt.sign` issues a token without an expiry (no `expiresIn` option and no `exp` claim): a leaked or stolen token stays valid forever and logging out cannot end it; pass `{ expiresIn: \"15m\" }` (and use refresh tokens for long sessions)",
        )
        .with_fix(
            "Expire the token after one hour (`expiresIn: \"1h\"`)",
            Applicability::Unsafe,
            vec![edit],
        );
}

const DOCS: &str = r#"## What it does
Flags `jsonwebtoken`'s `jwt.sign(payload, key[, options][, callback])` (resolved through
`require`/`import`) when the token gets no expiry: the options have no `expiresIn` and the
payload is an object literal (or a local variable bound to one) without an `exp` claim.

Not reported: options with `expiresIn`, payloads with `exp` (or that spread another object,
`{ ...claims }`, use computed keys such as `[Claims.EXP]`, or get `payload.exp = …` later), options or payloads that come from elsewhere
(a parameter, a shared options object: they may set the expiry), string payloads, and test files.

## Why is this bad?
A JWT is valid until it expires, and the server keeps no list of the tokens it issued. A token
without `exp` that leaks (a log line, a browser extension, a stolen laptop) works forever, and
"log out" or "change password" cannot end it short of rotating the signing key for everyone.

## Example
```javascript
const jwt = require("jsonwebtoken");

function issueToken(user) {
  return jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET);
}
```

## Use instead
```javascript
const jwt = require("jsonwebtoken");

function issueToken(user) {
  return jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET, {
    expiresIn: "15m",
  });
}
```

## Fix
An unsafe fix adds `expiresIn: "1h"` to the options (adding the options object when there is
none). It is unsafe because clients holding tokens must then refresh them; choose the lifetime
your sessions need.

## References
- [CWE-613: Insufficient Session Expiration](https://cwe.mitre.org/data/definitions/613.html)
- [OWASP A07:2021 Identification and Authentication Failures](https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/)
- [jsonwebtoken: `jwt.sign` options (`expiresIn`)](https://github.com/auth0/node-jsonwebtoken#jwtsignpayload-secretorprivatekey-options-callback)
- [RFC 7519 §4.1.4: the `exp` claim](https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4)
- [OWASP JSON Web Token Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html)
"#;
