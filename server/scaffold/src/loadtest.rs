//! The `loadTest` generator on the app object: a load test of the routes reachable from that
//! app (through routers mounted under prefixes, in other files): Locust for Python projects,
//! autocannon for Node. One task per route, path parameters filled in by type, JSON bodies
//! from the handler's model or the keys it reads, reads weighted over writes; run headless
//! with a duration, it exits non-zero when the p95 latency or the error rate is over a
//! threshold (both from the environment).
//!
//! Routes that need authentication are requested with `LOAD_TEST_TOKEN` as a bearer token
//! (without one they answer 401 and the error-rate threshold says so); `DELETE` routes are
//! left out (a load test must not empty the database it runs against).

use std::path::Path;

use super::app_object::App;
use super::frameworks::try_row;
use super::{
    err, free_path, routes, snake, tests_gen, Files, NewFile, Output, Project, Result, Source,
    Style,
};
use ba_app::{FileClass, WorkspaceIndex};
use ba_syntax::{parse, Family, Language};

/// A route the load test requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub method: String,
    /// The path as the framework writes it (the name requests are grouped under).
    pub template: String,
    /// The path with parameters filled in.
    pub url: String,
    /// JSON body keys and sample values (literals of the project's language).
    pub body: Vec<(String, String)>,
    pub name: String,
    pub weight: u8,
    /// The route needs authentication.
    pub auth: bool,
    /// A GraphQL endpoint: the body is a query, and an answer with `errors` is a failure.
    pub graphql: bool,
}

/// Paths that are not the API under load: probes and the metrics endpoint.
fn is_operational(path: &str) -> bool {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    matches!(
        last,
        "metrics" | "health" | "healthz" | "livez" | "readyz" | "ready" | "live" | "ping"
    )
}

/// The routes of the app in `src`, resolved through the project's routers (for Django, the
/// project's URLconfs from the root one).
pub fn targets(
    src: &Source,
    framework: ba_app::Framework,
    project: &Project,
    files: &dyn Files,
) -> Vec<Target> {
    targets_of(src, framework, project, files, None)
}

/// The routes of the app in `src`, or (`only`) the one whose handler is at that range of
/// `src`, whichever app mounts it.
fn targets_of(
    src: &Source,
    framework: ba_app::Framework,
    project: &Project,
    files: &dyn Files,
    only: Option<&std::ops::Range<usize>>,
) -> Vec<Target> {
    let key = src.path.to_string_lossy().into_owned();
    let mut index = WorkspaceIndex::new();
    let paths: Vec<_> = project.source_files().into_iter().map(|(p, _)| p).collect();
    ba_app::index_paths(&mut index, &paths, &|p| p == src.path);
    index.update(
        &key,
        &key,
        src.language,
        ba_app::extract(src.language, src.tree, src.text, &key),
    );
    let resolved = index.resolved();
    let mut out: Vec<Target> = Vec::new();
    for r in &resolved.routes {
        // A Django project has one root URLconf, whichever urls.py the cursor is in.
        let reachable = match (&r.app, only) {
            (None, _) => false,
            (Some(_), Some(range)) => {
                *r.handler.0 == *key
                    && index
                        .file(&key)
                        .and_then(|e| e.handler_range(r.handler.1))
                        .is_some_and(|h| range.start <= h.start && h.end <= range.end)
            }
            (Some(_), None) if framework == ba_app::Framework::Django => r.framework == framework,
            (Some((k, _)), None) => **k == *key,
        };
        if !reachable || r.class != FileClass::Runtime {
            continue;
        }
        let method = match r.methods.first().map(String::as_str) {
            None | Some("ANY") => "GET".to_owned(),
            Some(m) => m.to_owned(),
        };
        if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH") || is_operational(&r.path) {
            continue;
        }
        // Express, Koa and Fastify join a router's `/` to its prefix (`/api/dogs/`); they
        // answer both.
        let joins = matches!(
            r.framework,
            ba_app::Framework::Express | ba_app::Framework::Koa | ba_app::Framework::Fastify
        );
        let path = if joins && r.path.len() > 1 {
            r.path.trim_end_matches('/').to_owned()
        } else {
            r.path.clone()
        };
        // `app.all("/graphql", createHandler({ schema }))`: a GraphQL endpoint, not a REST route.
        let family = Language::from_path(Path::new(&*r.handler.0))
            .map_or(Family::JavaScript, |l| l.family());
        if serves_graphql(&r.handler_name, family) {
            if !out.iter().any(|t| t.graphql && t.template == path) {
                let slug: String = path
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                let name = format!("graphql_{}", slug.trim_matches('_'));
                out.push(graphql_target(path, name, project, files));
            }
            continue;
        }
        let (url, body) =
            sample(&index, r, &path, files).unwrap_or_else(|| (path.clone(), Vec::new()));
        if out.iter().any(|t| t.method == method && t.template == path) {
            continue;
        }
        let has_params = url != path;
        let weight = match (method.as_str(), has_params) {
            ("GET", false) => 3,
            ("GET", true) => 2,
            _ => 1,
        };
        let mut name = snake(&r.handler_name);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            name = format!("{}_{}", method.to_ascii_lowercase(), snake(&path));
        }
        while out.iter().any(|t| t.name == name) {
            name.push_str("_2");
        }
        out.push(Target {
            method,
            template: path,
            url,
            body,
            name,
            weight,
            // `public` is not trusted as is: an anonymous middleware in the chain (a metrics
            // or request-id `app.use((req, res, next) => …)`) reads as "anonymous" access.
            // NestJS's `@Public()` lifts the global guards only: a `@UseGuards(…)` of the
            // route's own still checks the caller.
            auth: r.auth
                && (!r
                    .chain
                    .iter()
                    .any(|d| d != "anonymous function" && ba_app::facts::is_public_name(d))
                    || (r.framework == ba_app::Framework::NestJs && own_guards(&index, r, files))),
            graphql: false,
        });
    }
    out
}

