//! PERF207 unbounded-page-size: a page size the client chooses reaches a query with no upper
//! bound, so one request can ask for every row.
//!
//! PERF203 reports a list endpoint with no limit at all; this rule reports the limit that is
//! there but belongs to the client: a FastAPI parameter `limit: int = 100` without `le=`, a
//! `per_page` read from the query string (Flask, Django, Express, Koa), a DRF paginator that
//! takes `?page_size=` without `max_page_size` or a `LimitOffsetPagination` without
//! `max_limit`. The value is followed inside the handler (through local names) to the call or
//! slice it reaches; any comparison, `min(…)`/`Math.min(…)` or clamp helper on the way counts
//! as a bound.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::routes::{self, Framework};
use ba_analysis::{ancestors, named_children};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "PERF207",
    name: "unbounded-page-size",
    category: Category::Performance,
    severity: Severity::Warning,
    cwe: &[770],
    owasp: None,
    summary: "A page size the client chooses (`limit`, `page_size`, `per_page`) reaches a query with no upper bound, so one request can ask for every row; cap it (`Query(50, le=100)`, `min(limit, MAX)`, `Math.min(…, 100)`, DRF `max_page_size`/`max_limit`).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::Python,
            query_path: "python/functions.scm",
            query: include_str!("../../../../queries/python/functions.scm"),
            run: check_python_handler,
        },
        Check {
            family: Family::Python,
            query_path: "python/pagination.scm",
            query: include_str!("../../../../queries/python/pagination.scm"),
            run: check_python_pagination,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/page-size.scm",
            query: include_str!("../../../../queries/javascript/page-size.scm"),
            run: check_javascript,
        },
    ],
};

/// Names that hold a page size, lower case without `_`/`-` (`page_size`, `perPage`).
const PAGE_NAMES: &[&str] = &[
    "limit",
    "pagesize",
    "perpage",
    "size",
    "pagelimit",
    "maxresults",
    "take",
    "itemsperpage",
    "resultsperpage",
];

/// The upper bound fixes propose (the default page size when that is larger).
const FIX_MAX: i64 = 100;

/// How many names a value may pass through (`limit = int(limit)`, `n = limit`) before we stop
/// following it.
const MAX_HOPS: usize = 6;

/// Whether `name` holds a page size in a function whose text is `scope`: `size` and `take` also
/// name image sizes and sample counts, so they count only beside a page, offset or cursor.
fn is_page_name(name: &str, scope: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if !PAGE_NAMES.contains(&n.as_str()) {
        return false;
    }
    if matches!(n.as_str(), "size" | "take") {
        let scope = scope.to_ascii_lowercase();
        return ["page", "offset", "skip", "cursor"]
            .iter()
            .any(|w| scope.contains(w));
    }
    true
}

/// What happens to a value at one use.
enum Fate<'a> {
    /// Compared, `min`-ed or clamped: the handler bounds it.
    Bounded,
    /// Passed to this call (or slice) that runs or builds the query.
    Reaches(Node<'a>),
    /// Stored in this name, which is followed in turn.
    Rebind(Node<'a>),
    /// Logged, returned, echoed in the response, or used in a way that says nothing.
    Nothing,
}

/// The last name of a callee (`Math.min` → `min`, `crud.get_items` → `get_items`).
fn last_name<'a>(checker: &Checker<'a>, func: Node<'a>) -> &'a str {
    let text = checker.text(func);
    text.rsplit('.').next().unwrap_or(text).trim()
}

/// Calls that bound a number: `min(…)`, `Math.min(…)`, `clamp(…)`, `clamp_page_size(…)`.
fn bounds(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "min" || lower.contains("clamp")
}

/// Calls that convert a number and pass it on unchanged in size.
const TRANSPARENT: &[&str] = &[
    "int",
    "float",
    "abs",
    "round",
    "max",
    "Number",
    "parseInt",
    "parseFloat",
    "floor",
    "ceil",
    "trunc",
];

/// Calls that look at the value without querying with it.
const IGNORED: &[&str] = &[
    "print",
    "len",
    "str",
    "repr",
    "format",
    "isinstance",
    "bool",
    "String",
    "isNaN",
    "isInteger",
    "isFinite",
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "log",
    "set_attribute",
    "setHeader",
    "set",
    "append",
    "push",
];

/// Receivers whose calls send or log, not query (`res.json({ limit })`, `console.log(limit)`).
const JS_RESPONSE_RECEIVERS: &[&str] = &[
    "res", "ctx", "reply", "response", "console", "logger", "log", "context",
];

/// A call's fate for a value passed in its arguments.
fn call_fate<'a>(checker: &Checker<'a>, call: Node<'a>, func: Node<'a>) -> Option<Fate<'a>> {
    let name = last_name(checker, func);
    if bounds(name) {
        return Some(Fate::Bounded);
    }
    if TRANSPARENT.contains(&name) {
        return None;
    }
    if IGNORED.contains(&name) {
        return Some(Fate::Nothing);
    }
    let receiver = checker
        .text(func)
        .split('.')
        .next()
        .unwrap_or("")
        .trim_start_matches("self.");
    if func.kind_str() == "member_expression" && JS_RESPONSE_RECEIVERS.contains(&receiver) {
        return Some(Fate::Nothing);
    }
    // A class built from it (a response model, `Page(items=…, limit=limit)`) only echoes it;
    // Django's `Paginator(rows, per_page)` pages a query with it.
    let constructor = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if constructor && name != "Paginator" {
        return Some(Fate::Nothing);
    }
    Some(Fate::Reaches(call))
}

