//! Downloaded items as they arrive: each read once (UID, fingerprints, pairing key) a chunk at
//! a time on a few threads, and their texts kept in memory up to a budget, the others set
//! aside on disk ([`super::spill`]). What a download holds therefore grows with the
//! calendar only by each item's few small fields.

use super::plan::ServerItem;
use super::spill::Budget;
use crate::ical;
use crate::model::Href;
use crate::remote::caldav::FetchedItem;
use crate::{Error, Result};
use std::path::PathBuf;

/// Items read at once: enough for every thread, few enough to hold beside the budget.
const CHUNK: usize = 512;

/// Downloaded items, read a chunk at a time.
pub(crate) struct Intake {
    raw: Vec<FetchedItem>,
    items: Vec<ServerItem>,
    errors: Vec<String>,
    /// Where the texts are kept.
    texts: Budget,
    /// Whether each item keeps the event read from it ([`ServerItem::event`]).
    keep_events: bool,
}

impl Intake {
    /// An intake keeping up to `budget` bytes of text in memory and setting the rest aside
    /// in `spill_dir` (the system's temporary folder when `None`).
    pub(crate) fn new(budget: usize, spill_dir: Option<PathBuf>) -> Intake {
        Intake {
            raw: Vec::new(),
            items: Vec::new(),
            errors: Vec::new(),
            texts: Budget::new(budget, spill_dir),
            keep_events: false,
        }
    }

    /// The same intake, its items keeping the event read from them: for a caller that
    /// hands each chunk on before the next is read (the device write then does not parse
    /// the text again).
    pub(crate) fn keeping_events(self) -> Intake {
        Intake {
            keep_events: true,
            ..self
        }
    }

    /// Takes one downloaded item; every [`CHUNK`] items, reads them.
    pub(crate) fn push(&mut self, item: FetchedItem) -> Result<()> {
        self.raw.push(item);
        if self.raw.len() >= CHUNK {
            self.read_chunk()?;
        }
        Ok(())
    }

    /// The items read so far, in the order they came (a chunk is read every [`CHUNK`]
    /// items; `all` reads the items waiting too). For a caller that takes them as they are
    /// read: texts are then best kept in memory (an unlimited budget).
    pub(crate) fn take_read(&mut self, all: bool) -> Result<Vec<ServerItem>> {
        if all {
            self.read_chunk()?;
        }
        Ok(std::mem::take(&mut self.items))
    }

    /// The error lines of the items that could not be read, so far.
    pub(crate) fn take_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.errors)
    }

    /// The items read, in the order they came, and an error line for each one that could not
    /// be read. Texts set aside are readable from here on.
    pub(crate) fn finish(mut self) -> Result<(Vec<ServerItem>, Vec<String>)> {
        self.read_chunk()?;
        self.texts.finish()?;
        Ok((self.items, self.errors))
    }

    fn read_chunk(&mut self) -> Result<()> {
        let raw = std::mem::take(&mut self.raw);
        let read = analyse_fetched(raw, self.keep_events, &mut self.errors);
        self.items.reserve(read.len());
        for mut item in read {
            self.texts.place(&mut item.ics)?;
            self.items.push(item);
        }
        Ok(())
    }
}

/// [`read_item`] of every fetched item, in order, on a few threads (the items are
/// independent; parsing and fingerprinting them is most of a first download's work). The
/// items that do not parse are reported in `errors`. `keep_events`: see [`read_item`].
fn analyse_fetched(
    items: Vec<FetchedItem>,
    keep_events: bool,
    errors: &mut Vec<String>,
) -> Vec<ServerItem> {
    super::apply::readable(
        crate::parallel::map_ordered(items, 200, |f| read_item(f, keep_events)),
        errors,
    )
}

/// Parses a fetched item once: UID, fingerprints and pairing key. The event itself is not
/// kept (see [`ServerItem::event`]).
pub(crate) fn server_item(f: FetchedItem) -> std::result::Result<ServerItem, (Href, Error)> {
    read_item(f, false)
}

