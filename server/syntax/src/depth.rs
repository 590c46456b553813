//! The depth bound every recursive walk over a syntax tree (or a chain of bindings) keeps.
//!
//! Trees can be as deep as their input is nested: 7,000 nested parentheses make a tree 7,000
//! levels deep, and a recursion per level overflows a thread's stack, which aborts the process
//! (no `catch_unwind` can catch it). So every recursive function enters a level with
//! [`enter`] and gives up (returns its "don't know" answer) when the thread is already
//! [`MAX_DEPTH`] levels deep, and the threads that analyse run on stacks of [`STACK_SIZE`],
//! sized for the bound. A walk that gave up marks the thread's analysis partial; the engine
//! reads and resets the mark around each file ([`take_partial`]).

use std::cell::Cell;

/// Nested levels of recursion (over all recursive functions on one thread) before walks give
/// up. Real code stays far below it (a deep handler is 50–100 levels); minified or generated
/// files and hostile inputs do not.
pub const MAX_DEPTH: u32 = 1_500;

/// Stack size for threads that parse and analyse (the CLI's workers, the server's runtime):
/// room for [`MAX_DEPTH`] levels of the largest recursive frames of an unoptimised build,
/// with a wide margin. It is address space: only the pages a deep walk touches get memory.
pub const STACK_SIZE: usize = 64 << 20;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static PARTIAL: Cell<bool> = const { Cell::new(false) };
}

/// One level of a recursive walk; the level ends when it is dropped.
#[must_use = "the level ends when the guard is dropped"]
pub struct Level(());

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Enters one more level of recursion, or `None` (and the analysis is marked partial) when the
/// thread is already [`MAX_DEPTH`] levels deep.
#[inline]
pub fn enter() -> Option<Level> {
    DEPTH.with(|d| {
        let depth = d.get();
        if depth >= MAX_DEPTH {
            PARTIAL.with(|p| p.set(true));
            None
        } else {
            d.set(depth + 1);
            Some(Level(()))
        }
    })
}

/// Marks the thread's analysis partial: for walks that are not recursive but stop at the
/// bound all the same (the pattern matcher's cursor walk).
pub fn mark_partial() {
    PARTIAL.with(|p| p.set(true));
}

/// Whether a walk on this thread gave up since the last call, and resets the mark.
pub fn take_partial() -> bool {
    PARTIAL.with(|p| p.replace(false))
}

/// Runs `f` and says whether a walk in it gave up. A mark made before `f` stays.
pub fn tracked<R>(f: impl FnOnce() -> R) -> (R, bool) {
    let outer = take_partial();
    let result = f();
    let partial = take_partial();
    PARTIAL.with(|p| p.set(outer || partial));
    (result, partial)
}

/// How many levels deep the current thread is (for tests).
pub fn current() -> u32 {
    DEPTH.with(Cell::get)
}

/// The depth of the deepest node under `node` (`node` itself is depth 0), without recursion.
pub fn tree_depth(node: tree_sitter::Node) -> usize {
    deepest(node).0
}

/// The deepest node under `node` (the first, in document order) and its depth, without
/// recursion.
pub fn deepest(node: tree_sitter::Node) -> (usize, tree_sitter::Node) {
    let mut cursor = node.walk();
    let (mut depth, mut max, mut at) = (0usize, 0usize, node);
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            if depth > max {
                max = depth;
                at = cursor.node();
            }
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return (max, at);
            }
            depth -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nest(n: u32) -> u32 {
        let Some(_level) = enter() else {
            return n;
        };
        nest(n + 1)
    }

    #[test]
    fn recursion_stops_at_the_bound_and_marks_the_analysis_partial() {
        take_partial();
        assert_eq!(nest(0), MAX_DEPTH);
        assert_eq!(current(), 0, "every level is left again");
        assert!(take_partial());
        assert!(!take_partial(), "the mark is reset once read");
        // A walk within the bound is not partial.
        fn shallow(n: u32) {
            if let Some(_level) = enter() {
                if n > 0 {
                    shallow(n - 1)
                }
            }
        }
        shallow(100);
        assert!(!take_partial());
    }

    #[test]
    fn tree_depth_counts_levels_without_recursing() {
        let source = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
        let tree = crate::parse::parse(crate::Language::Python, &source, None).unwrap();
        // module → expression_statement → assignment → 50,000 parenthesized → integer.
        assert!(tree_depth(tree.root_node()) >= 50_000);
        let flat = crate::parse::parse(crate::Language::Python, "x = 1\n", None).unwrap();
        assert_eq!(tree_depth(flat.root_node()), 3);
    }
}
