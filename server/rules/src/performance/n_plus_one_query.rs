//! PERF202 n-plus-one-query: one query per row of an earlier query.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{chain, is_db_name, js_query_call, js_rows, local_value, python_rows, Orm};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, string_value};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF202",
    name: "n-plus-one-query",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[1073],
    owasp: None,
    summary: "A query runs once per row of an earlier query (N+1 queries); load the related rows together (`select_related`/`prefetch_related`, `selectinload`, `populate`/`include`, or one `IN (…)` query).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/loops.scm",
            query: include_str!("../../../../queries/python/loops.scm"),
            run: check_python,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/loops.scm",
            query: include_str!("../../../../queries/javascript/loops.scm"),
            run: check_javascript,
        },
    ],
};

/// Related-manager methods that run a query (`book.tags.all()`).
const MANAGER_QUERIES: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "count",
    "exists",
    "first",
    "last",
    "get",
    "values",
    "values_list",
    "order_by",
    "aggregate",
];

/// Attribute names that are rarely relations: dates, files, plain data.
const NOT_RELATIONS: &[&str] = &[
    "pk",
    "id",
    "_meta",
    "_state",
    "__class__",
    "__dict__",
    "date",
    "time",
    "created",
    "updated",
    "modified",
    "timestamp",
    "data",
    "json",
    "metadata",
    "meta",
    "extra",
    "config",
    "settings",
    "payload",
    "status",
    "state",
    "price",
    "amount",
    "total",
    "name",
    "title",
    "email",
    "text",
    "body",
    "description",
    "content",
    "slug",
    "url",
    "path",
    "file",
    "image",
    "photo",
    "avatar",
    "picture",
    "thumbnail",
    "document",
    "attachment",
    "uuid",
    "objects",
    "value",
    "values",
    "attrs",
    "options",
    "info",
    "location",
    "point",
    "geometry",
];

/// Attributes of values (durations, dates, numbers) rather than of related rows:
/// `job.timeout.seconds` reads a `DurationField`, not a relation.
const VALUE_ATTRIBUTES: &[&str] = &[
    "seconds",
    "days",
    "microseconds",
    "total_seconds",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "weekday",
    "isoweekday",
    "isoformat",
    "strftime",
    "timestamp",
    "date",
    "time",
    "tzinfo",
    "quantize",
    "real",
    "imag",
    "hex",
    "bit_length",
    "lower",
    "upper",
    "strip",
    "split",
];

/// Whether the file declares `name` as a model field that holds a value (`timeout =
/// models.DurationField()`, `price = Column(Numeric)`), not a relation.
fn declared_as_value(source: &str, name: &str) -> bool {
    let mut rest = source;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + name.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let Some(value) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let value = value.split('\n').next().unwrap_or(value);
        let field = value.split('(').next().unwrap_or("");
        let last = field.rsplit('.').next().unwrap_or(field);
        if value.starts_with("models.") || last.ends_with("Field") || last == "Column" {
            return !matches!(
                last,
                "ForeignKey" | "OneToOneField" | "ManyToManyField" | "ParentalKey"
            ) && !value.contains("ForeignKey(");
        }
    }
    false
}

fn is_relation_name(name: &str) -> bool {
    !NOT_RELATIONS.contains(&name)
        && !name.starts_with('_')
        && ![
            "_at", "_on", "_date", "_time", "_id", "_json", "_data", "_file", "_image", "_url",
            "_count", "_set", "_list", "_dict",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
}

/// The rows a loop iterates over: the iterable itself, or the one local value of a name.
fn python_source<'a>(checker: &Checker<'a>, iter: Node<'a>) -> Option<(Orm, Node<'a>)> {
    let expr = match iter.kind_str() {
        "identifier" => local_value(checker, iter)?,
        _ => iter,
    };
    // `for b in qs[:20]`: the rows of the sliced queryset.
    let query = match expr.kind_str() {
        "subscript" => expr.field("value")?,
        _ => expr,
    };
    python_rows(checker, query).map(|orm| (orm, query))
}

/// The names a loop target binds (`b`, `(i, b)`).
fn target_names<'a>(checker: &Checker<'a>, target: Node<'a>) -> Vec<&'a str> {
    match target.kind_str() {
        "identifier" => vec![checker.text(target)],
        "pattern_list" | "tuple_pattern" => named_children(target)
            .into_iter()
            .filter(|c| c.kind_str() == "identifier")
            .map(|c| checker.text(c))
            .collect(),
        _ => Vec::new(),
    }
}

