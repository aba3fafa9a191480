//! The CalDAV driver in the frame, against the fake collection and the memory device:
//! first sync, two-way changes, a device refusing one event, a server failing or racing
//! mid-execution, an interrupted sync; each time the next sync converges.

use super::fake_caldav::FakeCalDav;
use super::{ics, ics_summaries, set, store_with_account, summaries};
use crate::device::DeviceCalendar;
use crate::store::{Account, BackupReason, SqliteStore};
use crate::sync::caldav::sync_caldav;
use crate::sync::{Interrupt, Progress, SyncContext, SyncReport, SyncStatus};
use crate::testing::conformance::event;
use crate::testing::MemoryDevice;
use crate::{Error, ErrorKind};

struct World {
    server: FakeCalDav,
    store: SqliteStore,
    account: Account,
    /// The user's handle on the device calendar the engine syncs.
    phone: MemoryDevice,
}

impl World {
    fn new() -> World {
        let server = FakeCalDav::start();
        let (store, account) = store_with_account(server.base(), &server.calendar_url());
        World {
            server,
            store,
            account,
            phone: MemoryDevice::new(),
        }
    }

    fn sync_with(&mut self, ctx: &SyncContext<'_>) -> (SyncReport, Option<Error>) {
        let mut device = self.phone.clone();
        sync_caldav(&mut self.store, &self.account, "pw", &mut device, ctx)
    }

    /// A sync that must succeed.
    fn sync(&mut self) -> SyncReport {
        let (report, error) = self.sync_with(&SyncContext::default());
        assert!(error.is_none(), "{error:?} {report:?}");
        assert_eq!(report.status, SyncStatus::Ok, "{report:?}");
        report
    }

    fn device_summaries(&self) -> std::collections::BTreeSet<String> {
        let events: Vec<_> = self.phone.events().into_iter().map(|(_, e)| e).collect();
        summaries(&events)
    }

    /// Both sides hold exactly `expected`, each once.
    fn assert_converged(&self, expected: &[&str]) {
        assert_eq!(self.device_summaries(), set(expected), "device");
        assert_eq!(self.phone.events().len(), expected.len(), "device copies");
        assert_eq!(ics_summaries(&self.server.items()), set(expected), "server");
        assert_eq!(self.server.items().len(), expected.len(), "server copies");
    }

    fn id_of(&self, uid: &str) -> String {
        self.phone.id_of(uid).expect("one event with this UID")
    }
}

#[test]
fn first_sync_merges_both_sides_and_keeps_a_pinned_first_sync_backup() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.server.put("b.ics", &ics("b", "B"));
    w.phone.insert(event("c", "C"));
    let report = w.sync();
    assert_eq!((report.device.added, report.server.added), (2, 1));
    w.assert_converged(&["A", "B", "C"]);
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let first = &backups[0];
    assert_eq!(first.reason, BackupReason::FirstSync);
    assert!(first.pinned && first.full);
    assert_eq!((first.device_items, first.server_items), (1, 2));
    // The next sync sees our own writes once (the ctag saved is the one read before them);
    // after that, nothing changed is one request (the ctag) and nothing written.
    w.sync();
    let before = w.server.count("PROPFIND") + w.server.count("REPORT");
    let report = w.sync();
    assert_eq!(report.device.added + report.server.added, 0);
    assert_eq!(
        w.server.count("PROPFIND") + w.server.count("REPORT"),
        before + 1
    );
}

