//! Two events with one UID on one side never block an account: a copy of a synced event on
//! the device (an invitation imported twice) stays on the device, is not sent, is reported,
//! and every later sync goes on; deleting the original lets the copy take its place.

use std::fs;

use synchro_tests::calendar::{simple, vdir_files, with_summary};
use synchro_tests::{Cli, Peer, Server};

fn uids_on_server(server: &Server) -> Vec<String> {
    let mut v: Vec<String> = server
        .list()
        .iter()
        .filter_map(|(name, _)| server.get_ics(name))
        .filter_map(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("UID:").map(|u| u.trim().to_string()))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_copy_on_the_device_never_blocks_the_account() {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let vdir = cli.add_vdir_account(
        "t",
        &server.base_url,
        &server.username,
        &server.calendar_url,
        &[],
    );
    server.put_ics("a.ics", &simple("a", "Cours", "20251005T090000Z"));
    server.put_ics("b.ics", &simple("b", "TD", "20251006T090000Z"));
    cli.run(&["sync", "t", "--json"]).expect_ok();
    let files = vdir_files(&vdir);
    assert_eq!(files.len(), 2);
    let (a_name, a_text) = files
        .iter()
        .find(|(_, t)| t.contains("UID:a"))
        .cloned()
        .unwrap();

    // The same event imported again, and a copy edited in another app.
    fs::write(vdir.join("a-imported-again.ics"), &a_text).unwrap();
    fs::write(
        vdir.join("a-edited-copy.ics"),
        with_summary(&a_text, "Cours (copie)"),
    )
    .unwrap();
    for round in 0..2 {
        let out = cli.run(&["sync", "t", "--json"]);
        out.expect_ok();
        let r = out.json_one();
        assert_eq!(r["errors"].as_array().map(Vec::len), Some(0), "{r}");
        let warnings = r["warnings"].to_string();
        assert!(
            warnings.contains("2 event(s) with the UID"),
            "round {round}: {r}"
        );
        assert_eq!(uids_on_server(&server), ["a", "b"], "round {round}");
        assert_eq!(vdir_files(&vdir).len(), 4, "the copies stay, round {round}");
    }

    // The account still syncs both ways.
    server.put_ics("a.ics", &simple("a", "Cours (amphi B)", "20251005T090000Z"));
    fs::write(
        vdir.join("c.ics"),
        simple("c", "Réunion", "20251007T090000Z"),
    )
    .unwrap();
    cli.run(&["sync", "t", "--json"]).expect_ok();
    assert_eq!(uids_on_server(&server), ["a", "b", "c"]);
    let original = fs::read_to_string(vdir.join(&a_name)).unwrap();
    assert!(original.contains("SUMMARY:Cours (amphi B)"), "{original}");

    // The original deleted: one copy takes its place, the account goes on.
    fs::remove_file(vdir.join(&a_name)).unwrap();
    fs::remove_file(vdir.join("a-edited-copy.ics")).unwrap();
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(r["errors"].as_array().map(Vec::len), Some(0), "{r}");
    cli.run(&["sync", "t", "--json"]).expect_ok();
    assert_eq!(uids_on_server(&server), ["a", "b", "c"]);
    assert_eq!(vdir_files(&vdir).len(), 3);
}

/// The same on a SyncML account (SyncEvolution's server): a copy on the device never
/// blocks the account.
#[test]
fn a_copy_on_the_device_never_blocks_a_syncml_account() {
    use synchro_tests::syncevo::{add_syncml_account, PeerOpts, SyncEvoServer};
    let server = SyncEvoServer::start();
    let opts = PeerOpts::default();
    let peer = server.add_peer(&format!("synchro-dup-{}", std::process::id()), &opts);
    let cli = Cli::new(&opts.password);
    let vdir = add_syncml_account(&cli, "t", &server.url, &peer, &[]);
    fs::write(vdir.join("a.ics"), simple("a", "Cours", "20251005T090000Z")).unwrap();
    cli.run(&["sync", "t", "--json"]).expect_ok();
    assert_eq!(server.items(&peer).len(), 1);
    let a_text = fs::read_to_string(vdir.join("a.ics")).unwrap();
    fs::write(vdir.join("a-imported-again.ics"), &a_text).unwrap();
    for round in 0..2 {
        let out = cli.run(&["sync", "t", "--json"]);
        out.expect_ok();
        let r = out.json_one();
        assert_eq!(
            r["errors"].as_array().map(Vec::len),
            Some(0),
            "round {round}: {r}"
        );
        assert_eq!(server.items(&peer).len(), 1, "round {round}");
        assert_eq!(vdir_files(&vdir).len(), 2, "round {round}");
    }
    fs::write(vdir.join("b.ics"), simple("b", "TD", "20251006T090000Z")).unwrap();
    cli.run(&["sync", "t", "--json"]).expect_ok();
    assert_eq!(server.items(&peer).len(), 2);
}
