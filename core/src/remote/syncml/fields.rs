//! Small helpers the tree mappings share to read leaf values and report what is wrong.

use std::str::FromStr;

use super::tree::Element;
use crate::error::{Error, Result};

/// The text of a leaf element, as written.
pub(crate) fn text(e: &Element) -> Result<String> {
    e.text()
}

/// The numeric value of a leaf element (surrounding whitespace ignored).
pub(crate) fn num<T: FromStr>(e: &Element) -> Result<T> {
    let t = e.text()?;
    t.trim()
        .parse()
        .map_err(|_| Error::Protocol(format!("<{}> is not a number: {:?}", e.name, shorten(&t))))
}

/// The value, or an error naming what is missing where.
pub(crate) fn required<T>(v: Option<T>, what: &str, inside: &str) -> Result<T> {
    v.ok_or_else(|| Error::Protocol(format!("<{inside}> without <{what}>")))
}

/// Logs an element the mapping does not know and skips it.
pub(crate) fn skip(e: &Element, inside: &str) {
    log::debug!("SyncML: ignoring unknown <{}> inside <{inside}>", e.name);
}

fn shorten(s: &str) -> String {
    s.chars().take(20).collect()
}
