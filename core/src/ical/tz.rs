//! Time zone names: IANA names as they are, Windows names (Outlook, Exchange, Zimbra)
//! mapped to IANA; EventTime to UTC; VTIMEZONE components generated from the bundled tz database.

pub use super::tzdb::Tz;
use super::tzdb::{self, LocalOffset};
use super::values::{date_time_text, format_offset};
use super::{Component, Property};
use crate::model::{EventTime, Zone};
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday,
};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Windows time zone names to IANA (CLDR windowsZones, territory "001"), plus a few names
/// older Outlook versions and Lotus wrote.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("UTC-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("UTC-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Yukon Standard Time", "America/Whitehorse"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Cuba Standard Time", "America/Havana"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("Greenland Standard Time", "America/Nuuk"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Bahia Standard Time", "America/Bahia"),
    ("UTC-02", "Etc/GMT+2"),
    ("Mid-Atlantic Standard Time", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Central Asia Standard Time", "Asia/Almaty"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Malay Peninsula Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Kamchatka Standard Time", "Asia/Kamchatka"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("UTC+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
];

/// The IANA name for a TZID, if it is one or maps to one: an IANA name or alias (any case;
/// returned as the tz database spells it), a Windows name, or a string that ends in an IANA
/// name (`/mozilla.org/20050126_1/Europe/Paris`, `/softwarestudio.org/.../America/New_York`).
/// Display names such as `(UTC+01:00) Amsterdam, Berlin, ...` give `None`.
pub fn iana_name(tzid: &str) -> Option<&'static str> {
    let t = tzid.trim().trim_matches('"').trim();
    if t.is_empty() {
        return None;
    }
    if let Some(name) = lookup_iana(t) {
        return Some(name);
    }
    if let Some(name) = windows_map().get(t.to_ascii_lowercase().as_str()) {
        return Some(name);
    }
    // A prefix path (Mozilla, Evolution): try each suffix after a '/'.
    t.match_indices('/')
        .find_map(|(i, _)| lookup_iana(&t[i + 1..]))
}

fn lookup_iana(name: &str) -> Option<&'static str> {
    tzdb::lookup(name)
}

fn windows_map() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        WINDOWS_ZONES
            .iter()
            .filter_map(|(win, iana)| Some((win.to_ascii_lowercase(), lookup_iana(iana)?)))
            .collect()
    })
}

/// The tz database zone of a TZID (see [`iana_name`]).
pub fn zone_of(tzid: &str) -> Option<Tz> {
    Tz::get(iana_name(tzid)?)
}

/// A wall-clock time in a zone as UTC: an ambiguous time (DST end) takes the earlier instant,
/// a time in a DST gap is moved forward by the gap.
pub fn local_to_utc(tz: &Tz, local: &NaiveDateTime) -> Option<DateTime<Utc>> {
    let secs = match tz.local_offset(local)? {
        LocalOffset::Single(o) | LocalOffset::Ambiguous(o, _) => o,
        // In a gap: the offset before the gap applies (RFC 5545 3.3.5).
        LocalOffset::Gap(before, _) => before,
    };
    Some(Utc.from_utc_datetime(&(*local - Duration::seconds(i64::from(secs)))))
}

/// The UTC instant of an [`EventTime`] when it has one: UTC times, and times with a TZID that
/// is (or maps to) an IANA zone. Dates, floating times and unknown TZIDs give `None`; see
/// [`approx_utc`] for a best guess.
pub fn to_utc(t: &EventTime) -> Option<DateTime<Utc>> {
    match t {
        EventTime::Date(_) => None,
        EventTime::DateTime { local, zone } => match zone {
            Zone::Utc => Some(Utc.from_utc_datetime(local)),
            Zone::Floating => None,
            Zone::Tzid(id) => local_to_utc(&zone_of(id)?, local),
        },
    }
}

/// [`to_utc`], or else the wall-clock time (a date at midnight) read as UTC: good enough to
/// place an event in a time window of days.
pub fn approx_utc(t: &EventTime) -> DateTime<Utc> {
    if let Some(u) = to_utc(t) {
        return u;
    }
    match t {
        EventTime::Date(d) => Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()),
        EventTime::DateTime { local, .. } => Utc.from_utc_datetime(local),
    }
}

fn offset_at(tz: &Tz, t: i64) -> i32 {
    let utc = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
    tz.offset_at(&utc.naive_utc())
}

