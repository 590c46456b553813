//! Shared machinery the rules use: the per-file semantic model (imports resolved to qualified
//! names, module-level bindings), scope lookups, constant analysis, and the query runner.

use ba_syntax::NodeExt;
use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::{Node, Tree};

use ba_syntax::{Family, Language};

pub mod dto;
mod javascript;
mod javascript_taint;
pub mod models;
pub mod project;
mod python;
mod python_taint;
pub use python_taint::base_type as python_base_type;
pub mod resolvers;
pub mod routes;
pub mod taint;

/// The node's source text ("" if the range is not valid UTF-8 boundaries, which cannot happen
/// for nodes of a tree parsed from `source`).
pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// What a name is bound to at module level.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ModuleBinding {
    /// Bound (every time) to a value fixed by the code.
    Constant,
    /// Bound to something else: a def, a class, a call result, a loop variable.
    Other,
    /// Bound only to what library calls make of constants and the module's own location
    /// (`BASE = path.dirname(__filename)`, `ROOT = Path(__file__).resolve().parent`, a `let`
    /// or `var` given a constant): not data from outside, but not a constant either (audit
    /// mode judges it so; nothing else reads it as constant).
    Fixed,
}

/// The file-level facts every rule shares. Built once per analysis from the top-level
/// statements; its hash keys the per-item result cache, so it holds only what rules may read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Semantic {
    /// Local name → qualified name (`np` → `numpy`, `run` → `child_process.exec`).
    pub imports: BTreeMap<String, String>,
    /// Module-level names other than imports.
    pub bindings: BTreeMap<String, ModuleBinding>,
    /// Parameters of module-level functions that a request handler in this file passes
    /// request data to: (function, parameter) → what is passed (for messages) and the sinks it
    /// is not sanitised for. Recomputed on every analysis (it depends on function bodies).
    pub entries: BTreeMap<(String, String), Entry>,
    /// Module-level functions → their parameters, which of them (bit i for parameter i; bit
    /// 63 in Python: request data of its own) reach a `return` for some sink, and per bit the
    /// sinks the function's own sanitisers leave it clean for ((bit, sink bits); a helper
    /// returning `secure_filename(x)` carries `x` to SQL, not to paths): a call's result
    /// carries only those arguments. Recomputed with `entries`.
    pub returns: BTreeMap<String, summaries::Returns>,
    /// The detection models in effect (built-in and the user's).
    pub models: models::ModelSet,
    /// Request data that handlers in *other* files pass to this file's module-level functions:
    /// (function, argument position or keyword) → what and for which sinks. Set by the caller
    /// (`check`'s cross-module pass, the server's workspace) from other files' `Outgoing`s.
    pub external: ExternalEntries,
    /// Functions of *other* project modules this file imports, by the qualified name its
    /// imports give them (`app.services.get_params`, `./utils.clean`): what their results carry
    /// (`Returned`). Set by the caller (`check`'s cross-module pass, the server's workspace)
    /// from the callee files' `summaries::module_returns`; without it a call into another
    /// module counts as a library call.
    pub imported: ImportedReturns,
    /// Whether the module's path says it can hold Django function views (`views.py`,
    /// `views/orders.py`, `api.py`…); `None` when the caller did not say (no path). A function
    /// that takes `request` first in another module (`flows/login.py`) is a helper the views
    /// call, and its other parameters are theirs, not URL parameters.
    pub views_module: Option<bool>,
    /// NestJS DTO classes of this file whose class-validator decorators rule sinks out, by
    /// property (`dto.rs`), and whether the file sets up a `ValidationPipe`.
    pub dtos: dto::Dtos,
    pub validation_pipe: bool,
    /// The first segments of `imports`' qualified names, computed on first use: rules ask
    /// "does this file import package X" for every call they match.
    import_roots: ImportRoots,
}

/// `Semantic::import_roots`: derived from `imports`, so it neither compares nor hashes.
#[derive(Clone, Debug, Default)]
struct ImportRoots(std::sync::OnceLock<(usize, std::collections::HashSet<String>)>);

impl PartialEq for ImportRoots {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ImportRoots {}

impl std::hash::Hash for ImportRoots {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// Whether a module at `path` (a file path or URI) can hold Django function views: its name or
/// a directory says views, an API, endpoints, handlers or pages.
pub fn holds_views(path: &str) -> bool {
    const WORDS: &[&str] = &[
        "view",
        "api",
        "endpoint",
        "handler",
        "ajax",
        "page",
        "route",
        "webhook",
        "hook",
        "urls",
        "controller",
        "action",
    ];
    let path = path.replace('\\', "/");
    let mut parts: Vec<&str> = path.rsplit('/').take(3).collect();
    if let Some(file) = parts.first_mut() {
        *file = file.split('.').next().unwrap_or(file);
    }
    parts.iter().any(|part| {
        let lower = part.to_ascii_lowercase();
        WORDS.iter().any(|w| lower.contains(w))
    })
}

/// Entries from other files: (function, argument) → what and for which sinks.
pub type ExternalEntries = BTreeMap<(String, models::Argument), Entry>;

/// What a module-level function hands back to its callers, for callers in other modules
/// (`summaries::module_returns`): request data of its own, and which parameters reach a
/// `return`, each for the sinks the function's sanitisers leave (`return int(x)` carries
/// nothing, `return secure_filename(x)` carries everything but paths).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Returned {
    /// The function's name (`get_params`, or `default` for a JavaScript default export).
    pub function: String,
    /// The file it is in, as shown to people (empty until a caller's pass resolves it).
    pub file: String,
    /// The parameters by position (`self`/`cls` and splats left out in Python).
    pub params: Vec<String>,
    /// Request data it returns of its own: what (`request data `request.args``) and the
    /// sinks it is tainted for.
    pub source: Option<Entry>,
    /// Per parameter (by position): the sinks a value passed there still reaches the
    /// function's result for (0: the parameter is not returned, or always cleaned).
    pub through: Vec<u32>,
}

impl Returned {
    /// Whether callers learn anything from it (else calls stay library calls).
    pub fn carries(&self) -> bool {
        self.source.is_some() || self.through.iter().any(|s| *s != 0)
    }

