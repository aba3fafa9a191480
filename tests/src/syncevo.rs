//! A real SyncML DS 1.2 server for the integration tests: SyncEvolution 2.0.0 (Debian 12)
//! started by `scripts/syncevo-server.sh` on a free port of 127.0.0.1, with its own HOME and
//! XDG folders, in a private D-Bus session.
//!
//! The server knows a client **only by its SyncML device id** (`SyncHdr/Source/LocURI`): each
//! [`SyncEvoServer::add_peer`] configures one peer for one device id, in its own
//! configuration *context* and with its own data folder (SyncEvolution's `file` backend:
//! one file per item), so a test can read and change "the server side" directly
//! ([`SyncEvoServer::items`], [`SyncEvoServer::put_item`], [`SyncEvoServer::remove_item`]).
//!
//! What the server does, as seen from these tests (see also shared/reference/peers.md):
//!
//! - **Unknown device id**: HTTP 500 with an HTML body ("Processing Failed"), no SyncML.
//! - **Auth**: no property selects it. SyncEvolution generates the Synthesis server config
//!   itself: with a `username` set on the peer it is `requestedauth=md5`, `requiredauth=basic`,
//!   `autononce=yes`, so the client may send `syncml:auth-basic` or `syncml:auth-md5`; the
//!   server's challenge (`Chal`, with a `NextNonce`) always asks for md5. No credentials →
//!   SyncHdr Status 407; wrong ones → 401; right ones → 212 (with a new `NextNonce`). md5 is
//!   checked over the nonce the server last gave the device (kept in the peer's `lastNonce`,
//!   saved whenever it sends a `NextNonce`, even in a 407): over the empty nonce while it has
//!   given none, so a new device's md5 over the empty nonce gets 212 at once. With an
//!   empty `username` it is `none`/`none`: SyncHdr Status 200 without any `Cred`.
//!   (`clientAuthType` only matters when SyncEvolution is the client.)
//! - **Datastore URI**: the `uri` of the peer's `calendar` source, `calendar` (see
//!   [`PeerConfig::datastore_uri`]).
//! - **Change detection**: the file backend lists the folder at the start of each session and
//!   compares each file's modification time (`seconds.nanoseconds`, kept per file name in the
//!   peer's `sources/calendar/.other.ini`) with the revisions saved at the end of the previous
//!   session: a new file is an Add, a changed time a Replace, a missing file a Delete. The
//!   file name is the server's LUID (items the server creates get numbers: `1`, `2`…);
//!   `.server.ini` next to it holds the LUID maps, `.internal.ini` the anchors.
//!   [`SyncEvoServer::put_item`] makes sure a replaced file gets a new time. A session that
//!   writes data takes about a second more (the backend sleeps past its last write's second).
//! - **DevInf**: unless the client Puts its DevInf in its first message, the server Gets it
//!   in every session. Every server command needs its Status (a Get also its Results):
//!   otherwise the session "cannot end" after the last reply and the engine aborts it ~10 s
//!   later (`status = 20017` in `status.ini`: a failed session).
//! - **md5 auth** needs the user name in clear as `SyncHdr/Source/LocName` (else 407 "Missing
//!   clear-text username in Source LocName").
//! - Per-session logs (`syncevolution-log.html`, `status.ini`) are in
//!   `$HOME/.cache/syncevolution/PEER@CONTEXT-DATE[-a|-b…]/` ([`SyncEvoServer::session_dirs`],
//!   [`SyncEvoServer::last_session_status`]). `SYNCHRO_KEEP_SYNCEVO=1` keeps the HOME after
//!   the test for reading them.

use std::fs;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use synchro_core::remote::syncml::auth;

use crate::http::{self, Response};
use crate::servers::{free_port, kill_group, repo_root, signal_group};

/// How long the server may take to listen after start (D-Bus, engine, Twisted).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The path the HTTP front end serves.
const URL_PATH: &str = "/syncevolution";

/// The MIME type of SyncML 1.2 in XML.
pub const SYNCML_XML: &str = "application/vnd.syncml+xml";

/// The Debian binaries the server needs.
const BINARIES: [&str; 5] = [
    "/usr/bin/syncevolution",
    "/usr/bin/syncevo-http-server",
    "/usr/libexec/syncevo-dbus-server",
    "/usr/bin/dbus-run-session",
    "/usr/bin/dbus-send",
];

/// How the peer's data folder stores items (the `databaseFormat` of the file backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// iCalendar 2.0 (`text/calendar`).
    Calendar,
    /// vCalendar 1.0 (`text/x-vcalendar`).
    VCalendar10,
}

