//! Tree patterns: the part of tree-sitter's query language our `queries/` files use, matched
//! by one cursor walk and a dispatch on each node's kind.
//!
//! tree-sitter's query cursor computes a node's field and sibling status for every node it
//! visits; over a whole file that cost more than twice a plain cursor walk and was a fifth of a
//! cold `check`. Our patterns are simple (a node kind, fields, children, alternatives, captures,
//! the first-child anchor, `#eq?`/`#any-of?`), so they are matched here instead: a pattern is
//! tried only on nodes of its root kind. The `.scm` files stay tree-sitter queries (a test
//! compiles them with tree-sitter and checks both give the same matches on every fixture).

use tree_sitter::{Node, QueryCapture, TreeCursor};

use super::Language;

/// One compiled pattern file set: patterns in source order, dispatched by root kind.
pub struct Patterns {
    patterns: Vec<Pattern>,
    /// Node kind id → indices of the patterns rooted at that kind.
    by_kind: Vec<Vec<u32>>,
    /// Capture names by capture index.
    names: Vec<&'static str>,
    language: Language,
    /// Whether the walk may skip the inside of plain string literals: no pattern is rooted at
    /// the kinds found there (string parts, escapes).
    skip_plain_strings: bool,
}

struct Pattern {
    root: NodePattern,
    predicates: Vec<Predicate>,
}

/// A node pattern with its alternatives (`[(a) (b)]`) and capture.
struct NodePattern {
    alternatives: Vec<Shape>,
    capture: Option<u32>,
    /// Whether this pattern or one below it captures: a child pattern that does not is a test
    /// (matched once, like tree-sitter does), not a source of one match per matching child.
    captures: bool,
}

struct Shape {
    kind: Kind,
    /// `field: pattern`.
    fields: Vec<(std::num::NonZeroU16, NodePattern)>,
    /// Children without a field; `true` when anchored as the first named child (`. (x)`).
    children: Vec<(bool, NodePattern)>,
}

