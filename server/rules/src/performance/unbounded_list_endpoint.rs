//! PERF203 unbounded-list-endpoint: a GET route that returns every row of a table.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{chain, chain_ends, in_nested_scope, js_query_call, local_value, python_rows, Orm};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::{self, is_js_function};
use ba_analysis::{named_children, walk_scope};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF203",
    name: "unbounded-list-endpoint",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[770],
    owasp: None,
    summary: "A GET endpoint returns every row of a query with no limit or pagination, so responses and memory grow with the table; paginate (`limit`/`offset`, a cursor, or the framework's paginator).",
    docs: DOCS,
    fix: FixAvailability::None,
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

/// Chain methods and text that bound a query.
const BOUNDED: &[&str] = &[
    "limit",
    "offset",
    "slice",
    "paginate",
    "page",
    "first",
    "one",
    "one_or_none",
    "scalar",
    "get",
    "count",
    "exists",
    "aggregate",
    "iterator",
    "take",
    "skip",
    "cursor",
];

/// The expressions a Python function returns, with local names expanded once
/// (`users = User.objects.all(); return users`).
pub(crate) fn python_returned<'a>(checker: &Checker<'a>, function: Node<'a>) -> Vec<Node<'a>> {
    let Some(body) = function.field("body") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk_scope(
        body,
        &|n| matches!(n.kind_str(), "function_definition" | "class_definition"),
        &mut |n| {
            if n.kind_str() == "return_statement" {
                out.extend(n.named_child(0));
            }
        },
    );
    expand_names(checker, out)
}

/// `exprs` plus the single local value of every name inside them.
fn expand_names<'a>(checker: &Checker<'a>, exprs: Vec<Node<'a>>) -> Vec<Node<'a>> {
    let mut out = exprs.clone();
    for e in exprs {
        let mut names = Vec::new();
        collect_identifiers(e, &mut names);
        for ident in names {
            if let Some(v) = local_value(checker, ident) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    out
}

fn collect_identifiers<'a>(node: Node<'a>, out: &mut Vec<Node<'a>>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    if node.kind_str() == "identifier" {
        out.push(node);
        return;
    }
    // Only names whose value is passed on whole: not `a` in `a.count()` or `a.b`.
    if matches!(node.kind_str(), "attribute" | "member_expression") {
        return;
    }
    for c in named_children(node) {
        if node.kind_str() == "keyword_argument" && Some(c) == node.field("name") {
            continue;
        }
        collect_identifiers(c, out);
    }
}

/// The unbounded query calls among `exprs`.
pub(crate) fn python_unbounded<'a>(
    checker: &Checker<'a>,
    function: Node<'a>,
    exprs: &[Node<'a>],
) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    for e in exprs {
        let mut ends = Vec::new();
        chain_ends(*e, &mut ends);
        for (call, sliced) in ends {
            if sliced || out.contains(&call) || one_object_lookup(checker, call) {
                continue;
            }
            let Some(orm) = python_rows(checker, call) else {
                continue;
            };
            // `cursor.fetchall()`: the SQL decides; any `LIMIT` (or a `limit` parameter) in
            // the function counts, wherever the statement is built.
            if orm == Orm::DbApi
                && (!checker.text(call).ends_with("fetchall()")
                    || checker
                        .text(function)
                        .to_ascii_lowercase()
                        .contains("limit"))
            {
                continue;
            }
            let (_, names) = chain(checker, call);
            let text = checker.text(call);
            // SQLAlchemy 2.0: `session.execute(stmt).scalars()` runs a statement built
            // elsewhere in the function (`select(...).limit(n)`), like the SQL of `fetchall()`.
            if names.contains(&"execute")
                && checker
                    .text(function)
                    .to_ascii_lowercase()
                    .contains("limit")
            {
                continue;
            }
            // `.limit(n)`, `LIMIT 50` in SQL text, `limit=limit` passed on.
            if names.iter().any(|n| BOUNDED.contains(n))
                || text.to_ascii_lowercase().contains("limit")
            {
                continue;
            }
            out.push(call);
        }
    }
    out
}