impl Format {
    /// The MIME type SyncEvolution calls it by.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Calendar => "text/calendar",
            Format::VCalendar10 => "text/x-vcalendar",
        }
    }
}

/// How to configure a peer (one SyncML client device).
#[derive(Debug, Clone)]
pub struct PeerOpts {
    /// The user name the client must log in with; `None`: no authentication at all.
    pub username: Option<String>,
    /// The password (ignored without a user name).
    pub password: String,
    /// How the server stores the items.
    pub format: Format,
    /// More `property=value` settings for `syncevolution --configure` (e.g. `loglevel=4`
    /// for XML translations of WBXML messages in the session logs, `maxMsgSize=...`).
    pub extra: Vec<(String, String)>,
}

impl Default for PeerOpts {
    /// `test` / `test`, iCalendar 2.0.
    fn default() -> Self {
        PeerOpts {
            username: Some("test".to_string()),
            password: "test".to_string(),
            format: Format::Calendar,
            extra: Vec::new(),
        }
    }
}

/// A configured peer: what a client needs to sync with it, and where its data lives.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// The SyncML device id the client must send (`SyncHdr/Source/LocURI`).
    pub device_id: String,
    /// SyncEvolution's name of the configuration, `PEER@CONTEXT`.
    pub config: String,
    /// The server's datastore URI for the calendar (the client's Alert/Sync `Target`).
    pub datastore_uri: String,
    /// The folder holding one file per item.
    pub data_dir: PathBuf,
    /// The user name, `None` when the peer needs no authentication.
    pub username: Option<String>,
    /// The password.
    pub password: String,
    /// How the items are stored.
    pub format: Format,
}

/// A running SyncEvolution SyncML server. Dropping it kills its process group.
pub struct SyncEvoServer {
    /// `http://127.0.0.1:PORT/syncevolution`: where clients POST their first message.
    pub url: String,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// `dbus-run-session` (leader of the process group).
    child: Option<Child>,
    /// HOME of the server: configs, caches, logs, data folders. Removed on drop.
    dir: tempfile::TempDir,
    /// Numbers the peers and their contexts.
    peers: AtomicUsize,
}

/// Panics with the install hint unless the Debian packages are there.
fn check_binaries() {
    for b in BINARIES {
        if !Path::new(b).exists() {
            panic!("{b} not found: run scripts/install-peers.sh");
        }
    }
}

/// Starts the SyncML server (see [`SyncEvoServer::start`]).
pub fn start() -> SyncEvoServer {
    SyncEvoServer::start()
}

impl SyncEvoServer {
    /// Starts the server on a free port of 127.0.0.1 with an empty HOME and waits until it
    /// answers HTTP (by then the SyncML engine is on the D-Bus session too).
    pub fn start() -> SyncEvoServer {
        check_binaries();
        let dir = tempfile::Builder::new()
            .prefix("synchro-syncevo-")
            .tempdir()
            .expect("temp dir");
        let mut server = SyncEvoServer {
            url: String::new(),
            port: 0,
            child: None,
            dir,
            peers: AtomicUsize::new(0),
        };
        // The port may be taken between free_port() and the bind: try again then.
        for attempt in 1..=3 {
            let port = free_port();
            server.port = port;
            server.url = format!("http://127.0.0.1:{port}{URL_PATH}");
            server.spawn(port);
            match server.wait_until_up() {
                Ok(()) => return server,
                Err(why) => {
                    let logs = server.logs();
                    server.kill();
                    let port_taken = logs.contains("Address already in use")
                        || logs.contains("CannotListenError");
                    if !port_taken || attempt == 3 {
                        panic!("syncevolution server: {why}\n{logs}");
                    }
                }
            }
        }
        unreachable!()
    }

    /// The server's HOME (configs under `.config/syncevolution`, logs under
    /// `.cache/syncevolution`, data folders under `data`).
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// The process group of the server's processes (for checks that nothing is left).
    pub fn pgid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sets HOME and XDG folders of a command to the server's, and cuts it off any
    /// desktop session of the caller.
    fn env(&self, cmd: &mut Command) {
        let home = self.home();
        cmd.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY")
            .env_remove("XDG_RUNTIME_DIR");
    }

