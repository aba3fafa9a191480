//! Device writes in batches: each outcome recorded in the store at once, a failed write
//! reported and its row left as it was, counters moved only for what was written.

use crate::device::{DeviceCalendar, DeviceOp};
use crate::model::Uid;
use crate::store::{ItemRecord, SqliteStore};
use crate::sync::apply::{run_device_tasks, Count, DeviceTask};
use crate::sync::{Interrupt, NoProgress, SyncReport};
use crate::testing::conformance::event;
use crate::testing::MemoryDevice;

fn create(calendar_id: i64, uid: &str) -> DeviceTask {
    DeviceTask {
        op: DeviceOp::Create(event(uid, uid)),
        record: Some(ItemRecord {
            calendar_id,
            uid: Uid::new(uid),
            ..ItemRecord::default()
        }),
        delete_row: None,
        count: Count::Added,
        uid: uid.into(),
    }
}

fn store() -> (SqliteStore, i64) {
    let (store, account) = super::store_with_account("http://127.0.0.1:9", "http://127.0.0.1:9/c/");
    let cal = store.read().calendar_state(account.id).unwrap().id;
    (store, cal)
}

#[test]
fn each_written_event_is_recorded_with_its_device_id_and_version() {
    let (mut store, cal) = store();
    let mut phone = MemoryDevice::new();
    phone.set_batch_size(2);
    let tasks = (0..5).map(|i| create(cal, &format!("u{i}"))).collect();
    let mut report = SyncReport::new("t");
    run_device_tasks(
        &mut phone,
        &mut store,
        tasks,
        &mut report,
        &Interrupt::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.device.added, 5);
    let items = store.read().items(cal).unwrap();
    assert_eq!(items.len(), 5);
    let listed = phone.list().unwrap();
    for item in &items {
        let id = item.device_id.as_deref().unwrap();
        let entry = listed.iter().find(|e| e.id == id).unwrap();
        assert_eq!(item.device_version.as_deref(), Some(entry.version.as_str()));
    }
}

#[test]
fn a_failed_write_is_reported_and_leaves_no_row_while_the_batch_goes_on() {
    let (mut store, cal) = store();
    let mut phone = MemoryDevice::new();
    phone.fail_writes_of(Some("u1"));
    let tasks = (0..3).map(|i| create(cal, &format!("u{i}"))).collect();
    let mut report = SyncReport::new("t");
    run_device_tasks(
        &mut phone,
        &mut store,
        tasks,
        &mut report,
        &Interrupt::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.device.added, 2);
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].contains("u1"), "{:?}", report.errors);
    let uids: Vec<String> = store
        .read()
        .items(cal)
        .unwrap()
        .iter()
        .map(|i| i.uid.to_string())
        .collect();
    assert_eq!(uids.len(), 2);
    assert!(!uids.contains(&"u1".to_string()));
}

#[test]
fn an_interrupt_stops_between_batches_with_every_written_batch_recorded() {
    let (mut store, cal) = store();
    let mut phone = MemoryDevice::new();
    phone.set_batch_size(2);
    let tasks = (0..6).map(|i| create(cal, &format!("u{i}"))).collect();
    let interrupt = Interrupt::default();
    struct StopAfterFirst(Interrupt);
    impl crate::sync::Progress for StopAfterFirst {
        fn phase(&self, _: &str, _: u64) {}
        fn advance(&self, _: u64) {
            self.0.interrupt();
        }
    }
    let mut report = SyncReport::new("t");
    let err = run_device_tasks(
        &mut phone,
        &mut store,
        tasks,
        &mut report,
        &interrupt,
        &StopAfterFirst(interrupt.clone()),
    )
    .unwrap_err();
    assert!(matches!(err, crate::Error::Interrupted));
    // The interrupt came while the second batch was being written: it is recorded too, and
    // the third is never started.
    assert_eq!(phone.events().len(), 4);
    assert_eq!(store.read().items(cal).unwrap().len(), 4);
}

/// A [`MemoryDevice`] whose `apply` can be made to fail for one batch, and which tells a
/// channel each time a batch starts.
struct Watched {
    inner: MemoryDevice,
    batches: usize,
    fail_batch: Option<usize>,
    started: std::sync::mpsc::Sender<usize>,
}

impl DeviceCalendar for Watched {
    fn calendar_id(&self) -> crate::Result<String> {
        self.inner.calendar_id()
    }
    fn list(&self) -> crate::Result<Vec<crate::device::DeviceEntry>> {
        self.inner.list()
    }
    fn fetch(
        &self,
        ids: &[String],
    ) -> crate::Result<Vec<(crate::device::DeviceEntry, crate::model::Event)>> {
        self.inner.fetch(ids)
    }
    fn apply(&mut self, ops: &[DeviceOp]) -> crate::Result<Vec<crate::device::DeviceOutcome>> {
        self.batches += 1;
        let _ = self.started.send(self.batches);
        if self.fail_batch == Some(self.batches) {
            return Err(crate::Error::Device("the calendar went away".into()));
        }
        self.inner.apply(ops)
    }
    fn batch_size(&self) -> usize {
        2
    }
}

