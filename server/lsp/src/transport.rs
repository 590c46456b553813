//! A guard in front of the JSON-RPC reader.
//!
//! tower-lsp-server's reader stops for good at the first frame it cannot decode, which would
//! turn one malformed message into a dead server. Every frame is therefore checked here first:
//! lone UTF-16 surrogates in string escapes become U+FFFD (so the document keeps every other
//! character), and a frame that still is not a JSON-RPC message is logged and dropped; if it
//! carried an `id`, it is replaced by a request the server answers with "method not found", so
//! the client gets an error response for it.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are refused (and skipped) rather than buffered.
const MAX_FRAME: usize = 512 * 1024 * 1024;

fn is_message(body: &[u8]) -> bool {
    inspect(body).0
}

/// What tower-lsp-server's reader decodes a frame into (its `Message`, which is private): the
/// same untagged enum, so a frame passes here exactly when the reader can decode it. Deciding
/// with `Request` and `Response` one by one let `"id": 1.5` through, and the reader, failing
/// on it, ended the session.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Incoming {
    // Same order as the reader's: a response first.
    #[allow(dead_code)] // Only whether it decodes matters.
    Response(Response),
    Request(Request),
}

/// Whether the reader will take `body` (a request, notification or response) and, for a
/// request or notification, its method: one parse of the body, which for a 22 MB `didOpen`
/// is most of the time other messages wait behind it. Decoded as the reader does: UTF-8
/// first, then the JSON.
fn inspect(body: &[u8]) -> (bool, Option<String>) {
    let Ok(text) = std::str::from_utf8(body) else {
        return (false, None);
    };
    match serde_json::from_str::<Incoming>(text) {
        Ok(Incoming::Request(request)) => (true, Some(request.method().to_owned())),
        Ok(Incoming::Response(_)) => (true, None),
        Err(_) => (false, None),
    }
}

fn hex4(b: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(b.get(..4)?).ok()?;
    u16::from_str_radix(s, 16).ok()
}

