//! Restore a snapshot as the least changes: re-create what is missing, revert what changed,
//! and — only when asked — remove what was added since. The store is left so that the next
//! sync propagates nothing unexpected:
//! - a restored server stays restored: the store still holds the pre-restore server state,
//!   so the next sync sees the restored versions as server changes and brings them to the
//!   device (where the device changed too, the server wins and the device version is kept as
//!   a conflict copy);
//! - a restored device pushes its restored events only where the server lost them: events
//!   the server still holds are recorded as synced with their restored device version (not
//!   pushed); events the store does not know are new on the device and are pushed. An event
//!   removed from the device comes back at the next sync while the server holds it (restore
//!   both sides to remove it everywhere).

use crate::device::{DeviceCalendar, DeviceOp, DeviceOutcome};
use crate::ical;
use crate::model::{Etag, Href, Uid};
use crate::store::{Account, ItemRecord, SidePart, SqliteStore};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::HashMap;

pub use crate::model::Side;

/// What a restore does to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RestoreAction {
    /// Re-create an event the snapshot holds and the side lost.
    Add,
    /// Put back the snapshot's version of a changed event.
    Revert,
    /// Remove an event added since the snapshot (only when confirmed).
    Remove,
}

/// One change a restore makes (or would make, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreChange {
    /// [`Side::Device`] or [`Side::Server`].
    pub side: Side,
    /// What happens to the event.
    pub action: RestoreAction,
    /// UID of the event.
    pub uid: String,
}

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// The changes, applied unless `dry_run`.
    pub changes: Vec<RestoreChange>,
    /// Events added since the snapshot and kept because removal was not confirmed.
    pub kept_added: usize,
    /// Nothing was changed.
    pub dry_run: bool,
    /// Errors, one line each.
    pub errors: Vec<String>,
}

/// One event of the server calendar, as a restore sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    /// Where it lives.
    pub href: Href,
    /// Its etag (writes are conditional on it).
    pub etag: Etag,
    /// Its iCalendar.
    pub ics: String,
}

/// What a restore needs from a server calendar it can rewrite. The engine implements it
/// over CalDAV; a SyncML server cannot be rewritten this way.
pub trait ServerCalendar {
    /// Every event of the calendar.
    fn events(&mut self) -> Result<Vec<ServerEvent>>;
    /// Creates an event; false when the server refused it.
    fn create(&mut self, uid: &Uid, ics: &str) -> Result<bool>;
    /// Replaces an event if its etag still matches; false when refused.
    fn update(&mut self, event: &ServerEvent, ics: &str) -> Result<bool>;
    /// Removes an event.
    fn delete(&mut self, event: &ServerEvent) -> Result<()>;
}

/// The snapshot's events by UID.
fn target(part: &SidePart) -> Result<Vec<(Uid, String)>> {
    let mut out = Vec::new();
    for obj in ical::split_calendar(&part.ics)? {
        if let Ok(uid) = ical::uid_of(&obj) {
            out.push((uid, obj));
        }
    }
    Ok(out)
}

fn change(side: Side, action: RestoreAction, uid: &Uid) -> RestoreChange {
    RestoreChange {
        side,
        action,
        uid: uid.to_string(),
    }
}

/// Restores the server calendar to `part`.
pub fn restore_server(
    server: &mut dyn ServerCalendar,
    part: &SidePart,
    remove_added: bool,
    dry_run: bool,
    report: &mut RestoreReport,
) -> Result<()> {
    let wanted = target(part)?;
    let mut current = HashMap::new();
    for item in server.events()? {
        if let Ok(uid) = ical::uid_of(&item.ics) {
            current.insert(uid, item);
        }
    }
    for (uid, ics) in &wanted {
        let op = match current.remove(uid) {
            Some(cur) if ical::fingerprint(&cur.ics)? == ical::fingerprint(ics)? => continue,
            Some(cur) => {
                report
                    .changes
                    .push(change(Side::Server, RestoreAction::Revert, uid));
                if dry_run {
                    continue;
                }
                server.update(&cur, ics)?
            }
            None => {
                report
                    .changes
                    .push(change(Side::Server, RestoreAction::Add, uid));
                if dry_run {
                    continue;
                }
                server.create(uid, ics)?
            }
        };
        if !op {
            report
                .errors
                .push(format!("{uid}: the server refused the restored version"));
        }
    }
    for (uid, cur) in current {
        if !remove_added {
            report.kept_added += 1;
            continue;
        }
        report
            .changes
            .push(change(Side::Server, RestoreAction::Remove, &uid));
        if !dry_run {
            server.delete(&cur)?;
        }
    }
    Ok(())
}

