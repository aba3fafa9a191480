//! The sync frame both protocols run in: the steps they share live here once, in [`run`].
//! A replaced device calendar resets the device side ([`reset_if_replaced`]); the device is
//! scanned and its unreadable events reported ([`scan_device`]); copies sharing a UID are
//! set aside ([`duplicates`]); the plan is made and paired; a plan the guard flags is held
//! back with its typed reason and plan ([`hold`]); both sides are backed up before changes
//! ([`Frame::take_backup`]); the report is finished and recorded ([`finish`]). Each protocol
//! implements [`Protocol`]: its remote scan, its remote execution and what it commits last.

use super::detect::{self, DeviceScan};
use super::duplicates::{self, SetAside};
use super::pairing;
use super::plan::{plan, Action, ServerChange, ServerScan};
use super::report::{HoldReason, PlannedChange, SyncReport, SyncStatus};
use super::{guard, SyncContext};
use crate::backup::{self, part};
use crate::device::{DeviceCalendar, DeviceEntry};
use crate::ical;
use crate::remote::http::HttpStats;
use crate::store::{
    Account, BackupReason, CalendarState, ItemRecord, PackedPart, SidePart, SqliteStore,
};
use crate::Result;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// What one running sync works with: the store, the account, its device calendar, the
/// user's choices and the report being filled in.
pub(crate) struct Frame<'a, 'c> {
    /// The store (one writer).
    pub store: &'a mut SqliteStore,
    /// The account being synced.
    pub account: &'a Account,
    /// Its device calendar.
    pub device: &'a mut dyn DeviceCalendar,
    /// Dry run, confirmation, interrupt flag and progress.
    pub opts: &'a SyncContext<'c>,
    /// The report of this sync.
    pub report: &'a mut SyncReport,
}

/// The device side as the frame found it before the remote scan.
pub(crate) struct Local {
    /// The calendar's sync state.
    pub cal: CalendarState,
    /// The store rows of the calendar.
    pub items: Vec<ItemRecord>,
    /// What changed on the device (copies sharing a UID already set aside).
    pub scan: DeviceScan,
    /// The device calendar was replaced since the last sync (its device side was reset).
    pub replaced: bool,
    /// Nothing changed on the device and every row has both sides: the number of rows.
    /// `items` is then empty, and the remote scan reads the rows its changes name (returned
    /// as `rescanned`).
    pub sparse: Option<usize>,
}

/// What a protocol's remote scan found.
pub(crate) struct RemoteScan {
    /// The server's changes against the store rows.
    pub scan: ServerScan,
    /// Number of items on the server, when it was fully listed (for the guard).
    pub listed_total: Option<usize>,
    /// Store rows and device scan to plan with, when the protocol changed the store while
    /// talking to the server (SyncML creates rows for the changes it sends); `None`: the
    /// frame's own.
    pub rescanned: Option<(Vec<ItemRecord>, DeviceScan)>,
}

/// What each protocol supplies to the frame.
pub(crate) trait Protocol {
    /// A cheap check before the stored bodies are read: `Ok(true)` ends the sync there,
    /// nothing changed on either side (`local.items` come without their `server_ics`).
    fn unchanged(&mut self, _f: &mut Frame<'_, '_>, _local: &Local) -> Result<bool> {
        Ok(false)
    }

    /// Whether the protocol's scan and execution work from the store rows without their
    /// bodies, the frame reading a body only for the rows the plan touches. `false`: every
    /// row comes with its body.
    fn bodies_on_demand(&self) -> bool {
        false
    }

    /// Reads the server's changes. `Ok(None)` ends the sync there: nothing to do (nothing
    /// changed on either side), a dry run already reported, or a hold decided by the
    /// protocol itself.
    fn scan_remote(&mut self, f: &mut Frame<'_, '_>, local: &Local) -> Result<Option<RemoteScan>>;

    /// Whether the plan's `action` runs in this sync (SyncML sent its own changes before
    /// reading the server's: a server write planned now waits for the next session).
    fn runs(&self, _action: &Action) -> bool {
        true
    }

