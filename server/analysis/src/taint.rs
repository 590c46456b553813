//! Intra-procedural taint: where the data in an expression can come from.
//!
//! A value is *tainted* when it is derived from request data (Flask's `request.args`, Django's
//! `request.GET`, FastAPI handler parameters, `input()`, `sys.argv`; Express/Koa/Fastify
//! `req.query`, `ctx.request.body`, NestJS `@Body()`, `process.argv`) or, more weakly, from a
//! parameter of an ordinary function (data whose origin is the caller's). Propagation follows
//! assignments, unpacking, loops, f-strings, operators, string methods, containers, attribute
//! and subscript reads, and calls to helpers in the same file; it stops at sanitisers for the
//! sink in question (`int()`, `shlex.quote`, `secure_filename`, `escape`…) and at names a
//! condition has validated before the use (`if name not in ALLOWED: abort(400)`).
//!
//! Within a function the analysis follows flow order: a use sees the bindings that reach it
//! (walking back to the first one that dominates it, plus those of a loop around both), so a
//! later constant reassignment kills the taint while `x = x.strip()` keeps it and branches
//! merge; branches whose condition is made of literals and false are skipped. Guards clean a
//! name in the branch where the check holds, or after a failed check that exits.

use std::ops::Range;

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::Sink;

/// Where tainted data enters a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    /// The source expression (`request.args`) or the parameter.
    pub origin: Range<usize>,
    /// For messages: "request data `request.args`", "parameter `name`".
    pub what: String,
    /// Request or user input (true), or only a function parameter (false).
    pub user: bool,
    /// The steps the data took from `origin` to here (assignments, stores, helper calls), the
    /// last one first: a link to its predecessor, so a step costs one allocation and memoised
    /// taints share their paths. `Taint::steps` builds the path when a finding is made.
    pub trail: Trail,
}

/// One step of tainted data on its way to a sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What the step points at: the value assigned or stored, or the call.
    pub range: Range<usize>,
    /// For people: "assigned to `name`", "stored in `d`", "returned by `helper()`".
    pub what: String,
}

#[derive(Debug, PartialEq, Eq)]
struct Link {
    step: Step,
    prev: Trail,
    len: u32,
}

/// The steps of a taint, last first (see `Taint::trail`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail(Option<std::sync::Arc<Link>>);

/// How many steps a path keeps: the first `PATH_HEAD` after the source and the last
/// `PATH_TAIL` before the sink (a chain of forty `q = q + x` is not forty steps to read).
pub const PATH_HEAD: usize = 3;
pub const PATH_TAIL: usize = 4;
/// How many links a trail holds at most: a longer chain stops growing (it keeps its source and
/// first steps), which only bounds memory on pathological code.
const MAX_LINKS: u32 = 256;

impl Trail {
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |l| l.len as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

/// What a taint verdict says when it knows only that the value is not a constant (no language
/// uses it now that JavaScript has sources; messages and related locations still honour it).
pub const NON_CONSTANT: &str = "non-constant data";

impl Taint {
    /// Whether the data is the request's Host header (or a URL derived from it).
    pub fn is_host(&self, source: &str) -> bool {
        let text = source.get(self.origin.clone()).unwrap_or("");
        let lower = text.to_ascii_lowercase();
        self.user
            && (lower.contains("host")
                || lower.ends_with("url_root")
                || lower.ends_with("base_url"))
    }

    /// The same data one step further: `range` is what carried it, `what` says how. A step
    /// repeating the last one's place and wording (a name re-read in a loop) is not added.
    pub fn via(mut self, range: Range<usize>, what: impl FnOnce() -> String) -> Taint {
        let what = what();
        if let Some(last) = &self.trail.0 {
            if (last.step.range == range && last.step.what == what) || last.len >= MAX_LINKS {
                return self;
            }
        }
        let len = self.trail.len() as u32 + 1;
        self.trail = Trail(Some(std::sync::Arc::new(Link {
            step: Step { range, what },
            prev: std::mem::take(&mut self.trail),
            len,
        })));
        self
    }

