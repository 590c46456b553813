//! Word-level judgements on names and literals shared by the secrets and authentication rules
//! (SEC5xx): which names hold secrets, passwords or security tokens, which literals are
//! placeholders, and whether a module is a test module.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::Checker;
use ba_analysis::{named_children, string_value, Semantic};

/// Splits an identifier, key or header name into lowercase words: `DB_PASSWORD` → db, password;
/// `stripeApiKey` → stripe, api, key; `X-Hub-Signature-256` → x, hub, signature, 256;
/// `APIKey2` → api, key, 2. Run-together words such as `apikey` or `secretkey` are split too.
pub(crate) fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next = chars.get(i + 1).copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(|n| n.is_lowercase()))
                || (prev.is_alphabetic() && c.is_ascii_digit())
                || (prev.is_ascii_digit() && c.is_alphabetic());
            if boundary && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    let mut split = Vec::with_capacity(out.len());
    for w in out {
        match split_joined(&w) {
            Some((a, b)) => {
                split.push(a.to_owned());
                split.push(b.to_owned());
            }
            None => split.push(w),
        }
    }
    split
}

/// `apikey` → (api, key), `csrftoken` → (csrf, token): words that are written together.
fn split_joined(word: &str) -> Option<(&str, &str)> {
    const HEADS: &[&str] = &[
        "api",
        "secret",
        "access",
        "auth",
        "private",
        "signing",
        "client",
        "refresh",
        "jwt",
        "session",
        "encryption",
        "master",
        "csrf",
        "xsrf",
        "id",
        "bearer",
    ];
    const TAILS: &[&str] = &["key", "token", "secret"];
    for tail in TAILS {
        if let Some(head) = word.strip_suffix(tail) {
            if HEADS.contains(&head) {
                return Some((head, tail));
            }
        }
    }
    None
}

/// Whether `name` contains one of `parts` (ASCII, any case): a cheap test before splitting it
/// into words.
fn mentions_any(name: &str, parts: &[&str]) -> bool {
    let bytes = name.as_bytes();
    parts.iter().any(|p| {
        bytes
            .windows(p.len())
            .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
    })
}

/// Trailing words that qualify a name without changing what it holds (`API_KEY_PROD`,
/// `password2`, `SECRET_KEY_B64`).
fn is_qualifier(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
        || matches!(
            word,
            "prod"
                | "production"
                | "live"
                | "staging"
                | "stage"
                | "dev"
                | "development"
                | "local"
                | "default"
                | "value"
                | "val"
                | "raw"
                | "b64"
                | "base64"
                | "hex"
                | "bytes"
                | "str"
                | "encoded"
                | "v"
        )
}

/// The words of a name without trailing qualifiers.
pub(crate) fn core_words(name: &str) -> Vec<String> {
    let mut w = words(name);
    while w.len() > 1 && w.last().is_some_and(|l| is_qualifier(l)) {
        w.pop();
    }
    w
}

/// Words before `key` that make it a credential: `API_KEY`, `SECRET_KEY`, `aws_secret_access_key`.
const KEY_HEADS: &[&str] = &[
    "api",
    "secret",
    "private",
    "access",
    "signing",
    "encryption",
    "master",
    "auth",
    "hmac",
    "jwt",
    "app",
    "client",
    "license",
    "fernet",
    "crypto",
    "cipher",
    "aes",
    "webhook",
];

/// Whether a name says it holds a credential: its last word (before qualifiers such as `_PROD`
/// or a digit) is password/passwd/pwd/passphrase/secret/token, or `key` after api/secret/
/// private/access/signing/…. `TOKEN_TYPE`, `password_field`, `PASSWORD_MIN_LENGTH` and
/// `token_url` end in another word and are not credentials.
pub fn is_secret_name(name: &str) -> bool {
    if !mentions_any(name, &["pass", "pwd", "secret", "token", "key"]) {
        return false;
    }
    let w = core_words(name);
    let Some(last) = w.last() else {
        return false;
    };
    match last.as_str() {
        "password" | "passwd" | "pwd" | "passphrase" | "secret" | "token" => true,
        "key" => w.len() >= 2 && KEY_HEADS.contains(&w[w.len() - 2].as_str()),
        _ => false,
    }
}

