//! SEC501 hardcoded-secret: passwords, keys and tokens written into the source.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{
    env_name, in_test_code, is_bytes_literal, is_not_a_secret, is_password_name, is_secret_name,
    is_template_placeholder, literal_value, looks_random, operand_name,
};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, Finding, FixAvailability, Rule,
    Severity,
};
use ba_analysis::named_children;
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC501",
    name: "hardcoded-secret",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[798],
    owasp: Some("A07:2021 Identification and Authentication Failures"),
    summary: "A password, key or token is written into the source; read it from the environment or a secret manager instead.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::ALL_BUT_VENDORED,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_assignment,
        },
        Check {
            family: Family::Python,
            query_path: "python/secret-literals.scm",
            query: include_str!("../../../../queries/python/secret-literals.scm"),
            run: check_literal,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_jwt_key,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_py_env_fallback,
        },
        Check {
            family: Family::Python,
            query_path: "python/comparisons.scm",
            query: include_str!("../../../../queries/python/comparisons.scm"),
            run: check_comparison,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/bindings.scm",
            query: include_str!("../../../../queries/javascript/bindings.scm"),
            run: check_js_binding,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/comparisons.scm",
            query: include_str!("../../../../queries/javascript/comparisons.scm"),
            run: check_js_comparison,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/strings.scm",
            query: include_str!("../../../../queries/javascript/strings.scm"),
            run: check_js_string,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_js_call,
        },
    ],
};

/// How the code reads environment variable `var`: `os.environ["VAR"]`, `process.env.VAR`.
fn env_read(checker: &Checker, var: &str) -> String {
    match checker.language.family() {
        Family::Python => format!("os.environ[\"{var}\"]"),
        Family::JavaScript => format!("process.env.{var}"),
    }
}

/// The name of an assignment target: `DB_PASSWORD`, `app.secret_key` → secret_key,
/// `app.config["SECRET_KEY"]` → SECRET_KEY.
fn target_name(checker: &Checker, target: Node) -> Option<String> {
    match target.kind_str() {
        "identifier" => Some(checker.text(target).to_owned()),
        "attribute" => target
            .field("attribute")
            .map(|a| checker.text(a).to_owned()),
        "subscript" => {
            let mut c = target.walk();
            let subs: Vec<Node> = target.children_by_field_name("subscript", &mut c).collect();
            match subs.as_slice() {
                [s] => literal_value(checker, *s),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the literal is reported by the well-known-format or connection-string check, which
/// gives a more precise message (so a named check stays quiet on it).
fn has_specific_finding(value: &str) -> bool {
    known_format(value).is_some() || url_password(value).is_some()
}

fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    let Some(name) = target_name(checker, target) else {
        return;
    };
    report_named(checker, &name, value, target);
}

/// Reports `value` when it is a real-looking literal bound to a secret-looking `name`.
fn report_named<'a>(checker: &mut Checker<'a>, name: &str, value: Node<'a>, target: Node<'a>) {
    if !is_secret_name(name) {
        return;
    }
    let Some(literal) = literal_value(checker, value) else {
        return;
    };
    if is_not_a_secret(&literal, name)
        || has_specific_finding(&literal)
        || shared_with_plain_key(checker, value, &literal)
    {
        return;
    }
    // Tokens are machine-made: a single-case word is a marker or a sentinel
    // (`_DEFAULT_TOKEN = "_sa_default"`, a lexer's `STRING_TOKEN = "string"`). Passwords and
    // keys may be words, and weak ones (`SECRET_KEY = "changeme"`) are what this rule is for.
    let token = super::secret_names::core_words(name)
        .last()
        .is_some_and(|w| w == "token");
    if token && is_single_case_word(&literal) {
        return;
    }
    // Tests and development settings run with throwaway secrets by design (`SECRET_KEY =
    // "dev-…"` in `settings/dev.py`); well-known live token formats are still reported there.
    if in_test_code(checker, value) || checker.class == ba_app::FileClass::DevSettings {
        return;
    }
    let shown = super::callee(checker.text(target));
    // Writing the environment itself (`os.environ["X"] = "…"`) has no better spelling to offer.
    let writes_env = (target.kind_str() == "subscript"
        && checker.text(target).starts_with("os.environ"))
        || checker.text(target).starts_with("process.env");
    let env_fix = if writes_env {
        None
    } else {
        env_fix_edit(checker, value, name)
    };
    let finding = checker.report(
        value,
        format!(
            "`{shown}` is set to a hardcoded secret ({}); read it from the environment or a secret manager, e.g. `{}`",
            describe(&literal),
            env_read(checker, &env_name(name))
        ),
    );
    attach(finding, env_fix);
}

/// Letters of one case and word separators only: `relationship`, `DEFAULT`, `my-key-name`.
fn is_single_case_word(value: &str) -> bool {
    let letters_and_separators = value
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '_' | '-' | '.'));
    letters_and_separators
        && (!value.chars().any(char::is_uppercase) || !value.chars().any(char::is_lowercase))
}

/// "12 characters, starts with `s3`": enough to find the value, never the value itself.
fn describe(literal: &str) -> String {
    let n = literal.chars().count();
    if n >= 12 {
        let prefix: String = literal.chars().take(2).collect();
        format!("{n} characters, starting `{prefix}…`")
    } else {
        format!("{n} characters")
    }
}

/// The unsafe fix `"…"` → `os.environ["NAME"]` (importing `os` if the file does not), and
/// whether it needs the import.
fn env_fix_edit(checker: &Checker, value: Node, name: &str) -> Option<(String, Edit, bool)> {
    if checker.language.family() == Family::JavaScript {
        let var = env_name(name);
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        return Some((
            format!("Read it from `process.env.{var}`"),
            Edit {
                range: value.byte_range(),
                content: format!("process.env.{var}"),
            },
            false,
        ));
    }
    let needs_os = crate::imports::python_needs_import(checker, "os")?;
    let var = env_name(name);
    if var.is_empty() {
        return None;
    }
    let mut content = format!("os.environ[\"{var}\"]");
    if is_bytes_literal(checker, value) {
        content.push_str(".encode()");
    }
    Some((
        format!("Read it from `os.environ[\"{var}\"]`"),
        Edit {
            range: value.byte_range(),
            content,
        },
        needs_os,
    ))
}

fn attach(finding: &mut Finding, fix: Option<(String, Edit, bool)>) {
    if let Some((title, edit, needs_os)) = fix {
        finding.with_fix(title, Applicability::Unsafe, vec![edit]);
        if needs_os {
            finding.with_import("os");
        }
    }
}

