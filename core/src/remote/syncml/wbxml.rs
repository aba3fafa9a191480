//! WBXML 1.2 reader and writer of the element tree, for SyncML documents (code pages SyncML
//! and MetInf) and DevInf documents, a DevInf embedded as an `OPAQUE` sub-document.
//!
//! Supported tokens: `SWITCH_PAGE`, `END`, `ENTITY`, `STR_I`, `STR_T`, `OPAQUE` and tags with
//! or without content. Attributes, literals, extensions and processing instructions do not
//! occur in SyncML and are refused. The writer switches code pages lazily (only before a
//! tag of another page), puts no strings in the string table and writes item data as
//! `OPAQUE`: the output of libsynthesis (SyncEvolution) for the same tree.

use super::message::SyncMlVersion;
use super::tags;
use super::tree::{element_cost, Element, Node, Ns};
use crate::error::{Error, Result};
use crate::remote::limits::{Budget, XmlLimits};

/// The kind of a WBXML document, from its public identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// A SyncML message.
    SyncMl(SyncMlVersion),
    /// A DevInf document.
    DevInf(SyncMlVersion),
}

impl Doc {
    /// The registered WBXML public identifier.
    pub fn public_id(self) -> u32 {
        match self {
            Doc::SyncMl(SyncMlVersion::V1_0) => 0x0FD1,
            Doc::DevInf(SyncMlVersion::V1_0) => 0x0FD2,
            Doc::SyncMl(SyncMlVersion::V1_1) => 0x0FD3,
            Doc::DevInf(SyncMlVersion::V1_1) => 0x0FD4,
            Doc::SyncMl(SyncMlVersion::V1_2) => 0x1201,
            Doc::DevInf(SyncMlVersion::V1_2) => 0x1203,
        }
    }

    /// The formal public identifier (`-//SYNCML//DTD SyncML 1.2//EN`).
    pub fn fpi(self) -> String {
        match self {
            Doc::SyncMl(v) => format!("-//SYNCML//DTD SyncML {}//EN", v.ver_dtd()),
            Doc::DevInf(v) => format!("-//SYNCML//DTD DevInf {}//EN", v.ver_dtd()),
        }
    }

    fn from_public_id(id: u32) -> Option<Doc> {
        ALL.iter().copied().find(|d| d.public_id() == id)
    }

    fn from_fpi(fpi: &str) -> Option<Doc> {
        ALL.iter()
            .copied()
            .find(|d| d.fpi().eq_ignore_ascii_case(fpi.trim()))
    }

    fn is_devinf(self) -> bool {
        matches!(self, Doc::DevInf(_))
    }
}

const ALL: [Doc; 6] = [
    Doc::SyncMl(SyncMlVersion::V1_0),
    Doc::SyncMl(SyncMlVersion::V1_1),
    Doc::SyncMl(SyncMlVersion::V1_2),
    Doc::DevInf(SyncMlVersion::V1_0),
    Doc::DevInf(SyncMlVersion::V1_1),
    Doc::DevInf(SyncMlVersion::V1_2),
];

const SWITCH_PAGE: u8 = 0x00;
const END: u8 = 0x01;
const ENTITY: u8 = 0x02;
const STR_I: u8 = 0x03;
const STR_T: u8 = 0x83;
const OPAQUE: u8 = 0xC3;
const UTF8: u32 = 106;

