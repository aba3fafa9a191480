//! Accounts through the agent: discovery of a server's calendars, adding (CalDAV after
//! checking the credentials and choosing the calendar; SyncML without contacting the
//! server), changing settings (after a snapshot of both sides), listing and removing.

use super::records::{AccountInfo, AccountUpdate, NewAccount, ServerConfig};
use super::SyncAgent;
use crate::device::DeviceCalendar;
use crate::remote::caldav::CalendarInfo;
use crate::store::{Account, AccountSettings, BackupReason, Protocol, SqliteStore, SyncMlState};
use crate::sync::caldav::{discover_calendars, discover_calendars_and_auth, pick_calendar};
use crate::sync::syncml::{new_device_id, DEFAULT_SERVER_URI};
use crate::{Error, Result};

impl SyncAgent {
    /// The calendars behind a CalDAV `server_url` (a server root or a calendar), checking
    /// the credentials on the way. `settings` are those the account will have: their
    /// security part (plain http, CA file, pins) applies to this first contact already.
    pub fn discover_calendars(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        settings: &AccountSettings,
    ) -> Result<Vec<CalendarInfo>> {
        let probe = Account {
            id: 0,
            name: String::new(),
            protocol: Protocol::CalDav,
            server_url: server_url.to_string(),
            username: username.to_string(),
            local: String::new(),
            past_days: None,
            settings: settings.clone(),
        };
        discover_calendars(&probe, password, server_url)
    }

    /// Adds an account. A CalDAV account is checked against the server first (`password` is
    /// used for that only) and its calendar chosen; a SyncML account is only recorded (a
    /// session changes the server's state: the first sync is the first contact).
    pub fn add_account(&self, new: &NewAccount, password: &str) -> Result<AccountInfo> {
        if self.conn().read().account(&new.name)?.is_some() {
            return Err(Error::Config(format!(
                "an account named {:?} already exists",
                new.name
            )));
        }
        let (protocol, url) = match &new.server {
            ServerConfig::CalDav { url, .. } => (Protocol::CalDav, url),
            ServerConfig::SyncMl { url, .. } => (Protocol::SyncMl, url),
        };
        let mut account = Account {
            id: 0,
            name: new.name.clone(),
            protocol,
            server_url: url.clone(),
            username: new.username.clone(),
            local: new.local.clone(),
            past_days: new.past_days,
            settings: new.settings.clone(),
        };
        match &new.server {
            ServerConfig::CalDav { url, calendar } => {
                let target = calendar.as_deref().unwrap_or(url);
                let (found, basic) = discover_calendars_and_auth(&account, password, target)?;
                account.settings.preemptive_basic |= basic;
                let chosen = match calendar {
                    Some(c) => found
                        .iter()
                        .find(|f| same_url(&f.url, c))
                        .or(found.first())
                        .ok_or_else(|| {
                            Error::Config(format!("{c} is not a calendar collection"))
                        })?,
                    None => pick_calendar(&found).ok_or_else(|| {
                        Error::Config("no calendar holding events was found on the server".into())
                    })?,
                };
                let store = self.conn();
                let id = store.read().add_account(&account, Some(&chosen.url))?;
                let cal = store.read().calendar_state(id)?;
                store.read().set_remote_calendar(
                    cal.id,
                    &chosen.url,
                    chosen.display_name.as_deref(),
                )?;
            }
            ServerConfig::SyncMl {
                url,
                server_uri,
                device_id,
                format,
                wbxml,
                auth,
            } => {
                let server_uri = server_uri.as_deref().unwrap_or(DEFAULT_SERVER_URI);
                let mut store = self.conn();
                store.write(|tx| {
                    let id = tx.add_account(&account, None)?;
                    let cal = tx.calendar_state(id)?;
                    tx.save_syncml_state(&SyncMlState {
                        calendar_id: cal.id,
                        device_id: device_id.clone().unwrap_or_else(new_device_id),
                        server_uri: server_uri.to_string(),
                        format: *format,
                        wbxml: *wbxml,
                        auth: *auth,
                        ..Default::default()
                    })?;
                    tx.set_remote_calendar(cal.id, &format!("{url}#{server_uri}"), None)
                })?;
            }
        }
        self.account(&new.name)
    }

    /// Changes an account's window and settings. A full snapshot of both sides (the server
    /// as the store last saw it) is taken first, with `device`; returns its id, or `None`
    /// when nothing changes.
    pub fn update_account(
        &self,
        name: &str,
        update: &AccountUpdate,
        device: &dyn DeviceCalendar,
    ) -> Result<Option<i64>> {
        let _lock = self.lock()?;
        let account = self.account_record(name)?;
        let next = Account {
            past_days: update.past_days,
            settings: update.settings.clone(),
            ..account.clone()
        };
        if next == account {
            return Ok(None);
        }
        let store = self.conn();
        let id = crate::backup::snapshot_offline(
            &store,
            &account,
            device,
            BackupReason::SettingsChange,
        )?;
        store.read().update_account(&next)?;
        Ok(Some(id))
    }

    /// Every account, by name.
    pub fn list_accounts(&self) -> Result<Vec<AccountInfo>> {
        let store = self.conn();
        let accounts = store.read().accounts()?;
        accounts.iter().map(|a| info(&store, a)).collect()
    }

    /// The account named `name`.
    pub fn account(&self, name: &str) -> Result<AccountInfo> {
        let account = self.account_record(name)?;
        info(&self.conn(), &account)
    }

    /// Removes an account and everything kept for it (state, history, conflict copies,
    /// backups). Neither calendar is touched.
    pub fn remove_account(&self, name: &str) -> Result<()> {
        let _lock = self.lock()?;
        let account = self.account_record(name)?;
        self.conn().read().delete_account(account.id)?;
        Ok(())
    }
}

fn info(store: &SqliteStore, a: &Account) -> Result<AccountInfo> {
    let cal = store.read().calendar_state(a.id)?;
    let device_id = match a.protocol {
        Protocol::SyncMl => store.read().syncml_state(cal.id)?.map(|s| s.device_id),
        Protocol::CalDav => None,
    };
    Ok(AccountInfo {
        name: a.name.clone(),
        protocol: a.protocol,
        server_url: a.server_url.clone(),
        username: a.username.clone(),
        calendar_url: cal.remote_url,
        calendar_name: cal.display_name,
        local: a.local.clone(),
        past_days: a.past_days,
        settings: a.settings.clone(),
        device_id,
        server_reachable_outside_sync: a.protocol == Protocol::CalDav,
    })
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
        || a.trim_end_matches('/').ends_with(b.trim_end_matches('/'))
}
