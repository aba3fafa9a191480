//! How the command line words the core's typed results in English: why a sync was held
//! back, why a change is planned, sides and actions.

use synchro_core::agent::{RestoreAction, SyncStatus};
use synchro_core::model::Side;
use synchro_core::sync::{ChangeAction, ChangeReason, HoldReason};

/// "local" or "server" calendar, as a user calls it.
fn calendar(side: Side) -> &'static str {
    match side {
        Side::Device => "local calendar",
        Side::Server => "server",
        Side::Both => "both calendars",
    }
}

/// Why a sync was held back, and what to run next.
pub fn hold(reason: &HoldReason, account: &str) -> String {
    let why = match reason {
        HoldReason::EmptiedSide {
            emptied,
            known,
            deletions,
        } => {
            let other = match emptied {
                Side::Device => Side::Server,
                _ => Side::Device,
            };
            format!(
                "the {} is now empty although {known} event(s) were synced: this would delete \
                 {deletions} event(s) on the {}",
                match emptied {
                    Side::Server => "server calendar",
                    s => calendar(*s),
                },
                calendar(other)
            )
        }
        HoldReason::MassDeletion {
            side,
            deletions,
            known,
            max_percent,
            max_count,
        } => format!(
            "this would delete {deletions} of {known} event(s) on the {} (more than \
             {max_percent}% and more than {max_count})",
            calendar(*side)
        ),
        HoldReason::ServerReset { known } => format!(
            "the server asks for a slow sync (full comparison) although {known} event(s) were \
             synced before; it may bring back events deleted on one side"
        ),
    };
    format!(
        "{why}. Nothing was applied. Check with `synchro sync {account} --dry-run`, then run \
         `synchro sync {account} --yes` to apply it."
    )
}

/// `device`, `server`, `both`.
pub fn side(side: Side) -> &'static str {
    side.as_str()
}

/// `add`, `update`, ...
pub fn action(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Add => "add",
        ChangeAction::Update => "update",
        ChangeAction::Delete => "delete",
        ChangeAction::Conflict => "conflict",
        ChangeAction::Link => "link",
    }
}

/// `add`, `revert`, `remove`.
pub fn restore_action(action: RestoreAction) -> &'static str {
    match action {
        RestoreAction::Add => "add",
        RestoreAction::Revert => "revert",
        RestoreAction::Remove => "remove",
    }
}

/// Why a change is planned.
pub fn change_reason(reason: ChangeReason) -> &'static str {
    match reason {
        ChangeReason::NewOnServer => "new on the server",
        ChangeReason::NewOnDevice => "new on the device",
        ChangeReason::ChangedOnServer => "changed on the server",
        ChangeReason::ChangedOnDevice => "changed on the device",
        ChangeReason::DeletedOnServer => "deleted on the server",
        ChangeReason::DeletedOnDevice => "deleted on the device",
        ChangeReason::LeftWindow => "left the sync window (kept on the server)",
        ChangeReason::DeletedOnDeviceChangedOnServer => {
            "deleted on the device but changed on the server"
        }
        ChangeReason::DeletedOnServerChangedOnDevice => {
            "deleted on the server but changed on the device"
        }
        ChangeReason::ChangedOnBothSides => {
            "changed on both sides: server wins, device version kept"
        }
        ChangeReason::SameEvent => "same event on both sides",
        ChangeReason::PairedByContent => "same event on both sides (paired by title and time)",
    }
}

/// `ok`, `needs_confirmation`, `error` (as in the JSON).
pub fn status(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Ok => "ok",
        SyncStatus::NeedsConfirmation => "needs_confirmation",
        SyncStatus::Error => "error",
    }
}
