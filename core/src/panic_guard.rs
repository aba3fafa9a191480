//! The last line of defence against a bug: runs one unit of work (one account's sync) so that
//! a panic inside it becomes an [`Error::Internal`] of that unit, and the rest goes on.
//!
//! The error says where in Synchro's code the panic happened, never the panic's message:
//! a message may quote the data being parsed (a content line, a server's answer).

use std::panic::{self, AssertUnwindSafe, PanicHookInfo};

use crate::{Error, Result};

/// Runs `work`, turning a panic inside it into [`Error::Internal`] (no content in the message).
///
/// Callers wrap each account's sync with it (the CLI does; app bindings do the same), so one
/// account hitting a bug is reported as an error of that account and the others still sync.
/// What the work committed to the store before the panic stays committed (each step is its
/// own transaction); what it had not committed is rolled back as its values are dropped.
///
/// The process's panic hook still runs before the panic is caught: install
/// [`install_quiet_hook`] once at start-up so that it prints no payload.
pub fn guard<T>(work: impl FnOnce() -> T) -> Result<T> {
    // The work's state is dropped or left behind on a panic; nothing half-updated is reused
    // by the caller except the store, whose writes are transactions.
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|_| Error::Internal)
}

/// Replaces the process's panic hook by one that prints (to standard error, and as a log
/// error) where the panic happened but never its message, which may hold calendar content.
pub fn install_quiet_hook() {
    panic::set_hook(Box::new(|info| {
        let text = describe(info);
        log::error!("{text}");
        eprintln!("synchro: {text}");
    }));
}

/// `internal error at FILE:LINE` for a panic, without its payload.
pub fn describe(info: &PanicHookInfo<'_>) -> String {
    match info.location() {
        Some(l) => format!(
            "internal error (a bug) at {}:{} (details withheld: they may hold calendar data)",
            l.file(),
            l.line()
        ),
        None => "internal error (a bug) (details withheld: they may hold calendar data)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_panic_becomes_an_internal_error_without_its_payload() {
        let err = guard(|| -> u32 { panic!("SUMMARY:secret meeting with Bob") }).unwrap_err();
        assert!(matches!(err, Error::Internal));
        assert_eq!(err.kind(), ErrorKind::Internal);
        let text = err.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("internal error"), "{text}");
    }

    #[test]
    fn work_that_returns_is_passed_through() {
        assert_eq!(guard(|| 41 + 1).unwrap(), 42);
        let inner: Result<u8> = guard(|| Err(Error::Busy)).unwrap();
        assert!(matches!(inner, Err(Error::Busy)));
    }
}
