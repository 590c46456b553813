//! The unsafe fix of SEC101: a query built from text and values (Python f-strings, `+`, `%`
//! and `.format()`; JavaScript template literals and `+`) becomes a parameterised query with the
//! placeholder style of the driver in use, and the values move into the parameters.
//!
//! Every form is first read as the same sequence of literal text and values; only what is
//! mechanical is rewritten: every value must be plain (no format spec or conversion), either
//! unquoted in a value position (`= {x}`, `LIMIT {n}`) or quoted on its own (`'{x}'`).
//! Identifiers (`FROM {table}`, `ORDER BY {col}`) cannot be parameters, and neither can part of
//! a quoted literal (`LIKE '%{q}%'`), so those queries get no fix.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Checker, Edit};
use ba_analysis::named_children;
use ba_syntax::Family;

/// How the driver marks parameters (PEP 249 `paramstyle`, plus asyncpg's and pg's `$1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// `?` (sqlite3, aiosqlite; mysql, mysql2, sqlite3 and knex in Node)
    Qmark,
    /// `%s` (psycopg, PyMySQL, MySQLdb, mysql-connector, Django's cursor)
    Format,
    /// `:name` (SQLAlchemy `text()`)
    Named,
    /// `$1` (asyncpg; pg in Node)
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

/// The root module names the file imports (`psycopg2.extras` → `psycopg2`).
fn imported_roots<'c>(checker: &'c Checker) -> Vec<&'c str> {
    checker
        .semantic
        .imports
        .values()
        .map(|q| q.split(['.', '/']).next().unwrap_or(q))
        .collect()
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
    let imports = imported_roots(checker);
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

/// The placeholder style in Node: knex's raw methods take `?`; `query`/`execute` take `$1` with
/// pg and `?` with mysql, mysql2 and sqlite3, told by what the module requires.
pub(crate) fn js_style(checker: &Checker, known_sql: bool, method: &str) -> Option<Style> {
    if method.ends_with("Unsafe") {
        return None;
    }
    let imports = imported_roots(checker);
    let has = |m: &str| imports.contains(&m);
    if known_sql {
        return has("knex").then_some(Style::Qmark);
    }
    let dollar = has("pg") || has("postgres");
    let qmark = ["mysql", "mysql2", "sqlite3", "better-sqlite3"]
        .iter()
        .any(|m| has(m));
    match (dollar, qmark) {
        (true, false) => Some(Style::Dollar),
        (false, true) => Some(Style::Qmark),
        _ => None,
    }
}

/// SQL keywords after which an unquoted interpolation is an identifier, not a value.
const IDENTIFIER_CONTEXT: &[&str] = &[
    "from", "join", "into", "update", "table", "by", "select", "as", "on", "exists", "index",
    "view", "database", "schema",
];

/// Statements that take no bound parameters (DDL, SQLite pragmas, MySQL `SHOW`/`USE`).
const NO_PARAMETERS: &[&str] = &[
    "pragma", "create", "alter", "drop", "truncate", "grant", "revoke", "show", "describe", "desc",
    "use", "vacuum", "attach", "detach",
];

enum Piece<'t> {
    /// SQL text as it will be written inside the new literal's quotes.
    Text(String),
    Value(Node<'t>),
}

/// A query read as text and values, and how to write the new literal.
struct Template<'t> {
    pieces: Vec<Piece<'t>>,
    /// String prefix letters to keep (`r`, `u`), without `f`.
    letters: String,
    quote: String,
}

impl<'t> Template<'t> {
    fn text(&mut self, s: String) {
        self.pieces.push(Piece::Text(s));
    }
}

/// A Python string literal's prefix letters (lower case), quote, and content (as written,
/// escapes included); `None` for bytes and implicit concatenations.
fn python_literal<'s>(
    checker: &Checker<'s>,
    node: Node<'s>,
) -> Option<(String, String, Vec<Node<'s>>)> {
    if node.kind_str() != "string" {
        return None;
    }
    let parts = named_children(node);
    let start = parts.iter().find(|p| p.kind_str() == "string_start")?;
    let prefix = checker.text(*start);
    let quote_len = prefix
        .chars()
        .rev()
        .take_while(|c| *c == '"' || *c == '\'')
        .count();
    let letters = prefix[..prefix.len() - quote_len].to_ascii_lowercase();
    if letters.contains('b') {
        return None;
    }
    Some((
        letters,
        prefix[prefix.len() - quote_len..].to_owned(),
        parts,
    ))
}

