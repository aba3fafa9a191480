//! Smoke tests of the SyncML test peer (SyncEvolution's server, `synchro_tests::syncevo`):
//! hand-built SyncML 1.2 XML messages posted with curl get real answers (auth statuses,
//! Alerts, server-side changes seen by the file backend), unknown devices are refused, two
//! servers run side by side, and nothing is left running after drop.

use std::process::Command;

use synchro_tests::syncevo::{
    self, all_tags, basic_cred, first_tag, md5_cred, statuses, PeerConfig, PeerOpts, SyncEvoServer,
};

/// Placeholders of the captured session in tests/fixtures/syncml-peer/ (msg1..3.xml, a
/// curl session against SyncEvolution: slow sync, one Add each way, Map).
const FIXTURE_DEVICE: &str = "curl-dev-1";
const FIXTURE_URL: &str = "http://127.0.0.1:9000/syncevolution";
const FIXTURE_RESP_URI: &str = "http://127.0.0.1:9000/syncevolution?sessionid=3737511341795635535";

fn fixture(name: &str) -> String {
    let path = synchro_tests::servers::repo_root()
        .join("tests/fixtures/syncml-peer")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The captured first message (Alert 201 for `calendar`, anchor Next=1) for `device`,
/// addressed to `server`, with `cred` (a `<Cred>` element or "") in the header.
fn first_message(server: &SyncEvoServer, device: &str, cred: &str) -> String {
    fixture("msg1.xml")
        .replace(FIXTURE_URL, &server.url)
        .replace(FIXTURE_DEVICE, device)
        .replace("</SyncHdr>", &format!("{cred}</SyncHdr>"))
}

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Synchro//tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\n\
         DTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\nSUMMARY:{summary}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Posts `xml`, asserts an HTTP 200 SyncML answer, returns its body.
fn post_ok(server: &SyncEvoServer, url: &str, xml: &str) -> String {
    let r = syncevo::post(url, xml);
    assert_eq!(r.status, 200, "{r:?}\n{}", server.logs());
    let body = r.body_text();
    assert!(
        body.contains("<SyncML xmlns='SYNCML:SYNCML1.2'>"),
        "{body}\n{}",
        server.logs()
    );
    body
}

/// The status code of the first Status for `cmd`.
fn status_of(xml: &str, cmd: &str) -> String {
    statuses(xml)
        .into_iter()
        .find(|(c, _, _)| c == cmd)
        .map(|(_, _, data)| data)
        .unwrap_or_else(|| panic!("no Status for {cmd} in {xml}"))
}

/// Alert 201 with auth: no Cred → 407 + md5 challenge; Basic → 212 and the server's Alert;
/// md5 with the nonce of the challenge → 212; wrong password → 401; unknown device → 500.
#[test]
fn first_message_auth_and_unknown_device() {
    let server = syncevo::start();
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert!(server.url.ends_with("/syncevolution"));
    let peer = server.add_peer("synchro-dev-auth", &PeerOpts::default());
    assert_eq!(peer.datastore_uri, "calendar");
    assert!(server.items(&peer).is_empty());

    // No credentials: 407 for the header (and the Alert), an md5 challenge with a nonce.
    let body = post_ok(
        &server,
        &server.url,
        &first_message(&server, &peer.device_id, ""),
    );
    assert_eq!(status_of(&body, "SyncHdr"), "407", "{body}");
    assert_eq!(status_of(&body, "Alert"), "407", "{body}");
    assert_eq!(
        first_tag(&body, "Type").as_deref(),
        Some("syncml:auth-md5"),
        "{body}"
    );
    let nonce = first_tag(&body, "NextNonce").expect("NextNonce");

    // md5 with the nonce just received, in a new session. The md5 digest hides the user
    // name: the server wants it in clear in Source/LocName too, else 407 "Missing clear-text
    // username in Source LocName".
    let cred = md5_cred("test", "test", &nonce);
    let msg = first_message(&server, &peer.device_id, &cred);
    let body = post_ok(&server, &server.url, &msg);
    assert_eq!(
        status_of(&body, "SyncHdr"),
        "407",
        "md5 without LocName: {body}"
    );
    assert!(body.contains("Missing clear-text username"), "{body}");
    let nonce = first_tag(&body, "NextNonce").expect("NextNonce");
    let cred = md5_cred("test", "test", &nonce);
    let msg = first_message(&server, &peer.device_id, &cred).replace(
        &format!("<Source><LocURI>{}</LocURI></Source>", peer.device_id),
        &format!(
            "<Source><LocURI>{}</LocURI><LocName>test</LocName></Source>",
            peer.device_id
        ),
    );
    let body = post_ok(&server, &server.url, &msg);
    assert_eq!(status_of(&body, "SyncHdr"), "212", "md5: {body}");

    // Basic: 212, the Alert accepted, the server's own Alert 201 back for our datastore.
    let cred = basic_cred("test", "test");
    let body = post_ok(
        &server,
        &server.url,
        &first_message(&server, &peer.device_id, &cred),
    );
    assert_eq!(status_of(&body, "SyncHdr"), "212", "basic: {body}");
    assert_eq!(status_of(&body, "Alert"), "200", "{body}");
    let resp_uri = first_tag(&body, "RespURI").expect("RespURI");
    assert!(
        resp_uri.starts_with(&format!("{}?sessionid=", server.url)),
        "{resp_uri}"
    );
    let alerts = all_tags(&body, "Alert");
    assert_eq!(alerts.len(), 1, "{body}");
    assert_eq!(first_tag(&alerts[0], "Data").as_deref(), Some("201"));
    assert!(alerts[0].contains("<Target><LocURI>./cal</LocURI></Target>"));
    assert!(alerts[0].contains("<Source><LocURI>calendar</LocURI></Source>"));

    // Wrong password: 401 (with a fresh challenge).
    let cred = basic_cred("test", "wrong");
    let body = post_ok(
        &server,
        &server.url,
        &first_message(&server, &peer.device_id, &cred),
    );
    assert_eq!(status_of(&body, "SyncHdr"), "401", "{body}");
    assert!(first_tag(&body, "NextNonce").is_some(), "{body}");

    // A device id no peer is configured for: HTTP 500 and no SyncML at all.
    let r = syncevo::post(
        &server.url,
        &first_message(&server, "nobody-knows-me", &basic_cred("test", "test")),
    );
    assert_eq!(r.status, 500, "{r:?}");
    assert!(!r.body_text().contains("<SyncML"), "{r:?}");
}

/// One message of a running session: header for `resp_uri`, then `body` and Final.
fn message(peer: &PeerConfig, resp_uri: &str, msg_id: u32, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SyncML xmlns=\"SYNCML:SYNCML1.2\">\
         <SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto><SessionID>2</SessionID>\
         <MsgID>{msg_id}</MsgID><Target><LocURI>{resp_uri}</LocURI></Target>\
         <Source><LocURI>{}</LocURI></Source></SyncHdr><SyncBody>{body}<Final/></SyncBody>\
         </SyncML>",
        peer.device_id
    )
}

