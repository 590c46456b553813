//! GraphQL schemas as facts: the fields of `Query`, `Mutation`, `Subscription` (and object
//! types) with the function that resolves each, for Strawberry, Graphene (graphene-django
//! included), Ariadne, resolver maps (Apollo Server, graphql-yoga, Mercurius, graphql-tools:
//! `{ Query: { user: (parent, args) => … } }`), NestJS `@nestjs/graphql` and TypeGraphQL
//! (`@Resolver` classes with `@Query`/`@Mutation`/`@Subscription`/`@ResolveField` methods).
//!
//! Names are kept as written. Which parameters of a resolver carry client data is decided in
//! `ba_analysis::resolvers`, which the taint engine reads; these facts feed symbols, code
//! lenses and the workspace index.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::facts::Span;
pub use super::facts::{GraphqlLibrary, HandlerAuth, Resolver};
use ba_analysis::{named_children, text};

fn span(n: Node) -> Span {
    Span(n.byte_range())
}

/// A decorator's callee as written, without `@` and arguments: `strawberry.field`.
pub(crate) fn decorator_name<'s>(d: Node, src: &'s str) -> &'s str {
    let t = text(d, src).trim_start_matches('@').trim();
    t.split('(').next().unwrap_or(t).trim()
}

/// The first string argument of a decorator call (`@query.field("user")` → `user`).
pub(crate) fn decorator_string(d: Node, src: &str) -> Option<String> {
    let call = d.named_child(0).filter(|c| c.kind_str() == "call")?;
    let first = named_children(call.field("arguments")?)
        .into_iter()
        .find(|a| a.kind_str() == "string")?;
    ba_analysis::string_value(ba_syntax::Language::Python, first, src).map(str::to_owned)
}

/// Python: which GraphQL libraries the file imports.
#[derive(Clone, Copy, Default)]
pub(crate) struct PyMentions {
    pub strawberry: bool,
    pub graphene: bool,
    pub ariadne: bool,
}

impl PyMentions {
    pub fn of(heads: &str) -> Self {
        PyMentions {
            strawberry: heads.contains("strawberry"),
            graphene: heads.contains("graphene"),
            ariadne: heads.contains("ariadne"),
        }
    }
    pub fn any(self) -> bool {
        self.strawberry || self.graphene || self.ariadne
    }
    pub fn key(self) -> u64 {
        u64::from(self.strawberry) | u64::from(self.graphene) << 1 | u64::from(self.ariadne) << 2
    }
}

/// Whether a top-level Python item can define handlers: a definition, or one inside
/// `if`/`try`/`with` (the GraphQL and WebSocket extractors look only there).
pub(crate) fn may_define(item: Node) -> bool {
    matches!(
        item.kind_str(),
        "class_definition"
            | "decorated_definition"
            | "function_definition"
            | "if_statement"
            | "try_statement"
            | "with_statement"
    )
}

/// Python resolvers in one top-level item.
pub(crate) fn extract_python(item: Node, src: &str, m: PyMentions, out: &mut Vec<Resolver>) {
    let before = out.len();
    extract_python_resolvers(item, src, m, out);
    judge_auth(&mut out[before..], src, true);
}

/// Each new resolver's auth, judged on its text (`handler_auth`).
fn judge_auth(resolvers: &mut [Resolver], src: &str, python: bool) {
    for r in resolvers {
        r.auth = crate::handler_auth::handler_auth(src, &r.full.0, r.span.0.start, python);
    }
}

fn extract_python_resolvers(item: Node, src: &str, m: PyMentions, out: &mut Vec<Resolver>) {
    if !may_define(item) {
        return;
    }
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    super::walk_named(item, &mut |n| match n.kind_str() {
        "decorated_definition" => {
            let decorators: Vec<Node> = named_children(n)
                .into_iter()
                .filter(|d| d.kind_str() == "decorator")
                .collect();
            match n.field("definition") {
                Some(def) if def.kind_str() == "class_definition" => {
                    python_class(def, &decorators, src, m, out);
                    false
                }
                Some(def) if def.kind_str() == "function_definition" => {
                    ariadne_function(def, &decorators, src, m, out);
                    true
                }
                _ => true,
            }
        }
        "class_definition" => {
            python_class(n, &[], src, m, out);
            false
        }
        "string" | "comment" | "identifier" => false,
        _ => true,
    });
}

