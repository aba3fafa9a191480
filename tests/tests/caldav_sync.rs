//! The `synchro` CLI against real CalDAV servers on 127.0.0.1: first syncs each way, edits
//! and deletions each way, conflicts, recurring events with exceptions, time zones, the
//! past-time window, sync-token invalidation, the path without sync-collection, Digest auth.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use synchro_tests::calendar::{
    all_day, outlook_meeting, simple, vdir_count_uid, vdir_files, vdir_find, with_summary,
    zimbra_lecture,
};
use synchro_tests::{Cli, Peer, ProxiedVdir, Server};

/// A server, a CLI user and an account "t" syncing the server's calendar with a vdir.
struct Setup {
    server: Server,
    cli: Cli,
    vdir: PathBuf,
}

fn setup_with(peer: Peer, extra: &[&str]) -> Setup {
    let server = Server::start(peer);
    let cli = Cli::for_server(&server);
    let vdir = cli.add_vdir_account(
        "t",
        &server.base_url,
        &server.username,
        &server.calendar_url,
        extra,
    );
    Setup { server, cli, vdir }
}

fn setup(peer: Peer) -> Setup {
    setup_with(peer, &[])
}

impl Setup {
    fn sync(&self) -> Value {
        let out = self.cli.run(&["sync", "t", "--json"]);
        out.expect_ok();
        out.json_one()
    }

    fn write_local(&self, name: &str, ics: &str) {
        fs::create_dir_all(&self.vdir).unwrap();
        fs::write(self.vdir.join(name), ics).unwrap();
    }
}

/// Requests of a no-change sync: one (the changes since the sync-token, a sync-collection
/// REPORT, on both servers), also over plain http with Basic auth (the accounts allow it
/// there, and the credentials learned when the account was added go with the first
/// request).
fn no_change_requests(_peer: Peer) -> u64 {
    1
}

fn counts(report: &Value, side: &str) -> (u64, u64, u64) {
    let c = &report[side];
    (
        c["added"].as_u64().unwrap(),
        c["updated"].as_u64().unwrap(),
        c["deleted"].as_u64().unwrap(),
    )
}

fn server_names(server: &Server) -> Vec<String> {
    server.list().into_iter().map(|(n, _)| n).collect()
}

