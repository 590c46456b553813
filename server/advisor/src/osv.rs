//! The OSV API: `POST /v1/querybatch` for which advisories affect each (package, version),
//! then `GET /v1/vulns/{id}` for the details of each hit (summary, aliases, severity, fixed
//! versions).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::http::{json_request, HttpError};
use super::manifests::Ecosystem;

/// One package version to look up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
}

/// What we keep of one advisory for one package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    /// CVE, GHSA and PYSEC ids of the same advisory.
    pub aliases: Vec<String>,
    pub summary: String,
    /// `CRITICAL`, `HIGH`, `MODERATE`, `LOW` as the database rates it, if it does.
    pub severity: Option<String>,
    /// Versions that fix it for this package (one per affected range).
    pub fixed: Vec<String>,
}

/// Detail requests in flight at once.
const PARALLEL_DETAILS: usize = 4;
/// The API takes at most 1000 queries per batch.
const BATCH: usize = 1000;

/// The advisories for each query, in the order of `queries`.
pub async fn lookup(
    endpoint: &str,
    queries: &[Query],
    timeout: Duration,
) -> Result<Vec<Vec<Advisory>>, HttpError> {
    let url = format!("{endpoint}/v1/querybatch");
    let mut ids: Vec<Vec<String>> = Vec::with_capacity(queries.len());
    for chunk in queries.chunks(BATCH) {
        let body = json!({
            "queries": chunk.iter().map(|q| json!({
                "package": {"name": q.name, "ecosystem": q.ecosystem.osv_name()},
                "version": q.version,
            })).collect::<Vec<_>>()
        });
        let answer = json_request(&url, Some(&body), None, timeout).await?;
        let results = answer
            .get("results")
            .and_then(Value::as_array)
            .filter(|r| r.len() == chunk.len())
            .ok_or_else(|| HttpError::Malformed {
                url: url.clone(),
                reason: format!("expected `results` with {} entries", chunk.len()),
            })?;
        for r in results {
            let vulns = r.get("vulns").and_then(Value::as_array);
            ids.push(
                vulns
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect(),
            );
        }
    }
    let mut unique: Vec<String> = ids.iter().flatten().cloned().collect();
    unique.sort();
    unique.dedup();
    let details: Vec<(String, Result<Value, HttpError>)> = stream::iter(unique)
        .map(|id: String| {
            let url = format!("{endpoint}/v1/vulns/{}", id.replace('/', "%2F"));
            async move {
                let r = json_request(&url, None, None, timeout).await;
                (id, r)
            }
        })
        .buffer_unordered(PARALLEL_DETAILS)
        .collect()
        .await;
    let mut by_id: HashMap<String, Value> = HashMap::new();
    for (id, result) in details {
        by_id.insert(id, result?);
    }
    Ok(queries
        .iter()
        .zip(&ids)
        .map(|(q, ids)| {
            ids.iter()
                .map(|id| advisory(id, by_id.get(id), q))
                .collect()
        })
        .collect())
}

