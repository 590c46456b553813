//! SEC802 graphql-schema-exposed: GraphQL introspection or an in-browser IDE switched on
//! unconditionally.

use ba_analysis::named_children;
use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::missing_security_headers::{js_args, Props};
use super::settings;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC802",
    name: "graphql-schema-exposed",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[200],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "GraphQL introspection or GraphiQL/Playground is switched on in every environment; enable it only in development.",
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

/// Python GraphQL views and apps, and the keywords that switch the IDE or introspection on.
const PY_VIEWS: &[&str] = &[
    "graphene_django.views.GraphQLView.as_view",
    "graphene_django.views.GraphQLView",
    "strawberry.django.views.GraphQLView.as_view",
    "strawberry.django.views.AsyncGraphQLView.as_view",
    "strawberry.flask.views.GraphQLView.as_view",
    "strawberry.flask.views.AsyncGraphQLView.as_view",
    "strawberry.fastapi.GraphQLRouter",
    "strawberry.asgi.GraphQL",
    "strawberry.aiohttp.views.GraphQLView",
    "strawberry.sanic.views.GraphQLView.as_view",
    "graphql_server.flask.GraphQLView.as_view",
    "flask_graphql.GraphQLView.as_view",
    "ariadne.asgi.GraphQL",
    "ariadne.wsgi.GraphQL",
];

/// JavaScript servers whose options object carries the switches.
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

/// NestJS's GraphQL module: its options are the driver's (Apollo's or Mercurius's).
pub(crate) const NEST_GRAPHQL: &[&str] = &[
    "@nestjs/graphql.GraphQLModule.forRoot",
    "@nestjs/graphql.GraphQLModule.forRootAsync",
];

/// The options object of a NestJS `GraphQLModule.forRoot({…})`, or the object that
/// `forRootAsync({ useFactory })` returns when its factory returns a literal
/// (`useFactory: () => ({…})`, `useFactory: async (config) => { …; return {…}; }`,
/// `useFactory() { return {…}; }`); `None` for options the code computes elsewhere
/// (`useClass`, `useExisting`, a factory returning a variable).
pub(crate) fn nest_options<'a>(
    checker: &Checker<'a>,
    callee: &str,
    first: Node<'a>,
) -> Option<Node<'a>> {
    let first = unparenthesized(first);
    if first.kind_str() != "object" {
        return None;
    }
    if !callee.ends_with("forRootAsync") {
        return Some(first);
    }
    let factory = named_children(first).into_iter().find(|p| {
        let key = match p.kind_str() {
            "pair" => p.field("key"),
            "method_definition" => p.field("name"),
            _ => None,
        };
        key.is_some_and(|k| checker.text(k).trim_matches(['"', '\'']) == "useFactory")
    })?;
    let function = match factory.kind_str() {
        "pair" => factory.field("value")?,
        _ => factory,
    };
    let body = function.field("body")?;
    let returned = if body.kind_str() == "statement_block" {
        // The last `return` of the factory's own block (not of a nested function).
        named_children(body)
            .into_iter()
            .rev()
            .find(|s| s.kind_str() == "return_statement")?
            .named_child(0)?
    } else {
        body
    };
    Some(unparenthesized(returned)).filter(|o| o.kind_str() == "object")
}

fn unparenthesized(mut node: Node) -> Node {
    while node.kind_str() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let Some(view) = checker.resolve_callee(func, PY_VIEWS) else {
        return;
    };
    let args = checker.arguments(args_node);
    let source = checker.source;
    let on = ["graphiql", "introspection", "graphql_ide"]
        .into_iter()
        .find_map(|key| {
            let k = args.keyword_node(key, source)?;
            let v = k.field("value")?;
            let enabled = v.kind_str() == "true"
                || (key == "graphql_ide" && checker.string_value(v).is_some());
            enabled.then_some((key, k))
        });
    let Some((key, node)) = on else {
        return;
    };
    let short = view.trim_end_matches(".as_view");
    let short = short.rsplit('.').next().unwrap_or(short);
    let instead = if key == "graphql_ide" {
        "graphql_ide=\"graphiql\" if settings.DEBUG else None".to_owned()
    } else {
        format!("{key}=settings.DEBUG")
    };
    report(checker, node, key, short, &instead);
}

