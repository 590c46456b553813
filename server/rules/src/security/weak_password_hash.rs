//! SEC503 weak-password-hash: passwords hashed with a fast general-purpose hash.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{in_test_code, is_password_name, literal_value, operand_name};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, Arguments, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC503",
    name: "weak-password-hash",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[916, 759],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A password is hashed with a fast hash (MD5, SHA-1, SHA-2…); use a password hashing function: scrypt, argon2, bcrypt or Django's `make_password`.",
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
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_django_hashers,
        },
    ],
};

/// Django hashers that are fast hashes (or DES `crypt`).
const WEAK_DJANGO_HASHERS: &[&str] = &[
    "MD5PasswordHasher",
    "UnsaltedMD5PasswordHasher",
    "SHA1PasswordHasher",
    "UnsaltedSHA1PasswordHasher",
    "CryptPasswordHasher",
];

/// `PASSWORD_HASHERS = ["…MD5PasswordHasher", …]`: Django hashes every new password with the
/// first hasher of the list (the others only verify older hashes, and upgrade them at login).
fn check_django_hashers<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(setting) = super::settings::assigned(checker, caps, &["PASSWORD_HASHERS"]) else {
        return;
    };
    if !matches!(setting.value.kind_str(), "list" | "tuple") {
        return;
    }
    let entries: Vec<Node<'a>> = named_children(setting.value)
        .into_iter()
        .filter(|e| e.kind_str() != "comment")
        .collect();
    let Some(first) = entries.first().copied() else {
        return;
    };
    let Some(path) = checker.string_value(first) else {
        return;
    };
    let class = path.rsplit('.').next().unwrap_or(path);
    if !WEAK_DJANGO_HASHERS.contains(&class) {
        return;
    }
    // A strong hasher further down: swap it to the front (the weak one still verifies old
    // hashes and Django upgrades them at the next login).
    let strong = entries[1..].iter().copied().find(|e| {
        checker.string_value(*e).is_some_and(|p| {
            let c = p.rsplit('.').next().unwrap_or(p);
            !WEAK_DJANGO_HASHERS.contains(&c) && c.ends_with("PasswordHasher")
        })
    });
    let edits = match strong {
        Some(s) => vec![
            Edit {
                range: first.byte_range(),
                content: checker.text(s).to_owned(),
            },
            Edit {
                range: s.byte_range(),
                content: checker.text(first).to_owned(),
            },
        ],
        None => vec![Edit {
            range: first.start_byte()..first.start_byte(),
            content: "\"django.contrib.auth.hashers.PBKDF2PasswordHasher\", ".to_owned(),
        }],
    };
    let finding = checker.report(
        first,
        format!(
            "Django hashes new passwords with the first of `PASSWORD_HASHERS`, here `{class}`, a fast hash that GPUs try billions of times a second; put `PBKDF2PasswordHasher` (or `Argon2PasswordHasher`, `ScryptPasswordHasher`) first and keep `{class}` after it only to verify old hashes"
        ),
    );
    finding.with_fix(
        "Hash new passwords with a password hasher first",
        Applicability::Unsafe,
        edits,
    );
}

const CONSTRUCTORS: &[&str] = &[
    "hashlib.md5",
    "hashlib.sha1",
    "hashlib.sha224",
    "hashlib.sha256",
    "hashlib.sha384",
    "hashlib.sha512",
    "hashlib.sha3_224",
    "hashlib.sha3_256",
    "hashlib.sha3_384",
    "hashlib.sha3_512",
    "hashlib.blake2b",
    "hashlib.blake2s",
    "hashlib.new",
];

/// The data argument of a hash constructor call (`hashlib.new(name, data)` has it second).
fn data_argument<'a>(checker: &Checker<'a>, name: &str, args: &Arguments<'a>) -> Option<Node<'a>> {
    if name == "hashlib.new" {
        args.get(1, "data", checker.source)
    } else {
        args.get(0, "data", checker.source)
            .or_else(|| args.keyword("string", checker.source))
    }
}