    /// The sinks argument `index` (or keyword `keyword`) reaches the result for.
    pub fn through_argument(&self, index: Option<usize>, keyword: Option<&str>) -> u32 {
        let position = match keyword {
            Some(k) => self.params.iter().position(|p| p == k),
            None => index,
        };
        position
            .and_then(|i| self.through.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// How the call is named in data paths: "`get_params()` (app/services.py)".
    pub fn shown(&self) -> String {
        if self.file.is_empty() {
            format!("`{}()`", self.function)
        } else {
            format!("`{}()` ({})", self.function, self.file)
        }
    }
}

/// Whether the text of a function can return request data of its own: it names request data,
/// or calls (by name) an imported function that returns some.
pub fn may_return_request_data(language: Language, imported: &ImportedReturns, text: &str) -> bool {
    summaries::apply(language, text)
        || imported.iter().any(|(q, r)| {
            r.source.is_some()
                && q.rsplit(['.', '/'])
                    .next()
                    .is_some_and(|n| text.contains(n))
        })
}

/// Other modules' functions a file imports → what their results carry (`Semantic::imported`).
pub type ImportedReturns = BTreeMap<String, Returned>;

/// A call from a request handler to a function of another module with request data in an
/// argument: where the data goes, for the callee's file (`summaries::outgoing`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outgoing {
    /// The callee as imports name it (`app.services.storage.save`, `./services/posts.create`).
    pub callee: String,
    pub argument: models::Argument,
    pub entry: Entry,
    /// Set when the argument is a parameter of a function that is not a handler (a service
    /// passing its caller's data on to a repository): the call carries request data only when
    /// another module hands request data to that parameter, and then only for the sinks of
    /// both. `entry.what` then says only "passed to `f()` by `g()`".
    pub relay: Option<Relay>,
}

/// The parameter an outgoing call passes on (see `Outgoing::relay`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relay {
    /// The function (or, in JavaScript, class method) the call is in.
    pub function: String,
    /// Its parameter, by position and by name (callers may pass it either way).
    pub position: usize,
    pub param: String,
}

/// Request data passed to a parameter of a same-file function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub what: String,
    /// `Sink` discriminants the value is tainted for.
    pub sinks: u32,
}

/// The per-item parts of the cross-function taint facts (`Semantic::returns`,
/// `Semantic::entries`): the engine caches them per item and merges them.
pub mod summaries {
    use super::*;

    /// One item's part of `Semantic::returns`.
    pub type ReturnsPart = Option<(String, Returns)>;
    /// What a module-level function returns (`Semantic::returns`): its parameters, the mask of
    /// what reaches a `return`, per mask bit the sinks it is clean for, and, when every `return`
    /// is a tuple of the same length (`return model, url`), the mask of each element (empty
    /// otherwise), so `model, url = target(form)` gives each name its own element's data.
    pub type Returns = (Vec<String>, u64, Vec<(u8, u32)>, Vec<u64>);
    /// One item's part of `Semantic::entries`.
    pub type EntriesPart = Vec<((String, String), Entry)>;

    /// Whether the summaries apply to this file at all.
    /// Whether a file may call functions of other modules with request data, or pass its
    /// functions' parameters on to them (`outgoing`): a check on the text alone.
    pub fn may_call_out(language: Language, source: &str) -> bool {
        apply(language, source)
            || match language.family() {
                Family::Python => source.contains("import ") && source.contains("def "),
                Family::JavaScript => source.contains("require(") || source.contains("import "),
            }
    }

    pub fn apply(language: Language, source: &str) -> bool {
        match language.family() {
            Family::Python => python_taint::may_have_request_data(source),
            Family::JavaScript => javascript_taint::may_have_request_data(source),
        }
    }

    /// Whether the file's functions are summarised (`returns`): files that may hold request
    /// data, and every JavaScript file, whose summaries are cheap and tell the taint of a
    /// helper's parameters that a call to a same-file function returning only constants
    /// (`parseLocaltime(options.type)`) carries none of them.
    pub fn wants_returns(language: Language, source: &str) -> bool {
        apply(language, source) || language.family() == Family::JavaScript
    }

    /// What the function an item defines returns of its parameters (`sem` without summaries).
    pub fn returns(language: Language, sem: &Semantic, item: Node, source: &str) -> ReturnsPart {
        match language.family() {
            Family::Python => python_taint::item_returns(sem, item, source),
            Family::JavaScript => javascript_taint::item_returns(item, source),
        }
    }

    /// The request data an item's handlers pass to functions of other modules.
    pub fn outgoing(language: Language, sem: &Semantic, item: Node, source: &str) -> Vec<Outgoing> {
        match language.family() {
            Family::Python => python_taint::item_outgoing(sem, item, source),
            Family::JavaScript => javascript_taint::item_outgoing(sem, item, source, false),
        }
    }

    /// `outgoing` and the calls an item's other functions make passing a parameter on to
    /// another module's function (`Outgoing::relay`).
    pub fn outgoing_and_relays(
        language: Language,
        sem: &Semantic,
        item: Node,
        source: &str,
    ) -> Vec<Outgoing> {
        match language.family() {
            Family::Python => {
                let mut out = python_taint::item_relays(sem, item, source);
                out.extend(python_taint::item_outgoing(sem, item, source));
                out
            }
            Family::JavaScript => javascript_taint::item_outgoing(sem, item, source, true),
        }
    }

    /// What the module-level function an item defines returns, for callers in other modules
    /// (`Returned`); `None` when it returns neither request data nor a parameter. `sem` holds
    /// the same-file returns and `Semantic::imported`, so summaries compose across modules
    /// one hop per pass.
    /// Without `params` only request data of its own is looked for (cheaper: a function whose
    /// text names no request data is skipped at once).
    pub fn module_returns(
        language: Language,
        sem: &Semantic,
        item: Node,
        source: &str,
        params: bool,
    ) -> Option<Returned> {
        let returned = match language.family() {
            Family::Python => python_taint::item_module_returns(sem, item, source, params),
            Family::JavaScript => javascript_taint::item_module_returns(sem, item, source, params),
        }?;
        returned.carries().then_some(returned)
    }

    /// The name of the module-level function an item defines, as `module_returns` names it
    /// (from the text alone: cheap).
    pub fn function_name(language: Language, item: Node, source: &str) -> Option<String> {
        match language.family() {
            Family::Python => python_taint::function_name(item, source),
            Family::JavaScript => javascript_taint::function_name(item, source),
        }
    }

    /// The request data an item's handlers pass to the file's functions (`sem` with returns).
    pub fn entries(language: Language, sem: &Semantic, item: Node, source: &str) -> EntriesPart {
        match language.family() {
            Family::Python => python_taint::item_entries(sem, item, source),
            Family::JavaScript => javascript_taint::item_entries(sem, item, source),
        }
    }
}

impl Semantic {
    /// Whether some import's qualified name is `package` or inside it (`django` for
    /// `django.db.models`; `package` may be dotted).
    pub fn imports_package(&self, package: &str) -> bool {
        let root = package.split('.').next().unwrap_or(package);
        let (len, roots) = self.import_roots.0.get_or_init(|| {
            let roots = self
                .imports
                .values()
                .map(|q| q.split('.').next().unwrap_or(q).to_owned())
                .collect();
            (self.imports.len(), roots)
        });
        // Computed before `imports` changed (a caller building the model by hand): ask them.
        if *len != self.imports.len() {
            return self.imports.values().any(|q| within_package(q, package));
        }
        roots.contains(root) && self.imports.values().any(|q| within_package(q, package))
    }

