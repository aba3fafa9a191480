//! Backups of both sides, taken by the engine before data changes (a full snapshot before a
//! calendar's first sync, daily at the first sync of the day, before a settings change; the
//! prior versions of what a sync changes otherwise) and on request; kept compressed in the
//! store within a budget; exported as standard .ics; restored as the least changes
//! ([`restore`]).

pub mod restore;

use crate::device::DeviceCalendar;
use crate::ical;
use crate::store::{
    Account, BackupBudget, BackupReason, ItemRecord, PackedPart, SidePart, SqliteStore,
};
use crate::Result;

/// Device events are read this many at a time for a snapshot.
const FETCH_BATCH: usize = 200;

/// Every event of the device calendar, as one iCalendar text.
pub fn snapshot_device(device: &dyn DeviceCalendar) -> Result<SidePart> {
    let ids: Vec<String> = device.list()?.into_iter().map(|e| e.id).collect();
    let mut objects = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(FETCH_BATCH) {
        for (_, event) in device.fetch(chunk)? {
            objects.push(ical::event_to_ics(&event));
        }
    }
    part(objects)
}

/// The server calendar as the store last saw it.
pub fn snapshot_server_from_store(items: &[ItemRecord]) -> Result<SidePart> {
    part(
        items
            .iter()
            .filter_map(|i| i.server_ics.as_deref())
            .collect(),
    )
}

/// A side made of these iCalendar objects.
pub fn part<S: AsRef<str>>(objects: Vec<S>) -> Result<SidePart> {
    Ok(SidePart {
        items: objects.len() as u64,
        ics: ical::join_calendars(&objects)?,
    })
}

/// The size of the pieces [`packed_part`] hands to the compressor.
const GZ_INPUT_CHUNK: usize = 64 * 1024;

/// A side made of these iCalendar objects, compressed as it is joined: neither the joined
/// text nor a parsed tree of the whole calendar is ever held, and each object may be read
/// only when its turn comes (an object that cannot be read fails the whole part).
pub fn packed_part<S: AsRef<str>>(
    objects: impl IntoIterator<Item = Result<S>>,
) -> Result<PackedPart> {
    use flate2::write::GzEncoder;
    use std::io::Write;
    // The fast level: a first download compresses the whole calendar while the user waits,
    // and iCalendar text shrinks nearly as much as at the default level.
    let level = flate2::Compression::fast();
    // The encoder takes the text in large pieces: each write to it costs a pass over its
    // whole output buffer, whatever the size of the piece.
    let mut body =
        std::io::BufWriter::with_capacity(GZ_INPUT_CHUNK, GzEncoder::new(Vec::new(), level));
    let mut items = 0u64;
    let counted = objects.into_iter().inspect(|_| items += 1);
    let head = ical::join_calendars_with(counted, &mut |text| {
        body.write_all(text.as_bytes())?;
        Ok(())
    })?;
    body.write_all(ical::JOINED_END.as_bytes())?;
    let body = body
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .finish()?;
    // Two gzip members, head then body: read back as one text.
    let mut head_gz = GzEncoder::new(Vec::with_capacity(body.len() + 1024), level);
    head_gz.write_all(head.as_bytes())?;
    let mut gz = head_gz.finish()?;
    gz.extend_from_slice(&body);
    Ok(PackedPart { items, gz })
}

/// Stores a snapshot whose sides are compressed already ([`packed_part`]) and rotates the
/// account's snapshots; returns the snapshot id.
pub fn keep_packed(
    store: &SqliteStore,
    account: &Account,
    reason: BackupReason,
    pinned: bool,
    device: &PackedPart,
    server: &PackedPart,
) -> Result<i64> {
    let tx = store.read();
    let id = tx.add_packed_backup(account.id, reason, true, pinned, Some(device), Some(server))?;
    tx.rotate_backups(account.id, &budget(account))?;
    Ok(id)
}

/// The rotation budget of an account.
pub fn budget(account: &Account) -> BackupBudget {
    BackupBudget {
        max_count: account.settings.backup_max_count,
        max_age_days: account.settings.backup_max_age_days,
        max_bytes: account.settings.backup_max_mib * 1024 * 1024,
    }
}

/// Stores a snapshot and rotates the account's snapshots; returns the snapshot id.
pub fn keep(
    store: &SqliteStore,
    account: &Account,
    reason: BackupReason,
    full: bool,
    pinned: bool,
    device: Option<&SidePart>,
    server: Option<&SidePart>,
) -> Result<i64> {
    let tx = store.read();
    let id = tx.add_backup(account.id, reason, full, pinned, device, server)?;
    tx.rotate_backups(account.id, &budget(account))?;
    Ok(id)
}

/// True when no full snapshot was taken today (UTC): the first sync of the day takes one.
pub fn daily_due(store: &SqliteStore, account_id: i64) -> Result<bool> {
    let last = store.read().last_full_backup_at(account_id)?;
    let today = crate::store::now_secs().div_euclid(86_400);
    Ok(last.is_none_or(|t| t.div_euclid(86_400) < today))
}

/// A full snapshot of both sides now: the device as it is and the server's events as just
/// downloaded (`server`, one iCalendar object each). Pinned.
pub fn snapshot_full(
    store: &SqliteStore,
    account: &Account,
    device: &dyn DeviceCalendar,
    server: Vec<String>,
    reason: BackupReason,
) -> Result<i64> {
    let dev = snapshot_device(device)?;
    let srv = part(server)?;
    keep(store, account, reason, true, true, Some(&dev), Some(&srv))
}

/// A full snapshot from what is at hand without the network (the device, and the server as
/// the store last saw it), e.g. before an account's settings change.
pub fn snapshot_offline(
    store: &SqliteStore,
    account: &Account,
    device: &dyn DeviceCalendar,
    reason: BackupReason,
) -> Result<i64> {
    let cal = store.read().calendar_state(account.id)?;
    let items = store.read().items(cal.id)?;
    let dev = snapshot_device(device)?;
    let srv = snapshot_server_from_store(&items)?;
    keep(store, account, reason, true, true, Some(&dev), Some(&srv))
}

#[cfg(test)]
mod packed_tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_packed_part_reads_back_as_the_joined_calendar() {
        let zone = "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\n\
                    DTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
                    END:STANDARD\r\nEND:VTIMEZONE\r\n";
        let objects: Vec<String> = (0..3)
            .map(|i| {
                format!(
                    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n{zone}\
                     BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTAMP:20250101T000000Z\r\n\
                     DTSTART;TZID=Europe/Paris:20250102T090000\r\nSUMMARY:Event {i}\r\n\
                     END:VEVENT\r\nEND:VCALENDAR\r\n"
                )
            })
            .collect();
        let joined = ical::join_calendars(&objects).unwrap();
        assert_eq!(joined.matches("BEGIN:VTIMEZONE").count(), 1);
        assert_eq!(joined.matches("BEGIN:VEVENT").count(), 3);
        let packed = packed_part(objects.iter().map(Ok)).unwrap();
        assert_eq!(packed.items, 3);
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(&packed.gz[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, joined);
        // Read as the store reads a snapshot.
        let back = ical::split_calendar(&text).unwrap();
        assert_eq!(back.len(), 3);
        assert!(packed_part([Ok("junk")]).is_err());
    }
}
