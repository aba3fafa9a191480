//! One HTTP agent per sync (ureq, rustls with the account's trust settings from [`super::tls`]):
//! Basic and Digest auth, redirects, cookies, gzip, timeouts, response size limits, and
//! counters of requests and bytes.
//!
//! The password never travels readable over plain http unless the account allows it: a
//! Basic challenge over http is refused ([`INSECURE_BASIC`]) without
//! [`HttpConfig::allow_insecure_basic`], and Basic is sent before a challenge (to a server
//! known to want it) only over https or where that setting allows Basic over http. Digest never reveals the password and is answered over http too.

use std::time::{Duration, SystemTime};

use log::{debug, trace, warn};
use ureq::http;
use url::Url;

use super::digest::{parse_challenges, DigestSession};
use super::tls::{self, TlsSettings};
use crate::error::{Error, Result};

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = "Synchro/0.1";

/// The message of the error for a Basic challenge over plain http, naming the fix.
pub const INSECURE_BASIC: &str = "the server asks for the password in the clear (HTTP Basic \
authentication over plain http), so it was not sent: use an https:// URL, or allow it for \
this account with --allow-insecure-http";

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// Connection settings. The password is never printed by `Debug`.
#[derive(Clone)]
pub struct HttpConfig {
    /// User name.
    pub username: String,
    /// Password (kept in memory only).
    pub password: String,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout for a whole response to arrive.
    pub read_timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub max_body: u64,
    /// Answer a Basic challenge over plain http (the password then travels readable).
    pub allow_insecure_basic: bool,
    /// Whom TLS connections trust besides the platform.
    pub tls: TlsSettings,
}

impl HttpConfig {
    /// Settings with the given credentials and defaults: connect 15 s, read 120 s (as
    /// DAVx⁵), responses up to 64 MiB. An empty user name means no authentication.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> HttpConfig {
        HttpConfig {
            username: username.into(),
            password: password.into(),
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(120),
            max_body: 64 * 1024 * 1024,
            allow_insecure_basic: false,
            tls: TlsSettings::default(),
        }
    }
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("username", &self.username)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_body", &self.max_body)
            .field("allow_insecure_basic", &self.allow_insecure_basic)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// Requests made and bytes moved so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// HTTP requests sent (each retry and redirect counts).
    pub requests: u64,
    /// Request bytes sent (bodies).
    pub bytes_sent: u64,
    /// Response bytes received (bodies after gzip decoding).
    pub bytes_received: u64,
}

/// A complete HTTP response (status, headers, body read up to the configured limit).
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers with lower-cased names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, decoded from gzip when it was compressed.
    pub body: Vec<u8>,
    /// The final URL, after redirects.
    pub url: String,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The status line and headers of an answer whose body is streamed
/// ([`HttpClient::request_streamed`]).
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// Headers with lower-cased names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The final URL, after redirects.
    pub url: String,
}

impl ResponseHead {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer as the request loop hands it on: the body still on the wire, or already read
/// (a redirect without a location).
struct RawResponse {
    head: ResponseHead,
    body: RawBody,
}

enum RawBody {
    Unread(ureq::Body),
    Read(Vec<u8>),
}

impl RawResponse {
    fn read(resp: Response) -> RawResponse {
        RawResponse {
            head: ResponseHead {
                status: resp.status,
                headers: resp.headers,
                url: resp.url,
            },
            body: RawBody::Read(resp.body),
        }
    }
}

/// A body reader that counts the bytes it gives and keeps, as the crate's error, the first
/// failure of the stream under it (a timeout, a cut connection, the size limit).
struct Counted<R> {
    inner: R,
    bytes: u64,
    failure: Option<Error>,
    limit: u64,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.bytes += n as u64;
                Ok(n)
            }
            Err(e) => {
                if self.failure.is_none() {
                    self.failure = Some(map_io_error(&e, self.limit));
                }
                Err(e)
            }
        }
    }
}

/// How requests to the account's origin are authorised.
#[derive(Debug)]
enum AuthState {
    /// Nothing sent until a server asks (or, over https, Basic when preemptive).
    None,
    /// Basic on every request, once the server asked for it (or preemptively over https).
    Basic,
    /// Digest with the server's current nonce.
    Digest(DigestSession),
}

