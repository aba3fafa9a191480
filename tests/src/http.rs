//! Raw HTTP for the tests, independent of the client under test: `curl` does the requests
//! (Basic and Digest auth included), and a tiny scanner reads WebDAV multistatus bodies.

use std::io::Write;
use std::process::{Command, Stdio};

/// How to send the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Preemptive Basic.
    Basic,
    /// Digest (after the server's challenge).
    Digest,
}

/// What the server answered.
#[derive(Clone)]
pub struct Response {
    /// HTTP status; 0 when nothing answered (connection refused, timeout).
    pub status: u16,
    /// The ETag header, verbatim, when present.
    pub etag: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// curl's error message, if any.
    pub error: String,
}

impl Response {
    /// The body as (lossy) UTF-8.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = self.body_text();
        let body: String = body.chars().take(600).collect();
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("etag", &self.etag)
            .field("error", &self.error)
            .field("body", &body)
            .finish()
    }
}

const MARKER: &str = "SYNCHRO-CURL";

/// One HTTP request through `curl`. `auth` is (scheme, user, password).
pub fn request(
    method: &str,
    url: &str,
    auth: Option<(Auth, &str, &str)>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-S", "--max-time", "120", "-H", "Expect:"])
        .arg("-X")
        .arg(method)
        .arg("-w")
        .arg(format!(
            "%{{stderr}}\n{MARKER} %{{http_code}} %header{{etag}}\n"
        ));
    if let Some((scheme, user, password)) = auth {
        cmd.arg(match scheme {
            Auth::Basic => "--basic",
            Auth::Digest => "--digest",
        });
        cmd.arg("-u").arg(format!("{user}:{password}"));
    }
    for (name, value) in headers {
        cmd.arg("-H").arg(format!("{name}: {value}"));
    }
    if body.is_some() {
        cmd.args(["--data-binary", "@-"]);
    }
    cmd.arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("curl not found: run scripts/install-peers.sh");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        if let Some(body) = body {
            stdin.write_all(body).expect("write request body to curl");
        }
    }
    let out = child.wait_with_output().expect("curl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut status = 0;
    let mut etag = None;
    let mut error = String::new();
    for line in stderr.lines() {
        if let Some(rest) = line.strip_prefix(MARKER) {
            let mut parts = rest.trim().splitn(2, ' ');
            status = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            etag = parts
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
        } else if !line.trim().is_empty() {
            error.push_str(line);
            error.push('\n');
        }
    }
    Response {
        status,
        etag,
        body: out.stdout,
        error,
    }
}

/// The path of an absolute URL (`http://h:p/a/b/` -> `/a/b/`), or the input if it is one.
pub fn url_path(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            match rest.find('/') {
                Some(j) => rest[j..].to_string(),
                None => "/".to_string(),
            }
        }
        None => url.to_string(),
    }
}

/// Decodes `%XX` escapes.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn xml_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The (href, getetag) of every `response` of a WebDAV multistatus body, whatever the
/// namespace prefixes. A test helper, not a parser for untrusted input.
pub fn parse_multistatus(xml: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Option<String>)> = None;
    let mut capture: Option<&'static str> = None;
    let mut text = String::new();
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        if capture.is_some() {
            text.push_str(&rest[..lt]);
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let closing = tag.starts_with('/');
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_start_matches('/')
            .trim_end_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        match (local, closing) {
            ("response", false) if !self_closing => current = Some((String::new(), None)),
            ("response", true) => {
                if let Some(r) = current.take() {
                    out.push(r);
                }
            }
            ("href", false) | ("getetag", false) if !self_closing && current.is_some() => {
                capture = Some(if local == "href" { "href" } else { "getetag" });
                text.clear();
            }
            ("href", true) | ("getetag", true) => {
                if let (Some(what), Some(cur)) = (capture.take(), current.as_mut()) {
                    let value = xml_unescape(text.trim());
                    if what == "href" {
                        if cur.0.is_empty() {
                            cur.0 = value;
                        }
                    } else {
                        cur.1 = Some(value);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multistatus_with_prefixes_and_entities() {
        let xml = r#"<?xml version="1.0"?>
<ns0:multistatus xmlns:ns0="DAV:"><ns0:response><ns0:href>/user/calendars/calendar/</ns0:href>
<ns0:propstat><ns0:prop><ns0:resourcetype><ns0:collection/></ns0:resourcetype></ns0:prop></ns0:propstat></ns0:response>
<ns0:response><ns0:href>/user/calendars/calendar/a%20b.ics</ns0:href><ns0:propstat><ns0:prop>
<ns0:getetag>&quot;abc&quot;</ns0:getetag></ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>"#;
        let r = parse_multistatus(xml);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], ("/user/calendars/calendar/".to_string(), None));
        assert_eq!(r[1].0, "/user/calendars/calendar/a%20b.ics");
        assert_eq!(r[1].1.as_deref(), Some("\"abc\""));
        assert_eq!(percent_decode("a%20b.ics"), "a b.ics");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(url_path("http://127.0.0.1:5/x/y/"), "/x/y/");
    }

    #[test]
    fn multistatus_default_namespace() {
        let xml = r#"<multistatus xmlns="DAV:"><response><href>/c/x.ics</href><propstat><prop><getetag>"1"</getetag></prop></propstat></response></multistatus>"#;
        assert_eq!(
            parse_multistatus(xml),
            vec![("/c/x.ics".to_string(), Some("\"1\"".to_string()))]
        );
    }
}