/// Ariadne: `@query.field("user")`, `@mutation.field("x")`, `@subscription.source("x")`.
fn ariadne_function(
    def: Node,
    decorators: &[Node],
    src: &str,
    m: PyMentions,
    out: &mut Vec<Resolver>,
) {
    if !m.ariadne {
        return;
    }
    for d in decorators {
        let name = decorator_name(*d, src);
        let Some((var, method)) = name.rsplit_once('.') else {
            continue;
        };
        if !matches!(method, "field" | "source") {
            continue;
        }
        let Some(field) = decorator_string(*d, src) else {
            continue;
        };
        let Some(fname) = def.field("name") else {
            continue;
        };
        out.push(Resolver {
            auth: HandlerAuth::None,
            library: GraphqlLibrary::Ariadne,
            parent: ariadne_type(var),
            field,
            function: text(fname, src).to_owned(),
            span: span(fname),
            full: span(def),
        });
    }
}

/// The GraphQL type an Ariadne bindable variable stands for, by its name (`query = QueryType()`
/// → `Query`; `user = ObjectType("User")` → `User`).
fn ariadne_type(var: &str) -> String {
    let lower = var.to_ascii_lowercase();
    for t in ["Query", "Mutation", "Subscription"] {
        if lower.contains(&t.to_ascii_lowercase()) {
            return t.to_owned();
        }
    }
    let mut c = var.trim_start_matches('_').chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => var.to_owned(),
    }
}

fn python_class(
    class: Node,
    decorators: &[Node],
    src: &str,
    m: PyMentions,
    out: &mut Vec<Resolver>,
) {
    let Some(cname) = class.field("name").map(|n| text(n, src)) else {
        return;
    };
    let bases = class
        .field("superclasses")
        .map(|b| text(b, src))
        .unwrap_or("");
    let strawberry = m.strawberry
        && decorators.iter().any(|d| {
            let n = decorator_name(*d, src);
            n.starts_with("strawberry") && n.ends_with(".type") || n == "type"
        });
    let graphene_object = m.graphene && bases.contains("ObjectType");
    let graphene_mutation = m.graphene && bases.contains("Mutation") && !graphene_object;
    if !(strawberry || graphene_object || graphene_mutation) {
        return;
    }
    let Some(body) = class.field("body") else {
        return;
    };
    // Strawberry's `name=` on the type decorator renames it.
    let parent = decorators
        .iter()
        .find_map(|d| keyword_string(*d, "name", src))
        .unwrap_or_else(|| cname.to_owned());
    for stmt in named_children(body) {
        let (def, decs): (Node, Vec<Node>) = match stmt.kind_str() {
            "decorated_definition" => match stmt.field("definition") {
                Some(d) => (
                    d,
                    named_children(stmt)
                        .into_iter()
                        .filter(|d| d.kind_str() == "decorator")
                        .collect(),
                ),
                None => continue,
            },
            "function_definition" => (stmt, Vec::new()),
            "expression_statement" if strawberry => {
                strawberry_assignment(stmt, &parent, src, out);
                continue;
            }
            _ => continue,
        };
        if def.kind_str() != "function_definition" {
            continue;
        }
        let Some(fname) = def.field("name") else {
            continue;
        };
        let name = text(fname, src);
        if strawberry {
            let Some(d) = decs.iter().find(|d| {
                let n = decorator_name(**d, src);
                let last = n.rsplit('.').next().unwrap_or(n);
                matches!(last, "field" | "mutation" | "subscription")
                    && (n.starts_with("strawberry") || !n.contains('.'))
            }) else {
                continue;
            };
            out.push(Resolver {
                auth: HandlerAuth::None,
                library: GraphqlLibrary::Strawberry,
                parent: parent.clone(),
                field: keyword_string(*d, "name", src).unwrap_or_else(|| name.to_owned()),
                function: name.to_owned(),
                span: span(fname),
                full: span(stmt),
            });
        } else if graphene_object {
            if let Some(field) = name.strip_prefix("resolve_") {
                out.push(Resolver {
                    auth: HandlerAuth::None,
                    library: GraphqlLibrary::Graphene,
                    parent: parent.clone(),
                    field: field.to_owned(),
                    function: name.to_owned(),
                    span: span(fname),
                    full: span(stmt),
                });
            }
        } else if matches!(name, "mutate" | "mutate_and_get_payload") {
            out.push(Resolver {
                auth: HandlerAuth::None,
                library: GraphqlLibrary::Graphene,
                parent: "Mutation".to_owned(),
                field: cname.to_owned(),
                function: format!("{cname}.{name}"),
                span: span(fname),
                full: span(stmt),
            });
        }
    }
}

