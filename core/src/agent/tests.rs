//! The agent below any front end: accounts, the sync lock, interrupt and status from another
//! thread while a sync is inside the device calendar. No server is needed for these: a
//! SyncML account contacts its server only after the device scan.

use super::*;
use crate::device::{DeviceEntry, DeviceOp, DeviceOutcome};
use crate::model::Event;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

/// A device whose `list` tells the test it was reached, then waits for the test's go.
struct BlockingDevice {
    reached: Sender<()>,
    go: Mutex<Receiver<()>>,
}

impl DeviceCalendar for BlockingDevice {
    fn calendar_id(&self) -> Result<String> {
        Ok("blocking".into())
    }
    fn list(&self) -> Result<Vec<DeviceEntry>> {
        let _ = self.reached.send(());
        let _ = lock_mutex(&self.go).recv();
        Ok(Vec::new())
    }
    fn fetch(&self, _ids: &[String]) -> Result<Vec<(DeviceEntry, Event)>> {
        Ok(Vec::new())
    }
    fn apply(&mut self, ops: &[DeviceOp]) -> Result<Vec<DeviceOutcome>> {
        Ok(ops.iter().map(|_| DeviceOutcome::Deleted).collect())
    }
}

fn syncml_account(name: &str) -> NewAccount {
    NewAccount {
        name: name.into(),
        username: "user".into(),
        local: "app:calendar".into(),
        past_days: None,
        // Nothing listens there: the sync fails on the network once past the device scan.
        server: ServerConfig::SyncMl {
            url: "http://127.0.0.1:9/sync".into(),
            server_uri: None,
            device_id: Some("synchro-test".into()),
            format: SyncMlFormat::ICalendar,
            wbxml: false,
            auth: SyncMlAuth::Md5,
        },
        settings: AccountSettings::default(),
    }
}

fn agent_in(dir: &tempfile::TempDir) -> Arc<SyncAgent> {
    let mut agent = SyncAgent::open(&dir.path().join("s.db")).unwrap();
    agent.set_lock_wait(Duration::from_millis(200));
    Arc::new(agent)
}

/// Starts a sync of `name` on another thread with a device that blocks in `list`; returns
/// when the sync is inside the device, with the handle, and the sender that releases it.
fn blocked_sync(
    agent: &Arc<SyncAgent>,
    name: &str,
) -> (
    std::thread::JoinHandle<Result<SyncReport, SyncFailure>>,
    Sender<()>,
) {
    let (reached_tx, reached) = channel();
    let (go, go_rx) = channel();
    let (agent2, name) = (agent.clone(), name.to_string());
    let handle = std::thread::spawn(move || {
        let mut device = BlockingDevice {
            reached: reached_tx,
            go: Mutex::new(go_rx),
        };
        agent2.sync(&name, "pw", &mut device, &SyncOptions::default(), None)
    });
    reached
        .recv_timeout(Duration::from_secs(10))
        .expect("the sync reaches the device");
    (handle, go)
}

#[test]
fn the_agent_is_shareable_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<SyncAgent>();
}

#[test]
fn accounts_are_added_listed_changed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent_in(&dir);
    let info = agent.add_account(&syncml_account("phone"), "").unwrap();
    assert_eq!(info.protocol, Protocol::SyncMl);
    assert_eq!(info.device_id.as_deref(), Some("synchro-test"));
    assert_eq!(
        info.calendar_url.as_deref(),
        Some("http://127.0.0.1:9/sync#calendar")
    );
    assert!(matches!(
        agent.add_account(&syncml_account("phone"), ""),
        Err(Error::Config(_))
    ));
    assert_eq!(agent.list_accounts().unwrap().len(), 1);

    let device = BlockingDevice {
        reached: channel().0,
        go: Mutex::new(channel().1),
    };
    let mut update = AccountUpdate {
        past_days: info.past_days,
        settings: info.settings.clone(),
    };
    assert_eq!(
        agent.update_account("phone", &update, &device).unwrap(),
        None
    );
    update.settings.max_delete_count = 3;
    update.past_days = Some(30);
    // The snapshot before the change reads the device: an empty calendar here. A device that
    // blocks would hang, so this one is released at once.
    let (tx, rx) = channel();
    drop(tx);
    let device = BlockingDevice {
        reached: channel().0,
        go: Mutex::new(rx),
    };
    let backup = agent.update_account("phone", &update, &device).unwrap();
    let backups = agent.backups(Some("phone")).unwrap();
    assert_eq!(Some(backups[0].id), backup);
    assert_eq!(backups[0].reason, BackupReason::SettingsChange);
    let info = agent.account("phone").unwrap();
    assert_eq!(info.settings.max_delete_count, 3);
    assert_eq!(info.past_days, Some(30));

    agent.remove_account("phone").unwrap();
    assert!(agent.list_accounts().unwrap().is_empty());
    assert!(agent.backups(None).unwrap().is_empty());
    assert!(matches!(agent.account("phone"), Err(Error::Config(_))));
}

