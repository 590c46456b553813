//! A text document: the rope (line index for positions), the text as one string (what
//! tree-sitter and the rules read), and the syntax tree, kept in step edit by edit.

use ropey::Rope;
use tree_sitter::{InputEdit, Tree};

use super::position::{offset_at, point_at, LineCol, PositionEncoding};
use super::{parse, Language, NodeExt};

/// Files larger than this are kept (so edits still apply) but not analysed.
pub const MAX_ANALYSED_BYTES: usize = 2 * 1024 * 1024;

pub struct Document {
    /// `None`: text only (a dependency manifest), never parsed.
    language: Option<Language>,
    version: i32,
    rope: Rope,
    text: String,
    tree: Option<Tree>,
    /// The tree has been `edit`ed but not yet reparsed.
    stale_tree: bool,
    /// The bytes edits changed since the tree was last parsed (in the current text).
    dirty: Option<std::ops::Range<usize>>,
    /// The last full parse had no syntax error.
    parsed_clean: bool,
    /// Edits since `take_edits` as (start, old end, new end); `None` once too many to keep.
    edits: Option<Vec<(usize, usize, usize)>>,
}

/// Edits kept for `take_edits` before the log gives up (the caller then recomputes).
const MAX_LOGGED_EDITS: usize = 4096;

/// The largest item `edited_item` parses alone (a 2,000-line class takes longer to parse afresh
/// than the file takes to reparse incrementally).
const MAX_ITEM_BYTES: usize = 16 * 1024;

/// Top-level item kinds whose text is not part of the module's skeleton (only their name is)
/// and after which the next item starts afresh, so an edit inside one can be parsed alone.
const SELF_CONTAINED: &[&str] = &[
    "function_definition",
    "class_definition",
    "decorated_definition",
    "function_declaration",
    "generator_function_declaration",
    "class_declaration",
];

/// An edit that stayed inside one top-level item, with that item parsed alone
/// (`Document::edited_item`).
pub struct EditedItem {
    /// The last full tree, `edit`ed to the current text: every item but the edited one is
    /// current (offsets moved by the edits).
    pub old: Tree,
    /// The edited item parsed alone; its one top-level node spans the item in the current text.
    pub item: Tree,
}

/// One change as the protocol sends it: a range in the negotiated encoding, or the whole text.
#[derive(Clone, Debug)]
pub struct TextChange {
    pub range: Option<(LineCol, LineCol)>,
    pub text: String,
}

impl Document {
    pub fn new(language: Language, version: i32, text: String) -> Self {
        Self::with_language(Some(language), version, text)
    }

    /// A document that is only text (no language, so no tree): edits apply the same way.
    pub fn plain(version: i32, text: String) -> Self {
        Self::with_language(None, version, text)
    }

    fn with_language(language: Option<Language>, version: i32, text: String) -> Self {
        Self {
            language,
            version,
            rope: Rope::from_str(&text),
            text,
            tree: None,
            stale_tree: true,
            dirty: None,
            parsed_clean: false,
            edits: Some(Vec::new()),
        }
    }

    /// The language it is parsed as; `None` for a plain-text document.
    pub fn language(&self) -> Option<Language> {
        self.language
    }

    pub fn version(&self) -> i32 {
        self.version
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    pub fn is_too_large(&self) -> bool {
        self.text.len() > MAX_ANALYSED_BYTES
    }

    /// Applies the changes of one `didChange`, in order, and sets the new version.
    ///
    /// Ranges are clamped into the document (see `position`); a range whose start is after its
    /// end is swapped, as editors normalise ranges. Every change is therefore applied whole.
    pub fn apply_changes(&mut self, version: i32, changes: &[TextChange], enc: PositionEncoding) {
        for change in changes {
            match change.range {
                None => self.replace_all(change.text.clone()),
                Some((start, end)) => {
                    let mut a = offset_at(&self.rope, start, enc);
                    let mut b = offset_at(&self.rope, end, enc);
                    if a > b {
                        std::mem::swap(&mut a, &mut b);
                    }
                    self.edit(a, b, &change.text);
                }
            }
        }
        self.version = version;
    }

    fn replace_all(&mut self, text: String) {
        self.rope = Rope::from_str(&text);
        self.text = text;
        self.tree = None;
        self.stale_tree = true;
        self.dirty = None;
        self.edits = None;
    }

    /// Replaces the bytes `start..end` (on char boundaries) with `new_text`.
    pub fn edit(&mut self, start: usize, end: usize, new_text: &str) {
        debug_assert!(self.text.is_char_boundary(start) && self.text.is_char_boundary(end));
        let start_position = point_at(&self.rope, start);
        let old_end_position = point_at(&self.rope, end);
        let start_char = self.rope.byte_to_char(start);
        let end_char = self.rope.byte_to_char(end);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, new_text);
        self.text.replace_range(start..end, new_text);
        let new_end = start + new_text.len();
        // Where the earlier dirty range lies now: before the edit it stays, after it moves,
        // inside it shrinks onto the new text.
        let moved = |p: usize| {
            if p <= start {
                p
            } else if p >= end {
                p - end + new_end
            } else {
                new_end
            }
        };
        self.dirty = Some(match self.dirty.take() {
            None => start..new_end,
            Some(d) => moved(d.start).min(start)..moved(d.end).max(new_end),
        });
        if let Some(log) = &mut self.edits {
            if log.len() < MAX_LOGGED_EDITS {
                log.push((start, end, new_end));
            } else {
                self.edits = None;
            }
        }
        if let Some(tree) = &mut self.tree {
            tree.edit(&InputEdit {
                start_byte: start,
                old_end_byte: end,
                new_end_byte: new_end,
                start_position,
                old_end_position,
                new_end_position: point_at(&self.rope, new_end),
            });
        }
        self.stale_tree = true;
    }

