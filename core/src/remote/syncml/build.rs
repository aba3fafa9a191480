//! Constructors for the messages and commands a SyncML client sends: header, Alerts with
//! anchors, Statuses answering server commands, Sync with Add/Replace/Delete, Map, and
//! DevInf Put/Get/Results.

use super::devinf::{ContentType, DataStore, DevInf};
use super::message::*;
use super::Encoding;

/// Alert codes (SyncML DS 1.2 §5.2.6 / RepPro alert codes).
pub mod alert_code {
    /// Two-way sync.
    pub const TWO_WAY: u16 = 200;
    /// Slow (two-way, full compare) sync.
    pub const SLOW: u16 = 201;
    /// One-way from client.
    pub const ONE_WAY_FROM_CLIENT: u16 = 202;
    /// Refresh from client.
    pub const REFRESH_FROM_CLIENT: u16 = 203;
    /// One-way from server.
    pub const ONE_WAY_FROM_SERVER: u16 = 204;
    /// Refresh from server.
    pub const REFRESH_FROM_SERVER: u16 = 205;
    /// "Send me the next message" of a multi-message package.
    pub const NEXT_MESSAGE: u16 = 222;
    /// Suspend the session.
    pub const SUSPEND: u16 = 224;
    /// Resume a suspended session.
    pub const RESUME: u16 = 225;
}

impl SyncMl {
    /// A message with an empty body.
    pub fn new(header: SyncHdr) -> Self {
        SyncMl {
            header,
            body: SyncBody::default(),
        }
    }

    /// Appends a command to the body.
    pub fn push(&mut self, cmd: Command) -> &mut Self {
        self.body.commands.push(cmd);
        self
    }
}

impl SyncHdr {
    /// A client header: `target` is the server URL (or RespURI), `source` our device id.
    pub fn new(
        version: SyncMlVersion,
        session_id: impl Into<String>,
        msg_id: u32,
        target: Location,
        source: Location,
    ) -> Self {
        SyncHdr {
            version,
            session_id: session_id.into(),
            msg_id,
            target,
            source,
            resp_uri: None,
            no_resp: false,
            cred: None,
            meta: None,
        }
    }
}

impl Meta {
    /// Meta with a Type only.
    pub fn of_type(type_: &str) -> Self {
        Meta {
            type_: Some(type_.to_string()),
            ..Meta::default()
        }
    }

    /// Meta announcing our limits (for the SyncHdr).
    pub fn limits(max_msg_size: u64, max_obj_size: u64) -> Self {
        Meta {
            max_msg_size: Some(max_msg_size),
            max_obj_size: Some(max_obj_size),
            ..Meta::default()
        }
    }
}

impl Cred {
    /// A credential: `auth_type` is `syncml:auth-basic` or `syncml:auth-md5`, `data_b64` the
    /// base64 credential computed by the caller.
    pub fn new(auth_type: &str, data_b64: impl Into<String>) -> Self {
        Cred {
            meta: Some(Box::new(Meta {
                format: Some("b64".into()),
                type_: Some(auth_type.to_string()),
                ..Meta::default()
            })),
            data: data_b64.into(),
        }
    }
}

impl Alert {
    /// A sync Alert (200–205, or 225 to resume) for one datastore, with anchors.
    pub fn sync(
        cmd_id: u32,
        code: u16,
        server_db: &str,
        local_db: &str,
        last: Option<&str>,
        next: &str,
        max_obj_size: Option<u64>,
    ) -> Self {
        Alert {
            cmd_id,
            code,
            items: vec![Item {
                target: Some(Location::new(server_db)),
                source: Some(Location::new(local_db)),
                meta: Some(Box::new(Meta {
                    anchor: Some(Anchor {
                        last: last.map(str::to_string),
                        next: next.to_string(),
                    }),
                    max_obj_size,
                    ..Meta::default()
                })),
                ..Item::default()
            }],
            ..Alert::default()
        }
    }

    /// An Alert without anchors (222 next message, 224 suspend) for one datastore.
    pub fn plain(cmd_id: u32, code: u16, server_db: &str, local_db: &str) -> Self {
        Alert {
            cmd_id,
            code,
            items: vec![Item {
                target: Some(Location::new(server_db)),
                source: Some(Location::new(local_db)),
                ..Item::default()
            }],
            ..Alert::default()
        }
    }
}

