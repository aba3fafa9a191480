//! A fault-injecting HTTP proxy on 127.0.0.1 between `synchro` and a real server: passes
//! requests through, or answers one kind of request with garbage, a 503, a cut connection or
//! a truncated body, so tests can prove that bad answers change nothing locally.
//!
//! It also counts requests (every method, from 1 after [`Proxy::reset_count`]) and can hit
//! exactly the N-th one ([`Proxy::cut_nth`]): cut before forwarding it, cut after the server
//! applied it (the client never hears), or cut in the middle of the answer; or hold it
//! ([`Proxy::hold_nth`]) before or after forwarding and tell the test, which can then
//! `kill -9` the client at that exact point.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the proxy does to requests whose method matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    /// Pass everything through.
    #[default]
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
    /// Drop this request header (e.g. `If-None-Match`, which Zimbra ignores on calendar PUTs).
    DropRequestHeader(String),
    /// Replace this text by that one in every answer (e.g. a SyncML Alert code).
    Rewrite(String, String),
    /// Replace these bytes by those in every answer (e.g. bytes that are not UTF-8 in one
    /// event of a multiget).
    RewriteBytes(Vec<u8>, Vec<u8>),
    /// In answers to requests whose body holds this text, the SyncML header status becomes
    /// this code (e.g. 513: "version not supported").
    HeaderStatusWhen(String, u16),
    /// Drop the `<response>` elements whose href contains this text from listings
    /// (PROPFIND and REPORT other than calendar-multiget), as a server-side sync window
    /// (Zimbra's) hides events that still exist.
    HideFromListings(String),
    /// Answer a whole calendar-multiget with this status when the server's own answer
    /// reports one of its hrefs missing, as sabre/dav 1.8 (old Baïkal, ownCloud) does with
    /// 404.
    RefuseMultigetWithMissing(u16),
    /// Answer every calendar-multiget with this status, as a server without it would.
    RefuseMultiget(u16),
    /// Answer with this status every REPORT whose body holds all of these texts (e.g.
    /// `calendar-query` and `calendar-data`: a server refusing a whole calendar's data in
    /// one answer).
    RefuseReportWith(Vec<String>, u16),
    /// Add to every sync-collection and calendar-query answer an item whose href lies
    /// outside the collection (this path, absolute).
    ForeignHrefInListings(String),
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
            Fault::HideFromListings(_)
            | Fault::RefuseMultigetWithMissing(_)
            | Fault::RefuseMultiget(_)
            | Fault::RefuseReportWith(..)
            | Fault::ForeignHrefInListings(_)
            | Fault::Rewrite(..)
            | Fault::RewriteBytes(..)
            | Fault::HeaderStatusWhen(..)
            | Fault::DropRequestHeader(_) => None,
        }
    }
}

/// Where a connection is cut by [`Proxy::cut_nth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cut {
    /// Close the connection without forwarding the request: the server never sees it.
    BeforeForwarding,
    /// Forward the request, read the whole answer, close without answering: the server
    /// applied the change, the client never hears of it.
    AfterApplied,
    /// Forward the request, send the first half of the answer, close: the body is cut in
    /// the middle (an answer without body is cut in the middle of its head).
    MidResponse,
}

/// Where [`Proxy::hold_nth`] holds a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldPoint {
    /// Before forwarding it: the server never sees it.
    BeforeForwarding,
    /// After the server answered it, before the client gets the answer.
    AfterApplied,
}

/// What happens to the N-th request.
#[derive(Debug)]
enum Nth {
    Cut(Cut),
    Hold {
        point: HoldPoint,
        reached: Sender<()>,
        release: Receiver<()>,
    },
}

/// A request held by [`Proxy::hold_nth`]. Dropping it (or [`Hold::release`]) closes the
/// held connection without answering; the held request is never forwarded afterwards.
#[derive(Debug)]
pub struct Hold {
    reached: Receiver<()>,
    _release: Sender<()>,
}

impl Hold {
    /// Waits until the held request arrived at its hold point (true), or until `give_up`
    /// says so (checked every 20 ms: e.g. the client exited first) or `timeout` passed
    /// (false).
    pub fn wait(&self, timeout: Duration, mut give_up: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            match self.reached.recv_timeout(Duration::from_millis(20)) {
                Ok(()) => return true,
                Err(RecvTimeoutError::Disconnected) => return false,
                Err(RecvTimeoutError::Timeout) => {
                    if give_up() {
                        // One last look: the signal may have raced the exit.
                        return self.reached.try_recv().is_ok();
                    }
                }
            }
        }
        false
    }

    /// Closes the held connection without answering.
    pub fn release(self) {}
}

