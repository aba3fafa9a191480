//! The generic VEVENT [`Component`] to the [`Event`] model and back: which property holds
//! which field, how each is read and written.

use super::values::{
    add_duration, escape_text, format_duration, format_time, format_utc, param, parse_date_time,
    parse_duration, parse_time_list, parse_time_prop, split_text_list, unescape_text,
};
use super::{Component, Property};
use crate::model::{
    AccessClass, Alarm, AlarmAction, AlarmTrigger, Attendee, AttendeeRole, Availability, Event,
    EventStatus, EventTime, Exception, ParticipationStatus, Recurrence,
};
use crate::{Error, Result};
use chrono::{TimeZone, Utc};

/// A group of properties of a master VEVENT that holds one model field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// SUMMARY
    Summary,
    /// DESCRIPTION
    Description,
    /// LOCATION
    Location,
    /// DTSTART
    Start,
    /// DTEND or DURATION
    End,
    /// RRULE
    Rrule,
    /// RDATE
    Rdate,
    /// EXDATE
    Exdate,
    /// ORGANIZER
    Organizer,
    /// ATTENDEE
    Attendees,
    /// STATUS
    Status,
    /// TRANSP
    Transp,
    /// CLASS
    Class,
    /// URL
    Url,
    /// CATEGORIES
    Categories,
    /// COLOR
    Color,
    /// SEQUENCE
    Sequence,
}

impl Field {
    /// Every master field, in the order a new VEVENT is written.
    pub const ALL: [Field; 17] = [
        Field::Start,
        Field::End,
        Field::Rrule,
        Field::Rdate,
        Field::Exdate,
        Field::Summary,
        Field::Description,
        Field::Location,
        Field::Organizer,
        Field::Attendees,
        Field::Status,
        Field::Transp,
        Field::Class,
        Field::Url,
        Field::Categories,
        Field::Color,
        Field::Sequence,
    ];

    /// The property names of this field.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Field::Summary => &["SUMMARY"],
            Field::Description => &["DESCRIPTION"],
            Field::Location => &["LOCATION"],
            Field::Start => &["DTSTART"],
            Field::End => &["DTEND", "DURATION"],
            Field::Rrule => &["RRULE"],
            Field::Rdate => &["RDATE"],
            Field::Exdate => &["EXDATE"],
            Field::Organizer => &["ORGANIZER"],
            Field::Attendees => &["ATTENDEE"],
            Field::Status => &["STATUS"],
            Field::Transp => &["TRANSP"],
            Field::Class => &["CLASS"],
            Field::Url => &["URL"],
            Field::Categories => &["CATEGORIES"],
            Field::Color => &["COLOR"],
            Field::Sequence => &["SEQUENCE"],
        }
    }

    /// Whether the two events hold the same value for this field.
    pub fn same(self, a: &Event, b: &Event) -> bool {
        let rec = |e: &Event| e.recurrence.clone().unwrap_or_default();
        match self {
            Field::Summary => a.summary == b.summary,
            Field::Description => a.description == b.description,
            Field::Location => a.location == b.location,
            Field::Start => a.start == b.start,
            Field::End => a.end == b.end,
            Field::Rrule => rec(a).rrule == rec(b).rrule,
            Field::Rdate => rec(a).rdates == rec(b).rdates,
            Field::Exdate => rec(a).exdates == rec(b).exdates,
            Field::Organizer => a.organizer == b.organizer,
            Field::Attendees => a.attendees == b.attendees,
            Field::Status => a.status == b.status,
            Field::Transp => a.availability == b.availability,
            Field::Class => a.access == b.access,
            Field::Url => a.url == b.url,
            Field::Categories => a.categories == b.categories,
            Field::Color => a.color == b.color,
            Field::Sequence => a.sequence == b.sequence,
        }
    }

    /// The properties that write this field of `e`.
    pub fn write(self, e: &Event) -> Vec<Property> {
        let rec = e.recurrence.as_ref();
        match self {
            Field::Summary => text_prop("SUMMARY", &e.summary),
            Field::Description => text_prop("DESCRIPTION", &e.description),
            Field::Location => text_prop("LOCATION", &e.location),
            Field::Start => vec![time_prop("DTSTART", &e.start)],
            Field::End => e.end.iter().map(|t| time_prop("DTEND", t)).collect(),
            Field::Rrule => rec
                .and_then(|r| r.rrule.as_ref())
                .map(|r| prop("RRULE", r.clone()))
                .into_iter()
                .collect(),
            Field::Rdate => rec.map_or(Vec::new(), |r| {
                r.rdates.iter().map(|t| time_prop("RDATE", t)).collect()
            }),
            Field::Exdate => rec.map_or(Vec::new(), |r| {
                r.exdates.iter().map(|t| time_prop("EXDATE", t)).collect()
            }),
            Field::Organizer => e
                .organizer
                .iter()
                .map(|o| attendee_prop("ORGANIZER", o))
                .collect(),
            Field::Attendees => e
                .attendees
                .iter()
                .map(|a| attendee_prop("ATTENDEE", a))
                .collect(),
            Field::Status => e
                .status
                .iter()
                .map(|s| prop("STATUS", status_str(*s)))
                .collect(),
            Field::Transp => vec![prop(
                "TRANSP",
                match e.availability {
                    Availability::Busy => "OPAQUE",
                    Availability::Free => "TRANSPARENT",
                },
            )],
            Field::Class => e
                .access
                .iter()
                .map(|c| prop("CLASS", class_str(*c)))
                .collect(),
            Field::Url => e.url.iter().map(|u| prop("URL", u.clone())).collect(),
            Field::Categories if e.categories.is_empty() => Vec::new(),
            Field::Categories => vec![prop(
                "CATEGORIES",
                e.categories
                    .iter()
                    .map(|c| escape_text(c))
                    .collect::<Vec<_>>()
                    .join(","),
            )],
            Field::Color => e.color.iter().map(|c| prop("COLOR", c.clone())).collect(),
            Field::Sequence => vec![prop("SEQUENCE", e.sequence.to_string())],
        }
    }
}