fn item_refs(items: &[Item]) -> (Vec<String>, Vec<String>) {
    let t = items
        .iter()
        .filter_map(|i| i.target.as_ref().map(|l| l.loc_uri.clone()))
        .collect();
    let s = items
        .iter()
        .filter_map(|i| i.source.as_ref().map(|l| l.loc_uri.clone()))
        .collect();
    (t, s)
}

impl Status {
    /// The Status answering a message's SyncHdr (CmdRef 0).
    pub fn for_header(cmd_id: u32, hdr: &SyncHdr, code: u16) -> Self {
        Status {
            cmd_id,
            msg_ref: hdr.msg_id,
            cmd_ref: 0,
            cmd: "SyncHdr".into(),
            target_refs: vec![hdr.target.loc_uri.clone()],
            source_refs: vec![hdr.source.loc_uri.clone()],
            code,
            ..Status::default()
        }
    }

    /// The Status answering a command of message `msg_ref`, with its Target/Source refs.
    /// For an Alert with anchors, the Next anchor is echoed in an Item as servers expect.
    pub fn for_command(cmd_id: u32, msg_ref: u32, cmd: &Command, code: u16) -> Self {
        let (target_refs, source_refs, items) = match cmd {
            Command::Alert(a) => {
                let (t, s) = item_refs(&a.items);
                let echo = a
                    .items
                    .iter()
                    .filter_map(|i| i.meta.as_ref()?.anchor.as_ref())
                    .map(|an| Item {
                        data: Some(ItemData::Anchor(Anchor {
                            last: None,
                            next: an.next.clone(),
                        })),
                        ..Item::default()
                    })
                    .collect();
                (t, s, echo)
            }
            Command::Sync(s) => (
                s.target.iter().map(|l| l.loc_uri.clone()).collect(),
                s.source.iter().map(|l| l.loc_uri.clone()).collect(),
                Vec::new(),
            ),
            Command::Map(m) => (
                vec![m.target.loc_uri.clone()],
                vec![m.source.loc_uri.clone()],
                Vec::new(),
            ),
            Command::Add(c)
            | Command::Replace(c)
            | Command::Delete(c)
            | Command::Copy(c)
            | Command::Move(c) => {
                let (t, s) = item_refs(&c.items);
                (t, s, Vec::new())
            }
            Command::Put(p) | Command::Get(p) => {
                let (t, s) = item_refs(&p.items);
                (t, s, Vec::new())
            }
            Command::Results(r) => {
                let (t, s) = item_refs(&r.items);
                (t, s, Vec::new())
            }
            _ => (Vec::new(), Vec::new(), Vec::new()),
        };
        Status {
            cmd_id,
            msg_ref,
            cmd_ref: cmd.cmd_id(),
            cmd: cmd.name().to_string(),
            target_refs,
            source_refs,
            code,
            items,
            ..Status::default()
        }
    }
}

impl Sync {
    /// A Sync for one datastore; add changes with [`Sync::push`].
    pub fn new(cmd_id: u32, server_db: &str, local_db: &str) -> Self {
        Sync {
            cmd_id,
            target: Some(Location::new(server_db)),
            source: Some(Location::new(local_db)),
            ..Sync::default()
        }
    }

    /// Appends a change.
    pub fn push(&mut self, cmd: Command) -> &mut Self {
        self.commands.push(cmd);
        self
    }
}

impl ItemCommand {
    /// One client item (Source = our LUID) of MIME type `type_` with `data`.
    pub fn with_item(cmd_id: u32, type_: &str, luid: &str, data: Option<ItemData>) -> Self {
        ItemCommand {
            cmd_id,
            meta: Some(Box::new(Meta::of_type(type_))),
            items: vec![Item {
                source: Some(Location::new(luid)),
                data,
                ..Item::default()
            }],
            ..ItemCommand::default()
        }
    }
}

impl Command {
    /// A client Add of an item.
    pub fn add(cmd_id: u32, type_: &str, luid: &str, data: &str) -> Self {
        Command::Add(ItemCommand::with_item(
            cmd_id,
            type_,
            luid,
            Some(ItemData::Text(data.to_string())),
        ))
    }

