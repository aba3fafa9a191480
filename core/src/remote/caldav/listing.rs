//! Reading a collection: ctag/sync-token probe, RFC 6578 sync-collection, calendar-query
//! ETag listing, calendar-multiget in batches (streamed), and GET.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use log::{debug, warn};
use url::Url;

use super::xml::{self, DavResponse, CALDAV, CS, DAV};
use super::{
    collection_url, expect_207, href_key, http_error, parse_url, to_href, CalDavClient,
    CollectionState, FetchedItem, QueriedItem, RemoteItem, SyncResult,
};
use crate::error::{Error, Result};
use crate::model::{Etag, Href, SyncToken};

const PROPFIND_STATE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/><d:sync-token/><d:supported-report-set/></d:prop></d:propfind>"#;

/// Hrefs in the first calendar-multiget of a call, before answer sizes are known.
const FIRST_MULTIGET_BATCH: usize = 100;

/// The answer size later batches aim at: large enough that requests are few, small enough
/// to stay far from the response size limit and to keep memory flat.
const TARGET_MULTIGET_BYTES: usize = 8 << 20;

/// Most sync-collection rounds followed after 507 (truncated) answers.
const MAX_SYNC_ROUNDS: usize = 1000;

const PROPFIND_SYNC_TOKEN: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>"#;

const PROPFIND_SYNC_TOKEN_AND_REPORTS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/><d:supported-report-set/></d:prop></d:propfind>"#;

const PROPFIND_CTAG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>"#;

/// Which change marker [`CalDavClient::collection_state_of`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// ctag, sync-token and sync-collection support (a calendar not synced yet).
    All,
    /// The sync-token only (a calendar synced with sync-collection: the server has it).
    SyncToken,
    /// The ctag only (a calendar synced with etag listings).
    Ctag,
    /// The sync-token and sync-collection support, without the ctag (a calendar not synced
    /// yet that will be synced with sync-collection if the server has it).
    SyncTokenAndReports,
}

impl CalDavClient {
    /// ctag, sync-token and sync-collection support of a collection, in one PROPFIND Depth:0.
    pub fn collection_state(&mut self, cal_url: &str) -> Result<CollectionState> {
        self.collection_state_of(cal_url, Marker::All)
    }

    /// The change marker an account uses, in one PROPFIND Depth:0 asking for it alone (some
    /// servers, Radicale among them, compute each marker over the whole collection). With
    /// [`Marker::SyncToken`], sync-collection support is implied by a token in the answer.
    pub fn collection_state_of(
        &mut self,
        cal_url: &str,
        marker: Marker,
    ) -> Result<CollectionState> {
        let url = collection_url(cal_url)?;
        self.remember(&url);
        let body = match marker {
            Marker::All => PROPFIND_STATE,
            Marker::SyncToken => PROPFIND_SYNC_TOKEN,
            Marker::Ctag => PROPFIND_CTAG,
            Marker::SyncTokenAndReports => PROPFIND_SYNC_TOKEN_AND_REPORTS,
        };
        let resp = self.propfind(&url, "0", body)?;
        let base = parse_url(&resp.url)?;
        let (responses, _) = xml::parse_all(&resp.body)?;
        let key = href_key(&base, base.path());
        let r = responses
            .iter()
            .find(|r| href_key(&base, &r.href) == key)
            .or(responses.first())
            .ok_or_else(|| Error::Protocol("empty multistatus for the collection".into()))?;
        let sync_token = r.prop_text(DAV, "sync-token").map(SyncToken::new);
        let supports_sync_collection = match r.prop(DAV, "supported-report-set") {
            Some(p) => p.has_element(DAV, "sync-collection"),
            None => marker == Marker::SyncToken && sync_token.is_some(),
        };
        Ok(CollectionState {
            ctag: r.prop_text(CS, "getctag"),
            sync_token,
            supports_sync_collection,
        })
    }

