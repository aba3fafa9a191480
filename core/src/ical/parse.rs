//! Text to the generic [`Component`] tree, in one pass over the input: unfolding, line
//! splitting, BEGIN/END nesting and each content line (name, parameters, value kept
//! verbatim) cost time linear in the input. Only whole characters are ever sliced (every
//! split point is an ASCII delimiter), and no input panics.

use super::{Component, Property};
use crate::{Error, Result};

/// Deepest component nesting accepted (VCALENDAR > VEVENT > VALARM is 3).
pub(super) const MAX_DEPTH: usize = 32;

/// Parses one VCALENDAR (see [`super::parse_calendar`]).
pub fn parse_calendar(text: &str) -> Result<Component> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normal = unfold(text);
    let normal = normal.trim_start_matches(['\n', ' ', '\t']);
    if normal.trim().is_empty() {
        return Err(Error::InvalidCalendar("empty input".into()));
    }
    let mut stack: Vec<Component> = Vec::new();
    let mut root: Option<Component> = None;
    for (index, raw) in normal.split('\n').enumerate() {
        let line = raw.trim_start_matches([' ', '\t']);
        if line.trim_end().is_empty() {
            continue;
        }
        let number = index + 1;
        let (name, rest) = split_name(line);
        if name.eq_ignore_ascii_case("BEGIN") || name.eq_ignore_ascii_case("END") {
            let Some(value) = rest.strip_prefix(':') else {
                return Err(syntax_error(number));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("BEGIN") {
                let (cname, after) = split_name(value);
                if cname.is_empty() || !after.is_empty() {
                    return Err(Error::InvalidCalendar("component without a name".into()));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(Error::InvalidCalendar(
                        "more than one top-level component".into(),
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::InvalidCalendar(
                        "components nested too deeply".into(),
                    ));
                }
                stack.push(Component {
                    name: cname.to_ascii_uppercase(),
                    properties: Vec::new(),
                    components: Vec::new(),
                });
            } else {
                let Some(done) = stack.pop() else {
                    return Err(Error::InvalidCalendar("END without BEGIN".into()));
                };
                if !done.name.eq_ignore_ascii_case(value) {
                    return Err(Error::InvalidCalendar(format!(
                        "END:{} closes BEGIN:{}",
                        value.to_ascii_uppercase(),
                        done.name
                    )));
                }
                match stack.last_mut() {
                    Some(parent) => parent.components.push(done),
                    None => root = Some(done),
                }
            }
            continue;
        }
        let Some(current) = stack.last_mut() else {
            return Err(syntax_error(number));
        };
        if name.is_empty() {
            return Err(Error::InvalidCalendar(format!(
                "a line without a property name in {}",
                current.name
            )));
        }
        let (params, value) = split_params(rest).ok_or_else(|| syntax_error(number))?;
        current.properties.push(Property {
            name: name.to_ascii_uppercase(),
            params,
            // Control characters as the writer treats them (a round trip is stable).
            value: super::values::clean_value(value).into_owned(),
        });
    }
    if let Some(open) = stack.last() {
        return Err(Error::InvalidCalendar(format!(
            "missing END:{} (truncated data?)",
            open.name
        )));
    }
    let root = root.ok_or_else(|| Error::InvalidCalendar("no component".into()))?;
    if root.name != "VCALENDAR" {
        return Err(Error::InvalidCalendar(format!(
            "top-level component is {}, not VCALENDAR",
            root.name
        )));
    }
    Ok(root)
}

/// Joins folded lines (a line end followed by one space or tab) and turns every line end
/// (CRLF, LF, a lone CR) into `\n`, in one pass.
fn unfold(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut start = 0; // start of the run of bytes not yet copied
    let mut i = 0;
    while i < bytes.len() {
        let (end_len, newline) = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => (2, true),
            b'\r' => (1, false),
            b'\n' => (1, true),
            _ => {
                i += 1;
                continue;
            }
        };
        // `i` and `i + end_len` are at ASCII bytes: both are character boundaries.
        out.push_str(&text[start..i]);
        let next = i + end_len;
        if newline && matches!(bytes.get(next), Some(b' ' | b'\t')) {
            start = next + 1; // a fold: drop the line end and the one blank
        } else {
            out.push('\n');
            start = next;
        }
        i = start;
    }
    out.push_str(&text[start..]);
    out
}

