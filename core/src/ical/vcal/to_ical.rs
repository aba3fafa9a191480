//! vCalendar 1.0 to iCalendar 2.0: times through TZ / DAYLIGHT, all-day shapes, the vCalendar
//! RRULE grammar, EXDATE / RDATE lists, AALARM / DALARM / MALARM, attendees, STATUS, TRANSP,
//! `;` lists; X- properties kept.

use super::lines::{self, split_compound, unescape};
use super::rrule;
use super::zone::VcalZone;
use super::{EXDATE_DETACHED, HINT_RECURRENCE_ID, HINT_RRULE, HINT_STATUS, HINT_TZID};
use crate::ical::values::{
    escape_text, format_duration, format_time, format_utc, param, parse_date, parse_date_time,
    parse_duration, parse_time_value,
};
use crate::ical::{tz, write_calendar, Component, Property, PRODID};
use crate::model::{EventTime, Zone};
use crate::{Error, Result};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// How local (non-UTC) times of the vCalendar are read.
enum Mode {
    /// No TZ: floating times.
    Floating,
    /// TZ / DAYLIGHT describe this IANA zone (or our own hint names a TZID we cannot resolve):
    /// local times keep this TZID.
    Named(String, Option<tz::Tz>),
    /// TZ / DAYLIGHT match no zone: local times become UTC through the offsets.
    Offsets(VcalZone),
}

struct Ctx {
    mode: Mode,
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        params: Vec::new(),
        value: value.into(),
    }
}

fn first<'a>(c: &'a Component, name: &str) -> Option<&'a Property> {
    c.properties.iter().find(|p| p.name == name)
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

impl Ctx {
    /// A DATE or DATE-TIME value as an [`EventTime`] (UTC stays UTC; local times per mode).
    fn time(&self, v: &str) -> Option<EventTime> {
        let v = v.trim();
        if let Some(d) = parse_date(v) {
            return Some(EventTime::Date(d));
        }
        let (local, utc) = parse_date_time(v)?;
        let zone = if utc {
            Zone::Utc
        } else {
            match &self.mode {
                Mode::Floating => Zone::Floating,
                Mode::Named(name, _) => Zone::Tzid(name.clone()),
                Mode::Offsets(z) => {
                    return Some(EventTime::DateTime {
                        local: z.local_to_utc(&local),
                        zone: Zone::Utc,
                    })
                }
            }
        };
        Some(EventTime::DateTime { local, zone })
    }

    /// The wall-clock time of a value (UTC values shown in the zone when there is one).
    fn wall(&self, v: &str) -> Option<NaiveDateTime> {
        let v = v.trim();
        if let Some(d) = parse_date(v) {
            return Some(midnight(d));
        }
        let (t, utc) = parse_date_time(v)?;
        if !utc {
            return Some(t);
        }
        Some(match &self.mode {
            Mode::Named(_, Some(tz)) => tz.utc_to_local(&t),
            Mode::Offsets(z) => z.utc_to_local(&t),
            _ => t,
        })
    }

    /// The UTC instant of a time, when it has one.
    fn instant(&self, t: &EventTime) -> Option<NaiveDateTime> {
        tz::to_utc(t).map(|u| u.naive_utc())
    }

    /// An RRULE end date as an RFC 5545 UNTIL for a rule whose DTSTART is `start`.
    fn until(&self, u: &str, start: &EventTime) -> Option<String> {
        if let EventTime::Date(_) = start {
            return Some(self.wall(u)?.format("%Y%m%d").to_string());
        }
        let (local, utc) = match parse_date(u) {
            // An end date alone: the end of that day.
            Some(d) => (d.and_hms_opt(23, 59, 59)?, false),
            None => parse_date_time(u)?,
        };
        if utc {
            return Some(format!("{}Z", local.format("%Y%m%dT%H%M%S")));
        }
        let as_utc = match (&self.mode, start) {
            (
                _,
                EventTime::DateTime {
                    zone: Zone::Floating,
                    ..
                },
            ) => None,
            (Mode::Named(_, Some(tz)), _) => tz::local_to_utc(tz, &local).map(|t| t.naive_utc()),
            // A TZID we cannot resolve: keep the local end.
            (Mode::Named(_, None), _) => None,
            (Mode::Offsets(z), _) => Some(z.local_to_utc(&local)),
            // No zone but a UTC start: read the end as UTC.
            _ => Some(local),
        };
        Some(match as_utc {
            Some(t) => format!("{}Z", t.format("%Y%m%dT%H%M%S")),
            None => local.format("%Y%m%dT%H%M%S").to_string(),
        })
    }
}

