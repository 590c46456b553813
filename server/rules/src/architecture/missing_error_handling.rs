//! ARC203 missing-error-handling: Express 4 async handlers whose errors nobody catches, and
//! Python handlers that swallow every error.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::routes::{self, is_js_function, js_params};
use ba_analysis::{named_children, walk_scope};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "ARC203",
    name: "missing-error-handling",
    category: Category::Architecture,
    severity: Severity::Warning,
    cwe: &[755],
    owasp: None,
    summary: "Errors in this handler are not handled: an Express 4 async handler with neither try/catch nor `next(err)`, or a Python handler that swallows every exception; handle the error and answer the request.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/functions.scm",
            query: include_str!("../../../../queries/python/functions.scm"),
            run: check_python,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

fn is_async_function(function: Node) -> bool {
    function.child(0).is_some_and(|c| c.kind_str() == "async")
}

/// Whether a handler body passes errors on: a `try`, a call of its `next` parameter, or
/// `.catch(…)` on a promise.
fn handles_errors<'a>(checker: &Checker<'a>, handler: Node<'a>) -> bool {
    let next = js_params(handler, checker.source)
        .get(2)
        .copied()
        .unwrap_or("next");
    let Some(body) = handler.field("body") else {
        return true;
    };
    let mut stack = vec![body];
    let mut awaits = false;
    while let Some(n) = stack.pop() {
        match n.kind_str() {
            "try_statement" => return true,
            "await_expression" => awaits = true,
            "call_expression" => {
                let func = n.field("function");
                if func.is_some_and(|f| {
                    (f.kind_str() == "identifier" && checker.text(f) == next)
                        || (f.kind_str() == "member_expression"
                            && checker.member_name(f) == Some("catch"))
                }) {
                    return true;
                }
            }
            _ => {}
        }
        // Awaits inside nested functions do not reject this handler's promise.
        if n != body && is_js_function(n.kind_str()) {
            continue;
        }
        stack.extend(named_children(n));
    }
    // An async handler that awaits nothing rejects only on a bug in its own code; report the
    // ones that await I/O.
    !awaits
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    let Some(route) = routes::js_route(call, checker.source) else {
        return;
    };
    // Express only: Koa and Fastify handle rejected promises themselves.
    let express = checker
        .semantic
        .imports
        .values()
        .any(|q| q == "express" || q.starts_with("express."));
    if !express
        || checker
            .semantic
            .imports
            .values()
            .any(|q| q.starts_with("express-async-errors") || q.starts_with("@awaitjs/express"))
    {
        return;
    }
    let project = &checker.node_project;
    if project.async_errors_patched || project.express_major.is_some_and(|m| m >= 5) {
        return;
    }
    let assumed = if project.express_major.is_some() {
        "Express 4"
    } else {
        "Express 4 (no `express` version found in package.json)"
    };
    for handler in route.handlers.iter().copied() {
        if !is_js_function(handler.kind_str()) || !is_async_function(handler) {
            continue;
        }
        if handles_errors(checker, handler) {
            continue;
        }
        let end = handler
            .field("parameters")
            .or_else(|| handler.field("parameter"))
            .map_or(handler.start_byte(), |p| p.end_byte());
        checker.report_range(handler.start_byte()..end, format!(
            "this async handler has neither try/catch nor `next(err)`: in {assumed} a rejected promise is not passed to the error middleware, so the request hangs until it times out and the rejection goes unhandled; wrap the body in try/catch and call `next(err)` (or upgrade to Express 5)"
        ));
    }
}

/// An except clause's caught type, if any (`except:` → None).
fn caught<'a>(checker: &Checker<'a>, clause: Node<'a>) -> Option<&'a str> {
    named_children(clause)
        .into_iter()
        .find(|c| c.kind_str() != "block" && c.kind_str() != "comment")
        .map(|t| {
            let t = match t.kind_str() {
                "as_pattern" => t.named_child(0).unwrap_or(t),
                _ => t,
            };
            checker.text(t)
        })
}

/// Whether an except body does nothing with the error: only `pass`, `...` or `continue`.
fn ignores(clause: Node, checker: &Checker) -> bool {
    let Some(body) = named_children(clause)
        .into_iter()
        .find(|c| c.kind_str() == "block")
    else {
        return false;
    };
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|s| s.kind_str() != "comment")
        .collect();
    !statements.is_empty()
        && statements.iter().all(|s| {
            matches!(s.kind_str(), "pass_statement" | "continue_statement")
                || (s.kind_str() == "expression_statement" && checker.text(*s) == "...")
        })
}

