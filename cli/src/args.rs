//! The command-line surface (a contract: add to it, do not change it).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Synchro: keep a local calendar in sync with a CalDAV server, safely.
#[derive(Parser, Debug)]
#[command(name = "synchro", version, about)]
pub struct Cli {
    /// The store (SQLite file). Default: $SYNCHRO_DB, else the platform's data directory.
    #[arg(long, global = true, env = "SYNCHRO_DB")]
    pub db: Option<PathBuf>,
    /// Log what happens (never passwords or event contents).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add, change or list accounts.
    Account {
        /// Account command.
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Sync one account, or every account.
    Sync(SyncArgs),
    /// List past syncs: time, mode, counts, conflicts, errors, requests, bytes, duration.
    Log {
        /// Account name (default: every account).
        name: Option<String>,
        /// How many syncs per account.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print JSON (one object per sync).
        #[arg(long)]
        json: bool,
    },
    /// List the kept losing versions of conflicts; export them as one .ics file; dismiss them
    /// once looked at.
    Conflicts {
        /// Account name (default: every account).
        name: Option<String>,
        /// Print JSON (one object per conflict copy).
        #[arg(long)]
        json: bool,
        /// Write the conflict copies as one calendar file any calendar app imports.
        #[arg(long, value_name = "FILE.ics")]
        export: Option<std::path::PathBuf>,
        /// Remove the copy with this id (as listed), once looked at; may be repeated.
        #[arg(long, value_name = "ID", conflicts_with = "dismiss_all")]
        dismiss: Vec<i64>,
        /// Remove every copy listed (after writing them with --export, if given).
        #[arg(long)]
        dismiss_all: bool,
    },
    /// Backups of both sides: list, take, export, restore.
    Backup {
        /// Backup command.
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Show the state of one account, or of every account.
    Status {
        /// Account name.
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Account commands.
#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Add an account: a server calendar and the local calendar it syncs with.
    Add(Box<AddArgs>),
    /// Change an account's settings (a full snapshot of both sides is taken first).
    Set(SetArgs),
    /// List the accounts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an account and what the store kept for it (history, conflict copies,
    /// backups); neither calendar is touched.
    Remove {
        /// Account name.
        name: String,
    },
}

/// Backup commands.
#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// List snapshots: id, time, reason, side, items, size.
    List {
        /// Account name (default: every account).
        name: Option<String>,
        /// Print JSON (one object per snapshot).
        #[arg(long)]
        json: bool,
    },
    /// Take a full snapshot of both sides now.
    Create {
        /// Account name.
        name: String,
        /// Password source.
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Write a snapshot as a standard .ics file any calendar app imports.
    Export {
        /// Snapshot id.
        id: i64,
        /// Output file.
        file: PathBuf,
        /// Which part: the device's or the server's (default: the server's if present).
        #[arg(long, value_enum)]
        side: Option<ExportSide>,
    },
    /// Bring a side back to a snapshot with the least changes.
    Restore {
        /// Snapshot id.
        id: i64,
        /// Which side to restore.
        #[arg(long, value_enum, default_value = "both")]
        side: RestoreSide,
        /// Show the changes; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also remove events added since the snapshot.
        #[arg(long)]
        yes: bool,
        /// Password source.
        #[command(flatten)]
        password: PasswordArgs,
    },
}

/// `backup restore --side`.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum RestoreSide {
    /// The local calendar.
    Device,
    /// The server calendar.
    Server,
    /// Both.
    Both,
}

/// `backup export --side`.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum ExportSide {
    /// The local calendar's part.
    Device,
    /// The server's part.
    Server,
}

/// Where the password comes from: $SYNCHRO_PASSWORD, else this file, else a prompt.
#[derive(Args, Debug, Clone)]
pub struct PasswordArgs {
    /// Read the password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// `account add`.
#[derive(Args, Debug)]
pub struct AddArgs {
    /// A unique name for the account.
    pub name: String,
    /// CalDAV server URL: the server root (discovery finds the calendars) or a calendar.
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "syncml",
        conflicts_with = "syncml"
    )]
    pub caldav: Option<String>,
    /// SyncML DS 1.2 server URL (instead of --caldav).
    #[arg(long, value_name = "URL")]
    pub syncml: Option<String>,
    /// SyncML: this device's id (default: a new stable id for the account).
    #[arg(long, value_name = "ID", requires = "syncml")]
    pub device_id: Option<String>,
    /// SyncML: the server's calendar datastore (default: `calendar`).
    #[arg(long, value_name = "URI", requires = "syncml")]
    pub server_uri: Option<String>,
    /// SyncML: the calendar format sent (`icalendar`: iCalendar 2.0, `vcalendar`:
    /// vCalendar 1.0).
    #[arg(long, value_enum, requires = "syncml")]
    pub format: Option<SyncMlFormat>,
    /// SyncML: send WBXML messages instead of XML.
    #[arg(long, requires = "syncml")]
    pub wbxml: bool,
    /// SyncML: the authentication to use (md5 never sends the password; a server asking for
    /// basic instead is refused unless --allow-basic).
    #[arg(long, value_enum, requires = "syncml", default_value = "md5")]
    pub auth: SyncMlAuth,
    /// User name on the server.
    #[arg(long)]
    pub username: String,
    /// The local calendar: `vdir:DIR` (one .ics per event) or `ics:FILE`.
    #[arg(long, value_name = "vdir:DIR|ics:FILE")]
    pub local: String,
    /// The calendar collection to sync (default: the first one holding events).
    #[arg(long, value_name = "URL")]
    pub calendar: Option<String>,
    /// Only sync events of the last N days and later (default: everything). Events that
    /// leave the window disappear from the local calendar only.
    #[arg(long, value_name = "N")]
    pub past_days: Option<u32>,
    /// Never use sync-collection (RFC 6578): ctag and etag listings only, as with Zimbra.
    #[arg(long)]
    pub no_sync_collection: bool,
    /// Most hrefs per calendar-multiget request (default 500; fewer when answers are large).
    #[arg(long, value_name = "N")]
    pub multiget_batch: Option<usize>,
    /// Answer an HTTP Basic challenge over plain http (the password then travels readable).
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// SyncML: accept the server's request for basic auth when md5 was chosen.
    #[arg(long, requires = "syncml")]
    pub allow_basic: bool,
    /// Trust the CA certificates of this PEM file besides the system's.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Accept only this server certificate: `sha256/BASE64` (SHA-256 of its public key, as
    /// curl's --pinnedpubkey) or 64 hex digits (SHA-256 fingerprint of the certificate).
    /// Repeat for a backup key.
    #[arg(long, value_name = "PIN")]
    pub pin: Vec<String>,
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `account add --auth`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMlAuth {
    /// syncml:auth-md5 (the password never travels).
    Md5,
    /// syncml:auth-basic (base64 of user:password; use over HTTPS only).
    Basic,
}

/// `account add --format`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMlFormat {
    /// iCalendar 2.0 (`text/calendar`).
    Icalendar,
    /// vCalendar 1.0 (`text/x-vcalendar`).
    Vcalendar,
}

