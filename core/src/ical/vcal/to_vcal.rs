//! iCalendar 2.0 to vCalendar 1.0: DTEND always (never DURATION), the event's zone as TZ /
//! DAYLIGHT with local times (other zones in UTC), RRULE in the vCalendar grammar, VALARM as
//! DALARM + AALARM / AALARM / MALARM, attendees, RECURRENCE-ID exceptions alongside.

use super::lines::{escape, write_line};
use super::rrule;
use super::zone::tz_values;
use super::{EXDATE_DETACHED, HINT_RECURRENCE_ID, HINT_RRULE, HINT_STATUS, HINT_TZID};
use crate::ical::event::alarm_from;
use crate::ical::values::{
    add_duration, param, parse_date_time, parse_duration, parse_time_list, parse_time_prop,
    split_text_list, unescape_text,
};
use crate::ical::{parse_calendar, tz, Component, Property, PRODID};
use crate::model::{AlarmAction, AlarmTrigger, EventTime, Zone};
use crate::{Error, Result};
use chrono::{Datelike, Duration, NaiveDateTime};

/// How this vCalendar writes times: the TZID whose times are written as local times.
struct Out {
    tzid: Option<String>,
}

fn fmt_local(t: &NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn fmt_utc(t: &NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

impl Out {
    /// A time as vCalendar writes it: dates at local midnight, the zone's times local, other
    /// zones in UTC, floating as floating.
    fn time(&self, t: &EventTime) -> String {
        match t {
            EventTime::Date(d) => fmt_local(&d.and_hms_opt(0, 0, 0).unwrap_or_default()),
            EventTime::DateTime { local, zone } => match zone {
                Zone::Utc => fmt_utc(local),
                Zone::Floating => fmt_local(local),
                Zone::Tzid(id) if Some(id) == self.tzid.as_ref() => fmt_local(local),
                Zone::Tzid(_) => match tz::to_utc(t) {
                    Some(u) => fmt_utc(&u.naive_utc()),
                    None => fmt_local(local),
                },
            },
        }
    }

    /// `t` moved by `secs`, as written by [`Out::time`] (in UTC when the zone is known);
    /// `None` when that falls outside the dates a calendar can hold.
    fn shifted(&self, t: &EventTime, secs: i64) -> Option<String> {
        let d = Duration::try_seconds(secs)?;
        Some(match t {
            EventTime::Date(day) => fmt_local(
                &day.and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .checked_add_signed(d)?,
            ),
            EventTime::DateTime { local, zone } => match (zone, tz::to_utc(t)) {
                (Zone::Floating, _) | (Zone::Tzid(_), None) => {
                    fmt_local(&local.checked_add_signed(d)?)
                }
                (_, Some(u)) => fmt_utc(&u.naive_utc().checked_add_signed(d)?),
                (Zone::Utc, None) => fmt_utc(&local.checked_add_signed(d)?),
            },
        })
    }
}

fn first<'a>(c: &'a Component, name: &str) -> Option<&'a Property> {
    c.properties.iter().find(|p| p.name == name)
}

fn text_params(p: &Property) -> Vec<(String, String)> {
    p.params
        .iter()
        .filter(|(k, _)| k == "LANGUAGE" || k.starts_with("X-"))
        .cloned()
        .collect()
}

fn line(name: &str, value: &str) -> String {
    write_line(name, &[], value)
}

