//! The map as Mermaid (a `flowchart`, rendered by GitHub, GitLab and most wikis), Graphviz DOT
//! and JSON. The same nodes in the same order in every format: applications contain resources,
//! resources contain routes (or one summary node when the map is collapsed), and routes point
//! at the models and clients their handlers use. Nodes are coloured by their worst finding;
//! routes without auth have a dashed border.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use ba_rules::Severity;

use crate::map::{
    Auth, ClientCategory, ClientNode, Counts, GraphqlSchema, Group, Map, ModelNode, ResolverNode,
    RouteNode, SocketEndpoint, SocketHandlerNode,
};

pub fn json(map: &Map) -> String {
    serde_json::to_string_pretty(map).unwrap_or_default() + "\n"
}

pub(crate) fn route_label(r: &RouteNode) -> Vec<String> {
    let mut lines = vec![
        format!("{} {}", r.methods.join(","), r.path),
        if r.handler == crate::map::ANONYMOUS {
            format!("inline handler · {}", r.auth.label())
        } else {
            format!("{} · {}", r.handler, r.auth.label())
        },
    ];
    if r.findings.total() > 0 {
        lines.push(format!("{} ({})", r.findings.describe(), r.codes.join(" ")));
    }
    lines
}

pub(crate) fn group_label(g: &Group) -> String {
    match &g.router {
        Some(router) => format!("{} · {} · {}", g.prefix, router, g.file),
        None => format!("{} · {}", g.prefix, g.file),
    }
}

