//! [`IcsFileDevice`]: one calendar file (`.ics`) as a device calendar, rewritten atomically
//! (temp file + rename) on every batch of writes.
//!
//! - id of an event = its UID; version = a hash of that event's object as
//!   [`crate::ical::split_calendar`] gives it (so it changes exactly when the object does).
//! - the calendar id is the `X-SYNCHRO-CALENDAR-ID` property of the VCALENDAR, kept across
//!   rewrites with the file's other calendar properties (X-WR-CALNAME, ...). A file without
//!   it gets a new one (to the engine: a replaced calendar).
//! - objects without UID are not listed but kept verbatim on rewrites; a file that does not
//!   parse at all is an error (never an empty listing), and is never overwritten.
//! - a batch is all or nothing: one rewrite of the file; if another program changed the file
//!   meanwhile, the batch is recomputed on the new content.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{
    file_version, new_calendar_id, parent_dir, remove_stale_temps, replace_atomic, sync_dir,
};
use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use crate::ical;
use crate::model::Event;
use crate::{Error, Result};

/// The VCALENDAR property holding the calendar id.
const ID_PROPERTY: &str = "X-SYNCHRO-CALENDAR-ID";
const PRODID: &str = "-//Synchro//Synchro local calendar//EN";

/// One calendar file as a device calendar. See the module documentation of `local::icsfile`.
#[derive(Debug)]
pub struct IcsFileDevice {
    path: PathBuf,
    temp_prefix: String,
    /// The last parse, valid while the file's version is the same.
    cache: Mutex<Option<Loaded>>,
}

/// The file as last read.
#[derive(Debug, Clone)]
struct Loaded {
    /// `file_version` of the file that was parsed.
    stamp: String,
    /// Calendar-level property lines (raw, folded lines kept), without BEGIN/END.
    header: Vec<String>,
    /// The objects, in file order.
    objects: Vec<Object>,
}

#[derive(Debug, Clone)]
struct Object {
    /// UID, when the object has one.
    uid: Option<String>,
    /// One VCALENDAR as `split_calendar` gave it.
    text: String,
}

impl Object {
    fn new(text: String) -> Object {
        let uid = ical::uid_of(&text)
            .ok()
            .map(|u| u.into_string())
            .filter(|u| !u.is_empty());
        Object { uid, text }
    }

    /// A hash of the object's components (not of the calendar properties, which are the
    /// file's and the same for every object).
    fn version(&self) -> String {
        let body = self
            .text
            .match_indices("\nBEGIN:")
            .next()
            .map_or(self.text.as_str(), |(i, _)| &self.text[i + 1..]);
        let hash = Sha256::digest(body.as_bytes());
        hash[..12].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Loaded {
    fn calendar_id(&self) -> Option<String> {
        self.header.iter().find_map(|line| {
            let (name, value) = property_name_value(line)?;
            (name.eq_ignore_ascii_case(ID_PROPERTY) && !value.trim().is_empty())
                .then(|| value.trim().to_string())
        })
    }

    fn find(&self, uid: &str) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| o.uid.as_deref() == Some(uid))
    }
}

/// The file's objects, one per UID, in file order; components without UID each make an
/// object of their own (kept verbatim on rewrites, never listed).
///
/// The file is first cut into its top-level components as text (linear), then each UID's
/// components go through [`ical::split_calendar`] on their own: parsing a whole large file
/// at once is much slower than parsing its events one by one.
fn split_file(text: &str, header: &[String]) -> Result<Vec<Object>> {
    let (zones, components) = top_level_components(text)?;
    let mut groups: Vec<(Option<String>, String)> = Vec::new();
    let mut by_uid: HashMap<String, usize> = HashMap::new();
    for (uid, chunk) in components {
        match uid {
            Some(uid) => match by_uid.get(&uid) {
                Some(&i) => groups[i].1.push_str(&chunk),
                None => {
                    by_uid.insert(uid.clone(), groups.len());
                    groups.push((Some(uid), chunk));
                }
            },
            None => groups.push((None, chunk)),
        }
    }
    let head: String = header.concat();
    let zones: String = zones.concat();
    let mut objects = Vec::with_capacity(groups.len());
    for (uid, chunks) in groups {
        let mini = format!("BEGIN:VCALENDAR\r\n{head}{zones}{chunks}END:VCALENDAR\r\n");
        if uid.is_some() {
            let mut split = ical::split_calendar(&mini)?;
            if split.len() == 1 {
                objects.push(Object::new(split.remove(0)));
                continue;
            }
        }
        objects.push(Object {
            uid: None,
            text: mini,
        });
    }
    Ok(objects)
}

