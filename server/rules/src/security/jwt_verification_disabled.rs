//! SEC502 jwt-verification-disabled: JWTs decoded without checking the signature, or with the
//! algorithm left to the token.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{in_test_code, js_enclosing_function, js_entry, literal_value};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, Arguments, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC502",
    name: "jwt-verification-disabled",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[347],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A JWT is decoded without verifying its signature, or with the algorithm chosen by the token; verify it with the key and an explicit algorithm list (`algorithms=[...]`, `{ algorithms: [...] }`).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

/// PyJWT (1.x and 2.x) and python-jose decoders.
const DECODERS: &[&str] = &[
    "jwt.decode",
    "jwt.decode_complete",
    "jwt.api_jwt.decode",
    "jwt.api_jwt.decode_complete",
    "jose.jwt.decode",
];
/// python-jose: the claims, signature unchecked.
const UNVERIFIED: &[&str] = &["jose.jwt.get_unverified_claims"];

const ALL: &[&str] = &[
    "jwt.decode",
    "jwt.decode_complete",
    "jwt.api_jwt.decode",
    "jwt.api_jwt.decode_complete",
    "jose.jwt.decode",
    "jose.jwt.get_unverified_claims",
];

fn is_false(checker: &Checker, node: Node) -> bool {
    node.kind_str() == "false" || checker.text(node) == "False"
}

/// The dictionary an `options=` value stands for: a literal, `dict(...)`, or a local name bound
/// once to one of those.
fn options_dict<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<Node<'a>> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "dictionary" => Some(node),
        "call"
            if node
                .field("function")
                .is_some_and(|f| checker.text(f) == "dict") =>
        {
            node.field("arguments")
        }
        "identifier" => match checker.lookup(node) {
            Lookup::Local(bindings) => match bindings.as_slice() {
                [Binding::Value(v)] => options_dict(checker, *v),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The `False` value of `"verify_signature"` in an options dict (or `dict(verify_signature=…)`).
fn disables_signature(checker: &Checker, options: Node) -> bool {
    named_children(options).into_iter().any(|entry| {
        let (key, value) = match entry.kind_str() {
            "pair" => (
                entry
                    .field("key")
                    .and_then(|k| ba_analysis::string_value(checker.language, k, checker.source))
                    .map(str::to_owned),
                entry.field("value"),
            ),
            "keyword_argument" => (
                entry.field("name").map(|n| checker.text(n).to_owned()),
                entry.field("value"),
            ),
            _ => (None, None),
        };
        key.as_deref() == Some("verify_signature") && value.is_some_and(|v| is_false(checker, v))
    })
}

/// Why a decode call does not verify the signature, if it does not.
fn unverified_reason<'a>(
    checker: &Checker<'a>,
    name: &str,
    args: &Arguments<'a>,
) -> Option<String> {
    if UNVERIFIED.contains(&name) {
        return Some("reads the claims without checking the signature".to_owned());
    }
    // PyJWT 1.x: `decode(jwt, key, verify=False)`, also positionally as the third argument.
    let verify = args
        .keyword("verify", checker.source)
        .or_else(|| args.positional.get(2).copied());
    if verify.is_some_and(|v| is_false(checker, v)) {
        return Some("is called with `verify=False`: the signature is not checked".to_owned());
    }
    let options = args.keyword("options", checker.source)?;
    let dict = options_dict(checker, options)?;
    disables_signature(checker, dict).then(|| {
        "is called with `options={\"verify_signature\": False}`: the signature is not checked"
            .to_owned()
    })
}

/// Whether the function around `node` also decodes a token with verification (the
/// unverified read only peeks, e.g. at `iss` to pick the key).
fn verified_nearby<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    let ancestors = ba_analysis::ancestors(checker.item, node);
    let Some(func) = ancestors
        .iter()
        .rev()
        .find(|a| a.kind_str() == "function_definition")
    else {
        return false;
    };
    let mut found = false;
    ba_analysis::walk_scope(
        *func,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            if found || n.kind_str() != "call" || n == node {
                return;
            }
            let (Some(f), Some(a)) = (n.field("function"), n.field("arguments")) else {
                return;
            };
            if a.kind_str() != "argument_list" {
                return;
            }
            if let Some(q) = checker.resolve_callee(f, DECODERS) {
                if unverified_reason(checker, &q, &checker.arguments(a)).is_none() {
                    found = true;
                }
            }
        },
    );
    found
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, ALL) else {
        return;
    };
    if super::secret_names::in_test_code(checker, call) {
        return;
    }
    let args = checker.arguments(args_node);
    let short = checker.text(func).to_owned();
    if let Some(reason) = unverified_reason(checker, &name, &args) {
        if verified_nearby(checker, call) {
            return;
        }
        let fix = verify_fix(checker, &name, &args);
        let finding = checker.report(
            func,
            format!(
                "`{short}` {reason}, so anyone can forge the token's claims; decode with the key and `algorithms=[...]` (read unverified claims only to choose the key, then verify)"
            ),
        );
        if let Some((title, edit)) = fix {
            finding.with_fix(title, Applicability::Unsafe, vec![edit]);
        }
        return;
    }
    if !DECODERS.contains(&name.as_str()) {
        return;
    }
    // The third positional argument is `algorithms` (PyJWT 2, python-jose) unless it is
    // PyJWT 1's `verify` flag.
    let algorithms = args.keyword("algorithms", checker.source).or_else(|| {
        args.positional
            .get(2)
            .copied()
            .filter(|a| !matches!(a.kind_str(), "true" | "false"))
    });
    match algorithms {
        Some(list) if list.kind_str() != "none" => {
            // A list, a tuple, or a single string (python-jose accepts `algorithms="HS256"`).
            let entries = if list.kind_str() == "string" {
                vec![list]
            } else {
                named_children(list)
            };
            let none = entries.into_iter().find(|a| {
                ba_analysis::string_value(checker.language, *a, checker.source)
                    .is_some_and(|v| v.eq_ignore_ascii_case("none"))
            });
            if let Some(none) = none {
                checker.report(
                    none,
                    format!(
                        "`{short}` accepts the `none` algorithm: unsigned tokens pass as valid; list only the algorithms you sign with"
                    ),
                );
            }
        }
        _ => {
            // Missing, or `algorithms=None`. `**kwargs` may carry it.
            if args.positional.iter().any(|a| a.kind_str() == "list_splat")
                || named_children(args_node)
                    .iter()
                    .any(|a| a.kind_str() == "dictionary_splat")
            {
                return;
            }
            let alg = suggested_algorithm(checker, &args);
            let finding = checker.report(
                func,
                format!(
                    "`{short}` without `algorithms=` lets the token's header choose the algorithm (`none`, or HMAC with your public key); pass the algorithms you issue, e.g. `algorithms=[\"{alg}\"]`"
                ),
            );
            let edit = match algorithms {
                Some(none_value) => Edit {
                    range: none_value.byte_range(),
                    content: format!("[\"{alg}\"]"),
                },
                None => {
                    let Some(last) = named_children(args_node)
                        .into_iter()
                        .rfind(|a| a.kind_str() != "comment")
                    else {
                        return;
                    };
                    Edit {
                        range: last.end_byte()..last.end_byte(),
                        content: format!(", algorithms=[\"{alg}\"]"),
                    }
                }
            };
            finding.with_fix(
                format!("Pass `algorithms=[\"{alg}\"]`"),
                Applicability::Unsafe,
                vec![edit],
            );
        }
    }
}

