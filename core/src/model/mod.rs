//! The calendar model shared by every protocol and device: [`Event`] and its parts, designed
//! to map onto Android CalendarContract and iOS EventKit, plus protocol newtypes.

mod ids;
mod side;

pub use ids::{Etag, Href, SyncToken, Uid};
pub use side::Side;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// The time zone of a date-time value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Zone {
    /// UTC (`...Z`).
    Utc,
    /// No zone: the same wall-clock time everywhere.
    Floating,
    /// A TZID as the source wrote it (IANA or not, e.g. a Windows name); see
    /// [`crate::ical::tz::iana_name`] for the IANA equivalent.
    Tzid(String),
}

/// A start, end or recurrence-id value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventTime {
    /// An all-day date.
    Date(NaiveDate),
    /// A wall-clock time in a zone.
    DateTime {
        /// Local (wall-clock) time in `zone`; for [`Zone::Utc`] this is UTC.
        local: NaiveDateTime,
        /// The zone of `local`.
        zone: Zone,
    },
}

impl EventTime {
    /// True for all-day dates.
    pub fn is_all_day(&self) -> bool {
        matches!(self, EventTime::Date(_))
    }
}

/// Recurrence rules of a master event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Recurrence {
    /// RRULE value (e.g. `FREQ=WEEKLY;BYDAY=MO;UNTIL=20250630T000000Z`), if any.
    pub rrule: Option<String>,
    /// Extra instances (RDATE).
    pub rdates: Vec<EventTime>,
    /// Removed instances (EXDATE).
    pub exdates: Vec<EventTime>,
}

/// A modified instance of a recurring event (a VEVENT with RECURRENCE-ID in the same
/// resource). A cancelled instance is an EXDATE of the master instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    /// The original start of the instance this replaces.
    pub recurrence_id: EventTime,
    /// New start.
    pub start: EventTime,
    /// New end.
    pub end: Option<EventTime>,
    /// Title.
    pub summary: Option<String>,
    /// Notes.
    pub description: Option<String>,
    /// Place.
    pub location: Option<String>,
    /// STATUS (a CANCELLED exception hides the instance).
    pub status: Option<EventStatus>,
}

/// STATUS of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventStatus {
    /// TENTATIVE
    Tentative,
    /// CONFIRMED
    Confirmed,
    /// CANCELLED
    Cancelled,
}

/// TRANSP: whether the event blocks time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Availability {
    /// OPAQUE (the default).
    #[default]
    Busy,
    /// TRANSPARENT.
    Free,
}

/// CLASS of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessClass {
    /// PUBLIC
    Public,
    /// PRIVATE
    Private,
    /// CONFIDENTIAL
    Confidential,
}

/// When an alarm fires.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlarmTrigger {
    /// Minutes before the start (negative: after).
    BeforeStart(i64),
    /// Minutes before the end (negative: after).
    BeforeEnd(i64),
    /// At this instant.
    At(DateTime<Utc>),
}

/// What an alarm does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlarmAction {
    /// DISPLAY
    Display,
    /// AUDIO
    Audio,
    /// EMAIL
    Email,
}

/// A VALARM.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Alarm {
    /// TRIGGER.
    pub trigger: AlarmTrigger,
    /// ACTION.
    pub action: AlarmAction,
    /// DESCRIPTION, if any.
    pub description: Option<String>,
}

/// PARTSTAT of an attendee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ParticipationStatus {
    /// NEEDS-ACTION
    NeedsAction,
    /// ACCEPTED
    Accepted,
    /// DECLINED
    Declined,
    /// TENTATIVE
    Tentative,
    /// DELEGATED
    Delegated,
}

/// ROLE of an attendee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttendeeRole {
    /// CHAIR
    Chair,
    /// REQ-PARTICIPANT (the default)
    Required,
    /// OPT-PARTICIPANT
    Optional,
    /// NON-PARTICIPANT
    NonParticipant,
}

/// An ORGANIZER or ATTENDEE.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attendee {
    /// E-mail address (without `mailto:`), or the raw URI when it is not mailto.
    pub email: String,
    /// CN.
    pub name: Option<String>,
    /// ROLE (attendees only).
    pub role: Option<AttendeeRole>,
    /// PARTSTAT (attendees only).
    pub status: Option<ParticipationStatus>,
}

/// A calendar event: a master VEVENT with its exceptions. Only what a phone calendar can
/// hold; the rest of the server's iCalendar stays in the store and is merged back on upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// UID.
    pub uid: Uid,
    /// SUMMARY.
    pub summary: Option<String>,
    /// DESCRIPTION.
    pub description: Option<String>,
    /// LOCATION.
    pub location: Option<String>,
    /// DTSTART.
    pub start: EventTime,
    /// DTEND (DURATION is turned into an end).
    pub end: Option<EventTime>,
    /// RRULE / RDATE / EXDATE, when recurring.
    pub recurrence: Option<Recurrence>,
    /// Modified instances.
    pub exceptions: Vec<Exception>,
    /// VALARMs.
    pub alarms: Vec<Alarm>,
    /// ORGANIZER.
    pub organizer: Option<Attendee>,
    /// ATTENDEEs.
    pub attendees: Vec<Attendee>,
    /// STATUS.
    pub status: Option<EventStatus>,
    /// TRANSP.
    pub availability: Availability,
    /// CLASS.
    pub access: Option<AccessClass>,
    /// URL.
    pub url: Option<String>,
    /// CATEGORIES.
    pub categories: Vec<String>,
    /// COLOR (RFC 7986), a CSS3 name or `#rrggbb`.
    pub color: Option<String>,
    /// SEQUENCE.
    pub sequence: u32,
}

impl Event {
    /// A minimal event with a UID, a start and nothing else.
    pub fn new(uid: impl Into<String>, start: EventTime) -> Self {
        Event {
            uid: Uid::new(uid),
            summary: None,
            description: None,
            location: None,
            start,
            end: None,
            recurrence: None,
            exceptions: Vec::new(),
            alarms: Vec::new(),
            organizer: None,
            attendees: Vec::new(),
            status: None,
            availability: Availability::Busy,
            access: None,
            url: None,
            categories: Vec::new(),
            color: None,
            sequence: 0,
        }
    }
}
