//! Sample request bodies from the JSON Schema a Fastify route declares
//! (`fastify.post(path, { schema: { body: … } }, handler)`), read from the JavaScript source
//! without running it: object and array literals, strings, numbers, and the constants the file
//! declares (`const horseBody = { … }`, `schema: routeSchema`, `{ ...base, required: […] }`,
//! `schemas.horse`). A value per property from its `examples`/`example`, `const`, `enum` or
//! `default`, else its type and format (an email, a date-time, a UUID…) within its bounds
//! (`minimum`, `minLength`, `minItems`…), as the Python generators do from Pydantic models.
//! Schemas built by code (`S.object()`, TypeBox's `Type.Object`) or shared by `$ref` are not
//! read: the caller falls back on the keys the handler reads.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{descendants, named_children, text};

/// A JavaScript literal evaluated to JSON; objects keep their keys' order.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// JSON text (also a JavaScript literal).
    fn render(&self) -> String {
        match self {
            Json::Null => "null".into(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.clone(),
            Json::String(s) => serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()),
            Json::Array(items) => {
                let items: Vec<String> = items.iter().map(Json::render).collect();
                format!("[{}]", items.join(", "))
            }
            Json::Object(pairs) => {
                let pairs: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}: {}", Json::String(k.clone()).render(), v.render()))
                    .collect();
                format!("{{{}}}", pairs.join(", "))
            }
        }
    }
}

/// How deep constants may refer to constants, and schemas nest: enough for real schemas, and
/// an end to a constant that refers to itself.
const MAX_DEPTH: usize = 12;

struct Reader<'s, 't> {
    source: &'s str,
    root: Node<'t>,
}

