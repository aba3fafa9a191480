//! The schema and its migrations, applied in order by `PRAGMA user_version`.

use crate::Result;
use rusqlite::Connection;

/// Each entry migrates from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    protocol    TEXT NOT NULL,
    server_url  TEXT NOT NULL,
    username    TEXT NOT NULL,
    local       TEXT NOT NULL,
    past_days   INTEGER,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);
CREATE TABLE calendars (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    remote_url          TEXT,
    display_name        TEXT,
    device_calendar_id  TEXT,
    sync_token          TEXT,
    ctag                TEXT,
    last_sync_at        INTEGER,
    last_success_at     INTEGER
);
CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    calendar_id     INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid             TEXT NOT NULL,
    href            TEXT,
    etag            TEXT,
    server_ics      TEXT,
    server_fp       TEXT,
    device_id       TEXT,
    device_version  TEXT,
    device_fp       TEXT
);
CREATE INDEX items_calendar ON items(calendar_id);
CREATE UNIQUE INDEX items_href ON items(calendar_id, href) WHERE href IS NOT NULL;
CREATE UNIQUE INDEX items_device ON items(calendar_id, device_id) WHERE device_id IS NOT NULL;
CREATE INDEX items_uid ON items(calendar_id, uid);
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    started_at  INTEGER NOT NULL,
    mode        TEXT NOT NULL,
    status      TEXT NOT NULL,
    report      TEXT NOT NULL
);
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    uid         TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    losing_side TEXT NOT NULL,
    reason      TEXT NOT NULL,
    ics         TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE backups (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    full          INTEGER NOT NULL,
    pinned        INTEGER NOT NULL DEFAULT 0,
    device_items  INTEGER NOT NULL,
    server_items  INTEGER NOT NULL,
    device_data   BLOB,
    server_data   BLOB,
    size          INTEGER NOT NULL
);
CREATE INDEX backups_account ON backups(account_id, created_at);
"#,
    r#"
CREATE TABLE syncml (
    calendar_id    INTEGER PRIMARY KEY REFERENCES calendars(id) ON DELETE CASCADE,
    device_id      TEXT NOT NULL,
    server_uri     TEXT NOT NULL,
    format         TEXT NOT NULL DEFAULT 'icalendar',
    wbxml          INTEGER NOT NULL DEFAULT 0,
    auth           TEXT NOT NULL DEFAULT 'md5',
    nonce          TEXT,
    local_anchor   TEXT,
    remote_anchor  TEXT
);
CREATE TABLE syncml_maps (
    calendar_id  INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    luid         TEXT NOT NULL,
    guid         TEXT NOT NULL,
    PRIMARY KEY (calendar_id, luid)
);
"#,
    r#"
ALTER TABLE syncml ADD COLUMN max_msg_size INTEGER;
ALTER TABLE syncml ADD COLUMN pending_anchor TEXT;
"#,
    r#"
ALTER TABLE syncml ADD COLUMN resume_mode INTEGER;
ALTER TABLE syncml ADD COLUMN resume_next TEXT;
CREATE TABLE syncml_journal (
    calendar_id  INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    luid         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL,
    msg_id       INTEGER,
    status       INTEGER,
    PRIMARY KEY (calendar_id, luid)
);
"#,
    r#"
ALTER TABLE accounts ADD COLUMN auth_session TEXT;
"#,
    // Every column of an item but its iCalendar, in row order: the rows a sync scans are read
    // from this index alone, without the pages that hold the bodies.
    r#"
CREATE INDEX items_scan ON items(calendar_id, id, uid, href, etag, server_fp, device_id,
                                 device_version, device_fp);
"#,
    // `items_scan` begins with the calendar: an index of the calendar alone only costs writes.
    r#"
DROP INDEX items_calendar;
"#,
    // A conflict copy is looked up by its event's UID before another is kept: without this
    // index, each of a sync's conflicts read every copy kept so far.
    r#"
CREATE INDEX conflicts_uid ON conflicts(account_id, uid);
"#,
    // The digest of the device listing that last matched a calendar's rows exactly: a
    // no-change sync compares the listing with it instead of reading every row. Any write
    // that could change that match clears it, whichever code makes the write.
    r#"
ALTER TABLE calendars ADD COLUMN device_digest TEXT;
CREATE TRIGGER items_digest_insert AFTER INSERT ON items BEGIN
    UPDATE calendars SET device_digest = NULL
    WHERE id = NEW.calendar_id AND device_digest IS NOT NULL;
END;
CREATE TRIGGER items_digest_delete AFTER DELETE ON items BEGIN
    UPDATE calendars SET device_digest = NULL
    WHERE id = OLD.calendar_id AND device_digest IS NOT NULL;
END;
CREATE TRIGGER items_digest_update
AFTER UPDATE OF calendar_id, href, device_id, device_version ON items BEGIN
    UPDATE calendars SET device_digest = NULL
    WHERE id IN (OLD.calendar_id, NEW.calendar_id) AND device_digest IS NOT NULL;
END;
"#,
    // An insert no longer clears the digest: a trigger makes every insert a statement that
    // writes two tables, which SQLite journals page by page in case it must be undone (a
    // third of the cost of recording a download). The digest keeps instead the calendar's
    // highest row id when it was taken, and any later insert has a higher one (see
    // `StoreTx::device_digest`); a digest kept the old way is no longer read.
    r#"
DROP TRIGGER items_digest_insert;
UPDATE calendars SET device_digest = NULL;
"#,
];

/// Brings the database to the latest schema version.
pub(crate) fn migrate(conn: &Connection) -> Result<()> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(crate::Error::Config(format!(
            "store schema version {version} is newer than this Synchro ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_is_idempotent() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        migrate(&conn).unwrap();
        let v: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
    }

    #[test]
    fn refuses_a_newer_schema() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(migrate(&conn).is_err());
    }
}
