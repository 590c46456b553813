//! SEC108 nosql-injection: MongoDB filters that take objects straight from the request.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC108",
    name: "nosql-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[943],
    owasp: Some("A03:2021 Injection"),
    summary: "A MongoDB query filter takes a value straight from the request, which can be an object of query operators (`{\"$ne\": null}`); convert each value to the type you expect (`String(x)`) or validate it first.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check,
    },
        // `sink = "nosql"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::NoSql as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::NoSql as u8 }>,
        },
    ],
};

/// MongoDB driver and Mongoose methods whose first argument is a filter.
const FILTER_METHODS: &[&str] = &[
    "find",
    "findOne",
    "findOneAndUpdate",
    "findOneAndDelete",
    "findOneAndReplace",
    "findOneAndRemove",
    "updateOne",
    "updateMany",
    "deleteOne",
    "deleteMany",
    "replaceOne",
    "countDocuments",
    "count",
    "exists",
    "distinct",
    "remove",
    "where",
];

/// Modules with `find`/`remove`/`count`-like functions that are not database queries.
const NOT_DATABASES: &[&str] = &[
    "fs",
    "fs/promises",
    "fs-extra",
    "graceful-fs",
    "rimraf",
    "del",
    "lodash",
    "lodash/fp",
    "underscore",
    "ramda",
    "cheerio",
    "jquery",
];

/// The key of an object literal property, without quotes.
fn key_text<'a>(checker: &Checker<'a>, pair: Node<'a>) -> &'a str {
    pair.field("key")
        .map(|k| checker.text(k).trim_matches(['"', '\'']))
        .unwrap_or("")
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "member_expression" {
        return;
    }
    let method = func
        .field("property")
        .map(|p| checker.text(p))
        .unwrap_or("");
    if !FILTER_METHODS.contains(&method) {
        return;
    }
    // A function of a file-system or collection library (`fse.remove(path)`,
    // `_.find(list, pred)`) takes no query filter.
    if checker.resolve(func).is_some_and(|q| {
        NOT_DATABASES
            .iter()
            .any(|m| q.strip_prefix(m).is_some_and(|rest| rest.starts_with('.')))
    }) {
        return;
    }
    // A project whose `package.json` names no MongoDB driver or ODM queries SQL through its
    // models (Bookshelf's `Model.findOne({ id })`, Sequelize, Objection): a filter value there
    // is bound as a parameter, not read as operators. The file's own imports still count.
    let project = &checker.node_project;
    if project.found
        && !project.mongo
        && !checker.semantic.imports.values().any(|q| {
            ba_analysis::project::MONGO_PACKAGES
                .iter()
                .any(|m| q == m || q.strip_prefix(m).is_some_and(|r| r.starts_with('.')))
        })
    {
        return;
    }
    // `distinct(field, filter)`; the others take the filter first.
    let index = usize::from(method == "distinct");
    let Some(filter) = checker
        .arguments(args)
        .positional
        .clone()
        .get(index)
        .copied()
    else {
        return;
    };
    let method = method.to_owned();
    judge_filter(checker, &method, filter, 0);
}

/// Request data that can be an object of query operators. A GraphQL argument cannot: the
/// schema types it (`ID`, `String`, an input type with typed fields) before the resolver runs.
fn carries_operators(taint: &ba_analysis::taint::Taint) -> bool {
    taint.user && !taint.what.starts_with("GraphQL argument")
}