/// One HTTP agent: a connection pool, a cookie jar, the auth state and counters.
///
/// Credentials are only ever sent to the origin of the first request made (the account's
/// server), never to another origin a redirect points to.
pub struct HttpClient {
    agent: ureq::Agent,
    config: HttpConfig,
    auth: AuthState,
    preemptive_basic: bool,
    origin: Option<url::Origin>,
    stats: HttpStats,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A new agent with `config`'s credentials, timeouts, body limit and trust settings (a
    /// missing or invalid CA file is an error here, before anything is sent).
    pub fn new(config: HttpConfig) -> Result<HttpClient> {
        if config.max_body == 0 {
            return Err(Error::Config("max_body must be positive".into()));
        }
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .allow_non_standard_methods(true)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_send_request(Some(config.read_timeout))
            .timeout_send_body(Some(config.read_timeout))
            .timeout_recv_response(Some(config.read_timeout))
            .timeout_recv_body(Some(config.read_timeout))
            .build();
        use ureq::unversioned::resolver::DefaultResolver;
        use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
        let connector = ()
            .chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(tls::TlsConnector::new(tls::client_config(&config.tls)?));
        Ok(HttpClient {
            agent: ureq::Agent::with_parts(agent_config, connector, DefaultResolver::default()),
            config,
            auth: AuthState::None,
            preemptive_basic: false,
            origin: None,
            stats: HttpStats::default(),
        })
    }

    /// Sends Basic credentials from the first request on, without waiting for a 401, to a
    /// server known to want Basic: over https, or over plain http when
    /// [`HttpConfig::allow_insecure_basic`] allows Basic there (otherwise nothing is sent
    /// before a challenge).
    pub fn set_preemptive_basic(&mut self, on: bool) {
        self.preemptive_basic = on;
        if !on && matches!(self.auth, AuthState::Basic) {
            self.auth = AuthState::None;
        }
    }

    /// True once requests carry Basic credentials (preemptively or after a Basic
    /// challenge) where Basic may go before a challenge (https, or plain http when allowed):
    /// a caller may remember it and call [`HttpClient::set_preemptive_basic`] next time.
    pub fn uses_basic(&self) -> bool {
        matches!(self.auth, AuthState::Basic)
            && self.origin.as_ref().is_some_and(|o| {
                matches!(o, url::Origin::Tuple(s, _, _)
                    if s == "https" || self.config.allow_insecure_basic)
            })
    }

    /// Counters since this client was made.
    pub fn stats(&self) -> HttpStats {
        self.stats
    }

    /// The configured response size limit.
    pub fn max_body(&self) -> u64 {
        self.config.max_body
    }

    /// The Digest session in use (challenge and nonce count), for the caller to keep and
    /// [resume](Self::resume_digest) at the next sync; `None` unless the server asked for
    /// Digest.
    pub fn digest_session(&self) -> Option<&DigestSession> {
        match &self.auth {
            AuthState::Digest(d) => Some(d),
            _ => None,
        }
    }

    /// Authorises requests with a Digest session kept from an earlier sync with this server,
    /// continuing its nonce count: no 401 before the first answer while the nonce lives. A
    /// nonce the server no longer takes costs one fresh challenge, as a stale one does.
    pub fn resume_digest(&mut self, session: DigestSession) {
        if self.has_credentials() && matches!(self.auth, AuthState::None) {
            self.auth = AuthState::Digest(session);
        }
    }

    fn has_credentials(&self) -> bool {
        !self.config.username.is_empty()
    }

