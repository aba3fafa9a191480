//! The typed SyncML message model (SyncHdr, SyncBody, commands, items, meta information),
//! independent of the encoding (XML or WBXML).

use super::devinf::DevInf;

/// A SyncML DTD / protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncMlVersion {
    /// SyncML 1.0 (parsed; not sent by us).
    V1_0,
    /// SyncML 1.1, the fallback for old servers.
    V1_1,
    /// SyncML DS 1.2, what we speak by default.
    V1_2,
}

impl SyncMlVersion {
    /// `VerDTD`: `1.2`.
    pub fn ver_dtd(self) -> &'static str {
        match self {
            SyncMlVersion::V1_0 => "1.0",
            SyncMlVersion::V1_1 => "1.1",
            SyncMlVersion::V1_2 => "1.2",
        }
    }

    /// `VerProto`: `SyncML/1.2`.
    pub fn ver_proto(self) -> &'static str {
        match self {
            SyncMlVersion::V1_0 => "SyncML/1.0",
            SyncMlVersion::V1_1 => "SyncML/1.1",
            SyncMlVersion::V1_2 => "SyncML/1.2",
        }
    }

    /// The XML namespace of the SyncML element: `SYNCML:SYNCML1.2`.
    pub fn namespace(self) -> &'static str {
        match self {
            SyncMlVersion::V1_0 => "SYNCML:SYNCML1.0",
            SyncMlVersion::V1_1 => "SYNCML:SYNCML1.1",
            SyncMlVersion::V1_2 => "SYNCML:SYNCML1.2",
        }
    }

    /// The DevInf URI of this version: `./devinf12`.
    pub fn devinf_uri(self) -> &'static str {
        match self {
            SyncMlVersion::V1_0 => "./devinf10",
            SyncMlVersion::V1_1 => "./devinf11",
            SyncMlVersion::V1_2 => "./devinf12",
        }
    }

    /// The version whose `VerDTD` is `s`.
    pub fn from_ver_dtd(s: &str) -> Option<Self> {
        match s.trim() {
            "1.0" => Some(SyncMlVersion::V1_0),
            "1.1" => Some(SyncMlVersion::V1_1),
            "1.2" => Some(SyncMlVersion::V1_2),
            _ => None,
        }
    }
}

/// A whole SyncML message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncMl {
    /// The header.
    pub header: SyncHdr,
    /// The body.
    pub body: SyncBody,
}

/// `SyncHdr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHdr {
    /// `VerDTD` and `VerProto`.
    pub version: SyncMlVersion,
    /// `SessionID`, constant for a session.
    pub session_id: String,
    /// `MsgID`, from 1 upwards in a session.
    pub msg_id: u32,
    /// `Target`: the recipient (server URL, or device id in a server message).
    pub target: Location,
    /// `Source`: the sender.
    pub source: Location,
    /// `RespURI`: where to send the next message of the session.
    pub resp_uri: Option<String>,
    /// `NoResp`: no Status wanted for this message.
    pub no_resp: bool,
    /// `Cred`: credentials.
    pub cred: Option<Cred>,
    /// `Meta` (MaxMsgSize, MaxObjSize, EMI...).
    pub meta: Option<Box<Meta>>,
}

/// `SyncBody`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBody {
    /// The commands, in order.
    pub commands: Vec<Command>,
    /// `Final`: the last message of a package.
    pub final_: bool,
}

/// `Target` or `Source`: a URI and an optional display name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// `LocURI`.
    pub loc_uri: String,
    /// `LocName`.
    pub loc_name: Option<String>,
}

impl Location {
    /// A location with a URI and no name.
    pub fn new(uri: impl Into<String>) -> Self {
        Location {
            loc_uri: uri.into(),
            loc_name: None,
        }
    }
}

/// `Cred`: an authentication type (in Meta) and its data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cred {
    /// `Meta` with `Type` (`syncml:auth-basic`, `syncml:auth-md5`) and `Format` (`b64`).
    pub meta: Option<Box<Meta>>,
    /// `Data`: the credential.
    pub data: String,
}

/// `Chal`: the authentication the server asks for (Meta Type, Format, NextNonce).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chal {
    /// The challenge.
    pub meta: Box<Meta>,
}

