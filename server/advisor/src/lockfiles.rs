//! Exact versions from lock files: `poetry.lock`, `Pipfile.lock` (Python) and
//! `package-lock.json` (v1–v3), `yarn.lock` (classic and Berry), `pnpm-lock.yaml` (npm), each
//! read by a parser of its format (TOML, JSON, `yarn_lock_parser`, YAML). Each parser maps a normalised package name to its locked version; a broken lock file is
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

/// The package name in a pnpm package key `name@version` (`@scope/name@version` keeps its
/// leading `@`).
fn descriptor_name(descriptor: &str) -> Option<&str> {
    let d = descriptor.trim();
    // Skip a scope's leading `@`.
    let (at, _) = d.char_indices().skip(1).find(|&(_, c)| c == '@')?;
    Some(&d[..at])
}

/// yarn.lock (`yarn_lock_parser`), classic (`"lodash@^4.17.0", lodash@^4.17.21:` then
/// `  version "4.17.21"`) and Berry (`"lodash@npm:^4.17.21":` then `  version: 4.17.21`).
/// Packages that do not come from the registry (workspaces, `link:`, `portal:`, `file:`,
/// git and URL descriptors) are skipped: their versions are not the registry's.
pub fn yarn_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    const NOT_REGISTRY: [&str; 9] = [
        "workspace:",
        "link:",
        "portal:",
        "file:",
        "exec:",
        "git+",
        "git:",
        "github:",
        "http",
    ];
    let lock = yarn_lock_parser::parse_str(text).map_err(|e| format!("not a yarn.lock: {e}"))?;
    Ok(lock
        .entries
        .iter()
        .filter(|entry| {
            !entry
                .descriptors
                .iter()
                .all(|(_, range)| NOT_REGISTRY.iter().any(|p| range.starts_with(p)))
        })
        .map(|entry| (entry.name.to_owned(), entry.version.to_owned()))
        .collect())
}

/// pnpm-lock.yaml, read as YAML (`serde_saphyr`). The direct dependencies' versions first
/// (v6+: `importers['.']`, or the top-level `dependencies` of a v5/v6 single-project lock;
/// `version: 4.18.2(react@18.2.0)` or v5's `4.16.0_react@18.2.0` without the peer suffix,
/// `link:` and aliases skipped), then every key of `packages`: `name@1.2.3` (v9),
/// `/name@1.2.3` (v6), `/name/1.2.3` (v5), with any `(peer@x)` suffix dropped. The direct
/// dependency comes first because `packages` may hold several versions of one name.
pub fn pnpm_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut options = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    // A monorepo's lock file is large, and the defaults are sized for configuration files.
    budget.max_events = 40_000_000;
    budget.max_nodes = 10_000_000;
    options.budget = Some(budget);
    options.with_snippet = false;
    let lock: pnpm::Lock = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| format!("not valid pnpm-lock YAML: {e}"))?;
    let mut out = Vec::new();
    let root = lock.importers.as_ref().and_then(|i| i.get("."));
    for deps in [root, Some(&lock.root)].into_iter().flatten() {
        for section in [
            &deps.dependencies,
            &deps.dev_dependencies,
            &deps.optional_dependencies,
        ] {
            for (name, version) in section.iter().flatten() {
                let version = version.version();
                let version = version.split(['(', '_']).next().unwrap_or(version);
                if version.starts_with(|c: char| c.is_ascii_digit()) {
                    out.push((name.clone(), version.to_owned()));
                }
            }
        }
    }
    for key in lock.packages.map(|p| p.0).unwrap_or_default() {
        let key = key.split('(').next().unwrap_or(&key);
        let key = key.strip_prefix('/').unwrap_or(key);
        let parsed = match descriptor_name(key) {
            Some(name) => Some((name.to_owned(), key[name.len() + 1..].to_owned())),
            // v5: `name/1.2.3` or `@scope/name/1.2.3`, peers after `_`.
            None => key.rsplit_once('/').map(|(name, v)| {
                let v = v.split('_').next().unwrap_or(v);
                (name.to_owned(), v.to_owned())
            }),
        };
        if let Some((name, version)) = parsed {
            if version.starts_with(|c: char| c.is_ascii_digit()) {
                out.push((name, version));
            }
        }
    }
    Ok(out)
}

