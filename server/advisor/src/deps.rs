//! DEP001 findings for manifests: parse, look up in OSV (through the disk cache), and report
//! each vulnerable dependency on its line with a version bump as the fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cache::{self, OsvCache};
use super::manifests::{self, Dependency, VersionSource};
use super::osv::{self, Advisory, Query};
use ba_config::DependencySettings;
use ba_rules::dependencies::vulnerable_dependency::RULE;
use ba_rules::{Applicability, Edit, Finding, Fix, Severity};

/// OSV answers quickly; a slow mirror should not hold a CI job for long.
const OSV_TIMEOUT: Duration = Duration::from_secs(30);

/// Findings for one file (a manifest, or a file it includes with `-r`).
#[derive(Debug)]
pub struct FileFindings {
    pub path: PathBuf,
    pub text: String,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Default)]
pub struct DepReport {
    pub files: Vec<FileFindings>,
    /// One line for the user when results are cached because the endpoint failed.
    pub notice: Option<String>,
    /// Manifests that could not be read or parsed.
    pub errors: Vec<String>,
}

/// Checks the given manifests (path and current text). Files included with `-r` get their
/// own entry in the report. Never fails: problems end up in `notice` and `errors`.
pub async fn check(
    manifests: &[(PathBuf, String)],
    settings: &DependencySettings,
    cache_dir: Option<&Path>,
) -> DepReport {
    let mut report = DepReport::default();
    let mut deps: Vec<Dependency> = Vec::new();
    for (path, text) in manifests {
        match manifests::parse(path, text) {
            Ok(d) => deps.extend(d),
            Err(e) => report.errors.push(format!("{}: {e}", path.display())),
        }
    }
    // The same entry can be reached twice (two manifests including one file).
    deps.sort_by(|a, b| (&a.file, a.range.start).cmp(&(&b.file, b.range.start)));
    deps.dedup_by(|a, b| a.file == b.file && a.range == b.range);

    let endpoint = settings.osv_endpoint.as_str();
    let mut cache = OsvCache::open(cache_dir);
    let mut queries: Vec<Query> = deps
        .iter()
        .filter_map(|d| {
            Some(Query {
                ecosystem: d.ecosystem,
                name: d.name.clone(),
                version: d.version.clone()?,
            })
        })
        .collect();
    queries.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version).cmp(&(b.ecosystem, &b.name, &b.version))
    });
    queries.dedup();
    let missing: Vec<Query> = queries
        .iter()
        .filter(|q| cache.fresh(endpoint, q, settings.cache_ttl_hours).is_none())
        .cloned()
        .collect();
    let mut results: Vec<(Query, Vec<Advisory>)> = queries
        .iter()
        .filter_map(|q| {
            cache
                .fresh(endpoint, q, settings.cache_ttl_hours)
                .map(|a| (q.clone(), a.to_vec()))
        })
        .collect();
    if !missing.is_empty() {
        match osv::lookup(endpoint, &missing, OSV_TIMEOUT).await {
            Ok(found) => {
                for (q, advisories) in missing.into_iter().zip(found) {
                    cache.put(endpoint, &q, advisories.clone());
                    results.push((q, advisories));
                }
                if let Err(e) = cache.save() {
                    tracing::warn!("could not write the OSV cache: {e}");
                }
            }
            Err(e) => {
                let mut oldest: Option<u64> = None;
                let mut uncached = 0;
                for q in missing {
                    match cache.stale(endpoint, &q) {
                        Some((a, fetched)) => {
                            oldest = Some(oldest.map_or(fetched, |o| o.min(fetched)));
                            results.push((q, a.to_vec()));
                        }
                        None => uncached += 1,
                    }
                }
                let age = oldest.map(|t| {
                    let hours = cache::now().saturating_sub(t) / 3600;
                    format!("cached results (up to {hours} h old)")
                });
                report.notice = Some(format!(
                    "dependency advisories: {e}; showing {}{}",
                    age.unwrap_or_else(|| "no results".to_owned()),
                    if uncached > 0 {
                        format!(", {uncached} dependencies not checked")
                    } else {
                        String::new()
                    }
                ));
            }
        }
    }

    let mut by_file: BTreeMap<PathBuf, Vec<Finding>> = BTreeMap::new();
    for d in &deps {
        let Some(version) = &d.version else { continue };
        let q = Query {
            ecosystem: d.ecosystem,
            name: d.name.clone(),
            version: version.clone(),
        };
        let Some((_, advisories)) = results.iter().find(|(r, _)| *r == q) else {
            continue;
        };
        if advisories.is_empty() {
            continue;
        }
        by_file
            .entry(d.file.clone())
            .or_default()
            .push(finding(d, version, advisories));
    }
    for (path, text) in manifests {
        by_file.entry(path.clone()).or_default();
        let findings = by_file.remove(path).unwrap_or_default();
        report.files.push(FileFindings {
            path: path.clone(),
            text: text.clone(),
            findings,
        });
    }
    // Included files: read from disk for their positions.
    for (path, findings) in by_file {
        match std::fs::read_to_string(&path) {
            Ok(text) => report.files.push(FileFindings {
                path,
                text,
                findings,
            }),
            Err(e) => report.errors.push(format!("{}: {e}", path.display())),
        }
    }
    report
}

