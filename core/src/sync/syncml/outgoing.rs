//! The client's package: which device changes go to the server, each with its LUID (the
//! store row id; rows are created for new device events before anything is sent, so a LUID
//! never changes), and how the server's answers are recorded.

use crate::device::DeviceCalendar;
use crate::ical;
use crate::remote::syncml::{Command, Sync};
use crate::store::{ItemRecord, SqliteStore};
use crate::sync::detect::{DeviceEvent, DeviceScan};
use crate::Result;
use std::collections::HashMap;

/// One change we send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The LUID (row id).
    pub row: i64,
    /// Add, Replace or Delete.
    pub kind: OutKind,
    /// The device event (none for a Delete).
    pub device: Option<DeviceEvent>,
    /// The iCalendar 2.0 sent (none for a Delete).
    pub ics: Option<String>,
}

/// The command of an [`Outgoing`] (as the journal records it).
pub use crate::store::JournalKind as OutKind;

/// The iCalendar to send for a device event: merged into the last server copy when there
/// is one, so what the device cannot hold survives.
fn body_of(row: &ItemRecord, d: &DeviceEvent) -> Result<String> {
    match &row.server_ics {
        Some(server) => ical::merge_event(server, &d.event),
        None => Ok(ical::event_to_ics(&d.event)),
    }
}

/// Creates the store row (device side only) of a device event the store does not know.
fn new_row(store: &mut SqliteStore, calendar_id: i64, d: &DeviceEvent) -> Result<ItemRecord> {
    let mut rec = ItemRecord {
        calendar_id,
        uid: d.event.uid.clone(),
        device_id: Some(d.entry.id.clone()),
        device_version: Some(d.entry.version.clone()),
        device_fp: Some(d.fp.clone()),
        ..Default::default()
    };
    rec.id = store.write(|tx| tx.save_item(&rec))?;
    Ok(rec)
}

/// The changes of a two-way (or one-way-from-client) sync: device changes since the last
/// sync, plus rows the server never acknowledged.
pub fn incremental(
    store: &mut SqliteStore,
    calendar_id: i64,
    items: &[ItemRecord],
    scan: &DeviceScan,
    device: &dyn DeviceCalendar,
) -> Result<Vec<Outgoing>> {
    let mut out = Vec::new();
    for d in &scan.new {
        let rec = new_row(store, calendar_id, d)?;
        out.push(Outgoing {
            row: rec.id,
            kind: OutKind::Add,
            ics: Some(body_of(&rec, d)?),
            device: Some(d.clone()),
        });
    }
    let mut unacked = Vec::new();
    let deleted: std::collections::HashSet<i64> = scan.deleted.iter().copied().collect();
    for row in items {
        if let Some(d) = scan.changed.get(&row.id) {
            let kind = if row.href.is_some() {
                OutKind::Replace
            } else {
                OutKind::Add
            };
            out.push(Outgoing {
                row: row.id,
                kind,
                ics: Some(body_of(row, d)?),
                device: Some(d.clone()),
            });
        } else if deleted.contains(&row.id) {
            if row.href.is_some() {
                out.push(Outgoing {
                    row: row.id,
                    kind: OutKind::Delete,
                    device: None,
                    ics: None,
                });
            } else {
                store.write(|tx| tx.delete_item(row.id))?;
            }
        } else if row.href.is_none() {
            if let Some(id) = &row.device_id {
                unacked.push((row, id.clone()));
            }
        }
    }
    // Rows created for a device event that the server never acknowledged: send them again.
    if !unacked.is_empty() {
        let ids: Vec<String> = unacked.iter().map(|(_, id)| id.clone()).collect();
        let fetched: HashMap<String, DeviceEvent> = device
            .fetch(&ids)?
            .into_iter()
            .map(|(entry, event)| {
                let fp = ical::event_fingerprint(&event);
                (
                    entry.id.clone(),
                    DeviceEvent {
                        entry,
                        event: Box::new(event),
                        fp,
                    },
                )
            })
            .collect();
        for (row, id) in unacked {
            if let Some(d) = fetched.get(&id) {
                out.push(Outgoing {
                    row: row.id,
                    kind: OutKind::Add,
                    ics: Some(body_of(row, d)?),
                    device: Some(d.clone()),
                });
            }
        }
    }
    Ok(out)
}