/// Offset transitions of `tz` in a year: (UTC second of the change, offset before, after).
pub(super) fn transitions(tz: &Tz, year: i32) -> Vec<(i64, i32, i32)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp());
    let Some(start) = start else {
        return Vec::new();
    };
    let step = 6 * 3600;
    let mut out = Vec::new();
    let mut t = start;
    let mut off = offset_at(tz, t);
    while t < start + 366 * 86_400 {
        let next = t + step;
        let next_off = offset_at(tz, next);
        if next_off != off {
            // Bisect to the second.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == off {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((hi, off, next_off));
            off = next_off;
        }
        t = next;
    }
    out
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt())
        .map(|d| d.day())
        .unwrap_or(28)
}

/// The `n`th (1-based, or -1 for last) `weekday` of a month.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: i32) -> Option<NaiveDate> {
    if n > 0 {
        let u8n = u8::try_from(n).ok()?;
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, u8n)
    } else {
        let last = NaiveDate::from_ymd_opt(year, month, days_in_month(year, month))?;
        let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
        last.checked_sub_signed(Duration::days(i64::from(back)))
    }
}

fn prop(name: &str, value: String) -> Property {
    Property {
        name: name.into(),
        params: Vec::new(),
        value,
    }
}

fn observance(
    kind: &str,
    start: NaiveDateTime,
    from: i32,
    to: i32,
    rrule: Option<String>,
) -> Component {
    let mut properties = vec![
        prop("DTSTART", date_time_text(&start)),
        prop("TZOFFSETFROM", format_offset(from)),
        prop("TZOFFSETTO", format_offset(to)),
    ];
    if let Some(r) = rrule {
        properties.push(prop("RRULE", r));
    }
    Component {
        name: kind.into(),
        properties,
        components: Vec::new(),
    }
}

/// A VTIMEZONE for `tzid` (written as given) with the rules the tz database has for `year`: a
/// STANDARD and a DAYLIGHT with yearly RRULEs when the zone has two changes that year, one
/// STANDARD when it has none, the changes as dated observances otherwise. `None` when the TZID
/// maps to no IANA zone.
///
/// Built once per TZID and year in a process (a sync writes thousands of events in a few
/// zones): later calls clone the one built first.
pub fn vtimezone(tzid: &str, year: i32) -> Option<Component> {
    /// Entries kept at most; past that, zones are built again (never unbounded memory).
    const MAX_CACHED: usize = 256;
    type Cache = HashMap<(String, i32), Option<Component>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (tzid.to_string(), year);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let built = build_vtimezone(tzid, year);
    if let Ok(mut c) = cache.lock() {
        if c.len() < MAX_CACHED {
            c.insert(key, built.clone());
        }
    }
    built
}

