//! SEC101 sql-injection: SQL text built from non-constant data and executed.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::sql_parameterize;
use crate::{Applicability, Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::taint::Taint;
use ba_analysis::{named_children, string_value, Binding, Lookup, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC101",
    name: "sql-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[89],
    owasp: Some("A03:2021 Injection"),
    summary: "SQL is built from non-constant data with string formatting; pass the values as query parameters instead.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/sql-injection.scm",
            query: include_str!("../../../../queries/python/sql-injection.scm"),
            run: check_python,
        },
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_text_call,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        // `sink = "sql"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Sql as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Sql as u8 }>,
        },
    ],
};

const SQL_WORDS: &[&str] = &[
    "select", "insert", "update", "delete", "where", "values", "create", "drop", "alter",
    "truncate", "merge", "pragma", "union",
];

/// Whether literal text reads like SQL: a statement keyword as a whole word.
fn looks_like_sql(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let mut words = lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    let first = words.clone().next();
    matches!(first, Some("with" | "replace")) || words.any(|w| SQL_WORDS.contains(&w))
}

/// How a string was assembled, for the message.
fn building(node: Node, checker: &Checker) -> Option<&'static str> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "string"
            if named_children(node)
                .iter()
                .any(|c| c.kind_str() == "interpolation") =>
        {
            Some("an f-string")
        }
        "binary_operator" => match node.field("operator").map(|o| checker.text(o)) {
            Some("+") => Some("string concatenation"),
            Some("%") => Some("`%` formatting"),
            _ => None,
        },
        "call" => {
            let func = node.field("function")?;
            let method = func.field("attribute").map(|a| checker.text(a));
            match method {
                Some("format") => Some("`.format()`"),
                Some("join") => Some("`.join()`"),
                _ => None,
            }
        }
        "parenthesized_expression" => building(node.named_child(0)?, checker),
        // JavaScript
        "template_string"
            if named_children(node)
                .iter()
                .any(|c| c.kind_str() == "template_substitution") =>
        {
            Some("a template literal")
        }
        "binary_expression" => (node.field("operator").map(|o| checker.text(o)) == Some("+"))
            .then_some("string concatenation"),
        "call_expression" => {
            let func = node.field("function")?;
            let method = func.field("property").map(|a| checker.text(a));
            match method {
                Some("concat") => Some("`.concat()`"),
                Some("join") => Some("`.join()`"),
                Some("replace" | "replaceAll") => Some("`.replace()`"),
                Some("format") => Some("`format()`"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// All literal text inside an expression (string contents), to judge whether it is SQL.
fn literal_text(node: Node, checker: &Checker, out: &mut String) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    if matches!(node.kind_str(), "string_content" | "string_fragment") {
        out.push_str(checker.text(node));
        out.push(' ');
        return;
    }
    if let Some(v) = string_value(checker.language, node, checker.source) {
        out.push_str(v);
        out.push(' ');
        return;
    }
    for c in named_children(node) {
        literal_text(c, checker, out);
    }
}

/// Where and how the SQL passed as `query` was built from outside data.
struct Evidence<'t> {
    built_at: Node<'t>,
    how: &'static str,
    taint: Taint,
}

fn dynamic_sql<'t>(
    checker: &Checker<'t>,
    query: Node<'t>,
    known_sql: bool,
) -> Option<Evidence<'t>> {
    let looks_like_sql = |text: &str| known_sql || looks_like_sql(text);
    match query.kind_str() {
        "identifier" => {
            let Lookup::Local(bindings) = checker.lookup(query) else {
                return None;
            };
            let mut text = String::new();
            let mut evidence = None;
            for b in &bindings {
                if let Binding::Value(v) | Binding::Augmented(v) = b {
                    literal_text(*v, checker, &mut text);
                    if evidence.is_none() {
                        if let Some(how) = building(*v, checker) {
                            if let Some(taint) = checker.taint(*v, Sink::Sql) {
                                evidence = Some(Evidence {
                                    built_at: *v,
                                    how,
                                    taint,
                                });
                            }
                        }
                    }
                }
            }
            evidence
                .filter(|_| looks_like_sql(&text))
                .or_else(|| whole_query(checker, query))
        }
        _ => {
            let Some(how) = building(query, checker) else {
                return whole_query(checker, query);
            };
            let mut text = String::new();
            literal_text(query, checker, &mut text);
            if !looks_like_sql(&text) {
                return None;
            }
            Some(Evidence {
                built_at: query,
                how,
                taint: checker.taint(query, Sink::Sql)?,
            })
        }
    }
}