/// A first download whose texts exceed the memory budget: those beyond it wait on disk and
/// are read back for the device writes, the store's server copies and the backup, which
/// come out as they do with everything in memory.
#[test]
fn a_download_beyond_the_memory_budget_gives_the_same_sync() {
    let sizes: Vec<usize> = (0..12).map(|i| ics(&format!("u{i}"), "S").len()).collect();
    // Nothing kept in memory; about half of it; all of it.
    for budget in [0, sizes[..6].iter().sum(), usize::MAX] {
        let mut w = World::new();
        for i in 0..12 {
            let text = ics(&format!("u{i}"), &format!("Event {i}"));
            w.server.put(&format!("u{i}.ics"), &text);
        }
        w.phone.insert(event("c", "C"));
        let ctx = SyncContext {
            download_memory: budget,
            ..SyncContext::default()
        };
        let (report, error) = w.sync_with(&ctx);
        assert!(error.is_none(), "budget {budget}: {error:?} {report:?}");
        assert_eq!((report.device.added, report.server.added), (12, 1));
        let mut expected: Vec<String> = (0..12).map(|i| format!("Event {i}")).collect();
        expected.push("C".into());
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        w.assert_converged(&expected);
        // The store holds each server copy whole.
        let cal = w.store.read().calendar_state(w.account.id).unwrap();
        let rows = w.store.read().items(cal.id).unwrap();
        for i in 0..12 {
            let uid = format!("u{i}");
            let row = rows.iter().find(|r| r.uid.as_str() == uid).unwrap();
            let copy = row.server_ics.as_deref().unwrap();
            assert!(copy.contains(&format!("SUMMARY:Event {i}")), "{copy}");
        }
        // The first-sync backup holds every server event.
        let backups = w.store.read().backups(Some(w.account.id)).unwrap();
        let data = w.store.read().backup_data(backups[0].id).unwrap().unwrap();
        let server = data.server.unwrap();
        assert_eq!(server.items, 12);
        for i in 0..12 {
            assert!(server.ics.contains(&format!("SUMMARY:Event {i}\r\n")));
        }
        let report = w.sync();
        assert_eq!(report.device.added + report.server.added, 0);
    }
}

#[test]
fn a_failed_first_sync_keeps_labelling_its_backup_first_sync_until_one_succeeds() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.phone.insert(event("c", "C"));
    w.phone.insert(event("d", "D"));
    // The first upload fails with a server error: the sync stops, rows were written.
    w.server.fail_next("PUT", 500);
    let (report, error) = w.sync_with(&SyncContext::default());
    assert!(error.is_some(), "{report:?}");
    let report = w.sync();
    assert_eq!(report.status, SyncStatus::Ok);
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert!(backups.len() >= 2, "{backups:?}");
    assert!(
        backups
            .iter()
            .all(|b| b.reason == BackupReason::FirstSync && b.pinned),
        "{backups:?}"
    );
    w.assert_converged(&["A", "C", "D"]);
    // After the first success, a sync with changes is no longer a first sync.
    w.phone.insert(event("e", "E"));
    w.sync();
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert!(
        backups.iter().any(|b| b.reason != BackupReason::FirstSync),
        "{backups:?}"
    );
}

/// Quiet syncs keep the digest of a device listing that matched the rows; an edit on the
/// device after them changes the listing, and goes to the server.
#[test]
fn a_device_edit_after_quiet_syncs_is_sent() {
    let mut w = World::new();
    for uid in ["a", "b"] {
        w.server.put(&format!("{uid}.ics"), &ics(uid, "First"));
    }
    w.sync();
    let cal = w.store.read().calendar_state(w.account.id).unwrap().id;
    assert_eq!(w.store.read().device_digest(cal).unwrap(), None);
    for _ in 0..2 {
        let quiet = w.sync();
        assert_eq!(quiet.server.updated + quiet.device.updated, 0);
        assert_eq!(w.store.read().device_digest(cal).unwrap().unwrap().1, 2);
    }
    w.phone.edit(&w.id_of("a"), event("a", "A phone"));
    let report = w.sync();
    assert_eq!(report.server.updated, 1, "{report:?}");
    w.assert_converged(&["A phone", "First"]);
    w.phone.remove(&w.id_of("b"));
    let report = w.sync();
    assert_eq!(report.server.deleted, 1, "{report:?}");
    w.assert_converged(&["A phone"]);
}

#[test]
fn edits_and_deletions_on_both_sides_converge() {
    let mut w = World::new();
    for uid in ["a", "b", "c", "d"] {
        w.server
            .put(&format!("{uid}.ics"), &ics(uid, &uid.to_uppercase()));
    }
    w.sync();
    w.phone.edit(&w.id_of("a"), event("a", "A phone"));
    w.phone.remove(&w.id_of("b"));
    w.server.put("c.ics", &ics("c", "C web"));
    w.server.remove("d.ics");
    w.phone.insert(event("e", "E"));
    w.server.put("f.ics", &ics("f", "F"));
    let report = w.sync();
    assert_eq!(report.conflicts, 0);
    assert_eq!(
        (
            report.server.updated,
            report.server.deleted,
            report.server.added
        ),
        (1, 1, 1)
    );
    assert_eq!(
        (
            report.device.updated,
            report.device.deleted,
            report.device.added
        ),
        (1, 1, 1)
    );
    w.assert_converged(&["A phone", "C web", "E", "F"]);
}

