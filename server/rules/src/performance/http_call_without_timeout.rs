//! PERF204 http-call-without-timeout: outbound HTTP calls that can wait forever.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::security::tls_verification_disabled::bound_to_call;
use crate::security::HTTP_FUNCTIONS;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, Arguments};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF204",
    name: "http-call-without-timeout",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[400],
    owasp: None,
    summary: "An outbound HTTP call has no timeout, so a slow or dead server holds the worker forever; pass a timeout (`timeout=10`, axios `timeout`, `fetch(url, { signal: AbortSignal.timeout(10_000) })`).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_python,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
    ],
};

const SESSIONS: &[&str] = &[
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
];
const SESSION_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];
const URLOPEN: &[&str] = &["urllib.request.urlopen", "urllib2.urlopen"];
const HTTPX_CLIENTS: &[&str] = &["httpx.Client", "httpx.AsyncClient"];
const AIOHTTP_SESSION: &[&str] = &["aiohttp.ClientSession"];

/// `1.0` → `1`, `2.5` → `2.5`.
fn seconds(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{}", t as i64)
    } else {
        format!("{t}")
    }
}

/// An edit that appends `text` (`timeout=10`) as the last argument of a call.
pub(crate) fn append_argument(args_node: Node, text: &str) -> Edit {
    let last = named_children(args_node)
        .into_iter()
        .rfind(|a| a.kind_str() != "comment");
    match last {
        Some(a) => Edit {
            range: a.end_byte()..a.end_byte(),
            content: format!(", {text}"),
        },
        None => {
            let at = args_node.start_byte() + 1;
            Edit {
                range: at..at,
                content: text.to_owned(),
            }
        }
    }
}

fn has_splat(args: &Arguments) -> bool {
    args.positional
        .iter()
        .any(|a| matches!(a.kind_str(), "dictionary_splat" | "list_splat"))
}

fn is_none(checker: &Checker, node: Node) -> bool {
    node.kind_str() == "none" || checker.text(node) == "None"
}

/// Functions that call the function they are given with the arguments after it: whether each
/// passes keyword arguments on (`asyncio.to_thread(f, url, timeout=5)`) or not
/// (`loop.run_in_executor(None, f, url)`).
const FORWARDERS: &[(&str, bool)] = &[
    ("to_thread", true),
    ("run_in_threadpool", true),
    ("submit", true),
    ("run_sync", false),
    ("run_in_executor", false),
];

/// `await asyncio.to_thread(requests.get, url)`: a `requests` function passed by reference to
/// something that calls it without a timeout.
fn check_by_reference<'a>(checker: &mut Checker<'a>, func: Node<'a>, args_node: Node<'a>) -> bool {
    let last = match func.kind_str() {
        "identifier" => checker.text(func),
        _ => checker.member_name(func).unwrap_or(""),
    };
    let Some((_, forwards_keywords)) = FORWARDERS.iter().find(|(n, _)| *n == last) else {
        return false;
    };
    let src = checker.source;
    let args = checker.arguments(args_node);
    if *forwards_keywords && (args.keyword("timeout", src).is_some() || has_splat(&args)) {
        return false;
    }
    let reference = args.positional.iter().copied().find_map(|a| {
        matches!(a.kind_str(), "attribute" | "identifier")
            .then(|| checker.resolve_callee(a, HTTP_FUNCTIONS))
            .flatten()
            .filter(|q| q.starts_with("requests."))
            .map(|q| (a, q))
    });
    let Some((reference, name)) = reference else {
        return false;
    };
    let timeout = seconds(checker.http_timeout);
    let short = crate::security::callee(checker.text(func));
    let instead = if *forwards_keywords {
        format!("pass `timeout={timeout}` to `{short}` (it passes keyword arguments on) or")
    } else {
        "pass".to_owned()
    };
    checker.report(reference, format!(
        "`{name}` is passed by reference to `{short}`, which calls it without a timeout, so a slow or dead server holds the thread forever; {instead} `functools.partial({name}, timeout={timeout})`"
    ));
    true
}