/// `jwt.decode(token, key, options={"verify_signature": False})` →
/// `jwt.decode(token, key, algorithms=["HS256"])`: the options go when they only switched the
/// check off, and the algorithms come in unless listed already. Only with a key to verify with.
fn verify_fix(checker: &Checker, name: &str, args: &Arguments) -> Option<(String, Edit)> {
    let src = checker.source;
    if !DECODERS.contains(&name) || args.get(1, "key", src).is_none() {
        return None;
    }
    let options = args.keyword_node("options", src)?;
    let dict = options.field("value")?;
    if dict.kind_str() != "dictionary" || named_children(dict).len() != 1 {
        return None;
    }
    let alg = suggested_algorithm(checker, args);
    if args.keyword("algorithms", src).is_some() {
        return Some((
            "Verify the signature (drop `options`)".to_owned(),
            Edit {
                range: ba_analysis::argument_removal_range(options),
                content: String::new(),
            },
        ));
    }
    Some((
        format!("Verify the signature with `algorithms=[\"{alg}\"]`"),
        Edit {
            range: options.byte_range(),
            content: format!("algorithms=[\"{alg}\"]"),
        },
    ))
}

/// `RS256` when the key looks like a public key, `HS256` otherwise.
fn suggested_algorithm(checker: &Checker, args: &Arguments) -> &'static str {
    let key = args
        .get(1, "key", checker.source)
        .map(|k| checker.text(k).to_ascii_lowercase())
        .unwrap_or_default();
    if key.contains("public") || key.contains("pem") || key.contains("jwk") {
        "RS256"
    } else {
        "HS256"
    }
}

const JS_JWT: &[&str] = &["jsonwebtoken.verify", "jsonwebtoken.decode"];

/// Whether a JavaScript key argument looks like a public key (`publicKey`, `PUBLIC_KEY_PEM`,
/// `jwks`, `cert`), for the algorithm the fix proposes.
fn js_public_key(checker: &Checker, key: Node) -> bool {
    let text = checker.text(key).to_ascii_lowercase();
    ["public", "pem", "jwk", "cert"]
        .iter()
        .any(|w| text.contains(w))
}