/// `sync --mode` (SyncML accounts).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncModeArg {
    /// Changes both ways (the default).
    TwoWay,
    /// Full comparison of both sides (nothing is deleted).
    Slow,
    /// Take the server's calendar (local events are paired with it, never deleted).
    RefreshFromServer,
    /// Send every local event to the server.
    RefreshFromClient,
    /// Only receive the server's changes.
    OneWayFromServer,
    /// Only send local changes; refuse any server write.
    OneWayFromClient,
}

/// `sync`.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Account name (default: every account).
    pub name: Option<String>,
    /// Show what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm a sync that a safety check held back.
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON object per account.
    #[arg(long)]
    pub json: bool,
    /// SyncML accounts: the sync mode (default: two-way; slow on the first sync).
    #[arg(long, value_enum)]
    pub mode: Option<SyncModeArg>,
    /// Bytes of downloaded event text kept in memory; the rest waits in an unnamed
    /// temporary file beside the store until written (default: 16 MiB).
    #[arg(long, value_name = "BYTES", env = "SYNCHRO_DOWNLOAD_MEMORY")]
    pub download_memory: Option<u64>,
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `account set`.
#[derive(Args, Debug)]
pub struct SetArgs {
    /// Account name.
    pub name: String,
    /// Only sync events of the last N days and later.
    #[arg(long, value_name = "N", conflicts_with = "all_events")]
    pub past_days: Option<u32>,
    /// Sync every event, however old.
    #[arg(long)]
    pub all_events: bool,
    /// Use sync-collection when the server has it (`true`) or never (`false`).
    #[arg(long, value_name = "BOOL")]
    pub sync_collection: Option<bool>,
    /// Hold back syncs deleting more than this percentage of the calendar...
    #[arg(long, value_name = "PERCENT")]
    pub max_delete_percent: Option<u32>,
    /// ...and more than this many events.
    #[arg(long, value_name = "N")]
    pub max_delete_count: Option<u32>,
    /// Keep at most this many backups (besides pinned ones).
    #[arg(long, value_name = "N")]
    pub backup_max_count: Option<u32>,
    /// Remove backups older than this many days (besides pinned ones).
    #[arg(long, value_name = "DAYS")]
    pub backup_max_age_days: Option<u32>,
    /// Keep the account's backups under this many MiB (besides pinned ones).
    #[arg(long, value_name = "MIB")]
    pub backup_max_mib: Option<u64>,
    /// Answer an HTTP Basic challenge over plain http (`true`) or refuse it (`false`).
    #[arg(long, value_name = "BOOL")]
    pub allow_insecure_http: Option<bool>,
    /// SyncML: accept the server's request for basic auth when md5 was chosen.
    #[arg(long, value_name = "BOOL")]
    pub allow_basic: Option<bool>,
    /// Trust the CA certificates of this PEM file besides the system's.
    #[arg(long, value_name = "FILE", conflicts_with = "no_ca_file")]
    pub ca_file: Option<PathBuf>,
    /// Trust the system's CAs only.
    #[arg(long)]
    pub no_ca_file: bool,
    /// Replace the pins with these (see `account add --pin`).
    #[arg(long, value_name = "PIN", conflicts_with = "no_pin")]
    pub pin: Vec<String>,
    /// Remove the pins.
    #[arg(long)]
    pub no_pin: bool,
}
