//! Backups through the agent: listing, one snapshot's parts, a snapshot taken now, and a
//! restore as the least changes. Taking and restoring hold the sync lock.

use super::SyncAgent;
use crate::backup::restore::{restore, RestoreOptions, RestoreReport, ServerCalendar, Side};
use crate::device::DeviceCalendar;
use crate::store::{BackupInfo, BackupReason, Protocol, SidePart};
use crate::sync::caldav::{client_for, fetch_all, CalDavServer};
use crate::{Error, Result};

impl SyncAgent {
    /// The snapshots of each account (or the one named), newest first.
    pub fn backups(&self, account: Option<&str>) -> Result<Vec<BackupInfo>> {
        let mut out = Vec::new();
        for a in self.selected(account)? {
            out.extend(self.conn().read().backups(Some(a.id))?);
        }
        Ok(out)
    }

    /// The snapshot with this id.
    pub fn backup(&self, id: i64) -> Result<BackupInfo> {
        self.conn()
            .read()
            .backups(None)?
            .into_iter()
            .find(|b| b.id == id)
            .ok_or_else(|| Error::Config(format!("no backup with id {id}")))
    }

    /// One side of a snapshot as one iCalendar text (`None`: the server's part, else the
    /// device's).
    pub fn backup_part(&self, id: i64, side: Option<Side>) -> Result<SidePart> {
        let data = self
            .conn()
            .read()
            .backup_data(id)?
            .ok_or_else(|| Error::Config(format!("no backup with id {id}")))?;
        match side {
            Some(Side::Device) => data.device,
            Some(Side::Server) => data.server,
            None | Some(Side::Both) => data.server.or(data.device),
        }
        .ok_or_else(|| Error::Config(format!("backup {id} has no such part")))
    }

    /// Takes a full snapshot of both sides of `account` now: `device` as it is, and the
    /// server as it answers (CalDAV, with `password`) or as the store last saw it (SyncML,
    /// where a download would be a sync session). Kept by rotation.
    pub fn create_backup(
        &self,
        account: &str,
        password: &str,
        device: &dyn DeviceCalendar,
    ) -> Result<BackupInfo> {
        let _lock = self.lock()?;
        let account = self.account_record(account)?;
        let store = self.conn();
        let id = match account.protocol {
            Protocol::CalDav => {
                let url = store
                    .read()
                    .calendar_state(account.id)?
                    .remote_url
                    .ok_or_else(|| Error::Config("the account has no calendar yet".into()))?;
                let mut client = client_for(&account, password)?;
                let server = fetch_all(&mut client, &url)?
                    .into_iter()
                    .map(|f| f.ics)
                    .collect();
                crate::backup::snapshot_full(
                    &store,
                    &account,
                    device,
                    server,
                    BackupReason::Manual,
                )?
            }
            Protocol::SyncMl => {
                crate::backup::snapshot_offline(&store, &account, device, BackupReason::Manual)?
            }
        };
        drop(store);
        self.backup(id)
    }

    /// Restores snapshot `id` on `side` of its account, as the least changes; `device` is
    /// that account's local calendar. Events added since the snapshot are removed only when
    /// `confirmed`; a `dry_run` lists the changes and makes none. The server side of a
    /// SyncML account cannot be restored (a session cannot rewrite the server's copy).
    pub fn restore(
        &self,
        id: i64,
        side: Side,
        dry_run: bool,
        confirmed: bool,
        password: &str,
        device: &mut dyn DeviceCalendar,
    ) -> Result<RestoreReport> {
        let _lock = self.lock()?;
        let info = self.backup(id)?;
        let account = self.account_record(&info.account)?;
        let mut client = match account.protocol {
            Protocol::CalDav if side != Side::Device => Some(client_for(&account, password)?),
            _ => None,
        };
        let url = self
            .conn()
            .read()
            .calendar_state(account.id)?
            .remote_url
            .unwrap_or_default();
        let mut server = client.as_mut().map(|c| CalDavServer::new(c, &url));
        if account.protocol == Protocol::SyncMl && side != Side::Device {
            return Err(Error::Config(
                "the server side of a SyncML account cannot be restored; restore the device \
                 side"
                    .into(),
            ));
        }
        let mut store = self.conn();
        restore(
            &mut store,
            &account,
            server.as_mut().map(|s| s as &mut dyn ServerCalendar),
            device,
            id,
            RestoreOptions {
                side,
                remove_added: confirmed,
                dry_run,
            },
        )
    }
}
