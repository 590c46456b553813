//! SEC505 insecure-random: `random` (a predictable generator) used for tokens, passwords,
//! one-time codes and other secrets.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::secret_names::{in_test_code, literal_value, words};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{ancestors, Arguments};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC505",
    name: "insecure-random",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[330, 338],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "A token, password or one-time code is made with a predictable generator (`random`, `Math.random()`); use `secrets` (`token_urlsafe`, `choice`, `randbelow`) or Node's `crypto.randomBytes`/`randomInt`.",
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

const RANDOM: &[&str] = &[
    "random.random",
    "random.randint",
    "random.randrange",
    "random.choice",
    "random.choices",
    "random.sample",
    "random.getrandbits",
    "random.uniform",
    "random.shuffle",
    "random.randbytes",
];

/// Words that make a name security-sensitive wherever they appear in it.
const SENSITIVE: &[&str] = &[
    "token",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "otp",
    "totp",
    "hotp",
    "nonce",
    "salt",
    "csrf",
    "xsrf",
    "pin",
];

/// Words that make `code`, `id`, `link`, `key` or `session` values secrets.
const CODE_CONTEXT: &[&str] = &[
    "verify",
    "verification",
    "reset",
    "confirm",
    "confirmation",
    "activation",
    "activate",
    "auth",
    "login",
    "mfa",
    "2fa",
    "twofa",
    "invite",
    "invitation",
    "recovery",
    "sms",
    "magic",
    "unlock",
    "security",
    "session",
    "api",
    "access",
    "signing",
    "encryption",
    "private",
    // Codes that are worth money when guessed.
    "promo",
    "coupon",
    "voucher",
    "discount",
    "gift",
    "referral",
    "redeem",
    "redemption",
];

/// Last words of names that hold something other than a secret (`token_length`,
/// `retry_delay`, `session_timeout`).
const NEUTRAL: &[&str] = &[
    "delay",
    "timeout",
    "jitter",
    "backoff",
    "wait",
    "interval",
    "sleep",
    "retry",
    "retries",
    "ttl",
    "count",
    "index",
    "idx",
    "size",
    "length",
    "len",
    "color",
    "colour",
    "order",
    "weight",
    "ratio",
    "rate",
    "probability",
    "chance",
    "offset",
    "port",
    "seed",
    "questions",
    "question",
    "sample",
    "boundary",
    // A/B tests and presentation: a bucket is no secret.
    "variant",
    "bucket",
    "experiment",
    "cohort",
    "theme",
    "layout",
];

/// Whether a name says it holds a secret that `random` must not make.
fn is_sensitive(name: &str) -> bool {
    let w = words(name);
    if w.is_empty() || w.last().is_some_and(|l| NEUTRAL.contains(&l.as_str())) {
        return false;
    }
    // A ticket (`download_ticket`, `auth_ticket`) grants whoever holds it what it names; a
    // support ticket's number (`ticket_id`) does not.
    w.iter().any(|x| SENSITIVE.contains(&x.as_str()))
        || (w.last().is_some_and(|l| l == "ticket")
            && w.iter().any(|x| {
                matches!(
                    x.as_str(),
                    "download"
                        | "upload"
                        | "auth"
                        | "access"
                        | "login"
                        | "session"
                        | "sso"
                        | "cas"
                        | "grant"
                        | "stream"
                        | "socket"
                        | "ws"
                        | "file"
                )
            }))
        || w.iter().enumerate().any(|(i, x)| {
            matches!(x.as_str(), "code" | "id" | "link" | "key" | "url")
                && w[..i].iter().any(|p| CODE_CONTEXT.contains(&p.as_str()))
        })
}

/// `code`, `verification_digits`, `pin_number`: a name that needs context to say what it is for.
fn is_generic_code(name: &str) -> bool {
    words(name)
        .last()
        .is_some_and(|l| matches!(l.as_str(), "code" | "digits" | "number"))
}

fn is_neutral(name: &str) -> bool {
    words(name)
        .last()
        .is_some_and(|l| NEUTRAL.contains(&l.as_str()))
}

fn target_name(checker: &Checker, target: Node) -> Option<String> {
    match target.kind_str() {
        "identifier" => Some(checker.text(target).to_owned()),
        "attribute" => target
            .field("attribute")
            .map(|a| checker.text(a).to_owned()),
        "subscript" => target
            .field("subscript")
            .and_then(|s| literal_value(checker, s)),
        _ => None,
    }
}

