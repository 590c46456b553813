//! Security rules (`SEC`): 1xx injection, 2xx deserialisation, 3xx web, 4xx configuration,
//! 5xx secrets and auth, 6xx crypto and transport.

use ba_syntax::NodeExt;
pub mod allowed_hosts_wildcard;
pub mod assert_for_access_control;
pub mod bind_all_interfaces;
pub mod cleartext_http_url;
pub mod code_injection;
mod command_argv;
pub mod command_injection;
pub mod cookie_flags;
pub mod csrf_disabled;
pub mod debug_enabled;
pub mod error_details;
pub mod graphql_batching;
pub mod graphql_schema_exposed;
pub mod graphql_unbounded_query;
pub mod hardcoded_secret;
pub mod host_header_injection;
pub mod insecure_cookie;
pub mod insecure_file_permissions;
pub mod insecure_protocol;
pub mod insecure_random;
pub mod insecure_temp_file;
pub mod jwt_verification_disabled;
pub mod jwt_without_expiry;
pub mod ldap_injection;
pub mod log_injection;
pub mod mass_assignment;
pub mod missing_body_limit;
pub mod missing_object_authorization;
pub mod missing_security_headers;
pub mod model_sinks;
pub mod nosql_injection;
pub mod open_redirect;
pub mod path_traversal;
pub mod permissive_cors;
pub mod prototype_pollution;
pub mod regex_injection;
pub mod secret_disclosure;
pub mod secret_names;
pub mod sensitive_jwt_payload;
pub(crate) mod settings;
pub mod sql_injection;
mod sql_parameterize;
pub mod ssh_host_key_not_verified;
pub mod ssrf;
pub mod static_files_exposure;
pub mod swallowed_security_exception;
pub mod template_injection;
pub mod timing_unsafe_comparison;
pub mod tls_verification_disabled;
pub mod trust_boundary;
pub mod unsafe_archive_extraction;
pub mod unsafe_deserialization;
pub mod unsafe_yaml_load;
pub mod weak_cipher;
pub mod weak_hash;
pub mod weak_key_size;
pub mod weak_password_hash;
pub mod weak_tls_version;
pub mod websocket_any_origin;
pub mod websocket_message_size;
pub mod xml_external_entities;
pub mod xpath_injection;
pub mod xss;

/// The module-level request functions of `requests` and `httpx`, shared by the rules about HTTP
/// clients.
pub(crate) const HTTP_FUNCTIONS: &[&str] = &[
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "requests.head",
    "requests.options",
    "requests.request",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.head",
    "httpx.options",
    "httpx.request",
    "httpx.stream",
];

