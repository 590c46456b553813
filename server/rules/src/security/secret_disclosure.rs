//! SEC508 secret-disclosure: a plaintext password (or, in logs, a token or secret) from the
//! request leaves the system through a log call, an e-mail body or the response.
//!
//! Where the secret comes from is the taint engine's business: a value is a plaintext secret when
//! it is a field of request data named like one (`request.data["password"]`, `user_in.password`
//! of a FastAPI body, `req.body.password`) or a name bound to one (`password` destructured from
//! `req.body`, a `password: str = Form(...)` parameter). The sinks are log calls (SEC107's
//! loggers and the detection models' `sink = "log"` rows), e-mail (Django's `send_mail`,
//! `EmailMessage`, Flask-Mail's `Message`, nodemailer's `sendMail`, and the project's own
//! `send_email`-style helpers) and the response of a handler. A secret passed through any other
//! call (a hash, `len()`, a mask, a comparison) is not the secret any more.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes;
use ba_analysis::{named_children, Binding, Lookup, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC508",
    name: "secret-disclosure",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[532, 201, 312],
    owasp: Some("A09:2021 Security Logging and Monitoring Failures"),
    summary: "A plaintext password (or, in a log, a token or secret) from the request is written to a log, an e-mail or the response, where it is kept and read outside the credential store; log and send that it happened, never the value.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::Python,
            query_path: "python/returns.scm",
            query: include_str!("../../../../queries/python/returns.scm"),
            run: check_python_return,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/bindings.scm",
            query: include_str!("../../../../queries/javascript/bindings.scm"),
            run: check_js_body_assignment,
        },
    ],
};

/// Where a secret goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Channel {
    Log,
    Email,
    Response,
}

impl Channel {
    fn describe(self) -> &'static str {
        match self {
            Self::Log => "written to a log",
            Self::Email => "put in an e-mail",
            Self::Response => "sent back in the response",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Self::Log => "logs are kept, shipped and read far beyond the credential store; log that it happened (the user id, the outcome), never the value",
            Self::Email => "mail is stored in inboxes, relays and backups in clear text; send a single-use set-password link instead",
            Self::Response => "the client already has it, and responses end up in caches, proxies and browser history; return the user's id and what changed, never the password",
        }
    }
}

/// Names of plaintext passwords, lower case without `_`/`-`.
const PASSWORD_NAMES: &[&str] = &[
    "password",
    "passwd",
    "password1",
    "password2",
    "newpassword",
    "newpassword1",
    "newpassword2",
    "oldpassword",
    "currentpassword",
    "confirmpassword",
    "passwordconfirm",
    "passwordconfirmation",
    "plainpassword",
    "rawpassword",
];

/// Names of other secrets: bad in a log, expected in a login response or a reset e-mail.
const SECRET_NAMES: &[&str] = &[
    "secret",
    "clientsecret",
    "apikey",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "otp",
    "totp",
    "pin",
    "cvv",
    "cardnumber",
];

fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `name` names a secret that must not go to `channel`.
fn secret_name(name: &str, channel: Channel) -> bool {
    let n = normalized(name);
    PASSWORD_NAMES.contains(&n.as_str())
        || (channel == Channel::Log && SECRET_NAMES.contains(&n.as_str()))
}

/// How deep an expression (and the local names in it) is searched.
const MAX_DEPTH: u32 = 6;

/// A plaintext secret found in an expression: the node that holds it and its name.
struct Found<'a> {
    node: Node<'a>,
    name: &'a str,
}

/// Whether `object` is request data: the taint engine's verdict, or a Django form's
/// `cleaned_data` / a DRF serializer's `validated_data` (what a form or serializer made of the
/// request; the engine does not follow data through the project's form classes).
fn is_request_data<'a>(checker: &Checker<'a>, object: Node<'a>) -> bool {
    let python = checker.language.family() == Family::Python;
    if python && matches!(object.kind_str(), "attribute" | "identifier") {
        let last = match object.kind_str() {
            "attribute" => checker.member_name(object).unwrap_or(""),
            _ => checker.text(object),
        };
        if matches!(last, "cleaned_data" | "validated_data") {
            return true;
        }
    }
    checker.taint(object, Sink::Log).is_some_and(|t| t.user)
}

