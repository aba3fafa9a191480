//! Running the built `synchro` binary as a user would: a temporary `--db`, the password in
//! `SYNCHRO_PASSWORD`, output and exit code captured, `--json` output parsed.
//!
//! The binary is not built by `cargo test` of this crate (it belongs to another package):
//! `scripts/test.sh` runs `cargo build --workspace --all-targets` first. Set `SYNCHRO_BIN`
//! to test another build.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The `synchro` binary: `$SYNCHRO_BIN`, else `synchro` in the target directory of the
/// running test (`target/<profile>/deps/..`), else `<repo>/target/debug/synchro`.
/// Panics when it does not exist, saying how to build it.
pub fn synchro_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SYNCHRO_BIN") {
        let p = PathBuf::from(p);
        assert!(p.exists(), "SYNCHRO_BIN={} does not exist", p.display());
        return p;
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        // target/<profile>/deps/<test binary>
        if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
            candidates.push(profile_dir.join("synchro"));
        }
    }
    candidates.push(crate::servers::repo_root().join("target/debug/synchro"));
    for c in &candidates {
        if c.exists() {
            return c.clone();
        }
    }
    panic!(
        "synchro binary not found (looked at {candidates:?}): build it first with \
         `cargo build --workspace --all-targets` (scripts/test.sh does) or set SYNCHRO_BIN"
    );
}

/// What one run of `synchro` gave.
#[derive(Debug, Clone)]
pub struct CliOutput {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliOutput {
    /// Every JSON value printed on stdout (one object per account for `sync --json`, an
    /// array or object for the others), in order. Panics on anything that is not JSON.
    pub fn json(&self) -> Vec<Value> {
        serde_json::Deserializer::from_str(&self.stdout)
            .into_iter::<Value>()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    /// The single JSON value printed on stdout.
    pub fn json_one(&self) -> Value {
        let mut v = self.json();
        assert_eq!(v.len(), 1, "expected one JSON value:\n{self}");
        v.remove(0)
    }

    /// Panics with the whole output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code:\n{self}");
        self
    }

    /// Panics with the whole output unless the exit code is 0.
    #[track_caller]
    pub fn expect_ok(&self) -> &Self {
        self.expect_code(0)
    }
}

impl std::fmt::Display for CliOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A `synchro` user with its own database in a temporary directory.
pub struct Cli {
    bin: PathBuf,
    db: PathBuf,
    password: Option<String>,
    envs: Vec<(String, String)>,
    allow_insecure_http: bool,
    dir: tempfile::TempDir,
}

impl Cli {
    /// A fresh user (empty database) with this password in `SYNCHRO_PASSWORD`.
    ///
    /// The test servers are plain http on 127.0.0.1, most with Basic auth: every
    /// `account add` is given `--allow-insecure-http` unless [`Cli::strict_http`] is used.
    pub fn new(password: &str) -> Cli {
        let dir = tempfile::Builder::new()
            .prefix("synchro-cli-")
            .tempdir()
            .expect("temp dir");
        Cli {
            bin: synchro_bin(),
            db: dir.path().join("synchro.db"),
            password: Some(password.to_string()),
            envs: Vec::new(),
            allow_insecure_http: true,
            dir,
        }
    }

    /// Adds accounts as a user would by default: Basic auth over plain http refused.
    pub fn strict_http(mut self) -> Cli {
        self.allow_insecure_http = false;
        self
    }

    /// A fresh user with the password of `server`.
    pub fn for_server(server: &crate::Server) -> Cli {
        Cli::new(&server.password)
    }

    /// Runs without `SYNCHRO_PASSWORD` from now on (to test the other password sources).
    pub fn without_password(mut self) -> Cli {
        self.password = None;
        self
    }

    /// Sets an environment variable for every run.
    pub fn env(mut self, name: &str, value: &str) -> Cli {
        self.envs.push((name.to_string(), value.to_string()));
        self
    }

