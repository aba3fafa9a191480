//! XML reader and writer of the element tree, and the XML entry points for messages and
//! DevInf documents.
//!
//! Reading: namespaces `SYNCML:SYNCML1.x`, `syncml:metinf` and `syncml:devinf` (any case;
//! unprefixed documents without namespaces are accepted), CDATA, character and predefined
//! entity references. Character data is kept as written, line ends included (item payloads
//! need their CRLF); whitespace between elements is dropped. Writing follows SyncEvolution:
//! no indentation, `xmlns` on the first element of each vocabulary, item data in CDATA.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::devinf::DevInf;
use super::message::{SyncMl, SyncMlVersion};
use super::tree::{Element, Node, Ns};
use super::{devinf_tree, message_tree};
use crate::error::{Error, Result};
use crate::remote::limits::{Budget, XmlLimits};

/// The MetInf namespace.
pub const METINF_NS: &str = "syncml:metinf";
/// The DevInf namespace.
pub const DEVINF_NS: &str = "syncml:devinf";

fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::Protocol(format!("invalid SyncML XML: {e}"))
}

/// Parses an XML SyncML message.
pub fn parse_message(bytes: &[u8]) -> Result<SyncMl> {
    message_tree::from_tree(&read_tree(bytes)?)
}

/// Writes a message as XML (UTF-8, with an XML declaration).
pub fn write_message(m: &SyncMl) -> Result<Vec<u8>> {
    write_tree(&message_tree::to_tree(m), m.header.version)
}

/// Parses an XML DevInf document (as sent in Put/Results data).
pub fn parse_devinf(bytes: &[u8]) -> Result<DevInf> {
    devinf_tree::from_tree(&read_tree(bytes)?)
}

/// Writes a DevInf document as XML.
pub fn write_devinf(d: &DevInf) -> Result<Vec<u8>> {
    write_tree(&devinf_tree::to_tree(d), SyncMlVersion::V1_2)
}

fn ns_of(r: &ResolveResult<'_>, parent: Option<Ns>, local: &str) -> Ns {
    match r {
        ResolveResult::Bound(n) => {
            let uri = String::from_utf8_lossy(n.as_ref()).to_ascii_lowercase();
            if uri.starts_with("syncml:syncml") {
                Ns::SyncMl
            } else if uri == METINF_NS {
                Ns::MetInf
            } else if uri == DEVINF_NS {
                Ns::DevInf
            } else {
                Ns::Other
            }
        }
        _ => parent.unwrap_or(if local == "DevInf" {
            Ns::DevInf
        } else {
            Ns::SyncMl
        }),
    }
}

fn push_text(stack: &mut [Element], s: &str) -> Result<()> {
    match stack.last_mut() {
        Some(e) => {
            if let Some(Node::Text(t)) = e.children.last_mut() {
                t.push_str(s);
            } else {
                e.children.push(Node::Text(s.to_string()));
            }
            Ok(())
        }
        None if s.trim().is_empty() => Ok(()),
        None => Err(xml_err("text outside the root element")),
    }
}

