//! Security rules (`SEC`): 1xx injection, 2xx deserialisation, 3xx web, 4xx configuration,
//! 5xx secrets and auth, 6xx crypto and transport.

pub mod code_injection;
pub mod command_injection;
pub mod hardcoded_secret;
pub mod insecure_random;
pub mod jwt_verification_disabled;
pub(crate) mod secret_names;
pub mod sql_injection;
pub mod timing_unsafe_comparison;
pub mod unsafe_yaml_load;
pub mod weak_password_hash;

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
