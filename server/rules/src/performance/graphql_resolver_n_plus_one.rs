//! PERF301 graphql-resolver-n-plus-one: a field resolver of an object type that queries the
//! database for its parent object, once per object in every list.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{chain, is_db_name, js_query_call};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::routes::imports_from;
use ba_analysis::{ancestors, named_children};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF301",
    name: "graphql-resolver-n-plus-one",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[1073],
    owasp: None,
    summary: "A GraphQL field resolver queries the database for its parent object, so a list of N parents runs N queries; batch the loads with a DataLoader.",
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

const ROOTS: &[&str] = &["Query", "Mutation", "Subscription"];

/// Root types and the mixins projects split them into (`UserQuery`, `AccountMutations`).
fn is_root(name: &str) -> bool {
    ROOTS
        .iter()
        .any(|r| name.ends_with(r) || name.ends_with(&format!("{r}s")))
        || name.ends_with("Queries")
}

/// Django related-manager methods that run a query (`self.posts.all()`): those that take no
/// argument, then those whose names no dict or list has.
const MANAGER_QUERIES: &[&str] = &["all", "count", "exists", "first", "last"];
const MANAGER_QUERIES_WITH_ARGS: &[&str] = &["filter", "exclude", "order_by", "aggregate"];

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let graphene = imports_from(checker.semantic, &["graphene", "graphene_django"]);
    let strawberry = imports_from(checker.semantic, &["strawberry", "strawberry_django"]);
    if !graphene && !strawberry {
        return;
    }
    let Some(name) = function.field("name").map(|n| checker.text(n)) else {
        return;
    };
    // The method's class, and its decorators.
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
    let Some(class) = parent
        .filter(|p| p.kind_str() == "block")
        .and_then(|_| up.next())
        .filter(|c| c.kind_str() == "class_definition")
    else {
        return;
    };
    let Some(class_name) = class.field("name").map(|n| checker.text(n)) else {
        return;
    };
    if is_root(class_name) {
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
    let field = if graphene && bases.contains("ObjectType") {
        name.strip_prefix("resolve_")
    } else if strawberry
        && class_decorated
        && decorators.iter().any(|d| {
            let t = checker.text(*d);
            t.starts_with("@strawberry.field") || t.starts_with("@strawberry_django.field")
        })
    {
        Some(name)
    } else {
        None
    };
    let Some(field) = field else {
        return;
    };
    // The parent object: `self` (Strawberry, and Graphene's convention) or the first parameter.
    let Some(parent_name) = ba_analysis::routes::python_params(function, checker.source)
        .first()
        .copied()
    else {
        return;
    };
    let Some(body) = function.field("body") else {
        return;
    };
    if uses_loader(checker.text(body)) {
        return;
    }
    let mut found = Vec::new();
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        match n.kind_str() {
            "function_definition" | "lambda" | "class_definition" => continue,
            "call" => {
                if let Some(what) = python_query(checker, n, parent_name) {
                    found.push((n, what));
                    continue;
                }
            }
            _ => {}
        }
        stack.extend(named_children(n));
    }
    found.sort_by_key(|(n, _)| n.start_byte());
    for (call, what) in found {
        report(checker, call, &format!("{class_name}.{field}"), &what);
    }
}

/// A query about `parent`: its related manager (`self.posts.all()`), or a model manager or
/// session query whose arguments name it (`Post.objects.filter(author=root)`).
fn python_query<'a>(checker: &Checker<'a>, call: Node<'a>, parent: &str) -> Option<String> {
    let func = call.field("function")?;
    if func.kind_str() != "attribute" {
        return None;
    }
    let (root, names) = chain(checker, call);
    let last = *names.last()?;
    let root_text = checker.text(root);
    let short = crate::security::callee(checker.text(func));
    // `parent.relation.method(…)` exactly, in a Django project (SQLAlchemy relationships load
    // on attribute access, which this does not see; dicts and lists have `get`/`count`).
    let no_args = call
        .field("arguments")
        .is_some_and(|a| named_children(a).is_empty());
    if root.kind_str() == "identifier"
        && root_text == parent
        && names.len() == 2
        && !names[0].starts_with('_')
        && ((MANAGER_QUERIES.contains(&last) && no_args)
            || MANAGER_QUERIES_WITH_ARGS.contains(&last))
        && imports_from(
            checker.semantic,
            &["django", "graphene_django", "strawberry_django"],
        )
    {
        return Some(format!("`{short}(…)`"));
    }
    let mentions = call
        .field("arguments")
        .is_some_and(|a| mentions_name(checker.text(a), parent));
    if !mentions {
        return None;
    }
    let first = *names.first()?;
    let receiver = root_text.rsplit('.').next().unwrap_or("");
    let session =
        matches!(first, "query" | "execute" | "scalars" | "scalar" | "get") && is_db_name(receiver);
    if names.contains(&"objects") || session {
        return Some(format!("`{short}(…)`"));
    }
    None
}

