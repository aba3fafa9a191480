//! Downloaded iCalendar set aside on disk, so that a first download of any size holds a
//! bounded amount of event text in memory.
//!
//! A [`Spill`] is an unnamed temporary file beside the store (private to the user, gone when
//! its last handle closes, crash or not). The download keeps texts in memory up to a
//! budget ([`super::SyncContext::download_memory`]) and sets the others aside as they
//! arrive; a [`Text`] says where an event's text is, and is read back when its device
//! batch is written or the backup is made.

use crate::{Error, Result};
use std::borrow::Cow;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Bytes gathered before they are written to the file in one call.
const WRITE_CHUNK: usize = 1 << 20;

/// An event's iCalendar text: in memory, or set aside in a [`Spill`].
#[derive(Clone)]
pub enum Text {
    /// The text itself.
    Held(String),
    /// `len` bytes at `at` in a spill file.
    Spilled {
        /// The spill file (shared by every text set aside in it).
        file: Arc<SpillFile>,
        /// Offset of the text.
        at: u64,
        /// Its length in bytes.
        len: u32,
    },
}

impl Text {
    /// The text: borrowed when held, read from the file when set aside (an error if the
    /// file cannot be read back as it was written).
    pub fn read(&self) -> Result<Cow<'_, str>> {
        match self {
            Text::Held(s) => Ok(Cow::Borrowed(s)),
            Text::Spilled { file, at, len } => file.read(*at, *len).map(Cow::Owned),
        }
    }

    /// The text, taken when held, read when set aside.
    pub fn into_string(self) -> Result<String> {
        match self {
            Text::Held(s) => Ok(s),
            spilled => spilled.read().map(Cow::into_owned),
        }
    }

    /// Whether the text waits on disk.
    pub fn is_spilled(&self) -> bool {
        matches!(self, Text::Spilled { .. })
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Held(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::Held(s.to_string())
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Held(s) => s.fmt(f),
            Text::Spilled { at, len, .. } => write!(f, "<{len} bytes set aside at {at}>"),
        }
    }
}

/// The read side of a spill file: what every [`Text::Spilled`] refers to.
pub struct SpillFile {
    file: File,
}

impl SpillFile {
    fn read(&self, at: u64, len: u32) -> Result<String> {
        let mut buf = vec![0u8; len as usize];
        read_exact_at(&self.file, &mut buf, at)?;
        String::from_utf8(buf).map_err(|_| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a downloaded event set aside on disk did not read back as it was written",
            ))
        })
    }
}

/// The write side: texts set aside in order, written a megabyte at a time. A text is
/// readable once [`finish`](Spill::finish) has been called.
pub struct Spill {
    file: Arc<SpillFile>,
    pending: Vec<u8>,
    written: u64,
}

impl Spill {
    /// A new spill file in `dir` (unnamed where the system allows it, else removed at once).
    pub fn new_in(dir: &Path) -> Result<Spill> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(Spill {
            file: Arc::new(SpillFile { file }),
            pending: Vec::new(),
            written: 0,
        })
    }

    /// Sets `text` aside; what it returns reads it back after [`finish`](Spill::finish).
    pub fn put(&mut self, text: &str) -> Result<Text> {
        let len = u32::try_from(text.len())
            .map_err(|_| Error::Protocol("a downloaded event is larger than 4 GiB".into()))?;
        let at = self.written + self.pending.len() as u64;
        self.pending.extend_from_slice(text.as_bytes());
        if self.pending.len() >= WRITE_CHUNK {
            self.flush()?;
        }
        Ok(Text::Spilled {
            file: Arc::clone(&self.file),
            at,
            len,
        })
    }

    /// Bytes set aside so far.
    pub fn len(&self) -> u64 {
        self.written + self.pending.len() as u64
    }

    /// Whether nothing was set aside.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes what is still pending: every text set aside is readable afterwards.
    pub fn finish(mut self) -> Result<()> {
        self.flush()
    }

    fn flush(&mut self) -> Result<()> {
        write_all_at(&self.file.file, &self.pending, self.written)?;
        self.written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }
}

/// Texts kept in memory up to a budget of bytes, the others set aside in a [`Spill`] made
/// on first need: what a download (CalDAV or SyncML) holds of its event texts.
pub(crate) struct Budget {
    /// Bytes of text still allowed in memory.
    room: usize,
    dir: Option<std::path::PathBuf>,
    spill: Option<Spill>,
}

impl Budget {
    /// Up to `room` bytes in memory, the rest in a spill file in `dir` (the system's
    /// temporary folder when `None`).
    pub(crate) fn new(room: usize, dir: Option<std::path::PathBuf>) -> Budget {
        Budget {
            room,
            dir,
            spill: None,
        }
    }

    /// Keeps `text` where it is while there is room for it, else sets it aside.
    pub(crate) fn place(&mut self, text: &mut Text) -> Result<()> {
        if let Text::Held(held) = text {
            if held.len() > self.room {
                *text = self.spill()?.put(held)?;
            } else {
                self.room -= held.len();
            }
        }
        Ok(())
    }

    /// Writes what waits to be set aside: every text placed is readable from here on.
    pub(crate) fn finish(mut self) -> Result<()> {
        if let Some(spill) = self.spill.take() {
            log::info!(
                "{} bytes of downloaded events set aside on disk",
                spill.len()
            );
            spill.finish()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<&mut Spill> {
        match &mut self.spill {
            Some(spill) => Ok(spill),
            none => {
                let dir = self.dir.clone().unwrap_or_else(std::env::temp_dir);
                Ok(none.insert(Spill::new_in(&dir)?))
            }
        }
    }
}

fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

fn write_all_at(file: &File, buf: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_set_aside_read_back_whole_across_write_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::new_in(dir.path()).unwrap();
        // Texts of varied sizes, some larger than a write chunk, some non-ASCII.
        let texts: Vec<String> = (0..300)
            .map(|i| {
                let n = if i % 97 == 0 {
                    WRITE_CHUNK + 17
                } else {
                    1 + i * 31
                };
                format!("{i}é").repeat(n / 3 + 1)
            })
            .collect();
        let set_aside: Vec<Text> = texts.iter().map(|t| spill.put(t).unwrap()).collect();
        assert!(spill.len() > 2 * WRITE_CHUNK as u64);
        spill.finish().unwrap();
        for (text, kept) in texts.iter().zip(&set_aside) {
            assert!(kept.is_spilled());
            assert_eq!(kept.read().unwrap(), text.as_str());
        }
        // The file is unnamed: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let last = set_aside.last().unwrap().clone();
        drop(set_aside);
        assert_eq!(last.into_string().unwrap(), *texts.last().unwrap());
    }

    #[test]
    fn a_held_text_is_lent_and_taken_without_a_copy() {
        let held = Text::from("BEGIN:VCALENDAR");
        assert!(!held.is_spilled());
        assert!(matches!(
            held.read().unwrap(),
            Cow::Borrowed("BEGIN:VCALENDAR")
        ));
        assert_eq!(held.into_string().unwrap(), "BEGIN:VCALENDAR");
    }

    #[test]
    fn a_text_that_no_longer_reads_back_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::new_in(dir.path()).unwrap();
        let kept = spill.put("BEGIN:VCALENDAR").unwrap();
        let Text::Spilled { file, .. } = &kept else {
            panic!("not set aside")
        };
        let file = Arc::clone(file);
        spill.finish().unwrap();
        // Read past the end, and bytes that are not UTF-8.
        assert!(file.read(1 << 30, 10).is_err());
        write_all_at(&file.file, &[0xff, 0xfe], 0).unwrap();
        assert!(kept.read().is_err());
    }
}
