//! SEC602 weak-cipher: broken or legacy block/stream ciphers, and the ECB mode.

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC602",
    name: "weak-cipher",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[327],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A broken or legacy cipher (DES, 3DES, RC4, RC2, Blowfish, …) or the ECB mode is used; use an authenticated cipher such as AES-GCM, ChaCha20-Poly1305 or Fernet.",
    docs: DOCS,
    fix: FixAvailability::None,
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

const CRYPTOGRAPHY_ALGORITHMS: &[&str] = &[
    "cryptography.hazmat.primitives.ciphers.algorithms",
    "cryptography.hazmat.decrepit.ciphers.algorithms",
];
/// Why a cipher is weak, for messages.
fn weakness(algo: &str) -> &'static str {
    match algo {
        "DES" => "its 56-bit key is brute-forced in hours",
        "RC4" => "its key stream is biased and leaks plaintext",
        "XOR" => "it is not encryption",
        "SEED" => "a legacy cipher kept only in cryptography's `decrepit` module",
        _ => "64-bit blocks: Sweet32 recovers plaintext after a few hundred gigabytes",
    }
}

const WEAK_ALGORITHMS: &[(&str, &str)] = &[
    ("TripleDES", "3DES"),
    ("Blowfish", "Blowfish"),
    ("ARC4", "RC4"),
    ("CAST5", "CAST5"),
    ("IDEA", "IDEA"),
    ("SEED", "SEED"),
];
const CIPHER_PACKAGES: &[&str] = &["Crypto.Cipher", "Cryptodome.Cipher"];
const WEAK_PYCRYPTO: &[(&str, &str)] = &[
    ("DES", "DES"),
    ("DES3", "3DES"),
    ("ARC4", "RC4"),
    ("ARC2", "RC2"),
    ("Blowfish", "Blowfish"),
    ("CAST", "CAST5"),
    ("XOR", "XOR"),
];
/// Pycryptodome ciphers whose `new` takes a mode (ECB is judged on them).
const MODE_CIPHERS: &[&str] = &["AES", "DES", "DES3", "ARC2", "Blowfish", "CAST"];