/// Where the random value goes.
enum Destination {
    /// A name (`reset_code = …`, `token=…`, `{"otp": …}`).
    Name(String),
    /// Into `time.sleep(…)`: jitter.
    Sleep,
    /// Into a place that holds a secret whatever it is called: a cookie's value, the session.
    Secret(String),
    /// Somewhere without a name (returned, an expression statement).
    Unnamed,
}

/// Follows the call up through the expressions that build a value from it (`str(…)`,
/// What a random value is for, for the message (`` `reset_code` ``, "a value in `make_token()`"),
/// when that is a security purpose; `None` when it is not (or cannot be told).
fn sensitive_context(destination: Destination, function: Option<&str>) -> Option<String> {
    let context = match destination {
        Destination::Sleep => return None,
        Destination::Secret(s) => s,
        Destination::Name(n) if is_sensitive(&n) => format!("`{n}`"),
        Destination::Name(n) if is_neutral(&n) => return None,
        // `code = random.randint(…)` in `send_verification_sms()`: the function says what
        // the code is for.
        Destination::Name(n)
            if function
                .is_some_and(|f| is_generic_code(&n) && is_sensitive(&format!("{f}_{n}"))) =>
        {
            format!("`{n}`")
        }
        _ => match function {
            Some(f) if is_sensitive(f) => format!("a value in `{f}()`"),
            _ => return None,
        },
    };
    // `_make_boundary()` makes a MIME boundary, whatever its variables are called; and
    // `scheduleTokenCleanupJob()` picks a random minute to spread a job's load, whatever the
    // job cleans up: timing jitter is no secret.
    if function.is_some_and(|f| {
        words(f).iter().any(|w| {
            matches!(
                w.as_str(),
                "boundary"
                    | "schedule"
                    | "scheduled"
                    | "cron"
                    | "jitter"
                    | "backoff"
                    | "retry"
                    | "delay"
            )
        })
    }) {
        return None;
    }
    Some(context)
}

/// `"".join(… for …)`, f-strings, `+`) to what the value is bound to.
fn destination<'a>(checker: &Checker<'a>, call: Node<'a>) -> Destination {
    let chain = ancestors(checker.item, call);
    let mut child = call;
    for a in chain.iter().rev() {
        match a.kind_str() {
            "assignment" | "augmented_assignment" => {
                if a.field("left") == Some(child) {
                    return Destination::Unnamed;
                }
                // `session["remember"] = value`: the session holds what proves who you are.
                if let Some(store) = a.field("left").filter(|l| l.kind_str() == "subscript") {
                    let container = store.field("value").map(|v| checker.text(v)).unwrap_or("");
                    if container == "session" || container.ends_with(".session") {
                        let key = target_name(checker, store).unwrap_or_default();
                        if is_neutral(&key) {
                            return Destination::Unnamed;
                        }
                        return Destination::Secret(format!("the session value `{key}`"));
                    }
                }
                return a
                    .field("left")
                    .and_then(|t| target_name(checker, t))
                    .map_or(Destination::Unnamed, Destination::Name);
            }
            "keyword_argument" | "named_expression" => {
                let call = a
                    .parent()
                    .and_then(|args| args.parent())
                    .filter(|_| a.kind_str() == "keyword_argument");
                if let Some(cookie) = call.and_then(|c| cookie_set_by(checker, c, *a)) {
                    return cookie;
                }
                return a
                    .field("name")
                    .map(|n| Destination::Name(checker.text(n).to_owned()))
                    .unwrap_or(Destination::Unnamed);
            }
            "pair" => {
                return a
                    .field("key")
                    .and_then(|k| literal_value(checker, k))
                    .map_or(Destination::Unnamed, Destination::Name);
            }
            "call" => {
                if let Some(f) = a.field("function") {
                    let text = checker.text(f);
                    if text == "sleep" || text.ends_with(".sleep") {
                        return Destination::Sleep;
                    }
                }
            }
            // `str(rand)[2:]`: a part of the value.
            "subscript" | "slice" if a.field("subscript") != Some(child) => {}
            "argument_list" => {
                // `response.set_cookie("remember", value)`: the cookie's value.
                if let Some(cookie) = a.parent().and_then(|c| cookie_set_by(checker, c, child)) {
                    return cookie;
                }
            }
            "binary_operator"
            | "unary_operator"
            | "parenthesized_expression"
            | "generator_expression"
            | "list_comprehension"
            | "for_in_clause"
            | "interpolation"
            | "string"
            | "conditional_expression"
            | "list"
            | "tuple"
            | "attribute" => {}
            _ => return Destination::Unnamed,
        }
        child = *a;
    }
    Destination::Unnamed
}

