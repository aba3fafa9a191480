//! The shared `DeviceCalendar` conformance suite ([`crate::testing::conformance`]) run
//! against both local implementations ([`VdirDevice`] and [`IcsFileDevice`]), plus the
//! behaviours specific to files and to each.

use std::fs;
use std::path::{Path, PathBuf};

use super::{IcsFileDevice, VdirDevice};
use crate::device::{DeviceCalendar, DeviceEntry, DeviceOp, DeviceOutcome};
use crate::model::Event;
use crate::testing::conformance::{event, summary_of, written, Harness, Subject};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Vdir,
    Ics,
}

struct Fixture {
    kind: Kind,
    _tmp: tempfile::TempDir,
    /// The vdir folder or the .ics file.
    path: PathBuf,
}

impl Fixture {
    fn new(kind: Kind) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let path = match kind {
            Kind::Vdir => tmp.path().join("cal"),
            Kind::Ics => tmp.path().join("cal.ics"),
        };
        if kind == Kind::Vdir {
            fs::create_dir(&path).unwrap();
        }
        Fixture {
            kind,
            _tmp: tmp,
            path,
        }
    }

    fn open(&self) -> Box<dyn DeviceCalendar> {
        match self.kind {
            Kind::Vdir => Box::new(VdirDevice::open(&self.path).unwrap()),
            Kind::Ics => Box::new(IcsFileDevice::open(&self.path).unwrap()),
        }
    }

    /// The folder holding our files.
    fn dir(&self) -> &Path {
        match self.kind {
            Kind::Vdir => &self.path,
            Kind::Ics => self.path.parent().unwrap(),
        }
    }

    /// The raw text that holds event `id`.
    fn raw(&self, id: &str) -> String {
        match self.kind {
            Kind::Vdir => fs::read_to_string(self.path.join(id)).unwrap(),
            Kind::Ics => fs::read_to_string(&self.path).unwrap(),
        }
    }

    /// Another program writes an event (one VCALENDAR text) into the calendar, replacing
    /// the one with the same UID. Returns its id.
    fn write_external(&self, name: &str, uid: &str, ics: &str) -> String {
        match self.kind {
            Kind::Vdir => {
                fs::write(self.path.join(name), ics).unwrap();
                name.to_string()
            }
            Kind::Ics => {
                let old = fs::read_to_string(&self.path).unwrap_or_default();
                let mut objects: Vec<String> = if old.contains("BEGIN:VEVENT") {
                    crate::ical::split_calendar(&old).unwrap()
                } else {
                    Vec::new()
                };
                objects.retain(|o| {
                    crate::ical::uid_of(o)
                        .map(|u| u.into_string())
                        .ok()
                        .as_deref()
                        != Some(uid)
                });
                objects.push(ics.to_string());
                let joined = crate::ical::join_calendars(&objects).unwrap();
                // Keep the file's calendar id, as an editor would keep the property.
                let id_line = old
                    .lines()
                    .find(|l| l.starts_with("X-SYNCHRO-CALENDAR-ID:"))
                    .map(|l| format!("{}\r\n", l.trim_end()));
                let text = match id_line {
                    Some(line) => joined.replacen(
                        "BEGIN:VCALENDAR\r\n",
                        &format!("BEGIN:VCALENDAR\r\n{line}"),
                        1,
                    ),
                    None => joined,
                };
                fs::write(&self.path, text).unwrap();
                uid.to_string()
            }
        }
    }

    /// Names of the files in our folder (hidden included), sorted.
    fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn ics(uid: &str, summary: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//App//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250310T090000Z\r\n\
         DTEND:20250310T100000Z\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

// --- the shared suite, on both ---------------------------------------------------------------

impl Subject for Fixture {
    fn open(&self) -> Box<dyn DeviceCalendar> {
        Fixture::open(self)
    }
    fn write_external(&self, event: &Event) -> String {
        let name = format!("{}.ics", event.uid.as_str());
        Fixture::write_external(
            self,
            &name,
            event.uid.as_str(),
            &crate::ical::event_to_ics(event),
        )
    }
    fn failing_op(&self, existing: &DeviceEntry) -> DeviceOp {
        match self.kind {
            // Not a plain file name.
            Kind::Vdir => DeviceOp::Update {
                id: "../escape.ics".into(),
                event: event("z@x", "z"),
            },
            // A create of a UID that exists must not replace it.
            Kind::Ics => DeviceOp::Create(event(&existing.id, "would replace")),
        }
    }
}

impl Harness for Kind {
    type Subject = Fixture;
    fn new_calendar(&self) -> Fixture {
        Fixture::new(*self)
    }
}

mod vdir_suite {
    crate::device_conformance_tests!(super::Kind::Vdir);
}

mod ics_suite {
    crate::device_conformance_tests!(super::Kind::Ics);
}

// --- files only, on both --------------------------------------------------------------------

fn update_keeps_what_the_model_does_not_hold(kind: Kind) {
    let f = Fixture::new(kind);
    let extra = "X-UNIV-COURSE-CODE:MAT101\r\n\
                 ATTENDEE;CN=Zoé;X-CUSTOM-PARAM=kept:mailto:zoe@example.org\r\n\
                 BEGIN:X-UNKNOWN-THING\r\nX-FOO:bar\r\nEND:X-UNKNOWN-THING\r\n";
    let id = f.write_external("lecture.ics", "l@x", &ics("l@x", "Cours", extra));
    let mut dev = f.open();
    let (entry, mut ev) = dev.fetch(std::slice::from_ref(&id)).unwrap().remove(0);
    assert_eq!(entry.id, id);
    ev.summary = Some("Cours (salle changée)".into());
    let out = dev
        .apply(&[DeviceOp::Update {
            id: id.clone(),
            event: ev,
        }])
        .unwrap();
    written(&out[0]);
    let raw = f.raw(&id);
    assert!(raw.contains("Cours (salle changée)"), "{raw}");
    assert!(raw.contains("X-UNIV-COURSE-CODE:MAT101"), "{raw}");
    assert!(raw.contains("X-CUSTOM-PARAM=kept"), "{raw}");
    assert!(raw.contains("BEGIN:X-UNKNOWN-THING"), "{raw}");
}

fn writes_leave_no_temp_files(kind: Kind) {
    let f = Fixture::new(kind);
    let mut dev = f.open();
    dev.calendar_id().unwrap();
    let before = f.files();
    let a = written(&dev.apply(&[DeviceOp::Create(event("a@x", "a"))]).unwrap()[0]);
    dev.apply(&[DeviceOp::Update {
        id: a.id.clone(),
        event: event("a@x", "b"),
    }])
    .unwrap();
    let after = f.files();
    let new: Vec<&String> = after.iter().filter(|n| !before.contains(n)).collect();
    match kind {
        Kind::Vdir => assert_eq!(new, vec![&a.id]),
        Kind::Ics => assert!(new.is_empty(), "{new:?}"),
    }
    assert!(!after.iter().any(|n| n.contains("tmp")), "{after:?}");
}

#[test]
fn vdir_update_keeps_what_the_model_does_not_hold() {
    update_keeps_what_the_model_does_not_hold(Kind::Vdir)
}

#[test]
fn ics_update_keeps_what_the_model_does_not_hold() {
    update_keeps_what_the_model_does_not_hold(Kind::Ics)
}

#[test]
fn vdir_writes_leave_no_temp_files() {
    writes_leave_no_temp_files(Kind::Vdir)
}

#[test]
fn ics_writes_leave_no_temp_files() {
    writes_leave_no_temp_files(Kind::Ics)
}

#[test]
fn failed_vdir_op_never_escapes_the_folder() {
    let f = Fixture::new(Kind::Vdir);
    let mut dev = f.open();
    let bad = Subject::failing_op(
        &f,
        &DeviceEntry {
            id: "x".into(),
            version: "1".into(),
        },
    );
    let out = dev.apply(&[bad]).unwrap();
    assert!(matches!(out[0], DeviceOutcome::Failed(_)), "{out:?}");
    assert!(!f.dir().parent().unwrap().join("escape.ics").exists());
}

// --- vdir only ------------------------------------------------------------------------------

#[test]
fn vdir_unparseable_files_are_listed_never_read_and_kept() {
    let f = Fixture::new(Kind::Vdir);
    let mut dev = VdirDevice::open(&f.path).unwrap();
    fs::write(f.path.join("broken.ics"), "this is not iCalendar").unwrap();
    fs::write(f.path.join("notes.txt"), "not an event").unwrap();
    fs::create_dir(f.path.join("sub.ics")).unwrap();
    f.write_external("ok.ics", "ok@x", &ics("ok@x", "ok", ""));
    // Listed (so that the engine never takes it for a deletion), but fetch skips it.
    let listed = dev.list().unwrap();
    let ids: Vec<&str> = listed.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["broken.ics", "ok.ics"]);
    let fetched = dev.fetch(&["broken.ics".into(), "ok.ics".into()]).unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].0.id, "ok.ics");
    // Writes around it leave it alone; a create for its name picks another one.
    let out = dev
        .apply(&[
            DeviceOp::Create(event("broken", "new")),
            DeviceOp::Delete {
                id: "ok.ics".into(),
            },
        ])
        .unwrap();
    assert_ne!(written(&out[0]).id, "broken.ics");
    // An update aimed at it fails rather than overwrite what we cannot read.
    let out = dev
        .apply(&[DeviceOp::Update {
            id: "broken.ics".into(),
            event: event("broken", "x"),
        }])
        .unwrap();
    assert!(matches!(out[0], DeviceOutcome::Failed(_)));
    assert_eq!(
        fs::read_to_string(f.path.join("broken.ics")).unwrap(),
        "this is not iCalendar"
    );
    assert!(f.path.join("notes.txt").exists());
}

