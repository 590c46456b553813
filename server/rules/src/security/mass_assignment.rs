//! SEC305 mass-assignment: request data used wholesale as model fields.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::template_injection::whole_request_object;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::taint::Taint;
use ba_analysis::{named_children, Lookup, Sink};
use ba_syntax::Family;

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
    classes: crate::classes::RUNTIME,
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
        Check {
            family: Family::Python,
            query_path: "python/classes.scm",
            query: include_str!("../../../../queries/python/classes.scm"),
            run: check_serializer,
        },
        // `sink = "massassign"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::MassAssign as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::MassAssign as u8 }>,
        },
    ],
};

/// Words in a serializer's name that say it only renders (a list, a detail view, a public
/// summary): clients never write through it.
const READ_ONLY_NAMES: &[&str] = &[
    "List", "Read", "Detail", "Public", "Summary", "Output", "Response", "Display", "Export",
    "Nested", "Brief", "Minimal", "Short", "Compact", "Preview",
];

/// A DRF `ModelSerializer` whose `Meta` exposes every model field (`fields = "__all__"`) or
/// every field but a few (`exclude = […]`) with no `read_only_fields`: every field a model gains
/// later (`is_staff`, `owner`, `balance`) becomes writable by clients.
fn check_serializer<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(bases), Some(body), Some(class)) =
        (caps.get("bases"), caps.get("body"), caps.get("class"))
    else {
        return;
    };
    let bases_text = checker.text(bases);
    if !bases_text.contains("ModelSerializer") {
        return;
    }
    let name = class.field("name").map(|n| checker.text(n)).unwrap_or("");
    if READ_ONLY_NAMES.iter().any(|w| name.contains(w)) {
        return;
    }
    let Some(meta) = named_children(body).into_iter().find(|c| {
        c.kind_str() == "class_definition"
            && c.field("name").is_some_and(|n| checker.text(n) == "Meta")
    }) else {
        return;
    };
    let Some(meta_body) = meta.field("body") else {
        return;
    };
    let mut every = None;
    let mut read_only = false;
    for stmt in named_children(meta_body) {
        let Some(assignment) = stmt
            .named_child(0)
            .filter(|a| stmt.kind_str() == "expression_statement" && a.kind_str() == "assignment")
        else {
            continue;
        };
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
        else {
            continue;
        };
        match checker.text(left) {
            "fields"
                if checker.string_value(right) == Some("__all__")
                    || checker.text(right).ends_with("ALL_FIELDS") =>
            {
                every = Some((assignment, "`fields = \"__all__\"`"));
            }
            "exclude" => every = Some((assignment, "`exclude`")),
            "read_only_fields" => read_only = true,
            _ => {}
        }
    }
    // A serializer that declares its writable fields read-only otherwise (every field
    // `read_only=True` on the class) is rare; `read_only_fields` is the usual answer.
    let Some((assignment, how)) = every.filter(|_| !read_only) else {
        return;
    };
    checker.report(
        assignment,
        format!(
            "`{name}` exposes every model field with {how} and marks none read-only: clients can write any field the model has or gains later (`is_staff`, `owner`, `price`) through it; list the writable fields in `fields` (and the rest in `read_only_fields`)"
        ),
    );
}

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
fn takes_fields<'a>(checker: &Checker<'a>, func: Node<'a>) -> bool {
    let last = match func.kind_str() {
        "identifier" => checker.text(func),
        "attribute" => func
            .field("attribute")
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
        ) && !is_schema_class(checker, func, last);
    }
    // `self.get(request, *self.args, **self.kwargs)` in a class-based view re-renders the
    // view through its own handler; `super().create(**data)` is the parent class's method.
    // Neither is an ORM manager or query.
    let own_method = func.field("object").is_some_and(|o| {
        matches!(checker.text(o), "self" | "cls")
            || (o.kind_str() == "call"
                && o.field("function")
                    .is_some_and(|f| checker.text(f) == "super"))
    });
    func.kind_str() == "attribute" && !own_method && ORM_METHODS.contains(&last)
}

/// Suffixes of request-schema class names (`ChatCompletionForm`, `UserCreate`, `ItemIn`):
/// building one from request data validates it against declared fields, it does not write a
/// model.
const SCHEMA_SUFFIXES: &[&str] = &[
    "Form", "Schema", "Request", "Payload", "Params", "Body", "Input", "In", "Dto", "DTO", "Args",
    "Options", "Query", "Valves", "Create", "Update", "Patch", "Filter", "Command",
];