fn time_prop(name: &str, t: &EventTime) -> Property {
    let (params, value) = format_time(t);
    Property {
        name: name.into(),
        params,
        value,
    }
}

fn is_true(c: &Component, name: &str) -> bool {
    first(c, name).is_some_and(|p| {
        matches!(
            p.value.trim().to_ascii_uppercase().as_str(),
            "1" | "TRUE" | "YES"
        )
    })
}

/// Start and end dates when the event is all-day: DATE values, an all-day flag
/// (X-FUNAMBOL-ALLDAY, X-EPOCALENDAR-ALLDAY, X-MICROSOFT-CDO-ALLDAYEVENT, a Symbian EVENT /
/// ANNIVERSARY), or local midnight to midnight (or to 23:59).
fn all_day(c: &Component, ctx: &Ctx) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let start_raw = first(c, "DTSTART")?.value.trim();
    let end_raw = first(c, "DTEND").map(|p| p.value.trim());
    let flagged = is_true(c, "X-FUNAMBOL-ALLDAY")
        || is_true(c, "X-EPOCALENDAR-ALLDAY")
        || is_true(c, "X-MICROSOFT-CDO-ALLDAYEVENT")
        || first(c, "X-EPOCAGENDAENTRYTYPE").is_some_and(|p| {
            matches!(
                p.value.trim().to_ascii_uppercase().as_str(),
                "EVENT" | "ANNIVERSARY"
            )
        });
    let date_only = parse_date(start_raw).is_some()
        || first(c, "DTSTART")
            .and_then(|p| param(p, "VALUE"))
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    let s = ctx.wall(start_raw)?;
    let e = end_raw.and_then(|v| ctx.wall(v));
    let end_date = |e: NaiveDateTime| {
        if e.time() == midnight(e.date()).time() && e.date() > s.date() {
            e.date()
        } else {
            e.date().succ_opt().unwrap_or(e.date())
        }
    };
    let local = |v: &str| !v.ends_with(['Z', 'z']);
    let midnight_start = s.time() == midnight(s.date()).time();
    let shaped = local(start_raw)
        && midnight_start
        && end_raw.is_some_and(local)
        && e.is_some_and(|e| {
            let t = e.time();
            (t == midnight(e.date()).time() && e.date() > s.date())
                || (t >= chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap_or_default()
                    && e.date() >= s.date())
        });
    if date_only || shaped || (flagged && midnight_start) {
        let end = e.map(end_date).filter(|d| *d > s.date());
        Some((
            s.date(),
            end.or_else(|| e.map(|_| s.date().succ_opt().unwrap_or(s.date()))),
        ))
    } else {
        None
    }
}

fn event_status(v: &str) -> Option<&'static str> {
    match v.trim().to_ascii_uppercase().replace('-', " ").as_str() {
        "CONFIRMED" | "ACCEPTED" | "COMPLETED" | "DELEGATED" => Some("CONFIRMED"),
        "TENTATIVE" => Some("TENTATIVE"),
        "DECLINED" | "CANCELLED" => Some("CANCELLED"),
        _ => None,
    }
}

fn todo_status(v: &str) -> Option<&'static str> {
    match v.trim().to_ascii_uppercase().replace('-', " ").as_str() {
        "NEEDS ACTION" | "SENT" => Some("NEEDS-ACTION"),
        "COMPLETED" => Some("COMPLETED"),
        "ACCEPTED" | "CONFIRMED" => Some("IN-PROCESS"),
        "DECLINED" | "CANCELLED" => Some("CANCELLED"),
        _ => None,
    }
}

fn partstat(v: &str) -> Option<&'static str> {
    match v.trim().to_ascii_uppercase().replace('-', " ").as_str() {
        "ACCEPTED" | "CONFIRMED" | "COMPLETED" => Some("ACCEPTED"),
        "DECLINED" => Some("DECLINED"),
        "TENTATIVE" => Some("TENTATIVE"),
        "DELEGATED" => Some("DELEGATED"),
        "NEEDS ACTION" | "SENT" => Some("NEEDS-ACTION"),
        _ => None,
    }
}

