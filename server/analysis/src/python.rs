//! Python: imports, scopes and constant analysis over tree-sitter-python trees.

use ba_syntax::NodeExt;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use tree_sitter::Node;

use super::{
    ancestors, named_children, settle_module_bindings, text, walk_scope, walk_scope_at, Binding,
    Cx, Guard, GuardKind, Lit, Lookup, ModuleBinding, ScopeIndex, ScopePath, Semantic, Sink, Site,
    MAX_DEPTH,
};

const BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "open",
    "input",
    "__import__",
    "int",
    "float",
    "bool",
    "len",
    "str",
    "getattr",
    "setattr",
    "print",
    "repr",
    "format",
    "abs",
    "round",
    "bytes",
    "bytearray",
    "list",
    "dict",
    "tuple",
    "set",
    "sorted",
    "isinstance",
    "hash",
    "id",
];

fn is_function(kind: &str) -> bool {
    matches!(kind, "function_definition" | "lambda")
}

fn is_scope(node: Node) -> bool {
    matches!(
        node.kind_str(),
        "function_definition" | "class_definition" | "lambda"
    )
}

/// Statements whose bodies still belong to the enclosing scope.
fn is_block_statement(kind: &str) -> bool {
    matches!(
        kind,
        "if_statement"
            | "elif_clause"
            | "else_clause"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "for_statement"
            | "while_statement"
            | "block"
            | "match_statement"
            | "case_clause"
    )
}

/// Records the names an import statement binds.
fn collect_import(node: Node, src: &str, out: &mut BTreeMap<String, String>) {
    match node.kind_str() {
        "import_statement" => {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                match name.kind_str() {
                    // `import a.b` binds `a`.
                    "dotted_name" => {
                        let full = text(name, src);
                        let first = full.split('.').next().unwrap_or(full).trim();
                        out.insert(first.to_owned(), first.to_owned());
                    }
                    "aliased_import" => {
                        if let (Some(n), Some(a)) = (name.field("name"), name.field("alias")) {
                            out.insert(text(a, src).to_owned(), normalise(text(n, src)));
                        }
                    }
                    _ => {}
                }
            }
        }
        "import_from_statement" => {
            let Some(module) = node.field("module_name") else {
                return;
            };
            // Relative imports name this project's modules: keep the dots out of the name.
            let module = normalise(text(module, src).trim_start_matches('.'));
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let (local, imported) = match name.kind_str() {
                    "dotted_name" => (text(name, src), text(name, src)),
                    "aliased_import" => match (name.field("alias"), name.field("name")) {
                        (Some(a), Some(n)) => (text(a, src), text(n, src)),
                        _ => continue,
                    },
                    _ => continue,
                };
                let qualified = if module.is_empty() {
                    normalise(imported)
                } else {
                    format!("{module}.{}", normalise(imported))
                };
                out.insert(local.to_owned(), qualified);
            }
        }
        _ => {}
    }
}

fn normalise(dotted: &str) -> String {
    dotted
        .split('.')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(".")
}

/// Builds the module's semantic model from its top-level statements.
pub(super) fn semantic(root: Node, src: &str, models: super::models::ModelSet) -> Semantic {
    let mut sem = Semantic {
        models,
        ..Semantic::default()
    };
    let mut values: BTreeMap<String, Vec<Option<Node>>> = BTreeMap::new();
    fn visit<'t>(
        node: Node<'t>,
        src: &str,
        sem: &mut Semantic,
        values: &mut BTreeMap<String, Vec<Option<Node<'t>>>>,
    ) {
        let Some(_level) = ba_syntax::depth::enter() else {
            return;
        };
        for stmt in named_children(node) {
            match stmt.kind_str() {
                "import_statement" | "import_from_statement" => {
                    collect_import(stmt, src, &mut sem.imports)
                }
                "function_definition" | "class_definition" => {
                    if let Some(name) = stmt.field("name") {
                        values
                            .entry(text(name, src).to_owned())
                            .or_default()
                            .push(None);
                    }
                }
                "decorated_definition" => {
                    if let Some(name) = stmt.field("definition").and_then(|d| d.field("name")) {
                        values
                            .entry(text(name, src).to_owned())
                            .or_default()
                            .push(None);
                    }
                }
                "expression_statement" => {
                    for expr in named_children(stmt) {
                        record_assignment(expr, src, values);
                    }
                }
                "for_statement" => {
                    if let Some(left) = stmt.field("left") {
                        for id in target_names(left) {
                            values
                                .entry(text(id, src).to_owned())
                                .or_default()
                                .push(None);
                        }
                    }
                    visit(stmt, src, sem, values);
                }
                kind if is_block_statement(kind) => visit(stmt, src, sem, values),
                _ => {}
            }
        }
    }
    visit(root, src, &mut sem, &mut values);
    settle_module_bindings(
        &mut sem,
        &values,
        &Default::default(),
        root,
        src,
        is_constant,
        resolve,
    );
    sem
}

/// Records a module-level `name = value` (None: a value we do not evaluate).
fn record_assignment<'t>(
    e: Node<'t>,
    src: &str,
    values: &mut BTreeMap<String, Vec<Option<Node<'t>>>>,
) {
    let value = match e.kind_str() {
        "assignment" => None,
        "augmented_assignment" => {
            if let Some(left) = e.field("left") {
                record_target(left, None, src, values);
            }
            return;
        }
        _ => return,
    };
    // `a = b = "x"`: every name of the chain gets the innermost value (recorded innermost
    // first), found in one pass down the chain.
    let mut targets = Vec::new();
    let mut node = e;
    let value = loop {
        let Some(left) = node.field("left") else {
            break value;
        };
        targets.push(left);
        match node.field("right") {
            Some(r) if r.kind_str() == "assignment" => node = r,
            r => break r,
        }
    };
    for left in targets.into_iter().rev() {
        record_target(left, value, src, values);
    }
}

