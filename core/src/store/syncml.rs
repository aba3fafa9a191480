//! Per-calendar SyncML state: the device id, the server's datastore URI, the wire format,
//! the md5 nonce, the MaxMsgSize we announce, the anchors of the last complete session, and
//! the Maps not yet acknowledged by the server (persisted before they are sent, re-sent next
//! session), and, for a session interrupted after our changes went out, its mode and Next
//! anchor (to resume it, Alert 225) with a journal of our changes (sent in which message,
//! acknowledged with which status), written before each POST.
//!
//! An item's LUID is its row id in `items`; `items.href` holds `luid:<id>` for an item the
//! server knows under our LUID, or `guid:<GUID>` for one it added before our Map.

use super::{named, StoreTx};
use crate::remote::syncml::auth::AuthType;
use crate::remote::syncml::SyncMlFormat;
use crate::Result;
use rusqlite::{params, OptionalExtension};

/// The SyncML settings and marks of a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncMlState {
    /// Calendar row id.
    pub calendar_id: i64,
    /// Our device id (SyncHdr Source), stable per account.
    pub device_id: String,
    /// The server's datastore URI (`calendar`, `event`...).
    pub server_uri: String,
    /// What we send.
    pub format: SyncMlFormat,
    /// Messages in WBXML rather than XML.
    pub wbxml: bool,
    /// What the server accepted last.
    pub auth: AuthType,
    /// The md5 nonce (base64) the server gave last.
    pub nonce: Option<String>,
    /// Our Next anchor of the last complete session.
    pub local_anchor: Option<String>,
    /// The server's Next anchor of the last complete session.
    pub remote_anchor: Option<String>,
    /// The MaxMsgSize we announce (`None`: the default); a small one makes the server split
    /// its packages and chunk large items.
    pub max_msg_size: Option<u64>,
    /// Our Next anchor of a session whose last package was sent but not answered: the
    /// server may have committed it. The next session sends it as Last; a slow sync the
    /// server then asks for is expected, not held back.
    pub pending_anchor: Option<String>,
    /// The sync mode (Alert code) of a session interrupted after our changes went out:
    /// the next session asks to resume it (Alert 225).
    pub resume_mode: Option<u16>,
    /// Our Next anchor of that interrupted session, sent again when resuming.
    pub resume_next: Option<String>,
}

/// The command of one of our changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalKind {
    /// New for the server.
    Add,
    /// Changed (or, in a slow sync, every item).
    Replace,
    /// Deleted on the device.
    Delete,
}

impl JournalKind {
    /// The name kept in the store (the SyncML command).
    pub fn as_str(self) -> &'static str {
        match self {
            JournalKind::Add => "Add",
            JournalKind::Replace => "Replace",
            JournalKind::Delete => "Delete",
        }
    }

    /// Parses [`JournalKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [JournalKind::Add, JournalKind::Replace, JournalKind::Delete]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How far one of our changes went in an interrupted session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalState {
    /// About to be sent.
    Queued,
    /// Sent, no Status seen.
    Sent,
    /// The server answered with a Status.
    Acked,
    /// Its Map was acknowledged.
    Mapped,
}

impl JournalState {
    /// The name kept in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalState::Queued => "queued",
            JournalState::Sent => "sent",
            JournalState::Acked => "acked",
            JournalState::Mapped => "mapped",
        }
    }

    /// Parses [`JournalState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            JournalState::Queued,
            JournalState::Sent,
            JournalState::Acked,
            JournalState::Mapped,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where one of our changes is in the journal of a session that may be resumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// The LUID.
    pub luid: String,
    /// The command that carries it.
    pub kind: JournalKind,
    /// How far it went.
    pub state: JournalState,
    /// The MsgID of our message that carried it, once sent.
    pub msg_id: Option<u32>,
    /// The server's Status, once acknowledged.
    pub status: Option<u16>,
}

