//! The languages we analyse, recognised by LSP `languageId` or by file extension.

use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
}

/// Rules and queries are written per family: TypeScript and TSX get every JavaScript rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Python,
    JavaScript,
}

impl Language {
    pub const ALL: [Language; 4] = [
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
    ];

    pub fn from_language_id(id: &str) -> Option<Self> {
        match id {
            "python" => Some(Self::Python),
            "javascript" | "javascriptreact" | "js" | "jsx" => Some(Self::JavaScript),
            "typescript" | "ts" => Some(Self::TypeScript),
            "typescriptreact" | "tsx" => Some(Self::Tsx),
            _ => None,
        }
    }

    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "py" | "pyi" => Some(Self::Python),
            "js" | "mjs" | "cjs" | "jsx" => Some(Self::JavaScript),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "tsx" => Some(Self::Tsx),
            _ => None,
        }
    }

    pub fn family(self) -> Family {
        match self {
            Self::Python => Family::Python,
            _ => Family::JavaScript,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::JavaScript => "javascript",
            Self::TypeScript => "typescript",
            Self::Tsx => "tsx",
        }
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::Python => tree_sitter_python::LANGUAGE.into(),
            Self::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }

    /// The prefix of a line comment, used when we insert suppression comments.
    pub fn line_comment(self) -> &'static str {
        match self.family() {
            Family::Python => "#",
            Family::JavaScript => "//",
        }
    }
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::JavaScript => "javascript",
        }
    }
}
