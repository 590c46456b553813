//! Adding a module class to the `imports` of a NestJS `@Module({ … })`: what the metrics and
//! GraphQL generators do to wire what they write into the application.

use std::path::Path;

use ba_syntax::{parse, Language, NodeExt};

use super::{Edit, Result, ScaffoldError, Source, Style};

/// The edits that add `class` to the `imports` array of the first `@Module({ … })` in the file
/// at `path` (text `text`), and `import_line` (in the file's quote and semicolon style) to its
/// imports; with the file's style, for the files written beside it.
pub(crate) fn add_module_import(
    path: &Path,
    text: &str,
    fallback: Language,
    class: &str,
    import_line: &str,
) -> Result<(Vec<Edit>, Style)> {
    let language = Language::from_path(path).unwrap_or(fallback);
    let tree = parse::parse(language, text, None)
        .ok_or_else(|| ScaffoldError(format!("{} does not parse", path.display())))?;
    let src = Source {
        path,
        language,
        text,
        tree: &tree,
    };
    let style = Style::detect(&src);
    // The `@Module({...})` metadata object.
    let meta = super::descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind_str() == "decorator")
        .filter_map(|d| {
            d.named_child(0)
                .filter(|c| c.kind_str() == "call_expression")
        })
        .filter(|c| {
            c.field("function")
                .is_some_and(|f| src.text_of(f) == "Module")
        })
        .find_map(|c| {
            c.field("arguments")
                .and_then(|a| super::named_children(a).into_iter().next())
                .filter(|o| o.kind_str() == "object")
        })
        .ok_or_else(|| {
            ScaffoldError(format!(
                "{} has no `@Module({{ … }})` to import {class} into",
                path.display()
            ))
        })?;
    let imports = super::named_children(meta).into_iter().find(|p| {
        p.kind_str() == "pair" && p.field("key").is_some_and(|k| src.text_of(k) == "imports")
    });
    let mut edits = Vec::new();
    match imports.and_then(|p| p.field("value")) {
        Some(list) if list.kind_str() == "array" => {
            let items = super::named_children(list);
            let edit = match items.last() {
                None => Edit {
                    range: list.start_byte() + 1..list.end_byte() - 1,
                    content: class.into(),
                },
                Some(last) => {
                    let multiline = src.text_of(list).contains('\n');
                    let after = last.end_byte();
                    let comma = text[after..].trim_start().starts_with(',');
                    let at = if comma {
                        after + text[after..].find(',').unwrap_or(0) + 1
                    } else {
                        after
                    };
                    let content = match (multiline, comma) {
                        (true, _) => format!(
                            "{}\n{}{class}{}",
                            if comma { "" } else { "," },
                            super::indent_of_line(text, last.start_byte()),
                            if comma { "," } else { "" }
                        ),
                        (false, true) => format!(" {class},"),
                        (false, false) => format!(", {class}"),
                    };
                    Edit {
                        range: at..at,
                        content,
                    }
                }
            };
            edits.push(edit);
        }
        Some(_) => {
            return Err(ScaffoldError(format!(
                "the `imports` of {} is not an array literal: add `{class}` to it by hand",
                path.display()
            )))
        }
        None => {
            // `imports: [Class],` as the metadata's first entry.
            let first = super::named_children(meta).into_iter().next();
            let (at, content) = match first {
                Some(p) if src.text_of(meta).contains('\n') => (
                    super::line_start(text, p.start_byte()),
                    format!(
                        "{}imports: [{class}],\n",
                        super::indent_of_line(text, p.start_byte())
                    ),
                ),
                Some(p) => (p.start_byte(), format!("imports: [{class}], ")),
                None => (meta.start_byte() + 1, format!(" imports: [{class}] ")),
            };
            edits.push(Edit {
                range: at..at,
                content,
            });
        }
    }
    edits.extend(super::imports_edit(
        &src,
        &[style.render(import_line, "").trim_end().to_owned()],
    ));
    Ok((edits, style))
}
