//! SEC601 weak-hash: MD4/MD5/SHA-1 digests used where a collision-resistant hash is expected.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{string_value, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC601",
    name: "weak-hash",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[327, 328],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "MD5, MD4 or SHA-1 is used as a hash; use SHA-256 (or BLAKE2/SHA-3), or (Python) pass `usedforsecurity=False` when the digest is not a security control.",
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

/// Constructors of a weak digest, with the algorithm's display name.
const WEAK_CONSTRUCTORS: &[(&str, &str)] = &[
    ("hashlib.md5", "MD5"),
    ("hashlib.sha1", "SHA-1"),
    ("Crypto.Hash.MD5.new", "MD5"),
    ("Crypto.Hash.MD4.new", "MD4"),
    ("Crypto.Hash.MD2.new", "MD2"),
    ("Crypto.Hash.SHA.new", "SHA-1"),
    ("Crypto.Hash.SHA1.new", "SHA-1"),
    ("Cryptodome.Hash.MD5.new", "MD5"),
    ("Cryptodome.Hash.MD4.new", "MD4"),
    ("Cryptodome.Hash.MD2.new", "MD2"),
    ("Cryptodome.Hash.SHA.new", "SHA-1"),
    ("Cryptodome.Hash.SHA1.new", "SHA-1"),
    ("cryptography.hazmat.primitives.hashes.MD5", "MD5"),
    ("cryptography.hazmat.primitives.hashes.SHA1", "SHA-1"),
];

const NEW_BY_NAME: &[&str] = &["hashlib.new"];
const HMAC: &[&str] = &["hmac.new", "hmac.digest", "hmac.HMAC"];

const ALL: &[&str] = &[
    "hashlib.md5",
    "hashlib.sha1",
    "Crypto.Hash.MD5.new",
    "Crypto.Hash.MD4.new",
    "Crypto.Hash.MD2.new",
    "Crypto.Hash.SHA.new",
    "Crypto.Hash.SHA1.new",
    "Cryptodome.Hash.MD5.new",
    "Cryptodome.Hash.MD4.new",
    "Cryptodome.Hash.MD2.new",
    "Cryptodome.Hash.SHA.new",
    "Cryptodome.Hash.SHA1.new",
    "cryptography.hazmat.primitives.hashes.MD5",
    "cryptography.hazmat.primitives.hashes.SHA1",
    "hashlib.new",
    "hmac.new",
    "hmac.digest",
    "hmac.HMAC",
];

/// The display name of a weak algorithm given by name (`hashlib.new("md5")`).
fn weak_by_name(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "md5" => Some("MD5"),
        "md4" => Some("MD4"),
        "sha1" | "sha" => Some("SHA-1"),
        _ => None,
    }
}

/// Text that names a password: those digests are SEC503's business (password hashing).
fn mentions_password(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["password", "passwd", "pwd"].iter().any(|w| t.contains(w))
}

/// cryptography constructions that stay sound with SHA-1 because they need no collision
/// resistance: HMAC and what is built on it (HKDF, PBKDF2, HOTP/TOTP), and OAEP/MGF1 padding.
const SHA1_SAFE_USERS: &[&str] = &[
    "cryptography.hazmat.primitives.hmac.HMAC",
    "cryptography.hazmat.primitives.kdf.hkdf.HKDF",
    "cryptography.hazmat.primitives.kdf.hkdf.HKDFExpand",
    "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC",
    "cryptography.hazmat.primitives.twofactor.hotp.HOTP",
    "cryptography.hazmat.primitives.twofactor.totp.TOTP",
    "cryptography.hazmat.primitives.asymmetric.padding.MGF1",
    "cryptography.hazmat.primitives.asymmetric.padding.OAEP",
];

