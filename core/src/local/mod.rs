//! Device calendars for the desktop and the tests: a vdir folder (one `.ics` per event, the
//! layout of vdirsyncer and khal) and a single `.ics` file, both [`DeviceCalendar`]s; plus
//! the crash-safe file writing they share (temp files, one flush per batch, rename, one
//! fsync of the folder: `batch`; many creates written in place under a write-ahead record
//! of their names: `creating`).
//!
//! Choices common to both:
//! - Nothing the user put there is deleted or rewritten unless the sync asks for it: files
//!   or objects that do not parse are left alone (and not listed, with a warning).
//! - Writes are atomic: a reader (or a crash) sees the old file or the new one, never half.
//! - Updates merge the new [`crate::model::Event`] into the existing text with
//!   [`crate::ical::merge_event`], so what the model does not hold (X- properties, attendee
//!   parameters, VTIMEZONEs, unknown components) survives.

mod batch;
mod creating;
mod icsfile;
mod vdir;

pub use icsfile::IcsFileDevice;
pub use vdir::VdirDevice;

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::UNIX_EPOCH;

use crate::device::DeviceCalendar;
use crate::ical::{self, Component, Property};
use crate::model::Event;
use crate::{Error, Result};
use batch::TempFile;

/// Opens `vdir:DIR` or `ics:FILE`, creating the folder or an empty calendar file when
/// missing. Anything else is an [`Error::Config`].
pub fn open_local(spec: &str) -> Result<Box<dyn DeviceCalendar>> {
    let (kind, path) = spec
        .split_once(':')
        .ok_or_else(|| Error::Config(bad_spec(spec)))?;
    if path.is_empty() {
        return Err(Error::Config(bad_spec(spec)));
    }
    match kind {
        "vdir" => Ok(Box::new(VdirDevice::open(path)?)),
        "ics" => Ok(Box::new(IcsFileDevice::open(path)?)),
        _ => Err(Error::Config(bad_spec(spec))),
    }
}

fn bad_spec(spec: &str) -> String {
    format!("local calendar must be vdir:DIR or ics:FILE, not {spec:?}")
}

/// A new random calendar id (128 bits, hex).
pub(crate) fn new_calendar_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// `<mtime in ns>-<size>` of a file: changes whenever the file is rewritten.
pub(crate) fn file_version(meta: &fs::Metadata) -> String {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    version_string(mtime, meta.len())
}

/// The version `<mtime_ns>-<size>` (an mtime before 1970 counts as 0): the one form every
/// store holds, whichever way the folder scan read the file's metadata.
pub(crate) fn version_string(mtime_ns: u128, size: u64) -> String {
    // Written by hand: the folder scan makes one per file at every sync.
    let Ok(ns) = u64::try_from(mtime_ns) else {
        return format!("{mtime_ns}-{size}");
    };
    // Both numbers and the dash, written from the end; then one allocation, one UTF-8 check.
    let mut buf = [0u8; 41];
    let mut i = write_decimal(&mut buf, 41, size);
    i -= 1;
    buf[i] = b'-';
    i = write_decimal(&mut buf, i, ns);
    String::from_utf8(buf[i..].to_vec()).unwrap_or_default()
}

