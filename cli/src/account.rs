//! `account add`, `account list`, `status`.

use crate::args::AddArgs;
use crate::password::password;
use serde_json::json;
use synchro_core::store::{Account, AccountSettings, Protocol, SqliteStore};
use synchro_core::sync::caldav::{discover_calendars, pick_calendar};
use synchro_core::{Error, Result};

/// Adds an account after checking the server and finding its calendar.
pub fn add(store: &mut SqliteStore, args: AddArgs) -> Result<()> {
    if store.read().account(&args.name)?.is_some() {
        return Err(Error::Config(format!(
            "an account named {:?} already exists",
            args.name
        )));
    }
    synchro_core::local::open_local(&args.local)?;
    if let Some(url) = args.syncml.clone() {
        return add_syncml(store, args, url);
    }
    let caldav = args.caldav.clone().unwrap_or_default();
    let mut settings = AccountSettings {
        no_sync_collection: args.no_sync_collection,
        ..security_settings(&args)?
    };
    if let Some(n) = args.multiget_batch {
        settings.multiget_batch = n.max(1);
    }
    let account = Account {
        id: 0,
        name: args.name.clone(),
        protocol: Protocol::CalDav,
        server_url: caldav.clone(),
        username: args.username.clone(),
        local: args.local.clone(),
        past_days: args.past_days,
        settings,
    };
    let password = password(&args.password, &args.username)?;
    let target = args.calendar.as_deref().unwrap_or(&caldav);
    let found = discover_calendars(&account, &password, target)?;
    let chosen = match &args.calendar {
        Some(url) => found
            .iter()
            .find(|c| same_url(&c.url, url))
            .or(found.first())
            .ok_or_else(|| Error::Config(format!("{url} is not a calendar collection")))?,
        None => {
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
            pick_calendar(&found).ok_or_else(|| {
                Error::Config("no calendar holding events was found; pass --calendar URL".into())
            })?
        }
    };
    let id = store.read().add_account(&account, Some(&chosen.url))?;
    let cal = store.read().calendar_state(id)?;
    store
        .read()
        .set_remote_calendar(cal.id, &chosen.url, chosen.display_name.as_deref())?;
    say!(
        "Account {} added: {} ({}) <-> {}{}",
        account.name,
        chosen.url,
        chosen.display_name.as_deref().unwrap_or("no name"),
        account.local,
        if chosen.read_only {
            " (read-only calendar)"
        } else {
            ""
        }
    );
    Ok(())
}

/// Adds a SyncML account: nothing is sent to the server until the first sync (a session
/// changes the server's state); the device id is kept in the store for good.
fn add_syncml(store: &mut SqliteStore, args: AddArgs, url: String) -> Result<()> {
    use synchro_core::sync::syncml::{new_device_id, DEFAULT_SERVER_URI};
    let account = Account {
        id: 0,
        name: args.name.clone(),
        protocol: Protocol::SyncMl,
        server_url: url.clone(),
        username: args.username.clone(),
        local: args.local.clone(),
        past_days: args.past_days,
        settings: security_settings(&args)?,
    };
    let id = store.read().add_account(&account, None)?;
    let cal = store.read().calendar_state(id)?;
    let server_uri = args
        .server_uri
        .clone()
        .unwrap_or_else(|| DEFAULT_SERVER_URI.to_string());
    let state = synchro_core::store::SyncMlState {
        calendar_id: cal.id,
        device_id: args.device_id.clone().unwrap_or_else(new_device_id),
        server_uri: server_uri.clone(),
        format: match args.format {
            Some(crate::args::SyncMlFormat::Vcalendar) => "vcalendar".into(),
            _ => "icalendar".into(),
        },
        wbxml: args.wbxml,
        auth: match args.auth {
            crate::args::SyncMlAuth::Md5 => "md5",
            crate::args::SyncMlAuth::Basic => "basic",
        }
        .into(),
        ..Default::default()
    };
    store.read().save_syncml_state(&state)?;
    store
        .read()
        .set_remote_calendar(cal.id, &format!("{url}#{server_uri}"), None)?;
    say!(
        "Account {} added: SyncML {url} (datastore {server_uri}, device id {}) <-> {}",
        account.name,
        state.device_id,
        account.local
    );
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

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
        || a.trim_end_matches('/').ends_with(b.trim_end_matches('/'))
}

