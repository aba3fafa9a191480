//! The `synchro` CLI as a SyncML client of a real SyncML DS 1.2 server (SyncEvolution 2.0.0,
//! `synchro_tests::syncevo`): slow first sync with data on both sides, two-way additions,
//! edits and deletions each way, auth (md5 and basic, wrong password), vCalendar 1.0 on the
//! wire, WBXML on the wire, multi-message packages both ways at a small MaxMsgSize,
//! Large Objects (a ~100 KB event in chunks) both ways.

use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use synchro_tests::calendar::{simple, vdir_count_uid, vdir_files, vdir_find, with_summary};
use synchro_tests::proxy::{Fault, Proxy};
use synchro_tests::syncevo::{add_syncml_account, Format, PeerConfig, PeerOpts, SyncEvoServer};
use synchro_tests::Cli;

/// A server with one peer, a CLI user and an account "t" syncing it with a vdir (through a
/// fault proxy when one is asked for).
struct Setup {
    server: SyncEvoServer,
    peer: PeerConfig,
    cli: Cli,
    vdir: PathBuf,
    proxy: Option<Proxy>,
}

fn setup_on(opts: PeerOpts, extra: &[&str], proxied: bool) -> Setup {
    let server = SyncEvoServer::start();
    let device = format!("synchro-test-{}", std::process::id());
    let peer = server.add_peer(&device, &opts);
    let cli = Cli::new(&opts.password);
    let proxy = proxied.then(|| Proxy::start(&server.origin()));
    let url = match &proxy {
        Some(p) => p.url(&server.url),
        None => server.url.clone(),
    };
    let vdir = add_syncml_account(&cli, "t", &url, &peer, extra);
    Setup {
        server,
        peer,
        cli,
        vdir,
        proxy,
    }
}

fn setup_with(opts: PeerOpts, extra: &[&str]) -> Setup {
    setup_on(opts, extra, false)
}

fn setup() -> Setup {
    setup_with(PeerOpts::default(), &[])
}

/// [`setup`] with a fault proxy between `synchro` and the server.
fn setup_proxied() -> Setup {
    setup_on(PeerOpts::default(), &[], true)
}

impl Setup {
    fn sync_args(&self, args: &[&str]) -> Value {
        let mut all = vec!["sync", "t", "--json"];
        all.extend_from_slice(args);
        let out = self.cli.run(&all);
        assert_eq!(
            out.code,
            0,
            "{out}\n--- server log\n{}",
            self.server.last_session_log(&self.peer)
        );
        out.json_one()
    }

    fn sync(&self) -> Value {
        self.sync_args(&[])
    }

    fn write_local(&self, name: &str, ics: &str) {
        fs::write(self.vdir.join(name), ics).unwrap();
    }

    /// How many server items carry `uid`.
    fn server_count_uid(&self, uid: &str) -> usize {
        self.server
            .items(&self.peer)
            .iter()
            .filter(|t| t.lines().any(|l| l.trim_end() == format!("UID:{uid}")))
            .count()
    }
}

fn counts(r: &Value, side: &str) -> (u64, u64, u64) {
    let c = &r[side];
    (
        c["added"].as_u64().unwrap(),
        c["updated"].as_u64().unwrap(),
        c["deleted"].as_u64().unwrap(),
    )
}

