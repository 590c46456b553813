//! JavaScript and TypeScript: `require`/`import` resolution, scopes and constant analysis.

use ba_syntax::NodeExt;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use tree_sitter::Node;

use super::{
    ancestors, named_children, settle_module_bindings, text, walk_scope, walk_scope_at, Binding,
    Cx, Guard, GuardKind, Lit, Lookup, ModuleBinding, ScopeIndex, ScopePath, Semantic, Sink,
    MAX_DEPTH,
};

const GLOBALS: &[&str] = &[
    "eval",
    "Function",
    "setTimeout",
    "setInterval",
    "require",
    "parseInt",
    "parseFloat",
    "Number",
    "String",
    "Boolean",
    "encodeURIComponent",
    "encodeURI",
    "decodeURIComponent",
    "decodeURI",
    "fetch",
    "JSON",
    "Math",
    "Object",
    "Array",
    "Buffer",
    "process",
    "console",
];

/// Whether `name` is a global the analysis knows (`require`, `process`, `JSON`…).
pub(super) fn is_global(name: &str) -> bool {
    GLOBALS.contains(&name)
}

pub(super) fn is_scope(node: Node) -> bool {
    matches!(
        node.kind_str(),
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function_declaration"
            | "generator_function"
            | "class_declaration"
            | "class"
    )
}

fn strip_node_prefix(module: &str) -> &str {
    module.strip_prefix("node:").unwrap_or(module)
}

pub(super) fn string_value<'s>(node: Node, src: &'s str) -> Option<&'s str> {
    match node.kind_str() {
        "string" => {
            let t = text(node, src);
            t.get(1..t.len().saturating_sub(1))
        }
        "template_string"
            if !named_children(node)
                .iter()
                .any(|c| c.kind_str() == "template_substitution") =>
        {
            let t = text(node, src);
            t.get(1..t.len().saturating_sub(1))
        }
        _ => None,
    }
}

/// `require("m")` → `m`, when `require` is the global one.
fn require_target(node: Node, src: &str) -> Option<String> {
    if node.kind_str() != "call_expression" {
        return None;
    }
    let func = node.field("function")?;
    if func.kind_str() != "identifier" || text(func, src) != "require" {
        return None;
    }
    let args = node.field("arguments")?;
    let first = named_children(args).into_iter().next()?;
    string_value(first, src).map(|m| strip_node_prefix(m).to_owned())
}

/// The qualified name a `require` expression (possibly with member accesses) stands for.
pub(super) fn required_name(node: Node, src: &str) -> Option<String> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "call_expression" => require_target(node, src),
        "member_expression" => {
            let base = required_name(node.field("object")?, src)?;
            Some(format!("{base}.{}", text(node.field("property")?, src)))
        }
        "await_expression" | "parenthesized_expression" => required_name(node.named_child(0)?, src),
        _ => None,
    }
}

/// `promisify(exec)` (`util.promisify`, `require("util").promisify`) of an imported function:
/// the same function, returning a promise (`const run = promisify(exec)` runs a shell).
fn promisified(value: Node, src: &str, imports: &BTreeMap<String, String>) -> Option<String> {
    if value.kind_str() != "call_expression" {
        return None;
    }
    let f = value.field("function")?;
    let wrapper = match f.kind_str() {
        "identifier" => imports.get(text(f, src)).cloned(),
        _ => required_name(f, src).or_else(|| {
            let object = f.field("object")?;
            let base = imports.get(text(object, src))?;
            Some(format!("{base}.{}", text(f.field("property")?, src)))
        }),
    }?;
    if wrapper != "util.promisify" {
        return None;
    }
    let args = named_children(value.field("arguments")?);
    let [inner] = args.as_slice() else {
        return None;
    };
    match inner.kind_str() {
        "identifier" => imports.get(text(*inner, src)).cloned(),
        "member_expression" => {
            let base = imports.get(text(inner.field("object")?, src))?;
            Some(format!("{base}.{}", text(inner.field("property")?, src)))
        }
        _ => None,
    }
}

