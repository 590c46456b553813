//! SEC604 tls-verification-disabled: HTTPS/TLS clients told not to check the server certificate.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{argument_removal_range, named_children, string_value, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC604",
    name: "tls-verification-disabled",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[295],
    owasp: Some("A07:2021 Identification and Authentication Failures"),
    summary: "TLS certificate or hostname verification is turned off; keep verification on and pass a CA bundle (`verify=\"/path/ca.pem\"`, Node's `ca` option) for private certificates.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/calls.scm",
            query: include_str!("../../../../queries/python/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::Python,
            query_path: "python/assignments.scm",
            query: include_str!("../../../../queries/python/assignments.scm"),
            run: check_assignment,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/bindings.scm",
            query: include_str!("../../../../queries/javascript/bindings.scm"),
            run: check_javascript,
        },
    ],
};

/// Method names of HTTP clients (requests sessions, httpx and aiohttp clients).
pub(crate) const HTTP_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
];

/// Constructors of HTTP client objects whose methods take `verify=` / `ssl=`.
pub(crate) const CLIENT_CONSTRUCTORS: &[&str] = &[
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
];

/// Besides `HTTP_FUNCTIONS`, the functions and constructors that take `verify=`.
const VERIFY_FUNCTIONS: &[&str] = &[
    "httpx.Client",
    "httpx.AsyncClient",
    "boto3.client",
    "boto3.resource",
];

/// aiohttp functions that take `ssl=` / `verify_ssl=`.
const AIOHTTP_FUNCTIONS: &[&str] = &["aiohttp.TCPConnector", "aiohttp.request"];

const UNVERIFIED_CONTEXT: &str = "ssl._create_unverified_context";

fn is_false(checker: &Checker, node: Node) -> bool {
    node.kind_str() == "false" || checker.text(node) == "False"
}

/// The method name of `obj.method`, if the callee is an attribute.
fn method_name<'a>(checker: &Checker<'a>, func: Node<'a>) -> Option<&'a str> {
    (func.kind_str() == "attribute")
        .then(|| func.field("attribute"))
        .flatten()
        .map(|a| checker.text(a))
}

/// Whether `name`, used at `ident`, is bound in its function to a call of one of `ctors`:
/// `s = requests.Session()` or `with httpx.Client() as client:`.
pub(crate) fn bound_to_call<'a>(checker: &Checker<'a>, ident: Node<'a>, ctors: &[&str]) -> bool {
    if ident.kind_str() != "identifier" {
        return false;
    }
    let is_ctor_call = |value: Node<'a>| {
        value.kind_str() == "call"
            && value
                .field("function")
                .and_then(|f| checker.resolve_callee(f, ctors))
                .is_some()
    };
    let Lookup::Local(bindings) = checker.lookup(ident) else {
        return false;
    };
    if bindings
        .iter()
        .any(|b| matches!(b, Binding::Value(v) if is_ctor_call(*v)))
    {
        return true;
    }
    if !bindings.iter().any(|b| matches!(b, Binding::Opaque)) {
        return false;
    }
    // `with X() as name` binds opaquely: look for such a with-item in the item.
    let name = checker.text(ident);
    let mut found = false;
    ba_analysis::walk_scope(checker.item, &|_| false, &mut |n| {
        if found || n.kind_str() != "as_pattern" {
            return;
        }
        let children = named_children(n);
        let (Some(value), Some(target)) = (children.first(), n.field("alias")) else {
            return;
        };
        if checker.text(target) == name && is_ctor_call(*value) {
            found = true;
        }
    });
    found
}

