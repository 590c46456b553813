//! backend-architect: a language server and CI checker that reviews backend code.
//!
//! Layers, lowest first: `syntax` ← `analysis` ← `rules` ← `engine`/`config` ← `fix` ←
//! (`lsp`, `cli`). Protocol types appear only in `lsp`.

pub mod advisor;
pub mod analysis;
pub mod app;
pub mod cli;
pub mod config;
pub mod engine;
pub mod fix;
pub mod lsp;
pub mod rules;
pub mod syntax;