/// Lists accounts.
pub fn list(store: &SqliteStore, json: bool) -> Result<()> {
    let accounts = store.read().accounts()?;
    if json {
        let mut out = Vec::new();
        for a in &accounts {
            let cal = store.read().calendar_state(a.id)?;
            out.push(json!({
                "name": a.name,
                "protocol": a.protocol,
                "server": a.server_url,
                "username": a.username,
                "calendar": cal.remote_url,
                "local": a.local,
                "past_days": a.past_days,
                "no_sync_collection": a.settings.no_sync_collection,
            }));
        }
        println!("{}", serde_json::Value::Array(out));
    } else if accounts.is_empty() {
        say!("No accounts. Add one with: synchro account add NAME --caldav URL --username USER --local vdir:DIR");
    } else {
        for a in &accounts {
            let cal = store.read().calendar_state(a.id)?;
            say!(
                "{}  {}  {} <-> {}",
                a.name,
                a.username,
                cal.remote_url.as_deref().unwrap_or(&a.server_url),
                a.local
            );
        }
    }
    Ok(())
}

pub(crate) fn selected(store: &SqliteStore, name: Option<&str>) -> Result<Vec<Account>> {
    match name {
        Some(n) => Ok(vec![store
            .read()
            .account(n)?
            .ok_or_else(|| Error::Config(format!("no account named {n:?}")))?]),
        None => store.read().accounts(),
    }
}

/// Shows the state of accounts: calendar, last sync, items, last result.
pub fn status(store: &SqliteStore, name: Option<&str>, json: bool) -> Result<()> {
    let mut out = Vec::new();
    for a in selected(store, name)? {
        let cal = store.read().calendar_state(a.id)?;
        let items = store.read().item_count(cal.id)?;
        let last = store.read().sessions(a.id, 1)?.into_iter().next();
        let conflicts = store.read().conflicts(a.id)?.len();
        out.push(json!({
            "account": a.name,
            "calendar": cal.remote_url,
            "local": a.local,
            "items": items,
            "last_sync_at": cal.last_sync_at,
            "last_success_at": cal.last_success_at,
            "last_status": last.as_ref().map(|s| s.status.clone()),
            "last_report": last.map(|s| s.report),
            "conflicts_kept": conflicts,
            "incremental": cal.sync_token.is_some() || cal.ctag.is_some(),
        }));
    }
    if json {
        for o in &out {
            println!("{o}");
        }
        return Ok(());
    }
    for o in out {
        say!("{}", o["account"].as_str().unwrap_or_default());
        say!(
            "  calendar     {}",
            o["calendar"].as_str().unwrap_or("(not chosen)")
        );
        say!("  local        {}", o["local"].as_str().unwrap_or_default());
        say!("  events       {}", o["items"]);
        say!(
            "  last sync    {} ({})",
            fmt_time(o["last_sync_at"].as_i64()),
            o["last_status"].as_str().unwrap_or("never")
        );
        say!("  last success {}", fmt_time(o["last_success_at"].as_i64()));
        say!("  conflicts    {} kept", o["conflicts_kept"]);
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
pub fn set(store: &mut SqliteStore, args: crate::args::SetArgs) -> Result<()> {
    let account = selected(store, Some(&args.name))?.remove(0);
    let mut next = account.clone();
    if let Some(d) = args.past_days {
        next.past_days = Some(d);
    }
    if args.all_events {
        next.past_days = None;
    }
    let s = &mut next.settings;
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
    if next == account {
        say!("nothing to change");
        return Ok(());
    }
    let device = synchro_core::local::open_local(&account.local)?;
    let id = synchro_core::backup::snapshot_offline(
        store,
        &account,
        device.as_ref(),
        "settings-change",
    )?;
    store.read().update_account(&next)?;
    say!(
        "{}: settings changed (backup #{id} taken first)",
        account.name
    );
    Ok(())
}
