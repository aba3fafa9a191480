//! Maps a [`SyncMl`] message to and from the element tree, in DTD element order.

use super::devinf_tree;
use super::fields::{num, required, skip, text};
use super::message::*;
use super::tree::{Element, Node, Ns};
use super::xml;
use crate::error::{Error, Result};

// ---------------------------------------------------------------- model -> tree

/// The tree of a message (root `SyncML`).
pub(crate) fn to_tree(m: &SyncMl) -> Element {
    let mut root = Element::new(Ns::SyncMl, "SyncML");
    root.push(header_to_tree(&m.header));
    let mut body = Element::new(Ns::SyncMl, "SyncBody");
    for c in &m.body.commands {
        body.push(command_to_tree(c));
    }
    body.push_flag("Final", m.body.final_);
    root.push(body);
    root
}

fn header_to_tree(h: &SyncHdr) -> Element {
    let mut e = Element::new(Ns::SyncMl, "SyncHdr");
    e.push_text("VerDTD", h.version.ver_dtd());
    e.push_text("VerProto", h.version.ver_proto());
    e.push_text("SessionID", &h.session_id);
    e.push_text("MsgID", &h.msg_id.to_string());
    e.push(location("Target", &h.target));
    e.push(location("Source", &h.source));
    e.push_opt("RespURI", h.resp_uri.as_deref());
    e.push_flag("NoResp", h.no_resp);
    push_cred(&mut e, &h.cred);
    push_meta(&mut e, "Meta", &h.meta);
    e
}

fn location(name: &str, l: &Location) -> Element {
    let mut e = Element::new(Ns::SyncMl, name);
    e.push_text("LocURI", &l.loc_uri);
    e.push_opt("LocName", l.loc_name.as_deref());
    e
}

fn uri_only(name: &str, uri: &str) -> Element {
    let mut e = Element::new(Ns::SyncMl, name);
    e.push_text("LocURI", uri);
    e
}

fn push_cred(e: &mut Element, cred: &Option<Cred>) {
    if let Some(c) = cred {
        let mut ce = Element::new(Ns::SyncMl, "Cred");
        push_meta(&mut ce, "Meta", &c.meta);
        ce.push_text("Data", &c.data);
        e.push(ce);
    }
}

fn push_meta(e: &mut Element, name: &str, meta: &Option<Box<Meta>>) {
    if let Some(m) = meta {
        let mut me = Element::new(Ns::SyncMl, name);
        metinf_fields(&mut me, m);
        e.push(me);
    }
}

fn metinf_fields(e: &mut Element, m: &Meta) {
    let mi = |name: &str, v: &str| Element::with_text(Ns::MetInf, name, v);
    if m.field_level {
        e.push(Element::new(Ns::MetInf, "FieldLevel"));
    }
    let strs = [
        ("Format", m.format.as_deref()),
        ("Type", m.type_.as_deref()),
        ("Mark", m.mark.as_deref()),
    ];
    for (n, v) in strs {
        if let Some(v) = v {
            e.push(mi(n, v));
        }
    }
    if let Some(s) = m.size {
        e.push(mi("Size", &s.to_string()));
    }
    if let Some(a) = &m.anchor {
        e.push(anchor_to_tree(a));
    }
    let strs = [
        ("Version", m.version.as_deref()),
        ("NextNonce", m.next_nonce.as_deref()),
    ];
    for (n, v) in strs {
        if let Some(v) = v {
            e.push(mi(n, v));
        }
    }
    if let Some(s) = m.max_msg_size {
        e.push(mi("MaxMsgSize", &s.to_string()));
    }
    if let Some(s) = m.max_obj_size {
        e.push(mi("MaxObjSize", &s.to_string()));
    }
    for x in &m.emi {
        e.push(mi("EMI", x));
    }
    if let Some(mem) = &m.mem {
        let mut me = Element::new(Ns::MetInf, "Mem");
        me.push_flag("SharedMem", mem.shared_mem);
        me.push_opt("FreeMem", mem.free_mem.map(|n| n.to_string()).as_deref());
        me.push_opt("FreeID", mem.free_id.map(|n| n.to_string()).as_deref());
        e.push(me);
    }
}

