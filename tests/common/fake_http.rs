//! A small HTTP/1.1 server on 127.0.0.1 for tests: canned JSON, slow answers, error statuses
//! and garbage, and a record of every request and of clients that hung up before the answer.
//! It serves until dropped; each connection is answered once and closed.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

pub enum Reply {
    /// Status and body (sent as `application/json`).
    Status(u16, String),
    /// Status, extra headers and body.
    WithHeaders(u16, Vec<(String, String)>, String),
    /// Waits, then sends the reply, unless the client hangs up first.
    Slow(Duration, Box<Reply>),
}

pub fn json(value: serde_json::Value) -> Reply {
    Reply::Status(200, value.to_string())
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

pub struct FakeServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    /// Connections the client closed while we were still preparing the answer.
    pub hung_up: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    /// Serves `handler(request, how many requests came before it)`.
    pub fn start(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let hung_up = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (r, h, s) = (requests.clone(), hung_up.clone(), stop.clone());
        thread::spawn(move || {
            // Bounded: the loop ends when the server is dropped, or after five minutes.
            let started = Instant::now();
            while !s.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(300) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, h, s, handler) = (r.clone(), h.clone(), s.clone(), handler.clone());
                        thread::spawn(move || serve(stream, &r, &h, &s, &*handler));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeServer {
            url,
            requests,
            hung_up,
            stop,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A URL on which nothing listens (a port just released).
pub fn closed_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&buf[header_end..header_end + length]).into_owned(),
    })
}

/// Waits `delay`, watching for the client closing the connection; true if it did.
fn client_hung_up(stream: &mut TcpStream, delay: Duration, stop: &AtomicBool) -> bool {
    let deadline = Instant::now() + delay;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
    let mut b = [0u8; 64];
    while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
        match stream.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

fn serve(
    mut stream: TcpStream,
    requests: &Mutex<Vec<Recorded>>,
    hung_up: &AtomicUsize,
    stop: &AtomicBool,
    handler: &Handler,
) {
    let Some(req) = read_request(&mut stream) else {
        return;
    };
    let index = {
        let mut r = requests.lock().unwrap();
        r.push(req.clone());
        r.len() - 1
    };
    let mut reply = handler(&req, index);
    while let Reply::Slow(delay, next) = reply {
        if client_hung_up(&mut stream, delay, stop) {
            hung_up.fetch_add(1, Ordering::Relaxed);
            return;
        }
        reply = *next;
    }
    let (status, extra, body) = match reply {
        Reply::Status(s, b) => (s, Vec::new(), b),
        Reply::WithHeaders(s, h, b) => (s, h, b),
        Reply::Slow(..) => unreachable!(),
    };
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}