    fn spawn(&mut self, port: u16) {
        let script = repo_root().join("scripts/syncevo-server.sh");
        assert!(script.exists(), "{} missing", script.display());
        let log_path = self.home().join("server.log");
        let log = fs::File::create(&log_path).expect("server log");
        let log2 = log.try_clone().expect("server log");
        let mut cmd = Command::new("/bin/bash");
        cmd.arg(&script)
            .arg(port.to_string())
            .arg(self.home().join("run"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .process_group(0);
        self.env(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        self.child = Some(child);
    }

    /// Waits for the port, then for any HTTP answer (a GET gets a 500 from this Python 3
    /// port of the server: it returns a str; only POST matters).
    fn wait_until_up(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("exited during start ({status})"));
                }
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                let r = http::request("GET", &self.url, None, &[], None);
                if r.status != 0 {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("nothing answers on port {}", self.port));
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Configures a peer for the client with SyncML device id `device_id`, in a context of
    /// its own, storing items in a new empty folder. Usable by the next session at once.
    pub fn add_peer(&self, device_id: &str, opts: &PeerOpts) -> PeerConfig {
        let n = self.peers.fetch_add(1, Ordering::SeqCst) + 1;
        // Plain names: SyncEvolution escapes other characters in its folder names.
        let (peer, context) = (format!("p{n}"), format!("c{n}"));
        let config = format!("{peer}@{context}");
        let data_dir = self.home().join("data").join(&peer);
        fs::create_dir_all(&data_dir).expect("peer data dir");
        let mut cmd = Command::new("/usr/bin/syncevolution");
        cmd.args([
            "--daemon=no",
            "--configure",
            "--template",
            "SyncEvolution Client",
            "keyring=no",
        ])
        .arg(format!("remoteDeviceId={device_id}"))
        .arg(format!(
            "username={}",
            opts.username.as_deref().unwrap_or_default()
        ))
        .arg(format!(
            "password={}",
            if opts.username.is_some() {
                opts.password.as_str()
            } else {
                ""
            }
        ))
        .args(["preventSlowSync=0", "backend=file"])
        .arg(format!("databaseFormat={}", opts.format.mime()))
        .arg(format!("database=file://{}", data_dir.display()));
        for (k, v) in &opts.extra {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.arg(&config).arg("calendar").stdin(Stdio::null());
        self.env(&mut cmd);
        let out = cmd.output().expect("run /usr/bin/syncevolution");
        assert!(
            out.status.success(),
            "syncevolution --configure {config} for {device_id}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let source_ini = self
            .home()
            .join(".config/syncevolution")
            .join(&context)
            .join("peers")
            .join(&peer)
            .join("sources/calendar/config.ini");
        let ini = fs::read_to_string(&source_ini)
            .unwrap_or_else(|e| panic!("{}: {e}", source_ini.display()));
        let datastore_uri = ini_value(&ini, "uri").unwrap_or_else(|| "calendar".to_string());
        PeerConfig {
            device_id: device_id.to_string(),
            config,
            datastore_uri,
            data_dir,
            username: opts.username.clone(),
            password: opts.password.clone(),
            format: opts.format,
        }
    }

    /// The files of the peer's data folder: (file name = the server's LUID, text), by name.
    pub fn item_files(&self, peer: &PeerConfig) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = fs::read_dir(&peer.data_dir)
            .unwrap_or_else(|e| panic!("{}: {e}", peer.data_dir.display()))
            .flatten()
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .map(|name| {
                let text = fs::read_to_string(peer.data_dir.join(&name)).unwrap_or_default();
                (name, text)
            })
            .collect();
        out.sort();
        out
    }

    /// The items (iCalendar or vCalendar text) the server holds for `peer`, by file name.
    pub fn items(&self, peer: &PeerConfig) -> Vec<String> {
        self.item_files(peer).into_iter().map(|(_, t)| t).collect()
    }

    /// Creates or replaces item `name` in the peer's data folder, as if the server side
    /// changed it: the next session reports an Add (new name) or a Replace. A replaced file
    /// always gets a modification time different from the old one (the backend's revision
    /// of an item is its mtime, and the kernel's file clock advances in ticks of a few ms).
    pub fn put_item(&self, peer: &PeerConfig, name: &str, text: &str) {
        assert!(
            !name.is_empty() && !name.contains('/') && !name.starts_with('.'),
            "bad item name {name:?}"
        );
        let path = peer.data_dir.join(name);
        let old = fs::metadata(&path).and_then(|m| m.modified()).ok();
        // Write to a temporary name first: the server never sees half a file.
        let tmp = peer.data_dir.join(format!(".{name}.tmp"));
        loop {
            fs::write(&tmp, text).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
            let new = fs::metadata(&tmp).and_then(|m| m.modified()).ok();
            if old.is_none() || new != old {
                break;
            }
            sleep(Duration::from_millis(5));
        }
        fs::rename(&tmp, &path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Removes item `name` from the peer's data folder (the next session reports a Delete).
    /// Returns false if it was not there.
    pub fn remove_item(&self, peer: &PeerConfig, name: &str) -> bool {
        fs::remove_file(peer.data_dir.join(name)).is_ok()
    }

    /// The session log folders of `peer`, oldest first (each has `syncevolution-log.html`
    /// and, once the session ended, `status.ini`).
    pub fn session_dirs(&self, peer: &PeerConfig) -> Vec<PathBuf> {
        self.all_session_dirs()
            .into_iter()
            .filter(|d| {
                d.file_name()
                    .map(|n| {
                        n.to_string_lossy()
                            .starts_with(&format!("{}-", peer.config))
                    })
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Every session log folder, oldest first.
    fn all_session_dirs(&self) -> Vec<PathBuf> {
        let root = self.home().join(".cache/syncevolution");
        let mut dirs: Vec<(SystemTime, PathBuf)> = fs::read_dir(root)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                    .map(|e| {
                        let created = e
                            .metadata()
                            .and_then(|m| m.created().or_else(|_| m.modified()))
                            .unwrap_or(UNIX_EPOCH);
                        (created, e.path())
                    })
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        dirs.into_iter().map(|(_, p)| p).collect()
    }

    /// The text of the last session log of `peer` (HTML tags stripped), or "" if none.
    pub fn last_session_log(&self, peer: &PeerConfig) -> String {
        self.session_dirs(peer)
            .last()
            .map(|d| session_log_text(d))
            .unwrap_or_default()
    }

    /// `status.ini` of the newest session of `peer` (`status = 200` on success), waiting up
    /// to 15 s for that session to end: the engine ends it a moment after its last reply.
    /// While a session runs, its `status.ini` holds a placeholder (`status = 22002`,
    /// "synchronization process died prematurely"), first without and then, for a moment,
    /// with an `end =` line, before the real status replaces it; the placeholder is what
    /// stays when the server is killed during a session. A session whose client did not
    /// acknowledge every command (a Get needs its Status) does not end: the engine aborts it
    /// ~10 s after its last reply (`status = 20017`). Returns the last text read (possibly
    /// the placeholder) at the deadline; `None` without any session.
    pub fn last_session_status(&self, peer: &PeerConfig) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = None;
        loop {
            let newest = self.session_dirs(peer).pop()?;
            if let Ok(text) = fs::read_to_string(newest.join("status.ini")) {
                let ended = text.lines().any(|l| l.starts_with("end ="));
                let placeholder = text.lines().any(|l| l.trim() == "status = 22002");
                if ended && !placeholder {
                    return Some(text);
                }
                last = Some(text);
            }
            if Instant::now() > deadline {
                return last;
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// The server's output and the end of its last session log, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let server_log = fs::read_to_string(self.home().join("server.log")).unwrap_or_default();
        out.push_str("--- server.log (last lines)\n");
        out.push_str(&tail(&server_log, 40));
        if let Some(dir) = self.all_session_dirs().last() {
            out.push_str(&format!(
                "--- {} (last lines)\n",
                dir.file_name().unwrap_or_default().to_string_lossy()
            ));
            out.push_str(&tail(&session_log_text(dir), 60));
        }
        out
    }

    /// Stops the server now (as dropping it does).
    pub fn stop(mut self) {
        self.kill();
    }

    /// Kills the process group, and waits until none of it runs any more: the engine's
    /// per-session `syncevo-dbus-helper` can outlive the group leader by a moment.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pgid = child.id();
            kill_group(&mut child);
            let deadline = Instant::now() + Duration::from_secs(5);
            while !processes_in_group(pgid).is_empty() && Instant::now() < deadline {
                signal_group(pgid, "KILL");
                sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for SyncEvoServer {
    /// Kills the server; removes its HOME unless `SYNCHRO_KEEP_SYNCEVO` is set (then its
    /// path is printed, for reading configs and session logs after a failure).
    fn drop(&mut self) {
        self.kill();
        if std::env::var_os("SYNCHRO_KEEP_SYNCEVO").is_some() {
            let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
            eprintln!("SYNCHRO_KEEP_SYNCEVO: kept {}", dir.keep().display());
        }
    }
}

/// POSTs one SyncML message in XML (no HTTP auth: SyncML carries its own `Cred`).
pub fn post(url: &str, xml: &str) -> Response {
    http::request(
        "POST",
        url,
        None,
        &[("Content-Type", SYNCML_XML)],
        Some(xml.as_bytes()),
    )
}

/// The live (not zombie) processes of process group `pgid`: (pid, command line).
pub fn processes_in_group(pgid: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.len() < 3 || fields[0] == "Z" || fields[2] != pgid.to_string() {
            continue;
        }
        let cmdline = fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        out.push((pid, cmdline.trim().to_string()));
    }
    out
}

/// A SyncHdr `Cred` element with Basic credentials.
pub fn basic_cred(user: &str, password: &str) -> String {
    format!(
        "<Cred><Meta><Format xmlns=\"syncml:metinf\">b64</Format>\
         <Type xmlns=\"syncml:metinf\">syncml:auth-basic</Type></Meta>\
         <Data>{}</Data></Cred>",
        auth::basic_credential(user, password)
    )
}

/// A SyncHdr `Cred` element with MD5 credentials (SyncML 1.1+:
/// `b64(md5(b64(md5("user:password")) ":" nonce))`), `nonce_b64` being the server's
/// `NextNonce` as sent (base64).
pub fn md5_cred(user: &str, password: &str, nonce_b64: &str) -> String {
    format!(
        "<Cred><Meta><Format xmlns=\"syncml:metinf\">b64</Format>\
         <Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type></Meta>\
         <Data>{}</Data></Cred>",
        auth::md5_credential(user, password, nonce_b64)
    )
}

/// The text of the first `<tag>…</tag>` (attributes allowed) in `xml`, if any. A test helper
/// for well-formed server answers, not a parser.
pub fn first_tag(xml: &str, tag: &str) -> Option<String> {
    all_tags(xml, tag).into_iter().next()
}

/// The texts of every `<tag>…</tag>` in `xml` (not nested in one another).
pub fn all_tags(xml: &str, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    let close = format!("</{tag}>");
    while let Some(i) = rest.find(&format!("<{tag}")) {
        let after = &rest[i + tag.len() + 1..];
        // `<Tag>` or `<Tag attr…>`, not `<TagRef>`.
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(body[..end].to_string());
        rest = &body[end + close.len()..];
    }
    out
}

/// (Cmd, CmdRef, Data) of every `Status` of a SyncML message, in order.
pub fn statuses(xml: &str) -> Vec<(String, String, String)> {
    all_tags(xml, "Status")
        .into_iter()
        .map(|s| {
            // The Status code is the Data directly in Status, not one inside an Item.
            let mut own = s.clone();
            while let (Some(a), Some(b)) = (own.find("<Item>"), own.find("</Item>")) {
                if b < a {
                    break;
                }
                own.replace_range(a..b + "</Item>".len(), "");
            }
            let get = |t| first_tag(&own, t).unwrap_or_default();
            (get("Cmd"), get("CmdRef"), get("Data"))
        })
        .collect()
}

fn ini_value(ini: &str, key: &str) -> Option<String> {
    ini.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn session_log_text(dir: &Path) -> String {
    let html = fs::read_to_string(dir.join("syncevolution-log.html")).unwrap_or_default();
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    let mut out = lines[start..].join("\n");
    out.push('\n');
    out
}

pub use synchro_core::remote::syncml::auth::b64_encode;

impl SyncEvoServer {
    /// `http://127.0.0.1:PORT`, for a [`crate::proxy::Proxy`] in front of the server.
    pub fn origin(&self) -> String {
        self.url
            .split("/syncevolution")
            .next()
            .unwrap_or(&self.url)
            .to_string()
    }
}

/// Adds SyncML account `name` for `peer`, reached at `url` (the server's, or a proxy's),
/// syncing with the vdir `<tmp>/phone` (created); panics unless it succeeds. Returns the
/// vdir's path.
pub fn add_syncml_account(
    cli: &crate::Cli,
    name: &str,
    url: &str,
    peer: &PeerConfig,
    extra: &[&str],
) -> PathBuf {
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    fs::create_dir_all(&vdir).expect("create the vdir");
    let user = peer.username.clone().unwrap_or_default();
    let mut args = vec![
        "account",
        "add",
        name,
        "--syncml",
        url,
        "--username",
        &user,
        "--local",
        &spec,
        "--device-id",
        &peer.device_id,
        "--server-uri",
        &peer.datastore_uri,
    ];
    args.extend_from_slice(extra);
    cli.run(&args).expect_ok();
    vdir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_scanner() {
        let xml = "<SyncBody><Status><CmdID>1</CmdID><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>\
            <Data>212</Data></Status><Status><CmdID>2</CmdID><CmdRef>1</CmdRef><Cmd>Alert</Cmd>\
            <Data>200</Data><Item><Data><Anchor><Next>1</Next></Anchor></Data></Item></Status>\
            <StatusX/></SyncBody>";
        assert_eq!(
            statuses(xml),
            vec![
                ("SyncHdr".into(), "0".into(), "212".into()),
                ("Alert".into(), "1".into(), "200".into())
            ]
        );
    }
}
