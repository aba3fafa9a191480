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
//!   tool's.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::batch::{make_durable, TempFile};
use super::{
    file_version, new_calendar_id, parse_event, remove_stale_temps, replace_atomic, safe_stem,
    sync_dir,
};
use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use crate::ical;
use crate::model::Event;
use crate::{Error, Result};

/// The hidden file holding the calendar id.
const ID_FILE: &str = ".synchro-id";
/// Prefix of our temp files (hidden, so never listed; removed at open if a crash left one).
const TEMP_PREFIX: &str = ".synchro-tmp-";

/// A vdir folder as a device calendar. See the module documentation of `local::vdir`.
#[derive(Debug)]
pub struct VdirDevice {
    dir: PathBuf,
}

impl VdirDevice {
    /// Opens the folder, creating it (and its parents) when missing.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        crate::private_fs::create_dir_all(&dir)?;
        if !dir.is_dir() {
            return Err(Error::Config(format!("{} is not a folder", dir.display())));
        }
        remove_stale_temps(&dir, TEMP_PREFIX);
        Ok(VdirDevice { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of an event file, if `id` is a plain visible `.ics` file name.
    fn path_of(&self, id: &str) -> Option<PathBuf> {
        is_event_name(id).then(|| self.dir.join(id))
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

    /// Writes the file of a create or an update under a temp name (not flushed, not in place).
    fn stage(&self, op: &DeviceOp) -> Result<Staged> {
        Ok(match op {
            DeviceOp::Create(event) => Staged::Create {
                stem: safe_stem(event.uid.as_str()),
                tmp: TempFile::write(&self.dir, TEMP_PREFIX, ical::event_to_ics(event).as_bytes())?,
            },
            DeviceOp::Update { id, event } => {
                let path = self
                    .path_of(id)
                    .ok_or_else(|| Error::Device("not an event file name".into()))?;
                let text = self.updated_text(id, &path, event)?;
                Staged::Update {
                    id: id.clone(),
                    tmp: TempFile::write(&self.dir, TEMP_PREFIX, text.as_bytes())?,
                    path,
                }
            }
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
            Staged::Create { stem, mut tmp } => {
                for n in 0..1000 {
                    let name = if n == 0 {
                        format!("{stem}.ics")
                    } else {
                        format!("{stem}-{n}.ics")
                    };
                    let path = self.dir.join(&name);
                    match tmp.create(&path)? {
                        None => return Ok(DeviceOutcome::Written(self.entry(&name, &path)?)),
                        Some(back) => tmp = back,
                    }
                }
                tmp.discard();
                Err(Error::Device("no free file name for this UID".into()))
            }
            Staged::Update { id, path, tmp } => {
                tmp.replace(&path)?;
                Ok(DeviceOutcome::Written(self.entry(&id, &path)?))
            }
            Staged::Delete { id } => self.delete(&id).map(|_| DeviceOutcome::Deleted),
        }
    }

    fn delete(&self, id: &str) -> Result<()> {
        let path = self
            .path_of(id)
            .ok_or_else(|| Error::Device("not an event file name".into()))?;
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
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
        // One readdir and one metadata per file; nothing is opened or joined into a path.
        let mut out = Vec::new();
        for e in fs::read_dir(&self.dir)? {
            let e = e?;
            let name = match e.file_name().into_string() {
                Ok(name) if is_event_name(&name) => name,
                // Not UTF-8: no id can name it, as before (a lossy name never matched a file).
                _ => continue,
            };
            let meta = match e.metadata() {
                Ok(m) if m.is_file() => m,
                Ok(_) => continue,
                // Removed since read_dir: not there.
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err.into()),
            };
            out.push(DeviceEntry {
                id: name,
                version: file_version(&meta),
            });
        }
        // In the folder's order: the engine looks entries up by id.
        Ok(out)
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

    /// Writes every file of the batch under a temp name, makes them durable with one flush,
    /// puts them in place, then flushes the folder once: the caller records the outcomes
    /// only after that.
    fn apply(&mut self, ops: &[DeviceOp]) -> Result<Vec<DeviceOutcome>> {
        let staged: Vec<Result<Staged>> = ops.iter().map(|op| self.stage(op)).collect();
        let temps: Vec<&TempFile> = staged
            .iter()
            .filter_map(|s| match s {
                Ok(Staged::Create { tmp, .. } | Staged::Update { tmp, .. }) => Some(tmp),
                _ => None,
            })
            .collect();
        if let Err(e) = make_durable(&temps) {
            for s in staged.into_iter().flatten() {
                if let Staged::Create { tmp, .. } | Staged::Update { tmp, .. } = s {
                    tmp.discard();
                }
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
        // The renames and deletions are durable before the caller records them.
        if !ops.is_empty() {
            sync_dir(&self.dir)?;
        }
        Ok(out)
    }
}

/// True for a plain visible `.ics` file name: what the folder lists as an event.
fn is_event_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && !id.contains(['/', '\\', '\0'])
        && id.ends_with(".ics")
}

/// One write of a batch, its file written under a temp name.
enum Staged {
    Create {
        stem: String,
        tmp: TempFile,
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
