//! iCalendar 2.0 in and out of the [`Event`] model, losslessly: parsing rides on the
//! `icalendar` crate's parser; what the model does not hold stays in the raw text and is kept
//! by [`merge_event`].

pub mod tz;

use crate::model::{Event, Uid};
use crate::Result;

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
    todo!("{}", text.len())
}

/// Writes a component as iCalendar text (CRLF, lines folded at 75 octets).
pub fn write_calendar(cal: &Component) -> String {
    todo!("{}", cal.name)
}

/// The UID of the first VEVENT of an iCalendar object.
pub fn uid_of(ics: &str) -> Result<Uid> {
    todo!("{}", ics.len())
}

/// Reads the master event and its exceptions from one iCalendar object.
pub fn ics_to_event(ics: &str) -> Result<Event> {
    todo!("{}", ics.len())
}

/// A new iCalendar object for an event (with VTIMEZONEs for its TZIDs when known).
pub fn event_to_ics(event: &Event) -> String {
    todo!("{}", event.uid)
}

/// The server copy `server_ics` with the device's version of the event merged in: every
/// property and component the model does not hold (X- properties, attendee parameters,
/// VTIMEZONEs, unknown components) is kept.
pub fn merge_event(server_ics: &str, event: &Event) -> Result<String> {
    todo!("{}{}", server_ics.len(), event.uid)
}

/// A normalised fingerprint of an iCalendar object: ignores DTSTAMP, PRODID, LAST-MODIFIED,
/// property order and line folding.
pub fn fingerprint(ics: &str) -> Result<String> {
    todo!("{}", ics.len())
}

/// A fingerprint of what the model holds: equal for events a device would show the same.
pub fn event_fingerprint(event: &Event) -> String {
    todo!("{}", event.uid)
}

/// Splits a calendar file into one iCalendar object per UID (each with the VTIMEZONEs it
/// uses). Events without UID get none (the caller decides).
pub fn split_calendar(ics: &str) -> Result<Vec<String>> {
    todo!("{}", ics.len())
}

/// Joins iCalendar objects into one calendar file (VTIMEZONEs deduplicated).
pub fn join_calendars(objects: &[String]) -> Result<String> {
    todo!("{}", objects.len())
}
