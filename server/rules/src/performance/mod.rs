//! Performance and data-access rules (`PERF`): 2xx request handling and data access, judged
//! within one top-level item (the cross-file ones live with the application model).

use ba_syntax::NodeExt;
pub mod blocking_call_in_async;
pub mod connection_per_request;
pub mod graphql_list_without_pagination;
pub mod graphql_resolver_n_plus_one;
pub mod http_call_without_timeout;
pub mod n_plus_one_query;
pub mod unbounded_list_endpoint;
pub mod unbounded_page_size;
pub mod uncached_aggregate_read;
pub mod unindexed_foreign_key;
pub mod websocket_heartbeat;
pub mod websocket_serial_broadcast;

use tree_sitter::Node;

use crate::Checker;
use ba_analysis::routes::{self, Route};
use ba_analysis::{ancestors, named_children, Binding, Lookup};

/// The innermost Python function (`def`, `async def` or `lambda`) around `node` in the item.
pub(crate) fn python_function<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<Node<'a>> {
    ancestors(checker.item, node)
        .into_iter()
        .rev()
        .find(|a| matches!(a.kind_str(), "function_definition" | "lambda"))
}

/// Whether a Python `function_definition` is `async def`.
pub(crate) fn is_async_def(function: Node) -> bool {
    function.kind_str() == "function_definition"
        && function.child(0).is_some_and(|c| c.kind_str() == "async")
}

/// The request handler (and its route) around `node`: the outermost function in the item that
/// a framework calls per request. Nested callbacks of a handler run per request too.
pub(crate) fn python_handler_around<'a>(
    checker: &Checker<'a>,
    node: Node<'a>,
) -> Option<(Node<'a>, Route<'a>)> {
    ancestors(checker.item, node)
        .into_iter()
        .filter(|a| a.kind_str() == "function_definition")
        .find_map(|f| {
            routes::python_handler(checker.item, f, checker.source, checker.semantic)
                .map(|r| (f, r))
        })
}

/// A call chain's root and names (see [`chain`]): the names are a prefix of an array shared
/// by every link of the chain.
#[derive(Clone)]
pub(crate) struct Chain<'a> {
    root: Node<'a>,
    names: std::rc::Rc<[&'a str]>,
    len: usize,
}

/// The names of a chain's attributes and methods, outermost last.
pub(crate) struct ChainNames<'a>(std::rc::Rc<[&'a str]>, usize);

impl<'a> std::ops::Deref for ChainNames<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        &self.0[..self.1]
    }
}

/// The parts of a call chain: its root (`User`, `db.session`) and the names of the attributes
/// and methods after it, outermost last (`User.objects.filter(a=1).all()` → `User`,
/// [`objects`, `filter`, `all`]). Works for Python and JavaScript nodes.
///
/// Rules ask for the chain of every call in a chain, so each answer is kept for the item, for
/// every link the walk passed: a chain of n calls costs n steps, not n² (10,000 chained
/// `.then(f)` took minutes).
pub(crate) fn chain<'a>(checker: &Checker<'a>, node: Node<'a>) -> (Node<'a>, ChainNames<'a>) {
    if let Some(known) = checker.chains.borrow().get(&node.id()) {
        return (known.root, ChainNames(known.names.clone(), known.len));
    }
    // The links passed on the way down, each with how many names were found above it, and
    // the names found, outermost first.
    let mut links: Vec<(Node<'a>, usize)> = Vec::new();
    let mut names: Vec<&'a str> = Vec::new();
    let mut current = node;
    let mut below: Option<Chain<'a>> = None;
    loop {
        if current != node {
            if let Some(known) = checker.chains.borrow().get(&current.id()) {
                below = Some(known.clone());
                break;
            }
        }
        let next = match current.kind_str() {
            "call" | "call_expression" => {
                links.push((current, names.len()));
                current.field("function")
            }
            "attribute" | "member_expression" => {
                links.push((current, names.len()));
                names.push(checker.member_name(current).unwrap_or(""));
                current.field("object")
            }
            "await_expression" | "parenthesized_expression" => {
                links.push((current, names.len()));
                current.named_child(0)
            }
            _ => break,
        };
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    let (root, mut all) = match below {
        Some(known) => (known.root, known.names[..known.len].to_vec()),
        None => (current, Vec::new()),
    };
    all.extend(names.iter().rev());
    let all: std::rc::Rc<[&'a str]> = all.into();
    let total = all.len();
    let mut memo = checker.chains.borrow_mut();
    for (link, above) in links {
        memo.insert(
            link.id(),
            Chain {
                root,
                names: all.clone(),
                len: total - above,
            },
        );
    }
    (root, ChainNames(all, total))
}

/// The single local value `ident` is bound to in its function (`users = User.objects.all()`),
/// if it has exactly one.
pub(crate) fn local_value<'a>(checker: &Checker<'a>, ident: Node<'a>) -> Option<Node<'a>> {
    if ident.kind_str() != "identifier" {
        return None;
    }
    match checker.lookup(ident) {
        Lookup::Local(bindings) => match bindings.as_slice() {
            [Binding::Value(v)] => Some(*v),
            _ => None,
        },
        _ => None,
    }
}

/// The name of a Python parameter's annotation, resolved (`db: Session = Depends(get_db)` →
/// `sqlalchemy.orm.Session`), for a parameter `name` of `function`.
pub(crate) fn python_param_type<'a>(
    checker: &Checker<'a>,
    function: Node<'a>,
    name: &str,
) -> Option<String> {
    let params = function.field("parameters")?;
    let param = named_children(params).into_iter().find(|p| {
        p.field("name")
            .or_else(|| p.named_child(0))
            .is_some_and(|n| checker.text(n) == name)
    })?;
    let annotation = param.field("type")?;
    let inner = annotation.named_child(0).unwrap_or(annotation);
    checker.resolve(inner)
}

/// The receiver's last name, lower-cased (`self.db.session` → `session`, `cursor` →
/// `cursor`), for judging what an object is by its name.
pub(crate) fn receiver_name<'a>(checker: &Checker<'a>, func: Node<'a>) -> String {
    let Some(object) = func.field("object") else {
        return String::new();
    };
    match object.kind_str() {
        "identifier" | "this" => checker.text(object),
        "attribute" | "member_expression" => checker.member_name(object).unwrap_or(""),
        _ => "",
    }
    .to_ascii_lowercase()
}

