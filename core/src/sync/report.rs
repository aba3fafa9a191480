//! The report of one sync: counts per side, conflicts, errors, traffic; the same JSON for
//! every protocol (`synchro sync --json`), also kept as the history of syncs.

use crate::model::Side;
use serde::Serialize;

/// Outcome of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Everything planned was applied (or there was nothing to do).
    Ok,
    /// A safety check held the plan back; nothing was applied.
    NeedsConfirmation,
    /// The sync failed or some items could not be synced.
    Error,
}

/// Changes applied to one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Events created.
    pub added: u64,
    /// Events changed.
    pub updated: u64,
    /// Events removed.
    pub deleted: u64,
}

impl Counts {
    /// Total changes.
    pub fn total(&self) -> u64 {
        self.added + self.updated + self.deleted
    }
}

/// What a planned change does to its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    /// The event is created.
    Add,
    /// The event is replaced.
    Update,
    /// The event is removed.
    Delete,
    /// Both sides changed: the server's version wins, the device's is kept as a copy.
    Conflict,
    /// The same event on both sides is recorded as one (nothing is written).
    Link,
}

/// Why a change is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// One change of a plan, as a dry run or a held-back sync shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedChange {
    /// The side that changes ([`Side::Both`] for a link).
    pub side: Side,
    /// What happens.
    pub action: ChangeAction,
    /// UID of the event.
    pub uid: String,
    /// Its title, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Why.
    pub reason: ChangeReason,
}

/// Why a safety check held a sync back (nothing was applied; a confirmed run applies it).
///
/// Which variant occurs when:
/// - [`HoldReason::EmptiedSide`]: a side that held events is now empty and the plan would
///   delete on the other side; both protocols. An emptied server is seen from a full
///   listing or, from a change list (sync-collection, a SyncML two-way sync), when the
///   server deleted every event the store knew it had and added none.
/// - [`HoldReason::MassDeletion`]: more deletions on one side than the account's thresholds
///   (`max_delete_percent` of the synced events and `max_delete_count`, the larger) allow;
///   both protocols.
/// - [`HoldReason::ServerReset`]: SyncML only, the server asks unasked for a slow sync or a
///   refresh from server (its calendar was replaced or reset, or its sync state lost) while
///   events were synced before.
///
/// Never a hold: a replaced device calendar (a new calendar id) is a reset, its events
/// pulled from the server and nothing deleted; events leaving the sync window are dropped
/// from the device only, never deleted on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HoldReason {
    /// `side` held events and is now empty: the plan would delete `deletions` events on the
    /// other side, of `known` synced before.
    EmptiedSide {
        /// The side found empty.
        emptied: Side,
        /// Events synced before.
        known: u64,
        /// Deletions the plan would make on the other side.
        deletions: u64,
    },
    /// More deletions on `side` than the account's threshold allows.
    MassDeletion {
        /// The side that would lose events.
        side: Side,
        /// Deletions planned there.
        deletions: u64,
        /// Events synced before.
        known: u64,
        /// The account's threshold share, in percent...
        max_percent: u32,
        /// ...and count: more than both is held back.
        max_count: u32,
    },
    /// The SyncML server asks for a full comparison (a slow sync or a refresh from server, as
    /// after its calendar was replaced or reset) although events were synced before: events
    /// deleted on one side may come back.
    ServerReset {
        /// Events synced before.
        known: u64,
    },
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Account name.
    pub account: String,
    /// Outcome.
    pub status: SyncStatus,
    /// Changes applied to the local (device) calendar.
    pub device: Counts,
    /// Changes applied to the server.
    pub server: Counts,
    /// Conflicts resolved (the losing version is kept).
    pub conflicts: u64,
    /// Errors, one line each, without personal data.
    pub errors: Vec<String>,
    /// Things worth knowing that are not errors (duplicates found within one side, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// HTTP requests made.
    pub requests: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Wall-clock duration.
    pub duration_ms: u64,
    /// Stored server copies (iCalendar bodies) read from the store: those of the events the
    /// plan touched, not the whole calendar's.
    #[serde(skip_serializing_if = "is_zero")]
    pub stored_bodies_read: u64,
    /// Why the sync was held back, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<HoldReason>,
    /// The plan, for dry runs and held-back syncs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<PlannedChange>>,
}

impl SyncReport {
    /// An empty report for an account.
    pub fn new(account: &str) -> Self {
        SyncReport {
            account: account.to_string(),
            status: SyncStatus::Ok,
            device: Counts::default(),
            server: Counts::default(),
            conflicts: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            requests: 0,
            bytes_sent: 0,
            bytes_received: 0,
            duration_ms: 0,
            stored_bodies_read: 0,
            hold: None,
            plan: None,
        }
    }
}
