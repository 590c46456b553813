//! Security rules (`SEC`): 1xx injection, 2xx deserialisation, 3xx web, 4xx configuration,
//! 5xx secrets and auth, 6xx crypto and transport.

pub mod allowed_hosts_wildcard;
pub mod bind_all_interfaces;
pub mod code_injection;
pub mod command_injection;
pub mod csrf_disabled;
pub mod debug_enabled;
pub mod insecure_cookie;
pub mod insecure_file_permissions;
pub mod insecure_temp_file;
pub mod permissive_cors;
mod settings;
pub mod sql_injection;
pub mod unsafe_yaml_load;

/// The callee's source text, shortened for messages.
pub(crate) fn callee(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.len() > 40 {
        format!(
            "{}…",
            &one_line[..one_line
                .char_indices()
                .nth(39)
                .map_or(one_line.len(), |(i, _)| i)]
        )
    } else {
        one_line
    }
}
