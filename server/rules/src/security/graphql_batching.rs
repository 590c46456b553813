//! SEC807 graphql-unlimited-batching: a GraphQL server that accepts batched requests (an array of
//! operations in one HTTP request) with no limit on how many.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC807",
    name: "graphql-unlimited-batching",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[770, 307],
    owasp: Some("A04:2021 Insecure Design"),
    summary: "A GraphQL server accepts batched requests with no limit on the number of operations, so one HTTP request can run thousands of them (and pass rate limits counted per request); turn batching off or cap it.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
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

/// Python views whose `batch=True` accepts a list of operations of any length (graphene-django,
/// graphql-server and the older flask-graphql have no limit option).
const PY_VIEWS: &[&str] = &[
    "graphene_django.views.GraphQLView.as_view",
    "graphene_django.views.GraphQLView",
    "graphql_server.flask.GraphQLView.as_view",
    "graphql_server.flask.GraphQLView",
    "flask_graphql.GraphQLView.as_view",
    "flask_graphql.GraphQLView",
];

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    if checker.resolve_callee(func, PY_VIEWS).is_none() {
        return;
    }
    let args = checker.arguments(args_node);
    let Some(keyword) = args.keyword_node("batch", checker.source) else {
        return;
    };
    if keyword.field("value").map(|v| v.kind_str()) != Some("true") {
        return;
    }
    checker.report(
        keyword,
        "`GraphQLView(batch=True)` runs every operation of a batched request, with no limit on how many: one HTTP request can carry thousands of queries (or thousands of login attempts that a rate limit counts as one request); drop `batch=True` unless a client needs it, and if it does, reject requests with more than a few operations before the view (a subclass that checks `len(data)` in `parse_body`)",
    );
}

const APOLLO: &[&str] = &[
    "@apollo/server.ApolloServer",
    "apollo-server.ApolloServer",
    "apollo-server-express.ApolloServer",
    "apollo-server-koa.ApolloServer",
    "apollo-server-fastify.ApolloServer",
    "apollo-server-lambda.ApolloServer",
];
const MERCURIUS: &[&str] = &["mercurius"];

fn is_true(checker: &Checker, value: Node) -> bool {
    value.kind_str() == "true" || checker.text(value) == "true"
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let args = js_args(args_node);
    let nest = super::graphql_schema_exposed::NEST_GRAPHQL;
    let (options, key, server) = if checker.resolve_callee(func, APOLLO).is_some() {
        (
            args.first().copied(),
            "allowBatchedHttpRequests",
            "Apollo Server",
        )
    } else if let Some(name) = checker.resolve_callee(func, nest) {
        // `forRoot({…})`, or the literal `forRootAsync({ useFactory })` returns.
        (
            args.first()
                .and_then(|o| super::graphql_schema_exposed::nest_options(checker, &name, *o)),
            "allowBatchedHttpRequests",
            "Apollo Server",
        )
    } else if func.kind_str() == "member_expression"
        && func
            .field("property")
            .is_some_and(|p| checker.text(p) == "register")
        && args
            .first()
            .is_some_and(|a| checker.resolve_callee(*a, MERCURIUS).is_some())
    {
        // `app.register(mercurius, { schema, allowBatchedQueries: true })`.
        (args.get(1).copied(), "allowBatchedQueries", "Mercurius")
    } else {
        return;
    };
    let Some(options) = options.filter(|o| o.kind_str() == "object") else {
        return;
    };
    let props = Props::of(checker, options);
    // NestJS passes driver options through: `GraphQLModule.forRoot({ driver: MercuriusDriver,
    // allowBatchedQueries: true })`.
    let (key, server) = match (props.get(key), props.get("allowBatchedQueries")) {
        (None, Some(_)) => ("allowBatchedQueries", "Mercurius"),
        _ => (key, server),
    };
    let (Some(pair), Some(value)) = (props.pair(key), props.get(key)) else {
        return;
    };
    if !is_true(checker, value) {
        return;
    }
    checker.report(
        pair,
        format!("`{key}: true` makes {server} run every operation of a batched request, with no limit on how many: one HTTP request can carry thousands of queries, multiplying any per-query depth or cost limit, or thousands of login or code-guessing mutations that a rate limit counts as one request; remove it unless a client needs batching, and if one does, reject bodies with more than a few operations before the GraphQL handler (`Array.isArray(req.body) && req.body.length > 10`)"),
    );
}

const DOCS: &str = r#"## What it does
Flags GraphQL servers that accept batched requests (a JSON array of operations in one HTTP
request) without any limit on their number:

- Apollo Server (and NestJS `GraphQLModule.forRoot`, or the literal `forRootAsync`'s
  `useFactory` returns, with the Apollo driver):
  `allowBatchedHttpRequests: true`;
- Mercurius (`app.register(mercurius, {…})`, NestJS with the Mercurius driver):
  `allowBatchedQueries: true`;
- graphene-django, graphql-server and flask-graphql: `GraphQLView.as_view(batch=True)`.

These servers have no setting for the largest batch. Not reported: batching left at its
default (off), a value computed at run time, GraphQL Yoga's `batching` (limited to 10 operations
unless `limit` is raised) and Strawberry's `batching_config` (its `max_operations` is
required). Development settings files are not checked.

## Why is this bad?
A batched request runs every operation in the array. Limits that count requests do not see
them: a rate limit on the login mutation lets one request try a thousand passwords or one-time
codes, and a depth or cost limit applies to each operation, so a batch of a thousand queries
at the limit costs a thousand times what the limit was meant to allow (OWASP API4:2023
Unrestricted Resource Consumption; the OWASP GraphQL Cheat Sheet's "batching attacks").

## Example
```javascript
const server = new ApolloServer({ typeDefs, resolvers, allowBatchedHttpRequests: true });
```

```python
urlpatterns = [path("graphql/", GraphQLView.as_view(batch=True))]
```

## Use instead
Leave batching off unless a client sends batches. If one does, reject batches longer than it
needs before the GraphQL handler:

```javascript
app.use("/graphql", (req, res, next) =>
  Array.isArray(req.body) && req.body.length > 10
    ? res.status(400).json({ error: "too many operations in one request" })
    : next()
);
```

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [CWE-307: Improper Restriction of Excessive Authentication Attempts](https://cwe.mitre.org/data/definitions/307.html)
- [OWASP GraphQL Cheat Sheet: batching attacks](https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html#batching-attacks)
- [Apollo Server: batching](https://www.apollographql.com/docs/apollo-server/workflow/requests#batching)
"#;
