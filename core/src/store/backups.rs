//! Backup snapshots in the store: each side's events as one gzip-compressed iCalendar file,
//! with the reason and time, and the rotation that keeps them within a budget.

use super::{now_secs, StoreTx};
use crate::model::Side;
use crate::{Error, Result};
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use rusqlite::params;
use serde::Serialize;
use std::io::{Read, Write};

/// One side of a snapshot: the events as one iCalendar text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidePart {
    /// Number of events.
    pub items: u64,
    /// One VCALENDAR holding them.
    pub ics: String,
}

/// One side of a snapshot as the store keeps it: gzip-compressed iCalendar (possibly in
/// several gzip members, read back as one text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackedPart {
    /// Number of events.
    pub items: u64,
    /// The compressed VCALENDAR.
    pub gz: Vec<u8>,
}

impl SidePart {
    /// The side compressed as the store keeps it.
    pub fn pack(&self) -> Result<PackedPart> {
        Ok(PackedPart {
            items: self.items,
            gz: compress(&self.ics)?,
        })
    }
}

/// Why a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackupReason {
    /// Before the first sync of the calendar.
    FirstSync,
    /// At the first sync of the day.
    Daily,
    /// Before an account's settings changed.
    SettingsChange,
    /// Asked for by the user.
    Manual,
    /// The prior versions of what a sync changed.
    BeforeSync,
    /// Before a restore replaced events.
    BeforeRestore,
}

impl BackupReason {
    /// The name kept in the store (`first-sync`, `daily`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            BackupReason::FirstSync => "first-sync",
            BackupReason::Daily => "daily",
            BackupReason::SettingsChange => "settings-change",
            BackupReason::Manual => "manual",
            BackupReason::BeforeSync => "before-sync",
            BackupReason::BeforeRestore => "before-restore",
        }
    }

    /// Parses [`BackupReason::as_str`].
    pub fn parse(s: &str) -> Option<BackupReason> {
        [
            BackupReason::FirstSync,
            BackupReason::Daily,
            BackupReason::SettingsChange,
            BackupReason::Manual,
            BackupReason::BeforeSync,
            BackupReason::BeforeRestore,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A snapshot as listed (without its data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    /// Id (for export and restore).
    pub id: i64,
    /// Account name.
    pub account: String,
    /// When (seconds since the epoch).
    pub created_at: i64,
    /// Why it was taken.
    pub reason: BackupReason,
    /// The side(s) it holds.
    pub side: Side,
    /// A full snapshot (true) or the prior versions of the items a sync changed.
    pub full: bool,
    /// Kept by rotation (taken before big changes).
    pub pinned: bool,
    /// Events in the device part.
    pub device_items: u64,
    /// Events in the server part.
    pub server_items: u64,
    /// Compressed size in bytes.
    pub size: u64,
}

/// The content of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupData {
    /// The account it belongs to.
    pub account_id: i64,
    /// The device's events, if taken.
    pub device: Option<SidePart>,
    /// The server's events, if taken.
    pub server: Option<SidePart>,
}

/// How many snapshots to keep per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupBudget {
    /// At most this many unpinned snapshots.
    pub max_count: u32,
    /// Unpinned snapshots older than this many days go.
    pub max_age_days: u32,
    /// Unpinned snapshots go, oldest first, while the account's total is above this.
    pub max_bytes: u64,
}

fn compress(text: &str) -> Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes())?;
    Ok(enc.finish()?)
}

fn decompress(data: &[u8]) -> Result<String> {
    let mut out = String::new();
    MultiGzDecoder::new(data).read_to_string(&mut out)?;
    Ok(out)
}

