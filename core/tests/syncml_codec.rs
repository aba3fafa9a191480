//! Golden tests of the SyncML codecs against real sessions captured with SyncEvolution 2.0
//! (fixtures/syncml, see its README.md): WBXML vs SyncEvolution's own XML translation,
//! round trips in both encodings, malformed input, and the client-side builders.

/// Named `syncml` so that `cargo test -p synchro-core syncml` runs all of them.
mod syncml {
    use std::path::PathBuf;

    use synchro_core::remote::syncml::build::alert_code;
    use synchro_core::remote::syncml::{
        self, command_size, decode, encode, encoded_size, Alert, Command, DataStore, DevInf,
        Encoding, ItemData, Location, Map, Meta, PutGet, Status, SyncHdr, SyncMl, SyncMlVersion,
    };
    use synchro_core::{Error, ErrorKind};

    fn fixture(rel: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/syncml")
            .join(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The body of a captured HTTP exchange (headers, blank line, body); `.xml` files are bodies.
    fn body(rel: &str) -> Vec<u8> {
        let raw = fixture(rel);
        if !rel.ends_with(".txt") {
            return raw;
        }
        let at = raw
            .windows(2)
            .position(|w| w == b"\n\n")
            .expect("HTTP capture without a blank line");
        raw[at + 2..].to_vec()
    }

    const WBXML_PAIRS: [(&str, &str); 6] = [
        (
            "001-request.txt",
            "syncevolution-log_trm001_001_outgoing.xml",
        ),
        (
            "001-response.txt",
            "syncevolution-log_trm001_002_incoming.xml",
        ),
        (
            "002-request.txt",
            "syncevolution-log_trm002_003_outgoing.xml",
        ),
        (
            "002-response.txt",
            "syncevolution-log_trm002_004_incoming.xml",
        ),
        (
            "003-request.txt",
            "syncevolution-log_trm003_005_outgoing.xml",
        ),
        (
            "003-response.txt",
            "syncevolution-log_trm003_006_incoming.xml",
        ),
    ];

    fn wbxml_msg(name: &str) -> Vec<u8> {
        body(&format!("cli-session-wbxml-raw/{name}"))
    }

    /// The translation as SyncEvolution wrote it, with the tap's port rewrite applied (the tap
    /// turned 127.0.0.1:9001 into :9000 in the bodies on the wire; same length, so WBXML
    /// string and opaque lengths are unchanged).
    fn translation(name: &str) -> Vec<u8> {
        let t = String::from_utf8(fixture(&format!(
            "cli-session-wbxml-xml-translation/{name}"
        )))
        .unwrap();
        t.replace("127.0.0.1:9001", "127.0.0.1:9000").into_bytes()
    }

    const XML_CAPTURES: [&str; 36] = [
        "cli-session-plain-xml/001-request.txt",
        "cli-session-plain-xml/001-response.txt",
        "cli-session-plain-xml/002-request.txt",
        "cli-session-plain-xml/002-response.txt",
        "cli-session-plain-xml/003-request.txt",
        "cli-session-plain-xml/003-response.txt",
        "cli-session-vcalendar10-refresh/001-request.txt",
        "cli-session-vcalendar10-refresh/001-response.txt",
        "cli-session-vcalendar10-refresh/002-request.txt",
        "cli-session-vcalendar10-refresh/002-response.txt",
        "cli-session-vcalendar10-refresh/003-request.txt",
        "cli-session-vcalendar10-refresh/003-response.txt",
        "curl-handcrafted-session/msg1.xml",
        "curl-handcrafted-session/msg2.xml",
        "curl-handcrafted-session/msg3.xml",
        "curl-handcrafted-session/resp1.xml",
        "curl-handcrafted-session/resp2.xml",
        "curl-handcrafted-session/resp3.xml",
        "mini-client-slow-sync-201/01-client.xml",
        "mini-client-slow-sync-201/01-server.xml",
        "mini-client-slow-sync-201/02-client.xml",
        "mini-client-slow-sync-201/02-server.xml",
        "mini-client-slow-sync-201/03-client.xml",
        "mini-client-slow-sync-201/03-server.xml",
        "mini-client-two-way-200/01-client.xml",
        "mini-client-two-way-200/01-server.xml",
        "mini-client-two-way-200/02-client.xml",
        "mini-client-two-way-200/02-server.xml",
        "mini-client-two-way-200/03-client.xml",
        "mini-client-two-way-200/03-server.xml",
        "cli-session-wbxml-xml-translation/syncevolution-log_trm001_001_outgoing.xml",
        "cli-session-wbxml-xml-translation/syncevolution-log_trm001_002_incoming.xml",
        "cli-session-wbxml-xml-translation/syncevolution-log_trm002_003_outgoing.xml",
        "cli-session-wbxml-xml-translation/syncevolution-log_trm002_004_incoming.xml",
        "cli-session-wbxml-xml-translation/syncevolution-log_trm003_005_outgoing.xml",
        "cli-session-wbxml-xml-translation/syncevolution-log_trm004_007_outgoing.xml",
    ];

    fn is_protocol(r: Result<SyncMl, Error>) -> bool {
        matches!(r, Err(ref e) if e.kind() == ErrorKind::Protocol)
    }

    // ------------------------------------------------------------------ WBXML goldens

    #[test]
    fn every_wbxml_capture_decodes_to_its_xml_translation() {
        for (raw, xml) in WBXML_PAIRS {
            let from_wbxml = decode(&wbxml_msg(raw), Encoding::Wbxml).unwrap();
            let from_xml = decode(&translation(xml), Encoding::Xml).unwrap();
            assert_eq!(from_wbxml, from_xml, "{raw} vs {xml}");
        }
    }

    #[test]
    fn every_wbxml_capture_re_encodes_byte_identically() {
        for (raw, _) in WBXML_PAIRS {
            let bytes = wbxml_msg(raw);
            let m = decode(&bytes, Encoding::Wbxml).unwrap();
            let again = encode(&m, Encoding::Wbxml).unwrap();
            assert_eq!(
                decode(&again, Encoding::Wbxml).unwrap(),
                m,
                "{raw}: model changed"
            );
            assert!(
                again == bytes,
                "{raw}: re-encoded bytes differ from SyncEvolution's"
            );
        }
    }

    #[test]
    fn wbxml_client_init_carries_md5_cred_devinf_and_anchors() {
        let m = decode(&wbxml_msg("001-request.txt"), Encoding::Wbxml).unwrap();
        assert_eq!(m.header.version, SyncMlVersion::V1_2);
        assert_eq!(m.header.session_id, "45");
        assert_eq!(m.header.msg_id, 1);
        assert_eq!(m.header.source.loc_uri, "sc-cli-test-1");
        let cred = m.header.cred.as_ref().unwrap();
        assert_eq!(
            cred.meta.as_ref().unwrap().type_.as_deref(),
            Some("syncml:auth-md5")
        );
        assert_eq!(m.header.meta.as_ref().unwrap().max_msg_size, Some(150_000));
        let Command::Put(put) = &m.body.commands[0] else {
            panic!("first command is not Put")
        };
        assert_eq!(
            put.meta.as_ref().unwrap().type_.as_deref(),
            Some(syncml::DEVINF_WBXML_TYPE)
        );
        let Some(ItemData::DevInf(d)) = &put.items[0].data else {
            panic!("Put without DevInf")
        };
        assert_eq!(d.dev_id, "sc-cli-test-1");
        assert!(d.utc && d.support_large_objs && d.support_number_of_changes);
        let ds = d.data_store("./calendar").unwrap();
        assert_eq!(ds.rx_pref.as_ref().unwrap().ct_type, "text/calendar");
        assert_eq!(ds.rx[0].ver_ct, "1.0");
        assert_eq!(ds.sync_types, [1, 2, 3, 4, 5, 6, 7, 390001]);
        assert_eq!(ds.ctcaps.len(), 2);
        let attendee = ds.ctcaps[0]
            .properties
            .iter()
            .find(|p| p.name == "ATTENDEE")
            .unwrap();
        assert_eq!(attendee.params[1].name, "PARTSTAT");
        assert_eq!(attendee.params[1].val_enums.len(), 5);
        let Command::Alert(a) = &m.body.commands[2] else {
            panic!("third command is not Alert")
        };
        assert_eq!(a.code, alert_code::TWO_WAY);
        let anchor = a.items[0].meta.as_ref().unwrap().anchor.as_ref().unwrap();
        assert_eq!(anchor.last.as_deref(), Some("20261125T195056Z"));
        assert_eq!(anchor.next, "20261125T195300Z");
        assert!(m.body.final_);
    }

    #[test]
    fn wbxml_server_add_keeps_crlf_payload_as_text() {
        let m = decode(&wbxml_msg("002-response.txt"), Encoding::Wbxml).unwrap();
        let Command::Sync(s) = &m.body.commands[2] else {
            panic!("no Sync")
        };
        assert_eq!(s.number_of_changes, Some(1));
        let Command::Add(add) = &s.commands[0] else {
            panic!("no Add")
        };
        assert_eq!(add.items[0].source.as_ref().unwrap().loc_uri, "4");
        let Some(ItemData::Text(t)) = &add.items[0].data else {
            panic!("no text data")
        };
        assert!(t.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(t.contains("SUMMARY:Server-side event\r\n"));
    }

    #[test]
    fn wbxml_header_status_carries_the_md5_challenge() {
        let m = decode(&wbxml_msg("001-response.txt"), Encoding::Wbxml).unwrap();
        let Command::Status(st) = &m.body.commands[0] else {
            panic!("no Status")
        };
        assert_eq!((st.cmd_ref, st.cmd.as_str(), st.code), (0, "SyncHdr", 212));
        let chal = st.chal.as_ref().unwrap();
        assert_eq!(chal.meta.format.as_deref(), Some("b64"));
        assert!(chal
            .meta
            .next_nonce
            .as_deref()
            .is_some_and(|n| !n.is_empty()));
        assert!(m.header.resp_uri.as_deref().unwrap().contains("sessionid="));
    }

    // ------------------------------------------------------------------ XML round trips

    #[test]
    fn every_xml_capture_parses_and_round_trips() {
        for f in XML_CAPTURES {
            let m = decode(&body(f), Encoding::Xml).unwrap_or_else(|e| panic!("{f}: {e}"));
            let written = encode(&m, Encoding::Xml).unwrap();
            let again = decode(&written, Encoding::Xml).unwrap();
            assert_eq!(again, m, "{f}: XML round trip changed the model");
            // The same message also survives WBXML.
            let w = encode(&m, Encoding::Wbxml).unwrap();
            assert_eq!(
                decode(&w, Encoding::Wbxml).unwrap(),
                m,
                "{f}: WBXML round trip"
            );
        }
    }

    #[test]
    fn syncevolution_xml_is_rewritten_byte_identically() {
        // Our writer follows SyncEvolution's style; on its own messages the output is identical.
        for f in [
            "cli-session-plain-xml/002-request.txt",
            "cli-session-plain-xml/003-response.txt",
            "cli-session-plain-xml/002-response.txt",
        ] {
            let b = body(f);
            let m = decode(&b, Encoding::Xml).unwrap();
            let w = encode(&m, Encoding::Xml).unwrap();
            assert_eq!(
                String::from_utf8(w).unwrap(),
                String::from_utf8(b).unwrap(),
                "{f}"
            );
        }
    }

    #[test]
    fn pretty_printed_devinf_inside_data_is_parsed() {
        let m = decode(&body("curl-handcrafted-session/msg2.xml"), Encoding::Xml).unwrap();
        let Some(Command::Results(r)) = m.body.commands.iter().find(|c| c.name() == "Results")
        else {
            panic!("no Results")
        };
        assert_eq!(r.cmd_ref, 5);
        let Some(ItemData::DevInf(d)) = &r.items[0].data else {
            panic!("no DevInf")
        };
        assert_eq!(d.dev_id, "curl-dev-1");
        assert_eq!(d.data_stores[0].sync_types, [1, 2]);
    }

    #[test]
    fn escaped_devinf_text_is_parsed_like_embedded_xml() {
        let m = decode(
            &body("mini-client-two-way-200/01-client.xml"),
            Encoding::Xml,
        )
        .unwrap();
        let Command::Put(put) = &m.body.commands[1] else {
            panic!("no Put")
        };
        let Some(ItemData::DevInf(d)) = &put.items[0].data else {
            panic!("no DevInf")
        };
        let devinf_xml = String::from_utf8(
            syncml::encode_devinf(d, SyncMlVersion::V1_2, Encoding::Xml).unwrap(),
        )
        .unwrap();
        let escaped = devinf_xml
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let src = String::from_utf8(body("mini-client-two-way-200/01-client.xml")).unwrap();
        let start = src.find("<DevInf").unwrap();
        let end = src.find("</DevInf>").unwrap() + "</DevInf>".len();
        let with_text = format!("{}{}{}", &src[..start], escaped, &src[end..]);
        let m2 = decode(with_text.as_bytes(), Encoding::Xml).unwrap();
        assert_eq!(m2, m);
        // Also without a Meta Type, recognised by the ./devinf12 item URI.
        let untyped = with_text.replacen(
            "<Meta><Type xmlns=\"syncml:metinf\">application/vnd.syncml-devinf+xml</Type></Meta>",
            "",
            1,
        );
        assert_ne!(untyped, with_text);
        let m3 = decode(untyped.as_bytes(), Encoding::Xml).unwrap();
        let Command::Put(p3) = &m3.body.commands[1] else {
            panic!("no Put")
        };
        assert_eq!(p3.items, put.items);
    }

    // ------------------------------------------------------------------ malformed input

    #[test]
    fn truncated_wbxml_is_a_protocol_error_at_every_offset() {
        let bytes = wbxml_msg("002-response.txt");
        for n in 0..bytes.len() {
            assert!(
                is_protocol(decode(&bytes[..n], Encoding::Wbxml)),
                "accepted {n} bytes"
            );
        }
        // Including inside the embedded DevInf document.
        let bytes = wbxml_msg("001-request.txt");
        for n in (0..bytes.len()).step_by(7) {
            assert!(
                is_protocol(decode(&bytes[..n], Encoding::Wbxml)),
                "accepted {n} bytes"
            );
        }
    }

    #[test]
    fn corrupted_wbxml_never_panics() {
        let bytes = wbxml_msg("001-response.txt");
        for i in 0..bytes.len() {
            for v in [0x01, 0x03, 0xC3, 0xFF] {
                let mut b = bytes.clone();
                b[i] = v;
                // Either an error or some message: never a panic.
                let _ = decode(&b, Encoding::Wbxml);
            }
        }
    }

    #[test]
    fn truncated_xml_is_a_protocol_error_at_every_offset() {
        let bytes = body("curl-handcrafted-session/msg1.xml");
        let end = bytes.windows(9).position(|w| w == b"</SyncML>").unwrap() + 8;
        for n in 0..end {
            assert!(
                is_protocol(decode(&bytes[..n], Encoding::Xml)),
                "accepted {n} bytes"
            );
        }
    }

    #[test]
    fn unknown_tokens_attributes_and_wrong_documents_are_refused() {
        let good = wbxml_msg("003-response.txt");
        // Tag 0x30 is reserved on the SyncML page (in place of SyncHdr, 0x6C).
        let mut b = good.clone();
        b[6] = 0x70;
        assert!(is_protocol(decode(&b, Encoding::Wbxml)));
        // A tag with the attribute bit.
        let mut b = good.clone();
        b[6] = 0xF1;
        assert!(is_protocol(decode(&b, Encoding::Wbxml)));
        // A literal tag.
        let mut b = good.clone();
        b[6] = 0x04;
        assert!(is_protocol(decode(&b, Encoding::Wbxml)));
        // An unknown public id.
        let mut b = good.clone();
        b[2] = 0x05;
        assert!(is_protocol(decode(&b, Encoding::Wbxml)));
        // Trailing garbage.
        let mut b = good.clone();
        b.push(0x01);
        assert!(is_protocol(decode(&b, Encoding::Wbxml)));
        // A DevInf document where a message is expected.
        let d = DevInf::client(
            "d",
            "m",
            "m",
            "1",
            "phone",
            vec![DataStore::calendar("./cal", "c", 32)],
        );
        let devinf = syncml::encode_devinf(&d, SyncMlVersion::V1_2, Encoding::Wbxml).unwrap();
        assert!(is_protocol(decode(&devinf, Encoding::Wbxml)));
        // Empty input.
        assert!(is_protocol(decode(b"", Encoding::Wbxml)));
    }

    #[test]
    fn bad_xml_and_wrong_roots_are_refused() {
        let cases: [&[u8]; 8] = [
            b"",
            b"<SyncML><SyncHdr></SyncBody></SyncML>",
            b"<html><body>Bad gateway</body></html>",
            b"<multistatus xmlns='DAV:'/>",
            b"<SyncML xmlns='SYNCML:SYNCML1.2'><SyncBody/></SyncML>",
            b"<SyncML xmlns='urn:other'><SyncHdr/><SyncBody/></SyncML>",
            b"<SyncML><SyncHdr><VerDTD>3.0</VerDTD><VerProto>SyncML/3.0</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr><SyncBody/></SyncML>",
            b"<SyncML><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2</VerProto><SessionID>1</SessionID><MsgID>x</MsgID><Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr><SyncBody/></SyncML>",
        ];
        for c in cases {
            assert!(
                is_protocol(decode(c, Encoding::Xml)),
                "accepted {}",
                String::from_utf8_lossy(c)
            );
        }
    }

    #[test]
    fn missing_required_parts_name_what_is_missing() {
        let src = String::from_utf8(body("curl-handcrafted-session/resp3.xml")).unwrap();
        let broken = src.replacen("<Cmd>SyncHdr</Cmd>", "", 1);
        let err = decode(broken.as_bytes(), Encoding::Xml).unwrap_err();
        assert!(err.to_string().contains("<Status> without <Cmd>"), "{err}");
    }

    #[test]
    fn unknown_elements_are_skipped_and_unknown_commands_kept_for_a_status() {
        let src = String::from_utf8(body("curl-handcrafted-session/msg1.xml")).unwrap();
        let with_extras = src
            .replace("<MsgID>1</MsgID>", "<MsgID>1</MsgID><X-Vendor>v</X-Vendor>")
            .replace(
                "<Final/>",
                "<Exec><CmdID>9</CmdID><NoResp/><Item/></Exec><Final/>",
            );
        let m = decode(with_extras.as_bytes(), Encoding::Xml).unwrap();
        let last = m.body.commands.last().unwrap();
        assert_eq!(
            (last.name(), last.cmd_id(), last.no_resp()),
            ("Exec", 9, true)
        );
        let plain = decode(src.as_bytes(), Encoding::Xml).unwrap();
        assert_eq!(m.header, plain.header);
    }

    #[test]
    fn binary_item_data_goes_through_wbxml_but_not_xml() {
        let mut m = decode(
            &body("mini-client-two-way-200/02-client.xml"),
            Encoding::Xml,
        )
        .unwrap();
        let Some(Command::Sync(s)) = m.body.commands.iter_mut().find(|c| c.name() == "Sync") else {
            panic!("no Sync")
        };
        let Command::Add(add) = &mut s.commands[0] else {
            panic!("no Add")
        };
        add.items[0].data = Some(ItemData::Bytes(vec![0xFF, 0x00, 0xFE]));
        let w = encode(&m, Encoding::Wbxml).unwrap();
        assert_eq!(decode(&w, Encoding::Wbxml).unwrap(), m);
        assert!(matches!(encode(&m, Encoding::Xml), Err(e) if e.kind() == ErrorKind::Protocol));
    }

    // ------------------------------------------------------------------ versions

    #[test]
    fn syncml_1_1_uses_its_namespace_and_public_ids() {
        let mut m = decode(&wbxml_msg("001-request.txt"), Encoding::Wbxml).unwrap();
        m.header.version = SyncMlVersion::V1_1;
        let w = encode(&m, Encoding::Wbxml).unwrap();
        assert_eq!(&w[..5], [0x02, 0x9F, 0x53, 0x6A, 0x00]); // 0x0FD3
        let devinf_at = w.windows(3).position(|x| x == [0x02, 0x9F, 0x54]).unwrap(); // 0x0FD4
        assert!(devinf_at > 5);
        assert_eq!(decode(&w, Encoding::Wbxml).unwrap(), m);
        let x = String::from_utf8(encode(&m, Encoding::Xml).unwrap()).unwrap();
        assert!(x.contains("<SyncML xmlns='SYNCML:SYNCML1.1'><SyncHdr><VerDTD>1.1</VerDTD><VerProto>SyncML/1.1</VerProto>"));
        assert_eq!(decode(x.as_bytes(), Encoding::Xml).unwrap(), m);
    }

    #[test]
    fn encoding_is_told_by_content_type_or_first_byte() {
        let w = wbxml_msg("003-request.txt");
        let (enc, m) = syncml::decode_any(&w, None).unwrap();
        assert_eq!(enc, Encoding::Wbxml);
        let (enc2, m2) = syncml::decode_any(
            &translation("syncevolution-log_trm003_005_outgoing.xml"),
            Some("application/vnd.syncml+xml; charset=UTF-8"),
        )
        .unwrap();
        assert_eq!((enc2, m2), (Encoding::Xml, m));
        assert!(syncml::decode_any(b"\x7fELF", None).is_err());
    }

    // ------------------------------------------------------------------ builders and sizes

    fn mini_client_init() -> SyncMl {
        let mut hdr = SyncHdr::new(
            SyncMlVersion::V1_2,
            "1",
            1,
            Location::new("http://127.0.0.1:9000/syncevolution"),
            Location::new("mini-dev-1"),
        );
        hdr.meta = Some(Box::new(Meta {
            max_msg_size: Some(150_000),
            ..Meta::default()
        }));
        let mut m = SyncMl::new(hdr);
        m.push(Command::Alert(Alert::sync(
            1,
            alert_code::TWO_WAY,
            "calendar",
            "./cal",
            Some("1"),
            "2",
            None,
        )));
        let mut store = DataStore::calendar("./cal", "", 0);
        store.display_name = None;
        store.max_guid_size = None;
        store.rx.clear();
        store.tx.clear();
        store.sync_types = vec![1, 2];
        let mut d = DevInf::client(
            "mini-dev-1",
            "peers",
            "mini",
            "1",
            "smartphone",
            vec![store],
        );
        d.oem = Some("-".into());
        d.fw_v = Some("1".into());
        d.hw_v = Some("1".into());
        m.push(Command::Put(PutGet::put_devinf(
            2,
            SyncMlVersion::V1_2,
            d,
            Encoding::Xml,
        )));
        m.body.final_ = true;
        m
    }

    #[test]
    fn builders_reproduce_a_client_message_the_server_accepted() {
        let captured = decode(
            &body("mini-client-two-way-200/01-client.xml"),
            Encoding::Xml,
        )
        .unwrap();
        assert_eq!(mini_client_init(), captured);
    }

    #[test]
    fn statuses_built_for_server_commands_match_what_syncevolution_sent() {
        let server = decode(&wbxml_msg("001-response.txt"), Encoding::Wbxml).unwrap();
        let client = decode(&wbxml_msg("002-request.txt"), Encoding::Wbxml).unwrap();
        let sent: Vec<&Status> = client
            .body
            .commands
            .iter()
            .filter_map(|c| match c {
                Command::Status(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(*sent[0], Status::for_header(1, &server.header, 200));
        let results = server
            .body
            .commands
            .iter()
            .find(|c| c.name() == "Results")
            .unwrap();
        assert_eq!(
            *sent[1],
            Status::for_command(2, server.header.msg_id, results, 200)
        );
        let alert = server
            .body
            .commands
            .iter()
            .find(|c| c.name() == "Alert")
            .unwrap();
        assert_eq!(
            *sent[2],
            Status::for_command(3, server.header.msg_id, alert, 200)
        );
    }

    #[test]
    fn map_and_sync_builders_match_captured_commands() {
        let client = decode(&wbxml_msg("003-request.txt"), Encoding::Wbxml).unwrap();
        let map = client
            .body
            .commands
            .iter()
            .find(|c| c.name() == "Map")
            .unwrap();
        let Command::Map(captured) = map else {
            unreachable!()
        };
        let guid = captured.items[0].target.clone();
        let luid = captured.items[0].source.clone();
        assert_eq!(
            *map,
            Command::Map(Map::new(
                map.cmd_id(),
                "calendar",
                "./calendar",
                &[(&guid, &luid)]
            ))
        );
        let c2 = decode(
            &body("cli-session-plain-xml/002-request.txt"),
            Encoding::Xml,
        )
        .unwrap();
        let Some(Command::Sync(s)) = c2.body.commands.iter().find(|c| c.name() == "Sync") else {
            panic!("no Sync")
        };
        let mut built = synchro_core::remote::syncml::Sync::new(s.cmd_id, "calendar", "./calendar");
        built.number_of_changes = s.number_of_changes;
        built.push(Command::delete(
            s.commands[0].cmd_id(),
            "text/calendar",
            "1",
        ));
        assert_eq!(*s, built);
    }

    #[test]
    fn devinf_get_put_and_results_survive_both_encodings() {
        let d = DevInf::client(
            "dev-1",
            "Synchro",
            "cli",
            "0.1",
            "workstation",
            vec![DataStore::calendar("./calendar", "Calendar", 32)],
        );
        for enc in [Encoding::Xml, Encoding::Wbxml] {
            let mut hdr = SyncHdr::new(
                SyncMlVersion::V1_2,
                "7",
                2,
                Location::new("http://s/sync"),
                Location::new("dev-1"),
            );
            hdr.cred = Some(syncml::Cred::new("syncml:auth-basic", "dXNlcjpwYXNz"));
            let mut m = SyncMl::new(hdr);
            m.push(Command::Put(PutGet::put_devinf(
                1,
                SyncMlVersion::V1_2,
                d.clone(),
                enc,
            )));
            m.push(Command::Get(PutGet::get_devinf(
                2,
                SyncMlVersion::V1_2,
                enc,
            )));
            m.push(Command::Results(syncml::Results::devinf(
                3,
                1,
                4,
                SyncMlVersion::V1_2,
                d.clone(),
                enc,
            )));
            m.push(Command::Alert(Alert::plain(
                4,
                alert_code::NEXT_MESSAGE,
                "calendar",
                "./calendar",
            )));
            let bytes = encode(&m, enc).unwrap();
            assert_eq!(decode(&bytes, enc).unwrap(), m, "{enc:?}");
            let Command::Put(p) = &m.body.commands[0] else {
                unreachable!()
            };
            assert_eq!(
                p.meta.as_ref().unwrap().type_.as_deref(),
                Some(enc.devinf_type())
            );
        }
    }

    #[test]
    fn sizes_are_exact_for_messages_and_close_for_commands() {
        for enc in [Encoding::Xml, Encoding::Wbxml] {
            let mut m = mini_client_init();
            let before = encoded_size(&m, enc).unwrap();
            assert_eq!(before, encode(&m, enc).unwrap().len());
            let add = Command::add(
                3,
                "text/calendar",
                "42",
                "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            );
            let est = command_size(&add, SyncMlVersion::V1_2, enc).unwrap();
            m.push(add);
            let after = encoded_size(&m, enc).unwrap();
            let grew = after - before;
            assert!(
                est.abs_diff(grew) <= 4,
                "{enc:?}: estimated {est}, grew {grew}"
            );
        }
        // WBXML is smaller than XML for the same message.
        let m = mini_client_init();
        assert!(
            encoded_size(&m, Encoding::Wbxml).unwrap() * 2
                < encoded_size(&m, Encoding::Xml).unwrap()
        );
    }
}