/// Whether a NestJS route carries `@UseGuards(…)` of its own (or its controller's).
fn own_guards(index: &WorkspaceIndex, r: &ba_app::ResolvedRoute, files: &dyn Files) -> bool {
    with_handler(index, r, files, |src, h| {
        routes::auth_texts(src, h)
            .iter()
            .any(|t| t.starts_with("@UseGuards"))
    })
    .unwrap_or(false)
}

/// Runs `f` on the parsed file and handler of a resolved route.
fn with_handler<T>(
    index: &WorkspaceIndex,
    r: &ba_app::ResolvedRoute,
    files: &dyn Files,
    f: impl FnOnce(&Source, &routes::Handler) -> T,
) -> Option<T> {
    let (key, anchor) = &r.handler;
    let entry = index.file(key)?;
    let at = entry.handler_range(*anchor)?.start;
    let file = Path::new(&**key);
    let text = files.read(file)?;
    let language = Language::from_path(file)?;
    let tree = parse::parse(language, &text, None)?;
    let src = Source {
        path: file,
        language,
        text: &text,
        tree: &tree,
    };
    let h = routes::handler_at(&src, at)?;
    Some(f(&src, &h))
}

/// The concrete URL and body for a resolved route, from its handler's code.
fn sample(
    index: &WorkspaceIndex,
    r: &ba_app::ResolvedRoute,
    path: &str,
    files: &dyn Files,
) -> Option<(String, Vec<(String, String)>)> {
    with_handler(index, r, files, |src, h| {
        let (url, body) = tests_gen::sample_request(src, h, path);
        // A NestJS handler rarely reads keys itself: its `@Body()` type says what to send.
        if body.is_empty() && r.framework == ba_app::Framework::NestJs {
            let typed = super::nest_body::body(src, h, files).unwrap_or_default();
            return (url, typed);
        }
        (url, body)
    })
}

