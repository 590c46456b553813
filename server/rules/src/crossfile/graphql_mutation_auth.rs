//! SEC805 graphql-mutation-missing-auth: a GraphQL mutation that checks nothing about its caller
//! while the other mutations of its schema do.

use super::CrossFinding;
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::facts::HandlerAuth;
use ba_app::{Anchor, FileClass, WorkspaceIndex};

pub static RULE: Rule = Rule {
    code: "SEC805",
    name: "graphql-mutation-missing-auth",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[862],
    owasp: Some("A01:2021 Broken Access Control"),
    summary: "A GraphQL mutation checks nothing about its caller while the other mutations of the schema do; add the same authentication or permission check.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[],
};

/// Words of mutations that are public by nature (signing in and up, tokens, password resets,
/// confirmations), beside the route words of the missing-auth rule.
const PUBLIC_MUTATION_WORDS: &[&str] = &["auth", "authenticate", "obtain", "contact", "subscribe"];

fn public_by_name(field: &str) -> bool {
    ba_app::classify::words(field).iter().any(|w| {
        super::missing_auth::PUBLIC_WORDS.contains(&w.as_str())
            || PUBLIC_MUTATION_WORDS.contains(&w.as_str())
    })
}

pub fn check(index: &WorkspaceIndex, out: &mut Vec<CrossFinding>) {
    // Mutations per GraphQL library (one schema per library in a workspace, as a rule): each
    // with its file, index and auth.
    let mut schemas: std::collections::BTreeMap<&'static str, Vec<(&ba_app::FileEntry, usize)>> =
        Default::default();
    for file in index.files() {
        if file.facts.class != FileClass::Runtime {
            continue;
        }
        for (i, r) in file.facts.resolvers.iter().enumerate() {
            if r.parent == "Mutation" {
                schemas.entry(r.library.name()).or_default().push((file, i));
            }
        }
    }
    for mutations in schemas.values() {
        let guarded: Vec<&str> = mutations
            .iter()
            .map(|(f, i)| &f.facts.resolvers[*i])
            .filter(|r| r.auth == HandlerAuth::Required)
            .map(|r| r.field.as_str())
            .collect();
        let open: Vec<(&ba_app::FileEntry, usize)> = mutations
            .iter()
            .copied()
            .filter(|(f, i)| {
                let r = &f.facts.resolvers[*i];
                r.auth == HandlerAuth::None && !public_by_name(&r.field)
            })
            .collect();
        // The schema's convention: at least two mutations check their caller, and they are not
        // outnumbered by the ones that do not (a mostly public schema is judged by its owners).
        if guarded.len() < 2 || open.len() > guarded.len() {
            continue;
        }
        let shown: Vec<String> = guarded.iter().take(3).map(|f| format!("`{f}`")).collect();
        let more = if guarded.len() > 3 {
            format!(" and {} more", guarded.len() - 3)
        } else {
            String::new()
        };
        for (file, i) in open {
            let r = &file.facts.resolvers[i];
            out.push(CrossFinding {
                code: RULE.code,
                at: (file.key.clone(), Anchor::Resolver(i)),
                message: format!(
                    "the mutation `{}` (`{}`) runs without checking its caller, while {} of this schema's mutations do ({}{more}): anyone who can reach the endpoint can call it; add the same authentication or permission check (or mark it public on purpose)",
                    r.field,
                    r.function,
                    guarded.len(),
                    shown.join(", "),
                ),
                severity: RULE.severity,
                related: Vec::new(),
            });
        }
    }
}

const DOCS: &str = r#"## What it does
Reads every GraphQL resolver of the workspace (Strawberry, Graphene, Ariadne, resolver maps
for Apollo Server and others, NestJS and TypeGraphQL `@Mutation()` methods) and reports a
mutation that checks nothing about its caller when at least two mutations of the same schema
do, and they are not outnumbered by unchecked ones. A check is a decorator or guard that
authenticates or authorises (`@login_required`, `permission_classes=[IsAuthenticated]`,
`@UseGuards(GqlAuthGuard)`, `@Authorized()`), or code that checks the user
(`info.context.user.is_authenticated`, `throw new AuthenticationError(…)`). Mutations that are
public by nature (signing in or up, tokens, password resets, confirmations, `unsubscribe`) and
those marked public on purpose (`@Public()`, `AllowAny`) are not reported.

## Why is this bad?
A GraphQL API has one endpoint: the HTTP layer cannot tell a harmless query from a mutation
that deletes data, so each resolver must check its caller itself. When the other mutations of
a schema do and one does not, that one is usually an oversight, and anyone who can reach the
endpoint can call it.

## Example
```python
@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    def create_post(self, info: Info, title: str) -> Post: ...

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    def update_post(self, info: Info, id: strawberry.ID, title: str) -> Post: ...

    @strawberry.mutation
    def delete_post(self, info: Info, id: strawberry.ID) -> bool: ...
```

## Use instead
```python
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    def delete_post(self, info: Info, id: strawberry.ID) -> bool: ...
```

## References
- [CWE-862: Missing Authorization](https://cwe.mitre.org/data/definitions/862.html)
- [OWASP GraphQL Cheat Sheet: authorization](https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html)
- [Strawberry: permissions](https://strawberry.rocks/docs/guides/permissions)
- [Apollo Server: authentication and authorization](https://www.apollographql.com/docs/apollo-server/security/authentication)
"#;
