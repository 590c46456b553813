//! NestJS DTO validation as a sanitiser: a property of a `@Body() dto: CreateUserDto` whose
//! class-validator decorators rule a sink out (`@IsInt()`, `@IsUUID()`, `@IsIn([...])`,
//! `@IsEnum(Role)`, `@Matches(/^[a-z]+$/)`, `@IsEmail()` for some) is clean for that sink when
//! a `ValidationPipe` validates the body (`app.useGlobalPipes(new ValidationPipe())`,
//! `@UsePipes(new ValidationPipe())`, `@Body(new ValidationPipe())`). `@IsString()` or a
//! length limit alone rules nothing out.
//!
//! What the file declares is read into `Semantic::dtos` (classes of this file, the engine hashes
//! such classes' text into the skeleton so an edit rebuilds it) and `Semantic::validation_pipe`
//! (the file names `ValidationPipe`). DTOs and pipes in other files are not seen yet.

use std::collections::BTreeMap;

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{ancestors, named_children, text, Cx, Sink};

/// Validated DTO classes of a file: class → property → the sinks (bits) its validators rule out.
pub type Dtos = BTreeMap<String, BTreeMap<String, u32>>;

/// Every sink: a number, a UUID or a value from a fixed set is safe anywhere.
const ALL: u32 = u32::MAX;

/// The sinks a class-validator decorator rules out, by its name (and its regex for `Matches`).
fn rules_out(name: &str, args: &str) -> u32 {
    match name {
        "IsInt" | "IsNumber" | "IsNumberString" | "IsPositive" | "IsNegative" | "IsBoolean"
        | "IsBooleanString" | "IsDate" | "IsDateString" | "IsISO8601" | "IsUUID" | "IsMongoId"
        | "IsIn" | "IsEnum" | "IsAlpha" | "IsAlphanumeric" | "IsHexadecimal" | "IsPort"
        | "IsLatitude" | "IsLongitude" | "IsLatLong" | "IsHexColor" | "IsDivisibleBy" => ALL,
        // An address has no `<`, `>`, spaces or line breaks (but may hold `'`, `/`, `$`, `|`).
        "IsEmail" => Sink::Html.bit() | Sink::Log.bit() | Sink::Template.bit(),
        "Matches" if anchored_word_class(args) => ALL,
        _ => 0,
    }
}

/// `/^[a-z0-9_-]+$/`: anchored at both ends, one character class of letters, digits, `_` and
/// `-` repeated; nothing a query, a shell, a path or a URL can use.
fn anchored_word_class(args: &str) -> bool {
    let Some(body) = args
        .trim()
        .strip_prefix('/')
        .and_then(|r| r.rsplit_once('/'))
        .map(|(b, _)| b)
    else {
        return false;
    };
    let Some(inner) = body.strip_prefix("^[").and_then(|b| b.strip_suffix('$')) else {
        return false;
    };
    let Some((class, quantifier)) = inner.split_once(']') else {
        return false;
    };
    let quantifier_ok = matches!(quantifier, "+" | "*")
        || quantifier.starts_with('{')
            && quantifier.ends_with('}')
            && quantifier[1..quantifier.len() - 1]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',');
    quantifier_ok
        && !class.is_empty()
        && !class.starts_with('^')
        && class
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The validated DTO classes among a file's top-level statements.
pub fn javascript_dtos(root: Node, src: &str) -> Dtos {
    let mut out = Dtos::new();
    for stmt in named_children(root) {
        let class = match stmt.kind_str() {
            "class_declaration" => stmt,
            "export_statement" => match stmt.field("declaration") {
                Some(d) if d.kind_str() == "class_declaration" => d,
                _ => continue,
            },
            _ => continue,
        };
        let (Some(name), Some(body)) = (class.field("name"), class.field("body")) else {
            continue;
        };
        let mut props = BTreeMap::new();
        let mut pending: Vec<Node> = Vec::new();
        for member in named_children(body) {
            match member.kind_str() {
                "decorator" => pending.push(member),
                "public_field_definition" | "field_definition" => {
                    let mut decorators = std::mem::take(&mut pending);
                    decorators.extend(
                        named_children(member)
                            .into_iter()
                            .filter(|c| c.kind_str() == "decorator"),
                    );
                    let Some(prop) = member.field("name").or_else(|| member.field("property"))
                    else {
                        continue;
                    };
                    let bits = decorators.iter().fold(0u32, |acc, d| {
                        let t = text(*d, src).trim_start_matches('@');
                        let (dname, args) = match t.split_once('(') {
                            Some((n, rest)) => (n.trim(), rest.trim_end_matches(')')),
                            None => (t.trim(), ""),
                        };
                        acc | rules_out(dname, args)
                    });
                    if bits != 0 {
                        props.insert(text(prop, src).to_owned(), bits);
                    }
                }
                "comment" => {}
                _ => pending.clear(),
            }
        }
        if !props.is_empty() {
            out.insert(text(name, src).to_owned(), props);
        }
    }
    out
}

/// Whether a class declaration holds class-validator decorators (the engine hashes such a
/// class's whole text into the skeleton).
pub fn has_validators(class_text: &str) -> bool {
    class_text.contains("@Is") || class_text.contains("@Matches(")
}

/// Whether `object.prop` is a validated property of a `@Body()` DTO parameter, clean for `sink`.
pub(crate) fn validated(cx: &Cx, object: Node, prop: &str, sink: Sink) -> bool {
    if cx.sem.dtos.is_empty() || object.kind_str() != "identifier" {
        return false;
    }
    let name = text(object, cx.src);
    let Some(function) = ancestors(cx.within, object).into_iter().rev().find(|a| {
        matches!(
            a.kind_str(),
            "method_definition" | "function_declaration" | "arrow_function" | "function_expression"
        )
    }) else {
        return false;
    };
    let Some(params) = function.field("parameters") else {
        return false;
    };
    let Some(param) = named_children(params)
        .into_iter()
        .find(|p| p.field("pattern").is_some_and(|x| text(x, cx.src) == name))
    else {
        return false;
    };
    let Some(decorator) = named_children(param)
        .into_iter()
        .find(|c| c.kind_str() == "decorator")
    else {
        return false;
    };
    let d = text(decorator, cx.src);
    if !d.starts_with("@Body") {
        return false;
    }
    // `@Body(new ValidationPipe()) dto`, or a pipe the file sets up.
    if !cx.sem.validation_pipe && !d.contains("ValidationPipe") {
        return false;
    }
    let Some(ty) = param.field("type") else {
        return false;
    };
    let ty = text(ty, cx.src).trim_start_matches(':').trim();
    cx.sem
        .dtos
        .get(ty)
        .and_then(|props| props.get(prop))
        .is_some_and(|bits| bits & sink.bit() != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_anchored_word_classes_rule_everything_out() {
        assert!(anchored_word_class("/^[a-z]+$/"));
        assert!(anchored_word_class("/^[A-Za-z0-9_-]{3,32}$/i"));
        assert!(!anchored_word_class("/[a-z]+/"));
        assert!(!anchored_word_class("/^[a-z.]+$/"));
        assert!(!anchored_word_class("/^[a-z]+/"));
        assert!(!anchored_word_class("/^[^/]+$/"));
        assert_eq!(rules_out("IsString", ""), 0);
        assert_eq!(rules_out("IsInt", ""), ALL);
        assert_eq!(rules_out("IsEmail", "") & Sink::Sql.bit(), 0);
    }
}
