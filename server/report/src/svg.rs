//! The map as an SVG picture, for the HTML report and the editors' map view.
//!
//! `layout-rs` lays the graph out (Graphviz-style: ranks, crossing reduction, spline edges);
//! this module says what the nodes and edges are (the same as the Mermaid and DOT renderings:
//! apps hold resources, resources hold routes or, on a collapsed map, stand for them; GraphQL
//! schemas hold resolvers and WebSocket endpoints their handlers; handlers point at the models
//! they read or write and the clients they call) and writes the SVG through its own
//! `RenderBackend`, so that every node carries its id, its kind and severity as classes (the
//! page's stylesheet colours them) and a tooltip, and every string is escaped for XML.

use std::fmt::Write;

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::map::{Auth, Counts, Map};
use crate::render::{self, EdgeKind};

/// Above this many nodes the picture is not drawn (the page keeps its tables); a map that
/// large is collapsed first, so only a system of thousands of resources gets here.
pub const MAX_NODES: usize = 1_500;

/// Above this many nodes layout-rs's crossing reduction (which compares every pair of edges
/// between neighbouring ranks, 50 rounds) is skipped: the picture is drawn in well under a
/// second, with more crossings.
pub const OPTIMISE_UP_TO: usize = 200;

const FONT: f64 = 12.0;
/// Average advance of a character of the page's sans-serif font at `FONT` pixels.
const CHAR_WIDTH: f64 = 6.8;
const LINE_HEIGHT: f64 = 16.0;

struct NodeInfo {
    id: String,
    classes: String,
    lines: Vec<String>,
    title: String,
    /// The file it is in (the report filters its findings by it on a click).
    file: Option<String>,
}

/// XML text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn severity(c: &Counts) -> &'static str {
    c.worst().map_or("clean", |s| s.name())
}

struct Graph {
    graph: VisualGraph,
    nodes: Vec<NodeInfo>,
    handles: std::collections::HashMap<String, layout::adt::dag::NodeHandle>,
    /// Each edge's class and tooltip.
    edges: Vec<(&'static str, String)>,
}

impl Graph {
    fn node(
        &mut self,
        id: &str,
        kind: &str,
        counts: Option<&Counts>,
        no_auth: bool,
        lines: Vec<String>,
    ) {
        let width =
            lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64 * CHAR_WIDTH + 24.0;
        let height = lines.len().max(1) as f64 * LINE_HEIGHT + 14.0;
        let mut classes = format!("node {kind}");
        if let Some(c) = counts {
            classes.push_str(" sev-");
            classes.push_str(severity(c));
        }
        if no_auth {
            classes.push_str(" noauth");
        }
        let index = self.nodes.len();
        let title = lines.join("\n");
        self.nodes.push(NodeInfo {
            id: id.to_owned(),
            classes,
            lines,
            title,
            file: None,
        });
        let look = StyleAttr::new(Color::fast("black"), 1, None, 6, FONT as usize);
        let element = Element::create_with_properties(
            // The text layout-rs would size from is ours to draw; it never reads it (the size
            // is given).
            ShapeKind::new_box(""),
            look,
            Orientation::LeftToRight,
            Point::new(width, height),
            format!("{index}"),
        );
        let handle = self.graph.add_node(element);
        self.handles.insert(id.to_owned(), handle);
    }

    /// The file of the node added last.
    fn at(&mut self, file: &str) {
        if let Some(n) = self.nodes.last_mut() {
            n.file = Some(file.to_owned());
        }
    }