/// Records what a declarator binds: `x = require("m")`, `{ a, b: c } = require("m")`.
fn declarator_imports(decl: Node, src: &str, out: &mut BTreeMap<String, String>) -> bool {
    let (Some(name), Some(value)) = (decl.field("name"), decl.field("value")) else {
        return false;
    };
    let Some(module) = required_name(value, src).or_else(|| promisified(value, src, out)) else {
        return false;
    };
    match name.kind_str() {
        "identifier" => {
            out.insert(text(name, src).to_owned(), module);
        }
        "object_pattern" => {
            for prop in named_children(name) {
                match prop.kind_str() {
                    "shorthand_property_identifier_pattern" => {
                        let n = text(prop, src);
                        out.insert(n.to_owned(), format!("{module}.{n}"));
                    }
                    "pair_pattern" => {
                        if let (Some(k), Some(v)) = (prop.field("key"), prop.field("value")) {
                            if v.kind_str() == "identifier" {
                                out.insert(
                                    text(v, src).to_owned(),
                                    format!("{module}.{}", text(k, src)),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => return false,
    }
    true
}

fn import_statement(stmt: Node, src: &str, out: &mut BTreeMap<String, String>) {
    let Some(source) = stmt.field("source").and_then(|s| string_value(s, src)) else {
        // TypeScript `import x = require("m")`.
        for clause in named_children(stmt) {
            if clause.kind_str() == "import_require_clause" {
                if let (Some(id), Some(m)) = (
                    named_children(clause)
                        .into_iter()
                        .find(|c| c.kind_str() == "identifier"),
                    clause.field("source").and_then(|s| string_value(s, src)),
                ) {
                    out.insert(text(id, src).to_owned(), strip_node_prefix(m).to_owned());
                }
            }
        }
        return;
    };
    let module = strip_node_prefix(source);
    for clause in named_children(stmt) {
        if clause.kind_str() != "import_clause" {
            continue;
        }
        for part in named_children(clause) {
            match part.kind_str() {
                // Default and namespace imports of Node modules are the module object.
                "identifier" => {
                    out.insert(text(part, src).to_owned(), module.to_owned());
                }
                "namespace_import" => {
                    if let Some(id) = named_children(part)
                        .into_iter()
                        .find(|c| c.kind_str() == "identifier")
                    {
                        out.insert(text(id, src).to_owned(), module.to_owned());
                    }
                }
                "named_imports" => {
                    for spec in named_children(part) {
                        if spec.kind_str() != "import_specifier" {
                            continue;
                        }
                        let Some(name) = spec.field("name") else {
                            continue;
                        };
                        let local = spec.field("alias").unwrap_or(name);
                        let imported = string_value(name, src).unwrap_or(text(name, src));
                        out.insert(text(local, src).to_owned(), format!("{module}.{imported}"));
                    }
                }
                _ => {}
            }
        }
    }
}

fn is_const_declaration(declaration: Node, src: &str) -> bool {
    declaration.kind_str() == "lexical_declaration"
        && declaration
            .field("kind")
            .is_some_and(|k| text(k, src) == "const")
}

pub(super) fn semantic(root: Node, src: &str, models: super::models::ModelSet) -> Semantic {
    let mut sem = Semantic {
        models,
        dtos: super::dto::javascript_dtos(root, src),
        validation_pipe: src.contains("ValidationPipe"),
        ..Semantic::default()
    };
    let mut values: BTreeMap<String, Vec<Option<Node>>> = BTreeMap::new();
    // The values `let`/`var` declarations start with (`values` has `None` for them).
    let mut initial: BTreeMap<String, Vec<Option<Node>>> = BTreeMap::new();
    let mut stmts = named_children(root);
    while let Some(stmt) = stmts.pop() {
        match stmt.kind_str() {
            "import_statement" => import_statement(stmt, src, &mut sem.imports),
            "export_statement" => {
                if let Some(d) = stmt.field("declaration") {
                    stmts.push(d);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                for decl in named_children(stmt)
                    .into_iter()
                    .filter(|d| d.kind_str() == "variable_declarator")
                {
                    if declarator_imports(decl, src, &mut sem.imports) {
                        continue;
                    }
                    let Some(name) = decl.field("name") else {
                        continue;
                    };
                    if name.kind_str() == "identifier" {
                        // Only `const` is fixed: `let`/`var` may be reassigned anywhere.
                        let value = decl
                            .field("value")
                            .filter(|_| is_const_declaration(stmt, src));
                        values
                            .entry(text(name, src).to_owned())
                            .or_default()
                            .push(value);
                        initial
                            .entry(text(name, src).to_owned())
                            .or_default()
                            .push(decl.field("value"));
                    } else {
                        walk_scope(name, &is_scope, &mut |n| {
                            if matches!(
                                n.kind_str(),
                                "identifier" | "shorthand_property_identifier_pattern"
                            ) {
                                values
                                    .entry(text(n, src).to_owned())
                                    .or_default()
                                    .push(None);
                            }
                        });
                    }
                }
            }
            "function_declaration" | "generator_function_declaration" | "class_declaration" => {
                if let Some(name) = stmt.field("name") {
                    values
                        .entry(text(name, src).to_owned())
                        .or_default()
                        .push(None);
                }
            }
            _ => {}
        }
    }
    // `const run = promisify(exec)` needs the imports it names, read above (statements are
    // taken from the end).
    for stmt in named_children(root) {
        if !matches!(stmt.kind_str(), "lexical_declaration") || !is_const_declaration(stmt, src) {
            continue;
        }
        for decl in named_children(stmt) {
            let (Some(name), Some(value)) = (decl.field("name"), decl.field("value")) else {
                continue;
            };
            if name.kind_str() != "identifier" {
                continue;
            }
            if let Some(q) = promisified(value, src, &sem.imports) {
                let local = text(name, src).to_owned();
                values.remove(&local);
                sem.imports.insert(local, q);
            }
        }
    }
    initial.retain(|name, v| values.get(name).is_some_and(|all| all.len() == v.len()));
    settle_module_bindings(&mut sem, &values, &initial, root, src, is_constant, resolve);
    sem
}

/// The names a binding pattern (parameter, destructuring) binds; default values are not
/// bindings.
pub(super) fn pattern_names<'s>(node: Node, src: &'s str, out: &mut Vec<&'s str>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    match node.kind_str() {
        "identifier" | "shorthand_property_identifier_pattern" => out.push(text(node, src)),
        "assignment_pattern" => {
            if let Some(l) = node.field("left") {
                pattern_names(l, src, out);
            }
        }
        "pair_pattern" => {
            if let Some(v) = node.field("value") {
                pattern_names(v, src, out);
            }
        }
        "required_parameter" | "optional_parameter" => {
            if let Some(p) = node.field("pattern") {
                pattern_names(p, src, out);
            }
        }
        "formal_parameters" | "object_pattern" | "array_pattern" | "rest_pattern" => {
            for c in named_children(node) {
                pattern_names(c, src, out);
            }
        }
        _ => {}
    }
}

/// Every binding made directly inside a function (not in nested functions), in one walk.
fn index_scope<'t>(scope: Node<'t>, cx: &Cx<'_, 't>) -> ScopeIndex<'t> {
    let src = cx.src;
    // Functions the models (built-in and the user's) say validate their first argument.
    let validators = &cx.sem.lang_models(ba_syntax::Family::JavaScript).validators;
    let mut index = ScopeIndex::default();
    let mut names = Vec::new();
    if let Some(p) = scope
        .field("parameter")
        .or_else(|| scope.field("parameters"))
    {
        pattern_names(p, src, &mut names);
    }
    index.params.extend(names.drain(..).map(str::to_owned));
    let Some(body) = scope.field("body") else {
        return index;
    };
    let mut imports = BTreeMap::new();
    let opaque = |index: &mut ScopeIndex<'t>, node: Option<Node>| {
        let mut names = Vec::new();
        if let Some(n) = node {
            pattern_names(n, src, &mut names);
        }
        for name in names {
            index.bind(name, Binding::Opaque);
        }
    };
    // Where the walk is: a binding's site in constant time, however deep it is.
    let mut path = ScopePath::new(body, is_conditional, is_loop);
    walk_scope_at(body, &is_scope, &mut path, &mut |n, path| {
        let site = |n: Node, kills: bool| path.site(n, n.end_byte(), kills);
        if index.dead.iter().any(|d| d.contains(&n.start_byte())) {
            return;
        }
        match n.kind_str() {
            "variable_declarator" => {
                let Some(target) = n.field("name") else {
                    return;
                };
                imports.clear();
                if declarator_imports(n, src, &mut imports) {
                    for (local, qualified) in &imports {
                        index.bind(local, Binding::Import(qualified.clone()));
                    }
                } else if target.kind_str() == "identifier" {
                    // `let x;` without a value is assigned later; those assignments count instead.
                    if let Some(v) = n.field("value") {
                        index.bind_at(text(target, src), Binding::Value(v), site(n, true));
                    }
                } else if let Some(v) = n.field("value") {
                    // `const { id, ...rest } = req.query`: each name holds a part of the value.
                    let mut names = Vec::new();
                    pattern_names(target, src, &mut names);
                    for name in names {
                        index.bind_at(name, Binding::Element(v), site(n, true));
                    }
                } else {
                    opaque(&mut index, Some(target));
                }
            }
            "if_statement" => {
                if_guards(n, body, src, validators, &mut index.guards);
                if let Some(value) = n.field("condition").and_then(|c| fold(c, src, 0)) {
                    let branch = if value.truthy() {
                        n.field("alternative")
                    } else {
                        n.field("consequence")
                    };
                    index.dead.extend(branch.map(|b| b.byte_range()));
                }
            }
            "ternary_expression" | "while_statement" => {
                let branch = n.field("consequence").or_else(|| n.field("body"));
                if let (Some(c), Some(b)) = (n.field("condition"), branch) {
                    collect_guards_when(
                        c,
                        src,
                        validators,
                        true,
                        b.byte_range(),
                        &mut index.guards,
                        0,
                    );
                }
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                    if l.kind_str() == "identifier" {
                        let plain = n.kind_str() == "assignment_expression";
                        let b = if plain {
                            Binding::Value(r)
                        } else {
                            Binding::Augmented(r)
                        };
                        index.bind_at(text(l, src), b, site(n, plain));
                    } else if let Some((object, key)) = member_key(l, src) {
                        // `o.k = v`, `o["k"] = v`, `o[name] = v`: stored into `o`.
                        index.store(text(object, src), key, r, site(n, false));
                    }
                }
            }
            // `items.push(v)`, `m.set("k", v)`, `Object.assign(o, src)`.
            "call_expression" => {
                let Some(func) = n
                    .field("function")
                    .filter(|f| f.kind_str() == "member_expression")
                else {
                    return;
                };
                let (Some(object), Some(method)) = (func.field("object"), func.field("property"))
                else {
                    return;
                };
                let args: Vec<Node> = n
                    .field("arguments")
                    .map(named_children)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| a.kind_str() != "comment")
                    .collect();
                let method = text(method, src);
                if text(func, src) == "Object.assign" {
                    if let Some((target, sources)) = args
                        .split_first()
                        .filter(|(t, _)| t.kind_str() == "identifier")
                    {
                        for v in sources {
                            index.merge(text(*target, src), *v, site(n, false));
                        }
                    }
                    return;
                }
                if object.kind_str() != "identifier" {
                    return;
                }
                match (method, args.as_slice()) {
                    ("set", [k, v]) => {
                        let key = constant_key(*k, src);
                        index.store(text(object, src), key, *v, site(n, false));
                    }
                    ("push" | "unshift" | "add", values) => {
                        for v in values {
                            index.store(text(object, src), None, *v, site(n, false));
                        }
                    }
                    _ => {}
                }
            }
            // `for (const x of xs)`: each element (or key) of `xs`.
            "for_in_statement" => match n.field("right") {
                Some(right) => {
                    let mut names = Vec::new();
                    if let Some(l) = n.field("left") {
                        pattern_names(l, src, &mut names);
                    }
                    for name in names {
                        index.bind(name, Binding::Element(right));
                    }
                }
                None => opaque(&mut index, n.field("left")),
            },
            "catch_clause" => opaque(&mut index, n.field("parameter")),
            "function_declaration" | "class_declaration" | "generator_function_declaration" => {
                opaque(&mut index, n.field("name"))
            }
            "import_statement" => {
                imports.clear();
                import_statement(n, src, &mut imports);
                for (local, qualified) in &imports {
                    index.bind(local, Binding::Import(qualified.clone()));
                }
            }
            _ => {}
        }
    });
    index
}

/// A constant property key: `"name"`, `0`.
pub(super) fn constant_key(node: Node, src: &str) -> Option<String> {
    match node.kind_str() {
        "string" => string_value(node, src).map(str::to_owned),
        "number" => Some(text(node, src).to_owned()),
        _ => None,
    }
}

/// `o.k` / `o["k"]` → (`o`, Some("k")); `o[name]` → (`o`, None), for a plain name `o`.
pub(super) fn member_key<'t>(node: Node<'t>, src: &str) -> Option<(Node<'t>, Option<String>)> {
    let object = node
        .field("object")
        .filter(|o| o.kind_str() == "identifier")?;
    match node.kind_str() {
        "member_expression" => Some((
            object,
            node.field("property").map(|p| text(p, src).to_owned()),
        )),
        "subscript_expression" => Some((
            object,
            node.field("index").and_then(|k| constant_key(k, src)),
        )),
        _ => None,
    }
}

