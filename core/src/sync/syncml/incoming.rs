//! The server's package: its Add / Replace / Delete turned into the shared plan's
//! [`ServerScan`]. Server Adds are addressed by the server's GUID (`guid:<GUID>` as href,
//! mapped to our LUID after they are applied); Replace and Delete by our LUID (the row id).
//! The payload's real version is read from the data, never from the declared type:
//! vCalendar 1.0 is converted to iCalendar 2.0.

use crate::ical;
use crate::model::{Etag, Href};
use crate::remote::syncml::auth::b64_decode;
use crate::remote::syncml::{Command, Item, ItemCommand, ItemData, SyncMl};
use crate::store::ItemRecord;
use crate::sync::plan::{ServerChange, ServerItem, ServerScan};
use crate::{Error, Result};
use std::collections::HashMap;

/// A server command that wants a Status once we know how it went.
#[derive(Debug, Clone)]
pub struct Received {
    /// The server message it came in.
    pub msg_id: u32,
    /// The command.
    pub cmd: Command,
    /// The GUID of a server Add (for the Map).
    pub guid: Option<String>,
    /// Why it could not be used, if so (answered with an error status).
    pub error: Option<String>,
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

/// Reads the Sync commands of the server's messages, each message dropped once read: the
/// item data moves into the scan, and what is kept to answer each command holds none.
pub fn read(messages: Vec<SyncMl>, items: &[ItemRecord], device_id: &str) -> ServerPackage {
    let rows: HashMap<i64, &ItemRecord> = items.iter().map(|i| (i.id, i)).collect();
    let mut pkg = ServerPackage::default();
    for m in messages {
        let msg_id = m.header.msg_id;
        for cmd in m.body.commands {
            if let Command::Sync(mut sync) = cmd {
                let children = std::mem::take(&mut sync.commands);
                pkg.received.push(Received {
                    msg_id,
                    cmd: Command::Sync(sync),
                    guid: None,
                    error: None,
                });
                let mut flat = Vec::new();
                flatten(children, &mut flat);
                for child in flat {
                    read_change(&mut pkg, msg_id, child, &rows, device_id);
                }
            }
        }
    }
    pkg
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

fn read_change(
    pkg: &mut ServerPackage,
    msg_id: u32,
    cmd: Command,
    rows: &HashMap<i64, &ItemRecord>,
    device_id: &str,
) {
    let (mut c, kind) = match cmd {
        Command::Add(c) => (c, "Add"),
        Command::Replace(c) => (c, "Replace"),
        Command::Delete(c) => (c, "Delete"),
        other => {
            let error = Some(format!("{} is not supported", other.name()));
            pkg.received.push(Received {
                msg_id,
                cmd: other,
                guid: None,
                error,
            });
            return;
        }
    };
    // One command per item, so that each gets its own Status.
    for item in std::mem::take(&mut c.items) {
        let Some(mut item) = reassemble(pkg, &c, item) else {
            // A chunk with MoreData: the session answered it (213).
            continue;
        };
        // The data goes to the scan; the command kept for its Status holds none.
        let data = item.data.take();
        let single = ItemCommand {
            items: vec![item.clone()],
            ..c.clone()
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
        let mut received = Received {
            msg_id,
            cmd: single_cmd,
            guid: None,
            error: None,
        };
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
                        .href
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
                    Ok(si) => match row {
                        Some(r) => {
                            pkg.scan.changed.insert(r, ServerChange::Changed(si));
                        }
                        None => {
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
