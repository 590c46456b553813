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
pub mod ecosystem;
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;

    /// Text with the characters these parsers split on, and multi-byte ones between them.
    fn messy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\n".to_owned()),
                Just("==".to_owned()),
                Just("@".to_owned()),
                Just("\"".to_owned()),
                Just("[".to_owned()),
                Just("]".to_owned()),
                Just(":".to_owned()),
                Just("  ".to_owned()),
                Just("é".to_owned()),
                Just("-r ".to_owned()),
                Just("{".to_owned()),
                Just("(".to_owned()),
                Just("\\".to_owned()),
                Just("||".to_owned()),
                Just(" --hash=".to_owned()),
                Just("  version ".to_owned()),
                Just("  dependencies:\n".to_owned()),
                Just("'".to_owned()),
                "[a-z0-9.^~<>=,;/ ]{0,8}",
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn parsers_never_panic(text in messy()) {
            let dir = Path::new("/nonexistent-backend-architect-test");
            for name in ["requirements.txt", "pyproject.toml", "package.json"] {
                let _ = manifests::parse(&dir.join(name), &text);
            }
            let _ = lockfiles::poetry_lock(&text);
            let _ = lockfiles::pipfile_lock(&text);
            let _ = lockfiles::package_lock(&text);
            let _ = lockfiles::yarn_lock(&text);
            // Past the header lines the yarn.lock parser checks first.
            let _ = lockfiles::yarn_lock(&format!("# x\n# yarn lockfile v1\n\n{text}"));
            let _ = lockfiles::yarn_lock(&format!("# x\n# y\n\n__metadata:\n  version: 8\n\n{text}"));
            let _ = lockfiles::pnpm_lock(&text);
            let _ = redact::Redactor::default().redact(&text);
            for eco in [ecosystem::Ecosystem::PyPI, ecosystem::Ecosystem::Npm] {
                let _ = osv::compare_versions(eco, &text, "1.0");
            }
            let ctx = review::ReviewContext { first_line: 1, last_line: 3, ..Default::default() };
            let answer = serde_json::json!({"choices": [{"message": {"content": text}}]});
            let _ = review::parse_answer(&answer, &ctx);
            let _ = review::findings(
                &review::Review {
                    summary: String::new(),
                    items: vec![review::ReviewItem {
                        line: 2,
                        severity: ba_rules::Severity::Info,
                        title: "t".into(),
                        explanation: String::new(),
                        suggestion: None,
                    }],
                },
                &text,
            );
        }
    }
}
