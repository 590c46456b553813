//! Direct dependencies from manifests, with the byte range of each one's entry (where the
//! diagnostic goes) and of its version (what the quick fix replaces). Exact versions come
//! from lock files (see `lockfiles`) when one is next to the manifest.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::lockfiles;

pub use super::ecosystem::Ecosystem;

/// Where a dependency's version comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSource {
    /// Pinned exactly in the manifest (`==1.2.3`, `"1.2.3"`).
    Pinned,
    /// The lowest version the manifest's range allows (`>=1.2`, `^1.2.3`), no lock file.
    LowerBound,
    /// Resolved by this lock file.
    Lock(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub ecosystem: Ecosystem,
    /// The requirement as written (`requests>=2.20`, `^4.17.0`).
    pub spec: String,
    /// The version to look up, if one can be told.
    pub version: Option<String>,
    pub source: VersionSource,
    /// The file the entry is in (a `-r` include can name another one).
    pub file: PathBuf,
    /// The entry in `file` (the diagnostic's range).
    pub range: Range<usize>,
    /// The version text in `file` that a bump replaces.
    pub version_range: Option<Range<usize>>,
}

/// Whether `path` is a manifest we read (lock files are read next to them, not on their own).
pub fn is_manifest(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name == "pyproject.toml"
        || name == "package.json"
        || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// Every direct dependency in the manifest at `path` with text `text` (files it includes are
/// read from disk), with versions from lock files beside it.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Dependency>, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut deps = if name == "pyproject.toml" {
        pyproject(path, text)?
    } else if name == "package.json" {
        package_json(path, text)?
    } else {
        let mut seen = vec![path.to_path_buf()];
        requirements(path, text, &mut seen, 0)
    };
    if let Some(dir) = path.parent() {
        let locked = lockfiles::locked_versions(dir, deps.first().map(|d| d.ecosystem));
        for d in &mut deps {
            if let Some((version, lock)) = locked.get(&d.ecosystem.normalise(&d.name)) {
                d.version = Some(version.clone());
                d.source = VersionSource::Lock(lock.clone());
            }
        }
    }
    Ok(deps)
}

// ---- requirements.txt -------------------------------------------------------------------

/// At most this many nested `-r` includes (a cycle stops earlier, at a file already read).
const MAX_INCLUDE_DEPTH: usize = 8;

fn requirements(path: &Path, text: &str, seen: &mut Vec<PathBuf>, depth: usize) -> Vec<Dependency> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        // A comment starts at `#` preceded by whitespace (or at the line start).
        let content_end = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
            .map_or(line.len(), |(i, _)| i);
        let content = line[..content_end].trim_end();
        let lead = content.len() - content.trim_start().len();
        let content = content.trim_start();
        if content.is_empty() {
            continue;
        }
        if let Some(rest) = content
            .strip_prefix("-r ")
            .or_else(|| content.strip_prefix("--requirement "))
            .or_else(|| content.strip_prefix("--requirement="))
            .or_else(|| content.strip_prefix("-r"))
        {
            let target = path.parent().unwrap_or(Path::new(".")).join(rest.trim());
            if depth < MAX_INCLUDE_DEPTH && !seen.contains(&target) {
                seen.push(target.clone());
                if let Ok(included) = std::fs::read_to_string(&target) {
                    out.extend(requirements(&target, &included, seen, depth + 1));
                }
            }
            continue;
        }
        if content.starts_with('-') || content.contains("://") || content.starts_with('.') {
            continue; // Options, URLs and local paths: nothing to look up.
        }
        // pip's own split: the requirement is the words before the first option
        // (`--hash=…`), and a trailing `\` continues the line (with the options).
        let content = content.trim_end_matches('\\').trim_end();
        let mut end = 0;
        for word in content.split(' ') {
            if word.starts_with('-') {
                break;
            }
            end += word.len() + 1;
        }
        let content = content[..end.min(content.len())].trim_end();
        let start = line_start + lead;
        if let Some(mut dep) = pep508(content, start) {
            dep.file = path.to_path_buf();
            out.push(dep);
        }
    }
    out
}