/// `user: User = strawberry.field(resolver=get_user)` in a Strawberry type.
fn strawberry_assignment(stmt: Node, parent: &str, src: &str, out: &mut Vec<Resolver>) {
    let Some(assign) = stmt.named_child(0).filter(|a| a.kind_str() == "assignment") else {
        return;
    };
    let (Some(left), Some(right)) = (assign.field("left"), assign.field("right")) else {
        return;
    };
    if right.kind_str() != "call" || left.kind_str() != "identifier" {
        return;
    }
    let callee = right.field("function").map(|f| text(f, src)).unwrap_or("");
    let last = callee.rsplit('.').next().unwrap_or(callee);
    if !matches!(last, "field" | "mutation" | "subscription") {
        return;
    }
    let Some(resolver) = right.field("arguments").and_then(|a| {
        named_children(a).into_iter().find_map(|k| {
            (k.kind_str() == "keyword_argument"
                && k.field("name").is_some_and(|n| text(n, src) == "resolver"))
            .then(|| k.field("value"))
            .flatten()
        })
    }) else {
        return;
    };
    out.push(Resolver {
        auth: HandlerAuth::None,
        library: GraphqlLibrary::Strawberry,
        parent: parent.to_owned(),
        field: text(left, src).to_owned(),
        function: text(resolver, src).to_owned(),
        span: span(left),
        full: span(stmt),
    });
}

/// `@strawberry.type(name="Query")` → `Query`.
fn keyword_string(d: Node, key: &str, src: &str) -> Option<String> {
    let call = d.named_child(0).filter(|c| c.kind_str() == "call")?;
    named_children(call.field("arguments")?)
        .into_iter()
        .find(|k| {
            k.kind_str() == "keyword_argument"
                && k.field("name").is_some_and(|n| text(n, src) == key)
        })
        .and_then(|k| k.field("value"))
        .and_then(|v| ba_analysis::string_value(ba_syntax::Language::Python, v, src))
        .map(str::to_owned)
}

/// JavaScript: resolver maps and `@Resolver` classes in one top-level item. Resolver maps are
/// recognised by their shape alone (a `Query`/`Mutation`/`Subscription` key whose object holds
/// functions), since resolver modules often import nothing from GraphQL.
pub(crate) fn extract_javascript(item: Node, src: &str, out: &mut Vec<Resolver>) {
    let before = out.len();
    extract_javascript_resolvers(item, src, out);
    judge_auth(&mut out[before..], src, false);
}

fn extract_javascript_resolvers(item: Node, src: &str, out: &mut Vec<Resolver>) {
    let t = text(item, src);
    if t.len() < 8 {
        return;
    }
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    let maps = ["Query", "Mutation", "Subscription"]
        .iter()
        .any(|k| t.contains(k));
    let classes = t.contains("Resolver");
    if !maps && !classes {
        return;
    }
    super::walk_named(item, &mut |n| match n.kind_str() {
        "pair" if maps => {
            resolver_map(n, src, out);
            true
        }
        "class_declaration" | "class" | "abstract_class_declaration" if classes => {
            decorated_class(n, src, out);
            false
        }
        "export_statement" if classes => {
            // `@Resolver() export class X {}`: the decorator belongs to the export.
            if let Some(class) = n
                .field("declaration")
                .filter(|d| d.kind_str().contains("class"))
            {
                let decs: Vec<Node> = named_children(n)
                    .into_iter()
                    .filter(|d| d.kind_str() == "decorator")
                    .collect();
                if !decs.is_empty() {
                    decorated_class_with(class, &decs, src, out);
                    return false;
                }
            }
            true
        }
        "string" | "comment" | "template_string" => false,
        _ => true,
    });
}

fn key_of<'s>(pair: Node, src: &'s str) -> &'s str {
    pair.field("key")
        .map(|k| text(k, src).trim_matches(['"', '\'', '`']))
        .unwrap_or("")
}

fn is_function(n: Node) -> bool {
    matches!(
        n.kind_str(),
        "arrow_function" | "function_expression" | "function"
    )
}

/// `Query: { user: (parent, args) => …, async users() {…} }`.
fn resolver_map(pair: Node, src: &str, out: &mut Vec<Resolver>) {
    let parent = key_of(pair, src);
    if !matches!(parent, "Query" | "Mutation" | "Subscription") {
        return;
    }
    let Some(obj) = pair.field("value").filter(|v| v.kind_str() == "object") else {
        return;
    };
    for entry in named_children(obj) {
        let (key, value) = match entry.kind_str() {
            "pair" => (entry.field("key"), entry.field("value")),
            "method_definition" => (entry.field("name"), Some(entry)),
            "shorthand_property_identifier" => (Some(entry), None),
            _ => continue,
        };
        let Some(key) = key else {
            continue;
        };
        let field = text(key, src).trim_matches(['"', '\'', '`']).to_owned();
        let function = match value {
            Some(v) if is_function(v) || v.kind_str() == "method_definition" => {
                format!("{parent}.{field}")
            }
            // `subscribe`/`resolve` objects of subscriptions.
            Some(v) if v.kind_str() == "object" => format!("{parent}.{field}"),
            Some(v) if matches!(v.kind_str(), "identifier" | "member_expression") => {
                text(v, src).to_owned()
            }
            None => field.clone(),
            _ => continue,
        };
        out.push(Resolver {
            auth: HandlerAuth::None,
            library: GraphqlLibrary::ResolverMap,
            parent: parent.to_owned(),
            field,
            function,
            span: span(key),
            full: span(entry),
        });
    }
}