/// Whether a call's receiver looks like an HTTP client object: bound to a client constructor,
/// or named like one (`session`, `self.http_client`).
pub(crate) fn is_client_receiver<'a>(checker: &Checker<'a>, func: Node<'a>) -> bool {
    let Some(object) = func.field("object") else {
        return false;
    };
    if bound_to_call(checker, object, CLIENT_CONSTRUCTORS) {
        return true;
    }
    let last = match object.kind_str() {
        "identifier" => checker.text(object),
        "attribute" => object.field("attribute").map_or("", |a| checker.text(a)),
        _ => return false,
    }
    .to_ascii_lowercase();
    last.contains("session") || last.contains("client") || last == "http"
}

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let src = checker.source;
    if checker
        .resolve_callee(func, &[UNVERIFIED_CONTEXT])
        .is_some()
    {
        let short = checker.text(func).to_owned();
        checker.report(func, format!(
            "`{short}()` creates a TLS context that accepts any certificate for any host; use `ssl.create_default_context()` (with `cafile=` for a private CA)"
        ));
        return;
    }
    let args = checker.arguments(args_node);
    if args.keywords.is_empty() {
        return;
    }
    let short = super::callee(checker.text(func));
    if let Some(cert_reqs) = args.keyword("cert_reqs", src) {
        let none = match string_value(checker.language, cert_reqs, src) {
            Some(s) => s.eq_ignore_ascii_case("CERT_NONE") || s.eq_ignore_ascii_case("NONE"),
            None => checker.resolve(cert_reqs).as_deref() == Some("ssl.CERT_NONE"),
        };
        if none {
            let text = checker.text(cert_reqs).to_owned();
            checker.report(cert_reqs, format!(
                "`{short}` is called with `cert_reqs={text}`, so server certificates are not checked; use `cert_reqs=\"CERT_REQUIRED\"` with a CA bundle"
            ));
            return;
        }
    }
    let method = method_name(checker, func);
    let http_method = method.is_some_and(|m| HTTP_METHODS.contains(&m));
    // `verify=False` (requests, httpx, boto3).
    if let Some(kw) = args.keyword_node("verify", src) {
        let off = kw.field("value").is_some_and(|v| is_false(checker, v));
        if off
            && (http_method
                || checker
                    .resolve_callee_among(func, &[super::HTTP_FUNCTIONS, VERIFY_FUNCTIONS])
                    .is_some())
        {
            report_keyword(checker, kw, &short, "verify=False");
            return;
        }
    }
    // `ssl=False` / `verify_ssl=False` (aiohttp).
    for name in ["ssl", "verify_ssl"] {
        let Some(kw) = args.keyword_node(name, src) else {
            continue;
        };
        let off = kw.field("value").is_some_and(|v| is_false(checker, v));
        let aiohttp = http_method
            || method == Some("ws_connect")
            || checker.resolve_callee(func, AIOHTTP_FUNCTIONS).is_some();
        if off && aiohttp {
            report_keyword(checker, kw, &short, &format!("{name}=False"));
            return;
        }
    }
}

fn report_keyword<'a>(checker: &mut Checker<'a>, kw: Node<'a>, short: &str, text: &str) {
    checker
        .report(kw, format!(
            "`{short}` is called with `{text}`, so any certificate is accepted and the connection can be intercepted; remove it (or pass a CA bundle path for private certificates)"
        ))
        .with_fix(
            format!("Remove `{text}`"),
            Applicability::Safe,
            vec![Edit {
                range: argument_removal_range(kw),
                content: String::new(),
            }],
        );
}

fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value), Some(assignment)) = (
        caps.get("target"),
        caps.get("value"),
        caps.get("assignment"),
    ) else {
        return;
    };
    if target.kind_str() != "attribute" {
        return;
    }
    let Some(attr) = target.field("attribute") else {
        return;
    };
    let target_text = checker.text(target).to_owned();
    match checker.text(attr) {
        "_create_default_https_context"
            if checker.resolve(target).as_deref() == Some("ssl._create_default_https_context")
                && checker.resolve(value).as_deref() == Some(UNVERIFIED_CONTEXT) =>
        {
            checker.report(assignment, "`ssl._create_default_https_context` is replaced by `ssl._create_unverified_context`, which turns off certificate checks for every `urllib`/`http.client` request in the process; remove it and pass a context with `cafile=` where a private CA is needed");
        }
        "check_hostname" if is_false(checker, value) => {
            checker.report(assignment, format!(
                "`{target_text} = False` accepts a valid certificate issued for any other host; keep hostname checking on (use `server_hostname=` when connecting by IP)"
            ));
        }
        "verify_mode" if checker.resolve(value).as_deref() == Some("ssl.CERT_NONE") => {
            let value_text = checker.text(value).to_owned();
            checker.report(assignment, format!(
                "`{target_text} = {value_text}` accepts any certificate; use `ssl.CERT_REQUIRED` (the default of `ssl.create_default_context()`)"
            ));
        }
        "verify" if is_false(checker, value) => {
            let Some(object) = target.field("object") else {
                return;
            };
            let named_session = checker
                .text(object)
                .to_ascii_lowercase()
                .contains("session");
            if named_session || bound_to_call(checker, object, CLIENT_CONSTRUCTORS) {
                checker.report(assignment, format!(
                    "`{target_text} = False` turns off certificate checks for every request of this session; remove it (or set it to a CA bundle path)"
                ));
            }
        }
        _ => {}
    }
}