/// Python: what happens to the value of `node` (a use of the page size) on its way up to the
/// statement that holds it.
fn python_fate<'a>(checker: &Checker<'a>, scope: Node<'a>, node: Node<'a>) -> Fate<'a> {
    let path = ancestors(scope, node);
    let mut child = node;
    for parent in path.into_iter().rev() {
        match parent.kind_str() {
            "comparison_operator" => return Fate::Bounded,
            "conditional_expression" => {
                let text = checker.text(parent);
                if text.contains('<') || text.contains('>') {
                    return Fate::Bounded;
                }
            }
            "call" => {
                let Some(func) = parent.field("function") else {
                    return Fate::Nothing;
                };
                if parent.field("arguments") != Some(child) {
                    // `limit.bit_length()`, or the callee itself.
                    return Fate::Nothing;
                }
                if let Some(fate) = call_fate(checker, parent, func) {
                    return fate;
                }
            }
            "subscript" => {
                // `qs[offset:offset + limit]` is a query's LIMIT; `sorted(rows)[:limit]` trims
                // rows already in memory.
                let value = parent.field("value");
                let query = value.is_some_and(|v| {
                    super::python_rows(checker, v).is_some()
                        || super::local_value(checker, v)
                            .is_some_and(|l| super::python_rows(checker, l).is_some())
                });
                return if child.kind_str() == "slice" && query {
                    Fate::Reaches(parent)
                } else {
                    Fate::Nothing
                };
            }
            "assignment" => {
                return match parent.field("left") {
                    Some(left)
                        if left.kind_str() == "identifier"
                            && parent.field("right") == Some(child) =>
                    {
                        Fate::Rebind(left)
                    }
                    _ => Fate::Nothing,
                };
            }
            "slice"
            | "keyword_argument"
            | "argument_list"
            | "binary_operator"
            | "parenthesized_expression"
            | "boolean_operator"
            | "unary_operator"
            | "tuple"
            | "list"
            | "dictionary"
            | "pair"
            | "await"
            | "expression_list"
            | "interpolation"
            | "string" => {}
            _ => return Fate::Nothing,
        }
        child = parent;
    }
    Fate::Nothing
}

/// JavaScript: the same, for a use inside a handler.
fn js_fate<'a>(checker: &Checker<'a>, scope: Node<'a>, node: Node<'a>) -> Fate<'a> {
    let path = ancestors(scope, node);
    let mut child = node;
    for parent in path.into_iter().rev() {
        match parent.kind_str() {
            "binary_expression" => {
                let op = parent.field("operator").map(|o| checker.text(o));
                if matches!(op, Some("<" | ">" | "<=" | ">=")) {
                    return Fate::Bounded;
                }
            }
            "ternary_expression" => {
                let condition = parent.field("condition").map(|c| checker.text(c));
                if condition.is_some_and(|c| c.contains('<') || c.contains('>')) {
                    return Fate::Bounded;
                }
            }
            "call_expression" | "new_expression" => {
                let func = parent
                    .field("function")
                    .or_else(|| parent.field("constructor"));
                let Some(func) = func else {
                    return Fate::Nothing;
                };
                if parent.field("arguments") != Some(child) {
                    return Fate::Nothing;
                }
                if let Some(fate) = call_fate(checker, parent, func) {
                    return fate;
                }
            }
            "variable_declarator" => {
                return match parent.field("name") {
                    Some(name)
                        if name.kind_str() == "identifier"
                            && parent.field("value") == Some(child) =>
                    {
                        Fate::Rebind(name)
                    }
                    _ => Fate::Nothing,
                };
            }
            "assignment_expression" => {
                return match parent.field("left") {
                    Some(left)
                        if left.kind_str() == "identifier"
                            && parent.field("right") == Some(child) =>
                    {
                        Fate::Rebind(left)
                    }
                    _ => Fate::Nothing,
                };
            }
            "arguments"
            | "object"
            | "pair"
            | "array"
            | "parenthesized_expression"
            | "await_expression"
            | "unary_expression"
            | "spread_element"
            | "template_substitution"
            | "template_string"
            | "as_expression"
            | "non_null_expression" => {}
            _ => return Fate::Nothing,
        }
        child = parent;
    }
    Fate::Nothing
}

