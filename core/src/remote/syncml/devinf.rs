//! The typed DevInf 1.2 document: device, datastores, content types, CTCaps, SyncCap, Ext.

/// `DevInf`. Fields are written in the order SyncEvolution uses (which servers accept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevInf {
    /// `VerDTD` (`1.2`).
    pub ver_dtd: String,
    /// `Man`: manufacturer.
    pub man: Option<String>,
    /// `Mod`: model.
    pub model: Option<String>,
    /// `OEM`.
    pub oem: Option<String>,
    /// `FwV`: firmware version.
    pub fw_v: Option<String>,
    /// `SwV`: software version.
    pub sw_v: Option<String>,
    /// `HwV`: hardware version.
    pub hw_v: Option<String>,
    /// `DevID`: same as the SyncHdr Source of the device.
    pub dev_id: String,
    /// `DevTyp`: `phone`, `smartphone`, `workstation`, `server`...
    pub dev_typ: String,
    /// `UTC`: the device sends times in UTC.
    pub utc: bool,
    /// `SupportNumberOfChanges`.
    pub support_number_of_changes: bool,
    /// `SupportLargeObjs`.
    pub support_large_objs: bool,
    /// `DataStore`s.
    pub data_stores: Vec<DataStore>,
    /// `Ext`: extensions (Funambol's `X-funambol-smartslow`...).
    pub exts: Vec<Ext>,
}

/// `DataStore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataStore {
    /// `SourceRef`: the datastore URI.
    pub source_ref: String,
    /// `DisplayName`.
    pub display_name: Option<String>,
    /// `MaxGUIDSize`: longest LUID/GUID.
    pub max_guid_size: Option<u32>,
    /// `Rx-Pref`: the preferred format to receive.
    pub rx_pref: Option<ContentType>,
    /// `Rx`: other formats it can receive.
    pub rx: Vec<ContentType>,
    /// `Tx-Pref`: the preferred format it sends.
    pub tx_pref: Option<ContentType>,
    /// `Tx`: other formats it can send.
    pub tx: Vec<ContentType>,
    /// `CTCap`s (DevInf 1.2: inside the datastore).
    pub ctcaps: Vec<CtCap>,
    /// `DSMem`.
    pub ds_mem: Option<DsMem>,
    /// `SupportHierarchicalSync`.
    pub support_hierarchical_sync: bool,
    /// `SyncCap/SyncType`s: 1 two-way ... 7 server-alerted, plus vendor values.
    pub sync_types: Vec<u32>,
}

/// A content type and its version (`CTType`, `VerCT`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentType {
    /// `CTType`: `text/calendar`.
    pub ct_type: String,
    /// `VerCT`: `2.0`.
    pub ver_ct: String,
}

impl ContentType {
    /// A content type.
    pub fn new(ct_type: &str, ver_ct: &str) -> Self {
        ContentType {
            ct_type: ct_type.to_string(),
            ver_ct: ver_ct.to_string(),
        }
    }
}

/// `DSMem`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsMem {
    /// `SharedMem`.
    pub shared_mem: bool,
    /// `MaxMem`.
    pub max_mem: Option<u64>,
    /// `MaxID`.
    pub max_id: Option<u64>,
}

/// `CTCap` (1.2 style): the properties supported for one content type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CtCap {
    /// `CTType`.
    pub ct_type: String,
    /// `VerCT`.
    pub ver_ct: Option<String>,
    /// `FieldLevel`.
    pub field_level: bool,
    /// `Property`s.
    pub properties: Vec<Property>,
}

/// `Property` of a CTCap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Property {
    /// `PropName`.
    pub name: String,
    /// `DataType`.
    pub data_type: Option<String>,
    /// `ValEnum`s.
    pub val_enums: Vec<String>,
    /// `MaxOccur`.
    pub max_occur: Option<u32>,
    /// `MaxSize`.
    pub max_size: Option<u32>,
    /// `NoTruncate`.
    pub no_truncate: bool,
    /// `DisplayName`.
    pub display_name: Option<String>,
    /// `PropParam`s.
    pub params: Vec<PropParam>,
}

/// `PropParam` of a Property.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropParam {
    /// `ParamName`.
    pub name: String,
    /// `DataType`.
    pub data_type: Option<String>,
    /// `ValEnum`s.
    pub val_enums: Vec<String>,
    /// `DisplayName`.
    pub display_name: Option<String>,
}

/// `Ext`: a vendor extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ext {
    /// `XNam`.
    pub name: String,
    /// `XVal`s.
    pub values: Vec<String>,
}

impl DevInf {
    /// The datastore with this `SourceRef`.
    pub fn data_store(&self, source_ref: &str) -> Option<&DataStore> {
        self.data_stores.iter().find(|d| d.source_ref == source_ref)
    }

    /// Whether any datastore can receive `ct_type` (preferred or not).
    pub fn receives(&self, ct_type: &str) -> bool {
        self.data_stores
            .iter()
            .any(|d| d.rx_pref.iter().chain(&d.rx).any(|c| c.ct_type == ct_type))
    }
}
