//! Code actions: quick fixes, suppressions, and fix-all.

use ls_types::*;
use tower_lsp_server::ls_types;

use super::convert;
use super::server::{workspace_edit, FIX_ALL_KIND};
use super::state::DocEntry;
use crate::config::suppression::MARKER;
use crate::rules::{Applicability, Finding};
use crate::syntax::{Family, PositionEncoding};

fn wants(only: &Option<Vec<CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(list) => list
            .iter()
            .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str()))),
    }
}

fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    (start, end)
}

fn action(
    title: String,
    kind: CodeActionKind,
    diag: Option<Diagnostic>,
    edit: WorkspaceEdit,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: diag.map(|d| vec![d]),
        edit: Some(edit),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    })
}

fn suppressions(
    uri: &Uri,
    e: &DocEntry,
    f: &Finding,
    diag: &Diagnostic,
    enc: PositionEncoding,
    out: &mut Vec<CodeActionOrCommand>,
) {
    let text = e.doc.text();
    let rope = e.doc.rope();
    let code = f.rule.code;
    let comment = e.doc.language().line_comment();
    let (line_start, line_end) = line_bounds(text, f.range.start);
    let line = &text[line_start..line_end];
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let kind = CodeActionKind::QUICKFIX;

    if e.doc.language().family() == Family::Python && !line.contains('#') {
        let at = convert::position(rope, line_end, enc);
        let edit = TextEdit::new(Range::new(at, at), format!("  # noqa: {code}"));
        out.push(action(
            format!("Suppress {code} on this line (# noqa)"),
            kind.clone(),
            Some(diag.clone()),
            workspace_edit(uri, vec![edit]),
            false,
        ));
    }
    let at = convert::position(rope, line_start, enc);
    let edit = TextEdit::new(
        Range::new(at, at),
        format!("{indent}{comment} {MARKER} ignore[{code}]{newline}"),
    );
    out.push(action(
        format!("Suppress {code} on this line"),
        kind.clone(),
        Some(diag.clone()),
        workspace_edit(uri, vec![edit]),
        false,
    ));

    // File level: after a shebang or encoding line, if any.
    let mut insert_at = 0;
    for l in text.split_inclusive('\n').take(2) {
        let t = l.trim_start();
        if t.starts_with("#!") || (t.starts_with('#') && t.contains("coding")) {
            insert_at += l.len();
        } else {
            break;
        }
    }
    let at = convert::position(rope, insert_at, enc);
    let edit = TextEdit::new(
        Range::new(at, at),
        format!("{comment} {MARKER} ignore-file[{code}]{newline}"),
    );
    out.push(action(
        format!("Suppress {code} in this file"),
        kind,
        Some(diag.clone()),
        workspace_edit(uri, vec![edit]),
        false,
    ));
}

pub fn code_actions(
    params: &CodeActionParams,
    e: &DocEntry,
    enc: PositionEncoding,
) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let rope = e.doc.rope();
    let only = &params.context.only;
    let start = convert::offset(rope, params.range.start, enc);
    let end = convert::offset(rope, params.range.end, enc).max(start);
    let mut out = Vec::new();

    if wants(only, CodeActionKind::QUICKFIX.as_str()) {
        for f in e
            .findings
            .iter()
            .filter(|f| f.range.start <= end && start <= f.range.end)
        {
            let diag = convert::diagnostic(uri, rope, f, enc);
            if let Some(fix) = &f.fix {
                // Offer only fixes that keep the file parseable.
                if let Some(checked) =
                    crate::fix::checked_edits(e.doc.language(), e.doc.text(), fix)
                {
                    let edits = checked
                        .iter()
                        .map(|x| convert::text_edit(rope, x, enc))
                        .collect();
                    let unsafe_note = if fix.applicability == Applicability::Unsafe {
                        " (unsafe: review the change)"
                    } else {
                        ""
                    };
                    out.push(action(
                        format!("{}: {}{unsafe_note}", f.rule.code, fix.title),
                        CodeActionKind::QUICKFIX,
                        Some(diag.clone()),
                        workspace_edit(uri, edits),
                        fix.applicability == Applicability::Safe,
                    ));
                }
            }
            suppressions(uri, e, f, &diag, enc, &mut out);
        }
    }
    if wants(only, FIX_ALL_KIND) && only.is_some() {
        if let Some(result) =
            crate::fix::fix_all(e.doc.language(), e.doc.text(), &e.findings, false)
        {
            let edits = result
                .edits
                .iter()
                .map(|x| convert::text_edit(rope, x, enc))
                .collect();
            out.push(action(
                format!(
                    "Fix all safe backend-architect findings ({})",
                    result.fixed.len()
                ),
                CodeActionKind::new(FIX_ALL_KIND),
                None,
                workspace_edit(uri, edits),
                false,
            ));
        }
    }
    out
}