/// Whether `node` lies inside a nested `def`/`class` (Python) or function (JS) below `within`.
pub(crate) fn in_nested_scope(within: Node, node: Node) -> bool {
    ancestors(within, node).iter().skip(1).any(|a| {
        matches!(
            a.kind_str(),
            "function_definition" | "class_definition" | "lambda"
        ) || routes::is_js_function(a.kind_str())
    })
}

/// Calls in `node` that end a chain: not themselves the callee's object of a further
/// `.method(…)` or `.attr`. Each comes with whether a subscript slices it (`qs[:20]`).
pub(crate) fn chain_ends<'a>(node: Node<'a>, out: &mut Vec<(Node<'a>, bool)>) {
    fn visit<'a>(n: Node<'a>, inner: bool, sliced: bool, out: &mut Vec<(Node<'a>, bool)>) {
        let Some(_level) = ba_syntax::depth::enter() else {
            return;
        };
        match n.kind_str() {
            "call" | "call_expression" => {
                if !inner {
                    out.push((n, sliced));
                }
                if let Some(f) = n.field("function") {
                    visit(f, true, false, out);
                }
                if let Some(a) = n.field("arguments") {
                    visit(a, false, false, out);
                }
            }
            "attribute" | "member_expression" => {
                if let Some(o) = n.field("object") {
                    visit(o, true, false, out);
                }
            }
            "subscript" | "subscript_expression" => {
                let value = n.field("value").or_else(|| n.field("object"));
                if let Some(v) = value {
                    visit(v, false, true, out);
                }
                for c in named_children(n) {
                    if Some(c) != value {
                        visit(c, false, false, out);
                    }
                }
            }
            "await_expression" | "parenthesized_expression" => {
                for c in named_children(n) {
                    visit(c, inner, sliced, out);
                }
            }
            _ => {
                for c in named_children(n) {
                    visit(c, false, false, out);
                }
            }
        }
    }
    visit(node, false, false, out);
}

/// Where rows of a query come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Orm {
    Django,
    SqlAlchemy,
    DbApi,
}

/// Django QuerySet methods that return a QuerySet (rows), not one row or a number.
pub(crate) const DJANGO_ROWS: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "select_related",
    "prefetch_related",
    "values",
    "values_list",
    "annotate",
    "distinct",
    "only",
    "defer",
    "using",
    "reverse",
];

/// Whether a receiver name looks like a database session or connection.
pub(crate) fn is_db_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("session")
        || n == "db"
        || n == "database"
        || n.contains("conn")
        || n.contains("cursor")
        || n == "cur"
}

/// Whether a Python expression evaluates to the rows of a query (`User.objects.filter(…)`,
/// `session.query(User).all()`, `session.scalars(select(User))`, `cursor.fetchall()`), and from
/// which ORM.
pub(crate) fn python_rows<'a>(checker: &Checker<'a>, expr: Node<'a>) -> Option<Orm> {
    if !matches!(expr.kind_str(), "call" | "attribute") {
        return None;
    }
    let (root, names) = chain(checker, expr);
    let last = *names.last()?;
    if names.contains(&"objects") && DJANGO_ROWS.contains(&last) {
        return Some(Orm::Django);
    }
    if matches!(last, "fetchall" | "fetchmany") {
        return Some(Orm::DbApi);
    }
    let root_text = checker.text(root);
    let sqlalchemy = names
        .iter()
        .any(|n| matches!(*n, "query" | "scalars" | "execute"))
        && (is_db_name(root_text.rsplit('.').next().unwrap_or(""))
            || names.first() == Some(&"query"));
    if sqlalchemy && matches!(last, "all" | "scalars" | "execute" | "unique") {
        return Some(Orm::SqlAlchemy);
    }
    None
}