fn decorated_class(class: Node, src: &str, out: &mut Vec<Resolver>) {
    let decs: Vec<Node> = named_children(class)
        .into_iter()
        .filter(|d| d.kind_str() == "decorator")
        .collect();
    decorated_class_with(class, &decs, src, out);
}

/// A JS decorator's callee name (`@Resolver(() => User)` → `Resolver`).
pub(crate) fn js_decorator_name<'s>(d: Node, src: &'s str) -> &'s str {
    let t = text(d, src).trim_start_matches('@').trim();
    let name = t.split('(').next().unwrap_or(t).trim();
    name.rsplit('.').next().unwrap_or(name)
}

/// The methods of a class and the decorators written before each.
pub(crate) fn decorated_methods<'t>(class: Node<'t>) -> Vec<(Node<'t>, Vec<Node<'t>>)> {
    let mut out = Vec::new();
    let Some(body) = class.field("body") else {
        return out;
    };
    let mut pending = Vec::new();
    for c in named_children(body) {
        match c.kind_str() {
            "decorator" => pending.push(c),
            "method_definition" => {
                let mut decs = std::mem::take(&mut pending);
                decs.extend(
                    named_children(c)
                        .into_iter()
                        .filter(|d| d.kind_str() == "decorator"),
                );
                out.push((c, decs));
            }
            "comment" => {}
            _ => pending.clear(),
        }
    }
    out
}