/// `get_object_or_404(Notification.objects.select_related("actor"), pk=pk)`: the queryset is
/// the first argument of a lookup that returns one object.
fn one_object_lookup<'a>(checker: &Checker<'a>, call: Node<'a>) -> bool {
    let Some(outer) = call
        .parent()
        .filter(|a| a.kind_str() == "argument_list")
        .and_then(|a| a.parent())
        .filter(|c| c.kind_str() == "call")
    else {
        return false;
    };
    outer.field("function").is_some_and(|f| {
        let name = checker.text(f).rsplit('.').next().unwrap_or("");
        matches!(name, "get_object_or_404" | "aget_object_or_404")
    })
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let Some(route) =
        routes::python_handler(checker.item, function, checker.source, checker.semantic)
    else {
        return;
    };
    let fn_text = checker.text(function);
    // A Django view without a method decorator serves any method; it is a list view unless it
    // branches on the method.
    let get =
        route.is_get_only() || (route.methods.is_empty() && !fn_text.contains("request.method"));
    if !get {
        return;
    }
    let returned = python_returned(checker, function);
    for call in python_unbounded(checker, function, &returned) {
        report(checker, call);
    }
}

fn report<'a>(checker: &mut Checker<'a>, call: Node<'a>) {
    let short = crate::security::callee(checker.text(call));
    checker.report(call, format!(
        "this GET endpoint returns every row `{short}` matches, with no limit or pagination, so the response and the memory it takes grow with the table; paginate it (a `limit`/`offset` or cursor parameter with a maximum page size)"
    ));
}

/// What a JS handler sends: `res.json(x)`, `res.send(x)`, `reply.send(x)`, `return x`,
/// `ctx.body = x`.
pub(crate) fn js_sent<'a>(checker: &Checker<'a>, handler: Node<'a>) -> Vec<Node<'a>> {
    let Some(body) = handler.field("body") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if body.kind_str() != "statement_block" {
        // `(req, reply) => User.find()`: the body is the value.
        out.push(body);
    }
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        match n.kind_str() {
            "call_expression" => {
                let func = n.field("function");
                let sends = func
                    .filter(|f| f.kind_str() == "member_expression")
                    .is_some_and(|f| {
                        matches!(checker.member_name(f), Some("json" | "send" | "jsonp"))
                    });
                if sends {
                    if let Some(a) = n.field("arguments").and_then(|a| a.named_child(0)) {
                        out.push(a);
                    }
                }
            }
            "return_statement" => out.extend(n.named_child(0)),
            "assignment_expression" => {
                let body_target = n
                    .field("left")
                    .is_some_and(|l| checker.text(l).ends_with(".body"));
                if body_target {
                    out.extend(n.field("right"));
                }
            }
            _ => {}
        }
        if n != body && is_js_function(n.kind_str()) {
            continue;
        }
        stack.extend(named_children(n));
    }
    expand_names(checker, out)
}

/// The unbounded row queries among `exprs`; `injected`: queries through a client the class
/// was given count too (`this.prisma.user.findMany()`, NestJS and TypeGraphQL resolvers).
pub(crate) fn js_unbounded<'a>(
    checker: &Checker<'a>,
    exprs: &[Node<'a>],
    injected: bool,
) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    for e in exprs {
        let mut ends = Vec::new();
        chain_ends(*e, &mut ends);
        for (call, sliced) in ends {
            if sliced || out.contains(&call) || one_object_lookup(checker, call) {
                continue;
            }
            let method = js_query_call(checker, call, true).or_else(|| {
                injected
                    .then(|| super::graphql_resolver_n_plus_one::injected_method(checker, call))
                    .flatten()
            });
            let Some(method) = method else {
                continue;
            };
            if !matches!(method, "find" | "findAll" | "findMany") {
                continue;
            }
            let (_, names) = chain(checker, call);
            if names
                .iter()
                .any(|n| BOUNDED.contains(n) || *n == "paginate")
            {
                continue;
            }
            // `findAll({ limit })`, `findMany({ take })`; options in a variable may hold them.
            let options = find_call(checker, call, method)
                .and_then(|c| c.field("arguments"))
                .map(named_children)
                .unwrap_or_default();
            let limit_key = |k: &str| matches!(k, "limit" | "take" | "first");
            let limited = options.iter().any(|o| match o.kind_str() {
                "object" => named_children(*o).iter().any(|p| match p.kind_str() {
                    "spread_element" => true,
                    "pair" => p.field("key").is_some_and(|k| limit_key(checker.text(k))),
                    _ => limit_key(checker.text(*p)),
                }),
                // `find(filter)` takes a filter first; other options in a variable may limit.
                _ => method != "find",
            });
            if limited {
                continue;
            }
            out.push(call);
        }
    }
    out
}