/// The key of `x["password"]` or `x.get("password")`, with `x`.
fn keyed<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<(Node<'a>, &'a str)> {
    match node.kind_str() {
        "subscript" | "subscript_expression" => {
            let object = node.field("value").or_else(|| node.field("object"))?;
            let index = node.field("subscript").or_else(|| node.field("index"))?;
            Some((object, checker.string_value(index)?))
        }
        "call" | "call_expression" => {
            let func = node.field("function")?;
            if !matches!(func.kind_str(), "attribute" | "member_expression")
                || checker.member_name(func) != Some("get")
            {
                return None;
            }
            let object = func.field("object")?;
            let key = node.field("arguments")?.named_child(0)?;
            Some((object, checker.string_value(key)?))
        }
        _ => None,
    }
}

/// The plaintext secret `node` carries into `channel`, following string building (f-strings,
/// templates, `%`, `+`, `.format()`, `str()`), containers (dicts, objects, lists) and local
/// names; not other calls, comparisons or attribute reads of the secret (`len(pw)`,
/// `hash(pw)`, `pw.length`).
fn secret_in<'a>(
    checker: &Checker<'a>,
    node: Node<'a>,
    channel: Channel,
    depth: u32,
) -> Option<Found<'a>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let _level = ba_syntax::depth::enter()?;
    let next = |n: Node<'a>| secret_in(checker, n, channel, depth + 1);
    match node.kind_str() {
        "attribute" | "member_expression" => {
            let name = checker.member_name(node)?;
            let object = node.field("object")?;
            (secret_name(name, channel) && is_request_data(checker, object))
                .then_some(Found { node, name })
        }
        "subscript" | "subscript_expression" => {
            let (object, key) = keyed(checker, node)?;
            (secret_name(key, channel) && is_request_data(checker, object))
                .then_some(Found { node, name: key })
        }
        "identifier" | "shorthand_property_identifier" => {
            let name = checker.text(node);
            let ident = node;
            if secret_name(name, channel) {
                // `{ password }` reads the variable of that name, as `password` does.
                if is_request_data(checker, node) {
                    return Some(Found { node, name });
                }
            }
            if node.kind_str() != "identifier" {
                return None;
            }
            // `pw = request.form["password"]`: the value the name holds.
            match checker.lookup(ident) {
                Lookup::Local(bindings) => bindings.iter().find_map(|b| match b {
                    Binding::Value(v) => next(*v),
                    _ => None,
                }),
                _ => None,
            }
        }
        "call" | "call_expression" => {
            if let Some((object, key)) = keyed(checker, node) {
                return (secret_name(key, channel) && is_request_data(checker, object))
                    .then_some(Found { node, name: key });
            }
            let func = node.field("function")?;
            let args = node.field("arguments")?;
            let last = match func.kind_str() {
                "identifier" => checker.text(func),
                _ => checker.member_name(func).unwrap_or(""),
            };
            // String building and containers keep the value; any other call transforms it.
            let keeps = matches!(
                last,
                "str" | "format" | "dict" | "dumps" | "stringify" | "String" | "join"
            );
            if !keeps {
                return None;
            }
            if last == "format" {
                if let Some(f) = func.field("object").and_then(next) {
                    return Some(f);
                }
            }
            named_children(args).into_iter().find_map(|a| {
                let value = if a.kind_str() == "keyword_argument" {
                    a.field("value")?
                } else {
                    a
                };
                next(value)
            })
        }
        "shorthand_property_identifier_pattern" => None,
        "pair" => node.field("value").and_then(next),
        "keyword_argument" => node.field("value").and_then(next),
        "string"
        | "interpolation"
        | "template_string"
        | "template_substitution"
        | "binary_operator"
        | "binary_expression"
        | "parenthesized_expression"
        | "dictionary"
        | "object"
        | "list"
        | "tuple"
        | "array"
        | "concatenated_string"
        | "expression_list"
        | "await"
        | "await_expression" => {
            if matches!(node.kind_str(), "binary_expression" | "binary_operator") {
                let op = node.field("operator").map(|o| checker.text(o));
                if !matches!(op, Some("+" | "%")) {
                    return None;
                }
            }
            named_children(node).into_iter().find_map(next)
        }
        _ => None,
    }
}