/// Whether the `hashes.SHA1()` call whose callee is `func` is an argument of one of
/// `SHA1_SAFE_USERS` (`padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), …)`, `TOTP(…, hashes.SHA1(), …)`).
fn in_sha1_safe_construction<'a>(checker: &Checker<'a>, func: Node<'a>) -> bool {
    let Some(mut node) = func.parent() else {
        return false;
    };
    // call → (keyword_argument →) argument_list → call
    while let Some(parent) = node.parent() {
        match parent.kind_str() {
            "keyword_argument" | "argument_list" => node = parent,
            "call" if node.kind_str() == "argument_list" => {
                return parent
                    .field("function")
                    .and_then(|f| checker.resolve_callee(f, SHA1_SAFE_USERS))
                    .is_some();
            }
            _ => return false,
        }
    }
    false
}

fn is_false(checker: &Checker, node: Node) -> bool {
    node.kind_str() == "false" || checker.text(node) == "False"
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, ALL) else {
        return;
    };
    let args = checker.arguments(args_node);
    let src = checker.source;
    if args
        .keyword("usedforsecurity", src)
        .is_some_and(|v| is_false(checker, v))
    {
        return;
    }
    // Digests of passwords are SEC503's (password hashing) business.
    let password = mentions_password(checker.text(args_node));
    // A checksum of data a client sent can be made to collide (a deduplication key, an
    // integrity check of an upload); of the server's own data (an e-mail for Gravatar, a user id
    // spread over upload folders), a named non-security use is what it says.
    let from_client = args
        .positional
        .iter()
        .any(|a| checker.taint(*a, Sink::Code).is_some_and(|t| t.user));
    if !from_client && names_non_security_use(checker, func) {
        return;
    }
    if let Some((_, algo)) = WEAK_CONSTRUCTORS.iter().find(|(q, _)| *q == name) {
        if password {
            return;
        }
        if name == "cryptography.hazmat.primitives.hashes.SHA1"
            && in_sha1_safe_construction(checker, func)
        {
            return;
        }
        let short = checker.text(func).to_owned();
        let message = if name.starts_with("cryptography.") {
            format!("`{short}()` selects {algo}, which has practical collisions; use `hashes.SHA256()` (or SHA-3/BLAKE2)")
        } else if name.starts_with("hashlib.") {
            format!("`{short}` computes {algo}, which has practical collisions; use SHA-256 (`hashlib.sha256`) or BLAKE2, or pass `usedforsecurity=False` if this digest is not a security control")
        } else {
            format!("`{short}` computes {algo}, which has practical collisions; use `SHA256.new` (or SHA-3/BLAKE2)")
        };
        let rename = (name.starts_with("hashlib.") && func.kind_str() == "attribute")
            .then(|| func.field("attribute"))
            .flatten();
        let finding = checker.report(func, message);
        if let Some(attr) = rename {
            finding.with_fix(
                "Use SHA-256 (`hashlib.sha256`)",
                Applicability::Unsafe,
                vec![Edit {
                    range: attr.byte_range(),
                    content: "sha256".to_owned(),
                }],
            );
        }
        return;
    }
    if NEW_BY_NAME.contains(&name.as_str()) {
        let Some(algo_node) = args.get(0, "name", src) else {
            return;
        };
        let Some(algo) = string_value(checker.language, algo_node, src).and_then(weak_by_name)
        else {
            return;
        };
        if password {
            return;
        }
        let text = checker.text(algo_node).to_owned();
        let fix = sha256_literal(checker, algo_node);
        let finding = checker.report(algo_node, format!(
            "`hashlib.new({text})` computes {algo}, which has practical collisions; use `\"sha256\"` (or BLAKE2/SHA-3), or pass `usedforsecurity=False` if this digest is not a security control"
        ));
        if let Some(edit) = fix {
            finding.with_fix("Use SHA-256", Applicability::Unsafe, vec![edit]);
        }
        return;
    }
    if HMAC.contains(&name.as_str()) {
        let Some(digest) = args.get(2, "digestmod", src) else {
            return;
        };
        // HMAC needs no collision resistance, so HMAC-SHA1 is still sound (TOTP, webhook
        // signatures); MD5 and MD4 are the ones to retire.
        let algo = match string_value(checker.language, digest, src) {
            Some(s) => weak_by_name(s),
            None => match checker.resolve(digest).as_deref() {
                Some("hashlib.md5" | "Crypto.Hash.MD5" | "Cryptodome.Hash.MD5") => Some("MD5"),
                _ => None,
            },
        };
        if algo != Some("MD5") && algo != Some("MD4") {
            return;
        }
        let algo = algo.unwrap_or("MD5");
        let text = checker.text(digest).to_owned();
        let call = checker.text(func).to_owned();
        let fix = if digest.kind_str() == "attribute" && text.starts_with("hashlib.") {
            digest.field("attribute").map(|a| Edit {
                range: a.byte_range(),
                content: "sha256".to_owned(),
            })
        } else {
            sha256_literal(checker, digest)
        };
        let finding = checker.report(
            digest,
            format!("`{call}` uses `{text}` (HMAC-{algo}); use `hashlib.sha256` as the digest"),
        );
        if let Some(edit) = fix {
            finding.with_fix("Use HMAC-SHA-256", Applicability::Unsafe, vec![edit]);
        }
    }
}