/// The whole two-way story on one server.
fn two_way(peer: Peer) {
    let s = setup(peer);
    // Server side: three events from other clients.
    s.server.put_ics(
        "lecture.ics",
        &zimbra_lecture("lecture", "Algèbre linéaire"),
    );
    s.server.put_ics(
        "meeting.ics",
        &outlook_meeting("meeting", "Conseil de département"),
    );
    s.server.put_ics(
        "holiday.ics",
        &all_day("holiday", "Vacances", "20251020", "20251103"),
    );
    // Device side: two events of its own.
    s.write_local(
        "mine-1.ics",
        &simple("mine-1", "Dentiste", "20251002T080000Z"),
    );
    s.write_local(
        "mine-2.ics",
        &simple("mine-2", "Piscine", "20251003T170000Z"),
    );

    let r = s.sync();
    assert_eq!(r["status"], "ok", "{}: {r}", peer.name());
    assert_eq!(counts(&r, "device"), (3, 0, 0), "{}: {r}", peer.name());
    assert_eq!(counts(&r, "server"), (2, 0, 0), "{}: {r}", peer.name());
    assert_eq!(vdir_files(&s.vdir).len(), 5);
    assert_eq!(s.server.list().len(), 5);
    for uid in ["lecture", "meeting", "holiday", "mine-1", "mine-2"] {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{}: {uid}", peer.name());
    }
    // The recurring event arrives with its exception and its cancelled session.
    let (_, lecture) = vdir_find(&s.vdir, "lecture").unwrap();
    assert!(lecture.contains("RECURRENCE-ID"), "{lecture}");
    assert!(lecture.contains("EXDATE"), "{lecture}");
    assert!(lecture.contains("RRULE:FREQ=WEEKLY"), "{lecture}");

    // Nothing changed: nothing to do (the first time, the server's marker moved with our
    // own uploads). Then a no-change sync is one request: Basic is sent up front, and a
    // Digest session is kept from the last sync, so no 401 comes first.
    for round in 0..2 {
        let r = s.sync();
        assert_eq!(counts(&r, "device"), (0, 0, 0), "{}: {r}", peer.name());
        assert_eq!(counts(&r, "server"), (0, 0, 0), "{}: {r}", peer.name());
        if round == 1 {
            assert_eq!(r["requests"], 1, "{}: {r}", peer.name());
        }
    }

    // Edits and deletions on each side.
    let (lecture_file, lecture_text) = vdir_find(&s.vdir, "lecture").unwrap();
    s.write_local(
        &lecture_file,
        &with_summary(&lecture_text, "Algèbre (édité sur le téléphone)"),
    );
    let (mine2, _) = vdir_find(&s.vdir, "mine-2").unwrap();
    fs::remove_file(s.vdir.join(mine2)).unwrap();
    s.server.put_ics(
        "meeting.ics",
        &outlook_meeting("meeting", "Conseil (déplacé)"),
    );
    assert!(s.server.delete("holiday.ics") < 300);

    let r = s.sync();
    assert_eq!(r["status"], "ok", "{}: {r}", peer.name());
    assert_eq!(counts(&r, "device"), (0, 1, 1), "{}: {r}", peer.name());
    assert_eq!(counts(&r, "server"), (0, 1, 1), "{}: {r}", peer.name());
    assert!(vdir_find(&s.vdir, "holiday").is_none());
    assert!(vdir_find(&s.vdir, "meeting")
        .unwrap()
        .1
        .contains("Conseil (déplacé)"));
    let names = server_names(&s.server);
    assert_eq!(names.len(), 3, "{}: {names:?}", peer.name());
    // The device edit reached the server, merged into the server's copy: the X- properties,
    // attendee parameters and the exception the phone does not model are still there.
    let lecture_href = s
        .server
        .list()
        .into_iter()
        .find(|(n, _)| n.starts_with("lecture"))
        .unwrap()
        .0;
    let on_server = s.server.get_ics(&lecture_href).unwrap();
    assert!(
        on_server.contains("Algèbre (édité sur le téléphone)"),
        "{on_server}"
    );
    assert!(
        on_server.contains("X-ZIMBRA-COURSE-CODE:MATH101"),
        "{on_server}"
    );
    assert!(on_server.contains("RSVP=TRUE"), "{on_server}");
    assert!(on_server.contains("RECURRENCE-ID"), "{on_server}");

    // And once more: quiet.
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{}: {r}", peer.name());
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{}: {r}", peer.name());
}

#[test]
fn two_way_radicale_pypi() {
    two_way(Peer::RadicalePypi);
}

#[test]
fn two_way_radicale_debian() {
    two_way(Peer::RadicaleDebian);
}

#[test]
fn two_way_xandikos_pypi() {
    two_way(Peer::XandikosPypi);
}

#[test]
fn two_way_xandikos_debian() {
    two_way(Peer::XandikosDebian);
}

#[test]
fn two_way_over_digest_auth() {
    two_way(Peer::XandikosDigest);
}

/// Both sides edit the same event differently: the server wins, the device's version is
/// kept as a conflict copy and counted.
#[test]
fn conflicting_edits_keep_the_losing_version() {
    let s = setup(Peer::RadicalePypi);
    s.server
        .put_ics("c.ics", &simple("c", "Original", "20251005T090000Z"));
    s.sync();
    let (file, text) = vdir_find(&s.vdir, "c").unwrap();
    s.write_local(&file, &with_summary(&text, "Edited on the phone"));
    s.server.put_ics(
        "c.ics",
        &simple("c", "Edited on the server", "20251005T090000Z"),
    );
    let r = s.sync();
    assert_eq!(r["conflicts"], 1, "{r}");
    assert!(vdir_find(&s.vdir, "c")
        .unwrap()
        .1
        .contains("Edited on the server"));
    assert!(s
        .server
        .get_ics("c.ics")
        .unwrap()
        .contains("Edited on the server"));
    let status = s.cli.run(&["status", "t", "--json"]);
    status.expect_ok();
    assert_eq!(status.json_one()["conflicts_kept"], 1);
    // The same edit on both sides is not a conflict.
    let (file, text) = vdir_find(&s.vdir, "c").unwrap();
    s.write_local(&file, &with_summary(&text, "Same"));
    s.server
        .put_ics("c.ics", &simple("c", "Same", "20251005T090000Z"));
    let r = s.sync();
    assert_eq!(r["conflicts"], 0, "{r}");
}

