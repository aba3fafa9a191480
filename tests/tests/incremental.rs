//! The `synchro` CLI against Radicale: a sync of a calendar where one event of many changed
//! reads only that event's stored copy, a sync after a file was touched without a
//! change does nothing, device changes after quiet syncs (which compare the listing's
//! digest alone) still go to the server, and the folder scan takes only plain `.ics` files
//! for events.

use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use synchro_tests::calendar::{simple, vdir_files, vdir_find, with_summary};
use synchro_tests::{Cli, Peer, Server};

/// Events in the calendar: enough that reading every stored copy would show.
const EVENTS: usize = 30;

struct Setup {
    server: Server,
    cli: Cli,
    vdir: PathBuf,
}

fn setup() -> Setup {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let vdir = cli.add_vdir_account(
        "t",
        &server.base_url,
        &server.username,
        &server.calendar_url,
        &[],
    );
    for i in 0..EVENTS {
        let start = format!("202510{:02}T090000Z", i % 28 + 1);
        server.put_ics(&format!("e{i}.ics"), &simple(&format!("e{i}"), "E", &start));
    }
    let s = Setup { server, cli, vdir };
    let first = s.sync();
    assert_eq!(first["device"]["added"], EVENTS as u64, "{first}");
    s
}

impl Setup {
    fn sync(&self) -> Value {
        let out = self.cli.run(&["sync", "t", "--json"]);
        out.expect_ok();
        out.json_one()
    }
}

fn nothing_done(r: &Value) {
    for side in ["device", "server"] {
        for count in ["added", "updated", "deleted"] {
            assert_eq!(r[side][count], 0, "{side} {count}: {r}");
        }
    }
}

fn bodies_read(r: &Value) -> u64 {
    r.get("stored_bodies_read")
        .map(|n| n.as_u64().unwrap())
        .unwrap_or(0)
}

/// One event edited on the server among many: the device gets it, and the sync reads the
/// stored copy of that event only (not one per event of the calendar).
#[test]
fn one_server_change_reads_only_its_stored_copy() {
    let s = setup();
    let idle = s.sync();
    nothing_done(&idle);
    assert_eq!(idle["requests"], 1, "{idle}");
    assert_eq!(bodies_read(&idle), 0, "{idle}");

    let ics = s.server.get_ics("e7.ics").unwrap();
    s.server
        .put_ics("e7.ics", &with_summary(&ics, "Moved to room 12"));
    let r = s.sync();
    assert_eq!(r["device"]["updated"], 1, "{r}");
    assert_eq!(r["server"]["updated"], 0, "{r}");
    assert_eq!(bodies_read(&r), 1, "{r}");
    let (_, local) = vdir_find(&s.vdir, "e7").unwrap();
    assert!(local.contains("SUMMARY:Moved to room 12"), "{local}");
    // The others were left as they were.
    let unchanged = vdir_files(&s.vdir)
        .iter()
        .filter(|(_, text)| text.contains("SUMMARY:E\r\n"))
        .count();
    assert_eq!(unchanged, EVENTS - 1);

    // One deleted on the server: removed from the device; its stored copy is read for the
    // backup of what the device loses.
    s.server.delete("e3.ics");
    let r = s.sync();
    assert_eq!(r["device"]["deleted"], 1, "{r}");
    assert_eq!(bodies_read(&r), 1, "{r}");
    assert!(vdir_find(&s.vdir, "e3").is_none());
    assert_eq!(vdir_files(&s.vdir).len(), EVENTS - 1);

    // A new event on the server: nothing stored is read.
    s.server
        .put_ics("n.ics", &simple("n", "New", "20251101T090000Z"));
    let r = s.sync();
    assert_eq!(r["device"]["added"], 1, "{r}");
    assert_eq!(bodies_read(&r), 0, "{r}");

    let idle = s.sync();
    nothing_done(&idle);
    assert_eq!(idle["requests"], 1, "{idle}");
}

/// One event edited on the device among many: its stored server copy (the edit is merged
/// into it) is the only one read.
#[test]
fn one_device_change_reads_only_its_stored_copy() {
    let s = setup();
    let (file, text) = vdir_find(&s.vdir, "e5").unwrap();
    fs::write(s.vdir.join(&file), with_summary(&text, "Edited here")).unwrap();
    let r = s.sync();
    assert_eq!(r["server"]["updated"], 1, "{r}");
    assert_eq!(bodies_read(&r), 1, "{r}");
    assert!(s
        .server
        .get_ics("e5.ics")
        .unwrap()
        .contains("SUMMARY:Edited here"));
}

