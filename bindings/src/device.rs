//! The foreign trait `DeviceCalendar` an app implements over its calendar (CalendarContract,
//! EventKit), its records, and [`ForeignDevice`], the adapter that makes it core's
//! `device::DeviceCalendar`. A foreign exception becomes a device error of that sync.

use crate::error::SyncError;
use crate::event::Event;
use std::sync::Arc;
use synchro_core::device as core;

/// One event as listed by the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceEntry {
    /// Stable id of the event on the device (row id, EventKit identifier).
    pub id: String,
    /// Anything that changes whenever the event changes (a version counter, a
    /// last-modified time).
    pub version: String,
}

/// One event read from the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceEvent {
    /// Its id and version.
    pub entry: DeviceEntry,
    /// Its content.
    pub event: Event,
}

/// One write to the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceOp {
    /// Create this event.
    Create {
        /// Content.
        event: Event,
    },
    /// Replace the event with this id.
    Update {
        /// Device id.
        id: String,
        /// New content.
        event: Event,
    },
    /// Delete the event with this id (already gone counts as deleted).
    Delete {
        /// Device id.
        id: String,
    },
}

/// The result of one [`DeviceOp`], in the order of the ops.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceOutcome {
    /// Created or updated: the id and new version.
    Written {
        /// Id and version after the write.
        entry: DeviceEntry,
    },
    /// Deleted.
    Deleted,
    /// This op failed; the others may have succeeded. The event is synced again next time.
    Failed {
        /// Why, without personal data.
        message: String,
    },
}

/// A calendar on the device, implemented by the app. Called from the sync's thread; throwing
/// (any exception) fails that sync with [`SyncError::Device`] and loses nothing.
#[uniffi::export(with_foreign)]
pub trait DeviceCalendar: Send + Sync {
    /// An id of the calendar itself; a new id means the calendar was replaced.
    fn calendar_id(&self) -> Result<String, SyncError>;
    /// Every event with its version.
    fn list(&self) -> Result<Vec<DeviceEntry>, SyncError>;
    /// The events with these ids; unknown ids are left out.
    fn fetch(&self, ids: Vec<String>) -> Result<Vec<DeviceEvent>, SyncError>;
    /// Applies writes; one outcome per op, in order.
    fn apply(&self, ops: Vec<DeviceOp>) -> Result<Vec<DeviceOutcome>, SyncError>;
}

/// Core's device calendar over an app's [`DeviceCalendar`].
pub(crate) struct ForeignDevice(pub(crate) Arc<dyn DeviceCalendar>);

fn device_error(e: SyncError) -> synchro_core::Error {
    match e {
        SyncError::Device { detail } => synchro_core::Error::Device(detail),
        other => synchro_core::Error::Device(other.to_string()),
    }
}

fn entry_in(e: DeviceEntry) -> core::DeviceEntry {
    core::DeviceEntry {
        id: e.id,
        version: e.version,
    }
}

impl core::DeviceCalendar for ForeignDevice {
    fn calendar_id(&self) -> synchro_core::Result<String> {
        self.0.calendar_id().map_err(device_error)
    }

    fn list(&self) -> synchro_core::Result<Vec<core::DeviceEntry>> {
        Ok(self
            .0
            .list()
            .map_err(device_error)?
            .into_iter()
            .map(entry_in)
            .collect())
    }

    fn fetch(
        &self,
        ids: &[String],
    ) -> synchro_core::Result<Vec<(core::DeviceEntry, synchro_core::model::Event)>> {
        let fetched = self.0.fetch(ids.to_vec()).map_err(device_error)?;
        // An event the core cannot use is left out: the scan reports it as unreadable and
        // never takes it for a deletion.
        Ok(fetched
            .into_iter()
            .filter_map(|d| match d.event.try_into() {
                Ok(event) => Some((entry_in(d.entry), event)),
                Err(e) => {
                    log::warn!("device event {}: {e}", d.entry.id);
                    None
                }
            })
            .collect())
    }

