//! Records and enums of the agent's questions and answers (accounts, sync options and
//! reports, held-back plans, status, history, conflicts, backups, restores), each with its
//! one conversion from or to core's type.

use synchro_core::agent as core;
use synchro_core::model::Side as CoreSide;
use synchro_core::sync::report as rep;

/// Which calendar a change, a conflict copy, a backup or a restore is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Side {
    /// The device calendar.
    Device,
    /// The server calendar.
    Server,
    /// Both.
    Both,
}

impl From<CoreSide> for Side {
    fn from(s: CoreSide) -> Self {
        match s {
            CoreSide::Device => Side::Device,
            CoreSide::Server => Side::Server,
            CoreSide::Both => Side::Both,
        }
    }
}

impl From<Side> for CoreSide {
    fn from(s: Side) -> Self {
        match s {
            Side::Device => CoreSide::Device,
            Side::Server => CoreSide::Server,
            Side::Both => CoreSide::Both,
        }
    }
}

/// A SyncML sync mode (CalDAV accounts take only two-way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncMode {
    /// Changes both ways (the default).
    TwoWay,
    /// Full comparison of both sides.
    Slow,
    /// The device's changes only.
    OneWayFromClient,
    /// The server's content replaced by the device's.
    RefreshFromClient,
    /// The server's changes only.
    OneWayFromServer,
    /// The device's content replaced by the server's.
    RefreshFromServer,
}

impl From<SyncMode> for core::SyncMode {
    fn from(m: SyncMode) -> Self {
        match m {
            SyncMode::TwoWay => core::SyncMode::TwoWay,
            SyncMode::Slow => core::SyncMode::Slow,
            SyncMode::OneWayFromClient => core::SyncMode::OneWayFromClient,
            SyncMode::RefreshFromClient => core::SyncMode::RefreshFromClient,
            SyncMode::OneWayFromServer => core::SyncMode::OneWayFromServer,
            SyncMode::RefreshFromServer => core::SyncMode::RefreshFromServer,
        }
    }
}

/// How to run one sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SyncOptions {
    /// Compute and report the plan; change nothing.
    #[uniffi(default = false)]
    pub dry_run: bool,
    /// Apply a plan a safety check held back before.
    #[uniffi(default = false)]
    pub confirmed: bool,
    /// A SyncML sync mode (`None`: two-way).
    #[uniffi(default)]
    pub mode: Option<SyncMode>,
    /// Bytes of downloaded event text the sync keeps in memory, the rest waiting in a
    /// temporary file beside the store (`None`: 16 MiB).
    #[uniffi(default)]
    pub download_memory: Option<u64>,
}

impl From<SyncOptions> for core::SyncOptions {
    fn from(o: SyncOptions) -> Self {
        core::SyncOptions {
            dry_run: o.dry_run,
            confirmed: o.confirmed,
            mode: o.mode.map(Into::into),
            download_memory: o.download_memory,
        }
    }
}

/// How a sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStatus {
    /// Everything planned was applied (or there was nothing to do).
    Ok,
    /// A safety check held the plan back; nothing was applied.
    NeedsConfirmation,
    /// The sync failed or some events could not be synced.
    Error,
}

impl From<core::SyncStatus> for SyncStatus {
    fn from(s: core::SyncStatus) -> Self {
        match s {
            core::SyncStatus::Ok => SyncStatus::Ok,
            core::SyncStatus::NeedsConfirmation => SyncStatus::NeedsConfirmation,
            core::SyncStatus::Error => SyncStatus::Error,
        }
    }
}

/// Changes applied to one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Counts {
    /// Events created.
    pub added: u64,
    /// Events changed.
    pub updated: u64,
    /// Events removed.
    pub deleted: u64,
}

impl From<rep::Counts> for Counts {
    fn from(c: rep::Counts) -> Self {
        Counts {
            added: c.added,
            updated: c.updated,
            deleted: c.deleted,
        }
    }
}

/// What a planned change does to its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeAction {
    /// The event is created.
    Add,
    /// The event is replaced.
    Update,
    /// The event is removed.
    Delete,
    /// Both sides changed: the server's version wins, the device's is kept as a copy.
    Conflict,
    /// The same event on both sides is recorded as one.
    Link,
}

