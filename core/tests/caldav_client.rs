//! The CalDAV client against real servers started on 127.0.0.1: Radicale (auth htpasswd
//! bcrypt, test/test) and Xandikos (no auth). Executables come from `SYNCHRO_RADICALE` and
//! `SYNCHRO_XANDIKOS`, defaulting to the venvs under /work/.peers/.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use synchro_core::model::{Etag, Href, SyncToken, Uid};
use synchro_core::remote::caldav::{CalDavClient, FetchedItem, SyncResult, WriteOutcome};
use synchro_core::remote::http::{HttpClient, HttpConfig};
use synchro_core::Error;

/// A server process we started, killed (by its own PID) on drop.
struct Server {
    child: Child,
    base: String,
    cal: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16, child: &mut Child, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited with {status} before listening:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within 30 s");
}

fn executable(var: &str, default: &str, install: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()));
    assert!(
        path.exists(),
        "{} not found: set {var} to its executable, or install it: {install}",
        path.display()
    );
    path
}

fn radicale() -> Server {
    let exe = executable(
        "SYNCHRO_RADICALE",
        "/work/.peers/radicale/bin/radicale",
        "python3 -m venv /work/.peers/radicale && /work/.peers/radicale/bin/pip install radicale bcrypt",
    );
    let dir = tempfile::tempdir().unwrap();
    // The bcrypt hash, from the Python next to the radicale executable (it has bcrypt).
    let python = exe
        .parent()
        .map(|p| p.join("python3"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("python3"));
    let out = Command::new(&python)
        .args([
            "-c",
            "import bcrypt; print(bcrypt.hashpw(b'test', bcrypt.gensalt(4)).decode())",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "bcrypt hash failed (pip install bcrypt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hash = String::from_utf8(out.stdout).unwrap();
    std::fs::write(dir.path().join("users"), format!("test:{}\n", hash.trim())).unwrap();
    let port = free_port();
    let config = format!(
        "[server]\nhosts = 127.0.0.1:{port}\n\
         [auth]\ntype = htpasswd\nhtpasswd_filename = {users}\nhtpasswd_encryption = bcrypt\n\
         [rights]\ntype = owner_only\n\
         [storage]\nfilesystem_folder = {coll}\n\
         [logging]\nlevel = warning\n",
        users = dir.path().join("users").display(),
        coll = dir.path().join("collections").display(),
    );
    let conf = dir.path().join("config");
    std::fs::write(&conf, config).unwrap();
    let log = dir.path().join("log");
    let mut child = Command::new(&exe)
        .arg("--config")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.path().join("log.err")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    wait_listening(port, &mut child, "radicale", &dir.path().join("log.err"));
    let base = format!("http://127.0.0.1:{port}/");
    let cal = format!("{base}test/cal/");
    let mut http = HttpClient::new(config_for("test", "test")).unwrap();
    let r = http
        .request("MKCALENDAR", &cal, &[], None)
        .expect("MKCALENDAR on radicale");
    assert_eq!(
        r.status,
        201,
        "MKCALENDAR: {}",
        String::from_utf8_lossy(&r.body)
    );
    Server {
        child,
        base,
        cal,
        _dir: dir,
    }
}

fn xandikos() -> Server {
    let exe = executable(
        "SYNCHRO_XANDIKOS",
        "/work/.peers/xandikos/bin/xandikos",
        "python3 -m venv /work/.peers/xandikos && /work/.peers/xandikos/bin/pip install xandikos",
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("log");
    let mut child = Command::new(&exe)
        .arg("serve")
        .arg("--defaults")
        .arg("-d")
        .arg(dir.path().join("data"))
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args(["-l", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    wait_listening(port, &mut child, "xandikos", &log);
    let base = format!("http://127.0.0.1:{port}/");
    let cal = format!("{base}user/calendars/calendar/");
    Server {
        child,
        base,
        cal,
        _dir: dir,
    }
}

fn config_for(user: &str, pass: &str) -> HttpConfig {
    let mut c = HttpConfig::new(user, pass);
    // Radicale on 127.0.0.1 is plain http with Basic auth.
    c.allow_insecure_basic = true;
    c.connect_timeout = Duration::from_secs(5);
    c.read_timeout = Duration::from_secs(60);
    c.max_body = 5 * 1024 * 1024;
    c
}

fn client(user: &str, pass: &str) -> CalDavClient {
    CalDavClient::new(HttpClient::new(config_for(user, pass)).unwrap())
}

fn ics(uid: &str, summary: &str, start: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Synchro//test//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n\
         SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn created(o: WriteOutcome) -> (Href, Option<Etag>) {
    match o {
        WriteOutcome::Written { href, etag } => (href, etag),
        other => panic!("expected Written, got {other:?}"),
    }
}

fn delta(
    r: SyncResult,
) -> (
    Vec<synchro_core::remote::caldav::RemoteItem>,
    Vec<Href>,
    SyncToken,
) {
    match r {
        SyncResult::Delta {
            changed,
            deleted,
            token,
        } => (changed, deleted, token),
        SyncResult::InvalidToken => panic!("unexpected InvalidToken"),
    }
}

/// The ETag of `href` now, through a GET.
fn etag_of(c: &mut CalDavClient, href: &Href) -> Etag {
    c.get(href).unwrap().expect("item exists").etag
}

fn discovery_and_state(server: &Server, c: &mut CalDavClient) {
    let cals = c.discover(&server.base).unwrap();
    let cal = cals
        .iter()
        .find(|x| x.url == server.cal)
        .unwrap_or_else(|| panic!("{} not in {cals:?}", server.cal));
    assert!(cal.supports_sync_collection, "{cal:?}");
    assert!(!cal.read_only, "{cal:?}");
    assert!(
        cal.components.is_empty() || cal.components.iter().any(|x| x == "VEVENT"),
        "{cal:?}"
    );
    // VEVENT calendars first.
    assert!(cals[0].components.is_empty() || cals[0].components.iter().any(|x| x == "VEVENT"));

    // A calendar URL gives just that calendar (with or without the trailing slash).
    let just = c.discover(server.cal.trim_end_matches('/')).unwrap();
    assert_eq!(just.len(), 1);
    assert_eq!(just[0].url, server.cal);

    let state = c.collection_state(&server.cal).unwrap();
    assert!(state.supports_sync_collection, "{state:?}");
    assert!(state.sync_token.is_some(), "{state:?}");
}

fn write_cycle(server: &Server, c: &mut CalDavClient, update_status_ok: bool) {
    let uid = Uid::new("write-1@example.org");
    let (href, etag) = created(
        c.create(
            &server.cal,
            &uid,
            &ics(uid.as_str(), "One", "20240102T100000Z"),
        )
        .unwrap(),
    );
    assert!(
        href.as_str().ends_with("/write-1%40example.org.ics"),
        "{href}"
    );
    let etag = etag.unwrap_or_else(|| etag_of(c, &href));

    // Creating the same name again is refused.
    let again = c
        .create(
            &server.cal,
            &uid,
            &ics(uid.as_str(), "One bis", "20240102T100000Z"),
        )
        .unwrap();
    assert!(
        matches!(
            again,
            WriteOutcome::PreconditionFailed | WriteOutcome::UidConflict { .. }
        ),
        "{again:?}"
    );

    let fetched = c.get(&href).unwrap().unwrap();
    assert_eq!(fetched.etag, etag);
    assert!(fetched.ics.contains("SUMMARY:One"));

    let (href2, etag2) = created(
        c.update(&href, &etag, &ics(uid.as_str(), "Two", "20240102T100000Z"))
            .unwrap(),
    );
    assert_eq!(href2, href);
    let etag2 = etag2.unwrap_or_else(|| etag_of(c, &href));
    assert_ne!(etag2, etag);
    assert!(update_status_ok);

    // Stale ETag: 412 for update and delete.
    let stale = c
        .update(
            &href,
            &etag,
            &ics(uid.as_str(), "Three", "20240102T100000Z"),
        )
        .unwrap();
    assert_eq!(stale, WriteOutcome::PreconditionFailed);
    assert_eq!(
        c.delete(&href, &etag).unwrap(),
        WriteOutcome::PreconditionFailed
    );
    assert!(c.get(&href).unwrap().unwrap().ics.contains("SUMMARY:Two"));

    assert!(matches!(
        c.delete(&href, &etag2).unwrap(),
        WriteOutcome::Written { .. }
    ));
    assert_eq!(c.get(&href).unwrap(), None);
    assert_eq!(c.delete(&href, &etag2).unwrap(), WriteOutcome::NotFound);
    assert_eq!(
        c.update(
            &href,
            &etag2,
            &ics(uid.as_str(), "Four", "20240102T100000Z")
        )
        .unwrap(),
        WriteOutcome::NotFound
    );

    // Odd UIDs round-trip through their escaped names.
    for odd in [
        "a/b c",
        "événement@例え.jp",
        "50%+?#&",
        "x y+z=1,2;3:4",
        &"long".repeat(60),
    ] {
        let uid = Uid::new(odd);
        let (href, _) = created(
            c.create(&server.cal, &uid, &ics(odd, "Odd", "20240103T100000Z"))
                .unwrap(),
        );
        let got = c
            .get(&href)
            .unwrap()
            .unwrap_or_else(|| panic!("{odd}: {href} not found"));
        assert!(got.ics.contains("SUMMARY:Odd"));
        let e = got.etag;
        assert!(matches!(
            c.delete(&href, &e).unwrap(),
            WriteOutcome::Written { .. }
        ));
    }
}

fn sync_cycle(server: &Server, c: &mut CalDavClient, bad_token_status_hint: &str) {
    let mut hrefs = Vec::new();
    for i in 0..5 {
        let uid = format!("sync-{i}");
        let (href, _) = created(
            c.create(
                &server.cal,
                &Uid::new(&uid),
                &ics(&uid, "S", "20240105T100000Z"),
            )
            .unwrap(),
        );
        hrefs.push(href);
    }
    let (changed, deleted, token) = delta(c.sync_collection(&server.cal, None).unwrap());
    assert_eq!(changed.len(), 5, "{changed:?}");
    assert!(deleted.is_empty());
    for h in &hrefs {
        assert!(
            changed.iter().any(|x| &x.href == h),
            "{h} missing from {changed:?}"
        );
    }
    // Nothing changed: an empty delta.
    let (ch, de, token2) = delta(c.sync_collection(&server.cal, Some(&token)).unwrap());
    assert!(ch.is_empty() && de.is_empty(), "{ch:?} {de:?}");

    // One update, one delete, one create.
    let e0 = etag_of(c, &hrefs[0]);
    c.update(
        &hrefs[0],
        &e0,
        &ics("sync-0", "S changed", "20240105T100000Z"),
    )
    .unwrap();
    let e1 = etag_of(c, &hrefs[1]);
    c.delete(&hrefs[1], &e1).unwrap();
    let (new_href, _) = created(
        c.create(
            &server.cal,
            &Uid::new("sync-new"),
            &ics("sync-new", "N", "20240105T100000Z"),
        )
        .unwrap(),
    );
    let (ch, de, token3) = delta(c.sync_collection(&server.cal, Some(&token2)).unwrap());
    let mut ch_hrefs: Vec<_> = ch.iter().map(|x| x.href.clone()).collect();
    ch_hrefs.sort();
    let mut expect = vec![hrefs[0].clone(), new_href];
    expect.sort();
    assert_eq!(ch_hrefs, expect);
    assert_eq!(de, vec![hrefs[1].clone()]);
    assert_ne!(token3, token2);

    // A token the server never gave.
    let bogus = SyncToken::new(format!("{}-not-a-token", token.as_str()));
    assert_eq!(
        c.sync_collection(&server.cal, Some(&bogus)).unwrap(),
        SyncResult::InvalidToken,
        "{bad_token_status_hint}"
    );
    let bogus = SyncToken::new("http://example.invalid/sync/999");
    assert_eq!(
        c.sync_collection(&server.cal, Some(&bogus)).unwrap(),
        SyncResult::InvalidToken
    );
}

fn etag_listing(server: &Server, c: &mut CalDavClient) {
    for (uid, start) in [("old-1", "20200110T100000Z"), ("new-1", "20300110T100000Z")] {
        created(
            c.create(&server.cal, &Uid::new(uid), &ics(uid, "L", start))
                .unwrap(),
        );
    }
    let all = c.list_etags(&server.cal, None).unwrap();
    assert!(
        all.iter().any(|x| x.href.as_str().ends_with("/old-1.ics")),
        "{all:?}"
    );
    assert!(all.iter().any(|x| x.href.as_str().ends_with("/new-1.ics")));
    assert!(all.iter().all(|x| !x.etag.as_str().is_empty()));
    let mut uniq: Vec<_> = all.iter().map(|x| x.href.clone()).collect();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), all.len());

    let since = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let recent = c.list_etags(&server.cal, Some(since)).unwrap();
    assert!(
        recent
            .iter()
            .any(|x| x.href.as_str().ends_with("/new-1.ics")),
        "{recent:?}"
    );
    assert!(
        !recent
            .iter()
            .any(|x| x.href.as_str().ends_with("/old-1.ics")),
        "{recent:?}"
    );
}

#[test]
fn radicale_discovery_and_state() {
    let s = radicale();
    discovery_and_state(&s, &mut client("test", "test"));
}

#[test]
fn radicale_writes() {
    let s = radicale();
    write_cycle(&s, &mut client("test", "test"), true);
}

#[test]
fn radicale_sync_collection() {
    let s = radicale();
    sync_cycle(
        &s,
        &mut client("test", "test"),
        "radicale answers 403 valid-sync-token",
    );
}

#[test]
fn radicale_etag_listing() {
    let s = radicale();
    etag_listing(&s, &mut client("test", "test"));
}

#[test]
fn radicale_wrong_password_is_auth_error() {
    let s = radicale();
    let mut c = client("test", "wrong");
    let e = c.discover(&s.base).unwrap_err();
    assert!(matches!(e, Error::Auth), "{e:?}");
    let e = c.collection_state(&s.cal).unwrap_err();
    assert!(matches!(e, Error::Auth), "{e:?}");
}

#[test]
fn xandikos_discovery_and_state() {
    let s = xandikos();
    discovery_and_state(&s, &mut client("", ""));
}

#[test]
fn xandikos_writes() {
    let s = xandikos();
    write_cycle(&s, &mut client("", ""), true);
}

#[test]
fn xandikos_sync_collection() {
    let s = xandikos();
    sync_cycle(&s, &mut client("", ""), "xandikos answers 412");
}

#[test]
fn xandikos_etag_listing() {
    let s = xandikos();
    etag_listing(&s, &mut client("", ""));
}

/// 120 items fetched in batches of 50 (3 requests), with one href that does not exist;
/// then the same with a body limit too small for one batch.
fn multiget_120(s: &Server, user: &str) {
    let mut c = client(user, user);
    let mut hrefs = Vec::new();
    for i in 0..120 {
        let uid = format!("mg-{i:03}");
        let (href, _) = created(
            c.create(
                &s.cal,
                &Uid::new(&uid),
                &ics(&uid, &format!("Item {i}"), "20240201T090000Z"),
            )
            .unwrap(),
        );
        hrefs.push(href);
    }
    let ghost = Href::new(format!(
        "{}ghost.ics",
        hrefs[0].as_str().rsplit_once('/').unwrap().0.to_string() + "/"
    ));
    hrefs.insert(60, ghost.clone());
    let before = c.stats();
    let mut got: Vec<FetchedItem> = Vec::new();
    let missing = c
        .multiget(&s.cal, &hrefs, &mut |item| {
            got.push(item);
            Ok(())
        })
        .unwrap();
    let after = c.stats();
    assert_eq!(missing, vec![ghost]);
    assert_eq!(got.len(), 120);
    assert_eq!(
        after.requests - before.requests,
        3,
        "121 hrefs in batches of 50"
    );
    assert!(after.bytes_received > before.bytes_received);
    for item in &got {
        assert!(item.ics.contains("BEGIN:VEVENT"), "{item:?}");
        assert!(!item.etag.as_str().is_empty());
        assert!(hrefs.contains(&item.href), "{} not asked", item.href);
    }

    // An error from the callback stops the download.
    let mut n = 0;
    let e = c
        .multiget(&s.cal, &hrefs, &mut |_| {
            n += 1;
            if n == 3 {
                Err(Error::Interrupted)
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert!(matches!(e, Error::Interrupted));

    // A small body limit fails cleanly.
    let mut cfg = config_for(user, user);
    cfg.max_body = 4096;
    let mut small = CalDavClient::new(HttpClient::new(cfg).unwrap());
    let e = small.multiget(&s.cal, &hrefs, &mut |_| Ok(())).unwrap_err();
    assert!(
        matches!(&e, Error::Protocol(m) if m == "response larger than 4096 bytes"),
        "{e:?}"
    );
}

#[test]
fn xandikos_multiget_batches() {
    let s = xandikos();
    multiget_120(&s, "");
}

#[test]
fn radicale_multiget_batches() {
    let s = radicale();
    multiget_120(&s, "test");
}

#[test]
fn unreachable_server_is_network_error() {
    let port = free_port();
    let mut c = client("test", "test");
    let e = c
        .discover(&format!("http://127.0.0.1:{port}/"))
        .unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");
    assert!(!e.to_string().contains("test:test"));
}
