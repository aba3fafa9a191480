//! CalDAV client: discovery, change detection (sync-collection, ctag, etag listing),
//! multiget, conditional writes.
//!
//! Built on [`HttpClient`](crate::remote::http::HttpClient); XML is parsed as a stream by
//! [`xml`]. Hrefs are kept as the server wrote them (absolute paths, percent-encoded) and
//! turned into URLs by resolving them against the server's URL.

pub mod discovery;
pub mod listing;
pub mod write;
pub mod xml;

use percent_encoding::percent_decode_str;
use url::Url;

use crate::error::{Error, Result};
use crate::model::{Etag, Href, SyncToken};
use crate::remote::http::{HttpClient, HttpStats, Response};

pub use write::resource_name_for_uid;

/// Default number of hrefs per calendar-multiget request.
pub const DEFAULT_BATCH_SIZE: usize = 50;

/// A calendar collection found by [`CalDavClient::discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarInfo {
    /// Absolute URL of the collection, with a trailing slash.
    pub url: String,
    /// `DAV:displayname`.
    pub display_name: Option<String>,
    /// Apple `calendar-color` (as the server wrote it, e.g. `#ff0000ff`).
    pub color: Option<String>,
    /// True when `current-user-privilege-set` grants none of write, write-content, all.
    pub read_only: bool,
    /// `supported-calendar-component-set` names (`VEVENT`, `VTODO`...); empty = unknown/all.
    pub components: Vec<String>,
    /// Whether `supported-report-set` lists RFC 6578 `sync-collection`.
    pub supports_sync_collection: bool,
}

/// Cheap change markers of a collection, from one PROPFIND Depth:0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionState {
    /// CalendarServer `getctag`, when the server has one.
    pub ctag: Option<String>,
    /// RFC 6578 `sync-token`, when the server has one.
    pub sync_token: Option<SyncToken>,
    /// Whether the server advertises `sync-collection` for this collection.
    pub supports_sync_collection: bool,
}

/// A calendar object resource: its href and current ETag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteItem {
    /// Absolute path as the server wrote it.
    pub href: Href,
    /// The ETag, with its quotes.
    pub etag: Etag,
}

/// The answer to a sync-collection REPORT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncResult {
    /// Changes since the given token (everything, for no token), and the new token.
    Delta {
        /// Items created or changed.
        changed: Vec<RemoteItem>,
        /// Items deleted.
        deleted: Vec<Href>,
        /// The token to send next time.
        token: SyncToken,
    },
    /// The server refused the token: list everything again.
    InvalidToken,
}

/// One calendar object downloaded with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedItem {
    /// Absolute path as the server wrote it.
    pub href: Href,
    /// The ETag (empty when the server sent none).
    pub etag: Etag,
    /// The iCalendar text.
    pub ics: String,
}

/// The result of a conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Stored. `etag` is the new strong ETag when the server returned one; `None` means the
    /// item must be fetched to learn it (weak ETags are dropped: the server changed the data).
    Written {
        /// The final href (after redirects, e.g. Zimbra's `<UID>.ics`).
        href: Href,
        /// The new ETag, if the server gave a strong one.
        etag: Option<Etag>,
    },
    /// 412: the ETag did not match, or (create) the resource already exists.
    PreconditionFailed,
    /// 404/410 on update or delete: the resource is gone.
    NotFound,
    /// The server already holds this UID under another href (`no-uid-conflict`).
    UidConflict {
        /// The existing href, when the server said it.
        existing: Option<Href>,
    },
}

/// A CalDAV client over one [`HttpClient`].
#[derive(Debug)]
pub struct CalDavClient {
    http: HttpClient,
    /// Hrefs per calendar-multiget request (at least 1).
    pub batch_size: usize,
    base: Option<Url>,
}

impl CalDavClient {
    /// A client using `http` for every request.
    pub fn new(http: HttpClient) -> Self {
        CalDavClient {
            http,
            batch_size: DEFAULT_BATCH_SIZE,
            base: None,
        }
    }

    /// Sets the hrefs per multiget request (values below 1 count as 1).
    pub fn set_batch_size(&mut self, n: usize) {
        self.batch_size = n.max(1);
    }

    /// Counters of the underlying HTTP client.
    pub fn stats(&self) -> HttpStats {
        self.http.stats()
    }

    /// Sets the URL hrefs are resolved against by [`get`](Self::get),
    /// [`update`](Self::update) and [`delete`](Self::delete). Any method taking a URL sets
    /// it too, so this is only needed when those are called first.
    pub fn set_base_url(&mut self, url: &str) -> Result<()> {
        self.base = Some(parse_url(url)?);
        Ok(())
    }

    /// The underlying HTTP client (for settings such as preemptive Basic).
    pub fn http_mut(&mut self) -> &mut HttpClient {
        &mut self.http
    }

    fn remember(&mut self, url: &Url) {
        self.base = Some(url.clone());
    }

