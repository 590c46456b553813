//! Findings that come from the opt-in model review (`backend-architect.review`). They have no
//! query: the registry entry gives them a code, docs for hover and `explain`, and a severity.

pub mod model_finding;
