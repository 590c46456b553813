//! The opt-in advisor: everything here that talks to the network is off unless the user
//! enables it (`[advisor] enabled = true`, `[dependencies] osv = true`, or `check --deps`).
//!
//! - `review`: an architecture review by an OpenAI-compatible model endpoint, built from a
//!   `ReviewContext` (`context` fills it from the syntax tree) and redacted by `redact` first.
//! - `deps`: DEP001 findings from `manifests` + `lockfiles`, looked up in OSV (`osv`) through
//!   the disk cache (`cache`).
//! - `http`: the one shared reqwest client, timeouts and retries.
//!
//! Layering: this module uses `syntax`, `rules`, `config` and `engine`, and speaks byte
//! ranges like the engine; `lsp::advisor` and `cli` turn its results into protocol or report.

pub mod cache;
pub mod context;
pub mod deps;
pub mod http;
pub mod lockfiles;
pub mod manifests;
pub mod osv;
pub mod redact;
pub mod review;

use std::path::PathBuf;

/// `<user cache dir>/backend-architect` (`$XDG_CACHE_HOME`, `~/.cache` on Linux): the OSV
/// cache and the review documents live here, never in the workspace.
pub fn cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("backend-architect"))
}
