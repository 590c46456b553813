//! SEC606 cleartext-http-url: HTTP clients pointed at `http://` URLs of non-local hosts.

use ba_syntax::NodeExt;
use std::net::Ipv4Addr;

use tree_sitter::Node;

use super::tls_verification_disabled::{is_client_receiver, CLIENT_CONSTRUCTORS};
use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::{named_children, Binding, Lookup};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC606",
    name: "cleartext-http-url",
    category: Category::Security,
    severity: Severity::Warning,
    cwe: &[319],
    owasp: Some("A02:2021 Cryptographic Failures"),
    summary: "An HTTP request goes to a public host over cleartext `http://`; use `https://`.",
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

/// Functions taking a URL: (qualified name, position of the URL).
const URL_FUNCTIONS: &[(&str, usize)] = &[
    ("requests.get", 0),
    ("requests.post", 0),
    ("requests.put", 0),
    ("requests.patch", 0),
    ("requests.delete", 0),
    ("requests.head", 0),
    ("requests.options", 0),
    ("requests.request", 1),
    ("httpx.get", 0),
    ("httpx.post", 0),
    ("httpx.put", 0),
    ("httpx.patch", 0),
    ("httpx.delete", 0),
    ("httpx.head", 0),
    ("httpx.options", 0),
    ("httpx.request", 1),
    ("httpx.stream", 1),
    ("urllib.request.urlopen", 0),
    ("urllib.request.Request", 0),
    ("urllib2.urlopen", 0),
    ("urllib2.Request", 0),
    ("urllib.request.urlretrieve", 0),
    ("urllib.urlretrieve", 0),
    ("urllib.urlopen", 0),
    ("aiohttp.request", 1),
];

/// Besides `HTTP_FUNCTIONS`, the functions that take a URL.
const URL_FUNCTION_NAMES: &[&str] = &[
    "urllib.request.urlopen",
    "urllib.request.Request",
    "urllib2.urlopen",
    "urllib2.Request",
    "urllib.request.urlretrieve",
    "urllib.urlretrieve",
    "urllib.urlopen",
    "aiohttp.request",
];

/// Openers whose `open(url)` / `retrieve(url)` fetch the URL.
const OPENERS: &[&str] = &[
    "urllib.request.build_opener",
    "urllib.request.OpenerDirector",
    "urllib.request.URLopener",
    "urllib.request.FancyURLopener",
    "urllib2.build_opener",
    "urllib2.OpenerDirector",
];

/// Client methods taking a URL: (method, position of the URL).
const URL_METHODS: &[(&str, usize)] = &[
    ("get", 0),
    ("post", 0),
    ("put", 0),
    ("patch", 0),
    ("delete", 0),
    ("head", 0),
    ("options", 0),
    ("request", 1),
    ("stream", 1),
    ("ws_connect", 0),
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args = checker.arguments(args_node);
    let src = checker.source;
    // Where the URL is for each kind of callee; receivers of methods are judged last, once the
    // URL is known to be a cleartext literal (most `.get(` calls are dict lookups).
    let method = (func.kind_str() == "attribute")
        .then(|| func.field("attribute"))
        .flatten()
        .map(|a| checker.text(a));
    let method_index = URL_METHODS
        .iter()
        .find(|(m, _)| Some(*m) == method)
        .map(|(_, i)| *i);
    let (url, needs_client) = if let Some(name) =
        checker.resolve_callee_among(func, &[super::HTTP_FUNCTIONS, URL_FUNCTION_NAMES])
    {
        let index = URL_FUNCTIONS
            .iter()
            .find(|(q, _)| *q == name)
            .map_or(0, |(_, i)| *i);
        (args.get(index, "url", src), false)
    } else if checker.resolve_callee(func, CLIENT_CONSTRUCTORS).is_some() {
        (args.keyword("base_url", src), false)
    } else if let Some(index) = method_index {
        (args.get(index, "url", src), true)
    } else if matches!(method, Some("open" | "retrieve"))
        && func
            .field("object")
            .is_some_and(|o| super::tls_verification_disabled::bound_to_call(checker, o, OPENERS))
    {
        (args.get(0, "fullurl", src), false)
    } else {
        return;
    };
    let Some(arg) = url else {
        return;
    };
    // The literal itself, or the one string a local variable is bound to.
    let url = match arg.kind_str() {
        "string" => arg,
        "identifier" => match local_string(checker, arg) {
            Some(s) => s,
            None => return,
        },
        _ => return,
    };
    let Some((prefix, content_start)) = static_prefix(checker, url) else {
        return;
    };
    if !prefix
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        return;
    }
    if needs_client && !is_client_receiver(checker, func) {
        return;
    }
    let complete = !named_children(url)
        .iter()
        .any(|c| c.kind_str() == "interpolation");
    let Some(host) = host_of(&prefix[7..], complete) else {
        return;
    };
    if is_local(&host) {
        return;
    }
    let call = super::callee(checker.text(func));
    let shown = super::callee(prefix);
    let via = if arg == url {
        String::new()
    } else {
        format!(" (through `{}`)", checker.text(arg))
    };
    checker
        .report(arg, format!(
            "`{call}` sends the request to `{shown}`{via} over cleartext HTTP, readable and changeable on the network; use `https://`"
        ))
        .with_fix(
            "Use `https://`",
            Applicability::Unsafe,
            vec![Edit {
                range: content_start..content_start + 7,
                content: "https://".to_owned(),
            }],
        );
}