#[test]
fn vdir_same_uid_twice_gets_two_files_inside_the_folder() {
    let f = Fixture::new(Kind::Vdir);
    let mut dev = VdirDevice::open(&f.path).unwrap();
    let out = dev
        .apply(&[
            DeviceOp::Create(event("dup@x", "one")),
            DeviceOp::Create(event("dup@x", "two")),
            DeviceOp::Create(event("../../evil", "three")),
        ])
        .unwrap();
    let ids: Vec<String> = out.iter().map(|o| written(o).id).collect();
    assert_eq!(ids[0], "dup@x.ics");
    assert_eq!(ids[1], "dup@x-1.ics");
    assert!(!ids[2].contains('/'), "{ids:?}");
    assert!(f.path.join(&ids[2]).is_file());
    assert_eq!(summary_of(&dev, &ids[0]).as_deref(), Some("one"));
    assert_eq!(summary_of(&dev, &ids[1]).as_deref(), Some("two"));
}

#[test]
fn vdir_event_without_uid_takes_the_file_name() {
    let f = Fixture::new(Kind::Vdir);
    let mut dev = VdirDevice::open(&f.path).unwrap();
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hand//EN\r\nBEGIN:VEVENT\r\n\
                DTSTAMP:20250101T000000Z\r\nDTSTART:20250310T090000Z\r\nSUMMARY:sans UID\r\n\
                X-KEEP:me\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    fs::write(f.path.join("hand-made.ics"), text).unwrap();
    assert_eq!(dev.list().unwrap().len(), 1);
    let (_, mut ev) = dev.fetch(&["hand-made.ics".into()]).unwrap().remove(0);
    assert_eq!(ev.uid.as_str(), "hand-made");
    // The file is not touched by reading it.
    assert_eq!(
        fs::read_to_string(f.path.join("hand-made.ics")).unwrap(),
        text
    );
    ev.summary = Some("avec UID".into());
    written(
        &dev.apply(&[DeviceOp::Update {
            id: "hand-made.ics".into(),
            event: ev,
        }])
        .unwrap()[0],
    );
    let raw = fs::read_to_string(f.path.join("hand-made.ics")).unwrap();
    assert!(raw.contains("UID:hand-made"), "{raw}");
    assert!(raw.contains("X-KEEP:me"), "{raw}");
}