    /// Runs the plan: the remote writes and the device writes (through [`super::apply`]).
    fn execute(
        &mut self,
        f: &mut Frame<'_, '_>,
        items: &[ItemRecord],
        actions: Vec<Action>,
    ) -> Result<()>;

    /// After execution: what the protocol commits last (sync marks, anchors).
    fn commit(&mut self, f: &mut Frame<'_, '_>) -> Result<()>;
}

/// Runs one sync of `protocol` in the frame: reset, device scan, remote scan, duplicates,
/// plan, guard and hold, backup, execution, commit.
pub(crate) fn run(f: &mut Frame<'_, '_>, protocol: &mut dyn Protocol) -> Result<()> {
    let cal = f.store.read().calendar_state(f.account.id)?;
    let replaced = reset_if_replaced(f.store, &cal, &*f.device, f.opts)?;
    let on_demand = protocol.bodies_on_demand();
    f.opts.progress.phase("scan", 0);
    let listed = f.device.list()?;
    // The no-change check first compares the listing's digest with the one kept by the
    // last sync that found the listing matching the rows; failing that, the listing with
    // the store's device ids and versions alone, in one pass over an index, without
    // building any row. When they match, the sync goes on sparse: only the rows the
    // server's changes name are read.
    let unchanged_rows = match on_demand {
        true => device_side_unchanged(f.store, cal.id, &listed)?,
        false => None,
    };
    let mut local = if let Some(rows) = unchanged_rows {
        let quick = Local {
            cal,
            items: Vec::new(),
            scan: DeviceScan {
                total: listed.len(),
                ..DeviceScan::default()
            },
            replaced,
            sparse: Some(rows),
        };
        if protocol.unchanged(f, &quick)? {
            return Ok(());
        }
        quick
    } else {
        // Bodies are read only when the sync goes past the protocol's no-change check.
        let light = f.store.read().items_without_bodies(cal.id)?;
        let mut scan = scan_device(&*f.device, listed, &light, f.report, f.opts)?;
        let aside = duplicates::set_aside(&light, &mut scan, &mut ServerScan::default());
        f.report.warnings.extend(aside.warnings());
        let local = Local {
            cal,
            items: light,
            scan,
            replaced,
            sparse: None,
        };
        if protocol.unchanged(f, &local)? {
            return Ok(());
        }
        local
    };
    if on_demand {
        // A row missing its device side is re-created there from its stored server copy.
        let read = f
            .store
            .read()
            .fill_bodies(&mut local.items, |i| i.device_id.is_none())?;
        f.report.stored_bodies_read += read;
    } else {
        local.items = f.store.read().items(local.cal.id)?;
        f.report.stored_bodies_read += local
            .items
            .iter()
            .filter(|i| i.server_ics.is_some())
            .count() as u64;
    }
    let phase = Instant::now();
    let Some(remote) = protocol.scan_remote(f, &local)? else {
        return Ok(());
    };
    f.opts.interrupt.check()?;
    log::info!(
        "server scan: {} new, {} changed or deleted in {} ms",
        remote.scan.new.len(),
        remote.scan.changed.len(),
        phase.elapsed().as_millis()
    );
    let Local {
        cal,
        items,
        scan,
        sparse,
        ..
    } = local;
    let (mut items, mut device_scan) = remote.rescanned.unwrap_or((items, scan));
    let device_total = device_scan.total;
    let mut server_scan = remote.scan;
    // The rows synced before, and those of them the server holds: counted by the store when
    // the rows at hand are only those the changes name.
    let (known, server_known) = match sparse {
        // Every row has both sides there.
        Some(rows) => (rows, rows),
        None => {
            let with_href = items.iter().filter(|i| i.href.is_some()).count();
            (items.len(), with_href)
        }
    };
    // A change list (sync-collection, a SyncML two-way sync) does not say how many items
    // are left on the server: count them from the store, so that a calendar emptied on the
    // server is held back whatever its size.
    let server_total = remote
        .listed_total
        .unwrap_or_else(|| server_total_after(server_known, &server_scan));
    // The device's copies were reported before the remote scan.
    let aside = duplicates::set_aside(&items, &mut device_scan, &mut server_scan);
    f.report
        .warnings
        .extend(SetAside { device: 0, ..aside }.warnings());
    let (actions, warnings) = pairing::pair_by_content(plan(&items, device_scan, server_scan));
    f.report.warnings.extend(warnings);
    let actions: Vec<Action> = actions.into_iter().filter(|a| protocol.runs(a)).collect();
    if on_demand {
        // The plan is made from every row's columns but its body: the bodies of the rows it
        // touches are read now, for its description, the backup and the execution.
        let touched: HashSet<i64> = actions.iter().filter_map(Action::row).collect();
        let read = f
            .store
            .read()
            .fill_bodies(&mut items, |i| touched.contains(&i.id))?;
        f.report.stored_bodies_read += read;
    }
    if f.opts.dry_run {
        f.report.plan = Some(describe(&actions, &items));
        return Ok(());
    }
    let held = guard::check(
        &actions,
        &f.account.settings,
        known,
        device_total,
        Some(server_total),
    );
    if hold(f.report, f.opts, held.clone(), || {
        describe(&actions, &items)
    }) {
        return Ok(());
    }
    f.take_backup(&cal, &items, &actions, held.is_some())?;
    let phase = Instant::now();
    let count = actions.len();
    protocol.execute(f, &items, actions)?;
    log::info!(
        "applied {count} action(s) in {} ms",
        phase.elapsed().as_millis()
    );
    protocol.commit(f)
}