/// Node kinds whose parts may not run (or run more than once): a binding inside one does not
/// hide the bindings before the construct.
fn is_conditional(kind: &str) -> bool {
    matches!(
        kind,
        "if_statement"
            | "else_clause"
            | "for_statement"
            | "for_in_statement"
            | "while_statement"
            | "do_statement"
            | "try_statement"
            | "catch_clause"
            | "finally_clause"
            | "switch_statement"
            | "switch_case"
            | "switch_default"
            | "ternary_expression"
            | "binary_expression"
            | "augmented_assignment_expression"
    )
}

fn is_loop(kind: &str) -> bool {
    matches!(
        kind,
        "for_statement" | "for_in_statement" | "while_statement" | "do_statement"
    )
}

/// The value of an expression made only of literals: `7 * 42 - 106 > 200`, `!true`.
pub(super) fn fold(node: Node, src: &str, depth: u32) -> Option<Lit> {
    if depth > MAX_DEPTH {
        return None;
    }
    let recurse = |n: Node| fold(n, src, depth + 1);
    match node.kind_str() {
        "number" => text(node, src).replace('_', "").parse().ok().map(Lit::Num),
        "true" => Some(Lit::Bool(true)),
        "false" => Some(Lit::Bool(false)),
        "null" | "undefined" => Some(Lit::Null),
        "string" => string_value(node, src).map(|v| Lit::Str(v.to_owned())),
        "parenthesized_expression" => recurse(node.named_child(0)?),
        "unary_expression" => {
            let op = text(node.field("operator")?, src);
            let value = recurse(node.field("argument")?)?;
            match (op, value) {
                ("!", v) => Some(Lit::Bool(!v.truthy())),
                ("-", Lit::Num(n)) => Some(Lit::Num(-n)),
                ("+", Lit::Num(n)) => Some(Lit::Num(n)),
                _ => None,
            }
        }
        "binary_expression" => {
            let op = text(node.field("operator")?, src);
            let left = recurse(node.field("left")?)?;
            match (op, left.truthy()) {
                ("&&", false) | ("||", true) => Some(left),
                ("&&" | "||", _) => recurse(node.field("right")?),
                _ => Lit::binary(op, &left, &recurse(node.field("right")?)?),
            }
        }
        _ => None,
    }
}