/// Bases and decorators of classes that validate declared fields instead of persisting them.
const SCHEMA_BASES: &[&str] = &[
    "BaseModel",
    "BaseSettings",
    "RootModel",
    "Schema",
    "TypedDict",
    "NamedTuple",
    "Struct",
    "Serializer",
    "ModelSerializer",
    "Form",
    "ModelForm",
];

/// Whether the class `name` that `func` calls is a request schema (Pydantic model, dataclass,
/// form, serializer) by its name, its definition in this file, or the module it comes from.
fn is_schema_class<'a>(checker: &Checker<'a>, func: Node<'a>, name: &str) -> bool {
    if SCHEMA_SUFFIXES
        .iter()
        .any(|s| name.len() > s.len() && name.ends_with(s))
    {
        return true;
    }
    if let Some(imported) = checker.resolve(func) {
        let module = imported.rsplit_once('.').map(|(m, _)| m).unwrap_or("");
        if module.split('.').any(|part| {
            matches!(
                part,
                "schemas" | "schema" | "forms" | "serializers" | "dto" | "dtos"
            )
        }) {
            return true;
        }
    }
    let root = {
        let mut node = func;
        while let Some(parent) = node.parent() {
            node = parent;
        }
        node
    };
    named_children(root).into_iter().any(|item| {
        let (class, decorators) = match item.kind_str() {
            "class_definition" => (item, Vec::new()),
            "decorated_definition" => match item.field("definition") {
                Some(def) if def.kind_str() == "class_definition" => (
                    def,
                    named_children(item)
                        .into_iter()
                        .filter(|d| d.kind_str() == "decorator")
                        .collect(),
                ),
                _ => return false,
            },
            _ => return false,
        };
        if class.field("name").map(|n| checker.text(n)) != Some(name) {
            return false;
        }
        let dataclass = decorators
            .iter()
            .any(|d| checker.text(*d).contains("dataclass"));
        let bases = class
            .field("superclasses")
            .map(|b| checker.text(b))
            .unwrap_or("");
        dataclass
            || bases
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|b| SCHEMA_BASES.contains(&b))
    })
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let text = checker.text(func);
    // `setattr(obj, key, value)` with a client-chosen attribute name.
    if text == "setattr" {
        let arguments = checker.arguments(args);
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
        if let Some(data) = checker.arguments(args).positional.clone().first().copied() {
            if let Some(taint) = checker.taint(data, Sink::MassAssign).filter(|t| t.user) {
                let from = checker.describe(&taint);
                checker
                    .report(func, format!("`__dict__.update` copies every key of {from} onto the object; copy only the fields clients may edit"))
                    .with_taint(&taint);
            }
        }
        return;
    }
    // Only a `**splat` argument hands over client-chosen keys; asking whether the callee takes
    // fields first would read the module's classes for every capitalised call.
    if !checker.text(args).contains("**") || !takes_fields(checker, func) {
        return;
    }
    for splat in named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() == "dictionary_splat")
    {
        // `**{field: value}` fixes the keys in code: only the keys matter here.
        let keys = splat.named_child(0).and_then(|d| match d.kind_str() {
            "dictionary" => Some(dictionary_keys(d)),
            "identifier" => bound_dictionary_keys(checker, d),
            _ => None,
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

/// The keys of a dictionary display (`{f"{col}__lt": after}` → the f-string; a `**spread`
/// entry counts as a key source too).
fn dictionary_keys(d: Node<'_>) -> Vec<Node<'_>> {
    named_children(d)
        .into_iter()
        .filter_map(|p| match p.kind_str() {
            "pair" => p.field("key"),
            _ => Some(p),
        })
        .collect()
}

/// `filter_kwarg = {f"{col_name}__lt": after}` … `queryset.filter(**filter_kwarg)`: when every
/// assignment to the name in the item is a dictionary display and the item does not update it
/// by method, the keys are those displays' keys and the keys it stores by subscript.
fn bound_dictionary_keys<'a>(checker: &Checker<'a>, name: Node<'a>) -> Option<Vec<Node<'a>>> {
    let wanted = checker.text(name);
    let mut keys = Vec::new();
    let mut found = false;
    let mut stack = vec![checker.item];
    while let Some(n) = stack.pop() {
        match n.kind_str() {
            "assignment" | "augmented_assignment" => {
                let left = n.field("left");
                if left.is_some_and(|l| checker.text(l) == wanted) {
                    let right = n.field("right")?;
                    if n.kind_str() != "assignment" || right.kind_str() != "dictionary" {
                        return None;
                    }
                    found = true;
                    keys.extend(dictionary_keys(right));
                } else if let Some(l) = left.filter(|l| {
                    l.kind_str() == "subscript"
                        && l.field("value").is_some_and(|v| checker.text(v) == wanted)
                }) {
                    // `lookups[key] = value`: one more key.
                    keys.push(l.field("subscript")?);
                }
            }
            // `kwargs.update(request.GET)`, `kwargs.setdefault(key, …)`.
            "call"
                if n.field("function").is_some_and(|f| {
                    f.kind_str() == "attribute"
                        && f.field("object").is_some_and(|o| checker.text(o) == wanted)
                }) =>
            {
                return None;
            }
            _ => {}
        }
        stack.extend(named_children(n));
    }
    found.then_some(keys)
}

/// ORM and driver methods (Mongoose, Sequelize, TypeORM, Prisma, MongoDB, Knex) that write
/// field values, and the positions of their value arguments.
const JS_WRITES: &[(&str, &[usize])] = &[
    ("create", &[0]),
    ("build", &[0]),
    ("bulkCreate", &[0]),
    ("insertMany", &[0]),
    ("insertOne", &[0]),
    ("insert", &[0]),
    ("save", &[0]),
    ("upsert", &[0]),
    ("set", &[0]),
    ("update", &[0, 1]),
    ("updateOne", &[1]),
    ("updateMany", &[1]),
    ("replaceOne", &[1]),
    ("findOneAndUpdate", &[1]),
    ("findByIdAndUpdate", &[1]),
    ("findOneAndReplace", &[1]),
    ("merge", &[1]),
];

/// Keys of an options object whose value is the record (Prisma's `data`, `create`, `update`;
/// MongoDB's `$set`).
const JS_DATA_KEYS: &[&str] = &["data", "create", "update", "$set", "$setOnInsert"];

/// Receivers whose `set`/`update`/`create` are not model writes.
const JS_NOT_MODELS: &[&str] = &[
    "res",
    "response",
    "reply",
    "req",
    "request",
    "ctx",
    "app",
    "router",
    "headers",
    "cache",
    "map",
    "params",
    "searchParams",
    "url",
    "crypto",
    "hash",
    "hmac",
    "Object",
    "Reflect",
];

/// Constructors that are not models.
const JS_NOT_MODEL_CLASSES: &[&str] = &[
    "Error",
    "TypeError",
    "URL",
    "URLSearchParams",
    "Date",
    "Map",
    "Set",
    "Buffer",
    "Promise",
    "Headers",
    "Response",
    "Request",
    "RegExp",
    "Array",
    "Object",
    "Proxy",
    "Blob",
    "FormData",
];

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let is_new = caps
        .get("call")
        .is_some_and(|c| c.kind_str() == "new_expression");
    if is_new {
        check_constructor(checker, func, &args);
        return;
    }
    if func.kind_str() != "member_expression" {
        return;
    }
    let (Some(object), Some(property)) = (func.field("object"), func.field("property")) else {
        return;
    };
    let method = checker.text(property);
    if method == "assign"
        && checker
            .resolve_callee(func, &["global.Object.assign"])
            .is_some()
    {
        // `Object.assign({}, req.body)` only copies; the target is what matters.
        let Some(target) = args.first().copied() else {
            return;
        };
        if target.kind_str() == "object" && named_children(target).is_empty() {
            return;
        }
        if let Some(taint) = args
            .iter()
            .skip(1)
            .find_map(|a| whole_request_object(checker, *a))
        {
            let from = checker.describe(&taint);
            let shown = super::callee(checker.text(target));
            checker
                .report(func, format!("`Object.assign` copies every key of {from} onto `{shown}`; a client can set fields you did not mean to expose (`role`, `isAdmin`, `ownerId`): copy only the fields clients may edit"))
                .with_taint(&taint);
        }
        return;
    }
    let Some(&(_, positions)) = JS_WRITES.iter().find(|(m, _)| *m == method) else {
        return;
    };
    let receiver = match object.kind_str() {
        "member_expression" => object
            .field("property")
            .map(|p| checker.text(p))
            .unwrap_or(""),
        _ => checker.text(object),
    };
    // Hashes, HMACs, ciphers and signers have an `update(data)` too.
    let chain = checker.text(object).to_ascii_lowercase();
    if ["hash", "hmac", "cipher", "sign", "verify", "digest"]
        .iter()
        .any(|w| chain.contains(w))
    {
        return;
    }
    if JS_NOT_MODELS.contains(&receiver) || object.kind_str() == "this" {
        return;
    }
    // A service of the application (`this.invoices.update(id, dto)` with `invoices:
    // InvoicesService` injected): what it writes is judged in the service itself.
    let injected = checker
        .text(object)
        .strip_prefix("this.")
        .and_then(|field| super::missing_object_authorization::injected_type(checker, func, field));
    if receiver.to_ascii_lowercase().contains("service")
        || injected.is_some_and(|t| t.ends_with("Service"))
    {
        return;
    }
    // A library function (`fs.promises.writeFile`, `crypto.createHash`) is not a model.
    if checker
        .resolve(func)
        .is_some_and(|q| !q.starts_with('.') && !q.starts_with('@') && !q.contains('/'))
    {
        return;
    }
    for &index in positions {
        let Some(arg) = args.get(index).copied() else {
            continue;
        };
        if let Some(taint) = record_from_request(checker, arg, 0) {
            // `Object.assign(invoice, dto); repo.save(invoice)`: one finding, at the copy.
            if arg.kind_str() == "identifier" && copied_onto(checker, func, checker.text(arg)) {
                return;
            }
            let from = checker.describe(&taint);
            checker
                .report(arg, format!("`{method}` writes every field of {from}; a client can set fields you did not mean to expose (`role`, `isAdmin`, `ownerId`): pick the editable fields (`const {{ name, email }} = req.body`) or validate with a schema that strips unknown keys"))
                .with_taint(&taint);
            return;
        }
    }
}

/// Whether this rule already reported, in the function around `node`, an `Object.assign` onto
/// `target` (`Object.assign(invoice, dto); repo.save(invoice)`).
fn copied_onto(checker: &Checker, node: Node, target: &str) -> bool {
    let Some(function) = ba_analysis::ancestors(checker.item, node)
        .into_iter()
        .rev()
        .find(|a| ba_analysis::routes::is_js_function(a.kind_str()))
    else {
        return false;
    };
    let range = function.byte_range();
    let copy = format!("assign({target},");
    checker.findings().iter().any(|f| {
        f.rule.code == RULE.code
            && range.start <= f.range.start
            && f.range.end <= range.end
            && checker.source[f.range.start..]
                .split('\n')
                .next()
                .is_some_and(|line| line.replace(' ', "").contains(&copy))
    })
}

/// `new User(req.body)`: a model built from the whole request.
fn check_constructor<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: &[Node<'a>]) {
    if func.kind_str() != "identifier" {
        return;
    }
    let class = checker.text(func);
    let capitalised = class.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && class.chars().any(|c| c.is_ascii_lowercase());
    if !capitalised || JS_NOT_MODEL_CLASSES.contains(&class) {
        return;
    }
    // Models are defined in the file (`mongoose.model(…)`, a class) or imported from the
    // project's own modules; a library's class takes options, not fields.
    let own = match checker.lookup(func) {
        Lookup::Unbound => false,
        Lookup::Import(q) => q.starts_with('.') || q.starts_with('@') || q.contains('/'),
        _ => checker
            .resolve(func)
            .is_none_or(|q| q.starts_with('.') || q.starts_with('@') || q.contains('/')),
    };
    if !own {
        return;
    }
    let Some(arg) = args.first().copied() else {
        return;
    };
    if let Some(taint) = record_from_request(checker, arg, 0) {
        let from = checker.describe(&taint);
        checker
            .report(arg, format!("`new {class}(…)` takes every field of {from}; a client can set fields you did not mean to expose (`role`, `isAdmin`, `ownerId`): pick the editable fields or validate with a schema that strips unknown keys"))
            .with_taint(&taint);
    }
}

/// The taint of a record argument that carries a whole request object: the object itself, a
/// spread of it, or the `data`/`$set` of an options object.
fn record_from_request<'a>(checker: &Checker<'a>, arg: Node<'a>, depth: u32) -> Option<Taint> {
    if depth > 3 {
        return None;
    }
    let arg = match arg.kind_str() {
        "await_expression" | "parenthesized_expression" | "as_expression" => {
            return arg
                .named_child(0)
                .and_then(|a| record_from_request(checker, a, depth + 1))
        }
        _ => arg,
    };
    if arg.kind_str() != "object" {
        return whole_request_object(checker, arg);
    }
    for part in named_children(arg) {
        match part.kind_str() {
            "spread_element" => {
                if let Some(t) = whole_request_object(checker, part) {
                    return Some(t);
                }
            }
            "pair" => {
                let key = part
                    .field("key")
                    .map(|k| checker.text(k).trim_matches(['"', '\'']))
                    .unwrap_or("");
                if JS_DATA_KEYS.contains(&key) {
                    if let Some(t) = part
                        .field("value")
                        .and_then(|v| record_from_request(checker, v, depth + 1))
                    {
                        return Some(t);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

const DOCS: &str = r#"## What it does
Flags request data applied to models wholesale: `Model(**request.json)`,
`User.objects.create(**request.POST.dict())`, `Model.objects.filter(**request.GET.dict())`,
`setattr(obj, key, value)` with a client-chosen `key`, and `obj.__dict__.update(data)` (a call
of the class's own method, `self.get(request, **self.kwargs)` or `super().create(**data)`, is no
ORM call); and
Django REST framework `ModelSerializer`s whose `Meta` exposes every field (`fields =
"__all__"` or `exclude = […]`) without `read_only_fields` (serializers named for reading only,
`…ListSerializer`, `…DetailSerializer`, `…PublicSerializer`, are left alone).
Data that went through a schema (`payload.model_dump()`, `form.cleaned_data`,
`serializer.validated_data`) or keys checked against an allow-list are not reported, nor is
building a request schema from the data (`ChatCompletionForm(**data)`: a Pydantic model,
dataclass, form or serializer defined in the file, imported from a `schemas`/`forms`/
`serializers` module, or named like one, `…Form`, `…Schema`, `…In`, `…Create`), which validates
it against declared fields instead of writing a model. Only the keys matter: a dictionary whose
keys the code writes (`{f"{col}__lt": after}`, directly or through a name bound only to such
displays) is not reported whatever its values, while a key stored from request data
(`lookups[request.GET["field"]] = …`) is.

In JavaScript and TypeScript: Mongoose, Sequelize, TypeORM, Prisma, MongoDB and Knex writes fed
a whole request object (`req.body`, `req.query`, `ctx.request.body`, or a spread of one):
`Model.create(req.body)`, `new Model(req.body)`, `Model.findByIdAndUpdate(id, req.body)`,
`updateOne(filter, { $set: req.body })`, `Model.update(req.body, …)`,
`prisma.user.create({ data: req.body })`, `repo.save({ ...req.body })`, and
`Object.assign(user, req.body)`. Picked fields (`const { name, email } = req.body`),
`_.pick(req.body, […])` and schema results (`schema.parse(req.body)`,
`await schema.validateAsync(req.body)`) are not reported, and neither are NestJS `@Body()`
DTOs, which `ValidationPipe({ whitelist: true })` strips of unknown fields.

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
```javascript
app.put("/users/:id", async (req, res) => {
  const user = await User.findByIdAndUpdate(req.params.id, req.body, { new: true });
  res.json(user);
});
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
```javascript
const UserUpdate = z.object({ name: z.string(), email: z.string().email() });

app.put("/users/:id", async (req, res) => {
  const update = UserUpdate.parse(req.body);
  const user = await User.findByIdAndUpdate(req.params.id, update, { new: true });
  res.json(user);
});
```

## References
- [CWE-915: Improperly Controlled Modification of Dynamically-Determined Object Attributes](https://cwe.mitre.org/data/definitions/915.html)
- [OWASP A08:2021 Software and Data Integrity Failures](https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/)
- [OWASP Mass Assignment Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html)
- [Mongoose `strict` mode and schema fields](https://mongoosejs.com/docs/guide.html#strict)
"#;
