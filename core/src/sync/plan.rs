//! The three-way decision: for each event, from what the device and the server did since the
//! last sync (and what the store remembers), what to do. Pure: no I/O. The conflict rules are
//! here and nowhere else: same content on both sides is never a conflict; an edit beats a
//! deletion; when both sides edited, the server wins and the device's version is kept as a
//! conflict copy.

use super::detect::{DeviceEvent, DeviceScan};
use super::report::{ChangeAction, ChangeReason, PlannedChange};
use crate::model::{Etag, Href, Side, Uid};
use crate::store::ItemRecord;
use std::collections::HashMap;

/// A server item as fetched during this sync.
#[derive(Debug, Clone)]
pub struct ServerItem {
    /// Where it lives.
    pub href: Href,
    /// Its etag.
    pub etag: Etag,
    /// Its iCalendar: in memory, or set aside on disk during a large download.
    pub ics: super::spill::Text,
    /// Its UID.
    pub uid: Uid,
    /// [`crate::ical::fingerprint`] of `ics`.
    pub fp: String,
    /// [`crate::ical::event_fingerprint`] of the event in `ics` (what a device would hold).
    pub event_fp: String,
    /// The event read from `ics` when it is kept parsed, so that pairing and the device
    /// write do not parse it again. A downloaded calendar planned whole keeps none (the
    /// event is about as large as its text): the device write parses it again, on a few
    /// threads. A first download into an empty device keeps it, a chunk at a time
    /// (`Intake::keeping_events`).
    pub event: Option<Box<crate::model::Event>>,
    /// [`super::pairing::content_key`] of the event, computed when it was parsed; `None`:
    /// pairing computes it from the event.
    pub pair_key: Option<String>,
}

impl ServerItem {
    /// The event in `ics`: the one parsed already, or parsed now.
    pub fn event(&self) -> crate::Result<crate::model::Event> {
        match &self.event {
            Some(e) => Ok(e.as_ref().clone()),
            None => crate::ical::ics_to_event(&self.ics.read()?),
        }
    }
}

/// What happened to a known item on the server.
#[derive(Debug, Clone)]
pub enum ServerChange {
    /// New content (or only a new etag).
    Changed(ServerItem),
    /// Deleted on the server.
    Deleted,
    /// Still on the server but out of the sync window: leaves the device only.
    LeftWindow,
}

/// What changed on the server, against the store.
#[derive(Debug, Default)]
pub struct ServerScan {
    /// Changes of known items, by store row id.
    pub changed: HashMap<i64, ServerChange>,
    /// Items the store does not know.
    pub new: Vec<ServerItem>,
}

/// One step of a plan.
#[derive(Debug, Clone)]
pub enum Action {
    /// Create the server's event on the device (`row`: a known item the device lost).
    CreateOnDevice {
        /// Store row, if any.
        row: Option<i64>,
        /// The server's version.
        item: ServerItem,
    },
    /// Replace the device event with the server's version.
    UpdateOnDevice {
        /// Store row.
        row: i64,
        /// The server's version.
        item: ServerItem,
    },
    /// Remove the event from the device (deleted on the server, or out of the window).
    DeleteOnDevice {
        /// Store row.
        row: i64,
        /// True when the server still has it (window): never deleted there.
        left_window: bool,
    },
    /// Create the device's event on the server (`row`: known item the server lost).
    CreateOnServer {
        /// Store row, if any.
        row: Option<i64>,
        /// The device's version.
        device: DeviceEvent,
    },
    /// Upload the device's edit (merged into the stored server copy).
    UpdateOnServer {
        /// Store row.
        row: i64,
        /// The device's version.
        device: DeviceEvent,
        /// The etag to match, when the server's moved without a content change.
        etag: Option<Etag>,
    },
    /// Delete on the server what the user deleted on the device.
    DeleteOnServer {
        /// Store row.
        row: i64,
        /// The etag to match, when the server's moved without a content change.
        etag: Option<Etag>,
    },
    /// Both sides hold the same event: only the store learns it.
    Link {
        /// Store row, if any.
        row: Option<i64>,
        /// The device's version.
        device: DeviceEvent,
        /// The server's version.
        item: ServerItem,
    },
    /// Both sides changed differently: the server wins, the device version is kept.
    Conflict {
        /// Store row, if any.
        row: Option<i64>,
        /// The losing device version.
        device: DeviceEvent,
        /// The winning server version.
        item: ServerItem,
    },
    /// Only the store changes: a new etag with the same content, a new device version.
    Refresh {
        /// Store row.
        row: i64,
        /// New server state, if it changed.
        item: Option<ServerItem>,
        /// New device state, if it changed.
        device: Option<crate::device::DeviceEntry>,
    },
    /// New on both sides under different UIDs but the same event (paired by content): the
    /// device takes the server's version (and UID); local details that differed are kept
    /// as a conflict copy.
    Adopt {
        /// The device's version.
        device: DeviceEvent,
        /// The server's version.
        item: ServerItem,
    },
    /// Gone on both sides: forget it.
    Forget {
        /// Store row.
        row: i64,
    },
}

