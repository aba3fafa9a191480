//! Merging a device's [`Event`] into the server's iCalendar object: only what the model holds
//! is replaced; everything else (X- properties, attendee parameters, VTIMEZONEs, unknown
//! components, alarms the model cannot read) is kept byte for byte.

use super::event::{
    alarm_component, alarm_from, attendee_from, attendee_prop, attendee_uri, dtstamp_now, email_of,
    event_from_calendar, exception_component, exception_from_vevent, exception_indexes, is_any,
    master_index, set_attendee_params, ExField, Field,
};
use super::{parse_calendar, tzids_used, write_calendar, Component, Property};
use crate::model::{Attendee, Event, Exception};
use crate::{Error, Result};

/// See [`super::merge_event`].
pub fn merge_event(server_ics: &str, event: &Event) -> Result<String> {
    let mut cal = parse_calendar(server_ics)?;
    let m = master_index(&cal).ok_or_else(|| Error::InvalidCalendar("no VEVENT".into()))?;
    let server = event_from_calendar(&cal)?;
    let tzids_before = tzids_used(&cal);
    let ex_idx = exception_indexes(&cal, m);

    merge_master(&mut cal.components[m], &server, event);

    // Exceptions: update the ones the event still has, drop the others, add the new ones.
    let mut matched = vec![false; event.exceptions.len()];
    let mut remove = Vec::new();
    for &i in &ex_idx {
        let Some(old) = exception_from_vevent(&cal.components[i]) else {
            continue; // unreadable RECURRENCE-ID: not the model's, keep it
        };
        let found = event
            .exceptions
            .iter()
            .enumerate()
            .find(|(j, x)| !matched[*j] && x.recurrence_id == old.recurrence_id);
        match found {
            Some((j, new)) => {
                matched[j] = true;
                merge_exception(&mut cal.components[i], &old, new, event);
            }
            None => remove.push(i),
        }
    }
    let master_copy = cal.components[m].clone();
    let mut insert_at = ex_idx.iter().copied().chain([m]).max().unwrap_or(m) + 1;
    let mut added = Vec::new();
    for (j, x) in event.exceptions.iter().enumerate() {
        if !matched[j] {
            added.push(new_exception(&master_copy, event, x));
        }
    }
    for i in remove.iter().rev() {
        cal.components.remove(*i);
        if *i < insert_at {
            insert_at -= 1;
        }
    }
    for (k, c) in added.into_iter().enumerate() {
        cal.components.insert(insert_at + k, c);
    }

    // VTIMEZONEs for TZIDs the merge introduced.
    let have: Vec<String> = cal
        .components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .filter_map(|c| c.properties.iter().find(|p| p.name == "TZID"))
        .map(|p| p.value.clone())
        .collect();
    let first_event = cal
        .components
        .iter()
        .position(|c| c.name == "VEVENT")
        .unwrap_or(0);
    let year = super::year_of(&event.start);
    for tzid in tzids_used(&cal) {
        if !tzids_before.contains(&tzid) && !have.contains(&tzid) {
            if let Some(vtz) = super::tz::vtimezone(&tzid, year) {
                cal.components.insert(first_event, vtz);
            }
        }
    }
    Ok(write_calendar(&cal))
}

/// Removes the properties named `names` and puts `new` where the first of them was (or at
/// the end).
fn replace_group(c: &mut Component, names: &[&str], new: Vec<Property>) {
    let pos = c.properties.iter().position(|p| is_any(p, names));
    c.properties.retain(|p| !is_any(p, names));
    let pos = pos.unwrap_or(c.properties.len()).min(c.properties.len());
    c.properties.splice(pos..pos, new);
}

fn set_prop(c: &mut Component, p: Property, after: &str) {
    if let Some(old) = c.properties.iter_mut().find(|q| q.name == p.name) {
        *old = p;
    } else {
        let pos = c
            .properties
            .iter()
            .position(|q| q.name == after)
            .map_or(0, |i| i + 1);
        c.properties.insert(pos, p);
    }
}

fn has(c: &Component, name: &str) -> bool {
    c.properties.iter().any(|p| p.name == name)
}

