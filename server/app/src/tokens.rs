//! The tokens of some code without parsing it: identifiers, string literals and single
//! punctuation bytes, comments and whitespace skipped. What the map reads a handler's accesses
//! from, and what a GraphQL or WebSocket handler's authentication is judged on.

use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok<'a> {
    Ident(&'a str),
    /// A string literal's text between its quotes (escapes kept as written).
    Str(&'a str),
    Punct(u8),
}

/// The tokens of some code: identifiers, string literals and single punctuation bytes; comments
/// and whitespace skipped. `?.` is one `.`.
pub fn tokens(code: &str, python: bool) -> Vec<Tok<'_>> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if (python && c == b'#') || (!python && c == b'/' && b.get(i + 1) == Some(&b'/')) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if !python && c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'"' || c == b'\'' || (!python && c == b'`') {
            let triple = python && b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
            let start;
            let end;
            if triple {
                i += 3;
                start = i;
                while i + 2 < b.len() && !(b[i] == c && b[i + 1] == c && b[i + 2] == c) {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                end = i.min(b.len());
                i += 3;
            } else {
                i += 1;
                start = i;
                while i < b.len() && b[i] != c && !(b[i] == b'\n' && c != b'`') {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                end = i.min(b.len());
                i += 1;
            }
            out.push(Tok::Str(code.get(start..end).unwrap_or("")));
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            out.push(Tok::Ident(&code[start..i]));
        } else if c == b'?' && b.get(i + 1) == Some(&b'.') {
            out.push(Tok::Punct(b'.'));
            i += 2;
        } else if c.is_ascii_whitespace() || !c.is_ascii() {
            // Non-ASCII text outside strings (an identifier in another script) is not a name
            // the model knows.
            i += 1;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Identifiers in code, skipping comments and string literals.
pub fn identifiers(code: &str, python: bool) -> BTreeSet<&str> {
    tokens(code, python)
        .into_iter()
        .filter_map(|t| match t {
            Tok::Ident(s) => Some(s),
            _ => None,
        })
        .collect()
}
