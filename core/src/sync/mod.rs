//! The sync engine: detect → plan → execute → report. The device side ([`detect`]), the
//! three-way decision ([`plan`]), the application of device writes ([`apply`]) and the report
//! are shared by every protocol; [`caldav`] drives a CalDAV session through them, [`syncml`]
//! a SyncML one.

pub mod apply;
pub mod caldav;
pub mod detect;
pub mod guard;
pub mod pairing;
pub mod plan;
pub mod report;
pub mod syncml;

pub use report::{
    ChangeAction, ChangeReason, Counts, HoldReason, PlannedChange, SyncReport, SyncStatus,
};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// hrefs per calendar-multiget request unless an account says otherwise. Measured with
/// `scripts/bench.sh` (5,000 events on Radicale 3.9, first sync, medians of 2 runs): 25 →
/// 5.9 s, 50 → 4.9 s, 100 → 5.0 s, 200 → 4.8 s, 400 → 4.7 s. Past 50 the gain is within
/// noise while responses grow; DAVx⁵ went down to 10 for slow servers, Thunderbird uses 100.
pub const DEFAULT_MULTIGET_BATCH: usize = 50;

/// Device writes handed to the device calendar at once.
pub const DEVICE_BATCH: usize = 100;

/// Reports progress of long phases to a UI.
pub trait Progress {
    /// A phase starts (`"download"`, `"apply"`, ...) with `total` steps.
    fn phase(&self, name: &str, total: u64);
    /// `n` more steps of the current phase are done.
    fn advance(&self, n: u64);
    /// The sync is over.
    fn finish(&self) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
}

/// A flag another thread sets to stop a sync between two items.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Asks the running sync to stop at the next item boundary.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Fails with [`crate::Error::Interrupted`] once interrupted.
    pub fn check(&self) -> crate::Result<()> {
        if self.0.load(Ordering::SeqCst) {
            Err(crate::Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// What one running sync carries besides its account: the user's choices, the interrupt
/// flag and where progress goes.
pub struct SyncContext<'a> {
    /// Compute and report the plan; change nothing.
    pub dry_run: bool,
    /// The user confirmed a plan a safety check held back.
    pub confirmed: bool,
    /// Checked between items.
    pub interrupt: Interrupt,
    /// Where progress goes.
    pub progress: &'a dyn Progress,
}

impl Default for SyncContext<'_> {
    fn default() -> Self {
        SyncContext {
            dry_run: false,
            confirmed: false,
            interrupt: Interrupt::default(),
            progress: &NoProgress,
        }
    }
}

/// Ends a sync of any protocol: fills in traffic and duration, sets the status from the
/// outcome, and records the report in the history (not for dry runs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    store: &crate::store::SqliteStore,
    account: &crate::store::Account,
    opts: &SyncContext<'_>,
    started: std::time::Instant,
    started_at: i64,
    mut report: SyncReport,
    stats: Option<crate::remote::http::HttpStats>,
    result: crate::Result<()>,
) -> (SyncReport, Option<crate::Error>) {
    if let Some(s) = stats {
        report.requests = s.requests;
        report.bytes_sent = s.bytes_sent;
        report.bytes_received = s.bytes_received;
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    let error = match result {
        Ok(()) => {
            if !report.errors.is_empty() && report.status == SyncStatus::Ok {
                report.status = SyncStatus::Error;
            }
            None
        }
        Err(e) => {
            report.status = match e.kind() {
                crate::ErrorKind::NeedsConfirmation => SyncStatus::NeedsConfirmation,
                _ => SyncStatus::Error,
            };
            report.errors.push(e.to_string());
            Some(e)
        }
    };
    if !opts.dry_run {
        let status = serde_json::to_value(report.status).unwrap_or_default();
        let json = serde_json::to_value(&report).unwrap_or_default();
        let recorded = store.read().calendar_state(account.id).and_then(|cal| {
            store
                .read()
                .mark_synced(cal.id, report.status == SyncStatus::Ok)?;
            store.read().record_session(
                account.id,
                started_at,
                "sync",
                status.as_str().unwrap_or("error"),
                &json,
            )
        });
        if let Err(e) = recorded {
            log::warn!("could not record the sync in the history: {e}");
        }
    }
    (report, error)
}