/// Characters of a property, parameter or component name (as the `icalendar` crate had
/// them: letters and digits of any script, `-`, `_`, `.`, `,`, `/`).
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ',' | '/')
}

/// The leading name of `s` and the rest (both split at a character boundary).
pub(super) fn split_name(s: &str) -> (&str, &str) {
    // Names are nearly always ASCII: their bytes are looked at one by one, and only from the
    // first non-ASCII byte (a character boundary) on are characters decoded.
    let bytes = s.as_bytes();
    let ascii_end = bytes
        .iter()
        .position(|&b| !b.is_ascii() || !is_name_char(char::from(b)))
        .unwrap_or(bytes.len());
    let end = match bytes.get(ascii_end) {
        Some(b) if !b.is_ascii() => s[ascii_end..]
            .char_indices()
            .find(|&(_, c)| !is_name_char(c))
            .map_or(s.len(), |(i, _)| ascii_end + i),
        _ => ascii_end,
    };
    s.split_at(end)
}

/// Parameters and value of a content line after its name: `;KEY=VALUE...:value`. A line
/// holding only a name has an empty value. Parameter names are upper-cased; a quoted value
/// loses its quotes, a list of quoted values is kept as written. `None` on bad syntax.
#[allow(clippy::type_complexity)]
pub(super) fn split_params(mut rest: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut params = Vec::new();
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Some((params, value));
        }
        if rest.trim_end().is_empty() && params.is_empty() {
            return Some((params, ""));
        }
        let after = rest.strip_prefix(';')?;
        let after = after.trim_start_matches([' ', '\t']);
        let (key, after) = split_name(after);
        if key.is_empty() {
            return None;
        }
        let key = key.to_ascii_uppercase();
        let Some(after) = after.strip_prefix('=') else {
            params.push((key, String::new()));
            rest = after;
            continue;
        };
        let (value, after) = param_value(after)?;
        params.push((key, value));
        rest = after;
    }
}

/// One parameter value at the start of `s`, and what follows it.
fn param_value(s: &str) -> Option<(String, &str)> {
    if !s.starts_with('"') {
        let end = s.find([';', ':']).unwrap_or(s.len());
        // A DQUOTE inside an unquoted value cannot be written back in iCalendar (the writer
        // writes `'`): read it as the writer gives it back, so a round trip is stable.
        let value = s[..end]
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .map(|c| if c == '"' { '\'' } else { c })
            .collect();
        return Some((value, &s[end..]));
    }
    // `"a"` or `"a","b",...`; `find` returns ASCII positions, so every slice is on a
    // character boundary.
    let mut end = 0;
    let mut count = 0;
    loop {
        let body = &s[end + 1..];
        let close = body.find('"')?;
        end = end + 1 + close + 1;
        count += 1;
        if s[end..].starts_with(",\"") {
            end += 1;
        } else {
            break;
        }
    }
    let raw = if count == 1 {
        &s[1..end - 1]
    } else {
        &s[..end]
    };
    let value = raw
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    Some((value, &s[end..]))
}

