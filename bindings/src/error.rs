//! `SyncError`, the one error of the bindings, and its conversion from core's error: the only
//! place where core errors are sorted for the apps.

use crate::records::{HoldReason, PlannedChange};

/// Every error a binding call can give, sorted by what the app does about it.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum SyncError {
    /// The server refused the credentials: ask for the password again.
    #[error("{detail}")]
    Auth {
        /// What happened, without the password.
        detail: String,
    },
    /// The server cannot be reached or is busy, or another sync runs on this store: nothing
    /// was lost; try again later.
    #[error("{detail}")]
    Unavailable {
        /// Seconds the server asked to wait, when it said.
        retry_after_s: Option<u64>,
        /// Details.
        detail: String,
    },
    /// A safety check held the sync back; nothing was applied. Show the plan and sync again
    /// with `confirmed` to apply it.
    #[error("held back for confirmation")]
    NeedsConfirmation {
        /// Why.
        reason: HoldReason,
        /// What the sync would do.
        plan: Vec<PlannedChange>,
    },
    /// `interrupt()` stopped the sync; the next sync goes on from where it stopped.
    #[error("sync interrupted")]
    Interrupted,
    /// The device calendar failed (the app's `DeviceCalendar` threw or refused).
    #[error("device calendar: {detail}")]
    Device {
        /// Details.
        detail: String,
    },
    /// Bad settings or arguments (unknown account, invalid URL, ...).
    #[error("{detail}")]
    Config {
        /// Details.
        detail: String,
    },
    /// The server answered something this client cannot use.
    #[error("{detail}")]
    Protocol {
        /// Details.
        detail: String,
    },
    /// The local store failed.
    #[error("{detail}")]
    Storage {
        /// Details.
        detail: String,
    },
    /// The server's TLS certificate was refused (unknown issuer, expired, name or pin
    /// mismatch); nothing was sent. A settings or security matter, not a passing outage.
    #[error("{detail}")]
    Tls {
        /// What failed.
        detail: String,
    },
    /// A bug in Synchro stopped this sync (caught; the other accounts go on).
    #[error("{detail}")]
    Internal {
        /// Where, never with calendar content.
        detail: String,
    },
}

/// Any exception a foreign callback throws that is not a `SyncError` is a device error.
impl From<uniffi::UnexpectedUniFFICallbackError> for SyncError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SyncError::Device { detail: e.reason }
    }
}

/// Sorts core's errors for the apps: the one place where that happens.
impl From<synchro_core::Error> for SyncError {
    fn from(e: synchro_core::Error) -> Self {
        use synchro_core::Error as E;
        let detail = e.to_string();
        match e {
            E::Auth | E::AuthDowngrade => SyncError::Auth { detail },
            E::Tls(_) => SyncError::Tls { detail },
            E::Internal => SyncError::Internal { detail },
            E::RetryLater { after } => SyncError::Unavailable {
                retry_after_s: after.map(|d| d.as_secs()),
                detail,
            },
            E::Network(_) | E::Busy => SyncError::Unavailable {
                retry_after_s: None,
                detail,
            },
            E::Http { status, .. } if status >= 500 => SyncError::Unavailable {
                retry_after_s: None,
                detail,
            },
            E::Http { .. } | E::Protocol(_) | E::InvalidCalendar(_) => {
                SyncError::Protocol { detail }
            }
            E::NeedsConfirmation(reason) => SyncError::NeedsConfirmation {
                reason: reason.into(),
                plan: Vec::new(),
            },
            E::Interrupted => SyncError::Interrupted,
            E::Device(detail) => SyncError::Device { detail },
            E::Config(detail) => SyncError::Config { detail },
            E::Store(_) | E::Io(_) => SyncError::Storage { detail },
        }
    }
}

/// A failed sync: its error, with the plan of its report when it was held back.
impl From<synchro_core::agent::SyncFailure> for SyncError {
    fn from(f: synchro_core::agent::SyncFailure) -> Self {
        match SyncError::from(f.error) {
            SyncError::NeedsConfirmation { reason, .. } => SyncError::NeedsConfirmation {
                reason,
                plan: f
                    .report
                    .plan
                    .unwrap_or_default()
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use synchro_core::Error as E;

    #[test]
    fn core_errors_are_sorted_by_what_the_app_does() {
        assert!(matches!(SyncError::from(E::Auth), SyncError::Auth { .. }));
        assert!(matches!(
            SyncError::from(E::RetryLater {
                after: Some(Duration::from_secs(30))
            }),
            SyncError::Unavailable {
                retry_after_s: Some(30),
                ..
            }
        ));
        assert!(matches!(
            SyncError::from(E::Busy),
            SyncError::Unavailable {
                retry_after_s: None,
                ..
            }
        ));
        assert!(matches!(
            SyncError::from(E::Http {
                status: 503,
                context: "PUT".into()
            }),
            SyncError::Unavailable { .. }
        ));
        assert!(matches!(
            SyncError::from(E::Http {
                status: 412,
                context: "PUT".into()
            }),
            SyncError::Protocol { .. }
        ));
        assert!(matches!(
            SyncError::from(E::Interrupted),
            SyncError::Interrupted
        ));
        assert!(matches!(
            SyncError::from(E::Io(std::io::Error::other("disk full"))),
            SyncError::Storage { .. }
        ));
        match SyncError::from(E::Config("no account named \"x\"".into())) {
            SyncError::Config { detail } => assert_eq!(detail, "no account named \"x\""),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unexpected_foreign_exception_is_a_device_error() {
        let e = SyncError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "RuntimeError: provider died",
        ));
        match e {
            SyncError::Device { detail } => assert!(detail.contains("provider died")),
            other => panic!("{other:?}"),
        }
    }
}
