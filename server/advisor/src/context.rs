//! Fills a `ReviewContext` from one parsed file: the code under review (a whole file, or the
//! function or class around a range), and a best-effort route entry read from the handler's
//! own decorator or registration call. The workspace application model will supply richer
//! route facts (full paths with router prefixes, middleware from other files) once merged;
//! until then this reads only what the enclosing code says.

use ba_syntax::NodeExt;
use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::review::{KnownFinding, ReviewContext, RouteEntry};
use ba_analysis::ancestors;
use ba_rules::Finding;
use ba_syntax::{Family, Language};

/// What a code action offers to review at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A function that serves a route (it has a route decorator or registration).
    Endpoint {
        name: String,
        range: Range<usize>,
    },
    /// A class that looks like a data model (ORM or schema base class).
    Model {
        name: String,
        range: Range<usize>,
    },
    File,
}

const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
const MODEL_BASES: &[&str] = &[
    "Model",
    "Base",
    "BaseModel",
    "SQLModel",
    "DeclarativeBase",
    "Document",
    "Schema",
    "Serializer",
    "ModelSerializer",
];
/// Outbound clients whose use the prompt mentions (what the code talks to).
const CLIENTS: &[&str] = &[
    "requests",
    "httpx",
    "aiohttp",
    "urllib",
    "boto3",
    "redis",
    "celery",
    "stripe",
    "smtplib",
    "axios",
    "node-fetch",
    "fetch(",
    "got",
    "pg",
    "mysql",
    "mongoose",
    "mongodb",
    "ioredis",
    "kafka",
    "amqp",
    "pika",
];
/// Names that suggest authentication or authorisation in decorators and dependencies.
const AUTH_WORDS: &[&str] = &[
    "auth",
    "login_required",
    "current_user",
    "permission",
    "jwt",
    "token",
    "requires",
    "protect",
    "passport",
    "session",
    "guard",
];

fn text<'a>(source: &'a str, node: Node) -> &'a str {
    source.get(node.byte_range()).unwrap_or("")
}

fn is_function(family: Family, kind: &str) -> bool {
    match family {
        Family::Python => kind == "function_definition",
        Family::JavaScript => matches!(
            kind,
            "function_declaration"
                | "method_definition"
                | "arrow_function"
                | "function_expression"
                | "function"
        ),
    }
}

fn is_class(family: Family, kind: &str) -> bool {
    match family {
        Family::Python => kind == "class_definition",
        Family::JavaScript => matches!(kind, "class_declaration" | "class"),
    }
}

/// The innermost function or class containing `range`, with its decorators (Python) or the
/// route registration call it is passed to (JS `app.get("/x", auth, (req, res) => …)`).
fn enclosing<'t>(
    tree: &'t Tree,
    family: Family,
    range: &Range<usize>,
) -> Option<(Node<'t>, Node<'t>)> {
    let root = tree.root_node();
    let node = root.descendant_for_byte_range(range.start, range.end.max(range.start))?;
    let mut chain = ancestors(root, node);
    chain.push(node);
    // `ancestors` lists from the root down: the innermost match is the last one.
    let idx = chain
        .iter()
        .rposition(|n| is_function(family, n.kind_str()) || is_class(family, n.kind_str()))?;
    let def = chain[idx];
    let mut outer = def;
    if idx > 0 && chain[idx - 1].kind_str() == "decorated_definition" {
        outer = chain[idx - 1];
    }
    if family == Family::JavaScript {
        // A handler passed to `router.get(...)`: review the whole registration.
        if let Some(call) = chain[..idx]
            .iter()
            .rev()
            .take(2)
            .find(|n| n.kind_str() == "call_expression")
        {
            outer = *call;
        }
    }
    Some((def, outer))
}

fn name_of(source: &str, def: Node) -> String {
    def.field("name")
        .map(|n| text(source, n).to_owned())
        .unwrap_or_else(|| "(anonymous)".to_owned())
}

/// The first string literal's contents in `s`.
fn first_string(s: &str) -> Option<String> {
    let i = s.find(['"', '\'', '`'])?;
    let q = s.as_bytes()[i] as char;
    let rest = &s[i + 1..];
    Some(rest[..rest.find(q)?].to_owned())
}