/// The uses of `name` in `body` after byte `after`: identifiers that read it (not the names of
/// keyword arguments, attributes or assignment targets). Python stops at nested scopes; a JS
/// callback closes over the handler's variables, so it is searched too.
fn uses<'a>(checker: &Checker<'a>, body: Node<'a>, name: &str, after: usize) -> Vec<Node<'a>> {
    let python = checker.language.family() == Family::Python;
    let mut out = Vec::new();
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if n.end_byte() <= after {
            continue;
        }
        let mut cursor = n.walk();
        for c in n.named_children(&mut cursor) {
            let kind = c.kind_str();
            if matches!(kind, "identifier" | "shorthand_property_identifier") {
                if c.start_byte() < after || checker.text(c) != name {
                    continue;
                }
                let declares = match n.kind_str() {
                    "keyword_argument" => n.field("name") == Some(c),
                    "attribute" => n.field("attribute") == Some(c),
                    "assignment" | "augmented_assignment" | "assignment_expression" => {
                        n.field("left") == Some(c)
                    }
                    "variable_declarator" => n.field("name") == Some(c),
                    _ => false,
                };
                if !declares {
                    out.push(c);
                }
                continue;
            }
            if python && matches!(kind, "function_definition" | "class_definition" | "lambda") {
                continue;
            }
            stack.push(c);
        }
    }
    out.sort_by_key(|n| n.start_byte());
    out
}

/// Follows the value named `name` (bound at byte `after`) through `body`: the call it reaches,
/// or `None` when something bounds it (anywhere) or it reaches no query.
fn follow<'a>(
    checker: &Checker<'a>,
    scope: Node<'a>,
    body: Node<'a>,
    name: &'a str,
    after: usize,
) -> Option<Node<'a>> {
    let python = checker.language.family() == Family::Python;
    let mut names = vec![(name, after)];
    let mut seen = vec![name];
    let mut reach = None;
    let mut hops = 0;
    while let Some((name, after)) = names.pop() {
        hops += 1;
        if hops > MAX_HOPS {
            break;
        }
        for u in uses(checker, body, name, after) {
            let fate = if python {
                python_fate(checker, scope, u)
            } else {
                js_fate(checker, scope, u)
            };
            match fate {
                Fate::Bounded => return None,
                Fate::Reaches(call) => {
                    // Name the call that limits (`.limit(n)`) over one that offsets.
                    let limits = |c: Node<'a>| {
                        c.field("function").is_some_and(|f| {
                            let n = last_name(checker, f).to_ascii_lowercase();
                            n.contains("limit") || n.contains("paginat") || n == "take"
                        })
                    };
                    if reach.is_none_or(|r| !limits(r) && limits(call)) {
                        reach = Some(call);
                    }
                }
                Fate::Rebind(ident) => {
                    let next = checker.text(ident);
                    if !seen.contains(&next) {
                        seen.push(next);
                        names.push((next, ident.end_byte()));
                    }
                }
                Fate::Nothing => {}
            }
        }
    }
    reach
}

