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
            what.get_or_insert(t.what);
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
