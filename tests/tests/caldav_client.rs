//! The CalDAV client of core (`CalDavClient` over `HttpClient`), below the sync engine,
//! against real servers started on 127.0.0.1 by the harness: Radicale 3.9 (auth htpasswd
//! bcrypt, test/test) and Xandikos 0.4.10 (no auth).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use synchro_core::model::{Etag, Href, SyncToken, Uid};
use synchro_core::remote::caldav::{CalDavClient, FetchedItem, SyncResult, WriteOutcome};
use synchro_core::remote::http::{HttpClient, HttpConfig};
use synchro_core::Error;
use synchro_tests::calendar::simple as ics;
use synchro_tests::servers::free_port;
use synchro_tests::{Peer, Server};

fn radicale() -> Server {
    Server::start(Peer::RadicalePypi)
}

fn xandikos() -> Server {
    Server::start(Peer::XandikosPypi)
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
    let cals = c.discover(&server.base_url).unwrap();
    let cal = cals
        .iter()
        .find(|x| x.url == server.calendar_url)
        .unwrap_or_else(|| panic!("{} not in {cals:?}", server.calendar_url));
    assert!(cal.supports_sync_collection, "{cal:?}");
    assert!(!cal.read_only, "{cal:?}");
    assert!(
        cal.components.is_empty() || cal.components.iter().any(|x| x == "VEVENT"),
        "{cal:?}"
    );
    // VEVENT calendars first.
    assert!(cals[0].components.is_empty() || cals[0].components.iter().any(|x| x == "VEVENT"));

    // A calendar URL gives just that calendar (with or without the trailing slash).
    let just = c
        .discover(server.calendar_url.trim_end_matches('/'))
        .unwrap();
    assert_eq!(just.len(), 1);
    assert_eq!(just[0].url, server.calendar_url);

    let state = c.collection_state(&server.calendar_url).unwrap();
    assert!(state.supports_sync_collection, "{state:?}");
    assert!(state.sync_token.is_some(), "{state:?}");
}

fn write_cycle(server: &Server, c: &mut CalDavClient, update_status_ok: bool) {
    let uid = Uid::new("write-1@example.org");
    let (href, etag) = created(
        c.create(
            &server.calendar_url,
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
            &server.calendar_url,
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
            c.create(
                &server.calendar_url,
                &uid,
                &ics(odd, "Odd", "20240103T100000Z"),
            )
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
                &server.calendar_url,
                &Uid::new(&uid),
                &ics(&uid, "S", "20240105T100000Z"),
            )
            .unwrap(),
        );
        hrefs.push(href);
    }
    let (changed, deleted, token) = delta(c.sync_collection(&server.calendar_url, None).unwrap());
    assert_eq!(changed.len(), 5, "{changed:?}");
    assert!(deleted.is_empty());
    for h in &hrefs {
        assert!(
            changed.iter().any(|x| &x.href == h),
            "{h} missing from {changed:?}"
        );
    }
    // Nothing changed: an empty delta.
    let (ch, de, token2) = delta(
        c.sync_collection(&server.calendar_url, Some(&token))
            .unwrap(),
    );
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
            &server.calendar_url,
            &Uid::new("sync-new"),
            &ics("sync-new", "N", "20240105T100000Z"),
        )
        .unwrap(),
    );
    let (ch, de, token3) = delta(
        c.sync_collection(&server.calendar_url, Some(&token2))
            .unwrap(),
    );
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
        c.sync_collection(&server.calendar_url, Some(&bogus))
            .unwrap(),
        SyncResult::InvalidToken,
        "{bad_token_status_hint}"
    );
    let bogus = SyncToken::new("http://example.invalid/sync/999");
    assert_eq!(
        c.sync_collection(&server.calendar_url, Some(&bogus))
            .unwrap(),
        SyncResult::InvalidToken
    );
}

fn etag_listing(server: &Server, c: &mut CalDavClient) {
    for (uid, start) in [("old-1", "20200110T100000Z"), ("new-1", "20300110T100000Z")] {
        created(
            c.create(&server.calendar_url, &Uid::new(uid), &ics(uid, "L", start))
                .unwrap(),
        );
    }
    let all = c.list_etags(&server.calendar_url, None).unwrap();
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
    let recent = c.list_etags(&server.calendar_url, Some(since)).unwrap();
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
    let e = c.discover(&s.base_url).unwrap_err();
    assert!(matches!(e, Error::Auth), "{e:?}");
    let e = c.collection_state(&s.calendar_url).unwrap_err();
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

/// 120 items fetched in 2 requests (a first batch of 100, then the rest), with one href
/// that does not exist; then the same with a body limit too small for one batch.
fn multiget_120(s: &Server, user: &str) {
    let mut c = client(user, user);
    let mut hrefs = Vec::new();
    for i in 0..120 {
        let uid = format!("mg-{i:03}");
        let (href, _) = created(
            c.create(
                &s.calendar_url,
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
        .multiget(&s.calendar_url, &hrefs, &mut |item| {
            got.push(item);
            Ok(())
        })
        .unwrap();
    let after = c.stats();
    assert_eq!(missing, vec![ghost]);
    assert_eq!(got.len(), 120);
    assert_eq!(
        after.requests - before.requests,
        2,
        "121 hrefs: a first batch of 100, then the rest (small items)"
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
        .multiget(&s.calendar_url, &hrefs, &mut |_| {
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
    let e = small
        .multiget(&s.calendar_url, &hrefs, &mut |_| Ok(()))
        .unwrap_err();
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