/// A PEP 508 requirement (`pep508_rs`) at byte `start`: `name[extras] (specifiers) ; markers`.
/// The version to look up is an exact one (`==`, `===`: pinned), else the first `>=` or `~=`
/// bound (its lower bound); `==1.*` and other ranges give none. URL requirements (`name @
/// https://…`) have nothing to look up, and a line that is not a requirement is skipped.
fn pep508(req: &str, start: usize) -> Option<Dependency> {
    use pep508_rs::pep440_rs::Operator;
    use pep508_rs::{Requirement, VersionOrUrl};

    // The written name (`Flask_SQLAlchemy`, not its normalised form) and where the
    // specifiers are written: after the extras, before the markers.
    let name_len = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    let mut specs_at = name_len;
    let extras = req[name_len..].trim_start().strip_prefix('[');
    if extras.is_some() {
        specs_at += req[name_len..].find(']')? + 1;
    }
    // pep508_rs 0.9.2 panics on a name or extra that ends in `.`, `-` or `_` (`0.~`,
    // `requests[socks-]`) instead of rejecting it; neither is a requirement.
    let ends_well = |name: &str| name.trim().ends_with(|c: char| c.is_ascii_alphanumeric());
    let extras_end = extras.map_or(0, |e| e.find(']').unwrap_or(e.len()));
    if !ends_well(&req[..name_len])
        || extras.is_some_and(|e| {
            e[..extras_end]
                .split(',')
                .any(|x| !x.trim().is_empty() && !ends_well(x))
        })
    {
        return None;
    }
    // A URL requirement (`name @ https://…`, `name @ ./dir`) has nothing to look up; reading
    // its URL would resolve relative paths against the current directory.
    if req[specs_at..].trim_start().starts_with('@') {
        return None;
    }
    let parsed = std::panic::catch_unwind(|| req.parse::<Requirement>());
    let parsed = match parsed {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(e)) => {
            tracing::debug!("not a requirement: {req:?}: {e}");
            return None;
        }
        Err(_) => {
            tracing::warn!("pep508_rs panicked on {req:?}");
            return None;
        }
    };
    let specifiers = match &parsed.version_or_url {
        Some(VersionOrUrl::Url(_)) => return None,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => &specifiers[..],
        None => &[],
    };
    let mut chosen = None;
    for specifier in specifiers {
        // `===` (arbitrary equality) is a deprecated variant of `Operator`: named by its text.
        let exact =
            *specifier.operator() == Operator::Equal || specifier.operator().to_string() == "===";
        if exact {
            chosen = Some((specifier, VersionSource::Pinned));
            break;
        }
        let lower = matches!(
            specifier.operator(),
            Operator::GreaterThanEqual | Operator::TildeEqual
        );
        if lower && chosen.is_none() {
            chosen = Some((specifier, VersionSource::LowerBound));
        }
    }
    let specs_end = req[specs_at..]
        .find(';')
        .map_or(req.len(), |i| specs_at + i);
    let version_range = chosen.as_ref().and_then(|(specifier, _)| {
        let operator = specifier.operator().to_string();
        let mut at = specs_at;
        for clause in req[specs_at..specs_end].split(',') {
            let clause_at = at;
            at += clause.len() + 1;
            let trimmed = clause.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
            let Some(rest) = trimmed.strip_prefix(operator.as_str()) else {
                continue;
            };
            let text = rest.trim_end_matches(|c: char| c.is_whitespace() || c == ')');
            let text = text.trim_start();
            if text.parse::<pep508_rs::pep440_rs::Version>().ok().as_ref()
                != Some(specifier.version())
            {
                continue;
            }
            let v_at = clause_at
                + (clause.len() - trimmed.len())
                + operator.len()
                + (rest.len() - rest.trim_start().len());
            return Some(start + v_at..start + v_at + text.len());
        }
        None
    });
    let (version, source) = match chosen {
        Some((specifier, source)) => (Some(specifier.version().to_string()), source),
        None => (None, VersionSource::LowerBound),
    };
    Some(Dependency {
        name: req[..name_len].to_owned(),
        ecosystem: Ecosystem::PyPI,
        spec: req[..specs_end].trim().to_owned(),
        version,
        source,
        file: PathBuf::new(),
        range: start..start + req.trim_end().len(),
        version_range,
    })
}

// ---- pyproject.toml ---------------------------------------------------------------------

/// The byte range of the quoted string `value` in `text` at or after `from`.
fn find_quoted(text: &str, value: &str, from: usize) -> Option<Range<usize>> {
    for q in ['"', '\''] {
        let needle = format!("{q}{value}{q}");
        if let Some(i) = text[from.min(text.len())..].find(&needle) {
            let s = from + i + 1;
            return Some(s..s + value.len());
        }
    }
    None
}