/// State shared by the listener and the connection threads.
#[derive(Debug, Default)]
struct Shared {
    fault: Mutex<Fault>,
    requests: Mutex<Vec<String>>,
    heads: Mutex<Vec<Vec<String>>>,
    bodies: Mutex<Vec<Vec<u8>>>,
    count: AtomicUsize,
    nth: Mutex<Option<(usize, Nth)>>,
}

/// A running proxy; it stops accepting when dropped (the listener thread is detached).
pub struct Proxy {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub origin: String,
    upstream: String,
    shared: Arc<Shared>,
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
        let shared = Arc::new(Shared::default());
        let (sh, u) = (shared.clone(), upstream.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (sh, u) = (sh.clone(), u.clone());
                thread::spawn(move || {
                    let _ = serve(conn, &u, &sh);
                });
            }
        });
        Proxy {
            origin,
            upstream,
            shared,
        }
    }

    /// Rewrites a URL of the upstream server to go through the proxy.
    pub fn url(&self, upstream_url: &str) -> String {
        upstream_url.replace(&format!("http://{}", self.upstream), &self.origin)
    }

    /// Sets the fault for the following requests.
    pub fn set(&self, fault: Fault) {
        *self.shared.fault.lock().unwrap() = fault;
    }

    /// Methods of the requests seen so far.
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The header lines (request line first, `Connection` left out) of the requests seen
    /// so far, as received.
    pub fn request_heads(&self) -> Vec<Vec<String>> {
        self.shared.heads.lock().unwrap().clone()
    }

    /// The bodies of the requests seen so far, as received.
    pub fn request_bodies(&self) -> Vec<Vec<u8>> {
        self.shared.bodies.lock().unwrap().clone()
    }

    /// Requests received since the proxy started or since the last [`Proxy::reset_count`].
    pub fn request_count(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// Counts requests from zero again (the next one is number 1), and forgets the methods
    /// seen and any fault or hold set by [`Proxy::cut_nth`] or [`Proxy::hold_nth`].
    pub fn reset_count(&self) {
        *self.shared.nth.lock().unwrap() = None;
        self.shared.requests.lock().unwrap().clear();
        self.shared.heads.lock().unwrap().clear();
        self.shared.bodies.lock().unwrap().clear();
        self.shared.count.store(0, Ordering::SeqCst);
    }

    /// Cuts the connection of request number `n` (counted as by [`Proxy::request_count`],
    /// any method) as `cut` says. Only that request is hit; it replaces an earlier
    /// `cut_nth` or `hold_nth` that has not fired yet.
    pub fn cut_nth(&self, n: usize, cut: Cut) {
        *self.shared.nth.lock().unwrap() = Some((n, Nth::Cut(cut)));
    }

    /// Holds request number `n` at `point` and tells the returned [`Hold`] when it gets
    /// there; the connection is closed without answering once the hold is released.
    pub fn hold_nth(&self, n: usize, point: HoldPoint) -> Hold {
        let (reached_tx, reached_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel();
        *self.shared.nth.lock().unwrap() = Some((
            n,
            Nth::Hold {
                point,
                reached: reached_tx,
                release: release_rx,
            },
        ));
        Hold {
            reached: reached_rx,
            _release: release_tx,
        }
    }

    /// Removes a fault or hold set by [`Proxy::cut_nth`] or [`Proxy::hold_nth`] that has
    /// not fired (the request count goes on).
    pub fn clear_nth(&self) {
        *self.shared.nth.lock().unwrap() = None;
    }
}

/// Takes the N-th request fault when `n` is its number.
fn take_nth(shared: &Shared, n: usize) -> Option<Nth> {
    let mut nth = shared.nth.lock().unwrap();
    if nth.as_ref().is_some_and(|(at, _)| *at == n) {
        nth.take().map(|(_, f)| f)
    } else {
        None
    }
}

/// Tells the test that the held request is there, then waits until it releases it (or
/// gives up after two minutes).
fn hold(reached: Sender<()>, release: Receiver<()>) {
    let _ = reached.send(());
    let _ = release.recv_timeout(Duration::from_secs(120));
}

fn serve(client: TcpStream, upstream: &str, shared: &Shared) -> std::io::Result<()> {
    let (fault, seen) = (&shared.fault, &shared.requests);
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    // One request per connection: every answer says `Connection: close`.
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
    shared.bodies.lock().unwrap().push(body.clone());
    shared
        .heads
        .lock()
        .unwrap()
        .push(head.iter().map(|l| l.trim_end().to_string()).collect());
    let n = shared.count.fetch_add(1, Ordering::SeqCst) + 1;
    let nth = take_nth(shared, n);
    match nth {
        Some(Nth::Cut(Cut::BeforeForwarding)) => return Ok(()),
        Some(Nth::Hold {
            point: HoldPoint::BeforeForwarding,
            reached,
            release,
        }) => {
            hold(reached, release);
            return Ok(());
        }
        _ => {}
    }
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
            Fault::None
            | Fault::HideFromListings(_)
            | Fault::RefuseMultigetWithMissing(_)
            | Fault::RefuseMultiget(_)
            | Fault::RefuseReportWith(..)
            | Fault::ForeignHrefInListings(_)
            | Fault::Rewrite(..)
            | Fault::RewriteBytes(..)
            | Fault::HeaderStatusWhen(..)
            | Fault::DropRequestHeader(_) => {}
        }
    }
    let is_multiget =
        method == "REPORT" && String::from_utf8_lossy(&body).contains("calendar-multiget");
    if let Fault::RefuseMultiget(code) = current {
        if is_multiget {
            write!(
                client,
                "HTTP/1.1 {code} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
            return Ok(());
        }
    }
    if let Fault::RefuseReportWith(texts, code) = &current {
        let text = String::from_utf8_lossy(&body);
        if method == "REPORT" && texts.iter().all(|t| text.contains(t.as_str())) {
            write!(
                client,
                "HTTP/1.1 {code} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
            return Ok(());
        }
    }
    let hide = match &current {
        Fault::HideFromListings(text)
            if (method == "REPORT" || method == "PROPFIND")
                && !String::from_utf8_lossy(&body).contains("calendar-multiget") =>
        {
            Some(text.clone())
        }
        _ => None,
    };
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(60)))?;
    for line in &head {
        if let Fault::DropRequestHeader(name) = &current {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with(&format!("{}:", name.to_ascii_lowercase())) {
                continue;
            }
        }
        let rewrites = hide.is_some()
            || matches!(
                current,
                Fault::Rewrite(..) | Fault::RewriteBytes(..) | Fault::HeaderStatusWhen(..)
            );
        if rewrites && line.to_ascii_lowercase().starts_with("accept-encoding:") {
            continue;
        }
        up.write_all(line.as_bytes())?;
    }
    up.write_all(b"Connection: close\r\n\r\n")?;
    up.write_all(&body)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    let response = match (&hide, &current) {
        (None, Fault::RefuseMultigetWithMissing(code))
            if is_multiget && multiget_misses_one(&body, &response) =>
        {
            format!("HTTP/1.1 {code} Refused\r\nContent-Length: 0\r\n\r\n").into_bytes()
        }
        (None, Fault::ForeignHrefInListings(path))
            if method == "REPORT"
                && !is_multiget
                && String::from_utf8_lossy(&response).contains("multistatus") =>
        {
            add_foreign_item(&response, path)
        }
        (Some(text), _) => hide_responses(&response, text),
        (None, Fault::Rewrite(from, to)) => rewrite_body(&response, from, to),
        (None, Fault::RewriteBytes(from, to)) => rewrite_bytes(&response, from, to),
        (None, Fault::HeaderStatusWhen(marker, code))
            if String::from_utf8_lossy(&body).contains(marker.as_str()) =>
        {
            set_header_status(&response, *code)
        }
        _ => response,
    };
    // Make the client open a new connection for the next request.
    let response = force_close(&response);
    match nth {
        Some(Nth::Cut(Cut::AfterApplied)) => return Ok(()),
        Some(Nth::Cut(Cut::MidResponse)) => {
            client.write_all(&response[..half_way(&response)])?;
            client.flush()?;
            return Ok(());
        }
        Some(Nth::Hold {
            reached, release, ..
        }) => {
            hold(reached, release);
            return Ok(());
        }
        _ => {}
    }
    client.write_all(&response)?;
    Ok(())
}

