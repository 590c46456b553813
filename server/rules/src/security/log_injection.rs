//! SEC107 log-injection: raw request data written to logs.

use super::method_name;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::taint::Taint;
use ba_analysis::{named_children, Sink};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC107",
    name: "log-injection",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[117],
    owasp: Some("A09:2021 Security Logging and Monitoring Failures"),
    summary: "Raw request data is written to a log; log it with `%r` (or strip `\\r`/`\\n`) so a client cannot forge log lines.",
    docs: DOCS,
    fix: FixAvailability::None,
    // A script logs its operator's own options: forging its log needs no injection.
    classes: crate::classes::RUNTIME,
    checks: &[Check {
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
        // `sink = "log"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Log as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Log as u8 }>,
        },
    ],
};

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
];

/// `logger.info(...)`, `app.logger.warning(...)`, `log.error(...)`, `self.logger.info(...)`.
fn is_logger_call(checker: &Checker, func: tree_sitter::Node) -> bool {
    let Some(object) = func.field("object") else {
        return false;
    };
    let receiver = checker
        .text(object)
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    receiver.contains("log")
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(method) = method_name(checker, func) else {
        return;
    };
    if !LEVELS.contains(&method) {
        return;
    }
    // A logger, or a module function of `logging`: `sink = "log"` rows with `reported-by =
    // "rule"` (stdlib.toml).
    let row = super::rule_sink(checker, func, Sink::Log);
    if !is_logger_call(checker, func) && row.is_none() {
        return;
    }
    // `console.log(message, …)` has no level argument, unlike `logger.log(level, message)`.
    let console = row.is_some_and(|(name, _)| name.starts_with("global.console."));
    let mut positional: Vec<_> = named_children(args)
        .into_iter()
        .filter(|a| !matches!(a.kind_str(), "keyword_argument" | "comment"))
        .collect();
    if method == "log" && !console && !positional.is_empty() {
        positional.remove(0);
    }
    let Some(format) = positional.first().copied() else {
        return;
    };
    // `logger.info("user %r", name)` quotes the value, line breaks included.
    let quoted = checker.text(format).contains("%r");
    for (i, arg) in positional.iter().enumerate() {
        if i > 0 && quoted {
            break;
        }
        let mut carriers = Vec::new();
        string_carriers(checker, *arg, 0, &mut carriers);
        let taint = carriers
            .into_iter()
            .filter(|c| !renders_escaped(checker, *c))
            .filter_map(|c| checker.taint(c, Sink::Log))
            .filter(|t| {
                t.user
                    && !from_header(checker, t)
                    && !from_upload_header(checker, t)
                    && !origin_names_identifier(checker, t)
            })
            .reduce(|a, b| Taint::best(Some(a), Some(b)).expect("both are some"));
        if let Some(taint) = taint {
            let from = checker.describe(&taint);
            checker
                .report(
                    *arg,
                    format!("`{method}` logs {from} as is; a value with line breaks forges log entries: log it with `%r` or strip `\\r` and `\\n` first"),
                )
                .with_taint(&taint);
            return;
        }
    }
}

/// Node: `console.log(…)` and its siblings (`sink = "log"` rows of node.toml, `reported-by =
/// "rule"`), and loggers' level methods (`logger.info(…)`, `log.warn(…)`, winston's
/// `logger.log("info", …)`).
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "member_expression" {
        return;
    }
    let (Some(object), Some(property)) = (func.field("object"), func.field("property")) else {
        return;
    };
    let method = checker.text(property);
    if !LEVELS.contains(&method) {
        return;
    }
    let console = super::rule_sink(checker, func, Sink::Log).is_some();
    let receiver = checker.text(object);
    let logger = receiver
        .rsplit('.')
        .next()
        .is_some_and(|r| r.to_ascii_lowercase().contains("log"));
    if !console && !logger {
        return;
    }
    let mut positional = checker.arguments(args).positional.clone();
    // winston's `logger.log(level, message, …)`.
    if method == "log"
        && !console
        && positional
            .first()
            .is_some_and(|a| checker.string_value(*a).is_some())
    {
        positional.remove(0);
    }
    for arg in positional {
        let mut carriers = Vec::new();
        js_carriers(checker, arg, 0, &mut carriers);
        let taint = carriers
            .into_iter()
            .filter(|c| !js_renders_escaped(checker, *c))
            .filter_map(|c| checker.taint(c, Sink::Log))
            .filter(|t| t.user && !from_header(checker, t) && !origin_names_identifier(checker, t))
            .reduce(|a, b| Taint::best(Some(a), Some(b)).expect("both are some"));
        if let Some(taint) = taint {
            let from = checker.describe(&taint);
            let name = if console {
                format!("console.{method}")
            } else {
                method.to_owned()
            };
            checker
                .report(
                    arg,
                    format!("`{name}` logs {from} as is; a value with line breaks forges log entries: log it as JSON (`JSON.stringify(value)`, or a structured logger's fields) or strip `\\r` and `\\n` first"),
                )
                .with_taint(&taint);
            return;
        }
    }
}