pub fn generate(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    let mut targets = targets(src, app.framework, project, files);
    targets.extend(graphql_targets(src, app, project, files));
    if targets.is_empty() {
        return err("nothing to load-test: no route reachable from this app was found (DELETE routes, probes and /metrics are left out)");
    }
    let style = Style::detect(src);
    let Some(framework) = try_row(app.framework) else {
        return err(format!("no load test for {} yet", app.framework.name()));
    };
    let port = framework.port;
    let dir = project.root.join("loadtests");
    let file = match framework.family {
        Family::Python => NewFile {
            path: free_path(files, dir.join("locustfile.py")),
            content: style.render(&locustfile(project, &targets, port), ""),
        },
        Family::JavaScript => {
            let ext = if style.esm { "mjs" } else { "js" };
            NewFile {
                path: free_path(files, dir.join(format!("load-test.{ext}"))),
                content: style.render(&autocannon(project, &targets, port, style.esm), ""),
            }
        }
    };
    let mut out = Output {
        edits: Vec::new(),
        files: vec![file],
    };
    if framework.family == Family::JavaScript {
        if let Some(e) = super::manifest::add_dev_dependency(project, files, "autocannon", "^9.0.0")
        {
            out.edits.push(e);
        }
    }
    Ok(out)
}

/// `loadTestRoute` on a route handler: the same load test with this route alone, at its full
/// path (prefixes of the routers and apps that mount it), written beside the app's.
pub fn generate_route(
    src: &Source,
    h: &super::routes::Handler,
    project: &Project,
    files: &dyn Files,
) -> Result<Output> {
    if h.methods.iter().any(|m| m == "DELETE") && !h.methods.iter().any(|m| m == "GET") {
        return err("DELETE routes are not load-tested: a load test must not empty the database it runs against");
    }
    let mut targets = targets_of(src, h.framework, project, files, Some(&h.range));
    let mut unmounted = false;
    if targets.is_empty() {
        // No app found mounting it (a router included elsewhere, or not yet): the route's own
        // path, and the file says so.
        let Some(path) = h.path.clone() else {
            return err("this view has no path in the urls.py beside it: nothing to load-test");
        };
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        let (url, body) = tests_gen::sample_request(src, h, &path);
        let method = match h.methods.first().map(String::as_str) {
            None | Some("ANY") => "GET".to_owned(),
            Some(m) => m.to_owned(),
        };
        targets.push(Target {
            name: snake(&h.name),
            method,
            template: path,
            url,
            body,
            weight: 1,
            auth: !super::routes::auth_texts(src, h).is_empty(),
            graphql: false,
        });
        unmounted = true;
    }
    targets.truncate(1);
    targets[0].weight = 1;
    let style = Style::detect(src);
    let Some(framework) = try_row(h.framework) else {
        return err(format!("no load test for {} yet", h.framework.name()));
    };
    let dir = project.root.join("loadtests");
    let name = &snake(&h.name);
    let file = match framework.family {
        Family::Python => NewFile {
            path: free_path(files, dir.join(format!("locustfile_{name}.py"))),
            content: style.render(&locustfile(project, &targets, framework.port), ""),
        },
        Family::JavaScript => {
            let ext = if style.esm { "mjs" } else { "js" };
            let file = format!("load-test-{}.{ext}", name.replace('_', "-"));
            NewFile {
                content: style.render(
                    &autocannon(project, &targets, framework.port, style.esm).replace(
                        &format!("loadtests/load-test.{ext}"),
                        &format!("loadtests/{file}"),
                    ),
                    "",
                ),
                path: free_path(files, dir.join(file)),
            }
        }
    };
    let file = if framework.family == Family::Python {
        NewFile {
            content: file
                .content
                .replace(
                    "-f loadtests/locustfile.py",
                    &format!("-f loadtests/locustfile_{name}.py"),
                )
                .replace(
                    &format!("Load test of {} (generated", project.name),
                    &format!(
                        "Load test of {} {} in {} (generated",
                        targets[0].method, targets[0].template, project.name
                    ),
                ),
            ..file
        }
    } else {
        NewFile {
            content: file.content.replace(
                &format!("Load test of {} (generated", project.name),
                &format!(
                    "Load test of {} {} in {} (generated",
                    targets[0].method, targets[0].template, project.name
                ),
            ),
            ..file
        }
    };
    let file = if unmounted {
        let note = match framework.family {
            Family::Python => "# No app mounting this route was found: the path is the route's own. Add the\n# prefix it is served under (include_router/register_blueprint/include).\n",
            Family::JavaScript => "// No app mounting this route was found: the path is the route's own. Add the\n// prefix it is served under (app.use(\"/prefix\", router)).\n",
        };
        let marker = if framework.family == Family::Python {
            "import logging"
        } else {
            "const baseUrl"
        };
        let at = file.content.find(marker).unwrap_or(0);
        let mut content = file.content.clone();
        content.insert_str(at, &style.render(note, ""));
        NewFile { content, ..file }
    } else {
        file
    };
    let mut out = Output {
        edits: Vec::new(),
        files: vec![file],
    };
    if framework.family == Family::JavaScript {
        if let Some(e) = super::manifest::add_dev_dependency(project, files, "autocannon", "^9.0.0")
        {
            out.edits.push(e);
        }
    }
    Ok(out)
}