/// `Meta` / `MetInf`: meta information, fields in the order of the MetInf DTD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `FieldLevel` (a flag).
    pub field_level: bool,
    /// `Format`: `b64`, `chr`, `bin`...
    pub format: Option<String>,
    /// `Type`: a MIME type or an auth type.
    pub type_: Option<String>,
    /// `Mark`.
    pub mark: Option<String>,
    /// `Size`: total size of a large object.
    pub size: Option<u64>,
    /// `Anchor`.
    pub anchor: Option<Anchor>,
    /// `Version`.
    pub version: Option<String>,
    /// `NextNonce`: the base64 nonce for the next md5 credential.
    pub next_nonce: Option<String>,
    /// `MaxMsgSize`.
    pub max_msg_size: Option<u64>,
    /// `MaxObjSize`.
    pub max_obj_size: Option<u64>,
    /// `EMI`: experimental meta information.
    pub emi: Vec<String>,
    /// `Mem`.
    pub mem: Option<Mem>,
}

/// `Anchor`: the sync anchors of a datastore. Opaque strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchor {
    /// `Last`: the anchor of the last successful sync (absent on a first sync).
    pub last: Option<String>,
    /// `Next`: the anchor of this sync.
    pub next: String,
}

/// `Mem`: free memory of a datastore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mem {
    /// `SharedMem`.
    pub shared_mem: bool,
    /// `FreeMem` in bytes.
    pub free_mem: Option<u64>,
    /// `FreeID`: how many more items fit.
    pub free_id: Option<u64>,
}

/// One SyncML command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `Alert`: sync mode, next message, suspend/resume.
    Alert(Alert),
    /// `Status`: the answer to a command or to the header.
    Status(Status),
    /// `Sync`: the changes of one datastore.
    Sync(Sync),
    /// `Add`.
    Add(ItemCommand),
    /// `Replace`.
    Replace(ItemCommand),
    /// `Delete`.
    Delete(ItemCommand),
    /// `Copy`.
    Copy(ItemCommand),
    /// `Move`.
    Move(ItemCommand),
    /// `Put` (our DevInf).
    Put(PutGet),
    /// `Get` (the server's DevInf).
    Get(PutGet),
    /// `Results`: the answer to a Get.
    Results(Results),
    /// `Map`: LUID ↔ GUID for server Adds.
    Map(Map),
    /// `Atomic`: all or nothing.
    Atomic(Container),
    /// `Sequence`: in this order.
    Sequence(Container),
    /// A command this client does not handle (`Exec`, `Search`...): kept so that it can be
    /// answered with a Status.
    Unsupported {
        /// The element name.
        name: String,
        /// Its `CmdID`.
        cmd_id: u32,
        /// Its `NoResp`.
        no_resp: bool,
    },
}

impl Command {
    /// The element name (`Add`, `Status`...).
    pub fn name(&self) -> &str {
        match self {
            Command::Alert(_) => "Alert",
            Command::Status(_) => "Status",
            Command::Sync(_) => "Sync",
            Command::Add(_) => "Add",
            Command::Replace(_) => "Replace",
            Command::Delete(_) => "Delete",
            Command::Copy(_) => "Copy",
            Command::Move(_) => "Move",
            Command::Put(_) => "Put",
            Command::Get(_) => "Get",
            Command::Results(_) => "Results",
            Command::Map(_) => "Map",
            Command::Atomic(_) => "Atomic",
            Command::Sequence(_) => "Sequence",
            Command::Unsupported { name, .. } => name,
        }
    }

    /// The `CmdID`.
    pub fn cmd_id(&self) -> u32 {
        match self {
            Command::Alert(c) => c.cmd_id,
            Command::Status(c) => c.cmd_id,
            Command::Sync(c) => c.cmd_id,
            Command::Add(c)
            | Command::Replace(c)
            | Command::Delete(c)
            | Command::Copy(c)
            | Command::Move(c) => c.cmd_id,
            Command::Put(c) | Command::Get(c) => c.cmd_id,
            Command::Results(c) => c.cmd_id,
            Command::Map(c) => c.cmd_id,
            Command::Atomic(c) | Command::Sequence(c) => c.cmd_id,
            Command::Unsupported { cmd_id, .. } => *cmd_id,
        }
    }

    /// Whether the sender asked for no Status (`NoResp`). Status and Results never get one.
    pub fn no_resp(&self) -> bool {
        match self {
            Command::Alert(c) => c.no_resp,
            Command::Status(_) | Command::Results(_) => true,
            Command::Sync(c) => c.no_resp,
            Command::Add(c)
            | Command::Replace(c)
            | Command::Delete(c)
            | Command::Copy(c)
            | Command::Move(c) => c.no_resp,
            Command::Put(c) | Command::Get(c) => c.no_resp,
            Command::Map(_) => false,
            Command::Atomic(c) | Command::Sequence(c) => c.no_resp,
            Command::Unsupported { no_resp, .. } => *no_resp,
        }
    }
}

