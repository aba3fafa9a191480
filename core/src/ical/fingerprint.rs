//! Content fingerprints: of an iCalendar object (normalised text) and of an [`Event`]
//! (canonical model), so the same content is never seen as a change.
//!
//! The iCalendar fingerprint ignores line folding and line endings, the order of properties
//! within a component, the order of sub-components, the order of parameters, and the case of
//! parameter names. It leaves out DTSTAMP, PRODID and LAST-MODIFIED, which servers and clients
//! rewrite without a change of content. Everything else counts, VTIMEZONEs and vendor
//! properties (X-LIC-LOCATION, X-MOZ-GENERATION, ...) included: they are stable across a plain
//! download, and a change in them is a real change of the stored object.

use super::{parse_calendar, Component};
use crate::model::{Attendee, AttendeeRole, Event, EventTime, ParticipationStatus, Zone};
use crate::Result;
use sha2::{Digest, Sha256};

/// Properties that do not count in [`crate::ical::fingerprint`].
pub const IGNORED: &[&str] = &["DTSTAMP", "PRODID", "LAST-MODIFIED"];

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// See [`super::fingerprint`].
pub fn fingerprint(ics: &str) -> Result<String> {
    Ok(hash_of(&parse_calendar(ics)?))
}

/// The fingerprint of a parsed object.
pub fn hash_of(cal: &Component) -> String {
    hex(&Sha256::digest(normal_form(cal).as_bytes()))
}

/// The normalised text of a component that [`fingerprint`] hashes.
pub fn normal_form(c: &Component) -> String {
    use std::fmt::Write;
    // The lines are written one after the other into one buffer and sorted as slices of it.
    let mut text = String::new();
    let mut lines: Vec<std::ops::Range<usize>> = Vec::with_capacity(c.properties.len());
    let mut params: Vec<(String, &str)> = Vec::new();
    for p in c
        .properties
        .iter()
        .filter(|p| !IGNORED.contains(&p.name.as_str()))
    {
        let start = text.len();
        text.push_str(&p.name);
        if !p.params.is_empty() {
            params.clear();
            params.extend(
                p.params
                    .iter()
                    .map(|(k, v)| (k.to_ascii_uppercase(), v.as_str())),
            );
            params.sort();
            for (k, v) in &params {
                // Writing to a String cannot fail.
                let _ = write!(text, ";{k}={v:?}");
            }
        }
        text.push(':');
        text.push_str(p.value.trim_end());
        lines.push(start..text.len());
    }
    lines.sort_by(|a, b| text[a.clone()].cmp(&text[b.clone()]));
    let mut subs: Vec<String> = c.components.iter().map(normal_form).collect();
    subs.sort();
    let size = text.len() + lines.len() + subs.iter().map(String::len).sum::<usize>();
    let mut out = String::with_capacity(size + 2 * c.name.len() + 16);
    out.push_str("BEGIN:");
    out.push_str(&c.name);
    out.push('\n');
    for (n, line) in lines.into_iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&text[line]);
    }
    out.push('\n');
    for sub in &subs {
        out.push_str(sub);
    }
    out.push_str("END:");
    out.push_str(&c.name);
    out.push('\n');
    out
}

fn norm_text(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| match s.contains('\r') {
            true => s.replace("\r\n", "\n").trim_end().to_string(),
            false => s.trim_end().to_string(),
        })
        .filter(|s| !s.is_empty())
}

fn norm_time(t: &EventTime) -> EventTime {
    match t {
        EventTime::DateTime {
            local,
            zone: Zone::Tzid(id),
        } => {
            let zone = match super::tz::iana_name(id) {
                Some("UTC" | "Etc/UTC" | "Etc/GMT" | "GMT" | "Etc/Zulu" | "Zulu" | "Etc/UCT") => {
                    Zone::Utc
                }
                Some(iana) => Zone::Tzid(iana.to_string()),
                None => Zone::Tzid(id.clone()),
            };
            EventTime::DateTime {
                local: *local,
                zone,
            }
        }
        t => t.clone(),
    }
}

