//! Speed of iCalendar parsing against input size: one event with 10k and 100k properties,
//! calendars of 3k and 30k events. Prints the median of a few runs and the ratio between
//! sizes (linear parsing: about 10; more when the small input still fits in the caches).
//!
//! `cargo run --release -p synchro-core --example bench_ical`

use std::time::{Duration, Instant};

use synchro_core::ical;

const RUNS: usize = 3;

fn big_event(n: usize) -> String {
    let mut s = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:bench\r\nBEGIN:VEVENT\r\nUID:big\r\n\
         DTSTAMP:20250101T000000Z\r\nDTSTART:20250101T090000Z\r\nSUMMARY:Big\r\n",
    );
    for i in 0..n {
        s.push_str(&match i % 3 {
            0 => format!("X-P{i}:v\r\n"),
            1 => format!("ATTENDEE;CN=\"P {i}\":mailto:p{i}@example.org\r\n"),
            _ => format!("COMMENT:note {i}\\, more\r\n"),
        });
    }
    s.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    s
}

fn many_events(n: usize) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:bench\r\n");
    for i in 0..n {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTAMP:20250101T000000Z\r\n\
             DTSTART;TZID=Europe/Berlin:20250101T090000\r\nDTEND;TZID=Europe/Berlin:20250101T100000\r\n\
             SUMMARY:Event {i}\\, with a comma\r\nDESCRIPTION:A longer description of event \
             number {i} that goes on\r\n for a while\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

fn median_of(text: &str, f: impl Fn(&str)) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f(text);
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let parse = |t: &str| {
        ical::parse_calendar(t).expect("bench calendar parses");
    };
    let to_event = |t: &str| {
        ical::ics_to_event(t).expect("bench event converts");
    };
    let cases: [(&str, String, String); 2] = [
        (
            "1 event, 10k / 100k properties",
            big_event(10_000),
            big_event(100_000),
        ),
        ("3k / 30k events", many_events(3_000), many_events(30_000)),
    ];
    for (name, small, large) in &cases {
        let a = median_of(small, parse);
        let b = median_of(large, parse);
        println!(
            "parse_calendar, {name} ({} / {} bytes): {:.4} s / {:.4} s, ratio x{:.1}",
            small.len(),
            large.len(),
            a.as_secs_f64(),
            b.as_secs_f64(),
            b.as_secs_f64() / a.as_secs_f64().max(1e-9)
        );
    }
    let (small, large) = (&cases[0].1, &cases[0].2);
    let a = median_of(small, to_event);
    let b = median_of(large, to_event);
    println!(
        "ics_to_event, 1 event, 10k / 100k properties: {:.4} s / {:.4} s, ratio x{:.1}",
        a.as_secs_f64(),
        b.as_secs_f64(),
        b.as_secs_f64() / a.as_secs_f64().max(1e-9)
    );
}
