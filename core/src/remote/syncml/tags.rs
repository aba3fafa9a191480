//! WBXML tag tokens of the SyncML (page 0), MetInf (page 1) and DevInf code pages, from the
//! OMA SyncML RepPro, MetaInfo and DevInf 1.2 specifications.

use super::tree::Ns;

/// SyncML code page 0 (OMA-TS-SyncML-RepPro 1.2, WBXML token table).
const SYNCML: &[(&str, u8)] = &[
    ("Add", 0x05),
    ("Alert", 0x06),
    ("Archive", 0x07),
    ("Atomic", 0x08),
    ("Chal", 0x09),
    ("Cmd", 0x0A),
    ("CmdID", 0x0B),
    ("CmdRef", 0x0C),
    ("Copy", 0x0D),
    ("Cred", 0x0E),
    ("Data", 0x0F),
    ("Delete", 0x10),
    ("Exec", 0x11),
    ("Final", 0x12),
    ("Get", 0x13),
    ("Item", 0x14),
    ("Lang", 0x15),
    ("LocName", 0x16),
    ("LocURI", 0x17),
    ("Map", 0x18),
    ("MapItem", 0x19),
    ("Meta", 0x1A),
    ("MsgID", 0x1B),
    ("MsgRef", 0x1C),
    ("NoResp", 0x1D),
    ("NoResults", 0x1E),
    ("Put", 0x1F),
    ("Replace", 0x20),
    ("RespURI", 0x21),
    ("Results", 0x22),
    ("Search", 0x23),
    ("Sequence", 0x24),
    ("SessionID", 0x25),
    ("SftDel", 0x26),
    ("Source", 0x27),
    ("SourceRef", 0x28),
    ("Status", 0x29),
    ("Sync", 0x2A),
    ("SyncBody", 0x2B),
    ("SyncHdr", 0x2C),
    ("SyncML", 0x2D),
    ("Target", 0x2E),
    ("TargetRef", 0x2F),
    ("VerDTD", 0x31),
    ("VerProto", 0x32),
    ("NumberOfChanges", 0x33),
    ("MoreData", 0x34),
    ("Field", 0x35),
    ("Filter", 0x36),
    ("Record", 0x37),
    ("FilterType", 0x38),
    ("SourceParent", 0x39),
    ("TargetParent", 0x3A),
    ("Move", 0x3B),
    ("Correlator", 0x3C),
];

/// MetInf code page 1 (OMA-TS-SyncML-MetaInfo 1.2).
const METINF: &[(&str, u8)] = &[
    ("Anchor", 0x05),
    ("EMI", 0x06),
    ("Format", 0x07),
    ("FreeID", 0x08),
    ("FreeMem", 0x09),
    ("Last", 0x0A),
    ("Mark", 0x0B),
    ("MaxMsgSize", 0x0C),
    ("Mem", 0x0D),
    ("MetInf", 0x0E),
    ("Next", 0x0F),
    ("NextNonce", 0x10),
    ("SharedMem", 0x11),
    ("Size", 0x12),
    ("Type", 0x13),
    ("Version", 0x14),
    ("MaxObjSize", 0x15),
    ("FieldLevel", 0x16),
];

/// DevInf code page 0 (OMA-TS-DS-DevInf 1.2). 0x1C is `MaxSize` in 1.2 and `Size` before.
const DEVINF: &[(&str, u8)] = &[
    ("CTCap", 0x05),
    ("CTType", 0x06),
    ("DataStore", 0x07),
    ("DataType", 0x08),
    ("DevID", 0x09),
    ("DevInf", 0x0A),
    ("DevTyp", 0x0B),
    ("DisplayName", 0x0C),
    ("DSMem", 0x0D),
    ("Ext", 0x0E),
    ("FwV", 0x0F),
    ("HwV", 0x10),
    ("Man", 0x11),
    ("MaxGUIDSize", 0x12),
    ("MaxID", 0x13),
    ("MaxMem", 0x14),
    ("Mod", 0x15),
    ("OEM", 0x16),
    ("ParamName", 0x17),
    ("PropName", 0x18),
    ("Rx", 0x19),
    ("Rx-Pref", 0x1A),
    ("SharedMem", 0x1B),
    ("MaxSize", 0x1C),
    ("SourceRef", 0x1D),
    ("SwV", 0x1E),
    ("SyncCap", 0x1F),
    ("SyncType", 0x20),
    ("Tx", 0x21),
    ("Tx-Pref", 0x22),
    ("ValEnum", 0x23),
    ("VerCT", 0x24),
    ("VerDTD", 0x25),
    ("XNam", 0x26),
    ("XVal", 0x27),
    ("UTC", 0x28),
    ("SupportNumberOfChanges", 0x29),
    ("SupportLargeObjs", 0x2A),
    ("Property", 0x2B),
    ("PropParam", 0x2C),
    ("MaxOccur", 0x2D),
    ("NoTruncate", 0x2E),
    ("Filter-Rx", 0x30),
    ("FilterCap", 0x31),
    ("FilterKeyword", 0x32),
    ("FieldLevel", 0x33),
    ("SupportHierarchicalSync", 0x34),
];

fn table(ns: Ns) -> &'static [(&'static str, u8)] {
    match ns {
        Ns::SyncMl => SYNCML,
        Ns::MetInf => METINF,
        Ns::DevInf => DEVINF,
        Ns::Other => &[],
    }
}

/// The code page of a vocabulary inside its document (DevInf is page 0 of its own document).
pub fn page_of(ns: Ns) -> u8 {
    match ns {
        Ns::MetInf => 1,
        _ => 0,
    }
}

/// The token of an element name (`Size` is accepted for the DevInf 1.1 spelling).
pub fn token(ns: Ns, name: &str) -> Option<u8> {
    let name = if ns == Ns::DevInf && name == "Size" {
        "MaxSize"
    } else {
        name
    };
    table(ns).iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The name of a token on a page of a SyncML (`devinf == false`) or DevInf document.
pub fn name(devinf: bool, page: u8, token: u8) -> Option<(Ns, &'static str)> {
    let ns = match (devinf, page) {
        (false, 0) => Ns::SyncMl,
        (false, 1) => Ns::MetInf,
        (true, 0) => Ns::DevInf,
        _ => return None,
    };
    table(ns)
        .iter()
        .find(|(_, t)| *t == token)
        .map(|(n, _)| (ns, *n))
}