    fn edge(&mut self, from: &str, to: &str, class: &'static str, arrow: bool) {
        let (Some(&a), Some(&b)) = (self.handles.get(from), self.handles.get(to)) else {
            return;
        };
        let index = self.edges.len();
        let head = |id: &str| {
            self.nodes
                .iter()
                .find(|n| n.id == id)
                .and_then(|n| n.lines.first())
                .map_or(id.to_owned(), Clone::clone)
        };
        let title = format!("{} {} {}", head(from), class.replace(' ', ", "), head(to));
        self.edges.push((class, title));
        let mut e = Arrow::new(
            LineEndKind::None,
            if arrow {
                LineEndKind::Arrow
            } else {
                LineEndKind::None
            },
            LineStyleKind::Normal,
            "",
            &StyleAttr::simple(),
            &None,
            &None,
        );
        e.properties = Some(format!("{index}"));
        self.graph.add_edge(e, a, b);
    }
}

/// The nodes and edges of the map in layout-rs's terms.
fn graph(map: &Map) -> Graph {
    let mut g = Graph {
        graph: VisualGraph::new(Orientation::LeftToRight),
        nodes: Vec::new(),
        handles: Default::default(),
        edges: Vec::new(),
    };
    let groups = |g: &mut Graph, parent: Option<&str>, groups: &[crate::map::Group]| {
        for grp in groups {
            let mut lines = vec![render::group_label(grp)];
            if map.collapsed {
                lines.extend(render::collapsed_label(grp));
            }
            g.node(
                &grp.id,
                "group",
                Some(&grp.findings),
                map.collapsed && grp.routes_without_auth > 0,
                lines,
            );
            g.at(&grp.file);
            if let Some(p) = parent {
                g.edge(p, &grp.id, "contains", false);
            }
            if map.collapsed {
                continue;
            }
            for r in &grp.routes {
                g.node(
                    &r.id,
                    "route",
                    Some(&r.findings),
                    r.auth == Auth::None,
                    render::route_label(r),
                );
                g.at(&r.file);
                g.edge(&grp.id, &r.id, "contains", false);
            }
        }
    };
    for app in &map.apps {
        g.node(
            &app.id,
            "app",
            Some(&app.findings),
            false,
            vec![format!("{} app", app.framework), app.file.clone()],
        );
        g.at(&app.file);
        groups(&mut g, Some(&app.id), &app.groups);
    }
    groups(&mut g, None, &map.unmounted);
    for s in &map.graphql {
        let mut lines = vec![render::schema_label(s)];
        if map.collapsed {
            lines.extend(render::collapsed_schema_label(s));
        }
        g.node(
            &s.id,
            "schema",
            Some(&s.findings),
            map.collapsed && s.resolvers_without_auth > 0,
            lines,
        );
        if let [file] = s.files.as_slice() {
            g.at(file);
        }
        if map.collapsed {
            continue;
        }
        for r in &s.resolvers {
            g.node(
                &r.id,
                "resolver",
                Some(&r.findings),
                r.auth == Auth::None,
                render::resolver_label(r),
            );
            g.at(&r.file);
            g.edge(&s.id, &r.id, "contains", false);
        }
    }
    for e in &map.sockets {
        let mut lines = vec![render::endpoint_label(e)];
        if map.collapsed {
            lines.extend(render::collapsed_endpoint_label(e));
        }
        g.node(
            &e.id,
            "endpoint",
            Some(&e.findings),
            e.auth == Auth::None,
            lines,
        );
        g.at(&e.file);
        if map.collapsed {
            continue;
        }
        for h in &e.handlers {
            g.node(
                &h.id,
                "socket",
                Some(&h.findings),
                e.auth == Auth::None,
                render::socket_handler_label(h),
            );
            g.at(&h.file);
            g.edge(&e.id, &h.id, "contains", false);
        }
    }
    let (models, clients, _) = render::drawn(map);
    for m in models {
        g.node(
            &m.id,
            "model",
            None,
            false,
            vec![format!("{} · {}", m.name, m.kind), m.file.clone()],
        );
        g.at(&m.file);
    }
    for c in clients {
        let mut lines = render::client_label(c);
        lines.insert(0, format!("{:?}", c.category).to_lowercase() + " client");
        let counts = if c.timeout == Some(false) && c.findings.total() == 0 {
            None
        } else {
            Some(&c.findings)
        };
        g.node(&c.id, "client", counts, false, lines);
        g.at(&c.file);
    }
    for (from, to, kind) in render::edges(map) {
        let class = match kind {
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            EdgeKind::ReadsWrites => "reads writes",
            EdgeKind::Uses => "uses",
            EdgeKind::Client => "calls",
        };
        g.edge(&from, &to, class, kind != EdgeKind::Uses);
    }
    g
}

/// Writes what layout-rs draws as SVG elements with our classes.
struct Writer<'g> {
    nodes: &'g [NodeInfo],
    edges: &'g [(&'static str, String)],
    out: String,
    max: Point,
    /// layout-rs draws a box's text right after the box; ours is drawn with the box.
    skip_text: bool,
}

impl Writer<'_> {
    fn grow(&mut self, p: Point) {
        self.max.x = self.max.x.max(p.x);
        self.max.y = self.max.y.max(p.y);
    }
}

fn num(x: f64) -> String {
    format!("{:.1}", x)
}