/// Quiet syncs keep the digest of the folder's listing, and the next quiet sync reads no
/// row of the store; an edit in place after them (the same files, one new version), then a
/// removal and a new file, still reach the server.
#[test]
fn device_changes_after_quiet_syncs_reach_the_server() {
    let s = setup();
    // Two syncs with nothing to do (the first after our own write may read it back).
    let quiet = || {
        nothing_done(&s.sync());
        let r = s.sync();
        nothing_done(&r);
        assert_eq!(r["requests"], 1, "{r}");
    };
    quiet();
    let (file, text) = vdir_find(&s.vdir, "e5").unwrap();
    fs::write(
        s.vdir.join(&file),
        with_summary(&text, "Edited after quiet syncs"),
    )
    .unwrap();
    let r = s.sync();
    assert_eq!(r["server"]["updated"], 1, "{r}");
    assert!(s
        .server
        .get_ics("e5.ics")
        .unwrap()
        .contains("SUMMARY:Edited after quiet syncs"));
    quiet();
    let (gone, _) = vdir_find(&s.vdir, "e6").unwrap();
    fs::remove_file(s.vdir.join(gone)).unwrap();
    fs::write(
        s.vdir.join("new.ics"),
        simple("new-after-quiet", "New", "20251020T090000Z"),
    )
    .unwrap();
    let r = s.sync();
    assert_eq!(r["server"]["deleted"], 1, "{r}");
    assert_eq!(r["server"]["added"], 1, "{r}");
    assert!(s.server.get_ics("e6.ics").is_none());
    assert_eq!(s.server.list().len(), EVENTS);
    nothing_done(&s.sync());
}

/// A file touched without a change (a new modification time, the same content) is not a
/// change: that sync and the next do nothing, each with its one request.
#[test]
fn a_touched_but_unchanged_file_is_no_change() {
    let s = setup();
    let (file, before) = vdir_find(&s.vdir, "e2").unwrap();
    let path = s.vdir.join(&file);
    let later = SystemTime::now() + Duration::from_secs(5);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let etag_before = s.server.list();
    for _ in 0..2 {
        let r = s.sync();
        nothing_done(&r);
        assert_eq!(r["requests"], 1, "{r}");
        assert_eq!(bodies_read(&r), 0, "{r}");
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), before);
    assert_eq!(
        s.server.list(),
        etag_before,
        "the server must not be written"
    );
}

/// What an interrupted write leaves (a hidden temp file holding a whole event), a symlink
/// named `.ics` and a folder named `.ics` are never events: the one pass over the folder
/// removes the temp file, leaves the others, and syncs only the real edit next to them.
#[test]
fn the_folder_scan_takes_only_plain_ics_files_and_clears_crash_temps() {
    let s = setup();
    let temp = s.vdir.join(".synchro-tmp-00000000c0ffee00");
    fs::write(&temp, simple("ghost", "Half written", "20251103T090000Z")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("linked.ics");
    fs::write(&target, simple("linked", "Elsewhere", "20251104T090000Z")).unwrap();
    std::os::unix::fs::symlink(&target, s.vdir.join("linked.ics")).unwrap();
    fs::create_dir(s.vdir.join("folder.ics")).unwrap();
    let (file, text) = vdir_find(&s.vdir, "e4").unwrap();
    fs::write(
        s.vdir.join(&file),
        with_summary(&text, "Edited next to a crash"),
    )
    .unwrap();

    let r = s.sync();
    assert_eq!(r["server"]["updated"], 1, "{r}");
    assert_eq!(r["server"]["added"], 0, "{r}");
    assert_eq!(r["server"]["deleted"], 0, "{r}");
    assert!(!temp.exists(), "the crash temp file is removed");
    assert!(s.vdir.join("linked.ics").is_symlink());
    assert!(s.vdir.join("folder.ics").is_dir());
    let on_server = s.server.list();
    assert_eq!(on_server.len(), EVENTS, "{on_server:?}");
    for uid in ["ghost", "linked"] {
        assert!(s.server.get_ics(&format!("{uid}.ics")).is_none(), "{uid}");
    }
    assert!(s
        .server
        .get_ics("e4.ics")
        .unwrap()
        .contains("SUMMARY:Edited next to a crash"));

    // The next syncs find nothing to do (the first one sees the server's answer to our own
    // write); the crash temp file is not back.
    nothing_done(&s.sync());
    let idle = s.sync();
    nothing_done(&idle);
    assert_eq!(idle["requests"], 1, "{idle}");
    assert!(!temp.exists());
}
