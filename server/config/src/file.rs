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
    // Only these messages quote a key; others quote a value (``integer `5` ``) or the token
    // the parser expected (`` expected `]` ``), and the key is the one on the error's line.
    let names_a_key = [
        "unknown field",
        "missing field",
        "duplicate field",
        "duplicate key `",
    ]
    .iter()
    .any(|p| message.starts_with(p));
    let mut key = if names_a_key {
        super::key_in_message(&message).unwrap_or("").to_owned()
    } else {
        String::new()
    };
    let line = err.span().map(|s| line_of(text, s.start));
    if key.is_empty() {
        // The key is what precedes `=` on the line the error points at, or the table that
        // line opens (`[advisor]` twice is a duplicate key).
        if let Some(span) = err.span() {
            let start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line = text[start..].lines().next().unwrap_or("");
            if let Some((k, _)) = line.split_once('=') {
                key = k.trim().trim_matches('"').to_owned();
            } else if let Some(header) = line.trim().strip_prefix('[') {
                let header = header.split(']').next().unwrap_or(header);
                key = header.trim_matches(['[', ' ']).replace(['"', '\''], "");
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

/// How many `extend` links a configuration may follow (a chain longer than this is a cycle or
/// a mistake).
const MAX_EXTEND: usize = 16;

/// Reads options from `backend-architect.toml` or from `[tool.backend-architect]` in a
/// `pyproject.toml` (`Ok(None)` when a pyproject has no such table), with the files it
/// `extend`s applied underneath (keys set in `path` win).
pub fn load_file(path: &Path) -> Result<Option<Options>, ConfigError> {
    let Some(mut options) = load_one(path)? else {
        return Ok(None);
    };
    let mut chain = vec![std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())];
    let mut from = path.to_path_buf();
    while let Some(base) = options.extend.take() {
        let dir = from.parent().unwrap_or(Path::new("."));
        let base_path = dir.join(&base);
        let canonical = std::fs::canonicalize(&base_path).map_err(|e| {
            ConfigError::new(
                Some(&from),
                "extend",
                format!("cannot read `{}`: {e}", base_path.display()),
            )
        })?;
        if chain.contains(&canonical) {
            return Err(ConfigError::new(
                Some(&from),
                "extend",
                format!("`{base}` extends itself (through {})", base_path.display()),
            ));
        }
        if chain.len() > MAX_EXTEND {
            return Err(ConfigError::new(
                Some(&from),
                "extend",
                format!("more than {MAX_EXTEND} configuration files extend each other"),
            ));
        }
        chain.push(canonical.clone());
        // Errors name the base as a plain path (`/p/shared/base.toml`, not `/p/proj/../shared`).
        let base_path = canonical;
        let base_options = load_one(&base_path)?.ok_or_else(|| {
            ConfigError::new(
                Some(&from),
                "extend",
                format!(
                    "`{}` has no [tool.backend-architect] table",
                    base_path.display()
                ),
            )
        })?;
        // The base's own `extend` is followed next (what `overridden_by` drops).
        let next = base_options.extend.clone();
        options = base_options.overridden_by(&options);
        options.extend = next;
        from = base_path;
    }
    Ok(Some(options))
}

/// One file's options, `extend` not followed.
fn load_one(path: &Path) -> Result<Option<Options>, ConfigError> {
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

/// Whether `dir` itself holds a configuration file (`backend-architect.toml`, or a
/// `pyproject.toml` with a `[tool.backend-architect]` table).
pub fn discover_here(dir: &Path) -> bool {
    let py = dir.join("pyproject.toml");
    dir.join(CONFIG_FILE).is_file() || (py.is_file() && pyproject_has_section(&py))
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

/// A configuration file and the indexes of the rules `per-file-ignores` turns off.
type PerFileKey = (PathBuf, Vec<usize>);

/// Resolved settings per configuration file, shared by the server and `check`.
#[derive(Default)]
pub struct ConfigCache {
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    files: Mutex<HashMap<PathBuf, Resolved>>,
    /// Settings of files that `per-file-ignores` matches: by configuration and rules turned
    /// off, so files with the same ignores share one `Settings`.
    per_file: Mutex<HashMap<PerFileKey, Arc<Settings>>>,
}

impl ConfigCache {
    pub fn clear(&self) {
        self.dirs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.files.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.per_file
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// `resolved` (the settings of the configuration `key`) for `file`: with the rules
    /// `per-file-ignores` turns off for it, if any.
    pub fn for_file(&self, key: &Path, resolved: Resolved, file: &Path) -> Resolved {
        let ignored = resolved.0.per_file_ignored(file);
        if ignored.is_empty() {
            return resolved;
        }
        let mut per_file = self.per_file.lock().unwrap_or_else(|e| e.into_inner());
        let settings = per_file
            .entry((key.to_path_buf(), ignored))
            .or_insert_with_key(|(_, ignored)| Arc::new(resolved.0.without_rules(ignored)))
            .clone();
        (settings, resolved.1)
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
        let resolved = {
            let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
            files
                .entry(key.clone())
                .or_insert_with(|| resolve(config.as_deref(), overrides))
                .clone()
        };
        self.for_file(&key, resolved, file)
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
        // The key is the one on the error's line, not a value or token the message quotes.
        for (text, key, line) in [
            ("select = 5\n", "select", 0),
            ("select = [\"SEC\"]\nignore = [\"SEC101\"\n", "ignore", 1),
            ("select = [\"SEC\"]\nignore = \"SEC101\n", "ignore", 1),
            ("select = [\"SEC\"]\nselect = [\"ARC\"]\n", "select", 1),
            ("[advisor]\nenabled = true\n[advisor]\n", "advisor", 2),
        ] {
            std::fs::write(&p, text).unwrap();
            let err = load_file(&p).unwrap_err();
            assert_eq!(
                (err.key.as_str(), err.line),
                (key, Some(line)),
                "{text:?}: {err}"
            );
        }

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
    fn extend_applies_a_base_configuration_underneath() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        let proj = dir.path().join("proj");
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::create_dir_all(&proj).unwrap();
        std::fs::write(
            shared.join("base.toml"),
            "ignore = [\"SEC101\"]\nhttp-timeout = 3\n[severity]\nSEC102 = \"warning\"\n",
        )
        .unwrap();
        let p = proj.join(CONFIG_FILE);
        std::fs::write(&p, "extend = \"../shared/base.toml\"\nhttp-timeout = 5\n").unwrap();
        let o = load_file(&p).unwrap().unwrap();
        assert_eq!(o.ignore.unwrap(), ["SEC101"]);
        assert_eq!(o.http_timeout, Some(5.0));
        assert!(o.severity.is_some() && o.extend.is_none());
        // pyproject.toml extends too; chains are followed.
        let py = proj.join("pyproject.toml");
        std::fs::write(
            &py,
            "[tool.backend-architect]\nextend = \"backend-architect.toml\"\n",
        )
        .unwrap();
        assert_eq!(load_file(&py).unwrap().unwrap().http_timeout, Some(5.0));
        // A missing base and a cycle name the key and the file.
        std::fs::write(&p, "extend = \"nope.toml\"\n").unwrap();
        let err = load_file(&p).unwrap_err();
        assert_eq!(err.key, "extend");
        assert!(err.to_string().contains("nope.toml"), "{err}");
        std::fs::write(
            shared.join("base.toml"),
            "extend = \"../proj/backend-architect.toml\"\n",
        )
        .unwrap();
        std::fs::write(&p, "extend = \"../shared/base.toml\"\n").unwrap();
        let err = load_file(&p).unwrap_err();
        assert!(err.to_string().contains("extends itself"), "{err}");
        // An error in the base names the base.
        std::fs::write(shared.join("base.toml"), "selct = []\n").unwrap();
        let err = load_file(&p).unwrap_err();
        let base = std::fs::canonicalize(shared.join("base.toml")).unwrap();
        assert_eq!(err.path.as_deref(), Some(base.as_path()));
    }

    #[test]
    fn per_file_ignores_come_with_the_settings_of_each_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(CONFIG_FILE);
        std::fs::write(&p, "[per-file-ignores]\n\"tests/**\" = [\"SEC102\"]\n").unwrap();
        let cache = ConfigCache::default();
        let sec102 = ba_rules::by_code("SEC102").unwrap();
        let (app, err) = cache.settings_for(&dir.path().join("app/views.py"), &Options::default());
        assert!(err.is_none(), "{err:?}");
        assert!(app.rules.is_enabled(sec102));
        let (t1, _) = cache.settings_for(&dir.path().join("tests/test_a.py"), &Options::default());
        let (t2, _) =
            cache.settings_for(&dir.path().join("tests/b/test_b.py"), &Options::default());
        assert!(!t1.rules.is_enabled(sec102));
        assert!(
            Arc::ptr_eq(&t1, &t2),
            "files with the same ignores share settings"
        );
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