enum Kind {
    /// `(_)`: any named node.
    AnyNamed,
    /// `(kind)`: these symbol ids (one name can have several).
    Named(Vec<u16>),
    /// `"+="`: an anonymous node with this text as its kind.
    Anonymous(&'static str),
}

enum Predicate {
    Eq(u32, &'static str),
    AnyOf(u32, Vec<&'static str>),
}

/// A pattern that does not parse, or names a kind or field the grammar lacks.
#[derive(Debug)]
pub struct PatternError {
    /// Which of the sources.
    pub file: usize,
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl Patterns {
    /// Compiles `sources` (query files) for `language`; returns for each source the indices of
    /// its patterns.
    pub fn new(
        language: Language,
        sources: &[&'static str],
    ) -> Result<(Self, Vec<std::ops::Range<usize>>), PatternError> {
        let grammar = language.grammar();
        let mut out = Patterns {
            patterns: Vec::new(),
            by_kind: vec![Vec::new(); grammar.node_kind_count()],
            names: Vec::new(),
            language,
            skip_plain_strings: true,
        };
        let mut ranges = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let start = out.patterns.len();
            let mut parser = Parser {
                src: source,
                pos: 0,
                grammar: &grammar,
                names: &mut out.names,
            };
            let patterns = parser.file().map_err(|e| PatternError { file: i, ..e })?;
            for pattern in patterns {
                let index = out.patterns.len() as u32;
                for shape in &pattern.root.alternatives {
                    let Kind::Named(ids) = &shape.kind else {
                        return Err(PatternError {
                            file: i,
                            offset: 0,
                            message: "a pattern must start with a named node kind".into(),
                        });
                    };
                    for id in ids {
                        out.by_kind[*id as usize].push(index);
                        let kind = grammar.node_kind_for_id(*id).unwrap_or("");
                        if kind.starts_with("string_") || kind.starts_with("escape_") {
                            out.skip_plain_strings = false;
                        }
                    }
                }
                out.patterns.push(pattern);
            }
            ranges.push(start..out.patterns.len());
        }
        Ok((out, ranges))
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn capture_names(&self) -> &[&'static str] {
        &self.names
    }

    /// Every match in `root`'s subtree (nodes overlapping `root` only), in document order of
    /// their root nodes: `(pattern index, captures)`.
    pub fn for_each_match<'t>(
        &self,
        root: Node<'t>,
        source: &str,
        found: &mut dyn FnMut(usize, &[QueryCapture<'t>]),
    ) {
        let mut cursor = root.walk();
        let mut captures = Vec::new();
        // How deep below `root` the cursor is. Matches stop at the depth bound, like every
        // other walk: a rule's check asks questions that cost a node's depth (its ancestors,
        // its call chain), so matching at every level of a tree 20,000 levels deep cost the
        // square of its depth. (`TreeCursor::depth` counts the cursor's stack: a quadratic walk.)
        let mut depth = 0u32;
        loop {
            let node = cursor.node();
            if let Some(patterns) = self.by_kind.get(node.kind_id() as usize) {
                for &index in patterns {
                    let pattern = &self.patterns[index as usize];
                    captures.clear();
                    pattern.root.each(node, &mut captures, &mut |caps| {
                        if pattern.predicates.iter().all(|p| p.holds(caps, source)) {
                            found(index as usize, caps);
                        }
                    });
                }
            }
            let mut descend = !(self.skip_plain_strings && self.plain_string(node, source));
            if descend && depth >= super::depth::MAX_DEPTH && node.child_count() > 0 {
                super::depth::mark_partial();
                descend = false;
            }
            if !next(&mut cursor, descend, &mut depth) {
                return;
            }
        }
    }

    /// A string literal without interpolation: its children (quotes, content, escapes) cannot
    /// hold a pattern's root, and docstrings make up a good part of a Python tree.
    fn plain_string(&self, node: Node, source: &str) -> bool {
        if super::NodeExt::kind_str(&node) != "string" {
            return false;
        }
        match self.language.family() {
            // f-strings (and t-strings) hold `interpolation`s; the prefix is before the quote.
            super::Family::Python => !source.as_bytes()[node.start_byte()..]
                .iter()
                .take_while(|b| !matches!(b, b'"' | b'\''))
                .any(|b| matches!(b, b'f' | b'F' | b't' | b'T')),
            // Template literals are `template_string`; a JS `string` never interpolates.
            super::Family::JavaScript => true,
        }
    }
}

/// Pre-order step within the cursor's starting subtree (into the current node's children only
/// when `descend`), keeping `depth` (the cursor's depth below its starting node).
fn next(cursor: &mut TreeCursor, descend: bool, depth: &mut u32) -> bool {
    if descend && cursor.goto_first_child() {
        *depth += 1;
        return true;
    }
    loop {
        if cursor.goto_next_sibling() {
            return true;
        }
        if !cursor.goto_parent() {
            return false;
        }
        *depth = depth.saturating_sub(1);
    }
}

type Emit<'a, 't> = dyn FnMut(&mut Vec<QueryCapture<'t>>) + 'a;

impl NodePattern {
    fn matches(&self, node: Node) -> bool {
        let mut hit = false;
        self.each(node, &mut Vec::new(), &mut |_| hit = true);
        hit
    }

    /// Calls `emit` once per way `node` matches, with the captures so far extended by this
    /// match's (restored afterwards).
    fn each<'t>(&self, node: Node<'t>, caps: &mut Vec<QueryCapture<'t>>, emit: &mut Emit<'_, 't>) {
        for shape in &self.alternatives {
            if !shape.kind.admits(node) {
                continue;
            }
            let before = caps.len();
            if let Some(index) = self.capture {
                caps.push(QueryCapture { node, index });
            }
            shape.parts(node, 0, caps, emit);
            caps.truncate(before);
        }
    }
}

impl Shape {
    /// Matches the fields, then the children, from part `i` on.
    fn parts<'t>(
        &self,
        node: Node<'t>,
        i: usize,
        caps: &mut Vec<QueryCapture<'t>>,
        emit: &mut Emit<'_, 't>,
    ) {
        if i == self.fields.len() + self.children.len() {
            emit(caps);
            return;
        }
        // A field matches its first child: the fields our patterns name hold one node (the
        // equivalence test with tree-sitter's engine covers every query file).
        if let Some((field, pattern)) = self.fields.get(i) {
            let Some(child) = node.child_by_field_id(field.get()) else {
                return;
            };
            if !pattern.captures {
                if pattern.matches(child) {
                    self.parts(node, i + 1, caps, emit);
                }
                return;
            }
            pattern.each(child, caps, &mut |caps| self.parts(node, i + 1, caps, emit));
            return;
        }
        let (anchored, pattern) = &self.children[i - self.fields.len()];
        let count = match node.named_child_count() {
            n if *anchored => n.min(1),
            n => n,
        };
        // `named_child_count` is a `u32` widened to `usize`.
        for k in 0..count as u32 {
            let Some(child) = node.named_child(k) else {
                continue;
            };
            if !pattern.captures {
                if pattern.matches(child) {
                    self.parts(node, i + 1, caps, emit);
                    return;
                }
                continue;
            }
            pattern.each(child, caps, &mut |caps| self.parts(node, i + 1, caps, emit));
        }
    }
}

impl Kind {
    fn admits(&self, node: Node) -> bool {
        match self {
            Kind::AnyNamed => node.is_named() && !node.is_error(),
            Kind::Named(ids) => node.is_named() && ids.contains(&node.kind_id()),
            Kind::Anonymous(text) => !node.is_named() && super::NodeExt::kind_str(&node) == *text,
        }
    }
}

impl Predicate {
    fn holds(&self, caps: &[QueryCapture], source: &str) -> bool {
        let text_of = |index: u32| {
            caps.iter()
                .find(|c| c.index == index)
                .map(|c| &source[c.node.byte_range()])
        };
        match self {
            Predicate::Eq(index, value) => text_of(*index).is_none_or(|t| t == *value),
            Predicate::AnyOf(index, values) => text_of(*index).is_none_or(|t| values.contains(&t)),
        }
    }
}

struct Parser<'a> {
    src: &'static str,
    pos: usize,
    grammar: &'a tree_sitter::Language,
    names: &'a mut Vec<&'static str>,
}

impl Parser<'_> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            file: 0,
            offset: self.pos,
            message: message.into(),
        })
    }