/// The parts of a pnpm lock file the advisor reads; the rest is skipped unread.
mod pnpm {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Lock {
        pub importers: Option<BTreeMap<String, Dependencies>>,
        /// v5 and v6 single-project locks keep the sections at the top level.
        #[serde(flatten)]
        pub root: Dependencies,
        pub packages: Option<Keys>,
    }

    #[derive(Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Dependencies {
        pub dependencies: Option<BTreeMap<String, Version>>,
        pub dev_dependencies: Option<BTreeMap<String, Version>>,
        pub optional_dependencies: Option<BTreeMap<String, Version>>,
    }

    /// v5: `express: 4.16.0`; v6 and later: `express: {specifier: ^4.16.0, version: 4.16.0}`.
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub enum Version {
        Plain(String),
        Resolved { version: String },
    }

    impl Version {
        pub fn version(&self) -> &str {
            match self {
                Self::Plain(v) | Self::Resolved { version: v } => v,
            }
        }
    }

    /// A mapping's keys in file order, values skipped.
    pub struct Keys(pub Vec<String>);

    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct KeysVisitor;
            impl<'de> Visitor<'de> for KeysVisitor {
                type Value = Keys;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a mapping")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                        keys.push(key);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(KeysVisitor)
        }
    }
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

        assert_eq!(
            yarn_lock(YARN_CLASSIC).unwrap(),
            [
                ("@babel/code-frame".into(), "7.23.5".into()),
                ("debug".into(), "2.6.9".into()),
                ("debug".into(), "4.3.4".into()),
                ("lodash".into(), "4.17.21".into()),
            ]
        );
        assert_eq!(
            yarn_lock(YARN_BERRY).unwrap(),
            [
                ("@types/node".into(), "20.11.5".into()),
                ("debug".into(), "4.3.4".into()),
                ("string-width-cjs".into(), "4.2.3".into()),
                ("typescript".into(), "5.3.3".into()),
                ("typescript".into(), "5.3.3".into()),
            ]
        );
        assert!(
            yarn_lock("# yarn lockfile v1\n").is_err(),
            "one header line"
        );
        // Odd lines never panic.
        let _ = yarn_lock(":\n  version \"1\"\né:\n");
        let _ = pnpm_lock("packages:\n  :\n  é@1:\n");
    }

    /// yarn 1 (`yarn install`, trimmed): a local `file:` package and a git dependency are not
    /// the registry's.
    const YARN_CLASSIC: &str = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.22.13":
  version "7.23.5"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.23.5.tgz#9009b69a8c602293476ad598ff53e4562e15c244"
  integrity sha512-CgH3s1a96LipHCmSUmYFPwY7MNx8C3avkq7i4Wl3cfa662ldtUe4VM1TPXX70pfmrlWTb6jLqTYrZyT2ZTJBgA==
  dependencies:
    "@babel/highlight" "^7.23.4"
    chalk "^2.4.2"

debug@2.6.9:
  version "2.6.9"
  resolved "https://registry.yarnpkg.com/debug/-/debug-2.6.9.tgz#5d128515df134ff327e90a4c93f4e077a536341f"
  integrity sha512-bC7ElrdJaJnPbAP+1EotYvqZsb3ecl5wi6Bfi6BJTUcNowp6cvspg0jXznRTKDjm/E7AdgFBVeAPVMNcKGsHMA==
  dependencies:
    ms "2.0.0"

debug@^4.1.0, debug@^4.3.4:
  version "4.3.4"
  resolved "https://registry.yarnpkg.com/debug/-/debug-4.3.4.tgz#1319f6579357f2338d3337d2cdd4914bb5dcc865"
  integrity sha512-PRWFHuSU3eDtQJPvnNY7Jcket1j0t5OuOsFzPPzsekD52Zl8qUfFIPEiswXqIvHWGVHOgX+7G/vCNNhehwxfkQ==
  dependencies:
    ms "2.1.2"