fn record_target<'t>(
    left: Node<'t>,
    value: Option<Node<'t>>,
    src: &str,
    values: &mut BTreeMap<String, Vec<Option<Node<'t>>>>,
) {
    if left.kind_str() == "identifier" {
        values
            .entry(text(left, src).to_owned())
            .or_default()
            .push(value);
    } else {
        for id in target_names(left) {
            values
                .entry(text(id, src).to_owned())
                .or_default()
                .push(None);
        }
    }
}

/// The names an assignment (or loop) target binds: `a`, `a, b`, `[a, *rest]`; not the names in
/// `obj.attr` or `obj[key]`, which rebind nothing.
fn target_names(node: Node) -> Vec<Node> {
    let Some(_level) = ba_syntax::depth::enter() else {
        return Vec::new();
    };
    match node.kind_str() {
        "identifier" => vec![node],
        "attribute" | "subscript" => Vec::new(),
        _ => named_children(node)
            .into_iter()
            .flat_map(target_names)
            .collect(),
    }
}

fn identifiers_in(node: Node) -> Vec<Node> {
    if node.kind_str() == "identifier" {
        return vec![node];
    }
    let mut out = Vec::new();
    walk_scope(node, &is_scope, &mut |n| {
        if n.kind_str() == "identifier" {
            out.push(n);
        }
    });
    out
}

fn collect_params<'t>(func: Node<'t>, src: &str, index: &mut ScopeIndex<'t>) {
    let Some(params) = func.field("parameters") else {
        return;
    };
    for p in named_children(params) {
        let id = match p.kind_str() {
            "identifier" => Some(p),
            "default_parameter" | "typed_default_parameter" => p.field("name"),
            "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                identifiers_in(p).into_iter().next()
            }
            _ => None,
        };
        if let Some(id) = id {
            index.params.insert(text(id, src).to_owned());
        }
    }
}