fn err(msg: impl Into<String>) -> Error {
    Error::Protocol(format!("invalid WBXML: {}", msg.into()))
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .b
            .get(self.pos)
            .ok_or_else(|| err(format!("truncated at byte {}", self.pos)))?;
        self.pos += 1;
        Ok(b)
    }

    fn mb_u32(&mut self) -> Result<u32> {
        let mut v: u32 = 0;
        for _ in 0..5 {
            let b = self.byte()?;
            v = v
                .checked_shl(7)
                .filter(|x| x >> 7 == v)
                .ok_or_else(|| err("multi-byte integer overflows"))?
                | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(err("multi-byte integer longer than 5 bytes"))
    }

    fn take(&mut self, n: u32) -> Result<&'a [u8]> {
        let n = n as usize;
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| {
                err(format!(
                    "truncated: {n} bytes announced at byte {}",
                    self.pos
                ))
            })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn cstr(&mut self) -> Result<&'a str> {
        let rest = &self.b[self.pos..];
        let n = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| err("truncated inline string"))?;
        self.pos += n + 1;
        std::str::from_utf8(&rest[..n]).map_err(|_| err("string is not UTF-8"))
    }
}

fn table_str(table: &[u8], offset: u32) -> Result<&str> {
    let rest = table
        .get(offset as usize..)
        .ok_or_else(|| err("string table reference out of range"))?;
    let n = rest
        .iter()
        .position(|&c| c == 0)
        .ok_or_else(|| err("unterminated string in string table"))?;
    std::str::from_utf8(&rest[..n]).map_err(|_| err("string table entry is not UTF-8"))
}

struct Header<'a> {
    doc: Doc,
    strtbl: &'a [u8],
}

fn read_header<'a>(r: &mut Reader<'a>) -> Result<Header<'a>> {
    let version = r.byte()?;
    if !(1..=3).contains(&version) {
        return Err(err(format!(
            "unsupported WBXML version byte 0x{version:02x}"
        )));
    }
    let pid = r.mb_u32()?;
    let pid_index = if pid == 0 { Some(r.mb_u32()?) } else { None };
    let charset = r.mb_u32()?;
    if charset != UTF8 && charset != 0 && charset != 3 {
        return Err(err(format!("unsupported charset MIBenum {charset}")));
    }
    let len = r.mb_u32()?;
    let strtbl = r.take(len)?;
    let doc = match pid_index {
        None => Doc::from_public_id(pid),
        Some(i) => Doc::from_fpi(table_str(strtbl, i)?),
    }
    .ok_or_else(|| err("not a SyncML or DevInf document (unknown public identifier)"))?;
    Ok(Header { doc, strtbl })
}

/// The document type announced by a WBXML header, if `bytes` start with one.
pub fn peek_doc(bytes: &[u8]) -> Option<Doc> {
    read_header(&mut Reader { b: bytes, pos: 0 })
        .ok()
        .map(|h| h.doc)
}

fn push_text(parent: &mut Element, s: &str) {
    if let Some(Node::Text(t)) = parent.children.last_mut() {
        t.push_str(s);
    } else {
        parent.children.push(Node::Text(s.to_string()));
    }
}

/// Decodes a WBXML SyncML or DevInf document into its root element, within
/// [`XmlLimits::SYNCML`] (an embedded DevInf shares the budget of its message).
pub fn decode(bytes: &[u8]) -> Result<(Doc, Element)> {
    decode_doc(bytes, false, &mut Budget::new(XmlLimits::SYNCML, "WBXML"))
}