/// Why a change is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeReason {
    /// New on the server.
    NewOnServer,
    /// New on the device.
    NewOnDevice,
    /// Changed on the server.
    ChangedOnServer,
    /// Changed on the device.
    ChangedOnDevice,
    /// Deleted on the server.
    DeletedOnServer,
    /// Deleted on the device.
    DeletedOnDevice,
    /// Left the sync window: removed from the device, kept on the server.
    LeftWindow,
    /// Deleted on the device but changed on the server: the edit wins.
    DeletedOnDeviceChangedOnServer,
    /// Deleted on the server but changed on the device: the edit wins.
    DeletedOnServerChangedOnDevice,
    /// Changed differently on both sides: the server wins, the device's version is kept.
    ChangedOnBothSides,
    /// The same event (same UID) is on both sides.
    SameEvent,
    /// The same event under different UIDs, paired by title and time.
    PairedByContent,
}

/// One change of a plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlannedChange {
    /// The side that changes.
    pub side: Side,
    /// What happens.
    pub action: ChangeAction,
    /// UID of the event.
    pub uid: String,
    /// Its title, when known.
    pub summary: Option<String>,
    /// Why.
    pub reason: ChangeReason,
}

impl From<rep::PlannedChange> for PlannedChange {
    fn from(c: rep::PlannedChange) -> Self {
        PlannedChange {
            side: c.side.into(),
            action: match c.action {
                rep::ChangeAction::Add => ChangeAction::Add,
                rep::ChangeAction::Update => ChangeAction::Update,
                rep::ChangeAction::Delete => ChangeAction::Delete,
                rep::ChangeAction::Conflict => ChangeAction::Conflict,
                rep::ChangeAction::Link => ChangeAction::Link,
            },
            uid: c.uid,
            summary: c.summary,
            reason: match c.reason {
                rep::ChangeReason::NewOnServer => ChangeReason::NewOnServer,
                rep::ChangeReason::NewOnDevice => ChangeReason::NewOnDevice,
                rep::ChangeReason::ChangedOnServer => ChangeReason::ChangedOnServer,
                rep::ChangeReason::ChangedOnDevice => ChangeReason::ChangedOnDevice,
                rep::ChangeReason::DeletedOnServer => ChangeReason::DeletedOnServer,
                rep::ChangeReason::DeletedOnDevice => ChangeReason::DeletedOnDevice,
                rep::ChangeReason::LeftWindow => ChangeReason::LeftWindow,
                rep::ChangeReason::DeletedOnDeviceChangedOnServer => {
                    ChangeReason::DeletedOnDeviceChangedOnServer
                }
                rep::ChangeReason::DeletedOnServerChangedOnDevice => {
                    ChangeReason::DeletedOnServerChangedOnDevice
                }
                rep::ChangeReason::ChangedOnBothSides => ChangeReason::ChangedOnBothSides,
                rep::ChangeReason::SameEvent => ChangeReason::SameEvent,
                rep::ChangeReason::PairedByContent => ChangeReason::PairedByContent,
            },
        }
    }
}

/// Why a safety check held a sync back (nothing was applied; a sync with `confirmed` applies
/// it).
///
/// Which variant occurs when:
/// - `EmptiedSide`: a side that held events is now empty and the plan would delete on the
///   other side (either protocol; an emptied server is also seen from a change list, when
///   it deleted every event it had).
/// - `MassDeletion`: more deletions on one side than the account's thresholds allow (the
///   larger of `max_delete_percent` of the synced events and `max_delete_count`).
/// - `ServerReset`: SyncML only, the server asks unasked for a slow sync or a refresh from
///   server (its calendar was replaced or reset) while events were synced before.
///
/// Never a hold: a replaced device calendar (a new `calendar_id`) is a reset, the server's
/// events pulled and nothing deleted; events leaving the sync window leave the device only.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum HoldReason {
    /// `emptied` held events and is now empty: the plan would delete `deletions` events on
    /// the other side, of `known` synced before.
    EmptiedSide {
        /// The side found empty.
        emptied: Side,
        /// Events synced before.
        known: u64,
        /// Deletions the plan would make on the other side.
        deletions: u64,
    },
    /// More deletions on `side` than the account's thresholds allow.
    MassDeletion {
        /// The side that would lose events.
        side: Side,
        /// Deletions planned there.
        deletions: u64,
        /// Events synced before.
        known: u64,
        /// The account's threshold share, in percent...
        max_percent: u32,
        /// ...and count.
        max_count: u32,
    },
    /// The SyncML server asks for a full comparison although events were synced before:
    /// events deleted on one side may come back.
    ServerReset {
        /// Events synced before.
        known: u64,
    },
}