/// Every binding made directly inside a function (not in nested functions), in one walk.
fn index_scope<'t>(scope: Node<'t>, cx: &Cx<'_, 't>) -> ScopeIndex<'t> {
    let src = cx.src;
    // Functions the models (built-in and the user's) say validate their first argument.
    let validators = &cx.sem.lang_models(ba_syntax::Family::Python).validators;
    let mut index = ScopeIndex::default();
    collect_params(scope, src, &mut index);
    if scope.kind_str() == "lambda" {
        return index;
    }
    let body = scope.field("body").unwrap_or(scope);
    let mut imports = BTreeMap::new();
    // Where the walk is: a binding's site in constant time, however deep it is.
    let mut path = ScopePath::new(body, is_conditional, is_loop);
    // `a = b = … = v`: the walk meets every assignment of the chain, and each binds `v`; found
    // once for the chain (a search per assignment costs the square of the chain's length).
    let mut chain_value: Option<(usize, Node<'t>)> = None;
    let mut chain_site: Option<Site> = None;
    walk_scope_at(body, &is_scope, &mut path, &mut |n, path| {
        let site = |n: Node, kills: bool| path.site(n, n.end_byte(), kills);
        if index.dead.iter().any(|d| d.contains(&n.start_byte())) {
            return;
        }
        match n.kind_str() {
            "assignment" => {
                let Some(left) = n.field("left") else {
                    return;
                };
                let Some(r) = n.field("right") else {
                    return;
                };
                let in_chain = matches!(chain_value, Some((end, v)) if n.end_byte() == end
                    && (r.kind_str() == "assignment" || r.id() == v.id()));
                let value = match chain_value {
                    Some((_, v)) if in_chain => v,
                    _ => {
                        let v = innermost_value(r);
                        chain_value = Some((n.end_byte(), v));
                        v
                    }
                };
                // Every link of a chain sits where its outermost assignment does (placing each
                // link would walk its ancestors: the square of the chain's length).
                let here = match &chain_site {
                    Some(s) if in_chain => s.clone(),
                    _ => {
                        let s = site(n, true);
                        chain_site = Some(s.clone());
                        s
                    }
                };
                if left.kind_str() == "identifier" {
                    index.bind_at(text(left, src), Binding::Value(value), here.clone());
                } else if matches!(
                    left.kind_str(),
                    "pattern_list" | "tuple_pattern" | "list_pattern"
                ) {
                    // `a, b = "x", request.args["b"]`: each name gets its own element.
                    let targets = named_children(left);
                    let elements = named_children(value);
                    let pairwise = matches!(value.kind_str(), "expression_list" | "tuple" | "list")
                        && targets.len() == elements.len()
                        && targets.iter().all(|t| t.kind_str() == "identifier")
                        && !elements
                            .iter()
                            .any(|e| matches!(e.kind_str(), "list_splat" | "starred" | "comment"));
                    if pairwise {
                        for (t, e) in targets.into_iter().zip(elements) {
                            index.bind_at(text(t, src), Binding::Value(e), site(n, true));
                        }
                    } else {
                        for id in target_names(left) {
                            index.bind_at(text(id, src), Binding::Element(value), site(n, true));
                        }
                    }
                }
                // `obj.attr = v` binds no name; `d[k] = v` stores into `d`.
                else if let Some(d) = left
                    .field("value")
                    .filter(|d| left.kind_str() == "subscript" && d.kind_str() == "identifier")
                {
                    let key = left.field("subscript").and_then(|k| constant_key(k, src));
                    index.store(text(d, src), key, value, site(n, false));
                }
            }
            "augmented_assignment" => {
                if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                    if left.kind_str() == "identifier" {
                        index.bind_at(text(left, src), Binding::Augmented(right), site(n, false));
                    } else if let Some(d) = left
                        .field("value")
                        .filter(|d| left.kind_str() == "subscript" && d.kind_str() == "identifier")
                    {
                        let key = left.field("subscript").and_then(|k| constant_key(k, src));
                        index.store(text(d, src), key, right, site(n, false));
                    }
                }
            }
            // `items.append(v)`, `d.setdefault("k", v)`, `d.update(other)`.
            "call" => {
                let Some(func) = n.field("function").filter(|f| f.kind_str() == "attribute") else {
                    return;
                };
                let (Some(object), Some(method)) = (func.field("object"), func.field("attribute"))
                else {
                    return;
                };
                if object.kind_str() != "identifier" {
                    return;
                }
                let args: Vec<Node> = n
                    .field("arguments")
                    .map(named_children)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| a.kind_str() != "comment")
                    .collect();
                let (key, value) = match (text(method, src), args.as_slice()) {
                    ("update", [v]) => {
                        index.merge(text(object, src), *v, site(n, false));
                        return;
                    }
                    ("append" | "add" | "extend" | "appendleft", [v]) => (None, *v),
                    // `buf.write(v)` then `buf.getvalue()` (io.StringIO/BytesIO);
                    // `config.read_string(text)` then `config.get(section, option)`.
                    ("write" | "writelines" | "read_string" | "read_file" | "read_dict", [v]) => {
                        (None, *v)
                    }
                    // `config.set(section, option, value)` (configparser), read back by
                    // `config.get(section, option)`: keyed by the option.
                    ("set", [_, o, v]) => (constant_key(*o, src), *v),
                    ("insert", [_, v]) => (None, *v),
                    ("setdefault", [k, v]) => (constant_key(*k, src), *v),
                    _ => return,
                };
                index.store(text(object, src), key, value, site(n, false));
            }
            "named_expression" => {
                if let (Some(left), Some(right)) = (n.field("name"), n.field("value")) {
                    index.bind_at(text(left, src), Binding::Value(right), site(n, true));
                }
            }
            "for_statement" | "for_in_clause" => {
                let right = n.field("right");
                let left = n.field("left");
                // `for i in range(…)` and the `i` of `for i, x in enumerate(xs)` are counters:
                // integers, whatever the data is.
                let callee = right
                    .filter(|r| r.kind_str() == "call")
                    .and_then(|r| Some((r.field("function")?, r.field("arguments")?)));
                match (callee, left) {
                    (Some((f, _)), Some(left)) if text(f, src) == "range" => {
                        for id in target_names(left) {
                            index.bind(text(id, src), Binding::Opaque);
                        }
                        return;
                    }
                    (Some((f, args)), Some(left))
                        if text(f, src) == "enumerate"
                            && matches!(left.kind_str(), "pattern_list" | "tuple_pattern")
                            && left.named_child_count() == 2 =>
                    {
                        let (Some(counter), Some(item)) =
                            (left.named_child(0), left.named_child(1))
                        else {
                            return;
                        };
                        for id in target_names(counter) {
                            index.bind(text(id, src), Binding::Opaque);
                        }
                        let binding = match args.named_child(0) {
                            Some(xs) => Binding::Element(xs),
                            None => Binding::Opaque,
                        };
                        for id in target_names(item) {
                            index.bind(text(id, src), binding.clone());
                        }
                        return;
                    }
                    _ => {}
                }
                let binding = match right {
                    Some(r) => Binding::Element(r),
                    None => Binding::Opaque,
                };
                for id in left.map(target_names).unwrap_or_default() {
                    index.bind(text(id, src), binding.clone());
                }
            }
            "as_pattern_target" => {
                for id in identifiers_in(n) {
                    index.bind(text(id, src), Binding::Opaque);
                }
            }
            "with_item" => {
                // `with open(p) as f`: `f` holds (a part of) the value. (The target is also bound
                // as opaque above, which keeps constant analysis conservative.)
                let Some(pattern) = n.field("value").filter(|v| v.kind_str() == "as_pattern")
                else {
                    return;
                };
                let (Some(value), Some(target)) = (
                    pattern.named_child(0),
                    named_children(pattern)
                        .into_iter()
                        .find(|c| c.kind_str() == "as_pattern_target"),
                ) else {
                    return;
                };
                // In flow order: a later `with open(q) as f` replaces an earlier `f`.
                for id in identifiers_in(target) {
                    index.bind_at(text(id, src), Binding::Element(value), site(n, true));
                }
            }
            "if_statement" => {
                let before = index.guards.len();
                if_guards(n, body, src, validators, &mut index.guards);
                host_guards(&mut index, before, src);
                let (bindings, params) = (&index.bindings, &index.params);
                let known = |name: &str| local_literal(bindings, params, name, src);
                dead_branches(n, src, &mut index.dead, &known);
            }
            "elif_clause" | "while_statement" => {
                if let (Some(c), Some(b)) = (
                    n.field("condition"),
                    n.field("consequence").or_else(|| n.field("body")),
                ) {
                    if fold(c, src, 0).is_some_and(|v| !v.truthy()) {
                        index.dead.push(b.byte_range());
                    }
                }
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
            "assert_statement" => {
                if let Some(c) = n.named_child(0) {
                    let end = path.parent().map_or(body.end_byte(), |p| p.end_byte());
                    collect_guards_when(
                        c,
                        src,
                        validators,
                        true,
                        n.end_byte()..end,
                        &mut index.guards,
                        0,
                    );
                }
            }
            "function_definition" | "class_definition" => {
                if let Some(id) = n.field("name") {
                    index.bind(text(id, src), Binding::Opaque);
                }
            }
            "import_statement" | "import_from_statement" => {
                imports.clear();
                collect_import(n, src, &mut imports);
                for (local, qualified) in &imports {
                    index.bind(local, Binding::Import(qualified.clone()));
                }
            }
            "global_statement" | "nonlocal_statement" => {
                for id in named_children(n) {
                    index.outer.insert(text(id, src).to_owned());
                }
            }
            _ => {}
        }
    });
    index
}

/// A constant container key: `"name"`, `0`, `-1`.
pub(super) fn constant_key(node: Node, src: &str) -> Option<String> {
    match node.kind_str() {
        "string" => string_value(node, src).map(str::to_owned),
        "integer" => Some(text(node, src).to_owned()),
        "unary_operator" if text(node, src).starts_with('-') => node
            .field("argument")
            .filter(|a| a.kind_str() == "integer")
            .map(|a| format!("-{}", text(a, src))),
        _ => None,
    }
}

/// Node kinds whose parts may not run (or run more than once): a binding inside one does not
/// hide the bindings before the construct.
fn is_conditional(kind: &str) -> bool {
    matches!(
        kind,
        "if_statement"
            | "elif_clause"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "match_statement"
            | "case_clause"
            | "conditional_expression"
            | "boolean_operator"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression"
    )
}

