//! One CalDAV sync of an account: remote change detection (ctag short-cut, sync-collection,
//! or an etag listing), fetching by multiget, then the shared plan, and execution with
//! conditional writes. Sync marks advance only when every change they cover is applied.
//!
//! A calendar synced by sync-collection asks for its changes since the token straight
//! away: one request when nothing changed, as a PROPFIND of the token would be, and none
//! more before the fetch when something did (servers such as Radicale go over the whole
//! collection for each of the two).

use super::apply::{
    apply_store_only, build_tasks, run_device_tasks, set_device, set_server, with_device_writer,
    Count, DeviceTask, FromServer, PendingTask,
};
use super::detect::DeviceEvent;
use super::frame::{self, Frame, Local, Protocol, RemoteScan};
use super::intake::{read_item, server_item, Intake};
use super::plan::{Action, ServerChange, ServerScan};
use super::report::SyncReport;
use super::SyncContext;
use crate::backup::restore::{ServerCalendar, ServerEvent};
use crate::device::{DeviceCalendar, DeviceOp};
use crate::ical;
use crate::model::{Etag, Href, SyncToken};
use crate::remote::caldav::listing::Marker;
use crate::remote::caldav::{
    CalDavClient, CollectionState, FetchedItem, QueriedItem, RemoteItem, SyncResult, WriteOutcome,
};
use crate::remote::digest::DigestSession;
use crate::remote::http::{HttpClient, HttpConfig};
use crate::store::{Account, CalendarState, ItemRecord, SqliteStore};
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};

/// Connection settings for an account: its credentials and trust settings, default timeouts
/// and limits. An invalid pin is an error.
pub fn http_config(account: &Account, password: &str) -> Result<HttpConfig> {
    let mut config = HttpConfig::new(account.username.clone(), password);
    config.allow_insecure_basic = account.settings.allow_insecure_http;
    config.tls = crate::remote::tls::TlsSettings {
        ca_file: account.settings.ca_file.as_ref().map(Into::into),
        pins: account
            .settings
            .pins
            .iter()
            .map(|p| crate::remote::tls::Pin::parse(p))
            .collect::<Result<_>>()?,
    };
    Ok(config)
}

/// The CalDAV side of a sync: the client, the calendar collection and the marks to save
/// once every change they cover is applied.
struct CalDav<'a> {
    client: &'a mut CalDavClient,
    url: String,
    /// What the no-change check read of the collection, for the scan that follows it.
    state: Option<CollectionState>,
    /// The changes since the stored sync-token, when the no-change check asked for them.
    delta: Option<SyncResult>,
    token: Option<SyncToken>,
    ctag: Option<String>,
}

/// Syncs one CalDAV account with its device calendar. Never panics on bad input; the report
/// says what happened (`error_kind` is set when the sync stopped on an error).
pub fn sync_caldav(
    store: &mut SqliteStore,
    account: &Account,
    password: &str,
    device: &mut dyn DeviceCalendar,
    opts: &SyncContext<'_>,
) -> (SyncReport, Option<Error>) {
    let started = frame::Started::now();
    let mut report = SyncReport::new(&account.name);
    let mut f = Frame {
        store,
        account,
        device,
        opts,
        report: &mut report,
    };
    let (result, stats) = match client_for(account, password) {
        Ok(mut client) => {
            let kept = resume_auth(f.store, account.id, &mut client);
            let result = run(&mut f, &mut client);
            keep_auth(f.store, account.id, &client, kept.as_deref());
            (result, Some(client.stats()))
        }
        Err(e) => (Err(e), None),
    };
    frame::finish(store, account, opts, started, report, stats, result)
}

/// Continues the Digest session kept from the account's last sync, so that its first request
/// goes authorised (a no-change sync is then one request, not a 401 and a retry). A kept
/// session that cannot be read is dropped: the server challenges again. Returns what was
/// kept.
fn resume_auth(store: &SqliteStore, account_id: i64, client: &mut CalDavClient) -> Option<String> {
    let kept = store.read().auth_session(account_id).ok().flatten();
    if let Some(session) = kept
        .as_deref()
        .and_then(|j| serde_json::from_str::<DigestSession>(j).ok())
    {
        client.http_mut().resume_digest(session);
    }
    kept
}

/// Keeps the Digest session (challenge and nonce count, nothing secret) for the next sync
/// when it differs from what was `kept`; also after a failed or dry-run sync, since the nonce
/// count moved on.
fn keep_auth(store: &SqliteStore, account_id: i64, client: &CalDavClient, kept: Option<&str>) {
    let session = client
        .http()
        .digest_session()
        .and_then(|d| serde_json::to_string(d).ok());
    if session.as_deref() == kept {
        return;
    }
    if let Err(e) = store
        .read()
        .set_auth_session(account_id, session.as_deref())
    {
        log::warn!("the auth session could not be kept: {e}");
    }
}

/// Finds the calendar when the account has none yet, runs the frame, and remembers what
/// this sync learned about the server (it takes Basic before a challenge; it honours
/// `If-None-Match`) for the next ones.
fn run(f: &mut Frame<'_, '_>, client: &mut CalDavClient) -> Result<()> {
    let result = calendar_url(f, client).and_then(|url| {
        let mut caldav = CalDav {
            client: &mut *client,
            url,
            state: None,
            delta: None,
            token: None,
            ctag: None,
        };
        frame::run(f, &mut caldav)
    });
    let account = f.account;
    let learned = crate::store::AccountSettings {
        preemptive_basic: account.settings.preemptive_basic || client.http_mut().uses_basic(),
        if_none_match_honoured: client.if_none_match_honoured,
        ..account.settings.clone()
    };
    if learned != account.settings && !f.opts.dry_run {
        f.store.read().set_account_settings(account.id, &learned)?;
    }
    result
}

