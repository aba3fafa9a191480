//! The sync engine: detect → plan → execute → report. The device side ([`detect`]), the
//! three-way decision ([`plan`]), the application of device writes ([`apply`]) and the report
//! are shared by every protocol; [`caldav`] drives a CalDAV session through them, [`syncml`]
//! a SyncML one.

pub mod apply;
pub mod caldav;
pub mod detect;
pub mod duplicates;
mod first_download;
mod frame;
pub mod guard;
mod intake;
pub mod pairing;
pub mod plan;
pub mod report;
pub mod spill;
pub mod syncml;
#[cfg(test)]
mod tests;

pub use report::{
    ChangeAction, ChangeReason, Counts, HoldReason, PlannedChange, SyncReport, SyncStatus,
};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use crate::store::DEFAULT_MULTIGET_BATCH;

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
    /// Bytes of downloaded event text a sync keeps in memory; the rest waits on disk until
    /// it is written ([`spill`]). Default [`DOWNLOAD_MEMORY`].
    pub download_memory: usize,
}

/// The default of [`SyncContext::download_memory`]: about 13,000 events of a typical size,
/// so that a first download of up to about ten thousand events never touches the disk for
/// it.
pub const DOWNLOAD_MEMORY: usize = 16 << 20;

impl Default for SyncContext<'_> {
    fn default() -> Self {
        SyncContext {
            dry_run: false,
            confirmed: false,
            interrupt: Interrupt::default(),
            progress: &NoProgress,
            download_memory: DOWNLOAD_MEMORY,
        }
    }
}