/// `authenticator.data.get("seed")`: a `get` with a string literal first argument reads a dict
/// (a JSON field), since a manager's `get` takes lookups by keyword (or a `Q` object).
fn dict_lookup<'a>(checker: &Checker<'a>, call: Node<'a>, method: &str) -> bool {
    method == "get"
        && call
            .field("arguments")
            .and_then(|a| {
                named_children(a)
                    .into_iter()
                    .find(|c| c.kind_str() != "comment")
            })
            .is_some_and(|first| {
                matches!(first.kind_str(), "string" | "concatenated_string")
                    && checker.text(first).len() < 200
            })
}

/// What `call` (inside a loop over rows bound to `vars`) queries, if it is a query.
fn python_query<'a>(checker: &Checker<'a>, call: Node<'a>, vars: &[&str]) -> Option<String> {
    let func = call.field("function")?;
    if func.kind_str() != "attribute" {
        return None;
    }
    let (root, names) = chain(checker, call);
    let last = *names.last()?;
    let root_text = checker.text(root);
    let short = crate::security::callee(checker.text(call));
    if names.contains(&"objects") {
        return Some(format!("`{short}`"));
    }
    // `book.tags.all()`: a related manager of the row.
    if root.kind_str() == "identifier"
        && vars.contains(&root_text)
        && names.len() >= 2
        && MANAGER_QUERIES.contains(&last)
        && !dict_lookup(checker, call, last)
    {
        return Some(format!("`{short}` (a related manager)"));
    }
    // `User.query.get(id)` (Flask-SQLAlchemy), `session.query(…)…`, `session.get(…)`,
    // `cursor.execute(…)`.
    let first = *names.first()?;
    let receiver = root_text.rsplit('.').next().unwrap_or("");
    let session = matches!(
        first,
        "query" | "execute" | "scalars" | "scalar" | "get" | "exec"
    ) && is_db_name(receiver)
        && (first != "get" || receiver.to_ascii_lowercase().contains("session"));
    let model_query = first == "query"
        && names.len() >= 2
        && root_text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase());
    if session || model_query {
        return Some(format!("`{short}`"));
    }
    None
}

/// Django: `select_related(...)`/`prefetch_related(...)` arguments on the queryset chain
/// (`None` inside: `select_related()` with no arguments follows every FK).
fn prefetched<'a>(checker: &Checker<'a>, query: Node<'a>) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut current = query;
    while current.kind_str() == "call" {
        let Some(func) = current.field("function") else {
            break;
        };
        if func.kind_str() != "attribute" {
            break;
        }
        let method = checker.member_name(func).unwrap_or("");
        if matches!(method, "select_related" | "prefetch_related" | "options") {
            let args: Vec<Node> = current
                .field("arguments")
                .map(named_children)
                .unwrap_or_default();
            if args.is_empty() || method == "options" {
                out.push(None);
            }
            for a in args {
                match string_value(checker.language, a, checker.source) {
                    Some(s) => out.push(Some(s.split("__").next().unwrap_or(s).to_owned())),
                    // `Prefetch("tags", …)`, `joinedload(User.x)`: look at its text.
                    None => out.push(Some(checker.text(a).to_owned())),
                }
            }
        }
        match func.field("object") {
            Some(o) => current = o,
            None => break,
        }
    }
    out
}