/// How a message names the call or slice a value reaches: `crud.get_items(…)`,
/// `Post.find(…)….limit(…)`, `rows[start:start + per_page]`.
fn shown<'a>(checker: &Checker<'a>, node: Node<'a>) -> String {
    let func = node.field("function").or_else(|| node.field("constructor"));
    let Some(func) = func else {
        return crate::security::callee(checker.text(node));
    };
    let text = checker
        .text(func)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match text.find('(') {
        // A chain: where it starts and the method the value goes to.
        Some(open) if text.len() > 40 => {
            let last = last_name(checker, func);
            format!("{}(…)….{last}(…)", &text[..open])
        }
        _ => format!("{text}(…)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Python handlers

/// Whether a parameter's annotation or default says it is an integer: `int`, `Optional[int]`,
/// `int | None`, `Annotated[int, …]`, `conint(…)`, or an integer default.
fn python_int_param<'a>(checker: &Checker<'a>, param: Node<'a>) -> bool {
    if let Some(annotation) = param.field("type") {
        let t: String = checker
            .text(annotation)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let t = t.strip_prefix("typing.").unwrap_or(&t);
        return matches!(t, "int" | "Optional[int]" | "int|None" | "None|int")
            || t.starts_with("Annotated[int,")
            || t.starts_with("Annotated[Optional[int],")
            || t.starts_with("Annotated[int|None,")
            || t.starts_with("conint(");
    }
    param.field("value").is_some_and(|v| {
        v.kind_str() == "integer"
            || (v.kind_str() == "call"
                && last_name(checker, v.field("function").unwrap_or(v)) == "Query"
                && v.field("arguments")
                    .and_then(|a| a.named_child(0))
                    .is_some_and(|d| d.kind_str() == "integer"))
    })
}

/// Whether any call inside the parameter (`Query`, `Path`, `Field`, `conint`) passes an upper
/// bound (`le=`, `lt=`).
fn python_declares_bound(checker: &Checker, param: Node) -> bool {
    let mut stack = vec![param];
    while let Some(n) = stack.pop() {
        if n.kind_str() == "keyword_argument"
            && n.field("name")
                .is_some_and(|k| matches!(checker.text(k), "le" | "lt"))
        {
            return true;
        }
        stack.extend(named_children(n));
    }
    false
}

/// An unsafe fix that caps a FastAPI parameter: `limit: int = 100` → `limit: int = Query(100,
/// le=100)` (only where `Query` is imported from FastAPI), `Query(100)` → `Query(100, le=100)`.
fn fastapi_fix<'a>(checker: &Checker<'a>, param: Node<'a>) -> Option<(String, Edit)> {
    let is_query = |call: Node<'a>| {
        call.kind_str() == "call"
            && call
                .field("function")
                .and_then(|f| checker.resolve(f))
                .is_some_and(|q| q == "fastapi.Query" || q == "fastapi.params.Query")
    };
    let integer = |n: Node| {
        (n.kind_str() == "integer")
            .then(|| checker.text(n).replace('_', "").parse::<i64>().ok())
            .flatten()
    };
    let value = param.field("value");
    let default = value.and_then(integer);
    // `Annotated[int, Query(ge=1)] = 20`: the bound goes into the annotation's `Query`.
    let annotated = param.field("type").and_then(|t| {
        let mut stack = vec![t];
        while let Some(n) = stack.pop() {
            if is_query(n) {
                return Some(n);
            }
            stack.extend(named_children(n));
        }
        None
    });
    let query = annotated.or_else(|| value.filter(|v| is_query(*v)));
    if let Some(call) = query {
        let args = call.field("arguments")?;
        let d = default
            .or_else(|| args.named_child(0).and_then(integer))
            .unwrap_or(FIX_MAX);
        let max = d.max(FIX_MAX);
        return Some((
            format!("Cap the page size at {max} (`le={max}`)"),
            super::http_call_without_timeout::append_argument(args, &format!("le={max}")),
        ));
    }
    // `limit: int = 100` → `Query(100, le=100)`, where `Query` is imported from FastAPI.
    let value = value?;
    let d = default?;
    let imported = checker
        .semantic
        .imports
        .get("Query")
        .is_some_and(|q| q == "fastapi.Query" || q == "fastapi.params.Query");
    if !imported {
        return None;
    }
    let max = d.max(FIX_MAX);
    Some((
        format!("Cap the page size at {max} (`Query({d}, le={max})`)"),
        Edit {
            range: value.byte_range(),
            content: format!("Query({d}, le={max})"),
        },
    ))
}

/// Whether the right side of an assignment reads the query string of a Python request
/// (`request.args`, `request.GET`, `self.request.query_params`, `request.values`).
fn reads_query_string(text: &str) -> bool {
    [
        "request.args",
        "request.GET",
        "request.query_params",
        "request.values",
        "request.query",
    ]
    .iter()
    .any(|s| text.contains(s))
}

