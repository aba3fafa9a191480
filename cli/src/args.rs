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
    /// Add or list accounts.
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
    /// List the kept losing versions of conflicts; export them as one .ics file.
    Conflicts {
        /// Account name (default: every account).
        name: Option<String>,
        /// Print JSON (one object per conflict copy).
        #[arg(long)]
        json: bool,
        /// Write the conflict copies as one calendar file any calendar app imports.
        #[arg(long, value_name = "FILE.ics")]
        export: Option<std::path::PathBuf>,
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
    Add(AddArgs),
    /// List the accounts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
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
    #[arg(long, value_name = "URL")]
    pub caldav: String,
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
    /// hrefs per calendar-multiget request.
    #[arg(long, value_name = "N")]
    pub multiget_batch: Option<usize>,
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
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
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
}