const ALL: &[&str] = &[
    "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES",
    "cryptography.hazmat.primitives.ciphers.algorithms.Blowfish",
    "cryptography.hazmat.primitives.ciphers.algorithms.ARC4",
    "cryptography.hazmat.primitives.ciphers.algorithms.CAST5",
    "cryptography.hazmat.primitives.ciphers.algorithms.IDEA",
    "cryptography.hazmat.primitives.ciphers.algorithms.SEED",
    "cryptography.hazmat.decrepit.ciphers.algorithms.TripleDES",
    "cryptography.hazmat.decrepit.ciphers.algorithms.Blowfish",
    "cryptography.hazmat.decrepit.ciphers.algorithms.ARC4",
    "cryptography.hazmat.decrepit.ciphers.algorithms.CAST5",
    "cryptography.hazmat.decrepit.ciphers.algorithms.IDEA",
    "cryptography.hazmat.decrepit.ciphers.algorithms.SEED",
    "cryptography.hazmat.primitives.ciphers.modes.ECB",
    "Crypto.Cipher.DES.new",
    "Crypto.Cipher.DES3.new",
    "Crypto.Cipher.ARC4.new",
    "Crypto.Cipher.ARC2.new",
    "Crypto.Cipher.Blowfish.new",
    "Crypto.Cipher.CAST.new",
    "Crypto.Cipher.XOR.new",
    "Crypto.Cipher.AES.new",
    "Cryptodome.Cipher.DES.new",
    "Cryptodome.Cipher.DES3.new",
    "Cryptodome.Cipher.ARC4.new",
    "Cryptodome.Cipher.ARC2.new",
    "Cryptodome.Cipher.Blowfish.new",
    "Cryptodome.Cipher.CAST.new",
    "Cryptodome.Cipher.XOR.new",
    "Cryptodome.Cipher.AES.new",
    "pyDes.des",
    "pyDes.triple_des",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, ALL) else {
        return;
    };
    let short = checker.text(func).to_owned();
    if name == "cryptography.hazmat.primitives.ciphers.modes.ECB" {
        checker.report(func, format!(
            "`{short}()` encrypts equal blocks to equal ciphertext and has no integrity; use `modes.GCM(nonce)` or `AESGCM`"
        ));
        return;
    }
    if let Some((module, class)) = name.rsplit_once('.') {
        if CRYPTOGRAPHY_ALGORITHMS.contains(&module) {
            if let Some((_, algo)) = WEAK_ALGORITHMS.iter().find(|(c, _)| *c == class) {
                let why = weakness(algo);
                checker.report(
                    func,
                    format!("`{short}` selects {algo} ({why}); use `AESGCM` or `ChaCha20Poly1305`"),
                );
            }
            return;
        }
    }
    if let Some(algo) = name.strip_prefix("pyDes.") {
        let algo = if algo == "des" { "DES" } else { "3DES" };
        let why = weakness(algo);
        checker.report(
            func,
            format!(
                "`{short}` encrypts with {algo} ({why}); use AES-GCM (`cryptography`'s `AESGCM`)"
            ),
        );
        return;
    }
    // Pycryptodome / PyCrypto: `<package>.<Cipher>.new`.
    let Some((package, cipher)) = name.strip_suffix(".new").and_then(|m| m.rsplit_once('.')) else {
        return;
    };
    if !CIPHER_PACKAGES.contains(&package) {
        return;
    }
    if let Some((_, algo)) = WEAK_PYCRYPTO.iter().find(|(c, _)| *c == cipher) {
        let why = weakness(algo);
        checker.report(func, format!(
            "`{short}` encrypts with {algo} ({why}); use `AES.new(key, AES.MODE_GCM)` or `ChaCha20_Poly1305`"
        ));
        return;
    }
    if !MODE_CIPHERS.contains(&cipher) {
        return;
    }
    let args = checker.arguments(args_node);
    let Some(mode) = args.get(1, "mode", checker.source) else {
        return;
    };
    let is_ecb = checker.resolve(mode).is_some_and(|q| {
        q.ends_with(".MODE_ECB") && CIPHER_PACKAGES.iter().any(|p| q.starts_with(p))
    });
    if is_ecb {
        let mode_text = checker.text(mode).to_owned();
        checker.report(mode, format!(
            "`{short}` with `{mode_text}` encrypts equal blocks to equal ciphertext and has no integrity; use `{cipher}.MODE_GCM` (or another authenticated mode)"
        ));
    }
}

/// What is weak about a Node cipher name (`des-ede3-cbc`, `rc4`, `bf-cbc`, `aes-128-ecb`).
fn js_weak_cipher(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    if n.starts_with("des") {
        Some("DES/3DES, with a 64-bit block (Sweet32) and, for DES, a 56-bit key")
    } else if n.starts_with("rc4") {
        Some("RC4, whose keystream is biased")
    } else if n.starts_with("rc2") {
        Some("RC2, a broken 64-bit block cipher")
    } else if n.starts_with("bf") || n.starts_with("blowfish") {
        Some("Blowfish, with a 64-bit block (Sweet32)")
    } else if n.starts_with("cast") || n.starts_with("idea") || n.starts_with("seed") {
        Some("a legacy 64-bit block cipher")
    } else if n.ends_with("-ecb") {
        Some("ECB mode, which encrypts equal blocks to equal ciphertext")
    } else {
        None
    }
}

