//! The `Event` record the apps see, shaped for Android CalendarContract and iOS EventKit
//! (instants as epoch milliseconds plus an IANA zone id, all-day events as dates, recurrence
//! as iCalendar strings), and its conversion from and to core's `model::Event`: the only
//! place where the two meet.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use synchro_core::ical::tz;
use synchro_core::ical::values::{parse_date, parse_date_time};
use synchro_core::model as core;

/// A calendar date of an all-day event (EventKit `DateComponents`, Kotlin `LocalDate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CalendarDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
}

/// A start, end or recurrence-id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum EventTime {
    /// An all-day date.
    AllDay {
        /// The date.
        date: CalendarDate,
    },
    /// An instant.
    Timed {
        /// Milliseconds since 1970-01-01T00:00:00Z. For a floating time (no zone) and for a
        /// zone that has no IANA equivalent: the wall-clock time read as UTC.
        epoch_ms: i64,
        /// IANA zone id (`"Europe/Paris"`, `"UTC"`), or `None` for a floating time. A zone
        /// the core cannot map to IANA is passed as written.
        zone: Option<String>,
    },
}

/// STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EventStatus {
    /// TENTATIVE.
    Tentative,
    /// CONFIRMED.
    Confirmed,
    /// CANCELLED.
    Cancelled,
}

/// Whether the event blocks time (TRANSP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Availability {
    /// Busy (OPAQUE).
    Busy,
    /// Free (TRANSPARENT).
    Free,
}

/// Who may see the event (CLASS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AccessClass {
    /// PUBLIC.
    Public,
    /// PRIVATE.
    Private,
    /// CONFIDENTIAL.
    Confidential,
}

/// When an alarm fires.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AlarmTrigger {
    /// Minutes before the start (negative: after).
    BeforeStart {
        /// Minutes.
        minutes: i64,
    },
    /// Minutes before the end (negative: after).
    BeforeEnd {
        /// Minutes.
        minutes: i64,
    },
    /// At this instant.
    At {
        /// Milliseconds since the epoch.
        epoch_ms: i64,
    },
}

/// What an alarm does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AlarmAction {
    /// Shows a notification.
    Display,
    /// Plays a sound.
    Audio,
    /// Sends an e-mail.
    Email,
}

/// A reminder.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Alarm {
    /// When.
    pub trigger: AlarmTrigger,
    /// What.
    pub action: AlarmAction,
    /// Its text, if any.
    #[uniffi(default)]
    pub description: Option<String>,
}

/// An attendee's answer (PARTSTAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ParticipationStatus {
    /// Not answered yet.
    NeedsAction,
    /// Accepted.
    Accepted,
    /// Declined.
    Declined,
    /// Maybe.
    Tentative,
    /// Delegated to someone else.
    Delegated,
}

/// An attendee's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AttendeeRole {
    /// Chairs the meeting.
    Chair,
    /// Required.
    Required,
    /// Optional.
    Optional,
    /// For information only.
    NonParticipant,
}

/// The organizer or an attendee.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attendee {
    /// E-mail address (or the raw URI when it is not `mailto:`).
    pub email: String,
    /// Display name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// Role (attendees only).
    #[uniffi(default)]
    pub role: Option<AttendeeRole>,
    /// Answer (attendees only).
    #[uniffi(default)]
    pub status: Option<ParticipationStatus>,
}

/// A modified instance of a recurring event.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EventException {
    /// The original start of the instance it replaces.
    pub recurrence_id: EventTime,
    /// New start.
    pub start: EventTime,
    /// New end.
    #[uniffi(default)]
    pub end: Option<EventTime>,
    /// Title.
    #[uniffi(default)]
    pub summary: Option<String>,
    /// Notes.
    #[uniffi(default)]
    pub description: Option<String>,
    /// Place.
    #[uniffi(default)]
    pub location: Option<String>,
    /// Status (cancelled hides the instance).
    #[uniffi(default)]
    pub status: Option<EventStatus>,
}