    /// The path from the source to here, in order, bounded: the first `PATH_HEAD` steps and
    /// the last `PATH_TAIL`, and how many were left out between them. Consecutive steps
    /// through the same name (`q = q + x` repeated) count as the first of them.
    pub fn steps(&self) -> (Vec<Step>, usize) {
        let mut all: Vec<&Step> = Vec::with_capacity(self.trail.len());
        let mut at = &self.trail;
        while let Some(link) = &at.0 {
            all.push(&link.step);
            at = &link.prev;
        }
        all.reverse();
        let mut kept: Vec<&Step> = Vec::with_capacity(all.len());
        for s in all {
            if kept.last().is_some_and(|l| l.what == s.what) {
                continue;
            }
            kept.push(s);
        }
        let n = kept.len();
        if n <= PATH_HEAD + PATH_TAIL {
            return (kept.into_iter().cloned().collect(), 0);
        }
        let mut out: Vec<Step> = kept[..PATH_HEAD].iter().map(|s| (*s).clone()).collect();
        out.extend(kept[n - PATH_TAIL..].iter().map(|s| (*s).clone()));
        (out, n - PATH_HEAD - PATH_TAIL)
    }

    /// The steps in words, for a taint handed to another function (whose findings cannot
    /// point into the caller, and whose entries must not change when lines move): " via
    /// `folder` → `path`", or nothing.
    pub fn route(&self) -> String {
        let (steps, left_out) = self.steps();
        let names: Vec<&str> = steps
            .iter()
            .filter_map(|s| {
                let a = s.what.find('`')?;
                let b = s.what[a + 1..].find('`')?;
                Some(&s.what[a..a + b + 2])
            })
            .collect();
        if names.is_empty() {
            return String::new();
        }
        let mut out = String::from(" via ");
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                out.push_str(" → ");
            }
            out.push_str(n);
            if left_out > 0 && i + 1 == PATH_HEAD {
                out.push_str(" → …");
            }
        }
        out
    }

    /// The stronger of two results: user input beats a parameter, which beats nothing.
    pub fn best(a: Option<Taint>, b: Option<Taint>) -> Option<Taint> {
        match (&a, &b) {
            (Some(x), _) if x.user => a,
            (_, Some(y)) if y.user => b,
            (Some(_), _) => a,
            _ => b,
        }
    }
}

/// Whether a step of `t` is worth recording: paths are kept for request data (what findings
/// show), and for a function's own parameters only when asked (`params`: the relays' routes).
/// Every local derived from a parameter is tainted that way, so recording them all would cost
/// an allocation per binding of every function for nothing most of the time.
pub(super) fn records(t: &Taint, params: bool) -> bool {
    t.user || params
}

/// The step of data assigned to `name` by binding `b` (its value's place).
pub(super) fn assigned(t: Taint, b: &super::Binding, name: &str, params: bool) -> Taint {
    if !records(&t, params) {
        return t;
    }
    match b {
        super::Binding::Value(v) | super::Binding::Element(v) => {
            t.via(v.byte_range(), || format!("assigned to `{name}`"))
        }
        super::Binding::Augmented(v) => t.via(v.byte_range(), || format!("added to `{name}`")),
        _ => t,
    }
}

/// The step of data stored into container `name` (`d["k"] = v`, `items.append(v)`).
pub(super) fn stored(t: Taint, store: &super::Store, name: &str, params: bool) -> Taint {
    if !records(&t, params) {
        return t;
    }
    t.via(store.value.byte_range(), || match &store.key {
        Some(k) if k.parse::<i64>().is_ok() => format!("stored in `{name}[{k}]`"),
        Some(k) => format!("stored in `{name}[\"{k}\"]`"),
        None => format!("stored in `{name}`"),
    })
}

/// A relayed call's words after its parameter's route: " via `name`" → "via `name` ", and
/// nothing when the parameter is passed as it is.
pub(super) fn after(route: &str) -> String {
    match route.trim_start() {
        "" => String::new(),
        r => format!("{r} "),
    }
}

/// How deep one expression is followed (nesting, not names: names are memoised).
pub(super) const MAX_NESTING: u32 = 48;

/// The strongest taint among `nodes`, stopping at the first user-data taint.
pub(super) fn best_of<'t>(
    nodes: impl IntoIterator<Item = Node<'t>>,
    f: impl Fn(Node<'t>) -> Option<Taint>,
) -> Option<Taint> {
    let mut best = None;
    for n in nodes {
        best = Taint::best(best, f(n));
        if best.as_ref().is_some_and(|t| t.user) {
            break;
        }
    }
    best
}