fn decorated_class_with(class: Node, decs: &[Node], src: &str, out: &mut Vec<Resolver>) {
    if !decs
        .iter()
        .any(|d| js_decorator_name(*d, src) == "Resolver")
    {
        return;
    }
    // The object type of `@ResolveField`s: `@Resolver(() => User)` / `@Resolver(of => User)`
    // / `@Resolver("User")`.
    let object_type = decs
        .iter()
        .find(|d| js_decorator_name(**d, src) == "Resolver")
        .and_then(|d| {
            let t = text(*d, src);
            let inner = t.split_once('(')?.1.rsplit_once(')')?.0.trim();
            let name = inner.rsplit("=>").next()?.trim().trim_matches(['"', '\'']);
            (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .then(|| name.to_owned())
        });
    for (method, mdecs) in decorated_methods(class) {
        let Some(name) = method.field("name") else {
            continue;
        };
        let Some(d) = mdecs.iter().find(|d| {
            matches!(
                js_decorator_name(**d, src),
                "Query" | "Mutation" | "Subscription" | "ResolveField" | "FieldResolver"
            )
        }) else {
            continue;
        };
        let kind = js_decorator_name(*d, src);
        let parent = match kind {
            "ResolveField" | "FieldResolver" => object_type.clone().unwrap_or_else(|| "?".into()),
            k => k.to_owned(),
        };
        let mname = text(name, src);
        // `@Query(() => User, { name: "user" })`, `@Query("user")`.
        let t = text(*d, src);
        let field = option_name(t).unwrap_or_else(|| mname.to_owned());
        out.push(Resolver {
            auth: HandlerAuth::None,
            library: GraphqlLibrary::Decorators,
            parent,
            field,
            function: mname.to_owned(),
            span: span(name),
            full: span(method),
        });
    }
}

/// `{ name: "user" }` inside a decorator's arguments, or a first string argument.
fn option_name(decorator: &str) -> Option<String> {
    if let Some(i) = decorator.find("name:") {
        let rest = decorator[i + 5..].trim_start();
        let q = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))?;
        let end = rest[1..].find(q)?;
        return Some(rest[1..1 + end].to_owned());
    }
    let args = decorator.split_once('(')?.1.trim_start();
    let q = args.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let end = args[1..].find(q)?;
    Some(args[1..1 + end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names() {
        assert_eq!(
            option_name("@Query(() => User, { name: 'user' })").as_deref(),
            Some("user")
        );
        assert_eq!(option_name("@Query(\"users\")").as_deref(), Some("users"));
        assert_eq!(option_name("@Query(() => [User])"), None);
    }

    #[test]
    fn ariadne_types() {
        assert_eq!(ariadne_type("query"), "Query");
        assert_eq!(ariadne_type("mutation_type"), "Mutation");
        assert_eq!(ariadne_type("user"), "User");
    }
}

#[cfg(test)]
mod extraction {
    use ba_syntax::Language;

    fn labels(language: Language, src: &str) -> Vec<String> {
        let tree = ba_syntax::parse::parse(language, src, None).unwrap();
        let facts = crate::extract(language, &tree, src, "/p/app/schema.x");
        facts.resolvers.iter().map(|r| r.label()).collect()
    }

    #[test]
    fn strawberry_types_and_fields() {
        let src = r#"
import strawberry
from strawberry.types import Info

def get_books() -> list["Book"]:
    return []

@strawberry.type
class Query:
    books: list[Book] = strawberry.field(resolver=get_books)
    plain: str = "x"

    @strawberry.field
    def user(self, info: Info, id: strawberry.ID) -> "User":
        return load(id)

    @strawberry.field(name="me")
    async def current_user(self, info: Info) -> "User":
        return info.context.user

    def helper(self):
        pass

@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_book(self, title: str) -> Book:
        return Book(title=title)
"#;
        assert_eq!(
            labels(Language::Python, src),
            [
                "Query.books → get_books",
                "Query.user → user",
                "Query.me → current_user",
                "Mutation.add_book → add_book"
            ]
        );
    }

    #[test]
    fn graphene_and_ariadne() {
        let src = r#"
import graphene
from graphene_django import DjangoObjectType

class UserType(DjangoObjectType):
    class Meta:
        model = User

class Query(graphene.ObjectType):
    user = graphene.Field(UserType, id=graphene.ID(required=True))

    def resolve_user(root, info, id):
        return User.objects.get(pk=id)

class CreateUser(graphene.Mutation):
    class Arguments:
        name = graphene.String()

    def mutate(root, info, name):
        return CreateUser(user=User.objects.create(name=name))
"#;
        assert_eq!(
            labels(Language::Python, src),
            [
                "Query.user → resolve_user",
                "Mutation.CreateUser → CreateUser.mutate"
            ]
        );
        let src = r#"
from ariadne import QueryType, MutationType, ObjectType

query = QueryType()
mutation = MutationType()

@query.field("user")
def resolve_user(obj, info, id):
    return db.get(id)

@mutation.field("addUser")
async def resolve_add_user(obj, info, input):
    return input
"#;
        assert_eq!(
            labels(Language::Python, src),
            [
                "Query.user → resolve_user",
                "Mutation.addUser → resolve_add_user"
            ]
        );
        // Without the library, the same shapes are nothing.
        assert!(labels(
            Language::Python,
            "class Query(ObjectType):\n    def resolve_x(self, info): pass\n"
        )
        .is_empty());
    }

    #[test]
    fn resolver_maps_and_decorated_classes() {
        let src = r#"
const { ApolloServer } = require("@apollo/server");
const resolvers = {
  Query: {
    user: (parent, args, context) => context.db.user(args.id),
    async users(_, { first }) { return []; },
    books,
  },
  Mutation: {
    addUser: async (_, { input }) => input,
  },
  Subscription: {
    userAdded: { subscribe: () => pubsub.asyncIterator(["USER_ADDED"]) },
  },
  User: { posts: (user) => [] },
};
const other = { Query: "not a resolver map" };
"#;
        assert_eq!(
            labels(Language::JavaScript, src),
            [
                "Query.user → Query.user",
                "Query.users → Query.users",
                "Query.books → books",
                "Mutation.addUser → Mutation.addUser",
                "Subscription.userAdded → Subscription.userAdded"
            ]
        );
        let src = r#"
import { Resolver, Query, Mutation, Args, ResolveField, Parent } from "@nestjs/graphql";

@Resolver(() => Author)
export class AuthorsResolver {
  constructor(private authorsService: AuthorsService) {}

  @Query(() => Author, { name: "author" })
  async getAuthor(@Args("id", { type: () => Int }) id: number) {
    return this.authorsService.findOneById(id);
  }

  @Mutation(() => Author)
  createAuthor(@Args("input") input: CreateAuthorInput) {
    return this.authorsService.create(input);
  }

  @ResolveField()
  async posts(@Parent() author: Author) {
    return [];
  }

  helper() {}
}
"#;
        assert_eq!(
            labels(Language::TypeScript, src),
            [
                "Query.author → getAuthor",
                "Mutation.createAuthor → createAuthor",
                "Author.posts → posts"
            ]
        );
    }
}
