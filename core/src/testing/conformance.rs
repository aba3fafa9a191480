//! The `DeviceCalendar` conformance suite: the behaviours every device calendar must have
//! (the folder, the file, the memory calendar and, through the bindings, the phones'), as
//! plain functions over a [`Subject`] so that any implementation runs the same checks.
//!
//! Each check panics with a message on failure, like a test assertion.

use chrono::NaiveDate;

use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use crate::model::{Event, EventTime, Exception, Recurrence, Zone};

/// One calendar under test.
pub trait Subject {
    /// A new handle on this calendar, as after a restart of the app.
    fn open(&self) -> Box<dyn DeviceCalendar>;
    /// Another app on the device writes `event`, replacing the event with the same UID if
    /// there is one. Returns the event's id.
    fn write_external(&self, event: &Event) -> String;
    /// An op this calendar must refuse (with [`DeviceOutcome::Failed`]) while `existing`, an
    /// event it holds, stays as it is.
    fn failing_op(&self, existing: &DeviceEntry) -> DeviceOp;
}

/// Makes calendars to test.
pub trait Harness {
    /// The calendar type.
    type Subject: Subject;
    /// A new, empty calendar, distinct from every earlier one.
    fn new_calendar(&self) -> Self::Subject;
}

/// A UTC date-time.
pub fn utc(y: i32, m: u32, d: u32, h: u32) -> EventTime {
    EventTime::DateTime {
        local: NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid test date"),
        zone: Zone::Utc,
    }
}

/// A one-hour event on 10 March 2025.
pub fn event(uid: &str, summary: &str) -> Event {
    let mut e = Event::new(uid, utc(2025, 3, 10, 9));
    e.end = Some(utc(2025, 3, 10, 10));
    e.summary = Some(summary.to_string());
    e
}

/// The entry of a `Written` outcome.
pub fn written(outcome: &DeviceOutcome) -> DeviceEntry {
    match outcome {
        DeviceOutcome::Written(e) => e.clone(),
        other => panic!("expected Written, got {other:?}"),
    }
}

/// The summary of event `id`, fetched.
pub fn summary_of(dev: &dyn DeviceCalendar, id: &str) -> Option<String> {
    let got = dev.fetch(&[id.to_string()]).expect("fetch");
    assert_eq!(got.len(), 1, "fetch {id}");
    got[0].1.summary.clone()
}

fn sorted(mut v: Vec<DeviceEntry>) -> Vec<DeviceEntry> {
    v.sort_by(|x, y| x.id.cmp(&y.id));
    v
}

/// A new calendar is empty and keeps its id across handles; another calendar has another.
pub fn empty_calendar_and_stable_id<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let dev = s.open();
    assert!(dev.list().unwrap().is_empty());
    let id = dev.calendar_id().unwrap();
    assert!(!id.is_empty());
    assert_eq!(dev.calendar_id().unwrap(), id);
    assert_eq!(s.open().calendar_id().unwrap(), id, "id changed on reopen");
    assert_ne!(h.new_calendar().open().calendar_id().unwrap(), id);
}

/// Creates are listed with the versions `apply` returned and fetched back; unknown ids
/// are skipped by `fetch`.
pub fn create_list_fetch<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let mut dev = s.open();
    let out = dev
        .apply(&[
            DeviceOp::Create(event("a@x", "Cours d'algèbre")),
            DeviceOp::Create(event("b@x", "Réunion")),
        ])
        .unwrap();
    assert_eq!(out.len(), 2);
    let (a, b) = (written(&out[0]), written(&out[1]));
    assert_ne!(a.id, b.id);
    let expected = sorted(vec![a.clone(), b.clone()]);
    assert_eq!(
        sorted(dev.list().unwrap()),
        expected,
        "list must show the versions apply returned"
    );
    assert_eq!(sorted(s.open().list().unwrap()), expected, "fresh handle");
    let got = dev
        .fetch(&[b.id.clone(), "nope.ics".into(), "nope".into(), a.id.clone()])
        .unwrap();
    assert_eq!(got.len(), 2, "unknown ids are skipped");
    let by_id = |id: &str| got.iter().find(|(e, _)| e.id == id).expect("fetched");
    assert_eq!(by_id(&a.id).1.uid.as_str(), "a@x");
    assert_eq!(by_id(&a.id).1.summary.as_deref(), Some("Cours d'algèbre"));
    assert_eq!(by_id(&a.id).0, a);
    assert_eq!(by_id(&b.id).1.summary.as_deref(), Some("Réunion"));
    assert_eq!(sorted(dev.list().unwrap()), expected, "listing twice");
}

/// An update keeps the id, changes the version, and leaves other events alone.
pub fn update_changes_version_keeps_id<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let mut dev = s.open();
    let a = written(&dev.apply(&[DeviceOp::Create(event("a@x", "v1"))]).unwrap()[0]);
    let b = written(&dev.apply(&[DeviceOp::Create(event("b@x", "b"))]).unwrap()[0]);
    let out = dev
        .apply(&[DeviceOp::Update {
            id: a.id.clone(),
            event: event("a@x", "v2 — déplacé"),
        }])
        .unwrap();
    let a2 = written(&out[0]);
    assert_eq!(a2.id, a.id);
    assert_ne!(a2.version, a.version);
    assert_eq!(summary_of(&*dev, &a.id).as_deref(), Some("v2 — déplacé"));
    let listed = dev.list().unwrap();
    assert!(listed.contains(&a2));
    assert!(listed.contains(&b), "{listed:?} lacks {b:?}");
}

