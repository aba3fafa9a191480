//! Backups of both sides, taken by the engine before data changes (a full snapshot before a
//! calendar's first sync, daily at the first sync of the day, before a settings change; the
//! prior versions of what a sync changes otherwise) and on request; kept compressed in the
//! store within a budget; exported as standard .ics; restored as the least changes
//! ([`restore`]).

pub mod restore;

use crate::device::DeviceCalendar;
use crate::ical;
use crate::store::{Account, BackupBudget, BackupReason, ItemRecord, SidePart, SqliteStore};
use crate::sync::plan::Action;
use crate::Result;
use std::collections::HashMap;

/// Device events are read this many at a time for a snapshot.
const FETCH_BATCH: usize = 200;

/// Every event of the device calendar, as one iCalendar text.
pub fn snapshot_device(device: &dyn DeviceCalendar) -> Result<SidePart> {
    let ids: Vec<String> = device.list()?.into_iter().map(|e| e.id).collect();
    let mut objects = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(FETCH_BATCH) {
        for (_, event) in device.fetch(chunk)? {
            objects.push(ical::event_to_ics(&event));
        }
    }
    part(objects)
}

/// The server calendar as the store last saw it.
pub fn snapshot_server_from_store(items: &[ItemRecord]) -> Result<SidePart> {
    part(items.iter().filter_map(|i| i.server_ics.clone()).collect())
}

/// A side made of these iCalendar objects.
pub fn part(objects: Vec<String>) -> Result<SidePart> {
    Ok(SidePart {
        items: objects.len() as u64,
        ics: ical::join_calendars(&objects)?,
    })
}

/// The rotation budget of an account.
pub fn budget(account: &Account) -> BackupBudget {
    BackupBudget {
        max_count: account.settings.backup_max_count,
        max_age_days: account.settings.backup_max_age_days,
        max_bytes: account.settings.backup_max_mib * 1024 * 1024,
    }
}

/// Stores a snapshot and rotates the account's snapshots; returns the snapshot id.
pub fn keep(
    store: &SqliteStore,
    account: &Account,
    reason: BackupReason,
    full: bool,
    pinned: bool,
    device: Option<&SidePart>,
    server: Option<&SidePart>,
) -> Result<i64> {
    let tx = store.read();
    let id = tx.add_backup(account.id, reason, full, pinned, device, server)?;
    tx.rotate_backups(account.id, &budget(account))?;
    Ok(id)
}

/// True when no full snapshot was taken today (UTC): the first sync of the day takes one.
pub fn daily_due(store: &SqliteStore, account_id: i64) -> Result<bool> {
    let last = store.read().last_full_backup_at(account_id)?;
    let today = crate::store::now_secs().div_euclid(86_400);
    Ok(last.is_none_or(|t| t.div_euclid(86_400) < today))
}

/// The versions a plan is about to overwrite or delete, per side: what a sync's backup
/// keeps when it takes no full snapshot.
pub fn prior_versions(items: &[ItemRecord], actions: &[Action]) -> Result<(SidePart, SidePart)> {
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
pub fn server_items_of_plan(actions: &[Action]) -> Vec<String> {
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

/// A full snapshot of both sides now: the device as it is and the server as it answers
/// (downloaded). Reason `manual` (or the one given), pinned.
pub fn snapshot_now(
    store: &SqliteStore,
    account: &Account,
    client: &mut crate::remote::caldav::CalDavClient,
    device: &dyn DeviceCalendar,
    reason: BackupReason,
) -> Result<i64> {
    let url = store
        .read()
        .calendar_state(account.id)?
        .remote_url
        .ok_or_else(|| crate::Error::Config("the account has no calendar yet".into()))?;
    let dev = snapshot_device(device)?;
    let srv = part(
        crate::sync::caldav::fetch_all(client, &url)?
            .into_iter()
            .map(|f| f.ics)
            .collect(),
    )?;
    keep(store, account, reason, true, true, Some(&dev), Some(&srv))
}

/// A full snapshot from what is at hand without the network (the device, and the server as
/// the store last saw it), e.g. before an account's settings change.
pub fn snapshot_offline(
    store: &SqliteStore,
    account: &Account,
    device: &dyn DeviceCalendar,
    reason: BackupReason,
) -> Result<i64> {
    let cal = store.read().calendar_state(account.id)?;
    let items = store.read().items(cal.id)?;
    let dev = snapshot_device(device)?;
    let srv = snapshot_server_from_store(&items)?;
    keep(store, account, reason, true, true, Some(&dev), Some(&srv))
}
