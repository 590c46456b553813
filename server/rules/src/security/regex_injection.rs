//! SEC109 regex-injection: regular expressions compiled from request data, and regexes with
//! catastrophic backtracking applied to request data (ReDoS).

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Category, Check, Checker, FixAvailability, Rule, Severity};
use ba_analysis::{named_children, Binding, Lookup, Sink};
use ba_syntax::Family;

pub static RULE: Rule = Rule {
    code: "SEC109",
    name: "regex-injection",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[1333, 400],
    owasp: Some("A03:2021 Injection"),
    summary: "A regular expression is built from request data, or a regex that backtracks catastrophically is run on it; escape the data (`_.escapeRegExp`) and avoid nested quantifiers.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::JavaScript,
        query_path: "javascript/calls.scm",
        query: include_str!("../../../../queries/javascript/calls.scm"),
        run: check,
    }],
};

/// String methods that take a regex argument and run it on the receiver.
const STRING_METHODS: &[&str] = &[
    "match",
    "matchAll",
    "replace",
    "replaceAll",
    "search",
    "split",
];

/// Regex methods that run the regex on their argument.
const REGEX_METHODS: &[&str] = &["test", "exec"];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let args: Vec<Node> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_str() != "comment")
        .collect();
    if func.kind_str() == "identifier" {
        if checker.text(func) == "RegExp" && matches!(checker.lookup(func), Lookup::Unbound) {
            check_constructor(checker, func, &args);
        }
        return;
    }
    if func.kind_str() != "member_expression" {
        return;
    }
    let (Some(object), Some(property)) = (func.field("object"), func.field("property")) else {
        return;
    };
    let method = checker.text(property);
    if object.kind_str() == "identifier"
        && checker.text(object) == "RegExp"
        && matches!(checker.lookup(object), Lookup::Unbound)
    {
        return;
    }
    let (regex, data) = if REGEX_METHODS.contains(&method) {
        (object, args.first().copied())
    } else if STRING_METHODS.contains(&method) {
        (
            match args.first() {
                Some(r) => *r,
                None => return,
            },
            Some(object),
        )
    } else {
        return;
    };
    let Some(data) = data else {
        return;
    };
    let Some(literal) = regex_literal(checker, regex) else {
        return;
    };
    let Some(pattern) = literal.field("pattern") else {
        return;
    };
    let Some(bad) = catastrophic(checker.text(pattern)) else {
        return;
    };
    let Some(taint) = checker.taint(data, Sink::Code).filter(|t| t.user) else {
        return;
    };
    let from = checker.describe(&taint);
    let shown = super::callee(checker.text(literal));
    checker
        .report(func, format!(
            "`{method}` runs `{shown}` on {from}; its group `{bad}` repeats a part that itself repeats, so a crafted string makes it backtrack exponentially and blocks the event loop: rewrite it without nested quantifiers (or check the input's length first)"
        ))
        .with_taint(&taint);
}

/// `new RegExp(pattern)` / `RegExp(pattern)` with a pattern from the request.
fn check_constructor<'a>(checker: &mut Checker<'a>, func: Node<'a>, args: &[Node<'a>]) {
    let Some(pattern) = args.first().copied() else {
        return;
    };
    let Some(taint) = checker.taint(pattern, Sink::Code).filter(|t| t.user) else {
        return;
    };
    let from = checker.describe(&taint);
    checker
        .report(func, format!(
            "`RegExp` compiles a pattern built from {from}; a client can send a pattern that backtracks for minutes (`(a+)+$`) or matches more than you meant (`.*`): escape it with `_.escapeRegExp` / `escape-string-regexp`, or compare plain strings (`includes`)"
        ))
        .with_taint(&taint);
}