    /// The semantic model with the built-in detection models.
    pub fn build(language: Language, tree: &Tree, source: &str) -> Self {
        Self::build_with(language, tree, source, models::ModelSet::default())
    }

    /// The semantic model with the given detection models (built-in plus the user's).
    pub fn build_with(
        language: Language,
        tree: &Tree,
        source: &str,
        models: models::ModelSet,
    ) -> Self {
        match language.family() {
            Family::Python => python::semantic(tree.root_node(), source, models),
            Family::JavaScript => javascript::semantic(tree.root_node(), source, models),
        }
    }

    /// The models of this file's language family.
    pub fn lang_models(&self, family: Family) -> &models::LangModels {
        self.models.family(family)
    }
}

/// Module names assigned at top level, each with its values (`None`: a value we do not evaluate).
pub(crate) type ModuleValues<'t> = BTreeMap<String, Vec<Option<Node<'t>>>>;

/// Records every module name as a binding, then marks as constant those whose every value is
/// constant. Constants may depend on each other (`B = A + "x"`), so this iterates to a fixpoint
/// from "not constant".
fn settle_module_bindings<'t>(
    sem: &mut Semantic,
    values: &ModuleValues<'t>,
    initial: &ModuleValues<'t>,
    root: Node<'t>,
    src: &str,
    is_constant: fn(&Cx<'_, 't>, Node<'t>, Sink, u32) -> bool,
    resolve: fn(&Cx<'_, 't>, Node<'t>) -> Option<String>,
) {
    for name in values.keys().filter(|n| !sem.imports.contains_key(*n)) {
        sem.bindings.insert(name.clone(), ModuleBinding::Other);
    }
    // Constants first, then what is fixed by the code: library calls over constants, and
    // `let`/`var` initial values (`initial`, JavaScript) that are constant.
    settle(
        sem,
        values,
        root,
        src,
        ModuleBinding::Constant,
        &|cx, _, vals| {
            vals.iter()
                .all(|v| v.is_some_and(|v| is_constant(cx, v, Sink::Code, 1)))
        },
    );
    settle(
        sem,
        values,
        root,
        src,
        ModuleBinding::Fixed,
        &|cx, name, vals| {
            let own = initial.get(name).map_or(vals, Vec::as_slice);
            own.len() == vals.len()
                && own
                    .iter()
                    .all(|v| v.is_some_and(|v| fixed_value(cx, v, is_constant, resolve, 0)))
        },
    );
}

/// Whether a module name's values (`None`: a value not evaluated) earn it a binding kind.
type Judge<'j, 't> = dyn Fn(&Cx<'_, 't>, &str, &[Option<Node<'t>>]) -> bool + 'j;

/// Marks as `to` every module name still `Other` whose values `judge` accepts, to a fixpoint
/// (a judgement may depend on names settled in an earlier round: `B = A + "x"`).
fn settle<'t>(
    sem: &mut Semantic,
    values: &ModuleValues<'t>,
    root: Node<'t>,
    src: &str,
    to: ModuleBinding,
    judge: &Judge<'_, 't>,
) {
    let no_imports = BTreeSet::new();
    let scopes = ScopeCache::default();
    loop {
        let mut changed = false;
        for (name, vals) in values {
            if sem.bindings.get(name) != Some(&ModuleBinding::Other) {
                continue;
            }
            let cx = Cx {
                sem,
                src,
                within: root,
                item_imports: &no_imports,
                scopes: &scopes,
            };
            if judge(&cx, name, vals) {
                sem.bindings.insert(name.clone(), to.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Whether `node` is made by the code alone: a constant, the module's own location
/// (`__file__`, `__dirname`, `import.meta.url`), a name bound so, or what a library function
/// or method makes of such values (`os.path.join(BASE, "x")`, `Path(__file__).parent`). The
/// environment and the command line are outside data.
fn fixed_value<'t>(
    cx: &Cx<'_, 't>,
    node: Node<'t>,
    is_constant: fn(&Cx<'_, 't>, Node<'t>, Sink, u32) -> bool,
    resolve: fn(&Cx<'_, 't>, Node<'t>) -> Option<String>,
    depth: u32,
) -> bool {
    if depth > 8 {
        return false;
    }
    let recurse = |n: Node<'t>| fixed_value(cx, n, is_constant, resolve, depth + 1);
    let text = text(node, cx.src);
    if text.contains("environ")
        || text.contains("getenv")
        || text.contains("process.env")
        || text.contains("argv")
    {
        return false;
    }
    if is_constant(cx, node, Sink::Code, 1) {
        return true;
    }
    match node.kind_str() {
        "identifier" => {
            matches!(text, "__file__" | "__dirname" | "__filename")
                || matches!(
                    cx.sem.bindings.get(text),
                    Some(ModuleBinding::Constant | ModuleBinding::Fixed)
                )
        }
        // `import.meta.url`, `Path(__file__).parent`, `BASE.parent`
        "member_expression" | "attribute" => {
            text.starts_with("import.meta")
                || node
                    .field("object")
                    .or_else(|| node.named_child(0))
                    .is_some_and(recurse)
        }
        "parenthesized_expression" | "await" | "await_expression" => {
            node.named_child(0).is_some_and(recurse)
        }
        "binary_expression" | "binary_operator" => {
            node.field("left").is_some_and(recurse) && node.field("right").is_some_and(recurse)
        }
        "call" | "call_expression" | "new_expression" => {
            let Some(func) = node.field("function").or_else(|| node.field("constructor")) else {
                return false;
            };
            // A library's function (resolved through an import or a builtin), or a method of
            // a fixed value (`Path(__file__).resolve()`).
            let library = resolve(cx, func).is_some()
                || (matches!(func.kind_str(), "attribute" | "member_expression")
                    && func
                        .field("object")
                        .is_some_and(|o| o.kind_str() != "identifier" || recurse(o))
                    && func.field("object").is_some_and(recurse));
            library
                && node.field("arguments").is_none_or(|args| {
                    named_children(args)
                        .into_iter()
                        .filter(|a| a.kind_str() != "comment")
                        .all(|a| match a.kind_str() {
                            "keyword_argument" => a.field("value").is_some_and(recurse),
                            _ => recurse(a),
                        })
                })
        }
        _ => false,
    }
}

/// What one assignment-like construct binds a name to.
#[derive(Clone, Debug)]
pub enum Binding<'t> {
    /// A function parameter: data from the caller.
    Param,
    /// `name = value` (or a declaration with an initialiser).
    Value(Node<'t>),
    /// `name += value`.
    Augmented(Node<'t>),
    /// An import of a qualified name.
    Import(String),
    /// A part of a value: a loop variable over it, a name unpacked from it, `with v as name`.
    Element(Node<'t>),
    /// Bound in a way we do not evaluate (loop target, unpacking, `with … as`, a def).
    Opaque,
}

/// The result of looking a name up from a use site.
#[derive(Clone, Debug)]
pub enum Lookup<'t> {
    /// Bound in an enclosing function; every binding in that scope.
    Local(Vec<Binding<'t>>),
    Module(ModuleBinding),
    Import(String),
    /// Not bound in the file: a builtin/global, or a name we cannot see.
    Unbound,
}

/// The kind of sink a value flows into; sanitisers differ by sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Sink {
    Sql,
    Shell,
    Code,
    Deserialize,
    /// File system paths (traversal).
    Path,
    /// URLs fetched by the server (SSRF).
    Url,
    /// Redirect targets.
    Redirect,
    /// HTML sent to a browser.
    Html,
    /// Template source.
    Template,
    /// Log messages.
    Log,
    /// LDAP filters.
    Ldap,
    /// XPath expressions.
    Xpath,
    /// XML documents.
    Xml,
    /// Keyword arguments or attributes of a model.
    MassAssign,
    /// Query filters of a document database (MongoDB): objects, not strings, are the danger.
    NoSql,
    /// Values stored in the server-side session, which later code trusts (trust boundary).
    Session,
}

/// A check in a condition that makes a name safe for some sinks after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// `x in ALLOWED`, `x not in ALLOWED`.
    AllowList,
    /// `x.isdigit()`, `re.fullmatch(pattern, x)`.
    Validated,
    /// `x.startswith(BASE)`, `os.path.commonpath([...])`, `p.is_relative_to(base)`.
    Contained,
    /// `url_has_allowed_host_and_scheme(x, …)`, `is_safe_url(x)`.
    SafeUrl,
    /// `typeof x === "string"`: not an object, so no query operators (JavaScript).
    StringType,
}

impl Sink {
    /// The sinks a value that carries a function's parameter reaches: code injection (the
    /// probe that found the parameter is that sink's pass) and every other sink whose own pass
    /// still carries it (`carries`); sinks already in `known` are not asked again.
    pub(crate) fn carried(known: u32, carries: impl Fn(Sink) -> bool) -> u32 {
        let mut sinks = known | Sink::Code.bit();
        for sink in Sink::ALL {
            if sinks & sink.bit() == 0 && carries(sink) {
                sinks |= sink.bit();
            }
        }
        sinks
    }

    pub const ALL: [Sink; 16] = [
        Sink::Sql,
        Sink::Shell,
        Sink::Code,
        Sink::Deserialize,
        Sink::Path,
        Sink::Url,
        Sink::Redirect,
        Sink::Html,
        Sink::Template,
        Sink::Log,
        Sink::Ldap,
        Sink::Xpath,
        Sink::Xml,
        Sink::MassAssign,
        Sink::NoSql,
        Sink::Session,
    ];

    pub fn bit(self) -> u32 {
        1 << (self as u8)
    }

    /// The sink with discriminant `n` (for `const` generic parameters).
    pub const fn from_u8(n: u8) -> Sink {
        Sink::ALL[n as usize]
    }
}

impl GuardKind {
    pub fn covers(self, sink: Sink) -> bool {
        match self {
            Self::AllowList | Self::Validated => true,
            Self::Contained => matches!(sink, Sink::Path | Sink::Redirect | Sink::Url),
            Self::SafeUrl => matches!(sink, Sink::Redirect | Sink::Url),
            Self::StringType => sink == Sink::NoSql,
        }
    }
}

/// A guard on `name`: the check holds for uses in `at..until` (the branch the check leads
/// into, or the rest of the block after a failed check exits early).
#[derive(Clone, Debug)]
pub struct Guard {
    pub at: usize,
    pub until: usize,
    pub name: String,
    pub kind: GuardKind,
}

impl Guard {
    /// Whether the guard cleans `name` at byte `use_at` for `sink`.
    pub fn cleans(&self, name: &str, use_at: usize, sink: Sink) -> bool {
        self.name == name && self.at <= use_at && use_at < self.until && self.kind.covers(sink)
    }
}

/// What scope-sensitive questions need: the semantic model, the text, and the node that
/// bounds the search for enclosing scopes (the top-level item being analysed).
pub struct Cx<'a, 't> {
    pub sem: &'a Semantic,
    pub src: &'a str,
    pub within: Node<'t>,
    /// Names bound by imports anywhere in `within`. With the module's imports and the builtins,
    /// these are the only names that can resolve to a qualified name, so resolving any other
    /// name stops without a scope walk.
    pub item_imports: &'a BTreeSet<String>,
    /// Scope indexes built so far for this item (one walk per scope, not per lookup).
    pub scopes: &'a ScopeCache<'t>,
}

/// Every name bound directly in one function scope.
#[derive(Default)]
pub struct ScopeIndex<'t> {
    pub params: BTreeSet<String>,
    pub bindings: BTreeMap<String, Vec<Binding<'t>>>,
    /// Names declared `global`/`nonlocal` (Python): they resolve outside this scope.
    pub outer: BTreeSet<String>,
    /// Conditions that validate names, in source order.
    pub guards: Vec<Guard>,
    /// Where each binding of `bindings` is made (same order): flow order within the function.
    pub sites: BTreeMap<String, Vec<Site>>,
    /// Branches whose condition is made of literals and false: nothing in them runs.
    pub dead: Vec<std::ops::Range<usize>>,
    /// Values stored into a local container: `d["k"] = v`, `items.append(v)`, `o.k = v`,
    /// `m.set("k", v)`. They rebind no name; reads of the container see them.
    pub stores: BTreeMap<String, Vec<Store<'t>>>,
}

/// A value stored into a container under a constant key (`None`: any key, as `append`).
#[derive(Clone, Debug)]
pub struct Store<'t> {
    pub key: Option<String>,
    pub value: Node<'t>,
    pub site: Site,
    /// The value's keys become the container's (`d.update(v)`, `Object.assign(o, v)`), which
    /// is what mass assignment cares about; a single element does not.
    pub merge: bool,
}

/// Where a binding is made, for flow order: it reaches uses after `end`, and uses in
/// `dominates` see it instead of any earlier binding; inside a loop (`looped`) it also reaches
/// the uses before it.
#[derive(Clone, Debug)]
pub struct Site {
    pub end: usize,
    pub dominates: std::ops::Range<usize>,
    pub looped: Option<std::ops::Range<usize>>,
}

impl Site {
    /// A binding that reaches every use and hides no other (imports, loop targets, defs).
    pub const ANYWHERE: Site = Site {
        end: 0,
        dominates: 0..0,
        looped: None,
    };

    /// The site of a binding made by `stmt` (complete at `end`) in the function body `body`:
    /// it dominates the rest of the innermost branch it is in (`conditional` says which node
    /// kinds branch), or of the body. `kills`: whether it replaces the value (not `x += y`).
    /// This costs the depth of `stmt`; a walk over a whole body uses [`walk_scope_at`], whose
    /// [`ScopePath`] answers the same in constant time.
    pub fn of(
        body: Node,
        stmt: Node,
        end: usize,
        kills: bool,
        conditional: fn(&str) -> bool,
        is_loop: fn(&str) -> bool,
    ) -> Site {
        let mut path = ScopePath::new(body, conditional, is_loop);
        for node in ancestors(body, stmt) {
            path.push(node);
        }
        path.site(stmt, end, kills)
    }
}

/// The nodes from a function body down to the parent of the node a walk is at (what
/// [`ancestors`] returns for it), with the innermost branch and the outermost loop among them
/// kept as the walk goes, so that a binding's [`Site`] costs the same at any depth: a chain of
/// 20,000 nested assignments asked its ancestors once per assignment, which cost the square of
/// its length.
pub struct ScopePath<'t> {
    body: Node<'t>,
    conditional: fn(&str) -> bool,
    is_loop: fn(&str) -> bool,
    /// Each node, with the index of the innermost conditional and of the outermost loop at or
    /// above it.
    frames: Vec<(Node<'t>, Option<usize>, Option<usize>)>,
}

impl<'t> ScopePath<'t> {
    pub fn new(body: Node<'t>, conditional: fn(&str) -> bool, is_loop: fn(&str) -> bool) -> Self {
        ScopePath {
            body,
            conditional,
            is_loop,
            frames: Vec::new(),
        }
    }

    fn push(&mut self, node: Node<'t>) {
        let i = self.frames.len();
        let (inner, outer) = self.frames.last().map_or((None, None), |f| (f.1, f.2));
        let kind = node.kind_str();
        self.frames.push((
            node,
            if (self.conditional)(kind) {
                Some(i)
            } else {
                inner
            },
            outer.or(if (self.is_loop)(kind) { Some(i) } else { None }),
        ));
    }

    fn pop(&mut self) {
        self.frames.pop();
    }

    /// The innermost node on the path (the parent of the node the walk is at).
    pub fn parent(&self) -> Option<Node<'t>> {
        self.frames.last().map(|f| f.0)
    }

    /// The site of a binding made by `stmt`, the node the walk is at (see [`Site::of`]).
    pub fn site(&self, stmt: Node, end: usize, kills: bool) -> Site {
        let last = self.frames.last();
        let dominates = match last.and_then(|f| f.1) {
            Some(i) => self.frames.get(i + 1).map_or(stmt, |f| f.0).byte_range(),
            None => self.body.byte_range(),
        };
        Site {
            end,
            dominates: if kills { dominates } else { 0..0 },
            looped: last
                .and_then(|f| f.2)
                .map(|i| self.frames[i].0.byte_range()),
        }
    }
}

/// The bindings of one name that reach one use: whether the parameter does, and a bit mask of
/// the reaching bindings (bindings past the 64th always reach).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reach {
    pub param: bool,
    pub mask: u64,
    /// The stores (`ScopeIndex::stores`) that reach the use, as `mask`.
    pub stores: u64,
}

impl Reach {
    pub const ALL: Reach = Reach {
        param: true,
        mask: u64::MAX,
        stores: u64::MAX,
    };

    pub fn has(self, i: usize) -> bool {
        i >= 64 || self.mask & (1 << i) != 0
    }

    pub fn has_store(self, i: usize) -> bool {
        i >= 64 || self.stores & (1 << i) != 0
    }
}

impl<'t> ScopeIndex<'t> {
    fn bind(&mut self, name: &str, binding: Binding<'t>) {
        self.bind_at(name, binding, Site::ANYWHERE);
    }

    fn bind_at(&mut self, name: &str, binding: Binding<'t>, site: Site) {
        self.bindings
            .entry(name.to_owned())
            .or_default()
            .push(binding);
        self.sites.entry(name.to_owned()).or_default().push(site);
    }

    /// The bindings of `name` that reach a use at byte `at`: walking back from the use, every
    /// binding until one that dominates it, plus the bindings of a loop around both. `direct`:
    /// the use is in this function itself, not in a nested one (which may run at any time).
    pub fn reaching(&self, name: &str, at: usize, direct: bool) -> Reach {
        if !direct {
            return Reach::ALL;
        }
        let empty = Vec::new();
        let sites = self.sites.get(name).unwrap_or(&empty);
        let bit = |i: usize| if i < 64 { 1u64 << i } else { 0 };
        let mut before: Vec<usize> = (0..sites.len()).filter(|&i| sites[i].end <= at).collect();
        before.sort_by_key(|&i| std::cmp::Reverse(sites[i].end));
        let mut reach = Reach {
            param: true,
            mask: 0,
            stores: 0,
        };
        // Stores made before the dominating binding went with the old value.
        let mut since = 0;
        for i in before {
            reach.mask |= bit(i);
            if sites[i].dominates.contains(&at) {
                reach.param = false;
                since = sites[i].end;
                break;
            }
        }
        let looped = |s: &Site| s.end > at && s.looped.as_ref().is_some_and(|l| l.contains(&at));
        for (i, s) in sites.iter().enumerate() {
            if looped(s) {
                reach.mask |= bit(i);
            }
        }
        for (i, s) in self.stores.get(name).into_iter().flatten().enumerate() {
            if (s.site.end <= at && s.site.end >= since) || looped(&s.site) {
                reach.stores |= bit(i);
            }
        }
        reach
    }

    fn store(&mut self, name: &str, key: Option<String>, value: Node<'t>, site: Site) {
        self.stores.entry(name.to_owned()).or_default().push(Store {
            key,
            value,
            site,
            merge: false,
        });
    }

    fn merge(&mut self, name: &str, value: Node<'t>, site: Site) {
        self.stores.entry(name.to_owned()).or_default().push(Store {
            key: None,
            value,
            site,
            merge: true,
        });
    }

    /// The lookup result for `name` in this scope, if it binds it.
    fn lookup(&self, name: &str) -> Option<Lookup<'t>> {
        let mut bindings = self.bindings.get(name).cloned().unwrap_or_default();
        if self.params.contains(name) {
            bindings.insert(0, Binding::Param);
        }
        (!bindings.is_empty()).then_some(Lookup::Local(bindings))
    }
}

/// Scope indexes by node id, valid for one item of one tree.
#[derive(Default)]
pub struct ScopeCache<'t> {
    indexes: std::cell::RefCell<std::collections::HashMap<usize, std::rc::Rc<ScopeIndex<'t>>>>,
}

impl ScopeCache<'_> {
    pub fn clear(&self) {
        self.indexes.borrow_mut().clear();
    }
}

impl<'a, 't> Cx<'a, 't> {
    fn scope(
        &self,
        node: Node<'t>,
        build: fn(Node<'t>, &Cx<'a, 't>) -> ScopeIndex<'t>,
    ) -> std::rc::Rc<ScopeIndex<'t>> {
        if let Some(index) = self.scopes.indexes.borrow().get(&node.id()) {
            return index.clone();
        }
        let index = std::rc::Rc::new(build(node, self));
        self.scopes
            .indexes
            .borrow_mut()
            .insert(node.id(), index.clone());
        index
    }

    /// The nodes of a kind `is_function` accepts that enclose `node` within `self.within`,
    /// innermost first.
    fn enclosing_functions(&self, node: Node<'t>, is_function: fn(&str) -> bool) -> Vec<Node<'t>> {
        let mut out: Vec<Node<'t>> = ancestors(self.within, node)
            .into_iter()
            .filter(|a| is_function(a.kind_str()))
            .collect();
        out.reverse();
        out
    }
}

/// Audit mode's taint of `node` for `sink`: what `taint_of` finds, and beside it data of
/// unknown origin (module globals that are not constants, names the file never binds; the
/// parameters of ordinary functions are already `taint_of`'s non-user taints). Sanitisers,
/// guards, constants and dead branches clean as they do for request data.
pub fn audit_of<'t>(
    language: Language,
    cx: &Cx<'_, 't>,
    node: Node<'t>,
    sink: Sink,
) -> Option<taint::Taint> {
    taint_with(language, cx, node, sink, true)
}

/// The taint of `node` for `sink`, if any.
pub fn taint_of<'t>(
    language: Language,
    cx: &Cx<'_, 't>,
    node: Node<'t>,
    sink: Sink,
) -> Option<taint::Taint> {
    taint_with(language, cx, node, sink, false)
}

