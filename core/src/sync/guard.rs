//! Safety checks run on a plan before anything is applied: a side that held events and is
//! now empty, or more deletions on one side than the account's threshold, hold the sync back
//! until the user confirms. Shared by every protocol.

use super::plan::Action;
use super::report::HoldReason;
use crate::model::Side;
use crate::store::AccountSettings;

/// Counts of what a plan would delete on each side.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Deletions {
    /// Events the plan deletes on the device (window drops excluded: they stay on the server).
    pub device: usize,
    /// Events the plan deletes on the server.
    pub server: usize,
}

/// Counts the deletions of a plan.
pub fn deletions(actions: &[Action]) -> Deletions {
    let mut d = Deletions::default();
    for a in actions {
        match a {
            Action::DeleteOnDevice {
                left_window: false, ..
            } => d.device += 1,
            Action::DeleteOnServer { .. } => d.server += 1,
            _ => {}
        }
    }
    d
}

/// The reason to hold a plan back, if any. `known` is the number of events synced before
/// (store rows); `device_total` / `server_total` what each side holds now (`None` when the
/// side was not fully listed).
pub fn check(
    actions: &[Action],
    settings: &AccountSettings,
    known: usize,
    device_total: usize,
    server_total: Option<usize>,
) -> Option<HoldReason> {
    let d = deletions(actions);
    let known64 = known as u64;
    if known > 0 && device_total == 0 && d.server > 0 {
        return Some(HoldReason::EmptiedSide {
            emptied: Side::Device,
            known: known64,
            deletions: d.server as u64,
        });
    }
    if known > 0 && server_total == Some(0) && d.device > 0 {
        return Some(HoldReason::EmptiedSide {
            emptied: Side::Server,
            known: known64,
            deletions: d.device as u64,
        });
    }
    let limit = |total: usize| -> usize {
        let pct = total * settings.max_delete_percent as usize / 100;
        pct.max(settings.max_delete_count as usize)
    };
    let mass = |side: Side, n: usize| HoldReason::MassDeletion {
        side,
        deletions: n as u64,
        known: known64,
        max_percent: settings.max_delete_percent,
        max_count: settings.max_delete_count,
    };
    if d.server > limit(known) {
        return Some(mass(Side::Server, d.server));
    }
    if d.device > limit(known) {
        return Some(mass(Side::Device, d.device));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deletes_on_server(n: usize) -> Vec<Action> {
        (0..n as i64)
            .map(|row| Action::DeleteOnServer { row, etag: None })
            .collect()
    }

    fn deletes_on_device(n: usize, left_window: bool) -> Vec<Action> {
        (0..n as i64)
            .map(|row| Action::DeleteOnDevice { row, left_window })
            .collect()
    }

    #[test]
    fn an_emptied_side_is_held_back() {
        let s = AccountSettings::default();
        assert_eq!(
            check(&deletes_on_server(3), &s, 3, 0, Some(3)),
            Some(HoldReason::EmptiedSide {
                emptied: Side::Device,
                known: 3,
                deletions: 3
            })
        );
        assert!(check(&deletes_on_device(3, false), &s, 3, 3, Some(0)).is_some());
        // A first sync into an empty calendar is not a deletion.
        assert!(check(&[], &s, 0, 0, Some(0)).is_none());
    }

    #[test]
    fn mass_deletion_threshold_is_max_of_count_and_share() {
        let s = AccountSettings::default();
        // 100 events: 30 % = 30 may go, 31 may not.
        assert!(check(&deletes_on_server(30), &s, 100, 70, Some(100)).is_none());
        assert_eq!(
            check(&deletes_on_server(31), &s, 100, 69, Some(100)),
            Some(HoldReason::MassDeletion {
                side: Side::Server,
                deletions: 31,
                known: 100,
                max_percent: 30,
                max_count: 10
            })
        );
        // 20 events: 30 % = 6 < 10, so 10 may go, 11 may not.
        assert!(check(&deletes_on_device(10, false), &s, 20, 20, Some(10)).is_none());
        assert!(check(&deletes_on_device(11, false), &s, 20, 20, Some(9)).is_some());
    }

    #[test]
    fn leaving_the_window_is_not_a_deletion() {
        let s = AccountSettings::default();
        assert!(check(&deletes_on_device(50, true), &s, 50, 50, Some(0)).is_none());
    }
}
