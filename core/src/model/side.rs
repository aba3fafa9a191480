//! [`Side`]: which calendar a change, a conflict copy, a backup or a restore is about.

use serde::{Deserialize, Serialize};

/// The local (device) calendar, the server's, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The local (device) calendar.
    Device,
    /// The server calendar.
    Server,
    /// Both calendars.
    Both,
}

impl Side {
    /// The stable lowercase name (`device`, `server`, `both`), as stored and serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Device => "device",
            Side::Server => "server",
            Side::Both => "both",
        }
    }

    /// The side named `s` (see [`Side::as_str`]).
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "device" => Some(Side::Device),
            "server" => Some(Side::Server),
            "both" => Some(Side::Both),
            _ => None,
        }
    }
}