fn covered(prefetch: &[Option<String>], relation: &str) -> bool {
    prefetch.iter().any(|p| match p {
        None => true,
        Some(p) => {
            p == relation
                || p.contains(&format!("\"{relation}\""))
                || p.contains(&format!(".{relation}"))
        }
    })
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(iter), Some(body), Some(target)) =
        (caps.get("iter"), caps.get("body"), caps.get("target"))
    else {
        return;
    };
    let Some((orm, query)) = python_source(checker, iter) else {
        return;
    };
    let vars = target_names(checker, target);
    let (_, chain_names) = chain(checker, query);
    let rows_are_dicts = chain_names
        .iter()
        .any(|n| matches!(*n, "values" | "values_list"));
    let query_text = crate::security::callee(checker.text(query));
    let prefetch = prefetched(checker, query);
    let mut reported_relations: Vec<&str> = Vec::new();
    let mut stack = vec![body];
    let mut cursor = body.walk();
    let mut found: Vec<(Node<'a>, String, Option<&'a str>)> = Vec::new();
    while let Some(n) = stack.pop() {
        if matches!(n.kind_str(), "function_definition" | "class_definition") {
            continue;
        }
        match n.kind_str() {
            "call" => {
                if let Some(what) = python_query(checker, n, &vars) {
                    // `review.scores.all()` over `….prefetch_related("scores")` reads the
                    // prefetched rows: no query per row.
                    let prefetched_manager = n
                        .field("function")
                        .filter(|f| {
                            matches!(checker.member_name(*f), Some("all" | "count"))
                                && n.field("arguments")
                                    .is_some_and(|a| a.named_child_count() == 0)
                        })
                        .and_then(|f| f.field("object"))
                        .filter(|o| o.kind_str() == "attribute")
                        .and_then(|o| checker.member_name(o))
                        .is_some_and(|relation| covered(&prefetch, relation));
                    if !prefetched_manager {
                        found.push((n, what, None));
                    }
                    // The query's own arguments are not another query per row.
                    continue;
                }
            }
            // `b.author.name`: reading through a relation of the row.
            "attribute" if orm != Orm::DbApi && !rows_are_dicts => {
                let object = n.field("object");
                let inner = object.filter(|o| o.kind_str() == "attribute");
                let row = inner
                    .and_then(|i| i.field("object"))
                    .filter(|r| r.kind_str() == "identifier" && vars.contains(&checker.text(*r)));
                if let (Some(inner), Some(_)) = (inner, row) {
                    let relation = checker.member_name(inner).unwrap_or("");
                    let next = checker.member_name(n).unwrap_or("");
                    if is_relation_name(relation)
                        && !VALUE_ATTRIBUTES.contains(&next)
                        && !declared_as_value(checker.source, relation)
                        && !MANAGER_QUERIES.contains(&next)
                        && !covered(&prefetch, relation)
                        && !reported_relations.contains(&relation)
                    {
                        reported_relations.push(relation);
                        found.push((inner, String::new(), Some(relation)));
                    }
                }
            }
            _ => {}
        }
        for c in n.named_children(&mut cursor) {
            stack.push(c);
        }
    }
    found.sort_by_key(|(n, _, _)| n.start_byte());
    for (node, what, relation) in found {
        match relation {
            None => {
                checker.report(node, format!(
                    "{what} runs once per row of `{query_text}` (N+1 queries); load what the loop needs with the first query (`select_related`/`prefetch_related`, a join or `selectinload`, or one `IN (…)` query)"
                ));
            }
            Some(relation) => {
                let row = checker.text(node).to_owned();
                let hint = match orm {
                    Orm::Django => {
                        "assuming a ForeignKey/OneToOne, since an attribute is read through it"
                    }
                    _ => "assuming a lazy relationship, since an attribute is read through it",
                };
                let advice = if orm == Orm::Django {
                    format!("add `.select_related(\"{relation}\")` (or `prefetch_related` for a many-to-many) to the queryset")
                } else {
                    format!("load it with the query: `.options(selectinload(…{relation}))` or `joinedload`")
                };
                let f = checker.report(node, format!(
                    "`{row}` loads the related `{relation}` once per row of `{query_text}` (N+1 queries; {hint}); {advice}"
                ));
                if orm == Orm::Django {
                    f.with_fix(
                        format!("Add `.select_related(\"{relation}\")`"),
                        Applicability::Unsafe,
                        vec![Edit {
                            range: query.end_byte()..query.end_byte(),
                            content: format!(".select_related(\"{relation}\")"),
                        }],
                    );
                }
            }
        }
    }
}

/// Methods that run a callback per element.
const CALLBACK_LOOPS: &[&str] = &[
    "forEach", "map", "flatMap", "filter", "reduce", "some", "every",
];