/// Whether a name says it holds a password (not its hash, not a reset token): `password`,
/// `new_password`, `user.pwd`, `cleaned_data["password1"]`, `passphrase`, `pw`.
pub(crate) fn is_password_name(name: &str) -> bool {
    if !mentions_any(name, &["pass", "pwd", "pw"]) {
        return false;
    }
    let w = core_words(name);
    if w.iter()
        .any(|x| matches!(x.as_str(), "hash" | "hashed" | "digest" | "salt"))
    {
        return false;
    }
    w.last().is_some_and(|l| {
        matches!(
            l.as_str(),
            "password" | "passwd" | "pwd" | "passphrase" | "pw"
        )
    })
}

/// Whether a name holds a value that must be compared in constant time: a token, secret,
/// signature, MAC, digest, API key, password hash, one-time password, CSRF token or nonce
/// (as its last word: `token_count` and `signature_version` do not count).
pub(crate) fn is_secret_compare_name(name: &str) -> bool {
    if !mentions_any(
        name,
        &[
            "token", "secret", "sig", "digest", "hmac", "mac", "otp", "csrf", "xsrf", "nonce",
            "key", "hash",
        ],
    ) {
        return false;
    }
    let w = core_words(name);
    let Some(last) = w.last() else {
        return false;
    };
    // Flags and settings about a secret (`verify_signature`, `is_token_valid`, `has_mac`).
    if w.len() > 1
        && matches!(
            w[0].as_str(),
            "is" | "has"
                | "verify"
                | "check"
                | "validate"
                | "use"
                | "require"
                | "should"
                | "enable"
                | "disable"
                | "allow"
                | "skip"
        )
    {
        return false;
    }
    let prev = w.len().checked_sub(2).map(|i| w[i].as_str());
    match last.as_str() {
        "token" | "secret" | "signature" | "sig" | "digest" | "hexdigest" | "hmac" | "mac"
        | "otp" | "totp" | "csrf" | "xsrf" | "nonce" => true,
        "key" => prev.is_some_and(|p| KEY_HEADS.contains(&p)),
        "hash" => prev.is_some_and(|p| matches!(p, "password" | "token" | "key")),
        _ => false,
    }
}

/// Whether a literal is a stand-in rather than a value: empty, a template marker (`<…>`,
/// `${…}`, `{…}`, `%s`, `YOUR_…`, `xxx`, `***`), or a word such as `dummy` or `example`.
/// Template markers cannot run as they are; the other words are what people write in docs
/// and samples. `changeme` is *not* a placeholder: code runs with it as it is.
pub(crate) fn is_template_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    let first = v.chars().next().unwrap_or(' ');
    (v.starts_with('<') && v.ends_with('>'))
        || (v.contains('{') && v.contains('}'))
        || v.contains("%s")
        || v.contains("%(")
        || lower.starts_with("your")
        || lower.contains("xxx")
        || v.chars().all(|c| c == first)
        || lower.contains("***")
        || lower.contains("...")
        || lower.contains("…")
}