fn is_loop(kind: &str) -> bool {
    matches!(kind, "for_statement" | "while_statement")
}

/// The literal a local name holds where it is used, when the scope has bound it exactly once
/// so far, to a literal (`num = 106`), and it is not a parameter.
pub(super) fn local_literal(
    bindings: &std::collections::BTreeMap<String, Vec<Binding>>,
    params: &std::collections::BTreeSet<String>,
    name: &str,
    src: &str,
) -> Option<Lit> {
    if params.contains(name) {
        return None;
    }
    match bindings.get(name).map(Vec::as_slice) {
        Some([Binding::Value(v)]) => fold(*v, src, 0),
        _ => None,
    }
}

/// The value of condition `node` of an expression in a function, made of literals and of the
/// function's locals bound once to literals (`"x" if 7 * 18 + num > 200 else param`).
pub(super) fn fold_in_scope<'t>(cx: &Cx<'_, 't>, node: Node<'t>) -> Option<Lit> {
    let scope = cx.enclosing_functions(node, is_function).pop();
    match scope {
        Some(s) => {
            let index = cx.scope(s, index_scope);
            let known = |name: &str| local_literal(&index.bindings, &index.params, name, cx.src);
            fold_with(node, cx.src, 0, &known)
        }
        None => fold(node, cx.src, 0),
    }
}

/// The branches of an `if` that cannot run because its condition is made of literals (and of
/// locals bound once to literals).
fn dead_branches(
    stmt: Node,
    src: &str,
    dead: &mut Vec<std::ops::Range<usize>>,
    known: &dyn Fn(&str) -> Option<Lit>,
) {
    let Some(value) = stmt
        .field("condition")
        .and_then(|c| fold_with(c, src, 0, known))
    else {
        return;
    };
    if value.truthy() {
        let mut cursor = stmt.walk();
        dead.extend(
            stmt.children_by_field_name("alternative", &mut cursor)
                .map(|a| a.byte_range()),
        );
    } else if let Some(c) = stmt.field("consequence") {
        dead.push(c.byte_range());
    }
}

/// The value of an expression made only of literals: `7 * 42 - 106 > 200`, `not True`.
pub(super) fn fold(node: Node, src: &str, depth: u32) -> Option<Lit> {
    fold_with(node, src, depth, &|_| None)
}

/// `fold`, with `name` giving the value of an identifier where it is known (a local bound once
/// to a literal: `num = 106` then `7 * 42 - num > 200`).
pub(super) fn fold_with(
    node: Node,
    src: &str,
    depth: u32,
    name: &dyn Fn(&str) -> Option<Lit>,
) -> Option<Lit> {
    if depth > MAX_DEPTH {
        return None;
    }
    let recurse = |n: Node| fold_with(n, src, depth + 1, name);
    match node.kind_str() {
        "identifier" => name(text(node, src)),
        "integer" | "float" => text(node, src).replace('_', "").parse().ok().map(Lit::Num),
        "true" => Some(Lit::Bool(true)),
        "false" => Some(Lit::Bool(false)),
        "none" => Some(Lit::Null),
        "string" => string_value(node, src).map(|v| Lit::Str(v.to_owned())),
        "parenthesized_expression" => recurse(node.named_child(0)?),
        "not_operator" => Some(Lit::Bool(!recurse(node.field("argument")?)?.truthy())),
        "unary_operator" => match (
            text(node, src).chars().next(),
            recurse(node.field("argument")?)?,
        ) {
            (Some('-'), Lit::Num(n)) => Some(Lit::Num(-n)),
            (Some('+'), Lit::Num(n)) => Some(Lit::Num(n)),
            _ => None,
        },
        "binary_operator" => {
            let op = text(node.field("operator")?, src);
            Lit::binary(
                op,
                &recurse(node.field("left")?)?,
                &recurse(node.field("right")?)?,
            )
        }
        "boolean_operator" => {
            let op = text(node.field("operator")?, src);
            let left = recurse(node.field("left")?)?;
            match (op, left.truthy()) {
                ("and", false) | ("or", true) => Some(left),
                _ => recurse(node.field("right")?),
            }
        }
        "comparison_operator" => {
            let parts = named_children(node);
            let mut cursor = node.walk();
            let ops: Vec<Node> = node
                .children_by_field_name("operators", &mut cursor)
                .collect();
            let [a, b] = parts.as_slice() else {
                return None;
            };
            let [op] = ops.as_slice() else {
                return None;
            };
            Lit::binary(text(*op, src), &recurse(*a)?, &recurse(*b)?)
        }
        _ => None,
    }
}

/// Whether `node` is in a branch that cannot run (`if 7 * 42 - 106 > 200:` … false).
pub(super) fn in_dead_code<'t>(cx: &Cx<'_, 't>, node: Node<'t>) -> bool {
    cx.enclosing_functions(node, is_function)
        .first()
        .is_some_and(|s| {
            let index = cx.scope(*s, index_scope);
            index.dead.iter().any(|d| d.contains(&node.start_byte()))
        })
}

fn innermost_value(mut node: Node) -> Node {
    while node.kind_str() == "assignment" {
        match node.field("right") {
            Some(r) => node = r,
            None => break,
        }
    }
    node
}

/// Records the names a condition validates (see `GuardKind`), for uses after it (a
/// comprehension's filter).
pub(super) fn collect_guards(
    cond: Node,
    src: &str,
    validators: &HashSet<String>,
    out: &mut Vec<Guard>,
) {
    collect_guards_when(
        cond,
        src,
        validators,
        true,
        cond.start_byte()..usize::MAX,
        out,
        0,
    );
}

/// Types whose values cannot carry an injection: `isinstance(x, int)`.
const SAFE_TYPES: &[&str] = &[
    "int",
    "float",
    "bool",
    "complex",
    "Decimal",
    "UUID",
    "uuid.UUID",
    "date",
    "datetime",
    "decimal.Decimal",
    "datetime.date",
    "datetime.datetime",
];

