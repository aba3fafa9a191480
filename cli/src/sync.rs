//! `sync`: syncs one or every account through the agent and prints the reports.

use crate::args::{SyncArgs, SyncModeArg};
use crate::password::password;
use crate::progress::Bar;
use crate::words;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use synchro_core::agent::{SyncMode, SyncOptions, SyncReport, SyncStatus};
use synchro_core::{Error, ErrorKind, Result, SyncAgent};

/// Syncs and returns the exit code.
pub fn sync(agent: Arc<SyncAgent>, args: SyncArgs) -> Result<u8> {
    let accounts = match &args.name {
        Some(n) => vec![agent.account(n)?],
        None => agent.list_accounts()?,
    };
    if accounts.is_empty() {
        return Err(Error::Config(
            "no accounts: add one with `synchro account add`".into(),
        ));
    }
    // Ctrl-C stops the sync at the next safe point: between two items for CalDAV, with a
    // suspend alert for SyncML. Nothing half-done is kept. The accounts not synced yet are
    // left alone. The handler lives on after the command, so it holds the agent weakly:
    // the store closes when the command ends (SQLite then folds its write-ahead log into
    // the database, and the next command does not read it back at open).
    let stopped = Arc::new(AtomicBool::new(false));
    {
        let (agent, stopped) = (Arc::downgrade(&agent), stopped.clone());
        if let Err(e) = ctrlc::set_handler(move || {
            stopped.store(true, Ordering::SeqCst);
            if let Some(agent) = agent.upgrade() {
                agent.interrupt();
            }
        }) {
            log::warn!("cannot catch Ctrl-C: {e}");
        }
    }
    let options = SyncOptions {
        dry_run: args.dry_run,
        confirmed: args.yes,
        mode: args.mode.map(mode_of),
        download_memory: args.download_memory,
    };
    let mut kinds = Vec::new();
    for account in accounts {
        if stopped.load(Ordering::SeqCst) {
            kinds.push(Some(ErrorKind::Interrupted));
            break;
        }
        let bar = Bar::new(!args.json);
        let result = password(&args.password, &account.username)
            .and_then(|p| synchro_core::local::open_local(&account.local).map(|d| (p, d)))
            .map_err(|e| synchro_core::agent::SyncFailure::new(&account.name, e))
            .and_then(|(pw, mut device)| {
                agent.sync(&account.name, &pw, device.as_mut(), &options, Some(&bar))
            });
        let (report, kind) = match result {
            Ok(report) => {
                let kind = (report.status == SyncStatus::Error).then_some(ErrorKind::Protocol);
                (report, kind)
            }
            Err(failure) => {
                if failure.error.kind() == ErrorKind::Busy {
                    eprintln!("synchro: {}", failure.error);
                }
                (*failure.report, Some(failure.error.kind()))
            }
        };
        print_report(&report, args.json, args.dry_run);
        kinds.push(kind);
    }
    let worst = [
        ErrorKind::Tls,
        ErrorKind::Auth,
        ErrorKind::Unavailable,
        ErrorKind::NeedsConfirmation,
    ]
    .into_iter()
    .find(|k| kinds.contains(&Some(*k)));
    Ok(match (worst, kinds.iter().flatten().next()) {
        (Some(k), _) => crate::exit_code_for(k),
        (None, Some(_)) => 1,
        (None, None) => 0,
    })
}

fn mode_of(m: SyncModeArg) -> SyncMode {
    match m {
        SyncModeArg::TwoWay => SyncMode::TwoWay,
        SyncModeArg::Slow => SyncMode::Slow,
        SyncModeArg::RefreshFromServer => SyncMode::RefreshFromServer,
        SyncModeArg::RefreshFromClient => SyncMode::RefreshFromClient,
        SyncModeArg::OneWayFromServer => SyncMode::OneWayFromServer,
        SyncModeArg::OneWayFromClient => SyncMode::OneWayFromClient,
    }
}

fn print_report(r: &SyncReport, json: bool, dry_run: bool) {
    let message = r.hold.as_ref().map(|h| words::hold(h, &r.account));
    if json {
        let mut value = serde_json::to_value(r).expect("report serialises");
        if let (Some(m), Some(obj)) = (&message, value.as_object_mut()) {
            obj.insert("message".into(), m.clone().into());
        }
        emit!("{value}");
        return;
    }
    if let Some(plan) = &r.plan {
        say!(
            "{}: {} planned change(s){}",
            r.account,
            plan.len(),
            if dry_run {
                " (dry run: nothing applied)"
            } else {
                ""
            }
        );
        for c in plan {
            say!(
                "  {:<6} {:<8} {}{}  ({})",
                words::side(c.side),
                words::action(c.action),
                c.uid,
                c.summary
                    .as_deref()
                    .map(|s| format!(" {s:?}"))
                    .unwrap_or_default(),
                words::change_reason(c.reason)
            );
        }
    }
    let status = match r.status {
        SyncStatus::Ok => "ok",
        SyncStatus::NeedsConfirmation => "needs confirmation",
        SyncStatus::Error => "error",
    };
    say!(
        "{}: {status}. local: +{} ~{} -{}; server: +{} ~{} -{}; {} conflict(s); {} request(s), {:.1} s",
        r.account,
        r.device.added,
        r.device.updated,
        r.device.deleted,
        r.server.added,
        r.server.updated,
        r.server.deleted,
        r.conflicts,
        r.requests,
        r.duration_ms as f64 / 1000.0
    );
    if let Some(m) = &message {
        say!("  {m}");
    }
    for e in &r.errors {
        say!("  error: {e}");
    }
}