/// A delete removes the event; deleting it again is still `Deleted`.
pub fn delete_and_delete_again<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let mut dev = s.open();
    let a = written(&dev.apply(&[DeviceOp::Create(event("a@x", "a"))]).unwrap()[0]);
    let b = written(&dev.apply(&[DeviceOp::Create(event("b@x", "b"))]).unwrap()[0]);
    let out = dev
        .apply(&[
            DeviceOp::Delete { id: a.id.clone() },
            DeviceOp::Delete { id: a.id.clone() },
        ])
        .unwrap();
    assert_eq!(out, vec![DeviceOutcome::Deleted, DeviceOutcome::Deleted]);
    assert_eq!(dev.list().unwrap(), vec![b]);
    assert!(dev.fetch(std::slice::from_ref(&a.id)).unwrap().is_empty());
}

/// An edit by another app changes the version the calendar lists.
pub fn external_edits_change_the_version<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let dev = s.open();
    let id = s.write_external(&event("e@x", "first"));
    let v1 = dev.list().unwrap();
    assert_eq!(v1.len(), 1);
    assert_eq!(v1[0].id, id);
    assert_eq!(dev.list().unwrap(), v1, "no change, same version");
    // Same size, other content.
    assert_eq!(s.write_external(&event("e@x", "FIRST")), id);
    let v2 = dev.list().unwrap();
    assert_eq!(v2[0].id, id);
    assert_ne!(v2[0].version, v1[0].version);
    assert_eq!(summary_of(&*dev, &id).as_deref(), Some("FIRST"));
}

/// A recurring event with an RRULE, an EXDATE and a moved instance comes back the same.
pub fn recurring_event_round_trip<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let mut dev = s.open();
    let paris = |d, h| EventTime::DateTime {
        local: NaiveDate::from_ymd_opt(2025, 9, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid test date"),
        zone: Zone::Tzid("Europe/Paris".into()),
    };
    let mut ev = Event::new("r@x", paris(2, 10));
    ev.end = Some(paris(2, 12));
    ev.summary = Some("CM Analyse".into());
    ev.recurrence = Some(Recurrence {
        rrule: Some("FREQ=WEEKLY;UNTIL=20251216T110000Z;BYDAY=TU".into()),
        rdates: vec![],
        exdates: vec![paris(16, 10)],
    });
    ev.exceptions.push(Exception {
        recurrence_id: paris(9, 10),
        start: paris(10, 14),
        end: Some(paris(10, 16)),
        summary: Some("CM Analyse (déplacé)".into()),
        description: None,
        location: Some("Amphi B".into()),
        status: None,
    });
    let e = written(&dev.apply(&[DeviceOp::Create(ev.clone())]).unwrap()[0]);
    let (_, got) = dev.fetch(&[e.id]).unwrap().remove(0);
    assert_eq!(got.recurrence, ev.recurrence);
    assert_eq!(got.exceptions, ev.exceptions);
    assert_eq!(got.start, ev.start);
}

/// One failing op does not stop the batch, and leaves the calendar as it was.
pub fn failing_op_does_not_stop_the_batch<H: Harness>(h: &H) {
    let s = h.new_calendar();
    let mut dev = s.open();
    let a = written(&dev.apply(&[DeviceOp::Create(event("a@x", "a"))]).unwrap()[0]);
    let bad = s.failing_op(&a);
    let out = dev
        .apply(&[bad, DeviceOp::Create(event("c@x", "c"))])
        .unwrap();
    assert!(matches!(out[0], DeviceOutcome::Failed(_)), "{out:?}");
    let c = written(&out[1]);
    let ids: Vec<String> = dev.list().unwrap().into_iter().map(|e| e.id).collect();
    assert!(ids.contains(&a.id) && ids.contains(&c.id), "{ids:?}");
    assert_eq!(summary_of(&*dev, &a.id).as_deref(), Some("a"));
}

/// Runs every check of the suite, in order.
pub fn run_all<H: Harness>(h: &H) {
    empty_calendar_and_stable_id(h);
    create_list_fetch(h);
    update_changes_version_keeps_id(h);
    delete_and_delete_again(h);
    external_edits_change_the_version(h);
    recurring_event_round_trip(h);
    failing_op_does_not_stop_the_batch(h);
}

/// Declares one `#[test]` per check of the suite for a harness built by `$make`.
#[macro_export]
macro_rules! device_conformance_tests {
    ($make:expr) => {
        $crate::device_conformance_tests!(@each $make;
            empty_calendar_and_stable_id,
            create_list_fetch,
            update_changes_version_keeps_id,
            delete_and_delete_again,
            external_edits_change_the_version,
            recurring_event_round_trip,
            failing_op_does_not_stop_the_batch,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::testing::conformance::$name(&$make);
            }
        )*
    };
}