/// A group of properties of an exception VEVENT that holds one [`Exception`] field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExField {
    /// RECURRENCE-ID
    RecurrenceId,
    /// DTSTART
    Start,
    /// DTEND or DURATION
    End,
    /// SUMMARY
    Summary,
    /// DESCRIPTION
    Description,
    /// LOCATION
    Location,
    /// STATUS
    Status,
}

impl ExField {
    /// Every exception field, in the order a new VEVENT is written.
    pub const ALL: [ExField; 7] = [
        ExField::RecurrenceId,
        ExField::Start,
        ExField::End,
        ExField::Summary,
        ExField::Description,
        ExField::Location,
        ExField::Status,
    ];

    /// The property names of this field.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            ExField::RecurrenceId => &["RECURRENCE-ID"],
            ExField::Start => &["DTSTART"],
            ExField::End => &["DTEND", "DURATION"],
            ExField::Summary => &["SUMMARY"],
            ExField::Description => &["DESCRIPTION"],
            ExField::Location => &["LOCATION"],
            ExField::Status => &["STATUS"],
        }
    }

    /// Whether the two exceptions hold the same value for this field.
    pub fn same(self, a: &Exception, b: &Exception) -> bool {
        match self {
            ExField::RecurrenceId => a.recurrence_id == b.recurrence_id,
            ExField::Start => a.start == b.start,
            ExField::End => a.end == b.end,
            ExField::Summary => a.summary == b.summary,
            ExField::Description => a.description == b.description,
            ExField::Location => a.location == b.location,
            ExField::Status => a.status == b.status,
        }
    }

    /// The properties that write this field of `x`.
    pub fn write(self, x: &Exception) -> Vec<Property> {
        match self {
            ExField::RecurrenceId => vec![time_prop("RECURRENCE-ID", &x.recurrence_id)],
            ExField::Start => vec![time_prop("DTSTART", &x.start)],
            ExField::End => x.end.iter().map(|t| time_prop("DTEND", t)).collect(),
            ExField::Summary => text_prop("SUMMARY", &x.summary),
            ExField::Description => text_prop("DESCRIPTION", &x.description),
            ExField::Location => text_prop("LOCATION", &x.location),
            ExField::Status => x
                .status
                .iter()
                .map(|s| prop("STATUS", status_str(*s)))
                .collect(),
        }
    }
}

/// A property without parameters.
pub fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        params: Vec::new(),
        value: value.into(),
    }
}

fn text_prop(name: &str, v: &Option<String>) -> Vec<Property> {
    v.iter().map(|s| prop(name, escape_text(s))).collect()
}

/// A DATE or DATE-TIME property.
pub fn time_prop(name: &str, t: &EventTime) -> Property {
    let (params, value) = format_time(t);
    Property {
        name: name.into(),
        params,
        value,
    }
}

