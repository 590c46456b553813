//! SEC504 timing-unsafe-comparison: secrets compared with `==` / `!=`.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{
    in_test_code, is_secret_compare_name, literal_value, looks_random, operand_name,
};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{ancestors, named_children, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC504",
    name: "timing-unsafe-comparison",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[208],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A secret (token, signature, MAC, API key…) is compared with `==`/`!=`, whose timing leaks how much matched; use `hmac.compare_digest` (Node: `crypto.timingSafeEqual`).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/comparisons.scm",
            query: include_str!("../../../../queries/python/comparisons.scm"),
            run: check,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/comparisons.scm",
            query: include_str!("../../../../queries/javascript/comparisons.scm"),
            run: check_javascript,
        },
    ],
};

fn is_literal(node: Node) -> bool {
    matches!(
        node.kind_str(),
        "string"
            | "concatenated_string"
            | "integer"
            | "float"
            | "none"
            | "true"
            | "false"
            | "tuple"
            | "list"
            | "dictionary"
            | "set"
            | "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression"
    ) || (node.kind_str() == "unary_operator"
        && node
            .field("argument")
            .is_some_and(|a| matches!(a.kind_str(), "integer" | "float")))
}

/// `ApiKey.token == token` builds a SQL expression (SQLAlchemy columns are class attributes).
fn is_class_attribute(checker: &Checker, node: Node) -> bool {
    node.kind_str() == "attribute"
        && node
            .field("object")
            .filter(|o| o.kind_str() == "identifier")
            .is_some_and(|o| {
                let name = checker.text(o);
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().any(|c| c.is_ascii_lowercase())
            })
}

/// Where the comparison is not a run-time comparison of two secrets: an ORM filter argument
/// (`.filter(Token.value == token)`, `.where(...)`), an `assert` (tests).
fn in_expression_context(checker: &Checker, cmp: Node) -> bool {
    let chain = ancestors(checker.item, cmp);
    for a in chain.iter().rev() {
        match a.kind_str() {
            "boolean_operator" | "parenthesized_expression" | "not_operator" => continue,
            "argument_list" | "assert_statement" => return true,
            _ => return false,
        }
    }
    false
}

/// The secret-looking name of an operand, if it holds a secret. A digest counts only when it
/// is a MAC (made by `hmac`): the hash of a download or a file is public.
fn holds_secret<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<String> {
    let name = operand_name(checker, node)?;
    if !is_secret_compare_name(&name) || is_enum_member(checker, node) {
        return None;
    }
    // A hash of a random token compared in variable time reveals a prefix of the hash, which
    // does not help to forge the token; a MAC (made by `hmac`) does help, and so does the hash
    // of a password (known, it can be cracked offline).
    let words = super::secret_names::words(&name);
    let last = words.last().cloned().unwrap_or_default();
    let password = words
        .iter()
        .any(|w| matches!(w.as_str(), "password" | "passwd" | "pwd" | "passphrase"));
    if last == "hash" && !password {
        return None;
    }
    if matches!(last.as_str(), "digest" | "hexdigest") && !from_hmac(checker, node, 0) {
        return None;
    }
    Some(name)
}

/// `Token.Type.ACCESS_TOKEN`, `authenticator.Type.TOTP`: a member of an enum (an ALL_CAPS
/// attribute of a CamelCase class) names a kind, not a secret value.
fn is_enum_member(checker: &Checker, node: Node) -> bool {
    if node.kind_str() != "attribute" {
        return false;
    }
    let (Some(object), Some(attribute)) = (node.field("object"), node.field("attribute")) else {
        return false;
    };
    let attribute = checker.text(attribute);
    let all_caps = attribute.chars().any(|c| c.is_ascii_uppercase())
        && !attribute.chars().any(|c| c.is_ascii_lowercase());
    let class = checker.text(object).rsplit('.').next().unwrap_or("");
    let camel = class.starts_with(|c: char| c.is_ascii_uppercase())
        && class.chars().any(|c| c.is_ascii_lowercase());
    all_caps && camel
}