/// A short error naming the line (after unfolding), never its content (personal data).
fn syntax_error(line: usize) -> Error {
    Error::InvalidCalendar(format!("syntax error at line {line} (after unfolding)"))
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
mod linear_tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn event_with(lines: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n")
    }

    #[test]
    fn multibyte_names_and_odd_lines_never_panic() {
        for lines in [
            "X-A\u{e9}:1\r\n",
            "\u{e9}\u{e9}\u{e9}\r\n",
            "X;\u{e9}=\"\u{e9}:\r\n",
            "X;A=\"\u{e9}\",\"\r\n",
            "X;A=\"\u{e9}\"\u{e9}:v\r\n",
            "X;A\r\n",
            "X;;:v\r\n",
            "BEGIN:\u{e9}\r\nEND:\u{e9}\r\n",
            "BEGIN;X=1:VALARM\r\n",
            "END\r\n",
            "\r\n \u{e9}\r\n\t\u{e9}\r",
        ] {
            let text = event_with(lines);
            for cut in 0..=text.len() {
                if let Some(part) = text.get(..cut) {
                    let _ = parse_calendar(part);
                }
            }
        }
        let cal = parse_calendar(&event_with("X-A\u{e9}:1\r\n")).unwrap();
        assert_eq!(cal.components[0].properties[0].name, "X-A\u{e9}");
        assert_eq!(cal.components[0].properties[0].value, "1");
    }

    #[test]
    fn names_end_at_the_first_character_outside_a_name_ascii_or_not() {
        assert_eq!(split_name("DTSTART;TZID=X:1"), ("DTSTART", ";TZID=X:1"));
        assert_eq!(split_name("X-A\u{e9}\u{e9}B:1"), ("X-A\u{e9}\u{e9}B", ":1"));
        assert_eq!(split_name("\u{e9}t\u{e9}"), ("\u{e9}t\u{e9}", ""));
        assert_eq!(split_name("X-\u{e9}\u{2014}:1"), ("X-\u{e9}", "\u{2014}:1"));
        assert_eq!(split_name("a.b,c/d_e-f g"), ("a.b,c/d_e-f", " g"));
        assert_eq!(split_name(":v"), ("", ":v"));
    }

    #[test]
    fn control_characters_in_values_go_whatever_the_script() {
        let cal = parse_calendar(&event_with(
            "SUMMARY:a\u{1}b\tc\r\nLOCATION:\u{e9}\u{85}\u{9f}d\u{7f}\r\nDESCRIPTION:plain\r\n",
        ))
        .unwrap();
        let values: Vec<&str> = cal.components[0]
            .properties
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        assert_eq!(values, ["ab\tc", "\u{e9}d", "plain"]);
    }

    #[test]
    fn parameters_as_before() {
        let cal = parse_calendar(&event_with(
            "A;X=\"p\",\"q\";Y=plain,list;Z;W=:v:w\r\nB\r\nC; K=\"x;y:z\":\r\n",
        ))
        .unwrap();
        let p = &cal.components[0].properties;
        assert_eq!(
            p[0].params,
            vec![
                ("X".into(), "\"p\",\"q\"".into()),
                ("Y".into(), "plain,list".into()),
                ("Z".into(), String::new()),
                ("W".into(), String::new()),
            ]
        );
        assert_eq!(p[0].value, "v:w");
        assert_eq!((p[1].name.as_str(), p[1].value.as_str()), ("B", ""));
        assert_eq!(p[2].params, vec![("K".into(), "x;y:z".into())]);
        for bad in ["A;X=\"open:v\r\n", "A;=1:v\r\n", "A B:v\r\n", "A;X=1\r\n"] {
            assert!(parse_calendar(&event_with(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unfolding_in_one_pass() {
        assert_eq!(unfold("a\r\n b\n\tc\rd\r\ne"), "abc\nd\ne");
        assert_eq!(unfold("\u{e9}\r\n \u{e9}"), "\u{e9}\u{e9}");
        assert_eq!(unfold("x\r\n"), "x\n");
    }

    fn time(text: &str) -> Duration {
        let start = Instant::now();
        let cal = parse_calendar(text).unwrap();
        assert!(!cal.components.is_empty());
        start.elapsed()
    }

    #[test]
    fn one_large_component_parses_in_linear_time() {
        // 100k properties in one VEVENT (about 1.3 MB) took minutes with the quadratic
        // parser; allow a generous margin for a busy machine and a debug build.
        let lines = |n: usize| {
            (0..n)
                .map(|i| format!("X-P{i};X-A=\"a\":value {i}\\, more\r\n"))
                .collect::<String>()
        };
        let small = event_with(&lines(10_000));
        let large = event_with(&lines(100_000));
        let t_small = (0..3).map(|_| time(&small)).min().unwrap();
        let t_large = (0..3).map(|_| time(&large)).min().unwrap();
        assert!(t_large < Duration::from_secs(20), "{t_large:?}");
        assert!(
            t_large < t_small * 40 + Duration::from_millis(200),
            "10k: {t_small:?}, 100k: {t_large:?}"
        );
    }
}