/// The store rows a plan refers to, by id: what a protocol's execution starts each action's
/// record from.
pub(crate) struct Rows<'a> {
    by_id: HashMap<i64, &'a ItemRecord>,
    calendar_id: i64,
}

impl<'a> Rows<'a> {
    /// The rows of `items`, in the calendar `calendar_id`.
    pub(crate) fn new(items: &'a [ItemRecord], calendar_id: i64) -> Self {
        Rows {
            by_id: items.iter().map(|i| (i.id, i)).collect(),
            calendar_id,
        }
    }

    /// A copy of the row `row`, or a new record of the calendar when there is none.
    pub(crate) fn base(&self, row: Option<i64>) -> ItemRecord {
        row.and_then(|r| self.by_id.get(&r).map(|i| (*i).clone()))
            .unwrap_or(ItemRecord {
                calendar_id: self.calendar_id,
                ..Default::default()
            })
    }
}

/// The number of items on the server after a change list: the store's rows known to the
/// server (`known`), less those the server deleted, plus the new ones.
fn server_total_after(known: usize, scan: &ServerScan) -> usize {
    let deleted = scan
        .changed
        .values()
        .filter(|c| matches!(c, ServerChange::Deleted))
        .count();
    known.saturating_sub(deleted) + scan.new.len()
}

/// Forgets what the store knew of the device side of a calendar: rows known only to the
/// device go, the others lose their device id, version and fingerprint.
pub(crate) fn forget_device_side(store: &mut SqliteStore, calendar_id: i64) -> Result<()> {
    let items = store.read().items(calendar_id)?;
    store.write(|tx| {
        for mut item in items {
            if item.href.is_none() {
                tx.delete_item(item.id)?;
                continue;
            }
            item.device_id = None;
            item.device_version = None;
            item.device_fp = None;
            tx.save_item(&item)?;
        }
        Ok(())
    })
}

