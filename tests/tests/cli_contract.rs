//! The command-line contract: password sources, usage errors (exit 2), `account list`,
//! `status`, `log` and `conflicts` in text and JSON.

use std::fs;
use synchro_tests::calendar::{simple, vdir_find, with_summary};
use synchro_tests::{Cli, Peer, Server};

#[test]
fn usage_errors_exit_2() {
    let cli = Cli::new("x");
    assert_eq!(cli.run(&["sync", "--no-such-flag"]).code, 2);
    assert_eq!(cli.run(&["account", "add", "x"]).code, 2);
    let out = cli.run(&["sync", "nobody"]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("no account named"), "{out}");
}

/// Output piped into a reader that went away (`synchro … | head`) is no crash: the
/// command still exits with its own code, and says nothing of an internal error.
#[test]
fn a_closed_standard_output_is_no_crash() {
    let cli = Cli::new("x");
    for args in [
        &["account", "list", "--json"][..],
        &["account", "list"],
        &["log", "--json"],
    ] {
        let out = cli.run_with_stdout_closed(args);
        assert_eq!(out.code, 0, "{args:?}: {out}");
        assert!(!out.stderr.contains("internal error"), "{args:?}: {out}");
    }
}

/// A sync closes the store when the command ends: SQLite folds its write-ahead log into the
/// database and removes it, so the next command does not read the log back at open (a
/// quiet sync of a big calendar would otherwise read megabytes of it before anything else).
#[test]
fn a_sync_ends_with_the_store_closed() {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server);
    let vdir = cli.add_vdir_account(
        "t",
        &server.base_url,
        &server.username,
        &server.calendar_url,
        &[],
    );
    fs::create_dir_all(&vdir).unwrap();
    fs::write(
        vdir.join("a.ics"),
        simple("closed-1", "One", "20250301T100000Z"),
    )
    .unwrap();
    let wal = cli.db().with_extension("db-wal");
    for _ in 0..2 {
        cli.run(&["sync", "t", "--json"]).expect_ok();
        assert!(cli.db().exists());
        assert!(!wal.exists(), "{} is left after the sync", wal.display());
    }
}

#[test]
fn password_file_log_status_and_conflicts() {
    let server = Server::start(Peer::RadicalePypi);
    let cli = Cli::for_server(&server).without_password();
    let pw = cli.dir().join("pw");
    fs::write(&pw, format!("{}\n", server.password)).unwrap();
    let pw = pw.to_str().unwrap().to_string();
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    // Without any password source and no terminal: a clear error.
    let out = cli.run(&[
        "account",
        "add",
        "t",
        "--caldav",
        &server.base_url,
        "--username",
        "test",
        "--local",
        &spec,
    ]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("SYNCHRO_PASSWORD"), "{out}");
    cli.run(&[
        "account",
        "add",
        "t",
        "--caldav",
        &server.base_url,
        "--username",
        "test",
        "--local",
        &spec,
        "--password-file",
        &pw,
    ])
    .expect_ok();
    server.put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    cli.run(&["sync", "--password-file", &pw]).expect_ok();
    // A conflict, to have a copy to list and export.
    let (f, t) = vdir_find(&vdir, "a").unwrap();
    fs::write(vdir.join(f), with_summary(&t, "Mine")).unwrap();
    server.put_ics("a.ics", &simple("a", "Theirs", "20251005T090000Z"));
    let out = cli.run(&["sync", "t", "--json", "--password-file", &pw]);
    out.expect_ok();
    assert_eq!(out.json_one()["conflicts"], 1);

    let list = cli.run(&["account", "list", "--json"]);
    let accounts = list.json_one();
    assert_eq!(accounts[0]["name"], "t");

    let status = cli.run(&["status", "t", "--json"]).json_one();
    assert_eq!(status["items"], 1);
    assert_eq!(status["last_status"], "ok");
    let text = cli.run(&["status"]);
    assert!(text.stdout.contains("last success"), "{text}");

    let log = cli.run(&["log", "t", "--json"]).json();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["conflicts"], 1);
    assert_eq!(log[1]["device"]["added"], 1);
    assert!(log[0]["requests"].as_u64().unwrap() >= 1);
    let text = cli.run(&["log", "t"]);
    assert!(text.stdout.contains("1 conflict(s)"), "{text}");

    let conflicts = cli.run(&["conflicts", "t", "--json"]).json();
    assert_eq!(conflicts.len(), 1);
    assert!(conflicts[0]["ics"]
        .as_str()
        .unwrap()
        .contains("SUMMARY:Mine"));
    let export = cli.dir().join("conflicts.ics");
    cli.run(&["conflicts", "t", "--export", export.to_str().unwrap()])
        .expect_ok();
    assert!(fs::read_to_string(&export)
        .unwrap()
        .contains("SUMMARY:Mine"));
}

/// Safety contract 7: the password never reaches the store, logs, reports or backups.
#[test]
fn the_password_is_never_written_anywhere() {
    const SECRET: &str = "S3cr3t-Pässw0rd-4711";
    // Xandikos checks no password, so any one works and can be searched for afterwards.
    let server = Server::start(Peer::XandikosPypi);
    let cli = Cli::new(SECRET);
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    let mut outputs = Vec::new();
    outputs.push(cli.run(&[
        "-v",
        "account",
        "add",
        "t",
        "--caldav",
        &server.base_url,
        "--username",
        "alice",
        "--local",
        &spec,
        "--calendar",
        &server.calendar_url,
    ]));
    server.put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    fs::create_dir_all(&vdir).unwrap();
    fs::write(vdir.join("b.ics"), simple("b", "B", "20251006T090000Z")).unwrap();
    outputs.push(cli.run(&["-v", "sync", "--json"]));
    outputs.push(cli.run(&["-v", "backup", "create", "t"]));
    let export = cli.dir().join("backup.ics");
    outputs.push(cli.run(&["backup", "export", "1", export.to_str().unwrap()]));
    outputs.push(cli.run(&["log", "--json"]));
    outputs.push(cli.run(&["status", "--json"]));
    for out in &outputs {
        assert_eq!(out.code, 0, "{out}");
        assert!(
            !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
            "{out}"
        );
    }
    for entry in fs::read_dir(cli.dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = fs::read(&path).unwrap();
            let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
            assert!(!found, "the password is in {}", path.display());
        }
    }
}
