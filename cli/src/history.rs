//! `log` (past syncs) and `conflicts` (kept losing versions, exportable as .ics).

use crate::account::fmt_time;
use crate::words;
use serde_json::json;
use std::path::Path;
use synchro_core::{ical, Error, Result, SyncAgent};

/// Prints the history of syncs.
pub fn log(agent: &SyncAgent, name: Option<&str>, limit: u32, as_json: bool) -> Result<()> {
    let accounts = match name {
        Some(n) => vec![agent.account(n)?],
        None => agent.list_accounts()?,
    };
    for account in accounts {
        let sessions = agent.history(Some(&account.name), limit)?;
        if !as_json {
            say!("{}", account.name);
            if sessions.is_empty() {
                say!("  no sync yet");
            }
        }
        for s in sessions {
            let r = &s.report;
            if as_json {
                emit!(
                    "{}",
                    json!({
                        "account": s.account,
                        "started_at": s.started_at,
                        "mode": "sync",
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
                "sync",
                words::status(s.status),
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

/// Which conflict copies `synchro conflicts` removes once it listed or exported them.
pub enum Dismiss {
    /// Every copy listed.
    All,
    /// The copies with these ids (none: list only). Each must be among those listed.
    These(Vec<i64>),
}

/// Lists (and optionally exports) the kept conflict copies, then removes those `dismiss`
/// names.
pub fn conflicts(
    agent: &SyncAgent,
    name: Option<&str>,
    as_json: bool,
    export: Option<&Path>,
    dismiss: Dismiss,
) -> Result<()> {
    let accounts = match name {
        Some(n) => vec![agent.account(n)?],
        None => agent.list_accounts()?,
    };
    let mut objects = Vec::new();
    let mut listed = Vec::new();
    for account in accounts {
        let copies = agent.conflicts(Some(&account.name))?;
        listed.extend(copies.iter().map(|c| c.id));
        if !as_json && export.is_none() {
            say!("{}: {} conflict copy(ies)", account.name, copies.len());
        }
        for c in copies {
            if as_json {
                emit!(
                    "{}",
                    json!({
                        "account": c.account,
                        "id": c.id,
                        "uid": c.uid,
                        "created_at": c.created_at,
                        "losing_side": c.losing_side,
                        "reason": c.reason,
                        "ics": c.ics,
                    })
                );
            } else if export.is_none() {
                say!(
                    "  #{} {}  {}  {} ({} version kept: {})",
                    c.id,
                    fmt_time(Some(c.created_at)),
                    c.uid,
                    c.summary.as_deref().unwrap_or_default(),
                    words::side(c.losing_side),
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
    let ids = match dismiss {
        Dismiss::All => listed,
        Dismiss::These(ids) => {
            if let Some(id) = ids.iter().find(|id| !listed.contains(id)) {
                return Err(Error::Config(format!(
                    "no conflict copy #{id}{}",
                    name.map(|n| format!(" in account {n}")).unwrap_or_default()
                )));
            }
            ids
        }
    };
    if !ids.is_empty() {
        let removed = agent.dismiss_conflicts(&ids)?;
        // Standard output stays one JSON object per line with --json.
        match as_json {
            true => say_err!("{removed} conflict copy(ies) dismissed"),
            false => say!("{removed} conflict copy(ies) dismissed"),
        }
    }
    Ok(())
}