/// An ATTENDEE / ORGANIZER line.
fn attendee_line(p: &Property) -> String {
    let a = crate::ical::event::attendee_from(p);
    let mut params: Vec<(String, String)> = Vec::new();
    let up = |k: &str| param(p, k).map(|v| v.trim().to_ascii_uppercase());
    if p.name == "ORGANIZER" {
        params.push(("ROLE".into(), "ORGANIZER".into()));
    } else {
        let (role, expect) = match up("ROLE").as_deref() {
            Some("CHAIR") => (Some("OWNER"), None),
            Some("REQ-PARTICIPANT") => (None, Some("REQUIRE")),
            Some("OPT-PARTICIPANT") => (None, Some("REQUEST")),
            Some("NON-PARTICIPANT") => (None, Some("FYI")),
            _ => (None, None),
        };
        if let Some(r) = role {
            params.push(("ROLE".into(), r.into()));
        }
        let status = match up("PARTSTAT").as_deref() {
            Some("NEEDS-ACTION") => Some("NEEDS ACTION"),
            Some("ACCEPTED") => Some("ACCEPTED"),
            Some("DECLINED") => Some("DECLINED"),
            Some("TENTATIVE") => Some("TENTATIVE"),
            Some("DELEGATED") => Some("DELEGATED"),
            _ => None,
        };
        if let Some(s) = status {
            params.push(("STATUS".into(), s.into()));
        }
        match up("RSVP").as_deref() {
            Some("TRUE") => params.push(("RSVP".into(), "YES".into())),
            Some("FALSE") => params.push(("RSVP".into(), "NO".into())),
            _ => {}
        }
        if let Some(e) = expect {
            params.push(("EXPECT".into(), e.into()));
        }
    }
    let value = match &a.name {
        Some(n) if n.contains([',', '<', '>', '"', ':', '@']) => {
            format!("\"{}\" <{}>", n.replace('"', "'"), a.email)
        }
        Some(n) => format!("{n} <{}>", a.email),
        None => a.email.clone(),
    };
    write_line("ATTENDEE", &params, &escape(&value))
}

/// The lines of one VALARM (empty when the model cannot read it).
fn alarm_lines(
    v: &Component,
    start: Option<&EventTime>,
    end: Option<&EventTime>,
    out: &Out,
) -> String {
    let Some(a) = alarm_from(v) else {
        return String::new();
    };
    let run = match &a.trigger {
        AlarmTrigger::BeforeStart(m) => start.and_then(|s| out.shifted(s, -m.saturating_mul(60))),
        AlarmTrigger::BeforeEnd(m) => end
            .or(start)
            .and_then(|e| out.shifted(e, -m.saturating_mul(60))),
        AlarmTrigger::At(t) => Some(fmt_utc(&t.naive_utc())),
    };
    // No time to run at (no start, or an offset beyond any date): nothing a phone can ring.
    let Some(run) = run else {
        log::warn!("an alarm without a usable run time is left out of the vCalendar");
        return String::new();
    };
    let snooze = first(v, "DURATION")
        .filter(|p| parse_duration(&p.value).is_some())
        .map(|p| p.value.trim().to_string())
        .unwrap_or_default();
    let repeat = first(v, "REPEAT")
        .and_then(|p| p.value.trim().parse::<u32>().ok())
        .filter(|_| !snooze.is_empty())
        .map(|n| n.to_string())
        .unwrap_or_default();
    let head = format!("{};{};{}", escape(&run), escape(&snooze), escape(&repeat));
    let desc = escape(a.description.as_deref().unwrap_or_default());
    match a.action {
        AlarmAction::Display => {
            line("DALARM", &format!("{head};{desc}")) + &line("AALARM", &format!("{head};"))
        }
        AlarmAction::Audio => {
            let uri = first(v, "ATTACH")
                .map(|p| p.value.trim())
                .unwrap_or_default();
            line("AALARM", &format!("{head};{}", escape(uri)))
        }
        AlarmAction::Email => {
            let to = first(v, "ATTENDEE")
                .map(|p| crate::ical::event::email_of(&p.value))
                .unwrap_or_default();
            line("MALARM", &format!("{head};{};{desc}", escape(&to)))
        }
    }
}

/// An RFC 5545 UNTIL as a vCalendar end date.
fn until(u: &str) -> Option<String> {
    let u = u.trim();
    if u.len() == 8 {
        return Some(format!("{u}T000000"));
    }
    let (t, utc) = parse_date_time(u)?;
    Some(if utc { fmt_utc(&t) } else { fmt_local(&t) })
}