#[test]
fn status_and_history_answer_while_a_sync_runs() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent_in(&dir);
    agent.add_account(&syncml_account("phone"), "").unwrap();
    let (handle, go) = blocked_sync(&agent, "phone");

    // The sync holds its connection and the lock; these go through the other connection.
    let status = agent.status(Some("phone")).unwrap();
    assert!(status[0].syncing);
    assert_eq!(status[0].last_status, None);
    assert!(agent.history(None, 10).unwrap().is_empty());
    assert_eq!(agent.running().as_deref(), Some("phone"));

    go.send(()).unwrap();
    let failure = handle.join().unwrap().unwrap_err();
    assert_eq!(failure.error.kind(), crate::ErrorKind::Unavailable);
    let status = agent.status(Some("phone")).unwrap();
    assert!(!status[0].syncing);
    assert_eq!(status[0].last_status, Some(SyncStatus::Error));
    let history = agent.history(Some("phone"), 10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, SyncStatus::Error);
}

#[test]
fn a_second_sync_of_the_store_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent_in(&dir);
    agent.add_account(&syncml_account("a"), "").unwrap();
    agent.add_account(&syncml_account("b"), "").unwrap();
    let (handle, go) = blocked_sync(&agent, "a");
    let (tx, rx) = channel();
    drop(tx);
    let mut device = BlockingDevice {
        reached: channel().0,
        go: Mutex::new(rx),
    };
    let second = agent
        .sync("b", "pw", &mut device, &SyncOptions::default(), None)
        .unwrap_err();
    assert!(matches!(second.error, Error::Busy), "{second}");
    // A second agent on the same store (another process, say) is kept out too.
    let mut other = SyncAgent::open(&dir.path().join("s.db")).unwrap();
    other.set_lock_wait(Duration::ZERO);
    assert!(matches!(
        other.create_backup("b", "", &device),
        Err(Error::Busy)
    ));
    go.send(()).unwrap();
    handle.join().unwrap().unwrap_err();
}

#[test]
fn interrupt_from_another_thread_stops_the_sync() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent_in(&dir);
    agent.add_account(&syncml_account("phone"), "").unwrap();
    let (handle, go) = blocked_sync(&agent, "phone");
    agent.interrupt();
    go.send(()).unwrap();
    let failure = handle.join().unwrap().unwrap_err();
    assert!(matches!(failure.error, Error::Interrupted), "{failure}");
    assert_eq!(failure.report.status, SyncStatus::Error);
    // The next sync is not interrupted by the old request.
    let (handle, go) = blocked_sync(&agent, "phone");
    go.send(()).unwrap();
    let failure = handle.join().unwrap().unwrap_err();
    assert_eq!(failure.error.kind(), crate::ErrorKind::Unavailable);
}

#[test]
fn unknown_accounts_and_modes_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent_in(&dir);
    let (tx, rx) = channel();
    drop(tx);
    let mut device = BlockingDevice {
        reached: channel().0,
        go: Mutex::new(rx),
    };
    let e = agent
        .sync("nobody", "", &mut device, &SyncOptions::default(), None)
        .unwrap_err();
    assert!(matches!(e.error, Error::Config(_)));
    assert_eq!(e.report.account, "nobody");
    assert!(agent.status(Some("nobody")).is_err());
}
