//! The application model over the multi-file fixture apps: each framework's full route table
//! as a snapshot, models and clients, the index's incremental behaviour.

use std::path::{Path, PathBuf};

use backend_architect::app::{self, WorkspaceIndex};

fn app_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/apps")
        .join(name)
        .canonicalize()
        .unwrap()
}

fn index_of(name: &str) -> (WorkspaceIndex, String) {
    let dir = app_dir(name);
    let mut index = WorkspaceIndex::new();
    app::index_paths(&mut index, &app::walk(std::slice::from_ref(&dir)), &|_| {
        false
    });
    (index, dir.to_string_lossy().into_owned())
}

fn snapshot(name: &str, value: String) {
    insta::with_settings!({
        snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, value);
    });
}

#[test]
fn fastapi_route_table() {
    let (mut index, base) = index_of("fastapi");
    snapshot("apps__fastapi__routes", app::route_table(&mut index, &base));
}

#[test]
fn flask_route_table() {
    let (mut index, base) = index_of("flask");
    snapshot("apps__flask__routes", app::route_table(&mut index, &base));
}

#[test]
fn django_route_table() {
    let (mut index, base) = index_of("django");
    snapshot("apps__django__routes", app::route_table(&mut index, &base));
}

#[test]
fn express_route_table() {
    let (mut index, base) = index_of("express");
    snapshot("apps__express__routes", app::route_table(&mut index, &base));
}

/// NestJS: `@Controller` prefixes under `setGlobalPrefix`, controllers reached through
/// `@Module` imports, class and method guards, `@Public()`.
#[test]
fn nest_route_table() {
    let (mut index, base) = index_of("nest_api");
    snapshot(
        "apps__nest_api__routes",
        app::route_table(&mut index, &base),
    );
}

/// Koa: `@koa/router` routers with prefixes, nested with `router.use(path, child.routes())`.
#[test]
fn koa_route_table() {
    let (mut index, base) = index_of("koa_blog");
    snapshot(
        "apps__koa_blog__routes",
        app::route_table(&mut index, &base),
    );
}

/// Fastify: plugins registered with prefixes (a `module.exports` function, a named function,
/// a TypeScript `FastifyPluginAsync`, an inline plugin), `fastify.route({…})`, hooks from
/// `addHook` and route options, and a `fastify-plugin` that adds no hook.
#[test]
fn fastify_route_table() {
    let (mut index, base) = index_of("fastify_shop");
    snapshot(
        "apps__fastify_shop__routes",
        app::route_table(&mut index, &base),
    );
}

/// Models with their fields and where clients are created, per app, as text.
fn data_model(name: &str) -> String {
    let (index, base) = index_of(name);
    let mut out = Vec::new();
    for f in index.files() {
        let rel = f
            .key
            .strip_prefix(base.as_str())
            .unwrap_or(&f.key)
            .trim_start_matches('/');
        for m in &f.facts.models {
            out.push(format!("{rel}: {} model {}", m.kind.name(), m.name));
            for x in &m.fields {
                let mut line = format!("    {}: {}", x.name, x.ty);
                if let Some(fk) = &x.foreign_key {
                    line.push_str(&format!(" fk→{fk}"));
                }
                if let Some(r) = &x.relationship {
                    line.push_str(&format!(" rel→{r}"));
                }
                if x.indexed {
                    line.push_str(" indexed");
                }
                out.push(line);
            }
        }
        for c in &f.facts.clients {
            out.push(format!(
                "{rel}: client {} as {} in {}",
                c.kind,
                c.var.as_deref().unwrap_or("-"),
                c.function.as_deref().unwrap_or("module")
            ));
        }
    }
    out.join("\n") + "\n"
}

#[test]
fn data_models_and_clients() {
    let all: String = ["fastapi", "flask", "django", "express"]
        .iter()
        .map(|n| format!("## {n}\n{}", data_model(n)))
        .collect();
    snapshot("apps__models_and_clients", all);
}

/// `check` runs the cross-file pass over the files it checks: a duplicate across two files is
/// reported on both, and checking one file alone cannot see the other.
#[test]
fn check_reports_cross_file_findings() {
    let bin = env!("CARGO_BIN_EXE_backend-architect");
    let dir = app_dir("fastapi");
    let run = |paths: &[&str]| {
        let out = std::process::Command::new(bin)
            .current_dir(&dir)
            .args(["check", "--no-cache", "--format", "json"])
            .args(paths)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut found: Vec<(String, String)> = report
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or("").to_owned(),
                    f["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        found.sort();
        (out.status.code(), found)
    };
    let (code, found) = run(&["."]);
    assert_eq!(code, Some(1));
    let arc: Vec<(String, String)> = found
        .into_iter()
        .filter(|(_, c)| c.starts_with("ARC1"))
        .collect();
    assert_eq!(
        arc,
        vec![
            ("app/routers/admin.py".to_owned(), "ARC101".to_owned()),
            ("app/routers/users.py".to_owned(), "ARC101".to_owned()),
            ("app/routers/users.py".to_owned(), "ARC102".to_owned()),
            ("app/worker.py".to_owned(), "ARC103".to_owned()),
        ]
    );
    // One router alone: nothing mounts it and nothing duplicates it.
    let (_, found) = run(&["app/routers/admin.py"]);
    assert!(
        found.iter().all(|(_, c)| !c.starts_with("ARC1")),
        "{found:?}"
    );
}

/// hapi: `server.route` with route objects and arrays (spread from modules), plugins
/// (`exports.plugin`, `module.exports = { name, register }`, `module.exports = { plugin }`)
/// registered with `routes: { prefix }`, `server.auth.default` set in a plugin for the whole
/// server, `options: { auth: false }` and `{ mode: "try" }` opting out.
#[test]
fn hapi_route_table() {
    let (mut index, base) = index_of("hapi_library");
    snapshot(
        "apps__hapi_library__routes",
        app::route_table(&mut index, &base),
    );
}

/// Next.js: Pages API routes (`pages/api/posts/[id].ts`, methods from `req.method` checks) and
/// App Router route handlers (`app/api/bookmarks/[id]/route.ts`, route groups left out of the
/// URL) under one project owner; authentication from `getServerSession`, 401 answers and an
/// authenticating `middleware.ts` matcher.
#[test]
fn next_route_table() {
    let (mut index, base) = index_of("next_blog");
    snapshot(
        "apps__next_blog__routes",
        app::route_table(&mut index, &base),
    );
}

/// Fastify as `fastify-cli` generates it: chained `register(a).register(b)` calls,
/// `@fastify/autoload` folders with a module's `autoPrefix` (exported, or a property of the
/// plugin function) after the folder's prefix and `prefixOverride` replacing it.
#[test]
fn fastify_autoload_route_table() {
    let (mut index, base) = index_of("fastify_autoload");
    snapshot(
        "apps__fastify_autoload__routes",
        app::route_table(&mut index, &base),
    );
}
