//! What the agent tells about accounts without syncing: status, history of syncs, conflict
//! copies. All of it goes through the short-operations connection, so it answers while a
//! sync runs on another thread.

use super::records::{AccountStatus, ConflictInfo, HistoryEntry};
use super::SyncAgent;
use crate::model::Side;
use crate::sync::SyncStatus;
use crate::{ical, Error, Result};

/// The status named in the history (`ok`, `needs_confirmation`, `error`).
fn parse_status(s: &str) -> Result<SyncStatus> {
    match s {
        "ok" => Ok(SyncStatus::Ok),
        "needs_confirmation" => Ok(SyncStatus::NeedsConfirmation),
        "error" => Ok(SyncStatus::Error),
        other => Err(Error::Config(format!(
            "unknown sync status {other:?} in the history"
        ))),
    }
}

impl SyncAgent {
    /// Where each account (or the one named) stands.
    pub fn status(&self, account: Option<&str>) -> Result<Vec<AccountStatus>> {
        let running = self.running();
        let accounts = self.selected(account)?;
        let store = self.conn();
        let mut out = Vec::new();
        for a in accounts {
            let cal = store.read().calendar_state(a.id)?;
            let items = store.read().item_count(cal.id)?;
            let last = store.read().sessions(a.id, 1)?.into_iter().next();
            let conflicts = store.read().conflict_count(a.id)?;
            let last_status = last.as_ref().map(|s| parse_status(&s.status)).transpose()?;
            out.push(AccountStatus {
                syncing: running.as_deref() == Some(a.name.as_str()),
                account: a.name,
                calendar: cal.remote_url,
                local: a.local,
                items,
                last_sync_at: cal.last_sync_at,
                last_success_at: cal.last_success_at,
                last_status,
                last_report: last.map(|s| s.report),
                conflicts_kept: conflicts,
                incremental: cal.sync_token.is_some() || cal.ctag.is_some(),
            });
        }
        Ok(out)
    }

    /// The last `limit` syncs of each account (or the one named), newest first.
    pub fn history(&self, account: Option<&str>, limit: u32) -> Result<Vec<HistoryEntry>> {
        let accounts = self.selected(account)?;
        let store = self.conn();
        let mut out = Vec::new();
        for a in accounts {
            for s in store.read().sessions(a.id, limit)? {
                out.push(HistoryEntry {
                    account: a.name.clone(),
                    started_at: s.started_at,
                    status: parse_status(&s.status)?,
                    report: s.report,
                });
            }
        }
        Ok(out)
    }

    /// The kept losing versions of conflicts, for each account (or the one named).
    pub fn conflicts(&self, account: Option<&str>) -> Result<Vec<ConflictInfo>> {
        let accounts = self.selected(account)?;
        let store = self.conn();
        let mut out = Vec::new();
        for a in accounts {
            for c in store.read().conflicts(a.id)? {
                let losing_side = Side::parse(&c.losing_side).ok_or_else(|| {
                    Error::Config(format!("unknown side {:?} in the store", c.losing_side))
                })?;
                out.push(ConflictInfo {
                    account: a.name.clone(),
                    id: c.id,
                    summary: ical::ics_to_event(&c.ics).ok().and_then(|e| e.summary),
                    uid: c.uid,
                    created_at: c.created_at,
                    losing_side,
                    reason: c.reason,
                    ics: c.ics,
                });
            }
        }
        Ok(out)
    }

    /// Removes the conflict copies `ids` (as [`SyncAgent::conflicts`] gives them) once the
    /// user has looked at them; returns how many were removed (an id no longer kept counts
    /// for none). Answers while a sync runs.
    pub fn dismiss_conflicts(&self, ids: &[i64]) -> Result<u64> {
        let store = self.conn();
        let removed = store.read().dismiss_conflicts(ids)?;
        Ok(removed as u64)
    }
}
