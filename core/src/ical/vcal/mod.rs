//! vCalendar 1.0 (`text/x-vcalendar`) in and out, through iCalendar 2.0 text: which version a
//! payload really is, and the conversions both ways that SyncML servers and phones need.
//!
//! Files: `lines` (content lines, QUOTED-PRINTABLE, charsets, escaping), `zone` (TZ and
//! DAYLIGHT), `rrule` (the vCalendar recurrence grammar), `to_ical`, `to_vcal`.
//!
//! Choices worth knowing:
//! - **Time zones.** Reading, TZ / DAYLIGHT that match an IANA zone (our own
//!   `X-SYNCHRO-TZID` hint first, then well-known zones, then the tz database) keep local times
//!   with that TZID and a VTIMEZONE; a bare offset or unmatched rules turn local times into
//!   UTC. Writing, the master's DTSTART zone becomes TZ + one DAYLIGHT per year (from its start
//!   to its RRULE's end, at most six years; transition times in UTC) with local times, plus
//!   `X-SYNCHRO-TZID`; times in any other zone are written in UTC. A TZID the tz database does not
//!   know is written as local time with the hint only.
//! - **All-day.** Read from DATE values, X-FUNAMBOL-ALLDAY, X-EPOCALENDAR-ALLDAY,
//!   X-MICROSOFT-CDO-ALLDAYEVENT, Symbian EVENT / ANNIVERSARY entries, and local midnight to
//!   midnight (or to 23:59); written as `T000000` to the next day's `T000000`.
//! - **DTEND** is always written (from DURATION when needed; an event without end gets a zero
//!   length, an all-day one a day).
//! - **Recurrence.** The vCalendar grammar holds one rule with one BYxxx list; what it cannot
//!   say (BYSETPOS, BYHOUR, a yearly rule by weekday, ...) is sent as `X-SYNCHRO-ICAL-RRULE`
//!   (a server will show a single instance; we read it back as the RRULE). A vCalendar rule
//!   we cannot read is kept as `X-SYNCHRO-VCAL-RRULE` and written back as it was. A rule
//!   without `#N` or end date has two instances, as the vCalendar 1.0 specification says.
//! - **Exceptions.** vCalendar 1.0 has no RECURRENCE-ID: each exception is written as an
//!   EXDATE on the master (also listed in `X-SYNCEVOLUTION-EXDATE-DETACHED`) plus a VEVENT
//!   after it, in the same object, with the same UID and `X-RECURRENCE-ID` (the names
//!   SyncEvolution's server uses for vCalendar 1.0; kept in one item so it maps to one LUID).
//!   Reading restores the RECURRENCE-ID and drops that EXDATE. A server that keeps only the
//!   first VEVENT loses the change, not the instance's removal.
//! - **Alarms.** A DISPLAY VALARM is written as DALARM plus AALARM at the same time (phones
//!   read one or the other) and read back as one; AUDIO is AALARM, EMAIL is MALARM. Run
//!   times are absolute: read back as a TRIGGER relative to DTSTART whenever both are
//!   instants, so a trigger relative to the end, or absolute, comes back relative to the start.
//! - **Text.** Non-ASCII or multi-line values are written QUOTED-PRINTABLE with
//!   `CHARSET=UTF-8`; `\` and `;` are escaped, commas are not. Read charsets: UTF-8,
//!   ISO-8859-1 (as windows-1252), windows-1252, ISO-8859-15; anything else is read as UTF-8,
//!   falling back to windows-1252. Folded lines keep their white space (vCalendar 1.0).
//! - **STATUS.** Events: NEEDS ACTION and SENT have no iCalendar equivalent and are kept as
//!   `X-SYNCHRO-VCAL-STATUS`; DECLINED is CANCELLED. Attendees: EXPECT REQUIRE / REQUEST /
//!   FYI are REQ- / OPT- / NON-PARTICIPANT, ROLE OWNER is CHAIR, ROLE ORGANIZER is the
//!   ORGANIZER.
//! - Lost on the way to vCalendar 1.0: GEO, binary ATTACH, attendee parameters other than
//!   CN, ROLE, PARTSTAT and RSVP, VTIMEZONE definitions of unknown TZIDs.

mod lines;
mod rrule;
mod to_ical;
mod to_vcal;
mod zone;

use crate::model::Event;
use crate::Result;

