//! Scale benchmark of the per-sync steps that grow with the number of items: listing (a
//! `sync-collection` answer read through the real client from a local HTTP server), device
//! change detection, pairing by content and the three-way plan. Prints the median of a few
//! runs at each size and the ratio between sizes: linear steps give a ratio close to the
//! ratio of sizes (10), a quadratic one close to its square.
//!
//! `cargo run --release -p synchro-core --example bench_scale [N ...]` (default: 10000 100000).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use synchro_core::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use synchro_core::ical;
use synchro_core::model::{Etag, Event, Href, Uid};
use synchro_core::remote::caldav::{CalDavClient, SyncResult};
use synchro_core::remote::http::{HttpClient, HttpConfig};
use synchro_core::store::ItemRecord;
use synchro_core::sync::detect::{scan_device, DeviceScan};
use synchro_core::sync::pairing::pair_by_content;
use synchro_core::sync::plan::{plan, Action, ServerChange, ServerItem, ServerScan};

const RUNS: usize = 3;

fn ics(uid: &str, summary: &str, day: usize) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:bench\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20250101T000000Z\r\nDTSTART:2025{:02}{:02}T090000Z\r\n\
         DTEND:2025{:02}{:02}T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        day % 12 + 1,
        day % 28 + 1,
        day % 12 + 1,
        day % 28 + 1
    )
}

/// A sync-collection answer listing `n` items, served to every request on a local port.
fn serve_listing(n: usize) -> String {
    let mut body =
        String::from(r#"<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:">"#);
    for i in 0..n {
        body.push_str(&format!(
            "<d:response><d:href>/cal/item-{i}.ics</d:href><d:propstat><d:prop>\
             <d:getetag>\"e{i}\"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status>\
             </d:propstat></d:response>"
        ));
    }
    body.push_str("<d:sync-token>http://bench/sync/1</d:sync-token></d:multistatus>");
    let answer = format!(
        "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let Ok(clone) = stream.try_clone() else {
                return;
            };
            let mut reader = BufReader::new(clone);
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut request_body = vec![0; len];
            let _ = reader.read_exact(&mut request_body);
            let mut s = stream;
            let _ = s.write_all(&answer);
        }
    });
    format!("{base}/cal/")
}

/// An in-memory device calendar holding `events`.
struct MemDevice {
    events: HashMap<String, (DeviceEntry, Event)>,
}

impl DeviceCalendar for MemDevice {
    fn calendar_id(&self) -> synchro_core::Result<String> {
        Ok("bench".into())
    }
    fn list(&self) -> synchro_core::Result<Vec<DeviceEntry>> {
        Ok(self.events.values().map(|(e, _)| e.clone()).collect())
    }
    fn fetch(&self, ids: &[String]) -> synchro_core::Result<Vec<(DeviceEntry, Event)>> {
        Ok(ids
            .iter()
            .filter_map(|i| self.events.get(i).cloned())
            .collect())
    }
    fn apply(&mut self, _ops: &[DeviceOp]) -> synchro_core::Result<Vec<DeviceOutcome>> {
        Ok(Vec::new())
    }
}

struct Input {
    url: String,
    items: Vec<ItemRecord>,
    device: MemDevice,
    new_pairs: Vec<Action>,
    server_new: Vec<ServerItem>,
    server_changed: Vec<(i64, ServerItem)>,
}

fn server_item(uid: &str, summary: &str, day: usize) -> ServerItem {
    let text = ics(uid, summary, day);
    let a = ical::analyse(&text).expect("bench event parses");
    ServerItem {
        href: Href::new(format!("/cal/{uid}.ics")),
        etag: Etag::new("\"1\""),
        ics: text.into(),
        uid: a.uid,
        fp: a.fp,
        event_fp: a.event_fp,
        event: Some(Box::new(a.event)),
        pair_key: None,
    }
}

