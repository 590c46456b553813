//! ARC204 missing-response-model: FastAPI routes that declare nothing about their response.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::performance::unbounded_list_endpoint::python_returned;
use crate::performance::{chain, chain_ends, is_db_name};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{routes, walk_scope};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "ARC204",
    name: "missing-response-model",
    category: Category::Architecture,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "A FastAPI route has neither `response_model=` nor a return annotation, so its response is undocumented and unfiltered; annotate the return type (`-> UserOut`) or pass `response_model=`.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/decorators.scm",
        query: include_str!("../../../../queries/python/decorators.scm"),
        run: check,
    }],
};

/// Whether the function returns a `Response` object itself (`RedirectResponse(…)`,
/// `StreamingResponse(…)`, `Response(status_code=204)`), which bypasses the response model.
fn returns_response(checker: &Checker, function: Node) -> bool {
    let Some(body) = function.field("body") else {
        return false;
    };
    let mut found = false;
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            if found || n.kind_str() != "return_statement" {
                return;
            }
            let value = n.named_child(0);
            found = value.is_some_and(|v| {
                let callee = match v.kind_str() {
                    "call" => v.field("function"),
                    _ => None,
                };
                callee.is_some_and(|c| checker.text(c).ends_with("Response"))
                    || checker.text(v).ends_with("Response()")
            });
        },
    );
    found
}

fn check_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(decorator), Some(definition)) = (caps.get("decorator"), caps.get("definition"))
    else {
        return;
    };
    if definition.kind_str() != "function_definition" {
        return;
    }
    // FastAPI only: Flask and Starlette have no response models.
    if !checker
        .semantic
        .imports
        .values()
        .any(|q| q.starts_with("fastapi"))
    {
        return;
    }
    let Some(route) = routes::python_decorator(decorator, checker.source, checker.semantic) else {
        return;
    };
    if route.framework != routes::Framework::FastApi || route.methods.is_empty() {
        return;
    }
    if definition.field("return_type").is_some() {
        return;
    }
    let Some(call) = decorator.named_child(0).filter(|c| c.kind_str() == "call") else {
        return;
    };
    let Some(args) = call.field("arguments") else {
        return;
    };
    let args = checker.arguments(args);
    let src = checker.source;
    // Declared, or a response that is not JSON, or not in the schema at all.
    if args.keyword("response_model", src).is_some()
        || args.keyword("response_class", src).is_some()
        || args
            .keyword("include_in_schema", src)
            .is_some_and(|v| checker.text(v) == "False")
        || args
            .keyword("status_code", src)
            .is_some_and(|v| checker.text(v).contains("204"))
        || args
            .keywords
            .iter()
            .any(|k| k.kind_str() == "dictionary_splat")
    {
        return;
    }
    if returns_response(checker, definition) {
        return;
    }
    // What leaks without a model is a database object: judge the routes that return one.
    let Some(returned) = returned_row(checker, definition) else {
        return;
    };
    let name = definition
        .field("name")
        .map(|n| checker.text(n))
        .unwrap_or("handler");
    let method = route.methods.join("/");
    let path = route.path.clone().unwrap_or_default();
    checker.report(
        definition.field("name").unwrap_or(decorator),
        format!(
            "`{method} {path}` (`{name}`) returns a database object (`{}`) with neither `response_model=` nor a return annotation, so every column goes to the client and the OpenAPI schema does not describe the response; annotate the return type with a Pydantic model (`-> {}Out`) or pass `response_model=`",
            crate::security::callee(checker.text(returned)),
            model_hint(name)
        ),
    );
}

/// The first returned value (directly or through a local name) that comes from the database:
/// `db.get(User, id)`, `session.query(…).first()`, `db.scalars(…).all()`, `Model.objects.get(…)`.
fn returned_row<'a>(checker: &Checker<'a>, function: Node<'a>) -> Option<Node<'a>> {
    for value in python_returned(checker, function) {
        let mut ends = Vec::new();
        chain_ends(value, &mut ends);
        for (call, _) in ends {
            let (root, names) = chain(checker, call);
            let receiver = checker.text(root).rsplit('.').next().unwrap_or("");
            let first = names.first().copied().unwrap_or("");
            // `….scalar()`, `.count()`: a number, not a row.
            if matches!(
                names.last().copied(),
                Some("scalar" | "count" | "exists" | "rowcount")
            ) {
                continue;
            }
            let orm = names.iter().any(|n| {
                matches!(
                    *n,
                    "objects" | "query" | "scalars" | "scalar_one" | "scalar_one_or_none"
                )
            }) || (matches!(first, "get" | "execute" | "scalar" | "merge" | "refresh")
                && is_db_name(receiver));
            if orm {
                return Some(call);
            }
        }
    }
    None
}

/// `get_user` → `User`, `list_orders` → `Order`: a placeholder name for the suggestion.
fn model_hint(handler: &str) -> String {
    let noun = handler
        .split('_')
        .rfind(|w| {
            !matches!(
                *w,
                "get"
                    | "list"
                    | "read"
                    | "create"
                    | "update"
                    | "delete"
                    | "fetch"
                    | "all"
                    | "by"
                    | "id"
                    | "one"
                    | "new"
                    | "my"
            )
        })
        .unwrap_or("Item");
    let singular = noun
        .strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(noun);
    let mut chars = singular.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => "Item".to_owned(),
    }
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags FastAPI path operations (`@app.get`, `@router.post`, `@router.api_route`, …) that return
a database object (`db.get(User, id)`, `session.query(…).all()`, `db.scalars(…)`,
`Model.objects.get(…)`, directly or through a local variable) and have neither a
`response_model=` argument nor a return type annotation. Routes with `response_class=`,
`status_code=204`, `include_in_schema=False`, or that return a `…Response` object themselves
are not reported, nor routes that return plain dicts and values (their schema is a smaller
gap, and they cannot leak columns).

## Why is this bad?
The response model is FastAPI's contract for what an endpoint returns: it documents the
response in the OpenAPI schema (and so in generated clients), validates it, and, most
importantly, filters it. Without one, returning an ORM object or a dict sends every field it
has, including the ones you did not mean to expose (`hashed_password`, internal flags), and
adding a column to a table silently changes the API.

## Example
```python
@router.get("/users/{user_id}")
def get_user(user_id: int, db: Session = Depends(get_db)):
    return db.get(User, user_id)
```

## Use instead
```python
class UserOut(BaseModel):
    id: int
    email: str

@router.get("/users/{user_id}")
def get_user(user_id: int, db: Session = Depends(get_db)) -> UserOut:
    return db.get(User, user_id)
```

## References
- [FastAPI: response model, return type](https://fastapi.tiangolo.com/tutorial/response-model/)
- [OWASP API3:2023 Broken Object Property Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/)
"#;