/// Our VCALENDAR property naming the TZID the TZ / DAYLIGHT values were written from.
pub const HINT_TZID: &str = "X-SYNCHRO-TZID";
/// The property holding an exception's RECURRENCE-ID in vCalendar 1.0 (the name
/// SyncEvolution's server lists in its CTCap).
pub const HINT_RECURRENCE_ID: &str = "X-RECURRENCE-ID";
/// SyncEvolution's list of the master's EXDATEs that stand for detached exceptions.
pub const EXDATE_DETACHED: &str = "X-SYNCEVOLUTION-EXDATE-DETACHED";
/// Our property holding an RRULE that vCalendar 1.0 cannot express.
pub const HINT_RRULE: &str = "X-SYNCHRO-ICAL-RRULE";
/// Our iCalendar property holding a vCalendar STATUS with no iCalendar equivalent.
pub const HINT_STATUS: &str = "X-SYNCHRO-VCAL-STATUS";

/// The calendar format of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarVersion {
    /// vCalendar 1.0 (`text/x-vcalendar`).
    V1,
    /// iCalendar 2.0 (`text/calendar`).
    V2,
}

/// The real version of a calendar payload, whatever its declared type: the shape first
/// (AALARM / DALARM / MALARM / PALARM, TZ: or DAYLIGHT:, a vCalendar RRULE such as
/// `W1 MO #10`, QUOTED-PRINTABLE are vCalendar 1.0; VALARM, VTIMEZONE, TZID=, `FREQ=` are
/// iCalendar 2.0), then the VERSION line. `None` when it is no VCALENDAR, or nothing tells.
pub fn detect_version(payload: &str) -> Option<CalendarVersion> {
    let mut in_calendar = false;
    let (mut v1, mut v2) = (0u32, 0u32);
    let mut declared = None;
    for line in payload.lines() {
        let upper = line.trim().to_ascii_uppercase();
        if upper == "BEGIN:VCALENDAR" {
            in_calendar = true;
            continue;
        }
        if !in_calendar {
            continue;
        }
        let (head, value) = upper.split_once(':').unwrap_or((upper.as_str(), ""));
        let name = head.split(';').next().unwrap_or_default();
        match name {
            "VERSION" if declared.is_none() => {
                declared = match value.trim() {
                    "1.0" => Some(CalendarVersion::V1),
                    "2.0" => Some(CalendarVersion::V2),
                    _ => None,
                }
            }
            "AALARM" | "DALARM" | "MALARM" | "PALARM" | "TZ" | "DAYLIGHT" | "DCREATED" => v1 += 1,
            "RRULE" | "EXRULE" if value.contains("FREQ=") => v2 += 1,
            "RRULE" | "EXRULE" => v1 += 1,
            "BEGIN" if matches!(value.trim(), "VALARM" | "VTIMEZONE") => v2 += 1,
            _ => {}
        }
        if head.contains("TZID=") {
            v2 += 1;
        }
        if head.contains("QUOTED-PRINTABLE") {
            v1 += 1;
        }
    }
    if !in_calendar {
        return None;
    }
    match (v1 > 0, v2 > 0) {
        (true, false) => Some(CalendarVersion::V1),
        (false, true) => Some(CalendarVersion::V2),
        _ => declared.or(if v1 > v2 {
            Some(CalendarVersion::V1)
        } else if v2 > v1 {
            Some(CalendarVersion::V2)
        } else {
            None
        }),
    }
}

/// vCalendar 1.0 text to iCalendar 2.0 text (see the module notes for what maps how).
/// Malformed input is an [`crate::Error::InvalidCalendar`].
pub fn vcal_to_ical(text: &str) -> Result<String> {
    to_ical::vcal_to_ical(text)
}

/// iCalendar 2.0 text to vCalendar 1.0 text, for servers that want `text/x-vcalendar`.
pub fn ical_to_vcal(text: &str) -> Result<String> {
    to_vcal::ical_to_vcal(text)
}

/// Any calendar payload as iCalendar 2.0: vCalendar 1.0 (by [`detect_version`]) converted,
/// anything else returned as it is.
pub fn to_icalendar(payload: &str) -> Result<String> {
    match detect_version(payload) {
        Some(CalendarVersion::V1) => vcal_to_ical(payload),
        _ => Ok(payload.to_string()),
    }
}

/// A vCalendar 1.0 object as an [`Event`] (through [`vcal_to_ical`]).
pub fn vcal_to_event(text: &str) -> Result<Event> {
    super::ics_to_event(&vcal_to_ical(text)?)
}

/// An [`Event`] as a vCalendar 1.0 object (through [`super::event_to_ics`]).
pub fn event_to_vcal(event: &Event) -> String {
    let ics = super::event_to_ics(event);
    // Our own iCalendar always parses; should it not, send it rather than nothing.
    ical_to_vcal(&ics).unwrap_or(ics)
}