fn watched(fail_batch: Option<usize>) -> (Watched, std::sync::mpsc::Receiver<usize>) {
    let (started, rx) = std::sync::mpsc::channel();
    let device = Watched {
        inner: MemoryDevice::new(),
        batches: 0,
        fail_batch,
        started,
    };
    (device, rx)
}

#[test]
fn the_next_batch_is_written_while_the_last_one_is_recorded() {
    let (mut store, cal) = store();
    let (mut phone, started) = watched(None);
    // Recording the first batch finishes only once the second batch's write has begun:
    // batches written one after the other would wait here in vain.
    struct WaitForSecond(
        std::sync::Mutex<std::sync::mpsc::Receiver<usize>>,
        std::sync::Mutex<Vec<bool>>,
    );
    impl crate::sync::Progress for WaitForSecond {
        fn phase(&self, _: &str, _: u64) {}
        fn advance(&self, _: u64) {
            let rx = self.0.lock().unwrap();
            let mut seen = self.1.lock().unwrap();
            if seen.is_empty() {
                let overlapped =
                    std::iter::from_fn(|| rx.recv_timeout(std::time::Duration::from_secs(10)).ok())
                        .any(|batch| batch == 2);
                seen.push(overlapped);
            }
        }
    }
    let progress = WaitForSecond(
        std::sync::Mutex::new(started),
        std::sync::Mutex::new(Vec::new()),
    );
    let tasks = (0..6).map(|i| create(cal, &format!("u{i}"))).collect();
    let mut report = SyncReport::new("t");
    run_device_tasks(
        &mut phone,
        &mut store,
        tasks,
        &mut report,
        &Interrupt::default(),
        &progress,
    )
    .unwrap();
    assert_eq!(*progress.1.lock().unwrap(), vec![true]);
    assert_eq!(report.device.added, 6);
    assert_eq!(store.read().items(cal).unwrap().len(), 6);
    assert_eq!(phone.inner.events().len(), 6);
}

#[test]
fn a_batch_the_device_refuses_stops_the_writes_with_the_batches_before_it_recorded() {
    let (mut store, cal) = store();
    let (mut phone, _started) = watched(Some(2));
    let tasks = (0..8).map(|i| create(cal, &format!("u{i}"))).collect();
    let mut report = SyncReport::new("t");
    let err = run_device_tasks(
        &mut phone,
        &mut store,
        tasks,
        &mut report,
        &Interrupt::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("went away"), "{err}");
    // Batch 1 written and recorded, batch 2 refused: nothing after it is written.
    let stored: Vec<String> = store
        .read()
        .items(cal)
        .unwrap()
        .iter()
        .map(|i| i.uid.to_string())
        .collect();
    let written: Vec<String> = phone
        .inner
        .events()
        .iter()
        .map(|(_, e)| e.uid.to_string())
        .collect();
    assert_eq!(stored.len(), written.len(), "{stored:?} {written:?}");
    for uid in &written {
        assert!(stored.contains(uid), "{uid} written but not recorded");
    }
    assert_eq!(written, ["u0", "u1"]);
    assert_eq!(phone.batches, 2);
}

#[test]
fn a_failure_while_building_a_batch_still_records_the_batch_in_flight() {
    let (mut store, cal) = store();
    let mut phone = MemoryDevice::new();
    let mut report = SyncReport::new("t");
    let err = crate::sync::apply::with_device_writer(
        &mut phone,
        &mut store,
        &mut report,
        &NoProgress,
        |writer, store, report| {
            let tasks = vec![create(cal, "a"), create(cal, "b")];
            writer.submit(tasks, store, report, &Interrupt::default(), &NoProgress)?;
            Err::<(), _>(crate::Error::Device("the disk is full".into()))
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("disk is full"), "{err}");
    assert_eq!(phone.events().len(), 2);
    assert_eq!(store.read().items(cal).unwrap().len(), 2);
    assert_eq!(report.device.added, 2);
}

#[test]
fn a_delete_removes_its_row() {
    let (mut store, cal) = store();
    let mut phone = MemoryDevice::new();
    let mut report = SyncReport::new("t");
    let run = |phone: &mut MemoryDevice,
               store: &mut SqliteStore,
               tasks: Vec<DeviceTask>,
               report: &mut SyncReport| {
        run_device_tasks(
            phone,
            store,
            tasks,
            report,
            &Interrupt::default(),
            &NoProgress,
        )
        .unwrap()
    };
    run(&mut phone, &mut store, vec![create(cal, "a")], &mut report);
    let item = store.read().items(cal).unwrap().remove(0);
    let delete = DeviceTask {
        op: DeviceOp::Delete {
            id: item.device_id.clone().unwrap(),
        },
        record: None,
        delete_row: Some(item.id),
        count: Count::Deleted,
        uid: "a".into(),
    };
    run(&mut phone, &mut store, vec![delete], &mut report);
    assert_eq!(report.device.deleted, 1);
    assert!(phone.events().is_empty());
    assert!(store.read().items(cal).unwrap().is_empty());
}