/// The byte offset of the line that opens TOML table `header` (`[tool.poetry.dependencies]`).
fn table_start(text: &str, header: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') && t.trim_matches(['[', ']']).replace(['"', ' '], "") == header {
            return Some(offset + line.len());
        }
        offset += line.len();
    }
    None
}

/// The range of the line `key = …` in the table that starts at `from`.
fn key_line(text: &str, key: &str, from: usize) -> Option<Range<usize>> {
    let mut offset = from;
    for line in text[from.min(text.len())..].split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('[') {
            return None;
        }
        let lead = line.len() - t.len();
        let k = t
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        if t.contains('=') && k == key {
            let end = offset + line.trim_end().len();
            return Some(offset + lead..end);
        }
        offset += line.len();
    }
    None
}

fn pyproject(path: &Path, text: &str) -> Result<Vec<Dependency>, String> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| format!("not valid TOML: {}", e.message()))?;
    let mut out = Vec::new();
    // PEP 621: `[project] dependencies` and `[project.optional-dependencies]`.
    let project = doc.get("project");
    let mut lists: Vec<&toml::Value> = Vec::new();
    if let Some(deps) = project.and_then(|p| p.get("dependencies")) {
        lists.push(deps);
    }
    if let Some(optional) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(|o| o.as_table())
    {
        lists.extend(optional.values());
    }
    let mut cursor = 0;
    for list in lists {
        for req in list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
        {
            let Some(range) = find_quoted(text, req, cursor).or_else(|| find_quoted(text, req, 0))
            else {
                continue;
            };
            cursor = range.end;
            if let Some(mut dep) = pep508(req, range.start) {
                dep.file = path.to_path_buf();
                out.push(dep);
            }
        }
    }
    // Poetry: `[tool.poetry.dependencies]`, `dev-dependencies` and groups.
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    let mut tables: Vec<(String, &toml::Table)> = Vec::new();
    for key in ["dependencies", "dev-dependencies"] {
        if let Some(t) = poetry.and_then(|p| p.get(key)).and_then(|t| t.as_table()) {
            tables.push((format!("tool.poetry.{key}"), t));
        }
    }
    if let Some(groups) = poetry
        .and_then(|p| p.get("group"))
        .and_then(|g| g.as_table())
    {
        for (group, g) in groups {
            if let Some(t) = g.get("dependencies").and_then(|t| t.as_table()) {
                tables.push((format!("tool.poetry.group.{group}.dependencies"), t));
            }
        }
    }
    for (header, table) in tables {
        let Some(start) = table_start(text, &header) else {
            continue;
        };
        for (name, value) in table {
            if name == "python" {
                continue;
            }
            let spec = match value {
                toml::Value::String(s) => s.as_str(),
                toml::Value::Table(t) => match t.get("version").and_then(|v| v.as_str()) {
                    Some(s) => s,
                    None => continue, // git/path dependencies
                },
                _ => continue,
            };
            let Some(line) = key_line(text, name, start) else {
                continue;
            };
            let (version, source) = lower_bound_poetry(spec);
            let version_range = version
                .as_ref()
                .and_then(|_| find_quoted(&text[..line.end], spec, line.start))
                .and_then(|r| {
                    let v = version.as_deref()?;
                    let i = text[r.clone()].find(v)?;
                    Some(r.start + i..r.start + i + v.len())
                });
            out.push(Dependency {
                name: name.clone(),
                ecosystem: Ecosystem::PyPI,
                spec: spec.to_owned(),
                version,
                source,
                file: path.to_path_buf(),
                range: line,
                version_range,
            });
        }
    }
    Ok(out)
}

/// Poetry constraints: `1.2.3` and `==1.2.3` are exact; `^1.2`, `~1.2`, `>=1.2` give their
/// lower bound; anything else (`*`, `<2`) no version.
fn lower_bound_poetry(spec: &str) -> (Option<String>, VersionSource) {
    let first = spec.split(',').next().unwrap_or("").trim();
    if let Some(v) = first.strip_prefix("==") {
        return (Some(v.trim().to_owned()), VersionSource::Pinned);
    }
    for op in [">=", "^", "~=", "~"] {
        if let Some(v) = first.strip_prefix(op) {
            let v = v.trim();
            if !v.is_empty() && !v.contains('*') {
                return (Some(v.to_owned()), VersionSource::LowerBound);
            }
        }
    }
    if first.starts_with(|c: char| c.is_ascii_digit()) && !first.contains('*') {
        return (Some(first.to_owned()), VersionSource::Pinned);
    }
    (None, VersionSource::LowerBound)
}

