//! The SQLite store ([`SqliteStore`]): accounts, calendars and their sync marks, the
//! three-way item table, conflict copies and the history of syncs. WAL mode, one writer,
//! migrations by `PRAGMA user_version`. No password is ever written here.

mod accounts;
mod backups;
mod history;
mod items;
mod lock;
mod schema;
mod syncml;

pub use accounts::{Account, AccountSettings, CalendarState, Protocol, DEFAULT_MULTIGET_BATCH};
pub use backups::{BackupBudget, BackupData, BackupInfo, BackupReason, PackedPart, SidePart};
pub use history::{ConflictRecord, SessionRecord};
pub use items::ItemRecord;
pub use lock::SyncLock;
pub use syncml::{JournalEntry, JournalKind, JournalState, SyncMlState};

use crate::Result;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// The store: one SQLite file per user of the core.
pub struct SqliteStore {
    conn: Connection,
}

/// The page size of a new store, in bytes.
const PAGE_SIZE: u32 = 16 * 1024;

impl SqliteStore {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                crate::private_fs::create_dir_all(dir)?;
            }
        }
        // Created 0600 before SQLite opens it: its WAL and shared-memory files take its mode.
        match crate::private_fs::options()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Pages of 16 KiB for a new store (an existing one keeps its size): an item row holds
        // an event's iCalendar, and recording a download of thousands of them splits and
        // logs a quarter as many pages as with 4 KiB (about 40 % less work). Set before the
        // first page is written, which switching to WAL does.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Updates and deletes of `items` fire the digest triggers, so each one keeps a
        // statement journal (the pages it changes, to undo it alone): in memory, where it
        // lives for one row, rather than in a temporary file written through the kernel. The
        // store's sorts and temporary tables are small (every large read follows an index).
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Self::init(conn)
    }

    /// A store in memory, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&conn)?;
        Ok(SqliteStore { conn })
    }

    /// The folder the store's file is in (`None` for a store in memory): where a sync's
    /// temporary files go, private to the user as the store is.
    pub fn folder(&self) -> Option<std::path::PathBuf> {
        // SQLite gives the file's absolute path.
        let path = Path::new(self.conn.path().filter(|p| !p.is_empty())?);
        match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => Some(dir.to_path_buf()),
            _ => Some(std::path::PathBuf::from(".")),
        }
    }

    /// Runs `f` in one transaction: all of it is committed, or none.
    pub fn write<T>(&mut self, f: impl FnOnce(&StoreTx<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        let out = f(&StoreTx { conn: &tx })?;
        tx.commit()?;
        Ok(out)
    }

    /// Read access (and single-statement writes, each its own transaction).
    pub fn read(&self) -> StoreTx<'_> {
        StoreTx { conn: &self.conn }
    }
}

/// Access to the store's tables, inside a transaction or not.
pub struct StoreTx<'a> {
    conn: &'a Connection,
}

/// Column `i` of `row`, a name parsed by `parse`: an unknown name (a store written by a
/// later version, or damaged) is an error naming `what`, never a silent default.
pub(crate) fn named<T>(
    row: &rusqlite::Row<'_>,
    i: usize,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(i)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what} {text:?}").into(),
        )
    })
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(all(test, unix))]
mod mode_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_store_its_folders_wal_and_lock_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("new/deeper/synchro.db");
        let store = SqliteStore::open(&path).unwrap();
        let _lock = lock::SyncLock::acquire(&path, Duration::from_secs(1)).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("new")), 0o700);
        assert_eq!(mode(&tmp.path().join("new/deeper")), 0o700);
        assert_eq!(mode(&tmp.path().join("new/deeper/synchro.db.lock")), 0o600);
        let wal = tmp.path().join("new/deeper/synchro.db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
        drop(store);
    }

    #[test]
    fn a_store_keeps_its_statement_journals_in_memory() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&tmp.path().join("synchro.db")).unwrap();
        let temp_store: i64 = store
            .conn
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .unwrap();
        // 2: MEMORY.
        assert_eq!(temp_store, 2);
    }
}