type Chunks = (Vec<String>, Vec<(Option<String>, String)>);

/// The top-level components of a calendar file as CRLF text: (VTIMEZONEs, the others with
/// their UID when they have one). A file whose BEGIN/END do not balance is an error.
fn top_level_components(text: &str) -> Result<Chunks> {
    let mut zones = Vec::new();
    let mut others = Vec::new();
    let mut depth = 0usize;
    let mut chunk = String::new();
    let mut is_zone = false;
    let mut uid: Option<String> = None;
    // The component's own last property line (for UIDs folded over several lines).
    let mut own_line: Option<String> = None;
    let finish_line = |own_line: &mut Option<String>, uid: &mut Option<String>| {
        if let Some(line) = own_line.take() {
            if uid.is_none() {
                if let Some((name, value)) = property_name_value(&line) {
                    if name.eq_ignore_ascii_case("UID") && !value.trim().is_empty() {
                        *uid = Some(value.trim().to_string());
                    }
                }
            }
        }
    };
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        let upper = line.to_ascii_uppercase();
        let folded = line.starts_with([' ', '\t']);
        if !folded {
            finish_line(&mut own_line, &mut uid);
        }
        if let Some(name) = upper.strip_prefix("BEGIN:") {
            depth += 1;
            if depth == 2 {
                chunk.clear();
                is_zone = name.trim() == "VTIMEZONE";
                uid = None;
            }
        }
        if depth >= 2 {
            chunk.push_str(line);
            chunk.push_str("\r\n");
            if depth == 2 && !upper.starts_with("BEGIN:") && !upper.starts_with("END:") {
                match (&mut own_line, folded) {
                    (Some(l), true) => {
                        l.push_str("\r\n");
                        l.push_str(line);
                    }
                    (_, false) => own_line = Some(line.to_string()),
                    (None, true) => {}
                }
            }
        }
        if upper.starts_with("END:") {
            if depth == 2 {
                finish_line(&mut own_line, &mut uid);
                let text = std::mem::take(&mut chunk);
                if is_zone {
                    zones.push(text);
                } else {
                    others.push((uid.take(), text));
                }
            }
            depth = depth.saturating_sub(1);
        }
    }
    if depth != 0 {
        return Err(Error::InvalidCalendar(
            "unbalanced BEGIN/END (truncated file?)".into(),
        ));
    }
    Ok((zones, others))
}

/// The name and (unfolded) value of one raw property line.
fn property_name_value(raw: &str) -> Option<(String, String)> {
    let unfolded = unfold(raw);
    let end = unfolded.find([':', ';'])?;
    let name = unfolded[..end].to_string();
    let value = unfolded.split_once(':').map(|(_, v)| v.to_string())?;
    Some((name, value))
}

fn unfold(raw: &str) -> String {
    raw.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\n ", "")
        .replace("\n\t", "")
        .trim_end_matches(['\r', '\n'])
        .to_string()
}

/// Splits a calendar file's text into its calendar-level property lines (each a logical
/// line with its folds, CRLF-terminated) and whether it has any sub-component.
fn read_header(text: &str) -> Result<(Vec<String>, bool)> {
    let mut header: Vec<String> = Vec::new();
    let mut in_calendar = false;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if !in_calendar {
            if line.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR") {
                in_calendar = true;
            } else if !line.trim().is_empty() {
                return Err(Error::InvalidCalendar(
                    "file does not start a VCALENDAR".into(),
                ));
            }
            continue;
        }
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("BEGIN:") {
            return Ok((header, true));
        }
        if upper.starts_with("END:VCALENDAR") {
            return Ok((header, false));
        }
        if line.starts_with([' ', '\t']) {
            match header.last_mut() {
                Some(last) => {
                    last.push_str(line);
                    last.push_str("\r\n");
                }
                None => return Err(Error::InvalidCalendar("folded line without start".into())),
            }
        } else if !line.is_empty() {
            header.push(format!("{line}\r\n"));
        }
    }
    if in_calendar {
        Err(Error::InvalidCalendar("VCALENDAR not closed".into()))
    } else {
        // An empty file: an empty calendar.
        Ok((Vec::new(), false))
    }
}

