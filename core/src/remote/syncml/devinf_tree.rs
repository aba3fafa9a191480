//! Maps a [`DevInf`] to and from the element tree (the `syncml:devinf` vocabulary).

use super::devinf::{ContentType, CtCap, DataStore, DevInf, DsMem, Ext, PropParam, Property};
use super::fields::{num, required, skip, text};
use super::tree::{Element, Ns};
use crate::error::{Error, Result};

/// The tree of a DevInf document (root `DevInf`).
pub(crate) fn to_tree(d: &DevInf) -> Element {
    let mut e = Element::new(Ns::DevInf, "DevInf");
    e.push_text("VerDTD", &d.ver_dtd);
    e.push_opt("Man", d.man.as_deref());
    e.push_opt("Mod", d.model.as_deref());
    e.push_opt("OEM", d.oem.as_deref());
    e.push_opt("FwV", d.fw_v.as_deref());
    e.push_opt("SwV", d.sw_v.as_deref());
    e.push_opt("HwV", d.hw_v.as_deref());
    e.push_text("DevID", &d.dev_id);
    e.push_text("DevTyp", &d.dev_typ);
    e.push_flag("UTC", d.utc);
    e.push_flag("SupportNumberOfChanges", d.support_number_of_changes);
    e.push_flag("SupportLargeObjs", d.support_large_objs);
    for ds in &d.data_stores {
        e.push(store_to_tree(ds));
    }
    for x in &d.exts {
        let mut xe = Element::new(Ns::DevInf, "Ext");
        xe.push_text("XNam", &x.name);
        for v in &x.values {
            xe.push_text("XVal", v);
        }
        e.push(xe);
    }
    e
}

fn ct_to_tree(name: &str, c: &ContentType) -> Element {
    let mut e = Element::new(Ns::DevInf, name);
    e.push_text("CTType", &c.ct_type);
    e.push_text("VerCT", &c.ver_ct);
    e
}

fn store_to_tree(ds: &DataStore) -> Element {
    let mut e = Element::new(Ns::DevInf, "DataStore");
    e.push_text("SourceRef", &ds.source_ref);
    e.push_opt("DisplayName", ds.display_name.as_deref());
    e.push_opt(
        "MaxGUIDSize",
        ds.max_guid_size.map(|n| n.to_string()).as_deref(),
    );
    if let Some(c) = &ds.rx_pref {
        e.push(ct_to_tree("Rx-Pref", c));
    }
    for c in &ds.rx {
        e.push(ct_to_tree("Rx", c));
    }
    if let Some(c) = &ds.tx_pref {
        e.push(ct_to_tree("Tx-Pref", c));
    }
    for c in &ds.tx {
        e.push(ct_to_tree("Tx", c));
    }
    for cap in &ds.ctcaps {
        e.push(ctcap_to_tree(cap));
    }
    if let Some(m) = &ds.ds_mem {
        let mut me = Element::new(Ns::DevInf, "DSMem");
        me.push_flag("SharedMem", m.shared_mem);
        me.push_opt("MaxMem", m.max_mem.map(|n| n.to_string()).as_deref());
        me.push_opt("MaxID", m.max_id.map(|n| n.to_string()).as_deref());
        e.push(me);
    }
    e.push_flag("SupportHierarchicalSync", ds.support_hierarchical_sync);
    let mut sc = Element::new(Ns::DevInf, "SyncCap");
    for t in &ds.sync_types {
        sc.push_text("SyncType", &t.to_string());
    }
    e.push(sc);
    e
}

fn ctcap_to_tree(cap: &CtCap) -> Element {
    let mut e = Element::new(Ns::DevInf, "CTCap");
    e.push_text("CTType", &cap.ct_type);
    e.push_opt("VerCT", cap.ver_ct.as_deref());
    e.push_flag("FieldLevel", cap.field_level);
    for p in &cap.properties {
        let mut pe = Element::new(Ns::DevInf, "Property");
        pe.push_text("PropName", &p.name);
        pe.push_opt("DataType", p.data_type.as_deref());
        for v in &p.val_enums {
            pe.push_text("ValEnum", v);
        }
        pe.push_opt("MaxOccur", p.max_occur.map(|n| n.to_string()).as_deref());
        pe.push_opt("MaxSize", p.max_size.map(|n| n.to_string()).as_deref());
        pe.push_flag("NoTruncate", p.no_truncate);
        pe.push_opt("DisplayName", p.display_name.as_deref());
        for pp in &p.params {
            let mut ppe = Element::new(Ns::DevInf, "PropParam");
            ppe.push_text("ParamName", &pp.name);
            ppe.push_opt("DataType", pp.data_type.as_deref());
            for v in &pp.val_enums {
                ppe.push_text("ValEnum", v);
            }
            ppe.push_opt("DisplayName", pp.display_name.as_deref());
            pe.push(ppe);
        }
        e.push(pe);
    }
    e
}

