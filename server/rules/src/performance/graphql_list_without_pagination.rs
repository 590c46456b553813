//! PERF302 graphql-list-without-pagination: a root GraphQL query field that returns every row
//! of a database query, with no pagination argument and no limit.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::unbounded_list_endpoint::{js_sent, js_unbounded, python_returned, python_unbounded};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::imports_from;
use ba_analysis::{ancestors, named_children};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF302",
    name: "graphql-list-without-pagination",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[770],
    owasp: None,
    summary: "A GraphQL query field returns every row of a database query, with no pagination argument and no limit; add `first`/`after` (or `limit`/`offset`) arguments with a maximum, or make it a Relay connection.",
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

/// Words of arguments and code that page a list (`first`, `after`, `page_size`, `take`…).
const PAGE_WORDS: &[&str] = &[
    "first",
    "last",
    "after",
    "before",
    "limit",
    "offset",
    "page",
    "pagesize",
    "perpage",
    "take",
    "skip",
    "cursor",
    "paginate",
    "paginated",
    "pagination",
    "paginator",
    "connection",
    "slice",
];

/// Whether a resolver's code (its signature and body) names anything that pages: then it is
/// paginated, or a person decides how.
fn mentions_paging(code: &str, python: bool) -> bool {
    ba_app::tokens::tokens(code, python)
        .into_iter()
        .any(|t| match t {
            ba_app::tokens::Tok::Ident(s) | ba_app::tokens::Tok::Str(s) => {
                s.len() < 60
                    && ba_app::classify::words(s)
                        .iter()
                        .any(|w| PAGE_WORDS.contains(&w.as_str()))
            }
            ba_app::tokens::Tok::Punct(_) => false,
        })
}

/// Root query types and the mixins projects split them into (`UserQuery`, `Queries`).
fn is_query_type(name: &str) -> bool {
    name.ends_with("Query") || name.ends_with("Queries")
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let graphene = imports_from(checker.semantic, &["graphene", "graphene_django"]);
    let strawberry = imports_from(checker.semantic, &["strawberry", "strawberry_django"]);
    let ariadne = imports_from(checker.semantic, &["ariadne"]);
    if !graphene && !strawberry && !ariadne {
        return;
    }
    let Some(name) = function.field("name").map(|n| checker.text(n)) else {
        return;
    };
    let path = ancestors(checker.item, function);
    let mut up = path.iter().rev().copied();
    let mut parent = up.next();
    let mut decorators: Vec<Node> = Vec::new();
    if let Some(d) = parent.filter(|p| p.kind_str() == "decorated_definition") {
        decorators = named_children(d)
            .into_iter()
            .filter(|c| c.kind_str() == "decorator")
            .collect();
        parent = up.next();
    }
    let class = parent
        .filter(|p| p.kind_str() == "block")
        .and_then(|_| up.next())
        .filter(|c| c.kind_str() == "class_definition");
    let field = match class {
        Some(class) => {
            let Some(class_name) = class.field("name").map(|n| checker.text(n)) else {
                return;
            };
            if !is_query_type(class_name) {
                return;
            }
            let bases = class
                .field("superclasses")
                .map(|b| checker.text(b))
                .unwrap_or("");
            let class_decorated = up
                .next()
                .filter(|d| d.kind_str() == "decorated_definition")
                .is_some_and(|d| checker.text(d).trim_start().starts_with("@strawberry"));
            if graphene && bases.contains("ObjectType") {
                let Some(field) = name.strip_prefix("resolve_") else {
                    return;
                };
                // `users = DjangoConnectionField(UserNode)`: Relay pages it.
                if graphene_declaration(checker, class, field).is_some_and(|d| {
                    let t = checker.text(d);
                    t.contains("Connection") || mentions_paging(t, true)
                }) {
                    return;
                }
                format!("{class_name}.{field}")
            } else if strawberry && class_decorated {
                let is_field = decorators.iter().any(|d| {
                    let t = checker.text(*d);
                    t.starts_with("@strawberry.field") || t.starts_with("@strawberry_django.field")
                });
                // `@strawberry.relay.connection(…)`, `@strawberry_django.connection(…)`,
                // `pagination=True`: paged by the library.
                let paged = decorators
                    .iter()
                    .any(|d| mentions_paging(checker.text(*d), true));
                if !is_field || paged {
                    return;
                }
                format!("{class_name}.{name}")
            } else {
                return;
            }
        }
        None => {
            // Ariadne: `@query.field("users")`.
            let field = decorators.iter().find_map(|d| {
                let t = checker.text(*d).trim_start_matches('@');
                let (var, rest) = t.split_once(".field(")?;
                let quoted = rest.trim_start().strip_prefix(['"', '\''])?;
                let field = quoted.split(['"', '\'']).next()?;
                var.to_ascii_lowercase()
                    .contains("query")
                    .then(|| format!("Query.{field}"))
            });
            match field {
                Some(f) if ariadne => f,
                _ => return,
            }
        }
    };
    if mentions_paging(checker.text(function), true) {
        return;
    }
    let returned = python_returned(checker, function);
    for call in python_unbounded(checker, function, &returned) {
        report(checker, call, &field);
    }
}

