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
    let head = join_calendars_with(objects.iter().map(Ok), &mut |text| {
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
/// than time zones to `body` as each object is read (only one object is held at a time).
/// Returns the head that goes before that text: BEGIN, the first object's calendar
/// properties, the time zones once each; [`JOINED_END`] goes after it.
///
/// Objects of the usual shape are joined at text level: their components are copied as
/// they are written (line endings made CRLF), without building a tree. An object of any
/// other shape, or that does not parse, goes through the parser (which reports the error).
pub fn join_calendars_with<S: AsRef<str>>(
    objects: impl IntoIterator<Item = Result<S>>,
    body: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<String> {
    let mut properties: Option<Vec<Property>> = None;
    // Each time zone once, by TZID, as text.
    let mut zones: Vec<(Option<String>, String)> = Vec::new();
    let mut add_zone = |id: Option<String>, text: String| {
        if !zones.iter().any(|(z, _)| *z == id) {
            zones.push((id, text));
        }
    };
    let mut text = String::new();
    for object in objects {
        let object = object?;
        let object = object.as_ref();
        if properties.is_none() {
            properties = Some(parse_calendar(object)?.properties);
        }
        if let Some(parts) = text_parts(object) {
            for part in &parts.components {
                text.clear();
                for line in &parts.lines[part.lines.clone()] {
                    text.push_str(line);
                    text.push_str("\r\n");
                }
                match &part.zone {
                    Some(id) => add_zone(id.clone(), std::mem::take(&mut text)),
                    None => body(&text)?,
                }
            }
            continue;
        }
        let cal = parse_calendar(object)?;
        for c in cal.components {
            text.clear();
            write_component(&mut text, &c);
            if c.name == "VTIMEZONE" {
                add_zone(tzid_of(&c).map(str::to_string), std::mem::take(&mut text));
            } else {
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
        components: Vec::new(),
    });
    debug_assert!(head.ends_with(JOINED_END));
    head.truncate(head.len() - JOINED_END.len());
    for (_, zone) in zones {
        head.push_str(&zone);
    }
    Ok(head)
}

/// One object's top-level components as text: its physical lines (line ends removed) and,
/// per component, the range of lines it spans and, for a time zone, its TZID.
pub(super) struct TextParts<'a> {
    lines: Vec<&'a str>,
    components: Vec<TextComponent>,
}

pub(super) struct TextComponent {
    lines: std::ops::Range<usize>,
    /// `Some` for a VTIMEZONE: its TZID, if it has one.
    zone: Option<Option<String>>,
}

/// Reads `text` as one VCALENDAR at text level, or `None` when it is not of the usual shape
/// (a lone CR, a line the parser would refuse, a nesting it would refuse): the caller then
/// parses it. Lines are unfolded only to read a BEGIN, an END or a TZID.
pub(super) fn text_parts(text: &str) -> Option<TextParts<'_>> {
    use super::parse::{split_name, split_params, MAX_DEPTH};
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut lines: Vec<&str> = Vec::with_capacity(text.len() / 40 + 1);
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.contains('\r') {
            return None;
        }
        lines.push(line);
    }
    let mut components = Vec::new();
    // The names of the open components, outermost first.
    let mut stack: Vec<String> = Vec::new();
    let mut closed = false;
    // The top-level component being read: its first line and, for a time zone, its TZID.
    let mut start = 0;
    let mut tzid: Option<String> = None;
    let mut i = 0;
    let mut unfolded = String::new();
    while i < lines.len() {
        let first = i;
        i += 1;
        while i < lines.len() && lines[i].starts_with([' ', '\t']) {
            i += 1;
        }
        let line: &str = if i - first == 1 {
            lines[first]
        } else {
            unfolded.clear();
            unfolded.push_str(lines[first]);
            for cont in &lines[first + 1..i] {
                // Starts with a blank (ASCII): 1 is a character boundary.
                unfolded.push_str(&cont[1..]);
            }
            &unfolded
        };
        if line.trim_end().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) || closed {
            return None;
        }
        let (name, rest) = split_name(line);
        let begin = name.eq_ignore_ascii_case("BEGIN");
        if begin || name.eq_ignore_ascii_case("END") {
            let value = rest.strip_prefix(':')?.trim();
            let (cname, after) = split_name(value);
            if cname.is_empty() || !after.is_empty() {
                return None;
            }
            if begin {
                if stack.len() >= MAX_DEPTH
                    || (stack.is_empty() && !cname.eq_ignore_ascii_case("VCALENDAR"))
                {
                    return None;
                }
                if stack.len() == 1 {
                    start = first;
                    tzid = None;
                }
                stack.push(cname.to_ascii_uppercase());
            } else {
                let done = stack.pop()?;
                if !done.eq_ignore_ascii_case(cname) {
                    return None;
                }
                match stack.len() {
                    0 => closed = true,
                    1 => components.push(TextComponent {
                        lines: start..i,
                        zone: (done == "VTIMEZONE").then(|| tzid.take()),
                    }),
                    _ => {}
                }
            }
            continue;
        }
        if name.is_empty() || stack.is_empty() {
            return None;
        }
        let value = match rest.strip_prefix(':') {
            Some(value) => value,
            None => split_params(rest)?.1,
        };
        if stack.len() == 2
            && tzid.is_none()
            && stack[1] == "VTIMEZONE"
            && name.eq_ignore_ascii_case("TZID")
        {
            tzid = Some(super::values::clean_value(value).into_owned());
        }
    }
    closed.then_some(TextParts { lines, components })
}