/// Reads a DevInf document from its tree (root must be `DevInf`).
pub(crate) fn from_tree(e: &Element) -> Result<DevInf> {
    if e.name != "DevInf" {
        return Err(Error::Protocol(format!(
            "expected a DevInf document, found <{}>",
            e.name
        )));
    }
    let mut d = DevInf::default();
    let (mut ver, mut dev_id) = (None, None);
    for c in e.elements() {
        match c.name.as_str() {
            "VerDTD" => ver = Some(text(c)?),
            "Man" => d.man = Some(text(c)?),
            "Mod" => d.model = Some(text(c)?),
            "OEM" => d.oem = Some(text(c)?),
            "FwV" => d.fw_v = Some(text(c)?),
            "SwV" => d.sw_v = Some(text(c)?),
            "HwV" => d.hw_v = Some(text(c)?),
            "DevID" => dev_id = Some(text(c)?),
            "DevTyp" => d.dev_typ = text(c)?,
            "UTC" => d.utc = true,
            "SupportNumberOfChanges" => d.support_number_of_changes = true,
            "SupportLargeObjs" => d.support_large_objs = true,
            "DataStore" => d.data_stores.push(store_from_tree(c)?),
            "Ext" => {
                let mut x = Ext::default();
                for f in c.elements() {
                    match f.name.as_str() {
                        "XNam" => x.name = text(f)?,
                        "XVal" => x.values.push(text(f)?),
                        _ => skip(f, "Ext"),
                    }
                }
                d.exts.push(x);
            }
            _ => skip(c, "DevInf"),
        }
    }
    d.ver_dtd = required(ver, "VerDTD", "DevInf")?;
    d.dev_id = required(dev_id, "DevID", "DevInf")?;
    Ok(d)
}

fn ct_from_tree(e: &Element) -> Result<ContentType> {
    let mut c = ContentType::default();
    for f in e.elements() {
        match f.name.as_str() {
            "CTType" => c.ct_type = text(f)?,
            "VerCT" => c.ver_ct = text(f)?,
            _ => skip(f, &e.name),
        }
    }
    Ok(c)
}

fn store_from_tree(e: &Element) -> Result<DataStore> {
    let mut ds = DataStore::default();
    let mut source_ref = None;
    for c in e.elements() {
        match c.name.as_str() {
            "SourceRef" => source_ref = Some(text(c)?),
            "DisplayName" => ds.display_name = Some(text(c)?),
            "MaxGUIDSize" => ds.max_guid_size = Some(num(c)?),
            "Rx-Pref" => ds.rx_pref = Some(ct_from_tree(c)?),
            "Rx" => ds.rx.push(ct_from_tree(c)?),
            "Tx-Pref" => ds.tx_pref = Some(ct_from_tree(c)?),
            "Tx" => ds.tx.push(ct_from_tree(c)?),
            "CTCap" => ds.ctcaps.push(ctcap_from_tree(c)?),
            "DSMem" => {
                let mut m = DsMem::default();
                for f in c.elements() {
                    match f.name.as_str() {
                        "SharedMem" => m.shared_mem = true,
                        "MaxMem" => m.max_mem = Some(num(f)?),
                        "MaxID" => m.max_id = Some(num(f)?),
                        _ => skip(f, "DSMem"),
                    }
                }
                ds.ds_mem = Some(m);
            }
            "SupportHierarchicalSync" => ds.support_hierarchical_sync = true,
            "SyncCap" => {
                for f in c.elements() {
                    match f.name.as_str() {
                        "SyncType" => ds.sync_types.push(num(f)?),
                        _ => skip(f, "SyncCap"),
                    }
                }
            }
            _ => skip(c, "DataStore"),
        }
    }
    ds.source_ref = required(source_ref, "SourceRef", "DataStore")?;
    Ok(ds)
}

fn ctcap_from_tree(e: &Element) -> Result<CtCap> {
    let mut cap = CtCap::default();
    for c in e.elements() {
        match c.name.as_str() {
            "CTType" => cap.ct_type = text(c)?,
            "VerCT" => cap.ver_ct = Some(text(c)?),
            "FieldLevel" => cap.field_level = true,
            "Property" => cap.properties.push(property_from_tree(c)?),
            _ => skip(c, "CTCap"),
        }
    }
    Ok(cap)
}

fn property_from_tree(e: &Element) -> Result<Property> {
    let mut p = Property::default();
    for c in e.elements() {
        match c.name.as_str() {
            "PropName" => p.name = text(c)?,
            "DataType" => p.data_type = Some(text(c)?),
            "ValEnum" => p.val_enums.push(text(c)?),
            "MaxOccur" => p.max_occur = Some(num(c)?),
            "MaxSize" | "Size" => p.max_size = Some(num(c)?),
            "NoTruncate" => p.no_truncate = true,
            "DisplayName" => p.display_name = Some(text(c)?),
            "PropParam" => {
                let mut pp = PropParam::default();
                for f in c.elements() {
                    match f.name.as_str() {
                        "ParamName" => pp.name = text(f)?,
                        "DataType" => pp.data_type = Some(text(f)?),
                        "ValEnum" => pp.val_enums.push(text(f)?),
                        "DisplayName" => pp.display_name = Some(text(f)?),
                        _ => skip(f, "PropParam"),
                    }
                }
                p.params.push(pp);
            }
            _ => skip(c, "Property"),
        }
    }
    Ok(p)
}
