//! What a rule sees while it judges one query match.

use ba_syntax::NodeExt;
use tree_sitter::{Node, QueryCapture};

use super::{Edit, Finding, Fix, RelatedKind, Rule};
use ba_analysis::{self as analysis, Cx, Lookup, Semantic, Sink};
use ba_syntax::{Family, Language};

/// What `resolve` can return, as far as the imports tell (see `Checker::import_bound`).
#[derive(Clone)]
pub(crate) enum Bound {
    /// This qualified name, or nothing.
    AtMost(String),
    Nothing,
    /// Only a scope lookup can tell: the name is imported inside the item.
    Unknown,
}

/// What a callee looks like to `resolve_callee`'s first test.
#[derive(Clone, Copy)]
pub(crate) enum CalleeShape<'a> {
    /// A bare name, and whether an import (of the module or the item) binds it.
    Name {
        name: &'a str,
        imported: bool,
    },
    /// `obj.name`: the name.
    Member(&'a str),
    Other,
}

pub struct Checker<'a> {
    /// The file's path or URI, as the caller named it (for rules that judge the file's name).
    pub path: &'a str,
    pub source: &'a str,
    pub language: Language,
    pub semantic: &'a Semantic,
    /// The top-level item being analysed; scope questions do not look beyond it.
    pub(crate) item: Node<'a>,
    pub(crate) item_imports: std::collections::BTreeSet<String>,
    pub(crate) scopes: analysis::ScopeCache<'a>,
    /// The field id of a member access's name (`attribute` in Python, `property` in JS):
    /// looking fields up by name scans the grammar's field names on every call.
    member_field: u16,
    /// `Arguments::of` results by node id, for the current item: most rules look at every call's
    /// arguments.
    pub(crate) arguments:
        std::cell::RefCell<rustc_hash::FxHashMap<usize, std::rc::Rc<analysis::Arguments<'a>>>>,
    /// `import_bound` results by node id, for the current item.
    pub(crate) bounds: std::cell::RefCell<rustc_hash::FxHashMap<usize, Bound>>,
    /// `callee_shape` results by node id, for the current item.
    pub(crate) shapes: std::cell::RefCell<rustc_hash::FxHashMap<usize, CalleeShape<'a>>>,
    /// `resolve` results by node id, for the current item.
    pub(crate) resolved: std::cell::RefCell<rustc_hash::FxHashMap<usize, Option<String>>>,
    /// `performance::chain` results by node id, for the current item: every link of a chain
    /// shares its outermost call's names (a link's are a prefix of them).
    pub(crate) chains:
        std::cell::RefCell<rustc_hash::FxHashMap<usize, crate::performance::Chain<'a>>>,
    pub(crate) rule: &'static Rule,
    pub(crate) findings: Vec<Finding>,
    /// Set when a message names a line (`line_of`): the item's cached findings are then valid
    /// only while the item starts on the same line.
    pub(crate) line_dependent: std::cell::Cell<bool>,
    /// The timeout (seconds) fixes add to outbound HTTP calls (config `http-timeout`).
    pub http_timeout: f64,
    /// What the nearest `package.json` says (JavaScript files only; part of the cache context).
    pub node_project: analysis::project::NodeProject,
    /// What the file is for (`ba_app::classify`); the engine runs only the rules that apply to
    /// it, and rules may read it (development settings, tests).
    pub class: ba_app::FileClass,
    /// Audit mode's second pass (`check --audit`): `taint` takes data of unknown origin for
    /// the client's.
    pub audit: bool,
}

/// Whether the last dotted segment of `qualified` is `name` (`a.b.c`, `c`), without scanning
/// the whole string: this runs for every call and every rule.
fn last_segment_is(qualified: &str, name: &str) -> bool {
    let (q, n) = (qualified.as_bytes(), name.as_bytes());
    // The cheap tests first: the boundary byte and the last byte settle most pairs.
    match q.len().checked_sub(n.len()) {
        Some(0) => q == n,
        Some(at) => q[at - 1] == b'.' && q.last() == n.last() && &q[at..] == n,
        None => false,
    }
}

