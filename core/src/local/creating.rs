//! The write-ahead record of the files a batch creates in place: a hidden file in the folder
//! naming them, durable before the first of them is created and removed once they all are
//! (together with the folder flush that ends the batch). A crash in between leaves the
//! record: the next open removes every file it names (complete, half-written or never
//! created: none was recorded by the store yet), then the record itself, and the next sync
//! writes them again.
//!
//! Only names that were free when the record was written are in it. A name another program
//! takes between the record and our create (the create then fails and goes through a temp
//! file) is struck from the record before the batch is flushed: only a crash in that very
//! moment would take that program's file for ours.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use super::{replace_atomic, sync_dir};

/// The hidden file of the record.
pub(crate) const RECORD_FILE: &str = ".synchro-creating";

/// The most of a record read back: a batch's names take well under 1 MiB, so a longer file
/// is not one we wrote, and only its start is looked at.
const MAX_RECORD: u64 = 4 << 20;

/// Makes durable the record of `names` (file names in `dir`), replacing any earlier one.
pub(crate) fn declare(dir: &Path, names: &[&str], temp_prefix: &str) -> io::Result<()> {
    let mut text = String::with_capacity(names.iter().map(|n| n.len() + 1).sum());
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    replace_atomic(&dir.join(RECORD_FILE), temp_prefix, text.as_bytes())?;
    sync_dir(dir)
}

/// Removes the record: the caller's flush of the folder makes the removal durable, after
/// the files it names are.
pub(crate) fn close(dir: &Path) -> io::Result<()> {
    match fs::remove_file(dir.join(RECORD_FILE)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// After a crash: removes every file the record names (only plain event file names are
/// taken from it), then the record, each step flushed. Returns how many files were removed.
pub(crate) fn recover(dir: &Path, is_event_name: impl Fn(&str) -> bool) -> io::Result<usize> {
    let mut text = Vec::new();
    match File::open(dir.join(RECORD_FILE)) {
        Ok(file) => file.take(MAX_RECORD).read_to_end(&mut text)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let text = String::from_utf8_lossy(&text);
    let mut removed = 0;
    for name in text.lines().filter(|n| is_event_name(n)) {
        match fs::remove_file(dir.join(name)) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    sync_dir(dir)?;
    close(dir)?;
    sync_dir(dir)?;
    if removed > 0 {
        log::info!("removed {removed} file(s) of an interrupted write");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(name: &str) -> bool {
        !name.starts_with('.') && !name.contains('/') && name.ends_with(".ics")
    }

    #[test]
    fn recovery_removes_the_files_the_record_names_and_the_record() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("kept.ics"), "not in the record").unwrap();
        fs::write(dir.join("a.ics"), "complete").unwrap();
        fs::write(dir.join("b.ics"), "").unwrap();
        declare(dir, &["a.ics", "b.ics", "never-made.ics"], ".t-").unwrap();
        assert!(dir.join(RECORD_FILE).exists());
        assert_eq!(recover(dir, plain).unwrap(), 2);
        let mut left: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["kept.ics"]);
        // Nothing to recover the second time.
        assert_eq!(recover(dir, plain).unwrap(), 0);
    }

    #[test]
    fn a_record_naming_something_else_than_an_event_file_removes_only_event_files() {
        let tmp = tempfile::tempdir().unwrap();
        let inner = tmp.path().join("cal");
        fs::create_dir(&inner).unwrap();
        fs::write(tmp.path().join("outside.ics"), "x").unwrap();
        fs::write(inner.join(".synchro-id"), "id").unwrap();
        fs::write(inner.join("ok.ics"), "x").unwrap();
        fs::write(
            inner.join(RECORD_FILE),
            "../outside.ics\n.synchro-id\nok.ics\n",
        )
        .unwrap();
        assert_eq!(recover(&inner, plain).unwrap(), 1);
        assert!(tmp.path().join("outside.ics").exists());
        assert!(inner.join(".synchro-id").exists());
        assert!(!inner.join("ok.ics").exists());
        assert!(!inner.join(RECORD_FILE).exists());
    }

    #[test]
    fn only_the_start_of_an_oversized_record_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("first.ics"), "x").unwrap();
        fs::write(dir.join("beyond.ics"), "x").unwrap();
        let mut text = b"first.ics\n".to_vec();
        text.resize(MAX_RECORD as usize, b'#');
        text.extend_from_slice(b"\nbeyond.ics\n");
        fs::write(dir.join(RECORD_FILE), text).unwrap();
        assert_eq!(recover(dir, plain).unwrap(), 1);
        assert!(!dir.join("first.ics").exists());
        assert!(dir.join("beyond.ics").exists());
        assert!(!dir.join(RECORD_FILE).exists());
    }

    #[test]
    fn closing_removes_the_record_and_closing_twice_is_no_error() {
        let tmp = tempfile::tempdir().unwrap();
        declare(tmp.path(), &["a.ics"], ".t-").unwrap();
        close(tmp.path()).unwrap();
        assert!(!tmp.path().join(RECORD_FILE).exists());
        close(tmp.path()).unwrap();
    }
}
