//! SEC301 ssrf: the server fetches a URL whose host comes from request data.

use super::{method_name, sink_argument, url_prefix_fixed};
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{Binding, Lookup, Sink};
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC301",
    name: "ssrf",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[918],
    owasp: Some("A10:2021 Server-Side Request Forgery"),
    summary: "The server requests a URL taken from request data; fix the host in code or check it against an allow-list before fetching.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_javascript,
        },
        // `sink = "url"` rows of the detection models (docs/models.md).
        Check {
            family: Family::Python,
            query_path: "python/calls.scm#models",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Url as u8 }>,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm#models",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: super::model_sinks::check::<{ Sink::Url as u8 }>,
        },
    ],
};

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    // Node HTTP clients: `sink = "ssrf"` rows with `reported-by = "rule"` (ecmascript.toml,
    // node.toml, http-clients.toml), the URL (`needle("get", url)`: the second argument) or an
    // options object with `url`/`host` (`http.request({ host, path })`, `axios({ url })`).
    let Some((name, mut url)) =
        sink_argument(checker, func, args, Sink::Url).or_else(|| browser_goto(checker, func, args))
    else {
        return;
    };
    if url.kind_str() == "object" {
        let Some(value) = ba_analysis::named_children(url)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
            .find(|p| {
                p.field("key").is_some_and(|k| {
                    matches!(
                        checker.text(k).trim_matches(['"', '\'']),
                        "url" | "host" | "hostname" | "baseURL" | "prefixUrl"
                    )
                })
            })
            .and_then(|p| p.field("value"))
        else {
            return;
        };
        url = value;
    }
    let Some(taint) = checker.taint(url, Sink::Url).filter(|t| t.user) else {
        return;
    };
    if url_prefix_fixed(checker, url, 0) || admin_only(checker, &taint) {
        return;
    }
    let from = checker.describe(&taint);
    let short = name
        .trim_start_matches("global.")
        .trim_end_matches(".default");
    checker
        .report(
            url,
            format!("`{short}` fetches a URL taken from {from}; a client can make the server call internal services (`http://169.254.169.254/`, `http://localhost:…`): fix the host in code or check it against an allow-list"),
        )
        .with_taint(&taint);
}

/// A headless browser opening a page: puppeteer's and playwright's `page.goto(url)` (the
/// receiver is a page: `page`, `newPage`, `this.page`), fetched from the server's network.
fn browser_goto<'a>(
    checker: &Checker<'a>,
    func: tree_sitter::Node<'a>,
    args: tree_sitter::Node<'a>,
) -> Option<(String, tree_sitter::Node<'a>)> {
    if func.kind_str() != "member_expression"
        || func.field("property").map(|p| checker.text(p)) != Some("goto")
    {
        return None;
    }
    let receiver = checker.text(func.field("object")?);
    let last = receiver.rsplit('.').next().unwrap_or(receiver);
    if !last.to_ascii_lowercase().ends_with("page")
        || checker.resolve(func.field("object")?).is_some()
    {
        return None;
    }
    let url = checker.arguments(args).positional.first().copied()?;
    Some(("page.goto".to_owned(), url))
}

/// Whether the request data comes into a handler that only administrators can call: a FastAPI
/// dependency (`user=Depends(get_admin_user)`, `dependencies=[Security(require_superuser)]`), a
/// decorator (`@admin_required`, `@staff_member_required`, `@roles_required("admin")`), DRF's
/// `permission_classes = [IsAdminUser]` on the view class, or an Express/Koa middleware before
/// the handler (`router.post("/x", requireAdmin, (req, res) => …)`). Administrators configure
/// the servers the application talks to (model providers, tool servers, webhooks); fetching
/// the URL they entered is the feature, not a forgery.
fn admin_only(checker: &Checker<'_>, taint: &ba_analysis::taint::Taint) -> bool {
    let item = checker.item;
    if !item.byte_range().contains(&taint.origin.start) {
        return false;
    }
    let Some(mut node) = item.descendant_for_byte_range(taint.origin.start, taint.origin.start)
    else {
        return false;
    };
    let says_admin = |text: &str| {
        let text = text.to_ascii_lowercase();
        ["admin", "superuser", "staff_member", "is_staff"]
            .iter()
            .any(|w| text.contains(w))
    };
    // Only the innermost function counts; its parameter list, decorators and the route call it
    // is passed to are where an access check is declared.
    for _ in 0..ba_syntax::depth::MAX_DEPTH {
        match node.kind_str() {
            "function_definition" => {
                if node
                    .field("parameters")
                    .is_some_and(|p| says_admin(checker.text(p)))
                {
                    return true;
                }
                let mut outer = node.parent();
                if let Some(decorated) = outer.filter(|d| d.kind_str() == "decorated_definition") {
                    if ba_analysis::named_children(decorated)
                        .into_iter()
                        .filter(|d| d.kind_str() == "decorator")
                        .any(|d| says_admin(checker.text(d)))
                    {
                        return true;
                    }
                    outer = decorated.parent();
                }
                // A method of a class-based view: the class's permission classes.
                return outer
                    .filter(|b| b.kind_str() == "block")
                    .and_then(|b| b.parent())
                    .filter(|c| c.kind_str() == "class_definition")
                    .and_then(|c| c.field("body"))
                    .is_some_and(|body| {
                        ba_analysis::named_children(body).into_iter().any(|stmt| {
                            let text = checker.text(stmt);
                            text.contains("permission_classes") && says_admin(text)
                        })
                    });
            }
            "arrow_function" | "function_expression" | "function" => {
                // `router.post(path, requireAdmin, handler)`: the arguments before the handler.
                let Some(args) = node.parent().filter(|a| a.kind_str() == "arguments") else {
                    return false;
                };
                return ba_analysis::named_children(args)
                    .into_iter()
                    .take_while(|a| a.id() != node.id())
                    .any(|a| a.kind_str() != "string" && says_admin(checker.text(a)));
            }
            _ => match node.parent() {
                Some(parent) => node = parent,
                None => return false,
            },
        }
    }
    false
}

