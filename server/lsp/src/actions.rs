//! Code actions: quick fixes, suppressions, and fix-all.

use ls_types::*;
use tower_lsp_server::ls_types;

use super::convert;
use super::convert::workspace_edit;
use super::state::DocEntry;

/// The code action kind of fix-all (`source.fixAll` for this server).
pub const FIX_ALL_KIND: &str = "source.fixAll.backend-architect";
use ba_rules::{Applicability, Finding};
use ba_syntax::{Language, PositionEncoding};

fn wants(only: &Option<Vec<CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(list) => list
            .iter()
            .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str()))),
    }
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
    (language, tree): (Language, &tree_sitter::Tree),
    f: &Finding,
    diag: &Diagnostic,
    enc: PositionEncoding,
    out: &mut Vec<CodeActionOrCommand>,
) {
    let rope = e.doc.rope();
    for s in ba_engine::fix::suppress::suppressions(language, e.doc.text(), tree, f) {
        let edit = convert::text_edit(rope, &s.edit, enc);
        out.push(action(
            s.title,
            CodeActionKind::QUICKFIX,
            Some(diag.clone()),
            workspace_edit(uri, vec![edit]),
            false,
        ));
    }
}

pub fn code_actions(
    params: &CodeActionParams,
    e: &DocEntry,
    enc: PositionEncoding,
) -> Vec<CodeActionOrCommand> {
    let Some(language) = e.language() else {
        return Vec::new(); // A manifest: the advisor's actions.
    };
    let uri = &params.text_document.uri;
    let rope = e.doc.rope();
    let only = &params.context.only;
    let start = convert::offset(rope, params.range.start, enc);
    let end = convert::offset(rope, params.range.end, enc).max(start);
    let mut out = Vec::new();

    if wants(only, CodeActionKind::QUICKFIX.as_str()) {
        let in_range: Vec<&Finding> = e
            .findings
            .iter()
            .filter(|f| f.range.start <= end && start <= f.range.end)
            .collect();
        // A fresh tree for the suppression edits (which must not land inside a string).
        let tree = if in_range.is_empty() {
            None
        } else {
            ba_syntax::parse::parse(language, e.doc.text(), None)
        };
        for f in in_range {
            let diag = convert::diagnostic(uri, rope, f, enc);
            if let Some(fix) = &f.fix {
                // Offer only fixes that keep the file parseable.
                if let Some(checked) = ba_engine::fix::checked_edits(language, e.doc.text(), fix) {
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
            if let Some(tree) = &tree {
                suppressions(uri, e, (language, tree), f, &diag, enc, &mut out);
            }
        }
    }
    if wants(only, FIX_ALL_KIND) && only.is_some() {
        if let Some((count, edits)) = fix_all(e, language, enc) {
            out.push(action(
                format!("Fix all safe backend-architect findings ({count})"),
                CodeActionKind::new(FIX_ALL_KIND),
                None,
                workspace_edit(uri, edits),
                false,
            ));
        }
    }
    out
}

/// Fix-all on an analysed document: how many findings it fixes, and the edits.
fn fix_all(
    e: &DocEntry,
    language: Language,
    enc: PositionEncoding,
) -> Option<(usize, Vec<TextEdit>)> {
    let result = ba_engine::fix::fix_all_in(
        language,
        e.doc.text(),
        e.doc.current_tree(),
        &e.findings,
        false,
    )?;
    let edits = result
        .edits
        .iter()
        .map(|x| convert::text_edit(e.doc.rope(), x, enc))
        .collect();
    Some((result.fixed.len(), edits))
}

/// The edits of fix-all (what `willSaveWaitUntil` returns); `None` when nothing is fixed.
pub fn fix_all_edits(e: &DocEntry, enc: PositionEncoding) -> Option<Vec<TextEdit>> {
    fix_all(e, e.language()?, enc).map(|(_, edits)| edits)
}