/// Rules whose evidence is the client's data itself, so that data of unknown origin proves
/// nothing in audit mode: NoSQL operator injection needs an object parsed from the request (a
/// function's parameter is as likely a string or a number), mass assignment a mapping whose
/// keys the client chose (`filter_by(**kwargs)` in a repository is the caller's), and log
/// injection line breaks a client typed (every logged parameter would be reported).
const NOT_AUDITED: &[&str] = &["SEC107", "SEC108", "SEC305"];

/// The engine's side of a checker: one item at a time, one rule at a time.
impl<'a> Checker<'a> {
    /// Audit mode: the current item's findings so far (the ordinary pass's), which
    /// `end_audit` takes back; the checks then run again with `taint` taking data of unknown
    /// origin for the client's.
    pub fn begin_audit(&mut self) -> Vec<Finding> {
        self.audit = true;
        std::mem::take(&mut self.findings)
    }

    /// Ends the audit pass: the ordinary findings, and each finding only the audit pass made
    /// (no ordinary finding of the same rule at the same place) marked `audit`, one severity
    /// lower.
    pub fn end_audit(&mut self, ordinary: Vec<Finding>) {
        self.audit = false;
        let extra = std::mem::replace(&mut self.findings, ordinary);
        for mut f in extra {
            if NOT_AUDITED.contains(&f.rule.code) {
                continue;
            }
            let known = self
                .findings
                .iter()
                .any(|o| o.rule.code == f.rule.code && o.range == f.range);
            if !known {
                f.audit = true;
                f.severity = f.severity.lower();
                self.findings.push(f);
            }
        }
    }

    /// Starts a new top-level item: forgets the previous item's findings and caches.
    /// `imports` are the names the item imports itself (`import` inside a function).
    pub fn begin_item(&mut self, item: Node<'a>, imports: std::collections::BTreeSet<String>) {
        self.findings.clear();
        self.line_dependent.set(false);
        self.item = item;
        self.item_imports = imports;
        self.scopes.clear();
        self.resolved.borrow_mut().clear();
        self.bounds.borrow_mut().clear();
        self.shapes.borrow_mut().clear();
        self.chains.borrow_mut().clear();
        self.arguments.borrow_mut().clear();
    }

    /// Makes `rule` the rule whose findings `report` records next.
    pub fn set_rule(&mut self, rule: &'static Rule) {
        self.rule = rule;
    }

    /// The code of the rule whose check is running.
    pub fn rule_code(&self) -> &'static str {
        self.rule.code
    }

    /// The findings reported for the current item so far.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Drops findings past `len` (what a panicking check reported before it failed).
    pub fn truncate_findings(&mut self, len: usize) {
        self.findings.truncate(len);
    }

    /// Whether a message of the current item names a line (its findings are then valid only
    /// while the item starts on the same line).
    pub fn line_dependent(&self) -> bool {
        self.line_dependent.get()
    }
}

impl<'a> Checker<'a> {
    pub fn new(
        path: &'a str,
        source: &'a str,
        language: Language,
        semantic: &'a Semantic,
        item: Node<'a>,
    ) -> Self {
        Self {
            path,
            source,
            language,
            semantic,
            item,
            item_imports: Default::default(),
            scopes: Default::default(),
            resolved: Default::default(),
            shapes: Default::default(),
            chains: Default::default(),
            bounds: Default::default(),
            arguments: Default::default(),
            member_field: {
                let name = match language.family() {
                    ba_syntax::Family::Python => "attribute",
                    ba_syntax::Family::JavaScript => "property",
                };
                language
                    .grammar()
                    .field_id_for_name(name)
                    .map(u16::from)
                    .unwrap_or(0)
            },
            rule: crate::RULES[0],
            findings: Vec::new(),
            line_dependent: Default::default(),
            http_timeout: crate::DEFAULT_HTTP_TIMEOUT,
            class: ba_app::FileClass::Runtime,
            audit: false,
            node_project: Default::default(),
        }
    }