/// Parses a fetched item once: UID and fingerprints, and either the event itself (when
/// `keep_event`) or the pairing key.
pub(crate) fn read_item(
    f: FetchedItem,
    keep_event: bool,
) -> std::result::Result<ServerItem, (Href, Error)> {
    if f.undecodable {
        let e = Error::InvalidCalendar("calendar data is not UTF-8".into());
        return Err((f.href, e));
    }
    match ical::analyse(&f.ics) {
        Ok(a) => Ok(ServerItem {
            href: f.href,
            etag: f.etag,
            ics: f.ics.into(),
            uid: a.uid,
            fp: a.fp,
            event_fp: a.event_fp,
            // An item keeping its event has its key made from it if pairing ever asks
            // (a download to an empty device never does).
            pair_key: (!keep_event).then(|| super::pairing::content_key(&a.event)),
            event: keep_event.then(|| Box::new(a.event)),
        }),
        Err(e) => Err((f.href, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Etag;

    fn fetched(i: usize) -> FetchedItem {
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n\
             UID:u{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260301T090000Z\r\n\
             SUMMARY:Event {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        FetchedItem {
            href: Href::new(format!("/cal/u{i}.ics")),
            etag: Etag::new(format!("\"{i}\"")),
            ics,
            undecodable: false,
        }
    }

    #[test]
    fn texts_beyond_the_budget_wait_on_disk_and_the_order_is_kept() {
        let n = 2 * CHUNK + 7;
        let dir = tempfile::tempdir().unwrap();
        // Room for the first 100 texts and a little more, less than the 101st (the later ones
        // are no shorter).
        let room: usize = (0..100).map(|i| fetched(i).ics.len()).sum();
        let mut intake = Intake::new(room + 5, Some(dir.path().to_path_buf()));
        for i in 0..n {
            intake.push(fetched(i)).unwrap();
        }
        // An undecodable item is reported, not kept.
        let mut bad = fetched(n);
        bad.undecodable = true;
        intake.push(bad).unwrap();
        let (items, errors) = intake.finish().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(items.len(), n);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item.uid.as_str(), format!("u{i}"));
            assert_eq!(item.ics.is_spilled(), i >= 100, "item {i}");
            assert_eq!(item.ics.read().unwrap(), fetched(i).ics);
        }
        // The spill file has no name in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_calendar_within_the_budget_never_touches_the_disk() {
        let mut intake = Intake::new(usize::MAX, Some("/nonexistent/synchro".into()));
        for i in 0..CHUNK + 1 {
            intake.push(fetched(i)).unwrap();
        }
        let (items, _) = intake.finish().unwrap();
        assert!(items.iter().all(|i| !i.ics.is_spilled()));
    }

    #[test]
    fn an_intake_keeping_events_hands_on_the_event_read_from_each_text() {
        let mut keeping = Intake::new(usize::MAX, None).keeping_events();
        let mut plain = Intake::new(usize::MAX, None);
        for i in 0..CHUNK + 3 {
            keeping.push(fetched(i)).unwrap();
            plain.push(fetched(i)).unwrap();
        }
        // A chunk is read as soon as it is complete; the rest on demand.
        assert_eq!(keeping.take_read(false).unwrap().len(), CHUNK);
        let rest = keeping.take_read(true).unwrap();
        assert_eq!(rest.len(), 3);
        for (item, i) in rest.iter().zip(CHUNK..) {
            let expected = ical::ics_to_event(&fetched(i).ics).unwrap();
            assert_eq!(item.event.as_deref(), Some(&expected));
            // The pairing key is made from the event only when pairing asks for it.
            assert_eq!(item.pair_key, None);
        }
        // Without it, only the small fields stay, the pairing key among them.
        let (items, _) = plain.finish().unwrap();
        assert!(items.iter().all(|i| i.event.is_none()));
        for (item, i) in items.iter().zip(0..) {
            let event = ical::ics_to_event(&fetched(i).ics).unwrap();
            let key = crate::sync::pairing::content_key(&event);
            assert_eq!(item.pair_key.as_ref(), Some(&key));
        }
    }

    #[test]
    fn a_spill_folder_that_cannot_be_written_is_an_error() {
        let mut intake = Intake::new(0, Some("/nonexistent/synchro".into()));
        let mut result = Ok(());
        for i in 0..CHUNK {
            result = result.and_then(|_| intake.push(fetched(i)));
        }
        assert!(result.and_then(|_| intake.finish().map(|_| ())).is_err());
    }
}