#[test]
fn a_device_refusing_one_event_leaves_the_others_applied_and_the_next_sync_converges() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.server.put("b.ics", &ics("b", "B"));
    w.phone.fail_writes_of(Some("b"));
    let (report, error) = w.sync_with(&SyncContext::default());
    assert!(error.is_none());
    assert_eq!(report.status, SyncStatus::Error, "{report:?}");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("device write failed for b")),
        "{report:?}"
    );
    assert_eq!(w.device_summaries(), set(&["A"]));
    // The sync marks were kept: the next sync tries again and gets it.
    w.phone.fail_writes_of(None);
    let report = w.sync();
    assert_eq!(report.device.added, 1);
    w.assert_converged(&["A", "B"]);
}

#[test]
fn a_server_error_mid_execution_stops_the_sync_and_the_next_one_converges() {
    let mut w = World::new();
    w.sync();
    for uid in ["x", "y", "z"] {
        w.phone.insert(event(uid, &uid.to_uppercase()));
    }
    // The first upload goes through (another client writes just before it), the second
    // gets a 503.
    w.server
        .edit_before_next("PUT", "noise.ics", &ics("noise", "Noise"));
    w.server.fail_next("PUT", 503);
    let (report, error) = w.sync_with(&SyncContext::default());
    assert_eq!(
        error.as_ref().map(Error::kind),
        Some(ErrorKind::Unavailable),
        "{error:?} {report:?}"
    );
    assert_eq!(
        w.server.items().len(),
        2,
        "one upload, one write of another client"
    );
    let report = w.sync();
    assert_eq!(report.conflicts, 0, "{report:?}");
    w.assert_converged(&["Noise", "X", "Y", "Z"]);
}

#[test]
fn a_412_on_update_keeps_the_server_version_and_the_device_edit_as_a_conflict() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.sync();
    w.phone.edit(&w.id_of("a"), event("a", "A phone"));
    // Another client edits the event between our listing and our upload.
    w.server
        .edit_before_next("PUT", "a.ics", &ics("a", "A web"));
    let report = w.sync();
    assert_eq!(report.conflicts, 1, "{report:?}");
    w.assert_converged(&["A web"]);
    let conflicts = w.store.read().conflicts(w.account.id).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert!(conflicts[0].ics.contains("A phone"));
    // Nothing left to do.
    let report = w.sync();
    assert_eq!(report.server.updated + report.device.updated, 0);
}

#[test]
fn a_deletion_racing_an_edit_on_the_server_brings_the_event_back() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.server.put("k.ics", &ics("k", "K"));
    w.sync();
    w.phone.remove(&w.id_of("a"));
    w.server
        .edit_before_next("DELETE", "a.ics", &ics("a", "A web"));
    let report = w.sync();
    assert_eq!(report.server.deleted, 0, "{report:?}");
    // An edit beats a deletion.
    w.assert_converged(&["A web", "K"]);
}

/// Interrupts the sync when the apply phase has made `after` steps.
struct InterruptAfter {
    interrupt: Interrupt,
    after: u64,
    done: std::cell::Cell<u64>,
    applying: std::cell::Cell<bool>,
}

impl Progress for InterruptAfter {
    fn phase(&self, name: &str, _total: u64) {
        self.applying.set(name == "apply");
    }
    fn advance(&self, n: u64) {
        if self.applying.get() {
            self.done.set(self.done.get() + n);
            if self.done.get() >= self.after {
                self.interrupt.interrupt();
            }
        }
    }
}