/// Route facts from a Python decorator (`@app.get("/x")`, `@bp.route("/x", methods=[…])`,
/// `@router.post("/x", dependencies=[Depends(auth)])`) or a JS registration call.
fn route_from(outer_text: &str, family: Family) -> Option<RouteEntry> {
    let header: Vec<&str> = match family {
        Family::Python => outer_text
            .lines()
            .take_while(|l| {
                !l.trim_start().starts_with("def ") && !l.trim_start().starts_with("async def ")
            })
            .filter(|l| l.trim_start().starts_with('@'))
            .collect(),
        Family::JavaScript => outer_text.lines().take(1).collect(),
    };
    for line in header {
        let call = line.trim_start().trim_start_matches('@');
        let Some(open) = call.find('(') else { continue };
        let callee = &call[..open];
        let method = callee.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        let args = &call[open..];
        let path = first_string(args);
        let methods: Vec<String> = if HTTP_METHODS.contains(&method.as_str()) {
            vec![method.to_ascii_uppercase()]
        } else if matches!(method.as_str(), "route" | "api_route" | "all") {
            match args.find("methods") {
                Some(i) => args[i..]
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .split(['"', '\''])
                    .skip(1)
                    .step_by(2)
                    .map(str::to_ascii_uppercase)
                    .collect(),
                None => vec!["GET".to_owned()],
            }
        } else {
            continue;
        };
        let Some(path) = path.filter(|p| p.starts_with('/')) else {
            continue;
        };
        return Some(RouteEntry {
            method: methods.join(", "),
            path,
            auth: None,
            dependencies: Vec::new(),
        });
    }
    None
}

/// `Depends(x)` arguments (FastAPI) and JS middleware identifiers before the handler.
fn dependencies_of(outer_text: &str, family: Family) -> Vec<String> {
    let mut out = Vec::new();
    match family {
        Family::Python => {
            let signature_end = outer_text
                .find("):")
                .or_else(|| outer_text.find(")->"))
                .unwrap_or(outer_text.len());
            for part in outer_text[..signature_end].split("Depends(").skip(1) {
                let dep: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
                    .collect();
                if !dep.is_empty() {
                    out.push(dep);
                }
            }
            for line in outer_text
                .lines()
                .filter(|l| l.trim_start().starts_with('@'))
            {
                let name = line
                    .trim_start()
                    .trim_start_matches('@')
                    .split('(')
                    .next()
                    .unwrap_or("");
                let last = name.rsplit('.').next().unwrap_or("");
                if !HTTP_METHODS.contains(&last)
                    && !matches!(last, "route" | "api_route")
                    && !name.is_empty()
                {
                    out.push(name.to_owned());
                }
            }
        }
        Family::JavaScript => {
            let first = outer_text.lines().next().unwrap_or("");
            if let Some(open) = first.find('(') {
                for arg in first[open + 1..].split(',').skip(1) {
                    let a = arg.trim();
                    if !a.is_empty()
                        && a.chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$'))
                    {
                        out.push(a.to_owned());
                    }
                }
            }
        }
    }
    out.dedup();
    out
}

