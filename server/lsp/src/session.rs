//! What every subsystem of the server reads of it: the one document store, the negotiated
//! position encoding, whether the client pulls diagnostics, and the settings of a file.
//!
//! Subsystems name this trait (and a `Host` trait of their own over it, for the state of the
//! subsystems they build on), never the server's state, so `server.rs` sits above them all and
//! no module imports one that imports it back.

use std::path::PathBuf;
use std::sync::Arc;

use ba_config::{ConfigError, Settings};
use ba_syntax::PositionEncoding;
use tower_lsp_server::ls_types::Uri;

use super::state::Documents;

pub trait Session: Send + Sync + 'static {
    /// The open documents.
    fn docs(&self) -> &Documents;
    /// The position encoding negotiated at `initialize`.
    fn encoding(&self) -> PositionEncoding;
    /// Whether the client pulls diagnostics (`textDocument/diagnostic`) instead of receiving
    /// them.
    fn pulls_diagnostics(&self) -> bool;
    /// The settings of the file at `path` (editor settings over its configuration file), and
    /// the configuration's error if it has one.
    fn settings_for(&self, path: Option<&PathBuf>) -> (Arc<Settings>, Option<ConfigError>);
}

/// A shared session is one (the server hands `Arc`s of its state to tasks).
impl<T: Session> Session for Arc<T> {
    fn docs(&self) -> &Documents {
        (**self).docs()
    }

    fn encoding(&self) -> PositionEncoding {
        (**self).encoding()
    }

    fn pulls_diagnostics(&self) -> bool {
        (**self).pulls_diagnostics()
    }

    fn settings_for(&self, path: Option<&PathBuf>) -> (Arc<Settings>, Option<ConfigError>) {
        (**self).settings_for(path)
    }
}

/// The file a `file:` URI names.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}
