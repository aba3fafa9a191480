//! SyncML credentials against the real SyncEvolution server, seen through the fault proxy:
//! md5 without a nonce sends no credentials at all (the server's 407 brings a nonce), never
//! basic; a server asking for basic instead is refused unless the account allows it, and
//! even then the account keeps md5.

use synchro_tests::calendar::simple;
use synchro_tests::proxy::{Fault, Proxy};
use synchro_tests::syncevo::{add_syncml_account, PeerOpts, SyncEvoServer};
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
fn md5_without_a_nonce_sends_no_basic_and_a_downgrade_is_refused_unless_allowed() {
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

    // First sync, no nonce yet: the first message has no Cred, the server's 407 brings a
    // nonce, the session starts again with md5. Basic never goes out.
    cli.run(&["sync", "t"]).expect_ok();
    let sent = bodies(&proxy);
    assert!(sent.len() >= 2, "{sent:?}");
    assert!(!sent[0].contains("<Cred>"), "{}", sent[0]);
    assert!(sent[1].contains("syncml:auth-md5"), "{}", sent[1]);
    assert!(!sent.iter().any(|b| b.contains("auth-basic")));
    assert_eq!(server.items(&peer).len(), 1);
    assert_eq!(stored_auth(&cli), "md5");

    // The next sync uses the kept nonce at once.
    proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    let sent = bodies(&proxy);
    assert!(sent[0].contains("syncml:auth-md5"), "{}", sent[0]);

    // A server (here: its answers rewritten) that asks for basic instead: refused, with
    // the auth exit code and a message naming the switch; no basic credential was sent.
    proxy.set(Fault::Rewrite(
        "syncml:auth-md5".into(),
        "syncml:auth-basic".into(),
    ));
    cli.run(&["account", "set", "t", "--allow-basic", "false"]);
    let c = rusqlite::Connection::open(cli.db()).unwrap();
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
