//! The map as Mermaid (a `flowchart`, rendered by GitHub, GitLab and most wikis), Graphviz DOT
//! and JSON. The same nodes in the same order in every format: applications contain resources,
//! resources contain routes (or one summary node when the map is collapsed), and routes point
//! at the models and clients their handlers use. Nodes are coloured by their worst finding;
//! routes without auth have a dashed border.

use std::collections::BTreeMap;
use std::fmt::Write;

use ba_rules::Severity;

use crate::map::{Auth, ClientCategory, ClientNode, Counts, Group, Map, ModelNode, RouteNode};

pub fn json(map: &Map) -> String {
    serde_json::to_string_pretty(map).unwrap_or_default() + "\n"
}

fn route_label(r: &RouteNode) -> Vec<String> {
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

fn group_label(g: &Group) -> String {
    match &g.router {
        Some(router) => format!("{} · {} · {}", g.prefix, router, g.file),
        None => format!("{} · {}", g.prefix, g.file),
    }
}

/// One node for a collapsed resource.
fn collapsed_label(g: &Group) -> Vec<String> {
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

fn client_label(c: &crate::map::ClientNode) -> Vec<String> {
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

fn severity_class(c: &Counts) -> Option<&'static str> {
    c.worst().map(Severity::name)
}

/// Edges from routes (or collapsed resources) to models and clients, deduplicated, in order.
fn edges(map: &Map) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for g in map
        .apps
        .iter()
        .flat_map(|a| &a.groups)
        .chain(&map.unmounted)
    {
        for r in &g.routes {
            let from = if map.collapsed { &g.id } else { &r.id };
            for m in &r.models {
                out.push((from.clone(), m.clone(), false));
            }
            for c in &r.clients {
                out.push((from.clone(), c.clone(), true));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.clone()));
    out
}

/// The models and clients to draw: all of them, or, when the map is collapsed (a large
/// system), only those some route uses (the others would be unconnected nodes; `--format json`
/// lists every one).
fn drawn(map: &Map) -> (Vec<&ModelNode>, Vec<&ClientNode>, usize) {
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
    for (from, to, dashed) in edges(map) {
        let arrow = if dashed { "-.->" } else { "-->" };
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
    for (from, to, dashed) in edges(map) {
        let _ = writeln!(
            out,
            "  {} -> {}{};",
            dot_text(&from),
            dot_text(&to),
            if dashed { " [style=dashed]" } else { "" }
        );
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
