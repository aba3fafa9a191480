//! One sync at a time per store: an exclusive lock on `<store>.lock`, held for the whole
//! sync and released when dropped (also when the process dies). A second sync waits a
//! little, then fails with [`Error::Busy`].

use crate::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Held while a sync runs.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
    path: PathBuf,
}

impl SyncLock {
    /// Takes the sync lock of the store at `store_path`, waiting up to `wait` for another
    /// sync to finish.
    pub fn acquire(store_path: &Path, wait: Duration) -> Result<SyncLock> {
        let mut name = store_path.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let file = crate::private_fs::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(SyncLock { _file: file, path }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Err(Error::Busy),
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::Io(e)),
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_sync_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let first = SyncLock::acquire(&db, Duration::ZERO).unwrap();
        let t = Instant::now();
        let second = SyncLock::acquire(&db, Duration::from_millis(300));
        assert!(matches!(second, Err(Error::Busy)));
        assert!(t.elapsed() >= Duration::from_millis(300));
        drop(first);
        SyncLock::acquire(&db, Duration::ZERO).unwrap();
    }
}