impl From<rep::HoldReason> for HoldReason {
    fn from(h: rep::HoldReason) -> Self {
        match h {
            rep::HoldReason::EmptiedSide {
                emptied,
                known,
                deletions,
            } => HoldReason::EmptiedSide {
                emptied: emptied.into(),
                known,
                deletions,
            },
            rep::HoldReason::MassDeletion {
                side,
                deletions,
                known,
                max_percent,
                max_count,
            } => HoldReason::MassDeletion {
                side: side.into(),
                deletions,
                known,
                max_percent,
                max_count,
            },
            rep::HoldReason::ServerReset { known } => HoldReason::ServerReset { known },
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Account name.
    pub account: String,
    /// Outcome.
    pub status: SyncStatus,
    /// Changes applied to the device calendar.
    pub device: Counts,
    /// Changes applied to the server.
    pub server: Counts,
    /// Conflicts resolved (the losing version is kept).
    pub conflicts: u64,
    /// Errors, one line each.
    pub errors: Vec<String>,
    /// Things worth knowing that are not errors.
    pub warnings: Vec<String>,
    /// HTTP requests made.
    pub requests: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
    /// Why the sync was held back, when it was.
    pub hold: Option<HoldReason>,
    /// The plan, for dry runs and held-back syncs.
    pub plan: Option<Vec<PlannedChange>>,
}

impl From<core::SyncReport> for SyncReport {
    fn from(r: core::SyncReport) -> Self {
        SyncReport {
            account: r.account,
            status: r.status.into(),
            device: r.device.into(),
            server: r.server.into(),
            conflicts: r.conflicts,
            errors: r.errors,
            warnings: r.warnings,
            requests: r.requests,
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
            duration_ms: r.duration_ms,
            hold: r.hold.map(Into::into),
            plan: r.plan.map(|p| p.into_iter().map(Into::into).collect()),
        }
    }
}

/// A calendar found on a CalDAV server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CalendarInfo {
    /// URL of the collection.
    pub url: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Colour as the server wrote it (e.g. `#ff0000ff`).
    pub color: Option<String>,
    /// The user cannot write to it.
    pub read_only: bool,
    /// Component types it holds (`VEVENT`, `VTODO`); empty: unknown.
    pub components: Vec<String>,
    /// It supports RFC 6578 sync-collection.
    pub supports_sync_collection: bool,
}

impl From<core::CalendarInfo> for CalendarInfo {
    fn from(c: core::CalendarInfo) -> Self {
        CalendarInfo {
            url: c.url,
            display_name: c.display_name,
            color: c.color,
            read_only: c.read_only,
            components: c.components,
            supports_sync_collection: c.supports_sync_collection,
        }
    }
}

/// What a SyncML account sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncMlFormat {
    /// iCalendar 2.0.
    ICalendar,
    /// vCalendar 1.0.
    VCalendar,
}

/// The SyncML credential type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncMlAuth {
    /// No credentials.
    None,
    /// `syncml:auth-basic`.
    Basic,
    /// `syncml:auth-md5`.
    Md5,
}