#[test]
fn slow_first_sync_with_data_on_both_sides_has_no_duplicates() {
    let s = setup();
    s.write_local(
        "a.ics",
        &simple("client-a", "Client only", "20260301T090000Z"),
    );
    s.write_local(
        "both.ics",
        &simple("both-1", "On both sides", "20260302T090000Z"),
    );
    s.server.put_item(
        &s.peer,
        "s1",
        &simple("server-b", "Server only", "20260303T090000Z"),
    );
    s.server.put_item(
        &s.peer,
        "s2",
        &simple("both-1", "On both sides", "20260302T090000Z"),
    );
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    // Every event once on each side.
    for uid in ["client-a", "both-1", "server-b"] {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{uid} locally");
        assert_eq!(s.server_count_uid(uid), 1, "{uid} on the server");
    }
    assert_eq!(vdir_files(&s.vdir).len(), 3);
    assert_eq!(s.server.items(&s.peer).len(), 3);
    // The next sync is two-way and has nothing to do.
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

#[test]
fn two_way_additions_edits_and_deletions_each_way() {
    let s = setup();
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    s.server.put_item(
        &s.peer,
        "s1",
        &simple("server-b", "Server B", "20260303T090000Z"),
    );
    s.sync();

    // Additions each way.
    s.write_local("c.ics", &simple("client-c", "Client C", "20260304T090000Z"));
    s.server.put_item(
        &s.peer,
        "s2",
        &simple("server-d", "Server D", "20260305T090000Z"),
    );
    let r = s.sync();
    assert_eq!(counts(&r, "server"), (1, 0, 0), "{r}");
    assert_eq!(counts(&r, "device"), (1, 0, 0), "{r}");
    assert_eq!(s.server_count_uid("client-c"), 1);
    assert_eq!(vdir_count_uid(&s.vdir, "server-d"), 1);

    // Edits each way: the device edits client-a, the server edits server-b.
    let (name, text) = vdir_find(&s.vdir, "client-a").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.write_local(&name, &with_summary(&text, "Client A edited"));
    let (sname, stext) = s
        .server
        .item_files(&s.peer)
        .into_iter()
        .find(|(_, t)| t.contains("UID:server-b"))
        .unwrap();
    s.server
        .put_item(&s.peer, &sname, &with_summary(&stext, "Server B edited"));
    let r = s.sync();
    assert_eq!(counts(&r, "server"), (0, 1, 0), "{r}");
    assert_eq!(counts(&r, "device"), (0, 1, 0), "{r}");
    assert!(s
        .server
        .items(&s.peer)
        .iter()
        .any(|t| t.contains("UID:client-a") && t.contains("SUMMARY:Client A edited")));
    assert!(vdir_find(&s.vdir, "server-b")
        .unwrap()
        .1
        .contains("SUMMARY:Server B edited"));

    // Deletions each way: the device deletes client-c, the server deletes server-d.
    let (name, _) = vdir_find(&s.vdir, "client-c").unwrap();
    fs::remove_file(s.vdir.join(name)).unwrap();
    let (sname, _) = s
        .server
        .item_files(&s.peer)
        .into_iter()
        .find(|(_, t)| t.contains("UID:server-d"))
        .unwrap();
    assert!(s.server.remove_item(&s.peer, &sname));
    let r = s.sync();
    assert_eq!(counts(&r, "server"), (0, 0, 1), "{r}");
    assert_eq!(counts(&r, "device"), (0, 0, 1), "{r}");
    assert_eq!(s.server_count_uid("client-c"), 0);
    assert_eq!(vdir_count_uid(&s.vdir, "server-d"), 0);
    assert_eq!(s.server.items(&s.peer).len(), 2);
    assert_eq!(vdir_files(&s.vdir).len(), 2);

    // Nothing left to do.
    let r = s.sync();
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
}

#[test]
fn wrong_password_is_exit_4_and_the_right_one_then_works_with_md5() {
    let s = setup();
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    let out = s
        .cli
        .run_with_password(Some("wrong"), &["sync", "t", "--json"]);
    out.expect_code(4);
    assert!(!out.stdout.contains("wrong"), "{out}");
    assert_eq!(s.server.items(&s.peer).len(), 0);
    // The first session learns the nonce, the next ones log in with md5.
    s.sync();
    s.sync();
    let log = s.server.last_session_log(&s.peer);
    assert!(log.contains("auth-md5") || log.contains("MD5"), "{log}");
    assert_eq!(s.server_count_uid("client-a"), 1);
}

#[test]
fn vcalendar_10_on_the_wire() {
    let opts = PeerOpts {
        format: Format::VCalendar10,
        ..PeerOpts::default()
    };
    let s = setup_with(opts, &["--format", "vcalendar"]);
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    s.server.put_item(
        &s.peer,
        "s1",
        "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:server-v\r\n\
         DTSTART:20260310T140000Z\r\nDTEND:20260310T150000Z\r\nSUMMARY:Server vCal\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (1, 0, 0), "{r}");
    assert_eq!(counts(&r, "server").0, 1, "{r}");
    let local = vdir_find(&s.vdir, "server-v")
        .expect("server event locally")
        .1;
    assert!(local.contains("VERSION:2.0") && local.contains("SUMMARY:Server vCal"));
    let on_server = s
        .server
        .items(&s.peer)
        .into_iter()
        .find(|t| t.contains("client-a"))
        .expect("client event on the server");
    assert!(on_server.contains("VERSION:1.0"), "{on_server}");
    // Nothing changes on the next sync (no echo of the conversion).
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

#[test]
fn wbxml_on_the_wire() {
    let s = setup_with(PeerOpts::default(), &["--wbxml"]);
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    s.server.put_item(
        &s.peer,
        "s1",
        &simple("server-b", "Server B", "20260303T090000Z"),
    );
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (1, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (1, 0, 0), "{r}");
    assert!(s.server.last_session_log(&s.peer).contains("wbxml"));
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
}

#[test]
fn mass_deletion_from_the_server_is_held_back_then_applied_with_yes() {
    let s = setup();
    for i in 0..12 {
        s.server.put_item(
            &s.peer,
            &format!("s{i}"),
            &simple(
                &format!("ev-{i}"),
                &format!("Event {i}"),
                &format!("202603{:02}T090000Z", i + 1),
            ),
        );
    }
    s.sync();
    assert_eq!(vdir_files(&s.vdir).len(), 12);
    for (name, _) in s.server.item_files(&s.peer) {
        s.server.remove_item(&s.peer, &name);
    }
    let out = s.cli.run(&["sync", "t", "--json"]);
    out.expect_code(3);
    let r = out.json_one();
    assert_eq!(r["status"], "needs_confirmation", "{r}");
    assert_eq!(vdir_files(&s.vdir).len(), 12, "nothing applied");
    // Held back again without --yes: the server sends the same deletions again.
    s.cli.run(&["sync", "t", "--json"]).expect_code(3);
    assert_eq!(vdir_files(&s.vdir).len(), 12);
    let r = s.sync_args(&["--yes"]);
    assert_eq!(counts(&r, "device"), (0, 0, 12), "{r}");
    assert_eq!(vdir_files(&s.vdir).len(), 0);
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

#[test]
fn anchor_mismatch_forces_a_slow_sync_that_is_held_back_then_pairs_without_duplicates() {
    let s = setup();
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    s.server.put_item(
        &s.peer,
        "s1",
        &simple("server-b", "Server B", "20260303T090000Z"),
    );
    s.sync();
    // Our anchors no longer match the server's (a restored phone, a lost store commit).
    let db = rusqlite::Connection::open(s.cli.db()).unwrap();
    db.execute("UPDATE syncml SET local_anchor = 'bogus'", [])
        .unwrap();
    drop(db);
    let out = s.cli.run(&["sync", "t", "--json"]);
    out.expect_code(3);
    assert!(out.stdout.contains("slow sync"), "{out}");
    assert_eq!(
        out.json_one()["hold"],
        serde_json::json!({"kind": "server_reset", "known": 2}),
        "{out}"
    );
    let r = s.sync_args(&["--yes"]);
    assert_eq!(r["status"], "ok", "{r}");
    for uid in ["client-a", "server-b"] {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{uid} locally");
        assert_eq!(s.server_count_uid(uid), 1, "{uid} on the server");
    }
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

/// `n` events `prefix-0..n` with distinct days and a description that gives each some bulk.
fn many(prefix: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let uid = format!("{prefix}-{i}");
            let ics = simple(
                &uid,
                &format!("{prefix} event {i}"),
                &format!("2026{:02}{:02}T090000Z", 1 + i / 28, 1 + i % 28),
            )
            .replace(
                "END:VEVENT",
                &format!("DESCRIPTION:{}\r\nEND:VEVENT", "padding ".repeat(30)),
            );
            (uid, ics)
        })
        .collect()
}

#[test]
fn small_max_msg_size_splits_packages_both_ways() {
    let opts = PeerOpts {
        extra: vec![("maxMsgSize".into(), "8000".into())],
        ..PeerOpts::default()
    };
    let s = setup_with(opts, &[]);
    let local = many("client", 40);
    // Enough server events that our Map of their ids needs several messages too.
    let remote = many("server", 150);
    for (uid, ics) in &local {
        s.write_local(&format!("{uid}.ics"), ics);
    }
    for (uid, ics) in &remote {
        s.server.put_item(&s.peer, uid, ics);
    }
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(counts(&r, "device"), (150, 0, 0), "{r}");
    assert_eq!(counts(&r, "server").0, 40, "{r}");
    let log = s.server.last_session_log(&s.peer);
    for (uid, _) in local.iter().chain(&remote) {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{uid} locally");
        assert_eq!(s.server_count_uid(uid), 1, "{uid} on the server");
    }
    assert_eq!(vdir_files(&s.vdir).len(), 190);
    assert_eq!(s.server.items(&s.peer).len(), 190);
    // Our package 3 went in several messages, and so did the server's package 4, which
    // we asked to go on with Alert 222.
    let requests = r["requests"].as_u64().unwrap_or(0);
    assert!(requests > 6, "expected a multi-message session: {r}\n{log}");
    assert!(log.contains("(not final)"), "{log}");
    assert!(log.contains("Next Message in Packet Alert (222)"), "{log}");
    // Then a two-way sync with changes of both sides, still split.
    let more = many("client2", 40);
    for (uid, ics) in &more {
        s.write_local(&format!("{uid}.ics"), ics);
    }
    let more_remote = many("server2", 40);
    for (uid, ics) in &more_remote {
        s.server.put_item(&s.peer, uid, ics);
    }
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (40, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (40, 0, 0), "{r}");
    for (uid, _) in more.iter().chain(&more_remote) {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{uid} locally");
        assert_eq!(s.server_count_uid(uid), 1, "{uid} on the server");
    }
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

/// With no memory for downloaded texts (`--download-memory 0`), the server's package,
/// read message by message, sets every event text aside on disk until it is written: the
/// phone gets each event whole and once, and a server edit read the same way replaces it.
#[test]
fn a_server_package_set_aside_on_disk_gives_the_same_sync() {
    let opts = PeerOpts {
        extra: vec![("maxMsgSize".into(), "8000".into())],
        ..PeerOpts::default()
    };
    let s = setup_with(opts, &[]);
    let local = many("phone", 5);
    let remote = many("aside", 120);
    for (uid, ics) in &local {
        s.write_local(&format!("{uid}.ics"), ics);
    }
    for (uid, ics) in &remote {
        s.server.put_item(&s.peer, uid, ics);
    }
    let sync = |what: &str| {
        let out = s
            .cli
            .run(&["sync", "t", "--json", "--download-memory", "0", "-v"]);
        out.expect_ok();
        assert!(
            out.stderr
                .contains("of downloaded events set aside on disk"),
            "{what}: {}",
            out.stderr
        );
        out.json_one()
    };
    let r = sync("slow sync");
    assert_eq!(counts(&r, "device"), (120, 0, 0), "{r}");
    assert_eq!(counts(&r, "server").0, 5, "{r}");
    assert!(r["requests"].as_u64().unwrap_or(0) > 6, "{r}");
    for (uid, ics) in &remote {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{uid}");
        let (_, text) = vdir_find(&s.vdir, uid).unwrap();
        assert_eq!(description_of(&text), description_of(ics), "{uid}: {text}");
        assert!(text.contains(&format!("SUMMARY:aside event {}\r\n", &uid[6..])));
    }
    // A server edit, read from the disk too, replaces the phone's copy.
    let (uid, ics) = &remote[7];
    s.server
        .put_item(&s.peer, uid, &with_summary(ics, "Moved while set aside"));
    let r = sync("two-way sync");
    assert_eq!(counts(&r, "device"), (0, 1, 0), "{r}");
    let (_, text) = vdir_find(&s.vdir, uid).unwrap();
    assert!(text.contains("SUMMARY:Moved while set aside"), "{text}");
    assert_eq!(vdir_files(&s.vdir).len(), 125);
}

/// An event with a DESCRIPTION of about `kib` KiB (folded lines), and that description.
fn big_event(uid: &str, summary: &str, start: &str, kib: usize) -> (String, String) {
    let description: String = (0..kib * 1024 / 32)
        .map(|i| format!("line {i:06} of a long agenda. "))
        .collect();
    let line = format!("DESCRIPTION:{description}");
    let mut folded = String::new();
    let bytes = line.as_bytes();
    for (i, chunk) in bytes.chunks(74).enumerate() {
        if i > 0 {
            folded.push_str("\r\n ");
        }
        folded.push_str(std::str::from_utf8(chunk).unwrap());
    }
    let ics = simple(uid, summary, start).replace("END:VEVENT", &format!("{folded}\r\nEND:VEVENT"));
    (ics, description)
}

/// The unfolded value of DESCRIPTION in an iCalendar text.
fn description_of(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "").replace("\n ", "");
    unfolded
        .lines()
        .find_map(|l| l.strip_prefix("DESCRIPTION:"))
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

#[test]
fn large_objects_go_in_chunks_both_ways() {
    let opts = PeerOpts {
        extra: vec![("maxMsgSize".into(), "20000".into())],
        ..PeerOpts::default()
    };
    let s = setup_with(opts, &[]);
    // We announce a small MaxMsgSize too, so that the server must chunk its large item.
    let db = rusqlite::Connection::open(s.cli.db()).unwrap();
    db.execute("UPDATE syncml SET max_msg_size = 20000", [])
        .unwrap();
    drop(db);
    let (local, local_desc) = big_event("big-client", "Big client", "20260301T090000Z", 100);
    let (remote, remote_desc) = big_event("big-server", "Big server", "20260302T090000Z", 100);
    assert!(local.len() > 100_000);
    s.write_local("big.ics", &local);
    s.server.put_item(&s.peer, "big", &remote);
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(counts(&r, "device"), (1, 0, 0), "{r}");
    assert_eq!(counts(&r, "server").0, 1, "{r}");
    let log = s.server.last_session_log(&s.peer);
    assert_eq!(s.server_count_uid("big-client"), 1);
    let on_server = s
        .server
        .items(&s.peer)
        .into_iter()
        .find(|t| t.contains("big-client"))
        .unwrap();
    let got = description_of(&on_server);
    assert!(
        got == local_desc.trim_end(),
        "description on the server: {} bytes, sent {}",
        got.len(),
        local_desc.len()
    );
    let (_, here) = vdir_find(&s.vdir, "big-server").expect("server's big event locally");
    let got = description_of(&here);
    assert!(
        got == remote_desc.trim_end(),
        "description received: {} bytes, on the server {}",
        got.len(),
        remote_desc.len()
    );
    assert_eq!(vdir_count_uid(&s.vdir, "big-server"), 1);
    // Both directions went in chunks, each answered 213.
    assert!(log.contains("item is reassembled"), "{log}");
    assert!(log.contains("RECEIVED STATUS 213"), "{log}");
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

/// The one-way modes: from the server, the server's edit arrives and the phone's edit stays
/// home (it goes at the next sync that sends); from the client, the other way round.
#[test]
fn one_way_modes_move_changes_one_way_only() {
    let s = setup();
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    s.server.put_item(
        &s.peer,
        "s1",
        &simple("server-b", "Server B", "20260303T090000Z"),
    );
    s.sync();

    let edit_both = |tag: &str| {
        let (name, text) = vdir_find(&s.vdir, "client-a").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        s.write_local(&name, &with_summary(&text, &format!("Client A {tag}")));
        let (sname, stext) = s
            .server
            .item_files(&s.peer)
            .into_iter()
            .find(|(_, t)| t.contains("UID:server-b"))
            .unwrap();
        s.server.put_item(
            &s.peer,
            &sname,
            &with_summary(&stext, &format!("Server B {tag}")),
        );
    };
    let server_has = |summary: &str| {
        s.server
            .items(&s.peer)
            .iter()
            .any(|t| t.contains(&format!("SUMMARY:{summary}")))
    };

    edit_both("1");
    let r = s.sync_args(&["--mode", "one-way-from-server"]);
    assert_eq!(counts(&r, "device"), (0, 1, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert!(vdir_find(&s.vdir, "server-b")
        .unwrap()
        .1
        .contains("Server B 1"));
    assert!(!server_has("Client A 1"));

    edit_both("2");
    let r = s.sync_args(&["--mode", "one-way-from-client"]);
    assert_eq!(counts(&r, "server"), (0, 1, 0), "{r}");
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert!(server_has("Client A 2"));
    assert!(vdir_find(&s.vdir, "server-b")
        .unwrap()
        .1
        .contains("Server B 1"));

    // A normal sync afterwards: nothing duplicated. (Whether the server still offers the
    // edit it held back during the one-way-from-client sync is the server's choice:
    // SyncEvolution's engine counts it as done.)
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(r["conflicts"], 0, "{r}");
    assert!(vdir_find(&s.vdir, "client-a")
        .unwrap()
        .1
        .contains("Client A 2"));
    for uid in ["client-a", "server-b"] {
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1);
        assert_eq!(s.server_count_uid(uid), 1);
    }
}

/// Refresh from the server: the phone takes the server's versions (local-only events are
/// kept and paired, never deleted); refresh from the client: the server takes the phone's.
#[test]
fn refresh_modes_take_one_side_as_the_truth() {
    let s = setup();
    s.write_local("a.ics", &simple("client-a", "Client A", "20260301T090000Z"));
    s.server.put_item(
        &s.peer,
        "s1",
        &simple("server-b", "Server B", "20260303T090000Z"),
    );
    s.sync();
    let (sname, stext) = s
        .server
        .item_files(&s.peer)
        .into_iter()
        .find(|(_, t)| t.contains("UID:server-b"))
        .unwrap();
    s.server
        .put_item(&s.peer, &sname, &with_summary(&stext, "Server B newer"));
    let r = s.sync_args(&["--mode", "refresh-from-server", "--yes"]);
    assert_eq!(r["status"], "ok", "{r}");
    assert!(vdir_find(&s.vdir, "server-b")
        .unwrap()
        .1
        .contains("Server B newer"));
    assert!(vdir_find(&s.vdir, "client-a").is_some());
    assert_eq!(vdir_count_uid(&s.vdir, "server-b"), 1);

    let (name, text) = vdir_find(&s.vdir, "client-a").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.write_local(&name, &with_summary(&text, "Client A newer"));
    let r = s.sync_args(&["--mode", "refresh-from-client", "--yes"]);
    assert_eq!(r["status"], "ok", "{r}");
    assert!(s
        .server
        .items(&s.peer)
        .iter()
        .any(|t| t.contains("SUMMARY:Client A newer")));
    for uid in ["client-a", "server-b"] {
        assert_eq!(s.server_count_uid(uid), 1, "{uid}");
        assert_eq!(vdir_count_uid(&s.vdir, uid), 1, "{uid}");
    }
    let r = s.sync();
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
}

/// A server that switches a one-way-from-client sync into one that writes to the phone is
/// refused (a real server once erased a user's phone this way): nothing changes locally.
#[test]
fn a_server_may_not_write_during_one_way_from_client() {
    let s = setup_proxied();
    let (server, peer, cli, vdir) = (&s.server, &s.peer, &s.cli, &s.vdir);
    let proxy = s.proxy.as_ref().expect("proxied");
    fs::write(
        vdir.join("a.ics"),
        simple("client-a", "A", "20260301T090000Z"),
    )
    .unwrap();
    cli.run(&["sync", "t", "--json"]).expect_ok();
    server.put_item(peer, "s1", &simple("server-b", "B", "20260303T090000Z"));
    let before = vdir_files(vdir);

    // The server's Alert answers 202 (one-way from client); make it say 200 (two-way).
    proxy.set(Fault::Rewrite(
        "<Data>202</Data>".into(),
        "<Data>200</Data>".into(),
    ));
    let out = cli.run(&["sync", "t", "--json", "--mode", "one-way-from-client"]);
    assert_ne!(out.code, 0, "{out}");
    let r = out.json_one();
    assert!(
        r["errors"]
            .to_string()
            .contains("one-way-from-client sync: refused"),
        "{r}"
    );
    assert_eq!(vdir_files(vdir), before);
}

/// A vanished local calendar is a reset: the events come back from the server, nothing is
/// deleted there.
#[test]
fn a_vanished_local_calendar_never_deletes_on_the_server() {
    let s = setup();
    for i in 0..3 {
        s.write_local(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), "E", "20260301T090000Z"),
        );
    }
    s.sync();
    assert_eq!(s.server.items(&s.peer).len(), 3);
    fs::remove_dir_all(&s.vdir).unwrap();
    fs::create_dir_all(&s.vdir).unwrap();
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(r["server"]["deleted"], 0, "{r}");
    assert_eq!(s.server.items(&s.peer).len(), 3);
    assert_eq!(vdir_files(&s.vdir).len(), 3);
    for i in 0..3 {
        assert_eq!(vdir_count_uid(&s.vdir, &format!("e{i}")), 1);
    }
}

/// A transient status on one item (417 retry later) is no failure: the session goes through
/// (anchors committed, no slow sync next time) and the item is sent again at the next sync,
/// where it ends up once on the server.
#[test]
fn an_item_refused_for_now_is_sent_again_next_time() {
    let s = setup_proxied();
    let (server, peer, cli, vdir) = (&s.server, &s.peer, &s.cli, &s.vdir);
    let proxy = s.proxy.as_ref().expect("proxied");
    fs::write(
        vdir.join("a.ics"),
        simple("client-a", "A", "20260301T090000Z"),
    )
    .unwrap();
    cli.run(&["sync", "t", "--json"]).expect_ok();

    fs::write(
        vdir.join("b.ics"),
        simple("client-b", "B", "20260302T090000Z"),
    )
    .unwrap();
    // The server's "201 added" for our Add becomes "417 retry later".
    proxy.set(Fault::Rewrite(
        "<Data>201</Data>".into(),
        "<Data>417</Data>".into(),
    ));
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert!(r["warnings"].to_string().contains("417"), "{r}");
    assert_eq!(r["server"]["added"], 0, "{r}");

    proxy.set(Fault::None);
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(r["status"], "ok", "{r}");
    let on_server = server
        .items(peer)
        .iter()
        .filter(|t| t.lines().any(|l| l.trim_end() == "UID:client-b"))
        .count();
    assert_eq!(on_server, 1, "{r}");
    assert_eq!(vdir_count_uid(vdir, "client-b"), 1);
    let out = cli.run(&["sync", "t", "--json"]);
    let r = out.json_one();
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
}

/// Ctrl-C during a session: `synchro` stops at the next safe point, tells the server it
/// suspends (Alert 224) and exits 1; the next syncs converge with nothing lost or doubled.
#[test]
fn ctrl_c_suspends_and_the_next_sync_recovers() {
    let s = setup_proxied();
    let (server, peer, cli, vdir) = (&s.server, &s.peer, &s.cli, &s.vdir);
    let proxy = s.proxy.as_ref().expect("proxied");
    fs::write(
        vdir.join("a.ics"),
        simple("client-a", "A", "20260301T090000Z"),
    )
    .unwrap();
    cli.run(&["sync", "t", "--json"]).expect_ok();
    fs::write(
        vdir.join("b.ics"),
        simple("client-b", "B", "20260302T090000Z"),
    )
    .unwrap();
    server.put_item(peer, "s1", &simple("server-c", "C", "20260303T090000Z"));

    // Every message waits 2 s at the proxy; Ctrl-C arrives while our changes are out.
    proxy.set(Fault::Delay("POST".into(), 2_000));
    proxy.reset_count();
    let child = std::process::Command::new(synchro_tests::synchro_bin())
        .args(["--db", cli.db().to_str().unwrap(), "sync", "t", "--json"])
        .env("SYNCHRO_PASSWORD", &peer.password)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while proxy.request_count() < 2 {
        assert!(std::time::Instant::now() < deadline, "no second message");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    // The suspend alert went out after the interrupted message.
    assert!(proxy.request_count() >= 3, "{}", proxy.request_count());

    proxy.set(Fault::None);
    for _ in 0..2 {
        cli.run(&["sync", "t", "--json"]).expect_ok();
    }
    for uid in ["client-a", "client-b", "server-c"] {
        assert_eq!(vdir_count_uid(vdir, uid), 1, "{uid} locally");
        let on_server = server
            .items(peer)
            .iter()
            .filter(|t| t.lines().any(|l| l.trim_end() == format!("UID:{uid}")))
            .count();
        assert_eq!(on_server, 1, "{uid} on the server");
    }
    let r = cli.run(&["sync", "t", "--json"]).json_one();
    assert_eq!(counts(&r, "server"), (0, 0, 0), "{r}");
    assert_eq!(counts(&r, "device"), (0, 0, 0), "{r}");
}

/// Basic auth, when asked for: the server accepts it (212) and it is kept for the next
/// sessions.
#[test]
fn basic_auth_when_asked_for() {
    let s = setup_with(PeerOpts::default(), &["--auth", "basic"]);
    s.write_local("a.ics", &simple("client-a", "A", "20260301T090000Z"));
    let r = s.sync();
    assert_eq!(r["server"]["added"], 1, "{r}");
    let r = s.sync();
    assert_eq!(r["status"], "ok", "{r}");
    let conn = rusqlite::Connection::open(s.cli.db()).unwrap();
    let auth: String = conn
        .query_row("SELECT auth FROM syncml", [], |r| r.get(0))
        .unwrap();
    assert_eq!(auth, "basic");
    // Our credential was basic from the first message on (a refusal would have switched
    // us to md5 and stored it), and the server accepted it.
    assert!(s
        .server
        .last_session_log(&s.peer)
        .contains("Authorization accepted: 212"));
}

/// A server that refuses SyncML 1.2 (status 513) gets the session again in SyncML 1.1.
#[test]
fn falls_back_to_syncml_1_1() {
    let s = setup_proxied();
    let (server, peer, cli, vdir) = (&s.server, &s.peer, &s.cli, &s.vdir);
    let proxy = s.proxy.as_ref().expect("proxied");
    fs::write(
        vdir.join("a.ics"),
        simple("client-a", "A", "20260301T090000Z"),
    )
    .unwrap();
    server.put_item(peer, "s1", &simple("server-b", "B", "20260303T090000Z"));
    // Every answer to a 1.2 message says "513 version not supported" in its header status.
    proxy.set(Fault::HeaderStatusWhen("SyncML/1.2".into(), 513));
    let out = cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, 0, "{out}\n{}", server.last_session_log(peer));
    assert!(
        server
            .last_session_log(peer)
            .contains("SyncML Version: SyncML/1.1"),
        "the session did not go on in SyncML 1.1"
    );
    assert_eq!(vdir_count_uid(vdir, "server-b"), 1);
    assert!(server
        .items(peer)
        .iter()
        .any(|t| t.contains("UID:client-a")));
}