    /// A call's arguments (`Arguments::of`), computed once per argument list.
    pub fn arguments(&self, args: Node<'a>) -> std::rc::Rc<analysis::Arguments<'a>> {
        if let Some(hit) = self.arguments.borrow().get(&args.id()) {
            return hit.clone();
        }
        let parsed = std::rc::Rc::new(analysis::Arguments::of(args));
        self.arguments
            .borrow_mut()
            .insert(args.id(), parsed.clone());
        parsed
    }

    /// The name in a member access (`obj.name`), by cached field id.
    pub fn member_name(&self, node: Node<'a>) -> Option<&'a str> {
        node.child_by_field_id(self.member_field)
            .map(|n| self.text(n))
    }

    pub fn rule(&self) -> &'static Rule {
        self.rule
    }

    pub fn text(&self, node: Node) -> &'a str {
        analysis::text(node, self.source)
    }

    /// The value of a plain string literal (no interpolation), without quotes or prefixes.
    pub fn string_value(&self, node: Node) -> Option<&'a str> {
        analysis::string_value(self.language, node, self.source)
    }

    /// The qualified name an expression refers to through imports, e.g. `yaml.load`,
    /// `child_process.exec`, `builtins.eval`; `None` when it is not resolved.
    fn cx(&self) -> Cx<'_, 'a> {
        Cx {
            sem: self.semantic,
            src: self.source,
            within: self.item,
            item_imports: &self.item_imports,
            scopes: &self.scopes,
        }
    }

    pub fn resolve(&self, node: Node<'a>) -> Option<String> {
        // Dozens of rules ask about the same callee; resolve it once per item.
        if let Some(hit) = self.resolved.borrow().get(&node.id()) {
            return hit.clone();
        }
        let q = analysis::resolve(self.language, &self.cx(), node);
        self.resolved.borrow_mut().insert(node.id(), q.clone());
        q
    }

    /// Resolves a callee only if it can be one of `wanted` (qualified names): the last
    /// attribute must match one of theirs, or a bare name must be imported or one of them, and
    /// what the imports make of it must be wanted. Most calls in a file fail these tests without
    /// a scope lookup.
    pub fn resolve_callee<S: AsRef<str>>(&self, callee: Node<'a>, wanted: &[S]) -> Option<String> {
        // Every call meets dozens of these questions (one or more per call-based rule), so what
        // they need of the callee is read once: its last name, and for a bare name whether an
        // import can rename it.
        let shape = self.callee_shape(callee);
        let plausible = match shape {
            CalleeShape::Name { name, imported } => {
                imported || wanted.iter().any(|w| last_segment_is(w.as_ref(), name))
            }
            CalleeShape::Member(name) => wanted.iter().any(|w| last_segment_is(w.as_ref(), name)),
            CalleeShape::Other => true,
        };
        if !plausible {
            return None;
        }
        // Most plausible calls are settled by the imports too (`_("…")` is gettext, not a wanted
        // `open`); only the rest pay for a scope lookup. Memoised per callee: every rule that
        // wants a call asks the same question.
        let mut bounds = self.bounds.borrow_mut();
        let bound = bounds
            .entry(callee.id())
            .or_insert_with(|| self.import_bound(callee));
        match bound {
            Bound::AtMost(q) if !wanted.iter().any(|w| w.as_ref() == q) => return None,
            Bound::Nothing => return None,
            _ => {}
        }
        drop(bounds);
        self.resolve(callee)
            .filter(|q| wanted.iter().any(|w| w.as_ref() == q))
    }

    /// The method name a callee calls (`execute` of `cur.execute`), `None` for other callees.
    pub fn callee_member(&self, callee: Node<'a>) -> Option<&'a str> {
        match self.callee_shape(callee) {
            CalleeShape::Member(name) => Some(name),
            _ => None,
        }
    }

    /// What `resolve_callee` reads of a callee before it resolves anything, once per callee.
    fn callee_shape(&self, callee: Node<'a>) -> CalleeShape<'a> {
        if let Some(shape) = self.shapes.borrow().get(&callee.id()) {
            return *shape;
        }
        let shape = match callee.kind_str() {
            "identifier" => {
                let name = self.text(callee);
                CalleeShape::Name {
                    name,
                    imported: self.semantic.imports.contains_key(name)
                        || self.item_imports.contains(name),
                }
            }
            "attribute" | "member_expression" => {
                CalleeShape::Member(self.member_name(callee).unwrap_or(""))
            }
            _ => CalleeShape::Other,
        };
        self.shapes.borrow_mut().insert(callee.id(), shape);
        shape
    }

    /// `resolve_callee` over several lists of wanted names (a rule's families of callees),
    /// without repeating them in one combined list.
    pub fn resolve_callee_among(&self, callee: Node<'a>, lists: &[&[&str]]) -> Option<String> {
        lists
            .iter()
            .find_map(|wanted| self.resolve_callee(callee, wanted))
    }

    /// What `resolve` can return for a Python name or attribute chain, decided from the imports
    /// alone (JavaScript: always `Unknown`).
    fn import_bound(&self, node: Node<'a>) -> Bound {
        let Some(_level) = ba_syntax::depth::enter() else {
            return Bound::Unknown;
        };
        if self.language.family() != Family::Python {
            return Bound::Unknown;
        }
        match node.kind_str() {
            "identifier" => {
                let name = self.text(node);
                if self.item_imports.contains(name) {
                    Bound::Unknown
                } else {
                    // A module import, or else at most the builtin of that name; a local
                    // assignment can only shadow either.
                    Bound::AtMost(match self.semantic.imports.get(name) {
                        Some(q) => q.clone(),
                        None => format!("builtins.{name}"),
                    })
                }
            }
            "attribute" => {
                let (Some(object), Some(attr)) = (node.field("object"), node.field("attribute"))
                else {
                    return Bound::Nothing;
                };
                match self.import_bound(object) {
                    Bound::AtMost(base) if !base.starts_with("builtins.") => {
                        Bound::AtMost(format!("{base}.{}", self.text(attr)))
                    }
                    Bound::Unknown => Bound::Unknown,
                    _ => Bound::Nothing,
                }
            }
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.import_bound(inner),
                None => Bound::Nothing,
            },
            _ => Bound::Nothing,
        }
    }

    pub fn lookup(&self, ident: Node<'a>) -> Lookup<'a> {
        analysis::lookup(self.language, &self.cx(), ident)
    }

    /// Whether the value of `node` is fixed by the code itself (or sanitised for `sink`).
    pub fn is_constant(&self, node: Node<'a>, sink: Sink) -> bool {
        analysis::is_constant(self.language, &self.cx(), node, sink)
    }

    /// Where the data in `node` can come from, if from outside the code (see `analysis::taint`).
    pub fn taint(&self, node: Node<'a>, sink: Sink) -> Option<analysis::taint::Taint> {
        let cx = self.cx();
        let found = analysis::taint_of(self.language, &cx, node, sink);
        if !self.audit || found.as_ref().is_some_and(|t| t.user) {
            return found;
        }
        // Audit mode: data of unknown origin (a parameter no handler is seen passing request
        // data to, a module global, a name the file never binds) is taken as the client's; the
        // engine reports what only this pass finds as audit findings.
        let t = found.or_else(|| analysis::audit_of(self.language, &cx, node, sink))?;
        let what = if t.what.contains(analysis::taint::UNKNOWN_ORIGIN) {
            t.what
        } else {
            format!("{}, {}", t.what, analysis::taint::UNKNOWN_ORIGIN)
        };
        Some(analysis::taint::Taint {
            what,
            user: true,
            ..t
        })
    }

    /// "request data `request.args` (line 12)", for messages.
    pub fn describe(&self, taint: &analysis::taint::Taint) -> String {
        if taint.what == analysis::taint::NON_CONSTANT || taint.what.contains(" at line ") {
            return taint.what.clone();
        }
        format!("{} (line {})", taint.what, self.line_of(taint.origin.start))
    }

    /// The 1-based line of byte `offset`, for messages. Counted from the item's first line, not
    /// the file's, and recorded, so the findings cache re-runs the item when lines are added or
    /// removed above it (a cached "line 12" would otherwise go stale).
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_dependent.set(true);
        let offset = offset.min(self.source.len());
        let (row, from) = if offset >= self.item.start_byte() {
            (self.item.start_position().row, self.item.start_byte())
        } else {
            (0, 0)
        };
        row + memchr::memchr_iter(b'\n', &self.source.as_bytes()[from..offset]).count() + 1
    }

    /// Reports the current rule on `node` with `message`.
    pub fn report(&mut self, node: Node, message: impl Into<String>) -> &mut Finding {
        self.report_range(node.byte_range(), message)
    }

    pub fn report_range(
        &mut self,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            rule: self.rule,
            range,
            message: message.into(),
            severity: self.rule.severity,
            fix: None,
            related: Vec::new(),
            audit: false,
        });
        self.findings.last_mut().expect("just pushed")
    }
}

