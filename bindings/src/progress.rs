//! The optional foreign trait `SyncProgress` a UI implements to show a sync's progress, and
//! its adapter to core's `Progress`.

use std::sync::Arc;

/// Progress of long phases, for a progress bar. Called from the sync's thread.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// A phase starts (`"download"`, `"upload"`, `"apply"`, ...) with `total` steps.
    fn phase(&self, name: String, total: u64);
    /// `n` more steps of the current phase are done.
    fn advance(&self, n: u64);
}

/// Core's progress over an app's optional [`SyncProgress`].
pub(crate) struct ForeignProgress(pub(crate) Option<Arc<dyn SyncProgress>>);

impl synchro_core::sync::Progress for ForeignProgress {
    fn phase(&self, name: &str, total: u64) {
        if let Some(p) = &self.0 {
            p.phase(name.to_string(), total);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(p) = &self.0 {
            p.advance(n);
        }
    }
}
