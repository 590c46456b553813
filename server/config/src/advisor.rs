//! The `[advisor]` and `[dependencies]` tables: the opt-in features that use the network.
//!
//! Both tables are kept as raw values in `Options` and validated here, so that an error names
//! the full key (`advisor.timeout_secs`) and lists the keys the table allows. Keys are accepted
//! in snake_case (as the docs write them), kebab-case and camelCase (as editors send them).

use std::path::Path;

use serde_json::Value;

use super::ConfigError;

/// The model endpoint used for reviews. Off unless `enabled = true`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvisorSettings {
    pub enabled: bool,
    /// Base URL of an OpenAI-compatible API (`…/v1`); `/chat/completions` is appended.
    pub endpoint: String,
    pub model: String,
    /// The NAME of the environment variable holding the API key (never the key itself).
    pub api_key_env: Option<String>,
    pub timeout_secs: u64,
}

impl Default for AdvisorSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            endpoint: "http://127.0.0.1:11434/v1".to_owned(),
            model: "qwen2.5-coder".to_owned(),
            api_key_env: None,
            timeout_secs: 60,
        }
    }
}

/// Vulnerable-dependency checks against an OSV-compatible API. Off unless `osv = true`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencySettings {
    pub osv: bool,
    pub osv_endpoint: String,
    pub cache_ttl_hours: u64,
}

impl Default for DependencySettings {
    fn default() -> Self {
        Self {
            osv: false,
            osv_endpoint: "https://api.osv.dev".to_owned(),
            cache_ttl_hours: 24,
        }
    }
}

/// `[advisor]` as configuration files write it (for the JSON schema; values are validated by
/// `AdvisorSettings::from_value`, which also accepts kebab-case and camelCase keys).
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct AdvisorTable {
    /// Turn on reviews by a model endpoint (off by default; the only feature that sends code).
    enabled: Option<bool>,
    /// Base URL of an OpenAI-compatible API (`…/v1`). Default `http://127.0.0.1:11434/v1`.
    endpoint: Option<String>,
    /// The model name. Default `qwen2.5-coder`.
    model: Option<String>,
    /// The NAME of the environment variable holding the API key (never the key itself).
    api_key_env: Option<String>,
    /// Seconds to wait for an answer. Default 60.
    #[schemars(range(min = 1, max = 3600))]
    timeout_secs: Option<u64>,
}

/// `[dependencies]` as configuration files write it (for the JSON schema).
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct DependenciesTable {
    /// Check dependency manifests against OSV (off by default; uses the network).
    osv: Option<bool>,
    /// An OSV-compatible API. Default `https://api.osv.dev`.
    osv_endpoint: Option<String>,
    /// Hours that cached OSV answers stay valid. Default 24.
    #[schemars(range(max = 8760))]
    cache_ttl_hours: Option<u64>,
}

pub const ADVISOR_KEYS: &[&str] = &[
    "enabled",
    "endpoint",
    "model",
    "api_key_env",
    "timeout_secs",
];
pub const DEPENDENCY_KEYS: &[&str] = &["osv", "osv_endpoint", "cache_ttl_hours"];

/// `apiKeyEnv` / `api-key-env` / `api_key_env` → `api_key_env`.
fn normalise_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// The table's entries with normalised keys; unknown keys and non-tables are errors.
fn entries<'v>(
    table: &str,
    value: &'v Value,
    allowed: &[&str],
    path: Option<&Path>,
) -> Result<Vec<(String, &'v Value)>, ConfigError> {
    let Some(obj) = value.as_object() else {
        return Err(ConfigError::new(
            path,
            table,
            format!("expected a table with the keys {}", allowed.join(", ")),
        ));
    };
    let mut out = Vec::new();
    for (k, v) in obj {
        let key = normalise_key(k);
        if !allowed.contains(&key.as_str()) {
            return Err(ConfigError::new(
                path,
                &format!("{table}.{k}"),
                format!("unknown key; allowed keys: {}", allowed.join(", ")),
            ));
        }
        if !v.is_null() {
            out.push((key, v));
        }
    }
    Ok(out)
}

