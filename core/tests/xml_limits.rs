//! Hostile XML and WBXML answers: each is refused with a protocol error while memory stays
//! bounded. Peak memory is the process's peak resident size (`VmHWM`, reset through
//! `/proc/self/clear_refs` before each measure); the tests of this binary run one at a
//! time, and the bounds are generous: the blow-ups they guard against are one to three
//! orders of magnitude larger.

use std::sync::Mutex;

use synchro_core::remote::caldav::xml;
use synchro_core::remote::syncml::{wbxml, xml as syncml_xml};
use synchro_core::Error;

const MB: i64 = 1 << 20;

/// Held by each test: measures must not see another test's memory.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn status_kb(field: &str) -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Runs `f` and returns its result with the growth of the peak resident size meanwhile.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let base = status_kb("VmRSS:");
    // "5" resets the peak to the current resident size (Linux 4.0 and later).
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let out = f();
    (out, (status_kb("VmHWM:") - base) * 1024)
}

/// Asserts a peak under `limit` (and shows it with `--nocapture`).
fn bounded(peak: i64, limit: i64) {
    eprintln!("peak resident growth: {:.1} MB", peak as f64 / MB as f64);
    assert!(peak < limit, "peak {peak} bytes, bound {limit}");
}

fn assert_protocol_error<T: std::fmt::Debug>(r: Result<T, Error>, needle: &str) {
    match r {
        Err(Error::Protocol(m)) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected a protocol error ({needle}), got {other:?}"),
    }
}

#[test]
fn multistatus_with_a_long_namespace_uri_and_nested_prefixed_elements() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Every nested element's name used to carry its own copy of the 100 kB URI (2.5 GB).
    let uri = format!("urn:x:{}", "a".repeat(100_000));
    let mut body = format!(
        "<d:multistatus xmlns:d=\"DAV:\" xmlns:x=\"{uri}\"><d:response><d:href>/a</d:href>\
         <d:propstat><d:prop><x:p>"
    );
    body.push_str(&"<x:a>".repeat(12_000));
    let (r, peak) = peak_of(|| xml::parse_all(body.as_bytes()));
    assert_protocol_error(r, "namespace URI longer than");
    bounded(peak, 16 * MB);

    // A URI just under the limit: the nesting and then the element count stop it.
    let uri = format!("urn:x:{}", "a".repeat(1000));
    let mut body = format!(
        "<d:multistatus xmlns:d=\"DAV:\" xmlns:x=\"{uri}\"><d:response><d:href>/a</d:href>\
         <d:propstat><d:prop><x:p>"
    );
    body.push_str(&"<x:a/>".repeat(200_000));
    body.push_str("</x:p></d:prop></d:propstat></d:response></d:multistatus>");
    let (r, peak) = peak_of(|| xml::parse_all(body.as_bytes()));
    assert_protocol_error(r, "more than 10000 elements in one response");
    bounded(peak, 64 * MB);

    let mut deep = format!("<d:multistatus xmlns:d=\"DAV:\" xmlns:x=\"{uri}\">");
    deep.push_str(&"<x:a>".repeat(20_000));
    let (r, peak) = peak_of(|| xml::parse_all(deep.as_bytes()));
    assert_protocol_error(r, "nested deeper than 64");
    bounded(peak, 16 * MB);
}

#[test]
fn multistatus_with_many_namespace_declarations_in_scope() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut body = String::from("<d:multistatus xmlns:d=\"DAV:\">");
    for i in 0..40 {
        let uri = format!("urn:{}", "b".repeat(1000));
        body.push_str(&format!("<d:x xmlns:p{i}=\"{uri}\" xmlns:q{i}=\"{uri}\">"));
    }
    let (r, peak) = peak_of(|| xml::parse_all(body.as_bytes()));
    assert_protocol_error(r, "bytes of namespace declarations");
    bounded(peak, 16 * MB);
}

#[test]
fn plain_deep_nesting_is_refused_early() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 15 MB of `<a>`: 850 MB before.
    let body = format!("<multistatus xmlns=\"DAV:\">{}", "<a>".repeat(5_000_000));
    let (r, peak) = peak_of(|| xml::parse_all(body.as_bytes()));
    assert_protocol_error(r, "nested deeper than 64");
    bounded(peak, 16 * MB);
    let (r, peak) =
        peak_of(|| xml::parse_error_body(body.replace("multistatus", "error").as_bytes()));
    assert!(r.is_none());
    bounded(peak, 64 * MB);
}

