//! `MemoryDevice`: a device calendar held in memory, for tests of the engine below the CLI.
//! Clones share one calendar, so a test keeps a handle to play "the user in the phone's
//! calendar app" while the engine syncs another.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use crate::model::Event;
use crate::{Error, Result};

#[derive(Debug, Default)]
struct State {
    calendar_id: String,
    /// id → (version, event)
    events: BTreeMap<String, (u64, Event)>,
    /// Source of ids and versions: every write takes the next number.
    counter: u64,
    /// When set, `list` fails with this message (a device that cannot be read).
    fail_list: Option<String>,
    /// Writes of events with this UID fail (a device refusing one event).
    fail_uid: Option<String>,
    /// Writes per batch, when not the default.
    batch_size: Option<usize>,
    /// The size of each batch handed to `apply`, in order.
    batches: Vec<usize>,
}

impl State {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }
}

/// A calendar in memory; see the module documentation.
#[derive(Debug, Clone)]
pub struct MemoryDevice {
    state: Arc<Mutex<State>>,
}

impl Default for MemoryDevice {
    fn default() -> Self {
        MemoryDevice::new()
    }
}

impl MemoryDevice {
    /// A new, empty calendar with a random id.
    pub fn new() -> MemoryDevice {
        let state = State {
            calendar_id: format!("mem-{:016x}", rand::random::<u64>()),
            ..State::default()
        };
        MemoryDevice {
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves consistent data behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user creates an event in the calendar app; returns its id.
    pub fn insert(&self, event: Event) -> String {
        let mut s = self.lock();
        let n = s.next();
        let id = format!("ev{n}");
        s.events.insert(id.clone(), (n, event));
        id
    }

    /// The user edits event `id`; false if there is no such event.
    pub fn edit(&self, id: &str, event: Event) -> bool {
        let mut s = self.lock();
        let n = s.next();
        match s.events.get_mut(id) {
            Some(slot) => {
                *slot = (n, event);
                true
            }
            None => false,
        }
    }

    /// The user deletes event `id`; false if there is no such event.
    pub fn remove(&self, id: &str) -> bool {
        self.lock().events.remove(id).is_some()
    }

    /// Every event with its id, ordered by id.
    pub fn events(&self) -> Vec<(String, Event)> {
        self.lock()
            .events
            .iter()
            .map(|(id, (_, e))| (id.clone(), e.clone()))
            .collect()
    }

    /// The id of the event with this UID, if exactly one has it.
    pub fn id_of(&self, uid: &str) -> Option<String> {
        let s = self.lock();
        let mut ids = s
            .events
            .iter()
            .filter(|(_, (_, e))| e.uid.as_str() == uid)
            .map(|(id, _)| id.clone());
        match (ids.next(), ids.next()) {
            (Some(id), None) => Some(id),
            _ => None,
        }
    }

    /// The calendar is deleted and created anew (empty, new id), as when the user removes
    /// and re-adds an account.
    pub fn replace_calendar(&self) {
        let mut s = self.lock();
        s.events.clear();
        s.calendar_id = format!("mem-{:016x}", rand::random::<u64>());
    }

    /// From now on creating or updating the event with UID `uid` fails, as a device that
    /// refuses one event would (`None`: works again); the other writes of a batch go on.
    pub fn fail_writes_of(&self, uid: Option<&str>) {
        self.lock().fail_uid = uid.map(str::to_string);
    }

    /// The sync hands this many writes to `apply` at once (the default otherwise).
    pub fn set_batch_size(&self, size: usize) {
        self.lock().batch_size = Some(size);
    }

    /// The number of writes in each batch handed to `apply` so far, in order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        self.lock().batches.clone()
    }

    /// From now on `list` fails with `message` (`None`: works again).
    pub fn fail_list(&self, message: Option<&str>) {
        self.lock().fail_list = message.map(str::to_string);
    }
}

impl DeviceCalendar for MemoryDevice {
    fn calendar_id(&self) -> Result<String> {
        Ok(self.lock().calendar_id.clone())
    }

    fn list(&self) -> Result<Vec<DeviceEntry>> {
        let s = self.lock();
        if let Some(msg) = &s.fail_list {
            return Err(Error::Device(msg.clone()));
        }
        Ok(s.events
            .iter()
            .map(|(id, (v, _))| DeviceEntry {
                id: id.clone(),
                version: v.to_string(),
            })
            .collect())
    }

    fn fetch(&self, ids: &[String]) -> Result<Vec<(DeviceEntry, Event)>> {
        let s = self.lock();
        Ok(ids
            .iter()
            .filter_map(|id| {
                s.events.get(id).map(|(v, e)| {
                    let entry = DeviceEntry {
                        id: id.clone(),
                        version: v.to_string(),
                    };
                    (entry, e.clone())
                })
            })
            .collect())
    }

    fn batch_size(&self) -> usize {
        self.lock().batch_size.unwrap_or(crate::sync::DEVICE_BATCH)
    }

    fn apply(&mut self, ops: &[DeviceOp]) -> Result<Vec<DeviceOutcome>> {
        let mut s = self.lock();
        s.batches.push(ops.len());
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            if let DeviceOp::Create(event) | DeviceOp::Update { event, .. } = op {
                if s.fail_uid.as_deref() == Some(event.uid.as_str()) {
                    out.push(DeviceOutcome::Failed("refused by the calendar".into()));
                    continue;
                }
            }
            let outcome = match op {
                DeviceOp::Create(event) => {
                    let n = s.next();
                    let id = format!("ev{n}");
                    s.events.insert(id.clone(), (n, event.clone()));
                    DeviceOutcome::Written(DeviceEntry {
                        id,
                        version: n.to_string(),
                    })
                }
                DeviceOp::Update { id, event } => {
                    let n = s.next();
                    match s.events.get_mut(id) {
                        Some(slot) => {
                            *slot = (n, event.clone());
                            DeviceOutcome::Written(DeviceEntry {
                                id: id.clone(),
                                version: n.to_string(),
                            })
                        }
                        None => DeviceOutcome::Failed("no such event".into()),
                    }
                }
                DeviceOp::Delete { id } => {
                    s.events.remove(id);
                    DeviceOutcome::Deleted
                }
            };
            out.push(outcome);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::MemoryDevice;
    use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp};
    use crate::model::Event;
    use crate::testing::conformance::{Harness, Subject};

    struct Memory;

    impl Subject for MemoryDevice {
        fn open(&self) -> Box<dyn DeviceCalendar> {
            Box::new(self.clone())
        }
        fn write_external(&self, event: &Event) -> String {
            match self.id_of(event.uid.as_str()) {
                Some(id) => {
                    self.edit(&id, event.clone());
                    id
                }
                None => self.insert(event.clone()),
            }
        }
        fn failing_op(&self, _existing: &DeviceEntry) -> DeviceOp {
            DeviceOp::Update {
                id: "no-such-id".into(),
                event: crate::testing::conformance::event("z@x", "z"),
            }
        }
    }

    impl Harness for Memory {
        type Subject = MemoryDevice;
        fn new_calendar(&self) -> MemoryDevice {
            MemoryDevice::new()
        }
    }

    crate::device_conformance_tests!(Memory);

    #[test]
    fn replaced_calendar_is_empty_with_a_new_id() {
        let d = MemoryDevice::new();
        d.insert(crate::testing::conformance::event("a@x", "a"));
        let id = d.calendar_id().unwrap();
        d.replace_calendar();
        assert_ne!(d.calendar_id().unwrap(), id);
        assert!(d.list().unwrap().is_empty());
    }
}