/// The class-level declaration of a Graphene field (`users = graphene.List(UserType)`).
fn graphene_declaration<'a>(
    checker: &Checker<'a>,
    class: Node<'a>,
    field: &str,
) -> Option<Node<'a>> {
    let body = class.field("body")?;
    named_children(body).into_iter().find_map(|stmt| {
        let assign = stmt.named_child(0).filter(|a| {
            stmt.kind_str() == "expression_statement" && a.kind_str() == "assignment"
        })?;
        let left = assign.field("left")?;
        (checker.text(left) == field).then_some(assign.field("right"))?
    })
}

fn report(checker: &mut Checker, call: Node, field: &str) {
    let short = crate::security::callee(checker.text(call));
    checker.report(call, format!(
        "the GraphQL field `{field}` returns every row `{short}` matches, with no pagination argument and no limit: one query asks for the whole table, and nested selections multiply the cost per row; add `first`/`after` (or `limit`/`offset`) arguments with a maximum page size and apply them to the query, or make the field a Relay connection"
    ));
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    // The end of a chain that runs a list query (`Order.find(…).sort(…)`); the calls inside
    // it are judged with it.
    let (root, names) = super::chain(checker, call);
    let find = names
        .iter()
        .any(|n| matches!(*n, "find" | "findAll" | "findMany"));
    let knex = !find && is_knex_select(checker, call, root, &names);
    if !(find || knex)
        || call
            .parent()
            .is_some_and(|p| p.kind_str() == "member_expression")
    {
        return;
    }
    let path = ancestors(checker.item, call);
    let Some(fi) = path.iter().rposition(|a| {
        matches!(
            a.kind_str(),
            "arrow_function" | "function_expression" | "function" | "method_definition"
        )
    }) else {
        return;
    };
    let function = path[fi];
    let Some(field) = js_query_field(checker, &path[..fi], function) else {
        return;
    };
    // The parameters and the body: `(_, { first, after })`, `@Args() args: PaginationArgs`.
    if mentions_paging(checker.text(function), false) {
        return;
    }
    let sent = js_sent(checker, function);
    let unbounded = if knex {
        let mut ends = Vec::new();
        for e in &sent {
            super::chain_ends(*e, &mut ends);
        }
        ends.contains(&(call, false))
    } else {
        js_unbounded(checker, &sent, true).contains(&call)
    };
    if unbounded {
        report(checker, call, &field);
    }
}

/// Knex query-builder methods that keep a `SELECT` a `SELECT` of every matching row.
const KNEX_READ: &[&str] = &[
    "select",
    "from",
    "table",
    "where",
    "andWhere",
    "orWhere",
    "whereIn",
    "whereNot",
    "whereNotIn",
    "whereNull",
    "whereNotNull",
    "whereBetween",
    "whereLike",
    "whereILike",
    "orderBy",
    "join",
    "innerJoin",
    "leftJoin",
    "rightJoin",
    "groupBy",
    "having",
    "distinct",
    "column",
    "columns",
    "withSchema",
    "as",
];