/// The regex literal `node` is, or the one a local or module-level constant is bound to.
fn regex_literal<'a>(checker: &Checker<'a>, node: Node<'a>) -> Option<Node<'a>> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "regex" => Some(node),
        "parenthesized_expression" => regex_literal(checker, node.named_child(0)?),
        "identifier" => {
            let value = binding_value(checker, node)?;
            (value.kind_str() == "regex").then_some(value)
        }
        _ => None,
    }
}

/// The one value a name is bound to: a single local binding, or a single module-level
/// `const`/`let`/`var` declarator (possibly exported). Module-level statements other than
/// functions and classes are part of the engine's skeleton, so reading them keeps the per-item
/// cache correct.
pub(crate) fn binding_value<'a>(checker: &Checker<'a>, ident: Node<'a>) -> Option<Node<'a>> {
    match checker.lookup(ident) {
        Lookup::Local(bindings) => match bindings.as_slice() {
            [Binding::Value(v)] => Some(*v),
            _ => None,
        },
        Lookup::Module(_) => module_value(checker, checker.text(ident)),
        _ => None,
    }
}

/// The value of the single top-level declarator of `name`.
fn module_value<'a>(checker: &Checker<'a>, name: &str) -> Option<Node<'a>> {
    // Climb from the item (a child of the program): `Node::parent` walks down from the root on
    // every call.
    let mut root = checker.item;
    while let Some(p) = root.parent() {
        root = p;
    }
    let mut found = Vec::new();
    for mut stmt in named_children(root) {
        if stmt.kind_str() == "export_statement" {
            match stmt.field("declaration") {
                Some(d) => stmt = d,
                None => continue,
            }
        }
        match stmt.kind_str() {
            "lexical_declaration" | "variable_declaration" => {
                for decl in named_children(stmt) {
                    if decl.kind_str() == "variable_declarator"
                        && decl.field("name").is_some_and(|n| checker.text(n) == name)
                    {
                        found.push(decl.field("value"));
                    }
                }
            }
            "function_declaration" | "generator_function_declaration" | "class_declaration"
                if stmt.field("name").is_some_and(|n| checker.text(n) == name) =>
            {
                found.push(None);
            }
            _ => {}
        }
    }
    match found.as_slice() {
        [Some(v)] => Some(*v),
        _ => None,
    }
}

/// The characters an atom can match: ASCII as a bit set, plus "anything beyond ASCII".
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Chars {
    ascii: u128,
    other: bool,
}

impl Chars {
    const ALL: Chars = Chars {
        ascii: u128::MAX,
        other: true,
    };

    fn one(c: char) -> Chars {
        if c.is_ascii() {
            Chars {
                ascii: 1u128 << (c as u32),
                other: false,
            }
        } else {
            Chars {
                ascii: 0,
                other: true,
            }
        }
    }

    fn range(a: char, b: char) -> Chars {
        let mut out = Chars::default();
        let (lo, hi) = (a as u32, b as u32);
        for c in lo..=hi.min(127) {
            out.ascii |= 1u128 << c;
        }
        if hi > 127 {
            out.other = true;
        }
        out
    }

    fn union(self, o: Chars) -> Chars {
        Chars {
            ascii: self.ascii | o.ascii,
            other: self.other || o.other,
        }
    }

    fn negate(self) -> Chars {
        Chars {
            ascii: !self.ascii,
            other: true,
        }
    }

    fn overlaps(self, o: Chars) -> bool {
        self.ascii & o.ascii != 0 || (self.other && o.other)
    }

    fn from_pred(f: impl Fn(u8) -> bool) -> Chars {
        let mut out = Chars::default();
        for c in 0u8..128 {
            if f(c) {
                out.ascii |= 1u128 << c;
            }
        }
        out
    }
}

