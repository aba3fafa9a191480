//! [`SyncMlFormat`]: the calendar format a SyncML client sends and prefers to receive.

/// iCalendar 2.0 or vCalendar 1.0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncMlFormat {
    /// `text/calendar` 2.0.
    #[default]
    ICalendar,
    /// `text/x-vcalendar` 1.0 (older phones and servers).
    VCalendar,
}

impl SyncMlFormat {
    /// The name kept in the store: `icalendar`, `vcalendar`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMlFormat::ICalendar => "icalendar",
            SyncMlFormat::VCalendar => "vcalendar",
        }
    }

    /// Parses [`SyncMlFormat::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "icalendar" => Some(SyncMlFormat::ICalendar),
            "vcalendar" => Some(SyncMlFormat::VCalendar),
            _ => None,
        }
    }
}
