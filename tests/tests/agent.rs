//! The `SyncAgent` façade driven directly (no CLI) against a real Radicale on 127.0.0.1,
//! with an in-memory device calendar: what an app does through the bindings.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use synchro_core::agent::{
    AccountSettings, NewAccount, Progress, ServerConfig, SyncFailure, SyncOptions, SyncStatus,
};
use synchro_core::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use synchro_core::model::{Event, Side};
use synchro_core::sync::{ChangeAction, ChangeReason, HoldReason};
use synchro_core::testing::MemoryDevice;
use synchro_core::{Error, ErrorKind, SyncAgent};
use synchro_tests::calendar::{simple, with_summary};
use synchro_tests::{Peer, Server};

struct Setup {
    server: Server,
    agent: Arc<SyncAgent>,
    _dir: tempfile::TempDir,
}

fn setup(settings: AccountSettings) -> Setup {
    let server = Server::start(Peer::RadicalePypi);
    let dir = tempfile::tempdir().unwrap();
    let agent = Arc::new(SyncAgent::open(&dir.path().join("synchro.db")).unwrap());
    let info = agent
        .add_account(
            &NewAccount {
                name: "t".into(),
                username: server.username.clone(),
                local: "memory".into(),
                past_days: None,
                server: ServerConfig::CalDav {
                    url: server.base_url.clone(),
                    calendar: Some(server.calendar_url.clone()),
                },
                settings,
            },
            &server.password,
        )
        .unwrap();
    assert_eq!(
        info.calendar_url.as_deref(),
        Some(server.calendar_url.as_str())
    );
    Setup {
        server,
        agent,
        _dir: dir,
    }
}

impl Setup {
    fn sync(
        &self,
        device: &mut dyn DeviceCalendar,
    ) -> Result<synchro_core::agent::SyncReport, SyncFailure> {
        self.agent.sync(
            "t",
            &self.server.password,
            device,
            &SyncOptions::default(),
            None,
        )
    }
}

fn summaries(device: &MemoryDevice) -> Vec<String> {
    let mut out: Vec<String> = device
        .events()
        .into_iter()
        .filter_map(|(_, e)| e.summary)
        .collect();
    out.sort();
    out
}

fn put_events(server: &Server, n: usize) {
    for i in 0..n {
        server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), &format!("Event {i}"), "20251005T090000Z"),
        );
    }
}

/// First sync brings the server's events down; an edit and a deletion on each side then
/// propagate; a sync with nothing to do changes nothing.
#[test]
fn first_sync_then_edits_and_deletions_both_ways() {
    let s = setup(AccountSettings::default());
    put_events(&s.server, 4);
    let mut device = MemoryDevice::new();
    let r = s.sync(&mut device).unwrap();
    assert_eq!(r.status, SyncStatus::Ok);
    assert_eq!(r.device.added, 4, "{r:?}");
    assert_eq!(
        summaries(&device),
        ["Event 0", "Event 1", "Event 2", "Event 3"]
    );

    // The device edits e0 and deletes e1; the server edits e2 and deletes e3.
    let id0 = device.id_of("e0").unwrap();
    let mut e0 = device
        .events()
        .into_iter()
        .find(|(id, _)| *id == id0)
        .unwrap()
        .1;
    e0.summary = Some("Edited on the phone".into());
    assert!(device.edit(&id0, e0));
    assert!(device.remove(&device.id_of("e1").unwrap()));
    let e2 = s.server.get_ics("e2.ics").unwrap();
    s.server
        .put_ics("e2.ics", &with_summary(&e2, "Edited on the server"));
    assert!((200..300).contains(&s.server.delete("e3.ics")));

    let r = s.sync(&mut device).unwrap();
    assert_eq!((r.server.updated, r.server.deleted), (1, 1), "{r:?}");
    assert_eq!((r.device.updated, r.device.deleted), (1, 1), "{r:?}");
    assert_eq!(
        summaries(&device),
        ["Edited on the phone", "Edited on the server"]
    );
    assert!(s
        .server
        .get_ics("e0.ics")
        .unwrap()
        .contains("Edited on the phone"));
    assert!(s.server.get_ics("e1.ics").is_none());

    let r = s.sync(&mut device).unwrap();
    assert_eq!(r.device.total() + r.server.total(), 0, "{r:?}");
    let history = s.agent.history(Some("t"), 10).unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|h| h.status == SyncStatus::Ok));
}

/// A mass deletion on the device is held back with its typed reason and plan; nothing is
/// applied until the same sync is confirmed.
#[test]
fn a_mass_deletion_needs_confirmation_with_its_plan() {
    let s = setup(AccountSettings::default());
    put_events(&s.server, 20);
    let mut device = MemoryDevice::new();
    s.sync(&mut device).unwrap();
    for i in 0..15 {
        assert!(device.remove(&device.id_of(&format!("e{i}")).unwrap()));
    }
    let failure = s.sync(&mut device).unwrap_err();
    assert_eq!(failure.error.kind(), ErrorKind::NeedsConfirmation);
    let reason = HoldReason::MassDeletion {
        side: Side::Server,
        deletions: 15,
        known: 20,
        max_percent: 30,
        max_count: 10,
    };
    assert!(matches!(&failure.error, Error::NeedsConfirmation(r) if *r == reason));
    assert_eq!(failure.report.hold, Some(reason));
    assert_eq!(failure.report.status, SyncStatus::NeedsConfirmation);
    let plan = failure.report.plan.as_ref().unwrap();
    assert_eq!(plan.len(), 15);
    assert!(plan.iter().all(|c| c.side == Side::Server
        && c.action == ChangeAction::Delete
        && c.reason == ChangeReason::DeletedOnDevice
        && c.summary.as_deref() == Some(&format!("Event {}", &c.uid[1..])[..])));
    assert_eq!(s.server.list().len(), 20, "nothing may be applied");

    let confirmed = SyncOptions {
        confirmed: true,
        ..SyncOptions::default()
    };
    let r = s
        .agent
        .sync("t", &s.server.password, &mut device, &confirmed, None)
        .unwrap();
    assert_eq!(r.server.deleted, 15);
    assert_eq!(s.server.list().len(), 5);
}