fn check_python_handler<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let Some(function) = caps.get("function") else {
        return;
    };
    let Some(body) = function.field("body") else {
        return;
    };
    let name = function.field("name").map_or("", |n| checker.text(n));
    let route = routes::python_handler(checker.item, function, checker.source, checker.semantic);
    // DRF's `get_queryset` reads `self.request.query_params` for the list view it serves.
    if route.is_none() && name != "get_queryset" {
        return;
    }
    // FastAPI parameters: `limit: int = 100`.
    if route
        .as_ref()
        .is_some_and(|r| r.framework == Framework::FastApi)
    {
        let params = function
            .field("parameters")
            .map(named_children)
            .unwrap_or_default();
        for param in params {
            if !matches!(
                param.kind_str(),
                "typed_parameter" | "default_parameter" | "typed_default_parameter"
            ) {
                continue;
            }
            let Some(ident) = param
                .field("name")
                .or_else(|| param.named_child(0))
                .filter(|i| i.kind_str() == "identifier")
            else {
                continue;
            };
            let pname = checker.text(ident);
            if !is_page_name(pname, checker.text(function))
                || !python_int_param(checker, param)
                || python_declares_bound(checker, param)
            {
                continue;
            }
            let Some(reach) = follow(checker, function, body, pname, body.start_byte()) else {
                continue;
            };
            let message = format!(
                "the client chooses the page size `{pname}` (`{}`) with no upper bound, and it reaches the query `{}`: one request can ask for every row; declare a maximum (`Query(…, le=100)`) or cap it (`min({pname}, MAX_PAGE_SIZE)`)",
                crate::security::callee(checker.text(param)),
                shown(checker, reach)
            );
            let fix = fastapi_fix(checker, param);
            let finding = checker.report(param, message);
            finding.with_related(
                reach.byte_range(),
                format!("`{pname}` reaches the query here"),
            );
            if let Some((title, edit)) = fix {
                finding.with_fix(title, Applicability::Unsafe, vec![edit]);
            }
        }
    }
    // Flask, Django, DRF: `per_page = request.args.get("per_page", 20, type=int)`.
    let mut assignments = Vec::new();
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        for c in named_children(n) {
            match c.kind_str() {
                "function_definition" | "class_definition" | "lambda" => {}
                "assignment" => assignments.push(c),
                _ => stack.push(c),
            }
        }
    }
    for assignment in assignments {
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
        else {
            continue;
        };
        let local = checker.text(left);
        let value = checker.text(right);
        if left.kind_str() != "identifier"
            || !is_page_name(local, checker.text(function))
            || !reads_query_string(value)
            || value.contains("min(")
            || value.to_ascii_lowercase().contains("clamp")
        {
            continue;
        }
        let Some(reach) = follow(checker, function, body, local, assignment.end_byte()) else {
            continue;
        };
        // Flask-SQLAlchemy 3's `paginate(page=…, per_page=…)` caps `per_page` at
        // `max_per_page` (100 unless set to `None`); 2.x took it positionally and capped nothing.
        if is_bounded_paginate(checker, reach) {
            continue;
        }
        checker
            .report(right, format!(
                "the client chooses the page size `{local}` (`{}`) with no upper bound, and it reaches the query `{}`: one request can ask for every row; cap it (`min({local}, MAX_PAGE_SIZE)`)",
                crate::security::callee(value),
                shown(checker, reach)
            ))
            .with_related(reach.byte_range(), format!("`{local}` reaches the query here"));
    }
}

/// `query.paginate(page=page, per_page=per_page)` without `max_per_page=None`: Flask-SQLAlchemy
/// 3 (keyword arguments only) caps the page size at 100 by default.
fn is_bounded_paginate<'a>(checker: &Checker<'a>, call: Node<'a>) -> bool {
    if call.kind_str() != "call" {
        return false;
    }
    let Some(func) = call.field("function") else {
        return false;
    };
    if last_name(checker, func) != "paginate" {
        return false;
    }
    let Some(args) = call.field("arguments") else {
        return false;
    };
    let args = checker.arguments(args);
    if args.positional.len() > 1 {
        return false;
    }
    args.keyword("max_per_page", checker.source)
        .is_none_or(|v| checker.text(v) != "None")
}

// ---------------------------------------------------------------------------------------------
// DRF paginators and settings

#[derive(Clone, Copy, PartialEq, Eq)]
enum Paginator {
    /// `PageNumberPagination`, `CursorPagination`: `page_size_query_param` opts in to a client
    /// page size, `max_page_size` caps it.
    PageSize,
    /// `LimitOffsetPagination`: `?limit=` always, capped only by `max_limit`.
    LimitOffset,
}

fn drf_paginator(qualified: &str) -> Option<Paginator> {
    let rest = qualified.strip_prefix("rest_framework.pagination.")?;
    match rest {
        "PageNumberPagination" | "CursorPagination" => Some(Paginator::PageSize),
        "LimitOffsetPagination" => Some(Paginator::LimitOffset),
        _ => None,
    }
}

/// The class body's own assignments: name → (assignment, value).
fn class_attributes<'a>(
    checker: &Checker<'a>,
    class: Node<'a>,
) -> Vec<(&'a str, Node<'a>, Node<'a>)> {
    let Some(body) = class.field("body") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for statement in named_children(body) {
        let Some(assignment) = statement.named_child(0).filter(|a| {
            statement.kind_str() == "expression_statement" && a.kind_str() == "assignment"
        }) else {
            continue;
        };
        if let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right")) {
            out.push((checker.text(left), assignment, right));
        }
    }
    out
}

fn is_none(checker: &Checker, node: Node) -> bool {
    checker.text(node) == "None"
}