fn report(checker: &mut Checker, node: Node, key: &str, server: &str, instead: &str) {
    let what = if key == "introspection" {
        "introspection is on in every environment, so anyone can download the whole schema"
    } else {
        "the in-browser GraphQL IDE is served in every environment, so anyone can browse the whole schema and try queries against production"
    };
    checker.report(
        node,
        format!("`{server}` with `{}`: {what}, including internal fields and mutations nobody meant to publish; switch it on only in development (`{instead}`) or behind authentication", checker.text(node)),
    );
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if settings::is_non_production_file(checker.path) {
        return;
    }
    let args = js_args(args_node);
    let (server, options) = if let Some(name) = checker.resolve_callee(func, JS_SERVERS) {
        (name, args.first().copied())
    } else if let Some(name) = checker.resolve_callee(func, NEST_GRAPHQL) {
        let options = args.first().and_then(|o| nest_options(checker, &name, *o));
        let short = name.rsplit('.').next().unwrap_or(&name);
        (format!("GraphQLModule.{short}"), options)
    } else if func.kind_str() == "member_expression"
        && func
            .field("property")
            .is_some_and(|p| checker.text(p) == "register")
        && args
            .first()
            .is_some_and(|a| checker.resolve_callee(*a, MERCURIUS).is_some())
    {
        // `app.register(mercurius, { schema, graphiql: true })`.
        ("mercurius".to_owned(), args.get(1).copied())
    } else {
        return;
    };
    let Some(options) = options.filter(|o| o.kind_str() == "object") else {
        return;
    };
    let props = Props::of(checker, options);
    let on = ["introspection", "graphiql", "playground"]
        .into_iter()
        .find_map(|key| {
            let v = props.get(key)?;
            let enabled = v.kind_str() == "true"
                || (key == "graphiql" && checker.string_value(v).is_some_and(|s| !s.is_empty()))
                || (key == "playground" && v.kind_str() == "object");
            enabled.then(|| (key, props.pair(key)))
        });
    let Some((key, Some(pair))) = on else {
        return;
    };
    let short = if server.starts_with("GraphQLModule.") {
        server.clone()
    } else {
        server.rsplit('.').next().unwrap_or(&server).to_owned()
    };
    let instead = format!("{key}: process.env.NODE_ENV !== \"production\"");
    report(checker, pair, key, &short, &instead);
}

const DOCS: &str = r#"## What it does
Flags GraphQL servers told to serve introspection or an in-browser IDE (GraphiQL, GraphQL
Playground, Apollo Sandbox) whatever the environment, by a literal:

- Python: `GraphQLView.as_view(graphiql=True)` (graphene-django, Strawberry's Django and Flask
  views, Flask-GraphQL / graphql-server), Strawberry's `GraphQLRouter(…, graphiql=True)` or
  `graphql_ide="graphiql"`, `strawberry.asgi.GraphQL`, Ariadne's `GraphQL(…, introspection=True)`;
- JavaScript: `new ApolloServer({ introspection: true })` (and Apollo 2's `playground: true`),
  `graphqlHTTP({ graphiql: true })` (express-graphql), `createYoga({ graphiql: true })`,
  `app.register(mercurius, { graphiql: true })`, and NestJS's `GraphQLModule.forRoot({…})`, or
  the object literal `GraphQLModule.forRootAsync({ useFactory })`'s factory returns (options a
  `useClass` or a factory returning a variable builds are not seen).

A value computed from the environment (`graphiql=settings.DEBUG`, `introspection:
process.env.NODE_ENV !== "production"`) is not reported, nor are development settings files.
Library defaults are not reported either (Apollo already turns introspection off when
`NODE_ENV` is `production`; Strawberry and Ariadne serve their IDE unless told not to, which
their documentation discusses).

## Why is this bad?
Introspection hands anyone the full schema: every type, field, argument and mutation,
including the internal and administrative ones that no client uses, which is the map an
attacker needs for injection, authorization and denial-of-service probing. An IDE in production
makes exploring and replaying queries against live data one click away. For a public API whose
schema is published on purpose, suppress the finding on that line.

## Example
```python
urlpatterns = [path("graphql/", GraphQLView.as_view(graphiql=True))]
```

```javascript
const server = new ApolloServer({ typeDefs, resolvers, introspection: true });
```

## Use instead
```python
urlpatterns = [path("graphql/", GraphQLView.as_view(graphiql=settings.DEBUG))]
```

```javascript
const server = new ApolloServer({
  typeDefs,
  resolvers,
  introspection: process.env.NODE_ENV !== "production",
});
```

## References
- [CWE-200: Exposure of Sensitive Information to an Unauthorized Actor](https://cwe.mitre.org/data/definitions/200.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [OWASP GraphQL Cheat Sheet: introspection and GraphiQL](https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html)
- [Apollo Server: introspection](https://www.apollographql.com/docs/apollo-server/api/apollo-server#introspection)
"#;