"left-pad@git+https://github.com/left-pad/left-pad.git#v1.3.0":
  version "1.3.0"
  resolved "git+https://github.com/left-pad/left-pad.git#5e9f8f7a2e8e2d6a7f5e3b5c2b7a9d8e6f5c4b3a"

lodash@^4.17.21:
  version "4.17.21"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"
  integrity sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==

"mylib@file:../mylib":
  version "0.1.0"
"#;

    /// yarn 4 (Berry, trimmed): the workspace itself is not the registry's; a patched package
    /// keeps its version.
    const YARN_BERRY: &str = r#"# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"@types/node@npm:^20.11.0":
  version: 20.11.5
  resolution: "@types/node@npm:20.11.5"
  dependencies:
    undici-types: "npm:~5.26.4"
  checksum: 10c0/6d18cec852f5cfbed3ec42b5c01c026e7a3f9da540d6e3d6738d4cee9979fb308cf27b6df7d1bb7d8ba7e3c4e4b0e3a3d0d3e3f3c3b3a3d3e3f3c3b3a3d3e3
  languageName: node
  linkType: hard

"api@workspace:.":
  version: 0.0.0-use.local
  resolution: "api@workspace:."
  dependencies:
    "@types/node": "npm:^20.11.0"
    debug: "npm:^4.3.4"
    typescript: "npm:^5.3.3"
  languageName: unknown
  linkType: soft

"debug@npm:^4.3.4":
  version: 4.3.4
  resolution: "debug@npm:4.3.4"
  dependencies:
    ms: "npm:2.1.2"
  peerDependenciesMeta:
    supports-color:
      optional: true
  checksum: 10c0/cedbec45298dd5c501d01b92b119cd3faebe5438c3917ff11ae1bff86a6c722930ac9c8659792824013168ba6db7c4668225d845c633fbdafbbf902a6389f736
  languageName: node
  linkType: hard

"string-width-cjs@npm:string-width@^4.2.0":
  version: 4.2.3
  resolution: "string-width@npm:4.2.3"
  languageName: node
  linkType: hard

"typescript@npm:^5.3.3":
  version: 5.3.3
  resolution: "typescript@npm:5.3.3"
  bin:
    tsc: bin/tsc
    tsserver: bin/tsserver
  checksum: 10c0/e33cef99d82573624fc0f854a2980322714986bc35b9cb4d1ce736ed182aeab78e2cb32b385efa493b2a976ef52c53e20d6c6918312353a91850e2b76f1ea44f
  languageName: node
  linkType: hard

"typescript@patch:typescript@npm%3A^5.3.3#optional!builtin<compat/typescript>":
  version: 5.3.3
  resolution: "typescript@patch:typescript@npm%3A5.3.3#optional!builtin<compat/typescript>::version=5.3.3&hash=e012d7"
  bin:
    tsc: bin/tsc
    tsserver: bin/tsserver
  checksum: 10c0/1d0a5f4ce496c42caa9a30e659c467c5686eae15d54b027ee7866744952547f1be1262f2d40de911618c242b510029d51d43ff605dba8fb740ec85ca2d3f9500
  languageName: node
  linkType: hard
"#;

    /// pnpm 9 (`pnpm install` of a workspace, trimmed): the direct dependency's version comes
    /// from the root importer, before `packages`' other versions of the same name.
    const PNPM_V9: &str = r#"lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      debug:
        specifier: ^4.3.4
        version: 4.3.4(supports-color@8.1.1)
      express:
        specifier: ^4.18.2
        version: 4.18.2
      shared:
        specifier: workspace:*
        version: link:packages/shared
      string-width-cjs:
        specifier: npm:string-width@^4.2.0
        version: string-width@4.2.3
    devDependencies:
      typescript:
        specifier: ^5.3.3
        version: 5.3.3

  packages/shared:
    dependencies:
      lodash:
        specifier: ^4.17.21
        version: 4.17.21