fn check_literal<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    if let Some(literal) = caps.get("literal") {
        check_string(checker, literal);
        return;
    }
    let (Some(name_node), Some(value)) = (caps.get("name"), caps.get("value")) else {
        return;
    };
    let name = match name_node.kind_str() {
        "identifier" => checker.text(name_node).to_owned(),
        _ => match literal_value(checker, name_node) {
            Some(n) => n,
            None => return,
        },
    };
    report_named(checker, &name, value, name_node);
}

/// Well-known key formats and passwords in connection strings, in any string literal.
fn check_string<'a>(checker: &mut Checker<'a>, node: Node<'a>) {
    // Every string literal comes here: decide on the borrowed text before anything else.
    let Some(piece) = ba_analysis::string_value(checker.language, node, checker.source) else {
        return;
    };
    if !piece.contains("://") && !might_hold_key(piece) {
        return;
    }
    let value = piece.to_owned();
    // Docstrings show example URLs and keys.
    let parent = node.parent();
    if parent.is_some_and(|p| p.kind_str() == "expression_statement") {
        return;
    }
    // The literal as a whole is judged once: for `"a" "b"`, at the concatenation.
    let whole = match parent {
        Some(p) if p.kind_str() == "concatenated_string" => {
            if p.named_child(0) != Some(node) {
                return;
            }
            p
        }
        _ => node,
    };
    let value = literal_value(checker, whole).unwrap_or(value);
    report_known_secret(
        checker,
        whole,
        &value,
        |checker| binding_name(checker, whole),
        &["url", "uri", "dsn", "conn", "connection"],
        |var| format!("os.environ[\"{var}\"]"),
    );
}

/// Reports a literal that is a well-known key format, or a connection string with a password
/// (not in test code). `bound` names what holds the literal, for the fix; for a connection
/// string only a name made of `url_words` (`DATABASE_URL`, not `HOST`) is kept. `env` spells a
/// read of an environment variable in the language.
fn report_known_secret<'a>(
    checker: &mut Checker<'a>,
    node: Node<'a>,
    value: &str,
    bound: impl FnOnce(&Checker<'a>) -> Option<String>,
    url_words: &[&str],
    env: impl Fn(&str) -> String,
) {
    if let Some(kind) = known_format(value) {
        // Tests sign and verify with throwaway key pairs; a live service credential
        // (`AKIA…`, `ghp_…`, `sk_live_…`) in a test is still a leak.
        if kind.contains("private key")
            && (in_test_code(checker, node) || checker.class == ba_app::FileClass::DevSettings)
        {
            return;
        }
        let fix = bound(checker).and_then(|n| env_fix_edit(checker, node, &n));
        let finding = checker.report(
            node,
            format!(
                "{kind} is written into the source; revoke it, then load it from the environment or a secret manager"
            ),
        );
        attach(finding, fix);
        return;
    }
    if let Some(shown) = url_password(value) {
        if in_test_code(checker, node) || checker.class == ba_app::FileClass::DevSettings {
            return;
        }
        let bound = bound(checker).filter(|n| {
            super::secret_names::words(n)
                .iter()
                .any(|w| url_words.contains(&w.as_str()))
        });
        let var = bound
            .as_deref()
            .map(env_name)
            .unwrap_or_else(|| "DATABASE_URL".to_owned());
        let fix = bound.and_then(|n| env_fix_edit(checker, node, &n));
        let example = env(&var);
        let finding = checker.report(
            node,
            format!(
                "the connection string `{shown}` contains a hardcoded password; read the URL (or the password) from the environment, e.g. `{example}`"
            ),
        );
        attach(finding, fix);
    }
}

/// `{ title: "string", admin_session_secret: "string" }`, `{"password": "private", "is_private":
/// "private"}`: a value a key that names no secret holds too in the same object or dictionary is
/// a category, a type or a group name (a table of settings), not a secret, which is never shared.
fn shared_with_plain_key(checker: &Checker, value: Node, literal: &str) -> bool {
    let Some(pair) = value
        .parent()
        .filter(|p| p.kind_str() == "pair" && p.field("value") == Some(value))
    else {
        return false;
    };
    let Some(object) = pair.parent() else {
        return false;
    };
    let mut cursor = object.walk();
    let shared = object.named_children(&mut cursor).any(|other| {
        other != pair
            && other.kind_str() == "pair"
            && other
                .field("value")
                .and_then(|v| literal_value(checker, v))
                .is_some_and(|v| v == literal)
            && other
                .field("key")
                .map(|k| literal_value(checker, k).unwrap_or_else(|| checker.text(k).to_owned()))
                .is_some_and(|k| !is_secret_name(&k))
    });
    shared
}

/// The name a literal is bound to, if any (`X = "…"`, `f(x="…")`, `{"x": "…"}`).
fn binding_name(checker: &Checker, literal: Node) -> Option<String> {
    let parent = literal.parent()?;
    match parent.kind_str() {
        "assignment" if parent.field("right") == Some(literal) => {
            let target = parent.field("left")?;
            if checker.text(target).starts_with("os.environ") {
                return None;
            }
            target_name(checker, target)
        }
        "keyword_argument" | "default_parameter" | "typed_default_parameter" => {
            parent.field("name").map(|n| checker.text(n).to_owned())
        }
        "pair" if parent.field("value") == Some(literal) => {
            literal_value(checker, parent.field("key")?)
        }
        _ => None,
    }
}