    /// RFC 6578 sync-collection (sync-level 1, ETags only) since `token`, or a full listing
    /// when `token` is `None`. Follows 507 truncation by asking again with the new token and
    /// merging the answers. A refused token gives [`SyncResult::InvalidToken`].
    pub fn sync_collection(
        &mut self,
        cal_url: &str,
        token: Option<&SyncToken>,
    ) -> Result<SyncResult> {
        let url = collection_url(cal_url)?;
        self.remember(&url);
        let cal_key = href_key(&url, url.path());
        let mut changed: HashMap<String, RemoteItem> = HashMap::new();
        let mut deleted: HashMap<String, Href> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut ordered: HashSet<String> = HashSet::new();
        let mut current = token.cloned();

        for _ in 0..MAX_SYNC_ROUNDS {
            let body = format!(
                r#"<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:">{}<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#,
                match &current {
                    Some(t) => format!("<d:sync-token>{}</d:sync-token>", xml::escape(t.as_str())),
                    None => "<d:sync-token/>".to_string(),
                }
            );
            let resp = self.report(&url, "1", &body)?;
            if resp.status != 207 {
                if current.is_some() && matches!(resp.status, 400 | 403 | 409 | 410 | 412 | 500) {
                    let precondition = xml::parse_error_body(&resp.body)
                        .is_some_and(|e| e.has(DAV, "valid-sync-token"));
                    debug!(
                        "sync-collection: token refused ({}, valid-sync-token: {precondition})",
                        resp.status
                    );
                    return Ok(SyncResult::InvalidToken);
                }
                return Err(http_error(resp.status, "REPORT sync-collection", &url));
            }
            let base = parse_url(&resp.url)?;
            let mut truncated = false;
            let new_token = xml::parse_multistatus(&resp.body, &mut |r: DavResponse| {
                for raw in std::iter::once(&r.href).chain(r.extra_hrefs.iter()) {
                    let key = href_key(&base, raw);
                    if key == cal_key {
                        if r.status == Some(507) {
                            truncated = true;
                        }
                        continue;
                    }
                    if raw.ends_with('/') {
                        continue; // a sub-collection, not a calendar object
                    }
                    if !inside(&key, &cal_key) {
                        warn!("sync-collection: an href outside the collection was ignored");
                        continue;
                    }
                    let href = to_href(&base, raw);
                    if ordered.insert(key.clone()) {
                        order.push(key.clone());
                    }
                    if r.status == Some(404) || r.status == Some(410) {
                        changed.remove(&key);
                        deleted.insert(key, href);
                    } else if let Some(etag) = r.prop_text(DAV, "getetag") {
                        deleted.remove(&key);
                        changed.insert(
                            key,
                            RemoteItem {
                                href,
                                etag: Etag::new(etag),
                            },
                        );
                    } else {
                        warn!("sync-collection: an item without ETag was skipped");
                    }
                }
                Ok(())
            })?;
            let new_token = new_token.map(SyncToken::new).ok_or_else(|| {
                Error::Protocol("sync-collection answer without a sync-token".into())
            })?;
            if truncated && current.as_ref() != Some(&new_token) {
                debug!("sync-collection: truncated (507), asking for more");
                current = Some(new_token);
                continue;
            }
            let changed_out = order
                .iter()
                .filter_map(|k| changed.remove(k))
                .collect::<Vec<_>>();
            let deleted_out = order
                .iter()
                .filter_map(|k| deleted.remove(k))
                .collect::<Vec<_>>();
            return Ok(SyncResult::Delta {
                changed: changed_out,
                deleted: deleted_out,
                token: new_token,
            });
        }
        Err(Error::Protocol(
            "sync-collection kept answering 507 (truncated)".into(),
        ))
    }

