//! [`VdirDevice`]: a folder with one `.ics` file per event (the vdir layout of vdirsyncer and
//! khal), playing the phone calendar for the CLI and the tests.
//!
//! - id of an event = its file name; version = `<mtime ns>-<size>` of the file.
//! - the calendar id lives in the hidden file `.synchro-id`, made on first use. A folder that
//!   has events but no id file gets a new id: to the engine it is a replaced calendar.
//! - files that do not parse are not listed (a warning is logged, see
//!   [`VdirDevice::unreadable`]) and never deleted or rewritten by a create.
//! - a VEVENT without UID takes its file name (without `.ics`) as UID.
//! - hidden files (`.name`) are ignored: they are ours (`.synchro-id`, temp files) or another
//!   tool's. Our temp files left by an interrupted write are removed by the first listing
//!   after open, in the same pass over the folder.
//! - a batch of many creates writes them in place under their final names, declared first
//!   in a write-ahead record (`.synchro-creating`, see `local::creating`): no temp name and
//!   no rename per file. After a crash, the first listing removes what the record names.

use std::collections::HashSet;
use std::fs;
use std::hash::BuildHasher;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::batch::{flushing_ahead, make_durable, NewFile, TempFile};
use super::creating;
use super::{file_version, new_calendar_id, parse_event, replace_atomic, safe_stem, sync_dir};
use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use crate::ical;
use crate::model::Event;
use crate::{Error, Result};

/// The hidden file holding the calendar id.
const ID_FILE: &str = ".synchro-id";
/// Prefix of our temp files (hidden, so never listed; removed by the first listing after
/// open if a crash left one).
const TEMP_PREFIX: &str = ".synchro-tmp-";
/// A batch creating at least this many files writes them in place under a write-ahead
/// record; below, the record's own flushes would cost more than the renames they save.
const IN_PLACE_FROM: usize = 16;
/// A batch's names are looked up in one listing of the folder while the folder holds at most
/// this many entries per create of the batch; in a larger one, each name is looked up alone
/// (a listing costs well under a tenth of a lookup per entry).
const LIST_PER_CREATE: usize = 20;

/// A vdir folder as a device calendar. See the module documentation of `local::vdir`.
#[derive(Debug)]
pub struct VdirDevice {
    dir: PathBuf,
    /// Set once a listing has removed the temp files a crash left.
    temps_cleared: AtomicBool,
    /// Set once the files of a batch a crash interrupted are removed (`local::creating`).
    recovered: AtomicBool,
    /// About how many entries the folder has: those of its last listing by
    /// [`folder_names`] and the files created since (0 before any listing).
    entries: AtomicUsize,
}

