//! Per-framework knowledge the generators share, as one table: a row per framework, so that
//! supporting another framework is adding a row (and the generator-specific kits, such as
//! `metrics::KITS`), not a branch in every generator.

use super::Framework;
use ba_syntax::Family;

pub struct Row {
    pub framework: Framework,
    pub family: Family,
    /// The port its development server listens on by default (what a load test targets).
    pub port: u16,
    /// The dependency a project lists to use it (how `Project::framework` recognises it),
    /// in the order they are tried.
    pub packages: &'static [&'static str],
    /// Python: the production server (its package, and its command as a Dockerfile `CMD` with
    /// `{app}` the `module:variable` to serve and `{port}`); `None` for Node.
    pub server: Option<(&'static str, &'static str)>,
}

const GUNICORN: (&str, &str) = (
    "gunicorn",
    "[\"gunicorn\", \"--bind\", \"0.0.0.0:{port}\", \"--workers\", \"3\", \"{app}\"]",
);

/// In the order a project's dependencies are tried (FastAPI before Flask: FastAPI projects
/// often list Flask-free Starlette tooling, never the other way round).
pub const FRAMEWORKS: &[Row] = &[
    Row {
        framework: Framework::FastApi,
        family: Family::Python,
        port: 8000,
        packages: &["fastapi"],
        server: Some((
            "uvicorn",
            "[\"uvicorn\", \"{app}\", \"--host\", \"0.0.0.0\", \"--port\", \"{port}\", \"--proxy-headers\"]",
        )),
    },
    Row {
        framework: Framework::Django,
        family: Family::Python,
        port: 8000,
        packages: &["django", "djangorestframework"],
        // `{app}` is the project's WSGI application.
        server: Some(GUNICORN),
    },
    Row {
        framework: Framework::Flask,
        family: Family::Python,
        port: 5000,
        packages: &["flask"],
        server: Some(GUNICORN),
    },
    // NestJS before the servers it runs on (a Nest project may list `fastify` or `express`
    // for its platform adapter).
    Row {
        framework: Framework::NestJs,
        family: Family::JavaScript,
        port: 3000,
        packages: &["@nestjs/core"],
        server: None,
    },
    Row {
        framework: Framework::Fastify,
        family: Family::JavaScript,
        port: 3000,
        packages: &["fastify"],
        server: None,
    },
    Row {
        framework: Framework::Koa,
        family: Family::JavaScript,
        port: 3000,
        packages: &["koa"],
        server: None,
    },
    Row {
        framework: Framework::Express,
        family: Family::JavaScript,
        port: 3000,
        packages: &["express"],
        server: None,
    },
];

/// The row of a framework the generators support (hapi and Next.js have none).
pub fn try_row(framework: Framework) -> Option<&'static Row> {
    FRAMEWORKS.iter().find(|r| r.framework == framework)
}

/// The production server of a Python service (gunicorn when the framework is not known).
pub fn python_server(framework: Option<Framework>) -> (&'static str, &'static str) {
    framework
        .and_then(|f| try_row(f)?.server)
        .unwrap_or(GUNICORN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_framework_has_one_row() {
        for f in [
            Framework::FastApi,
            Framework::Flask,
            Framework::Django,
            Framework::Express,
            Framework::Koa,
            Framework::Fastify,
            Framework::NestJs,
        ] {
            assert_eq!(FRAMEWORKS.iter().filter(|r| r.framework == f).count(), 1);
            assert_eq!(try_row(f).map(|r| r.framework), Some(f));
        }
    }
}