impl Action {
    /// True for actions that change a side (not only the store).
    pub fn changes_data(&self) -> bool {
        !matches!(
            self,
            Action::Link { .. } | Action::Refresh { .. } | Action::Forget { .. }
        )
    }

    /// The row this action is about, if any.
    pub fn row(&self) -> Option<i64> {
        match self {
            Action::CreateOnDevice { row, .. }
            | Action::CreateOnServer { row, .. }
            | Action::Link { row, .. }
            | Action::Conflict { row, .. } => *row,
            Action::Adopt { .. } => None,
            Action::UpdateOnDevice { row, .. }
            | Action::DeleteOnDevice { row, .. }
            | Action::UpdateOnServer { row, .. }
            | Action::DeleteOnServer { row, .. }
            | Action::Refresh { row, .. }
            | Action::Forget { row } => Some(*row),
        }
    }

    /// How a dry run shows this action (`None` for store-only steps); `items` are the store
    /// rows the plan was made from (for the UID and title of deleted events).
    pub fn describe(&self, items: &[ItemRecord]) -> Option<PlannedChange> {
        use ChangeAction as A;
        use ChangeReason as R;
        let of_row = |row: i64| {
            items
                .iter()
                .find(|i| i.id == row)
                .map(|i| {
                    let summary = i
                        .server_ics
                        .as_deref()
                        .and_then(|ics| crate::ical::ics_to_event(ics).ok())
                        .and_then(|e| e.summary);
                    (i.uid.to_string(), summary)
                })
                .unwrap_or_default()
        };
        let of_item = |item: &ServerItem| {
            let summary = item
                .ics
                .read()
                .ok()
                .and_then(|ics| crate::ical::ics_to_event(&ics).ok())
                .and_then(|e| e.summary);
            (item.uid.to_string(), summary)
        };
        let of_device = |d: &DeviceEvent| (d.event.uid.to_string(), d.event.summary.clone());
        let (side, action, (uid, summary), reason) = match self {
            Action::CreateOnDevice { row: None, item } => {
                (Side::Device, A::Add, of_item(item), R::NewOnServer)
            }
            Action::CreateOnDevice { item, .. } => (
                Side::Device,
                A::Add,
                of_item(item),
                R::DeletedOnDeviceChangedOnServer,
            ),
            Action::UpdateOnDevice { item, .. } => {
                (Side::Device, A::Update, of_item(item), R::ChangedOnServer)
            }
            Action::DeleteOnDevice { row, left_window } => (
                Side::Device,
                A::Delete,
                of_row(*row),
                if *left_window {
                    R::LeftWindow
                } else {
                    R::DeletedOnServer
                },
            ),
            Action::CreateOnServer { row: None, device } => {
                (Side::Server, A::Add, of_device(device), R::NewOnDevice)
            }
            Action::CreateOnServer { device, .. } => (
                Side::Server,
                A::Add,
                of_device(device),
                R::DeletedOnServerChangedOnDevice,
            ),
            Action::UpdateOnServer { device, .. } => (
                Side::Server,
                A::Update,
                of_device(device),
                R::ChangedOnDevice,
            ),
            Action::DeleteOnServer { row, .. } => {
                (Side::Server, A::Delete, of_row(*row), R::DeletedOnDevice)
            }
            Action::Link { item, .. } => (Side::Both, A::Link, of_item(item), R::SameEvent),
            Action::Conflict { item, .. } => (
                Side::Device,
                A::Conflict,
                of_item(item),
                R::ChangedOnBothSides,
            ),
            Action::Adopt { item, .. } => {
                (Side::Device, A::Link, of_item(item), R::PairedByContent)
            }
            Action::Refresh { .. } | Action::Forget { .. } => return None,
        };
        Some(PlannedChange {
            side,
            action,
            uid,
            summary,
            reason,
        })
    }
}

