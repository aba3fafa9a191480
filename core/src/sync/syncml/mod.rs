//! One SyncML DS 1.2 sync of an account, on the shared engine.
//!
//! 1. Package 1: our DevInf (Put) and a sync Alert with anchors: 200 two-way, 201 slow when
//!    there are no anchors (or the user asks); the server's answer may force another mode
//!    (508 → slow).
//! 2. Package 3: our changes ([`outgoing`]): device changes since the last sync, or in a
//!    slow sync every event as a Replace; LUID = store row id.
//! 3. Package 4: the server's changes ([`incoming`]) become the remote scan of the frame
//!    ([`crate::sync::plan::ServerScan`]); the shared plan, pairing, guard and backup run;
//!    device writes are applied (`execute`).
//! 4. Package 5: a Status for every server command and a Map (LUID → GUID) of its Adds,
//!    persisted before sending; anchors are committed only after the server's last Status.
//!
//! A plan the guard holds back applies nothing and commits no anchors: the session ends
//! without our answers, so the server sends the same changes again next time.
//!
//! Interruptions: before package 3 is posted, the mode, our Next anchor and a journal of
//! the changes sent are saved; Statuses mark them acknowledged; the state is dropped once
//! package 4 is in. The next run then asks to resume (Alert 225 with the saved anchor): a
//! resumed session re-sends only what was not acknowledged (418 for a re-sent Add is
//! fine). A refused resume (508/509: SyncEvolution's backends cannot suspend) wipes that
//! state and runs the mode the server alerts; in a normal sync the additions sent without
//! an answer are held back (the server may hold them without a Map: its Adds of them pair
//! by UID), then a refresh from the server brings the changes of its lost package (it
//! counts them as sent), paired with what we hold, and a last two-way sync sends the
//! additions that found no twin.

mod execute;
pub mod incoming;
pub mod outgoing;
mod packages;

use super::frame::{self, Frame};
use super::plan::Action;
use super::report::{SyncReport, SyncStatus};
use super::SyncContext;
use crate::device::DeviceCalendar;
use crate::remote::http::{HttpClient, HttpConfig, HttpStats};
use crate::remote::syncml::auth::AuthType;
use crate::remote::syncml::build::alert_code;
use crate::remote::syncml::session::{Session, SessionConfig};
use crate::remote::syncml::SyncMlFormat;
use crate::remote::syncml::{Command, DataStore, DevInf, Encoding, Map, Status, SyncMl};
use crate::store::{Account, SqliteStore, SyncMlState};
use crate::{Error, Result};

/// Our datastore's URI (Alert and Sync Source).
pub const LOCAL_URI: &str = "./calendar";
/// The server datastore used when none is configured.
pub const DEFAULT_SERVER_URI: &str = "calendar";

/// The sync mode asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// 200 (or 201 when there are no anchors).
    TwoWay,
    /// 201.
    Slow,
    /// 202.
    OneWayFromClient,
    /// 203.
    RefreshFromClient,
    /// 204.
    OneWayFromServer,
    /// 205.
    RefreshFromServer,
}

impl SyncMode {
    /// The Alert code.
    pub fn code(self) -> u16 {
        match self {
            SyncMode::TwoWay => alert_code::TWO_WAY,
            SyncMode::Slow => alert_code::SLOW,
            SyncMode::OneWayFromClient => alert_code::ONE_WAY_FROM_CLIENT,
            SyncMode::RefreshFromClient => alert_code::REFRESH_FROM_CLIENT,
            SyncMode::OneWayFromServer => alert_code::ONE_WAY_FROM_SERVER,
            SyncMode::RefreshFromServer => alert_code::REFRESH_FROM_SERVER,
        }
    }
}

/// A new device id for an account: `synchro-` and 16 random hex digits.
pub fn new_device_id() -> String {
    format!("synchro-{:016x}", rand::random::<u64>())
}

