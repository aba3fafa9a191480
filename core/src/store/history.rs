//! The history of syncs (one row per account and run) and the conflict copies: the losing
//! version of every conflict, kept so that no edit is ever silently lost.

use super::{now_secs, StoreTx};
use crate::Result;
use rusqlite::params;
use serde::Serialize;

/// Syncs kept in an account's history (a background sync every 15 minutes: ten days' worth).
pub const SESSIONS_KEPT: u32 = 1000;

/// One past sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    /// When it started (seconds since the epoch).
    pub started_at: i64,
    /// `sync`, `dry-run`, ...
    pub mode: String,
    /// `ok`, `error`, `needs_confirmation`.
    pub status: String,
    /// The JSON report.
    pub report: serde_json::Value,
}

/// A kept losing version of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictRecord {
    /// Row id.
    pub id: i64,
    /// UID of the event.
    pub uid: String,
    /// When (seconds since the epoch).
    pub created_at: i64,
    /// `device` or `server`: whose version lost.
    pub losing_side: String,
    /// Why.
    pub reason: String,
    /// The losing version as iCalendar.
    pub ics: String,
}

impl StoreTx<'_> {
    /// Appends a sync to the history, which keeps an account's last 1,000 (`SESSIONS_KEPT`).
    pub fn record_session(
        &self,
        account_id: i64,
        started_at: i64,
        mode: &str,
        status: &str,
        report: &serde_json::Value,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sessions (account_id, started_at, mode, status, report)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account_id, started_at, mode, status, report.to_string()],
        )?;
        self.conn.execute(
            "DELETE FROM sessions WHERE account_id = ?1 AND id <= (
                SELECT id FROM sessions WHERE account_id = ?1
                ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            params![account_id, SESSIONS_KEPT],
        )?;
        Ok(())
    }

    /// The last `limit` syncs of an account, newest first.
    pub fn sessions(&self, account_id: i64, limit: u32) -> Result<Vec<SessionRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT started_at, mode, status, report FROM sessions
             WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![account_id, limit], |r| {
            let report: String = r.get(3)?;
            Ok(SessionRecord {
                started_at: r.get(0)?,
                mode: r.get(1)?,
                status: r.get(2)?,
                report: serde_json::from_str(&report).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Keeps the losing version of a conflict.
    pub fn add_conflict(
        &self,
        account_id: i64,
        uid: &str,
        losing_side: &str,
        reason: &str,
        ics: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO conflicts (account_id, uid, created_at, losing_side, reason, ics)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![account_id, uid, now_secs(), losing_side, reason, ics],
        )?;
        Ok(())
    }

    /// The kept conflict copies of an account, newest first.
    pub fn conflicts(&self, account_id: i64) -> Result<Vec<ConflictRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, uid, created_at, losing_side, reason, ics FROM conflicts
             WHERE account_id = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([account_id], |r| {
            Ok(ConflictRecord {
                id: r.get(0)?,
                uid: r.get(1)?,
                created_at: r.get(2)?,
                losing_side: r.get(3)?,
                reason: r.get(4)?,
                ics: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes the conflict copies `ids`; returns how many there were.
    pub fn dismiss_conflicts(&self, ids: &[i64]) -> Result<usize> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM conflicts WHERE id = ?1")?;
        let mut removed = 0;
        for id in ids {
            removed += stmt.execute([id])?;
        }
        Ok(removed)
    }

    /// How many conflict copies an account keeps.
    pub fn conflict_count(&self, account_id: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM conflicts WHERE account_id = ?1",
            [account_id],
            |r| r.get(0),
        )?)
    }

    /// The iCalendar of each copy kept for the event `uid` whose `losing_side` lost (found by
    /// index: this is asked once per conflict of a sync).
    pub fn conflict_texts(
        &self,
        account_id: i64,
        uid: &str,
        losing_side: &str,
    ) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ics FROM conflicts WHERE account_id = ?1 AND uid = ?2 AND losing_side = ?3",
        )?;
        let rows = stmt.query_map(params![account_id, uid, losing_side], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::accounts::tests::sample;
    use crate::store::SqliteStore;

    #[test]
    fn sessions_and_conflicts_are_kept() {
        let store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let tx = store.read();
        tx.record_session(acc, 1, "sync", "ok", &serde_json::json!({"n": 1}))
            .unwrap();
        tx.record_session(acc, 2, "sync", "error", &serde_json::json!({"n": 2}))
            .unwrap();
        let s = tx.sessions(acc, 10).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].status, "error");
        assert_eq!(s[0].report["n"], 2);
        tx.add_conflict(
            acc,
            "u",
            "device",
            "edited on both sides",
            "BEGIN:VCALENDAR",
        )
        .unwrap();
        assert_eq!(tx.conflicts(acc).unwrap()[0].losing_side, "device");
    }

    #[test]
    fn the_history_keeps_each_accounts_last_syncs() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = store.read().add_account(&sample("a"), None).unwrap();
        let b = store.read().add_account(&sample("b"), None).unwrap();
        let tx = store.read();
        tx.record_session(b, 0, "sync", "ok", &serde_json::json!({}))
            .unwrap();
        let n = i64::from(super::SESSIONS_KEPT) + 5;
        for i in 1..=n {
            tx.record_session(a, i, "sync", "ok", &serde_json::json!({}))
                .unwrap();
        }
        let kept = tx.sessions(a, u32::MAX).unwrap();
        assert_eq!(kept.len(), super::SESSIONS_KEPT as usize);
        assert_eq!(kept[0].started_at, n);
        assert_eq!(kept.last().unwrap().started_at, 6);
        assert_eq!(tx.sessions(b, 10).unwrap().len(), 1);
    }

    #[test]
    fn conflict_copies_are_counted_and_found_by_uid_and_side() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = store.read().add_account(&sample("a"), None).unwrap();
        let b = store.read().add_account(&sample("b"), None).unwrap();
        let tx = store.read();
        tx.add_conflict(a, "u1", "device", "r", "one").unwrap();
        tx.add_conflict(a, "u1", "device", "r", "two").unwrap();
        tx.add_conflict(a, "u1", "server", "r", "three").unwrap();
        tx.add_conflict(a, "u2", "device", "r", "four").unwrap();
        tx.add_conflict(b, "u1", "device", "r", "five").unwrap();
        let mut texts = tx.conflict_texts(a, "u1", "device").unwrap();
        texts.sort();
        assert_eq!(texts, ["one", "two"]);
        assert_eq!(tx.conflict_texts(a, "u1", "server").unwrap(), ["three"]);
        assert!(tx.conflict_texts(a, "u3", "device").unwrap().is_empty());
        assert_eq!(tx.conflict_count(a).unwrap(), 4);
        assert_eq!(tx.conflict_count(b).unwrap(), 1);
        let ids: Vec<i64> = tx.conflicts(a).unwrap().iter().map(|c| c.id).collect();
        assert_eq!(tx.dismiss_conflicts(&[ids[0], ids[1], 999]).unwrap(), 2);
        assert_eq!(tx.conflict_count(a).unwrap(), 2);
        assert_eq!(tx.conflict_count(b).unwrap(), 1);
        let plan: String = tx
            .conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT ics FROM conflicts
                 WHERE account_id = 1 AND uid = 'u1' AND losing_side = 'device'",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("conflicts_uid"), "{plan}");
    }
}