/// Records the names a condition validates when it evaluates to `truth`, as guards over
/// `range`: `if not x.isdigit(): abort(400)` validates `x` when the condition is false.
/// A constant (`ALLOWED_MODE`, `Mode.FAST`) or a setting (`settings.SITE_TOKEN`,
/// `request.settings.google_site_verification`, `app.config["MODE"]`): a value the server chose.
fn server_chosen(node: Node, src: &str) -> bool {
    let t = text(node, src);
    match node.kind_str() {
        "identifier" => {
            t.chars().any(|c| c.is_ascii_uppercase()) && !t.chars().any(|c| c.is_ascii_lowercase())
        }
        "attribute" | "subscript" => {
            let last = t.rsplit('.').next().unwrap_or(t);
            (last.chars().any(|c| c.is_ascii_uppercase())
                && !last.chars().any(|c| c.is_ascii_lowercase()))
                || t.split(['.', '['])
                    .any(|part| matches!(part, "settings" | "config" | "conf" | "app_settings"))
        }
        _ => false,
    }
}

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
    let guard = |node: Node, kind: GuardKind, out: &mut Vec<Guard>| {
        for id in identifiers_in(node) {
            out.push(Guard {
                at: range.start,
                until: range.end,
                name: text(id, src).to_owned(),
                kind,
            });
        }
    };
    match cond.kind_str() {
        "boolean_operator" => {
            let op = cond.field("operator").map(|o| text(o, src));
            let (Some(left), Some(right)) = (cond.field("left"), cond.field("right")) else {
                return;
            };
            if (op == Some("and")) == truth {
                // `a and b` true: both hold; `a or b` false: neither holds.
                recurse(left, truth, out);
                recurse(right, truth, out);
                // `x.startswith("/") and not x.startswith("//")`, or a leading `/` with no
                // `urlparse(x).netloc`: a path on this site.
                let mut facts = Vec::new();
                slash_facts(cond, truth, op, src, &mut facts);
                if let Some(subject) = site_relative(&facts, src) {
                    guard(subject, GuardKind::Contained, out);
                }
            } else {
                // `not x or x in ALLOWED` true: `x` is empty or allowed, either way clean.
                let (mut l, mut r) = (Vec::new(), Vec::new());
                recurse(left, truth, &mut l);
                recurse(right, truth, &mut r);
                let (lf, rf) = (empty_name(left, truth, src), empty_name(right, truth, src));
                for g in &l {
                    if rf == Some(g.name.as_str()) || r.iter().any(|h| h.name == g.name) {
                        out.push(g.clone());
                    }
                }
                out.extend(r.into_iter().filter(|g| lf == Some(g.name.as_str())));
            }
        }
        "not_operator" => {
            if let Some(c) = cond.field("argument") {
                recurse(c, !truth, out);
            }
        }
        "parenthesized_expression" => {
            if let Some(c) = cond.named_child(0) {
                recurse(c, truth, out);
            }
        }
        "comparison_operator" => {
            let mut cursor = cond.walk();
            let operators: Vec<String> = cond
                .children_by_field_name("operators", &mut cursor)
                .map(|o| {
                    text(o, src)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let (Some(left), Some(right)) = (cond.named_child(0), cond.named_child(1)) else {
                return;
            };
            match operators.as_slice() {
                [op] if op == "in" && truth => guard(left, GuardKind::AllowList, out),
                [op] if op == "not in" && !truth => guard(left, GuardKind::AllowList, out),
                // `re.fullmatch(p, x) is None`
                [op] if (op == "is" || op == "==") && right.kind_str() == "none" => {
                    recurse(left, !truth, out)
                }
                [op] if (op == "is not" || op == "!=") && right.kind_str() == "none" => {
                    recurse(left, truth, out)
                }
                // `x == "csv"`, `token != settings.SITE_VERIFICATION`: equal to a value the
                // server chose (a literal, a constant, a setting).
                [op] if (op == "==") == truth
                    && matches!(op.as_str(), "==" | "!=")
                    && (matches!(right.kind_str(), "string" | "integer")
                        || server_chosen(right, src))
                    && left.kind_str() == "identifier" =>
                {
                    guard(left, GuardKind::AllowList, out)
                }
                _ => {}
            }
        }
        "call" if truth => {
            let Some(func) = cond.field("function") else {
                return;
            };
            let args = cond.field("arguments");
            let (name, object) = match func.kind_str() {
                "attribute" => (
                    func.field("attribute").map(|a| text(a, src)).unwrap_or(""),
                    func.field("object"),
                ),
                _ => (text(func, src), None),
            };
            let first_arg = args.and_then(|a| a.named_child(0));
            match name {
                "isdigit" | "isdecimal" | "isnumeric" | "isalnum" | "isalpha" | "isidentifier"
                | "isascii" => {
                    if let Some(o) = object {
                        guard(o, GuardKind::Validated, out);
                    }
                }
                "fullmatch" | "match" => {
                    // `re.fullmatch(p, x)` or `PATTERN.fullmatch(x)`.
                    let subject = if object.is_some_and(|o| text(o, src) == "re") {
                        args.and_then(|a| a.named_child(1))
                    } else {
                        first_arg
                    };
                    if let Some(s) = subject {
                        guard(s, GuardKind::Validated, out);
                    }
                }
                "isinstance" if object.is_none() => {
                    let (Some(subject), Some(types)) =
                        (first_arg, args.and_then(|a| a.named_child(1)))
                    else {
                        return;
                    };
                    let names: Vec<&str> = match types.kind_str() {
                        "tuple" => named_children(types)
                            .into_iter()
                            .map(|t| text(t, src))
                            .collect(),
                        _ => vec![text(types, src)],
                    };
                    if subject.kind_str() == "identifier" && !names.is_empty() {
                        if names.iter().all(|t| SAFE_TYPES.contains(t)) {
                            guard(subject, GuardKind::Validated, out);
                        } else if names.iter().all(|t| *t == "str") {
                            guard(subject, GuardKind::StringType, out);
                        }
                    }
                }
                "startswith" | "is_relative_to" => {
                    // A bare `"/"` prefix contains nothing: `//evil.example` and
                    // `/etc/passwd` start with it.
                    let bare_root = name == "startswith"
                        && first_arg
                            .and_then(|a| string_value(a, src))
                            .is_some_and(|p| matches!(p, "/" | "\\"));
                    if let Some(o) = object.filter(|_| !bare_root) {
                        guard(o, GuardKind::Contained, out);
                    }
                }
                "commonpath" | "commonprefix" => {
                    if let Some(a) = args {
                        guard(a, GuardKind::Contained, out);
                    }
                }
                "url_has_allowed_host_and_scheme"
                | "is_safe_url"
                | "is_safe_redirect_url"
                | "is_safe_redirect"
                | "is_allowed_url"
                | "is_safe_path" => {
                    if let Some(a) = first_arg {
                        guard(a, GuardKind::SafeUrl, out);
                    }
                }
                // A validator from the models (`validator = ["is_valid_sku"]`): its first
                // argument.
                n if validators.contains(n) => {
                    if let Some(a) = first_arg {
                        guard(a, GuardKind::Validated, out);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The name a condition says is empty when it evaluates to `truth`: `not x`, `x is None`
/// (true); `x`, `x is not None` (false).
fn empty_name<'s>(cond: Node, truth: bool, src: &'s str) -> Option<&'s str> {
    match cond.kind_str() {
        "identifier" if !truth => Some(text(cond, src)),
        "not_operator" => empty_name(cond.field("argument")?, !truth, src),
        "parenthesized_expression" => empty_name(cond.named_child(0)?, truth, src),
        "comparison_operator" => {
            let (left, right) = (cond.named_child(0)?, cond.named_child(1)?);
            let op = text(cond, src)
                .get(left.end_byte() - cond.start_byte()..right.start_byte() - cond.start_byte())?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let is = match op.as_str() {
                "is" | "==" => true,
                "is not" | "!=" => false,
                _ => return None,
            };
            (left.kind_str() == "identifier" && right.kind_str() == "none" && is == truth)
                .then(|| text(left, src))
        }
        _ => None,
    }
}

/// Whether a block always leaves it: it ends in `return`, `raise`, `continue`, `break`, or a
/// call that does not return (`abort(400)`, `sys.exit()`).
fn exits(block: Node, src: &str) -> bool {
    let Some(last) = named_children(block)
        .into_iter()
        .rfind(|c| c.kind_str() != "comment")
    else {
        return false;
    };
    match last.kind_str() {
        "return_statement" | "raise_statement" | "continue_statement" | "break_statement" => true,
        "expression_statement" => last
            .named_child(0)
            .filter(|c| c.kind_str() == "call")
            .and_then(|c| c.field("function"))
            .is_some_and(|f| {
                let name = text(f, src).rsplit('.').next().unwrap_or("");
                matches!(name, "abort" | "exit" | "_exit") || name.starts_with("abort_")
            }),
        _ => false,
    }
}

/// Whether `block` assigns `name` (`if not is_safe_url(nxt): nxt = "/"`).
fn assigns(block: Node, name: &str, src: &str) -> bool {
    let mut found = false;
    walk_scope(block, &is_scope, &mut |n| {
        if n.kind_str() == "assignment" && n.field("left").is_some_and(|l| text(l, src) == name) {
            found = true;
        }
    });
    found
}

/// The guards an `if` statement sets up: its condition holds in its body (and after it when
/// the `else` exits), and fails in the `else` (and after it when the body exits or rebinds
/// the name).
/// A check on the host of a URL checks the URL: after `host = urlparse(url).hostname`, a guard
/// on `host` (`if host not in ALLOWED: abort(400)`) also cleans `url` for SSRF and redirects.
/// `index.guards[from..]` are the guards one `if` statement just added.
fn host_guards(index: &mut ScopeIndex, from: usize, src: &str) {
    let mut derived = Vec::new();
    for guard in &index.guards[from..] {
        if !matches!(guard.kind, GuardKind::AllowList | GuardKind::Validated) {
            continue;
        }
        let Some([Binding::Value(value)]) = index.bindings.get(&guard.name).map(Vec::as_slice)
        else {
            continue;
        };
        // `urlparse(url).hostname or ""`
        let mut value = *value;
        if value.kind_str() == "boolean_operator" {
            match value.field("left") {
                Some(left) => value = left,
                None => continue,
            }
        }
        if value.kind_str() != "attribute"
            || !value
                .field("attribute")
                .is_some_and(|a| matches!(text(a, src), "hostname" | "netloc" | "host"))
        {
            continue;
        }
        let Some(call) = value.field("object").filter(|o| o.kind_str() == "call") else {
            continue;
        };
        let parses = call.field("function").is_some_and(|f| {
            let name = text(f, src);
            let last = name.rsplit('.').next().unwrap_or(name);
            matches!(last, "urlparse" | "urlsplit" | "urlparse_cached")
        });
        let Some(url) = call
            .field("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|_| parses)
        else {
            continue;
        };
        for id in identifiers_in(url) {
            derived.push(Guard {
                at: guard.at,
                until: guard.until,
                name: text(id, src).to_owned(),
                kind: GuardKind::SafeUrl,
            });
        }
    }
    index.guards.extend(derived);
}

/// A condition that is a flag (`if is_safe:`, `if not ok:`) set by the statement just before
/// the `if` or a few before it in the same block (`is_safe = check(x)`): that call, and whether
/// the condition negates it. Only a flag assigned once among those statements counts.
fn flag_check<'t>(stmt: Node<'t>, cond: Node<'t>, src: &str) -> Option<(Node<'t>, bool)> {
    let (name, flip) = match cond.kind_str() {
        "identifier" => (cond, false),
        "not_operator" => (
            cond.field("argument")
                .filter(|a| a.kind_str() == "identifier")?,
            true,
        ),
        _ => return None,
    };
    let name = text(name, src);
    let mut found = None;
    let mut sibling = stmt.prev_named_sibling();
    for _ in 0..8 {
        let Some(s) = sibling else { break };
        sibling = s.prev_named_sibling();
        let Some(assign) = s
            .named_child(0)
            .filter(|a| s.kind_str() == "expression_statement" && a.kind_str() == "assignment")
        else {
            continue;
        };
        if assign.field("left").is_some_and(|l| text(l, src) == name) {
            if found.is_some() {
                return None;
            }
            found = assign.field("right").filter(|r| r.kind_str() == "call");
            found?;
        }
    }
    found.map(|call| (call, flip))
}

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
    // `is_safe = url_has_allowed_host_and_scheme(url=next_url, …)` then `if is_safe:`: the
    // condition is the check the flag was set from.
    let (cond, flip) = flag_check(stmt, cond, src).unwrap_or((cond, false));
    let consequence = stmt.field("consequence");
    if let Some(c) = consequence {
        collect_guards_when(cond, src, validators, !flip, c.byte_range(), out, 0);
    }
    let mut cursor = stmt.walk();
    let alternatives: Vec<Node> = stmt
        .children_by_field_name("alternative", &mut cursor)
        .collect();
    let has_elif = alternatives.iter().any(|a| a.kind_str() == "elif_clause");
    let else_body = alternatives
        .iter()
        .find(|a| a.kind_str() == "else_clause")
        .and_then(|e| e.field("body"));
    if let (false, Some(e)) = (has_elif, else_body) {
        collect_guards_when(cond, src, validators, flip, e.byte_range(), out, 0);
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
        collect_guards_when(cond, src, validators, flip, 0..0, &mut failed, 0);
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
    if let (false, Some(e)) = (has_elif, else_body) {
        if exits(e, src) {
            collect_guards_when(cond, src, validators, !flip, rest(), out, 0);
        }
    }
}

/// The function scope that binds `ident`, with what it binds it to; `None` when it is not
/// bound in an enclosing function.
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
    for (depth, s) in cx
        .enclosing_functions(ident, is_function)
        .into_iter()
        .enumerate()
    {
        {
            let index = cx.scope(s, index_scope);
            if index.outer.contains(name) {
                return None;
            }
            if index.params.contains(name) || index.bindings.contains_key(name) {
                return Some((s, index, depth == 0));
            }
        }
    }
    None
}

pub(super) fn lookup<'t>(cx: &Cx<'_, 't>, ident: Node<'t>) -> Lookup<'t> {
    let (sem, src) = (cx.sem, cx.src);
    let name = text(ident, src);
    // Innermost scope first. (`Node::parent` walks down from the root on every call; the
    // item's function list is built once per item.)
    for s in cx.enclosing_functions(ident, is_function) {
        {
            let index = cx.scope(s, index_scope);
            if index.outer.contains(name) {
                break;
            }
            if let Some(found) = index.lookup(name) {
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

/// Whether `name` is a builtin the analysis knows (`open`, `int`…).
pub(super) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

fn may_resolve(cx: &Cx, name: &str) -> bool {
    cx.sem.imports.contains_key(name) || cx.item_imports.contains(name) || BUILTINS.contains(&name)
}

/// Names bound by any import statement inside `item`, found by their keyword rather than by
/// walking every node.
pub(super) fn item_imports(item: Node, src: &str) -> BTreeSet<String> {
    let mut out = BTreeMap::new();
    let range = item.byte_range();
    for (pos, _) in src[range.clone()].match_indices("import") {
        let pos = range.start + pos;
        let Some(keyword) = item.descendant_for_byte_range(pos, pos + 6) else {
            continue;
        };
        let mut path = ancestors(item, keyword);
        path.push(keyword);
        if let Some(stmt) = path
            .iter()
            .rev()
            .find(|n| matches!(n.kind_str(), "import_statement" | "import_from_statement"))
        {
            collect_import(*stmt, src, &mut out);
        } else if let Some(i) = (path.len().saturating_sub(3)..path.len())
            .rev()
            .find(|&i| path[i].kind_str() == "call" && i > 0)
        {
            // `m = importlib.import_module("os")`, `m = __import__("os")`: `m` may name a
            // module.
            let (assignment, call) = (path[i - 1], path[i]);
            if assignment.kind_str() == "assignment" && assignment.field("right") == Some(call) {
                if let Some(left) = assignment
                    .field("left")
                    .filter(|l| l.kind_str() == "identifier")
                {
                    out.insert(text(left, src).to_owned(), String::new());
                }
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
                // `m = importlib.import_module("os")`, `m = __import__("os")`.
                [Binding::Value(v)] => dynamic_import(cx, *v),
                _ => None,
            },
            Lookup::Unbound => {
                let name = text(node, src);
                BUILTINS.contains(&name).then(|| format!("builtins.{name}"))
            }
            Lookup::Module(_) => None,
        },
        "attribute" => {
            let object = node.field("object")?;
            let attr = node.field("attribute")?;
            let base = resolve(cx, object)?;
            if base.starts_with("builtins.") {
                return None;
            }
            Some(format!("{base}.{}", text(attr, src)))
        }
        "parenthesized_expression" => resolve(cx, node.named_child(0)?),
        _ => None,
    }
}

/// The module a call imports by a constant name: `importlib.import_module("os")`,
/// `__import__("os")` (which returns the top-level package).
fn dynamic_import<'t>(cx: &Cx<'_, 't>, call: Node<'t>) -> Option<String> {
    if call.kind_str() != "call" {
        return None;
    }
    let func = call.field("function")?;
    let name = match func.kind_str() {
        "identifier" => text(func, cx.src),
        "attribute" => text(func.field("attribute")?, cx.src),
        _ => return None,
    };
    if !matches!(name, "import_module" | "__import__") {
        return None;
    }
    let module = call
        .field("arguments")
        .and_then(|a| a.named_child(0))
        .and_then(|m| string_value(m, cx.src))?;
    let valid = !module.is_empty()
        && module
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    match resolve(cx, func)?.as_str() {
        "importlib.import_module" if valid => Some(module.to_owned()),
        "builtins.__import__" if valid => Some(module.split('.').next()?.to_owned()),
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
        "integer" | "float" | "true" | "false" | "none" | "ellipsis" => true,
        "string" => named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() == "interpolation")
            .all(|i| i.field("expression").is_some_and(recurse)),
        "concatenated_string"
        | "tuple"
        | "list"
        | "set"
        | "parenthesized_expression"
        | "expression_list" => named_children(node)
            .into_iter()
            .filter(|c| c.kind_str() != "comment")
            .all(recurse),
        "dictionary" => named_children(node)
            .into_iter()
            .all(|pair| named_children(pair).into_iter().all(recurse)),
        "binary_operator" | "boolean_operator" => {
            node.field("left").is_some_and(recurse) && node.field("right").is_some_and(recurse)
        }
        "unary_operator" => node.field("argument").is_some_and(recurse),
        "conditional_expression" => {
            // `a if cond else b`: the value is a or b.
            let parts = named_children(node);
            parts.len() == 3 && recurse(parts[0]) && recurse(parts[2])
        }
        "call" => {
            let (Some(func), Some(args)) = (node.field("function"), node.field("arguments")) else {
                return false;
            };
            if let Some(q) = resolve(cx, func) {
                if cx
                    .sem
                    .lang_models(ba_syntax::Family::Python)
                    .sanitizes(&q, sink)
                {
                    return true;
                }
            }
            // `"...".format(...)` and `"sep".join(...)` of constants.
            if func.kind_str() == "attribute" {
                let method = func.field("attribute").map(|a| text(a, src));
                // Identifier quoting (Django's `connection.ops.quote_name`, SQLAlchemy's
                // `preparer.quote_identifier`) makes a name safe to splice into SQL.
                if sink == Sink::Sql
                    && matches!(
                        method,
                        Some(
                            "quote_name" | "quote_name_unless_alias" | "quote_identifier" | "quote"
                        )
                    )
                {
                    return true;
                }
                if matches!(
                    method,
                    Some("format" | "join" | "upper" | "lower" | "strip")
                ) {
                    return func.field("object").is_some_and(recurse)
                        && named_children(args)
                            .into_iter()
                            .all(|a| match a.kind_str() {
                                "keyword_argument" => a.field("value").is_some_and(recurse),
                                _ => recurse(a),
                            });
                }
            }
            false
        }
        "identifier" => match lookup(cx, node) {
            Lookup::Local(bindings) => bindings.iter().all(|b| match b {
                Binding::Value(v) | Binding::Augmented(v) | Binding::Element(v) => recurse(*v),
                _ => false,
            }),
            Lookup::Module(b) => b == ModuleBinding::Constant,
            _ => false,
        },
        _ => false,
    }
}

pub(super) fn string_value<'s>(node: Node, src: &'s str) -> Option<&'s str> {
    if node.kind_str() != "string" {
        return None;
    }
    let parts = named_children(node);
    if parts.iter().any(|c| c.kind_str() == "interpolation") {
        return None;
    }
    let start = parts.iter().find(|c| c.kind_str() == "string_start")?;
    let end = parts.iter().rfind(|c| c.kind_str() == "string_end")?;
    src.get(start.end_byte()..end.start_byte())
}

/// What a test says about a redirect target when `cond` evaluates to `truth`, for each
/// operand of a chain of `op`: `(Prefix::Root, holds, x)` for `x.startswith("/")`,
/// `(Prefix::Double, holds, x)` for `x.startswith("//")` (or a tuple with it), `(Prefix::Host,
/// holds, p)` for `p.netloc`; through `not` and parentheses.
fn slash_facts<'t>(
    cond: Node<'t>,
    truth: bool,
    op: Option<&str>,
    src: &str,
    out: &mut Vec<(Prefix, bool, Node<'t>)>,
) {
    if out.len() > 16 {
        return;
    }
    match cond.kind_str() {
        "boolean_operator" if cond.field("operator").map(|o| text(o, src)) == op => {
            for side in [cond.field("left"), cond.field("right")]
                .into_iter()
                .flatten()
            {
                slash_facts(side, truth, op, src, out);
            }
        }
        "not_operator" => {
            if let Some(c) = cond.field("argument") {
                slash_facts(c, !truth, None, src, out);
            }
        }
        "parenthesized_expression" => {
            if let Some(c) = cond.named_child(0) {
                slash_facts(c, truth, None, src, out);
            }
        }
        "attribute" if cond.field("attribute").map(|a| text(a, src)) == Some("netloc") => {
            if let Some(object) = cond.field("object") {
                out.push((Prefix::Host, truth, object));
            }
        }
        "call" => {
            let Some(func) = cond.field("function").filter(|f| {
                f.kind_str() == "attribute"
                    && f.field("attribute").map(|a| text(a, src)) == Some("startswith")
            }) else {
                return;
            };
            let (Some(object), Some(arg)) = (
                func.field("object"),
                cond.field("arguments").and_then(|a| a.named_child(0)),
            ) else {
                return;
            };
            let prefixes: Vec<&str> = match arg.kind_str() {
                "tuple" => named_children(arg)
                    .into_iter()
                    .filter_map(|e| string_value(e, src))
                    .collect(),
                _ => string_value(arg, src).into_iter().collect(),
            };
            if prefixes == ["/"] {
                out.push((Prefix::Root, truth, object));
            } else if prefixes.iter().any(|p| p.starts_with("//")) {
                out.push((Prefix::Double, truth, object));
            }
        }
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Root,
    Double,
    Host,
}

/// The subject of `x.startswith("/")` holding while `x.startswith("//")` fails (or a parsed
/// URL's `netloc` is empty): a path on this site, which a redirect may follow.
fn site_relative<'t>(facts: &[(Prefix, bool, Node<'t>)], src: &str) -> Option<Node<'t>> {
    facts.iter().find_map(|&(kind, holds, subject)| {
        (kind == Prefix::Root
            && holds
            && facts.iter().any(|&(k, h, other)| {
                !h && ((k == Prefix::Double && text(other, src) == text(subject, src))
                    || k == Prefix::Host)
            }))
        .then_some(subject)
    })
}
