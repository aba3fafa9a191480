//! Protocol settings kept per account and read by the SyncML client: the calendar format
//! sent ([`SyncMlFormat`]) and the credential type ([`SyncMlAuth`]).

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

/// How the client authenticates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncMlAuth {
    /// No credentials (an empty user name).
    None,
    /// `syncml:auth-basic`: b64(user:pass).
    Basic,
    /// `syncml:auth-md5`: a digest over a server nonce (the default: no password on the
    /// wire).
    #[default]
    Md5,
}

impl SyncMlAuth {
    /// The name kept in the store: `none`, `basic`, `md5`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMlAuth::None => "none",
            SyncMlAuth::Basic => "basic",
            SyncMlAuth::Md5 => "md5",
        }
    }

    /// Parses [`SyncMlAuth::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(SyncMlAuth::None),
            "basic" => Some(SyncMlAuth::Basic),
            "md5" => Some(SyncMlAuth::Md5),
            _ => None,
        }
    }
}