fn build_vtimezone(tzid: &str, year: i32) -> Option<Component> {
    let tz = zone_of(tzid)?;
    let changes = transitions(&tz, year);
    let mut components = Vec::new();
    if changes.len() == 2 {
        for &(t, from, to) in &changes {
            let local = DateTime::<Utc>::from_timestamp(t + i64::from(from), 0)?.naive_utc();
            let date = local.date();
            let n = if date.day() + 7 > days_in_month(year, date.month()) {
                -1
            } else {
                i32::try_from((date.day() - 1) / 7 + 1).ok()?
            };
            let wd = date.weekday();
            let rrule = format!(
                "FREQ=YEARLY;BYMONTH={};BYDAY={n}{}",
                date.month(),
                weekday_code(wd)
            );
            let first = nth_weekday(1970, date.month(), wd, n)?.and_hms_opt(
                local.hour(),
                local.minute(),
                local.second(),
            )?;
            let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
            components.push(observance(kind, first, from, to, Some(rrule)));
        }
    } else {
        let jan = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?;
        let off = offset_at(&tz, jan.and_utc().timestamp());
        let base = NaiveDate::from_ymd_opt(1970, 1, 1)?.and_hms_opt(0, 0, 0)?;
        components.push(observance("STANDARD", base, off, off, None));
        for &(t, from, to) in &changes {
            let local = DateTime::<Utc>::from_timestamp(t + i64::from(from), 0)?.naive_utc();
            let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
            components.push(observance(kind, local, from, to, None));
        }
    }
    Some(Component {
        name: "VTIMEZONE".into(),
        properties: vec![prop("TZID", tzid.to_string())],
        components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_and_aliases() {
        assert_eq!(iana_name("Europe/Berlin"), Some("Europe/Berlin"));
        assert_eq!(iana_name("europe/berlin"), Some("Europe/Berlin"));
        assert_eq!(iana_name("US/Eastern"), Some("US/Eastern"));
        assert_eq!(iana_name("Asia/Calcutta"), Some("Asia/Calcutta"));
        assert_eq!(iana_name("UTC"), Some("UTC"));
        assert_eq!(iana_name("Mars/Olympus"), None);
        assert_eq!(iana_name(""), None);
    }

    #[test]
    fn windows_names() {
        for (win, iana) in [
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("Romance Standard Time", "Europe/Paris"),
            ("Eastern Standard Time", "America/New_York"),
            ("GMT Standard Time", "Europe/London"),
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("China Standard Time", "Asia/Shanghai"),
            ("tokyo standard time", "Asia/Tokyo"),
            ("AUS Eastern Standard Time", "Australia/Sydney"),
        ] {
            assert_eq!(iana_name(win), Some(iana), "{win}");
        }
        // Every entry of the table resolves in the tz database.
        for (win, _) in WINDOWS_ZONES {
            assert!(iana_name(win).is_some(), "{win}");
        }
        assert!(WINDOWS_ZONES.len() >= 100);
    }

    #[test]
    fn embedded_iana_names() {
        assert_eq!(
            iana_name("/mozilla.org/20050126_1/Europe/Paris"),
            Some("Europe/Paris")
        );
        assert_eq!(
            iana_name("/softwarestudio.org/Olson_20011030_5/America/New_York"),
            Some("America/New_York")
        );
        assert_eq!(iana_name("\"Europe/Vienna\""), Some("Europe/Vienna"));
        assert_eq!(iana_name("(UTC+01:00) Amsterdam, Berlin, Bern, Rome"), None);
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn to_utc_by_zone() {
        let t = |zone: Zone, s: &str| to_utc(&EventTime::DateTime { local: dt(s), zone });
        assert_eq!(
            t(
                Zone::Tzid("W. Europe Standard Time".into()),
                "2024-07-01 12:00"
            )
            .unwrap(),
            Utc.from_utc_datetime(&dt("2024-07-01 10:00"))
        );
        assert_eq!(
            t(Zone::Tzid("America/New_York".into()), "2024-01-15 09:00").unwrap(),
            Utc.from_utc_datetime(&dt("2024-01-15 14:00"))
        );
        // In the spring-forward gap: moved forward.
        assert_eq!(
            t(Zone::Tzid("Europe/Paris".into()), "2024-03-31 02:30").unwrap(),
            Utc.from_utc_datetime(&dt("2024-03-31 01:30"))
        );
        assert_eq!(
            t(Zone::Utc, "2024-01-15 09:00").unwrap().to_string(),
            "2024-01-15 09:00:00 UTC"
        );
        assert_eq!(t(Zone::Floating, "2024-01-15 09:00"), None);
        assert_eq!(t(Zone::Tzid("Nowhere".into()), "2024-01-15 09:00"), None);
        let d = EventTime::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
        assert_eq!(to_utc(&d), None);
        assert_eq!(approx_utc(&d).to_string(), "2024-01-02 00:00:00 UTC");
    }

    fn find<'a>(c: &'a Component, name: &str) -> &'a str {
        &c.properties.iter().find(|p| p.name == name).unwrap().value
    }

    #[test]
    fn vtimezone_with_dst_rules() {
        let vtz = vtimezone("W. Europe Standard Time", 2024).unwrap();
        assert_eq!(find(&vtz, "TZID"), "W. Europe Standard Time");
        let daylight = vtz
            .components
            .iter()
            .find(|c| c.name == "DAYLIGHT")
            .unwrap();
        let standard = vtz
            .components
            .iter()
            .find(|c| c.name == "STANDARD")
            .unwrap();
        assert_eq!(find(daylight, "TZOFFSETFROM"), "+0100");
        assert_eq!(find(daylight, "TZOFFSETTO"), "+0200");
        assert_eq!(find(daylight, "RRULE"), "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
        assert_eq!(find(daylight, "DTSTART"), "19700329T020000");
        assert_eq!(find(standard, "RRULE"), "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");
        assert_eq!(find(standard, "DTSTART"), "19701025T030000");
        let ny = vtimezone("America/New_York", 2024).unwrap();
        let daylight = ny.components.iter().find(|c| c.name == "DAYLIGHT").unwrap();
        assert_eq!(find(daylight, "RRULE"), "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU");
        assert_eq!(find(daylight, "TZOFFSETFROM"), "-0500");
    }

    #[test]
    fn vtimezone_without_dst() {
        let vtz = vtimezone("Asia/Tokyo", 2024).unwrap();
        assert_eq!(vtz.components.len(), 1);
        assert_eq!(find(&vtz.components[0], "TZOFFSETTO"), "+0900");
        let kolkata = vtimezone("Asia/Kolkata", 2024).unwrap();
        assert_eq!(find(&kolkata.components[0], "TZOFFSETFROM"), "+0530");
        assert!(vtimezone("Nowhere/Land", 2024).is_none());
    }
}
