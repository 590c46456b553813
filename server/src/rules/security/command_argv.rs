//! The unsafe fix of SEC102 for `subprocess.*(f"…", shell=True)`: the command string becomes
//! an argument list and `shell=True` goes.
//!
//! Only what is mechanical is rewritten: the literal parts of the f-string must hold no shell
//! syntax (pipes, redirections, quotes, globs, variables, escapes), so that splitting on
//! whitespace is what the shell did. Each interpolation becomes one argument (a value with
//! spaces no longer splits into several: that is the behaviour change that makes it unsafe).

use tree_sitter::Node;

use crate::analysis::named_children;
use crate::rules::Checker;

/// Characters that make a command more than words separated by spaces.
const SHELL_SYNTAX: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '~', '#',
    '{', '}', '\n', '\t', '!',
];

enum Piece<'a> {
    Text(String),
    Value(Node<'a>),
}

/// `f"convert {src} -resize 50% {dst}"` → `["convert", src, "-resize", "50%", dst]`, or `None`
/// when the command is not a plain f-string of words.
pub(crate) fn argv(checker: &Checker, command: Node) -> Option<String> {
    let src = checker.source;
    if command.kind() != "string" {
        return None;
    }
    let parts = named_children(command);
    let start = parts.iter().find(|p| p.kind() == "string_start")?;
    let prefix = &src[start.byte_range()];
    // Only `f"…"`: raw, bytes or triple-quoted strings are not rewritten.
    if !matches!(prefix, "f\"" | "f'" | "F\"" | "F'") {
        return None;
    }
    // Words made of pieces; a space ends a word.
    let mut words: Vec<Vec<Piece>> = vec![Vec::new()];
    for part in &parts {
        match part.kind() {
            "string_start" | "string_end" => {}
            "string_content" => {
                let text = &src[part.byte_range()];
                if text.contains(SHELL_SYNTAX) {
                    return None;
                }
                for (i, chunk) in text.split(' ').enumerate() {
                    if i > 0 {
                        words.push(Vec::new());
                    }
                    if !chunk.is_empty() {
                        words.last_mut()?.push(Piece::Text(chunk.to_owned()));
                    }
                }
            }
            "interpolation" => {
                if part.child_by_field_name("type_conversion").is_some()
                    || part.child_by_field_name("format_specifier").is_some()
                {
                    return None;
                }
                words
                    .last_mut()?
                    .push(Piece::Value(part.child_by_field_name("expression")?));
            }
            _ => return None,
        }
    }
    let quote = &prefix[1..];
    let rendered: Vec<String> = words
        .iter()
        .filter(|w| !w.is_empty())
        .map(|word| match word.as_slice() {
            [Piece::Text(t)] => format!("{quote}{t}{quote}"),
            [Piece::Value(v)] => src[v.byte_range()].to_owned(),
            pieces => {
                // `--out={path}` stays one formatted argument.
                let body: String = pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.clone(),
                        Piece::Value(v) => format!("{{{}}}", &src[v.byte_range()]),
                    })
                    .collect();
                format!("f{quote}{body}{quote}")
            }
        })
        .collect();
    // `FOO=bar cmd` sets a variable for the command: not a program name.
    let program_sets_variable = words.iter().find(|w| !w.is_empty()).is_some_and(|w| {
        w.iter()
            .any(|p| matches!(p, Piece::Text(t) if t.contains('=')))
    });
    if program_sets_variable
        || rendered.is_empty()
        || !words
            .iter()
            .any(|w| w.iter().any(|p| matches!(p, Piece::Value(_))))
    {
        return None;
    }
    Some(format!("[{}]", rendered.join(", ")))
}