/// The password name the data is derived from: `password`, `(salt + password).encode()`,
/// `f"{salt}{user.password}"`, `request.form["password"].encode("utf-8")`, `bytes(pwd, "utf-8")`.
fn password_in<'a>(checker: &Checker<'a>, node: Node<'a>, depth: u32) -> Option<String> {
    if depth > 6 {
        return None;
    }
    let recurse = |n: Node<'a>| password_in(checker, n, depth + 1);
    match node.kind_str() {
        "identifier" | "attribute" | "subscript" => {
            operand_name(checker, node).filter(|n| is_password_name(n))
        }
        "binary_operator" => node
            .field("left")
            .and_then(recurse)
            .or_else(|| node.field("right").and_then(recurse)),
        "parenthesized_expression" | "concatenated_string" => {
            named_children(node).into_iter().find_map(recurse)
        }
        "string" => named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() == "interpolation")
            .find_map(|i| i.field("expression").and_then(recurse)),
        "call" => {
            let func = node.field("function")?;
            let args = node.field("arguments")?;
            let arg_list: Vec<Node> = named_children(args)
                .into_iter()
                .filter(|a| a.kind_str() != "comment" && a.kind_str() != "keyword_argument")
                .collect();
            match func.kind_str() {
                "attribute" => {
                    let method = checker.text(func.field("attribute")?);
                    let object = func.field("object")?;
                    match method {
                        "encode" | "strip" | "lower" | "upper" | "rstrip" | "lstrip" => {
                            recurse(object)
                        }
                        "format" | "join" => arg_list.into_iter().find_map(recurse),
                        "get" | "pop" => {
                            operand_name(checker, node).filter(|n| is_password_name(n))
                        }
                        _ => None,
                    }
                }
                "identifier" => match checker.text(func) {
                    "bytes" | "str" | "bytearray" => arg_list.first().copied().and_then(recurse),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args = checker.arguments(args_node);
    // `h.update(password.encode())` where `h = hashlib.sha256()` in the same function.
    if func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "update")
    {
        let Some(object) = func.field("object") else {
            return;
        };
        if object.kind_str() != "identifier" {
            return;
        }
        let Lookup::Local(bindings) = checker.lookup(object) else {
            return;
        };
        let hash = bindings.iter().find_map(|b| match b {
            Binding::Value(v) if v.kind_str() == "call" => v
                .field("function")
                .and_then(|f| checker.resolve_callee(f, CONSTRUCTORS))
                .map(|q| (q, *v)),
            _ => None,
        });
        let Some((hash_name, ctor)) = hash else {
            return;
        };
        let Some(data) = args.get(0, "data", checker.source) else {
            return;
        };
        if let Some(password) = password_in(checker, data, 0) {
            if in_test_code(checker, func) {
                return;
            }
            let algorithm = algorithm_of(checker, &hash_name, ctor);
            report(checker, func, &algorithm, &password);
        }
        return;
    }
    let Some(name) = checker.resolve_callee(func, CONSTRUCTORS) else {
        return;
    };
    let Some(data) = data_argument(checker, &name, &args) else {
        return;
    };
    let Some(password) = password_in(checker, data, 0) else {
        return;
    };
    if in_test_code(checker, func) {
        return;
    }
    let algorithm = match name.as_str() {
        "hashlib.new" => args
            .get(0, "name", checker.source)
            .and_then(|n| literal_value(checker, n))
            .map(|n| format!("hashlib.new(\"{n}\")"))
            .unwrap_or_else(|| "hashlib.new".to_owned()),
        other => other.to_owned(),
    };
    let fix = scrypt_fix(checker, func, data);
    report(checker, func, &algorithm, &password);
    if let Some((edits, needs_os)) = fix {
        let finding = checker.findings.last_mut().expect("just reported");
        finding.with_fix(
            "Hash with scrypt and a random salt (`hash_password`); stored hashes and the code that checks them must change too",
            Applicability::Unsafe,
            edits,
        );
        if needs_os {
            finding.with_import("os");
        }
    }
}

/// The helper the fix adds: scrypt with a random salt, kept with the hash so it can be checked.
const HASH_PASSWORD: &str = r#"def hash_password(password: bytes) -> str:
    """scrypt with a random salt, stored with the hash as `scrypt$<salt>$<hash>` (hex)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password, salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"
"#;

/// `hashlib.sha256(password.encode()).hexdigest()` → `hash_password(password.encode())` and the
/// helper above the function. Only where a hash is made for storing: a comparison
/// (`stored == md5(pw).hexdigest()`) must become a verification instead, which is no
/// mechanical edit.
fn scrypt_fix<'a>(
    checker: &Checker<'a>,
    func: Node<'a>,
    data: Node<'a>,
) -> Option<(Vec<Edit>, bool)> {
    let src = checker.source;
    if func.kind_str() != "attribute" || checker.semantic.imports.get("hashlib")? != "hashlib" {
        return None;
    }
    if checker.semantic.bindings.contains_key("hash_password")
        || checker.semantic.imports.contains_key("hash_password")
    {
        return None;
    }
    let needs_os = crate::imports::python_needs_import(checker, "os")?;
    let call = func.parent()?;
    let lineage = ba_analysis::ancestors(checker.item, call);
    let mut up = lineage.iter().rev();
    // call → attribute `.hexdigest` → call `()`.
    let attribute = up.next().filter(|a| a.kind_str() == "attribute")?;
    let method = attribute.field("attribute")?;
    let digest = up.next().filter(|c| c.kind_str() == "call")?;
    if src[method.byte_range()].ne("hexdigest") || !src[digest.byte_range()].ends_with("()") {
        return None;
    }
    if up.any(|a| a.kind_str() == "comparison_operator") {
        return None;
    }
    let newline = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let helper = format!("{HASH_PASSWORD}\n\n").replace('\n', newline);
    let at = checker.item.start_byte();
    Some((
        vec![
            Edit {
                range: at..at,
                content: helper,
            },
            Edit {
                range: digest.byte_range(),
                content: format!("hash_password({})", &src[data.byte_range()]),
            },
        ],
        needs_os,
    ))
}

/// The algorithm a hash object was made with, for the message.
fn algorithm_of<'a>(checker: &Checker<'a>, name: &str, ctor: Node<'a>) -> String {
    if name != "hashlib.new" {
        return name.to_owned();
    }
    ctor.field("arguments")
        .and_then(|a| checker.arguments(a).get(0, "name", checker.source))
        .and_then(|n| literal_value(checker, n))
        .map(|n| format!("hashlib.new(\"{n}\")"))
        .unwrap_or_else(|| name.to_owned())
}

fn report(checker: &mut Checker, func: Node, algorithm: &str, password: &str) {
    checker.report(
        func,
        format!(
            "`{algorithm}` hashes the password `{password}` with a fast hash that GPUs try billions of times a second; use a password hashing function: `hashlib.scrypt`, argon2-cffi, bcrypt, or Django's `make_password` / passlib"
        ),
    );
}

/// The password name JavaScript data is derived from: `password`, `req.body.password`,
/// `salt + password`, `` `${salt}${password}` ``, `Buffer.from(password)`, `password.trim()`.
pub(crate) fn js_password_in<'a>(
    checker: &Checker<'a>,
    node: Node<'a>,
    depth: u32,
) -> Option<String> {
    if depth > 6 {
        return None;
    }
    let recurse = |n: Node<'a>| js_password_in(checker, n, depth + 1);
    match node.kind_str() {
        "identifier" | "member_expression" | "subscript_expression" => {
            operand_name(checker, node).filter(|n| is_password_name(n))
        }
        "binary_expression" => node
            .field("left")
            .and_then(recurse)
            .or_else(|| node.field("right").and_then(recurse)),
        "parenthesized_expression" | "non_null_expression" | "as_expression" => {
            node.named_child(0).and_then(recurse)
        }
        "template_string" => named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() == "template_substitution")
            .find_map(|s| s.named_child(0).and_then(recurse)),
        "call_expression" => {
            let func = node.field("function")?;
            let args = node.field("arguments")?;
            let first = named_children(args).into_iter().next();
            match func.kind_str() {
                "member_expression" => {
                    let method = checker.text(func.field("property")?);
                    let object = func.field("object")?;
                    match method {
                        "from" if checker.text(object) == "Buffer" => first.and_then(recurse),
                        "trim" | "normalize" | "toString" | "toLowerCase" => recurse(object),
                        "concat" => recurse(object).or_else(|| first.and_then(recurse)),
                        _ => None,
                    }
                }
                "identifier" if checker.text(func) == "String" => first.and_then(recurse),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `crypto.createHash(…)` calls (the `createHash` callee resolved through imports).
const JS_CREATE_HASH: &[&str] = &["crypto.createHash"];

/// The hash a JavaScript hash object comes from: `crypto.createHash("sha256")` itself, or a
/// local bound to it (`const h = crypto.createHash("md5")`).
fn js_hash_call<'a>(checker: &Checker<'a>, object: Node<'a>) -> Option<Node<'a>> {
    let call = match object.kind_str() {
        "call_expression" => object,
        "identifier" => match checker.lookup(object) {
            Lookup::Local(bindings) => match bindings.as_slice() {
                [Binding::Value(v)] if v.kind_str() == "call_expression" => *v,
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    let func = call.field("function")?;
    checker.resolve_callee(func, JS_CREATE_HASH)?;
    Some(call)
}

/// The smallest PBKDF2 iteration count not reported (OWASP asks for 600,000 with SHA-256; we
/// report what is clearly too low).
const JS_MIN_PBKDF2: u64 = 100_000;

/// `crypto.createHash(…).update(password)`, and `crypto.pbkdf2(password, salt, 1000, …)`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let positional = checker.arguments(args_node).positional.clone();
    if func.kind_str() != "member_expression" {
        if func.kind_str() == "identifier" {
            check_js_pbkdf2(checker, func, &positional);
        }
        return;
    }
    let method = func
        .field("property")
        .map(|p| checker.text(p))
        .unwrap_or("");
    if method != "update" {
        check_js_pbkdf2(checker, func, &positional);
        return;
    }
    let Some(data) = positional.first().copied() else {
        return;
    };
    let Some(password) = js_password_in(checker, data, 0) else {
        return;
    };
    let Some(object) = func.field("object") else {
        return;
    };
    let Some(hash) = js_hash_call(checker, object) else {
        return;
    };
    if in_test_code(checker, func) {
        return;
    }
    let algorithm = hash
        .field("arguments")
        .and_then(|a| checker.arguments(a).positional.clone().first().copied())
        .and_then(|a| literal_value(checker, a))
        .map_or("crypto.createHash".to_owned(), |a| {
            format!("crypto.createHash(\"{a}\")")
        });
    checker.report(
        func,
        format!(
            "`{algorithm}` hashes the password `{password}` with a fast hash that GPUs try billions of times a second; use a password hashing function: `crypto.scrypt`, argon2 or bcrypt"
        ),
    );
}

/// bcrypt's cost below which a hash is reported (OWASP: 10 at least; each step doubles the
/// work, and 4 is the library's minimum).
const MIN_BCRYPT_COST: u64 = 10;

/// `bcrypt.hash(password, 4)`, `bcrypt.genSalt(6)` (bcrypt and bcryptjs): a cost so low that the
/// slow hash is fast.
fn check_js_bcrypt<'a>(checker: &mut Checker<'a>, func: Node<'a>, positional: &[Node<'a>]) -> bool {
    let Some(name) = checker.resolve_callee(
        func,
        &[
            "bcrypt.hash",
            "bcrypt.hashSync",
            "bcrypt.genSalt",
            "bcrypt.genSaltSync",
            "bcryptjs.hash",
            "bcryptjs.hashSync",
            "bcryptjs.genSalt",
            "bcryptjs.genSaltSync",
        ],
    ) else {
        return false;
    };
    let index = usize::from(name.contains(".hash"));
    let Some(cost) = positional
        .get(index)
        .copied()
        .filter(|n| n.kind_str() == "number")
    else {
        return true;
    };
    let Ok(rounds) = checker.text(cost).parse::<u64>() else {
        return true;
    };
    if rounds >= MIN_BCRYPT_COST || in_test_code(checker, func) {
        return true;
    }
    let short = name.rsplit('.').next().unwrap_or(&name);
    checker
        .report(
            cost,
            format!("`{short}` uses a bcrypt cost of {rounds}: each step below 10 halves the work an attacker needs per guess; use a cost of at least 10 (12 is common)"),
        )
        .with_fix(
            "Use a cost of 12",
            Applicability::Unsafe,
            vec![Edit {
                range: cost.byte_range(),
                content: "12".to_owned(),
            }],
        );
    true
}

fn check_js_pbkdf2<'a>(checker: &mut Checker<'a>, func: Node<'a>, positional: &[Node<'a>]) {
    if check_js_bcrypt(checker, func, positional) {
        return;
    }
    let Some(name) = checker.resolve_callee(func, &["crypto.pbkdf2", "crypto.pbkdf2Sync"]) else {
        return;
    };
    let Some(iterations) = positional
        .get(2)
        .copied()
        .filter(|n| n.kind_str() == "number")
    else {
        return;
    };
    let Ok(count) = checker.text(iterations).replace('_', "").parse::<u64>() else {
        return;
    };
    if count >= JS_MIN_PBKDF2 || in_test_code(checker, func) {
        return;
    }
    let short = name.trim_start_matches("crypto.");
    checker.report(
        iterations,
        format!(
            "`{short}` derives the key with only {count} iterations, so a stolen hash is cheap to brute-force; use at least 600000 iterations with SHA-256 (OWASP), or `crypto.scrypt`/argon2"
        ),
    );
}

const DOCS: &str = r#"## What it does
Flags `hashlib` hashes (`md5`, `sha1`, the SHA-2 and SHA-3 families, `blake2b`/`blake2s`, and
`hashlib.new("…")`) applied to a password: data whose name (a variable, attribute, dictionary
key or `.get("…")` key) ends in `password`, `passwd`, `pwd`, `passphrase` or `pw`, also through
`.encode()`, concatenation with a salt, f-strings and `bytes(…)`, and `h.update(password…)` on a
hash object made in the same function.

Not reported: `hashlib.pbkdf2_hmac`, `hashlib.scrypt`, bcrypt, argon2, passlib; hashing file
contents, cache keys or random tokens (`reset_password_token`: its last word is `token`, and a
random token needs no slow hash); names that hold a hash already (`password_hash`).

JavaScript and TypeScript: `crypto.createHash(…).update(password)` (chained, or on a hash
object made in the same function), with password data found through `Buffer.from(…)`,
concatenation and template literals; `crypto.pbkdf2`/`pbkdf2Sync` with a literal iteration
count under 100,000; and `bcrypt`/`bcryptjs` `hash`/`genSalt` with a literal cost under 10.
`bcrypt.hash` with a cost of 10 or more, `argon2.hash`, `crypto.scrypt` and PBKDF2 with enough
iterations are not reported.

Django settings whose `PASSWORD_HASHERS` list starts with `MD5PasswordHasher`,
`SHA1PasswordHasher`, their unsalted variants or `CryptPasswordHasher` (Django hashes new
passwords with the first entry); development and test settings, which often choose MD5 for
speed, are not judged.

## Why is this bad?
General-purpose hashes are built to be fast. Stolen password hashes made with them are cracked
at billions of guesses per second on one GPU, salt or no salt: a salt only stops precomputed
tables. Password hashing functions are deliberately slow and memory-hard, and carry their own
salt and cost parameters.

## Example
```python
import hashlib

def set_password(user, password):
    salt = os.urandom(16).hex()
    user.password_hash = salt + hashlib.sha256((salt + password).encode()).hexdigest()
```

```javascript
const crypto = require("crypto");

function hashPassword(password) {
  return crypto.createHash("sha256").update(password).digest("hex");
}
```

## Use instead
```python
from argon2 import PasswordHasher

ph = PasswordHasher()

def set_password(user, password):
    user.password_hash = ph.hash(password)
```
(or `bcrypt.hashpw(password.encode(), bcrypt.gensalt())`, Django's `make_password(password)`,
or `hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)` from the standard library.)

```javascript
const bcrypt = require("bcrypt");

async function hashPassword(password) {
  return bcrypt.hash(password, 12);
}
```

## References
- [CWE-916: Use of Password Hash With Insufficient Computational Effort](https://cwe.mitre.org/data/definitions/916.html)
- [CWE-759: Use of a One-Way Hash without a Salt](https://cwe.mitre.org/data/definitions/759.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [OWASP Password Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
- [Python `hashlib.scrypt`](https://docs.python.org/3/library/hashlib.html#hashlib.scrypt)
- [argon2-cffi](https://argon2-cffi.readthedocs.io/)
- [Node.js: `crypto.scrypt`](https://nodejs.org/api/crypto.html#cryptoscryptpassword-salt-keylen-options-callback)
"#;