/// Deleted on one side, edited on the other: the edit wins.
#[test]
fn an_edit_beats_a_deletion() {
    let s = setup(Peer::RadicalePypi);
    s.server
        .put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    s.server
        .put_ics("b.ics", &simple("b", "B", "20251006T090000Z"));
    s.sync();
    // a: deleted on the phone, edited on the server. b: edited on the phone, deleted there.
    let (fa, _) = vdir_find(&s.vdir, "a").unwrap();
    fs::remove_file(s.vdir.join(fa)).unwrap();
    s.server
        .put_ics("a.ics", &simple("a", "A edited", "20251005T090000Z"));
    let (fb, tb) = vdir_find(&s.vdir, "b").unwrap();
    s.write_local(&fb, &with_summary(&tb, "B edited"));
    s.server.delete("b.ics");
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert!(vdir_find(&s.vdir, "a").unwrap().1.contains("A edited"));
    let b_on_server = s
        .server
        .list()
        .into_iter()
        .find_map(|(n, _)| s.server.get_ics(&n).filter(|t| t.contains("UID:b")));
    assert!(b_on_server.unwrap().contains("B edited"));
}

/// The window: old events are not pulled; an event that leaves the window disappears from
/// the device only and stays on the server.
#[test]
fn past_window_never_deletes_on_the_server() {
    let now = chrono_like_now();
    let s = setup_with(Peer::RadicalePypi, &["--past-days", "30"]);
    s.server
        .put_ics("old.ics", &simple("old", "Old", &days_from(now, -200)));
    s.server.put_ics(
        "recent.ics",
        &simple("recent", "Recent", &days_from(now, -5)),
    );
    s.server.put_ics(
        "future.ics",
        &simple("future", "Future", &days_from(now, 10)),
    );
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (2, 0, 0), "{r}");
    assert!(vdir_find(&s.vdir, "old").is_none());
    // "recent" is moved into the past by another client: it leaves the window.
    s.server.put_ics(
        "recent.ics",
        &simple("recent", "Recent", &days_from(now, -100)),
    );
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 1), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert!(vdir_find(&s.vdir, "recent").is_none());
    assert!(s.server.get_ics("recent.ics").is_some());
    assert!(s.server.get_ics("old.ics").is_some());
}

fn chrono_like_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A UTC date-time `days` from `now` (seconds since the epoch), as iCalendar text.
fn days_from(now: i64, days: i64) -> String {
    let t = now + days * 86_400;
    let (d, s) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = d + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}00Z",
        s / 3600,
        (s % 3600) / 60
    )
}

/// Replaces the stored sync-token by one the server never issued.
fn spoil_sync_token(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .execute(
            "UPDATE calendars SET sync_token = sync_token || '-expired' WHERE sync_token IS NOT NULL",
            [],
        )
        .unwrap();
    assert_eq!(n, 1, "no sync-token was stored");
}

/// An invalid token (Radicale 403, Xandikos 412 or 500) leads to a full resync that neither
/// duplicates nor deletes, and picks up the change that happened meanwhile.
fn token_invalidation(peer: Peer) {
    let s = setup(peer);
    for i in 0..5 {
        s.server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), "E", "20251005T090000Z"),
        );
    }
    s.sync();
    spoil_sync_token(s.cli.db());
    s.server
        .put_ics("e0.ics", &simple("e0", "E changed", "20251005T090000Z"));
    s.server.delete("e1.ics");
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{}: {r}", peer.name());
    assert_eq!(counts(&r, "device"), (0, 1, 1), "{}: {r}", peer.name());
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{}: {r}", peer.name());
    assert_eq!(vdir_files(&s.vdir).len(), 4);
    assert_eq!(s.server.list().len(), 4);
    // The new token works again.
    let r = s.sync();
    assert_eq!(
        r["requests"],
        no_change_requests(peer),
        "{}: {r}",
        peer.name()
    );
}