/// (command, LUID) of every Add / Replace / Delete in the server's Sync: the server's LUID
/// (file name) for an Add, the client's for a Replace or Delete.
fn server_changes(xml: &str) -> Vec<(String, String)> {
    let Some(sync) = first_tag(xml, "Sync") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for cmd in ["Add", "Replace", "Delete"] {
        for c in all_tags(&sync, cmd) {
            // Adds name the server's LUID (Source), Replace / Delete the client's (Target).
            let side = if cmd == "Add" { "Source" } else { "Target" };
            let luid = first_tag(&c, side)
                .and_then(|s| first_tag(&s, "LocURI"))
                .unwrap_or_default();
            out.push((cmd.to_string(), luid));
        }
    }
    out.sort();
    out
}

/// A whole slow sync (the captured session), then server-side changes made in the data
/// folder between sessions (a new file, a changed one, a removed one) come back as Add,
/// Replace and Delete in the next two-way sync.
#[test]
fn sessions_see_server_side_changes() {
    let server = syncevo::start();
    let peer = server.add_peer(
        "synchro-dev-changes",
        &PeerOpts {
            username: None,
            ..PeerOpts::default()
        },
    );
    server.put_item(
        &peer,
        "before.ics",
        &event("before@server", "On the server first"),
    );

    // Session 1: slow sync, msg1..3 of the capture.
    let started = std::time::Instant::now();
    let body = post_ok(
        &server,
        &server.url,
        &first_message(&server, &peer.device_id, ""),
    );
    assert_eq!(status_of(&body, "SyncHdr"), "200", "no auth: {body}");
    let resp_uri = first_tag(&body, "RespURI").expect("RespURI");
    let msg2 = fixture("msg2.xml")
        .replace(FIXTURE_RESP_URI, &resp_uri)
        .replace(FIXTURE_URL, &server.url)
        .replace(FIXTURE_DEVICE, &peer.device_id);
    let body = post_ok(&server, &resp_uri, &msg2);
    assert_eq!(status_of(&body, "Add"), "201", "client Add: {body}");
    let changes = server_changes(&body);
    assert_eq!(
        changes,
        vec![("Add".to_string(), "before.ics".to_string())],
        "{body}"
    );
    assert!(body.contains("UID:before@server"), "{body}");
    let msg3 = fixture("msg3.xml")
        .replace(FIXTURE_RESP_URI, &resp_uri)
        .replace(FIXTURE_URL, &server.url)
        .replace(FIXTURE_DEVICE, &peer.device_id)
        .replace("<LocURI>0</LocURI>", "<LocURI>before.ics</LocURI>")
        .replace(
            "<SourceRef>0</SourceRef>",
            "<SourceRef>before.ics</SourceRef>",
        );
    let body = post_ok(&server, &resp_uri, &msg3);
    assert_eq!(status_of(&body, "Map"), "200", "{body}");
    eprintln!("slow sync session: {:?}", started.elapsed());
    let status = server.last_session_status(&peer).unwrap_or_default();
    assert!(
        status.contains("status = 200"),
        "{status}\n{}",
        server.logs()
    );

    // The client's Add is a new file next to ours.
    let files = server.item_files(&peer);
    assert_eq!(files.len(), 2, "{files:?}");
    let client_item = files
        .iter()
        .find(|(_, text)| text.contains("UID:curl-ev-1@peers.test"))
        .map(|(name, _)| name.clone())
        .unwrap_or_else(|| panic!("client Add not stored: {files:?}"));

    // Server side changes between sessions.
    server.put_item(
        &peer,
        "after.ics",
        &event("after@server", "Added on the server"),
    );
    server.put_item(
        &peer,
        &client_item,
        &event("curl-ev-1@peers.test", "Changed on the server"),
    );
    assert!(server.remove_item(&peer, "before.ics"));
    assert!(!server.remove_item(&peer, "before.ics"));

    // Session 2: two-way with the anchors of session 1 (Last=1, Next=2).
    let started = std::time::Instant::now();
    let alert = format!(
        "<Alert><CmdID>1</CmdID><Data>200</Data><Item><Target><LocURI>{}</LocURI></Target>\
         <Source><LocURI>./cal</LocURI></Source><Meta><Anchor xmlns=\"syncml:metinf\">\
         <Last>1</Last><Next>2</Next></Anchor></Meta></Item></Alert>",
        peer.datastore_uri
    );
    let msg1 = message(&peer, &server.url, 1, &alert).replace(
        "</SyncHdr>",
        "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">150000</MaxMsgSize></Meta></SyncHdr>",
    );
    let body = post_ok(&server, &server.url, &msg1);
    assert_eq!(status_of(&body, "Alert"), "200", "anchors accepted: {body}");
    let alerts = all_tags(&body, "Alert");
    assert_eq!(
        first_tag(&alerts[0], "Data").as_deref(),
        Some("200"),
        "{body}"
    );
    let resp_uri = first_tag(&body, "RespURI").expect("RespURI");
    let sync = format!(
        "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>\
         <TargetRef>{}</TargetRef><SourceRef>{}</SourceRef><Data>200</Data></Status>\
         <Sync><CmdID>2</CmdID><Target><LocURI>{}</LocURI></Target>\
         <Source><LocURI>./cal</LocURI></Source><NumberOfChanges>0</NumberOfChanges></Sync>",
        peer.device_id, server.url, peer.datastore_uri
    );
    let body = post_ok(&server, &resp_uri, &message(&peer, &resp_uri, 2, &sync));
    assert_eq!(
        server_changes(&body),
        vec![
            ("Add".to_string(), "after.ics".to_string()),
            // Mapped in session 1: before.ics -> local-102 (Map), the client's Add local-101.
            ("Delete".to_string(), "local-102".to_string()),
            ("Replace".to_string(), "local-101".to_string()),
        ],
        "{body}"
    );
    assert!(body.contains("SUMMARY:Changed on the server"), "{body}");
    let map = format!(
        "<Map><CmdID>1</CmdID><Target><LocURI>{}</LocURI></Target>\
         <Source><LocURI>./cal</LocURI></Source><MapItem><Target><LocURI>after.ics</LocURI>\
         </Target><Source><LocURI>local-103</LocURI></Source></MapItem></Map>",
        peer.datastore_uri
    );
    let body = post_ok(&server, &resp_uri, &message(&peer, &resp_uri, 3, &map));
    assert_eq!(status_of(&body, "Map"), "200", "{body}");
    eprintln!("two-way session: {:?}", started.elapsed());
    assert!(server.session_dirs(&peer).len() >= 2);
    assert!(
        server.last_session_log(&peer).contains("after.ics")
            || server.last_session_status(&peer).is_some()
    );
}