/// Writes the decimal digits of `n` into `buf`, ending before `end`, two digits per
/// division; returns where they start. `end` leaves room for 20 digits.
fn write_decimal(buf: &mut [u8], end: usize, mut n: u64) -> usize {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut i = end;
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

/// Replaces (or creates) `target` atomically: temp file in the same folder, flushed, then
/// rename. The caller fsyncs the folder with [`sync_dir`].
pub(crate) fn replace_atomic(target: &Path, prefix: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = TempFile::write(parent_dir(target), prefix, bytes)?;
    if let Err(e) = batch::make_durable(&[tmp.path()]) {
        tmp.discard();
        return Err(e);
    }
    tmp.replace(target)
}

/// Flushes a folder's entries (renames, creations, deletions) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes our temp files left by a crash (`<prefix>*` in `dir`).
pub(crate) fn remove_stale_temps(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name()
            .as_encoded_bytes()
            .starts_with(prefix.as_bytes())
        {
            log::debug!("removing a temp file left by an interrupted write");
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Parses one iCalendar object into an [`Event`]. A VEVENT without UID gets
/// `fallback_uid`, so that a hand-written file can still be synced; returns the text with
/// that UID added (to merge updates into), or `None` when the text had its UIDs.
pub(crate) fn parse_event(text: &str, fallback_uid: &str) -> Result<(Event, Option<String>)> {
    match ical::ics_to_event(text) {
        Ok(event) if !event.uid.as_str().is_empty() => Ok((event, None)),
        first => {
            let mut cal = ical::parse_calendar(text)?;
            if !add_missing_uids(&mut cal, fallback_uid) {
                // The UIDs were there: the first error stands.
                return first.map(|e| (e, None));
            }
            let fixed = ical::write_calendar(&cal);
            let event = ical::ics_to_event(&fixed)?;
            Ok((event, Some(fixed)))
        }
    }
}

/// Adds `UID:uid` to every VEVENT without one; true if any was added.
fn add_missing_uids(cal: &mut Component, uid: &str) -> bool {
    let mut added = false;
    for c in &mut cal.components {
        if c.name == "VEVENT"
            && !c
                .properties
                .iter()
                .any(|p| p.name == "UID" && !p.value.trim().is_empty())
        {
            c.properties.retain(|p| p.name != "UID");
            c.properties.insert(
                0,
                Property {
                    name: "UID".into(),
                    params: Vec::new(),
                    value: uid.to_string(),
                },
            );
            added = true;
        }
    }
    added
}

/// A file-name-safe stem for a UID: ASCII letters, digits and `-_.@`; anything else
/// becomes `_`; never hidden, never empty, at most 128 bytes.
pub(crate) fn safe_stem(uid: &str) -> String {
    let mut s: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(128)
        .collect();
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    if s.is_empty() {
        s.push_str("event");
    }
    s
}

#[cfg(test)]
mod conformance;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_version_is_mtime_in_ns_and_size_in_decimal() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("e.ics");
        fs::write(&path, b"0123456789").unwrap();
        let meta = fs::metadata(&path).unwrap();
        let ns = meta
            .modified()
            .unwrap()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        // The form stored by every earlier version: a rewrite of it would re-read every file.
        assert_eq!(file_version(&meta), format!("{ns}-10"));
        for n in [
            0,
            7,
            10,
            99,
            100,
            101,
            1_000,
            12_345,
            1_764_500_000_123_456_789,
            u64::MAX,
        ] {
            assert_eq!(version_string(u128::from(n), n), format!("{n}-{n}"));
        }
        // An mtime beyond u64 nanoseconds (year 2554) keeps the same form.
        let far = u128::from(u64::MAX) + 1;
        assert_eq!(version_string(far, 3), format!("{far}-3"));
    }

    #[test]
    fn open_local_parses_specs_and_creates_what_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/vdir");
        let file = tmp.path().join("c/d/cal.ics");
        open_local(&format!("vdir:{}", dir.display())).unwrap();
        assert!(dir.is_dir());
        open_local(&format!("ics:{}", file.display())).unwrap();
        assert!(file.is_file());
        for bad in [
            "",
            "vdir",
            "vdir:",
            "ics:",
            "caldav:/x",
            "/some/dir",
            "VDIR:/x",
        ] {
            let err = open_local(bad).err().expect(bad);
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{bad}");
        }
    }

    #[test]
    fn safe_stems() {
        assert_eq!(safe_stem("abc-123@host.fr"), "abc-123@host.fr");
        assert_eq!(safe_stem("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_stem(".hidden"), "_hidden");
        assert_eq!(safe_stem(""), "event");
        assert_eq!(safe_stem("é/è"), "___");
        assert_eq!(safe_stem(&"x".repeat(300)).len(), 128);
    }

    #[test]
    fn atomic_replace_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a.ics");
        replace_atomic(&target, ".t-", b"one").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"one");
        replace_atomic(&target, ".t-", b"three").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"three");
        sync_dir(tmp.path()).unwrap();
        // No temp file left behind.
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["a.ics"]);
    }

    #[test]
    fn stale_temps_are_removed_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(".synchro-tmp-123"), "x").unwrap();
        fs::write(tmp.path().join("keep.ics"), "x").unwrap();
        fs::write(tmp.path().join(".other"), "x").unwrap();
        remove_stale_temps(tmp.path(), ".synchro-tmp-");
        assert!(!tmp.path().join(".synchro-tmp-123").exists());
        assert!(tmp.path().join("keep.ics").exists());
        assert!(tmp.path().join(".other").exists());
    }
}