#[test]
fn token_invalidation_radicale_403() {
    token_invalidation(Peer::RadicalePypi);
}

#[test]
fn token_invalidation_xandikos_412() {
    token_invalidation(Peer::XandikosPypi);
}

#[test]
fn token_invalidation_xandikos_debian_500() {
    token_invalidation(Peer::XandikosDebian);
}

/// Without sync-collection (Zimbra's case, forced by a setting): a no-change sync is one
/// ctag request; changes are found by an etag listing.
fn without_sync_collection(peer: Peer) {
    let s = setup_with(peer, &["--no-sync-collection"]);
    s.server
        .put_ics("x.ics", &simple("x", "X", "20251005T090000Z"));
    s.server
        .put_ics("y.ics", &simple("y", "Y", "20251006T090000Z"));
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (2, 0, 0), "{}: {r}", peer.name());
    let r = s.sync();
    assert_eq!(
        r["requests"],
        no_change_requests(peer),
        "{}: {r}",
        peer.name()
    );
    s.server
        .put_ics("x.ics", &simple("x", "X changed", "20251005T090000Z"));
    s.server.delete("y.ics");
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 1, 1), "{}: {r}", peer.name());
    assert!(vdir_find(&s.vdir, "x").unwrap().1.contains("X changed"));
    let r = s.sync();
    assert_eq!(
        r["requests"],
        no_change_requests(peer),
        "{}: {r}",
        peer.name()
    );
}

#[test]
fn without_sync_collection_radicale() {
    without_sync_collection(Peer::RadicalePypi);
}

#[test]
fn without_sync_collection_xandikos() {
    without_sync_collection(Peer::XandikosPypi);
}

/// Discovery from the bare server URL finds the calendar and says what it found.
#[test]
fn discovery_from_the_server_root() {
    for peer in [Peer::RadicalePypi, Peer::XandikosPypi] {
        let server = Server::start(peer);
        let cli = Cli::for_server(&server);
        let spec = cli.vdir_spec("phone");
        let out = cli.run(&[
            "account",
            "add",
            "d",
            "--caldav",
            &server.base_url,
            "--username",
            &server.username,
            "--local",
            &spec,
        ]);
        out.expect_ok();
        assert!(
            out.stdout.contains(&server.calendar_url),
            "{}: {out}",
            peer.name()
        );
        let list = cli.run(&["account", "list", "--json"]);
        let accounts = list.json_one();
        assert_eq!(accounts[0]["calendar"], server.calendar_url.as_str());
    }
}

/// A wrong password is exit code 4 and changes nothing.
#[test]
fn wrong_password_is_exit_4() {
    for peer in [Peer::RadicalePypi, Peer::XandikosDigest] {
        let s = setup(peer);
        s.write_local("m.ics", &simple("m", "M", "20251002T080000Z"));
        let out = s
            .cli
            .run_with_password(Some("wrong"), &["sync", "t", "--json"]);
        assert_eq!(out.code, 4, "{}: {out}", peer.name());
        assert_eq!(out.json_one()["status"], "error");
        assert!(s.server.list().is_empty());
        assert!(!out.stdout.contains("wrong") && !out.stderr.contains("wrong"));
        // Adding an account with a wrong password fails the same way.
        let other = Cli::new("wrong");
        let spec = other.vdir_spec("p");
        let out = other.run(&[
            "account",
            "add",
            "x",
            "--caldav",
            &s.server.base_url,
            "--username",
            "test",
            "--local",
            &spec,
        ]);
        assert_eq!(out.code, 4, "{}: {out}", peer.name());
    }
}