/// Reports the parts of a filter that can carry operators chosen by the client.
fn judge_filter<'a>(checker: &mut Checker<'a>, method: &str, filter: Node<'a>, depth: u32) {
    if depth > 3 {
        return;
    }
    if filter.kind_str() != "object" {
        // The whole filter from the request: `User.find(req.query)`.
        if let Some(taint) = checker.taint(filter, Sink::NoSql).filter(carries_operators) {
            let from = checker.describe(&taint);
            checker
                .report(filter, format!("`{method}` takes its whole filter from {from}; a client can send query operators (`{{\"$ne\": null}}`, `{{\"$where\": …}}`): build the filter from the fields you expect, each converted with `String(…)`"))
                .with_taint(&taint);
        }
        return;
    }
    let parts = named_children(filter);
    // Sequelize, TypeORM and Prisma take `{ where: … }` and bind values by type.
    if depth == 0
        && parts.iter().any(|p| {
            p.kind_str() == "pair"
                && matches!(key_text(checker, *p), "where" | "include" | "select")
        })
    {
        return;
    }
    for part in parts {
        match part.kind_str() {
            "pair" => {
                let key = key_text(checker, part).to_owned();
                let Some(value) = part.field("value") else {
                    continue;
                };
                if key == "$where" || key == "$function" || key == "$accumulator" {
                    if let Some(taint) = checker.taint(value, Sink::Code).filter(carries_operators)
                    {
                        let from = checker.describe(&taint);
                        checker
                            .report(value, format!("`{key}` in a `{method}` filter runs JavaScript built from {from} on the database server; use ordinary query operators instead"))
                            .with_taint(&taint);
                    }
                    continue;
                }
                if value.kind_str() == "object" {
                    judge_filter(checker, method, value, depth + 1);
                    continue;
                }
                report_value(checker, method, &key, value);
            }
            "shorthand_property_identifier" => {
                let key = checker.text(part).to_owned();
                report_value(checker, method, &key, part);
            }
            "spread_element" => {
                if let Some(taint) = checker.taint(part, Sink::NoSql).filter(carries_operators) {
                    let from = checker.describe(&taint);
                    checker
                        .report(part, format!("`{method}` spreads {from} into its filter; a client can add any field or query operator: pick the fields you expect, each converted with `String(…)`"))
                        .with_taint(&taint);
                }
            }
            _ => {}
        }
    }
}

fn report_value<'a>(checker: &mut Checker<'a>, method: &str, key: &str, value: Node<'a>) {
    let Some(taint) = checker.taint(value, Sink::NoSql).filter(carries_operators) else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(value, format!("`{method}` matches `{key}` against {from}, which can be an object of query operators (`{{\"$ne\": null}}` matches any value): convert it with `String(…)` or check `typeof … === \"string\"` first"))
        .with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags MongoDB (driver and Mongoose) queries — `find`, `findOne`, `updateOne`, `deleteMany`,
`countDocuments` and the other filter methods — whose filter is request data that can be an
object (`req.body`, `req.query`, JSON cookies), whether as the whole filter, spread into it, or as
the value of a field, and `$where` clauses built from request data. Values converted to a string
(`String(x)`, a template literal, `parseInt`), checked with `typeof x === "string"` or a
validator, or taken from `req.params` (always strings) are not reported, nor are GraphQL
resolver arguments (the schema types them before the resolver runs). `{ where: … }` options
(Sequelize, TypeORM, Prisma) are left alone, and so is a project whose `package.json` names no
MongoDB driver or ODM (`mongoose`, `mongodb`, `monk`, `mongojs`, `@typegoose/typegoose`,
`@nestjs/mongoose`) unless the file imports one itself: there `Model.findOne({ id })` is
Bookshelf, Objection or another SQL layer that binds the value as a parameter.

## Why is this bad?
Express parses `?user[$ne]=x` and JSON bodies into objects. A login that runs
`User.findOne({ user: req.body.user, password: req.body.password })` with the body
`{"user": "admin", "password": {"$ne": null}}` matches the admin without knowing the password;
`$where` and `$regex` let a client run JavaScript on the database or scan values character by
character.

## Example
```javascript
app.post("/login", async (req, res) => {
  const { username, password } = req.body;
  const user = await User.findOne({ username, password });
  res.json({ ok: Boolean(user) });
});
```

## Use instead
```javascript
app.post("/login", async (req, res) => {
  const username = String(req.body.username);
  const user = await User.findOne({ username });
  const ok = user && (await bcrypt.compare(String(req.body.password), user.passwordHash));
  res.json({ ok: Boolean(ok) });
});
```
Mongoose's `sanitizeFilter` option (or `mongo-sanitize` on the body) strips `$` keys
wholesale.

## References
- [CWE-943: Improper Neutralization of Special Elements in Data Query Logic](https://cwe.mitre.org/data/definitions/943.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [OWASP Testing Guide: NoSQL Injection](https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/05.6-Testing_for_NoSQL_Injection)
- [Mongoose `sanitizeFilter`](https://mongoosejs.com/docs/api/mongoose.html#Mongoose.prototype.sanitizeFilter())
"#;
