//! SEC308 prototype-pollution: request data merged recursively into objects, or written through
//! keys the client chooses (`obj[a][b] = v`), so `__proto__` reaches `Object.prototype`.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::regex_injection::binding_value;
use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::taint::Taint;
use ba_analysis::{ancestors, named_children, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC308",
    name: "prototype-pollution",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[1321],
    owasp: Some("A08:2021 Software and Data Integrity Failures"),
    summary: "Request data is merged recursively into an object, or written through keys the client chooses; a `__proto__` key then changes `Object.prototype` for the whole process: reject `__proto__`/`constructor`/`prototype` keys, or use `Map` / `Object.create(null)`.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[
        Check {
            family: Family::JavaScript,
            query_path: "javascript/calls.scm",
            query: include_str!("../../../../queries/javascript/calls.scm"),
            run: check_call,
        },
        Check {
            family: Family::JavaScript,
            query_path: "javascript/prototype_pollution.scm",
            query: include_str!("../../../../queries/javascript/prototype_pollution.scm"),
            run: check_assignment,
        },
    ],
};

/// How a library function takes the data it merges.
#[derive(Clone, Copy)]
enum Takes {
    /// Every argument from this index on is merged into the first.
    Sources(usize),
    /// `$.extend(true, target, …sources)`: deep only with a leading `true`.
    DeepFlag,
    /// A property path at this index (`_.set(obj, path, value)`).
    Path(usize),
}

const MERGERS: &[(&str, Takes)] = &[
    ("lodash.merge", Takes::Sources(1)),
    ("lodash.mergeWith", Takes::Sources(1)),
    ("lodash.defaultsDeep", Takes::Sources(1)),
    ("lodash/merge", Takes::Sources(1)),
    ("lodash/mergeWith", Takes::Sources(1)),
    ("lodash/defaultsDeep", Takes::Sources(1)),
    ("lodash.set", Takes::Path(1)),
    ("lodash.setWith", Takes::Path(1)),
    ("lodash/set", Takes::Path(1)),
    ("lodash/setWith", Takes::Path(1)),
    ("jquery.extend", Takes::DeepFlag),
    ("jQuery.extend", Takes::DeepFlag),
    ("deepmerge", Takes::Sources(0)),
    ("deepmerge.all", Takes::Sources(0)),
    ("merge.recursive", Takes::Sources(0)),
    ("deep-extend", Takes::Sources(1)),
    ("merge-deep", Takes::Sources(1)),
    ("mixin-deep", Takes::Sources(1)),
    ("defaults-deep", Takes::Sources(1)),
    ("set-value", Takes::Path(1)),
    ("dot-prop.setProperty", Takes::Path(1)),
    ("object-path.set", Takes::Path(1)),
];

fn check_call<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    if caps
        .get("call")
        .is_some_and(|c| c.kind_str() == "new_expression")
    {
        return;
    }
    let args: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    let names: Vec<&str> = MERGERS.iter().map(|(n, _)| *n).collect();
    if let Some(name) = checker.resolve_callee(func, &names) {
        let Some(&(_, takes)) = MERGERS.iter().find(|(n, _)| *n == name) else {
            return;
        };
        let short = super::callee(checker.text(func));
        match takes {
            Takes::Sources(from) => {
                if let Some(taint) = tainted(checker, args.iter().skip(from).copied()) {
                    report_merge(checker, func, &short, &taint);
                }
            }
            Takes::DeepFlag => {
                if args.first().is_some_and(|a| a.kind_str() == "true") {
                    if let Some(taint) = tainted(checker, args.iter().skip(2).copied()) {
                        report_merge(checker, func, &short, &taint);
                    }
                }
            }
            Takes::Path(index) => {
                if let Some(taint) = tainted(checker, args.get(index).copied()) {
                    let from = checker.describe(&taint);
                    checker
                        .report(func, format!("`{short}` writes to a property path taken from {from}; the path `__proto__.isAdmin` (or `constructor.prototype.isAdmin`) sets the property on every object in the process: check the path against an allow-list"))
                        .with_taint(&taint);
                }
            }
        }
        return;
    }
    // A hand-written deep merge: `deepMerge(target[key], source[key])` inside `deepMerge`.
    if func.kind_str() == "identifier" {
        check_recursive_merge(checker, func, &args);
    }
}

