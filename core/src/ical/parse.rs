//! Text to the generic [`Component`] tree, on the `icalendar` crate's parser; values are kept
//! verbatim (the crate unescapes TEXT values, so the raw value is re-read from the line).

use super::{Component, Property};
use crate::{Error, Result};
use icalendar::parser;

/// Deepest component nesting accepted (VCALENDAR > VEVENT > VALARM is 3).
const MAX_DEPTH: usize = 32;

/// Parses one VCALENDAR (see [`super::parse_calendar`]).
pub fn parse_calendar(text: &str) -> Result<Component> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let unfolded = parser::unfold(text);
    // One line ending, so a value never runs over a line when endings are mixed.
    let normal = unfolded.replace("\r\n", "\n").replace('\r', "\n");
    let normal = normal.trim_start_matches(['\n', ' ', '\t']);
    if normal.trim().is_empty() {
        return Err(Error::InvalidCalendar("empty input".into()));
    }
    check_nesting(normal)?;
    match top_level_batches(normal) {
        Some((header, batches)) => parse_in_batches(&header, &batches),
        None => parse_normal(normal),
    }
}

/// Top-level components parsed together at most: the `icalendar` parser's time grows with
/// the square of a component's size, so a large calendar is parsed in slices.
const BATCH: usize = 32;

/// For a VCALENDAR with more than [`BATCH`] sub-components: its own property lines and its
/// sub-components in slices of [`BATCH`], as text (`normal` is unfolded, `\n`-separated and
/// properly nested). `None` for smaller input.
fn top_level_batches(normal: &str) -> Option<(String, Vec<String>)> {
    let mut header = String::new();
    let mut batches: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_batch = 0usize;
    let mut depth = 0usize;
    let mut roots = 0usize;
    for line in normal.split('\n') {
        let upper = line.trim_start().get(..6).map(str::to_ascii_uppercase);
        let begins = upper.as_deref() == Some("BEGIN:");
        let ends = line
            .trim_start()
            .get(..4)
            .is_some_and(|s| s.eq_ignore_ascii_case("END:"));
        if begins {
            depth += 1;
            if depth == 1 {
                roots += 1;
            }
        }
        match depth {
            0 => {}
            1 if !begins && !ends => {
                header.push_str(line);
                header.push('\n');
            }
            1 => {}
            _ => {
                current.push_str(line);
                current.push('\n');
            }
        }
        if ends {
            if depth == 2 {
                in_batch += 1;
                if in_batch == BATCH {
                    batches.push(std::mem::take(&mut current));
                    in_batch = 0;
                }
            }
            depth = depth.saturating_sub(1);
        }
    }
    if roots != 1 || batches.is_empty() {
        return None;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    Some((header, batches))
}

/// Parses a large VCALENDAR slice by slice (see [`top_level_batches`]).
fn parse_in_batches(header: &str, batches: &[String]) -> Result<Component> {
    let mut root = parse_normal(&format!("BEGIN:VCALENDAR\n{header}END:VCALENDAR\n"))?;
    for batch in batches {
        let part = parse_normal(&format!("BEGIN:VCALENDAR\n{batch}END:VCALENDAR\n"))?;
        root.components.extend(part.components);
    }
    Ok(root)
}

/// Parses unfolded, `\n`-separated, properly nested text holding one VCALENDAR.
fn parse_normal(normal: &str) -> Result<Component> {
    let roots = parser::read_components(normal).map_err(|e| syntax_error(&e))?;
    let mut roots = roots.into_iter();
    let root = match (roots.next(), roots.next()) {
        (Some(root), None) => root,
        (None, _) => return Err(Error::InvalidCalendar("no component".into())),
        (Some(_), Some(_)) => {
            return Err(Error::InvalidCalendar(
                "more than one top-level component".into(),
            ))
        }
    };
    let root = convert(normal, &root)?;
    if root.name != "VCALENDAR" {
        return Err(Error::InvalidCalendar(format!(
            "top-level component is {}, not VCALENDAR",
            root.name
        )));
    }
    Ok(root)
}

/// Rejects unbalanced or absurdly deep BEGIN/END before the recursive parser sees them.
fn check_nesting(text: &str) -> Result<()> {
    let mut stack: Vec<String> = Vec::new();
    for line in text.lines() {
        let upper = line.trim_start().to_ascii_uppercase();
        if let Some(name) = upper.strip_prefix("BEGIN:") {
            stack.push(name.trim().to_string());
            if stack.len() > MAX_DEPTH {
                return Err(Error::InvalidCalendar(
                    "components nested too deeply".into(),
                ));
            }
        } else if let Some(name) = upper.strip_prefix("END:") {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                Some(open) => {
                    return Err(Error::InvalidCalendar(format!(
                        "END:{} closes BEGIN:{open}",
                        name.trim()
                    )))
                }
                None => return Err(Error::InvalidCalendar("END without BEGIN".into())),
            }
        }
    }
    match stack.last() {
        Some(open) => Err(Error::InvalidCalendar(format!(
            "missing END:{open} (truncated data?)"
        ))),
        None => Ok(()),
    }
}