impl RenderBackend for Writer<'_> {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        let Some(node) = properties
            .and_then(|p| p.parse::<usize>().ok())
            .and_then(|i| self.nodes.get(i))
        else {
            return;
        };
        self.grow(Point::new(xy.x + size.x, xy.y + size.y));
        let _ = write!(
            self.out,
            "<g class=\"{}\" data-id=\"{}\"{}><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/>",
            esc(&node.classes),
            esc(&node.id),
            node.file
                .as_deref()
                .map(|f| format!(" data-file=\"{}\"", esc(f)))
                .unwrap_or_default(),
            esc(&node.title),
            num(xy.x),
            num(xy.y),
            num(size.x),
            num(size.y)
        );
        let cx = xy.x + size.x / 2.0;
        let top = xy.y + size.y / 2.0 - node.lines.len() as f64 * LINE_HEIGHT / 2.0;
        let _ = write!(self.out, "<text x=\"{}\" y=\"{}\">", num(cx), num(top));
        for (i, line) in node.lines.iter().enumerate() {
            let _ = write!(
                self.out,
                "<tspan x=\"{}\" dy=\"{}\"{}>{}</tspan>",
                num(cx),
                if i == 0 { "1.05em" } else { "1.33em" },
                if i == 0 { " class=\"head\"" } else { "" },
                esc(line)
            );
        }
        self.out.push_str("</text></g>\n");
        self.skip_text = true;
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(start);
        self.grow(stop);
        let _ = writeln!(
            self.out,
            "<line class=\"edge\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            num(start.x),
            num(start.y),
            num(stop.x),
            num(stop.y)
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(Point::new(xy.x + size.x / 2.0, xy.y + size.y / 2.0));
        let _ = writeln!(
            self.out,
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\"/>",
            num(xy.x),
            num(xy.y),
            num(size.x / 2.0),
            num(size.y / 2.0)
        );
    }

    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        if std::mem::take(&mut self.skip_text) || text.is_empty() {
            return;
        }
        let _ = writeln!(
            self.out,
            "<text class=\"label\" x=\"{}\" y=\"{}\">{}</text>",
            num(xy.x),
            num(xy.y),
            esc(text)
        );
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for p in path {
            self.grow(p.0);
            self.grow(p.1);
        }
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for p in &path[2..] {
            let _ = write!(
                d,
                " S {} {}, {} {}",
                num(p.0.x),
                num(p.0.y),
                num(p.1.x),
                num(p.1.y)
            );
        }
        let (class, title) = properties
            .and_then(|p| p.parse::<usize>().ok())
            .and_then(|i| self.edges.get(i))
            .map_or(("contains", ""), |(c, t)| (*c, t.as_str()));
        let _ = writeln!(
            self.out,
            "<path class=\"edge {class}{}\" d=\"{d}\"{}{}><title>{}</title></path>",
            if dashed { " dashed" } else { "" },
            if head.0 {
                " marker-start=\"url(#ba-map-arrow-start)\""
            } else {
                ""
            },
            if head.1 {
                " marker-end=\"url(#ba-map-arrow)\""
            } else {
                ""
            },
            esc(title),
        );
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        // Only records clip, and the map draws none.
        0
    }
}

/// The stylesheet the picture's classes need (the HTML report inlines it with its own).
pub const CSS: &str = include_str!("../assets/map.css");

/// The map as an `<svg>` element styled by the page it is inlined in (with `CSS`), or `None`
/// when it has no node or too many to draw. Deterministic: the same map gives the same bytes.
pub fn svg(map: &Map) -> Option<String> {
    draw(map, false)
}

/// The map as an SVG file that carries its own stylesheet (`map --format svg`).
pub fn standalone(map: &Map) -> Option<String> {
    draw(map, true).map(|svg| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}"))
}

fn draw(map: &Map, styled: bool) -> Option<String> {
    let mut g = graph(map);
    if g.nodes.is_empty() || g.nodes.len() > MAX_NODES {
        return None;
    }
    let nodes = g.nodes.len();
    let mut writer = Writer {
        nodes: &g.nodes,
        edges: &g.edges,
        out: String::new(),
        max: Point::new(0.0, 0.0),
        skip_text: false,
    };
    // layout-rs asserts its invariants; a graph it cannot lay out costs the picture, not the
    // report.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        g.graph
            .do_it(false, nodes > OPTIMISE_UP_TO, false, &mut writer);
    }));
    if drawn.is_err() {
        return None;
    }
    let (w, h) = (writer.max.x + 10.0, writer.max.y + 10.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map-graph\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"Architecture map\">\n",
        num(w),
        num(h),
        num(w),
        num(h)
    );
    if styled {
        let _ = writeln!(out, "<style>\n{CSS}</style>");
    }
    out.push_str(
        "<defs><marker id=\"ba-map-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker>\
<marker id=\"ba-map-arrow-start\" viewBox=\"0 0 10 10\" refX=\"0\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M10,0 L0,5 L10,10 z\" fill=\"context-stroke\"/></marker></defs>\n",
    );
    out.push_str(&writer.out);
    out.push_str("</svg>\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
