//! SEC305 mass-assignment: request data used wholesale as model fields.

use tree_sitter::Node;

use crate::analysis::{named_children, Arguments, Sink};
use crate::rules::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use crate::syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC305",
    name: "mass-assignment",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[915],
    owasp: Some("A08:2021 Software and Data Integrity Failures"),
    summary: "Request data is applied to a model field by field without an allow-list; copy only the fields clients may set (a form, serializer or schema).",
    docs: DOCS,
    fix: FixAvailability::None,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

/// ORM methods that take field values (or lookups) as keyword arguments.
const ORM_METHODS: &[&str] = &[
    "create",
    "update",
    "get_or_create",
    "update_or_create",
    "filter",
    "filter_by",
    "exclude",
    "get",
    "insert",
    "values",
    "set",
];

/// Whether `func` constructs a model (a class name) or calls an ORM method.
fn takes_fields(checker: &Checker, func: Node) -> bool {
    let last = match func.kind() {
        "identifier" => checker.text(func),
        "attribute" => func
            .child_by_field_name("attribute")
            .map(|a| checker.text(a))
            .unwrap_or(""),
        _ => return false,
    };
    let is_class = last.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && last.chars().any(|c| c.is_ascii_lowercase());
    if is_class {
        // Framework response and helper classes take keyword options, not model fields.
        return !matches!(
            last,
            "Response" | "JsonResponse" | "HttpResponse" | "JSONResponse" | "Markup" | "Template"
        );
    }
    func.kind() == "attribute" && ORM_METHODS.contains(&last)
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let text = checker.text(func);
    // `setattr(obj, key, value)` with a client-chosen attribute name.
    if text == "setattr" {
        let arguments = Arguments::of(args);
        let Some(key) = arguments.positional.get(1).copied() else {
            return;
        };
        if let Some(taint) = checker.taint(key, Sink::MassAssign).filter(|t| t.user) {
            let from = checker.describe(&taint);
            checker
                .report(func, format!("`setattr` sets an attribute whose name comes from {from}; clients can set any field (`is_admin`, `password_hash`): check the name against an allow-list of editable fields"))
                .with_taint(&taint);
        }
        return;
    }
    // `obj.__dict__.update(data)`
    if text.ends_with("__dict__.update") {
        if let Some(data) = Arguments::of(args).positional.first().copied() {
            if let Some(taint) = checker.taint(data, Sink::MassAssign).filter(|t| t.user) {
                let from = checker.describe(&taint);
                checker
                    .report(func, format!("`__dict__.update` copies every key of {from} onto the object; copy only the fields clients may edit"))
                    .with_taint(&taint);
            }
        }
        return;
    }
    if !takes_fields(checker, func) {
        return;
    }
    for splat in named_children(args)
        .into_iter()
        .filter(|a| a.kind() == "dictionary_splat")
    {
        // `**{field: value}` fixes the keys in code: only the keys matter here.
        let keys = splat
            .named_child(0)
            .filter(|d| d.kind() == "dictionary")
            .map(|d| {
                named_children(d)
                    .into_iter()
                    .filter_map(|p| match p.kind() {
                        "pair" => p.child_by_field_name("key"),
                        _ => Some(p),
                    })
                    .collect::<Vec<_>>()
            });
        let taint = match keys {
            Some(keys) => keys
                .into_iter()
                .find_map(|k| checker.taint(k, Sink::MassAssign).filter(|t| t.user)),
            None => checker.taint(splat, Sink::MassAssign).filter(|t| t.user),
        };
        let Some(taint) = taint else {
            continue;
        };
        let from = checker.describe(&taint);
        let callee = super::callee(text);
        checker
            .report(splat, format!("`{callee}(**…)` takes every key of {from} as a field; a client can set fields you did not mean to expose (`is_admin=true`): validate with a form, serializer or schema and pass only its fields"))
            .with_taint(&taint);
        return;
    }
}

const DOCS: &str = r#"## What it does
Flags request data applied to models wholesale: `Model(**request.json)`,
`User.objects.create(**request.POST.dict())`, `Model.objects.filter(**request.GET.dict())`,
`setattr(obj, key, value)` with a client-chosen `key`, and `obj.__dict__.update(data)`.
Data that went through a schema (`payload.model_dump()`, `form.cleaned_data`,
`serializer.validated_data`) or keys checked against an allow-list are not reported.

## Why is this bad?
Clients can send fields the form never showed: `{"name": "x", "is_admin": true}` makes
themselves administrators, changes another user's `owner_id`, or, in `filter(**…)`, probes
hidden columns with lookups like `password__startswith`.

## Example
```python
@app.post("/users")
def create_user():
    user = User(**request.get_json())
    db.session.add(user)
```

## Use instead
```python
EDITABLE = {"name", "email"}

@app.post("/users")
def create_user():
    data = request.get_json()
    user = User(**{k: v for k, v in data.items() if k in EDITABLE})
    db.session.add(user)
```

## References
- [CWE-915: Improperly Controlled Modification of Dynamically-Determined Object Attributes](https://cwe.mitre.org/data/definitions/915.html)
- [OWASP A08:2021 Software and Data Integrity Failures](https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/)
- [OWASP Mass Assignment Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html)
"#;