/// Whether the receiver of `method` (an identifier in `receiver.method(...)`) reads as a
/// database handle: a connection, cursor, pool, session, engine, transaction or a Django
/// manager.
fn database_receiver(checker: &Checker<'_>, method: Node<'_>) -> bool {
    let Some(object) = method.prev_named_sibling() else {
        return false;
    };
    let text = checker.text(object).to_ascii_lowercase();
    let last = text
        .rsplit(['.', '('])
        .find(|p| !p.is_empty() && *p != ")")
        .unwrap_or(&text);
    [
        "conn",
        "cur",
        "db",
        "pool",
        "session",
        "engine",
        "objects",
        "database",
        "tx",
        "transaction",
        "manager",
        "sql",
        "pg",
        "mysql",
        "sqlite",
        "postgres",
        "asyncpg",
    ]
    .iter()
    .any(|w| last.contains(w))
}

/// The whole statement is request data (`cursor.execute(request.args["q"])`).
fn whole_query<'t>(checker: &Checker<'t>, query: Node<'t>) -> Option<Evidence<'t>> {
    let taint = checker.taint(query, Sink::Sql).filter(|t| t.user)?;
    Some(Evidence {
        built_at: query,
        how: "request data as the statement",
        taint,
    })
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(query), Some(method)) = (caps.get("query"), caps.get("method")) else {
        return;
    };
    // The query's anchor takes the first named child, which is a comment in
    // `raw(  # search by name` followed by the SQL on the next line.
    let mut query = query;
    while query.kind_str() == "comment" {
        match query.next_named_sibling() {
            Some(next) => query = next,
            None => return,
        }
    }
    let method_node = method;
    let method = checker.text(method);
    // `fetch`, `query` and `raw` are also the names of HTTP clients', search clients' and
    // parsers' methods (`PreviewClient().fetch(url)`): unless the receiver reads as a database
    // handle, only SQL text built from outside data is evidence, not a whole argument.
    if matches!(method, "fetch" | "query" | "raw") && !database_receiver(checker, method_node) {
        let whole = dynamic_sql(checker, query, false)
            .is_some_and(|e| e.how == "request data as the statement");
        if whole {
            return;
        }
    }
    let sink = format!("`{method}`");
    let style = sql_parameterize::style(checker, method, false);
    report_sql(
        checker,
        query,
        &sink,
        "placeholders (`%s` or `?`, as your driver uses) and a parameter tuple",
        false,
        style,
    );
}

/// SQLAlchemy's `text(query)`, Django's `RawSQL(sql, params)` and `QuerySet.extra(where=[…])`.
fn check_text_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let arguments = checker.arguments(args);
    if func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "extra")
    {
        for key in ["where", "select", "tables", "order_by"] {
            let Some(value) = arguments.keyword(key, checker.source) else {
                continue;
            };
            let parts = match value.kind_str() {
                "list" | "tuple" => named_children(value),
                "dictionary" => named_children(value)
                    .into_iter()
                    .filter_map(|p| p.field("value"))
                    .collect(),
                _ => vec![value],
            };
            for part in parts {
                report_sql(
                    checker,
                    part,
                    "`extra()`",
                    "`params=[...]` with `%s` placeholders",
                    true,
                    None,
                );
            }
        }
        return;
    }
    let Some(query) = arguments.positional.first().copied() else {
        return;
    };
    if !matches!(
        query.kind_str(),
        "binary_operator" | "string" | "call" | "identifier" | "parenthesized_expression"
    ) {
        return;
    }
    // `sink = "sql"` rows with `reported-by = "rule"`: Django's `RawSQL` (django.toml) and
    // SQLAlchemy's `text` (sql.toml), each with its placeholder style.
    let Some((name, _)) = super::rule_sink(checker, func, Sink::Sql) else {
        return;
    };
    let short = name.rsplit('.').next().unwrap_or(&name);
    if short == "text" {
        report(
            checker,
            query,
            "`text()`",
            "`:name` placeholders and bound parameters",
        );
    } else {
        report(
            checker,
            query,
            &format!("`{short}()`"),
            "`%s` placeholders and the `params` argument",
        );
    }
}