/// Where a new class attribute goes: after the docstring, or before the first statement.
fn attribute_insertion(checker: &Checker, class: Node, line: &str) -> Option<Edit> {
    let body = class.field("body")?;
    let first = body.named_child(0)?;
    let indent = {
        let line_start = checker.source[..first.start_byte()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        &checker.source[line_start..first.start_byte()]
    };
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let docstring = first.kind_str() == "expression_statement"
        && first
            .named_child(0)
            .is_some_and(|s| s.kind_str() == "string");
    Some(if docstring {
        Edit {
            range: first.end_byte()..first.end_byte(),
            content: format!("\n{indent}{line}"),
        }
    } else {
        Edit {
            range: first.start_byte()..first.start_byte(),
            content: format!("{line}\n{indent}"),
        }
    })
}

fn check_python_pagination<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    if let (Some(pair), Some(key), Some(value)) =
        (caps.get("pair"), caps.get("key"), caps.get("value"))
    {
        check_settings_pair(checker, pair, key, value);
        return;
    }
    let (Some(class), Some(bases)) = (caps.get("class"), caps.get("bases")) else {
        return;
    };
    if !routes::imports_from(checker.semantic, &["rest_framework"]) {
        return;
    }
    let name = class.field("name");
    let attributes = class_attributes(checker, class);
    let attribute = |wanted: &str| {
        attributes
            .iter()
            .find(|(n, _, _)| *n == wanted)
            .map(|(_, a, v)| (*a, *v))
    };
    // A view that names `LimitOffsetPagination` itself.
    if let Some((_, value)) = attribute("pagination_class") {
        if checker.resolve(value).as_deref().and_then(drf_paginator) == Some(Paginator::LimitOffset)
        {
            checker.report(value, "`LimitOffsetPagination` takes `?limit=` from the client and has no `max_limit` by default, so one request can ask for every row; use a subclass that sets `max_limit`");
        }
    }
    let kind = named_children(bases)
        .into_iter()
        .filter(|b| matches!(b.kind_str(), "identifier" | "attribute"))
        .find_map(|b| checker.resolve(b).as_deref().and_then(drf_paginator));
    let Some(kind) = kind else {
        return;
    };
    let class_name = name.map_or("", |n| checker.text(n));
    match kind {
        Paginator::PageSize => {
            let Some((assignment, value)) = attribute("page_size_query_param") else {
                return;
            };
            if is_none(checker, value) {
                return;
            }
            if attribute("max_page_size").is_some_and(|(_, v)| !is_none(checker, v)) {
                return;
            }
            let param = checker.string_value(value).unwrap_or("page_size");
            let fix = attribute_insertion(checker, class, &format!("max_page_size = {FIX_MAX}"));
            let finding = checker.report(assignment, format!(
                "`{class_name}` lets the client choose the page size (`?{param}=`) with no `max_page_size`, so `?{param}=1000000` returns every row in one response; set `max_page_size`"
            ));
            if let Some(n) = name {
                finding.with_related(n.byte_range(), format!("the paginator `{class_name}`"));
            }
            if let Some(edit) = fix {
                finding.with_fix(
                    format!("Set `max_page_size = {FIX_MAX}`"),
                    Applicability::Unsafe,
                    vec![edit],
                );
            }
        }
        Paginator::LimitOffset => {
            if attribute("max_limit").is_some_and(|(_, v)| !is_none(checker, v)) {
                return;
            }
            let Some(at) = name else {
                return;
            };
            let fix = attribute_insertion(checker, class, &format!("max_limit = {FIX_MAX}"));
            let finding = checker.report(at, format!(
                "`{class_name}` extends `LimitOffsetPagination`, which takes `?limit=` from the client, and sets no `max_limit`, so `?limit=1000000` returns every row in one response; set `max_limit`"
            ));
            if let Some(edit) = fix {
                finding.with_fix(
                    format!("Set `max_limit = {FIX_MAX}`"),
                    Applicability::Unsafe,
                    vec![edit],
                );
            }
        }
    }
}

/// `"DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination"`.
fn check_settings_pair<'a>(
    checker: &mut Checker<'a>,
    pair: Node<'a>,
    key: Node<'a>,
    value: Node<'a>,
) {
    let _ = pair;
    if checker.string_value(key) != Some("DEFAULT_PAGINATION_CLASS") {
        return;
    }
    if checker.string_value(value).and_then(drf_paginator) != Some(Paginator::LimitOffset) {
        return;
    }
    checker.report(value, "the default paginator is `LimitOffsetPagination`, which takes `?limit=` from the client and has no `max_limit` by default, so every list endpoint returns as many rows as a request asks for; point `DEFAULT_PAGINATION_CLASS` at a subclass that sets `max_limit`");
}

// ---------------------------------------------------------------------------------------------
// JavaScript

