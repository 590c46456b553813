//! SEC413 error-details-in-response: a stack trace sent to the client (an Express error
//! handler answering with `err.stack`, a Python view returning `traceback.format_exc()`).

use ba_analysis::{ancestors, named_children};
use ba_syntax::{Family, NodeExt};
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "SEC413",
    name: "error-details-in-response",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[209, 497],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "A stack trace is sent to the client; log it on the server and answer with a generic message (and an id to find the log entry).",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_python,
        },
    ],
};

/// Response methods that send their argument to the client.
const JS_SENDERS: &[&str] = &["send", "json", "jsonp", "end", "write", "render"];

/// Words of a condition that ties the detail to a development environment.
fn development_only(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "node_env",
        "development",
        "debug",
        "isdev",
        "is_dev",
        "dev_mode",
        "production",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Whether `node` is inside a branch or conditional expression that only runs in
/// development (`if (process.env.NODE_ENV !== "production")`, `isDev ? err.stack : undefined`,
/// `if settings.DEBUG:`).
fn in_development_branch(checker: &Checker, node: Node) -> bool {
    ancestors(checker.item, node).iter().any(|a| {
        let condition = match a.kind_str() {
            "if_statement" | "ternary_expression" | "conditional_expression" => {
                a.field("condition").or_else(|| {
                    (a.kind_str() == "conditional_expression").then(|| a.named_child(1))?
                })
            }
            "binary_expression" | "boolean_operator" => a.field("left"),
            _ => None,
        };
        condition.is_some_and(|c| development_only(checker.text(c)))
    })
}

/// The `.stack` member reads of an error object in `node` (bounded walk).
fn stack_reads<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<Node<'a>> {
    let mut stack = vec![(node, 0u32)];
    while let Some((n, depth)) = stack.pop() {
        if depth > 12 {
            continue;
        }
        if n.kind_str() == "member_expression"
            && n.field("property")
                .is_some_and(|p| checker.text(p) == "stack")
            && n.field("object").is_some_and(|o| {
                let name = checker.text(o).to_ascii_lowercase();
                name.contains("err") || name == "e" || name.contains("exception") || name == "ex"
            })
        {
            return Some(n);
        }
        if matches!(
            n.kind_str(),
            "arrow_function" | "function_expression" | "function"
        ) {
            continue;
        }
        for c in named_children(n) {
            stack.push((c, depth + 1));
        }
    }
    None
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "member_expression" {
        return;
    }
    let Some(method) = func.field("property").map(|p| checker.text(p)) else {
        return;
    };
    if !JS_SENDERS.contains(&method) {
        return;
    }
    // The receiver is a response: `res.json(…)`, `res.status(500).json(…)`, `reply.send(…)`.
    let receiver = func.field("object").map(|o| checker.text(o)).unwrap_or("");
    let root = receiver.split(['.', '(']).next().unwrap_or("");
    if !matches!(root, "res" | "response" | "reply" | "ctx") {
        return;
    }
    let Some(read) = stack_reads(checker, args) else {
        return;
    };
    if in_development_branch(checker, read) {
        return;
    }
    let text = checker.text(read).to_owned();
    checker.report(
        read,
        format!(
            "`{text}` is sent to the client: the stack trace shows file paths, library versions and code lines to anyone who can trigger an error; log it on the server and answer with a generic message (and an id to find the log entry)"
        ),
    );
}

/// Python calls that make a traceback's text.
const TRACEBACKS: &[&str] = &[
    "traceback.format_exc",
    "traceback.format_exception",
    "traceback.format_tb",
    "traceback.format_stack",
];

/// Calls whose argument becomes a response body.
const PY_RESPONSES: &[&str] = &[
    "jsonify",
    "make_response",
    "Response",
    "HttpResponse",
    "HttpResponseServerError",
    "JsonResponse",
    "JSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "HTTPException",
    "abort",
];

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(call)) = (caps.get("func"), caps.get("call")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, TRACEBACKS) else {
        return;
    };
    if in_development_branch(checker, call) {
        return;
    }
    // Where the text goes: up through the expressions that build a value from it to a
    // `return` of a view or the body of a response.
    let chain = ancestors(checker.item, call);
    let mut sent = false;
    for a in chain.iter().rev() {
        match a.kind_str() {
            "return_statement" => {
                sent = true;
                break;
            }
            "call" => {
                let callee = a.field("function").map(|f| checker.text(f)).unwrap_or("");
                let last = callee.rsplit('.').next().unwrap_or(callee);
                if PY_RESPONSES.contains(&last) {
                    sent = true;
                    break;
                }
                // `str(...)`, `"".join(...)`: still the text.
                if !matches!(last, "str" | "join" | "format" | "replace" | "strip") {
                    break;
                }
            }
            "argument_list"
            | "keyword_argument"
            | "pair"
            | "dictionary"
            | "list"
            | "tuple"
            | "binary_operator"
            | "interpolation"
            | "string"
            | "parenthesized_expression"
            | "attribute" => {}
            _ => break,
        }
    }
    if !sent {
        return;
    }
    // A helper that is not a view returns the text to its caller (a logger, an e-mail).
    let in_view = chain
        .iter()
        .any(|a| a.kind_str() == "decorated_definition" || a.kind_str() == "except_clause");
    if !in_view {
        return;
    }
    let short = name.trim_start_matches("traceback.");
    checker.report(
        call,
        format!(
            "`traceback.{short}()` goes into the response: the stack trace shows file paths, library versions and code lines to anyone who can trigger an error; log it (`logger.exception`) and answer with a generic message"
        ),
    );
}

const DOCS: &str = r#"## What it does
Flags stack traces sent to clients: in JavaScript, `err.stack` (of an error object: `err`,
`error`, `e`, `ex`, `exception`) in a response body (`res.send`, `res.json`, `res.end`,
`res.render`, `reply.send`, `ctx.body`-style senders), typically in an Express error handler or a
`catch` block; in Python, `traceback.format_exc()` (and `format_exception`, `format_tb`,
`format_stack`) returned from a view or put into a response (`jsonify`, `Response`,
`HttpResponse`, `JSONResponse`, `HTTPException(detail=…)`) inside an `except` block or a routed
function. Detail sent only in development (`if (process.env.NODE_ENV !== "production")`,
`isDev ? err.stack : undefined`, `if settings.DEBUG:`) is not reported; error messages
(`err.message`) are not judged.

## Why is this bad?
A stack trace tells an attacker which files, frameworks and versions the server runs and which
code path failed: the map they need for the next request (CWE-209, CWE-497).

## Example
```javascript
app.use((err, req, res, next) => {
  res.status(500).json({ error: err.message, stack: err.stack });
});
```

```python
@app.post("/import")
def import_csv():
    try:
        load(request.files["csv"])
    except Exception:
        return {"error": traceback.format_exc()}, 500
```

## Use instead
```javascript
app.use((err, req, res, next) => {
  const id = crypto.randomUUID();
  logger.error({ err, id });
  res.status(500).json({ error: "internal error", id });
});
```

```python
    except Exception:
        logger.exception("import failed")
        return {"error": "import failed"}, 500
```

## References
- [CWE-209: Generation of Error Message Containing Sensitive Information](https://cwe.mitre.org/data/definitions/209.html)
- [OWASP Error Handling Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html)
"#;
