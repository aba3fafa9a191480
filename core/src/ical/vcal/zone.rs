//! vCalendar 1.0 time zones: TZ and DAYLIGHT read into offset rules (local times to UTC, and
//! the IANA zone they describe when one matches), and written from a tz database zone.

use crate::ical::tz;
use crate::ical::tz::Tz;
use crate::ical::tzdb;
use crate::ical::values::parse_date_time;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// One DAYLIGHT:TRUE line: the offset in force from `start` to `end` (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DstRule {
    /// Offset during daylight saving time, seconds east of UTC.
    pub offset: i32,
    /// UTC start of daylight saving time.
    pub start: NaiveDateTime,
    /// UTC end of daylight saving time.
    pub end: NaiveDateTime,
}

/// The TZ and DAYLIGHT properties of a vCalendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcalZone {
    /// Standard offset (TZ), seconds east of UTC.
    pub standard: i32,
    /// DAYLIGHT:TRUE lines.
    pub rules: Vec<DstRule>,
}

/// Parses `+01`, `+01:00`, `-0500`, `+5`, `Z`: seconds east of UTC.
pub fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("Z") {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => (1, s),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        3 => (
            digits[..1].parse::<i32>().ok()?,
            digits[1..].parse::<i32>().ok()?,
        ),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// `+01:00` for 3600.
pub fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

impl VcalZone {
    /// The zone of TZ and DAYLIGHT values (as written, decoded); `None` without TZ and without
    /// a DAYLIGHT:TRUE line. Unreadable DAYLIGHT lines are skipped.
    pub fn from_values(tz: Option<&str>, daylight: &[&str]) -> Option<VcalZone> {
        let standard = tz.and_then(parse_offset);
        let mut rules = Vec::new();
        for d in daylight {
            let parts: Vec<&str> = d.split(';').map(str::trim).collect();
            if !parts
                .first()
                .is_some_and(|f| f.eq_ignore_ascii_case("TRUE"))
            {
                continue;
            }
            let Some(offset) = parts.get(1).and_then(|o| parse_offset(o)) else {
                continue;
            };
            let std = standard.unwrap_or(offset - 3600);
            let at = |i: usize, local_offset: i32| {
                let (t, utc) = parse_date_time(parts.get(i)?)?;
                Some(if utc {
                    t
                } else {
                    t - Duration::seconds(i64::from(local_offset))
                })
            };
            // A local start is in standard time, a local end in daylight time.
            if let (Some(start), Some(end)) = (at(2, std), at(3, offset)) {
                rules.push(DstRule { offset, start, end });
            }
        }
        if standard.is_none() && rules.is_empty() {
            return None;
        }
        let standard = standard.unwrap_or_else(|| rules[0].offset - 3600);
        Some(VcalZone { standard, rules })
    }

    /// The offset in force at a UTC instant.
    pub fn offset_at(&self, utc: &NaiveDateTime) -> i32 {
        self.rules
            .iter()
            .find(|r| r.start <= *utc && *utc < r.end)
            .map_or(self.standard, |r| r.offset)
    }

    /// A local time of this zone as UTC (daylight time when the result falls in a rule).
    pub fn local_to_utc(&self, local: &NaiveDateTime) -> NaiveDateTime {
        for r in &self.rules {
            let u = *local - Duration::seconds(i64::from(r.offset));
            if r.start <= u && u < r.end {
                return u;
            }
        }
        *local - Duration::seconds(i64::from(self.standard))
    }

    /// A UTC instant as a local time of this zone.
    pub fn utc_to_local(&self, utc: &NaiveDateTime) -> NaiveDateTime {
        *utc + Duration::seconds(i64::from(self.offset_at(utc)))
    }

    /// Whether the IANA zone `tz` has these offsets: around `reference` (UTC) when there are
    /// no DAYLIGHT rules, else at both sides of every rule's start and end (one hour of slack).
    fn matches(&self, tz: &Tz, reference: &NaiveDateTime) -> bool {
        let off = |t: NaiveDateTime| tz.offset_at(&t);
        if self.rules.is_empty() {
            return off(*reference) == self.standard;
        }
        let slack = Duration::seconds(3600);
        let tick = Duration::seconds(1);
        self.rules.iter().all(|r| {
            off(r.start + slack) == r.offset
                && off(r.start - slack - tick) == self.standard
                && off(r.end + slack) == self.standard
                && off(r.end - slack - tick) == r.offset
        })
    }

    /// The IANA zone these TZ and DAYLIGHT values describe: `hint` (a TZID we wrote
    /// ourselves) when its offsets agree; otherwise, only when there are DAYLIGHT rules (a
    /// bare offset names no zone), a well-known zone that matches, else the first matching
    /// zone of the tz database. `reference` is a UTC instant of the event.
    pub fn iana_zone(&self, hint: Option<&str>, reference: &NaiveDateTime) -> Option<(String, Tz)> {
        if let Some(h) = hint {
            if let Some(z) = tz::zone_of(h) {
                if self.matches(&z, reference) {
                    return Some((h.to_string(), z));
                }
            }
        }
        if self.rules.is_empty() {
            return None;
        }
        let preferred = PREFERRED.iter().filter_map(|n| Tz::get(n));
        let all = tzdb::names()
            .iter()
            .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
            .filter_map(|n| Tz::get(n));
        preferred
            .chain(all)
            .find(|z| self.matches(z, reference))
            .map(|z| (z.name().to_string(), z))
    }
}

/// Zones chosen first when several match the same offsets and dates.
const PREFERRED: &[&str] = &[
    "Europe/Berlin",
    "Europe/London",
    "Europe/Helsinki",
    "Europe/Lisbon",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Halifax",
    "America/St_Johns",
    "America/Sao_Paulo",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "Asia/Jerusalem",
    "Asia/Tehran",
];

fn abbreviation(tz: &Tz, utc: &NaiveDateTime) -> String {
    let a = tz.abbreviation_at(utc);
    if a.chars().all(|c| c.is_ascii_alphabetic()) {
        a
    } else {
        String::new()
    }
}

/// TZ and DAYLIGHT values (unescaped, as written after `TZ:` / `DAYLIGHT:`) for `tz` over
/// `years`: one DAYLIGHT:TRUE per daylight period starting in those years (times in UTC), or
/// one DAYLIGHT:FALSE when there is none.
pub fn tz_values(tz: &Tz, years: std::ops::RangeInclusive<i32>) -> (String, Vec<String>) {
    let first = *years.start();
    let mut changes = Vec::new();
    for y in first..=years.end().saturating_add(1) {
        changes.extend(tz::transitions(tz, y));
    }
    let utc = |t: i64| {
        DateTime::<Utc>::from_timestamp(t, 0)
            .unwrap_or_default()
            .naive_utc()
    };
    let mut standard = None;
    let mut daylight = Vec::new();
    for (i, &(t, from, to)) in changes.iter().enumerate() {
        let start = utc(t);
        if to <= from || !years.contains(&chrono::Datelike::year(&start)) {
            continue;
        }
        let Some(&(end_t, _, _)) = changes[i + 1..].iter().find(|c| c.2 < c.1) else {
            continue;
        };
        let end = utc(end_t);
        standard.get_or_insert(from);
        daylight.push(format!(
            "TRUE;{};{};{};{};{}",
            format_offset(to),
            start.format("%Y%m%dT%H%M%SZ"),
            end.format("%Y%m%dT%H%M%SZ"),
            abbreviation(tz, &(end + Duration::seconds(60))),
            abbreviation(tz, &(start + Duration::seconds(60))),
        ));
    }
    let standard = standard.unwrap_or_else(|| {
        let jan = chrono::NaiveDate::from_ymd_opt(first, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        tz.offset_at(&jan)
    });
    if daylight.is_empty() {
        daylight.push("FALSE".into());
    }
    (format_offset(standard), daylight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        parse_date_time(s).unwrap().0
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+01"), Some(3600));
        assert_eq!(parse_offset("+01:00"), Some(3600));
        assert_eq!(parse_offset("-0500"), Some(-18000));
        assert_eq!(parse_offset("+5:30"), Some(19800));
        assert_eq!(parse_offset("x"), None);
        assert_eq!(format_offset(-16200), "-04:30");
    }

    #[test]
    fn rules_convert_and_match_a_zone() {
        let z = VcalZone::from_values(
            Some("+01"),
            &["TRUE;+02;20250330T010000Z;20251026T010000Z;CET;CEST"],
        )
        .unwrap();
        assert_eq!(
            z.local_to_utc(&dt("20250701T120000")),
            dt("20250701T100000")
        );
        assert_eq!(
            z.local_to_utc(&dt("20250110T120000")),
            dt("20250110T110000")
        );
        let (name, _) = z.iana_zone(None, &dt("20250701T100000")).unwrap();
        assert_eq!(name, "Europe/Berlin");
        let (name, _) = z
            .iana_zone(Some("Europe/Paris"), &dt("20250701T100000"))
            .unwrap();
        assert_eq!(name, "Europe/Paris");
        // A hint that does not agree is ignored.
        let (name, _) = z
            .iana_zone(Some("America/New_York"), &dt("20250701T100000"))
            .unwrap();
        assert_eq!(name, "Europe/Berlin");
        // A bare offset names no zone.
        let fixed = VcalZone::from_values(Some("+09:00"), &["FALSE"]).unwrap();
        assert!(fixed.iana_zone(None, &dt("20250701T100000")).is_none());
    }

    #[test]
    fn written_rules_read_back() {
        let tz = Tz::get("America/New_York").unwrap();
        let (std, dl) = tz_values(&tz, 2025..=2026);
        assert_eq!(std, "-05:00");
        assert_eq!(dl.len(), 2);
        assert_eq!(
            dl[0],
            "TRUE;-04:00;20250309T070000Z;20251102T060000Z;EST;EDT"
        );
        let refs: Vec<&str> = dl.iter().map(String::as_str).collect();
        let z = VcalZone::from_values(Some(&std), &refs).unwrap();
        assert_eq!(
            z.iana_zone(None, &dt("20250701T100000")).unwrap().0,
            "America/New_York"
        );
        let syd = Tz::get("Australia/Sydney").unwrap();
        let (std, dl) = tz_values(&syd, 2025..=2025);
        assert_eq!(std, "+10:00");
        assert!(
            dl[0].starts_with("TRUE;+11:00;20251004T160000Z;20260404T160000Z"),
            "{dl:?}"
        );
        let tokyo = Tz::get("Asia/Tokyo").unwrap();
        assert_eq!(
            tz_values(&tokyo, 2025..=2025),
            ("+09:00".into(), vec!["FALSE".into()])
        );
    }
}