/// Whether a value is computed by `hmac` (`hmac.new(…).hexdigest()`, `hmac.digest(…)`, or a
/// local name bound to one).
fn from_hmac<'a>(checker: &Checker<'a>, node: Node<'a>, depth: u32) -> bool {
    if depth > 4 {
        return false;
    }
    match node.kind_str() {
        "call" => {
            let Some(func) = node.field("function") else {
                return false;
            };
            if checker
                .resolve_callee(func, &["hmac.new", "hmac.digest", "hmac.HMAC"])
                .is_some()
            {
                return true;
            }
            func.kind_str() == "attribute"
                && func
                    .field("object")
                    .is_some_and(|o| from_hmac(checker, o, depth + 1))
        }
        "identifier" => match checker.lookup(node) {
            Lookup::Local(bindings) => bindings.iter().any(|b| match b {
                Binding::Value(v) | Binding::Augmented(v) => from_hmac(checker, *v, depth + 1),
                _ => false,
            }),
            _ => false,
        },
        "binary_operator" => ["left", "right"].iter().any(|f| {
            node.field(f)
                .is_some_and(|n| from_hmac(checker, n, depth + 1))
        }),
        "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|n| from_hmac(checker, n, depth + 1)),
        _ => false,
    }
}

/// `SIGINT`, `signal.SIGTERM`, `Token.Keyword`, `Literal`, or a module-level constant.
fn is_named_constant<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    // ALL_CAPS constants and CamelCase classes or enum members.
    let constant_like = |name: &str| {
        name.trim_start_matches('_')
            .starts_with(|c: char| c.is_ascii_uppercase())
    };
    match node.kind_str() {
        "identifier" => {
            constant_like(checker.text(node))
                || matches!(
                    checker.lookup(node),
                    Lookup::Module(ba_analysis::ModuleBinding::Constant)
                )
        }
        "attribute" => node
            .field("attribute")
            .is_some_and(|a| constant_like(checker.text(a))),
        _ => false,
    }
}

/// A module constant bound to a literal that is not a secret (`_WILDCARD_TOKEN = "*"`).
fn is_marker_constant<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    if node.kind_str() != "identifier"
        || !matches!(
            checker.lookup(node),
            Lookup::Module(ba_analysis::ModuleBinding::Constant)
        )
    {
        return false;
    }
    let name = checker.text(node);
    module_literal(checker, name).is_some_and(|v| !looks_random(&v))
}

/// The literal a module-level `name = "…"` assigns.
fn module_literal(checker: &Checker, name: &str) -> Option<String> {
    let mut root = checker.item;
    while let Some(p) = root.parent() {
        root = p;
    }
    named_children(root).into_iter().find_map(|stmt| {
        let assignment = stmt.named_child(0)?;
        if stmt.kind_str() != "expression_statement" || assignment.kind_str() != "assignment" {
            return None;
        }
        let left = assignment.field("left")?;
        if checker.text(left) != name {
            return None;
        }
        literal_value(checker, assignment.field("right")?)
    })
}

/// `self.secret == other.secret` inside `__eq__`: equality of objects, not a check of a secret.
fn is_structural_equality<'a>(checker: &Checker<'a>, a: Node<'a>, b: Node<'a>) -> bool {
    let attr = |n: Node<'a>| {
        (n.kind_str() == "attribute")
            .then(|| n.field("attribute").map(|x| checker.text(x)))
            .flatten()
    };
    if attr(a).is_some() && attr(a) == attr(b) {
        return true;
    }
    ancestors(checker.item, a)
        .iter()
        .rev()
        .find(|n| n.kind_str() == "function_definition")
        .and_then(|f| f.field("name"))
        .is_some_and(|n| matches!(checker.text(n), "__eq__" | "__ne__" | "__hash__"))
}