/// A dry run shows the plan and changes nothing.
#[test]
fn dry_run_changes_nothing() {
    let s = setup(Peer::RadicalePypi);
    s.server
        .put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    s.write_local("b.ics", &simple("b", "B", "20251002T080000Z"));
    let out = s.cli.run(&["sync", "t", "--dry-run", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    let plan = r["plan"].as_array().unwrap();
    assert_eq!(plan.len(), 2, "{r}");
    assert_eq!(vdir_files(&s.vdir).len(), 1);
    assert_eq!(s.server.list().len(), 1);
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (1, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (1, 0, 0), "{r}");
}

/// A single .ics file can play the phone too.
#[test]
fn ics_file_as_local_calendar() {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let spec = cli.ics_spec("phone.ics");
    cli.run(&[
        "account",
        "add",
        "f",
        "--caldav",
        &server.base_url,
        "--username",
        &server.username,
        "--local",
        &spec,
        "--calendar",
        &server.calendar_url,
    ])
    .expect_ok();
    server.put_ics("lecture.ics", &zimbra_lecture("lecture", "Analyse"));
    server.put_ics("meeting.ics", &outlook_meeting("meeting", "Réunion"));
    let out = cli.run(&["sync", "f", "--json"]);
    out.expect_ok();
    let file = fs::read_to_string(cli.dir().join("phone.ics")).unwrap();
    assert!(file.contains("UID:lecture") && file.contains("UID:meeting"));
    assert_eq!(file.matches("BEGIN:VCALENDAR").count(), 1);
    let out = cli.run(&["sync", "f", "--json"]);
    assert_eq!(
        out.json_one()["requests"],
        no_change_requests(Peer::RadicalePypi)
    );
}

/// An emptied local calendar, or a mass deletion on the server, is held back (exit 3,
/// nothing applied) until confirmed with `--yes`.
#[test]
fn destructive_syncs_wait_for_confirmation() {
    let s = setup(Peer::RadicalePypi);
    for i in 0..20 {
        s.server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), "E", "20251005T090000Z"),
        );
    }
    s.sync();
    assert_eq!(vdir_files(&s.vdir).len(), 20);

    // Mass deletion on the server: 15 of 20.
    for i in 0..15 {
        s.server.delete(&format!("e{i}.ics"));
    }
    let out = s.cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, 3, "{out}");
    let r = out.json_one();
    assert_eq!(r["status"], "needs_confirmation", "{r}");
    assert!(r["message"].as_str().unwrap().contains("--yes"), "{r}");
    assert_eq!(
        r["hold"],
        serde_json::json!({"kind": "mass_deletion", "side": "device", "deletions": 15,
            "known": 20, "max_percent": 30, "max_count": 10}),
        "{r}"
    );
    assert_eq!(vdir_files(&s.vdir).len(), 20, "nothing may be applied");
    let out = s.cli.run(&["sync", "t", "--json", "--yes"]);
    out.expect_ok();
    assert_eq!(counts(&out.json_one(), "device"), (0, 0, 15));

    // The local calendar emptied: never delete everything on the server unasked.
    for (name, _) in vdir_files(&s.vdir) {
        fs::remove_file(s.vdir.join(name)).unwrap();
    }
    let out = s.cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(
        out.json_one()["hold"],
        serde_json::json!({"kind": "emptied_side", "emptied": "device", "known": 5,
            "deletions": 5}),
        "{out}"
    );
    assert_eq!(s.server.list().len(), 5);
    let out = s.cli.run(&["sync", "t", "--json", "--yes"]);
    out.expect_ok();
    assert_eq!(s.server.list().len(), 0);
}

/// A small calendar emptied on the server (read through sync-collection, a change list that
/// does not say how many items are left) is held back too, not only a mass deletion.
#[test]
fn a_small_calendar_emptied_on_the_server_waits_for_confirmation() {
    let s = setup(Peer::RadicalePypi);
    for i in 0..4 {
        s.server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), "E", "20251005T090000Z"),
        );
    }
    s.sync();
    assert_eq!(vdir_files(&s.vdir).len(), 4);
    for i in 0..4 {
        s.server.delete(&format!("e{i}.ics"));
    }
    let out = s.cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(
        out.json_one()["hold"],
        serde_json::json!({"kind": "emptied_side", "emptied": "server", "known": 4,
            "deletions": 4}),
        "{out}"
    );
    assert_eq!(vdir_files(&s.vdir).len(), 4, "nothing may be applied");
    let out = s.cli.run(&["sync", "t", "--json", "--yes"]);
    out.expect_ok();
    assert_eq!(vdir_files(&s.vdir).len(), 0);
}

