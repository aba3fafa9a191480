//! The SyncML driver in the frame, against the fake SyncML server and the memory device:
//! slow sync, two-way sync with adds, replaces and deletes, a refresh the server asks for,
//! an md5 challenge, a server package split over messages with a Large Object, a Status
//! error; each time the next sync converges.

use super::fake_syncml::FakeSyncMl;
use super::{ics, ics_summaries, set, summaries};
use crate::remote::syncml::build::alert_code;
use crate::store::{Account, AccountSettings, BackupReason, Protocol, SqliteStore};
use crate::sync::syncml::sync_syncml;
use crate::sync::{SyncContext, SyncReport, SyncStatus};
use crate::testing::conformance::event;
use crate::testing::MemoryDevice;
use crate::Error;

const USER: &str = "alice";
const PASSWORD: &str = "secret";

struct World {
    server: FakeSyncMl,
    store: SqliteStore,
    account: Account,
    phone: MemoryDevice,
}

impl World {
    fn new() -> World {
        let server = FakeSyncMl::start(USER, PASSWORD);
        let store = SqliteStore::open_in_memory().unwrap();
        let mut account = Account {
            id: 0,
            name: "s".into(),
            protocol: Protocol::SyncMl,
            server_url: server.url(),
            username: USER.into(),
            local: "memory".into(),
            past_days: None,
            settings: AccountSettings {
                allow_insecure_http: true,
                ..AccountSettings::default()
            },
        };
        account.id = store
            .read()
            .add_account(&account, Some(&server.url()))
            .unwrap();
        World {
            server,
            store,
            account,
            phone: MemoryDevice::new(),
        }
    }

    fn sync_once(&mut self) -> (SyncReport, Option<Error>) {
        let mut device = self.phone.clone();
        sync_syncml(
            &mut self.store,
            &self.account,
            PASSWORD,
            &mut device,
            &SyncContext::default(),
            None,
        )
    }

    fn sync(&mut self) -> SyncReport {
        let (report, error) = self.sync_once();
        assert!(error.is_none(), "{error:?} {report:?}");
        assert_eq!(report.status, SyncStatus::Ok, "{report:?}");
        report
    }

    fn assert_converged(&self, expected: &[&str]) {
        let events: Vec<_> = self.phone.events().into_iter().map(|(_, e)| e).collect();
        assert_eq!(summaries(&events), set(expected), "device");
        assert_eq!(events.len(), expected.len(), "device copies");
        assert_eq!(ics_summaries(&self.server.items()), set(expected), "server");
        assert_eq!(self.server.items().len(), expected.len(), "server copies");
    }

    fn id_of(&self, uid: &str) -> String {
        self.phone.id_of(uid).expect("one event with this UID")
    }
}

#[test]
fn a_slow_first_sync_pairs_by_uid_and_keeps_a_first_sync_backup() {
    let mut w = World::new();
    w.server.add(&ics("a", "A"));
    w.server.add(&ics("both", "Both"));
    w.phone.insert(event("both", "Both"));
    w.phone.insert(event("c", "C"));
    w.sync();
    w.assert_converged(&["A", "Both", "C"]);
    let backups = w.store.read().backups(Some(w.account.id)).unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(backups[0].reason, BackupReason::FirstSync);
    assert!(backups[0].pinned);
}

#[test]
fn a_two_way_sync_carries_adds_replaces_and_deletes_both_ways() {
    let mut w = World::new();
    for uid in ["a", "b", "c", "d"] {
        w.server.add(&ics(uid, &uid.to_uppercase()));
    }
    w.sync();
    w.phone.edit(&w.id_of("a"), event("a", "A phone"));
    w.phone.remove(&w.id_of("b"));
    w.phone.insert(event("e", "E"));
    w.server.replace("UID:c", &ics("c", "C web"));
    w.server.delete("UID:d");
    w.server.add(&ics("f", "F"));
    let report = w.sync();
    assert_eq!(
        (
            report.server.added,
            report.server.updated,
            report.server.deleted
        ),
        (1, 1, 1),
        "{report:?}"
    );
    assert_eq!(
        (
            report.device.added,
            report.device.updated,
            report.device.deleted
        ),
        (1, 1, 1),
        "{report:?}"
    );
    w.assert_converged(&["A phone", "C web", "E", "F"]);
}

