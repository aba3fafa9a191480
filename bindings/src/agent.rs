//! The exported object `SyncAgent`: each method converts its arguments, calls core's
//! `SyncAgent` and converts the answer. No sync logic lives here.

use crate::device::{DeviceCalendar, ForeignDevice};
use crate::error::SyncError;
use crate::progress::{ForeignProgress, SyncProgress};
use crate::records::{
    AccountInfo, AccountSettings, AccountStatus, AccountUpdate, BackupInfo, CalendarInfo,
    ConflictInfo, HistoryEntry, NewAccount, RestoreReport, Side, SyncOptions, SyncReport,
};
use std::path::Path;
use std::sync::Arc;
use synchro_core::agent as core;

/// Result of every exported call.
type Result<T> = std::result::Result<T, SyncError>;

/// The one entry point of the core for an app: accounts, syncs, status, history, backups
/// over one store. Share one per store; `sync` runs on a worker thread while `interrupt`,
/// `status` and `history` answer from any other.
#[derive(uniffi::Object)]
pub struct SyncAgent {
    inner: core::SyncAgent,
}

fn all<T, U: From<T>>(v: Vec<T>) -> Vec<U> {
    v.into_iter().map(U::from).collect()
}

#[uniffi::export]
impl SyncAgent {
    /// Opens (creating if needed) the store at `store_path`.
    #[uniffi::constructor]
    pub fn new(store_path: String) -> Result<Arc<Self>> {
        Ok(Arc::new(SyncAgent {
            inner: core::SyncAgent::open(Path::new(&store_path))?,
        }))
    }

    /// The calendars behind a CalDAV server URL, checking the credentials; `settings` are
    /// those the account will have (their security part applies already), `None` the defaults.
    pub fn discover_calendars(
        &self,
        server_url: String,
        username: String,
        password: String,
        settings: Option<AccountSettings>,
    ) -> Result<Vec<CalendarInfo>> {
        let settings = settings.map(Into::into).unwrap_or_default();
        Ok(all(self.inner.discover_calendars(
            &server_url,
            &username,
            &password,
            &settings,
        )?))
    }

    /// Adds an account (a CalDAV one is checked against the server with `password`, which
    /// is not kept).
    pub fn add_account(&self, account: NewAccount, password: String) -> Result<AccountInfo> {
        Ok(self.inner.add_account(&account.into(), &password)?.into())
    }

    /// Changes an account's window and settings after a backup of both sides (`device` is
    /// its calendar); returns the backup's id, or `None` when nothing changed.
    pub fn update_account(
        &self,
        name: String,
        update: AccountUpdate,
        device: Arc<dyn DeviceCalendar>,
    ) -> Result<Option<i64>> {
        Ok(self
            .inner
            .update_account(&name, &update.into(), &ForeignDevice(device))?)
    }

    /// Every account.
    pub fn list_accounts(&self) -> Result<Vec<AccountInfo>> {
        Ok(all(self.inner.list_accounts()?))
    }

    /// Removes an account and everything kept for it; neither calendar is touched.
    pub fn remove_account(&self, name: String) -> Result<()> {
        Ok(self.inner.remove_account(&name)?)
    }

    /// Syncs `account` with `device`. Blocks until done: call it from a worker thread. A
    /// held-back sync fails with `SyncError::NeedsConfirmation`; run it again with
    /// `options.confirmed` to apply the plan.
    pub fn sync(
        &self,
        account: String,
        password: String,
        device: Arc<dyn DeviceCalendar>,
        options: SyncOptions,
        progress: Option<Arc<dyn SyncProgress>>,
    ) -> Result<SyncReport> {
        let progress = ForeignProgress(progress);
        Ok(self
            .inner
            .sync(
                &account,
                &password,
                &mut ForeignDevice(device),
                &options.into(),
                Some(&progress),
            )?
            .into())
    }

    /// Stops the running sync at its next safe point (from any thread); it fails with
    /// `SyncError::Interrupted` and the next sync goes on from there.
    pub fn interrupt(&self) {
        self.inner.interrupt();
    }

    /// Where each account (or the one named) stands; answers while a sync runs.
    pub fn status(&self, account: Option<String>) -> Result<Vec<AccountStatus>> {
        Ok(all(self.inner.status(account.as_deref())?))
    }

    /// The last `limit` syncs, newest first; answers while a sync runs.
    pub fn history(&self, account: Option<String>, limit: u32) -> Result<Vec<HistoryEntry>> {
        Ok(all(self.inner.history(account.as_deref(), limit)?))
    }

    /// The losing versions of conflicts, kept.
    pub fn conflicts(&self, account: Option<String>) -> Result<Vec<ConflictInfo>> {
        Ok(all(self.inner.conflicts(account.as_deref())?))
    }

    /// Removes the kept conflict copies `ids` once looked at; returns how many were removed.
    pub fn dismiss_conflicts(&self, ids: Vec<i64>) -> Result<u64> {
        Ok(self.inner.dismiss_conflicts(&ids)?)
    }

    /// The backups of each account (or the one named).
    pub fn backups(&self, account: Option<String>) -> Result<Vec<BackupInfo>> {
        Ok(all(self.inner.backups(account.as_deref())?))
    }

    /// Takes a full backup of both sides of `account` now.
    pub fn create_backup(
        &self,
        account: String,
        password: String,
        device: Arc<dyn DeviceCalendar>,
    ) -> Result<BackupInfo> {
        Ok(self
            .inner
            .create_backup(&account, &password, &ForeignDevice(device))?
            .into())
    }

    /// Puts `side` back as backup `id` holds it; a dry run only reports; events added since
    /// are removed only when `confirmed`.
    pub fn restore(
        &self,
        id: i64,
        side: Side,
        dry_run: bool,
        confirmed: bool,
        password: String,
        device: Arc<dyn DeviceCalendar>,
    ) -> Result<RestoreReport> {
        Ok(self
            .inner
            .restore(
                id,
                side.into(),
                dry_run,
                confirmed,
                &password,
                &mut ForeignDevice(device),
            )?
            .into())
    }
}