/// A local event file that no longer parses is reported, never taken for a deletion.
#[test]
fn an_unreadable_local_file_is_not_a_deletion() {
    let s = setup(Peer::RadicalePypi);
    s.server
        .put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    s.sync();
    let (file, _) = vdir_find(&s.vdir, "a").unwrap();
    fs::write(s.vdir.join(&file), "BEGIN:VCALENDAR\r\ngarbage").unwrap();
    let out = s.cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, 1, "{out}");
    let r = out.json_one();
    assert!(r["errors"].to_string().contains(&file), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert!(s.server.get_ics("a.ics").is_some());
}

/// The help page's "failed first sync duplicates almost every event": a phone and a server
/// that already hold the same events (some under other UIDs, as another sync tool would
/// leave them) pair instead of copying; a re-installed app whose store is gone pairs again.
#[test]
fn first_sync_with_both_sides_full_never_duplicates() {
    let s = setup(Peer::RadicalePypi);
    for i in 0..6 {
        let start = format!("2025100{}T090000Z", i + 1);
        s.server.put_ics(
            &format!("s{i}.ics"),
            &simple(&format!("s{i}"), &format!("Cours {i}"), &start),
        );
        // Same UID on the phone for 0..2, another UID but same title and time for 3..5.
        let uid = if i < 3 {
            format!("s{i}")
        } else {
            format!("phone-{i}")
        };
        let mut text = simple(&uid, &format!("Cours {i}"), &start);
        if i == 5 {
            // Paired by title and time, but the phone's copy says more.
            text = text.replace("END:VEVENT", "LOCATION:Amphi B\r\nEND:VEVENT");
        }
        s.write_local(&format!("{uid}.ics"), &text);
    }
    s.write_local(
        "only-phone.ics",
        &simple("only-phone", "Dentiste", "20251020T080000Z"),
    );
    s.server.put_ics(
        "only-server.ics",
        &simple("only-server", "Jury", "20251021T080000Z"),
    );
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(counts(&r, "server"), (1, 0, 0), "{r}");
    assert_eq!(r["device"]["added"], 1, "{r}");
    assert_eq!(vdir_files(&s.vdir).len(), 8);
    assert_eq!(s.server.list().len(), 8);
    for i in 3..6 {
        // The phone's copy took the server's UID: one event, one UID, both sides.
        assert_eq!(vdir_count_uid(&s.vdir, &format!("s{i}")), 1);
        assert_eq!(vdir_count_uid(&s.vdir, &format!("phone-{i}")), 0);
    }
    // Only the copy that differed in more than its UID was kept as a conflict copy.
    let copies = s.cli.run(&["conflicts", "t", "--json"]).json();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(copies[0]["uid"], "phone-5", "{copies:?}");
    assert!(copies[0]["ics"].as_str().unwrap().contains("Amphi B"));
    // Exported, then dismissed; an id that is not listed is refused and removes nothing.
    let out = s.cli.run(&["conflicts", "t", "--dismiss", "9999"]);
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("no conflict copy #9999"), "{out}");
    let export = s.vdir.with_extension("conflicts.ics");
    let spec = export.to_str().unwrap();
    let out = s
        .cli
        .run(&["conflicts", "t", "--export", spec, "--dismiss-all"]);
    out.expect_ok();
    assert!(
        out.stdout.contains("1 conflict copy(ies) dismissed"),
        "{out}"
    );
    assert!(fs::read_to_string(&export).unwrap().contains("Amphi B"));
    assert!(s.cli.run(&["conflicts", "t", "--json"]).json().is_empty());
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");

    // The app is re-installed: the store is gone, both sides are full.
    let fresh = Cli::for_server(&s.server);
    let spec = format!("vdir:{}", s.vdir.display());
    fresh
        .run(&[
            "account",
            "add",
            "t",
            "--caldav",
            &s.server.base_url,
            "--username",
            &s.server.username,
            "--local",
            &spec,
            "--calendar",
            &s.server.calendar_url,
        ])
        .expect_ok();
    let out = fresh.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(vdir_files(&s.vdir).len(), 8);
    assert_eq!(s.server.list().len(), 8);
}

