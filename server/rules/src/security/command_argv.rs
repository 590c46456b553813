//! The unsafe fix of SEC102 for `subprocess.*(f"…", shell=True)` (or `"cmd " + x`): the
//! command string becomes an argument list and `shell=True` goes.
//!
//! Only what is mechanical is rewritten: the program is a literal name, and the literal text
//! must hold no shell
//! syntax (pipes, redirections, quotes, globs, variables, escapes), so that splitting on
//! whitespace is what the shell did. Each interpolation becomes one argument (a value with
//! spaces no longer splits into several: that is the behaviour change that makes it unsafe).

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::Checker;
use ba_analysis::named_children;

/// Characters that make a command more than words separated by spaces.
const SHELL_SYNTAX: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '~', '#',
    '{', '}', '\n', '\t', '!',
];

enum Piece<'a> {
    Text(String),
    /// A value; `true` when an f-string formatted it (so it may be a number, which an argument
    /// list does not accept), `false` when `+` joined it (so it was a string already).
    Value(Node<'a>, bool),
}

/// The text and values of a command string: an f-string, or `+` of strings (plain or f-) and
/// values. `None` for anything with shell syntax in its text, or that is not spelled out here.
fn pieces<'t>(checker: &Checker<'t>, node: Node<'t>, out: &mut Vec<Piece<'t>>) -> Option<()> {
    let _level = ba_syntax::depth::enter()?;
    let src = checker.source;
    match node.kind_str() {
        "string" => {
            let parts = named_children(node);
            let start = parts.iter().find(|p| p.kind_str() == "string_start")?;
            // Raw, bytes or triple-quoted strings are not rewritten.
            let is_f = match &src[start.byte_range()] {
                "\"" | "'" => false,
                "f\"" | "f'" | "F\"" | "F'" => true,
                _ => return None,
            };
            for part in &parts {
                match part.kind_str() {
                    "string_start" | "string_end" => {}
                    "string_content" => {
                        let text = &src[part.byte_range()];
                        if text.contains(SHELL_SYNTAX) {
                            return None;
                        }
                        out.push(Piece::Text(text.to_owned()));
                    }
                    "interpolation" if is_f => {
                        if part.field("type_conversion").is_some()
                            || part.field("format_specifier").is_some()
                        {
                            return None;
                        }
                        out.push(Piece::Value(part.field("expression")?, true));
                    }
                    _ => return None,
                }
            }
            Some(())
        }
        "binary_operator"
            if node
                .field("operator")
                .is_some_and(|o| checker.text(o) == "+") =>
        {
            pieces(checker, node.field("left")?, out)?;
            pieces(checker, node.field("right")?, out)
        }
        "parenthesized_expression"
            if node
                .named_child(0)
                .is_some_and(|c| matches!(c.kind_str(), "binary_operator" | "string")) =>
        {
            pieces(checker, node.named_child(0)?, out)
        }
        _ => {
            out.push(Piece::Value(node, false));
            Some(())
        }
    }
}

/// `f"convert {src} -resize 50% {dst}"` (or `"convert " + src + …`) →
/// `["convert", src, "-resize", "50%", dst]`, or `None` when the command is not plain words.
pub(crate) fn argv<'t>(checker: &Checker<'t>, command: Node<'t>) -> Option<String> {
    let src = checker.source;
    if !matches!(command.kind_str(), "string" | "binary_operator") {
        return None;
    }
    let mut parts = Vec::new();
    pieces(checker, command, &mut parts)?;
    // Words made of pieces; a space ends a word.
    let mut words: Vec<Vec<Piece>> = vec![Vec::new()];
    for part in parts {
        match part {
            Piece::Text(text) => {
                for (i, chunk) in text.split(' ').enumerate() {
                    if i > 0 {
                        words.push(Vec::new());
                    }
                    if !chunk.is_empty() {
                        words.last_mut()?.push(Piece::Text(chunk.to_owned()));
                    }
                }
            }
            value => words.last_mut()?.push(value),
        }
    }
    // A value inside an f-string cannot use the f-string's quote before Python 3.12.
    let in_fstrings: String = words
        .iter()
        .filter(|w| w.len() > 1)
        .flatten()
        .filter_map(|p| match p {
            Piece::Value(v, _) => Some(&src[v.byte_range()]),
            Piece::Text(_) => None,
        })
        .collect();
    let quote = match (in_fstrings.contains('"'), in_fstrings.contains('\'')) {
        (false, _) => "\"",
        (true, false) => "'",
        (true, true) => return None,
    };
    let rendered: Vec<String> = words
        .iter()
        .filter(|w| !w.is_empty())
        .map(|word| match word.as_slice() {
            [Piece::Text(t)] => format!("{quote}{t}{quote}"),
            // What the f-string did to the value: `str()` (no spec or conversion was allowed).
            [Piece::Value(v, true)] => format!("str({})", &src[v.byte_range()]),
            [Piece::Value(v, false)] => src[v.byte_range()].to_owned(),
            pieces => {
                // `--out={path}` stays one formatted argument.
                let body: String = pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.clone(),
                        Piece::Value(v, _) => format!("{{{}}}", &src[v.byte_range()]),
                    })
                    .collect();
                format!("f{quote}{body}{quote}")
            }
        })
        .collect();
    // The program must be a literal name: a value there could hold a whole command line, which
    // the shell split into words and a list would not; `FOO=bar cmd` sets a variable.
    let fixed_program = matches!(
        words.iter().find(|w| !w.is_empty()).map(Vec::as_slice),
        Some([Piece::Text(t)]) if !t.contains('=')
    );
    if !fixed_program
        || rendered.is_empty()
        || !words
            .iter()
            .any(|w| w.iter().any(|p| matches!(p, Piece::Value(..))))
    {
        return None;
    }
    Some(format!("[{}]", rendered.join(", ")))
}
