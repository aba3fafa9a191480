//! `synchro`: the command line over synchro-core. A folder of `.ics` files (or one `.ics`
//! file) plays the phone's calendar. Exit codes: 0 synced or nothing to do, 1 other error,
//! 2 usage, 3 held back by a safety check, 4 authentication failed, 5 server unreachable or
//! asked to retry later.

mod account;
mod args;
mod backup;
mod history;
mod password;
mod progress;
mod sync;
mod words;

use args::{AccountCommand, Cli, Command};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use synchro_core::{Error, ErrorKind, SyncAgent};

/// Exit code for a failed command.
pub(crate) fn exit_code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NeedsConfirmation => 3,
        ErrorKind::Auth => 4,
        ErrorKind::Unavailable => 5,
        ErrorKind::Config => 2,
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
        env_logger::Env::default().default_filter_or(if cli.verbose { "info" } else { "warn" }),
    )
    .format_timestamp(None)
    .init();
    let db = cli.db.clone().unwrap_or_else(default_db);
    let agent = match SyncAgent::open(&db) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("synchro: cannot open the store {}: {e}", db.display());
            return ExitCode::from(1);
        }
    };
    let result: Result<u8, Error> = match cli.command {
        Command::Account { command } => match command {
            AccountCommand::Add(add) => account::add(&agent, add),
            AccountCommand::List { json } => account::list(&agent, json),
            AccountCommand::Set(set) => account::set(&agent, set),
            AccountCommand::Remove { name } => account::remove(&agent, &name),
        }
        .map(|_| 0),
        Command::Backup { command } => backup::run(&agent, command),
        Command::Sync(args) => sync::sync(agent.clone(), args),
        Command::Status { name, json } => account::status(&agent, name.as_deref(), json).map(|_| 0),
        Command::Log { name, limit, json } => {
            history::log(&agent, name.as_deref(), limit, json).map(|_| 0)
        }
        Command::Conflicts { name, json, export } => {
            history::conflicts(&agent, name.as_deref(), json, export.as_deref()).map(|_| 0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("synchro: {e}");
            ExitCode::from(exit_code_for(e.kind()))
        }
    }
}
