//! Suppression edits for a finding, as byte-range edits the LSP layer offers as code actions:
//! for its line (`# noqa: CODE` at the end of a Python line; a
//! `backend-architect: ignore[CODE]` comment on the line above in any language) and for the
//! file (`backend-architect: ignore-file[CODE]` at the top). What is inserted is exactly what
//! `config::suppression` reads; an existing directive is extended rather than repeated.

use ba_syntax::NodeExt;
use tree_sitter::Tree;

use ba_config::suppression::MARKER;
use ba_rules::{Edit, Finding};
use ba_syntax::{Family, Language};

pub struct Suppression {
    pub title: String,
    pub edit: Edit,
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i)
}

fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// The innermost node at `offset`, for "is this inside a string or comment".
fn kind_at(tree: &Tree, offset: usize) -> Option<&'static str> {
    let node = tree.root_node().descendant_for_byte_range(offset, offset)?;
    Some(node.kind_str())
}

/// Whether a line break at `offset` would be inside a string (a multi-line literal), where a
/// comment would become part of the text.
fn inside_string(tree: &Tree, offset: usize) -> bool {
    let mut node = tree.root_node().descendant_for_byte_range(offset, offset);
    while let Some(n) = node {
        if matches!(
            n.kind_str(),
            "string" | "template_string" | "string_content" | "string_fragment"
        ) && n.start_byte() < offset
            && offset < n.end_byte()
        {
            return true;
        }
        // Few levels: a string is at most a couple of nodes above the innermost one.
        node = n
            .parent()
            .filter(|p| p.start_byte() < offset && offset < p.end_byte());
    }
    false
}

/// In a directive's bracket list ending at `close` (the `]`), the edit adding `code`.
fn extend_list(code: &str, close: usize) -> Edit {
    Edit {
        range: close..close,
        content: format!(", {code}"),
    }
}

/// `# noqa` at the end of the line where the finding starts (or ends, when the start line ends
/// inside a string); an existing `# noqa: A` becomes `# noqa: A, CODE`. `None` when the line
/// carries another comment or no line end is outside a string.
fn noqa(text: &str, tree: &Tree, finding: &Finding) -> Option<Edit> {
    let code = finding.rule.code;
    let end_of_finding = finding.range.end.saturating_sub(1).max(finding.range.start);
    for at in [finding.range.start, end_of_finding] {
        let (start, end) = (line_start(text, at), line_end(text, at));
        if inside_string(tree, end) {
            continue;
        }
        let line = &text[start..end];
        let Some(hash) = line
            .match_indices('#')
            .map(|(i, _)| i)
            .find(|h| kind_at(tree, start + h) == Some("comment"))
        else {
            return Some(Edit {
                range: end..end,
                content: format!("  # noqa: {code}"),
            });
        };
        let comment = line[hash..].trim_end();
        // A bare `# noqa` silences everything already; another comment is left alone.
        let list = comment[1..]
            .trim_start()
            .strip_prefix("noqa")?
            .strip_prefix(':')?;
        let codes: Vec<&str> = list
            .split([',', ' ', '\t'])
            .filter(|c| !c.is_empty())
            .collect();
        let only_codes = codes.iter().all(|c| {
            c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        });
        if !only_codes || codes.contains(&code) {
            return None;
        }
        let close = start + hash + comment.len();
        return Some(Edit {
            range: close..close,
            content: format!(", {code}"),
        });
    }
    None
}

