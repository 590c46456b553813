//! SEC803 graphql-unbounded-query: a GraphQL server that accepts queries of any depth and cost.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC803",
    name: "graphql-unbounded-query",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[770, 400],
    owasp: Some("A04:2021 Insecure Design"),
    summary: "A GraphQL server accepts queries of any depth and cost, so one nested query can make it resolve millions of objects; add a depth or cost limit.",
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

/// Words in an option's value that name a limit: `QueryDepthLimiter`, `depthLimit(10)`,
/// `createComplexityLimitRule`, `costAnalysis`, `MaxTokensLimiter`, GraphQL Armor.
const LIMIT_WORDS: &[&str] = &["depth", "complex", "cost", "armor", "limit"];

fn names_a_limit(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    LIMIT_WORDS.iter().any(|w| lower.contains(w))
}

/// Python servers: (callee, the keyword that carries the limits, what to write).
const PY_SERVERS: &[(&str, &str, &str)] = &[
    (
        "strawberry.Schema",
        "extensions",
        "extensions=[QueryDepthLimiter(max_depth=10)] (from strawberry.extensions)",
    ),
    (
        "strawberry.federation.Schema",
        "extensions",
        "extensions=[QueryDepthLimiter(max_depth=10)] (from strawberry.extensions)",
    ),
    (
        "graphene_django.views.GraphQLView.as_view",
        "validation_rules",
        "validation_rules=(depth_limit_validator(max_depth=10),) (from graphene.validation)",
    ),
    (
        "graphene_django.views.GraphQLView",
        "validation_rules",
        "validation_rules=(depth_limit_validator(max_depth=10),) (from graphene.validation)",
    ),
    (
        "graphql_server.flask.GraphQLView.as_view",
        "validation_rules",
        "validation_rules=[depth_limit_validator(max_depth=10)] (from graphene.validation)",
    ),
    (
        "ariadne.asgi.GraphQL",
        "validation_rules",
        "validation_rules=[cost_validator(maximum_cost=1000)] (from ariadne.validation)",
    ),
    (
        "ariadne.wsgi.GraphQL",
        "validation_rules",
        "validation_rules=[cost_validator(maximum_cost=1000)] (from ariadne.validation)",
    ),
];

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let names: Vec<&str> = PY_SERVERS.iter().map(|(n, ..)| *n).collect();
    let Some(server) = checker.resolve_callee(func, &names) else {
        return;
    };
    let Some((_, keyword, instead)) = PY_SERVERS.iter().find(|(n, ..)| *n == server) else {
        return;
    };
    let args = checker.arguments(args_node);
    // `**options`: limits we cannot see.
    if checker.text(args_node).contains("**") {
        return;
    }
    if let Some(value) = args
        .keyword_node(keyword, checker.source)
        .and_then(|k| k.field("value"))
    {
        // A list we can read must name a limit; a name or call built elsewhere may hold one.
        if !matches!(value.kind_str(), "list" | "tuple") || names_a_limit(checker.text(value)) {
            return;
        }
    }
    let short = server.trim_end_matches(".as_view");
    let short = short.rsplit('.').next().unwrap_or(short);
    report(checker, func, short, instead);
}

fn report(checker: &mut Checker, node: Node, server: &str, instead: &str) {
    checker.report(
        node,
        format!("`{server}` accepts queries of any depth and cost: one nested query (`{{ user {{ friends {{ friends {{ friends {{ … }} }} }} }} }}`) or a few hundred aliases can make the server resolve millions of objects and stall every other request; add a limit: {instead}"),
    );
}