/// The callee's source text, shortened for messages.
/// The value of property `key` in a JavaScript options object: an object literal, or a local
/// bound only to one (`const opts = { noent: true }; parse(xml, opts)`).
pub(crate) fn js_option<'a>(
    checker: &crate::Checker<'a>,
    options: tree_sitter::Node<'a>,
    key: &str,
) -> Option<tree_sitter::Node<'a>> {
    use ba_analysis::{Binding, Lookup};
    let object = match options.kind_str() {
        "object" => options,
        "identifier" => match checker.lookup(options) {
            Lookup::Local(bindings) => match bindings.as_slice() {
                [Binding::Value(v)] if v.kind_str() == "object" => *v,
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    ba_analysis::named_children(object)
        .into_iter()
        .filter(|p| p.kind_str() == "pair")
        .find(|p| {
            p.field("key")
                .is_some_and(|k| checker.text(k).trim_matches(['"', '\'']) == key)
        })
        .and_then(|p| p.field("value"))
}

/// " (`expr`)" after a taint description, naming the expression that reaches the sink, unless
/// the description already names it ("parameter `code` (line 3)" is not followed by
/// "(`code`)" again).
pub(crate) fn expression_note(from: &str, expression: &str) -> String {
    let shown = callee(expression);
    if from.contains(&format!("`{shown}`")) {
        String::new()
    } else {
        format!(" (`{shown}`)")
    }
}

pub(crate) fn callee(text: &str) -> String {
    // Reads only the characters it keeps (and one more): a chained call's callee is the whole
    // chain before it, and every call of a chain asks.
    let mut one_line = String::new();
    let (mut chars, mut space) = (0, false);
    for c in text.chars() {
        if c.is_whitespace() {
            space = !one_line.is_empty();
            continue;
        }
        if space {
            one_line.push(' ');
            chars += 1;
            space = false;
        }
        one_line.push(c);
        chars += 1;
        if chars > 40 {
            break;
        }
    }
    if one_line.len() > 40 {
        format!(
            "{}…",
            &one_line[..one_line
                .char_indices()
                .nth(39)
                .map_or(one_line.len(), |(i, _)| i)]
        )
    } else {
        one_line
    }
}

/// The argument a call hands to a sink of kind `sink`, when the callee is one of the sink rows
/// the kind's rule reports itself (`reported-by = "rule"` in `queries/<lang>/models/*.toml`, or
/// the user's `[[models]]`): the resolved name and the argument the first such row names.
pub(crate) fn sink_argument<'a>(
    checker: &crate::Checker<'a>,
    func: tree_sitter::Node<'a>,
    args: tree_sitter::Node<'a>,
    sink: ba_analysis::Sink,
) -> Option<(String, tree_sitter::Node<'a>)> {
    let (name, row) = rule_sink(checker, func, sink)?;
    let arg = row_argument(checker, args, row)?;
    Some((name, arg))
}

/// As `sink_argument`, with the argument of every such row of the callee (`shutil.copy`'s
/// source and destination), in row order.
pub(crate) fn sink_arguments<'a>(
    checker: &crate::Checker<'a>,
    func: tree_sitter::Node<'a>,
    args: tree_sitter::Node<'a>,
    sink: ba_analysis::Sink,
) -> Option<(String, Vec<tree_sitter::Node<'a>>)> {
    let (name, _) = rule_sink(checker, func, sink)?;
    let models = checker.semantic.lang_models(checker.language.family());
    let values = models
        .sinks
        .get(name.as_str())?
        .iter()
        .filter(|r| r.by_rule && r.sink == sink)
        .filter_map(|r| row_argument(checker, args, r))
        .collect();
    Some((name, values))
}

/// The argument a sink row names in a call's arguments: a position (or its keyword), a keyword,
/// or (no `argument`) the first positional one.
fn row_argument<'a>(
    checker: &crate::Checker<'a>,
    args: tree_sitter::Node<'a>,
    row: &ba_analysis::models::SinkModel,
) -> Option<tree_sitter::Node<'a>> {
    use ba_analysis::models::Argument;
    let arguments = checker.arguments(args);
    match (&row.argument, &row.keyword) {
        (Some(Argument::Position(i)), Some(k)) => arguments.get(*i, k, checker.source),
        (Some(Argument::Position(i)), None) => arguments.positional.get(*i).copied(),
        (Some(Argument::Keyword(k)), _) => arguments.keyword(k, checker.source),
        (None, _) => arguments.positional.first().copied(),
    }
}

/// The callee's resolved name and first `reported-by = "rule"` row of kind `sink`, if the call
/// is one the kind's rule reports itself.
pub(crate) fn rule_sink<'a>(
    checker: &crate::Checker<'a>,
    func: tree_sitter::Node<'a>,
    sink: ba_analysis::Sink,
) -> Option<(String, &'a ba_analysis::models::SinkModel)> {
    if !matches!(
        func.kind_str(),
        "identifier" | "attribute" | "member_expression"
    ) {
        return None;
    }
    let semantic: &'a ba_analysis::Semantic = checker.semantic;
    let models = semantic.lang_models(checker.language.family());
    let name = checker.resolve_callee(func, models.rule_callees(sink))?;
    let row = models.rule_sink(&name, sink)?;
    Some((name, row))
}

/// The method name of a call like `obj.method(...)`.
pub(crate) fn method_name<'a>(
    checker: &crate::Checker<'a>,
    func: tree_sitter::Node<'a>,
) -> Option<&'a str> {
    (func.kind_str() == "attribute")
        .then(|| checker.member_name(func))
        .flatten()
}

/// Whether the module, or the item being checked (`import ldap` inside a function), imports
/// anything from one of `modules` (e.g. `ldap`, `lxml`).
pub(crate) fn imports_any(checker: &crate::Checker, modules: &[&str]) -> bool {
    let wanted = |q: &str| modules.iter().any(|m| ba_analysis::within_package(q, m));
    if modules.iter().any(|m| checker.semantic.imports_package(m)) {
        return true;
    }
    if checker.language.family() != ba_syntax::Family::Python || checker.item_imports.is_empty() {
        return false;
    }
    // Imports inside the item: `import ldap as directory`, `from ldap3 import Connection`.
    checker.text(checker.item).lines().any(|line| {
        let line = line.trim_start();
        let names = if let Some(rest) = line.strip_prefix("import ") {
            rest
        } else if let Some(rest) = line.strip_prefix("from ") {
            rest.split(" import").next().unwrap_or("")
        } else {
            return false;
        };
        names
            .split(',')
            .filter_map(|n| n.split_whitespace().next())
            .any(wanted)
    })
}