fn check_python_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if check_by_reference(checker, func, args_node) {
        return;
    }
    let src = checker.source;
    let timeout = seconds(checker.http_timeout);
    let short = crate::security::callee(checker.text(func));
    if let Some(name) = checker.resolve_callee_among(func, &[HTTP_FUNCTIONS, URLOPEN]) {
        let args = checker.arguments(args_node);
        let explicit = if URLOPEN.contains(&name.as_str()) {
            args.get(2, "timeout", src)
        } else {
            args.keyword("timeout", src)
        };
        let httpx = name.starts_with("httpx.");
        match explicit {
            Some(t) if is_none(checker, t) => {
                checker.report(t, format!(
                    "`{short}` is called with `timeout=None`, so it waits for a slow or dead server forever; pass a number of seconds (`timeout={timeout}`)"
                ));
            }
            // httpx has a 5 s default; requests and urllib wait forever without one.
            None if !httpx && !has_splat(&args) => {
                checker
                    .report(func, format!(
                        "`{short}` has no timeout, so a slow or dead server holds this worker forever; pass `timeout={timeout}`"
                    ))
                    .with_fix(
                        format!("Add `timeout={timeout}`"),
                        Applicability::Safe,
                        vec![append_argument(args_node, &format!("timeout={timeout}"))],
                    );
            }
            _ => {}
        }
        return;
    }
    // `session.get(url)` on a `requests.Session`: sessions have no default timeout either.
    if func.kind_str() == "attribute" {
        let method = checker.member_name(func).unwrap_or("");
        if SESSION_METHODS.contains(&method)
            && ba_analysis::routes::imports_from(checker.semantic, &["requests"])
        {
            let Some(object) = func.field("object") else {
                return;
            };
            if !bound_to_call(checker, object, SESSIONS) {
                return;
            }
            // `session.mount("https://", TimeoutAdapter(timeout=5))`: an adapter that sets a
            // default timeout for every request of the session.
            let name = checker.text(object);
            let item = checker.text(checker.item);
            let mounted = item
                .match_indices(&format!("{name}.mount("))
                .any(|(at, _)| {
                    let rest = &item[at..];
                    rest[..rest.find('\n').unwrap_or(rest.len())].contains("timeout")
                });
            if mounted {
                return;
            }
            let args = checker.arguments(args_node);
            match args.keyword("timeout", src) {
                Some(t) if is_none(checker, t) => {
                    checker.report(t, format!(
                        "`{short}` is called with `timeout=None` and waits forever; pass `timeout={timeout}`"
                    ));
                }
                None if !has_splat(&args) => {
                    checker
                        .report(func, format!(
                            "`{short}` on a `requests.Session` has no timeout (sessions have no default), so a slow server holds this worker forever; pass `timeout={timeout}`"
                        ))
                        .with_fix(
                            format!("Add `timeout={timeout}`"),
                            Applicability::Safe,
                            vec![append_argument(args_node, &format!("timeout={timeout}"))],
                        );
                }
                _ => {}
            }
            return;
        }
    }
    if checker.resolve_callee(func, HTTPX_CLIENTS).is_some() {
        let args = checker.arguments(args_node);
        if let Some(t) = args
            .keyword("timeout", src)
            .filter(|t| is_none(checker, *t))
        {
            checker.report(t, format!(
                "`{short}(timeout=None)` turns off httpx's default timeout for every request of this client; pass `timeout={timeout}`"
            ));
        }
        return;
    }
    if checker.resolve_callee(func, AIOHTTP_SESSION).is_some() {
        let args = checker.arguments(args_node);
        if args.keyword("timeout", src).is_some() || has_splat(&args) {
            return;
        }
        // The fix names `aiohttp`, so only where the module is imported under that name.
        let fixable =
            checker.semantic.imports.get("aiohttp").map(String::as_str) == Some("aiohttp");
        let f = checker.report(func, format!(
            "`{short}()` without `timeout=` uses aiohttp's default of 5 minutes per request; pass `timeout=aiohttp.ClientTimeout(total={timeout})`"
        ));
        if fixable {
            f.with_fix(
                format!("Add `timeout=aiohttp.ClientTimeout(total={timeout})`"),
                Applicability::Safe,
                vec![append_argument(
                    args_node,
                    &format!("timeout=aiohttp.ClientTimeout(total={timeout})"),
                )],
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Through wrappers: `def fetch(url, **kwargs): return requests.get(url, **kwargs)` has no
// timeout of its own, so every caller must pass one. This part judges the application model
// (`ba_app` records each module-level function's calls with their keyword names) and runs in
// the cross-file pass (`crossfile::CrossFindings::compute`).

/// The HTTP function a recorded call runs (`requests.get`, `httpx.post` with the module's
/// imports), if any.
fn http_callee(file: &ba_app::FileEntry, callee: &str) -> Option<String> {
    let (first, rest) = match callee.split_once('.') {
        Some((f, r)) => (f, Some(r)),
        None => (callee, None),
    };
    if callee.contains('(') {
        return None;
    }
    let import = file.facts.imports.iter().find(|i| i.local == first)?;
    let qualified = match rest {
        Some(r) => format!("{}.{r}", import.target),
        None => import.target.clone(),
    };
    HTTP_FUNCTIONS
        .contains(&qualified.as_str())
        .then_some(qualified)
}

/// Whether `function` forwards its keyword arguments to an HTTP call that has no timeout of
/// its own (and sets no default first): the HTTP function it calls.
fn forwards_without_timeout(
    file: &ba_app::FileEntry,
    function: &ba_app::facts::Function,
) -> Option<String> {
    if function.names_timeout {
        return None;
    }
    function.calls.iter().find_map(|c| {
        let forwards = c.keywords.iter().any(|k| k == "**");
        let timed = c.keywords.iter().any(|k| k == "timeout");
        if !forwards || timed {
            return None;
        }
        // httpx has a default timeout; requests waits forever.
        http_callee(file, &c.callee).filter(|q| q.starts_with("requests."))
    })
}

/// Calls of a workspace wrapper that forwards `**kwargs` to `requests` without a timeout,
/// made without `timeout=`.
pub fn check_wrappers(
    index: &ba_app::WorkspaceIndex,
    out: &mut Vec<crate::crossfile::finding::CrossFinding>,
) {
    let functions = index.python_functions();
    let mut verdicts: std::collections::HashMap<(*const ba_app::FileEntry, usize), Option<String>> =
        std::collections::HashMap::new();
    for file in index.files() {
        if file.language.family() != Family::Python
            || file.facts.class != ba_app::FileClass::Runtime
        {
            continue;
        }
        for (i, function) in file.facts.functions.iter().enumerate() {
            for (j, call) in function.calls.iter().enumerate() {
                if call.keywords.iter().any(|k| k == "timeout" || k == "**") {
                    continue;
                }
                let Some((target, ti, wrapper)) = functions.resolve(file, &call.callee) else {
                    continue;
                };
                let inner = verdicts
                    .entry((target as *const _, ti))
                    .or_insert_with(|| forwards_without_timeout(target, wrapper))
                    .clone();
                let Some(inner) = inner else {
                    continue;
                };
                out.push(crate::crossfile::finding::CrossFinding {
                    code: RULE.code,
                    at: (file.key.clone(), ba_app::Anchor::Call(i, j)),
                    message: format!(
                        "`{}` passes its keyword arguments on to `{inner}` with no timeout of its own ({}), and this call passes no `timeout=`, so a slow or dead server holds the worker forever; pass `timeout=…` here, or give the wrapper a default (`kwargs.setdefault(\"timeout\", 10)`)",
                        call.callee,
                        super::blocking_call_in_async::short_path(&target.path),
                    ),
                    severity: RULE.severity,
                    related: vec![(
                        ba_app::Anchor::Function(i),
                        format!("in `{}`", function.name),
                    )],
                });
            }
        }
    }
}

/// axios functions and the index of their config argument.
const AXIOS: &[(&str, usize)] = &[
    ("axios", 0),
    ("axios.request", 0),
    ("axios.create", 0),
    ("axios.get", 1),
    ("axios.delete", 1),
    ("axios.head", 1),
    ("axios.options", 1),
    ("axios.post", 2),
    ("axios.put", 2),
    ("axios.patch", 2),
];
const AXIOS_NAMES: &[&str] = &[
    "axios",
    "axios.request",
    "axios.create",
    "axios.get",
    "axios.delete",
    "axios.head",
    "axios.options",
    "axios.post",
    "axios.put",
    "axios.patch",
];
const GOT_NAMES: &[&str] = &[
    "got",
    "got.get",
    "got.post",
    "got.put",
    "got.patch",
    "got.delete",
    "got.head",
];
const FETCH_NAMES: &[&str] = &["global.fetch", "node-fetch", "undici.fetch"];

/// Modules whose import marks a file as server code (where `fetch` without a deadline holds a
/// request open); browser code has the user's patience as its timeout.
const SERVER_MODULES: &[&str] = &[
    "express",
    "koa",
    "fastify",
    "@nestjs",
    "@hapi",
    "http",
    "https",
    "node-fetch",
    "undici",
];

/// The options object at `index`: `Ok(None)` when absent, `Err` when it is not an object
/// literal we can read (a variable, a spread).
fn options_at<'a>(args: &[Node<'a>], index: usize) -> Result<Option<Node<'a>>, ()> {
    match args.get(index) {
        None => Ok(None),
        Some(a) if a.kind_str() == "object" => {
            if named_children(*a)
                .iter()
                .any(|p| p.kind_str() == "spread_element")
            {
                Err(())
            } else {
                Ok(Some(*a))
            }
        }
        Some(_) => Err(()),
    }
}

