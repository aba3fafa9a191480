//! Device change detection against the memory device: versions first, fingerprints to
//! confirm, unreadable events never taken for deletions.

use crate::device::DeviceCalendar;
use crate::ical::event_fingerprint;
use crate::model::Uid;
use crate::store::ItemRecord;
use crate::sync::detect::scan_device;
use crate::testing::conformance::event;
use crate::testing::MemoryDevice;

/// A store row pairing device event `id` as it is now.
fn row(rowid: i64, phone: &MemoryDevice, id: &str) -> ItemRecord {
    let entry = phone
        .list()
        .unwrap()
        .into_iter()
        .find(|e| e.id == id)
        .unwrap();
    let (_, ev) = phone.fetch(&[id.to_string()]).unwrap().remove(0);
    ItemRecord {
        id: rowid,
        uid: Uid::new(ev.uid.as_str()),
        device_id: Some(entry.id),
        device_version: Some(entry.version),
        device_fp: Some(event_fingerprint(&ev)),
        ..ItemRecord::default()
    }
}

#[test]
fn scan_tells_new_changed_touched_and_deleted_events_apart() {
    let phone = MemoryDevice::new();
    let same = phone.insert(event("same", "Same"));
    let edited = phone.insert(event("edited", "Before"));
    let touched = phone.insert(event("touched", "Touched"));
    let gone = phone.insert(event("gone", "Gone"));
    let items = vec![
        row(1, &phone, &same),
        row(2, &phone, &edited),
        row(3, &phone, &touched),
        row(4, &phone, &gone),
    ];
    phone.edit(&edited, event("edited", "After"));
    // A rewrite with the same content: a new version, not a change.
    phone.edit(&touched, event("touched", "Touched"));
    phone.remove(&gone);
    phone.insert(event("new", "New"));

    let scan = scan_device(&phone, &items).unwrap();
    assert_eq!(scan.total, 4);
    assert_eq!(scan.new.len(), 1);
    assert_eq!(scan.new[0].event.uid.as_str(), "new");
    assert_eq!(scan.changed.keys().copied().collect::<Vec<_>>(), vec![2]);
    assert_eq!(scan.changed[&2].event.summary.as_deref(), Some("After"));
    assert_eq!(scan.touched.len(), 1);
    assert_eq!(scan.touched[0].0, 3);
    assert_eq!(scan.deleted, vec![4]);
    assert!(!scan.is_empty());
}

#[test]
fn an_unchanged_device_scans_empty() {
    let phone = MemoryDevice::new();
    let a = phone.insert(event("a", "A"));
    let items = vec![row(1, &phone, &a)];
    let scan = scan_device(&phone, &items).unwrap();
    assert!(scan.is_empty() && scan.touched.is_empty() && scan.unreadable.is_empty());
}

#[test]
fn a_device_that_cannot_be_listed_is_an_error_not_an_empty_calendar() {
    let phone = MemoryDevice::new();
    let a = phone.insert(event("a", "A"));
    let items = vec![row(1, &phone, &a)];
    phone.fail_list(Some("calendar provider crashed"));
    let err = scan_device(&phone, &items).unwrap_err();
    assert!(matches!(err, crate::Error::Device(_)), "{err:?}");
}