/// Whether a swallowed error belongs to an attempt whose failure the handler plans for:
/// - a `try` inside an `except` block (extracting details while already answering an error);
/// - one of a chain of attempts (`try: probe A; except: pass` then `try: probe B`);
/// - a `try` whose body only computes values (assignments, conditions and `return`s, no call
///   made for its effect such as `save(...)` or `db.commit()`): on failure the default the
///   handler set before stays, as in `try: name = unquote(name) except Exception: pass`.
fn best_effort<'a>(checker: &Checker<'a>, clause: Node<'a>) -> bool {
    let Some(attempt) = clause.parent().filter(|t| t.kind_str() == "try_statement") else {
        return false;
    };
    let mut up = attempt.parent();
    let mut function = None;
    for _ in 0..ba_syntax::depth::MAX_DEPTH {
        match up {
            Some(n) if n.kind_str() == "except_clause" => return true,
            Some(n) if matches!(n.kind_str(), "function_definition" | "class_definition") => {
                function = Some(n);
                break;
            }
            Some(n) => up = n.parent(),
            None => break,
        }
    }
    let siblings = |n: Node<'a>, next: bool| {
        let mut s = if next {
            n.next_named_sibling()
        } else {
            n.prev_named_sibling()
        };
        while let Some(c) = s.filter(|c| c.kind_str() == "comment") {
            s = if next {
                c.next_named_sibling()
            } else {
                c.prev_named_sibling()
            };
        }
        s
    };
    if siblings(attempt, true).is_some_and(|n| n.kind_str() == "try_statement")
        || siblings(attempt, false).is_some_and(|n| {
            n.kind_str() == "try_statement"
                && named_children(n)
                    .into_iter()
                    .any(|c| c.kind_str() == "except_clause" && ignores(c, checker))
        })
    {
        return true;
    }
    let Some(body) = attempt.field("body") else {
        return false;
    };
    // Releasing a resource on the way out (`await ws.close()`, `request.session.clear()`):
    // nothing is left to do if it fails.
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|s| s.kind_str() != "comment")
        .collect();
    if let [only] = statements[..] {
        let text = checker.text(only).trim_start_matches("await ").trim();
        let method = text
            .strip_suffix("()")
            .and_then(|callee| callee.rsplit('.').next());
        if method.is_some_and(|m| {
            matches!(
                m,
                "close"
                    | "aclose"
                    | "clear"
                    | "shutdown"
                    | "disconnect"
                    | "release"
                    | "cancel"
                    | "terminate"
                    | "kill"
                    | "stop"
                    | "flush"
                    | "cleanup"
                    | "unlink"
            )
        }) {
            return true;
        }
    }
    // Any call made as a statement (`save(x)`, `await db.commit()`) is an effect that failed;
    // a name the attempt binds must have a default from before, or not be read after it
    // (`order = Order.objects.get(pk=pk)` then `order.status` fails later, unbound).
    let mut effect = false;
    let mut bound = Vec::new();
    walk_scope(
        body,
        &|n| {
            matches!(
                n.kind_str(),
                "function_definition" | "class_definition" | "lambda"
            )
        },
        &mut |n| {
            if n.kind_str() == "expression_statement" {
                let first = n.named_child(0);
                let inner = first
                    .filter(|e| e.kind_str() == "await")
                    .and_then(|a| a.named_child(0))
                    .or(first);
                effect |= inner.is_some_and(|e| e.kind_str() == "call");
            }
            effect |= matches!(
                n.kind_str(),
                "delete_statement" | "raise_statement" | "yield" | "global_statement"
            );
            if matches!(n.kind_str(), "assignment" | "augmented_assignment") {
                if let Some(left) = n.field("left") {
                    let mut names = vec![left];
                    while let Some(x) = names.pop() {
                        match x.kind_str() {
                            "identifier" => bound.push(checker.text(x)),
                            "pattern_list" | "tuple_pattern" | "list_pattern" => {
                                names.extend(named_children(x))
                            }
                            _ => {}
                        }
                    }
                }
            }
        },
    );
    if effect {
        return false;
    }
    let Some(function) = function else {
        return true;
    };
    let source = checker.source;
    let before = &source[function.start_byte()..attempt.start_byte()];
    let after = &source[attempt.end_byte()..function.end_byte()];
    bound.iter().all(|name| {
        let mentions = |text: &str| {
            text.match_indices(name).any(|(i, _)| {
                let word = |c: char| c.is_alphanumeric() || c == '_';
                !text[..i].ends_with(word) && !text[i + name.len()..].starts_with(word)
            })
        };
        mentions(before) || !mentions(after)
    })
}

