//! `check --fix` (safe fixes), `--unsafe-fixes` (all of them) and `--diff` (the patch, nothing
//! written): fix-all run to a fixed point, written atomically, keeping line endings, the UTF-8
//! byte order mark and the file's permissions.

use std::io::Write;
use std::path::Path;

use ba_rules::Finding;
use ba_syntax::Language;

/// Rounds of fix-all per file: a fix can make another one possible (a finding whose fix
/// overlapped an earlier one's), but fixes must not chase each other forever.
pub(super) const MAX_ITERATIONS: usize = 10;

pub(super) const BOM: &str = "\u{feff}";

#[derive(Clone, Copy)]
pub(super) struct FixMode {
    /// Write the fixed files (`--fix` without `--diff`).
    pub write: bool,
    pub diff: bool,
    pub unsafe_fixes: bool,
}

/// What `--fix`/`--diff` did to one file.
pub(super) struct Fixed {
    /// Codes of the findings fixed, over all rounds.
    pub codes: Vec<&'static str>,
    pub diff: Option<String>,
    /// False when the last round still had fixes to apply.
    pub converged: bool,
}

/// The outcome of `fix_text`, with the analyses it made so the caller need not repeat them.
pub(super) struct FixRun {
    /// The fixed text and what was fixed; `None` when nothing applied.
    pub fixed: Option<(String, Fixed)>,
    /// The findings of the original text.
    pub original: Vec<Finding>,
    /// The findings of the fixed text, when the last round analysed it (it converged).
    pub result: Option<Vec<Finding>>,
}

/// Fix-all over `text` (without a byte order mark) until nothing more applies, analysing each
/// round's text with `analyse` (the results cache, in `check`).
pub(super) fn fix_text(
    display: &str,
    language: Language,
    text: &str,
    mode: FixMode,
    analyse: impl Fn(&str) -> Vec<Finding>,
) -> FixRun {
    let mut current = text.to_owned();
    let mut codes = Vec::new();
    let mut original = None;
    let mut result = None;
    for _ in 0..MAX_ITERATIONS {
        let findings = analyse(&current);
        let fixed = ba_engine::fix::fix_all(language, &current, &findings, mode.unsafe_fixes)
            .filter(|r| r.text != current);
        if original.is_none() {
            original = Some(findings.clone());
        }
        match fixed {
            Some(r) => {
                codes.extend(r.fixed);
                current = r.text;
            }
            None => {
                result = Some(findings);
                break;
            }
        }
    }
    let original = original.unwrap_or_default();
    if codes.is_empty() {
        return FixRun {
            fixed: None,
            original,
            result,
        };
    }
    codes.sort_unstable();
    let diff = mode.diff.then(|| unified_diff(display, text, &current));
    let converged = result.is_some();
    FixRun {
        fixed: Some((
            current,
            Fixed {
                codes,
                diff,
                converged,
            },
        )),
        original,
        result,
    }
}

/// "SEC102, SEC201 ×2" for a file's fixed codes (sorted).
pub(super) fn summary(codes: &[&'static str]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < codes.len() {
        let n = codes[i..].iter().take_while(|c| **c == codes[i]).count();
        parts.push(if n == 1 {
            codes[i].to_owned()
        } else {
            format!("{} ×{n}", codes[i])
        });
        i += n;
    }
    parts.join(", ")
}

