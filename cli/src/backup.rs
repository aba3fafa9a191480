//! `backup list|create|export|restore`, over the agent.

use crate::account::fmt_time;
use crate::args::{BackupCommand, ExportSide, RestoreSide};
use crate::password::password;
use crate::words;
use synchro_core::local::open_local;
use synchro_core::model::Side;
use synchro_core::{Error, Result, SyncAgent};

/// Runs a backup command; returns the exit code.
pub fn run(agent: &SyncAgent, command: BackupCommand) -> Result<u8> {
    match command {
        BackupCommand::List { name, json } => {
            let accounts = match &name {
                Some(n) => vec![agent.account(n)?],
                None => agent.list_accounts()?,
            };
            for account in accounts {
                let list = agent.backups(Some(&account.name))?;
                if json {
                    for b in &list {
                        emit!("{}", serde_json::to_string(b).expect("serialises"));
                    }
                    continue;
                }
                say!("{}: {} backup(s)", account.name, list.len());
                for b in list {
                    say!(
                        "  #{:<4} {}  {:<15} {:<6} device {:>6}  server {:>6}  {:>9} B{}",
                        b.id,
                        fmt_time(Some(b.created_at)),
                        b.reason.as_str(),
                        words::side(b.side),
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
            let account = agent.account(&name)?;
            let device = open_local(&account.local)?;
            // Otherwise the server side as the store last saw it (no download, no password).
            let secret = if account.server_reachable_outside_sync {
                password(&pw, &account.username)?
            } else {
                String::new()
            };
            let b = agent.create_backup(&name, &secret, device.as_ref())?;
            say!(
                "backup #{}: {} local and {} server event(s), {} bytes",
                b.id,
                b.device_items,
                b.server_items,
                b.size
            );
            Ok(0)
        }
        BackupCommand::Export { id, file, side } => {
            let part = agent.backup_part(
                id,
                side.map(|s| match s {
                    ExportSide::Device => Side::Device,
                    ExportSide::Server => Side::Server,
                }),
            )?;
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
            let account = agent.account(&agent.backup(id)?.account)?;
            let side = match side {
                RestoreSide::Device => Side::Device,
                RestoreSide::Server => Side::Server,
                RestoreSide::Both => Side::Both,
            };
            if !account.server_reachable_outside_sync && side != Side::Device {
                return Err(Error::Config(
                    "restoring the server side is only available for CalDAV accounts; use \
                     --side device"
                        .into(),
                ));
            }
            let secret = if side == Side::Device {
                String::new()
            } else {
                password(&pw, &account.username)?
            };
            let mut device = open_local(&account.local)?;
            let report = agent.restore(id, side, dry_run, yes, &secret, device.as_mut())?;
            for c in &report.changes {
                say!(
                    "  {:<6} {:<6} {}",
                    words::side(c.side),
                    words::restore_action(c.action),
                    c.uid
                );
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