/// Classes defined in the file that look like data models and are named in `code`.
fn models_in(source: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("class ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let bases = rest.split(['(', ':']).nth(1).unwrap_or("");
        let is_model = bases
            .split([',', ' ', ')'])
            .any(|b| MODEL_BASES.contains(&b.rsplit('.').next().unwrap_or("")));
        if is_model && !name.is_empty() && code.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn clients_in(source: &str, code: &str) -> Vec<String> {
    CLIENTS
        .iter()
        .filter(|c| {
            let name = c.trim_end_matches('(');
            // Imported in the file and used in the code under review.
            (source.contains(&format!("import {name}"))
                || source.contains(&format!("from {name}"))
                || source.contains(&format!("require(\"{name}\")"))
                || source.contains(&format!("from \"{name}\""))
                || c.ends_with('('))
                && code.contains(*c)
        })
        .map(|c| c.trim_end_matches('(').to_owned())
        .collect()
}

/// What a code action at `range` can offer to review.
pub fn target_at(language: Language, source: &str, tree: &Tree, range: &Range<usize>) -> Target {
    let family = language.family();
    let Some((def, outer)) = enclosing(tree, family, range) else {
        return Target::File;
    };
    let outer_text = text(source, outer);
    if is_function(family, def.kind_str()) && route_from(outer_text, family).is_some() {
        return Target::Endpoint {
            name: name_of(source, def),
            range: outer.byte_range(),
        };
    }
    // A method inside a model class reviews the model.
    let root = tree.root_node();
    let mut chain = ancestors(root, def);
    chain.push(def);
    for n in chain
        .iter()
        .rev()
        .filter(|n| is_class(family, n.kind_str()))
    {
        if !models_in(text(source, *n), text(source, *n)).is_empty() {
            let name = name_of(source, *n);
            let range = chain
                .iter()
                .rev()
                .find(|p| {
                    p.kind_str() == "decorated_definition"
                        && p.byte_range().contains(&n.start_byte())
                })
                .map_or(n.byte_range(), |p| p.byte_range());
            return Target::Model { name, range };
        }
    }
    Target::File
}

fn line_of(source: &str, offset: usize) -> u32 {
    // Bytes, not `str`: `offset` may sit inside a character (the byte before a span's end).
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
        + 1
}

/// The most code one review sends: models have bounded context windows, and a large file is
/// better reviewed a function at a time.
pub const MAX_REVIEW_BYTES: usize = 48 * 1024;

/// `span` cut to `MAX_REVIEW_BYTES` at a line end, and the target saying so.
fn cap(source: &str, span: Range<usize>, target: String) -> (Range<usize>, String) {
    if span.len() <= MAX_REVIEW_BYTES {
        return (span, target);
    }
    let mut limit = span.start + MAX_REVIEW_BYTES;
    while !source.is_char_boundary(limit) {
        limit -= 1;
    }
    let end = source[span.start..limit]
        .rfind('\n')
        .map_or(limit, |i| span.start + i + 1);
    let lines = source[span.start..end].matches('\n').count();
    (
        span.start..end,
        format!("{target} (its first {lines} lines; review functions separately for the rest)"),
    )
}

/// The context for reviewing `range` of the file (`None`: the whole file).
pub fn build(
    path: &str,
    language: Language,
    source: &str,
    tree: &Tree,
    range: Option<Range<usize>>,
    findings: &[Finding],
) -> ReviewContext {
    let family = language.family();
    let enclosing = range.as_ref().and_then(|r| enclosing(tree, family, r));
    let (span, target, route, deps) = match enclosing {
        Some((def, outer)) => {
            let outer_text = text(source, outer);
            let kind = if is_class(family, def.kind_str()) {
                "class"
            } else {
                "function"
            };
            let route = if kind == "function" {
                route_from(outer_text, family)
            } else {
                None
            };
            let deps = if route.is_some() {
                dependencies_of(outer_text, family)
            } else {
                Vec::new()
            };
            (
                outer.byte_range(),
                format!("{kind} `{}`", name_of(source, def)),
                route,
                deps,
            )
        }
        None => (0..source.len(), "file".to_owned(), None, Vec::new()),
    };
    let (span, target) = cap(source, span, target);
    let code = &source[span.clone()];
    let route = route.map(|mut r| {
        let auth: Vec<&String> = deps
            .iter()
            .filter(|d| {
                AUTH_WORDS
                    .iter()
                    .any(|w| d.to_ascii_lowercase().contains(w))
            })
            .collect();
        r.auth = Some(if auth.is_empty() {
            "none detected in the handler's decorators, dependencies or middleware".to_owned()
        } else {
            auth.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
        r.dependencies = deps;
        r
    });
    let first_line = line_of(source, span.start);
    let known = findings
        .iter()
        .filter(|f| f.range.start >= span.start && f.range.start <= span.end)
        .map(|f| KnownFinding {
            line: line_of(source, f.range.start),
            code: f.rule.code.to_owned(),
            message: f.message.clone(),
        })
        .collect();
    ReviewContext {
        path: path.to_owned(),
        language: language.name().to_owned(),
        target,
        first_line,
        last_line: line_of(source, span.end.saturating_sub(1).max(span.start)),
        code: code.to_owned(),
        route,
        models: models_in(source, code),
        clients: clients_in(source, code),
        findings: known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::parse::parse;

    const APP: &str = r#"from fastapi import Depends, FastAPI
import httpx
from .db import Base

app = FastAPI()

class Order(Base):
    __tablename__ = "orders"

    def total(self):
        return 1


@app.get("/orders/{order_id}", dependencies=[Depends(rate_limit)])
async def get_order(order_id: int, user=Depends(get_current_user)):
    async with httpx.AsyncClient() as c:
        await c.get("https://example.com")
    return Order.query.get(order_id)


def helper():
    return 2
"#;

    #[test]
    fn python_endpoint_model_and_file() {
        let tree = parse(Language::Python, APP, None).unwrap();
        let at = |needle: &str| {
            let i = APP.find(needle).unwrap();
            i..i
        };
        match target_at(Language::Python, APP, &tree, &at("httpx.AsyncClient")) {
            Target::Endpoint { name, range } => {
                assert_eq!(name, "get_order");
                assert!(APP[range].starts_with("@app.get"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(target_at(Language::Python, APP, &tree, &at("return 1")), Target::Model { name, .. } if name == "Order")
        );
        assert_eq!(
            target_at(Language::Python, APP, &tree, &at("return 2")),
            Target::File
        );

        let ctx = build(
            "app.py",
            Language::Python,
            APP,
            &tree,
            Some(at("httpx.AsyncClient")),
            &[],
        );
        assert_eq!(ctx.target, "function `get_order`");
        let route = ctx.route.unwrap();
        assert_eq!(
            (route.method.as_str(), route.path.as_str()),
            ("GET", "/orders/{order_id}")
        );
        assert_eq!(route.dependencies, ["rate_limit", "get_current_user"]);
        assert_eq!(route.auth.as_deref(), Some("get_current_user"));
        assert_eq!(ctx.models, ["Order"]);
        assert_eq!(ctx.clients, ["httpx"]);
        assert_eq!(ctx.first_line, 14);
        let whole = build("app.py", Language::Python, APP, &tree, None, &[]);
        assert_eq!((whole.target.as_str(), whole.first_line), ("file", 1));
    }

    #[test]
    fn large_files_are_capped_at_a_line_end() {
        // Without a line end near the limit, the cut still lands between characters.
        let wide = format!("s = \"{}\"\n", "é".repeat(MAX_REVIEW_BYTES));
        let tree = parse(Language::Python, &wide, None).unwrap();
        let ctx = build("wide.py", Language::Python, &wide, &tree, None, &[]);
        assert!(ctx.code.len() <= MAX_REVIEW_BYTES);
        let big: String = (0..10_000).map(|i| format!("x_{i} = {i}\n")).collect();
        let tree = parse(Language::Python, &big, None).unwrap();
        let ctx = build("big.py", Language::Python, &big, &tree, None, &[]);
        assert!(ctx.code.len() <= MAX_REVIEW_BYTES && ctx.code.ends_with('\n'));
        assert!(ctx.target.starts_with("file (its first "), "{}", ctx.target);
        assert_eq!(ctx.last_line as usize, ctx.code.lines().count());
    }

    #[test]
    fn express_registration() {
        let js = "const express = require(\"express\");\nconst app = express();\napp.post(\"/pay\", requireAuth, async (req, res) => {\n  res.send(\"ok\");\n});\n";
        let tree = parse(Language::JavaScript, js, None).unwrap();
        let i = js.find("res.send").unwrap();
        let ctx = build("app.js", Language::JavaScript, js, &tree, Some(i..i), &[]);
        let route = ctx.route.unwrap();
        assert_eq!(
            (route.method.as_str(), route.path.as_str()),
            ("POST", "/pay")
        );
        assert_eq!(route.dependencies, ["requireAuth"]);
        assert_eq!(route.auth.as_deref(), Some("requireAuth"));
    }
}