/// One node for a collapsed resource.
pub(crate) fn collapsed_label(g: &Group) -> Vec<String> {
    let mut methods: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &g.routes {
        for m in &r.methods {
            *methods.entry(m).or_default() += 1;
        }
    }
    let mut lines = vec![
        format!(
            "{} route{} ({})",
            g.routes.len(),
            if g.routes.len() == 1 { "" } else { "s" },
            methods
                .iter()
                .map(|(m, n)| format!("{n} {m}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        if g.routes_without_auth > 0 {
            format!("{} without auth", g.routes_without_auth)
        } else {
            "all authenticated or public".to_owned()
        },
    ];
    if g.findings.total() > 0 {
        lines.push(g.findings.describe());
    }
    lines
}

pub(crate) fn schema_label(g: &GraphqlSchema) -> String {
    let mut parts = vec!["GraphQL".to_owned(), g.library.to_owned()];
    if !g.paths.is_empty() {
        parts.push(g.paths.join(", "));
    }
    parts.push(g.files.join(", "));
    parts.join(" · ")
}

pub(crate) fn resolver_label(r: &ResolverNode) -> Vec<String> {
    let name = format!("{}.{}", r.parent, r.field);
    let function = if r.function == name {
        // A resolver map's inline function.
        "inline resolver"
    } else {
        &r.function
    };
    let mut lines = vec![name.clone(), format!("{function} · {}", r.auth.label())];
    if r.findings.total() > 0 {
        lines.push(format!("{} ({})", r.findings.describe(), r.codes.join(" ")));
    }
    lines
}

/// One node for a collapsed schema.
pub(crate) fn collapsed_schema_label(g: &GraphqlSchema) -> Vec<String> {
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &g.resolvers {
        *types.entry(&r.parent).or_default() += 1;
    }
    let n = g.resolvers.len();
    let mut lines = vec![
        format!(
            "{n} resolver{} ({})",
            if n == 1 { "" } else { "s" },
            types
                .iter()
                .map(|(t, n)| format!("{n} {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("{} without auth", g.resolvers_without_auth),
    ];
    if g.findings.total() > 0 {
        lines.push(g.findings.describe());
    }
    lines
}

pub(crate) fn endpoint_label(e: &SocketEndpoint) -> String {
    let mut parts = vec![
        "WebSocket".to_owned(),
        e.library.to_owned(),
        e.endpoint.clone(),
    ];
    if let Some(p) = &e.path {
        parts.push(p.clone());
    }
    parts.push(e.file.clone());
    parts.push(e.auth.label().to_owned());
    parts.join(" · ")
}

pub(crate) fn socket_handler_label(h: &SocketHandlerNode) -> Vec<String> {
    let handler = if h.handler == "anonymous" {
        "inline handler"
    } else {
        &h.handler
    };
    let mut lines = vec![format!("on {}", h.event), handler.to_owned()];
    if h.findings.total() > 0 {
        lines.push(format!("{} ({})", h.findings.describe(), h.codes.join(" ")));
    }
    lines
}

/// One node for a collapsed endpoint.
pub(crate) fn collapsed_endpoint_label(e: &SocketEndpoint) -> Vec<String> {
    let n = e.handlers.len();
    let mut lines = vec![format!(
        "{n} handler{} ({})",
        if n == 1 { "" } else { "s" },
        e.handlers
            .iter()
            .map(|h| h.event.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if e.findings.total() > 0 {
        lines.push(e.findings.describe());
    }
    lines
}

pub(crate) fn client_label(c: &crate::map::ClientNode) -> Vec<String> {
    let mut lines = vec![
        format!("{} · {}", c.var.as_deref().unwrap_or("(unnamed)"), c.kind),
        match &c.function {
            Some(f) => format!("{} in {f}()", c.file),
            None => c.file.clone(),
        },
    ];
    if c.timeout == Some(false) {
        lines.push("no timeout".to_owned());
    }
    lines
}

pub(crate) fn severity_class(c: &Counts) -> Option<&'static str> {
    c.worst().map(Severity::name)
}

/// What an edge from a handler means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// The handler queries the model.
    Reads,
    /// The handler stores or deletes the model.
    Writes,
    ReadsWrites,
    /// The handler names the model (a type, a schema, a constructor) without a query or a write.
    Uses,
    /// The handler uses an outbound client.
    Client,
}

impl EdgeKind {
    pub fn label(self) -> &'static str {
        match self {
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            EdgeKind::ReadsWrites => "reads, writes",
            EdgeKind::Uses => "uses",
            EdgeKind::Client => "calls",
        }
    }

    fn merge(self, o: EdgeKind) -> EdgeKind {
        use EdgeKind::*;
        match (self, o) {
            (a, b) if a == b => a,
            (Client, _) | (_, Client) => Client,
            (Uses, x) | (x, Uses) => x,
            _ => ReadsWrites,
        }
    }
}

/// Edges from handlers (routes, resolvers, socket handlers; or, when the map is collapsed, the
/// resource, schema or endpoint that holds them) to models and clients, deduplicated, in order.
pub fn edges(map: &Map) -> Vec<(String, String, EdgeKind)> {
    let mut out: Vec<(String, String, EdgeKind)> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    let mut add = |from: &str, to: &str, kind: EdgeKind| {
        let key = (from.to_owned(), to.to_owned());
        match at.get(&key) {
            Some(&i) => out[i].2 = out[i].2.merge(kind),
            None => {
                at.insert(key, out.len());
                out.push((from.to_owned(), to.to_owned(), kind));
            }
        }
    };
    for h in map.handlers() {
        let from = if map.collapsed { h.container } else { h.id };
        for m in h.models.iter().chain(h.reads).chain(h.writes) {
            let kind = match (h.reads.contains(m), h.writes.contains(m)) {
                (true, true) => EdgeKind::ReadsWrites,
                (true, false) => EdgeKind::Reads,
                (false, true) => EdgeKind::Writes,
                (false, false) => EdgeKind::Uses,
            };
            add(from, m, kind);
        }
        for c in h.clients {
            add(from, c, EdgeKind::Client);
        }
    }
    out
}

/// The models and clients to draw: all of them, or, when the map is collapsed (a large
/// system), only those some route uses (the others would be unconnected nodes; `--format json`
/// lists every one).
pub(crate) fn drawn(map: &Map) -> (Vec<&ModelNode>, Vec<&ClientNode>, usize) {
    let used: std::collections::HashSet<String> =
        edges(map).into_iter().map(|(_, to, _)| to).collect();
    let keep = |id: &String| !map.collapsed || used.contains(id);
    let models: Vec<&ModelNode> = map.models.iter().filter(|m| keep(&m.id)).collect();
    let clients: Vec<&ClientNode> = map.clients.iter().filter(|c| keep(&c.id)).collect();
    let left_out = map.models.len() + map.clients.len() - models.len() - clients.len();
    (models, clients, left_out)
}

/// Text inside a quoted Mermaid label: HTML-significant characters and quotes as Mermaid's
/// entity codes, so no label can close the string or inject markup.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn mermaid_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| mermaid_text(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

pub fn mermaid(map: &Map) -> String {
    let mut out = String::new();
    out.push_str("flowchart LR\n");
    let _ = writeln!(out, "  %% backend-architect map ({})", map.schema);
    if let Some(f) = &map.focus {
        let _ = writeln!(out, "  %% focus: {}", f.replace(['\n', '\r'], " "));
    }
    let mut classes: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    fn group<'m>(
        map: &Map,
        classes: &mut BTreeMap<&'static str, Vec<&'m str>>,
        out: &mut String,
        g: &'m Group,
        indent: &str,
    ) {
        if map.collapsed {
            let _ = writeln!(
                out,
                "{indent}{}[\"{}\"]",
                g.id,
                mermaid_label(
                    &std::iter::once(group_label(g))
                        .chain(collapsed_label(g))
                        .collect::<Vec<_>>()
                )
            );
            if let Some(c) = severity_class(&g.findings) {
                classes.entry(c).or_default().push(&g.id);
            }
            if g.routes_without_auth > 0 {
                classes.entry("noauth").or_default().push(&g.id);
            }
            return;
        }
        let _ = writeln!(
            out,
            "{indent}subgraph {}[\"{}\"]",
            g.id,
            mermaid_text(&group_label(g))
        );
        for r in &g.routes {
            let _ = writeln!(
                out,
                "{indent}  {}[\"{}\"]",
                r.id,
                mermaid_label(&route_label(r))
            );
            if let Some(c) = severity_class(&r.findings) {
                classes.entry(c).or_default().push(&r.id);
            }
            if r.auth == Auth::None {
                classes.entry("noauth").or_default().push(&r.id);
            }
        }
        let _ = writeln!(out, "{indent}end");
    }
    for app in &map.apps {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            app.id,
            mermaid_text(&format!("{} app · {}", app.framework, app.file))
        );
        for g in &app.groups {
            group(map, &mut classes, &mut out, g, "    ");
        }
        out.push_str("  end\n");
    }
    if !map.unmounted.is_empty() {
        out.push_str("  subgraph unmounted[\"Routers nothing mounts\"]\n");
        for g in &map.unmounted {
            group(map, &mut classes, &mut out, g, "    ");
        }
        out.push_str("  end\n");
    }
    for g in &map.graphql {
        if map.collapsed {
            let _ = writeln!(
                out,
                "  {}[\"{}\"]",
                g.id,
                mermaid_label(
                    &std::iter::once(schema_label(g))
                        .chain(collapsed_schema_label(g))
                        .collect::<Vec<_>>()
                )
            );
            if let Some(c) = severity_class(&g.findings) {
                classes.entry(c).or_default().push(&g.id);
            }
            if g.resolvers_without_auth > 0 {
                classes.entry("noauth").or_default().push(&g.id);
            }
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            g.id,
            mermaid_text(&schema_label(g))
        );
        for r in &g.resolvers {
            let _ = writeln!(
                out,
                "    {}[\"{}\"]",
                r.id,
                mermaid_label(&resolver_label(r))
            );
            if let Some(c) = severity_class(&r.findings) {
                classes.entry(c).or_default().push(&r.id);
            }
            if r.auth == Auth::None {
                classes.entry("noauth").or_default().push(&r.id);
            }
        }
        out.push_str("  end\n");
    }
    for e in &map.sockets {
        if map.collapsed {
            let _ = writeln!(
                out,
                "  {}[\"{}\"]",
                e.id,
                mermaid_label(
                    &std::iter::once(endpoint_label(e))
                        .chain(collapsed_endpoint_label(e))
                        .collect::<Vec<_>>()
                )
            );
            if let Some(c) = severity_class(&e.findings) {
                classes.entry(c).or_default().push(&e.id);
            }
            if e.auth == Auth::None {
                classes.entry("noauth").or_default().push(&e.id);
            }
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            e.id,
            mermaid_text(&endpoint_label(e))
        );
        for h in &e.handlers {
            let _ = writeln!(
                out,
                "    {}[\"{}\"]",
                h.id,
                mermaid_label(&socket_handler_label(h))
            );
            if let Some(c) = severity_class(&h.findings) {
                classes.entry(c).or_default().push(&h.id);
            }
            if e.auth == Auth::None {
                classes.entry("noauth").or_default().push(&h.id);
            }
        }
        out.push_str("  end\n");
    }
    let (models, clients, left_out) = drawn(map);
    if left_out > 0 {
        let _ = writeln!(
            out,
            "  %% {left_out} models and clients no route uses are left out (--format json lists them)"
        );
    }
    if !models.is_empty() {
        out.push_str("  subgraph models[\"Models\"]\n");
        for m in &models {
            let _ = writeln!(
                out,
                "    {}[(\"{}\")]",
                m.id,
                mermaid_label(&[format!("{} · {}", m.name, m.kind), m.file.clone()])
            );
        }
        out.push_str("  end\n");
    }
    if !clients.is_empty() {
        out.push_str("  subgraph clients[\"Outbound clients\"]\n");
        for c in &clients {
            let _ = writeln!(
                out,
                "    {}{{{{\"{}\"}}}}",
                c.id,
                mermaid_label(&client_label(c))
            );
            if let Some(s) = severity_class(&c.findings) {
                classes.entry(s).or_default().push(&c.id);
            }
        }
        out.push_str("  end\n");
    }
    for (from, to, kind) in edges(map) {
        let arrow = match kind {
            EdgeKind::Reads => "-->|reads|",
            EdgeKind::Writes => "==>|writes|",
            EdgeKind::ReadsWrites => "==>|reads, writes|",
            EdgeKind::Uses => "-.-",
            EdgeKind::Client => "-.->",
        };
        let _ = writeln!(out, "  {from} {arrow} {to}");
    }
    out.push_str("  classDef error fill:#fde2e1,stroke:#c62828,stroke-width:2px\n");
    out.push_str("  classDef warning fill:#fff4d6,stroke:#b7791f\n");
    out.push_str("  classDef info fill:#e3f2fd,stroke:#1565c0\n");
    out.push_str("  classDef hint fill:#f1f5f9,stroke:#64748b\n");
    out.push_str("  classDef noauth stroke-dasharray:5 4\n");
    for (class, nodes) in classes {
        let _ = writeln!(out, "  class {} {class}", nodes.join(","));
    }
    out
}

/// A DOT double-quoted string: backslashes and quotes escaped (so `\l`, `\N` and friends in
/// a user's path stay text), line breaks as `\n`.
fn dot_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot_lines(lines: &[String]) -> String {
    dot_text(&lines.join("\n"))
}

fn dot_fill(c: &Counts) -> &'static str {
    match c.worst() {
        Some(Severity::Error) => "#fde2e1",
        Some(Severity::Warning) => "#fff4d6",
        Some(Severity::Info) => "#e3f2fd",
        Some(Severity::Hint) => "#f1f5f9",
        None => "#ffffff",
    }
}

fn dot_style(c: &Counts, no_auth: bool) -> String {
    format!(
        "fillcolor=\"{}\", style=\"{}\"",
        dot_fill(c),
        if no_auth {
            "rounded,filled,dashed"
        } else {
            "rounded,filled"
        }
    )
}

pub fn dot(map: &Map) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// backend-architect map ({})", map.schema);
    out.push_str("digraph architecture {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, compound=true];\n");
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n",
    );
    out.push_str("  edge [color=\"#64748b\"];\n");
    let group = |out: &mut String, g: &Group, indent: &str| {
        if map.collapsed {
            let _ = writeln!(
                out,
                "{indent}{} [label={}, {}];",
                dot_text(&g.id),
                dot_lines(
                    &std::iter::once(group_label(g))
                        .chain(collapsed_label(g))
                        .collect::<Vec<_>>()
                ),
                dot_style(&g.findings, g.routes_without_auth > 0)
            );
            return;
        }
        let _ = writeln!(
            out,
            "{indent}subgraph {} {{",
            dot_text(&format!("cluster_{}", g.id))
        );
        let _ = writeln!(out, "{indent}  label={};", dot_text(&group_label(g)));
        out.push_str(&format!(
            "{indent}  style=\"rounded\"; color=\"#94a3b8\";\n"
        ));
        for r in &g.routes {
            let _ = writeln!(
                out,
                "{indent}  {} [label={}, {}];",
                dot_text(&r.id),
                dot_lines(&route_label(r)),
                dot_style(&r.findings, r.auth == Auth::None)
            );
        }
        let _ = writeln!(out, "{indent}}}");
    };
    for app in &map.apps {
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            dot_text(&format!("cluster_{}", app.id))
        );
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,bold\"; color=\"#334155\";",
            dot_text(&format!("{} app · {}", app.framework, app.file))
        );
        for g in &app.groups {
            group(&mut out, g, "    ");
        }
        out.push_str("  }\n");
    }
    if !map.unmounted.is_empty() {
        out.push_str("  subgraph \"cluster_unmounted\" {\n    label=\"Routers nothing mounts\"; style=\"rounded,dashed\";\n");
        for g in &map.unmounted {
            group(&mut out, g, "    ");
        }
        out.push_str("  }\n");
    }
    for g in &map.graphql {
        if map.collapsed {
            let _ = writeln!(
                out,
                "  {} [label={}, {}];",
                dot_text(&g.id),
                dot_lines(
                    &std::iter::once(schema_label(g))
                        .chain(collapsed_schema_label(g))
                        .collect::<Vec<_>>()
                ),
                dot_style(&g.findings, g.resolvers_without_auth > 0)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            dot_text(&format!("cluster_{}", g.id))
        );
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,bold\"; color=\"#7c3aed\";",
            dot_text(&schema_label(g))
        );
        for r in &g.resolvers {
            let _ = writeln!(
                out,
                "    {} [label={}, {}];",
                dot_text(&r.id),
                dot_lines(&resolver_label(r)),
                dot_style(&r.findings, r.auth == Auth::None)
            );
        }
        out.push_str("  }\n");
    }
    for e in &map.sockets {
        if map.collapsed {
            let _ = writeln!(
                out,
                "  {} [label={}, {}];",
                dot_text(&e.id),
                dot_lines(
                    &std::iter::once(endpoint_label(e))
                        .chain(collapsed_endpoint_label(e))
                        .collect::<Vec<_>>()
                ),
                dot_style(&e.findings, e.auth == Auth::None)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            dot_text(&format!("cluster_{}", e.id))
        );
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,bold\"; color=\"#0f766e\";",
            dot_text(&endpoint_label(e))
        );
        for h in &e.handlers {
            let _ = writeln!(
                out,
                "    {} [label={}, {}];",
                dot_text(&h.id),
                dot_lines(&socket_handler_label(h)),
                dot_style(&h.findings, e.auth == Auth::None)
            );
        }
        out.push_str("  }\n");
    }
    let (models, clients, left_out) = drawn(map);
    if left_out > 0 {
        let _ = writeln!(
            out,
            "  // {left_out} models and clients no route uses are left out (--format json lists them)"
        );
    }
    for m in &models {
        let _ = writeln!(
            out,
            "  {} [shape=cylinder, style=\"filled\", fillcolor=\"#eef2ff\", label={}];",
            dot_text(&m.id),
            dot_lines(&[format!("{} · {}", m.name, m.kind), m.file.clone()])
        );
    }
    for c in &clients {
        let shape = match c.category {
            ClientCategory::Http => "hexagon",
            ClientCategory::Database => "cylinder",
            ClientCategory::Cache => "box3d",
            ClientCategory::Queue => "cds",
        };
        let _ = writeln!(
            out,
            "  {} [shape={shape}, style=\"filled\", fillcolor=\"{}\", label={}];",
            dot_text(&c.id),
            if c.timeout == Some(false) {
                "#fff4d6"
            } else {
                dot_fill(&c.findings)
            },
            dot_lines(&client_label(c))
        );
    }
    for (from, to, kind) in edges(map) {
        let attrs = match kind {
            EdgeKind::Reads => " [label=\"reads\", color=\"#1565c0\", fontsize=9]",
            EdgeKind::Writes => " [label=\"writes\", color=\"#c62828\", penwidth=2, fontsize=9]",
            EdgeKind::ReadsWrites => {
                " [label=\"reads, writes\", color=\"#c62828\", penwidth=2, fontsize=9]"
            }
            EdgeKind::Uses => " [style=dotted, arrowhead=none]",
            EdgeKind::Client => " [style=dashed]",
        };
        let _ = writeln!(out, "  {} -> {}{attrs};", dot_text(&from), dot_text(&to));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out() {
        assert_eq!(
            mermaid_text("a\"]<script>&#x;`"),
            "a#quot;]#lt;script#gt;#amp;#35;x;#96;"
        );
        assert_eq!(dot_text("C:\\l\"x\"\n"), "\"C:\\\\l\\\"x\\\"\\n\"");
    }
}
