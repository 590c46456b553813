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

/// Turns the `imports` of every fix into edits (Python only; JavaScript fixes need none).
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
            fix.imports.clear();
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