/// How this file can call `compare_digest`, if it imports it.
fn compare_digest_callee(checker: &Checker) -> Option<String> {
    let imports = &checker.semantic.imports;
    for (local, qualified) in imports {
        if qualified == "hmac.compare_digest" || qualified == "secrets.compare_digest" {
            return Some(local.clone());
        }
    }
    for module in ["hmac", "secrets"] {
        if imports.get(module).map(String::as_str) == Some(module) {
            return Some(format!("{module}.compare_digest"));
        }
    }
    None
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(cmp) = caps.get("comparison") else {
        return;
    };
    let operands = named_children(cmp);
    let mut c = cmp.walk();
    let operators: Vec<Node> = cmp.children_by_field_name("operators", &mut c).collect();
    if operands.len() != 2 || operators.len() != 1 {
        return;
    }
    let negated = match operators[0].kind_str() {
        "==" => false,
        "!=" => true,
        _ => return,
    };
    let (a, b) = (operands[0], operands[1]);
    if is_literal(a) || is_literal(b) {
        return;
    }
    let secret_a = holds_secret(checker, a);
    let secret_b = holds_secret(checker, b);
    // The operand that names the secret best: `signature` rather than `hexdigest`.
    let Some(secret) = [secret_a.as_ref(), secret_b.as_ref()]
        .into_iter()
        .flatten()
        .min_by_key(|n| n.ends_with("digest"))
        .cloned()
    else {
        return;
    };
    // A secret compared with a named constant that is not itself a secret is a comparison
    // with a marker (`sig == signal.SIGINT`, `token == Keyword`, `sig != MAGIC`).
    if (secret_a.is_none() && is_named_constant(checker, a))
        || (secret_b.is_none() && is_named_constant(checker, b))
        || is_marker_constant(checker, a)
        || is_marker_constant(checker, b)
    {
        return;
    }
    if weak_name(&secret) && !has_request_evidence(checker, cmp, a, b) {
        return;
    }
    // A timing attack needs a value the caller chose on one side. Two values the server holds
    // (`self.redis.get(key) != self._cached_signature`, a cache's version check) leak nothing.
    if !caller_supplied(checker, a) && !caller_supplied(checker, b) {
        return;
    }
    if is_class_attribute(checker, a)
        || is_class_attribute(checker, b)
        || is_structural_equality(checker, a, b)
        || in_expression_context(checker, cmp)
        || in_test_code(checker, cmp)
    {
        return;
    }
    let (ta, tb) = (checker.text(a), checker.text(b));
    let op = if negated { "!=" } else { "==" };
    // Without `hmac` or `secrets` in the file, the fix imports `hmac`.
    let (callee, needs_hmac) = match compare_digest_callee(checker) {
        Some(c) => (Some(c), false),
        None if crate::imports::python_needs_import(checker, "hmac") == Some(true) => {
            (Some("hmac.compare_digest".to_owned()), true)
        }
        None => (None, false),
    };
    let suggestion = format!(
        "{}{}({ta}, {tb})",
        if negated { "not " } else { "" },
        callee.as_deref().unwrap_or("hmac.compare_digest")
    );
    let message = format!(
        "`{}` compares {} with `{op}`, which stops at the first differing byte, so response times reveal how much of it matched; use `{}`",
        super::callee(&format!("{ta} {op} {tb}")),
        with_article(&describe(&secret)),
        super::callee(&suggestion),
    );
    let finding = checker.report(cmp, message);
    if callee.is_some() {
        finding.with_fix(
            "Compare with `compare_digest`",
            Applicability::Unsafe,
            vec![Edit {
                range: cmp.byte_range(),
                content: suggestion,
            }],
        );
        if needs_hmac {
            finding.with_import("hmac");
        }
    }
}

/// Whether a comparison operand can carry what a caller sent: request data, or a parameter of
/// the enclosing function (whose callers may pass request data).
fn caller_supplied<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    checker
        .taint(node, ba_analysis::Sink::Code)
        .is_some_and(|t| {
            t.user || !matches!(t.what.as_str(), "parameter `self`" | "parameter `cls`")
        })
}

/// A bare `token` or `nonce` (`identity_token`, `last_nonce`) also names lexer, ORM and
/// protocol values; it counts as a secret only with a qualifier (`csrf_token`, `api_token`).
fn weak_name(name: &str) -> bool {
    let words = super::secret_names::core_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if !matches!(last.as_str(), "token" | "nonce") {
        return false;
    }
    let qualified = words.len() >= 2
        && matches!(
            words[words.len() - 2].as_str(),
            "csrf"
                | "xsrf"
                | "api"
                | "access"
                | "auth"
                | "refresh"
                | "reset"
                | "session"
                | "bearer"
                | "secret"
                | "verification"
                | "verify"
                | "confirm"
                | "confirmation"
                | "invite"
                | "magic"
                | "otp"
                | "jwt"
                | "webhook"
                | "signup"
                | "login"
                | "unsubscribe"
        );
    !qualified
}

