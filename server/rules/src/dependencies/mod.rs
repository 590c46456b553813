//! Findings on dependency manifests from the opt-in OSV check (`[dependencies] osv = true`,
//! `check --deps`). They have no query: the advisor module reports them on manifest lines.

pub mod vulnerable_dependency;
