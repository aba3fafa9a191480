//! The IANA time zone database the library carries (jiff's bundled copy of tzdata, every zone
//! and alias): zone names, UTC offsets and abbreviations. Nothing is read from the system, so
//! a phone, a CI runner and a desktop convert times alike.

use chrono::{Datelike, NaiveDateTime, Timelike};
use jiff::tz::{AmbiguousOffset, TimeZone, TimeZoneDatabase};
use std::collections::HashMap;
use std::sync::OnceLock;

fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Every zone name of the database (aliases included), sorted, as the database spells them.
pub fn names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<String> = database()
            .available()
            .map(|n| n.as_str().to_string())
            .collect();
        v.sort();
        v
    })
}

/// The database's spelling of a zone name given in any case, if the database has it.
pub fn lookup(name: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        names()
            .iter()
            .map(|n| (n.to_ascii_lowercase(), n.as_str()))
            .collect()
    });
    map.get(name.to_ascii_lowercase().as_str()).copied()
}

/// The offset rules at a wall-clock time of a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalOffset {
    /// One offset applies (seconds east of UTC).
    Single(i32),
    /// The time occurs twice (a change back): the earlier and the later offset.
    Ambiguous(i32, i32),
    /// The time does not occur (a change forward): the offsets before and after the gap.
    Gap(i32, i32),
}

/// One IANA zone of the database.
#[derive(Debug, Clone)]
pub struct Tz {
    name: &'static str,
    zone: TimeZone,
}

impl Tz {
    /// The zone of an IANA name or alias (any case), if the database has it.
    pub fn get(name: &str) -> Option<Tz> {
        let name = lookup(name)?;
        let zone = database().get(name).ok()?;
        Some(Tz { name, zone })
    }

    /// The zone's name as the database spells it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn info(&self, utc: &NaiveDateTime) -> jiff::tz::TimeZoneOffsetInfo<'_> {
        let ts = jiff::Timestamp::from_second(utc.and_utc().timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        self.zone.to_offset_info(ts)
    }

    /// The offset (seconds east of UTC) in force at a UTC instant.
    pub fn offset_at(&self, utc: &NaiveDateTime) -> i32 {
        self.info(utc).offset().seconds()
    }

    /// The abbreviation in use at a UTC instant (`CET`, `EDT`, or a numeric one like `+03`).
    pub fn abbreviation_at(&self, utc: &NaiveDateTime) -> String {
        self.info(utc).abbreviation().to_string()
    }

    /// A UTC instant as this zone's wall-clock time.
    pub fn utc_to_local(&self, utc: &NaiveDateTime) -> NaiveDateTime {
        *utc + chrono::Duration::seconds(i64::from(self.offset_at(utc)))
    }

    /// The offsets at a wall-clock time of this zone; `None` for a year the database cannot
    /// represent.
    pub fn local_offset(&self, local: &NaiveDateTime) -> Option<LocalOffset> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            i8::try_from(local.month()).ok()?,
            i8::try_from(local.day()).ok()?,
            i8::try_from(local.hour()).ok()?,
            i8::try_from(local.minute()).ok()?,
            i8::try_from(local.second()).ok()?,
            0,
        )
        .ok()?;
        Some(match self.zone.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => LocalOffset::Single(offset.seconds()),
            AmbiguousOffset::Fold { before, after } => {
                LocalOffset::Ambiguous(before.seconds(), after.seconds())
            }
            AmbiguousOffset::Gap { before, after } => {
                LocalOffset::Gap(before.seconds(), after.seconds())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn keeps_every_zone_and_alias() {
        assert!(names().len() > 500, "{}", names().len());
        for n in [
            "Europe/Paris",
            "America/Argentina/Buenos_Aires",
            "US/Eastern",
            "Asia/Calcutta",
            "Etc/GMT+12",
            "UTC",
            "Antarctica/Troll",
        ] {
            assert_eq!(lookup(&n.to_ascii_uppercase()), Some(n), "{n}");
        }
        assert_eq!(lookup("Mars/Olympus"), None);
    }

    #[test]
    fn offsets_and_abbreviations() {
        let paris = Tz::get("europe/paris").unwrap();
        assert_eq!(paris.name(), "Europe/Paris");
        assert_eq!(paris.offset_at(&dt("2024-07-01 12:00")), 7200);
        assert_eq!(paris.offset_at(&dt("2024-01-01 12:00")), 3600);
        assert_eq!(paris.abbreviation_at(&dt("2024-07-01 12:00")), "CEST");
        assert_eq!(
            paris.utc_to_local(&dt("2024-07-01 10:00")),
            dt("2024-07-01 12:00")
        );
        assert_eq!(
            paris.local_offset(&dt("2024-03-31 02:30")),
            Some(LocalOffset::Gap(3600, 7200))
        );
        assert_eq!(
            paris.local_offset(&dt("2024-10-27 02:30")),
            Some(LocalOffset::Ambiguous(7200, 3600))
        );
        assert_eq!(
            paris.local_offset(&dt("2024-05-01 09:00")),
            Some(LocalOffset::Single(7200))
        );
    }
}
