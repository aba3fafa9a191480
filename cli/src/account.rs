//! `account add|set|list|remove` and `status`, over the agent.

use crate::args::{AddArgs, SetArgs};
use crate::password::password;
use serde_json::json;
use synchro_core::agent::{
    AccountSettings, AccountUpdate, NewAccount, ServerConfig, SyncMlAuth, SyncMlFormat,
};
use synchro_core::local::open_local;
use synchro_core::{Error, Result, SyncAgent};

/// Adds an account: a CalDAV one after checking the server and finding its calendar, a
/// SyncML one without contacting the server.
pub fn add(agent: &SyncAgent, args: AddArgs) -> Result<()> {
    if agent.account(&args.name).is_ok() {
        return Err(Error::Config(format!(
            "an account named {:?} already exists",
            args.name
        )));
    }
    open_local(&args.local)?;
    let mut settings = AccountSettings {
        no_sync_collection: args.no_sync_collection,
        ..security_settings(&args)?
    };
    if let Some(n) = args.multiget_batch {
        settings.multiget_batch = n.max(1);
    }
    let (server, secret) = match (&args.syncml, &args.caldav) {
        (Some(url), _) => (
            ServerConfig::SyncMl {
                url: url.clone(),
                server_uri: args.server_uri.clone(),
                device_id: args.device_id.clone(),
                format: match args.format {
                    Some(crate::args::SyncMlFormat::Vcalendar) => SyncMlFormat::VCalendar,
                    _ => SyncMlFormat::ICalendar,
                },
                wbxml: args.wbxml,
                auth: match args.auth {
                    crate::args::SyncMlAuth::Md5 => SyncMlAuth::Md5,
                    crate::args::SyncMlAuth::Basic => SyncMlAuth::Basic,
                },
            },
            String::new(),
        ),
        (None, url) => {
            let url = url.clone().unwrap_or_default();
            let secret = password(&args.password, &args.username)?;
            if args.calendar.is_none() {
                let found = agent.discover_calendars(&url, &args.username, &secret, &settings)?;
                say!("Found {} calendar(s):", found.len());
                for c in &found {
                    say!(
                        "  {}  {}{}{}",
                        c.url,
                        c.display_name.as_deref().unwrap_or("(no name)"),
                        if c.read_only { "  [read-only]" } else { "" },
                        if c.components.is_empty() {
                            String::new()
                        } else {
                            format!("  [{}]", c.components.join(","))
                        }
                    );
                }
            }
            (
                ServerConfig::CalDav {
                    url,
                    calendar: args.calendar.clone(),
                },
                secret,
            )
        }
    };
    let new = NewAccount {
        name: args.name.clone(),
        username: args.username.clone(),
        local: args.local.clone(),
        past_days: args.past_days,
        server,
        settings,
    };
    let info = agent.add_account(&new, &secret)?;
    match &info.device_id {
        Some(device_id) => say!(
            "Account {} added: SyncML {} ({}, device id {device_id}) <-> {}",
            info.name,
            info.server_url,
            info.calendar_url.as_deref().unwrap_or_default(),
            info.local
        ),
        None => say!(
            "Account {} added: {} ({}) <-> {}",
            info.name,
            info.calendar_url.as_deref().unwrap_or_default(),
            info.calendar_name.as_deref().unwrap_or("no name"),
            info.local
        ),
    }
    Ok(())
}

/// The auth and trust settings of `account add`.
fn security_settings(args: &AddArgs) -> Result<AccountSettings> {
    let mut s = AccountSettings {
        allow_insecure_http: args.allow_insecure_http,
        allow_basic: args.allow_basic,
        ..AccountSettings::default()
    };
    s.set_ca_file(args.ca_file.as_deref())?;
    s.set_pins(&args.pin)?;
    Ok(s)
}