/// The sub-expressions of a JavaScript message whose text ends up in it: the substitutions of
/// a template string, the operands of `+`, or the value itself.
fn js_carriers<'a>(
    checker: &Checker<'a>,
    node: tree_sitter::Node<'a>,
    depth: usize,
    out: &mut Vec<tree_sitter::Node<'a>>,
) {
    if depth > 8 {
        out.push(node);
        return;
    }
    match node.kind_str() {
        "template_string" => {
            for child in named_children(node) {
                if child.kind_str() == "template_substitution" {
                    if let Some(expr) = child.named_child(0) {
                        js_carriers(checker, expr, depth + 1, out);
                    }
                }
            }
        }
        "parenthesized_expression" => match node.named_child(0) {
            Some(inner) => js_carriers(checker, inner, depth + 1, out),
            None => out.push(node),
        },
        "binary_expression"
            if node
                .field("operator")
                .is_some_and(|o| checker.text(o) == "+") =>
        {
            for side in [node.field("left"), node.field("right")]
                .into_iter()
                .flatten()
            {
                js_carriers(checker, side, depth + 1, out);
            }
        }
        _ => out.push(node),
    }
}

/// A JavaScript value printed without raw line breaks: numbers, object and array literals and
/// whole request containers (`req.body`, `ctx.query`: `util.inspect` quotes their strings),
/// `JSON.stringify(…)`, and values named as identifiers (`req.params.userId`).
fn js_renders_escaped<'a>(checker: &Checker<'a>, node: tree_sitter::Node<'a>) -> bool {
    match node.kind_str() {
        "number" | "object" | "array" | "true" | "false" | "null" => true,
        "identifier" => names_identifier(checker.text(node)),
        "member_expression" => node.field("property").is_some_and(|p| {
            let p = checker.text(p);
            names_identifier(p)
                || matches!(
                    p,
                    "body" | "query" | "params" | "headers" | "cookies" | "length"
                )
        }),
        "call_expression" => node.field("function").is_some_and(|f| {
            let text = checker.text(f);
            matches!(
                text,
                "JSON.stringify" | "Number" | "parseInt" | "parseFloat" | "util.inspect"
            ) || text.ends_with(".toFixed")
        }),
        _ => false,
    }
}

/// The sub-expressions whose text ends up in the message: the interpolations of an f-string,
/// the operands of `%`, `+` and `.format()`, or the value itself.
fn string_carriers<'a>(
    checker: &Checker<'a>,
    node: tree_sitter::Node<'a>,
    depth: usize,
    out: &mut Vec<tree_sitter::Node<'a>>,
) {
    if depth > 8 {
        out.push(node);
        return;
    }
    match node.kind_str() {
        "string" => {
            for child in named_children(node) {
                if child.kind_str() == "interpolation" {
                    if let Some(expr) = child.field("expression").or_else(|| child.named_child(0)) {
                        string_carriers(checker, expr, depth + 1, out);
                    }
                }
            }
        }
        "concatenated_string" => {
            for child in named_children(node) {
                string_carriers(checker, child, depth + 1, out);
            }
        }
        "parenthesized_expression" => match node.named_child(0) {
            Some(inner) => string_carriers(checker, inner, depth + 1, out),
            None => out.push(node),
        },
        "binary_operator" => {
            let op = node
                .field("operator")
                .map(|o| checker.text(o))
                .unwrap_or("");
            let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                out.push(node);
                return;
            };
            match op {
                "+" => {
                    string_carriers(checker, left, depth + 1, out);
                    string_carriers(checker, right, depth + 1, out);
                }
                "%" => {
                    string_carriers(checker, left, depth + 1, out);
                    if right.kind_str() == "tuple" {
                        out.extend(named_children(right));
                    } else {
                        out.push(right);
                    }
                }
                _ => out.push(node),
            }
        }
        "call" => {
            let func = node.field("function");
            let args = node.field("arguments");
            match (func, args) {
                (Some(f), Some(args))
                    if f.kind_str() == "attribute"
                        && f.field("attribute")
                            .is_some_and(|a| checker.text(a) == "format") =>
                {
                    if let Some(object) = f.field("object") {
                        string_carriers(checker, object, depth + 1, out);
                    }
                    for a in named_children(args) {
                        match a.kind_str() {
                            "keyword_argument" => out.extend(a.field("value")),
                            "comment" => {}
                            _ => out.push(a),
                        }
                    }
                }
                (Some(f), Some(args)) if checker.text(f) == "str" => match args.named_child(0) {
                    Some(inner) => string_carriers(checker, inner, depth + 1, out),
                    None => out.push(node),
                },
                _ => out.push(node),
            }
        }
        _ => out.push(node),
    }
}

