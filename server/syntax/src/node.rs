//! Node kind and field access by table.
//!
//! `Node::kind` measures the grammar's C string and validates it as UTF-8 on every call (about
//! 200 instructions), and `Node::child_by_field_name` compares the name with every field name of
//! the grammar. Rules and the application model ask both millions of times per scan, so they go
//! through tables built once per grammar instead. `clippy.toml` disallows the slow methods.

use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::Node;

use super::Language;

/// One grammar's names: kind by symbol id, field id by name.
struct Names {
    /// The grammar's address, which names it for good (a grammar built into the binary is
    /// static).
    address: usize,
    grammar: &'static tree_sitter::Language,
    kinds: Box<[&'static str]>,
    fields: HashMap<&'static str, u16, rustc_hash::FxBuildHasher>,
}

/// The grammars, kept for the life of the program: the names a `Language` hands out borrow it.
fn grammars() -> &'static [tree_sitter::Language] {
    static GRAMMARS: OnceLock<Vec<tree_sitter::Language>> = OnceLock::new();
    GRAMMARS.get_or_init(|| Language::ALL.iter().map(|l| l.grammar()).collect())
}

fn tables() -> &'static [Names] {
    static TABLES: OnceLock<Vec<Names>> = OnceLock::new();
    TABLES.get_or_init(|| {
        grammars()
            .iter()
            .map(|grammar| {
                let kinds = (0..grammar.node_kind_count())
                    .map(|id| grammar.node_kind_for_id(id as u16).unwrap_or(""))
                    .collect();
                let fields = (1..=grammar.field_count() as u16)
                    .filter_map(|id| Some((grammar.field_name_for_id(id)?, id)))
                    .collect();
                Names {
                    // Copying a static grammar returns the same pointer and owns nothing.
                    address: grammar.clone().into_raw() as usize,
                    grammar,
                    kinds,
                    fields,
                }
            })
            .collect()
    })
}

fn names_of(node: &Node) -> Option<&'static Names> {
    // SAFETY: `into_raw` copies the node's plain C struct; `ts_node_language` only reads the
    // tree pointer it holds, which the node's lifetime keeps alive.
    let grammar = unsafe { tree_sitter::ffi::ts_node_language(node.into_raw()) } as usize;
    tables().iter().find(|t| t.address == grammar)
}

pub trait NodeExt<'t> {
    /// The node's kind, as `Node::kind` gives it.
    fn kind_str(&self) -> &'static str;
    /// The child in field `name`, as `Node::child_by_field_name` gives it.
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> NodeExt<'t> for Node<'t> {
    #[inline]
    fn kind_str(&self) -> &'static str {
        // Every tree is parsed with one of `Language::ALL`'s grammars. Ids outside the table
        // (`ERROR` is `u16::MAX`) are asked of the grammar, which names them as `Node::kind` does.
        let Some(names) = names_of(self) else {
            return "";
        };
        let id = self.kind_id();
        match names.kinds.get(id as usize) {
            Some(kind) if !kind.is_empty() => kind,
            _ => names.grammar.node_kind_for_id(id).unwrap_or(""),
        }
    }

    #[inline]
    fn field(&self, name: &str) -> Option<Node<'t>> {
        match names_of(self) {
            Some(t) => self.child_by_field_id(*t.fields.get(name)?),
            #[allow(clippy::disallowed_methods)]
            None => self.child_by_field_name(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node of a file in each language: the tables agree with tree-sitter's own lookups.
    #[test]
    #[allow(clippy::disallowed_methods)]
    fn tables_agree_with_tree_sitter() {
        let samples = [
            (
                Language::Python,
                "import os\n@app.get('/x')\nasync def f(a: int = 1, *b, **c):\n    return [x for x in a if x] or f'{a!r}'\nclass C(B): pass\n",
            ),
            (
                Language::JavaScript,
                "const { a, ...b } = require('x');\napp.get('/x', async (req, res) => { res.send(`${req.query.q}`); });\nclass C extends D { #p = 1; get x() { return this.#p } }\n",
            ),
            (
                Language::TypeScript,
                "interface I { a: string }\nexport async function f<T>(x: T): Promise<T> { return x as T; }\nenum E { A = 1 }\n",
            ),
            (
                Language::Tsx,
                "const C = (p: { a: number }) => <div onClick={() => p.a}>{p.a}</div>;\n",
            ),
            (Language::Python, "def f(:\n  )) return\n"),
        ];
        for (language, source) in samples {
            let tree = crate::parse::parse(language, source, None).unwrap();
            let grammar = language.grammar();
            let mut stack = vec![tree.root_node()];
            let mut seen = 0;
            while let Some(node) = stack.pop() {
                seen += 1;
                assert_eq!(node.kind_str(), node.kind(), "{language:?} {node:?}");
                for id in 1..=grammar.field_count() as u16 {
                    let name = grammar.field_name_for_id(id).unwrap();
                    assert_eq!(node.field(name), node.child_by_field_name(name), "{name}");
                }
                assert_eq!(node.field("no_such_field"), None);
                let mut cursor = node.walk();
                stack.extend(node.children(&mut cursor));
            }
            assert!(seen > 10);
        }
    }
}