/// Whether a literal assigned to a secret-named target is not a real secret: a placeholder, a
/// sample word, a name (`"password"`, `"access_token"`, `"X-Api-Key"`, `"DB_PASSWORD"`), a
/// password hash, a path or URL, or a sentence (form labels, help texts).
pub(crate) fn is_not_a_secret(value: &str, target: &str) -> bool {
    let v = value.trim();
    // A framework's signing key (`SECRET_KEY`, `app.secret_key`, `JWT_SECRET`) is a secret
    // whatever it looks like: `"dev"` and `"super secret key"` sign sessions just the same.
    let t = target.to_ascii_lowercase();
    let signing_key = t.ends_with("secret_key") || t.ends_with("jwt_secret") || t == "secret";
    if is_template_placeholder(v) || v.is_empty() || (v.chars().count() < 4 && !signing_key) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    // Sample words, as the whole value or its start or end (`example-key`, `test1234`).
    const SAMPLES: &[&str] = &[
        "dummy",
        "example",
        "sample",
        "fake",
        "mock",
        "test",
        "placeholder",
        "redacted",
        "replace",
        "todo",
        "fixme",
    ];
    // Words that are values of another kind (`TOKEN = "bearer"`, `SECRET = "none"`).
    const WORDS: &[&str] = &[
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "disabled",
        "unset",
        "notset",
        "not_set",
        "not-set",
        "not_available",
        "not-available",
        "notavailable",
        "unavailable",
        "n/a",
        "unused",
        "irrelevant",
        "empty",
        "bearer",
        "basic",
        "oauth",
        "oauth2",
        "jwt",
    ];
    if SAMPLES
        .iter()
        .any(|s| lower.starts_with(s) || lower.ends_with(s))
        || WORDS.contains(&lower.as_str())
    {
        return true;
    }
    // Whitespace: labels, help texts, `Bearer {}`-style templates. Secrets do not have it.
    if v.chars().any(char::is_whitespace) && !signing_key {
        return true;
    }
    let password_target = {
        let tw = words(target);
        tw.last()
            .is_some_and(|l| matches!(l.as_str(), "password" | "passwd" | "pwd" | "pass"))
    };
    // A marker stored where a password hash goes: accounts that sign in elsewhere (`"LDAP"`,
    // `"OIDC"`, `"SSO"`) or cannot sign in at all (Django's `"!"`-prefixed unusable value).
    if password_target
        && (v.starts_with('!') || (v.len() <= 8 && v.chars().all(|c| c.is_ascii_uppercase())))
    {
        return true;
    }
    // The value names something: the target itself, a secret word, a key or header name.
    // A password written in camel case (`"MyPassword"`, `"AdminPass"`) is a password someone
    // will type, not a name.
    let camel_password = password_target
        && v.chars().all(|c| c.is_ascii_alphanumeric())
        && v.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && v.chars().any(|c| c.is_ascii_lowercase());
    let value_words = words(v);
    if camel_password {
        return false;
    }
    // A signing key's value of four words or more (`"change-this-jwt-secret-in-prod"`,
    // `"my-super-secret-key"`) is a passphrase the application signs with, not a name.
    let passphrase = signing_key && value_words.len() >= 4;
    if value_words == words(target)
        || (!passphrase
            && v.chars()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'))
            && value_words.iter().any(|w| {
                matches!(
                    w.as_str(),
                    "password" | "passwd" | "pwd" | "pass" | "secret" | "token" | "key" | "api"
                )
            }))
    {
        return true;
    }
    // A rate limit (`"5/m/user"`, `"20/m/ip,5/m/key"`, `"10/minute"`), as throttling
    // settings key their limits by the action (`"change_password"`).
    let rate_limit = |part: &str| {
        let mut pieces = part.trim().split('/');
        let count = pieces.next().unwrap_or("");
        let rest: Vec<&str> = pieces.collect();
        !count.is_empty()
            && count.chars().all(|c| c.is_ascii_digit())
            && !rest.is_empty()
            && rest
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
    };
    if v.split(',').all(rate_limit) {
        return true;
    }
    // A regular expression (`r"[^\W\d]\w*"`), as lexers and validators name their patterns.
    if ["\\w", "\\d", "\\s", "[^", "(?", "\\b"]
        .iter()
        .any(|m| v.contains(m))
        || (v.starts_with('^') && v.ends_with('$'))
    {
        return true;
    }
    // An environment variable name: `"DB_PASSWORD"`.
    if v.contains('_')
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return true;
    }
    // A password hash (Django, bcrypt, argon2) or an unusable-password marker.
    const HASHES: &[&str] = &[
        "pbkdf2_", "argon2", "bcrypt", "$2a$", "$2b$", "$2y$", "scrypt$", "sha1$", "md5$", "!",
    ];
    if HASHES.iter().any(|h| lower.starts_with(h)) {
        return true;
    }
    // Publishable and test-mode keys are not secrets; PostHog project keys (`phc_…`) are sent
    // by every browser that loads the site (personal keys, `phx_…`, still count).
    if ["pk_live_", "pk_test_", "sk_test_", "rk_test_", "phc_"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    // Paths, URLs without credentials, and references to a secret store.
    const REFERENCES: &[&str] = &[
        "/",
        "./",
        "../",
        "~/",
        "http://",
        "https://",
        "env:",
        "vault:",
        "arn:",
        "file:",
        "projects/",
    ];
    const FILES: &[&str] = &[
        ".pem", ".key", ".crt", ".cer", ".p12", ".pfx", ".der", ".pub", ".json", ".txt", ".env",
        ".yaml", ".yml",
    ];
    REFERENCES.iter().any(|p| lower.starts_with(p)) || FILES.iter().any(|s| lower.ends_with(s))
}

