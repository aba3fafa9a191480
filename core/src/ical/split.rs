//! One calendar file to one iCalendar object per UID, and back.

use super::event::uid;
use super::write::write_component;
use super::{parse_calendar, tzids_used, write_calendar, Component, Property};
use crate::Result;

fn tzid_of(c: &Component) -> Option<&str> {
    c.properties
        .iter()
        .find(|p| p.name == "TZID")
        .map(|p| p.value.as_str())
}

/// See [`super::split_calendar`].
pub fn split_calendar(ics: &str) -> Result<Vec<String>> {
    let cal = parse_calendar(ics)?;
    let zones: Vec<&Component> = cal
        .components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .collect();
    let mut groups: Vec<(String, Vec<Component>)> = Vec::new();
    for c in cal.components.iter().filter(|c| c.name != "VTIMEZONE") {
        let Some(u) = uid(c).filter(|u| !u.is_empty()) else {
            log::debug!("split_calendar: skipping a {} without UID", c.name);
            continue;
        };
        match groups.iter_mut().find(|(g, _)| g == u) {
            Some((_, members)) => members.push(c.clone()),
            None => groups.push((u.to_string(), vec![c.clone()])),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(_, members)| {
            let mut object = Component {
                name: "VCALENDAR".into(),
                properties: cal.properties.clone(),
                components: members,
            };
            let used = tzids_used(&object);
            let mut tzs: Vec<Component> = Vec::new();
            for tzid in &used {
                if let Some(z) = zones.iter().find(|z| tzid_of(z) == Some(tzid.as_str())) {
                    tzs.push((*z).clone());
                }
            }
            object.components.splice(0..0, tzs);
            write_calendar(&object)
        })
        .collect())
}

/// See [`super::join_calendars`].
pub fn join_calendars<S: AsRef<str>>(objects: &[S]) -> Result<String> {
    let mut body = String::with_capacity(objects.iter().map(|o| o.as_ref().len()).sum());
    let head = join_calendars_with(objects, &mut |text| {
        body.push_str(text);
        Ok(())
    })?;
    // The head goes in front, in place.
    body.reserve(head.len() + JOINED_END.len());
    body.insert_str(0, &head);
    body.push_str(JOINED_END);
    Ok(body)
}

/// The last line of a joined calendar.
pub const JOINED_END: &str = "END:VCALENDAR\r\n";

/// Joins `objects` as `join_calendars` does, handing the text of every component other
/// than time zones to `body` as each object is read (only one object's tree is held at a
/// time). Returns the head that goes before that text: BEGIN, the first object's calendar
/// properties, the time zones once each; [`JOINED_END`] goes after it.
pub fn join_calendars_with<S: AsRef<str>>(
    objects: &[S],
    body: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<String> {
    let mut properties: Option<Vec<Property>> = None;
    let mut zones: Vec<Component> = Vec::new();
    let mut text = String::new();
    for object in objects {
        let cal = parse_calendar(object.as_ref())?;
        properties.get_or_insert(cal.properties);
        for c in cal.components {
            if c.name == "VTIMEZONE" {
                let id = tzid_of(&c).map(str::to_string);
                if !zones.iter().any(|z| tzid_of(z).map(str::to_string) == id) {
                    zones.push(c);
                }
            } else {
                text.clear();
                write_component(&mut text, &c);
                body(&text)?;
            }
        }
    }
    let mut properties = properties.unwrap_or_default();
    if !properties.iter().any(|p| p.name == "VERSION") {
        properties.insert(0, super::event::prop("VERSION", "2.0"));
    }
    if !properties.iter().any(|p| p.name == "PRODID") {
        properties.insert(1, super::event::prop("PRODID", super::PRODID));
    }
    // The calendar as one component would be written (BEGIN, properties, zones, the other
    // components, END), less its END.
    let mut head = write_calendar(&Component {
        name: "VCALENDAR".into(),
        properties,
        components: zones,
    });
    debug_assert!(head.ends_with(JOINED_END));
    head.truncate(head.len() - JOINED_END.len());
    Ok(head)
}
