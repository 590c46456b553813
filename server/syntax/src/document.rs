//! A text document: the rope (line index for positions), the text as one string (what
//! tree-sitter and the rules read), and the syntax tree, kept in step edit by edit.

use ropey::Rope;
use tree_sitter::{InputEdit, Tree};

use super::position::{offset_at, point_at, LineCol, PositionEncoding};
use super::{parse, Language};

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
            self.stale_tree = false;
        }
        self.tree.as_ref()
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
