//! Engine values → protocol values, in the negotiated position encoding.

use ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextEdit, Uri,
};
use ropey::Rope;
use tower_lsp_server::ls_types;

use crate::rules::{Edit, Finding, Severity};
use crate::syntax::position::{offset_at, position_at};
use crate::syntax::{LineCol, PositionEncoding};

pub const SOURCE: &str = "backend-architect";

pub fn position(rope: &Rope, offset: usize, enc: PositionEncoding) -> Position {
    let p = position_at(rope, offset, enc);
    Position::new(p.line, p.character)
}

pub fn range(rope: &Rope, r: &std::ops::Range<usize>, enc: PositionEncoding) -> Range {
    Range::new(position(rope, r.start, enc), position(rope, r.end, enc))
}

pub fn offset(rope: &Rope, p: Position, enc: PositionEncoding) -> usize {
    offset_at(rope, LineCol::new(p.line, p.character), enc)
}

pub fn line_col(p: Position) -> LineCol {
    LineCol::new(p.line, p.character)
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// The CWE page of a rule, parsed once per CWE id (every keystroke republishes every
/// diagnostic, and parsing URIs is not free).
fn cwe_href(cwe: Option<u32>) -> Option<Uri> {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<u32, Option<Uri>>> =
            Default::default();
    }
    let cwe = cwe?;
    CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry(cwe)
            .or_insert_with(|| {
                format!("https://cwe.mitre.org/data/definitions/{cwe}.html")
                    .parse()
                    .ok()
            })
            .clone()
    })
}

pub fn diagnostic(uri: &Uri, rope: &Rope, f: &Finding, enc: PositionEncoding) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), range(rope, &r.range, enc)),
            message: r.message.clone(),
        })
        .collect();
    let href = cwe_href(f.rule.cwe.first().copied());
    Diagnostic {
        range: range(rope, &f.range, enc),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.code.to_owned())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

pub fn text_edit(rope: &Rope, e: &Edit, enc: PositionEncoding) -> TextEdit {
    TextEdit::new(range(rope, &e.range, enc), e.content.clone())
}
