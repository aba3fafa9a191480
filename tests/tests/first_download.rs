//! The first download of a CalDAV calendar against a real Radicale: the marker first, then
//! every event with its data in one calendar-query (no multiget); the syncs after it ask
//! for the changes since that marker straight away (one request when nothing changed); a
//! server refusing that query still gives a complete first sync by listing and multiget;
//! an event changed on the server between the marker and the query comes right at the
//! next sync.

use std::time::{Duration, Instant};
use synchro_tests::calendar::{simple, vdir_files, vdir_find, with_summary};
use synchro_tests::proxy::Fault;
use synchro_tests::ProxiedVdir;

const EVENTS: usize = 30;

/// A proxied Radicale holding `EVENTS` events put by another client.
fn seeded() -> ProxiedVdir {
    let world = ProxiedVdir::start(&[]);
    for i in 0..EVENTS {
        let start = format!("202603{:02}T090000Z", 1 + i % 28);
        world.server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), &format!("Event {i}"), &start),
        );
    }
    world
}

/// The REPORT bodies the proxy saw, in order.
fn reports(world: &ProxiedVdir) -> Vec<String> {
    world
        .proxy
        .requests()
        .iter()
        .zip(world.proxy.request_bodies())
        .filter(|(m, _)| *m == "REPORT")
        .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

/// Every seeded event is on the phone with its summary.
fn assert_every_event_on_the_phone(world: &ProxiedVdir) {
    for i in 0..EVENTS {
        let (_, text) = vdir_find(&world.vdir, &format!("e{i}")).expect("on the device");
        assert!(text.contains(&format!("SUMMARY:Event {i}")), "{text}");
    }
}

/// The account's backups, newest first.
fn backups(world: &ProxiedVdir) -> Vec<serde_json::Value> {
    let list = world
        .cli
        .run(&["backup", "list", ProxiedVdir::ACCOUNT, "--json"]);
    list.expect_ok();
    list.json()
}

fn sync(world: &ProxiedVdir) -> serde_json::Value {
    let out = world.cli.run(&["sync", ProxiedVdir::ACCOUNT, "--json"]);
    out.expect_ok();
    out.json_one()
}

#[test]
fn first_sync_is_one_calendar_query_with_the_data() {
    let world = seeded();
    world.proxy.reset_count();
    let report = sync(&world);
    assert_eq!(vdir_files(&world.vdir).len(), EVENTS);
    assert_eq!(report["device"]["added"], EVENTS as u64, "{report}");
    let methods = world.proxy.requests();
    let bodies = world.proxy.request_bodies();
    let reports = reports(&world);
    assert_eq!(reports.len(), 1, "{methods:?}");
    assert!(reports[0].contains("calendar-query") && reports[0].contains("calendar-data"));
    assert!(bodies
        .iter()
        .all(|b| !String::from_utf8_lossy(b).contains("calendar-multiget")));
    // The marker was read first, and only the one the calendar is synced by.
    let first_report = methods.iter().position(|m| m == "REPORT").unwrap();
    let propfinds: Vec<String> = methods[..first_report]
        .iter()
        .zip(&bodies)
        .filter(|(m, _)| *m == "PROPFIND")
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert_eq!(propfinds.len(), 1, "{methods:?}");
    assert!(propfinds[0].contains("sync-token") && !propfinds[0].contains("getctag"));
    assert_eq!(methods.len(), 2, "{methods:?}");

    // The token taken first is good: the next sync is one request, the changes since that
    // token (none), and changes nothing.
    world.proxy.reset_count();
    let again = sync(&world);
    assert_eq!(world.proxy.requests(), ["REPORT"]);
    let quiet = crate::reports(&world);
    assert!(
        quiet[0].contains("sync-collection") && quiet[0].contains("radicale.org/ns/sync/"),
        "{quiet:?}"
    );
    assert_eq!(again["device"]["added"], 0, "{again}");

    // One event changed on the server: its changes, then its data; no marker asked first.
    world
        .server
        .put_ics("e5.ics", &simple("e5", "Event 5 moved", "20260306T090000Z"));
    world.proxy.reset_count();
    let changed = sync(&world);
    assert_eq!(changed["device"]["updated"], 1, "{changed}");
    assert_eq!(world.proxy.requests(), ["REPORT", "REPORT"]);
    let asked = crate::reports(&world);
    assert!(asked[0].contains("sync-collection") && asked[1].contains("calendar-multiget"));
    let (_, on_phone) = vdir_find(&world.vdir, "e5").unwrap();
    assert!(on_phone.contains("SUMMARY:Event 5 moved"), "{on_phone}");
}

/// A server that refuses the changes since the token with a status that does not say the
/// token is stale (sync-collection no longer offered: 405, 501) is asked for the marker
/// instead, and a quiet calendar stays a quiet sync.
#[test]
fn a_refused_change_list_falls_back_to_the_marker() {
    let world = seeded();
    sync(&world);
    for status in [405, 501] {
        world.proxy.set(Fault::RefuseReportWith(
            vec!["sync-collection".into()],
            status,
        ));
        world.proxy.reset_count();
        let quiet = sync(&world);
        assert_eq!(
            world.proxy.requests(),
            ["REPORT", "PROPFIND"],
            "HTTP {status}"
        );
        assert_eq!(quiet["device"]["added"], 0, "{quiet}");
        assert_eq!(quiet["device"]["updated"], 0, "{quiet}");
    }
    world.proxy.set(Fault::None);
    world.proxy.reset_count();
    sync(&world);
    assert_eq!(world.proxy.requests(), ["REPORT"]);
    assert_every_event_on_the_phone(&world);
}

#[test]
fn a_refused_calendar_query_falls_back_to_listing_and_multiget() {
    for status in [500, 403] {
        let world = seeded();
        world.proxy.set(Fault::RefuseReportWith(
            vec!["calendar-query".into(), "calendar-data".into()],
            status,
        ));
        world.proxy.reset_count();
        let report = sync(&world);
        assert_eq!(vdir_files(&world.vdir).len(), EVENTS, "HTTP {status}");
        assert_eq!(report["device"]["added"], EVENTS as u64, "{report}");
        assert!(
            report["errors"].as_array().is_none_or(|e| e.is_empty()),
            "{report}"
        );
        let reports = reports(&world);
        assert!(
            reports[0].contains("calendar-data"),
            "the bulk query came first"
        );
        assert!(
            reports.iter().any(|r| r.contains("sync-collection")),
            "{reports:?}"
        );
        assert!(reports.iter().any(|r| r.contains("calendar-multiget")));
        // The marks saved are good: nothing to do next time, in one request.
        world.proxy.set(Fault::None);
        world.proxy.reset_count();
        let again = sync(&world);
        assert_eq!(world.proxy.requests(), ["REPORT"], "HTTP {status}");
        assert_eq!(again["device"]["added"], 0);
    }
}

#[test]
fn a_change_between_the_marker_and_the_query_is_right_at_the_next_sync() {
    let world = seeded();
    // The calendar-query is held back a while; another client edits an event meanwhile.
    world.proxy.set(Fault::Delay("REPORT".into(), 1500));
    world.proxy.reset_count();
    let edited = with_summary(
        &simple("e7", "Event 7", "20260308T090000Z"),
        "Moved lecture",
    );
    std::thread::scope(|scope| {
        let first = scope.spawn(|| sync(&world));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !world.proxy.requests().iter().any(|m| m == "REPORT") {
            assert!(Instant::now() < deadline, "no REPORT came");
            std::thread::sleep(Duration::from_millis(10));
        }
        world.server.put_ics("e7.ics", &edited);
        let report = first.join().unwrap();
        assert_eq!(report["device"]["added"], EVENTS as u64, "{report}");
    });
    world.proxy.set(Fault::None);
    let (_, text) = vdir_find(&world.vdir, "e7").unwrap();
    assert!(text.contains("SUMMARY:Moved lecture"));
    // The sync-token is older than the data: the next sync sees the edit again, with the
    // etag it already has, and writes nothing.
    world.proxy.reset_count();
    let second = sync(&world);
    assert_eq!(second["device"]["updated"], 0, "{second}");
    assert_eq!(second["server"]["updated"], 0, "{second}");
    assert!(reports(&world)
        .iter()
        .any(|r| r.contains("sync-collection")));
    let (_, text) = vdir_find(&world.vdir, "e7").unwrap();
    assert!(text.contains("SUMMARY:Moved lecture"));
    assert_eq!(vdir_files(&world.vdir).len(), EVENTS);
    // An edit after the first sync's marker and query arrives as any change does.
    world
        .server
        .put_ics("e7.ics", &with_summary(&edited, "Lecture cancelled"));
    let third = sync(&world);
    assert_eq!(third["device"]["updated"], 1, "{third}");
    let (_, text) = vdir_find(&world.vdir, "e7").unwrap();
    assert!(text.contains("SUMMARY:Lecture cancelled"));
}

/// Into an empty phone calendar, the first download is written as it arrives: every event
/// on the device, the store's copies whole, the first-sync backup holding every server event.
#[test]
fn a_first_download_into_an_empty_calendar_is_written_as_it_arrives() {
    let world = seeded();
    let out = world
        .cli
        .run(&["sync", ProxiedVdir::ACCOUNT, "--json", "-v"]);
    out.expect_ok();
    assert!(
        out.stderr.contains(&format!(
            "first download: {EVENTS} events written to the device as they arrived"
        )),
        "{}",
        out.stderr
    );
    let report = out.json_one();
    assert_eq!(report["device"]["added"], EVENTS as u64, "{report}");
    assert_eq!(vdir_files(&world.vdir).len(), EVENTS);
    assert_every_event_on_the_phone(&world);
    let list = backups(&world);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["reason"], "first-sync", "{list:?}");
    assert_eq!(list[0]["server_items"], EVENTS as u64, "{list:?}");
    assert_eq!(list[0]["device_items"], 0, "{list:?}");
    // The store knows every event: the next sync is one request and changes nothing, and an
    // event the phone edits goes to the server.
    world.proxy.reset_count();
    let again = sync(&world);
    assert_eq!(world.proxy.requests(), ["REPORT"]);
    assert_eq!(again["device"]["added"], 0, "{again}");
    let (name, text) = vdir_find(&world.vdir, "e3").unwrap();
    std::fs::write(
        world.vdir.join(name),
        text.replace("SUMMARY:Event 3", "SUMMARY:Event 3 moved"),
    )
    .unwrap();
    let edited = sync(&world);
    assert_eq!(edited["server"]["updated"], 1, "{edited}");
    assert_eq!(edited["server"]["added"], 0, "{edited}");
}

