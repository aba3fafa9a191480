//! The `synchro` CLI as a SyncML client of a real SyncML DS 1.2 server (SyncEvolution 2.0.0,
//! `synchro_tests::syncevo`): slow first sync with data on both sides, two-way additions,
//! edits and deletions each way, auth (md5 and basic, wrong password), vCalendar 1.0 on the
//! wire, WBXML on the wire.

use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use synchro_tests::calendar::{simple, vdir_count_uid, vdir_files, vdir_find, with_summary};
use synchro_tests::syncevo::{Format, PeerConfig, PeerOpts, SyncEvoServer};
use synchro_tests::Cli;

/// A server with one peer, a CLI user and an account "t" syncing it with a vdir.
struct Setup {
    server: SyncEvoServer,
    peer: PeerConfig,
    cli: Cli,
    vdir: PathBuf,
}

fn setup_with(opts: PeerOpts, extra: &[&str]) -> Setup {
    let server = SyncEvoServer::start();
    let device = format!("synchro-test-{}", std::process::id());
    let peer = server.add_peer(&device, &opts);
    let cli = Cli::new(&opts.password);
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    fs::create_dir_all(&vdir).unwrap();
    let user = opts.username.clone().unwrap_or_default();
    let mut args = vec![
        "account",
        "add",
        "t",
        "--syncml",
        &server.url,
        "--username",
        &user,
        "--local",
        &spec,
        "--device-id",
        &device,
        "--server-uri",
        &peer.datastore_uri,
    ];
    args.extend_from_slice(extra);
    cli.run(&args).expect_ok();
    Setup {
        server,
        peer,
        cli,
        vdir,
    }
}

fn setup() -> Setup {
    setup_with(PeerOpts::default(), &[])
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
            .filter(|t| t.contains(&format!("UID:{uid}")))
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
