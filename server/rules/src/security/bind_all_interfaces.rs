//! SEC405 bind-all-interfaces: a server listening on every network interface.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::settings;
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC405",
    name: "bind-all-interfaces",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[605, 1327],
    owasp: Some("A05:2021 Security Misconfiguration"),
    summary: "A server listens on every network interface; bind `127.0.0.1` or read the address from configuration.",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

/// Server functions that take the host as an argument (see `host_argument`).
const HOST_FUNCTIONS: &[&str] = &[
    "uvicorn.run",
    "aiohttp.web.run_app",
    "waitress.serve",
    "werkzeug.serving.run_simple",
    "wsgiref.simple_server.make_server",
];

/// Where one of `HOST_FUNCTIONS` takes the host: a position, if it may be passed by position,
/// and the keyword.
fn host_argument(function: &str) -> (Option<usize>, &'static str) {
    match function {
        "werkzeug.serving.run_simple" => (Some(0), "hostname"),
        "wsgiref.simple_server.make_server" => (Some(0), "host"),
        _ => (None, "host"),
    }
}

/// Servers that take a `(host, port)` address first.
const ADDRESS_SERVERS: &[&str] = &[
    "socketserver.TCPServer",
    "socketserver.UDPServer",
    "socketserver.ThreadingTCPServer",
    "socketserver.ThreadingUDPServer",
    "socketserver.ForkingTCPServer",
    "http.server.HTTPServer",
    "http.server.ThreadingHTTPServer",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let method = (func.kind_str() == "attribute")
        .then(|| func.field("attribute"))
        .flatten()
        .map(|a| checker.text(a));
    let args = || checker.arguments(args_node);
    let source = checker.source;
    let host = if method == Some("bind") {
        // `sock.bind(("0.0.0.0", port))`, also `("", port)`.
        args()
            .positional
            .first()
            .and_then(|a| address_host(checker, *a))
    } else if let Some(name) = checker.resolve_callee(func, HOST_FUNCTIONS) {
        let (at, keyword) = host_argument(&name);
        let args = args();
        match at {
            Some(at) => args.get(at, keyword, source),
            None => args.keyword(keyword, source),
        }
        .filter(|h| is_any_host(checker, *h, false))
    } else if checker.resolve_callee(func, ADDRESS_SERVERS).is_some() {
        args()
            .get(0, "server_address", source)
            .and_then(|a| address_host(checker, a))
    } else if settings::is_app_run(checker, func) {
        // Flask's `app.run(host=None, port=None, debug=None)`.
        args()
            .get(0, "host", source)
            .filter(|h| is_any_host(checker, *h, false))
    } else {
        None
    };
    let Some(host) = host else {
        return;
    };
    let callee = super::callee(checker.text(func));
    let shown = checker.text(host);
    // A literal address → the loopback one of the same family, in the same quotes (unsafe: a
    // container or VM then no longer accepts connections from outside).
    let loopback = if shown.trim_matches(['"', '\'']).contains(':') {
        "::1"
    } else {
        "127.0.0.1"
    };
    let fix = shown
        .chars()
        .next()
        .filter(|q| (*q == '"' || *q == '\'') && host.kind_str() == "string" && shown.len() >= 2)
        .map(|q| format!("{q}{loopback}{q}"));
    let finding = checker.report(host, format!(
        "`{callee}` listens on every network interface ({shown}): the service is reachable from any network this machine is on, not only through the proxy or port mapping meant for it; bind `127.0.0.1`, or read the address from configuration"
    ));
    if let Some(content) = fix {
        finding.with_fix(
            format!("Listen on `{loopback}` only"),
            Applicability::Unsafe,
            vec![Edit {
                range: host.byte_range(),
                content,
            }],
        );
    }
}

/// The host of a literal `(host, port)` tuple, if it means every interface.
fn address_host<'a>(checker: &Checker<'a>, address: Node<'a>) -> Option<Node<'a>> {
    if address.kind_str() != "tuple" {
        return None;
    }
    address
        .named_child(0)
        .filter(|h| is_any_host(checker, *h, true))
}

/// `"0.0.0.0"` or `"::"` (and `""` in a socket address, which means the same).
fn is_any_host(checker: &Checker, node: Node, empty_too: bool) -> bool {
    match checker.string_value(node) {
        Some("0.0.0.0" | "::") => true,
        Some("") => empty_too,
        _ => false,
    }
}

const DOCS: &str = r#"## What it does
Flags servers told to listen on every network interface with a literal address: `app.run(host="0.0.0.0")`
(Flask and other apps), `uvicorn.run(app, host="0.0.0.0")`, `web.run_app(app, host="0.0.0.0")`
(aiohttp), `waitress.serve`, `werkzeug.serving.run_simple`, `make_server`, `socket.bind(("0.0.0.0", port))`
or `("", port)`, and `HTTPServer`/`TCPServer` with such an address. `"::"` counts too.

Only literals are reported: `127.0.0.1`, `localhost`, and hosts read from the environment or
configuration are not.

## Why is this bad?
`0.0.0.0` accepts connections on every interface: the public one, a VPN, the office or café
network, a Docker bridge. A development server, an admin endpoint or a service meant to sit
behind a reverse proxy becomes reachable directly, bypassing the proxy's TLS, authentication and
rate limits. Inside a container, binding every interface is how the port mapping works; read
the address from configuration so that the choice is made by the deployment, not the code.

## Example
```python
if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)
```

## Use instead
```python
if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=8000)
```

## References
- [CWE-605: Multiple Binds to the Same Port](https://cwe.mitre.org/data/definitions/605.html)
- [CWE-1327: Binding to an Unrestricted IP Address](https://cwe.mitre.org/data/definitions/1327.html)
- [OWASP A05:2021 Security Misconfiguration](https://owasp.org/Top10/A05_2021-Security_Misconfiguration/)
- [Bandit B104: hardcoded_bind_all_interfaces](https://bandit.readthedocs.io/en/latest/plugins/b104_hardcoded_bind_all_interfaces.html)
"#;