impl VdirDevice {
    /// Opens the folder, creating it (and its parents) when missing.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        crate::private_fs::create_dir_all(&dir)?;
        if !dir.is_dir() {
            return Err(Error::Config(format!("{} is not a folder", dir.display())));
        }
        Ok(VdirDevice {
            dir,
            temps_cleared: AtomicBool::new(false),
            recovered: AtomicBool::new(false),
            entries: AtomicUsize::new(0),
        })
    }

    /// Removes, once after open, the files of a batch that a crash interrupted.
    fn recover_once(&self) -> Result<()> {
        if !self.recovered.swap(true, Ordering::Relaxed) {
            if let Err(e) = creating::recover(&self.dir, is_event_name) {
                self.recovered.store(false, Ordering::Relaxed);
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// The name each create of `ops` takes in place, when the batch has enough creates to
    /// write in place: `<stem>.ics` if no file has it and no earlier create of the batch took
    /// it (otherwise that create goes through a temp file and finds a free name then).
    fn names_in_place(&self, ops: &[DeviceOp]) -> io::Result<Vec<Option<String>>> {
        let creates = ops
            .iter()
            .filter(|op| matches!(op, DeviceOp::Create(_)))
            .count();
        if creates < IN_PLACE_FROM {
            return Ok(vec![None; ops.len()]);
        }
        // The names there now: from one listing while the folder is small beside the batch.
        let listed = if self.entries.load(Ordering::Relaxed) / LIST_PER_CREATE <= creates {
            let listed = folder_names(&self.dir)?;
            self.entries
                .store(listed.len() + creates, Ordering::Relaxed);
            Some(listed)
        } else {
            self.entries.fetch_add(creates, Ordering::Relaxed);
            None
        };
        let mut chosen = HashSet::with_capacity(creates);
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            let DeviceOp::Create(event) = op else {
                out.push(None);
                continue;
            };
            let name = format!("{}.ics", safe_stem(event.uid.as_str()));
            let free = !chosen.contains(&name)
                && match &listed {
                    Some(listed) => !listed.contains(name.as_bytes()),
                    None => matches!(fs::symlink_metadata(self.dir.join(&name)),
                                     Err(e) if e.kind() == io::ErrorKind::NotFound),
                };
            out.push(free.then(|| {
                chosen.insert(name.clone());
                name
            }));
        }
        Ok(out)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of an event file, if `id` is a plain visible `.ics` file name.
    fn path_of(&self, id: &str) -> Option<PathBuf> {
        is_event_name(id).then(|| self.dir.join(id))
    }

    /// The path of the event file `id`, or an error when `id` names no event file.
    fn event_path(&self, id: &str) -> Result<PathBuf> {
        self.path_of(id)
            .ok_or_else(|| Error::Device("not an event file name".into()))
    }

    fn entry(&self, id: &str, path: &Path) -> io::Result<DeviceEntry> {
        Ok(DeviceEntry {
            id: id.to_string(),
            version: file_version(&fs::metadata(path)?),
        })
    }

    /// Reads and parses one file: (entry as of before the read, event).
    fn read(&self, id: &str, path: &Path) -> Result<(DeviceEntry, Event)> {
        // Version first: a change racing the read shows as a newer version next time.
        let entry = self.entry(id, path)?;
        let text = fs::read_to_string(path)?;
        let (event, _) = parse_event(&text, id.trim_end_matches(".ics"))?;
        Ok((entry, event))
    }

    /// The text of the file a create or an update writes (an update merges into what is
    /// there); `None` for a delete.
    fn render(&self, op: &DeviceOp) -> Result<Option<String>> {
        Ok(match op {
            DeviceOp::Create(event) => Some(ical::event_to_ics(event)),
            DeviceOp::Update { id, event } => {
                Some(self.updated_text(id, &self.event_path(id)?, event)?)
            }
            DeviceOp::Delete { .. } => None,
        })
    }

    /// Writes the file of a create or an update (`text`, from [`Self::render`]), not flushed:
    /// a create given a declared name `in_place` under that name, anything else under a temp
    /// name.
    fn stage(&self, op: &DeviceOp, text: Option<String>, in_place: Option<&str>) -> Result<Staged> {
        let text = text.unwrap_or_default();
        Ok(match op {
            DeviceOp::Create(event) => {
                let mut taken = None;
                if let Some(name) = in_place {
                    match NewFile::create(self.dir.join(name), text.as_bytes())? {
                        Some(file) => {
                            return Ok(Staged::InPlace {
                                id: name.to_string(),
                                file,
                            })
                        }
                        // Made by someone else since the record was written.
                        None => taken = Some(name.to_string()),
                    }
                }
                Staged::Create {
                    stem: safe_stem(event.uid.as_str()),
                    tmp: TempFile::write(&self.dir, TEMP_PREFIX, text.as_bytes())?,
                    taken,
                }
            }
            DeviceOp::Update { id, .. } => Staged::Update {
                id: id.clone(),
                path: self.event_path(id)?,
                tmp: TempFile::write(&self.dir, TEMP_PREFIX, text.as_bytes())?,
            },
            DeviceOp::Delete { id } => Staged::Delete { id: id.clone() },
        })
    }

    /// The new text of an existing file: `event` merged into what is there, so that what
    /// the model does not hold is kept.
    fn updated_text(&self, id: &str, path: &Path, event: &Event) -> Result<String> {
        match fs::read_to_string(path) {
            Ok(existing) => {
                // An existing file that does not parse is not ours to overwrite: the merge
                // fails and the op with it.
                let base = match parse_event(&existing, id.trim_end_matches(".ics")) {
                    Ok((_, Some(fixed))) => fixed,
                    Ok((_, None)) => existing,
                    Err(e) => return Err(e),
                };
                ical::merge_event(&base, event)
            }
            // Deleted meanwhile: write it anew under the same name.
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(ical::event_to_ics(event)),
            Err(e) => Err(e.into()),
        }
    }

    /// Puts a staged write in place (or deletes), once the batch's data is durable.
    fn place(&self, staged: Staged) -> Result<DeviceOutcome> {
        match staged {
            Staged::InPlace { id, file } => Ok(DeviceOutcome::Written(DeviceEntry {
                id,
                version: file.version().to_string(),
            })),
            Staged::Create { stem, mut tmp, .. } => {
                for n in 0..1000 {
                    let name = if n == 0 {
                        format!("{stem}.ics")
                    } else {
                        format!("{stem}-{n}.ics")
                    };
                    let path = self.dir.join(&name);
                    let version = tmp.version().to_string();
                    match tmp.create(&path)? {
                        None => {
                            return Ok(DeviceOutcome::Written(DeviceEntry { id: name, version }))
                        }
                        Some(back) => tmp = back,
                    }
                }
                tmp.discard();
                Err(Error::Device("no free file name for this UID".into()))
            }
            Staged::Update { id, path, tmp } => {
                let version = tmp.version().to_string();
                tmp.replace(&path)?;
                Ok(DeviceOutcome::Written(DeviceEntry { id, version }))
            }
            Staged::Delete { id } => self.delete(&id).map(|_| DeviceOutcome::Deleted),
        }
    }

    fn delete(&self, id: &str) -> Result<()> {
        match fs::remove_file(self.event_path(id)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The body of [`DeviceCalendar::apply`], each op's text from `texts` (in order).
    fn write_batch(
        &self,
        ops: &[DeviceOp],
        texts: &mut dyn Iterator<Item = Result<Option<String>>>,
    ) -> Result<Vec<DeviceOutcome>> {
        let in_place = self.names_in_place(ops)?;
        let declared: Vec<&str> = in_place.iter().flatten().map(String::as_str).collect();
        if !declared.is_empty() {
            creating::declare(&self.dir, &declared, TEMP_PREFIX)?;
        }
        let staged: Vec<Result<Staged>> = flushing_ahead(&self.dir, || {
            ops.iter()
                .zip(&in_place)
                .zip(texts)
                .map(|((op, name), text)| text.and_then(|t| self.stage(op, t, name.as_deref())))
                .collect()
        });
        let paths: Vec<&Path> = staged
            .iter()
            .filter_map(|s| match s {
                Ok(Staged::Create { tmp, .. } | Staged::Update { tmp, .. }) => Some(tmp.path()),
                Ok(Staged::InPlace { file, .. }) => Some(file.path()),
                _ => None,
            })
            .collect();
        let durable =
            strike_taken(&self.dir, &declared, &staged).and_then(|()| make_durable(&paths));
        if let Err(e) = durable {
            for s in staged.into_iter().flatten() {
                match s {
                    Staged::Create { tmp, .. } | Staged::Update { tmp, .. } => tmp.discard(),
                    Staged::InPlace { file, .. } => file.discard(),
                    Staged::Delete { .. } => {}
                }
            }
            if !declared.is_empty() && creating::close(&self.dir).is_ok() {
                let _ = sync_dir(&self.dir);
            }
            return Err(e.into());
        }
        let out = staged
            .into_iter()
            .map(|s| {
                s.and_then(|s| self.place(s))
                    .unwrap_or_else(|e| DeviceOutcome::Failed(e.to_string()))
            })
            .collect();
        if !declared.is_empty() {
            creating::close(&self.dir)?;
        }
        // The renames, deletions and the record's removal are durable before the caller
        // records them.
        if !ops.is_empty() {
            sync_dir(&self.dir)?;
        }
        Ok(out)
    }
}

impl DeviceCalendar for VdirDevice {
    fn calendar_id(&self) -> Result<String> {
        let path = self.dir.join(ID_FILE);
        match fs::read_to_string(&path) {
            Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let id = new_calendar_id();
        replace_atomic(&path, TEMP_PREFIX, format!("{id}\n").as_bytes())?;
        sync_dir(&self.dir)?;
        Ok(id)
    }

    /// Every visible `.ics` file, without reading it: a file that does not parse is still
    /// listed (so it never looks deleted) and [`fetch`](DeviceCalendar::fetch) skips it.
    fn list(&self) -> Result<Vec<DeviceEntry>> {
        // The first listing after open also removes the temp files of an interrupted write:
        // no write of this device is under way while it lists (`apply` takes `&mut self`).
        self.recover_once()?;
        let clear_temps = !self.temps_cleared.swap(true, Ordering::Relaxed);
        Ok(scan(&self.dir, clear_temps)?)
    }

    fn fetch(&self, ids: &[String]) -> Result<Vec<(DeviceEntry, Event)>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(path) = self.path_of(id) else {
                continue;
            };
            match self.read(id, &path) {
                Ok(pair) => out.push(pair),
                Err(Error::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => log::warn!("vdir: cannot read {id}: {e}"),
            }
        }
        Ok(out)
    }

    /// A batch costs two flushes (the files, then the folder), whatever its size.
    fn batch_size(&self) -> usize {
        1000
    }

    /// Writes every file of the batch (many creates in place under a write-ahead record,
    /// the rest under temp names), makes them durable with one flush, puts the temp files in
    /// place, then flushes the folder once with the record removed: the caller records the
    /// outcomes only after that.
    fn apply(&mut self, ops: &[DeviceOp]) -> Result<Vec<DeviceOutcome>> {
        self.recover_once()?;
        let this = &*self;
        // The texts are made on another thread while this one declares the batch and writes
        // each file as soon as its text is ready: creates in one folder take its lock in
        // turn, and threads waiting on it would only burn CPU.
        crate::parallel::streamed(
            ops,
            |op| this.render(op),
            |texts| this.write_batch(ops, texts),
        )
    }
}

/// Strikes from the write-ahead record the declared names someone else took before our
/// create (those creates went through temp files): the record then names only our files.
fn strike_taken(dir: &Path, declared: &[&str], staged: &[Result<Staged>]) -> io::Result<()> {
    let taken: HashSet<&str> = staged
        .iter()
        .filter_map(|s| match s {
            Ok(Staged::Create {
                taken: Some(name), ..
            }) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    let ours: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|n| !taken.contains(n))
        .collect();
    creating::declare(dir, &ours, TEMP_PREFIX)
}

/// One pass over the folder: every plain visible `.ics` regular file (not a symlink, not a
/// folder) with its version, in the folder's order (the engine looks entries up by id); with
/// `clear_temps`, our temp files are removed on the way.
///
/// Linux and Android: the folder is opened once, read with large `getdents64` batches, and
/// each candidate is stat'ed relative to it without following symlinks; an entry whose type
/// the folder already gives as something else than a file is skipped without a stat.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn scan(dir: &Path, clear_temps: bool) -> io::Result<Vec<DeviceEntry>> {
    use rustix::fs::{statat, unlinkat, AtFlags, FileType, RawDir};
    use rustix::io::Errno;

    let fd = open_folder(dir)?;
    let mut buf = dirent_buffer();
    let mut entries = RawDir::new(&fd, &mut buf);
    let mut out = Vec::new();
    while let Some(entry) = entries.next() {
        let entry = entry?;
        let c_name = entry.file_name();
        let bytes = c_name.to_bytes();
        if clear_temps && bytes.starts_with(TEMP_PREFIX.as_bytes()) {
            log::debug!("removing a temp file left by an interrupted write");
            let _ = unlinkat(&fd, c_name, AtFlags::empty());
            continue;
        }
        // Not UTF-8: no id can name it (a lossy name never matched a file).
        let Ok(name) = std::str::from_utf8(bytes) else {
            continue;
        };
        if !is_event_name(name) {
            continue;
        }
        match entry.file_type() {
            // Unknown: the file system does not say; the stat below does.
            FileType::RegularFile | FileType::Unknown => {}
            _ => continue,
        }
        let stat = match statat(&fd, c_name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            // Removed since the folder was read: not there.
            Err(Errno::NOENT) => continue,
            Err(err) => return Err(err.into()),
        };
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            continue;
        }
        out.push(DeviceEntry {
            id: name.to_string(),
            version: stat_version(&stat),
        });
    }
    Ok(out)
}

/// The version of a file from its `stat`, the same string [`file_version`] gives.
#[cfg(any(target_os = "linux", target_os = "android"))]
// The field types differ between targets and rustix back ends.
#[allow(clippy::unnecessary_cast, clippy::cast_sign_loss)]
fn stat_version(stat: &rustix::fs::Stat) -> String {
    let secs = stat.st_mtime as i64;
    let nanos = stat.st_mtime_nsec as u64;
    // Before 1970 counts as 0, as the standard library's `duration_since(UNIX_EPOCH)` fails.
    let mtime_ns = if secs < 0 {
        0
    } else {
        secs as u128 * 1_000_000_000 + u128::from(nanos)
    };
    super::version_string(mtime_ns, stat.st_size as u64)
}

/// One pass over the folder (see the Linux version): one readdir and one metadata per file.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn scan(dir: &Path, clear_temps: bool) -> io::Result<Vec<DeviceEntry>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let file_name = e.file_name();
        if clear_temps
            && file_name
                .as_encoded_bytes()
                .starts_with(TEMP_PREFIX.as_bytes())
        {
            log::debug!("removing a temp file left by an interrupted write");
            let _ = fs::remove_file(e.path());
            continue;
        }
        let name = match file_name.into_string() {
            Ok(name) if is_event_name(&name) => name,
            // Not UTF-8: no id can name it (a lossy name never matched a file).
            _ => continue,
        };
        // Does not follow a symlink: a symlink is not listed.
        let meta = match e.metadata() {
            Ok(m) if m.is_file() => m,
            Ok(_) => continue,
            // Removed since read_dir: not there.
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err),
        };
        out.push(DeviceEntry {
            id: name,
            version: file_version(&meta),
        });
    }
    Ok(out)
}