/// The cookie a `set_cookie` call sets with `value`: its second positional argument, or its
/// `value=` keyword (`set_cookie("remember", value=…)`).
fn cookie_set_by<'a>(
    checker: &Checker<'a>,
    call: Node<'a>,
    value: Node<'a>,
) -> Option<Destination> {
    let text = checker.text(call.field("function")?);
    if !(text.ends_with("set_cookie") || text.ends_with("set_signed_cookie")) {
        return None;
    }
    let args: Vec<Node> = call
        .field("arguments")
        .map(ba_analysis::named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let is_value = if value.kind_str() == "keyword_argument" {
        value.field("name").map(|n| checker.text(n)) == Some("value")
    } else {
        args.get(1) == Some(&value)
    };
    if !is_value {
        return None;
    }
    let name = args
        .first()
        .filter(|a| a.kind_str() != "keyword_argument")
        .and_then(|n| literal_value(checker, *n))
        .unwrap_or_default();
    if is_neutral(&name) {
        return Some(Destination::Unnamed);
    }
    Some(Destination::Secret(format!("the cookie `{name}`")))
}

/// A random value bound to a name that says nothing (`rand = random.random()`): where the
/// function then puts it (`remember_key = str(rand)[2:]`, a cookie, the session), following at
/// most three names.
fn followed<'a>(
    checker: &Checker<'a>,
    from: Node<'a>,
    name: &str,
    function: Option<&str>,
    hops: u32,
) -> Option<String> {
    const HOPS: u32 = 3;
    let body = ancestors(checker.item, from)
        .into_iter()
        .rev()
        .find(|a| a.kind_str() == "function_definition")
        .and_then(|f| f.field("body"))?;
    let mut uses = Vec::new();
    ba_analysis::walk_scope(
        body,
        &|n| {
            matches!(
                n.kind_str(),
                "function_definition" | "class_definition" | "lambda"
            )
        },
        &mut |n| {
            if n.kind_str() == "identifier"
                && n.start_byte() >= from.end_byte()
                && checker.text(n) == name
            {
                uses.push(n);
            }
        },
    );
    for u in uses {
        match destination(checker, u) {
            Destination::Name(n) if n == name => {}
            Destination::Name(n) => {
                if let Some(c) = sensitive_context(Destination::Name(n.clone()), function) {
                    return Some(format!("{c} (through `{name}`)"));
                }
                if hops + 1 < HOPS && !is_neutral(&n) {
                    if let Some(c) = followed(checker, u, &n, function, hops + 1) {
                        return Some(c);
                    }
                }
            }
            Destination::Secret(s) => {
                return sensitive_context(
                    Destination::Secret(format!("{s} (through `{name}`)")),
                    function,
                );
            }
            _ => {}
        }
    }
    None
}

/// Whether a module-level `from secrets import …` binds `name` (the semantic model keeps only
/// the last of several imports of one name).
fn imported_from_secrets(checker: &Checker, name: &str) -> bool {
    checker.source.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix("from secrets import ")
            .is_some_and(|names| {
                names
                    .split(',')
                    .filter_map(|n| n.split_whitespace().last())
                    .any(|n| n.trim_matches(|c| c == '(' || c == ')') == name)
            })
    })
}