/// Reads a document into its root element, within [`XmlLimits::SYNCML`].
pub(crate) fn read_tree(bytes: &[u8]) -> Result<Element> {
    let mut budget = Budget::new(XmlLimits::SYNCML, "SyncML XML");
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (ns, ev) = reader.read_resolved_event_into(&mut buf).map_err(xml_err)?;
        let finished = match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                if root.is_some() {
                    return Err(xml_err("a second root element"));
                }
                budget.depth(stack.len())?;
                budget.open_tag(s)?;
                budget.element()?;
                let local = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                budget.keep(super::tree::element_cost(&local))?;
                let el = Element {
                    ns: ns_of(&ns, stack.last().map(|p| p.ns), &local),
                    name: local,
                    children: Vec::new(),
                };
                if matches!(ev, Event::Start(_)) {
                    stack.push(el);
                    None
                } else {
                    budget.close();
                    Some(el)
                }
            }
            Event::End(_) => {
                budget.close();
                let mut el = stack.pop().ok_or_else(|| xml_err("unexpected end tag"))?;
                if !el.is_leaf() {
                    el.children
                        .retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
                }
                Some(el)
            }
            Event::Text(ref t) => {
                let s = t.decode().map_err(xml_err)?;
                budget.keep(super::tree::element_cost(&s))?;
                push_text(&mut stack, &s)?;
                None
            }
            Event::CData(ref c) => {
                let s = c.decode().map_err(xml_err)?;
                budget.keep(super::tree::element_cost(&s))?;
                push_text(&mut stack, &s)?;
                None
            }
            Event::GeneralRef(ref r) => {
                let s = if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
                    c.to_string()
                } else {
                    let n = r.decode().map_err(xml_err)?;
                    quick_xml::escape::resolve_predefined_entity(&n)
                        .ok_or_else(|| xml_err(format!("unknown entity &{n};")))?
                        .to_string()
                };
                budget.keep(super::tree::element_cost(&s))?;
                push_text(&mut stack, &s)?;
                None
            }
            Event::Eof => break,
            _ => None,
        };
        if let Some(el) = finished {
            match stack.last_mut() {
                Some(parent) => parent.push(el),
                None => root = Some(el),
            }
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(xml_err("truncated document"));
    }
    root.ok_or_else(|| xml_err("no root element"))
}

fn ns_uri(ns: Ns, version: SyncMlVersion) -> Option<&'static str> {
    match ns {
        Ns::SyncMl => Some(version.namespace()),
        Ns::MetInf => Some(METINF_NS),
        Ns::DevInf => Some(DEVINF_NS),
        Ns::Other => None,
    }
}

/// Writes a tree as an XML document.
pub(crate) fn write_tree(root: &Element, version: SyncMlVersion) -> Result<Vec<u8>> {
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    write_element(&mut out, root, None, version)?;
    Ok(out.into_bytes())
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

fn write_element(
    out: &mut String,
    e: &Element,
    parent: Option<Ns>,
    version: SyncMlVersion,
) -> Result<()> {
    out.push('<');
    out.push_str(&e.name);
    if parent != Some(e.ns) {
        if let Some(uri) = ns_uri(e.ns, version) {
            out.push_str(" xmlns='");
            out.push_str(uri);
            out.push('\'');
        }
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return Ok(());
    }
    out.push('>');
    for n in &e.children {
        match n {
            Node::Text(t) => escape_into(out, t),
            Node::Opaque(b) => {
                let t = std::str::from_utf8(b).map_err(|_| {
                    Error::Protocol("binary item data cannot be sent as XML (use b64)".into())
                })?;
                out.push_str("<![CDATA[");
                out.push_str(&t.replace("]]>", "]]]]><![CDATA[>"));
                out.push_str("]]>");
            }
            Node::Element(c) => write_element(out, c, Some(e.ns), version)?,
        }
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_end_marker_inside_data_survives() {
        let mut d = Element::new(Ns::SyncMl, "Data");
        d.children.push(Node::Opaque(b"a]]>b<c&".to_vec()));
        let out = write_tree(&d, SyncMlVersion::V1_2).unwrap();
        let back = read_tree(&out).unwrap();
        assert_eq!(back.text().unwrap(), "a]]>b<c&");
    }

    #[test]
    fn entities_and_crlf_are_kept() {
        let t = read_tree(b"<Data>a&amp;b&#65;\r\nc</Data>").unwrap();
        assert_eq!(t.text().unwrap(), "a&bA\r\nc");
    }

    #[test]
    fn namespaces_are_resolved_case_insensitively() {
        let t = read_tree(
            b"<SyncML xmlns='syncml:SYNCML1.1'><Meta><Type xmlns='SYNCML:METINF'>x</Type></Meta></SyncML>",
        )
        .unwrap();
        assert_eq!(t.ns, Ns::SyncMl);
        let ty = t.child("Meta").unwrap().child("Type").unwrap();
        assert_eq!(ty.ns, Ns::MetInf);
    }
}