impl<'t> Reader<'_, 't> {
    fn eval(&self, node: Node<'t>, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        let t = text(self.source, node);
        Some(match node.kind_str() {
            "object" => {
                let mut pairs: Vec<(String, Json)> = Vec::new();
                let mut set = |k: String, v: Json| {
                    pairs.retain(|(x, _)| *x != k);
                    pairs.push((k, v));
                };
                for child in named_children(node) {
                    match child.kind_str() {
                        "pair" => {
                            let (Some(k), Some(v)) = (child.field("key"), child.field("value"))
                            else {
                                continue;
                            };
                            let key = match k.kind_str() {
                                "property_identifier" | "number" => text(self.source, k).to_owned(),
                                "string" => string_literal(self.source, k)?,
                                _ => continue,
                            };
                            if let Some(v) = self.eval(v, depth + 1) {
                                set(key, v);
                            }
                        }
                        "shorthand_property_identifier" => {
                            let name = text(self.source, child);
                            if let Some(v) = self.constant(name, depth + 1) {
                                set(name.to_owned(), v);
                            }
                        }
                        "spread_element" => {
                            if let Some(Json::Object(more)) =
                                child.named_child(0).and_then(|e| self.eval(e, depth + 1))
                            {
                                for (k, v) in more {
                                    set(k, v);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Json::Object(pairs)
            }
            "array" => {
                let mut items = Vec::new();
                for child in named_children(node) {
                    if child.kind_str() == "spread_element" {
                        if let Some(Json::Array(more)) =
                            child.named_child(0).and_then(|e| self.eval(e, depth + 1))
                        {
                            items.extend(more);
                        }
                    } else if child.kind_str() != "comment" {
                        items.push(self.eval(child, depth + 1)?);
                    }
                }
                Json::Array(items)
            }
            "string" => Json::String(string_literal(self.source, node)?),
            "template_string" => {
                let inner = t.strip_prefix('`')?.strip_suffix('`')?;
                (!inner.contains("${") && !inner.contains('\\')).then_some(())?;
                Json::String(inner.to_owned())
            }
            "number" => Json::Number(t.to_owned()),
            "unary_expression" if t.starts_with('-') => {
                let n = node.field("argument")?;
                (n.kind_str() == "number").then_some(())?;
                Json::Number(format!("-{}", text(self.source, n)))
            }
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            "null" => Json::Null,
            "parenthesized_expression" => self.eval(node.named_child(0)?, depth + 1)?,
            "identifier" => self.constant(t, depth + 1)?,
            "member_expression" => {
                let object = self.eval(node.field("object")?, depth + 1)?;
                let property = node.field("property")?;
                (property.kind_str() == "property_identifier").then_some(())?;
                object.get(text(self.source, property))?.clone()
            }
            _ => return None,
        })
    }

    /// The value of `const name = …` (or `let`/`var`) declared in the file.
    fn constant(&self, name: &str, depth: usize) -> Option<Json> {
        let value = descendants(self.root).into_iter().find_map(|n| {
            (n.kind_str() == "variable_declarator"
                && n.field("name")
                    .is_some_and(|d| text(self.source, d) == name))
            .then(|| n.field("value"))
            .flatten()
        })?;
        self.eval(value, depth)
    }
}

/// A string literal's value (the escapes JSON Schemas use: quotes and backslashes).
fn string_literal(source: &str, node: Node) -> Option<String> {
    let t = text(source, node);
    let inner = t.get(1..t.len().checked_sub(1)?)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                c @ ('\\' | '\'' | '"' | '/') => out.push(c),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// The body a Fastify route's registering `call` declares a schema for: its properties with
/// sample values (JSON text, which is also a JavaScript literal), in the schema's order. None
/// when the route declares no body schema this reader can evaluate.
pub(crate) fn fastify_body(source: &str, root: Node, call: Node) -> Option<Vec<(String, String)>> {
    let reader = Reader { source, root };
    let args = named_children(call.field("arguments")?);
    // `fastify.post(path, options, handler)`: the options between the path and the handler.
    let middle = args.get(1..args.len().checked_sub(1)?)?;
    let body = middle.iter().find_map(|a| {
        let options = reader.eval(*a, 0)?;
        options.get("schema")?.get("body").cloned()
    })?;
    match sample(&body, 0)? {
        Json::Object(pairs) if !pairs.is_empty() => {
            Some(pairs.into_iter().map(|(k, v)| (k, v.render())).collect())
        }
        _ => None,
    }
}

/// A value the schema accepts, as realistic as the schema says.
fn sample(schema: &Json, depth: usize) -> Option<Json> {
    if depth > MAX_DEPTH {
        return None;
    }
    let Json::Object(_) = schema else {
        return None;
    };
    if schema.get("$ref").is_some() {
        return None;
    }
    // What the schema itself offers as a value.
    if let Some(Json::Array(examples)) = schema.get("examples") {
        if let Some(first) = examples.first() {
            return Some(first.clone());
        }
    }
    for key in ["example", "const", "default"] {
        if let Some(v) = schema.get(key) {
            return Some(v.clone());
        }
    }
    if let Some(Json::Array(values)) = schema.get("enum") {
        if let Some(first) = values.iter().find(|v| **v != Json::Null) {
            return Some(first.clone());
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Json::Array(alternatives)) = schema.get(key) {
            return alternatives.iter().find_map(|a| sample(a, depth + 1));
        }
    }
    if let Some(Json::Array(parts)) = schema.get("allOf") {
        // The parts' properties together (the usual use: a base object extended).
        let mut merged: Vec<(String, Json)> = Vec::new();
        for part in parts {
            match sample(part, depth + 1)? {
                Json::Object(pairs) => {
                    for (k, v) in pairs {
                        merged.retain(|(x, _)| *x != k);
                        merged.push((k, v));
                    }
                }
                other => return Some(other),
            }
        }
        return Some(Json::Object(merged));
    }
    let ty = match schema.get("type") {
        Some(Json::String(t)) => t.as_str(),
        // `type: ['string', 'null']`: the first that is not null.
        Some(Json::Array(types)) => types
            .iter()
            .filter_map(Json::str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => return None,
    };
    let bound = |key: &str| schema.get(key).and_then(Json::number);
    Some(match ty {
        "object" => {
            let mut pairs = Vec::new();
            if let Some(Json::Object(properties)) = schema.get("properties") {
                for (name, property) in properties {
                    if let Some(v) = sample(property, depth + 1) {
                        pairs.push((name.clone(), v));
                    }
                }
            }
            Json::Object(pairs)
        }
        "array" => {
            let item = schema
                .get("items")
                .and_then(|i| sample(i, depth + 1))
                .unwrap_or(Json::String("example".into()));
            let count = bound("minItems").map_or(1, |n| n.clamp(1.0, 10.0) as usize);
            let count = bound("maxItems").map_or(count, |m| count.min(m.max(0.0) as usize));
            Json::Array(vec![item; count])
        }
        "integer" | "number" => {
            let integer = ty == "integer";
            let mut n: f64 = if integer { 1.0 } else { 1.5 };
            let step = if integer { 1.0 } else { 0.5 };
            if let Some(min) = bound("minimum") {
                n = n.max(min);
            }
            if let Some(min) = bound("exclusiveMinimum") {
                if n <= min {
                    n = min + step;
                }
            }
            if let Some(max) = bound("maximum") {
                n = n.min(max);
            }
            if let Some(max) = bound("exclusiveMaximum") {
                if n >= max {
                    n = max - step;
                }
            }
            if integer {
                n = n.ceil();
            }
            Json::Number(if integer {
                format!("{}", n as i64)
            } else {
                format!("{n}")
            })
        }
        "boolean" => Json::Bool(true),
        "null" => Json::Null,
        "string" => {
            let format = schema.get("format").and_then(Json::str).unwrap_or("");
            let mut s = match format {
                "email" | "idn-email" => "user@example.com",
                "date-time" => "2024-01-01T00:00:00Z",
                "date" => "2024-01-01",
                "time" => "12:00:00Z",
                "uuid" => "00000000-0000-0000-0000-000000000001",
                "uri" | "url" | "iri" | "uri-reference" | "iri-reference" => "https://example.com/",
                "hostname" | "idn-hostname" => "example.com",
                "ipv4" => "192.0.2.1",
                "ipv6" => "2001:db8::1",
                _ => "example",
            }
            .to_owned();
            if format.is_empty() || format == "hostname" {
                let len = s.chars().count();
                if let Some(min) = bound("minLength").map(|m| m as usize) {
                    if len < min {
                        s.push_str(&"x".repeat(min - len));
                    }
                }
                if let Some(max) = bound("maxLength").map(|m| m as usize) {
                    s = s.chars().take(max).collect();
                }
            }
            Json::String(s)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::{parse, Language};

    fn body(source: &str) -> Option<Vec<(String, String)>> {
        let tree = parse::parse(Language::JavaScript, source, None).unwrap();
        let root = tree.root_node();
        let call = descendants(root)
            .into_iter()
            .filter(|n| n.kind_str() == "call_expression")
            .find(|n| text(source, *n).starts_with("fastify.post"))?;
        fastify_body(source, root, call)
    }

    fn pairs(p: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn values_by_type_format_enum_and_bounds() {
        let src = r#"
fastify.post('/', { schema: { body: {
  type: 'object',
  required: ['email'],
  properties: {
    email: { type: 'string', format: 'email' },
    "full-name": { type: 'string', minLength: 10, maxLength: 12 },
    age: { type: 'integer', minimum: 18, maximum: 130 },
    price: { type: 'number', exclusiveMinimum: 0 },
    size: { type: 'string', enum: ['small', 'large'] },
    born: { type: ['string', 'null'], format: 'date' },
    tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
    address: { type: 'object', properties: { zip: { type: 'string', examples: ['75001'] } } },
    active: { type: 'boolean', default: false },
  },
} } }, async (request) => request.body);
"#;
        assert_eq!(
            body(src),
            pairs(&[
                ("email", "\"user@example.com\""),
                ("full-name", "\"examplexxx\""),
                ("age", "18"),
                ("price", "1.5"),
                ("size", "\"small\""),
                ("born", "\"2024-01-01\""),
                ("tags", "[\"example\", \"example\"]"),
                ("address", "{\"zip\": \"75001\"}"),
                ("active", "false"),
            ])
        );
    }

    #[test]
    fn schemas_declared_elsewhere_in_the_file() {
        let src = r#"
const base = { name: { type: 'string' } };
const horseBody = {
  type: 'object',
  properties: { ...base, breed: { type: 'string', enum: ['arabian'] } },
};
const opts = { schema: { body: horseBody } };
const schemas = { horse: horseBody };
module.exports = async function (fastify) {
  fastify.post('/', opts, async (request) => request.body);
};
"#;
        assert_eq!(
            body(src),
            pairs(&[("name", "\"example\""), ("breed", "\"arabian\"")])
        );
        let member = src.replace(
            "fastify.post('/', opts,",
            "fastify.post('/', { schema: { body: schemas.horse } },",
        );
        assert_eq!(
            body(&member),
            pairs(&[("name", "\"example\""), ("breed", "\"arabian\"")])
        );
    }

    #[test]
    fn schemas_built_by_code_or_referenced_are_not_read() {
        assert_eq!(
            body("fastify.post('/', { schema: { body: Type.Object({ a: Type.String() }) } }, async () => 1);"),
            None
        );
        assert_eq!(
            body("fastify.post('/', { schema: { body: { $ref: 'horse#' } } }, async () => 1);"),
            None
        );
        assert_eq!(body("fastify.post('/', async () => 1);"), None);
        // A constant that refers to itself ends.
        assert_eq!(
            body("const a = { ...a };\nfastify.post('/', { schema: { body: a } }, async () => 1);"),
            None
        );
    }
}
