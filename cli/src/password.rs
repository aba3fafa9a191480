//! Where the password comes from: `$SYNCHRO_PASSWORD`, else `--password-file`, else a prompt
//! on a terminal. It is never stored, logged or printed.

use crate::args::PasswordArgs;
use std::io::IsTerminal;
use synchro_core::{Error, Result};

/// The password for `username`.
pub fn password(args: &PasswordArgs, username: &str) -> Result<String> {
    if let Ok(p) = std::env::var("SYNCHRO_PASSWORD") {
        return Ok(p);
    }
    if let Some(file) = &args.password_file {
        let text = std::fs::read_to_string(file).map_err(|e| {
            Error::Config(format!(
                "cannot read the password file {}: {e}",
                file.display()
            ))
        })?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("Password for {username}: ")).map_err(Error::Io);
    }
    Err(Error::Config(
        "no password: set SYNCHRO_PASSWORD, pass --password-file FILE, or run on a terminal".into(),
    ))
}