pub(super) fn unified_diff(path: &str, old: &str, new: &str) -> String {
    // `a/` and `b/` prefixes as git writes them (`patch -p1` applies the result); an absolute
    // path keeps a single slash.
    let path = path.trim_start_matches('/');
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Writes the fixes of a file read as `original`, unless that would lose something: a file
/// changed since it was read (a user saving during the run) is left alone, and so is a
/// read-only one. A file with other hard links, or owned by someone else, is rewritten in
/// place (after a copy of the original beside it, removed once the write succeeded), so links,
/// owner and mode stay; any other file is replaced atomically with its mode kept. The error
/// says what was not done and why.
pub(super) fn write_fixes(path: &Path, original: &[u8], bytes: &[u8]) -> Result<(), String> {
    let target = std::fs::canonicalize(path).map_err(|e| format!("cannot write the fixes: {e}"))?;
    let meta = std::fs::metadata(&target).map_err(|e| format!("cannot write the fixes: {e}"))?;
    if meta.permissions().readonly() {
        return Err("not fixed: the file is read-only".to_owned());
    }
    let now = std::fs::read(&target).map_err(|e| format!("cannot write the fixes: {e}"))?;
    if now != original {
        return Err("not fixed: the file changed since it was read (run again)".to_owned());
    }
    if !keeps_identity_when_replaced(&target, &meta) {
        return write_in_place(&target, original, bytes)
            .map_err(|e| format!("cannot write the fixes: {e}"));
    }
    write_atomically(&target, bytes).map_err(|e| format!("cannot write the fixes: {e}"))
}

/// Whether renaming a new file over `target` keeps what the file is: no other hard links (they
/// would keep the old content) and owned by whoever runs this (a new file is theirs).
#[cfg(unix)]
fn keeps_identity_when_replaced(target: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    if meta.nlink() > 1 {
        return false;
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    // A file we create is owned by our effective user and group.
    match tempfile::Builder::new()
        .prefix(".backend-architect-")
        .tempfile_in(dir)
        .and_then(|t| t.as_file().metadata())
    {
        Ok(ours) => ours.uid() == meta.uid() && ours.gid() == meta.gid(),
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn keeps_identity_when_replaced(_: &Path, _: &std::fs::Metadata) -> bool {
    true
}

/// Rewrites `target` in place, with a copy of `original` beside it until the write is done
/// (and written back if the write fails).
fn write_in_place(target: &Path, original: &[u8], bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut backup = tempfile::Builder::new()
        .prefix(".backend-architect-original-")
        .tempfile_in(dir)?;
    backup.write_all(original)?;
    backup.as_file().sync_all()?;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.flush()));
    if let Err(e) = written {
        std::fs::write(target, original)?;
        return Err(e);
    }
    Ok(())
}

/// "out/report.sarif: the folder out does not exist; create it first".
pub(super) fn missing_folder(path: &Path, dir: &Path) -> String {
    format!(
        "{}: the folder {} does not exist; create it first",
        path.display(),
        dir.display()
    )
}

/// Replaces `path`'s content: a temporary file in the same directory, renamed over it, so a
/// reader sees the old or the new file and never half of one. A symlink is followed (its target
/// is rewritten, the link stays), and the file's permissions are kept.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let target = match std::fs::canonicalize(path) {
        Ok(t) => t,
        // A new file (a report): write it where it was asked for.
        Err(_) => path.to_path_buf(),
    };
    // Not a regular file (`--output-file /dev/null`, a FIFO): write into it. Renaming over it
    // would replace the device itself with a file (as root, /dev/null for everyone).
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        return std::fs::write(&target, bytes).map_err(|e| err(&e));
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(missing_folder(path, &dir));
    }
    // The temporary file's name is ours, not the user's: errors name the folder instead.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".backend-architect-");
    // A new file (a report) gets the mode any program's new file gets (0666 less the umask), not
    // the temporary file's private 0600; an existing file keeps its own (below).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(|e| {
        let cause = e
            .raw_os_error()
            .map_or(e.kind().into(), std::io::Error::from_raw_os_error);
        format!(
            "{}: cannot create a file in the folder {}: {cause}",
            path.display(),
            dir.display()
        )
    })?;
    // No fsync: the rename already keeps readers from half a file, and syncing each of
    // thousands of fixed files would dominate `check --fix`.
    tmp.write_all(bytes).map_err(|e| err(&e))?;
    if let Ok(meta) = std::fs::metadata(&target) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(|e| err(&e))?;
    }
    tmp.persist(&target).map_err(|e| err(&e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file saved between the read and the write keeps what was saved (the fix was computed
    /// from the old text).
    #[test]
    fn a_file_changed_since_it_was_read_is_not_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "read\nsaved by the user\n").unwrap();
        let err = write_fixes(&path, b"read\n", b"fixed\n").unwrap_err();
        assert!(err.contains("changed since it was read"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "read\nsaved by the user\n"
        );
        write_fixes(&path, b"read\nsaved by the user\n", b"fixed\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fixed\n");
    }

    /// Read-only files are refused (even for root, who could write them).
    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_not_fixed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "x\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        let err = write_fixes(&path, b"x\n", b"y\n").unwrap_err();
        assert!(err.contains("read-only"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x\n");
    }

    /// A file owned by someone else than the user fixing it is rewritten in place, so it keeps
    /// its owner (a rename would give it to the fixer: root, in CI containers).
    #[cfg(unix)]
    #[test]
    fn a_file_owned_by_another_user_keeps_its_owner() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "x\n").unwrap();
        // Only root can give a file away; elsewhere the in-place path is covered by hard links.
        if std::os::unix::fs::chown(&path, Some(65534), Some(65534)).is_err() {
            return;
        }
        let inode = std::fs::metadata(&path).unwrap().ino();
        write_fixes(&path, b"x\n", b"y\n").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid(), meta.ino()), (65534, 65534, inode));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "y\n");
    }

    /// `--output-file /dev/null` (or a FIFO) is written into, never replaced by a file.
    #[cfg(unix)]
    #[test]
    fn a_device_is_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_atomically(Path::new("/dev/null"), b"report").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
    }

    const MODE: FixMode = FixMode {
        write: true,
        diff: true,
        unsafe_fixes: false,
    };

    /// A finding whose fix inserts `content` at the start, unless the text starts with it.
    fn insert_at_start(text: &str, content: &str) -> Option<ba_rules::Finding> {
        use ba_rules::{Applicability, Edit, Finding, Fix, Severity};
        (!text.starts_with(content)).then(|| Finding {
            rule: ba_rules::by_code("SEC201").unwrap(),
            range: 0..0,
            message: String::new(),
            severity: Severity::Error,
            fix: Some(Fix {
                title: String::new(),
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    range: 0..0,
                    content: content.to_owned(),
                }],
                imports: vec![],
            }),
            related: vec![],
            audit: false,
        })
    }

    use ba_config::RuleSet;
    use ba_engine as engine;

    fn fix_py(text: &str) -> Option<(String, Fixed)> {
        fix_text("t.py", Language::Python, text, MODE, |t| {
            engine::analyze_text("t.py", Language::Python, t, &RuleSet::default())
        })
        .fixed
    }

    #[test]
    fn clashing_fixes_are_applied_in_later_rounds_and_rounds_are_capped() {
        // Two insertions at one point clash: one per round, then nothing is left.
        let analyse = |t: &str| {
            [insert_at_start(t, "# a\n"), insert_at_start(t, "# b\n")]
                .into_iter()
                .flatten()
                .filter(|_| !(t.contains("# a") && t.contains("# b")))
                .collect()
        };
        let (text, info) = fix_text("t.py", Language::Python, "x = 1\n", MODE, analyse)
            .fixed
            .unwrap();
        assert_eq!(text, "# b\n# a\nx = 1\n");
        assert_eq!(info.codes.len(), 2);
        assert!(info.converged);
        // A fix that never stops applying is stopped after MAX_ITERATIONS rounds.
        let endless = |t: &str| {
            insert_at_start(&format!("!{t}"), "#\n")
                .into_iter()
                .collect()
        };
        let run = fix_text("t.py", Language::Python, "x = 1\n", MODE, endless);
        assert!(run.result.is_none(), "no analysis of the final text");
        let (text, info) = run.fixed.unwrap();
        assert_eq!(info.codes.len(), MAX_ITERATIONS);
        assert!(!info.converged);
        assert_eq!(text.matches("#\n").count(), MAX_ITERATIONS);
    }

    #[test]
    fn every_fix_is_counted_and_crlf_is_kept() {
        let text = "import yaml\r\n\r\ndef f(p):\r\n    return yaml.load(p), yaml.load(p)\r\n";
        let (fixed, info) = fix_py(text).unwrap();
        assert_eq!(
            fixed,
            "import yaml\r\n\r\ndef f(p):\r\n    return yaml.safe_load(p), yaml.safe_load(p)\r\n"
        );
        assert_eq!(summary(&info.codes), "SEC201 ×2");
        assert!(info.converged);
        assert!(info.diff.unwrap().contains("+++ b/t.py"));
    }

    #[test]
    fn an_added_import_line_follows_the_files_line_endings() {
        let text =
            "from flask import Flask\r\n\r\napp = Flask(__name__)\r\napp.run(debug=True)\r\n";
        let (fixed, _) = fix_py(text).unwrap();
        assert_eq!(
            fixed,
            "import os\r\nfrom flask import Flask\r\n\r\napp = Flask(__name__)\r\napp.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")\r\n"
        );
    }

    #[test]
    fn nothing_to_fix_is_none() {
        assert!(fix_py("x = 1\n").is_none());
    }

    #[test]
    fn atomic_write_keeps_mode_and_follows_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.py");
        std::fs::write(&real, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o750)).unwrap();
            let link = dir.path().join("link.py");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            write_atomically(&link, b"new").unwrap();
            assert!(std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
            let mode = std::fs::metadata(&real).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o750);
        }
        write_atomically(&real, b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "newer");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names
                .iter()
                .all(|n| !n.to_string_lossy().starts_with(".backend-architect-")),
            "{names:?}"
        );
    }
}