/// Builds the plan. `items` are the store rows of the calendar.
pub fn plan(items: &[ItemRecord], device: DeviceScan, server: ServerScan) -> Vec<Action> {
    let DeviceScan {
        mut changed,
        deleted,
        new: device_new,
        touched,
        ..
    } = device;
    let ServerScan {
        changed: mut server_changed,
        new: server_new,
    } = server;
    let device_deleted: std::collections::HashSet<i64> = deleted.into_iter().collect();
    let mut touched: HashMap<i64, crate::device::DeviceEntry> = touched.into_iter().collect();
    // About one action per row and per new item: sized once (an action is large, and a
    // first download has one per event).
    let mut actions = Vec::with_capacity(items.len() + device_new.len() + server_new.len());

    // New items on either side are matched by UID: with each other, and with store rows
    // that lack that side (a sync interrupted between a write and its store commit).
    let mut device_new_by_uid: HashMap<Uid, DeviceEvent> = HashMap::new();
    let mut device_unmatched = Vec::new();
    for d in device_new {
        if device_new_by_uid.contains_key(&d.event.uid) {
            device_unmatched.push(d);
        } else {
            device_new_by_uid.insert(d.event.uid.clone(), d);
        }
    }
    // Only new items are looked up by UID: without any, the map is not built.
    let rows_by_uid: HashMap<&Uid, &ItemRecord> =
        if server_new.is_empty() && device_new_by_uid.is_empty() && device_unmatched.is_empty() {
            HashMap::new()
        } else {
            items.iter().map(|i| (&i.uid, i)).collect()
        };
    for item in server_new {
        if let Some(row) = rows_by_uid.get(&item.uid) {
            // A known event under a new href, or one whose creation was not recorded. Also
            // when its old href is gone: the event moved. That is what a re-creation whose
            // answer was lost leaves (edited on the device, deleted on the server, re-created
            // under `<uid>.ics`, then the connection or the process died before the store
            // recorded it): without this the item would be copied to the device a second
            // time and the device edit re-created again and again, failing on the UID.
            let moved = matches!(server_changed.get(&row.id), Some(ServerChange::Deleted));
            if row.href.is_none() || moved || !server_changed.contains_key(&row.id) {
                server_changed.insert(row.id, ServerChange::Changed(item));
                continue;
            }
        }
        match device_new_by_uid.remove(&item.uid) {
            Some(d) if d.fp == item.event_fp => actions.push(Action::Link {
                row: None,
                device: d,
                item,
            }),
            Some(d) => actions.push(Action::Conflict {
                row: None,
                device: d,
                item,
            }),
            None => actions.push(Action::CreateOnDevice { row: None, item }),
        }
    }
    for d in device_new_by_uid.into_values().chain(device_unmatched) {
        match rows_by_uid.get(&d.event.uid) {
            Some(row) if row.device_id.is_none() && !changed.contains_key(&row.id) => {
                changed.insert(row.id, d);
            }
            _ => actions.push(Action::CreateOnServer {
                row: None,
                device: d,
            }),
        }
    }

    for row in items {
        let dev = changed.remove(&row.id);
        let dev_deleted = device_deleted.contains(&row.id);
        let srv = server_changed.remove(&row.id);
        let srv_missing = row.href.is_none();
        let dev_missing = row.device_id.is_none();
        let action = match (dev, dev_deleted || dev_missing, srv, srv_missing) {
            // Device edited.
            (Some(device), _, None, false) => Some(Action::UpdateOnServer {
                row: row.id,
                device,
                etag: None,
            }),
            (Some(device), _, None, true) => Some(Action::CreateOnServer {
                row: Some(row.id),
                device,
            }),
            (Some(device), _, Some(ServerChange::Changed(item)), _) => {
                if item.event_fp == device.fp {
                    Some(Action::Link {
                        row: Some(row.id),
                        device,
                        item,
                    })
                } else if row.server_fp.as_deref() == Some(item.fp.as_str()) {
                    // Only the etag moved on the server: the device edit stands.
                    Some(Action::UpdateOnServer {
                        row: row.id,
                        device,
                        etag: Some(item.etag),
                    })
                } else {
                    Some(Action::Conflict {
                        row: Some(row.id),
                        device,
                        item,
                    })
                }
            }
            (Some(device), _, Some(ServerChange::Deleted), _) => Some(Action::CreateOnServer {
                row: Some(row.id),
                device,
            }),
            (Some(device), _, Some(ServerChange::LeftWindow), _) => Some(Action::UpdateOnServer {
                row: row.id,
                device,
                etag: None,
            }),
            // Device deleted (or never received it).
            (None, true, Some(ServerChange::Changed(item)), _) => {
                if dev_deleted && row.server_fp.as_deref() == Some(item.fp.as_str()) {
                    Some(Action::DeleteOnServer {
                        row: row.id,
                        etag: Some(item.etag),
                    })
                } else {
                    Some(Action::CreateOnDevice {
                        row: Some(row.id),
                        item,
                    })
                }
            }
            (None, true, Some(ServerChange::Deleted | ServerChange::LeftWindow), _) => {
                Some(Action::Forget { row: row.id })
            }
            (None, true, None, true) => Some(Action::Forget { row: row.id }),
            (None, true, None, false) => {
                if dev_deleted {
                    Some(Action::DeleteOnServer {
                        row: row.id,
                        etag: None,
                    })
                } else {
                    // The device never received it (a sync interrupted between the device
                    // write and its record): create it there from the stored server copy.
                    server_item_from_row(row).map(|item| Action::CreateOnDevice {
                        row: Some(row.id),
                        item,
                    })
                }
            }
            // Device unchanged.
            (None, false, Some(ServerChange::Changed(item)), _) => {
                // The device already shows this content (same server text, or a server
                // change the device holds already, e.g. after a restore): store only.
                if row.server_fp.as_deref() == Some(item.fp.as_str())
                    || row.device_fp.as_deref() == Some(item.event_fp.as_str())
                {
                    Some(Action::Refresh {
                        row: row.id,
                        item: Some(item),
                        device: touched.remove(&row.id),
                    })
                } else {
                    Some(Action::UpdateOnDevice { row: row.id, item })
                }
            }
            (None, false, Some(ServerChange::Deleted), _) => Some(Action::DeleteOnDevice {
                row: row.id,
                left_window: false,
            }),
            (None, false, Some(ServerChange::LeftWindow), _) => Some(Action::DeleteOnDevice {
                row: row.id,
                left_window: true,
            }),
            (None, false, None, _) => None,
        };
        if let Some(a) = action {
            actions.push(a);
        }
    }
    let planned: std::collections::HashSet<i64> = actions.iter().filter_map(Action::row).collect();
    for (row, entry) in touched {
        if !planned.contains(&row) {
            actions.push(Action::Refresh {
                row,
                item: None,
                device: Some(entry),
            });
        }
    }
    actions
}