impl StoreTx<'_> {
    /// Stores a snapshot; returns its id.
    pub fn add_backup(
        &self,
        account_id: i64,
        reason: BackupReason,
        full: bool,
        pinned: bool,
        device: Option<&SidePart>,
        server: Option<&SidePart>,
    ) -> Result<i64> {
        let d = device.map(SidePart::pack).transpose()?;
        let s = server.map(SidePart::pack).transpose()?;
        self.add_packed_backup(account_id, reason, full, pinned, d.as_ref(), s.as_ref())
    }

    /// [`add_backup`](Self::add_backup) with sides compressed already.
    pub fn add_packed_backup(
        &self,
        account_id: i64,
        reason: BackupReason,
        full: bool,
        pinned: bool,
        device: Option<&PackedPart>,
        server: Option<&PackedPart>,
    ) -> Result<i64> {
        let d = device.map(|p| &p.gz);
        let s = server.map(|p| &p.gz);
        let size = d.map_or(0, |v| v.len()) + s.map_or(0, |v| v.len());
        self.conn.execute(
            "INSERT INTO backups (account_id, created_at, reason, full, pinned, device_items,
                                  server_items, device_data, server_data, size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                account_id,
                now_secs(),
                reason.as_str(),
                full,
                pinned,
                device.map_or(0, |p| p.items),
                server.map_or(0, |p| p.items),
                d,
                s,
                size as i64
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Snapshots of an account (all accounts: `None`), newest first.
    pub fn backups(&self, account_id: Option<i64>) -> Result<Vec<BackupInfo>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.id, a.name, b.created_at, b.reason, b.full, b.pinned, b.device_items,
                    b.server_items, b.device_data IS NOT NULL, b.server_data IS NOT NULL, b.size
             FROM backups b JOIN accounts a ON a.id = b.account_id
             WHERE ?1 IS NULL OR b.account_id = ?1
             ORDER BY b.id DESC",
        )?;
        let rows = stmt.query_map([account_id], |r| {
            let (has_d, has_s): (bool, bool) = (r.get(8)?, r.get(9)?);
            let reason: String = r.get(3)?;
            Ok((
                reason,
                (has_d, has_s),
                BackupInfo {
                    id: r.get(0)?,
                    account: r.get(1)?,
                    created_at: r.get(2)?,
                    reason: BackupReason::Manual,
                    full: r.get(4)?,
                    pinned: r.get(5)?,
                    device_items: r.get(6)?,
                    server_items: r.get(7)?,
                    side: Side::Both,
                    size: r.get::<_, i64>(10)? as u64,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (reason, parts, mut info) = row?;
            info.reason = BackupReason::parse(&reason).ok_or_else(|| {
                Error::Config(format!("unknown backup reason {reason:?} in the store"))
            })?;
            info.side = match parts {
                (true, true) => Side::Both,
                (true, false) => Side::Device,
                (false, true) => Side::Server,
                (false, false) => {
                    return Err(Error::Config(format!(
                        "backup {} holds no events in the store",
                        info.id
                    )))
                }
            };
            out.push(info);
        }
        Ok(out)
    }

    /// The account id and the two parts of a snapshot.
    pub fn backup_data(&self, id: i64) -> Result<Option<BackupData>> {
        let row = self.conn.query_row(
            "SELECT account_id, device_items, server_items, device_data, server_data
             FROM backups WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u64>(1)?,
                    r.get::<_, u64>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                ))
            },
        );
        let (account, di, si, d, s) = match row {
            Ok(r) => r,
            Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let part = |items: u64, data: Option<Vec<u8>>| -> Result<Option<SidePart>> {
            data.map(|d| {
                Ok(SidePart {
                    items,
                    ics: decompress(&d)?,
                })
            })
            .transpose()
        };
        Ok(Some(BackupData {
            account_id: account,
            device: part(di, d)?,
            server: part(si, s)?,
        }))
    }

    /// When the account's last full snapshot was taken.
    pub fn last_full_backup_at(&self, account_id: i64) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MAX(created_at) FROM backups WHERE account_id = ?1 AND full = 1",
            [account_id],
            |r| r.get(0),
        )?)
    }

    /// Deletes unpinned snapshots beyond the budget; returns how many went.
    pub fn rotate_backups(&self, account_id: i64, budget: &BackupBudget) -> Result<usize> {
        let mut removed = self.conn.execute(
            "DELETE FROM backups WHERE account_id = ?1 AND pinned = 0 AND id NOT IN (
                 SELECT id FROM backups WHERE account_id = ?1 AND pinned = 0
                 ORDER BY id DESC LIMIT ?2)",
            params![account_id, budget.max_count],
        )?;
        removed += self.conn.execute(
            "DELETE FROM backups WHERE account_id = ?1 AND pinned = 0 AND created_at < ?2",
            params![
                account_id,
                now_secs() - i64::from(budget.max_age_days) * 86_400
            ],
        )?;
        loop {
            let total: i64 = self.conn.query_row(
                "SELECT COALESCE(SUM(size), 0) FROM backups WHERE account_id = ?1",
                [account_id],
                |r| r.get(0),
            )?;
            if total as u64 <= budget.max_bytes {
                break;
            }
            let n = self.conn.execute(
                "DELETE FROM backups WHERE id = (SELECT id FROM backups
                     WHERE account_id = ?1 AND pinned = 0 ORDER BY id ASC LIMIT 1)",
                [account_id],
            )?;
            if n == 0 {
                break;
            }
            removed += n;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::accounts::tests::sample;
    use crate::store::SqliteStore;

    fn part(n: u64) -> SidePart {
        SidePart {
            items: n,
            ics: format!("BEGIN:VCALENDAR\r\nX-N:{n}\r\nEND:VCALENDAR\r\n"),
        }
    }

    #[test]
    fn snapshots_round_trip_compressed() {
        let store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let id = store
            .read()
            .add_backup(acc, BackupReason::Manual, true, false, Some(&part(3)), None)
            .unwrap();
        let data = store.read().backup_data(id).unwrap().unwrap();
        assert_eq!(data.account_id, acc);
        assert_eq!(data.device.unwrap(), part(3));
        assert!(data.server.is_none());
        let list = store.read().backups(Some(acc)).unwrap();
        assert_eq!(list[0].side, Side::Device);
        assert!(list[0].size > 0);
        assert!(store.read().backup_data(id + 100).unwrap().is_none());
    }

    #[test]
    fn rotation_keeps_pinned_and_respects_count_and_size() {
        let store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let pinned = store
            .read()
            .add_backup(
                acc,
                BackupReason::FirstSync,
                true,
                true,
                Some(&part(1)),
                None,
            )
            .unwrap();
        for i in 0..10 {
            store
                .read()
                .add_backup(acc, BackupReason::Daily, true, false, Some(&part(i)), None)
                .unwrap();
        }
        let budget = BackupBudget {
            max_count: 4,
            max_age_days: 365,
            max_bytes: u64::MAX,
        };
        assert_eq!(store.read().rotate_backups(acc, &budget).unwrap(), 6);
        let left = store.read().backups(Some(acc)).unwrap();
        assert_eq!(left.len(), 5);
        assert!(left.iter().any(|b| b.id == pinned));
        // A tiny size budget removes every unpinned snapshot, never the pinned one.
        let budget = BackupBudget {
            max_bytes: 1,
            ..budget
        };
        store.read().rotate_backups(acc, &budget).unwrap();
        let left = store.read().backups(Some(acc)).unwrap();
        assert_eq!(left.iter().map(|b| b.id).collect::<Vec<_>>(), vec![pinned]);
    }
}