fn anchor_to_tree(a: &Anchor) -> Element {
    let mut e = Element::new(Ns::MetInf, "Anchor");
    e.push_opt("Last", a.last.as_deref());
    e.push_text("Next", &a.next);
    e
}

fn item_to_tree(i: &Item) -> Element {
    let mut e = Element::new(Ns::SyncMl, "Item");
    if let Some(l) = &i.target {
        e.push(location("Target", l));
    }
    if let Some(l) = &i.source {
        e.push(location("Source", l));
    }
    if let Some(u) = &i.source_parent {
        e.push(uri_only("SourceParent", u));
    }
    if let Some(u) = &i.target_parent {
        e.push(uri_only("TargetParent", u));
    }
    push_meta(&mut e, "Meta", &i.meta);
    if let Some(d) = &i.data {
        let mut de = Element::new(Ns::SyncMl, "Data");
        match d {
            ItemData::Text(t) if !t.is_empty() => {
                de.children.push(Node::Opaque(t.clone().into_bytes()))
            }
            ItemData::Text(_) => {}
            ItemData::Bytes(b) => de.children.push(Node::Opaque(b.clone())),
            ItemData::DevInf(d) => de.push(devinf_tree::to_tree(d)),
            ItemData::Anchor(a) => de.push(anchor_to_tree(a)),
        }
        e.push(de);
    }
    e.push_flag("MoreData", i.more_data);
    e
}

fn cmd_head(name: &str, cmd_id: u32, no_resp: bool) -> Element {
    let mut e = Element::new(Ns::SyncMl, name);
    e.push_text("CmdID", &cmd_id.to_string());
    e.push_flag("NoResp", no_resp);
    e
}