/// The recursive call of a deep merge written in this file that walks into the target's
/// properties for every key of its source without checking the keys.
fn check_recursive_merge<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: &[Node<'a>]) {
    let name = checker.text(func);
    let path = ancestors(checker.item, func);
    let Some(function) = path
        .iter()
        .rev()
        .copied()
        .find(|f| function_name(checker, *f).is_some_and(|n| n == name))
    else {
        return;
    };
    let function = match function.kind_str() {
        "variable_declarator" => match function.field("value") {
            Some(v) => v,
            None => return,
        },
        _ => function,
    };
    let mut params = Vec::new();
    if let Some(p) = function
        .field("parameters")
        .or_else(|| function.field("parameter"))
    {
        collect_identifiers(checker, p, &mut params);
    }
    // The target of the recursion is a property of a parameter: `target[key]`.
    let into = args.iter().copied().find_map(|a| {
        let mut a = a;
        loop {
            a = match a.kind_str() {
                "binary_expression" => a.field("left")?,
                "as_expression" | "parenthesized_expression" | "non_null_expression" => {
                    a.named_child(0)?
                }
                _ => break,
            };
        }
        (a.kind_str() == "subscript_expression"
            && a.field("object")
                .is_some_and(|o| o.kind_str() == "identifier" && params.contains(&checker.text(o))))
        .then_some(a)
    });
    let Some(into) = into else {
        return;
    };
    // A merge hands the recursion the source's value for the key too (`merge(to[key],
    // from[key])`, `wrap(context[name], fn)`); a walk over one object that passes its own
    // parameters on unchanged (`replaceId(obj[key], oldId, newId)`) copies nothing in.
    let source_value = args
        .iter()
        .copied()
        .any(|a| a != into && !(a.kind_str() == "identifier" && params.contains(&checker.text(a))));
    if !source_value {
        return;
    }
    let target = into.field("object").map(|o| checker.text(o)).unwrap_or("");
    // A merge writes into the object it walks into (`to[key] = …` and `merge(to[key], …)`); a
    // recursion that only reads it or builds a new object does not pollute anything. The last
    // write in source order is the leaf copy (`to[key] = from[key]`), not the `to[key] = {}`
    // that makes room for the recursion.
    let mut last_write: Option<Node<'a>> = None;
    let mut stack = vec![function];
    while let Some(n) = stack.pop() {
        let writes = n.kind_str() == "assignment_expression"
            && n.field("left").is_some_and(|l| {
                l.kind_str() == "subscript_expression"
                    && l.field("object").is_some_and(|o| checker.text(o) == target)
            });
        if writes && last_write.is_none_or(|w| n.start_byte() > w.start_byte()) {
            last_write = Some(n);
        }
        stack.extend(named_children(n));
    }
    let Some(last_write) = last_write else {
        return;
    };
    // Keys checked against a set of forbidden or allowed names (`if (specialProperties.has(key))
    // continue;`) are the usual guard.
    let key = into.field("index").map(|i| checker.text(i)).unwrap_or("");
    let body = checker.text(function);
    if !key.is_empty()
        && (body.contains(&format!(".has({key})")) || body.contains(&format!(".includes({key})")))
    {
        return;
    }
    if !is_recursive_merge(checker, function, name) {
        return;
    }
    let shown = super::callee(checker.text(into));
    checker
        .report(func, format!("`{name}` walks into `{shown}` for every key of its source, `__proto__` included: merging request data with it (`{name}(config, req.body)`) lets `{{\"__proto__\": {{\"isAdmin\": true}}}}` change `Object.prototype`: skip the keys `__proto__`, `constructor` and `prototype`"))
        .with_related(last_write.byte_range(), "the merge writes each key here");
}

/// The name a function node is declared under: `function f`, `const f = (…) => …`, a method.
fn function_name<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<&'a str> {
    match node.kind_str() {
        "function_declaration" | "function_expression" | "method_definition" => {
            node.field("name").map(|n| checker.text(n))
        }
        "variable_declarator" => {
            let value = node.field("value")?;
            matches!(
                value.kind_str(),
                "arrow_function" | "function_expression" | "function"
            )
            .then(|| node.field("name").map(|n| checker.text(n)))
            .flatten()
        }
        _ => None,
    }
}