impl IcsFileDevice {
    /// Opens the file, creating it (an empty calendar with a new id) and its folder when
    /// missing.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path: PathBuf = path.into();
        let file_name = path
            .file_name()
            .ok_or_else(|| Error::Config(format!("{} is not a file path", path.display())))?
            .to_string_lossy()
            .into_owned();
        let dir = parent_dir(&path).to_path_buf();
        crate::private_fs::create_dir_all(&dir)?;
        let device = IcsFileDevice {
            temp_prefix: format!(".{file_name}.synchro-tmp-"),
            path,
            cache: Mutex::new(None),
        };
        remove_stale_temps(&dir, &device.temp_prefix);
        if !device.path.exists() {
            let header = vec![
                "VERSION:2.0\r\n".to_string(),
                format!("PRODID:{PRODID}\r\n"),
                format!("{ID_PROPERTY}:{}\r\n", new_calendar_id()),
            ];
            device.write(&header, &[])?;
        } else if device.path.is_dir() {
            return Err(Error::Config(format!(
                "{} is a folder (use vdir:)",
                device.path.display()
            )));
        }
        Ok(device)
    }

    /// The calendar file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn stamp(&self) -> Result<String> {
        Ok(file_version(&fs::metadata(&self.path)?))
    }

    /// The file's content, parsed (from the cache when the file did not change).
    fn load(&self) -> Result<Loaded> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = self.stamp()?;
        if let Some(loaded) = cache.as_ref() {
            if loaded.stamp == stamp {
                return Ok(loaded.clone());
            }
        }
        let text = fs::read_to_string(&self.path)?;
        // The stamp was taken before the read: a racing change shows as a new stamp later.
        let (header, has_components) = read_header(&text)?;
        let objects = if has_components {
            split_file(&text, &header)?
        } else {
            Vec::new()
        };
        for o in objects.iter().filter(|o| o.uid.is_none()) {
            log::warn!(
                "ics file: an object without UID is not synced (kept as it is, {} bytes)",
                o.text.len()
            );
        }
        let loaded = Loaded {
            stamp,
            header,
            objects,
        };
        *cache = Some(loaded.clone());
        Ok(loaded)
    }

    /// Writes the whole file atomically from a header and objects.
    fn write(&self, header: &[String], objects: &[Object]) -> Result<()> {
        let mut text = String::from("BEGIN:VCALENDAR\r\n");
        for line in header {
            text.push_str(line);
        }
        if !objects.is_empty() {
            let texts: Vec<String> = objects.iter().map(|o| o.text.clone()).collect();
            let joined = ical::join_calendars(&texts)?;
            // Keep our header; take the joined file's components.
            let body_start = joined
                .match_indices("\nBEGIN:")
                .map(|(i, _)| i + 1)
                .next()
                .ok_or_else(|| Error::InvalidCalendar("joined calendar has no component".into()))?;
            let body = &joined[body_start..];
            let end = body
                .rfind("END:VCALENDAR")
                .ok_or_else(|| Error::InvalidCalendar("joined calendar not closed".into()))?;
            text.push_str(&body[..end]);
        }
        text.push_str("END:VCALENDAR\r\n");
        replace_atomic(&self.path, &self.temp_prefix, text.as_bytes())?;
        sync_dir(parent_dir(&self.path))?;
        Ok(())
    }

    /// The header with the calendar id (added when missing) and VERSION/PRODID ensured.
    fn header_with_id(loaded: &Loaded, id: &str) -> Vec<String> {
        let mut header = loaded.header.clone();
        let has = |name: &str| {
            loaded
                .header
                .iter()
                .any(|l| property_name_value(l).is_some_and(|(n, _)| n.eq_ignore_ascii_case(name)))
        };
        if !has("VERSION") {
            header.insert(0, "VERSION:2.0\r\n".into());
        }
        if !has("PRODID") {
            header.insert(1, format!("PRODID:{PRODID}\r\n"));
        }
        if loaded.calendar_id().is_none() {
            header.retain(|l| {
                !property_name_value(l).is_some_and(|(n, _)| n.eq_ignore_ascii_case(ID_PROPERTY))
            });
            header.push(format!("{ID_PROPERTY}:{id}\r\n"));
        }
        header
    }
}

/// What an op will report once the file is written.
enum Pending {
    Written(String),
    Deleted,
    Failed(String),
}

impl DeviceCalendar for IcsFileDevice {
    fn calendar_id(&self) -> Result<String> {
        let loaded = self.load()?;
        if let Some(id) = loaded.calendar_id() {
            return Ok(id);
        }
        let id = new_calendar_id();
        self.write(&Self::header_with_id(&loaded, &id), &loaded.objects)?;
        Ok(id)
    }

    fn list(&self) -> Result<Vec<DeviceEntry>> {
        let loaded = self.load()?;
        Ok(loaded
            .objects
            .iter()
            .filter_map(|o| {
                Some(DeviceEntry {
                    id: o.uid.clone()?,
                    version: o.version(),
                })
            })
            .collect())
    }

