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
    assert_eq!(phone.events().len(), 2);
    assert_eq!(store.read().items(cal).unwrap().len(), 2);
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