/// `crypto.createCipher`/`createDecipher` (no IV, a key derived with one MD5 round; removed in
/// Node 22) and `crypto.createCipheriv("des-…"|"rc4"|"bf-…"|"…-ecb", …)`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(
        func,
        &[
            "crypto.createCipher",
            "crypto.createDecipher",
            "crypto.createCipheriv",
            "crypto.createDecipheriv",
        ],
    ) else {
        return;
    };
    let short = name.trim_start_matches("crypto.");
    if !name.ends_with("iv") {
        checker.report(
            func,
            format!(
                "`{short}` derives the key from the password with a single MD5 round and uses no IV, so equal plaintexts give equal ciphertexts (it is deprecated and removed in Node 22); use `crypto.createCipheriv(\"aes-256-gcm\", key, iv)` with a random 12-byte IV and a key from `crypto.scrypt`"
            ),
        );
        return;
    }
    let Some(algo_node) = checker.arguments(args).positional.clone().first().copied() else {
        return;
    };
    let Some(algo) = ba_analysis::string_value(checker.language, algo_node, checker.source) else {
        return;
    };
    let Some(why) = js_weak_cipher(algo) else {
        return;
    };
    checker.report(
        algo_node,
        format!(
            "`{short}(\"{algo}\")` uses {why}; use `\"aes-256-gcm\"` (or `\"chacha20-poly1305\"`) with a random IV"
        ),
    );
}

const DOCS: &str = r#"## What it does
Flags legacy ciphers and the ECB mode: cryptography's `algorithms.TripleDES`, `Blowfish`,
`ARC4`, `CAST5`, `IDEA`, `SEED` and `modes.ECB()`; pycryptodome/PyCrypto `DES.new`,
`DES3.new`, `ARC4.new`, `ARC2.new`, `Blowfish.new`, `CAST.new`, `XOR.new`; any pycryptodome
cipher created with `MODE_ECB` (`AES.new(key, AES.MODE_ECB)`); and `pyDes.des` /
`pyDes.triple_des`.

JavaScript and TypeScript: `crypto.createCipher`/`createDecipher` (no IV, the key derived
with one MD5 round; removed in Node 22), and `crypto.createCipheriv`/`createDecipheriv` with DES,
3DES, RC2, RC4, Blowfish, CAST, IDEA, SEED or any `…-ecb` cipher.

## Why is this bad?
DES has a 56-bit key that is brute-forced in hours; 3DES, Blowfish, CAST5 and IDEA have 64-bit
blocks (Sweet32 recovers plaintext after a few hundred gigabytes); RC4's key stream is biased.
ECB encrypts equal plaintext blocks to equal ciphertext blocks, so structure leaks (the
"ECB penguin"), and neither ECB nor these ciphers detect tampering.

## Example
```python
from Crypto.Cipher import AES

def encrypt_token(key: bytes, token: bytes) -> bytes:
    return AES.new(key, AES.MODE_ECB).encrypt(pad(token, 16))
```

```javascript
const crypto = require("crypto");

const cipher = crypto.createCipheriv("des-ede3-cbc", key, iv);
```

## Use instead
```python
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def encrypt_token(key: bytes, token: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, token, None)
```

```javascript
const crypto = require("crypto");

const iv = crypto.randomBytes(12);
const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
```

## References
- [CWE-327: Use of a Broken or Risky Cryptographic Algorithm](https://cwe.mitre.org/data/definitions/327.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [cryptography: authenticated encryption (AEAD)](https://cryptography.io/en/latest/hazmat/primitives/aead/)
- [PyCryptodome: classic modes of operation](https://pycryptodome.readthedocs.io/en/latest/src/cipher/classic.html)
- [Node.js: `crypto.createCipheriv`](https://nodejs.org/api/crypto.html#cryptocreatecipherivalgorithm-key-iv-options)
"#;

#[cfg(test)]
mod js_tests {
    use super::js_weak_cipher;

    #[test]
    fn node_cipher_names() {
        for weak in [
            "des-ede3-cbc",
            "DES-ECB",
            "rc4",
            "bf-cbc",
            "aes-128-ecb",
            "rc2-cbc",
        ] {
            assert!(js_weak_cipher(weak).is_some(), "{weak}");
        }
        for strong in [
            "aes-256-gcm",
            "aes-128-cbc",
            "chacha20-poly1305",
            "aes-256-ctr",
        ] {
            assert!(js_weak_cipher(strong).is_none(), "{strong}");
        }
    }
}
