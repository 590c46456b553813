//! The code style a file already uses: indent, quotes, async or not, semicolons, module system.
//!
//! Templates are written with four-space indents, double quotes and semicolons; `render`
//! rewrites them into the detected style.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::{Framework, Source};
use ba_syntax::Family;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    pub family: Family,
    /// One level of indentation (spaces or a tab).
    pub indent: String,
    /// `"` or `'`.
    pub quote: char,
    /// Handlers are `async def` / `async (req, res) =>`.
    pub asynchronous: bool,
    /// JavaScript statements end with `;`.
    pub semicolons: bool,
    /// JavaScript uses `import`/`export` rather than `require`.
    pub esm: bool,
}

impl Style {
    pub fn default_for(family: Family) -> Self {
        match family {
            Family::Python => Self {
                family,
                indent: "    ".into(),
                quote: '"',
                asynchronous: false,
                semicolons: false,
                esm: false,
            },
            Family::JavaScript => Self {
                family,
                indent: "  ".into(),
                quote: '\'',
                asynchronous: false,
                semicolons: true,
                esm: false,
            },
        }
    }

    pub fn detect(src: &Source) -> Self {
        let family = src.family();
        let mut style = Self::default_for(family);
        if let Some(indent) = detect_indent(src.text) {
            style.indent = indent;
        }
        let mut counts = Counts::default();
        walk(src.tree.root_node(), src, &mut counts, 0);
        if counts.double + counts.single > 0 {
            style.quote = if counts.single > counts.double {
                '\''
            } else {
                '"'
            };
        }
        style.asynchronous = if counts.functions > 0 {
            counts.async_functions * 2 >= counts.functions
        } else {
            // No handlers yet: FastAPI's own documentation writes `async def`.
            src.framework() == Some(Framework::FastApi)
        };
        if family == Family::JavaScript {
            if counts.statements > 0 {
                style.semicolons = counts.with_semicolon * 2 >= counts.statements;
            }
            style.esm = counts.esm > 0 && counts.esm >= counts.require;
        }
        style
    }

    /// A Python `def` keyword in this style.
    pub fn def(&self) -> &'static str {
        if self.asynchronous {
            "async def"
        } else {
            "def"
        }
    }

    /// A string literal in this style.
    pub fn q(&self, s: &str) -> String {
        let q = if s.contains(self.quote) {
            if self.quote == '"' {
                '\''
            } else {
                '"'
            }
        } else {
            self.quote
        };
        format!("{q}{s}{q}")
    }

    /// Rewrites a template (four-space indents, double quotes, semicolons) into this style,
    /// with every line prefixed by `base` (the indent of the place it is inserted).
    pub fn render(&self, template: &str, base: &str) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        for line in template.split_inclusive('\n') {
            let (body, nl) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            if body.trim().is_empty() {
                out.push_str(nl);
                continue;
            }
            let spaces = body.len() - body.trim_start_matches(' ').len();
            let mut rest = body[spaces..].to_owned();
            if self.quote == '\'' {
                rest = swap_quotes(&rest);
            }
            if self.family == Family::JavaScript && !self.semicolons {
                rest = strip_semicolon(&rest);
            }
            out.push_str(base);
            out.push_str(&self.indent.repeat(spaces / 4));
            out.push_str(&" ".repeat(spaces % 4));
            out.push_str(&rest);
            out.push_str(nl);
        }
        out
    }
}

#[derive(Default)]
struct Counts {
    double: usize,
    single: usize,
    functions: usize,
    async_functions: usize,
    statements: usize,
    with_semicolon: usize,
    esm: usize,
    require: usize,
}

fn walk(node: Node, src: &Source, c: &mut Counts, depth: usize) {
    // Deep expression trees say nothing new about style; bound the walk.
    if depth > 64 {
        return;
    }
    let t = &src.text[node.byte_range()];
    match node.kind_str() {
        "string" => {
            let body = t.trim_start_matches(|ch: char| ch.is_ascii_alphabetic());
            // Docstrings are `"""` by convention whatever the project's quotes are.
            if !body.starts_with("\"\"\"") && !body.starts_with("'''") {
                if body.starts_with('"') {
                    c.double += 1;
                } else if body.starts_with('\'') {
                    c.single += 1;
                }
            }
            return;
        }
        "function_definition" => {
            c.functions += 1;
            if t.starts_with("async") {
                c.async_functions += 1;
            }
        }
        "arrow_function" | "function_expression" | "function_declaration" => {
            // Only callbacks with request-like parameters say whether handlers are async.
            let params = node
                .field("parameters")
                .or_else(|| node.field("parameter"))
                .map(|p| &src.text[p.byte_range()])
                .unwrap_or("");
            if params.contains("req") || params.contains("ctx") {
                c.functions += 1;
                if t.starts_with("async") {
                    c.async_functions += 1;
                }
            }
        }
        "expression_statement"
        | "lexical_declaration"
        | "variable_declaration"
        | "import_statement"
        | "export_statement"
        | "return_statement"
            if src.family() == Family::JavaScript =>
        {
            let last_line = t.trim_end().lines().last().unwrap_or("");
            // A declaration that ends in a block (`export function f() {}`) says nothing.
            if !last_line.ends_with('}') || t.ends_with("};") || t.ends_with("})") {
                c.statements += 1;
                if t.trim_end().ends_with(';') {
                    c.with_semicolon += 1;
                }
            }
            if node.kind_str() == "import_statement" || node.kind_str() == "export_statement" {
                c.esm += 1;
            }
            if t.contains("require(") && depth <= 1 {
                c.require += 1;
            }
        }
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        walk(child, src, c, depth + 1);
    }
}

