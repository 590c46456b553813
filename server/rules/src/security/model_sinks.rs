//! Sinks declared as data: `sink = KIND` rows of the detection models (built-in in
//! `queries/<lang>/models/*.toml`, or the user's `[[models]]`). Each taint rule runs this check
//! for its own sink kind on every call, so a modelled API is reported under the rule a reader
//! knows (SEC101 for `sql`, SEC302 for `path`…), with the same taint analysis, sanitisers and
//! message shape as the rule's built-in sinks.

use ba_analysis::models::{Argument, SinkModel};
use ba_analysis::Sink;
use ba_syntax::NodeExt;

use crate::{Captures, Checker};

/// The check for sink kind `SINK` (a `Sink` discriminant).
pub fn check<'a, const SINK: u8>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let sink = Sink::from_u8(SINK);
    let (Some(func), Some(args), Some(call)) =
        (caps.get("func"), caps.get("args"), caps.get("call"))
    else {
        return;
    };
    let family = checker.language.family();
    let models = checker.semantic.lang_models(family);
    if models.sinks.is_empty() {
        return;
    }
    // A method call resolves to a name ending in its method name: most calls of a file are
    // settled here, without resolving their receivers.
    if !models.sink_any_member
        && checker
            .callee_member(func)
            .is_some_and(|name| !models.sink_members.contains(name))
    {
        return;
    }
    let Some(callee) = checker.resolve(func) else {
        return;
    };
    let Some(rows) = models.sinks.get(callee.as_str()) else {
        return;
    };
    // `reported-by = "rule"` rows are the rule's own check's (its message, its conditions).
    let rows: Vec<SinkModel> = rows
        .iter()
        .filter(|r| r.sink == sink && !r.by_rule)
        .cloned()
        .collect();
    if rows.is_empty() {
        return;
    }
    // A built-in rule that already reported this call for the same rule wins.
    let range = call.byte_range();
    let code = checker.rule_code();
    if checker
        .findings()
        .iter()
        .any(|f| f.rule.code == code && f.range.start < range.end && range.start < f.range.end)
    {
        return;
    }
    let arguments = checker.arguments(args);
    let mut reported = false;
    for row in rows {
        let values: Vec<_> = match &row.argument {
            None => arguments
                .positional
                .iter()
                .copied()
                .chain(arguments.keywords.iter().filter_map(|k| k.field("value")))
                .collect(),
            Some(Argument::Position(i)) => match &row.keyword {
                Some(k) => arguments.get(*i, k, checker.source).into_iter().collect(),
                None => arguments.positional.get(*i).copied().into_iter().collect(),
            },
            Some(Argument::Keyword(k)) => {
                arguments.keyword(k, checker.source).into_iter().collect()
            }
        };
        for value in values {
            if reported {
                return;
            }
            // As the built-in redirect and SSRF rules: data after a fixed host or local path
            // (`f"/docs/{page}"`, `"https://api.example.com/" + item`) cannot change where it
            // points.
            if matches!(sink, Sink::Redirect | Sink::Url)
                && super::url_prefix_fixed(checker, value, 0)
            {
                continue;
            }
            let Some(taint) = checker.taint(value, sink).filter(|t| t.user) else {
                continue;
            };
            let from = checker.describe(&taint);
            // The language's globals are named as code names them (`require`, not
            // `global.require`).
            let shown = callee.strip_prefix("global.").unwrap_or(&callee);
            let message = format!(
                "`{shown}` receives {from} as {}; a client controls it: {}",
                ba_analysis::models::KINDS
                    .iter()
                    .find(|(_, s, _)| *s == sink)
                    .map(|(_, _, d)| *d)
                    .unwrap_or("a sink"),
                advice(sink)
            );
            checker.report(value, message).with_taint(&taint);
            reported = true;
        }
    }
}

/// What to do instead, per sink kind (the rule's docs say more).
fn advice(sink: Sink) -> &'static str {
    match sink {
        Sink::Sql => "pass the values as query parameters",
        Sink::Shell => {
            "pass a fixed program and an argument list, or check the value against an allow-list"
        }
        Sink::Code => "never evaluate client data; map it to a fixed set of operations",
        Sink::Deserialize => "parse a data-only format (JSON) instead",
        Sink::Path => {
            "reduce it to a base name, or resolve it and check it stays under the base directory"
        }
        Sink::Url => "check the host against an allow-list before fetching",
        Sink::Redirect => "redirect only to relative paths or allow-listed hosts",
        Sink::Html => "escape it, or render it through an auto-escaping template",
        Sink::Template => "render a fixed template and pass the value as a variable",
        Sink::Log => "strip line breaks (or log it with `%r`/JSON)",
        Sink::Ldap => "escape it with the library's filter escaping",
        Sink::Xpath => "pass it as an XPath variable",
        Sink::Xml => "parse with entity resolution off (defusedxml)",
        Sink::MassAssign => "copy only the fields the client may set",
        Sink::NoSql => "cast it to a string or number before it reaches the query",
        Sink::Session => {
            "validate it (an allow-list, a pattern, a type) before the session trusts it"
        }
    }
}

/// The rule each sink kind's findings are reported under.
pub const SINK_RULES: &[(Sink, &str)] = &[
    (Sink::Sql, "SEC101"),
    (Sink::Shell, "SEC102"),
    (Sink::Code, "SEC103"),
    (Sink::Template, "SEC104"),
    (Sink::Ldap, "SEC105"),
    (Sink::Xpath, "SEC106"),
    (Sink::Log, "SEC107"),
    (Sink::NoSql, "SEC108"),
    (Sink::Deserialize, "SEC202"),
    (Sink::Xml, "SEC203"),
    (Sink::Url, "SEC301"),
    (Sink::Path, "SEC302"),
    (Sink::Redirect, "SEC303"),
    (Sink::Html, "SEC304"),
    (Sink::MassAssign, "SEC305"),
    (Sink::Session, "SEC411"),
];

/// The code of the rule that reports sinks of `sink`'s kind.
pub fn rule_code(sink: Sink) -> &'static str {
    SINK_RULES
        .iter()
        .find(|(s, _)| *s == sink)
        .map(|(_, c)| *c)
        .unwrap_or("SEC101")
}