/// A calendar event with its modified instances.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// UID, stable across devices and servers.
    pub uid: String,
    /// Title.
    #[uniffi(default)]
    pub summary: Option<String>,
    /// Notes.
    #[uniffi(default)]
    pub description: Option<String>,
    /// Place.
    #[uniffi(default)]
    pub location: Option<String>,
    /// Start.
    pub start: EventTime,
    /// End (exclusive; for all-day events the day after the last day).
    #[uniffi(default)]
    pub end: Option<EventTime>,
    /// RRULE value, e.g. `FREQ=WEEKLY;BYDAY=MO` (CalendarContract `RRULE`).
    #[uniffi(default)]
    pub rrule: Option<String>,
    /// RDATE values, comma-separated (`20260105`, `20260105T090000Z`), as in CalendarContract.
    #[uniffi(default)]
    pub rdate: Option<String>,
    /// EXDATE values, comma-separated, same format as `rdate`.
    #[uniffi(default)]
    pub exdate: Option<String>,
    /// Modified instances.
    #[uniffi(default)]
    pub exceptions: Vec<EventException>,
    /// Reminders.
    #[uniffi(default)]
    pub alarms: Vec<Alarm>,
    /// Organizer.
    #[uniffi(default)]
    pub organizer: Option<Attendee>,
    /// Attendees.
    #[uniffi(default)]
    pub attendees: Vec<Attendee>,
    /// Status.
    #[uniffi(default)]
    pub status: Option<EventStatus>,
    /// Busy or free.
    pub availability: Availability,
    /// Access class.
    #[uniffi(default)]
    pub access: Option<AccessClass>,
    /// A link.
    #[uniffi(default)]
    pub url: Option<String>,
    /// Categories.
    #[uniffi(default)]
    pub categories: Vec<String>,
    /// Colour: a CSS3 name or `#rrggbb`.
    #[uniffi(default)]
    pub color: Option<String>,
    /// Revision number (SEQUENCE).
    #[uniffi(default = 0)]
    pub sequence: u32,
}

/// Why an [`Event`] from the device cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("event {uid:?}: {what}")]
pub struct InvalidEvent {
    uid: String,
    what: String,
}

impl From<core::Event> for Event {
    fn from(e: core::Event) -> Self {
        let (rrule, rdate, exdate) = match e.recurrence {
            Some(r) => (r.rrule, time_list(&r.rdates), time_list(&r.exdates)),
            None => (None, None, None),
        };
        Event {
            uid: e.uid.as_str().to_string(),
            summary: e.summary,
            description: e.description,
            location: e.location,
            start: time_out(&e.start),
            end: e.end.as_ref().map(time_out),
            rrule,
            rdate,
            exdate,
            exceptions: e.exceptions.into_iter().map(exception_out).collect(),
            alarms: e.alarms.into_iter().map(alarm_out).collect(),
            organizer: e.organizer.map(attendee_out),
            attendees: e.attendees.into_iter().map(attendee_out).collect(),
            status: e.status.map(status_out),
            availability: match e.availability {
                core::Availability::Busy => Availability::Busy,
                core::Availability::Free => Availability::Free,
            },
            access: e.access.map(|a| match a {
                core::AccessClass::Public => AccessClass::Public,
                core::AccessClass::Private => AccessClass::Private,
                core::AccessClass::Confidential => AccessClass::Confidential,
            }),
            url: e.url,
            categories: e.categories,
            color: e.color,
            sequence: e.sequence,
        }
    }
}

impl TryFrom<Event> for core::Event {
    type Error = InvalidEvent;

    fn try_from(e: Event) -> Result<Self, InvalidEvent> {
        let bad = |what: String| InvalidEvent {
            uid: e.uid.clone(),
            what,
        };
        if e.uid.trim().is_empty() {
            return Err(bad("empty uid".into()));
        }
        let start = time_in(&e.start).map_err(&bad)?;
        let end = e.end.as_ref().map(time_in).transpose().map_err(&bad)?;
        let anchor = Some(&start);
        let rdates = list_in(e.rdate.as_deref(), anchor).map_err(&bad)?;
        let exdates = list_in(e.exdate.as_deref(), anchor).map_err(&bad)?;
        let recurrence = if e.rrule.is_some() || !rdates.is_empty() || !exdates.is_empty() {
            Some(core::Recurrence {
                rrule: e.rrule.clone(),
                rdates,
                exdates,
            })
        } else {
            None
        };
        let exceptions = e
            .exceptions
            .iter()
            .map(exception_in)
            .collect::<Result<Vec<_>, String>>()
            .map_err(&bad)?;
        let alarms = e
            .alarms
            .iter()
            .map(alarm_in)
            .collect::<Result<Vec<_>, String>>()
            .map_err(&bad)?;
        let mut out = core::Event::new(e.uid.clone(), start);
        out.summary = e.summary;
        out.description = e.description;
        out.location = e.location;
        out.end = end;
        out.recurrence = recurrence;
        out.exceptions = exceptions;
        out.alarms = alarms;
        out.organizer = e.organizer.map(attendee_in);
        out.attendees = e.attendees.into_iter().map(attendee_in).collect();
        out.status = e.status.map(status_in);
        out.availability = match e.availability {
            Availability::Busy => core::Availability::Busy,
            Availability::Free => core::Availability::Free,
        };
        out.access = e.access.map(|a| match a {
            AccessClass::Public => core::AccessClass::Public,
            AccessClass::Private => core::AccessClass::Private,
            AccessClass::Confidential => core::AccessClass::Confidential,
        });
        out.url = e.url;
        out.categories = e.categories;
        out.color = e.color;
        out.sequence = e.sequence;
        Ok(out)
    }
}