/// `\d`, `\w`, `\s` and their negations; any other escape is the character itself.
fn escape_class(c: char) -> Chars {
    let digit = Chars::from_pred(|b| b.is_ascii_digit());
    let word = Chars::from_pred(|b| b.is_ascii_alphanumeric() || b == b'_');
    let space = Chars {
        other: true,
        ..Chars::from_pred(|b| b.is_ascii_whitespace() || b == 0x0b)
    };
    match c {
        'd' => digit,
        'D' => digit.negate(),
        'w' => word,
        'W' => word.negate(),
        's' => space,
        'S' => Chars::from_pred(|b| !(b.is_ascii_whitespace() || b == 0x0b)).union(Chars {
            ascii: 0,
            other: true,
        }),
        'n' => Chars::one('\n'),
        'r' => Chars::one('\r'),
        't' => Chars::one('\t'),
        // `\b`, `\B` and back-references: treat as anything (conservative for overlap).
        'b' | 'B' | '1'..='9' | 'u' | 'x' | 'p' | 'P' | 'k' => Chars::ALL,
        other => Chars::one(other),
    }
}

/// A parsed piece of a pattern with its quantifier.
struct Item {
    chars: Chars,
    /// The items of a group (empty for a single atom).
    inner: Vec<Item>,
    /// The group has alternatives (`a|b`).
    alternatives: bool,
    /// The group's source text (for messages).
    text: String,
    min: u32,
    /// `None`: unbounded.
    max: Option<u32>,
    is_group: bool,
}

impl Item {
    fn repeats(&self) -> bool {
        self.max.is_none_or(|m| m > 1)
    }

    /// Repeats a variable number of times (`+`, `*`, `{2,}`), as opposed to `{3}` or `?`.
    fn varies(&self) -> bool {
        self.max.is_none_or(|m| m > 1 && m > self.min)
    }

    /// Whether some item inside repeats a variable number of times, and the characters of
    /// those items.
    fn inner_varying(&self) -> Option<Chars> {
        let mut out: Option<Chars> = None;
        for i in &self.inner {
            let c = if i.varies() {
                Some(i.chars)
            } else {
                i.inner_varying()
            };
            if let Some(c) = c {
                out = Some(out.map_or(c, |o| o.union(c)));
            }
        }
        out
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Items until `)` or the end; returns them and whether a `|` was seen.
    fn sequence(&mut self, depth: u32) -> Option<(Vec<Item>, bool)> {
        let mut items = Vec::new();
        let mut alternatives = false;
        while let Some(c) = self.peek() {
            let start = self.pos;
            let (chars, inner, alts, is_group, zero_width) = match c {
                ')' => break,
                '|' => {
                    alternatives = true;
                    self.pos += 1;
                    continue;
                }
                '(' => {
                    if depth > 20 {
                        return None;
                    }
                    self.pos += 1;
                    let mut lookaround = false;
                    if self.peek() == Some('?') {
                        self.pos += 1;
                        match self.peek() {
                            Some(':') => self.pos += 1,
                            Some('=') | Some('!') => {
                                lookaround = true;
                                self.pos += 1;
                            }
                            Some('<') => {
                                self.pos += 1;
                                if matches!(self.peek(), Some('=') | Some('!')) {
                                    lookaround = true;
                                    self.pos += 1;
                                } else {
                                    while self.peek().is_some_and(|c| c != '>') {
                                        self.pos += 1;
                                    }
                                    self.pos += 1;
                                }
                            }
                            _ => return None,
                        }
                    }
                    let (inner, alts) = self.sequence(depth + 1)?;
                    if self.peek() != Some(')') {
                        return None;
                    }
                    self.pos += 1;
                    let chars = inner
                        .iter()
                        .fold(Chars::default(), |acc, i| acc.union(i.chars));
                    (chars, inner, alts, true, lookaround)
                }
                '[' => {
                    self.pos += 1;
                    (self.class()?, Vec::new(), false, false, false)
                }
                '\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    let zero = matches!(e, 'b' | 'B');
                    (escape_class(e), Vec::new(), false, false, zero)
                }
                '^' | '$' => {
                    self.pos += 1;
                    (Chars::default(), Vec::new(), false, false, true)
                }
                '.' => {
                    self.pos += 1;
                    (Chars::ALL, Vec::new(), false, false, false)
                }
                '*' | '+' | '?' | '{' if items.is_empty() => return None,
                other => {
                    self.pos += 1;
                    (Chars::one(other), Vec::new(), false, false, false)
                }
            };
            let (min, max) = self.quantifier();
            let end = self.pos;
            if zero_width {
                continue;
            }
            let text: String = self.chars[start..end].iter().collect();
            items.push(Item {
                chars,
                inner,
                alternatives: alts,
                text,
                min,
                max,
                is_group,
            });
        }
        Some((items, alternatives))
    }