/// A DTSTAMP of now.
pub fn dtstamp_now() -> Property {
    prop("DTSTAMP", format_utc(&Utc::now()))
}

/// An ORGANIZER or ATTENDEE property.
pub fn attendee_prop(name: &str, a: &Attendee) -> Property {
    let mut p = Property {
        name: name.into(),
        params: Vec::new(),
        value: attendee_uri(&a.email),
    };
    set_attendee_params(&mut p, a);
    p
}

/// The calendar-user address for an e-mail (a `mailto:` URI unless it already is a URI).
pub fn attendee_uri(email: &str) -> String {
    if email.contains(':') {
        email.to_string()
    } else {
        format!("mailto:{email}")
    }
}

/// Sets (or removes) CN, ROLE and PARTSTAT of an attendee property, keeping other parameters.
pub fn set_attendee_params(p: &mut Property, a: &Attendee) {
    let set = |p: &mut Property, key: &str, v: Option<&str>| {
        let pos = p.params.iter().position(|(k, _)| k == key);
        match (pos, v) {
            (Some(i), Some(v)) => p.params[i].1 = v.to_string(),
            (Some(i), None) => {
                p.params.remove(i);
            }
            (None, Some(v)) => p.params.push((key.into(), v.to_string())),
            (None, None) => {}
        }
    };
    set(p, "CN", a.name.as_deref());
    set(p, "ROLE", a.role.map(role_str));
    set(p, "PARTSTAT", a.status.map(partstat_str));
}

/// Whether a property is one of `names`.
pub fn is_any(p: &Property, names: &[&str]) -> bool {
    names.iter().any(|n| p.name == *n)
}

fn first<'a>(c: &'a Component, name: &str) -> Option<&'a Property> {
    c.properties.iter().find(|p| p.name == name)
}

fn text(c: &Component, name: &str) -> Option<String> {
    first(c, name).map(|p| unescape_text(&p.value))
}

/// The UID of a component, if any.
pub fn uid(c: &Component) -> Option<&str> {
    first(c, "UID").map(|p| p.value.trim())
}

/// The RECURRENCE-ID of a component, parsed.
pub fn recurrence_id(c: &Component) -> Option<EventTime> {
    first(c, "RECURRENCE-ID").and_then(parse_time_prop)
}

/// The index in `cal.components` of the master VEVENT: the first without RECURRENCE-ID, else
/// the first VEVENT.
pub fn master_index(cal: &Component) -> Option<usize> {
    let is_event = |c: &&Component| c.name == "VEVENT";
    cal.components
        .iter()
        .position(|c| is_event(&c) && first(c, "RECURRENCE-ID").is_none())
        .or_else(|| cal.components.iter().position(|c| is_event(&c)))
}

/// Indexes of the exception VEVENTs that go with the master at `master` (same UID or none).
pub fn exception_indexes(cal: &Component, master: usize) -> Vec<usize> {
    let uid_m = uid(&cal.components[master]);
    cal.components
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            *i != master
                && c.name == "VEVENT"
                && first(c, "RECURRENCE-ID").is_some()
                && (uid(c).is_none() || uid(c) == uid_m)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The master event and its exceptions in a VCALENDAR.
pub fn event_from_calendar(cal: &Component) -> Result<Event> {
    let m = master_index(cal).ok_or_else(|| Error::InvalidCalendar("no VEVENT".into()))?;
    let mut event = master_from_vevent(&cal.components[m])?;
    event.exceptions = exception_indexes(cal, m)
        .into_iter()
        .filter_map(|i| exception_from_vevent(&cal.components[i]))
        .collect();
    Ok(event)
}

fn end_of(c: &Component, start: &EventTime) -> Option<EventTime> {
    if let Some(end) = first(c, "DTEND").and_then(parse_time_prop) {
        return Some(end);
    }
    let secs = first(c, "DURATION").and_then(|p| parse_duration(&p.value))?;
    add_duration(start, secs)
}

/// A master VEVENT as an [`Event`] without exceptions.
pub fn master_from_vevent(c: &Component) -> Result<Event> {
    let uid = uid(c)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::InvalidCalendar("VEVENT without UID".into()))?;
    let start = first(c, "DTSTART")
        .and_then(parse_time_prop)
        .ok_or_else(|| Error::InvalidCalendar("VEVENT without a readable DTSTART".into()))?;
    let mut e = Event::new(uid, start);
    e.summary = text(c, "SUMMARY");
    e.description = text(c, "DESCRIPTION");
    e.location = text(c, "LOCATION");
    e.end = end_of(c, &e.start);
    let mut rec = Recurrence {
        rrule: first(c, "RRULE").map(|p| p.value.trim().to_string()),
        ..Recurrence::default()
    };
    for p in &c.properties {
        match p.name.as_str() {
            "RDATE" => rec.rdates.extend(parse_time_list(p)),
            "EXDATE" => rec.exdates.extend(parse_time_list(p)),
            "ATTENDEE" => e.attendees.push(attendee_from(p)),
            "CATEGORIES" => e.categories.extend(split_text_list(&p.value)),
            _ => {}
        }
    }
    if rec != Recurrence::default() {
        e.recurrence = Some(rec);
    }
    e.organizer = first(c, "ORGANIZER").map(attendee_from);
    e.status = first(c, "STATUS").and_then(|p| status_from(&p.value));
    e.availability = match first(c, "TRANSP") {
        Some(p) if p.value.trim().eq_ignore_ascii_case("TRANSPARENT") => Availability::Free,
        _ => Availability::Busy,
    };
    e.access = first(c, "CLASS").and_then(|p| class_from(&p.value));
    e.url = first(c, "URL").map(|p| p.value.trim().to_string());
    e.color = first(c, "COLOR").map(|p| p.value.trim().to_string());
    e.sequence = first(c, "SEQUENCE")
        .and_then(|p| p.value.trim().parse::<u32>().ok())
        .unwrap_or(0);
    e.alarms = c
        .components
        .iter()
        .filter(|a| a.name == "VALARM")
        .filter_map(alarm_from)
        .collect();
    Ok(e)
}