/// `jwt.verify(token, key)` without `algorithms`, `algorithms: ["none"]`, and `jwt.decode`
/// whose claims authenticate the request.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, JS_JWT) else {
        return;
    };
    if in_test_code(checker, call) {
        return;
    }
    let positional = checker.arguments(args).positional.clone();
    if name.ends_with("decode") {
        check_js_decode(checker, func, call);
        return;
    }
    let Some(key) = positional.get(1).copied() else {
        return;
    };
    let options = positional.get(2).copied();
    let algorithms = match options {
        None => None,
        Some(o)
            if matches!(
                o.kind_str(),
                "arrow_function" | "function_expression" | "function"
            ) =>
        {
            None
        }
        Some(o) if o.kind_str() == "object" => js_entry(checker, o, "algorithms"),
        // Options built elsewhere: they may well name the algorithms.
        Some(_) => return,
    };
    if let Some(list) = algorithms {
        if list.kind_str() != "array" {
            return;
        }
        for alg in named_children(list) {
            if literal_value(checker, alg).is_some_and(|v| v.eq_ignore_ascii_case("none")) {
                checker.report(
                    alg,
                    "`jwt.verify` accepts `\"none\"` in `algorithms`: a token with `alg: none` carries no signature, so anyone can write any claims; list only the algorithms you sign with (e.g. `[\"HS256\"]`)",
                );
            }
        }
        return;
    }
    let alg = if js_public_key(checker, key) {
        "RS256"
    } else {
        "HS256"
    };
    let edit = match options {
        Some(o) if o.kind_str() == "object" => {
            let open = o.start_byte() + 1;
            let content = if named_children(o).is_empty() {
                format!(" algorithms: [\"{alg}\"] ")
            } else {
                format!(" algorithms: [\"{alg}\"],")
            };
            Edit {
                range: open..open,
                content,
            }
        }
        Some(callback) => Edit {
            range: callback.start_byte()..callback.start_byte(),
            content: format!("{{ algorithms: [\"{alg}\"] }}, "),
        },
        None => Edit {
            range: key.end_byte()..key.end_byte(),
            content: format!(", {{ algorithms: [\"{alg}\"] }}"),
        },
    };
    let finding = checker.report(
        func,
        format!(
            "`jwt.verify` is called without an `algorithms` list, so the token's header picks the algorithm; if the key can be a public key, a token signed with HS256 using that public key is accepted (algorithm confusion): pass `{{ algorithms: [\"{alg}\"] }}` with the algorithms you sign with"
        ),
    );
    finding.severity = Severity::Warning;
    finding.with_fix(
        format!("Accept only `{alg}`"),
        Applicability::Unsafe,
        vec![edit],
    );
}

/// `jwt.decode(token)` in a function that authenticates with the claims (sets `req.user`,
/// `req.userId`, `req.auth`, `res.locals.user` or `ctx.state.user`) and never calls `verify`.
fn check_js_decode<'a>(checker: &mut Checker<'a>, func: Node<'a>, call: Node<'a>) {
    let function = js_enclosing_function(checker, call);
    let body = checker.text(function);
    if body.contains("verify(") {
        return;
    }
    let authenticates = [
        "req.user =",
        "request.user =",
        "res.locals.user =",
        "ctx.state.user =",
        "req.auth =",
        "req.userId =",
        "res.locals.userId =",
        "ctx.state.userId =",
    ]
    .iter()
    .any(|m| body.contains(m));
    if authenticates {
        checker.report(
            func,
            "`jwt.decode` reads the token without checking its signature, and this function trusts the claims to authenticate the request: anyone can write `{\"sub\": \"admin\"}` into a token; use `jwt.verify(token, key, { algorithms: [...] })`",
        );
        return;
    }
    // A helper that hands the claims to its callers as the caller's identity
    // (`readClaims(token)`, `getUserFromToken`) without verifying them itself (`body` has no
    // `verify(`).
    if checker.text(call).contains("complete") {
        return;
    }
    let Some(name) = super::secret_names::js_function_name(checker, function) else {
        return;
    };
    let words = super::secret_names::words(name);
    let identity = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "claims"
                | "auth"
                | "authenticate"
                | "user"
                | "identity"
                | "principal"
                | "verify"
                | "validate"
                | "session"
                | "caller"
                | "subject"
        )
    });
    let returned = ba_analysis::ancestors(checker.item, call)
        .iter()
        .rev()
        .take_while(|a| a.id() != function.id())
        .any(|a| a.kind_str() == "return_statement")
        || function.kind_str() == "arrow_function"
            && function.field("body").is_some_and(|b| b.id() == call.id())
        // `const payload = jwt.decode(token); … return payload;`
        || call
            .parent()
            .filter(|d| d.kind_str() == "variable_declarator")
            .and_then(|d| d.field("name"))
            .filter(|n| n.kind_str() == "identifier")
            .is_some_and(|n| {
                let pattern = format!("return {}", checker.text(n));
                body.match_indices(&pattern).any(|(at, _)| {
                    !body[at + pattern.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
                })
            });
    if identity && returned {
        checker.report(
            func,
            format!(
                "`{name}` returns the claims of a token whose signature it never checks (`jwt.decode` does not verify): its callers take them for the caller's identity, and anyone can write `{{\"sub\": \"admin\"}}` into a token; use `jwt.verify(token, key, {{ algorithms: [...] }})`"
            ),
        );
    }
}