/// Whether `node` is in a branch that cannot run (`if (false)`).
pub(super) fn in_dead_code<'t>(cx: &Cx<'_, 't>, node: Node<'t>) -> bool {
    ancestors(cx.within, node)
        .into_iter()
        .rev()
        .find(|s| is_scope(*s) && !matches!(s.kind_str(), "class_declaration" | "class"))
        .is_some_and(|s| {
            let index = cx.scope(s, index_scope);
            index.dead.iter().any(|d| d.contains(&node.start_byte()))
        })
}

/// The innermost function scope that binds `ident`'s name, with its index.
pub(super) fn scoped_lookup<'t>(
    cx: &Cx<'_, 't>,
    ident: Node<'t>,
) -> Option<(Node<'t>, std::rc::Rc<ScopeIndex<'t>>)> {
    scoped_lookup_at(cx, ident).map(|(s, i, _)| (s, i))
}

/// As `scoped_lookup`, and whether the scope is the innermost function around `ident` (the
/// use runs in flow order with the bindings).
pub(super) fn scoped_lookup_at<'t>(
    cx: &Cx<'_, 't>,
    ident: Node<'t>,
) -> Option<(Node<'t>, std::rc::Rc<ScopeIndex<'t>>, bool)> {
    let name = text(ident, cx.src);
    let mut direct = true;
    for s in ancestors(cx.within, ident).into_iter().rev() {
        if is_scope(s) && !matches!(s.kind_str(), "class_declaration" | "class") {
            let index = cx.scope(s, index_scope);
            if index.params.contains(name) || index.bindings.contains_key(name) {
                return Some((s, index, direct));
            }
            direct = false;
        }
    }
    None
}