fn taint_with<'t>(
    language: Language,
    cx: &Cx<'_, 't>,
    node: Node<'t>,
    sink: Sink,
    audit: bool,
) -> Option<taint::Taint> {
    // A sink in a branch that cannot run (`if 7 * 42 - 106 > 200:`) sees nothing.
    if dead(language, cx, node) {
        return None;
    }
    match language.family() {
        Family::Python => python_taint::taint(cx, node, sink, audit),
        Family::JavaScript => javascript_taint::taint(cx, node, sink, audit),
    }
}

/// Whether `node` is in a branch whose condition is made of literals and false.
pub fn dead<'t>(language: Language, cx: &Cx<'_, 't>, node: Node<'t>) -> bool {
    match language.family() {
        Family::Python => python::in_dead_code(cx, node),
        Family::JavaScript => javascript::in_dead_code(cx, node),
    }
}

/// Names bound by imports inside `item` (see `Cx::item_imports`).
pub fn item_imports(language: Language, item: Node, source: &str) -> BTreeSet<String> {
    match language.family() {
        Family::Python => python::item_imports(item, source),
        Family::JavaScript => javascript::item_imports(item, source),
    }
}

/// The nodes of kind `kind` in `scope`'s own scope (not inside a nested node `is_scope` accepts)
/// that start with the keyword `keyword`, found by searching the text for the keyword instead of
/// visiting every node: a function body has thousands of nodes and a handful of `return`s.
pub fn statements_by_keyword<'t>(
    scope: Node<'t>,
    source: &str,
    keyword: &str,
    kind: &str,
    is_scope: &dyn Fn(Node) -> bool,
) -> Vec<Node<'t>> {
    let range = scope.byte_range();
    let mut out = Vec::new();
    for (pos, _) in source[range.clone()].match_indices(keyword) {
        let pos = range.start + pos;
        let Some(token) = scope.descendant_for_byte_range(pos, pos + keyword.len()) else {
            continue;
        };
        // The keyword itself (not a name or string that contains it), first in its statement.
        if token.kind_str() != keyword || token.is_named() {
            continue;
        }
        let path = ancestors(scope, token);
        let Some(statement) = path.last().filter(|s| s.kind_str() == kind) else {
            continue;
        };
        if statement.start_byte() == pos && !path[1..].iter().any(|n| is_scope(*n)) {
            out.push(*statement);
        }
    }
    out
}

