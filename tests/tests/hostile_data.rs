//! Data a user does not control, through the `synchro` CLI against real servers: input that
//! once panicked a parser (one account stays usable), bytes that are not UTF-8 in one event,
//! control characters from a server, credentials in trace logs, and the modes of the files
//! and folders Synchro creates.

use std::fs;
use std::path::Path;
use synchro_tests::calendar::{simple, vdir_files};
use synchro_tests::proxy::Fault;
use synchro_tests::syncevo::{add_syncml_account, b64_encode, Format, PeerOpts, SyncEvoServer};
use synchro_tests::{Cli, Peer, ProxiedVdir, Server};

/// An event with one extra content line.
fn with_line(uid: &str, line: &str) -> String {
    simple(uid, uid, "20251005T090000Z").replace("END:VEVENT", &format!("{line}\r\nEND:VEVENT"))
}

/// A calendar file of 40 events (more than one parsing slice) whose last event holds a line
/// whose first four bytes end inside a multi-byte character: the file parser panicked on it.
#[test]
fn a_line_cut_inside_a_character_syncs_instead_of_panicking() {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let spec = cli.ics_spec("calendar.ics");
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n");
    for i in 0..40 {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTAMP:20250101T000000Z\r\n\
             DTSTART:20251005T090000Z\r\nSUMMARY:Event {i}\r\nX-Aé:1\r\nEND:VEVENT\r\n"
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    fs::write(cli.dir().join("calendar.ics"), &text).unwrap();
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
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    assert_eq!(server.list().len(), 40, "{out}");
}

/// A vCalendar account with a device event whose alarm is further back than any date: the
/// conversion to vCalendar 1.0 panicked. Now both events reach the real SyncML server, the
/// impossible alarm left out.
#[test]
fn an_alarm_beyond_any_date_syncs_to_a_vcalendar_server() {
    let server = SyncEvoServer::start();
    let opts = PeerOpts {
        format: Format::VCalendar10,
        ..PeerOpts::default()
    };
    let peer = server.add_peer(&format!("synchro-hostile-{}", std::process::id()), &opts);
    let cli = Cli::new(&opts.password);
    let vdir = add_syncml_account(&cli, "t", &server.url, &peer, &["--format", "vcalendar"]);
    let alarm = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n\
                 TRIGGER:-P396761521D\r\nEND:VALARM";
    fs::write(vdir.join("far.ics"), with_line("far", alarm)).unwrap();
    fs::write(
        vdir.join("near.ics"),
        simple("near", "Near", "20251006T090000Z"),
    )
    .unwrap();
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let items = server.items(&peer);
    assert_eq!(items.len(), 2, "{out}\n{items:?}");
    assert!(items.iter().all(|i| i.contains("VERSION:1.0")), "{items:?}");
}

/// One event whose bytes are not UTF-8 inside a multiget answer: that event is an error of
/// the sync, the others are applied; once the server sends it right, it arrives.
#[test]
fn an_event_that_is_not_utf8_skips_that_event_only() {
    let ProxiedVdir {
        server,
        proxy,
        cli,
        vdir,
    } = ProxiedVdir::start(&[]);
    server.put_ics("a.ics", &simple("a", "Alpha", "20251005T090000Z"));
    server.put_ics("b.ics", &simple("b", "Bravo-MARK", "20251006T090000Z"));
    server.put_ics("c.ics", &simple("c", "Charlie", "20251007T090000Z"));
    proxy.set(Fault::RewriteBytes(
        b"Bravo-MARK".to_vec(),
        b"Bravo-\xff\xfe".to_vec(),
    ));
    let out = cli.run(&["sync", "t", "--json"]);
    let r = out.json_one();
    assert_eq!(r["status"], "error", "{out}");
    let errors = r["errors"].to_string();
    assert!(
        errors.contains("b.ics") && errors.contains("UTF-8"),
        "{errors}"
    );
    let files = vdir_files(&vdir);
    let texts: Vec<&str> = files.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(texts.iter().any(|t| t.contains("Alpha")), "{files:?}");
    assert!(texts.iter().any(|t| t.contains("Charlie")), "{files:?}");

    proxy.set(Fault::None);
    cli.run(&["sync", "t", "--json"]).expect_ok();
    let files = vdir_files(&vdir);
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().any(|(_, t)| t.contains("Bravo-MARK")));
}