/// An exception VEVENT (with RECURRENCE-ID) as an [`Exception`]; `None` when its
/// RECURRENCE-ID cannot be read.
pub fn exception_from_vevent(c: &Component) -> Option<Exception> {
    let recurrence_id = recurrence_id(c)?;
    let start = first(c, "DTSTART")
        .and_then(parse_time_prop)
        .unwrap_or_else(|| recurrence_id.clone());
    Some(Exception {
        end: end_of(c, &start),
        recurrence_id,
        start,
        summary: text(c, "SUMMARY"),
        description: text(c, "DESCRIPTION"),
        location: text(c, "LOCATION"),
        status: first(c, "STATUS").and_then(|p| status_from(&p.value)),
    })
}

/// A VALARM as an [`Alarm`]; `None` for actions or triggers the model cannot hold.
pub fn alarm_from(c: &Component) -> Option<Alarm> {
    let action = match first(c, "ACTION")?
        .value
        .trim()
        .to_ascii_uppercase()
        .as_str()
    {
        "DISPLAY" => AlarmAction::Display,
        "AUDIO" => AlarmAction::Audio,
        "EMAIL" => AlarmAction::Email,
        _ => return None,
    };
    let t = first(c, "TRIGGER")?;
    let absolute = param(t, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"))
        || t.value.trim().contains('T') && !t.value.trim().starts_with(['P', '-', '+']);
    let trigger = if absolute {
        let (dt, _) = parse_date_time(&t.value)?;
        AlarmTrigger::At(Utc.from_utc_datetime(&dt))
    } else {
        let minutes = -parse_duration(&t.value)? / 60;
        match param(t, "RELATED") {
            Some(r) if r.eq_ignore_ascii_case("END") => AlarmTrigger::BeforeEnd(minutes),
            _ => AlarmTrigger::BeforeStart(minutes),
        }
    };
    Some(Alarm {
        trigger,
        action,
        description: text(c, "DESCRIPTION"),
    })
}

/// The VALARM of an [`Alarm`].
pub fn alarm_component(a: &Alarm) -> Component {
    let action = match a.action {
        AlarmAction::Display => "DISPLAY",
        AlarmAction::Audio => "AUDIO",
        AlarmAction::Email => "EMAIL",
    };
    let trigger = match &a.trigger {
        AlarmTrigger::BeforeStart(m) => prop("TRIGGER", format_duration(-m.saturating_mul(60))),
        AlarmTrigger::BeforeEnd(m) => Property {
            name: "TRIGGER".into(),
            params: vec![("RELATED".into(), "END".into())],
            value: format_duration(-m.saturating_mul(60)),
        },
        AlarmTrigger::At(t) => Property {
            name: "TRIGGER".into(),
            params: vec![("VALUE".into(), "DATE-TIME".into())],
            value: format_utc(t),
        },
    };
    let mut properties = vec![prop("ACTION", action), trigger];
    properties.extend(text_prop("DESCRIPTION", &a.description));
    Component {
        name: "VALARM".into(),
        properties,
        components: Vec::new(),
    }
}

/// The e-mail of a calendar-user address: `mailto:` stripped, any case.
pub fn email_of(uri: &str) -> String {
    let uri = uri.trim();
    match uri.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => uri[7..].to_string(),
        _ => uri.to_string(),
    }
}

