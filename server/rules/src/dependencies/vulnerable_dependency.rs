//! DEP001 vulnerable-dependency: a dependency version with a published advisory in OSV.

use crate::{Category, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "DEP001",
    name: "vulnerable-dependency",
    category: Category::Dependencies,
    severity: Severity::Warning,
    cwe: &[1395],
    owasp: Some("A06:2021 Vulnerable and Outdated Components"),
    summary: "This dependency version has a published vulnerability; upgrade to a fixed version.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::EVERY,
    checks: &[],
};

const DOCS: &str = r#"## What it does

Looks up the versions your manifests and lock files pin in the [OSV](https://osv.dev) database
and reports each dependency with a published advisory on its line in the manifest, with the
advisory ids (GHSA, CVE, PYSEC), the severity, a summary and the versions that fix it. Reads
`requirements*.txt` (pins, ranges and `-r` includes), `pyproject.toml` (PEP 621 and Poetry),
`poetry.lock`, `Pipfile.lock`, `package.json` with `package-lock.json` (v2/v3), `yarn.lock`
and `pnpm-lock.yaml`; an exact version from a lock file wins over the manifest's range, and a
range without a lock file is judged by the lowest version it allows.

Off by default: enable it with `[dependencies] osv = true` (the editor then checks manifests
when they are opened) or run `backend-architect check --deps`. Results are cached on disk for
`cache_ttl_hours`; when the endpoint cannot be reached the cached results are used and a
one-line notice says so.

## Why is this bad?

A known vulnerability in a dependency is the easiest one to exploit: the advisory describes
it, and often a public exploit exists. Most are fixed by a patch or minor upgrade.

## Example

```text
# requirements.txt
jinja2==2.10
```

## Use instead

```text
# requirements.txt
jinja2==2.11.3
```

The quick fix replaces the version with the lowest version that fixes every advisory reported
on the line. Run your tests after upgrading: a fixed version can still change behaviour.

## References

- [CWE-1395: Dependency on Vulnerable Third-Party Component](https://cwe.mitre.org/data/definitions/1395.html)
- [OWASP A06:2021 Vulnerable and Outdated Components](https://owasp.org/Top10/A06_2021-Vulnerable_and_Outdated_Components/)
- [OSV API](https://google.github.io/osv.dev/api/)
"#;