/// Whether a JS expression evaluates to the rows of a query: `await User.find(…)`,
/// `await Order.findAll(…)`, `await prisma.user.findMany()`, `await pool.query(…)`.
pub(crate) fn js_rows<'a>(checker: &Checker<'a>, expr: Node<'a>) -> bool {
    if expr.kind_str() != "await_expression" {
        return false;
    }
    let Some(inner) = expr.named_child(0) else {
        return false;
    };
    js_query_call(checker, inner, true).is_some()
}

/// JS query methods of Mongoose, Sequelize, Prisma, TypeORM and SQL clients that return rows
/// (`rows`) or one row.
const JS_MANY: &[&str] = &[
    "find",
    "findAll",
    "findMany",
    "findAndCountAll",
    "aggregate",
    "query",
    "execute",
];
const JS_ONE: &[&str] = &[
    "findById",
    "findOne",
    "findByPk",
    "findUnique",
    "findFirst",
    "findOneBy",
    "findBy",
    "count",
    "countDocuments",
];

/// If `call` (a chain) runs a query, its method name. `rows_only`: only methods returning many
/// rows.
pub(crate) fn js_query_call<'a>(
    checker: &Checker<'a>,
    call: Node<'a>,
    rows_only: bool,
) -> Option<&'a str> {
    if call.kind_str() != "call_expression" {
        return None;
    }
    let (root, names) = chain(checker, call);
    let root_name = match root.kind_str() {
        "identifier" | "this" => checker.text(root),
        _ => "",
    };
    const BUILTINS: &[&str] = &[
        "Object", "Array", "Promise", "Math", "JSON", "Reflect", "Buffer", "Date", "Number",
        "String", "Map", "Set", "URL",
    ];
    let model = (root_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && !BUILTINS.contains(&root_name))
        || names.contains(&"collection")
        || root_name == "prisma"
        || root_name.ends_with("Repository")
        || root_name.ends_with("Model")
        || root_name == "db"
        // TypeORM: `getRepository(User).find()`, `dataSource.getRepository(User).find()`.
        || matches!(root_name, "getRepository" | "getMongoRepository")
        || names.contains(&"getRepository")
        || names.contains(&"getMongoRepository");
    names.iter().copied().find(|n| {
        if matches!(*n, "query" | "execute") {
            let r = root_name.to_ascii_lowercase();
            return r.contains("pool")
                || r.contains("db")
                || r.contains("client")
                || r.contains("conn")
                || r == "knex"
                || r == "sequelize";
        }
        (JS_MANY.contains(n) || (!rows_only && JS_ONE.contains(n))) && model
    })
}

#[cfg(test)]
mod chain_tests {
    use super::*;
    use ba_analysis::Semantic;
    use ba_syntax::Language;

    /// A chain's parts walked from `node` alone (what `chain` did before it kept answers).
    fn walked<'a>(checker: &Checker<'a>, node: Node<'a>) -> (Node<'a>, Vec<&'a str>) {
        let mut names = Vec::new();
        let mut current = node;
        loop {
            let next = match current.kind_str() {
                "call" | "call_expression" => current.field("function"),
                "attribute" | "member_expression" => {
                    names.push(checker.member_name(current).unwrap_or(""));
                    current.field("object")
                }
                "await_expression" | "parenthesized_expression" => current.named_child(0),
                _ => break,
            };
            match next {
                Some(n) => current = n,
                None => break,
            }
        }
        names.reverse();
        (current, names)
    }

    /// Every link of every chain gets the same answer whichever link is asked first.
    #[test]
    fn kept_chains_equal_walked_ones_in_any_order() {
        for (language, source) in [
            (
                Language::JavaScript,
                "async function h(req) {\n  const a = await (db.users.find({ id: req.id }).sort(x).limit(2)).then(f).then(g);\n  User.query().where(q.a.b(c.d())).first();\n  return (await x).y.z();\n}\n",
            ),
            (
                Language::Python,
                "def h(request):\n    a = User.objects.filter(a=q.b.c()).exclude(b=1).order_by(\"x\").first()\n    db.session.query(M).filter(M.id == 1).all()\n    return (await x).y.z()\n",
            ),
        ] {
            let tree = ba_syntax::parse::parse(language, source, None).unwrap();
            let semantic = Semantic::build(language, &tree, source);
            let item = tree.root_node().named_child(0).unwrap();
            let mut nodes = Vec::new();
            ba_analysis::walk_scope(item, &|_| false, &mut |n| nodes.push(n));
            assert!(nodes.len() > 40);
            for reverse in [false, true] {
                let checker = Checker::new("t", source, language, &semantic, item);
                let order: Vec<Node> = if reverse {
                    nodes.iter().rev().copied().collect()
                } else {
                    nodes.clone()
                };
                for n in order {
                    let (root, names) = chain(&checker, n);
                    assert_eq!(
                        (root, names.to_vec()),
                        walked(&checker, n),
                        "{} in {language:?}",
                        checker.text(n)
                    );
                }
            }
        }
    }
}