/// A replaced device calendar (a new `calendar_id`) is a reset: the store forgets the
/// device side, so its events are matched by UID and the server's are pulled; nothing is
/// deleted. Returns true when the calendar was replaced (not at its first sync). A dry run
/// changes nothing.
pub(crate) fn reset_if_replaced(
    store: &mut SqliteStore,
    cal: &CalendarState,
    device: &dyn DeviceCalendar,
    ctx: &SyncContext<'_>,
) -> Result<bool> {
    let device_calendar_id = device.calendar_id()?;
    if cal.device_calendar_id.as_deref() == Some(device_calendar_id.as_str()) {
        return Ok(false);
    }
    let replaced = cal.device_calendar_id.is_some();
    if !ctx.dry_run {
        if replaced {
            log::warn!("the local calendar was replaced: pulling from the server");
            forget_device_side(store, cal.id)?;
        }
        store
            .read()
            .set_device_calendar_id(cal.id, &device_calendar_id)?;
    }
    Ok(replaced)
}

/// The device's listing as id -> version.
/// When the device listing `listed` matches the calendar's rows exactly (see
/// [`crate::store::StoreTx::device_side_unchanged`]), the number of rows. The digest of a
/// listing found to match is kept: while no row is written, a listing with the same digest
/// matches too, without reading the rows again. Another digest (an edit, or the same files
/// listed in another order) only means the rows are read.
fn device_side_unchanged(
    store: &SqliteStore,
    calendar_id: i64,
    listed: &[DeviceEntry],
) -> Result<Option<usize>> {
    let digest = listing_digest(listed);
    let tx = store.read();
    if let Some((kept, count)) = tx.device_digest(calendar_id)? {
        if kept == digest && count == listed.len() {
            return Ok(Some(count));
        }
    }
    let rows = tx.device_side_unchanged(calendar_id, &listing_map(listed))?;
    if let Some(count) = rows {
        tx.set_device_digest(calendar_id, &digest, count)?;
    }
    Ok(rows)
}

/// A 128-bit SipHash-1-3 of a device listing, in its order: each entry's id and version.
/// Not a defence against forged listings (the device is the user's own); a stable, cheap
/// digest whose chance of matching a changed listing is 2^-128.
fn listing_digest(listed: &[DeviceEntry]) -> String {
    use siphasher::sip128::{Hasher128, SipHasher13};
    use std::hash::Hasher;
    let mut h = SipHasher13::new();
    for e in listed {
        h.write(e.id.as_bytes());
        h.write_u8(0);
        h.write(e.version.as_bytes());
        h.write_u8(b'\n');
    }
    format!("{:032x}", h.finish128().as_u128())
}

fn listing_map(listed: &[DeviceEntry]) -> HashMap<&[u8], &[u8]> {
    listed
        .iter()
        .map(|e| (e.id.as_bytes(), e.version.as_bytes()))
        .collect()
}

/// Scans the device (its listing `listed`) against the store rows `items`; events that
/// cannot be read are reported as errors (never taken for deletions). Stops here when
/// interrupted.
pub(crate) fn scan_device(
    device: &dyn DeviceCalendar,
    listed: Vec<DeviceEntry>,
    items: &[ItemRecord],
    report: &mut SyncReport,
    ctx: &SyncContext<'_>,
) -> Result<DeviceScan> {
    let phase = Instant::now();
    let scan = detect::scan_listed(device, listed, items)?;
    log::info!(
        "device scan: {} events, {} new, {} changed, {} deleted in {} ms",
        scan.total,
        scan.new.len(),
        scan.changed.len(),
        scan.deleted.len(),
        phase.elapsed().as_millis()
    );
    for (id, msg) in &scan.unreadable {
        report.errors.push(format!("local event {id}: {msg}"));
    }
    ctx.interrupt.check()?;
    Ok(scan)
}

/// Holds a plan back (nothing applied) when the guard gave a `reason` and the user did not
/// confirm: the report gets the reason and the plan (`planned`, computed only then).
/// Returns true when held.
pub(crate) fn hold(
    report: &mut SyncReport,
    ctx: &SyncContext<'_>,
    reason: Option<HoldReason>,
    planned: impl FnOnce() -> Vec<PlannedChange>,
) -> bool {
    match reason {
        Some(reason) if !ctx.confirmed => {
            report.plan = Some(planned());
            report.hold = Some(reason);
            report.status = SyncStatus::NeedsConfirmation;
            true
        }
        _ => false,
    }
}