fn naive_ms(t: &NaiveDateTime) -> i64 {
    t.and_utc().timestamp_millis()
}

fn naive_of_ms(ms: i64) -> Result<NaiveDateTime, String> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.naive_utc())
        .ok_or_else(|| format!("time {ms} ms is out of range"))
}

fn time_out(t: &core::EventTime) -> EventTime {
    use chrono::Datelike;
    match t {
        core::EventTime::Date(d) => EventTime::AllDay {
            date: CalendarDate {
                year: d.year(),
                month: d.month(),
                day: d.day(),
            },
        },
        core::EventTime::DateTime { local, zone } => match zone {
            core::Zone::Utc => EventTime::Timed {
                epoch_ms: naive_ms(local),
                zone: Some("UTC".into()),
            },
            core::Zone::Floating => EventTime::Timed {
                epoch_ms: naive_ms(local),
                zone: None,
            },
            core::Zone::Tzid(id) => match tz::zone_of(id).and_then(|z| {
                let at = tz::local_to_utc(&z, local)?;
                Some((at, tz::iana_name(id)?))
            }) {
                Some((at, iana)) => EventTime::Timed {
                    epoch_ms: at.timestamp_millis(),
                    zone: Some(iana.to_string()),
                },
                None => EventTime::Timed {
                    epoch_ms: naive_ms(local),
                    zone: Some(id.clone()),
                },
            },
        },
    }
}

fn time_in(t: &EventTime) -> Result<core::EventTime, String> {
    match t {
        EventTime::AllDay { date } => NaiveDate::from_ymd_opt(date.year, date.month, date.day)
            .map(core::EventTime::Date)
            .ok_or_else(|| format!("invalid date {}-{}-{}", date.year, date.month, date.day)),
        EventTime::Timed { epoch_ms, zone } => {
            let utc = naive_of_ms(*epoch_ms)?;
            Ok(match zone.as_deref() {
                None => core::EventTime::DateTime {
                    local: utc,
                    zone: core::Zone::Floating,
                },
                Some("UTC") | Some("Etc/UTC") | Some("Z") => core::EventTime::DateTime {
                    local: utc,
                    zone: core::Zone::Utc,
                },
                Some(id) => match tz::zone_of(id) {
                    Some(z) => core::EventTime::DateTime {
                        local: z.utc_to_local(&utc),
                        zone: core::Zone::Tzid(id.to_string()),
                    },
                    // A zone without an IANA equivalent: the wall-clock time read as UTC.
                    None => core::EventTime::DateTime {
                        local: utc,
                        zone: core::Zone::Tzid(id.to_string()),
                    },
                },
            })
        }
    }
}

/// RDATE/EXDATE values as CalendarContract writes them: dates `YYYYMMDD`, instants in UTC
/// `YYYYMMDDTHHMMSSZ`, floating times without the `Z`.
fn time_list(ts: &[core::EventTime]) -> Option<String> {
    if ts.is_empty() {
        return None;
    }
    let items: Vec<String> = ts
        .iter()
        .map(|t| match t {
            core::EventTime::Date(d) => d.format("%Y%m%d").to_string(),
            core::EventTime::DateTime { local, .. } => match tz::to_utc(t) {
                Some(at) => at.format("%Y%m%dT%H%M%SZ").to_string(),
                None => local.format("%Y%m%dT%H%M%S").to_string(),
            },
        })
        .collect();
    Some(items.join(","))
}