    fn quantifier(&mut self) -> (u32, Option<u32>) {
        let q = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => {
                let rest: String = self.chars[self.pos..].iter().collect();
                let Some(close) = rest.find('}') else {
                    return (1, Some(1));
                };
                let body = &rest[1..close];
                let parsed = match body.split_once(',') {
                    Some((a, "")) => a.trim().parse().ok().map(|a| (a, None)),
                    Some((a, b)) => a
                        .trim()
                        .parse()
                        .ok()
                        .zip(b.trim().parse().ok())
                        .map(|(a, b)| (a, Some(b))),
                    None => body.trim().parse().ok().map(|a| (a, Some(a))),
                };
                match parsed {
                    Some(q) => {
                        self.pos += rest[..=close].chars().count();
                        q
                    }
                    None => return (1, Some(1)),
                }
            }
            _ => return (1, Some(1)),
        };
        // Lazy quantifiers backtrack the same way.
        if self.peek() == Some('?') {
            self.pos += 1;
        }
        q
    }

    /// A character class after its `[`.
    fn class(&mut self) -> Option<Chars> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut out = Chars::default();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let e = self.peek()?;
                self.pos += 1;
                if matches!(e, 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'p' | 'P') {
                    out = out.union(escape_class(e));
                    continue;
                }
                match escape_class(e) {
                    x if x == Chars::one(e) => e,
                    x => {
                        out = out.union(x);
                        continue;
                    }
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']') {
                self.pos += 1;
                let mut hi = self.peek()?;
                self.pos += 1;
                if hi == '\\' {
                    hi = self.peek()?;
                    self.pos += 1;
                }
                if hi >= lo {
                    out = out.union(Chars::range(lo, hi));
                }
                continue;
            }
            out = out.union(Chars::one(lo));
        }
        Some(if negated { out.negate() } else { out })
    }
}

/// The first group of `pattern` that repeats while something inside it repeats a variable
/// number of times, with no required part to separate the repetitions (`(a+)+`,
/// `(\w+\s?)*`, `(.*a){10}`); `([a-z]+\.)+` is fine: each repetition must end with a dot the
/// inner part cannot match.
pub(crate) fn catastrophic(pattern: &str) -> Option<String> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
    };
    let (items, _) = parser.sequence(0)?;
    if parser.pos != parser.chars.len() {
        return None;
    }
    find_catastrophic(&items)
}

fn find_catastrophic(items: &[Item]) -> Option<String> {
    for item in items {
        if !item.is_group {
            continue;
        }
        if item.repeats() {
            if let Some(varying) = item.inner_varying() {
                let separated = !item.alternatives
                    && item.inner.iter().any(|i| {
                        i.min >= 1 && !i.varies() && !i.is_group && !i.chars.overlaps(varying)
                    });
                if !separated {
                    return Some(item.text.clone());
                }
            }
        }
        if let Some(found) = find_catastrophic(&item.inner) {
            return Some(found);
        }
    }
    None
}

const DOCS: &str = r#"## What it does
Flags two ways request data meets regular expressions in JavaScript and TypeScript:

- `new RegExp(x)` / `RegExp(x)` where `x` holds request data that was not escaped
  (`_.escapeRegExp`, `escape-string-regexp`, or any `escape…` helper);