#[test]
fn an_interrupted_sync_converges_on_the_next_without_duplicates() {
    let mut w = World::new();
    w.server.put("s.ics", &ics("s", "S"));
    w.sync();
    for uid in ["p", "q", "r"] {
        w.phone.insert(event(uid, &uid.to_uppercase()));
    }
    w.server.put("t.ics", &ics("t", "T"));
    let progress = InterruptAfter {
        interrupt: Interrupt::default(),
        after: 2,
        done: Default::default(),
        applying: Default::default(),
    };
    let ctx = SyncContext {
        interrupt: progress.interrupt.clone(),
        progress: &progress,
        ..SyncContext::default()
    };
    let (_, error) = w.sync_with(&ctx);
    assert!(matches!(error, Some(Error::Interrupted)), "{error:?}");
    assert!(
        w.server.items().len() < 5,
        "the interrupt stopped the uploads"
    );
    w.sync();
    w.assert_converged(&["P", "Q", "R", "S", "T"]);
}

#[test]
fn a_dry_run_reports_the_plan_and_changes_nothing() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.phone.insert(event("c", "C"));
    let ctx = SyncContext {
        dry_run: true,
        ..SyncContext::default()
    };
    let (report, error) = w.sync_with(&ctx);
    assert!(error.is_none());
    assert_eq!(report.plan.as_ref().map(Vec::len), Some(2), "{report:?}");
    assert_eq!(w.server.count("PUT"), 0);
    assert_eq!(w.phone.events().len(), 1);
    assert!(w
        .store
        .read()
        .backups(Some(w.account.id))
        .unwrap()
        .is_empty());
}

#[test]
fn a_replaced_device_calendar_is_refilled_from_the_server_without_deleting() {
    let mut w = World::new();
    w.server.put("a.ics", &ics("a", "A"));
    w.phone.insert(event("b", "B"));
    w.sync();
    w.phone.replace_calendar();
    assert!(w.phone.calendar_id().is_ok());
    let report = w.sync();
    assert_eq!(report.server.deleted, 0, "{report:?}");
    w.assert_converged(&["A", "B"]);
}

#[test]
fn the_frame_holds_an_emptied_device_back_until_confirmed() {
    let mut w = World::new();
    for uid in ["a", "b", "c"] {
        w.server
            .put(&format!("{uid}.ics"), &ics(uid, &uid.to_uppercase()));
    }
    w.sync();
    for (id, _) in w.phone.events() {
        w.phone.remove(&id);
    }
    let (report, error) = w.sync_with(&SyncContext::default());
    assert!(error.is_none());
    assert_eq!(report.status, SyncStatus::NeedsConfirmation);
    assert!(
        matches!(
            report.hold,
            Some(crate::sync::HoldReason::EmptiedSide {
                known: 3,
                deletions: 3,
                ..
            })
        ),
        "{report:?}"
    );
    assert_eq!(report.plan.as_ref().map(Vec::len), Some(3));
    assert_eq!(w.server.items().len(), 3, "nothing applied while held");
    let confirmed = SyncContext {
        confirmed: true,
        ..SyncContext::default()
    };
    let (report, error) = w.sync_with(&confirmed);
    assert!(error.is_none(), "{report:?}");
    assert_eq!(report.server.deleted, 3);
    w.assert_converged(&[]);
    // The snapshot before a confirmed big change is pinned.
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert!(
        backups.iter().filter(|b| b.pinned).count() >= 2,
        "{backups:?}"
    );
}