pub(crate) fn command_to_tree(c: &Command) -> Element {
    let name = c.name().to_string();
    match c {
        Command::Alert(a) => {
            let mut e = cmd_head(&name, a.cmd_id, a.no_resp);
            push_cred(&mut e, &a.cred);
            e.push_text("Data", &a.code.to_string());
            e.push_opt("Correlator", a.correlator.as_deref());
            for i in &a.items {
                e.push(item_to_tree(i));
            }
            e
        }
        Command::Status(s) => {
            let mut e = cmd_head(&name, s.cmd_id, false);
            e.push_text("MsgRef", &s.msg_ref.to_string());
            e.push_text("CmdRef", &s.cmd_ref.to_string());
            e.push_text("Cmd", &s.cmd);
            for r in &s.target_refs {
                e.push_text("TargetRef", r);
            }
            for r in &s.source_refs {
                e.push_text("SourceRef", r);
            }
            push_cred(&mut e, &s.cred);
            if let Some(ch) = &s.chal {
                let mut ce = Element::new(Ns::SyncMl, "Chal");
                push_meta(&mut ce, "Meta", &Some(ch.meta.clone()));
                e.push(ce);
            }
            e.push_text("Data", &s.code.to_string());
            for i in &s.items {
                e.push(item_to_tree(i));
            }
            e
        }
        Command::Sync(s) => {
            let mut e = cmd_head(&name, s.cmd_id, s.no_resp);
            push_cred(&mut e, &s.cred);
            if let Some(l) = &s.target {
                e.push(location("Target", l));
            }
            if let Some(l) = &s.source {
                e.push(location("Source", l));
            }
            push_meta(&mut e, "Meta", &s.meta);
            e.push_opt(
                "NumberOfChanges",
                s.number_of_changes.map(|n| n.to_string()).as_deref(),
            );
            for c in &s.commands {
                e.push(command_to_tree(c));
            }
            e
        }
        Command::Add(ic)
        | Command::Replace(ic)
        | Command::Delete(ic)
        | Command::Copy(ic)
        | Command::Move(ic) => {
            let mut e = cmd_head(&name, ic.cmd_id, ic.no_resp);
            e.push_flag("Archive", ic.archive);
            e.push_flag("SftDel", ic.sft_del);
            push_cred(&mut e, &ic.cred);
            push_meta(&mut e, "Meta", &ic.meta);
            for i in &ic.items {
                e.push(item_to_tree(i));
            }
            e
        }
        Command::Put(p) | Command::Get(p) => {
            let mut e = cmd_head(&name, p.cmd_id, p.no_resp);
            e.push_opt("Lang", p.lang.as_deref());
            push_cred(&mut e, &p.cred);
            push_meta(&mut e, "Meta", &p.meta);
            for i in &p.items {
                e.push(item_to_tree(i));
            }
            e
        }
        Command::Results(r) => {
            let mut e = cmd_head(&name, r.cmd_id, false);
            e.push_opt("MsgRef", r.msg_ref.map(|n| n.to_string()).as_deref());
            e.push_text("CmdRef", &r.cmd_ref.to_string());
            push_meta(&mut e, "Meta", &r.meta);
            for x in &r.target_refs {
                e.push_text("TargetRef", x);
            }
            for x in &r.source_refs {
                e.push_text("SourceRef", x);
            }
            for i in &r.items {
                e.push(item_to_tree(i));
            }
            e
        }
        Command::Map(m) => {
            let mut e = cmd_head(&name, m.cmd_id, false);
            e.push(location("Target", &m.target));
            e.push(location("Source", &m.source));
            push_cred(&mut e, &m.cred);
            push_meta(&mut e, "Meta", &m.meta);
            for mi in &m.items {
                let mut ie = Element::new(Ns::SyncMl, "MapItem");
                ie.push(uri_only("Target", &mi.target));
                ie.push(uri_only("Source", &mi.source));
                e.push(ie);
            }
            e
        }
        Command::Atomic(k) | Command::Sequence(k) => {
            let mut e = cmd_head(&name, k.cmd_id, k.no_resp);
            push_meta(&mut e, "Meta", &k.meta);
            for c in &k.commands {
                e.push(command_to_tree(c));
            }
            e
        }
        Command::Unsupported {
            cmd_id, no_resp, ..
        } => cmd_head(&name, *cmd_id, *no_resp),
    }
}

// ---------------------------------------------------------------- tree -> model

/// Reads a message from its tree (root must be `SyncML`).
pub(crate) fn from_tree(root: &Element) -> Result<SyncMl> {
    if root.name != "SyncML" || root.ns != Ns::SyncMl {
        return Err(Error::Protocol(format!(
            "not a SyncML message: the root element is <{}>",
            root.name
        )));
    }
    let hdr = required(root.child("SyncHdr"), "SyncHdr", "SyncML")?;
    let body = required(root.child("SyncBody"), "SyncBody", "SyncML")?;
    Ok(SyncMl {
        header: header_from_tree(hdr)?,
        body: body_from_tree(body)?,
    })
}