fn js_source<'a>(checker: &Checker<'a>, iter: Node<'a>) -> bool {
    let mut expr = iter;
    // `result.rows` of `const result = await pool.query(…)`.
    if expr.kind_str() == "member_expression" && checker.member_name(expr) == Some("rows") {
        match expr.field("object") {
            Some(o) => expr = o,
            None => return false,
        }
    }
    let expr = match expr.kind_str() {
        "identifier" => match local_value(checker, expr) {
            Some(v) => v,
            None => return false,
        },
        _ => expr,
    };
    js_rows(checker, expr)
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(iter) = caps.get("iter") else {
        return;
    };
    let body = match caps.get("callback") {
        Some(callback) => {
            let method = caps.get("method").map(|m| checker.text(m)).unwrap_or("");
            if !CALLBACK_LOOPS.contains(&method) {
                return;
            }
            match callback.field("body") {
                Some(b) => b,
                None => return,
            }
        }
        None => match caps.get("body") {
            Some(b) => b,
            None => return,
        },
    };
    if !js_source(checker, iter) {
        return;
    }
    let query_text = crate::security::callee(checker.text(iter));
    let mut stack = vec![body];
    let mut found = Vec::new();
    while let Some(n) = stack.pop() {
        if n.kind_str() == "await_expression" {
            if let Some(call) = n
                .named_child(0)
                .filter(|c| c.kind_str() == "call_expression")
            {
                if js_query_call(checker, call, false).is_some() {
                    found.push(call);
                    continue;
                }
            }
        }
        // Nested callbacks (`rows.map(async r => …)`) run per row too: descend into them.
        stack.extend(named_children(n));
    }
    found.sort_by_key(|n| n.start_byte());
    for call in found {
        let func = call.field("function").unwrap_or(call);
        let short = crate::security::callee(checker.text(func));
        checker.report(func, format!(
            "`{short}(…)` runs once per row of `{query_text}` (N+1 queries); fetch the related rows in one query (`populate`, Sequelize `include`, Prisma `include`, or `$in`/`IN (…)` over the ids)"
        ));
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

// ---------------------------------------------------------------------------------------------
// Serializers: a DRF list view whose serializer (often in its own module) reads a relation of
// every object that the view's queryset does not load up front. This joins two classes in two
// files, so it runs in the cross-file pass (`crossfile::CrossFindings::compute`) over the facts
// `ba_app` records for serializers and list views.

/// Whether the relations the queryset loads (`"author"`, `"author__profile"`, `*` for a bare
/// `select_related()` of to-one relations, `**` for relations chosen at run time:
/// `prefetch_related(*fields)`) cover `relation`.
fn loaded(view: &ba_app::facts::ListView, relation: &str, many: bool) -> bool {
    view.loaded.iter().any(|l| {
        l == "**"
            || (l == "*" && !many)
            || l == relation
            || l.strip_prefix(relation)
                .is_some_and(|rest| rest.starts_with("__"))
    })
}

/// List views whose serializer reads relations the queryset does not load.
pub fn check_serializers(
    index: &ba_app::WorkspaceIndex,
    out: &mut Vec<crate::crossfile::finding::CrossFinding>,
) {
    let functions = index.python_functions();
    for file in index.files() {
        if file.language.family() != Family::Python
            || file.facts.class != ba_app::FileClass::Runtime
        {
            continue;
        }
        for (i, view) in file.facts.list_views.iter().enumerate() {
            let Some((target, name)) = functions.target(file, &view.serializer) else {
                continue;
            };
            let Some(serializer) = target.facts.serializers.iter().find(|s| s.name == name) else {
                continue;
            };
            let missing: Vec<&ba_app::facts::SerializerRelation> = serializer
                .relations
                .iter()
                .filter(|r| !loaded(view, &r.relation, r.many))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let described: Vec<String> = missing
                .iter()
                .map(|r| {
                    if r.field == r.relation {
                        format!("`{}`", r.relation)
                    } else {
                        format!("`{}` (in `{}`)", r.relation, r.field)
                    }
                })
                .collect();
            let described = match described.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{} and {last}", rest.join(", "))
                }
                _ => described.join(""),
            };
            let list = |many: bool| {
                missing
                    .iter()
                    .filter(|r| r.many == many)
                    .map(|r| format!("\"{}\"", r.relation))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut fix = String::new();
            let (one, many) = (list(false), list(true));
            if !one.is_empty() {
                fix.push_str(&format!(".select_related({one})"));
            }
            if !many.is_empty() {
                fix.push_str(&format!(".prefetch_related({many})"));
            }
            out.push(crate::crossfile::finding::CrossFinding {
                code: RULE.code,
                at: (file.key.clone(), ba_app::Anchor::ListView(i)),
                message: format!(
                    "`{}` lists objects through `{name}` ({}), which reads {} for every object, but the view's queryset does not load {}: each object costs one more query per relation (N+1); add `{fix}` to the queryset",
                    view.name,
                    super::blocking_call_in_async::short_path(&target.path),
                    described,
                    if missing.len() == 1 { "it" } else { "them" },
                ),
                severity: RULE.severity,
                related: Vec::new(),
            });
        }
    }
}