/// A first download into an empty phone calendar goes to the device as it arrives: every
/// event once, a second event with a UID already seen set aside with a warning, the store's
/// copies whole, the first-sync snapshot kept with every server event, and the next sync
/// changes nothing.
#[test]
fn a_first_download_into_an_empty_phone_is_written_as_it_arrives() {
    let mut w = World::new();
    w.phone.set_batch_size(2);
    for i in 0..6 {
        w.server.put(
            &format!("u{i}.ics"),
            &ics(&format!("u{i}"), &format!("Event {i}")),
        );
    }
    w.server.put("z-copy.ics", &ics("u1", "Event 1"));
    let report = w.sync();
    assert_eq!(report.device.added, 6, "{report:?}");
    assert!(
        report.warnings.iter().any(|m| m.contains("UID of another")),
        "{report:?}"
    );
    let expected: Vec<String> = (0..6).map(|i| format!("Event {i}")).collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(w.device_summaries(), set(&expected));
    assert_eq!(w.phone.events().len(), 6);
    let cal = w.store.read().calendar_state(w.account.id).unwrap();
    let rows = w.store.read().items(cal.id).unwrap();
    assert_eq!(rows.len(), 6);
    for row in &rows {
        let copy = row.server_ics.as_deref().unwrap();
        let uid_line = format!("UID:{}", row.uid.as_str());
        assert!(copy.lines().any(|l| l.trim_end() == uid_line), "{copy}");
        assert!(row.device_id.is_some() && row.etag.is_some());
    }
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(backups[0].reason, BackupReason::FirstSync);
    assert!(backups[0].pinned);
    assert_eq!((backups[0].device_items, backups[0].server_items), (0, 6));
    let data = w.store.read().backup_data(backups[0].id).unwrap().unwrap();
    for summary in &expected {
        assert!(data.server.as_ref().unwrap().ics.contains(summary));
    }
    let report = w.sync();
    assert_eq!(report.device.added + report.server.added, 0, "{report:?}");
    assert_eq!(w.phone.events().len(), 6);
}

/// Puts events `u0` … on the server, `Event 0` … as their summaries.
fn put_numbered_events(w: &World, count: usize) {
    for i in 0..count {
        w.server.put(
            &format!("u{i:04}.ics"),
            &ics(&format!("u{i}"), &format!("Event {i}")),
        );
    }
}

/// A first download into an empty phone calendar starts writing with a small batch, so that
/// the device works while the rest arrives, and doubles it up to the device's batch size.
#[test]
fn a_first_download_starts_with_a_small_batch_and_doubles_it() {
    let mut w = World::new();
    w.phone.set_batch_size(300);
    put_numbered_events(&w, 700);
    let report = w.sync();
    assert_eq!(report.device.added, 700, "{report:?}");
    assert_eq!(w.phone.batch_sizes(), [128, 256, 300, 16]);
}

/// A first download into an empty phone calendar stopped half-way: the batches written
/// before the stop are on the device and in the store, no snapshot is kept yet, and the next
/// sync brings the rest without a second copy of anything, then keeps the first-sync
/// snapshot.
#[test]
fn a_first_download_stopped_while_it_is_written_goes_on_without_a_copy() {
    const EVENTS: usize = 1100;
    let mut w = World::new();
    w.phone.set_batch_size(100);
    put_numbered_events(&w, EVENTS);
    // Stops the sync at the 601st downloaded event: the first events read (a chunk of them)
    // are written by then.
    struct StopAt(Interrupt, std::sync::atomic::AtomicU64, u64);
    impl Progress for StopAt {
        fn phase(&self, _: &str, _: u64) {}
        fn advance(&self, n: u64) {
            use std::sync::atomic::Ordering;
            if self.1.fetch_add(n, Ordering::SeqCst) + n >= self.2 {
                self.0.interrupt();
            }
        }
    }
    let interrupt = Interrupt::default();
    let stop = StopAt(interrupt.clone(), 0.into(), 600);
    let ctx = SyncContext {
        interrupt,
        progress: &stop,
        ..SyncContext::default()
    };
    let (_, error) = w.sync_with(&ctx);
    assert!(matches!(error, Some(Error::Interrupted)), "{error:?}");
    let written = w.phone.events().len();
    assert!((100..EVENTS).contains(&written), "{written}");
    let cal = w.store.read().calendar_state(w.account.id).unwrap();
    assert_eq!(w.store.read().items(cal.id).unwrap().len(), written);
    assert!(w
        .store
        .read()
        .backups(Some(w.account.id))
        .unwrap()
        .is_empty());
    let report = w.sync();
    assert_eq!(report.device.added as usize, EVENTS - written, "{report:?}");
    assert_eq!(report.server.added, 0, "{report:?}");
    let on_phone = w.phone.events();
    assert_eq!(on_phone.len(), EVENTS);
    let uids: std::collections::HashSet<String> =
        on_phone.iter().map(|(_, e)| e.uid.to_string()).collect();
    assert_eq!(uids.len(), EVENTS);
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(backups[0].reason, BackupReason::FirstSync);
    assert_eq!(backups[0].server_items, EVENTS as u64);
}