/// The stored server copy of a row as a [`ServerItem`].
fn server_item_from_row(row: &ItemRecord) -> Option<ServerItem> {
    let ics = row.server_ics.clone()?;
    let event = crate::ical::ics_to_event(&ics).ok()?;
    Some(ServerItem {
        href: row.href.clone()?,
        etag: row.etag.clone().unwrap_or_else(|| Etag::new("")),
        uid: row.uid.clone(),
        fp: row.server_fp.clone().unwrap_or_default(),
        event_fp: crate::ical::event_fingerprint(&event),
        event: Some(Box::new(event)),
        pair_key: None,
        ics: ics.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::DeviceEntry;
    use crate::model::{Event, EventTime};
    use chrono::NaiveDate;

    fn row(id: i64, uid: &str) -> ItemRecord {
        ItemRecord {
            id,
            calendar_id: 1,
            uid: Uid::new(uid),
            href: Some(Href::new(format!("/cal/{uid}.ics"))),
            etag: Some(Etag::new("\"1\"")),
            server_ics: Some(format!("ics-{uid}")),
            server_fp: Some(format!("sfp-{uid}")),
            device_id: Some(format!("{uid}.ics")),
            device_version: Some("v1".into()),
            device_fp: Some(format!("dfp-{uid}")),
        }
    }

    fn dev(uid: &str, fp: &str) -> DeviceEvent {
        DeviceEvent {
            entry: DeviceEntry {
                id: format!("{uid}.ics"),
                version: "v2".into(),
            },
            event: Box::new(Event::new(
                uid,
                EventTime::Date(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
            )),
            fp: fp.into(),
        }
    }

    fn srv(uid: &str, fp: &str, event_fp: &str) -> ServerItem {
        ServerItem {
            href: Href::new(format!("/cal/{uid}.ics")),
            etag: Etag::new("\"2\""),
            ics: format!("ics2-{uid}").into(),
            uid: Uid::new(uid),
            fp: fp.into(),
            event_fp: event_fp.into(),
            event: None,
            pair_key: None,
        }
    }

    fn kinds(actions: &[Action]) -> Vec<&'static str> {
        let mut k: Vec<_> = actions
            .iter()
            .map(|a| match a {
                Action::CreateOnDevice { .. } => "create-device",
                Action::UpdateOnDevice { .. } => "update-device",
                Action::DeleteOnDevice {
                    left_window: true, ..
                } => "drop-device",
                Action::DeleteOnDevice { .. } => "delete-device",
                Action::CreateOnServer { .. } => "create-server",
                Action::UpdateOnServer { .. } => "update-server",
                Action::DeleteOnServer { .. } => "delete-server",
                Action::Link { .. } => "link",
                Action::Conflict { .. } => "conflict",
                Action::Adopt { .. } => "adopt",
                Action::Refresh { .. } => "refresh",
                Action::Forget { .. } => "forget",
            })
            .collect();
        k.sort();
        k
    }

    fn server_change(id: i64, c: ServerChange) -> ServerScan {
        ServerScan {
            changed: [(id, c)].into_iter().collect(),
            new: vec![],
        }
    }

    fn device_change(id: i64, d: DeviceEvent) -> DeviceScan {
        DeviceScan {
            changed: [(id, d)].into_iter().collect(),
            ..Default::default()
        }
    }

    fn device_deleted(id: i64) -> DeviceScan {
        DeviceScan {
            deleted: vec![id],
            ..Default::default()
        }
    }

    #[test]
    fn nothing_changed_plans_nothing() {
        let a = plan(&[row(1, "a")], DeviceScan::default(), ServerScan::default());
        assert!(a.is_empty());
    }

    #[test]
    fn one_sided_changes_are_copied() {
        let items = [row(1, "a")];
        let a = plan(
            &items,
            DeviceScan::default(),
            server_change(1, ServerChange::Changed(srv("a", "new", "e"))),
        );
        assert_eq!(kinds(&a), ["update-device"]);
        let a = plan(
            &items,
            device_change(1, dev("a", "x")),
            ServerScan::default(),
        );
        assert_eq!(kinds(&a), ["update-server"]);
        let a = plan(
            &items,
            DeviceScan::default(),
            server_change(1, ServerChange::Deleted),
        );
        assert_eq!(kinds(&a), ["delete-device"]);
        let a = plan(&items, device_deleted(1), ServerScan::default());
        assert_eq!(kinds(&a), ["delete-server"]);
    }

    #[test]
    fn a_new_etag_with_the_same_content_only_refreshes_the_store() {
        let a = plan(
            &[row(1, "a")],
            DeviceScan::default(),
            server_change(1, ServerChange::Changed(srv("a", "sfp-a", "e"))),
        );
        assert_eq!(kinds(&a), ["refresh"]);
    }

    #[test]
    fn same_edit_on_both_sides_is_not_a_conflict() {
        let a = plan(
            &[row(1, "a")],
            device_change(1, dev("a", "same")),
            server_change(1, ServerChange::Changed(srv("a", "x", "same"))),
        );
        assert_eq!(kinds(&a), ["link"]);
    }

    #[test]
    fn different_edits_conflict() {
        let a = plan(
            &[row(1, "a")],
            device_change(1, dev("a", "mine")),
            server_change(1, ServerChange::Changed(srv("a", "x", "theirs"))),
        );
        assert_eq!(kinds(&a), ["conflict"]);
    }

    #[test]
    fn an_edit_beats_a_deletion_both_ways() {
        let items = [row(1, "a")];
        let a = plan(
            &items,
            device_change(1, dev("a", "mine")),
            server_change(1, ServerChange::Deleted),
        );
        assert_eq!(kinds(&a), ["create-server"]);
        let a = plan(
            &items,
            device_deleted(1),
            server_change(1, ServerChange::Changed(srv("a", "x", "theirs"))),
        );
        assert_eq!(kinds(&a), ["create-device"]);
    }

    #[test]
    fn deleted_on_both_sides_is_forgotten() {
        let a = plan(
            &[row(1, "a")],
            device_deleted(1),
            server_change(1, ServerChange::Deleted),
        );
        assert_eq!(kinds(&a), ["forget"]);
    }

    #[test]
    fn leaving_the_window_never_deletes_on_the_server() {
        let a = plan(
            &[row(1, "a")],
            DeviceScan::default(),
            server_change(1, ServerChange::LeftWindow),
        );
        assert_eq!(kinds(&a), ["drop-device"]);
        assert!(matches!(
            a[0],
            Action::DeleteOnDevice {
                left_window: true,
                ..
            }
        ));
    }

    #[test]
    fn new_items_on_both_sides_pair_by_uid() {
        let device = DeviceScan {
            new: vec![dev("same", "f1"), dev("differs", "f2"), dev("mine", "f3")],
            ..Default::default()
        };
        let server = ServerScan {
            changed: HashMap::new(),
            new: vec![
                srv("same", "s1", "f1"),
                srv("differs", "s2", "other"),
                srv("theirs", "s3", "f4"),
            ],
        };
        let a = plan(&[], device, server);
        assert_eq!(
            kinds(&a),
            ["conflict", "create-device", "create-server", "link"]
        );
    }

    #[test]
    fn an_interrupted_upload_is_linked_not_duplicated() {
        // The device event was created on the server, but the store never recorded it: the
        // next sync sees a "new" server item and a "new" device item with one UID.
        let device = DeviceScan {
            new: vec![dev("u", "f")],
            ..Default::default()
        };
        let server = ServerScan {
            changed: HashMap::new(),
            new: vec![srv("u", "s", "f")],
        };
        assert_eq!(kinds(&plan(&[], device, server)), ["link"]);
    }

    #[test]
    fn an_event_gone_from_its_href_and_back_under_another_is_the_same_event() {
        // Edited on the device, deleted on the server: the sync re-created it under a new
        // href, but the answer was lost. The next sync sees the old href deleted and a "new"
        // item with the row's UID: the same event, linked, not copied to the device again.
        let device = device_change(1, dev("a", "mine"));
        let mut moved = srv("a", "s", "mine");
        moved.href = Href::new("/cal/elsewhere.ics");
        let server = ServerScan {
            changed: [(1, ServerChange::Deleted)].into_iter().collect(),
            new: vec![moved],
        };
        let a = plan(&[row(1, "a")], device, server);
        assert_eq!(kinds(&a), ["link"]);
        // Unchanged on the device, moved on the server with new content: an update, in place.
        let mut moved = srv("a", "s2", "theirs");
        moved.href = Href::new("/cal/elsewhere.ics");
        let server = ServerScan {
            changed: [(1, ServerChange::Deleted)].into_iter().collect(),
            new: vec![moved],
        };
        let a = plan(&[row(1, "a")], DeviceScan::default(), server);
        assert_eq!(kinds(&a), ["update-device"]);
    }

    #[test]
    fn a_row_without_device_id_is_matched_by_uid() {
        let mut r = row(1, "a");
        r.device_id = None;
        r.device_version = None;
        let device = DeviceScan {
            new: vec![dev("a", "f")],
            ..Default::default()
        };
        let a = plan(&[r], device, ServerScan::default());
        assert_eq!(kinds(&a), ["update-server"]);
    }
}
