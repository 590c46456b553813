//! API design and architecture rules (`ARC`): 2xx are judged within one top-level item (a
//! handler, a route registration); the cross-file ones live with the application model.

pub mod missing_error_handling;
pub mod missing_rate_limit;
pub mod missing_response_model;
pub mod missing_status_code;
pub mod non_restful_path;
pub mod state_change_on_get;