/// Parses an RDATE/EXDATE list; UTC instants take the zone of `anchor` (the start) when it
/// has one, so the values match the event's instances as iCalendar requires.
fn list_in(
    s: Option<&str>,
    anchor: Option<&core::EventTime>,
) -> Result<Vec<core::EventTime>, String> {
    let Some(s) = s else { return Ok(Vec::new()) };
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            if let Some(d) = parse_date(v) {
                return Ok(core::EventTime::Date(d));
            }
            let (local, utc) =
                parse_date_time(v).ok_or_else(|| format!("bad date-time {v:?} in a date list"))?;
            if !utc {
                return Ok(core::EventTime::DateTime {
                    local,
                    zone: core::Zone::Floating,
                });
            }
            Ok(match anchor {
                Some(core::EventTime::DateTime {
                    zone: core::Zone::Tzid(id),
                    ..
                }) => match tz::zone_of(id) {
                    Some(z) => core::EventTime::DateTime {
                        local: z.utc_to_local(&local),
                        zone: core::Zone::Tzid(id.clone()),
                    },
                    None => core::EventTime::DateTime {
                        local,
                        zone: core::Zone::Utc,
                    },
                },
                _ => core::EventTime::DateTime {
                    local,
                    zone: core::Zone::Utc,
                },
            })
        })
        .collect()
}

fn status_out(s: core::EventStatus) -> EventStatus {
    match s {
        core::EventStatus::Tentative => EventStatus::Tentative,
        core::EventStatus::Confirmed => EventStatus::Confirmed,
        core::EventStatus::Cancelled => EventStatus::Cancelled,
    }
}

fn status_in(s: EventStatus) -> core::EventStatus {
    match s {
        EventStatus::Tentative => core::EventStatus::Tentative,
        EventStatus::Confirmed => core::EventStatus::Confirmed,
        EventStatus::Cancelled => core::EventStatus::Cancelled,
    }
}

fn exception_out(x: core::Exception) -> EventException {
    EventException {
        recurrence_id: time_out(&x.recurrence_id),
        start: time_out(&x.start),
        end: x.end.as_ref().map(time_out),
        summary: x.summary,
        description: x.description,
        location: x.location,
        status: x.status.map(status_out),
    }
}

fn exception_in(x: &EventException) -> Result<core::Exception, String> {
    Ok(core::Exception {
        recurrence_id: time_in(&x.recurrence_id)?,
        start: time_in(&x.start)?,
        end: x.end.as_ref().map(time_in).transpose()?,
        summary: x.summary.clone(),
        description: x.description.clone(),
        location: x.location.clone(),
        status: x.status.map(status_in),
    })
}

fn alarm_out(a: core::Alarm) -> Alarm {
    Alarm {
        trigger: match a.trigger {
            core::AlarmTrigger::BeforeStart(m) => AlarmTrigger::BeforeStart { minutes: m },
            core::AlarmTrigger::BeforeEnd(m) => AlarmTrigger::BeforeEnd { minutes: m },
            core::AlarmTrigger::At(t) => AlarmTrigger::At {
                epoch_ms: t.timestamp_millis(),
            },
        },
        action: match a.action {
            core::AlarmAction::Display => AlarmAction::Display,
            core::AlarmAction::Audio => AlarmAction::Audio,
            core::AlarmAction::Email => AlarmAction::Email,
        },
        description: a.description,
    }
}

fn alarm_in(a: &Alarm) -> Result<core::Alarm, String> {
    Ok(core::Alarm {
        trigger: match a.trigger {
            AlarmTrigger::BeforeStart { minutes } => core::AlarmTrigger::BeforeStart(minutes),
            AlarmTrigger::BeforeEnd { minutes } => core::AlarmTrigger::BeforeEnd(minutes),
            AlarmTrigger::At { epoch_ms } => core::AlarmTrigger::At(
                DateTime::<Utc>::from_timestamp_millis(epoch_ms)
                    .ok_or_else(|| format!("alarm time {epoch_ms} ms is out of range"))?,
            ),
        },
        action: match a.action {
            AlarmAction::Display => core::AlarmAction::Display,
            AlarmAction::Audio => core::AlarmAction::Audio,
            AlarmAction::Email => core::AlarmAction::Email,
        },
        description: a.description.clone(),
    })
}

fn attendee_out(a: core::Attendee) -> Attendee {
    Attendee {
        email: a.email,
        name: a.name,
        role: a.role.map(|r| match r {
            core::AttendeeRole::Chair => AttendeeRole::Chair,
            core::AttendeeRole::Required => AttendeeRole::Required,
            core::AttendeeRole::Optional => AttendeeRole::Optional,
            core::AttendeeRole::NonParticipant => AttendeeRole::NonParticipant,
        }),
        status: a.status.map(|s| match s {
            core::ParticipationStatus::NeedsAction => ParticipationStatus::NeedsAction,
            core::ParticipationStatus::Accepted => ParticipationStatus::Accepted,
            core::ParticipationStatus::Declined => ParticipationStatus::Declined,
            core::ParticipationStatus::Tentative => ParticipationStatus::Tentative,
            core::ParticipationStatus::Delegated => ParticipationStatus::Delegated,
        }),
    }
}