/// Restores the device calendar to `part` and records it in the store (see the module
/// documentation).
pub fn restore_device(
    store: &mut SqliteStore,
    calendar_id: i64,
    device: &mut dyn DeviceCalendar,
    part: &SidePart,
    remove_added: bool,
    dry_run: bool,
    report: &mut RestoreReport,
) -> Result<()> {
    let wanted = target(part)?;
    let ids: Vec<String> = device.list()?.into_iter().map(|e| e.id).collect();
    let mut current = HashMap::new();
    for chunk in ids.chunks(200) {
        for (entry, event) in device.fetch(chunk)? {
            current
                .entry(event.uid.clone())
                .or_insert((entry, ical::event_fingerprint(&event)));
        }
    }
    let mut ops = Vec::new();
    let mut fps = Vec::new();
    for (uid, ics) in &wanted {
        let event = ical::ics_to_event(ics)?;
        let fp = ical::event_fingerprint(&event);
        match current.remove(uid) {
            Some((_, cur_fp)) if cur_fp == fp => {}
            Some((entry, _)) => {
                report
                    .changes
                    .push(change(Side::Device, RestoreAction::Revert, uid));
                ops.push(DeviceOp::Update {
                    id: entry.id,
                    event,
                });
                fps.push((uid.clone(), Some(fp)));
            }
            None => {
                report
                    .changes
                    .push(change(Side::Device, RestoreAction::Add, uid));
                ops.push(DeviceOp::Create(event));
                fps.push((uid.clone(), Some(fp)));
            }
        }
    }
    for (uid, (entry, _)) in current {
        if !remove_added {
            report.kept_added += 1;
            continue;
        }
        report
            .changes
            .push(change(Side::Device, RestoreAction::Remove, &uid));
        ops.push(DeviceOp::Delete { id: entry.id });
        fps.push((uid, None));
    }
    if dry_run || ops.is_empty() {
        return Ok(());
    }
    let outcomes = device.apply(&ops)?;
    let rows: HashMap<Uid, ItemRecord> = store
        .read()
        .items(calendar_id)?
        .into_iter()
        .map(|r| (r.uid.clone(), r))
        .collect();
    store.write(|tx| {
        for ((uid, fp), outcome) in fps.iter().zip(&outcomes) {
            let Some(row) = rows.get(uid) else { continue };
            let mut row = row.clone();
            match (outcome, fp) {
                (DeviceOutcome::Written(entry), Some(fp)) if row.href.is_some() => {
                    row.device_id = Some(entry.id.clone());
                    row.device_version = Some(entry.version.clone());
                    row.device_fp = Some(fp.clone());
                    tx.save_item(&row)?;
                }
                (DeviceOutcome::Written(_), _) => {
                    // The server lost it: forget the row, the next sync pushes the event.
                    tx.delete_item(row.id)?;
                }
                (DeviceOutcome::Deleted, _) => {
                    row.device_id = None;
                    row.device_version = None;
                    row.device_fp = None;
                    tx.save_item(&row)?;
                }
                (DeviceOutcome::Failed(msg), _) => {
                    return Err(Error::Device(format!("restoring {uid}: {msg}")));
                }
            }
        }
        Ok(())
    })?;
    for ((uid, _), outcome) in fps.iter().zip(outcomes) {
        if let DeviceOutcome::Failed(msg) = outcome {
            report.errors.push(format!("{uid}: {msg}"));
        }
    }
    Ok(())
}

/// How a restore runs.
#[derive(Debug, Clone, Copy)]
pub struct RestoreOptions {
    /// The side to restore.
    pub side: Side,
    /// Events added since the snapshot are removed (the user confirmed).
    pub remove_added: bool,
    /// Compute the changes; make none.
    pub dry_run: bool,
}

/// Restores snapshot `backup_id` of `account` on `side`. A snapshot holding one side only is
/// restored to whichever side is asked. A full snapshot of what is about to be replaced is
/// taken first (reason `before-restore`). Restoring the server side needs a `server` that can
/// be rewritten (`None`: only the device side can be restored, e.g. for a SyncML account).
pub fn restore(
    store: &mut SqliteStore,
    account: &Account,
    server: Option<&mut dyn ServerCalendar>,
    device: &mut dyn DeviceCalendar,
    backup_id: i64,
    how: RestoreOptions,
) -> Result<RestoreReport> {
    let RestoreOptions {
        side,
        remove_added,
        dry_run,
    } = how;
    if server.is_none() && side != Side::Device {
        return Err(Error::Config(
            "the server side of this account cannot be restored; restore the device side".into(),
        ));
    }
    let data = store
        .read()
        .backup_data(backup_id)?
        .ok_or_else(|| Error::Config(format!("no backup with id {backup_id}")))?;
    let (owner, device_part, server_part) = (data.account_id, data.device, data.server);
    if owner != account.id {
        return Err(Error::Config(format!(
            "backup {backup_id} belongs to another account"
        )));
    }
    let cal = store.read().calendar_state(account.id)?;
    if cal.remote_url.is_none() {
        return Err(Error::Config(
            "the account has no calendar yet: sync it first".into(),
        ));
    }
    let for_server = server_part.clone().or_else(|| device_part.clone());
    let for_device = device_part.or(server_part);
    let mut report = RestoreReport {
        dry_run,
        ..Default::default()
    };
    if !dry_run {
        let items = store.read().items(cal.id)?;
        let dev = super::snapshot_device(device)?;
        let srv = super::snapshot_server_from_store(&items)?;
        super::keep(
            store,
            account,
            crate::store::BackupReason::BeforeRestore,
            true,
            true,
            Some(&dev),
            Some(&srv),
        )?;
    }
    if matches!(side, Side::Server | Side::Both) {
        let server = server.ok_or_else(|| Error::Config("no server to restore".into()))?;
        let part = for_server
            .as_ref()
            .ok_or_else(|| Error::Config(format!("backup {backup_id} holds no events")))?;
        restore_server(server, part, remove_added, dry_run, &mut report)?;
    }
    if matches!(side, Side::Device | Side::Both) {
        let part = for_device
            .as_ref()
            .ok_or_else(|| Error::Config(format!("backup {backup_id} holds no events")))?;
        restore_device(
            store,
            cal.id,
            device,
            part,
            remove_added,
            dry_run,
            &mut report,
        )?;
    }
    Ok(report)
}