fn header_from_tree(e: &Element) -> Result<SyncHdr> {
    let (mut ver_dtd, mut ver_proto, mut session_id, mut msg_id) = (None, None, None, None);
    let (mut target, mut source) = (None, None);
    let mut h = SyncHdr {
        version: SyncMlVersion::V1_2,
        session_id: String::new(),
        msg_id: 0,
        target: Location::default(),
        source: Location::default(),
        resp_uri: None,
        no_resp: false,
        cred: None,
        meta: None,
    };
    for c in e.elements() {
        match c.name.as_str() {
            "VerDTD" => ver_dtd = Some(text(c)?),
            "VerProto" => ver_proto = Some(text(c)?),
            "SessionID" => session_id = Some(text(c)?),
            "MsgID" => msg_id = Some(num(c)?),
            "Target" => target = Some(location_from_tree(c)?),
            "Source" => source = Some(location_from_tree(c)?),
            "RespURI" => h.resp_uri = Some(text(c)?),
            "NoResp" => h.no_resp = true,
            "Cred" => h.cred = Some(cred_from_tree(c)?),
            "Meta" => h.meta = Some(meta_from_tree(c)?),
            _ => skip(c, "SyncHdr"),
        }
    }
    let ver_dtd = required(ver_dtd, "VerDTD", "SyncHdr")?;
    let ver_proto = required(ver_proto, "VerProto", "SyncHdr")?;
    h.version = SyncMlVersion::from_ver_dtd(&ver_dtd)
        .filter(|v| v.ver_proto() == ver_proto.trim())
        .ok_or_else(|| Error::Protocol("unsupported SyncML version (VerDTD/VerProto)".into()))?;
    h.session_id = required(session_id, "SessionID", "SyncHdr")?;
    h.msg_id = required(msg_id, "MsgID", "SyncHdr")?;
    h.target = required(target, "Target", "SyncHdr")?;
    h.source = required(source, "Source", "SyncHdr")?;
    Ok(h)
}

fn location_from_tree(e: &Element) -> Result<Location> {
    let mut l = Location::default();
    let mut uri = None;
    for c in e.elements() {
        match c.name.as_str() {
            "LocURI" => uri = Some(text(c)?),
            "LocName" => l.loc_name = Some(text(c)?),
            _ => skip(c, &e.name),
        }
    }
    l.loc_uri = required(uri, "LocURI", &e.name)?;
    Ok(l)
}

fn loc_uri(e: &Element) -> Result<String> {
    Ok(location_from_tree(e)?.loc_uri)
}

fn cred_from_tree(e: &Element) -> Result<Cred> {
    let mut c = Cred::default();
    for f in e.elements() {
        match f.name.as_str() {
            "Meta" => c.meta = Some(meta_from_tree(f)?),
            "Data" => c.data = text(f)?,
            _ => skip(f, "Cred"),
        }
    }
    Ok(c)
}

/// Reads a `Meta` element; a nested `MetInf` wrapper is accepted too.
fn meta_from_tree(e: &Element) -> Result<Box<Meta>> {
    let mut m = Meta::default();
    read_metinf(e, &mut m)?;
    Ok(Box::new(m))
}

fn read_metinf(e: &Element, m: &mut Meta) -> Result<()> {
    for c in e.elements() {
        match c.name.as_str() {
            "MetInf" => read_metinf(c, m)?,
            "FieldLevel" => m.field_level = true,
            "Format" => m.format = Some(text(c)?),
            "Type" => m.type_ = Some(text(c)?),
            "Mark" => m.mark = Some(text(c)?),
            "Size" => m.size = Some(num(c)?),
            "Anchor" => m.anchor = Some(anchor_from_tree(c)?),
            "Version" => m.version = Some(text(c)?),
            "NextNonce" => m.next_nonce = Some(text(c)?),
            "MaxMsgSize" => m.max_msg_size = Some(num(c)?),
            "MaxObjSize" => m.max_obj_size = Some(num(c)?),
            "EMI" => m.emi.push(text(c)?),
            "Mem" => {
                let mut mem = Mem::default();
                for f in c.elements() {
                    match f.name.as_str() {
                        "SharedMem" => mem.shared_mem = true,
                        "FreeMem" => mem.free_mem = Some(num(f)?),
                        "FreeID" => mem.free_id = Some(num(f)?),
                        _ => skip(f, "Mem"),
                    }
                }
                m.mem = Some(mem);
            }
            _ => skip(c, "Meta"),
        }
    }
    Ok(())
}

fn anchor_from_tree(e: &Element) -> Result<Anchor> {
    let mut a = Anchor::default();
    let mut next = None;
    for c in e.elements() {
        match c.name.as_str() {
            "Last" => a.last = Some(text(c)?),
            "Next" => next = Some(text(c)?),
            _ => skip(c, "Anchor"),
        }
    }
    a.next = required(next, "Next", "Anchor")?;
    Ok(a)
}

