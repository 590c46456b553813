//! Exact versions from lock files: `poetry.lock`, `Pipfile.lock` (Python) and
//! `package-lock.json` (v1–v3), `yarn.lock` (classic and Berry), `pnpm-lock.yaml` (npm).
//! Each parser maps a normalised package name to its locked version; a broken lock file is
//! logged and skipped (the manifest's versions are used instead).

use std::collections::HashMap;
use std::path::Path;

use super::ecosystem::Ecosystem;

/// Normalised name → (version, lock file name). The first lock file that has a name wins.
pub type Locked = HashMap<String, (String, String)>;

/// A lock file parser: (package name as written, version) pairs.
type Parser = fn(&str) -> Result<Vec<(String, String)>, String>;

pub fn locked_versions(dir: &Path, ecosystem: Option<Ecosystem>) -> Locked {
    let mut out = Locked::new();
    let Some(eco) = ecosystem else { return out };
    let files: &[(&str, Parser)] = match eco {
        Ecosystem::PyPI => &[("poetry.lock", poetry_lock), ("Pipfile.lock", pipfile_lock)],
        Ecosystem::Npm => &[
            ("package-lock.json", package_lock),
            ("yarn.lock", yarn_lock),
            ("pnpm-lock.yaml", pnpm_lock),
        ],
    };
    for (name, parse) in files {
        let path = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match parse(&text) {
            Ok(pairs) => {
                for (pkg, version) in pairs {
                    out.entry(eco.normalise(&pkg))
                        .or_insert_with(|| (version, (*name).to_owned()));
                }
            }
            Err(e) => tracing::warn!("{}: ignored, {e}", path.display()),
        }
    }
    out
}

/// `[[package]] name = "…" version = "…"`.
pub fn poetry_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| format!("not valid TOML: {}", e.message()))?;
    Ok(doc
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_owned(),
                p.get("version")?.as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// `{"default": {"name": {"version": "==1.2.3"}}, "develop": {…}}`.
pub fn pipfile_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        for (name, entry) in doc
            .get(section)
            .and_then(|s| s.as_object())
            .into_iter()
            .flatten()
        {
            if let Some(v) = entry.get("version").and_then(|v| v.as_str()) {
                out.push((name.clone(), v.trim_start_matches("==").to_owned()));
            }
        }
    }
    Ok(out)
}

/// v2/v3: `packages["node_modules/name"].version` (top-level installs only, not nested
/// copies); v1: `dependencies.name.version`.
pub fn package_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut out = Vec::new();
    if let Some(packages) = doc.get("packages").and_then(|p| p.as_object()) {
        for (key, entry) in packages {
            let Some(name) = key.strip_prefix("node_modules/") else {
                continue;
            };
            if name.contains("/node_modules/") {
                continue;
            }
            if let Some(v) = entry.get("version").and_then(|v| v.as_str()) {
                out.push((name.to_owned(), v.to_owned()));
            }
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(|d| d.as_object()) {
        for (name, entry) in deps {
            if let Some(v) = entry.get("version").and_then(|v| v.as_str()) {
                out.push((name.clone(), v.to_owned()));
            }
        }
    }
    Ok(out)
}

/// The package name in a yarn/pnpm descriptor `name@range` (`@scope/name@range` keeps its
/// leading `@`; Berry adds `npm:` to the range).
fn descriptor_name(descriptor: &str) -> Option<&str> {
    let d = descriptor.trim().trim_matches('"');
    // Skip a scope's leading `@`.
    let (at, _) = d.char_indices().skip(1).find(|&(_, c)| c == '@')?;
    Some(&d[..at])
}

/// Classic: `"lodash@^4.17.0", lodash@^4.17.21:` then `  version "4.17.21"`;
/// Berry: `"lodash@npm:^4.17.21":` then `  version: 4.17.21`.
pub fn yarn_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            current = line
                .trim_end_matches(':')
                .split(", ")
                .next()
                .and_then(descriptor_name)
                .map(str::to_owned);
            continue;
        }
        let t = line.trim();
        if let (Some(name), Some(v)) = (
            current.as_ref(),
            t.strip_prefix("version ")
                .or_else(|| t.strip_prefix("version:")),
        ) {
            if line.starts_with("  ") && !line.starts_with("   ") {
                out.push((name.clone(), v.trim().trim_matches('"').to_owned()));
                current = None;
            }
        }
    }
    if out.is_empty() && !text.trim().is_empty() && !text.contains("version") {
        return Err("no package versions found".to_owned());
    }
    Ok(out)
}