/// Where an account's server calendar is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ServerConfig {
    /// A CalDAV server.
    CalDav {
        /// The server's root (discovery finds the calendars) or a calendar collection.
        url: String,
        /// The calendar to sync; `None`: the first one holding events.
        calendar: Option<String>,
    },
    /// A SyncML DS server.
    SyncMl {
        /// The server's URL.
        url: String,
        /// The server's calendar datastore (`None`: `calendar`).
        server_uri: Option<String>,
        /// Our device id (`None`: a new random one).
        device_id: Option<String>,
        /// What we send.
        format: SyncMlFormat,
        /// WBXML rather than XML.
        wbxml: bool,
        /// The credential type of the first message.
        auth: SyncMlAuth,
    },
}

impl From<ServerConfig> for core::ServerConfig {
    fn from(s: ServerConfig) -> Self {
        match s {
            ServerConfig::CalDav { url, calendar } => core::ServerConfig::CalDav { url, calendar },
            ServerConfig::SyncMl {
                url,
                server_uri,
                device_id,
                format,
                wbxml,
                auth,
            } => core::ServerConfig::SyncMl {
                url,
                server_uri,
                device_id,
                format: match format {
                    SyncMlFormat::ICalendar => core::SyncMlFormat::ICalendar,
                    SyncMlFormat::VCalendar => core::SyncMlFormat::VCalendar,
                },
                wbxml,
                auth: match auth {
                    SyncMlAuth::None => core::SyncMlAuth::None,
                    SyncMlAuth::Basic => core::SyncMlAuth::Basic,
                    SyncMlAuth::Md5 => core::SyncMlAuth::Md5,
                },
            },
        }
    }
}

/// An account's thresholds, backup rotation and protocol tweaks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountSettings {
    /// Never use RFC 6578 sync-collection.
    pub no_sync_collection: bool,
    /// Events per calendar-multiget request.
    pub multiget_batch: u32,
    /// Send Basic auth from the first request on.
    pub preemptive_basic: bool,
    /// Whether the server honours `If-None-Match` on creates (learned; unknown as `None`).
    pub if_none_match_honoured: Option<bool>,
    /// A sync deleting more than this share (percent) of one side...
    pub max_delete_percent: u32,
    /// ...and more than this many events is held back until confirmed.
    pub max_delete_count: u32,
    /// Backups kept.
    pub backup_max_count: u32,
    /// Backups older than this many days are removed.
    pub backup_max_age_days: u32,
    /// Total size of an account's backups, in MiB, above which the oldest go.
    pub backup_max_mib: u64,
    /// Send the password with HTTP Basic over plain http (off: only over https).
    pub allow_insecure_http: bool,
    /// Let a SyncML server downgrade md5 to basic for a session.
    pub allow_basic: bool,
    /// A PEM file of CA certificates trusted besides the platform's.
    pub ca_file: Option<String>,
    /// Pinned server certificates or keys (`sha256/BASE64` of the key, or the hex SHA-256
    /// of the certificate).
    pub pins: Vec<String>,
}

impl From<core::AccountSettings> for AccountSettings {
    fn from(s: core::AccountSettings) -> Self {
        AccountSettings {
            no_sync_collection: s.no_sync_collection,
            multiget_batch: u32::try_from(s.multiget_batch).unwrap_or(u32::MAX),
            preemptive_basic: s.preemptive_basic,
            if_none_match_honoured: s.if_none_match_honoured,
            max_delete_percent: s.max_delete_percent,
            max_delete_count: s.max_delete_count,
            backup_max_count: s.backup_max_count,
            backup_max_age_days: s.backup_max_age_days,
            backup_max_mib: s.backup_max_mib,
            allow_insecure_http: s.allow_insecure_http,
            allow_basic: s.allow_basic,
            ca_file: s.ca_file,
            pins: s.pins,
        }
    }
}

impl From<AccountSettings> for core::AccountSettings {
    fn from(s: AccountSettings) -> Self {
        core::AccountSettings {
            no_sync_collection: s.no_sync_collection,
            multiget_batch: s.multiget_batch as usize,
            preemptive_basic: s.preemptive_basic,
            if_none_match_honoured: s.if_none_match_honoured,
            max_delete_percent: s.max_delete_percent,
            max_delete_count: s.max_delete_count,
            backup_max_count: s.backup_max_count,
            backup_max_age_days: s.backup_max_age_days,
            backup_max_mib: s.backup_max_mib,
            allow_insecure_http: s.allow_insecure_http,
            allow_basic: s.allow_basic,
            ca_file: s.ca_file,
            pins: s.pins,
        }
    }
}

