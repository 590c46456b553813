//! The package ecosystems dependency checks know (PyPI, npm), shared by manifests and lock files.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    PyPI,
    Npm,
}

impl Ecosystem {
    /// The name OSV uses.
    pub fn osv_name(self) -> &'static str {
        match self {
            Self::PyPI => "PyPI",
            Self::Npm => "npm",
        }
    }

    /// PyPI names compare case-insensitively with `-`, `_` and `.` equal (PEP 503).
    pub fn normalise(self, name: &str) -> String {
        match self {
            Self::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut sep = false;
                for c in name.trim().chars() {
                    if matches!(c, '-' | '_' | '.') {
                        sep = true;
                    } else {
                        if sep && !out.is_empty() {
                            out.push('-');
                        }
                        sep = false;
                        out.push(c.to_ascii_lowercase());
                    }
                }
                out
            }
            Self::Npm => name.trim().to_owned(),
        }
    }
}