/// Appends a Python string (plain or f-string) to `t`. `unbrace`: `{{`/`}}` are escapes
/// (f-strings and `.format`); `unpercent`: `%%` is one `%` (`%` formatting).
fn python_string<'t>(
    checker: &Checker<'t>,
    node: Node<'t>,
    t: &mut Template<'t>,
    mode: Mode,
) -> Option<()> {
    let (letters, quote, parts) = python_literal(checker, node)?;
    let is_f = letters.contains('f');
    let letters: String = letters.chars().filter(|c| *c != 'f').collect();
    if t.quote.is_empty() {
        t.quote = quote.clone();
        t.letters = letters.clone();
    }
    // Another quote or raw-ness would change what the content means.
    if t.quote != quote || t.letters != letters {
        return None;
    }
    for part in parts {
        match part.kind_str() {
            "string_start" | "string_end" => {}
            "string_content" | "escape_sequence" => {
                let raw = checker.text(part);
                let text = if is_f || mode == Mode::Format {
                    raw.replace("{{", "{").replace("}}", "}")
                } else {
                    raw.to_owned()
                };
                match mode {
                    Mode::Percent if !is_f => percent_pieces(&text, t)?,
                    Mode::Format if !is_f => t.text(text),
                    _ => t.text(text),
                }
            }
            "interpolation" if is_f => {
                if part.field("type_conversion").is_some()
                    || part.field("format_specifier").is_some()
                {
                    return None;
                }
                t.pieces.push(Piece::Value(part.field("expression")?));
            }
            _ => return None,
        }
    }
    Some(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    /// The left side of `%`: `%s` marks a value (filled in later from the right side).
    Percent,
    /// The object of `.format()`: fields are filled in later.
    Format,
}

/// `%s`-style text: `%%` → `%`, `%s`/`%d`/`%i`/`%f`/`%r` → a slot (a `Text("\0")` marker).
fn percent_pieces(text: &str, t: &mut Template) -> Option<()> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'i' | 'f' | 'r' => {
                t.text(std::mem::take(&mut out));
                t.text("\0".to_owned());
            }
            _ => return None,
        }
    }
    t.text(out);
    Some(())
}

/// `a + b + c` (also parenthesised) as its operands, left to right.
fn operands<'t>(checker: &Checker<'t>, node: Node<'t>, out: &mut Vec<Node<'t>>) -> Option<()> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "binary_operator" | "binary_expression"
            if node
                .field("operator")
                .is_some_and(|o| checker.text(o) == "+") =>
        {
            operands(checker, node.field("left")?, out)?;
            operands(checker, node.field("right")?, out)
        }
        "parenthesized_expression" if node.named_child_count() == 1 => {
            let inner = node.named_child(0)?;
            if matches!(inner.kind_str(), "binary_operator" | "binary_expression") {
                operands(checker, inner, out)
            } else {
                out.push(node);
                Some(())
            }
        }
        _ => {
            out.push(node);
            Some(())
        }
    }
}

/// The query `built` (an f-string, `+`, `%` or `.format()` in Python) read as a template.
fn python_template<'t>(checker: &Checker<'t>, built: Node<'t>) -> Option<Template<'t>> {
    let _level = ba_syntax::depth::enter()?;
    let mut t = Template {
        pieces: Vec::new(),
        letters: String::new(),
        quote: String::new(),
    };
    match built.kind_str() {
        "string" => python_string(checker, built, &mut t, Mode::Plain)?,
        "binary_operator" => match checker.text(built.field("operator")?) {
            "+" => {
                let mut parts = Vec::new();
                operands(checker, built, &mut parts)?;
                for p in parts {
                    if p.kind_str() == "string" {
                        python_string(checker, p, &mut t, Mode::Plain)?;
                    } else {
                        t.pieces.push(Piece::Value(p));
                    }
                }
            }
            "%" => {
                let left = built.field("left")?;
                let right = built.field("right")?;
                if python_literal(checker, left)?.0.contains('f') {
                    return None;
                }
                python_string(checker, left, &mut t, Mode::Percent)?;
                let values = match right.kind_str() {
                    "tuple" => named_children(right),
                    "dictionary" | "list_splat" => return None,
                    _ => vec![right],
                };
                if values.iter().any(|v| v.kind_str().contains("splat")) {
                    return None;
                }
                let mut values = values.into_iter();
                for piece in &mut t.pieces {
                    if matches!(piece, Piece::Text(s) if s == "\0") {
                        *piece = Piece::Value(values.next()?);
                    }
                }
                if values.next().is_some() {
                    return None;
                }
            }
            _ => return None,
        },
        "call" => {
            let func = built.field("function")?;
            let object = func.field("object")?;
            if func.kind_str() != "attribute"
                || checker.text(func.field("attribute")?) != "format"
                || python_literal(checker, object)?.0.contains('f')
            {
                return None;
            }
            python_string(checker, object, &mut t, Mode::Format)?;
            let args = checker.arguments(built.field("arguments")?);
            if named_children(built.field("arguments")?)
                .iter()
                .any(|a| a.kind_str().contains("splat"))
            {
                return None;
            }
            let mut out: Vec<Piece> = Vec::new();
            let mut next_auto = 0;
            for piece in std::mem::take(&mut t.pieces) {
                let Piece::Text(text) = piece else {
                    out.push(piece);
                    continue;
                };
                // `{{`/`}}` were unescaped already, so split on the original fields: a field is
                // `{}`, `{0}` or `{name}`; anything else (`{0:>5}`, `{x.y}`) is not rewritten.
                let mut rest = text.as_str();
                let mut literal = String::new();
                while let Some(open) = rest.find('{') {
                    literal.push_str(&rest[..open]);
                    let close = rest[open..].find('}')? + open;
                    let field = &rest[open + 1..close];
                    let value = if field.is_empty() {
                        next_auto += 1;
                        args.positional.get(next_auto - 1).copied()?
                    } else if let Ok(i) = field.parse::<usize>() {
                        args.positional.get(i).copied()?
                    } else if field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        args.keyword(field, checker.source)?
                    } else {
                        return None;
                    };
                    out.push(Piece::Text(std::mem::take(&mut literal)));
                    out.push(Piece::Value(value));
                    rest = &rest[close + 1..];
                }
                literal.push_str(rest);
                out.push(Piece::Text(literal));
            }
            // Escaped braces in the original text come back as `{`: refuse rather than guess.
            let escaped =
                checker.text(object).contains("{{") || checker.text(object).contains("}}");
            if escaped {
                return None;
            }
            t.pieces = out;
        }
        _ => return None,
    }
    Some(t)
}