/// The most common indentation step between a line and a deeper line after it.
fn detect_indent(text: &str) -> Option<String> {
    let mut tabs = 0usize;
    let mut steps = [0usize; 9];
    let mut previous: Option<usize> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            tabs += 1;
            continue;
        }
        let n = line.len() - line.trim_start_matches(' ').len();
        if let Some(p) = previous {
            if n > p && n - p <= 8 {
                steps[n - p] += 1;
            }
        }
        previous = Some(n);
    }
    let (best, count) = steps
        .iter()
        .enumerate()
        .skip(1)
        .max_by_key(|(i, c)| (**c, usize::MAX - i))?;
    if tabs > *count {
        return Some("\t".into());
    }
    (*count > 0).then(|| " ".repeat(best))
}

/// Double-quoted literals whose content has no single quote become single-quoted.
fn swap_quotes(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '`' || ch == '\'' {
            // Copy other literals as they are.
            let end = find_close(&chars, i + 1, ch).unwrap_or(chars.len() - 1);
            out.extend(&chars[i..=end]);
            i = end + 1;
        } else if ch == '"' {
            let triple = chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"');
            if triple {
                out.push_str("\"\"\"");
                i += 3;
                continue;
            }
            match find_close(&chars, i + 1, '"') {
                Some(end) => {
                    let inner: String = chars[i + 1..end].iter().collect();
                    if inner.contains('\'') {
                        out.push('"');
                        out.push_str(&inner);
                        out.push('"');
                    } else {
                        out.push('\'');
                        out.push_str(&inner.replace("\\\"", "\""));
                        out.push('\'');
                    }
                    i = end + 1;
                }
                None => {
                    out.extend(&chars[i..]);
                    break;
                }
            }
        } else if ch == '#' {
            // A Python comment: leave the rest alone.
            out.extend(&chars[i..]);
            break;
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

fn find_close(chars: &[char], mut i: usize, quote: char) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn strip_semicolon(line: &str) -> String {
    let trimmed = line.trim_end();
    match trimmed.strip_suffix(';') {
        Some(s) if !s.trim_start().starts_with("for") => s.to_owned(),
        _ => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::{parse, Language};
    use std::path::Path;

    fn style(lang: Language, text: &str) -> Style {
        let tree = parse::parse(lang, text, None).unwrap();
        Style::detect(&Source {
            path: Path::new("/p/x"),
            language: lang,
            text,
            tree: &tree,
        })
    }

    #[test]
    fn python_style_is_detected() {
        let s = style(
            Language::Python,
            "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n  return {'ok': 'yes'}\n",
        );
        assert_eq!(s.indent, "  ");
        assert_eq!(s.quote, '\'');
        assert!(!s.asynchronous);
        let s = style(
            Language::Python,
            "\"\"\"Doc.\"\"\"\nfrom fastapi import FastAPI\napp = FastAPI()\n",
        );
        assert_eq!(
            (s.indent.as_str(), s.quote, s.asynchronous),
            ("    ", '"', true)
        );
    }

    #[test]
    fn javascript_style_is_detected() {
        let s = style(
            Language::JavaScript,
            "import express from \"express\"\nconst app = express()\napp.get(\"/\", async (req, res) => {\n    res.send(\"x\")\n})\n",
        );
        assert_eq!(s.indent, "    ");
        assert_eq!(s.quote, '"');
        assert!(s.asynchronous && !s.semicolons && s.esm);
    }

    #[test]
    fn render_rewrites_indent_quotes_and_semicolons() {
        let mut s = Style::default_for(Family::JavaScript);
        s.semicolons = false;
        assert_eq!(
            s.render(
                "app.get(\"/x\", (req, res) => {\n    res.json({ a: \"it's\" });\n});\n",
                ""
            ),
            "app.get('/x', (req, res) => {\n  res.json({ a: \"it's\" })\n})\n"
        );
        let mut p = Style::default_for(Family::Python);
        p.indent = "\t".into();
        p.quote = '\'';
        assert_eq!(
            p.render("def f():\n    return {\"a\": f\"{x}\"}  # \"c\"\n", "  "),
            "  def f():\n  \treturn {'a': f'{x}'}  # \"c\"\n"
        );
    }
}