fn body_from_tree(e: &Element) -> Result<SyncBody> {
    let mut b = SyncBody::default();
    for c in e.elements() {
        if c.name == "Final" {
            b.final_ = true;
        } else if let Some(cmd) = command_from_tree(c, None)? {
            b.commands.push(cmd);
        }
    }
    Ok(b)
}

fn common_cmd_id(e: &Element) -> Result<u32> {
    num(required(e.child("CmdID"), "CmdID", &e.name)?)
}

/// Reads a command; `None` (logged) for an element that is not one.
fn command_from_tree(e: &Element, outer_type: Option<&str>) -> Result<Option<Command>> {
    let cmd = match e.name.as_str() {
        "Alert" => Command::Alert(alert_from_tree(e)?),
        "Status" => Command::Status(status_from_tree(e)?),
        "Sync" => Command::Sync(sync_from_tree(e)?),
        "Add" => Command::Add(item_cmd_from_tree(e, outer_type)?),
        "Replace" => Command::Replace(item_cmd_from_tree(e, outer_type)?),
        "Delete" => Command::Delete(item_cmd_from_tree(e, outer_type)?),
        "Copy" => Command::Copy(item_cmd_from_tree(e, outer_type)?),
        "Move" => Command::Move(item_cmd_from_tree(e, outer_type)?),
        "Put" => Command::Put(put_get_from_tree(e)?),
        "Get" => Command::Get(put_get_from_tree(e)?),
        "Results" => Command::Results(results_from_tree(e)?),
        "Map" => Command::Map(map_from_tree(e)?),
        "Atomic" => Command::Atomic(container_from_tree(e, outer_type)?),
        "Sequence" => Command::Sequence(container_from_tree(e, outer_type)?),
        _ if e.ns == Ns::SyncMl && e.child("CmdID").is_some() => {
            log::debug!("SyncML: unsupported command <{}>", e.name);
            Command::Unsupported {
                name: e.name.clone(),
                cmd_id: common_cmd_id(e)?,
                no_resp: e.child("NoResp").is_some(),
            }
        }
        _ => {
            skip(e, "SyncBody");
            return Ok(None);
        }
    };
    Ok(Some(cmd))
}

fn alert_from_tree(e: &Element) -> Result<Alert> {
    let mut a = Alert {
        cmd_id: common_cmd_id(e)?,
        ..Alert::default()
    };
    let mut code = None;
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" => {}
            "NoResp" => a.no_resp = true,
            "Cred" => a.cred = Some(cred_from_tree(c)?),
            "Data" => code = Some(num(c)?),
            "Correlator" => a.correlator = Some(text(c)?),
            "Item" => a.items.push(item_from_tree(c, None)?),
            _ => skip(c, "Alert"),
        }
    }
    a.code = required(code, "Data", "Alert")?;
    Ok(a)
}

fn status_from_tree(e: &Element) -> Result<Status> {
    let mut s = Status {
        cmd_id: common_cmd_id(e)?,
        ..Status::default()
    };
    let (mut msg_ref, mut cmd_ref, mut cmd, mut code) = (None, None, None, None);
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" => {}
            "MsgRef" => msg_ref = Some(num(c)?),
            "CmdRef" => cmd_ref = Some(num(c)?),
            "Cmd" => cmd = Some(text(c)?),
            "TargetRef" => s.target_refs.push(text(c)?),
            "SourceRef" => s.source_refs.push(text(c)?),
            "Cred" => s.cred = Some(cred_from_tree(c)?),
            "Chal" => {
                s.chal = Some(Chal {
                    meta: match c.child("Meta") {
                        Some(m) => meta_from_tree(m)?,
                        None => Box::default(),
                    },
                })
            }
            "Data" => code = Some(num(c)?),
            "Item" => s.items.push(item_from_tree(c, None)?),
            _ => skip(c, "Status"),
        }
    }
    s.msg_ref = required(msg_ref, "MsgRef", "Status")?;
    s.cmd_ref = required(cmd_ref, "CmdRef", "Status")?;
    s.cmd = required(cmd, "Cmd", "Status")?;
    s.code = required(code, "Data", "Status")?;
    Ok(s)
}