/// The advisory `id` for package `q` from its OSV record (an id without a record keeps the
/// id alone, so the finding is still reported).
fn advisory(id: &str, record: Option<&Value>, q: &Query) -> Advisory {
    let empty = Value::Null;
    let r = record.unwrap_or(&empty);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").trim().to_owned();
    let mut summary = text(r.get("summary"));
    if summary.is_empty() {
        // Some records only have `details`: its first sentence.
        let details = text(r.get("details"));
        summary = details
            .split(". ")
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
    }
    let aliases = r
        .get("aliases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    let severity = r
        .pointer("/database_specific/severity")
        .and_then(Value::as_str)
        .map(|s| s.to_ascii_uppercase())
        .or_else(|| {
            r.get("severity")
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .and_then(|s| s.get("score"))
                .and_then(Value::as_str)
                .and_then(cvss_rating)
                .map(str::to_owned)
        });
    let wanted = q.ecosystem.normalise(&q.name);
    let mut fixed: Vec<String> = r
        .get("affected")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| {
            a.pointer("/package/name")
                .and_then(Value::as_str)
                .is_some_and(|n| q.ecosystem.normalise(n) == wanted)
        })
        .flat_map(|a| {
            a.get("ranges")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .flat_map(|range| {
            range
                .get("events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|e| e.get("fixed").and_then(Value::as_str).map(str::to_owned))
        .collect();
    fixed.sort_by(|a, b| compare_versions(q.ecosystem, a, b));
    fixed.dedup();
    Advisory {
        id: id.to_owned(),
        aliases,
        summary,
        severity,
        fixed,
    }
}

/// The qualitative rating of a CVSS vector (v2, v3.0, v3.1 or v4.0, as OSV's `severity[].score`
/// carries it) from its base score, in the words of the advisory databases: `CRITICAL`,
/// `HIGH`, `MODERATE`, `LOW`.
fn cvss_rating(vector: &str) -> Option<&'static str> {
    let cvss: cvss::Cvss = vector.trim().parse().ok()?;
    Some(match cvss.severity() {
        cvss::Severity::Critical => "CRITICAL",
        cvss::Severity::High => "HIGH",
        cvss::Severity::Medium => "MODERATE",
        cvss::Severity::Low | cvss::Severity::None => "LOW",
    })
}

/// Orders two versions by the ecosystem's rules: PEP 440 for PyPI (`1.0.dev1 < 1.0a1 <
/// 1.0rc9 < 1.0rc10 < 1.0 < 1.0.post1`, epochs, local versions) and SemVer precedence for npm
/// (`1.0.0-alpha < 1.0.0-alpha.9 < 1.0.0-alpha.10 < 1.0.0`, build metadata ignored). A version
/// the ecosystem's parser rejects (OSV records sometimes carry odd tags) is compared by
/// [`loose_compare`].
pub fn compare_versions(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    match ecosystem {
        Ecosystem::PyPI => {
            let parse = |v: &str| v.trim().parse::<pep440_rs::Version>().ok();
            if let (Some(x), Some(y)) = (parse(a), parse(b)) {
                return x.cmp(&y);
            }
        }
        Ecosystem::Npm => {
            // npm's own parsing (`nodejs_semver`, as for ranges) takes a leading `v` or `=`;
            // its order is SemVer precedence (build metadata ignored).
            let parse = |v: &str| nodejs_semver::Version::parse(v.trim()).ok();
            if let (Some(x), Some(y)) = (parse(a), parse(b)) {
                return x.cmp(&y);
            }
        }
    }
    loose_compare(a, b)
}

/// Orders versions that neither PEP 440 nor SemVer reads the way PyPI and npm mostly agree on:
/// numeric parts numerically, a pre-release (`1.0.0-rc1`, `1.0rc1`) before its release, other
/// text lexically.
pub fn loose_compare(a: &str, b: &str) -> Ordering {
    fn parts(v: &str) -> (Vec<u64>, String) {
        let v = v.trim().trim_start_matches(['v', '=']);
        let v = v.split('+').next().unwrap_or(v);
        let mut nums = Vec::new();
        let mut rest = String::new();
        for (i, piece) in v.split('.').enumerate() {
            let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() {
                rest = v.split('.').skip(i).collect::<Vec<_>>().join(".");
                break;
            }
            nums.push(digits.parse().unwrap_or(u64::MAX));
            if digits.len() < piece.len() {
                rest = piece[digits.len()..].trim_start_matches('-').to_owned();
                rest.push_str(
                    &v.split('.')
                        .skip(i + 1)
                        .map(|p| format!(".{p}"))
                        .collect::<String>(),
                );
                break;
            }
        }
        while nums.last() == Some(&0) {
            nums.pop();
        }
        (nums, rest)
    }
    let (an, ar) = parts(a);
    let (bn, br) = parts(b);
    an.cmp(&bn)
        .then_with(|| match (ar.is_empty(), br.is_empty()) {
            (true, true) => Ordering::Equal,
            // A post-release (`1.0.post1`) is after, anything else is a pre-release.
            (true, false) => {
                if br.starts_with("post") {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if ar.starts_with("post") {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => ar.cmp(&br),
        })
}

/// The lowest version after `current` that fixes the advisory, if it says.
pub fn fixed_after<'a>(
    ecosystem: Ecosystem,
    advisory: &'a Advisory,
    current: &str,
) -> Option<&'a str> {
    advisory
        .fixed
        .iter()
        .find(|f| compare_versions(ecosystem, f, current) == Ordering::Greater)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order() {
        use Ecosystem::{Npm, PyPI};
        use Ordering::*;
        for eco in [PyPI, Npm] {
            assert_eq!(compare_versions(eco, "2.10.0", "2.9.0"), Greater);
            assert_eq!(compare_versions(eco, "4.17.21", "4.17.20"), Greater);
            assert_eq!(compare_versions(eco, "v1.2.3", "1.2.3"), Equal);
            assert_eq!(compare_versions(eco, "1.0.0-rc1", "1.0.0"), Less);
        }
        assert_eq!(compare_versions(PyPI, "2.10", "2.9"), Greater);
        assert_eq!(compare_versions(PyPI, "2.10.0", "2.10"), Equal);
        assert_eq!(compare_versions(PyPI, "1.0rc1", "1.0"), Less);
        assert_eq!(compare_versions(PyPI, "1.0.post1", "1.0"), Greater);
        // What a plain comparison got wrong.
        assert_eq!(compare_versions(PyPI, "1.0.dev1", "1.0a1"), Less);
        assert_eq!(compare_versions(PyPI, "1.0rc10", "1.0rc9"), Greater);
        assert_eq!(compare_versions(PyPI, "1!1.0", "2.0"), Greater);
        assert_eq!(compare_versions(PyPI, "1.0+local.1", "1.0"), Greater);
        assert_eq!(
            compare_versions(Npm, "1.0.0-alpha.10", "1.0.0-alpha.9"),
            Greater
        );
        assert_eq!(compare_versions(Npm, "1.0.0-alpha", "1.0.0-alpha.1"), Less);
        assert_eq!(
            compare_versions(Npm, "1.0.0+build.2", "1.0.0+build.1"),
            Equal
        );
        // Neither parser reads these: the loose order still holds.
        assert_eq!(compare_versions(Npm, "2.10", "2.9"), Greater);
        assert_eq!(
            compare_versions(PyPI, "2.x-final", "2.x"),
            loose_compare("2.x-final", "2.x")
        );
    }

    #[test]
    fn cvss_ratings_from_base_scores() {
        // 5.3: confidentiality only, low.
        assert_eq!(
            cvss_rating("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"),
            Some("MODERATE")
        );
        // 9.8: an impact-only reading called this HIGH.
        assert_eq!(
            cvss_rating("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some("CRITICAL")
        );
        // 3.8: a high impact, but physical access, high complexity, high privileges and user
        // interaction; the impact-only reading called this HIGH as well.
        assert_eq!(
            cvss_rating("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:H/I:N/A:N"),
            Some("LOW")
        );
        assert_eq!(cvss_rating("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some("HIGH"));
        assert_eq!(
            cvss_rating("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some("CRITICAL")
        );
        assert_eq!(cvss_rating("CVSS:3.1/garbage"), None);
        assert_eq!(cvss_rating(""), None);
    }

    #[test]
    fn advisory_from_record() {
        let record = json!({
            "id": "GHSA-xxxx",
            "summary": "Prototype pollution in lodash",
            "aliases": ["CVE-2021-23337"],
            "database_specific": {"severity": "high"},
            "affected": [
                {"package": {"name": "lodash", "ecosystem": "npm"},
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]},
                {"package": {"name": "lodash-es", "ecosystem": "npm"},
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "9.9.9"}]}]}
            ]
        });
        let q = Query {
            ecosystem: Ecosystem::Npm,
            name: "lodash".into(),
            version: "4.17.20".into(),
        };
        let a = advisory("GHSA-xxxx", Some(&record), &q);
        assert_eq!(a.fixed, ["4.17.21"]);
        assert_eq!(a.severity.as_deref(), Some("HIGH"));
        assert_eq!(a.aliases, ["CVE-2021-23337"]);
        assert_eq!(fixed_after(Ecosystem::Npm, &a, "4.17.20"), Some("4.17.21"));
        assert_eq!(fixed_after(Ecosystem::Npm, &a, "4.17.21"), None);
        let bare = advisory("PYSEC-1", None, &q);
        assert!(bare.fixed.is_empty() && bare.summary.is_empty());
    }
}
