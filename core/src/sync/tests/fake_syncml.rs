//! A SyncML DS server in memory behind the scripted HTTP server, answering the client's
//! packages with messages built and encoded by the core's own codec: sync Alerts (the
//! client's mode, or one the test forces), Statuses for every command, the client's
//! changes applied, its own changes sent in a Sync, Maps recorded. md5 as SyncEvolution's
//! server checks it: over the empty nonce until it has given one in a challenge, then over
//! that one; a wrong credential gets 401 and a challenge. Faults: an md5 challenge on the
//! first message, a server package split over two messages with its last item as a
//! Large Object (MoreData, answered by Alert 222), a Status error for the client's Adds.

use crate::remote::syncml::auth::{md5_credential, AUTH_MD5};
use crate::remote::syncml::build::alert_code;
use crate::remote::syncml::{
    decode_any, encode, Alert, Chal, Command, Encoding, Item, ItemCommand, ItemData, Location,
    Meta, Status, Sync, SyncHdr, SyncMl,
};
use crate::remote::testserver::{answer, serve_with, Seen};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

const CLIENT_DB: &str = "./calendar";
const SERVER_DB: &str = "calendar";
const NONCE: &str = "bm9uY2UtMQ==";

#[derive(Default)]
struct State {
    /// GUID → iCalendar.
    items: BTreeMap<String, String>,
    counter: u64,
    /// GUID → the client's LUID.
    luids: HashMap<String, String>,
    /// GUIDs changed or added here since the client's last sync.
    dirty: Vec<String>,
    /// The client's LUIDs of items deleted here since its last sync.
    deleted: Vec<String>,
    /// The mode alerted at the next session instead of the client's.
    force_mode: Option<u16>,
    challenge: bool,
    /// A challenge gave the client [`NONCE`]: md5 is checked over it from then on (over the
    /// empty nonce before).
    nonce_given: bool,
    split: bool,
    add_status: Option<u16>,
    /// The session's mode, once alerted.
    mode: u16,
    msg_id: u32,
    /// The rest of a split package, sent on Alert 222.
    rest: Vec<Command>,
    /// The credential type of each message.
    credentials_seen: Vec<Option<String>>,
    /// Alerts 222 received.
    next_message_alerts: usize,
    /// POSTs received.
    posts: usize,
    /// The POST (1-based) answered with an HTTP status before being read.
    fail_post: Option<(usize, u16)>,
}

impl State {
    fn new_guid(&mut self) -> String {
        self.counter += 1;
        format!("g{}", self.counter)
    }
}

/// The fake server; clones share it.
#[derive(Clone)]
pub struct FakeSyncMl {
    state: Arc<Mutex<State>>,
    base: String,
}