fn report<'a>(checker: &mut Checker<'a>, query: Node<'a>, sink: &str, placeholder: &str) {
    let style = (sink == "`text()`").then_some(sql_parameterize::Style::Named);
    report_sql(checker, query, sink, placeholder, false, style)
}

/// SQL words after which a name, not a value, comes.
const NAME_WORDS: &[&str] = &[
    "from", "table", "into", "update", "join", "column", "columns", "to", "exists", "index", "by",
    "view", "database", "schema", "truncate", "analyze", "vacuum", "using",
];

/// Whether every interpolated or concatenated part of `built` that carries data sits where SQL
/// takes a name: right after a quoting character (`` ` ``, `"`, `[`), after a name-taking word
/// (`FROM`, `TABLE`, `INTO`, `JOIN`, `ORDER BY`…), or as the argument of a `PRAGMA`.
fn names_only<'t>(checker: &Checker<'t>, built: Node<'t>) -> bool {
    let mut parts = Vec::new();
    let mut stack = vec![built];
    let mut budget = 256;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        match n.kind_str() {
            "interpolation" | "template_substitution" => {
                if let Some(e) = n.named_child(0) {
                    // `{table}.chat`: the part qualifies a column, so it names a table.
                    let qualifies = checker
                        .source
                        .get(n.end_byte()..)
                        .is_some_and(|rest| rest.starts_with('.'));
                    if !qualifies {
                        parts.push((n.start_byte(), e));
                    }
                }
            }
            "binary_operator" | "binary_expression" => {
                for side in ["left", "right"] {
                    if let Some(c) = n.field(side) {
                        if matches!(
                            c.kind_str(),
                            "string" | "template_string" | "binary_operator" | "binary_expression"
                        ) {
                            stack.push(c);
                        } else {
                            parts.push((c.start_byte(), c));
                        }
                    }
                }
            }
            "string" | "template_string" | "parenthesized_expression" | "concatenated_string" => {
                stack.extend(named_children(n));
            }
            _ => {}
        }
    }
    let carrying: Vec<_> = parts
        .into_iter()
        .filter(|(_, e)| checker.taint(*e, Sink::Sql).is_some())
        .collect();
    !carrying.is_empty()
        && carrying.iter().all(|(at, _)| {
            // The SQL text before the part, inside the built expression, quotes and `+` of a
            // concatenation dropped.
            let before = checker
                .source
                .get(built.start_byte()..*at)
                .unwrap_or("")
                .to_ascii_lowercase();
            let trimmed = before.trim_end();
            let concatenated = trimmed.ends_with('+');
            let text = trimmed.trim_end_matches('+').trim_end();
            let text = if concatenated {
                text.trim_end_matches(['"', '\'', '`'])
            } else {
                text
            };
            let text = text.trim_end_matches('\\');
            if !concatenated && (text.ends_with(['`', '"', '[']) || text.ends_with("\\`")) {
                return true;
            }
            if text.contains("pragma") && text.ends_with("('") {
                return true;
            }
            let word: String = text
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            NAME_WORDS.contains(&word.as_str())
        })
}