/// An account to add.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAccount {
    /// Unique name.
    pub name: String,
    /// User name on the server.
    pub username: String,
    /// The app's id of the local calendar it syncs with.
    pub local: String,
    /// Past-time window in days (`None`: everything).
    #[uniffi(default)]
    pub past_days: Option<u32>,
    /// The server side.
    pub server: ServerConfig,
    /// Settings (`None`: the defaults).
    #[uniffi(default)]
    pub settings: Option<AccountSettings>,
}

impl From<NewAccount> for core::NewAccount {
    fn from(a: NewAccount) -> Self {
        core::NewAccount {
            name: a.name,
            username: a.username,
            local: a.local,
            past_days: a.past_days,
            server: a.server.into(),
            settings: a.settings.map(Into::into).unwrap_or_default(),
        }
    }
}

/// New values for an account's window and settings.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountUpdate {
    /// Past-time window in days (`None`: everything).
    pub past_days: Option<u32>,
    /// Every setting.
    pub settings: AccountSettings,
}

impl From<AccountUpdate> for core::AccountUpdate {
    fn from(u: AccountUpdate) -> Self {
        core::AccountUpdate {
            past_days: u.past_days,
            settings: u.settings.into(),
        }
    }
}

/// The protocol of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Protocol {
    /// CalDAV.
    CalDav,
    /// SyncML DS.
    SyncMl,
}

/// An account as the store keeps it (never a password).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountInfo {
    /// Unique name.
    pub name: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// The server URL given when it was added.
    pub server_url: String,
    /// User name.
    pub username: String,
    /// The server calendar synced, once chosen.
    pub calendar_url: Option<String>,
    /// Its display name, when the server gave one.
    pub calendar_name: Option<String>,
    /// The local calendar.
    pub local: String,
    /// Past-time window in days.
    pub past_days: Option<u32>,
    /// Settings.
    pub settings: AccountSettings,
    /// The SyncML device id (SyncML accounts only).
    pub device_id: Option<String>,
}

impl From<core::AccountInfo> for AccountInfo {
    fn from(a: core::AccountInfo) -> Self {
        AccountInfo {
            name: a.name,
            protocol: match a.protocol {
                core::Protocol::CalDav => Protocol::CalDav,
                core::Protocol::SyncMl => Protocol::SyncMl,
            },
            server_url: a.server_url,
            username: a.username,
            calendar_url: a.calendar_url,
            calendar_name: a.calendar_name,
            local: a.local,
            past_days: a.past_days,
            settings: a.settings.into(),
            device_id: a.device_id,
        }
    }
}

/// Where an account stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    pub last_report_json: Option<String>,
    /// Conflict copies kept.
    pub conflicts_kept: u64,
    /// The next sync can ask the server for changes only.
    pub incremental: bool,
    /// A sync of this account is running now.
    pub syncing: bool,
}

impl From<core::AccountStatus> for AccountStatus {
    fn from(s: core::AccountStatus) -> Self {
        AccountStatus {
            account: s.account,
            calendar: s.calendar,
            local: s.local,
            items: s.items,
            last_sync_at: s.last_sync_at,
            last_success_at: s.last_success_at,
            last_status: s.last_status.map(Into::into),
            last_report_json: s.last_report.map(|v| v.to_string()),
            conflicts_kept: s.conflicts_kept,
            incremental: s.incremental,
            syncing: s.syncing,
        }
    }
}

/// One past sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// Account name.
    pub account: String,
    /// When it started (seconds since the epoch).
    pub started_at: i64,
    /// How it ended.
    pub status: SyncStatus,
    /// Its report as JSON (a serialised [`SyncReport`]).
    pub report_json: String,
}

impl From<core::HistoryEntry> for HistoryEntry {
    fn from(h: core::HistoryEntry) -> Self {
        HistoryEntry {
            account: h.account,
            started_at: h.started_at,
            status: h.status.into(),
            report_json: h.report.to_string(),
        }
    }
}