/// `Name <a@b>`, `"Doe, J" <a@b>`, `MAILTO:a@b`, `a@b` → (name, address).
pub fn parse_address(v: &str) -> (Option<String>, String) {
    let v = v.trim();
    let strip = |a: &str| {
        let a = a.trim();
        match a.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("mailto:") => a[7..].trim().to_string(),
            _ => a.to_string(),
        }
    };
    if let (Some(lt), true) = (v.rfind('<'), v.ends_with('>')) {
        let name = v[..lt].trim().trim_matches('"').trim();
        let addr = strip(&v[lt + 1..v.len() - 1]);
        let name = (!name.is_empty()).then(|| name.to_string());
        return (name, addr);
    }
    (None, strip(v))
}

fn address_uri(addr: &str) -> String {
    if addr.contains(':') || !addr.contains('@') && addr.contains(' ') {
        addr.to_string()
    } else {
        format!("mailto:{addr}")
    }
}

/// ATTENDEE (or ORGANIZER) of vCalendar 1.0 as an iCalendar property; `true` when it is the
/// organizer (ROLE=ORGANIZER).
fn attendee(p: &Property) -> (Property, bool) {
    let (name, addr) = parse_address(&unescape(&p.value));
    let up = |k: &str| param(p, k).map(|v| v.trim().to_ascii_uppercase());
    let role = up("ROLE");
    let organizer = p.name == "ORGANIZER" || role.as_deref() == Some("ORGANIZER");
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some(n) = name.or_else(|| param(p, "CN").map(str::to_string)) {
        params.push(("CN".into(), n));
    }
    if !organizer {
        let ical_role = match (role.as_deref(), up("EXPECT").as_deref()) {
            (Some("OWNER" | "CHAIR"), _) => Some("CHAIR"),
            (_, Some("REQUIRE" | "IMMEDIATE")) => Some("REQ-PARTICIPANT"),
            (_, Some("REQUEST")) => Some("OPT-PARTICIPANT"),
            (_, Some("FYI")) => Some("NON-PARTICIPANT"),
            _ => None,
        };
        if let Some(r) = ical_role {
            params.push(("ROLE".into(), r.into()));
        }
        if let Some(s) = up("STATUS").as_deref().and_then(partstat) {
            params.push(("PARTSTAT".into(), s.into()));
        }
        match up("RSVP").as_deref() {
            Some("YES" | "TRUE") => params.push(("RSVP".into(), "TRUE".into())),
            Some("NO" | "FALSE") => params.push(("RSVP".into(), "FALSE".into())),
            _ => {}
        }
    }
    params.extend(
        p.params
            .iter()
            .filter(|(k, _)| k.starts_with("X-"))
            .cloned(),
    );
    let name = if organizer { "ORGANIZER" } else { "ATTENDEE" };
    (
        Property {
            name: name.into(),
            params,
            value: address_uri(&addr),
        },
        organizer,
    )
}

/// One AALARM / DALARM / MALARM / PALARM line, split.
struct VAlarm {
    kind: String,
    run: String,
    snooze: String,
    repeat: String,
    /// Audio content, display string, or (MALARM) address then note.
    extra: Vec<String>,
    /// An AALARM at the same time was folded into this DALARM.
    with_audio: bool,
}

fn read_alarm(p: &Property) -> VAlarm {
    let mut parts = split_compound(&p.value).into_iter();
    let mut next = || parts.next().unwrap_or_default().trim().to_string();
    let (run, snooze, repeat) = (next(), next(), next());
    let extra: Vec<String> = parts.take(4).map(|v| v.trim().to_string()).collect();
    VAlarm {
        kind: p.name.clone(),
        run,
        snooze,
        repeat,
        extra,
        with_audio: false,
    }
}

/// The alarms of an event: a DALARM and an AALARM at the same run time are one DISPLAY alarm.
fn group_alarms(c: &Component) -> Vec<VAlarm> {
    let mut out: Vec<VAlarm> = Vec::new();
    for p in c
        .properties
        .iter()
        .filter(|p| matches!(p.name.as_str(), "AALARM" | "DALARM" | "MALARM"))
    {
        let a = read_alarm(p);
        let pair = |o: &VAlarm| {
            o.run == a.run
                && ((o.kind == "DALARM" && a.kind == "AALARM" && !o.with_audio)
                    || (o.kind == "AALARM" && a.kind == "DALARM"))
        };
        match out.iter_mut().find(|o| pair(o)) {
            Some(o) if o.kind == "AALARM" => {
                *o = VAlarm {
                    with_audio: true,
                    ..a
                }
            }
            Some(o) => o.with_audio = true,
            None => out.push(a),
        }
    }
    out
}