/// The plan as a dry run shows it.
pub(crate) fn describe(actions: &[Action], items: &[ItemRecord]) -> Vec<PlannedChange> {
    actions.iter().filter_map(|a| a.describe(items)).collect()
}

impl Frame<'_, '_> {
    /// Backs up both sides before a sync applies changes: a full snapshot labelled
    /// first-sync (pinned) until the account's first successful sync, a full snapshot at
    /// the first sync of the day, the prior versions of what changes otherwise. Snapshots
    /// before confirmed big changes (`big`) are pinned.
    pub(crate) fn take_backup(
        &self,
        cal: &CalendarState,
        items: &[ItemRecord],
        actions: &[Action],
        big: bool,
    ) -> Result<()> {
        if !actions.iter().any(Action::changes_data) {
            return Ok(());
        }
        let phase = Instant::now();
        if cal.last_success_at.is_none() {
            // Compressed as it is joined: a first download is the whole calendar.
            // Every stored server copy, read from the store here (the rows at hand may carry
            // only the bodies the plan touches).
            let dev = backup::snapshot_device(&*self.device)?.pack()?;
            let all = self.store.read().items(cal.id)?;
            let srv = first_server_part(&all, actions)?;
            backup::keep_packed(
                self.store,
                self.account,
                BackupReason::FirstSync,
                true,
                &dev,
                &srv,
            )?;
            log::info!("backup in {} ms", phase.elapsed().as_millis());
            return Ok(());
        }
        let (reason, full, pinned, dev, srv) = if backup::daily_due(self.store, self.account.id)? {
            let dev = backup::snapshot_device(&*self.device)?;
            let all = self.store.read().items(cal.id)?;
            let srv = backup::snapshot_server_from_store(&all)?;
            (BackupReason::Daily, true, big, dev, srv)
        } else {
            let (dev, srv) = prior_versions(items, actions)?;
            (BackupReason::BeforeSync, false, big, dev, srv)
        };
        backup::keep(
            self.store,
            self.account,
            reason,
            full,
            pinned,
            Some(&dev),
            Some(&srv),
        )?;
        log::info!("backup in {} ms", phase.elapsed().as_millis());
        Ok(())
    }
}

/// The server side of a first-sync snapshot: what the store holds of it (rows of an earlier
/// attempt) and the server items the plan brings, each UID once. Texts set aside on disk
/// during the download are read back one at a time.
fn first_server_part(items: &[ItemRecord], actions: &[Action]) -> Result<PackedPart> {
    let mut seen = std::collections::HashSet::new();
    let from_plan = actions.iter().filter_map(|a| match a {
        Action::CreateOnDevice { item, .. }
        | Action::UpdateOnDevice { item, .. }
        | Action::Link { item, .. }
        | Action::Conflict { item, .. }
        | Action::Adopt { item, .. } => Some((item.uid.as_str(), item.ics.read())),
        _ => None,
    });
    let from_store = items.iter().filter_map(|i| {
        let ics = i.server_ics.as_deref()?;
        Some((i.uid.as_str(), Ok(std::borrow::Cow::Borrowed(ics))))
    });
    let objects = from_plan
        .chain(from_store)
        .filter(|(uid, _)| seen.insert(*uid))
        .map(|(_, ics)| ics);
    backup::packed_part(objects)
}

/// The versions a plan is about to overwrite or delete, per side: what a sync's backup
/// keeps when it takes no full snapshot.
fn prior_versions(items: &[ItemRecord], actions: &[Action]) -> Result<(SidePart, SidePart)> {
    let rows: HashMap<i64, &ItemRecord> = items.iter().map(|i| (i.id, i)).collect();
    let stored = |row: &i64| rows.get(row).and_then(|r| r.server_ics.clone());
    let mut device = Vec::new();
    let mut server = Vec::new();
    for a in actions {
        match a {
            // The device was unchanged since the last sync: it holds the stored copy.
            Action::UpdateOnDevice { row, .. } | Action::DeleteOnDevice { row, .. } => {
                device.extend(stored(row));
            }
            Action::Conflict { device: d, .. } | Action::Adopt { device: d, .. } => {
                device.push(ical::event_to_ics(&d.event))
            }
            Action::UpdateOnServer { row, .. } | Action::DeleteOnServer { row, .. } => {
                server.extend(stored(row));
            }
            _ => {}
        }
    }
    Ok((part(device)?, part(server)?))
}