    /// Sends one request and returns its response, following up to [`MAX_REDIRECTS`]
    /// redirects with the same method and body (303 turns into a GET), answering auth
    /// challenges, and turning 429/503 into [`Error::RetryLater`].
    ///
    /// Any other status (including 403, 404, 412, 5xx) is returned for the caller to judge.
    /// A 401 after credentials were sent is [`Error::Auth`].
    pub fn request(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response> {
        let raw = self.request_raw(method, url, headers, body)?;
        let limit = self.config.max_body;
        self.read_whole(raw, limit)
    }

    /// [`request`](Self::request), but the final answer's body is handed to `read` as a
    /// buffered stream while it arrives, up to `limit` bytes (gzip decoded), instead of
    /// being read whole first: a large answer is parsed without ever being held in memory.
    /// `read` sees the status and headers first and may stop reading at any point (the
    /// connection is then not reused). An error reading the stream (a timeout, a cut
    /// connection, more than `limit` bytes) is returned as that error, whatever `read`
    /// made of it.
    pub fn request_streamed<T>(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        limit: u64,
        read: impl FnOnce(&ResponseHead, &mut dyn std::io::BufRead) -> Result<T>,
    ) -> Result<T> {
        let raw = self.request_raw(method, url, headers, body)?;
        let inner: Box<dyn std::io::Read> = match raw.body {
            RawBody::Unread(b) => Box::new(b.into_with_config().limit(limit).reader()),
            RawBody::Read(v) => Box::new(std::io::Cursor::new(v)),
        };
        let mut counted = Counted {
            inner,
            bytes: 0,
            failure: None,
            limit,
        };
        let result = {
            let mut buffered = std::io::BufReader::with_capacity(64 << 10, &mut counted);
            read(&raw.head, &mut buffered)
        };
        self.stats.bytes_received += counted.bytes;
        debug!(
            "{} -> {} ({} bytes streamed)",
            method, raw.head.status, counted.bytes
        );
        match (result, counted.failure) {
            (Err(_), Some(failure)) => Err(failure),
            (result, _) => result,
        }
    }

    /// Reads a final answer's body whole, up to `limit` bytes.
    fn read_whole(&mut self, raw: RawResponse, limit: u64) -> Result<Response> {
        let body = match raw.body {
            RawBody::Unread(b) => b
                .into_with_config()
                .limit(limit)
                .read_to_vec()
                .map_err(|e| map_ureq_error(e, limit))?,
            RawBody::Read(v) => {
                return Ok(Response {
                    status: raw.head.status,
                    headers: raw.head.headers,
                    body: v,
                    url: raw.head.url,
                })
            }
        };
        self.stats.bytes_received += body.len() as u64;
        debug!("-> {} ({} bytes)", raw.head.status, body.len());
        trace!("response body: {}", super::log_body::loggable(&body));
        Ok(Response {
            status: raw.head.status,
            headers: raw.head.headers,
            body,
            url: raw.head.url,
        })
    }

    /// The request loop of [`request`](Self::request): redirects, auth challenges and
    /// "retry later" are handled here (their bodies read and dropped); the final answer
    /// comes back with its body unread.
    fn request_raw(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<RawResponse> {
        let mut url = parse_url(url)?;
        if self.origin.is_none() {
            self.origin = Some(url.origin());
        }
        let mut method = method.to_string();
        let mut body = body;
        let mut hops = 0;
        // Auth retries allowed within this call: a first challenge, and one stale nonce.
        let mut fresh_challenge_used = false;
        let mut stale_retry_used = false;
        loop {
            let same_origin = self.origin.as_ref() == Some(&url.origin());
            let auth_header = if same_origin {
                self.authorization(&method, &url)
            } else {
                None
            };
            let sent_auth = auth_header.is_some();
            let sent_reused_digest =
                matches!(&self.auth, AuthState::Digest(d) if d.nonce_count() > 1);
            let sent_basic = auth_header
                .as_deref()
                .is_some_and(|h| h.starts_with("Basic "));
            let raw = self.send_once(&method, &url, headers, body, auth_header.as_deref())?;
            if !matches!(
                raw.head.status,
                401 | 301 | 302 | 303 | 307 | 308 | 429 | 503
            ) {
                if let (Some(info), AuthState::Digest(d)) =
                    (raw.head.header("authentication-info"), &mut self.auth)
                {
                    let params = parse_challenges([format!("x {info}").as_str()]);
                    if let Some(n) = params.first().and_then(|c| c.param("nextnonce")) {
                        d.renew_nonce(n);
                    }
                }
                return Ok(raw);
            }
            let limit = self.config.max_body;
            let resp = self.read_whole(raw, limit)?;

            match resp.status {
                401 => {
                    if !same_origin || !self.has_credentials() {
                        return Err(Error::Auth);
                    }
                    let challenges = parse_challenges(resp.header_all("www-authenticate"));
                    let stale = challenges
                        .iter()
                        .any(|c| c.scheme == "digest" && DigestSession::is_stale(c));
                    let retry = if !sent_auth {
                        !fresh_challenge_used
                    } else if stale && !stale_retry_used {
                        stale_retry_used = true;
                        true
                    } else {
                        // A reused nonce may have expired without `stale`, or preemptive
                        // Basic met a Digest-only server: one fresh try.
                        let digest_only = !challenges.iter().any(|c| c.scheme == "basic")
                            && DigestSession::best(&challenges).is_some();
                        (sent_reused_digest || (sent_basic && digest_only)) && !fresh_challenge_used
                    };
                    if !retry {
                        debug!("credentials refused by {}", redact(&url));
                        return Err(Error::Auth);
                    }
                    fresh_challenge_used = true;
                    if let Some(d) = DigestSession::best(&challenges) {
                        self.auth = AuthState::Digest(d);
                    } else if challenges.iter().any(|c| c.scheme == "basic") {
                        if url.scheme() != "https" && !self.config.allow_insecure_basic {
                            warn!("Basic auth over plain http refused: {}", redact(&url));
                            return Err(Error::Config(INSECURE_BASIC.into()));
                        }
                        self.auth = AuthState::Basic;
                    } else {
                        warn!("401 without a usable Basic or Digest challenge");
                        return Err(Error::Auth);
                    }
                    continue;
                }
                301 | 302 | 303 | 307 | 308 => {
                    let Some(location) = resp.header("location") else {
                        return Ok(RawResponse::read(resp));
                    };
                    hops += 1;
                    if hops > MAX_REDIRECTS {
                        return Err(Error::Protocol(format!(
                            "more than {MAX_REDIRECTS} redirects"
                        )));
                    }
                    let next = url.join(location).map_err(|_| {
                        Error::Protocol("redirect to an invalid location".to_string())
                    })?;
                    if next.scheme() != "http" && next.scheme() != "https" {
                        return Err(Error::Protocol("redirect to a non-HTTP URL".into()));
                    }
                    if url.scheme() == "https" && next.scheme() == "http" {
                        return Err(Error::Protocol(
                            "redirect from https to plain http refused".into(),
                        ));
                    }
                    debug!(
                        "{} {} -> {} {}",
                        method,
                        redact(&url),
                        resp.status,
                        redact(&next)
                    );
                    if resp.status == 303 {
                        method = "GET".into();
                        body = None;
                    }
                    url = next;
                    continue;
                }
                429 | 503 => {
                    let after = resp
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    return Err(Error::RetryLater { after });
                }
                _ => return Ok(RawResponse::read(resp)),
            }
        }
    }

    fn authorization(&mut self, method: &str, url: &Url) -> Option<String> {
        if !self.has_credentials() {
            return None;
        }
        let https = url.scheme() == "https";
        let basic_allowed = https || self.config.allow_insecure_basic;
        if self.preemptive_basic && basic_allowed && matches!(self.auth, AuthState::None) {
            self.auth = AuthState::Basic;
        }
        match &mut self.auth {
            AuthState::None => None,
            AuthState::Basic if !basic_allowed => None,
            AuthState::Basic => Some(format!(
                "Basic {}",
                crate::remote::syncml::auth::basic_credential(
                    &self.config.username,
                    &self.config.password
                )
            )),
            AuthState::Digest(d) => {
                let mut uri = url.path().to_string();
                if let Some(q) = url.query() {
                    uri.push('?');
                    uri.push_str(q);
                }
                Some(d.authorization(&self.config.username, &self.config.password, method, &uri))
            }
        }
    }

    fn send_once(
        &mut self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        auth: Option<&str>,
    ) -> Result<RawResponse> {
        let m = http::Method::from_bytes(method.as_bytes())
            .map_err(|_| Error::Config(format!("invalid HTTP method {method}")))?;
        let mut builder = http::Request::builder().method(m).uri(url.as_str());
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let Some(a) = auth {
            builder = builder.header("authorization", a);
        }
        debug!("{} {}", method, redact(url));
        if let Some(b) = body {
            trace!("request body: {}", super::log_body::loggable(b));
        }
        self.stats.requests += 1;
        let result = match body {
            Some(b) => {
                let req = builder
                    .body(b)
                    .map_err(|e| Error::Config(format!("bad request: {e}")))?;
                self.stats.bytes_sent += b.len() as u64;
                self.agent.run(req)
            }
            None => {
                let req = builder
                    .body(())
                    .map_err(|e| Error::Config(format!("bad request: {e}")))?;
                self.agent.run(req)
            }
        };
        let resp = result.map_err(|e| map_ureq_error(e, self.config.max_body))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        debug!("{} {} -> {}", method, redact(url), status);
        Ok(RawResponse {
            head: ResponseHead {
                status,
                headers,
                url: url.to_string(),
            },
            body: RawBody::Unread(resp.into_body()),
        })
    }
}

/// Parses an absolute http(s) URL, dropping any user info so it can never leak.
fn parse_url(s: &str) -> Result<Url> {
    let mut url = Url::parse(s).map_err(|_| Error::Config("invalid server URL".to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(Error::Config("server URL must be http or https".into()));
    }
    if url.host().is_none() {
        return Err(Error::Config("server URL has no host".into()));
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url)
}

/// A URL fit for logs: no user info, no query, no fragment.
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

fn map_ureq_error(e: ureq::Error, max_body: u64) -> Error {
    match e {
        ureq::Error::BodyExceedsLimit(_) => {
            Error::Protocol(format!("response larger than {max_body} bytes"))
        }
        ureq::Error::Timeout(t) => Error::Network(format!("timeout ({t})")),
        ureq::Error::HostNotFound => Error::Network("host not found".into()),
        ureq::Error::ConnectionFailed => Error::Network("connection failed".into()),
        ureq::Error::Io(io) => map_io_error(&io, max_body),
        ureq::Error::Rustls(e) => Error::Tls(tls::classify(&e)),
        ureq::Error::Tls(m) => Error::Tls(tls::TlsFailure::Other(m.to_string())),
        ureq::Error::Protocol(p) => Error::Protocol(format!("HTTP: {p}")),
        ureq::Error::BadUri(_) => Error::Config("invalid URL".into()),
        other => Error::Network(other.to_string()),
    }
}

/// The crate's error for a failure reading an answer (the size limit, TLS, a timeout, a cut
/// connection).
fn map_io_error(io: &std::io::Error, max_body: u64) -> Error {
    if let Some(inner) = io.get_ref() {
        if let Some(ue) = inner.downcast_ref::<ureq::Error>() {
            match ue {
                ureq::Error::BodyExceedsLimit(_) => {
                    return Error::Protocol(format!("response larger than {max_body} bytes"))
                }
                ureq::Error::Timeout(t) => return Error::Network(format!("timeout ({t})")),
                _ => {}
            }
        }
        if let Some(re) = inner.downcast_ref::<rustls::Error>() {
            return Error::Tls(tls::classify(re));
        }
    }
    Error::Network(format!("{:?}: {}", io.kind(), io))
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (relative to `now`).
/// A date in the past gives zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let target = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(date.timestamp()).ok()?))?;
    Some(target.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::testserver::{answer, header, serve};
    use std::net::TcpListener;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00Z
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn urls_are_redacted_and_userinfo_dropped() {
        let u = parse_url("https://bob:secret@example.org/dav/?token=x").unwrap();
        assert!(!u.as_str().contains("secret"));
        assert_eq!(redact(&u), "https://example.org/dav/");
        assert!(parse_url("ftp://example.org/").is_err());
        assert!(parse_url("not a url").is_err());
    }

    fn client(user: &str, pass: &str) -> HttpClient {
        let mut c = HttpConfig::new(user, pass);
        c.connect_timeout = Duration::from_secs(5);
        c.read_timeout = Duration::from_secs(10);
        HttpClient::new(c).unwrap()
    }

    #[test]
    fn a_kept_digest_session_authorises_the_first_request_of_the_next_client() {
        let challenge = "WWW-Authenticate: Digest realm=\"r\", qop=\"auth\", nonce=\"n1\"";
        let (base, seen) = serve(vec![
            answer("401 Unauthorized", &[challenge], ""),
            answer("200 OK", &[], "one"),
            answer("200 OK", &[], "two"),
            // The kept nonce expired (no `stale`): one fresh challenge, then through.
            answer(
                "401 Unauthorized",
                &["WWW-Authenticate: Digest realm=\"r\", qop=\"auth\", nonce=\"n2\""],
                "",
            ),
            answer("200 OK", &[], "three"),
        ]);
        let mut first = client("u", "p");
        first
            .request("GET", &format!("{base}/a"), &[], None)
            .unwrap();
        let kept = serde_json::to_string(first.digest_session().unwrap()).unwrap();
        assert!(!kept.contains("\"p\""), "no password in {kept}");

        let mut next = client("u", "p");
        next.resume_digest(serde_json::from_str(&kept).unwrap());
        let r = next
            .request("GET", &format!("{base}/b"), &[], None)
            .unwrap();
        assert_eq!(r.body, b"two");
        assert_eq!(next.stats().requests, 1, "no 401 round trip");

        let mut late = client("u", "p");
        late.resume_digest(next.digest_session().unwrap().clone());
        let r = late
            .request("GET", &format!("{base}/c"), &[], None)
            .unwrap();
        assert_eq!(r.body, b"three");

        let seen = seen.lock().unwrap();
        let auth = |i: usize| header(&seen[i], "authorization").unwrap().to_string();
        // The nonce count goes on across clients: 1, 2, then 3 on the expired nonce.
        assert!(auth(1).contains("nc=00000001"), "{}", auth(1));
        assert!(auth(2).contains("nonce=\"n1\"") && auth(2).contains("nc=00000002"));
        assert!(auth(3).contains("nonce=\"n1\"") && auth(3).contains("nc=00000003"));
        assert!(auth(4).contains("nonce=\"n2\"") && auth(4).contains("nc=00000001"));
    }

    #[test]
    fn redirect_keeps_method_and_body_and_digest_auth_works() {
        let (base, seen) = serve(vec![
            answer(
                "401 Unauthorized",
                &["WWW-Authenticate: Digest realm=\"r\", qop=\"auth\", nonce=\"n1\", algorithm=MD5"],
                "",
            ),
            answer("302 Found", &["Location: /final/item.ics"], ""),
            answer(
                "401 Unauthorized",
                &["WWW-Authenticate: Digest realm=\"r\", qop=\"auth\", nonce=\"n2\", stale=true"],
                "",
            ),
            answer("201 Created", &["ETag: \"e1\""], ""),
            answer("207 Multi-Status", &[], "<x/>"),
        ]);
        let mut c = client("u", "p");
        let r = c
            .request(
                "PUT",
                &format!("{base}/cal/other-name.ics"),
                &[("If-None-Match", "*")],
                Some(b"BEGIN:VCALENDAR"),
            )
            .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.header("ETag"), Some("\"e1\""));
        assert!(r.url.ends_with("/final/item.ics"));
        let r = c
            .request(
                "PROPFIND",
                &format!("{base}/cal/"),
                &[("Depth", "0")],
                Some(b"<p/>"),
            )
            .unwrap();
        assert_eq!(r.status, 207);
        assert_eq!(r.body, b"<x/>");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 5);
        assert!(seen[0].request_line.starts_with("PUT /cal/other-name.ics"));
        assert!(header(&seen[0], "authorization").is_none());
        assert!(header(&seen[1], "authorization")
            .unwrap()
            .contains("nonce=\"n1\""));
        assert!(seen[2].request_line.starts_with("PUT /final/item.ics"));
        assert_eq!(seen[2].body, b"BEGIN:VCALENDAR");
        assert_eq!(header(&seen[2], "if-none-match"), Some("*"));
        assert!(header(&seen[2], "authorization")
            .unwrap()
            .contains("uri=\"/final/item.ics\""));
        assert!(header(&seen[3], "authorization")
            .unwrap()
            .contains("nonce=\"n2\""));
        assert!(header(&seen[3], "authorization")
            .unwrap()
            .contains("nc=00000001"));
        // The nonce is reused for the next request, with the count going up.
        assert!(seen[4].request_line.starts_with("PROPFIND /cal/"));
        assert!(header(&seen[4], "authorization")
            .unwrap()
            .contains("nc=00000002"));
        assert_eq!(header(&seen[4], "user-agent"), Some(USER_AGENT));
        assert!(header(&seen[4], "accept-encoding").is_some_and(|v| v.contains("gzip")));
        assert_eq!(seen[4].body, b"<p/>");
        assert_eq!(c.stats().requests, 5);
    }

    #[test]
    fn basic_then_refused_is_auth_error() {
        let (base, seen) = serve(vec![
            answer(
                "401 Unauthorized",
                &["WWW-Authenticate: Basic realm=\"x\""],
                "",
            ),
            answer(
                "401 Unauthorized",
                &["WWW-Authenticate: Basic realm=\"x\""],
                "",
            ),
        ]);
        let mut c = client("Aladdin", "open sesame");
        c.config.allow_insecure_basic = true;
        let e = c
            .request("GET", &format!("{base}/"), &[], None)
            .unwrap_err();
        assert!(matches!(e, Error::Auth), "{e:?}");
        let seen = seen.lock().unwrap();
        assert_eq!(
            header(&seen[1], "authorization"),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
    }

    #[test]
    fn basic_over_plain_http_is_refused_unless_allowed() {
        let (base, seen) = serve(vec![answer(
            "401 Unauthorized",
            &["WWW-Authenticate: Basic realm=\"x\""],
            "",
        )]);
        let mut c = client("u", "p");
        c.set_preemptive_basic(true);
        let e = c
            .request("GET", &format!("{base}/"), &[], None)
            .unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m == INSECURE_BASIC),
            "{e:?}"
        );
        assert!(e.to_string().contains("--allow-insecure-http"));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert!(header(&seen[0], "authorization").is_none());
        assert!(!c.uses_basic());
    }

    #[test]
    fn preemptive_basic_waits_for_a_challenge_over_http() {
        let (base, seen) = serve(vec![
            answer("401 Unauthorized", &["WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=SHA-256"], ""),
            answer("200 OK", &[], "ok"),
            answer("401 Unauthorized", &["WWW-Authenticate: Basic realm=\"x\""], ""),
            answer("200 OK", &[], "ok"),
            answer("200 OK", &[], "ok"),
            answer("200 OK", &[], "ok"),
        ]);
        let mut c = client("u", "p");
        c.set_preemptive_basic(true);
        let r = c.request("GET", &format!("{base}/"), &[], None).unwrap();
        assert_eq!(r.body, b"ok");
        // Basic over http allowed by the account, not preemptive yet: it waits for the
        // challenge, and is remembered as preemptive for next time.
        let mut c2 = client("u", "p");
        c2.config.allow_insecure_basic = true;
        c2.request("GET", &format!("{base}/a"), &[], None).unwrap();
        c2.request("GET", &format!("{base}/b"), &[], None).unwrap();
        assert!(c2.uses_basic());
        // Remembered: Basic with the first request, no 401 round trip.
        let mut c3 = client("u", "p");
        c3.config.allow_insecure_basic = true;
        c3.set_preemptive_basic(true);
        c3.request("GET", &format!("{base}/c"), &[], None).unwrap();
        assert_eq!(c3.stats().requests, 1);
        let seen = seen.lock().unwrap();
        // Digest over http is fine; nothing went before the challenge.
        assert!(header(&seen[0], "authorization").is_none());
        assert!(header(&seen[1], "authorization")
            .unwrap()
            .contains("algorithm=SHA-256"));
        assert!(header(&seen[2], "authorization").is_none());
        assert!(header(&seen[3], "authorization")
            .unwrap()
            .starts_with("Basic "));
        assert!(header(&seen[4], "authorization")
            .unwrap()
            .starts_with("Basic "));
        assert!(header(&seen[5], "authorization")
            .unwrap()
            .starts_with("Basic "));
    }

    #[test]
    fn retry_after_and_redirect_limit() {
        let (base, _) = serve(vec![answer(
            "503 Service Unavailable",
            &["Retry-After: 30"],
            "",
        )]);
        let mut c = client("", "");
        let e = c
            .request("GET", &format!("{base}/"), &[], None)
            .unwrap_err();
        assert!(
            matches!(e, Error::RetryLater { after: Some(d) } if d == Duration::from_secs(30)),
            "{e:?}"
        );
        let loops = (0..7)
            .map(|_| answer("307 Temporary Redirect", &["Location: /again"], ""))
            .collect();
        let (base, _) = serve(loops);
        let e = c
            .request("GET", &format!("{base}/"), &[], None)
            .unwrap_err();
        assert!(matches!(e, Error::Protocol(_)), "{e:?}");
    }

    #[test]
    fn credentials_not_sent_to_other_origin() {
        let (other, seen_other) = serve(vec![answer("200 OK", &[], "ok")]);
        let (base, _) = serve(vec![answer(
            "301 Moved Permanently",
            &[&format!("Location: {other}/x")],
            "",
        )]);
        let mut c = client("u", "p");
        c.set_preemptive_basic(true);
        let r = c.request("GET", &format!("{base}/"), &[], None).unwrap();
        assert_eq!(r.body, b"ok");
        assert!(header(&seen_other.lock().unwrap()[0], "authorization").is_none());
    }

    #[test]
    fn cookies_kept_and_gzip_decoded() {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"hello gzip").unwrap();
        let gz = gz.finish().unwrap();
        let mut second = format!(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            gz.len()
        )
        .into_bytes();
        second.extend_from_slice(&gz);
        let (base, seen) = serve(vec![
            answer("200 OK", &["Set-Cookie: ZM_AUTH_TOKEN=abc; Path=/"], "a").into_bytes(),
            second,
        ]);
        let mut c = client("", "");
        c.request("GET", &format!("{base}/"), &[], None).unwrap();
        let r = c.request("GET", &format!("{base}/x"), &[], None).unwrap();
        assert_eq!(r.body, b"hello gzip");
        let seen = seen.lock().unwrap();
        assert_eq!(header(&seen[1], "cookie"), Some("ZM_AUTH_TOKEN=abc"));
    }

