//! Credentials and trust against a real Radicale: Basic auth over plain http only when the
//! account allows it (and never before a challenge), and TLS through a front with
//! certificates made here: unknown issuer, a CA file, name mismatch, expiry, pins. A
//! server that fails verification never receives a request.

use synchro_tests::calendar::{simple, vdir_files};
use synchro_tests::proxy::Proxy;
use synchro_tests::tls::{ServerCert, TestCa, TlsFront, Validity};
use synchro_tests::{Cli, Peer, Server};

/// Exit code of a refused TLS certificate.
const EXIT_TLS: i32 = 6;
/// Exit code of bad settings (Basic over plain http not allowed).
const EXIT_CONFIG: i32 = 2;

fn has_authorization(head: &[String]) -> bool {
    head.iter()
        .any(|l| l.to_ascii_lowercase().starts_with("authorization:"))
}

fn add_args<'a>(url: &'a str, cal: &'a str, user: &'a str, local: &'a str) -> Vec<&'a str> {
    vec![
        "account",
        "add",
        "t",
        "--caldav",
        url,
        "--calendar",
        cal,
        "--username",
        user,
        "--local",
        local,
    ]
}

#[test]
fn basic_over_plain_http_needs_allow_insecure_http() {
    let server = Server::start(Peer::RadicalePypi);
    server.put_ics("a.ics", &simple("auth-a", "Lecture", "20260105T090000Z"));
    let proxy = Proxy::start(&server.base_url);
    let (url, cal) = (proxy.url(&server.base_url), proxy.url(&server.calendar_url));
    let cli = Cli::for_server(&server).strict_http();
    let local = cli.vdir_spec("phone");
    let args = add_args(&url, &cal, &server.username, &local);

    // Without the switch, the account is not even added; the password never left.
    let out = cli.run(&args);
    assert_eq!(out.code, EXIT_CONFIG, "{out:?}");
    assert!(out.stderr.contains("--allow-insecure-http"), "{out:?}");
    assert!(out.stderr.contains("plain http"), "{out:?}");
    let heads = proxy.request_heads();
    assert!(!heads.is_empty());
    assert!(!heads.iter().any(|h| has_authorization(h)), "{heads:?}");

    // With it, syncs work; Basic, learned when the account was added, goes with the first
    // request of each sync (the account allows it over plain http).
    let mut allowed = args.clone();
    allowed.push("--allow-insecure-http");
    cli.run(&allowed).expect_ok();
    cli.run(&["sync", "t"]).expect_ok();
    assert_eq!(vdir_files(&cli.dir().join("phone")).len(), 1);
    proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    let heads = proxy.request_heads();
    assert!(has_authorization(&heads[0]), "{heads:?}");

    // Switched off again: the sync fails with the clear error, nothing with credentials.
    cli.run(&["account", "set", "t", "--allow-insecure-http", "false"])
        .expect_ok();
    server.put_ics("b.ics", &simple("auth-b", "Seminar", "20260106T090000Z"));
    proxy.reset_count();
    let out = cli.run(&["sync", "t"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("--allow-insecure-http"), "{out:?}");
    let heads = proxy.request_heads();
    assert!(!heads.is_empty());
    assert!(!heads.iter().any(|h| has_authorization(h)), "{heads:?}");
    assert_eq!(vdir_files(&cli.dir().join("phone")).len(), 1);
}

/// Radicale behind the fault proxy (which records what arrives) behind a TLS front.
struct TlsSetup {
    server: Server,
    proxy: Proxy,
    dir: tempfile::TempDir,
    ca: TestCa,
}

impl TlsSetup {
    fn new() -> TlsSetup {
        let server = Server::start(Peer::RadicalePypi);
        server.put_ics("a.ics", &simple("tls-a", "Lecture", "20260105T090000Z"));
        let proxy = Proxy::start(&server.base_url);
        TlsSetup {
            server,
            proxy,
            dir: tempfile::tempdir().unwrap(),
            ca: TestCa::new(),
        }
    }

    fn front(&self, cert: &ServerCert) -> TlsFront {
        TlsFront::start(&self.proxy.origin, cert)
    }

    /// `account add` through `front` with `extra` arguments, as a user would (Basic over
    /// plain http not allowed).
    fn add(&self, cli: &Cli, front: &TlsFront, extra: &[&str]) -> synchro_tests::CliOutput {
        let url = front.url(&self.proxy.url(&self.server.base_url));
        let cal = front.url(&self.proxy.url(&self.server.calendar_url));
        let local = cli.vdir_spec("phone");
        let mut args = add_args(&url, &cal, &self.server.username, &local);
        args.extend_from_slice(extra);
        cli.run(&args)
    }

    fn ca_file(&self) -> String {
        self.ca
            .write_pem(self.dir.path(), "ca.pem")
            .display()
            .to_string()
    }
}

/// Asserts a TLS failure naming `what`, with nothing decrypted by the server.
fn assert_tls_failure(
    out: &synchro_tests::CliOutput,
    what: &str,
    front: &TlsFront,
    setup: &TlsSetup,
) {
    assert_eq!(out.code, EXIT_TLS, "{out:?}");
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("TLS"), "{out:?}");
    assert!(text.contains(what), "expected {what:?}: {out:?}");
    assert_eq!(
        front.requests(),
        0,
        "a request reached a server that failed verification"
    );
    assert_eq!(setup.proxy.request_count(), 0);
}