const DOCS: &str = r#"## What it does
Flags JWT decoding that does not prove who issued the token, with PyJWT and python-jose:

- `jwt.decode(token, key, verify=False)` (PyJWT 1.x) and
  `jwt.decode(token, options={"verify_signature": False})` (PyJWT 2.x, python-jose), also when
  `options` is a local variable;
- python-jose's `jwt.get_unverified_claims(token)`;
- `jwt.decode(...)` without `algorithms=` (or with `algorithms=None`): PyJWT 1.x and
  python-jose then accept whatever algorithm the token's header names;
- `algorithms` lists that contain `"none"`.

An unverified read is not reported when the same function also decodes the token with
verification: reading `iss` or `kid` first to choose the key is the documented way to handle
several issuers. `jwt.get_unverified_header` (reading `kid`) and `jwt.encode` are never reported.
Options such as `"verify_exp": False` are not reported: they weaken expiry, not authenticity,
and have legitimate uses (reading an expired token's claims during a refresh).

JavaScript and TypeScript, with `jsonwebtoken` (resolved through `require`/`import`):
`jwt.verify(token, key)` without an `algorithms` option (a warning: the token's header then
chooses among the algorithms the key allows, and a public key used as an HMAC secret is the
classic algorithm-confusion attack), `algorithms` lists that contain `"none"`, and
`jwt.decode(token)` in a function that authenticates the request with the claims (sets
`req.user`, `req.userId`, `req.auth`, `res.locals.user` or `ctx.state.user`) and never calls
`verify`, or returned by a helper named for identity (`readClaims`, `getUserFromToken`,
`authenticate`) that does not call `verify` itself.
Options passed as a variable are not judged; `jwt.decode(token, { complete: true })` to read the
header's `kid` before `verify` is not reported.

## Why is this bad?
A JWT is only as trustworthy as its signature. Without verification anyone can write
`{"sub": "admin"}` into a token. When the token picks the algorithm, an attacker can send
`alg: none`, or `alg: HS256` signed with your RSA *public* key as the HMAC secret (algorithm
confusion), and be accepted.

## Example
```python
import jwt

def current_user(token):
    claims = jwt.decode(token, options={"verify_signature": False})
    return User.get(claims["sub"])

def verify(token, public_key):
    return jwt.decode(token, public_key)
```

```javascript
const jwt = require("jsonwebtoken");

function requireAuth(req, res, next) {
  req.user = jwt.decode(req.cookies.token);
  next();
}
```

## Use instead
```python
import jwt

def current_user(token):
    claims = jwt.decode(token, settings.JWT_KEY, algorithms=["HS256"])
    return User.get(claims["sub"])

def verify(token, public_key):
    return jwt.decode(token, public_key, algorithms=["RS256"], audience="api")
```

```javascript
const jwt = require("jsonwebtoken");

function requireAuth(req, res, next) {
  req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET, { algorithms: ["HS256"] });
  next();
}
```

## Fix
When `algorithms` is missing (or `None`), an unsafe fix passes `algorithms=["HS256"]`
(`["RS256"]` when the key argument's name mentions a public key, PEM or JWK). It is unsafe
because the list must name the algorithms you actually issue.

For `jwt.verify` without `algorithms`, an unsafe fix adds `{ algorithms: ["HS256"] }` (or
`["RS256"]` when the key's name mentions a public key, PEM, JWK or certificate) to the options.

## References
- [CWE-347: Improper Verification of Cryptographic Signature](https://cwe.mitre.org/data/definitions/347.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [PyJWT: `jwt.decode` and `algorithms`](https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode)
- [python-jose: JWT API](https://python-jose.readthedocs.io/en/latest/jwt/api.html)
- [RFC 8725: JSON Web Token Best Current Practices](https://www.rfc-editor.org/rfc/rfc8725)
- [jsonwebtoken: `jwt.verify` options](https://github.com/auth0/node-jsonwebtoken#jwtverifytoken-secretorpublickey-options-callback)
"#;
