//! ARC103 missing-health-check: an application with routes and no health or readiness
//! endpoint, reported once where the application is created.

use super::CrossFinding;
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::Resolved;

pub static RULE: Rule = Rule {
    code: "ARC103",
    name: "missing-health-check",
    category: Category::Architecture,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "This application has routes but no health or readiness endpoint; add one (e.g. `GET /health`) so load balancers and orchestrators can tell whether it is up.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[],
};

const DOCS: &str = r#"## What it does
For each application (a FastAPI, Flask or Express app object, or the root URLconf of a Django
project, one with a `wsgi.py` or `asgi.py` beside it or a folder up; a reusable app's `urls.py`
is included by projects elsewhere, which own the health endpoint) it
collects every route reachable from it across files and reports, once at the place the
application is created, when none of them is a health, liveness or readiness endpoint: a path
segment such as `health`, `healthz`, `ready`, `readyz`, `live`, `livez`, `ping` or `status`, or a
third-party health app mounted under such a prefix (`include("health_check.urls")`,
`app.use("/health", …)`).

## Why is this bad?
Load balancers, Kubernetes probes and uptime monitors need a cheap endpoint that says whether the
process is alive and whether its dependencies are reachable. Without one they probe a real
endpoint (slow, authenticated, or with side effects) or nothing at all, and a wedged instance
keeps receiving traffic.

## Example
```python
app = FastAPI()
app.include_router(users.router)
```

## Use instead
```python
app = FastAPI()
app.include_router(users.router)

@app.get("/health")
def health():
    return {"status": "ok"}
```
Keep liveness trivial; let a readiness endpoint check the database and caches.

## References
- Kubernetes: [Configure liveness, readiness and startup probes](https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/)
- Microsoft Azure Architecture Center: [Health Endpoint Monitoring pattern](https://learn.microsoft.com/en-us/azure/architecture/patterns/health-endpoint-monitoring)
"#;

const HEALTH_WORDS: &[&str] = &[
    "health",
    "ready",
    "readiness",
    "readyz",
    "live",
    "liveness",
    "livez",
    "alive",
    "ping",
    "status",
    "heartbeat",
];

fn is_health(path: &str) -> bool {
    path.to_ascii_lowercase()
        .split(['/', ' ', '(', ')', '.', '-', '_'])
        .any(|seg| {
            HEALTH_WORDS.iter().any(|w| {
                seg.strip_prefix(w)
                    .is_some_and(|rest| matches!(rest, "" | "z" | "check" | "checks"))
            })
        })
}

pub fn check(resolved: &Resolved, out: &mut Vec<CrossFinding>) {
    for app in &resolved.apps {
        // Throwaway apps in tests and scripts are not deployed, nor is a reusable Django app's
        // URLconf (the project that includes it owns the health endpoint).
        if !app.class.serves_routes() || !app.deployed {
            continue;
        }
        let routes: Vec<_> = resolved
            .routes
            .iter()
            .filter(|r| r.app.as_ref() == Some(&app.at))
            .collect();
        if routes.is_empty()
            || routes.iter().any(|r| is_health(&r.path))
            || app.extra_paths.iter().any(|p| is_health(p))
        {
            continue;
        }
        out.push(CrossFinding {
            code: RULE.code,
            at: app.at.clone(),
            message: format!(
                "This {} application serves {} route{} but no health or readiness endpoint; add one such as `GET /health` so load balancers and orchestrators can tell whether it is up",
                app.framework.name(),
                routes.len(),
                if routes.len() == 1 { "" } else { "s" }
            ),
            severity: RULE.severity,
            related: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn health_paths() {
        for p in [
            "/health",
            "/healthz",
            "/api/readyz",
            "/ping",
            "/_health",
            "ht/ (health_check.urls)",
            "/status",
        ] {
            assert!(super::is_health(p), "{p}");
        }
        for p in ["/users", "/statistics/x", "/pingpong-tables-and-more"] {
            assert!(!super::is_health(p), "{p}");
        }
    }
}
