//! Synchro's uniffi bindings: a thin layer over core's `SyncAgent` for the Android and iOS
//! apps (and Python). It owns the exported records and their conversions, the foreign traits
//! `DeviceCalendar` and `SyncProgress` with their adapters, and the one error enum; every
//! sync decision stays in `synchro-core`.

mod agent;
mod device;
mod error;
mod event;
mod progress;
mod records;

pub use agent::SyncAgent;
pub use device::{DeviceCalendar, DeviceEntry, DeviceEvent, DeviceOp, DeviceOutcome};
pub use error::SyncError;
pub use event::{
    AccessClass, Alarm, AlarmAction, AlarmTrigger, Attendee, AttendeeRole, Availability,
    CalendarDate, Event, EventException, EventStatus, EventTime, ParticipationStatus,
};
pub use progress::SyncProgress;
pub use records::{
    AccountInfo, AccountSettings, AccountStatus, AccountUpdate, BackupInfo, BackupReason,
    CalendarInfo, ChangeAction, ChangeReason, ConflictInfo, Counts, HistoryEntry, HoldReason,
    NewAccount, PlannedChange, Protocol, RestoreAction, RestoreChange, RestoreReport, ServerConfig,
    Side, SyncMlAuth, SyncMlFormat, SyncMode, SyncOptions, SyncReport, SyncStatus,
};

uniffi::setup_scaffolding!();

/// The settings a new account gets unless told otherwise (thresholds, backup rotation; no
/// password over plain http): a starting point for a set-up screen.
#[uniffi::export]
pub fn default_account_settings() -> AccountSettings {
    synchro_core::agent::AccountSettings::default().into()
}
