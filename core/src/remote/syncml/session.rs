//! A SyncML client session over HTTP: one POST per message, `RespURI` for the rest of the
//! session, SessionID / MsgID / CmdID bookkeeping, a Status for every server command that
//! wants one, Alert 222 while the server's package continues, in-message authentication
//! (basic, md5 with a nonce kept across sessions, or the empty nonce before any; 401 / 407
//! answered once with the challenged type; 212 ends sending credentials), splitting our
//! packages at the server's MaxMsgSize, and Large Objects both ways (our items too large for
//! a message go in chunks, Size on the first, MoreData on all but the last; the server's
//! chunks are answered 213).
//!
//! The session answers what it can on its own (the SyncHdr, Put / Results / Get of DevInf,
//! Alert 222); the sync layer answers the rest (sync Alerts, Sync and its items, Map) with
//! [`Session::answer`] before the next [`Session::package`].

use super::auth::{basic_credential, md5_credential, AuthType};
use super::build::alert_code;
use super::devinf::DevInf;
use super::*;
use crate::error::{Error, Result};
use crate::remote::http::HttpClient;
use log::{debug, warn};

/// Our MaxMsgSize, announced in every SyncHdr: how large the server's messages to us may be.
/// A slow sync downloads the whole calendar, one round trip per server message, so this is
/// set well above the 150,000 bytes servers usually take themselves (SyncEvolution's server
/// then sends 1,000 events in 8 messages instead of 12); a megabyte stays small for a phone.
pub const CLIENT_MAX_MSG_SIZE: u64 = 1_000_000;
/// Our MaxObjSize.
pub const CLIENT_MAX_OBJ_SIZE: u64 = 4_000_000;
/// Most messages the server may send without a Final before we give up (a loop guard).
const MAX_CONTINUATIONS: usize = 10_000;
/// Bytes kept free below the server's MaxMsgSize when filling a message.
const SIZE_MARGIN: usize = 512;

/// What a session needs to know.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The server URL (SyncHdr Target of the first message).
    pub url: String,
    /// Our device id (SyncHdr Source).
    pub device_id: String,
    /// User name (empty: no credentials).
    pub username: String,
    /// How to authenticate. md5 is computed over the server's last nonce; without one (a
    /// first session), over the empty nonce, as SyncEvolution's and Funambol's clients do:
    /// a server that has given this device no nonce yet expects exactly that (libsynthesis
    /// checks against the device's stored nonce, empty at first) and answers 212 at once.
    /// A server expecting another nonce answers 401 or 407 with a challenge, and the
    /// session starts again once with its NextNonce (one message more); a refusal without a
    /// challenge makes it start again once without credentials, to get one.
    pub auth: AuthType,
    /// With md5 chosen, accept a server's request for basic (the password then travels
    /// base64-encoded, readable by anyone who sees the traffic). Off: such a request is
    /// refused with [`Error::AuthDowngrade`].
    pub allow_basic: bool,
    /// Send basic credentials over plain http (without TLS).
    pub allow_insecure_http: bool,
    /// The md5 nonce (base64) the server gave last time.
    pub nonce: Option<String>,
    /// XML or WBXML.
    pub encoding: Encoding,
    /// The MaxMsgSize we announce (`None`: [`CLIENT_MAX_MSG_SIZE`]); the server splits its
    /// packages, and chunks larger items as Large Objects, to fit.
    pub max_msg_size: Option<u64>,
}