fn merge_master(c: &mut Component, old: &Event, new: &Event) {
    if old.uid != new.uid {
        set_prop(c, super::event::prop("UID", new.uid.as_str()), "");
    }
    set_prop(c, dtstamp_now(), "UID");
    for f in Field::ALL {
        match f {
            Field::Attendees => merge_attendees(c, &old.attendees, &new.attendees),
            Field::Organizer if old.organizer != new.organizer => {
                let news: Vec<Attendee> = new.organizer.iter().cloned().collect();
                merge_people(c, "ORGANIZER", &news);
            }
            Field::Organizer => {}
            Field::End => {
                let start_moved = !Field::Start.same(old, new) && has(c, "DURATION");
                if start_moved || !f.same(old, new) {
                    replace_group(c, f.names(), f.write(new));
                }
            }
            f if !f.same(old, new) => replace_group(c, f.names(), f.write(new)),
            _ => {}
        }
    }
    merge_alarms(c, new);
}

fn merge_attendees(c: &mut Component, old: &[Attendee], new: &[Attendee]) {
    if old != new {
        merge_people(c, "ATTENDEE", new);
    }
}

/// Rewrites the `name` properties for `people`, reusing (with all their parameters) the
/// server's properties of the same e-mail address.
fn merge_people(c: &mut Component, name: &str, people: &[Attendee]) {
    let mut server: Vec<Option<Property>> = c
        .properties
        .iter()
        .filter(|p| p.name == name)
        .cloned()
        .map(Some)
        .collect();
    let mut out = Vec::new();
    for a in people {
        let found = server.iter_mut().find(|s| {
            s.as_ref()
                .is_some_and(|p| email_of(&p.value).eq_ignore_ascii_case(&a.email))
        });
        match found.and_then(Option::take) {
            Some(mut p) => {
                let parsed = attendee_from(&p);
                if parsed.email != a.email {
                    p.value = attendee_uri(&a.email);
                }
                if parsed != *a {
                    set_attendee_params(&mut p, a);
                }
                out.push(p);
            }
            None => out.push(attendee_prop(name, a)),
        }
    }
    replace_group(c, &[name], out);
}

/// Keeps the server's VALARMs that equal an event alarm, and those the model cannot read;
/// drops the other ones and adds the event's alarms that are new.
fn merge_alarms(c: &mut Component, e: &Event) {
    let mut used = vec![false; e.alarms.len()];
    c.components.retain(|sub| {
        if sub.name != "VALARM" {
            return true;
        }
        let Some(alarm) = alarm_from(sub) else {
            return true;
        };
        match e
            .alarms
            .iter()
            .enumerate()
            .find(|(i, a)| !used[*i] && **a == alarm)
        {
            Some((i, _)) => {
                used[i] = true;
                true
            }
            None => false,
        }
    });
    for (i, a) in e.alarms.iter().enumerate() {
        if !used[i] {
            c.components.push(alarm_component(a));
        }
    }
}

fn merge_exception(c: &mut Component, old: &Exception, new: &Exception, e: &Event) {
    set_prop(c, dtstamp_now(), "UID");
    let mut changed = false;
    for f in ExField::ALL {
        let start_moved = f == ExField::End && !ExField::Start.same(old, new) && has(c, "DURATION");
        if start_moved || !f.same(old, new) {
            replace_group(c, f.names(), f.write(new));
            changed = true;
        }
    }
    if changed && has(c, "SEQUENCE") {
        set_prop(
            c,
            super::event::prop("SEQUENCE", e.sequence.to_string()),
            "",
        );
    }
}

/// Properties of the master an added exception does not inherit.
const NOT_INHERITED: &[&str] = &[
    "UID",
    "DTSTAMP",
    "SEQUENCE",
    "RRULE",
    "RDATE",
    "EXDATE",
    "EXRULE",
    "DTSTART",
    "DTEND",
    "DURATION",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "STATUS",
    "RECURRENCE-ID",
    "CREATED",
    "LAST-MODIFIED",
];

/// A new exception VEVENT: the model's fields, plus what the master holds that the model does
/// not (attendees with their parameters, X- properties, alarms), as clients do.
fn new_exception(master: &Component, e: &Event, x: &Exception) -> Component {
    let mut c = exception_component(e, x);
    c.properties.extend(
        master
            .properties
            .iter()
            .filter(|p| !is_any(p, NOT_INHERITED))
            .cloned(),
    );
    c.components = master.components.clone();
    c
}