fn collect_identifiers<'a>(checker: &Checker<'a>, node: Node<'a>, out: &mut Vec<&'a str>) {
    let Some(_level) = ba_syntax::depth::enter() else {
        return;
    };
    if node.kind_str() == "identifier" {
        out.push(checker.text(node));
        return;
    }
    if matches!(node.kind_str(), "type_annotation" | "object_pattern") {
        return;
    }
    for c in named_children(node) {
        collect_identifiers(checker, c, out);
    }
}

fn report_merge<'a>(checker: &mut Checker<'a>, func: Node<'a>, short: &str, taint: &Taint) {
    let from = checker.describe(taint);
    checker
        .report(func, format!("`{short}` merges {from} recursively into an object; a body like `{{\"__proto__\": {{\"isAdmin\": true}}}}` changes `Object.prototype` for the whole process: pick the fields you expect (or validate with a schema) before merging"))
        .with_taint(taint);
}

/// The strongest request taint among `nodes`.
fn tainted<'a>(checker: &Checker<'a>, nodes: impl IntoIterator<Item = Node<'a>>) -> Option<Taint> {
    nodes
        .into_iter()
        .filter_map(|n| checker.taint(n, Sink::MassAssign).filter(|t| t.user))
        .next()
}

/// A function that calls itself and assigns through a computed key, without a word about
/// `__proto__`: the hand-written deep merge.
fn is_recursive_merge(checker: &Checker, function: Node, name: &str) -> bool {
    let text = checker.text(function);
    if mentions_prototype_keys(text) {
        return false;
    }
    let Some(body) = function.field("body") else {
        return false;
    };
    let mut recursive = false;
    let mut computed = false;
    let mut stack = vec![body];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 5000 {
            return false;
        }
        let kind = n.kind_str();
        recursive |= kind == "call_expression"
            && n.field("function")
                .is_some_and(|f| f.kind_str() == "identifier" && checker.text(f) == name);
        computed |= kind == "assignment_expression"
            && n.field("left")
                .is_some_and(|l| l.kind_str() == "subscript_expression");
        stack.extend(named_children(n));
    }
    recursive && computed
}

/// Whether code checks keys against the dangerous names (or an allow-list of them).
fn mentions_prototype_keys(text: &str) -> bool {
    text.contains("__proto__")
        || text.contains("\"constructor\"")
        || text.contains("'constructor'")
        || text.contains("\"prototype\"")
        || text.contains("'prototype'")
}

fn check_assignment<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(target), Some(value)) = (caps.get("target"), caps.get("value")) else {
        return;
    };
    let (Some(object), Some(key)) = (target.field("object"), target.field("index")) else {
        return;
    };
    let nested = object.kind_str() == "subscript_expression";
    let root = if nested {
        object.field("object")
    } else {
        Some(object)
    };
    let Some(root) = root else {
        return;
    };
    // Writing into the request's own data, or into an object without a prototype.
    if checker
        .taint(root, Sink::MassAssign)
        .is_some_and(|t| t.user)
        || prototype_free(checker, root)
    {
        return;
    }
    if mentions_prototype_keys(checker.text(checker.item)) {
        return;
    }
    let key_taint = |k: Node<'a>| checker.taint(k, Sink::MassAssign).filter(|t| t.user);
    if nested {
        let Some(outer) = object.field("index") else {
            return;
        };
        let Some(taint) = key_taint(outer) else {
            return;
        };
        if key_taint(key).is_none()
            && checker
                .taint(value, Sink::MassAssign)
                .filter(|t| t.user)
                .is_none()
        {
            return;
        }
        let from = checker.describe(&taint);
        let shown = super::callee(checker.text(target));
        checker
            .report(target, format!("`{shown} = …` writes through keys taken from {from}; with the keys `__proto__` and `isAdmin` this sets `Object.prototype.isAdmin` for every object in the process: reject `__proto__`, `constructor` and `prototype` (or use a `Map`)"))
            .with_taint(&taint);
        return;
    }
    let Some(taint) = key_taint(key) else {
        return;
    };
    if checker
        .taint(value, Sink::MassAssign)
        .filter(|t| t.user)
        .is_none()
    {
        return;
    }
    // Inside a hand-written deep merge the recursive call is the finding (it points at this
    // write too): one bug, one report.
    let function = ancestors(checker.item, target).into_iter().rev().find(|f| {
        matches!(
            f.kind_str(),
            "function_declaration"
                | "function_expression"
                | "function"
                | "arrow_function"
                | "method_definition"
                | "variable_declarator"
        ) && function_name(checker, *f).is_some()
    });
    if let Some(f) = function {
        let name = function_name(checker, f).unwrap_or("");
        let body = match f.kind_str() {
            "variable_declarator" => f.field("value").unwrap_or(f),
            _ => f,
        };
        if is_recursive_merge(checker, body, name) {
            return;
        }
    }
    let from = checker.describe(&taint);
    let shown = super::callee(checker.text(target));
    checker
        .report(target, format!("`{shown} = …` sets a property whose name and value come from {from}; the key `__proto__` replaces the object's prototype (and `constructor`/`toString` shadow its methods): check the key against an allow-list, or use a `Map` / `Object.create(null)`"))
        .with_taint(&taint);
}

