//! Engine values → protocol values, in the negotiated position encoding.

use ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextEdit, Uri,
};
use ropey::Rope;
use tower_lsp_server::ls_types;

use ba_rules::{Edit, Finding, Severity};
use ba_syntax::position::{offset_at, position_at, span_at};
use ba_syntax::{LineCol, PositionEncoding};

pub const SOURCE: &str = "backend-architect";
/// The source of audit findings (`audit = true`): editors show it beside the code.
pub const AUDIT_SOURCE: &str = "backend-architect audit";

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
        // Audit findings (`audit = true`) say so where editors show the source.
        source: Some(if f.audit { AUDIT_SOURCE } else { SOURCE }.to_owned()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A taint finding's path for the hover, as a Markdown line ("data path: from `request.args`
/// (line 12) via `name` (line 14) → sink (line 15)"); `None` for other findings.
pub fn hover_path(rope: &Rope, text: &str, f: &Finding) -> Option<String> {
    let line_of = |o: usize| rope.byte_to_line(o.min(rope.len_bytes())) + 1;
    let path = f.path_summary(text, line_of)?;
    Some(format!(
        "data path: {path} → sink (line {})",
        line_of(f.range.start)
    ))
}

/// The code of the diagnostic that says an analysis was partial.
pub const PARTIAL_CODE: &str = "partial-analysis";

/// Says the file was analysed in part: at `at` (the deepest code) it nests deeper than the
/// walks over its tree go, so findings there may be missing.
pub fn partial_diagnostic(rope: &Rope, at: usize, enc: PositionEncoding) -> Diagnostic {
    Diagnostic {
        range: range(rope, &(at..at), enc),
        severity: Some(DiagnosticSeverity::INFORMATION),
        code: Some(NumberOrString::String(PARTIAL_CODE.to_owned())),
        code_description: None,
        source: Some(SOURCE.to_owned()),
        message: format!(
            "backend-architect analysed this file in part: it nests deeper than {} levels here, \
             so findings in the deepest code may be missing",
            ba_syntax::depth::MAX_DEPTH
        ),
        related_information: None,
        tags: None,
        data: None,
    }
}

pub fn text_edit(rope: &Rope, e: &Edit, enc: PositionEncoding) -> TextEdit {
    TextEdit::new(range(rope, &e.range, enc), e.content.clone())
}

/// The whole `textDocument/publishDiagnostics` notification for `findings`, serialised in one
/// pass from the findings themselves (no `Diagnostic` values, no `serde_json::Value` tree).
/// The JSON is what `diagnostic` would give, field for field.
pub fn publish_body(
    uri: &str,
    version: Option<i32>,
    rope: &Rope,
    findings: &[Finding],
    extra: &[Diagnostic],
    enc: PositionEncoding,
) -> Vec<u8> {
    let notification = wire::Notification {
        jsonrpc: "2.0",
        method: "textDocument/publishDiagnostics",
        params: wire::Params {
            uri,
            diagnostics: wire::Diagnostics {
                uri,
                rope,
                findings,
                extra,
                enc,
            },
            version,
        },
    };
    // Serialising plain structs into a Vec cannot fail.
    serde_json::to_vec(&notification).unwrap_or_default()
}

/// Borrowed mirrors of the protocol types, for `publish_body`.
mod wire {
    use serde::ser::{Serialize, SerializeSeq, Serializer};

    use super::*;

    #[derive(serde::Serialize)]
    pub struct Notification<'a> {
        pub jsonrpc: &'static str,
        pub method: &'static str,
        pub params: Params<'a>,
    }

    #[derive(serde::Serialize)]
    pub struct Params<'a> {
        pub uri: &'a str,
        pub diagnostics: Diagnostics<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub version: Option<i32>,
    }

    pub struct Diagnostics<'a> {
        pub uri: &'a str,
        pub rope: &'a Rope,
        pub findings: &'a [Finding],
        /// Diagnostics from elsewhere (the advisor), published after the findings.
        pub extra: &'a [Diagnostic],
        pub enc: PositionEncoding,
    }

    #[derive(serde::Serialize)]
    struct Pos {
        line: u32,
        character: u32,
    }

    #[derive(serde::Serialize)]
    struct Span {
        start: Pos,
        end: Pos,
    }

    #[derive(serde::Serialize)]
    struct Href {
        href: CweUrl,
    }

    /// Written straight into the output, without a `String` per diagnostic.
    struct CweUrl(u32);

    impl Serialize for CweUrl {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(&format_args!(
                "https://cwe.mitre.org/data/definitions/{}.html",
                self.0
            ))
        }
    }

    #[derive(serde::Serialize)]
    struct Location<'a> {
        uri: &'a str,
        range: Span,
    }

    #[derive(serde::Serialize)]
    struct RelatedInfo<'a> {
        location: Location<'a>,
        message: &'a str,
    }

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Diag<'a> {
        range: Span,
        severity: DiagnosticSeverity,
        code: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        code_description: Option<Href>,
        source: &'static str,
        message: &'a str,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        related_information: Vec<RelatedInfo<'a>>,
    }

    fn span(rope: &Rope, r: &std::ops::Range<usize>, enc: PositionEncoding) -> Span {
        let (s, e) = span_at(rope, r.start, r.end, enc);
        Span {
            start: Pos {
                line: s.line,
                character: s.character,
            },
            end: Pos {
                line: e.line,
                character: e.character,
            },
        }
    }

    impl Serialize for Diagnostics<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(self.findings.len() + self.extra.len()))?;
            for f in self.findings {
                let diag = Diag {
                    range: span(self.rope, &f.range, self.enc),
                    severity: severity(f.severity),
                    code: f.rule.code,
                    code_description: f.rule.cwe.first().map(|&cwe| Href { href: CweUrl(cwe) }),
                    source: if f.audit { AUDIT_SOURCE } else { SOURCE },
                    message: &f.message,
                    related_information: f
                        .related
                        .iter()
                        .map(|r| RelatedInfo {
                            location: Location {
                                uri: self.uri,
                                range: span(self.rope, &r.range, self.enc),
                            },
                            message: &r.message,
                        })
                        .collect(),
                };
                seq.serialize_element(&diag)?;
            }
            for d in self.extra {
                seq.serialize_element(d)?;
            }
            seq.end()
        }
    }
}