/// Whether the start of a URL is fixed by the code up to and including its host (`https://api.example.com/…`)
/// or is a fixed local path (`/items/…`): then data later in it cannot change where it points.
pub(crate) fn url_prefix_fixed<'a>(
    checker: &crate::Checker<'a>,
    url: tree_sitter::Node<'a>,
    depth: u32,
) -> bool {
    use ba_analysis::{named_children, string_value, Binding, Lookup};
    if depth > 4 {
        return false;
    }
    let literal_fixed = |lit: &str| {
        if let Some((_, rest)) = lit.split_once("://") {
            return rest.contains('/') || rest.contains('?');
        }
        // A path-relative reference (`./`, `../`) stays on the same host whatever follows.
        if lit.starts_with("./") || lit.starts_with("../") {
            return true;
        }
        let mut chars = lit.chars();
        chars.next() == Some('/') && !matches!(chars.next(), None | Some('/') | Some('\\'))
    };
    match url.kind_str() {
        "string" => {
            let mut prefix = String::new();
            for part in named_children(url) {
                match part.kind_str() {
                    "string_content" | "escape_sequence" => prefix.push_str(checker.text(part)),
                    "interpolation" => {
                        if prefix.is_empty() {
                            // `f"{BASE_URL}/users/{id}"`: a constant base.
                            return part.field("expression").is_some_and(|e| {
                                checker.taint(e, ba_analysis::Sink::Url).is_none()
                                    && !is_bare_scheme(checker, e)
                            });
                        }
                        return literal_fixed(&prefix);
                    }
                    _ => {}
                }
            }
            true
        }
        // JavaScript: `https://api.example.com/users/${id}`.
        "template_string" => {
            let mut prefix = String::new();
            for part in named_children(url) {
                match part.kind_str() {
                    "string_fragment" | "escape_sequence" => prefix.push_str(checker.text(part)),
                    "template_substitution" => {
                        if prefix.is_empty() {
                            return part.named_child(0).is_some_and(|e| {
                                checker.taint(e, ba_analysis::Sink::Url).is_none()
                                    && !is_bare_scheme(checker, e)
                            });
                        }
                        return literal_fixed(&prefix);
                    }
                    _ => {}
                }
            }
            true
        }
        "parenthesized_expression" | "await_expression" => url
            .named_child(0)
            .is_some_and(|c| url_prefix_fixed(checker, c, depth + 1)),
        "binary_operator" | "binary_expression" => {
            let Some(left) = url.field("left") else {
                return false;
            };
            if let Some(v) = string_value(checker.language, left, checker.source) {
                // `"http://%s/api" % host`: the template's text before its first placeholder.
                let percent = url
                    .field("operator")
                    .is_some_and(|o| checker.text(o) == "%");
                return literal_fixed(if percent { template_prefix(v, '%') } else { v });
            }
            if matches!(
                left.kind_str(),
                "binary_operator" | "binary_expression" | "string" | "template_string"
            ) {
                return url_prefix_fixed(checker, left, depth + 1);
            }
            checker.taint(left, ba_analysis::Sink::Url).is_none() && !is_bare_scheme(checker, left)
        }
        // `new URL("/login", request.url)`: a fixed path (or URL) resolved against the
        // request's own URL stays on the site (Next.js redirects are written this way).
        "new_expression" => {
            if url
                .field("constructor")
                .is_none_or(|c| checker.text(c) != "URL")
            {
                return false;
            }
            let args: Vec<_> = url
                .field("arguments")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.kind_str() != "comment")
                .collect();
            let (Some(first), Some(base)) = (args.first(), args.get(1)) else {
                return false;
            };
            let own = {
                let b = checker.text(*base);
                b.ends_with(".url") || b.ends_with(".nextUrl") || b.ends_with(".origin")
            };
            url_prefix_fixed(checker, *first, depth + 1)
                && (own || checker.taint(*base, ba_analysis::Sink::Url).is_none())
        }
        // `['./', ...rest].join('?')`: the first element is the start of the URL.
        "call_expression" => {
            let Some(f) = url
                .field("function")
                .filter(|f| f.kind_str() == "member_expression")
            else {
                return false;
            };
            if f.field("property").map(|p| checker.text(p)) != Some("join") {
                return false;
            }
            f.field("object")
                .filter(|o| o.kind_str() == "array")
                .and_then(|a| a.named_child(0))
                .and_then(|first| string_value(checker.language, first, checker.source))
                .is_some_and(literal_fixed)
        }
        "call" => {
            // `"https://api.example.com/{}".format(x)`
            let object = url.field("function").and_then(|f| f.field("object"));
            object.is_some_and(|o| {
                string_value(checker.language, o, checker.source)
                    .is_some_and(|v| literal_fixed(template_prefix(v, '{')))
            })
        }
        "identifier" => match checker.lookup(url) {
            Lookup::Local(bindings) => {
                let values: Vec<_> = bindings
                    .iter()
                    .filter_map(|b| match b {
                        Binding::Value(v) => Some(*v),
                        _ => None,
                    })
                    .collect();
                !values.is_empty()
                    && values.len() == bindings.len()
                    && values
                        .iter()
                        .all(|v| url_prefix_fixed(checker, *v, depth + 1))
            }
            _ => false,
        },
        _ => false,
    }
}