/// `known_sql`: the API takes SQL fragments (`extra(where=[…])`), so the text need not read
/// like a statement.
fn report_sql<'a>(
    checker: &mut Checker<'a>,
    query: Node<'a>,
    sink: &str,
    placeholder: &str,
    known_sql: bool,
    style: Option<sql_parameterize::Style>,
) {
    if query.kind_str() == "keyword_argument" {
        return;
    }
    let Some(evidence) = dynamic_sql(checker, query, known_sql) else {
        return;
    };
    // A helper's parameter used as a table or column name (`ALTER TABLE \`${table}\``, `SHOW
    // COLUMNS FROM ${table}`, `f'pragma table_info("{table}")'`): names cannot be bound as
    // parameters, and the helper's callers name the tables. Request data there is still
    // reported.
    if !evidence.taint.user && names_only(checker, evidence.built_at) {
        return;
    }
    let via = if evidence.built_at == query {
        String::new()
    } else {
        format!(
            " (`{}` is built at line {})",
            checker.text(query),
            checker.line_of(evidence.built_at.start_byte())
        )
    };
    let from = checker.describe(&evidence.taint);
    let message = if evidence.how.starts_with("request data") {
        format!("{sink} runs SQL text taken from {from}; use {placeholder} and fixed SQL instead")
    } else {
        format!(
            "SQL built with {} from {from} is passed to {sink}{via}; use {placeholder} instead",
            evidence.how
        )
    };
    let built = evidence.built_at.byte_range();
    let fix = style.and_then(|style| parameterize(checker, query, evidence.built_at, style));
    // A call written over several lines (`conn.fetch(  # comment` then the SQL) is reported
    // from its first line, where reviewers and annotated suites look for it.
    // (From the method's name: a chain `qb\n  .where(…)` starts lines above its link.)
    let call_start = query
        .parent()
        .filter(|a| matches!(a.kind_str(), "argument_list" | "arguments"))
        .map(|args| {
            args.parent()
                .and_then(|c| c.field("function"))
                .and_then(|f| f.field("attribute").or_else(|| f.field("property")))
                .filter(|name| name.end_byte() <= args.start_byte())
                .unwrap_or(args)
        })
        .filter(|start| start.start_position().row < query.start_position().row)
        .map(|start| start.start_byte());
    let range = call_start.unwrap_or(query.start_byte())..query.end_byte();
    let f = checker.report_range(range, message);
    if built != query.byte_range() {
        f.with_related(built, "the query text is built here");
    }
    f.with_taint(&evidence.taint);
    if let Some((style, edits)) = fix {
        f.with_fix(
            format!(
                "Pass the values as parameters ({} placeholders)",
                style.describe()
            ),
            Applicability::Unsafe,
            edits,
        );
    }
}

/// The parameterising fix, when the query is an f-string passed alone to the call (directly,
/// through `text()`, or through a variable bound once).
fn parameterize<'a>(
    checker: &Checker<'a>,
    query: Node<'a>,
    built: Node<'a>,
    style: sql_parameterize::Style,
) -> Option<(sql_parameterize::Style, Vec<crate::Edit>)> {
    if !matches!(
        built.kind_str(),
        "string" | "binary_operator" | "call" | "template_string" | "binary_expression"
    ) {
        return None;
    }
    if built != query {
        let Lookup::Local(bindings) = checker.lookup(query) else {
            return None;
        };
        if !matches!(bindings.as_slice(), [Binding::Value(v)] if *v == built) {
            return None;
        }
    }
    // The call that takes the parameters: the one the query is passed to, or, for `text()`,
    // the call `text()` is passed to. It must not have parameters already.
    let args = query
        .parent()
        .filter(|a| matches!(a.kind_str(), "argument_list" | "arguments"))?;
    let (args, passed) = if style == sql_parameterize::Style::Named {
        let text_call = args.parent()?;
        let outer = text_call
            .parent()
            .filter(|a| a.kind_str() == "argument_list")?;
        (outer, text_call)
    } else {
        (args, query)
    };
    let end = passed.end_byte();
    // Nothing else may be passed, apart from a trailing callback in Node (`query(sql, cb)`
    // takes the values before it).
    let others: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment" && *a != passed)
        .collect();
    match others.as_slice() {
        [] => {}
        [callback]
            if matches!(
                callback.kind_str(),
                "arrow_function" | "function_expression"
            ) && callback.start_byte() > end => {}
        _ => return None,
    }
    Some((style, sql_parameterize::edits(checker, built, end, style)?))
}

/// Methods that run SQL text in Node drivers and ORMs, and whether their argument is SQL by
/// definition (a raw fragment) or must read like a statement.
const JS_METHODS: &[(&str, bool)] = &[
    // pg, mysql, mysql2, Sequelize, TypeORM, better-sqlite3, sqlite3
    ("query", false),
    ("execute", false),
    ("exec", false),
    ("run", false),
    ("all", false),
    ("prepare", false),
    // knex
    ("raw", true),
    ("whereRaw", true),
    ("orWhereRaw", true),
    ("havingRaw", true),
    ("orderByRaw", true),
    ("joinRaw", true),
    ("selectRaw", true),
    // Prisma
    ("$queryRawUnsafe", true),
    ("$executeRawUnsafe", true),
];