/// Where to cut an answer in the middle: half-way through its body, or through its head
/// when it has no body (a cut after a complete head of `Content-Length: 0` would be a
/// complete answer).
fn half_way(response: &[u8]) -> usize {
    match response.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) if response.len() > end + 4 => end + 4 + (response.len() - end - 4) / 2,
        Some(end) => end / 2,
        None => response.len() / 2,
    }
}

/// Sets the code of the SyncML header status (the `Data` of the Status whose `Cmd` is
/// `SyncHdr`) in an XML answer.
fn set_header_status(response: &[u8], code: u16) -> Vec<u8> {
    let text = String::from_utf8_lossy(response);
    let Some(cmd) = text.find("<Cmd>SyncHdr</Cmd>") else {
        return response.to_vec();
    };
    let Some(open) = text[cmd..].find("<Data>").map(|i| cmd + i + "<Data>".len()) else {
        return response.to_vec();
    };
    let Some(close) = text[open..].find("</Data>").map(|i| open + i) else {
        return response.to_vec();
    };
    let old = text[open..close].to_string();
    let marker = format!("<Cmd>SyncHdr</Cmd>{}", &text[cmd + 18..close]);
    let replaced = marker.replacen(&format!("<Data>{old}"), &format!("<Data>{code}"), 1);
    rewrite_body(response, &marker, &replaced)
}

