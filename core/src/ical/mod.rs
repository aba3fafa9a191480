//! iCalendar 2.0 in and out of the [`Event`] model, losslessly: parsing is a linear pass of
//! our own into a generic tree; what the model does not hold stays in the raw text and is
//! kept by [`merge_event`].
//!
//! Files: `parse` (text to [`Component`], values kept verbatim), `write` (CRLF, folding),
//! `values` (TEXT, dates, durations), `event` (VEVENT <-> [`Event`]), `merge`, `fingerprint`,
//! `split` (one file <-> one object per UID), `tz` (TZID names, UTC, VTIMEZONE generation).
//!
//! Choices worth knowing:
//! - A DISPLAY alarm without description is written without DESCRIPTION (so it reads back
//!   the same); VALARMs the model cannot read (Apple's `ACTION:NONE`, unknown actions) are
//!   skipped by [`ics_to_event`] and kept by [`merge_event`].
//! - RDATE;VALUE=PERIOD keeps only the start of each period in the model.
//! - A parameter written without `=` (`;FLAG:`) is written back as `;FLAG=:`.
//! - [`split_calendar`] drops components without UID (other than VTIMEZONE).

mod event;
mod fingerprint;
mod merge;
mod parse;
mod split;
pub mod tz;
pub mod tzdb;
pub mod values;
pub mod vcal;
mod write;

#[cfg(test)]
mod tests;

use crate::model::{Event, EventTime, Uid};
use crate::{Error, Result};
use chrono::Datelike;

pub use fingerprint::IGNORED as FINGERPRINT_IGNORED;
pub use tz::{approx_utc, to_utc};

/// The PRODID of objects Synchro writes.
pub const PRODID: &str = "-//Synchro//Synchro 0.1//EN";

/// A parsed iCalendar object (normally one VCALENDAR holding the VEVENTs of one UID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Upper-case component name (`VCALENDAR`, `VEVENT`, ...).
    pub name: String,
    /// Properties in source order.
    pub properties: Vec<Property>,
    /// Sub-components in source order.
    pub components: Vec<Component>,
}

/// One content line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Upper-case property name.
    pub name: String,
    /// Parameters (name upper-case, value verbatim without surrounding quotes).
    pub params: Vec<(String, String)>,
    /// The value, unescaped only where the model needs it (kept verbatim here).
    pub value: String,
}

/// Parses one VCALENDAR.
pub fn parse_calendar(text: &str) -> Result<Component> {
    parse::parse_calendar(text)
}

/// Writes a component as iCalendar text (CRLF, lines folded at 75 octets).
pub fn write_calendar(cal: &Component) -> String {
    write::write_calendar(cal)
}

/// The UID of the first VEVENT of an iCalendar object.
pub fn uid_of(ics: &str) -> Result<Uid> {
    let cal = parse_calendar(ics)?;
    let first = cal
        .components
        .iter()
        .find(|c| c.name == "VEVENT")
        .ok_or_else(|| Error::InvalidCalendar("no VEVENT".into()))?;
    event::uid(first)
        .filter(|u| !u.is_empty())
        .map(Uid::new)
        .ok_or_else(|| Error::InvalidCalendar("VEVENT without UID".into()))
}

/// What the sync needs of one server object, from a single parse: its UID, its
/// [`fingerprint`], and its event with [`event_fingerprint`].
#[derive(Debug, Clone)]
pub struct Analysed {
    /// The UID.
    pub uid: Uid,
    /// [`fingerprint`] of the text.
    pub fp: String,
    /// The master event and its exceptions.
    pub event: Event,
    /// [`event_fingerprint`] of `event`.
    pub event_fp: String,
}

/// Parses an object once and returns what [`uid_of`], [`fingerprint`], [`ics_to_event`]
/// and [`event_fingerprint`] would.
pub fn analyse(ics: &str) -> Result<Analysed> {
    let cal = parse_calendar(ics)?;
    let event = event::event_from_calendar(&cal)?;
    if event.uid.as_str().is_empty() {
        return Err(Error::InvalidCalendar("VEVENT without UID".into()));
    }
    let fp = fingerprint::hash_of(&cal);
    Ok(Analysed {
        uid: event.uid.clone(),
        fp,
        event_fp: event_fingerprint(&event),
        event,
    })
}