/// TypeORM `SelectQueryBuilder` methods whose first argument is SQL text: a column, a
/// condition, an ordering (values go in the parameters object: `where("u.id = :id", { id })`).
const TYPEORM_BUILDER: &[&str] = &[
    "select",
    "addSelect",
    "where",
    "andWhere",
    "orWhere",
    "having",
    "andHaving",
    "orHaving",
    "orderBy",
    "addOrderBy",
    "groupBy",
    "addGroupBy",
];

/// Whether `object` is a chain that starts at `createQueryBuilder(…)`
/// (`repo.createQueryBuilder("u").where(…)`).
fn from_query_builder(checker: &Checker, object: Node) -> bool {
    let mut node = object;
    for _ in 0..64 {
        if node.kind_str() != "call_expression" {
            return false;
        }
        let Some(f) = node
            .field("function")
            .filter(|f| f.kind_str() == "member_expression")
        else {
            return false;
        };
        if f.field("property")
            .is_some_and(|p| checker.text(p) == "createQueryBuilder")
        {
            return true;
        }
        match f.field("object") {
            Some(o) => node = o,
            None => return false,
        }
    }
    false
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if func.kind_str() != "member_expression" {
        return;
    }
    let Some(method) = func.field("property").map(|p| checker.text(p)) else {
        return;
    };
    let builder = TYPEORM_BUILDER.contains(&method)
        && func
            .field("object")
            .is_some_and(|o| from_query_builder(checker, o));
    // Sequelize's `sequelize.literal(sql)` / `Sequelize.literal(sql)`: raw SQL spliced into a
    // `where`, an `order` or an attribute, on the instance (often exported by the project's
    // `models` module) or the class.
    let literal = method == "literal"
        && func.field("object").is_some_and(|o| {
            checker
                .text(o)
                .rsplit('.')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case("sequelize"))
        });
    let Some(&(_, mut known_sql)) = JS_METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .or((builder || literal).then_some(&("", true)))
    else {
        return;
    };
    // `cp.exec(…)`, `re.exec(…)`: a resolved module function is not a database handle (apart
    // from the `knex` and `sequelize` modules themselves). A module of the project
    // (`require("../db")`) often exports the pool: there, only text that reads as SQL counts.
    if let Some(q) = func
        .field("object")
        .filter(|_| !builder)
        .and_then(|o| checker.resolve(o))
    {
        // A module of the project: a relative path, or a path alias from `tsconfig.json`
        // (`@/lib/db`, `~/server/db`, `#db`), as Next.js and Nuxt projects write them.
        if q.starts_with('.') || q.starts_with("@/") || q.starts_with("~/") || q.starts_with('#') {
            known_sql = literal;
        } else if ![
            "knex",
            "sequelize",
            "mysql",
            "mysql2",
            "pg",
            "typeorm",
            "@prisma/client",
        ]
        .iter()
        .any(|m| q == *m || q.starts_with(&format!("{m}.")))
        {
            return;
        }
    }
    let Some(query) = checker.arguments(args).positional.first().copied() else {
        return;
    };
    // `client.query({ text, values })`
    let query = if query.kind_str() == "object" {
        match named_children(query)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
            .find(|p| {
                p.field("key")
                    .is_some_and(|k| matches!(checker.text(k), "text" | "sql"))
            })
            .and_then(|p| p.field("value"))
        {
            Some(q) => q,
            None => return,
        }
    } else {
        query
    };
    // `re.exec(text)`, `stmt.run(value)`: with these names only SQL text assembled here counts,
    // not a value passed as is.
    if matches!(method, "exec" | "run" | "all" | "prepare" | "execute")
        && dynamic_sql(checker, query, known_sql).is_none_or(|e| e.how.starts_with("request data"))
    {
        return;
    }
    let placeholder = if literal {
        "a `where` object (`{ orderId: id }`), or `sequelize.query` with `replacements` and `:name` placeholders"
    } else if builder {
        "named parameters (`where(\"i.id = :id\", { id })`), and for a column or an ordering a name picked from a fixed list"
    } else if method.ends_with("Unsafe") {
        "the `$queryRaw` tagged template (or `Prisma.sql`), which binds each `${…}` as a parameter"
    } else if known_sql {
        "`?` placeholders and a bindings array"
    } else {
        "placeholders (`$1` for pg, `?` for mysql/sqlite) and a values array"
    };
    let style = if builder || literal {
        None
    } else {
        sql_parameterize::js_style(checker, known_sql, method)
    };
    report_sql(
        checker,
        query,
        &format!("`{method}`"),
        placeholder,
        known_sql,
        style,
    );
}