impl Finding {
    pub fn with_fix(
        &mut self,
        title: impl Into<String>,
        applicability: super::Applicability,
        edits: Vec<Edit>,
    ) -> &mut Self {
        self.fix = Some(Fix {
            title: title.into(),
            applicability,
            edits,
            imports: Vec::new(),
        });
        self
    }

    /// Makes the fix also add `import {module}` at the top of the file (see `Fix::imports`).
    pub fn with_import(&mut self, module: &'static str) -> &mut Self {
        if let Some(fix) = &mut self.fix {
            if !fix.imports.contains(&module) {
                fix.imports.push(module);
            }
        }
        self
    }

    /// Points at where the data came from and the steps it took to the sink, in order
    /// (nothing for a bare "non-constant" verdict). A long path keeps its first and last steps
    /// and says how many it left out.
    pub fn with_taint(&mut self, taint: &ba_analysis::taint::Taint) -> &mut Self {
        if taint.what == ba_analysis::taint::NON_CONSTANT {
            return self;
        }
        self.push_related(
            taint.origin.clone(),
            taint.what.clone(),
            RelatedKind::Source,
        );
        let (steps, left_out) = taint.steps();
        for (i, step) in steps.into_iter().enumerate() {
            self.push_related(step.range.clone(), step.what, RelatedKind::Step);
            if left_out > 0 && i + 1 == ba_analysis::taint::PATH_HEAD {
                let s = if left_out == 1 { "" } else { "s" };
                self.push_related(
                    step.range,
                    format!("{left_out} more step{s}"),
                    RelatedKind::Elided,
                );
            }
        }
        self
    }