/// With no memory for downloaded texts (`--download-memory 0`), every event waits in the
/// spill file beside the store: the device, the store's copies and the first-sync backup come
/// out as with everything in memory, and nothing is left beside the store. (The phone holds
/// an event of its own, so the download is planned whole before it is written.)
#[test]
fn a_download_set_aside_on_disk_gives_the_same_first_sync() {
    let world = seeded();
    std::fs::write(
        world.vdir.join("mine.ics"),
        simple("mine", "The phone's own", "20260401T090000Z"),
    )
    .unwrap();
    let store_dir = world.cli.dir().to_path_buf();
    let before: Vec<_> = std::fs::read_dir(&store_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let out = world.cli.run(&[
        "sync",
        ProxiedVdir::ACCOUNT,
        "--json",
        "--download-memory",
        "0",
        "-v",
    ]);
    out.expect_ok();
    assert!(
        out.stderr
            .contains("of downloaded events set aside on disk"),
        "{}",
        out.stderr
    );
    let report = out.json_one();
    assert_eq!(report["device"]["added"], EVENTS as u64, "{report}");
    assert_eq!(report["server"]["added"], 1, "{report}");
    assert_every_event_on_the_phone(&world);
    // The backup of the first sync holds every server event.
    let list = backups(&world);
    assert_eq!(list[0]["reason"], "first-sync", "{list:?}");
    assert_eq!(list[0]["server_items"], EVENTS as u64, "{list:?}");
    let file = store_dir.join("first.ics");
    let id = list[0]["id"].to_string();
    world
        .cli
        .run(&["backup", "export", &id, file.to_str().unwrap()])
        .expect_ok();
    let exported = std::fs::read_to_string(&file).unwrap();
    for i in 0..EVENTS {
        assert!(exported.contains(&format!("SUMMARY:Event {i}\r\n")), "e{i}");
    }
    std::fs::remove_file(&file).unwrap();
    // No temporary file is left beside the store (its WAL files aside).
    let after: Vec<_> = std::fs::read_dir(&store_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !before.contains(n))
        .filter(|n| !n.to_string_lossy().contains(".db"))
        .collect();
    assert!(after.is_empty(), "{after:?}");
    // The stored server copies are whole: the next sync changes nothing (it sees the phone's
    // upload come back once), and the one after is one request.
    let again = sync(&world);
    assert_eq!(again["device"]["added"], 0, "{again}");
    assert_eq!(again["device"]["updated"], 0, "{again}");
    world.proxy.reset_count();
    let quiet = sync(&world);
    assert_eq!(world.proxy.requests(), ["REPORT"]);
    assert_eq!(quiet["device"]["added"], 0, "{quiet}");
}