/// Replaces `\uXXXX` escapes of unpaired surrogates with `\uFFFD`.
pub fn repair_surrogates(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && i + 1 < body.len() {
            if body[i + 1] == b'u' {
                if let Some(unit) = hex4(&body[i + 2..]) {
                    let next = (body.get(i + 6) == Some(&b'\\') && body.get(i + 7) == Some(&b'u'))
                        .then(|| hex4(&body[i + 8..]))
                        .flatten();
                    match unit {
                        0xD800..=0xDBFF if next.is_some_and(|n| (0xDC00..=0xDFFF).contains(&n)) => {
                            out.extend_from_slice(&body[i..i + 12]);
                            i += 12;
                            continue;
                        }
                        0xD800..=0xDFFF => {
                            out.extend_from_slice(b"\\uFFFD");
                            i += 6;
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            // Copy the escape pair as is (so `\\u` is not mistaken for an escape).
            out.extend_from_slice(&body[i..i + 2]);
            i += 2;
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

fn replacement_for(body: &[u8]) -> Option<Vec<u8>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("id")?.clone();
    if !(id.is_number() || id.is_string()) {
        return None;
    }
    let req = serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "$/backend-architect/invalidMessage"});
    // Only an id the reader takes (an integer or a string; not `1.5`) can be answered.
    serde_json::to_vec(&req).ok().filter(|r| is_message(r))
}

async fn write_frame(out: &mut (impl AsyncWrite + Unpin), body: &[u8]) -> std::io::Result<()> {
    out.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await?;
    out.write_all(body).await?;
    out.flush().await
}

/// How the client ended the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// An `exit` notification; `after_shutdown` when a `shutdown` request came before it.
    Exit { after_shutdown: bool },
    /// The input ended (the client went away) or failed.
    EndOfInput { after_shutdown: bool },
}

impl Ending {
    /// The process exit code: 0 after `shutdown`, else 1 (the protocol's rule for `exit`).
    pub fn code(self) -> i32 {
        match self {
            Ending::Exit { after_shutdown } | Ending::EndOfInput { after_shutdown } => {
                if after_shutdown {
                    0
                } else {
                    1
                }
            }
        }
    }
}

/// The method of a message, without decoding its parameters.
fn method_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        method: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_slice::<Probe>(body)
        .ok()?
        .method
        .map(|m| m.into_owned())
}

/// Copies well-formed frames from `input` to `out` until `input` ends or the client sends
/// `exit`, which is not passed on: the session ends here, whatever the server is still
/// waiting for (a `workspace/configuration` answer, an analysis).
pub async fn pump(
    input: impl AsyncRead + Unpin,
    mut out: impl AsyncWrite + Unpin,
    ended: tokio::sync::oneshot::Sender<Ending>,
) {
    let ending = copy_frames(input, &mut out).await;
    // Said before `out` closes, so whoever reads `out` to its end knows why it ended.
    let _ = ended.send(ending);
    drop(out);
}

async fn copy_frames(input: impl AsyncRead + Unpin, out: &mut (impl AsyncWrite + Unpin)) -> Ending {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    let mut after_shutdown = false;
    let end = |after_shutdown| Ending::EndOfInput { after_shutdown };
    loop {
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return end(after_shutdown),
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = text.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok();
                }
            }
        }
        let Some(length) = length.filter(|l| *l <= MAX_FRAME) else {
            tracing::error!("JSON-RPC frame without a valid Content-Length header; skipped");
            continue;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return end(after_shutdown);
        }
        let (valid, method) = inspect(&body);
        // A body the reader would refuse still ends the session if it says `exit`.
        let method = if valid { method } else { method_of(&body) };
        match method.as_deref() {
            Some("exit") => return Ending::Exit { after_shutdown },
            Some("shutdown") => after_shutdown = true,
            _ => {}
        }
        let body = if valid {
            body
        } else {
            let repaired = repair_surrogates(&body);
            if is_message(&repaired) {
                tracing::warn!(
                    "JSON-RPC message with unpaired UTF-16 surrogates; replaced them with U+FFFD"
                );
                repaired
            } else {
                tracing::error!(
                    "malformed JSON-RPC message ({} bytes) ignored: {}",
                    body.len(),
                    serde_json::from_slice::<serde_json::Value>(&body)
                        .err()
                        .map_or("not a request or response".to_owned(), |e| e.to_string())
                );
                match replacement_for(&body) {
                    Some(r) => r,
                    None => continue,
                }
            }
        };
        if write_frame(out, &body).await.is_err() {
            return end(after_shutdown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{inspect, repair_surrogates};

    /// Frames pass exactly when the reader decodes them: a fractional id does not (it ended
    /// the session, found by `tests/fuzz.rs`).
    #[test]
    fn frames_pass_as_the_reader_decodes_them() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        assert_eq!(inspect(ok), (true, Some("shutdown".to_owned())));
        assert_eq!(
            inspect(br#"{"jsonrpc":"2.0","id":"a","result":null}"#),
            (true, None)
        );
        for bad in [
            &br#"{"id":1.5,"jsonrpc":"2.0","method":"textDocument/hover","params":{}}"#[..],
            br#"{"jsonrpc":"1.0","id":1,"method":"x"}"#,
            br#"{"jsonrpc":"2.0","id":[1],"method":"x"}"#,
            b"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"\xff\"}",
            b"[]",
        ] {
            assert!(!inspect(bad).0, "{}", String::from_utf8_lossy(bad));
        }
        // A malformed request is answered through a stand-in request with its id, if the
        // reader can take that id.
        assert!(super::replacement_for(br#"{"id":7,"method":1}"#).is_some());
        assert!(super::replacement_for(br#"{"id":1.5,"method":1}"#).is_none());
    }

    #[test]
    fn repairs_only_unpaired_surrogates() {
        let fixed = repair_surrogates(br#"{"a":"x\ud800y\ud83d\ude00z\\ud800\udc00"}"#);
        assert_eq!(
            std::str::from_utf8(&fixed).unwrap(),
            r#"{"a":"x\uFFFDy\ud83d\ude00z\\ud800\uFFFD"}"#
        );
        let v: serde_json::Value = serde_json::from_slice(&fixed).unwrap();
        assert_eq!(v["a"], "x\u{FFFD}y😀z\\ud800\u{FFFD}");
    }
}
