//! Secrets never leave the machine: before a review is sent, everything that looks like a
//! credential is replaced by `[REDACTED]`:
//! - the literals rule SEC501 (hardcoded-secret) reports in the file,
//! - well-known key formats and passwords in connection URLs (SEC501's own detectors),
//! - high-entropy tokens (random-looking strings of 20+ characters, long hex strings),
//! - the values of `.env` files in the file's directory and its parents.

use std::path::{Path, PathBuf};

use ba_config::{Options, RuleSet};
use ba_engine as engine;
use ba_rules::security::hardcoded_secret::{known_format, url_password};
use ba_rules::security::secret_names::{is_secret_name, looks_random};
use ba_syntax::Language;

pub const MASK: &str = "[REDACTED]";

/// How many parent directories are searched for `.env` files.
const ENV_DEPTH: usize = 6;

#[derive(Debug, Default)]
pub struct Redactor {
    /// Exact strings to mask, longest first (so a secret containing another is masked whole).
    secrets: Vec<String>,
}

impl Redactor {
    /// Secrets known from the file itself (`text`, analysed by SEC501) and from `.env` files
    /// next to `path` and above it (up to the workspace `root`, if given).
    pub fn for_file(
        path: Option<&Path>,
        language: Option<Language>,
        text: &str,
        root: Option<&Path>,
    ) -> Self {
        let mut r = Redactor::default();
        if let Some(language) = language {
            r.add_rule_findings(language, text);
        }
        if let Some(dir) = path.and_then(Path::parent) {
            for env in env_files(dir, root) {
                if let Ok(content) = std::fs::read_to_string(&env) {
                    r.add_env_values(&content);
                }
            }
        }
        r.finish();
        r
    }

    pub fn add_secret(&mut self, s: &str) {
        let s = s.trim();
        if s.chars().count() >= 4 && s != MASK {
            self.secrets.push(s.to_owned());
        }
    }

    fn finish(&mut self) {
        self.secrets
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.secrets.dedup();
    }

    /// The string literals inside each SEC501 finding.
    fn add_rule_findings(&mut self, language: Language, text: &str) {
        let options = Options {
            select: Some(vec!["SEC501".to_owned()]),
            ..Options::default()
        };
        let Ok(rules) = RuleSet::from_options(&options, None) else {
            return;
        };
        for f in engine::analyze_text("redact", language, text, &rules) {
            let Some(span) = text.get(f.range.clone()) else {
                continue;
            };
            let literals = quoted_contents(span);
            if literals.is_empty() {
                self.add_secret(span);
            }
            for l in literals {
                self.add_secret(l);
            }
        }
    }

    /// `KEY=value` lines; values that are plainly not secrets (numbers, booleans, one
    /// lower-case word such as `development`) are kept unless the key names a secret.
    fn add_env_values(&mut self, content: &str) {
        for line in content.lines() {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            if line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            let plain = value.parse::<f64>().is_ok()
                || matches!(
                    value.to_ascii_lowercase().as_str(),
                    "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null"
                )
                || value.chars().all(|c| c.is_ascii_lowercase());
            if is_secret_name(key.trim()) || !plain {
                self.add_secret(value);
            }
        }
    }

    /// `text` with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        mask_tokens(&out)
    }
}

/// `.env`, `.env.local`, `.env.production`… in `dir` and its parents (stopping at `root`).
fn env_files(dir: &Path, root: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut current = Some(dir);
    for _ in 0..ENV_DEPTH {
        let Some(d) = current else { break };
        if let Ok(entries) = std::fs::read_dir(d) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if (name == ".env" || name.starts_with(".env."))
                    && !name.ends_with(".example")
                    && !name.ends_with(".sample")
                {
                    out.push(e.path());
                }
            }
        }
        if root.is_some_and(|r| r == d) || d.join(".git").exists() {
            break;
        }
        current = d.parent();
    }
    out
}

/// The contents of every `"…"`, `'…'` and `` `…` `` in `span`.
fn quoted_contents(span: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = span;
    let mut base = 0;
    while let Some(i) = rest.find(['"', '\'', '`']) {
        let q = rest.as_bytes()[i] as char;
        let after = &rest[i + 1..];
        let Some(j) = after.find(q) else { break };
        out.push(&span[base + i + 1..base + i + 1 + j]);
        let consumed = i + 1 + j + 1;
        base += consumed;
        rest = &rest[consumed..];
    }
    out
}

fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 128];
    let mut n = 0u32;
    for b in s.bytes().filter(u8::is_ascii) {
        counts[b as usize] += 1;
        n += 1;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / f64::from(n);
            -p * p.log2()
        })
        .sum()
}