#[test]
fn tls_failures_are_named_and_nothing_is_sent() {
    let setup = TlsSetup::new();
    let good = setup
        .ca
        .issue(&["127.0.0.1", "localhost"], Validity::Current);
    let ca_file = setup.ca_file();

    // A private CA the system does not know: unknown issuer.
    let front = setup.front(&good);
    let cli = Cli::for_server(&setup.server).strict_http();
    assert_tls_failure(
        &setup.add(&cli, &front, &[]),
        "unknown issuer",
        &front,
        &setup,
    );

    // Signed by the trusted CA, but for another host.
    let other = setup.ca.issue(&["calendar.example.org"], Validity::Current);
    let front = setup.front(&other);
    let cli = Cli::for_server(&setup.server).strict_http();
    let out = setup.add(&cli, &front, &["--ca-file", &ca_file]);
    assert_tls_failure(&out, "name mismatch", &front, &setup);

    // Signed by the trusted CA, for this host, but expired.
    let old = setup.ca.issue(&["127.0.0.1"], Validity::Expired);
    let front = setup.front(&old);
    let cli = Cli::for_server(&setup.server).strict_http();
    let out = setup.add(&cli, &front, &["--ca-file", &ca_file]);
    assert_tls_failure(&out, "expired", &front, &setup);

    // A pin of another key: refused even though the CA is trusted.
    let front = setup.front(&good);
    let cli = Cli::for_server(&setup.server).strict_http();
    let stranger = ServerCert::self_signed(&["127.0.0.1"]);
    let out = setup.add(
        &cli,
        &front,
        &["--ca-file", &ca_file, "--pin", &stranger.key_pin()],
    );
    assert_tls_failure(&out, "pin mismatch", &front, &setup);
    assert_eq!(front.handshakes(), 0);
}

#[test]
fn ca_file_and_pins_let_syncs_through() {
    let setup = TlsSetup::new();
    let ca_file = setup.ca_file();

    // A CA file: the account is added, syncs work over https with Basic, which is then
    // sent from the first request of the next sync (preemptive, https only).
    let good = setup
        .ca
        .issue(&["127.0.0.1", "localhost"], Validity::Current);
    let front = setup.front(&good);
    let cli = Cli::for_server(&setup.server).strict_http();
    setup
        .add(&cli, &front, &["--ca-file", &ca_file])
        .expect_ok();
    cli.run(&["sync", "t"]).expect_ok();
    assert_eq!(vdir_files(&cli.dir().join("phone")).len(), 1);
    cli.run(&["sync", "t"]).expect_ok();
    setup.proxy.reset_count();
    cli.run(&["sync", "t"]).expect_ok();
    let heads = setup.proxy.request_heads();
    assert!(has_authorization(&heads[0]), "{heads:?}");

    // The server's certificate changes to one the pin does not cover: the sync stops with
    // the TLS exit code and a named reason, and nothing reaches the server.
    let stranger = ServerCert::self_signed(&["127.0.0.1"]);
    cli.run(&["account", "set", "t", "--pin", &stranger.key_pin()])
        .expect_ok();
    setup.proxy.reset_count();
    let out = cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, EXIT_TLS, "{out:?}");
    assert!(out.stdout.contains("pin mismatch"), "{out:?}");
    assert_eq!(setup.proxy.request_count(), 0);

    // A self-signed server, pinned by key: works without any CA file.
    let own = ServerCert::self_signed(&["127.0.0.1"]);
    let front = setup.front(&own);
    let cli = Cli::for_server(&setup.server).strict_http();
    setup
        .add(&cli, &front, &["--pin", &own.key_pin()])
        .expect_ok();
    cli.run(&["sync", "t"]).expect_ok();
    assert_eq!(vdir_files(&cli.dir().join("phone")).len(), 1);

    // Pinned by certificate fingerprint (hex, as openssl prints it).
    let cli = Cli::for_server(&setup.server).strict_http();
    setup
        .add(&cli, &front, &["--pin", &own.fingerprint()])
        .expect_ok();
    cli.run(&["sync", "t"]).expect_ok();
    assert_eq!(vdir_files(&cli.dir().join("phone")).len(), 1);

    // A bad pin or CA file is a usage error at once.
    let cli = Cli::for_server(&setup.server).strict_http();
    assert_eq!(
        setup.add(&cli, &front, &["--pin", "sha256/short"]).code,
        EXIT_CONFIG
    );
    let missing = setup.dir.path().join("none.pem").display().to_string();
    assert_eq!(
        setup.add(&cli, &front, &["--ca-file", &missing]).code,
        EXIT_CONFIG
    );
}
