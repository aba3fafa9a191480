//! Real CalDAV servers for the integration tests: Radicale and Xandikos (PyPI and Debian
//! builds) and a Digest-auth Apache proxy in front of Xandikos, each started on a free port
//! of 127.0.0.1 with its own temporary storage, plus raw HTTP helpers so a test can act as
//! "another client" editing the server.
//!
//! The binaries come from `scripts/install-peers.sh`; a missing one is a panic that says so,
//! never a skipped test. Each [`Server`] runs its processes in their own process group and
//! kills that group (and nothing else) when dropped.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use crate::http::{self, Auth, Response};

/// The user name every test server accepts.
pub const USERNAME: &str = "test";
/// The password every test server accepts.
pub const PASSWORD: &str = "test";

/// bcrypt hash of [`PASSWORD`] at cost 4 (cheap on purpose: Radicale checks it on every
/// request). Made once with Python's `bcrypt.hashpw(b"test", bcrypt.gensalt(4))`.
const PASSWORD_BCRYPT: &str = "$2b$04$iQFz460oHFZFra8Cg1b6/uP.eSelaDA.RVwxH7joQ4sFDuiIp/c5i";

/// Realm of the Digest proxy.
const DIGEST_REALM: &str = "synchro";

/// How long a server may take to answer after start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A CalDAV server the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    /// Radicale 3.9 from PyPI (`.peers/radicale`): sync-collection, 204 on update,
    /// 403 on a bad sync-token. Basic auth.
    RadicalePypi,
    /// Radicale 3.1.8 from Debian: HTTP/1.0, 201 on update. Basic auth.
    RadicaleDebian,
    /// Xandikos 0.4.10 from PyPI (`.peers/xandikos`): no auth, 412 on a bad sync-token.
    XandikosPypi,
    /// Xandikos 0.2.8 from Debian: no auth, 500 on a bad sync-token.
    XandikosDebian,
    /// Xandikos (PyPI) behind Debian's Apache with `mod_auth_digest`: real Digest auth (MD5).
    XandikosDigest,
}

impl Peer {
    /// Every peer, for tests that run against all of them.
    pub const ALL: [Peer; 5] = [
        Peer::RadicalePypi,
        Peer::RadicaleDebian,
        Peer::XandikosPypi,
        Peer::XandikosDebian,
        Peer::XandikosDigest,
    ];

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Peer::RadicalePypi => "radicale-pypi",
            Peer::RadicaleDebian => "radicale-debian",
            Peer::XandikosPypi => "xandikos-pypi",
            Peer::XandikosDebian => "xandikos-debian",
            Peer::XandikosDigest => "xandikos-digest",
        }
    }

    /// True for the Radicale builds.
    pub fn is_radicale(self) -> bool {
        matches!(self, Peer::RadicalePypi | Peer::RadicaleDebian)
    }

    /// True when the server checks credentials (Radicale, the Digest proxy).
    pub fn requires_auth(self) -> bool {
        !matches!(self, Peer::XandikosPypi | Peer::XandikosDebian)
    }

    /// The auth scheme the server asks for.
    pub fn auth(self) -> Auth {
        match self {
            Peer::XandikosDigest => Auth::Digest,
            _ => Auth::Basic,
        }
    }
}

/// A running server with an empty calendar collection. Dropping it stops the server.
pub struct Server {
    /// Which server this is.
    pub peer: Peer,
    /// `http://127.0.0.1:PORT/`.
    pub base_url: String,
    /// An existing, empty calendar collection (with a trailing slash).
    pub calendar_url: String,
    /// The user name to log in with.
    pub username: String,
    /// The password to log in with.
    pub password: String,
    /// Our processes, last started first stopped.
    children: Vec<Child>,
    /// Storage, configs and logs; removed on drop.
    dir: tempfile::TempDir,
}

/// The repository root (this crate lives in `<root>/tests`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A binary from an env var or a default path; panics with the install hint when missing.
fn peer_binary(env: &str, default: PathBuf) -> PathBuf {
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or(default);
    if !path.exists() {
        panic!(
            "{} not found (set {env} or run scripts/install-peers.sh)",
            path.display()
        );
    }
    path
}