/// `Alert`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alert {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Data`: the alert code (200–210, 222, 224, 225...).
    pub code: u16,
    /// `Correlator`.
    pub correlator: Option<String>,
    /// Items: Target/Source datastores, Meta with anchors.
    pub items: Vec<Item>,
}

/// `Status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `MsgRef`: the message of the command answered.
    pub msg_ref: u32,
    /// `CmdRef`: the command answered (0 = the SyncHdr).
    pub cmd_ref: u32,
    /// `Cmd`: its name (`SyncHdr`, `Alert`, `Add`...).
    pub cmd: String,
    /// `TargetRef`s.
    pub target_refs: Vec<String>,
    /// `SourceRef`s.
    pub source_refs: Vec<String>,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Chal`: the server wants (other) credentials.
    pub chal: Option<Chal>,
    /// `Data`: the status code.
    pub code: u16,
    /// Items (e.g. the echoed Next anchor of an Alert).
    pub items: Vec<Item>,
}

/// `Sync`: changes of one datastore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sync {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Target`: the receiver's datastore.
    pub target: Option<Location>,
    /// `Source`: the sender's datastore.
    pub source: Option<Location>,
    /// `Meta`.
    pub meta: Option<Box<Meta>>,
    /// `NumberOfChanges`: how many changes the whole package holds.
    pub number_of_changes: Option<u32>,
    /// Add, Replace, Delete, Copy, Move, Atomic, Sequence.
    pub commands: Vec<Command>,
}

/// `Add`, `Replace`, `Delete`, `Copy`, `Move`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemCommand {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Archive` (Delete only).
    pub archive: bool,
    /// `SftDel` (Delete only).
    pub sft_del: bool,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Meta`: Type of the items, Size of a large object.
    pub meta: Option<Box<Meta>>,
    /// The items.
    pub items: Vec<Item>,
}

/// `Put` or `Get`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutGet {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Lang`.
    pub lang: Option<String>,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Meta` (Type of the DevInf).
    pub meta: Option<Box<Meta>>,
    /// The items.
    pub items: Vec<Item>,
}

/// `Results`: the answer to a Get.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Results {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `MsgRef`.
    pub msg_ref: Option<u32>,
    /// `CmdRef`: the Get answered.
    pub cmd_ref: u32,
    /// `Meta`.
    pub meta: Option<Box<Meta>>,
    /// `TargetRef`s.
    pub target_refs: Vec<String>,
    /// `SourceRef`s.
    pub source_refs: Vec<String>,
    /// The items.
    pub items: Vec<Item>,
}

/// `Map`: the LUIDs we gave to the server's Adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `Target`: the server datastore.
    pub target: Location,
    /// `Source`: our datastore.
    pub source: Location,
    /// `Cred`.
    pub cred: Option<Cred>,
    /// `Meta`.
    pub meta: Option<Box<Meta>>,
    /// The mappings.
    pub items: Vec<MapItem>,
}

/// `MapItem`: Target = server GUID, Source = our LUID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapItem {
    /// `Target/LocURI`: the server's GUID.
    pub target: String,
    /// `Source/LocURI`: our LUID.
    pub source: String,
}

/// `Atomic` or `Sequence`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// `CmdID`.
    pub cmd_id: u32,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Meta`.
    pub meta: Option<Box<Meta>>,
    /// The nested commands.
    pub commands: Vec<Command>,
}

/// `Item`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// `Target`.
    pub target: Option<Location>,
    /// `Source`.
    pub source: Option<Location>,
    /// `SourceParent/LocURI`.
    pub source_parent: Option<String>,
    /// `TargetParent/LocURI`.
    pub target_parent: Option<String>,
    /// `Meta`.
    pub meta: Option<Box<Meta>>,
    /// `Data`.
    pub data: Option<ItemData>,
    /// `MoreData`: a large object continues in the next message.
    pub more_data: bool,
}

/// The content of an item's `Data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemData {
    /// Text (an iCalendar, a base64 string...): XML text or CDATA, WBXML OPAQUE or string.
    Text(String),
    /// Bytes that are not UTF-8 (WBXML OPAQUE only; XML needs `Format` b64 instead).
    Bytes(Vec<u8>),
    /// A DevInf document (embedded XML, escaped XML text, or a WBXML sub-document).
    DevInf(Box<DevInf>),
    /// Meta information inside Data (the anchor echoed in an Alert's Status).
    Anchor(Anchor),
}