/// The name of the innermost function around `node`.
fn enclosing_function<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'a str> {
    ancestors(checker.item, node)
        .iter()
        .rev()
        .find(|a| a.kind_str() == "function_definition")
        .and_then(|f| f.field("name"))
        .map(|n| checker.text(n))
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    // `rng = random.Random()` then `rng.choice(…)`: the same generator as an instance.
    let instance = || {
        let method = func.field("attribute").map(|a| checker.text(a))?;
        let object = func
            .field("object")
            .filter(|o| o.kind_str() == "identifier")?;
        let known = RANDOM
            .iter()
            .any(|r| r.strip_prefix("random.") == Some(method));
        (known
            && super::tls_verification_disabled::bound_to_call(checker, object, &["random.Random"]))
        .then(|| format!("random.{method}"))
    };
    let Some(name) = checker
        .resolve_callee(func, RANDOM)
        .or_else(|| (func.kind_str() == "attribute").then(instance).flatten())
    else {
        return;
    };
    if in_test_code(checker, call) {
        return;
    }
    let function = enclosing_function(checker, call);
    let to = destination(checker, call);
    let bound = match &to {
        Destination::Name(n) if !is_neutral(n) => Some(n.clone()),
        _ => None,
    };
    let Some(context) = sensitive_context(to, function)
        .or_else(|| bound.and_then(|n| followed(checker, call, &n, function, 0)))
    else {
        return;
    };
    // `try: from secrets import randbits / except ImportError: from random import …`: the
    // name is the `secrets` one wherever `secrets` exists.
    if func.kind_str() == "identifier" && imported_from_secrets(checker, checker.text(func)) {
        return;
    }
    let method = name.rsplit('.').next().unwrap_or("random").to_owned();
    let shown = match checker.text(func) {
        text if text == name => format!("`{name}`"),
        text => format!("`{text}` (`{name}`)"),
    };
    let args = checker.arguments(args_node);
    let fix = fix_for(checker, &method, call, &args);
    let needs_secrets = crate::imports::python_needs_import(checker, "secrets");
    let instead = match method.as_str() {
        "choice" => "`secrets.choice`",
        "randint" | "randrange" => "`secrets.randbelow`",
        "getrandbits" => "`secrets.randbits`",
        "randbytes" => "`secrets.token_bytes`",
        _ => "`secrets.token_urlsafe()` or `secrets.SystemRandom()`",
    };
    let finding = checker.report(
        func,
        format!(
            "{shown} makes {context} with a predictable generator (Mersenne Twister: its output can be reconstructed from earlier outputs); use {instead} from the `secrets` module"
        ),
    );
    if let Some((title, edit)) = fix {
        finding.with_fix(title, Applicability::Unsafe, vec![edit]);
        if needs_secrets == Some(true) {
            finding.with_import("secrets");
        }
    }
}

/// `random.choice(x)` → `secrets.choice(x)`, `random.randint(a, b)` →
/// `secrets.randbelow(b - a + 1) + a`, `random.getrandbits(k)` → `secrets.randbits(k)`, and
/// the other functions → `secrets.SystemRandom().<same>(…)`; the fix imports `secrets` if the
/// file does not.
fn fix_for<'a>(
    checker: &Checker<'a>,
    method: &str,
    call: Node<'a>,
    args: &Arguments<'a>,
) -> Option<(String, Edit)> {
    crate::imports::python_needs_import(checker, "secrets")?;
    let func = call.field("function")?;
    let args_node = call.field("arguments")?;
    let rename = |callee: &str| {
        Some((
            format!("Use `{callee}`"),
            Edit {
                range: func.byte_range(),
                content: callee.to_owned(),
            },
        ))
    };
    match method {
        "choice" => rename("secrets.choice"),
        "getrandbits" => rename("secrets.randbits"),
        "randint" => {
            let (Some(a), Some(b)) = (args.positional.first(), args.positional.get(1)) else {
                return None;
            };
            if args.positional.len() != 2 || !args.keywords.is_empty() {
                return None;
            }
            let int = |n: &Node| {
                (n.kind_str() == "integer")
                    .then(|| checker.text(*n).replace('_', "").parse::<i64>().ok())
                    .flatten()
            };
            let content = match (int(a), int(b)) {
                (Some(0), _) => match int(b) {
                    Some(hi) => format!("secrets.randbelow({})", hi + 1),
                    None => format!("secrets.randbelow({} + 1)", checker.text(*b)),
                },
                (Some(lo), Some(hi)) if hi >= lo => {
                    let sum = format!("secrets.randbelow({}) + {lo}", hi - lo + 1);
                    if standalone(call) {
                        sum
                    } else {
                        format!("({sum})")
                    }
                }
                _ => {
                    return rename("secrets.SystemRandom().randint");
                }
            };
            Some((
                format!("Use `{}`", content.trim_start_matches('(')),
                Edit {
                    range: call.byte_range(),
                    content,
                },
            ))
            .filter(|_| args_node.kind_str() == "argument_list")
        }
        _ => {
            let callee = format!("secrets.SystemRandom().{method}");
            rename(&callee)
        }
    }
}