#[test]
fn vdir_missing_id_file_means_a_new_calendar() {
    let f = Fixture::new(Kind::Vdir);
    let mut dev = VdirDevice::open(&f.path).unwrap();
    let id = dev.calendar_id().unwrap();
    assert_eq!(
        fs::read_to_string(f.path.join(".synchro-id"))
            .unwrap()
            .trim(),
        id
    );
    dev.apply(&[DeviceOp::Create(event("a@x", "a"))]).unwrap();
    // The id file is not an event.
    assert_eq!(dev.list().unwrap().len(), 1);
    fs::remove_file(f.path.join(".synchro-id")).unwrap();
    let new_id = dev.calendar_id().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(dev.calendar_id().unwrap(), new_id);
}

#[test]
fn vdir_update_of_a_vanished_file_recreates_it() {
    let f = Fixture::new(Kind::Vdir);
    let mut dev = VdirDevice::open(&f.path).unwrap();
    let a = written(&dev.apply(&[DeviceOp::Create(event("a@x", "a"))]).unwrap()[0]);
    fs::remove_file(f.path.join(&a.id)).unwrap();
    let out = dev
        .apply(&[DeviceOp::Update {
            id: a.id.clone(),
            event: event("a@x", "back"),
        }])
        .unwrap();
    assert_eq!(written(&out[0]).id, a.id);
    assert_eq!(summary_of(&dev, &a.id).as_deref(), Some("back"));
}