    fn fetch(&self, ids: &[String]) -> Result<Vec<(DeviceEntry, Event)>> {
        let loaded = self.load()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(i) = loaded.find(id) else {
                continue;
            };
            let o = &loaded.objects[i];
            match ical::ics_to_event(&o.text) {
                Ok(event) => out.push((
                    DeviceEntry {
                        id: id.clone(),
                        version: o.version(),
                    },
                    event,
                )),
                Err(e) => log::warn!("ics file: an event does not parse, not synced: {e}"),
            }
        }
        Ok(out)
    }

    /// Each batch rewrites the whole file: few, large ones.
    fn batch_size(&self) -> usize {
        2000
    }

    fn apply(&mut self, ops: &[DeviceOp]) -> Result<Vec<DeviceOutcome>> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let mut attempts = 0;
        let pending = loop {
            attempts += 1;
            let loaded = self.load()?;
            let mut objects = loaded.objects.clone();
            let mut pending = Vec::with_capacity(ops.len());
            for op in ops {
                pending.push(apply_one(&mut objects, op));
            }
            if pending.iter().all(|p| matches!(p, Pending::Failed(_))) {
                break pending;
            }
            let id = loaded.calendar_id().unwrap_or_else(new_calendar_id);
            let header = Self::header_with_id(&loaded, &id);
            // Someone else rewrote the file since we read it: start again on their version.
            if self.stamp()? != loaded.stamp && attempts < 5 {
                continue;
            }
            self.write(&header, &objects)?;
            break pending;
        };
        // Versions as list() will see them: from the file as written.
        let loaded = self.load()?;
        Ok(pending
            .into_iter()
            .map(|p| match p {
                Pending::Written(uid) => match loaded.find(&uid) {
                    Some(i) => DeviceOutcome::Written(DeviceEntry {
                        id: uid,
                        version: loaded.objects[i].version(),
                    }),
                    None => DeviceOutcome::Failed("event not found after writing".into()),
                },
                Pending::Deleted => DeviceOutcome::Deleted,
                Pending::Failed(e) => DeviceOutcome::Failed(e),
            })
            .collect())
    }
}

/// Applies one op to the objects in memory.
fn apply_one(objects: &mut Vec<Object>, op: &DeviceOp) -> Pending {
    let find =
        |objects: &[Object], uid: &str| objects.iter().position(|o| o.uid.as_deref() == Some(uid));
    match op {
        DeviceOp::Create(event) => {
            let uid = event.uid.as_str();
            if uid.is_empty() {
                return Pending::Failed("event without UID".into());
            }
            if find(objects, uid).is_some() {
                // Never replace an event that a create did not know about.
                return Pending::Failed("an event with this UID already exists".into());
            }
            objects.push(Object::new(ical::event_to_ics(event)));
            Pending::Written(uid.to_string())
        }
        DeviceOp::Update { id, event } => {
            let new_uid = event.uid.as_str();
            if new_uid.is_empty() {
                return Pending::Failed("event without UID".into());
            }
            match find(objects, id) {
                Some(i) => match ical::merge_event(&objects[i].text, event) {
                    Ok(text) => {
                        objects[i] = Object::new(text);
                        Pending::Written(new_uid.to_string())
                    }
                    Err(e) => Pending::Failed(e.to_string()),
                },
                None => {
                    if find(objects, new_uid).is_some() {
                        return Pending::Failed("an event with this UID already exists".into());
                    }
                    objects.push(Object::new(ical::event_to_ics(event)));
                    Pending::Written(new_uid.to_string())
                }
            }
        }
        DeviceOp::Delete { id } => {
            objects.retain(|o| o.uid.as_deref() != Some(id.as_str()));
            Pending::Deleted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_are_read_with_folds() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Un nom\r\n  très long\r\n\
                    X-SYNCHRO-CALENDAR-ID:abc\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let (header, has) = read_header(text).unwrap();
        assert!(has);
        assert_eq!(header.len(), 3);
        assert_eq!(header[1], "X-WR-CALNAME:Un nom\r\n  très long\r\n");
        let loaded = Loaded {
            stamp: String::new(),
            header,
            objects: Vec::new(),
        };
        assert_eq!(loaded.calendar_id().as_deref(), Some("abc"));
        assert_eq!(
            property_name_value("X-WR-CALNAME;LANGUAGE=fr:Un nom\r\n  long\r\n"),
            Some(("X-WR-CALNAME".into(), "Un nom long".into()))
        );
    }

    #[test]
    fn empty_and_broken_headers() {
        assert_eq!(read_header("").unwrap(), (vec![], false));
        assert_eq!(
            read_header("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n").unwrap(),
            (vec!["VERSION:2.0\r\n".to_string()], false)
        );
        assert!(read_header("garbage").is_err());
        assert!(read_header("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n").is_err());
    }
}