fn sync_from_tree(e: &Element) -> Result<Sync> {
    let mut s = Sync {
        cmd_id: common_cmd_id(e)?,
        ..Sync::default()
    };
    let meta = e.child("Meta").map(meta_from_tree).transpose()?;
    let outer_type = meta.as_ref().and_then(|m| m.type_.clone());
    s.meta = meta;
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" | "Meta" => {}
            "NoResp" => s.no_resp = true,
            "Cred" => s.cred = Some(cred_from_tree(c)?),
            "Target" => s.target = Some(location_from_tree(c)?),
            "Source" => s.source = Some(location_from_tree(c)?),
            "NumberOfChanges" => s.number_of_changes = Some(num(c)?),
            _ => {
                if let Some(cmd) = command_from_tree(c, outer_type.as_deref())? {
                    s.commands.push(cmd);
                }
            }
        }
    }
    Ok(s)
}

fn item_cmd_from_tree(e: &Element, outer_type: Option<&str>) -> Result<ItemCommand> {
    let mut ic = ItemCommand {
        cmd_id: common_cmd_id(e)?,
        ..ItemCommand::default()
    };
    ic.meta = e.child("Meta").map(meta_from_tree).transpose()?;
    let ty = ic
        .meta
        .as_ref()
        .and_then(|m| m.type_.as_deref())
        .or(outer_type)
        .map(str::to_string);
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" | "Meta" => {}
            "NoResp" => ic.no_resp = true,
            "Archive" => ic.archive = true,
            "SftDel" => ic.sft_del = true,
            "Cred" => ic.cred = Some(cred_from_tree(c)?),
            "Item" => ic.items.push(item_from_tree(c, ty.as_deref())?),
            _ => skip(c, &e.name),
        }
    }
    Ok(ic)
}

fn put_get_from_tree(e: &Element) -> Result<PutGet> {
    let mut p = PutGet {
        cmd_id: common_cmd_id(e)?,
        ..PutGet::default()
    };
    p.meta = e.child("Meta").map(meta_from_tree).transpose()?;
    let ty = p.meta.as_ref().and_then(|m| m.type_.clone());
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" | "Meta" => {}
            "NoResp" => p.no_resp = true,
            "Lang" => p.lang = Some(text(c)?),
            "Cred" => p.cred = Some(cred_from_tree(c)?),
            "Item" => p.items.push(item_from_tree(c, ty.as_deref())?),
            _ => skip(c, &e.name),
        }
    }
    Ok(p)
}

fn results_from_tree(e: &Element) -> Result<Results> {
    let mut r = Results {
        cmd_id: common_cmd_id(e)?,
        ..Results::default()
    };
    r.meta = e.child("Meta").map(meta_from_tree).transpose()?;
    let ty = r.meta.as_ref().and_then(|m| m.type_.clone());
    let mut cmd_ref = None;
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" | "Meta" => {}
            "MsgRef" => r.msg_ref = Some(num(c)?),
            "CmdRef" => cmd_ref = Some(num(c)?),
            "TargetRef" => r.target_refs.push(text(c)?),
            "SourceRef" => r.source_refs.push(text(c)?),
            "Item" => r.items.push(item_from_tree(c, ty.as_deref())?),
            _ => skip(c, "Results"),
        }
    }
    r.cmd_ref = required(cmd_ref, "CmdRef", "Results")?;
    Ok(r)
}