fn decode_doc(bytes: &[u8], nested: bool, budget: &mut Budget) -> Result<(Doc, Element)> {
    let mut r = Reader { b: bytes, pos: 0 };
    let h = read_header(&mut r)?;
    let mut page = 0u8;
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let t = r.byte()?;
        match t {
            SWITCH_PAGE => page = r.byte()?,
            END => {
                let e = stack
                    .pop()
                    .ok_or_else(|| err(format!("END without an open element at byte {}", r.pos)))?;
                match stack.last_mut() {
                    Some(parent) => parent.push(e),
                    None => {
                        if r.pos != bytes.len() {
                            return Err(err("data after the end of the document"));
                        }
                        return Ok((h.doc, e));
                    }
                }
            }
            ENTITY | STR_I | STR_T | OPAQUE => {
                let parent = stack
                    .last_mut()
                    .ok_or_else(|| err("character data outside the root element"))?;
                match t {
                    ENTITY => {
                        let c = char::from_u32(r.mb_u32()?)
                            .ok_or_else(|| err("entity is not a character"))?;
                        budget.keep(element_cost(""))?;
                        push_text(parent, c.encode_utf8(&mut [0; 4]));
                    }
                    STR_I => {
                        let s = r.cstr()?;
                        budget.keep(element_cost(s))?;
                        push_text(parent, s);
                    }
                    STR_T => {
                        let off = r.mb_u32()?;
                        let s = table_str(h.strtbl, off)?;
                        budget.keep(element_cost(s))?;
                        push_text(parent, s);
                    }
                    _ => {
                        let n = r.mb_u32()?;
                        let data = r.take(n)?;
                        budget.keep(element_cost("") + data.len())?;
                        let sub = (!nested && !h.doc.is_devinf() && parent.name == "Data")
                            .then(|| peek_doc(data))
                            .flatten();
                        match sub {
                            Some(Doc::DevInf(_)) => parent.push(decode_doc(data, true, budget)?.1),
                            _ => parent.children.push(Node::Opaque(data.to_vec())),
                        }
                    }
                }
            }
            _ if t & 0x3F < 5 => {
                return Err(err(format!(
                    "unsupported token 0x{t:02x} (literal, extension or processing instruction)"
                )))
            }
            _ => {
                if t & 0x80 != 0 {
                    return Err(err("attributes are not used in SyncML"));
                }
                let (ns, name) =
                    tags::name(h.doc.is_devinf(), page, t & 0x3F).ok_or_else(|| {
                        err(format!(
                            "unknown tag 0x{:02x} on code page {page}",
                            t & 0x3F
                        ))
                    })?;
                let name = if ns == Ns::DevInf
                    && name == "MaxSize"
                    && h.doc != Doc::DevInf(SyncMlVersion::V1_2)
                {
                    "Size"
                } else {
                    name
                };
                budget.element()?;
                budget.keep(element_cost(name))?;
                let e = Element::new(ns, name);
                if t & 0x40 != 0 {
                    budget.depth(stack.len())?;
                    stack.push(e);
                } else {
                    match stack.last_mut() {
                        Some(parent) => parent.push(e),
                        None => {
                            if r.pos != bytes.len() {
                                return Err(err("data after the end of the document"));
                            }
                            return Ok((h.doc, e));
                        }
                    }
                }
            }
        }
    }
}

fn mb_u32(out: &mut Vec<u8>, mut v: u32) {
    let mut tmp = [0u8; 5];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (v & 0x7F) as u8 | if i == tmp.len() - 1 { 0 } else { 0x80 };
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Encodes a tree as a WBXML document of type `doc`. Elements of the DevInf vocabulary inside
/// a SyncML document become an embedded DevInf document (`OPAQUE`) of the same version.
pub fn encode(doc: Doc, root: &Element) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(512);
    out.push(0x02);
    if doc == Doc::SyncMl(SyncMlVersion::V1_0) || doc == Doc::DevInf(SyncMlVersion::V1_0) {
        // No public id was registered in time for 1.0: the FPI goes in the string table.
        let fpi = doc.fpi();
        out.push(0);
        out.push(0);
        mb_u32(&mut out, UTF8);
        mb_u32(&mut out, fpi.len() as u32 + 1);
        out.extend_from_slice(fpi.as_bytes());
        out.push(0);
    } else {
        mb_u32(&mut out, doc.public_id());
        mb_u32(&mut out, UTF8);
        out.push(0);
    }
    let mut page = 0u8;
    write_element(&mut out, doc, root, &mut page)?;
    Ok(out)
}

