//! Languages, parsing, documents (rope + tree + version), edits and position encodings.

pub mod document;
mod language;
pub mod parse;
pub mod position;

pub use document::{Document, TextChange};
pub use language::{Family, Language};
pub use position::{LineCol, PositionEncoding};
