//! iCalendar value types: TEXT escaping, DATE / DATE-TIME, DURATION and UTC-OFFSET, to and
//! from their textual form.

use crate::model::{EventTime, Zone};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::Property;

/// Escapes a model string as an iCalendar TEXT value (`\\`, `\;`, `\,`, newline as `\n`).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A property value as it can stand in a content line: a line break (which only a writer
/// fed by another format can meet) becomes the TEXT escape `\\n`, and other control
/// characters, which iCalendar does not allow, are removed (tab is kept). Parsing applies the
/// same, so that parse, write and parse again give the same value.
pub fn clean_value(s: &str) -> std::borrow::Cow<'_, str> {
    // ASCII text (nearly all) is checked byte by byte; the other control characters (C1,
    // U+0080 to U+009F) only occur in text that is not ASCII.
    let clean = if s.is_ascii() {
        !s.bytes().any(|b| b.is_ascii_control() && b != b'\t')
    } else {
        !s.chars().any(|c| c.is_control() && c != '\t')
    };
    if clean {
        return std::borrow::Cow::Borrowed(s);
    }
    let joined = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(joined.len());
    for c in joined.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Unescapes an iCalendar TEXT value (`\n`/`\N`, `\,`, `\;`, `\\`; a stray `\:` too). Unknown