/// Whether `text` uses the identifier `name` (not as part of a longer word).
fn mentions_name(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// A DataLoader (or any batching loader) in the resolver: already batched.
fn uses_loader(body: &str) -> bool {
    body.contains(".load(")
        || body.contains(".load_many(")
        || body.contains(".loadMany(")
        || body.to_ascii_lowercase().contains("loader")
}

fn report(checker: &mut Checker, call: Node, field: &str, what: &str) {
    checker.report(call, format!(
        "the resolver of `{field}` runs {what} for each parent object: GraphQL calls it once per item of every list that selects `{field}`, so a page of N items runs N more queries (N+1); batch the loads with a DataLoader created per request (`strawberry.dataloader.DataLoader`, `aiodataloader`, `dataloader` on npm) or prefetch in the parent's resolver"
    ));
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(call) = caps.get("call") else {
        return;
    };
    if call.kind_str() != "call_expression"
        || (js_query_call(checker, call, false).is_none() && !injected_query(checker, call))
    {
        return;
    }
    let path = ancestors(checker.item, call);
    // The innermost function around the call, and what is around that function.
    let Some(fi) = path.iter().rposition(|a| {
        matches!(
            a.kind_str(),
            "arrow_function" | "function_expression" | "function" | "method_definition"
        )
    }) else {
        return;
    };
    let function = path[fi];
    let Some((field, parent)) = js_field_resolver(checker, &path[..fi], function) else {
        return;
    };
    if let Some(body) = function.field("body") {
        if uses_loader(checker.text(body)) {
            return;
        }
    }
    let args = call
        .field("arguments")
        .map(|a| checker.text(a))
        .unwrap_or("");
    let receiver_is_parent = chain(checker, call).0.kind_str() == "identifier"
        && checker.text(chain(checker, call).0) == parent;
    if !mentions_name(args, &parent) && !receiver_is_parent {
        return;
    }
    let func = call.field("function").unwrap_or(call);
    let short = crate::security::callee(checker.text(func));
    report(checker, func, &field, &format!("`{short}(…)`"));
}

/// A query through a client the class was given (`this.prisma.post.findMany(…)`,
/// `this.usersRepository.find(…)`, `this.dataSource.query(…)`): NestJS and TypeGraphQL
/// resolvers hold their data access in injected fields.
fn injected_query<'a>(checker: &Checker<'a>, call: Node<'a>) -> bool {
    injected_method(checker, call).is_some()
}

/// The query method of a call through an injected client (`injected_query`).
pub(crate) fn injected_method<'a>(checker: &Checker<'a>, call: Node<'a>) -> Option<&'a str> {
    let (root, names) = chain(checker, call);
    if root.kind_str() != "this" {
        return None;
    }
    let (first, last) = (*names.first()?, *names.last()?);
    let lower = first.to_ascii_lowercase();
    let client = lower == "prisma"
        || lower.ends_with("repository")
        || lower.ends_with("repo")
        || lower.ends_with("model")
        || lower == "datasource"
        || lower == "db"
        || lower == "knex";
    (client
        && matches!(
            last,
            "find"
                | "findMany"
                | "findOne"
                | "findUnique"
                | "findFirst"
                | "findBy"
                | "findOneBy"
                | "findAll"
                | "count"
                | "query"
                | "aggregate"
        ))
    .then_some(last)
}