/// The root identifier a guard may clear: `x`, `(x)`, `x as string`.
fn guard_subject<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "identifier" => Some(node),
        // `ALLOWED_HOSTS.has(url.hostname)` checks the parsed `url`.
        "member_expression"
            if node.field("property").is_some_and(|p| {
                matches!(text(p, src), "hostname" | "host" | "origin" | "href")
            }) =>
        {
            node.field("object")
                .filter(|o| o.kind_str() == "identifier")
        }
        "parenthesized_expression" | "as_expression" | "non_null_expression" => {
            guard_subject(node.named_child(0)?, src)
        }
        _ => None,
    }
}

/// Records the names a condition validates: allow-lists (`ALLOWED.includes(x)`,
/// `ALLOWED.has(x)`, `x in TABLE`), validators (`validator.isInt(x)`, `/^\w+$/.test(x)`,
/// `typeof x === "number"`), containment (`p.startsWith(ROOT)`), and same-file checks whose
/// name says so (`isSafeRedirect(x)`).
///
/// The guards that hold when `cond` evaluates to `truth`, over `range`.
fn collect_guards_when(
    cond: Node,
    src: &str,
    validators: &HashSet<String>,
    truth: bool,
    range: std::ops::Range<usize>,
    out: &mut Vec<Guard>,
    depth: u32,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let recurse = |c: Node, truth: bool, out: &mut Vec<Guard>| {
        collect_guards_when(c, src, validators, truth, range.clone(), out, depth + 1)
    };
    let guard = |node: Option<Node>, kind: GuardKind, out: &mut Vec<Guard>| {
        if let Some(id) = node.and_then(|n| guard_subject(n, src)) {
            out.push(Guard {
                at: range.start,
                until: range.end,
                name: text(id, src).to_owned(),
                kind,
            });
        }
    };
    match cond.kind_str() {
        "parenthesized_expression" => {
            if let Some(c) = cond.named_child(0) {
                recurse(c, truth, out);
            }
        }
        "unary_expression" => {
            let op = cond.field("operator").map(|o| text(o, src));
            if let (Some("!"), Some(c)) = (op, cond.field("argument")) {
                recurse(c, !truth, out);
            }
        }
        "binary_expression" => {
            let op = cond.field("operator").map(|o| text(o, src)).unwrap_or("");
            let (Some(l), Some(r)) = (cond.field("left"), cond.field("right")) else {
                return;
            };
            match op {
                // `a && b` true: both hold; `a || b` false: neither holds.
                "&&" | "||" if (op == "&&") == truth => {
                    recurse(l, truth, out);
                    recurse(r, truth, out);
                    // `x.startsWith("/") && !x.startsWith("//")`: a path on this site.
                    if let Some(subject) = site_relative(
                        slash_prefix(l, truth, src),
                        slash_prefix(r, truth, src),
                        src,
                    ) {
                        guard(Some(subject), GuardKind::Contained, out);
                    }
                }
                // `!x || ALLOWED.includes(x)` true: `x` is empty or allowed, either way clean.
                "&&" | "||" => {
                    let (mut lg, mut rg) = (Vec::new(), Vec::new());
                    recurse(l, truth, &mut lg);
                    recurse(r, truth, &mut rg);
                    let (lf, rf) = (empty_name(l, truth, src), empty_name(r, truth, src));
                    for g in &lg {
                        if rf == Some(g.name.as_str()) || rg.iter().any(|h| h.name == g.name) {
                            out.push(g.clone());
                        }
                    }
                    out.extend(rg.into_iter().filter(|g| lf == Some(g.name.as_str())));
                }
                "in" if truth => guard(Some(l), GuardKind::AllowList, out),
                "===" | "==" | "!==" | "!=" | ">=" | ">" | "<" => {
                    let equal = matches!(op, "===" | "==");
                    for (a, b) in [(l, r), (r, l)] {
                        // `typeof x === "number"`, `typeof x !== "string"`
                        if a.kind_str() == "unary_expression"
                            && text(a, src).starts_with("typeof")
                            && matches!(op, "===" | "==" | "!==" | "!=")
                            && equal == truth
                        {
                            let kind = match string_value(b, src) {
                                Some("number" | "boolean" | "bigint") => GuardKind::Validated,
                                Some("string") => GuardKind::StringType,
                                _ => continue,
                            };
                            guard(a.field("argument"), kind, out);
                        }
                        // `ALLOWED.indexOf(x) !== -1`, `ALLOWED.indexOf(x) < 0`
                        if a.kind_str() == "call_expression" {
                            let method = a
                                .field("function")
                                .filter(|f| f.kind_str() == "member_expression")
                                .and_then(|f| f.field("property"))
                                .map(|p| text(p, src));
                            let found = match op {
                                "===" | "==" | "<" => !truth,
                                _ => truth,
                            };
                            if method == Some("indexOf") && found {
                                guard(
                                    a.field("arguments").and_then(|x| x.named_child(0)),
                                    GuardKind::AllowList,
                                    out,
                                );
                            }
                        }
                    }
                    // `x === "csv"`
                    if equal == truth
                        && matches!(op, "===" | "==" | "!==" | "!=")
                        && l.kind_str() == "identifier"
                        && matches!(r.kind_str(), "string" | "number")
                    {
                        guard(Some(l), GuardKind::AllowList, out);
                    }
                }
                _ => {}
            }
        }
        "call_expression" if truth => {
            let Some(func) = cond.field("function") else {
                return;
            };
            let first = cond.field("arguments").and_then(|a| a.named_child(0));
            let (name, object) = match func.kind_str() {
                "member_expression" => (
                    func.field("property").map(|p| text(p, src)).unwrap_or(""),
                    func.field("object"),
                ),
                _ => (text(func, src), None),
            };
            match name {
                "includes" | "has" | "hasOwnProperty" | "hasOwn" => {
                    // `name.includes("..")` checks the receiver; `ALLOWED.includes(x)` the
                    // argument.
                    if first.is_some_and(|a| a.kind_str() == "string") {
                        guard(object, GuardKind::Contained, out);
                    } else {
                        let subject = if text(func, src) == "Object.hasOwn" {
                            cond.field("arguments").and_then(|a| a.named_child(1))
                        } else {
                            first
                        };
                        guard(subject, GuardKind::AllowList, out);
                    }
                }
                "test" => guard(first, GuardKind::Validated, out),
                // A bare `"/"` prefix contains nothing: `//evil.example` and `/etc/passwd`
                // start with it.
                "startsWith"
                    if !first
                        .and_then(|a| string_value(a, src))
                        .is_some_and(|p| matches!(p, "/" | "\\")) =>
                {
                    guard(object, GuardKind::Contained, out)
                }
                n if validators.contains(n) => guard(first, GuardKind::Validated, out),
                n if object.is_none() => {
                    let lower = n.to_ascii_lowercase();
                    if ["safe", "valid", "allowed"]
                        .iter()
                        .any(|w| lower.contains(w))
                    {
                        let kind = if lower.contains("url") || lower.contains("redirect") {
                            GuardKind::SafeUrl
                        } else {
                            GuardKind::Validated
                        };
                        guard(first, kind, out);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The name a condition says is empty when it evaluates to `truth`: `!x`, `x == null`
/// (true); `x` (false).
fn empty_name<'s>(cond: Node, truth: bool, src: &'s str) -> Option<&'s str> {
    match cond.kind_str() {
        "identifier" if !truth => Some(text(cond, src)),
        "unary_expression" if cond.field("operator").is_some_and(|o| text(o, src) == "!") => {
            empty_name(cond.field("argument")?, !truth, src)
        }
        "parenthesized_expression" => empty_name(cond.named_child(0)?, truth, src),
        "binary_expression" => {
            let op = text(cond.field("operator")?, src);
            let (left, right) = (cond.field("left")?, cond.field("right")?);
            let is = match op {
                "==" | "===" => true,
                "!=" | "!==" => false,
                _ => return None,
            };
            (left.kind_str() == "identifier"
                && matches!(right.kind_str(), "null" | "undefined")
                && is == truth)
                .then(|| text(left, src))
        }
        _ => None,
    }
}

/// Whether a statement always leaves the block: `return`, `throw`, `break`, `continue`, a
/// block ending in one, or a response sent (`res.status(400).send()`), `next(err)`,
/// `process.exit()`.
fn exits(stmt: Node, src: &str) -> bool {
    match stmt.kind_str() {
        "return_statement" | "throw_statement" | "break_statement" | "continue_statement" => true,
        "statement_block" => named_children(stmt)
            .into_iter()
            .rfind(|c| c.kind_str() != "comment")
            .is_some_and(|c| exits(c, src)),
        "expression_statement" => stmt.named_child(0).is_some_and(|e| {
            let e = if e.kind_str() == "await_expression" {
                e.named_child(0).unwrap_or(e)
            } else {
                e
            };
            if e.kind_str() != "call_expression" {
                return false;
            }
            let t = text(e, src);
            let root = t.split(['.', '(']).next().unwrap_or("").trim();
            let last = e
                .field("function")
                .map(|f| last_segment(f, src))
                .unwrap_or("");
            matches!(root, "res" | "response" | "reply")
                && matches!(
                    last,
                    "send" | "json" | "end" | "sendStatus" | "redirect" | "render"
                )
                || matches!(
                    t.split('(').next().unwrap_or(""),
                    "next" | "process.exit" | "ctx.throw"
                )
        }),
        _ => false,
    }
}

fn last_segment<'s>(func: Node, src: &'s str) -> &'s str {
    match func.kind_str() {
        "member_expression" => func.field("property").map(|p| text(p, src)).unwrap_or(""),
        _ => text(func, src),
    }
}

/// Whether `stmt` assigns `name` (`if (!isSafe(next)) next = "/";`).
fn assigns(stmt: Node, name: &str, src: &str) -> bool {
    let mut found = false;
    walk_scope(stmt, &is_scope, &mut |n| {
        if n.kind_str() == "assignment_expression"
            && n.field("left").is_some_and(|l| text(l, src) == name)
        {
            found = true;
        }
    });
    found
}

/// The guards an `if` statement sets up (see the Python `if_guards`).
fn if_guards(
    stmt: Node,
    scope_body: Node,
    src: &str,
    validators: &HashSet<String>,
    out: &mut Vec<Guard>,
) {
    let Some(cond) = stmt.field("condition") else {
        return;
    };
    let consequence = stmt.field("consequence");
    if let Some(c) = consequence {
        collect_guards_when(cond, src, validators, true, c.byte_range(), out, 0);
    }
    let alternative = stmt.field("alternative");
    if let Some(a) = alternative {
        collect_guards_when(cond, src, validators, false, a.byte_range(), out, 0);
    }
    let rest = || {
        let end = ancestors(scope_body, stmt)
            .last()
            .map_or(scope_body.end_byte(), |p| p.end_byte());
        stmt.end_byte()..end
    };
    if let Some(c) = consequence {
        // The guards first, with a placeholder range: the rest of the block costs the depth of
        // the statement (20,000 nested `if`s made it quadratic), and most conditions guard
        // nothing.
        let mut failed = Vec::new();
        collect_guards_when(cond, src, validators, false, 0..0, &mut failed, 0);
        if !failed.is_empty() {
            let leaves = exits(c, src);
            let range = rest();
            out.extend(
                failed
                    .into_iter()
                    .filter(|g| leaves || assigns(c, &g.name, src))
                    .map(|mut g| {
                        g.at = range.start;
                        g.until = range.end;
                        g
                    }),
            );
        }
    }
    if let Some(body) = alternative.and_then(|a| a.named_child(0)) {
        if body.kind_str() != "if_statement" && exits(body, src) {
            collect_guards_when(cond, src, validators, true, rest(), out, 0);
        }
    }
}

pub(super) fn lookup<'t>(cx: &Cx<'_, 't>, ident: Node<'t>) -> Lookup<'t> {
    let (sem, src) = (cx.sem, cx.src);
    let name = text(ident, src);
    // Innermost scope first. (Walking down from the item is cheap; `Node::parent` walks down
    // from the root on every call.)
    for s in ancestors(cx.within, ident).into_iter().rev() {
        if is_scope(s) && !matches!(s.kind_str(), "class_declaration" | "class") {
            if let Some(found) = cx.scope(s, index_scope).lookup(name) {
                return found;
            }
        }
    }
    if let Some(q) = sem.imports.get(name) {
        return Lookup::Import(q.clone());
    }
    match sem.bindings.get(name) {
        Some(b) => Lookup::Module(b.clone()),
        None => Lookup::Unbound,
    }
}