/// The names in a folder, each as a hash: a name found there is there; a name not there is
/// found only when its hash matches another's, and is then taken as there, which only costs
/// its create a temp file.
struct FolderNames {
    hasher: std::hash::RandomState,
    hashes: HashSet<u64>,
}

impl FolderNames {
    fn new() -> FolderNames {
        FolderNames {
            hasher: std::hash::RandomState::new(),
            hashes: HashSet::new(),
        }
    }

    fn insert(&mut self, name: &[u8]) {
        self.hashes.insert(self.hasher.hash_one(name));
    }

    /// Whether `name` is (or may be) in the folder.
    fn contains(&self, name: &[u8]) -> bool {
        self.hashes.contains(&self.hasher.hash_one(name))
    }

    fn len(&self) -> usize {
        self.hashes.len()
    }
}

/// The folder opened for reading its entries.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn open_folder(dir: &Path) -> io::Result<rustix::fd::OwnedFd> {
    use rustix::fs::{openat, Mode, OFlags, CWD};
    Ok(openat(
        CWD,
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// The buffer a folder's entries are read into: 64 KiB, about 1,500 entries per system call.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn dirent_buffer() -> Vec<std::mem::MaybeUninit<u8>> {
    vec![std::mem::MaybeUninit::uninit(); 64 * 1024]
}

/// Every name in `dir`, read with large `getdents64` batches and no metadata.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn folder_names(dir: &Path) -> io::Result<FolderNames> {
    let fd = open_folder(dir)?;
    let mut buf = dirent_buffer();
    let mut entries = rustix::fs::RawDir::new(&fd, &mut buf);
    let mut names = FolderNames::new();
    while let Some(entry) = entries.next() {
        names.insert(entry?.file_name().to_bytes());
    }
    Ok(names)
}

