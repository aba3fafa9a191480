//! Conditional writes: create (`If-None-Match: *`, name from the UID), update and delete
//! (`If-Match`), with the answers real servers give (Zimbra 302 and no-uid-conflict,
//! Radicale 201 on update).

use log::debug;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use url::Url;

use super::xml::{self, CALDAV};
use super::{collection_url, http_error, to_href, CalDavClient, WriteOutcome};
use crate::error::Result;
use crate::model::{Etag, Href, Uid};
use crate::remote::http::Response;

/// Everything but RFC 3986 unreserved characters is percent-encoded.
const NAME_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// UIDs longer than this (in bytes) get a hashed resource name.
const MAX_UID_NAME: usize = 200;

const ICS_TYPE: &str = "text/calendar; charset=utf-8";

/// The resource name (`<escaped UID>.ics`) a new item is PUT under: every byte but
/// unreserved characters percent-encoded.
///
/// Servers decode the name before using it, and refuse many characters: Radicale and
/// Xandikos take `%2F` as a path separator (403); Radicale 3.9 answers 400 to any of
/// `: ' " * ? ,`, control characters and a trailing space, and refuses hidden `.names`.
/// So the UID gives the name only when it is at most 200 bytes, does not start with `.`
/// and holds only letters, digits, inner spaces and `- _ . ~ @ + = & ; ! $ ( )`; any other
/// UID (and an empty one) is named by the SHA-256 hex of the UID. Zimbra redirects any name
/// to its own `<UID>.ics` anyway.
pub fn resource_name_for_uid(uid: &Uid) -> String {
    let u = uid.as_str();
    let plain = |c: char| c.is_alphanumeric() || " -_.~@+=&;!$()".contains(c);
    if u.is_empty()
        || u.len() > MAX_UID_NAME
        || u.starts_with('.')
        || u.ends_with(' ')
        || !u.chars().all(plain)
    {
        let hash = Sha256::digest(u.as_bytes());
        let mut s = String::with_capacity(68);
        for b in hash {
            s.push_str(&format!("{b:02x}"));
        }
        s.push_str(".ics");
        return s;
    }
    format!("{}.ics", utf8_percent_encode(u, NAME_ESCAPE))
}

impl CalDavClient {
    /// Creates a new item `<cal_url><escaped UID>.ics` with `If-None-Match: *`, following a
    /// redirect to the server's own name (Zimbra). The final href is in the outcome.
    ///
    /// With [`check_before_create`](Self::check_before_create), a GET looks for the name
    /// first, unless the server is known to honour `If-None-Match`
    /// ([`if_none_match_honoured`](Self::if_none_match_honoured)). While that is unknown,
    /// the first successful create is probed: the same PUT again must answer 412.
    pub fn create(&mut self, cal_url: &str, uid: &Uid, ics: &str) -> Result<WriteOutcome> {
        let cal = collection_url(cal_url)?;
        self.remember(&cal);
        let url = cal
            .join(&resource_name_for_uid(uid))
            .map_err(|_| crate::Error::Protocol("cannot build the item URL".into()))?;
        if self.check_before_create && self.if_none_match_honoured != Some(true) {
            let href = Href::new(url.path());
            if self.get(&href)?.is_some() {
                return Ok(WriteOutcome::UidConflict {
                    existing: Some(href),
                });
            }
        }
        let resp = self.http.request(
            "PUT",
            url.as_str(),
            &[("If-None-Match", "*"), ("Content-Type", ICS_TYPE)],
            Some(ics.as_bytes()),
        )?;
        match resp.status {
            200..=299 => {
                let out = written(&resp, &url);
                if self.check_before_create && self.if_none_match_honoured.is_none() {
                    return self.probe_if_none_match(out, ics);
                }
                Ok(out)
            }
            412 | 409 | 403 => match uid_conflict(&resp) {
                Some(o) => Ok(o),
                None if resp.status == 412 => Ok(WriteOutcome::PreconditionFailed),
                None => Err(http_error(resp.status, "PUT (create)", &url)),
            },
            s => Err(http_error(s, "PUT (create)", &url)),
        }
    }

    /// Replaces the item at `href` if its ETag is still `etag`. `NotFound` when the item is
    /// gone (404/410, or a 412 followed by a GET answering 404).
    pub fn update(&mut self, href: &Href, etag: &Etag, ics: &str) -> Result<WriteOutcome> {
        let url = self.href_url(href)?;
        let resp = self.http.request(
            "PUT",
            url.as_str(),
            &[("If-Match", etag.as_str()), ("Content-Type", ICS_TYPE)],
            Some(ics.as_bytes()),
        )?;
        match resp.status {
            200..=299 => Ok(written(&resp, &url)),
            404 | 410 => Ok(WriteOutcome::NotFound),
            412 | 409 | 403 => match uid_conflict(&resp) {
                Some(o) => Ok(o),
                None if resp.status == 412 => self.precondition_or_gone(&url),
                None => Err(http_error(resp.status, "PUT (update)", &url)),
            },
            s => Err(http_error(s, "PUT (update)", &url)),
        }
    }