/// Names bound to a `require` inside a function resolve through their declaration.
fn may_resolve(cx: &Cx, name: &str) -> bool {
    cx.sem.imports.contains_key(name) || cx.item_imports.contains(name) || GLOBALS.contains(&name)
}

/// Names bound by `require`/`import` anywhere inside `item`, found by their keyword.
pub(super) fn item_imports(item: Node, src: &str) -> BTreeSet<String> {
    let mut out = BTreeMap::new();
    let range = item.byte_range();
    let text = &src[range.clone()];
    for (pos, len) in text
        .match_indices("require")
        .map(|(p, _)| (p, 7))
        .chain(text.match_indices("import").map(|(p, _)| (p, 6)))
    {
        let pos = range.start + pos;
        let Some(keyword) = item.descendant_for_byte_range(pos, pos + len) else {
            continue;
        };
        let mut path = ancestors(item, keyword);
        path.push(keyword);
        for n in path.iter().rev() {
            match n.kind_str() {
                "variable_declarator" => {
                    declarator_imports(*n, src, &mut out);
                    break;
                }
                "import_statement" => {
                    import_statement(*n, src, &mut out);
                    break;
                }
                _ => {}
            }
        }
    }
    out.into_keys().collect()
}

pub(super) fn resolve<'t>(cx: &Cx<'_, 't>, node: Node<'t>) -> Option<String> {
    let _level = ba_syntax::depth::enter()?;
    let src = cx.src;
    match node.kind_str() {
        "identifier" if !may_resolve(cx, text(node, src)) => None,
        "identifier" => match lookup(cx, node) {
            Lookup::Import(q) => Some(q),
            Lookup::Local(bindings) => match bindings.as_slice() {
                [Binding::Import(q)] => Some(q.clone()),
                [Binding::Value(v)] => required_name(*v, src),
                _ => None,
            },
            Lookup::Unbound => {
                let name = text(node, src);
                GLOBALS.contains(&name).then(|| format!("global.{name}"))
            }
            Lookup::Module(_) => None,
        },
        "member_expression" => {
            let object = node.field("object")?;
            let property = node.field("property")?;
            let base = match object.kind_str() {
                "call_expression" => require_target(object, src)?,
                _ => resolve(cx, object)?,
            };
            // `global.x`, `globalThis.x` and `window.x` are the global itself.
            match base.as_str() {
                "global.global" | "global.globalThis" | "global.window" => {
                    Some(format!("global.{}", text(property, src)))
                }
                _ => Some(format!("{base}.{}", text(property, src))),
            }
        }
        "parenthesized_expression" | "non_null_expression" | "await_expression" => {
            resolve(cx, node.named_child(0)?)
        }
        "call_expression" => require_target(node, src),
        _ => None,
    }
}