/// For a cross-function taint entry: the sinks user data in one expression reaches (as
/// `Sink::bit`s) and how the first of them, in `Sink::ALL` order, describes the data; `None`
/// if no sink sees user data. `taint_for` is the language's taint of the expression for one
/// sink (sanitisers differ by sink, so each gets a fresh analysis).
pub(super) fn user_data_sinks(
    mut taint_for: impl FnMut(Sink) -> Option<Taint>,
) -> Option<(u32, String)> {
    let mut sinks = 0;
    let mut what = None;
    for sink in Sink::ALL {
        if let Some(t) = taint_for(sink).filter(|t| t.user) {
            sinks |= sink.bit();
            what.get_or_insert_with(|| format!("{}{}", t.what, t.route()));
        }
    }
    what.map(|what| (sinks, what))
}

/// Before following a name with many bindings (`cmd = cmd + " --flag"` forty times), its uses
/// inside its own bindings are visited in source order, so that each finds the one before it
/// memoised instead of recursing down the whole chain (which the nesting bound would cut
/// short). `warming` keeps it from nesting; `is_scope` says which nodes start a new scope.
pub(super) fn warm_uses<'t>(
    index: &super::ScopeIndex<'t>,
    name: &str,
    src: &str,
    warming: &std::cell::Cell<bool>,
    is_scope: &dyn Fn(Node) -> bool,
    mut visit: impl FnMut(Node<'t>),
) {
    let Some(bindings) = index.bindings.get(name).filter(|b| b.len() > 6) else {
        return;
    };
    if warming.replace(true) {
        return;
    }
    for b in bindings {
        let (super::Binding::Value(v) | super::Binding::Augmented(v) | super::Binding::Element(v)) =
            b
        else {
            continue;
        };
        let mut uses = Vec::new();
        super::walk_scope(*v, is_scope, &mut |n| {
            if n.kind_str() == "identifier" && super::text(n, src) == name {
                uses.push(n);
            }
        });
        if v.kind_str() == "identifier" && super::text(*v, src) == name {
            uses.push(*v);
        }
        for u in uses {
            visit(u);
        }
    }
    warming.set(false);
}

/// In audit mode (`crate::audit_of`), what a name that no enclosing function binds holds: data
/// of unknown origin when it is a module global that is not a constant or a name the file never
/// binds (a snippet's `cmd`, a name a star import brought); nothing for constants, imports
/// (modules, library objects, the project's settings), builtins and the language's globals.
/// `lookup` is the language's answer for the name.
pub(super) fn unknown_name(
    ident: Node,
    src: &str,
    lookup: super::Lookup,
    builtin: bool,
) -> Option<Taint> {
    let name = super::text(ident, src);
    // `SORTABLE = {...}`, `ALLOWED_HOSTS = build()`: a module-level name written in capitals
    // is a constant by convention in both languages (and a table indexed by a value is an
    // allow-list, not the value).
    let constant_case = name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let unknown = match lookup {
        // A class (`TopicsRead`) is a type, not data.
        super::Lookup::Module(super::ModuleBinding::Other) => {
            !constant_case && !name.starts_with(|c: char| c.is_ascii_uppercase())
        }
        super::Lookup::Unbound => {
            let dunder = name.starts_with("__") && name.ends_with("__");
            let class_like = name.starts_with(|c: char| c.is_ascii_uppercase());
            let global = matches!(
                name,
                "self"
                    | "cls"
                    | "this"
                    | "super"
                    | "undefined"
                    | "NaN"
                    | "Infinity"
                    | "globalThis"
                    | "window"
                    | "document"
                    | "console"
                    | "module"
                    | "exports"
                    | "__dirname"
                    | "__filename"
                    | "arguments"
            );
            !(builtin || dunder || class_like || global)
        }
        _ => false,
    };
    unknown.then(|| Taint {
        origin: ident.byte_range(),
        what: format!("`{name}`, {UNKNOWN_ORIGIN}"),
        user: false,
        trail: Trail::default(),
    })
}

/// How audit findings name data whose origin the analysis cannot see.
pub const UNKNOWN_ORIGIN: &str = "data of unknown origin";