/// A cheap test before the format scan.
fn might_hold_key(value: &str) -> bool {
    ["AKIA", "ASIA", "-----BEGIN", "gh", "_live_", "xox", "AIza"]
        .iter()
        .any(|m| value.contains(m))
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Whether the characters after a key prefix look random rather than a filler
/// (`ghp_xxxxxxxx…`, `sk_live_000…`).
fn varied(body: &str) -> bool {
    let mut seen: Vec<char> = body.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() >= 8
}

/// The kind of credential when `value` contains a well-known key format (described without
/// the key: "an AWS access key ID (`AKIA…`)").
pub fn known_format(value: &str) -> Option<String> {
    // Private key blocks, with real base64 content after the header.
    if let Some(start) = value.find("-----BEGIN ") {
        let rest = &value[start + 11..];
        if let Some(end) = rest.find("PRIVATE KEY-----") {
            let label = &rest[..end];
            let body = &rest[end + 16..];
            let base64 = body
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                .count();
            if !label.contains("ENCRYPTED")
                && label.len() <= 12
                && base64 >= 40
                && !body.contains("...")
            {
                return Some(format!(
                    "a private key (`-----BEGIN {label}PRIVATE KEY-----`)"
                ));
            }
        }
    }
    // Prefixed tokens: (prefix, minimum body length, allowed extra body chars, description).
    const PREFIXED: &[(&str, usize, &str, &str)] = &[
        ("AKIA", 16, "", "an AWS access key ID"),
        ("ASIA", 16, "", "an AWS temporary access key ID"),
        ("ghp_", 36, "", "a GitHub personal access token"),
        ("gho_", 36, "", "a GitHub OAuth token"),
        ("ghu_", 36, "", "a GitHub user-to-server token"),
        ("ghs_", 36, "", "a GitHub server-to-server token"),
        ("ghr_", 36, "", "a GitHub refresh token"),
        ("github_pat_", 22, "_", "a GitHub fine-grained access token"),
        ("sk_live_", 16, "", "a Stripe live secret key"),
        ("rk_live_", 16, "", "a Stripe live restricted key"),
        ("xoxb-", 10, "-", "a Slack bot token"),
        ("xoxp-", 10, "-", "a Slack user token"),
        ("xoxa-", 10, "-", "a Slack app token"),
        ("xoxr-", 10, "-", "a Slack refresh token"),
        ("xoxs-", 10, "-", "a Slack session token"),
        ("AIza", 35, "-_", "a Google API key"),
    ];
    for &(prefix, min, extra, what) in PREFIXED {
        for (at, _) in value.match_indices(prefix) {
            let before_ok = value[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            if !before_ok {
                continue;
            }
            let body: String = value[at + prefix.len()..]
                .chars()
                .take_while(|&c| is_key_char(c) || extra.contains(c))
                .collect();
            let uppercase_only = prefix.starts_with("AKIA") || prefix.starts_with("ASIA");
            let exact_len = uppercase_only || prefix == "AIza";
            let len_ok = if exact_len {
                body.len() == min
            } else {
                body.len() >= min
            };
            if !len_ok
                || (uppercase_only
                    && !body
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
                || body.to_ascii_uppercase().contains("EXAMPLE")
                || !varied(&body)
            {
                continue;
            }
            return Some(format!("{what} (`{prefix}…`)"));
        }
    }
    None
}

/// The URL with its password masked, when `value` holds a URL with a real-looking password
/// for a host other than this machine: `postgresql://app:****@db.internal/shop`.
pub fn url_password(value: &str) -> Option<String> {
    let sep = value.find("://")?;
    // The scheme starts after the last character that cannot be in one (which may be
    // multi-byte: `é://`).
    let scheme_start = value[..sep]
        .char_indices()
        .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let scheme = &value[scheme_start..sep];
    if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = &value[sep + 3..];
    let authority_end = rest
        .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
        .unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let (userinfo, host) = (&authority[..at], &authority[at + 1..]);
    let (user, password) = userinfo.split_once(':')?;
    let host_name = host
        .trim_start_matches('[')
        .split([']', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    const LOCAL: &[&str] = &["localhost", "127.0.0.1", "::1", "0.0.0.0", ""];
    let lower = password.to_ascii_lowercase();
    if password.is_empty()
        || is_template_placeholder(password)
        || password.starts_with('$')
        || password == user
        || matches!(
            lower.as_str(),
            "password" | "pass" | "passwd" | "pwd" | "secret" | "pw"
        )
        || LOCAL.contains(&host_name.as_str())
        || host_name == "host"
        || host_name.ends_with("example.com")
        || host_name.ends_with("example.org")
        || host_name.ends_with(".example")
    {
        return None;
    }
    let masked = format!(
        "{}://{user}:****@{}",
        scheme,
        &rest[at + 1..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect::<String>()
    );
    Some(super::callee(&masked))
}

const JWT_SIGN: &[&str] = &[
    "jwt.encode",
    "jwt.decode",
    "jose.jwt.encode",
    "jose.jwt.decode",
    "jwt.api_jwt.encode",
    "jwt.api_jwt.decode",
];

/// `jwt.encode(payload, "literal")` / `jwt.decode(token, "literal", …)`, and `hmac.new(b"literal", …)`.
fn check_jwt_key<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if checker.resolve_callee(func, &["hmac.new"]).is_some() {
        check_hmac_key(checker, args);
        return;
    }
    if check_login_password(checker, func, args) {
        return;
    }
    let Some(name) = checker.resolve_callee(func, JWT_SIGN) else {
        return;
    };
    let Some(key) = checker.arguments(args).get(1, "key", checker.source) else {
        return;
    };
    let verb = if name.ends_with("encode") {
        "signs tokens"
    } else {
        "verifies tokens"
    };
    // The literal is the key here: even "secret" is a (guessable) key, so only template
    // markers are left alone.
    report_literal_key(checker, key, true, "JWT_SECRET", |what| {
        format!(
            "`{name}` {verb} with a hardcoded key ({what}); anyone who reads the code can forge tokens: load the key from the environment, e.g. `os.environ[\"JWT_SECRET\"]`"
        )
    });
}

/// Reports `key`, an argument a library uses as a key (JWT, HMAC, cipher), when it is a
/// literal: anyone who reads the code has the key. Template placeholders, well-known formats
/// (reported by `check_string` already) and test code are left alone, and so is `""` unless
/// `empty_counts`. `message` gets the literal's description; the fix moves it to the
/// environment variable `var`.
fn report_literal_key<'a>(
    checker: &mut Checker<'a>,
    key: Node<'a>,
    empty_counts: bool,
    var: &str,
    message: impl FnOnce(&str) -> String,
) {
    let Some(literal) = literal_value(checker, key) else {
        return;
    };
    if (literal.is_empty() && !empty_counts)
        || is_template_placeholder(&literal)
        || has_specific_finding(&literal)
        || in_test_code(checker, key)
    {
        return;
    }
    let fix = env_fix_edit(checker, key, var);
    let finding = checker.report(key, message(&describe(&literal)));
    attach(finding, fix);
}

/// Mail and file-transfer clients of the standard library, by the environment variable the fix
/// reads their password from.
const LOGIN_CLIENTS: &[(&str, &str)] = &[
    ("smtplib.SMTP", "SMTP_PASSWORD"),
    ("smtplib.SMTP_SSL", "SMTP_PASSWORD"),
    ("smtplib.LMTP", "SMTP_PASSWORD"),
    ("ftplib.FTP", "FTP_PASSWORD"),
    ("ftplib.FTP_TLS", "FTP_PASSWORD"),
    ("imaplib.IMAP4", "IMAP_PASSWORD"),
    ("imaplib.IMAP4_SSL", "IMAP_PASSWORD"),
];

/// `smtp.login("noreply@example.com", "literal")` on a client made by `smtplib`, `ftplib` or
/// `imaplib` (here, or bound to a name): the account's password is in the code. Whether the
/// call was one.
fn check_login_password<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: Node<'a>) -> bool {
    if func.kind_str() != "attribute"
        || func.field("attribute").map(|a| checker.text(a)) != Some("login")
    {
        return false;
    }
    let Some(object) = func.field("object") else {
        return false;
    };
    let made_by = |ctor: &str| {
        (object.kind_str() == "call"
            && object
                .field("function")
                .and_then(|f| checker.resolve_callee(f, &[ctor]))
                .is_some())
            || super::tls_verification_disabled::bound_to_call(checker, object, &[ctor])
    };
    if !(object.kind_str() == "call" || object.kind_str() == "identifier") {
        return false;
    }
    let Some(&(ctor, var)) = LOGIN_CLIENTS.iter().find(|(c, _)| made_by(c)) else {
        return false;
    };
    let arguments = checker.arguments(args);
    let keyword = if ctor.starts_with("ftplib") {
        "passwd"
    } else {
        "password"
    };
    let Some(password) = arguments.get(1, keyword, checker.source) else {
        return true;
    };
    if literal_value(checker, password).is_none_or(|l| is_not_a_secret(&l, "password")) {
        return true;
    }
    let module = ctor.split('.').next().unwrap_or(ctor);
    report_literal_key(checker, password, false, var, |what| {
        format!(
            "`{module}` signs in with a hardcoded password ({what}); anyone who reads the code has the account: read it from the environment, e.g. `os.environ[\"{var}\"]`"
        )
    });
    true
}

/// `hmac.new(b"literal", msg, "sha256")`: a MAC anyone who reads the code can compute.
fn check_hmac_key<'a>(checker: &mut Checker<'a>, args: Node<'a>) {
    let Some(key) = checker.arguments(args).get(0, "key", checker.source) else {
        return;
    };
    report_literal_key(checker, key, false, "HMAC_KEY", |what| {
        format!(
            "`hmac.new` keys its MACs with a hardcoded key ({what}); anyone who reads the code can compute valid signatures (webhooks, signed links, tokens): load the key from the environment, e.g. `os.environ[\"HMAC_KEY\"].encode()`"
        )
    });
}

/// `if password == "letmein"`: a hardcoded password or key checked at run time.
fn check_comparison<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(cmp) = caps.get("comparison") else {
        return;
    };
    let operands = named_children(cmp);
    let mut c = cmp.walk();
    let operators: Vec<Node> = cmp.children_by_field_name("operators", &mut c).collect();
    if operands.len() != 2
        || operators.len() != 1
        || !matches!(operators[0].kind_str(), "==" | "!=")
    {
        return;
    }
    judge_comparison(
        checker,
        cmp,
        operands[0],
        operands[1],
        "`hmac.compare_digest`",
    );
}

/// JavaScript `password === "hunter2"` (`==`, `!==`, `!=`, either side).
fn check_js_comparison<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(cmp), Some(left), Some(right)) =
        (caps.get("comparison"), caps.get("left"), caps.get("right"))
    else {
        return;
    };
    let op = cmp.field("operator").map(|o| checker.text(o)).unwrap_or("");
    if !matches!(op, "===" | "==" | "!==" | "!=") {
        return;
    }
    judge_comparison(checker, cmp, left, right, "`crypto.timingSafeEqual`");
}