/// One VEVENT or VTODO; `extra_exdates` are the RECURRENCE-IDs of exceptions written
/// alongside.
fn write_item(c: &Component, out: &Out, extra_exdates: &[EventTime]) -> String {
    let is_todo = c.name == "VTODO";
    let start = first(c, "DTSTART").and_then(parse_time_prop);
    let end = first(c, "DTEND").and_then(parse_time_prop).or_else(|| {
        let s = start.as_ref()?;
        match first(c, "DURATION").and_then(|p| parse_duration(&p.value)) {
            Some(secs) => add_duration(s, secs),
            None if is_todo => None,
            None => match s {
                EventTime::Date(d) => d.succ_opt().map(EventTime::Date),
                t => Some(t.clone()),
            },
        }
    });
    let mut s = format!("BEGIN:{}\r\n", c.name);
    let mut wrote_end = false;
    let mut wrote_categories = false;
    let has_status = first(c, "STATUS").is_some();
    let has_rrule = first(c, "RRULE").is_some();
    for p in &c.properties {
        let v = p.value.trim();
        match p.name.as_str() {
            "UID" | "SUMMARY" | "DESCRIPTION" | "LOCATION" | "COMMENT" | "CONTACT"
            | "RELATED-TO" => {
                s += &write_line(&p.name, &text_params(p), &escape(&unescape_text(v)));
            }
            "DTSTART" | "DUE" => {
                if let Some(t) = parse_time_prop(p) {
                    s += &line(&p.name, &out.time(&t));
                }
                if p.name == "DTSTART" && first(c, "DTEND").is_none() && !wrote_end {
                    if let Some(e) = &end {
                        s += &line("DTEND", &out.time(e));
                    }
                    wrote_end = true;
                }
            }
            "DTEND" | "DURATION" => {
                if !wrote_end {
                    if let Some(e) = &end {
                        s += &line("DTEND", &out.time(e));
                    }
                    wrote_end = true;
                }
            }
            "CREATED" => s += &line("DCREATED", v),
            "LAST-MODIFIED" | "COMPLETED" => s += &line(&p.name, v),
            "RECURRENCE-ID" => {
                if let Some(t) = parse_time_prop(p) {
                    s += &line(HINT_RECURRENCE_ID, &out.time(&t));
                }
            }
            "RRULE" | "EXRULE" => match rrule::parse_ical(v).and_then(|r| r.to_vcal(until)) {
                Some(r) => s += &line(&p.name, &r),
                None => {
                    log::info!(
                        "vCalendar: an {} with no vCalendar 1.0 form is kept as X-",
                        p.name
                    );
                    let name = if p.name == "RRULE" {
                        HINT_RRULE.to_string()
                    } else {
                        format!("X-SYNCHRO-ICAL-{}", p.name)
                    };
                    s += &line(&name, &escape(v));
                }
            },
            "X-SYNCHRO-VCAL-RRULE" if !has_rrule => s += &line("RRULE", &unescape_text(v)),
            "X-SYNCHRO-VCAL-PALARM" => s += &line("PALARM", &unescape_text(v)),
            "EXDATE" | "RDATE" => {
                let items: Vec<String> = parse_time_list(p).iter().map(|t| out.time(t)).collect();
                if !items.is_empty() {
                    s += &line(&p.name, &items.join(";"));
                }
            }
            "ATTENDEE" | "ORGANIZER" => s += &attendee_line(p),
            "CATEGORIES" | "RESOURCES" => {
                if p.name == "CATEGORIES" && wrote_categories {
                    continue;
                }
                let all: Vec<String> = c
                    .properties
                    .iter()
                    .filter(|q| q.name == p.name)
                    .flat_map(|q| split_text_list(&q.value))
                    .map(|x| escape(&x))
                    .collect();
                wrote_categories |= p.name == "CATEGORIES";
                if !all.is_empty() {
                    s += &write_line(&p.name, &text_params(p), &all.join(";"));
                }
            }
            "STATUS" => {
                let up = v.to_ascii_uppercase();
                let mapped = match (is_todo, up.as_str()) {
                    (_, "CANCELLED") => "DECLINED",
                    (true, "NEEDS-ACTION") => "NEEDS ACTION",
                    (true, "IN-PROCESS") => "ACCEPTED",
                    (_, other) => other,
                };
                s += &line("STATUS", &escape(mapped));
            }
            HINT_STATUS if !has_status => s += &line("STATUS", &escape(&unescape_text(v))),
            "TRANSP" => {
                let free = v.eq_ignore_ascii_case("TRANSPARENT");
                s += &line("TRANSP", if free { "1" } else { "0" });
            }
            "CLASS" | "URL" | "SEQUENCE" | "PRIORITY" | "PERCENT-COMPLETE" => {
                s += &line(&p.name, &escape(v))
            }
            "ATTACH" if param(p, "ENCODING").is_none() => s += &line("ATTACH", &escape(v)),
            // No vCalendar 1.0 form (or rebuilt from the model): dropped.
            "DTSTAMP"
            | "ATTACH"
            | "GEO"
            | "X-SYNCHRO-VCAL-RRULE"
            | HINT_STATUS
            | EXDATE_DETACHED => {}
            n if n.starts_with("X-") => {
                s += &write_line(n, &text_params(p), &escape(&unescape_text(v)));
            }
            n => s += &line(n, v),
        }
    }
    if !extra_exdates.is_empty() {
        let items: Vec<String> = extra_exdates.iter().map(|t| out.time(t)).collect();
        s += &line("EXDATE", &items.join(";"));
        s += &line(EXDATE_DETACHED, &items.join(";"));
    }
    for a in c.components.iter().filter(|a| a.name == "VALARM") {
        s += &alarm_lines(a, start.as_ref(), end.as_ref(), out);
    }
    s += &format!("END:{}\r\n", c.name);
    s
}

