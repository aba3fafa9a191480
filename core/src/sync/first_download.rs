//! A first download into an empty device calendar, written to the device as it arrives.
//!
//! When neither the store nor the device knows any event of the calendar, the plan of a sync
//! is known before the download: every server event is created on the device, nothing pairs,
//! nothing is deleted, no guard can hold it. The events are then written a device batch at a
//! time while the answer still streams (a small first batch, then twice as large each time,
//! up to the device's batch size), and recorded once each batch is durable, as
//! [`super::apply::DeviceWriter`] does for any plan. The sync holds a few batches of events
//! whatever the calendar's size; what grows with it is only each UID seen (to set aside a
//! second event with the same UID, as [`super::duplicates`] does) and the compressed
//! snapshot.
//!
//! The first-sync snapshot is packed on a thread of its own from the same texts, and kept
//! once the download is complete. A sync cut short keeps none: the device held nothing, the
//! server lost nothing, and the next sync, which finds the store's rows, takes it as any
//! first sync does.

use super::apply::{build_tasks, DeviceWriter, FromServer, PendingTask};
use super::plan::ServerItem;
use super::{Interrupt, Progress, SyncReport};
use crate::model::Uid;
use crate::store::{ItemRecord, SqliteStore};
use crate::Result;
use std::collections::HashSet;
use std::sync::mpsc::SyncSender;

/// The first batch of a download: small, so that the device starts writing while the rest
/// still arrives. Each next one is twice as large, up to the device's batch size.
const FIRST_BATCH: usize = 128;

/// Events of a first download on their way to an empty device.
pub(crate) struct ToEmptyDevice {
    calendar_id: i64,
    /// The size of the next batch: [`FIRST_BATCH`], doubled after each, up to `max_batch`.
    batch: usize,
    max_batch: usize,
    pending: Vec<PendingTask>,
    seen: HashSet<Uid>,
    /// Server events set aside: their UID came with an earlier event.
    pub(crate) set_aside: usize,
    /// Server events handed to the device.
    pub(crate) written: usize,
    /// True once a batch went to the device: the download can no longer start over.
    pub(crate) started: bool,
}

impl ToEmptyDevice {
    /// Events of the calendar `calendar_id`, written in batches of up to `max_batch`.
    pub(crate) fn new(calendar_id: i64, max_batch: usize) -> ToEmptyDevice {
        let max_batch = max_batch.max(1);
        ToEmptyDevice {
            calendar_id,
            batch: FIRST_BATCH.min(max_batch),
            max_batch,
            pending: Vec::new(),
            seen: HashSet::new(),
            set_aside: 0,
            written: 0,
            started: false,
        }
    }

    /// Takes downloaded events: each new UID's text goes to the snapshot (`backup`) and its
    /// event to the device, a batch at a time.
    pub(crate) fn take(
        &mut self,
        items: Vec<ServerItem>,
        backup: &SyncSender<Result<String>>,
        out: &mut Out<'_, '_, '_>,
    ) -> Result<()> {
        for item in items {
            if !self.seen.insert(item.uid.clone()) {
                self.set_aside += 1;
                continue;
            }
            // A packer that stopped has its error to give at the end.
            let _ = backup.send(item.ics.read().map(|t| t.into_owned()));
            self.written += 1;
            self.pending
                .push(PendingTask::FromServer(Box::new(FromServer {
                    base: ItemRecord {
                        calendar_id: self.calendar_id,
                        ..ItemRecord::default()
                    },
                    item,
                    device_id: None,
                })));
            if self.pending.len() >= self.batch {
                self.flush(out)?;
            }
        }
        Ok(())
    }

    /// Hands the events waiting to the device.
    pub(crate) fn flush(&mut self, out: &mut Out<'_, '_, '_>) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let tasks = build_tasks(std::mem::take(&mut self.pending), &mut out.report.errors);
        self.started = true;
        self.batch = (self.batch * 2).min(self.max_batch);
        out.writer
            .submit(tasks, out.store, out.report, out.interrupt, out.progress)
    }
}

/// Where the events go: the device writer and the store and report it records in.
pub(crate) struct Out<'w, 'scope, 'env> {
    /// The device writer.
    pub(crate) writer: &'w mut DeviceWriter<'scope, 'env>,
    /// The store the batches are recorded in.
    pub(crate) store: &'w mut SqliteStore,
    /// The sync's report.
    pub(crate) report: &'w mut SyncReport,
    /// The sync's interrupt.
    pub(crate) interrupt: &'w Interrupt,
    /// Progress of the device writes.
    pub(crate) progress: &'w dyn Progress,
}