/// A Knex query that selects rows: `knex("users")`, `knex("users").where(…).orderBy(…)`,
/// `knex.select("*").from("users")`, `this.knex("users")` (a client injected into a NestJS
/// resolver), `db("users")` in a module that imports Knex. Any other method in the chain
/// (`limit`, `first`, `count`, `insert`, `paginate`…) bounds it or makes it something else.
fn is_knex_select<'a>(
    checker: &Checker<'a>,
    call: Node<'a>,
    root: Node<'a>,
    names: &[&str],
) -> bool {
    let mut rest = names;
    let client = match root.kind_str() {
        "identifier" => match checker.text(root) {
            "knex" => true,
            "db" => imports_from(checker.semantic, &["knex"]),
            _ => false,
        },
        "this" => match names.first() {
            Some(&"knex") => {
                rest = &names[1..];
                true
            }
            _ => false,
        },
        _ => false,
    };
    if !client || !rest.iter().all(|n| KNEX_READ.contains(n)) {
        return false;
    }
    // The chain names a table: `from`/`table`, or a call of the client itself (`knex("users")`).
    if rest.iter().any(|n| matches!(*n, "from" | "table")) {
        return true;
    }
    let mut n = call;
    loop {
        match n.kind_str() {
            "call_expression" => {
                let Some(f) = n.field("function") else {
                    return false;
                };
                let client_call = f == root
                    || (root.kind_str() == "this"
                        && f.kind_str() == "member_expression"
                        && f.field("object") == Some(root));
                if client_call {
                    return true;
                }
                n = f;
            }
            "member_expression" => {
                let Some(o) = n.field("object") else {
                    return false;
                };
                n = o;
            }
            _ => return false,
        }
    }
}

/// For a function that resolves a root query field returning a list, `Query.field`: a resolver
/// map entry (`Query: { users: () => … }`), or a NestJS/TypeGraphQL `@Query(() => [User])`
/// method.
/// The object type a NestJS/TypeGraphQL resolver class resolves: `Article` in
/// `@Resolver(() => Article)`, or `Resolver` when it does not say.
fn resolver_type<'a>(checker: &Checker<'a>, method: Node<'a>) -> &'a str {
    let class = method
        .parent()
        .and_then(|b| b.parent())
        .filter(|c| c.kind_str().starts_with("class"));
    let mut decorators = Vec::new();
    if let Some(class) = class {
        decorators.extend(
            named_children(class)
                .into_iter()
                .filter(|d| d.kind_str() == "decorator"),
        );
        if let Some(export) = class
            .parent()
            .filter(|e| e.kind_str() == "export_statement")
        {
            decorators.extend(
                named_children(export)
                    .into_iter()
                    .filter(|d| d.kind_str() == "decorator"),
            );
        }
    }
    decorators
        .iter()
        .find_map(|d| {
            let t = checker.text(*d);
            let rest = t.strip_prefix("@Resolver(")?;
            let ty = rest.split_once("=>")?.1.trim_start();
            let end = ty
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(ty.len());
            (end > 0).then(|| &ty[..end])
        })
        .unwrap_or("Resolver")
}

fn js_query_field<'a>(
    checker: &Checker<'a>,
    outer: &[Node<'a>],
    function: Node<'a>,
) -> Option<String> {
    if function.kind_str() == "method_definition" {
        let name = checker.text(function.field("name")?);
        let mut prev = function.prev_named_sibling();
        while let Some(p) = prev.filter(|p| p.kind_str() == "decorator") {
            let t = checker.text(p);
            // `@Query(() => [User])`, `@Query(returns => [Recipe])`: a list.
            if t.starts_with("@Query(") && t.contains('[') {
                return Some(format!("Query.{name}"));
            }
            // `@ResolveField(() => [Category])` whose list does not depend on the parent: the
            // same unbounded query for every parent object. A field that queries by its parent
            // (`@Parent() user`) is a per-parent query, which PERF301 reports.
            if (t.starts_with("@ResolveField(") || t.starts_with("@FieldResolver("))
                && t.contains('[')
            {
                let params = function
                    .field("parameters")
                    .map(|p| checker.text(p))
                    .unwrap_or("");
                if params.contains("@Parent(") || params.contains("@Root(") {
                    return None;
                }
                return Some(format!("{}.{name}", resolver_type(checker, function)));
            }
            prev = p.prev_named_sibling();
        }
    }
    let mut up = outer.iter().rev().copied();
    let key = match function.kind_str() {
        "method_definition" => function.field("name")?,
        _ => up.next().filter(|p| p.kind_str() == "pair")?.field("key")?,
    };
    let _fields = up.next().filter(|o| o.kind_str() == "object")?;
    let type_pair = up.next().filter(|p| p.kind_str() == "pair")?;
    let type_name = checker
        .text(type_pair.field("key")?)
        .trim_matches(['"', '\'']);
    if !is_query_type(type_name) {
        return None;
    }
    Some(format!(
        "{type_name}.{}",
        checker.text(key).trim_matches(['"', '\''])
    ))
}

