//! Test support shared by the crate's own tests, the integration tests and the bindings'
//! tests (cargo feature `testing`): an in-memory device calendar and the device conformance
//! suite any `DeviceCalendar` runs.

pub mod conformance;
mod memory;

pub use memory::MemoryDevice;