/// The SyncML state of an account's calendar, created with defaults (and a new device id)
/// when missing.
pub fn state_of(store: &SqliteStore, account: &Account) -> Result<SyncMlState> {
    let cal = store.read().calendar_state(account.id)?;
    if let Some(s) = store.read().syncml_state(cal.id)? {
        return Ok(s);
    }
    let s = SyncMlState {
        calendar_id: cal.id,
        device_id: new_device_id(),
        server_uri: DEFAULT_SERVER_URI.into(),
        format: SyncMlFormat::ICalendar,
        wbxml: false,
        auth: AuthType::Md5,
        ..Default::default()
    };
    store.read().save_syncml_state(&s)?;
    Ok(s)
}

/// Syncs one SyncML account with its device calendar (`mode`: `None` for the usual
/// two-way). Like the CalDAV sync, the report says what happened.
pub fn sync_syncml(
    store: &mut SqliteStore,
    account: &Account,
    password: &str,
    device: &mut dyn DeviceCalendar,
    opts: &SyncContext<'_>,
    mode: Option<SyncMode>,
) -> (SyncReport, Option<Error>) {
    let started = frame::Started::now();
    let mut report = SyncReport::new(&account.name);
    let mut stats = None;
    let mut f = Frame {
        store,
        account,
        device,
        opts,
        report: &mut report,
    };
    let result = run(
        &mut f,
        password,
        mode.unwrap_or(SyncMode::TwoWay),
        &mut stats,
    );
    frame::finish(store, account, opts, started, report, stats, result)
}

/// Our DevInf: one calendar datastore preferring iCalendar 2.0 (or vCalendar 1.0).
fn devinf(state: &SyncMlState) -> DevInf {
    let mut ds = DataStore::calendar(LOCAL_URI, "Calendar", 32);
    if state.format == SyncMlFormat::VCalendar {
        ds.rx_pref = Some(crate::remote::syncml::ContentType::new(
            "text/x-vcalendar",
            "1.0",
        ));
        ds.rx = vec![crate::remote::syncml::ContentType::new(
            "text/calendar",
            "2.0",
        )];
        ds.tx_pref = ds.rx_pref.clone();
        ds.tx = ds.rx.clone();
    }
    DevInf::client(
        &state.device_id,
        "Synchro",
        "synchro",
        env!("CARGO_PKG_VERSION"),
        "smartphone",
        vec![ds],
    )
}

