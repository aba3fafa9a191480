//! A fault-injecting HTTP proxy on 127.0.0.1 between `synchro` and a real server: passes
//! requests through, or answers one kind of request with garbage, a 503, a cut connection or
//! a truncated body, so tests can prove that bad answers change nothing locally.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the proxy does to requests whose method matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    None,
    /// Answer 207 with a body that is not XML.
    Garbage(String),
    /// Answer 207 with a multistatus cut in the middle.
    Truncated(String),
    /// Answer 503 with `Retry-After: 120`.
    Unavailable(String),
    /// Close the connection without answering.
    Cut(String),
    /// Pass through after waiting this many milliseconds.
    Delay(String, u64),
}

impl Fault {
    fn method(&self) -> Option<&str> {
        match self {
            Fault::None => None,
            Fault::Garbage(m)
            | Fault::Truncated(m)
            | Fault::Unavailable(m)
            | Fault::Cut(m)
            | Fault::Delay(m, _) => Some(m),
        }
    }
}

/// A running proxy; it stops accepting when dropped (the listener thread is detached).
pub struct Proxy {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub origin: String,
    upstream: String,
    fault: Arc<Mutex<Fault>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Starts a proxy to `upstream_origin` (`http://127.0.0.1:PORT`).
    pub fn start(upstream_origin: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream_origin
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let fault = Arc::new(Mutex::new(Fault::None));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (f, r, u) = (fault.clone(), requests.clone(), upstream.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (f, r, u) = (f.clone(), r.clone(), u.clone());
                thread::spawn(move || {
                    let _ = serve(conn, &u, &f, &r);
                });
            }
        });
        Proxy {
            origin,
            upstream,
            fault,
            requests,
        }
    }

    /// Rewrites a URL of the upstream server to go through the proxy.
    pub fn url(&self, upstream_url: &str) -> String {
        upstream_url.replace(&format!("http://{}", self.upstream), &self.origin)
    }

    /// Sets the fault for the following requests.
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    /// Methods of the requests seen so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(
    client: TcpStream,
    upstream: &str,
    fault: &Mutex<Fault>,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    {
        let mut head = Vec::new();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("connection:") {
                continue;
            }
            head.push(line);
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        let method = head
            .first()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        seen.lock().unwrap().push(method.clone());
        let current = fault.lock().unwrap().clone();
        if current.method() == Some(method.as_str()) {
            match current {
                Fault::Garbage(_) => {
                    let b = "this is <not xml at all";
                    write!(
                        client,
                        "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                        b.len()
                    )?;
                    return Ok(());
                }
                Fault::Truncated(_) => {
                    let b = "<?xml version=\"1.0\"?><multistatus xmlns=\"DAV:\"><response><href>/x/a.ics</href><propstat><prop><getetag>\"1\"</getetag>";
                    write!(
                        client,
                        "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                        b.len()
                    )?;
                    return Ok(());
                }
                Fault::Unavailable(_) => {
                    write!(
                        client,
                        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )?;
                    return Ok(());
                }
                Fault::Cut(_) => return Ok(()),
                Fault::Delay(_, ms) => thread::sleep(Duration::from_millis(ms)),
                Fault::None => {}
            }
        }
        let mut up = TcpStream::connect(upstream)?;
        up.set_read_timeout(Some(Duration::from_secs(60)))?;
        for line in &head {
            up.write_all(line.as_bytes())?;
        }
        up.write_all(b"Connection: close\r\n\r\n")?;
        up.write_all(&body)?;
        let mut response = Vec::new();
        up.read_to_end(&mut response)?;
        // Make the client open a new connection for the next request.
        let response = force_close(&response);
        client.write_all(&response)?;
    }
    Ok(())
}

fn force_close(response: &[u8]) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response.to_vec();
    };
    let head = String::from_utf8_lossy(&response[..end]);
    let mut out = String::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("connection:")
            || line.to_ascii_lowercase().starts_with("keep-alive:")
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&response[end + 4..]);
    bytes
}