// ---- package.json -----------------------------------------------------------------------

fn package_json(path: &Path, text: &str) -> Result<Vec<Dependency>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut out = Vec::new();
    for section in ["dependencies", "devDependencies", "optionalDependencies"] {
        let Some(map) = doc.get(section).and_then(|m| m.as_object()) else {
            continue;
        };
        let Some(section_at) = text.find(&format!("\"{section}\"")) else {
            continue;
        };
        for (name, spec) in map {
            let Some(spec) = spec.as_str() else { continue };
            let key = format!("\"{name}\"");
            let Some(key_at) = text[section_at..].find(&key).map(|i| section_at + i) else {
                continue;
            };
            let after_key = key_at + key.len();
            let Some(value) = find_quoted(text, spec, after_key) else {
                continue;
            };
            let (version, source, in_spec) = npm_lower_bound(spec);
            let version_range = in_spec.map(|r| value.start + r.start..value.start + r.end);
            out.push(Dependency {
                name: name.clone(),
                ecosystem: Ecosystem::Npm,
                spec: spec.to_owned(),
                version,
                source,
                file: path.to_path_buf(),
                range: key_at..value.end + 1,
                version_range,
            });
        }
    }
    Ok(out)
}

/// An npm range as npm reads it (`nodejs_semver`): the lowest version it allows, when that
/// version is written in it, whether the range allows only that version, and where in `spec`
/// its text is when a bump may replace it (not in an x-range such as `1.x`: that would pin
/// it). `^1.2.3`, `~1.2`, `>=1.2.3 <2`, `1.2.3 - 2`, `^1.2 || >=3 <4` and `1.x` have lower
/// bounds; `1.2.3`, `=1.2.3` and `v1.2.3` are pinned; tags, URLs, `file:`, `workspace:` and
/// `npm:` aliases are not ranges, and `*`, `<2` or `>1.2.3` name no lowest version of their own.
fn npm_lower_bound(spec: &str) -> (Option<String>, VersionSource, Option<Range<usize>>) {
    let none = (None, VersionSource::LowerBound, None);
    let Ok(range) = nodejs_semver::Range::parse(spec) else {
        return none;
    };
    let Some(min) = range.min_version() else {
        return none;
    };
    // The version tokens of the range (`1.2.3-beta.1`, `1.x`), delimited by what is not part
    // of one: operators, spaces, `||`.
    let is_token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '*');
    let mut at = 0;
    let mut found = None;
    while at < spec.len() {
        let rest = &spec[at..];
        let Some(start) = rest.find(is_token) else {
            break;
        };
        let len = rest[start..]
            .find(|c| !is_token(c))
            .unwrap_or(rest.len() - start);
        let token = &rest[start..start + len];
        let skip = usize::from(token.starts_with(['v', 'V']));
        let version = &token[skip..];
        let token_at = at + start + skip;
        at += start + len;
        if !version.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let lowest = nodejs_semver::Range::parse(version)
            .ok()
            .and_then(|r| r.min_version());
        if lowest.as_ref() == Some(&min) {
            let wildcard = version.split('.').any(|p| matches!(p, "x" | "X" | "*"));
            found = Some((!wildcard).then(|| token_at..token_at + version.len()));
            break;
        }
    }
    let Some(text) = found else {
        return none;
    };
    let pinned =
        nodejs_semver::Range::parse(min.to_string()).is_ok_and(|exact| exact.allows_all(&range));
    let source = if pinned {
        VersionSource::Pinned
    } else {
        VersionSource::LowerBound
    };
    (Some(min.to_string()), source, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, r: &Option<Range<usize>>) -> &'a str {
        &text[r.clone().unwrap()]
    }

    #[test]
    fn requirements_pins_ranges_and_includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.txt"), "Jinja2==2.10  # pinned\n").unwrap();
        let text = "# app\n-r base.txt\nrequests[socks] >= 2.19.0, <3 ; python_version > '3.8'\nflask\ndjango~=3.2.1\n-e git+https://x/y.git\nurllib3==1.*\n";
        let path = dir.path().join("requirements.txt");
        let deps = parse(&path, text).unwrap();
        let names: Vec<_> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Jinja2", "requests", "flask", "django", "urllib3"]);
        assert_eq!(deps[0].file, dir.path().join("base.txt"));
        assert_eq!(deps[0].version.as_deref(), Some("2.10"));
        assert_eq!(deps[0].source, VersionSource::Pinned);
        let r = &deps[1];
        assert_eq!(r.version.as_deref(), Some("2.19.0"));
        assert_eq!(r.source, VersionSource::LowerBound);
        assert_eq!(at(text, &r.version_range), "2.19.0");
        assert_eq!(
            &text[r.range.clone()],
            "requests[socks] >= 2.19.0, <3 ; python_version > '3.8'"
        );
        assert_eq!(deps[2].version, None);
        assert_eq!(at(text, &deps[3].version_range), "3.2.1");
        assert_eq!(deps[4].version, None, "wildcards are not versions");
    }

    #[test]
    fn pep508_lines_as_pip_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        // pip-compile output: hashes on continuation lines, `# via` comments.
        let text = "certifi==2024.2.2 \\\n    --hash=sha256:0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f \\\n    --hash=sha256:dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1\n    # via requests\n\
            requests[socks,security] (>=2.19.0, <3) ; python_version > \"3.8\" and extra == 'x'\n\
            Flask_SQLAlchemy>=3.0 --config-settings=k=v\n\
            pytz===2016.10\n\
            idna>2.5,!=3.0\n\
            numpy ~= 1.26.0.RC1\n\
            mylib @ file:///opt/mylib\n\
            pip @ https://github.com/pypa/pip/archive/22.0.2.zip\n\
            not a requirement!\n";
        let path = dir.path().join("requirements.txt");
        let deps = parse(&path, text).unwrap();
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.version.as_deref(),
                    d.source.clone(),
                    d.version_range.as_ref().map(|r| &text[r.clone()]),
                )
            })
            .collect();
        use VersionSource::{LowerBound, Pinned};
        assert_eq!(
            got,
            [
                ("certifi", Some("2024.2.2"), Pinned, Some("2024.2.2")),
                ("requests", Some("2.19.0"), LowerBound, Some("2.19.0")),
                ("Flask_SQLAlchemy", Some("3.0"), LowerBound, Some("3.0")),
                ("pytz", Some("2016.10"), Pinned, Some("2016.10")),
                ("idna", None, LowerBound, None),
                // The normalised version is looked up; the written one is replaced.
                ("numpy", Some("1.26.0rc1"), LowerBound, Some("1.26.0.RC1")),
            ]
        );
        assert_eq!(deps[0].spec, "certifi==2024.2.2");
        assert_eq!(deps[1].spec, "requests[socks,security] (>=2.19.0, <3)");
        assert_eq!(deps[2].spec, "Flask_SQLAlchemy>=3.0");
        // pep508_rs 0.9.2 panics on these instead of rejecting them.
        for line in [
            "0.~",
            "requests[socks-]>=2",
            "requests[a,b_] ==1",
            "x @ ./local",
        ] {
            assert_eq!(pep508(line, 0), None, "{line}");
        }
    }

    #[test]
    fn include_cycles_stop() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.txt"),
            "-r requirements.txt\nflask==2.0.0\n",
        )
        .unwrap();
        let path = dir.path().join("requirements.txt");
        let deps = parse(&path, "-r a.txt\n").unwrap();
        assert_eq!(deps.len(), 1);
    }

    #[test]
    fn pyproject_pep621_and_poetry() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"[project]
