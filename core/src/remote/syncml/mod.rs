//! SyncML DS 1.2 (1.1 fallback) messages and their two encodings.
//!
//! - [`message`] and [`devinf`]: the typed model; [`build`]: constructors for what a client
//!   sends.
//! - [`tree`]: a syntax-neutral element tree; `message_tree` / `devinf_tree` map the model
//!   onto it (one mapping for both encodings).
//! - [`xml`] and [`wbxml`]: the tree in XML (quick-xml) and in WBXML 1.2 (code pages from
//!   [`tags`]; DevInf embedded as its own WBXML document).
//!
//! - [`session`]: a client session over HTTP on top of [`encode`] / [`decode`]; [`auth`]:
//!   in-message credentials (basic, md5).

pub mod auth;
pub mod build;
pub mod devinf;
mod devinf_tree;
mod fields;
mod format;
pub mod message;
mod message_tree;
pub mod session;
pub mod tags;
pub mod tree;
pub mod wbxml;
pub mod xml;

pub use devinf::{ContentType, CtCap, DataStore, DevInf, DsMem, Ext, PropParam, Property};
pub use format::SyncMlFormat;
pub use message::*;

use crate::error::{Error, Result};

/// The MIME type of XML SyncML messages.
pub const XML_CONTENT_TYPE: &str = "application/vnd.syncml+xml";
/// The MIME type of WBXML SyncML messages.
pub const WBXML_CONTENT_TYPE: &str = "application/vnd.syncml+wbxml";
/// The Meta Type of an XML DevInf.
pub const DEVINF_XML_TYPE: &str = "application/vnd.syncml-devinf+xml";
/// The Meta Type of a WBXML DevInf.
pub const DEVINF_WBXML_TYPE: &str = "application/vnd.syncml-devinf+wbxml";

/// How messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `application/vnd.syncml+xml`.
    Xml,
    /// `application/vnd.syncml+wbxml`.
    Wbxml,
}

impl Encoding {
    /// The HTTP Content-Type of messages.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Xml => XML_CONTENT_TYPE,
            Encoding::Wbxml => WBXML_CONTENT_TYPE,
        }
    }

    /// The Meta Type announcing a DevInf in this encoding.
    pub fn devinf_type(self) -> &'static str {
        match self {
            Encoding::Xml => DEVINF_XML_TYPE,
            Encoding::Wbxml => DEVINF_WBXML_TYPE,
        }
    }

    /// The encoding of an HTTP Content-Type (parameters ignored).
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let base = ct.split(';').next()?.trim().to_ascii_lowercase();
        match base.as_str() {
            XML_CONTENT_TYPE => Some(Encoding::Xml),
            WBXML_CONTENT_TYPE => Some(Encoding::Wbxml),
            _ => None,
        }
    }

    /// Guesses the encoding of a body from its first byte (WBXML starts with its version
    /// byte 0x01–0x03, XML with `<`, whitespace or a byte order mark).
    pub fn sniff(body: &[u8]) -> Option<Self> {
        match body.first()? {
            0x01..=0x03 => Some(Encoding::Wbxml),
            b'<' | b' ' | b'\t' | b'\r' | b'\n' | 0xEF => Some(Encoding::Xml),
            _ => None,
        }
    }
}

/// Encodes a message.
pub fn encode(m: &SyncMl, enc: Encoding) -> Result<Vec<u8>> {
    match enc {
        Encoding::Xml => xml::write_message(m),
        Encoding::Wbxml => wbxml::encode(
            wbxml::Doc::SyncMl(m.header.version),
            &message_tree::to_tree(m),
        ),
    }
}

/// Decodes a message in a known encoding.
pub fn decode(body: &[u8], enc: Encoding) -> Result<SyncMl> {
    match enc {
        Encoding::Xml => xml::parse_message(body),
        Encoding::Wbxml => {
            let (doc, root) = wbxml::decode(body)?;
            if !matches!(doc, wbxml::Doc::SyncMl(_)) {
                return Err(Error::Protocol(
                    "WBXML document is not a SyncML message".into(),
                ));
            }
            message_tree::from_tree(&root)
        }
    }
}

/// Decodes a message whose encoding is told by its Content-Type, or else guessed from its
/// first byte.
pub fn decode_any(body: &[u8], content_type: Option<&str>) -> Result<(Encoding, SyncMl)> {
    let enc = content_type
        .and_then(Encoding::from_content_type)
        .or_else(|| Encoding::sniff(body))
        .ok_or_else(|| Error::Protocol("body is neither SyncML XML nor WBXML".into()))?;
    Ok((enc, decode(body, enc)?))
}

/// Encodes a DevInf document on its own (the content of a Put or Results item).
pub fn encode_devinf(d: &DevInf, version: SyncMlVersion, enc: Encoding) -> Result<Vec<u8>> {
    match enc {
        Encoding::Xml => xml::write_devinf(d),
        Encoding::Wbxml => wbxml::encode(wbxml::Doc::DevInf(version), &devinf_tree::to_tree(d)),
    }
}

/// The exact size of a message once encoded.
pub fn encoded_size(m: &SyncMl, enc: Encoding) -> Result<usize> {
    Ok(encode(m, enc)?.len())
}

/// What one more command adds to an encoded message, within a few bytes (for splitting at
/// the server's MaxMsgSize: compare [`encoded_size`] of the message so far plus this, plus a
/// margin, to the limit).
pub fn command_size(cmd: &Command, version: SyncMlVersion, enc: Encoding) -> Result<usize> {
    let tree = message_tree::command_to_tree(cmd);
    Ok(match enc {
        // Minus the XML declaration and the xmlns the lone element gets.
        Encoding::Xml => {
            let n = xml::write_tree(&tree, version)?.len();
            let overhead = r#"<?xml version="1.0" encoding="UTF-8"?>"#.len()
                + " xmlns=''".len()
                + version.namespace().len();
            n.saturating_sub(overhead)
        }
        // Minus the 5-byte header; plus 2 for a possible page switch.
        Encoding::Wbxml => wbxml::encode(wbxml::Doc::SyncMl(version), &tree)?.len() - 5 + 2,
    })
}