/// `n` synced items; a tenth changed on the device, a tenth deleted there, a tenth changed
/// on the server, a tenth new on each side (half of them the same events under other UIDs).
fn input(n: usize) -> Input {
    let template = ical::ics_to_event(&ics("t", "Meeting", 0)).expect("bench event parses");
    let fp = ical::event_fingerprint(&template);
    let mut items = Vec::with_capacity(n);
    let mut events = HashMap::new();
    let mut server_changed = Vec::new();
    for i in 0..n {
        let uid = format!("u{i}");
        items.push(ItemRecord {
            id: i as i64 + 1,
            calendar_id: 1,
            uid: Uid::new(&uid),
            href: Some(Href::new(format!("/cal/item-{i}.ics"))),
            etag: Some(Etag::new(format!("\"e{i}\""))),
            server_ics: None,
            server_fp: Some(fp.clone()),
            device_id: Some(format!("d{i}")),
            device_version: Some("1".into()),
            device_fp: Some(fp.clone()),
        });
        if i % 10 == 1 {
            continue; // deleted on the device
        }
        let mut event = template.clone();
        event.uid = Uid::new(&uid);
        let version = if i % 10 == 0 {
            event.summary = Some(format!("Changed {i}"));
            "2"
        } else {
            "1"
        };
        let entry = DeviceEntry {
            id: format!("d{i}"),
            version: version.into(),
        };
        events.insert(entry.id.clone(), (entry, event));
        if i % 10 == 2 {
            server_changed.push((i as i64 + 1, server_item(&uid, "Server edit", i)));
        }
    }
    let mut new_pairs = Vec::new();
    let mut server_new = Vec::new();
    for i in 0..n / 10 {
        let item = server_item(&format!("s{i}"), &format!("Event {i}"), i);
        server_new.push(item.clone());
        new_pairs.push(Action::CreateOnDevice { row: None, item });
        let summary = if i % 2 == 0 {
            format!("Event {i}")
        } else {
            format!("Other {i}")
        };
        let text = ics(&format!("p{i}"), &summary, i);
        let event = ical::ics_to_event(&text).expect("bench event parses");
        let fp = ical::event_fingerprint(&event);
        let entry = DeviceEntry {
            id: format!("n{i}"),
            version: "1".into(),
        };
        new_pairs.push(Action::CreateOnServer {
            row: None,
            device: synchro_core::sync::detect::DeviceEvent {
                entry,
                event: Box::new(event),
                fp,
            },
        });
    }
    Input {
        url: serve_listing(n),
        items,
        device: MemDevice { events },
        new_pairs,
        server_new,
        server_changed,
    }
}

#[derive(Default)]
struct Times {
    listing: Vec<Duration>,
    detect: Vec<Duration>,
    pairing: Vec<Duration>,
    planning: Vec<Duration>,
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn run(n: usize) -> [Duration; 5] {
    let input = input(n);
    let mut t = Times::default();
    for _ in 0..RUNS {
        let mut client =
            CalDavClient::new(HttpClient::new(HttpConfig::new("", "")).expect("http client"));
        let start = Instant::now();
        match client.sync_collection(&input.url, None).expect("listing") {
            SyncResult::Delta { changed, .. } => assert_eq!(changed.len(), n),
            SyncResult::InvalidToken => panic!("unexpected invalid token"),
        }
        t.listing.push(start.elapsed());

        let start = Instant::now();
        let scan: DeviceScan = scan_device(&input.device, &input.items).expect("detect");
        t.detect.push(start.elapsed());
        assert_eq!(scan.deleted.len(), n / 10);

        let start = Instant::now();
        let (paired, _) = pair_by_content(input.new_pairs.clone());
        t.pairing.push(start.elapsed());
        assert!(paired.iter().any(|a| matches!(a, Action::Adopt { .. })));

        let server = ServerScan {
            changed: input
                .server_changed
                .iter()
                .map(|(r, i)| (*r, ServerChange::Changed(i.clone())))
                .collect(),
            new: input.server_new.clone(),
        };
        let start = Instant::now();
        let actions = plan(&input.items, scan, server);
        t.planning.push(start.elapsed());
        assert!(actions.len() >= n / 10);
    }
    let l = median(&mut t.listing);
    let d = median(&mut t.detect);
    let p = median(&mut t.pairing);
    let q = median(&mut t.planning);
    [l, d, p, q, l + d + p + q]
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let names = ["listing", "detect", "pairing", "planning", "total"];
    let mut results: Vec<(usize, [Duration; 5])> = Vec::new();
    for &n in &sizes {
        let r = run(n);
        println!(
            "{n:>8} items: {}",
            names
                .iter()
                .zip(r.iter())
                .map(|(name, d)| format!("{name} {:.3} s", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        results.push((n, r));
    }
    for pair in results.windows(2) {
        let (n0, a) = &pair[0];
        let (n1, b) = &pair[1];
        println!(
            "ratio {n1}/{n0} (size x{:.1}): {}",
            *n1 as f64 / *n0 as f64,
            names
                .iter()
                .enumerate()
                .map(|(i, name)| format!(
                    "{name} x{:.1}",
                    b[i].as_secs_f64() / a[i].as_secs_f64().max(1e-9)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
