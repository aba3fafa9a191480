//! Bad server answers — not XML, a cut multistatus, 503 with Retry-After, a connection cut,
//! a server that is gone — give a clear error and the right exit code, and change nothing
//! locally; the next good sync converges.

use std::fs;
use synchro_tests::calendar::{simple, vdir_files};
use synchro_tests::proxy::{Fault, Proxy};
use synchro_tests::{Cli, Peer, Server};

#[test]
fn bad_answers_change_nothing_locally() {
    let server = Server::start(Peer::RadicalePypi);
    let proxy = Proxy::start(&server.base_url);
    let cli = Cli::for_server(&server);
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    let calendar = proxy.url(&server.calendar_url);
    cli.run(&[
        "account",
        "add",
        "t",
        "--caldav",
        &proxy.url(&server.base_url),
        "--username",
        &server.username,
        "--local",
        &spec,
        "--calendar",
        &calendar,
    ])
    .expect_ok();
    server.put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    cli.run(&["sync", "t", "--json"]).expect_ok();
    fs::write(
        vdir.join("local.ics"),
        simple("local", "L", "20251006T090000Z"),
    )
    .unwrap();
    server.put_ics("b.ics", &simple("b", "B", "20251007T090000Z"));
    let before = vdir_files(&vdir);

    for (fault, code, words) in [
        (Fault::Garbage("REPORT".into()), 1, "malformed"),
        (Fault::Truncated("REPORT".into()), 1, "malformed"),
        (Fault::Unavailable("PROPFIND".into()), 5, "retry"),
        (Fault::Cut("REPORT".into()), 5, "unreachable"),
    ] {
        proxy.set(fault.clone());
        let out = cli.run(&["sync", "t", "--json"]);
        assert_eq!(out.code, code, "{fault:?}: {out}");
        let r = out.json_one();
        assert_eq!(r["status"], "error", "{fault:?}: {r}");
        let errors = r["errors"].to_string().to_lowercase();
        assert!(errors.contains(words), "{fault:?}: {errors}");
        assert_eq!(
            vdir_files(&vdir),
            before,
            "{fault:?} changed the local calendar"
        );
        assert_eq!(server.list().len(), 2, "{fault:?} changed the server");
    }

    proxy.set(Fault::None);
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    assert_eq!(vdir_files(&vdir).len(), 3);
    assert_eq!(server.list().len(), 3);

    // The server is gone: exit 5, nothing changed.
    drop(proxy);
    server.stop();
    let out = cli.run(&["sync", "t", "--json"]);
    assert_eq!(out.code, 5, "{out}");
    assert_eq!(vdir_files(&vdir).len(), 3);
}

/// A second sync while one runs (a tap during a background sync) waits a little, then exits
/// with a clear message; the running sync finishes and the store stays consistent.
#[test]
fn one_sync_at_a_time_per_store() {
    let server = Server::start(Peer::RadicalePypi);
    let proxy = Proxy::start(&server.base_url);
    let cli = Cli::for_server(&server);
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    cli.run(&[
        "account",
        "add",
        "t",
        "--caldav",
        &proxy.url(&server.base_url),
        "--username",
        &server.username,
        "--local",
        &spec,
        "--calendar",
        &proxy.url(&server.calendar_url),
    ])
    .expect_ok();
    for i in 0..5 {
        server.put_ics(
            &format!("e{i}.ics"),
            &simple(&format!("e{i}"), "E", "20251005T090000Z"),
        );
    }
    proxy.set(Fault::Delay("REPORT".into(), 8_000));
    let first = std::thread::scope(|scope| {
        let first = scope.spawn(|| cli.run(&["sync", "t", "--json"]));
        std::thread::sleep(std::time::Duration::from_millis(1_500));
        let second = cli.run(&["sync", "t", "--json"]);
        assert_eq!(second.code, 1, "{second}");
        assert!(
            second.stderr.contains("another sync is running"),
            "{second}"
        );
        first.join().unwrap()
    });
    first.expect_ok();
    assert_eq!(first.json_one()["device"]["added"], 5);
    proxy.set(Fault::None);
    let again = cli.run(&["sync", "t", "--json"]);
    again.expect_ok();
    assert_eq!(again.json_one()["device"]["added"], 0);
    assert_eq!(vdir_files(&vdir).len(), 5);
}
