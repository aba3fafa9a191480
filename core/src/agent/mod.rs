//! [`SyncAgent`]: the one entry point of the core for every front end (the CLI, the FFI, the
//! apps). It owns the store, the sync lock and the interrupt flag; it picks the protocol of
//! each account; it answers status and history while a sync runs on another thread (a
//! separate connection: WAL lets readers go on while the sync writes).
//!
//! The agent is `Send + Sync`: share it behind an `Arc`, run `sync` on a worker thread and call
//! [`SyncAgent::interrupt`] or [`SyncAgent::status`] from any other.

mod accounts;
mod backups;
mod queries;
mod records;

pub use crate::backup::restore::{RestoreAction, RestoreChange, RestoreReport};
pub use crate::remote::caldav::CalendarInfo;
pub use crate::remote::syncml::auth::AuthType as SyncMlAuth;
pub use crate::remote::syncml::SyncMlFormat;
pub use crate::store::{AccountSettings, BackupInfo, BackupReason, Protocol};
pub use crate::sync::syncml::SyncMode;
pub use crate::sync::{Progress, SyncReport, SyncStatus};
pub use records::{
    AccountInfo, AccountStatus, AccountUpdate, ConflictInfo, HistoryEntry, NewAccount,
    ServerConfig, SyncFailure, SyncOptions,
};

use crate::device::DeviceCalendar;
use crate::store::{Account, SqliteStore, SyncLock};
use crate::sync::{Interrupt, NoProgress, SyncContext};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How long an operation needing the sync lock waits for another sync of the same store.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

/// The façade over one store: accounts, syncs, history, backups.
pub struct SyncAgent {
    path: PathBuf,
    /// The connection syncs, backups and restores write through, under the sync lock.
    sync_conn: Mutex<SqliteStore>,
    /// The connection for everything short: accounts, status, history, conflicts, backups
    /// listed. It never waits for a running sync.
    conn: Mutex<SqliteStore>,
    /// The interrupt flag of the running sync (a new one per sync).
    interrupt: Mutex<Interrupt>,
    /// The account being synced, if any.
    running: Mutex<Option<String>>,
    lock_wait: Duration,
}

impl SyncAgent {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<SyncAgent> {
        let sync_conn = SqliteStore::open(path)?;
        let conn = SqliteStore::open(path)?;
        Ok(SyncAgent {
            path: path.to_path_buf(),
            sync_conn: Mutex::new(sync_conn),
            conn: Mutex::new(conn),
            interrupt: Mutex::new(Interrupt::default()),
            running: Mutex::new(None),
            lock_wait: DEFAULT_LOCK_WAIT,
        })
    }

    /// Sets how long a sync (backup, restore, settings change) waits for another sync of the
    /// same store before failing with [`Error::Busy`].
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    /// The store's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Syncs `account` with `device`, with the account's protocol. `password` is used for
    /// this sync only, never kept. A sync the safety checks hold back fails with
    /// [`Error::NeedsConfirmation`] (its report holds the typed reason and plan); run it again
    /// with [`SyncOptions::confirmed`] to apply it. A sync that ran but could not apply every
    /// change returns its report with [`SyncStatus::Error`] and the errors listed.
    pub fn sync(
        &self,
        account: &str,
        password: &str,
        device: &mut dyn DeviceCalendar,
        options: &SyncOptions,
        progress: Option<&dyn Progress>,
    ) -> Result<SyncReport, SyncFailure> {
        let fail = |error: Error| SyncFailure::new(account, error);
        let account = self.account_record(account).map_err(fail)?;
        if options.mode.is_some_and(|m| m != SyncMode::TwoWay)
            && account.protocol != Protocol::SyncMl
        {
            return Err(fail(Error::Config(
                "sync modes other than two-way are for SyncML accounts".into(),
            )));
        }
        let _lock = self.lock().map_err(fail)?;
        let interrupt = Interrupt::default();
        *lock_mutex(&self.interrupt) = interrupt.clone();
        *lock_mutex(&self.running) = Some(account.name.clone());
        let ctx = SyncContext {
            dry_run: options.dry_run,
            confirmed: options.confirmed,
            interrupt,
            progress: progress.unwrap_or(&NoProgress),
            download_memory: options
                .download_memory
                .map_or(crate::sync::DOWNLOAD_MEMORY, |b| {
                    usize::try_from(b).unwrap_or(usize::MAX)
                }),
        };
        let outcome = {
            let mut store = lock_mutex(&self.sync_conn);
            crate::panic_guard::guard(|| match account.protocol {
                Protocol::CalDav => {
                    crate::sync::caldav::sync_caldav(&mut store, &account, password, device, &ctx)
                }
                Protocol::SyncMl => crate::sync::syncml::sync_syncml(
                    &mut store,
                    &account,
                    password,
                    device,
                    &ctx,
                    options.mode,
                ),
            })
        };
        *lock_mutex(&self.running) = None;
        ctx.progress.finish();
        let (report, error) = outcome.map_err(fail)?;
        match (error, &report.hold) {
            (Some(error), _) => Err(SyncFailure {
                error,
                report: Box::new(report),
            }),
            (None, Some(reason)) => Err(SyncFailure {
                error: Error::NeedsConfirmation(reason.clone()),
                report: Box::new(report),
            }),
            (None, None) => Ok(report),
        }
    }

    /// Asks the running sync (if any) to stop at its next safe point: between two items for
    /// CalDAV, with a suspend alert for SyncML. Nothing half-done is kept; the next sync
    /// converges. Callable from any thread.
    pub fn interrupt(&self) {
        lock_mutex(&self.interrupt).interrupt();
    }

    /// The name of the account being synced right now, if any.
    pub fn running(&self) -> Option<String> {
        lock_mutex(&self.running).clone()
    }

    /// The sync lock of the store (one sync, backup or restore at a time, across processes).
    fn lock(&self) -> Result<SyncLock> {
        SyncLock::acquire(&self.path, self.lock_wait)
    }

    /// The short-operations connection.
    fn conn(&self) -> MutexGuard<'_, SqliteStore> {
        lock_mutex(&self.conn)
    }

    /// The account named `name`, or a [`Error::Config`] saying there is none.
    fn account_record(&self, name: &str) -> Result<Account> {
        self.conn()
            .read()
            .account(name)?
            .ok_or_else(|| Error::Config(format!("no account named {name:?}")))
    }

    /// The accounts named (`Some`) or all of them.
    fn selected(&self, name: Option<&str>) -> Result<Vec<Account>> {
        match name {
            Some(n) => Ok(vec![self.account_record(n)?]),
            None => self.conn().read().accounts(),
        }
    }
}

/// Locks a mutex, going on with the data when another thread panicked while holding it (the
/// data behind these mutexes stays consistent: SQLite transactions, flags).
fn lock_mutex<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