    /// The database file (`--db`).
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// A temporary directory that lives as long as this `Cli` (for vdirs and .ics files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `vdir:<tmp>/<name>` for `--local`.
    pub fn vdir_spec(&self, name: &str) -> String {
        format!("vdir:{}", self.dir.path().join(name).display())
    }

    /// Adds CalDAV account `name` syncing `calendar_url` (on the server at `base_url`) with
    /// the vdir `<tmp>/phone`, plus `extra` arguments; panics unless it succeeds. Returns the
    /// vdir's path.
    pub fn add_vdir_account(
        &self,
        name: &str,
        base_url: &str,
        username: &str,
        calendar_url: &str,
        extra: &[&str],
    ) -> PathBuf {
        let spec = self.vdir_spec("phone");
        let mut args = vec![
            "account",
            "add",
            name,
            "--caldav",
            base_url,
            "--username",
            username,
            "--local",
            &spec,
            "--calendar",
            calendar_url,
        ];
        args.extend_from_slice(extra);
        self.run(&args).expect_ok();
        self.dir.path().join("phone")
    }

    /// `ics:<tmp>/<name>` for `--local`.
    pub fn ics_spec(&self, name: &str) -> String {
        format!("ics:{}", self.dir.path().join(name).display())
    }

    /// Runs `synchro --db <db> ARGS...` with no standard input and returns what it gave.
    pub fn run(&self, args: &[&str]) -> CliOutput {
        self.run_with_password(self.password.as_deref(), args)
    }

    /// Like [`Cli::run`], with a standard output whose reader is gone (as in `synchro …
    /// | head -0`): what it printed is lost, the rest comes back.
    pub fn run_with_stdout_closed(&self, args: &[&str]) -> CliOutput {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let mut cmd = self.command(self.password.as_deref(), args);
        cmd.stdout(writer);
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        CliOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Like [`Cli::run`], with another password in `SYNCHRO_PASSWORD` (or none).
    pub fn run_with_password(&self, password: Option<&str>, args: &[&str]) -> CliOutput {
        let out = self
            .command(password, args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        CliOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `synchro --db <db> ARGS...` with no standard input, its outputs piped.
    fn command(&self, password: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--db").arg(&self.db).args(args);
        if self.allow_insecure_http
            && args.starts_with(&["account", "add"])
            && !args.contains(&"--allow-insecure-http")
        {
            cmd.arg("--allow-insecure-http");
        }
        cmd.env_remove("SYNCHRO_DB")
            .env_remove("SYNCHRO_PASSWORD")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(p) = password {
            cmd.env("SYNCHRO_PASSWORD", p);
        }
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }
}

/// The set-up most fault tests share: a Radicale (PyPI) behind the fault proxy, and a
/// `synchro` user whose CalDAV account [`ProxiedVdir::ACCOUNT`] syncs the vdir `vdir` with
/// it through the proxy. Destructure it to drop or stop the parts separately.
pub struct ProxiedVdir {
    /// The real server.
    pub server: crate::Server,
    /// The fault proxy in front of it.
    pub proxy: crate::proxy::Proxy,
    /// The user, with its database.
    pub cli: Cli,
    /// The vdir playing the phone.
    pub vdir: PathBuf,
}

impl ProxiedVdir {
    /// The account's name.
    pub const ACCOUNT: &'static str = "t";

    /// Starts the server and the proxy and adds the account with `extra` arguments to
    /// `account add` (e.g. `--no-sync-collection`); panics unless all of it works.
    pub fn start(extra: &[&str]) -> ProxiedVdir {
        let server = crate::Server::start(crate::Peer::RadicalePypi);
        let proxy = crate::proxy::Proxy::start(&server.base_url);
        let cli = Cli::for_server(&server);
        let vdir = cli.add_vdir_account(
            Self::ACCOUNT,
            &proxy.url(&server.base_url),
            &server.username,
            &proxy.url(&server.calendar_url),
            extra,
        );
        ProxiedVdir {
            server,
            proxy,
            cli,
            vdir,
        }
    }
}