/// When a sync started: for its duration and its history entry.
pub(crate) struct Started {
    instant: Instant,
    at: i64,
}

impl Started {
    /// Now.
    pub(crate) fn now() -> Started {
        Started {
            instant: Instant::now(),
            at: crate::store::now_secs(),
        }
    }
}

/// Ends a sync of any protocol: fills in traffic and duration, sets the status from the
/// outcome, and records the report in the history (not for dry runs).
pub(crate) fn finish(
    store: &SqliteStore,
    account: &Account,
    opts: &SyncContext<'_>,
    started: Started,
    mut report: SyncReport,
    stats: Option<HttpStats>,
    result: Result<()>,
) -> (SyncReport, Option<crate::Error>) {
    if let Some(s) = stats {
        report.requests = s.requests;
        report.bytes_sent = s.bytes_sent;
        report.bytes_received = s.bytes_received;
    }
    report.duration_ms = started.instant.elapsed().as_millis() as u64;
    let error = match result {
        Ok(()) => {
            if !report.errors.is_empty() && report.status == SyncStatus::Ok {
                report.status = SyncStatus::Error;
            }
            None
        }
        Err(e) => {
            report.status = match e.kind() {
                crate::ErrorKind::NeedsConfirmation => SyncStatus::NeedsConfirmation,
                _ => SyncStatus::Error,
            };
            report.errors.push(e.to_string());
            Some(e)
        }
    };
    if !opts.dry_run {
        let status = serde_json::to_value(report.status).unwrap_or_default();
        let json = serde_json::to_value(&report).unwrap_or_default();
        let recorded = store.read().calendar_state(account.id).and_then(|cal| {
            store
                .read()
                .mark_synced(cal.id, report.status == SyncStatus::Ok)?;
            store.read().record_session(
                account.id,
                started.at,
                "sync",
                status.as_str().unwrap_or("error"),
                &json,
            )
        });
        if let Err(e) = recorded {
            log::warn!("could not record the sync in the history: {e}");
        }
    }
    (report, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Etag, Href, Uid};
    use crate::sync::plan::ServerItem;

    fn row(id: i64, ics: &str) -> ItemRecord {
        ItemRecord {
            id,
            uid: Uid::new(format!("u{id}")),
            href: Some(Href::new(format!("/c/u{id}.ics"))),
            server_ics: Some(ics.to_string()),
            ..ItemRecord::default()
        }
    }

    #[test]
    fn prior_versions_keep_what_each_side_is_about_to_lose() {
        let a = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTART:20251005T090000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let b = a.replace("u1", "u2").replace(":A", ":B");
        let items = vec![row(1, a), row(2, &b)];
        let new = ServerItem {
            href: Href::new("/c/u3.ics"),
            etag: Etag::new("e"),
            ics: a.replace("u1", "u3").into(),
            uid: Uid::new("u3"),
            fp: String::new(),
            event_fp: String::new(),
            event: None,
            pair_key: None,
        };
        let actions = vec![
            Action::DeleteOnDevice {
                row: 1,
                left_window: false,
            },
            Action::DeleteOnServer { row: 2, etag: None },
            Action::CreateOnDevice {
                row: None,
                item: new,
            },
        ];
        let (dev, srv) = prior_versions(&items, &actions).unwrap();
        assert_eq!((dev.items, srv.items), (1, 1));
        assert!(dev.ics.contains("UID:u1") && srv.ics.contains("UID:u2"));
        // A first sync keeps the server as the store held it plus what the plan brings.
        let first = first_server_part(&items, &actions).unwrap();
        assert_eq!(first.items, 3);
    }
}
