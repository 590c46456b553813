//! Sample JSON bodies for NestJS routes, from the type of the handler's `@Body()` parameter: a
//! DTO class (with its class-validator decorators), an interface or an object type, in the
//! controller's file or a module it imports by a relative path, through `Partial<T>`,
//! `Omit<T, 'k'>`, `Pick<T, 'k'>` and the `@nestjs/mapped-types`/`@nestjs/swagger` classes
//! (`extends PartialType(CreateCatDto)`). Nothing is run; types we cannot read give no body.

use std::path::{Path, PathBuf};

use ba_syntax::{parse, Language, NodeExt};
use tree_sitter::{Node, Tree};

use super::routes::Handler;
use super::{named_children, text, Files, Source};

/// How many declarations are followed (`UpdateDto extends PartialType(CreateDto)`, imports).
const MAX_HOPS: usize = 4;

/// `(key, JSON literal)` pairs for the handler's whole `@Body()` parameter, or `None`.
pub(crate) fn body(src: &Source, h: &Handler, files: &dyn Files) -> Option<Vec<(String, String)>> {
    let method = src
        .tree
        .root_node()
        .descendant_for_byte_range(h.function.start, h.function.end)?;
    let params = method.field("parameters")?;
    let ty = named_children(params).into_iter().find_map(|p| {
        let whole_body = named_children(p).into_iter().any(|d| {
            d.kind_str() == "decorator" && text(src.text, d).replace(' ', "") == "@Body()"
        });
        let annotation = p.field("type")?;
        whole_body.then(|| {
            text(src.text, annotation)
                .trim_start_matches(':')
                .trim()
                .to_owned()
        })
    })?;
    let (name, shape) = Shape::of(&ty)?;
    let file = Parsed {
        path: src.path.to_path_buf(),
        text: src.text.to_owned(),
        tree: src.tree.clone(),
    };
    let fields: Vec<Field> = fields_of(&file, &name, files, 0)?
        .into_iter()
        .filter(|f| shape.keeps(&f.name))
        .collect();
    // The required fields; all of them for a type whose every field is optional (an update
    // DTO, `Partial<T>`), so the request still changes something.
    let all_optional = shape.partial || fields.iter().all(|f| f.optional);
    let out: Vec<(String, String)> = fields
        .into_iter()
        .filter(|f| !f.optional || all_optional)
        .filter_map(|f| Some((f.name.clone(), f.sample()?)))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// What a utility type does to the fields of the type it wraps.
#[derive(Default)]
struct Shape {
    partial: bool,
    omit: Vec<String>,
    pick: Option<Vec<String>>,
}

impl Shape {
    /// `Partial<Omit<Cat, 'id'>>` → ("Cat", partial, omit id).
    fn of(ty: &str) -> Option<(String, Shape)> {
        let mut shape = Shape::default();
        let mut ty = ty.trim();
        for _ in 0..MAX_HOPS {
            let Some((outer, rest)) = ty.split_once('<') else {
                break;
            };
            let inner = rest.strip_suffix('>')?;
            match outer.trim() {
                "Partial" => {
                    shape.partial = true;
                    ty = inner.trim();
                }
                "Required" | "Readonly" => ty = inner.trim(),
                "Omit" | "Pick" => {
                    let (wrapped, keys) = split_top_comma(inner)?;
                    let keys: Vec<String> = keys
                        .split('|')
                        .map(|k| k.trim().trim_matches(['\'', '"']).to_owned())
                        .collect();
                    if outer.trim() == "Omit" {
                        shape.omit.extend(keys);
                    } else {
                        shape.pick = Some(keys);
                    }
                    ty = wrapped.trim();
                }
                _ => return None,
            }
        }
        let plain = ty
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        (plain && !ty.is_empty()).then(|| (ty.to_owned(), shape))
    }

    fn keeps(&self, name: &str) -> bool {
        !self.omit.iter().any(|k| k == name)
            && self
                .pick
                .as_ref()
                .is_none_or(|keys| keys.iter().any(|k| k == name))
    }
}

/// `Cat, 'id' | 'name'` → ("Cat", "'id' | 'name'"), at the top level of angle brackets.
fn split_top_comma(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    None
}

struct Parsed {
    path: PathBuf,
    text: String,
    tree: Tree,
}

struct Field {
    name: String,
    ts_type: String,
    optional: bool,
    decorators: Vec<String>,
}

impl Field {
    /// A JSON literal for the field, from its validators, then its type and name.
    fn sample(&self) -> Option<String> {
        let lower = self.name.to_ascii_lowercase();
        let has = |d: &str| {
            self.decorators
                .iter()
                .any(|x| x == d || x.starts_with(&format!("{d}(")))
        };
        let arg = |d: &str| {
            self.decorators.iter().find_map(|x| {
                x.strip_prefix(&format!("{d}("))
                    .map(|a| a.trim_end_matches(')').trim().to_owned())
            })
        };
        if let Some(values) = arg("IsIn") {
            let first = values.trim_start_matches('[').split(',').next()?.trim();
            return json_of_literal(first);
        }
        let ty = self.ts_type.replace(' ', "");
        let array = ty.ends_with("[]") || ty.starts_with("Array<");
        let element = ty
            .trim_end_matches("[]")
            .trim_start_matches("Array<")
            .trim_end_matches('>');
        let scalar = if has("IsEmail") || (element == "string" && lower.contains("email")) {
            "\"user@example.com\"".to_owned()
        } else if has("IsUrl") || (element == "string" && lower.ends_with("url")) {
            "\"https://example.com\"".to_owned()
        } else if has("IsUUID") {
            "\"00000000-0000-0000-0000-000000000001\"".to_owned()
        } else if has("IsDateString") || has("IsISO8601") || element == "Date" {
            "\"2024-01-01T00:00:00.000Z\"".to_owned()
        } else if has("IsBoolean") || element == "boolean" {
            "true".to_owned()
        } else if has("IsInt") || has("IsNumber") || has("IsPositive") || element == "number" {
            arg("Min")
                .filter(|m| m.parse::<f64>().is_ok())
                .unwrap_or_else(|| "1".to_owned())
        } else if element == "string" {
            match arg("MinLength").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if n > "example".len() => format!("\"{}\"", "x".repeat(n)),
                _ => "\"example\"".to_owned(),
            }
        } else if let Some(first) = element.split('|').next().filter(|_| element.contains('|')) {
            // `'draft' | 'published'`: the first literal.
            json_of_literal(first)?
        } else {
            return None;
        };
        Some(if array { format!("[{scalar}]") } else { scalar })
    }
}