pub(super) fn is_constant<'t>(cx: &Cx<'_, 't>, node: Node<'t>, sink: Sink, depth: u32) -> bool {
    let src = cx.src;
    if depth > MAX_DEPTH {
        return false;
    }
    let recurse = |n: Node<'t>| is_constant(cx, n, sink, depth + 1);
    match node.kind_str() {
        "string" | "number" | "true" | "false" | "null" | "undefined" | "regex" => true,
        "template_string" => named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() == "template_substitution")
            .all(|s| named_children(s).into_iter().all(recurse)),
        "binary_expression" => {
            node.field("left").is_some_and(recurse) && node.field("right").is_some_and(recurse)
        }
        "parenthesized_expression"
        | "array"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression" => named_children(node)
            .into_iter()
            .filter(|c| !c.kind_str().contains("type") && c.kind_str() != "comment")
            .all(recurse),
        "ternary_expression" => {
            node.field("consequence").is_some_and(recurse)
                && node.field("alternative").is_some_and(recurse)
        }
        "unary_expression" => node.field("argument").is_some_and(recurse),
        "call_expression" => {
            let Some(func) = node.field("function") else {
                return false;
            };
            if resolve(cx, func).is_some_and(|q| {
                cx.sem
                    .lang_models(ba_syntax::Family::JavaScript)
                    .sanitizes(&q, sink)
            }) {
                return true;
            }
            // `"a".concat(b)`, `[a, b].join(" ")` of constants.
            if func.kind_str() == "member_expression" {
                let method = func.field("property").map(|p| text(p, src));
                if matches!(
                    method,
                    Some("concat" | "join" | "toUpperCase" | "toLowerCase" | "trim")
                ) {
                    let args = node
                        .field("arguments")
                        .map(named_children)
                        .unwrap_or_default();
                    return func.field("object").is_some_and(recurse)
                        && args.into_iter().all(recurse);
                }
            }
            false
        }
        "identifier" => match lookup(cx, node) {
            Lookup::Local(bindings) => bindings.iter().all(|b| match b {
                Binding::Value(v) | Binding::Augmented(v) => recurse(*v),
                _ => false,
            }),
            Lookup::Module(b) => b == ModuleBinding::Constant,
            _ => text(node, src) == "undefined",
        },
        _ => false,
    }
}