/// The keys of the top-level `packages:` map: `/name@1.2.3:` (v6), `name@1.2.3:` (v9),
/// `/name/1.2.3:` (v5), with any `(peer@x)` suffix dropped.
pub fn pnpm_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_packages = line.trim_end() == "packages:";
            continue;
        }
        if !in_packages || !line.starts_with("  ") || line.starts_with("   ") {
            continue;
        }
        let key = line.trim().trim_end_matches(':').trim_matches(['\'', '"']);
        let key = key.split('(').next().unwrap_or(key);
        let key = key.strip_prefix('/').unwrap_or(key);
        let parsed = match descriptor_name(key) {
            Some(name) => Some((name.to_owned(), key[name.len() + 1..].to_owned())),
            // v5: `name/1.2.3` or `@scope/name/1.2.3`.
            None => key
                .rsplit_once('/')
                .map(|(name, v)| (name.to_owned(), v.to_owned())),
        };
        if let Some((name, version)) = parsed {
            if version.starts_with(|c: char| c.is_ascii_digit()) {
                out.push((name, version));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lock_files() {
        let poetry = "[[package]]\nname = \"Django\"\nversion = \"3.2.1\"\n\n[[package]]\nname = \"pyyaml\"\nversion = \"5.4.1\"\n";
        assert_eq!(
            poetry_lock(poetry).unwrap(),
            [
                ("Django".into(), "3.2.1".into()),
                ("pyyaml".into(), "5.4.1".into())
            ]
        );
        let pipfile = r#"{"_meta": {}, "default": {"requests": {"version": "==2.19.0"}}, "develop": {"pytest": {"version": "==7.0.0"}, "local": {"path": "."}}}"#;
        assert_eq!(
            pipfile_lock(pipfile).unwrap(),
            [
                ("requests".into(), "2.19.0".into()),
                ("pytest".into(), "7.0.0".into())
            ]
        );
        assert!(poetry_lock("[[package]\n").is_err());
    }

    #[test]
    fn npm_lock_files() {
        let v3 = r#"{"lockfileVersion": 3, "packages": {"": {"name": "api"}, "node_modules/lodash": {"version": "4.17.20"}, "node_modules/@scope/x": {"version": "1.0.2"}, "node_modules/a/node_modules/lodash": {"version": "3.0.0"}}}"#;
        let mut got = package_lock(v3).unwrap();
        got.sort();
        assert_eq!(
            got,
            [
                ("@scope/x".into(), "1.0.2".into()),
                ("lodash".into(), "4.17.20".into())
            ]
        );
        let v1 = r#"{"lockfileVersion": 1, "dependencies": {"lodash": {"version": "4.17.4"}}}"#;
        assert_eq!(
            package_lock(v1).unwrap(),
            [("lodash".into(), "4.17.4".into())]
        );

        let classic = "# yarn lockfile v1\n\n\"@scope/x@^1.0.0\":\n  version \"1.0.5\"\n  resolved \"https://r/x\"\n\nlodash@^4.17.0, lodash@^4.17.19:\n  version \"4.17.19\"\n  dependencies:\n    foo \"1\"\n";
        assert_eq!(
            yarn_lock(classic).unwrap(),
            [
                ("@scope/x".into(), "1.0.5".into()),
                ("lodash".into(), "4.17.19".into())
            ]
        );
        let berry = "__metadata:\n  version: 6\n\n\"lodash@npm:^4.17.21\":\n  version: 4.17.21\n  resolution: \"lodash@npm:4.17.21\"\n";
        assert_eq!(
            yarn_lock(berry).unwrap(),
            [("lodash".into(), "4.17.21".into())]
        );

        let v6 = "lockfileVersion: '6.0'\n\ndependencies:\n  lodash:\n    specifier: ^4.17.0\n    version: 4.17.20\n\npackages:\n\n  /lodash@4.17.20:\n    resolution: {integrity: sha512-x}\n\n  /@scope/x@1.0.0(react@18.0.0):\n    dev: false\n";
        assert_eq!(
            pnpm_lock(v6).unwrap(),
            [
                ("lodash".into(), "4.17.20".into()),
                ("@scope/x".into(), "1.0.0".into())
            ]
        );
        let v9 = "lockfileVersion: '9.0'\n\npackages:\n\n  'express@4.17.1':\n    resolution: {}\n";
        assert_eq!(
            pnpm_lock(v9).unwrap(),
            [("express".into(), "4.17.1".into())]
        );
        // Odd lines never panic.
        assert!(yarn_lock(":\n  version \"1\"\né:\n").is_ok());
        assert!(pnpm_lock("packages:\n  :\n  é@1:\n").is_ok());
        let v5 = "lockfileVersion: 5.4\npackages:\n  /express/4.16.0:\n    dev: false\n";
        assert_eq!(
            pnpm_lock(v5).unwrap(),
            [("express".into(), "4.16.0".into())]
        );
    }

    #[test]
    fn lock_versions_win_over_manifest_ranges() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package-lock.json"),
            r#"{"lockfileVersion": 2, "packages": {"node_modules/express": {"version": "4.17.1"}}}"#,
        )
        .unwrap();
        let text = r#"{"dependencies": {"express": "^4.0.0"}}"#;
        let deps = super::super::manifests::parse(&dir.path().join("package.json"), text).unwrap();
        assert_eq!(deps[0].version.as_deref(), Some("4.17.1"));
        assert_eq!(
            deps[0].source,
            super::super::manifests::VersionSource::Lock("package-lock.json".into())
        );
    }
}
