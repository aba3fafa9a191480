//! `backup list|create|export|restore`.

use crate::account::{fmt_time, selected};
use crate::args::{BackupCommand, ExportSide, RestoreSide};
use crate::password::password;
use std::path::Path;
use std::time::Duration;
use synchro_core::backup::restore::{restore, Side};
use synchro_core::backup::{snapshot_now, snapshot_offline};
use synchro_core::local::open_local;
use synchro_core::store::{Account, Protocol, SqliteStore, SyncLock};
use synchro_core::sync::caldav::client_for;
use synchro_core::{Error, Result};

fn account_of_backup(store: &SqliteStore, id: i64) -> Result<Account> {
    let info = store
        .read()
        .backups(None)?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| Error::Config(format!("no backup with id {id}")))?;
    store
        .read()
        .account(&info.account)?
        .ok_or_else(|| Error::Config(format!("no account named {:?}", info.account)))
}

/// Runs a backup command; returns the exit code.
pub fn run(store: &mut SqliteStore, db: &Path, command: BackupCommand) -> Result<u8> {
    match command {
        BackupCommand::List { name, json } => {
            for account in selected(store, name.as_deref())? {
                let list = store.read().backups(Some(account.id))?;
                if json {
                    for b in &list {
                        println!("{}", serde_json::to_string(b).expect("serialises"));
                    }
                    continue;
                }
                say!("{}: {} backup(s)", account.name, list.len());
                for b in list {
                    say!(
                        "  #{:<4} {}  {:<15} {:<6} device {:>6}  server {:>6}  {:>9} B{}",
                        b.id,
                        fmt_time(Some(b.created_at)),
                        b.reason,
                        b.side,
                        b.device_items,
                        b.server_items,
                        b.size,
                        if b.pinned { "  pinned" } else { "" }
                    );
                }
            }
            Ok(0)
        }
        BackupCommand::Create { name, password: pw } => {
            let _lock = SyncLock::acquire(db, Duration::from_secs(5))?;
            let account = selected(store, Some(&name))?.remove(0);
            let device = open_local(&account.local)?;
            let id = match account.protocol {
                Protocol::CalDav => {
                    let secret = password(&pw, &account.username)?;
                    let mut client = client_for(&account, &secret)?;
                    snapshot_now(store, &account, &mut client, device.as_ref(), "manual")?
                }
                // The server side as the store last saw it (no download in SyncML).
                Protocol::SyncMl => snapshot_offline(store, &account, device.as_ref(), "manual")?,
            };
            let b = store
                .read()
                .backups(Some(account.id))?
                .into_iter()
                .find(|b| b.id == id)
                .expect("just stored");
            say!(
                "backup #{id}: {} local and {} server event(s), {} bytes",
                b.device_items,
                b.server_items,
                b.size
            );
            Ok(0)
        }
        BackupCommand::Export { id, file, side } => {
            let data = store
                .read()
                .backup_data(id)?
                .ok_or_else(|| Error::Config(format!("no backup with id {id}")))?;
            let (device, server) = (data.device, data.server);
            let part = match side {
                Some(ExportSide::Device) => device,
                Some(ExportSide::Server) => server,
                None => server.or(device),
            }
            .ok_or_else(|| Error::Config(format!("backup {id} has no such part")))?;
            synchro_core::private_fs::write(&file, part.ics.as_bytes())
                .map_err(|e| Error::Config(format!("cannot write {}: {e}", file.display())))?;
            say!("{} event(s) written to {}", part.items, file.display());
            Ok(0)
        }
        BackupCommand::Restore {
            id,
            side,
            dry_run,
            yes,
            password: pw,
        } => {
            let _lock = SyncLock::acquire(db, Duration::from_secs(5))?;
            let account = account_of_backup(store, id)?;
            let mut client = match account.protocol {
                Protocol::CalDav => {
                    let secret = password(&pw, &account.username)?;
                    Some(client_for(&account, &secret)?)
                }
                Protocol::SyncMl => None,
            };
            let mut device = open_local(&account.local)?;
            let side = match side {
                RestoreSide::Device => Side::Device,
                RestoreSide::Server => Side::Server,
                RestoreSide::Both => Side::Both,
            };
            let report = restore(
                store,
                &account,
                client.as_mut(),
                device.as_mut(),
                id,
                side,
                yes,
                dry_run,
            )?;
            for c in &report.changes {
                say!("  {:<6} {:<6} {}", c.side, c.action, c.uid);
            }
            say!(
                "{} change(s){}{}",
                report.changes.len(),
                if dry_run {
                    " (dry run: nothing applied)"
                } else {
                    " applied"
                },
                if report.kept_added > 0 {
                    format!(
                        "; {} event(s) added since the backup kept (remove them with --yes)",
                        report.kept_added
                    )
                } else {
                    String::new()
                }
            );
            for e in &report.errors {
                say!("  error: {e}");
            }
            Ok(if report.errors.is_empty() { 0 } else { 1 })
        }
    }
}