/// A comparison of a password or secret with a literal that looks like one.
fn judge_comparison<'a>(
    checker: &mut Checker<'a>,
    cmp: Node<'a>,
    a: Node<'a>,
    b: Node<'a>,
    compare: &str,
) {
    let (other, literal_node) = match (literal_value(checker, a), literal_value(checker, b)) {
        (None, Some(_)) => (a, b),
        (Some(_), None) => (b, a),
        _ => return,
    };
    let Some(name) = operand_name(checker, other) else {
        return;
    };
    let password = is_password_name(&name);
    if !(password || is_secret_name(&name)) {
        return;
    }
    let Some(literal) = literal_value(checker, literal_node) else {
        return;
    };
    // Parsers compare `token` with keywords (`token == "async"`): a token literal must look
    // machine-made to be a secret.
    if !password && !looks_random(&literal) {
        return;
    }
    if is_not_a_secret(&literal, &name)
        || has_specific_finding(&literal)
        || in_test_code(checker, cmp)
        || guards_against_default(checker, cmp)
    {
        return;
    }
    let shown = super::callee(checker.text(other));
    checker.report(
        literal_node,
        format!(
            "`{shown}` is checked against a hardcoded secret ({}); compare with a value loaded from the environment or a secret manager (with {compare})",
            describe(&literal)
        ),
    );
}

/// `if SECRET_KEY == "changeme": raise …`: a check that refuses a known default is the cure,
/// not the disease.
fn guards_against_default(checker: &Checker, cmp: Node) -> bool {
    let ancestors = ba_analysis::ancestors(checker.item, cmp);
    let Some(stmt) = ancestors
        .iter()
        .rev()
        .find(|a| matches!(a.kind_str(), "if_statement" | "assert_statement"))
    else {
        return false;
    };
    if stmt.kind_str() == "assert_statement" {
        return true;
    }
    let Some(body) = stmt.field("consequence") else {
        return false;
    };
    let statements = match body.kind_str() {
        "block" | "statement_block" => named_children(body),
        _ => vec![body],
    };
    statements.iter().any(|s| {
        let text = checker.text(*s);
        matches!(s.kind_str(), "raise_statement" | "throw_statement")
            || text.starts_with("process.exit")
            || text.contains("console.warn(")
            || text.contains("console.error(")
            || text.contains(".warn(")
            || text.starts_with("sys.exit")
            || text.starts_with("warnings.warn")
            || text.contains(".warning(")
            || text.contains(".critical(")
            || text.contains(".error(")
    })
}

/// The name a JavaScript binding target stands for: `JWT_SECRET`, `config.apiKey` → apiKey,
/// `env["DB_PASSWORD"]` → DB_PASSWORD, `{ password: … }` → password.
fn js_target_name(checker: &Checker, target: Node) -> Option<String> {
    match target.kind_str() {
        "identifier" | "property_identifier" | "shorthand_property_identifier" => {
            Some(checker.text(target).to_owned())
        }
        "member_expression" => target.field("property").map(|p| checker.text(p).to_owned()),
        "subscript_expression" => target
            .field("index")
            .and_then(|i| literal_value(checker, i)),
        "string" => literal_value(checker, target),
        _ => None,
    }
}