/// Words that name a digest that is not a security control: an ETag, a checksum, a cache key,
/// a Gravatar or e-mail lookup hash, a path spread over directories, a file's content hash.
const NON_SECURITY_USES: &[&str] = &[
    "etag",
    "checksum",
    "cache",
    "gravatar",
    "avatar",
    "email",
    "spread",
    "upload_to",
    "file_hash",
    "filehash",
    "dedup",
    "shard",
    "bucket",
    "colour",
    "color",
];

/// Whether the enclosing function or the statement names a use that is not a security control
/// (Python: most code omits `usedforsecurity=False`), or the digest is made in test code.
fn names_non_security_use<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    let chain = ba_analysis::ancestors(checker.item, node);
    let function = chain
        .iter()
        .rev()
        .find(|a| a.kind_str() == "function_definition")
        .and_then(|f| f.field("name"))
        .map(|n| checker.text(n).to_ascii_lowercase())
        .unwrap_or_default();
    let statement = chain
        .iter()
        .rev()
        .find(|a| {
            matches!(
                a.kind_str(),
                "expression_statement" | "return_statement" | "assignment"
            )
        })
        .map(|a| checker.text(*a).to_ascii_lowercase())
        .unwrap_or_default();
    let function_text = chain
        .iter()
        .rev()
        .find(|a| a.kind_str() == "function_definition")
        .map(|f| checker.text(*f).to_ascii_lowercase())
        .unwrap_or_default();
    NON_SECURITY_USES
        .iter()
        .any(|w| function.contains(w) || statement.contains(w))
        || truncated_to_identifier(&statement)
        || websocket_accept_key(&statement)
        || websocket_accept_key(&function_text)
        || super::secret_names::in_test_code(checker, node)
}

/// The WebSocket handshake's `Sec-WebSocket-Accept` value, which RFC 6455 defines as the
/// SHA-1 of the client's key and a fixed GUID: the protocol, not a choice (lowercase text).
fn websocket_accept_key(text: &str) -> bool {
    text.contains("258eafa5-e914-47da-95ca-c5ab0dc85b11") || text.contains("sec-websocket-accept")
}

