//! The report of one sync: counts per side, conflicts, errors, traffic; the same JSON for
//! every protocol (`synchro sync --json`), also kept as the history of syncs.

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

/// One change of a plan, as a dry run shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedChange {
    /// `device` or `server`: the side that changes (`both` for conflicts).
    pub side: String,
    /// `add`, `update`, `delete`, `conflict`, `link`.
    pub action: String,
    /// UID of the event.
    pub uid: String,
    /// Why (e.g. "changed on the server").
    pub reason: String,
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
    /// Why confirmation is needed, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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
            message: None,
            plan: None,
        }
    }
}