    /// A client Replace of an item (also what a slow sync sends for every item).
    pub fn replace(cmd_id: u32, type_: &str, luid: &str, data: &str) -> Self {
        Command::Replace(ItemCommand::with_item(
            cmd_id,
            type_,
            luid,
            Some(ItemData::Text(data.to_string())),
        ))
    }

    /// A client Delete of an item.
    pub fn delete(cmd_id: u32, type_: &str, luid: &str) -> Self {
        Command::Delete(ItemCommand::with_item(cmd_id, type_, luid, None))
    }
}

impl Map {
    /// A Map of (GUID, LUID) pairs for one datastore.
    pub fn new(cmd_id: u32, server_db: &str, local_db: &str, pairs: &[(&str, &str)]) -> Self {
        Map {
            cmd_id,
            target: Location::new(server_db),
            source: Location::new(local_db),
            items: pairs
                .iter()
                .map(|(guid, luid)| MapItem {
                    target: guid.to_string(),
                    source: luid.to_string(),
                })
                .collect(),
            ..Map::default()
        }
    }
}

impl PutGet {
    /// `Put ./devinf12` with our DevInf.
    pub fn put_devinf(cmd_id: u32, version: SyncMlVersion, d: DevInf, enc: Encoding) -> Self {
        PutGet {
            cmd_id,
            meta: Some(Box::new(Meta::of_type(enc.devinf_type()))),
            items: vec![Item {
                source: Some(Location::new(version.devinf_uri())),
                data: Some(ItemData::DevInf(Box::new(d))),
                ..Item::default()
            }],
            ..PutGet::default()
        }
    }

    /// `Get ./devinf12`: ask for the server's DevInf.
    pub fn get_devinf(cmd_id: u32, version: SyncMlVersion, enc: Encoding) -> Self {
        PutGet {
            cmd_id,
            meta: Some(Box::new(Meta::of_type(enc.devinf_type()))),
            items: vec![Item {
                target: Some(Location::new(version.devinf_uri())),
                ..Item::default()
            }],
            ..PutGet::default()
        }
    }
}

impl Results {
    /// Our DevInf answering the server's `Get` (command `cmd_ref` of message `msg_ref`).
    pub fn devinf(
        cmd_id: u32,
        msg_ref: u32,
        cmd_ref: u32,
        version: SyncMlVersion,
        d: DevInf,
        enc: Encoding,
    ) -> Self {
        Results {
            cmd_id,
            msg_ref: Some(msg_ref),
            cmd_ref,
            meta: Some(Box::new(Meta::of_type(enc.devinf_type()))),
            items: vec![Item {
                source: Some(Location::new(version.devinf_uri())),
                data: Some(ItemData::DevInf(Box::new(d))),
                ..Item::default()
            }],
            ..Results::default()
        }
    }
}

impl DevInf {
    /// A client DevInf 1.2 (`UTC`, `SupportLargeObjs`, `SupportNumberOfChanges`).
    pub fn client(
        dev_id: &str,
        man: &str,
        model: &str,
        sw_v: &str,
        dev_typ: &str,
        data_stores: Vec<DataStore>,
    ) -> Self {
        DevInf {
            ver_dtd: "1.2".into(),
            man: Some(man.into()),
            model: Some(model.into()),
            sw_v: Some(sw_v.into()),
            dev_id: dev_id.into(),
            dev_typ: dev_typ.into(),
            utc: true,
            support_number_of_changes: true,
            support_large_objs: true,
            data_stores,
            ..DevInf::default()
        }
    }
}

impl DataStore {
    /// A calendar datastore: Rx-Pref/Tx-Pref `text/calendar` 2.0, Rx/Tx `text/x-vcalendar`
    /// 1.0, SyncCap 1–7.
    pub fn calendar(source_ref: &str, display_name: &str, max_guid_size: u32) -> Self {
        DataStore {
            source_ref: source_ref.into(),
            display_name: Some(display_name.into()),
            max_guid_size: Some(max_guid_size),
            rx_pref: Some(ContentType::new("text/calendar", "2.0")),
            rx: vec![ContentType::new("text/x-vcalendar", "1.0")],
            tx_pref: Some(ContentType::new("text/calendar", "2.0")),
            tx: vec![ContentType::new("text/x-vcalendar", "1.0")],
            sync_types: (1..=7).collect(),
            ..DataStore::default()
        }
    }
}
