//! PERF206 unindexed-foreign-key: SQLAlchemy/SQLModel foreign key columns without an index.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::http_call_without_timeout::append_argument;
use crate::{Applicability, Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF206",
    name: "unindexed-foreign-key",
    category: Category::Performance,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "A foreign key column has no index, so joins, lookups by the parent and `ON DELETE` checks scan the whole table; add `index=True` (and a migration).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

const COLUMNS: &[&str] = &[
    "sqlalchemy.Column",
    "sqlalchemy.schema.Column",
    "sqlalchemy.orm.mapped_column",
];
const SQLMODEL_FIELD: &[&str] = &["sqlmodel.Field"];
const FOREIGN_KEY: &[&str] = &["sqlalchemy.ForeignKey", "sqlalchemy.schema.ForeignKey"];

fn is_true(checker: &Checker, node: Node) -> bool {
    checker.text(node) == "True"
}

/// The column's name: the assignment target in a class body (`user_id = Column(…)`,
/// `user_id: Mapped[int] = mapped_column(…)`) or the first argument of `Column("user_id", …)`.
fn column_name<'a>(
    checker: &Checker<'a>,
    call: Node<'a>,
    positional: &[Node<'a>],
) -> Option<String> {
    if let Some(first) = positional.first() {
        if let Some(name) = checker.string_value(*first) {
            return Some(name.to_owned());
        }
    }
    let path = ba_analysis::ancestors(checker.item, call);
    let assignment = path.last().filter(|a| a.kind_str() == "assignment")?;
    let left = assignment.field("left")?;
    (left.kind_str() == "identifier").then(|| checker.text(left).to_owned())
}

/// Whether the table's `__table_args__` (in the same class) or an `Index(…)` in the item names
/// the column.
fn indexed_elsewhere(checker: &Checker, column: &str) -> bool {
    let item = checker.text(checker.item);
    let mut rest = item;
    while let Some(at) = rest.find("Index(") {
        let tail = &rest[at..];
        let end = tail.find(')').unwrap_or(tail.len());
        let args = &tail[..end];
        if args.contains(&format!("\"{column}\""))
            || args.contains(&format!("'{column}'"))
            || args.contains(&format!(".{column}"))
        {
            return true;
        }
        rest = &tail[end.min(tail.len())..];
        if rest.len() == tail.len() {
            break;
        }
    }
    // `UniqueConstraint("a_id", "b_id")` indexes its first column; `PrimaryKeyConstraint` too.
    ["UniqueConstraint(", "PrimaryKeyConstraint("]
        .iter()
        .any(|c| {
            item.find(c).is_some_and(|at| {
                let args = &item[at + c.len()..];
                let first = args.split([',', ')']).next().unwrap_or("").trim();
                first.trim_matches(|c| c == '"' || c == '\'') == column
            })
        })
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    let src = checker.source;
    let sqlmodel = match checker.resolve_callee_among(func, &[COLUMNS, SQLMODEL_FIELD]) {
        Some(name) => name == "sqlmodel.Field",
        None => return,
    };
    let args = checker.arguments(args_node);
    let has_fk = if sqlmodel {
        args.keyword("foreign_key", src).is_some()
    } else {
        args.positional.iter().any(|a| {
            a.kind_str() == "call"
                && a.field("function")
                    .and_then(|f| checker.resolve_callee(f, FOREIGN_KEY))
                    .is_some()
        })
    };
    if !has_fk {
        return;
    }
    // An index, a unique constraint or the primary key index the column already.
    for key in ["index", "unique", "primary_key"] {
        if args.keyword(key, src).is_some_and(|v| is_true(checker, v)) {
            return;
        }
    }
    if args.keyword("index", src).is_some() {
        // `index=False` says it on purpose.
        return;
    }
    if args
        .positional
        .iter()
        .chain(args.keywords.iter())
        .any(|a| a.kind_str().ends_with("splat"))
    {
        return;
    }
    let name = column_name(checker, call, &args.positional);
    if name
        .as_deref()
        .is_some_and(|n| indexed_elsewhere(checker, n))
    {
        return;
    }
    let what = name
        .map(|n| format!("foreign key column `{n}`"))
        .unwrap_or_else(|| "this foreign key column".to_owned());
    checker
        .report(func, format!(
            "{what} has no index: PostgreSQL and SQLite do not index foreign keys by themselves, so joins, lookups by the parent and `ON DELETE` checks scan the table; add `index=True` (and a migration)"
        ))
        .with_fix(
            "Add `index=True`",
            Applicability::Unsafe,
            vec![append_argument(args_node, "index=True")],
        );
}

const DOCS: &str = r#"## What it does
Flags SQLAlchemy foreign key columns without an index: `Column(…, ForeignKey(…))` and
`mapped_column(ForeignKey(…))` without `index=True`, and SQLModel `Field(foreign_key=…)`
without `index=True`. Columns that are `unique=True` or part of the primary key, columns named
first in an `Index(…)`/`UniqueConstraint(…)` of the same table, and explicit `index=False`
are not reported.

Django's `ForeignKey` creates an index by default (`db_index=True`), so Django models are not
reported.

## Why is this bad?
A foreign key is what you join on and filter by (`WHERE order.user_id = ?`), and what the
database checks when a parent row is deleted or its key changes. PostgreSQL and SQLite do not
index foreign key columns automatically (MySQL's InnoDB does), so each of those becomes a full
table scan once the child table grows, and cascading deletes lock for a long time.

## Example
```python
class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
```

## Use instead
```python
class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
```

## Fix
An unsafe fix adds `index=True` (unsafe: it changes the schema; generate a migration, and
build the index concurrently on a large PostgreSQL table).

## References
- [PostgreSQL: foreign keys (indexing the referencing columns)](https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK)
- [SQLAlchemy: `Column.index`](https://docs.sqlalchemy.org/en/20/core/metadata.html#sqlalchemy.schema.Column.params.index)
- [Django: `ForeignKey` creates an index](https://docs.djangoproject.com/en/stable/ref/models/fields/#foreignkey)
"#;
