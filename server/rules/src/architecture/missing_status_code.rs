//! ARC205 missing-status-code: FastAPI POST routes that create a resource and answer 200.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::performance::http_call_without_timeout::append_argument;
use crate::performance::{chain, is_db_name, receiver_name};
use crate::{Applicability, Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{routes, walk_scope};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "ARC205",
    name: "missing-status-code",
    category: Category::Architecture,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "A FastAPI POST route creates a resource but answers 200 OK; declare `status_code=201` so clients and the OpenAPI schema see that something was created.",
    docs: DOCS,
    fix: FixAvailability::Always,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/decorators.scm",
        query: include_str!("../../../../queries/python/decorators.scm"),
        run: check,
    }],
};

/// Path segments of routes that act rather than create (`POST /login`, `POST /search`).
const ACTIONS: &[&str] = &[
    "login",
    "logout",
    "signin",
    "token",
    "refresh",
    "search",
    "query",
    "verify",
    "validate",
    "preview",
    "calculate",
    "estimate",
    "export",
    "send",
    "notify",
    "webhook",
    "webhooks",
    "callback",
    "batch",
    "bulk",
    "graphql",
    "rpc",
    "reset",
    "confirm",
    "cancel",
    "cancellation",
    "import",
    "sync",
    "upload",
    "publish",
];

/// The call in a handler body that creates a row: `db.add(x)`, `session.add(x)`,
/// `Model.objects.create(…)`, `collection.insert_one(…)`, `execute(insert(…))`.
fn creation<'a>(checker: &Checker<'a>, function: Node<'a>) -> Option<Node<'a>> {
    let body = function.field("body")?;
    let mut found = None;
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            if found.is_some() || n.kind_str() != "call" {
                return;
            }
            let Some(func) = n.field("function").filter(|f| f.kind_str() == "attribute") else {
                return;
            };
            let method = checker.member_name(func).unwrap_or("");
            let receiver = receiver_name(checker, func);
            let (_, names) = chain(checker, n);
            let creates = (matches!(method, "add" | "add_all") && is_db_name(&receiver))
                || (method == "create" && names.contains(&"objects"))
                || matches!(method, "insert_one" | "insert_many")
                || (method == "execute"
                    && is_db_name(&receiver)
                    && n.field("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(|a| checker.text(a).starts_with("insert(")));
            if creates {
                found = Some(n);
            }
        },
    );
    found
}

/// Whether the handler returns something (the created resource), not only `None`.
fn returns_value(function: Node) -> bool {
    let Some(body) = function.field("body") else {
        return false;
    };
    let mut found = false;
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            found |= n.kind_str() == "return_statement"
                && n.named_child(0).is_some_and(|v| v.kind_str() != "none");
        },
    );
    found
}

fn check_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(decorator), Some(definition)) = (caps.get("decorator"), caps.get("definition"))
    else {
        return;
    };
    if definition.kind_str() != "function_definition"
        || !routes::imports_from(checker.semantic, &["fastapi"])
    {
        return;
    }
    let Some(route) = routes::python_decorator(decorator, checker.source, checker.semantic) else {
        return;
    };
    if route.framework != routes::Framework::FastApi || route.methods != ["POST"] {
        return;
    }
    let Some(call) = decorator.named_child(0).filter(|c| c.kind_str() == "call") else {
        return;
    };
    let Some(args_node) = call.field("arguments") else {
        return;
    };
    let args = checker.arguments(args_node);
    let src = checker.source;
    if args.keyword("status_code", src).is_some()
        || args.keyword("response_class", src).is_some()
        || args
            .keywords
            .iter()
            .any(|k| k.kind_str() == "dictionary_splat")
    {
        return;
    }
    let path = route.path.clone().unwrap_or_default();
    let acts = path.split('/').any(|seg| {
        let s = seg.to_ascii_lowercase();
        ACTIONS
            .iter()
            .any(|a| s == *a || s.ends_with(&format!("-{a}")) || s.ends_with(&format!("_{a}")))
    });
    if acts || !returns_value(definition) {
        return;
    }
    let Some(created) = creation(checker, definition) else {
        return;
    };
    let what = crate::security::callee(checker.text(created));
    checker
        .report(
            decorator,
            format!(
                "`POST {path}` creates a resource (`{what}`) but answers 200 OK; declare `status_code=201` (Created) so clients and the OpenAPI schema see it"
            ),
        )
        .with_fix(
            "Declare `status_code=201`",
            Applicability::Unsafe,
            vec![append_argument(args_node, "status_code=201")],
        );
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags FastAPI `POST` path operations that create a resource and return it, with no
`status_code=`: the handler adds a row (`db.add(…)`/`session.add(…)`,
`Model.objects.create(…)`, `collection.insert_one(…)`, `execute(insert(…))`) and returns a
value. Routes that act rather than create (`/login`, `/token`, `/search`, `/webhook`,
`/export`, …), that set `response_class=`, or that return nothing are not reported.

## Why is this bad?
FastAPI answers 200 OK unless told otherwise. `201 Created` is what HTTP says a successful
creation returns; clients, SDK generators and API gateways use it (generated clients type the
201 response, tests assert it, retries treat 200 and 201 differently), and the OpenAPI schema
documents only the status codes you declare.

## Example
```python
@router.post("/orders")
def create_order(payload: OrderIn, db: Session = Depends(get_db)) -> OrderOut:
    order = Order(**payload.model_dump())
    db.add(order)
    db.commit()
    return order
```

## Use instead
```python
@router.post("/orders", status_code=201)
def create_order(payload: OrderIn, db: Session = Depends(get_db)) -> OrderOut:
    order = Order(**payload.model_dump())
    db.add(order)
    db.commit()
    return order
```

## Fix
An unsafe fix adds `status_code=201` to the decorator (unsafe: clients that check for exactly
200 need updating).

## References
- [RFC 9110 §15.3.2: 201 Created](https://www.rfc-editor.org/rfc/rfc9110#name-201-created)
- [FastAPI: response status code](https://fastapi.tiangolo.com/tutorial/response-status-code/)
"#;
