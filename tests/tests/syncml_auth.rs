//! SyncML credentials against the real SyncEvolution server, seen through the fault proxy:
//! md5 without a nonce goes over the empty nonce, which a server that gave the device no
//! nonce yet accepts at once (one message fewer than asking for a challenge first), never
//! basic; a server expecting another nonce challenges, and the session starts again once
//! with it; a server asking for basic instead is refused unless the account allows it, and
//! even then the account keeps md5.

use std::collections::BTreeSet;

use synchro_tests::calendar::simple;
use synchro_tests::proxy::{Fault, Proxy};
use synchro_tests::syncevo::{add_syncml_account, first_tag, PeerOpts, SyncEvoServer};
use synchro_tests::Cli;

fn bodies(proxy: &Proxy) -> Vec<String> {
    proxy
        .request_bodies()
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

fn stored_auth(cli: &Cli) -> String {
    let conn = rusqlite::Connection::open(cli.db()).unwrap();
    conn.query_row("SELECT auth FROM syncml", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn md5_without_a_nonce_goes_over_the_empty_nonce_and_a_downgrade_is_refused_unless_allowed() {
    let server = SyncEvoServer::start();
    let opts = PeerOpts::default();
    let peer = server.add_peer(&format!("synchro-auth-{}", std::process::id()), &opts);
    let cli = Cli::new(&opts.password);
    let proxy = Proxy::start(&server.origin());
    let vdir = add_syncml_account(&cli, "t", &proxy.url(&server.url), &peer, &[]);
    std::fs::write(
        vdir.join("a.ics"),
        simple("md5-a", "Lecture", "20260301T090000Z"),
    )
    .unwrap();

    // First sync, no nonce yet: the first message carries md5 over the empty nonce (what
    // SyncEvolution's own client sends), with the user name in LocName. The server gave
    // this device no nonce yet, so it accepts it (212): no restart, no Cred after the
    // first message, and 3 messages in all (Alert and DevInf, our Sync, the Map), where
    // asking for the challenge first took 4. Basic never goes out.
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let sent = bodies(&proxy);
    assert!(sent[0].contains("syncml:auth-md5"), "{}", sent[0]);
    assert!(sent[0].contains("<LocName>test</LocName>"), "{}", sent[0]);
    let sessions: BTreeSet<_> = sent.iter().map(|b| first_tag(b, "SessionID")).collect();
    assert_eq!(sessions.len(), 1, "the session started again: {sent:?}");
    assert!(!sent[1..].iter().any(|b| b.contains("<Cred>")), "{sent:?}");
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(out.json_one()["requests"], 3, "{out}");
    assert!(!sent.iter().any(|b| b.contains("auth-basic")));
    assert_eq!(server.items(&peer).len(), 1);
    assert_eq!(stored_auth(&cli), "md5");

    // The next sync uses the kept nonce at once.
    proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    let sent = bodies(&proxy);
    assert!(sent[0].contains("syncml:auth-md5"), "{}", sent[0]);

    // The nonce lost on our side while the server expects the one it gave: md5 over the
    // empty nonce is refused with a challenge (401), and the session starts again once with
    // its nonce: one message more, no failure.
    let c = rusqlite::Connection::open(cli.db()).unwrap();
    c.execute("UPDATE syncml SET nonce = NULL", []).unwrap();
    proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    let sent = bodies(&proxy);
    assert!(sent.len() >= 2, "{sent:?}");
    assert!(sent[0].contains("syncml:auth-md5"), "{}", sent[0]);
    assert!(sent[1].contains("syncml:auth-md5"), "{}", sent[1]);
    assert_ne!(
        first_tag(&sent[0], "SessionID"),
        first_tag(&sent[1], "SessionID")
    );
    assert!(!sent[2..].iter().any(|b| b.contains("<Cred>")), "{sent:?}");

    // A server (here: its answers rewritten) that asks for basic instead: refused, with
    // the auth exit code and a message naming the switch; no basic credential was sent.
    proxy.set(Fault::Rewrite(
        "syncml:auth-md5".into(),
        "syncml:auth-basic".into(),
    ));
    cli.run(&["account", "set", "t", "--allow-basic", "false"]);
    c.execute("UPDATE syncml SET nonce = NULL", []).unwrap();
    proxy.reset_count();
    let out = cli.run(&["sync", "t"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stdout.contains("--allow-basic"), "{out:?}");
    assert!(!bodies(&proxy).iter().any(|b| b.contains("auth-basic")));
    assert_eq!(stored_auth(&cli), "md5");

    // Allowed: the session goes on in basic, and the account still starts with md5.
    cli.run(&["account", "set", "t", "--allow-basic", "true"])
        .expect_ok();
    c.execute("UPDATE syncml SET nonce = NULL", []).unwrap();
    proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    let sent = bodies(&proxy);
    assert!(
        sent.iter().any(|b| b.contains("syncml:auth-basic")),
        "{sent:?}"
    );
    assert_eq!(stored_auth(&cli), "md5");
    proxy.set(Fault::None);
    proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    assert!(!bodies(&proxy).iter().any(|b| b.contains("auth-basic")));
}

/// The account's trust settings hold for SyncML too: behind a TLS front with a private CA,
/// the sync fails with the TLS exit code (nothing reaches the server) until the CA file is
/// given.
#[test]
fn syncml_over_tls_uses_the_accounts_trust_settings() {
    use synchro_tests::tls::{TestCa, TlsFront, Validity};
    let server = SyncEvoServer::start();
    let opts = PeerOpts::default();
    let peer = server.add_peer(&format!("synchro-tls-{}", std::process::id()), &opts);
    let cli = Cli::new(&opts.password).strict_http();
    let proxy = Proxy::start(&server.origin());
    let ca = TestCa::new();
    let front = TlsFront::start(&proxy.origin, &ca.issue(&["127.0.0.1"], Validity::Current));
    let url = front.url(&proxy.url(&server.url));
    let vdir = add_syncml_account(&cli, "t", &url, &peer, &[]);
    std::fs::write(
        vdir.join("a.ics"),
        simple("tls-a", "Lecture", "20260301T090000Z"),
    )
    .unwrap();
    let out = cli.run(&["sync", "t"]);
    assert_eq!(out.code, 6, "{out:?}");
    assert!(out.stdout.contains("unknown issuer"), "{out:?}");
    assert_eq!(front.requests(), 0);
    assert_eq!(proxy.request_count(), 0);

    let ca_file = ca.write_pem(cli.dir(), "ca.pem").display().to_string();
    cli.run(&["account", "set", "t", "--ca-file", &ca_file])
        .expect_ok();
    cli.run(&["sync", "t"]).expect_ok();
    assert_eq!(server.items(&peer).len(), 1);
    assert!(front.requests() >= 2);
}
