//! Security rules (`SEC`): 1xx injection, 2xx deserialisation, 3xx web, 4xx configuration,
//! 5xx secrets and auth, 6xx crypto and transport.

pub mod cleartext_http_url;
pub mod code_injection;
pub mod command_injection;
pub mod insecure_protocol;
pub mod sql_injection;
pub mod ssh_host_key_not_verified;
pub mod tls_verification_disabled;
pub mod unsafe_yaml_load;
pub mod weak_cipher;
pub mod weak_hash;
pub mod weak_key_size;
pub mod weak_tls_version;

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