fn boolean(table: &str, key: &str, v: &Value, path: Option<&Path>) -> Result<bool, ConfigError> {
    v.as_bool().ok_or_else(|| {
        ConfigError::new(
            path,
            &format!("{table}.{key}"),
            format!("expected true or false, found {v}"),
        )
    })
}

fn url(table: &str, key: &str, v: &Value, path: Option<&Path>) -> Result<String, ConfigError> {
    let err = || {
        ConfigError::new(
            path,
            &format!("{table}.{key}"),
            format!("expected an http:// or https:// URL, found {v}"),
        )
    };
    let s = v.as_str().ok_or_else(err)?.trim();
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(err)?;
    if rest.is_empty() || rest.starts_with('/') || s.contains(char::is_whitespace) {
        return Err(err());
    }
    Ok(s.trim_end_matches('/').to_owned())
}

fn count(
    table: &str,
    key: &str,
    v: &Value,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
    path: Option<&Path>,
) -> Result<u64, ConfigError> {
    v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
        ConfigError::new(
            path,
            &format!("{table}.{key}"),
            format!(
                "expected a whole number of {unit} from {} to {}, found {v}",
                range.start(),
                range.end()
            ),
        )
    })
}

/// An environment variable name: letters, digits and `_`, not starting with a digit. A value
/// that looks like a key (`sk-…`) is refused so that nobody writes the key into a config file.
fn env_name(v: &Value, path: Option<&Path>) -> Result<String, ConfigError> {
    let s = v.as_str().unwrap_or("");
    let valid = !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 64;
    if valid && !s.starts_with("sk") {
        return Ok(s.to_owned());
    }
    Err(ConfigError::new(
        path,
        "advisor.api_key_env",
        format!("expected the NAME of an environment variable that holds the key (such as \"OPENAI_API_KEY\"), never the key itself; found {}",
            if v.is_string() && s.len() > 12 { "a value that looks like a key".to_owned() } else { v.to_string() }),
    ))
}

impl AdvisorSettings {
    pub fn from_value(value: Option<&Value>, path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut out = Self::default();
        let Some(value) = value else { return Ok(out) };
        for (key, v) in entries("advisor", value, ADVISOR_KEYS, path)? {
            match key.as_str() {
                "enabled" => out.enabled = boolean("advisor", &key, v, path)?,
                "endpoint" => out.endpoint = url("advisor", &key, v, path)?,
                "model" => {
                    out.model = v
                        .as_str()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| {
                            ConfigError::new(
                                path,
                                "advisor.model",
                                format!(
                                "expected the model's name, such as \"qwen2.5-coder\", found {v}"
                            ),
                            )
                        })?
                        .to_owned()
                }
                "api_key_env" => out.api_key_env = Some(env_name(v, path)?),
                "timeout_secs" => {
                    out.timeout_secs = count("advisor", &key, v, 1..=3600, "seconds", path)?
                }
                _ => unreachable!("keys are checked against ADVISOR_KEYS"),
            }
        }
        Ok(out)
    }
}

impl DependencySettings {
    pub fn from_value(value: Option<&Value>, path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut out = Self::default();
        let Some(value) = value else { return Ok(out) };
        for (key, v) in entries("dependencies", value, DEPENDENCY_KEYS, path)? {
            match key.as_str() {
                "osv" => out.osv = boolean("dependencies", &key, v, path)?,
                "osv_endpoint" => out.osv_endpoint = url("dependencies", &key, v, path)?,
                "cache_ttl_hours" => {
                    out.cache_ttl_hours =
                        count("dependencies", &key, v, 0..=24 * 365, "hours", path)?
                }
                _ => unreachable!("keys are checked against DEPENDENCY_KEYS"),
            }
        }
        Ok(out)
    }
}

