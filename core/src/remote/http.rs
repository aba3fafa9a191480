//! One HTTP agent per sync (ureq, rustls): Basic and Digest auth, redirects, cookies, gzip,
//! timeouts, response size limits, and counters of requests and bytes.

use std::time::Duration;

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
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("username", &self.username)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_body", &self.max_body)
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
    /// Response bytes received (bodies, as on the wire).
    pub bytes_received: u64,
}

/// Placeholder until the HTTP layer lands.
pub struct HttpClient;
impl HttpClient {
    /// New client.
    pub fn new(config: HttpConfig) -> crate::Result<Self> {
        todo!("{config:?}")
    }
}