fn attendee_in(a: Attendee) -> core::Attendee {
    core::Attendee {
        email: a.email,
        name: a.name,
        role: a.role.map(|r| match r {
            AttendeeRole::Chair => core::AttendeeRole::Chair,
            AttendeeRole::Required => core::AttendeeRole::Required,
            AttendeeRole::Optional => core::AttendeeRole::Optional,
            AttendeeRole::NonParticipant => core::AttendeeRole::NonParticipant,
        }),
        status: a.status.map(|s| match s {
            ParticipationStatus::NeedsAction => core::ParticipationStatus::NeedsAction,
            ParticipationStatus::Accepted => core::ParticipationStatus::Accepted,
            ParticipationStatus::Declined => core::ParticipationStatus::Declined,
            ParticipationStatus::Tentative => core::ParticipationStatus::Tentative,
            ParticipationStatus::Delegated => core::ParticipationStatus::Delegated,
        }),
    }
}

/// A valid [`Event`] for the tests of other modules.
#[cfg(test)]
pub(crate) struct SampleEvent;

#[cfg(test)]
impl SampleEvent {
    /// A minimal valid event.
    pub(crate) fn valid() -> Event {
        Event::from(core::Event::new(
            "t1",
            core::EventTime::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> core::Event {
        let paris = |h| core::EventTime::DateTime {
            local: NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap(),
            zone: core::Zone::Tzid("Europe/Paris".into()),
        };
        let mut e = core::Event::new("u1", paris(9));
        e.summary = Some("Standup".into());
        e.end = Some(paris(10));
        e.recurrence = Some(core::Recurrence {
            rrule: Some("FREQ=WEEKLY;BYDAY=MO".into()),
            rdates: vec![],
            exdates: vec![core::EventTime::DateTime {
                local: NaiveDate::from_ymd_opt(2026, 3, 9)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
                zone: core::Zone::Tzid("Europe/Paris".into()),
            }],
        });
        e.alarms = vec![core::Alarm {
            trigger: core::AlarmTrigger::BeforeStart(15),
            action: core::AlarmAction::Display,
            description: None,
        }];
        e.status = Some(core::EventStatus::Confirmed);
        e.access = Some(core::AccessClass::Private);
        e
    }

    #[test]
    fn a_zoned_event_goes_out_as_epoch_millis_and_comes_back_equal() {
        let e = sample();
        let out = Event::from(e.clone());
        // 09:00 in Paris in winter is 08:00 UTC.
        assert_eq!(
            out.start,
            EventTime::Timed {
                epoch_ms: 1_772_438_400_000,
                zone: Some("Europe/Paris".into())
            }
        );
        assert_eq!(out.exdate.as_deref(), Some("20260309T080000Z"));
        assert_eq!(core::Event::try_from(out).unwrap(), e);
    }

    #[test]
    fn all_day_floating_and_utc_times_round_trip() {
        let d = |m, day| core::EventTime::Date(NaiveDate::from_ymd_opt(2026, m, day).unwrap());
        let mut e = core::Event::new("u2", d(5, 1));
        e.end = Some(d(5, 2));
        e.recurrence = Some(core::Recurrence {
            rrule: None,
            rdates: vec![d(6, 1)],
            exdates: vec![],
        });
        let out = Event::from(e.clone());
        assert_eq!(out.rdate.as_deref(), Some("20260601"));
        assert_eq!(core::Event::try_from(out).unwrap(), e);

        let floating = core::EventTime::DateTime {
            local: NaiveDate::from_ymd_opt(2026, 5, 1)
                .unwrap()
                .and_hms_opt(12, 30, 0)
                .unwrap(),
            zone: core::Zone::Floating,
        };
        let e = core::Event::new("u3", floating);
        assert_eq!(core::Event::try_from(Event::from(e.clone())).unwrap(), e);
    }

    #[test]
    fn an_invalid_date_or_empty_uid_is_an_error_not_a_panic() {
        let mut out = Event::from(sample());
        out.start = EventTime::AllDay {
            date: CalendarDate {
                year: 2026,
                month: 2,
                day: 30,
            },
        };
        let err = core::Event::try_from(out.clone()).unwrap_err();
        assert!(err.to_string().contains("invalid date"), "{err}");
        out.uid = " ".into();
        assert!(core::Event::try_from(out).is_err());
        let mut out = Event::from(sample());
        out.exdate = Some("tomorrow".into());
        assert!(core::Event::try_from(out).is_err());
    }
}
