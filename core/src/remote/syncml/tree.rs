//! The syntax-neutral element tree both codecs (XML and WBXML) read and write; the typed
//! messages are mapped onto it in one place each (`message_tree`,
//! `devinf_tree`).

use crate::error::{Error, Result};

/// Bytes one element named `name`, or one text node holding `name`, costs in a tree (the
/// node and its string), for the readers' [`crate::remote::limits::Budget`].
pub(crate) fn element_cost(name: &str) -> usize {
    std::mem::size_of::<Node>() + name.len()
}

/// The vocabulary an element belongs to: a WBXML code page, an XML namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ns {
    /// SyncML representation protocol (`SYNCML:SYNCML1.x`, WBXML page 0).
    SyncMl,
    /// Meta information (`syncml:metinf`, WBXML page 1 of a SyncML document).
    MetInf,
    /// Device information (`syncml:devinf`, a WBXML document of its own).
    DevInf,
    /// Any other namespace (kept by the XML reader, skipped by the mapping).
    Other,
}

/// One element: vocabulary, local name and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The vocabulary.
    pub ns: Ns,
    /// The local name (`SyncHdr`, `Anchor`, `Rx-Pref`, ...).
    pub name: String,
    /// The content, in document order.
    pub children: Vec<Node>,
}

/// Content of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (XML text or CDATA, WBXML inline or table strings).
    Text(String),
    /// Opaque bytes (WBXML `OPAQUE`; written as text in XML when they are UTF-8).
    Opaque(Vec<u8>),
}

impl Element {
    /// An empty element.
    pub fn new(ns: Ns, name: &str) -> Self {
        Element {
            ns,
            name: name.to_string(),
            children: Vec::new(),
        }
    }

    /// An element holding one text node (none when `text` is empty).
    pub fn with_text(ns: Ns, name: &str, text: &str) -> Self {
        let mut e = Element::new(ns, name);
        if !text.is_empty() {
            e.children.push(Node::Text(text.to_string()));
        }
        e
    }

    /// Appends a child element.
    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Appends a text child element `name` with `text`, in the same vocabulary.
    pub fn push_text(&mut self, name: &str, text: &str) {
        let ns = self.ns;
        self.push(Element::with_text(ns, name, text));
    }

    /// Appends a text child element when `text` is set.
    pub fn push_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.push_text(name, t);
        }
    }

    /// Appends an empty child element (a flag such as `<Final/>`) when `on`.
    pub fn push_flag(&mut self, name: &str, on: bool) {
        if on {
            let ns = self.ns;
            self.push(Element::new(ns, name));
        }
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// All text and opaque content directly inside, concatenated (opaque bytes must be
    /// UTF-8 here).
    pub fn text(&self) -> Result<String> {
        let mut s = String::new();
        for n in &self.children {
            match n {
                Node::Text(t) => s.push_str(t),
                Node::Opaque(b) => s.push_str(std::str::from_utf8(b).map_err(|_| {
                    Error::Protocol(format!(
                        "<{}> holds binary data where text is expected",
                        self.name
                    ))
                })?),
                Node::Element(_) => {}
            }
        }
        Ok(s)
    }

    /// Whether the element holds no element children (only character data, or nothing).
    pub fn is_leaf(&self) -> bool {
        self.elements().next().is_none()
    }
}