/// A value whose `str()` escapes line breaks: containers and models render their strings with
/// `repr()`, numbers and JSON cannot hold a raw line break.
fn renders_escaped<'a>(checker: &Checker<'a>, node: tree_sitter::Node<'a>) -> bool {
    match node.kind_str() {
        "tuple"
        | "list"
        | "dictionary"
        | "set"
        | "list_comprehension"
        | "dictionary_comprehension"
        | "set_comprehension"
        | "integer"
        | "float" => true,
        "call" => {
            let Some(func) = node.field("function") else {
                return false;
            };
            let name = checker.text(func);
            let last = name.rsplit('.').next().unwrap_or(name);
            if last == "get"
                && node
                    .field("arguments")
                    .and_then(|a| a.named_child(0))
                    .and_then(|k| checker.string_value(k))
                    .is_some_and(names_identifier)
            {
                return true;
            }
            matches!(
                last,
                "model_dump"
                    | "dict"
                    | "dumps"
                    | "len"
                    | "int"
                    | "float"
                    | "repr"
                    | "list"
                    | "tuple"
            ) || name == "json.dumps"
        }
        "identifier" => {
            names_identifier(checker.text(node))
                || param_annotation(checker, node).is_some_and(|a| structured(&a))
        }
        "attribute" => node.field("attribute").is_some_and(|a| {
            names_identifier(checker.text(a))
                || (UPLOAD_HEADER_FIELDS.contains(&checker.text(a))
                    && node.field("object").is_some_and(|o| is_upload(checker, o)))
        }),
        // `item["chat_id"]`, `metadata.get("message_id")`.
        "subscript" => node
            .field("subscript")
            .and_then(|k| checker.string_value(k))
            .is_some_and(names_identifier),
        _ => false,
    }
}

/// `id`, `chat_id`, `userId`, `pk`, `uuid`, `slug`: identifiers are what services log to say
/// which object an entry is about; a reviewer does not sign a forged-log finding on them.
fn names_identifier(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "id" | "ids" | "pk" | "uuid" | "slug")
        || ["_id", "_ids", "_pk", "_uuid", "_slug"]
            .iter()
            .any(|s| lower.ends_with(s))
        || name.ends_with("Id")
        || name.ends_with("Ids")
}

/// The annotation of the parameter `ident` names, in the function that encloses it.
fn param_annotation<'a>(checker: &Checker<'a>, ident: tree_sitter::Node<'a>) -> Option<String> {
    let name = checker.text(ident);
    let mut cur = ident.parent();
    let mut steps = 0;
    while let Some(node) = cur {
        steps += 1;
        if steps > ba_syntax::depth::MAX_DEPTH as usize {
            return None;
        }
        if node.kind_str() == "function_definition" {
            let params = node.field("parameters")?;
            for p in named_children(params) {
                if !matches!(p.kind_str(), "typed_parameter" | "typed_default_parameter") {
                    continue;
                }
                let id = p.field("name").or_else(|| p.named_child(0))?;
                if checker.text(id) == name {
                    return p.field("type").map(|t| checker.text(t).to_owned());
                }
            }
            return None;
        }
        cur = node.parent();
    }
    None
}

/// An annotation whose values print escaped: anything but strings (`str`, `Optional[str]`,
/// `str | None`, `Annotated[str, …]`, `Any`, `EmailStr`…).
fn structured(annotation: &str) -> bool {
    let t = ba_analysis::python_base_type(annotation);
    let stringy = t.is_empty()
        || t.ends_with("str")
        || t.ends_with("Str")
        || t.ends_with("Url")
        || t.ends_with("URL")
        || matches!(
            t,
            "Any" | "bytes" | "object" | "AnyStr" | "Text" | "SecretStr"
        );
    !stringy
}

/// What an uploaded file's part headers say (`Content-Disposition: form-data; filename=…`,
/// `Content-Type`): multipart parsers split the part's headers at line breaks, so none of these
/// can hold one.
const UPLOAD_HEADER_FIELDS: &[&str] = &[
    "filename",
    "content_type",
    "mimetype",
    "mime_type",
    "content_length",
    "size",
];