/// The string literal a local variable is bound to, when it has exactly one binding and that is
/// a string (`url = f"http://…/{id}"`).
fn local_string<'a>(checker: &Checker<'a>, ident: Node<'a>) -> Option<Node<'a>> {
    match checker.lookup(ident) {
        Lookup::Local(bindings) => match bindings.as_slice() {
            [Binding::Value(v)] if v.kind_str() == "string" => Some(*v),
            _ => None,
        },
        _ => None,
    }
}

/// The literal text at the start of a string or f-string (up to the first interpolation), and
/// its byte offset.
fn static_prefix<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<(&'a str, usize)> {
    if node.kind_str() != "string" {
        return None;
    }
    let parts = named_children(node);
    let start = parts
        .iter()
        .find(|c| c.kind_str() == "string_start")?
        .end_byte();
    let end = parts
        .iter()
        .find(|c| matches!(c.kind_str(), "interpolation" | "string_end"))?
        .start_byte();
    Some((checker.source.get(start..end)?, start))
}

/// The host of `rest` (the URL after `http://`); `None` if an interpolation may still be part
/// of it.
fn host_of(rest: &str, complete: bool) -> Option<String> {
    let authority_end = rest.find(['/', '?', '#']);
    if authority_end.is_none() && !complete {
        return None;
    }
    let authority = &rest[..authority_end.unwrap_or(rest.len())];
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if authority.starts_with('[') {
        &authority[..authority.find(']').map_or(authority.len(), |i| i + 1)]
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    Some(host.to_ascii_lowercase())
}

/// Hosts whose traffic stays on the machine or a private network: loopback, private and
/// link-local addresses, local/internal names, and single-label names (docker-compose
/// services such as `http://redis:6379`).
fn is_local(host: &str) -> bool {
    if host.is_empty() || !host.contains('.') && !host.starts_with('[') {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[') {
        let v6 = v6.trim_end_matches(']');
        return v6 == "::1"
            || v6.starts_with("fc")
            || v6.starts_with("fd")
            || v6.starts_with("fe80");
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified();
    }
    const LOCAL_SUFFIXES: &[&str] = &[
        ".localhost",
        ".local",
        ".internal",
        ".localdomain",
        ".lan",
        ".home.arpa",
        ".test",
        ".example",
        ".invalid",
    ];
    let host = host.trim_end_matches('.');
    LOCAL_SUFFIXES.iter().any(|s| host.ends_with(s))
}

const DOCS: &str = r#"## What it does
Flags HTTP client calls whose URL is a literal (or an f-string whose host is literal), or a
local variable bound once to such a literal, starting with `http://` to a host that is not
local: `requests.*`, `httpx.*`, methods of
`requests.Session` / `httpx.Client` / `aiohttp.ClientSession` objects, `urllib.request.urlopen`,
`urlretrieve` and `Request`, `open`/`retrieve` of `build_opener()`/`URLopener()` openers, and
`base_url=` of client constructors.

Not reported: `https://`, loopback and private addresses (`localhost`, `127.*`, `[::1]`,
`0.0.0.0`, `10.*`, `172.16–31.*`, `192.168.*`, `169.254.*`), `*.local`, `*.internal`,
`*.localhost`, single-label hosts such as docker-compose service names (`http://redis:6379`,
`http://api/`), and URLs read from configuration.

## Why is this bad?
Plain HTTP is readable and modifiable by anyone on the network path. Credentials, tokens and
personal data in the request leak, and a response can be replaced (a rewritten download, a
forged webhook answer).

## Example
```python
import requests

def push_order(order):
    requests.post("http://api.partner-logistics.com/v2/orders", json=order, timeout=10)
```

## Use instead
```python
import requests

def push_order(order):
    requests.post("https://api.partner-logistics.com/v2/orders", json=order, timeout=10)
```

## Fix
`http://` is replaced by `https://` (unsafe: the server must serve HTTPS on the same host, and
a port in the URL may need to change).

## References
- [CWE-319: Cleartext Transmission of Sensitive Information](https://cwe.mitre.org/data/definitions/319.html)
- [OWASP A02:2021 Cryptographic Failures](https://owasp.org/Top10/A02_2021-Cryptographic_Failures/)
- [Requests: quickstart](https://requests.readthedocs.io/en/latest/user/quickstart/)
"#;

#[cfg(test)]
mod tests {
    use super::{host_of, is_local};

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("api.example.com/v1", true).as_deref(),
            Some("api.example.com")
        );
        assert_eq!(
            host_of("user:pw@Example.com:8080/", true).as_deref(),
            Some("example.com")
        );
        assert_eq!(host_of("[::1]:8000/", true).as_deref(), Some("[::1]"));
        assert_eq!(host_of("api.example.com", false), None);
        assert_eq!(
            host_of("api.example.com/", false).as_deref(),
            Some("api.example.com")
        );
    }

    #[test]
    fn local_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "[::1]",
            "0.0.0.0",
            "10.1.2.3",
            "192.168.0.10",
            "172.20.0.5",
            "169.254.169.254",
            "redis",
            "api",
            "printer.local",
            "host.docker.internal",
            "app.localhost",
            "",
        ] {
            assert!(is_local(h), "{h}");
        }
        for h in ["example.com", "172.32.0.1", "8.8.8.8", "api.partner.io"] {
            assert!(!is_local(h), "{h}");
        }
    }
}