/// A replaced local calendar (new id) is a reset: pull from the server, never push
/// deletions.
#[test]
fn a_replaced_local_calendar_never_deletes_on_the_server() {
    let s = setup(Peer::RadicalePypi);
    for i in 0..4 {
        s.server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), "E", "20251005T090000Z"),
        );
    }
    s.sync();
    // The folder is replaced by an empty one (a new phone, a wiped calendar).
    fs::remove_dir_all(&s.vdir).unwrap();
    fs::create_dir_all(&s.vdir).unwrap();
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "device"), (4, 0, 0), "{r}");
    assert_eq!(s.server.list().len(), 4);
}

/// Zimbra's server-side sync window hides old events from listings although they still
/// exist: they are never deleted on the phone (nor on the server). A real deletion still is.
#[test]
fn events_hidden_by_a_server_window_are_not_deletions() {
    use synchro_tests::proxy::Fault;
    let ProxiedVdir {
        server,
        proxy,
        cli,
        vdir,
    } = ProxiedVdir::start(&["--no-sync-collection"]);
    server.put_ics("old.ics", &simple("old", "Old", "20200105T090000Z"));
    server.put_ics("gone.ics", &simple("gone", "Gone", "20251005T090000Z"));
    server.put_ics("kept.ics", &simple("kept", "Kept", "20251006T090000Z"));
    cli.run(&["sync", "t"]).expect_ok();
    assert_eq!(vdir_files(&vdir).len(), 3);

    proxy.set(Fault::HideFromListings("old.ics".into()));
    // Through the proxy, listings no longer show it (the item itself is still there).
    let listing = server.request(
        "PROPFIND",
        &proxy.url(&server.calendar_url),
        &[("Depth", "1")],
        None,
    );
    let listing = listing.body_text();
    assert!(
        listing.contains("kept.ics") && !listing.contains("old.ics"),
        "{listing}"
    );
    server.delete("gone.ics");
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(counts(&r, "device"), (0, 0, 1), "{r}");
    assert!(vdir_find(&vdir, "old").is_some());
    assert!(vdir_find(&vdir, "gone").is_none());
    assert!(server.get_ics("old.ics").is_some());
}

/// Zimbra ignores `If-None-Match: *` on calendar PUTs. An event new on the phone whose UID
/// the server already holds out of sight (here: older than the window) must never overwrite
/// the server's copy: synchro looks before it creates, and resolves it as a conflict.
#[test]
fn a_create_never_overwrites_on_a_server_ignoring_if_none_match() {
    use synchro_tests::proxy::{Fault, Proxy};
    let now = chrono_like_now();
    let server = Server::start(Peer::RadicalePypi);
    let proxy = Proxy::start(&server.base_url);
    proxy.set(Fault::DropRequestHeader("If-None-Match".into()));
    // The emulation works: a create-only PUT through the proxy overwrites.
    server.put_ics("probe.ics", &simple("probe", "First", &days_from(now, -1)));
    let r = server.request(
        "PUT",
        &proxy.url(&server.item_url("probe.ics")),
        &[("If-None-Match", "*"), ("Content-Type", "text/calendar")],
        Some(simple("probe", "Second", &days_from(now, -1)).as_bytes()),
    );
    assert!((200..300).contains(&r.status), "{r:?}");
    assert!(server.get_ics("probe.ics").unwrap().contains("Second"));

    let old = days_from(now, -200);
    server.put_ics("dup.ics", &simple("dup", "Server version", &old));
    let cli = Cli::for_server(&server);
    let vdir = cli.add_vdir_account(
        "t",
        &proxy.url(&server.base_url),
        &server.username,
        &proxy.url(&server.calendar_url),
        &["--past-days", "30"],
    );
    fs::create_dir_all(&vdir).unwrap();
    fs::write(vdir.join("dup.ics"), simple("dup", "Phone version", &old)).unwrap();
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(r["conflicts"], 1, "{r}");
    assert!(server
        .get_ics("dup.ics")
        .unwrap()
        .contains("Server version"));
    let copies = cli.run(&["conflicts", "t", "--json"]).json();
    assert!(copies[0]["ics"].as_str().unwrap().contains("Phone version"));
}
