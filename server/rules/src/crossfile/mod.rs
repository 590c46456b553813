//! Cross-file rules (`ARC101`–`ARC109`): they judge the application model, not one item, so
//! they run as a file-level pass over the workspace index after the per-item engine. Their
//! findings point at facts (a route, an app's creation) and take their byte ranges from the
//! current facts, so an edit that keeps a file's shape moves them without re-running anything.

pub mod duplicate_route;
pub mod finding;
pub mod graphql_mutation_auth;
pub mod missing_auth;
pub mod missing_health_check;
pub mod missing_migration;
pub mod websocket_auth;

use std::collections::HashMap;
use std::sync::Arc;

use crate::Rule;
use ba_app::WorkspaceIndex;

pub use finding::CrossFinding;

pub static RULES: &[&Rule] = &[
    &duplicate_route::RULE,
    &graphql_mutation_auth::RULE,
    &missing_auth::RULE,
    &missing_health_check::RULE,
    &missing_migration::RULE,
    &websocket_auth::RULE,
];

/// The languages a cross-file rule judges: both, except the Django-only ones.
pub fn families(rule: &Rule) -> Vec<ba_syntax::Family> {
    if rule.code == missing_migration::RULE.code {
        vec![ba_syntax::Family::Python]
    } else {
        vec![ba_syntax::Family::Python, ba_syntax::Family::JavaScript]
    }
}

/// Every rule with findings from this pass: the cross-file rules, and per-item rules that also
/// follow calls across files (PERF201: an async handler calling a blocking helper elsewhere;
/// PERF204: a call of a wrapper that forwards `**kwargs` to `requests` without a timeout;
/// PERF202: a list view whose serializer reads relations its queryset does not load).
pub static REPORTED: &[&Rule] = &[
    &duplicate_route::RULE,
    &graphql_mutation_auth::RULE,
    &missing_auth::RULE,
    &missing_health_check::RULE,
    &missing_migration::RULE,
    &websocket_auth::RULE,
    &crate::performance::blocking_call_in_async::RULE,
    &crate::performance::http_call_without_timeout::RULE,
    &crate::performance::n_plus_one_query::RULE,
];

/// Every cross-file finding of the workspace, grouped by file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CrossFindings {
    pub by_file: HashMap<Arc<str>, Vec<CrossFinding>>,
}

impl CrossFindings {
    pub fn compute(index: &mut WorkspaceIndex) -> Self {
        let resolved = index.resolved();
        let mut all = Vec::new();
        duplicate_route::check(&resolved, &mut all);
        missing_auth::check(&resolved, &mut all);
        missing_health_check::check(&resolved, &mut all);
        missing_migration::check(index, &mut all);
        graphql_mutation_auth::check(index, &mut all);
        websocket_auth::check(index, &resolved, &mut all);
        crate::performance::blocking_call_in_async::check_layers(index, &mut all);
        crate::performance::http_call_without_timeout::check_wrappers(index, &mut all);
        crate::performance::n_plus_one_query::check_serializers(index, &mut all);
        let mut by_file: HashMap<Arc<str>, Vec<CrossFinding>> = HashMap::new();
        for f in all {
            by_file.entry(f.at.0.clone()).or_default().push(f);
        }
        for v in by_file.values_mut() {
            v.sort();
            v.dedup();
        }
        CrossFindings { by_file }
    }

    /// Files whose findings differ between `self` and `other`.
    pub fn changed_files(&self, other: &CrossFindings) -> Vec<Arc<str>> {
        let mut out: Vec<Arc<str>> = self
            .by_file
            .keys()
            .chain(other.by_file.keys())
            .filter(|k| self.by_file.get(*k) != other.by_file.get(*k))
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// A short, stable description of where a fact lives, for messages (`users.py: list_users`).
pub fn file_name(key: &str) -> &str {
    key.rsplit(['/', '\\']).next().unwrap_or(key)
}

pub fn is_mutating(methods: &[String]) -> bool {
    methods
        .iter()
        .any(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::Language;

    fn findings(files: &[(&str, &str)]) -> Vec<(String, &'static str)> {
        let mut index = WorkspaceIndex::new();
        for (path, text) in files {
            let language = Language::from_path(std::path::Path::new(path)).unwrap();
            let tree = ba_syntax::parse::parse(language, text, None).unwrap();
            index.update(
                path,
                path,
                language,
                ba_app::extract(language, &tree, text, path),
            );
        }
        let cross = CrossFindings::compute(&mut index);
        let mut out: Vec<(String, &'static str)> = cross
            .by_file
            .values()
            .flatten()
            .map(|f| (f.at.0.to_string(), f.code))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn apps_in_tests_are_left_alone() {
        let app = "const express = require(\"express\");\nconst app = express();\napp.get(\"/a\", h);\napp.get(\"/a\", h2);\n";
        assert!(findings(&[("/p/test/app.test.js", app)]).is_empty());
        assert_eq!(
            findings(&[("/p/src/app.js", app)]),
            vec![
                ("/p/src/app.js".to_owned(), "ARC101"),
                ("/p/src/app.js".to_owned(), "ARC101"),
                ("/p/src/app.js".to_owned(), "ARC103"),
            ]
        );
    }

    #[test]
    fn blocking_helpers_are_followed_across_modules() {
        let main = "from fastapi import FastAPI\nfrom . import repo\nfrom .svc import load as load_it\nimport app.repo as r2\napp = FastAPI()\n@app.get(\"/health\")\nasync def health():\n    return {}\n@app.get(\"/a\")\nasync def a():\n    return repo.fetch(1)\n@app.get(\"/b\")\nasync def b():\n    return load_it()\n@app.get(\"/c\")\nasync def c():\n    return await repo.fetch_async(1)\n@app.get(\"/d\")\ndef d():\n    return r2.fetch(1)\n@app.get(\"/e\")\nasync def e():\n    return repo.pure(1)\n";
        let repo = "import requests\nimport httpx\ndef fetch(i):\n    return requests.get(f\"https://x/{i}\", timeout=5).json()\nasync def fetch_async(i):\n    async with httpx.AsyncClient() as c:\n        return (await c.get(\"https://x\")).json()\ndef pure(i):\n    return i * 2\n";
        let svc = "from .repo import fetch\ndef load():\n    return helper()\ndef helper():\n    return fetch(2)\n";
        let found = findings(&[
            ("/p/app/main.py", main),
            ("/p/app/repo.py", repo),
            ("/p/app/svc.py", svc),
            ("/p/app/__init__.py", ""),
        ]);
        // `a` (module attribute) and `b` (an aliased name, two layers down) block; `c` awaits
        // an async helper, `d` is a plain `def` (run in a thread pool), `e`'s helper computes.
        assert_eq!(
            found,
            vec![
                ("/p/app/main.py".to_owned(), "PERF201"),
                ("/p/app/main.py".to_owned(), "PERF201"),
            ]
        );
    }

    #[test]
    fn different_methods_or_apps_are_not_duplicates() {
        let a = "from fastapi import FastAPI\napp = FastAPI()\n@app.get(\"/x\")\ndef a():\n    pass\n@app.post(\"/x\")\ndef b():\n    pass\n@app.get(\"/health\")\ndef h():\n    pass\n";
        let b = "from fastapi import FastAPI\nother = FastAPI()\n@other.get(\"/x\")\ndef a():\n    pass\n@other.get(\"/healthz\")\ndef h():\n    pass\n";
        assert!(findings(&[("/p/a.py", a), ("/p/b.py", b)]).is_empty());
    }
}