    /// Skips blanks and `;` comments; the next byte, if any.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b';' => {
                    while self.pos < bytes.len() && bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b => return Some(b),
            }
        }
        None
    }

    fn expect(&mut self, byte: u8) -> Result<(), PatternError> {
        if self.peek() != Some(byte) {
            return self.error(format!("expected `{}`", byte as char));
        }
        self.pos += 1;
        Ok(())
    }

    /// A name: kinds, fields, captures, predicates.
    fn word(&mut self) -> Result<&'static str, PatternError> {
        self.peek();
        let start = self.pos;
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len()
            && (bytes[self.pos].is_ascii_alphanumeric()
                || matches!(bytes[self.pos], b'_' | b'-' | b'.' | b'?' | b'!'))
        {
            self.pos += 1;
        }
        if start == self.pos {
            return self.error("expected a name");
        }
        Ok(&self.src[start..self.pos])
    }

    fn string(&mut self) -> Result<&'static str, PatternError> {
        self.expect(b'"')?;
        let start = self.pos;
        let Some(len) = self.src[start..].find('"') else {
            return self.error("unterminated string");
        };
        if self.src[start..start + len].contains('\\') {
            return self.error("escapes in strings are not supported");
        }
        self.pos = start + len + 1;
        Ok(&self.src[start..start + len])
    }

    fn capture_index(&mut self, name: &'static str) -> u32 {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => i as u32,
            None => {
                self.names.push(name);
                (self.names.len() - 1) as u32
            }
        }
    }

    fn file(&mut self) -> Result<Vec<Pattern>, PatternError> {
        let mut out = Vec::new();
        while self.peek().is_some() {
            let mut predicates = Vec::new();
            // `((pattern) (#pred …))` groups a pattern with its predicates.
            let root = if self.src[self.pos..].starts_with("((") {
                self.pos += 1;
                let root = self.pattern(&mut predicates)?;
                while self.peek() == Some(b'(') {
                    self.predicate(&mut predicates)?;
                }
                self.expect(b')')?;
                root
            } else {
                self.pattern(&mut predicates)?
            };
            out.push(Pattern { root, predicates });
        }
        Ok(out)
    }

    fn pattern(&mut self, predicates: &mut Vec<Predicate>) -> Result<NodePattern, PatternError> {
        let alternatives = match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                let mut shapes = Vec::new();
                while self.peek() != Some(b']') {
                    let inner = self.pattern(predicates)?;
                    if inner.capture.is_some() {
                        return self.error("captures inside alternatives are not supported");
                    }
                    shapes.extend(inner.alternatives);
                }
                self.pos += 1;
                shapes
            }
            Some(b'"') => vec![Shape {
                kind: Kind::Anonymous(self.string()?),
                fields: Vec::new(),
                children: Vec::new(),
            }],
            Some(b'(') => vec![self.shape(predicates)?],
            _ => return self.error("expected a pattern"),
        };
        let capture = if self.peek() == Some(b'@') {
            self.pos += 1;
            let name = self.word()?;
            Some(self.capture_index(name))
        } else {
            None
        };
        let captures = capture.is_some()
            || alternatives.iter().any(|a| {
                a.fields.iter().any(|(_, p)| p.captures)
                    || a.children.iter().any(|(_, p)| p.captures)
            });
        Ok(NodePattern {
            alternatives,
            capture,
            captures,
        })
    }

    fn shape(&mut self, predicates: &mut Vec<Predicate>) -> Result<Shape, PatternError> {
        self.expect(b'(')?;
        let name = self.word()?;
        let kind = if name == "_" {
            Kind::AnyNamed
        } else {
            let ids: Vec<u16> = (0..self.grammar.node_kind_count() as u16)
                .filter(|id| {
                    self.grammar.node_kind_is_named(*id)
                        && self.grammar.node_kind_for_id(*id) == Some(name)
                })
                .collect();
            if ids.is_empty() {
                return self.error(format!("no node kind `{name}`"));
            }
            Kind::Named(ids)
        };
        let mut shape = Shape {
            kind,
            fields: Vec::new(),
            children: Vec::new(),
        };
        let mut anchored = false;
        loop {
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    return Ok(shape);
                }
                Some(b'.') => {
                    self.pos += 1;
                    anchored = true;
                }
                Some(b'(') if self.src[self.pos + 1..].starts_with('#') => {
                    self.predicate(predicates)?;
                }
                Some(b'(' | b'[' | b'"') => {
                    let child = self.pattern(predicates)?;
                    shape.children.push((std::mem::take(&mut anchored), child));
                }
                Some(_) => {
                    let field = self.word()?;
                    self.expect(b':')?;
                    let Some(id) = self.grammar.field_id_for_name(field) else {
                        return self.error(format!("no field `{field}`"));
                    };
                    if anchored {
                        return self.error("an anchor before a field is not supported");
                    }
                    let child = self.pattern(predicates)?;
                    shape.fields.push((id, child));
                }
                None => return self.error("unclosed `(`"),
            }
        }
    }

    fn predicate(&mut self, out: &mut Vec<Predicate>) -> Result<(), PatternError> {
        self.expect(b'(')?;
        self.expect(b'#')?;
        let name = self.word()?;
        self.expect(b'@')?;
        let capture = self.word()?;
        let index = self.capture_index(capture);
        let mut values = Vec::new();
        while self.peek() == Some(b'"') {
            values.push(self.string()?);
        }
        self.expect(b')')?;
        out.push(match (name, values.as_slice()) {
            ("eq?", [value]) => Predicate::Eq(index, value),
            ("any-of?", [_, ..]) => Predicate::AnyOf(index, values),
            _ => return self.error(format!("unsupported predicate `#{name}`")),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(source: &'static str) -> String {
        match Patterns::new(Language::Python, &["(call) @c", source]) {
            Err(e) => {
                assert_eq!(e.file, 1);
                e.message
            }
            Ok(_) => panic!("{source} compiled"),
        }
    }

    /// Matches stop at the depth bound below the walk's root, and the analysis is marked
    /// partial; within the bound every match is found and nothing is marked.
    #[test]
    fn matches_stop_at_the_depth_bound() {
        let (patterns, _) = Patterns::new(Language::Python, &["(identifier) @x"]).unwrap();
        for (levels, found_deepest) in [(100, true), (3_000, false)] {
            let source = format!("{}deepest{}\n", "(".repeat(levels), ")".repeat(levels));
            let tree = crate::parse::parse(Language::Python, &source, None).unwrap();
            let mut names = Vec::new();
            let ((), partial) = crate::depth::tracked(|| {
                patterns.for_each_match(tree.root_node(), &source, &mut |_, caps| {
                    names.push(
                        caps[0]
                            .node
                            .utf8_text(source.as_bytes())
                            .unwrap()
                            .to_owned(),
                    );
                })
            });
            assert_eq!(names == ["deepest"], found_deepest, "{levels}");
            assert_eq!(partial, !found_deepest, "{levels}");
        }
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        assert_eq!(error("(no_such_kind) @x"), "no node kind `no_such_kind`");
        assert_eq!(error("(call nope: (identifier))"), "no field `nope`");
        assert_eq!(error("(call"), "unclosed `(`");
        assert!(error("((identifier) @x (#match? @x \"a\"))").contains("#match?"));
        assert!(error("(_) @x").contains("named node kind"));
    }

    #[test]
    fn matches_with_captures_alternatives_anchors_and_predicates() {
        let (patterns, ranges) = Patterns::new(
            Language::Python,
            &[
                "(call function: [(identifier) (attribute)] @f arguments: (argument_list . (_) @first)) @call",
                "((identifier) @name (#any-of? @name \"eval\" \"exec\"))\n; a comment\n(decorated_definition (decorator) @d definition: (_)) @def",
            ],
        )
        .unwrap();
        assert_eq!(ranges, [0..1, 1..3]);
        let source = "@a\n@b\ndef f():\n    eval(x, y)\n    obj.run(1)\n    exec()\n";
        let tree = crate::parse::parse(Language::Python, source, None).unwrap();
        let mut found = Vec::new();
        patterns.for_each_match(tree.root_node(), source, &mut |index, caps| {
            let names = patterns.capture_names();
            let mut caps: Vec<String> = caps
                .iter()
                .map(|c| {
                    format!(
                        "{}={}",
                        names[c.index as usize],
                        &source[c.node.byte_range()]
                    )
                })
                .collect();
            caps.sort();
            found.push(format!("{index}: {}", caps.join(" ")));
        });
        let at = |s: &str| found.iter().filter(|f| f.starts_with(s)).count();
        // Two decorators: one match each. `exec()` has no first argument.
        assert_eq!(at("2: d=@a"), 1, "{found:#?}");
        assert_eq!(at("2: d=@b"), 1, "{found:#?}");
        assert!(found.contains(&"1: name=eval".to_owned()), "{found:#?}");
        assert!(found.contains(&"1: name=exec".to_owned()), "{found:#?}");
        assert!(found
            .iter()
            .any(|f| f.starts_with("0: ") && f.contains("f=eval") && f.contains("first=x")));
        assert!(found
            .iter()
            .any(|f| f.contains("f=obj.run") && f.contains("first=1")));
        assert_eq!(
            found.iter().filter(|f| f.starts_with("0: ")).count(),
            2,
            "{found:#?}"
        );
    }
}