/// Whether validation middleware in the item bounds the parameter: express-validator's
/// `query("limit").isInt({ min: 1, max: 100 })`.
fn js_validated(checker: &Checker, name: &str) -> bool {
    let item = checker.text(checker.item);
    ["query", "check"].iter().any(|f| {
        [format!("{f}(\"{name}\")"), format!("{f}('{name}')")]
            .iter()
            .any(|call| {
                item.match_indices(call.as_str()).any(|(at, _)| {
                    let rest = &item[at..];
                    let end = rest.find([';', '\n']).unwrap_or(rest.len());
                    rest[..end].contains("max")
                })
            })
    })
}

/// A page size read from the query string: its name, where to report, and the local name it is
/// bound to with the byte after which that binding holds (destructuring).
type ClientValue<'a> = (&'a str, Node<'a>, Option<(&'a str, usize)>);

/// NestJS: `@Query("limit") limit: number` in a controller method, followed in the method.
fn check_nest_parameter<'a>(
    checker: &mut Checker<'a>,
    decorator: Node<'a>,
    caps: &Captures<'_, 'a>,
) {
    let Some(name) = caps.get("name") else {
        return;
    };
    let path = ba_analysis::ancestors(checker.item, decorator);
    let Some(parameter) = path
        .last()
        .copied()
        .filter(|p| matches!(p.kind_str(), "required_parameter" | "optional_parameter"))
    else {
        return;
    };
    let Some(local) = parameter
        .field("pattern")
        .filter(|p| p.kind_str() == "identifier")
    else {
        return;
    };
    let Some(method) = path
        .iter()
        .rev()
        .find(|a| a.kind_str() == "method_definition")
        .copied()
    else {
        return;
    };
    let Some(body) = method.field("body") else {
        return;
    };
    let param = checker
        .string_value(name)
        .unwrap_or_else(|| checker.text(name));
    if !is_page_name(param, checker.text(method)) {
        return;
    }
    let Some(reach) = follow(
        checker,
        method,
        body,
        checker.text(local),
        body.start_byte(),
    ) else {
        return;
    };
    checker
        .report(parameter, format!(
            "the client chooses the page size `{param}` with no upper bound, and it reaches the query `{}`: one request can ask for every row; cap it (`Math.min({}, 100)`) or validate a maximum (a DTO with `@Max(100)`)",
            shown(checker, reach),
            checker.text(local)
        ))
        .with_related(reach.byte_range(), format!("`{param}` reaches the query here"));
}

fn check_javascript<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    if let Some(decorator) = caps.get("decorator") {
        check_nest_parameter(checker, decorator, caps);
        return;
    }
    let at = caps.get("source").or_else(|| caps.get("destructure"));
    let Some(at) = at else {
        return;
    };
    let Some(handler) = routes::js_enclosing_handler(checker.item, at, checker.source) else {
        return;
    };
    let Some(body) = handler.field("body") else {
        return;
    };
    let mut values: Vec<ClientValue<'a>> = Vec::new();
    if let (Some(source), Some(name)) = (caps.get("source"), caps.get("name")) {
        let param = checker
            .string_value(name)
            .unwrap_or_else(|| checker.text(name));
        if !is_page_name(param, checker.text(handler)) {
            return;
        }
        values.push((param, source, None));
    } else if let (Some(declarator), Some(pattern)) = (caps.get("destructure"), caps.get("pattern"))
    {
        for property in named_children(pattern) {
            let (key, local) = match property.kind_str() {
                "shorthand_property_identifier_pattern" => (property, property),
                "object_assignment_pattern" => match property.field("left") {
                    Some(l) => (l, l),
                    None => continue,
                },
                "pair_pattern" => {
                    let (Some(k), Some(v)) = (property.field("key"), property.field("value"))
                    else {
                        continue;
                    };
                    let v = if v.kind_str() == "assignment_pattern" {
                        match v.field("left") {
                            Some(l) => l,
                            None => continue,
                        }
                    } else {
                        v
                    };
                    if v.kind_str() != "identifier" {
                        continue;
                    }
                    (k, v)
                }
                _ => continue,
            };
            let param = checker
                .string_value(key)
                .unwrap_or_else(|| checker.text(key));
            if is_page_name(param, checker.text(handler)) {
                values.push((
                    param,
                    property,
                    Some((checker.text(local), declarator.end_byte())),
                ));
            }
        }
    }
    for (param, source, bound) in values {
        if js_validated(checker, param) {
            continue;
        }
        let reach = match bound {
            Some((local, after)) => follow(checker, handler, body, local, after),
            None => match js_fate(checker, handler, source) {
                Fate::Bounded | Fate::Nothing => None,
                Fate::Reaches(call) => Some(call),
                Fate::Rebind(ident) => follow(
                    checker,
                    handler,
                    body,
                    checker.text(ident),
                    ident.end_byte(),
                ),
            },
        };
        let Some(reach) = reach else {
            continue;
        };
        checker
            .report(source, format!(
                "the client chooses the page size `{param}` with no upper bound, and it reaches the query `{}`: one request can ask for every row; cap it (`Math.min(Number(req.query.{param}) || 20, 100)`) or validate a maximum",
                shown(checker, reach)
            ))
            .with_related(reach.byte_range(), format!("`{param}` reaches the query here"));
    }
}