/// Log levels of `logger.info(…)`-style calls.
const LEVELS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
    "trace",
];

/// Python e-mail APIs: the callee and which arguments hold the subject and body.
const PY_EMAIL: &[(&str, &[usize], &[&str])] = &[
    (
        "django.core.mail.send_mail",
        &[0, 1],
        &["subject", "message", "html_message"],
    ),
    ("django.core.mail.send_mass_mail", &[0], &["datatuple"]),
    (
        "django.core.mail.mail_admins",
        &[0, 1],
        &["subject", "message", "html_message"],
    ),
    (
        "django.core.mail.mail_managers",
        &[0, 1],
        &["subject", "message", "html_message"],
    ),
    (
        "django.core.mail.EmailMessage",
        &[0, 1],
        &["subject", "body"],
    ),
    (
        "django.core.mail.EmailMultiAlternatives",
        &[0, 1],
        &["subject", "body"],
    ),
    ("flask_mail.Message", &[0], &["subject", "body", "html"]),
    ("flask_mailman.EmailMessage", &[0, 1], &["subject", "body"]),
    (
        "fastapi_mail.MessageSchema",
        &[],
        &["subject", "body", "template_body"],
    ),
];

/// A project's own mail helper (`send_email(to, subject, body)`, `sendWelcomeEmail(user, pw)`,
/// `mailer.send_mail(…)`), by its name: every argument goes into the mail.
fn mail_helper(name: &str) -> bool {
    let n = normalized(name);
    (n.starts_with("send") && (n.ends_with("mail") || n.ends_with("email")))
        || n == "emailuser"
        || n == "mailuser"
}

/// Which channel a call sends its arguments to, and which arguments.
fn call_channel<'a>(
    checker: &Checker<'a>,
    func: Node<'a>,
    args: Node<'a>,
) -> Option<(Channel, Vec<Node<'a>>)> {
    let python = checker.language.family() == Family::Python;
    let last = match func.kind_str() {
        "identifier" => checker.text(func),
        "attribute" | "member_expression" => checker.member_name(func)?,
        _ => return None,
    };
    let all = || {
        named_children(args)
            .into_iter()
            .filter(|a| a.kind_str() != "comment")
            .map(|a| {
                if a.kind_str() == "keyword_argument" {
                    a.field("value").unwrap_or(a)
                } else {
                    a
                }
            })
            .collect::<Vec<_>>()
    };
    // Loggers: `logger.info(…)`, `logging.warning(…)`, `console.log(…)`, `log.debug(…)`.
    if LEVELS.contains(&last) {
        let receiver = func.field("object").map(|o| {
            checker
                .text(o)
                .rsplit('.')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        });
        let logger = receiver
            .as_deref()
            .is_some_and(|r| r.contains("log") || r == "console" || (python && r == "logging"));
        if logger {
            return Some((Channel::Log, all()));
        }
    }
    if python && last == "print" && func.kind_str() == "identifier" {
        return Some((Channel::Log, all()));
    }
    // Model rows: `sink = "log"`.
    let models = checker.semantic.lang_models(checker.language.family());
    if !models.sinks.is_empty() {
        if let Some(q) = checker.resolve(func) {
            if models
                .sinks
                .get(q.as_str())
                .is_some_and(|rows| rows.iter().any(|r| r.sink == Sink::Log))
            {
                return Some((Channel::Log, all()));
            }
        }
    }
    if python {
        let callees: Vec<&str> = PY_EMAIL.iter().map(|(c, _, _)| *c).collect();
        if let Some(q) = checker.resolve_callee(func, &callees) {
            let (_, positions, keywords) = PY_EMAIL.iter().find(|(c, _, _)| *c == q)?;
            let arguments = checker.arguments(args);
            let mut out: Vec<Node> = positions
                .iter()
                .filter_map(|i| arguments.positional.get(*i).copied())
                .collect();
            out.extend(
                keywords
                    .iter()
                    .filter_map(|k| arguments.keyword(k, checker.source)),
            );
            return Some((Channel::Email, out));
        }
        // `smtp.sendmail(sender, to, msg)`.
        if last == "sendmail" {
            return Some((Channel::Email, all().into_iter().skip(2).collect()));
        }
    } else if last == "sendMail" {
        // nodemailer: `transporter.sendMail({ to, subject, text, html })`.
        let options = named_children(args).into_iter().next()?;
        let mut out = Vec::new();
        if options.kind_str() == "object" {
            for pair in named_children(options) {
                let key = pair.field("key").map(|k| checker.text(k));
                if matches!(key, Some("subject" | "text" | "html")) {
                    out.extend(pair.field("value"));
                } else if pair.kind_str() == "shorthand_property_identifier"
                    && matches!(checker.text(pair), "text" | "html")
                {
                    out.push(pair);
                }
            }
        } else {
            out.push(options);
        }
        return Some((Channel::Email, out));
    }
    if mail_helper(last) {
        return Some((Channel::Email, all()));
    }
    // Responses: `res.json(…)`, `res.send(…)`, `reply.send(…)` (JS); `jsonify(…)`,
    // `JsonResponse(…)`, DRF `Response(…)` in a handler (Python).
    if python {
        let q = checker.resolve_callee(
            func,
            &[
                "flask.jsonify",
                "django.http.JsonResponse",
                "rest_framework.response.Response",
                "fastapi.responses.JSONResponse",
                "starlette.responses.JSONResponse",
            ],
        );
        if q.is_some() {
            let first = checker.arguments(args).positional.first().copied();
            return Some((Channel::Response, first.into_iter().chain(all()).collect()));
        }
    } else if matches!(last, "json" | "send" | "jsonp") {
        let receiver = func.field("object").map(|o| {
            let (root, _) = crate::performance::chain(checker, o);
            checker.text(root)
        });
        if matches!(receiver, Some("res" | "response" | "reply")) {
            return Some((Channel::Response, all()));
        }
    }
    None
}