#[test]
fn a_large_legitimate_listing_still_parses() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 100k responses: the element count is per response, not per answer.
    let mut body = String::from("<d:multistatus xmlns:d=\"DAV:\">");
    for i in 0..100_000 {
        body.push_str(&format!(
            "<d:response><d:href>/c/{i}.ics</d:href><d:propstat><d:prop><d:getetag>\"{i}\"\
             </d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        ));
    }
    body.push_str("<d:sync-token>t</d:sync-token></d:multistatus>");
    let mut n = 0;
    let (r, peak) = peak_of(|| {
        xml::parse_multistatus(body.as_bytes(), &mut |r| {
            assert!(r.prop_text("DAV:", "getetag").is_some());
            n += 1;
            Ok(())
        })
    });
    assert_eq!(r.unwrap().as_deref(), Some("t"));
    assert_eq!(n, 100_000);
    bounded(peak, 8 * MB); // streaming: one response at a time
}

fn syncml_with_body(inner: &str) -> String {
    format!(
        "<SyncML xmlns='SYNCML:SYNCML1.2'><SyncHdr><VerDTD>1.2</VerDTD><VerProto>SyncML/1.2\
         </VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>c</LocURI></Target>\
         <Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody>{inner}<Final/></SyncBody>\
         </SyncML>"
    )
}

#[test]
fn syncml_message_of_millions_of_empty_siblings() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 28 MB of `<a/>`: 640 MB before.
    let text = syncml_with_body(&"<a/>".repeat(7_000_000));
    let (r, peak) = peak_of(|| syncml_xml::parse_message(text.as_bytes()));
    assert_protocol_error(r, "more than 500000 elements in one message");
    bounded(peak, 160 * MB);

    let deep = syncml_with_body(&"<a>".repeat(100_000));
    let (r, peak) = peak_of(|| syncml_xml::parse_message(deep.as_bytes()));
    assert_protocol_error(r, "nested deeper than 64");
    bounded(peak, 16 * MB);

    let long_ns = syncml_with_body(&format!("<x:a xmlns:x='urn:{}'/>", "c".repeat(5000)));
    let (r, _) = peak_of(|| syncml_xml::parse_message(long_ns.as_bytes()));
    assert_protocol_error(r, "namespace URI longer than");
}

/// A WBXML SyncML 1.2 message header with `strtbl` as string table, then `body`.
fn wbxml_doc(strtbl: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x02, 0x9F, 0x53, 0x6A]; // WBXML 1.2, public id 0x1201, UTF-8
    assert!(strtbl.len() < 128);
    out.push(strtbl.len() as u8);
    out.extend_from_slice(strtbl);
    out.extend_from_slice(body);
    out
}

#[test]
fn wbxml_of_millions_of_empty_tags_and_repeated_table_strings() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // SyncML (0x6D, with content) > SyncBody (0x6B, with content) > Final (0x12) x 7M.
    let mut body = vec![0x6D, 0x6B];
    body.extend(std::iter::repeat_n(0x12u8, 7_000_000));
    body.extend([0x01, 0x01]);
    let doc = wbxml_doc(&[], &body);
    let (r, peak) = peak_of(|| wbxml::decode(&doc));
    assert_protocol_error(r, "more than 500000 elements in one message");
    bounded(peak, 160 * MB);

    // One 100-byte table string referenced 2M times (3 bytes each): 200 MB of text.
    let table = [vec![b'x'; 100], vec![0]].concat();
    let mut body = vec![0x6D, 0x6B, 0x4F]; // SyncML > SyncBody > Data (0x0F, with content)
    for _ in 0..2_000_000 {
        body.extend([0x83, 0x00]);
    }
    body.extend([0x01, 0x01, 0x01]);
    let doc = wbxml_doc(&table, &body);
    let (r, peak) = peak_of(|| wbxml::decode(&doc));
    assert_protocol_error(r, "bytes kept for one message");
    bounded(peak, 256 * MB);
}
