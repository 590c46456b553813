//! The one writer of stdout.
//!
//! tower-lsp-server serialises every outgoing message twice (params → `serde_json::Value` →
//! bytes). For `publishDiagnostics`, sent on every keystroke with every diagnostic of the file,
//! that was a third of the server's CPU per keystroke. So diagnostics are serialised once,
//! straight from the findings (`convert::publish_body`), and both kinds of frame reach stdout
//! through one channel and one task, so frames never interleave.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// A handle to queue one complete JSON-RPC message body for stdout.
#[derive(Clone)]
pub struct Outbound(UnboundedSender<Vec<u8>>);

impl Outbound {
    pub fn channel() -> (Self, UnboundedReceiver<Vec<u8>>) {
        let (tx, rx) = unbounded_channel();
        (Self(tx), rx)
    }

    /// Queues `body`; false once the writer has stopped (the client is gone).
    pub fn send(&self, body: Vec<u8>) -> bool {
        self.0.send(body).is_ok()
    }
}

/// Reads tower-lsp-server's framed output and queues each body on `out`, until EOF.
pub async fn forward_frames(input: impl AsyncRead + Unpin, out: Outbound) {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        let mut length = None;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() {
                if length.is_some() {
                    break;
                }
                continue;
            }
            if let Some((name, value)) = text.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let mut body = vec![0; length.unwrap_or(0)];
        if reader.read_exact(&mut body).await.is_err() || !out.send(body) {
            return;
        }
    }
}

/// Writes every queued body as a frame to `out` until all senders are gone. Runs on its own
/// thread with blocking writes: tokio's stdout would hand every write to its blocking pool,
/// one more thread hop per keystroke.
pub fn write_frames(mut bodies: UnboundedReceiver<Vec<u8>>, mut out: impl std::io::Write) {
    while let Some(body) = bodies.blocking_recv() {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        let written = out
            .write_all(header.as_bytes())
            .and_then(|()| out.write_all(&body))
            // Only flush when nothing else is waiting, so a burst goes out in fewer writes.
            .and_then(|()| {
                if bodies.is_empty() {
                    out.flush()
                } else {
                    Ok(())
                }
            });
        if let Err(e) = written {
            tracing::error!("cannot write to the client: {e}");
            return;
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn frames_from_both_sources_arrive_whole() {
        let (tx, rx) = Outbound::channel();
        let (mut server_side, reader) = tokio::io::duplex(64);
        let forward = tokio::spawn(forward_frames(reader, tx.clone()));
        let writer = std::thread::spawn(move || {
            let mut collected = Vec::new();
            write_frames(rx, &mut collected);
            collected
        });
        let big = format!("{{\"x\":\"{}\"}}", "a".repeat(500));
        server_side
            .write_all(format!("Content-Length: {}\r\n\r\n{big}", big.len()).as_bytes())
            .await
            .unwrap();
        tx.send(b"{\"ours\":1}".to_vec());
        drop(server_side);
        forward.await.unwrap();
        drop(tx);
        let all = String::from_utf8(writer.join().unwrap()).unwrap();
        assert!(all.contains(&format!("Content-Length: {}\r\n\r\n{big}", big.len())));
        assert!(all.contains("Content-Length: 10\r\n\r\n{\"ours\":1}"));
    }
}