const DOCS: &str = r#"## What it does
Flags SQL text assembled with f-strings, `+`, `%` or `.format()` from data the code does not fix,
when it reaches `execute`, `executemany`, `executescript`, `exec_driver_sql` or SQLAlchemy's
`text()` — directly or through a local variable. In Node, SQL built with template literals, `+`,
`concat` or `join` from request data or a function's parameters is reported when it reaches
`query`/`execute` (pg, mysql, mysql2, Sequelize, TypeORM, sqlite), knex `raw`/`whereRaw`/…, or
Prisma `$queryRawUnsafe`/`$executeRawUnsafe`, or a TypeORM query builder's SQL fragments
(`createQueryBuilder("i").select(…)`, `where`/`andWhere`/`orWhere`, `orderBy`, `groupBy`,
`having`). Parameterised queries, literals, and
interpolations of constants or of `int()`/`float()` values are not reported, nor is a function's
parameter used only where SQL takes a name (a table or column: after `FROM`, `TABLE`, `INTO`,
`JOIN`, `ORDER BY`, `USING`, inside identifier quotes, as a `PRAGMA` argument, or qualifying a
column as in `{table}.id`): names cannot be bound as parameters and schema helpers take them
from their callers. Request data in those places is still reported.

## Why is this bad?
A value such as `' OR '1'='1` or `'; DROP TABLE users; --` changes the meaning of the statement:
attackers read other users' rows, bypass logins, or destroy data. Escaping by hand is fragile and
driver-specific; the database driver's parameter binding is not.

## Example
```python
@app.get("/users")
def find_user(name: str):
    cur = db.cursor()
    cur.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
    return cur.fetchall()
```
```javascript
app.get("/users", async (req, res) => {
  const { rows } = await pool.query(`SELECT id, email FROM users WHERE name = '${req.query.name}'`);
  res.json(rows);
});
```

## Use instead
```python
@app.get("/users")
def find_user(name: str):
    cur = db.cursor()
    cur.execute("SELECT id, email FROM users WHERE name = %s", (name,))  # `?` for sqlite3
    return cur.fetchall()
```
```javascript
app.get("/users", async (req, res) => {
  const { rows } = await pool.query("SELECT id, email FROM users WHERE name = $1", [req.query.name]);
  res.json(rows);
});
```
With SQLAlchemy: `session.execute(text("SELECT … WHERE name = :name"), {"name": name})`; with
Prisma, the `` prisma.$queryRaw`… ${name}` `` tagged template.
Identifiers (table or column names) cannot be parameters: choose them from an allow-list.

## Fix
When the query is built in one expression (a Python f-string, `+`, `%` with `%s` or
`.format()` with `{}`/`{0}`/`{name}` fields; a JavaScript template literal or `+`) and passed
alone to the call (directly, through `text()`, or through a variable bound once; in Node a
trailing callback may follow), an unsafe fix rewrites it with the placeholders of the driver the
module imports (`?` for sqlite3, `%s` for psycopg, PyMySQL, MySQLdb and Django, `$1` for
asyncpg, `:name` for SQLAlchemy `text()`; in Node `$1` for pg, `?` for mysql, mysql2, sqlite3
and knex's raw methods) and passes the values as parameters. Queries that
splice identifiers (`FROM {table}`) or part of a literal (`LIKE '%{q}%'`) are not rewritten:
those need an allow-list or a parameter that carries the whole pattern.

## References
- [CWE-89: SQL Injection](https://cwe.mitre.org/data/definitions/89.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [PEP 249 `paramstyle`](https://peps.python.org/pep-0249/#paramstyle)
- [SQLAlchemy: using textual SQL](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text)
"#;

#[cfg(test)]
mod tests {
    use super::looks_like_sql;

    #[test]
    fn sql_words() {
        assert!(looks_like_sql("SELECT * FROM t WHERE a = '"));
        assert!(looks_like_sql(" AND name = ' where"));
        assert!(looks_like_sql("with x as (select 1)"));
        assert!(!looks_like_sql("job  started"));
        assert!(!looks_like_sql("Deleting files in "));
    }
}
