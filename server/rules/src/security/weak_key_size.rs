//! SEC603 weak-key-size: RSA/DSA keys under 2048 bits and elliptic curves under 224 bits.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC603",
    name: "weak-key-size",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[326],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "An RSA or DSA key shorter than 2048 bits (or an elliptic curve under 224 bits) is generated; use at least 2048 bits (3072 for keys that must last) or a 256-bit curve.",
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

const MIN_BITS: u64 = 2048;

/// Generators taking a size in bits: (qualified name, algorithm, position, keyword).
const SIZED: &[(&str, &str, usize, &str)] = &[
    (
        "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key",
        "RSA",
        1,
        "key_size",
    ),
    (
        "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key",
        "DSA",
        0,
        "key_size",
    ),
    (
        "cryptography.hazmat.primitives.asymmetric.dsa.generate_parameters",
        "DSA",
        0,
        "key_size",
    ),
    ("Crypto.PublicKey.RSA.generate", "RSA", 0, "bits"),
    ("Crypto.PublicKey.DSA.generate", "DSA", 0, "bits"),
    ("Cryptodome.PublicKey.RSA.generate", "RSA", 0, "bits"),
    ("Cryptodome.PublicKey.DSA.generate", "DSA", 0, "bits"),
    ("paramiko.RSAKey.generate", "RSA", 0, "bits"),
    ("paramiko.rsakey.RSAKey.generate", "RSA", 0, "bits"),
    ("paramiko.DSSKey.generate", "DSA", 0, "bits"),
    ("paramiko.dsskey.DSSKey.generate", "DSA", 0, "bits"),
];

/// Curve generators: (qualified name, position of the curve, keyword).
const CURVED: &[(&str, usize, &str)] = &[
    (
        "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key",
        0,
        "curve",
    ),
    (
        "cryptography.hazmat.primitives.asymmetric.ec.derive_private_key",
        1,
        "curve",
    ),
];

const EC: &str = "cryptography.hazmat.primitives.asymmetric.ec.";
/// Curves under 224 bits, with their size.
const WEAK_CURVES: &[(&str, u32)] = &[("SECP192R1", 192), ("SECT163K1", 163), ("SECT163R2", 163)];

const ALL: &[&str] = &[
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key",
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key",
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_parameters",
    "Crypto.PublicKey.RSA.generate",
    "Crypto.PublicKey.DSA.generate",
    "Cryptodome.PublicKey.RSA.generate",
    "Cryptodome.PublicKey.DSA.generate",
    "paramiko.RSAKey.generate",
    "paramiko.rsakey.RSAKey.generate",
    "paramiko.DSSKey.generate",
    "paramiko.dsskey.DSSKey.generate",
    "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key",
    "cryptography.hazmat.primitives.asymmetric.ec.derive_private_key",
];

/// The value of an integer literal (`1024`, `1_024`, `0x400`).
fn int_literal(checker: &Checker, node: Node) -> Option<u64> {
    if node.kind_str() != "integer" {
        return None;
    }
    let t = checker.text(node).replace('_', "");
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
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
    let short = checker.text(func).to_owned();
    if let Some((_, algo, index, keyword)) = SIZED.iter().find(|s| s.0 == name) {
        let Some(size_node) = args.get(*index, keyword, src) else {
            return;
        };
        let Some(bits) = int_literal(checker, size_node) else {
            return;
        };
        if bits >= MIN_BITS {
            return;
        }
        let attack = if *algo == "RSA" {
            "factoring"
        } else {
            "discrete-logarithm"
        };
        checker
            .report(size_node, format!(
                "`{short}` generates a {bits}-bit {algo} key, which is within reach of {attack} attacks; use at least {MIN_BITS} bits"
            ))
            .with_fix(
                format!("Use a {MIN_BITS}-bit key"),
                Applicability::Unsafe,
                vec![Edit {
                    range: size_node.byte_range(),
                    content: MIN_BITS.to_string(),
                }],
            );
        return;
    }
    let Some((_, index, keyword)) = CURVED.iter().find(|c| c.0 == name) else {
        return;
    };
    let Some(curve) = args.get(*index, keyword, src) else {
        return;
    };
    // `ec.SECP192R1()` or the class itself.
    let class = if curve.kind_str() == "call" {
        curve.field("function")
    } else {
        Some(curve)
    };
    let Some(curve_name) = class.and_then(|c| checker.resolve(c)) else {
        return;
    };
    let Some((weak, bits)) = curve_name
        .strip_prefix(EC)
        .and_then(|n| WEAK_CURVES.iter().find(|(w, _)| *w == n))
    else {
        return;
    };
    let text = checker.text(curve).to_owned();
    checker.report(curve, format!(
        "`{short}` uses `{text}` ({weak}, a {bits}-bit curve); use `ec.SECP256R1()` or a larger curve (or Ed25519)"
    ));
}

