//! The crate's one error type and the coarse kinds callers branch on.

use std::time::Duration;

/// What a caller (the CLI, an app) does about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server refused the credentials: ask for the password again.
    Auth,
    /// The server could not be reached, or asked to come back later: nothing was lost.
    Unavailable,
    /// The sync was held back by a safety check; a confirmed re-run applies it.
    NeedsConfirmation,
    /// The server answered something this client cannot use.
    Protocol,
    /// Invalid iCalendar data.
    InvalidData,
    /// The local store or device calendar failed.
    Local,
    /// Bad settings or arguments.
    Config,
    /// The sync was interrupted on request.
    Interrupted,
    /// Another sync holds the store.
    Busy,
}

/// Every error of the core. Messages carry no personal data and no credentials.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// HTTP 401/403 on authentication.
    #[error("authentication failed (check the user name and password)")]
    Auth,
    /// Connection refused, reset, DNS failure, timeout.
    #[error("server unreachable: {0}")]
    Network(String),
    /// 503 or 429, possibly with Retry-After.
    #[error("server busy, retry later{}", .after.map(|d| format!(" (after {} s)", d.as_secs())).unwrap_or_default())]
    RetryLater {
        /// How long the server asked us to wait, when it said.
        after: Option<Duration>,
    },
    /// An HTTP status the operation cannot go on with.
    #[error("HTTP {status} on {context}")]
    Http {
        /// The status code.
        status: u16,
        /// What was being done (method and path, never credentials).
        context: String,
    },
    /// A response that is not what the protocol says (bad XML, missing parts, too large).
    #[error("malformed server response: {0}")]
    Protocol(String),
    /// iCalendar data that cannot be parsed or lacks what is required.
    #[error("invalid iCalendar: {0}")]
    InvalidCalendar(String),
    /// SQLite error.
    #[error("store: {0}")]
    Store(#[from] rusqlite::Error),
    /// The device calendar refused an operation.
    #[error("device calendar: {0}")]
    Device(String),
    /// File system error.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// `interrupt()` was called.
    #[error("sync interrupted")]
    Interrupted,
    /// Bad settings.
    #[error("{0}")]
    Config(String),
    /// A safety check held the sync back.
    #[error("held back for confirmation")]
    NeedsConfirmation(crate::sync::HoldReason),
    /// Another process is syncing this store.
    #[error("another sync is running on this store; try again when it has finished")]
    Busy,
}

impl Error {
    /// The coarse kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Auth => ErrorKind::Auth,
            Error::Network(_) | Error::RetryLater { .. } => ErrorKind::Unavailable,
            Error::Http { status, .. } if *status >= 500 => ErrorKind::Unavailable,
            Error::Http { .. } | Error::Protocol(_) => ErrorKind::Protocol,
            Error::InvalidCalendar(_) => ErrorKind::InvalidData,
            Error::Store(_) | Error::Device(_) | Error::Io(_) => ErrorKind::Local,
            Error::Interrupted => ErrorKind::Interrupted,
            Error::Config(_) => ErrorKind::Config,
            Error::NeedsConfirmation(_) => ErrorKind::NeedsConfirmation,
            Error::Busy => ErrorKind::Busy,
        }
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