/// A workspace edit of one document.
pub fn workspace_edit(
    uri: &ls_types::Uri,
    edits: Vec<ls_types::TextEdit>,
) -> ls_types::WorkspaceEdit {
    ls_types::WorkspaceEdit {
        changes: Some(std::collections::HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_rules::{Related, RULES};

    /// `publish_body` must say exactly what the protocol types would.
    #[test]
    fn publish_body_matches_the_protocol_types() {
        let text = "x = 1\nnaïve = \"😀\" + y\n";
        let rope = Rope::from_str(text);
        let with_cwe = RULES.iter().find(|r| !r.cwe.is_empty()).unwrap();
        let findings = vec![
            Finding {
                rule: with_cwe,
                range: 6..20,
                message: "a \"quoted\" message".into(),
                severity: Severity::Error,
                fix: None,
                related: vec![Related {
                    range: 0..1,
                    message: "defined here".into(),
                    kind: Default::default(),
                }],
                audit: true,
            },
            Finding {
                rule: RULES.iter().find(|r| r.cwe.is_empty()).unwrap_or(with_cwe),
                range: 14..18,
                message: "plain".into(),
                severity: Severity::Hint,
                fix: None,
                related: Vec::new(),
                audit: false,
            },
        ];
        let uri: Uri = "file:///tmp/app.py".parse().unwrap();
        for enc in [
            PositionEncoding::Utf8,
            PositionEncoding::Utf16,
            PositionEncoding::Utf32,
        ] {
            let extra = vec![Diagnostic {
                message: "from the advisor".into(),
                source: Some("backend-architect advisor".into()),
                ..Default::default()
            }];
            let body = publish_body(uri.as_str(), Some(7), &rope, &findings, &extra, enc);
            let got: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let params = ls_types::PublishDiagnosticsParams::new(
                uri.clone(),
                findings
                    .iter()
                    .map(|f| diagnostic(&uri, &rope, f, enc))
                    .chain(extra.iter().cloned())
                    .collect(),
                Some(7),
            );
            let want = serde_json::json!({
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": params,
            });
            assert_eq!(got, want, "{enc:?}");
        }
    }
}