/// The calendar collection of the account, discovered and saved at its first sync.
fn calendar_url(f: &mut Frame<'_, '_>, client: &mut CalDavClient) -> Result<String> {
    let cal = f.store.read().calendar_state(f.account.id)?;
    if let Some(url) = cal.remote_url {
        return Ok(url);
    }
    let found = client.discover(&f.account.server_url)?;
    let chosen = pick_calendar(&found).ok_or_else(|| {
        Error::Config("no calendar holding events was found on the server".into())
    })?;
    f.store
        .read()
        .set_remote_calendar(cal.id, &chosen.url, chosen.display_name.as_deref())?;
    Ok(chosen.url.clone())
}

impl Protocol for CalDav<'_> {
    fn unchanged(&mut self, f: &mut Frame<'_, '_>, local: &Local) -> Result<bool> {
        let cal = &local.cal;
        // Rows missing a side (a replaced device calendar, a sync interrupted between a
        // write and its record) need the full path even when nothing changed.
        let incomplete = local
            .items
            .iter()
            .any(|i| i.device_id.is_none() || i.href.is_none());
        let quiet_device = local.scan.is_empty() && !incomplete;
        if let Some(known) = cal
            .sync_token
            .as_ref()
            .filter(|_| may_use_sync_collection(f.account))
        {
            if let Some(delta) = self.changes_since(known)? {
                let quiet_server = matches!(&delta, SyncResult::Delta { changed, deleted, token }
                    if changed.is_empty() && deleted.is_empty() && token == known);
                if quiet_server && quiet_device {
                    save_touched(f, local)?;
                    return Ok(true);
                }
                self.state = Some(CollectionState {
                    ctag: None,
                    sync_token: match &delta {
                        SyncResult::Delta { token, .. } => Some(token.clone()),
                        SyncResult::InvalidToken => None,
                    },
                    supports_sync_collection: true,
                });
                self.delta = Some(delta);
                return Ok(false);
            }
        }
        // Ask only for the marker this calendar is synced by (a no-change sync is that
        // one request). A calendar not synced yet asks for the one it will be synced by: the
        // sync-token when sync-collection may be used and the server has it, else the ctag.
        let marker = match (&cal.sync_token, &cal.ctag) {
            (Some(_), _) => Marker::SyncToken,
            (None, Some(_)) => Marker::Ctag,
            (None, None) if may_use_sync_collection(f.account) => Marker::SyncTokenAndReports,
            (None, None) => Marker::Ctag,
        };
        let mut state = self.client.collection_state_of(&self.url, marker)?;
        if marker == Marker::SyncTokenAndReports
            && !(state.supports_sync_collection && state.sync_token.is_some())
        {
            // No sync-collection here: the calendar is synced by its ctag.
            state.ctag = self
                .client
                .collection_state_of(&self.url, Marker::Ctag)?
                .ctag;
        }
        let unchanged_remote = (cal.sync_token.is_some() && state.sync_token == cal.sync_token)
            || (cal.ctag.is_some() && state.ctag == cal.ctag);
        if unchanged_remote && quiet_device {
            save_touched(f, local)?;
            return Ok(true);
        }
        self.state = Some(state);
        Ok(false)
    }

    fn bodies_on_demand(&self) -> bool {
        true
    }

    fn scan_remote(&mut self, f: &mut Frame<'_, '_>, local: &Local) -> Result<Option<RemoteScan>> {
        let state = match self.state.take() {
            Some(state) => state,
            None => self.client.collection_state_of(&self.url, Marker::All)?,
        };
        let cal = &local.cal;
        let use_sync_collection =
            state.supports_sync_collection && may_use_sync_collection(f.account);
        let listing = Listing {
            cal,
            items: &local.items,
            sparse: local.sparse.is_some(),
            nothing_known: match local.sparse {
                Some(rows) => rows == 0,
                None => local.items.iter().all(|i| i.href.is_none()),
            },
            use_sync_collection,
            marker_token: state.sync_token.clone(),
            to_empty_device: !f.opts.dry_run
                && cal.last_success_at.is_none()
                && local.scan.total == 0
                && match local.sparse {
                    Some(rows) => rows == 0,
                    None => local.items.is_empty(),
                },
        };
        let (scan, listed_total, token, rows) = self.scan(f, &listing)?;
        self.token = token;
        self.ctag = if use_sync_collection {
            None
        } else {
            state.ctag
        };
        // Rows read for a sparse scan are the ones to plan with; the device side was found
        // unchanged, so its scan stays empty.
        let rescanned = rows.map(|rows| {
            let scan = super::detect::DeviceScan {
                total: local.scan.total,
                ..Default::default()
            };
            (rows, scan)
        });
        Ok(Some(RemoteScan {
            scan,
            listed_total,
            rescanned,
        }))
    }

    fn execute(
        &mut self,
        f: &mut Frame<'_, '_>,
        items: &[ItemRecord],
        actions: Vec<Action>,
    ) -> Result<()> {
        execute(f, self, items, actions)
    }

    fn commit(&mut self, f: &mut Frame<'_, '_>) -> Result<()> {
        if f.report.errors.is_empty() {
            let cal = f.store.read().calendar_state(f.account.id)?;
            f.store
                .read()
                .set_sync_marks(cal.id, self.token.as_ref(), self.ctag.as_deref())?;
        } else {
            log::info!("sync marks kept: some changes were not applied");
        }
        Ok(())
    }
}

