//! `synchro`: the command line over synchro-core. A folder of `.ics` files (or one `.ics`
//! file) plays the phone's calendar. Exit codes: 0 synced or nothing to do, 1 other error,
//! 2 usage, 3 held back by a safety check, 4 authentication failed, 5 server unreachable or
//! asked to retry later, 6 the server's TLS certificate was refused.

#[macro_use]
mod display;

mod account;
mod args;
mod backup;
mod history;
mod password;
mod progress;
mod sync;

use args::{AccountCommand, Cli, Command};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use synchro_core::{store::SqliteStore, Error, ErrorKind};

/// Exit code for a failed command.
pub(crate) fn exit_code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NeedsConfirmation => 3,
        ErrorKind::Auth => 4,
        ErrorKind::Unavailable => 5,
        ErrorKind::Config => 2,
        ErrorKind::Tls => 6,
        _ => 1,
    }
}

fn default_db() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("synchro")
        .join("synchro.db")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    env_logger::Builder::from_env(
        // The platform verifier logs every refused certificate as an error; our own
        // message says what failed, so it is heard only with -v.
        env_logger::Env::default().default_filter_or(if cli.verbose {
            "info"
        } else {
            "warn,rustls_platform_verifier=off"
        }),
    )
    // ureq_proto's trace log dumps whole requests, Authorization header included: never
    // below debug, whatever RUST_LOG says.
    .filter_module("ureq_proto", log::LevelFilter::Debug)
    // Log lines quote server answers (hrefs, messages): escaped like every printed line.
    .format(|buf, record| {
        use std::io::Write;
        writeln!(
            buf,
            "[{} {}] {}",
            record.level(),
            record.target(),
            display::escape(&record.args().to_string())
        )
    })
    .init();
    // A panic's message may quote calendar data: print where it happened, never what.
    synchro_core::panic_guard::install_quiet_hook();
    let db = cli.db.clone().unwrap_or_else(default_db);
    let mut store = match SqliteStore::open(&db) {
        Ok(s) => s,
        Err(e) => {
            say_err!("synchro: cannot open the store {}: {e}", db.display());
            return ExitCode::from(1);
        }
    };
    let result: Result<u8, Error> = match cli.command {
        Command::Account {
            command: AccountCommand::Add(add),
        } => account::add(&mut store, *add).map(|_| 0),
        Command::Account {
            command: AccountCommand::List { json },
        } => account::list(&store, json).map(|_| 0),
        Command::Account {
            command: AccountCommand::Set(set),
        } => account::set(&mut store, set).map(|_| 0),
        Command::Backup { command } => backup::run(&mut store, &db, command),
        Command::Sync(args) => sync::sync(&mut store, &db, args),
        Command::Status { name, json } => account::status(&store, name.as_deref(), json).map(|_| 0),
        Command::Log { name, limit, json } => {
            history::log(&store, name.as_deref(), limit, json).map(|_| 0)
        }
        Command::Conflicts { name, json, export } => {
            history::conflicts(&store, name.as_deref(), json, export.as_deref()).map(|_| 0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            say_err!("synchro: {e}");
            ExitCode::from(exit_code_for(e.kind()))
        }
    }
}