    fn push_related(&mut self, range: std::ops::Range<usize>, message: String, kind: RelatedKind) {
        // The sink itself is the finding; a step at the source's place adds nothing.
        // A source already listed is not listed twice; steps may share a place (`raw =
        // request.args.get("q")` is the source and the step into `raw`), not a message.
        let repeated = |r: &super::Related| {
            r.range == range
                && match kind {
                    RelatedKind::Source => true,
                    RelatedKind::Step => r.kind == kind && r.message == message,
                    _ => false,
                }
        };
        if (range == self.range && kind != RelatedKind::Step) || self.related.iter().any(repeated) {
            return;
        }
        self.related.push(super::Related {
            range,
            message,
            kind,
        });
    }

    pub fn with_related(
        &mut self,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> &mut Self {
        if range == self.range || self.related.iter().any(|r| r.range == range) {
            return self;
        }
        self.related.push(super::Related {
            range,
            message: message.into(),
            kind: RelatedKind::Note,
        });
        self
    }
}

/// The captures of one query match, by name.
pub struct Captures<'q, 't> {
    names: &'q [&'q str],
    captures: &'q [QueryCapture<'t>],
}

impl<'q, 't> Captures<'q, 't> {
    /// One match's captures, named by the compiled patterns' capture names.
    pub fn new(names: &'q [&'q str], captures: &'q [QueryCapture<'t>]) -> Self {
        Self { names, captures }
    }
}

impl<'t> Captures<'_, 't> {
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        self.captures
            .iter()
            .find(|c| self.names[c.index as usize] == name)
            .map(|c| c.node)
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = Node<'t>> + '_ {
        let name = name.to_owned();
        self.captures
            .iter()
            .filter(move |c| self.names[c.index as usize] == name)
            .map(|c| c.node)
    }
}