const DOCS: &str = r#"## What it does
Flags a page size that the client chooses and nothing caps, followed from where the request
supplies it to the query it reaches:

- FastAPI: a handler parameter named like a page size (`limit`, `page_size`, `per_page`,
  `size`, `take`…) typed `int` (or `Optional[int]`, `Annotated[int, …]`, `conint(…)`) with no
  `le=`/`lt=` in `Query(…)`, `Field(…)`, `conint(…)` or `Annotated[…]`;
- Flask, Django and DRF views: `per_page = request.args.get("per_page", type=int)`,
  `limit = int(request.GET.get("limit", 20))`, `self.request.query_params.get("limit")`;
- Express, Koa and Fastify handlers: `req.query.limit`, `ctx.query.pageSize`,
  `const { limit = 20 } = req.query`; NestJS controller methods: `@Query("limit") limit: number`
  (with or without pipes; a DTO validated with `@Max(…)` is not followed);
- DRF paginators: a `PageNumberPagination`/`CursorPagination` subclass that sets
  `page_size_query_param` without `max_page_size`; a `LimitOffsetPagination` subclass without
  `max_limit`; a view or `REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]` naming
  `LimitOffsetPagination` itself.

The value is followed through local names (`limit = int(limit)`, `n = limit`) to the call it is
passed to (`.limit(limit)`, `.offset(skip).limit(limit)`, `Paginator(rows, per_page)`,
`crud.get_items(db, limit=limit)`, `find().limit(limit)`, `findAll({ limit })`, SQL
parameters) or the slice it ends (`qs[offset:offset + limit]`). Any comparison
(`if limit > 100: raise …`), `min(…)`/`Math.min(…)`, a `clamp…` helper or an express-validator
`query("limit").isInt({ max: 100 })` in the same registration counts as a bound. A value only
logged or echoed in the response is not reported. Flask-SQLAlchemy 3's
`paginate(page=…, per_page=…)` caps `per_page` itself (`max_per_page`, 100 by default) and is
not reported unless it passes `max_per_page=None`; 2.x's positional `paginate(page, per_page)`
capped nothing and is.

PERF203 reports list endpoints with no limit at all; this rule reports the limit that is there
but belongs to the client.

## Why is this bad?
A `limit` with a default of 100 looks bounded, but the client can send `?limit=10000000`. One
request then reads, serialises and sends the whole table: the same memory and latency cliff as
no pagination, and a cheap way to take the service down (OWASP API4: unrestricted resource
consumption). Scrapers find such parameters quickly.

## Example
```python
@router.get("/items/")
def read_items(skip: int = 0, limit: int = 100, db: Session = Depends(get_db)):
    return crud.get_items(db, skip=skip, limit=limit)
```

```python
class LargePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
```

```javascript
router.get("/posts", async (req, res) => {
  const limit = parseInt(req.query.limit) || 20;
  res.json(await Post.find().sort({ createdAt: -1 }).limit(limit));
});
```

## Use instead
```python
@router.get("/items/")
def read_items(skip: int = 0, limit: int = Query(100, le=100), db: Session = Depends(get_db)):
    return crud.get_items(db, skip=skip, limit=limit)
```

```python
class LargePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
```

```javascript
router.get("/posts", async (req, res) => {
  const limit = Math.min(parseInt(req.query.limit) || 20, 100);
  res.json(await Post.find().sort({ createdAt: -1 }).limit(limit));
});
```

The fix (unsafe: larger requests start failing or get fewer rows) adds `le=` to a FastAPI
parameter (`Query(100, le=100)`, where `Query` is imported from FastAPI) and `max_page_size` or
`max_limit` to a DRF paginator, at 100 or the default page size when that is larger.

## References
- [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
- [OWASP API4:2023 Unrestricted Resource Consumption](https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/)
- [FastAPI: query parameters and numeric validations](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/)
- [Django REST framework: pagination (`max_page_size`, `max_limit`)](https://www.django-rest-framework.org/api-guide/pagination/)
- [Flask-SQLAlchemy: pagination (`max_per_page`)](https://flask-sqlalchemy.readthedocs.io/en/stable/pagination/)
"#;
