//! What the cross-file pass produces, in a module of its own: the rules that report from the
//! pass (here and in `performance/`) name it, and the pass names them.

use crate::Severity;
use ba_app::Loc;

/// A cross-file finding before positions: the file and fact it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrossFinding {
    pub code: &'static str,
    pub at: Loc,
    pub message: String,
    pub severity: Severity,
    /// Other facts in the same file worth pointing at.
    pub related: Vec<(ba_app::Anchor, String)>,
}