fn write_element(out: &mut Vec<u8>, doc: Doc, e: &Element, page: &mut u8) -> Result<()> {
    let version = match doc {
        Doc::SyncMl(v) | Doc::DevInf(v) => v,
    };
    let token = tags::token(e.ns, &e.name)
        .filter(|_| (e.ns == Ns::DevInf) == doc.is_devinf())
        .ok_or_else(|| Error::Protocol(format!("<{}> cannot be encoded in WBXML", e.name)))?;
    let p = tags::page_of(e.ns);
    if p != *page {
        out.push(SWITCH_PAGE);
        out.push(p);
        *page = p;
    }
    let has_content = e.children.iter().any(|n| match n {
        Node::Text(t) => !t.is_empty(),
        _ => true,
    });
    out.push(token | if has_content { 0x40 } else { 0 });
    if !has_content {
        return Ok(());
    }
    for n in &e.children {
        match n {
            Node::Text(t) if t.is_empty() => {}
            Node::Text(t) => {
                if t.contains('\0') {
                    return Err(Error::Protocol(format!(
                        "<{}> text holds a NUL character",
                        e.name
                    )));
                }
                out.push(STR_I);
                out.extend_from_slice(t.as_bytes());
                out.push(0);
            }
            Node::Opaque(b) => write_opaque(out, b),
            Node::Element(c) if c.ns == Ns::DevInf && !doc.is_devinf() => {
                let sub = encode(Doc::DevInf(version), c)?;
                write_opaque(out, &sub);
            }
            Node::Element(c) => write_element(out, doc, c, page)?,
        }
    }
    out.push(END);
    Ok(())
}

fn write_opaque(out: &mut Vec<u8>, b: &[u8]) {
    out.push(OPAQUE);
    mb_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibyte_integers_round_trip() {
        for v in [0u32, 1, 0x7F, 0x80, 0x1201, 2494, 0x3FFF, 0x4000, u32::MAX] {
            let mut out = Vec::new();
            mb_u32(&mut out, v);
            let mut r = Reader { b: &out, pos: 0 };
            assert_eq!(r.mb_u32().unwrap(), v);
            assert_eq!(r.pos, out.len());
        }
        let mut out = Vec::new();
        mb_u32(&mut out, 0x1201);
        assert_eq!(out, [0xA4, 0x01]);
    }

    #[test]
    fn overlong_integer_is_refused() {
        let b = [0x8F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
        assert!(Reader { b: &b, pos: 0 }.mb_u32().is_err());
    }

    #[test]
    fn string_table_and_fpi_are_understood() {
        // SyncML 1.0 style: FPI in the string table, a STR_T reference in the body.
        let fpi = b"-//SYNCML//DTD SyncML 1.2//EN\0abc\0";
        let mut b = vec![0x02, 0x00, 0x00, 0x6A, fpi.len() as u8];
        b.extend_from_slice(fpi);
        // <SyncML><VerDTD>STR_T(30)</VerDTD></SyncML>
        b.extend_from_slice(&[0x6D, 0x71, 0x83, 30, 0x01, 0x01]);
        let (doc, root) = decode(&b).unwrap();
        assert_eq!(doc, Doc::SyncMl(SyncMlVersion::V1_2));
        assert_eq!(root.child("VerDTD").unwrap().text().unwrap(), "abc");
    }

    #[test]
    fn encoder_switches_pages_lazily() {
        let mut meta = Element::new(Ns::SyncMl, "Meta");
        meta.push(Element::with_text(Ns::MetInf, "Type", "t"));
        let mut root = Element::new(Ns::SyncMl, "SyncML");
        root.push(meta);
        root.push(Element::new(Ns::SyncMl, "Final"));
        let b = encode(Doc::SyncMl(SyncMlVersion::V1_2), &root).unwrap();
        assert_eq!(
            b,
            [
                0x02, 0xA4, 0x01, 0x6A, 0x00, 0x6D, 0x5A, 0x00, 0x01, 0x53, 0x03, b't', 0x00, 0x01,
                0x01, 0x00, 0x00, 0x12, 0x01
            ]
        );
        assert_eq!(decode(&b).unwrap().1, root);
    }
}