/// Every name in `dir`.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn folder_names(dir: &Path) -> io::Result<FolderNames> {
    let mut names = FolderNames::new();
    for e in fs::read_dir(dir)? {
        names.insert(e?.file_name().as_encoded_bytes());
    }
    Ok(names)
}

/// True for a plain visible `.ics` file name: what the folder lists as an event.
fn is_event_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && !id.contains(['/', '\\', '\0'])
        && id.ends_with(".ics")
}

/// One write of a batch, its file written in place or under a temp name.
enum Staged {
    /// A create written under its declared name.
    InPlace {
        id: String,
        file: NewFile,
    },
    /// A create under a temp name, put at the first free `<stem>[-n].ics`; `taken` is the
    /// declared name someone else took first, if any.
    Create {
        stem: String,
        tmp: TempFile,
        taken: Option<String>,
    },
    Update {
        id: String,
        path: PathBuf,
        tmp: TempFile,
    },
    Delete {
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn listed(device: &VdirDevice) -> HashMap<String, String> {
        device
            .list()
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.version))
            .collect()
    }

    #[test]
    fn the_first_listing_removes_crash_temps_and_lists_only_event_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let device = VdirDevice::open(dir).unwrap();
        // What a crash between a temp write and its rename leaves, plus what is not an event.
        fs::write(dir.join(".synchro-tmp-00000000deadbeef"), "BEGIN:VCALENDAR").unwrap();
        fs::write(dir.join("a.ics"), "one").unwrap();
        fs::write(dir.join("b.ics"), "three").unwrap();
        fs::write(dir.join(".hidden.ics"), "x").unwrap();
        fs::write(dir.join("notes.txt"), "x").unwrap();
        fs::write(dir.join("back\\slash.ics"), "x").unwrap();
        fs::create_dir(dir.join("folder.ics")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("a.ics"), dir.join("link.ics")).unwrap();

        let got = listed(&device);
        let mut ids: Vec<&str> = got.keys().map(String::as_str).collect();
        ids.sort();
        assert_eq!(ids, ["a.ics", "b.ics"]);
        for (id, version) in &got {
            // The same string as the metadata of the file gives: a store keeps its versions.
            assert_eq!(
                *version,
                file_version(&fs::symlink_metadata(dir.join(id)).unwrap())
            );
        }
        assert!(!dir.join(".synchro-tmp-00000000deadbeef").exists());
        assert!(dir.join(".hidden.ics").exists());

        // Only the first listing clears: later temp files are left to their writer.
        fs::write(dir.join(".synchro-tmp-0000000000000001"), "x").unwrap();
        assert_eq!(listed(&device), got);
        assert!(dir.join(".synchro-tmp-0000000000000001").exists());
        // A device opened anew clears it.
        let again = VdirDevice::open(dir).unwrap();
        assert_eq!(listed(&again), got);
        assert!(!dir.join(".synchro-tmp-0000000000000001").exists());
    }

    fn creates(uids: impl IntoIterator<Item = String>) -> Vec<DeviceOp> {
        uids.into_iter()
            .map(|uid| DeviceOp::Create(crate::testing::conformance::event(&uid, "In place")))
            .collect()
    }

    fn hidden(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with('.') && n != ID_FILE)
            .collect()
    }

    #[test]
    fn a_batch_of_many_creates_writes_them_in_place_and_leaves_no_record() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut device = VdirDevice::open(dir).unwrap();
        // A file already holds the first name: that create takes another one, the file stays.
        fs::write(dir.join("u0.ics"), "someone else's").unwrap();
        let mut ops = creates((0..40).map(|i| format!("u{i}")));
        // Two UIDs with the same file name in one batch: the second takes another name.
        ops.push(DeviceOp::Create(crate::testing::conformance::event(
            "u1",
            "Same UID again",
        )));
        const {
            assert!(
                IN_PLACE_FROM <= 40,
                "the batch is large enough to write in place"
            )
        };
        let out = device.apply(&ops).unwrap();
        let written: Vec<&DeviceEntry> = out
            .iter()
            .map(|o| match o {
                DeviceOutcome::Written(e) => e,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(written[0].id, "u0-1.ics");
        assert_eq!(written[1].id, "u1.ics");
        assert_eq!(written[39].id, "u39.ics");
        assert_eq!(written[40].id, "u1-1.ics");
        assert_eq!(
            fs::read_to_string(dir.join("u0.ics")).unwrap(),
            "someone else's"
        );
        assert!(fs::read_to_string(dir.join("u1-1.ics"))
            .unwrap()
            .contains("SUMMARY:Same UID again"));
        let got = listed(&device);
        assert_eq!(got.len(), 42);
        for e in written {
            assert_eq!(got[&e.id], e.version, "{}", e.id);
            let text = fs::read_to_string(dir.join(&e.id)).unwrap();
            assert!(text.contains("BEGIN:VEVENT"), "{}", e.id);
        }
        // Neither the record nor a temp file is left.
        assert_eq!(hidden(dir), Vec::<String>::new());
    }

    #[test]
    fn a_name_already_in_the_folder_is_never_declared_whether_listed_or_looked_up() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut device = VdirDevice::open(dir).unwrap();
        for i in 0..400 {
            fs::write(dir.join(format!("other{i}.ics")), "x").unwrap();
        }
        let taken_first = |device: &VdirDevice, stem: &str| {
            fs::write(dir.join(format!("{stem}0.ics")), "someone else's").unwrap();
            let ops = creates((0..16).map(|i| format!("{stem}{i}")));
            let names = device.names_in_place(&ops).unwrap();
            assert_eq!(names[0], None, "{stem}");
            assert_eq!(names[1].as_deref(), Some(format!("{stem}1.ics").as_str()));
            assert_eq!(names.iter().flatten().count(), 15);
            ops
        };
        // The first batch lists the folder (nothing is known of its size yet) ...
        let ops = taken_first(&device, "first");
        device.apply(&ops).unwrap();
        // ... which is then too large beside a batch of 16 to list again: each name is looked
        // up alone.
        let known = device.entries.load(Ordering::Relaxed);
        assert!(known >= 417 && known / LIST_PER_CREATE > 16, "{known}");
        let ops = taken_first(&device, "second");
        device.apply(&ops).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("second0.ics")).unwrap(),
            "someone else's"
        );
        assert!(dir.join("second0-1.ics").exists());
        assert_eq!(hidden(dir), Vec::<String>::new());
    }

    #[test]
    fn the_first_listing_after_a_crash_removes_the_files_of_the_interrupted_batch() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut device = VdirDevice::open(dir).unwrap();
        device
            .apply(&creates((0..20).map(|i| format!("kept{i}"))))
            .unwrap();
        // What a crash in the middle of a batch leaves: its record, a complete file, a file
        // created but not yet written, and names never reached.
        creating::declare(dir, &["a.ics", "b.ics", "c.ics"], TEMP_PREFIX).unwrap();
        fs::write(
            dir.join("a.ics"),
            crate::ical::event_to_ics(&crate::testing::conformance::event("a", "Complete")),
        )
        .unwrap();
        fs::write(dir.join("b.ics"), "").unwrap();

        let again = VdirDevice::open(dir).unwrap();
        let got = listed(&again);
        assert_eq!(got.len(), 20);
        assert!(got.keys().all(|id| id.starts_with("kept")));
        assert!(!dir.join("a.ics").exists() && !dir.join("b.ics").exists());
        assert_eq!(hidden(dir), Vec::<String>::new());
    }

    #[test]
    fn a_declared_name_taken_by_someone_else_is_struck_from_the_record() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        creating::declare(dir, &["a.ics", "b.ics", "c.ics"], TEMP_PREFIX).unwrap();
        let staged = vec![
            Ok(Staged::Delete { id: "x.ics".into() }),
            Ok(Staged::Create {
                stem: "b".into(),
                tmp: TempFile::write(dir, TEMP_PREFIX, b"ours").unwrap(),
                taken: Some("b.ics".into()),
            }),
        ];
        strike_taken(dir, &["a.ics", "b.ics", "c.ics"], &staged).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join(creating::RECORD_FILE)).unwrap(),
            "a.ics\nc.ics\n"
        );
    }

    #[test]
    fn a_rewritten_file_lists_a_new_version_and_a_removed_one_is_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let device = VdirDevice::open(dir).unwrap();
        for i in 0..300 {
            fs::write(dir.join(format!("e{i}.ics")), "x").unwrap();
        }
        let before = listed(&device);
        assert_eq!(before.len(), 300);
        fs::write(dir.join("e7.ics"), "longer").unwrap();
        fs::remove_file(dir.join("e8.ics")).unwrap();
        let after = listed(&device);
        assert_eq!(after.len(), 299);
        assert_ne!(after["e7.ics"], before["e7.ics"]);
        assert!(after["e7.ics"].ends_with("-6"));
        assert!(!after.contains_key("e8.ics"));
        assert_eq!(after["e9.ics"], before["e9.ics"]);
    }
}