impl StoreTx<'_> {
    /// The SyncML state of a calendar, if it has one.
    pub fn syncml_state(&self, calendar_id: i64) -> Result<Option<SyncMlState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT calendar_id, device_id, server_uri, format, wbxml, auth, nonce,
                        local_anchor, remote_anchor, max_msg_size, pending_anchor,
                        resume_mode, resume_next
                 FROM syncml WHERE calendar_id = ?1",
                [calendar_id],
                |r| {
                    Ok(SyncMlState {
                        calendar_id: r.get(0)?,
                        device_id: r.get(1)?,
                        server_uri: r.get(2)?,
                        format: named(r, 3, "SyncML format", SyncMlFormat::parse)?,
                        wbxml: r.get(4)?,
                        auth: named(r, 5, "SyncML auth type", AuthType::parse)?,
                        nonce: r.get(6)?,
                        local_anchor: r.get(7)?,
                        remote_anchor: r.get(8)?,
                        max_msg_size: r.get(9)?,
                        pending_anchor: r.get(10)?,
                        resume_mode: r.get(11)?,
                        resume_next: r.get(12)?,
                    })
                },
            )
            .optional()?)
    }

    /// Saves the whole SyncML state of a calendar.
    pub fn save_syncml_state(&self, s: &SyncMlState) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO syncml (calendar_id, device_id, server_uri, format, wbxml,
                                            auth, nonce, local_anchor, remote_anchor,
                                            max_msg_size, pending_anchor, resume_mode,
                                            resume_next)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                s.calendar_id,
                s.device_id,
                s.server_uri,
                s.format.as_str(),
                s.wbxml,
                s.auth.as_str(),
                s.nonce,
                s.local_anchor,
                s.remote_anchor,
                s.max_msg_size,
                s.pending_anchor,
                s.resume_mode,
                s.resume_next
            ],
        )?;
        Ok(())
    }

    /// Records the auth type and nonce to use next session.
    pub fn set_syncml_auth(
        &self,
        calendar_id: i64,
        auth: AuthType,
        nonce: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE syncml SET auth = ?2, nonce = ?3 WHERE calendar_id = ?1",
            params![calendar_id, auth.as_str(), nonce],
        )?;
        Ok(())
    }

    /// Commits the anchors of a complete session (`None`s forget them: next sync is slow),
    /// and forgets a pending anchor.
    pub fn set_syncml_anchors(
        &self,
        calendar_id: i64,
        local: Option<&str>,
        remote: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE syncml SET local_anchor = ?2, remote_anchor = ?3, pending_anchor = NULL
             WHERE calendar_id = ?1",
            params![calendar_id, local, remote],
        )?;
        Ok(())
    }

    /// Remembers (or, `None`, forgets) the Next anchor of a session whose last package is
    /// about to go: see [`SyncMlState::pending_anchor`].
    pub fn set_syncml_pending_anchor(&self, calendar_id: i64, anchor: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE syncml SET pending_anchor = ?2 WHERE calendar_id = ?1",
            params![calendar_id, anchor],
        )?;
        Ok(())
    }

    /// Remembers (or, `None`, forgets) a session to resume: its mode and our Next anchor.
    /// Forgetting it also empties the journal.
    pub fn set_syncml_resume(&self, calendar_id: i64, resume: Option<(u16, &str)>) -> Result<()> {
        self.conn.execute(
            "UPDATE syncml SET resume_mode = ?2, resume_next = ?3 WHERE calendar_id = ?1",
            params![calendar_id, resume.map(|r| r.0), resume.map(|r| r.1)],
        )?;
        if resume.is_none() {
            self.conn.execute(
                "DELETE FROM syncml_journal WHERE calendar_id = ?1",
                [calendar_id],
            )?;
        }
        Ok(())
    }

    /// Writes journal entries (replacing those of the same LUIDs).
    pub fn journal_put(&self, calendar_id: i64, entries: &[JournalEntry]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO syncml_journal
                 (calendar_id, luid, kind, state, msg_id, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for e in entries {
            stmt.execute(params![
                calendar_id,
                e.luid,
                e.kind.as_str(),
                e.state.as_str(),
                e.msg_id,
                e.status
            ])?;
        }
        Ok(())
    }

    /// The journal of the session to resume.
    pub fn journal(&self, calendar_id: i64) -> Result<Vec<JournalEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT luid, kind, state, msg_id, status FROM syncml_journal
             WHERE calendar_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([calendar_id], |r| {
            Ok(JournalEntry {
                luid: r.get(0)?,
                kind: named(r, 1, "journal command", JournalKind::parse)?,
                state: named(r, 2, "journal state", JournalState::parse)?,
                msg_id: r.get(3)?,
                status: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The Maps (LUID, GUID) not yet acknowledged by the server.
    pub fn pending_maps(&self, calendar_id: i64) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT luid, guid FROM syncml_maps WHERE calendar_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([calendar_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Remembers Maps before they are sent.
    pub fn add_pending_maps(&self, calendar_id: i64, maps: &[(String, String)]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO syncml_maps (calendar_id, luid, guid) VALUES (?1, ?2, ?3)",
        )?;
        for (luid, guid) in maps {
            stmt.execute(params![calendar_id, luid, guid])?;
        }
        Ok(())
    }

    /// Forgets the pending Maps once the server acknowledged them.
    pub fn clear_pending_maps(&self, calendar_id: i64) -> Result<()> {
        self.conn.execute(
            "DELETE FROM syncml_maps WHERE calendar_id = ?1",
            [calendar_id],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::remote::syncml::auth::AuthType;
    use crate::remote::syncml::SyncMlFormat;
    use crate::store::accounts::tests::sample;
    use crate::store::{JournalEntry, JournalKind, JournalState, SqliteStore, SyncMlState};

    #[test]
    fn state_anchors_and_pending_maps() {
        let store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let cal = store.read().calendar_state(acc).unwrap().id;
        assert!(store.read().syncml_state(cal).unwrap().is_none());
        let st = SyncMlState {
            calendar_id: cal,
            device_id: "synchro-1".into(),
            server_uri: "calendar".into(),
            format: SyncMlFormat::ICalendar,
            auth: AuthType::Md5,
            ..Default::default()
        };
        store.read().save_syncml_state(&st).unwrap();
        store
            .read()
            .set_syncml_anchors(cal, Some("1"), Some("x"))
            .unwrap();
        store
            .read()
            .set_syncml_auth(cal, AuthType::Md5, Some("bm9uY2U="))
            .unwrap();
        let got = store.read().syncml_state(cal).unwrap().unwrap();
        assert_eq!(got.local_anchor.as_deref(), Some("1"));
        assert_eq!(got.remote_anchor.as_deref(), Some("x"));
        assert_eq!(got.nonce.as_deref(), Some("bm9uY2U="));
        let maps = vec![("3".to_string(), "g1".to_string())];
        store.read().add_pending_maps(cal, &maps).unwrap();
        assert_eq!(store.read().pending_maps(cal).unwrap(), maps);
        store.read().clear_pending_maps(cal).unwrap();
        assert!(store.read().pending_maps(cal).unwrap().is_empty());
    }

    #[test]
    fn resume_state_and_journal() {
        let store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let cal = store.read().calendar_state(acc).unwrap().id;
        let st = SyncMlState {
            calendar_id: cal,
            device_id: "synchro-1".into(),
            server_uri: "calendar".into(),
            format: SyncMlFormat::ICalendar,
            auth: AuthType::Md5,
            ..Default::default()
        };
        store.read().save_syncml_state(&st).unwrap();
        store
            .read()
            .set_syncml_resume(cal, Some((200, "42")))
            .unwrap();
        let entry = |state, status| JournalEntry {
            luid: "7".into(),
            kind: JournalKind::Add,
            state,
            msg_id: Some(2),
            status,
        };
        store
            .read()
            .journal_put(cal, &[entry(JournalState::Sent, None)])
            .unwrap();
        store
            .read()
            .journal_put(cal, &[entry(JournalState::Acked, Some(201))])
            .unwrap();
        assert_eq!(
            store.read().journal(cal).unwrap(),
            vec![entry(JournalState::Acked, Some(201))]
        );
        let got = store.read().syncml_state(cal).unwrap().unwrap();
        assert_eq!(got.resume_mode, Some(200));
        assert_eq!(got.resume_next.as_deref(), Some("42"));
        store.read().set_syncml_resume(cal, None).unwrap();
        let got = store.read().syncml_state(cal).unwrap().unwrap();
        assert_eq!((got.resume_mode, got.resume_next), (None, None));
        assert!(store.read().journal(cal).unwrap().is_empty());
    }
}