// --- ics file only --------------------------------------------------------------------------

#[test]
fn ics_calendar_id_and_calendar_properties_survive_rewrites() {
    use std::os::unix::fs::MetadataExt;
    let f = Fixture::new(Kind::Ics);
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//App//EN\r\n\
                X-WR-CALNAME:Emploi du temps\r\nX-WR-TIMEZONE:Europe/Paris\r\n\
                BEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20250101T000000Z\r\n\
                DTSTART:20250310T090000Z\r\nSUMMARY:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    fs::write(&f.path, text).unwrap();
    let mut dev = IcsFileDevice::open(&f.path).unwrap();
    // A file without an id gets one, written into it.
    let id = dev.calendar_id().unwrap();
    assert!(fs::read_to_string(&f.path)
        .unwrap()
        .contains(&format!("X-SYNCHRO-CALENDAR-ID:{id}")));
    let ino = fs::metadata(&f.path).unwrap().ino();
    dev.apply(&[DeviceOp::Create(event("b@x", "b"))]).unwrap();
    // Rewritten by rename, not in place.
    assert_ne!(fs::metadata(&f.path).unwrap().ino(), ino);
    let raw = fs::read_to_string(&f.path).unwrap();
    assert!(raw.contains("X-WR-CALNAME:Emploi du temps"), "{raw}");
    assert!(raw.contains("X-WR-TIMEZONE:Europe/Paris"), "{raw}");
    assert_eq!(raw.matches("BEGIN:VCALENDAR").count(), 1, "{raw}");
    assert_eq!(raw.matches("X-SYNCHRO-CALENDAR-ID").count(), 1, "{raw}");
    assert_eq!(
        IcsFileDevice::open(&f.path).unwrap().calendar_id().unwrap(),
        id
    );
    assert_eq!(dev.list().unwrap().len(), 2);

    // The file replaced by another one: a new calendar.
    fs::write(&f.path, text).unwrap();
    assert_ne!(dev.calendar_id().unwrap(), id);
}

#[test]
fn ics_unparseable_file_is_an_error_and_is_kept() {
    let f = Fixture::new(Kind::Ics);
    fs::write(
        &f.path,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n",
    )
    .unwrap();
    let mut dev = IcsFileDevice::open(&f.path).unwrap();
    assert!(dev.list().is_err(), "a broken file must not list as empty");
    assert!(dev.apply(&[DeviceOp::Create(event("a@x", "a"))]).is_err());
    assert_eq!(
        fs::read_to_string(&f.path).unwrap(),
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
    );
}

#[test]
fn ics_objects_without_uid_are_kept_on_rewrite() {
    let f = Fixture::new(Kind::Ics);
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hand//EN\r\n\
                BEGIN:VEVENT\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250310T090000Z\r\n\
                SUMMARY:orphelin\r\nEND:VEVENT\r\n\
                BEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20250101T000000Z\r\n\
                DTSTART:20250311T090000Z\r\nSUMMARY:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    fs::write(&f.path, text).unwrap();
    let mut dev = IcsFileDevice::open(&f.path).unwrap();
    let listed = dev.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, "a@x");
    dev.apply(&[DeviceOp::Delete { id: "a@x".into() }]).unwrap();
    let raw = fs::read_to_string(&f.path).unwrap();
    assert!(raw.contains("SUMMARY:orphelin"), "{raw}");
    assert!(!raw.contains("UID:a@x"), "{raw}");
}

#[test]
fn ics_new_file_is_a_valid_empty_calendar() {
    let f = Fixture::new(Kind::Ics);
    let dev = IcsFileDevice::open(&f.path).unwrap();
    let raw = fs::read_to_string(&f.path).unwrap();
    assert!(raw.starts_with("BEGIN:VCALENDAR\r\n"), "{raw}");
    assert!(raw.ends_with("END:VCALENDAR\r\n"), "{raw}");
    assert!(raw.contains("VERSION:2.0"));
    assert!(dev.list().unwrap().is_empty());
    // An empty (0 byte) file is an empty calendar too.
    fs::write(&f.path, "").unwrap();
    assert!(dev.list().unwrap().is_empty());
}