/// Nothing changed: the new versions of touched-but-identical device events are saved (a
/// dry run shows an empty plan).
fn save_touched(f: &mut Frame<'_, '_>, local: &Local) -> Result<()> {
    if f.opts.dry_run {
        f.report.plan = Some(Vec::new());
        return Ok(());
    }
    if local.scan.touched.is_empty() {
        return Ok(());
    }
    // The frame's rows came without their bodies: saving them would drop the bodies, so
    // each touched row is read whole.
    f.store.write(|tx| {
        for (row, entry) in &local.scan.touched {
            if let Some(mut item) = tx.item(*row)? {
                item.device_version = Some(entry.version.clone());
                tx.save_item(&item)?;
            }
        }
        Ok(())
    })
}

/// The calendars found from `url` (a server root or a calendar), checking the credentials.
pub fn discover_calendars(
    account: &Account,
    password: &str,
    url: &str,
) -> Result<Vec<crate::remote::caldav::CalendarInfo>> {
    discover_calendars_and_auth(account, password, url).map(|(found, _)| found)
}

/// [`discover_calendars`], and whether the server took Basic where it may be sent before a
/// challenge: a new account then sends it with the first request of its first sync (no 401
/// round trip; Radicale delays each 401 by about a second).
pub fn discover_calendars_and_auth(
    account: &Account,
    password: &str,
    url: &str,
) -> Result<(Vec<crate::remote::caldav::CalendarInfo>, bool)> {
    let mut client = CalDavClient::new(HttpClient::new(http_config(account, password)?)?);
    let found = client.discover(url)?;
    Ok((found, client.http_mut().uses_basic()))
}

/// Every item of a calendar (an etag listing, then multiget), for snapshots and restore.
pub fn fetch_all(client: &mut CalDavClient, url: &str) -> Result<Vec<FetchedItem>> {
    let hrefs: Vec<Href> = client
        .list_etags(url, None)?
        .into_iter()
        .map(|r| r.href)
        .collect();
    let mut out = Vec::with_capacity(hrefs.len());
    client.multiget(url, &hrefs, &mut |f| {
        if f.undecodable {
            log::warn!(
                "{}: calendar data is not UTF-8, not in the snapshot",
                f.href
            );
        } else {
            out.push(f);
        }
        Ok(())
    })?;
    Ok(out)
}

/// A CalDAV client for an account, with its remembered settings.
pub fn client_for(account: &Account, password: &str) -> Result<CalDavClient> {
    let mut client = CalDavClient::new(HttpClient::new(http_config(account, password)?)?);
    client.set_batch_size(account.settings.multiget_batch.max(1));
    // One GET per new event, so that a server ignoring If-None-Match (Zimbra) never has an
    // event overwritten by a "new" one with the same UID.
    client.check_before_create = true;
    client.if_none_match_honoured = account.settings.if_none_match_honoured;
    client
        .http_mut()
        .set_preemptive_basic(account.settings.preemptive_basic);
    Ok(client)
}

/// The first calendar that holds events.
pub fn pick_calendar(
    found: &[crate::remote::caldav::CalendarInfo],
) -> Option<&crate::remote::caldav::CalendarInfo> {
    found
        .iter()
        .find(|c| c.components.is_empty() || c.components.iter().any(|x| x == "VEVENT"))
}

/// The server calendar of a CalDAV account, as a restore rewrites it.
pub struct CalDavServer<'a> {
    client: &'a mut CalDavClient,
    url: String,
}

impl<'a> CalDavServer<'a> {
    /// The calendar collection at `url`, through `client`.
    pub fn new(client: &'a mut CalDavClient, url: &str) -> Self {
        CalDavServer {
            client,
            url: url.to_string(),
        }
    }
}

impl ServerCalendar for CalDavServer<'_> {
    fn events(&mut self) -> Result<Vec<ServerEvent>> {
        Ok(fetch_all(self.client, &self.url)?
            .into_iter()
            .map(|f| ServerEvent {
                href: f.href,
                etag: f.etag,
                ics: f.ics,
            })
            .collect())
    }

    fn create(&mut self, uid: &crate::model::Uid, ics: &str) -> Result<bool> {
        let outcome = self.client.create(&self.url, uid, ics)?;
        Ok(matches!(outcome, WriteOutcome::Written { .. }))
    }

    fn update(&mut self, event: &ServerEvent, ics: &str) -> Result<bool> {
        let outcome = self.client.update(&event.href, &event.etag, ics)?;
        Ok(matches!(outcome, WriteOutcome::Written { .. }))
    }

    fn delete(&mut self, event: &ServerEvent) -> Result<()> {
        self.client.delete(&event.href, &event.etag)?;
        Ok(())
    }
}