fn has_key(checker: &Checker, object: Node, key: &str) -> bool {
    named_children(object)
        .into_iter()
        .any(|p| match p.kind_str() {
            "pair" => p.field("key").is_some_and(|k| {
                let t = checker.text(k);
                t == key || t.trim_matches(|c| c == '"' || c == '\'') == key
            }),
            "shorthand_property_identifier" => checker.text(p) == key,
            _ => false,
        })
}

fn check_javascript_inner<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    if call.kind_str() != "call_expression" {
        return;
    }
    let last = match func.kind_str() {
        "identifier" => checker.text(func),
        _ => checker.member_name(func).unwrap_or(""),
    };
    let interesting = matches!(
        last,
        "axios"
            | "got"
            | "fetch"
            | "request"
            | "create"
            | "get"
            | "delete"
            | "head"
            | "options"
            | "post"
            | "put"
            | "patch"
    ) || checker.semantic.imports.contains_key(last);
    if !interesting {
        return;
    }
    let args: Vec<Node<'a>> = named_children(args_node)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let short = crate::security::callee(checker.text(func));
    let ms = (checker.http_timeout * 1000.0).round() as u64;
    if let Some(name) = checker.resolve_callee(func, AXIOS_NAMES) {
        // `axios.defaults.timeout = …` at the top of the module covers every call.
        if checker
            .source
            .lines()
            .any(|l| l.starts_with("axios.defaults.timeout"))
        {
            return;
        }
        let index = AXIOS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, i)| *i);
        let Ok(options) = options_at(&args, index) else {
            return;
        };
        if options.is_some_and(|o| has_key(checker, o, "timeout")) {
            return;
        }
        let what = if name == "axios.create" {
            format!("`{short}()` makes a client without a `timeout`, so its requests wait for a slow or dead server forever (axios's default is no timeout); add `timeout: {ms}`")
        } else {
            format!("`{short}` has no `timeout` (axios's default is none), so a slow or dead server holds this request forever; pass `{{ timeout: {ms} }}`")
        };
        let f = checker.report(func, what);
        if options.is_none() && args.len() == index {
            f.with_fix(
                format!("Add `{{ timeout: {ms} }}`"),
                Applicability::Unsafe,
                vec![append_js_argument(
                    args_node,
                    &args,
                    &format!("{{ timeout: {ms} }}"),
                )],
            );
        }
        return;
    }
    if checker.resolve_callee(func, GOT_NAMES).is_some() {
        let Ok(options) = options_at(&args, 1) else {
            return;
        };
        if options.is_some_and(|o| has_key(checker, o, "timeout")) || args.is_empty() {
            return;
        }
        checker.report(func, format!(
            "`{short}` has no `timeout` (got waits forever by default); pass `{{ timeout: {{ request: {ms} }} }}`"
        ));
        return;
    }
    if last == "fetch" && checker.resolve_callee(func, FETCH_NAMES).is_some() {
        let server = checker.semantic.imports.values().any(|q| {
            SERVER_MODULES.iter().any(|m| {
                q == m || q.starts_with(&format!("{m}.")) || q.starts_with(&format!("{m}/"))
            })
        });
        if !server || args.is_empty() {
            return;
        }
        let Ok(options) = options_at(&args, 1) else {
            return;
        };
        if options.is_some_and(|o| has_key(checker, o, "signal")) {
            return;
        }
        let f = checker.report(func, format!(
            "`{short}` has no `signal`, so a slow or dead server holds this request open for minutes; pass `{{ signal: AbortSignal.timeout({ms}) }}`"
        ));
        if options.is_none() && args.len() == 1 {
            f.with_fix(
                "Add `signal: AbortSignal.timeout(…)`",
                Applicability::Unsafe,
                vec![append_js_argument(
                    args_node,
                    &args,
                    &format!("{{ signal: AbortSignal.timeout({ms}) }}"),
                )],
            );
        }
    }
}