/// `process.env.X`, `process.env["X"]`, and `env.X` for an upper-case `X` (`const env =
/// process.env`, `const { env } = process`).
fn is_env_read(checker: &Checker, node: Node) -> bool {
    if !matches!(
        node.kind_str(),
        "member_expression" | "subscript_expression"
    ) {
        return false;
    }
    let text = checker.text(node);
    if text.starts_with("process.env") {
        return true;
    }
    let (Some(object), Some(property)) = (node.field("object"), node.field("property")) else {
        return false;
    };
    let property = checker.text(property);
    matches!(checker.text(object), "env" | "ENV")
        && property.len() > 1
        && property
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a literal used as the fallback of a secret's environment variable can stand in for
/// it. Any real text can (`"dev-secret"`, `"change-me"` sign sessions just the same when the
/// variable is missing in production); an empty string, a template marker or a word like
/// `none` makes the code fail or refuse instead.
fn fallback_could_be_a_secret(literal: &str) -> bool {
    let v = literal.trim();
    v.chars().count() >= 4
        && !super::secret_names::is_template_placeholder(v)
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "none" | "null" | "undefined" | "true" | "false" | "disabled" | "unset"
        )
}

/// `SECRET_KEY = os.environ.get("SECRET_KEY", "dev-key")`, `os.getenv("JWT_SECRET",
/// "change-me")`, `os.getenv("API_TOKEN") or "tok-…"`: wherever the variable is missing the code
/// runs with the literal, which anyone who reads the code knows. Reported on the literal when
/// the variable or what holds the value is named like a secret; not in development settings.
fn check_py_env_fallback<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    // Decide on the text before resolving: only `…get(`, `…getenv(` and `…setdefault(`.
    let last = checker.text(func).rsplit('.').next().unwrap_or("");
    if !matches!(last, "get" | "getenv" | "setdefault") {
        return;
    }
    if matches!(
        checker.class,
        ba_app::FileClass::DevSettings | ba_app::FileClass::Test
    ) {
        return;
    }
    let Some(q) = checker.resolve(func) else {
        return;
    };
    if !matches!(
        q.as_str(),
        "os.environ.get" | "os.getenv" | "os.environ.setdefault"
    ) {
        return;
    }
    let arguments = checker.arguments(args);
    let Some(var) = arguments
        .positional
        .first()
        .and_then(|n| literal_value(checker, *n))
    else {
        return;
    };
    // The fallback: the second argument, or the right side of `os.getenv("X") or "…"`.
    let parent = call.parent();
    let (fallback, whole) = match arguments
        .positional
        .get(1)
        .copied()
        .or_else(|| arguments.keyword("default", checker.source))
    {
        Some(f) => (f, call),
        None => match parent.filter(|p| p.kind_str() == "boolean_operator") {
            Some(op)
                if op.field("left") == Some(call)
                    && op
                        .field("operator")
                        .is_some_and(|o| checker.text(o) == "or") =>
            {
                match op.field("right") {
                    Some(right) => (right, op),
                    None => return,
                }
            }
            _ => return,
        },
    };
    let Some(literal) = literal_value(checker, fallback) else {
        return;
    };
    let bound = binding_name(checker, whole);
    let name = match &bound {
        Some(b) if is_secret_name(b) => b.clone(),
        _ if is_secret_name(&var) => var.clone(),
        _ => return,
    };
    if !fallback_could_be_a_secret(&literal)
        || has_specific_finding(&literal)
        || in_test_code(checker, fallback)
    {
        return;
    }
    // The fix reads `os.environ`, so only where the file imports `os`.
    let imports_os = checker.semantic.imports.contains_key("os");
    let finding = checker.report(
        fallback,
        format!(
            "`{name}` falls back to a hardcoded secret ({}) when `{var}` is unset, so a deployment that misses the variable runs with a key anyone can read; drop the fallback (`os.environ[\"{var}\"]` fails at startup when it is missing)",
            describe(&literal)
        ),
    );
    if imports_os {
        finding.with_fix(
            format!("Use `os.environ[\"{var}\"]` without a fallback"),
            Applicability::Unsafe,
            vec![Edit {
                range: whole.byte_range(),
                content: format!("os.environ[\"{var}\"]"),
            }],
        );
    }
}

/// Libraries whose options object carries a `secret` that signs cookies (reported by
/// `check_js_call` with a more precise message).
const JS_SESSION: &[&str] = &["express-session", "cookie-session"];

/// Whether `pair` is an entry of the options object passed to `express-session`/`cookie-session`.
fn in_session_options<'a>(checker: &Checker<'a>, pair: Node<'a>) -> bool {
    let Some(object) = pair.parent().filter(|o| o.kind_str() == "object") else {
        return false;
    };
    let Some(call) = object
        .parent()
        .filter(|a| a.kind_str() == "arguments")
        .and_then(|a| a.parent())
        .filter(|c| matches!(c.kind_str(), "call_expression" | "new_expression"))
    else {
        return false;
    };
    call.field("function")
        .or_else(|| call.field("constructor"))
        .and_then(|f| checker.resolve_callee(f, JS_SESSION))
        .is_some()
}

fn check_js_binding<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    // Most bindings hold no string at all: decide on the value's kind first.
    if !matches!(
        value.kind_str(),
        "string" | "template_string" | "binary_expression" | "array"
    ) {
        return;
    }
    let Some(name) = js_target_name(checker, target) else {
        return;
    };
    if value.kind_str() == "array" {
        check_js_signing_keys(checker, &name, value, target);
        return;
    }
    if !is_secret_name(&name) {
        return;
    }
    if value.kind_str() == "binary_expression" {
        check_js_fallback(checker, &name, value);
        return;
    }
    if target.kind_str() == "property_identifier" || target.kind_str() == "string" {
        if let Some(pair) = target.parent().filter(|p| p.kind_str() == "pair") {
            if in_session_options(checker, pair) {
                return;
            }
        }
    }
    if literal_value(checker, value).is_some_and(|v| js_names_something(&v)) {
        return;
    }
    let name = js_qualified_name(checker, target, name);
    report_named(checker, &name, value, target);
}