fn locustfile(project: &Project, targets: &[Target], port: u16) -> String {
    let mut s = format!(
        r#""""Load test of {name} (generated by backend-architect), with Locust.

Start the server, then run it headless for a minute (pip install locust):

    locust -f loadtests/locustfile.py --headless --users 20 --spawn-rate 5 --run-time 1m --host http://localhost:{port}

It exits with status 1 when the 95th percentile latency is above LOAD_TEST_MAX_P95_MS
(default 500) or the share of failed requests above LOAD_TEST_MAX_ERROR_RATE (default 0.01).
Path parameters are sample values: point them at records that exist. Routes that need
authentication get LOAD_TEST_TOKEN as a bearer token (adapt `on_start` if the API logs in
another way, e.g. a session cookie from its login route).
"""
import logging
import os

from locust import HttpUser, between, events, task

MAX_P95_MS = float(os.environ.get("LOAD_TEST_MAX_P95_MS", "500"))
MAX_ERROR_RATE = float(os.environ.get("LOAD_TEST_MAX_ERROR_RATE", "0.01"))


class ApiUser(HttpUser):
    """One simulated client; reads are weighted over writes."""

    wait_time = between(0.5, 2)

    def on_start(self):
        token = os.environ.get("LOAD_TEST_TOKEN")
        if token:
            self.client.headers["Authorization"] = f"Bearer {{token}}"
"#,
        name = project.name
    );
    for t in targets {
        let body = if t.body.is_empty() || t.method == "GET" {
            String::new()
        } else {
            let pairs: Vec<String> = t
                .body
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!(", json={{{}}}", pairs.join(", "))
        };
        let note = if t.auth {
            "        # Needs authentication (LOAD_TEST_TOKEN).\n"
        } else {
            ""
        };
        if t.graphql {
            s.push_str(&format!(
                "\n    @task({w})\n    def {n}(self):\n        # GraphQL answers 200 even when the query fails: an answer with errors is a failure.\n        with self.client.post(\"{u}\"{body}, name=\"{p}\", catch_response=True) as response:\n            if response.ok and '\"errors\"' in response.text:\n                response.failure(response.text[:200])\n",
                w = t.weight,
                n = t.name,
                u = t.url,
                p = t.template,
            ));
            continue;
        }
        s.push_str(&format!(
            "\n    @task({w})\n    def {n}(self):\n{note}        self.client.{m}(\"{u}\"{body}, name=\"{p}\")\n",
            w = t.weight,
            n = t.name,
            m = t.method.to_ascii_lowercase(),
            u = t.url,
            p = t.template,
        ));
    }
    s.push_str(
        r#"

@events.quitting.add_listener
def check_thresholds(environment, **kwargs):
    """Fail the run (exit status 1) when latency or errors are over the thresholds."""
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95) or 0
    if total.num_requests == 0:
        logging.error("no request was made")
        environment.process_exit_code = 1
    if total.fail_ratio > MAX_ERROR_RATE:
        logging.error("error rate %.2f%% is above %.2f%%", total.fail_ratio * 100, MAX_ERROR_RATE * 100)
        environment.process_exit_code = 1
    if p95 > MAX_P95_MS:
        logging.error("p95 latency %d ms is above %d ms", p95, MAX_P95_MS)
        environment.process_exit_code = 1
"#,
    );
    s
}

fn autocannon(project: &Project, targets: &[Target], port: u16, esm: bool) -> String {
    let import = if esm {
        "import autocannon from \"autocannon\";"
    } else {
        "const autocannon = require(\"autocannon\");"
    };
    let mut s = format!(
        r#"// Load test of {name} (generated by backend-architect), with autocannon.
//
// Start the server, then: node loadtests/load-test.{ext}
// BASE_URL (default http://localhost:{port}), DURATION in seconds (default 30), CONNECTIONS
// (default 10). It exits with status 1 when the 95th percentile latency is above
// LOAD_TEST_MAX_P95_MS (default 500) or the share of failed requests (errors, timeouts,
// non-2xx answers) above LOAD_TEST_MAX_ERROR_RATE (default 0.01).
// Path parameters are sample values: point them at records that exist. Requests carry
// LOAD_TEST_TOKEN as a bearer token when it is set (routes marked `auth` need it).
{import}

const baseUrl = process.env.BASE_URL || "http://localhost:{port}";
const duration = Number(process.env.DURATION || 30);
const connections = Number(process.env.CONNECTIONS || 10);
const maxP95 = Number(process.env.LOAD_TEST_MAX_P95_MS || 500);
const maxErrorRate = Number(process.env.LOAD_TEST_MAX_ERROR_RATE || 0.01);

// Each connection cycles through these; a route listed more often is requested more often
// (reads are weighted over writes).
const json = {{ "content-type": "application/json" }};
const routes = [
"#,
        name = project.name,
        ext = if esm { "mjs" } else { "js" },
    );
    for t in targets {
        let body = if t.body.is_empty() || t.method == "GET" {
            String::new()
        } else {
            let pairs: Vec<String> = t
                .body
                .iter()
                .map(|(k, v)| {
                    // A schema's property name need not be an identifier (`"first-name"`).
                    let plain = k
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                        && !k.starts_with(|c: char| c.is_ascii_digit());
                    if plain {
                        format!("{k}: {v}")
                    } else {
                        format!("{}: {v}", serde_json::Value::from(k.as_str()))
                    }
                })
                .collect();
            format!(
                ", headers: json, body: JSON.stringify({{ {} }})",
                pairs.join(", ")
            )
        };
        let note = if t.auth {
            " // needs authentication (LOAD_TEST_TOKEN)"
        } else {
            ""
        };
        let note = if t.graphql {
            " // GraphQL: an answer with errors counts as failed"
        } else {
            note
        };
        let body = if t.graphql {
            format!("{body}, onResponse: graphqlAnswer")
        } else {
            body
        };
        s.push_str(&format!(
            "    {{ weight: {w}, method: \"{m}\", path: \"{u}\"{body} }},{note}\n",
            w = t.weight,
            m = t.method,
            u = t.url,
        ));
    }
    s.push_str("];\n");
    if targets.iter().any(|t| t.graphql) {
        s.push_str(
            r#"// GraphQL answers 200 even when the query fails: such answers are counted as failures.
let graphqlFailures = 0;
function graphqlAnswer(status, body) {
    if (status === 200 && String(body).includes('"errors"')) graphqlFailures += 1;
}
"#,
        );
    }
    s.push_str(
        r#"const token = process.env.LOAD_TEST_TOKEN;
const authorization = token ? { authorization: `Bearer ${token}` } : {};
const requests = routes.flatMap(({ weight, headers, ...request }) =>
    Array(weight).fill({ ...request, headers: { ...headers, ...authorization } }),
);

// Every response's latency, for an exact p95 (autocannon's summary has p90 and p97.5).
const latencies = [];

const instance = autocannon({ url: baseUrl, duration, connections, requests }, (err, result) => {
    if (err) {
        console.error(err);
        process.exit(1);
    }
    latencies.sort((a, b) => a - b);
    const p95 = latencies.length ? latencies[Math.ceil(latencies.length * 0.95) - 1] : 0;
    // Completed requests answered non-2xx, and requests that failed (errors include timeouts).
    const total = result.requests.total;
    const failed = result.non2xx + result.errors{graphql_failures};
    const errorRate = total + result.errors ? failed / (total + result.errors) : 1;
    console.log(JSON.stringify({ requests: total, p95Ms: p95, errorRate }));
    if (total === 0 || p95 > maxP95 || errorRate > maxErrorRate) {
        console.error(`over the thresholds: p95 ${p95} ms (max ${maxP95}), error rate ${errorRate} (max ${maxErrorRate})`);
        process.exitCode = 1;
    }
});
instance.on("response", (client, statusCode, bytes, responseTime) => {
    latencies.push(responseTime);
});
autocannon.track(instance, { renderProgressBar: false });
"#,
    );
    let failures = if targets.iter().any(|t| t.graphql) {
        " + graphqlFailures"
    } else {
        ""
    };
    s.replace("{graphql_failures}", failures)
}

/// Callees that serve a GraphQL schema when an app mounts them: Strawberry's `GraphQLRouter`,
/// Ariadne's ASGI `GraphQL`, starlette-graphene3's `GraphQLApp`; Apollo's `expressMiddleware`,
/// graphql-http's `createHandler`, express-graphql's `graphqlHTTP`.
const GRAPHQL_MOUNTS: &[&str] = &[
    "GraphQLRouter",
    "GraphQL",
    "GraphQLApp",
    "expressMiddleware",
    "createHandler",
    "graphqlHTTP",
    "mercurius",
    "yoga",
];

/// Whether a mounted child or a route's handler (as the application model writes it: the call
/// in Python, the callee or variable in JavaScript) serves GraphQL.
fn serves_graphql(child: &str, family: Family) -> bool {
    let callee = child.split('(').next().unwrap_or("");
    (child.contains('(') || family == Family::JavaScript)
        && GRAPHQL_MOUNTS.contains(&callee.rsplit('.').next().unwrap_or(callee))
}

/// A GraphQL endpoint's task: a POST of a query of the project's schema.
fn graphql_target(path: String, name: String, project: &Project, files: &dyn Files) -> Target {
    let query = format!(
        "query LoadTest {{ {} }}",
        query_fields(project, files).join(" ")
    );
    Target {
        method: "POST".into(),
        url: path.clone(),
        template: path,
        body: vec![("query".into(), format!("\"{query}\""))],
        name,
        weight: 3,
        auth: false,
        graphql: true,
    }
}

/// The GraphQL endpoints the app mounts itself (`app.include_router(GraphQLRouter(schema),
/// prefix="/graphql")`, `app.mount("/graphql", GraphQL(schema))`, `app.use("/graphql",
/// expressMiddleware(server))`): a POST of a query of the project's schema each.
fn graphql_targets(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Vec<Target> {
    let key = src.path.to_string_lossy();
    let facts = ba_app::extract(src.language, src.tree, src.text, &key);
    let mut out: Vec<Target> = Vec::new();
    for m in facts.mounts.iter().filter(|m| m.parent == app.name) {
        // Python mounts keep the call as written; JavaScript ones its callee.
        let Some(child) = m.children.iter().find(|c| serves_graphql(c, src.family())) else {
            continue;
        };
        // Strawberry's router serves at its `path=` (default "") under the prefix; Mercurius
        // at its `path:` option (default `/graphql`).
        let mercurius = child == "mercurius";
        let (option, default, options) = if mercurius {
            ("path:", "/graphql", &src.text[m.span.0.clone()])
        } else {
            ("path=", "", child.as_str())
        };
        let own = options
            .split_once(option)
            .and_then(|(_, rest)| {
                let rest = rest.trim_start();
                let q = rest
                    .chars()
                    .next()
                    .filter(|c| matches!(c, '"' | '\'' | '`'))?;
                rest[1..].split(q).next()
            })
            .unwrap_or(default);
        let mut path = format!(
            "{}{}",
            m.prefix.as_deref().unwrap_or("").trim_end_matches('/'),
            own
        );
        if path.is_empty() {
            path = "/".into();
        }
        if out.iter().any(|t| t.template == path) {
            continue;
        }
        let name = if out.is_empty() {
            "graphql_query".into()
        } else {
            format!("graphql_query_{}", out.len() + 1)
        };
        out.push(graphql_target(path, name, project, files));
    }
    out
}

/// GraphQL scalars, as SDL and Python annotations name them.
const SCALARS: &[&str] = &[
    "String",
    "Int",
    "Float",
    "Boolean",
    "ID",
    "str",
    "int",
    "float",
    "bool",
    "strawberry.ID",
    "datetime",
    "date",
    "time",
    "Decimal",
    "UUID",
    "JSON",
];

/// Up to three root `Query` fields the load test can ask for without arguments or a selection:
/// scalar fields whose arguments are all optional, from the schema's SDL (`type Query { … }` in
/// any source file) or Strawberry's annotated resolvers (camelCased, as Strawberry exposes
/// them). `__typename` (every schema answers it) when none is readable.
fn query_fields(project: &Project, files: &dyn Files) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for (path, language) in project.source_files() {
        let Some(text) = files.read(&path) else {
            continue;
        };
        // SDL: `type Query { version: String! books(limit: Int = 20): [Book!]! }`.
        for (at, _) in text.match_indices("type Query") {
            let rest = &text[at + "type Query".len()..];
            let Some(block) = rest
                .trim_start()
                .strip_prefix('{')
                .and_then(|b| b.split('}').next())
            else {
                continue;
            };
            for line in block.lines() {
                let line = line.split('#').next().unwrap_or("").trim();
                let Some((head, ty)) = line.rsplit_once(':') else {
                    continue;
                };
                let (name, args) = match head.split_once('(') {
                    Some((n, a)) => (n.trim(), a.trim_end_matches(')')),
                    None => (head.trim(), ""),
                };
                // A required argument is `T!` without a default.
                let required = args
                    .split(',')
                    .any(|a| a.trim_end().ends_with('!') && !a.contains('='));
                let ty = ty.trim().trim_end_matches('!');
                if !required
                    && SCALARS.contains(&ty)
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                    && !name.is_empty()
                    && !fields.iter().any(|f| f == name)
                {
                    fields.push(name.to_owned());
                }
            }
        }
        // Strawberry: `@strawberry.field def version(self) -> str:` in `class Query`.
        if language.family() == Family::Python && text.contains("strawberry") {
            let Some(tree) = parse::parse(language, &text, None) else {
                continue;
            };
            let facts = ba_app::extract(language, &tree, &text, &path.to_string_lossy());
            for r in facts.resolvers.iter().filter(|r| r.parent == "Query") {
                let def = &text[r.full.0.clone()];
                let Some(signature) = def
                    .find("def ")
                    .map(|i| &def[i..])
                    .and_then(|d| d.split_once(')'))
                else {
                    continue;
                };
                let params = signature.0.split_once('(').map_or("", |(_, p)| p);
                let required = params.split(',').map(str::trim).any(|p| {
                    let name = p.split(':').next().unwrap_or("").trim();
                    !p.is_empty()
                        && !p.contains('=')
                        && !matches!(name, "self" | "info" | "root" | "cls" | "*")
                });
                let returns = signature
                    .1
                    .split_once("->")
                    .map_or("", |(_, r)| r.split(':').next().unwrap_or("").trim());
                let returns = returns
                    .strip_prefix("Optional[")
                    .and_then(|r| r.strip_suffix(']'))
                    .unwrap_or(returns)
                    .trim_end_matches(" | None");
                let name = super::camel(&r.field);
                if !required && SCALARS.contains(&returns) && !fields.contains(&name) {
                    fields.push(name);
                }
            }
        }
    }
    fields.truncate(3);
    if fields.is_empty() {
        fields.push("__typename".into());
    }
    fields
}