fn map_from_tree(e: &Element) -> Result<Map> {
    let mut m = Map {
        cmd_id: common_cmd_id(e)?,
        ..Map::default()
    };
    let (mut target, mut source) = (None, None);
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" => {}
            "Target" => target = Some(location_from_tree(c)?),
            "Source" => source = Some(location_from_tree(c)?),
            "Cred" => m.cred = Some(cred_from_tree(c)?),
            "Meta" => m.meta = Some(meta_from_tree(c)?),
            "MapItem" => {
                let t = required(c.child("Target"), "Target", "MapItem")?;
                let s = required(c.child("Source"), "Source", "MapItem")?;
                m.items.push(MapItem {
                    target: loc_uri(t)?,
                    source: loc_uri(s)?,
                });
            }
            _ => skip(c, "Map"),
        }
    }
    m.target = required(target, "Target", "Map")?;
    m.source = required(source, "Source", "Map")?;
    Ok(m)
}

fn container_from_tree(e: &Element, outer_type: Option<&str>) -> Result<Container> {
    let mut k = Container {
        cmd_id: common_cmd_id(e)?,
        ..Container::default()
    };
    for c in e.elements() {
        match c.name.as_str() {
            "CmdID" => {}
            "NoResp" => k.no_resp = true,
            "Meta" => k.meta = Some(meta_from_tree(c)?),
            _ => {
                if let Some(cmd) = command_from_tree(c, outer_type)? {
                    k.commands.push(cmd);
                }
            }
        }
    }
    Ok(k)
}

fn item_from_tree(e: &Element, cmd_type: Option<&str>) -> Result<Item> {
    let mut i = Item {
        meta: e.child("Meta").map(meta_from_tree).transpose()?,
        ..Item::default()
    };
    let devinf_uri = ["Source", "Target"].iter().any(|n| {
        e.child(n)
            .and_then(|l| l.child("LocURI"))
            .and_then(|u| u.text().ok())
            .is_some_and(|u| u.starts_with("./devinf"))
    });
    let ty = i
        .meta
        .as_ref()
        .and_then(|m| m.type_.as_deref())
        .or(cmd_type)
        .map(str::to_string)
        .or_else(|| devinf_uri.then(|| "application/vnd.syncml-devinf+xml".to_string()));
    for c in e.elements() {
        match c.name.as_str() {
            "Meta" => {}
            "Target" => i.target = Some(location_from_tree(c)?),
            "Source" => i.source = Some(location_from_tree(c)?),
            "SourceParent" => i.source_parent = Some(loc_uri(c)?),
            "TargetParent" => i.target_parent = Some(loc_uri(c)?),
            "Data" => i.data = data_from_tree(c, ty.as_deref())?,
            "MoreData" => i.more_data = true,
            _ => skip(c, "Item"),
        }
    }
    Ok(i)
}

fn data_from_tree(e: &Element, ty: Option<&str>) -> Result<Option<ItemData>> {
    if let Some(d) = e.child("DevInf") {
        return Ok(Some(ItemData::DevInf(Box::new(devinf_tree::from_tree(d)?))));
    }
    if let Some(a) = e.child("Anchor") {
        return Ok(Some(ItemData::Anchor(anchor_from_tree(a)?)));
    }
    if let Some(other) = e.elements().next() {
        skip(other, "Data");
        return Ok(None);
    }
    let mut bytes = Vec::new();
    for n in &e.children {
        match n {
            Node::Text(t) => bytes.extend_from_slice(t.as_bytes()),
            Node::Opaque(b) => bytes.extend_from_slice(b),
            Node::Element(_) => {}
        }
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Ok(Some(ItemData::Bytes(e.into_bytes()))),
    };
    // DevInf sent as escaped XML text (some servers do this) is parsed as DevInf: when the
    // Meta Type says devinf+xml, or there is no Type and the item is `./devinf1x`.
    let devinf_type = ty.is_some_and(|t| t.contains("devinf+xml"));
    if devinf_type && text.trim_start().starts_with('<') {
        return Ok(Some(ItemData::DevInf(Box::new(xml::parse_devinf(
            text.as_bytes(),
        )?))));
    }
    Ok(Some(ItemData::Text(text)))
}
