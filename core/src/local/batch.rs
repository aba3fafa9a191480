//! Durable writing of many files at once: each file goes to a hidden temp name in its folder
//! without a flush of its own, then one flush makes every temp file durable (`syncfs` of the
//! file system on Linux and Android, one `fsync` per file elsewhere), then the temp files are
//! put in place (rename, or hard link for a create that must not replace), and the caller
//! flushes the folder once. A crash before the folder flush leaves the old files or the new
//! ones, never half a file, plus hidden temp files that the next open removes.
//!
//! A new file whose name is declared beforehand in a write-ahead record (`super::creating`)
//! is written in place instead ([`NewFile`]): no temp name, no rename. A crash leaves the
//! record, and the next open removes every file it names.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file written under a temp name and not yet in place (closed: a batch of thousands
/// holds no file descriptors).
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    /// The file's version as written ([`super::file_version`]): a rename or a hard link
    /// keeps it, so the placed file has it without another look.
    version: String,
}

impl TempFile {
    /// Writes `bytes` to a new hidden temp file `<prefix><random>` in `dir`, without flushing.
    pub(crate) fn write(dir: &Path, prefix: &str, bytes: &[u8]) -> io::Result<TempFile> {
        loop {
            let path = dir.join(format!("{prefix}{:016x}", rand::random::<u64>()));
            let mut file = match crate::private_fs::options()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            };
            let version = match file.write_all(bytes).and_then(|()| file.metadata()) {
                Ok(meta) => super::file_version(&meta),
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    return Err(e);
                }
            };
            return Ok(TempFile { path, version });
        }
    }

    /// The version the file has wherever it is put.
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    /// Where the file is, under its temp name.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the file at `target`, replacing what is there.
    pub(crate) fn replace(self, target: &Path) -> io::Result<()> {
        fs::rename(&self.path, target).inspect_err(|_| {
            let _ = fs::remove_file(&self.path);
        })
    }

    /// Puts the file at `target` unless something is there: `Ok(None)` when placed, or the
    /// temp file back (to try another name) when `target` exists.
    pub(crate) fn create(self, target: &Path) -> io::Result<Option<TempFile>> {
        // A rename that never replaces: one step, no race with another writer.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use rustix::fs::{renameat_with, RenameFlags, CWD};
            use rustix::io::Errno;
            match renameat_with(CWD, &self.path, CWD, target, RenameFlags::NOREPLACE) {
                Ok(()) => return Ok(None),
                Err(Errno::EXIST) => return Ok(Some(self)),
                // Not supported by this kernel or file system: a hard link does the same.
                Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {}
                Err(e) => return Err(e.into()),
            }
        }
        // A hard link never replaces an existing file: no race with another writer.
        match fs::hard_link(&self.path, target) {
            Ok(()) => {
                let _ = fs::remove_file(&self.path);
                Ok(None)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(Some(self)),
            // File systems without hard links (FAT, some network shares): check, then rename.
            Err(_) if target.exists() => Ok(Some(self)),
            Err(_) => self.replace(target).map(|_| None),
        }
    }

    /// Removes the temp file (a write that was not needed after all).
    pub(crate) fn discard(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// A new file written in place under its final name, closed and not yet flushed.
#[derive(Debug)]
pub(crate) struct NewFile {
    path: PathBuf,
    /// The file's version as written ([`super::file_version`]).
    version: String,
}

impl NewFile {
    /// Creates `path` with `bytes`, without flushing, unless something is there (`Ok(None)`).
    /// A write that fails removes what it created.
    pub(crate) fn create(path: PathBuf, bytes: &[u8]) -> io::Result<Option<NewFile>> {
        let mut file = match crate::private_fs::options()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
            Err(e) => return Err(e),
        };
        match file.write_all(bytes).and_then(|()| file.metadata()) {
            Ok(meta) => Ok(Some(NewFile {
                version: super::file_version(&meta),
                path,
            })),
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// The version of the file.
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    /// Where the file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the file (its batch failed before it was durable).
    pub(crate) fn discard(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Runs `body` (which writes a batch's files) while a thread of its own flushes the file
/// system `dir` is on over and over: the batch's flush after `body` ([`make_durable`]) then
/// finds most of the batch on disk already, and the writes never wait for the disk. Only
/// where that flush is one `syncfs` (Linux and Android); elsewhere `body` runs alone, as it
/// does when the folder cannot be opened or no thread started. The caller still makes the
/// batch durable after: a pass may have begun before the last file was written.
pub(crate) fn flushing_ahead<R>(dir: &Path, body: impl FnOnce() -> R) -> R {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Ok(folder) = File::open(dir) {
        use std::sync::atomic::{AtomicBool, Ordering};
        let done = AtomicBool::new(false);
        let (done, folder) = (&done, &folder);
        return std::thread::scope(|scope| {
            let flusher = std::thread::Builder::new()
                .name("synchro-flush".into())
                .spawn_scoped(scope, move || {
                    while !done.load(Ordering::Relaxed) {
                        // An error here is the batch's flush's to report.
                        if rustix::fs::syncfs(folder).is_err() {
                            break;
                        }
                        std::thread::park_timeout(FLUSH_PAUSE);
                    }
                });
            let out = body();
            done.store(true, Ordering::Relaxed);
            if let Ok(flusher) = flusher {
                flusher.thread().unpark();
            }
            out
        });
    }
    body()
}

/// The pause between two passes of [`flushing_ahead`]: a few files' worth of writing.
#[cfg(any(target_os = "linux", target_os = "android"))]
const FLUSH_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// Flushes one file's data.
fn sync_file(path: &Path) -> io::Result<()> {
    fs::OpenOptions::new().write(true).open(path)?.sync_data()
}

/// Makes the data of every file in `files` durable, in one flush where the platform has one
/// (there, also the names of files created in place: the whole file system is flushed).
pub(crate) fn make_durable(files: &[&Path]) -> io::Result<()> {
    match files {
        [] => Ok(()),
        [one] => sync_file(one),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        [first, ..] => {
            // One flush of the file system the folder is on (the files all live there);
            // since Linux 5.8 it also reports a write-back error of any file on it.
            let file = File::open(first)?;
            rustix::fs::syncfs(&file).map_err(io::Error::from)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        many => many.iter().try_for_each(|f| sync_file(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn flushing_ahead_gives_the_body_result_and_stops_with_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let files = flushing_ahead(dir, || {
            (0..50)
                .map(|i| NewFile::create(dir.join(format!("{i}.ics")), b"x").unwrap())
                .count()
        });
        assert_eq!(files, 50);
        assert_eq!(names(dir).len(), 50);
        // A folder that cannot be opened: the body runs alone.
        assert_eq!(flushing_ahead(&dir.join("missing"), || 7), 7);
    }

    #[test]
    fn a_batch_is_written_flushed_once_and_placed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("b.ics"), "old").unwrap();
        let a = TempFile::write(dir, ".t-", b"new a").unwrap();
        let b = TempFile::write(dir, ".t-", b"new b").unwrap();
        let c = TempFile::write(dir, ".t-", b"new c").unwrap();
        make_durable(&[a.path(), b.path(), c.path()]).unwrap();
        assert!(a.create(&dir.join("a.ics")).unwrap().is_none());
        b.replace(&dir.join("b.ics")).unwrap();
        // `b.ics` exists: the create hands the temp file back, which then takes another name.
        let c = c
            .create(&dir.join("b.ics"))
            .unwrap()
            .expect("b.ics is taken");
        assert!(c.create(&dir.join("b-1.ics")).unwrap().is_none());
        assert_eq!(fs::read(dir.join("a.ics")).unwrap(), b"new a");
        assert_eq!(fs::read(dir.join("b.ics")).unwrap(), b"new b");
        assert_eq!(fs::read(dir.join("b-1.ics")).unwrap(), b"new c");
        assert_eq!(names(dir), ["a.ics", "b-1.ics", "b.ics"]);
        let d = TempFile::write(dir, ".t-", b"unused").unwrap();
        d.discard();
        assert_eq!(names(dir).len(), 3);
        make_durable(&[]).unwrap();
    }
}