#[test]
fn an_unasked_refresh_from_the_server_waits_for_confirmation_then_loses_nothing_local() {
    let mut w = World::new();
    w.server.add(&ics("a", "A"));
    w.sync();
    w.server.add(&ics("b", "B"));
    w.phone.insert(event("local", "Local"));
    // Unasked, a refresh from the server is a reset of its side: held until confirmed.
    w.server.force_mode(alert_code::REFRESH_FROM_SERVER);
    let (report, error) = w.sync_once();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(report.status, SyncStatus::NeedsConfirmation, "{report:?}");
    assert!(
        matches!(
            report.hold,
            Some(crate::sync::HoldReason::ServerReset { .. })
        ),
        "{report:?}"
    );
    let events: Vec<_> = w.phone.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(summaries(&events), set(&["A", "Local"]), "nothing applied");
    w.server.force_mode(alert_code::REFRESH_FROM_SERVER);
    let mut device = w.phone.clone();
    let confirmed = SyncContext {
        confirmed: true,
        ..SyncContext::default()
    };
    let (report, error) = sync_syncml(
        &mut w.store,
        &w.account,
        PASSWORD,
        &mut device,
        &confirmed,
        None,
    );
    assert!(error.is_none(), "{error:?} {report:?}");
    assert_eq!(report.status, SyncStatus::Ok, "{report:?}");
    let events: Vec<_> = w.phone.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(summaries(&events), set(&["A", "B", "Local"]));
    // The local event goes at the next two-way sync.
    w.sync();
    w.assert_converged(&["A", "B", "Local"]);
}

#[test]
fn an_md5_challenge_is_answered_with_the_servers_nonce() {
    let mut w = World::new();
    w.server.add(&ics("a", "A"));
    w.server.challenge_md5();
    w.sync();
    w.assert_converged(&["A"]);
    let creds = w.server.credentials();
    // md5 over the empty nonce first (no nonce known yet), then over the challenge's.
    assert_eq!(creds[0].as_deref(), Some("syncml:auth-md5"), "{creds:?}");
    assert_eq!(creds[1].as_deref(), Some("syncml:auth-md5"), "{creds:?}");
}

#[test]
fn a_server_package_split_with_a_large_object_is_read_whole() {
    let mut w = World::new();
    w.sync();
    w.server.add(&ics("a", "A"));
    let mut big = event("big", "Big");
    big.description = Some("x".repeat(3000));
    w.server.add(&crate::ical::event_to_ics(&big));
    w.server.split_next_package();
    w.sync();
    assert_eq!(w.server.next_message_alerts(), 1);
    w.assert_converged(&["A", "Big"]);
    let (_, phone_big) = w
        .phone
        .events()
        .into_iter()
        .find(|(_, e)| e.uid.as_str() == "big")
        .unwrap();
    assert_eq!(phone_big.description.map(|d| d.len()), Some(3000));
}

#[test]
fn a_status_error_for_an_add_is_reported_and_the_add_goes_again_next_time() {
    let mut w = World::new();
    w.server.add(&ics("a", "A"));
    w.sync();
    w.phone.insert(event("n", "N"));
    w.server.add_status(Some(500));
    let (report, _) = w.sync_once();
    assert!(
        report
            .errors
            .iter()
            .chain(&report.warnings)
            .any(|e| e.contains("status 500")),
        "{report:?}"
    );
    assert_eq!(w.server.items().len(), 1);
    w.server.add_status(None);
    w.sync();
    w.assert_converged(&["A", "N"]);
}

#[test]
fn a_server_failing_on_our_last_package_is_recovered_by_the_next_sync() {
    let mut w = World::new();
    w.server.add(&ics("a", "A"));
    w.sync();
    w.phone.insert(event("n", "N"));
    w.server.add(&ics("s", "S"));
    // Package 1 and 3 go through (the device gets S, the server N); package 5 (our
    // Statuses and the Map) gets a 503.
    w.server.fail_post(3, 503);
    let (report, error) = w.sync_once();
    assert_eq!(
        error.as_ref().map(Error::kind),
        Some(crate::ErrorKind::Unavailable),
        "{error:?} {report:?}"
    );
    let report = w.sync();
    assert_eq!(report.conflicts, 0, "{report:?}");
    w.assert_converged(&["A", "N", "S"]);
}