/// One SyncML session. The password lives here only, never in messages of logs.
pub struct Session {
    http: HttpClient,
    config: SessionConfig,
    password: String,
    version: SyncMlVersion,
    session_id: String,
    next_msg_id: u32,
    target: String,
    authenticated: bool,
    auth: AuthType,
    nonce: Option<String>,
    /// md5 without a known nonce goes over the empty nonce; off once a server refused that
    /// without a challenge (the next message then carries no credentials, to get one).
    md5_empty_nonce: bool,
    auth_retry_used: bool,
    /// The server refused SyncML 1.2 once and we went on in 1.1.
    version_fallback_used: bool,
    server_max_msg_size: Option<u64>,
    pending: Vec<Command>,
    devinf: Option<DevInf>,
    server_devinf: Option<DevInf>,
    last_header: Option<SyncHdr>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("session_id", &self.session_id)
            .field("target", &self.target)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new session (nothing is sent yet). `devinf` answers a server's Get.
    pub fn new(http: HttpClient, config: SessionConfig, password: &str, devinf: DevInf) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let session_id = format!("{}", now % 1_000_000_000);
        let auth = if config.username.is_empty() {
            AuthType::None
        } else {
            config.auth
        };
        Session {
            http,
            target: config.url.clone(),
            nonce: config.nonce.clone(),
            config,
            password: password.to_string(),
            version: SyncMlVersion::V1_2,
            session_id,
            next_msg_id: 1,
            authenticated: false,
            auth,
            md5_empty_nonce: true,
            auth_retry_used: false,
            version_fallback_used: false,
            server_max_msg_size: None,
            pending: Vec::new(),
            devinf: Some(devinf),
            server_devinf: None,
            last_header: None,
        }
    }

    /// The HTTP client (for its counters).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The nonce to keep for the next session.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The auth type the server accepted (or last asked for).
    pub fn auth_type(&self) -> AuthType {
        self.auth
    }

    /// The encoding of messages.
    pub fn encoding(&self) -> Encoding {
        self.config.encoding
    }

    /// The MsgID our next message will carry (the first of the next package).
    pub fn next_msg_id(&self) -> u32 {
        self.next_msg_id
    }

    /// The SyncML version spoken.
    pub fn version(&self) -> SyncMlVersion {
        self.version
    }

    /// The server's DevInf, when it sent one.
    pub fn server_devinf(&self) -> Option<&DevInf> {
        self.server_devinf.as_ref()
    }

    /// Queues the Status answering `cmd` of server message `msg_id` for our next message
    /// (nothing when the command asked for no response).
    pub fn answer(&mut self, msg_id: u32, cmd: &Command, code: u16) {
        if cmd.no_resp() {
            return;
        }
        self.pending
            .push(Command::Status(Status::for_command(0, msg_id, cmd, code)));
    }

    /// Queues a Status with items (e.g. the anchor echo of an Alert) as built by the caller.
    pub fn answer_with(&mut self, status: Status) {
        self.pending.push(Command::Status(status));
    }

    /// True when Statuses wait to be sent.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Sends one package of ours (`commands`, split over several messages when the server's
    /// MaxMsgSize asks for it) and returns every server message up to the server's Final.
    /// Queued Statuses go first.
    pub fn package(&mut self, commands: Vec<Command>) -> Result<Vec<SyncMl>> {
        let mut replies = Vec::new();
        self.package_each(commands, |reply| {
            replies.push(reply);
            Ok(())
        })?;
        Ok(replies)
    }

    /// [`Self::package`], each server message handed to `take` as it comes (before the next
    /// is asked for), so that a package of any size is held one message at a time. An
    /// error from `take` ends the package there.
    pub fn package_each(
        &mut self,
        commands: Vec<Command>,
        mut take: impl FnMut(SyncMl) -> Result<()>,
    ) -> Result<()> {
        // Statuses for the items of earlier server messages (thousands after a large
        // download) may go in any later message: they are split with the package, in front
        // of it. Those of SyncHdrs go first in the next message, and Results with them.
        let (headers, items): (Vec<Command>, Vec<Command>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|c| !matches!(c, Command::Status(s) if s.cmd != "SyncHdr"));
        self.pending = headers;
        let chunks = self.split(items.into_iter().chain(commands).collect())?;
        let n = chunks.len();
        let mut last_final = false;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let reply = self.exchange(chunk, i + 1 == n)?;
            last_final = reply.body.final_;
            take(reply)?;
        }
        let mut continuations = 0;
        while !last_final {
            continuations += 1;
            if continuations > MAX_CONTINUATIONS {
                return Err(Error::Protocol("the server never ended its package".into()));
            }
            let alert = Command::Alert(Alert {
                code: alert_code::NEXT_MESSAGE,
                ..Alert::default()
            });
            let reply = self.exchange(vec![alert], false)?;
            last_final = reply.body.final_;
            take(reply)?;
        }
        Ok(())
    }

    /// True once a message went out: the server knows this session.
    pub fn started(&self) -> bool {
        self.next_msg_id > 1
    }

    /// Tells the server the session is suspended (Alert 224, DS 1.2), e.g. because the user
    /// cancelled; the server may then accept a resume (Alert 225) next time.
    pub fn suspend(&mut self, server_db: &str, local_db: &str) -> Result<()> {
        let alert = Command::Alert(Alert::plain(0, alert_code::SUSPEND, server_db, local_db));
        self.exchange(vec![alert], true).map(|_| ())
    }

    /// Sends the queued Statuses as the last message of the session (when the server's last
    /// message still wanted answers) and expects the server's closing message.
    pub fn finish(&mut self) -> Result<Option<SyncMl>> {
        let wants_answer = self.pending.iter().any(|c| match c {
            Command::Status(s) => s.cmd != "SyncHdr",
            _ => true,
        });
        if !wants_answer {
            self.pending.clear();
            return Ok(None);
        }
        self.exchange(Vec::new(), true).map(Some)
    }

    /// Splits a package at the server's MaxMsgSize: a Sync or a Map too large for one
    /// message goes on over several messages, each with a part of its items.
    fn split(&self, commands: Vec<Command>) -> Result<Vec<Vec<Command>>> {
        let Some(limit) = self.server_max_msg_size else {
            return Ok(vec![commands]);
        };
        let limit = (limit as usize).saturating_sub(SIZE_MARGIN).max(1024);
        let enc = self.config.encoding;
        let header = self.header(0, false);
        let base = encoded_size(&SyncMl::new(header), enc)?
            + self
                .pending
                .iter()
                .map(|c| command_size(c, self.version, enc))
                .sum::<Result<usize>>()?;
        let mut out: Vec<Vec<Command>> = Vec::new();
        let mut current: Vec<Command> = Vec::new();
        let mut size = base;
        for cmd in commands {
            let s = command_size(&cmd, self.version, enc)?;
            if size + s <= limit {
                size += s;
                current.push(cmd);
                continue;
            }
            match cmd {
                Command::Sync(sync) => {
                    let mut shell = Sync {
                        commands: Vec::new(),
                        ..sync.clone()
                    };
                    let shell_size =
                        command_size(&Command::Sync(shell.clone()), self.version, enc)?;
                    let room = limit.saturating_sub(self.header_size()? + shell_size);
                    for child in sync.commands {
                        let cs = command_size(&child, self.version, enc)?;
                        let chunks = if cs > room {
                            self.chunks(child, room)?
                        } else {
                            vec![child]
                        };
                        for chunk in chunks {
                            let cs = command_size(&chunk, self.version, enc)?;
                            if size + shell_size + cs > limit
                                && (!shell.commands.is_empty() || !current.is_empty())
                            {
                                if !shell.commands.is_empty() {
                                    current.push(Command::Sync(shell.clone()));
                                    shell.commands.clear();
                                }
                                out.push(std::mem::take(&mut current));
                                size = self.header_size()?;
                            }
                            size += cs;
                            let more = more_data(&chunk);
                            shell.commands.push(chunk);
                            // A chunk with MoreData ends its message: the server answers
                            // 213 before the next one.
                            if more {
                                current.push(Command::Sync(shell.clone()));
                                shell.commands.clear();
                                out.push(std::mem::take(&mut current));
                                size = self.header_size()?;
                            }
                        }
                    }
                    size += shell_size;
                    current.push(Command::Sync(shell));
                }
                // A Map too large for one message goes on in further Map commands, each
                // with the mappings that fit (a first sync of thousands of server events).
                Command::Map(map) if !map.items.is_empty() => {
                    let empty = Map {
                        items: Vec::new(),
                        ..map.clone()
                    };
                    let shell_size = command_size(&Command::Map(empty.clone()), self.version, enc)?;
                    let mut part = empty.clone();
                    for item in map.items {
                        let one = Command::Map(Map {
                            items: vec![item.clone()],
                            ..empty.clone()
                        });
                        let item_size =
                            command_size(&one, self.version, enc)?.saturating_sub(shell_size);
                        let opening = if part.items.is_empty() { shell_size } else { 0 };
                        if size + opening + item_size > limit
                            && (!part.items.is_empty() || !current.is_empty())
                        {
                            if !part.items.is_empty() {
                                let full = std::mem::replace(&mut part, empty.clone());
                                current.push(Command::Map(full));
                            }
                            out.push(std::mem::take(&mut current));
                            size = self.header_size()? + shell_size + item_size;
                        } else {
                            size += opening + item_size;
                        }
                        part.items.push(item);
                    }
                    current.push(Command::Map(part));
                }
                other => {
                    if !current.is_empty() {
                        out.push(std::mem::take(&mut current));
                        size = self.header_size()?;
                    }
                    size += s;
                    current.push(other);
                }
            }
        }
        out.push(current);
        Ok(out)
    }

    /// Cuts an Add or Replace too large for one message into Large Object chunks that fit
    /// in `room` bytes each: the first carries the total Size in its Item Meta, all but the
    /// last carry MoreData. Other commands come back whole.
    fn chunks(&self, cmd: Command, room: usize) -> Result<Vec<Command>> {
        let (c, is_add) = match &cmd {
            Command::Add(c) => (c, true),
            Command::Replace(c) => (c, false),
            _ => return Ok(vec![cmd]),
        };
        let (Some(item), 1) = (c.items.first(), c.items.len()) else {
            return Ok(vec![cmd]);
        };
        let Some(ItemData::Text(text)) = &item.data else {
            return Ok(vec![cmd]);
        };
        let wrap = |data: &str, first: bool, more: bool| {
            let mut item = item.clone();
            item.data = Some(ItemData::Text(data.to_string()));
            item.more_data = more;
            if first {
                let mut meta = item.meta.clone().unwrap_or_default();
                meta.size = Some(text.len() as u64);
                item.meta = Some(meta);
            }
            let ic = ItemCommand {
                items: vec![item],
                ..c.clone()
            };
            if is_add {
                Command::Add(ic)
            } else {
                Command::Replace(ic)
            }
        };
        let overhead = command_size(&wrap("", true, true), self.version, self.config.encoding)?;
        // Escaping (XML) can make data longer than its bytes: leave a quarter for it.
        let budget = room.saturating_sub(overhead) * 3 / 4;
        if budget < 256 {
            return Err(Error::Protocol(
                "the server's MaxMsgSize is too small for Large Objects".into(),
            ));
        }
        let mut out = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let mut end = budget.min(rest.len());
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            let (part, tail) = rest.split_at(end);
            out.push(wrap(part, out.is_empty(), !tail.is_empty()));
            rest = tail;
        }
        Ok(out)
    }

    fn header_size(&self) -> Result<usize> {
        encoded_size(&SyncMl::new(self.header(0, false)), self.config.encoding)
    }

    fn header(&self, msg_id: u32, with_cred: bool) -> SyncHdr {
        let mut h = SyncHdr::new(
            self.version,
            self.session_id.clone(),
            msg_id,
            Location::new(self.target.clone()),
            Location::new(self.config.device_id.clone()),
        );
        h.meta = Some(Box::new(Meta {
            max_msg_size: Some(self.config.max_msg_size.unwrap_or(CLIENT_MAX_MSG_SIZE)),
            max_obj_size: Some(CLIENT_MAX_OBJ_SIZE),
            ..Meta::default()
        }));
        if with_cred {
            h.cred = self.credential();
            // The md5 digest hides the user name: servers want it in clear in LocName.
            if h.cred.is_some() {
                h.source.loc_name = Some(self.config.username.clone());
            }
        }
        h
    }

    /// The credential for the next message: md5 over the server's nonce, or over the empty
    /// nonce while none is known (none at all once a server refused that without a
    /// challenge); basic is only ever built when it was chosen or the server asked for it,
    /// and allowed.
    fn credential(&self) -> Option<Cred> {
        let user = &self.config.username;
        match self.auth {
            AuthType::None => None,
            AuthType::Basic => Some(Cred::new(
                super::auth::AUTH_BASIC,
                basic_credential(user, &self.password),
            )),
            AuthType::Md5 => {
                let nonce = match self.nonce.as_deref() {
                    Some(nonce) => nonce,
                    None if self.md5_empty_nonce => "",
                    None => return None,
                };
                Some(Cred::new(
                    super::auth::AUTH_MD5,
                    md5_credential(user, &self.password, nonce),
                ))
            }
        }
    }

    /// True when the next message's credential is md5 over the empty nonce (no nonce known).
    fn sends_md5_empty_nonce(&self) -> bool {
        self.auth == AuthType::Md5 && self.nonce.is_none() && self.md5_empty_nonce
    }

    /// Refuses to send basic credentials where they would be readable: over plain http
    /// unless allowed.
    fn check_basic_allowed(&self) -> Result<()> {
        if self.auth == AuthType::Basic
            && !self.config.allow_insecure_http
            && !self.target.starts_with("https:")
        {
            return Err(Error::Config(
                "SyncML basic authentication over plain http would send the password \
                 readable, so it was not sent: use an https:// URL, or allow it for this \
                 account with --allow-insecure-http"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Sends one message (queued Statuses, then `commands`) and returns the server's reply,
    /// after handling its header: RespURI, MaxMsgSize, auth, and the Statuses the session
    /// answers itself.
    fn exchange(&mut self, mut commands: Vec<Command>, final_: bool) -> Result<SyncMl> {
        let statuses = std::mem::take(&mut self.pending);
        loop {
            let msg_id = self.next_msg_id;
            self.next_msg_id += 1;
            if !self.authenticated {
                self.check_basic_allowed()?;
            }
            let empty_nonce_sent = !self.authenticated && self.sends_md5_empty_nonce();
            let mut msg = SyncMl::new(self.header(msg_id, !self.authenticated));
            let mut next_cmd = 1;
            for c in statuses.iter().chain(commands.iter()) {
                let mut c = c.clone();
                renumber(&mut c, &mut next_cmd);
                msg.push(c);
            }
            msg.body.final_ = final_;
            let reply = self.post(&msg)?;
            let hdr_status = reply.body.commands.iter().find_map(|c| match c {
                Command::Status(s) if s.cmd_ref == 0 && s.msg_ref == msg_id => Some(s.clone()),
                _ => None,
            });
            if let Some(s) = &hdr_status {
                self.learn_nonce(s);
            }
            match hdr_status.as_ref().map(|s| s.code) {
                Some(401 | 407) => {
                    let chal_type = hdr_status
                        .as_ref()
                        .and_then(|s| s.chal.as_ref())
                        .and_then(|c| c.meta.type_.as_deref())
                        .and_then(AuthType::from_meta_type);
                    if empty_nonce_sent && chal_type.is_none() {
                        // Refused without a challenge to learn a nonce from: once more
                        // without credentials, which gets one.
                        debug!("SyncML: md5 over the empty nonce refused without a challenge");
                        self.md5_empty_nonce = false;
                        self.restart();
                        continue;
                    }
                    if self.auth_retry_used
                        || self.config.username.is_empty()
                        || chal_type.is_none()
                    {
                        return Err(Error::Auth);
                    }
                    self.auth_retry_used = true;
                    let asked = chal_type.unwrap_or(AuthType::Basic);
                    if asked == AuthType::Basic
                        && self.config.auth != AuthType::Basic
                        && !self.config.allow_basic
                    {
                        warn!("SyncML: the server asks for basic auth instead of md5: refused");
                        return Err(Error::AuthDowngrade);
                    }
                    if asked == AuthType::Basic && self.config.auth != AuthType::Basic {
                        warn!("SyncML: the server asks for basic auth: allowed for this session");
                    }
                    self.auth = asked;
                    debug!(
                        "SyncML: the server asks for {}: retrying",
                        self.auth.as_str()
                    );
                    // A new session from the start, at the URL we began with.
                    self.restart();
                    continue;
                }
                Some(212) => self.authenticated = true,
                Some(200..=299) | None => {}
                Some(513 | 505)
                    if self.version == SyncMlVersion::V1_2 && !self.version_fallback_used =>
                {
                    // An older server: start again in SyncML 1.1, DevInf URIs included.
                    debug!("SyncML: the server refuses 1.2: going on in 1.1");
                    self.version_fallback_used = true;
                    self.version = SyncMlVersion::V1_1;
                    self.restart();
                    let (old, new) = (
                        SyncMlVersion::V1_2.devinf_uri(),
                        SyncMlVersion::V1_1.devinf_uri(),
                    );
                    commands = commands
                        .into_iter()
                        .map(|c| downgrade_devinf_uri(c, old, new))
                        .collect();
                    continue;
                }
                Some(513 | 505) => {
                    return Err(Error::Protocol(
                        "the server speaks neither SyncML 1.2 nor 1.1".into(),
                    ))
                }
                Some(code) => {
                    return Err(Error::Protocol(format!(
                        "the server refused the session (status {code})"
                    )))
                }
            }
            if reply.header.msg_id == 0 {
                warn!("SyncML: server message without MsgID");
            }
            if let Some(uri) = &reply.header.resp_uri {
                if !uri.is_empty() {
                    self.target = uri.clone();
                }
            }
            if let Some(m) = reply.header.meta.as_ref().and_then(|m| m.max_msg_size) {
                if self.server_max_msg_size != Some(m) {
                    debug!("SyncML: the server takes messages of up to {m} bytes");
                }
                self.server_max_msg_size = Some(m);
            }
            self.answer_own(&reply);
            return Ok(reply);
        }
    }

    fn restart(&mut self) {
        self.session_id = format!("{}", self.session_id.parse::<u64>().unwrap_or(0) + 1);
        self.next_msg_id = 1;
        self.target = self.config.url.clone();
    }

    /// Updates the md5 nonce from a Status's Chal.
    fn learn_nonce(&mut self, s: &Status) {
        if let Some(n) = s.chal.as_ref().and_then(|c| c.meta.next_nonce.clone()) {
            self.nonce = Some(n);
        }
    }

    /// Queues the Statuses the session gives itself: the SyncHdr, DevInf Put / Results,
    /// Get of our DevInf (with Results), Alert 222; learns nonces from every Status.
    fn answer_own(&mut self, reply: &SyncMl) {
        let msg_id = reply.header.msg_id;
        let hdr_code = 200;
        if !reply.header.no_resp {
            self.pending.push(Command::Status(Status::for_header(
                0,
                &reply.header,
                hdr_code,
            )));
        }
        for cmd in &reply.body.commands {
            match cmd {
                Command::Status(s) => self.learn_nonce(s),
                Command::Put(p) => {
                    for item in &p.items {
                        if let Some(ItemData::DevInf(d)) = &item.data {
                            self.server_devinf = Some((**d).clone());
                        }
                    }
                    self.answer(msg_id, cmd, 200);
                }
                Command::Results(r) => {
                    for item in &r.items {
                        if let Some(ItemData::DevInf(d)) = &item.data {
                            self.server_devinf = Some((**d).clone());
                        }
                    }
                }
                Command::Get(g) => {
                    self.answer(msg_id, cmd, 200);
                    if let Some(d) = self.devinf.clone() {
                        self.pending.push(Command::Results(Results::devinf(
                            0,
                            msg_id,
                            g.cmd_id,
                            self.version,
                            d,
                            self.config.encoding,
                        )));
                    }
                }
                Command::Alert(a) if a.code == alert_code::NEXT_MESSAGE => {
                    self.answer(msg_id, cmd, 200)
                }
                // A Large Object chunk is answered at once (213): the server sends the
                // next one only then. The sync layer answers the last chunk.
                Command::Sync(sync) => {
                    for child in &sync.commands {
                        if more_data(child) {
                            self.answer(msg_id, child, 213);
                        }
                    }
                }
                _ => {}
            }
        }
        self.last_header = Some(reply.header.clone());
    }

    fn post(&mut self, msg: &SyncMl) -> Result<SyncMl> {
        let enc = self.config.encoding;
        let body = encode(msg, enc)?;
        let ct = match enc {
            Encoding::Xml => format!("{XML_CONTENT_TYPE}; charset=UTF-8"),
            Encoding::Wbxml => WBXML_CONTENT_TYPE.to_string(),
        };
        let target = self.target.clone();
        let resp = self.http.request(
            "POST",
            &target,
            &[("Content-Type", &ct), ("Accept", enc.content_type())],
            Some(&body),
        )?;
        if resp.status == 401 || resp.status == 403 {
            return Err(Error::Auth);
        }
        if !(200..300).contains(&resp.status) {
            return Err(Error::Http {
                status: resp.status,
                context: "SyncML POST".into(),
            });
        }
        let (_, reply) = decode_any(&resp.body, resp.header("content-type"))?;
        Ok(reply)
    }
}

/// True for an item command whose (single) item goes on in the next message.
fn more_data(cmd: &Command) -> bool {
    match cmd {
        Command::Add(c) | Command::Replace(c) => c.items.iter().any(|i| i.more_data),
        _ => false,
    }
}

/// Gives `cmd` (and the commands nested in it) CmdIDs from `next` on.
fn renumber(cmd: &mut Command, next: &mut u32) {
    let id = *next;
    *next += 1;
    match cmd {
        Command::Alert(c) => c.cmd_id = id,
        Command::Status(c) => c.cmd_id = id,
        Command::Sync(c) => {
            c.cmd_id = id;
            for child in &mut c.commands {
                renumber(child, next);
            }
        }
        Command::Add(c)
        | Command::Replace(c)
        | Command::Delete(c)
        | Command::Copy(c)
        | Command::Move(c) => c.cmd_id = id,
        Command::Put(c) | Command::Get(c) => c.cmd_id = id,
        Command::Results(c) => c.cmd_id = id,
        Command::Map(c) => c.cmd_id = id,
        Command::Atomic(c) | Command::Sequence(c) => {
            c.cmd_id = id;
            for child in &mut c.commands {
                renumber(child, next);
            }
        }
        Command::Unsupported { cmd_id, .. } => *cmd_id = id,
    }
}

/// The same command with DevInf item URIs moved from `old` to `new` (`./devinf12` →
/// `./devinf11` when falling back to SyncML 1.1), and our DevInf marked 1.1.
fn downgrade_devinf_uri(cmd: Command, old: &str, new: &str) -> Command {
    let fix = |mut p: PutGet| {
        for item in &mut p.items {
            for loc in [item.source.as_mut(), item.target.as_mut()]
                .into_iter()
                .flatten()
            {
                if loc.loc_uri == old {
                    loc.loc_uri = new.to_string();
                }
            }
            if let Some(ItemData::DevInf(d)) = item.data.as_mut() {
                d.ver_dtd = "1.1".into();
            }
        }
        p
    };
    match cmd {
        Command::Put(p) => Command::Put(fix(p)),
        Command::Get(p) => Command::Get(fix(p)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::http::HttpConfig;
    use crate::remote::syncml::auth::{md5_credential, AUTH_MD5};
    use crate::remote::testserver::{answer, header, serve_with};
    use std::sync::{Arc, Mutex};

    /// A session for `test` / `test` with md5 and no nonce, talking to `url`.
    fn md5_session(url: &str, nonce: Option<&str>) -> Session {
        let http = HttpClient::new(HttpConfig::new("", "")).unwrap();
        let config = SessionConfig {
            url: url.to_string(),
            device_id: "dev-1".into(),
            username: "test".into(),
            auth: AuthType::Md5,
            allow_basic: false,
            allow_insecure_http: false,
            nonce: nonce.map(str::to_string),
            encoding: Encoding::Xml,
            max_msg_size: None,
        };
        Session::new(http, config, "test", DevInf::default())
    }

    /// A SyncML server answering message n with the SyncHdr status `script[n].0` and, when
    /// `script[n].1` is set, an md5 Chal carrying that NextNonce (`Some("")`: a Chal without
    /// one); records each message's credential data.
    fn scripted(
        script: Vec<(u16, Option<&'static str>)>,
    ) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
        let creds = Arc::new(Mutex::new(Vec::new()));
        let seen = creds.clone();
        let mut n = 0;
        let url = serve_with(move |req| {
            let (_, m) = decode_any(&req.body, header(req, "content-type")).unwrap();
            seen.lock()
                .unwrap()
                .push(m.header.cred.as_ref().map(|c| c.data.clone()));
            let (code, chal) = script[n.min(script.len() - 1)];
            n += 1;
            let hdr = SyncHdr::new(
                m.header.version,
                m.header.session_id.clone(),
                1,
                Location::new(m.header.source.loc_uri.clone()),
                Location::new(m.header.target.loc_uri.clone()),
            );
            let mut reply = SyncMl::new(hdr);
            let mut status = Status::for_header(1, &m.header, code);
            status.chal = chal.map(|nonce| Chal {
                meta: Box::new(Meta {
                    type_: Some(AUTH_MD5.into()),
                    format: Some("b64".into()),
                    next_nonce: (!nonce.is_empty()).then(|| nonce.to_string()),
                    ..Meta::default()
                }),
            });
            reply.push(Command::Status(status));
            reply.body.final_ = true;
            let body = String::from_utf8(encode(&reply, Encoding::Xml).unwrap()).unwrap();
            answer(
                "200 OK",
                &["Content-Type: application/vnd.syncml+xml"],
                &body,
            )
        });
        (format!("{url}/sync"), creds)
    }

    fn md5(nonce: &str) -> Option<String> {
        Some(md5_credential("test", "test", nonce))
    }

    #[test]
    fn md5_without_a_nonce_is_computed_over_the_empty_nonce() {
        let session = md5_session("http://127.0.0.1:9/sync", None);
        let cred = session
            .credential()
            .expect("a credential in the first message");
        assert_eq!(
            cred.meta.as_ref().and_then(|m| m.type_.as_deref()),
            Some(AUTH_MD5)
        );
        // What SyncEvolution 2.0's client sent in its first message for test / test with no
        // nonce known (b64(md5(b64(md5("test:test")) + ":"))).
        assert_eq!(cred.data, "x2EHlRSZiRM209YwocVlVg==");
        assert_eq!(Some(cred.data), md5(""));
        // With a nonce, over that nonce.
        let session = md5_session("http://127.0.0.1:9/sync", Some("bm9uY2U="));
        assert_eq!(session.credential().map(|c| c.data), md5("bm9uY2U="));
    }

    #[test]
    fn a_server_that_gave_no_nonce_yet_accepts_the_first_message() {
        let (url, creds) = scripted(vec![(212, Some("TjE="))]);
        let mut session = md5_session(&url, None);
        session.package(Vec::new()).unwrap();
        assert_eq!(*creds.lock().unwrap(), vec![md5("")]);
        assert_eq!(session.nonce(), Some("TjE="));
        assert_eq!(session.http().stats().requests, 1);
    }

    #[test]
    fn an_empty_nonce_refused_with_a_challenge_is_retried_once_with_its_nonce() {
        for code in [401, 407] {
            let (url, creds) = scripted(vec![(code, Some("TjE=")), (212, None)]);
            let mut session = md5_session(&url, None);
            session.package(Vec::new()).unwrap();
            assert_eq!(*creds.lock().unwrap(), vec![md5(""), md5("TjE=")], "{code}");
            assert_eq!(session.nonce(), Some("TjE="));
        }
    }

    #[test]
    fn an_empty_nonce_refused_without_a_challenge_is_retried_without_credentials() {
        let (url, creds) = scripted(vec![(401, None), (407, Some("TjE=")), (212, None)]);
        let mut session = md5_session(&url, None);
        session.package(Vec::new()).unwrap();
        assert_eq!(*creds.lock().unwrap(), vec![md5(""), None, md5("TjE=")]);
    }

    #[test]
    fn refusals_end_the_session_after_one_retry() {
        // Challenged every time (a wrong password): two messages, then Error::Auth.
        let (url, creds) = scripted(vec![(401, Some("TjE="))]);
        let mut session = md5_session(&url, None);
        assert!(matches!(session.package(Vec::new()), Err(Error::Auth)));
        assert_eq!(*creds.lock().unwrap(), vec![md5(""), md5("TjE=")]);
        // Never challenged: the empty nonce, then no credentials, then Error::Auth.
        let (url, creds) = scripted(vec![(401, None)]);
        let mut session = md5_session(&url, None);
        assert!(matches!(session.package(Vec::new()), Err(Error::Auth)));
        assert_eq!(*creds.lock().unwrap(), vec![md5(""), None]);
        // A Chal without NextNonce: the empty nonce once more, then Error::Auth.
        let (url, creds) = scripted(vec![(401, Some(""))]);
        let mut session = md5_session(&url, None);
        assert!(matches!(session.package(Vec::new()), Err(Error::Auth)));
        assert_eq!(*creds.lock().unwrap(), vec![md5(""), md5("")]);
    }

    /// A first slow sync of 5,000 server events ended with a Map of 5,000 mappings in one
    /// message, which SyncEvolution's server (MaxMsgSize 150,000) refused with a 500.
    #[test]
    fn a_map_larger_than_a_message_goes_on_in_further_maps() {
        let mut session = md5_session("http://127.0.0.1:9/sync", None);
        session.server_max_msg_size = Some(8000);
        let pairs: Vec<(String, String)> = (0..300)
            .map(|i| (format!("server-guid-{i:05}"), format!("{i}")))
            .collect();
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(g, l)| (g.as_str(), l.as_str()))
            .collect();
        let status = Command::Status(Status::for_header(1, &session.header(1, false), 200));
        let map = Command::Map(Map::new(0, "calendar", "./calendar", &refs));
        let messages = session.split(vec![status, map]).unwrap();
        assert!(messages.len() > 2, "{} messages", messages.len());
        let mut mapped = Vec::new();
        for (n, commands) in messages.iter().enumerate() {
            let mut message = SyncMl::new(session.header(n as u32 + 1, false));
            for c in commands {
                message.push(c.clone());
                if let Command::Map(m) = c {
                    assert!(!m.items.is_empty());
                    assert_eq!(m.target.loc_uri, "calendar");
                    mapped.extend(m.items.iter().map(|i| (i.target.clone(), i.source.clone())));
                }
            }
            let size = encoded_size(&message, Encoding::Xml).unwrap();
            assert!(size <= 8000, "message {n}: {size} bytes");
        }
        assert_eq!(mapped, pairs);
    }

    #[test]
    fn renumber_counts_nested_commands() {
        let mut sync = Sync::new(0, "calendar", "./calendar");
        sync.push(Command::add(0, "text/calendar", "1", "x"));
        sync.push(Command::delete(0, "text/calendar", "2"));
        let mut cmd = Command::Sync(sync);
        let mut next = 3;
        renumber(&mut cmd, &mut next);
        let Command::Sync(s) = cmd else { panic!() };
        assert_eq!(s.cmd_id, 3);
        assert_eq!(s.commands[0].cmd_id(), 4);
        assert_eq!(s.commands[1].cmd_id(), 5);
        assert_eq!(next, 6);
    }
}
