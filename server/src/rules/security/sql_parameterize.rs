//! The unsafe fix of SEC101 for Python: an f-string query becomes a parameterised query with
//! the placeholder style of the driver in use, and the interpolated values move into the
//! parameters.
//!
//! Only what is mechanical is rewritten: every interpolation must be a plain value (no format
//! spec or conversion), either unquoted in a value position (`= {x}`, `LIMIT {n}`) or quoted
//! on its own (`'{x}'`). Identifiers (`FROM {table}`, `ORDER BY {col}`) cannot be parameters,
//! and neither can part of a quoted literal (`LIKE '%{q}%'`), so those queries get no fix.

use tree_sitter::Node;

use crate::analysis::named_children;
use crate::rules::{Checker, Edit};

/// How the driver marks parameters (PEP 249 `paramstyle`, plus asyncpg's `$1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// `?` (sqlite3, aiosqlite)
    Qmark,
    /// `%s` (psycopg, PyMySQL, MySQLdb, mysql-connector, Django's cursor)
    Format,
    /// `:name` (SQLAlchemy `text()`)
    Named,
    /// `$1` (asyncpg)
    Dollar,
}

impl Style {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Qmark => "`?`",
            Self::Format => "`%s`",
            Self::Named => "`:name`",
            Self::Dollar => "`$1`",
        }
    }
}

/// The placeholder style for a call of `method` (or SQLAlchemy's `text()` when `text_call`),
/// from the call and the module's imports; `None` when it cannot be told.
pub(crate) fn style(checker: &Checker, method: &str, text_call: bool) -> Option<Style> {
    if text_call {
        return Some(Style::Named);
    }
    if matches!(method, "fetch" | "fetchrow" | "fetchval") {
        return Some(Style::Dollar);
    }
    let imports: Vec<&str> = checker
        .semantic
        .imports
        .values()
        .map(|q| q.split('.').next().unwrap_or(q))
        .collect();
    let has = |m: &str| imports.contains(&m);
    let qmark = has("sqlite3") || has("aiosqlite");
    let format = [
        "psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql", "django", "aiomysql", "aiopg",
        "pg8000",
    ]
    .iter()
    .any(|m| has(m));
    match (qmark, format) {
        (true, false) => Some(Style::Qmark),
        (false, true) => Some(Style::Format),
        _ => None,
    }
}

/// SQL keywords after which an unquoted interpolation is an identifier, not a value.
const IDENTIFIER_CONTEXT: &[&str] = &[
    "from", "join", "into", "update", "table", "by", "select", "as", "on", "exists", "index",
    "view", "database", "schema",
];

/// The edits that parameterise `fstring`, a query passed at `query_end` (the end of the query
/// argument in the call), or `None` when the query is not mechanical to rewrite.
pub(crate) fn edits(
    checker: &Checker,
    fstring: Node,
    query_end: usize,
    style: Style,
) -> Option<Vec<Edit>> {
    let src = checker.source;
    let parts = named_children(fstring);
    let start = parts.iter().find(|p| p.kind() == "string_start")?;
    let prefix = &src[start.byte_range()];
    let quote_len = prefix
        .chars()
        .rev()
        .take_while(|c| *c == '"' || *c == '\'')
        .count();
    let quote = &prefix[prefix.len() - quote_len..];
    let letters: String = prefix[..prefix.len() - quote_len]
        .chars()
        .filter(|c| !matches!(c, 'f' | 'F'))
        .collect();
    let mut sql = String::new();
    let mut params: Vec<&str> = Vec::new();
    for part in &parts {
        match part.kind() {
            "string_content" => {
                let text = &src[part.byte_range()];
                let text = text.replace("{{", "{").replace("}}", "}");
                // `%` is the placeholder character of the `format` style.
                let text = if style == Style::Format {
                    text.replace('%', "%%")
                } else {
                    text
                };
                sql.push_str(&text);
            }
            "escape_sequence" => sql.push_str(&src[part.byte_range()]),
            "interpolation" => {
                if part.child_by_field_name("type_conversion").is_some()
                    || part.child_by_field_name("format_specifier").is_some()
                {
                    return None;
                }
                let expr = part.child_by_field_name("expression")?;
                let quotes = sql.matches('\'').count();
                if quotes % 2 == 1 {
                    // Inside a quoted literal: only `'{x}'` on its own can become a parameter.
                    if !sql.ends_with('\'') {
                        return None;
                    }
                    sql.pop();
                    params.push(&src[expr.byte_range()]);
                    sql.push_str(&placeholder(style, params.len(), &src[expr.byte_range()]));
                    sql.push('\u{0}'); // marks "drop the closing quote that follows"
                } else {
                    let before = sql.trim_end();
                    let word = before
                        .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if before.ends_with('.') || IDENTIFIER_CONTEXT.contains(&word.as_str()) {
                        return None;
                    }
                    params.push(&src[expr.byte_range()]);
                    sql.push_str(&placeholder(style, params.len(), &src[expr.byte_range()]));
                }
            }
            _ => {}
        }
        // Drop the closing quote of a `'{x}'` value.
        if part.kind() == "string_content" {
            if let Some(i) = sql.find("\u{0}'") {
                sql.replace_range(i..i + 2, "");
            }
        }
    }
    if sql.contains('\u{0}') || params.is_empty() {
        return None;
    }
    let literal = format!("{letters}{quote}{sql}{quote}");
    let arguments = match style {
        Style::Named => {
            let names: Vec<String> = params
                .iter()
                .enumerate()
                .map(|(i, p)| format!("\"{}\": {p}", param_name(p, i + 1)))
                .collect();
            format!(", {{{}}}", names.join(", "))
        }
        Style::Dollar => format!(", {}", params.join(", ")),
        _ if params.len() == 1 => format!(", ({},)", params[0]),
        _ => format!(", ({})", params.join(", ")),
    };
    Some(vec![
        Edit {
            range: fstring.byte_range(),
            content: literal,
        },
        Edit {
            range: query_end..query_end,
            content: arguments,
        },
    ])
}

fn placeholder(style: Style, index: usize, expr: &str) -> String {
    match style {
        Style::Qmark => "?".to_owned(),
        Style::Format => "%s".to_owned(),
        Style::Named => format!(":{}", param_name(expr, index)),
        Style::Dollar => format!("${index}"),
    }
}

/// `name` → `name`, `user.email` → `email`, anything else → `p1`.
fn param_name(expr: &str, index: usize) -> String {
    let last = expr.rsplit('.').next().unwrap_or(expr);
    if !last.is_empty()
        && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !last.starts_with(|c: char| c.is_ascii_digit())
    {
        last.to_owned()
    } else {
        format!("p{index}")
    }
}