fn severity_of(a: &Advisory) -> Severity {
    match a.severity.as_deref() {
        Some("CRITICAL" | "HIGH") => Severity::Error,
        Some("LOW") => Severity::Info,
        _ => Severity::Warning,
    }
}

fn describe(d: &Dependency, a: &Advisory, version: &str) -> String {
    let mut ids: Vec<&str> = a
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|x| x.starts_with("CVE-") || x.starts_with("GHSA-") || x.starts_with("PYSEC-"))
        .collect();
    ids.sort();
    let mut out = a.id.clone();
    let mut extra: Vec<String> = ids
        .into_iter()
        .filter(|x| *x != a.id)
        .map(str::to_owned)
        .collect();
    if let Some(s) = &a.severity {
        extra.push(s.to_ascii_lowercase());
    }
    if !extra.is_empty() {
        out.push_str(&format!(" ({})", extra.join(", ")));
    }
    if !a.summary.is_empty() {
        out.push_str(&format!(": {}", a.summary.trim_end_matches('.')));
    }
    match osv::fixed_after(d.ecosystem, a, version) {
        Some(f) => out.push_str(&format!(", fixed in {f}")),
        None => out.push_str(", no fixed version yet"),
    }
    out
}

fn finding(d: &Dependency, version: &str, advisories: &[Advisory]) -> Finding {
    let which = match &d.source {
        VersionSource::Pinned => format!("{} {version}", d.name),
        VersionSource::LowerBound => format!("{} (the range allows {version})", d.name),
        VersionSource::Lock(lock) => format!("{} {version} (locked in {lock})", d.name),
    };
    let count = advisories.len();
    let mut message = format!(
        "{which} has {count} known vulnerabilit{}: {}",
        if count == 1 { "y" } else { "ies" },
        advisories
            .iter()
            .map(|a| describe(d, a, version))
            .collect::<Vec<_>>()
            .join("; ")
    );
    // The lowest version that fixes every advisory, when each says what fixes it.
    let fixes: Option<Vec<&str>> = advisories
        .iter()
        .map(|a| osv::fixed_after(d.ecosystem, a, version))
        .collect();
    let target = fixes.and_then(|f| {
        f.into_iter()
            .max_by(|a, b| osv::compare_versions(d.ecosystem, a, b))
    });
    match target {
        Some(t) => message.push_str(&format!(". Upgrade to {t} or later.")),
        None => {
            message.push_str(". No fixed version covers every advisory; consider a replacement.")
        }
    }
    let fix = target.zip(d.version_range.clone()).map(|(t, range)| Fix {
        title: match &d.source {
            VersionSource::Lock(lock) => {
                format!("Upgrade {} to {t} (then update {lock})", d.name)
            }
            _ => format!("Upgrade {} to {t}", d.name),
        },
        // A new version can change behaviour: offered, never applied by fix-all.
        applicability: Applicability::Unsafe,
        imports: Vec::new(),
        edits: vec![Edit {
            range,
            content: t.to_owned(),
        }],
    });
    Finding {
        rule: &RULE,
        range: d.range.clone(),
        message,
        severity: advisories
            .iter()
            .map(severity_of)
            .min()
            .unwrap_or(RULE.severity),
        fix,
        related: Vec::new(),
        audit: false,
    }
}

/// Directories whose manifests belong to other projects (installed packages, build output).
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "site-packages",
    "dist-packages",
    ".venv",
    "venv",
    ".git",
    "bower_components",
    ".tox",
];

/// The manifests under `paths` (a manifest given directly counts too), sorted.
pub fn find_manifests(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            if manifests::is_manifest(path) {
                out.push(path.clone());
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
            })
            .build();
        for entry in walker.flatten() {
            if entry.file_type().is_some_and(|t| t.is_file())
                && manifests::is_manifest(entry.path())
            {
                out.push(entry.into_path());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `check` for callers without an async runtime (the CLI).
pub fn check_blocking(
    manifests: &[(PathBuf, String)],
    settings: &DependencySettings,
    cache_dir: Option<&Path>,
) -> DepReport {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(check(manifests, settings, cache_dir)),
        Err(e) => DepReport {
            errors: vec![format!("cannot start the HTTP runtime: {e}")],
            ..DepReport::default()
        },
    }
}
