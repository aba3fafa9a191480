//! Applies the device side of a SyncML plan: device writes in batches (shared
//! [`run_pending_tasks`]), store-only steps in one transaction, conflict copies kept. The
//! server side was done in the session itself (our package went before the server's).

use super::outgoing::Outgoing;
use crate::device::{DeviceCalendar, DeviceOp};
use crate::ical;
use crate::store::{Account, ItemRecord, SqliteStore};
use crate::sync::apply::{
    apply_store_only, run_pending_tasks, Count, DeviceTask, FromServer, PendingTask,
};
use crate::sync::frame::{self, Frame};
use crate::sync::plan::Action;
use crate::sync::SyncContext;
use crate::Result;
use std::collections::HashMap;

/// Runs the device side of `actions`. `sent` holds what we sent this session, so that a
/// server version replacing an edit we just sent keeps ours as a conflict copy.
pub fn execute(
    f: &mut Frame<'_, '_>,
    items: &[ItemRecord],
    actions: Vec<Action>,
    sent: &HashMap<i64, &Outgoing>,
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
    // The server events are read a batch at a time, as they are written.
    let from_server = |base, item, device_id| {
        PendingTask::FromServer(Box::new(FromServer {
            base,
            item,
            device_id,
        }))
    };
    let mut tasks = Vec::new();
    let mut store_only = Vec::new();
    let mut conflicts: Vec<(String, String, &str)> = Vec::new();
    for action in actions {
        let task = match action {
            Action::CreateOnDevice { row, item } => from_server(base(row), item, None),
            Action::UpdateOnDevice { row, item } => {
                if let Some(d) = sent.get(&row).and_then(|o| o.device.as_ref()) {
                    if d.fp != item.event_fp {
                        conflicts.push((
                            d.event.uid.to_string(),
                            ical::event_to_ics(&d.event),
                            "the server replaced an edit sent in the same sync; its version \
                             was kept",
                        ));
                    }
                }
                let b = base(Some(row));
                let id = b.device_id.clone();
                from_server(b, item, id)
            }
            Action::DeleteOnDevice { row, .. } => {
                let b = base(Some(row));
                match b.device_id.clone() {
                    Some(id) => PendingTask::Ready(Box::new(DeviceTask {
                        op: DeviceOp::Delete { id },
                        record: None,
                        delete_row: Some(row),
                        count: Count::Deleted,
                        uid: b.uid.to_string(),
                    })),
                    None => {
                        store.write(|tx| tx.delete_item(row))?;
                        continue;
                    }
                }
            }
            Action::Adopt { device: d, item } => {
                if crate::sync::pairing::adopted_copy_differs(&d, &item) {
                    conflicts.push((
                        d.event.uid.to_string(),
                        ical::event_to_ics(&d.event),
                        "paired by title and time with a server event that differs in \
                         details; the server's version was kept",
                    ));
                }
                from_server(base(None), item, Some(d.entry.id.clone()))
            }
            Action::Conflict {
                row,
                device: d,
                item,
            } => {
                conflicts.push((
                    d.event.uid.to_string(),
                    ical::event_to_ics(&d.event),
                    "changed on both sides; the server's version was kept",
                ));
                report.conflicts += 1;
                from_server(base(row), item, Some(d.entry.id.clone()))
            }
            a @ (Action::Link { .. } | Action::Refresh { .. } | Action::Forget { .. }) => {
                store_only.push(a);
                continue;
            }
            // Server writes went in our package; a device change found now goes next time.
            Action::CreateOnServer { .. }
            | Action::UpdateOnServer { .. }
            | Action::DeleteOnServer { .. } => continue,
        };
        tasks.push(task);
    }
    for (uid, ics, reason) in &conflicts {
        store
            .read()
            .add_conflict(account.id, uid, "device", reason, ics)?;
    }
    apply_store_only(store, &store_only, &base)?;
    opts.progress.phase("apply", tasks.len() as u64);
    run_pending_tasks(device, store, tasks, report, &opts.interrupt, opts.progress)
}