/// Koa's `app.keys` (and `keys`/`appKeys`/`cookieKeys`/`signingKeys` in its configuration)
/// sign cookies and sessions: a literal in the list, or an environment variable falling back
/// to one, lets anyone forge them.
fn check_js_signing_keys<'a>(
    checker: &mut Checker<'a>,
    name: &str,
    value: Node<'a>,
    target: Node<'a>,
) {
    let words = super::secret_names::words(name);
    let signing = match words.as_slice() {
        [only] => only == "keys" && checker.text(target).contains('.'),
        [.., head, last] => {
            last == "keys" && matches!(head.as_str(), "app" | "cookie" | "signing" | "session")
        }
        _ => false,
    };
    if !signing {
        return;
    }
    for element in named_children(value) {
        match element.kind_str() {
            "binary_expression" => check_js_fallback(checker, name, element),
            "string" | "template_string" => {
                let Some(literal) = literal_value(checker, element) else {
                    continue;
                };
                if !fallback_could_be_a_secret(&literal)
                    || has_specific_finding(&literal)
                    || in_test_code(checker, element)
                {
                    continue;
                }
                let shown = super::callee(checker.text(target));
                checker.report(
                    element,
                    format!(
                        "`{shown}` holds a hardcoded signing key ({}): cookies and sessions signed with it can be forged by anyone who reads the code; read the keys from the environment, e.g. `process.env.APP_KEYS.split(\",\")`",
                        describe(&literal)
                    ),
                );
                // One finding per list: the fix is the same for every key in it.
                return;
            }
            _ => {}
        }
    }
}

/// A one-word object key qualified by the key of the object around it, for the environment
/// variable the fix proposes: `{ db: { password: … } }` → db_password (`DB_PASSWORD`).
fn js_qualified_name(checker: &Checker, key: Node, name: String) -> String {
    if super::secret_names::words(&name).len() != 1 {
        return name;
    }
    let outer = key
        .parent()
        .filter(|p| p.kind_str() == "pair")
        .and_then(|p| p.parent())
        .filter(|o| o.kind_str() == "object")
        .and_then(|o| o.parent())
        .filter(|p| p.kind_str() == "pair")
        .and_then(|p| p.field("key"))
        .and_then(|k| js_target_name(checker, k))
        .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    match outer {
        Some(outer) => format!("{outer}_{name}"),
        None => name,
    }
}

/// JavaScript values that name or select something rather than hold a secret: storage and
/// event keys (`"msal.cache.encryption"`, `"auth:token"`) and CSS selectors
/// (`"[type=password]"`).
fn js_names_something(value: &str) -> bool {
    let key_like = value.contains(['.', ':'])
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.split(['.', ':']).all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        && value
            .split(['.', ':'])
            .all(|part| !part.chars().any(|c| c.is_ascii_digit()));
    let selector = value.starts_with('[') && value.ends_with(']') && value.contains('=');
    key_like || selector
}

/// `const JWT_SECRET = process.env.JWT_SECRET || "dev-secret"`: wherever the variable is
/// missing (a new deployment, a typo in its name) the code runs with the literal, which is
/// public. Reported on the literal.
fn check_js_fallback<'a>(checker: &mut Checker<'a>, name: &str, value: Node<'a>) {
    let (Some(left), Some(op), Some(right)) = (
        value.field("left"),
        value.field("operator"),
        value.field("right"),
    ) else {
        return;
    };
    if !matches!(checker.text(op), "||" | "??") || !is_env_read(checker, left) {
        return;
    }
    let Some(literal) = literal_value(checker, right) else {
        return;
    };
    if !fallback_could_be_a_secret(&literal)
        || has_specific_finding(&literal)
        || in_test_code(checker, value)
    {
        return;
    }
    let env = checker.text(left);
    let edit = Edit {
        range: value.byte_range(),
        content: env.to_owned(),
    };
    checker
        .report(
            right,
            format!(
                "`{name}` falls back to a hardcoded secret ({}) when `{env}` is unset, so a deployment that misses the variable runs with a key anyone can read; drop the fallback and fail at startup when the variable is missing",
                describe(&literal)
            ),
        )
        .with_fix(
            format!("Use `{env}` without a fallback"),
            Applicability::Unsafe,
            vec![edit],
        );
}

/// The name a JavaScript literal is bound to (`const X = "…"`, `{ x: "…" }`, `a.x = "…"`).
fn js_binding_name(checker: &Checker, literal: Node) -> Option<String> {
    let parent = literal.parent()?;
    match parent.kind_str() {
        "variable_declarator" if parent.field("value") == Some(literal) => {
            js_target_name(checker, parent.field("name")?)
        }
        "pair" if parent.field("value") == Some(literal) => {
            js_target_name(checker, parent.field("key")?)
        }
        "assignment_expression" if parent.field("right") == Some(literal) => {
            let left = parent.field("left")?;
            if is_env_read(checker, left) {
                return None;
            }
            js_target_name(checker, left)
        }
        _ => None,
    }
}

/// Well-known key formats and passwords in connection strings, in any JavaScript string.
fn check_js_string<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(node) = caps.get("literal") else {
        return;
    };
    let Some(piece) = ba_analysis::string_value(checker.language, node, checker.source) else {
        return;
    };
    if !piece.contains("://") && !might_hold_key(piece) {
        return;
    }
    let value = piece.to_owned();
    // Directives and bare strings (`"use strict"`) are not values.
    if node
        .parent()
        .is_some_and(|p| p.kind_str() == "expression_statement")
    {
        return;
    }
    let bound = js_binding_name(checker, node).map(|n| match node.parent() {
        Some(pair) if pair.kind_str() == "pair" => pair
            .field("key")
            .map_or(n.clone(), |k| js_qualified_name(checker, k, n.clone())),
        _ => n,
    });
    report_known_secret(
        checker,
        node,
        &value,
        |_| bound,
        &["url", "uri", "dsn", "conn", "connection", "string"],
        |var| format!("process.env.{var}"),
    );
}

const JS_JWT: &[&str] = &["jsonwebtoken.sign", "jsonwebtoken.verify"];

/// Node `crypto` calls whose second argument is a key.
const JS_KEYED_CRYPTO: &[&str] = &[
    "crypto.createHmac",
    "crypto.createCipheriv",
    "crypto.createDecipheriv",
];