fn alarm_component(a: &VAlarm, start: Option<&EventTime>, ctx: &Ctx) -> Option<Component> {
    let trigger = if a.run.starts_with(['-', '+', 'P', 'p']) {
        let secs = parse_duration(&a.run)?;
        prop("TRIGGER", format_duration(secs))
    } else {
        let run = ctx.time(&a.run)?;
        let before = match (start, &run) {
            (Some(EventTime::Date(d)), _) => Some((midnight(*d) - ctx.wall(&a.run)?).num_seconds()),
            (Some(s), _) => match (ctx.instant(s), ctx.instant(&run), s, &run) {
                (Some(s), Some(r), _, _) => Some((s - r).num_seconds()),
                (
                    _,
                    _,
                    EventTime::DateTime {
                        local: s,
                        zone: Zone::Floating,
                    },
                    EventTime::DateTime {
                        local: r,
                        zone: Zone::Floating,
                    },
                ) => Some((*s - *r).num_seconds()),
                _ => None,
            },
            (None, _) => None,
        };
        match (before, ctx.instant(&run)) {
            (Some(b), _) => prop("TRIGGER", format_duration(-b)),
            (None, Some(r)) => Property {
                name: "TRIGGER".into(),
                params: vec![("VALUE".into(), "DATE-TIME".into())],
                value: format_utc(&Utc.from_utc_datetime(&r)),
            },
            (None, None) => return None,
        }
    };
    let mut properties = Vec::new();
    let text = |name: &str, v: &str| prop(name, escape_text(v));
    match a.kind.as_str() {
        "DALARM" => {
            properties.push(prop("ACTION", "DISPLAY"));
            properties.push(trigger);
            if let Some(d) = a.extra.first().filter(|d| !d.is_empty()) {
                properties.push(text("DESCRIPTION", d));
            }
        }
        "AALARM" => {
            properties.push(prop("ACTION", "AUDIO"));
            properties.push(trigger);
            if let Some(uri) = a.extra.first().filter(|u| !u.is_empty()) {
                properties.push(prop("ATTACH", uri.clone()));
            }
        }
        _ => {
            properties.push(prop("ACTION", "EMAIL"));
            properties.push(trigger);
            let note = a.extra.get(1).cloned().unwrap_or_default();
            properties.push(text("DESCRIPTION", &note));
            properties.push(text("SUMMARY", &note));
            if let Some(addr) = a.extra.first().filter(|a| !a.is_empty()) {
                properties.push(prop("ATTENDEE", address_uri(&parse_address(addr).1)));
            }
        }
    }
    let repeat: u32 = a.repeat.parse().unwrap_or(0);
    if let (true, Some(snooze)) = (repeat > 0, parse_duration(&a.snooze)) {
        properties.push(prop("DURATION", format_duration(snooze)));
        properties.push(prop("REPEAT", repeat.to_string()));
    }
    Some(Component {
        name: "VALARM".into(),
        properties,
        components: Vec::new(),
    })
}

/// Writes time values, one property per run of values that share parameters.
fn time_list(name: &str, times: &[EventTime]) -> Vec<Property> {
    let mut out: Vec<Property> = Vec::new();
    for t in times {
        let (params, value) = format_time(t);
        match out.last_mut() {
            Some(last) if last.params == params => {
                last.value.push(',');
                last.value.push_str(&value);
            }
            _ => out.push(Property {
                name: name.into(),
                params,
                value,
            }),
        }
    }
    out
}

fn text_params(p: &Property) -> Vec<(String, String)> {
    p.params
        .iter()
        .filter(|(k, _)| k == "LANGUAGE" || k.starts_with("X-"))
        .cloned()
        .collect()
}

