//! The plain records the agent takes and returns: accounts to add or change, what an
//! account looks like, its status, its history, its conflict copies, the options of a sync
//! and a failed sync with its report.

use crate::model::Side;
use crate::remote::syncml::auth::AuthType;
use crate::remote::syncml::SyncMlFormat;
use crate::store::{AccountSettings, Protocol};
use crate::sync::syncml::SyncMode;
use crate::sync::{SyncReport, SyncStatus};
use crate::Error;

/// Where an account's server calendar is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerConfig {
    /// A CalDAV server.
    CalDav {
        /// The server's root (discovery finds the calendars) or a calendar collection.
        url: String,
        /// The calendar collection to sync; `None`: the first one holding events.
        calendar: Option<String>,
    },
    /// A SyncML DS server. Nothing is sent to it until the first sync.
    SyncMl {
        /// The server's URL.
        url: String,
        /// The server's calendar datastore (`None`: `calendar`).
        server_uri: Option<String>,
        /// Our device id (`None`: a new random one, kept for good).
        device_id: Option<String>,
        /// What we send.
        format: SyncMlFormat,
        /// Messages in WBXML rather than XML.
        wbxml: bool,
        /// The credential type of the first message.
        auth: AuthType,
    },
}

/// An account to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Unique name.
    pub name: String,
    /// User name on the server.
    pub username: String,
    /// The local calendar it syncs with (`vdir:DIR`, `ics:FILE`, or an app's calendar id).
    pub local: String,
    /// Past-time window in days (`None`: everything).
    pub past_days: Option<u32>,
    /// The server side.
    pub server: ServerConfig,
    /// Thresholds, backups, protocol tweaks.
    pub settings: AccountSettings,
}

/// New values for an account's window and settings (identity and server stay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    /// Past-time window in days (`None`: everything).
    pub past_days: Option<u32>,
    /// Every setting.
    pub settings: AccountSettings,
}

/// An account as the store keeps it (never a password).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountInfo {
    /// Unique name.
    pub name: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// The server URL given when it was added.
    pub server_url: String,
    /// User name.
    pub username: String,
    /// The server calendar synced (CalDAV collection; `URL#datastore` for SyncML), once
    /// chosen.
    pub calendar_url: Option<String>,
    /// Its display name, when the server gave one.
    pub calendar_name: Option<String>,
    /// The local calendar.
    pub local: String,
    /// Past-time window in days (`None`: everything).
    pub past_days: Option<u32>,
    /// Settings.
    pub settings: AccountSettings,
    /// The SyncML device id (SyncML accounts only).
    pub device_id: Option<String>,
    /// A backup or restore of the server side talks to the server (and needs the password);
    /// false where the server side cannot be read or rewritten outside a sync (SyncML: its
    /// backups hold the server as the store last saw it, and only the device side restores).
    pub server_reachable_outside_sync: bool,
}

/// Where an account stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountStatus {
    /// Account name.
    pub account: String,
    /// The server calendar, once chosen.
    pub calendar: Option<String>,
    /// The local calendar.
    pub local: String,
    /// Events known to be in sync.
    pub items: u64,
    /// When the last sync ran (seconds since the epoch).
    pub last_sync_at: Option<i64>,
    /// When a sync last succeeded.
    pub last_success_at: Option<i64>,
    /// How the last recorded sync ended.
    pub last_status: Option<SyncStatus>,
    /// The report of the last recorded sync, as JSON.
    pub last_report: Option<serde_json::Value>,
    /// Conflict copies kept.
    pub conflicts_kept: u64,
    /// The next sync can ask the server for changes only (a sync-token or ctag is kept).
    pub incremental: bool,
    /// A sync of this account is running now.
    pub syncing: bool,
}

/// One past sync.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// Account name.
    pub account: String,
    /// When it started (seconds since the epoch).
    pub started_at: i64,
    /// How it ended.
    pub status: SyncStatus,
    /// Its report, as JSON (the same as [`SyncReport`] serialised).
    pub report: serde_json::Value,
}

/// A kept losing version of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConflictInfo {
    /// Account name.
    pub account: String,
    /// Id.
    pub id: i64,
    /// UID of the event.
    pub uid: String,
    /// Its title, when the copy has one.
    pub summary: Option<String>,
    /// When (seconds since the epoch).
    pub created_at: i64,
    /// Whose version lost.
    pub losing_side: Side,
    /// Why (kept as the engine wrote it).
    pub reason: String,
    /// The losing version as iCalendar.
    pub ics: String,
}

/// How to run one sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Compute and report the plan; change nothing.
    pub dry_run: bool,
    /// Apply a plan a safety check held back before.
    pub confirmed: bool,
    /// A SyncML sync mode (`None`: two-way). Other protocols accept only `None` or two-way.
    pub mode: Option<SyncMode>,
    /// Bytes of downloaded event text the sync keeps in memory, the rest waiting in an
    /// unnamed temporary file beside the store (`None`: [`crate::sync::DOWNLOAD_MEMORY`]).
    pub download_memory: Option<u64>,
}

/// A sync that did not end well: the error, and the report of what happened (for a held
/// back sync, the reason and plan; for an interrupted one, what was applied before).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SyncFailure {
    /// What went wrong.
    pub error: Error,
    /// What the sync did before.
    pub report: Box<SyncReport>,
}

impl SyncFailure {
    /// A failure before the sync started: an empty report for `account`.
    pub fn new(account: &str, error: Error) -> SyncFailure {
        let mut report = SyncReport::new(account);
        report.status = SyncStatus::Error;
        report.errors.push(error.to_string());
        SyncFailure {
            error,
            report: Box::new(report),
        }
    }
}