const DOCS: &str = r#"## What it does
Flags queries that run once per row of an earlier query:
- Python: inside a `for` loop or comprehension over query results (`Model.objects.all()/
  filter(…)`, `session.query(…).all()`, `session.scalars(…)`, `Model.query.all()`,
  `cursor.fetchall()`, directly or through a local variable), a Django manager query
  (`Author.objects.get(…)`), a related-manager query of the row (`book.tags.all()`), a session
  query (`session.query/execute/scalars/get`), `cursor.execute`, or Flask-SQLAlchemy
  `Model.query…` (a related manager's `.all()`/`.count()` over a queryset that prefetched it is
  not); and reads through a relation of the row (`book.author.name`) when the queryset
  has no `select_related`/`prefetch_related` (SQLAlchemy: no `.options(…)`) for it;
- JavaScript/TypeScript: inside a `for…of` loop or a `forEach`/`map` callback over awaited query
  results (`await Model.find(…)`, `findAll`, `findMany`, `(await pool.query(…)).rows`), an awaited
  `findById`, `findOne`, `findByPk`, `findUnique`, `find`, `count` or SQL query.

- DRF serializers: a list view (`ListAPIView`, `ListCreateAPIView`, `ModelViewSet`,
  `ReadOnlyModelViewSet`, `ListModelMixin`) with a `queryset` or `get_queryset` whose
  `serializer_class` (in the same module or imported from another one) reads a relation of
  each object that the queryset does not load with `select_related`/`prefetch_related`
  (`Prefetch("…")` counts, `author__profile` covers `author`, and a queryset that loads
  relations chosen at run time, `prefetch_related(*fields)` from the client's `?expand=`, is
  left alone): a field with
  `source="author.username"`, a nested serializer (`AuthorSerializer()`,
  `TagSerializer(many=True)`), a `StringRelatedField`/`SlugRelatedField`/
  `HyperlinkedRelatedField` (and `PrimaryKeyRelatedField(many=True)`), or a
  `SerializerMethodField`'s `get_…(self, obj)` reading `obj.author.name` or calling
  `obj.comments.count()`/`.all()`/`.filter(…)`. The finding is on the view's
  `serializer_class` and names the `select_related(…)` (to-one reads) and
  `prefetch_related(…)` (to-many reads) to add. This part runs in the cross-file pass.

Otherwise the rule judges one file at a time, so for relations it goes by the access pattern: an
attribute read through an attribute of the row (`row.x.y`) is taken to be a ForeignKey or
many-to-one relationship, unless `x` is named like a plain value (`created_at`, `image`,
`data`, `*_id`, …). Rows from `values()`/`values_list()` are dictionaries and are not judged
this way.

## Why is this bad?
One query for a list plus one per row means 101 round trips for 100 rows. Each is cheap in
development, where the database is local and the table small; in production they add up to
seconds per request and load the database with thousands of tiny queries.

## Example
```python
def book_list(request):
    books = Book.objects.filter(published=True)
    return render(request, "books.html", {
        "rows": [(b.title, b.author.name, b.tags.count()) for b in books],
    })
```

```javascript
const orders = await Order.find({ status: "open" });
for (const order of orders) {
  order.customer = await Customer.findById(order.customerId);
}
```

## Use instead
```python
def book_list(request):
    books = (Book.objects.filter(published=True)
             .select_related("author")
             .annotate(tag_count=Count("tags")))
    return render(request, "books.html", {
        "rows": [(b.title, b.author.name, b.tag_count) for b in books],
    })
```

```javascript
const orders = await Order.find({ status: "open" }).populate("customer");
```

## Fix
For Django, an unsafe fix appends `.select_related("<relation>")` to the queryset the loop
iterates over (unsafe: for a many-to-many relation `prefetch_related` is the right call, and a
join changes the query plan).

## References
- [CWE-1073: Non-SQL Invokable Control Element with Excessive Number of Data Resource Accesses](https://cwe.mitre.org/data/definitions/1073.html)
- [Django: `select_related` and `prefetch_related`](https://docs.djangoproject.com/en/stable/ref/models/querysets/#select-related)
- [SQLAlchemy: relationship loading techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
- [Mongoose: `populate`](https://mongoosejs.com/docs/populate.html)
- [Sequelize: eager loading](https://sequelize.org/docs/v6/advanced-association-concepts/eager-loading/)
"#;