/// One VEVENT or VTODO.
fn convert_item(c: &Component, ctx: &Ctx) -> Component {
    let is_todo = c.name == "VTODO";
    let day = all_day(c, ctx);
    let start = match day {
        Some((d, _)) => Some(EventTime::Date(d)),
        None => first(c, "DTSTART").and_then(|p| ctx.time(&p.value)),
    };
    let mut props: Vec<Property> = Vec::new();
    let mut has_organizer = false;
    let has_rrule = first(c, "RRULE").is_some();
    for p in &c.properties {
        let value = p.value.trim();
        let keep = |props: &mut Vec<Property>, name: &str, v: String| {
            props.push(Property {
                name: name.into(),
                params: text_params(p),
                value: v,
            })
        };
        match p.name.as_str() {
            "DTSTART" => props.extend(start.iter().map(|t| time_prop("DTSTART", t))),
            "DTEND" => {
                let end = match day {
                    Some((_, end)) => end.map(EventTime::Date),
                    None => ctx.time(value),
                };
                props.extend(end.iter().map(|t| time_prop("DTEND", t)));
            }
            "DUE" => props.extend(ctx.time(value).iter().map(|t| time_prop("DUE", t))),
            "DCREATED" | "CREATED" | "LAST-MODIFIED" | "COMPLETED" => {
                let name = if p.name == "DCREATED" {
                    "CREATED"
                } else {
                    &p.name
                };
                if let Some(t) = ctx.time(value).and_then(|t| ctx.instant(&t)) {
                    props.push(prop(name, format_utc(&Utc.from_utc_datetime(&t))));
                }
            }
            "RECURRENCE-ID" | HINT_RECURRENCE_ID => {
                let t = match day {
                    Some(_) => ctx.wall(value).map(|w| EventTime::Date(w.date())),
                    None => ctx.time(value),
                };
                props.extend(t.iter().map(|t| time_prop("RECURRENCE-ID", t)));
            }
            "RRULE" | "EXRULE" => {
                let converted = rrule::parse_vcal(value).and_then(|r| {
                    let s = start.as_ref()?;
                    r.to_ical(|u| ctx.until(u, s))
                });
                match converted {
                    Some(r) => props.push(prop(&p.name, r)),
                    None => {
                        log::warn!(
                            "vCalendar: a {} this converter cannot read is kept as X-",
                            p.name
                        );
                        props.push(prop(
                            &format!("X-SYNCHRO-VCAL-{}", p.name),
                            escape_text(value),
                        ));
                    }
                }
            }
            HINT_RRULE if !has_rrule => props.push(prop("RRULE", unescape(value))),
            "EXDATE" | "RDATE" => {
                let times: Vec<EventTime> = value
                    .split([';', ','])
                    .filter(|v| !v.trim().is_empty())
                    .filter_map(|v| match day {
                        Some(_) => ctx.wall(v).map(|w| EventTime::Date(w.date())),
                        None => ctx.time(v),
                    })
                    .collect();
                props.extend(time_list(&p.name, &times));
            }
            "AALARM" | "DALARM" | "MALARM" => {}
            "ATTENDEE" | "ORGANIZER" => {
                let (mut a, organizer) = attendee(p);
                if organizer && has_organizer {
                    a.name = "ATTENDEE".into();
                }
                has_organizer |= organizer;
                props.push(a);
            }
            "CATEGORIES" | "RESOURCES" => {
                let items: Vec<String> = split_compound(value)
                    .iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(escape_text)
                    .collect();
                if !items.is_empty() {
                    keep(&mut props, &p.name, items.join(","));
                }
            }
            "STATUS" => {
                let mapped = if is_todo {
                    todo_status(value)
                } else {
                    event_status(value)
                };
                match mapped {
                    Some(s) => props.push(prop("STATUS", s)),
                    None => props.push(prop(HINT_STATUS, escape_text(&unescape(value)))),
                }
            }
            "TRANSP" => {
                let opaque = matches!(value.to_ascii_uppercase().as_str(), "0" | "OPAQUE" | "");
                props.push(prop(
                    "TRANSP",
                    if opaque { "OPAQUE" } else { "TRANSPARENT" },
                ));
            }
            "CLASS" => props.push(prop("CLASS", value.to_ascii_uppercase())),
            "UID" | "URL" | "SEQUENCE" | "PRIORITY" | "PERCENT-COMPLETE" => {
                props.push(prop(&p.name, unescape(value)))
            }
            "ATTACH" => {
                let mut params: Vec<(String, String)> = Vec::new();
                match param(p, "ENCODING") {
                    Some(_) => {
                        params.push(("ENCODING".into(), "BASE64".into()));
                        params.push(("VALUE".into(), "BINARY".into()));
                    }
                    None if value.contains(':') => params.push(("VALUE".into(), "URI".into())),
                    None => {}
                }
                props.push(Property {
                    name: "ATTACH".into(),
                    params,
                    value: value.to_string(),
                });
            }
            "PALARM" => props.push(prop("X-SYNCHRO-VCAL-PALARM", escape_text(value))),
            // Our own hints and properties with no iCalendar meaning.
            HINT_RRULE | HINT_STATUS | EXDATE_DETACHED | "RNUM" | "TZ" | "DAYLIGHT" | "DTSTAMP" => {
            }
            _ => keep(&mut props, &p.name, escape_text(&unescape(&p.value))),
        }
    }
    if first(c, "UID").is_none() {
        log::debug!("vCalendar item without UID");
    }
    props.insert(
        usize::from(props.first().is_some_and(|p| p.name == "UID")),
        prop("DTSTAMP", format_utc(&Utc::now())),
    );
    let components = group_alarms(c)
        .iter()
        .filter_map(|a| alarm_component(a, start.as_ref(), ctx))
        .collect();
    Component {
        name: c.name.clone(),
        properties: props,
        components,
    }
}