    /// ETags of every event (calendar-query on VEVENT), optionally only those ending after
    /// `since` (a time-range with a start and no end). Hrefs are deduplicated.
    pub fn list_etags(
        &mut self,
        cal_url: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<RemoteItem>> {
        let url = collection_url(cal_url)?;
        self.remember(&url);
        let body = calendar_query("<d:getetag/>", since);
        let resp = self.report(&url, "1", &body)?;
        let resp = expect_207(resp, "REPORT calendar-query", &url)?;
        let base = parse_url(&resp.url)?;
        let cal_key = href_key(&url, url.path());
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        xml::parse_multistatus(&resp.body, &mut |r: DavResponse| {
            let Some(key) = member_key(&base, &cal_key, &r) else {
                return Ok(());
            };
            let Some(etag) = r.prop_text(DAV, "getetag") else {
                warn!("calendar-query: an item without ETag was skipped");
                return Ok(());
            };
            if seen.insert(key) {
                out.push(RemoteItem {
                    href: to_href(&base, &r.href),
                    etag: Etag::new(etag),
                });
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Every event with its data, in one calendar-query REPORT (getetag and
    /// calendar-data), optionally only those ending after `since` as in
    /// [`list_etags`](Self::list_etags). The answer is parsed as it arrives and each item
    /// handed to `on_item` at once, so the whole answer is never held; it may be up to
    /// [`calendar_answer_limit`](Self::calendar_answer_limit) bytes. Hrefs outside the
    /// collection are ignored and repeated ones handed over once. An item listed without
    /// data comes as [`QueriedItem::Listed`]; one whose data is not UTF-8 is marked
    /// `undecodable`.
    ///
    /// A refusal (a status other than 207) is [`Error::Http`]; an answer that is not a
    /// readable multistatus, or too large, is [`Error::Protocol`]: the caller may then list
    /// and multiget instead (items already handed over came from a valid part of the
    /// answer, but the answer as a whole was not read).
    pub fn query_all(
        &mut self,
        cal_url: &str,
        since: Option<DateTime<Utc>>,
        on_item: &mut dyn FnMut(QueriedItem) -> Result<()>,
    ) -> Result<()> {
        let url = collection_url(cal_url)?;
        self.remember(&url);
        let body = calendar_query("<d:getetag/><c:calendar-data/>", since);
        let cal_key = href_key(&url, url.path());
        let limit = self.calendar_answer_limit;
        self.report_streamed(&url, "1", &body, limit, |head, reader| {
            if head.status != 207 {
                return Err(http_error(head.status, "REPORT calendar-query", &url));
            }
            let base = parse_url(&head.url)?;
            let mut seen: HashSet<String> = HashSet::new();
            xml::parse_multistatus_from(reader, &mut |mut r: DavResponse| {
                let Some(key) = member_key(&base, &cal_key, &r) else {
                    return Ok(());
                };
                let etag = r.prop_text(DAV, "getetag");
                let data = r
                    .take_prop(CALDAV, "calendar-data")
                    .filter(|d| !d.text.trim().is_empty());
                let item = match (data, etag) {
                    (Some(data), etag) => QueriedItem::Fetched(fetched(
                        to_href(&base, &r.href),
                        etag.unwrap_or_default(),
                        data,
                    )),
                    (None, Some(etag)) => QueriedItem::Listed(RemoteItem {
                        href: to_href(&base, &r.href),
                        etag: Etag::new(etag),
                    }),
                    (None, None) => {
                        warn!("calendar-query: an item without ETag or data was skipped");
                        return Ok(());
                    }
                };
                if !seen.insert(key) {
                    return Ok(()); // listed twice
                }
                on_item(item)
            })?;
            Ok(())
        })
    }

    /// Downloads `hrefs` with calendar-multiget, at most [`batch_size`](Self::batch_size) per
    /// request, handing each item to `on_item` as soon as its response is parsed. Returns the
    /// hrefs (as given) that the server reported missing or did not return at all.
    ///
    /// The first request asks for up to 100 hrefs; later ones for as many as make an answer
    /// of about 8 MiB at the average item size seen so far (so few requests for small
    /// events, and bounded answers for large ones).
    ///
    /// A batch the server refuses as a whole (sabre/dav 1.8 answers 404 to the whole report
    /// when one href is gone; others 403, 400 or a 5xx) is asked again in halves, down to one
    /// GET per href, where a 404 is that item gone. A server that refuses every multiget is
    /// read with GETs for the rest of the call.
    pub fn multiget(
        &mut self,
        cal_url: &str,
        hrefs: &[Href],
        on_item: &mut dyn FnMut(FetchedItem) -> Result<()>,
    ) -> Result<Vec<Href>> {
        let url = collection_url(cal_url)?;
        self.remember(&url);
        let mut run = MultigetRun::default();
        let max = self.batch_size.max(1);
        let mut rest = hrefs;
        while !rest.is_empty() {
            let (chunk, after) = rest.split_at(run.next_batch(max).min(rest.len()));
            self.multiget_chunk(&url, chunk, &mut run, on_item)?;
            rest = after;
        }
        Ok(run.missing)
    }

    /// One calendar-multiget of `chunk`, split on a refusal of the whole report.
    fn multiget_chunk(
        &mut self,
        url: &Url,
        chunk: &[Href],
        run: &mut MultigetRun,
        on_item: &mut dyn FnMut(FetchedItem) -> Result<()>,
    ) -> Result<()> {
        if run.multiget_refused() {
            return self.get_each(url, chunk, run, on_item);
        }
        let mut body = String::from(
            r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>"#,
        );
        for h in chunk {
            body.push_str("<d:href>");
            body.push_str(&xml::escape(h.as_str()));
            body.push_str("</d:href>");
        }
        body.push_str("</c:calendar-multiget>");
        let wanted: HashMap<String, &Href> = chunk
            .iter()
            .map(|h| (href_key(url, h.as_str()), h))
            .collect();
        let mut answered: HashSet<String> = HashSet::new();
        let cal_key = href_key(url, url.path());
        let limit = self.http.max_body();
        // The answer is parsed as it arrives: only the response being read is held.
        let status = self.report_streamed(url, "1", &body, limit, |head, reader| {
            if head.status != 207 {
                return Ok(head.status);
            }
            run.answered += 1;
            let base = parse_url(&head.url)?;
            let done = &mut run.done;
            let (items, bytes) = (&mut run.items, &mut run.bytes);
            xml::parse_multistatus_from(reader, &mut |mut r: DavResponse| {
                let key = href_key(&base, &r.href);
                if !inside(&key, &cal_key) {
                    warn!("calendar-multiget: an href outside the collection was ignored");
                    return Ok(());
                }
                let ok = r.status.is_none_or(|s| (200..300).contains(&s));
                let data = r.take_prop(CALDAV, "calendar-data");
                match (ok, data) {
                    (true, Some(data)) if !data.text.trim().is_empty() => {
                        answered.insert(key.clone());
                        if !done.insert(key) {
                            return Ok(()); // duplicate response
                        }
                        *items += 1;
                        // What the item took of the answer, about: its data and markup.
                        *bytes += data.text.len() + r.href.len() + 200;
                        let etag = r.prop_text(DAV, "getetag").unwrap_or_default();
                        on_item(fetched(to_href(&base, &r.href), etag, data))
                    }
                    _ => Ok(()),
                }
            })?;
            Ok(207)
        })?;
        if status != 207 {
            if !refused_as_a_whole(status) {
                return Err(http_error(status, "REPORT calendar-multiget", url));
            }
            run.refused += 1;
            debug!(
                "calendar-multiget of {} hrefs refused as a whole (HTTP {status}): asking in smaller parts",
                chunk.len(),
            );
            if chunk.len() == 1 {
                return self.get_each(url, chunk, run, on_item);
            }
            let (first, second) = chunk.split_at(chunk.len() / 2);
            self.multiget_chunk(url, first, run, on_item)?;
            return self.multiget_chunk(url, second, run, on_item);
        }
        for h in chunk {
            let key = href_key(url, h.as_str());
            if !answered.contains(&key) && wanted.contains_key(&key) && !run.done.contains(&key) {
                run.missing.push(h.clone());
                run.done.insert(key);
            }
        }
        Ok(())
    }

    /// One GET per href not read yet; a 404 or 410 is that item gone.
    fn get_each(
        &mut self,
        url: &Url,
        hrefs: &[Href],
        run: &mut MultigetRun,
        on_item: &mut dyn FnMut(FetchedItem) -> Result<()>,
    ) -> Result<()> {
        for h in hrefs {
            let key = href_key(url, h.as_str());
            if run.done.contains(&key) {
                continue;
            }
            run.done.insert(key);
            match self.get(h)? {
                Some(mut item) => {
                    // The href asked for: the one the caller knows the item by.
                    item.href = h.clone();
                    on_item(item)?;
                }
                None => run.missing.push(h.clone()),
            }
        }
        Ok(())
    }

    /// GETs one item; `None` when it is gone (404/410).
    pub fn get(&mut self, href: &Href) -> Result<Option<FetchedItem>> {
        let url = self.href_url(href)?;
        let resp = self
            .http
            .request("GET", url.as_str(), &[("Accept", "text/calendar")], None)?;
        match resp.status {
            404 | 410 => Ok(None),
            200 => {
                let etag = resp.header("etag").unwrap_or_default().to_string();
                let ics = String::from_utf8(resp.body)
                    .map_err(|_| Error::Protocol("calendar data is not UTF-8".into()))?;
                let final_url = Url::parse(&resp.url).unwrap_or(url);
                Ok(Some(FetchedItem {
                    href: to_href(&final_url, final_url.path()),
                    etag: Etag::new(etag),
                    ics,
                    undecodable: false,
                }))
            }
            s => Err(http_error(s, "GET", &url)),
        }
    }
}

/// An item of a multistatus with its calendar-data: the text moves on without a copy,
/// leading blanks cut in place.
fn fetched(href: Href, etag: String, mut data: xml::PropValue) -> FetchedItem {
    let blanks = data.text.len() - data.text.trim_start().len();
    data.text.drain(..blanks);
    // The text grew piece by piece (character references split it): kept at its size.
    data.text.shrink_to_fit();
    FetchedItem {
        href,
        etag: Etag::new(etag),
        ics: data.text,
        undecodable: data.undecodable,
    }
}

/// The bookkeeping of one [`CalDavClient::multiget`] call.
#[derive(Default)]
struct MultigetRun {
    /// Hrefs reported missing, as given.
    missing: Vec<Href>,
    /// Keys of the hrefs handed over or reported missing.
    done: HashSet<String>,
    /// Reports refused as a whole.
    refused: usize,
    /// Reports answered with a multistatus.
    answered: usize,
    /// Bytes of those answers.
    bytes: usize,
    /// Items they held.
    items: usize,
}

impl MultigetRun {
    /// Hrefs for the next request: as many as make an answer of about
    /// [`TARGET_MULTIGET_BYTES`] at the average item size seen so far, between 1 and `max`.
    fn next_batch(&self, max: usize) -> usize {
        let n = match self.bytes.checked_div(self.items) {
            Some(per_item) => TARGET_MULTIGET_BYTES / per_item.max(1),
            None => FIRST_MULTIGET_BATCH,
        };
        n.clamp(1, max)
    }

    /// Several refusals and no answer: this server does not do calendar-multiget.
    fn multiget_refused(&self) -> bool {
        self.answered == 0 && self.refused >= 4
    }
}

/// Statuses with which some servers refuse a whole calendar-multiget that smaller parts
/// (or GETs) get through: 404/410 when one href is gone (sabre/dav 1.8), 400, 403, 405,
/// 413 (too many hrefs), 422, and server errors (503 and 429 are "retry later" before this).
fn refused_as_a_whole(status: u16) -> bool {
    matches!(status, 400 | 403 | 404 | 405 | 410 | 413 | 422 | 500..=599)
}

/// True when the item key `key` lies inside the collection whose key is `cal_key`.
fn inside(key: &str, cal_key: &str) -> bool {
    key.strip_prefix(cal_key)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The key of a calendar-query response naming an item of the collection `cal_key`, or
/// `None` for the collection itself, a sub-collection, an href outside the collection
/// (logged) or a response whose status is not 2xx.
fn member_key(base: &Url, cal_key: &str, r: &DavResponse) -> Option<String> {
    let key = href_key(base, &r.href);
    if key == cal_key || r.href.ends_with('/') {
        return None;
    }
    if !inside(&key, cal_key) {
        warn!("calendar-query: an href outside the collection was ignored");
        return None;
    }
    if r.status.is_some_and(|s| !(200..300).contains(&s)) {
        return None;
    }
    Some(key)
}

/// A calendar-query on VEVENTs asking for `props`, only those ending after `since` when
/// given (a time-range with a start and no end).
fn calendar_query(props: &str, since: Option<DateTime<Utc>>) -> String {
    let range = since
        .map(|s| format!(r#"<c:time-range start="{}"/>"#, s.format("%Y%m%dT%H%M%SZ")))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>{props}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">{range}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#
    )
}