/// Reads the master event and its exceptions from one iCalendar object.
pub fn ics_to_event(ics: &str) -> Result<Event> {
    event::event_from_calendar(&parse_calendar(ics)?)
}

/// A new iCalendar object for an event (with VTIMEZONEs for its TZIDs when known).
pub fn event_to_ics(event: &Event) -> String {
    let mut components = Vec::new();
    let year = year_of(&event.start);
    for tzid in event_tzids(event) {
        if let Some(vtz) = tz::vtimezone(&tzid, year) {
            components.push(vtz);
        }
    }
    components.push(event::master_component(event));
    for x in &event.exceptions {
        components.push(event::exception_component(event, x));
    }
    write_calendar(&Component {
        name: "VCALENDAR".into(),
        properties: vec![event::prop("VERSION", "2.0"), event::prop("PRODID", PRODID)],
        components,
    })
}

/// The server copy `server_ics` with the device's version of the event merged in: every
/// property and component the model does not hold (X- properties, attendee parameters,
/// VTIMEZONEs, unknown components) is kept.
pub fn merge_event(server_ics: &str, event: &Event) -> Result<String> {
    merge::merge_event(server_ics, event)
}

/// A normalised fingerprint of an iCalendar object: ignores DTSTAMP, PRODID, LAST-MODIFIED,
/// property order and line folding.
pub fn fingerprint(ics: &str) -> Result<String> {
    fingerprint::fingerprint(ics)
}

/// A fingerprint of what the model holds: equal for events a device would show the same.
pub fn event_fingerprint(event: &Event) -> String {
    fingerprint::event_fingerprint(event)
}

/// Splits a calendar file into one iCalendar object per UID (each with the VTIMEZONEs it
/// uses). Events without UID get none (the caller decides).
pub fn split_calendar(ics: &str) -> Result<Vec<String>> {
    split::split_calendar(ics)
}

/// Joins iCalendar objects into one calendar file (VTIMEZONEs deduplicated).
pub fn join_calendars<S: AsRef<str>>(objects: &[S]) -> Result<String> {
    split::join_calendars(objects)
}

pub use split::{join_calendars_with, JOINED_END};

/// The TZIDs used by the properties of a component and its sub-components (VTIMEZONEs
/// excluded), in order of first use.
pub fn tzids_used(c: &Component) -> Vec<String> {
    fn walk(c: &Component, out: &mut Vec<String>) {
        if c.name == "VTIMEZONE" {
            return;
        }
        for p in &c.properties {
            for (k, v) in &p.params {
                if k == "TZID" && !out.contains(v) {
                    out.push(v.clone());
                }
            }
        }
        for s in &c.components {
            walk(s, out);
        }
    }
    let mut out = Vec::new();
    walk(c, &mut out);
    out
}

/// The TZIDs an event uses, in order of first use.
fn event_tzids(e: &Event) -> Vec<String> {
    let mut times: Vec<&EventTime> = vec![&e.start];
    times.extend(e.end.iter());
    if let Some(r) = &e.recurrence {
        times.extend(r.rdates.iter().chain(r.exdates.iter()));
    }
    for x in &e.exceptions {
        times.push(&x.recurrence_id);
        times.push(&x.start);
        times.extend(x.end.iter());
    }
    let mut out: Vec<String> = Vec::new();
    for t in times {
        if let EventTime::DateTime {
            zone: crate::model::Zone::Tzid(id),
            ..
        } = t
        {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
    }
    out
}

/// The year whose time zone rules a generated VTIMEZONE uses for an event.
fn year_of(t: &EventTime) -> i32 {
    let y = match t {
        EventTime::Date(d) => d.year(),
        EventTime::DateTime { local, .. } => local.year(),
    };
    y.clamp(1971, 2100)
}
