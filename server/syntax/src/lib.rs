//! Languages, parsing, documents (rope + tree + version), edits and position encodings.

pub mod depth;
pub mod document;
mod language;
mod node;
pub mod parse;
pub mod pattern;
pub mod position;

pub use document::{Document, TextChange};
pub use language::{Family, Language};
pub use node::NodeExt;
pub use position::{LineCol, PositionEncoding};