/// `jwt.sign(payload, "literal")`, `jwt.verify(token, "literal")`, `crypto.createHmac(alg,
/// "literal")` (and the cipher constructors), `session({ secret: "…" })`, `cookieParser("…")`.
fn check_js_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let positional = checker.arguments(args).positional.clone();
    if let Some(name) = checker.resolve_callee(func, JS_JWT) {
        let Some(key) = positional.get(1).copied() else {
            return;
        };
        let short = name.replace("jsonwebtoken.", "jwt.");
        let verb = if name.ends_with("sign") {
            "signs tokens"
        } else {
            "verifies tokens"
        };
        report_literal_key(checker, key, true, "JWT_SECRET", |what| {
            format!(
                "`{short}` {verb} with a hardcoded key ({what}); anyone who reads the code can forge tokens: load the key from the environment, e.g. `process.env.JWT_SECRET`"
            )
        });
        return;
    }
    if let Some(name) = checker.resolve_callee(func, JS_KEYED_CRYPTO) {
        let Some(key) = positional.get(1).copied() else {
            return;
        };
        let short = name.trim_start_matches("crypto.");
        let (what, harm, var) = if short == "createHmac" {
            (
                "keys its MACs",
                "anyone who reads the code can compute valid signatures (webhooks, signed links, tokens)",
                "HMAC_KEY",
            )
        } else {
            (
                "encrypts",
                "anyone who reads the code can decrypt the data",
                "ENCRYPTION_KEY",
            )
        };
        report_literal_key(checker, key, false, var, |literal| {
            format!(
                "`{short}` {what} with a hardcoded key ({literal}); {harm}: load the key from the environment, e.g. `process.env.{var}`"
            )
        });
        return;
    }
    let Some(name) = checker.resolve_callee(
        func,
        &["express-session", "cookie-session", "cookie-parser"],
    ) else {
        return;
    };
    let Some(first) = positional.first().copied() else {
        return;
    };
    let mut secrets = Vec::new();
    if name == "cookie-parser" {
        secrets.push(first);
    } else if first.kind_str() == "object" {
        for pair in named_children(first) {
            if pair.kind_str() != "pair" {
                continue;
            }
            let (Some(k), Some(v)) = (pair.field("key"), pair.field("value")) else {
                continue;
            };
            if !matches!(
                js_target_name(checker, k).as_deref(),
                Some("secret" | "keys")
            ) {
                continue;
            }
            if v.kind_str() == "array" {
                secrets.extend(named_children(v));
            } else {
                secrets.push(v);
            }
        }
    }
    for secret in secrets {
        let Some(literal) = literal_value(checker, secret) else {
            continue;
        };
        if literal.is_empty() || is_template_placeholder(&literal) || in_test_code(checker, secret)
        {
            continue;
        }
        let known = if literal == "keyboard cat" {
            ", the example from the `express-session` README"
        } else {
            ""
        };
        let var = if name == "cookie-parser" {
            "COOKIE_SECRET"
        } else {
            "SESSION_SECRET"
        };
        let fix = env_fix_edit(checker, secret, var);
        let finding = checker.report(
            secret,
            format!(
                "`{name}` signs cookies with a hardcoded secret ({}{known}); anyone who reads the code can forge session cookies: load it from the environment, e.g. `process.env.{var}`",
                describe(&literal)
            ),
        );
        attach(finding, fix);
    }
}

const DOCS: &str = r#"## What it does
Flags credentials written into Python source:

- string literals bound to a name that says it holds a secret, as an assignment (`DB_PASSWORD =
  "…"`, `app.secret_key = "…"`, `app.config["SECRET_KEY"] = "…"`, Django's `SECRET_KEY`), a
  keyword argument (`connect(password="…")`), a default parameter, or a dictionary entry
  (`DATABASES = {"default": {"PASSWORD": "…"}}`). A name counts when its last word is
  `password`, `passwd`, `pwd`, `passphrase`, `secret` or `token`, or `key` after `api`,
  `secret`, `private`, `access`, `signing`, `encryption`… (`stripeApiKey`,
  `aws_secret_access_key`), in any case and with suffixes such as `_PROD` or `2`;
- a literal key passed to `jwt.encode(payload, "…")` / `jwt.decode(token, "…", …)`, or to `hmac.new(b"…", msg, …)`;
- a literal password passed to `login(user, "…")` of an `smtplib`, `ftplib` or `imaplib` client;
- a secret-named value compared with a literal (`if password == "letmein"`; for tokens and
  keys the literal must look machine-made, since parsers compare `token == "async"`);
- passwords inside connection strings (`postgresql://app:…@db.internal/shop`, `mongodb+srv://`,
  `redis://:…@cache`), wherever the string appears;
- well-known key formats anywhere, test code included: AWS access key IDs (`AKIA…`), GitHub
  tokens (`ghp_…`, `github_pat_…`), Stripe live keys (`sk_live_…`), Slack tokens (`xoxb-…`,
  `xoxp-…`) and Google API keys (`AIza…`); private key blocks (`-----BEGIN RSA PRIVATE
  KEY-----`) outside tests and development settings, where throwaway key pairs sign test tokens.
- not rate limits that throttling settings key by action (`"change_password": "5/m/user"`).

Fallbacks of a secret's environment variable are reported too, since a deployment that misses
the variable runs with the literal: `os.environ.get("SECRET_KEY", "dev-key")`,
`os.getenv("JWT_SECRET", "change-me")`, `os.getenv("API_TOKEN") or "tok-…"`,
`process.env.JWT_SECRET || "…"` and `env.DB_PASSWORD ?? "…"` (`const env = process.env`), when
the variable or what holds the value is named like a secret (not in development settings or
tests; an empty fallback or a template marker is fine).

Not reported: names such as `TOKEN_TYPE`, `token_url`, `password_field`,
`PASSWORD_MIN_LENGTH` (their last word is not a secret word); reads of the environment without
a fallback (`os.environ["DB_PASSWORD"]`, `os.getenv(…)`); empty strings and template markers (`"<…>"`,
`"YOUR_…"`, `"xxx…"`, `"***"`, `"${…}"`, `"{…}"`, `"%s"`); sample words (`dummy`, `example`,
`test…`, `fake`, `mock`); values that name something rather than hold it (`"password"`,
`"access_token"`, `"X-Api-Key"`, `"DB_PASSWORD"`), and for tokens any single-case word
(`_DEFAULT_TOKEN = "_sa_default"`: machine-made tokens are never plain words, markers are);
regular expressions; texts with spaces (labels, help texts);
values shorter than four characters; password hashes (`pbkdf2_sha256$…`, `$2b$…`); paths and
URLs without credentials; Stripe test and publishable keys, PostHog project keys (`phc_…`,
public by design); connection strings to `localhost`,
with the user name as password (`postgres:postgres`), or with `password`/`pass` as password;
checks that refuse a known default (`if SECRET_KEY == "changeme": raise …`); and test code (a
module that imports `pytest`, `unittest`, `django.test`… or defines `test_*` functions, and any
`test_*` function), except for the well-known key formats above, which are live credentials
wherever they sit. `changeme`-style passwords and keys *are* reported: the code runs with them
as written.
Messages never repeat the secret; they give its length and at most its first two characters.

JavaScript and TypeScript (resolved through `require`/`import`): literals bound to
secret-looking names by declarations, assignments and object entries (`const JWT_SECRET = "…"`,
`config.apiKey = "…"`, `{ password: "…" }`); the literal fallback in
`process.env.JWT_SECRET || "dev-secret"` (and `??`): a deployment that misses the variable runs
with a key anyone can read, so the fallback is reported like any other literal; any literal
`secret`/`keys` given to `express-session` or `cookie-session` (even `"keyboard cat"`, the README
example, which the word rules would take for a label) and any literal passed to
`cookie-parser`; the key of `jwt.sign(payload, "…")` / `jwt.verify(token, "…")` (`jsonwebtoken`),
of `crypto.createHmac(alg, "…")` and of `crypto.createCipheriv`/`createDecipheriv`;
passwords inside connection strings (`mongodb://user:…@host`, `postgres://…`) and the
well-known key formats above, in any string or template literal without substitutions. Reads of
`process.env.X`, placeholders, storage and event keys (`"app.cache.encryption"`, `"auth:token"`),
CSS selectors (`"[type=password]"`) and test files (`*.test.*`, `*.spec.*`, `__tests__/`, `test/`,
modules that import Jest, Mocha, Vitest, Chai or Supertest) are not reported.

## Why is this bad?
Source code is copied to laptops, CI logs, forks, backups and container images. A credential in
it is readable by everyone who can read the code, cannot be rotated without a release, and is
the same in every environment. Leaked `SECRET_KEY`s let attackers forge Django and Flask
sessions; leaked JWT keys let them mint tokens for any user.

## Example
```python
import os

SECRET_KEY = "django-insecure-0v3r9^k2m!x7p4q"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "Pg-s3cr3t-2024"}}
CACHE_URL = "redis://:r3d1s-pr0d@cache.internal:6379/0"

def issue(user_id):
    return jwt.encode({"sub": user_id}, "my-signing-secret", algorithm="HS256")
```

```javascript
const session = require("express-session");
const jwt = require("jsonwebtoken");

const JWT_SECRET = process.env.JWT_SECRET || "dev-secret";
const MONGO_URL = "mongodb://shop:Wint3r-Pa55@mongo.internal:27017/shop";
app.use(session({ secret: "keyboard cat", resave: false, saveUninitialized: false }));
const token = jwt.sign({ sub: user.id }, "my-signing-secret", { expiresIn: "15m" });
```

## Use instead
```python
import os

SECRET_KEY = os.environ["SECRET_KEY"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": os.environ["DB_PASSWORD"]}}
CACHE_URL = os.environ["CACHE_URL"]

def issue(user_id):
    return jwt.encode({"sub": user_id}, os.environ["JWT_SECRET"], algorithm="HS256")
```

```javascript
const session = require("express-session");
const jwt = require("jsonwebtoken");

const JWT_SECRET = process.env.JWT_SECRET;
const MONGO_URL = process.env.MONGO_URL;
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));
const token = jwt.sign({ sub: user.id }, JWT_SECRET, { expiresIn: "15m" });
```

## Fix
When `os` is imported at module level and the literal is bound to a name, an unsafe fix
replaces it with `os.environ["NAME"]`, where `NAME` is the upper-snake form of the name
(`db_password` → `DB_PASSWORD`, `stripeApiKey` → `STRIPE_API_KEY`; a bytes literal becomes
`os.environ["NAME"].encode()`). It is unsafe because the variable must then be set wherever the
code runs. A secret that has been committed must also be revoked: it stays in the history.

In JavaScript the unsafe fix writes `process.env.NAME` (`SESSION_SECRET` for session options,
`COOKIE_SECRET` for `cookie-parser`, `JWT_SECRET` for `jwt.sign`/`jwt.verify`), and replaces
`process.env.X || "…"` with `process.env.X`.

## References
- [CWE-798: Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)
- [OWASP A07:2021 Identification and Authentication Failures](https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/)
- [OWASP Secrets Management Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html)
- [Django: `SECRET_KEY`](https://docs.djangoproject.com/en/stable/ref/settings/#secret-key)
- [Flask: `SECRET_KEY`](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
- [express-session: `secret`](https://github.com/expressjs/session#secret)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_after_multibyte_text() {
        assert_eq!(url_password("é://"), None);
        assert_eq!(
            url_password("dsn=é postgres://app:Zq8xK2mV9pL4@db.internal/shop").as_deref(),
            Some("postgres://app:****@db.internal/shop")
        );
    }

    #[test]
    fn well_known_formats() {
        assert!(known_format("AKIA2E0A8F3B244C9986").is_some());
        assert!(known_format("AKIAIOSFODNN7EXAMPLE").is_none());
        assert!(known_format("xAKIA2E0A8F3B244C9986").is_none());
        assert!(known_format("token ghp_R4nd0mL00k1ngT0k3nV4lu3F0rT3sts8x2Qz").is_some());
        assert!(known_format(&format!("ghp_{}", "x".repeat(36))).is_none());
        assert!(known_format("sk_live_51HxYzAbCdEfGhIjKlMnOpQr").is_some());
        assert!(known_format("sk_test_51HxYzAbCdEfGhIjKlMnOpQr").is_none());
        assert!(known_format("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx").is_some());
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq98Qm2Vq3nT6v4a3l1y8c0ZfQ2k9h1Y3c4\n-----END RSA PRIVATE KEY-----";
        assert!(known_format(key).is_some());
        assert!(
            known_format("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----").is_none()
        );
    }

    #[test]
    fn javascript_names_and_selectors() {
        assert!(js_names_something("msal.cache.encryption"));
        assert!(js_names_something("auth:token"));
        assert!(js_names_something("[type=password]"));
        assert!(!js_names_something("s3cr3t.Pa55"));
        assert!(!js_names_something("hunter2"));
        assert!(!js_names_something("keyboard cat"));
    }

    #[test]
    fn passwords_in_urls() {
        assert_eq!(
            url_password("postgresql://app:Wint3r@db.internal:5432/shop").as_deref(),
            Some("postgresql://app:****@db.internal:5432/…")
        );
        assert!(url_password("redis://:r3d1s-pw@cache.internal:6379/0").is_some());
        assert!(url_password("mongodb+srv://u:Pw-123@cluster0.mongodb.net/db").is_some());
        for safe in [
            "postgresql://postgres:postgres@db.internal/app",
            "postgresql://app:s3cret@localhost/app",
            "postgresql://app@db.internal/app",
            "postgresql://app:${DB_PASSWORD}@db.internal/app",
            "postgresql://user:password@host/db",
            "https://example.com/login",
            "amqp://guest:guest@rabbit:5672//",
        ] {
            assert!(url_password(safe).is_none(), "{safe}");
        }
    }
}