/// A TypeScript literal (`'a'`, `"a"`, `3`, `true`) as JSON.
fn json_of_literal(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(inner) = s
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|r| r.strip_suffix('"')))
    {
        return Some(serde_json::Value::from(inner).to_string());
    }
    (s.parse::<f64>().is_ok() || matches!(s, "true" | "false")).then(|| s.to_owned())
}

/// The fields of the class, interface or object type `name`, declared in `file` or in a module
/// it imports by a relative path.
fn fields_of(file: &Parsed, name: &str, files: &dyn Files, hops: usize) -> Option<Vec<Field>> {
    if hops > MAX_HOPS {
        return None;
    }
    let root = file.tree.root_node();
    for stmt in named_children(root) {
        let decl = match stmt.kind_str() {
            "export_statement" => match stmt.field("declaration") {
                Some(d) => d,
                None => continue,
            },
            _ => stmt,
        };
        if decl.field("name").map(|n| text(&file.text, n)) != Some(name) {
            continue;
        }
        return match decl.kind_str() {
            "class_declaration" => class_fields(file, decl, files, hops),
            "interface_declaration" => Some(members(file, decl.field("body")?)),
            "type_alias_declaration" => {
                let value = decl.field("value")?;
                (value.kind_str() == "object_type").then(|| members(file, value))
            }
            _ => None,
        };
    }
    let (imported, path) = import_of(file, name)?;
    let module = load(files, &path)?;
    fields_of(&module, &imported, files, hops + 1)
}