fn report<'a>(
    checker: &mut Checker<'a>,
    at: Node<'a>,
    found: Found<'a>,
    channel: Channel,
    sink: &str,
) {
    let shown = crate::security::callee(checker.text(found.node));
    let message = format!(
        "the plaintext {} `{shown}` from the request is {} ({sink}): {}",
        if PASSWORD_NAMES.contains(&normalized(found.name).as_str()) {
            "password"
        } else {
            "secret"
        },
        channel.describe(),
        channel.advice()
    );
    let range = found.node.byte_range();
    checker
        .report(at, message)
        .with_related(range, format!("the plaintext `{}`", found.name));
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some((channel, values)) = call_channel(checker, func, args) else {
        return;
    };
    // A response only matters from a handler; logs and mail anywhere request data reaches.
    if channel == Channel::Response && !in_handler(checker, func) {
        return;
    }
    let sink = format!("`{}`", crate::security::callee(checker.text(func)));
    for value in values {
        if let Some(found) = secret_in(checker, value, channel, 0) {
            report(checker, value, found, channel, &sink);
            return;
        }
    }
}

fn in_handler<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    match checker.language.family() {
        Family::Python => crate::performance::python_handler_around(checker, node).is_some(),
        Family::JavaScript => {
            routes::js_enclosing_handler(checker.item, node, checker.source).is_some()
        }
    }
}

/// `return {"email": …, "password": body.password}` from a handler.
fn check_python_return<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(value) = caps.get("value") else {
        return;
    };
    if !matches!(value.kind_str(), "dictionary" | "tuple" | "expression_list") {
        return;
    }
    let Some((handler, _)) = crate::performance::python_handler_around(checker, value) else {
        return;
    };
    // Only the handler's own returns (not a nested helper's).
    if crate::performance::python_function(checker, value) != Some(handler) {
        return;
    }
    if let Some(found) = secret_in(checker, value, Channel::Response, 0) {
        report(
            checker,
            value,
            found,
            Channel::Response,
            "the handler's return value",
        );
    }
}