/// The call of `method` within a chain (`User.find({}).lean()` → `User.find({})`).
fn find_call<'a>(checker: &Checker<'a>, outer: Node<'a>, method: &str) -> Option<Node<'a>> {
    let mut current = outer;
    loop {
        match current.kind_str() {
            "call_expression" => {
                let f = current.field("function")?;
                if f.kind_str() == "member_expression" && checker.member_name(f) == Some(method) {
                    return Some(current);
                }
                current = f;
            }
            "member_expression" => current = current.field("object")?,
            _ => return None,
        }
    }
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    let Some(route) = routes::js_route(call, checker.source) else {
        return;
    };
    if !route.route.is_get_only() {
        return;
    }
    for handler in route
        .handlers
        .iter()
        .filter(|h| is_js_function(h.kind_str()))
    {
        let sent = js_sent(checker, *handler);
        for q in js_unbounded(checker, &sent, false) {
            if in_nested_scope(*handler, q) && !sent.contains(&q) {
                continue;
            }
            report(checker, q);
        }
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags GET endpoints that send every row a query returns: FastAPI and Flask GET routes, Django
function views (that do not branch on `request.method`) and class-based `get`/`list` handlers
returning `Model.objects.all()`/`filter(…)`, `session.query(Model).all()`,
`session.scalars(select(Model)).all()`, `Model.query.all()`, or `cursor.fetchall()` in a
function whose SQL has no `LIMIT`; Express/Koa/Fastify GET routes
sending `Model.find(…)`, `Model.findAll(…)` or `prisma.model.findMany(…)`. A value passed
through a local variable (`users = …; return users`) counts.

Queries with `limit`/`offset`/`paginate`/`take`, slices (`qs[:50]`), `findAll({ limit })`,
`find().limit(n)`, or options passed in a variable are not reported, nor is a queryset handed to
`get_object_or_404(…)`, which returns one object. DRF generic views are not reported either:
their pagination is configured in settings.

## Why is this bad?
Tables grow. An endpoint that was fast with a hundred rows serialises a million rows a year
later: the response takes seconds, memory spikes per request, and one client can take the
service down by asking for the list a few times in parallel.

## Example
```python
@router.get("/orders")
def list_orders(db: Session = Depends(get_db)):
    return db.query(Order).all()
```

```javascript
router.get("/orders", async (req, res) => {
  res.json(await Order.find({}));
});
```

## Use instead
```python
@router.get("/orders")
def list_orders(limit: int = Query(50, le=200), offset: int = 0, db: Session = Depends(get_db)):
    return db.query(Order).order_by(Order.id).offset(offset).limit(limit).all()
```

```javascript
router.get("/orders", async (req, res) => {
  const limit = Math.min(Number(req.query.limit) || 50, 200);
  res.json(await Order.find({}).sort({ _id: 1 }).limit(limit));
});
```

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [OWASP API4:2023 Unrestricted Resource Consumption](https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/)
- [Django: pagination](https://docs.djangoproject.com/en/stable/topics/pagination/)
- [FastAPI: query parameters for pagination](https://fastapi.tiangolo.com/tutorial/sql-databases/#read-heroes)
"#;