/// Whether the account may be synced with sync-collection (when the server has it): not
/// with a window, which servers filter only in calendar-query, nor when turned off.
fn may_use_sync_collection(account: &Account) -> bool {
    !account.settings.no_sync_collection && account.past_days.is_none()
}

/// What the remote scan works from.
struct Listing<'a> {
    cal: &'a CalendarState,
    items: &'a [ItemRecord],
    /// `items` is empty: the scan reads the rows the server's changes name.
    sparse: bool,
    /// No store row of the calendar knows a server href (a first sync, a refill).
    nothing_known: bool,
    use_sync_collection: bool,
    /// The sync-token read before the scan.
    marker_token: Option<SyncToken>,
    /// Neither the store nor the device holds an event of the calendar, and it was never
    /// synced: a first download goes to the device as it arrives.
    to_empty_device: bool,
}

/// What a remote scan found: the scan, the number of items listed when the listing was
/// complete, the new sync-token, and for a sparse listing the store rows read for it.
type Scanned = (
    ServerScan,
    Option<usize>,
    Option<SyncToken>,
    Option<Vec<ItemRecord>>,
);

/// Whether a whole-calendar download failed in a way that listing and multiget may get
/// through: a refusal, or an answer too large or unreadable as a whole.
fn bulk_refused(e: &Error) -> bool {
    matches!(e, Error::Http { .. } | Error::Protocol(_))
}