/// `md5(…).hexdigest()[:12]`: a digest cut to a few characters is a short identifier (a cache
/// or ACL key, a file name); no security control keeps 48 bits of a hash.
fn truncated_to_identifier(statement: &str) -> bool {
    ["hexdigest()[:", "digest()[:"].iter().any(|cut| {
        statement.match_indices(cut).any(|(i, _)| {
            let digits: String = statement[i + cut.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<usize>().is_ok_and(|n| n <= 16)
        })
    })
}

/// `crypto.createHash("md5")` and `crypto.createHash("sha1")`, unless the digest is a password
/// hash (SEC503 reports those) or plainly not a security control (an ETag, a checksum, a cache
/// key: named so by the function or the variable it is made in).
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, &["crypto.createHash"]) else {
        return;
    };
    let Some(algo_node) = checker.arguments(args).positional.clone().first().copied() else {
        return;
    };
    let Some(algo) = string_value(checker.language, algo_node, checker.source) else {
        return;
    };
    let shown_algo = match algo.to_ascii_lowercase().as_str() {
        "md5" => "MD5",
        "md4" => "MD4",
        "sha1" | "sha-1" => "SHA-1",
        "md5-sha1" => "MD5-SHA1",
        _ => return,
    };
    // `createHash("sha1").update(password)`: a password hash, reported by SEC503.
    if let Some(update) = call
        .parent()
        .filter(|p| p.kind_str() == "member_expression")
        .and_then(|m| m.parent())
        .filter(|c| c.kind_str() == "call_expression")
    {
        let data = update
            .field("arguments")
            .and_then(|a| checker.arguments(a).positional.clone().first().copied());
        if data.is_some_and(|d| super::weak_password_hash::js_password_in(checker, d, 0).is_some())
        {
            return;
        }
    }
    let function = super::secret_names::js_enclosing_function(checker, call);
    // `const h = createHash("sha1"); h.update(salt + password)`: also a password hash.
    if let Some(name) = call
        .parent()
        .filter(|p| p.kind_str() == "variable_declarator")
        .and_then(|d| d.field("name"))
        .filter(|n| n.kind_str() == "identifier")
    {
        if js_updates_with_password(checker, function, checker.text(name)) {
            return;
        }
    }
    // A callback (`new Promise(function (resolve) {…})`, `stream.on("data", …)`) is known by
    // the function it is written in.
    let named = ba_analysis::ancestors(checker.item, call)
        .into_iter()
        .rev()
        .filter(|a| ba_analysis::routes::is_js_function(a.kind_str()))
        .find(|f| super::secret_names::js_function_name(checker, *f).is_some())
        .unwrap_or(function);
    let context = super::secret_names::js_function_name(checker, named)
        .unwrap_or("")
        .to_ascii_lowercase();
    let statement = ba_analysis::ancestors(checker.item, call)
        .into_iter()
        .rev()
        .find(|a| a.kind_str().ends_with("declaration") || a.kind_str() == "expression_statement")
        .map(|a| checker.text(a).to_ascii_lowercase())
        .unwrap_or_default();
    if js_non_security_use(checker, named, &context, &statement)
        || websocket_accept_key(&statement)
        || websocket_accept_key(&checker.text(function).to_ascii_lowercase())
        || names_a_file_or_record(checker, function, call)
        || super::secret_names::in_test_code(checker, call)
    {
        return;
    }
    let short = name.trim_start_matches("crypto.");
    let fix = sha256_literal(checker, algo_node);
    let finding = checker.report(
        algo_node,
        format!(
            "`{short}(\"{algo}\")` computes {shown_algo}, which has practical collisions; use `\"sha256\"` (or SHA-3/BLAKE2) for signatures, integrity checks and identifiers an attacker can influence"
        ),
    );
    if let Some(edit) = fix {
        finding.with_fix("Use SHA-256", Applicability::Unsafe, vec![edit]);
    }
}

/// The digest names a file or a record: the name it is stored in is later joined into a path
/// (`path.join(os.tmpdir(), md5sum)`), or it is stored as an id (`data.blog_id = …`) with no
/// word that guards anything around it.
fn names_a_file_or_record<'a>(checker: &Checker<'a>, function: Node<'a>, call: Node<'a>) -> bool {
    let mut holder = None;
    let mut node = call;
    while let Some(parent) = node.parent() {
        match parent.kind_str() {
            "member_expression" | "call_expression" | "arguments" | "await_expression" => {
                node = parent
            }
            "variable_declarator" => {
                holder = parent.field("name");
                break;
            }
            "assignment_expression" => {
                holder = parent.field("left");
                break;
            }
            _ => break,
        }
    }
    let Some(holder) = holder else {
        return false;
    };
    let name = checker.text(holder);
    let words = super::secret_names::words(name);
    if SECURITY_WORDS
        .iter()
        .any(|w| words.iter().any(|x| x.contains(w)))
    {
        return false;
    }
    if words.last().is_some_and(|w| w == "id") {
        return true;
    }
    if holder.kind_str() != "identifier" {
        return false;
    }
    // `md5sum = md5sum.digest("hex")` after `let md5sum = createHash("md5")`: the same name.
    let mut stack = vec![function];
    let mut budget = 4096;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        if n.kind_str() == "call_expression" {
            let callee = n.field("function").map(|f| checker.text(f)).unwrap_or("");
            if matches!(callee, "path.join" | "path.resolve" | "join" | "resolve")
                && n.field("arguments").is_some_and(|a| {
                    ba_analysis::named_children(a)
                        .iter()
                        .any(|x| checker.text(*x) == name)
                })
            {
                return true;
            }
        }
        stack.extend(ba_analysis::named_children(n));
    }
    false
}

