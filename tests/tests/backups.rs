//! Backups against a real server: a pinned snapshot before the first sync, prior versions
//! before each sync that changes data, manual snapshots, export as .ics, restore of each side
//! (dry run and real) leaving a store from which the next sync propagates nothing unexpected,
//! rotation within the budget, and a snapshot before a settings change.

use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use synchro_tests::calendar::{simple, vdir_count_uid, vdir_files, vdir_find, with_summary};
use synchro_tests::{Cli, Peer, Server};

struct Setup {
    server: Server,
    cli: Cli,
    vdir: PathBuf,
}

fn setup(events: usize) -> Setup {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    cli.run(&[
        "account",
        "add",
        "t",
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
    for i in 0..events {
        server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), &format!("Event {i}"), "20251005T090000Z"),
        );
    }
    let s = Setup { server, cli, vdir };
    s.sync(&[]);
    s
}

impl Setup {
    fn sync(&self, extra: &[&str]) -> Value {
        let mut args = vec!["sync", "t", "--json"];
        args.extend_from_slice(extra);
        let out = self.cli.run(&args);
        out.expect_ok();
        out.json_one()
    }

    fn backups(&self) -> Vec<Value> {
        let out = self.cli.run(&["backup", "list", "t", "--json"]);
        out.expect_ok();
        out.json()
    }

    fn server_uids(&self) -> Vec<String> {
        let mut uids: Vec<String> = self
            .server
            .list()
            .into_iter()
            .filter_map(|(n, _)| self.server.get_ics(&n))
            .filter_map(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("UID:").map(|u| u.trim().to_string()))
            })
            .collect();
        uids.sort();
        uids
    }
}

#[test]
fn first_sync_and_changes_are_backed_up_and_exportable() {
    let s = setup(4);
    let list = s.backups();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["reason"], "first-sync");
    assert_eq!(list[0]["pinned"], true);
    assert_eq!(list[0]["server_items"], 4);

    // A sync that changes data keeps the prior versions of what it changes.
    let (f, t) = vdir_find(&s.vdir, "e1").unwrap();
    fs::write(s.vdir.join(f), with_summary(&t, "Edited")).unwrap();
    s.sync(&[]);
    let list = s.backups();
    assert_eq!(list.len(), 2, "{list:?}");
    // The first sync of the day took the full snapshot; later ones keep prior versions.
    assert_eq!(list[0]["reason"], "before-sync");
    assert_eq!(list[0]["server_items"], 1);
    let id = list[0]["id"].to_string();
    let file = s.cli.dir().join("prior.ics");
    s.cli
        .run(&["backup", "export", &id, file.to_str().unwrap()])
        .expect_ok();
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("UID:e1") && text.contains("SUMMARY:Event 1"),
        "{text}"
    );

    // A manual snapshot downloads the server.
    s.cli.run(&["backup", "create", "t"]).expect_ok();
    let list = s.backups();
    assert_eq!(list[0]["reason"], "manual");
    assert_eq!(list[0]["server_items"], 4);
    assert_eq!(list[0]["device_items"], 4);
    let file = s.cli.dir().join("all.ics");
    s.cli
        .run(&[
            "backup",
            "export",
            &list[0]["id"].to_string(),
            file.to_str().unwrap(),
        ])
        .expect_ok();
    let text = fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 4);
    assert_eq!(text.matches("BEGIN:VCALENDAR").count(), 1);
}