/// `// backend-architect: ignore[CODE]` (or `#`) on its own line above the finding's line,
/// indented like it; an `ignore[…]` directive already there gets the code added.
fn ignore_above(language: Language, text: &str, finding: &Finding) -> Option<Edit> {
    let code = finding.rule.code;
    let start = line_start(text, finding.range.start);
    if start > 0 {
        let above = line_start(text, start - 1);
        let line = &text[above..line_end(text, above)];
        // After a backslash continuation a comment line ends the statement early (a syntax
        // error the parser does not report).
        if line.trim_end().ends_with('\\') {
            return None;
        }
        if let Some(i) = line.find(&format!("{MARKER} ignore[")) {
            let open = i + MARKER.len() + " ignore[".len();
            let close = line[open..].find(']')? + open;
            if line[open..close].split(',').any(|c| c.trim() == code) {
                return None;
            }
            return Some(extend_list(code, above + close));
        }
    }
    let line = &text[start..line_end(text, start)];
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    Some(Edit {
        range: start..start,
        content: format!(
            "{indent}{} {MARKER} ignore[{code}]{}",
            language.line_comment(),
            newline(text)
        ),
    })
}

/// `backend-architect: ignore-file[CODE]` after a shebang and a Python encoding line (which
/// must stay first), or the code added to such a directive already in the file's header.
fn ignore_file(language: Language, text: &str, tree: &Tree, finding: &Finding) -> Option<Edit> {
    let code = finding.rule.code;
    let directive = format!("{MARKER} ignore-file[");
    if let Some(i) = text.find(&directive) {
        if kind_at(tree, i).is_some_and(|k| k.contains("comment")) {
            let open = i + directive.len();
            let close = text[open..].find(']')? + open;
            if text[open..close].split(',').any(|c| c.trim() == code) {
                return None;
            }
            return Some(extend_list(code, close));
        }
    }
    let mut at = 0;
    for (i, line) in text.split_inclusive('\n').take(2).enumerate() {
        let t = line.trim_start_matches('\u{feff}');
        let shebang = i == 0 && t.starts_with("#!");
        let encoding = language.family() == Family::Python
            && t.starts_with('#')
            && t.contains("coding")
            && (t.contains("coding:") || t.contains("coding="));
        if shebang || encoding {
            at += line.len();
        } else {
            break;
        }
    }
    // A file whose header has no line break yet needs one before the directive.
    let lead = if at > 0 && !text[..at].ends_with('\n') {
        newline(text)
    } else {
        ""
    };
    Some(Edit {
        range: at..at,
        content: format!(
            "{lead}{} {MARKER} ignore-file[{code}]{}",
            language.line_comment(),
            newline(text)
        ),
    })
}

