//! What people look at: the architecture map of a workspace (`map`: Mermaid, DOT, JSON) and
//! the self-contained HTML report of a `check` run (`check --format html`).
//!
//! Rendering only: the caller (the CLI, the language server) builds the workspace index and
//! runs the analysis; this crate reads them and never touches the network or the workspace.

mod access;
pub mod html;
pub mod map;
pub mod render;
pub mod svg;

pub use map::{build, FileFindings, Map, MapOptions};