/// The changes of a slow sync (or refresh from client): every device event as a Replace.
pub fn everything(
    store: &mut SqliteStore,
    calendar_id: i64,
    items: &[ItemRecord],
    device: &dyn DeviceCalendar,
) -> Result<Vec<Outgoing>> {
    let by_device: HashMap<&str, &ItemRecord> = items
        .iter()
        .filter_map(|i| i.device_id.as_deref().map(|d| (d, i)))
        .collect();
    let ids: Vec<String> = device.list()?.into_iter().map(|e| e.id).collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        for (entry, event) in device.fetch(chunk)? {
            let fp = ical::event_fingerprint(&event);
            let d = DeviceEvent {
                entry,
                event: Box::new(event),
                fp,
            };
            let rec = match by_device.get(d.entry.id.as_str()) {
                Some(r) => (*r).clone(),
                None => new_row(store, calendar_id, &d)?,
            };
            out.push(Outgoing {
                row: rec.id,
                kind: OutKind::Replace,
                ics: Some(body_of(&rec, &d)?),
                device: Some(d),
            });
        }
    }
    Ok(out)
}

/// The Sync command carrying `changes` in `format` (`vcalendar` sends vCalendar 1.0).
pub fn sync_command(
    changes: &[Outgoing],
    server_uri: &str,
    local_uri: &str,
    vcalendar: bool,
) -> Result<Command> {
    let mut sync = Sync::new(0, server_uri, local_uri);
    sync.number_of_changes = Some(changes.len() as u32);
    let ct = if vcalendar {
        "text/x-vcalendar"
    } else {
        "text/calendar"
    };
    for c in changes {
        let luid = c.row.to_string();
        let data = match &c.ics {
            Some(ics) if vcalendar => Some(ical::vcal::ical_to_vcal(ics)?),
            Some(ics) => Some(ics.clone()),
            None => None,
        };
        sync.push(match (c.kind, data) {
            (OutKind::Add, Some(d)) => Command::add(0, ct, &luid, &d),
            (OutKind::Replace, Some(d)) => Command::replace(0, ct, &luid, &d),
            _ => Command::delete(0, ct, &luid),
        });
    }
    Ok(Command::Sync(sync))
}

/// True for the statuses that mean the server took an Add or Replace.
pub fn accepted(kind: OutKind, code: u16) -> bool {
    match kind {
        OutKind::Add | OutKind::Replace => {
            matches!(code, 200 | 201 | 207 | 208 | 209 | 418 | 419)
        }
        OutKind::Delete => matches!(code, 200 | 210 | 211 | 404),
    }
}

/// Statuses that mean "not now" rather than "never" (417 retry later, 5xx): the item is
/// sent again at the next sync.
pub fn transient(code: u16) -> bool {
    code == 417 || (500..600).contains(&code)
}

/// Records what the server acknowledged: the row now exists on the server (under our
/// LUID) with the content sent; an acknowledged Delete removes the row.
pub fn record(
    store: &mut SqliteStore,
    calendar_id: i64,
    items: &[ItemRecord],
    acked: &[&Outgoing],
) -> Result<()> {
    let by_id: HashMap<i64, &ItemRecord> = items.iter().map(|i| (i.id, i)).collect();
    store.write(|tx| {
        for o in acked {
            match (o.kind, &o.device, &o.ics) {
                (OutKind::Delete, _, _) => tx.delete_item(o.row)?,
                (_, Some(d), Some(ics)) => {
                    let mut rec = by_id.get(&o.row).map(|r| (*r).clone()).unwrap_or_default();
                    rec.id = o.row;
                    rec.calendar_id = calendar_id;
                    rec.uid = d.event.uid.clone();
                    rec.device_id = Some(d.entry.id.clone());
                    rec.device_version = Some(d.entry.version.clone());
                    rec.device_fp = Some(d.fp.clone());
                    if rec.href.is_none() {
                        rec.href = Some(crate::model::Href::new(format!("luid:{}", o.row)));
                    }
                    rec.server_fp = Some(ical::fingerprint(ics)?);
                    rec.server_ics = Some(ics.clone());
                    tx.save_item(&rec)?;
                }
                _ => {}
            }
        }
        Ok(())
    })
}