/// Replaces `from` by `to` in an answer's body and fixes its Content-Length.
/// [`rewrite_body`] on bytes: every `from` in the body becomes `to`.
fn rewrite_bytes(response: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response.to_vec();
    };
    let mut body = Vec::new();
    let mut rest = &response[end + 4..];
    while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
        body.extend_from_slice(&rest[..i]);
        body.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    body.extend_from_slice(rest);
    let head = String::from_utf8_lossy(&response[..end]);
    let mut out = Vec::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        } else {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

fn rewrite_body(response: &[u8], from: &str, to: &str) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response.to_vec();
    };
    let body = String::from_utf8_lossy(&response[end + 4..]).replace(from, to);
    let head = String::from_utf8_lossy(&response[..end]);
    let mut out = String::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.push_str(&body);
    out.into_bytes()
}

/// Removes from a multistatus answer the `<response>` elements that mention `text`, and
/// fixes its Content-Length.
fn hide_responses(response: &[u8], text: &str) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response.to_vec();
    };
    let body = String::from_utf8_lossy(&response[end + 4..]).into_owned();
    // (start of `<...response>`, is it a closing tag, index just after it)
    let mut tags = Vec::new();
    let mut from = 0;
    while let Some(i) = body[from..].find("response>") {
        let at = from + i;
        let open = body[..at].rfind('<').unwrap_or(at);
        let name = &body[open + 1..at];
        let closing = name.starts_with('/');
        let prefix = name.trim_start_matches('/');
        if prefix.is_empty() || (prefix.ends_with(':') && !prefix.contains([' ', '>', '<'])) {
            tags.push((open, closing, at + "response>".len()));
        }
        from = at + "response>".len();
    }
    let mut kept = String::with_capacity(body.len());
    let mut last = 0;
    let mut open_at = None;
    for (start, closing, after) in tags {
        match (closing, open_at) {
            (false, None) => open_at = Some(start),
            (true, Some(begin)) => {
                kept.push_str(&body[last..begin]);
                if !body[begin..after].contains(text) {
                    kept.push_str(&body[begin..after]);
                }
                last = after;
                open_at = None;
            }
            _ => {}
        }
    }
    kept.push_str(&body[last..]);
    let head = String::from_utf8_lossy(&response[..end]);
    let mut out = String::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("Content-Length: {}\r\n", kept.len()));
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.push_str(&kept);
    out.into_bytes()
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

/// Adds a `<response>` for `path` (an item outside the collection) before the end of a
/// multistatus answer, in the answer's own namespace prefix, and fixes its Content-Length.
fn add_foreign_item(response: &[u8], path: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(response);
    let Some(close) = text.rfind("multistatus>") else {
        return response.to_vec();
    };
    let open = text[..close].rfind("</").unwrap_or(close);
    let prefix = &text[open + 2..close];
    let p = prefix;
    let item = format!(
        "<{p}response><{p}href>{path}</{p}href><{p}propstat><{p}prop><{p}getetag>\"foreign\"</{p}getetag></{p}prop><{p}status>HTTP/1.1 200 OK</{p}status></{p}propstat></{p}response>"
    );
    let marker = format!("</{prefix}multistatus>");
    rewrite_body(response, &marker, &format!("{item}{marker}"))
}

/// True when a calendar-multiget answer reports one of the requested hrefs missing: a 404
/// inside, or an href of the request that the answer does not mention (Radicale leaves
/// missing ones out).
fn multiget_misses_one(request: &[u8], response: &[u8]) -> bool {
    let request = String::from_utf8_lossy(request);
    let response = String::from_utf8_lossy(response);
    if response.contains(" 404 ") {
        return true;
    }
    request
        .split("<d:href>")
        .skip(1)
        .filter_map(|rest| rest.split("</d:href>").next())
        .any(|href| !response.contains(href))
}