/// Whether an expression replacing `call` needs no parentheses (`x = …`, `f(…)`, `return …`).
fn standalone(call: Node) -> bool {
    call.parent().is_some_and(|p| {
        matches!(
            p.kind_str(),
            "assignment"
                | "argument_list"
                | "return_statement"
                | "keyword_argument"
                | "expression_statement"
                | "interpolation"
                | "parenthesized_expression"
                | "list"
                | "tuple"
                | "pair"
        )
    })
}

/// The name of a JavaScript binding target: `token`, `user.resetCode` → resetCode,
/// `{ otp: … }` → otp.
fn js_target_name(checker: &Checker, target: Node) -> Option<String> {
    match target.kind_str() {
        "identifier" | "property_identifier" | "shorthand_property_identifier" => {
            Some(checker.text(target).to_owned())
        }
        "member_expression" => target.field("property").map(|p| checker.text(p).to_owned()),
        "string" => literal_value(checker, target),
        _ => None,
    }
}

/// Where a JavaScript `Math.random()` goes: up through the expressions that build a value from
/// it (`Math.floor(…)`, `.toString(36)`, `chars[…]`, `+`, template literals) to a name.
fn js_destination<'a>(checker: &Checker<'a>, call: Node<'a>) -> Destination {
    let chain = ancestors(checker.item, call);
    let mut child = call;
    for a in chain.iter().rev() {
        match a.kind_str() {
            "variable_declarator" => {
                if a.field("value") != Some(child) {
                    return Destination::Unnamed;
                }
                return a
                    .field("name")
                    .and_then(|t| js_target_name(checker, t))
                    .map_or(Destination::Unnamed, Destination::Name);
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                if a.field("right") != Some(child) {
                    return Destination::Unnamed;
                }
                return a
                    .field("left")
                    .and_then(|t| js_target_name(checker, t))
                    .map_or(Destination::Unnamed, Destination::Name);
            }
            "pair" => {
                return a
                    .field("key")
                    .and_then(|k| js_target_name(checker, k))
                    .map_or(Destination::Unnamed, Destination::Name);
            }
            "call_expression" => {
                if let Some(f) = a.field("function") {
                    let text = checker.text(f);
                    let last = text.rsplit('.').next().unwrap_or(text);
                    if matches!(
                        last,
                        "setTimeout" | "setInterval" | "sleep" | "delay" | "wait"
                    ) {
                        return Destination::Sleep;
                    }
                }
            }
            "binary_expression"
            | "unary_expression"
            | "parenthesized_expression"
            | "arguments"
            | "member_expression"
            | "subscript_expression"
            | "template_substitution"
            | "template_string"
            | "ternary_expression"
            | "array"
            | "await_expression" => {}
            _ => return Destination::Unnamed,
        }
        child = *a;
    }
    Destination::Unnamed
}

/// The name of the innermost named JavaScript function around `node`.
fn js_function<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'a str> {
    ancestors(checker.item, node)
        .into_iter()
        .rev()
        .filter(|a| {
            matches!(
                a.kind_str(),
                "function_declaration"
                    | "function_expression"
                    | "function"
                    | "arrow_function"
                    | "method_definition"
            )
        })
        .find_map(|f| super::secret_names::js_function_name(checker, f))
}

/// `Math.random()` making a token, password, OTP or secret id; `crypto.pseudoRandomBytes`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    let Some(name) =
        checker.resolve_callee(func, &["global.Math.random", "crypto.pseudoRandomBytes"])
    else {
        return;
    };
    if in_test_code(checker, call) {
        return;
    }
    if name == "crypto.pseudoRandomBytes" {
        let Some(property) = func.field("property") else {
            return;
        };
        checker
            .report(
                func,
                "`crypto.pseudoRandomBytes` is deprecated and not guaranteed to be cryptographically strong; use `crypto.randomBytes`",
            )
            .with_fix(
                "Use `crypto.randomBytes`",
                Applicability::Safe,
                vec![Edit {
                    range: property.byte_range(),
                    content: "randomBytes".to_owned(),
                }],
            );
        return;
    }
    let function = js_function(checker, call);
    let Some(context) = sensitive_context(js_destination(checker, call), function) else {
        return;
    };
    checker.report(
        func,
        format!(
            "`Math.random()` makes {context} with a predictable generator (V8's xorshift128+: its state can be recovered from a few outputs); use `crypto.randomBytes(32).toString(\"hex\")`, `crypto.randomInt(…)` or `crypto.randomUUID()`"
        ),
    );
}

