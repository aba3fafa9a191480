//! The server's package: its Add / Replace / Delete turned into the shared plan's
//! [`ServerScan`]. Server Adds are addressed by the server's GUID (`guid:<GUID>` as href,
//! mapped to our LUID after they are applied); Replace and Delete by our LUID (the row id).
//! The payload's real version is read from the data, never from the declared type:
//! vCalendar 1.0 is converted to iCalendar 2.0.

use crate::ical;
use crate::model::{Etag, Href};
use crate::remote::syncml::auth::b64_decode;
use crate::remote::syncml::{Command, Item, ItemCommand, ItemData, Status, SyncMl};
use crate::store::ItemRecord;
use crate::sync::plan::{ServerChange, ServerItem, ServerScan};
use crate::sync::spill::Budget;
use crate::{Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;

/// A server command that wants a Status once we know how it went: the Status itself is
/// made as the command is read (the command is not kept), its code set once known.
#[derive(Debug, Clone)]
pub struct Received {
    /// The Status answering it (code 0 until known); `None` when the server asked for none
    /// (NoResp).
    pub answer: Option<Status>,
    /// Whether it is an Add.
    pub is_add: bool,
    /// The GUID of a server Add (for the Map).
    pub guid: Option<String>,
    /// Why it could not be used, if so (answered with an error status).
    pub error: Option<String>,
}

impl Received {
    /// `cmd` of the server's message `msg_id`, its answer still to be decided.
    fn new(msg_id: u32, cmd: &Command) -> Received {
        Received {
            answer: (!cmd.no_resp()).then(|| Status::for_command(0, msg_id, cmd, 0)),
            is_add: matches!(cmd, Command::Add(_)),
            guid: None,
            error: None,
        }
    }
}

/// What the server's package held.
#[derive(Debug, Default)]
pub struct ServerPackage {
    /// Changes as the plan takes them.
    pub scan: ServerScan,
    /// Every Sync and item command, to answer.
    pub received: Vec<Received>,
    /// Number of Deletes the server sent.
    pub deletes: usize,
    /// A Large Object being received: its first item (with the data so far), the total
    /// Size announced.
    partial: Option<(Item, Vec<u8>, Option<u64>)>,
}

/// The href of a server-added item before it is mapped.
pub fn guid_href(guid: &str) -> Href {
    Href::new(format!("guid:{guid}"))
}

/// Reads the server's package a message at a time, as the messages come: their Sync
/// commands go into a [`ServerPackage`], each message dropped once read. The item data
/// moves into the scan (texts beyond the download's memory budget set aside on disk), and
/// what is kept to answer each command holds none.
pub struct Reader {
    /// The href of each row a server command may address by our LUID.
    rows: HashMap<i64, Option<Href>>,
    device_id: String,
    pkg: ServerPackage,
    texts: Budget,
}

impl Reader {
    /// A reader for a calendar whose rows are `items`, keeping up to `budget` bytes of event
    /// text in memory and the rest in a spill file in `spill_dir`.
    pub fn new(
        items: &[ItemRecord],
        device_id: &str,
        budget: usize,
        spill_dir: Option<PathBuf>,
    ) -> Reader {
        Reader {
            rows: items.iter().map(|i| (i.id, i.href.clone())).collect(),
            device_id: device_id.to_string(),
            pkg: ServerPackage::default(),
            texts: Budget::new(budget, spill_dir),
        }
    }

    /// A row gone since the reader was made (our Delete, acknowledged): a command that
    /// addresses it is read as one for an unknown item.
    pub fn forget(&mut self, row: i64) {
        self.rows.remove(&row);
    }

    /// Reads one server message.
    pub fn message(&mut self, m: SyncMl) -> Result<()> {
        let msg_id = m.header.msg_id;
        for cmd in m.body.commands {
            if let Command::Sync(mut sync) = cmd {
                let children = std::mem::take(&mut sync.commands);
                self.pkg
                    .received
                    .push(Received::new(msg_id, &Command::Sync(sync)));
                let mut flat = Vec::new();
                flatten(children, &mut flat);
                for child in flat {
                    self.read_change(msg_id, child)?;
                }
            }
        }
        Ok(())
    }

    /// The package read; every text set aside is readable from here on.
    pub fn finish(self) -> Result<ServerPackage> {
        self.texts.finish()?;
        Ok(self.pkg)
    }

    fn read_change(&mut self, msg_id: u32, cmd: Command) -> Result<()> {
        let (pkg, rows, device_id) = (&mut self.pkg, &self.rows, self.device_id.as_str());
        let (mut c, kind) = match cmd {
            Command::Add(c) => (c, "Add"),
            Command::Replace(c) => (c, "Replace"),
            Command::Delete(c) => (c, "Delete"),
            other => {
                let error = Some(format!("{} is not supported", other.name()));
                pkg.received.push(Received {
                    error,
                    ..Received::new(msg_id, &other)
                });
                return Ok(());
            }
        };
        // One command per item, so that each gets its own Status.
        for item in std::mem::take(&mut c.items) {
            let Some(mut item) = reassemble(pkg, &c, item) else {
                // A chunk with MoreData: the session answered it (213).
                continue;
            };
            // The data goes to the scan; the Status echoes the command's id and name and
            // the item's Target and Source alone.
            let data = item.data.take();
            let single = ItemCommand {
                cmd_id: c.cmd_id,
                no_resp: c.no_resp,
                items: vec![Item {
                    target: item.target.clone(),
                    source: item.source.clone(),
                    ..Item::default()
                }],
                ..ItemCommand::default()
            };
            let single_cmd = match kind {
                "Add" => Command::Add(single),
                "Replace" => Command::Replace(single),
                _ => Command::Delete(single),
            };
            let guid = item.source.as_ref().map(|l| l.loc_uri.clone());
            let row = item
                .target
                .as_ref()
                .and_then(|l| l.loc_uri.parse::<i64>().ok())
                .filter(|r| rows.contains_key(r));
            let mut received = Received::new(msg_id, &single_cmd);
            drop(single_cmd);
            match kind {
                "Delete" => {
                    pkg.deletes += 1;
                    if let Some(row) = row {
                        pkg.scan.changed.insert(row, ServerChange::Deleted);
                    }
                }
                _ => {
                    let href = match (row, &guid) {
                        (Some(r), _) => rows[&r]
                            .clone()
                            .unwrap_or_else(|| Href::new(format!("luid:{r}"))),
                        (None, Some(g)) => guid_href(g),
                        (None, None) => {
                            received.error = Some("item without Source or known Target".into());
                            pkg.received.push(received);
                            continue;
                        }
                    };
                    match server_item(&c, &item, data, href, guid.as_deref(), device_id) {
                        Ok(mut si) => match row {
                            Some(r) => {
                                self.texts.place(&mut si.ics)?;
                                pkg.scan.changed.insert(r, ServerChange::Changed(si));
                            }
                            None => {
                                self.texts.place(&mut si.ics)?;
                                received.guid = guid.clone();
                                pkg.scan.new.push(si);
                            }
                        },
                        Err(e) => received.error = Some(e.to_string()),
                    }
                }
            }
            pkg.received.push(received);
        }
        Ok(())
    }
}

/// The commands of `cmds`, those inside Atomic and Sequence in their place.
fn flatten(cmds: Vec<Command>, out: &mut Vec<Command>) {
    for c in cmds {
        match c {
            Command::Atomic(c) | Command::Sequence(c) => flatten(c.commands, out),
            other => out.push(other),
        }
    }
}

/// Joins the chunks of a Large Object: `None` while more chunks are to come, then the
/// whole item (its data checked against the Size of the first chunk: a mismatch becomes an
/// item without data, refused as such). An item that is not chunked comes back as is.
fn reassemble(pkg: &mut ServerPackage, c: &ItemCommand, mut item: Item) -> Option<Item> {
    let bytes = |i: &mut Item| match i.data.take() {
        Some(ItemData::Text(t)) => t.into_bytes(),
        Some(ItemData::Bytes(b)) => b,
        _ => Vec::new(),
    };
    let same = |a: &Item, b: &Item| {
        a.source.as_ref().map(|l| &l.loc_uri) == b.source.as_ref().map(|l| &l.loc_uri)
            && a.target.as_ref().map(|l| &l.loc_uri) == b.target.as_ref().map(|l| &l.loc_uri)
    };
    match pkg.partial.take() {
        Some((first, mut data, size)) if same(&first, &item) => {
            data.extend(bytes(&mut item));
            if item.more_data {
                pkg.partial = Some((first, data, size));
                return None;
            }
            let mut whole = first;
            whole.more_data = false;
            whole.data = match size {
                Some(n) if n as usize != data.len() => {
                    log::warn!(
                        "SyncML: Large Object of {} bytes announced as {n}",
                        data.len()
                    );
                    None
                }
                _ => Some(match String::from_utf8(data) {
                    Ok(t) => ItemData::Text(t),
                    Err(e) => ItemData::Bytes(e.into_bytes()),
                }),
            };
            Some(whole)
        }
        other => {
            if other.is_some() {
                log::warn!("SyncML: a Large Object was left unfinished");
            }
            if item.more_data {
                let size = item.meta.as_ref().or(c.meta.as_ref()).and_then(|m| m.size);
                let data = bytes(&mut item);
                pkg.partial = Some((item, data, size));
                return None;
            }
            Some(item)
        }
    }
}

/// The text of an item's data (base64 decoded when Meta Format says so).
fn item_text(c: &ItemCommand, item: &Item, data: Option<ItemData>) -> Result<String> {
    let b64 = item
        .meta
        .as_ref()
        .or(c.meta.as_ref())
        .and_then(|m| m.format.as_deref())
        == Some("b64");
    let raw = match data {
        Some(ItemData::Text(t)) => t.into_bytes(),
        Some(ItemData::Bytes(b)) => b,
        _ => return Err(Error::Protocol("server item without data".into())),
    };
    let bytes = if b64 {
        b64_decode(&String::from_utf8_lossy(&raw))
            .ok_or_else(|| Error::Protocol("server item with invalid base64".into()))?
    } else {
        raw
    };
    String::from_utf8(bytes).map_err(|_| Error::Protocol("server item is not UTF-8".into()))
}

/// A server item as the plan takes it: iCalendar 2.0, a UID (one is given, stable per
/// GUID, when the server dropped it), fingerprints.
fn server_item(
    c: &ItemCommand,
    item: &Item,
    data: Option<ItemData>,
    href: Href,
    guid: Option<&str>,
    device_id: &str,
) -> Result<ServerItem> {
    let text = item_text(c, item, data)?;
    let mut ics = ical::vcal::to_icalendar(&text)?;
    if ical::uid_of(&ics).is_err() {
        let uid = format!("synchro-{}-{}", device_id, guid.unwrap_or(href.as_str()));
        ics = ics.replacen("BEGIN:VEVENT", &format!("BEGIN:VEVENT\r\nUID:{uid}"), 1);
    }
    let uid = ical::uid_of(&ics)?;
    let fp = ical::fingerprint(&ics)?;
    let event = ical::ics_to_event(&ics)?;
    Ok(ServerItem {
        href,
        etag: Etag::new(""),
        uid,
        fp,
        event_fp: ical::event_fingerprint(&event),
        // As a downloaded calendar planned whole: the event is about as large as its text,
        // so it is parsed again when written; its pairing key is kept.
        pair_key: Some(crate::sync::pairing::content_key(&event)),
        event: None,
        ics: ics.into(),
    })
}