/// Control characters in what a server sends (here a UID, printed in a dry run's plan) never
/// reach the terminal raw: a server cannot drive the user's terminal.
#[test]
fn control_characters_from_a_server_are_printed_escaped() {
    let ProxiedVdir {
        server, proxy, cli, ..
    } = ProxiedVdir::start(&[]);
    server.put_ics("e.ics", &simple("evil-MARK", "x", "20251005T090000Z"));
    proxy.set(Fault::Rewrite(
        "evil-MARK".into(),
        "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}".into(),
    ));
    let out = cli.run(&["sync", "t", "--dry-run"]);
    out.expect_ok();
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(
            !out.stdout.contains(bad) && !out.stderr.contains(bad),
            "{bad:?} printed raw:\n{out}"
        );
    }
    // The parser drops what iCalendar forbids (C0 and C1 controls); the printing layer
    // escapes what remains (here the right-to-left override).
    assert!(out.stdout.contains("evil]0;pwned[2J31m\\u{202e}"), "{out}");
}

/// At trace level, logs show request and response bodies: SyncML credentials (basic: the
/// password in base64) and CalDAV ones never appear.
#[test]
fn credentials_are_not_in_trace_logs() {
    const SECRET: &str = "Tr4ce-S3cret";
    let server = SyncEvoServer::start();
    let opts = PeerOpts {
        password: SECRET.into(),
        ..PeerOpts::default()
    };
    let peer = server.add_peer(&format!("synchro-trace-{}", std::process::id()), &opts);
    let cli = Cli::new(SECRET).env("RUST_LOG", "trace");
    let vdir = add_syncml_account(&cli, "t", &server.url, &peer, &["--auth", "basic"]);
    fs::write(vdir.join("a.ics"), simple("a", "A", "20251005T090000Z")).unwrap();
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    assert!(out.stderr.contains("request body"), "no trace log:\n{out}");
    let user = peer.username.clone().unwrap_or_default();
    let basic = b64_encode(format!("{user}:{SECRET}").as_bytes());
    for secret in [SECRET, basic.as_str()] {
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{secret} in the output"
        );
    }
    assert!(out.stderr.contains("<Cred>[redacted]</Cred>"), "{out}");

    let caldav = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&caldav).env("RUST_LOG", "trace");
    cli.add_vdir_account(
        "c",
        &caldav.base_url,
        &caldav.username,
        &caldav.calendar_url,
        &[],
    );
    caldav.put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    let out = cli.run(&["sync", "c", "--json"]);
    out.expect_ok();
    let basic = b64_encode(format!("{}:{}", caldav.username, caldav.password).as_bytes());
    let leak = out.stderr.lines().find(|l| l.contains(&basic));
    assert!(leak.is_none(), "Basic credentials in the log: {leak:?}");
    // (The test servers' password is also the user name, which is in URLs: the header is
    // what must not show.)
    let leak = out
        .stderr
        .lines()
        .find(|l| l.to_ascii_lowercase().contains("authorization: basic"));
    assert!(
        leak.is_none(),
        "an Authorization header in the log: {leak:?}"
    );
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The store, its WAL, its lock, the folders Synchro creates, the events it writes and the
/// files it exports are the user's alone.
#[cfg(unix)]
#[test]
fn files_and_folders_synchro_creates_are_private() {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let vdir = cli.add_vdir_account(
        "t",
        &server.base_url,
        &server.username,
        &server.calendar_url,
        &[],
    );
    server.put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    cli.run(&["sync", "t", "--json"]).expect_ok();
    cli.run(&["backup", "create", "t"]).expect_ok();
    let export = cli.dir().join("backup.ics");
    cli.run(&["backup", "export", "1", export.to_str().unwrap()])
        .expect_ok();
    let conflicts = cli.dir().join("conflicts.ics");
    cli.run(&["conflicts", "--export", conflicts.to_str().unwrap()])
        .expect_ok();

    let db = cli.db().to_path_buf();
    let wal = db.with_file_name("synchro.db-wal");
    let lock = db.with_file_name("synchro.db.lock");
    let mut files = vec![db.clone(), lock, export, conflicts];
    if wal.exists() {
        files.push(wal);
    }
    files.extend(vdir_files(&vdir).iter().map(|(n, _)| vdir.join(n)));
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&vdir), 0o700);
}