/// JavaScript servers whose options object carries the limits.
const JS_SERVERS: &[&str] = &[
    "@apollo/server.ApolloServer",
    "apollo-server.ApolloServer",
    "apollo-server-express.ApolloServer",
    "apollo-server-koa.ApolloServer",
    "apollo-server-fastify.ApolloServer",
    "apollo-server-lambda.ApolloServer",
    "express-graphql.graphqlHTTP",
    "graphql-yoga.createYoga",
];
const MERCURIUS: &[&str] = &["mercurius"];

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let args = js_args(args_node);
    let nest = super::graphql_schema_exposed::NEST_GRAPHQL;
    let (server, options, keys) = if let Some(name) = checker.resolve_callee(func, JS_SERVERS) {
        (
            name,
            args.first().copied(),
            &["validationRules", "plugins"][..],
        )
    } else if let Some(name) = checker.resolve_callee(func, nest) {
        // `forRoot({…})`, or the literal `forRootAsync({ useFactory })` returns.
        let options = args
            .first()
            .and_then(|o| super::graphql_schema_exposed::nest_options(checker, &name, *o));
        let short = name.rsplit('.').next().unwrap_or(&name);
        (
            format!("GraphQLModule.{short}"),
            options,
            &["validationRules", "plugins"][..],
        )
    } else if func.kind_str() == "member_expression"
        && func
            .field("property")
            .is_some_and(|p| checker.text(p) == "register")
        && args
            .first()
            .is_some_and(|a| checker.resolve_callee(*a, MERCURIUS).is_some())
    {
        // `app.register(mercurius, { schema, queryDepth: 7 })`.
        (
            "mercurius".to_owned(),
            args.get(1).copied(),
            &["queryDepth", "validationRules"][..],
        )
    } else {
        return;
    };
    let Some(options) = options.filter(|o| o.kind_str() == "object") else {
        return;
    };
    let props = Props::of(checker, options);
    // A spread (`...armor.protect()`) or a method: options we cannot see.
    if props.opaque {
        return;
    }
    for key in keys {
        if let Some(value) = props.get(key) {
            if *key == "queryDepth"
                || value.kind_str() != "array"
                || names_a_limit(checker.text(value))
            {
                return;
            }
        }
    }
    let short = if server.starts_with("GraphQLModule.") {
        server.clone()
    } else {
        server.rsplit('.').next().unwrap_or(&server).to_owned()
    };
    let instead = match short.as_str() {
        "mercurius" => "`queryDepth: 10` in the plugin options",
        "createYoga" => {
            "`plugins: [useDepthLimit({ maxDepth: 10 })]` (from `@envelop/depth-limit`) or GraphQL Armor's `EnvelopArmorPlugin()`"
        }
        _ => {
            "`validationRules: [depthLimit(10)]` (from `graphql-depth-limit`), or a cost limit such as `graphql-query-complexity` or GraphQL Armor"
        }
    };
    report(checker, func, &short, instead);
}

const DOCS: &str = r#"## What it does
Flags GraphQL servers created without a limit on how deep or how costly a query may be:

- Python: `strawberry.Schema(…)` without a limiting extension (`QueryDepthLimiter`,
  `MaxTokensLimiter`), graphene-django's and graphql-server's `GraphQLView.as_view(…)` without
  `validation_rules` (`depth_limit_validator`), Ariadne's `GraphQL(…)` without
  `validation_rules` (`cost_validator`);
- JavaScript: `new ApolloServer({…})`, NestJS `GraphQLModule.forRoot({…})` (and the literal
  `GraphQLModule.forRootAsync`'s `useFactory` returns),
  `graphqlHTTP({…})` (express-graphql) without a depth or cost rule in `validationRules` or a
  limiting plugin in `plugins`; `createYoga({…})` without `useDepthLimit` or GraphQL Armor;
  `app.register(mercurius, {…})` without `queryDepth`.

Options that come from elsewhere (a spread such as `...armor.protect()`, `**options`, a
`validationRules` or `extensions` value built in another place) are not reported: the limit may
be there. Development settings files are not checked.

## Why is this bad?
A GraphQL query chooses how much work the server does. Relations that point back at each other
(`user → friends → friends → …`) let one request of a few hundred bytes expand into millions of
resolver calls and database queries; aliases and fragments multiply it again. Without a depth
or cost limit, a single client can exhaust the server's CPU, memory and database connections,
and every other request waits (OWASP API4:2023 Unrestricted Resource Consumption).

## Example
```python
schema = strawberry.Schema(query=Query, mutation=Mutation)
```

```javascript
const server = new ApolloServer({ typeDefs, resolvers });
```

## Use instead
```python
from strawberry.extensions import QueryDepthLimiter

schema = strawberry.Schema(
    query=Query, mutation=Mutation, extensions=[QueryDepthLimiter(max_depth=10)]
)
```

```javascript
const depthLimit = require("graphql-depth-limit");

const server = new ApolloServer({ typeDefs, resolvers, validationRules: [depthLimit(10)] });
```

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [CWE-400: Uncontrolled Resource Consumption](https://cwe.mitre.org/data/definitions/400.html)
- [OWASP GraphQL Cheat Sheet: query limiting](https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html)
- [Strawberry: QueryDepthLimiter](https://strawberry.rocks/docs/extensions/query-depth-limiter)
- [graphql-depth-limit](https://github.com/stems/graphql-depth-limit)
"#;
