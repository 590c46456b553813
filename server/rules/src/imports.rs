//! `import x` edits for fixes that use a module the file does not import yet.
//!
//! Rules only say which module a fix needs (`Fix::imports`); the engine places the import once
//! per analysis from the whole tree, because a rule sees one item and cached findings move with
//! their item while the import block does not.

use ba_syntax::NodeExt;
use tree_sitter::Tree;

use super::{Checker, Edit, Finding};
use ba_syntax::{Family, Language};

/// Whether a fix that uses Python module `module` must import it: `Some(false)` when the file
/// already imports it under its own name, `Some(true)` when the name is free at module level,
/// `None` when the name means something else there (no fix can use it as is).
pub fn python_needs_import(checker: &Checker, module: &str) -> Option<bool> {
    match checker.semantic.imports.get(module) {
        Some(q) if q == module => Some(false),
        Some(_) => None,
        None if checker.semantic.bindings.contains_key(module) => None,
        None => Some(true),
    }
}

/// Where `import {module}` goes in a Python file: before the first statement that is not the
/// module docstring or a `from __future__` import (so with the other imports when they come
/// first), after any leading comments (shebang, encoding line, licence).
pub fn python_import_edit(source: &str, tree: &Tree, module: &str) -> Edit {
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    let mut after = 0;
    let mut first = true;
    for node in root.named_children(&mut cursor) {
        // Only the first statement (comments aside) can be the docstring.
        let was_first = first;
        first = first && node.kind_str() == "comment";
        let is_docstring = was_first
            && node.kind_str() == "expression_statement"
            && node.named_child_count() == 1
            && node
                .named_child(0)
                .is_some_and(|c| c.kind_str() == "string");
        match node.kind_str() {
            "comment" => continue,
            "future_import_statement" => {}
            _ if is_docstring => {}
            _ => {
                let start = source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
                return Edit {
                    range: start..start,
                    content: format!("import {module}{newline}"),
                };
            }
        }
        after = node.end_byte();
    }
    // Only a docstring, `__future__` imports or comments: add the import after them.
    let end = source[after..]
        .find('\n')
        .map_or(source.len(), |i| after + i + 1);
    let lead = if end == source.len() && !source.is_empty() && !source.ends_with('\n') {
        newline
    } else {
        ""
    };
    Edit {
        range: end..end,
        content: format!("{lead}import {module}{newline}"),
    }
}

/// Where JavaScript's named import `name` of `module` goes: into the file's `import { … } from
/// "module"` or `const { … } = require("module")` when it has one, else a new statement of the
/// file's kind (ES module or CommonJS) after its last import.
pub fn js_named_import_edit(source: &str, tree: &Tree, module: &str, name: &str) -> Option<Edit> {
    fn named(n: tree_sitter::Node) -> Vec<tree_sitter::Node> {
        let mut c = n.walk();
        n.named_children(&mut c).collect()
    }
    let root = tree.root_node();
    let mut cursor = root.walk();
    let statements: Vec<tree_sitter::Node> = root.named_children(&mut cursor).collect();
    let unquote = |t: &str| t.trim_matches(['"', '\'', '`']).to_owned();
    let text = |n: tree_sitter::Node| &source[n.byte_range()];
    let mut last_import = None;
    let mut esm = false;
    let mut quote = '"';
    let mut semicolon = true;
    for stmt in &statements {
        let pattern = match stmt.kind_str() {
            "import_statement" => {
                esm = true;
                let from = stmt.field("source").map(text).unwrap_or("");
                if from.starts_with('\'') {
                    quote = '\'';
                }
                if unquote(from) != module {
                    last_import = Some(*stmt);
                    continue;
                }
                named(*stmt)
                    .into_iter()
                    .find(|c| c.kind_str() == "import_clause")
                    .and_then(|c| {
                        named(c)
                            .into_iter()
                            .find(|n| n.kind_str() == "named_imports")
                    })
            }
            "lexical_declaration" | "variable_declaration" => {
                let declarator = named(*stmt)
                    .into_iter()
                    .find(|d| d.kind_str() == "variable_declarator");
                let value = declarator.and_then(|d| d.field("value"));
                let required = value
                    .filter(|v| v.kind_str() == "call_expression")
                    .filter(|v| v.field("function").is_some_and(|f| text(f) == "require"))
                    .and_then(|v| v.field("arguments"))
                    .and_then(|a| named(a).into_iter().next());
                let Some(required) = required else {
                    continue;
                };
                if text(required).starts_with('\'') {
                    quote = '\'';
                }
                semicolon = text(*stmt).ends_with(';');
                if unquote(text(required)) != module {
                    last_import = Some(*stmt);
                    continue;
                }
                declarator
                    .and_then(|d| d.field("name"))
                    .filter(|n| n.kind_str() == "object_pattern")
            }
            _ => continue,
        };
        last_import = Some(*stmt);
        let Some(pattern) = pattern else {
            continue;
        };
        let items = named(pattern);
        if items.iter().any(|i| text(*i) == name) {
            return None;
        }
        let last = items.last()?;
        return Some(Edit {
            range: last.end_byte()..last.end_byte(),
            content: format!(", {name}"),
        });
    }
    let semi = if semicolon { ";" } else { "" };
    let line = if esm {
        format!("import {{ {name} }} from {quote}{module}{quote}{semi}\n")
    } else {
        format!("const {{ {name} }} = require({quote}{module}{quote}){semi}\n")
    };
    let at = last_import.map_or(0, |n| {
        source[n.end_byte()..]
            .find('\n')
            .map_or(source.len(), |i| n.end_byte() + i + 1)
    });
    Some(Edit {
        range: at..at,
        content: line,
    })
}