/// `checkServerIdentity: () => undefined` (or `{}`, `null`): Node's TLS accepts a certificate
/// issued for any host when the check returns nothing, so any valid certificate will do.
fn check_server_identity<'a>(checker: &mut Checker<'a>, target: Node<'a>, value: Node<'a>) {
    if !matches!(
        value.kind_str(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return;
    }
    let Some(body) = value.field("body") else {
        return;
    };
    let accepts_all = match body.kind_str() {
        "statement_block" => {
            let statements: Vec<Node> = ba_analysis::named_children(body)
                .into_iter()
                .filter(|c| c.kind_str() != "comment")
                .collect();
            match statements.as_slice() {
                [] => true,
                [only] => {
                    only.kind_str() == "return_statement"
                        && only
                            .named_child(0)
                            .is_none_or(|v| matches!(v.kind_str(), "undefined" | "null"))
                }
                _ => false,
            }
        }
        "undefined" | "null" => true,
        _ => false,
    };
    if !accepts_all || super::secret_names::in_test_code(checker, target) {
        return;
    }
    let Some(pair) = target.parent() else {
        return;
    };
    checker.report(
        pair,
        "`checkServerIdentity` that returns nothing accepts a certificate issued for any host, so anyone with a valid certificate for their own domain can impersonate the server; remove it (Node checks the hostname by default), or call `tls.checkServerIdentity(host, cert)` first and add your own checks after it",
    );
}

/// `{ rejectUnauthorized: false }` (https/tls agents and options, axios `httpsAgent`, `pg` and
/// Sequelize `ssl`, mysql2, ioredis `tls`), request's `{ strictSSL: false }`, and
/// `process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"`.
fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    match target.kind_str() {
        "property_identifier" | "string" => {
            let key = match target.kind_str() {
                "string" => string_value(checker.language, target, checker.source).unwrap_or(""),
                _ => checker.text(target),
            };
            if key == "checkServerIdentity" {
                check_server_identity(checker, target, value);
                return;
            }
            // Keys that verify when true (Node's TLS options, `request`'s `strictSSL`, the
            // MongoDB driver's `sslValidate`), and the MongoDB driver's keys that stop
            // verifying when true.
            let (unsafe_value, safe_value) = match key {
                "rejectUnauthorized" | "strictSSL" | "sslValidate" => ("false", "true"),
                "tlsAllowInvalidCertificates"
                | "tlsAllowInvalidHostnames"
                | "tlsInsecure"
                | "sslAllowInvalidCertificates"
                | "sslAllowInvalidHostnames" => ("true", "false"),
                _ => return,
            };
            if value.kind_str() != unsafe_value {
                return;
            }
            if super::secret_names::in_test_code(checker, target) {
                return;
            }
            let Some(pair) = target.parent() else {
                return;
            };
            checker
                .report(
                    pair,
                    format!(
                        "`{key}: {unsafe_value}` turns off TLS certificate verification for this connection, so anyone on the network path can impersonate the server and read or change the traffic; remove it, and pass the private CA with `ca: fs.readFileSync(\"ca.pem\")` (MongoDB: `tlsCAFile`) if the server's certificate is self-signed"
                    ),
                )
                .with_fix(
                    format!("Verify certificates (`{key}: {safe_value}`)"),
                    Applicability::Unsafe,
                    vec![Edit {
                        range: value.byte_range(),
                        content: safe_value.to_owned(),
                    }],
                );
        }
        "member_expression" | "subscript_expression" => {
            let text = checker.text(target);
            if !text.starts_with("process.env") || !text.contains("NODE_TLS_REJECT_UNAUTHORIZED") {
                return;
            }
            let disabled = match value.kind_str() {
                "number" => checker.text(value) == "0",
                _ => string_value(checker.language, value, checker.source) == Some("0"),
            };
            if !disabled || super::secret_names::in_test_code(checker, target) {
                return;
            }
            let Some(assignment) = target.parent() else {
                return;
            };
            checker.report(
                assignment,
                "`NODE_TLS_REJECT_UNAUTHORIZED = \"0\"` turns off TLS certificate verification for every HTTPS request the whole process makes; remove it, and trust a private CA with `NODE_EXTRA_CA_CERTS` or the client's `ca` option instead",
            );
        }
        _ => {}
    }
}