/// Lists accounts.
pub fn list(agent: &SyncAgent, as_json: bool) -> Result<()> {
    let accounts = agent.list_accounts()?;
    if as_json {
        let out: Vec<_> = accounts
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "protocol": a.protocol,
                    "server": a.server_url,
                    "username": a.username,
                    "calendar": a.calendar_url,
                    "local": a.local,
                    "past_days": a.past_days,
                    "no_sync_collection": a.settings.no_sync_collection,
                })
            })
            .collect();
        emit!("{}", serde_json::Value::Array(out));
    } else if accounts.is_empty() {
        say!("No accounts. Add one with: synchro account add NAME --caldav URL --username USER --local vdir:DIR");
    } else {
        for a in &accounts {
            say!(
                "{}  {}  {} <-> {}",
                a.name,
                a.username,
                a.calendar_url.as_deref().unwrap_or(&a.server_url),
                a.local
            );
        }
    }
    Ok(())
}

/// Removes an account and what the store kept for it; neither calendar is touched.
pub fn remove(agent: &SyncAgent, name: &str) -> Result<()> {
    agent.remove_account(name)?;
    say!("Account {name} removed (both calendars left as they are)");
    Ok(())
}

/// Shows the state of accounts: calendar, last sync, items, last result.
pub fn status(agent: &SyncAgent, name: Option<&str>, as_json: bool) -> Result<()> {
    for s in agent.status(name)? {
        if as_json {
            emit!("{}", serde_json::to_string(&s).expect("status serialises"));
            continue;
        }
        say!("{}", s.account);
        say!(
            "  calendar     {}",
            s.calendar.as_deref().unwrap_or("(not chosen)")
        );
        say!("  local        {}", s.local);
        say!("  events       {}", s.items);
        say!(
            "  last sync    {} ({})",
            fmt_time(s.last_sync_at),
            s.last_status.map(crate::words::status).unwrap_or("never")
        );
        say!("  last success {}", fmt_time(s.last_success_at));
        say!("  conflicts    {} kept", s.conflicts_kept);
        if s.syncing {
            say!("  syncing now");
        }
    }
    Ok(())
}

pub(crate) fn fmt_time(secs: Option<i64>) -> String {
    match secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "never".into(),
    }
}

/// Changes an account's settings, after a full snapshot of both sides.
pub fn set(agent: &SyncAgent, args: SetArgs) -> Result<()> {
    let account = agent.account(&args.name)?;
    let mut update = AccountUpdate {
        past_days: account.past_days,
        settings: account.settings.clone(),
    };
    if let Some(d) = args.past_days {
        update.past_days = Some(d);
    }
    if args.all_events {
        update.past_days = None;
    }
    let s = &mut update.settings;
    if let Some(v) = args.sync_collection {
        s.no_sync_collection = !v;
    }
    if let Some(v) = args.max_delete_percent {
        s.max_delete_percent = v;
    }
    if let Some(v) = args.max_delete_count {
        s.max_delete_count = v;
    }
    if let Some(v) = args.backup_max_count {
        s.backup_max_count = v;
    }
    if let Some(v) = args.backup_max_age_days {
        s.backup_max_age_days = v;
    }
    if let Some(v) = args.backup_max_mib {
        s.backup_max_mib = v;
    }
    if let Some(v) = args.allow_insecure_http {
        s.allow_insecure_http = v;
    }
    if let Some(v) = args.allow_basic {
        s.allow_basic = v;
    }
    if args.ca_file.is_some() || args.no_ca_file {
        s.set_ca_file(args.ca_file.as_deref())?;
    }
    if !args.pin.is_empty() || args.no_pin {
        s.set_pins(&args.pin)?;
    }
    let device = open_local(&account.local)?;
    match agent.update_account(&account.name, &update, device.as_ref())? {
        Some(id) => say!(
            "{}: settings changed (backup #{id} taken first)",
            account.name
        ),
        None => say!("nothing to change"),
    }
    Ok(())
}