/// A kept losing version of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictInfo {
    /// Account name.
    pub account: String,
    /// Id.
    pub id: i64,
    /// UID of the event.
    pub uid: String,
    /// Its title.
    pub summary: Option<String>,
    /// When (seconds since the epoch).
    pub created_at: i64,
    /// Whose version lost.
    pub losing_side: Side,
    /// Why.
    pub reason: String,
    /// The losing version as iCalendar.
    pub ics: String,
}

impl From<core::ConflictInfo> for ConflictInfo {
    fn from(c: core::ConflictInfo) -> Self {
        ConflictInfo {
            account: c.account,
            id: c.id,
            uid: c.uid,
            summary: c.summary,
            created_at: c.created_at,
            losing_side: c.losing_side.into(),
            reason: c.reason,
            ics: c.ics,
        }
    }
}

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BackupReason {
    /// Before the first sync.
    FirstSync,
    /// At the first sync of the day.
    Daily,
    /// Before an account's settings changed.
    SettingsChange,
    /// Asked for by the user.
    Manual,
    /// The prior versions of what a sync changed.
    BeforeSync,
    /// Before a restore replaced events.
    BeforeRestore,
}

/// A backup of an account's calendars.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupInfo {
    /// Id (for restore).
    pub id: i64,
    /// Account name.
    pub account: String,
    /// When (seconds since the epoch).
    pub created_at: i64,
    /// Why.
    pub reason: BackupReason,
    /// The side(s) it holds.
    pub side: Side,
    /// A full snapshot, or the prior versions of what a sync changed.
    pub full: bool,
    /// Kept by rotation.
    pub pinned: bool,
    /// Events in the device part.
    pub device_items: u64,
    /// Events in the server part.
    pub server_items: u64,
    /// Compressed size in bytes.
    pub size: u64,
}

impl From<core::BackupInfo> for BackupInfo {
    fn from(b: core::BackupInfo) -> Self {
        BackupInfo {
            id: b.id,
            account: b.account,
            created_at: b.created_at,
            reason: match b.reason {
                core::BackupReason::FirstSync => BackupReason::FirstSync,
                core::BackupReason::Daily => BackupReason::Daily,
                core::BackupReason::SettingsChange => BackupReason::SettingsChange,
                core::BackupReason::Manual => BackupReason::Manual,
                core::BackupReason::BeforeSync => BackupReason::BeforeSync,
                core::BackupReason::BeforeRestore => BackupReason::BeforeRestore,
            },
            side: b.side.into(),
            full: b.full,
            pinned: b.pinned,
            device_items: b.device_items,
            server_items: b.server_items,
            size: b.size,
        }
    }
}

/// What a restore does to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RestoreAction {
    /// Re-create an event the side lost.
    Add,
    /// Put back the backup's version.
    Revert,
    /// Remove an event added since the backup (only when confirmed).
    Remove,
}

/// One change of a restore.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestoreChange {
    /// The side changed.
    pub side: Side,
    /// What happens.
    pub action: RestoreAction,
    /// UID of the event.
    pub uid: String,
}

/// What a restore did (or would do, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestoreReport {
    /// The changes.
    pub changes: Vec<RestoreChange>,
    /// Events added since the backup and kept because removal was not confirmed.
    pub kept_added: u64,
    /// Nothing was changed.
    pub dry_run: bool,
    /// Errors, one line each.
    pub errors: Vec<String>,
}

impl From<core::RestoreReport> for RestoreReport {
    fn from(r: core::RestoreReport) -> Self {
        RestoreReport {
            changes: r
                .changes
                .into_iter()
                .map(|c| RestoreChange {
                    side: c.side.into(),
                    action: match c.action {
                        core::RestoreAction::Add => RestoreAction::Add,
                        core::RestoreAction::Revert => RestoreAction::Revert,
                        core::RestoreAction::Remove => RestoreAction::Remove,
                    },
                    uid: c.uid,
                })
                .collect(),
            kept_added: r.kept_added as u64,
            dry_run: r.dry_run,
            errors: r.errors,
        }
    }
}