impl CalDav<'_> {
    /// The changes since `known` (sync-collection), or `None` when the server refuses the
    /// request with a status that does not say the token is stale (it no longer offers
    /// sync-collection, say: 405, 501): the marker then decides, as for a calendar synced
    /// by its ctag.
    fn changes_since(&mut self, known: &SyncToken) -> Result<Option<SyncResult>> {
        match self.client.sync_collection(&self.url, Some(known)) {
            Ok(delta) => Ok(Some(delta)),
            Err(e @ Error::Http { status, .. }) if status < 500 || status == 501 => {
                log::info!("sync-collection refused ({e}): asking for the marker");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Lists the server's changes (sync-collection or an etag listing), fetches them, and
    /// tells deleted from out-of-window items. Returns the scan, the number of items listed
    /// when the listing was complete, the new sync-token, and for a sparse listing the store
    /// rows read for it (those the changes name, by href or by UID; every row after a
    /// complete listing).
    fn scan(&mut self, f: &mut Frame<'_, '_>, listing: &Listing<'_>) -> Result<Scanned> {
        // Nothing of this calendar on the server side of the store, and a listing that would
        // be complete: everything comes in one calendar-query with the data. The marker was
        // read before it, so a change made in between is seen again at the next sync.
        let nothing_known = listing.nothing_known;
        let complete_listing = !listing.use_sync_collection
            || (listing.cal.sync_token.is_none() && listing.marker_token.is_some());
        if nothing_known && complete_listing {
            let token = if listing.use_sync_collection {
                listing.marker_token.clone()
            } else {
                None
            };
            let downloaded = match listing.to_empty_device {
                true => self.download_to_empty_device(f)?,
                false => self.download_all(f)?,
            };
            if let Some((scan, total)) = downloaded {
                return Ok((scan, Some(total), token, None));
            }
        }
        let asked = self.delta.take();
        let (client, url) = (&mut *self.client, self.url.as_str());
        let (account, cal) = (f.account, listing.cal);
        let use_sync_collection = listing.use_sync_collection;
        let mut listed: Vec<RemoteItem>;
        let mut gone: Vec<Href> = Vec::new();
        let complete;
        let mut token = None;
        if use_sync_collection {
            let delta = match asked {
                Some(delta) => delta,
                None => client.sync_collection(url, cal.sync_token.as_ref())?,
            };
            match delta {
                SyncResult::Delta {
                    changed,
                    deleted,
                    token: t,
                } => {
                    listed = changed;
                    gone = deleted;
                    complete = cal.sync_token.is_none();
                    token = Some(t);
                }
                SyncResult::InvalidToken => {
                    log::info!("sync-token refused by the server: full resync");
                    match client.sync_collection(url, None)? {
                        SyncResult::Delta {
                            changed, token: t, ..
                        } => {
                            listed = changed;
                            complete = true;
                            token = Some(t);
                        }
                        SyncResult::InvalidToken => {
                            return Err(Error::Protocol(
                                "the server refused an initial sync-collection".into(),
                            ))
                        }
                    }
                }
            }
        } else {
            let since = account
                .past_days
                .map(|d| chrono::Utc::now() - chrono::Duration::days(i64::from(d)));
            listed = client.list_etags(url, since)?;
            complete = true;
        }
        // Dedupe hrefs (some servers list an item twice).
        let mut seen = HashSet::new();
        listed.retain(|r| seen.insert(r.href.clone()));

        // A sparse scan reads only the rows a change list names; a complete listing is
        // compared with every row.
        let loaded: Option<Vec<ItemRecord>> = match (listing.sparse, complete) {
            (false, _) => None,
            (true, true) => Some(f.store.read().items_without_bodies(cal.id)?),
            (true, false) => {
                let hrefs = listed.iter().map(|r| &r.href).chain(&gone);
                Some(f.store.read().items_by_hrefs(cal.id, hrefs)?)
            }
        };
        let items: &[ItemRecord] = loaded.as_deref().unwrap_or(listing.items);
        let (report, opts) = (&mut *f.report, f.opts);
        let by_href: HashMap<&str, &ItemRecord> = items
            .iter()
            .filter_map(|i| i.href.as_ref().map(|h| (h.as_str(), i)))
            .collect();

        let mut scan = ServerScan::default();
        let mut to_fetch: Vec<Href> = Vec::new();
        for r in &listed {
            match by_href.get(r.href.as_str()) {
                Some(item) if item.etag.as_ref() == Some(&r.etag) => {}
                _ => to_fetch.push(r.href.clone()),
            }
        }
        for h in &gone {
            if let Some(item) = by_href.get(h.as_str()) {
                scan.changed.insert(item.id, ServerChange::Deleted);
            }
        }
        // After a complete listing, known items that were not listed are gone, out of our
        // window, or hidden by a window of the server's own (Zimbra's CalDAV sync range): fetch
        // them to tell which. Only a 404 is a deletion.
        let mut window_check: Vec<Href> = Vec::new();
        if complete {
            for href in by_href.keys() {
                if !seen.contains(&Href::new(*href)) {
                    window_check.push(Href::new(*href));
                }
            }
        }

        opts.progress.phase("download", to_fetch.len() as u64);
        let mut intake = Intake::new(opts.download_memory, f.store.folder());
        let missing = client.multiget(url, &to_fetch, &mut |item: FetchedItem| {
            opts.interrupt.check()?;
            opts.progress.advance(1);
            intake.push(item)
        })?;
        opts.interrupt.check()?;
        let (fetched, errors) = intake.finish()?;
        report.errors.extend(errors);
        for h in missing {
            if let Some(item) = by_href.get(h.as_str()) {
                scan.changed.insert(item.id, ServerChange::Deleted);
            }
        }
        if !window_check.is_empty() {
            let mut still_there = HashSet::new();
            client.multiget(url, &window_check, &mut |f: FetchedItem| {
                still_there.insert(f.href);
                Ok(())
            })?;
            for h in &window_check {
                let item = by_href[h.as_str()];
                let change = match (still_there.contains(h), account.past_days.is_some()) {
                    (false, _) => ServerChange::Deleted,
                    (true, true) => ServerChange::LeftWindow,
                    (true, false) => {
                        // Hidden from listings by the server, not deleted: leave both sides.
                        log::info!("{h} is no longer listed but still on the server: kept");
                        continue;
                    }
                };
                scan.changed.insert(item.id, change);
            }
        }
        for item in fetched {
            match by_href.get(item.href.as_str()) {
                Some(row) => {
                    scan.changed.insert(row.id, ServerChange::Changed(item));
                }
                None => scan.new.push(item),
            }
        }
        drop(by_href);
        // A new href may hold a known event (moved, or created by a sync whose record was
        // lost): the plan pairs those by UID, so a sparse scan reads their rows too.
        let rows = match loaded {
            Some(mut rows) if !complete && !scan.new.is_empty() => {
                let known: HashSet<i64> = rows.iter().map(|r| r.id).collect();
                let uids = scan.new.iter().map(|i| &i.uid);
                let by_uid = f.store.read().items_by_uids(cal.id, uids)?;
                rows.extend(by_uid.into_iter().filter(|r| !known.contains(&r.id)));
                Some(rows)
            }
            other => other,
        };
        Ok((scan, complete.then_some(listed.len()), token, rows))
    }
}

impl CalDav<'_> {
    /// Every event of the calendar with its data in one calendar-query, each parsed as it
    /// arrives; items the server listed without data are fetched by multiget. Returns the
    /// scan (every item new) and the number of items listed, or `None` when the server
    /// refused the query ([`bulk_refused`]): nothing of it is kept, and the caller lists
    /// and multigets instead.
    fn download_all(&mut self, f: &mut Frame<'_, '_>) -> Result<Option<(ServerScan, usize)>> {
        let opts = f.opts;
        // Each item is read as it arrives; texts beyond the memory budget wait on disk.
        let mut intake = Intake::new(opts.download_memory, f.store.folder());
        let since = window_start(f.account);
        let refused = query_into(
            self.client,
            &self.url,
            opts,
            since,
            &mut intake,
            &mut |_| Ok(()),
        )?;
        if refused.is_some() {
            return Ok(None);
        }
        let (fetched, errors) = intake.finish()?;
        let total = fetched.len() + errors.len();
        f.report.errors.extend(errors);
        let scan = ServerScan {
            new: fetched,
            ..ServerScan::default()
        };
        Ok(Some((scan, total)))
    }

    /// [`CalDav::download_all`] into a device calendar that holds nothing, with a store that
    /// knows nothing of it ([`super::first_download`]): the events are written to the device
    /// as they arrive and the first-sync snapshot is kept at the end; the scan returned is
    /// empty (nothing is left to plan). `None`: the server refused the query before any
    /// event was written, the caller lists and multigets instead.
    fn download_to_empty_device(
        &mut self,
        f: &mut Frame<'_, '_>,
    ) -> Result<Option<(ServerScan, usize)>> {
        use super::first_download::{Out, ToEmptyDevice};
        let started = std::time::Instant::now();
        let Frame {
            store,
            account,
            device,
            opts,
            report,
        } = f;
        let (account, opts): (&Account, &SyncContext<'_>) = (account, opts);
        let cal_id = store.read().calendar_state(account.id)?.id;
        let device: &mut dyn DeviceCalendar = &mut **device;
        // The device side of the snapshot: what the device holds before the first write.
        let device_part = crate::backup::snapshot_device(device)?.pack()?;
        let mut events = ToEmptyDevice::new(cal_id, device.batch_size());
        let since = window_start(account);
        let (client, url) = (&mut *self.client, self.url.as_str());
        let mut intake = Intake::new(usize::MAX, None).keeping_events();
        let mut unreadable = 0;
        let (downloaded, packed) = std::thread::scope(|scope| {
            // A few batches' worth of texts at most wait for the packer.
            let (to_backup, texts) = std::sync::mpsc::sync_channel::<Result<String>>(1024);
            let packer = std::thread::Builder::new()
                .name("synchro-backup".into())
                .spawn_scoped(scope, move || crate::backup::packed_part(texts))
                .map_err(Error::Io);
            let silent = &super::NoProgress;
            let downloaded =
                with_device_writer(device, store, report, silent, |writer, store, report| {
                    let mut out = Out {
                        writer,
                        store,
                        report,
                        interrupt: &opts.interrupt,
                        progress: silent,
                    };
                    let queried =
                        query_into(client, url, opts, since, &mut intake, &mut |intake| {
                            events.take(intake.take_read(false)?, &to_backup, &mut out)
                        });
                    match queried? {
                        None => {}
                        // Refused before anything was written: the caller lists instead.
                        Some(_) if !events.started => return Ok(false),
                        // Events are on the device and in the store already: the sync
                        // stops, and the next one finds them there.
                        Some(refusal) => return Err(refusal),
                    }
                    events.take(intake.take_read(true)?, &to_backup, &mut out)?;
                    events.flush(&mut out)?;
                    let errors = intake.take_errors();
                    unreadable = errors.len();
                    out.report.errors.extend(errors);
                    Ok(true)
                });
            drop(to_backup);
            let packed = packer.and_then(|p| {
                p.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            (downloaded, packed)
        });
        if !downloaded? {
            return Ok(None);
        }
        let server_part = packed?;
        crate::backup::keep_packed(
            store,
            account,
            crate::store::BackupReason::FirstSync,
            true,
            &device_part,
            &server_part,
        )?;
        report.warnings.extend(
            super::duplicates::SetAside {
                device: 0,
                server: events.set_aside,
            }
            .warnings(),
        );
        log::info!(
            "first download: {} events written to the device as they arrived in {} ms",
            events.written,
            started.elapsed().as_millis()
        );
        let total = events.written + events.set_aside + unreadable;
        Ok(Some((ServerScan::default(), total)))
    }
}

/// The start of the account's sync window, if it has one.
fn window_start(account: &Account) -> Option<chrono::DateTime<chrono::Utc>> {
    account
        .past_days
        .map(|d| chrono::Utc::now() - chrono::Duration::days(i64::from(d)))
}

/// Every event of the calendar with its data in one calendar-query, each pushed into
/// `intake` as it arrives (`read` is called after each); items the server listed without
/// data are fetched by multiget. `Some`: the server refused the query ([`bulk_refused`]),
/// with its error.
fn query_into(
    client: &mut CalDavClient,
    url: &str,
    opts: &SyncContext<'_>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    intake: &mut Intake,
    read: &mut dyn FnMut(&mut Intake) -> Result<()>,
) -> Result<Option<Error>> {
    opts.progress.phase("download", 0);
    let mut without_data: Vec<Href> = Vec::new();
    let queried = client.query_all(url, since, &mut |q| {
        opts.interrupt.check()?;
        match q {
            QueriedItem::Fetched(item) => {
                opts.progress.advance(1);
                intake.push(item)?;
                read(intake)?;
            }
            QueriedItem::Listed(r) => without_data.push(r.href),
        }
        Ok(())
    });
    match queried {
        Ok(()) => {}
        Err(e) if bulk_refused(&e) => {
            log::info!("the calendar-query with data failed ({e})");
            return Ok(Some(e));
        }
        Err(e) => return Err(e),
    }
    if !without_data.is_empty() {
        log::info!(
            "{} items came without their data: multiget",
            without_data.len()
        );
        // Those gone in the meantime are simply not there.
        client.multiget(url, &without_data, &mut |item| {
            opts.interrupt.check()?;
            opts.progress.advance(1);
            intake.push(item)?;
            read(intake)
        })?;
    }
    opts.interrupt.check()?;
    Ok(None)
}

/// Runs the plan: device writes in batches, then server writes one at a time, each result
/// committed at once.
fn execute(
    f: &mut Frame<'_, '_>,
    caldav: &mut CalDav<'_>,
    items: &[ItemRecord],
    actions: Vec<Action>,
) -> Result<()> {
    let Frame {
        store,
        account,
        device,
        opts,
        report,
    } = f;
    let (store, account, opts): (&mut SqliteStore, &Account, &SyncContext<'_>) =
        (store, account, opts);
    let device: &mut dyn DeviceCalendar = &mut **device;
    let rows = frame::Rows::new(items, store.read().calendar_state(account.id)?.id);
    let base = |row: Option<i64>| rows.base(row);
    // Store-only and server actions are taken out first; the device actions become device
    // writes a batch at a time, so that a first download never holds a write per event
    // beside the plan.
    let mut actions = actions;
    let store_only: Vec<Action> = actions
        .extract_if(.., |a| {
            matches!(
                a,
                Action::Link { .. } | Action::Refresh { .. } | Action::Forget { .. }
            )
        })
        .collect();
    let server_actions: Vec<Action> = actions
        .extract_if(.., |a| {
            matches!(
                a,
                Action::CreateOnServer { .. }
                    | Action::UpdateOnServer { .. }
                    | Action::DeleteOnServer { .. }
            )
        })
        .collect();
    apply_store_only(store, &store_only, &base)?;
    drop(store_only);

    opts.progress
        .phase("apply", (actions.len() + server_actions.len()) as u64);
    let batch = device.batch_size().max(1);
    let from_server = |base, item, device_id| {
        PendingTask::FromServer(Box::new(FromServer {
            base,
            item,
            device_id,
        }))
    };
    // Each batch's events are read while the batch before it is written.
    with_device_writer(
        device,
        store,
        report,
        opts.progress,
        |writer, store, report| {
            let mut pending: Vec<PendingTask> = Vec::with_capacity(batch.min(10_000));
            let mut flush = |pending: Vec<PendingTask>,
                             store: &mut SqliteStore,
                             report: &mut SyncReport|
             -> Result<()> {
                let tasks = build_tasks(pending, &mut report.errors);
                writer.submit(tasks, store, report, &opts.interrupt, opts.progress)
            };
            for action in actions {
                match action {
                    Action::CreateOnDevice { row, item } => {
                        pending.push(from_server(base(row), item, None))
                    }
                    Action::UpdateOnDevice { row, item } => {
                        let b = base(Some(row));
                        let id = b.device_id.clone();
                        pending.push(from_server(b, item, id));
                    }
                    Action::DeleteOnDevice { row, .. } => {
                        let b = base(Some(row));
                        if let Some(id) = b.device_id.clone() {
                            pending.push(PendingTask::Ready(Box::new(DeviceTask {
                                op: DeviceOp::Delete { id },
                                record: None,
                                delete_row: Some(row),
                                count: Count::Deleted,
                                uid: b.uid.to_string(),
                            })));
                        }
                    }
                    Action::Adopt { device: d, item } => {
                        if super::pairing::adopted_copy_differs(&d, &item) {
                            store.read().add_conflict(
                                account.id,
                                d.event.uid.as_str(),
                                "device",
                                "paired by title and time with a server event that differs in \
                             details; the server's version was kept",
                                &ical::event_to_ics(&d.event),
                            )?;
                        }
                        pending.push(from_server(base(None), item, Some(d.entry.id.clone())));
                    }
                    Action::Conflict {
                        row,
                        device: d,
                        item,
                    } => {
                        let b = base(row);
                        keep_conflict_copy(store, account.id, &d)?;
                        report.conflicts += 1;
                        pending.push(from_server(b, item, Some(d.entry.id.clone())));
                    }
                    // Taken out above.
                    _ => {}
                }
                if pending.len() >= batch {
                    flush(std::mem::take(&mut pending), store, report)?;
                }
            }
            flush(pending, store, report)
        },
    )?;

    let mut push = Push {
        store: &mut *store,
        client: &mut *caldav.client,
        url: &caldav.url,
        report,
        follow_up: Vec::new(),
    };
    for action in server_actions {
        opts.interrupt.check()?;
        let outcome = match action {
            Action::CreateOnServer { row, device: d } => push.create(base(row), &d),
            Action::UpdateOnServer {
                row,
                device: d,
                etag,
            } => push.update(base(Some(row)), &d, etag),
            Action::DeleteOnServer { row, etag } => push.delete(base(Some(row)), etag),
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            match e.kind() {
                crate::ErrorKind::Protocol | crate::ErrorKind::InvalidData => {
                    push.report.errors.push(e.to_string())
                }
                _ => return Err(e),
            }
        }
        opts.progress.advance(1);
    }
    let follow_up = push.follow_up;
    run_device_tasks(
        device,
        store,
        follow_up,
        report,
        &opts.interrupt,
        opts.progress,
    )?;
    Ok(())
}

/// The iCalendar to upload for a device event: merged into the stored server copy when
/// there is one, so what the device cannot hold survives.
fn upload_body(rec: &ItemRecord, d: &DeviceEvent) -> Result<String> {
    match &rec.server_ics {
        Some(server) => ical::merge_event(server, &d.event),
        None => Ok(ical::event_to_ics(&d.event)),
    }
}

fn record_push(
    store: &mut SqliteStore,
    mut rec: ItemRecord,
    d: &DeviceEvent,
    href: Href,
    etag: Option<Etag>,
    body: String,
) -> Result<()> {
    set_device(&mut rec, d);
    rec.href = Some(href);
    rec.etag = etag;
    rec.server_fp = Some(ical::fingerprint(&body)?);
    rec.server_ics = Some(body);
    store.write(|tx| tx.save_item(&rec).map(|_| ()))
}

/// After a refused write: the server's copy wins unless it is the same event.
fn resolve_with_server_copy(
    store: &mut SqliteStore,
    rec: ItemRecord,
    d: &DeviceEvent,
    fetched: FetchedItem,
    report: &mut SyncReport,
    follow_up: &mut Vec<DeviceTask>,
) -> Result<()> {
    let item = server_item(fetched).map_err(|(_, e)| e)?;
    if item.event_fp == d.fp {
        let mut rec = rec;
        set_server(&mut rec, &item)?;
        set_device(&mut rec, d);
        return store.write(|tx| tx.save_item(&rec).map(|_| ()));
    }
    keep_conflict_copy(store, store_account_of(store, rec.calendar_id)?, d)?;
    report.conflicts += 1;
    follow_up
        .push(DeviceTask::from_server(rec, item, Some(d.entry.id.clone())).map_err(|(_, e)| e)?);
    Ok(())
}

/// Keeps the device's losing version of a conflict, once: the copy is committed before the
/// device gets the server's version, so a sync killed in between meets the same conflict
/// again, and an identical copy (same UID, same event) must not be kept twice.
fn keep_conflict_copy(store: &SqliteStore, account_id: i64, d: &DeviceEvent) -> Result<()> {
    let uid = d.event.uid.as_str();
    let already_kept = store
        .read()
        .conflict_texts(account_id, uid, "device")?
        .iter()
        .any(|ics| ical::ics_to_event(ics).is_ok_and(|e| ical::event_fingerprint(&e) == d.fp));
    if already_kept {
        return Ok(());
    }
    store.read().add_conflict(
        account_id,
        uid,
        "device",
        "changed on both sides; the server's version was kept",
        &ical::event_to_ics(&d.event),
    )
}

fn store_account_of(store: &SqliteStore, calendar_id: i64) -> Result<i64> {
    store.read().account_of_calendar(calendar_id)
}

/// Server writes of one sync, one at a time: each result is committed at once, and a
/// refused write whose server copy wins queues a device write (`follow_up`).
struct Push<'a> {
    store: &'a mut SqliteStore,
    client: &'a mut CalDavClient,
    url: &'a str,
    report: &'a mut SyncReport,
    follow_up: Vec<DeviceTask>,
}

impl Push<'_> {
    fn create(&mut self, rec: ItemRecord, d: &DeviceEvent) -> Result<()> {
        let body = upload_body(&rec, d)?;
        match self.client.create(self.url, &d.event.uid, &body)? {
            WriteOutcome::Written { href, etag } => {
                record_push(self.store, rec, d, href, etag, body)?;
                self.report.server.added += 1;
            }
            WriteOutcome::UidConflict {
                existing: Some(href),
            } => match self.client.get(&href)? {
                Some(f) => self.resolve(rec, d, f)?,
                None => self.report.errors.push(format!(
                    "{}: the server reports a UID conflict with an item it cannot return",
                    d.event.uid
                )),
            },
            WriteOutcome::PreconditionFailed
            | WriteOutcome::UidConflict { existing: None }
            | WriteOutcome::NotFound => self.report.errors.push(format!(
                "{}: an event with this UID already exists on the server; it will be paired at the next sync",
                d.event.uid
            )),
        }
        Ok(())
    }

    fn update(&mut self, rec: ItemRecord, d: &DeviceEvent, etag: Option<Etag>) -> Result<()> {
        let (Some(href), Some(stored_etag)) = (rec.href.clone(), rec.etag.clone()) else {
            return self.create(rec, d);
        };
        let etag = etag.unwrap_or(stored_etag);
        let body = upload_body(&rec, d)?;
        match self.client.update(&href, &etag, &body)? {
            WriteOutcome::Written { href, etag } => {
                record_push(self.store, rec, d, href, etag, body)?;
                self.report.server.updated += 1;
            }
            WriteOutcome::PreconditionFailed | WriteOutcome::UidConflict { .. } => {
                match self.client.get(&href)? {
                    Some(f) => self.resolve(rec, d, f)?,
                    None => self.create(rec, d)?,
                }
            }
            WriteOutcome::NotFound => self.create(rec, d)?,
        }
        Ok(())
    }

    fn delete(&mut self, rec: ItemRecord, etag: Option<Etag>) -> Result<()> {
        let Some(href) = rec.href.clone() else {
            return self.store.write(|tx| tx.delete_item(rec.id));
        };
        let etag = etag
            .or_else(|| rec.etag.clone())
            .unwrap_or_else(|| Etag::new("*"));
        match self.client.delete(&href, &etag)? {
            WriteOutcome::Written { .. } => {
                self.store.write(|tx| tx.delete_item(rec.id))?;
                self.report.server.deleted += 1;
            }
            WriteOutcome::NotFound => self.store.write(|tx| tx.delete_item(rec.id))?,
            WriteOutcome::PreconditionFailed | WriteOutcome::UidConflict { .. } => {
                // Changed on the server since: an edit beats a deletion, the event comes back.
                if let Some(f) = self.client.get(&href)? {
                    let item = read_item(f, true).map_err(|(_, e)| e)?;
                    let mut base = rec;
                    base.device_id = None;
                    base.device_version = None;
                    self.follow_up
                        .push(DeviceTask::from_server(base, item, None).map_err(|(_, e)| e)?);
                } else {
                    self.store.write(|tx| tx.delete_item(rec.id))?;
                }
            }
        }
        Ok(())
    }

    /// After a refused write: the server's copy wins unless it is the same event.
    fn resolve(&mut self, rec: ItemRecord, d: &DeviceEvent, fetched: FetchedItem) -> Result<()> {
        resolve_with_server_copy(
            self.store,
            rec,
            d,
            fetched,
            self.report,
            &mut self.follow_up,
        )
    }
}