/// Words that say a digest guards something (a signature, a token, a password).
const SECURITY_WORDS: &[&str] = &[
    "sign", "verify", "hmac", "token", "password", "secret", "auth", "session", "nonce", "otp",
];

/// Words of a function that only wraps the algorithm (`md5(s)`, `md5File(name)`,
/// `calculateHash(data)`): its callers decide what the digest is for.
const WRAPPER_WORDS: &[&str] = &[
    "md",
    "sha",
    "hash",
    "file",
    "calculate",
    "compute",
    "get",
    "make",
    "create",
    "digest",
    "checksum",
    "string",
    "str",
    "data",
    "content",
    "buffer",
    "of",
    "for",
];

/// JavaScript: a digest that is plainly not a security control. Its function or statement
/// names such a use (an ETag, a checksum, a cache key, a Gravatar or e-mail hash, an image or
/// file name) and nothing that guards, its function only wraps the algorithm, it is cut to a
/// short identifier (`.substring(0, 10)`), the function sets an ETag, or the module is a cache.
fn js_non_security_use<'a>(
    checker: &Checker<'a>,
    function: Node<'a>,
    context: &str,
    statement: &str,
) -> bool {
    let guards = SECURITY_WORDS
        .iter()
        .any(|w| context.contains(w) || statement.contains(w));
    if guards {
        return false;
    }
    let names_use = NON_SECURITY_USES
        .iter()
        .chain(["image", "file", "asset"].iter())
        .any(|w| context.contains(w) || statement.contains(w));
    let raw = super::secret_names::js_function_name(checker, function).unwrap_or("");
    let words = super::secret_names::words(raw);
    // `md5` splits into `md` and `5`.
    let wrapper = !words.is_empty()
        && words
            .iter()
            .all(|w| WRAPPER_WORDS.contains(&w.as_str()) || w.chars().all(|c| c.is_ascii_digit()));
    let squeezed = statement.replace(' ', "");
    let truncated = [".substring(0,", ".slice(0,", ".substr(0,"]
        .iter()
        .any(|cut| {
            squeezed.match_indices(cut).any(|(i, _)| {
                let digits: String = squeezed[i + cut.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse::<usize>().is_ok_and(|n| n <= 16)
            })
        });
    let etag = checker.text(function).to_ascii_lowercase().contains("etag");
    let cache_module = checker
        .path
        .rsplit(['/', '\\'])
        .next()
        .is_some_and(|f| f.to_ascii_lowercase().contains("cache"));
    names_use || wrapper || truncated || etag || cache_module
}

/// A plain string literal naming an algorithm → `"sha256"` in the same quotes (unsafe: every
/// digest changes, so stored or compared values must be migrated).
fn sha256_literal(checker: &Checker, node: tree_sitter::Node) -> Option<Edit> {
    let text = checker.text(node);
    let quote = text.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    (text.len() >= 2 && text.ends_with(quote)).then(|| Edit {
        range: node.byte_range(),
        content: format!("{quote}sha256{quote}"),
    })
}

/// Whether `function` calls `name.update(data)` with password data.
fn js_updates_with_password<'a>(checker: &Checker<'a>, function: Node<'a>, name: &str) -> bool {
    let mut found = false;
    ba_analysis::walk_scope(function, &|_| false, &mut |n| {
        if found || n.kind_str() != "call_expression" {
            return;
        }
        let Some(f) = n
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")
        else {
            return;
        };
        let is_update = f
            .field("property")
            .is_some_and(|p| checker.text(p) == "update")
            && f.field("object").is_some_and(|o| checker.text(o) == name);
        if !is_update {
            return;
        }
        found = n
            .field("arguments")
            .and_then(|a| checker.arguments(a).positional.clone().first().copied())
            .is_some_and(|d| super::weak_password_hash::js_password_in(checker, d, 0).is_some());
    });
    found
}