/// A FastAPI/Starlette `UploadFile` parameter, or a Flask/Werkzeug `FileStorage` taken from
/// `request.files`.
fn is_upload<'a>(checker: &Checker<'a>, object: tree_sitter::Node<'a>) -> bool {
    if object.kind_str() == "subscript" || object.kind_str() == "call" {
        return checker.text(object).contains(".files");
    }
    if object.kind_str() != "identifier" {
        return false;
    }
    if param_annotation(checker, object).is_some_and(|a| a.contains("UploadFile")) {
        return true;
    }
    match checker.lookup(object) {
        ba_analysis::Lookup::Local(bindings) => bindings.iter().any(|b| match b {
            ba_analysis::Binding::Value(v) => {
                let t = checker.text(*v);
                t.contains("request.files") || t.contains("req.files")
            }
            _ => false,
        }),
        _ => false,
    }
}

/// Data that came in as an identifier (`data["document_id"]`, `body.chatId`) and was only
/// formatted into another string (`room = f"doc_{document_id}"`): logged to say which object an
/// entry is about, as the carriers themselves are (`names_identifier`).
fn origin_names_identifier(checker: &Checker, taint: &Taint) -> bool {
    if taint.what.contains("passed to") {
        return false;
    }
    let names_id = |text: &str| {
        let text = text.trim();
        let key = text
            .trim_end_matches([']', ')', '"', '\''])
            .rsplit(['[', '.', '(', '"', '\''])
            .next()
            .unwrap_or("");
        key != text && names_identifier(key)
    };
    let (steps, _) = taint.steps();
    names_id(checker.source.get(taint.origin.clone()).unwrap_or(""))
        || steps
            .iter()
            .any(|s| names_id(checker.source.get(s.range.clone()).unwrap_or("")))
}

/// Data that left the upload through one of its part headers in this function
/// (`filename = file.filename`, `name = os.path.basename(file.filename)`, then logged).
fn from_upload_header(checker: &Checker, taint: &Taint) -> bool {
    if taint.what.contains("passed to") {
        return false;
    }
    // The parameter (`file: UploadFile = File(...)`) or the expression the data came from.
    let origin = checker.source.get(taint.origin.clone()).unwrap_or("");
    let origin = origin.split([':', '=']).next().unwrap_or(origin).trim();
    let (steps, _) = taint.steps();
    steps.first().is_some_and(|step| {
        let text = checker.source.get(step.range.clone()).unwrap_or("");
        UPLOAD_HEADER_FIELDS
            .iter()
            .any(|f| text.contains(&format!("{origin}.{f}")))
    })
}

/// Request headers: HTTP servers reject line breaks in header values (RFC 9110 §5.5), so they
/// cannot forge a log line.
fn from_header(checker: &Checker, taint: &Taint) -> bool {
    let origin = checker.source.get(taint.origin.clone()).unwrap_or("");
    let lower = origin.to_ascii_lowercase();
    (lower.contains("header") || (lower.contains("meta") && lower.contains("http_")))
        && !lower.contains("cookie")
}

const DOCS: &str = r#"## What it does
Flags `logging` calls (module functions and logger methods), and in Node loggers and
`console.log`/`info`/`warn`/`error`/`debug` (what a server writes to its standard streams is its
log), whose message or arguments are request data used as is.

It leaves alone what cannot carry a raw line break into the message: request headers (servers
reject line breaks in header values), whole containers and models (`%s` of a dict, list, tuple or
Pydantic model prints its strings with `repr()`), numbers, `json.dumps(...)`, and values named
as identifiers (`id`, `chat_id`, `userId`, `pk`, `slug`), which services log to say which object
an entry is about. Scripts and management commands are not checked: what they log comes from
their operator.

## Why is this bad?
A user name such as `alice\nINFO login succeeded for admin` writes a second, forged line into
the log. Incident responders and log-based alerting then act on entries the attacker wrote;
control characters can also attack log viewers.

## Example
```python
@app.post("/login")
def login():
    user = request.form["user"]
    logger.info(f"login attempt for {user}")
```

## Use instead
```python
@app.post("/login")
def login():
    user = request.form["user"]
    logger.info("login attempt for %r", user)  # repr() escapes line breaks
```

## References
- [CWE-117: Improper Output Neutralization for Logs](https://cwe.mitre.org/data/definitions/117.html)
- [OWASP A09:2021 Security Logging and Monitoring Failures](https://owasp.org/Top10/A09_2021-Security_Logging_and_Monitoring_Failures/)
- [OWASP Logging Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
"#;