/// The text of a format template before its first placeholder (`%s` / `{}`; `%%` and `{{` are
/// literal): what the code fixes of a URL built from it.
fn template_prefix(template: &str, mark: char) -> &str {
    let bytes = template.as_bytes();
    let m = mark as u8;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == m {
            if bytes.get(i + 1) == Some(&m) {
                i += 2;
                continue;
            }
            return &template[..i];
        }
        i += 1;
    }
    template
}

/// `self.<method>` called in a Tornado `RequestHandler` subclass (judged by the class's bases):
/// `self.redirect(url)`, `self.write(chunk)`.
pub(crate) fn tornado_self_call(
    checker: &crate::Checker,
    func: tree_sitter::Node,
    methods: &[&str],
) -> bool {
    func.kind_str() == "attribute"
        && func
            .field("object")
            .is_some_and(|o| checker.text(o) == "self")
        && func
            .field("attribute")
            .is_some_and(|a| methods.contains(&checker.text(a)))
        && ba_analysis::ancestors(checker.item, func).iter().any(|a| {
            a.kind_str() == "class_definition"
                && a.field("superclasses")
                    .is_some_and(|b| checker.text(b).contains("RequestHandler"))
        })
}

/// A literal that is only a scheme (`"https://"`): what follows it is the host.
fn is_bare_scheme(checker: &crate::Checker, node: tree_sitter::Node) -> bool {
    ba_analysis::string_value(checker.language, node, checker.source)
        .is_some_and(|v| v.ends_with("://") || v.is_empty())
}

#[cfg(test)]
mod expression_note_tests {
    use super::expression_note;

    /// A message names the expression once: not again after a description that names it.
    #[test]
    fn the_expression_is_not_repeated() {
        assert_eq!(expression_note("parameter `code` (line 3)", "code"), "");
        assert_eq!(
            expression_note(
                "request data `req.body.formula` (line 9)",
                "req.body.formula"
            ),
            ""
        );
        assert_eq!(
            expression_note("parameter `code` (line 3)", "prefix + code"),
            " (`prefix + code`)"
        );
    }
}

#[cfg(test)]
mod callee_tests {
    use super::callee;

    /// What `callee` shows, read from the whole text (what it did before it read only the
    /// characters it keeps).
    fn reference(text: &str) -> String {
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.len() > 40 {
            let cut = one_line
                .char_indices()
                .nth(39)
                .map_or(one_line.len(), |(i, _)| i);
            format!("{}…", &one_line[..cut])
        } else {
            one_line
        }
    }

    #[test]
    fn shows_the_callee_on_one_line_cut_at_forty_characters() {
        let long = format!("db.find(req.query){}", "\n  .then(f)".repeat(30));
        for text in [
            "",
            "  ",
            "os.system",
            "  a\n .b \r\n\t.c  ",
            "x".repeat(40).as_str(),
            "x".repeat(41).as_str(),
            "é".repeat(25).as_str(),
            "é".repeat(45).as_str(),
            "😀".repeat(39).as_str(),
            long.as_str(),
        ] {
            assert_eq!(callee(text), reference(text), "{text:?}");
        }
    }
}