/// A token that looks machine-made: 20+ characters of mixed kinds with high entropy (base64,
/// random keys), or a 32+ character hex string (API keys, signing secrets). Identifiers such
/// as `get_current_active_user` are one kind of character and stay.
fn high_entropy(token: &str) -> bool {
    let t = token.trim_matches(['=', '-', '_', '.', '/', '+']);
    if t.len() < 20 {
        return false;
    }
    let digits = t.chars().any(|c| c.is_ascii_digit());
    let letters = t.chars().any(|c| c.is_ascii_alphabetic());
    if t.len() >= 32 && digits && letters && t.chars().all(|c| c.is_ascii_hexdigit()) {
        return true;
    }
    digits && letters && looks_random(t) && shannon_entropy(t) >= 4.0
}

/// Masks key formats, URL passwords and high-entropy tokens wherever they appear.
fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    // Runs without whitespace or quotes: URLs and keys live inside them.
    let is_sep = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '`' | ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>'
            )
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_sep(c), start) {
            (true, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, text.len()));
    }
    for (s, e) in runs {
        let run = &text[s..e];
        out.push_str(&text[last..s]);
        last = e;
        if known_format(run).is_some() {
            out.push_str(MASK);
        } else if url_password(run).is_some() {
            out.push_str(&mask_url_password(run));
        } else {
            // Within the run, tokens of key characters (an `=` or `:` separates `key=value`).
            let mut piece_start = 0;
            for (i, c) in run.char_indices().chain(std::iter::once((run.len(), ' '))) {
                let key_char =
                    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '_' | '-' | '=');
                if !key_char || i == run.len() {
                    let piece = &run[piece_start..i];
                    let (name, value) = piece.split_once('=').map_or(("", piece), |(k, v)| (k, v));
                    if high_entropy(value) {
                        out.push_str(&piece[..piece.len() - value.len()]);
                        let _ = name;
                        out.push_str(MASK);
                    } else {
                        out.push_str(piece);
                    }
                    if i < run.len() {
                        out.push(c);
                    }
                    piece_start = i + c.len_utf8();
                }
            }
        }
    }
    out.push_str(&text[last..]);
    out
}

/// `scheme://user:password@host/…` → `scheme://user:[REDACTED]@host/…`.
fn mask_url_password(url: &str) -> String {
    let Some(sep) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[sep + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let (Some(at), Some(colon)) = (authority.rfind('@'), authority.find(':')) else {
        return url.to_owned();
    };
    if colon > at {
        return url.to_owned();
    }
    format!(
        "{}{}{MASK}{}",
        &url[..sep + 3],
        &authority[..colon + 1],
        &url[sep + 3 + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_rule_findings_formats_urls_entropy_and_env_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "# local\nSTRIPE_KEY=whsec_localonly_7c1d\nDEBUG=true\nENVIRONMENT=development\nexport DB_PASSWORD='hunter2hunter2'\n",
        )
        .unwrap();
        let code = "import os\n\nDB_PASSWORD = \"Sup3r-S3cret-pw\"\nAWS = \"AKIAZ7QX4JMP2LRT5NVB\"\nDB = \"postgresql://app:Wint3r-Pa55@db.internal/shop\"\nTOKEN = \"q8Zr2LmX9vT4kP7wN3sY6hJ1bC5dF0gA\"\nHEX = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"\n\ndef get_current_active_user_from_token(token):\n    return os.environ['DEBUG'] == 'development'\n";
        let path = dir.path().join("app.py");
        let r = Redactor::for_file(Some(&path), Some(Language::Python), code, Some(dir.path()));
        let out = r.redact(&format!(
            "{code}\nsecret from env: whsec_localonly_7c1d, hunter2hunter2\nlog: mysql://svc:Zq9-Xk2-Lp7@mysql.prod:3306/app"
        ));
        for secret in [
            "Sup3r-S3cret-pw",
            "AKIAZ7QX4JMP2LRT5NVB",
            "Wint3r-Pa55",
            "q8Zr2LmX9vT4kP7wN3sY6hJ1bC5dF0gA",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "whsec_localonly_7c1d",
            "hunter2hunter2",
            "Zq9-Xk2-Lp7",
        ] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
        // Code, plain settings and identifiers stay readable.
        for kept in [
            "get_current_active_user_from_token",
            "'development'",
            "mysql://svc:[REDACTED]@mysql.prod:3306/app",
            "os.environ['DEBUG']",
        ] {
            assert!(out.contains(kept), "{kept} missing:\n{out}");
        }
    }

    #[test]
    fn quoted_and_entropy_helpers() {
        assert_eq!(quoted_contents("KEY = \"a\" + 'b'"), ["a", "b"]);
        assert!(!high_entropy("HTTP_401_UNAUTHORIZED"));
        assert!(!high_entropy("sqlalchemy_database_url_for_tests"));
        assert!(high_entropy("q8Zr2LmX9vT4kP7wN3sY6hJ1bC5dF0gA"));
    }
}