/// Two servers run at once (own ports and HOMEs, the same device id on both), and each
/// leaves no process behind when dropped.
#[test]
fn two_servers_side_by_side_then_nothing_left() {
    let a = syncevo::start();
    let b = syncevo::start();
    assert_ne!(a.port, b.port);
    assert_ne!(a.home(), b.home());
    let opts = PeerOpts::default();
    let pa = a.add_peer("synchro-dev-twice", &opts);
    let pb = b.add_peer("synchro-dev-twice", &opts);
    assert_ne!(pa.data_dir, pb.data_dir);
    for (server, peer) in [(&a, &pa), (&b, &pb)] {
        let body = post_ok(
            server,
            &server.url,
            &first_message(server, &peer.device_id, &basic_cred("test", "test")),
        );
        assert_eq!(status_of(&body, "SyncHdr"), "212", "{body}");
    }
    for server in [a, b] {
        let pgid = server.pgid().expect("running");
        let home = server.home().to_string_lossy().into_owned();
        assert!(!syncevo::processes_in_group(pgid).is_empty());
        drop(server);
        let left = syncevo::processes_in_group(pgid);
        assert!(left.is_empty(), "left running: {left:?}");
        let out = Command::new("pgrep")
            .args(["-a", "-f", &home])
            .output()
            .expect("pgrep");
        assert!(
            out.stdout.is_empty(),
            "left running: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