/// For a function that resolves a field of a non-root object type, `Type.field` and the name
/// of the parameter holding the parent object: a resolver map entry (`Author: { posts:
/// (author) => … }` beside `Query`/`Mutation`), or a NestJS/TypeGraphQL `@ResolveField()` /
/// `@FieldResolver()` method (`@Parent()`/`@Root()` parameter).
fn js_field_resolver<'a>(
    checker: &Checker<'a>,
    outer: &[Node<'a>],
    function: Node<'a>,
) -> Option<(String, String)> {
    let params = function
        .field("parameters")
        .map(named_children)
        .unwrap_or_default();
    if function.kind_str() == "method_definition" {
        // Decorated class method: the decorators are its preceding siblings in the class body.
        let name = checker.text(function.field("name")?);
        let mut decorated = false;
        let mut prev = function.prev_named_sibling();
        while let Some(p) = prev.filter(|p| p.kind_str() == "decorator") {
            let t = checker.text(p);
            decorated |= t.starts_with("@ResolveField") || t.starts_with("@FieldResolver");
            prev = p.prev_named_sibling();
        }
        if decorated {
            let parent = params.iter().find_map(|p| {
                let t = checker.text(*p);
                (t.starts_with("@Parent(") || t.starts_with("@Root(")).then(|| {
                    p.field("pattern")
                        .map(|n| checker.text(n).to_owned())
                        .unwrap_or_default()
                })
            })?;
            let at = outer.iter().rposition(|a| {
                matches!(
                    a.kind_str(),
                    "class_declaration" | "class" | "abstract_class_declaration"
                )
            })?;
            // `@Resolver(() => Author)` names the type; else the class without `Resolver`.
            let decorators = outer[at.saturating_sub(1)..=at]
                .iter()
                .flat_map(|n| named_children(*n))
                .filter(|d| d.kind_str() == "decorator");
            let of = decorators
                .map(|d| checker.text(d))
                .find(|t| t.starts_with("@Resolver("))
                .and_then(|t| {
                    let inner = t.split_once('(')?.1.rsplit_once(')')?.0;
                    let name = inner.rsplit("=>").next()?.trim().trim_matches(['"', '\'']);
                    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                        .then(|| name.to_owned())
                });
            let class = of.unwrap_or_else(|| {
                outer[at]
                    .field("name")
                    .map(|n| checker.text(n).trim_end_matches("Resolver").to_owned())
                    .unwrap_or_default()
            });
            return Some((format!("{class}.{name}"), parent));
        }
    }
    // Resolver map: function → pair (or the method itself) → object → pair `Type:` → object
    // that also holds a root type.
    let mut up = outer.iter().rev().copied();
    let key = match function.kind_str() {
        "method_definition" => function.field("name")?,
        _ => up.next().filter(|p| p.kind_str() == "pair")?.field("key")?,
    };
    let _fields = up.next().filter(|o| o.kind_str() == "object")?;
    let type_pair = up.next().filter(|p| p.kind_str() == "pair")?;
    let map = up.next().filter(|o| o.kind_str() == "object")?;
    let type_name = checker
        .text(type_pair.field("key")?)
        .trim_matches(['"', '\'']);
    if is_root(type_name) || !type_name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let has_root = named_children(map).iter().any(|p| {
        p.kind_str() == "pair"
            && p.field("key")
                .is_some_and(|k| ROOTS.contains(&checker.text(k).trim_matches(['"', '\''])))
    });
    if !has_root {
        return None;
    }
    let first = params.first()?;
    let parent = match first.kind_str() {
        "identifier" => checker.text(*first).to_owned(),
        // `({ authorId }) => …`: the destructured fields are the parent's.
        "object_pattern" => {
            let names: Vec<String> = named_children(*first)
                .iter()
                .map(|n| checker.text(*n).to_owned())
                .collect();
            names.into_iter().next()?
        }
        _ => return None,
    };
    Some((
        format!(
            "{type_name}.{}",
            checker.text(key).trim_matches(['"', '\''])
        ),
        parent,
    ))
}

const DOCS: &str = r#"## What it does
Flags database queries in the resolver of a field of a GraphQL object type (not `Query`,
`Mutation` or `Subscription`) that load data for the parent object: Graphene
`resolve_<field>(parent, info)` and Strawberry `@strawberry.field` methods that query through
`self`/the parent (`self.posts.all()`, `Post.objects.filter(author=root)`); resolver-map entries
beside `Query`/`Mutation` (`Author: { posts: (author) => db.query(…, [author.id]) }`) and
NestJS/TypeGraphQL `@ResolveField()`/`@FieldResolver()` methods querying with their
`@Parent()`/`@Root()` object. A resolver that uses a loader (`.load(`, a `loader` object) is
not reported.

## Why is this bad?
GraphQL runs a field's resolver once for every object that has the field in the result. A query
for 50 authors with their posts runs one query for the authors and 50 more for the posts; nested
lists multiply. The cost grows with what clients choose to ask, so a single request can put a
heavy load on the database. A DataLoader collects the keys requested while one level of the
query is resolved and loads them in one batched query (`WHERE author_id IN (…)`).

## Example
```python
@strawberry.type
class Author:
    id: strawberry.ID

    @strawberry.field
    def posts(self) -> list[Post]:
        return list(PostModel.objects.filter(author_id=self.id))
```

## Use instead
```python
async def load_posts(author_ids: list[str]) -> list[list[Post]]:
    rows = PostModel.objects.filter(author_id__in=author_ids)
    by_author = defaultdict(list)
    async for p in rows:
        by_author[str(p.author_id)].append(p)
    return [by_author[a] for a in author_ids]

@strawberry.type
class Author:
    id: strawberry.ID

    @strawberry.field
    async def posts(self, info: Info) -> list[Post]:
        return await info.context["post_loader"].load(self.id)
```

## References
- [CWE-1073: Non-SQL Invokable Control Element with Excessive Number of Data Resource Accesses](https://cwe.mitre.org/data/definitions/1073.html)
- [Strawberry: DataLoaders](https://strawberry.rocks/docs/guides/dataloaders)
- [graphql/dataloader](https://github.com/graphql/dataloader)
- [Graphene: DataLoader](https://docs.graphene-python.org/en/latest/execution/dataloader/)
"#;