/// A JavaScript string or template literal appended to `t` (text kept as written).
fn js_string<'t>(checker: &Checker<'t>, node: Node<'t>, t: &mut Template<'t>) -> Option<()> {
    let text = checker.text(node);
    let quote = text.get(..1)?;
    if t.quote.is_empty() {
        t.quote = if quote == "`" {
            "\"".to_owned()
        } else {
            quote.to_owned()
        };
    }
    let mut last = node.start_byte() + 1;
    let push_text = |t: &mut Template<'t>, s: &str| -> Option<()> {
        // The new literal uses `t.quote`: content holding it (or a line break from a template)
        // would need re-escaping, so such queries keep their form and get no fix.
        if s.contains(t.quote.as_str())
            || s.contains(['\n', '\r', '`'])
            || (quote == "`" && s.contains('\\'))
        {
            return None;
        }
        t.text(s.to_owned());
        Some(())
    };
    if node.kind_str() == "template_string" {
        for sub in named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() == "template_substitution")
        {
            push_text(t, &checker.source[last..sub.start_byte()])?;
            let values = named_children(sub);
            let [value] = values.as_slice() else {
                return None;
            };
            t.pieces.push(Piece::Value(*value));
            last = sub.end_byte();
        }
    } else if node.kind_str() != "string" {
        return None;
    }
    push_text(t, &checker.source[last..node.end_byte() - 1])
}

/// The query `built` (a template literal or `+`) read as a template, in JavaScript.
fn js_template<'t>(checker: &Checker<'t>, built: Node<'t>) -> Option<Template<'t>> {
    let mut t = Template {
        pieces: Vec::new(),
        letters: String::new(),
        quote: String::new(),
    };
    match built.kind_str() {
        "template_string" => js_string(checker, built, &mut t)?,
        "binary_expression" => {
            let mut parts = Vec::new();
            operands(checker, built, &mut parts)?;
            for p in parts {
                if matches!(p.kind_str(), "string" | "template_string") {
                    js_string(checker, p, &mut t)?;
                } else {
                    t.pieces.push(Piece::Value(p));
                }
            }
        }
        _ => return None,
    }
    Some(t)
}

/// The edits that parameterise the query built at `built`, passed at `query_end` (the end of
/// the query argument in the call), or `None` when the query is not mechanical to rewrite.
pub(crate) fn edits<'t>(
    checker: &Checker<'t>,
    built: Node<'t>,
    query_end: usize,
    style: Style,
) -> Option<Vec<Edit>> {
    let src = checker.source;
    let javascript = checker.language.family() == Family::JavaScript;
    let template = if javascript {
        js_template(checker, built)?
    } else {
        python_template(checker, built)?
    };
    let mut sql = String::new();
    let mut params: Vec<&str> = Vec::new();
    // Set after `'{x}'` became a placeholder: the next text must start with the closing quote.
    let mut drop_quote = false;
    for piece in &template.pieces {
        match piece {
            Piece::Text(text) => {
                let text = if drop_quote {
                    drop_quote = false;
                    text.strip_prefix('\'')?
                } else {
                    text
                };
                // `%` is the placeholder character of the `format` style.
                if style == Style::Format {
                    sql.push_str(&text.replace('%', "%%"));
                } else {
                    sql.push_str(text);
                }
            }
            Piece::Value(expr) => {
                if drop_quote {
                    return None;
                }
                let expr_text = &src[expr.byte_range()];
                if sql.matches('\'').count() % 2 == 1 {
                    // Inside a quoted literal: only `'{x}'` on its own can become a parameter.
                    if !sql.ends_with('\'') {
                        return None;
                    }
                    sql.pop();
                    drop_quote = true;
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
                }
                params.push(expr_text);
                sql.push_str(&placeholder(style, params.len(), expr_text));
            }
        }
    }
    if drop_quote || params.is_empty() {
        return None;
    }
    // Statements whose operands are names, not values: drivers cannot bind them.
    let first_word = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if NO_PARAMETERS.contains(&first_word.as_str()) {
        return None;
    }
    let literal = format!("{}{q}{sql}{q}", template.letters, q = template.quote);
    let arguments = match style {
        _ if javascript => format!(", [{}]", params.join(", ")),
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
            range: built.byte_range(),
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