/// The suppressions to offer for `finding` in `text` (parsed as `tree`).
pub fn suppressions(
    language: Language,
    text: &str,
    tree: &Tree,
    finding: &Finding,
) -> Vec<Suppression> {
    let code = finding.rule.code;
    let mut out = Vec::new();
    if language.family() == Family::Python {
        if let Some(edit) = noqa(text, tree, finding) {
            out.push(Suppression {
                title: format!("Suppress {code} on this line (# noqa)"),
                edit,
            });
        }
    }
    if let Some(edit) = ignore_above(language, text, finding) {
        out.push(Suppression {
            title: format!("Suppress {code} on this line"),
            edit,
        });
    }
    if let Some(edit) = ignore_file(language, text, tree, finding) {
        out.push(Suppression {
            title: format!("Suppress {code} in this file"),
            edit,
        });
    }
    // A comment line inside a backslash continuation (or any other surprise) must not break
    // the file: keep only edits after which it parses as well as before.
    let baseline = super::error_count(tree);
    out.retain(|s| {
        super::parses_as_well(
            language,
            &super::apply_edits(text, std::slice::from_ref(&s.edit)),
            baseline,
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze_text;
    use crate::fix::apply_edits;
    use ba_config::RuleSet;
    use ba_syntax::parse;

    /// Applies each suppression in turn to `text` and checks the finding is gone and nothing
    /// else changed; returns the texts.
    fn suppressed(language: Language, path: &str, text: &str) -> Vec<(String, String)> {
        let findings = analyze_text(path, language, text, &RuleSet::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        let tree = parse::parse(language, text, None).unwrap();
        let mut out = Vec::new();
        for s in suppressions(language, text, &tree, &findings[0]) {
            let after = apply_edits(text, &[s.edit]);
            let left = analyze_text(path, language, &after, &RuleSet::default());
            assert!(left.is_empty(), "{}: {after}\n{left:?}", s.title);
            out.push((s.title, after));
        }
        out
    }

    #[test]
    fn python_line_and_file_suppressions_silence_the_finding() {
        let text = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\"\"\"Loader.\"\"\"\nimport yaml\n\n\ndef load(stream):\n    return yaml.load(stream)\n";
        let got = suppressed(Language::Python, "loader.py", text);
        assert_eq!(got.len(), 3);
        assert!(got[0]
            .1
            .contains("    return yaml.load(stream)  # noqa: SEC201\n"));
        assert!(got[1]
            .1
            .contains("    # backend-architect: ignore[SEC201]\n    return yaml.load(stream)\n"));
        assert!(got[2].1.starts_with("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# backend-architect: ignore-file[SEC201]\n\"\"\"Loader.\"\"\""));
    }

    #[test]
    fn existing_directives_are_extended() {
        let text =
            "import yaml\n\n\ndef load(stream):\n    return yaml.load(stream)  # noqa: E501\n";
        let got = suppressed(Language::Python, "loader.py", text);
        assert!(
            got[0]
                .1
                .contains("yaml.load(stream)  # noqa: E501, SEC201\n"),
            "{}",
            got[0].1
        );
        let text =
            "# backend-architect: ignore-file[SEC102]\nimport yaml\nx = yaml.load(open('a'))\n";
        let got = suppressed(Language::Python, "loader.py", text);
        assert!(got
            .last()
            .unwrap()
            .1
            .starts_with("# backend-architect: ignore-file[SEC102, SEC201]\n"));
    }

    #[test]
    fn noqa_never_lands_inside_a_multiline_string() {
        let text = "import sqlite3\n\n\ndef find(name):\n    db = sqlite3.connect(\"a.db\")\n    return db.execute(f\"\"\"SELECT id FROM users\n        WHERE name = '{name}'\"\"\")\n";
        let got = suppressed(Language::Python, "q.py", text);
        let noqa = &got.iter().find(|(t, _)| t.contains("noqa")).unwrap().1;
        assert!(
            noqa.contains("WHERE name = '{name}'\"\"\")  # noqa: SEC101\n"),
            "{noqa}"
        );
    }

    #[test]
    fn no_suppression_breaks_a_backslash_continuation() {
        let text = "import yaml\n\n\ndef load(stream):\n    data = \\\n        yaml.load(stream)\n    return data\n";
        let findings = analyze_text("l.py", Language::Python, text, &RuleSet::default());
        let tree = parse::parse(Language::Python, text, None).unwrap();
        let titles: Vec<String> = suppressions(Language::Python, text, &tree, &findings[0])
            .into_iter()
            .map(|s| s.title)
            .collect();
        assert_eq!(
            titles,
            vec![
                "Suppress SEC201 on this line (# noqa)",
                "Suppress SEC201 in this file"
            ]
        );
    }

    #[test]
    fn javascript_line_and_file_suppressions_keep_crlf_and_the_shebang() {
        let text = "#!/usr/bin/env node\r\nconst crypto = require(\"crypto\");\r\n\r\nfunction token() {\r\n  return crypto.pseudoRandomBytes(16).toString(\"hex\");\r\n}\r\nmodule.exports = { token };\r\n";
        let got = suppressed(Language::JavaScript, "token.js", text);
        assert_eq!(got.len(), 2);
        assert!(
            got[0]
                .1
                .contains("\r\n  // backend-architect: ignore[SEC505]\r\n  return crypto"),
            "{}",
            got[0].1
        );
        assert!(
            got[1].1.starts_with(
                "#!/usr/bin/env node\r\n// backend-architect: ignore-file[SEC505]\r\nconst crypto"
            ),
            "{}",
            got[1].1
        );
    }
}