/// A short message from the parser's error (the line number only: no content, which may be
/// personal data).
fn syntax_error(message: &str) -> Error {
    let line = message
        .split("line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|n| !n.is_empty());
    Error::InvalidCalendar(match line {
        Some(n) => format!("syntax error at line {n} (after unfolding)"),
        None => "syntax error".into(),
    })
}

fn convert(input: &str, c: &parser::Component<'_>) -> Result<Component> {
    let name = c.name.as_str().to_ascii_uppercase();
    if name.is_empty() {
        return Err(Error::InvalidCalendar("component without a name".into()));
    }
    // The `icalendar` parser reads a line without ':' on into the next one (its parameters
    // then hold a line break): that would merge two properties into one.
    let spans_lines = |s: &str| s.contains(['\n', '\r']);
    if c.properties.iter().any(|p| {
        spans_lines(p.name.as_str())
            || p.params.iter().any(|param| {
                spans_lines(param.key.as_str())
                    || param.val.as_ref().is_some_and(|v| spans_lines(v.as_str()))
            })
    }) {
        return Err(Error::InvalidCalendar(format!(
            "a line without ':' in {name}"
        )));
    }
    let properties: Vec<Property> = c
        .properties
        .iter()
        .map(|p| convert_property(input, p))
        .collect();
    // `END` alone on a line is read as a property: written back it would close a component.
    if properties
        .iter()
        .any(|p| p.name == "BEGIN" || p.name == "END")
    {
        return Err(Error::InvalidCalendar(format!(
            "a BEGIN or END line without a component name in {name}"
        )));
    }
    if properties.iter().any(|p| p.name.is_empty()) {
        return Err(Error::InvalidCalendar(format!(
            "a line without a property name in {name}"
        )));
    }
    Ok(Component {
        name,
        properties,
        components: c
            .components
            .iter()
            .map(|s| convert(input, s))
            .collect::<Result<_>>()?,
    })
}

fn convert_property(input: &str, p: &parser::Property<'_>) -> Property {
    let params = p
        .params
        .iter()
        .map(|param| {
            (
                param.key.as_str().to_ascii_uppercase(),
                param
                    .val
                    .as_ref()
                    .map(|v| param_value(v.as_str()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let value = raw_value(input, p.name.as_str()).unwrap_or_else(|| {
        // Not found in the input (cannot happen with the current parser): fall back to the
        // parser's value, escaped again where it unescaped it.
        let v = p.val.as_str();
        if is_text(p.name.as_str()) {
            super::values::escape_text(v)
        } else {
            v.to_string()
        }
    });
    Property {
        name: p.name.as_str().to_ascii_uppercase(),
        params,
        value: super::values::clean_value(&value).into_owned(),
    }
}

/// A parameter value as the writer can give it back: control characters dropped, a value
/// left in its quotes unquoted, and a DQUOTE inside a value that is not a quoted list read as
/// `'` (iCalendar cannot write it; the writer writes `'`).
fn param_value(v: &str) -> String {
    let v: String = v
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    let quoted = v.len() >= 2 && v.starts_with('"') && v.ends_with('"');
    if quoted && v.contains("\",\"") {
        // A list of quoted values (`"a","b"`): the writer keeps it as it is.
        return v;
    }
    // One value still in its quotes (the parser leaves them on `""x""`): what it holds.
    let inner = if quoted {
        &v[1..v.len() - 1]
    } else {
        v.as_str()
    };
    inner.replace('"', "'")
}

/// Properties the `icalendar` parser unescapes.
fn is_text(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "SUMMARY"
            | "DESCRIPTION"
            | "LOCATION"
            | "COMMENT"
            | "CONTACT"
            | "PRODID"
            | "METHOD"
            | "CALSCALE"
            | "VERSION"
            | "CLASS"
            | "STATUS"
            | "TRANSP"
            | "UID"
            | "TZID"
            | "TZNAME"
            | "ACTION"
            | "RELATED-TO"
    )
}

/// The verbatim value of the property whose name is the slice `name` of `input`: the rest of
/// its line after the first `:` outside a quoted parameter value.
fn raw_value(input: &str, name: &str) -> Option<String> {
    let base = input.as_ptr() as usize;
    let start = (name.as_ptr() as usize).checked_sub(base)?;
    if start + name.len() > input.len() || !input.is_char_boundary(start) {
        return None;
    }
    let rest = &input[start + name.len()..];
    let line = rest.split('\n').next().unwrap_or(rest);
    let mut in_quotes = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => return Some(line[i + 1..].to_string()),
            _ => {}
        }
    }
    Some(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_verbatim_and_params_unquoted() {
        let cal = parse_calendar(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY;LANGUAGE=de:Hallo\\, Welt\\n\r\n \
             zweite\r\nATTENDEE;CN=\"Doe, J: x;y\";x-foo=bar:mailto:a@b.c\r\nEND:VEVENT\r\n\
             END:VCALENDAR",
        )
        .unwrap();
        let ev = &cal.components[0];
        assert_eq!(ev.properties[0].value, "Hallo\\, Welt\\nzweite");
        assert_eq!(
            ev.properties[0].params,
            vec![("LANGUAGE".into(), "de".into())]
        );
        assert_eq!(ev.properties[1].value, "mailto:a@b.c");
        assert_eq!(
            ev.properties[1].params,
            vec![
                ("CN".into(), "Doe, J: x;y".into()),
                ("X-FOO".into(), "bar".into())
            ]
        );
    }

    #[test]
    fn lf_and_mixed_line_endings() {
        let cal = parse_calendar(
            "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\r\nUID:1\nSUMMARY:x\r\nEND:VEVENT\nEND:VCALENDAR\n",
        )
        .unwrap();
        assert_eq!(cal.properties[0].value, "2.0");
        assert_eq!(cal.components[0].properties[0].value, "1");
        assert_eq!(cal.components[0].properties[1].value, "x");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in [
            "",
            "   \r\n",
            "garbage",
            "BEGIN:VCALENDAR\r\n",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\n",
            "BEGIN:VCALENDAR\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nEND:VEVENT\r\n",
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            "END:VCALENDAR",
            "BEGIN:",
            "BEGIN:VCALENDAR\r\n:no name\r\nEND:VCALENDAR\r\n",
        ] {
            let err = parse_calendar(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidCalendar(_)), "{bad:?}: {err}");
        }
        let deep = "BEGIN:X\n".repeat(10_000);
        assert!(parse_calendar(&deep).is_err());
    }

    #[test]
    fn error_messages_carry_no_content() {
        let err = parse_calendar("BEGIN:VCALENDAR\r\nSECRET TITLE HERE\r\nEND:VCALENDAR\r\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn a_large_calendar_parses_in_slices_to_the_same_tree() {
        let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n");
        for i in 0..(BATCH * 3 + 5) {
            text.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART:20250101T000000Z\r\nSUMMARY:a long \r\n summary {i}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
            ));
        }
        text.push_str("X-AFTER:1\r\nEND:VCALENDAR\r\n");
        let normal = text.replace("\r\n ", "").replace("\r\n", "\n");
        assert!(top_level_batches(&normal).is_some());
        let sliced = parse_calendar(&text).unwrap();
        let whole = parse_normal(&normal).unwrap();
        assert_eq!(sliced.components, whole.components);
        let mut a = sliced.properties.clone();
        let mut b = whole.properties.clone();
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        assert_eq!(a, b);
        assert_eq!(sliced.components.len(), BATCH * 3 + 5);
        // Truncated input is still an error, never a partial calendar.
        assert!(parse_calendar(&text[..text.len() - 20]).is_err());
    }
}