const DOCS: &str = r#"## What it does
Flags root GraphQL query fields whose resolver returns every row of a database query, with no
pagination argument in its signature and no limit or slice in its code: Strawberry
`@strawberry.field` methods and Graphene `resolve_<field>` methods of `Query` types (and the
`…Query` mixins projects split them into), Ariadne `@query.field("…")` resolvers, resolver maps
(`Query: { users: () => … }`) for Apollo Server and others, and NestJS/TypeGraphQL
`@Query(() => [User])` methods; also `@ResolveField(() => [Category])`/`@FieldResolver` list
fields whose resolver does not take the parent (the same unbounded query for every parent
object; a field that queries by its `@Parent()` is a per-parent query, which PERF301 reports).
The queries are those the unbounded-list-endpoint rule
(PERF203) knows: Django `Model.objects.all()`/`filter(…)`, SQLAlchemy `session.query(…).all()`
and `session.scalars(select(…))`, Mongoose `find`, Sequelize `findAll`, Prisma `findMany`,
TypeORM `find` (also through an injected client: `this.prisma.user.findMany()`,
`this.usersRepository.find()`, and on `getRepository(User)` or
`dataSource.getRepository(User)`), and Knex selects (`knex("users")`,
`knex("users").where(…).orderBy(…)`, `knex.select("*").from("users")`, `this.knex("users")`,
`db("users")` in a module that imports Knex) with no `limit`, `first` or other bounding call.

Not reported: fields with a paging argument or code (`first`, `last`, `after`, `before`,
`limit`, `offset`, `page`, `page_size`, `take`, `skip`, `cursor`, a pagination input),
queries with `.limit(…)`, a slice (`qs[:50]`) or `take`/`limit` options, Relay connections
(Graphene `ConnectionField`/`DjangoConnectionField`, Strawberry `relay.connection`,
strawberry-django `pagination=True`), and fields of object types (their per-parent queries are
PERF301's).

## Why is this bad?
A list field without pagination answers with the whole table. As the table grows, one request
serialises every row, and GraphQL makes it worse: each row's nested selections run their own
resolvers, so the cost of one query grows with rows × fields. Clients cannot ask for less, and
one client can exhaust the database or the server's memory.

## Example
```python
@strawberry.type
class Query:
    @strawberry.field
    def orders(self) -> list[Order]:
        return OrderModel.objects.all()
```

```javascript
const resolvers = {
  Query: {
    orders: () => prisma.order.findMany(),
  },
};
```

## Use instead
```python
@strawberry.type
class Query:
    @strawberry.field
    def orders(self, first: int = 50, offset: int = 0) -> list[Order]:
        first = min(first, 100)
        return OrderModel.objects.order_by("id")[offset : offset + first]
```

```javascript
const resolvers = {
  Query: {
    orders: (_, { first = 50, after }) =>
      prisma.order.findMany({
        take: Math.min(first, 100),
        ...(after && { cursor: { id: after }, skip: 1 }),
        orderBy: { id: "asc" },
      }),
  },
};
```

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [GraphQL: pagination](https://graphql.org/learn/pagination/)
- [Relay cursor connections specification](https://relay.dev/graphql/connections.htm)
- [Strawberry: pagination](https://strawberry.rocks/docs/guides/pagination/overview)
- [OWASP GraphQL Cheat Sheet: resource limits](https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html)
"#;
