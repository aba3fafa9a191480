//! Bounds on what reading one XML or WBXML document may hold in memory (nesting depth,
//! element count, bytes kept, namespace declarations), checked while the document streams
//! in, so that a small hostile answer is a protocol error instead of a memory blow-up.

use crate::error::{Error, Result};

/// Limits of one document reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most elements in one unit (one `DAV:response`, one SyncML message).
    pub max_elements: usize,
    /// Most bytes kept for one unit: text, names (namespace URI included) and a fixed cost
    /// per element kept.
    pub max_kept_bytes: usize,
    /// Longest namespace URI accepted in a declaration.
    pub max_ns_uri: usize,
    /// Most bytes of namespace declarations in scope at once (the reader keeps them while
    /// their element is open).
    pub max_ns_bytes: usize,
}

impl XmlLimits {
    /// WebDAV multistatus answers, per `response` (a multiget answer keeps whole events, so
    /// bytes go up to the HTTP body limit).
    pub const DAV: XmlLimits = XmlLimits {
        max_depth: 64,
        max_elements: 10_000,
        max_kept_bytes: 96 << 20,
        max_ns_uri: 1024,
        max_ns_bytes: 64 << 10,
    };

    /// SyncML and DevInf documents (XML or WBXML), per message. SyncML needs a depth of
    /// about 12; a message of 150 kB (what we announce) holds a few thousand elements.
    pub const SYNCML: XmlLimits = XmlLimits {
        max_depth: 64,
        max_elements: 500_000,
        max_kept_bytes: 96 << 20,
        max_ns_uri: 1024,
        max_ns_bytes: 64 << 10,
    };
}

/// Largest answer accepted for a whole calendar in one request (a calendar-query with the
/// events' data, read as a stream): about 700,000 events of 1.5 kB. Only one response of it
/// is held at a time, bounded by [`XmlLimits::DAV`]; what the caller keeps of each is its
/// own.
pub const CALENDAR_ANSWER_BYTES: u64 = 1 << 30;

/// What one unit has used of its [`XmlLimits`]; every method fails with a protocol error
/// naming `what` once a limit is passed.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: XmlLimits,
    what: &'static str,
    elements: usize,
    kept: usize,
    ns_open: Vec<usize>,
    ns_bytes: usize,
}

impl Budget {
    /// A fresh budget for documents described as `what` ("multistatus", "SyncML XML").
    pub(crate) fn new(limits: XmlLimits, what: &'static str) -> Self {
        Budget {
            limits,
            what,
            elements: 0,
            kept: 0,
            ns_open: Vec::new(),
            ns_bytes: 0,
        }
    }

    fn err(&self, msg: String) -> Error {
        Error::Protocol(format!("{}: {msg}", self.what))
    }

    /// Checks the depth of an element about to be opened (`depth` open elements already).
    pub(crate) fn depth(&self, depth: usize) -> Result<()> {
        if depth >= self.limits.max_depth {
            return Err(self.err(format!(
                "elements nested deeper than {}",
                self.limits.max_depth
            )));
        }
        Ok(())
    }

    /// Counts one element of the current unit.
    pub(crate) fn element(&mut self) -> Result<()> {
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(self.err(format!(
                "more than {} elements in one {}",
                self.limits.max_elements,
                self.unit()
            )));
        }
        Ok(())
    }

    /// Counts `bytes` kept for the current unit.
    pub(crate) fn keep(&mut self, bytes: usize) -> Result<()> {
        self.kept = self.kept.saturating_add(bytes);
        if self.kept > self.limits.max_kept_bytes {
            return Err(self.err(format!(
                "more than {} bytes kept for one {}",
                self.limits.max_kept_bytes,
                self.unit()
            )));
        }
        Ok(())
    }

    fn unit(&self) -> &'static str {
        if self.what.contains("multistatus") {
            "response"
        } else {
            "message"
        }
    }

    /// Starts a new unit (the next `DAV:response`): element and byte counts go back to 0.
    pub(crate) fn next_unit(&mut self) {
        self.elements = 0;
        self.kept = 0;
    }

    /// Records the namespace declarations (`xmlns`, `xmlns:p` attributes) of an element
    /// being opened, given as (attribute name, value) lengths; call [`Budget::close`] when
    /// it ends.
    pub(crate) fn open(
        &mut self,
        declarations: impl Iterator<Item = (usize, usize)>,
    ) -> Result<()> {
        let mut declared = 0usize;
        for (key_len, value_len) in declarations {
            if value_len > self.limits.max_ns_uri {
                return Err(self.err(format!(
                    "a namespace URI longer than {} bytes",
                    self.limits.max_ns_uri
                )));
            }
            declared = declared.saturating_add(key_len + value_len);
        }
        self.ns_bytes = self.ns_bytes.saturating_add(declared);
        self.ns_open.push(declared);
        if self.ns_bytes > self.limits.max_ns_bytes {
            return Err(self.err(format!(
                "more than {} bytes of namespace declarations",
                self.limits.max_ns_bytes
            )));
        }
        Ok(())
    }

    /// [`Budget::open`] for an XML start tag.
    pub(crate) fn open_tag(&mut self, e: &quick_xml::events::BytesStart<'_>) -> Result<()> {
        let mut decls = Vec::new();
        for a in e.attributes().with_checks(false).flatten() {
            let key = a.key.as_ref();
            if key == b"xmlns" || key.starts_with(b"xmlns:") {
                decls.push((key.len(), a.value.len()));
            }
        }
        self.open(decls.into_iter())
    }

    /// Releases the declarations of the element that just ended.
    pub(crate) fn close(&mut self) {
        if let Some(n) = self.ns_open.pop() {
            self.ns_bytes -= n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> XmlLimits {
        XmlLimits {
            max_depth: 2,
            max_elements: 3,
            max_kept_bytes: 10,
            max_ns_uri: 5,
            max_ns_bytes: 20,
        }
    }

    #[test]
    fn each_limit_is_a_protocol_error() {
        let mut b = Budget::new(small(), "multistatus");
        assert!(b.depth(1).is_ok());
        assert!(matches!(b.depth(2), Err(Error::Protocol(_))));
        for _ in 0..3 {
            b.element().unwrap();
        }
        let e = b.element().unwrap_err().to_string();
        assert!(e.contains("more than 3 elements in one response"), "{e}");
        b.next_unit();
        b.element().unwrap();
        b.keep(10).unwrap();
        assert!(b.keep(1).is_err());
        let e = b.open([(7, 6)].into_iter()).unwrap_err().to_string();
        assert!(e.contains("namespace URI longer than 5"), "{e}");
    }

    #[test]
    fn declarations_count_while_in_scope() {
        let mut b = Budget::new(small(), "SyncML XML");
        b.open([(5, 5)].into_iter()).unwrap();
        b.close();
        b.open([(5, 5)].into_iter()).unwrap();
        b.open([(7, 3)].into_iter()).unwrap(); // 20 in scope
        assert!(b.open([(5, 1)].into_iter()).is_err());
    }
}
