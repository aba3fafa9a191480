//! Synchro core: calendar sync between a device calendar and a CalDAV or SyncML server,
//! with a local SQLite store that makes every sync resumable and every change reversible.
//!
//! The crate knows nothing of FFI or UI. Front ends go through [`SyncAgent`]. Its parts, one
//! concern each: [`agent`] (the façade),
//! [`backup`] (snapshots and restore), [`model`] (the `Event` record and protocol newtypes), [`ical`] (iCalendar in and out),
//! [`device`] (what a phone calendar can do), [`local`] (folder and file calendars for the
//! desktop and the tests), [`remote`] (HTTP, CalDAV), [`store`] (SQLite), [`sync`] (the
//! engine), [`error`], [`panic_guard`] (a panic in one sync becomes that sync's error),
//! [`private_fs`] (files `0600`, folders `0700`) and `parallel` (independent work over a few
//! threads, in order); with the `testing` feature, `testing` (a
//! memory device calendar and the device conformance suite).

pub mod agent;
pub mod backup;
pub mod device;
pub mod error;
pub mod ical;
pub mod local;
pub mod model;
pub mod panic_guard;
mod parallel;
pub mod private_fs;
pub mod remote;
pub mod store;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use agent::SyncAgent;
pub use error::{Error, ErrorKind, Result};