fn append_js_argument(args_node: Node, args: &[Node], text: &str) -> Edit {
    match args.last() {
        Some(a) => Edit {
            range: a.end_byte()..a.end_byte(),
            content: format!(", {text}"),
        },
        None => {
            let at = args_node.start_byte() + 1;
            Edit {
                range: at..at,
                content: text.to_owned(),
            }
        }
    }
}

fn check_python<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_python_inner(checker, caps);
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    check_javascript_inner(checker, caps);
}

const DOCS: &str = r#"## What it does
Flags outbound HTTP calls that can wait forever:
- `requests.get/post/…(…)` and `requests.Session` methods without `timeout=` (requests has no
  default timeout), `urllib.request.urlopen(url)` without a timeout, and any
  `timeout=None` on requests or httpx calls and clients (httpx's own default is 5 seconds, so
  httpx calls without `timeout=` are fine);
- `aiohttp.ClientSession()` without `timeout=` (aiohttp's default is 5 minutes per request);
- axios calls and `axios.create(…)` without `timeout` in their config (axios's default is no
  timeout; a module-level `axios.defaults.timeout = …` counts), `got(…)` without `timeout`, and
  `fetch(url)` without a `signal` in server code (files importing Express, Koa, Fastify, NestJS,
  Hapi, `http`, `node-fetch` or `undici`).

Calls that pass options through a variable or `**kwargs` are not reported: the timeout may be
there. A local `requests.Session` whose `mount(…)` installs an adapter built with a timeout
(`session.mount("https://", TimeoutAdapter(timeout=5))`) has a default and is not reported.

Through indirection:
- a workspace wrapper that passes its `**kwargs` on to `requests` with no timeout of its own
  (`def fetch(url, **kwargs): return requests.get(url, **kwargs)`, in the same module or
  another one) is reported at each call that passes no `timeout=` (`http.fetch(url)`,
  `post_json(hook.url, payload)` in a webhook sender). A wrapper whose body sets a default
  (`kwargs.setdefault("timeout", 10)`) is not. This part runs in the cross-file pass, like the
  other rules that follow calls across modules;
- a `requests` function passed by reference to something that calls it later without a
  timeout: `asyncio.to_thread(requests.get, url)`, `run_in_threadpool(…)`,
  `executor.submit(…)` (these pass keyword arguments on, so `timeout=5` there is fine) and
  `loop.run_in_executor(None, requests.get, url)`, `anyio.to_thread.run_sync(…)` (these do not:
  use `functools.partial(requests.get, timeout=5)`).

## Why is this bad?
A server that accepts the connection and never answers (a dead load balancer, a full backlog,
a network partition) makes the call hang. Each hung call holds a worker thread, an event-loop
task or a database connection, and the service stops answering once they are all taken, so
one slow dependency becomes an outage of everything that calls it.

## Example
```python
import requests

def exchange_rate(currency):
    return requests.get(f"{RATES_URL}/{currency}").json()["rate"]
```

```javascript
const axios = require("axios");

app.get("/rates/:currency", async (req, res) => {
  const { data } = await axios.get(`${RATES_URL}/${req.params.currency}`);
  res.json(data);
});
```

## Use instead
```python
import requests

def exchange_rate(currency):
    return requests.get(f"{RATES_URL}/{currency}", timeout=10).json()["rate"]
```

```javascript
const rates = axios.create({ baseURL: RATES_URL, timeout: 10_000 });
```

## Fix
`timeout=<seconds>` is added to requests, `requests.Session` and `urlopen` calls, and
`timeout=aiohttp.ClientTimeout(total=<seconds>)` to `aiohttp.ClientSession()` (safe: only calls
that would otherwise hang fail). The number is the `http-timeout` setting (default 10 seconds):

```toml
http-timeout = 5
```

In JavaScript an unsafe fix adds `{ timeout: … }` to axios calls and
`{ signal: AbortSignal.timeout(…) }` to `fetch` calls that have no options argument.

## References
- [CWE-400: Uncontrolled Resource Consumption](https://cwe.mitre.org/data/definitions/400.html)
- [Requests: timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
- [HTTPX: timeouts](https://www.python-httpx.org/advanced/timeouts/)
- [aiohttp: timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
- [axios: request config `timeout`](https://axios-http.com/docs/req_config)
- [MDN: `AbortSignal.timeout()`](https://developer.mozilla.org/en-US/docs/Web/API/AbortSignal/timeout_static)
"#;