/// Interrupts the agent from the test thread at the first progress step of the download.
struct InterruptAtFirstStep {
    tx: Mutex<Option<Sender<()>>>,
}

impl Progress for InterruptAtFirstStep {
    fn phase(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {
        if let Some(tx) = self.tx.lock().unwrap().take() {
            let _ = tx.send(());
            // Give the other thread time to interrupt before the next item.
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// `interrupt()` from another thread stops a long sync; the next sync converges without a
/// duplicate or a loss.
#[test]
fn an_interrupted_sync_converges_at_the_next() {
    let s = setup(AccountSettings {
        multiget_batch: 5,
        ..AccountSettings::default()
    });
    put_events(&s.server, 60);
    let (tx, rx) = channel();
    let (agent, password) = (s.agent.clone(), s.server.password.clone());
    let device = MemoryDevice::new();
    let mut worker_device = device.clone();
    let worker = std::thread::spawn(move || {
        let progress = InterruptAtFirstStep {
            tx: Mutex::new(Some(tx)),
        };
        agent.sync(
            "t",
            &password,
            &mut worker_device,
            &SyncOptions::default(),
            Some(&progress),
        )
    });
    rx.recv_timeout(Duration::from_secs(60)).unwrap();
    s.agent.interrupt();
    let failure = worker.join().unwrap().unwrap_err();
    assert!(matches!(failure.error, Error::Interrupted), "{failure}");
    assert!(device.events().len() < 60, "the sync went to its end");

    let mut device = device;
    let r = s.sync(&mut device).unwrap();
    assert_eq!(r.status, SyncStatus::Ok);
    assert_eq!(device.events().len(), 60);
    let mut uids: Vec<String> = device
        .events()
        .into_iter()
        .map(|(_, e)| e.uid.to_string())
        .collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 60, "no duplicates");
    assert_eq!(s.server.list().len(), 60);
}

/// A wrong password is an authentication error, at discovery and at sync; nothing changes.
#[test]
fn a_wrong_password_is_an_auth_error() {
    let s = setup(AccountSettings::default());
    let e = s
        .agent
        .discover_calendars(&s.server.base_url, &s.server.username, "wrong")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    let mut device = MemoryDevice::new();
    let failure = s
        .agent
        .sync("t", "wrong", &mut device, &SyncOptions::default(), None)
        .unwrap_err();
    assert_eq!(failure.error.kind(), ErrorKind::Auth);
    assert_eq!(failure.report.status, SyncStatus::Error);
    let status = s.agent.status(Some("t")).unwrap();
    assert_eq!(status[0].last_status, Some(SyncStatus::Error));
    assert_eq!(status[0].last_success_at, None);
}

/// A device calendar that blocks in `list` until the test lets it go.
struct HeldDevice {
    inner: MemoryDevice,
    reached: Sender<()>,
    go: Mutex<Receiver<()>>,
}

impl DeviceCalendar for HeldDevice {
    fn calendar_id(&self) -> synchro_core::Result<String> {
        self.inner.calendar_id()
    }
    fn list(&self) -> synchro_core::Result<Vec<DeviceEntry>> {
        let _ = self.reached.send(());
        let _ = self.go.lock().unwrap().recv();
        self.inner.list()
    }
    fn fetch(&self, ids: &[String]) -> synchro_core::Result<Vec<(DeviceEntry, Event)>> {
        self.inner.fetch(ids)
    }
    fn apply(&mut self, ops: &[DeviceOp]) -> synchro_core::Result<Vec<DeviceOutcome>> {
        self.inner.apply(ops)
    }
}

/// `status()` and `history()` answer while a sync runs on another thread.
#[test]
fn status_answers_during_a_sync() {
    let s = setup(AccountSettings::default());
    put_events(&s.server, 3);
    let mut device = MemoryDevice::new();
    s.sync(&mut device).unwrap();

    let (reached_tx, reached) = channel();
    let (go, go_rx) = channel();
    let (agent, password) = (s.agent.clone(), s.server.password.clone());
    let mut held = HeldDevice {
        inner: device.clone(),
        reached: reached_tx,
        go: Mutex::new(go_rx),
    };
    let worker = std::thread::spawn(move || {
        agent.sync("t", &password, &mut held, &SyncOptions::default(), None)
    });
    reached.recv_timeout(Duration::from_secs(30)).unwrap();
    let status = s.agent.status(Some("t")).unwrap();
    assert!(status[0].syncing);
    assert_eq!(status[0].items, 3);
    assert_eq!(status[0].last_status, Some(SyncStatus::Ok));
    assert_eq!(s.agent.history(Some("t"), 10).unwrap().len(), 1);
    go.send(()).unwrap();
    worker.join().unwrap().unwrap();
    assert!(!s.agent.status(Some("t")).unwrap()[0].syncing);
    assert_eq!(s.agent.history(Some("t"), 10).unwrap().len(), 2);
}
