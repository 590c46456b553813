//! backend-architect: a language server and CI checker that reviews backend code.
//!
//! The work is done by one crate per layer (lowest first): `ba_syntax` ← `ba_analysis` ←
//! `ba_app` ← `ba_rules` ← `ba_config` ← `ba_engine` ← (`ba_scaffold`, `ba_advisor`) ←
//! (`ba_lsp`, `ba_cli`). This crate is the binary that chooses between the two front ends, and
//! re-exports the layers under short names for the end-to-end tests, benches and examples.

pub use ba_advisor as advisor;
pub use ba_analysis as analysis;
pub use ba_app as app;
pub use ba_cli as cli;
pub use ba_config as config;
pub use ba_engine as engine;
pub use ba_engine::fix;
pub use ba_lsp as lsp;
pub use ba_report as report;
pub use ba_rules as rules;
pub use ba_scaffold as scaffold;
pub use ba_syntax as syntax;