/// Elliptic curves under 224 bits, by their OpenSSL and JWK names.
const JS_SMALL_CURVES: &[&str] = &[
    "secp112r1",
    "secp112r2",
    "secp128r1",
    "secp128r2",
    "secp160k1",
    "secp160r1",
    "secp160r2",
    "secp192k1",
    "secp192r1",
    "prime192v1",
    "P-192",
];

/// `crypto.generateKeyPair[Sync]("rsa"|"rsa-pss"|"dsa", { modulusLength: 1024 })` and EC keys
/// on curves under 224 bits.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(
        func,
        &["crypto.generateKeyPair", "crypto.generateKeyPairSync"],
    ) else {
        return;
    };
    let positional = checker.arguments(args).positional.clone();
    let (Some(kind_node), Some(options)) =
        (positional.first().copied(), positional.get(1).copied())
    else {
        return;
    };
    let Some(kind) = ba_analysis::string_value(checker.language, kind_node, checker.source) else {
        return;
    };
    let short = name.trim_start_matches("crypto.");
    if kind == "ec" {
        let Some(curve_node) = super::secret_names::js_entry(checker, options, "namedCurve") else {
            return;
        };
        let Some(curve) = ba_analysis::string_value(checker.language, curve_node, checker.source)
        else {
            return;
        };
        if JS_SMALL_CURVES.contains(&curve) {
            checker.report(
                curve_node,
                format!(
                    "`{short}` makes an EC key on `{curve}`, a curve under 224 bits; use `\"P-256\"` (`prime256v1`) or larger"
                ),
            );
        }
        return;
    }
    if !matches!(kind, "rsa" | "rsa-pss" | "dsa") {
        return;
    }
    let Some(size_node) = super::secret_names::js_entry(checker, options, "modulusLength")
        .filter(|n| n.kind_str() == "number")
    else {
        return;
    };
    let Ok(bits) = checker.text(size_node).replace('_', "").parse::<u64>() else {
        return;
    };
    if bits >= MIN_BITS {
        return;
    }
    let algo = kind.to_ascii_uppercase();
    checker
        .report(
            size_node,
            format!(
                "`{short}` makes a {bits}-bit {algo} key, which can be factored with academic resources; use at least 2048 bits (3072 for keys that must last)"
            ),
        )
        .with_fix(
            "Use a 2048-bit key",
            Applicability::Unsafe,
            vec![Edit {
                range: size_node.byte_range(),
                content: "2048".to_owned(),
            }],
        );
}

const DOCS: &str = r#"## What it does
Flags key generation with too few bits: cryptography's `rsa.generate_private_key` and
`dsa.generate_private_key` with `key_size` below 2048, `ec.generate_private_key` with a curve
under 224 bits (`SECP192R1`, `SECT163K1`, `SECT163R2`), pycryptodome's `RSA.generate(1024)` /
`DSA.generate(1024)`, and paramiko's `RSAKey.generate(1024)`. Only literal sizes are judged;
sizes read from variables or settings are not reported.

JavaScript and TypeScript: `crypto.generateKeyPair`/`generateKeyPairSync` for `"rsa"`,
`"rsa-pss"` or `"dsa"` with a literal `modulusLength` under 2048, and `"ec"` keys on curves under
224 bits (`secp192r1`/`prime192v1`, `secp160r1`, …).

## Why is this bad?
1024-bit RSA and DSA are estimated to be breakable by well-resourced attackers, and NIST has
disallowed them for signatures and key establishment since 2013. Keys last: a key generated
today protects data for years.

## Example
```python
from cryptography.hazmat.primitives.asymmetric import rsa

key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
```

```javascript
const { generateKeyPairSync } = require("crypto");

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
```

## Use instead
```python
from cryptography.hazmat.primitives.asymmetric import ec, rsa

key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
signing_key = ec.generate_private_key(ec.SECP256R1())
```

```javascript
const { generateKeyPairSync } = require("crypto");

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072 });
```

## Fix
The size is replaced by `2048` (unsafe: peers and stored keys may expect the old size, and key
generation gets slower).

In JavaScript the same unsafe fix replaces `modulusLength`'s value with `2048`.

## References
- [CWE-326: Inadequate Encryption Strength](https://cwe.mitre.org/data/definitions/326.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [NIST SP 800-131A Rev. 2: transitioning cryptographic key lengths](https://csrc.nist.gov/pubs/sp/800/131/a/r2/final)
- [cryptography: RSA key generation](https://cryptography.io/en/latest/hazmat/primitives/asymmetric/rsa/#generation)
- [Node.js: `crypto.generateKeyPair`](https://nodejs.org/api/crypto.html#cryptogeneratekeypairtype-options-callback)
"#;