/// The end a device shows for a missing one: a day for all-day events, none otherwise.
fn norm_end(start: &EventTime, end: &Option<EventTime>) -> EventTime {
    match end {
        Some(e) => norm_time(e),
        None => match start {
            EventTime::Date(d) => EventTime::Date(d.succ_opt().unwrap_or(*d)),
            t => norm_time(t),
        },
    }
}

fn norm_person(a: &Attendee, organizer: bool) -> Attendee {
    Attendee {
        email: a.email.trim().to_lowercase(),
        name: norm_text(&a.name),
        role: if organizer {
            None
        } else {
            Some(a.role.unwrap_or(AttendeeRole::Required))
        },
        status: if organizer {
            None
        } else {
            Some(a.status.unwrap_or(ParticipationStatus::NeedsAction))
        },
    }
}

fn sorted_dedup<T: std::fmt::Debug>(v: Vec<T>) -> Vec<T> {
    // Nothing to order or to drop (most lists of an event): no key is written.
    if v.len() < 2 {
        return v;
    }
    let mut keyed: Vec<(String, T)> = v.into_iter().map(|x| (format!("{x:?}"), x)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    keyed.into_iter().map(|(_, x)| x).collect()
}

/// The canonical form of an event that [`event_fingerprint`] hashes.
pub fn canonical_event(e: &Event) -> Event {
    // Every field is named: a field added to the model must say how it counts here.
    Event {
        uid: e.uid.clone(),
        summary: norm_text(&e.summary),
        description: norm_text(&e.description),
        location: norm_text(&e.location),
        start: norm_time(&e.start),
        end: Some(norm_end(&e.start, &e.end)),
        recurrence: e.recurrence.as_ref().and_then(|r| {
            let rrule = r.rrule.as_ref().map(|s| {
                let mut parts: Vec<String> = s
                    .split(';')
                    .map(|p| p.trim().to_ascii_uppercase())
                    .filter(|p| !p.is_empty())
                    .collect();
                parts.sort();
                parts.join(";")
            });
            let rdates = sorted_dedup(r.rdates.iter().map(norm_time).collect());
            let exdates = sorted_dedup(r.exdates.iter().map(norm_time).collect());
            let rec = crate::model::Recurrence {
                rrule: rrule.filter(|s| !s.is_empty()),
                rdates,
                exdates,
            };
            (rec != crate::model::Recurrence::default()).then_some(rec)
        }),
        exceptions: sorted_dedup(
            e.exceptions
                .iter()
                .map(|x| {
                    let mut x = x.clone();
                    x.end = Some(norm_end(&x.start, &x.end));
                    x.recurrence_id = norm_time(&x.recurrence_id);
                    x.start = norm_time(&x.start);
                    x.summary = norm_text(&x.summary);
                    x.description = norm_text(&x.description);
                    x.location = norm_text(&x.location);
                    x
                })
                .collect(),
        ),
        alarms: sorted_dedup(
            e.alarms
                .iter()
                .map(|a| {
                    let mut a = a.clone();
                    a.description = norm_text(&a.description);
                    a
                })
                .collect(),
        ),
        organizer: e.organizer.as_ref().map(|o| norm_person(o, true)),
        attendees: sorted_dedup(e.attendees.iter().map(|a| norm_person(a, false)).collect()),
        status: e.status,
        availability: e.availability,
        access: e.access,
        url: norm_text(&e.url),
        categories: sorted_dedup(
            e.categories
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        color: norm_text(&e.color).map(|s| s.to_lowercase()),
        sequence: e.sequence,
    }
}

/// See [`super::event_fingerprint`].
pub fn event_fingerprint(e: &Event) -> String {
    let canonical = canonical_event(e);
    let mut hasher = Sha256::new();
    // The JSON text is hashed as it is written, a few KiB at a time (not in the many small
    // pieces serde writes), never held whole.
    let hashed = {
        let mut buffered = std::io::BufWriter::with_capacity(8 * 1024, &mut hasher);
        serde_json::to_writer(&mut buffered, &canonical).is_ok() && buffered.into_inner().is_ok()
    };
    if !hashed {
        hasher = Sha256::new();
        hasher.update(format!("{e:?}").as_bytes());
    }
    hex(&hasher.finalize())
}