/// Editor settings override the file key by key (a table in both is merged, the editor's
/// keys winning), so `enabled` from VS Code does not drop the file's `endpoint`.
pub(super) fn merge(base: &Option<Value>, over: &Option<Value>) -> Option<Value> {
    match (base, over) {
        (Some(Value::Object(b)), Some(Value::Object(o))) => {
            let mut merged = b.clone();
            for (k, v) in o {
                if v.is_null() {
                    continue;
                }
                // Drop the file's spelling of the same key (`api_key_env` vs `apiKeyEnv`).
                let norm = normalise_key(k);
                merged.retain(|mk, _| normalise_key(mk) != norm);
                merged.insert(k.clone(), v.clone());
            }
            Some(Value::Object(merged))
        }
        (b, o) => o.clone().or_else(|| b.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_off() {
        let a = AdvisorSettings::from_value(None, None).unwrap();
        assert!(!a.enabled);
        let d = DependencySettings::from_value(None, None).unwrap();
        assert!(!d.osv);
        assert_eq!(d.cache_ttl_hours, 24);
    }

    #[test]
    fn accepts_snake_kebab_and_camel_case() {
        let a = AdvisorSettings::from_value(
            Some(&json!({"enabled": true, "apiKeyEnv": "MY_KEY", "timeout-secs": 5, "endpoint": "http://127.0.0.1:9/v1/"})),
            None,
        )
        .unwrap();
        assert!(a.enabled);
        assert_eq!(a.api_key_env.as_deref(), Some("MY_KEY"));
        assert_eq!(a.timeout_secs, 5);
        assert_eq!(a.endpoint, "http://127.0.0.1:9/v1");
        let d = DependencySettings::from_value(
            Some(&json!({"osv": true, "osvEndpoint": "http://127.0.0.1:1", "cache_ttl_hours": 0})),
            None,
        )
        .unwrap();
        assert_eq!(d.osv_endpoint, "http://127.0.0.1:1");
        assert_eq!(d.cache_ttl_hours, 0);
    }

    #[test]
    fn errors_name_the_full_key_and_what_is_allowed() {
        let p = Some(Path::new("backend-architect.toml"));
        let e = AdvisorSettings::from_value(Some(&json!({"enabeld": true})), p).unwrap_err();
        assert_eq!(e.key, "advisor.enabeld");
        assert!(e.message.contains("allowed keys: enabled, endpoint"), "{e}");
        let e = AdvisorSettings::from_value(Some(&json!({"timeout_secs": 0})), p).unwrap_err();
        assert_eq!(e.key, "advisor.timeout_secs");
        let e = AdvisorSettings::from_value(Some(&json!({"endpoint": "localhost:11434"})), p)
            .unwrap_err();
        assert!(e.message.contains("http://"), "{e}");
        let e = AdvisorSettings::from_value(
            Some(&json!({"api_key_env": "sk-proj-abcdefghijklmnop"})),
            p,
        )
        .unwrap_err();
        assert!(e.message.contains("never the key itself"), "{e}");
        assert!(!e.to_string().contains("abcdefghijklmnop"), "{e}");
        let e = DependencySettings::from_value(Some(&json!({"osv": "yes"})), p).unwrap_err();
        assert_eq!(e.key, "dependencies.osv");
        let e = DependencySettings::from_value(Some(&json!(true)), p).unwrap_err();
        assert_eq!(e.key, "dependencies");
    }

    #[test]
    fn editor_settings_merge_key_by_key() {
        let file = Some(json!({"endpoint": "http://a/v1", "api_key_env": "A"}));
        let editor = Some(json!({"enabled": true, "apiKeyEnv": "B"}));
        let merged = merge(&file, &editor).unwrap();
        let a = AdvisorSettings::from_value(Some(&merged), None).unwrap();
        assert!(a.enabled);
        assert_eq!(a.endpoint, "http://a/v1");
        assert_eq!(a.api_key_env.as_deref(), Some("B"));
    }
}