const DOCS: &str = r#"## What it does
Flags code that turns TLS certificate or hostname verification off:
- `verify=False` on `requests` calls, on methods of `requests.Session` / `httpx.Client`
  objects, on `httpx.Client(...)` / `httpx.AsyncClient(...)` / `httpx.get(...)`, and on
  `boto3.client(...)`; `session.verify = False`;
- aiohttp `ssl=False` / `verify_ssl=False` on session methods and `TCPConnector(ssl=False)`;
- `ssl._create_unverified_context()`, and `ssl._create_default_https_context =
  ssl._create_unverified_context`;
- `ctx.check_hostname = False` and `ctx.verify_mode = ssl.CERT_NONE`;
- `cert_reqs="CERT_NONE"` / `cert_reqs=ssl.CERT_NONE` (urllib3 pools, `ssl.wrap_socket`).

`verify=True`, `verify="/etc/ssl/ca.pem"` and `verify=settings.CA_BUNDLE` are not reported.

JavaScript and TypeScript: `rejectUnauthorized: false` in any options object (`https.Agent`,
`https.request`, `tls.connect`, an axios `httpsAgent`, `pg`/Sequelize `ssl`/`dialectOptions`,
mysql2, ioredis `tls`), request's `strictSSL: false`, the MongoDB driver's and Mongoose's
`checkServerIdentity: () => undefined` (a hostname check that accepts every host),
`tlsAllowInvalidCertificates: true`, `tlsAllowInvalidHostnames: true`, `tlsInsecure: true` and
`sslValidate: false`, and `process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"`. Values computed at run time
(`rejectUnauthorized: process.env.NODE_ENV === "production"`) and test files are not reported.

## Why is this bad?
Without certificate checks anyone on the network path (a Wi-Fi hotspot, a compromised router,
a cloud neighbour doing ARP spoofing) can present their own certificate, read the traffic and
change it: API keys, session tokens and responses included. "It is only internal" rarely stays
true.

## Example
```python
import requests

def fetch_invoices(token):
    return requests.get(BILLING_URL, headers={"Authorization": token}, verify=False).json()
```

```javascript
const https = require("https");

const agent = new https.Agent({ rejectUnauthorized: false });
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
```

## Use instead
```python
import requests

def fetch_invoices(token):
    # A private CA: point at its bundle instead of disabling verification.
    return requests.get(BILLING_URL, headers={"Authorization": token},
                        verify="/etc/ssl/certs/internal-ca.pem").json()
```

```javascript
const fs = require("fs");
const https = require("https");

const agent = new https.Agent({ ca: fs.readFileSync("/etc/ssl/internal-ca.pem") });
```

## Fix
Removing `verify=False` (or aiohttp's `ssl=False`) is offered as an unsafe fix: requests to
servers with self-signed certificates will fail until a CA bundle is configured.

In JavaScript an unsafe fix turns `rejectUnauthorized: false` into `true`.

## References
- [CWE-295: Improper Certificate Validation](https://cwe.mitre.org/data/definitions/295.html)
- [OWASP A07:2021 Identification and Authentication Failures](https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/)
- [Requests: SSL certificate verification](https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification)
- [Python `ssl`: security considerations](https://docs.python.org/3/library/ssl.html#security-considerations)
- [Node.js: `tls.connect` options (`rejectUnauthorized`)](https://nodejs.org/api/tls.html#tlsconnectoptions-callback)
"#;