/// An ORGANIZER or ATTENDEE property as an [`Attendee`].
pub fn attendee_from(p: &Property) -> Attendee {
    let up = |name: &str| param(p, name).map(|v| v.trim().to_ascii_uppercase());
    Attendee {
        email: email_of(&p.value),
        name: param(p, "CN").map(str::to_string),
        role: up("ROLE").and_then(|r| match r.as_str() {
            "CHAIR" => Some(AttendeeRole::Chair),
            "REQ-PARTICIPANT" => Some(AttendeeRole::Required),
            "OPT-PARTICIPANT" => Some(AttendeeRole::Optional),
            "NON-PARTICIPANT" => Some(AttendeeRole::NonParticipant),
            _ => None,
        }),
        status: up("PARTSTAT").and_then(|s| match s.as_str() {
            "NEEDS-ACTION" => Some(ParticipationStatus::NeedsAction),
            "ACCEPTED" => Some(ParticipationStatus::Accepted),
            "DECLINED" => Some(ParticipationStatus::Declined),
            "TENTATIVE" => Some(ParticipationStatus::Tentative),
            "DELEGATED" => Some(ParticipationStatus::Delegated),
            _ => None,
        }),
    }
}

fn role_str(r: AttendeeRole) -> &'static str {
    match r {
        AttendeeRole::Chair => "CHAIR",
        AttendeeRole::Required => "REQ-PARTICIPANT",
        AttendeeRole::Optional => "OPT-PARTICIPANT",
        AttendeeRole::NonParticipant => "NON-PARTICIPANT",
    }
}

fn partstat_str(s: ParticipationStatus) -> &'static str {
    match s {
        ParticipationStatus::NeedsAction => "NEEDS-ACTION",
        ParticipationStatus::Accepted => "ACCEPTED",
        ParticipationStatus::Declined => "DECLINED",
        ParticipationStatus::Tentative => "TENTATIVE",
        ParticipationStatus::Delegated => "DELEGATED",
    }
}

fn status_from(v: &str) -> Option<EventStatus> {
    match v.trim().to_ascii_uppercase().as_str() {
        "TENTATIVE" => Some(EventStatus::Tentative),
        "CONFIRMED" => Some(EventStatus::Confirmed),
        "CANCELLED" => Some(EventStatus::Cancelled),
        _ => None,
    }
}

fn status_str(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Tentative => "TENTATIVE",
        EventStatus::Confirmed => "CONFIRMED",
        EventStatus::Cancelled => "CANCELLED",
    }
}

fn class_from(v: &str) -> Option<AccessClass> {
    match v.trim().to_ascii_uppercase().as_str() {
        "PUBLIC" => Some(AccessClass::Public),
        "PRIVATE" => Some(AccessClass::Private),
        "CONFIDENTIAL" => Some(AccessClass::Confidential),
        _ => None,
    }
}

fn class_str(c: AccessClass) -> &'static str {
    match c {
        AccessClass::Public => "PUBLIC",
        AccessClass::Private => "PRIVATE",
        AccessClass::Confidential => "CONFIDENTIAL",
    }
}

/// A master VEVENT for an event (without its exceptions).
pub fn master_component(e: &Event) -> Component {
    let mut properties = vec![prop("UID", e.uid.as_str()), dtstamp_now()];
    for f in Field::ALL {
        properties.extend(f.write(e));
    }
    Component {
        name: "VEVENT".into(),
        properties,
        components: e.alarms.iter().map(alarm_component).collect(),
    }
}

/// An exception VEVENT.
pub fn exception_component(e: &Event, x: &Exception) -> Component {
    let mut properties = vec![prop("UID", e.uid.as_str()), dtstamp_now()];
    for f in ExField::ALL {
        properties.extend(f.write(x));
    }
    properties.push(prop("SEQUENCE", e.sequence.to_string()));
    Component {
        name: "VEVENT".into(),
        properties,
        components: Vec::new(),
    }
}
