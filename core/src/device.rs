//! `DeviceCalendar`: what the core needs from a phone calendar (Android CalendarContract,
//! iOS EventKit) or from the desktop stand-ins in [`crate::local`].

use crate::model::Event;
use crate::Result;

/// One event as listed by the device: its id there and a cheap version marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// Stable id of the event on the device (row id, EventKit identifier, file name).
    pub id: String,
    /// Anything that changes whenever the event changes (DIRTY/VERSION, lastModified,
    /// mtime+size). The core falls back to a content fingerprint when it differs.
    pub version: String,
}

/// One write to the device, applied in batches.
#[derive(Debug, Clone)]
pub enum DeviceOp {
    /// Create a new event.
    Create(Event),
    /// Replace the event with this id.
    Update {
        /// Device id.
        id: String,
        /// New content.
        event: Event,
    },
    /// Delete the event with this id.
    Delete {
        /// Device id.
        id: String,
    },
}

/// The result of one [`DeviceOp`], in the same order as the ops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceOutcome {
    /// Created or updated: the id and new version.
    Written(DeviceEntry),
    /// Deleted (or already gone).
    Deleted,
    /// This op failed; the others may have succeeded.
    Failed(String),
}

/// A calendar on the device. Implementations must be cheap to `list` and batch-friendly.
/// `Send`: a sync writes each batch on a thread of its own while it records the one before.
pub trait DeviceCalendar: Send {
    /// An id of the calendar itself; a new id means the calendar was replaced.
    fn calendar_id(&self) -> Result<String>;
    /// Every event with its version.
    fn list(&self) -> Result<Vec<DeviceEntry>>;
    /// The events with these ids (unknown ids are skipped).
    fn fetch(&self, ids: &[String]) -> Result<Vec<(DeviceEntry, Event)>>;
    /// Apply writes; one outcome per op, in order.
    fn apply(&mut self, ops: &[DeviceOp]) -> Result<Vec<DeviceOutcome>>;
    /// How many writes a sync hands to [`DeviceCalendar::apply`] at once; a batch is
    /// recorded once `apply` returned (it is durable then), while the next one is written. A device that pays a flush per batch
    /// wants large ones; a phone's provider wants transactions of moderate size.
    fn batch_size(&self) -> usize {
        crate::sync::DEVICE_BATCH
    }
}