fn class_fields(file: &Parsed, class: Node, files: &dyn Files, hops: usize) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    // `extends PartialType(CreateCatDto)` (mapped types) or `extends BaseDto`.
    if let Some(heritage) = named_children(class)
        .into_iter()
        .find(|n| n.kind_str() == "class_heritage")
    {
        let clause = heritage
            .named_child(0)
            .filter(|c| c.kind_str() == "extends_clause");
        if let Some(value) = clause.and_then(|c| c.field("value")) {
            let (base, partial) = match value.kind_str() {
                "call_expression" => {
                    let mapped = value.field("function").map(|f| text(&file.text, f));
                    let first = value
                        .field("arguments")
                        .and_then(|a| a.named_child(0))
                        .filter(|a| a.kind_str() == "identifier");
                    match (mapped, first) {
                        (Some("PartialType"), Some(a)) => (Some(a), true),
                        (Some("OmitType" | "PickType" | "IntersectionType"), Some(a)) => {
                            (Some(a), false)
                        }
                        _ => (None, false),
                    }
                }
                "identifier" => (Some(value), false),
                _ => (None, false),
            };
            if let Some(base) = base {
                for mut f in fields_of(file, text(&file.text, base), files, hops + 1)? {
                    f.optional |= partial;
                    out.push(f);
                }
            }
        }
    }
    out.extend(members(file, class.field("body")?));
    Some(out)
}

