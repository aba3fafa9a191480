//! Accounts (server, user name, local calendar, settings) and each account's calendar with
//! its sync marks (sync-token, ctag, device calendar id).

use super::{now_secs, StoreTx};
use crate::model::SyncToken;
use crate::{Error, Result};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// The protocol an account speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// CalDAV (RFC 4791).
    CalDav,
    /// SyncML DS 1.2.
    #[serde(rename = "syncml")]
    SyncMl,
}

impl Protocol {
    fn as_str(self) -> &'static str {
        match self {
            Protocol::CalDav => "caldav",
            Protocol::SyncMl => "syncml",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "caldav" => Ok(Protocol::CalDav),
            "syncml" => Ok(Protocol::SyncMl),
            other => Err(Error::Config(format!(
                "unknown protocol {other:?} in store"
            ))),
        }
    }
}

/// Most hrefs per calendar-multiget request unless an account says otherwise; within it, the
/// batch adapts to the size of the answers (see [`crate::remote::caldav::CalDavClient::multiget`]).
/// 500 keeps a report far below Radicale's limit of 10,000 VEVENTs per answer even for
/// events with many exceptions, and makes a first sync of 10,000 events about 20 requests.
pub const DEFAULT_MULTIGET_BATCH: usize = 500;

/// The default stored by accounts made before batches adapted to the answer size: read as
/// [`DEFAULT_MULTIGET_BATCH`], so that existing accounts get the larger batches too.
const LEGACY_DEFAULT_MULTIGET_BATCH: usize = 50;

/// Settings of an account that are not identity: stored as JSON so that later versions can
/// add to them without a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountSettings {
    /// Never use RFC 6578 sync-collection, even when the server supports it (ctag + etag
    /// listing instead, as with Zimbra).
    pub no_sync_collection: bool,
    /// Most hrefs per calendar-multiget request (the batch adapts to the answer size below it).
    pub multiget_batch: usize,
    /// The server asked for Basic auth before: send it from the first request on, so a
    /// no-change sync is one request.
    pub preemptive_basic: bool,
    /// Whether the server honours `If-None-Match: *` on PUT (learned on the first create;
    /// `None` until then). Only where it does, a create goes without looking first.
    pub if_none_match_honoured: Option<bool>,
    /// A sync deleting more than this share (percent) of the calendar on one side...
    pub max_delete_percent: u32,
    /// ...and more than this many events is held back until confirmed.
    pub max_delete_count: u32,
    /// Backups kept (pinned ones, taken before big changes, are kept besides).
    pub backup_max_count: u32,
    /// Backups older than this many days are removed (pinned ones excepted).
    pub backup_max_age_days: u32,
    /// Total size of an account's backups, in MiB, above which the oldest go.
    pub backup_max_mib: u64,
    /// Answer a server's HTTP Basic challenge over plain http (the password then travels
    /// readable). Off: such a sync fails with a message naming this setting.
    pub allow_insecure_http: bool,
    /// SyncML: accept the server's request for `syncml:auth-basic` when md5 was chosen
    /// (basic sends the password readable to anyone who can see the traffic).
    pub allow_basic: bool,
    /// A PEM file of CA certificates trusted for this account besides the platform's.
    pub ca_file: Option<String>,
    /// Pinned server certificates or keys (`sha256/BASE64` for a key, 64 hex digits for a
    /// certificate): when set, the server's certificate must match one of them.
    pub pins: Vec<String>,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            no_sync_collection: false,
            multiget_batch: DEFAULT_MULTIGET_BATCH,
            preemptive_basic: false,
            if_none_match_honoured: None,
            max_delete_percent: 30,
            max_delete_count: 10,
            backup_max_count: 30,
            backup_max_age_days: 90,
            backup_max_mib: 50,
            allow_insecure_http: false,
            allow_basic: false,
            ca_file: None,
            pins: Vec::new(),
        }
    }
}

impl AccountSettings {
    /// Settings as read from the store, with the old default batch raised to the current one.
    fn upgraded(mut self) -> Self {
        if self.multiget_batch == LEGACY_DEFAULT_MULTIGET_BATCH {
            self.multiget_batch = DEFAULT_MULTIGET_BATCH;
        }
        self
    }

    /// Trusts the CA certificates of the PEM file at `path` (made absolute; checked to hold
    /// at least one certificate), or no extra CA with `None`.
    pub fn set_ca_file(&mut self, path: Option<&std::path::Path>) -> Result<()> {
        self.ca_file = match path {
            Some(p) => {
                let abs = std::path::absolute(p).map_err(|e| {
                    Error::Config(format!("cannot use the CA file {}: {e}", p.display()))
                })?;
                crate::remote::tls::read_ca_file(&abs)?;
                Some(abs.to_string_lossy().into_owned())
            }
            None => None,
        };
        Ok(())
    }