/// The nodes from `within` down to `node`'s parent, outermost first.
pub fn ancestors<'t>(within: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let (start, end) = (node.start_byte(), node.end_byte());
    let mut cursor = within.walk();
    loop {
        let current = cursor.node();
        if current == node {
            return out;
        }
        out.push(current);
        // Jump to the first child that ends after `start` (tree-sitter finds it without Rust
        // visiting every earlier sibling), then step over zero-width and non-containing ones.
        if cursor.goto_first_child_for_byte(start).is_none() {
            return out;
        }
        loop {
            let c = cursor.node();
            if c == node
                || (c.start_byte() <= start && end <= c.end_byte() && c.start_byte() < c.end_byte())
            {
                break;
            }
            if c.start_byte() > start || !cursor.goto_next_sibling() {
                return out;
            }
        }
    }
}

pub fn lookup<'t>(language: Language, cx: &Cx<'_, 't>, ident: Node<'t>) -> Lookup<'t> {
    match language.family() {
        Family::Python => python::lookup(cx, ident),
        Family::JavaScript => javascript::lookup(cx, ident),
    }
}

pub fn resolve<'t>(language: Language, cx: &Cx<'_, 't>, node: Node<'t>) -> Option<String> {
    match language.family() {
        Family::Python => python::resolve(cx, node),
        Family::JavaScript => javascript::resolve(cx, node),
    }
}