/// escapes are kept as written.
pub fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('N') => out.push('\n'),
            Some(c @ ('\\' | ',' | ';' | ':')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a raw TEXT list (`a\,b,c`) on unescaped commas and unescapes each item; empty items
/// are dropped.
pub fn split_text_list(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in raw.chars() {
        if escaped {
            cur.push('\\');
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            items.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if escaped {
        cur.push('\\');
    }
    items.push(cur);
    items
        .iter()
        .map(|s| unescape_text(s.trim()))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses `YYYYMMDD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

/// Parses `YYYYMMDDTHHMMSS` with an optional trailing `Z`; returns the time and whether it was
/// UTC. Leap second 60 is clamped to 59.
pub fn parse_date_time(s: &str) -> Option<(NaiveDateTime, bool)> {
    let s = s.trim();
    let (body, utc) = match s.strip_suffix(['Z', 'z']) {
        Some(b) => (b, true),
        None => (s, false),
    };
    let (date, time) = body.split_once(['T', 't'])?;
    let date = parse_date(date)?;
    // Some producers omit the seconds (`T1000`).
    let time = match time.len() {
        6 => time,
        4 => &format!("{time}00"),
        _ => return None,
    };
    if !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| time[r].parse::<u32>().ok();
    let (h, m, sec) = (num(0..2)?, num(2..4)?, num(4..6)?.min(59));
    Some((date.and_time(NaiveTime::from_hms_opt(h, m, sec)?), utc))
}

/// The value of a parameter (name compared case-insensitively).
pub fn param<'a>(prop: &'a Property, name: &str) -> Option<&'a str> {
    prop.params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One DATE or DATE-TIME value, in the context of a property's parameters.
pub fn parse_time_value(
    value: &str,
    value_type: Option<&str>,
    tzid: Option<&str>,
) -> Option<EventTime> {
    let value = value.trim();
    let is_date = value_type.is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || (value.len() == 8 && !value.contains(['T', 't']));
    if is_date {
        // A DATE-TIME with VALUE=DATE: keep its date.
        return parse_date(value)
            .or_else(|| parse_date_time(value).map(|(dt, _)| dt.date()))
            .map(EventTime::Date);
    }
    let (local, utc) = parse_date_time(value)?;
    let zone = if utc {
        Zone::Utc
    } else {
        match tzid.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Zone::Tzid(t.to_string()),
            None => Zone::Floating,
        }
    };
    Some(EventTime::DateTime { local, zone })
}

/// A DTSTART / DTEND / RECURRENCE-ID property as an [`EventTime`].
pub fn parse_time_prop(prop: &Property) -> Option<EventTime> {
    parse_time_value(&prop.value, param(prop, "VALUE"), param(prop, "TZID"))
}

/// The values of an RDATE / EXDATE line (comma list). PERIOD values keep their start;
/// unreadable items are skipped.
pub fn parse_time_list(prop: &Property) -> Vec<EventTime> {
    let vt = param(prop, "VALUE").filter(|v| !v.eq_ignore_ascii_case("PERIOD"));
    prop.value
        .split(',')
        .filter_map(|item| {
            let item = item.split('/').next().unwrap_or(item);
            parse_time_value(item, vt, param(prop, "TZID"))
        })
        .collect()
}

/// The parameters and value that write an [`EventTime`].
pub fn format_time(t: &EventTime) -> (Vec<(String, String)>, String) {
    match t {
        EventTime::Date(d) => (vec![("VALUE".into(), "DATE".into())], date_text(d)),
        EventTime::DateTime { local, zone } => {
            let mut v = date_time_text(local);
            match zone {
                Zone::Utc => {
                    v.push('Z');
                    (Vec::new(), v)
                }
                Zone::Floating => (Vec::new(), v),
                Zone::Tzid(tz) => (vec![("TZID".into(), tz.clone())], v),
            }
        }
    }
}

/// A UTC instant as `YYYYMMDDTHHMMSSZ`.
pub fn format_utc(t: &DateTime<Utc>) -> String {
    let mut v = date_time_text(&t.naive_utc());
    v.push('Z');
    v
}

/// `d` as `YYYYMMDD`, the text chrono's `%Y%m%d` gives (which writes years outside 0 to
/// 9999 with a sign: those go through it).
pub(crate) fn date_text(d: &NaiveDate) -> String {
    use chrono::Datelike;
    use std::fmt::Write;
    if !(0..=9999).contains(&d.year()) {
        return d.format("%Y%m%d").to_string();
    }
    let mut out = String::with_capacity(16);
    let _ = write!(out, "{:04}{:02}{:02}", d.year(), d.month(), d.day());
    out
}

/// `t` as `YYYYMMDDTHHMMSS`, the text chrono's `%Y%m%dT%H%M%S` gives (a leap second, `60`,
/// goes through it).
pub(crate) fn date_time_text(t: &NaiveDateTime) -> String {
    use chrono::Timelike;
    use std::fmt::Write;
    if t.nanosecond() >= 1_000_000_000 {
        return t.format("%Y%m%dT%H%M%S").to_string();
    }
    let mut out = date_text(&t.date());
    let _ = write!(out, "T{:02}{:02}{:02}", t.hour(), t.minute(), t.second());
    out
}

/// Parses a DURATION (`-P1DT2H`, `PT15M`, `P2W`) into seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut total: i64 = 0;
    let mut num: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if num.is_none() => in_time = true,
            d if d.is_ascii_digit() => {
                let digit = i64::from(d.to_digit(10)?);
                num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(digit)?);
            }
            unit => {
                let n = num.take()?;
                let mult = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(mult)?)?;
                any = true;
            }
        }
    }
    if num.is_some() || !any {
        return None;
    }
    Some(sign * total)
}

/// Writes a number of seconds as a DURATION, in the largest whole unit.
pub fn format_duration(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let a = secs.unsigned_abs();
    if a == 0 {
        return "PT0S".into();
    }
    if a.is_multiple_of(604_800) {
        return format!("{sign}P{}W", a / 604_800);
    }
    if a.is_multiple_of(86_400) {
        return format!("{sign}P{}D", a / 86_400);
    }
    let (d, rem) = (a / 86_400, a % 86_400);
    let mut out = format!("{sign}P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    out.push('T');
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// The end of an event that starts at `start` and lasts `secs` (wall-clock arithmetic; for
/// dates whole days, rounded down, at least the start date).
pub fn add_duration(start: &EventTime, secs: i64) -> Option<EventTime> {
    let delta = chrono::Duration::try_seconds(secs)?;
    match start {
        EventTime::Date(d) => {
            let days = chrono::Duration::try_days(secs.div_euclid(86_400))?;
            d.checked_add_signed(days).map(EventTime::Date)
        }
        EventTime::DateTime { local, zone } => Some(EventTime::DateTime {
            local: local.checked_add_signed(delta)?,
            zone: zone.clone(),
        }),
    }
}

/// Writes a UTC offset in seconds as `+HHMM` (or `+HHMMSS`).
pub fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_written_as_chrono_writes_them() {
        let dates = [
            (0, 1, 1),
            (1, 2, 3),
            (99, 12, 31),
            (999, 6, 15),
            (1970, 1, 1),
            (2024, 2, 29),
            (2026, 11, 30),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 1, 1),
            (-45, 3, 15),
        ];
        for (y, m, d) in dates {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(date_text(&date), date.format("%Y%m%d").to_string());
            for (h, mi, sec, nano) in [
                (0, 0, 0, 0),
                (9, 5, 7, 0),
                (23, 59, 59, 999_999_999),
                (23, 59, 59, 1_500_000_000),
                (12, 30, 0, 1),
            ] {
                let t = date.and_hms_nano_opt(h, mi, sec, nano).unwrap();
                assert_eq!(date_time_text(&t), t.format("%Y%m%dT%H%M%S").to_string());
                let utc = t.and_utc();
                assert_eq!(format_utc(&utc), utc.format("%Y%m%dT%H%M%SZ").to_string());
            }
        }
    }

    #[test]
    fn text_escaping_round_trips() {
        let s = "a,b;c\\d\nnext line";
        assert_eq!(escape_text(s), "a\\,b\\;c\\\\d\\nnext line");
        assert_eq!(unescape_text(&escape_text(s)), s);
        assert_eq!(unescape_text("x\\Ny\\:z\\q"), "x\ny:z\\q");
        assert_eq!(escape_text("a\r\nb"), "a\\nb");
    }

    #[test]
    fn text_lists_split_on_unescaped_commas() {
        assert_eq!(split_text_list("a\\,b,c, d,"), vec!["a,b", "c", "d"]);
        assert!(split_text_list("").is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("-PT15M"), Some(-900));
        assert_eq!(parse_duration("P1D"), Some(86_400));
        assert_eq!(parse_duration("P1DT2H3M4S"), Some(93_784));
        assert_eq!(parse_duration("+P2W"), Some(1_209_600));
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("P1H"), None);
        assert_eq!(parse_duration("-"), None);
        assert_eq!(parse_duration("P99999999999999999999D"), None);
        for s in [0, 60, -900, 3600, 86_400, -86_400 * 2, 93_784, 604_800] {
            assert_eq!(parse_duration(&format_duration(s)), Some(s), "{s}");
        }
    }

    #[test]
    fn date_times() {
        let (dt, utc) = parse_date_time("20240301T093000Z").unwrap();
        assert!(utc);
        assert_eq!(dt.to_string(), "2024-03-01 09:30:00");
        assert_eq!(
            parse_date_time("20240301T0930").unwrap().0.to_string(),
            "2024-03-01 09:30:00"
        );
        assert!(parse_date_time("20241301T093000").is_none());
        assert!(parse_date_time("2024-03-01").is_none());
        assert_eq!(
            parse_time_value("20240301", None, Some("Europe/Paris")),
            Some(EventTime::Date(
                NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
            ))
        );
    }

    #[test]
    fn offsets() {
        assert_eq!(format_offset(3600), "+0100");
        assert_eq!(format_offset(-16200), "-0430");
        assert_eq!(format_offset(561), "+000921");
    }
}