/// Runs the sync, then the sessions a recovery needs: after an interrupted session whose
/// resume the server refused, a refresh from the server (what its lost package held) and,
/// when some of our additions had no twin there, a two-way sync sending them.
fn run(
    f: &mut Frame<'_, '_>,
    password: &str,
    mode: SyncMode,
    stats: &mut Option<HttpStats>,
) -> Result<()> {
    let mut mode = mode;
    let mut recovering = false;
    for _ in 0..3 {
        let mut one = None;
        let next = run_once(f, password, mode, recovering, &mut one);
        if let Some(one) = one {
            let total = stats.get_or_insert_with(Default::default);
            total.requests += one.requests;
            total.bytes_sent += one.bytes_sent;
            total.bytes_received += one.bytes_received;
        }
        match next? {
            Some(m) if f.report.status == SyncStatus::Ok && f.report.errors.is_empty() => {
                log::info!("SyncML: recovery continues with mode {}", m.code());
                mode = m;
                recovering = true;
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// A session with the server (no contact yet). No HTTP auth: SyncML credentials travel in
/// the message; the account's trust settings apply.
fn new_session(account: &Account, password: &str, state: &SyncMlState) -> Result<Session> {
    let encoding = if state.wbxml {
        Encoding::Wbxml
    } else {
        Encoding::Xml
    };
    let http = HttpClient::new(HttpConfig {
        max_body: 32 * 1024 * 1024,
        username: String::new(),
        ..crate::sync::caldav::http_config(account, "")?
    })?;
    let config = SessionConfig {
        url: account.server_url.clone(),
        device_id: state.device_id.clone(),
        username: account.username.clone(),
        auth: state.auth,
        allow_basic: account.settings.allow_basic,
        allow_insecure_http: account.settings.allow_insecure_http,
        nonce: state.nonce.clone(),
        encoding,
        max_msg_size: state.max_msg_size,
    };
    Ok(Session::new(http, config, password, devinf(state)))
}

/// One session in the frame; returns the mode of another session a recovery needs.
fn run_once(
    f: &mut Frame<'_, '_>,
    password: &str,
    mode: SyncMode,
    recovering: bool,
    stats: &mut Option<HttpStats>,
) -> Result<Option<SyncMode>> {
    let state = state_of(f.store, f.account)?;
    let session = new_session(f.account, password, &state)?;
    let mut one = packages::OneSession::new(mode, recovering, state, session);
    let result = frame::run(f, &mut one);
    let packages::OneSession {
        state,
        mut session,
        next,
        ..
    } = one;
    // Interrupted on request during a session: tell the server we suspend (Alert 224), so
    // it can keep the session for a resume; the journal and resume state are already saved.
    if matches!(result, Err(Error::Interrupted)) && session.started() {
        if let Err(e) = session.suspend(&state.server_uri, LOCAL_URI) {
            log::info!("SyncML: the suspend alert did not go through: {e}");
        }
    }
    *stats = Some(session.http().stats());
    // The nonce and the auth type that worked are kept whatever happened; a server's
    // downgrade to basic (when allowed) is for this session only: the account keeps md5.
    let auth = match session.auth_type() {
        AuthType::Basic if state.auth != AuthType::Basic => state.auth,
        other => other,
    };
    if session.nonce().is_some() || auth != AuthType::None {
        f.store
            .read()
            .set_syncml_auth(state.calendar_id, auth, session.nonce())?;
    }
    result.map(|()| next)
}

/// What a dry run shows without talking to the server: the device changes that would go.
fn local_plan(
    scan: &super::detect::DeviceScan,
    deletes: &[Action],
    items: &[crate::store::ItemRecord],
) -> Vec<crate::sync::PlannedChange> {
    use crate::sync::{ChangeAction, ChangeReason, PlannedChange};
    let change = |d: &super::detect::DeviceEvent, action, reason| PlannedChange {
        side: crate::model::Side::Server,
        action,
        uid: d.event.uid.to_string(),
        summary: d.event.summary.clone(),
        reason,
    };
    let mut out: Vec<PlannedChange> = scan
        .new
        .iter()
        .map(|d| change(d, ChangeAction::Add, ChangeReason::NewOnDevice))
        .collect();
    out.extend(
        scan.changed
            .values()
            .map(|d| change(d, ChangeAction::Update, ChangeReason::ChangedOnDevice)),
    );
    out.extend(deletes.iter().filter_map(|a| a.describe(items)));
    out
}

/// The server's answer to our sync Alert: its mode and its Next anchor.
struct ServerAlert {
    code: u16,
    next: Option<String>,
}

fn find_server_alert(
    replies: &[SyncMl],
    session: &mut Session,
    local_uri: &str,
) -> Result<(ServerAlert, Option<u16>)> {
    let mut found = None;
    let mut our_status = None;
    for m in replies {
        for cmd in &m.body.commands {
            match cmd {
                Command::Alert(a)
                    if (200..=210).contains(&a.code) || a.code == alert_code::RESUME =>
                {
                    let next = a
                        .items
                        .iter()
                        .find_map(|i| i.meta.as_ref()?.anchor.as_ref())
                        .map(|an| an.next.clone());
                    let targets_us = a.items.iter().any(|i| {
                        i.target
                            .as_ref()
                            .is_none_or(|t| t.loc_uri == local_uri || t.loc_uri.is_empty())
                    });
                    if targets_us || a.items.is_empty() {
                        session.answer_with(Status::for_command(0, m.header.msg_id, cmd, 200));
                        found = Some(ServerAlert { code: a.code, next });
                    }
                }
                Command::Status(s) if s.cmd == "Alert" => our_status = Some(s.code),
                _ => {}
            }
        }
    }
    match found {
        Some(f) => Ok((f, our_status)),
        None => Err(Error::Protocol(match our_status {
            Some(code) if code >= 300 => {
                format!("the server refused to sync the calendar (status {code})")
            }
            _ => "the server did not say how to sync the calendar".into(),
        })),
    }
}

fn map_command(state: &SyncMlState, pairs: &[(String, String)]) -> Command {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(luid, guid)| (guid.as_str(), luid.as_str()))
        .collect();
    Command::Map(Map::new(0, &state.server_uri, LOCAL_URI, &pairs))
}