/// Koa: `ctx.body = { user, password }`.
fn check_js_body_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    if target.kind_str() != "member_expression" || checker.text(target) != "ctx.body" {
        return;
    }
    if !in_handler(checker, target) {
        return;
    }
    if let Some(found) = secret_in(checker, value, Channel::Response, 0) {
        report(checker, value, found, Channel::Response, "`ctx.body`");
    }
}

const DOCS: &str = r#"## What it does
Flags a plaintext password from the request (and, in logs, a token, API key, client secret,
one-time code or card number) that is written to a log, put into an e-mail, or sent back in the
response:

- the secret is a field of request data named like one (`request.data["password"]`,
  `request.form.get("password")`, `form.cleaned_data["new_password1"]`, `user_in.password` of a
  FastAPI body model, `req.body.password`, `ctx.request.body.token`), or a name bound to one
  (`const { email, password } = req.body`, `pw = request.POST["password"]`, a
  `password: str = Form(...)` parameter). Request data is the taint engine's verdict, so a
  handler's helpers that receive it count too;
- logs: `logger.info(…)`/`logging.warning(…)`/`print(…)`, `console.log(…)`, `log.debug(…)`,
  and every `sink = "log"` row of the detection models;
- e-mail: Django's `send_mail`, `mail_admins`, `EmailMessage`, `EmailMultiAlternatives`,
  Flask-Mail's `Message`, fastapi-mail's `MessageSchema`, `smtp.sendmail`, nodemailer's
  `sendMail({ subject, text, html })`, and the project's own `send_email(…)`/`sendWelcomeEmail(…)`
  helpers (by name);
- responses: a handler's `return {…}`, `jsonify(…)`, `JsonResponse(…)`, DRF `Response(…)`,
  `JSONResponse(…)`, Express `res.json(…)`/`res.send(…)`, Fastify `reply.send(…)`, Koa
  `ctx.body = …`.

The secret is followed through f-strings, template literals, `%`, `+`, `.format()`, `str()`,
`json.dumps`/`JSON.stringify`, dicts, objects and lists. Passed through any other call it is not
the secret any more: `make_password(password)`, `bcrypt.hash(password)`, `len(password)`,
`mask(token)`, `password == confirm`, `bool(password)` and `password.length` are not reported.
Tokens in a login response and reset tokens in an e-mail are what those are for, and only
passwords are reported there.

## Why is this bad?
A password belongs in one place: hashed, in the credential store. A log line keeps it in clear
text for as long as the logs live, copies it to every log shipper, index and backup, and shows it
to everyone who reads logs (CWE-532). Mail is stored in clear text in inboxes, relays and
archives, and often forwarded (CWE-312). A response echoing it lands in proxies, caches, error
trackers and browser history (CWE-201). A leaked log or mailbox then becomes a list of working
passwords, usually reused elsewhere.

## Example
```python
@router.post("/users", status_code=201)
def create_user(user_in: UserCreate, db: Session = Depends(get_db)):
    logger.info("creating user %s with password %s", user_in.email, user_in.password)
    user = crud.create_user(db, user_in)
    send_email(user.email, "Welcome", f"Your password is {user_in.password}")
    return {"id": user.id, "email": user.email, "password": user_in.password}
```

```javascript
router.post("/register", async (req, res) => {
  const { email, password } = req.body;
  console.log(`register ${email}:${password}`);
  await transporter.sendMail({ to: email, subject: "Welcome", text: `Your password: ${password}` });
  res.status(201).json({ email, password });
});
```

## Use instead
```python
@router.post("/users", status_code=201)
def create_user(user_in: UserCreate, db: Session = Depends(get_db)):
    logger.info("creating user %s", user_in.email)
    user = crud.create_user(db, user_in)
    send_email(user.email, "Welcome", "Your account is ready: sign in at https://example.com/login")
    return {"id": user.id, "email": user.email}
```

```javascript
router.post("/register", async (req, res) => {
  const { email, password } = req.body;
  console.log(`register ${email}`);
  const user = await User.create({ email, passwordHash: await bcrypt.hash(password, 12) });
  res.status(201).json({ id: user.id, email });
});
```

## References
- [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
- [CWE-201: Insertion of Sensitive Information Into Sent Data](https://cwe.mitre.org/data/definitions/201.html)
- [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
- [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
- [OWASP Forgot Password Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html)
"#;