/// Evidence that a weakly named comparison is a credential check: one side is request data,
/// or the function's name says it verifies something.
fn has_request_evidence<'a>(
    checker: &Checker<'a>,
    cmp: Node<'a>,
    a: Node<'a>,
    b: Node<'a>,
) -> bool {
    use ba_analysis::Sink;
    if [a, b]
        .iter()
        .any(|n| checker.taint(*n, Sink::Code).is_some_and(|t| t.user))
    {
        return true;
    }
    ba_analysis::ancestors(checker.item, cmp)
        .iter()
        .rev()
        .find(|n| n.kind_str() == "function_definition")
        .and_then(|f| f.field("name"))
        .is_some_and(|n| {
            let name = checker.text(n).to_ascii_lowercase();
            [
                "verify", "check", "valid", "auth", "confirm", "login", "webhook",
            ]
            .iter()
            .any(|w| name.contains(w))
        })
}

fn with_article(what: &str) -> String {
    let article = if what.starts_with(['A', 'M', 'o']) && !what.starts_with("one") {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

/// "signature", "API key", "CSRF token", … for the message.
fn describe(name: &str) -> String {
    let words = super::secret_names::core_words(name);
    let prev = words
        .len()
        .checked_sub(2)
        .map(|i| words[i].as_str())
        .unwrap_or("");
    let what = match words.last().map(String::as_str) {
        Some("sig" | "signature") => "signature",
        Some("digest" | "hexdigest" | "hmac" | "mac") => "MAC",
        Some("key") if prev == "api" => "API key",
        Some("key") => "key",
        Some("hash") if prev == "password" => "password hash",
        Some("hash") => "hash",
        Some("otp" | "totp") => "one-time code",
        Some("csrf" | "xsrf") => "CSRF token",
        Some("token") if matches!(prev, "csrf" | "xsrf") => "CSRF token",
        Some("nonce") => "nonce",
        Some("secret") => "secret",
        _ => "token",
    };
    what.to_owned()
}

/// JavaScript operands that are values written in the code: literals, `null`, `undefined`,
/// `typeof x`, template literals without substitutions.
fn is_js_literal(checker: &Checker, node: Node) -> bool {
    match node.kind_str() {
        "string" | "number" | "null" | "undefined" | "true" | "false" | "array" | "object"
        | "regex" | "unary_expression" => true,
        "template_string" => literal_value(checker, node).is_some(),
        "identifier" => matches!(checker.text(node), "undefined" | "NaN" | "Infinity"),
        _ => false,
    }
}

/// A JavaScript operand's secret-looking name, if it holds a secret; a digest counts only
/// when it is an HMAC (`createHmac(…).update(…).digest("hex")`, or a local bound to one).
fn js_holds_secret<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<String> {
    if is_js_enum_member(checker, node) {
        return None;
    }
    let name = operand_name(checker, node)?;
    if !is_secret_compare_name(&name) {
        return None;
    }
    let words = super::secret_names::words(&name);
    let last = words.last().cloned().unwrap_or_default();
    // A nonce is public once used; `token` alone is as often a lexer's token as a credential:
    // it needs a word that says which credential (`apiToken`, `csrfToken`, `resetToken`).
    if last == "nonce" {
        return None;
    }
    if last == "token" && !words.iter().any(|w| JS_TOKEN_KINDS.contains(&w.as_str())) {
        return None;
    }
    if matches!(last.as_str(), "digest" | "hexdigest") {
        let text = checker.text(node).to_ascii_lowercase();
        if !text.contains("hmac") {
            return None;
        }
    }
    Some(name)
}

/// Words that say a `…token` is a credential rather than a lexer or parser token.
const JS_TOKEN_KINDS: &[&str] = &[
    "api",
    "access",
    "auth",
    "bearer",
    "csrf",
    "xsrf",
    "refresh",
    "reset",
    "session",
    "secret",
    "webhook",
    "verification",
    "verify",
    "invite",
    "invitation",
    "confirm",
    "confirmation",
    "activation",
    "login",
    "magic",
    "unsubscribe",
    "id",
    "expected",
    "stored",
    "provided",
    "given",
    "header",
    "request",
    "client",
    "admin",
    "personal",
    "jwt",
    "oauth",
    "signup",
];

/// `SyntaxKind.EqualsToken`, `CredentialType.ACCESS_TOKEN`, `Constants.ID_TOKEN`: a member of
/// an enum or constants object (a capitalised object, or a PascalCase or UPPER_CASE property
/// of a capitalised one), which names a kind of thing rather than holding a secret.
fn is_js_enum_member(checker: &Checker, node: Node) -> bool {
    if node.kind_str() != "member_expression" {
        return false;
    }
    let (Some(object), Some(property)) = (node.field("object"), node.field("property")) else {
        return false;
    };
    let object_name = match object.kind_str() {
        "identifier" => checker.text(object),
        "member_expression" => object.field("property").map_or("", |p| checker.text(p)),
        _ => "",
    };
    let property = checker.text(property);
    object_name.starts_with(|c: char| c.is_ascii_uppercase())
        || (property.starts_with(|c: char| c.is_ascii_uppercase())
            && property.chars().any(|c| c.is_ascii_lowercase()))
}

/// Operands that say the comparison is about a kind, a type or a state, not a secret value
/// (`node.kind === …`, `e.subError === badToken`, `cacheLookupPolicy === …`), and arithmetic.
fn is_js_structural<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    if node.kind_str() == "binary_expression"
        && node
            .field("operator")
            .is_some_and(|o| matches!(checker.text(o), "*" | "/" | "-" | "%" | "<<" | ">>"))
    {
        return true;
    }
    operand_name(checker, node).is_some_and(|n| {
        super::secret_names::words(&n).last().is_some_and(|l| {
            matches!(
                l.as_str(),
                "kind"
                    | "type"
                    | "operator"
                    | "error"
                    | "status"
                    | "policy"
                    | "code"
                    | "mode"
                    | "state"
                    | "length"
                    | "size"
                    | "count"
                    | "name"
            )
        })
    })
}

/// `w.event === expected.event && w.url === expected.url && w.secret === expected.secret`:
/// one field of two records matched field by field (finding a stored row), not a check of a
/// secret someone sent.
fn in_record_match<'a>(checker: &Checker<'a>, cmp: Node<'a>, a: Node<'a>, b: Node<'a>) -> bool {
    let base = |n: Node<'a>| {
        (n.kind_str() == "member_expression")
            .then(|| n.field("object").map(|o| checker.text(o)))
            .flatten()
    };
    let (Some(left), Some(right)) = (base(a), base(b)) else {
        return false;
    };
    // The top of the `&&` chain the comparison stands in.
    let mut top = cmp;
    while let Some(parent) = top.parent() {
        let and = parent.kind_str() == "binary_expression"
            && parent
                .field("operator")
                .is_some_and(|o| checker.text(o) == "&&");
        if !and && parent.kind_str() != "parenthesized_expression" {
            break;
        }
        top = parent;
    }
    if top == cmp {
        return false;
    }
    let mut stack = vec![top];
    let mut budget = 64;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        match n.kind_str() {
            "parenthesized_expression" => stack.extend(n.named_child(0)),
            "binary_expression" => {
                let op = n.field("operator").map(|o| checker.text(o));
                if op == Some("&&") {
                    stack.extend(n.field("left"));
                    stack.extend(n.field("right"));
                } else if n != cmp && matches!(op, Some("===" | "==")) {
                    let (Some(x), Some(y)) = (n.field("left"), n.field("right")) else {
                        continue;
                    };
                    let (bx, by) = (base(x), base(y));
                    if (bx == Some(left) && by == Some(right))
                        || (bx == Some(right) && by == Some(left))
                    {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// A named constant or an enum member that is not a secret (`TokenType.Bearer`, `NONE`).
fn is_js_named_constant(checker: &Checker, node: Node) -> bool {
    match node.kind_str() {
        "identifier" => {
            let t = checker.text(node);
            t.chars().any(|c| c.is_ascii_uppercase()) && !t.chars().any(|c| c.is_ascii_lowercase())
        }
        "member_expression" => node
            .field("object")
            .filter(|o| o.kind_str() == "identifier")
            .is_some_and(|o| {
                checker
                    .text(o)
                    .starts_with(|c: char| c.is_ascii_uppercase())
            }),
        _ => false,
    }
}

/// `signature === expected`, `req.get("X-Api-Key") !== process.env.API_KEY`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(cmp), Some(a), Some(b)) =
        (caps.get("comparison"), caps.get("left"), caps.get("right"))
    else {
        return;
    };
    let Some(op) = cmp.field("operator").map(|o| checker.text(o)) else {
        return;
    };
    if !matches!(op, "===" | "==" | "!==" | "!=") {
        return;
    }
    if is_js_literal(checker, a) || is_js_literal(checker, b) {
        return;
    }
    let secret_a = js_holds_secret(checker, a);
    let secret_b = js_holds_secret(checker, b);
    let Some(secret) = [secret_a.as_ref(), secret_b.as_ref()]
        .into_iter()
        .flatten()
        .min_by_key(|n| n.ends_with("digest"))
        .cloned()
    else {
        return;
    };
    // As in Python: two values the server holds (`this.previous("secret") !==
    // this.get("secret")`, a stored webhook matched against the configured one) leak nothing.
    if !js_caller_supplied(checker, a) && !js_caller_supplied(checker, b) {
        return;
    }
    if (secret_a.is_none() && is_js_named_constant(checker, a))
        || (secret_b.is_none() && is_js_named_constant(checker, b))
        || (matches!(op, "===" | "==") && rejects_when_equal(cmp))
        || is_js_structural(checker, a)
        || is_js_structural(checker, b)
        || in_record_match(checker, cmp, a, b)
        || in_test_code(checker, cmp)
    {
        return;
    }
    let (ta, tb) = (checker.text(a), checker.text(b));
    checker.report(
        cmp,
        format!(
            "`{}` compares {} with `{op}`, which stops at the first differing character, so response times reveal how much of it matched; check the lengths, then compare with `crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b))`",
            super::callee(&format!("{ta} {op} {tb}")),
            with_article(&describe(&secret)),
        ),
    );
}

/// `if (masterKey === readOnlyMasterKey) { throw new Error("… should be different"); }`: a
/// check that two keys differ, which rejects on a match. An attacker who times it learns when
/// a guess matches, which gives nothing: only a comparison that grants something on a match
/// leaks a secret.
fn rejects_when_equal(cmp: Node) -> bool {
    let mut condition = cmp;
    while let Some(p) = condition
        .parent()
        .filter(|p| p.kind_str() == "parenthesized_expression")
    {
        condition = p;
    }
    let Some(statement) = condition
        .parent()
        .filter(|p| p.kind_str() == "if_statement")
        .filter(|p| p.field("condition") == Some(condition))
    else {
        return false;
    };
    if statement.field("alternative").is_some() {
        return false;
    }
    let Some(consequence) = statement.field("consequence") else {
        return false;
    };
    let body: Vec<Node> = match consequence.kind_str() {
        "statement_block" => named_children(consequence)
            .into_iter()
            .filter(|n| n.kind_str() != "comment")
            .collect(),
        _ => vec![consequence],
    };
    matches!(body.as_slice(), [only] if only.kind_str() == "throw_statement")
}

/// Whether a JavaScript operand can carry what a caller sent: request data, or a parameter of
/// the enclosing function, except the element a collection method hands its callback
/// (`webhooks.find((w) => w.secret === expected.secret)`: the server's own list).
fn js_caller_supplied<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    let Some(taint) = checker.taint(node, ba_analysis::Sink::Code) else {
        return false;
    };
    if taint.user {
        return true;
    }
    let Some(param) = checker
        .item
        .descendant_for_byte_range(taint.origin.start, taint.origin.end)
    else {
        return true;
    };
    let mut function = param;
    while let Some(parent) = function.parent() {
        function = parent;
        if ba_analysis::routes::is_js_function(function.kind_str()) {
            break;
        }
    }
    let method = function
        .parent()
        .filter(|a| a.kind_str() == "arguments")
        .and_then(|a| a.parent())
        .and_then(|c| c.field("function"))
        .filter(|f| f.kind_str() == "member_expression")
        .and_then(|f| f.field("property"))
        .map(|p| checker.text(p));
    !matches!(
        method,
        Some(
            "find"
                | "findLast"
                | "filter"
                | "some"
                | "every"
                | "map"
                | "forEach"
                | "findIndex"
                | "flatMap"
        )
    )
}

const DOCS: &str = r#"## What it does
Flags `==` and `!=` between two non-literal values when one of them holds a secret: its name (a
variable, attribute, dictionary key, `.get("…")` key or header name, or the function that
computed it) ends in `token`, `secret`, `signature`, `sig`, `hmac`, `mac`, `otp`, `csrf`,
`nonce`, `api_key` (and other credential keys) or `password_hash`, or it is a digest made by
`hmac` (`hmac.new(…).hexdigest()`, or a variable bound to one).

Not reported: a JavaScript equality whose `if` only throws (`if (masterKey === readOnlyKey) throw
new Error("keys must differ")`: a match is refused, so timing it reveals nothing);
comparisons with literals or `None` (`token is None`, `token == ""`,
`token_type == "bearer"`); names whose last word is something else (`token_count`,
`signature_version`, `len(token) == 32`) or that are flags (`verify_signature`,
`is_token_valid`); comparisons with named constants that are not secrets themselves
(`sig == signal.SIGTERM`, `token == Keyword`, a module constant bound to a word); digests that
are not MACs (`hashlib.sha256(data).hexdigest() == expected_digest` checks a download, and a
file's hash is public); `hmac.compare_digest` / `secrets.compare_digest`; SQL expressions
(`.filter(ApiKey.token == token)`, `Token.value == value`); object equality
(`self.secret == other.secret`, anything in `__eq__`); `assert`s; test code; and comparisons
of two values the server holds, where no side comes from the request or a parameter of the
function (`self.redis.get(key) != self._cached_signature`: a cache noticing another process's
change), since a timing attack needs a value the caller chose.

JavaScript and TypeScript: `===`, `==`, `!==` and `!=` between two non-literal operands
when one holds a secret by the same names (`signature`, `apiKey`, `token`, `req.get("X-Signature")`,
`req.headers["x-api-key"]`, an HMAC's `.digest("hex")`). Comparisons with literals, `null`,
`undefined` or `typeof x`, with enum members (`TokenType.Bearer`, `SyntaxKind.EqualsToken`),
about kinds, types, states or lengths (`node.kind === …`, `err.code === …`), arithmetic, nonces
(public once used), two values the server holds (no request data or function parameter on
either side; the element a `find`/`filter`/`forEach` callback receives is the server's own
list), and in test files are not reported. A name whose last word is `token` counts
only with a word that says which credential (`apiToken`, `csrfToken`, `resetToken`,
`expectedToken`…): a bare `token`, `firstToken` or `startToken` is a lexer's token as often as
not. There is no fix: `crypto.timingSafeEqual` throws on buffers of different lengths, so
the length check must be written by hand.

## Why is this bad?
String and bytes equality returns at the first byte that differs. By timing many requests an
attacker learns how long a prefix of a guessed signature, token or API key was right, and
recovers it byte by byte instead of guessing it whole. The difference is tiny, but it has been
measured over networks.

## Example
```python
@app.post("/webhooks/github")
def github_webhook():
    expected = "sha256=" + hmac.new(SECRET, request.data, hashlib.sha256).hexdigest()
    if request.headers.get("X-Hub-Signature-256") != expected:
        abort(401)
```

```javascript
app.use((req, res, next) => {
  if (req.get("X-Api-Key") !== process.env.API_KEY) return res.sendStatus(403);
  next();
});
```

## Use instead
```python
@app.post("/webhooks/github")
def github_webhook():
    expected = "sha256=" + hmac.new(SECRET, request.data, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
        abort(401)
```

```javascript
const crypto = require("crypto");

app.use((req, res, next) => {
  const given = Buffer.from(req.get("X-Api-Key") ?? "");
  const expected = Buffer.from(process.env.API_KEY);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return res.sendStatus(403);
  }
  next();
});
```

## Fix
When `hmac` or `secrets` (or `compare_digest` from either) is imported, an unsafe fix rewrites
`a == b` to `hmac.compare_digest(a, b)` and `a != b` to `not hmac.compare_digest(a, b)`. It is
unsafe because `compare_digest` raises `TypeError` on `None`, on a `str`/`bytes` mix and on
non-ASCII `str`, where `==` returned `False`.

## References
- [CWE-208: Observable Timing Discrepancy](https://cwe.mitre.org/data/definitions/208.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [Python `hmac.compare_digest`](https://docs.python.org/3/library/hmac.html#hmac.compare_digest)
- [Python `secrets.compare_digest`](https://docs.python.org/3/library/secrets.html#secrets.compare_digest)
- [Node.js: `crypto.timingSafeEqual`](https://nodejs.org/api/crypto.html#cryptotimingsafeequala-b)
"#;