pub fn is_constant<'t>(language: Language, cx: &Cx<'_, 't>, node: Node<'t>, sink: Sink) -> bool {
    match language.family() {
        Family::Python => python::is_constant(cx, node, sink, 0),
        Family::JavaScript => javascript::is_constant(cx, node, sink, 0),
    }
}

/// The value of a condition made only of literals (`7 * 42 - 106 > 200`, `false`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Lit {
    Num(f64),
    Bool(bool),
    Str(String),
    Null,
}

impl Lit {
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Lit::Num(n) => *n != 0.0 && !n.is_nan(),
            Lit::Bool(b) => *b,
            Lit::Str(s) => !s.is_empty(),
            Lit::Null => false,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Lit::Num(n) => Some(*n),
            Lit::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    /// `a op b` for arithmetic and comparison operators (Python and JavaScript spellings).
    pub(crate) fn binary(op: &str, a: &Lit, b: &Lit) -> Option<Lit> {
        if let (Some(x), Some(y)) = (a.num(), b.num()) {
            return Some(match op {
                "+" => Lit::Num(x + y),
                "-" => Lit::Num(x - y),
                "*" => Lit::Num(x * y),
                "/" => Lit::Num(x / y),
                "//" if y != 0.0 => Lit::Num((x / y).floor()),
                "%" if y != 0.0 => Lit::Num(x.rem_euclid(y)),
                "<" => Lit::Bool(x < y),
                ">" => Lit::Bool(x > y),
                "<=" => Lit::Bool(x <= y),
                ">=" => Lit::Bool(x >= y),
                "==" | "===" => Lit::Bool(x == y),
                "!=" | "!==" => Lit::Bool(x != y),
                _ => return None,
            });
        }
        match (op, a, b) {
            ("==" | "===", _, _) => Some(Lit::Bool(a == b)),
            ("!=" | "!==", _, _) => Some(Lit::Bool(a != b)),
            ("+", Lit::Str(x), Lit::Str(y)) => Some(Lit::Str(format!("{x}{y}"))),
            _ => None,
        }
    }
}