    /// The syntax tree for the current text, reparsing incrementally if edits are pending.
    pub fn tree(&mut self) -> Option<&Tree> {
        if self.stale_tree {
            self.tree = match self.language {
                Some(language) => parse::parse(language, &self.text, self.tree.as_ref()),
                None => None,
            };
            self.parsed_clean = self
                .tree
                .as_ref()
                .is_some_and(|t| !t.root_node().has_error());
            self.stale_tree = false;
            self.dirty = None;
        }
        self.tree.as_ref()
    }

    /// When every edit since the last parse lies inside one top-level function or class (after
    /// its first byte), that item parsed alone: the cost of the item, where tree-sitter's incremental
    /// reparse costs a step per later top-level item (`def` after a block is lexed again for
    /// each of them). `None` (reparse the file) unless the item alone parses without error into
    /// one node of the same kind and start, ending where the item's text ends (but for white
    /// space), which is then what the whole file's parse gives:
    /// the text before the item is unchanged and the item ends where the next one begins
    /// afresh. JavaScript expression statements never qualify (a following `(` would continue
    /// them); they are part of the skeleton anyway.
    pub fn edited_item(&self) -> Option<EditedItem> {
        let language = self.language?;
        let dirty = self.dirty.clone()?;
        if !self.stale_tree || !self.parsed_clean || self.is_too_large() {
            return None;
        }
        let old = self.tree.clone()?;
        let root = old.root_node();
        let item = root.first_named_child_for_byte(dirty.start)?;
        let range = item.byte_range();
        // Parsing the item afresh costs its size; reparsing the file costs a step per later
        // item (and little else): take the item when it is small beside what follows it.
        let small = range.len() <= MAX_ITEM_BYTES && range.len() * 4 <= self.text.len() - range.end;
        // tree-sitter's `edit` extends a node by text inserted at its end: typing at the end
        // of a function's last line edits that function.
        let inside = range.start < dirty.start && dirty.end <= range.end;
        let takes = inside
            && small
            && SELF_CONTAINED.contains(&item.kind_str())
            && self.text.is_char_boundary(range.end);
        if !takes {
            return None;
        }
        let included = tree_sitter::Range {
            start_byte: range.start,
            end_byte: range.end,
            start_point: item.start_position(),
            end_point: point_at(&self.rope, range.end),
        };
        let parsed = parse::parse_range(language, &self.text, included)?;
        let new_root = parsed.root_node();
        let only = (new_root.named_child_count() == 1)
            .then(|| new_root.named_child(0))
            .flatten()?;
        // The item alone ends at its last token, as in the whole file: white space typed
        // after it is outside both.
        let same = !new_root.has_error()
            && only.start_byte() == range.start
            && only.end_byte() <= range.end
            && self.text[only.end_byte()..range.end].trim().is_empty()
            && only.kind_id() == item.kind_id();
        same.then_some(EditedItem { old, item: parsed })
    }

    /// The edits applied since the last call, in order, as (start, old end, new end) byte
    /// offsets; `None` if they were too many to keep or the whole text was replaced.
    pub fn take_edits(&mut self) -> Option<Vec<(usize, usize, usize)>> {
        self.edits.replace(Vec::new())
    }

    /// The edits applied since the last `take_edits`, without taking them.
    pub fn edits(&self) -> Option<&[(usize, usize, usize)]> {
        self.edits.as_deref()
    }

    /// The tree as it stands, without reparsing (None if edits are pending).
    pub fn current_tree(&self) -> Option<&Tree> {
        if self.stale_tree {
            None
        } else {
            self.tree.as_ref()
        }
    }
}