name = "shop"
dependencies = [
    "fastapi>=0.100.0",
    'pyyaml==5.3',
]
[project.optional-dependencies]
dev = ["pytest==7.0.0"]

[tool.poetry.dependencies]
python = "^3.11"
django = "^3.2.0"
celery = { version = "5.2.1", extras = ["redis"] }
mylib = { path = "../mylib" }

[tool.poetry.group.dev.dependencies]
black = "==22.1.0"
"#;
        let deps = parse(&dir.path().join("pyproject.toml"), text).unwrap();
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.version.as_deref(),
                    at(text, &d.version_range),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("fastapi", Some("0.100.0"), "0.100.0"),
                ("pyyaml", Some("5.3"), "5.3"),
                ("pytest", Some("7.0.0"), "7.0.0"),
                ("celery", Some("5.2.1"), "5.2.1"),
                ("django", Some("3.2.0"), "3.2.0"),
                ("black", Some("22.1.0"), "22.1.0"),
            ]
        );
        assert!(text[deps[4].range.clone()].starts_with("django = "));
        assert!(parse(&dir.path().join("pyproject.toml"), "[project\n").is_err());
    }

    #[test]
    fn package_json_sections_and_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"{
  "name": "api",
  "dependencies": { "express": "^4.17.1", "lodash": "4.17.20", "left-pad": "latest", "@scope/x": "~1.0.0" },
  "devDependencies": { "jest": ">=29.0.0 <30", "mine": "file:../mine" }
}"#;
        let deps = parse(&dir.path().join("package.json"), text).unwrap();
        let got: Vec<_> = deps
            .iter()
            .map(|d| (d.name.as_str(), d.version.as_deref(), d.source.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("@scope/x", Some("1.0.0"), VersionSource::LowerBound),
                ("express", Some("4.17.1"), VersionSource::LowerBound),
                ("left-pad", None, VersionSource::LowerBound),
                ("lodash", Some("4.17.20"), VersionSource::Pinned),
                ("jest", Some("29.0.0"), VersionSource::LowerBound),
                ("mine", None, VersionSource::LowerBound),
            ]
        );
        assert_eq!(&text[deps[3].range.clone()], "\"lodash\": \"4.17.20\"");
        assert_eq!(at(text, &deps[3].version_range), "4.17.20");
    }

    #[test]
    fn npm_ranges_as_npm_reads_them() {
        use VersionSource::{LowerBound, Pinned};
        let cases: &[(&str, Option<&str>, VersionSource, Option<&str>)] = &[
            ("^4.17.1", Some("4.17.1"), LowerBound, Some("4.17.1")),
            ("~1.2", Some("1.2.0"), LowerBound, Some("1.2")),
            ("^1.2 || >=3 <4", Some("1.2.0"), LowerBound, Some("1.2")),
            (">=3 <4 || ^1.2", Some("1.2.0"), LowerBound, Some("1.2")),
            (">= 2.0.0 < 3", Some("2.0.0"), LowerBound, Some("2.0.0")),
            ("1.2.3 - 2.3.4", Some("1.2.3"), LowerBound, Some("1.2.3")),
            ("1.x", Some("1.0.0"), LowerBound, None),
            ("1.2.*", Some("1.2.0"), LowerBound, None),
            (
                "^1.2.3-beta.1",
                Some("1.2.3-beta.1"),
                LowerBound,
                Some("1.2.3-beta.1"),
            ),
            ("4.17.20", Some("4.17.20"), Pinned, Some("4.17.20")),
            ("=4.17.20", Some("4.17.20"), Pinned, Some("4.17.20")),
            ("v4.17.20", Some("4.17.20"), Pinned, Some("4.17.20")),
            // No lowest version written in the range.
            ("*", None, LowerBound, None),
            ("", None, LowerBound, None),
            ("<2", None, LowerBound, None),
            (">1.2.3", None, LowerBound, None),
            // Not ranges.
            ("latest", None, LowerBound, None),
            ("file:../mine", None, LowerBound, None),
            ("workspace:^1.0.0", None, LowerBound, None),
            ("npm:lodash@^4.17.0", None, LowerBound, None),
            ("github:user/repo#v1.2.3", None, LowerBound, None),
            ("https://example.com/x-1.2.3.tgz", None, LowerBound, None),
        ];
        for (spec, version, source, text) in cases {
            let (v, s, r) = npm_lower_bound(spec);
            let t = r.map(|r| &spec[r]);
            assert_eq!((v.as_deref(), &s, t), (*version, source, *text), "{spec:?}");
        }
    }

    #[test]
    fn pypi_names_normalise() {
        assert_eq!(
            Ecosystem::PyPI.normalise("Flask_SQLAlchemy"),
            "flask-sqlalchemy"
        );
        assert_eq!(
            Ecosystem::PyPI.normalise("zope.interface"),
            "zope-interface"
        );
        assert_eq!(Ecosystem::Npm.normalise("@Scope/X"), "@Scope/X");
    }
}
