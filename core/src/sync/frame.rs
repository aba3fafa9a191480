//! The sync frame both protocols run in: the steps they share live here once. A replaced
//! device calendar resets the device side ([`reset_if_replaced`]); the device is scanned and
//! its unreadable events reported ([`scan_device`]); a plan the guard flags is held back with
//! its typed reason and plan ([`hold`]); both sides are backed up before changes
//! ([`take_backup`]); the report is finished and recorded ([`super::finish`]). Each protocol
//! supplies its remote scan and its remote execution around these steps.

use super::detect::{self, DeviceScan};
use super::plan::Action;
use super::report::{HoldReason, PlannedChange, SyncReport, SyncStatus};
use super::SyncContext;
use crate::backup::{self, part};
use crate::device::DeviceCalendar;
use crate::ical;
use crate::store::{Account, BackupReason, CalendarState, ItemRecord, SidePart, SqliteStore};
use crate::Result;
use std::collections::HashMap;
use std::time::Instant;

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

/// Scans the device against the store rows `items`; events that cannot be read are
/// reported as errors (never taken for deletions). Stops here when interrupted.
pub(crate) fn scan_device(
    device: &dyn DeviceCalendar,
    items: &[ItemRecord],
    report: &mut SyncReport,
    ctx: &SyncContext<'_>,
) -> Result<DeviceScan> {
    ctx.progress.phase("scan", 0);
    let phase = Instant::now();
    let scan = detect::scan_device(device, items)?;
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

/// Backs up both sides before a sync applies changes: a full snapshot before the
/// calendar's first sync and at the first sync of the day, the prior versions of what
/// changes otherwise. Snapshots before confirmed big changes (`big`) are pinned.
pub(crate) fn take_backup(
    store: &SqliteStore,
    account: &Account,
    cal: &CalendarState,
    items: &[ItemRecord],
    device: &dyn DeviceCalendar,
    actions: &[Action],
    big: bool,
) -> Result<()> {
    if !actions.iter().any(Action::changes_data) {
        return Ok(());
    }
    let phase = Instant::now();
    if items.is_empty() && cal.last_success_at.is_none() {
        let dev = backup::snapshot_device(device)?;
        let srv = part(server_items_of_plan(actions))?;
        backup::keep(
            store,
            account,
            BackupReason::FirstSync,
            true,
            true,
            Some(&dev),
            Some(&srv),
        )?;
    } else if backup::daily_due(store, account.id)? {
        let dev = backup::snapshot_device(device)?;
        let srv = backup::snapshot_server_from_store(items)?;
        backup::keep(
            store,
            account,
            BackupReason::Daily,
            true,
            big,
            Some(&dev),
            Some(&srv),
        )?;
    } else {
        let (dev, srv) = prior_versions(items, actions)?;
        backup::keep(
            store,
            account,
            BackupReason::BeforeSync,
            false,
            big,
            Some(&dev),
            Some(&srv),
        )?;
    }
    log::info!("backup in {} ms", phase.elapsed().as_millis());
    Ok(())
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

/// The server's items that a first sync fetched (all of them): its first snapshot.
fn server_items_of_plan(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::CreateOnDevice { item, .. }
            | Action::Link { item, .. }
            | Action::Conflict { item, .. }
            | Action::Adopt { item, .. } => Some(item.ics.clone()),
            _ => None,
        })
        .collect()
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
            ics: a.replace("u1", "u3"),
            uid: Uid::new("u3"),
            fp: String::new(),
            event_fp: String::new(),
            event: None,
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
        assert_eq!(server_items_of_plan(&actions).len(), 1);
    }
}
