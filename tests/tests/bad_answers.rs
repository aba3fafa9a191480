//! Bad server answers — not XML, a cut multistatus, 503 with Retry-After, a connection cut,
//! a server that is gone — give a clear error and the right exit code, and change nothing
//! locally; the next good sync converges.

use std::fs;
use synchro_tests::calendar::{simple, vdir_files};
use synchro_tests::proxy::Fault;
use synchro_tests::ProxiedVdir;

#[test]
fn bad_answers_change_nothing_locally() {
    let ProxiedVdir {
        server,
        proxy,
        cli,
        vdir,
    } = ProxiedVdir::start(&[]);
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
        (Fault::Unavailable("REPORT".into()), 5, "retry"),
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
    let ProxiedVdir {
        server,
        proxy,
        cli,
        vdir,
    } = ProxiedVdir::start(&[]);
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

/// Another client writes between our listing and our PUT: the server answers 412; the
/// server's copy wins and the phone's edit is kept as a conflict copy. If the other client
/// deleted the event instead, the update finds it gone and re-creates it (an edit beats a
/// deletion).
#[test]
fn a_write_racing_another_client_resolves_by_policy() {
    let ProxiedVdir {
        server,
        proxy,
        cli,
        vdir,
    } = ProxiedVdir::start(&[]);
    server.put_ics("a.ics", &simple("a", "A", "20251005T090000Z"));
    server.put_ics("b.ics", &simple("b", "B", "20251006T090000Z"));
    cli.run(&["sync", "t"]).expect_ok();

    let edit_on_phone = |uid: &str, summary: &str| {
        let (f, t) = synchro_tests::calendar::vdir_find(&vdir, uid).unwrap();
        fs::write(
            vdir.join(f),
            synchro_tests::calendar::with_summary(&t, summary),
        )
        .unwrap();
    };
    // Runs a sync whose PUT is held until `meanwhile` has changed the server.
    let racing_sync = |meanwhile: &dyn Fn()| {
        proxy.set(Fault::Delay("PUT".into(), 3_000));
        let before = proxy.requests().len();
        let out = std::thread::scope(|scope| {
            let sync = scope.spawn(|| cli.run(&["sync", "t", "--json"]));
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while !proxy.requests()[before..].iter().any(|m| m == "PUT") {
                assert!(std::time::Instant::now() < deadline, "no PUT was sent");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            meanwhile();
            sync.join().unwrap()
        });
        proxy.set(Fault::None);
        out
    };

    edit_on_phone("a", "A on the phone");
    let out = racing_sync(&|| {
        server.put_ics("a.ics", &simple("a", "A elsewhere", "20251005T090000Z"));
    });
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(r["conflicts"], 1, "{r}");
    assert!(synchro_tests::calendar::vdir_find(&vdir, "a")
        .unwrap()
        .1
        .contains("A elsewhere"));
    assert!(server.get_ics("a.ics").unwrap().contains("A elsewhere"));
    let copies = cli.run(&["conflicts", "t", "--json"]).json();
    assert!(copies[0]["ics"]
        .as_str()
        .unwrap()
        .contains("A on the phone"));

    edit_on_phone("b", "B on the phone");
    let out = racing_sync(&|| {
        server.delete("b.ics");
    });
    out.expect_ok();
    let b = server
        .list()
        .into_iter()
        .find_map(|(n, _)| server.get_ics(&n).filter(|t| t.contains("UID:b")));
    assert!(b.unwrap().contains("B on the phone"));
    let again = cli.run(&["sync", "t", "--json"]);
    again.expect_ok();
    assert_eq!(again.json_one()["device"]["deleted"], 0);
}

/// Servers that refuse a whole calendar-multiget — sabre/dav 1.8 answers 404 to all of it
/// when one href is gone, others refuse multiget altogether — and servers that list items
/// outside the collection: every sync still goes through and converges.
#[test]
fn multiget_refused_as_a_whole_and_foreign_hrefs() {
    // An etag listing: known items missing from it are fetched by multiget to tell
    // "deleted" from "hidden", which is where sabre/dav's 404 bites.
    let ProxiedVdir {
        server,
        proxy,
        cli,
        vdir,
    } = ProxiedVdir::start(&["--no-sync-collection"]);
    for uid in ["a", "b", "c", "d", "e"] {
        server.put_ics(
            &format!("{uid}.ics"),
            &simple(uid, &uid.to_uppercase(), "20251005T090000Z"),
        );
    }
    cli.run(&["sync", "t", "--json"]).expect_ok();
    assert_eq!(vdir_files(&vdir).len(), 5);

    // Two deleted on the server, one added: the whole-report 404 is split down to GETs.
    server.delete("b.ics");
    server.delete("d.ics");
    server.put_ics("f.ics", &simple("f", "F", "20251006T090000Z"));
    proxy.set(Fault::RefuseMultigetWithMissing(404));
    proxy.reset_count();
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    let r = out.json_one();
    assert_eq!(r["errors"].as_array().map(Vec::len), Some(0), "{r}");
    let uids = |dir: &std::path::Path| {
        let mut v: Vec<String> = vdir_files(dir)
            .iter()
            .filter_map(|(_, text)| {
                text.lines()
                    .find_map(|l| l.strip_prefix("UID:").map(|u| u.trim().to_string()))
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(uids(&vdir), ["a", "c", "e", "f"]);
    assert!(
        proxy.requests().iter().any(|m| m == "GET"),
        "a refused report falls back to GETs: {:?}",
        proxy.requests()
    );

    // A server without calendar-multiget at all: read with GETs.
    proxy.set(Fault::RefuseMultiget(403));
    server.put_ics("a.ics", &simple("a", "A changed", "20251005T090000Z"));
    server.put_ics("g.ics", &simple("g", "G", "20251007T090000Z"));
    cli.run(&["sync", "t", "--json"]).expect_ok();
    assert_eq!(uids(&vdir), ["a", "c", "e", "f", "g"]);
    assert!(vdir_files(&vdir)
        .iter()
        .any(|(_, t)| t.contains("SUMMARY:A changed")));

    // Listings that name an item of another collection: ignored, on both listing kinds.
    let foreign = format!("/{}/other-calendar/intruder.ics", server.username);
    proxy.set(Fault::ForeignHrefInListings(foreign.clone()));
    server.put_ics("h.ics", &simple("h", "H", "20251008T090000Z"));
    let out = cli.run(&["sync", "t", "--json"]);
    out.expect_ok();
    assert_eq!(uids(&vdir), ["a", "c", "e", "f", "g", "h"]);
    let spec = cli.vdir_spec("phone2");
    cli.run(&[
        "account",
        "add",
        "s",
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
    cli.run(&["sync", "s", "--json"]).expect_ok();
    server.put_ics("i.ics", &simple("i", "I", "20251009T090000Z"));
    cli.run(&["sync", "s", "--json"]).expect_ok();
    let phone2 = cli.dir().join("phone2");
    assert_eq!(uids(&phone2), ["a", "c", "e", "f", "g", "h", "i"]);
    assert_eq!(server.list().len(), 7, "nothing written to the server");
}