/// See [`super::ical_to_vcal`].
pub fn ical_to_vcal(text: &str) -> Result<String> {
    let cal = parse_calendar(text)?;
    let items: Vec<&Component> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT" || c.name == "VTODO")
        .collect();
    if items.is_empty() {
        return Err(Error::InvalidCalendar("no VEVENT or VTODO".into()));
    }
    let is_master = |c: &&Component| first(c, "RECURRENCE-ID").is_none();
    let master = items.iter().copied().find(is_master).unwrap_or(items[0]);
    let start = first(master, "DTSTART").and_then(parse_time_prop);
    let tzid = match &start {
        Some(EventTime::DateTime {
            zone: Zone::Tzid(id),
            ..
        }) => Some(id.clone()),
        _ => None,
    };
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:1.0\r\n");
    s += &line("PRODID", &escape(PRODID));
    if let (Some(id), Some(EventTime::DateTime { local, .. })) = (&tzid, &start) {
        if let Some(zone) = tz::zone_of(id) {
            let first_year = local.year().clamp(1971, 2100);
            let last_year = last_year(master).unwrap_or(first_year);
            let last_year = last_year.clamp(first_year, first_year + 5);
            let (std, daylight) = tz_values(&zone, first_year..=last_year);
            s += &line("TZ", &std);
            for d in daylight {
                s += &line("DAYLIGHT", &d);
            }
        }
        s += &line(HINT_TZID, &escape(id));
    }
    for p in cal.properties.iter().filter(|p| p.name.starts_with("X-")) {
        s += &write_line(&p.name, &text_params(p), &escape(&unescape_text(&p.value)));
    }
    let out = Out { tzid };
    let uid = |c: &Component| first(c, "UID").map(|p| p.value.trim().to_string());
    for c in &items {
        let extra: Vec<EventTime> = if is_master(c) && c.name == "VEVENT" {
            let own: Vec<EventTime> = c
                .properties
                .iter()
                .filter(|p| p.name == "EXDATE")
                .flat_map(parse_time_list)
                .collect();
            items
                .iter()
                .filter(|x| !is_master(x) && uid(x) == uid(c))
                .filter_map(|x| first(x, "RECURRENCE-ID").and_then(parse_time_prop))
                .filter(|t| !own.contains(t))
                .collect()
        } else {
            Vec::new()
        };
        s += &write_item(c, &out, &extra);
    }
    s += "END:VCALENDAR\r\n";
    Ok(s)
}

/// The last year the master's RRULE reaches (its UNTIL, or a few years for COUNT / forever).
fn last_year(master: &Component) -> Option<i32> {
    let r = first(master, "RRULE")?.value.to_ascii_uppercase();
    let until = r
        .split(';')
        .find_map(|p| p.strip_prefix("UNTIL="))
        .and_then(|u| u.get(..4))
        .and_then(|y| y.parse().ok());
    Some(until.unwrap_or(i32::MAX))
}
