//! `sync`: runs the core's sync for one or every account and prints the reports.

use crate::args::{SyncArgs, SyncModeArg};
use crate::password::password;
use crate::progress::Bar;
use std::path::Path;
use std::time::Duration;
use synchro_core::panic_guard::guard;
use synchro_core::store::{Protocol, SqliteStore, SyncLock};
use synchro_core::sync::caldav::sync_caldav;
use synchro_core::sync::syncml::{sync_syncml, SyncMode};
use synchro_core::sync::{Interrupt, Progress, SyncOptions, SyncReport, SyncStatus};
use synchro_core::{Error, ErrorKind, Result};

/// How long a sync waits for another one on the same store to finish.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Syncs and returns the exit code.
pub fn sync(store: &mut SqliteStore, db: &Path, args: SyncArgs) -> Result<u8> {
    let _lock = SyncLock::acquire(db, LOCK_WAIT)?;
    let accounts = match &args.name {
        Some(n) => vec![store
            .read()
            .account(n)?
            .ok_or_else(|| Error::Config(format!("no account named {n:?}")))?],
        None => store.read().accounts()?,
    };
    if accounts.is_empty() {
        return Err(Error::Config(
            "no accounts: add one with `synchro account add`".into(),
        ));
    }
    // Ctrl-C stops the sync at the next safe point: between
    // two items for CalDAV, with a suspend alert for SyncML. Nothing half-done is kept.
    let interrupt = Interrupt::default();
    {
        let interrupt = interrupt.clone();
        if let Err(e) = ctrlc::set_handler(move || interrupt.interrupt()) {
            log::warn!("cannot catch Ctrl-C: {e}");
        }
    }
    let mut kinds = Vec::new();
    for account in accounts {
        let bar = Bar::new(!args.json);
        let (report, error) = match password(&args.password, &account.username)
            .and_then(|p| synchro_core::local::open_local(&account.local).map(|d| (p, d)))
        {
            Ok((pw, mut device)) => {
                let opts = SyncOptions {
                    dry_run: args.dry_run,
                    confirmed: args.yes,
                    progress: &bar,
                    interrupt: interrupt.clone(),
                };
                // A bug (panic) in this account's sync is its error; the others still sync.
                let guarded = guard(|| match account.protocol {
                    Protocol::CalDav => sync_caldav(store, &account, &pw, device.as_mut(), &opts),
                    Protocol::SyncMl => sync_syncml(
                        store,
                        &account,
                        &pw,
                        device.as_mut(),
                        &opts,
                        args.mode.map(mode_of),
                    ),
                });
                guarded.unwrap_or_else(|e| failed(&account.name, e))
            }
            Err(e) => failed(&account.name, e),
        };
        bar.finish();
        print_report(&report, args.json, args.dry_run);
        kinds.push(match (&error, report.status) {
            (Some(e), _) => Some(e.kind()),
            (None, SyncStatus::NeedsConfirmation) => Some(ErrorKind::NeedsConfirmation),
            (None, SyncStatus::Error) => Some(ErrorKind::Protocol),
            (None, SyncStatus::Ok) => None,
        });
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

/// The report of an account whose sync could not run or stopped on `e`.
fn failed(account: &str, e: Error) -> (SyncReport, Option<Error>) {
    let mut r = SyncReport::new(account);
    r.status = SyncStatus::Error;
    r.errors.push(e.to_string());
    (r, Some(e))
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
    if json {
        println!("{}", serde_json::to_string(r).expect("report serialises"));
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
            say!("  {:<6} {:<8} {}  ({})", c.side, c.action, c.uid, c.reason);
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
    if let Some(m) = &r.message {
        say!("  {m}");
    }
    for e in &r.errors {
        say!("  error: {e}");
    }
}