/// The help page's disaster: events deleted on the phone, deleted on the server by the
/// sync. Restoring the server brings them back everywhere.
#[test]
fn restore_server_after_a_deletion_propagated() {
    let s = setup(12);
    let first = s.backups()[0]["id"].to_string();
    for uid in ["e0", "e1", "e2"] {
        let (f, _) = vdir_find(&s.vdir, uid).unwrap();
        fs::remove_file(s.vdir.join(f)).unwrap();
    }
    let r = s.sync(&[]);
    assert_eq!(r["server"]["deleted"], 3, "{r}");
    assert_eq!(s.server.list().len(), 9);
    // Meanwhile another client edits e5.
    s.server.put_ics(
        "e5.ics",
        &simple("e5", "Changed elsewhere", "20251005T090000Z"),
    );

    // Dry run: shows the changes, changes nothing.
    let out = s
        .cli
        .run(&["backup", "restore", &first, "--side", "server", "--dry-run"]);
    out.expect_ok();
    assert!(out.stdout.contains("4 change(s) (dry run"), "{out}");
    assert_eq!(s.server.list().len(), 9);

    let out = s
        .cli
        .run(&["backup", "restore", &first, "--side", "server"]);
    out.expect_ok();
    assert_eq!(s.server.list().len(), 12, "{out}");
    assert!(s.server.get_ics("e5.ics").unwrap().contains("Event 5"));
    // The next sync brings the restored events to the phone and pushes nothing back.
    let r = s.sync(&[]);
    assert_eq!(r["server"]["added"], 0, "{r}");
    assert_eq!(r["server"]["updated"], 0, "{r}");
    assert_eq!(r["server"]["deleted"], 0, "{r}");
    assert_eq!(vdir_files(&s.vdir).len(), 12);
    assert!(vdir_find(&s.vdir, "e5").unwrap().1.contains("Event 5"));
    for i in 0..12 {
        assert_eq!(vdir_count_uid(&s.vdir, &format!("e{i}")), 1);
    }
    let r = s.sync(&[]);
    assert_eq!(r["device"]["added"], 0, "{r}");
}

/// Restoring the device re-creates lost events there and pushes them only where the server
/// lost them: an event the server still holds (edited there since) is not overwritten.
#[test]
fn restore_device_pushes_only_what_the_server_lost() {
    let s = setup(6);
    // The first-sync snapshot holds the device as it was before: empty. Take one now.
    s.cli.run(&["backup", "create", "t"]).expect_ok();
    let first = s.backups()[0]["id"].to_string();
    for uid in ["e0", "e1"] {
        let (f, _) = vdir_find(&s.vdir, uid).unwrap();
        fs::remove_file(s.vdir.join(f)).unwrap();
    }
    s.sync(&[]);
    s.server.put_ics(
        "e3.ics",
        &simple("e3", "Newer on the server", "20251005T090000Z"),
    );
    s.sync(&[]);
    assert!(vdir_find(&s.vdir, "e3")
        .unwrap()
        .1
        .contains("Newer on the server"));
    // An event added since the snapshot is kept unless --yes.
    fs::write(
        s.vdir.join("added.ics"),
        simple("added", "Added later", "20251009T090000Z"),
    )
    .unwrap();

    // Dry run: the changes are shown, the folder is untouched.
    let before = vdir_files(&s.vdir);
    let out = s
        .cli
        .run(&["backup", "restore", &first, "--side", "device", "--dry-run"]);
    out.expect_ok();
    assert!(out.stdout.contains("3 change(s) (dry run"), "{out}");
    assert_eq!(vdir_files(&s.vdir), before);

    let out = s
        .cli
        .run(&["backup", "restore", &first, "--side", "device"]);
    out.expect_ok();
    assert!(out.stdout.contains("kept"), "{out}");
    assert!(vdir_find(&s.vdir, "e0").is_some());
    assert!(vdir_find(&s.vdir, "added").is_some());
    assert!(vdir_find(&s.vdir, "e3").unwrap().1.contains("Event 3"));

    let r = s.sync(&[]);
    assert_eq!(r["server"]["added"], 3, "{r}"); // e0, e1 (lost there) and the new one
    assert_eq!(r["server"]["updated"], 0, "{r}");
    assert!(s
        .server
        .get_ics("e3.ics")
        .unwrap()
        .contains("Newer on the server"));
    let uids = s.server_uids();
    assert_eq!(uids.len(), 7, "{uids:?}");
    let r = s.sync(&[]);
    assert_eq!(r["server"]["added"], 0, "{r}");
    assert_eq!(r["device"]["added"], 0, "{r}");
}

