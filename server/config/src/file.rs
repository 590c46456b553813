//! Finding and reading configuration files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{ConfigError, Options, Settings, KEYS};

pub const CONFIG_FILE: &str = "backend-architect.toml";

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count() as u32
}

fn toml_error(path: &Path, text: &str, err: &toml::de::Error, table_prefix: &str) -> ConfigError {
    let message = err.message().to_owned();
    let mut key = super::key_in_message(&message).unwrap_or("").to_owned();
    let line = err.span().map(|s| line_of(text, s.start));
    if key.is_empty() {
        // The key is what precedes `=` on the line the error points at.
        if let Some(span) = err.span() {
            let start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line = text[start..].lines().next().unwrap_or("");
            if let Some((k, _)) = line.split_once('=') {
                key = k.trim().trim_matches('"').to_owned();
            }
        }
    }
    let message = if message.starts_with("unknown field") {
        format!("unknown key; allowed keys: {}", KEYS.join(", "))
    } else {
        message.trim().to_owned()
    };
    let key = if key.is_empty() {
        table_prefix.trim_end_matches('.').to_owned()
    } else {
        format!("{table_prefix}{key}")
    };
    ConfigError {
        path: Some(path.to_path_buf()),
        key,
        message,
        line,
    }
}

/// Reads options from `backend-architect.toml` or from `[tool.backend-architect]` in a
/// `pyproject.toml` (`Ok(None)` when a pyproject has no such table).
pub fn load_file(path: &Path) -> Result<Option<Options>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(Some(path), "", format!("cannot read the file: {e}")))?;
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    if !is_pyproject {
        return toml::from_str::<Options>(&text)
            .map(Some)
            .map_err(|e| toml_error(path, &text, &e, ""));
    }
    let table: toml::Table = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e, ""))?;
    let Some(section) = table.get("tool").and_then(|t| t.get("backend-architect")) else {
        return Ok(None);
    };
    let line = text
        .find("[tool.backend-architect]")
        .map(|o| line_of(&text, o));
    section
        .clone()
        .try_into::<Options>()
        .map(Some)
        .map_err(|e| {
            let msg = e.message().to_owned();
            let key = super::key_in_message(&msg).unwrap_or("").to_owned();
            let message = if msg.starts_with("unknown field") {
                format!("unknown key; allowed keys: {}", KEYS.join(", "))
            } else {
                msg
            };
            ConfigError {
                path: Some(path.to_path_buf()),
                key: format!("tool.backend-architect.{key}")
                    .trim_end_matches('.')
                    .to_owned(),
                message,
                line,
            }
        })
}

fn pyproject_has_section(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains("[tool.backend-architect"))
}

/// The nearest configuration file at or above `dir`.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    let mut current = Some(dir);
    while let Some(d) = current {
        let file = d.join(CONFIG_FILE);
        if file.is_file() {
            return Some(file);
        }
        let py = d.join("pyproject.toml");
        if py.is_file() && pyproject_has_section(&py) {
            return Some(py);
        }
        current = d.parent();
    }
    None
}

/// Settings resolved from one configuration, and the error to show if the file was broken.
pub type Resolved = (Arc<Settings>, Option<ConfigError>);

/// Resolved settings per configuration file, shared by the server and `check`.
#[derive(Default)]
pub struct ConfigCache {
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    files: Mutex<HashMap<PathBuf, Resolved>>,
}

impl ConfigCache {
    pub fn clear(&self) {
        self.dirs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.files.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn config_path_for(&self, file: &Path) -> Option<PathBuf> {
        let dir = file.parent()?.to_path_buf();
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        dirs.entry(dir.clone())
            .or_insert_with(|| discover(&dir))
            .clone()
    }

    /// Settings for `file`: its configuration file, with `overrides` (editor settings) on top.
    /// A broken file gives the defaults (plus overrides) and the error to show.
    pub fn settings_for(
        &self,
        file: &Path,
        overrides: &Options,
    ) -> (Arc<Settings>, Option<ConfigError>) {
        let config = self.config_path_for(file);
        let key = config.clone().unwrap_or_default();
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .entry(key)
            .or_insert_with(|| resolve(config.as_deref(), overrides))
            .clone()
    }
}

/// Options from `config` (if any) with `overrides` applied, validated into settings.
pub fn resolve(config: Option<&Path>, overrides: &Options) -> Resolved {
    let root = config.and_then(Path::parent);
    let (file_options, mut error) = match config.map(load_file) {
        Some(Ok(opts)) => (opts.unwrap_or_default(), None),
        Some(Err(e)) => (Options::default(), Some(e)),
        None => (Options::default(), None),
    };
    let merged = file_options.overridden_by(overrides);
    let settings = match Settings::from_options(&merged, config, root) {
        Ok(s) => s,
        Err(e) => {
            // Keep the file's error if there was one; otherwise report this one and fall back
            // to the defaults.
            error.get_or_insert(e);
            Settings::from_options(overrides, None, root)
                .or_else(|_| Settings::from_options(&Options::default(), None, root))
                .unwrap_or_default()
        }
    };
    if let (Some(e), Some(path)) = (&mut error, config) {
        if e.path.is_none() {
            e.path = Some(path.to_path_buf());
        }
        if e.line.is_none() {
            if let Ok(text) = std::fs::read_to_string(path) {
                let needle = e.key.rsplit('.').next().unwrap_or(&e.key).to_owned();
                e.line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with(needle.as_str()))
                    .map(|l| l as u32);
            }
        }
    }
    (Arc::new(settings), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_and_pyproject_and_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(CONFIG_FILE);
        std::fs::write(&p, "select = [\"SEC\"]\nignore = [\"SEC103\"]\n").unwrap();
        assert!(load_file(&p).unwrap().unwrap().select.is_some());
        std::fs::write(&p, "select = [\"SEC\"]\nbogus = 1\n").unwrap();
        let err = load_file(&p).unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
        assert!(err.to_string().contains("allowed keys"), "{err}");
        std::fs::write(&p, "select = \"SEC\"\n").unwrap();
        let err = load_file(&p).unwrap_err();
        assert!(err.to_string().contains("select"), "{err}");

        let py = dir.path().join("pyproject.toml");
        std::fs::write(
            &py,
            "[project]\nname='x'\n[tool.backend-architect]\nignore = [\"SEC101\"]\n",
        )
        .unwrap();
        assert_eq!(
            load_file(&py).unwrap().unwrap().ignore.unwrap(),
            vec!["SEC101"]
        );
        std::fs::write(&py, "[tool.backend-architect]\nignroe = [\"SEC101\"]\n").unwrap();
        let err = load_file(&py).unwrap_err();
        assert!(err.key.contains("ignroe"), "{err}");

        // A bad rule code falls back to defaults and names the key.
        std::fs::write(&p, "ignore = [\"NOPE1\"]\n").unwrap();
        let (settings, err) = resolve(Some(&p), &Options::default());
        assert!(settings.rules.enabled_rules().count() > 0);
        let err = err.unwrap();
        assert_eq!(err.key, "ignore");
        assert_eq!(err.line, Some(0));
    }

    #[test]
    fn discovers_nearest() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
        assert_eq!(discover(&sub).unwrap(), dir.path().join(CONFIG_FILE));
        std::fs::write(
            dir.path().join("a/pyproject.toml"),
            "[tool.backend-architect]\n",
        )
        .unwrap();
        assert_eq!(discover(&sub).unwrap(), dir.path().join("a/pyproject.toml"));
    }
}
