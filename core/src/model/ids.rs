//! Newtypes for protocol identifiers, so an href is never passed where a UID is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            /// Wraps a string.
            pub fn new(s: impl Into<String>) -> Self {
                $name(s.into())
            }
            /// The string value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The owned string value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
    };
}

newtype!(
    /// The iCalendar UID of an event.
    Uid
);
newtype!(
    /// A WebDAV resource path on the server (absolute path, percent-encoded as sent).
    Href
);
newtype!(
    /// An HTTP entity tag, kept verbatim with its quotes.
    Etag
);
newtype!(
    /// An RFC 6578 sync-token.
    SyncToken
);