    /// The URL of an href: resolved against the last server URL used.
    fn href_url(&self, href: &Href) -> Result<Url> {
        if let Ok(u) = Url::parse(href.as_str()) {
            return Ok(u);
        }
        let base = self
            .base
            .as_ref()
            .ok_or_else(|| Error::Config("no server URL known to resolve an href".into()))?;
        base.join(href.as_str())
            .map_err(|_| Error::Protocol("invalid href".into()))
    }

    /// PROPFIND with `depth` and `body`; a non-207 answer is an [`Error::Http`].
    fn propfind(&mut self, url: &Url, depth: &str, body: &str) -> Result<Response> {
        let resp = self.http.request(
            "PROPFIND",
            url.as_str(),
            &[
                ("Depth", depth),
                ("Content-Type", "application/xml; charset=utf-8"),
            ],
            Some(body.as_bytes()),
        )?;
        expect_207(resp, "PROPFIND", url)
    }

    /// REPORT with `depth` and `body`, returning the raw response whatever its status.
    fn report(&mut self, url: &Url, depth: &str, body: &str) -> Result<Response> {
        self.http.request(
            "REPORT",
            url.as_str(),
            &[
                ("Depth", depth),
                ("Content-Type", "application/xml; charset=utf-8"),
            ],
            Some(body.as_bytes()),
        )
    }
}

fn expect_207(resp: Response, method: &str, url: &Url) -> Result<Response> {
    if resp.status == 207 {
        Ok(resp)
    } else {
        Err(http_error(resp.status, method, url))
    }
}

fn http_error(status: u16, method: &str, url: &Url) -> Error {
    Error::Http {
        status,
        context: format!("{method} {}", url.path()),
    }
}

fn parse_url(s: &str) -> Result<Url> {
    let u = Url::parse(s).map_err(|_| Error::Config("invalid server URL".into()))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(Error::Config("server URL must be http or https".into()));
    }
    Ok(u)
}

/// A collection URL with a trailing slash, so relative names resolve inside it.
fn collection_url(s: &str) -> Result<Url> {
    let mut u = parse_url(s)?;
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

/// The href as stored: the server's absolute path verbatim, or, for a full URL on the same
/// origin as `base`, its path (and query); other origins keep the full URL.
fn to_href(base: &Url, raw: &str) -> Href {
    if raw.starts_with('/') && !raw.starts_with("//") {
        return Href::new(raw);
    }
    match base.join(raw) {
        Ok(u) if u.origin() == base.origin() => {
            let mut s = u.path().to_string();
            if let Some(q) = u.query() {
                s.push('?');
                s.push_str(q);
            }
            Href::new(s)
        }
        Ok(u) => Href::new(u.as_str()),
        Err(_) => Href::new(raw),
    }
}

/// A comparison key for hrefs: path only, percent-decoded, without a trailing slash, and
/// with runs of slashes kept (Zimbra uses `//` inside names).
fn href_key(base: &Url, href: &str) -> String {
    let path = match base.join(href) {
        Ok(u) => u.path().to_string(),
        Err(_) => href.to_string(),
    };
    let decoded = percent_decode_str(&path).decode_utf8_lossy().into_owned();
    decoded.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_and_keys() {
        let base = Url::parse("https://cloud.example.org/remote.php/dav/calendars/a/p/").unwrap();
        assert_eq!(
            to_href(
                &base,
                "https://cloud.example.org/remote.php/dav/calendars/a/p/x%20y.ics"
            )
            .as_str(),
            "/remote.php/dav/calendars/a/p/x%20y.ics"
        );
        assert_eq!(
            to_href(&base, "/dav/a@b/Calendar/a//b.ics").as_str(),
            "/dav/a@b/Calendar/a//b.ics"
        );
        assert_eq!(
            to_href(&base, "z.ics").as_str(),
            "/remote.php/dav/calendars/a/p/z.ics"
        );
        assert_eq!(
            to_href(&base, "https://other.example/x.ics").as_str(),
            "https://other.example/x.ics"
        );
        assert_eq!(
            href_key(&base, "/remote.php/dav/calendars/a/p/Caf%C3%A9.ics"),
            href_key(
                &base,
                "https://cloud.example.org/remote.php/dav/calendars/a/p/Café.ics"
            )
        );
        assert_eq!(
            href_key(&base, "/remote.php/dav/calendars/a/p/"),
            href_key(&base, "/remote.php/dav/calendars/a/p")
        );
        assert_eq!(
            href_key(&base, "/dav/alice%40uni.edu/Calendar/"),
            href_key(&base, "/dav/alice@uni.edu/Calendar/")
        );
    }

    #[test]
    fn collection_urls_get_a_slash() {
        assert_eq!(
            collection_url("http://h/test/cal").unwrap().as_str(),
            "http://h/test/cal/"
        );
        assert_eq!(collection_url("http://h/").unwrap().as_str(), "http://h/");
    }
}