#[test]
fn rotation_and_settings_change() {
    let s = setup(3);
    s.cli
        .run(&["account", "set", "t", "--backup-max-count", "2"])
        .expect_ok();
    let list = s.backups();
    assert_eq!(list[0]["reason"], "settings-change");
    for n in 0..4 {
        let (f, t) = vdir_find(&s.vdir, "e1").unwrap();
        fs::write(s.vdir.join(f), with_summary(&t, &format!("Edit {n}"))).unwrap();
        s.sync(&[]);
    }
    let list = s.backups();
    let unpinned = list.iter().filter(|b| b["pinned"] == false).count();
    assert!(unpinned <= 2, "{list:?}");
    // The pinned first-sync and settings-change snapshots survive rotation.
    assert!(list.iter().any(|b| b["reason"] == "first-sync"));
    assert!(list.iter().any(|b| b["reason"] == "settings-change"));
}

/// With `--yes`, a restore also removes what was added since the snapshot, on both sides.
#[test]
fn restore_both_sides_with_yes_removes_what_was_added_since() {
    let s = setup(3);
    s.cli.run(&["backup", "create", "t"]).expect_ok();
    let snapshot = s.backups()[0]["id"].to_string();
    fs::write(
        s.vdir.join("added.ics"),
        simple("added", "Added later", "20251009T090000Z"),
    )
    .unwrap();
    s.server.put_ics(
        "x.ics",
        &simple("x", "Added on the server", "20251010T090000Z"),
    );
    s.sync(&[]);
    assert_eq!(s.server.list().len(), 5);
    let out = s
        .cli
        .run(&["backup", "restore", &snapshot, "--side", "both", "--yes"]);
    out.expect_ok();
    assert!(out.stdout.contains("remove"), "{out}");
    assert_eq!(s.server.list().len(), 3, "{out}");
    assert_eq!(vdir_files(&s.vdir).len(), 3, "{out}");
    let r = s.sync(&[]);
    for side in ["device", "server"] {
        for k in ["added", "updated", "deleted"] {
            assert_eq!(r[side][k], 0, "{r}");
        }
    }
    assert_eq!(s.server.list().len(), 3);
    assert_eq!(vdir_files(&s.vdir).len(), 3);
}

/// SyncML accounts get the same backups; the device side restores, the server side says
/// clearly that it cannot (SyncML has no way to rewrite the server's copy directly).
#[test]
fn syncml_accounts_are_backed_up_and_restore_the_device_side() {
    use synchro_tests::syncevo::{add_syncml_account, PeerOpts, SyncEvoServer};
    let server = SyncEvoServer::start();
    let opts = PeerOpts::default();
    let device = format!("synchro-backup-{}", std::process::id());
    let peer = server.add_peer(&device, &opts);
    let cli = Cli::new(&opts.password);
    let vdir = add_syncml_account(&cli, "m", &server.url, &peer, &[]);
    fs::write(vdir.join("a.ics"), simple("a", "A", "20251005T090000Z")).unwrap();
    fs::write(vdir.join("b.ics"), simple("b", "B", "20251006T090000Z")).unwrap();
    cli.run(&["sync", "m", "--json"]).expect_ok();
    cli.run(&["backup", "create", "m"]).expect_ok();
    let list = cli.run(&["backup", "list", "m", "--json"]).json();
    assert_eq!(list[0]["reason"], "manual");
    assert_eq!(list[0]["device_items"], 2);
    let id = list[0]["id"].to_string();
    let (f, _) = vdir_find(&vdir, "a").unwrap();
    fs::remove_file(vdir.join(f)).unwrap();
    let out = cli.run(&["backup", "restore", &id]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("--side device"), "{out}");
    cli.run(&["backup", "restore", &id, "--side", "device"])
        .expect_ok();
    assert!(vdir_find(&vdir, "a").is_some());
    let out = cli.run(&["sync", "m", "--json"]);
    out.expect_ok();
    assert_eq!(out.json_one()["server"]["deleted"], 0);
}