    /// Deletes the item at `href` if its ETag is still `etag`. `NotFound` means it was
    /// already gone (callers treat it as done); a 412 is checked with a GET as for update.
    pub fn delete(&mut self, href: &Href, etag: &Etag) -> Result<WriteOutcome> {
        let url = self.href_url(href)?;
        let resp =
            self.http
                .request("DELETE", url.as_str(), &[("If-Match", etag.as_str())], None)?;
        match resp.status {
            200..=299 => Ok(WriteOutcome::Written {
                href: href.clone(),
                etag: None,
            }),
            404 | 410 => Ok(WriteOutcome::NotFound),
            412 => self.precondition_or_gone(&url),
            s => Err(http_error(s, "DELETE", &url)),
        }
    }

    /// After a 412 on `If-Match`: servers answer 412 both for a changed item and for one
    /// that no longer exists (RFC 9110 13.1.1). One GET tells them apart (not HEAD: some
    /// servers send a body or a gzip header on HEAD answers, which breaks the connection).
    fn precondition_or_gone(&mut self, url: &Url) -> Result<WriteOutcome> {
        let resp = self.http.request("GET", url.as_str(), &[], None)?;
        Ok(match resp.status {
            404 | 410 => WriteOutcome::NotFound,
            _ => WriteOutcome::PreconditionFailed,
        })
    }
}

/// The outcome of a successful PUT: final href (after redirects) and a strong ETag if any.
impl CalDavClient {
    /// Sends the create that just succeeded once more, with `If-None-Match: *` on the item
    /// that now exists: a 412 shows the server honours it (later creates skip their GET); a
    /// success shows it does not (the item was rewritten with the same content: its new
    /// ETag is the one returned). Any other answer leaves the question open.
    fn probe_if_none_match(&mut self, created: WriteOutcome, ics: &str) -> Result<WriteOutcome> {
        let WriteOutcome::Written { href, .. } = &created else {
            return Ok(created);
        };
        let url = self.href_url(href)?;
        let resp = self.http.request(
            "PUT",
            url.as_str(),
            &[("If-None-Match", "*"), ("Content-Type", ICS_TYPE)],
            Some(ics.as_bytes()),
        )?;
        match resp.status {
            412 => {
                self.if_none_match_honoured = Some(true);
                Ok(created)
            }
            200..=299 => {
                debug!("the server ignores If-None-Match: every create looks first");
                self.if_none_match_honoured = Some(false);
                Ok(written(&resp, &url))
            }
            _ => Ok(created),
        }
    }
}

fn written(resp: &Response, requested: &Url) -> WriteOutcome {
    let final_url = Url::parse(&resp.url).unwrap_or_else(|_| requested.clone());
    let etag = resp
        .header("etag")
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.starts_with("W/"))
        .map(Etag::new);
    if etag.is_none() {
        debug!("PUT answered without a strong ETag; the item must be fetched");
    }
    WriteOutcome::Written {
        href: to_href(&final_url, final_url.path()),
        etag,
    }
}

fn uid_conflict(resp: &Response) -> Option<WriteOutcome> {
    let err = xml::parse_error_body(&resp.body)?;
    if !err.has(CALDAV, "no-uid-conflict") {
        return None;
    }
    let base = Url::parse(&resp.url).ok()?;
    Some(WriteOutcome::UidConflict {
        existing: err
            .hrefs
            .first()
            .filter(|h| !h.is_empty())
            .map(|h| to_href(&base, h)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_odd_uids() {
        let n = |s: &str| resource_name_for_uid(&Uid::new(s));
        assert_eq!(n("abc-123_x.y~z"), "abc-123_x.y~z.ics");
        assert_eq!(n("with space"), "with%20space.ics");
        assert_eq!(n("id@example.org"), "id%40example.org.ics");
        assert_eq!(n("café"), "caf%C3%A9.ics");
        assert_eq!(n("a+b&c=d;e!"), "a%2Bb%26c%3Dd%3Be%21.ics");
        for hashed in [
            "50%",
            "a?b",
            "a#b",
            ".hidden",
            "a/b",
            "a\\b",
            "a:b",
            "a,b",
            "a*b",
            "a'b",
            "a\"b",
            "tab\there",
            "trailing ",
        ] {
            assert_eq!(n(hashed).len(), 64 + 4, "{hashed}");
        }
        let long = "x".repeat(201);
        assert_eq!(n(&long).len(), 64 + 4);
        assert_eq!(n(&long), n(&long));
        assert_eq!(n(&"x".repeat(200)).len(), 204);
        assert_eq!(
            n(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.ics"
        );
        // The name stays one path segment when resolved against a calendar URL.
        let cal = Url::parse("http://h/dav/a%40b/Calendar/").unwrap();
        let u = cal.join(&n("../../etc/passwd")).unwrap();
        assert!(u.path().starts_with("/dav/a%40b/Calendar/"));
        assert_eq!(u.path().matches('/').count(), 4);
        let u = cal.join(&n("..")).unwrap();
        assert_eq!(u.path().len(), "/dav/a%40b/Calendar/".len() + 68);
        let u = cal.join(&n("a b(c)")).unwrap();
        assert_eq!(u.path(), "/dav/a%40b/Calendar/a%20b%28c%29.ics");
    }
}