packages:

  '@babel/code-frame@7.23.5':
    resolution: {integrity: sha512-CgH3s1a96LipHCmSUmYFPwY7MNx8C3avkq7i4Wl3cfa662ldtUe4VM1TPXX70pfmrlWTb6jLqTYrZyT2ZTJBgA==}
    engines: {node: '>=6.9.0'}

  debug@2.6.9:
    resolution: {integrity: sha512-bC7ElrdJaJnPbAP+1EotYvqZsb3ecl5wi6Bfi6BJTUcNowp6cvspg0jXznRTKDjm/E7AdgFBVeAPVMNcKGsHMA==}

  debug@4.3.4:
    resolution: {integrity: sha512-PRWFHuSU3eDtQJPvnNY7Jcket1j0t5OuOsFzPPzsekD52Zl8qUfFIPEiswXqIvHWGVHOgX+7G/vCNNhehwxfkQ==}
    engines: {node: '>=6.0'}
    peerDependencies:
      supports-color: '*'
    peerDependenciesMeta:
      supports-color:
        optional: true

  express@4.18.2:
    resolution: {integrity: sha512-5/PsL6iGPdfQ/lKM1UuielYgv3BUoJfz1aUwU9vHZ+J7gyvwdQXFEBIEIaxeGf0GIcreATNyBExtalisDbuMqQ==}
    engines: {node: '>= 0.10.0'}

snapshots:

  '@babel/code-frame@7.23.5':
    dependencies:
      '@babel/highlight': 7.23.4
      chalk: 2.4.2

  debug@4.3.4(supports-color@8.1.1):
    dependencies:
      ms: 2.1.2
    optionalDependencies:
      supports-color: 8.1.1
"#;

    #[test]
    fn pnpm_lock_files() {
        assert_eq!(
            pnpm_lock(PNPM_V9).unwrap(),
            [
                ("debug".into(), "4.3.4".into()),
                ("express".into(), "4.18.2".into()),
                ("typescript".into(), "5.3.3".into()),
                ("@babel/code-frame".into(), "7.23.5".into()),
                ("debug".into(), "2.6.9".into()),
                ("debug".into(), "4.3.4".into()),
                ("express".into(), "4.18.2".into()),
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pnpm-lock.yaml"), PNPM_V9).unwrap();
        let locked = locked_versions(dir.path(), Some(Ecosystem::Npm));
        assert_eq!(
            locked["debug"].0, "4.3.4",
            "the direct dependency's version"
        );

        // pnpm 8 (lock file 6.0), one project: sections at the top level.
        let v6 = "lockfileVersion: '6.0'\n\nsettings:\n  autoInstallPeers: true\n\ndependencies:\n  lodash:\n    specifier: ^4.17.0\n    version: 4.17.20\n\npackages:\n\n  /lodash@4.17.20:\n    resolution: {integrity: sha512-x}\n    dev: false\n\n  /@scope/x@1.0.0(react@18.0.0):\n    resolution: {integrity: sha512-y}\n    peerDependencies:\n      react: '>=16'\n    dev: false\n";
        assert_eq!(
            pnpm_lock(v6).unwrap(),
            [
                ("lodash".into(), "4.17.20".into()),
                ("lodash".into(), "4.17.20".into()),
                ("@scope/x".into(), "1.0.0".into())
            ]
        );
        // pnpm 7 (lock file 5.4): plain versions, `_` before peers, `/name/version` keys.
        let v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  express: ^4.16.0\n  react-dom: ^18.2.0\n\ndependencies:\n  express: 4.16.0\n  react-dom: 18.2.0_react@18.2.0\n\npackages:\n\n  /express/4.16.0:\n    resolution: {integrity: sha512-z}\n    dependencies:\n      accepts: 1.3.8\n    dev: false\n\n  /@types/node/20.1.0:\n    dev: true\n";
        assert_eq!(
            pnpm_lock(v5).unwrap(),
            [
                ("express".into(), "4.16.0".into()),
                ("react-dom".into(), "18.2.0".into()),
                ("express".into(), "4.16.0".into()),
                ("@types/node".into(), "20.1.0".into())
            ]
        );
        assert!(pnpm_lock("lockfileVersion: '9.0'\n").unwrap().is_empty());
        assert!(pnpm_lock("packages: [\n").is_err());
        assert!(pnpm_lock("packages:\n  - a\n").is_err());
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