    /// Pins the server's certificate or key (see [`crate::remote::tls::Pin::parse`]);
    /// an empty list removes the pins. Every pin is checked and stored in canonical form.
    pub fn set_pins(&mut self, pins: &[String]) -> Result<()> {
        self.pins = pins
            .iter()
            .map(|p| crate::remote::tls::Pin::parse(p).map(|p| p.to_string()))
            .collect::<Result<_>>()?;
        Ok(())
    }
}

/// An account: one server calendar synced with one local calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Unique name given by the user.
    pub name: String,
    /// Protocol.
    pub protocol: Protocol,
    /// The URL the user gave (server root or calendar).
    pub server_url: String,
    /// User name (the password is never stored).
    pub username: String,
    /// Local calendar spec (`vdir:DIR`, `ics:FILE`, or an app's calendar id).
    pub local: String,
    /// Past-time window in days (`None`: everything).
    pub past_days: Option<u32>,
    /// Other settings.
    pub settings: AccountSettings,
}

/// The sync marks of an account's calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarState {
    /// Row id of the calendar.
    pub id: i64,
    /// The collection URL, once chosen.
    pub remote_url: Option<String>,
    /// Its display name.
    pub display_name: Option<String>,
    /// The id of the device calendar at the last sync.
    pub device_calendar_id: Option<String>,
    /// RFC 6578 token covering every change applied so far.
    pub sync_token: Option<SyncToken>,
    /// CalendarServer ctag at the last complete sync.
    pub ctag: Option<String>,
    /// When the last sync ran (seconds since the epoch).
    pub last_sync_at: Option<i64>,
    /// When the last sync succeeded.
    pub last_success_at: Option<i64>,
}

fn account_from_row(row: &Row<'_>) -> rusqlite::Result<(Account, String)> {
    let settings: String = row.get(7)?;
    let protocol: String = row.get(2)?;
    Ok((
        Account {
            id: row.get(0)?,
            name: row.get(1)?,
            protocol: Protocol::CalDav,
            server_url: row.get(3)?,
            username: row.get(4)?,
            local: row.get(5)?,
            past_days: row.get(6)?,
            settings: serde_json::from_str(&settings)
                .map(AccountSettings::upgraded)
                .map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        7,
                        rusqlite::types::Type::Text,
                        format!("account settings that do not parse: {e}").into(),
                    )
                })?,
        },
        protocol,
    ))
}

const ACCOUNT_COLUMNS: &str =
    "id, name, protocol, server_url, username, local, past_days, settings";