    #[test]
    fn http10_server_close_delimited() {
        // Debian's Radicale 3.1.8 answers HTTP/1.0 without keep-alive.
        let (base, _) = serve(vec![
            "HTTP/1.0 207 Multi-Status\r\nContent-Type: text/xml\r\n\r\n<multistatus/>",
            "HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n",
        ]);
        let mut c = client("", "");
        let r = c
            .request(
                "REPORT",
                &format!("{base}/cal/"),
                &[("Depth", "1")],
                Some(b"<q/>"),
            )
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (207, &b"<multistatus/>"[..]));
        let r = c
            .request("PUT", &format!("{base}/cal/x.ics"), &[], Some(b"X"))
            .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(c.stats().bytes_sent, 5);
        assert_eq!(c.stats().bytes_received, 14);
    }

    #[test]
    fn body_limit_and_unreachable() {
        let (base, _) = serve(vec![answer("200 OK", &[], &"x".repeat(2000))]);
        let mut cfg = HttpConfig::new("", "");
        cfg.max_body = 1000;
        let mut c = HttpClient::new(cfg).unwrap();
        let e = c
            .request("GET", &format!("{base}/"), &[], None)
            .unwrap_err();
        assert!(
            matches!(&e, Error::Protocol(m) if m == "response larger than 1000 bytes"),
            "{e:?}"
        );
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = c
            .request("GET", &format!("http://127.0.0.1:{port}/"), &[], None)
            .unwrap_err();
        assert!(matches!(e, Error::Network(_)), "{e:?}");
    }
}