const DOCS: &str = r#"## What it does
Flags MD5, MD4 and SHA-1 digests: `hashlib.md5`, `hashlib.sha1`, `hashlib.new("md5")`,
pycryptodome's `MD5.new` / `SHA.new` / `MD4.new`, cryptography's `hashes.MD5()` /
`hashes.SHA1()`, and HMAC with MD5 (`hmac.new(key, msg, hashlib.md5)`).

Not reported: calls with `usedforsecurity=False` (the standard way to say a digest is a
checksum, a cache key or an ETag), digests of the server's own data whose function or statement names such a use (an ETag,
a checksum, a cache key, a Gravatar or e-mail lookup hash, an upload path spread over
directories, a file's content hash, or a digest of the server's data cut to at most 16
characters, `hexdigest()[:12]`, which makes a short identifier; a checksum of request data is
still reported, since a client can make it collide), digests in tests, HMAC-SHA1 (HMAC does not rely on
collision resistance), and digests of passwords, which SEC503 reports with a password-specific
message.

JavaScript and TypeScript: `crypto.createHash("md5"|"md4"|"sha1"|"md5-sha1")`, except when
the hash is fed a password (SEC503 reports that) or is plainly not a security control: Node has no
`usedforsecurity`, so a function or statement that names such a use (an ETag, a checksum, a
cache key, a Gravatar or e-mail hash, an image, file or asset name) and nothing that guards (a
signature, token, password, secret, session, nonce), a helper that only wraps the algorithm
(`md5(s)`, `md5File(name)`, `calculateHash(data)`: its callers decide), a digest cut to at
most 16 characters (`.substring(0, 10)`), a function that sets an ETag, or a module named for a
cache is taken as saying so. `createHmac("sha1")` is not reported.

In both languages, the WebSocket handshake's `Sec-WebSocket-Accept` value (SHA-1 of the
client's key and the RFC 6455 GUID, in a function that names the header or the GUID) is not
reported: the protocol fixes the algorithm.

## Why is this bad?
MD5 and SHA-1 have practical collision attacks (a chosen-prefix SHA-1 collision costs a few
thousand GPU-days; MD5 collisions take seconds). A signature, an integrity check, a
deduplication key or a token derived from them can be forged by someone who controls part of
the input.

## Example
```python
import hashlib

def sign_upload(data: bytes) -> str:
    return hashlib.md5(SECRET + data).hexdigest()
```

```javascript
const crypto = require("crypto");

const signature = crypto.createHash("sha1").update(secret + body).digest("hex");
```

## Use instead
```python
import hashlib
import hmac

def sign_upload(data: bytes) -> str:
    return hmac.new(SECRET, data, hashlib.sha256).hexdigest()

def cache_key(url: str) -> str:
    # Not a security control: say so.
    return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
```

```javascript
const crypto = require("crypto");

const signature = crypto.createHmac("sha256", secret).update(body).digest("hex");
```

## References
- [CWE-327: Use of a Broken or Risky Cryptographic Algorithm](https://cwe.mitre.org/data/definitions/327.html)
- [CWE-328: Use of Weak Hash](https://cwe.mitre.org/data/definitions/328.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [Python `hashlib` (`usedforsecurity`)](https://docs.python.org/3/library/hashlib.html#hash-algorithms)
- [Node.js: `crypto.createHash`](https://nodejs.org/api/crypto.html#cryptocreatehashalgorithm-options)
"#;