impl StoreTx<'_> {
    /// Adds an account and its (not yet chosen) calendar. Fails if the name is taken.
    pub fn add_account(&self, account: &Account, remote_url: Option<&str>) -> Result<i64> {
        if self.account(&account.name)?.is_some() {
            return Err(Error::Config(format!(
                "an account named {:?} already exists",
                account.name
            )));
        }
        self.conn.execute(
            "INSERT INTO accounts (name, protocol, server_url, username, local, past_days, settings, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                account.name,
                account.protocol.as_str(),
                account.server_url,
                account.username,
                account.local,
                account.past_days,
                serde_json::to_string(&account.settings).expect("settings serialise"),
                now_secs()
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        self.conn.execute(
            "INSERT INTO calendars (account_id, remote_url) VALUES (?1, ?2)",
            params![id, remote_url],
        )?;
        Ok(id)
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name"
        ))?;
        let rows = stmt.query_map([], account_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut account, protocol) = row?;
            account.protocol = Protocol::parse(&protocol)?;
            out.push(account);
        }
        Ok(out)
    }

    /// The account with this name.
    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        let found = self
            .conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = ?1"),
                [name],
                account_from_row,
            )
            .optional()?;
        match found {
            Some((mut account, protocol)) => {
                account.protocol = Protocol::parse(&protocol)?;
                Ok(Some(account))
            }
            None => Ok(None),
        }
    }

    /// The calendar state of an account.
    pub fn calendar_state(&self, account_id: i64) -> Result<CalendarState> {
        Ok(self.conn.query_row(
            "SELECT id, remote_url, display_name, device_calendar_id, sync_token, ctag,
                    last_sync_at, last_success_at
             FROM calendars WHERE account_id = ?1",
            [account_id],
            |r| {
                Ok(CalendarState {
                    id: r.get(0)?,
                    remote_url: r.get(1)?,
                    display_name: r.get(2)?,
                    device_calendar_id: r.get(3)?,
                    sync_token: r.get::<_, Option<String>>(4)?.map(SyncToken::new),
                    ctag: r.get(5)?,
                    last_sync_at: r.get(6)?,
                    last_success_at: r.get(7)?,
                })
            },
        )?)
    }

    /// Saves an account's window and settings (name, server and user stay). The sync marks
    /// are reset, so the next sync compares a full listing with the store (a wider window
    /// brings older events; nothing is duplicated or deleted).
    pub fn update_account(&self, account: &Account) -> Result<()> {
        self.conn.execute(
            "UPDATE accounts SET past_days = ?2, settings = ?3 WHERE id = ?1",
            params![
                account.id,
                account.past_days,
                serde_json::to_string(&account.settings).expect("settings serialise")
            ],
        )?;
        self.conn.execute(
            "UPDATE calendars SET sync_token = NULL, ctag = NULL WHERE account_id = ?1",
            [account.id],
        )?;
        Ok(())
    }

    /// Removes an account with everything kept for it (calendar state, items, history,
    /// conflict copies, backups). Returns false when there was no such account.
    pub fn delete_account(&self, account_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM accounts WHERE id = ?1", [account_id])?
            > 0)
    }

    /// The HTTP auth session kept from the account's last sync (a Digest challenge and its
    /// nonce count, as JSON; never a password or a hash of one), if any.
    pub fn auth_session(&self, account_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT auth_session FROM accounts WHERE id = ?1",
                [account_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Keeps (or, with `None`, forgets) the account's HTTP auth session for the next sync.
    pub fn set_auth_session(&self, account_id: i64, session: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE accounts SET auth_session = ?2 WHERE id = ?1",
            params![account_id, session],
        )?;
        Ok(())
    }

    /// Replaces an account's settings.
    pub fn set_account_settings(&self, account_id: i64, settings: &AccountSettings) -> Result<()> {
        self.conn.execute(
            "UPDATE accounts SET settings = ?2 WHERE id = ?1",
            params![
                account_id,
                serde_json::to_string(settings).expect("settings serialise")
            ],
        )?;
        Ok(())
    }

    /// The account a calendar belongs to.
    pub fn account_of_calendar(&self, calendar_id: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT account_id FROM calendars WHERE id = ?1",
            [calendar_id],
            |r| r.get(0),
        )?)
    }

    /// Records the collection chosen for a calendar.
    pub fn set_remote_calendar(
        &self,
        calendar_id: i64,
        url: &str,
        display_name: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE calendars SET remote_url = ?2, display_name = ?3 WHERE id = ?1",
            params![calendar_id, url, display_name],
        )?;
        Ok(())
    }

    /// Records the device calendar's id.
    pub fn set_device_calendar_id(&self, calendar_id: i64, device_id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE calendars SET device_calendar_id = ?2 WHERE id = ?1",
            params![calendar_id, device_id],
        )?;
        Ok(())
    }

    /// Saves the server's change marks, once every change they cover is applied.
    pub fn set_sync_marks(
        &self,
        calendar_id: i64,
        sync_token: Option<&SyncToken>,
        ctag: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE calendars SET sync_token = ?2, ctag = ?3 WHERE id = ?1",
            params![calendar_id, sync_token.map(|t| t.as_str()), ctag],
        )?;
        Ok(())
    }

    /// Records the time of a sync and, if it succeeded, of the last success.
    pub fn mark_synced(&self, calendar_id: i64, success: bool) -> Result<()> {
        let now = now_secs();
        self.conn.execute(
            "UPDATE calendars SET last_sync_at = ?2,
                    last_success_at = CASE WHEN ?3 THEN ?2 ELSE last_success_at END
             WHERE id = ?1",
            params![calendar_id, now, success],
        )?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::SqliteStore;

    pub(crate) fn sample(name: &str) -> Account {
        Account {
            id: 0,
            name: name.into(),
            protocol: Protocol::CalDav,
            server_url: "http://127.0.0.1:5232/".into(),
            username: "test".into(),
            local: "vdir:/tmp/x".into(),
            past_days: Some(30),
            settings: AccountSettings::default(),
        }
    }

    #[test]
    fn accounts_round_trip_and_names_are_unique() {
        let store = SqliteStore::open_in_memory().unwrap();
        let id = store.read().add_account(&sample("work"), None).unwrap();
        assert!(store.read().add_account(&sample("work"), None).is_err());
        let got = store.read().account("work").unwrap().unwrap();
        assert_eq!(got.id, id);
        assert_eq!(got.past_days, Some(30));
        assert_eq!(store.read().accounts().unwrap().len(), 1);
        let cal = store.read().calendar_state(id).unwrap();
        assert_eq!(cal.sync_token, None);
        store
            .read()
            .set_sync_marks(cal.id, Some(&SyncToken::new("t1")), Some("c1"))
            .unwrap();
        let cal = store.read().calendar_state(id).unwrap();
        assert_eq!(cal.sync_token.unwrap().as_str(), "t1");
        assert_eq!(cal.ctag.as_deref(), Some("c1"));
    }

    #[test]
    fn the_old_default_batch_is_read_as_the_new_one() {
        let store = SqliteStore::open_in_memory().unwrap();
        let mut old = sample("old");
        old.settings.multiget_batch = LEGACY_DEFAULT_MULTIGET_BATCH;
        store.read().add_account(&old, None).unwrap();
        let mut chosen = sample("chosen");
        chosen.settings.multiget_batch = 7;
        store.read().add_account(&chosen, None).unwrap();
        let got = store.read().account("old").unwrap().unwrap();
        assert_eq!(got.settings.multiget_batch, DEFAULT_MULTIGET_BATCH);
        let got = store.read().account("chosen").unwrap().unwrap();
        assert_eq!(got.settings.multiget_batch, 7);
    }
}