const DOCS: &str = r#"## What it does
Flags the `random` module's functions (`random`, `randint`, `randrange`, `choice`, `choices`,
`sample`, `getrandbits`, `uniform`, `shuffle`, `randbytes`, resolved through imports and
aliases) when they make a security-sensitive value: the result goes (directly, or through
`str()`, `"".join(… for …)`, f-strings or `+`) to a name that mentions a token, password,
secret, OTP, nonce, salt, CSRF token or PIN, or a code/id/link/key for verification, reset,
confirmation, activation, login, invitation, a session or an API (`reset_code`, `session_id`,
`api_key`); or it is made inside a function whose name says so (`generate_token`,
`make_password`, `create_otp`, `send_verification_code`).

Not reported: `secrets.*`, `random.SystemRandom()` and `random.Random(seed)` instances, jitter
and backoff (`time.sleep(random.uniform(…))`, `retry_delay = …`), values with a neutral name
(`token_length`, `session_timeout`, `questions`), `random.seed`, and test code.

JavaScript and TypeScript: `Math.random()` whose value goes (through `Math.floor`,
`.toString(36)`, indexing, `+` and template literals) to a name that says it is a token,
password, OTP, secret id… by the same word rules, or is made in a function named so
(`generateOtp`, `createResetToken`); and `crypto.pseudoRandomBytes` anywhere. Not reported:
`crypto.randomBytes`, `randomInt`, `randomUUID`, values passed to `setTimeout`/`setInterval`,
and names such as `backoff`, `delay` or `jitter`, nor (in both languages) values made in a
function that schedules or retries (`scheduleTokenCleanupJob`: a random minute spreads a job's
load, whatever the job cleans up).

## Why is this bad?
`random` is a Mersenne Twister: after 624 outputs an observer can compute every future (and
past) value. Tokens, reset codes and passwords made with it can be predicted by anyone who sees
a few other values made by the same process, such as their own reset codes.

## Example
```python
import random
import string

def password_reset_code():
    return "".join(random.choice(string.digits) for _ in range(6))

api_key = "".join(random.choices(string.ascii_letters + string.digits, k=40))
```

```javascript
function createResetToken() {
  return Math.random().toString(36).slice(2);
}
```

## Use instead
```python
import secrets
import string

def password_reset_code():
    return "".join(secrets.choice(string.digits) for _ in range(6))

api_key = secrets.token_urlsafe(32)
```

```javascript
const crypto = require("crypto");

function createResetToken() {
  return crypto.randomBytes(32).toString("hex");
}
```

## Fix
When `secrets` is imported, an unsafe fix replaces `random.choice` with `secrets.choice`,
`random.getrandbits` with `secrets.randbits`, `random.randint(a, b)` with
`secrets.randbelow(b - a + 1) + a` (for integer literals; otherwise
`secrets.SystemRandom().randint`), and the other functions with the same method of
`secrets.SystemRandom()`. It is unsafe because seeding (`random.seed`) no longer makes the
values reproducible.

`crypto.pseudoRandomBytes` becomes `crypto.randomBytes` (a safe fix: same arguments, same
result type). `Math.random()` has no mechanical replacement, so it has no fix.

## References
- [CWE-330: Use of Insufficiently Random Values](https://cwe.mitre.org/data/definitions/330.html)
- [CWE-338: Use of Cryptographically Weak PRNG](https://cwe.mitre.org/data/definitions/338.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [Python `random`: warning](https://docs.python.org/3/library/random.html)
- [Python `secrets`](https://docs.python.org/3/library/secrets.html)
- [Node.js: `crypto.randomBytes`, `randomInt`, `randomUUID`](https://nodejs.org/api/crypto.html#cryptorandombytessize-callback)
"#;
