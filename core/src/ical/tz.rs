//! Time zone names: IANA names as they are, Windows names (Outlook, Exchange, Zimbra)
//! mapped to IANA.

/// The IANA name for a TZID, if it is one or maps to one.
pub fn iana_name(tzid: &str) -> Option<&'static str> {
    todo!("{tzid}")
}