/// `Object.create(null)`, `new Map()` or `{ __proto__: null }`: no prototype to pollute.
fn prototype_free<'a>(checker: &Checker<'a>, node: Node<'a>) -> bool {
    if node.kind_str() != "identifier" {
        return false;
    }
    let Some(value) = binding_value(checker, node) else {
        return false;
    };
    let text: String = checker
        .text(value)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("");
    text.starts_with("Object.create(null")
        || text.starts_with("newMap(")
        || text.starts_with("{__proto__:null")
}

const DOCS: &str = r#"## What it does
Flags JavaScript and TypeScript code that lets request data choose property names all the way
down an object:

- recursive merges of request data: lodash `_.merge`, `_.mergeWith`, `_.defaultsDeep`,
  jQuery `$.extend(true, …)`, the `deepmerge`, `merge` (`merge.recursive`), `deep-extend`,
  `merge-deep` and `mixin-deep` packages;
- a deep merge written in the file: a function that calls itself on a property of its target
  (`deepMerge(target[key], source[key])`) and assigns through computed keys, without a word
  about `__proto__`. It is reported at the recursive call, whatever data it is given, because
  the fix belongs in the function;
- property paths from the request: `_.set(obj, req.body.path, …)`, `set-value`,
  `dot-prop`'s `setProperty`, `object-path`'s `set`;
- `obj[a][b] = value` where `a` comes from the request, and `obj[key] = value` where both the
  key and the value do.

Code that mentions `__proto__` (or the strings `"constructor"` / `"prototype"`) is taken to
check the keys; targets made with `Object.create(null)` or `new Map()`, and `Object.assign`
(which copies only one level), are not reported.

## Why is this bad?
`JSON.parse` (and so `express.json()`) turns `{"__proto__": {"isAdmin": true}}` into an object
with an own `__proto__` key. A recursive merge then walks into `target.__proto__`, which is
`Object.prototype`, and sets `isAdmin` there: every object in the process now has
`isAdmin === true`. Gadgets in template engines and `child_process` turn this into remote code
execution; at the least it breaks authorisation checks and crashes the server.

## Example
```javascript
const _ = require("lodash");

app.post("/settings", (req, res) => {
  _.merge(req.session.settings, req.body);
  res.sendStatus(204);
});

app.post("/prefs", (req, res) => {
  const { section, key, value } = req.body;
  prefs[section][key] = value;
});
```

## Use instead
```javascript
app.post("/settings", (req, res) => {
  const { theme, language } = req.body;
  Object.assign(req.session.settings, { theme: String(theme), language: String(language) });
  res.sendStatus(204);
});

const prefs = new Map();
app.post("/prefs", (req, res) => {
  const { section, key, value } = req.body;
  if (!SECTIONS.includes(section)) return res.sendStatus(400);
  prefs.set(`${section}.${key}`, value);
});
```

## References
- [CWE-1321: Improperly Controlled Modification of Object Prototype Attributes](https://cwe.mitre.org/data/definitions/1321.html)
- [OWASP A08:2021 Software and Data Integrity Failures](https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/)
- [OWASP Prototype Pollution Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Prototype_Pollution_Prevention_Cheat_Sheet.html)
- [lodash `merge`](https://lodash.com/docs/#merge)
"#;