/// Whether a literal looks machine-made rather than a word: at least 8 characters of at least
/// two kinds (lower case, upper case, digits, symbols other than `_`, `-`, `.`).
pub fn looks_random(value: &str) -> bool {
    let kinds = [
        value.chars().any(|c| c.is_lowercase()),
        value.chars().any(|c| c.is_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        // Word separators do not count: `_sa_default` is one word.
        value
            .chars()
            .any(|c| !c.is_alphanumeric() && !matches!(c, '_' | '-' | '.' | ' ')),
    ];
    value.chars().count() >= 8 && kinds.iter().filter(|k| **k).count() >= 2
}

/// Test modules import a test framework or define test functions/classes at module level.
/// (The checker does not see the file path, so `tests/` and `test_*.py` are recognised by
/// what they contain.)
pub(crate) fn is_test_module(semantic: &Semantic) -> bool {
    const FRAMEWORKS: &[&str] = &[
        "pytest",
        "unittest",
        "django.test",
        "rest_framework.test",
        "hypothesis",
        "flask.testing",
        "fastapi.testclient",
        "starlette.testclient",
        "mock",
        "factory",
        "faker",
    ];
    ba_analysis::routes::imports_from(semantic, FRAMEWORKS)
        || semantic
            .bindings
            .keys()
            .any(|n| n.starts_with("test_") || n.starts_with("Test"))
}

/// Whether `node` is test code: in a test module or a `test_*` function. Tests use throwaway
/// credentials, unverified tokens and fixed seeds on purpose.
pub(crate) fn in_test_code(checker: &Checker, node: Node) -> bool {
    if checker.class == ba_app::FileClass::Test {
        return true;
    }
    if checker.language.family() == ba_syntax::Family::JavaScript {
        return is_js_test_file(checker);
    }
    if is_test_module(checker.semantic) {
        return true;
    }
    ba_analysis::ancestors(checker.item, node).iter().any(|a| {
        a.kind_str() == "function_definition"
            && a.field("name")
                .is_some_and(|n| checker.text(n).starts_with("test_"))
    })
}

/// JavaScript and TypeScript tests: a `*.test.*`/`*.spec.*` file, a file under `__tests__/`,
/// `test/` or `tests/`, or a module that imports a test framework (Jest, Mocha, Vitest, Chai,
/// Supertest, AVA, tap).
fn is_js_test_file(checker: &Checker) -> bool {
    let path = checker.path.replace('\\', "/");
    let file = path.rsplit('/').next().unwrap_or(&path);
    if file.contains(".test.")
        || file.contains(".spec.")
        || path.contains("/__tests__/")
        || path.contains("/test/")
        || path.starts_with("test/")
    {
        return true;
    }
    const FRAMEWORKS: &[&str] = &[
        "@jest/globals",
        "vitest",
        "mocha",
        "chai",
        "supertest",
        "ava",
        "tap",
        "node:test",
        "test",
    ];
    ba_analysis::routes::imports_from(checker.semantic, FRAMEWORKS)
}

/// The value of a plain literal (a string or implicitly concatenated strings, no interpolation).
pub(crate) fn literal_value(checker: &Checker, node: Node) -> Option<String> {
    match node.kind_str() {
        "string" => string_value(checker.language, node, checker.source).map(str::to_owned),
        // JavaScript template literals without `${…}`.
        "template_string" => {
            string_value(checker.language, node, checker.source).map(str::to_owned)
        }
        "concatenated_string" => {
            let mut out = String::new();
            for part in named_children(node) {
                out.push_str(string_value(checker.language, part, checker.source)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// Whether a string literal is a bytes literal (`b"…"`).
pub(crate) fn is_bytes_literal(checker: &Checker, node: Node) -> bool {
    let first = match node.kind_str() {
        "concatenated_string" => node.named_child(0),
        _ => Some(node),
    };
    first
        .and_then(|s| s.named_child(0))
        .filter(|s| s.kind_str() == "string_start")
        .is_some_and(|s| checker.text(s).to_ascii_lowercase().contains('b'))
}

/// The name an expression is known by, for judging what it holds: `token` → token,
/// `user.api_key` → api_key, `request.headers["X-Signature"]` → X-Signature,
/// `request.headers.get("X-Signature")` → X-Signature, `compute_signature(body)` →
/// compute_signature, `sig.encode()` → sig, `hmac.new(…).hexdigest()` → hexdigest.
pub(crate) fn operand_name<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<String> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "identifier" => Some(checker.text(node).to_owned()),
        "attribute" => node.field("attribute").map(|a| checker.text(a).to_owned()),
        "subscript" => {
            let subs: Vec<Node> = {
                let mut c = node.walk();
                node.children_by_field_name("subscript", &mut c).collect()
            };
            match subs.as_slice() {
                [s] => literal_value(checker, *s),
                _ => None,
            }
        }
        "parenthesized_expression" | "non_null_expression" | "await_expression" => {
            node.named_child(0).and_then(|n| operand_name(checker, n))
        }
        // JavaScript: `user.apiKey`, `req.headers["x-signature"]`, `req.get("X-Signature")`,
        // `sig.toString("hex")`, `computeSignature(body)`.
        "member_expression" => node.field("property").map(|a| checker.text(a).to_owned()),
        "subscript_expression" => node.field("index").and_then(|i| literal_value(checker, i)),
        "call_expression" => {
            let func = node.field("function")?;
            let args = node.field("arguments")?;
            let first_arg = named_children(args)
                .into_iter()
                .find(|a| a.kind_str() != "comment");
            match func.kind_str() {
                "member_expression" => {
                    let method = checker.text(func.field("property")?);
                    let object = func.field("object")?;
                    match method {
                        "get" | "header" | "getHeader" | "cookie" => {
                            first_arg.and_then(|a| literal_value(checker, a))
                        }
                        "toString" | "trim" | "toLowerCase" | "toUpperCase" | "valueOf" => {
                            operand_name(checker, object)
                        }
                        _ => Some(method.to_owned()),
                    }
                }
                "identifier" => {
                    let name = checker.text(func);
                    match name {
                        "String" => first_arg.and_then(|a| operand_name(checker, a)),
                        _ => Some(name.to_owned()),
                    }
                }
                _ => None,
            }
        }
        "call" => {
            let func = node.field("function")?;
            let args = node.field("arguments")?;
            let first_arg = named_children(args)
                .into_iter()
                .find(|a| a.kind_str() != "comment");
            match func.kind_str() {
                "attribute" => {
                    let method = checker.text(func.field("attribute")?);
                    let object = func.field("object")?;
                    match method {
                        "get" | "pop" | "getlist" | "get_header" | "getheader" | "get_cookie" => {
                            first_arg.and_then(|a| literal_value(checker, a))
                        }
                        "encode" | "decode" | "strip" | "lower" | "upper" | "rstrip" | "lstrip"
                        | "casefold" => operand_name(checker, object),
                        _ => Some(method.to_owned()),
                    }
                }
                "identifier" => {
                    let name = checker.text(func);
                    match name {
                        "str" | "bytes" | "bytearray" => {
                            first_arg.and_then(|a| operand_name(checker, a))
                        }
                        _ => Some(name.to_owned()),
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The upper-snake environment variable name for a target: `db_password` → DB_PASSWORD,
/// `stripeApiKey` → STRIPE_API_KEY.
pub(crate) fn env_name(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// The name of a JavaScript object key: `password`, `"password"`, `[KEY]` → None.
pub(crate) fn js_key_name(checker: &Checker, key: Node) -> Option<String> {
    match key.kind_str() {
        "property_identifier" | "shorthand_property_identifier" | "identifier" => {
            Some(checker.text(key).to_owned())
        }
        "string" => literal_value(checker, key),
        _ => None,
    }
}

/// The value of entry `key` in a JavaScript object literal (`{ algorithms: [...] }`).
pub(crate) fn js_entry<'a>(checker: &Checker<'a>, object: Node<'a>, key: &str) -> Option<Node<'a>> {
    if object.kind_str() != "object" {
        return None;
    }
    named_children(object)
        .into_iter()
        .find_map(|p| match p.kind_str() {
            "pair" => p
                .field("key")
                .filter(|k| js_key_name(checker, *k).as_deref() == Some(key))
                .and_then(|_| p.field("value")),
            "shorthand_property_identifier" if checker.text(p) == key => Some(p),
            _ => None,
        })
}

/// Whether a JavaScript object literal spreads another value into itself (`{ ...claims }`).
pub(crate) fn js_has_spread(object: Node) -> bool {
    named_children(object)
        .iter()
        .any(|p| p.kind_str() == "spread_element")
}

/// The innermost JavaScript function around `node` (or the item itself at top level).
pub(crate) fn js_enclosing_function<'a>(checker: &Checker<'a>, node: Node<'a>) -> Node<'a> {
    ba_analysis::ancestors(checker.item, node)
        .into_iter()
        .rev()
        .find(|a| {
            matches!(
                a.kind_str(),
                "function_declaration"
                    | "function_expression"
                    | "function"
                    | "arrow_function"
                    | "method_definition"
                    | "generator_function_declaration"
            )
        })
        .unwrap_or(checker.item)
}

/// The name a JavaScript function is known by: its own name, the method's name, or the
/// variable or property it is assigned to (`const issueToken = () => …`).
pub(crate) fn js_function_name<'a>(checker: &Checker<'a>, function: Node<'a>) -> Option<&'a str> {
    if let Some(n) = function.field("name") {
        return Some(checker.text(n));
    }
    let parent = function.parent()?;
    match parent.kind_str() {
        "variable_declarator" => parent.field("name").map(|n| checker.text(n)),
        "pair" => parent.field("key").map(|n| checker.text(n)),
        "assignment_expression" => parent.field("left").map(|l| match l.kind_str() {
            "member_expression" => l
                .field("property")
                .map_or(checker.text(l), |p| checker.text(p)),
            _ => checker.text(l),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names_into_words() {
        assert_eq!(words("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(words("stripeApiKey"), ["stripe", "api", "key"]);
        assert_eq!(words("APIKey2"), ["api", "key", "2"]);
        assert_eq!(
            words("X-Hub-Signature-256"),
            ["x", "hub", "signature", "256"]
        );
        assert_eq!(words("apikey"), ["api", "key"]);
        assert_eq!(words("csrftoken"), ["csrf", "token"]);
    }

    #[test]
    fn secret_names() {
        for yes in [
            "DB_PASSWORD",
            "stripeApiKey",
            "SECRET_KEY",
            "secret_key",
            "aws_secret_access_key",
            "GITHUB_TOKEN",
            "client_secret",
            "jwt_secret",
            "API_KEY_PROD",
            "password2",
            "apikey",
            "private_key",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "password_field",
            "token_url",
            "TOKEN_TYPE",
            "PASSWORD_MIN_LENGTH",
            "password_reset_template",
            "cache_key",
            "key",
            "password_hash",
            "sort_key",
            "session_key",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn rate_limits_are_not_secrets() {
        assert!(is_not_a_secret("5/m/user", "change_password"));
        assert!(is_not_a_secret("20/m/ip,5/m/key", "reset_password"));
        assert!(is_not_a_secret("10/minute", "login_password"));
        assert!(!is_not_a_secret("5f/m9x/Q2", "db_password"));
        assert!(is_not_a_secret(
            "phc_3nNrXcaaJYuG3yX7cZ9oK8hT2qB1mVwE5dLpR4sA6fQ",
            "POSTHOG_API_KEY"
        ));
        assert!(!is_not_a_secret(
            "phx_3nNrXcaaJYuG3yX7cZ9oK8hT2qB1mVwE5dLpR4sA6fQ",
            "POSTHOG_PERSONAL_API_KEY"
        ));
    }

    #[test]
    fn placeholders_and_names_are_not_secrets() {
        for v in [
            "",
            "<your-password>",
            "YOUR_API_KEY",
            "xxxxxxxx",
            "********",
            "${DB_PASSWORD}",
            "{password}",
            "%s",
            "dummy",
            "example-key",
            "test",
            "password",
            "access_token",
            "X-Api-Key",
            "DB_PASSWORD",
            "Enter your password",
            r"[^\W\d]\w*",
            "pbkdf2_sha256$600000$abc$def",
            "/etc/secrets/key.pem",
            "sk_test_51H8abc",
            "not_available",
            "unused",
        ] {
            assert!(is_not_a_secret(v, "password"), "{v:?}");
        }
        for v in [
            "hunter2!x",
            "s3cr3t-Pa55",
            "django-insecure-7f$k2",
            "changeme",
        ] {
            assert!(!is_not_a_secret(v, "password"), "{v:?}");
        }
    }

    #[test]
    fn compare_names() {
        assert!(is_secret_compare_name("expected_sig"));
        assert!(is_secret_compare_name("X-Signature"));
        assert!(is_secret_compare_name("stored_token"));
        assert!(is_secret_compare_name("password_hash"));
        assert!(!is_secret_compare_name("token_count"));
        assert!(!is_secret_compare_name("signature_version"));
        assert!(!is_secret_compare_name("token_type"));
        assert!(!is_secret_compare_name("verify_signature"));
        assert!(!is_secret_compare_name("SIGNATURE_PLAINTEXT"));
    }

    #[test]
    fn env_names() {
        assert_eq!(env_name("db_password"), "DB_PASSWORD");
        assert_eq!(env_name("stripeApiKey"), "STRIPE_API_KEY");
        assert_eq!(env_name("SECRET_KEY"), "SECRET_KEY");
    }
}
