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

/// The logger of the filter `RUST_LOG` (or the default) asks for, lines escaped.
fn log_builder(verbose: bool) -> env_logger::Builder {
    let mut builder = env_logger::Builder::from_env(
        // The platform verifier logs every refused certificate as an error; our own
        // message says what failed, so it is heard only with -v.
        env_logger::Env::default().default_filter_or(if verbose {
            "info"
        } else {
            "warn,rustls_platform_verifier=off"
        }),
    );
    // Log lines quote server answers (hrefs, messages): escaped like every printed line.
    builder.format(|buf, record| {
        use std::io::Write;
        writeln!(
            buf,
            "[{} {}] {}",
            record.level(),
            record.target(),
            display::escape(&record.args().to_string())
        )
    });
    builder
}

/// Installs the logger. ureq_proto's trace log dumps whole requests, Authorization header
/// included: when the filter would show it, that target is capped at debug (and left as
/// the filter says otherwise, so a plain run logs no request at all).
fn init_logger(verbose: bool) {
    use log::Log;
    let mut logger = log_builder(verbose).build();
    let trace = log::Metadata::builder()
        .level(log::Level::Trace)
        .target("ureq_proto")
        .build();
    if logger.enabled(&trace) {
        logger = log_builder(verbose)
            .filter_module("ureq_proto", log::LevelFilter::Debug)
            .build();
    }
    log::set_max_level(logger.filter());
    // Only fails when a logger is set already: then that one stays.
    let _ = log::set_boxed_logger(Box::new(logger));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logger(cli.verbose);
    // A panic's message may quote calendar data: print where it happened, never what.
    synchro_core::panic_guard::install_quiet_hook();
    let db = cli.db.clone().unwrap_or_else(default_db);
    let agent = match SyncAgent::open(&db) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            say_err!("synchro: cannot open the store {}: {e}", db.display());
            return ExitCode::from(1);
        }
    };
    let result: Result<u8, Error> = match cli.command {
        Command::Account { command } => match command {
            AccountCommand::Add(add) => account::add(&agent, *add),
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
        Command::Conflicts {
            name,
            json,
            export,
            dismiss,
            dismiss_all,
        } => {
            let dismiss = match dismiss_all {
                true => history::Dismiss::All,
                false => history::Dismiss::These(dismiss),
            };
            history::conflicts(&agent, name.as_deref(), json, export.as_deref(), dismiss).map(|_| 0)
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