/// How deep constant analysis follows names through assignments before giving up.
const MAX_DEPTH: u32 = 8;

/// Named children of a node, collected (tree-sitter cursors make iterators awkward).
pub fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Calls `f` on every named descendant of `node`, not descending into nodes for which
/// `is_scope` is true (nested functions and classes have their own bindings).
pub fn walk_scope<'t>(
    node: Node<'t>,
    is_scope: &dyn Fn(Node) -> bool,
    f: &mut dyn FnMut(Node<'t>),
) {
    let mut path = ScopePath::new(node, |_| false, |_| false);
    walk_scope_at(node, is_scope, &mut path, &mut |n, _| f(n));
}

/// [`walk_scope`], handing `f` the path from `node` down to each node's parent as well
/// (`path` starts empty, made with `node` as its body).
pub fn walk_scope_at<'t>(
    node: Node<'t>,
    is_scope: &dyn Fn(Node) -> bool,
    path: &mut ScopePath<'t>,
    f: &mut dyn FnMut(Node<'t>, &ScopePath<'t>),
) {
    // One cursor for the whole walk: a cursor per node (as `named_children` makes) costs an
    // allocation per node, and scope indexes walk every function body a rule looks into.
    let mut cursor = node.walk();
    let mut descend = true;
    loop {
        let at = cursor.node();
        if descend && cursor.goto_first_child() {
            path.push(at);
        } else {
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
                path.pop();
            }
        }
        let n = cursor.node();
        descend = n.is_named() && {
            f(n, path);
            !is_scope(n)
        };
    }
}

/// The string value of a plain string literal (no interpolation), without quotes or prefixes.
pub fn string_value<'s>(language: Language, node: Node, source: &'s str) -> Option<&'s str> {
    match language.family() {
        Family::Python => python::string_value(node, source),
        Family::JavaScript => javascript::string_value(node, source),
    }
}

/// A call's arguments: positional ones in order, and keyword ones (Python) by name.
pub struct Arguments<'t> {
    pub positional: Vec<Node<'t>>,
    /// `name=value` nodes.
    pub keywords: Vec<Node<'t>>,
}

impl<'t> Arguments<'t> {
    pub fn of(args: Node<'t>) -> Self {
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        for a in named_children(args) {
            match a.kind_str() {
                "comment" => {}
                "keyword_argument" => keywords.push(a),
                _ => positional.push(a),
            }
        }
        Self {
            positional,
            keywords,
        }
    }

    /// The value of keyword argument `name`.
    pub fn keyword(&self, name: &str, source: &str) -> Option<Node<'t>> {
        self.keyword_node(name, source)
            .and_then(|k| k.field("value"))
    }

    /// The whole `name=value` node.
    pub fn keyword_node(&self, name: &str, source: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|k| k.field("name").is_some_and(|n| text(n, source) == name))
            .copied()
    }

    /// Positional argument `index`, or the keyword argument `name` in its place.
    pub fn get(&self, index: usize, name: &str, source: &str) -> Option<Node<'t>> {
        self.positional
            .get(index)
            .copied()
            .filter(|a| !a.kind_str().ends_with("splat"))
            .or_else(|| self.keyword(name, source))
    }
}