fn reraises(clause: Node) -> bool {
    let mut found = false;
    walk_scope(
        clause,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| found |= n.kind_str() == "raise_statement",
    );
    found
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let Some(body) = function.field("body") else {
        return;
    };
    // Cheap: most functions have no `except` at all.
    if !checker.text(body).contains("except") {
        return;
    }
    if routes::python_handler(checker.item, function, checker.source, checker.semantic).is_none() {
        return;
    }
    let mut clauses = Vec::new();
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            if n.kind_str() == "except_clause" {
                clauses.push(n);
            }
        },
    );
    for clause in clauses {
        let kind = caught(checker, clause);
        let broad = matches!(kind, None | Some("Exception" | "BaseException"));
        if !broad || reraises(clause) {
            continue;
        }
        let swallowed = ignores(clause, checker);
        let head_end = named_children(clause)
            .into_iter()
            .find(|c| c.kind_str() == "block")
            .map_or(clause.end_byte(), |b| b.start_byte());
        let head = clause.start_byte()..head_end;
        match (kind, swallowed) {
            (None, _) => {
                let colon = checker.source[head.clone()]
                    .rfind(':')
                    .map(|i| head.start + i);
                let f = checker.report_range(head.clone(), if swallowed {
                    "a bare `except:` in a request handler swallows every error (even `KeyboardInterrupt` and `SystemExit`) and the client gets a success; catch the specific exception and answer with an error status".to_owned()
                } else {
                    "a bare `except:` in a request handler catches everything, including `KeyboardInterrupt`, `SystemExit` and your own bugs; catch the specific exception (or at least `Exception`)".to_owned()
                });
                // `except:` → `except Exception:` keeps catching errors but lets the
                // interpreter's own signals through. A swallowed error stays swallowed, so
                // that case gets no fix: it needs a decision about the answer.
                if let Some(colon) = colon.filter(|_| !swallowed) {
                    f.with_fix(
                        "Catch `Exception` instead of everything",
                        Applicability::Unsafe,
                        vec![Edit {
                            range: colon..colon,
                            content: " Exception".to_owned(),
                        }],
                    );
                }
            }
            (Some(t), true) if !best_effort(checker, clause) => {
                checker.report_range(head, format!(
                    "`except {t}: pass` in a request handler swallows every error, so failures look like success to the client and leave no trace; log it and answer with an error status, or catch only the exception you expect"
                ));
            }
            _ => {}
        }
    }
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags request handlers whose errors are not handled:
- Express 4: an `async` route handler (`app.get("/x", async (req, res) => …)`) that awaits
  something and has neither a `try` block, a call of its `next` parameter, nor a `.catch(…)`.
  The Express major version is read from the nearest `package.json` (`dependencies.express`);
  Express 5 passes rejected promises to the error middleware itself, so nothing is reported
  there, nor when `express-async-errors` (or `@awaitjs/express`) is a dependency or imported.
  **Without a `package.json` (or without `express` in it) Express 4 is assumed.** Koa and
  Fastify handle rejected promises and are not judged. Handlers wrapped in a helper
  (`asyncHandler(async (req, res) => …)`) are not reported;
- Python route handlers (Flask, FastAPI, Django) with a bare `except:` (unless it re-raises), or
  `except Exception:`/`except BaseException:` whose body is only `pass`, `...` or `continue`,
  unless the attempt is one whose failure the handler plans for: a `try` inside an `except`
  block (reading details of an error being answered), one of a chain of attempts (`try` probe
  A, then `try` probe B), or a `try` that only computes a value and keeps the default set
  before it on failure (`try: name = unquote(name)` — no call made for its effect, such as
  `save(...)` or `db.commit()`), or a lone call releasing a resource on the way out
  (`await ws.close()`, `request.session.clear()`, `.shutdown()`, `.cancel()`).

## Why is this bad?
In Express 4 a rejected promise from an async handler never reaches the error middleware: the
client waits until its timeout, the process logs an unhandled rejection (or exits, with
`--unhandled-rejections=strict`, the default since Node 15). In Python, a handler that swallows
every exception answers "200 OK" for a failed write and hides the bug from logs and
monitoring; a bare `except:` also catches `KeyboardInterrupt` and `SystemExit`.

## Example
```javascript
app.get("/orders/:id", async (req, res) => {
  const order = await Order.findById(req.params.id);
  res.json(order);
});
```

```python
@app.post("/orders")
def create_order():
    try:
        save(request.json)
    except:
        pass
    return {"ok": True}
```

## Use instead
```javascript
app.get("/orders/:id", async (req, res, next) => {
  try {
    const order = await Order.findById(req.params.id);
    res.json(order);
  } catch (err) {
    next(err);
  }
});
```

```python
@app.post("/orders")
def create_order():
    try:
        save(request.json)
    except ValidationError as e:
        return {"error": str(e)}, 422
    return {"ok": True}, 201
```

## Fix
An unsafe fix turns a bare `except:` into `except Exception:` (it stops catching
`KeyboardInterrupt`, `SystemExit` and `GeneratorExit`).

## References
- [CWE-755: Improper Handling of Exceptional Conditions](https://cwe.mitre.org/data/definitions/755.html)
- [Express: error handling (async handlers in Express 4 and 5)](https://expressjs.com/en/guide/error-handling.html)
- [Python: handling exceptions](https://docs.python.org/3/tutorial/errors.html#handling-exceptions)
"#;