/// Turns the `imports` of every fix into edits: Python `import module`, JavaScript named
/// imports written `module#Name` (`pg#Pool`).
pub fn resolve(language: Language, source: &str, tree: &Tree, findings: &mut [Finding]) {
    for finding in findings {
        let Some(fix) = &mut finding.fix else {
            continue;
        };
        if fix.imports.is_empty() {
            continue;
        }
        if language.family() == Family::Python {
            for module in std::mem::take(&mut fix.imports) {
                fix.edits.push(python_import_edit(source, tree, module));
            }
        } else {
            for spec in std::mem::take(&mut fix.imports) {
                if let Some((module, name)) = spec.split_once('#') {
                    fix.edits
                        .extend(js_named_import_edit(source, tree, module, name));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::parse;

    fn with_import(source: &str) -> String {
        let tree = parse::parse(Language::Python, source, None).unwrap();
        let e = python_import_edit(source, &tree, "os");
        format!(
            "{}{}{}",
            &source[..e.range.start],
            e.content,
            &source[e.range.end..]
        )
    }

    fn with_js_import(source: &str) -> String {
        let tree = parse::parse(Language::JavaScript, source, None).unwrap();
        match js_named_import_edit(source, &tree, "pg", "Pool") {
            Some(e) => format!(
                "{}{}{}",
                &source[..e.range.start],
                e.content,
                &source[e.range.end..]
            ),
            None => source.to_owned(),
        }
    }

    #[test]
    fn javascript_named_imports_join_the_modules_own() {
        assert_eq!(
            with_js_import(
                "const express = require('express');\nconst { Client } = require('pg');\nx();\n"
            ),
            "const express = require('express');\nconst { Client, Pool } = require('pg');\nx();\n"
        );
        assert_eq!(
            with_js_import("import express from \"express\";\nimport { Client } from \"pg\";\n"),
            "import express from \"express\";\nimport { Client, Pool } from \"pg\";\n"
        );
        assert_eq!(
            with_js_import("const express = require('express')\nconst app = express()\n"),
            "const express = require('express')\nconst { Pool } = require('pg')\nconst app = express()\n"
        );
        assert_eq!(
            with_js_import("const { Pool } = require(\"pg\");\n"),
            "const { Pool } = require(\"pg\");\n"
        );
    }

    #[test]
    fn the_import_goes_with_the_others_after_docstring_and_future() {
        assert_eq!(
            with_import("#!/usr/bin/env python\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport sys\nx = 1\n"),
            "#!/usr/bin/env python\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\nimport sys\nx = 1\n"
        );
        assert_eq!(with_import("x = 1\n"), "import os\nx = 1\n");
        assert_eq!(
            with_import("\"\"\"Only a docstring.\"\"\""),
            "\"\"\"Only a docstring.\"\"\"\nimport os\n"
        );
        assert_eq!(
            with_import("# c\r\ny = 2\r\n"),
            "# c\r\nimport os\r\ny = 2\r\n"
        );
        assert_eq!(with_import(""), "import os\n");
    }
}