impl FakeSyncMl {
    /// An empty calendar at `<base>/sync`.
    pub fn start(user: &'static str, password: &'static str) -> FakeSyncMl {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let base = serve_with(move |seen| {
            let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
            handle(&mut s, seen, user, password)
        });
        FakeSyncMl { state, base }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The URL clients post to.
    pub fn url(&self) -> String {
        format!("{}/sync", self.base)
    }

    /// Another client adds an event.
    pub fn add(&self, ics: &str) {
        let mut s = self.lock();
        let guid = s.new_guid();
        s.items.insert(guid.clone(), ics.to_string());
        s.dirty.push(guid);
    }

    /// Another client replaces the event whose iCalendar contains `needle`.
    pub fn replace(&self, needle: &str, ics: &str) {
        let mut s = self.lock();
        let guid = s
            .items
            .iter()
            .find(|(_, i)| i.contains(needle))
            .map(|(g, _)| g.clone())
            .expect("an item to replace");
        s.items.insert(guid.clone(), ics.to_string());
        s.dirty.push(guid);
    }

    /// Another client deletes the event whose iCalendar contains `needle`.
    pub fn delete(&self, needle: &str) {
        let mut s = self.lock();
        let guid = s
            .items
            .iter()
            .find(|(_, i)| i.contains(needle))
            .map(|(g, _)| g.clone())
            .expect("an item to delete");
        s.items.remove(&guid);
        s.dirty.retain(|g| *g != guid);
        if let Some(luid) = s.luids.remove(&guid) {
            s.deleted.push(luid);
        }
    }

    /// Every item's iCalendar.
    pub fn items(&self) -> Vec<String> {
        self.lock().items.values().cloned().collect()
    }

    /// The next session runs in `mode` whatever the client asks.
    pub fn force_mode(&self, mode: u16) {
        self.lock().force_mode = Some(mode);
    }

    /// The next message is answered with an md5 challenge (407 and a nonce).
    pub fn challenge_md5(&self) {
        self.lock().challenge = true;
    }

    /// The next server package goes over two messages, its last item as a Large Object.
    pub fn split_next_package(&self) {
        self.lock().split = true;
    }

    /// The client's Adds are answered with `status` (`None`: 201 again).
    pub fn add_status(&self, status: Option<u16>) {
        self.lock().add_status = status;
    }

    /// The `n`-th POST from now on (1: the next) is answered with HTTP `status`, unread.
    pub fn fail_post(&self, n: usize, status: u16) {
        let mut s = self.lock();
        s.fail_post = Some((s.posts + n, status));
    }

    /// How many times the client asked for the rest of a package (Alert 222).
    pub fn next_message_alerts(&self) -> usize {
        self.lock().next_message_alerts
    }

    /// The credential types the messages carried, in order.
    pub fn credentials(&self) -> Vec<Option<String>> {
        self.lock().credentials_seen.clone()
    }
}

fn item_command(meta_type: bool, item: Item) -> ItemCommand {
    ItemCommand {
        meta: meta_type.then(|| Box::new(Meta::of_type("text/calendar"))),
        items: vec![item],
        ..ItemCommand::default()
    }
}

fn handle(s: &mut State, seen: &Seen, user: &str, password: &str) -> String {
    s.posts += 1;
    if let Some((n, status)) = s.fail_post {
        if n == s.posts {
            s.fail_post = None;
            return answer(&format!("{status} Fault"), &[], "");
        }
    }
    let ct = crate::remote::testserver::header(seen, "content-type");
    let Ok((_, m)) = decode_any(&seen.body, ct) else {
        return answer("400 Bad Request", &[], "");
    };
    s.msg_id += 1;
    let hdr = SyncHdr::new(
        m.header.version,
        m.header.session_id.clone(),
        s.msg_id,
        Location::new(m.header.source.loc_uri.clone()),
        Location::new(m.header.target.loc_uri.clone()),
    );
    let mut reply = SyncMl::new(hdr);
    reply.body.final_ = true;
    let cred_type = m
        .header
        .cred
        .as_ref()
        .and_then(|c| c.meta.as_ref()?.type_.clone());
    s.credentials_seen.push(cred_type.clone());
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let challenge = Chal {
        meta: Box::new(Meta {
            type_: Some(AUTH_MD5.into()),
            format: Some("b64".into()),
            next_nonce: Some(NONCE.into()),
            ..Meta::default()
        }),
    };
    if s.challenge {
        s.challenge = false;
        s.nonce_given = true;
        let mut st = Status::for_header(next(), &m.header, 407);
        st.chal = Some(challenge);
        reply.push(Command::Status(st));
        return encoded(&reply);
    }
    let expected_nonce = if s.nonce_given { NONCE } else { "" };
    let hdr_code = match &m.header.cred {
        Some(c) if cred_type.as_deref() == Some(AUTH_MD5) => {
            if c.data == md5_credential(user, password, expected_nonce) {
                212
            } else {
                401
            }
        }
        Some(_) => 212,
        None => 200,
    };
    let mut hdr_status = Status::for_header(next(), &m.header, hdr_code);
    if hdr_code == 401 {
        s.nonce_given = true;
        hdr_status.chal = Some(challenge);
        reply.push(Command::Status(hdr_status));
        return encoded(&reply);
    }
    reply.push(Command::Status(hdr_status));
    let mut server_sync = None;
    for cmd in &m.body.commands {
        match cmd {
            Command::Status(_) => {}
            Command::Alert(a) if a.code == alert_code::NEXT_MESSAGE => {
                s.next_message_alerts += 1;
                reply.push(Command::Status(Status::for_command(
                    next(),
                    m.header.msg_id,
                    cmd,
                    200,
                )));
                for c in std::mem::take(&mut s.rest) {
                    reply.push(c);
                }
            }
            Command::Alert(a) => {
                let mode = s.force_mode.take().unwrap_or(a.code);
                s.mode = mode;
                reply.push(Command::Status(Status::for_command(
                    next(),
                    m.header.msg_id,
                    cmd,
                    200,
                )));
                reply.push(Command::Alert(Alert::sync(
                    next(),
                    mode,
                    CLIENT_DB,
                    SERVER_DB,
                    None,
                    &format!("srv{}", s.msg_id),
                    None,
                )));
            }
            Command::Sync(sync) => {
                reply.push(Command::Status(Status::for_command(
                    next(),
                    m.header.msg_id,
                    cmd,
                    200,
                )));
                let mut from_client = Vec::new();
                for c in &sync.commands {
                    let code = apply_client_change(s, c, &mut from_client);
                    reply.push(Command::Status(Status::for_command(
                        next(),
                        m.header.msg_id,
                        c,
                        code,
                    )));
                }
                server_sync = Some(server_changes(s, &from_client));
            }
            Command::Map(map) => {
                reply.push(Command::Status(Status::for_command(
                    next(),
                    m.header.msg_id,
                    cmd,
                    200,
                )));
                for mi in &map.items {
                    s.luids.insert(mi.target.clone(), mi.source.clone());
                }
            }
            other => {
                reply.push(Command::Status(Status::for_command(
                    next(),
                    m.header.msg_id,
                    other,
                    200,
                )));
            }
        }
    }
    if let Some(mut sync) = server_sync {
        sync.cmd_id = next();
        if s.split && !sync.commands.is_empty() {
            s.split = false;
            let last = sync.commands.pop();
            let Some(Command::Add(mut add)) = last else {
                panic!("the split package ends with an Add");
            };
            let item = add.items.remove(0);
            let Some(ItemData::Text(text)) = item.data.clone() else {
                panic!("an Add with text");
            };
            let cut = text.len() / 2;
            let mut first = item.clone();
            first.data = Some(ItemData::Text(text[..cut].to_string()));
            first.more_data = true;
            let mut meta = Meta::of_type("text/calendar");
            meta.size = Some(text.len() as u64);
            let mut second = item;
            second.data = Some(ItemData::Text(text[cut..].to_string()));
            let mut part1 = sync.clone();
            part1.commands.push(Command::Add(ItemCommand {
                cmd_id: next(),
                meta: Some(Box::new(meta)),
                items: vec![first],
                ..ItemCommand::default()
            }));
            let mut part2 = sync;
            part2.cmd_id = 1;
            part2.commands = vec![Command::Add(ItemCommand {
                cmd_id: 2,
                ..item_command(true, second)
            })];
            reply.push(Command::Sync(part1));
            reply.body.final_ = false;
            s.rest.push(Command::Sync(part2));
        } else {
            reply.push(Command::Sync(sync));
        }
    }
    encoded(&reply)
}

/// Applies one change of the client; returns its Status code.
fn apply_client_change(s: &mut State, c: &Command, from_client: &mut Vec<String>) -> u16 {
    let (Command::Add(ic) | Command::Replace(ic) | Command::Delete(ic)) = c else {
        return 406;
    };
    let Some(item) = ic.items.first() else {
        return 400;
    };
    let luid = item
        .source
        .as_ref()
        .map(|l| l.loc_uri.clone())
        .unwrap_or_default();
    let text = match &item.data {
        Some(ItemData::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let known = s
        .luids
        .iter()
        .find(|(_, l)| **l == luid)
        .map(|(g, _)| g.clone());
    match (c, known) {
        (Command::Delete(_), Some(guid)) => {
            s.items.remove(&guid);
            s.luids.remove(&guid);
            200
        }
        (Command::Delete(_), None) => 211,
        (Command::Replace(_), Some(guid)) => {
            s.items.insert(guid.clone(), text.unwrap_or_default());
            from_client.push(guid);
            200
        }
        (Command::Add(_), _) if s.add_status.is_some() => s.add_status.unwrap_or(500),
        _ => {
            // An Add, or a slow sync's Replace of an item the server does not know.
            let text = text.unwrap_or_default();
            let uid = crate::ical::ics_to_event(&text)
                .map(|e| e.uid.to_string())
                .ok();
            let twin = s
                .items
                .iter()
                .find(|(_, i)| {
                    uid.is_some()
                        && crate::ical::ics_to_event(i).map(|e| e.uid.to_string()).ok() == uid
                })
                .map(|(g, _)| g.clone());
            let guid = twin.unwrap_or_else(|| s.new_guid());
            s.items.insert(guid.clone(), text);
            s.luids.insert(guid.clone(), luid);
            from_client.push(guid);
            201
        }
    }
}

/// The server's changes for this session: everything in a slow or refresh sync, else what
/// changed here since the client's last sync.
fn server_changes(s: &mut State, from_client: &[String]) -> Sync {
    let mut sync = Sync::new(0, CLIENT_DB, SERVER_DB);
    let everything = matches!(s.mode, alert_code::SLOW | alert_code::REFRESH_FROM_SERVER);
    let guids: Vec<String> = if everything {
        s.items.keys().cloned().collect()
    } else {
        std::mem::take(&mut s.dirty)
    };
    s.dirty.clear();
    for guid in guids {
        if from_client.contains(&guid) && !everything {
            continue;
        }
        let Some(ics) = s.items.get(&guid).cloned() else {
            continue;
        };
        let data = Some(ItemData::Text(ics));
        match s.luids.get(&guid) {
            Some(luid) if !everything => sync.push(Command::Replace(item_command(
                true,
                Item {
                    target: Some(Location::new(luid.clone())),
                    source: Some(Location::new(guid.clone())),
                    data,
                    ..Item::default()
                },
            ))),
            _ => sync.push(Command::Add(item_command(
                true,
                Item {
                    source: Some(Location::new(guid.clone())),
                    data,
                    ..Item::default()
                },
            ))),
        };
    }
    for luid in std::mem::take(&mut s.deleted) {
        sync.push(Command::Delete(item_command(
            false,
            Item {
                target: Some(Location::new(luid)),
                ..Item::default()
            },
        )));
    }
    let mut id = 100;
    for c in &mut sync.commands {
        id += 1;
        if let Command::Add(ic) | Command::Replace(ic) | Command::Delete(ic) = c {
            ic.cmd_id = id;
        }
    }
    sync
}

fn encoded(reply: &SyncMl) -> String {
    let body = encode(reply, Encoding::Xml).expect("the codec encodes what it built");
    answer(
        "200 OK",
        &["Content-Type: application/vnd.syncml+xml"],
        &String::from_utf8(body).expect("XML"),
    )
}