/// What a `startsWith` test of a path prefix says when `cond` evaluates to `truth`: whether
/// `x` starts with `"/"` (`Some((false, holds, x))`) or with `"//"` (`Some((true, holds,
/// x))`), through `!` and parentheses.
fn slash_prefix<'t>(cond: Node<'t>, truth: bool, src: &str) -> Option<(bool, bool, Node<'t>)> {
    match cond.kind_str() {
        "unary_expression" if cond.field("operator").map(|o| text(o, src)) == Some("!") => {
            slash_prefix(cond.field("argument")?, !truth, src)
        }
        "parenthesized_expression" => slash_prefix(cond.named_child(0)?, truth, src),
        "call_expression" => {
            let func = cond.field("function")?;
            if func.kind_str() != "member_expression"
                || func.field("property").map(|p| text(p, src)) != Some("startsWith")
            {
                return None;
            }
            let object = func.field("object")?;
            let prefix = string_value(cond.field("arguments")?.named_child(0)?, src)?;
            match prefix {
                "/" => Some((false, truth, object)),
                p if p.starts_with("//") => Some((true, truth, object)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The subject of `x.startsWith("/")` holding together with `x.startsWith("//")` failing: a
/// path on this site, which a redirect may follow.
fn site_relative<'t>(
    a: Option<(bool, bool, Node<'t>)>,
    b: Option<(bool, bool, Node<'t>)>,
    src: &str,
) -> Option<Node<'t>> {
    let (a, b) = (a?, b?);
    let (single, double) = match (a.0, b.0) {
        (false, true) => (a, b),
        (true, false) => (b, a),
        _ => return None,
    };
    (single.1 && !double.1 && text(single.2, src) == text(double.2, src)).then_some(single.2)
}