    fn apply(&mut self, ops: &[core::DeviceOp]) -> synchro_core::Result<Vec<core::DeviceOutcome>> {
        let ops = ops
            .iter()
            .map(|op| match op {
                core::DeviceOp::Create(e) => DeviceOp::Create {
                    event: e.clone().into(),
                },
                core::DeviceOp::Update { id, event } => DeviceOp::Update {
                    id: id.clone(),
                    event: event.clone().into(),
                },
                core::DeviceOp::Delete { id } => DeviceOp::Delete { id: id.clone() },
            })
            .collect::<Vec<_>>();
        let n = ops.len();
        let outcomes = self.0.apply(ops).map_err(device_error)?;
        if outcomes.len() != n {
            return Err(synchro_core::Error::Device(format!(
                "apply returned {} outcomes for {n} operations",
                outcomes.len()
            )));
        }
        Ok(outcomes
            .into_iter()
            .map(|o| match o {
                DeviceOutcome::Written { entry } => core::DeviceOutcome::Written(entry_in(entry)),
                DeviceOutcome::Deleted => core::DeviceOutcome::Deleted,
                DeviceOutcome::Failed { message } => core::DeviceOutcome::Failed(message),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventTime, SampleEvent};
    use synchro_core::device::DeviceCalendar as CoreDevice;

    /// A device whose answers the test sets.
    struct Scripted {
        apply: fn(usize) -> Result<Vec<DeviceOutcome>, SyncError>,
        event: Event,
    }

    impl DeviceCalendar for Scripted {
        fn calendar_id(&self) -> Result<String, SyncError> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("boom").into())
        }
        fn list(&self) -> Result<Vec<DeviceEntry>, SyncError> {
            Ok(vec![])
        }
        fn fetch(&self, ids: Vec<String>) -> Result<Vec<DeviceEvent>, SyncError> {
            Ok(ids
                .into_iter()
                .map(|id| DeviceEvent {
                    entry: DeviceEntry {
                        id,
                        version: "1".into(),
                    },
                    event: self.event.clone(),
                })
                .collect())
        }
        fn apply(&self, ops: Vec<DeviceOp>) -> Result<Vec<DeviceOutcome>, SyncError> {
            (self.apply)(ops.len())
        }
    }

    fn delete() -> core::DeviceOp {
        core::DeviceOp::Delete { id: "1".into() }
    }

    #[test]
    fn foreign_failures_become_device_errors() {
        let mut d = ForeignDevice(Arc::new(Scripted {
            apply: |_| {
                Err(SyncError::Device {
                    detail: "read-only calendar".into(),
                })
            },
            event: SampleEvent::valid(),
        }));
        let e = d.apply(&[delete()]).unwrap_err();
        assert!(matches!(&e, synchro_core::Error::Device(m) if m == "read-only calendar"));
        let e = d.calendar_id().unwrap_err();
        assert!(matches!(&e, synchro_core::Error::Device(m) if m.contains("boom")));
    }

    #[test]
    fn a_wrong_number_of_outcomes_is_an_error_not_a_misalignment() {
        let mut d = ForeignDevice(Arc::new(Scripted {
            apply: |_| Ok(vec![]),
            event: SampleEvent::valid(),
        }));
        assert!(d.apply(&[delete(), delete()]).is_err());
    }

    #[test]
    fn an_event_the_core_cannot_use_is_left_out_of_fetch() {
        let mut bad = SampleEvent::valid();
        bad.start = EventTime::Timed {
            epoch_ms: i64::MAX,
            zone: None,
        };
        let d = ForeignDevice(Arc::new(Scripted {
            apply: |n| Ok(vec![DeviceOutcome::Deleted; n]),
            event: bad,
        }));
        assert!(d.fetch(&["1".into()]).unwrap().is_empty());
        let d = ForeignDevice(Arc::new(Scripted {
            apply: |n| Ok(vec![DeviceOutcome::Deleted; n]),
            event: SampleEvent::valid(),
        }));
        assert_eq!(d.fetch(&["1".into()]).unwrap().len(), 1);
    }
}
