//! Parsing with one reusable parser per language and thread.

use std::cell::RefCell;
use std::collections::HashMap;

use tree_sitter::{Parser, Tree};

use super::Language;

thread_local! {
    static PARSERS: RefCell<HashMap<Language, Parser>> = RefCell::new(HashMap::new());
}

/// Parses `text`, reusing `old` (already `edit`ed to match `text`) when given.
pub fn parse(language: Language, text: &str, old: Option<&Tree>) -> Option<Tree> {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = parsers.entry(language).or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&language.grammar())
                .expect("bundled grammar is ABI-compatible with the tree-sitter runtime");
            parser
        });
        parser.parse(text, old)
    })
}

/// Parses only `range` of `text` (tree-sitter's included ranges): nodes keep their offsets in
/// the whole text. The cost is that of the range, not of the file.
pub fn parse_range(language: Language, text: &str, range: tree_sitter::Range) -> Option<Tree> {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = parsers.entry(language).or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&language.grammar())
                .expect("bundled grammar is ABI-compatible with the tree-sitter runtime");
            parser
        });
        parser.set_included_ranges(&[range]).ok()?;
        let tree = parser.parse(text, None);
        // Back to the whole text for the next caller of this thread's parser.
        parser
            .set_included_ranges(&[])
            .expect("an empty range list is valid");
        tree
    })
}