/// The property members of a class body, interface body or object type.
fn members(file: &Parsed, body: Node) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for m in named_children(body) {
        if !matches!(
            m.kind_str(),
            "public_field_definition" | "property_signature"
        ) {
            continue;
        }
        let Some(name) = m.field("name") else {
            continue;
        };
        let name = text(&file.text, name).trim_matches(['\'', '"']).to_owned();
        let ts_type = m
            .field("type")
            .map(|t| {
                text(&file.text, t)
                    .trim_start_matches(':')
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default();
        let optional = file.text[m.field("name").map_or(0, |n| n.end_byte())..].starts_with('?');
        let decorators = named_children(m)
            .into_iter()
            .filter(|d| d.kind_str() == "decorator")
            .map(|d| text(&file.text, d).trim_start_matches('@').replace(' ', ""))
            .collect();
        out.retain(|f| f.name != name);
        out.push(Field {
            name,
            ts_type,
            optional,
            decorators,
        });
    }
    out
}

/// `import { CreateCatDto as Dto } from './dto/create-cat.dto'` → ("CreateCatDto", the file).
fn import_of(file: &Parsed, local: &str) -> Option<(String, PathBuf)> {
    for stmt in named_children(file.tree.root_node()) {
        if stmt.kind_str() != "import_statement" {
            continue;
        }
        let Some(source) = stmt.field("source") else {
            continue;
        };
        let spec = text(&file.text, source).trim_matches(['\'', '"']);
        if !spec.starts_with('.') {
            continue;
        }
        let named = super::descendants(stmt)
            .into_iter()
            .filter(|n| n.kind_str() == "import_specifier");
        for s in named {
            let imported = s.field("name").map(|n| text(&file.text, n));
            let alias = s.field("alias").map(|n| text(&file.text, n));
            if alias.or(imported) == Some(local) {
                let dir = file.path.parent().unwrap_or(Path::new(""));
                return Some((imported?.to_owned(), dir.join(spec)));
            }
        }
    }
    None
}

/// The module a relative specifier names (`./dto/create-cat.dto` → `….ts`), parsed.
fn load(files: &dyn Files, base: &Path) -> Option<Parsed> {
    let base = base.to_string_lossy();
    let base = base.trim_end_matches(".js");
    for candidate in [
        format!("{base}.ts"),
        format!("{base}.tsx"),
        format!("{base}/index.ts"),
        base.to_owned(),
    ] {
        let path = PathBuf::from(&candidate);
        let Some(language) = Language::from_path(&path) else {
            continue;
        };
        let Some(text) = files.read(&path) else {
            continue;
        };
        let tree = parse::parse(language, &text, None)?;
        return Some(Parsed { path, text, tree });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Mem(HashMap<PathBuf, String>);

    impl Files for Mem {
        fn read(&self, path: &Path) -> Option<String> {
            self.0.get(path).cloned()
        }
    }

    const CONTROLLER: &str = "import { Body, Controller, Param, Patch, Post, Put } from '@nestjs/common';\nimport { CreateCatDto } from './dto/create-cat.dto';\nimport { UpdateCatDto } from './dto/update-cat.dto';\nimport { Cat } from './cats.service';\n\n@Controller('cats')\nexport class CatsController {\n  @Post()\n  create(@Body() dto: CreateCatDto) {\n    return dto;\n  }\n\n  @Patch(':id')\n  update(@Param('id') id: string, @Body() dto: UpdateCatDto) {\n    return dto;\n  }\n\n  @Put(':id')\n  replace(@Param('id') id: string, @Body() body: Omit<Cat, 'id'>) {\n    return body;\n  }\n\n  @Post('rename')\n  rename(@Body('name') name: string) {\n    return name;\n  }\n}\n";

    fn files() -> Mem {
        Mem(HashMap::from([
            (
                PathBuf::from("/p/src/cats/dto/create-cat.dto.ts"),
                "import { IsEmail, IsIn, IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';\n\nexport class CreateCatDto {\n  @IsString()\n  @MinLength(12)\n  name: string;\n\n  @IsInt()\n  @Min(1)\n  age: number;\n\n  @IsEmail()\n  ownerContact: string;\n\n  @IsIn(['tabby', 'siamese'])\n  breed: string;\n\n  @IsOptional()\n  @IsString()\n  nickname?: string;\n\n  tags: string[];\n}\n".to_owned(),
            ),
            (
                PathBuf::from("/p/src/cats/dto/update-cat.dto.ts"),
                "import { PartialType } from '@nestjs/mapped-types';\nimport { CreateCatDto } from './create-cat.dto';\n\nexport class UpdateCatDto extends PartialType(CreateCatDto) {}\n".to_owned(),
            ),
            (
                PathBuf::from("/p/src/cats/cats.service.ts"),
                "export interface Cat {\n  id: number;\n  name: string;\n  status: 'indoor' | 'outdoor';\n  born: Date;\n  owner?: { name: string };\n}\n".to_owned(),
            ),
        ]))
    }

    fn body_of(method: &str) -> Option<Vec<(String, String)>> {
        let path = Path::new("/p/src/cats/cats.controller.ts");
        let tree = parse::parse(Language::TypeScript, CONTROLLER, None).unwrap();
        let src = Source {
            path,
            language: Language::TypeScript,
            text: CONTROLLER,
            tree: &tree,
        };
        let h = super::super::routes::handlers(&src)
            .into_iter()
            .find(|h| h.name == method)
            .unwrap();
        body(&src, &h, &files())
    }

    fn pairs(p: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_dto_class_with_its_validators() {
        // The optional `nickname` is left out of a create.
        assert_eq!(
            body_of("create"),
            pairs(&[
                ("name", "\"xxxxxxxxxxxx\""),
                ("age", "1"),
                ("ownerContact", "\"user@example.com\""),
                ("breed", "\"tabby\""),
                ("tags", "[\"example\"]"),
            ])
        );
    }

    #[test]
    fn mapped_types_and_utility_types() {
        // `PartialType(CreateCatDto)`: every field, the optional ones too.
        let update = body_of("update").unwrap();
        assert_eq!(update.len(), 6, "{update:?}");
        // `Omit<Cat, 'id'>` of an interface in another module; the nested object is skipped.
        assert_eq!(
            body_of("replace"),
            pairs(&[
                ("name", "\"example\""),
                ("status", "\"indoor\""),
                ("born", "\"2024-01-01T00:00:00.000Z\""),
            ])
        );
        // `@Body('name')` is one value, not an object.
        assert_eq!(body_of("rename"), None);
    }
}