/// Drops from the masters the EXDATEs that our own writer added for exceptions it sent
/// alongside (see [`super::ical_to_vcal`]).
fn restore_exceptions(items: &mut [Component]) {
    let key = |c: &Component| first(c, "UID").map(|p| p.value.trim().to_string());
    let rids: Vec<(Option<String>, EventTime)> = items
        .iter()
        .filter_map(|c| {
            let r = first(c, "RECURRENCE-ID")?;
            Some((
                key(c),
                parse_time_value(&r.value, param(r, "VALUE"), param(r, "TZID"))?,
            ))
        })
        .collect();
    if rids.is_empty() {
        return;
    }
    for m in items
        .iter_mut()
        .filter(|c| c.name == "VEVENT" && first(c, "RECURRENCE-ID").is_none())
    {
        let uid = key(m);
        let gone: Vec<&EventTime> = rids
            .iter()
            .filter(|(u, _)| *u == uid)
            .map(|(_, t)| t)
            .collect();
        for p in m.properties.iter_mut().filter(|p| p.name == "EXDATE") {
            let kept: Vec<&str> = p
                .value
                .split(',')
                .filter(|v| {
                    let t = parse_time_value(v, param(p, "VALUE"), param(p, "TZID"));
                    !t.is_some_and(|t| gone.contains(&&t))
                })
                .collect();
            p.value = kept.join(",");
        }
        m.properties
            .retain(|p| p.name != "EXDATE" || !p.value.is_empty());
    }
}

/// See [`super::vcal_to_ical`].
pub fn vcal_to_ical(text: &str) -> Result<String> {
    let cal = lines::parse(text)?;
    let items: Vec<&Component> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT" || c.name == "VTODO")
        .collect();
    if items.is_empty() {
        return Err(Error::InvalidCalendar(
            "vCalendar: no VEVENT or VTODO".into(),
        ));
    }
    // TZ / DAYLIGHT belong to the VCALENDAR; some producers put them in the VEVENT.
    let holder = if first(&cal, "TZ").is_some() || first(&cal, "DAYLIGHT").is_some() {
        &cal
    } else {
        items[0]
    };
    let daylight: Vec<&str> = holder
        .properties
        .iter()
        .filter(|p| p.name == "DAYLIGHT")
        .map(|p| p.value.as_str())
        .collect();
    let zone = VcalZone::from_values(first(holder, "TZ").map(|p| p.value.as_str()), &daylight);
    let hint = first(&cal, HINT_TZID).map(|p| unescape(p.value.trim()));
    let start_local = first(items[0], "DTSTART")
        .and_then(|p| parse_date_time(&p.value))
        .map(|(t, _)| t)
        .unwrap_or_default();
    let mode = match zone {
        None => match hint {
            Some(h) => {
                let tz = tz::zone_of(&h);
                Mode::Named(h, tz)
            }
            None => Mode::Floating,
        },
        Some(z) => {
            let reference = z.local_to_utc(&start_local);
            match z.iana_zone(hint.as_deref(), &reference) {
                Some((name, tz)) => Mode::Named(name, Some(tz)),
                None => Mode::Offsets(z),
            }
        }
    };
    let ctx = Ctx { mode };
    let mut converted: Vec<Component> = items.iter().map(|c| convert_item(c, &ctx)).collect();
    restore_exceptions(&mut converted);
    let mut components = Vec::new();
    if let Mode::Named(name, Some(_)) = &ctx.mode {
        let year = start_local.year().clamp(1971, 2100);
        components.extend(tz::vtimezone(name, year));
    }
    components.extend(converted);
    let mut properties = vec![prop("VERSION", "2.0"), prop("PRODID", PRODID)];
    properties.extend(
        cal.properties
            .iter()
            .filter(|p| p.name.starts_with("X-") && p.name != HINT_TZID)
            .map(|p| Property {
                name: p.name.clone(),
                params: text_params(p),
                value: escape_text(&unescape(&p.value)),
            }),
    );
    Ok(write_calendar(&Component {
        name: "VCALENDAR".into(),
        properties,
        components,
    }))
}