fn debian_binary(path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    if !path.exists() {
        panic!("{} not found: run scripts/install-peers.sh", path.display());
    }
    path
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

impl Server {
    /// Starts `peer` on a free port of 127.0.0.1 with empty storage, waits until it answers
    /// and creates an empty calendar collection ([`Server::calendar_url`]).
    pub fn start(peer: Peer) -> Server {
        let dir = tempfile::Builder::new()
            .prefix(&format!("synchro-{}-", peer.name()))
            .tempdir()
            .expect("temp dir");
        let mut server = Server {
            peer,
            base_url: String::new(),
            calendar_url: String::new(),
            username: USERNAME.to_string(),
            password: PASSWORD.to_string(),
            children: Vec::new(),
            dir,
        };
        match peer {
            Peer::RadicalePypi => {
                let bin = peer_binary(
                    "SYNCHRO_RADICALE_PYPI",
                    repo_root().join(".peers/radicale/bin/radicale"),
                );
                server.start_radicale(bin);
            }
            Peer::RadicaleDebian => server.start_radicale(debian_binary("/usr/bin/radicale")),
            Peer::XandikosPypi => {
                let port = server.start_xandikos_pypi();
                server.base_url = format!("http://127.0.0.1:{port}/");
            }
            Peer::XandikosDebian => {
                let bin = debian_binary("/usr/bin/xandikos");
                let port = free_port();
                let data = server.path("data");
                let mut cmd = Command::new(bin);
                cmd.arg("--defaults").arg("-d").arg(&data).args([
                    "-l",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ]);
                server.spawn("xandikos", cmd);
                server.base_url = format!("http://127.0.0.1:{port}/");
            }
            Peer::XandikosDigest => {
                let backend = server.start_xandikos_pypi();
                let port = server.start_digest_proxy(backend);
                server.base_url = format!("http://127.0.0.1:{port}/");
            }
        }
        server.wait_until_up();
        server.calendar_url = if peer.is_radicale() {
            server.new_calendar("cal")
        } else {
            // `--defaults` made it.
            let url = format!("{}user/calendars/calendar/", server.base_url);
            let r = server.request("PROPFIND", &url, &[("Depth", "0")], None);
            assert_eq!(r.status, 207, "{}: default calendar: {r:?}", peer.name());
            url
        };
        server
    }

    /// A file in the server's temporary directory.
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts a command in its own process group with its output in `<name>.log`.
    fn spawn(&mut self, name: &str, mut cmd: Command) {
        let log = fs::File::create(self.path(&format!("{name}.log"))).expect("log file");
        let log2 = log.try_clone().expect("log file");
        cmd.stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_CACHE_HOME", self.path("xdg-cache"))
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start {name}: {e}", self.peer.name()));
        self.children.push(child);
    }

    fn start_radicale(&mut self, bin: PathBuf) {
        let port = free_port();
        let users = self.path("users");
        fs::write(&users, format!("{USERNAME}:{PASSWORD_BCRYPT}\n")).expect("users");
        let config = format!(
            "[server]\nhosts = 127.0.0.1:{port}\n\n\
             [auth]\ntype = htpasswd\nhtpasswd_filename = {}\nhtpasswd_encryption = bcrypt\n\
             delay = 0\n\n\
             [rights]\ntype = owner_only\n\n\
             [storage]\nfilesystem_folder = {}\n\n\
             [logging]\nlevel = warning\n",
            users.display(),
            self.path("collections").display()
        );
        let config_path = self.path("radicale.conf");
        fs::write(&config_path, config).expect("radicale config");
        let mut cmd = Command::new(bin);
        cmd.arg("--config").arg(&config_path);
        self.spawn("radicale", cmd);
        self.base_url = format!("http://127.0.0.1:{port}/");
    }

    /// Starts the PyPI Xandikos with `--defaults`; returns its port.
    fn start_xandikos_pypi(&mut self) -> u16 {
        let bin = peer_binary(
            "SYNCHRO_XANDIKOS_PYPI",
            repo_root().join(".peers/xandikos/bin/xandikos"),
        );
        let port = free_port();
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--defaults")
            .arg("--no-detect-systemd")
            .arg("-d")
            .arg(self.path("data"))
            .arg("--state-dir")
            .arg(self.path("xandikos-state"))
            .args(["-l", "127.0.0.1", "-p", &port.to_string()]);
        self.spawn("xandikos", cmd);
        port
    }

    /// Starts Debian's Apache as a foreground process with a generated config: Digest auth
    /// (MD5, qop=auth) in front of a reverse proxy to `backend_port`. Returns its port.
    fn start_digest_proxy(&mut self, backend_port: u16) -> u16 {
        let bin = debian_binary("/usr/sbin/apache2");
        let port = free_port();
        let dir = self.dir.path().to_path_buf();
        // Apache's workers drop to `nobody` when started as root: they must read the file.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        let ha1 = md5_hex(format!("{USERNAME}:{DIGEST_REALM}:{PASSWORD}").as_bytes());
        let users = self.path("users.digest");
        fs::write(&users, format!("{USERNAME}:{DIGEST_REALM}:{ha1}\n")).expect("digest users");
        fs::set_permissions(&users, fs::Permissions::from_mode(0o644)).expect("chmod");
        let modules = "/usr/lib/apache2/modules";
        let user = if running_as_root() {
            "User nobody\nGroup nogroup\n"
        } else {
            ""
        };
        let config = format!(
            "ServerRoot {dir}\n\
             ServerName 127.0.0.1\n\
             Listen 127.0.0.1:{port}\n\
             PidFile {dir}/httpd.pid\n\
             ErrorLog {dir}/httpd-error.log\n\
             LogLevel warn\n\
             {user}\
             LoadModule mpm_event_module {modules}/mod_mpm_event.so\n\
             LoadModule authn_core_module {modules}/mod_authn_core.so\n\
             LoadModule authn_file_module {modules}/mod_authn_file.so\n\
             LoadModule authz_core_module {modules}/mod_authz_core.so\n\
             LoadModule authz_user_module {modules}/mod_authz_user.so\n\
             LoadModule auth_digest_module {modules}/mod_auth_digest.so\n\
             LoadModule proxy_module {modules}/mod_proxy.so\n\
             LoadModule proxy_http_module {modules}/mod_proxy_http.so\n\
             StartServers 1\n\
             <Location />\n\
             \x20 AuthType Digest\n\
             \x20 AuthName \"{DIGEST_REALM}\"\n\
             \x20 AuthDigestDomain /\n\
             \x20 AuthDigestProvider file\n\
             \x20 AuthUserFile {users}\n\
             \x20 Require valid-user\n\
             </Location>\n\
             ProxyPass / http://127.0.0.1:{backend_port}/\n\
             ProxyPassReverse / http://127.0.0.1:{backend_port}/\n",
            dir = dir.display(),
            users = users.display(),
        );
        let config_path = self.path("httpd.conf");
        fs::write(&config_path, config).expect("httpd config");
        let mut cmd = Command::new(bin);
        cmd.arg("-f").arg(&config_path).arg("-DFOREGROUND");
        self.spawn("apache2", cmd);
        // The backend must be up too before the proxy can answer anything but 401.
        wait_for_port(self, backend_port);
        port
    }

    /// Waits until every process listens and the front one answers HTTP.
    fn wait_until_up(&mut self) {
        let port: u16 = self
            .base_url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in base_url");
        wait_for_port(self, port);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let r = self.request("OPTIONS", &self.base_url.clone(), &[], None);
            if r.status != 0 {
                return;
            }
            self.check_alive();
            if Instant::now() > deadline {
                panic!("{}: no HTTP answer\n{}", self.peer.name(), self.logs());
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Panics with the logs when one of our processes has exited.
    fn check_alive(&mut self) {
        for child in &mut self.children {
            if let Ok(Some(status)) = child.try_wait() {
                let logs = self.logs();
                panic!("{}: server exited ({status})\n{logs}", self.peer.name());
            }
        }
    }

    /// The logs of the server processes, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        if let Ok(entries) = fs::read_dir(self.dir.path()) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(".log") {
                    let text = fs::read_to_string(e.path()).unwrap_or_default();
                    let tail: Vec<&str> = text.lines().rev().take(40).collect();
                    out.push_str(&format!("--- {name} (last lines)\n"));
                    for l in tail.into_iter().rev() {
                        out.push_str(l);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    /// The server's temporary directory (storage, configs, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Creates another empty calendar collection and returns its URL (trailing slash).
    pub fn new_calendar(&self, name: &str) -> String {
        let url = if self.peer.is_radicale() {
            format!("{}{}/{name}/", self.base_url, self.username)
        } else {
            format!("{}user/calendars/{name}/", self.base_url)
        };
        // Xandikos answers MKCALENDAR with a body in a wrong namespace: only the status counts.
        let r = self.request("MKCALENDAR", &url, &[], None);
        assert_eq!(
            r.status,
            201,
            "{}: MKCALENDAR {url}: {r:?}\n{}",
            self.peer.name(),
            self.logs()
        );
        url
    }

    /// An HTTP request with this server's credentials.
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Response {
        http::request(
            method,
            url,
            Some((self.peer.auth(), &self.username, &self.password)),
            headers,
            body,
        )
    }

    /// The URL of `name` in the test calendar (`name` is a plain file name like `a.ics`).
    pub fn item_url(&self, name: &str) -> String {
        format!("{}{name}", self.calendar_url)
    }

    /// Creates or replaces `name` in the test calendar, as another client would. Returns
    /// the new ETag when the server gave one. Panics unless the server answers 2xx.
    pub fn put_ics(&self, name: &str, ics: &str) -> Option<String> {
        let url = self.item_url(name);
        let r = self.request(
            "PUT",
            &url,
            &[("Content-Type", "text/calendar; charset=utf-8")],
            Some(ics.as_bytes()),
        );
        assert!(
            (200..300).contains(&r.status),
            "{}: PUT {url}: {r:?}",
            self.peer.name()
        );
        r.etag
    }

    /// Deletes `name` from the test calendar. Returns the HTTP status (204, or 404 if absent).
    pub fn delete(&self, name: &str) -> u16 {
        self.request("DELETE", &self.item_url(name), &[], None)
            .status
    }

    /// The text of `name` in the test calendar, if it exists.
    pub fn get_ics(&self, name: &str) -> Option<String> {
        let r = self.request("GET", &self.item_url(name), &[], None);
        match r.status {
            200 => Some(r.body_text()),
            404 => None,
            s => panic!("{}: GET {name}: HTTP {s}", self.peer.name()),
        }
    }

    /// The items of the test calendar: (file name, etag), sorted by name.
    pub fn list(&self) -> Vec<(String, String)> {
        self.list_collection(&self.calendar_url)
    }

    /// The items of any collection of this server: (file name, etag), sorted by name.
    pub fn list_collection(&self, collection_url: &str) -> Vec<(String, String)> {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
            <d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>";
        let r = self.request(
            "PROPFIND",
            collection_url,
            &[("Depth", "1"), ("Content-Type", "application/xml")],
            Some(body.as_bytes()),
        );
        assert_eq!(r.status, 207, "{}: PROPFIND: {r:?}", self.peer.name());
        let collection_path = http::url_path(collection_url);
        let mut items: Vec<(String, String)> = http::parse_multistatus(&r.body_text())
            .into_iter()
            .filter(|(href, _)| {
                let path = http::percent_decode(href);
                path.trim_end_matches('/') != collection_path.trim_end_matches('/')
            })
            .filter_map(|(href, etag)| {
                let name = http::percent_decode(href.rsplit('/').next().unwrap_or(""));
                if name.is_empty() {
                    None
                } else {
                    Some((name, etag.unwrap_or_default()))
                }
            })
            .collect();
        items.sort();
        items
    }

    /// Stops the server now (as dropping it does).
    pub fn stop(mut self) {
        self.kill_all();
    }

    fn kill_all(&mut self) {
        while let Some(mut child) = self.children.pop() {
            kill_group(&mut child);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Stops the process group led by `child` (only processes we started are in it): TERM,
/// then KILL after a grace period; reaps the child.
pub(crate) fn kill_group(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        // The leader is gone; its group may still hold workers (Apache).
        signal_group(child.id(), "KILL");
        return;
    }
    signal_group(child.id(), "TERM");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            signal_group(child.id(), "KILL");
            return;
        }
        sleep(Duration::from_millis(50));
    }
    signal_group(child.id(), "KILL");
    let _ = child.wait();
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn wait_for_port(server: &mut Server, port: u16) {
    let deadline = Instant::now() + START_TIMEOUT;
    let addr = ("127.0.0.1", port);
    loop {
        if TcpStream::connect(addr).is_ok() {
            return;
        }
        server.check_alive();
        if Instant::now() > deadline {
            panic!(
                "{}: nothing listens on port {port}\n{}",
                server.peer.name(),
                server.logs()
            );
        }
        sleep(Duration::from_millis(50));
    }
}

/// Lower-case hex MD5 (the HA1 of an htdigest line).
fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