const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

const CLIENTS: &[&str] = &[
    "requests.Session",
    "requests.session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "urllib3.PoolManager",
    "tornado.httpclient.AsyncHTTPClient",
    "tornado.httpclient.HTTPClient",
];

/// Whether `object` is an HTTP client: bound here to a client constructor, or (unless
/// `resolved_only`) named like one.
fn is_client<'a>(
    checker: &Checker<'a>,
    object: tree_sitter::Node<'a>,
    resolved_only: bool,
) -> bool {
    // Made on the spot: `urllib3.PoolManager().request(…)`, `requests.Session().get(…)`.
    if object.kind_str() == "call"
        && object
            .field("function")
            .and_then(|f| checker.resolve(f))
            .is_some_and(|q| CLIENTS.contains(&q.as_str()))
    {
        return true;
    }
    if object.kind_str() == "identifier" {
        if let Lookup::Local(bindings) = checker.lookup(object) {
            let bound = bindings.iter().any(|b| match b {
                Binding::Value(v) | Binding::Element(v) => {
                    v.kind_str() == "call"
                        && v.field("function")
                            .and_then(|f| checker.resolve(f))
                            .is_some_and(|q| CLIENTS.contains(&q.as_str()))
                }
                _ => false,
            });
            if bound {
                return true;
            }
        }
    }
    if resolved_only {
        return false;
    }
    let name = checker
        .text(object)
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    (name.contains("session") || name.contains("client") || name == "http")
        && super::imports_any(checker, &["requests", "httpx", "aiohttp", "urllib3"])
}

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let (name, url) = match sink_argument(checker, func, args, Sink::Url) {
        Some(found) => found,
        None => {
            let Some(method) = method_name(checker, func) else {
                return;
            };
            let index = match method {
                m if VERBS.contains(&m) => 0,
                // Tornado's `AsyncHTTPClient().fetch(url)` (a client made here: `fetch` is a
                // common method name).
                "fetch" => 0,
                "request" | "stream" | "urlopen" => 1,
                _ => return,
            };
            let Some(object) = func.field("object") else {
                return;
            };
            if !is_client(checker, object, method == "fetch") {
                return;
            }
            match checker.arguments(args).get(index, "url", checker.source) {
                Some(u) => (method.to_owned(), u),
                None => return,
            }
        }
    };
    let Some(taint) = checker.taint(url, Sink::Url).filter(|t| t.user) else {
        return;
    };
    if url_prefix_fixed(checker, url, 0) || admin_only(checker, &taint) {
        return;
    }
    let from = checker.describe(&taint);
    let short = name.trim_start_matches("urllib.request.");
    checker
        .report(
            url,
            format!("`{short}` fetches a URL taken from {from}; a client can make the server call internal services (`http://169.254.169.254/`, `http://localhost:…`): fix the host in code or check it against an allow-list"),
        )
        .with_taint(&taint);
}

const DOCS: &str = r#"## What it does
Flags HTTP requests made by the server (`requests`, `httpx`, `urllib`, `urllib3`, and
`Session`/`Client`/`ClientSession` objects and Tornado's `AsyncHTTPClient().fetch` in Python; `fetch`, `node-fetch`, `axios`, `got`,
`undici`, `superagent`, `needle`, `request` and `http(s).get/request` in Node, and pages opened
by headless browsers and renderers: puppeteer/playwright `page.goto`, `wkhtmltopdf`) whose URL
comes from request data and whose host is
not fixed by the code. A URL such as `f"https://api.example.com/users/{user_id}"` keeps the host
and is not reported; a URL checked against an allow-list
(`if urlparse(url).hostname not in ALLOWED_HOSTS: abort(400)`) is not reported either.

Nor is a URL that only administrators can submit: a handler guarded by an admin dependency
(`user=Depends(get_admin_user)`, `dependencies=[Depends(require_admin)]`), an admin decorator
(`@admin_required`, `@staff_member_required`), DRF's `permission_classes = [IsAdminUser]`, or an
Express middleware such as `requireAdmin` before the handler. Administrators configure the
servers an application talks to (model providers, tool servers, webhooks), and verifying such a
connection means fetching it.

## Why is this bad?
The server sits inside your network. A client who chooses the URL can reach the cloud metadata
service (`169.254.169.254`) and steal credentials, scan internal hosts, or call admin endpoints
that trust the server.

## Example
```python
@app.get("/preview")
def preview():
    url = request.args["url"]
    return requests.get(url, timeout=5).text
```

```javascript
app.get("/preview", async (req, res) => {
  const page = await axios.get(req.query.url);
  res.send(page.data);
});
```

## Use instead
```python
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}

@app.get("/preview")
def preview():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    return requests.get(url, timeout=5).text
```
```javascript
const ALLOWED_HOSTS = new Set(["images.example.com", "cdn.example.com"]);

app.get("/preview", async (req, res) => {
  const url = new URL(req.query.url);
  if (!ALLOWED_HOSTS.has(url.hostname)) return res.sendStatus(400);
  const page = await axios.get(url.href);
  res.send(page.data);
});
```

## References
- [CWE-918: Server-Side Request Forgery](https://cwe.mitre.org/data/definitions/918.html)
- [OWASP A10:2021 Server-Side Request Forgery](https://owasp.org/Top10/A10_2021-Server-Side_Request_Forgery_%28SSRF%29/)
- [OWASP SSRF Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html)
"#;