- a constant regex with catastrophic backtracking — a group that repeats (`+`, `*`, `{n,}`,
  `{n}` with n > 1) around something that itself repeats, with no required character to
  separate the repetitions, like `(a+)+`, `(\w+\s?)*$` or `(.*a){10}` — run on request data
  with `.test`, `.exec`, `.match`, `.matchAll`, `.replace`, `.replaceAll`, `.search` or
  `.split`.

Regexes like `([a-z0-9]+\.)+com`, where each repetition must end with a character the inner
part cannot match, are not reported.

## Why is this bad?
Node runs regexes on the event loop. A pattern with nested quantifiers tries exponentially many
ways to split a string that almost matches (`"aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"`), so one request
freezes the whole server (ReDoS). A pattern taken from the client is worse: the client chooses
the catastrophic pattern, and `.*` or `|` in a search filter widens what it matches.

## Example
```javascript
app.get("/search", (req, res) => {
  const re = new RegExp(req.query.q, "i");
  res.json(products.filter((p) => re.test(p.name)));
});

const SLUG = /^([a-z0-9]+-?)*$/;
app.post("/pages", (req, res) => {
  if (!SLUG.test(req.body.slug)) return res.sendStatus(400);
});
```

## Use instead
```javascript
const escapeRegExp = require("lodash/escapeRegExp");

app.get("/search", (req, res) => {
  const re = new RegExp(escapeRegExp(String(req.query.q)), "i");
  res.json(products.filter((p) => re.test(p.name)));
});

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
```

## References
- [CWE-1333: Inefficient Regular Expression Complexity](https://cwe.mitre.org/data/definitions/1333.html)
- [CWE-400: Uncontrolled Resource Consumption](https://cwe.mitre.org/data/definitions/400.html)
- [OWASP A03:2021 Injection](https://owasp.org/Top10/A03_2021-Injection/)
- [OWASP: Regular expression Denial of Service (ReDoS)](https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS)
- [MDN: `RegExp`](https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/RegExp)
- [lodash `escapeRegExp`](https://lodash.com/docs/#escapeRegExp)
"#;

#[cfg(test)]
mod tests {
    use super::catastrophic;

    #[test]
    fn nested_quantifiers_are_catastrophic() {
        assert_eq!(catastrophic("(a+)+").as_deref(), Some("(a+)+"));
        assert_eq!(catastrophic(r"^(\w+\s?)*$").as_deref(), Some(r"(\w+\s?)*"));
        assert_eq!(catastrophic("(.*a){12}").as_deref(), Some("(.*a){12}"));
        assert_eq!(catastrophic(r"^(\d+|x)+$").as_deref(), Some(r"(\d+|x)+"));
        assert!(catastrophic(r"^(([a-z])+.)+[A-Z]([a-z])+$").is_some());
        assert!(catastrophic(r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@)").is_some());
    }

    #[test]
    fn separated_or_simple_patterns_are_not() {
        for p in [
            r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
            r"^([a-z0-9]+\.)+[a-z]{2,}$",
            r"^(\d+,)*\d+$",
            r"^\d{3}-\d{4}$",
            r"(\d+)?",
            r"^([a-f0-9]{2}:){5}[a-f0-9]{2}$",
            r"[(a+)+]",
            r"\(a+\)+",
            r"^(?=.*\d)(?=.*[a-z]).{8,}$",
            r"(abc)+",
        ] {
            assert_eq!(catastrophic(p), None, "{p}");
        }
    }

    #[test]
    fn malformed_patterns_do_not_panic() {
        for p in [
            "",
            "(",
            ")",
            "[",
            "\\",
            "a{2",
            "{",
            "(?",
            "(?<",
            "(?<n",
            "[a-",
            "[\\",
            "[]",
            "[^]",
            "a{2,",
            "a{,3}",
            "(a+){99999999999}",
            "é+(ü+)+",
            "((((",
            "[z-a]+",
            "(?<=a+)+",
        ] {
            let _ = catastrophic(p);
        }
    }
}
