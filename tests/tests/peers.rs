//! Smoke tests of the test harness itself: every peer starts on 127.0.0.1, stores and lists
//! events over raw HTTP, checks credentials as it should, and is gone after drop.

use std::net::TcpStream;

use synchro_tests::http::{self, Auth};
use synchro_tests::{Peer, Server};

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Synchro//tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\n\
         DTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\nSUMMARY:{summary}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn port_of(url: &str) -> u16 {
    url.trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// PUT, raw PROPFIND, GET, update, DELETE, a second calendar, then stop.
fn round_trip(peer: Peer) {
    let server = Server::start(peer);
    assert!(server.base_url.starts_with("http://127.0.0.1:"));
    assert!(server.calendar_url.ends_with('/'));
    assert!(
        server.list().is_empty(),
        "{}: calendar not empty",
        peer.name()
    );

    let etag = server.put_ics("lecture-1.ics", &event("lecture-1", "Cours d'algèbre"));

    // A raw Depth: 1 PROPFIND, to prove the item is really there.
    let body = r#"<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>"#;
    let r = server.request(
        "PROPFIND",
        &server.calendar_url,
        &[("Depth", "1"), ("Content-Type", "application/xml")],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 207, "{}: {r:?}", peer.name());
    let text = r.body_text();
    assert!(text.contains("lecture-1.ics"), "{}: {text}", peer.name());

    let listed = server.list();
    assert_eq!(listed.len(), 1, "{}: {listed:?}", peer.name());
    assert_eq!(listed[0].0, "lecture-1.ics");
    assert!(!listed[0].1.is_empty(), "{}: no etag listed", peer.name());
    if let Some(etag) = etag {
        assert_eq!(
            listed[0].1,
            etag,
            "{}: PUT and PROPFIND etags differ",
            peer.name()
        );
    }

    let got = server.get_ics("lecture-1.ics").expect("GET");
    assert!(got.contains("UID:lecture-1"), "{}: {got}", peer.name());
    assert!(
        got.contains("algèbre"),
        "{}: UTF-8 lost: {got}",
        peer.name()
    );

    // An update changes the etag.
    server.put_ics("lecture-1.ics", &event("lecture-1", "Cours déplacé"));
    let after = server.list();
    assert_ne!(after[0].1, listed[0].1, "{}: etag unchanged", peer.name());

    // A second collection is independent.
    let other = server.new_calendar("other");
    assert_ne!(other, server.calendar_url);
    assert!(server.list_collection(&other).is_empty());

    assert_eq!(server.delete("lecture-1.ics") / 100, 2, "{}", peer.name());
    assert!(server.list().is_empty());
    assert_eq!(server.get_ics("lecture-1.ics"), None);

    let port = port_of(&server.base_url);
    server.stop();
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "{}: still listening after stop",
        peer.name()
    );
}

#[test]
fn radicale_pypi_round_trip() {
    round_trip(Peer::RadicalePypi);
}

#[test]
fn radicale_debian_round_trip() {
    round_trip(Peer::RadicaleDebian);
}

#[test]
fn xandikos_pypi_round_trip() {
    round_trip(Peer::XandikosPypi);
}

#[test]
fn xandikos_debian_round_trip() {
    round_trip(Peer::XandikosDebian);
}

#[test]
fn xandikos_digest_round_trip() {
    round_trip(Peer::XandikosDigest);
}

#[test]
fn radicale_rejects_a_wrong_password() {
    for peer in [Peer::RadicalePypi, Peer::RadicaleDebian] {
        let server = Server::start(peer);
        let r = http::request(
            "PROPFIND",
            &server.calendar_url,
            Some((Auth::Basic, "test", "wrong")),
            &[("Depth", "0")],
            None,
        );
        assert_eq!(r.status, 401, "{}: {r:?}", peer.name());
        let r = http::request(
            "PROPFIND",
            &server.calendar_url,
            None,
            &[("Depth", "0")],
            None,
        );
        assert_eq!(r.status, 401, "{}: no credentials: {r:?}", peer.name());
    }
}

#[test]
fn digest_proxy_checks_credentials_with_digest_only() {
    let server = Server::start(Peer::XandikosDigest);
    let url = &server.calendar_url;
    let propfind = |auth| http::request("PROPFIND", url, auth, &[("Depth", "0")], None);

    let none = propfind(None);
    assert_eq!(none.status, 401, "{none:?}");
    let wrong = propfind(Some((Auth::Digest, "test", "wrong")));
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let unknown_user = propfind(Some((Auth::Digest, "nobody", "test")));
    assert_eq!(unknown_user.status, 401, "{unknown_user:?}");
    // The right password sent as Basic is refused: the proxy speaks Digest only.
    let basic = propfind(Some((Auth::Basic, "test", "test")));
    assert_eq!(basic.status, 401, "{basic:?}");
    let right = propfind(Some((Auth::Digest, "test", "test")));
    assert_eq!(right.status, 207, "{right:?}");
}

#[test]
fn digest_challenge_names_realm_and_qop() {
    let server = Server::start(Peer::XandikosDigest);
    let out = std::process::Command::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/null", &server.calendar_url])
        .output()
        .unwrap();
    let headers = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(headers.contains("www-authenticate: digest"), "{headers}");
    assert!(headers.contains("realm=\"synchro\""), "{headers}");
    assert!(headers.contains("qop=\"auth\""), "{headers}");
}

/// seed.py + upload.py fill every kind of server (bulk on Radicale, per item elsewhere).
#[test]
fn seed_and_upload_fill_every_peer() {
    let ics = synchro_tests::seed::seed_ics(40, 7, "2025-09-01");
    assert_eq!(ics, synchro_tests::seed::seed_ics(40, 7, "2025-09-01"));
    assert!(ics.contains("RRULE:FREQ=WEEKLY;UNTIL="));
    assert!(ics.contains("BEGIN:VTIMEZONE"));
    for peer in Peer::ALL {
        let server = Server::start(peer);
        // Something already there: auto mode must not replace it.
        server.put_ics("keep.ics", &event("keep-me", "Déjà là"));
        let summary = server.upload(&ics);
        assert!(summary.contains("by items"), "{}: {summary}", peer.name());
        let items = server.list();
        assert_eq!(items.len(), 41, "{}: {items:?}", peer.name());
        assert!(
            items.iter().any(|(n, _)| n == "keep.ics"),
            "{}",
            peer.name()
        );
        let lecture = items
            .iter()
            .find(|(n, _)| n.starts_with("cours-7-00000"))
            .unwrap_or_else(|| panic!("{}: {items:?}", peer.name()));
        let text = server.get_ics(&lecture.0).unwrap();
        assert!(text.contains("RRULE"), "{}: {text}", peer.name());
    }
}

/// An empty Radicale collection takes the whole calendar in one PUT.
#[test]
fn upload_bulk_into_empty_radicale() {
    let ics = synchro_tests::seed::seed_ics(60, 8, "2025-09-01");
    for peer in [Peer::RadicaleDebian, Peer::RadicalePypi] {
        let server = Server::start(peer);
        let summary = server.upload(&ics);
        assert!(summary.contains("by bulk"), "{}: {summary}", peer.name());
        assert_eq!(server.list().len(), 60, "{}", peer.name());
    }
}