/// The byte range to delete to remove argument `arg` together with one adjacent comma.
pub fn argument_removal_range(arg: Node) -> std::ops::Range<usize> {
    if let Some(prev) = arg.prev_named_sibling() {
        return prev.end_byte()..arg.end_byte();
    }
    match arg.next_named_sibling() {
        Some(next) => arg.start_byte()..next.start_byte(),
        None => arg.byte_range(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binding's site from its ancestors, as `Site::of` computed it before `ScopePath`.
    fn site_from_ancestors(
        body: Node,
        stmt: Node,
        kills: bool,
        conditional: fn(&str) -> bool,
        is_loop: fn(&str) -> bool,
    ) -> Site {
        let path = ancestors(body, stmt);
        let mut dominates = body.byte_range();
        for i in (0..path.len()).rev() {
            if conditional(path[i].kind_str()) {
                dominates = path.get(i + 1).copied().unwrap_or(stmt).byte_range();
                break;
            }
        }
        Site {
            end: stmt.end_byte(),
            dominates: if kills { dominates } else { 0..0 },
            looped: path
                .iter()
                .find(|a| is_loop(a.kind_str()))
                .map(|a| a.byte_range()),
        }
    }

    /// The walk's `ScopePath` places every binding where `Site::of` (which asks the node's
    /// ancestors) does, and names the same parent: in branches, loops, nested branches in
    /// loops, and at the top of the body, in both languages.
    #[test]
    fn scope_path_sites_equal_site_of() {
        let python = "def f(a):\n    x = 1\n    if a:\n        x = 2\n        for i in a:\n            x += i\n            if i:\n                y = x\n    else:\n        while a:\n            x = [z for z in a]\n    return x\n";
        let js = "function f(a) {\n  let x = 1;\n  if (a) { x = 2; for (const i of a) { x += i; if (i) { y = x; } } }\n  else { while (a) { x = a ? 1 : 2; } }\n  try { x = 3; } catch (e) { x = 4; }\n  return x;\n}\n";
        let conditional = |k: &str| {
            matches!(
                k,
                "if_statement" | "else_clause" | "elif_clause" | "block" | "statement_block"
            )
        };
        let is_loop = |k: &str| {
            matches!(
                k,
                "for_statement" | "while_statement" | "for_in_statement" | "list_comprehension"
            )
        };
        for (language, source) in [(Language::Python, python), (Language::JavaScript, js)] {
            let tree = ba_syntax::parse::parse(language, source, None).unwrap();
            let function = tree.root_node().named_child(0).unwrap();
            let body = function.field("body").unwrap();
            let mut path = ScopePath::new(body, conditional, is_loop);
            let mut seen = 0;
            walk_scope_at(body, &|_| false, &mut path, &mut |n, path| {
                seen += 1;
                for kills in [true, false] {
                    let expected = site_from_ancestors(body, n, kills, conditional, is_loop);
                    let got = path.site(n, n.end_byte(), kills);
                    assert_eq!(
                        (got.end, got.dominates, got.looped),
                        (expected.end, expected.dominates, expected.looped),
                        "{}",
                        n.kind_str()
                    );
                }
                assert_eq!(path.parent(), ancestors(body, n).last().copied());
                let of = Site::of(body, n, n.end_byte(), true, conditional, is_loop);
                let walked = path.site(n, n.end_byte(), true);
                assert_eq!((of.dominates, of.looped), (walked.dominates, walked.looped));
            });
            assert!(seen > 30, "{seen}");
        }
    }

    #[test]
    fn literal_conditions_fold() {
        let cases = [
            (Language::Python, "7 * 42 - 106 > 200", Some(false)),
            (Language::Python, "not (3 + 4 == 7)", Some(false)),
            (Language::Python, "True and 10 // 3 == 3", Some(true)),
            (Language::Python, "x > 2", None),
            (Language::JavaScript, "7 * 42 - 106 < 200", Some(true)),
            (Language::JavaScript, "!(3 + 4 === 7)", Some(false)),
            (Language::JavaScript, "false || 0", Some(false)),
            (Language::JavaScript, "x === 1", None),
        ];
        for (language, expr, expected) in cases {
            let source = match language {
                Language::Python => format!("if {expr}:\n    pass\n"),
                _ => format!("if ({expr}) {{}}\n"),
            };
            let tree = ba_syntax::parse::parse(language, &source, None).unwrap();
            let stmt = tree.root_node().named_child(0).unwrap();
            let mut cond = stmt.field("condition").unwrap();
            if cond.kind_str() == "parenthesized_expression" && language != Language::Python {
                cond = cond.named_child(0).unwrap();
            }
            let value = match language {
                Language::Python => python::fold(cond, &source, 0),
                _ => javascript::fold(cond, &source, 0),
            };
            assert_eq!(value.map(|v| v.truthy()), expected, "{expr}");
        }
    }

    #[test]
    fn a_dominating_binding_hides_earlier_ones_but_not_a_loops() {
        let mut index = ScopeIndex::default();
        let site = |end: usize, dominates: std::ops::Range<usize>| Site {
            end,
            dominates,
            looped: None,
        };
        index.params.insert("x".to_owned());
        // x = a (ends at 10, unconditional); if c: x = b (ends at 20, its branch 15..21);
        // x = "k" (ends at 30, unconditional); inside a loop 40..60: x = d (ends at 55).
        index.bind_at("x", Binding::Opaque, site(10, 0..100));
        index.bind_at("x", Binding::Opaque, site(20, 15..21));
        index.bind_at("x", Binding::Opaque, site(30, 0..100));
        index.bind_at(
            "x",
            Binding::Opaque,
            Site {
                end: 55,
                dominates: 50..60,
                looped: Some(40..60),
            },
        );
        let reach = index.reaching("x", 5, true);
        assert!(reach.param && reach.mask == 0);
        let reach = index.reaching("x", 25, true);
        assert!(!reach.param && reach.has(0) && reach.has(1) && !reach.has(2));
        let reach = index.reaching("x", 35, true);
        assert!(!reach.param && !reach.has(0) && !reach.has(1) && reach.has(2));
        // Before the loop's own binding, inside the loop: the previous iteration's value too.
        let reach = index.reaching("x", 45, true);
        assert!(reach.has(2) && reach.has(3));
        // From a nested function, everything.
        assert_eq!(index.reaching("x", 5, false), Reach::ALL);
    }

    #[test]
    fn statements_by_keyword_finds_the_scopes_own_returns_only() {
        let source = "def f(returned):\n    # return in a comment\n    s = 'return in a string'\n    if returned:\n        return returned\n    def g():\n        return 1\n    h = lambda: 2\n    class C:\n        def m(self):\n            return 3\n    for x in []:\n        return [x]\n    return\n";
        let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let body = function.field("body").unwrap();
        let nested = |n: Node| {
            matches!(
                n.kind_str(),
                "function_definition" | "class_definition" | "lambda"
            )
        };
        let found: Vec<&str> =
            statements_by_keyword(body, source, "return", "return_statement", &nested)
                .iter()
                .map(|n| text(*n, source))
                .collect();
        assert_eq!(found, ["return returned", "return [x]", "return"]);
    }

    /// The walk visits the named descendants in document order and skips nested scopes'
    /// insides (the scope node itself is visited), like a recursion over `named_children`.
    #[test]
    fn walk_scope_visits_named_descendants_outside_nested_scopes() {
        let source =
            "def f(a):\n    x = g(a)\n    def h(y):\n        z = 1\n    return [x for x in a]\n";
        let tree = ba_syntax::parse::parse(Language::Python, source, None).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let mut expected = Vec::new();
        fn recurse<'t>(n: Node<'t>, out: &mut Vec<Node<'t>>) {
            for c in named_children(n) {
                out.push(c);
                if c.kind_str() != "function_definition" {
                    recurse(c, out);
                }
            }
        }
        recurse(function, &mut expected);
        let mut seen = Vec::new();
        walk_scope(
            function,
            &|n| n.kind_str() == "function_definition",
            &mut |n| seen.push(n),
        );
        assert_eq!(seen, expected);
        assert!(seen.iter().any(|n| text(*n, source).starts_with("def h")));
        assert!(!seen.iter().any(|n| text(*n, source) == "z"));
    }
}

#[cfg(test)]
mod views_module_tests {
    use super::holds_views;

    #[test]
    fn modules_that_hold_views() {
        for path in [
            "shop/views.py",
            "shop/views/orders.py",
            "misago/users/views/auth.py",
            "blog/api.py",
            "file:///srv/app/payments/webhooks.py",
            "allauth/account/views.py",
        ] {
            assert!(holds_views(path), "{path}");
        }
        for path in [
            "allauth/account/internal/flows/reauthentication.py",
            "misago/users/credentialchange.py",
            "shop/services/checkout.py",
        ] {
            assert!(!holds_views(path), "{path}");
        }
    }
}

/// Whether the qualified name `q` is `package` or a name inside it (`django.db.models` is
/// within `django`, `djangorestframework` is not).
pub fn within_package(q: &str, package: &str) -> bool {
    q.strip_prefix(package)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}
