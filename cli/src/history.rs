//! `log` (past syncs) and `conflicts` (kept losing versions, exportable as .ics).

use crate::account::{fmt_time, selected};
use serde_json::json;
use std::path::Path;
use synchro_core::store::SqliteStore;
use synchro_core::{ical, Error, Result};

/// Prints the history of syncs.
pub fn log(store: &SqliteStore, name: Option<&str>, limit: u32, as_json: bool) -> Result<()> {
    for account in selected(store, name)? {
        let sessions = store.read().sessions(account.id, limit)?;
        if !as_json {
            say!("{}", account.name);
            if sessions.is_empty() {
                say!("  no sync yet");
            }
        }
        for s in sessions {
            let r = &s.report;
            if as_json {
                println!(
                    "{}",
                    json!({
                        "account": account.name,
                        "started_at": s.started_at,
                        "mode": s.mode,
                        "status": s.status,
                        "device": r["device"],
                        "server": r["server"],
                        "conflicts": r["conflicts"],
                        "errors": r["errors"],
                        "requests": r["requests"],
                        "bytes_sent": r["bytes_sent"],
                        "bytes_received": r["bytes_received"],
                        "duration_ms": r["duration_ms"],
                    })
                );
                continue;
            }
            let n = |side: &str, k: &str| r[side][k].as_u64().unwrap_or(0);
            say!(
                "  {}  {:<4} {:<18} local +{} ~{} -{}  server +{} ~{} -{}  {} conflict(s)  {} req  {} B in  {:.1} s{}",
                fmt_time(Some(s.started_at)),
                s.mode,
                s.status,
                n("device", "added"),
                n("device", "updated"),
                n("device", "deleted"),
                n("server", "added"),
                n("server", "updated"),
                n("server", "deleted"),
                r["conflicts"].as_u64().unwrap_or(0),
                r["requests"].as_u64().unwrap_or(0),
                r["bytes_received"].as_u64().unwrap_or(0),
                r["duration_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
                r["errors"]
                    .as_array()
                    .filter(|e| !e.is_empty())
                    .map(|e| format!("  errors: {}", e.len()))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Lists (and optionally exports) the kept conflict copies.
pub fn conflicts(
    store: &SqliteStore,
    name: Option<&str>,
    as_json: bool,
    export: Option<&Path>,
) -> Result<()> {
    let mut objects = Vec::new();
    for account in selected(store, name)? {
        let copies = store.read().conflicts(account.id)?;
        if !as_json && export.is_none() {
            say!("{}: {} conflict copy(ies)", account.name, copies.len());
        }
        for c in copies {
            if as_json {
                println!(
                    "{}",
                    json!({
                        "account": account.name,
                        "id": c.id,
                        "uid": c.uid,
                        "created_at": c.created_at,
                        "losing_side": c.losing_side,
                        "reason": c.reason,
                        "ics": c.ics,
                    })
                );
            } else if export.is_none() {
                let summary = ical::ics_to_event(&c.ics)
                    .ok()
                    .and_then(|e| e.summary)
                    .unwrap_or_default();
                say!(
                    "  #{} {}  {}  {} ({} version kept: {})",
                    c.id,
                    fmt_time(Some(c.created_at)),
                    c.uid,
                    summary,
                    c.losing_side,
                    c.reason
                );
            }
            objects.push(c.ics);
        }
    }
    if let Some(path) = export {
        let text = ical::join_calendars(&objects)?;
        synchro_core::private_fs::write(path, text.as_bytes())
            .map_err(|e| Error::Config(format!("cannot write {}: {e}", path.display())))?;
        say!(
            "{} conflict copy(ies) written to {}",
            objects.len(),
            path.display()
        );
    }
    Ok(())
}
