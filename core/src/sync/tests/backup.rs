//! Backups and restore below the agent: a device restored from the first-sync snapshot,
//! a dry run changing nothing, a server side restored through `ServerCalendar`.

use super::fake_caldav::FakeCalDav;
use super::{ics, ics_summaries, set, store_with_account, summaries};
use crate::backup::restore::{restore, RestoreOptions};
use crate::model::Side;
use crate::store::BackupReason;
use crate::sync::caldav::{client_for, sync_caldav, CalDavServer};
use crate::sync::SyncContext;
use crate::testing::conformance::event;
use crate::testing::MemoryDevice;

#[test]
fn the_device_comes_back_from_the_first_sync_backup_and_a_dry_run_changes_nothing() {
    let server = FakeCalDav::start();
    let (mut store, account) = store_with_account(server.base(), &server.calendar_url());
    let phone = MemoryDevice::new();
    phone.insert(event("a", "A"));
    phone.insert(event("b", "B"));
    let (_, error) = sync_caldav(
        &mut store,
        &account,
        "pw",
        &mut phone.clone(),
        &SyncContext::default(),
    );
    assert!(error.is_none());
    let first = store.read().backups(Some(account.id)).unwrap();
    let first = first
        .iter()
        .find(|b| b.reason == BackupReason::FirstSync)
        .expect("a first-sync backup");
    // The user wipes the phone's calendar by mistake.
    for (id, _) in phone.events() {
        phone.remove(&id);
    }
    let how = |dry_run| RestoreOptions {
        side: Side::Device,
        remove_added: false,
        dry_run,
    };
    let dry = restore(
        &mut store,
        &account,
        None,
        &mut phone.clone(),
        first.id,
        how(true),
    )
    .unwrap();
    assert!(phone.events().is_empty(), "{dry:?}");
    restore(
        &mut store,
        &account,
        None,
        &mut phone.clone(),
        first.id,
        how(false),
    )
    .unwrap();
    let events: Vec<_> = phone.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(summaries(&events), set(&["A", "B"]));
    // The restore took a snapshot of what it replaced first.
    let all = store.read().backups(Some(account.id)).unwrap();
    assert!(all.iter().any(|b| b.reason == BackupReason::BeforeRestore));
}

#[test]
fn the_server_side_is_restored_through_its_server_calendar() {
    let server = FakeCalDav::start();
    let (mut store, account) = store_with_account(server.base(), &server.calendar_url());
    server.put("a.ics", &ics("a", "A"));
    server.put("b.ics", &ics("b", "B"));
    let phone = MemoryDevice::new();
    let (_, error) = sync_caldav(
        &mut store,
        &account,
        "pw",
        &mut phone.clone(),
        &SyncContext::default(),
    );
    assert!(error.is_none());
    let id = store.read().backups(Some(account.id)).unwrap()[0].id;
    // Another client breaks the server calendar.
    server.remove("a.ics");
    server.put("b.ics", &ics("b", "B broken"));
    server.put("c.ics", &ics("c", "C"));
    let mut client = client_for(&account, "pw").unwrap();
    let url = server.calendar_url();
    let mut cal = CalDavServer::new(&mut client, &url);
    let how = RestoreOptions {
        side: Side::Server,
        remove_added: true,
        dry_run: false,
    };
    restore(
        &mut store,
        &account,
        Some(&mut cal),
        &mut phone.clone(),
        id,
        how,
    )
    .unwrap();
    assert_eq!(ics_summaries(&server.items()), set(&["A", "B"]));
}
